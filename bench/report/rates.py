"""The setup lines both reports give per suite: its learning rates (tried, where each chosen
one lies, what a bracket added) and its split policy. :mod:`bench.scoring.tuning` decides;
this formats.

Public:
    rates_text(r) -> str        the rates tried and how (bracketed or a fixed grid)
    chosen_text(r) -> str       where the chosen rates lie: interior, bounded by divergence,
                                at a bound, at an untried edge ('' with nothing chosen)
    edges_text(r) -> str        every configuration at an untried edge, compactly ('' if none)
    split_text(split) -> str    the split policy in words
    SUITE_COLUMNS               the headers of :func:`suite_row`
    suite_row(name, r, split, swept=False) -> list[str]
                                one suite's row of the claims report's setup table
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from bench.report.doc import lr

if TYPE_CHECKING:
    from bench.scoring.tuning import Rates


def _span(r: Rates) -> str:
    return lr(r.low) if r.low == r.high else f"{lr(r.low)} … {lr(r.high)}"


def _per(r: Rates) -> str:
    a, b = r.per_config
    return f"{a}" if a == b else f"{a}–{b}"


def rates_text(r: Rates) -> str:
    """``bracketed on validation (val_acc) within [1e-06, 3]: 0.0001 … 0.03 tried, 3–6 per
    configuration; 420 cells beyond the starting grid``, or the fixed grid's span."""
    if not r.configs or math.isnan(r.low):
        return "–"
    if r.tuned:
        low, high = r.bounds or (math.nan, math.nan)
        return (
            f"bracketed on validation (`{r.metric}`) within [{low:g}, {high:g}]: {_span(r)} "
            f"tried, {_per(r)} per configuration; {r.extra_cells:,} cells beyond the starting "
            "grid"
        )
    if r.per_config[1] < 2:
        return f"one per configuration ({_span(r)}): none chosen"
    return f"a fixed grid (not bracketed): {_span(r)}, {_per(r)} per configuration"


def chosen_text(r: Rates) -> str:
    """Of the configurations with a choice, how many chose a rate inside the rates tried,
    against divergence, at a bound (tuned only) and at an untried edge."""
    chosen = r.configs - r.counts.get("single", 0)
    if chosen <= 0:
        return ""
    parts = [("interior", "interior"), ("divergence", "bounded by divergence")]
    if r.tuned:
        parts.append(("bound", "at a bound"))
    parts.append(("edge", "at an untried edge" if r.tuned else "at an untried edge of the grid"))
    shares = ", ".join(
        f"{words} for {r.counts.get(s, 0)} ({100 * r.share(s):.1f} %)" for s, words in parts
    )
    return f"of {chosen} configurations, the chosen rate is {shares}"


def edges_text(r: Rates) -> str:
    """``At an untried edge (3): relu / matched: iris ↑, wine ↓; …`` ('' when none)."""
    n = r.counts.get("edge", 0)
    if not n:
        return ""
    where = "an untried edge" if r.tuned else "an untried edge of the grid"
    return f"At {where} ({n}; ↑ above, ↓ below): " + "; ".join(r.edges) + "."


def split_text(split: tuple[str, int | None]) -> str:
    """The split policy: by each cell's seed, one pinned split, or mixed."""
    kind, seed = split
    tail = "stratified; standardization fitted on the training part only"
    if kind == "seed":
        return (
            f"drawn by each cell's seed (a seed samples the initialization and the split); {tail}"
        )
    if kind == "pinned":
        return f"one split for every seed (split seed {seed}, pinned); {tail}"
    return f"split seeds neither pinned nor the cells' seeds; {tail}"


SUITE_COLUMNS = (
    "suite",
    "rates tried",
    "per configuration",
    "bracketed",
    "interior",
    "bounded by divergence",
    "at a bound",
    "at an untried edge",
    "cells added",
    "splits",
)


def suite_row(name: str, r: Rates, split: tuple[str, int | None], swept: bool = False) -> list[str]:
    """One suite in the claims report's setup table (columns :data:`SUITE_COLUMNS`): where
    a configuration chose among one rate, or the rate is an axis the claim sweeps
    (``swept``: none is chosen), the shares are ``–``."""
    chosen = r.configs - r.counts.get("single", 0)

    def count(state: str) -> str:
        if swept or chosen <= 0 or (state == "bound" and not r.tuned):
            return "–"
        return f"{r.counts.get(state, 0)} ({100 * r.share(state):.1f} %)"

    bracketed = "no (the rate is the axis swept)" if swept else "no"
    if r.tuned and r.bounds is not None:
        bracketed = f"`{r.metric}`, [{r.bounds[0]:g}, {r.bounds[1]:g}]"
    kind, seed = split
    return [
        f"`{name}`",
        _span(r) if r.configs else "–",
        _per(r) if r.configs else "–",
        bracketed,
        *(count(s) for s in ("interior", "divergence", "bound", "edge")),
        f"{r.extra_cells:,}" if r.tuned else "–",
        "each cell's seed"
        if kind == "seed"
        else f"pinned ({seed})"
        if kind == "pinned"
        else "mixed",
    ]
