"""Command line: ``python -m bench`` (or ``bench``) run · report · list · export · show · speed ·
perf.

Public:
    main(argv=None) -> int      exit status: 0 ok, 2 bad input (message on stderr),
                                130 interrupted

    bench run SUITE [--store PATH] [--backend serial|local|dask] [--workers N]
              [--address tcp://HOST:PORT] [--device auto|cpu|cuda] [--no-batch]
              [--max-members N] [--max-cells N] [--retry failed] [--dry-run [--list]]
              [--no-progress]
    bench report --store PATH --out FILE.md [--suite NAME]
    bench list activations|initializers|datasets|suites   (each entry with one line on it)
    bench export --store PATH --format csv|json|parquet [--out FILE] [--suite NAME]
    bench show CELL_KEY [--store PATH]
    bench speed --store PATH [--suite NAME] [--activations a,b,c] [--widths 32,64,128]
                [--repeats N] [--device auto|cpu|cuda] [--threads N] [--no-progress]
    bench perf [--dataset NAME] [--depth N] [--width N] [--epochs N] [--ks 1,8,32]
               [--repeats N] [--threads N] [--probe-epochs 15] [--probe-members 20]
               [--json FILE]
    bench quick --activations a,b,c [--dataset digits[,wine…]] [--seeds 5] [--init matched]
                [--kind mlp] [--depth 4] [--width 64] [--epochs 10] [--lr 1e-3[,3e-3…]]
                [--optimizer adam] [--batch-size 64] [--name quick]
                [--store results/quick.sqlite] [--out reports/quick.md]
                [--backend serial|local|dask] [--workers N] [--device auto|cpu|cuda]
                [--no-progress]
    bench compare STORE_A STORE_B [--suite NAME]
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
MAX_CELLS = 50_000  # a run larger than this asks first (--max-cells)
RESULTS_DIR = Path("results")


def _default_store(suite_name: str) -> Path:
    return RESULTS_DIR / f"{suite_name}.sqlite"


def _cmd_run(args: argparse.Namespace) -> int:

    from bench import executors
    from bench.run.env import resolve_device
    from bench.spec import load_suite
    from bench.store import Store

    suite = load_suite(args.suite)  # validated before anything trains or opens a store
    device = resolve_device(args.device)  # a missing GPU stops here, before anything trains
    store_path = Path(args.store) if args.store else _default_store(suite.name)
    batched = not args.no_batch
    if args.dry_run:
        return _dry_run(args, suite, store_path, device, batched)
    left = len(suite.grid)
    if left > args.max_cells and store_path.exists():  # only a big grid counts what is left
        with Store(store_path) as store:
            left = len(executors.pending(suite, store, device)[1])
    if left > args.max_cells:
        _confirm_large(args.suite, left, args.max_cells)
    executor = executors.make(args.backend, args.workers, args.address)
    with Store(store_path) as store:
        summary = executors.run_suite(
            suite, store, executor, progress=not args.no_progress, device=device,
            batched=batched, max_members=args.max_members, lease_s=args.lease_s,
            retry_failed=args.retry == "failed",
        )  # fmt: skip
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
    from dataclasses import replace

    from bench import executors
    from bench.store import Store

    total = len(suite.grid)
    axes = " × ".join(f"{len(v)} {k}" for k, v in suite.grid.axes.items())
    print(
        f"suite {suite.name} ({args.suite}): {total:,} cells = {axes} × "
        f"{len(suite.seeds)} seeds, minus exclusions"
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
    todo = []
    done = 0
    if stored or args.list or total <= _PLAN_LIMIT:
        for cell in suite.grid:
            cell = replace(cell, device=device)
            if cell.key in stored:
                done += 1
            else:
                todo.append(cell)
    left = total - done
    print(f"store {store_path}: {done:,} stored, {left:,} to run")
    if todo and len(todo) <= _PLAN_LIMIT:
        work = executors.plan(todo, batched, args.max_members)
        how = f"batched, at most {args.max_members} cells each" if batched else "one cell each"
        print(f"device {device}: {len(work.units):,} units of work ({how})")
        if work.note():
            print(work.note())
    if math.isfinite(mean_s) and left:
        workers = args.workers if args.backend != "serial" else 1
        print(
            f"estimate: about {left * mean_s / workers / 60:,.1f} min with {workers} worker(s), "
            f"from the {len(frame):,} stored cells' mean of {mean_s:.3g} s each"
        )
    if left > args.max_cells:
        print(f"note: more than --max-cells {args.max_cells:,}: a run will ask first")
    if args.list:
        for cell in todo:
            print(f"  {cell.key}  {cell.label()}")
    return 0


_PLAN_LIMIT = 200_000  # a dry run plans units of work for grids up to this size


def _cmd_report(args: argparse.Namespace) -> int:
    from bench import report

    out = report.build(args.store, args.out, args.suite)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _activation_line(a) -> str:
    """One line built from an activation's registry metadata: its module, family, matched
    initializer and gain."""
    from bench import activations

    gain_args = repr(a.gain_name) + ("" if a.negative_slope is None else f", {a.negative_slope:g}")
    return (
        f"{type(a()).__name__}, {a.family} family; matched init {a.matched_init}; "
        f"gain {activations.gain(a):.6g} = calculate_gain({gain_args})"
    )


def _cmd_list(args: argparse.Namespace) -> int:
    from bench import activations, datasets, initializers

    if args.what == "suites":
        for p in sorted(SUITES_DIR.rglob("*.toml")):
            print(p)
        return 0
    if args.what == "activations":
        rows = [(a.name, _activation_line(a)) for a in activations.REGISTRY.values()]
    elif args.what == "initializers":
        rows = [(i.name, i.description) for i in initializers.REGISTRY.values()]
    else:
        rows = [(d.name, d.description) for d in datasets.REGISTRY.values()]
        rows.append(
            (
                "csv:<path>",
                "your own table: numeric features, one label column "
                "(data.label_column, default the last)",
            )
        )
    width = max(len(name) for name, _ in rows) + 2
    for name, description in rows:
        print(f"{name:<{width}}{description}")
    return 0


def _cmd_export(args: argparse.Namespace) -> int:
    from bench.store import Store

    if not Path(args.store).exists():
        raise BenchError(f"{args.store}: no such store")
    out = args.out or str(Path(args.store).with_suffix(f".{args.format}"))
    with Store(args.store, readonly=True) as store:
        n = store.export(out, args.format, args.suite)
    print(f"wrote {n} rows to {out}", file=sys.stderr)
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from bench.store import Store

    paths = [Path(args.store)] if args.store else sorted(RESULTS_DIR.glob("*.sqlite"))
    for path in paths:
        if not path.exists():
            raise BenchError(f"{path}: no such store")
        with Store(path, readonly=True) as store:
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


def _cmd_speed(args: argparse.Namespace) -> int:
    import time

    from tabulate import tabulate

    from bench import activations, report, speed
    from bench.run.env import resolve_device
    from bench.store import Store

    # every argument is checked before the store is opened or anything is timed
    widths = _positive_ints(args.widths, "--widths")
    if args.repeats < 1:
        raise BenchError(f"--repeats must be at least 1, got {args.repeats}")
    if args.threads < 1:
        raise BenchError(f"--threads must be at least 1, got {args.threads}")
    names = [n.strip() for n in (args.activations or "").split(",") if n.strip()]
    unknown = [n for n in names if n not in activations.REGISTRY]
    if unknown:
        raise BenchError(
            f"unknown activation{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(map(repr, unknown))}; valid: {', '.join(activations.names())}"
        )
    device = resolve_device(args.device)  # a missing GPU stops here
    with Store(args.store) as store:
        suite, grid = _speed_suite(store, args.suite)
        if not names and not grid:
            print(
                f"suite {suite!r} has no stored cells in {args.store}: timing every "
                "registered activation",
                file=sys.stderr,
            )
        names = names or grid or activations.names()
        ref = report.REFERENCE_ACTIVATION
        names = list(dict.fromkeys([ref, *names] if ref not in names else names))
        print(
            f"timing {len(names)} activations × {len(widths)} width(s) × 2 passes × "
            f"{args.repeats} repeats on {device}, {args.threads} thread(s), for suite {suite}",
            file=sys.stderr,
        )
        t0 = time.perf_counter()
        records = speed.measure(names, widths, repeats=args.repeats, device=device,
                                threads=args.threads, progress=not args.no_progress)  # fmt: skip
        wall = time.perf_counter() - t0
        env, measured_at = _speed_env(device, args.threads)
        store.put_timings(suite, records, env, measured_at)
        # the reports' activation gallery (f and f′ by autograd), so they draw it torch-free
        store.put_check("gallery", speed.curves(activations.names()), measured_at)
    ratios = speed.ratios(records, reference=ref)
    headers, rows = report.speed_table(ratios, names)
    print(f"time per call / {ref}'s: median over {args.repeats} repeats (min–max)")
    print(tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True))
    print(
        f"{len(records)} timings in {wall:.1f} s; stored in {args.store} as suite {suite} "
        "(a new measurement replaces any earlier one)",
        file=sys.stderr,
    )
    return 0


def _cmd_claims(args: argparse.Namespace) -> int:
    from bench import claims

    if args.action == "list":
        for c in claims.REGISTRY.values():
            suites = ", ".join(c.suites) or "(exact check, nothing trained)"
            print(f"{c.id:4} {c.title}  [{suites}]")
        return 0
    if args.action == "report":
        from bench.claims import report as claims_report

        out = claims_report.build(args.store, args.out)
        print(f"wrote {out}", file=sys.stderr)
        return 0
    from bench.claims import runner
    from bench.run.env import resolve_device

    names = [n.strip() for n in (args.suites or "").split(",") if n.strip()] or None
    suites = runner.load_all(runner.suite_paths(names))  # validated before anything trains
    device = resolve_device(args.device)
    try:
        record = runner.run(args.store, suites, args.backend, args.workers, device,
                            progress=not args.no_progress)  # fmt: skip
    except KeyboardInterrupt:
        print("interrupted: finished cells are saved; run the same command to resume",
              file=sys.stderr)  # fmt: skip
        return 130
    print(f"claims: {record['cells']} cells, {record['wall_s'] / 60:.1f} min; store {args.store}",
          file=sys.stderr)  # fmt: skip
    return 0


def _cmd_perf(args: argparse.Namespace) -> int:
    from bench import datasets, perf

    ks = _positive_ints(args.ks, "--ks")
    datasets.get(args.dataset)  # an unknown name stops here, with the valid ones
    for option, value in (("--depth", args.depth), ("--width", args.width),
                          ("--epochs", args.epochs), ("--repeats", args.repeats),
                          ("--threads", args.threads), ("--probe-epochs", args.probe_epochs),
                          ("--probe-members", args.probe_members)):  # fmt: skip
        if value < 1:
            raise BenchError(f"{option} must be at least 1, got {value}")
    config = perf.PerfConfig(
        args.dataset, args.depth, args.width, args.activation, args.epochs, 64, tuple(ks),
        args.repeats, args.threads, args.probe_epochs, args.probe_members,
    )  # fmt: skip
    figures = perf.measure(config, progress=lambda line: print(line, file=sys.stderr))
    print(perf.render(figures))
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(figures, indent=1) + "\n")
        print(f"wrote {args.json}", file=sys.stderr)
    return 0


def _cmd_quick(args: argparse.Namespace) -> int:
    """An ad-hoc grid from flags, run and reported like a suite; prints the ranked table."""
    import shlex

    from bench import api, executors, report
    from bench.run.env import resolve_device
    from bench.store import Store

    doc = api.quick_suite(
        _names_list(args.activations), _names_list(args.dataset), _seeds(args.seeds),
        args.init, args.kind, args.depth, args.width, args.epochs, _floats(args.lr, "--lr"),
        args.optimizer, args.batch_size, args.name,
        "bench quick " + shlex.join(
            f"--{k.replace('_', '-')}={getattr(args, k)}" for k in _QUICK_GRID_FLAGS
        ),
    )  # fmt: skip
    suite = api.parse_quick(doc)  # validated before anything trains or is written
    device = resolve_device(args.device)
    store_path, out = Path(args.store), Path(args.out)
    suite_file = out.with_suffix(".toml")  # the grid as a suite file: `bench run` reruns it
    suite_file.parent.mkdir(parents=True, exist_ok=True)
    suite_file.write_text(
        "# Written by `bench quick`; `python -m bench run` on this file runs the same grid.\n"
        + api.to_toml(doc)
    )
    suite.source = str(suite_file)
    executor = executors.make(args.backend, args.workers, args.address)
    with Store(store_path) as store:
        summary = executors.run_suite(suite, store, executor, progress=not args.no_progress,
                                      device=device)  # fmt: skip
        frame = store.frame(suite.name)
    statuses = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing"
    print(
        f"{suite.name}: {summary.done} cells trained ({statuses}), {summary.skipped} already "
        f"stored, of {summary.total}; {summary.wall_time_s:.1f} s on {device}; store "
        f"{store_path}",
        file=sys.stderr,
    )
    if summary.interrupted:
        print("interrupted: finished cells are saved; run the same command to resume",
              file=sys.stderr)  # fmt: skip
        return 130
    print(_quick_table(api.ranking(frame), doc, suite))
    report.build(store_path, out, suite.name)
    print(f"wrote {out} (the grid as a suite file: {suite_file})", file=sys.stderr)
    return 0


_QUICK_GRID_FLAGS = ("activations", "dataset", "seeds", "init", "kind", "depth", "width",
                     "epochs", "lr", "optimizer", "batch_size")  # fmt: skip


def _quick_table(ranked, doc: dict, suite) -> str:
    """``bench quick``'s terminal output: a title, the ranked table, the tests."""
    import math
    import textwrap

    from tabulate import tabulate

    def p(x: float) -> str:
        return "–" if not math.isfinite(x) else "< 0.001" if x < 1e-3 else f"{x:.3f}"

    def pm(mean: float, ci: float) -> str:
        return f"{100 * mean:.1f}" + ("" if not math.isfinite(ci) else f" ± {100 * ci:.1f}")

    grid, model, train = doc["grid"], doc["model"], doc["train"]
    lrs = grid.get("train.lr", [train.get("lr")])
    several = ranked.attrs["friedman_datasets"]["n_blocks"] > 1  # several data sets
    headers = ["#", "activation", "test acc % (± 95% CI)", "mean rank", "Δ vs #1",
               "p vs #1" + (" (data set × seed)" if several else ""),
               *(["p vs #1 (data sets)"] if several else []), "diverged/failed"]  # fmt: skip
    rows = [
        [i, r.activation, pm(r.mean, r.ci95), f"{r.avg_rank:.2f}",
         "–" if i == 1 else f"{100 * r.delta:+.1f}", p(r.p_vs_best),
         *([p(r.p_vs_best_datasets)] if several else []), r.n_nonok]
        for i, r in enumerate(ranked.itertuples(), start=1)
    ]  # fmt: skip
    a = ranked.attrs
    blocks, n = " × ".join(a["blocks"]), a["n_blocks"]
    title = (
        f"{suite.name}: {len(ranked)} activations on {', '.join(grid['dataset'])}, "
        f"{model['kind']} {model['depth']}×{model['width']}, init {a['init']}, "
        f"{len(suite.seeds)} seeds, {train['epochs']} epochs, {train['optimizer']} lr "
        f"{', '.join(f'{x:g}' for x in lrs)}" + (" (chosen on validation)" if len(lrs) > 1 else "")
    )
    align = ("right", "left", *["right"] * (len(headers) - 2))
    lines = [title, "", tabulate(rows, headers=headers, tablefmt="simple",
                                 disable_numparse=True, colalign=align)]  # fmt: skip
    fr, fd = a["friedman"], a["friedman_datasets"]

    def test(r: dict) -> str:
        if r["reason"]:
            return f"not computed ({r['reason']})"
        return f"chi2 = {r['statistic']:.2f}, p " + (
            "< 0.001" if r["pvalue"] < 1e-3 else f"= {r['pvalue']:.3f}"
        )

    lines += ["", f"Friedman over {fr['n_blocks']} blocks ({blocks}): {test(fr)}"]
    if several:
        lines.append(f"Data-set level (seeds averaged, {fd['n_blocks']} data sets): {test(fd)}")
    lines.append(
        "Ranks and tests over blocks of one data set × one seed, at each configuration's "
        "learning rate chosen on validation; p vs #1: two-sided Wilcoxon signed-rank "
        "against the first, Holm-adjusted over all pairs."
        + ("" if several else " Seeds are replicates of one split, so these p-values lean "
           "optimistic; several data sets (--dataset a,b,c) give the data-set-level test.")
    )  # fmt: skip
    if n and 2.0 ** (1 - n) > 0.05:
        lines.append(
            f"With {n} blocks the smallest two-sided Wilcoxon p is {2.0 ** (1 - n):.3g}: "
            "no pair can reach 0.05; more seeds or data sets can."
        )
    prose = (textwrap.fill(x, 100) if "\n" not in x else x for x in lines)  # not the table
    return "\n".join(prose)


def _names_list(text: str) -> list[str]:
    return [n.strip() for n in text.split(",") if n.strip()]


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


def _floats(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise BenchError(f"{option}: expected numbers separated by commas, got {text!r}")
    return values


def _cmd_compare(args: argparse.Namespace) -> int:
    from bench import compare

    print(compare.render(compare.compare(args.store_a, args.store_b, args.suite)), end="")
    return 0


def _positive_ints(text: str, option: str) -> list[int]:
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise BenchError(f"{option}: expected positive integers separated by commas, got {text!r}")
    return list(dict.fromkeys(values))


def _speed_suite(store, name: str | None) -> tuple[str, list[str]]:
    """The suite the timings are stored under, and its grid's activations (if stored)."""
    known = store.suites()
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
    r.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "cuda"),
        help="where cells train (default auto: cuda when a GPU is usable, else cpu)",
    )  # fmt: skip
    r.add_argument(
        "--no-batch", action="store_true",
        help="train every cell on its own instead of stacking cells that differ only in "
        "seed, initializer and optimizer numbers",
    )  # fmt: skip
    r.add_argument(
        "--max-members", type=int, default=executors.MAX_MEMBERS,
        help=f"most cells one batch trains at once (default {executors.MAX_MEMBERS})",
    )  # fmt: skip
    r.add_argument(
        "--max-cells", type=int, default=MAX_CELLS,
        help=f"ask before training more cells than this (default {MAX_CELLS:,}); without a "
        "terminal, stop instead",
    )  # fmt: skip
    r.add_argument(
        "--lease-s", type=float, default=executors.LEASE_S,
        help="a claim on a cell lapses this many seconds after its run stops renewing it "
        f"(default {executors.LEASE_S:g}); cells another live run holds are left to it",
    )  # fmt: skip
    r.add_argument(
        "--retry", choices=("failed",),
        help="train the suite's failed cells again (their rows move to the store's history "
        "table; diverged cells are results and stay)",
    )  # fmt: skip
    r.add_argument("--dry-run", action="store_true", help="summarize the grid and what is left")
    r.add_argument("--list", action="store_true", help="with --dry-run: every cell left, by key")
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

    sp = sub.add_parser(
        "speed",
        help="time every activation's MLP in one process (the report's speed evidence)",
        description="Time a forward and a forward+backward pass of an MLP per activation "
        "and width, interleaved in one process, and store the timings for the report's "
        "speed section (a new measurement replaces the suite's previous one). Prints the "
        "ratios to relu, which is always timed.",
    )
    sp.add_argument("--store", required=True, help="SQLite store to write the timings into")
    sp.add_argument(
        "--suite",
        help="suite the timings belong to (default: the store's only suite, or the store's "
        "file name); its stored grid gives the default activations",
    )
    sp.add_argument(
        "--activations", help="comma-separated names (default: the suite's, else all registered)"
    )
    sp.add_argument("--widths", default="32,64,128", help="hidden widths (default 32,64,128)")
    sp.add_argument("--repeats", type=int, default=5, help="interleaved rounds (default 5)")
    sp.add_argument(
        "--device", default="auto", choices=("auto", "cpu", "cuda"),
        help="auto (default, as bench run): cuda when a GPU is usable, else cpu",
    )  # fmt: skip
    sp.add_argument(
        "--threads", type=int, default=1, help="torch threads (default 1, as a local worker)"
    )
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.set_defaults(fn=_cmd_speed)

    c = sub.add_parser(
        "claims",
        help="every claim of the note: run its suites (run), write reports/claims.md (report)",
        description="run: train every claim suite (suites/claims/*.toml) not yet stored, time "
        "the activations (C16) and run the exact checks (C7, C8, C17, C18); report: rebuild "
        "the claims report from the store alone; list: the claims and their suites.",
    )
    c.add_argument("action", choices=["run", "report", "list"])
    c.add_argument("--store", default="results/claims.sqlite", help="SQLite store "
                   "(default results/claims.sqlite)")  # fmt: skip
    c.add_argument("--out", default="reports/claims.md", help="report file (report)")
    c.add_argument("--backend", default="local", choices=executors.BACKENDS)
    c.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    c.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    c.add_argument("--suites", help="comma-separated claim suite names (default: all)")
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.set_defaults(fn=_cmd_claims)

    pf = sub.add_parser(
        "perf",
        help="how fast the harness trains here: vs a hand loop, probes, batching, the peak",
        description="Train the default suite's model (digits, 8×64 MLP, Adam, batch 64) one "
        "cell at a time against a minimal hand-written loop, with and without probes, and "
        "K cells batched against K one at a time, with the matmul peak measured in the same "
        "run. Runs alternate and repeat; medians and ranges are printed.",
    )
    pf.add_argument("--dataset", default="digits", help="data set (default digits)")
    pf.add_argument("--depth", type=int, default=8, help="hidden layers (default 8)")
    pf.add_argument("--width", type=int, default=64, help="hidden width (default 64)")
    pf.add_argument("--activation", default="relu", help="activation (default relu)")
    pf.add_argument("--epochs", type=int, default=3, help="epochs per run (default 3)")
    pf.add_argument("--ks", default="1,8,32", help="batch sizes K to compare (default 1,8,32)")
    pf.add_argument("--repeats", type=int, default=3, help="alternating rounds (default 3)")
    pf.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads of the hand loop and the stage timings (default 1; "
        "the harness trains on one thread)",
    )
    pf.add_argument(
        "--probe-epochs",
        type=int,
        default=15,
        help="epochs of the cells whose probe share is measured (default 15)",
    )
    pf.add_argument(
        "--probe-members",
        type=int,
        default=20,
        help="K of the stacked probe-share measurement (default 20)",
    )
    pf.add_argument("--json", help="also write every figure to this JSON file")
    pf.set_defaults(fn=_cmd_perf)

    q = sub.add_parser(
        "quick",
        help="an ad-hoc grid from flags: train, print the activations ranked, write a report",
        description="Build a suite from the flags (validated like a suite file), train what "
        "the store lacks, print the activations ranked with their statistics, and write the "
        "report and the grid as a suite file (<out>.toml, for bench run).",
    )
    q.add_argument("--activations", required=True, help="comma-separated, e.g. relu,elu,selu")
    q.add_argument("--dataset", default="digits", help="data set(s), comma-separated "
                   "(default digits; several give the data-set-level test)")  # fmt: skip
    q.add_argument("--seeds", default="5", help="a count (default 5: seeds 0-4) or a list 0,1,2")
    q.add_argument("--init", default="matched", help="initializer (default matched)")
    q.add_argument("--kind", default="mlp", help="model kind: mlp, resmlp, cnn (default mlp)")
    q.add_argument("--depth", type=int, default=4, help="hidden layers (default 4)")
    q.add_argument("--width", type=int, default=64, help="hidden width (default 64)")
    q.add_argument("--epochs", type=int, default=10, help="epochs (default 10)")
    q.add_argument("--lr", default="1e-3", help="learning rate(s), comma-separated; with "
                   "several, each activation's is chosen on validation (default 1e-3)")  # fmt: skip
    q.add_argument("--optimizer", default="adam", help="adam or sgd (default adam)")
    q.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    q.add_argument("--name", default="quick", help="suite name in the store (default quick)")
    q.add_argument("--store", default="results/quick.sqlite",
                   help="SQLite store (default results/quick.sqlite)")  # fmt: skip
    q.add_argument(
        "--out",
        default="reports/quick.md",
        help="report (default reports/quick.md; the suite file beside it, .toml)",
    )
    q.add_argument("--backend", default="serial", choices=executors.BACKENDS)
    q.add_argument("--workers", type=int, default=1, help="processes for local/dask")
    q.add_argument("--address", help="dask scheduler address, e.g. tcp://host:8786")
    q.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(fn=_cmd_quick)

    cm = sub.add_parser(
        "compare",
        help="one suite from two stores side by side: speed ratios, environments, accuracy",
        description="Compare one suite measured in two places (two machines, two torch "
        "versions): per activation, width and pass, the bench speed time ratio to relu in "
        "A and in B and B/A of the absolute times; where each was measured; and, for the "
        "cells both stores trained, their test accuracies and the difference.",
    )
    cm.add_argument("store_a", help="the baseline store (A)")
    cm.add_argument("store_b", help="the store compared with it (B)")
    cm.add_argument("--suite", help="suite name (default: the one suite both stores hold)")
    cm.set_defaults(fn=_cmd_compare)
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
