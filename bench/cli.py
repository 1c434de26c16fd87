"""Command line: ``python -m bench`` (or ``bench``) run · report · list · export · show.

Public:
    main(argv=None) -> int      exit status: 0 ok, 2 bad input (message on stderr),
                                130 interrupted

    bench run SUITE [--store PATH] [--backend serial|local|dask] [--workers N]
              [--address tcp://HOST:PORT] [--dry-run] [--no-progress]
    bench report --store PATH --out FILE.md [--suite NAME]
    bench list activations|initializers|datasets|suites
    bench export --store PATH --format csv|json|parquet [--out FILE] [--suite NAME]
    bench show CELL_KEY [--store PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from bench.errors import BenchError

SUITES_DIR = Path("suites")
RESULTS_DIR = Path("results")


def _default_store(suite_name: str) -> Path:
    return RESULTS_DIR / f"{suite_name}.sqlite"


def _cmd_run(args: argparse.Namespace) -> int:
    from bench import executors
    from bench.spec import load_suite
    from bench.store import Store

    suite = load_suite(args.suite)  # validated before anything trains or opens a store
    store_path = Path(args.store) if args.store else _default_store(suite.name)
    if args.dry_run:
        if store_path.exists():
            with Store(store_path) as store:
                cells, todo = executors.pending(suite, store)
        else:
            cells = todo = suite.cells()
        axes = " × ".join(f"{len(v)} {k}" for k, v in suite.grid.axes.items())
        print(
            f"suite {suite.name} ({args.suite}): {len(cells)} cells = {axes} × "
            f"{len(suite.seeds)} seeds, minus exclusions"
        )
        print(f"store {store_path}: {len(cells) - len(todo)} stored, {len(todo)} to run")
        for cell in todo:
            print(f"  {cell.key}  {cell.label()}")
        return 0
    executor = executors.make(args.backend, args.workers, args.address)
    with Store(store_path) as store:
        summary = executors.run_suite(suite, store, executor, progress=not args.no_progress)
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing"
    print(
        f"{suite.name}: {summary.done} cells trained ({statuses}), {summary.skipped} already "
        f"stored, of {summary.total}; {summary.wall_time_s:.1f} s; store {store_path}",
        file=sys.stderr,
    )
    if summary.interrupted:
        print(
            "interrupted: finished cells are saved; run the same command to resume", file=sys.stderr
        )
        return 130
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from bench import report

    out = report.build(args.store, args.out, args.suite)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _cmd_list(args: argparse.Namespace) -> int:
    from bench import activations, datasets, initializers

    if args.what == "activations":
        for a in activations.REGISTRY.values():
            print(
                f"{a.name:<12} family={a.family:<8} matched={a.matched_init:<15} "
                f"gain={activations.gain(a):.6g}"
            )
    elif args.what == "initializers":
        for i in initializers.REGISTRY.values():
            print(f"{i.name:<15} {i.description}")
    elif args.what == "datasets":
        for d in datasets.REGISTRY.values():
            print(f"{d.name:<14} {d.description}")
        print(
            f"{'csv:<path>':<14} your own table: numeric features, one label column "
            "(data.label_column, default the last)"
        )
    else:
        for p in sorted(SUITES_DIR.rglob("*.toml")):
            print(p)
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from bench.store import Store

    if not Path(args.store).exists():
        raise BenchError(f"{args.store}: no such store")
    out = args.out or str(Path(args.store).with_suffix(f".{args.format}"))
    with Store(args.store) as store:
        n = store.export(out, args.format, args.suite)
    print(f"wrote {n} rows to {out}", file=sys.stderr)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from bench.store import Store

    paths = [Path(args.store)] if args.store else sorted(RESULTS_DIR.glob("*.sqlite"))
    for path in paths:
        if not path.exists():
            raise BenchError(f"{path}: no such store")
        with Store(path) as store:
            result = store.get(args.key)
        if result is not None:
            break
    else:
        raise BenchError(f"no stored cell with key {args.key!r} in {', '.join(map(str, paths))}")
    print(f"key      {result.key}   ({path})")
    print(f"cell     {result.cell.label()}")
    print(f"status   {result.status}" + (f": {result.error}" if result.error else ""))
    print(f"finished {result.finished_at}")
    print("config   " + json.dumps(result.cell.to_dict(), sort_keys=True))
    print("metrics")
    for k, v in sorted(result.metrics.items()):
        print(f"  {k:<24} {v:.6g}" if isinstance(v, float) else f"  {k:<24} {v}")
    for k, v in result.curves.items():
        print(f"curve    {k:<14} " + " ".join(f"{x:.4g}" for x in v))
    if result.probes:
        for label, health in (("init", result.probes[0]), ("final", result.probes[-1])):
            print(f"probes @ {label}")
            for metric, values in health.items():
                print(f"  {metric:<10} " + " ".join(f"{x:.3g}" for x in values))
    print("env      " + json.dumps(result.env, sort_keys=True))
    return 0


def _parser() -> argparse.ArgumentParser:
    from bench import executors
    from bench.store import EXPORT_FORMATS

    p = argparse.ArgumentParser(prog="bench", description=__doc__.split("\n")[0])
    sub = p.add_subparsers(dest="command", required=True)

    r = sub.add_parser("run", help="train every cell of a suite not yet in the store")
    r.add_argument("suite", help="suite file, e.g. suites/smoke.toml")
    r.add_argument("--store", help="SQLite store (default: results/<suite name>.sqlite)")
    r.add_argument("--backend", default="serial", choices=executors.BACKENDS)
    r.add_argument("--workers", type=int, default=1, help="processes for local/dask")
    r.add_argument("--address", help="dask scheduler address, e.g. tcp://host:8786")
    r.add_argument("--dry-run", action="store_true", help="print the grid and what is left")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(fn=_cmd_run)

    rp = sub.add_parser("report", help="write the Markdown report of a stored suite")
    rp.add_argument("--store", required=True, help="SQLite store to read")
    rp.add_argument("--out", required=True, help="Markdown file, e.g. reports/default.md")
    rp.add_argument("--suite", help="suite name (needed when the store holds several)")
    rp.set_defaults(fn=_cmd_report)

    li = sub.add_parser("list", help="list registry entries or suite files")
    li.add_argument("what", choices=["activations", "initializers", "datasets", "suites"])
    li.set_defaults(fn=_cmd_list)

    e = sub.add_parser("export", help="write the store as a table, one row per cell")
    e.add_argument("--store", required=True)
    e.add_argument("--format", default="csv", choices=EXPORT_FORMATS)
    e.add_argument("--out", help="output file (default: the store's name with the format)")
    e.add_argument("--suite", help="only the cells of this suite's grid")
    e.set_defaults(fn=_cmd_export)

    s = sub.add_parser("show", help="print one stored cell")
    s.add_argument("key", help="cell key (a unique prefix is enough)")
    s.add_argument("--store", help="store to read (default: every results/*.sqlite)")
    s.set_defaults(fn=_cmd_show)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    try:
        return args.fn(args)
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `bench show … | head`: the reader left; not an error
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
