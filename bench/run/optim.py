"""Adam and SGD over tensors grouped by hyperparameters, for one network or K stacked ones.

Public:
    OPTIMIZERS                  adam, sgd
    Hyper(lr, momentum=0, weight_decay=0)
                                one member's hyperparameters
    GroupedOptimizer(kind, leaves, groups)
        .step()                 one update of every group (one fused kernel call per group)
        .zero_grad()            drop the gradients
        .take(index, leaves, groups) -> GroupedOptimizer
                                the same optimizer over a subset of members (state kept)

``torch.optim`` gives every tensor of a parameter group one learning rate, so K networks
stacked into one tensor per layer cannot each keep their own. Here the members are ordered
so that those sharing hyperparameters are contiguous along dim 0: a group is a slice of
every stacked tensor, and one call of torch's own fused Adam/SGD kernel
(``torch._fused_adam_`` / ``torch._fused_sgd_``, what ``torch.optim.Adam(fused=True)`` runs)
updates it. Member blocks are padded to whole vectors (see :class:`GroupedOptimizer`), so a
member's update is the same bit for bit in a stack of any size. The arithmetic is
torch's (Adam: β = (0.9, 0.999), ε = 1e-8, L2 weight decay added to the gradient; SGD:
heavy-ball momentum without dampening); tests compare both with ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bench.run import layout

OPTIMIZERS = ("adam", "sgd")
_BETAS, _EPS = (0.9, 0.999), 1e-8


@dataclass(frozen=True, order=True)
class Hyper:
    """One member's optimizer hyperparameters."""

    lr: float
    momentum: float = 0.0
    weight_decay: float = 0.0


class GroupedOptimizer:
    """Adam or SGD over ``leaves``, one fused update per group.

    Every leaf is updated as a flat (K, m) tensor, one row per member. When m is not a
    multiple of :data:`~bench.run.layout.ELEMENTS`, the update runs in a padded mirror
    (K, padded(m)) and is copied back: the fused kernels round the last few elements of
    a run (a scalar loop) differently from the rest (vector code), so every member's block
    must start and end on whole vectors for its update not to depend on K.

    Args:
        kind: ``adam`` or ``sgd``.
        leaves: the parameters: stacked tensors (dim 0 = member), contiguous.
        groups: ``(Hyper, slice)`` pairs; the slice selects the group's members along dim 0
            of every leaf (``None``: every member).
    """

    def __init__(
        self,
        kind: str,
        leaves: Sequence[torch.Tensor],
        groups: Sequence[tuple[Hyper, slice | None]],
        _state: dict[str, list[torch.Tensor]] | None = None,
        _steps: int = 0,
    ) -> None:
        if kind not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {kind!r}; valid: {', '.join(OPTIMIZERS)}")
        self.kind, self.leaves, self.groups = kind, list(leaves), list(groups)
        self.sizes = [p[0].numel() if p.dim() else 1 for p in self.leaves]
        self.mirrors: list[torch.Tensor | None] = []
        self.grads: list[torch.Tensor | None] = []
        for p, m in zip(self.leaves, self.sizes):
            if m % layout.ELEMENTS:
                mirror = p.new_zeros(len(p), layout.padded(m, layout.ELEMENTS))
                mirror[:, :m] = p.detach().reshape(len(p), m)
                self.mirrors.append(mirror)
                self.grads.append(torch.zeros_like(mirror))
            else:
                self.mirrors.append(None)
                self.grads.append(None)
        names = ("exp_avg", "exp_avg_sq") if kind == "adam" else ("momentum_buffer",)
        flat = [
            p.detach().view(len(p), m) if mirror is None else mirror
            for p, m, mirror in zip(self.leaves, self.sizes, self.mirrors)
        ]  # what the kernels update: each leaf's (K, m) view, or its padded mirror
        self.state = _state or {n: [torch.zeros_like(f) for f in flat] for n in names}
        self.steps = _steps
        self._step_t = torch.full((), float(_steps), device=self.leaves[0].device)
        # per group, the views the kernels take (fixed while the leaves are: a stack that
        # loses members gets a new optimizer, :meth:`take`)
        self._params = [self._part(flat, sl) for _, sl in self.groups]
        self._state = [
            {n: self._part(ts, sl) for n, ts in self.state.items()} for _, sl in self.groups
        ]

    def _flat_grads(self) -> list[torch.Tensor]:
        out = []
        for p, m, grad in zip(self.leaves, self.sizes, self.grads):
            if grad is None:
                out.append(p.grad.reshape(len(p), m))
            else:
                grad[:, :m] = p.grad.reshape(len(p), m)
                out.append(grad)
        return out

    def _part(self, tensors: list[torch.Tensor], sl: slice | None) -> list[torch.Tensor]:
        whole = sl is None or (sl.start in (0, None) and sl.stop == len(self.leaves[0]))
        return tensors if whole else [t[sl] for t in tensors]

    @torch.no_grad()
    def step(self) -> None:
        """Apply one update to every group (gradients must be set on every leaf)."""
        self.steps += 1
        self._step_t.fill_(self.steps)
        flat_grads = self._flat_grads()
        for (hyper, sl), params, state in zip(self.groups, self._params, self._state):
            grads = self._part(flat_grads, sl)
            if self.kind == "adam":
                torch._fused_adam_(
                    params,
                    grads,
                    state["exp_avg"],
                    state["exp_avg_sq"],
                    [],
                    [self._step_t] * len(params),
                    lr=hyper.lr,
                    beta1=_BETAS[0],
                    beta2=_BETAS[1],
                    weight_decay=hyper.weight_decay,
                    eps=_EPS,
                    amsgrad=False,
                    maximize=False,
                )
            else:
                torch._fused_sgd_(
                    params,
                    grads,
                    state["momentum_buffer"] if hyper.momentum else [],
                    weight_decay=hyper.weight_decay,
                    momentum=hyper.momentum,
                    lr=hyper.lr,
                    dampening=0.0,
                    nesterov=False,
                    maximize=False,
                    is_first_step=self.steps == 1,
                )
        for p, m, mirror in zip(self.leaves, self.sizes, self.mirrors):
            if mirror is not None:
                p.view(len(p), m).copy_(mirror[:, :m])

    def zero_grad(self) -> None:
        """Drop every leaf's gradient (the next backward allocates fresh ones)."""
        for p in self.leaves:
            p.grad = None

    def take(
        self,
        index: torch.Tensor,
        leaves: Sequence[torch.Tensor],
        groups: Sequence[tuple[Hyper, slice | None]],
    ) -> GroupedOptimizer:
        """The same optimizer, state and step count over the members ``index`` selects.

        Args:
            index: member indices along dim 0, in their new order.
            leaves: the new (already selected) parameter tensors.
            groups: the new groups over them.
        """
        state = {n: [t.index_select(0, index) for t in ts] for n, ts in self.state.items()}
        return GroupedOptimizer(self.kind, leaves, groups, state, self.steps)
