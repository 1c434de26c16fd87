"""``bench claims run``: every claim suite into one store, then the speed measurement (C16)
and the exact checks (C1, C7, C8, C17, C18), and a record of how long it all took and where.

Public:
    context(store) -> Context               each claim suite's frame, the timings, the checks
    judge_all(ctx, claims=None) -> list[(Claim, Finding, Verdict)]
                                            every claim measured and judged (registry order)
    suite_paths(names=None) -> list[Path]   the committed claim suites (all, or by name)
    load_all(paths) -> list[Suite]          every suite parsed and validated, before training
    SPEED_SUITE                             the name the C16 timings are stored under
    run(store_path, ...) -> dict            the whole measurement; returns the run record
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import claims as registry
from bench.claims.base import Claim, Context, Finding, Verdict
from bench.errors import BenchError

if TYPE_CHECKING:
    from bench.store import Store

SPEED_SUITE = "c16_speed"
SPEED_ACTIVATIONS = ("relu", "leaky_relu", "rrelu", "prelu", "elu", "selu", "tanh", "sigmoid")


def context(store: Store) -> Context:
    """What the claims read from one store: each known claim suite's results (its own cells
    only), the ``bench speed`` timings and the exact checks."""
    known = set(store.suites())
    frames = {s: store.frame(s, series=True) for s in registry.all_suites() if s in known}
    return Context(frames=frames, timings=store.timings(), checks=store.checks())


def judge_all(
    ctx: Context, claims: Sequence[Claim] | None = None
) -> list[tuple[Claim, Finding, Verdict]]:
    """Measure and judge each claim (registry order)."""
    out = []
    for claim in claims or list(registry.REGISTRY.values()):
        finding = claim.measure(ctx)
        out.append((claim, finding, claim.judge(finding.frames())))
    return out


def suite_paths(names: list[str] | None = None) -> list[Path]:
    """The suite files the claims read (``suites/claims/<name>.toml``), in claim order.

    Raises:
        BenchError: a claim names a suite with no file, or ``names`` holds an unknown one.
    """
    known = registry.all_suites()
    wanted = names or known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BenchError(f"unknown claim suite {unknown[0]!r}; valid: {', '.join(known)}")
    paths = [registry.suites_dir() / f"{n}.toml" for n in wanted]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise BenchError(f"claim suite file {missing[0]} is missing")
    return paths


def load_all(paths: list[Path]) -> list[Any]:
    """Parse and validate every suite first: a bad file stops the run before anything trains."""
    from bench.suite import check_data, load_suite

    suites = [load_suite(p) for p in paths]
    for suite in suites:
        check_data(suite)
    return suites


def run(
    store_path: str | Path,
    suites: list[Any] | None = None,
    backend: str = "local",
    workers: int = 2,
    device: str = "cpu",
    progress: bool = True,
    speed_repeats: int = 5,
) -> dict[str, Any]:
    """Train every claim suite not yet stored, time the activations, run the exact checks.

    ``suites``: the parsed suites (:func:`load_all`); default every claim suite.

    Returns:
        The run record stored as the ``_run`` check (wall time, machine, cells, workers).
    """
    from bench import cost, executors, speed
    from bench.run.env import environment, utcnow
    from bench.store import Store

    suites = suites if suites is not None else load_all(suite_paths())
    executor = executors.make(backend, workers, None)
    t0 = time.perf_counter()
    cells = 0
    with Store(store_path) as store:
        todo: dict[str, Any] = {}
        stored = store.keys()
        for suite in suites:
            for cell in executors.pending(suite, stored, device)[1]:
                todo.setdefault(cell.key, cell)
        seconds = cost.core_seconds(list(todo.values()))
        print(
            f"claims: {len(todo):,} cells to train of {len(suites)} suites; estimate "
            f"{cost.describe(seconds, workers)} on a quiet 2-core reference machine, then "
            "about a minute for the timing and the checks (resumable: rerun to finish)",
            file=sys.stderr,
        )
        for suite in suites:
            summary = executors.run_suite(suite, store, executor, progress=progress, device=device)
            cells += summary.total
            print(
                f"{suite.name}: {summary.done} trained, {summary.skipped} already stored, "
                f"of {summary.total} ({summary.wall_time_s:.0f} s)",
                file=sys.stderr,
            )
            if summary.interrupted:
                raise KeyboardInterrupt
        env = environment(device)
        print("C16: timing the activations (bench speed)", file=sys.stderr)
        records = speed.measure(list(SPEED_ACTIVATIONS), repeats=speed_repeats, device=device,
                                threads=1, progress=progress)  # fmt: skip
        store.put_timings(SPEED_SUITE, records, {**env, "threads": 1}, utcnow())
        store.put_check("gallery", speed.curves(list(SPEED_ACTIVATIONS)), utcnow())
        for claim in registry.REGISTRY.values():
            if claim.check is not None:
                print(f"{claim.id}: exact check", file=sys.stderr)
                store.put_check(claim.id, claim.check(), utcnow())
        record = {
            "wall_s": time.perf_counter() - t0,
            "machine": f"{env.get('cpu', '?')} ({env.get('cpu_count', '?')} cores), "
            f"torch {env.get('torch', '?')}, {device}",
            "workers": workers,
            "backend": backend,
            "cells": cells,
            "finished_at": utcnow(),
        }
        store.put_check("_run", record, record["finished_at"])
    return record
