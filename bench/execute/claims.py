"""``bench claims run``: every claim suite into one store through one executor, then the
speed measurement (C16) and the exact checks (C1, C7, C8, C17, C18: :mod:`bench.checks`), and
a record of how long it all took and where. The claims themselves (:mod:`bench.claims`) only
measure and judge what this stores.

Public:
    SPEED_SUITE                             the name the C16 timings are stored under
    SPEED_ACTIVATIONS                       the activations C16 times
    suite_paths(names=None, group=GROUP) -> list[Path]
                                            a group's committed claim suites (all, or by name)
    load_all(paths) -> list[Suite]          every suite parsed and validated, before training
    run(store_path, suites=None, backend="local", workers=2, device="cpu", progress=True,
        speed_repeats=5, checks=True, group=GROUP) -> dict
                                            the whole measurement; returns the run record
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench import claims as registry
from bench.errors import BenchError

if TYPE_CHECKING:
    from bench.store import Store
    from bench.suite import Suite

__all__ = ["SPEED_ACTIVATIONS", "SPEED_SUITE", "load_all", "run", "suite_paths"]

SPEED_SUITE = "c16_speed"
SPEED_ACTIVATIONS = ("relu", "leaky_relu", "rrelu", "prelu", "elu", "selu", "tanh", "sigmoid")


def suite_paths(names: list[str] | None = None, group: str = registry.GROUP) -> list[Path]:
    """The suite files of a group the claims read (``suites/<group>/<name>.toml``; the
    default group is what ``make claims`` trains), in claim order.

    Raises:
        BenchError: an unknown group, a claim names a suite with no file, or ``names``
            holds a suite the group does not.
    """
    valid = registry.groups()
    if group not in valid:
        raise BenchError(f"unknown claim suite group {group!r}; valid: {', '.join(valid)}")
    known = registry.all_suites(group=group)
    wanted = names or known
    unknown = [n for n in wanted if n not in known]
    if unknown:
        raise BenchError(f"unknown claim suite {unknown[0]!r}; valid: {', '.join(known)}")
    paths = [registry.suites_dir(group) / f"{n}.toml" for n in wanted]
    missing = [p for p in paths if not p.is_file()]
    if missing:
        raise BenchError(f"claim suite file {missing[0]} is missing")
    return paths


def load_all(paths: list[Path]) -> list[Suite]:
    """Parse and validate every suite first: a bad file stops the run before anything trains."""
    from bench.suite import check_data, load_suite

    suites = [load_suite(p) for p in paths]
    for suite in suites:
        check_data(suite)
    return suites


def run(
    store_path: str | Path,
    suites: list[Suite] | None = None,
    backend: str = "local",
    workers: int = 2,
    device: str = "cpu",
    progress: bool = True,
    speed_repeats: int = 5,
    checks: bool = True,
    group: str = registry.GROUP,
) -> dict[str, Any]:
    """Train every claim suite not yet stored, time the activations, run the exact checks.

    One executor (made here, and closed before the timing) trains every suite.

    Args:
        store_path: the SQLite store.
        suites: the parsed suites (:func:`load_all`); default every committed claim suite.
        backend, workers: the executor (:func:`bench.execute.make`).
        device: ``cpu`` or ``cuda`` (already resolved).
        progress: progress bars on stderr.
        speed_repeats: repeats of each C16 timing.
        checks: after training, time the activations (C16) and run the exact checks;
            False trains the suites only.
        group: the suite group the run trains: its record is stored as the ``_run`` check
            for the default group, as ``_run_<group>`` for another (the claims report's
            header reads ``_run``).

    Returns:
        The run record stored as the ``_run`` (or ``_run_<group>``) check (wall time,
        machine, cells, workers).

    Raises:
        KeyboardInterrupt: after Ctrl-C (what finished is stored; rerun to resume).
    """
    from bench import cost
    from bench.execute import make, pending, run_suite
    from bench.run.env import environment, utcnow
    from bench.store import Store

    suites = suites if suites is not None else load_all(suite_paths())
    t0 = time.perf_counter()
    cells = 0
    with Store(store_path) as store:
        todo: dict[str, Any] = {}
        stored = store.keys()
        for suite in suites:
            for cell in pending(suite, stored, device)[1]:
                todo.setdefault(cell.key, cell)
        seconds = cost.core_seconds(list(todo.values()))
        tuned = sum(1 for suite in suites if suite.tune is not None)
        rounds = (
            f" ({tuned} of the suites bracket their learning rates: these are their starting "
            "grids, and later rounds add the rates they still need)"
            if tuned
            else ""
        )
        print(
            f"claims: {len(todo):,} cells to train of {len(suites)} suites{rounds}; estimate "
            f"{cost.describe(seconds, workers)} on a quiet 2-core reference machine"
            + (", then about a minute for the timing and the checks" if checks else "")
            + " (resumable: rerun to finish)",
            file=sys.stderr,
        )
        with make(backend, workers, None) as executor:  # one for every suite, closed here
            for suite in suites:
                summary = run_suite(suite, store, executor, progress=progress, device=device)
                cells += summary.total
                print(
                    f"{suite.name}: {summary.done} trained, {summary.skipped} already stored, "
                    f"of {summary.total} ({summary.wall_time_s:.0f} s)",
                    file=sys.stderr,
                )
                if summary.interrupted:
                    raise KeyboardInterrupt
        env = environment(device)
        if checks:
            _time_and_check(store, device, env, speed_repeats, progress)
        record = {
            "wall_s": time.perf_counter() - t0,
            "machine": f"{env.get('cpu', '?')} ({env.get('cpu_count', '?')} cores), "
            f"torch {env.get('torch', '?')}, {device}",
            "workers": workers,
            "backend": backend,
            "cells": cells,
            "finished_at": utcnow(),
        }
        name = "_run" if group == registry.GROUP else f"_run_{group}"
        store.put_check(name, record, record["finished_at"])
    return record


def _time_and_check(
    store: Store, device: str, env: dict[str, Any], repeats: int, progress: bool
) -> None:
    """The C16 timings (and the activation gallery), then every claim's exact check."""
    from bench import checks, speed
    from bench.run.env import utcnow

    print("C16: timing the activations (bench speed)", file=sys.stderr)
    names = list(SPEED_ACTIVATIONS)
    records = speed.measure(names, repeats=repeats, device=device, threads=1, progress=progress)
    store.put_timings(SPEED_SUITE, records, {**env, "threads": 1}, utcnow())
    store.put_check("gallery", speed.curves(names), utcnow())
    for claim_id, check in checks.CHECKS.items():
        print(f"{claim_id}: exact check", file=sys.stderr)
        store.put_check(claim_id, check(), utcnow())
