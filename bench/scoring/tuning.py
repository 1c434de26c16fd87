"""Where each configuration's chosen learning rate lies among the rates it tried: the one
rule the bracketing walk (:mod:`bench.tune`) follows and the reports' setup tables read,
and the split policy of a suite.

Public:
    STATES              ``interior``, ``divergence``, ``bound``, ``edge``, ``single``
    diverging(diverged, seeds) -> bool
                        a rate diverged in most seeds: strictly more than half
    rounded(rate) -> float
                        a rate rounded to 12 significant digits (stable keys)
    beyond(rates, up) -> float
                        the next rate above (below) the rates tried: the highest times (the
                        lowest over) their geometric step, rounded
    bracket(df, bounds=None, metric="val_acc", config=None) -> DataFrame
                        per configuration: the rates tried, the chosen one, its state and
                        the rate a bracket adds next
    Rates               a suite's learning rates in one record (what a setup table shows)
    rates(df, record=None) -> Rates
                        that record from a suite's rows and its stored tuning rule
    split_policy(df) -> tuple[str, int | None]
                        ``("seed", None)``: each cell's split seed is its seed;
                        ``("pinned", s)``: one split; ``("mixed", None)``

The state of a configuration, with R its rates tried (ascending) and b the one
:func:`bench.scoring.metrics.select_lr` chooses (:func:`bench.scoring.metrics.rate_scores`):

- ``single``: one rate, nothing chosen;
- ``divergence``: b is the edge of R and diverged in most seeds, or a neighbour of b in R
  did (the bracket stopped at divergence, or the grid ran into it);
- ``interior``: otherwise, b is neither the lowest nor the highest of R;
- ``bound``: b is an edge and the next rate beyond it leaves the bounds;
- ``edge``: b is an edge and the next rate beyond it was not tried (a bracket adds it; an
  untuned grid leaves it: "at an untried edge").
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from bench.scoring import metrics

STATES = ("interior", "divergence", "bound", "edge", "single")
_TOLERANCE = 1e-9  # a rate this close (relative) to a bound is inside it


def diverging(diverged: int, seeds: int) -> bool:
    """Whether a rate diverged in most of its seeds (strictly more than half)."""
    return 2 * diverged > seeds


def rounded(rate: float) -> float:
    """``rate`` rounded to 12 significant digits (the same float on every machine)."""
    return float(f"{rate:.12g}")


def beyond(rates: list[float], up: bool) -> float:
    """The next rate above (``up``) or below the ascending ``rates`` (two or more): their
    geometric step, (highest / lowest) ** (1 / (n − 1)), from the edge. The walk only adds
    rates one step beyond the edges, so this step stays the starting grid's."""
    step = (rates[-1] / rates[0]) ** (1 / (len(rates) - 1))
    return rounded(rates[-1] * step if up else rates[0] / step)


def _state(table: pd.DataFrame, bounds: tuple[float, float] | None) -> tuple[str, float]:
    """(state, next rate or NaN) of one configuration's :func:`metrics.rate_scores` rows."""
    table = table.sort_values("train.lr")
    lrs = [float(x) for x in table["train.lr"]]
    if len(lrs) < 2:
        return "single", math.nan
    flags = [diverging(d, n) for d, n in zip(table["diverged"], table["seeds"], strict=True)]
    i = int(np.flatnonzero(table["best"].to_numpy())[0])
    if 0 < i < len(lrs) - 1:
        return ("divergence" if flags[i - 1] or flags[i + 1] else "interior"), math.nan
    if flags[i]:
        return "divergence", math.nan
    up = i == len(lrs) - 1
    nxt = beyond(lrs, up)
    if bounds is not None:
        low, high = bounds
        if (up and nxt > high * (1 + _TOLERANCE)) or (not up and nxt < low * (1 - _TOLERANCE)):
            return "bound", math.nan
    return "edge", nxt


def bracket(
    df: pd.DataFrame,
    bounds: tuple[float, float] | None = None,
    metric: str = "val_acc",
    config: str | None = None,
) -> pd.DataFrame:
    """Each configuration's rates tried and where its chosen one lies (module docstring).

    Args:
        df: the results frame (``train.lr``, ``status``, the metric; ``curves`` for a
            derived metric, ``auc_val_acc`` or ``best_train_loss``, when its column is not
            there yet: :func:`bench.scoring.metrics.derive`).
        bounds: (low, high) the rates may reach; None (an untuned suite): no bound.
        metric: the metric the rate is chosen by (its declared direction: the lowest
            ``best_train_loss``, the highest accuracy).
        config: a column naming each row's configuration (default: the configuration
            columns, as :func:`bench.scoring.metrics.select_lr` groups them).

    Returns:
        One row per configuration, in order of first appearance: ``config``, the
        configuration columns present (one value each), ``rates`` (a tuple, ascending),
        ``lr_selected``, ``state`` and ``next_lr`` (the rate a bracket adds next; NaN
        unless the state is ``edge``).
    """
    columns = [c for c in metrics.CONFIG_COLUMNS if c in df.columns]
    if df.empty:
        return pd.DataFrame(
            columns=["config", *columns, "rates", "lr_selected", "state", "next_lr"]
        )
    work = metrics.derive(df, metric)
    if config is None:
        groups = work.groupby(columns, dropna=False, sort=False).ngroup() if columns else 0
        work = work.assign(_config=groups)
        config = "_config"
    table = metrics.rate_scores(work, metric, config)
    first = work.drop_duplicates(config).set_index(config)
    rows = []
    for cfg, part in table.groupby("config", sort=False):
        state, nxt = _state(part, bounds)
        best = float(part.loc[part["best"], "train.lr"].iloc[0])
        rates = tuple(sorted(float(x) for x in part["train.lr"]))
        values = {c: first.at[cfg, c] for c in columns}
        rows.append(
            {
                "config": cfg,
                **values,
                "rates": rates,
                "lr_selected": best,
                "state": state,
                "next_lr": nxt,
            }
        )
    return pd.DataFrame(rows)


@dataclass
class Rates:
    """A suite's learning rates, as its report's setup table shows them.

    Attributes:
        tuned: whether the suite brackets its rate (a stored rule); ``bounds`` and
            ``metric`` are the rule's (None and ``val_acc`` untuned).
        low / high: the lowest and highest rate tried (NaN without a rate column).
        per_config: the fewest and the most rates one configuration tried.
        configs: configurations; ``counts``: how many are in each state (:data:`STATES`).
        extra_cells: stored cells the bracket added beyond the starting grid.
        edges: the configurations at an untried edge, compactly: one line per group of
            configurations that differ only in data set, "↑" above, "↓" below.
    """

    tuned: bool
    low: float
    high: float
    per_config: tuple[int, int]
    configs: int
    counts: dict[str, int]
    extra_cells: int = 0
    bounds: tuple[float, float] | None = None
    metric: str = "val_acc"
    edges: list[str] = field(default_factory=list)

    def share(self, state: str) -> float:
        """The share of the configurations with a choice (two or more rates) in ``state``."""
        chosen = self.configs - self.counts.get("single", 0)
        return self.counts.get(state, 0) / chosen if chosen else math.nan


def rates(df: pd.DataFrame, record: Mapping[str, Any] | None = None) -> Rates:
    """The learning rates of a suite's stored rows.

    Args:
        df: ``Store.frame(suite)`` (``series=True`` when the rule's metric reads curves).
        record: ``Store.tuning(suite)``: the rule (``bounds``, ``metric``) and
            ``tuned_keys``, the cells registered beyond the starting grid; None untuned.

    Returns:
        The :class:`Rates`.
    """
    tuned = record is not None
    bounds = tuple(record["bounds"]) if tuned else None
    metric = str(record.get("metric", "val_acc")) if tuned else "val_acc"
    if df.empty or "train.lr" not in df.columns:
        return Rates(tuned, math.nan, math.nan, (0, 0), 0, {}, 0, bounds, metric)
    b = bracket(df, bounds, metric)
    counts = {s: int((b["state"] == s).sum()) for s in STATES}
    sizes = [len(r) for r in b["rates"]]
    tuned_keys = set(record.get("tuned_keys", ())) if tuned else set()
    extra = int(df["key"].isin(tuned_keys).sum()) if tuned else 0
    lrs = df["train.lr"].astype(float)
    return Rates(
        tuned,
        float(lrs.min()),
        float(lrs.max()),
        (min(sizes), max(sizes)),
        len(b),
        counts,
        extra,
        bounds,
        metric,
        _edges(b, df),
    )


def _edges(b: pd.DataFrame, df: pd.DataFrame) -> list[str]:
    """``relu + matched, adam: iris ↑, wine ↓``: the configurations at an untried edge,
    named by the configuration columns that vary in the suite, grouped but for the data set."""
    edge = b[b["state"] == "edge"]
    if edge.empty:
        return []
    shown = [c for c in metrics.CONFIG_COLUMNS if c in df.columns and df[c].nunique() > 1]
    named = [c for c in shown if c != "dataset"]
    out = []
    keys = edge[named].astype(str).agg(" / ".join, axis=1) if named else pd.Series("", edge.index)
    for label, part in edge.groupby(keys, sort=True):
        sets = [
            f"{r['dataset'] if 'dataset' in shown else 'all'} "
            + ("↑" if r["next_lr"] > r["lr_selected"] else "↓")
            for _, r in part.sort_values("dataset").iterrows()
        ]
        out.append((f"{label}: " if label else "") + ", ".join(sets))
    return out


def split_policy(df: pd.DataFrame) -> tuple[str, int | None]:
    """How a suite's cells split their data: ``("seed", None)`` when every cell's split
    seed is its seed (seeds sample the split too), ``("pinned", s)`` when every cell uses
    split seed s (over several seeds, or one seed that differs from it), else
    ``("mixed", None)``."""
    if "data.split_seed" not in df.columns or df.empty:
        return "pinned", 0
    split = df["data.split_seed"].astype(int)
    follows = bool((split == df["seed"].astype(int)).all())
    if follows and (df["seed"].nunique() > 1 or split.nunique() > 1):
        return "seed", None
    if split.nunique() == 1:
        return "pinned", int(split.iloc[0])
    return ("seed", None) if follows else ("mixed", None)
