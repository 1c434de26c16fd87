"""Training: one generic loop that turns a Cell into a Result.

Public:
    run(cell) -> Result         train one cell; never raises for a training problem
    utcnow() -> str             the current UTC time, ISO 8601
    environment() -> dict       torch version, threads, CPU, harness version, commit, device
    CURVES                      names of the per-epoch series in ``Result.curves``

The loop slices mini-batches from preloaded tensors (no DataLoader), seeds everything from
``cell.seed``, and times training, evaluation and probes separately. A NaN/Inf loss ends the
cell with status ``diverged``; an exception ends it with status ``failed`` and the message.
Either way the caller gets a Result and the grid goes on.
"""

from __future__ import annotations

import functools
import math
import os
import platform
import subprocess
import time
import traceback
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import torch
from torch.nn import functional as F

import bench
from bench import datasets, models, probes
from bench.spec import Cell, Result, TrainSpec, pooled

CURVES = (
    "train_loss", "train_acc", "val_loss", "val_acc", "test_loss", "test_acc", "epoch_time_s",
)  # fmt: skip
_INFERENCE_REPEATS = 5


class _Diverged(Exception):
    pass


def utcnow() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@functools.cache
def _static_env() -> dict[str, Any]:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        commit = (
            subprocess.run(
                ["git", "rev-parse", "--short=12", "HEAD"],
                cwd=Path(__file__).resolve().parent,
                capture_output=True,
                text=True,
                timeout=5,
            ).stdout.strip()
            or None
        )
    except (OSError, subprocess.SubprocessError):
        commit = None
    return {
        "torch": torch.__version__,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpu": cpu,
        "cpu_count": os.cpu_count(),
        "harness": bench.__version__,
        "commit": commit,
        "device": "cpu",
    }


def environment() -> dict[str, Any]:
    """Describe where a result was measured (threads are read now: workers set them)."""
    return {**_static_env(), "threads": torch.get_num_threads()}


def _optimizer(spec: TrainSpec, params) -> torch.optim.Optimizer:
    if spec.optimizer == "sgd":
        return torch.optim.SGD(
            params, lr=spec.lr, momentum=spec.momentum, weight_decay=spec.weight_decay
        )
    return torch.optim.Adam(params, lr=spec.lr, weight_decay=spec.weight_decay)


@torch.no_grad()
def _evaluate(model: torch.nn.Module, X: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    logits = model(X)
    loss = float(F.cross_entropy(logits, y))
    acc = float((logits.argmax(dim=1) == y).float().mean())
    return loss, acc


@torch.inference_mode()
def _inference_time(model: torch.nn.Module, X: torch.Tensor) -> float:
    best = math.inf
    for _ in range(_INFERENCE_REPEATS):
        t = time.perf_counter()
        model(X)
        best = min(best, time.perf_counter() - t)
    return best / len(X)


def run(cell: Cell) -> Result:
    """Train one cell.

    Args:
        cell: the fully specified run.

    Returns:
        A :class:`Result` with status ``ok``, ``diverged`` or ``failed``.
    """
    result = Result(cell.key, cell, "ok", started_at=utcnow())
    t0 = time.perf_counter()
    try:
        _train(cell, result)
    except _Diverged as exc:
        result.status, result.error = "diverged", str(exc)
    except Exception as exc:  # a failed cell is a result, not a crash of the grid
        result.status = "failed"
        result.error = f"{type(exc).__name__}: {exc}\n{traceback.format_exc(limit=-3)}"
    result.curves = dict(result.curves)
    if result.probes:  # diverged cells keep the health of their last finished epoch
        for metric in ("dead", "negative", "saturated"):
            result.metrics[f"{metric}_init"] = pooled(result.probes[0], metric)
            result.metrics[f"{metric}_final"] = pooled(result.probes[-1], metric)
    result.metrics["total_time_s"] = time.perf_counter() - t0
    result.env = environment()
    result.finished_at = utcnow()
    return result


def _train(cell: Cell, result: Result) -> None:
    """The training loop; fills ``result`` as it goes so a divergence keeps the history."""
    spec = cell.train
    torch.manual_seed(cell.seed)
    gen = torch.Generator().manual_seed(cell.seed)
    data = datasets.load(
        cell.dataset, cell.data.split_seed, cell.data.standardize, cell.data.label_column
    )
    model = models.build(
        cell.model, cell.activation, cell.init, data.n_features, data.n_classes, data.image_shape
    )
    opt = _optimizer(spec, model.parameters())
    m, curves = result.metrics, defaultdict(list)
    result.curves = curves
    m["n_params"] = sum(p.numel() for p in model.parameters())
    m["n_train"] = len(data.y_train)
    m.update(train_time_s=0.0, eval_time_s=0.0, probe_time_s=0.0, epochs_run=0)
    splits = {
        "train": (data.X_train, data.y_train),
        "val": (data.X_val, data.y_val),
        "test": (data.X_test, data.y_test),
    }

    def probe() -> None:
        if spec.probe:
            t = time.perf_counter()
            result.probes.append(probes.unit_health(model, data.X_train, data.y_train))
            m["probe_time_s"] += time.perf_counter() - t

    probe()
    n = len(data.y_train)
    for epoch in range(1, spec.epochs + 1):
        model.train()
        t = time.perf_counter()
        perm = torch.randperm(n, generator=gen)
        for b, start in enumerate(range(0, n, spec.batch_size)):
            idx = perm[start : start + spec.batch_size]
            opt.zero_grad(set_to_none=True)
            loss = F.cross_entropy(model(data.X_train[idx]), data.y_train[idx])
            if not torch.isfinite(loss):
                value = float(loss.detach())
                raise _Diverged(f"non-finite loss ({value}) at epoch {epoch}, batch {b}")
            loss.backward()
            opt.step()
        elapsed = time.perf_counter() - t
        m["train_time_s"] += elapsed
        m["epochs_run"] = epoch
        curves["epoch_time_s"].append(elapsed)

        t = time.perf_counter()
        model.eval()
        for split, (X, y) in splits.items():
            split_loss, split_acc = _evaluate(model, X, y)
            if not math.isfinite(split_loss):
                raise _Diverged(f"non-finite {split} loss after epoch {epoch}")
            curves[f"{split}_loss"].append(split_loss)
            curves[f"{split}_acc"].append(split_acc)
        m["eval_time_s"] += time.perf_counter() - t
        probe()

    for name in CURVES:
        if name != "epoch_time_s":
            m[name] = curves[name][-1]
    best = max(range(len(curves["val_acc"])), key=curves["val_acc"].__getitem__)
    m["best_val_acc"], m["best_epoch"] = curves["val_acc"][best], best + 1
    m["samples_per_s"] = n * spec.epochs / m["train_time_s"] if m["train_time_s"] else math.nan
    model.eval()
    m["inference_s_per_sample"] = _inference_time(model, data.X_test)
