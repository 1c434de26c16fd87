"""Units of work: which cells train together, in one call of the loop.

Public:
    MAX_MEMBERS                 default cap on the cells one batch trains at once
    Plan                        cells grouped into units; why some train alone
    plan(cells, batched=True, max_members=MAX_MEMBERS) -> Plan
                                batches of equal :func:`bench.run.loop.batch_key`, single
                                cells where batching does not pay (or is off)

How a suite is cut into units changes only speed: a cell gives the same numbers alone or in
a stack of any size (:mod:`bench.run.layout`). The executors (:mod:`bench.execute`) hand
the units to a backend. Torch is not imported here (the loop module is, lazily).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from bench.errors import BenchError
from bench.records import Cell

MAX_MEMBERS = 64


@dataclass
class Plan:
    """Cells grouped into units of work.

    Attributes:
        units: lists of cells, each trained by one call of the loop.
        alone: why cells train one at a time although batching is on: reason → count.
    """

    units: list[list[Cell]]
    alone: Counter = field(default_factory=Counter)

    def note(self) -> str:
        """One line on the cells that fall back to the per-cell path ('' if none)."""
        if not self.alone:
            return ""
        parts = ", ".join(f"{n} {why}" for why, n in sorted(self.alone.items()))
        return f"note: {sum(self.alone.values())} cells train one at a time ({parts})"


def plan(cells: Sequence[Cell], batched: bool = True, max_members: int = MAX_MEMBERS) -> Plan:
    """Group cells into units: batches of equal :func:`bench.run.loop.batch_key`, in the
    order their first cell appears, at most ``max_members`` each; cells that cannot batch
    (or all, with ``batched=False``) are units of one.

    Raises:
        BenchError: ``max_members`` < 1.
    """
    from bench.run.loop import batch_key, why_alone  # imports torch: only when planning

    if max_members < 1:
        raise BenchError(f"--max-members must be ≥ 1, got {max_members}")
    groups: dict[tuple, list[Cell]] = {}
    out = Plan([])
    for cell in cells:
        why = why_alone(cell) if batched else "batching off"
        if why:
            if batched:
                out.alone[why] += 1
            out.units.append([cell])
        else:
            groups.setdefault(batch_key(cell), []).append(cell)
    for members in groups.values():
        size = -(-len(members) // -(-len(members) // max_members))  # even chunks ≤ max
        out.units += [members[i : i + size] for i in range(0, len(members), size)]
    return out
