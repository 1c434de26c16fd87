"""Where the default suite's training time goes: units trained under a sampling profiler,
then their samples as shares, by stage of the loop and by kind of work; and each unit's
stages timed on their own, as shares of its time and of the stacked-matmul rate.

    py-spy record --native -r 200 -f raw -o /tmp/prof.txt -- \\
        python scripts/profile_unit.py run --dataset keel_spambase --rounds 2
    python scripts/profile_unit.py table /tmp/prof.txt
    python scripts/profile_unit.py stages --dataset keel_pima [--members K]

``run`` trains every unit the planner makes of one data set's cells in a suite (the
default suite: 11 activations, each a stack of 18 cells, 15 epochs), after one warm-up
unit, ``--rounds`` times, on one thread as ``make bench``'s workers do, and prints each
unit's wall time (``--dataset a,b,c``: several data sets' units; ``--bracket``: and the
units of one bracket round; timed as a whole process at two commits, alternated, it
compares them). ``table`` reads py-spy's raw output (``-f raw --native``: one line per
distinct stack, with its sample count), keeps the samples taken inside those units, and prints a
Markdown table of shares: rows are the loop's stages (from the Python frames on the stack),
columns the kind of work the innermost frame was doing (from the native symbol: MKL's
matmul, an activation's kernel, Adam's kernel, …; torch's dispatcher, autograd engine and
allocator; the Python interpreter). Shares are of the samples, so they hold on a machine
shared with other work, where absolute times do not. ``stages`` prints, per unit, the
shares of training, evaluation and probes in its time and its GFLOP/s as a share of the
one-thread stacked-matmul rate (:func:`bench.flops.stacked_matmul_rate`) measured before
each repeat; ``--members K`` replaces the planner's units by stacks of K cells.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # this checkout's bench

STAGES = (
    ("prepare: data, networks, stack, optimizer", ("prepare (bench/run/loop.py",)),
    ("probes", ("trace (bench/run/engines.py",)),
    ("evaluation: forward passes (train, val, test)", ("logits (bench/run/engines.py",)),
    ("evaluation: losses, accuracies, bookkeeping", ("observe (bench/run/loop.py",)),
    ("training: optimizer step (Adam), zero_grad", ("GroupedOptimizer.",)),
    ("training: backward", ("backward (torch/_tensor.py", "_engine_run_backward")),
    ("training: forward and loss", ("losses (bench/run/engines.py",)),
    ("training: shuffles, batch gather, loss record", ("epoch (bench/run/loop.py",)),
    ("finalize, and the rest of the unit", ("",)),
)
_ACTIVATION = re.compile(
    r"clamp_min|threshold|gelu|elu|tanh|sigmoid|silu|leaky|softplus|mish|hardswish|prelu|rrelu"
)
KINDS = (
    ("MKL matmul", lambda s: "mkl_blas" in s or "gemm" in s),
    (
        "activation kernels",
        lambda s: "Sleef" in s or "mkl_vml" in s or ("native" in s and bool(_ACTIVATION.search(s))),
    ),
    ("Adam kernel", lambda s: "fused_adam" in s),
    ("loss kernels", lambda s: "softmax" in s or "nll_loss" in s),
    ("other kernels", lambda s: "at::native" in s or "memcpy" in s or "memset" in s),
    ("Python", lambda s: bool(re.search(r"\.py:\d+\)$", s)) or "libpython" in s),
    ("torch dispatch, autograd, allocator", lambda s: True),
)
_MARK = "_profiled ("


def stage(stack: str) -> str:
    """The loop stage a stack (frames joined by ';', outermost first) was in."""
    for name, needles in STAGES:
        if any(n in stack for n in needles):
            return name
    return STAGES[-1][0]


def kind(stack: str) -> str:
    """The kind of work of a stack's innermost frame (Sleef's and MKL VML's vector math:
    an activation's, unless called by the loss's softmax)."""
    leaf = stack.rsplit(";", 1)[-1]
    if "Sleef" in leaf and "softmax" in stack:
        return "loss kernels"
    return next(name for name, test in KINDS if test(leaf))


def table(path: str) -> str:
    """Markdown table of sample shares (stage × kind) from py-spy's raw output."""
    cells: collections.Counter = collections.Counter()
    with open(path, encoding="utf-8") as raw:
        for line in raw:
            stack, _, count = line.rstrip("\n").rpartition(" ")
            if _MARK in stack:
                cells[stage(stack.split(_MARK, 1)[1]), kind(stack)] += int(count)
    total = sum(cells.values())
    if not total:
        return f"no samples inside {_MARK.strip(' (')} in {path}"
    kinds = [k for k, _ in KINDS]
    by_stage = collections.Counter()
    by_kind = collections.Counter()
    for (s, k), n in cells.items():
        by_stage[s] += n
        by_kind[k] += n
    head = ["stage", "all", *kinds]
    rows = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for s, _ in STAGES:
        if by_stage[s]:
            shares = [cells[s, k] / total for k in kinds]
            rows.append(
                f"| {s} | **{by_stage[s] / total:.1%}** | "
                + " | ".join(f"{x:.1%}" if x >= 0.0005 else "·" for x in shares)
                + " |"
            )
    rows.append(
        "| all | 100% | " + " | ".join(f"**{by_kind[k] / total:.1%}**" for k in kinds) + " |"
    )
    return "\n".join(rows) + f"\n\n{total} samples"


def _profiled(units: list) -> None:
    """Train the units (this frame marks the samples the table counts)."""
    from bench.run import loop

    for unit in units:
        t = time.perf_counter()
        loop.train(unit)
        seconds = time.perf_counter() - t
        print(f"{unit[0].activation:>12} K={len(unit)}: {seconds:.2f} s", flush=True)


def units_of(
    suite_path: str,
    dataset: str,
    activations: list[str] | None,
    members: int = 0,
    bracket: bool = False,
) -> list[list]:
    """The units the planner makes of some data sets' cells in a suite (``dataset``:
    comma-separated names).

    ``activations``: only these; a name the suite lacks gets the cells of the suite's first
    activation, renamed (issue 23's rrelu, prelu, mish on the default suite). ``bracket``:
    then the units of one bracket round, the next rate above the highest for every
    configuration (the rates' top ratio again), as a tuned suite's second round adds them.
    ``members`` > 0: instead, one stack of that many cells per activation (the suite's
    cells, repeated with other seeds): what other stack sizes would do.
    """
    from bench.run.plan import plan
    from bench.suite import load_suite

    names = dataset.split(",")
    cells = [c for c in load_suite(suite_path).cells() if c.dataset in names]
    if activations and cells:
        first = [c for c in cells if c.activation == cells[0].activation]
        cells = [c for c in cells if c.activation in activations] + [
            dataclasses.replace(c, activation=a)
            for a in activations
            if a not in {c.activation for c in cells}
            for c in first
        ]
    if not cells:
        sys.exit(f"no cells of {dataset} in {suite_path}")
    units = plan(cells).units
    if bracket:
        rates = sorted({c.train.lr for c in cells})
        top, step = rates[-1], rates[-1] / rates[-2] if len(rates) > 1 else 10.0
        more = [
            dataclasses.replace(c, train=dataclasses.replace(c.train, lr=top * step))
            for c in cells
            if c.train.lr == top
        ]
        units += plan(more).units
    if members:
        units = [
            [dataclasses.replace(u[i % len(u)], seed=u[i % len(u)].seed + 1000 * (i // len(u)))
             for i in range(members)]
            for u in units
        ]  # fmt: skip
    return units


def run(units: list[list], rounds: int) -> None:
    """Train the units ``rounds`` times, after a warm-up unit."""
    from bench.run import loop

    loop.train(units[0][:2])  # warm-up: imports, allocator, kernels
    for _ in range(rounds):
        _profiled(units)


def _median(values: list[float]) -> float:
    return sorted(values)[len(values) // 2]


def _stage_functions(unit: list) -> dict:
    """What :func:`stages` times for one unit (on a state prepared here)."""
    from bench.run import loop

    state = loop.prepare(unit)
    engine = state.engine
    X, y, which = state.data.split("train", state.live)
    rest = [state.data.split(s, state.live)[::2] for s in loop.SPLITS[1:]]
    return {
        "epoch": lambda: loop.epoch(state, 1),
        "eval_train": lambda: engine.logits(X, which),
        "eval_rest": lambda: [engine.logits(*x) for x in rest],
        "probe": lambda: engine.trace(X, None, which),
        "probe_grads": lambda: engine.trace(X, y, which),
        "unit": lambda: loop.train(unit),
    }


def stages(units: list[list], repeats: int = 3) -> str:
    """Per unit: its stages as shares of its time, and its FLOP rates as shares of the
    one-thread stacked-matmul rate measured before each repeat (a Markdown table).

    Stages are timed on their own, interleaved, medians of ``repeats``: a training epoch,
    the evaluation forward passes (train, then validation and test), a probe with and
    without the weight-gradient backward, and the whole unit (``loop.train``); a unit's
    stage shares compose them by its schedule (the probe after the last epoch replaces
    that epoch's evaluation of the training split).
    """
    from bench import data
    from bench.flops import stacked_matmul_rate, unit_flops
    from bench.run import layout, loop

    rows = [
        "| data set | activation | K | training | evaluation | probes | rest "
        "| training GFLOP/s | evaluation GFLOP/s | unit, end to end |",
        "|" + "---|" * 10,
    ]
    for unit in units:
        first = unit[0]
        d = first.data
        splits = data.load(
            first.dataset, d.split_seed, d.standardize, d.label_column, d.train_size, d.max_train
        )
        n = {s: len(getattr(splits, f"y_{s}")) for s in loop.SPLITS}
        flops = unit_flops(
            first, len(unit), n["train"], sum(n.values()), splits.n_features, splits.n_classes
        )
        timed = _stage_functions(unit)
        times: dict[str, list[float]] = {k: [] for k in [*timed, "rate"]}
        with layout.deterministic("cpu"):  # one thread, as the loop trains
            for fn in timed.values():
                fn()  # warm-up
            for _ in range(repeats):
                times["rate"].append(stacked_matmul_rate(threads=1, repeats=3))
                for name, fn in timed.items():
                    t = time.perf_counter()
                    fn()
                    times[name].append(time.perf_counter() - t)
        m = {k: _median(v) for k, v in times.items()}
        epochs = first.train.epochs
        probed = loop.probe_epochs(first.train)
        part = {
            "training": epochs * m["epoch"],
            "evaluation": epochs * (m["eval_train"] + m["eval_rest"])
            - (m["eval_train"] if epochs in probed else 0.0),
            "probes": sum(m["probe_grads" if p in (0, epochs) else "probe"] for p in probed),
        }
        part["rest"] = m["unit"] - sum(part.values())
        per_epoch = flops["training"] / epochs, flops["evaluation"] / epochs
        rates = (
            per_epoch[0] / m["epoch"] / 1e9,
            per_epoch[1] / (m["eval_train"] + m["eval_rest"]) / 1e9,
            flops["total"] / m["unit"] / 1e9,
        )
        rows.append(
            f"| {first.dataset} | {first.activation} | {len(unit)} | "
            + " | ".join(f"{v / m['unit']:.0%}" for v in part.values())
            + " | "
            + " | ".join(f"{g:.0f} ({g / m['rate']:.0%})" for g in rates)
            + " |"
        )
        print(rows[-1], file=sys.stderr, flush=True)
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    r = sub.add_parser("run", help="train one data set's units (run it under py-spy)")
    r.add_argument("--suite", default="suites/default.toml")
    r.add_argument("--dataset", default="keel_spambase", help="one, or several comma-separated")
    r.add_argument("--activations", help="comma-separated (default: the suite's)")
    r.add_argument("--rounds", type=int, default=2)
    r.add_argument("--members", type=int, default=0, help="one stack of N cells per activation")
    r.add_argument("--bracket", action="store_true", help="and one bracket round's units")
    t = sub.add_parser("table", help="shares from py-spy's raw output (-f raw --native)")
    t.add_argument("raw")
    g = sub.add_parser("stages", help="stage shares and FLOP rates of one data set's units")
    for option, default in (("--suite", "suites/default.toml"), ("--dataset", "keel_spambase")):
        g.add_argument(option, default=default)
    g.add_argument("--activations", help="comma-separated (default: the suite's)")
    g.add_argument("--repeats", type=int, default=3)
    g.add_argument("--members", type=int, default=0, help="one stack of N cells per activation")
    args = parser.parse_args(argv)
    if args.command == "table":
        print(table(args.raw))
        return 0
    acts = args.activations.split(",") if args.activations else None
    units = units_of(args.suite, args.dataset, acts, args.members, getattr(args, "bracket", False))
    if args.command == "run":
        run(units, args.rounds)
    else:
        print(stages(units, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
