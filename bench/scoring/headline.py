"""The headline: one function from a results frame to a typed record of every table and
verdict a general report shows; :mod:`bench.report.default` only formats it. Each slice's
ranking is :func:`bench.scoring.ranking.rank_activations`, the same one
:func:`bench.api.ranking` and ``bench quick`` print, so they cannot disagree.

Public:
    METRIC              the headline metric (test accuracy)
    Intro, Claimed, PerDataset, Inits, Health, Slice, Speed, Setup, Headline   the records
                        (defined in :mod:`bench.scoring.tables`)
    headline(frame, timings=None, rule=None) -> Headline

Decisions made here, once: the learning rate of each configuration (on validation), the
convergence reference (``relu`` with ``matched``, else every activation with the first
initializer), the initializer of the headline tables (``matched``, else the first by
name), the axes that slice the report (never pooled), the blocks of every test, and every
verdict a report prints.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from bench.records import FIELDS
from bench.scoring import (
    advice,
    epochs,
    metrics,
    paired,
    ranks,
    robustness,
    speed,
    stats,
    tuning,
    verdicts,
)
from bench.scoring.base import TARGET_SHARE
from bench.scoring.ranking import (
    HEAD_INIT,
    blocks_for,
    order,
    rank_activations,
    varying,
)
from bench.scoring.tables import (
    Claimed,
    Headline,
    Health,
    Inits,
    Intro,
    PerDataset,
    Setup,
    Slice,
    Speed,
)

METRIC = "test_acc"
REFERENCE = {"activation": "relu", "init": "matched"}
SUMMARY_METRICS = (
    "test_acc",
    "test_loss",
    "epochs_to_target",
    "auc_val_acc",
    "dead_final",
    "train_time_s",
)
HEALTH_COLUMNS = ("dead_init", "dead_final", "negative_final", "saturated_init", "saturated_final")
FAILURES_SHOWN = 40


def _intro(part: pd.DataFrame, rows: list[advice.Advice]) -> Intro | None:
    if not rows or rows[0].setting == "speed matters":
        return None
    c = rows[0].comparison
    kinds = list(
        part[["model.kind", "model.depth", "model.width"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    )
    return Intro(
        datasets=sorted(part["dataset"].unique()),
        kinds=kinds,
        seeds=int(part.groupby("dataset")["seed"].nunique().min()),
        advice=rows[0],
        interval=c is not None and c.n_datasets >= metrics.MIN_CI_N,
    )


def _setup(frame: pd.DataFrame, rule: dict | None = None) -> Setup:
    axes = varying(frame) + [c for c in ("train.lr", "seed") if frame[c].nunique() > 1]
    split = tuning.split_policy(frame)
    columns = [c for c in FIELDS if c not in ("seed", "train.lr")]
    pinned = split[0] == "pinned"  # a split seed that follows the seed is no setting
    fixed = [c for c in columns if c in frame.columns and c not in axes]
    fixed = [c for c in fixed if c != "data.split_seed" or pinned]
    counts = frame["status"].value_counts()
    statuses = {s: int(counts.get(s, 0)) for s in ("ok", "diverged", "failed")}
    cell_time = pd.to_numeric(frame.get("total_time_s"), errors="coerce").sum()
    return Setup(axes, fixed, statuses, float(cell_time), tuning.rates(frame, rule), split)


def _claimed(head: pd.DataFrame, blocks: list[str], conv: pd.DataFrame, init: str) -> Claimed:
    present = [a for a in verdicts.CLAIMED_ORDER if a in set(head["activation"])]
    n_sets = head["dataset"].nunique()
    if len(present) < 2:
        return Claimed(verdicts.CLAIMED_ORDER, present, None, n_sets, None)
    table = paired.chain(head)
    co = ranks.claimed_order(head, METRIC, blocks=blocks)
    groups = {
        label: robustness.robust_chain(conv, sets, init)
        for label, sets in robustness.dataset_groups(head).items()
    }
    need = stats.needed(verdicts.ALPHA, "greater", len(present) - 1)
    return Claimed(verdicts.CLAIMED_ORDER, present, table, n_sets, co, groups, need)


def _per_dataset(head: pd.DataFrame, blocks: list[str]) -> PerDataset:
    sets = list(dict.fromkeys(head["dataset"]))
    s = metrics.summarize(head, METRIC, by=("dataset", "activation")).set_index(
        ["dataset", "activation"]
    )
    lr = head.groupby(["dataset", "activation"])["lr_selected"].first()
    val = head.groupby(["dataset", "activation"], sort=False)["val_acc"].mean()
    best = {ds: str(val.loc[ds].fillna(-1.0).idxmax()) for ds in sets}  # ties: the first
    inner = [b for b in blocks if b != "dataset"]
    per = ranks.ranks_per(head, METRIC, by="dataset", blocks=inner)
    per = per.set_index(["dataset", "activation"])["avg_rank"]
    return PerDataset(sets, s, lr, best, inner, per, epochs.curve_epochs(head, "val_acc"))


def _inits(part: pd.DataFrame, acts: list[str], blocks: list[str]) -> Inits:
    inits = order(part["init"], [HEAD_INIT])
    s = metrics.summarize(part, METRIC, by=("activation", "init"))
    s = s.set_index(["activation", "init"])
    val = metrics.summarize(part, "val_acc", by=("activation", "init"))
    val = val.set_index(["activation", "init"])["mean"]
    means = pd.DataFrame(index=acts, columns=inits, dtype=float)
    table = pd.DataFrame(index=acts, columns=inits, dtype=float)
    best, matched = {}, {}
    for act in acts:
        for init in inits:
            v = s.at[(act, init), "mean"] if (act, init) in s.index else np.nan
            means.at[act, init] = v
            table.at[act, init] = 100 * v
        mine = {i: val.get((act, i), np.nan) for i in inits}
        mine = {i: v for i, v in mine.items() if not np.isnan(v)}
        best[act] = max(mine, key=mine.get) if mine else ""  # ties: the first listed
        matched[act] = None
        if "matched" in inits and len(inits) > 1:
            r = ranks.ranks(part[part["activation"] == act], METRIC, "init", blocks)
            if "matched" in r.index:
                place = list(r.index).index("matched") + 1
                matched[act] = (place, len(r), float(r.at["matched", "avg_rank"]))
    return Inits(acts, inits, means, table, best, matched, _configurations(part, blocks))


def _configurations(part: pd.DataFrame, blocks: list[str]) -> ranks.CriticalDifference | None:
    """Every activation + initializer configuration ranked at once: Friedman + Nemenyi at
    the data-set level (seeds averaged first), descriptive."""
    work = part.assign(config=[f"{a} + {i}" for a, i in zip(part["activation"], part["init"])])
    if work["config"].nunique() < 3:
        return None
    outer = [b for b in blocks if b != "seed"] or ["dataset"]
    avg = metrics.average_over(work, METRIC, keep=[*outer, "config"])
    return ranks.nemenyi_diagram(avg, METRIC, "config", outer)


def _health(head: pd.DataFrame) -> Health | None:
    present = [c for c in HEALTH_COLUMNS if c in head.columns]
    if not present:
        return None
    means = head.groupby("activation")[present].mean()
    ratio = epochs.gradient_ratio(head[metrics.ok(head)])
    by_key = head.drop_duplicates("key").set_index("key")["activation"]
    medians = ratio.groupby(by_key.loc[ratio.index]).median().to_dict() if len(ratio) else {}
    return Health(
        present,
        means,
        medians,
        epochs.probe_epochs(head, "dead"),
        epochs.layer_profile(head, "std"),
    )


def _slice(
    values: tuple,
    part: pd.DataFrame,
    conv: pd.DataFrame,
    head_init: str,
    several_inits: bool,
    label: str = "",
    ratios: pd.DataFrame | None = None,
) -> Slice:
    head = part[part["init"] == head_init]
    blocks = blocks_for(head)
    ranking = rank_activations(head, METRIC, blocks)
    acts = ranking.order
    others = order(part["activation"], acts)
    return Slice(
        values=values,
        head=head,
        ranking=ranking,
        claimed=_claimed(head, blocks, conv, head_init),
        per_dataset=_per_dataset(head, blocks),
        inits=_inits(part, others, blocks) if several_inits else None,
        convergence=(
            metrics.summarize(head, "epochs_to_target", by="activation").set_index("activation"),
            metrics.summarize(head, "auc_val_acc", by="activation").set_index("activation"),
        ),
        health=_health(head),
        advice=advice.advise(part, robustness.dataset_groups(part), ratios, label, conv),
    )


def _slice_label(part: pd.DataFrame, slicing: list[str], values: Any) -> str:
    """``mlp 8×64`` (and the sliced axes' values): the networks of a slice, in words."""
    kinds = part[["model.kind", "model.depth", "model.width"]].drop_duplicates()
    text = ", ".join(f"{k} {d}×{w}" for k, d, w in kinds.itertuples(index=False, name=None))
    values = values if isinstance(values, tuple) else (values,)
    extra = [
        f"{c.split('.')[-1]} {v}"
        for c, v in zip(slicing, values, strict=False)
        if c not in ("model.kind", "model.depth", "model.width")
    ]
    return ", ".join([text, *extra])


def _speed(timings: pd.DataFrame | None, acts: list[str]) -> Speed | None:
    if timings is None or timings.empty:
        return None
    measured = set(timings["activation"])
    ref = speed.REFERENCE if speed.REFERENCE in measured else order(measured, acts)[0]
    return Speed(ref, speed.ratios(timings, reference=ref), acts, timings)


def _summary(sel: pd.DataFrame) -> pd.DataFrame:
    """Per data set × model × activation × initializer: every summary metric's mean and CI
    at the selected learning rate, ``n``, ``n_nonok`` and ``lr_selected``."""
    by = [
        c
        for c in ("dataset", "model.kind", "model.depth", "model.width", "activation", "init")
        if c in sel.columns
    ]
    table = None
    for metric in SUMMARY_METRICS:
        s = metrics.summarize(sel, metric, by=by)
        s = s.rename(columns={"mean": f"{metric}_mean", "ci95": f"{metric}_ci95"})
        keep = [*by, f"{metric}_mean", f"{metric}_ci95"]
        if table is None:
            table = s[[*keep, "n", "n_nonok"]]
        else:
            table = table.merge(s[keep], on=by, how="left")
    lr = sel.groupby(by, dropna=False)["lr_selected"].first().reset_index()
    return table.merge(lr, on=by, how="left")


def headline(
    frame: pd.DataFrame, timings: pd.DataFrame | None = None, rule: dict | None = None
) -> Headline:
    """Score a suite's stored rows for a general report.

    Args:
        frame: ``Store.frame(suite, series=True)`` (not empty).
        timings: ``Store.timings(suite)`` (None or empty: no speed section).
        rule: ``Store.tuning(suite)``: a tuned suite's rule (None: not tuned).

    Returns:
        The :class:`Headline`.
    """
    ref = dict(REFERENCE)
    if not all(frame[k].eq(v).any() for k, v in ref.items()):
        ref = {"init": order(frame["init"], [HEAD_INIT])[0]}
    conv = metrics.add_convergence(frame, fraction=TARGET_SHARE, reference=ref)
    sel = metrics.select_lr(conv)
    inits = order(sel["init"], [HEAD_INIT])
    head_init = inits[0]
    # an axis that varies besides activation, initializer and data set (a depth, a model
    # kind, an optimizer …) is never pooled: the analysis runs once per value of it
    slicing = varying(sel, exclude=("activation", "init", "dataset"))
    groups = list(sel.groupby(slicing, sort=True)) if slicing else [((), sel)]
    unselected = dict(list(conv.groupby(slicing, sort=True))) if slicing else {(): conv}
    claimed = order(frame["activation"], verdicts.CLAIMED_ORDER)
    timed = _speed(timings, claimed)
    slices = [
        _slice(
            v if isinstance(v, tuple) else (v,),
            part,
            unselected[v],
            head_init,
            len(inits) > 1,
            _slice_label(part, slicing, v),
            timed.ratios if timed is not None else None,
        )
        for v, part in groups
    ]
    first = groups[0][1]
    bad = frame[frame["status"] != "ok"]
    counts = bad.groupby(["activation", "init", "status"]).size().reset_index(name="cells")
    shown = bad.sort_values(["activation", "init", "dataset", "train.lr", "seed"])
    return Headline(
        frame=conv,
        selected=sel,
        reference=ref,
        target=TARGET_SHARE,
        inits=inits,
        head_init=head_init,
        slicing=slicing,
        slices=slices,
        intro=_intro(first, slices[0].advice),
        gallery_order=claimed,
        speed=_speed(timings, order(frame["activation"], slices[-1].activations)),
        failures=counts,
        failed_rows=shown.head(FAILURES_SHOWN),
        n_failed=len(bad),
        summary=_summary(sel),
        setup=_setup(frame, rule),
        no_interval_below=metrics.MIN_CI_N if _fewest_seeds(sel) < metrics.MIN_CI_N else 0,
    )


def _fewest_seeds(sel: pd.DataFrame) -> int:
    """The fewest runs behind one configuration's mean on one data set."""
    keys = [c for c in metrics.CONFIG_COLUMNS if c in sel.columns]
    return int(sel.groupby(keys, dropna=False).size().min()) if len(sel) else 0
