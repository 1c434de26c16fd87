"""K networks of one architecture as one network: stacked layers, members on dim 0.

Public:
    StackedLinear           K ``nn.Linear`` as one batched matmul (``torch.baddbmm``)
    StackedConv             K ``nn.Conv1d``/``nn.Conv2d`` as one grouped convolution
    StackedPReLU            K ``nn.PReLU`` slopes (one per member)
    StackedRReLU            K RReLUs, each drawing from its member's generator
    STACKED                 module type → its stacked counterpart (add an entry to stack
                            another layer type)
    stack(nets) -> nn.Module
                            a copy of ``nets[0]`` whose layers hold every member's
                            parameters; it maps (K, N, …) inputs to (K, N, C) logits
    why_not_stackable(net) -> str
                            '' when :func:`stack` can stack this architecture, else why

The networks' own ``forward`` runs unchanged: their layers are replaced by stacked
counterparts, and parameter-free modules (every activation but PReLU) act elementwise on
the stacked tensors as they are. So nothing is traced or transformed (no ``vmap``): every
operation is one plain batched kernel, and forward hooks, the probes and autograd see
ordinary tensors with members on dim 0.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from bench.activations import RReLU


class StackedLinear(nn.Module):
    """K affine maps: ``x`` (K, N, in) → (K, N, out).

    ``weight`` is kept as (K, in, out), each member's ``nn.Linear`` weight transposed, so
    that ``x @ weight`` needs no transpose and autograd's weight gradient arrives in the
    parameter's own layout (a transposed one would be copied on every step).
    """

    def __init__(self, layers: Sequence[nn.Linear]) -> None:
        super().__init__()
        weights = torch.stack([m.weight.detach() for m in layers]).transpose(1, 2)
        self.weight = nn.Parameter(weights.contiguous())
        self.bias = nn.Parameter(torch.stack([m.bias.detach() for m in layers]))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """One ``baddbmm``: bias + x @ W for every member."""
        return torch.baddbmm(self.bias.unsqueeze(1), x, self.weight)


class StackedConv(nn.Module):
    """K convolutions: ``x`` (K, N, C, *spatial) → (K, N, out, *spatial′), as one
    convolution with ``groups = K`` over the members' channels side by side."""

    def __init__(self, layers: Sequence[nn.Conv1d | nn.Conv2d]) -> None:
        super().__init__()
        first = layers[0]
        self.k = len(layers)
        self.weight = nn.Parameter(torch.stack([m.weight.detach() for m in layers]))
        self.bias = nn.Parameter(torch.stack([m.bias.detach() for m in layers]))
        self.stride, self.padding, self.dilation = first.stride, first.padding, first.dilation
        self.conv = F.conv1d if isinstance(first, nn.Conv1d) else F.conv2d

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Members' channels side by side, one grouped convolution, members back on dim 0."""
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


class StackedPReLU(nn.Module):
    """K PReLUs with one learned slope each: ``x`` if x > 0 else ``a_k · x``."""

    def __init__(self, acts: Sequence[nn.PReLU]) -> None:
        super().__init__()
        if any(a.num_parameters != 1 for a in acts):
            raise ValueError("only single-slope PReLU stacks")
        self.weight = nn.Parameter(torch.stack([a.weight.detach() for a in acts]))
        self.members = len(acts)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``torch.prelu`` itself with the members as its channels: (K, …) seen as
        (1, K, rest), contiguous, so forward and backward run the same kernel as alone."""
        k = x.shape[0]
        return torch.prelu(x.reshape(1, k, -1), self.weight.reshape(-1)).view_as(x)


class StackedRReLU(nn.Module):
    """K RReLUs, member k drawing its slopes from its own generator (as it would alone)."""

    def __init__(self, acts: Sequence[RReLU]) -> None:
        super().__init__()
        self.template = copy.copy(acts[0])
        self.generators = [a.generator for a in acts]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Noise drawn member by member, as a lone member draws it; one formula for all."""
        if not self.training:
            return self.template.apply(x, None)
        noise = torch.empty_like(x)
        for k, g in enumerate(self.generators):
            self.template.noise(x[k], g, out=noise[k])
        return self.template.apply(x, noise)

    def keep(self, index: Sequence[int]) -> None:
        """Follow the stack when members leave it."""
        self.generators = [self.generators[i] for i in index]


STACKED: dict[type[nn.Module], type[nn.Module]] = {
    nn.Linear: StackedLinear,
    nn.Conv1d: StackedConv,
    nn.Conv2d: StackedConv,
    nn.PReLU: StackedPReLU,
    RReLU: StackedRReLU,
}


def why_not_stackable(net: nn.Module) -> str:
    """'' when every module with parameters or buffers has a stacked counterpart."""
    for name, module in net.named_modules():
        own = list(module.parameters(recurse=False)) + list(module.buffers(recurse=False))
        if (own or isinstance(module, nn.RReLU)) and type(module) not in STACKED:
            return f"{name or 'the network'} ({type(module).__name__}) has no stacked form"
        if isinstance(module, nn.Conv1d | nn.Conv2d) and (
            module.groups != 1 or module.padding_mode != "zeros" or module.bias is None
        ):
            return f"{name} is a grouped, padded-by-mode or bias-free convolution"
        if isinstance(module, nn.Linear) and module.bias is None:
            return f"{name} is a bias-free Linear"
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
        kind = STACKED.get(type(module))
        if kind is None:
            continue
        stacked = kind([members[name] for members in named])
        parent, _, attr = name.rpartition(".")
        setattr(out.get_submodule(parent) if parent else out, attr, stacked)
    return out
