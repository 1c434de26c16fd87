"""Training one cell: the public entry point over the loop in :mod:`bench.run.loop`.

Public:
    run(cell) -> Result                 train one cell on the per-cell path; never raises for
                                        a training problem
    utcnow() -> str                     the current UTC time, ISO 8601
    environment(device="cpu") -> dict   torch version, threads, CPU, harness, commit, device
    CURVES                              names of the per-epoch series in ``Result.curves``

Several cells that differ only in seed, initializer, optimizer numbers and split seed
train faster together: :func:`bench.run.loop.train` takes a list (the executors batch cells
this way).
"""

from __future__ import annotations

from bench.records import Cell, Result
from bench.run.env import environment, utcnow
from bench.run.loop import CURVES, train

__all__ = ["CURVES", "environment", "run", "utcnow"]


def run(cell: Cell) -> Result:
    """Train one cell (on ``cell.device``).

    Args:
        cell: the fully specified run.

    Returns:
        A :class:`Result` with status ``ok``, ``diverged`` or ``failed``.
    """
    return train([cell], cell.device)[0]
