"""Epochs to a common target: how soon each of two arms reaches a level that both reach, the
one speed reading of the claims that say an arm trains faster (C4, C5 on training accuracy,
C13 on validation accuracy). Torch-free.

Public:
    EPOCHS              the column of the epoch count (``epochs_to_target``)
    common_target(frame, a, b, curve="train_acc", by=(), column="arm",
                  share=TARGET_SHARE) -> DataFrame
                        the rows of arms a and b with ``target``, ``epochs_to_target`` and
                        ``informative`` (the target says something about speed there)
    best_of(curves, name) -> float
                        the best value of one run's curve (NaN without one)

Why a common target: epochs to a fixed target mix speed with the final level, because a run
that never reaches the target counts as the budget + 1. Here the target of a data set (and
condition) is ``share`` × the lower of the two arms' median best value of the curve over their
finished runs, so the median run of each arm reaches it; the arm's remaining runs that do not
are counted as the budget + 1. Where both arms' median run reaches the target in the first
epoch, the target says nothing about speed at epoch resolution (this is also what happens
when one arm does not learn at all: the target falls to what it has after one epoch), so that
data set is not informative and is left out of the speed comparison. The epochs are compared
with a region of practical equivalence of ``ROPE_EPOCHS`` (:mod:`bench.scoring.base`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from bench.scoring import metrics
from bench.scoring.base import TARGET_SHARE

EPOCHS = "epochs_to_target"


def common_target(
    frame: pd.DataFrame,
    a: str,
    b: str,
    curve: str = "train_acc",
    by: Sequence[str] = (),
    column: str = "arm",
    share: float = TARGET_SHARE,
) -> pd.DataFrame:
    """The rows of arms ``a`` and ``b`` with the common target of their data set × ``by``
    group.

    Args:
        frame: one row per run (one learning rate per configuration), with ``curves``,
            ``status``, ``train.epochs`` and the ``column`` naming the arm.
        a, b: the two arms.
        curve: the per-epoch curve read (higher is better), e.g. ``train_acc``.
        by: the columns of a condition (besides the data set), e.g. ``("model.depth",)``.
        column: the arm column.
        share: the target's share of the weaker arm's median best value.

    Returns:
        A copy of those rows with ``target``, ``epochs_to_target`` (first epoch, from 1,
        whose value reaches the target; budget + 1 if never, or if the run did not finish)
        and ``informative`` (False where both arms' median run reaches the target in epoch 1).
    """
    keys = ["dataset", *by]
    work = frame[frame[column].isin([a, b])].copy()
    if work.empty:
        return work.assign(target=[], **{EPOCHS: []}, informative=[])
    curves = [_curve(c, curve) for c in work["curves"]]
    ok = metrics.ok(work).to_numpy()
    work["_best"] = [max(c) if (c and good) else np.nan for c, good in zip(curves, ok)]
    level = work.groupby([*keys, column], dropna=False)["_best"].median()
    target = _by_key(share * level.groupby(level=keys, dropna=False).min())
    groups = list(work[keys].itertuples(index=False, name=None))
    work["target"] = [target.get(k, np.nan) for k in groups]
    budget = pd.to_numeric(work["train.epochs"], errors="coerce").fillna(0).astype(int)
    work[EPOCHS] = [
        _reached(c, t, n, good)
        for c, t, n, good in zip(curves, work["target"], budget, ok, strict=True)
    ]
    first = work.groupby([*keys, column], dropna=False)[EPOCHS].median()
    quick = _by_key((first <= 1).groupby(level=keys, dropna=False).all())
    work["informative"] = [not quick.get(k, True) for k in groups]
    return work.drop(columns="_best")


def best_of(curves: object, name: str) -> float:
    """The largest value of the curve ``name`` of one run's ``curves`` (non-finite values
    read as 0); NaN when the run has no such curve."""
    c = _curve(curves, name)
    return max(c) if c else math.nan


def _by_key(series: pd.Series) -> dict[tuple, object]:
    """A grouped Series as a dict keyed by tuples (also for a single grouping column)."""
    return {(k if isinstance(k, tuple) else (k,)): v for k, v in series.items()}


def _curve(curves: object, name: str) -> list[float]:
    values = (curves or {}).get(name) if isinstance(curves, dict) else None
    return [float(v) if v is not None and math.isfinite(float(v)) else 0.0 for v in values or []]


def _reached(curve: list[float], target: float, budget: int, ok: bool) -> float:
    hit = next((i + 1 for i, v in enumerate(curve) if v >= target), None)
    return float(hit) if (ok and hit is not None) else float(max(budget, len(curve)) + 1)
