"""An activation's derivative by autograd, and its profile over a fixed grid: the largest
|f'| and whether f saturates (the probes' saturated share is defined for those that do).
:mod:`bench.run.probes` re-exports both.

Public:
    derivative(act, z)      f'(z) elementwise, by autograd on the activation module
    derivative_profile(act) -> (max |f'|, saturates)
"""

from __future__ import annotations

import math

import torch
from torch import nn

from bench import schema
from bench.run.hooks import ACTIVATION_MODULES

_DERIVATIVE_PROFILE: dict[str, tuple[float, bool]] = {}
# modules whose repr states their whole configuration (a derivative profile may be cached by it)
_REPR_STATES_CONFIG = {*ACTIVATION_MODULES, "torch.nn.modules.linear", "bench.run.batched"}


def derivative(act: nn.Module, z: torch.Tensor) -> torch.Tensor:
    """Return f'(z) for an elementwise activation module, by autograd."""
    z = z.detach().requires_grad_(True)
    with torch.enable_grad():
        (d,) = torch.autograd.grad(act(z).sum(), z)
    return d


def derivative_profile(act: nn.Module) -> tuple[float, bool]:
    """(max |f'|, whether f saturates) over a fine grid of [-20, 20].

    An activation *saturates* when |f'| falls below ``SATURATION_RATIO`` of its maximum at
    both ends (sigmoid, tanh); for the others the saturated fraction is not defined (NaN).
    Cached per module configuration for the classes whose ``repr`` states it (torch's,
    the harness's); modules with parameters (PReLU's learned slope) and other classes are
    measured afresh. A stacked module (``members`` > 0, see :mod:`bench.run.batched`) is
    measured for every member at once: the largest |f'| of any member, and "saturates"
    only when every member does; a module that wants channels (``nn.PReLU`` with one slope
    per channel) gets the grid once per channel. A module that takes no grid at all gets
    (NaN, False): saturation undefined.
    """
    key = f"{type(act).__name__}:{act!r}"
    param = next(act.parameters(), None)
    cacheable = param is None and type(act).__module__ in _REPR_STATES_CONFIG
    if cacheable and key in _DERIVATIVE_PROFILE:
        return _DERIVATIVE_PROFILE[key]
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else "cpu"
    grid = torch.linspace(-20, 20, 4001, dtype=dtype, device=device)  # step 0.01, 0 included
    members = getattr(act, "members", 0)
    try:
        d = derivative(act, grid.expand(members, -1) if members else grid)
        d = d.abs().reshape(-1, len(grid))
    except (RuntimeError, ValueError, TypeError):
        channels = getattr(act, "num_parameters", 1)
        try:  # (grid, channels): one column per channel
            d = derivative(act, grid[:, None].expand(-1, channels)).abs().T
        except (RuntimeError, ValueError, TypeError):
            return math.nan, False
    top = d.amax(dim=1)
    profile = (float(top.max()), bool(schema.saturates(d, top).all()))
    if cacheable:
        _DERIVATIVE_PROFILE[key] = profile
    return profile
