"""The tests every reading shares: Holm's adjustment, Wilcoxon's signed-rank test and its
floor, TOST equivalence (numpy, scipy, statsmodels; no torch).

Public:
    ROPE, ALPHA                 one accuracy point of practical equivalence; significance
    holm(pvalues)               Holm-adjusted p-values (NaNs kept, not in the family)
    wilcoxon(d, alternative, min_n=2, tied=nan)   Wilcoxon signed-rank p of differences
    smallest_p(n, alternative)                    the smallest p an exact Wilcoxon test reaches
    needed(alpha, alternative, family)            the fewest pairs that can reach alpha
    to_detect(d, alpha, family, power)            data sets to detect an observed effect
    equivalence(diffs, margin, alpha)             TOST on the per-data-set mean differences
    tost(d, margin)                               TOST p that the mean of ``d`` is in ±margin
    Trend, trend(frame, level, value, blocks, alpha)  Page's test of a monotone trend
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bench.scoring.verdicts import ALPHA


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm–Bonferroni adjustment (``statsmodels`` ``multipletests(method="holm")``).

    Args:
        pvalues: raw p-values; NaNs are left out of the family and stay NaN.

    Returns:
        The adjusted p-values, same order.
    """
    p = np.asarray(list(pvalues), dtype=float)
    out = np.full(p.shape, np.nan)
    good = ~np.isnan(p)
    if good.any():
        out[good] = multipletests(p[good], method="holm")[1]
    return out


def wilcoxon(
    d: Sequence[float] | np.ndarray,
    alternative: str = "two-sided",
    min_n: int = 2,
    tied: float = math.nan,
) -> float:
    """Wilcoxon signed-rank p-value of the differences ``d`` (zeros dropped,
    ``zero_method="wilcox"``).

    Args:
        d: paired differences.
        alternative: ``two-sided``, ``greater`` or ``less``.
        min_n: fewer differences than this give NaN.
        tied: the p-value when no difference is nonzero (NaN: nothing tested; the
            seed-level rankings use 1, "no evidence of a difference").

    Returns:
        The p-value.
    """
    d = np.asarray(d, dtype=float)
    if len(d) < min_n or len(d) == 0:
        return math.nan
    if not np.any(d != 0):
        return tied
    return float(stats.wilcoxon(d, zero_method="wilcox", alternative=alternative).pvalue)


def smallest_p(n: int, alternative: str = "greater") -> float:
    """The smallest p-value an exact Wilcoxon signed-rank test can give with ``n`` nonzero
    paired differences: every difference on one side, ``1 / 2**n`` one-sided and
    ``2 / 2**n`` two-sided (1 with no difference at all)."""
    if n <= 0:
        return 1.0
    return min(1.0, (2.0 if alternative == "two-sided" else 1.0) / 2.0**n)


def needed(alpha: float = ALPHA, alternative: str = "greater", family: int = 1) -> int:
    """The fewest paired observations (data sets) with which a Wilcoxon signed-rank test,
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
) -> int:
    """How many data sets a one-sided test would need to detect the mean of the per-data-set
    differences ``d`` (at ``alpha / family``, Bonferroni's share of a Holm family) with
    ``power``: the normal approximation n = ((z₁₋ₐ + z_power) · s / |mean|)², divided by the
    Wilcoxon signed-rank test's efficiency relative to the t-test (3/π), and never fewer than
    the floor :func:`needed` sets. 0 when ``d`` has fewer than 2 values or no spread or no
    effect to detect.

    Args:
        d: per-data-set mean differences (the ones observed).
        alpha: significance level; family: the comparisons Holm adjusts together.
        power: the probability of detecting the effect if it is as observed.

    Returns:
        The number of data sets (an estimate for planning, not a promise).
    """
    d = np.asarray(d, dtype=float)
    d = d[np.isfinite(d)]
    if len(d) < 2 or np.std(d, ddof=1) == 0 or np.mean(d) == 0:
        return 0
    z = stats.norm.ppf(1 - alpha / family) + stats.norm.ppf(power)
    n = (z * np.std(d, ddof=1) / abs(np.mean(d))) ** 2 / (3 / np.pi)
    return max(math.ceil(n), needed(alpha, "greater", family))


def equivalence(diffs: pd.DataFrame, margin: float, alpha: float = 0.05) -> tuple[float, bool]:
    """TOST (two one-sided t-tests) that the mean per-data-set difference lies in
    (-margin, +margin).

    Args:
        diffs: frame with ``dataset`` and ``diff`` columns (what :func:`paired` returns).
        margin: equivalence margin, > 0, in score units.
        alpha: level of each one-sided test.

    Returns:
        ``(p, p < alpha)``; p is NaN (and the flag False) with fewer than 2 data sets.

    Raises:
        ValueError: if ``margin <= 0``.
    """
    if margin <= 0:
        raise ValueError(f"equivalence: margin must be > 0, got {margin}")
    data = diffs[["dataset", "diff"]].dropna()
    per_dataset = data.groupby("dataset", sort=True)["diff"].mean().to_numpy()
    p = tost(per_dataset, margin)
    return p, bool(p < alpha)


def tost(d: np.ndarray, margin: float) -> float:
    """TOST p that the mean of ``d`` lies in (-margin, +margin): the larger of the two one-sided
    one-sample t-test p-values; NaN with fewer than 2 values. Zero spread: 0 inside, 1 outside."""
    d = np.asarray(d, dtype=float)
    if len(d) < 2:
        return float("nan")
    if np.ptp(d) == 0:
        return 0.0 if abs(d[0]) < margin else 1.0
    p_low = stats.ttest_1samp(d, -margin, alternative="greater").pvalue
    p_high = stats.ttest_1samp(d, margin, alternative="less").pvalue
    return float(max(p_low, p_high))


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
            a 2-level trend is a paired comparison: use :func:`compare`) or fewer than 2
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
