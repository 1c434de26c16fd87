"""Finding and recording the activation calls of a forward pass: the probes' hooks.

Public:
    ACTIVATION_MODULES      modules whose classes count as activations without being listed
    Call                    one call of an activation module during a forward pass
    is_activation(module)   whether a module counts as an activation without being listed
    activation_modules(model, activations=None) -> list[nn.Module]
                            the activation modules the probes hook, in registration order
    feeding_candidates(model, acts) -> list[nn.Module]
                            the modules watched to find the layer feeding an activation
    recording(acts, feeders=(), keep_layer_input=False)
                            context manager: every call of an activation module during a
                            forward pass, in call order, with its input, output, derivative
                            and the layer that fed it

The activation modules are those of a class defined in ``torch.nn.modules.activation``
(ReLU, LeakyReLU, ELU, SELU, Tanh, Sigmoid, GELU, SiLU, Mish, Softplus, CELU, Hardswish,
PReLU, RReLU, …; not Softmax, Softmin, LogSoftmax, Softmax2d, GLU or MultiheadAttention,
which are not elementwise) or in :mod:`bench.activations`, plus any module passed in
``activations=``; the harness's own networks pass theirs (``probe_points()``). The layer
*feeding* an activation is the module with a weight of two or more dimensions whose output
is the activation's input, seen through normalization and dropout modules (torch's, and
those whose class sets ``pass_through = True``: the harness's stacked norms and dropout).
:mod:`bench.run.probes` turns the recorded calls into unit health.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

import torch
from torch import nn

ACTIVATION_MODULES = ("torch.nn.modules.activation", "bench.activations")
# in torch.nn.modules.activation, but not elementwise: never probed unless listed
_NOT_ELEMENTWISE = (
    nn.Softmax,
    nn.Softmin,
    nn.LogSoftmax,
    nn.Softmax2d,
    nn.GLU,
    nn.MultiheadAttention,
)
# modules an activation's input may pass through on its way from the layer feeding it
_PASS_THROUGH = (
    nn.modules.batchnorm._BatchNorm,
    nn.LayerNorm,
    nn.GroupNorm,
    nn.modules.instancenorm._InstanceNorm,
    nn.modules.dropout._DropoutNd,
)


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
        if id(m) not in skip and (_has_weight_matrix(m) or _passes_through(m))
    ]


def _passes_through(module: nn.Module) -> bool:
    return isinstance(module, _PASS_THROUGH) or getattr(type(module), "pass_through", False)


def _derivative(
    forward: Callable[..., torch.Tensor], z: torch.Tensor, args: tuple, kwargs: dict
) -> tuple[torch.Tensor, torch.Tensor]:
    """(f(z), f'(z)) from one forward and one backward pass of the activation alone.

    When the caller differentiates through the forward pass (the probes' weight
    gradients), the output stays connected to ``z`` and the graph is kept for that later
    backward; otherwise the output is returned detached.
    """
    through = torch.is_grad_enabled() and z.requires_grad
    with torch.enable_grad():
        t = z if through else z.detach().requires_grad_(True)
        out = forward(t, *args, **kwargs)
        d = None
        if out.requires_grad:  # else piecewise constant: f' = 0 wherever it is defined
            ones = torch.ones((), dtype=out.dtype, device=out.device).expand_as(out)  # no fill
            (d,) = torch.autograd.grad(out, t, ones, retain_graph=through, allow_unused=True)
    if d is None:
        d = torch.zeros_like(z)
    return (out if torch.is_grad_enabled() else out.detach()), d


@contextlib.contextmanager
def recording(
    acts: Sequence[nn.Module],
    feeders: Sequence[nn.Module] = (),
    keep_layer_input: bool = False,
) -> Iterator[list[Call]]:
    """Record every call of the activation modules ``acts`` during forward passes.

    Yields a list that each forward pass appends one :class:`Call` to per activation call,
    in call order (empty it between passes). The derivative comes from autograd through
    the activation's own forward (pulled back with ones: f'(z) elementwise), so it costs
    one backward kernel and no second forward; it works for every registry entry, PReLU's
    learned slope included. An activation called inside another recorded one is
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
                out, d = _derivative(forward, z, args, kwargs)
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
