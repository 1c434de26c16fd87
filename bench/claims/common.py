"""Shared steps of the claim modules: scoring a suite's frame, comparing two arms at the
data-set level, turning comparisons into table rows and verdicts. Torch-free.

Public:
    ROPE                    region of practical equivalence for accuracies (1 point)
    prepare(frame, ...)     convergence columns with a declared reference, lr selected on val
    scored(frame, metric)   the frame with a ``score`` column (non-ok runs: worst value)
    arms(frame, mapping)    an ``arm`` column naming each row's arm (None: not compared)
    compare_arms(frame, a, b, metric, rope, blocks)  data-set-level comparison of two arms
    row(label, comparison, claimed)   one table row of a comparison (numbers only)
    from_row(row, **overrides)        the Verdict fields (effect, CI, p, replication) of a row
    part_verdict(comparison, claimed) SUPPORTED / CONTRADICTED / EQUIVALENT / INCONCLUSIVE
    against(verdict)        a claimed difference found EQUIVALENT counts as CONTRADICTED
    combine(verdicts)       the verdict of a claim made of parts
    replication(frame)      (data sets, fewest seeds of any data set)
    first(table, column)    a table's first value of a column (NaN when empty)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench import analysis, schema
from bench.claims import stats

ROPE = 0.01  # one accuracy point: smaller differences are practically equivalent
ALPHA = 0.05


def prepare(
    frame: pd.DataFrame,
    reference: Mapping[str, Any] | None = None,
    select: bool = True,
    fraction: float = 0.9,
) -> pd.DataFrame:
    """Convergence columns against a declared ``reference`` (see
    :func:`bench.analysis.add_convergence`), then each configuration at its best
    validation learning rate (``select``)."""
    if frame.empty:
        return frame
    out = analysis.add_convergence(frame, fraction=fraction, reference=reference or {})
    return analysis.select_lr(out) if select else out


def scored(frame: pd.DataFrame, metric: str | schema.Metric) -> pd.DataFrame:
    """A copy of ``frame`` with ``score``: the metric, diverged/failed runs at its worst."""
    out = frame.copy()
    out["score"] = analysis.scores(frame, metric) if len(frame) else []
    return out


def arms(frame: pd.DataFrame, label: Callable[[pd.Series], str | None]) -> pd.DataFrame:
    """A copy with an ``arm`` column, ``label(row)`` for each row; rows labelled None are
    dropped (not part of the comparison)."""
    if frame.empty:
        return frame.assign(arm=pd.Series(dtype=object))
    out = frame.copy()
    out["arm"] = [label(r) for _, r in out.iterrows()]
    return out[out["arm"].notna()]


def compare_arms(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | schema.Metric = "test_acc",
    rope: float = ROPE,
    blocks: Sequence[str] = ("dataset", "seed"),
    column: str = "arm",
) -> stats.Comparison | None:
    """Arm ``a`` against arm ``b`` (values of ``column``) on ``metric`` over data sets ×
    seeds (data set the unit, seeds nested). Lower-is-better metrics are negated first, so a
    positive effect always means ``a`` is better. None when no block holds both arms."""
    m = schema.get(metric)
    work = scored(frame, m)
    if not m.higher_is_better:
        work["score"] = -work["score"]
    work = work[np.isfinite(work["score"].astype(float))]
    diffs = stats.paired(work, column, a, b, "score", blocks)
    if diffs.empty:
        return None
    return stats.compare(diffs, rope=rope, alpha=ALPHA)


def p_claimed(comparison: stats.Comparison, claimed: str) -> float:
    """The one-sided data-set-level p-value in the claimed direction (``A>B`` or ``B>A``)."""
    return comparison.p_less if claimed == "B>A" else comparison.p


def part_verdict(comparison: stats.Comparison | None, claimed: str = "A>B") -> str:
    """A claim part's verdict from a comparison: the claimed direction found → SUPPORTED,
    the opposite → CONTRADICTED, inside the ROPE → EQUIVALENT (a claimed difference that is
    not there), else INCONCLUSIVE (also when nothing was measured)."""
    if comparison is None:
        return "INCONCLUSIVE"
    found = comparison.verdict
    if found == "EQUIVALENT":
        return "EQUIVALENT" if claimed in ("A>B", "B>A") else "SUPPORTED"
    if found == "INCONCLUSIVE":
        return "INCONCLUSIVE"
    if claimed == "A=B":
        return "CONTRADICTED"
    return "SUPPORTED" if found == claimed else "CONTRADICTED"


def row(label: str, comparison: stats.Comparison | None, claimed: str = "A>B") -> dict[str, Any]:
    """One table row: effect and CI (fractions), p-values, wins/losses, replication, and
    the part's verdict."""
    if comparison is None:
        nan = math.nan
        return {
            "comparison": label,
            "effect": nan,
            "ci_low": nan,
            "ci_high": nan,
            "p": nan,
            "p_seed": nan,
            "p_equiv": nan,
            "p_reverse": nan,
            "wins": 0,
            "losses": 0,
            "n_datasets": 0,
            "n_seeds": 0,
            "verdict": "INCONCLUSIVE",
        }
    c = comparison
    return {
        "comparison": label,
        "effect": c.effect,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "p": p_claimed(c, claimed),
        "p_seed": c.p_seed,
        "p_equiv": c.p_equiv,
        "p_reverse": c.p if claimed == "B>A" else c.p_less,
        "wins": c.wins,
        "losses": c.losses,
        "n_datasets": c.n_datasets,
        "n_seeds": c.n_seeds,
        "verdict": part_verdict(c, claimed),
    }


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


def against(verdict: str) -> str:
    """A part of a claim that asserts a difference: EQUIVALENT (the difference is absent in
    practice) counts as CONTRADICTED; any other verdict stands."""
    return "CONTRADICTED" if verdict == "EQUIVALENT" else verdict


def combine(verdicts: Sequence[str]) -> str:
    """All parts agree → that verdict; otherwise PARTLY (INCONCLUSIVE if nothing was
    judged)."""
    judged = [v for v in verdicts if v != "INCONCLUSIVE"]
    if not verdicts:
        return "INCONCLUSIVE"
    if len(set(verdicts)) == 1:
        return verdicts[0]
    if not judged:
        return "INCONCLUSIVE"
    return "PARTLY"


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
    """``+1.2 points [0.4, 2.0]`` from a comparison row (for evidence lines)."""
    e, lo, hi = (row_.get(k, math.nan) for k in ("effect", "ci_low", "ci_high"))
    if e is None or (isinstance(e, float) and math.isnan(e)):
        return "no paired data"
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
