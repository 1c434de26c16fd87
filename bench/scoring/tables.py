"""The typed records of a general report: what :func:`bench.scoring.headline.headline`
returns and :mod:`bench.report.default` formats (numbers and verdicts only, no text).

Public:
    Intro, Claimed, PerDataset, Inits, Health, Slice, Speed, Setup, Headline
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

    from bench.scoring import advice, ranks, tuning
    from bench.scoring.ranking import Ranking

__all__ = [
    "Claimed",
    "Headline",
    "Health",
    "Inits",
    "Intro",
    "PerDataset",
    "Setup",
    "Slice",
    "Speed",
]


@dataclass
class Intro:
    """The opening paragraph's facts: on what and with what, and who won, by how much and
    how sure, which are the first "What to use" row's (the same record, the same rule).

    Attributes:
        datasets: the data sets, sorted; ``kinds``: (kind, depth, width) of the networks.
        seeds: fewest seeds of any data set.
        advice: the first row of the first slice's "What to use" (its ``best``, ``worst``,
            ``runner_up``, ``comparison`` and ``standing``).
        interval: whether the comparison rests on enough data sets for an interval
            (:data:`bench.scoring.metrics.MIN_CI_N`).
    """

    datasets: list[str]
    kinds: list[tuple]
    seeds: int
    advice: advice.Advice
    interval: bool = True


@dataclass
class Claimed:
    """The claimed order (claim C15) in one slice.

    Attributes:
        order: the claimed order; ``present``: its activations in this slice.
        pairs: :func:`bench.scoring.paired.chain` over every data set of the slice (None
            when fewer than two are present).
        n_datasets: data sets in the slice.
        seed_level: the seed-level reading (:func:`bench.scoring.ranks.claimed_order`).
        groups: per group of data sets (:func:`bench.scoring.robustness.dataset_groups`),
            the chain with its robustness column.
        needed: the fewest data sets with which the chain's pairs, Holm-adjusted together,
            can be decided.
    """

    order: tuple[str, ...]
    present: list[str]
    pairs: pd.DataFrame | None
    n_datasets: int
    seed_level: ranks.ClaimedOrder | None
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)
    needed: int = 0


@dataclass
class PerDataset:
    """Per data set: each activation's mean and CI over seeds, its selected learning rate,
    the best activation per data set (chosen on validation: the best mean validation
    accuracy), average ranks within each data set, validation curves."""

    datasets: list[str]
    summary: pd.DataFrame  # index (dataset, activation): mean, ci95, std, n, n_nonok
    lr: pd.Series  # (dataset, activation) -> selected learning rate
    best: dict[str, str]  # data set -> its best activation on validation
    inner: list[str]  # the blocks inside one data set
    ranks: pd.Series  # (dataset, activation) -> average rank
    curves: pd.DataFrame  # curve_epochs(head, "val_acc")


@dataclass
class Inits:
    """Activation × initializer: mean score in % per cell, the best initializer per
    activation (chosen on validation: the best mean validation accuracy), where
    ``matched`` ranks among the initializers of each activation, and the
    critical-difference diagram of every activation + initializer configuration (Friedman
    + Nemenyi over data sets, descriptive; None with fewer than three)."""

    activations: list[str]
    inits: list[str]
    means: pd.DataFrame  # activation × init, mean score (NaN where the cell is missing)
    percent: pd.DataFrame  # the same × 100 (what the heatmap shows)
    best: dict[str, str]  # activation -> its best initializer on validation
    matched: dict[str, tuple[int, int, float] | None]  # (place, of how many, avg rank)
    diagram: ranks.CriticalDifference | None = None


@dataclass
class Health:
    """Unit health: mean shares per activation, the median gradient ratio, and the series
    of the figures."""

    columns: list[str]
    means: pd.DataFrame  # activation × columns
    gradient_ratio: dict[str, float]
    dead_epochs: pd.DataFrame
    layer_std: pd.DataFrame


@dataclass
class Slice:
    """One value of the axes that slice the report (all of it when none does)."""

    values: tuple
    head: pd.DataFrame
    ranking: Ranking
    claimed: Claimed
    per_dataset: PerDataset
    inits: Inits | None
    convergence: tuple[pd.DataFrame, pd.DataFrame]  # epochs to target, AULC (by activation)
    health: Health | None
    advice: list[advice.Advice] = field(default_factory=list)  # "What to use"

    @property
    def activations(self) -> list[str]:
        """The activations of the slice, best first."""
        return self.ranking.order


@dataclass
class Speed:
    """``bench speed``'s timings as ratios to the reference activation."""

    reference: str
    ratios: pd.DataFrame
    order: list[str]
    timings: pd.DataFrame


@dataclass
class Setup:
    """What the grid holds: the axes that vary (``train.lr`` and ``seed`` last, when they
    do), the configuration columns that do not (a pinned split seed among them), the cells
    per status, the cells' time, the learning rates (tried, where each chosen one lies,
    what a bracket added: :func:`bench.scoring.tuning.rates`) and the split policy
    (:func:`bench.scoring.tuning.split_policy`)."""

    axes: list[str]
    fixed: list[str]
    statuses: dict[str, int]
    cell_time_s: float
    rates: tuning.Rates | None = None
    split: tuple[str, int | None] = ("pinned", 0)


@dataclass
class Headline:
    """Everything a general report shows, decided.

    Attributes:
        frame: the stored rows (with the convergence columns).
        selected: the rows at each configuration's validation-chosen learning rate.
        reference: the convergence reference, ``{column: value}``.
        target: its share (:data:`bench.scoring.base.TARGET_SHARE`).
        inits: the initializers, ``matched`` first; ``head_init`` the headline's.
        slicing: the axes sliced over (never pooled); ``slices`` one record each.
        intro: the opening paragraph's facts (first slice), None with one activation.
        gallery_order: the activations in the claimed order, then the others.
        speed: the timings (None when none are stored).
        failures: non-ok cells counted per activation, initializer and status;
            ``failed_rows`` the first :data:`FAILURES_SHOWN` of them; ``n_failed`` all.
        summary: the appendix table, per configuration.
        setup: what the grid holds.
        no_interval_below: :data:`bench.scoring.metrics.MIN_CI_N` when some configuration
            has fewer seeds on a data set than an interval needs (its means are shown
            alone), else 0.
    """

    frame: pd.DataFrame
    selected: pd.DataFrame
    reference: dict[str, str]
    target: float
    inits: list[str]
    head_init: str
    slicing: list[str]
    slices: list[Slice]
    intro: Intro | None
    gallery_order: list[str]
    speed: Speed | None
    failures: pd.DataFrame
    failed_rows: pd.DataFrame
    n_failed: int
    summary: pd.DataFrame = field(repr=False)
    setup: Setup | None = None
    no_interval_below: int = 0
