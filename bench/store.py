"""SQLite result store: one row per finished cell, written in one transaction per cell.

Public:
    STORE_VERSION               the table layout's version (kept in the ``meta`` table)
    EXPORT_FORMATS              csv, json, parquet
    TIMING_COLUMNS              the columns of ``Store.timings``
    Store(path, readonly=False) open (and create) a store; a context manager; a reader
                                (``readonly``) never writes and works while a run writes
        .put(result)            insert a finished cell (ignored if its key is already stored)
        .has(key) / .keys()     what is stored
        .other_schemas()        rows of other schema versions (never reused): version → rows
        .claim(keys, owner, lease_s) / .renew(owner, lease_s) / .release(owner)
                                leases that keep concurrent runs off each other's cells
    claim_owner() -> str        a run's owner id (host, pid): a dead local owner's claims
                                are retaken at once, a remote one's when its lease expires
        .get(key)               one Result, or None
        .results(suite=None)    Results, optionally only those of one suite's grid
        .register_suite(suite, keys)  remember which keys form a suite's grid (for reports)
        .suites()               suite names known to the store
        .grid_size(suite) / .description(suite)   what the suite file said
        .start_run(...) / .finish_run(...)   the log of ``bench run`` invocations
        .runs()                 that log as dicts
        .frame(suite=None, series=False)  one row per cell as a pandas DataFrame (README,
                                "Columns"); ``series`` adds the curves and probes
        .export(path, fmt, suite=None)
        .put_timings(suite, records, env, measured_at)   store a ``bench speed`` measurement
                                (replacing the suite's previous one)
        .timings(suite=None)    those timings, one row per record, as a DataFrame

Crash safety: a row is written whole or not at all (SQLite transaction), so a run killed
at any moment leaves no partial row and a rerun trains only what is missing. Two runs on one
store at once are safe: WAL journal, a busy timeout, and ``INSERT OR IGNORE`` on the key.
"""

from __future__ import annotations

import json
import math
import os
import random
import socket
import sqlite3
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.records import SCHEMA_VERSION, Result, cell_from_dict, flatten

if TYPE_CHECKING:
    from bench.suite import Suite

STORE_VERSION = 1
# Why an older harness's results are not converted (the store's message, a run's note).
NO_MIGRATION = (
    "results measured under other definitions cannot be converted without training again "
    "(schema 2 changed what the probes measure and put the device into every cell's key)"
)
EXPORT_FORMATS = ("csv", "json", "parquet")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS results (
    key TEXT PRIMARY KEY,
    schema_version INTEGER NOT NULL,
    dataset TEXT NOT NULL,
    activation TEXT NOT NULL,
    init TEXT NOT NULL,
    seed INTEGER NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('ok', 'diverged', 'failed')),
    error TEXT,
    cell TEXT NOT NULL,
    metrics TEXT NOT NULL,
    curves TEXT NOT NULL,
    probes TEXT NOT NULL,
    env TEXT NOT NULL,
    started_at TEXT NOT NULL,
    finished_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suites (
    name TEXT PRIMARY KEY,
    description TEXT NOT NULL,
    source TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS suite_cells (
    suite TEXT NOT NULL,
    key TEXT NOT NULL,
    position INTEGER NOT NULL,
    PRIMARY KEY (suite, key)
);
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    suite TEXT NOT NULL,
    source TEXT NOT NULL,
    backend TEXT NOT NULL,
    workers INTEGER NOT NULL,
    cells_total INTEGER NOT NULL,
    cells_todo INTEGER NOT NULL,
    cells_done INTEGER NOT NULL DEFAULT 0,
    status TEXT NOT NULL DEFAULT 'running',
    started_at TEXT NOT NULL,
    finished_at TEXT,
    wall_time_s REAL
);
CREATE TABLE IF NOT EXISTS timings (
    suite TEXT NOT NULL,
    activation TEXT NOT NULL,
    width INTEGER NOT NULL,
    depth INTEGER NOT NULL,
    batch INTEGER NOT NULL,
    pass TEXT NOT NULL,
    repeat INTEGER NOT NULL,
    seconds REAL NOT NULL,
    device TEXT NOT NULL,
    threads INTEGER NOT NULL,
    env TEXT NOT NULL,
    measured_at TEXT NOT NULL
);
"""
CREATE_CHECKS = """
CREATE TABLE IF NOT EXISTS checks (
    name TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    measured_at TEXT NOT NULL
)"""
TIMING_COLUMNS = (
    "suite", "activation", "width", "depth", "batch", "pass", "repeat", "seconds", "device",
    "threads", "env", "measured_at",
)  # fmt: skip


def _wait_for_meta(db: sqlite3.Connection, seconds: float = 5.0) -> None:
    """A store another process is creating right now may lack its tables for a moment."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if db.execute("SELECT 1 FROM sqlite_master WHERE name='meta'").fetchone():
            return
        time.sleep(0.05)


def claim_owner() -> str:
    """A run's claim owner: ``host:pid:random``, so a run on this host can tell that the
    owner of a claim has died (and retake its cells at once, without waiting for expiry)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _owner_is_dead(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return False  # another machine's run: only its lease's expiry frees its cells
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True)


class Store:
    """A SQLite file of results. See the module docstring."""

    def __init__(self, path: str | Path, readonly: bool = False) -> None:
        self.path = Path(path)
        self.readonly = readonly
        if readonly and not self.path.is_file():
            raise BenchError(f"{self.path}: no such store")
        if not readonly and self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            if readonly:  # a reader never writes, and reads while a run writes (WAL)
                uri = f"{self.path.resolve().as_uri()}?mode=ro"
                self._db = sqlite3.connect(uri, uri=True, timeout=60.0, isolation_level=None)
                self._db.execute("PRAGMA busy_timeout = 60000")
                self._db.execute("PRAGMA query_only = ON")
                _wait_for_meta(self._db)
            else:
                self._db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
                self._db.execute("PRAGMA busy_timeout = 60000")
                _retry_locked(self._setup)
            found = self._db.execute("SELECT value FROM meta WHERE name='store_version'").fetchone()
        except sqlite3.DatabaseError as exc:
            raise BenchError(f"{self.path}: not a usable result store: {exc}") from None
        if found is None:
            raise BenchError(f"{self.path}: not a result store (no store version)")
        if int(found[0]) != STORE_VERSION:
            newer = int(found[0]) > STORE_VERSION
            raise BenchError(
                f"{self.path}: store version {found[0]}, this harness reads {STORE_VERSION}: "
                + (
                    "it was written by a newer harness; upgrade this one to read it"
                    if newer
                    else "it was written by an older harness, and there is no migration: "
                    f"{NO_MIGRATION}; keep it with that version, or start a new store"
                )
            )

    # -- plumbing --------------------------------------------------------------------------

    def _setup(self) -> None:
        # Switching to WAL needs a lock that SQLite's busy handler does not wait for, so two
        # processes creating one store at the same moment can see "database is locked" here:
        # the caller retries the whole (idempotent) set-up.
        self._db.execute("PRAGMA journal_mode = WAL")
        self._db.execute("PRAGMA synchronous = NORMAL")
        with self._tx():
            for stmt in filter(str.strip, _SCHEMA.split(";")):
                self._db.execute(stmt)
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('store_version', ?)", (str(STORE_VERSION),)
            )

    def _tx(self) -> _Transaction:
        return _Transaction(self._db)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- results ---------------------------------------------------------------------------

    def put(self, result: Result) -> bool:
        """Store a finished cell in one transaction.

        Returns:
            True if written, False if the key was already stored (another run got there).
        """
        c = result.cell
        row = (
            result.key, SCHEMA_VERSION, c.dataset, c.activation, c.init, c.seed,
            result.status, result.error, _dumps(c.to_dict()), _dumps(result.metrics),
            _dumps(result.curves), _dumps(result.probes), _dumps(result.env),
            result.started_at, result.finished_at,
        )  # fmt: skip
        with self._tx():
            cur = self._db.execute(
                f"INSERT OR IGNORE INTO results VALUES ({', '.join('?' * len(row))})", row
            )
        return cur.rowcount == 1

    def has(self, key: str) -> bool:
        """Whether a result for ``key`` is stored."""
        return self._db.execute("SELECT 1 FROM results WHERE key=?", (key,)).fetchone() is not None

    def keys(self) -> set[str]:
        """All stored cell keys."""
        return {k for (k,) in self._db.execute("SELECT key FROM results")}

    def other_schemas(self) -> dict[int, int]:
        """Rows stored under another schema version than this harness's: version → rows.
        Their keys are never this harness's keys, so they are never reused."""
        rows = self._db.execute(
            "SELECT schema_version, count(*) FROM results WHERE schema_version != ? "
            "GROUP BY schema_version ORDER BY schema_version", (SCHEMA_VERSION,)
        )  # fmt: skip
        return dict(rows.fetchall())

    # -- claims: concurrent runs never train the same cell ---------------------------------

    def claim(self, keys: list[str], owner: str, lease_s: float) -> set[str]:
        """Claim the cells of ``keys`` that are neither stored nor held by another live run.

        A claim expires ``lease_s`` seconds from now unless its owner renews it, so the
        cells of a run that was killed can be retaken once its lease runs out.

        Returns:
            The keys now held by ``owner``.
        """
        now = time.time()
        with self._tx():
            self._db.execute("DELETE FROM claims WHERE expires < ?", (now,))
            owners = {o for (o,) in self._db.execute("SELECT DISTINCT owner FROM claims")}
            dead = [o for o in owners if o != owner and _owner_is_dead(o)]
            self._db.executemany("DELETE FROM claims WHERE owner = ?", [(o,) for o in dead])
            taken = {k for (k,) in self._db.execute("SELECT key FROM results")}
            taken |= {
                k for (k,) in self._db.execute("SELECT key FROM claims WHERE owner != ?", (owner,))
            }
            granted = [k for k in keys if k not in taken]
            self._db.executemany(
                "INSERT OR REPLACE INTO claims (key, owner, expires) VALUES (?, ?, ?)",
                [(k, owner, now + lease_s) for k in granted],
            )
        return set(granted)

    def renew(self, owner: str, lease_s: float) -> None:
        """Extend every claim ``owner`` holds by ``lease_s`` from now."""
        with self._tx():
            self._db.execute(
                "UPDATE claims SET expires = ? WHERE owner = ?", (time.time() + lease_s, owner)
            )

    def release(self, owner: str) -> None:
        """Drop every claim ``owner`` holds (its run is over)."""
        with self._tx():
            self._db.execute("DELETE FROM claims WHERE owner = ?", (owner,))

    def _rows(self, where: str = "", params: tuple = ()) -> list[Result]:
        sql = (
            "SELECT r.key, r.status, r.error, r.cell, r.metrics, r.curves, r.probes, r.env, "
            "r.started_at, r.finished_at FROM results r " + where
        )
        out = []
        for key, status, error, cell, metrics, curves, probes, env, t0, t1 in self._db.execute(
            sql, params
        ):
            blobs = (json.loads(x) for x in (metrics, curves, probes, env))
            c = cell_from_dict(json.loads(cell))
            out.append(Result(key, c, status, error, *blobs, t0, t1))
        return out

    def get(self, key: str) -> Result | None:
        """The stored Result for ``key``, or None. A unique key prefix is accepted."""
        rows = self._rows("WHERE r.key LIKE ? ORDER BY r.key", (f"{key}%",))
        if len(rows) > 1:
            raise BenchError(f"key prefix {key!r} is ambiguous: {', '.join(r.key for r in rows)}")
        return rows[0] if rows else None

    def results(self, suite: str | None = None) -> list[Result]:
        """Stored Results; with ``suite``, only those in that suite's grid, in grid order."""
        if suite is None:
            return self._rows("ORDER BY r.finished_at, r.key")
        return self._rows(
            "JOIN suite_cells s ON s.key = r.key WHERE s.suite=? ORDER BY s.position", (suite,)
        )

    # -- suites and runs -------------------------------------------------------------------

    def register_suite(self, suite: Suite, keys: list[str]) -> None:
        """Record that ``keys`` (in grid order) form ``suite``'s grid."""
        with self._tx():
            self._db.execute(
                "INSERT OR REPLACE INTO suites VALUES (?, ?, ?)",
                (suite.name, suite.description, suite.source),
            )
            self._db.execute("DELETE FROM suite_cells WHERE suite=?", (suite.name,))
            self._db.executemany(
                "INSERT INTO suite_cells VALUES (?, ?, ?)",
                [(suite.name, k, i) for i, k in enumerate(keys)],
            )

    def suites(self) -> list[str]:
        """Suite names registered in this store."""
        return [s for (s,) in self._db.execute("SELECT DISTINCT suite FROM suite_cells ORDER BY 1")]

    def grid_size(self, suite: str) -> int:
        """Number of cells in a registered suite's grid."""
        (n,) = self._db.execute(
            "SELECT count(*) FROM suite_cells WHERE suite=?", (suite,)
        ).fetchone()
        return int(n)

    def description(self, suite: str) -> str:
        """A registered suite's description ("" if unknown)."""
        row = self._db.execute("SELECT description FROM suites WHERE name=?", (suite,)).fetchone()
        return row[0] if row else ""

    def start_run(
        self, suite: Suite, backend: str, workers: int, total: int, todo: int, started_at: str
    ) -> int:
        """Log the start of a ``bench run``; returns its id."""
        with self._tx():
            cur = self._db.execute(
                "INSERT INTO runs (suite, source, backend, workers, cells_total, cells_todo, "
                "started_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (suite.name, suite.source, backend, workers, total, todo, started_at),
            )
        return int(cur.lastrowid)

    def finish_run(
        self, run_id: int, done: int, status: str, finished_at: str, wall_time_s: float
    ) -> None:
        """Log the end (``finished``, ``interrupted`` or ``crashed``) of a ``bench run``."""
        with self._tx():
            self._db.execute(
                "UPDATE runs SET cells_done=?, status=?, finished_at=?, wall_time_s=? WHERE id=?",
                (done, status, finished_at, wall_time_s, run_id),
            )

    def runs(self, suite: str | None = None) -> list[dict[str, Any]]:
        """The run log, oldest first."""
        cur = self._db.execute(
            "SELECT * FROM runs" + (" WHERE suite=?" if suite else "") + " ORDER BY id",
            (suite,) if suite else (),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]

    # -- timings (bench speed) -------------------------------------------------------------

    def put_timings(
        self, suite: str, records: list[dict[str, Any]], env: dict[str, Any], measured_at: str
    ) -> int:
        """Store one ``bench speed`` measurement of a suite's activations.

        A new measurement for the same suite *replaces* the older one (delete and insert in
        one transaction): ratios are only comparable within one measurement.

        Args:
            suite: the suite name the timings belong to.
            records: ``bench.speed.measure``'s dicts (activation, width, depth, batch,
                pass, repeat, seconds, device, threads).
            env: where it was measured (torch version, threads, CPU, …), stored as JSON.
            measured_at: timestamp, ISO 8601.

        Returns:
            The number of rows written.
        """
        fields = TIMING_COLUMNS[1:-2]
        rows = [(suite, *(rec[f] for f in fields), _dumps(env), measured_at) for rec in records]
        with self._tx():
            self._db.execute("DELETE FROM timings WHERE suite=?", (suite,))
            self._db.executemany(
                f"INSERT INTO timings VALUES ({', '.join('?' * len(TIMING_COLUMNS))})", rows
            )
        return len(rows)

    # -- exact checks (bench claims run) ------------------------------------------------

    def put_check(self, name: str, payload: dict[str, Any], measured_at: str) -> None:
        """Store (or replace) one exact check's JSON payload under ``name`` (the claims'
        checks that train nothing: PyTorch's defaults, gains, autograd at 0, the 1-D fit)."""
        with self._tx():
            self._db.execute(CREATE_CHECKS)
            self._db.execute(
                "INSERT OR REPLACE INTO checks VALUES (?, ?, ?)",
                (name, _dumps(payload), measured_at),
            )

    def checks(self) -> dict[str, dict[str, Any]]:
        """Every stored check: name → payload (with ``measured_at``); empty if none."""
        has = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='checks'"
        ).fetchone()
        if not has:
            return {}
        rows = self._db.execute("SELECT name, payload, measured_at FROM checks ORDER BY name")
        return {n: {**json.loads(p), "measured_at": t} for n, p, t in rows}

    def timings(self, suite: str | None = None):
        """Stored timings as a pandas DataFrame, one row per record.

        Args:
            suite: only this suite's measurement (default: every suite's).

        Returns:
            Columns ``TIMING_COLUMNS`` (``env`` as a dict); empty, with those columns, when
            nothing is stored.
        """
        import pandas as pd

        has_table = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='timings'"
        ).fetchone()
        if not has_table:  # a store written before the table existed, opened read-only
            return pd.DataFrame(columns=list(TIMING_COLUMNS))
        cur = self._db.execute(
            f"SELECT {', '.join(TIMING_COLUMNS)} FROM timings"
            + (" WHERE suite=?" if suite is not None else "")
            + " ORDER BY rowid",
            (suite,) if suite is not None else (),
        )
        df = pd.DataFrame(cur.fetchall(), columns=list(TIMING_COLUMNS))
        df["env"] = [json.loads(e) for e in df["env"]]
        return df

    # -- export ----------------------------------------------------------------------------

    def frame(self, suite: str | None = None, series: bool = False):
        """One row per stored cell as a pandas DataFrame.

        Columns: ``key``, ``status``, ``error``, the cell's fields as dotted paths
        (``dataset``, ``activation``, ``init``, ``seed``, ``model.depth``, ``train.lr`` …),
        every scalar metric by name, ``env.*``, ``started_at``, ``finished_at``; with
        ``series``, also ``curves`` and ``probes`` as nested objects.
        """
        import pandas as pd

        rows = []
        for r in self.results(suite):
            row: dict[str, Any] = {"key": r.key, "status": r.status, "error": r.error}
            row.update(flatten(r.cell.to_dict()))
            row.update(r.metrics)
            row.update({f"env.{k}": v for k, v in r.env.items()})
            row.update(started_at=r.started_at, finished_at=r.finished_at)
            if series:
                row.update(curves=r.curves, probes=r.probes)
            rows.append(row)
        return pd.DataFrame(rows)

    def export(self, path: str | Path, fmt: str, suite: str | None = None) -> int:
        """Write every stored cell to ``path`` as csv, json (with curves and probes) or
        parquet. Returns the number of rows."""
        if fmt not in EXPORT_FORMATS:
            raise BenchError(f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
        df = self.frame(suite, series=fmt == "json")
        if fmt == "csv":
            df.to_csv(path, index=False)
        elif fmt == "json":
            records = _nan_to_none(df.to_dict(orient="records"))
            Path(path).write_text(json.dumps(records, indent=1, default=str, allow_nan=False))
        else:
            try:
                df.to_parquet(path, index=False)
            except ImportError as exc:
                raise BenchError(f"parquet export needs pyarrow: {exc}") from None
        return len(df)


def _retry_locked(fn: Callable[[], None], patience_s: float = 60.0) -> None:
    """Call ``fn`` until it gets past a "database is locked/busy" error (at most patience_s)."""
    deadline = time.monotonic() + patience_s
    while True:
        try:
            return fn()
        except sqlite3.OperationalError as exc:
            transient = "locked" in str(exc) or "busy" in str(exc)
            if not transient or time.monotonic() > deadline:
                raise
            time.sleep(random.uniform(0.01, 0.1))


def _nan_to_none(obj: Any) -> Any:
    """Strict JSON has no NaN/Inf: write them as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v) for v in obj]
    return obj


class _Transaction:
    """``BEGIN IMMEDIATE … COMMIT`` (rollback on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
