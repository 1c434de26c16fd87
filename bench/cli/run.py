"""``bench run``: train a suite's missing cells (or, with ``--dry-run``, say what a run would
do), and ``bench quick``: an ad-hoc grid from flags, trained, ranked and reported.

Public:
    cmd_run(args) -> int
    cmd_quick(args) -> int
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bench.cli.common import (
    MAX_CELLS,
    check_workers,
    default_store,
    floats,
    names_list,
    progress_shown,
    stop_on_ctrl_c,
    writable,
)
from bench.errors import BenchError

__all__ = ["MAX_CELLS", "cmd_quick", "cmd_run"]


def cmd_run(args: argparse.Namespace) -> int:
    """Train every cell of the suite that the store lacks (``--dry-run``: say what a run
    would do)."""
    from bench import execute
    from bench.run.env import resolve_device
    from bench.store import Store
    from bench.suite import check_data, load_suite

    check_workers(args.backend, args.workers)
    suite = load_suite(args.suite)  # validated before anything trains or opens a store
    check_data(suite)  # its data sets' files and tables, read once here
    device = resolve_device(args.device)  # a missing GPU stops here, before anything trains
    store_path = Path(args.store) if args.store else default_store(suite.name)
    if not args.dry_run:
        writable(store_path, "--store")
    batched = not args.no_batch
    if args.dry_run:
        return _dry_run(args, suite, store_path, device, batched)
    left = len(suite.grid)
    if left > args.max_cells and store_path.exists():  # only a big grid counts what is left
        with Store(store_path) as store:
            left = len(execute.pending(suite, store.keys(), device)[1])
    if left > args.max_cells:
        _confirm_large(args.suite, left, args.max_cells)
    if not store_path.exists():
        print(f"new store {store_path}", file=sys.stderr)
    stop_on_ctrl_c()
    with execute.make(args.backend, args.workers, args.address) as ex, Store(store_path) as store:
        summary = execute.run_suite(
            suite,
            store,
            ex,
            progress=progress_shown(not args.no_progress),
            device=device,
            batched=batched,
            max_members=args.max_members,
            lease_s=args.lease_s,
            retry_failed=args.retry == "failed",
        )
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing"
    elsewhere = f", {summary.elsewhere} held by another run" if summary.elsewhere else ""
    retried = (
        f", {summary.retried} failed cells retried (their rows kept in the store's history)"
        if args.retry
        else ""
    )
    print(
        f"{suite.name}: {summary.done} cells trained ({statuses}), {summary.skipped} already "
        f"stored{elsewhere}{retried}, of {summary.total}; {summary.wall_time_s:.1f} s on "
        f"{device}; store {store_path}",
        file=sys.stderr,
    )
    if summary.interrupted:
        print(
            "interrupted: finished cells are saved; run the same command to resume", file=sys.stderr
        )
        return 130
    return 0


def _confirm_large(source: str, n: int, limit: int) -> None:
    """Ask before a run of more than ``limit`` cells; without a terminal, refuse."""
    question = f"{source}: {n:,} cells to train (more than --max-cells {limit:,})"
    if not sys.stdin.isatty():
        raise BenchError(f"{question}; rerun with --max-cells {n} to train them all")
    answer = input(f"{question}. Train them? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise BenchError(f"{question}: not started")


def _dry_run(args: argparse.Namespace, suite, store_path: Path, device: str, batched: bool) -> int:
    """What a run would do, summarized; every cell's key only with ``--list``."""
    import math

    from bench import cost, execute
    from bench.store import Store

    total = len(suite.grid)
    axes = " × ".join(f"{len(v)} {k}" for k, v in suite.grid.axes.items())
    full = math.prod(len(v) for v in suite.grid.axes.values()) * len(suite.seeds)
    rules = len(suite.grid.exclude)
    minus = (
        f", minus {full - total:,} excluded by {rules} rule{'s' if rules > 1 else ''}"
        if rules
        else ""
    )
    print(
        f"suite {suite.name} ({args.suite}): {total:,} cells = {axes} × "
        f"{len(suite.seeds)} seeds{minus}"
    )
    for key, values in suite.grid.axes.items():
        shown = ", ".join(map(str, values[:8])) + (", …" if len(values) > 8 else "")
        print(f"  {key:<18} {len(values):>4}: {shown}")
    stored: set[str] = set()
    mean_s = math.nan
    if store_path.exists():
        with Store(store_path, readonly=True) as store:
            stored = store.keys()
            frame = store.frame()
        if args.retry and len(frame):  # --retry failed: failed rows would train again
            stored -= set(frame.loc[frame["status"] == "failed", "key"])
        if len(frame):
            mean_s = float(frame["total_time_s"].mean())
    todo, done = [], 0
    if stored or args.list or total <= _PLAN_LIMIT:
        cells, todo = execute.pending(suite, stored, device)
        done = len(cells) - len(todo)
    left = total - done
    print(f"store {store_path}: {done:,} stored, {left:,} to run")
    if suite.tune is not None:
        print(_tuned(suite, store_path, device))
    if todo and len(todo) <= _PLAN_LIMIT:
        work = execute.plan(todo, batched, args.max_members)
        how = f"batched, at most {args.max_members} cells each" if batched else "one cell each"
        print(f"device {device}: {len(work.units):,} units of work ({how})")
        if work.note():
            print(work.note())
    workers = args.workers if args.backend != "serial" else 1
    if todo:
        seconds = cost.core_seconds(todo, stacked=batched)
        print(
            f"estimate: {cost.describe(seconds, workers)} on a quiet 2-core reference machine "
            f"({cost.core_time(seconds)}; bench/cost.py)"
        )
    if math.isfinite(mean_s) and left:
        print(
            f"stored so far: {len(frame):,} cells, a mean of {mean_s:.3g} s of cell time each "
            f"(about {left * mean_s / workers / 60:,.1f} min for what is left at that rate)"
        )
    if left > args.max_cells:
        print(f"note: more than --max-cells {args.max_cells:,}: a run will ask first")
    if args.list:
        for cell in todo:
            print(f"  {cell.key}  {cell.label()}")
    return 0


_PLAN_LIMIT = 200_000  # a dry run plans units of work for grids up to this size


def _tuned(suite, store_path: Path, device: str) -> str:
    """A dry run's line on a tuned suite: the rule, and what its bracket has added so far."""
    from bench import tune
    from bench.store import Store

    low, high = suite.tune.bounds
    text = (
        f"tuned: {tune.FIELD} is bracketed by {suite.tune.metric} within [{low:g}, {high:g}]: "
        "rounds after these cells may add rates beyond the starting grid while a "
        "configuration's best rate is at an edge"
    )
    if store_path.exists():
        with Store(store_path, readonly=True) as store:
            found = tune.walk(suite, store, device)
        extra = len(found.cells) - found.start
        text += (
            f"; {extra:,} cells added so far, {len(found.todo):,} to run in the next round"
            if extra
            else ""
        )
    return text


def cmd_quick(args: argparse.Namespace) -> int:
    """An ad-hoc grid from flags, run and reported like a suite; prints the ranked table."""
    import shlex

    from bench import api, execute, report
    from bench.quick import relocate
    from bench.report import quick
    from bench.run.env import resolve_device
    from bench.store import Store

    doc = api.quick_suite(
        names_list(args.activations),
        names_list(args.dataset),
        _seeds(args.seeds),
        args.init,
        args.kind,
        args.depth,
        args.width,
        args.epochs,
        floats(args.lr, "--lr"),
        args.optimizer,
        args.batch_size,
        args.name,
        "bench quick "
        + shlex.join(f"--{k.replace('_', '-')}={getattr(args, k)}" for k in _QUICK_GRID_FLAGS),
    )
    check_workers(args.backend, args.workers)
    suite = api.parse_quick(doc)  # validated before anything trains or is written
    device = resolve_device(args.device)
    store_path, out = writable(args.store, "--store"), writable(_quick_out(args), "--out")
    suite_file = out.with_suffix(".toml")  # the grid as a suite file: `bench run` reruns it
    suite_file.parent.mkdir(parents=True, exist_ok=True)
    suite_file.write_text(
        "# Written by `bench quick`; `python -m bench run` on this file runs the same grid.\n"
        + api.to_toml(relocate(doc, suite_file.parent))  # csv: paths from the file's folder
    )
    suite.source = str(suite_file)
    stop_on_ctrl_c()
    with execute.make(args.backend, args.workers, args.address) as ex, Store(store_path) as store:
        progress = progress_shown(not args.no_progress)
        summary = execute.run_suite(suite, store, ex, device=device, progress=progress)
        frame = store.frame(suite.name)
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing"
    print(
        f"{suite.name}: {summary.done} cells trained ({statuses}), {summary.skipped} already "
        f"stored, of {summary.total}; {summary.wall_time_s:.1f} s on {device}; store "
        f"{store_path}",
        file=sys.stderr,
    )
    if summary.interrupted:
        print(
            "interrupted: finished cells are saved; run the same command to resume", file=sys.stderr
        )
        return 130
    print(quick.table(api.ranking(frame), doc, suite.name, len(suite.seeds)))
    report.build(store_path, out, suite.name)
    print(f"wrote {out} (the grid as a suite file: {suite_file})", file=sys.stderr)
    return 0


def _quick_out(args: argparse.Namespace) -> str:
    """``--out``, else ``reports/<--name>.md`` (two quick grids of different names keep
    their reports apart)."""
    import re

    if args.out is not None:
        return args.out
    if not re.fullmatch(r"[\w.-]+", args.name):
        raise BenchError(
            f"--name {args.name!r}: the report is named after it (reports/<name>.md); use "
            "letters, digits, '.', '_' and '-', or give --out"
        )
    return f"reports/{args.name}.md"


_QUICK_GRID_FLAGS = (
    "activations",
    "dataset",
    "seeds",
    "init",
    "kind",
    "depth",
    "width",
    "epochs",
    "lr",
    "optimizer",
    "batch_size",
)


def _seeds(text: str) -> int | list[int]:
    """``5`` (seeds 0–4) or ``0,3,7`` (those seeds)."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 0 or ("," not in text and values[0] < 1):
        raise BenchError(
            f"--seeds: expected a count ≥ 1 or seeds separated by commas, got {text!r}"
        )
    return values if "," in text else values[0]
