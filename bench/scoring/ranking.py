"""The activations ranked in one slice: the one ranking the general report, ``bench quick``
and :func:`bench.api.ranking` print, with its blocks and tests.

Public:
    order(values, preferred) -> list
                        ``values`` in ``preferred`` order, others after alphabetically
    varying(df, exclude=()) -> list[str]
                        the configuration columns that take several values
    blocks_for(head) -> list[str]
                        paired units for comparing activations: every varying setting but
                        them and the initializer (at least the data set), and the seed
    HEAD_INIT           the initializer the headline compares (``matched``)
    head_init(frame) -> str
                        ``matched`` when the frame has it, else the first by name
    Ranking             the activations ranked in one slice; ``decidable`` says whether its
                        blocks let any pair reach α after Holm (:func:`stats.needed`)
    rank_activations(head, metric="test_acc", blocks=None) -> Ranking
    rank_results(frame, metric="test_acc") -> Ranking
                        the report's overall ranking of a results frame: each configuration
                        at its learning rate chosen on validation, the headline initializer
    ranking_table(ranking) -> DataFrame
                        a Ranking as the table :func:`bench.api.ranking` returns
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bench.scoring import metrics, ranks, stats
from bench.scoring.verdicts import ALPHA

HEAD_INIT = "matched"


def order(values: Sequence[Any], preferred: Sequence[Any]) -> list:
    """``values`` (each once) in ``preferred`` order, unknown ones after, alphabetically."""
    rank = {v: i for i, v in enumerate(preferred)}
    return sorted(dict.fromkeys(values), key=lambda v: (rank.get(v, len(rank)), v))


def varying(df: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    """The configuration columns (:data:`bench.scoring.metrics.CONFIG_COLUMNS`) of ``df``
    that take more than one value, ``exclude`` left out."""
    return [
        c
        for c in metrics.CONFIG_COLUMNS
        if c in df.columns and c not in exclude and df[c].nunique(dropna=False) > 1
    ]


def head_init(frame: pd.DataFrame) -> str:
    """The initializer the headline tables compare: :data:`HEAD_INIT` when ``frame`` has
    it, else the first by name."""
    return order(frame["init"], [HEAD_INIT])[0]


def blocks_for(head: pd.DataFrame) -> list[str]:
    """Paired units for comparing activations: every varying setting but the activation and
    the initializer (at least the data set), and the seed."""
    return [*(varying(head, exclude=("activation", "init")) or ["dataset"]), "seed"]


@dataclass
class Ranking:
    """The activations ranked in one slice, one initializer.

    Attributes:
        metric: the ranked metric.
        blocks: the block columns (the seed last); ``outer``: the same without the seed
            (the data-set level).
        ranks: average rank, mean score and blocks per activation, best first.
        summary: mean, 95 % CI, std, n, n_nonok per activation (index: activation).
        friedman / friedman_datasets: Friedman's test over the blocks, and over the
            ``outer`` blocks with seeds averaged first.
        differ: Friedman's p over the blocks is below α.
        cd: ranks and Holm-adjusted pairwise Wilcoxon p over the blocks (what
            :func:`bench.api.ranking` reads).
        pairwise_datasets: the same pairwise p-values with seeds averaged first, one block
            per ``outer`` value (None with a single one).
        init: the initializer of ``head`` ("" when it holds several).
        diagram: the critical-difference diagram's inputs, Friedman + Nemenyi at the
            data-set level (seeds averaged first; over the blocks with one data set):
            descriptive, drawn by the report (:func:`bench.scoring.ranks.nemenyi_diagram`).
    """

    metric: str
    blocks: list[str]
    outer: list[str]
    ranks: pd.DataFrame
    summary: pd.DataFrame
    friedman: ranks.FriedmanResult
    friedman_datasets: ranks.FriedmanResult
    differ: bool
    cd: ranks.CriticalDifference
    pairwise_datasets: pd.DataFrame | None
    init: str = ""
    diagram: ranks.CriticalDifference | None = None

    @property
    def order(self) -> list[str]:
        """The activations, best first."""
        return list(self.ranks.index)

    @property
    def n_blocks(self) -> int:
        """The complete blocks ranked over."""
        return int(self.ranks["n_blocks"].iloc[0]) if len(self.ranks) else 0

    @property
    def pairs(self) -> int:
        """The pairwise comparisons Holm adjusts together (every pair of activations)."""
        k = len(self.ranks)
        return k * (k - 1) // 2

    @property
    def smallest_p(self) -> float:
        """The smallest two-sided Wilcoxon p the blocks allow, before Holm."""
        return stats.smallest_p(self.n_blocks, "two-sided")

    @property
    def smallest_p_holm(self) -> float:
        """The smallest p any pair can get after Holm over :attr:`pairs`."""
        return min(1.0, max(self.pairs, 1) * self.smallest_p)

    @property
    def decidable(self) -> bool:
        """Whether any pair can reach α at all: enough blocks for a two-sided Wilcoxon test,
        Holm-adjusted over :attr:`pairs`, to get below it (the rule of
        :func:`bench.scoring.stats.needed`, which the data-set-level comparisons use)."""
        return self.n_blocks >= stats.needed(ALPHA, "two-sided", max(self.pairs, 1))


def rank_activations(
    head: pd.DataFrame, metric: str = "test_acc", blocks: Sequence[str] | None = None
) -> Ranking:
    """Rank the activations of ``head`` (one row per block and activation: one initializer,
    the learning rate selected) on ``metric`` over ``blocks`` (default :func:`blocks_for`).

    Returns:
        The :class:`Ranking`.
    """
    blocks = list(blocks or blocks_for(head))
    outer = [b for b in blocks if b != "seed"]
    r = ranks.ranks(head, metric, "activation", blocks)
    summary = metrics.summarize(head, metric, by="activation").set_index("activation")
    fr = ranks.friedman(head, metric, "activation", blocks)
    avg = metrics.average_over(head, metric, keep=[*outer, "activation"])
    fd = ranks.friedman(avg, metric, "activation", outer)
    cd = ranks.critical_difference(head, metric, "activation", blocks)
    several = len(avg.drop_duplicates(outer)) > 1
    pd_ = ranks.pairwise_wilcoxon(avg, metric, "activation", outer) if several else None
    differ = not fr.reason and fr.pvalue < ALPHA
    inits = head["init"].unique() if "init" in head.columns else []
    init = str(inits[0]) if len(inits) == 1 else ""
    diagram = (
        ranks.nemenyi_diagram(avg, metric, "activation", outer)
        if several
        else ranks.nemenyi_diagram(head, metric, "activation", blocks)
    )
    return Ranking(metric, blocks, outer, r, summary, fr, fd, differ, cd, pd_, init, diagram)


def rank_results(frame: pd.DataFrame, metric: str = "test_acc") -> Ranking:
    """The report's overall ranking of a results frame (what ``bench quick`` prints): each
    configuration at its learning rate chosen on validation (:func:`metrics.select_lr`),
    the :func:`head_init` initializer, ranked by :func:`rank_activations`.

    Args:
        frame: ``Store.frame`` rows (not empty).
        metric: the metric ranked.

    Returns:
        The :class:`Ranking` (its ``init`` the initializer compared).
    """
    sel = metrics.select_lr(frame)
    return rank_activations(sel[sel["init"] == head_init(sel)], metric)


def ranking_table(r: Ranking) -> pd.DataFrame:
    """A :class:`Ranking` as the table :func:`bench.api.ranking` returns (its docstring
    names the columns and ``attrs``): one row per activation, best first."""
    import numpy as np

    ranks_, s, p = r.ranks, r.summary, r.cd.pvalues
    best = ranks_.index[0]
    by_datasets = r.pairwise_datasets
    rows = []
    for act in ranks_.index:
        rows.append(
            {
                "activation": act,
                "mean": s.at[act, "mean"],
                "ci95": s.at[act, "ci95"],
                "avg_rank": ranks_.at[act, "avg_rank"],
                "delta": s.at[act, "mean"] - s.at[best, "mean"],
                "p_vs_best": np.nan if act == best else p.at[act, best],
                "p_vs_best_datasets": (
                    np.nan
                    if act == best or by_datasets is None or act not in by_datasets.index
                    else by_datasets.at[act, best]
                ),
                "n": int(s.at[act, "n"]),
                "n_nonok": int(s.at[act, "n_nonok"]),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        init=r.init,
        blocks=r.blocks,
        n_blocks=r.n_blocks,
        friedman=_as_dict(r.friedman),
        friedman_datasets=_as_dict(r.friedman_datasets),
        smallest_p=r.smallest_p,
        pairs=r.pairs,
        smallest_p_holm=r.smallest_p_holm,
        decidable=r.decidable,
        min_ci_n=metrics.MIN_CI_N,
    )
    return out


def _as_dict(result: Any) -> dict[str, Any]:
    return {k: getattr(result, k) for k in ("statistic", "pvalue", "n_blocks", "k", "reason")}
