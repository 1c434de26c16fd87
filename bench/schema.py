"""The declared schema of a stored Result: every metric, curve and probe series, with its
direction, unit and worst value. Torch-free; analysis, claims and reports read it, and a test
(``tests/test_schema.py``) checks that ``bench.train.run`` produces exactly these fields.

Public:
    Metric          frozen dataclass: name, label, unit, direction, worst value
    RUN_METRICS     scalar metrics every Result holds (``Result.metrics``)
    DERIVED         scores analysis derives from curves (convergence, best training loss)
    METRICS         RUN_METRICS | DERIVED: everything a table may score
    CURVES          per-epoch series (``Result.curves``)
    PROBES          per-layer unit-health series (``Result.probes[i]``)
    LEARNED         per-layer series of an activation's learned parameter (PReLU's slopes),
                    in the records of the networks whose activation learns one only
    PASSES          the passes ``bench speed`` times: ``forward``, ``forward_backward``
    get(name)       the :class:`Metric` for a name, or an error listing the valid ones
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    saturated(d, top)       where |f'| (``d``) is below that share of ``top`` (elementwise)
    saturates(d, top)       whether an activation saturates: |f'| saturated at both ends of
                            its grid (sigmoid, tanh); saturation is defined for those only

Directions are declared, never guessed from a name: ``higher_is_better`` is ``None`` for
descriptive quantities (a count, a mean activation) that no table ranks. ``worst`` is the
score a diverged or failed run takes when a table ranks it (accuracy 0, loss +inf).
``keep_nonok`` marks values that stay meaningful for such runs (unit health of the last
finished epoch, convergence columns): tables keep them as they are.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from bench.errors import UnknownNameError

_INF = math.inf

# a (unit, sample) pair of a saturating activation is saturated where |f'| < this · max |f'|:
# the probes (bench/run/probes.py) and the reports' activation gallery (bench/plots.py) read it
SATURATION_RATIO = 1e-2


@dataclass(frozen=True)
class Metric:
    """One declared quantity.

    Attributes:
        name: key in the Result (or the analysis frame).
        label: human-readable name for tables and plots.
        unit: ``fraction`` (0..1, shown in percent), ``nats``, ``s``, ``epochs``, ``count``,
            ``1/s`` or ``value`` (a plain number).
        higher_is_better: the direction, or ``None`` where nothing is ranked on it.
        worst: the score of a diverged or failed run.
        keep_nonok: the value stays meaningful for non-ok runs and is kept.
    """

    name: str
    label: str
    unit: str
    higher_is_better: bool | None
    worst: float = math.nan
    keep_nonok: bool = False

    @property
    def column(self) -> str:
        """The frame column holding the value (its name)."""
        return self.name


def _table(*metrics: Metric) -> dict[str, Metric]:
    return {m.name: m for m in metrics}


_ACC = ("fraction", True, 0.0)
_LOSS = ("nats", False, _INF)

RUN_METRICS: dict[str, Metric] = _table(
    Metric("test_acc", "test accuracy", *_ACC),
    Metric("val_acc", "validation accuracy", *_ACC),
    Metric("train_acc", "training accuracy", *_ACC),
    Metric("best_val_acc", "best validation accuracy", *_ACC),
    Metric("best_epoch", "epoch of the best validation accuracy", "epochs", None),
    Metric("test_loss", "test loss", *_LOSS),
    Metric("val_loss", "validation loss", *_LOSS),
    Metric("train_loss", "training loss", *_LOSS),
    Metric("dead_init", "dead units at init", "fraction", False, 1.0, True),
    Metric("dead_final", "dead units after training", "fraction", False, 1.0, True),
    Metric("negative_init", "negative-regime units at init", "fraction", False, 1.0, True),
    Metric("negative_final", "negative-regime units after training", "fraction", False, 1.0, True),
    Metric("saturated_init", "saturated unit-sample pairs at init", "fraction", False, 1.0, True),
    Metric("saturated_final", "saturated unit-sample pairs, final", "fraction", False, 1.0, True),
    Metric("train_time_s", "training time", "s", False, _INF),
    Metric("eval_time_s", "evaluation time", "s", False, _INF),
    Metric("probe_time_s", "probe time", "s", False, _INF),
    Metric("total_time_s", "total time", "s", False, _INF),
    Metric("samples_per_s", "training samples per second", "1/s", True, 0.0),
    Metric("epochs_run", "epochs run", "epochs", None),
    Metric("n_train", "training samples", "count", None),
    Metric("n_params", "trainable parameters", "count", None),
)

DERIVED: dict[str, Metric] = _table(
    Metric("epochs_to_target", "epochs to target accuracy", "epochs", False, _INF, True),
    Metric("auc_val_acc", "area under the validation-accuracy curve", *_ACC, True),
    Metric("best_train_loss", "best training loss", *_LOSS),
)

METRICS: dict[str, Metric] = {**RUN_METRICS, **DERIVED}

CURVES: dict[str, Metric] = _table(
    Metric("train_loss", "training loss per epoch", *_LOSS),
    Metric("train_acc", "training accuracy per epoch", *_ACC),
    Metric("val_loss", "validation loss per epoch", *_LOSS),
    Metric("val_acc", "validation accuracy per epoch", *_ACC),
    Metric("test_loss", "test loss per epoch", *_LOSS),
    Metric("test_acc", "test accuracy per epoch", *_ACC),
    Metric("epoch_time_s", "time per epoch", "s", False, _INF),
)

PROBES: dict[str, Metric] = _table(
    Metric("dead", "dead units (f' = 0 on every sample)", "fraction", False, 1.0, True),
    Metric("negative", "negative-regime units (z < 0 on every sample)", "fraction", False, 1.0),
    Metric(
        "saturated",
        f"saturated unit-sample pairs (|f'| < {100 * SATURATION_RATIO:g} % of max)",
        "fraction",
        False,
        1.0,
    ),
    Metric("mean", "mean activation (layer output)", "value", None),
    Metric("std", "std of the activation (layer output)", "value", None),
    Metric("pre_mean", "mean pre-activation", "value", None),
    Metric("pre_std", "std of the pre-activation", "value", None),
    Metric("grad_norm", "weight-gradient norm (init and last epoch only)", "value", None),
    Metric("units", "hidden units in the layer", "count", None),
)

# only in the records of a network whose activation learns a parameter (PReLU's negative
# slope: one per layer, or one per unit for prelu_channel): its mean and percentiles over a
# layer's values (NaN for a layer whose activation learns none). Every other record, and so
# every other Result, keeps exactly PROBES' fields.
LEARNED: dict[str, Metric] = _table(
    Metric("slope", "learned activation parameter (PReLU's slope), mean", "value", None),
    Metric("slope_q10", "learned activation parameter, 10th percentile", "value", None),
    Metric("slope_q50", "learned activation parameter, median", "value", None),
    Metric("slope_q90", "learned activation parameter, 90th percentile", "value", None),
)


PASSES = ("forward", "forward_backward")


def saturated(d: Any, top: Any) -> Any:
    """Where |f'| is saturated: ``d < SATURATION_RATIO · top``, elementwise.

    Args:
        d: |f'| values (a number, a numpy array or a torch tensor).
        top: the activation's max |f'| (broadcast against ``d``).
    """
    return d < SATURATION_RATIO * top


def saturates(d: Any, top: Any) -> Any:
    """Whether an activation saturates: its |f'| is :func:`saturated` at both ends of a grid
    (the first and last values along the last axis of ``d``; sigmoid and tanh do, ELU, whose
    derivative is 1 on the right, does not). The saturated share is defined for such
    activations only.

    Args:
        d: |f'| on an increasing grid of inputs, (..., grid points).
        top: max |f'| (shape ``d.shape[:-1]``, or a number).

    Returns:
        A bool (or a bool array / tensor of shape ``d.shape[:-1]``).
    """
    return saturated(d[..., 0], top) & saturated(d[..., -1], top)


def get(name: str | Metric) -> Metric:
    """The declared :class:`Metric` for a score name (a Metric is returned as is).

    Raises:
        UnknownNameError: an unknown name; the message lists the valid ones.
    """
    if isinstance(name, Metric):
        return name
    try:
        return METRICS[name]
    except KeyError:
        raise UnknownNameError("metric", name, list(METRICS)) from None
