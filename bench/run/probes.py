"""Unit-health probes over K members at once: dead, negative-regime and saturated units,
layer statistics, weight-gradient norms; on the harness's networks and on anyone's.

Public:
    PROBE_METRICS           names of the per-layer series a health record holds
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    Layer                   what one hidden layer showed on the probe set, K members stacked
    Call                    one call of an activation module during a forward pass
    is_activation(module)   whether a module counts as an activation without being listed
    activation_modules(model, activations=None) -> list[nn.Module]
                            the activation modules the probes hook, in registration order
    recording(acts, feeders)
                            context manager: every call of an activation module during a
                            forward pass, in call order, with its input, output, derivative
                            and the layer that fed it
    derivative(act, z)      f'(z) elementwise, by autograd on the activation module
    Accumulator             per-member statistics folded in chunk by chunk
    probe(chunk_fn, X, y=None, k=1) -> (logits, health records)
                            K members probed on all of ``X``, in chunks of samples
    module_chunk(model, members=None, activations=None)
                            the chunk function of one network (or of K stacked ones)
    trace_module(model, X, y=None, activations=None) -> (logits, [health record])
                            one network probed on ``X`` (K = 1)
    unit_health(model, X, y=None, activations=None) -> dict[str, list[float]]
                            the health record of one network

Any network whose nonlinearities are modules can be probed: a plain ``nn.Sequential``, a
conv net, someone's own ``nn.Module``. A *hidden layer* is one call of an activation module
in a forward pass, in call order (a module called twice is two layers). The activation
modules are those of a class defined in ``torch.nn.modules.activation`` (ReLU, LeakyReLU,
ELU, SELU, Tanh, Sigmoid, GELU, SiLU, Mish, Softplus, CELU, Hardswish, PReLU, RReLU, …; not
Softmax, Softmin, LogSoftmax, Softmax2d, GLU or MultiheadAttention, which are not
elementwise) or in :mod:`bench.activations`, plus any module passed in ``activations=``; the
harness's own networks (:class:`bench.models.ProbedNet` and their stacked copies) pass theirs
(``probe_points()``), so ``identity`` and ad-hoc entries count too. The layer *feeding* an
activation is the module with a weight of two or more dimensions (Linear, Conv, their
stacked forms, …) whose output is the activation's input, seen through normalization and
dropout modules (BatchNorm, LayerNorm, GroupNorm, InstanceNorm, Dropout); ``grad_norm`` is
the norm of that weight's gradient, NaN when no such layer feeds the activation (a
functional ``F.linear``, a sum of branches) or when no labels are given. Activations built
with ``inplace=True`` run out of place while they are probed.

Definitions: a hidden unit is *dead* when the activation's derivative is 0 for every
sample; in the *negative regime* when its pre-activation is < 0 for every sample; a
(unit, sample) pair is *saturated* when |f'(z)| < 1e-2 · max |f'| (defined for activations
whose derivative vanishes at both ends, sigmoid and tanh; NaN for the others). ``mean`` and
``std`` describe what the layer hands on (the activation's output; for a residual block of
the harness: ``h + act(W h + b)``); ``pre_mean`` and ``pre_std`` its pre-activation, the
activation's input ``z = W h + b`` (Glorot & Bengio's view). A unit is a column of dim 1 of
the activation's input: a feature, or for a conv layer a channel, reduced over samples and
positions. The derivative comes from autograd on the activation module itself, so the
definitions hold for every registry entry with no per-activation code. Every statistic is
reduced per member (dim 0), so the batched engine and the one-network path share this code.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Callable, Iterable, Iterator, Sequence
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
# modules whose classes count as activations without being listed, and whose repr states
# their whole configuration (so a derivative profile may be cached by it)
ACTIVATION_MODULES = ("torch.nn.modules.activation", "bench.activations")
_REPR_STATES_CONFIG = {*ACTIVATION_MODULES, "torch.nn.modules.linear", "bench.run.batched"}
# in torch.nn.modules.activation, but not elementwise: never probed unless listed
_NOT_ELEMENTWISE = (
    nn.Softmax, nn.Softmin, nn.LogSoftmax, nn.Softmax2d, nn.GLU, nn.MultiheadAttention,
)  # fmt: skip
# modules an activation's input may pass through on its way from the layer feeding it
_PASS_THROUGH = (
    nn.modules.batchnorm._BatchNorm, nn.LayerNorm, nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm, nn.modules.dropout._DropoutNd,
)  # fmt: skip


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
    ends = (d[:, 0] < SATURATION_RATIO * top) & (d[:, -1] < SATURATION_RATIO * top)
    profile = (float(top.max()), bool(ends.all()))
    if cacheable:
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


@dataclass
class Call:
    """One call of an activation module during a forward pass.

    Attributes:
        act: the activation module.
        feeder: the layer whose weight fed it (see :func:`recording`), else ``None``.
        layer_in: the feeder's input (kept only when asked for), else ``None``.
        pre, out, deriv: the activation's input, output, and derivative at its input.
    """

    act: nn.Module
    feeder: nn.Module | None
    layer_in: torch.Tensor | None
    pre: torch.Tensor
    out: torch.Tensor
    deriv: torch.Tensor


def is_activation(module: nn.Module) -> bool:
    """Whether ``module`` counts as an activation without being listed: its class is
    defined in ``torch.nn.modules.activation`` or :mod:`bench.activations` and acts
    elementwise."""
    return type(module).__module__ in ACTIVATION_MODULES and not isinstance(
        module, _NOT_ELEMENTWISE
    )


def activation_modules(
    model: nn.Module, activations: Iterable[nn.Module] | None = None
) -> list[nn.Module]:
    """The activation modules of ``model`` the probes hook, each once, in registration order.

    Those :func:`is_activation` finds, those listed in ``activations``, and for the harness's
    own networks (anything with ``probe_points()``) the activation of each point.
    """
    listed = list(activations or [])
    if hasattr(model, "probe_points"):
        listed += [act for _, act in model.probe_points()]
    ids = {id(m) for m in listed}
    found = [m for m in model.modules() if id(m) in ids or is_activation(m)]
    # listed modules outside ``model`` come last (a module the forward calls without
    # holding it); dict keys keep each module once
    return list({id(m): m for m in found + listed}.values())


def _has_weight_matrix(module: nn.Module) -> bool:
    w = module._parameters.get("weight")
    return w is not None and w.dim() >= 2


def feeding_candidates(model: nn.Module, acts: Sequence[nn.Module]) -> list[nn.Module]:
    """The modules :func:`recording` watches to find the layer feeding an activation: those
    with a weight of two or more dimensions, and the normalization and dropout modules."""
    skip = {id(a) for a in acts}
    return [
        m
        for m in model.modules()
        if id(m) not in skip and (_has_weight_matrix(m) or isinstance(m, _PASS_THROUGH))
    ]


@contextlib.contextmanager
def recording(
    acts: Sequence[nn.Module],
    feeders: Sequence[nn.Module] = (),
    keep_layer_input: bool = False,
) -> Iterator[list[Call]]:
    """Record every call of the activation modules ``acts`` during forward passes.

    Yields a list that each forward pass appends one :class:`Call` to per activation call,
    in call order (empty it between passes). The derivative comes from ``torch.func.vjp``
    around the activation's own forward (pulled back with ones: f'(z) elementwise), so it
    costs one backward kernel and no second forward; it works for every registry entry,
    PReLU's learned slope included. An activation called inside another recorded one is
    part of it, not a layer of its own.

    The feeding layer is found by tensor identity: forward hooks on ``feeders`` note which
    module produced which tensor; an activation's input produced by a module with a weight
    of two or more dimensions was fed by it, one produced by a normalization or dropout
    module is traced back to that module's input. ``keep_layer_input`` keeps the feeder's
    input too (the harness's residual blocks report ``h + act(W h + b)``).
    """
    calls: list[Call] = []
    produced: dict[int, tuple[nn.Module, torch.Tensor, torch.Tensor]] = {}
    depth = [0]  # > 0 while inside a recorded activation

    def note(m: nn.Module, args: tuple, out: object) -> None:
        if isinstance(out, torch.Tensor) and args and out is not args[0]:
            produced[id(out)] = (m, args[0], out)  # the tensor itself: its id stays its own

    def feeder_of(z: torch.Tensor) -> tuple[nn.Module | None, torch.Tensor | None]:
        t = z
        for _ in range(len(feeders) + 1):
            hit = produced.get(id(t))
            if hit is None or hit[2] is not t:
                return None, None
            module, given, _ = hit
            if _has_weight_matrix(module):
                return module, given if keep_layer_input else None
            t = given  # a normalization or dropout module: look through it
        return None, None

    def with_derivative(act: nn.Module, forward: Callable[..., torch.Tensor]):
        def fn(z: torch.Tensor, *args: object, **kwargs: object) -> torch.Tensor:
            if depth[0] or not isinstance(z, torch.Tensor):
                return forward(z, *args, **kwargs)
            depth[0] += 1
            try:
                out, pull = vjp(lambda t: forward(t, *args, **kwargs), z)
                (d,) = pull(torch.ones_like(out))
            finally:
                depth[0] -= 1
            feeder, given = feeder_of(z)
            calls.append(Call(act, feeder, given, z, out, d))
            return out

        return fn

    handles, patched, inplace = [], [], []
    try:
        for m in feeders:
            handles.append(m.register_forward_hook(note))
        for act in acts:
            own = act.__dict__.get("forward")  # an instance's own forward, put back below
            act.forward = with_derivative(act, act.forward)  # this instance only
            patched.append((act, own))
            if getattr(act, "inplace", False) is True:
                act.inplace = False  # the input is recorded: it must survive the call
                inplace.append(act)
        yield calls
    finally:
        for h in handles:
            h.remove()
        for act, own in patched:
            if own is None:
                del act.forward
            else:
                act.forward = own
        for act in inplace:
            act.inplace = True
        produced.clear()


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


def module_chunk(
    model: nn.Module,
    members: int | None = None,
    activations: Iterable[nn.Module] | None = None,
):
    """The ``chunk_fn`` of :func:`probe` for a network, in eval mode.

    Args:
        model: any ``nn.Module`` whose activations are modules (see the module docstring),
            a :class:`bench.models.ProbedNet`, or a ProbedNet's stacked form
            (:func:`bench.run.batched.stack`), which maps (K, n, …) to (K, n, C).
        members: K for a stacked network; ``None`` for a plain one (K = 1).
        activations: further modules to count as activations (see
            :func:`activation_modules`).
    """
    acts = activation_modules(model, activations)
    feeders = feeding_candidates(model, acts)
    layer_output = getattr(model, "layer_output", None)
    lift = (lambda t: t[None]) if members is None else (lambda t: t)
    profiles: dict[int, tuple[float, bool]] = {}  # once per probe, not per chunk
    n_layers: list[int] = []

    def fn(X: torch.Tensor, weights: tuple[torch.Tensor, float] | None):
        inputs = X if members is None else X.expand(members, *X.shape)  # a stride-0 view
        with (
            recording(acts, feeders, keep_layer_input=layer_output is not None) as calls,
            torch.set_grad_enabled(weights is not None),
        ):
            logits = lift(model(inputs))
        if not n_layers:
            n_layers.append(len(calls))
        elif len(calls) != n_layers[0]:
            raise RuntimeError(
                f"the activations were called {len(calls)} times on this chunk, "
                f"{n_layers[0]} on the first: the probes need the same layers every pass"
            )
        grads = None
        if weights is not None and calls:  # depth 0: no hidden layer, no gradient to measure
            y, scale = weights
            k = logits.shape[0]
            flat = logits.reshape(-1, logits.shape[-1])
            loss = F.cross_entropy(flat, y.repeat(k), reduction="sum") * scale
            wanted = {
                id(c.feeder.weight): c.feeder.weight
                for c in calls
                if c.feeder is not None and c.feeder.weight.requires_grad
            }
            g = (
                torch.autograd.grad(loss, list(wanted.values()), allow_unused=True)
                if wanted
                else ()
            )
            by_weight = dict(zip(wanted, g))
            nan = torch.full((k, 1), math.nan, dtype=logits.dtype, device=logits.device)
            grads = []
            for c in calls:
                if c.feeder is None or id(c.feeder.weight) not in by_weight:
                    grads.append(nan)  # no clear feeding layer: NaN, summed as NaN
                    continue
                t = by_weight[id(c.feeder.weight)]
                grads.append(lift(t if t is not None else torch.zeros_like(c.feeder.weight)))
        layers = []
        for i, c in enumerate(calls):
            if id(c.act) not in profiles:
                profiles[id(c.act)] = derivative_profile(c.act)
            max_d, saturates = profiles[id(c.act)]
            out = c.out.detach()
            if layer_output is not None and c.layer_in is not None:
                out = layer_output(i, c.layer_in.detach(), out)
            layers.append(
                Layer(lift(c.pre.detach()), lift(c.deriv.detach()), lift(out), saturates, max_d)
            )
        calls.clear()
        return logits.detach(), layers, grads

    return fn


def trace_module(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    activations: Iterable[nn.Module] | None = None,
) -> tuple[torch.Tensor, list[dict[str, list[float]]]]:
    """Probe one network on ``X`` in eval mode (its mode is restored afterwards).

    Returns:
        (logits (1, N, C), ``[health record]``).
    """
    was_training = model.training
    model.eval()
    try:
        return probe(module_chunk(model, activations=activations), X, y, k=1)
    finally:
        model.train(was_training)


def _units_last(t: torch.Tensor) -> torch.Tensor:
    """(K, N, C, *spatial) or (K, N, C) → (K, N·spatial, C): one column per unit."""
    if t.dim() == 3:
        return t
    return t.movedim(2, -1).reshape(t.shape[0], -1, t.shape[2])


def unit_health(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    activations: Iterable[nn.Module] | None = None,
) -> dict[str, list[float]]:
    """Measure every hidden layer of ``model`` on the whole of ``X`` (eval mode).

    Args:
        model: any ``nn.Module`` whose activations are modules: an ``nn.Sequential``, a
            conv net, a :class:`bench.models.ProbedNet` (see the module docstring).
        X: inputs, all samples at once (any shape ``model`` takes, samples on dim 0).
        y: labels; when given, ``grad_norm`` is the Frobenius norm of the weight gradient
            of the mean cross-entropy loss of the layer feeding each activation (NaN where
            none does), else NaN.
        activations: further modules to count as activations (a custom nonlinearity).

    Returns:
        ``{metric: [value per hidden layer, in forward order]}`` for each of
        :data:`PROBE_METRICS`.
    """
    return trace_module(model, X, y, activations)[1][0]
