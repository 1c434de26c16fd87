"""The commands that measure: ``bench speed`` (the activations timed in one process),
``bench perf`` (how fast the harness trains here) and ``bench claims`` (every claim's suites,
timing, checks and report).

Public:
    cmd_speed(args) -> int, cmd_perf(args) -> int, cmd_claims(args) -> int
"""

from __future__ import annotations

import argparse
import json
import sys

from bench.cli.common import (
    check_workers,
    known_suite,
    positive_ints,
    progress_shown,
    stop_on_ctrl_c,
    store_of,
    writable,
)
from bench.errors import BenchError
from bench.records import is_import_path


def cmd_speed(args: argparse.Namespace) -> int:
    import time

    from tabulate import tabulate

    from bench import activations, speed
    from bench.report.speed import speed_table
    from bench.run.env import resolve_device
    from bench.scoring.speed import REFERENCE, ratios
    from bench.store import Store

    # every argument is checked before the store is opened or anything is timed
    widths = positive_ints(args.widths, "--widths")
    if args.repeats < 1:
        raise BenchError(f"--repeats must be at least 1, got {args.repeats}")
    if args.threads < 1:
        raise BenchError(f"--threads must be at least 1, got {args.threads}")
    names = [n.strip() for n in (args.activations or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in activations.REGISTRY and not is_import_path(n)]
    if unknown:
        raise BenchError(
            f"unknown activation{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; valid: {', '.join(activations.names())}"
        )
    for name in filter(is_import_path, names):  # your own, package.module:Name
        activations.get(name)  # one line on what it lacks
    device = resolve_device(args.device)  # a missing GPU stops here
    path = writable(store_of(args), "--store")
    with Store(path) as store:
        suite, grid = _speed_suite(store, args.suite)
        if not names and not grid:
            print(
                f"suite {suite!r} has no stored cells in {path}: timing every "
                "registered activation",
                file=sys.stderr,
            )
        names = names or grid or activations.names()
        ref = REFERENCE
        names = list(dict.fromkeys([ref, *names] if ref not in names else names))
        print(
            f"timing {len(names)} activations × {len(widths)} width(s) × 2 passes × "
            f"{args.repeats} repeats on {device}, {args.threads} thread(s), for suite {suite}",
            file=sys.stderr,
        )
        t0 = time.perf_counter()
        records = speed.measure(
            names,
            widths,
            repeats=args.repeats,
            device=device,
            threads=args.threads,
            progress=progress_shown(not args.no_progress),
        )
        wall = time.perf_counter() - t0
        env, measured_at = _speed_env(device, args.threads)
        store.put_timings(suite, records, env, measured_at)
        # the reports' activation gallery (f and f′ by autograd), so they draw it torch-free
        store.put_check("gallery", speed.curves(activations.names()), measured_at)
    headers, rows = speed_table(ratios(records, reference=ref), names)
    print(f"time per call / {ref}'s: median over {args.repeats} repeats (min–max)")
    print(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    print(
        f"{len(records)} timings in {wall:.1f} s; stored in {path} as suite {suite} "
        "(a new measurement replaces any earlier one)",
        file=sys.stderr,
    )
    return 0


def cmd_claims(args: argparse.Namespace) -> int:
    from bench import claims

    if args.action == "list":
        for c in claims.REGISTRY.values():
            suites = ", ".join(c.suites) or "(exact check, nothing trained)"
            apart = "".join(f"; {g}: {', '.join(names)}" for g, names in c.groups.items())
            print(f"{c.id:4} {c.title}  [{suites}{apart}]")
        return 0
    if args.action == "report":
        from bench.report import claims as claims_report

        out = claims_report.build(args.store, writable(args.out, "--out"))
        print(f"wrote {out}", file=sys.stderr)
        return 0
    from bench.execute import claims as claim_suites
    from bench.run.env import resolve_device

    check_workers(args.backend, args.workers)
    names = [n.strip() for n in (args.suites or "").split(",") if n.strip()] or None
    group = args.group or claims.GROUP
    paths = claim_suites.suite_paths(names, group)
    suites = claim_suites.load_all(paths)  # validated before anything trains
    device = resolve_device(args.device)
    writable(args.store, "--store")
    stop_on_ctrl_c()
    try:
        progress = progress_shown(not args.no_progress)
        record = claim_suites.run(
            args.store,
            suites,
            args.backend,
            args.workers,
            device,
            progress=progress,
            checks=group == claims.GROUP,  # the timing and the checks: make claims's
            group=group,
        )
    except KeyboardInterrupt:
        print(
            "interrupted: finished cells are saved; run the same command to resume", file=sys.stderr
        )
        return 130
    print(
        f"claims: {record['cells']} cells, {record['wall_s'] / 60:.1f} min; store {args.store}",
        file=sys.stderr,
    )
    return 0


def cmd_perf(args: argparse.Namespace) -> int:
    from bench import data, perf

    ks = positive_ints(args.ks, "--ks")
    data.get(args.dataset)  # an unknown name stops here, with the valid ones
    for option, value in (
        ("--depth", args.depth),
        ("--width", args.width),
        ("--epochs", args.epochs),
        ("--repeats", args.repeats),
        ("--threads", args.threads),
        ("--probe-epochs", args.probe_epochs),
        ("--probe-members", args.probe_members),
        ("--unit-members", args.unit_members),
    ):
        if value < 1:
            raise BenchError(f"{option} must be at least 1, got {value}")
    config = perf.PerfConfig(
        args.dataset,
        args.depth,
        args.width,
        args.activation,
        args.epochs,
        64,
        tuple(ks),
        args.repeats,
        args.threads,
        args.probe_epochs,
        args.probe_members,
        args.unit_members,
    )
    figures = perf.measure(config, progress=lambda line: print(line, file=sys.stderr))
    print(perf.render(figures))
    if args.json:
        writable(args.json, "--json").write_text(json.dumps(figures, indent=1) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _speed_suite(store, name: str | None) -> tuple[str, list[str]]:
    """The suite the timings are stored under, and its grid's activations (if stored)."""
    known = store.suites()
    if name is not None and known:  # a store with suites: one of them (a typo is not a suite)
        known_suite(store, name)
    if name is None:
        if len(known) > 1:
            raise BenchError(
                f"{store.path} holds {len(known)} suites; pick one with --suite: {', '.join(known)}"
            )
        name = known[0] if known else store.path.stem
    return name, list(dict.fromkeys(r.cell.activation for r in store.results(name)))


def _speed_env(device: str, threads: int) -> tuple[dict, str]:
    """Where the timings were taken (the threads they ran with), and when (now)."""
    from bench.train import environment, utcnow

    return {**environment(device), "threads": threads}, utcnow()
