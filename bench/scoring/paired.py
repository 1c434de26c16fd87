"""Arm A against arm B over data sets × seeds: paired differences and the project's
comparison rule, one comparison or a family of them (numpy, pandas; the tests themselves are
:mod:`bench.scoring.stats`; no torch).

The unit of replication is the *data set*: seeds are nested inside data sets, so every
data-set-level quantity first averages the seeds of one data set and then treats each data set
as one observation. Seed-level readings (``Comparison.p_seed``) are secondary. Scores are
fractions (accuracy in 0..1) unless a caller says otherwise, which is what the default
``rope`` of 0.01 (one accuracy point) assumes.

Public:
    Comparison                  the record of one comparison (:mod:`bench.scoring.base`)
    paired(frame, arm_col, a, b, value, blocks)   one row per block: a, b, diff = a - b
    arm_diffs(frame, a, b, metric, blocks, column)
                                the paired differences of two arms on a metric (scored,
                                lower-is-better negated)
    compare(diffs, rope, alpha, ..., family=1)    the project's comparison rule → Comparison
                                (:mod:`bench.scoring.comparison`, re-exported here)
    compare_arms(frame, a, b, metric, rope, blocks, column, family)
                                arm ``a`` against arm ``b`` at the data-set level
    Pair                        one comparison of a family: its label, arms, metric, rope
    compare_family(pairs, alpha) -> DataFrame
                                every pair compared, Holm over exactly the pairs tested,
                                each verdict decided on the adjusted p-values: one row each
                                (:func:`bench.scoring.verdicts.row`)
    compare_pairs(pairs, alpha) -> (DataFrame, list[Comparison | None])
                                the same rows and the comparisons behind them
    holm_rows(table, alpha, claimed=None) -> DataFrame
                                Holm over a family of comparison rows, then each row's
                                verdict by :func:`bench.scoring.verdicts.decide` on the
                                adjusted p-values
    chain(frame, order=CLAIMED_ORDER) -> DataFrame
                                each adjacent pair of an order compared at the data-set
                                level, one family
    per_dataset(frame, a, b, metric, column) -> DataFrame
                                each data set on its own: one-sided signed-rank tests over
                                its seeds, Holm over the data sets

**Both arms failed.** A block where both arms failed (both scored the metric's floor: the
runs diverged or failed; or, for an accuracy on held-out data, both scored at or below the
data set's chance level, :func:`bench.data.chance_level`: what predicting its majority
class scores) says nothing about which arm is better. Two arms that score the same below
100 % but above chance did not fail: that is a tie.
A data set where both arms failed in every block is left out of every test and counted
(``n_failed``); a comparison left with no data set decides nothing
(:data:`bench.scoring.verdicts.FAILED`), never EQUIVALENT nor CONTRADICTED.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench import schema
from bench.scoring.base import ALPHA, CLAIMED_ORDER, ROPE, Comparison
from bench.scoring.comparison import compare, tested
from bench.scoring.metrics import scores
from bench.scoring.stats import holm, needed, wilcoxon
from bench.scoring.verdicts import decide, row

__all__ = [
    "Comparison",
    "Pair",
    "arm_diffs",
    "chain",
    "compare",
    "compare_arms",
    "compare_family",
    "compare_pairs",
    "holm_rows",
    "paired",
    "per_dataset",
]


def arm_diffs(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | schema.Metric = "test_acc",
    blocks: Sequence[str] = ("dataset", "seed"),
    column: str = "arm",
) -> pd.DataFrame:
    """The paired differences (:func:`paired`) of arm ``a`` against arm ``b`` (values of
    ``column``) on ``metric``: diverged and failed runs score the metric's worst value,
    lower-is-better metrics are negated first (a positive ``diff`` always means ``a`` is
    better), non-finite scores are dropped. ``failed``: both arms failed on the block's data
    set (module docstring: both at the floor in every block, or, for a held-out accuracy,
    both at or below the chance level in every block: ``frame``'s ``chance`` column where
    it has one, else :func:`bench.data.chance_level`). Empty when no block holds both
    arms."""
    m = schema.get(metric)
    work = frame.copy()
    work["score"] = scores(frame, m) if len(frame) else []
    if not m.higher_is_better:
        work["score"] = -work["score"]
    work = work[np.isfinite(work["score"].astype(float))]
    out = paired(work, column, a, b, "score", blocks)
    return out.assign(failed=_both_failed(out, m, frame))


# accuracies on held-out data, where an arm that predicts one class scores the chance level
# (on the training data a learner can plateau anywhere: no chance reading there)
_HELD_OUT = ("test_acc", "val_acc", "best_val_acc")


def _both_failed(out: pd.DataFrame, m: schema.Metric, frame: pd.DataFrame) -> pd.Series:
    """Per block of :func:`arm_diffs`: both arms failed on its data set (module docstring)."""
    if out.empty:
        return pd.Series(dtype=bool)
    floor = m.worst if m.higher_is_better else -m.worst
    block = (out["a"] == floor) & (out["b"] == floor)
    if m.name in _HELD_OUT:  # both at or below what predicting the majority class scores
        if "chance" in frame.columns:
            levels = frame.groupby("dataset")["chance"].first()
        else:
            from bench import data  # the labels only, no torch

            levels = pd.Series({d: data.chance_level(str(d)) for d in set(out["dataset"])})
        chance = out["dataset"].map(levels).astype(float)
        block |= (out["a"] <= chance) & (out["b"] <= chance)
    return block.groupby(out["dataset"]).transform("all")


def compare_arms(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | schema.Metric = "test_acc",
    rope: float = ROPE,
    blocks: Sequence[str] = ("dataset", "seed"),
    column: str = "arm",
    family: int = 1,
) -> Comparison | None:
    """Arm ``a`` against arm ``b`` (values of ``column``) on ``metric`` over data sets ×
    seeds (data set the unit, seeds nested): :func:`arm_diffs` then :func:`compare`;
    ``family``: the comparisons it is Holm-adjusted with (a family is one
    :func:`compare_family` call). None when no block holds both arms."""
    diffs = arm_diffs(frame, a, b, metric, blocks, column)
    if diffs.empty:
        return None
    return compare(diffs, rope=rope, alpha=ALPHA, family=family)


def paired(
    frame: pd.DataFrame,
    arm_col: str,
    a: str,
    b: str,
    value: str,
    blocks: Sequence[str] = ("dataset", "seed"),
) -> pd.DataFrame:
    """Pair arm ``a`` with arm ``b`` block by block.

    Args:
        frame: long frame, one row per (block, arm).
        arm_col: column naming the arm (e.g. ``"activation"``).
        a: the arm whose advantage is measured (``diff = a - b``).
        b: the reference arm.
        value: score column (e.g. ``"test_acc"``).
        blocks: columns that identify one paired block, data set first.

    Returns:
        One row per block present for both arms, sorted by the block columns, with the block
        columns and ``a``, ``b``, ``diff`` (= a - b). Blocks where either arm is missing (or has
        a missing score) are dropped.

    Raises:
        ValueError: if ``a == b``, a column is missing, or one (block, arm) has more than one row
            (the message names the block: select one configuration per block first).
    """
    blocks = list(blocks)
    if a == b:
        raise ValueError(f"paired: the two arms must differ (both are {a!r})")
    missing = [c for c in [*blocks, arm_col, value] if c not in frame.columns]
    if missing:
        raise ValueError(f"paired: frame lacks column(s) {missing}")
    rows = frame.loc[frame[arm_col].isin([a, b]), [*blocks, arm_col, value]]
    counts = rows.groupby([*blocks, arm_col], dropna=False).size()
    dup = counts[counts > 1]
    if len(dup):
        key = dup.index[0]
        block = dict(zip(blocks, key[:-1]))
        raise ValueError(
            f"paired: {int(dup.iloc[0])} rows for block {block} and arm {key[-1]!r} "
            f"({len(dup)} duplicated (block, arm) pair(s)); select one configuration per block"
        )
    wide = rows.pivot(index=blocks, columns=arm_col, values=value)
    wide = wide.reindex(columns=[a, b]).dropna()
    wide.columns = ["a", "b"]
    out = wide.reset_index().sort_values(blocks, kind="stable").reset_index(drop=True)
    out["a"] = out["a"].astype(float)
    out["b"] = out["b"].astype(float)
    out["diff"] = out["a"] - out["b"]
    out.columns.name = None
    return out


@dataclass(frozen=True, eq=False)
class Pair:
    """One comparison of a family (:func:`compare_family`). Compared and hashed by identity
    (it holds frames).

    Attributes:
        label: the row's ``comparison`` text.
        frame: the rows of both arms (one configuration per block), arms named in
            ``column``; or None when ``diffs`` are given.
        a, b: the arm the claim is about and its reference (``diff = a − b``).
        metric: the compared metric (its declared direction decides "better").
        claimed: ``A>B``, ``B>A`` or ``A=B``: what the row's verdict reads (``verdicts.row``).
        rope: the region of practical equivalence, in the metric's units.
        column, blocks: the arm column and the block columns of :func:`arm_diffs`.
        diffs: paired differences made by the caller (:func:`paired`'s ``dataset`` and
            ``diff`` columns), compared as they are, instead of ``frame``.
        info: columns put before the comparison's in the row (a condition, a size …).
    """

    label: str
    frame: pd.DataFrame | None = None
    a: str = ""
    b: str = ""
    metric: str | schema.Metric = "test_acc"
    claimed: str = "A>B"
    rope: float = ROPE
    column: str = "arm"
    blocks: tuple[str, ...] = ("dataset", "seed")
    diffs: pd.DataFrame | None = None
    info: Mapping[str, Any] = field(default_factory=dict)

    def differences(self) -> pd.DataFrame:
        """The paired differences this pair compares (empty: no block holds both arms)."""
        if self.diffs is not None:
            return self.diffs
        if self.frame is None:
            return pd.DataFrame()
        return arm_diffs(self.frame, self.a, self.b, self.metric, self.blocks, self.column)


def compare_family(
    pairs: Sequence[Pair], alpha: float = ALPHA, companions: bool = True
) -> pd.DataFrame:
    """Every pair compared (:func:`compare`), Holm over exactly the pairs tested, each
    verdict decided on the adjusted p-values (:func:`holm_rows`): the one path of every
    verdict of a claim or a report table.

    The family is exactly the pairs tested: a pair without paired data (no block holds
    both arms) or whose arms both failed on every data set gets an INCONCLUSIVE row with
    NaN p-values and is not counted. The same count is each comparison's ``family``
    (whether its nonzero data sets can reach ``alpha`` after Holm, how many it would need,
    ``to_detect``), so the adjustment and the floor read the same family.

    Args:
        pairs: the comparisons, in row order.
        alpha: significance level of the tests and of the adjusted p-values.
        companions: compute the bootstrap interval and the Bayesian probabilities beside
            each test (:func:`compare`; False for a robustness reading).

    Returns:
        One row per pair: the pair's ``info`` columns, then those of
        :func:`bench.scoring.verdicts.row`, then ``p_holm``, ``p_reverse_holm`` and
        ``p_equiv_holm``; empty for no pairs.
    """
    return compare_pairs(pairs, alpha, companions)[0]


def compare_pairs(
    pairs: Sequence[Pair], alpha: float = ALPHA, companions: bool = True
) -> tuple[pd.DataFrame, list[Comparison | None]]:
    """:func:`compare_family`'s rows, and the :class:`Comparison` behind each (None for a
    pair without paired data), for a caller that reads more than the row (its effect and
    interval, say)."""
    diffs = [p.differences() for p in pairs]
    size = max(1, sum(tested(d) for d in diffs))
    comparisons = [
        None if d.empty else compare(d, p.rope, alpha, family=size, companions=companions)
        for p, d in zip(pairs, diffs, strict=True)
    ]
    rows = [
        {**p.info, **row(p.label, c, p.claimed)} for p, c in zip(pairs, comparisons, strict=True)
    ]
    table = holm_rows(pd.DataFrame(rows), alpha, [p.claimed for p in pairs])
    return table, comparisons


def holm_rows(
    table: pd.DataFrame, alpha: float = ALPHA, claimed: Sequence[str] | None = None
) -> pd.DataFrame:
    """Holm over a family of comparison rows (:func:`bench.scoring.verdicts.row`): adds
    ``p_holm`` (claimed direction), ``p_reverse_holm`` and ``p_equiv_holm`` (each adjusted
    over the rows that have it: the pairs tested), then decides each row's ``verdict`` and
    ``negligible`` on those adjusted p-values (:func:`bench.scoring.verdicts.decide`;
    ``claimed``: each row's claimed direction, ``A>B`` by default; a row's ``inside``, where
    the table has it: its mean and Hodges–Lehmann estimate lie inside ±rope). A copy."""
    table = table.copy()
    if table.empty or "p" not in table:
        return table
    table["p_holm"] = holm(table["p"].tolist())
    table["p_reverse_holm"] = holm(table["p_reverse"].tolist())
    table["p_equiv_holm"] = holm(table["p_equiv"].tolist())
    claims = list(claimed) if claimed is not None else ["A>B"] * len(table)
    inside = table["inside"] if "inside" in table else pd.Series(True, index=table.index)
    decided = [
        decide(p, r, e, c, alpha, failed=n == 0, inside=bool(i))
        for p, r, e, c, n, i in zip(
            table["p_holm"],
            table["p_reverse_holm"],
            table["p_equiv_holm"],
            claims,
            table["n_datasets"],
            inside,
            strict=True,
        )
    ]
    table["verdict"] = [v for v, _ in decided]
    table["negligible"] = [bool(n) for _, n in decided]
    return table


def chain(
    frame: pd.DataFrame, order: Sequence[str] = CLAIMED_ORDER, companions: bool = True
) -> pd.DataFrame:
    """Each adjacent pair of ``order``, restricted to the activations present in ``frame``
    (one configuration per data set × seed × activation, e.g. after lr selection), compared
    at the data-set level on test accuracy, one family (:func:`compare_family`): one row
    per pair (see :func:`bench.scoring.verdicts.row`) with the Holm-adjusted p-values."""
    work = frame.assign(arm=frame["activation"])
    present = [a for a in order if a in set(work["activation"])]
    pairs = [Pair(f"{a} > {b}", work, a, b) for a, b in itertools.pairwise(present)]
    return compare_family(pairs, companions=companions)


def per_dataset(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | schema.Metric = "test_acc",
    column: str = "activation",
) -> pd.DataFrame:
    """Each data set on its own: ``a`` − ``b`` on ``metric`` paired by seed
    (:func:`arm_diffs`), its mean, and one-sided signed-rank tests over the seeds
    (:func:`bench.scoring.stats.wilcoxon`, the one test) that ``a`` is better
    (``p_better``) and worse (``p_worse``), each Holm-adjusted over the data sets
    (``p_better_holm``, ``p_worse_holm``). With n seeds the smallest p is 1/2ⁿ, so a family
    of many data sets needs many seeds: ``needed_seeds`` is the fewest that can decide.

    Returns:
        One row per data set: ``dataset``, ``diff``, ``n_seeds``, ``p_better``,
        ``p_worse``, ``p_better_holm``, ``p_worse_holm``, ``needed_seeds``.
    """
    diffs = arm_diffs(frame, a, b, metric, ("dataset", "seed"), column)
    rows = []
    for ds, g in diffs.groupby("dataset", sort=True):
        d = g["diff"].to_numpy(dtype=float)
        rows.append(
            {
                "dataset": ds,
                "diff": float(d.mean()),
                "n_seeds": len(d),
                "p_better": wilcoxon(d, "greater"),
                "p_worse": wilcoxon(d, "less"),
            }
        )
    out = pd.DataFrame(rows, columns=["dataset", "diff", "n_seeds", "p_better", "p_worse"])
    out["p_better_holm"] = holm(out["p_better"])
    out["p_worse_holm"] = holm(out["p_worse"])
    out["needed_seeds"] = needed(ALPHA, "greater", max(len(out), 1))
    return out
