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
updates it. A single network is the case of one group and no slice. The arithmetic is
torch's (Adam: β = (0.9, 0.999), ε = 1e-8, L2 weight decay added to the gradient; SGD:
heavy-ball momentum without dampening); tests compare both with ``torch.optim``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

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

    Args:
        kind: ``adam`` or ``sgd``.
        leaves: the parameters: stacked tensors (dim 0 = member) or plain ones.
        groups: ``(Hyper, slice)`` pairs; the slice selects the group's members along dim 0
            of every leaf (``None``: the whole tensors, for a single network).
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
        names = ("exp_avg", "exp_avg_sq") if kind == "adam" else ("momentum_buffer",)
        self.state = _state or {n: [torch.zeros_like(p) for p in self.leaves] for n in names}
        self.steps = _steps
        self._step_t = torch.full((), float(_steps), device=self.leaves[0].device)

    def _part(self, tensors: list[torch.Tensor], sl: slice | None) -> list[torch.Tensor]:
        return tensors if sl is None else [t[sl] for t in tensors]

    @torch.no_grad()
    def step(self) -> None:
        """Apply one update to every group (gradients must be set on every leaf)."""
        self.steps += 1
        self._step_t.fill_(self.steps)
        for hyper, sl in self.groups:
            params = self._part(self.leaves, sl)
            grads = self._part([p.grad for p in self.leaves], sl)
            if self.kind == "adam":
                torch._fused_adam_(
                    params,
                    grads,
                    self._part(self.state["exp_avg"], sl),
                    self._part(self.state["exp_avg_sq"], sl),
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
                    self._part(self.state["momentum_buffer"], sl) if hyper.momentum else [],
                    weight_decay=hyper.weight_decay,
                    momentum=hyper.momentum,
                    lr=hyper.lr,
                    dampening=0.0,
                    nesterov=False,
                    maximize=False,
                    is_first_step=self.steps == 1,
                )

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
