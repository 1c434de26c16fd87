"""Engines: how the members of one training batch compute. The loop drives either.

Public:
    Engine          the interface the loop uses (K members, dim 0 of every tensor)
    Single          one ``nn.Module`` (K = 1): the per-cell path
    Stacked         K networks of one architecture as one network whose layers are stacked
                    (:mod:`bench.run.batched`): members on dim 0 of every tensor, plain
                    batched kernels, the networks' own ``forward``
    build(nets, kind, hypers) -> Engine

Both engines update with :class:`bench.run.optim.GroupedOptimizer` and probe with
:func:`bench.run.probes.probe`, so a member's update and health are computed by the same
code on either path; only matmul round-off separates them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from torch import nn
from torch.nn import functional as F

from bench.run import batched, probes
from bench.run.optim import GroupedOptimizer, Hyper

Health = list[dict[str, list[float]]]


class Engine(Protocol):
    """K members trained as one. Tensors carry members on dim 0."""

    k: int

    def train_mode(self) -> None:
        """Put the networks in training mode (evaluation and probes switch to eval)."""
        ...

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Per-member mean cross-entropy on per-member batches (K, B, …), with grad."""
        ...

    def step(self) -> None:
        """Optimizer step after ``losses(...).sum().backward()``, then drop the gradients."""
        ...

    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """(K, N, C) on shared inputs, no grad, eval mode."""
        ...

    def trace(self, X: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, Health]:
        """Probe on ``X``: (logits (K, N, C), one health record per member)."""
        ...

    def keep(self, index: list[int]) -> None:
        """Keep only these members (in this order); the others stop training."""
        ...


class Single:
    """One network, as it is: ``model(x)`` and its own parameters."""

    def __init__(self, model: nn.Module, kind: str, hyper: Hyper) -> None:
        self.k = 1
        self.model = model
        self.opt = GroupedOptimizer(kind, list(model.parameters()), [(hyper, None)])

    def train_mode(self) -> None:
        """Training mode (RReLU draws its random slopes from the member's generator)."""
        self.model.train()

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Mean cross-entropy of the one member, shape (1,)."""
        return F.cross_entropy(self.model(xb[0]), yb[0]).unsqueeze(0)

    def step(self) -> None:
        """One update, then drop the gradients."""
        self.opt.step()
        self.opt.zero_grad()

    @torch.no_grad()
    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """(1, N, C)."""
        self.model.eval()
        return self.model(X).unsqueeze(0)

    def trace(self, X: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, Health]:
        """Probe the network (eval mode)."""
        return probes.trace_module(self.model, X, y)

    def keep(self, index: list[int]) -> None:
        """Nothing to compact: a single member that stops simply stops."""
        self.k = len(index)


class Stacked:
    """K networks built alike, trained as one (:func:`bench.run.batched.stack`).

    Args:
        nets: the members' networks, already initialized (each by ``models.build`` under
            its own seed) and on the device; members that share hyperparameters should be
            adjacent (one optimizer call per run of equal hyperparameters).
        kind: ``adam`` or ``sgd``.
        hypers: one :class:`Hyper` per member.
    """

    def __init__(self, nets: Sequence[nn.Module], kind: str, hypers: Sequence[Hyper]) -> None:
        self.k = len(nets)
        self.net = batched.stack(nets)
        self.hypers = list(hypers)
        self.opt = GroupedOptimizer(kind, list(self.net.parameters()), _groups(self.hypers))
        self.width = max(max(p.shape[1:]) for p in self.net.parameters() if p.dim() > 2)

    def train_mode(self) -> None:
        """Training mode for the stacked network."""
        self.net.train()

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Per-member mean cross-entropy, shape (K,)."""
        out = self.net(xb)
        k, b = yb.shape
        loss = F.cross_entropy(out.reshape(k * b, -1), yb.reshape(-1), reduction="none")
        return loss.view(k, b).mean(1)

    def step(self) -> None:
        """One update of every member, then drop the gradients."""
        self.opt.step()
        self.opt.zero_grad()

    @torch.no_grad()
    def logits(self, X: torch.Tensor) -> torch.Tensor:
        """(K, N, C), in chunks of samples (activations stay small enough for the cache)."""
        self.net.eval()
        size = max(16, probes.chunk_elements(X.device) // (self.k * self.width))
        chunks = [
            self.net(X[s : s + size].expand(self.k, -1, *X.shape[1:]))
            for s in range(0, len(X), size)
        ]
        return torch.cat(chunks, dim=1)

    def trace(self, X: torch.Tensor, y: torch.Tensor | None) -> tuple[torch.Tensor, Health]:
        """Probe every member on ``X`` (eval mode), chunk by chunk."""
        self.net.eval()
        return probes.probe(probes.module_chunk(self.net, self.k), X, y, self.k)

    def keep(self, index: list[int]) -> None:
        """Compact the stack to the members ``index`` (the others diverged)."""
        params = list(self.net.parameters())
        idx = torch.tensor(index, device=params[0].device)
        with torch.no_grad():
            for p in params:
                p.data = p.data.index_select(0, idx)
        for module in self.net.modules():
            if isinstance(module, batched.StackedRReLU):
                module.keep(index)
        self.hypers = [self.hypers[i] for i in index]
        self.k = len(index)
        self.opt = self.opt.take(idx, params, _groups(self.hypers))


def _groups(hypers: Sequence[Hyper]) -> list[tuple[Hyper, slice]]:
    """Runs of equal hyperparameters → (Hyper, slice of members)."""
    groups: list[tuple[Hyper, slice]] = []
    start = 0
    for i in range(1, len(hypers) + 1):
        if i == len(hypers) or hypers[i] != hypers[start]:
            groups.append((hypers[start], slice(start, i)))
            start = i
    return groups


def build(nets: Sequence[nn.Module], kind: str, hypers: Sequence[Hyper]) -> Engine:
    """The engine for these members: :class:`Single` for one, :class:`Stacked` for more."""
    if len(nets) == 1:
        return Single(nets[0], kind, hypers[0])
    return Stacked(nets, kind, hypers)
