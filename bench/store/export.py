"""Reading a store's results out: one row per cell as a DataFrame, or a file. A mixin of
:class:`bench.store.Store`.

Public:
    EXPORT_FORMATS              csv, json, parquet
    Exports                     the store's methods
        .frame(suite=None, series=False)
                                one row per cell as a pandas DataFrame (README, "Columns");
                                ``series`` adds the curves and probes
        .export(path, fmt, suite=None) -> int
                                every stored cell to a csv, json or parquet file
        .outcomes(keys, curves=False) -> dict
                                status, scalar metrics (and curves) of the stored ones among
                                ``keys``: what the bracketing walk reads (:mod:`bench.tune`)
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.records import fill_defaults, flatten

EXPORT_FORMATS = ("csv", "json", "parquet")

if TYPE_CHECKING:
    import pandas as pd


class Exports:
    """Results as a frame or a file; mixed into :class:`bench.store.Store`, whose
    ``results`` (and connection, ``_db``) it reads."""

    def frame(self, suite: str | None = None, series: bool = False) -> pd.DataFrame:
        """One row per stored cell as a pandas DataFrame.

        Columns: ``key``, ``status``, ``error``, ``diverged_epoch`` (an integer for a
        diverged run, else missing: :attr:`bench.records.Result.diverged_epoch`), the cell's
        fields as dotted paths (``dataset``, ``activation``, ``init``, ``seed``,
        ``model.depth``, ``train.lr`` …; ``model.norm``, ``model.dropout`` and
        ``model.dropout_kind`` only when a cell sets one: :func:`bench.records.fill_defaults`),
        every scalar metric by name, ``env.*``,
        ``started_at``, ``finished_at``; with ``series``, also ``curves`` and ``probes`` as
        nested objects.
        """
        import pandas as pd

        rows = []
        for r in self.results(suite):
            row: dict[str, Any] = {
                "key": r.key,
                "status": r.status,
                "error": r.error,
                "diverged_epoch": r.diverged_epoch,
            }
            row.update(flatten(r.cell.to_dict()))
            row.update(r.metrics)
            row.update({f"env.{k}": v for k, v in r.env.items()})
            row.update(started_at=r.started_at, finished_at=r.finished_at)
            if series:
                row.update(curves=r.curves, probes=r.probes)
            rows.append(row)
        frame = pd.DataFrame(fill_defaults(rows))
        if len(frame):  # whole epochs, missing where the run did not diverge
            frame["diverged_epoch"] = frame["diverged_epoch"].astype("Int64")
        return frame

    def outcomes(
        self, keys: list[str], curves: bool = False
    ) -> dict[str, tuple[str, dict[str, float], dict[str, list[float]] | None]]:
        """The stored ones among ``keys``: key → (status, scalar metrics, curves or None);
        only what the bracketing walk reads (no cell, no probes)."""
        out: dict[str, tuple] = {}
        column = "curves" if curves else "NULL"
        for i in range(0, len(keys), 500):
            chunk = keys[i : i + 500]
            rows = self._db.execute(
                f"SELECT key, status, metrics, {column} FROM results WHERE key IN "
                f"({', '.join('?' * len(chunk))})",
                chunk,
            )
            for key, status, scalars, series in rows:
                out[key] = (status, json.loads(scalars), json.loads(series) if curves else None)
        return out

    def export(self, path: str | Path, fmt: str, suite: str | None = None) -> int:
        """Write every stored cell to ``path`` (``-``: the standard output) as csv, json
        (with curves and probes) or parquet. Returns the number of rows."""
        if fmt not in EXPORT_FORMATS:
            raise BenchError(f"unknown export format {fmt!r}; valid: {', '.join(EXPORT_FORMATS)}")
        df = self.frame(suite, series=fmt == "json")
        stdout = str(path) == "-"
        if fmt == "csv":
            df.to_csv(sys.stdout if stdout else path, index=False)
        elif fmt == "json":
            import pandas as pd

            records = _nan_to_none(df.to_dict(orient="records"), pd.NA)
            text = json.dumps(records, indent=1, default=str, allow_nan=False)
            if stdout:
                sys.stdout.write(text + "\n")
            else:
                Path(path).write_text(text)
        else:
            try:
                df.to_parquet(sys.stdout.buffer if stdout else path, index=False)
            except ImportError as exc:
                raise BenchError(f"parquet export needs pyarrow: {exc}") from None
        return len(df)


def _nan_to_none(obj: Any, missing: Any = None) -> Any:
    """Strict JSON has no NaN/Inf: write them (and ``missing``, pandas' NA) as null."""
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if obj is missing:
        return None
    if isinstance(obj, dict):
        return {k: _nan_to_none(v, missing) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_nan_to_none(v, missing) for v in obj]
    return obj
