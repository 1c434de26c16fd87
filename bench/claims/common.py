"""Shared steps of the claim modules: preparing and scoring a suite's frame, naming arms,
the Verdict fields of a comparison row, replication counts, per-layer probe series.
Torch-free. The tests, the comparisons and the verdict rules themselves are
:mod:`bench.scoring.stats`, :mod:`bench.scoring.paired` and :mod:`bench.scoring.verdicts`,
shared with the reports; the measures two claims share, :mod:`bench.claims.measures`.

Public:
    prepare(frame, ...)     convergence columns with a declared reference, lr selected on val
    scored(frame, metric)   the frame with a ``score`` column (non-ok runs: worst value)
    arms(frame, mapping)    an ``arm`` column naming each row's arm (None: not compared)
    from_row(row, **overrides)        the Verdict fields (effect, CI, p, replication) of a row
    replication(frame)      (data sets, fewest seeds of any data set)
    first(table, column)    a table's first value of a column (NaN when empty)
    fmt_effect(row)         ``+1.2 points [0.4, 2.0]`` for evidence lines
    layer_series(frame, metric, which)  a per-layer probe series, one row per cell × layer
    PERCENT                 the columns of a comparison row a table shows in percent
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from bench import schema
from bench.scoring import metrics, verdicts
from bench.scoring.base import TARGET_SHARE

PERCENT = ("effect", "ci_low", "ci_high")


def prepare(
    frame: pd.DataFrame,
    reference: Mapping[str, Any] | None = None,
    select: bool = True,
    fraction: float = TARGET_SHARE,
) -> pd.DataFrame:
    """Convergence columns against a declared ``reference`` (see
    :func:`bench.scoring.metrics.add_convergence`), then each configuration at its best
    validation learning rate (``select``)."""
    if frame.empty:
        return frame
    out = metrics.add_convergence(frame, fraction=fraction, reference=reference or {})
    return metrics.select_lr(out) if select else out


def scored(frame: pd.DataFrame, metric: str | schema.Metric) -> pd.DataFrame:
    """A copy of ``frame`` with ``score``: the metric, diverged/failed runs at its worst."""
    out = frame.copy()
    out["score"] = metrics.scores(frame, metric) if len(frame) else []
    return out


def arms(frame: pd.DataFrame, label: Callable[[pd.Series], str | None]) -> pd.DataFrame:
    """A copy with an ``arm`` column, ``label(row)`` for each row; rows labelled None are
    dropped (not part of the comparison)."""
    if frame.empty:
        return frame.assign(arm=pd.Series(dtype=object))
    out = frame.copy()
    out["arm"] = [label(r) for _, r in out.iterrows()]
    return out[out["arm"].notna()]


def from_row(row: Mapping[str, Any], **overrides: Any) -> dict[str, Any]:
    """The :class:`bench.claims.Verdict` fields a comparison row (``row``'s columns) gives:
    effect and CI, the one-sided data-set-level Wilcoxon p, the data sets and seeds;
    ``overrides`` replace any of them (e.g. another test's ``p`` and ``test``)."""
    fields = {
        "effect": float(row.get("effect", math.nan)),
        "ci": (float(row.get("ci_low", math.nan)), float(row.get("ci_high", math.nan))),
        "p": float(row.get("p", math.nan)),
        "test": "one-sided Wilcoxon over data sets",
        "n_datasets": int(row.get("n_datasets", 0) or 0),
        "n_seeds": int(row.get("n_seeds", 0) or 0),
    }
    return {**fields, **overrides}


def replication(frame: pd.DataFrame) -> tuple[int, int]:
    """(number of data sets, fewest seeds any data set has) of a frame."""
    if frame.empty or "dataset" not in frame.columns:
        return 0, 0
    seeds = frame.groupby("dataset")["seed"].nunique()
    return int(seeds.size), int(seeds.min())


def first(table: pd.DataFrame, column: str, default: float = math.nan) -> Any:
    """The first value of ``column`` (``default`` for an empty table or missing column)."""
    if table is None or table.empty or column not in table.columns:
        return default
    return table[column].iloc[0]


def fmt_effect(row_: Mapping[str, Any], scale: float = 100.0, unit: str = "points") -> str:
    """``+1.2 points [0.4, 2.0]`` from a comparison row (for evidence lines); "both arms
    failed" (:data:`bench.scoring.verdicts.FAILED`) when every data set was left out so."""
    e, lo, hi = (row_.get(k, math.nan) for k in ("effect", "ci_low", "ci_high"))
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return verdicts.FAILED if row_.get("n_failed", 0) else "no paired data"
    return f"{e * scale:+.1f} {unit} [{lo * scale:+.1f}, {hi * scale:+.1f}]"


def layer_series(frame: pd.DataFrame, metric: str, which: int = 0) -> pd.DataFrame:
    """Long form of a per-layer probe series: one row per cell × layer (``layer`` from 1),
    at probe ``which`` (0: initialization, -1: after the last finished epoch)."""
    rows = []
    keep = [c for c in frame.columns if c not in ("probes", "curves", "metrics", "env")]
    for _, r in frame.iterrows():
        probes = r.get("probes")
        if not isinstance(probes, list) or not probes:
            continue
        values = probes[which].get(metric) or []
        for i, v in enumerate(values):
            rows.append({**{c: r[c] for c in keep}, "layer": i + 1, "value": _float(v)})
    return pd.DataFrame(rows)


def _float(v: Any) -> float:
    return math.nan if v is None else float(v)
