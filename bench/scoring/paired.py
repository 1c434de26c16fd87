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
    compare_arms(frame, a, b, metric, rope, blocks, column, family)
                                arm ``a`` against arm ``b`` at the data-set level
    Pair                        one comparison of a family: its label, arms, metric, rope
    compare_family(pairs, alpha) -> DataFrame
                                every pair compared, Holm over exactly the pairs compared:
                                one row each (:func:`bench.scoring.verdicts.row`)
    holm_rows(table, alpha) -> DataFrame
                                Holm over a family of comparison rows, verdicts kept only
                                where the adjusted p behind them is below alpha
    chain(frame, order=CLAIMED_ORDER) -> DataFrame
                                each adjacent pair of an order compared at the data-set
                                level, one family
    per_dataset(frame, a, b, metric, column) -> DataFrame
                                each data set on its own: one-sided t-tests over its seeds,
                                Holm over the data sets
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
from bench.scoring.metrics import scores
from bench.scoring.stats import (
    bayes_signed_rank,
    hierarchical_bootstrap,
    holm,
    needed,
    smallest_p,
    t_test,
    to_detect,
    tost_halves,
    wilcoxon,
)
from bench.scoring.verdicts import row

__all__ = [
    "Comparison",
    "Pair",
    "arm_diffs",
    "chain",
    "compare",
    "compare_arms",
    "compare_family",
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
    better), non-finite scores are dropped. Empty when no block holds both arms."""
    m = schema.get(metric)
    work = frame.copy()
    work["score"] = scores(frame, m) if len(frame) else []
    if not m.higher_is_better:
        work["score"] = -work["score"]
    work = work[np.isfinite(work["score"].astype(float))]
    return paired(work, column, a, b, "score", blocks)


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


def compare(
    diffs: pd.DataFrame,
    rope: float = ROPE,
    alpha: float = ALPHA,
    n_boot: int = 4000,
    seed: int = 0,
    family: int = 1,
) -> Comparison:
    """Judge arm A against arm B from the paired differences (A - B) of :func:`paired`.

    Quantities (data set = unit of replication; its seeds are averaged first):

    - ``effect``, ``ci_low``, ``ci_high``: :func:`hierarchical_bootstrap` of ``diff`` over data
      sets (1 - ``alpha`` percentile interval). Shown; it decides nothing.
    - ``p`` / ``p_less``: one-sided Wilcoxon signed-rank p (``greater`` / ``less``, zeros
      dropped) on the per-data-set mean differences; NaN with fewer than 2 data sets.
    - ``p_seed``: the same test on all (data set, seed) differences (secondary reading).
    - ``p_two_sided``: the same Wilcoxon test either way.
    - ``p_equiv``: TOST p that ``|mean difference| < rope`` on the per-data-set means, the
      larger of its halves ``p_lower`` (mean > −rope) and ``p_upper`` (mean < +rope)
      (:func:`bench.scoring.stats.tost_halves`); NaN with fewer than 2 data sets.
    - ``p_a_better``, ``p_rope``, ``p_b_better``: the Bayesian signed-rank test (Benavoli
      et al. 2014, ``baycomp.SignedRankTest``) on the per-data-set mean differences with
      the same rope, 10,000 posterior samples from a fixed seed.
    - ``decidable``, ``needed``: whether ``family · 1/2**n_datasets < alpha`` (the smallest
      one-sided Wilcoxon p, Holm-adjusted over ``family`` comparisons, can reach ``alpha``),
      and the fewest data sets for which it can (:func:`bench.scoring.stats.needed`).
    - ``to_detect``: the data sets a one-sided test would need to detect the observed mean
      difference with 80 % power (:func:`bench.scoring.stats.to_detect`; for planning).
    - ``wins`` / ``losses``: data sets whose mean difference is > 0 / < 0.

    Verdict rule (the project's rule, shared by every claim), checked in this order:

    1. ``"INCONCLUSIVE"`` when not ``decidable``: no outcome of these data sets could be
       significant, so none is read (the report says how many data sets it would take);
    2. ``"EQUIVALENT"`` if TOST ``p_equiv < alpha``: the difference is shown to lie inside
       ±rope (this wins even when it is also significant: real but negligible);
    3. ``"A>B"`` if ``p < alpha``; ``"B>A"`` if ``p_less < alpha``;
    4. otherwise ``"INCONCLUSIVE"``: a test that finds nothing decides nothing.

    Only data-set-level tests decide; ``p_seed``, the bootstrap interval and the Bayesian
    probabilities are reported beside them. Several pairs are one family:
    :func:`compare_family` Holm-adjusts the p-values over them.

    Args:
        diffs: frame with ``dataset`` and ``diff`` columns (other columns ignored).
        rope: region of practical equivalence, in score units (0.01 = one accuracy point).
        alpha: significance level of the tests and 1 - coverage of the CI.
        n_boot: bootstrap draws.
        seed: bootstrap and posterior-sampling seed.
        family: the comparisons this one is Holm-adjusted with (for ``decidable``).

    Returns:
        A :class:`Comparison`.

    Raises:
        ValueError: if ``diffs`` has no non-missing difference or ``rope <= 0``.
    """
    if rope <= 0:
        raise ValueError(f"compare: rope must be > 0, got {rope}")
    data = diffs[["dataset", "diff"]].dropna()
    if data.empty:
        raise ValueError("compare: no paired differences")
    per_dataset = data.groupby("dataset", sort=True)["diff"].mean().to_numpy()
    effect, low, high = hierarchical_bootstrap(
        data, "diff", "dataset", n_boot=n_boot, alpha=alpha, seed=seed
    )
    n = len(per_dataset)
    p_greater = wilcoxon(per_dataset, "greater")
    p_less = wilcoxon(per_dataset, "less")
    p_seed = wilcoxon(data["diff"].to_numpy(), "greater")
    p_lower, p_upper = tost_halves(per_dataset, rope)
    p_equiv = max(p_lower, p_upper)  # stats.tost
    decidable = family * smallest_p(n, "greater") < alpha
    bayes = bayes_signed_rank(per_dataset, rope, seed)
    if not decidable:
        verdict = "INCONCLUSIVE"
    elif p_equiv < alpha:
        verdict = "EQUIVALENT"
    elif p_greater < alpha:
        verdict = "A>B"
    elif p_less < alpha:
        verdict = "B>A"
    else:
        verdict = "INCONCLUSIVE"
    return Comparison(
        effect=effect,
        ci_low=low,
        ci_high=high,
        p=p_greater,
        p_seed=p_seed,
        p_equiv=p_equiv,
        n_datasets=n,
        n_seeds=int(data.groupby("dataset").size().min()),
        rope=float(rope),
        verdict=verdict,
        wins=int((per_dataset > 0).sum()),
        losses=int((per_dataset < 0).sum()),
        p_less=p_less,
        decidable=decidable,
        needed=needed(alpha, "greater", family),
        p_a_better=bayes[0],
        p_rope=bayes[1],
        p_b_better=bayes[2],
        to_detect=to_detect(per_dataset, alpha, family),
        p_two_sided=wilcoxon(per_dataset, "two-sided"),
        p_lower=p_lower,
        p_upper=p_upper,
    )


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


def compare_family(pairs: Sequence[Pair], alpha: float = ALPHA) -> pd.DataFrame:
    """Every pair compared (:func:`compare`), then Holm over the family (:func:`holm_rows`).

    The family is exactly the pairs compared: a pair without paired data (no block holds
    both arms) gets an empty, INCONCLUSIVE row and is not counted. The same count is each
    comparison's ``family`` (whether its data sets can reach ``alpha`` after Holm, and how
    many it would need), so the adjustment and the floor read the same family. A p-value
    that no test could give (NaN: one data set, or every difference zero) stays out of that
    p-value's adjustment (:func:`bench.scoring.stats.holm`).

    Args:
        pairs: the comparisons, in row order.
        alpha: significance level of the tests and of the adjusted p-values.

    Returns:
        One row per pair: the pair's ``info`` columns, then those of
        :func:`bench.scoring.verdicts.row`, then ``p_holm``, ``p_reverse_holm`` and
        ``p_equiv_holm``; empty for no pairs.
    """
    diffs = [p.differences() for p in pairs]
    size = sum(not d.empty for d in diffs)
    rows = []
    for p, d in zip(pairs, diffs, strict=True):
        comp = None if d.empty else compare(d, rope=p.rope, alpha=alpha, family=size)
        rows.append({**p.info, **row(p.label, comp, p.claimed)})
    return holm_rows(pd.DataFrame(rows), alpha)


def holm_rows(table: pd.DataFrame, alpha: float = ALPHA) -> pd.DataFrame:
    """Holm over a family of comparison rows (:func:`bench.scoring.verdicts.row`): adds
    ``p_holm`` (claimed direction), ``p_reverse_holm`` and ``p_equiv_holm``, and keeps a
    row's verdict only when the Holm-adjusted p behind it is below ``alpha``: SUPPORTED
    needs ``p_holm``, CONTRADICTED ``p_reverse_holm`` (or, from EQUIVALENT, ``p_equiv_holm``),
    EQUIVALENT ``p_equiv_holm``; otherwise the row becomes INCONCLUSIVE. A copy."""
    table = table.copy()
    if table.empty or "p" not in table:
        return table
    table["p_holm"] = holm(table["p"].tolist())
    table["p_reverse_holm"] = holm(table["p_reverse"].tolist())
    table["p_equiv_holm"] = holm(table["p_equiv"].tolist())
    equivalent = table["p_equiv"] < alpha  # the row's own (unadjusted) finding
    weak = (table["verdict"] == "SUPPORTED") & ~(table["p_holm"] < alpha)
    weak |= (table["verdict"] == "CONTRADICTED") & ~equivalent & ~(table["p_reverse_holm"] < alpha)
    weak |= (
        table["verdict"].isin(["EQUIVALENT", "CONTRADICTED"])
        & equivalent
        & ~(table["p_equiv_holm"] < alpha)
    )
    table.loc[weak, "verdict"] = "INCONCLUSIVE"
    return table


def chain(frame: pd.DataFrame, order: Sequence[str] = CLAIMED_ORDER) -> pd.DataFrame:
    """Each adjacent pair of ``order``, restricted to the activations present in ``frame``
    (one configuration per data set × seed × activation, e.g. after lr selection), compared
    at the data-set level on test accuracy, one family (:func:`compare_family`): one row
    per pair (see :func:`bench.scoring.verdicts.row`) with the Holm-adjusted p-values."""
    work = frame.assign(arm=frame["activation"])
    present = [a for a in order if a in set(work["activation"])]
    pairs = [Pair(f"{a} > {b}", work, a, b) for a, b in itertools.pairwise(present)]
    return compare_family(pairs)


def per_dataset(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | schema.Metric = "test_acc",
    column: str = "activation",
) -> pd.DataFrame:
    """Each data set on its own: ``a`` − ``b`` on ``metric`` paired by seed
    (:func:`arm_diffs`), its mean, and one-sided one-sample t-tests over the seeds that
    ``a`` is better (``p_better``) and worse (``p_worse``) (:func:`bench.scoring.stats.t_test`,
    its zero-spread rule included), each Holm-adjusted over the data sets
    (``p_better_holm``, ``p_worse_holm``).

    Returns:
        One row per data set: ``dataset``, ``diff``, ``n_seeds``, ``p_better``,
        ``p_worse``, ``p_better_holm``, ``p_worse_holm``.
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
                "p_better": t_test(d, 0.0, "greater"),
                "p_worse": t_test(d, 0.0, "less"),
            }
        )
    out = pd.DataFrame(rows, columns=["dataset", "diff", "n_seeds", "p_better", "p_worse"])
    out["p_better_holm"] = holm(out["p_better"])
    out["p_worse_holm"] = holm(out["p_worse"])
    return out
