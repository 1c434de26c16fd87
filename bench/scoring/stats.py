"""Every statistical test of the project, and nothing else: no module outside
:mod:`bench.scoring` imports scipy, statsmodels or baycomp (numpy, pandas, scipy,
statsmodels, baycomp; no torch). The comparisons of two arms built on them are
:mod:`bench.scoring.paired`.

Public:
    EXACT_MAX                   nonzero differences up to which a signed-rank p is exact (100)
    holm(pvalues)               Holm-adjusted p-values (NaNs kept, not in the family)
    wilcoxon(d, alternative, shift=0)             the one test: Wilcoxon signed-rank p of d − shift
    smallest_p(n, alternative)                    the smallest p it reaches with n nonzero values
    needed(alpha, alternative, family)            the fewest nonzero pairs that can reach alpha
    to_detect(d, alpha, family, power, alternative)
                                                  data sets to detect an observed effect
    tost_halves(d, margin)                        signed-rank TOST's two one-sided p: above
                                                  −margin, below +margin
    tost(d, margin)                               signed-rank TOST p that d lies in ±margin
    hodges_lehmann(d)                             the location the signed-rank test tests: the
                                                  median of the Walsh averages
    equivalence(diffs, margin, alpha)             TOST on the per-data-set mean differences
    t_interval(d, confidence)                     the t interval of a mean (shown, never a test)
    binomial_interval(k, n, confidence)           Clopper–Pearson interval of a share
    hierarchical_bootstrap(diffs, ...)            mean of group means and its percentile CI
    bayes_signed_rank(diffs, rope, seed)          P(A better), P(rope), P(B better)
    nemenyi(table)                                Friedman + Nemenyi p-values of a blocks ×
                                                  treatments table (scikit-posthocs)
    Trend, trend(frame, level, value, blocks, alpha)  Page's test of a monotone trend

**The one test.** Every p-value that decides a verdict is a Wilcoxon signed-rank test
(:func:`wilcoxon`): one-sided for a directional claim, two-sided where a claim has no
direction, and the same test against ±margin for equivalence (:func:`tost`). Its zero
rule is Pratt's: a difference of exactly 0 (after rounding to 12 decimals, so float noise
neither breaks a tie nor makes a zero) is ranked with the others and then carries no sign,
so it adds nothing to either side; a sample whose differences are all 0 gets p = 1 (no
sign pattern is more extreme than another). The p is exact, the share of the 2ⁿ sign
patterns of the n nonzero differences at least as extreme as the one observed (ties and
zeros included), for up to :data:`EXACT_MAX` nonzero differences (every data-set-level test
of the project); beyond, scipy's normal approximation with Pratt's correction. There is no
zero-spread special case: n equal nonzero differences give 1/2ⁿ, like any sample with every
difference on one side.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats

from bench.scoring.base import ALPHA, ROPE

# Cap on the number of elements of one vectorized bootstrap chunk (draws × groups × rows).
_CHUNK_ELEMENTS = 4_000_000
EXACT_MAX = 100  # nonzero differences up to which the signed-rank p is exact


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm–Bonferroni adjustment: the i-th smallest of m p-values times (m − i + 1), made
    monotone by a running maximum, capped at 1.

    The same arithmetic as ``statsmodels`` ``multipletests(method="holm")`` (a test holds them
    equal), written out because that function calls ``gc.collect()`` on every call: about
    0.1–0.4 s each in a process holding a claims store's frames, a third of a report's time.

    Args:
        pvalues: raw p-values; NaNs are left out of the family and stay NaN.

    Returns:
        The adjusted p-values, same order.
    """
    p = np.asarray(list(pvalues), dtype=float)
    out = np.full(p.shape, np.nan)
    good = np.flatnonzero(~np.isnan(p))
    if len(good):
        order = np.argsort(p[good])
        steps = np.arange(len(good), 0, -1)
        adjusted = np.minimum(np.maximum.accumulate(p[good][order] * steps), 1.0)
        out[good[order]] = adjusted
    return out


def _pratt(d: Sequence[float] | np.ndarray, shift: float) -> np.ndarray:
    """``d − shift`` as floats, NaNs dropped, rounded to 12 decimals (the zero rule's)."""
    x = np.asarray(d, dtype=float) - shift
    return np.round(x[~np.isnan(x)], 12)


def wilcoxon(
    d: Sequence[float] | np.ndarray, alternative: str = "two-sided", shift: float = 0.0
) -> float:
    """The Wilcoxon signed-rank p of ``d − shift`` (the one test; module docstring).

    Args:
        d: paired differences (NaNs dropped).
        alternative: ``greater`` (the differences lie above ``shift``), ``less`` or
            ``two-sided`` (twice the smaller one-sided p, at most 1).
        shift: the value tested against (0; ±margin for :func:`tost_halves`).

    Returns:
        The p-value: exact up to :data:`EXACT_MAX` nonzero differences, 1 when every
        difference is 0, NaN for no difference at all.
    """
    if alternative not in ("greater", "less", "two-sided"):
        raise ValueError(f"wilcoxon: alternative {alternative!r} is not greater/less/two-sided")
    x = _pratt(d, shift)
    if len(x) == 0:
        return math.nan
    nonzero = x != 0
    if not nonzero.any():
        return 1.0
    if nonzero.sum() > EXACT_MAX:
        res = stats.wilcoxon(x, zero_method="pratt", alternative=alternative, method="asymptotic")
        return float(res.pvalue)
    ranks = np.rint(2 * stats.rankdata(np.abs(x))[nonzero]).astype(int)  # doubled: integers
    observed = int(ranks[x[nonzero] > 0].sum())
    null = _signed_rank_null(ranks)
    greater, less = float(null[observed:].sum()), float(null[: observed + 1].sum())
    p = {"greater": greater, "less": less, "two-sided": 2 * min(greater, less)}[alternative]
    return min(1.0, p)


def _signed_rank_null(ranks: np.ndarray) -> np.ndarray:
    """P(W⁺ = w) for every w under the null (each rank's sign a fair coin): the
    distribution of the sum of a random subset of ``ranks`` (integers), built rank by rank."""
    dist = np.zeros(int(ranks.sum()) + 1)
    dist[0] = 1.0
    top = 0
    for r in ranks:
        shifted = dist[: top + 1].copy()
        dist[: top + 1] *= 0.5
        dist[r : r + top + 1] += 0.5 * shifted
        top += int(r)
    return dist


def smallest_p(n: int, alternative: str = "greater") -> float:
    """The smallest p-value the signed-rank test (:func:`wilcoxon`) can give with ``n``
    nonzero paired differences: every one on one side, ``1 / 2**n`` one-sided and
    ``2 / 2**n`` two-sided (1 with no nonzero difference at all: zeros carry no sign)."""
    if n <= 0:
        return 1.0
    return min(1.0, (2.0 if alternative == "two-sided" else 1.0) / 2.0**n)


def needed(alpha: float = ALPHA, alternative: str = "greater", family: int = 1) -> int:
    """The fewest nonzero paired differences (data sets) with which the signed-rank test,
    Holm-adjusted over ``family`` comparisons, can reach ``alpha`` at all: the smallest
    ``n`` with ``family · smallest_p(n) < alpha``."""
    n = 1
    while family * smallest_p(n, alternative) >= alpha:
        n += 1
    return n


def to_detect(
    d: Sequence[float] | np.ndarray,
    alpha: float = ALPHA,
    family: int = 1,
    power: float = 0.8,
    alternative: str = "greater",
) -> float:
    """How many data sets a one-sided test in the direction ``alternative`` would need to
    detect the mean of the per-data-set differences ``d`` (at ``alpha / family``,
    Bonferroni's share of a Holm family) with ``power``: the normal approximation
    n = ((z₁₋ₐ + z_power) · s / |mean|)², divided by the signed-rank test's efficiency
    relative to the t-test (3/π), and never fewer than the floor :func:`needed` sets (which
    is also the answer when every difference is the same).

    Args:
        d: per-data-set mean differences (the ones observed).
        alpha: significance level; family: the comparisons Holm adjusts together.
        power: the probability of detecting the effect if it is as observed.
        alternative: the claimed direction, ``greater`` (A better) or ``less``.

    Returns:
        The number of data sets (an estimate for planning, not a promise), or NaN when it
        is undefined: fewer than 2 values, or an observed mean that is 0 or points the
        other way (no number of data sets detects an effect in the claimed direction
        there).
    """
    x = np.asarray(d, dtype=float)
    x = x[np.isfinite(x)]
    sign = -1.0 if alternative == "less" else 1.0
    if len(x) < 2 or sign * np.mean(x) <= 0:
        return math.nan
    floor = needed(alpha, "greater", family)
    s = np.std(x, ddof=1)
    if s == 0:
        return float(floor)
    z = stats.norm.ppf(1 - alpha / family) + stats.norm.ppf(power)
    n = (z * s / abs(np.mean(x))) ** 2 / (3 / np.pi)
    return float(max(math.ceil(n), floor))


def equivalence(diffs: pd.DataFrame, margin: float, alpha: float = 0.05) -> tuple[float, bool]:
    """Signed-rank TOST (:func:`tost`) that the per-data-set mean differences lie in
    (-margin, +margin).

    Args:
        diffs: frame with ``dataset`` and ``diff`` columns (what
            :func:`bench.scoring.paired.paired` returns).
        margin: equivalence margin, > 0, in score units.
        alpha: level of each one-sided test.

    Returns:
        ``(p, p < alpha)``; p is NaN (and the flag False) without data.

    Raises:
        ValueError: if ``margin <= 0``.
    """
    if margin <= 0:
        raise ValueError(f"equivalence: margin must be > 0, got {margin}")
    data = diffs[["dataset", "diff"]].dropna()
    per_dataset = data.groupby("dataset", sort=True)["diff"].mean().to_numpy()
    p = tost(per_dataset, margin)
    return p, bool(p < alpha)


def tost_halves(d: Sequence[float] | np.ndarray, margin: float) -> tuple[float, float]:
    """The two one-sided signed-rank tests of TOST (:func:`wilcoxon` against ∓margin):
    ``(p_lower, p_upper)``, the p that ``d`` lies above −margin and the p that it lies
    below +margin. NaNs without values."""
    return wilcoxon(d, "greater", -margin), wilcoxon(d, "less", margin)


def tost(d: Sequence[float] | np.ndarray, margin: float) -> float:
    """Signed-rank TOST p that ``d`` lies in (-margin, +margin): the larger of
    :func:`tost_halves`; NaN without values."""
    p_lower, p_upper = tost_halves(d, margin)
    return max(p_lower, p_upper)


def hodges_lehmann(d: Sequence[float] | np.ndarray) -> float:
    """The Hodges–Lehmann estimate of ``d``'s location, the one the signed-rank test (and
    its TOST) tests: the median of the n(n+1)/2 Walsh averages (d_i + d_j)/2, i ≤ j (the
    pseudo-median). NaN without values."""
    d = np.asarray(d, dtype=float)
    d = d[~np.isnan(d)]
    if not len(d):
        return math.nan
    i, j = np.triu_indices(len(d))
    return float(np.median((d[i] + d[j]) / 2))


def t_interval(d: Sequence[float] | np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """The t interval of the mean of ``d`` at ``confidence`` (mean ± t·s/√n); NaNs with
    fewer than 2 values."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        return math.nan, math.nan
    low, high = stats.t.interval(confidence, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    return float(low), float(high)


def binomial_interval(k: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper–Pearson (exact) interval of the success share of ``k`` in ``n`` trials
    (``scipy.stats.binomtest``); NaNs when ``n`` is 0."""
    if n <= 0:
        return math.nan, math.nan
    ci = stats.binomtest(int(k), int(n)).proportion_ci(confidence_level=confidence, method="exact")
    return float(ci.low), float(ci.high)


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
        diffs: frame with ``outer`` and ``value`` columns (e.g. what
            :func:`bench.scoring.paired.paired` returns).
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


def nemenyi(table: pd.DataFrame) -> pd.DataFrame:
    """Nemenyi's post-hoc test after Friedman's (Demšar 2006;
    ``scikit_posthocs.posthoc_nemenyi_friedman``) over a blocks × treatments table of
    scores (complete rows): the square, symmetric matrix of p-values, diagonal 1, in the
    table's column order. Descriptive beside the pairwise signed-rank tests that decide."""
    import scikit_posthocs as sp

    p = np.array(sp.posthoc_nemenyi_friedman(table.to_numpy(dtype=float)), dtype=float)
    np.fill_diagonal(p, 1.0)
    return pd.DataFrame(p, index=table.columns, columns=table.columns)


@dataclass(frozen=True)
class Trend:
    """Page's trend test of a value over ordered levels; see :func:`trend`."""

    statistic: float
    p: float
    rho: float
    n_blocks: int
    levels: tuple
    verdict: str


def trend(
    frame: pd.DataFrame,
    level: str,
    value: str,
    blocks: Sequence[str] = ("dataset",),
    alpha: float = 0.05,
) -> Trend:
    """Page's L test for a monotone increasing trend of ``value`` over the ordered numeric
    ``level`` (e.g. learning rate).

    The Page table has one row per block (``blocks`` columns) and one column per level in
    ascending order; each cell is the mean of ``value`` in that block × level (e.g. over seeds).
    Blocks missing a level are dropped. ``rho`` is the mean over blocks of the Spearman
    correlation between level order and value (blocks with a constant value are skipped, NaN if
    all are). The verdict is ``"INCREASING"`` if ``p < alpha`` and ``rho > 0``, else
    ``"NO TREND"``.

    Args:
        frame: long frame with the ``blocks``, ``level`` and ``value`` columns.
        level: numeric column whose ascending order is the predicted order.
        value: the response column.
        blocks: columns identifying one row of the Page table.
        alpha: significance level.

    Returns:
        A :class:`Trend`.

    Raises:
        ValueError: with fewer than 3 levels (``scipy.stats.page_trend_test`` needs at least 3;
            a 2-level trend is a paired comparison: use
            :func:`bench.scoring.paired.compare`) or fewer than 2
            complete blocks.
    """
    blocks = list(blocks)
    data = frame[[*blocks, level, value]].dropna()
    cells = data.groupby([*blocks, level], sort=True)[value].mean()
    table = cells.unstack(level)
    table = table.reindex(columns=sorted(table.columns)).dropna()
    levels = tuple(table.columns.tolist())
    if len(levels) < 3:
        raise ValueError(
            f"trend: need at least 3 levels of {level!r} in complete blocks for Page's test, "
            f"got {len(levels)} ({list(levels)})"
        )
    if len(table) < 2:
        raise ValueError(
            f"trend: need at least 2 blocks ({blocks}) with every level of {level!r}, "
            f"got {len(table)}"
        )
    values = table.to_numpy(dtype=float)
    res = stats.page_trend_test(values)
    order = np.arange(len(levels))
    rhos = [stats.spearmanr(order, row).statistic for row in values if np.ptp(row) > 0]
    rho = float(np.mean(rhos)) if rhos else float("nan")
    p = float(res.pvalue)
    verdict = "INCREASING" if p < alpha and rho > 0 else "NO TREND"
    return Trend(
        statistic=float(res.statistic),
        p=p,
        rho=rho,
        n_blocks=len(table),
        levels=levels,
        verdict=verdict,
    )
