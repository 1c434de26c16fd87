"""Timing benchmarks (pytest-benchmark). ``make perf`` times them; ``make test`` runs each
once with benchmarking disabled, as a smoke test.

``make perf`` saves the first run as the baseline and compares every later run with it,
failing on a median slower by more than ``PERF_THRESHOLD`` (see the Makefile);
``python -m tests.perf.ratios`` turns the newest saved JSON into ratios (activations to
ReLU, the harness to a hand-written loop, batched to one-at-a-time). Absolute times are
never asserted.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch
from torch.nn import functional as F

from bench import data, models, perf
from bench.records import ModelSpec
from bench.run import loop

CELL = perf._cell(perf.PerfConfig(epochs=2))  # the default suite's model, 2 epochs
K_CELLS = [
    dataclasses.replace(
        CELL, seed=i, model=ModelSpec("mlp", 4, 32), train=dataclasses.replace(CELL.train, epochs=1)
    )
    for i in range(8)
]


@pytest.fixture(scope="module")
def digits():
    return data.load("digits", 0)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)  # as a local worker; ratios are only meaningful at one setting
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu", "selu", "gelu"])
def test_forward_backward_epoch(benchmark, digits, act):
    """One epoch of Adam steps on an 8×64 MLP (C16: ReLU should be the fastest)."""
    torch.manual_seed(0)
    net = models.build(ModelSpec("mlp", 8, 64), act, "matched", digits.n_features, 10)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    X, y = digits.X_train, digits.y_train
    with torch.no_grad():
        before = float(F.cross_entropy(net(X), y))

    def epoch() -> float:
        for start in range(0, len(y), 64):
            opt.zero_grad()
            F.cross_entropy(net(X[start : start + 64]), y[start : start + 64]).backward()
            opt.step()
        with torch.no_grad():
            return float(F.cross_entropy(net(X), y))

    after = benchmark(epoch)
    assert after < 0.8 * before  # an epoch of Adam on digits learns: the loop did its work


def test_hand_loop(benchmark):
    """A minimal hand-written loop doing the cell's work (the harness's yardstick)."""
    seconds = benchmark(perf.hand_loop, CELL)
    assert seconds > 0


def test_harness_cell(benchmark):
    """The same cell through the harness, probes off."""
    (result,) = benchmark(loop.train, [CELL])
    assert result.status == "ok" and result.metrics["epochs_run"] == 2


def test_harness_cell_with_probes(benchmark):
    """The same cell with probes on the default schedule (init and the last epoch here)."""
    probed = dataclasses.replace(CELL, train=dataclasses.replace(CELL.train, probe=True))
    (result,) = benchmark(loop.train, [probed])
    assert len(result.probes) == 3


def test_sequential_8(benchmark):
    """Eight 4×32 cells one at a time."""
    results = benchmark(lambda: [loop.train([c])[0] for c in K_CELLS])
    assert {r.env["members"] for r in results} == {1}


def test_batched_8(benchmark):
    """The same eight cells as one stacked batch."""
    results = benchmark(loop.train, K_CELLS)
    assert {r.env["members"] for r in results} == {8}
