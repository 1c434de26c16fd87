"""Ratios from the newest pytest-benchmark JSON: ``python -m tests.perf.ratios [FILE]``.

Prints each activation's epoch time as a ratio to ReLU's, the harness cell to the hand
loop (probes off and on), and eight cells batched to one at a time: medians of the
same run, so machine speed cancels out.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path


def newest(storage: Path = Path(".benchmarks")) -> Path:
    """The most recently saved benchmark JSON under ``storage``."""
    files = sorted(storage.glob("*/*.json"), key=lambda p: p.stat().st_mtime)
    if not files:
        raise SystemExit(f"no saved benchmarks under {storage}/: run `make perf` first")
    return files[-1]


def ratios(doc: dict) -> list[tuple[str, float]]:
    """(label, ratio) pairs from one pytest-benchmark JSON document."""
    med = {b["name"]: b["stats"]["median"] for b in doc["benchmarks"]}
    out = []
    relu = med.get("test_forward_backward_epoch[relu]")
    for name, value in med.items():
        if name.startswith("test_forward_backward_epoch[") and relu:
            act = name.split("[", 1)[1].rstrip("]")
            out.append((f"epoch time {act} / relu", value / relu))
    pairs = [
        ("harness / hand loop (probes off)", "test_harness_cell", "test_hand_loop"),
        ("harness with probes / hand loop", "test_harness_cell_with_probes", "test_hand_loop"),
        ("probes / harness without", "test_harness_cell_with_probes", "test_harness_cell"),
        ("8 sequential / 8 batched (speed-up)", "test_sequential_8", "test_batched_8"),
    ]
    for label, a, b in pairs:
        if a in med and b in med:
            out.append((label, med[a] / med[b]))
    return out


def main(argv: list[str] | None = None) -> int:
    """Print the ratios of the given (or newest) benchmark file."""
    args = sys.argv[1:] if argv is None else argv
    path = Path(args[0]) if args else newest()
    doc = json.loads(path.read_text())
    print(f"ratios of medians in {path}:")
    for label, value in ratios(doc):
        print(f"  {label:<40} {value:6.2f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
