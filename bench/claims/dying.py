"""Unit death over training, read from per-epoch probes (claims C9 and C10): each run's dead
and negative-regime shares up to the epoch before it diverged, lower bounds on revival, the
edge of stability of a learning-rate sweep (found on seeds that are not judged) and the
range read below it, the two readings of a diverged run, and the one comparison both claims
make on them (ReLU's dead share against LeakyReLU's negative-regime share). Torch-free.

Public:
    OPTIMIZERS              the optimizer labels, in display order
    SUITE, EDGE_SUITE       the judged sweep (``c09_dying``, seeds 0–4) and the sweep the
                            edge is found on (``c09_edge``: ReLU only, seeds 5–7)
    EDGE_SHARE, RANGE       a rate is stable while ≤ 20 % of its runs fail (diverge or
                            collapse); the range read is 0.1–1× the edge
    optimizer_label(row)    ``sgd``, ``sgd+momentum`` or ``adam``
    good_probes(row)        the probe records of the epochs a run finished before diverging
    revival_bound(probes)   units shown to leave the negative regime later (share, a bound)
    revival_to_end(probes, metric="negative")
                            units shown to be dead / negative at some epoch and not at the
                            last one (share, a bound)
    run_health(frame)       per run: shares at the last good epoch and their maxima, revival,
                            collapse
    edges(health, arm)      per data set × optimizer: the edge of stability and the range
    in_range(health, edges) the runs at rates inside their range, ``step`` 0 at the edge
    READINGS                the two readings of a diverged run
    reading(frame, how, columns)    diverged runs ``excluded`` or counted ``all-dead``
    ROPE_UNITS              one percentage point of the hidden units
    UNITS_DIE               the label of the units-die comparison
    units_die(runs, companions=True)
                            ReLU dead against LeakyReLU negative regime, under each reading
    two_readings(a, b)      a part's verdict read under both readings of divergence
    robust(runs, family, keys=())
                            a family over the runs in range with its robustness readings

A run *fails* when it diverges (a non-finite loss) or *collapses*: every unit of its last
hidden layer is dead at its last good epoch, so the network computes a constant. Adam's
step is bounded, so it collapses instead of diverging (no Adam run diverged up to a rate of
10 in a probe); the edge of stability counts both failures, so that every optimizer's sweep
can reach it.

A run that diverged keeps only the probes of the epochs it finished before the loss blew up
(the loop stores a probe taken on the broken network when the divergence shows at
evaluation; it is dropped here), so a run that diverged in epoch 1 has only its
initialization: it is *not* read as a trained network. Its ``dead_max`` is then NaN.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.records import pooled
from bench.scoring import paired, robustness, verdicts

OPTIMIZERS = ("sgd", "sgd+momentum", "adam")
SUITE, EDGE_SUITE = "c09_dying", "c09_edge"
EDGE_SHARE = 0.2  # a rate is stable while at most this share of its runs fail
RANGE = 0.1  # the range read: RANGE × edge … edge
READINGS = ("excluded", "all-dead")
ROPE_UNITS = 0.01  # one percentage point of the hidden units
UNITS_DIE = "relu dead > leaky_relu negative regime"


def optimizer_label(row: pd.Series | dict[str, Any]) -> str:
    """``sgd``, ``sgd+momentum`` (any momentum > 0) or ``adam``."""
    opt = row.get("train.optimizer", "sgd")
    if opt == "sgd" and float(row.get("train.momentum", 0.0) or 0.0) > 0:
        return "sgd+momentum"
    return str(opt)


def good_probes(row: pd.Series | dict[str, Any]) -> list[tuple[int, dict]]:
    """(epoch, health record) of every probed epoch a run finished before it diverged.

    A diverged run's ``diverged_epoch`` n is the first epoch whose probes are not good
    (training blew up in epoch n, or the evaluation after it did and the probe of epoch n
    saw the broken network): only epochs < n are kept.
    """
    probes = row.get("probes")
    if not isinstance(probes, list):
        return []
    stop = len(probes)
    epoch = row.get("diverged_epoch")
    if row.get("status") == "diverged" and epoch is not None and not pd.isna(epoch):
        stop = min(stop, int(epoch))
    return [(i, h) for i, h in enumerate(probes[:stop]) if h]


def revival_bound(probes: list[tuple[int, dict]]) -> float:
    """A lower bound on the share of units that were in the negative regime at some probed
    epoch k and out of it at a later one j, from per-layer counts only: in each layer at
    least n_k − n_j of the n_k units negative at k have left by j, so the bound is the
    largest such drop per layer, summed over layers, over all units. Exact revival needs
    per-unit masks, which the probes do not store."""
    counts, units = _unit_counts(probes, "negative")
    if counts is None:
        return math.nan
    running_max = np.maximum.accumulate(counts, axis=0)
    drop = (running_max - counts).max(axis=0)
    return float(drop.sum() / sum(units))


def revival_to_end(probes: list[tuple[int, dict]], metric: str = "negative") -> float:
    """A lower bound on the share of units that were dead (``metric="dead"``) or in the
    negative regime on every sample at some probed epoch t and are not at the last one:
    per layer at least n_t − n_last of the n_t units have left, so the bound is the largest
    such drop over t, summed over layers, over all units (0 when no layer's count fell).
    NaN with fewer than two probed epochs. Exact revival needs per-unit masks, which the
    probes do not store: units that leave while as many others enter are not seen."""
    counts, units = _unit_counts(probes, metric)
    if counts is None:
        return math.nan
    drop = np.clip(counts.max(axis=0) - counts[-1], 0, None)
    return float(drop.sum() / sum(units))


def _unit_counts(
    probes: list[tuple[int, dict]], metric: str
) -> tuple[np.ndarray | None, list[int]]:
    """The units in ``metric``'s state per probed epoch and layer, from the stored shares
    (an array epochs × layers), and the units per layer; ``(None, [])`` with fewer than two
    probed epochs or no unit counts."""
    if len(probes) < 2:
        return None, []
    units = probes[0][1].get("units") or []
    if not units:
        return None, []
    counts = np.array(
        [[round(s * u) for s, u in zip(h.get(metric) or [], units)] for _, h in probes],
        dtype=float,
    )
    return counts, units


def _collapsed(probes: list[tuple[int, dict]]) -> bool:
    """Every unit of the last hidden layer dead at the last good epoch after training."""
    epoch, h = probes[-1]
    dead = h.get("dead") or []
    return epoch > 0 and bool(dead) and float(dead[-1]) >= 1.0


def run_health(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per run (failed runs dropped): ``dataset``, ``activation``, ``optimizer``,
    ``train.lr``, ``seed``, ``diverged`` and, over the epochs finished before any
    divergence, ``dead_last`` / ``negative_last`` (the last one, initialization included),
    ``dead_max`` / ``negative_max`` (largest after epoch 1 or later; NaN when none),
    ``dead_init``, ``epochs_ok``, ``revival`` (:func:`revival_bound`), ``revived_dead``
    and ``revived_negative`` (:func:`revival_to_end`), ``collapsed`` (not diverged, the last
    hidden layer all dead) and ``failed`` (diverged or collapsed)."""
    cols = [
        "dataset",
        "activation",
        "optimizer",
        "train.lr",
        "seed",
        "diverged",
        "epochs_ok",
        "dead_init",
        "dead_last",
        "dead_max",
        "negative_last",
        "negative_max",
        "revival",
        "revived_dead",
        "revived_negative",
        "collapsed",
        "failed",
    ]
    rows = []
    for _, r in frame.iterrows():
        if r.get("status") == "failed":
            continue
        good = good_probes(r)
        if not good:
            continue
        dead = [pooled(h, "dead") for _, h in good]
        neg = [pooled(h, "negative") for _, h in good]
        trained = [i for i, (e, _) in enumerate(good) if e > 0]
        diverged = r.get("status") == "diverged"
        collapsed = not diverged and _collapsed(good)
        rows.append(
            {
                "dataset": r["dataset"],
                "activation": r["activation"],
                "optimizer": optimizer_label(r),
                "train.lr": float(r["train.lr"]),
                "seed": r["seed"],
                "diverged": diverged,
                "epochs_ok": good[-1][0],
                "dead_init": dead[0],
                "dead_last": dead[-1],
                "dead_max": max((dead[i] for i in trained), default=math.nan),
                "negative_last": neg[-1],
                "negative_max": max((neg[i] for i in trained), default=math.nan),
                "revival": revival_bound(good),
                "revived_dead": revival_to_end(good, "dead"),
                "revived_negative": revival_to_end(good, "negative"),
                "collapsed": collapsed,
                "failed": diverged or collapsed,
            }
        )
    return pd.DataFrame(rows, columns=cols)


def edges(health: pd.DataFrame, arm: str = "relu") -> pd.DataFrame:
    """Per data set × optimizer, from ``arm``'s runs of the sweep (C9 and C10 pass the
    edge-finding sweep, :data:`EDGE_SUITE`, never the judged one): ``edge``, the largest
    rate below the first one at which more than :data:`EDGE_SHARE` of the runs fail
    (diverge or collapse); ``reached`` (some swept rate does exceed it; otherwise the edge
    is the top rate swept);
    ``bottom``, the smallest swept rate ≥ :data:`RANGE` × edge; ``rates`` in the range. A
    pair whose smallest rate already diverges too often has no edge and is left out."""
    out = []
    runs = health[health["activation"] == arm]
    for (ds, opt), g in runs.groupby(["dataset", "optimizer"], sort=True):
        share = g.groupby("train.lr")["failed"].mean().sort_index()
        edge, reached = math.nan, False
        for lr, s in share.items():
            if s > EDGE_SHARE:
                reached = True
                break
            edge = float(lr)
        if math.isnan(edge):
            continue
        inside = [float(x) for x in share.index if RANGE * edge * (1 - 1e-9) <= x <= edge]
        out.append(
            {
                "dataset": ds,
                "optimizer": opt,
                "edge": edge,
                "reached": reached,
                "bottom": min(inside),
                "rates": len(inside),
            }
        )
    return pd.DataFrame(out, columns=["dataset", "optimizer", "edge", "reached", "bottom", "rates"])


def in_range(health: pd.DataFrame, edge: pd.DataFrame) -> pd.DataFrame:
    """The runs (every arm) whose rate lies in their data set × optimizer's range
    [``bottom``, ``edge``], with ``step``: 0 at the edge, 1 the next rate down, …"""
    work = health.merge(edge, on=["dataset", "optimizer"], how="inner")
    work = work[(work["train.lr"] >= work["bottom"]) & (work["train.lr"] <= work["edge"])].copy()
    if work.empty:
        return work.assign(step=pd.Series(dtype=int))
    rank = work.groupby(["dataset", "optimizer"])["train.lr"].rank(method="dense", ascending=False)
    work["step"] = rank.astype(int) - 1
    return work.reset_index(drop=True)


def reading(frame: pd.DataFrame, how: str, columns: tuple[str, ...]) -> pd.DataFrame:
    """``excluded``: diverged runs dropped; ``all-dead``: their ``columns`` set to 1 (every
    unit counted dead). Divergence is its own outcome; these are its two bounds."""
    if how == "excluded":
        return frame[~frame["diverged"].astype(bool)].copy()
    if how != "all-dead":
        raise ValueError(f"reading: {how!r} is not one of {READINGS}")
    out = frame.copy()
    for c in columns:
        out[c] = out[c].astype(float).where(~out["diverged"].astype(bool), 1.0)
    return out


def units_die(runs: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    """ReLU's dead share against LeakyReLU's negative-regime share at the last epoch, paired
    by data set × optimizer × rate × seed inside the range (:func:`in_range`), data set the
    unit, rope :data:`ROPE_UNITS`, each reading one :func:`bench.scoring.paired.compare_family`
    call (a family of one: the two readings are bounds of one comparison, not two tests);
    one row per reading (``reading`` column first; ``n_seeds``: the fewest seeds of a data
    set; ``companions``: the bootstrap interval and Bayesian probabilities, as
    :func:`bench.scoring.paired.compare_family`'s). C9's first part; C10's "never dies"."""
    rows = []
    for how in READINGS:
        work = reading(runs, how, ("dead_last", "negative_last"))
        work = work.assign(
            value=work["dead_last"].where(work["activation"] == "relu", work["negative_last"])
        )
        blocks = ("dataset", "optimizer", "train.lr", "seed")
        diffs = paired.paired(work, "activation", "relu", "leaky_relu", "value", blocks)
        pair = paired.Pair(UNITS_DIE, diffs=diffs, rope=ROPE_UNITS, info={"reading": how})
        # a family of one per reading
        row = paired.compare_family([pair], companions=companions).iloc[0].to_dict()
        if not diffs.empty:  # seeds, not the optimizer × rate × seed blocks of a data set
            row["n_seeds"] = int(diffs.groupby("dataset")["seed"].nunique().min())
        rows.append(row)
    return pd.DataFrame(rows)


def two_readings(a: str, b: str) -> str:
    """A part read under both readings of divergence: SUPPORTED when both support it,
    CONTRADICTED when both rule it out (for the all-dead reading, the upper bound), else
    INCONCLUSIVE (an EQUIVALENT reading counts against, :func:`verdicts.against`)."""
    a, b = verdicts.against(a), verdicts.against(b)
    return a if a == b and a in ("SUPPORTED", "CONTRADICTED") else "INCONCLUSIVE"


def robust(
    runs: pd.DataFrame,
    family: Callable[[pd.DataFrame, bool], pd.DataFrame],
    keys: Sequence[str] = (),
) -> pd.DataFrame:
    """``family(runs, companions)`` (a :func:`bench.scoring.paired.compare_family` table) with
    each row's robustness readings (:func:`bench.scoring.robustness.robust`), ``keys``
    telling apart its rows that share a ``comparison`` text (e.g. ``reading``). Every rate of
    the range is read, so no rate is chosen and there is no other-criterion reading; one
    initializer (He normal), so no other-initializer one. The edge, found on the edge
    sweep's own seeds, is kept: a half of the judged seeds re-reads the same range, and no
    reading finds the edge on seeds it judges."""
    return robustness.robust(runs, None, None, family, None, keys)
