"""SQLite result store: one row per finished cell, written in one transaction per cell.

Public:
    STORE_VERSION               the table layout's version (kept in the ``meta`` table; a
                                writer upgrades an older store in place, a reader reads it
                                as it is: :mod:`bench.store.tables`)
    EXPORT_FORMATS              csv, json, parquet
    TIMING_COLUMNS              the columns of ``Store.timings``
    Store(path, readonly=False, clock=time.time)
                                open (and create) a store; a context manager; a reader
                                (``readonly``) never writes and works while a run writes
        .put(result, run_id=None)
                                insert a finished cell (ignored if its key is already stored);
                                with ``run_id``, the run log counts it in the same transaction
        .has(key) / .keys()     what is stored
        .outcomes(keys, curves=False)
                                status, scalar metrics (and curves) of the stored ones among
                                ``keys`` (what the bracketing walk reads: :mod:`bench.tune`)
        .retire_failed(keys, retired_at) -> int
                                move the ``failed`` rows of these keys to the history table
                                (``bench run --retry failed`` trains them again)
        .history(key=None)      retired rows, oldest first: (retired_at, Result)
        .other_schemas()        rows of other schema versions (never reused): version → rows
        .claim(keys, owner, lease_s) / .renew(owner, lease_s) / .release(owner)
                                leases (the ``leases`` table) that keep concurrent runs off
                                each other's cells
    claim_owner() -> str        a run's owner id (host, pid): a dead local owner's claims
                                are retaken at once, a remote one's when its lease expires
        .get(key)               one Result, or None
        .results(suite=None)    Results, optionally only those of one suite's grid
        .register_suite(suite, keys, tuning=None)
                                remember which keys form a suite's grid (for reports), and
                                the rule a tuned suite brackets its rate by
        .tuning(suite)          that rule and the keys it added beyond the starting grid
                                (None: the suite is not tuned)
        .suites()               suite names known to the store
        .grid_size(suite) / .description(suite)   what the suite file said
        .start_run(...) / .finish_run(...)   the log of ``bench run`` invocations
        .run_done(run_id)       cells a run has stored (counted with each row it wrote)
        .runs()                 that log as dicts
        .frame(suite=None, series=False)  one row per cell as a pandas DataFrame (README,
                                "Columns"); ``series`` adds the curves and probes
        .export(path, fmt, suite=None)
        .put_timings(…) / .timings(…) / .put_check(…) / .checks()
                                ``bench speed`` timings and exact checks
                                (:mod:`bench.measurements`)

Crash safety: a row is written whole or not at all (SQLite transaction), together with the
run log's count of it, so a run killed at any moment leaves no partial row, a log that
counts exactly the rows it wrote, and a rerun trains only what is missing. Results are
append-only in spirit: a row is never overwritten, and a failed row retried is kept in the
``history`` table. Two runs on one
store at once are safe: WAL journal, a busy timeout, and ``INSERT OR IGNORE`` on the key.
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.records import SCHEMA_VERSION, Result, cell_from_dict
from bench.store.export import EXPORT_FORMATS, Exports
from bench.store.leases import Leases, claim_owner
from bench.store.measurements import CREATE_CHECKS, TIMING_COLUMNS, Measurements
from bench.store.tables import (
    OLDEST_READABLE,
    RESULT_COLUMNS,
    SCHEMA,
    STORE_VERSION,
    diverged_epoch_from_error,
    stored_version,
    upgrade,
)

if TYPE_CHECKING:
    from bench.suite import Suite

__all__ = [
    "CREATE_CHECKS",
    "EXPORT_FORMATS",
    "NO_MIGRATION",
    "STORE_VERSION",
    "TIMING_COLUMNS",
    "Store",
    "claim_owner",
]

# Why an older harness's results are not converted (the store's message, a run's note).
NO_MIGRATION = (
    "results measured under other definitions cannot be converted without training again "
    "(schema 2 changed what the probes measure and put the device into every cell's key)"
)


def _wait_for_meta(db: sqlite3.Connection, seconds: float = 5.0) -> None:
    """A store another process is creating right now may lack its tables for a moment; a
    database that already holds tables, none of them ``meta``, is someone else's file and is
    not waited for."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        names = {n for (n,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        if names:  # meta among them, or a foreign database: nothing to wait for
            return
        time.sleep(0.05)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True)


class Store(Leases, Measurements, Exports):
    """A SQLite file of results. See the module docstring.

    Args:
        path: the SQLite file (created, with its tables, unless ``readonly``).
        readonly: never write; read while a run writes.
        clock: seconds since the epoch, for lease expiry (``time.time``; tests inject one).
    """

    def __init__(
        self, path: str | Path, readonly: bool = False, clock: Callable[[], float] = time.time
    ) -> None:
        self.path = Path(path)
        self.readonly = readonly
        self.clock = clock
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
        # a reader reads an older layout as it is (a writer has upgraded it by now)
        self._version = int(found[0])
        if not OLDEST_READABLE <= self._version <= STORE_VERSION:
            newer = self._version > STORE_VERSION
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
            if stored_version(self._db) == 1:
                upgrade(self._db)  # before the tables are created: it renames one of them
            for stmt in filter(str.strip, SCHEMA.split(";")):
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

    def put(self, result: Result, run_id: int | None = None) -> bool:
        """Store a finished cell in one transaction.

        Args:
            result: the cell's Result.
            run_id: the run writing it (:meth:`start_run`); its ``cells_done`` is counted in
                the same transaction, so the log and the rows never disagree.

        Returns:
            True if written, False if the key was already stored (another run got there).
        """
        c = result.cell
        row = (
            result.key,
            SCHEMA_VERSION,
            c.dataset,
            c.activation,
            c.init,
            c.seed,
            result.status,
            result.error,
            _dumps(c.to_dict()),
            _dumps(result.metrics),
            _dumps(result.curves),
            _dumps(result.probes),
            _dumps(result.env),
            result.started_at,
            result.finished_at,
            result.diverged_epoch,
        )
        with self._tx():
            cur = self._db.execute(
                f"INSERT OR IGNORE INTO results ({', '.join(RESULT_COLUMNS)}) "
                f"VALUES ({', '.join('?' * len(row))})",
                row,
            )
            written = cur.rowcount == 1
            if written and run_id is not None:
                self._db.execute(
                    "UPDATE runs SET cells_done = cells_done + 1 WHERE id=?", (run_id,)
                )
        return written

    def retire_failed(self, keys: list[str], retired_at: str) -> int:
        """Move the ``failed`` rows among ``keys`` to the history table (one transaction), so
        that a run trains those cells again; ``ok`` and ``diverged`` rows stay.

        Args:
            keys: cell keys (those not stored, or not failed, are ignored).
            retired_at: timestamp, ISO 8601.

        Returns:
            The number of rows moved.
        """
        failed = [k for (k,) in self._db.execute("SELECT key FROM results WHERE status='failed'")]
        moved = sorted(set(failed) & set(keys))
        columns = ", ".join(RESULT_COLUMNS)  # by name: the two tables' orders may differ
        with self._tx():
            self._db.executemany(
                f"INSERT INTO history ({columns}, retired_at) SELECT {columns}, ? FROM results "
                "WHERE key=? AND status='failed'",
                [(retired_at, k) for k in moved],
            )
            self._db.executemany(
                "DELETE FROM results WHERE key=? AND status='failed'", [(k,) for k in moved]
            )
        return len(moved)

    def history(self, key: str | None = None) -> list[tuple[str, Result]]:
        """Rows retired by :meth:`retire_failed`, oldest first, as (retired_at, Result);
        empty for a store written before the table existed."""
        has = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='history'"
        ).fetchone()
        if not has:
            return []
        where = "WHERE r.key=? " if key else ""
        rows = self._db.execute(
            "SELECT r.retired_at FROM history r " + where + "ORDER BY r.rowid",
            (key,) if key else (),
        ).fetchall()
        results = self._rows(where + "ORDER BY r.rowid", (key,) if key else (), table="history")
        return [(when, r) for (when,), r in zip(rows, results)]

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
            "GROUP BY schema_version ORDER BY schema_version",
            (SCHEMA_VERSION,),
        )
        return dict(rows.fetchall())

    def _rows(self, where: str = "", params: tuple = (), table: str = "results") -> list[Result]:
        legacy = self._version < STORE_VERSION  # a reader of a version-1 store: no column
        sql = (
            "SELECT r.key, r.status, r.error, r.cell, r.metrics, r.curves, r.probes, r.env, "
            f"r.started_at, r.finished_at, {'NULL' if legacy else 'r.diverged_epoch'} "
            f"FROM {table} r " + where
        )
        out = []
        for row in self._db.execute(sql, params):
            key, status, error, cell, metrics, curves, probes, env, t0, t1, epoch = row
            if legacy and status == "diverged":
                epoch = diverged_epoch_from_error(error)
            blobs = (json.loads(x) for x in (metrics, curves, probes, env))
            c = cell_from_dict(json.loads(cell))
            out.append(Result(key, c, status, error, *blobs, t0, t1, diverged_epoch=epoch))
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

    def register_suite(
        self, suite: Suite, keys: list[str], tuning: dict[str, Any] | None = None
    ) -> None:
        """Record that ``keys`` (in grid order: the starting grid, then the rates a bracket
        added) form ``suite``'s grid, and its tuning rule (:meth:`bench.tune.Tuning.record`;
        None: not tuned)."""
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
            self._db.execute("DELETE FROM tuning WHERE suite=?", (suite.name,))
            if tuning is not None:
                self._db.execute("INSERT INTO tuning VALUES (?, ?)", (suite.name, _dumps(tuning)))

    def tuning(self, suite: str) -> dict[str, Any] | None:
        """A tuned suite's rule (``bounds``, ``metric``, ``start_cells``) with
        ``tuned_keys``: the keys registered beyond its starting grid; None when the suite
        is not tuned (or the store predates the table)."""
        has = self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name='tuning'"
        ).fetchone()
        row = has and self._db.execute("SELECT rule FROM tuning WHERE suite=?", (suite,)).fetchone()
        if not row:
            return None
        record = json.loads(row[0])
        tuned = self._db.execute(
            "SELECT key FROM suite_cells WHERE suite=? AND position>=? ORDER BY position",
            (suite, int(record.get("start_cells", 0))),
        )
        return {**record, "tuned_keys": [k for (k,) in tuned]}

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

    def run_done(self, run_id: int) -> int:
        """The cells run ``run_id`` has stored (counted in the transaction of each row)."""
        row = self._db.execute("SELECT cells_done FROM runs WHERE id=?", (run_id,)).fetchone()
        return int(row[0]) if row else 0

    def runs(self, suite: str | None = None) -> list[dict[str, Any]]:
        """The run log, oldest first."""
        cur = self._db.execute(
            "SELECT * FROM runs" + (" WHERE suite=?" if suite else "") + " ORDER BY id",
            (suite,) if suite else (),
        )
        names = [d[0] for d in cur.description]
        return [dict(zip(names, row)) for row in cur]


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


class _Transaction:
    """``BEGIN IMMEDIATE … COMMIT`` (rollback on error) on an autocommit connection."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *rest: object) -> None:
        self._db.execute("ROLLBACK" if exc_type else "COMMIT")
