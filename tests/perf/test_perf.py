"""Timing benchmarks (pytest-benchmark). `make perf` times them; `make test` runs each once.

Compare runs with ``pytest tests/perf --benchmark-enable --benchmark-autosave`` and
``pytest-benchmark compare``; absolute times are never asserted.
"""

from __future__ import annotations

import pytest
import torch
from torch.nn import functional as F

from bench import datasets, models, probes, train
from bench.spec import ModelSpec, TrainSpec
from tests.conftest import tiny_cell


@pytest.fixture(scope="module")
def digits():
    return datasets.load("digits", 0)


def _net(act: str, digits):
    torch.manual_seed(0)
    return models.build(ModelSpec("mlp", 8, 64), act, "matched", digits.n_features, 10)


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "elu", "selu", "gelu"])
def test_forward_backward_epoch(benchmark, digits, act):
    """One epoch of Adam steps on an 8×64 MLP (C16: ReLU should be the fastest)."""
    net = _net(act, digits)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    X, y = digits.X_train, digits.y_train

    def epoch() -> None:
        for start in range(0, len(y), 64):
            opt.zero_grad()
            F.cross_entropy(net(X[start : start + 64]), y[start : start + 64]).backward()
            opt.step()

    benchmark(epoch)


def test_probe_cost(benchmark, digits):
    """Unit-health probes on the whole training set (timed separately from training)."""
    net = _net("relu", digits)
    health = benchmark(probes.unit_health, net, digits.X_train, digits.y_train)
    assert len(health["dead"]) == 8


def test_tiny_cell_end_to_end(benchmark):
    result = benchmark(train.run, tiny_cell(train=TrainSpec(epochs=3)))
    assert result.status == "ok"
