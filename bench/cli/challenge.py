"""``bench challenge``: one activation (your own, ``package.module:Name``) against every
baseline of a suite: only its cells and the baseline cells the store lacks train; then it is
timed with the others and reported on its own (:mod:`bench.execute.challenge`).

Public:
    add(sub)            the command's parser, added to ``bench``'s sub-commands
    cmd_challenge(args) -> int
"""

from __future__ import annotations

import argparse
import sys

from bench.cli.common import check_workers, progress_shown, stop_on_ctrl_c, writable
from bench.cli.flags import RAW, examples
from bench.errors import BenchError

__all__ = ["add", "cmd_challenge"]


def add(sub: argparse._SubParsersAction) -> None:
    """Add ``bench challenge`` to ``sub`` (``bench``'s sub-commands)."""
    from bench import execute
    from bench.execute.challenge import DEFAULT_STORE, DEFAULT_SUITE

    ch = sub.add_parser(
        "challenge",
        help="your own activation against every baseline of a suite, trained, timed, reported",
        description="Add one activation (package.module:Name, an nn.Module class or a function "
        "of a tensor, on PYTHONPATH) to a suite's activations; train only its cells and any "
        "baseline cells the store lacks (the counts are printed first), time it against relu "
        "and the others in one process, and write a report that stands alone: where it ranks, "
        "its verdict against every baseline, real vs synthetic and small vs large data sets, "
        "its speed, its unit health and the updated 'What to use'.",
        formatter_class=RAW,
        epilog=examples(
            "PYTHONPATH=. bench challenge examples.snake:Snake     # against suites/default.toml",
            "PYTHONPATH=. bench challenge examples.snake:Snake --suite suites/challenge_demo.toml",
            "bench challenge mylib.acts:Snake --dry-run             # the counts; nothing trains",
        ),
    )
    ch.add_argument(
        "activation", metavar="IMPORT_PATH", help="package.module:Name (or a registered name)"
    )
    ch.add_argument(
        "--suite",
        default=str(DEFAULT_SUITE),
        help=f"the baselines' suite (default {DEFAULT_SUITE})",
    )
    ch.add_argument(
        "--store",
        default=str(DEFAULT_STORE),
        help=f"SQLite store (default {DEFAULT_STORE}, shared with make bench: its cells "
        "are reused)",
    )
    ch.add_argument(
        "--out",
        help="the report (default reports/challenge-<name>.md; -<suite> added unless the "
        "suite is default)",
    )
    ch.add_argument("--backend", default="local", choices=execute.BACKENDS, help="default local")
    ch.add_argument(
        "--workers", type=int, help="processes of the local or dask backend (default 2)"
    )
    ch.add_argument("--address", help="dask scheduler address, e.g. tcp://host:8786")
    ch.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where cells train (default auto: cuda when a GPU is usable, else cpu)",
    )
    ch.add_argument(
        "--repeats", type=int, default=5, help="interleaved rounds of the timing (default 5)"
    )
    ch.add_argument(
        "--dry-run", action="store_true", help="print the counts; train, time and write nothing"
    )
    ch.add_argument("--no-progress", action="store_true", help="no progress bar")
    ch.set_defaults(fn=cmd_challenge)


def cmd_challenge(args: argparse.Namespace) -> int:
    """Count, train what is missing, time, report; 130 after an interrupt."""
    from bench import activations
    from bench.execute import challenge
    from bench.suite import load_suite

    workers = args.workers if args.workers is not None else 1 if args.backend == "serial" else 2
    check_workers(args.backend, workers)
    if args.repeats < 1:
        raise BenchError(f"--repeats must be at least 1, got {args.repeats}")
    activations.canonical(args.activation)  # a path that cannot be used: one line, nothing made
    base = load_suite(args.suite)  # validated before anything trains or is written
    if not args.dry_run:
        writable(args.store, "--store")
        writable(args.out or challenge.default_out(args.activation, base.name), "--out")
    stop_on_ctrl_c()
    try:
        challenge.run(
            args.activation,
            base,
            args.store,
            args.out,
            args.backend,
            workers,
            args.address,
            args.device,
            progress_shown(not args.no_progress),
            args.repeats,
            args.dry_run,
            say=lambda line: print(line, file=sys.stderr),
        )
    except KeyboardInterrupt:
        print(
            "interrupted: finished cells are saved; run the same command to resume", file=sys.stderr
        )
        return 130
    return 0
