"""What to use: for each setting a store covers, the activation and initializer the evidence
supports, how sure that is, and the runner-up that is practically as good.

Public:
    Advice              one row of the "What to use" table
    advise(selected, groups, speed=None, label="", conv=None) -> list[Advice]
                        one row per group of data sets, and one for "speed matters"
    advise_suite(frame, timings=None, label="") -> list[Advice]
                        the same from a suite's stored rows (learning rates chosen here)

A configuration is an (activation, initializer) pair, each at its validation-chosen learning
rate. Per group of data sets (real, synthetic, …) the configurations are ranked by their mean
*validation* rank over data sets (seeds averaged first; rank 1 = the best validation accuracy
on a data set), Demšar's reading: the test split chooses nothing, so the first is a control
chosen in advance of every test on test scores, and "beats N of the others" is one family.
It is then compared with every other on *test* accuracy at the data-set level, one family
(:func:`bench.scoring.paired.compare_pairs`: the one-sided signed-rank test, Holm over
those comparisons, TOST for equivalence):

- **decided**: it is significantly better than every other configuration, and no
  difference is inside ±1 point;
- **tie**: the runner-up is practically equivalent to it (inside ±1 point by the verdict
  rule: TOST, Holm, and the mean and Hodges–Lehmann estimate inside);
- **open**: neither; the runner-up is not shown to be worse.

Whether the first *leads* the runner-up at all is :attr:`Advice.standing`: ``ahead`` (a
higher mean test accuracy), ``level`` (the same accuracy on every data set: no lead), or
``behind`` (first by mean rank, lower by mean accuracy). The report's opening paragraph and
its "What to use" table both read these records.

When the best mean validation rank and the best mean validation accuracy belong to
different configurations, the row says so: a mean rank counts wins, a mean accuracy also
weighs how badly a configuration fails where it fails.

Given the rows before learning-rate selection, each comparison of the family gets its two
robustness readings (:func:`bench.scoring.robustness.robust`'s alternatives, the same first
and the same others: a control chosen in advance; no "other initializer" reading, the
initializer being part of each configuration): :attr:`Advice.robustness` is the first
against the runner-up, :attr:`Advice.pairs` the whole family.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from bench.scoring import metrics, paired, robustness, speed
from bench.scoring.verdicts import ALPHA


@dataclass(frozen=True)
class Advice:
    """One setting's answer.

    Attributes:
        setting: what it covers (e.g. ``real data sets, mlp 8×64``).
        n_datasets: data sets behind it.
        best: the configuration ranked first on validation (``activation`` with ``init``).
        how_sure: ``decided``, ``tie`` or ``open`` (see the module docstring).
        runner_up: the configuration ranked second on validation.
        runner_up_verdict: the first against it, after Holm: ``A>B`` (the first better),
            ``B>A``, ``EQUIVALENT`` (inside ±1 point, whether or not a difference is also
            shown) or ``INCONCLUSIVE``.
        effect: the first's lead over it, test accuracy (fraction).
        beaten: how many of the other configurations the first beats significantly.
        others: how many other configurations there are.
        best_by_mean: the configuration with the best mean validation accuracy, when it
            differs.
        note: one sentence for the table, or ''.
        unbeaten: the other configurations the first is not shown to beat (Holm).
        comparison: the first against the runner-up, data-set level (None without one).
        best_mean / worst_mean: mean test accuracy of the first and of ``worst``, the
            configuration ranked last on validation (over the data sets, seeds averaged
            first).
        pairs: the family (the first against every other, one row each, with the
            robustness readings when the rows before selection were given), or None.
    """

    setting: str
    n_datasets: int
    best: str
    how_sure: str
    runner_up: str
    runner_up_verdict: str
    effect: float
    beaten: int
    others: int
    best_by_mean: str = ""
    note: str = ""
    unbeaten: tuple[str, ...] = ()
    comparison: paired.Comparison | None = None
    best_mean: float = float("nan")
    worst: str = ""
    worst_mean: float = float("nan")
    pairs: pd.DataFrame | None = None

    @property
    def standing(self) -> str:
        """The first against the runner-up: ``ahead`` (higher mean test accuracy),
        ``level`` (no data set tells them apart: not a lead, whatever the ranks' order) or
        ``behind`` (lower or equal mean accuracy though ranked first)."""
        c = self.comparison
        if c is None or (c.wins == 0 and c.losses == 0):
            return "level"
        return "ahead" if c.effect > 0 else "behind"

    @property
    def readings(self) -> dict:
        """The first against the runner-up: its ``sign``, ``reverses``, ``decision`` and
        ``absent`` robustness readings (empty without them)."""
        t = self.pairs
        if t is None or t.empty or "sign" not in t:
            return {}
        first = t.iloc[0]
        return {k: first[k] for k in ("sign", "reverses", "decision", "absent")}


_OUTCOME = {"SUPPORTED": "A>B", "CONTRADICTED": "B>A", "INCONCLUSIVE": "INCONCLUSIVE"}


def _label(activation: str, init: str) -> str:
    return f"{activation} + {init}"


def _arms(frame: pd.DataFrame) -> list[str]:
    return [_label(a, i) for a, i in zip(frame["activation"], frame["init"], strict=True)]


def _advise_group(
    selected: pd.DataFrame, setting: str, conv: pd.DataFrame | None = None
) -> Advice | None:
    work = selected.assign(arm=_arms(selected))
    work["score"] = metrics.scores(work, "test_acc")
    work["val"] = metrics.scores(work, "val_acc")
    both = work.groupby(["dataset", "arm"])[["score", "val"]].mean().unstack()
    both = both.dropna(axis=0, how="any")
    means, val = both["score"], both["val"]
    if means.shape[1] < 2 or means.empty:
        return None
    # the choice on validation; the test scores only compare it with the others afterwards
    mean_rank = val.rank(axis=1, ascending=False).mean().sort_values(kind="stable")
    order = list(mean_rank.index)
    best, others = order[0], order[1:]
    pairs = [paired.Pair(f"{best} > {o}", work, best, o) for o in others]
    table, comparisons = paired.compare_pairs(pairs)
    if conv is not None:

        def family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
            arms = rows.assign(arm=_arms(rows))
            return paired.compare_family(
                [paired.Pair(f"{best} > {o}", arms, best, o) for o in others],
                companions=companions,
            )

        sets = sorted(set(selected["dataset"]))
        table = robustness.readings(table, robustness.rederive(conv, sets, None, family))
    beaten_mask = (table["verdict"] == "SUPPORTED").to_numpy()
    # inside the margin as the verdict rule reads it: TOST, and the mean and HL inside
    equivalent = ((table["p_equiv_holm"] < ALPHA) & table["inside"].astype(bool)).to_numpy()
    runner = others[0]
    runner_equivalent = bool(equivalent[0])
    beaten = int(beaten_mask.sum())
    unbeaten = tuple(o for o, b in zip(others, beaten_mask, strict=True) if not b)
    if beaten == len(others) and not equivalent.any():
        how = "decided"
    elif runner_equivalent:
        how = "tie"
    else:
        how = "open"
    by_mean = val.mean().idxmax()
    note = ""
    if by_mean != best:
        top, own = 100 * val[by_mean].mean(), 100 * val[best].mean()
        digits = 1 if f"{top:.1f}" != f"{own:.1f}" else 2  # never "85.4 % vs 85.4 %"
        note = (
            f"{by_mean} has the best mean validation accuracy ({top:.{digits}f} % vs "
            f"{own:.{digits}f} %), {best} the best mean validation rank: it wins on more data "
            "sets, the other loses less where it loses"
        )
    worst = order[-1]
    return Advice(
        setting,
        len(means),
        best,
        how,
        runner,
        "EQUIVALENT" if runner_equivalent else _OUTCOME.get(table["verdict"].iloc[0], ""),
        float(table["effect"].iloc[0]),
        beaten,
        len(others),
        by_mean if by_mean != best else "",
        note,
        unbeaten,
        comparisons[0],
        float(means[best].mean()),
        worst,
        float(means[worst].mean()),
        table,
    )


def advise(
    selected: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    speed: pd.DataFrame | None = None,
    label: str = "",
    conv: pd.DataFrame | None = None,
) -> list[Advice]:
    """The "What to use" rows of one slice.

    Args:
        selected: rows at each configuration's validation-chosen learning rate.
        groups: group label → its data sets (:func:`bench.scoring.robustness.dataset_groups`).
        speed: ``bench.scoring.speed.ratios`` (None: no "speed matters" row).
        label: the slice, appended to each setting (``mlp 8×64``).
        conv: the same rows before learning-rate selection (None: no robustness readings).

    Returns:
        One :class:`Advice` per group with two or more configurations on common data sets,
        then, with timings, one for "speed matters": among the configurations of the first
        group that its winner does not beat significantly, the fastest (forward+backward at
        the widest width timed).
    """
    out = []
    for group, sets in groups.items():
        part = selected[selected["dataset"].isin(sets)]
        before = None if conv is None else conv[conv["dataset"].isin(sets)]
        advice = _advise_group(part, f"{group}{', ' + label if label else ''}", before)
        if advice is not None:
            out.append(advice)
    if out and speed is not None and not speed.empty:
        fast = _fastest_contender(out[0], speed)
        if fast is not None:
            out.append(fast)
    return out


def _fastest_contender(first: Advice, speed: pd.DataFrame) -> Advice | None:
    width = speed["width"].max()
    cost = speed[(speed["width"] == width) & (speed["pass"] == "forward_backward")]
    ratio = cost.set_index("activation")["ratio_median"]
    contenders = [first.best, *first.unbeaten]  # the first's own Holm decisions
    timed = [a for a in contenders if a.split(" + ")[0] in ratio.index]
    if not timed:
        return None
    fastest = min(timed, key=lambda a: (ratio[a.split(" + ")[0]], a))
    return Advice(
        "speed matters",
        first.n_datasets,
        fastest,
        "open" if fastest != first.best else first.how_sure,
        first.best,
        "",
        float("nan"),
        0,
        len(contenders) - 1,
        note=(
            f"the fastest ({ratio[fastest.split(' + ')[0]]:.2f}× relu's time per training "
            f"step at width {int(width)}) of the best one and the {len(contenders) - 1} "
            f"configuration{'s' if len(contenders) > 2 else ''} it is not shown to beat"
            if len(contenders) > 1
            else f"{ratio[fastest.split(' + ')[0]]:.2f}× relu's time per training step at "
            f"width {int(width)}"
        ),
    )


def advise_suite(
    frame: pd.DataFrame, timings: pd.DataFrame | None = None, label: str = ""
) -> list[Advice]:
    """:func:`advise` from a suite's stored rows: each configuration at its
    validation-chosen learning rate, the groups of :func:`robustness.dataset_groups`, and
    the speed ratios against relu when the timings have it (``Store.timings()``), each
    comparison with its robustness readings."""
    if frame.empty:
        return []
    selected = metrics.select_lr(frame)
    ratios = None
    if timings is not None and not timings.empty and speed.REFERENCE in set(timings["activation"]):
        ratios = speed.ratios(timings)
    return advise(selected, robustness.dataset_groups(selected), ratios, label, frame)
