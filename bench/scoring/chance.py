"""Whether an arm learns: its validation accuracy above the chance level of its data set
(pandas; the data sets' labels through :mod:`bench.data`, torch-free).

The chance level of a data set is the share of its most frequent class: the accuracy of
predicting that class. Splits are stratified, so a held-out split's share differs from it
by at most one row; an arm *learns* on a data set when the mean of its seeds' validation
accuracies (diverged and failed runs at 0) exceeds the chance level by more than
:data:`bench.scoring.base.ROPE` and by more than one validation row (a fifth of the rows).
A data set whose chance level cannot be read (a ``csv:`` path, a set the registry lacks, a
set whose files are absent) counts as learned: nothing is left out on a guess.

Public:
    majority_share(dataset) -> float
                        the chance level of a registry data set (NaN when unknown)
    learning(frame, keys, chance=None) -> DataFrame
                        per configuration (``keys``) × data set: the seed-mean validation
                        accuracy, the chance level, the margin and ``learns``
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from bench.scoring.base import ROPE
from bench.scoring.metrics import scores

_VAL_SHARE = 0.2  # the 60/20/20 split's validation share


def _entry(dataset: str) -> tuple[float, int]:
    """(majority share, rows) of a registry data set; (NaN, 0) when it cannot be read."""
    from bench import data

    return data.majority(dataset)


def majority_share(dataset: str) -> float:
    """The share of ``dataset``'s most frequent class (its chance level); NaN when the
    registry lacks it or its data cannot be read."""
    return _entry(str(dataset))[0]


def learning(
    frame: pd.DataFrame,
    keys: Sequence[str],
    chance: Mapping[str, float] | None = None,
) -> pd.DataFrame:
    """Per configuration (``keys``, without the data set) × data set: does it learn?

    Args:
        frame: one row per run at its chosen rate (``dataset``, ``val_acc``, ``status``
            and the ``keys`` columns).
        keys: the columns of a configuration (e.g. ``("activation", "init")``).
        chance: data set → chance level, for data sets outside the registry (default:
            :func:`majority_share`).

    Returns:
        One row per configuration × data set: the ``keys``, ``dataset``, ``val_acc`` (seed
        mean), ``chance``, ``margin`` (max of ROPE and one validation row) and ``learns``
        (True where the chance level is unknown).
    """
    cols = [*keys, "dataset"]
    work = frame[cols].assign(val_acc=scores(frame, "val_acc").to_numpy())
    out = work.groupby(cols, dropna=False, sort=True)["val_acc"].mean().reset_index()
    levels, margins = [], []
    for name in out["dataset"]:
        if chance is not None and name in chance:
            level, rows = float(chance[name]), 0
        else:
            level, rows = _entry(str(name))
        levels.append(level)
        margins.append(max(ROPE, 1.0 / (_VAL_SHARE * rows)) if rows else ROPE)
    out["chance"], out["margin"] = levels, margins
    above = out["val_acc"] > out["chance"] + out["margin"]
    out["learns"] = above | out["chance"].isna()
    return out
