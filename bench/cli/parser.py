"""The argument parser of ``bench``: one sub-command per job, each option with its help and
each command with an example.

Public:
    DESCRIPTION         what ``bench --help`` says first
    LISTS               what ``bench list`` lists, and the other names each answers to
    build() -> argparse.ArgumentParser

Flags a user guesses: a flag that takes names answers to its singular and its plural
(``--dataset``/``--datasets``, ``--activations``/``--activation``); a flag may be shortened
while only one flag begins so (``--data`` is ``--dataset``); an unknown or ambiguous flag of
any command is refused under that command's usage, with the flags it may have meant
(:class:`bench.cli.flags.FlagParser`, the parser type of every command).
"""

from __future__ import annotations

import argparse

from bench.cli import challenge, measure, read, run
from bench.cli.common import MAX_CELLS
from bench.cli.flags import RAW, FlagParser, examples, store_argument
from bench.version import __version__

DESCRIPTION = (
    "Train identical networks across activation × initializer grids, store every result, "
    "and write reports that rank them and judge a study note's claims. Commands:"
)
LISTS = {
    "activations": ("activation",),
    "initializers": ("initializer", "inits", "init"),
    "datasets": ("dataset", "data"),
    "suites": ("suite",),
}


def _listing(text: str) -> str:
    """``bench list``'s argument: one of :data:`LISTS` or another name it answers to."""
    for name, others in LISTS.items():
        if text == name or text in others:
            return name
    from bench.errors import did_you_mean

    known = [*LISTS, *(o for others in LISTS.values() for o in others)]
    raise argparse.ArgumentTypeError(
        f"cannot list {text!r}; choose from {', '.join(LISTS)}{did_you_mean(text, known)}"
    )


def build(description: str = "") -> argparse.ArgumentParser:
    """The parser; every sub-command sets ``fn`` to the function that runs it."""
    from bench import execute
    from bench.store import EXPORT_FORMATS

    p = FlagParser(
        prog="bench",
        description=DESCRIPTION,
        formatter_class=RAW,
        epilog="Run 'bench COMMAND --help' for a command's options and examples.",
    )
    p.add_argument("--version", action="version", version=f"bench {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser(
        "run",
        help="train every cell of a suite not yet in the store",
        description="Train every cell of a suite file that the store lacks (validated first; "
        "finished cells are saved one by one, so an interrupted run resumes).",
        formatter_class=RAW,
        epilog=examples(
            "bench run suites/smoke.toml                      # into results/smoke.sqlite",
            "bench run suites/default.toml --backend local --workers 2",
            "bench run my.toml --dry-run                       # count, estimate, train nothing",
        ),
    )
    r.add_argument("suite", help="suite file, e.g. suites/smoke.toml")
    r.add_argument("--store", help="SQLite store (default: results/<suite name>.sqlite)")
    r.add_argument(
        "--backend",
        default="serial",
        choices=execute.BACKENDS,
        help="serial (this process, default), local (processes here), dask (a cluster)",
    )
    r.add_argument("--workers", type=int, default=1, help="processes of the local or dask backend")
    r.add_argument("--address", help="dask scheduler address, e.g. tcp://host:8786")
    r.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where cells train (default auto: cuda when a GPU is usable, else cpu)",
    )
    r.add_argument(
        "--no-batch",
        action="store_true",
        help="train every cell on its own instead of stacking cells that differ only in "
        "seed, initializer and optimizer numbers",
    )
    r.add_argument(
        "--max-members",
        type=int,
        default=execute.MAX_MEMBERS,
        help=f"most cells one batch trains at once (default {execute.MAX_MEMBERS})",
    )
    r.add_argument(
        "--max-cells",
        type=int,
        default=MAX_CELLS,
        help=f"ask before training more cells than this (default {MAX_CELLS:,}); without a "
        "terminal, stop instead",
    )
    r.add_argument(
        "--lease-s",
        type=float,
        default=execute.LEASE_S,
        help="a claim on a cell lapses this many seconds after its run stops renewing it "
        f"(default {execute.LEASE_S:g}); cells another live run holds are left to it",
    )
    r.add_argument(
        "--retry",
        choices=("failed",),
        help="train the suite's failed cells again (their rows move to the store's history "
        "table; diverged cells are results and stay)",
    )
    r.add_argument("--dry-run", action="store_true", help="summarize the grid and what is left")
    r.add_argument("--list", action="store_true", help="with --dry-run: every cell left, by key")
    r.add_argument("--no-progress", action="store_true", help="no progress bar")
    r.set_defaults(fn=run.cmd_run)

    rp = sub.add_parser(
        "report",
        help="write the Markdown report of a stored suite",
        description="Write a suite's report (Markdown, figures and a summary CSV in "
        "<out stem>_files/) from the store alone; nothing trains.",
        formatter_class=RAW,
        epilog=examples(
            "bench report results/smoke.sqlite --out reports/smoke.md",
            "bench report results/x.sqlite --suite mine --out -     # the Markdown to stdout",
        ),
    )
    store_argument(rp)
    rp.add_argument(
        "--out",
        required=True,
        help="the Markdown file, e.g. reports/default.md; '-': the text to stdout (no figures)",
    )
    rp.add_argument("--suite", help="suite name (needed when the store holds several)")
    rp.set_defaults(fn=read.cmd_report)

    li = sub.add_parser(
        "list",
        help="list registry entries or suite files",
        description="The registry's entries, each with one line on it, or the suite files.",
        formatter_class=RAW,
        epilog=examples("bench list datasets", "bench list suites"),
    )
    li.add_argument(
        "what",
        type=_listing,
        metavar="WHAT",
        help=f"{', '.join(LISTS)} (a singular, or inits, works too)",
    )
    li.set_defaults(fn=read.cmd_list)

    e = sub.add_parser(
        "export",
        help="write the store as a table, one row per cell",
        description="Every stored cell (or one suite's) as a table: its settings, metrics, "
        "timings and environment; json adds the curves and probes.",
        formatter_class=RAW,
        epilog=examples(
            "bench export results/smoke.sqlite --format csv --out smoke.csv",
            "bench export results/smoke.sqlite --suite smoke --out - | head",
        ),
    )
    store_argument(e)
    e.add_argument("--format", default="csv", choices=EXPORT_FORMATS, help="default csv")
    e.add_argument(
        "--out", help="output file (default: the store's name with the format); '-': stdout"
    )
    e.add_argument("--suite", help="only the cells of this suite's grid")
    e.set_defaults(fn=read.cmd_export)

    s = sub.add_parser(
        "show",
        help="print one stored cell",
        description="Print one stored cell whole: settings, status, metrics, curves, probes.",
        formatter_class=RAW,
        epilog=examples("bench show 3f2a9c --store results/smoke.sqlite"),
    )
    s.add_argument("key", help="cell key (a unique prefix is enough)")
    s.add_argument("--store", help="store to read (default: every results/*.sqlite)")
    s.set_defaults(fn=read.cmd_show)

    sp = sub.add_parser(
        "speed",
        help="time every activation's MLP in one process (the report's speed evidence)",
        description="Time a forward and a forward+backward pass of an MLP per activation "
        "and width, interleaved in one process, and store the timings for the report's "
        "speed section (a new measurement replaces the suite's previous one). Prints the "
        "ratios to relu, which is always timed.",
        formatter_class=RAW,
        epilog=examples(
            "bench speed results/smoke.sqlite --suite smoke",
            "bench speed results/t.sqlite --activations relu,elu,selu --repeats 3",
        ),
    )
    store_argument(sp, "the store to time into")
    sp.add_argument(
        "--suite",
        help="suite the timings belong to (default: the store's only suite, or the store's "
        "file name); its stored grid gives the default activations",
    )
    sp.add_argument(
        "--activations",
        "--activation",
        help="comma-separated names or package.module:Name paths (default: the suite's, "
        "else all registered)",
    )
    sp.add_argument("--widths", default="32,64,128", help="hidden widths (default 32,64,128)")
    sp.add_argument("--repeats", type=int, default=5, help="interleaved rounds (default 5)")
    sp.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="auto (default, as bench run): cuda when a GPU is usable, else cpu",
    )
    sp.add_argument(
        "--threads", type=int, default=1, help="torch threads (default 1, as a local worker)"
    )
    sp.add_argument("--no-progress", action="store_true", help="no progress bar")
    sp.set_defaults(fn=measure.cmd_speed)

    c = sub.add_parser(
        "claims",
        help="every claim of the note: run its suites (run), write reports/claims.md (report)",
        description="run: train every claim suite (suites/claims/*.toml) not yet stored, time "
        "the activations (C16) and run the exact checks (C1, C7, C8, C17, C18); with --group "
        "norm, the suites trained apart instead (suites/norm/*.toml, nothing timed or "
        "checked); report: rebuild the claims report from the store alone (a group's "
        "sections where its cells are stored); list: the claims and their suites.",
        formatter_class=RAW,
        epilog=examples(
            "bench claims list",
            "bench claims run --suites c01_linear        # one claim suite",
            "bench claims run --group norm               # make claims-norm",
            "bench claims report --out reports/claims.md",
        ),
    )
    c.add_argument("action", choices=["run", "report", "list"], help="what to do")
    c.add_argument(
        "--store",
        default="results/bench.sqlite",
        help="SQLite store (default results/bench.sqlite, shared with make bench)",
    )
    c.add_argument("--out", default="reports/claims.md", help="report file (report)")
    c.add_argument("--backend", default="local", choices=execute.BACKENDS, help="default local")
    c.add_argument("--workers", type=int, default=2, help="processes (default 2)")
    c.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where cells train (default auto: cuda when a GPU is usable)",
    )
    c.add_argument("--suites", "--suite", help="comma-separated claim suite names (default: all)")
    c.add_argument(
        "--group",
        help="run: the suite group to train (default claims, what make claims trains; norm: "
        "the normalization suites of C15, make claims-norm)",
    )
    c.add_argument("--no-progress", action="store_true", help="no progress bar")
    c.set_defaults(fn=measure.cmd_claims)

    pf = sub.add_parser(
        "perf",
        help="how fast the harness trains here: vs a hand loop, probes, batching, the peak",
        description="Train the default suite's model (digits, 8×64 MLP, Adam, batch 64) one "
        "cell at a time against a minimal hand-written loop, with and without probes, and "
        "K cells batched against K one at a time, with the matmul peak measured in the same "
        "run; then one unit of the default suite's shape end to end, as a share of the "
        "stacked-matmul rate and the sgemm peak. Runs alternate and repeat; medians and "
        "ranges are printed.",
        formatter_class=RAW,
        epilog=examples("bench perf", "bench perf --ks 1,16 --repeats 2"),
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
    pf.add_argument(
        "--unit-members",
        type=int,
        default=18,
        help="cells of the end-to-end unit, timed against the stacked-matmul rate "
        "(default 18, the default suite's stacks)",
    )
    pf.add_argument("--json", help="also write every figure to this JSON file")
    pf.set_defaults(fn=measure.cmd_perf)

    q = sub.add_parser(
        "quick",
        help="an ad-hoc grid from flags: train, print the activations ranked, write a report",
        description="Build a suite from the flags (validated like a suite file), train what "
        "the store lacks, print the activations ranked with their statistics, and write the "
        "report and the grid as a suite file (<out>.toml, for bench run).",
        formatter_class=RAW,
        epilog=examples(
            "bench quick --activations relu,elu,selu",
            "bench quick --activations relu,gelu --dataset keel_pima,keel_wdbc,wine --lr 1e-3,3e-3",
        ),
    )
    q.add_argument(
        "--activations",
        "--activation",
        required=True,
        help="comma-separated, e.g. relu,elu,selu; your own as package.module:Name",
    )
    q.add_argument(
        "--dataset",
        "--datasets",
        default="digits",
        help="data set(s), comma-separated (default digits; several give the data-set-level test)",
    )
    q.add_argument("--seeds", default="5", help="a count (default 5: seeds 0-4) or a list 0,1,2")
    q.add_argument("--init", default="matched", help="initializer (default matched)")
    q.add_argument("--kind", default="mlp", help="model kind: mlp, resmlp, cnn (default mlp)")
    q.add_argument("--depth", type=int, default=4, help="hidden layers (default 4)")
    q.add_argument("--width", type=int, default=64, help="hidden width (default 64)")
    q.add_argument("--epochs", type=int, default=10, help="epochs (default 10)")
    q.add_argument(
        "--lr",
        default="1e-3",
        help="learning rate(s), comma-separated; with "
        "several, each activation's is chosen on validation (default 1e-3)",
    )
    q.add_argument("--optimizer", default="adam", help="adam or sgd (default adam)")
    q.add_argument("--batch-size", type=int, default=64, help="batch size (default 64)")
    q.add_argument("--name", default="quick", help="suite name in the store (default quick)")
    q.add_argument(
        "--store",
        default="results/quick.sqlite",
        help="SQLite store (default results/quick.sqlite)",
    )
    q.add_argument(
        "--out",
        help="report (default reports/<--name>.md, e.g. reports/quick.md; the suite file "
        "beside it, .toml)",
    )
    q.add_argument(
        "--backend",
        default="serial",
        choices=execute.BACKENDS,
        help="serial (default), local or dask, as bench run",
    )
    q.add_argument("--workers", type=int, default=1, help="processes of the local or dask backend")
    q.add_argument("--address", help="dask scheduler address, e.g. tcp://host:8786")
    q.add_argument(
        "--device",
        default="auto",
        choices=("auto", "cpu", "cuda"),
        help="where cells train (default auto)",
    )
    q.add_argument("--no-progress", action="store_true", help="no progress bar")
    q.set_defaults(fn=run.cmd_quick)

    challenge.add(sub)  # bench challenge: your own activation against every baseline

    cm = sub.add_parser(
        "compare",
        help="one suite from two stores side by side: speed ratios, environments, accuracy",
        description="Compare one suite measured in two places (two machines, two torch "
        "versions): per activation, width and pass, the bench speed time ratio to relu in "
        "A and in B and B/A of the absolute times; where each was measured; and, for the "
        "cells both stores trained, their test accuracies and the difference.",
        formatter_class=RAW,
        epilog=examples("bench compare results/laptop.sqlite results/gpu.sqlite --suite smoke"),
    )
    cm.add_argument("store_a", help="the baseline store (A)")
    cm.add_argument("store_b", help="the store compared with it (B)")
    cm.add_argument("--suite", help="suite name (default: the one suite both stores hold)")
    cm.set_defaults(fn=read.cmd_compare)
    return p
