"""Bracketed learning rates: a suite's ``[tune]`` table, and the walk that extends each
configuration's rates until the best one lies inside the rates tried.

Public:
    FIELD               the axis a suite may tune (``train.lr``)
    DEFAULT_BOUNDS      (1e-6, 3.0): the rates a bracket may reach
    METRICS             what a bracket may follow: ``val_acc`` (what
                        :func:`bench.scoring.metrics.select_lr` chooses by, the default),
                        ``auc_val_acc`` (C4's and C5's fastest rate) or ``best_train_loss``
                        (C1's: the lowest training loss over the epochs, lower is better)
    Tuning              a suite's ``[tune]`` table: bounds and metric; ``record(start)``
                        is what the store keeps of it
    parse(table, fail) -> Tuning
                        the ``[tune]`` table validated (``fail(field, message)`` makes the
                        error to raise)
    configuration(cell) -> Cell
                        the cell with its seed, its learning rate and its split seed (a
                        replicate) set aside: what the rates of one configuration share
    check(cells, tuning) -> str
                        why a grid's starting rates cannot be bracketed ('' when they can)
    Walk                the cells a tuned suite holds so far and those still to train
    walk(suite, store, device="cpu") -> Walk

A suite file::

    [tune]
    "train.lr" = "bracket"      # the [grid]'s train.lr values are the starting grid
    bounds = [1e-6, 3.0]        # optional (the default)
    metric = "val_acc"          # optional (the default)

The rule (one function, :func:`bench.scoring.tuning.bracket`, which the reports read too):
a *configuration* is every cell field but the seed and the learning rate. Each one trains
its starting rates (at least two, log-spaced: one ratio between neighbours, within 10 % of
its logarithm). While the rate with the best seed-mean score (``select_lr``'s criterion,
in the metric's declared direction: non-ok seeds at the metric's worst, ties to the
smaller rate) is the highest (lowest) rate tried, the next rate above (below) is added:
the edge times (over) the geometric step of the rates tried, which is the starting grid's,
rounded to 12 significant digits so that keys are reproducible. The walk stops when the
best is interior, when the edge rate diverged in most seeds (strictly more than half;
those cells are stored as ``diverged``), or when the next rate would leave the bounds.

Every tried rate is an ordinary cell with its own key: resume, batching, dask and
``--retry failed`` are unchanged. :func:`walk` reads the store and nothing else, so the rates
tried are a function of the stored results and a rerun reproduces them; the driver
(:func:`bench.execute.driver.run_suite`) trains what it returns, round after round, until
nothing is left. One round holds every configuration that still needs a rate.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from bench.records import Cell, fill_defaults, flatten

if TYPE_CHECKING:
    from bench.store import Store
    from bench.suite import Suite

FIELD = "train.lr"
DEFAULT_BOUNDS = (1e-6, 3.0)
METRICS = ("val_acc", "auc_val_acc", "best_train_loss")
_KEYS = (FIELD, "bounds", "metric")
_SPACING = 0.1  # a starting grid's log-ratios may differ from their mean by this share


@dataclass(frozen=True)
class Tuning:
    """A suite's ``[tune]`` table: the learning rate bracketed within ``bounds`` by
    ``metric``."""

    bounds: tuple[float, float] = DEFAULT_BOUNDS
    metric: str = "val_acc"

    def record(self, start_cells: int) -> dict[str, Any]:
        """What the store keeps (:meth:`bench.store.Store.register_suite`): the rule and
        how many cells the starting grid has (the ones after them are the bracket's)."""
        return {
            FIELD: "bracket",
            "bounds": list(self.bounds),
            "metric": self.metric,
            "start_cells": start_cells,
        }


def parse(table: Any, fail: Callable[[str, str], Exception]) -> Tuning:
    """The ``[tune]`` table, validated.

    Raises:
        the error ``fail(field, message)`` makes, for an unknown key, a rule other than
        ``"bracket"``, bad bounds or an unknown metric.
    """
    if not isinstance(table, dict):
        raise fail("tune", "must be a table")
    for key in table:
        if key not in _KEYS:
            raise fail(f"tune.{key}", f"unknown key; valid: {', '.join(_KEYS)}")
    if table.get(FIELD) != "bracket":
        raise fail(f"tune.{FIELD}", f'must be "bracket", got {table.get(FIELD)!r}')
    bounds = table.get("bounds", list(DEFAULT_BOUNDS))
    if (
        not isinstance(bounds, list)
        or len(bounds) != 2
        or not all(isinstance(b, int | float) and not isinstance(b, bool) for b in bounds)
        or not all(math.isfinite(b) for b in bounds)
        or not 0 < bounds[0] < bounds[1]
    ):
        raise fail("tune.bounds", f"must be [low, high] with 0 < low < high, got {bounds!r}")
    metric = table.get("metric", "val_acc")
    if metric not in METRICS:
        raise fail("tune.metric", f"must be one of {', '.join(METRICS)}, got {metric!r}")
    return Tuning((float(bounds[0]), float(bounds[1])), metric)


def configuration(cell: Cell) -> Cell:
    """``cell`` with seed 0, learning rate 0 and split seed 0 (a replicate: one pinned
    value, or each cell's seed; never a grid axis): the cells of one configuration share
    it, as :data:`bench.scoring.metrics.CONFIG_COLUMNS` groups them."""
    data = replace(cell.data, split_seed=0)
    return replace(cell, seed=0, train=replace(cell.train, lr=0.0), data=data)


def _rates(cells: list[Cell]) -> dict[Cell, list[float]]:
    out: dict[Cell, set[float]] = {}
    for c in cells:
        out.setdefault(configuration(c), set()).add(c.train.lr)
    return {k: sorted(v) for k, v in out.items()}


def check(cells: list[Cell], tuning: Tuning) -> str:
    """Why the starting rates of ``cells`` cannot be bracketed under ``tuning`` ('' when
    they can): every configuration needs two or more rates, log-spaced, within the bounds."""
    low, high = tuning.bounds
    for config, rates in _rates(cells).items():
        shown = ", ".join(f"{r:g}" for r in rates)
        where = f"{config.dataset}/{config.activation}/{config.init}"
        if len(rates) < 2:
            return f"needs at least 2 starting rates per configuration; {where} has [{shown}]"
        if rates[0] < low or rates[-1] > high:
            return f"the starting rates [{shown}] of {where} leave tune.bounds [{low:g}, {high:g}]"
        logs = [math.log(b / a) for a, b in itertools.pairwise(rates)]
        mean = math.log(rates[-1] / rates[0]) / len(logs)
        if any(abs(g - mean) > _SPACING * mean for g in logs):
            ratios = ", ".join(f"{math.exp(g):.3g}" for g in logs)
            return (
                f"the starting rates [{shown}] of {where} are not log-spaced (ratios {ratios}); "
                "a bracket steps by one ratio"
            )
    return ""


@dataclass
class Walk:
    """A tuned suite so far: ``cells`` (the starting grid, then every rate the walk has
    added, in that order) and ``todo`` (those not stored yet: what the next round trains)."""

    cells: list[Cell]
    todo: list[Cell]
    start: int = 0  # how many of ``cells`` are the starting grid's


def walk(suite: Suite, store: Store, device: str = "cpu") -> Walk:
    """Every cell ``suite`` holds so far on ``device``, and those ``store`` lacks.

    Untuned, that is the grid. Tuned (``suite.tune``), each configuration whose cells are
    all stored is judged by :func:`bench.scoring.tuning.bracket`: at an untried edge, the
    next rate's cells (one per seed) are added, and the walk goes on with them if they are
    stored too. The result depends on the stored results alone.
    """
    cells = [replace(c, device=device) for c in suite.cells()]
    tuning = suite.tune
    if tuning is None:
        stored = store.keys()
        return Walk(cells, [c for c in cells if c.key not in stored], len(cells))
    from bench.scoring.tuning import bracket

    groups: dict[Cell, dict[float, list[Cell]]] = {}
    for c in cells:
        groups.setdefault(configuration(c), {}).setdefault(c.train.lr, []).append(c)
    ids = {config: i for i, config in enumerate(groups)}
    by_id = dict(enumerate(groups))
    seen: dict[str, tuple] = {}
    added: list[Cell] = []
    active = list(groups)
    while active:
        keys = [c.key for g in active for cs in groups[g].values() for c in cs]
        seen.update(store.outcomes([k for k in keys if k not in seen], tuning.metric != "val_acc"))
        ready = [g for g in active if all(c.key in seen for cs in groups[g].values() for c in cs)]
        if not ready:
            break
        judged = bracket(_frame(ready, groups, ids, seen), tuning.bounds, tuning.metric, "_config")
        active = []
        for row in judged[judged["state"] == "edge"].itertuples(index=False):
            config, rate = by_id[int(row.config)], float(row.next_lr)
            template = next(iter(groups[config].values()))
            new = [replace(c, train=replace(c.train, lr=rate)) for c in template]
            groups[config][rate] = new
            added += new
            active.append(config)
    every = cells + added  # each was looked up: its key is in ``seen`` once it is stored
    return Walk(every, [c for c in every if c.key not in seen], len(cells))


def _frame(configs, groups, ids, seen):
    """The stored outcomes of ``configs``' cells as a results frame (``_config``: their id)."""
    import pandas as pd

    rows = []
    for config in configs:
        for cs in groups[config].values():
            for c in cs:
                status, metrics, curves = seen[c.key]
                row = {**flatten(c.to_dict()), "key": c.key, "status": status, **metrics}
                if curves is not None:
                    row["curves"] = curves
                row["_config"] = ids[config]
                rows.append(row)
    return pd.DataFrame(fill_defaults(rows))
