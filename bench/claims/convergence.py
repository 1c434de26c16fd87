"""Training speed for the claims that say one arm trains faster (C4, C5): each arm at the
learning rate that learns fastest on validation, then the epochs until its *training*
accuracy reaches a target that both compared arms reach
(:func:`bench.scoring.target.common_target`), beside the level each arm reaches.
Torch-free.

Public:
    BEST_TRAIN          the level metric (best training accuracy)
    SELECT_ON           the criterion of that choice (``auc_val_acc``)
    speed_columns(frame) -> DataFrame
                        every rate's rows with ``auc_val_acc`` and ``best_train_acc``
                        (what a robustness reading selects from again)
    select_fastest(frame) -> DataFrame
                        each configuration at the rate with the largest area under its
                        validation-accuracy curve (lr chosen on validation)
    speed_rows(frame, pairs, label, names=None, companions=True) -> DataFrame
                        per condition: the speed and the level comparisons, Holm over the
                        conditions, and the condition's verdict (:func:`condition_verdict`)
    condition_verdict(speed, level) -> str
                        a condition's verdict from its two part verdicts
    rates_chosen(frame, keys) -> DataFrame
                        per configuration (``keys``): how many data sets chose each rate
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from bench.schema import Metric
from bench.scoring import metrics, paired, target, verdicts
from bench.scoring.base import ROPE_EPOCHS

BEST_TRAIN = Metric("best_train_acc", "best training accuracy", "fraction", True, 0.0)


SELECT_ON = "auc_val_acc"


def speed_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Every row of ``frame`` (every rate) with ``auc_val_acc`` and ``best_train_acc``."""
    if frame.empty:
        return frame
    out = metrics.add_convergence(frame, reference={})
    out[BEST_TRAIN.name] = [target.best_of(c, "train_acc") for c in out["curves"]]
    return out


def select_fastest(frame: pd.DataFrame) -> pd.DataFrame:
    """Each configuration (every cell field but seed and rate) at the learning rate whose
    seed-mean area under the validation-accuracy curve is largest (ties: the smaller rate);
    adds ``auc_val_acc`` and ``best_train_acc`` (:func:`speed_columns`)."""
    if frame.empty:
        return frame
    return metrics.select_lr(speed_columns(frame), SELECT_ON)


def speed_rows(
    frame: pd.DataFrame,
    pairs: Sequence[tuple[dict, str, str]],
    label: str = "{a} faster than {b}",
    names: Mapping[str, str] | None = None,
    companions: bool = True,
) -> pd.DataFrame:
    """Per condition, arm ``a`` against arm ``b``: the speed (epochs to the common target on
    training accuracy, informative data sets only, ROPE ±``ROPE_EPOCHS``) and the level
    (best training accuracy, ROPE ±1 point), each one family over the conditions
    (:func:`bench.scoring.paired.compare_family`), and the condition's verdict
    (:func:`condition_verdict`).

    Args:
        frame: one row per run with an ``arm`` column (after :func:`select_fastest`).
        pairs: ``(condition, a, b)``: a condition is ``{column: value}``, e.g.
            ``{"model.depth": 8, "train.optimizer": "sgd"}``.
        label: the row label, formatted with ``a``, ``b`` (their ``names``, where given)
            and the condition's values (keyed by the last part of the column name).
        names: display names of arms.
        companions: the bootstrap interval and Bayesian probabilities of each comparison
            (False for a robustness reading).

    Returns:
        One row per condition: the condition's columns, ``comparison``, the speed row's
        columns (those of :func:`bench.scoring.verdicts.row`), ``n_informative``, the Holm
        columns, the level row's ``level_effect``, ``level_ci_low``, ``level_ci_high``,
        ``level_p``, ``level_verdict``, and ``speed_verdict`` and ``verdict`` (the
        condition's).
    """
    speed, level, informative = [], [], []
    for cond, a, b in pairs:
        sub = frame
        for col, value in cond.items():
            sub = sub[sub[col] == value]
        shown = {k.split(".")[-1]: v for k, v in cond.items()}
        text = label.format(a=(names or {}).get(a, a), b=(names or {}).get(b, b), **shown)
        timed = target.common_target(sub, a, b, by=list(cond))
        used = timed[timed["informative"]] if len(timed) else timed
        informative.append(int(used["dataset"].nunique()) if len(used) else 0)
        epochs = used if len(used) else None
        speed.append(paired.Pair(text, epochs, a, b, target.EPOCHS, rope=ROPE_EPOCHS, info=cond))
        level.append(paired.Pair(text, sub, a, b, BEST_TRAIN))
    out = paired.compare_family(speed, companions=companions)
    out.insert(out.columns.get_loc("p_holm"), "n_informative", informative)
    lev = paired.compare_family(level, companions=companions)
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
