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
    Ranking             the activations ranked in one slice
    rank_activations(head, metric="test_acc", blocks=None) -> Ranking
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from bench.scoring import metrics, ranks
from bench.scoring.verdicts import ALPHA


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
        cd: the critical-difference inputs (ranks and Holm-adjusted pairwise Wilcoxon p
            over the blocks).
        pairwise_datasets: the same pairwise p-values with seeds averaged first, one block
            per ``outer`` value (None with a single one).
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

    @property
    def order(self) -> list[str]:
        """The activations, best first."""
        return list(self.ranks.index)


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
    return Ranking(metric, blocks, outer, r, summary, fr, fd, differ, cd, pd_)
