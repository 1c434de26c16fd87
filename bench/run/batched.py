"""K networks of one architecture as one network: stacked layers, members on dim 0.

Public:
    StackedLinear           K ``nn.Linear`` as one batched matmul (``torch.baddbmm``), the
                            weight gradient in member-aligned blocks
    StackedConv             K ``nn.Conv1d``/``nn.Conv2d``: one plain convolution per member
                            on the CPU, one grouped convolution on a GPU
    StackedPReLU            K ``nn.PReLU`` slopes (one per member, or one per member and
                            unit)
    StackedBatchNorm        K ``nn.BatchNorm1d``/``2d``: each member's statistics over its
                            real rows only (``rows``, which the engine sets), running
                            statistics in evaluation
    StackedLayerNorm        K ``nn.LayerNorm`` (last dim) or ``nn.GroupNorm`` with one group
                            (channels and positions): each sample on its own
    STACKED                 torch module type → its stacked counterpart (add an entry to
                            stack another torch layer type)
    stacked_form(module) -> Callable | None
                            what builds the stacked counterpart of ``module``: its
                            ``STACKED`` entry, or the ``stacked`` its own class declares
                            (the harness's RReLU: :class:`bench.activations.StackedRReLU`)
    Follows                 a stacked module with per-member state that is not a parameter
                            (``keep(index)`` follows the stack when members leave it)
    stack(nets) -> nn.Module
                            a copy of ``nets[0]`` whose layers hold every member's
                            parameters; it maps (K, N, …) inputs to (K, N, C) logits
    why_not_stackable(net) -> str
                            '' when :func:`stack` can stack this architecture, else why

The networks' own ``forward`` runs unchanged: their layers are replaced by stacked
counterparts, and parameter-free modules (every activation but PReLU) act elementwise on
the stacked tensors as they are. So nothing is traced or transformed (no ``vmap``): every
operation is one plain batched kernel (or, for convolutions on the CPU, one plain kernel
per member), and forward hooks, the probes and autograd see ordinary tensors with members
on dim 0. Every member's arithmetic is the same for any K (see :mod:`bench.run.layout`):
a network stacked alone (K = 1) is the per-cell path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from typing import Protocol, runtime_checkable

import torch
from torch import nn
from torch.nn import functional as F

from bench.run import layout


class _Affine(torch.autograd.Function):
    """bias + x @ W per member (bias (K, 1, out)); the weight gradient written in aligned
    member blocks (:func:`bench.run.layout.aligned_bmm`), so its rounding does not depend
    on K."""

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        # the classic signature: a separate setup_context costs a signature binding per call
        ctx.save_for_backward(x, weight)
        return torch.baddbmm(bias, x, weight)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        need_x, need_w, need_b = ctx.needs_input_grad
        gx = torch.bmm(grad, weight.transpose(1, 2)) if need_x else None
        gw = layout.aligned_bmm(x.transpose(1, 2), grad) if need_w else None
        gb = grad.sum(1, keepdim=True) if need_b else None
        return gx, gw, gb


class StackedLinear(nn.Module):
    """K affine maps: ``x`` (K, N, in) → (K, N, out).

    ``weight`` is kept as (K, in, out), each member's ``nn.Linear`` weight transposed, so
    that ``x @ weight`` needs no transpose and autograd's weight gradient arrives in the
    parameter's own layout; ``bias`` as (K, 1, out), the shape ``baddbmm`` broadcasts over
    the rows (no view per call, and no view node for autograd to walk back). When a
    member's in × out is not a multiple of 16 (a small or odd layer), the weight gradient
    would start unaligned for some members: such layers run through :class:`_Affine`,
    which writes it in aligned blocks (at the cost of a Python-level backward, so only
    where needed).
    """

    def __init__(self, layers: Sequence[nn.Linear]) -> None:
        super().__init__()
        weights = torch.stack([m.weight.detach() for m in layers]).transpose(1, 2)
        self.weight = nn.Parameter(weights.contiguous())
        self.bias = nn.Parameter(torch.stack([m.bias.detach() for m in layers]).unsqueeze(1))
        self.aligned = layout.aligned(self.weight[0].numel())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One ``baddbmm``: bias + x @ W for every member."""
        if self.aligned or x.device.type != "cpu":
            return torch.baddbmm(self.bias, x, self.weight)
        return _Affine.apply(x, self.weight, self.bias)


class StackedConv(nn.Module):
    """K convolutions: ``x`` (K, N, C, *spatial) → (K, N, out, *spatial′).

    On the CPU, one plain convolution per member: a grouped convolution over the members'
    channels runs other kernels than a member's own convolution would, so its numbers
    would depend on K (and it is slower there). On a GPU, one convolution with
    ``groups = K``.
    """

    def __init__(self, layers: Sequence[nn.Conv1d | nn.Conv2d]) -> None:
        super().__init__()
        first = layers[0]
        self.k = len(layers)
        self.weight = nn.Parameter(torch.stack([m.weight.detach() for m in layers]))
        self.bias = nn.Parameter(torch.stack([m.bias.detach() for m in layers]))
        self.stride, self.padding, self.dilation = first.stride, first.padding, first.dilation
        self.conv = F.conv1d if isinstance(first, nn.Conv1d) else F.conv2d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per member on the CPU; elsewhere members' channels side by side, one grouped
        convolution, members back on dim 0."""
        if x.device.type == "cpu":
            parts = zip(x.unbind(0), self.weight.unbind(0), self.bias.unbind(0))
            args = self.stride, self.padding, self.dilation
            return torch.stack([self.conv(xk, w, b, *args) for xk, w, b in parts])
        k, n, c = x.shape[:3]
        spatial = x.shape[3:]
        y = self.conv(
            x.transpose(0, 1).reshape(n, k * c, *spatial),
            self.weight.reshape(-1, *self.weight.shape[2:]),
            self.bias.reshape(-1),
            self.stride,
            self.padding,
            self.dilation,
            k,
        )
        return y.reshape(n, k, -1, *y.shape[2:]).transpose(0, 1)


_BITS = {2: torch.int16, 4: torch.int32, 8: torch.int64}  # a float's width → its bits


class _PReLU(torch.autograd.Function):
    """``torch.prelu`` with torch's own gradients, computed in vector kernels.

    Torch's ``_prelu_kernel_backward`` is a scalar loop with two outputs (on the CPU about
    30× ReLU's backward). The same numbers come from a compare and bit selections: the
    input's gradient is ``g`` where x > 0, else ``w · g``; the weight's is the sum over
    each member's elements of +0 where x > 0, else ``x · g``, reduced as autograd reduces
    torch's (``sum`` over the rows, keeping dims), so every bit is torch's.
    """

    @staticmethod
    def forward(ctx, x: torch.Tensor, weight: torch.Tensor) -> torch.Tensor:
        ctx.save_for_backward(x, weight)  # x (1, K, rest)
        return torch.prelu(x, weight)

    @staticmethod
    def backward(ctx, grad: torch.Tensor):
        x, weight = ctx.saved_tensors
        bits = _BITS[x.element_size()]  # an integer of x's width
        # all bits set where not x > 0 (NaN included), none where x > 0
        other = torch.gt(x, 0, out=torch.empty_like(x, dtype=bits)).sub_(1)
        gx = gw = None
        if ctx.needs_input_grad[0]:  # g ^ ((g ^ w·g) & other): w·g where other, else g
            g = grad.view(bits)
            gx = (weight.view(1, -1, 1) * grad).view(bits)
            gx = gx.bitwise_xor_(g).bitwise_and_(other).bitwise_xor_(g).view(x.dtype)
        if ctx.needs_input_grad[1]:
            terms = (x * grad).view(bits).bitwise_and_(other).view(x.dtype)
            gw = terms.sum(2, keepdim=True).view_as(weight)
        return gx, gw


class StackedPReLU(nn.Module):
    """K PReLUs with one learned slope each: ``x`` if x > 0 else ``a_k · x``; or, for
    PReLUs with one slope per unit (``num_parameters`` = the layer's width, the registry's
    ``prelu_channel``), ``a_kc · x`` on unit (channel) c of member k."""

    def __init__(self, acts: Sequence[nn.PReLU]) -> None:
        super().__init__()
        sizes = {a.num_parameters for a in acts}
        if len(sizes) != 1:
            raise ValueError("PReLU stacks need one slope count for every member")
        self.weight = nn.Parameter(torch.stack([a.weight.detach() for a in acts]))
        self.members = len(acts)
        self.num_parameters = sizes.pop()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``torch.prelu`` itself with the members as its channels: (K, …) seen as
        (1, K, rest), contiguous, so forward and backward run the same kernels as alone
        (the backward :class:`_PReLU`'s, when a gradient is wanted). With a slope per unit:
        :meth:`_per_unit`."""
        if self.num_parameters != 1:
            return self._per_unit(x)
        k = x.shape[0]
        flat, weight = x.reshape(1, k, -1), self.weight.reshape(-1)
        if torch.is_grad_enabled() and (flat.requires_grad or weight.requires_grad):
            return _PReLU.apply(flat, weight).view_as(x)
        return torch.prelu(flat, weight).view_as(x)

    def _per_unit(self, x: torch.Tensor) -> torch.Tensor:
        """One slope per member and unit: ``x · s`` with ``s`` = 1 where x > 0, else the
        unit's slope, broadcast from (K, 1, C[, 1 …]) over (K, N, C, *spatial). Products
        by 1 or the slope, as ``torch.prelu``'s; autograd reduces the slope's gradient
        over each member's rows and positions on their own, so a member's bits do not
        depend on K. (K, G) grids of one unit (the probes' derivative profile): the
        member's first slope."""
        slope = self.weight[:, :1] if x.dim() == 2 else _per_member(x, self.weight)
        keep = torch.gt(x, 0).to(x.dtype)  # 1.0 where x > 0, else 0.0 (NaN: 0)
        return x * (slope - slope * keep + keep)


def _per_member(x: torch.Tensor, values: torch.Tensor, channels_first: bool = True) -> torch.Tensor:
    """(K, C) per-member, per-unit values viewed to broadcast over ``x``: (K, N, C, *spatial)
    with the units on dim 2, or (K, N, …, C) with them last (``channels_first=False``)."""
    if channels_first:
        return values.view(values.shape[0], 1, values.shape[1], *(1,) * (x.dim() - 3))
    return values.view(values.shape[0], *(1,) * (x.dim() - 2), values.shape[1])


class StackedBatchNorm(nn.Module):
    """K batch normalizations: ``x`` (K, N, C, *spatial) → the same shape.

    In training, member k's mean and (biased) variance per unit are taken over its first
    ``rows`` rows (and the positions): the real samples of the step, never the rows the
    engine pads with (:mod:`bench.run.layout`), which are normalized with them but enter
    no statistic; the running mean and the running unbiased variance move by
    ``momentum`` (not at all in a step of one sample, whose variance is undefined). In
    evaluation, the running statistics. Then each member's scale and shift. Only exact
    arithmetic (no transcendental function), and the reductions run per member along the
    rows, so a member's numbers do not depend on K.
    """

    pass_through = True  # the probes look through it for the layer feeding an activation

    def __init__(self, norms: Sequence[nn.modules.batchnorm._BatchNorm]) -> None:
        super().__init__()
        first = norms[0]
        self.eps, self.momentum = first.eps, first.momentum
        # not ``weight``: the probes take a parameter named so for a layer's weight matrix
        self.scale = nn.Parameter(torch.stack([m.weight.detach() for m in norms]))
        self.shift = nn.Parameter(torch.stack([m.bias.detach() for m in norms]))
        self.register_buffer("running_mean", torch.stack([m.running_mean for m in norms]))
        self.register_buffer("running_var", torch.stack([m.running_var for m in norms]))
        self.rows: int | None = None  # real rows per member in a training pass; None: all

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Normalize with the batch's statistics (training) or the running ones."""
        if self.training:
            real = x if self.rows is None else x[:, : self.rows]
            dims = (1, *range(3, x.dim()))
            mean = real.mean(dims, keepdim=True)
            var = (real - mean).square().mean(dims, keepdim=True)  # torch.var_mean: slower
            self._track(mean, var, real[0, :, 0].numel())
        else:
            mean = _per_member(x, self.running_mean)
            var = _per_member(x, self.running_var)
        # (x − mean) · scale/√(var + ε) + shift: three passes over x, the rest per unit
        gain = _per_member(x, self.scale) / (var + self.eps).sqrt()
        return (x - mean) * gain + _per_member(x, self.shift)

    @torch.no_grad()
    def _track(self, mean: torch.Tensor, var: torch.Tensor, n: int) -> None:
        if n < 2:
            return
        k, m = self.running_mean.shape[0], self.momentum
        unbiased = var.reshape(k, -1) * (n / (n - 1))
        self.running_mean.mul_(1 - m).add_(mean.reshape(k, -1) * m)
        self.running_var.mul_(1 - m).add_(unbiased * m)

    def keep(self, index: Sequence[int]) -> None:
        """Follow the stack when members leave it (the running statistics)."""
        idx = torch.tensor(list(index), device=self.running_mean.device)
        self.running_mean = self.running_mean.index_select(0, idx)
        self.running_var = self.running_var.index_select(0, idx)


class StackedLayerNorm(nn.Module):
    """K layer normalizations: each sample of each member normalized over its own units
    (``nn.LayerNorm`` over the last dim) or over its channels and positions
    (``nn.GroupNorm`` with one group, channels on dim 2 of (K, N, C, *spatial)), by
    ``F.layer_norm`` row by row, then each member's scale and shift per unit or channel."""

    pass_through = True

    def __init__(self, norms: Sequence[nn.LayerNorm | nn.GroupNorm]) -> None:
        super().__init__()
        first = norms[0]
        self.eps = first.eps
        self.channels_first = isinstance(first, nn.GroupNorm)
        self.scale = nn.Parameter(torch.stack([m.weight.detach() for m in norms]))
        self.shift = nn.Parameter(torch.stack([m.bias.detach() for m in norms]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Per sample: zero mean, unit (biased) variance, then scale and shift."""
        over = x.shape[2:] if self.channels_first else x.shape[-1:]
        y = F.layer_norm(x, over, eps=self.eps)
        first = self.channels_first
        return y * _per_member(x, self.scale, first) + _per_member(x, self.shift, first)


STACKED: dict[type[nn.Module], type[nn.Module]] = {
    nn.Linear: StackedLinear,
    nn.Conv1d: StackedConv,
    nn.Conv2d: StackedConv,
    nn.PReLU: StackedPReLU,
    nn.BatchNorm1d: StackedBatchNorm,
    nn.BatchNorm2d: StackedBatchNorm,
    nn.LayerNorm: StackedLayerNorm,
    nn.GroupNorm: StackedLayerNorm,
}


def stacked_form(module: nn.Module) -> Callable[[Sequence[nn.Module]], nn.Module] | None:
    """What builds ``module``'s stacked counterpart from the K members' modules: its type's
    entry in :data:`STACKED`, else the ``stacked`` its class declares (a module type of the
    harness's own, e.g. :class:`bench.activations.RReLU`), else ``None``."""
    return STACKED.get(type(module)) or getattr(type(module), "stacked", None)


@runtime_checkable
class Follows(Protocol):
    """A stacked module holding per-member state that is not a parameter (RReLU's keys):
    the engine calls ``keep(index)`` when members leave the stack."""

    def keep(self, index: Sequence[int]) -> None:
        """Keep the members ``index``, in that order."""


def why_not_stackable(net: nn.Module) -> str:
    """'' when every module with parameters or buffers has a stacked counterpart."""
    for name, module in net.named_modules():
        own = list(module.parameters(recurse=False)) + list(module.buffers(recurse=False))
        if (own or isinstance(module, nn.RReLU)) and stacked_form(module) is None:
            return f"{name or 'the network'} ({type(module).__name__}) has no stacked form"
        if isinstance(module, nn.Conv1d | nn.Conv2d) and (
            module.groups != 1 or module.padding_mode != "zeros" or module.bias is None
        ):
            return f"{name} is a grouped, padded-by-mode or bias-free convolution"
        if isinstance(module, nn.Linear) and module.bias is None:
            return f"{name} is a bias-free Linear"
        if why := _odd_norm(module):
            return f"{name} is a {why}"
    return ""


def _odd_norm(module: nn.Module) -> str:
    """Why a normalization module has no stacked form ('' when it has one, or is none)."""
    if isinstance(module, nn.modules.batchnorm._BatchNorm) and (
        not module.affine or not module.track_running_stats or module.momentum is None
    ):
        return "batch norm without affine, running statistics or a momentum"
    if isinstance(module, nn.GroupNorm) and (module.num_groups != 1 or not module.affine):
        return "group norm with more than one group or without affine"
    if isinstance(module, nn.LayerNorm) and (
        len(module.normalized_shape) != 1 or module.weight is None or module.bias is None
    ):
        return "layer norm over more than one dim or without affine"
    return ""


def stack(nets: Sequence[nn.Module]) -> nn.Module:
    """One network holding K members: a copy of ``nets[0]`` with stacked layers.

    Args:
        nets: networks of identical architecture (each initialized on its own).

    Returns:
        The stacked network; its parameters are new leaf tensors (K, …).

    Raises:
        ValueError: the architecture has a layer without a stacked form.
    """
    why = why_not_stackable(nets[0])
    if why:
        raise ValueError(why)
    out = copy.deepcopy(nets[0])
    named = [dict(n.named_modules()) for n in nets]
    for name, module in list(out.named_modules()):
        kind = stacked_form(module)
        if kind is None:
            continue
        stacked = kind([members[name] for members in named])
        parent, _, attr = name.rpartition(".")
        setattr(out.get_submodule(parent) if parent else out, attr, stacked)
    return out
