"""What a store keeps besides results: ``bench speed`` timings and the claims' exact checks.
A mixin of :class:`bench.store.Store` (the ``timings`` and ``checks`` tables).

Public:
    TIMING_FIELDS               the fields of one timing record (``bench.speed.measure``'s)
    TIMING_COLUMNS              the columns of ``Measurements.timings``
    Measurements                the store's methods for them
        .put_timings(suite, records, env, measured_at) -> int
                                store a ``bench speed`` measurement (replacing the suite's
                                previous one)
        .timings(suite=None)    those timings, one row per record, as a DataFrame
        .put_check(name, payload, measured_at)
                                one exact check's JSON payload (``bench claims run``)
        .checks() -> dict       every stored check
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

CREATE_CHECKS = """
CREATE TABLE IF NOT EXISTS checks (
    name TEXT PRIMARY KEY,
    payload TEXT NOT NULL,
    measured_at TEXT NOT NULL
)"""
# the fields of one ``bench.speed.measure`` record, as the timings table stores them
TIMING_FIELDS = (
    "activation",
    "width",
    "depth",
    "batch",
    "pass",
    "repeat",
    "seconds",
    "device",
    "threads",
)
TIMING_COLUMNS = ("suite", *TIMING_FIELDS, "env", "measured_at")

if TYPE_CHECKING:
    import pandas as pd


def _dumps(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, allow_nan=True)


class Measurements:
    """Timings and exact checks; mixed into :class:`bench.store.Store`, whose connection
    (``_db``) and transactions (``_tx``) it uses."""

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
        context = (_dumps(env), measured_at)
        rows = [(suite, *(rec[f] for f in TIMING_FIELDS), *context) for rec in records]
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

    def timings(self, suite: str | None = None) -> pd.DataFrame:
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
