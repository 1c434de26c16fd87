"""Training speed for the claims that say one arm trains faster (C4, C5): each arm at the
learning rate that learns fastest on validation, then the epochs until its *training*
accuracy reaches a target that both compared arms reach, beside the level each arm reaches.
Torch-free.

Public:
    FRACTION, ROPE_EPOCHS, BEST_TRAIN
                        the target's share of the weaker arm's level (0.9), the ROPE of an
                        epoch difference (0.5 epoch), the level metric (best training accuracy)
    select_fastest(frame) -> DataFrame
                        each configuration at the rate with the largest area under its
                        validation-accuracy curve (lr chosen on validation)
    common_target(frame, a, b, by) -> DataFrame
                        the rows of arms a and b with ``target``, ``epochs_to_target`` and
                        ``informative`` (the target says something about speed there)
    speed_rows(frame, pairs, label) -> DataFrame
                        per condition: the speed and the level comparisons, Holm over the
                        conditions, and the condition's verdict (:func:`condition_verdict`)
    condition_verdict(speed, level) -> str
                        a condition's verdict from its two part verdicts
    rates_chosen(frame, keys) -> DataFrame
                        per configuration (``keys``): how many data sets chose each rate

Why a common target: epochs to a fixed target mix speed with the final level, because a run
that never reaches the target counts as the budget + 1. Here the target of a data set (and
condition) is ``FRACTION`` × the lower of the two arms' median best training accuracy, so the
median run of each arm reaches it; the arm's remaining runs that do not are counted as the
budget + 1. Where both arms' median run reaches the target in the first epoch, the target
says nothing about speed at epoch resolution (this is also what happens when one arm does
not learn at all: the target falls to what it has after one epoch), so that data set is left
out of the speed comparison; the level comparison (best training accuracy) shows it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from bench.schema import Metric
from bench.scoring import metrics, paired, verdicts

FRACTION = 0.9
ROPE_EPOCHS = 0.5
BEST_TRAIN = Metric("best_train_acc", "best training accuracy", "fraction", True, 0.0)
_EPOCHS = "epochs_to_target"


def select_fastest(frame: pd.DataFrame) -> pd.DataFrame:
    """Each configuration (every cell field but seed and rate) at the learning rate whose
    seed-mean area under the validation-accuracy curve is largest (ties: the smaller rate);
    adds ``auc_val_acc`` and ``best_train_acc``."""
    if frame.empty:
        return frame
    out = metrics.add_convergence(frame, reference={})
    out[BEST_TRAIN.name] = [_best(c, "train_acc") for c in out["curves"]]
    return metrics.select_lr(out, "auc_val_acc")


def common_target(
    frame: pd.DataFrame,
    a: str,
    b: str,
    by: Sequence[str] = (),
    column: str = "arm",
    fraction: float = FRACTION,
) -> pd.DataFrame:
    """The rows of arms ``a`` and ``b`` with the common target of their data set × ``by``
    group.

    Args:
        frame: one row per run (one learning rate per configuration), with ``curves``,
            ``status``, ``train.epochs`` and the ``column`` naming the arm.
        a, b: the two arms.
        by: the columns of a condition (besides the data set), e.g. ``("model.depth",)``.
        column: the arm column.
        fraction: the target's share of the weaker arm's median best training accuracy.

    Returns:
        A copy of those rows with ``target``, ``epochs_to_target`` (first epoch, from 1,
        whose training accuracy reaches the target; budget + 1 if never, or if the run did
        not finish) and ``informative`` (False where both arms' median run reaches the
        target in epoch 1).
    """
    keys = ["dataset", *by]
    work = frame[frame[column].isin([a, b])].copy()
    if work.empty:
        return work.assign(target=[], epochs_to_target=[], informative=[])
    curves = [_curve(c, "train_acc") for c in work["curves"]]
    ok = metrics.ok(work).to_numpy()
    work["_best"] = [max(c) if (c and good) else np.nan for c, good in zip(curves, ok)]
    level = work.groupby([*keys, column], dropna=False)["_best"].median()
    target = _by_key(fraction * level.groupby(level=keys, dropna=False).min())
    groups = list(work[keys].itertuples(index=False, name=None))
    work["target"] = [target.get(k, np.nan) for k in groups]
    budget = pd.to_numeric(work["train.epochs"], errors="coerce").fillna(0).astype(int)
    work[_EPOCHS] = [
        _reached(c, t, n, good)
        for c, t, n, good in zip(curves, work["target"], budget, ok, strict=True)
    ]
    first = work.groupby([*keys, column], dropna=False)[_EPOCHS].median()
    quick = _by_key((first <= 1).groupby(level=keys, dropna=False).all())
    work["informative"] = [not quick.get(k, True) for k in groups]
    return work.drop(columns="_best")


def speed_rows(
    frame: pd.DataFrame,
    pairs: Sequence[tuple[dict, str, str]],
    label: str = "{a} faster than {b}",
    names: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Per condition, arm ``a`` against arm ``b``: the speed (epochs to the common target,
    informative data sets only, ROPE ±``ROPE_EPOCHS``) and the level (best training
    accuracy, ROPE ±1 point), each Holm-adjusted over the conditions, and the condition's
    verdict (:func:`condition_verdict`).

    Args:
        frame: one row per run with an ``arm`` column (after :func:`select_fastest`).
        pairs: ``(condition, a, b)``: a condition is ``{column: value}``, e.g.
            ``{"model.depth": 8, "train.optimizer": "sgd"}``.
        label: the row label, formatted with ``a``, ``b`` (their ``names``, where given)
            and the condition's values (keyed by the last part of the column name).
        names: display names of arms.

    Returns:
        One row per condition: the condition's columns, ``comparison``, the speed row's
        columns (those of :func:`bench.scoring.verdicts.row`), ``n_informative``, the level
        row's ``level_effect``, ``level_ci_low``, ``level_ci_high``, ``level_p``,
        ``level_verdict``, and ``speed_verdict`` and ``verdict`` (the condition's).
    """
    family = len(pairs)
    speed, level = [], []
    for cond, a, b in pairs:
        sub = frame
        for col, value in cond.items():
            sub = sub[sub[col] == value]
        shown = {k.split(".")[-1]: v for k, v in cond.items()}
        text = label.format(a=(names or {}).get(a, a), b=(names or {}).get(b, b), **shown)
        timed = common_target(sub, a, b, by=list(cond))
        used = timed[timed["informative"]] if len(timed) else timed
        comp = (
            paired.compare_arms(used, a, b, _EPOCHS, rope=ROPE_EPOCHS, family=family)
            if len(used) else None
        )  # fmt: skip
        row = {**cond, **verdicts.row(text, comp)}
        row["n_informative"] = int(used["dataset"].nunique()) if len(used) else 0
        speed.append(row)
        level.append(verdicts.row(text, paired.compare_arms(sub, a, b, BEST_TRAIN, family=family)))
    out = paired.holm_rows(pd.DataFrame(speed))
    lev = paired.holm_rows(pd.DataFrame(level))
    for k in ("effect", "ci_low", "ci_high", "p", "verdict"):
        out[f"level_{k}"] = lev[k].to_numpy()
    out["speed_verdict"] = out["verdict"]
    out["verdict"] = [
        condition_verdict(s, lv) for s, lv in zip(out["speed_verdict"], out["level_verdict"])
    ]
    return out


def condition_verdict(speed: str, level: str) -> str:
    """The speed part decides when it is decided (EQUIVALENT: the claimed speed-up is absent,
    CONTRADICTED). Otherwise a level difference decides: the arm that reaches the higher
    training accuracy within the same budget trains faster there (SUPPORTED for the claimed
    arm, CONTRADICTED for the other); an equal or undecided level leaves INCONCLUSIVE."""
    if speed != "INCONCLUSIVE":
        return verdicts.against(speed)
    return level if level in ("SUPPORTED", "CONTRADICTED") else "INCONCLUSIVE"


def rates_chosen(frame: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Per configuration (the ``keys`` columns), the number of data sets whose selected rows
    (``frame``, after :func:`select_fastest`) chose each learning rate: one column per
    rate, named by its value."""
    rates = (
        frame.drop_duplicates([*keys, "dataset"])
        .groupby(list(keys))["train.lr"]
        .value_counts()
        .unstack(fill_value=0)
        .reset_index()
    )
    rates.columns = [str(c) for c in rates.columns]
    return rates


def _by_key(series: pd.Series) -> dict[tuple, object]:
    """A grouped Series as a dict keyed by tuples (also for a single grouping column)."""
    return {(k if isinstance(k, tuple) else (k,)): v for k, v in series.items()}


def _curve(curves: object, name: str) -> list[float]:
    values = (curves or {}).get(name) if isinstance(curves, dict) else None
    return [float(v) if v is not None and math.isfinite(float(v)) else 0.0 for v in values or []]


def _best(curves: object, name: str) -> float:
    c = _curve(curves, name)
    return max(c) if c else math.nan


def _reached(curve: list[float], target: float, budget: int, ok: bool) -> float:
    hit = next((i + 1 for i, v in enumerate(curve) if v >= target), None)
    return float(hit) if (ok and hit is not None) else float(max(budget, len(curve)) + 1)
