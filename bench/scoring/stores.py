"""``bench compare STORE_A STORE_B``: one suite measured in two places, side by side.

For speed claims that change with the hardware or the torch build: the same suite's
``bench speed`` timings from two machines (or two torch versions), and, where both stores
trained the same cells, their test accuracies. Reads the stores only (no torch);
:mod:`bench.report.compare` prints what :func:`compare` finds.

Public:
    Comparison                  what :func:`compare` found (frames and notes)
    compare(store_a, store_b, suite=None) -> Comparison

Speed: per activation, width and pass, each store's median time ratio to ReLU (as ``bench
speed`` and the report show it: ratios within a repeat, median and min–max over repeats),
and B/A, the ratio of the two stores' median absolute times per call (> 1: slower in B).
Accuracy: cells are paired on their configuration (every cell field but the device); a
pair with the same key is the same cell trained twice (same device, same schema). Diverged
and failed cells score 0, as in the reports.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from bench.errors import BenchError
from bench.records import FIELDS
from bench.schema import PASSES
from bench.scoring import metrics, speed
from bench.scoring.speed import REFERENCE
from bench.store import Store

ENV_ROWS = (  # (label, key of a timing's env)
    ("torch", "torch"),
    ("device", "device"),
    ("CPU", "cpu"),
    ("CPU cores", "cpu_count"),
    ("torch threads", "threads"),
    ("Python", "python"),
    ("platform", "platform"),
    ("harness", "harness"),
    ("commit", "commit"),
)


@dataclass
class Comparison:
    """Two stores' view of one suite.

    Attributes:
        paths: the two stores.
        suites: the suite's name in each (the same unless each store holds one other).
        env: rows (what, A, B): where each side's timings and results were measured.
        speed: one row per (activation, width, pass): ``ratio_a``/``low_a``/``high_a``,
            the same for B, ``seconds_a``, ``seconds_b`` (median per call) and ``b_over_a``.
        accuracy: one row per activation over the cells both hold: ``cells``,
            ``same_key``, ``test_acc_a``, ``test_acc_b``, ``diff`` (mean of B − A),
            ``max_abs_diff``, ``identical`` (pairs with equal test accuracy).
        notes: what could not be compared, and why.
    """

    paths: tuple[Path, Path]
    suites: tuple[str | None, str | None]
    env: list[tuple[str, str, str]] = field(default_factory=list)
    speed: pd.DataFrame = field(default_factory=pd.DataFrame)
    accuracy: pd.DataFrame = field(default_factory=pd.DataFrame)
    notes: list[str] = field(default_factory=list)
    reference: str = REFERENCE


def _held(store: Store) -> list[str]:
    """The suites a store knows: registered grids and ``bench speed`` timings."""
    timed = set(store.timings()["suite"])
    return sorted(set(store.suites()) | timed)


def _pick(paths: tuple[Path, Path], held: tuple[list[str], list[str]], suite: str | None):
    a, b = held
    holds = "; ".join(f"{p} holds {', '.join(h) or 'nothing'}" for p, h in zip(paths, held))
    if suite is not None:
        if suite not in a and suite not in b:
            raise BenchError(f"suite {suite!r} is in neither store: {holds}")
        return suite, suite
    common = [s for s in a if s in b]
    if len(common) == 1:
        return common[0], common[0]
    if len(common) > 1:
        raise BenchError(
            f"both stores hold {len(common)} suites; pick one with --suite: {', '.join(common)}"
        )
    if len(a) == 1 and len(b) == 1:  # one suite each, named differently (e.g. after the file)
        return a[0], b[0]
    raise BenchError(f"no suite in both stores; pick one with --suite: {holds}")


def compare(store_a: str | Path, store_b: str | Path, suite: str | None = None) -> Comparison:
    """Compare one suite's timings and results in two stores.

    Args:
        store_a / store_b: the two SQLite stores (A is the baseline of B/A).
        suite: the suite's name; left out, the one suite both hold (or, when each holds
            exactly one suite, those two).

    Raises:
        BenchError: a store is missing or unreadable, the suite is in neither, or the
            choice of suite is ambiguous.
    """
    paths = (Path(store_a), Path(store_b))
    with Store(paths[0], readonly=True) as a, Store(paths[1], readonly=True) as b:
        names = _pick(paths, (_held(a), _held(b)), suite)
        timings = tuple(s.timings(n) for s, n in zip((a, b), names))
        frames = tuple(
            s.frame(n) if n in s.suites() else pd.DataFrame() for s, n in zip((a, b), names)
        )
    c = Comparison(paths, names)
    for side, path, name, t, f in zip("AB", paths, names, timings, frames):
        if t.empty and f.empty:
            c.notes.append(f"{side} ({path}) holds nothing of suite {name!r}")
        elif t.empty:
            c.notes.append(
                f"{side} ({path}) has no timings of suite {name!r}: "
                f"`python -m bench speed --store {path} --suite {name}` makes them"
            )
    c.env = _env(names, timings, frames)
    c.speed = _speed(timings, c.notes)
    c.accuracy = _accuracy(frames, c.notes)
    return c


def _first_env(t: pd.DataFrame) -> dict[str, Any]:
    return t["env"].iloc[0] if len(t) else {}


def _values(frame: pd.DataFrame, column: str) -> str:
    if frame.empty or column not in frame.columns:
        return "–"
    return ", ".join(sorted({str(v) for v in frame[column].dropna()})) or "–"


def _env(names, timings, frames) -> list[tuple[str, str, str]]:
    envs = [_first_env(t) for t in timings]
    rows = [("suite", *names)]
    rows.append(("timings measured at", *(_values(t, "measured_at") for t in timings)))
    rows += [(label, *(str(e.get(key, "–")) for e in envs)) for label, key in ENV_ROWS]
    rows.append(
        (
            "timed model",
            *(
                f"mlp depth {_values(t, 'depth')}, batch {_values(t, 'batch')}, "
                f"repeats {t['repeat'].nunique()}"
                if len(t)
                else "–"
                for t in timings
            ),
        )
    )
    rows.append(("cells stored", *(str(len(f)) for f in frames)))
    for label, column in (
        ("cells: torch", "env.torch"),
        ("cells: device", "env.device"),
        ("cells: CPU", "env.cpu"),
    ):
        rows.append((label, *(_values(f, column) for f in frames)))
    return [tuple(str(x) for x in r) for r in rows]


def _speed(timings, notes: list[str]) -> pd.DataFrame:
    parts = []
    for side, t in zip("ab", timings):
        if t.empty:
            continue
        try:
            r = speed.ratios(t, reference=REFERENCE)
        except ValueError as exc:
            notes.append(f"{side.upper()}: {exc}")
            continue
        r = r.set_index(["activation", "width", "pass"])
        parts.append(
            r[["ratio_median", "ratio_low", "ratio_high", "seconds_median"]].rename(
                columns={
                    "ratio_median": f"ratio_{side}",
                    "ratio_low": f"low_{side}",
                    "ratio_high": f"high_{side}",
                    "seconds_median": f"seconds_{side}",
                }
            )
        )
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, axis=1, join="outer").reset_index()
    for side in "ab":
        for col in ("ratio", "low", "high", "seconds"):
            if f"{col}_{side}" not in out.columns:
                out[f"{col}_{side}"] = math.nan
    out["b_over_a"] = out["seconds_b"] / out["seconds_a"]
    order = {p: i for i, p in enumerate(PASSES)}
    out["_ref"] = out["activation"] != REFERENCE
    out["_pass"] = out["pass"].map(order)
    out = out.sort_values(["_ref", "activation", "width", "_pass"]).drop(columns=["_ref", "_pass"])
    return out.reset_index(drop=True)


def _accuracy(frames, notes: list[str]) -> pd.DataFrame:
    a, b = frames
    if a.empty or b.empty:
        return pd.DataFrame()
    ids = [f for f in FIELDS if f in a.columns and f in b.columns]

    def scored(f: pd.DataFrame) -> pd.DataFrame:
        acc = metrics.scores(f, "test_acc")  # diverged and failed score 0, as in the reports
        return f[ids].astype(str).assign(key=f["key"], acc=acc.astype(float))

    pairs = scored(a).merge(scored(b), on=ids, suffixes=("_a", "_b"))  # activation is an id
    only_a, only_b = len(a) - len(pairs), len(b) - len(pairs)
    if pairs.empty:
        notes.append(
            f"no cell is in both stores ({len(a)} in A, {len(b)} in B): their grids differ"
        )
        return pd.DataFrame()
    same = int((pairs["key_a"] == pairs["key_b"]).sum())
    note = f"{len(pairs)} cells in both stores ({same} with the same key"
    if same < len(pairs):
        note += f"; {len(pairs) - same} differ in the device or a data file's contents"
    note += ")"
    if only_a or only_b:
        note += f"; {only_a} only in A, {only_b} only in B"
    notes.append(note)
    pairs["diff"] = pairs["acc_b"] - pairs["acc_a"]
    pairs["same_key"] = pairs["key_a"] == pairs["key_b"]
    g = pairs.groupby("activation", sort=False)
    out = pd.DataFrame(
        {
            "cells": g.size(),
            "same_key": g["same_key"].sum().astype(int),
            "test_acc_a": g["acc_a"].mean(),
            "test_acc_b": g["acc_b"].mean(),
            "diff": g["diff"].mean(),
            "max_abs_diff": g["diff"].apply(lambda d: d.abs().max()),
            "identical": g["diff"].apply(lambda d: int((d == 0).sum())),
        }
    )
    return out.reset_index()
