"""Which data sets a verdict rests on, and whether it survives other reasonable analyses.

A data-set-level verdict is read for groups of data sets, as the SELU paper did (all of
them, the real ones, the small and the large real ones, and the synthetic ones apart), and
is re-derived under alternative analysis choices: a verdict that changes under one is
fragile, and the reports say so.

Public:
    SMALL                   a data set with fewer rows than this is small (1000)
    GROUPS                  the group labels, in report order
    dataset_groups(frame) -> dict[label, list[str]]
                            the data sets of each non-empty group
    ALTERNATIVES            the alternative analyses, by label
    robust(conv, datasets, init, family, lr_metric="val_acc") -> DataFrame
                            a family of comparisons (``family(rows) -> compare_family's
                            table``) on these data sets, with a ``robustness`` column
                            ("holds in 4/4", "changes under …")
    robust_chain(conv, datasets, init, order=CLAIMED_ORDER, lr_metric="val_acc") -> DataFrame
                            :func:`robust` of :func:`bench.scoring.paired.chain`

Kind and size come from the data-set registry (:mod:`bench.data`, read without torch); a
user's ``csv:`` table counts as real, its size estimated from its training rows.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

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
    "seeds": "each half of the seeds alone",
}


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


def _family(
    selected: pd.DataFrame,
    datasets: Sequence[str],
    init: str,
    family: Callable[[pd.DataFrame], pd.DataFrame],
    seeds: Sequence[int] | None = None,
) -> pd.DataFrame:
    part = selected[selected["dataset"].isin(datasets) & (selected["init"] == init)]
    if seeds is not None:
        part = part[part["seed"].isin(seeds)]
    return family(part)


def robust_chain(
    conv: pd.DataFrame,
    datasets: Sequence[str],
    init: str,
    order: Sequence[str] = CLAIMED_ORDER,
    lr_metric: str = "val_acc",
) -> pd.DataFrame:
    """The claimed chain (:func:`bench.scoring.paired.chain` of ``order``, best first) on
    ``datasets`` with initializer ``init``, its verdicts re-derived as :func:`robust` says."""
    return robust(conv, datasets, init, lambda part: paired.chain(part, order), lr_metric)


def robust(
    conv: pd.DataFrame,
    datasets: Sequence[str],
    init: str,
    family: Callable[[pd.DataFrame], pd.DataFrame],
    lr_metric: str = "val_acc",
) -> pd.DataFrame:
    """A family of comparisons on ``datasets`` with initializer ``init`` (each configuration
    at its validation-chosen learning rate), and each pair's verdict re-derived under the
    :data:`ALTERNATIVES` that apply: another criterion for the learning rate, the
    ``torch_default`` initializer (when the frame has it), the real data sets only (when
    ``datasets`` holds synthetic ones), and each half of the seeds (when there are two or
    more; both halves must agree with the verdict for it to hold).

    Args:
        conv: the frame before learning-rate selection (with the convergence columns when
            ``lr_metric`` needs them).
        datasets: the group's data sets.
        init: the initializer of the comparison.
        family: the comparisons, from the rows of one reading (one configuration per data
            set × seed × activation): a table of :func:`bench.scoring.paired.compare_family`
            (``comparison`` and ``verdict`` columns, one row per pair).
        lr_metric: the validation metric of the main reading.

    Returns:
        ``family``'s table plus ``holds`` and ``alternatives`` (counts) and ``robustness``
        (a phrase: ``holds in 4/4`` or ``changes under …``).
    """
    selected = metrics.select_lr(conv, lr_metric)
    main = _family(selected, datasets, init, family)
    if main.empty:
        return main
    alternatives: dict[str, list[pd.DataFrame]] = {}
    best = "best_val_acc" if lr_metric != "best_val_acc" else "val_acc"
    alternatives["lr"] = [_family(metrics.select_lr(conv, best), datasets, init, family)]
    if "torch_default" in set(conv["init"]) and init != "torch_default":
        alternatives["init"] = [_family(selected, datasets, "torch_default", family)]
    info = _kind_and_rows(conv[conv["dataset"].isin(datasets)])
    real = list(info.index[info["kind"] == "real"])
    if real and len(real) < len(info):
        alternatives["real"] = [_family(selected, real, init, family)]
    seeds = sorted(set(selected["seed"]))
    if len(seeds) >= 2:
        half = (len(seeds) + 1) // 2
        alternatives["seeds"] = [
            _family(selected, datasets, init, family, seeds[:half]),
            _family(selected, datasets, init, family, seeds[half:]),
        ]
    verdicts = main.set_index("comparison")["verdict"]
    holds, phrases = [], []
    for label, verdict in verdicts.items():
        kept, changed = 0, []
        for name, tables in alternatives.items():
            found = [t.set_index("comparison")["verdict"].get(label, "absent") for t in tables]
            if all(v == verdict for v in found):
                kept += 1
            else:
                other = next(v for v in found if v != verdict)
                changed.append(f"{ALTERNATIVES[name]} ({other})")
        holds.append(kept)
        n = len(alternatives)
        phrases.append(
            f"holds in {kept}/{n}"
            if not changed
            else f"holds in {kept}/{n}; changes under " + "; ".join(changed)
        )
    out = main.copy()
    out["holds"] = holds
    out["alternatives"] = len(alternatives)
    out["robustness"] = phrases
    return out
