"""The grid of a suite: the Cartesian product of its axes over fixed settings, minus the
cells its ``[[exclude]]`` rules remove, expanded lazily.

Public:
    Grid(base, axes, seeds, exclude=None, seeded=())
        .fixed(path)        the value every cell has for a field that is not an axis
        .excluded(values)   whether a rule excludes every cell with these axis values
        len(grid), grid[i], iter(grid)
                            the kept cells: counted without expanding, indexed, built one
                            at a time

``seeded`` names fields that take each cell's seed (``data.split_seed`` when a suite does not
pin it: seed s samples the initialization and the split).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator
from typing import Any

from bench.records import DEFAULTS, Cell, build_cell


class Grid:
    """The Cartesian product of the axes over a base of fixed settings, minus exclusions.

    Like scikit-learn's ``ParameterGrid``: axes are expanded in sorted key order (the last
    key varies fastest), seeds innermost; ``len()`` and indexing work on the kept cells.
    Nothing is expanded up front: ``len()`` counts the kept combinations of the axes that
    exclusion rules name and multiplies by the rest, iteration builds one cell at a time,
    and indexing decodes the position directly when no rule excludes anything.
    """

    def __init__(
        self,
        base: dict[str, Any],
        axes: dict[str, list[Any]],
        seeds: list[int],
        exclude: list[dict[str, list[Any]]] | None = None,
        seeded: tuple[str, ...] = (),
    ) -> None:
        self.base = dict(base)
        self.seeded = tuple(seeded)  # fields set to each cell's seed
        self.axes = {k: list(axes[k]) for k in sorted(axes)}
        self.seeds = list(seeds)
        self.exclude = list(exclude or [])
        # a rule whose fixed fields (not axes) all match applies to its axes' values only
        self._rules = [
            {k: vs for k, vs in rule.items() if k in self.axes}
            for rule in self.exclude
            if all(self.fixed(k) in vs for k, vs in rule.items() if k not in self.axes)
        ]
        self._ruled = sorted({k for rule in self._rules for k in rule})
        self._len = self._count()

    def fixed(self, path: str) -> Any:
        """The value every cell has for a field that is not an axis (set, or the default)."""
        return self.base[path] if path in self.base else DEFAULTS.get(path)

    def excluded(self, values: dict[str, Any]) -> bool:
        """Whether some rule excludes every cell with these axis values (a rule naming an
        axis missing from ``values`` does not count)."""
        return any(
            all(k in values and values[k] in vs for k, vs in rule.items()) for rule in self._rules
        )

    def _count(self) -> int:
        total = math.prod(len(v) for v in self.axes.values()) * len(self.seeds)
        if not self._rules:
            return total
        ruled = [self.axes[k] for k in self._ruled]
        kept = sum(
            not self.excluded(dict(zip(self._ruled, values)))
            for values in itertools.product(*ruled)
        )
        return total // math.prod(len(v) for v in ruled) * kept

    def _product(self) -> Iterator[dict[str, Any]]:
        keys = [*self.axes, "seed"]
        for values in itertools.product(*self.axes.values(), self.seeds):
            point = dict(zip(keys, values))
            if self._rules and self.excluded(point):
                continue
            yield {**self.base, **point, **dict.fromkeys(self.seeded, point["seed"])}

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> Cell:
        if not -self._len <= i < self._len:
            raise IndexError(f"grid index {i} out of range for {self._len} cells")
        i %= self._len
        if self._rules:  # positions shift around excluded cells: walk to it
            return build_cell(next(itertools.islice(self._product(), i, None)))
        point = {"seed": self.seeds[i % len(self.seeds)]}
        i //= len(self.seeds)
        for key in reversed(self.axes):
            values = self.axes[key]
            point[key] = values[i % len(values)]
            i //= len(values)
        return build_cell({**self.base, **point, **dict.fromkeys(self.seeded, point["seed"])})

    def __iter__(self) -> Iterator[Cell]:
        return (build_cell(c) for c in self._product())
