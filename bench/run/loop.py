"""The training loop: named stages, one path for a single cell and for K batched cells.

Public:
    CURVES                      names of the per-epoch series in ``Result.curves``
    State                       what the stages share: cells, data, engine, results
    prepare(cells, device="cpu", dtype=torch.float32, loaded=None) -> State
                                data and networks on the device, the engine, empty results
    epoch(state, n)             one epoch of every live member; divergence checked once
    observe(state, n)           evaluation (train/val/test) after epoch n, and the probes
                                when the schedule says so (n = 0: at initialization)
    probe_epochs(train) -> list[int]
                                the epochs after which the probes run (0: initialization)
    finalize(state) -> list[Result]
                                metrics from curves and probes, one function for every path
    train(cells, device="cpu", dtype=torch.float32, executor="serial") -> list[Result]
                                prepare → observe → (epoch → observe)* → finalize, on one
                                thread (CPU) or with deterministic algorithms (CUDA); each
                                distinct split loaded once, one stack per split size
    batch_key(cell) -> tuple    cells with equal keys may train together (their split
                                seeds may differ)
    why_alone(cell) -> str      why a cell must train on its own ('' when it can batch)

A member is one cell. Each is built by ``models.build`` under its own seed and keeps its own
data-order generator (seeded with the cell's seed, on the device), RReLU and dropout keys
(the cell's seed: :mod:`bench.rng`), learning rate, momentum and weight decay, and reads
its own split of the data set (:mod:`bench.run.inputs`: members whose split seeds differ
share the stack, each gathering its minibatches from its own training tensor). A cell
gives the same numbers, bit for bit, alone or in a stack of any size (one engine for both,
member-aligned layouts: :mod:`bench.run.layout`). Per-step losses stay on the device; once
per epoch the loop checks them: a member whose loss was NaN/Inf is stored as ``diverged``
with the epoch and batch where it first happened, and is dropped while the others go on. An
exception fails every member still training, with the message; the caller always gets one
Result per cell.
"""

from __future__ import annotations

import dataclasses
import math
import time
import traceback
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import torch
from torch.nn import functional as F

from bench import activations, models, rng, schema
from bench.errors import BenchError
from bench.records import Cell, DataSpec, Result, TrainSpec, key_with_digest, pooled
from bench.run import inputs, layout
from bench.run.engines import Engine
from bench.run.engines import build as build_engine
from bench.run.env import environment, synchronize, tune_allocator, utcnow
from bench.run.optim import Hyper

CURVES = tuple(schema.CURVES)  # as declared, in the declared order
SPLITS = inputs.SPLITS


def batch_key(cell: Cell) -> tuple:
    """What cells must share to train as one batch: everything but seed, initializer, the
    optimizer's numbers (learning rate, momentum, weight decay) and the split seed (each
    member reads its own split; :func:`train` stacks splits of equal sizes together)."""
    t = cell.train
    return (
        cell.dataset,
        dataclasses.replace(cell.data, split_seed=0),
        cell.model,
        cell.activation,
        cell.device,
        t.optimizer,
        t.epochs,
        t.batch_size,
        t.probe,
        t.probe_every,
    )


def why_alone(cell: Cell) -> str:
    """Why a cell cannot train stacked with others ('' when it can).

    Every model the registry builds stacks (:func:`bench.run.batched.why_not_stackable`), on
    every device: on the CPU a stack's convolutions run one plain convolution per member,
    which costs what the cells would alone while the rest of the step is shared. The hook
    stays for a model kind that cannot stack.
    """
    return ""


@dataclass
class State:
    """What the stages share.

    Attributes:
        cells / results: one per member, in member order (sorted by hyperparameters).
        live: indices (into ``cells``) of members still training, in engine order.
        engine: the :class:`~bench.run.engines.Engine`.
        data: the members' :class:`~bench.run.inputs.Inputs`, on the device.
        gens: one data-order generator per member.
        probed: the epochs after which the probes run (empty: probes off).
        step_losses: per live member, the per-step training losses of the last epoch.
        env: what each Result's ``env`` adds for an activation given by import path: the
            sha256 of the source that trained (``activation_sha256``) and the initializer
            ``matched`` stood for (``matched_init``).
    """

    cells: list[Cell]
    results: list[Result]
    device: str
    dtype: torch.dtype
    executor: str = "serial"
    live: list[int] = field(default_factory=list)
    engine: Engine | None = None
    data: inputs.Inputs | None = None
    gens: list[torch.Generator] = field(default_factory=list)
    probed: frozenset[int] = frozenset()
    step_losses: torch.Tensor | None = None
    env: dict[str, str] = field(default_factory=dict)
    times: dict[str, float] = field(default_factory=lambda: defaultdict(float))
    t0: float = 0.0


def _hyper(cell: Cell) -> Hyper:
    t = cell.train
    return Hyper(t.lr, t.momentum if t.optimizer == "sgd" else 0.0, t.weight_decay)


def prepare(
    cells: list[Cell],
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    executor: str = "serial",
    loaded: dict[DataSpec, Any] | None = None,
) -> State:
    """Stage 1: load each split once, build every member under its own seed, make the engine.

    Args:
        cells: cells with equal :func:`batch_key` whose splits have equal sizes (one cell:
            the per-cell path).
        device: ``cpu`` or ``cuda``.
        dtype: floating type of data and parameters (float64 in equivalence tests).
        executor: the executor's name, stored with each result.
        loaded: splits already loaded (:func:`bench.run.inputs.load`); the rest are loaded.

    Returns:
        The :class:`State`; members sorted so that equal hyperparameters are adjacent.
    """
    tune_allocator()
    keys = {batch_key(c) for c in cells}
    if len(keys) != 1:
        raise ValueError("cells of one batch must share data set, model, activation, …")
    cells = sorted(cells, key=lambda c: (_hyper(c), c.seed, c.init))
    state = _started(cells, device, dtype, executor)
    loaded = dict(loaded or {})
    loaded.update(inputs.load([c for c in cells if c.data not in loaded]))
    first = cells[0]
    splits = loaded[first.data]
    act = activations.get(first.activation)  # an import path: its module run from source
    for r in state.results:  # a csv: table, an activation's module: what trains is what is keyed
        digest, sha = loaded[r.cell.data].digest, act.source_sha256
        if (digest or sha) is not None and key_with_digest(r.cell, digest, sha) != r.key:
            raise BenchError(_changed(first, sha is not None))
    if act.source_sha256 is not None:  # the source trained, what `matched` stood for
        state.env = {"activation_sha256": act.source_sha256, "matched_init": act.matched_init}
    state.data = inputs.Inputs.build(cells, loaded, device, dtype)
    nets = []
    for c in cells:
        torch.manual_seed(c.seed)  # the initializers draw from the global generator
        net = models.build(
            c.model, act, c.init, splits.n_features, splits.n_classes, splits.image_shape
        )
        random = (m for m in net.modules() if isinstance(m, rng.Hashed))
        for layer, module in enumerate(random):  # slopes, masks from (seed, layer, step, …)
            module.seed, module.layer = c.seed, layer
        nets.append(net.to(device, dtype))
        state.gens.append(torch.Generator(device=device).manual_seed(c.seed))
    n_params = sum(p.numel() for p in nets[0].parameters())
    for r in state.results:
        r.metrics.update(
            n_params=n_params,
            n_train=len(splits.y_train),
            epochs_run=0,
            train_time_s=0.0,
            eval_time_s=0.0,
            probe_time_s=0.0,
        )
        r.curves = {name: [] for name in CURVES}
    state.engine = build_engine(nets, first.train.optimizer, [_hyper(c) for c in cells])
    state.live = list(range(len(cells)))
    state.probed = frozenset(probe_epochs(first.train))
    return state


def _changed(cell: Cell, custom: bool) -> str:
    """Why a unit cannot train: a file its keys hash changed since the run was planned."""
    what = f"dataset {cell.dataset}: the file"
    if custom:
        what = f"activation {cell.activation}: its module's source"
        if cell.dataset.startswith("csv:"):
            what += f" or dataset {cell.dataset}'s file"
    return (
        f"{what} changed between planning the run and loading it; its results would not "
        "match their keys. Rerun: the cells are planned anew from the file as it is now"
    )


def _started(cells: list[Cell], device: str, dtype: torch.dtype, executor: str) -> State:
    """A State whose every cell has a Result started now (status ``ok`` until it is not)."""
    results = [Result(c.key, c, "ok", started_at=utcnow()) for c in cells]
    return State(cells, results, device, dtype, executor, t0=time.perf_counter())


def probe_epochs(train: TrainSpec) -> list[int]:
    """The epochs after which the probes run: 0 (initialization), the last epoch, and those
    ``train.probe_every`` names (every N-th, or 1, 2, 4, 8, … for ``"log"``).

    Args:
        train: the cell's training settings.

    Returns:
        Sorted epochs; empty when ``train.probe`` is off.
    """
    if not train.probe:
        return []
    every, last = train.probe_every, train.epochs
    if every == "log":
        between = {2**i for i in range(last.bit_length())}
    else:
        between = set(range(every, last + 1, every))
    return sorted({0, last} | {n for n in between if n <= last})


def epoch(state: State, n: int) -> None:
    """Stage 2: one epoch of mini-batch steps for every live member.

    Each member shuffles with its own generator and gathers its batches from its own
    split's training rows; per-step losses stay on the device and are checked once, at
    the end: members with a non-finite loss are marked ``diverged`` (epoch and batch of the
    first one) and dropped.
    """
    engine, (X, y) = state.engine, state.data.tensors["train"]
    size, bs = y.shape[1], state.cells[0].train.batch_size
    X, y = X.flatten(0, 1), y.flatten()  # every split's rows, one after another
    synchronize(state.device)
    t = time.perf_counter()
    perms = torch.stack(
        [torch.randperm(size, generator=state.gens[i], device=state.device) for i in state.live]
    )
    if len(state.data.tensors["train"][1]) > 1:  # each member's rows: its split's block
        first = [state.data.split_of[i] * size for i in state.live]
        perms += torch.tensor(first, device=state.device)[:, None]
    n_batches = math.ceil(size / bs)
    losses = torch.empty(len(state.live), n_batches, device=state.device, dtype=state.dtype)
    engine.train_mode()
    for b in range(n_batches):
        idx = perms[:, b * bs : (b + 1) * bs]
        loss = engine.losses(X[idx], y[idx])
        loss.sum().backward()
        engine.step()
        losses[:, b] = loss.detach()
    synchronize(state.device)
    elapsed = time.perf_counter() - t
    share = elapsed / len(state.live)  # a member's share of the batch's wall time
    state.step_losses = losses
    finite = torch.isfinite(losses)
    bad = [] if bool(finite.all()) else (~finite).int().argmax(dim=1).tolist()
    for j, i in enumerate(state.live):
        m = state.results[i].metrics
        if bad and not bool(finite[j].all()):
            value = float(losses[j, bad[j]])
            _diverge(state, i, n, f"non-finite loss ({value}) at epoch {n}, batch {bad[j]}")
            continue
        m["train_time_s"] += share
        m["epochs_run"] = n
        state.results[i].curves["epoch_time_s"].append(share)
    _drop_stopped(state)


def _diverge(state: State, i: int, n: int, why: str) -> None:
    """Member ``i`` diverged in epoch ``n`` (or in the evaluation after it): epoch n is the
    first whose probes are not good (:attr:`bench.records.Result.diverged_epoch`)."""
    r = state.results[i]
    r.status, r.error, r.diverged_epoch = "diverged", why, n


def _drop_stopped(state: State) -> None:
    keep = [j for j, i in enumerate(state.live) if state.results[i].status == "ok"]
    if len(keep) < len(state.live):
        state.live = [state.live[j] for j in keep]
        if state.live:
            state.engine.keep(keep)


@torch.no_grad()
def _scores(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """(K, 2): mean cross-entropy and accuracy of each member's (N, C) logits, against
    labels (N,) shared by every member or (K, N), each member its own."""
    k, n, c = logits.shape
    labels = y.expand(k, n).reshape(k * n)
    loss = F.cross_entropy(logits.reshape(k * n, c), labels, reduction="none").view(k, n)
    acc = (logits.argmax(dim=2) == y).to(logits.dtype).mean(1)
    return torch.stack([loss.mean(1), acc], dim=1)


def observe(state: State, n: int) -> None:
    """Stage 3: after epoch ``n`` (``n`` = 0: at initialization), evaluate every live
    member on train/val/test, and run the probes on the training set when ``n`` is one of
    :func:`probe_epochs` (an epoch the schedule skips gets ``{}``, so that
    ``Result.probes[n]`` stays the record after epoch n).

    The probes' forward pass on the training set gives the training scores too. A member
    with a non-finite evaluation loss is marked ``diverged`` and dropped.
    """
    if not state.live:
        return
    engine = state.engine
    X, y, which = state.data.split("train", state.live)
    synchronize(state.device)
    t = time.perf_counter()
    scores: dict[str, torch.Tensor] = {}
    if state.probed and n not in state.probed:
        for i in state.live:  # keep index = epoch: an epoch the schedule skips holds {}
            state.results[i].probes.append({})
    if n in state.probed:
        # a full-batch backward costs about an epoch: weight-gradient norms are measured at
        # initialization and after the last epoch only (NaN in between)
        last = n in (0, state.cells[0].train.epochs)
        train_logits, health = engine.trace(X, y if last else None, which)
        synchronize(state.device)
        probe_share = (time.perf_counter() - t) / len(state.live)
        for j, i in enumerate(state.live):
            state.results[i].probes.append(health[j])
            state.results[i].metrics["probe_time_s"] += probe_share
        if n == 0:
            return
        scores["train"] = _scores(train_logits, _labels(y, which))
    elif n == 0:
        return
    t = time.perf_counter()
    for s in SPLITS:
        if s not in scores:
            Xs, ys, which = state.data.split(s, state.live)
            scores[s] = _scores(engine.logits(Xs, which), _labels(ys, which))
    table = torch.stack([scores[s] for s in SPLITS], dim=1).tolist()  # (K, split, 2)
    eval_share = (time.perf_counter() - t) / len(state.live)
    for j, i in enumerate(state.live):
        r = state.results[i]
        r.metrics["eval_time_s"] += eval_share
        bad = [s for s, (loss, _) in zip(SPLITS, table[j]) if not math.isfinite(loss)]
        if bad:
            _diverge(state, i, n, f"non-finite {bad[0]} loss after epoch {n}")
            continue
        for s, (loss, acc) in zip(SPLITS, table[j]):
            r.curves[f"{s}_loss"].append(loss)
            r.curves[f"{s}_acc"].append(acc)
    _drop_stopped(state)


def _labels(y: torch.Tensor, which: torch.Tensor | None) -> torch.Tensor:
    """Labels (N,) shared by the members, or each member's (K, N) picked by ``which``."""
    return y if which is None else y.index_select(0, which)


def finalize(state: State) -> list[Result]:
    """Stage 4: derive every metric from the curves and probes (one function for every
    path), stamp the environment, and return the Results in the cells' order."""
    members = len(state.cells)
    env = {
        **environment(state.device),
        "executor": state.executor,
        "members": members,
        **state.env,
    }
    wall = time.perf_counter() - state.t0
    for r in state.results:
        m, curves = r.metrics, r.curves
        if r.status == "ok":
            for name in CURVES:
                if name != "epoch_time_s":
                    m[name] = curves[name][-1]
            val = curves["val_acc"]
            best = max(range(len(val)), key=val.__getitem__)
            m["best_val_acc"], m["best_epoch"] = val[best], best + 1
            m["samples_per_s"] = (
                m["n_train"] * m["epochs_run"] / m["train_time_s"]
                if m["train_time_s"]
                else math.nan
            )
        while r.probes and not r.probes[-1]:  # a diverged run ends with its last probe
            r.probes.pop()
        if r.probes:  # diverged cells keep the health of their last probed epoch
            for metric in ("dead", "negative", "saturated"):
                m[f"{metric}_init"] = pooled(r.probes[0], metric)
                m[f"{metric}_final"] = pooled(r.probes[-1], metric)
        m["total_time_s"] = wall / members
        r.env = dict(env)
        r.finished_at = utcnow()
    return state.results


def _fail(state: State, exc: BaseException) -> None:
    message = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"
    for i, r in enumerate(state.results):
        if r.status == "ok" and (i in state.live or state.engine is None):
            r.status, r.error = "failed", message
    state.live = []


def train(
    cells: list[Cell],
    device: str = "cpu",
    dtype: torch.dtype = torch.float32,
    executor: str = "serial",
) -> list[Result]:
    """Train cells that share a :func:`batch_key` together (one cell: the per-cell path).

    Each distinct split is loaded once; cells whose splits have equal sizes train as one
    stack (:func:`bench.run.inputs.stacks`). Never raises for a training problem: a
    diverged member is a ``diverged`` Result, an exception makes every member still
    training ``failed`` with the message.

    Returns:
        One Result per cell, in the order of ``cells``.
    """
    by_key = {c.key: c for c in cells}
    results: dict[str, Result] = {}
    with layout.deterministic(device):
        try:
            loaded = inputs.load(cells)
            stacks = inputs.stacks(cells, loaded)
        except Exception:  # prepare meets the error again and fails every cell with it
            loaded, stacks = {}, [list(cells)]
        for stack in stacks:
            state = _started(stack, device, dtype, executor)
            try:
                state = prepare(stack, device, dtype, executor, loaded)
                observe(state, 0)
                for n in range(1, stack[0].train.epochs + 1):
                    if not state.live:
                        break
                    epoch(state, n)
                    observe(state, n)
            except Exception as exc:  # a failed cell is a result, not a crash of the grid
                _fail(state, exc)
            results.update((r.key, r) for r in finalize(state))
    return [results[k] for k in by_key]
