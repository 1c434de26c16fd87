"""The document kit every report shares: Markdown parts, tables (tabulate), figures and CSV
attachments, and the number formats (percent, ± intervals, p-values, ratios, times).
Formatting only: nothing here computes a statistic or decides anything.

Public:
    Attachment              a file the Markdown links to: ``write(path)`` makes it
    Doc                     Markdown parts and their attachments
    write(out, text, files, figdir) -> Path
                            the Markdown at ``out``, its attachments in ``figdir`` beside it
    pct(x)                  ``12.3`` (a fraction in percent), ``–`` for a missing value
    pm(mean, ci, scale=100, digits=1)  ``12.3 ± 0.4``
    num(x, fmt="{:.2f}")    a number, ``–`` for a missing value
    p(x)                    ``0.123`` or ``< 0.001``
    p_is(x)                 ``p = 0.123`` or ``p < 0.001`` (for prose)
    lr(x)                   a learning rate, ``0.003``
    ratio(median, low, high)   ``1.05× (1.01–1.09)``
    per_call(seconds)       ``1.2 ms``
    ALPHA_TEXT              the significance level as the reports print it, ``0.05``
    margin(noun="point")    the region of practical equivalence, ``±1 point``
    robust(sign, reverses, decision, absent="")
                            a pair's robustness readings, ``sign holds in 7/7 — still
                            decided in 7/7``, a reversal in bold, first

The significance level and the margin are :mod:`bench.scoring.verdicts`' ``ALPHA`` and
``ROPE``, formatted here, never typed into a report's text.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from tabulate import tabulate

from bench.scoring.verdicts import ALPHA, ROPE

ALPHA_TEXT = f"{ALPHA:g}"  # "0.05"


@dataclass
class Attachment:
    """A file the Markdown links to (a PNG figure, a CSV table): ``write(path)`` makes it."""

    name: str
    write: Callable[[Path], Path]


def write(out: Path, text: str, files: Sequence[Attachment], figdir: str) -> Path:
    """Write a report: its attachments into ``figdir`` beside ``out``, then the Markdown.

    Returns:
        ``out``.
    """
    out.parent.mkdir(parents=True, exist_ok=True)
    for attachment in files:
        attachment.write(out.parent / figdir / attachment.name)
    out.write_text(text)
    return out


@dataclass
class Doc:
    """Markdown parts and the files they link to (tables via tabulate, figures, CSVs)."""

    parts: list[str] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    figdir: str = "files"
    prefix: str = ""  # prepended to attachment names (one report slice per axis value)

    def add(self, *text: str) -> None:
        """Append paragraphs."""
        self.parts.extend(text)

    def table(self, rows: list[Sequence[Any]], headers: Sequence[str], align=None) -> None:
        """Append a GitHub-flavoured table (cells already formatted as text; a ``|`` inside
        a cell is escaped so that it cannot split the cell)."""

        def cell(value: Any) -> Any:
            return value.replace("|", "\\|") if isinstance(value, str) else value

        rows = [[cell(v) for v in r] for r in rows]
        headers = [cell(h) for h in headers]
        self.parts.append(
            tabulate(
                rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=align
            )
        )

    def figure(self, name: str, alt: str, draw: Callable[[Path], Path]) -> None:
        """Append a figure link; ``draw(path)`` writes the PNG when the report is written."""
        name = self.prefix + name
        self.files.append(Attachment(name, draw))
        self.parts.append(f"![{alt}]({self.figdir}/{name})")

    def csv(self, name: str, table: pd.DataFrame) -> str:
        """Attach a table as CSV; returns its relative link."""
        name = self.prefix + name

        def write(path: Path) -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(path, index=False, float_format="%.6g")
            return path

        self.files.append(Attachment(name, write))
        return f"{self.figdir}/{name}"

    def text(self) -> str:
        """The Markdown: the parts separated by blank lines."""
        return "\n\n".join(p.rstrip() for p in self.parts) + "\n"


def _missing(x: Any) -> bool:
    return x is None or not math.isfinite(x)


def pct(x: float) -> str:
    """A fraction in percent with one decimal; ``–`` for a missing value."""
    return "–" if _missing(x) else f"{100 * x:.1f}"


def pm(mean: float, ci: float, scale: float = 100.0, digits: int = 1) -> str:
    """``mean ± ci`` scaled (percent by default); the ± part only when the CI exists."""
    if _missing(mean):
        return "–"
    if _missing(ci):
        return f"{scale * mean:.{digits}f}"
    return f"{scale * mean:.{digits}f} ± {scale * ci:.{digits}f}"


def num(x: float, fmt: str = "{:.2f}") -> str:
    """A number in ``fmt``; ``–`` for a missing value."""
    return "–" if _missing(x) else fmt.format(x)


def p(x: float) -> str:
    """A p-value: ``< 0.001`` or three decimals; ``–`` when missing."""
    if _missing(x):
        return "–"
    return "< 0.001" if x < 1e-3 else f"{x:.3f}"


def p_is(x: float) -> str:
    """``p = 0.123`` or ``p < 0.001`` for prose (``p = –`` when missing)."""
    text = p(x)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def lr(x: float) -> str:
    """A learning rate in its shortest form; ``–`` when missing."""
    return "–" if _missing(x) else f"{x:g}"


def ratio(median: float, low: float, high: float) -> str:
    """``1.05× (1.01–1.09)``; the bracket is left out when it would say nothing."""
    if _missing(median):
        return "–"
    if low == high:
        return f"{median:.2f}×"
    return f"{median:.2f}× ({low:.2f}–{high:.2f})"


def margin(noun: str = "point", rope: float = ROPE) -> str:
    """The region of practical equivalence in accuracy points: ``±1 point`` (``noun``:
    ``accuracy point`` gives ``±1 accuracy point``; plural when it is not 1)."""
    points = 100 * rope
    return f"±{points:g} {noun}{'' if points == 1 else 's'}"


def per_call(seconds: float) -> str:
    """A time per call in s, ms or µs, three significant digits; ``–`` when missing."""
    if _missing(seconds):
        return "–"
    if seconds >= 1:
        return f"{seconds:.3g} s"
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


def robust(sign: Any, reverses: Any, decision: Any, absent: Any = "") -> str:
    """A pair's two robustness readings (:func:`bench.scoring.robustness.readings`):
    ``sign holds in 7/7 — still decided in 7/7``, the sign in bold when it reverses, the
    alternatives that do not exist after it (``(other initializer: —)``); ``–`` for a row
    without readings."""
    if not isinstance(sign, str):
        return "–"
    text = f"**sign {sign}**" if reverses else f"sign {sign}"
    text += f" — {decision}"
    return text + (f" ({absent})" if isinstance(absent, str) and absent else "")
