"""Which data sets a verdict rests on, and whether it survives other reasonable analyses.

A data-set-level verdict is read for groups of data sets, as the SELU paper did (all of
them, the real ones, the small and the large real ones, and the synthetic ones apart), and
is re-derived under alternative analysis choices. Each pair then gets two readings, kept
apart because they mean different things:

- **sign**: does the effect keep its sign under every alternative, or does it *reverse*
  under one (the reading a reader must see first: the effect itself is fragile);
- **decision**: is a decided verdict still decided under every alternative, or does it
  *lose power* (INCONCLUSIVE: fewer data sets or seeds, not a different answer) or change
  to another verdict; an undecided one says where it would be decided.

An alternative that does not exist for a family (one initializer, one kind or one size of
data set, one seed) is not counted and not left out silently: the readings name it with
"—" (``absent``).

Public:
    SMALL                   a data set with fewer rows than this is small (1000)
    GROUPS                  the group labels, in report order
    dataset_groups(frame) -> dict[label, list[str]]
                            the data sets of each non-empty group
    ALTERNATIVES            the alternative analyses, by label
    ABSENT                  the name of each alternative in an "absent" reading
    readings(main, alternatives, keys=()) -> DataFrame
                            the main rows with the sign and decision readings, from the
                            same family's rows under each alternative (one without
                            tables: absent, "—")
    rederive(conv, datasets, init, family, lr_metric="val_acc") -> dict
                            the family's tables under each alternative (an empty list
                            where it does not exist), for :func:`readings`
    robust(conv, datasets, init, family, lr_metric="val_acc", keys=()) -> DataFrame
                            a family of comparisons (``family(rows, companions) ->
                            compare_family's table``) on these data sets, with its
                            readings under every alternative (the one helper a claim or
                            a report table calls with its unselected rows; ``lr_metric``
                            None where the family reads every rate of a sweep)
    robust_chain(conv, datasets, init, order=CLAIMED_ORDER, lr_metric="val_acc") -> DataFrame
                            :func:`robust` of :func:`bench.scoring.paired.chain`

Kind and size come from the data-set registry (:mod:`bench.data`, read without torch); a
user's ``csv:`` table counts as real, its size estimated from its training rows.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import pandas as pd

from bench.scoring import metrics, paired
from bench.scoring.verdicts import CLAIMED_ORDER

SMALL = 1000
GROUPS = (
    "all data sets",
    "real",
    f"real, < {SMALL} samples",
    f"real, ≥ {SMALL} samples",
    "synthetic",
)
ALTERNATIVES = {
    "lr": "learning rate chosen on the best-epoch validation accuracy",
    "init": "torch_default initializer",
    "real": "real data sets only",
    "synthetic": "synthetic data sets only",
    "small": f"real data sets < {SMALL} samples only",
    "large": f"real data sets ≥ {SMALL} samples only",
    "seeds": "each half of the seeds, its rates chosen again on it",
}
ABSENT = {
    "lr": "best-epoch selection",
    "init": "other initializer",
    "real": "real vs synthetic",
    "synthetic": "real vs synthetic",
    "small": "small vs large",
    "large": "small vs large",
    "seeds": "seed halves",
}
_DECIDED = ("SUPPORTED", "CONTRADICTED", "EQUIVALENT")


def _kind_and_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Per data set of ``frame``: ``kind`` (real / synthetic) and ``rows``."""
    from bench import data
    from bench.records import CSV_PREFIX

    rows = []
    for name, part in frame.groupby("dataset", sort=True):
        if str(name).startswith(CSV_PREFIX) or name not in data.REGISTRY:
            n_train = pd.to_numeric(part.get("n_train"), errors="coerce").max()
            share = pd.to_numeric(part.get("data.train_size"), errors="coerce").max()
            estimate = n_train / 0.6 / (share if share == share and share else 1.0)
            rows.append((name, "real", int(estimate) if estimate == estimate else 0))
        else:
            entry = data.REGISTRY[name]
            rows.append((name, entry.kind, entry.rows))
    return pd.DataFrame(rows, columns=["dataset", "kind", "rows"]).set_index("dataset")


def dataset_groups(frame: pd.DataFrame) -> dict[str, list[str]]:
    """The data sets of ``frame`` in each group of :data:`GROUPS` (empty groups left out;
    "all data sets" only when it differs from "real").

    Returns:
        Group label → sorted data-set names.
    """
    info = _kind_and_rows(frame)
    real = info[info["kind"] == "real"]
    found = {
        GROUPS[0]: list(info.index),
        GROUPS[1]: list(real.index),
        GROUPS[2]: list(real.index[real["rows"] < SMALL]),
        GROUPS[3]: list(real.index[real["rows"] >= SMALL]),
        GROUPS[4]: list(info.index[info["kind"] != "real"]),
    }
    if found[GROUPS[0]] == found[GROUPS[1]]:
        del found[GROUPS[0]]
    if found.get(GROUPS[2]) == found[GROUPS[1]] or found.get(GROUPS[3]) == found[GROUPS[1]]:
        found.pop(GROUPS[2]), found.pop(GROUPS[3])  # one size only: the real row says it
    return {k: v for k, v in found.items() if v}


Family = Callable[[pd.DataFrame, bool], pd.DataFrame]


def _family(
    selected: pd.DataFrame,
    datasets: Sequence[str],
    init: str | None,
    family: Family,
    companions: bool = False,
) -> pd.DataFrame:
    """The family on these data sets (and this initializer: None keeps every one); an
    alternative reading needs no companions."""
    keep = selected["dataset"].isin(datasets)
    if init is not None:
        keep &= selected["init"] == init
    return family(selected[keep], companions)


def _reverses(main: float, other: float) -> bool:
    return (main > 0 and other < 0) or (main < 0 and other > 0)


def readings(
    main: pd.DataFrame,
    alternatives: Mapping[str, Sequence[pd.DataFrame]],
    keys: Sequence[str] = (),
) -> pd.DataFrame:
    """The two robustness readings of each row of a family, from the same family's rows
    (matched by ``comparison`` and ``keys``) under each alternative analysis (an alternative
    may have several tables, e.g. the two halves of the seeds: each must agree; one with no
    table does not exist for this family: it is not counted and is named in ``absent``).

    Args:
        main: the family's rows (:func:`bench.scoring.paired.compare_family`).
        alternatives: alternative key (of :data:`ALTERNATIVES`, or any label) → its tables.
        keys: columns that tell apart rows sharing a ``comparison`` text (e.g. a size or
            a reading of the same comparison); every table must carry them.

    Returns:
        A copy of ``main`` with ``alternatives`` (how many exist), ``reverses`` (under how
        many the effect changes sign), ``holds`` (under how many the verdict is the same),
        ``sign`` (``holds in 4/4`` or ``reverses under …``), ``decision`` (``still decided
        in 4/4``, ``loses power under … (INCONCLUSIVE)``, ``changes under … (EQUIVALENT)``,
        ``undecided in 4/4`` or ``decided under … (SUPPORTED)``), ``absent`` (``other
        initializer: —; small vs large: —``, the alternatives that do not exist, by their
        :data:`ABSENT` names; '' when every one exists) and ``robustness`` (the three, sign
        first). With no alternative at all, sign and decision read "—".
    """
    index = ["comparison", *keys] if keys else "comparison"
    found = {
        key: [t.set_index(index) if not t.empty else t for t in tables]
        for key, tables in alternatives.items()
        if len(tables)
    }
    n = len(found)
    missing = [ABSENT.get(k, k) for k, tables in alternatives.items() if not len(tables)]
    absent = "; ".join(f"{name}: —" for name in dict.fromkeys(missing))
    out = main.copy()
    reverses, holds, signs, decisions = [], [], [], []
    labels = list(main.set_index(index).index)
    for label, effect, verdict in zip(labels, main["effect"], main["verdict"], strict=True):
        flipped, kept, moved = [], 0, []
        for key, tables in found.items():
            name = ALTERNATIVES.get(key, key)
            rows = [t.loc[label] for t in tables if not t.empty and label in t.index]
            if any(_reverses(effect, r["effect"]) for r in rows):
                flipped.append(name)
            other = [str(r["verdict"]) for r in rows] if len(rows) == len(tables) else []
            if other and all(v == verdict for v in other):
                kept += 1
            else:
                moved.append(f"{name} ({next((v for v in other if v != verdict), 'absent')})")
        reverses.append(len(flipped))
        holds.append(kept)
        if not n:
            signs.append("—")
        else:
            signs.append(
                f"holds in {n}/{n}" if not flipped else "reverses under " + ", ".join(flipped)
            )
        decisions.append(_decision(verdict, kept, n, moved) if n else "—")
    out["alternatives"] = n
    out["reverses"] = reverses
    out["holds"] = holds
    out["sign"] = signs
    out["decision"] = decisions
    out["absent"] = absent
    out["robustness"] = [
        f"sign {s} — {d}" + (f" ({absent})" if absent else "")
        for s, d in zip(signs, decisions, strict=True)
    ]
    return out


def _decision(verdict: str, kept: int, n: int, moved: list[str]) -> str:
    """The decision reading of one row (see :func:`readings`)."""
    decided = verdict in _DECIDED
    if not moved:
        return f"{'still decided' if decided else 'undecided'} in {n}/{n}"
    if not decided:
        return "decided under " + ", ".join(moved)
    weak = [m for m in moved if m.endswith("(INCONCLUSIVE)") or m.endswith("(absent)")]
    other = [m for m in moved if m not in weak]
    parts = [f"still decided in {kept}/{n}"]
    parts += ["loses power under " + ", ".join(weak)] if weak else []
    parts += ["changes under " + ", ".join(other)] if other else []
    return "; ".join(parts)


def robust_chain(
    conv: pd.DataFrame,
    datasets: Sequence[str],
    init: str,
    order: Sequence[str] = CLAIMED_ORDER,
    lr_metric: str = "val_acc",
) -> pd.DataFrame:
    """The claimed chain (:func:`bench.scoring.paired.chain` of ``order``, best first) on
    ``datasets`` with initializer ``init``, with each pair's readings (:func:`robust`)."""

    def family(part: pd.DataFrame, companions: bool) -> pd.DataFrame:
        return paired.chain(part, order, companions)

    return robust(conv, datasets, init, family, lr_metric)


def _select(conv: pd.DataFrame, lr_metric: str | None) -> pd.DataFrame:
    """Each configuration at its rate chosen on ``lr_metric``; None: every rate kept."""
    return conv if lr_metric is None else metrics.select_lr(conv, lr_metric)


def robust(
    conv: pd.DataFrame,
    datasets: Sequence[str] | None,
    init: str | None,
    family: Family,
    lr_metric: str | None = "val_acc",
    keys: Sequence[str] = (),
) -> pd.DataFrame:
    """A family of comparisons on ``datasets`` with initializer ``init`` (each configuration at
    its rate chosen on ``lr_metric``), with each pair's two readings (:func:`readings`)
    under the :data:`ALTERNATIVES` (:func:`rederive`).

    Args:
        conv: the frame before learning-rate selection (with the convergence columns when
            ``lr_metric`` needs them).
        datasets: the group's data sets (None: every data set of ``conv``).
        init: the initializer of the comparison (None: the rows of every initializer, as
            where the initializer is an arm: no "other initializer" reading).
        family: the comparisons, from the rows of one reading (one configuration per data
            set × seed × arm) and whether to add the Bayesian companions: a table of
            :func:`bench.scoring.paired.compare_family` (``comparison``, ``effect`` and
            ``verdict`` columns, one row per pair).
        lr_metric: the validation metric of the main reading (None: no rate is chosen,
            the family reads every rate of the frame, as a learning-rate sweep does; then
            there is no other-criterion reading).
        keys: columns that tell apart the family's rows sharing a ``comparison`` text
            (:func:`readings`).

    Returns:
        ``family``'s table plus the columns of :func:`readings`.
    """
    if datasets is None:
        datasets = sorted(set(conv["dataset"]))
    selected = _select(conv, lr_metric)
    main = _family(selected, datasets, init, family, companions=True)
    if main.empty:
        return main
    return readings(main, rederive(conv, datasets, init, family, lr_metric), keys)


def rederive(
    conv: pd.DataFrame,
    datasets: Sequence[str] | None,
    init: str | None,
    family: Family,
    lr_metric: str | None = "val_acc",
) -> dict[str, list[pd.DataFrame]]:
    """``family`` re-derived under each of the :data:`ALTERNATIVES` (arguments as
    :func:`robust`'s): another criterion for the learning rate (the best-epoch validation
    accuracy; the final-epoch one when that is the main criterion; where the frame has
    it; none when ``lr_metric`` is None); the ``torch_default``
    initializer (when the frame has it and ``init`` is another one); the real and the
    synthetic data sets apart (when ``datasets`` holds both kinds); the small and the
    large real ones apart (when they hold both sizes); each half of the seeds, its rates
    chosen again on that half's validation scores (two or more seeds; both halves must
    agree).

    Returns:
        Alternative key → its tables, every key of :data:`ALTERNATIVES`: an empty list
        where the alternative does not exist (:func:`readings` names it "—").
    """
    if datasets is None:
        datasets = sorted(set(conv["dataset"]))
    alternatives: dict[str, list[pd.DataFrame]] = {k: [] for k in ALTERNATIVES}
    best = "best_val_acc" if lr_metric != "best_val_acc" else "val_acc"
    if lr_metric is not None and best in conv.columns:  # else no other criterion to read
        alternatives["lr"] = [_family(metrics.select_lr(conv, best), datasets, init, family)]
    selected = _select(conv, lr_metric)
    if init is not None and "torch_default" in set(conv["init"]) and init != "torch_default":
        alternatives["init"] = [_family(selected, datasets, "torch_default", family)]
    info = _kind_and_rows(conv[conv["dataset"].isin(datasets)])
    real = info[info["kind"] == "real"]
    subsets = {
        "real": list(real.index),
        "synthetic": list(info.index[info["kind"] != "real"]),
        "small": list(real.index[real["rows"] < SMALL]),
        "large": list(real.index[real["rows"] >= SMALL]),
    }
    for pair in (("real", "synthetic"), ("small", "large")):
        if all(0 < len(subsets[k]) < len(info) for k in pair):
            for k in pair:
                alternatives[k] = [_family(selected, subsets[k], init, family)]
    seeds = sorted(set(selected["seed"]))
    if len(seeds) >= 2:
        half = (len(seeds) + 1) // 2
        alternatives["seeds"] = [
            _family(_select(conv[conv["seed"].isin(h)], lr_metric), datasets, init, family)
            for h in (seeds[:half], seeds[half:])
        ]
    return alternatives
