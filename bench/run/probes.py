"""Unit-health probes over K members at once: dead, negative-regime and saturated units,
layer statistics, weight-gradient norms.

Public:
    PROBE_METRICS           names of the per-layer series a health record holds
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    Layer                   what one hidden layer showed on the probe set, K members stacked
    recording(points)       context manager: forward hooks that collect each hidden layer's
                            input, pre-activation and activation output
    derivative(act, z)      f'(z) elementwise, by autograd on the activation module
    Accumulator             per-member statistics folded in chunk by chunk
    probe(chunk_fn, X, y=None, k=1) -> (logits, health records)
                            K members probed on all of ``X``, in chunks of samples
    module_chunk(model)     the chunk function of one network
    trace_module(model, X, y=None) -> (logits, [health record])
                            one network probed on ``X`` (K = 1)
    unit_health(model, X, y=None) -> dict[str, list[float]]
                            the health record of one network

Definitions: a hidden unit is *dead* when the activation's derivative is 0 for every
sample; in the *negative regime* when its pre-activation is < 0 for every sample; a
(unit, sample) pair is *saturated* when |f'(z)| < 1e-2 · max |f'| (defined for activations
whose derivative vanishes at both ends, sigmoid and tanh; NaN for the others). ``mean`` and
``std`` describe what the layer hands on (for a residual block: ``h + act(W h + b)``);
``pre_mean`` and ``pre_std`` its pre-activation ``z = W h + b`` (Glorot & Bengio's view). For a
conv layer a unit is a channel, reduced over samples and positions. The derivative comes
from autograd on the activation module itself, so the definitions hold for every registry
entry with no per-activation code. Every statistic is reduced per member (dim 0), so the
batched engine and the one-network path share this code.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn
from torch.func import vjp
from torch.nn import functional as F

SATURATION_RATIO = 1e-2
PROBE_METRICS = (
    "dead", "negative", "saturated", "mean", "std", "pre_mean", "pre_std", "grad_norm", "units",
)  # fmt: skip

_DERIVATIVE_PROFILE: dict[str, tuple[float, bool]] = {}


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
    Cached per module configuration; modules with parameters (PReLU's learned slope) are
    measured afresh. A stacked module (``members`` > 0, see :mod:`bench.run.batched`) is
    measured for every member at once: the largest |f'| of any member, and "saturates"
    only when every member does.
    """
    key = f"{type(act).__name__}:{act!r}"
    param = next(act.parameters(), None)
    if param is None and key in _DERIVATIVE_PROFILE:
        return _DERIVATIVE_PROFILE[key]
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else "cpu"
    grid = torch.linspace(-20, 20, 4001, dtype=dtype, device=device)  # step 0.01, 0 included
    members = getattr(act, "members", 0)
    d = derivative(act, grid.expand(members, -1) if members else grid).abs().reshape(-1, len(grid))
    top = d.amax(dim=1)
    ends = (d[:, 0] < SATURATION_RATIO * top) & (d[:, -1] < SATURATION_RATIO * top)
    profile = (float(top.max()), bool(ends.all()))
    if param is None:
        _DERIVATIVE_PROFILE[key] = profile
    return profile


@dataclass
class Layer:
    """One hidden layer on the probe set, members stacked on dim 0.

    Attributes:
        pre: pre-activations, (K, N, units) or (K, N, channels, *spatial).
        deriv: the activation's derivative at ``pre`` (same shape).
        out: what the layer hands on (same leading dims).
        saturates / max_deriv: the activation's :func:`derivative_profile`.
    """

    pre: torch.Tensor
    deriv: torch.Tensor
    out: torch.Tensor
    saturates: bool
    max_deriv: float


@contextlib.contextmanager
def recording(
    points: Sequence[tuple[nn.Module, nn.Module]],
) -> Iterator[list[dict[int, torch.Tensor]]]:
    """Record every hidden layer during forward passes.

    Yields ``[layer_in, pre, act_out, deriv]`` dicts keyed by hidden-layer index, filled
    by each forward pass: the layer's input, the activation's input and output, and the
    activation's derivative at its input. The derivative comes from ``torch.func.vjp``
    around the activation's own forward (pulled back with ones: f'(z) elementwise), so it
    costs one backward kernel and no second forward; it works for every registry entry,
    PReLU's learned slope included, and inside ``torch.func.vmap``, where what is
    recorded must be returned by the vmapped function, never kept across calls.
    """
    layer_in: dict[int, torch.Tensor] = {}
    pre: dict[int, torch.Tensor] = {}
    act_out: dict[int, torch.Tensor] = {}
    deriv: dict[int, torch.Tensor] = {}

    def keep_input(i: int):
        def fn(_m: nn.Module, args: tuple[torch.Tensor, ...], _out: torch.Tensor) -> None:
            layer_in[i] = args[0]

        return fn

    def with_derivative(i: int, forward: Callable[[torch.Tensor], torch.Tensor]):
        def fn(z: torch.Tensor) -> torch.Tensor:
            out, pull = vjp(forward, z)
            (deriv[i],) = pull(torch.ones_like(out))
            pre[i], act_out[i] = z, out
            return out

        return fn

    handles, patched = [], []
    try:
        for i, (layer, act) in enumerate(points):
            handles.append(layer.register_forward_hook(keep_input(i)))
            act.forward = with_derivative(i, act.forward)  # this instance only, undone below
            patched.append(act)
        yield [layer_in, pre, act_out, deriv]
    finally:
        for h in handles:
            h.remove()
        for act in patched:
            del act.forward


class Accumulator:
    """Per-member statistics of every hidden layer, accumulated over chunks of samples.

    Running maxima of |f'| and of the pre-activation per unit (dead, negative), counts of
    saturated pairs, float64 sums and sums of squares of the layer outputs (mean, std),
    and the weight gradients of the mean loss, summed chunk by chunk.
    """

    def __init__(self) -> None:
        self.dmax: list[torch.Tensor] = []
        self.zmax: list[torch.Tensor] = []
        self.sat: list[torch.Tensor | None] = []
        self.s1: list[torch.Tensor] = []
        self.s2: list[torch.Tensor] = []
        self.z1: list[torch.Tensor] = []
        self.z2: list[torch.Tensor] = []
        self.count: list[int] = []
        self.sat_count: list[int] = []
        self.grads: list[torch.Tensor] | None = None

    @torch.no_grad()
    def add(self, layers: Sequence[Layer], grads: Sequence[torch.Tensor] | None = None) -> None:
        """Fold one chunk in: its layers (members on dim 0) and weight-gradient parts."""
        first = not self.dmax
        for i, layer in enumerate(layers):
            z, d = _units_last(layer.pre), _units_last(layer.deriv)
            # |f'| is 0 on every sample iff f' has max 0 and min 0: two reductions, no |·| pass
            # (two, not torch.aminmax, which is many times slower on the CPU)
            dmax, zmax = torch.maximum(d.amax(dim=1), -d.amin(dim=1)), z.amax(dim=1)
            out = layer.out.flatten(1)  # chunk sums in the working type, totals in float64
            s1, s2 = out.sum(1).double(), (out * out).sum(1).double()
            zf = layer.pre.flatten(1)
            z1, z2 = zf.sum(1).double(), (zf * zf).sum(1).double()
            sat = (
                (d.abs() < SATURATION_RATIO * layer.max_deriv).flatten(1).sum(1)
                if layer.saturates
                else None
            )
            if first:
                self.dmax.append(dmax)
                self.zmax.append(zmax)
                self.s1.append(s1)
                self.s2.append(s2)
                self.z1.append(z1)
                self.z2.append(z2)
                self.sat.append(sat)
                self.count.append(out.shape[1])
                self.sat_count.append(d[0].numel())
            else:
                torch.maximum(self.dmax[i], dmax, out=self.dmax[i])
                torch.maximum(self.zmax[i], zmax, out=self.zmax[i])
                self.s1[i] += s1
                self.s2[i] += s2
                self.z1[i] += z1
                self.z2[i] += z2
                if sat is not None:
                    self.sat[i] += sat
                self.count[i] += out.shape[1]
                self.sat_count[i] += d[0].numel()
        if grads is not None:
            if self.grads is None:
                self.grads = [g.detach().clone() for g in grads]
            else:
                for total, g in zip(self.grads, grads):
                    total += g

    def finish(self, k: int | None = None) -> list[dict[str, list[float]]]:
        """One health record per member (one transfer to the host in all); ``k`` members
        when there is no hidden layer (depth 0: every series is empty)."""
        if not self.dmax:
            return [{name: [] for name in PROBE_METRICS} for _ in range(k or 1)]
        k = self.dmax[0].shape[0]
        dtype = torch.float64
        rows = []
        for i in range(len(self.dmax)):
            n = self.count[i]
            mean = self.s1[i] / n
            var = ((self.s2[i] - self.s1[i] * mean) / max(n - 1, 1)).clamp_min(0)
            pre_mean = self.z1[i] / n
            pre_var = ((self.z2[i] - self.z1[i] * pre_mean) / max(n - 1, 1)).clamp_min(0)
            sat = (
                self.sat[i].to(dtype) / self.sat_count[i]
                if self.sat[i] is not None
                else torch.full((k,), math.nan, dtype=dtype, device=mean.device)
            )
            norm = (
                self.grads[i].flatten(1).norm(dim=1).to(dtype)
                if self.grads is not None
                else torch.full((k,), math.nan, dtype=dtype, device=mean.device)
            )
            rows.append(
                torch.stack(
                    [
                        (self.dmax[i] == 0).sum(1).to(dtype),
                        (self.zmax[i] < 0).sum(1).to(dtype),
                        sat,
                        mean,
                        var.sqrt(),
                        pre_mean,
                        pre_var.sqrt(),
                        norm,
                    ]
                )
            )
        table = torch.stack(rows, dim=-1).movedim(1, 0).tolist()  # (K, metric, layer)
        units = [float(t.shape[1]) for t in self.dmax]
        out = []
        for dead, negative, saturated, mean, std, pre_mean, pre_std, norm in table:
            out.append(
                {  # counts over units divided in Python: k dead of n is exactly k/n
                    "dead": [int(c) / u for c, u in zip(dead, units)],
                    "negative": [int(c) / u for c, u in zip(negative, units)],
                    "saturated": saturated,
                    "mean": mean,
                    "std": std,
                    "pre_mean": pre_mean,
                    "pre_std": pre_std,
                    "grad_norm": norm,
                    "units": units,
                }
            )
        return out


# a chunk of samples holds at most this many elements per layer tensor (all members): on a
# CPU the probes' many elementwise passes then run in cache, on a GPU each kernel gets a
# large slice of work; either way memory stays bounded on any data set
CHUNK_ELEMENTS = {"cpu": 2**18, "cuda": 2**24}


def chunk_elements(device: torch.device | str) -> int:
    """The element budget of one chunk of samples on ``device``."""
    return CHUNK_ELEMENTS.get(torch.device(device).type, CHUNK_ELEMENTS["cpu"])


def probe(
    chunk_fn: Callable[
        [torch.Tensor, torch.Tensor | None],
        tuple[torch.Tensor, list[Layer], list[torch.Tensor] | None],
    ],
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    k: int = 1,
) -> tuple[torch.Tensor, list[dict[str, list[float]]]]:
    """Probe K members on the whole of ``X``, chunk by chunk.

    Args:
        chunk_fn: ``chunk_fn(X_chunk, loss_weights)`` → (logits (K, n, C), layers, weight
            gradients of ``Σ loss_weights · cross-entropy`` per member, or ``None`` when
            ``loss_weights`` is ``None``).
        X: all probe samples.
        y: labels; when given, gradient norms of the mean cross-entropy are measured.
        k: the number of members (sizes the chunks).

    Returns:
        (logits (K, N, C) on all of ``X``, one health record per member).
    """
    acc = Accumulator()
    logits = []
    n, start, size = len(X), 0, 64  # the first chunk measures a sample's size
    while start < n:
        stop = min(start + size, n)
        weights = None if y is None else (y[start:stop], 1.0 / n)
        out, layers, grads = chunk_fn(X[start:stop], weights)
        acc.add(layers, grads)
        logits.append(out)
        if start == 0:
            numel = [t.pre[0].numel() for t in layers] or [out[0].numel()]  # depth 0: no layer
            per_sample = max(numel) / (stop - start)
            size = max(16, int(chunk_elements(X.device) / (k * per_sample)))
        start = stop
    logits = torch.cat(logits, dim=1)
    return logits, acc.finish(logits.shape[0])


def module_chunk(model: nn.Module, members: int | None = None):
    """The ``chunk_fn`` of :func:`probe` for a network, in eval mode.

    Args:
        model: a :class:`bench.models.ProbedNet`, or its stacked form
            (:func:`bench.run.batched.stack`), which maps (K, n, …) to (K, n, C).
        members: K for a stacked network; ``None`` for a plain one (K = 1).
    """
    points = model.probe_points()
    lift = (lambda t: t[None]) if members is None else (lambda t: t)
    profiles = [derivative_profile(act) for _, act in points]  # once per probe, not per chunk

    def fn(X: torch.Tensor, weights: tuple[torch.Tensor, float] | None):
        inputs = X if members is None else X.expand(members, *X.shape)  # a stride-0 view
        with (
            recording(points) as (layer_in, pre, act_out, deriv),
            torch.set_grad_enabled(weights is not None),
        ):
            logits = lift(model(inputs))
        grads = None
        if weights is not None and points:  # depth 0: no hidden layer, no gradient to measure
            y, scale = weights
            k = logits.shape[0]
            flat = logits.reshape(-1, logits.shape[-1])
            loss = F.cross_entropy(flat, y.repeat(k), reduction="sum") * scale
            g = torch.autograd.grad(loss, [layer.weight for layer, _ in points], allow_unused=True)
            grads = [
                lift(t if t is not None else torch.zeros_like(layer.weight))
                for t, (layer, _) in zip(g, points)
            ]
        layers = []
        for i, (max_d, saturates) in enumerate(profiles):
            out = model.layer_output(i, layer_in[i].detach(), act_out[i].detach())
            layers.append(
                Layer(lift(pre[i].detach()), lift(deriv[i].detach()), lift(out), saturates, max_d)
            )
        return logits.detach(), layers, grads

    return fn


def trace_module(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor | None = None
) -> tuple[torch.Tensor, list[dict[str, list[float]]]]:
    """Probe one network (a :class:`bench.models.ProbedNet`) on ``X`` in eval mode.

    Returns:
        (logits (1, N, C), ``[health record]``).
    """
    was_training = model.training
    model.eval()
    try:
        return probe(module_chunk(model), X, y, k=1)
    finally:
        model.train(was_training)


def _units_last(t: torch.Tensor) -> torch.Tensor:
    """(K, N, C, *spatial) or (K, N, C) → (K, N·spatial, C): one column per unit."""
    if t.dim() == 3:
        return t
    return t.movedim(2, -1).reshape(t.shape[0], -1, t.shape[2])


def unit_health(
    model: nn.Module, X: torch.Tensor, y: torch.Tensor | None = None
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
    return trace_module(model, X, y)[1][0]
