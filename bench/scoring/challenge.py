"""A challenger's standing: one activation of a suite (the *challenger*, typically a user's
own, ``package.module:Name``) against every other activation of it (the *baselines*), decided
once here; :mod:`bench.report.challenge` only formats it.

Public:
    ARM_SEP             how a configuration is named: ``activation + init``
    GALLERY             the stored check holding a challenge suite's activation curves
    Standing            one slice's record: where the challenger ranks, its comparisons
    Challenge           the whole record: the suite's headline and one Standing per slice
    configurations(selected) -> DataFrame
                        every activation × initializer configuration ranked at the data-set
                        level (seeds averaged first), on test accuracy
    versus(rows, challenger, baselines) -> DataFrame
                        the challenger against each baseline, one Holm family
                        (:func:`bench.scoring.paired.compare_family`)
    challenge(frame, challenger, timings=None, rule=None) -> Challenge

What is decided, and how (each rule is an existing one, applied to the challenger):

- every configuration is scored at its learning rate chosen on validation
  (:func:`bench.scoring.metrics.select_lr`, inside :func:`bench.scoring.headline.headline`,
  whose record the report also reads: setup, "What to use", unit health, speed);
- *where it ranks*: the configurations' average rank over the data sets of test accuracy,
  each data set one block (its seeds averaged first; Demšar 2006), ties averaged;
- *against every baseline*: with the headline initializer (``matched``), the challenger
  against each baseline at the data-set level, the baselines one Holm family (the rule of
  :func:`bench.scoring.paired.compare`: Wilcoxon, TOST inside the rope, the Bayesian
  signed-rank probabilities beside), on every data set with the robustness column of
  :func:`bench.scoring.robustness.robust`, and per group of data sets (real, synthetic,
  small, large: :func:`bench.scoring.robustness.dataset_groups`), each group its own family.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

from bench.scoring import metrics, paired, ranks, robustness
from bench.scoring.headline import METRIC, headline

if TYPE_CHECKING:
    from bench.scoring.tables import Headline, Slice

GALLERY = "gallery:{suite}"  # bench.speed.curves of a challenge suite (its own: the challenger)
ARM_SEP = " + "  # a configuration: "activation + init", as "What to use" names it
_LABEL = "{a} > {b}"  # one comparison's label: the challenger first

__all__ = ["ARM_SEP", "GALLERY", "Challenge", "Standing", "challenge", "configurations", "versus"]


@dataclass
class Standing:
    """The challenger in one slice of the suite (all of it when nothing slices it).

    Attributes:
        slice: the headline's slice (ranking, health, "What to use" …).
        label: the slice in words (``mlp 8×64``); ``''`` when nothing slices the suite.
        configurations: :func:`configurations` of the slice.
        baselines: the other activations, in the slice ranking's order.
        versus: :func:`versus` on every data set with the robustness columns.
        groups: per group of data sets (:func:`bench.scoring.robustness.dataset_groups`)
            that is not every data set: :func:`versus` on that group, its own family.
        verdicts: verdict → the baselines that got it in ``versus``.
        datasets: group label → its data sets (every group, "all data sets" first).
    """

    slice: Slice
    label: str
    configurations: pd.DataFrame
    baselines: list[str]
    versus: pd.DataFrame
    groups: dict[str, pd.DataFrame] = field(default_factory=dict)
    verdicts: dict[str, list[str]] = field(default_factory=dict)
    datasets: dict[str, list[str]] = field(default_factory=dict)

    @property
    def everything(self) -> list[str]:
        """Every data set of the slice, sorted."""
        return self.datasets.get(robustness.GROUPS[0], [])

    def places(self, challenger: str) -> dict[str, tuple[int, int]]:
        """The challenger's configurations: initializer → (place, of how many)."""
        c = self.configurations
        mine = c[c["activation"] == challenger]
        return {r.init: (int(r.place), len(c)) for r in mine.itertuples()}


@dataclass
class Challenge:
    """Everything a challenge report shows, decided.

    Attributes:
        challenger: the challenger's name (its import path, or a registry name).
        head: the suite's :func:`bench.scoring.headline.headline` record.
        standings: one :class:`Standing` per slice of ``head``.
    """

    challenger: str
    head: Headline
    standings: list[Standing]

    @property
    def init(self) -> str:
        """The initializer the comparisons use (``matched``, else the first by name)."""
        return self.head.head_init


def configurations(selected: pd.DataFrame) -> pd.DataFrame:
    """Every activation × initializer configuration of ``selected`` (one slice, each
    configuration at its chosen learning rate) ranked on test accuracy at the data-set level.

    Returns:
        One row per configuration, best first: ``place`` (1 = best), ``arm``
        (``activation + init``), ``activation``, ``init``, ``avg_rank`` (over the data sets
        that hold every configuration, each data set's seeds averaged first; ties
        averaged), ``val_rank`` (the same on validation accuracy: what "What to use"
        chooses by), ``n_datasets``, ``mean`` and ``ci95`` (test accuracy over every data
        set × seed, :func:`bench.scoring.metrics.summarize`), ``n`` and ``n_nonok``
        (diverged or failed runs).
    """
    work = selected.assign(
        arm=[f"{a}{ARM_SEP}{i}" for a, i in zip(selected["activation"], selected["init"])]
    )
    levels = {}
    for metric in (METRIC, "val_acc"):
        avg = metrics.average_over(work, metric, keep=["dataset", "arm"])
        levels[metric] = ranks.ranks(avg, metric, "arm", ["dataset"])
    test = levels[METRIC]
    summary = metrics.summarize(work, METRIC, by="arm").set_index("arm")
    names = work.drop_duplicates("arm").set_index("arm")[["activation", "init"]]
    out = pd.DataFrame(
        {
            "arm": test.index,
            "activation": names.loc[test.index, "activation"].to_numpy(),
            "init": names.loc[test.index, "init"].to_numpy(),
            "avg_rank": test["avg_rank"].to_numpy(),
            "val_rank": levels["val_acc"]["avg_rank"].reindex(test.index).to_numpy(),
            "n_datasets": test["n_blocks"].to_numpy(),
            "mean": summary.loc[test.index, "mean"].to_numpy(),
            "ci95": summary.loc[test.index, "ci95"].to_numpy(),
            "n": summary.loc[test.index, "n"].to_numpy(),
            "n_nonok": summary.loc[test.index, "n_nonok"].to_numpy(),
        }
    )
    out.insert(0, "place", range(1, len(out) + 1))
    return out


def versus(
    rows: pd.DataFrame, challenger: str, baselines: list[str], companions: bool = True
) -> pd.DataFrame:
    """The challenger against each baseline on test accuracy, at the data-set level, one
    Holm family (:func:`bench.scoring.paired.compare_family`; the claimed direction is the
    challenger's: SUPPORTED = the challenger is better, CONTRADICTED = the baseline is).

    Args:
        rows: one configuration per data set × seed × activation (one initializer, the
            learning rate chosen).
        challenger: the activation on trial.
        baselines: the activations it is compared with, in row order.
        companions: add the Bayesian companions (an alternative reading goes without).

    Returns:
        One row per baseline (``baseline`` first, then compare_family's columns; the
        ``comparison`` label is ``challenger > baseline``).
    """
    work = rows.assign(arm=rows["activation"])
    pairs = [
        paired.Pair(_LABEL.format(a=challenger, b=b), work, challenger, b, info={"baseline": b})
        for b in baselines
    ]
    return paired.compare_family(pairs, companions=companions)


def _standing(h: Headline, s: Slice, label: str, challenger: str) -> Standing:
    values = dict(zip(h.slicing, s.values))
    selected, conv = h.selected, h.frame
    for column, value in values.items():
        selected = selected[selected[column] == value]
        conv = conv[conv[column] == value]
    baselines = [a for a in s.activations if a != challenger]
    groups = robustness.dataset_groups(s.head)
    everything = sorted(set(s.head["dataset"]))

    def family(part: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
        return versus(part, challenger, baselines, companions)

    main = robustness.robust(conv, everything, h.head_init, family)
    by_group = {  # a group that holds every data set is the main reading
        name: family(s.head[s.head["dataset"].isin(sets)])
        for name, sets in groups.items()
        if sorted(sets) != everything
    }
    tally: dict[str, list[str]] = {}
    for r in main.itertuples():
        tally.setdefault(r.verdict, []).append(r.baseline)
    sets = {robustness.GROUPS[0]: everything, **groups}
    return Standing(s, label, configurations(selected), baselines, main, by_group, tally, sets)


def challenge(
    frame: pd.DataFrame,
    challenger: str,
    timings: pd.DataFrame | None = None,
    rule: dict | None = None,
) -> Challenge:
    """Score a challenge suite's stored rows.

    Args:
        frame: ``Store.frame(suite, series=True)`` of a suite that holds ``challenger`` and
            at least one other activation.
        challenger: the activation on trial (as the frame names it).
        timings: ``Store.timings(suite)`` (None or empty: no speed section).
        rule: ``Store.tuning(suite)`` (None: not tuned).

    Returns:
        The :class:`Challenge`.

    Raises:
        ValueError: the frame holds no row of ``challenger``, or no other activation.
    """
    present = set(frame["activation"])
    if challenger not in present:
        raise ValueError(f"no results of the challenger {challenger!r}")
    if len(present) < 2:
        raise ValueError(f"no baseline to compare {challenger!r} with")
    h = headline(frame, timings, rule)
    standings = []
    for s in h.slices:
        label = ", ".join(f"{c} = {v}" for c, v in zip(h.slicing, s.values))
        standings.append(_standing(h, s, label, challenger))
    return Challenge(challenger, h, standings)
