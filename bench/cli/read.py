"""The commands that read: ``bench report``, ``bench list``, ``bench export``, ``bench show``
and ``bench compare``. None of them imports torch.

Public:
    cmd_report(args) -> int, cmd_list(args) -> int, cmd_export(args) -> int,
    cmd_show(args) -> int, cmd_compare(args) -> int
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bench.cli.common import RESULTS_DIR, known_suite, store_of, suites_dir, writable
from bench.errors import BenchError


def cmd_report(args: argparse.Namespace) -> int:
    """Write the Markdown report of a stored suite (``--out -``: the text to stdout)."""
    from bench import report

    store = store_of(args)
    if args.out == "-":  # the Markdown only: its figures have no folder to go to
        text, _, _ = report.prepare(store, Path(f"{args.suite or 'report'}.md"), args.suite)
        sys.stdout.write(text)
        return 0
    out = report.build(store, writable(args.out, "--out"), args.suite)
    print(f"wrote {out}", file=sys.stderr)
    return 0


def _activation_line(a) -> str:
    """One line built from an activation's registry metadata: its module, family, matched
    initializer and gain."""
    from bench import activations

    gain_args = repr(a.gain_name) + ("" if a.negative_slope is None else f", {a.negative_slope:g}")
    per_unit = " (one learned parameter per unit)" if a.per_unit else ""
    return (
        f"{type(a()).__name__}{per_unit}, {a.family} family; matched init {a.matched_init}; "
        f"gain {activations.gain(a):.6g} = calculate_gain({gain_args})"
    )


def _dataset_line(d) -> str:
    """Size, real or synthetic, source, then what it is (and which set holds the same data)."""
    same = f"; same data as {d.duplicate_of}" if d.duplicate_of else ""
    return f"{d.size()}; {d.kind}; {d.source}: {d.description}{same}"


def cmd_list(args: argparse.Namespace) -> int:
    """The registry entries, one line each, or the suite files."""
    from bench import activations, data, initializers

    if args.what == "suites":
        folder = suites_dir()
        found = sorted(folder.rglob("*.toml"))
        if not found:
            raise BenchError(f"no suite files in {folder.resolve()} (nor in ./suites)")
        for p in found:
            print(p)
        return 0
    if args.what == "activations":
        rows = [(a.name, _activation_line(a)) for a in activations.REGISTRY.values()]
    elif args.what == "initializers":
        rows = [(i.name, i.description) for i in initializers.REGISTRY.values()]
    else:
        rows = [(d.name, _dataset_line(d)) for d in data.REGISTRY.values()]
        rows.append(
            (
                "csv:<path>",
                "your own table: feature columns (text ones one-hot encoded) and one label "
                "column (data.label_column, default the last)",
            )
        )
        rows += [(c, f"collection: {len(data.collection(c))} sets") for c in data.COLLECTIONS]
    width = max(len(name) for name, _ in rows) + 2
    for name, description in rows:
        print(f"{name:<{width}}{description}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    """Write the store (or one suite's cells) as a table; ``--out -``: to stdout."""
    from bench.store import Store

    path = store_of(args)
    if not Path(path).exists():
        raise BenchError(f"{path}: no such store")
    out = args.out or str(Path(path).with_suffix(f".{args.format}"))
    writable(out, "--out")
    with Store(path, readonly=True) as store:
        known_suite(store, args.suite)
        n = store.export(out, args.format, args.suite)
    print(f"wrote {n} rows to {'stdout' if out == '-' else out}", file=sys.stderr)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """Print one stored cell whole."""
    from bench.store import Store

    paths = [Path(args.store)] if args.store else sorted(RESULTS_DIR.glob("*.sqlite"))
    if not paths:
        raise BenchError(
            f"no store to look in: {RESULTS_DIR}/ holds no *.sqlite here; name one with --store"
        )
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


def cmd_compare(args: argparse.Namespace) -> int:
    """One suite from two stores side by side."""
    from bench.report.compare import render
    from bench.scoring.stores import compare

    print(render(compare(args.store_a, args.store_b, args.suite)), end="")
    return 0
