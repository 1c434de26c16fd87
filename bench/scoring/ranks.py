"""Ranks and tests over a blocks × treatments table: average ranks, Friedman, pairwise
Wilcoxon with Holm, a claimed order put on trial, what a critical-difference diagram needs.

Public:
    FriedmanResult, ClaimedOrder, CriticalDifference     what the tests return
    ranks(df, metric, treatment, blocks)        average rank and mean per treatment
    ranks_per(df, metric, by, treatment, blocks)  the same within each ``by`` group
    friedman(df, metric, treatment, blocks)     Friedman χ² test → :class:`FriedmanResult`
    pairwise_wilcoxon(df, metric, treatment, blocks)  Holm-adjusted pairwise p-value matrix
    claimed_order(df, metric, order, blocks, alpha)   Kendall τ and adjacent-pair verdicts
                                → :class:`ClaimedOrder`
    critical_difference(df, metric, treatment, blocks)  a CD diagram's inputs from the
                                pairwise Wilcoxon tests → :class:`CriticalDifference`
    nemenyi_diagram(df, metric, treatment, blocks)  a CD diagram's inputs from Friedman +
                                Nemenyi (descriptive) → :class:`CriticalDifference`
    kendall_tau(claimed, observed)      Kendall τ of a claimed order against scores
    rank_correlation(observed_order, claimed_order)   Kendall τ between two orders

Conventions. A *block* is one paired comparison unit (by default one data set × one seed);
a *treatment* is what is ranked (by default the activation). Rank 1 is the best, ties get
the average rank, and the metric's declared direction decides which end is best. Diverged
and failed runs take the metric's ``worst`` value, so they rank last. Tables keep only
complete blocks (every treatment present with a score), and report how many blocks that
left.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise

import numpy as np
import pandas as pd
from scipy import stats

from bench.errors import BenchError
from bench.scoring.metrics import Metric, get_metric, scores
from bench.scoring.stats import holm, nemenyi, wilcoxon
from bench.scoring.verdicts import CLAIMED_ORDER, pair_verdict


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test over a blocks × treatments table.

    Attributes:
        statistic: the tie-corrected χ² statistic (NaN when not computable).
        pvalue: its p-value (χ² with k − 1 degrees of freedom).
        n_blocks: complete blocks used.
        k: number of treatments.
        reason: why the statistic is NaN, else ``""``.
    """

    statistic: float
    pvalue: float
    n_blocks: int
    k: int
    reason: str = ""


@dataclass(frozen=True)
class ClaimedOrder:
    """Observed order against a claimed one (claim C15).

    Attributes:
        order: the claimed order restricted to the treatments present, best first.
        tau: Kendall's τ-b between claimed positions and observed average ranks
            (1 = the observed order is the claimed one, −1 = reversed).
        pvalue: two-sided p-value of τ.
        n_blocks: complete blocks used for every number here.
        alpha: significance level of the verdicts.
        ranks: :func:`ranks` of the present treatments (``avg_rank``, ``mean``, ``n_blocks``).
        pairs: one row per adjacent claimed pair, see :func:`claimed_order`.
    """

    order: tuple[str, ...]
    tau: float
    pvalue: float
    n_blocks: int
    alpha: float
    ranks: pd.DataFrame = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class CriticalDifference:
    """Inputs of ``scikit_posthocs.critical_difference_diagram(ranks, pvalues)``.

    Attributes:
        ranks: average rank per treatment (1 = best), best first.
        pvalues: Holm-adjusted pairwise Wilcoxon p-values (square, diagonal 1).
        n_blocks: complete blocks used.
    """

    ranks: pd.Series
    pvalues: pd.DataFrame
    n_blocks: int


def ranks(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> pd.DataFrame:
    """Average rank of each treatment over blocks (rank 1 = best, ties averaged).

    Args:
        df: the results frame; one row per (block, treatment), e.g. after :func:`select_lr`.
        metric: metric name or :class:`Metric`; its direction decides which end is best.
        treatment: the column whose values are ranked.
        blocks: the columns identifying one block; only complete blocks are used.

    Returns:
        Indexed by treatment, best first: ``avg_rank``, ``mean`` (score over the blocks
        used) and ``n_blocks``.
    """
    m = get_metric(metric)
    table = _table(df, m, treatment, blocks)
    r = _rank_table(table, m)
    out = pd.DataFrame(
        {"avg_rank": r.mean(axis=0), "mean": table.mean(axis=0), "n_blocks": len(table)}
    )
    out.index.name = treatment
    order = -out["mean"] if m.higher_is_better else out["mean"]
    return out.assign(_o=order).sort_values(["avg_rank", "_o"], kind="stable").drop(columns="_o")


def ranks_per(
    df: pd.DataFrame,
    metric: str | Metric,
    by: str = "dataset",
    treatment: str = "activation",
    blocks: Sequence[str] = ("seed",),
) -> pd.DataFrame:
    """:func:`ranks` within each value of ``by`` (e.g. per data set, blocks = seeds).

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        by: the column splitting the frame.
        treatment: the column whose values are ranked.
        blocks: the block columns inside one group.

    Returns:
        Long frame: ``by``, ``treatment``, ``avg_rank``, ``mean``, ``n_blocks``; best first
        inside each group.
    """
    parts = []
    for value, g in df.groupby(by, sort=True):
        r = ranks(g, metric, treatment, blocks).reset_index()
        r.insert(0, by, value)
        parts.append(r)
    cols = [by, treatment, "avg_rank", "mean", "n_blocks"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def friedman(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> FriedmanResult:
    """Friedman's test that all treatments rank alike (``scipy.stats.friedmanchisquare``).

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns; only complete blocks are used.

    Returns:
        :class:`FriedmanResult`; statistic and p-value are NaN, with a ``reason``, for fewer
        than 3 treatments, fewer than 2 blocks, or treatments tied in every block.
    """
    table = _table(df, get_metric(metric), treatment, blocks)
    n, k = table.shape
    reason = ""
    if k < 3:
        reason = f"Friedman needs at least 3 treatments, got {k}"
    elif n < 2:
        reason = f"Friedman needs at least 2 complete blocks, got {n}"
    elif bool((table.nunique(axis=1) == 1).all()):
        reason = "every block ties all treatments"
    if reason:
        return FriedmanResult(np.nan, np.nan, n, k, reason)
    res = stats.friedmanchisquare(*(table[c].to_numpy() for c in table.columns))
    return FriedmanResult(float(res.statistic), float(res.pvalue), n, k)


def pairwise_wilcoxon(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test for every pair, Holm-corrected over all pairs.

    The one signed-rank test (:func:`bench.scoring.stats.wilcoxon`: Pratt's zeros, exact up
    to its limit); a pair that differs in no block gets p = 1.

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns; only complete blocks are used.

    Returns:
        Square DataFrame (treatments in :func:`ranks` order, best first) of adjusted
        p-values, symmetric, diagonal 1.
    """
    m = get_metric(metric)
    table = _table(df, m, treatment, blocks)
    names = list(ranks(df, m, treatment, blocks).index)
    pairs = list(combinations(names, 2))
    raw = [wilcoxon(_advantage(table[a], table[b], m), "two-sided") for a, b in pairs]
    adj = holm(raw)
    out = pd.DataFrame(1.0, index=pd.Index(names, name=treatment), columns=names)
    for (a, b), p in zip(pairs, adj, strict=True):
        out.loc[a, b] = out.loc[b, a] = p
    return out


def claimed_order(
    df: pd.DataFrame,
    metric: str | Metric = "test_acc",
    order: Sequence[str] = CLAIMED_ORDER,
    blocks: Sequence[str] = ("dataset", "seed"),
    alpha: float = 0.05,
    treatment: str = "activation",
) -> ClaimedOrder:
    """Put a claimed order (best first) on trial: overall by Kendall's τ, then pair by pair.

    Only the claimed treatments present in the frame take part, over the blocks where all
    of them have a score. For each adjacent pair (A claimed better than B) the advantage
    of A over B per block (A − B, or B − A for a lower-is-better metric) goes into two
    one-sided Wilcoxon signed-rank tests: "A better" and "B better". Each family is
    Holm-corrected over the pairs. Verdict: SUPPORTED when "A better" is significant,
    CONTRADICTED when "B better" is, else INCONCLUSIVE.

    Args:
        df: the results frame (one row per block and treatment, e.g. after select_lr).
        metric: metric name or :class:`Metric`.
        order: the claimed order, best first.
        blocks: the block columns.
        alpha: significance level for the adjusted p-values.
        treatment: the column holding the ``order`` names.

    Returns:
        :class:`ClaimedOrder`; its ``pairs`` frame has ``better``, ``worse``, ``n_blocks``,
        ``median_diff`` (median advantage of ``better``, metric units, > 0 means it did
        better), ``wins``/``ties``/``losses`` (of ``better``), ``p_better``/``p_worse``
        (raw one-sided), ``p_better_holm``/``p_worse_holm`` and ``verdict``.
    """
    m = get_metric(metric)
    present = set(df[treatment].unique()) if treatment in df.columns else set()
    names = tuple(t for t in order if t in present)
    cols = [
        "better",
        "worse",
        "n_blocks",
        "median_diff",
        "wins",
        "ties",
        "losses",
        "p_better",
        "p_worse",
        "p_better_holm",
        "p_worse_holm",
        "verdict",
    ]
    sub = df[df[treatment].isin(names)] if names else df.iloc[:0]
    table = _table(sub, m, treatment, blocks) if names else pd.DataFrame()
    n = len(table)
    observed = ranks(sub, m, treatment, blocks) if names else pd.DataFrame()
    tau = p_tau = np.nan
    if len(names) >= 2 and n > 0:
        tau, p_tau = kendall_tau(names, observed["avg_rank"])
    rows = []
    for a, b in pairwise(names):
        d = _advantage(table[a], table[b], m)
        rows.append(
            [
                a,
                b,
                n,
                float(np.median(d)) if n else np.nan,
                int((d > 0).sum()),
                int((d == 0).sum()),
                int((d < 0).sum()),
                wilcoxon(d, "greater"),
                wilcoxon(d, "less"),
            ]
        )
    pairs = pd.DataFrame(rows, columns=cols[:9])
    pairs["p_better_holm"] = holm(pairs["p_better"])
    pairs["p_worse_holm"] = holm(pairs["p_worse"])
    pairs["verdict"] = [
        pair_verdict(pb, pw, alpha)
        for pb, pw in zip(pairs["p_better_holm"], pairs["p_worse_holm"], strict=True)
    ]
    return ClaimedOrder(names, tau, p_tau, n, alpha, observed, pairs[cols])


def critical_difference(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> CriticalDifference:
    """What a critical-difference diagram needs (Demšar 2006; Benavoli et al. 2016 tests).

    Draws nothing: pass ``.ranks`` and ``.pvalues`` to
    ``scikit_posthocs.critical_difference_diagram``.

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns.

    Returns:
        :class:`CriticalDifference` with average ranks and the Holm-adjusted pairwise
        Wilcoxon p-values (:func:`pairwise_wilcoxon`), same treatment labels.
    """
    r = ranks(df, metric, treatment, blocks)
    p = pairwise_wilcoxon(df, metric, treatment, blocks)
    avg = r["avg_rank"].rename("avg_rank")
    return CriticalDifference(avg, p, int(r["n_blocks"].iloc[0]) if len(r) else 0)


def nemenyi_diagram(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset",),
) -> CriticalDifference:
    """A critical-difference diagram's inputs by Friedman's test and Nemenyi's post-hoc test
    (Demšar 2006; :func:`bench.scoring.stats.nemenyi`) over the complete blocks: average
    ranks and the Nemenyi p-values. Descriptive: where a table ranks more than two arms it
    shows them all at once; the verdicts come from the pairwise signed-rank tests.

    Args:
        df: one row per block and treatment (e.g. seeds averaged: one block per data set).
        metric: metric name or :class:`Metric` (its direction decides which end is best).
        treatment: the column compared.
        blocks: the block columns.

    Returns:
        :class:`CriticalDifference` (Nemenyi p-values; all 1 with fewer than 2 blocks or 3
        treatments, where Friedman's test does not apply).
    """
    m = get_metric(metric)
    table = _table(df, m, treatment, blocks)
    r = ranks(df, m, treatment, blocks)
    names = list(r.index)
    p = pd.DataFrame(1.0, index=pd.Index(names, name=treatment), columns=names)
    if len(table) >= 2 and table.shape[1] >= 3:
        sign = 1.0 if m.higher_is_better else -1.0
        p = nemenyi(sign * table[names]).rename_axis(treatment)
    n = int(r["n_blocks"].iloc[0]) if len(r) else 0
    return CriticalDifference(r["avg_rank"].rename("avg_rank"), p, n)


def _table(df: pd.DataFrame, m: Metric, treatment: str, blocks: Sequence[str]) -> pd.DataFrame:
    """Blocks × treatments table of scores, complete blocks only."""
    blocks = [blocks] if isinstance(blocks, str) else list(blocks)
    missing = [c for c in (treatment, *blocks) if c not in df.columns]
    if missing:
        raise BenchError(f"column(s) {missing} not in the frame; have {list(df.columns)}")
    work = df[[*blocks, treatment]].copy()
    work["_score"] = scores(df, m)
    dup = work.duplicated([*blocks, treatment], keep=False)
    if dup.any():
        example = work.loc[dup, [*blocks, treatment]].iloc[0].to_dict()
        raise BenchError(
            f"several rows per block and {treatment}, e.g. {example}: add the varying column "
            "(init, train.lr …) to blocks, filter the frame, or run select_lr first"
        )
    table = work.pivot(index=blocks, columns=treatment, values="_score")
    table.columns.name = treatment
    return table.dropna(axis=0, how="any").astype(float)


def _rank_table(table: pd.DataFrame, m: Metric) -> pd.DataFrame:
    """Rank within each block: 1 = best in the metric's direction, ties averaged."""
    return table.rank(axis=1, ascending=not m.higher_is_better, method="average")


def _advantage(a: pd.Series, b: pd.Series, m: Metric) -> np.ndarray:
    """Per block, how much better ``a`` did than ``b`` (equal values, even ±inf, → 0)."""
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        d = x - y if m.higher_is_better else y - x
    return np.where(x == y, 0.0, d)


def kendall_tau(claimed: Sequence[str], observed: Mapping[str, float] | pd.Series) -> tuple:
    """Kendall's τ-b (``scipy.stats.kendalltau``) between the positions of a claimed order
    (best first) and each item's observed score, where a lower score is better (an average
    rank, a position): τ = 1 when the observed order is the claimed one, −1 when reversed.

    Args:
        claimed: the items, best first.
        observed: item → observed score (lower = better).

    Returns:
        ``(tau, p)``, the two-sided p-value.
    """
    res = stats.kendalltau(np.arange(len(claimed)), [observed[item] for item in claimed])
    return float(res.statistic), float(res.pvalue)


def rank_correlation(
    observed_order: Sequence[str], claimed_order: Sequence[str]
) -> tuple[float, float]:
    """Kendall tau (``scipy.stats.kendalltau``) between a claimed and an observed order of the
    same items (best first in both, or worst first in both).

    Args:
        observed_order: the items in observed order.
        claimed_order: the same items in claimed order.

    Returns:
        ``(tau, p)``: tau = 1 for identical orders, -1 for reversed ones.

    Raises:
        ValueError: if the two orders hold different items, repeat an item, or have fewer than
            2 items.
    """
    observed, claimed = list(observed_order), list(claimed_order)
    if len(set(observed)) != len(observed) or len(set(claimed)) != len(claimed):
        raise ValueError("rank_correlation: an order repeats an item")
    if set(observed) != set(claimed):
        raise ValueError(
            f"rank_correlation: orders differ in items: {sorted(set(observed) ^ set(claimed))}"
        )
    if len(observed) < 2:
        raise ValueError("rank_correlation: need at least 2 items")
    return kendall_tau(claimed, {item: i for i, item in enumerate(observed)})
