"""What the command modules share: default paths and small argument parsers.

Public:
    SUITES_DIR, RESULTS_DIR     ``suites/`` and ``results/`` (relative to the current folder)
    MAX_CELLS                   a run larger than this asks first (``--max-cells``)
    default_store(name) -> Path ``results/<name>.sqlite``
    names_list(text) -> list[str]          ``a, b,c`` → ``["a", "b", "c"]``
    positive_ints(text, option) -> list[int]
    floats(text, option) -> list[float]
"""

from __future__ import annotations

from pathlib import Path

from bench.errors import BenchError

SUITES_DIR = Path("suites")
MAX_CELLS = 50_000  # a run larger than this asks first (--max-cells)
RESULTS_DIR = Path("results")


def default_store(suite_name: str) -> Path:
    """Where a suite's results go by default: ``results/<name>.sqlite``."""
    return RESULTS_DIR / f"{suite_name}.sqlite"


def names_list(text: str) -> list[str]:
    """Comma-separated names, stripped, empty ones dropped."""
    return [n.strip() for n in text.split(",") if n.strip()]


def positive_ints(text: str, option: str) -> list[int]:
    """Comma-separated integers ≥ 1, each once; a BenchError naming ``option`` otherwise."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise BenchError(f"{option}: expected positive integers separated by commas, got {text!r}")
    return list(dict.fromkeys(values))


def floats(text: str, option: str) -> list[float]:
    """Comma-separated numbers; a BenchError naming ``option`` otherwise."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise BenchError(f"{option}: expected numbers separated by commas, got {text!r}")
    return values
