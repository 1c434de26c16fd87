"""Speed of the activations, measured on its own (claim C16), not read off training runs.

Public:
    RECORD_FIELDS               the keys of one ``measure`` record
    measure(activations, widths=(32, 64, 128), depth=8, batch=64, n_features=64,
            n_classes=10, repeats=5, device="cpu", threads=None, blocks=7,
            block_time=0.01, seed=0, progress=False) -> list[dict]
                                time every activation's MLP in one process, interleaved
    curves(activations, lo=-8, hi=8, n=801) -> dict
                                each activation and its derivative on a grid (the reports'
                                gallery)

The ratios to a reference activation are computed by :func:`bench.scoring.speed.ratios`.

Why not the training times: the cells of a suite run in concurrent workers on a shared
machine, so one cell's time depends on what the others do meanwhile. Here every model is
timed in one process. Each repeat visits the (width, pass) groups in a fresh shuffled order
and, within a group, alternates short blocks of calls between the activations (shuffled
again for every block), so a slow spell of the machine (thermal state, a neighbour's load;
on the 2-core reference VM, ±20 % swings over a fraction of a second were seen) hits all
activations of a group alike instead of biasing the ones timed last; a ratio is only ever
taken between timings of the same repeat.

Only ``measure`` and ``curves`` import torch (inside the functions).
"""

from __future__ import annotations

import copy
import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from bench.store.measurements import TIMING_FIELDS

RECORD_FIELDS = TIMING_FIELDS  # one record's keys: what the store's timings table holds


def measure(
    activations: Sequence[str],
    widths: Sequence[int] = (32, 64, 128),
    depth: int = 8,
    batch: int = 64,
    n_features: int = 64,
    n_classes: int = 10,
    repeats: int = 5,
    device: str = "cpu",
    threads: int | None = None,
    blocks: int = 7,
    block_time: float = 0.01,
    seed: int = 0,
    progress: bool = False,
) -> list[dict[str, Any]]:
    """Time a forward and a forward+backward pass of an MLP per activation and width.

    Every model is ``bench.models.build(ModelSpec("mlp", depth, width), activation,
    "matched", n_features, n_classes)``, built under ``torch.manual_seed(0)``, fed one
    fixed random batch of shape (batch, n_features). ``forward`` runs the model in eval
    mode under ``torch.no_grad``; ``forward_backward`` runs it in train mode: zero the
    gradients, forward, cross-entropy, backward (what one training step costs before the
    optimizer).

    Timing: a plain loop, chosen over ``torch.utils.benchmark.Timer.blocked_autorange``
    because that one grows its block size in steps of 10× until the timer's overhead is
    under 0.01 %, which for a millisecond-long pass means blocks of 0.1 s or more and a
    "median" over one or two blocks within any affordable run time. Here, after three
    untimed warm-up calls, each combination's calls per block ``n`` is calibrated once
    (so one block lasts about ``block_time`` seconds; ``perf_counter`` costs ~0.1 µs, so
    the clock's overhead stays negligible) and kept for every repeat, so all repeats do
    the same work. In a repeat, each (width, pass) group runs ``blocks`` rounds; a round
    times one block of every activation of the group, in a fresh random order. A block is
    one untimed call (the previous block ran another model) and then ``n`` timed calls with
    the garbage collector paused, as ``timeit`` does. The record is the median over the
    activation's blocks of the block's time divided by ``n``. On cuda the clock calls
    ``torch.cuda.synchronize`` before reading the time, at both ends of every block, so
    each block includes the device's work. Each pass times its own copy of the model,
    left in its mode, because ``.eval()``/``.train()`` walk every module (tens of µs).

    Args:
        activations: registry names (validated before anything is timed).
        widths: hidden widths; 64 is the default suite's model.
        depth: hidden layers.
        batch: rows of the input batch.
        n_features: input size.
        n_classes: output size.
        repeats: rounds; each times every (width, pass, activation) once.
        device: ``cpu`` or ``cuda`` (or ``cuda:N``).
        threads: torch threads during the measurement (None: leave the current setting);
            restored afterwards.
        blocks: timed blocks per (width, pass, activation) and repeat (about 7 × 10 ms
            with the defaults: 12 activations × 3 widths × 2 passes × 5 repeats take
            about 40 s on one CPU thread).
        block_time: target seconds per block (sets the calls per block).
        seed: seeds the shuffling of the order.
        progress: show a progress bar on stderr.

    Returns:
        One dict per (repeat, width, pass, activation), repeat by repeat, with the keys
        of ``RECORD_FIELDS``; ``seconds`` is the median time of one call.
    """
    import torch
    from torch.nn import functional as F

    from bench import activations as registry
    from bench import models
    from bench.records import ModelSpec

    activations = list(dict.fromkeys(activations))
    for name in activations:
        registry.get(name)  # raises UnknownNameError, listing the valid names
    if repeats < 1:
        raise ValueError(f"repeats must be >= 1, got {repeats}")
    dev = torch.device(device)
    before = torch.get_num_threads()
    if threads is not None:
        torch.set_num_threads(threads)
    n_threads = torch.get_num_threads()

    def clock() -> float:
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        return time.perf_counter()

    try:
        gen = torch.Generator().manual_seed(seed)
        x = torch.randn(batch, n_features, generator=gen).to(dev)
        y = torch.randint(n_classes, (batch,), generator=gen).to(dev)
        steps: dict[tuple[int, str], dict[str, Callable[[], None]]] = {}
        for width in widths:
            for name in activations:
                torch.manual_seed(0)
                spec = ModelSpec("mlp", depth, width)
                model = models.build(spec, name, "matched", n_features, n_classes).to(dev)
                # one copy per pass, each left in its mode (see the docstring)
                fwd, train = copy.deepcopy(model).eval(), model.train()
                steps.setdefault((int(width), "forward"), {})[name] = _forward(fwd, x, torch)
                steps.setdefault((int(width), "forward_backward"), {})[name] = _forward_backward(
                    train, x, y, F
                )
        calls = {
            (group, name): _calibrate(step, clock, block_time)
            for group, by_act in steps.items()
            for name, step in by_act.items()
        }
        groups, names = list(steps), list(activations)
        rng = random.Random(seed)
        bar = _bar(len(groups) * repeats, progress)
        records = []
        for r in range(repeats):
            rng.shuffle(groups)
            for width, pas in groups:
                per_call: dict[str, list[float]] = {name: [] for name in names}
                for _ in range(blocks):
                    rng.shuffle(names)
                    for name in names:
                        n = calls[(width, pas), name]
                        per_call[name].append(_block(steps[width, pas][name], n, clock))
                for name in activations:
                    records.append(
                        dict(
                            activation=name,
                            width=width,
                            depth=depth,
                            batch=batch,
                            repeat=r,
                            seconds=statistics.median(per_call[name]),
                            device=str(dev),
                            threads=n_threads,
                            **{"pass": pas},
                        )
                    )
                if bar is not None:
                    bar.update()
        if bar is not None:
            bar.close()
    finally:
        torch.set_num_threads(before)
    return records


def _calibrate(step: Callable[[], None], clock: Callable[[], float], block_time: float) -> int:
    """Warm up (three untimed calls), then return the calls that fill ``block_time``."""
    for _ in range(3):  # first calls allocate and dispatch
        step()
    times = []
    for _ in range(3):
        t0 = clock()
        step()
        times.append(clock() - t0)
    return max(1, round(block_time / max(statistics.median(times), 1e-9)))


def _block(step: Callable[[], None], n: int, clock: Callable[[], float]) -> float:
    """Seconds per call over one block of ``n`` calls, after one untimed call."""
    step()  # the previous block ran another model: warm this one's caches again
    enabled = gc.isenabled()
    gc.disable()
    try:
        t0 = clock()
        for _ in range(n):
            step()
        return (clock() - t0) / n
    finally:
        if enabled:
            gc.enable()


def _forward(model, x, torch) -> Callable[[], None]:
    def step() -> None:
        with torch.no_grad():
            model(x)

    return step


def _forward_backward(model, x, y, F) -> Callable[[], None]:
    def step() -> None:
        model.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()

    return step


def _bar(total: int, show: bool):
    if not show:
        return None
    from tqdm import tqdm

    return tqdm(total=total, desc="timing", unit="group", leave=False)


def curves(activations: Sequence[str], lo: float = -8.0, hi: float = 8.0, n: int = 801) -> dict:
    """Each activation and its derivative on a grid, by autograd, in eval mode (RReLU at its
    mean slope): the data of the reports' activation gallery, stored with the timings so a
    report draws it without torch.

    Returns:
        ``{"x": [...], "curves": {name: {"f": [...], "df": [...]}}}``.
    """
    import torch

    from bench import activations as registry

    x = torch.linspace(lo, hi, n, dtype=torch.float64)
    out = {}
    for name in activations:
        module = registry.get(name)().double().eval()
        z = x.clone().requires_grad_(True)
        (d,) = torch.autograd.grad(module(z).sum(), z)
        with torch.no_grad():
            f = module(x)
        out[name] = {"f": f.tolist(), "df": d.tolist()}
    return {"x": x.tolist(), "curves": out}
