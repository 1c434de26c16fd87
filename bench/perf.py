"""How fast the harness trains on this machine: ``python -m bench perf``.

Public:
    PerfConfig(dataset, depth, width, epochs, batch_size, ks, repeats, threads,
               probe_epochs, probe_members)
    hand_loop(cell) -> float        seconds for a minimal hand-written loop doing the
                                    cell's work (training, and per-epoch evaluation of the
                                    train/val/test splits, as the cell's curves need)
    unit_cells(config) -> list[Cell]
                                    one unit of the default suite's shape: 2 initializers ×
                                    3 learning rates × seeds (each seed its own split),
                                    ``unit_members`` cells
    measure_unit(config) -> dict    that unit trained end to end against the reference
                                    rates (:mod:`bench.flops`), interleaved
    measure(config, progress=print) -> dict
                                    every figure below, measured side by side, repeats
                                    interleaved
    render(figures) -> str          the printed summary

What it measures, for the default suite's model (an MLP on one data set, Adam):

- the harness one cell at a time, probes off, against :func:`hand_loop` (ratio; ≤ 1.05
  is the goal);
- the probes' share of training time over a cell of the default suite's length
  (``probe_epochs``, 15), alone and in a stack of the default suite's size
  (``probe_members``, 20), on the default schedule (``TrainSpec.probe_every``) and with
  probes after every epoch (:func:`probe_share`, from per-stage medians: an epoch, the
  evaluation pass a probe replaces, a probe without and with the weight-gradient
  backward); ≤ 10 % is the goal;
- batched training of K cells (several K) against K one-at-a-time runs: samples/s,
  achieved GFLOP/s, and the share of the matmul peak measured in the same run;
- one unit of the default suite's shape (``unit_members`` = 18 cells, each seed on its own
  split, ``probe_epochs`` = 15 epochs, probes on the default schedule) trained end to
  end, its FLOPs (training and the evaluation after every epoch,
  :func:`bench.flops.unit_flops`) over its wall time, as a share of the stacked-matmul
  rate (a stack of 32 64×64 matmuls) and of the large sgemm peak, each measured on one
  thread (as the harness trains) right before it; both rates on two threads too
  (:func:`measure_unit`). The goal is ≥ 65 % of the stacked-matmul rate.

The FLOP counts and the reference rates are :mod:`bench.flops`'s (``matmul_peak`` and
``train_flops_per_sample`` are imported from there).

Every ratio compares runs made in the same process, in alternation, repeated; the median
over repeats is reported with its range.
"""

from __future__ import annotations

import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch.nn import functional as F

from bench import data, models
from bench.flops import (
    matmul_peak,
    stacked_matmul_rate,
    train_flops_per_sample,
    unit_flops,
)
from bench.records import Cell, DataSpec, ModelSpec, TrainSpec

__all__ = [
    "PerfConfig",
    "hand_loop",
    "matmul_peak",
    "measure",
    "measure_unit",
    "probe_share",
    "render",
    "train_flops_per_sample",
    "unit_cells",
]
_LRS = (3e-4, 1e-3, 3e-3)  # the default suite's learning rates


@dataclass(frozen=True)
class PerfConfig:
    """What ``bench perf`` trains (defaults: the default suite's cell, 3 epochs)."""

    dataset: str = "digits"
    depth: int = 8
    width: int = 64
    activation: str = "relu"
    epochs: int = 3
    batch_size: int = 64
    ks: tuple[int, ...] = (1, 8, 32)
    repeats: int = 3
    threads: int | None = 1
    probe_epochs: int = 15
    probe_members: int = 20
    unit_members: int = 18


def _cell(
    config: PerfConfig,
    seed: int = 0,
    probe: bool = False,
    lr: float = 1e-3,
    epochs: int | None = None,
    probe_every: int | str | None = None,
    init: str = "matched",
) -> Cell:
    train = TrainSpec(
        "adam", lr, epochs=epochs or config.epochs, batch_size=config.batch_size, probe=probe
    )
    if probe_every is not None:
        train = dataclasses.replace(train, probe_every=probe_every)
    return Cell(
        config.dataset,
        config.activation,
        init,
        seed,
        ModelSpec("mlp", config.depth, config.width),
        train,
    )


def hand_loop(cell: Cell) -> float:
    """Train ``cell`` the way a minimal script would; return its wall time in seconds.

    ``torch.optim.Adam`` with its defaults, a global-RNG permutation, slicing of
    preloaded tensors, and after every epoch the loss and accuracy of the three splits.
    """
    splits = data.load(cell.dataset, cell.data.split_seed)
    t = time.perf_counter()
    torch.manual_seed(cell.seed)
    net = models.build(cell.model, cell.activation, cell.init, splits.n_features, splits.n_classes)
    opt = torch.optim.Adam(net.parameters(), lr=cell.train.lr)
    X, y, bs = splits.X_train, splits.y_train, cell.train.batch_size
    for _ in range(cell.train.epochs):
        net.train()
        perm = torch.randperm(len(y))
        for start in range(0, len(y), bs):
            idx = perm[start : start + bs]
            opt.zero_grad()
            F.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
        net.eval()
        with torch.no_grad():
            for Xs, ys in ((X, y), (splits.X_val, splits.y_val), (splits.X_test, splits.y_test)):
                logits = net(Xs)
                float(F.cross_entropy(logits, ys)), float((logits.argmax(1) == ys).float().mean())
    return time.perf_counter() - t


def _median_range(values: list[float]) -> tuple[float, float, float]:
    return statistics.median(values), min(values), max(values)


def measure(config: PerfConfig, progress: Callable[[str], None] = print) -> dict:
    """Measure every figure of the summary (see the module docstring).

    Args:
        config: the model and data set, the batch sizes K, repeats and torch threads.
        progress: called with a line before each stage.

    Returns:
        A JSON-ready dict of figures (seconds, ratios, samples/s, GFLOP/s).
    """
    from bench.run import loop

    if config.threads:
        torch.set_num_threads(config.threads)
    splits = data.load(config.dataset, 0)
    cell = _cell(config)
    flops = train_flops_per_sample(cell, splits.n_features, splits.n_classes)
    samples = len(splits.y_train) * config.epochs
    loop.train([cell])  # warm-up: imports, allocator, kernels
    hand_loop(cell)

    progress(f"one at a time: harness (probes off) vs hand loop ({config.repeats}×)")
    hand, off = [], []
    for _ in range(config.repeats):  # interleaved, so drifts in machine load hit both
        hand.append(hand_loop(cell))
        t = time.perf_counter()
        loop.train([cell])
        off.append(time.perf_counter() - t)
    ratio = [a / b for a, b in zip(off, hand)]

    progress(f"batched vs one at a time, K in {list(config.ks)} ({config.repeats}×)")
    batched: dict[int, dict] = {}
    for k in config.ks:
        cells = [_cell(config, seed=i, lr=_LRS[i % 3]) for i in range(k)]
        one, many = [], []
        for _ in range(config.repeats):
            t = time.perf_counter()
            seq = [loop.train([c])[0] for c in cells]
            one.append(time.perf_counter() - t)
            t = time.perf_counter()
            stacked = loop.train(cells)
            many.append(time.perf_counter() - t)
        train_one = sum(r.metrics["train_time_s"] for r in seq)
        train_many = sum(r.metrics["train_time_s"] for r in stacked)
        batched[k] = {
            "sequential_s": statistics.median(one),
            "batched_s": statistics.median(many),
            "speedup": _median_range([a / b for a, b in zip(one, many)]),
            "samples_per_s_one": k * samples / train_one,
            "samples_per_s_batched": k * samples / train_many,
            "gflops_one": k * samples * flops / train_one / 1e9,
            "gflops_batched": k * samples * flops / train_many / 1e9,
        }
    sizes = sorted({1, config.probe_members})
    progress(f"probe stages against the evaluation pass they replace, K in {sizes}")
    stages = {str(k): _probe_stages(config, k) for k in sizes}
    schedules = {
        "schedule": TrainSpec(epochs=config.probe_epochs),
        "every_epoch": TrainSpec(epochs=config.probe_epochs, probe_every=1),
    }
    shares = {
        k: {name: probe_share(st, train) for name, train in schedules.items()}
        for k, st in stages.items()
    }
    progress("matmul peak")
    peak = matmul_peak()
    for b in batched.values():
        b["peak_share_batched"] = b["gflops_batched"] / peak
    progress(
        f"one unit of {config.unit_members} cells, {config.probe_epochs} epochs, against the "
        f"stacked-matmul and sgemm rates ({config.repeats}×)"
    )
    unit = measure_unit(config)
    return {
        "config": dataclasses.asdict(config),
        "threads": torch.get_num_threads(),
        "n_train": len(splits.y_train),
        "flops_per_sample": flops,
        "matmul_peak_gflops": peak,
        "hand_loop_s": statistics.median(hand),
        "harness_s": statistics.median(off),
        "harness_to_hand": _median_range(ratio),
        "probe_every_default": TrainSpec().probe_every,
        "probe_share": shares,
        "batched": {str(k): v for k, v in batched.items()},
        "probe_stages": stages,
        "unit": unit,
    }


def unit_cells(config: PerfConfig) -> list[Cell]:
    """``config.unit_members`` cells that train as one unit, as the default suite's do:
    2 initializers × 3 learning rates × seeds 0, 1, …, each seed on its own split (the
    split seed follows the seed), ``probe_epochs`` epochs, probes on the default schedule."""
    seeds = range(-(-config.unit_members // 6))
    cells = [
        dataclasses.replace(
            _cell(config, seed=s, lr=lr, init=init, probe=True, epochs=config.probe_epochs),
            data=DataSpec(split_seed=s),
        )
        for s in seeds
        for init in ("matched", "torch_default")
        for lr in _LRS
    ]
    return cells[: config.unit_members]


def measure_unit(config: PerfConfig) -> dict:
    """One unit of :func:`unit_cells` trained end to end, against the reference rates.

    Each repeat measures the stacked-matmul rate (32 × 64² ``bmm``) and the sgemm peak
    (1024²) on one thread, trains the unit (the loop trains on one thread), then both
    rates on two threads; the unit's share of each one-thread rate is taken repeat by
    repeat, so drifts in the machine's load hit both sides.

    Returns:
        FLOPs (training, evaluation, total), the unit's seconds and GFLOP/s, the reference
        rates and the shares: medians over the repeats, with (median, min, max) triples
        for the shares.
    """
    from bench.run import loop

    cells = unit_cells(config)
    first = cells[0]
    splits = data.load(first.dataset, first.data.split_seed)
    n_eval = len(splits.y_train) + len(splits.y_val) + len(splits.y_test)
    flops = unit_flops(
        first, len(cells), len(splits.y_train), n_eval, splits.n_features, splits.n_classes
    )
    loop.train(cells[:2])  # warm-up
    rows: dict[str, list[float]] = {
        k: [] for k in ("stacked_1", "sgemm_1", "stacked_2", "sgemm_2", "seconds")
    }
    for _ in range(config.repeats):
        rows["stacked_1"].append(stacked_matmul_rate(threads=1))
        rows["sgemm_1"].append(matmul_peak(threads=1))
        t = time.perf_counter()
        loop.train(cells)
        rows["seconds"].append(time.perf_counter() - t)
        rows["stacked_2"].append(stacked_matmul_rate(threads=2))
        rows["sgemm_2"].append(matmul_peak(threads=2))
    gflops = [flops["total"] / s / 1e9 for s in rows["seconds"]]
    return {
        "members": len(cells),
        "epochs": first.train.epochs,
        "flops": flops,
        **{f"{k}_gflops" if k != "seconds" else k: statistics.median(v) for k, v in rows.items()},
        "gflops": statistics.median(gflops),
        "share_of_stacked": _median_range([g / r for g, r in zip(gflops, rows["stacked_1"])]),
        "share_of_sgemm": _median_range([g / r for g, r in zip(gflops, rows["sgemm_1"])]),
    }


def probe_share(stages: dict, train: TrainSpec) -> float:
    """The probes' extra time over a whole cell, as a share of its training time.

    Composed from per-stage medians (robust on a busy machine, unlike whole runs): a
    probe at initialization costs all of it (nothing is replaced); one after epoch n
    costs its time less the evaluation pass on the training set it replaces; the probes
    at initialization and after the last epoch include the weight-gradient backward.

    Args:
        stages: :func:`_probe_stages`'s medians for some K.
        train: the schedule (``probe``, ``probe_every``, ``epochs``).

    Returns:
        Σ extra probe time / (epochs × epoch time).
    """
    from bench.run.loop import probe_epochs

    last = train.epochs
    cost = 0.0
    for n in probe_epochs(train):
        cost += stages["probe_with_grads_s" if n in (0, last) else "probe_s"]
        if n:
            cost -= stages["eval_forward_s"]
    return cost / (last * stages["epoch_s"])


def _probe_stages(config: PerfConfig, k: int) -> dict:
    """Per-stage seconds of K members (medians, alternating): one epoch of training, one
    evaluation forward pass on the training set, one probe without and one with the
    weight-gradient backward (the probe's pass replaces that evaluation)."""
    from bench.run import loop

    state = loop.prepare([_cell(config, seed=i, lr=_LRS[i % 3]) for i in range(k)])
    X, y, which = state.data.split("train", state.live)
    engine = state.engine
    stages = {
        "epoch": lambda: loop.epoch(state, 1),
        "eval_forward": lambda: engine.logits(X, which),
        "probe": lambda: engine.trace(X, None, which),
        "probe_with_grads": lambda: engine.trace(X, y, which),
    }
    times: dict[str, list[float]] = {name: [] for name in stages}
    for fn in stages.values():
        fn()  # warm-up
    for _ in range(max(7, 2 * config.repeats)):
        for name, fn in stages.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    med = {name: statistics.median(v) for name, v in times.items()}
    return {
        **{f"{name}_s": v for name, v in med.items()},
        "probe_extra_share": (med["probe"] - med["eval_forward"]) / med["epoch"],
        "grad_probe_extra_share": (med["probe_with_grads"] - med["eval_forward"]) / med["epoch"],
    }


def render(f: dict) -> str:
    """The summary ``bench perf`` prints."""
    c = f["config"]

    def rng(t: tuple[float, float, float] | list[float], fmt: str = "{:.2f}") -> str:
        return f"{fmt.format(t[0])} ({fmt.format(t[1])}–{fmt.format(t[2])})"

    lines = [
        f"bench perf: {c['dataset']} (n_train {f['n_train']}), mlp {c['depth']}×{c['width']} "
        f"{c['activation']}, Adam, batch {c['batch_size']}, {c['epochs']} epochs, "
        f"{f['threads']} thread(s); medians over {c['repeats']} interleaved repeats (range)",
        f"matmul peak (1024² float32 matmul): {f['matmul_peak_gflops']:.1f} GFLOP/s",
        f"training FLOPs per sample: {f['flops_per_sample'] / 1e6:.3f} M",
        "",
        f"one cell, probes off: harness {f['harness_s']:.3f} s, hand loop "
        f"{f['hand_loop_s']:.3f} s → harness / hand loop = {rng(f['harness_to_hand'])}×",
    ]
    for k, sh in f.get("probe_share", {}).items():
        lines.append(
            f"probes over {c['probe_epochs']} epochs, K = {k}: {sh['schedule']:.1%} of the "
            f"training time on the default schedule (probe_every = "
            f"{f['probe_every_default']!r}), {sh['every_epoch']:.1%} after every epoch"
        )
    for k, st in f.get("probe_stages", {}).items():
        lines.append(
            f"K = {k}: an epoch {st['epoch_s'] * 1e3:.1f} ms; a probe adds "
            f"{st['probe_extra_share']:.0%} of it over the evaluation pass it replaces, "
            f"{st['grad_probe_extra_share']:.0%} with the gradient backward (init, last epoch)"
        )
    lines += [
        "",
        f"{'K':>4} {'one at a time':>14} {'batched':>9} {'speed-up':>18} "
        f"{'samples/s (1→K)':>22} {'GFLOP/s (1→K)':>16} {'of peak':>8}",
    ]
    for k, b in f["batched"].items():
        lines.append(
            f"{k:>4} {b['sequential_s']:>12.2f} s {b['batched_s']:>7.2f} s "
            f"{rng(b['speedup']):>17}× "
            f"{b['samples_per_s_one']:>10,.0f} → {b['samples_per_s_batched']:>9,.0f} "
            f"{b['gflops_one']:>7.1f} → {b['gflops_batched']:>6.1f} "
            f"{b['peak_share_batched']:>8.0%}"
        )
    if "unit" in f:
        lines += ["", *_render_unit(f["unit"], f["n_train"])]
    return "\n".join(lines)


def _render_unit(u: dict, n_train: int) -> list[str]:
    """The end-to-end lines: one unit against the reference rates."""

    def pct(t: tuple[float, float, float] | list[float]) -> str:
        return f"{t[0]:.0%} ({t[1]:.0%}–{t[2]:.0%})"

    fl = u["flops"]
    return [
        f"end to end: one unit of the default suite's shape, {u['members']} cells × "
        f"{u['epochs']} epochs (n_train {n_train}), probes on the default schedule, one thread",
        f"  reference rates, GFLOP/s (1 thread / 2 threads): stacked matmul (bmm, 32 × 64²) "
        f"{u['stacked_1_gflops']:.1f} / {u['stacked_2_gflops']:.1f}; large sgemm (1024²) "
        f"{u['sgemm_1_gflops']:.1f} / {u['sgemm_2_gflops']:.1f}",
        f"  {fl['total'] / 1e9:.1f} GFLOP (training {fl['training'] / 1e9:.1f}, evaluation "
        f"after every epoch {fl['evaluation'] / 1e9:.1f}; probes not counted) in "
        f"{u['seconds']:.2f} s: {u['gflops']:.1f} GFLOP/s",
        f"  = {pct(u['share_of_stacked'])} of the stacked-matmul rate, "
        f"{pct(u['share_of_sgemm'])} of the sgemm peak, both on one thread "
        "(goal: ≥ 65% of the stacked-matmul rate)",
    ]
