"""Shared fixtures: tiny cells and suite files that train in well under a second."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from bench.records import Cell, ModelSpec, TrainSpec


def tiny_cell(**overrides) -> Cell:
    """A cell that trains in milliseconds (wine, 2×8 MLP, 2 epochs)."""
    fields = dict(
        dataset="wine",
        activation="relu",
        init="matched",
        seed=0,
        model=ModelSpec("mlp", 2, 8),
        train=TrainSpec(optimizer="adam", lr=1e-2, epochs=2, batch_size=32),
    )
    fields.update(overrides)
    return Cell(**fields)


@pytest.fixture
def write_suite(tmp_path: Path):
    """Write a suite file from TOML text; returns its path."""

    def write(text: str, name: str = "suite.toml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


TINY_SUITE = """
    dataset = "wine"

    [suite]
    name = "tiny"
    seeds = [0, 1]

    [grid]
    activation = ["relu", "tanh", "selu"]
    init = ["matched", "glorot_uniform"]

    [model]
    depth = 2
    width = 8

    [train]
    epochs = 2
    lr = 1e-2
    batch_size = 32
"""


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """No test reaches the network: the image loaders never try a download."""
    monkeypatch.setenv("BENCH_OFFLINE", "1")
