"""What an activation learned: the values of its module's learned parameter (PReLU's
negative slope, one per layer or one per unit), read at each probe and summarized per
layer for the health record (:mod:`bench.run.probes`; the series ``slope``, ``slope_q10``,
``slope_q50`` and ``slope_q90`` of :data:`bench.schema.LEARNED`, which a record holds only
where some activation learns a parameter).

Public:
    SERIES                      the record's series names, in order (mean, 10th, 50th and
                                90th percentile)
    values(act, members) -> Tensor | None
                                (K, P): the activation module's first own parameter per
                                member (a stacked module holds the members on dim 0; a
                                plain one is K = 1); None where it has none
    summary(learned, k) -> list[list[list[float]]]
                                per layer, per member: the mean and the percentiles ([]
                                when nothing is learned)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import torch
from torch import nn

from bench import schema

SERIES = tuple(schema.LEARNED)
_QUANTILES = (0.1, 0.5, 0.9)


def values(act: nn.Module, members: int | None) -> torch.Tensor | None:
    """The activation's learned values per member, (K, P), detached; ``members`` is K for
    a stacked module, None for a plain one (K = 1). None when it learns nothing."""
    param = next(act.parameters(recurse=False), None)
    if param is None:
        return None
    return param.detach().reshape(1 if members is None else members, -1)


def summary(learned: Sequence[torch.Tensor | None], k: int) -> list[list[list[float]]]:
    """Per layer, per member: ``[mean, q10, q50, q90]`` of the learned values (float64 on
    the host, linear interpolation, each member's row on its own, so a member's numbers do
    not depend on its stack); NaNs for a layer whose activation learns nothing; ``[]``
    when no layer's activation learns anything (the record holds no such series)."""
    if all(layer is None for layer in learned):
        return []
    out = []
    for layer in learned:
        if layer is None:
            out.append([[math.nan] * len(SERIES) for _ in range(k)])
            continue
        rows = layer.to("cpu", torch.float64).numpy()
        out.append([[float(r.mean()), *map(float, np.quantile(r, _QUANTILES))] for r in rows])
    return out
