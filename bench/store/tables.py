"""The store's tables: their layout, its version, and the upgrade of an older store.

Public:
    STORE_VERSION               the layout's version (kept in the ``meta`` table)
    OLDEST_READABLE             the oldest version this harness reads (and upgrades)
    SCHEMA                      the ``CREATE TABLE`` statements of the current layout
    RESULT_COLUMNS              the results table's columns, in order (``history`` has the
                                same ones and ``retired_at``, in an order that may differ)
    stored_version(db) -> int | None
                                the version a store records (None: no ``meta`` table yet)
    upgrade(db)                 bring a version-1 store to this layout, in place (the
                                caller holds a transaction)
    diverged_epoch_from_error(error) -> int | None
                                the divergence epoch an old diverged row's error names

Versions:
    1   the first layout: a diverged row's epoch only in its error text; the table of
        leases was named ``claims``
    2   ``results.diverged_epoch`` (and in ``history``), backfilled from the error text of
        the rows already stored; ``claims`` renamed ``leases``

The ``tuning`` table (a tuned suite's rule: :meth:`bench.store.Store.tuning`) came without a
version change: a writer creates it when it opens any store, and a reader of a store
without it reads every suite as untuned.

A writer upgrades a version-1 store when it opens it; a reader (which never writes) reads
it as it is, taking a diverged row's epoch from its error text the same way.
"""

from __future__ import annotations

import re
import sqlite3

STORE_VERSION = 2
OLDEST_READABLE = 1

RESULT_COLUMNS = (
    "key",
    "schema_version",
    "dataset",
    "activation",
    "init",
    "seed",
    "status",
    "error",
    "cell",
    "metrics",
    "curves",
    "probes",
    "env",
    "started_at",
    "finished_at",
    "diverged_epoch",
)

SCHEMA = """
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
    finished_at TEXT NOT NULL,
    diverged_epoch INTEGER
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
CREATE TABLE IF NOT EXISTS tuning (
    suite TEXT PRIMARY KEY,
    rule TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS leases (
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
CREATE TABLE IF NOT EXISTS history AS SELECT *, '' AS retired_at FROM results WHERE 0;
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

# How the training loop words a divergence (version 1 kept the epoch only here): "… at
# epoch n, batch b" (training blew up in epoch n) or "… after epoch n" (the evaluation
# after epoch n did); either way epoch n is the first whose probes are not good.
_EPOCH = re.compile(r"epoch (\d+)")


def diverged_epoch_from_error(error: str | None) -> int | None:
    """The epoch a version-1 diverged row's error names (None: it names none)."""
    m = _EPOCH.search(error or "")
    return int(m.group(1)) if m else None


def _has_table(db: sqlite3.Connection, name: str) -> bool:
    found = db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,))
    return found.fetchone() is not None


def stored_version(db: sqlite3.Connection) -> int | None:
    """The store version the file records; None for a file with no ``meta`` table yet."""
    if not _has_table(db, "meta"):
        return None
    row = db.execute("SELECT value FROM meta WHERE name='store_version'").fetchone()
    return int(row[0]) if row else None


def upgrade(db: sqlite3.Connection) -> None:
    """Bring a version-1 store to version 2 (see the module's note). Idempotent; the caller
    holds a write transaction, so two runs opening one old store upgrade it once."""
    if stored_version(db) != 1:
        return
    if _has_table(db, "claims") and not _has_table(db, "leases"):
        db.execute("ALTER TABLE claims RENAME TO leases")
    for table in ("results", "history"):
        columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
        if columns and "diverged_epoch" not in columns:
            db.execute(f"ALTER TABLE {table} ADD COLUMN diverged_epoch INTEGER")
    rows = db.execute("SELECT key, error FROM results WHERE status='diverged'").fetchall()
    db.executemany(
        "UPDATE results SET diverged_epoch=? WHERE key=?",
        [(diverged_epoch_from_error(error), key) for key, error in rows],
    )
    db.execute("UPDATE meta SET value=? WHERE name='store_version'", (str(STORE_VERSION),))
