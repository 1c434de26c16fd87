"""Random kills: ``python -m tests.torture [KILLS]`` (``make torture`` runs 20).

Trains a small suite once without interruption, then again in a second store while
SIGKILLing the run at random moments (during start-up, training or a store write) and
resuming it each time. At the end every cell must be stored exactly once, every row
complete, the SQLite file intact, and the export equal to the uninterrupted run's except
for timings. Prints the figures: kills survived, rows lost, duplicates.
"""

from __future__ import annotations

import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SUITE = """
dataset = "wine"
[suite]
name = "torture"
seeds = SEEDS
[grid]
activation = ["relu", "tanh", "elu"]
init = ["matched", "glorot_uniform"]
[model]
depth = 2
width = 8
[train]
epochs = 20
batch_size = 16
"""
# ~0.1 s a cell here, ~2 s of start-up: a kill at U(0.2, 4) s leaves at most ~2 s of training,
# so 6 × (5 + 2·kills) cells keep the run going through every kill with room to spare
UNTIMED_SKIP = ("time_s", "samples_per_s", "started_at", "finished_at", "env.")


def _run(suite: Path, store: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "bench",
            "run",
            str(suite),
            "--store",
            str(store),
            "--no-batch",
            "--no-progress",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _rows(store: Path) -> int:
    if not store.exists():
        return 0
    try:
        db = sqlite3.connect(store, timeout=30)
        return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0


def _untimed(store: Path):
    from bench.store import Store

    with Store(store, readonly=True) as s:
        frame = s.frame("torture")
    keep = [c for c in frame.columns if not any(skip in c for skip in UNTIMED_SKIP)]
    return frame[keep].sort_values("key").reset_index(drop=True)


def torture(kills: int = 20, seed: int = 0, workdir: Path | None = None) -> dict:
    """Run the torture; return its figures (raises AssertionError on a broken invariant)."""
    work = Path(workdir or tempfile.mkdtemp(prefix="torture-"))
    suite = work / "torture.toml"
    suite.write_text(SUITE.replace("SEEDS", str(list(range(5 + 2 * kills)))))
    reference, store = work / "reference.sqlite", work / "killed.sqlite"
    ref = _run(suite, reference)
    assert ref.wait() == 0, ref.stderr.read()
    total = _rows(reference)
    rng = random.Random(seed)
    survived = 0
    while survived < kills:
        proc = _run(suite, store)
        time.sleep(rng.uniform(0.2, 4.0))  # start-up takes ~2 s: some kills land before training
        if proc.poll() is not None:  # it finished first: nothing left to kill
            break
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        survived += 1
    final = _run(suite, store)
    assert final.wait() == 0, final.stderr.read()
    db = sqlite3.connect(store)
    integrity = db.execute("PRAGMA integrity_check").fetchone()[0]
    rows, distinct = db.execute("SELECT count(*), count(DISTINCT key) FROM results").fetchone()
    incomplete = db.execute(
        "SELECT count(*) FROM results WHERE metrics = '{}' OR finished_at = '' OR env = '{}'"
    ).fetchone()[0]
    a, b = _untimed(reference), _untimed(store)
    same = a.shape == b.shape and a.equals(b)
    figures = {
        "cells": total,
        "kills survived": survived,
        "rows stored": rows,
        "rows lost": total - distinct,
        "duplicates": rows - distinct,
        "incomplete rows": incomplete,
        "integrity": integrity,
        "export equals the uninterrupted run's (timings aside)": same,
    }
    assert integrity == "ok" and rows == distinct == total and incomplete == 0 and same, figures
    return figures


def main(argv: list[str] | None = None) -> int:
    """Print the figures of one torture run."""
    args = sys.argv[1:] if argv is None else argv
    figures = torture(int(args[0]) if args else 20)
    for name, value in figures.items():
        print(f"{name:<55} {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
