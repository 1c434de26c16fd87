"""Engines: how the members of one training batch compute. The loop drives one.

Public:
    Engine          the interface the loop uses (K members, dim 0 of every tensor)
    Stacked         K networks of one architecture as one network whose layers are stacked
                    (:mod:`bench.run.batched`): members on dim 0 of every tensor, plain
                    batched kernels, the networks' own ``forward``; K = 1 is the per-cell
                    path
    build(nets, kind, hypers) -> Engine

There is one engine for one member and for K: a cell trained alone runs the very kernels it
runs in a stack, on member-aligned layouts (:mod:`bench.run.layout`), so its numbers are
the same bit for bit whatever K. Updates go through
:class:`bench.run.optim.GroupedOptimizer` and probes through :func:`bench.run.probes.probe`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import torch
from torch import nn
from torch.nn import functional as F

from bench.run import batched, layout, probes
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

    def logits(self, X: torch.Tensor, which: torch.Tensor | None = None) -> torch.Tensor:
        """(K, N, C), no grad, eval mode: on inputs (N, …) shared by every member, or with
        ``which`` on (D, N, …), member k reading ``X[which[k]]``."""
        ...

    def trace(
        self, X: torch.Tensor, y: torch.Tensor | None, which: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, Health]:
        """Probe on ``X`` (shared, or per member as in :meth:`logits`): (logits (K, N, C),
        one health record per member)."""
        ...

    def keep(self, index: list[int]) -> None:
        """Keep only these members (in this order); the others stop training."""
        ...


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
        # batch norms: their statistics read a member's real rows, not the padding
        self.counted = [m for m in self.net.modules() if isinstance(m, batched.StackedBatchNorm)]

    def train_mode(self) -> None:
        """Training mode for the stacked network."""
        self.net.train()

    def losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Per-member mean cross-entropy, shape (K,).

        The rows are padded to a multiple of :data:`~bench.run.layout.ROWS` before the
        forward pass (the loss and batch norms' statistics read the real rows only)."""
        k, b = yb.shape
        for m in self.counted:
            m.rows = b
        out = self.net(layout.pad_rows(xb))[:, :b]
        loss = F.cross_entropy(out.reshape(k * b, -1), yb.reshape(-1), reduction="none")
        return loss.view(k, b).mean(1)

    def step(self) -> None:
        """One update of every member, then drop the gradients."""
        self.opt.step()
        self.opt.zero_grad()

    @torch.no_grad()
    def logits(self, X: torch.Tensor, which: torch.Tensor | None = None) -> torch.Tensor:
        """(K, N, C), in chunks of samples whose size does not depend on K; ``X`` (N, …)
        shared, or (D, N, …) with ``which`` picking each member's slice."""
        self.net.eval()
        size = layout.chunk_rows(self.width, X.device)
        chunks = []
        for s in range(0, X.shape[0 if which is None else 1], size):
            if which is None:
                part = X[s : s + size]
                part = part.expand(self.k, *part.shape)
            else:
                part = X[:, s : s + size].index_select(0, which)
            chunks.append(self.net(layout.pad_rows(part))[:, : part.shape[1]])
        return torch.cat(chunks, dim=1)

    def trace(
        self, X: torch.Tensor, y: torch.Tensor | None, which: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, Health]:
        """Probe every member on ``X`` (eval mode), chunk by chunk; ``X`` and ``y`` shared,
        or (D, N, …) and (D, N) with ``which`` picking each member's slice."""
        self.net.eval()
        chunk = probes.module_chunk(self.net, self.k, per_member=which is not None)
        return probes.probe(chunk, X, y, which)

    def keep(self, index: list[int]) -> None:
        """Compact the stack to the members ``index`` (the others diverged)."""
        params = list(self.net.parameters())
        idx = torch.tensor(index, device=params[0].device)
        with torch.no_grad():
            for p in params:
                p.data = p.data.index_select(0, idx)
        for module in self.net.modules():
            if isinstance(module, batched.Follows):
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
    """The engine for these members (one or more): :class:`Stacked`."""
    return Stacked(nets, kind, hypers)
