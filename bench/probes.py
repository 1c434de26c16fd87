"""Unit-health probes: dead, negative-regime and saturated units, layer statistics, gradients.

Public:
    PROBE_METRICS           names of the per-layer series :func:`unit_health` returns
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    unit_health(model, X, y=None) -> dict[str, list[float]]

Definitions (CLAIMS.md): a hidden unit is *dead* when the activation's derivative is 0 for
every sample; in the *negative regime* when its pre-activation is < 0 for every sample; a
(unit, sample) pair is *saturated* when |f'(z)| < 1e-2 · max |f'| (defined for activations
whose derivative vanishes at both ends, sigmoid and tanh; NaN for the others). ``mean`` and
``std`` describe what the layer hands on (for a residual block: ``h + act(W h + b)``). For a
conv layer a unit is a channel, reduced over samples and positions. The derivative comes
from autograd on the activation module itself, so the definitions hold for every registry
entry with no per-activation code. Reductions over samples are ``amax`` and ``mean``.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from bench.models import ProbedNet

SATURATION_RATIO = 1e-2
PROBE_METRICS = (
    "dead", "negative", "saturated", "mean", "std", "grad_norm", "units",
)  # fmt: skip


_DERIVATIVE_PROFILE: dict[str, tuple[float, bool]] = {}


def _derivative_profile(act: nn.Module) -> tuple[float, bool]:
    """(max |f'|, whether f saturates) over a fine grid of [-20, 20].

    An activation *saturates* when |f'| falls below ``SATURATION_RATIO`` of its maximum at
    both ends (sigmoid, tanh); for the others the saturated fraction is not defined (NaN).
    Cached per module configuration; modules with parameters (PReLU's learned slope) are
    measured afresh.
    """
    key = f"{type(act).__name__}:{act!r}"
    cacheable = next(act.parameters(), None) is None
    if not cacheable or key not in _DERIVATIVE_PROFILE:
        z = torch.linspace(-20, 20, 400_001, requires_grad=True)
        with torch.enable_grad():
            (d,) = torch.autograd.grad(act(z).sum(), z)
        d = d.abs()
        top = float(d.max())
        profile = (top, bool(d[0] < SATURATION_RATIO * top and d[-1] < SATURATION_RATIO * top))
        if not cacheable:
            return profile
        _DERIVATIVE_PROFILE[key] = profile
    return _DERIVATIVE_PROFILE[key]


def _units_last(t: torch.Tensor) -> torch.Tensor:
    """(N, C, *spatial) or (N, C) → (N·spatial, C): one column per unit."""
    if t.dim() == 2:
        return t
    return t.transpose(1, -1).reshape(-1, t.shape[1])


def _layer_stats(act: nn.Module, pre: torch.Tensor, out: torch.Tensor) -> dict[str, float]:
    z = _units_last(pre.detach()).requires_grad_(True)
    with torch.enable_grad():
        (deriv,) = torch.autograd.grad(act(z).sum(), z)
    deriv = deriv.abs()
    max_d, saturates = _derivative_profile(act)
    n_units = z.shape[1]
    saturated = (deriv < SATURATION_RATIO * max_d).float().mean() if saturates else math.nan
    return {  # counts over units divided in Python: k dead of n is exactly k/n
        "dead": int((deriv.amax(dim=0) == 0).sum()) / n_units,
        "negative": int((z.detach().amax(dim=0) < 0).sum()) / n_units,
        "saturated": float(saturated),
        "mean": float(out.mean()),
        "std": float(out.std()),
        "units": float(n_units),
    }


def unit_health(
    model: ProbedNet, X: torch.Tensor, y: torch.Tensor | None = None
) -> dict[str, list[float]]:
    """Measure every hidden layer of ``model`` on the whole of ``X`` (eval mode).

    Args:
        model: a :class:`bench.models.ProbedNet`.
        X: inputs, all samples at once.
        y: labels; when given, ``grad_norm`` is the Frobenius norm of each hidden layer's
            weight gradient of the mean cross-entropy loss, else NaN.

    Returns:
        ``{metric: [value per hidden layer, input side first]}`` for each of
        :data:`PROBE_METRICS`.
    """
    points = model.probe_points()
    layer_in: dict[int, torch.Tensor] = {}
    act_io: dict[int, tuple[torch.Tensor, torch.Tensor]] = {}

    def keep(store: dict, i: int, with_output: bool):
        def fn(_module: nn.Module, args: tuple[torch.Tensor, ...], output: torch.Tensor):
            store[i] = (args[0], output) if with_output else args[0]

        return fn

    handles = []
    for i, (layer, act) in enumerate(points):
        handles.append(layer.register_forward_hook(keep(layer_in, i, False)))
        handles.append(act.register_forward_hook(keep(act_io, i, True)))
    was_training = model.training
    model.eval()
    try:
        with torch.set_grad_enabled(y is not None):
            logits = model(X)
        grads: list[float]
        if y is not None:
            weights = [layer.weight for layer, _ in points]
            g = torch.autograd.grad(F.cross_entropy(logits, y), weights, allow_unused=True)
            grads = [float(t.norm()) if t is not None else 0.0 for t in g]
        else:
            grads = [float("nan")] * len(points)
        with torch.no_grad():
            stats = [
                _layer_stats(act, act_io[i][0], model.layer_output(i, layer_in[i], act_io[i][1]))
                for i, (_, act) in enumerate(points)
            ]
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {m: grads if m == "grad_norm" else [s[m] for s in stats] for m in PROBE_METRICS}
