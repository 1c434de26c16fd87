"""The records of a claim: its registry entry (:class:`Claim`), what its ``measure`` returns
(:class:`Finding` of :class:`Table` and :class:`Figure`), what it reads (:class:`Context`)
and what its ``judge`` returns (:class:`Verdict`). Torch-free and scipy-free: the claims
report formats these.

Public:
    Verdict             one verdict and its evidence
    Table               a computed table (a DataFrame and its caption)
    Figure              a figure: a file name, its alt text and a drawing function
    Finding             what ``measure`` returns: tables, figures and notes by section
    Context             what ``measure`` reads: each suite's results frame, the timings
    Claim               one registry entry
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.scoring.verdicts import VERDICTS


@dataclass(frozen=True)
class Verdict:
    """One claim's verdict with its evidence.

    Attributes:
        verdict: one of :data:`VERDICTS` (``PARTLY``: a compound claim with parts judged
            differently, each part's verdict in ``evidence``).
        effect: the headline effect size, in ``effect_unit``.
        ci: its 95 % confidence interval (NaNs where none applies, e.g. an exact check).
        effect_label: what the effect measures, e.g. ``"tanh − sigmoid, AULC (points)"``.
        p: the headline p-value (NaN where none applies).
        test: the test behind ``p``.
        n_datasets / n_seeds: the replication behind it (seeds: fewest of any data set).
        conditions: under which settings it holds (model, depth, optimizer …).
        evidence: one line of evidence, for the closing summary.
        would_change: one sentence on what would change the verdict.
    """

    verdict: str
    effect: float = math.nan
    ci: tuple[float, float] = (math.nan, math.nan)
    effect_label: str = ""
    p: float = math.nan
    test: str = ""
    n_datasets: int = 0
    n_seeds: int = 0
    conditions: str = ""
    evidence: str = ""
    would_change: str = ""

    def __post_init__(self) -> None:
        if self.verdict not in VERDICTS:
            raise ValueError(f"verdict {self.verdict!r} is not one of {', '.join(VERDICTS)}")


@dataclass(frozen=True)
class Table:
    """A computed table: ``frame`` holds numbers; the report formats them.

    ``percent`` lists columns holding fractions to show in percent; ``digits`` the decimals
    of the other float columns; ``section``: the heading of the part of the claim it belongs
    to ("" for the claim's own tables, shown first).
    """

    name: str
    caption: str
    frame: pd.DataFrame
    percent: tuple[str, ...] = ()
    digits: int = 3
    section: str = ""


@dataclass(frozen=True)
class Figure:
    """A figure: ``draw(path)`` writes a PNG to ``path`` (matplotlib, bench.plots)."""

    name: str
    alt: str
    draw: Callable[[Path], Any]


@dataclass
class Finding:
    """What a claim's ``measure`` returns: its tables (by name) and figures; ``notes``: the
    lines of text of each section (a heading: the ``section`` of its tables), in the order
    the sections were first named."""

    tables: dict[str, Table] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    notes: dict[str, list[str]] = field(default_factory=dict)

    def add(self, table: Table) -> None:
        """Add a table under its name."""
        self.tables[table.name] = table
        if table.section:
            self.notes.setdefault(table.section, [])

    def note(self, section: str, line: str) -> None:
        """Add a line of text to a section (shown under its heading, before its tables)."""
        self.notes.setdefault(section, []).append(line)

    def sections(self) -> list[str]:
        """The sections, in the order they were first named."""
        return list(self.notes)

    def frames(self) -> dict[str, pd.DataFrame]:
        """name → DataFrame: what ``judge`` reads."""
        return {k: t.frame for k, t in self.tables.items()}


@dataclass
class Context:
    """What the claims read: the results of each claim suite and the speed timings.

    Attributes:
        frames: suite name → its results frame (``Store.frame(series=True)`` restricted to
            the suite's own cells, so nothing else in the store moves a verdict).
        timings: the store's speed timings (``bench speed``), possibly empty.
        checks: exact checks measured by ``bench claims run`` (:mod:`bench.checks`; claim
            id or other name → JSON payload).
    """

    frames: dict[str, pd.DataFrame]
    timings: pd.DataFrame
    checks: dict[str, Any] = field(default_factory=dict)

    def frame(self, suite: str) -> pd.DataFrame:
        """The results of one suite (an empty frame if none are stored)."""
        return self.frames.get(suite, pd.DataFrame())


@dataclass(frozen=True)
class Claim:
    """One claim of the note.

    Attributes:
        id: ``C1`` … ``C18``.
        title: a short title.
        statement: what the note says, in English.
        suites: the suite names (files ``suites/claims/<name>.toml``) whose cells it reads;
            empty for a claim judged on an exact check alone (its payload is measured by
            :mod:`bench.checks` under the claim's id and read from ``Context.checks``).
        groups: suites it reads when they are stored but that ``make claims`` does not train,
            by group (group → names; files ``suites/<group>/<name>.toml``, trained by
            ``bench claims run --group <group>``).
        swept: suites among ``suites`` whose learning rate is an axis the claim measures
            (C9's sweep up to the divergence edge): no rate is chosen in them, so the
            claims report's setup table does not count edges for them.
        treatment: what is compared (e.g. ``activation``).
        conditions: the fixed settings, in words.
        design: the experiment in one paragraph.
        measure: ``measure(ctx) -> Finding`` (computes; never formats).
        judge: ``judge(tables) -> Verdict`` (tables: name → DataFrame from ``measure``).
    """

    id: str
    title: str
    statement: str
    suites: tuple[str, ...]
    treatment: str
    conditions: str
    design: str
    measure: Callable[[Context], Finding]
    judge: Callable[[dict[str, pd.DataFrame]], Verdict]
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict, hash=False)
    swept: tuple[str, ...] = ()
