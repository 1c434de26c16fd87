"""What a run will cost, before it starts: an estimate of the core-seconds a list of cells
takes, from their sizes, calibrated on the reference machine.

Public:
    SECONDS_PER_UNIT    core-seconds per unit of work (one row × one epoch × one hidden
                        layer × width², a cell in a stack of several; a convolution
                        counts width² × its kernel at every position)
    ALONE               how much slower a cell trains alone than in a stack
    core_seconds(cells, stacked=True) -> float
    describe(seconds, workers) -> str       "about 12 min with 2 worker(s)" (under half a
                                            second: "under a second …")
    core_time(seconds) -> str               "12 core-minutes" / "40 core-seconds"

Calibration: on the reference machine (2-core AMD EPYC, torch 2.13.0+cpu, one thread per
worker) an 8×64 MLP trained for 15 epochs with Adam, batch 64, on every offline data set
(at most 2,000 training rows each; 56,440 in all), in stacks of 9, took 7.1 core-seconds
per cell-over-all-sets, evaluation, probes and data loading included: 2.6e-10 core-seconds
per unit, plus 0.02 s a cell; alone, 2.9× that. The estimate is for a quiet machine: other
work on it, another CPU, or much wider nets (whose matmuls run nearer the peak) shift it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bench.records import Cell

SECONDS_PER_UNIT = 2.6e-10
PER_CELL = 0.02
ALONE = 2.9
_SPLIT_TRAIN = 0.6  # the training share of a 60/20/20 split


def _train_rows(cell: Cell) -> int:
    from bench import data
    from bench.records import CSV_PREFIX

    if cell.dataset.startswith(CSV_PREFIX) or cell.dataset not in data.REGISTRY:
        rows = 1000  # a user's table: unknown until read
    else:
        rows = data.REGISTRY[cell.dataset].rows
    n = int(rows * _SPLIT_TRAIN * cell.data.train_size)
    return min(n, cell.data.max_train) if cell.data.max_train else n


def core_seconds(cells: Sequence[Cell], stacked: bool = True) -> float:
    """Estimated core-seconds to train ``cells`` (in stacks, or each alone).

    Args:
        cells: the cells still to train.
        stacked: whether cells that can stack do (``bench run``'s default).

    Returns:
        The estimate, in core-seconds.
    """
    from bench import data

    total = 0.0
    for cell in cells:
        m = cell.model
        per_row = max(m.depth, 1) * m.width**2
        if m.kind == "cnn":  # a 3-wide kernel at every position of the data set's layout
            entry = data.REGISTRY.get(cell.dataset)
            shape = entry.image_shape if entry is not None and entry.image_shape else (1, 64)
            positions = 1
            for size in shape[1:]:
                positions *= size
            per_row *= positions * 3 ** (len(shape) - 1)
        work = cell.train.epochs * _train_rows(cell) * per_row
        seconds = SECONDS_PER_UNIT * work + PER_CELL
        total += seconds * (1 if stacked else ALONE)
    return total


def describe(seconds: float, workers: int = 1) -> str:
    """``about 12 min with 2 worker(s)`` (wall time on as many cores as workers)."""
    wall = seconds / max(1, workers)
    if wall < 0.5:
        return f"under a second with {workers} worker(s)"
    text = f"{wall / 60:.1f} min" if wall >= 60 else f"{wall:.0f} s"
    return f"about {text} with {workers} worker(s)"


def core_time(seconds: float) -> str:
    """``12 core-minutes``, or ``40 core-seconds`` under a minute (never ``0 core-minutes``)."""
    if seconds >= 60:
        return f"{seconds / 60:,.0f} core-minutes"
    return f"{seconds:.0f} core-seconds" if seconds >= 0.5 else "under a core-second"
