"""Arm A against arm B over data sets × seeds: paired differences, a hierarchical bootstrap,
the project's comparison rule (numpy, pandas, scipy; no torch).

The unit of replication is the *data set*: seeds are nested inside data sets, so every
data-set-level quantity first averages the seeds of one data set and then treats each data set
as one observation. Seed-level readings (``Comparison.p_seed``) are secondary. Scores are
fractions (accuracy in 0..1) unless a caller says otherwise, which is what the default
``rope`` of 0.01 (one accuracy point) assumes.

Public:
    Comparison                  frozen dataclass: effect, CI, p-values, verdict of A vs B
    paired(frame, arm_col, a, b, value, blocks)   one row per block: a, b, diff = a - b
    hierarchical_bootstrap(diffs, ...)            mean of group means and its percentile CI
    compare(diffs, rope, alpha, ..., family=1)    the project's comparison rule → Comparison
    bayes_signed_rank(diffs, rope, seed)          P(A better), P(rope), P(B better)
    compare_arms(frame, a, b, metric, rope, blocks, column)
                                arm ``a`` against arm ``b`` at the data-set level
    holm_rows(table, alpha) -> DataFrame
                                Holm over a family of comparison rows, verdicts kept only
                                where the adjusted p behind them is below alpha
    chain(frame, order=CLAIMED_ORDER) -> DataFrame
                                each adjacent pair of an order compared at the data-set
                                level, Holm over the pairs
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from bench import schema
from bench.scoring.metrics import scores
from bench.scoring.stats import holm, needed, smallest_p, to_detect, tost, wilcoxon
from bench.scoring.verdicts import ALPHA, CLAIMED_ORDER, ROPE, row

# Cap on the number of elements of one vectorized bootstrap chunk (draws × groups × rows).
_CHUNK_ELEMENTS = 4_000_000


@dataclass(frozen=True)
class Comparison:
    """A vs B over data sets × seeds; see :func:`compare` for how each field is made."""

    effect: float
    ci_low: float
    ci_high: float
    p: float
    p_seed: float
    p_equiv: float
    n_datasets: int
    n_seeds: int
    rope: float
    verdict: str
    wins: int
    losses: int
    p_less: float = float("nan")  # the mirrored one-sided p (B > A), what "B>A" rests on
    decidable: bool = True  # the data sets can reach alpha at all (after Holm over family)
    needed: int = 0  # the fewest data sets that can
    p_a_better: float = float("nan")  # Bayesian signed-rank: P(A better by more than rope)
    p_rope: float = float("nan")  # P(|difference| inside the rope)
    p_b_better: float = float("nan")  # P(B better by more than rope)
    to_detect: int = 0  # data sets to detect the observed mean difference with 80 % power


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
    seeds (data set the unit, seeds nested): :func:`paired` then :func:`compare`.
    Lower-is-better metrics are negated first, so a positive effect always means ``a`` is
    better; diverged and failed runs score the metric's worst value; ``family``: the
    comparisons it is Holm-adjusted with. None when no block holds both arms."""
    m = schema.get(metric)
    work = frame.copy()
    work["score"] = scores(frame, m) if len(frame) else []
    if not m.higher_is_better:
        work["score"] = -work["score"]
    work = work[np.isfinite(work["score"].astype(float))]
    diffs = paired(work, column, a, b, "score", blocks)
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


def hierarchical_bootstrap(
    diffs: pd.DataFrame,
    value: str = "diff",
    outer: str = "dataset",
    n_boot: int = 4000,
    alpha: float = 0.05,
    seed: int = 0,
) -> tuple[float, float, float]:
    """Two-level (groups, then rows within a group) percentile bootstrap of the mean of group
    means.

    Each draw resamples the outer groups with replacement and, inside each drawn group, that
    group's rows with replacement (as many as it has), then takes the mean over drawn groups of
    the resampled group means. With a single outer group only its rows are resampled. Draws are
    vectorized with numpy (chunked to bound memory) and deterministic for a given ``seed``.

    Args:
        diffs: frame with ``outer`` and ``value`` columns (e.g. what :func:`paired` returns).
        value: column to average.
        outer: grouping column (the unit of replication).
        n_boot: number of bootstrap draws.
        alpha: the interval is the (alpha/2, 1 - alpha/2) percentile interval.
        seed: seed of ``numpy.random.default_rng``.

    Returns:
        ``(estimate, low, high)``, estimate = mean over groups of the group means.

    Raises:
        ValueError: if there are no non-missing values, or ``n_boot < 1``.
    """
    if n_boot < 1:
        raise ValueError(f"hierarchical_bootstrap: n_boot must be >= 1, got {n_boot}")
    data = diffs[[outer, value]].dropna()
    if data.empty:
        raise ValueError("hierarchical_bootstrap: no non-missing values")
    groups = [g.to_numpy(dtype=float) for _, g in data.groupby(outer, sort=True)[value]]
    sizes = np.array([len(g) for g in groups])
    estimate = float(np.mean([g.mean() for g in groups]))
    n_groups, width = len(groups), int(sizes.max())
    padded = np.zeros((n_groups, width))
    for i, g in enumerate(groups):
        padded[i, : len(g)] = g

    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // (n_groups * width))
    boot = np.empty(n_boot)
    for start in range(0, n_boot, chunk):
        m = min(chunk, n_boot - start)
        drawn = rng.integers(0, n_groups, size=(m, n_groups))  # groups per draw
        n = sizes[drawn]  # (m, G) rows in each drawn group
        rows = (rng.random((m, n_groups, width)) * n[..., None]).astype(np.intp)
        picked = padded[drawn[..., None], rows]  # (m, G, width)
        used = np.arange(width) < n[..., None]  # only the first n_g draws count
        group_means = np.where(used, picked, 0.0).sum(axis=2) / n
        boot[start : start + m] = group_means.mean(axis=1)
    low, high = np.quantile(boot, [alpha / 2, 1 - alpha / 2])
    return estimate, float(low), float(high)


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
    - ``p_equiv``: TOST p that ``|mean difference| < rope`` on the per-data-set means (two
      one-sided ``scipy.stats.ttest_1samp``); NaN with fewer than 2 data sets.
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
    probabilities are reported beside them. A caller comparing several pairs Holm-adjusts the
    p-values over the family afterwards (:func:`chain`).

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
    p_equiv = tost(per_dataset, rope)
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
    )


def bayes_signed_rank(
    diffs: np.ndarray, rope: float = ROPE, seed: int = 0, nsamples: int = 10_000
) -> tuple[float, float, float]:
    """The Bayesian signed-rank test (``baycomp.SignedRankTest``, prior 0.5 at zero) on
    per-data-set differences A − B: (P(A better), P(inside ±rope), P(B better)), each the
    share of posterior samples in which that region is the most probable. NaNs with fewer
    than 2 differences."""
    d = np.asarray(diffs, dtype=float)
    if len(d) < 2:
        return (math.nan, math.nan, math.nan)
    from baycomp import SignedRankTest

    # baycomp reads y − x: with x = d and y = 0, "left" (y − x < −rope) is A better
    left, inside, right = SignedRankTest.probs(
        d, np.zeros_like(d), rope=rope, nsamples=nsamples, random_state=seed
    )
    return float(left), float(inside), float(right)


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
    weak |= (table["verdict"].isin(["EQUIVALENT", "CONTRADICTED"]) & equivalent
             & ~(table["p_equiv_holm"] < alpha))  # fmt: skip
    table.loc[weak, "verdict"] = "INCONCLUSIVE"
    return table


def chain(frame: pd.DataFrame, order: Sequence[str] = CLAIMED_ORDER) -> pd.DataFrame:
    """Each adjacent pair of ``order``, restricted to the activations present in ``frame``
    (one configuration per data set × seed × activation, e.g. after lr selection), compared
    at the data-set level on test accuracy, Holm over the pairs (:func:`holm_rows`): one row
    per pair (see :func:`bench.scoring.verdicts.row`) with the Holm-adjusted p-values."""
    work = frame.assign(arm=frame["activation"])
    present = [a for a in order if a in set(work["activation"])]
    pairs = list(itertools.pairwise(present))
    rows = [row(f"{a} > {b}", compare_arms(work, a, b, family=len(pairs))) for a, b in pairs]
    return holm_rows(pd.DataFrame(rows))
