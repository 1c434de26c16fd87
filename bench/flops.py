"""How much arithmetic the harness's work is, and what this machine's torch can do.

Public:
    mlp_macs(n_features, n_classes, depth, width) -> int
                                    multiply-adds of one sample through an MLP
    train_flops_per_sample(cell, n_features, n_classes) -> float
                                    6 × multiply-adds (forward 2, backward 4)
    eval_flops_per_sample(cell, n_features, n_classes) -> float
                                    2 × multiply-adds (a forward pass)
    unit_flops(cell, members, n_train, n_evaluated, n_features, n_classes) -> dict
                                    a unit of ``members`` such cells over all its epochs:
                                    training, the evaluation after every epoch, the total
    matmul_peak(n=1024, repeats=10, threads=None) -> float
                                    GFLOP/s of one large square float32 matmul
    stacked_matmul_rate(members=32, n=64, repeats=10, threads=None) -> float
                                    GFLOP/s of ``torch.bmm`` on a stack of n×n matmuls (the
                                    kernels a stack of 64-wide networks runs)

The counts are the matmuls' (bias additions, activations, losses and the optimizer are
not counted), on the real rows (the padding rows of :mod:`bench.run.layout` are not), and
leave out the probes: "cells × FLOPs / wall time" is then the end-to-end rate the issue
of the default suite's speed names, comparable with the two reference rates.
"""

from __future__ import annotations

import contextlib
import itertools
import time
from collections.abc import Iterator

import torch

from bench.records import Cell


def mlp_macs(n_features: int, n_classes: int, depth: int, width: int) -> int:
    """Multiply-adds of one sample's forward pass through an MLP's affine layers.

    Args:
        n_features: inputs.
        n_classes: outputs.
        depth: hidden layers (0: the head alone).
        width: units per hidden layer.
    """
    sizes = [n_features] + [width] * depth + [n_classes]
    return sum(a * b for a, b in itertools.pairwise(sizes))


def train_flops_per_sample(cell: Cell, n_features: int, n_classes: int) -> float:
    """Training FLOPs per sample of an MLP: 2 per multiply-add forward, 4 backward."""
    return 6.0 * mlp_macs(n_features, n_classes, cell.model.depth, cell.model.width)


def eval_flops_per_sample(cell: Cell, n_features: int, n_classes: int) -> float:
    """Evaluation FLOPs per sample of an MLP: one forward pass, 2 per multiply-add."""
    return 2.0 * mlp_macs(n_features, n_classes, cell.model.depth, cell.model.width)


def unit_flops(
    cell: Cell, members: int, n_train: int, n_evaluated: int, n_features: int, n_classes: int
) -> dict[str, float]:
    """FLOPs of a unit of ``members`` cells like ``cell``, over its epochs.

    Every epoch trains on ``n_train`` samples and is followed by an evaluation pass over
    ``n_evaluated`` samples (the train, validation and test splits together); the
    evaluation before training (epoch 0) is the probes', which are not counted.

    Returns:
        ``{"training": …, "evaluation": …, "total": …}`` in FLOPs.
    """
    per_member = cell.train.epochs * members
    training = per_member * n_train * train_flops_per_sample(cell, n_features, n_classes)
    evaluation = per_member * n_evaluated * eval_flops_per_sample(cell, n_features, n_classes)
    return {"training": training, "evaluation": evaluation, "total": training + evaluation}


@contextlib.contextmanager
def _threads(threads: int | None) -> Iterator[None]:
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _best_rate(fn, flops: float, repeats: int, calls: int) -> float:
    fn()  # warm-up
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(calls):
            fn()
        best = min(best, (time.perf_counter() - t) / calls)
    return flops / best / 1e9


def matmul_peak(n: int = 1024, repeats: int = 10, threads: int | None = None) -> float:
    """GFLOP/s of an n×n float32 matmul on the CPU (best of ``repeats``).

    Args:
        n: the matrices' side.
        repeats: timed calls; the fastest counts.
        threads: torch's intra-op threads for the measurement (``None``: as set).
    """
    a, b = torch.randn(n, n), torch.randn(n, n)
    with _threads(threads):
        return _best_rate(lambda: a @ b, 2.0 * n**3, repeats, 1)


def stacked_matmul_rate(
    members: int = 32, n: int = 64, repeats: int = 10, threads: int | None = None
) -> float:
    """GFLOP/s of ``torch.bmm`` on (members, n, n) × (members, n, n), float32, CPU.

    Each timed repeat runs enough calls to last about 20 ms at 100 GFLOP/s; the fastest
    repeat counts, as for :func:`matmul_peak`.

    Args:
        members: matrices in the stack.
        n: their side.
        repeats: timed repeats.
        threads: torch's intra-op threads for the measurement (``None``: as set).
    """
    a, b = torch.randn(members, n, n), torch.randn(members, n, n)
    flops = 2.0 * members * n**3
    calls = max(1, int(2e9 / flops))
    with _threads(threads):
        return _best_rate(lambda: torch.bmm(a, b), flops, repeats, calls)
