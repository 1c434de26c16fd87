"""Unit-health probes: dead, negative-regime and saturated units, layer statistics, gradients.

Public:
    PROBE_METRICS           names of the per-layer series :func:`unit_health` returns
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    unit_health(model, X, y=None) -> dict[str, list[float]]
    overall(health, metric) -> float   unit-weighted mean of a per-layer series

Definitions (CLAIMS.md): a hidden unit is *dead* when the activation's derivative is 0 for
every sample; in the *negative regime* when its pre-activation is < 0 for every sample; a
(unit, sample) pair is *saturated* when |f'(z)| < 1e-2 · max |f'|. For a conv layer a unit is
a channel, reduced over samples and positions. The derivative comes from autograd on the
activation module itself, so the definitions hold for every registry entry with no
per-activation code. All reductions are ``amax``/``amin``/``mean`` over the sample axis.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from bench.models import ProbedNet

SATURATION_RATIO = 1e-2
PROBE_METRICS = (
    "dead", "negative", "saturated", "mean", "std", "grad_norm", "units",
)  # fmt: skip


_MAX_DERIVATIVE: dict[str, float] = {}


def _max_derivative(act: nn.Module) -> float:
    """max |f'| over a fine grid of [-20, 20], cached per module configuration."""
    key = f"{type(act).__name__}:{act!r}"
    if key not in _MAX_DERIVATIVE:
        z = torch.linspace(-20, 20, 400_001, requires_grad=True)
        with torch.enable_grad():
            (d,) = torch.autograd.grad(act(z).sum(), z)
        _MAX_DERIVATIVE[key] = float(d.abs().max())
    return _MAX_DERIVATIVE[key]


def _units_last(t: torch.Tensor) -> torch.Tensor:
    """(N, C, *spatial) or (N, C) → (N·spatial, C): one column per unit."""
    if t.dim() == 2:
        return t
    return t.transpose(1, -1).reshape(-1, t.shape[1])


def _layer_stats(act: nn.Module, pre: torch.Tensor, post: torch.Tensor) -> dict[str, float]:
    z = _units_last(pre.detach()).requires_grad_(True)
    with torch.enable_grad():
        (deriv,) = torch.autograd.grad(act(z).sum(), z)
    deriv = deriv.abs()
    max_d = _max_derivative(act)
    n_units = z.shape[1]
    return {  # counts over units divided in Python: k dead of n is exactly k/n
        "dead": int((deriv.amax(dim=0) == 0).sum()) / n_units,
        "negative": int((z.detach().amax(dim=0) < 0).sum()) / n_units,
        "saturated": float((deriv < SATURATION_RATIO * max_d).float().mean()),
        "mean": float(post.mean()),
        "std": float(post.std()),
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
    captured: list[tuple[torch.Tensor, torch.Tensor]] = [None] * len(points)  # type: ignore[list-item]

    def hook(i: int):
        def fn(_module: nn.Module, inputs: tuple[torch.Tensor, ...], output: torch.Tensor):
            captured[i] = (inputs[0], output)

        return fn

    handles = [act.register_forward_hook(hook(i)) for i, (_, act) in enumerate(points)]
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
            stats = [_layer_stats(act, *captured[i]) for i, (_, act) in enumerate(points)]
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    return {m: grads if m == "grad_norm" else [s[m] for s in stats] for m in PROBE_METRICS}


def overall(health: dict[str, list[float]], metric: str) -> float:
    """Unit-weighted mean of a per-layer series over all hidden layers."""
    units = health["units"]
    total = sum(units)
    return sum(v * u for v, u in zip(health[metric], units)) / total if total else float("nan")
