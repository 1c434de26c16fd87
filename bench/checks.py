"""The claims' exact checks, measured: the torch side of C1, C7, C8, C17 and C18.

``bench claims run`` (:mod:`bench.execute.claims`) calls each check once and stores its JSON
payload under the claim's id (``Store.put_check``); the claim's ``measure`` and ``judge``
(:mod:`bench.claims`) read it back from ``Context.checks`` and never import torch. What a
check measures (its data sets, shapes, seeds, step counts, tolerance) is part of the claim's
design and is read from the claim's module.

Public:
    CHECKS                          claim id → its check (``check() -> dict``), in claim order
    linear_collapse(sets=None, epochs=None) -> dict
                                    C1: trained identity stacks against the one affine map
                                    their weights collapse to
    default_init() -> dict          C7: nn.Linear's own init and the harness's torch_default
    gains() -> dict                 C8: calculate_gain and the harness's gains
    relu_at_zero() -> dict          C17: autograd at exactly 0 for every ReLU form
    relu_kinks() -> dict            C18: seeded ReLU fits of sin(x), their curves and units
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F

from bench import activations, data, initializers, models
from bench.claims import c01_linear as c01
from bench.claims import c07_default as c07
from bench.claims import c08_gains as c08
from bench.claims import c18_kinks as c18
from bench.records import ModelSpec


def linear_collapse(
    sets: tuple[tuple[str, int], ...] | None = None, epochs: int | None = None
) -> dict[str, Any]:
    """Train an 8×64 identity stack (Adam 1e-3, batch 64) on each data set of ``sets``
    (data set, seed; default C1's ``CHECK_SETS``) for ``epochs`` (default C1's
    ``CHECK_EPOCHS``), collapse it into one affine map and compare the two on the training
    inputs."""
    sets = c01.CHECK_SETS if sets is None else sets
    epochs = c01.CHECK_EPOCHS if epochs is None else epochs
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # a small net: more threads only contend (as in training)
    try:
        rows = [_collapse(name, seed, epochs) for name, seed in sets]
    finally:
        torch.set_num_threads(threads)
    return {"rows": rows, "tolerance": c01.TOL, "epochs": epochs}


def _collapse(name: str, seed: int, epochs: int) -> dict[str, Any]:
    """Train one identity stack and compare it with its collapsed affine map (float64)."""
    s = data.load(name, 0, True, None, 1.0, 1000)
    torch.manual_seed(seed)
    spec = ModelSpec("mlp", 8, 64)
    net = models.build(spec, "identity", "matched", s.n_features, s.n_classes, s.image_shape)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    X, y = s.X_train, s.y_train
    gen = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        for idx in torch.randperm(len(y), generator=gen).split(64):
            opt.zero_grad()
            F.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
    net = net.double()
    x = X.double()
    w = torch.eye(x.shape[1], dtype=torch.float64)
    b = torch.zeros(x.shape[1], dtype=torch.float64)
    with torch.no_grad():
        for layer in [*net.layers, net.head]:
            w, b = layer.weight @ w, layer.weight @ b + layer.bias
        logits, mapped = net(x), x @ w.T + b
    scale = float(logits.abs().max())
    return {
        "dataset": name,
        "hidden_layers": len(net.layers),
        "parameters": sum(p.numel() for p in net.parameters()),
        "map_shape": f"{w.shape[0]}×{w.shape[1]}",
        "max_abs_diff": float((logits - mapped).abs().max()),
        "relative_diff": float((logits - mapped).abs().max()) / scale,
        "same_argmax": float((logits.argmax(1) == mapped.argmax(1)).double().mean()),
        "train_loss": float(F.cross_entropy(logits, y)),
        "train_loss_map": float(F.cross_entropy(mapped, y)),
    }


def default_init() -> dict[str, Any]:
    """C7: a fresh ``nn.Linear(FAN_IN, FAN_OUT)`` and the harness's ``torch_default`` on the
    same shape: the largest |w|, the std and the bias's largest |b| of each."""
    torch.manual_seed(0)
    rows = []
    for source in ("nn.Linear", "bench torch_default"):
        layer = nn.Linear(c07.FAN_IN, c07.FAN_OUT)
        if source != "nn.Linear":
            initializers.initialize(layer, "torch_default", "relu")
        w = layer.weight.detach().double()
        rows.append(
            {
                "source": source,
                "max_abs": w.abs().max().item(),
                "std": w.std().item(),
                "bias_max_abs": layer.bias.detach().abs().max().item(),
                "n": w.numel(),
            }
        )
    return {
        "fan_in": c07.FAN_IN,
        "bound": c07.BOUND,
        "std": c07.BOUND / math.sqrt(3),
        "rows": rows,
        "torch": torch.__version__,
    }


def gains() -> dict[str, Any]:
    """C8: ``calculate_gain`` for every entry of the note's table, and the harness's gains."""
    rows = [
        {"nonlinearity": k, "expected": v, "torch": nn.init.calculate_gain(k)}
        for k, v in c08.TABLE.items()
    ]
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "selu"):
        rows.append(
            {
                "nonlinearity": f"bench {name}",
                "expected": c08.TABLE[name],
                "torch": activations.gain(name),
            }
        )
    return {"rows": rows}


def relu_at_zero() -> dict[str, Any]:
    """C17: autograd's derivative at exactly 0 of every ReLU form (and of the harness's
    LeakyReLU and ELU, for contrast), in float32 and float64."""
    forms = {
        "torch.relu": torch.relu,
        "F.relu": F.relu,
        "nn.ReLU()": torch.nn.ReLU(),
        "bench relu": activations.get("relu")(),
        "bench leaky_relu": activations.get("leaky_relu")(),
        "bench elu": activations.get("elu")(),
    }
    rows = []
    for name, fn in forms.items():
        for dtype in (torch.float32, torch.float64):
            x = torch.zeros(1, dtype=dtype, requires_grad=True)
            (g,) = torch.autograd.grad(fn(x).sum(), x)
            rows.append(
                {
                    "form": name,
                    "dtype": str(dtype).removeprefix("torch."),
                    "gradient_at_0": g.item(),
                }
            )
    return {"rows": rows, "torch": torch.__version__}


def relu_kinks() -> dict[str, Any]:
    """C18: the harness's MLP (1 hidden layer of ``UNITS`` ReLU units, He normal) fitted to
    sin(x) on [−π, π] by full-batch Adam with MSE, once per seed: each fit sampled on the
    grid, its units' parameters and its MSE."""
    x = torch.linspace(-math.pi, math.pi, 256).unsqueeze(1)
    y = torch.sin(x)
    grid = torch.linspace(-math.pi, math.pi, c18.POINTS).unsqueeze(1)
    fits = []
    for seed in range(c18.SEEDS):
        torch.manual_seed(seed)
        net = models.build(ModelSpec("mlp", 1, c18.UNITS), "relu", "he_normal", 1, 1)
        opt = torch.optim.Adam(net.parameters(), lr=0.02)
        for _ in range(c18.STEPS):
            opt.zero_grad()
            loss = torch.mean((net(x) - y) ** 2)
            loss.backward()
            opt.step()
        with torch.no_grad():
            fits.append(
                {
                    "seed": seed,
                    "fit": net(grid).squeeze(1).tolist(),
                    "w": net.layers[0].weight.squeeze(1).tolist(),
                    "b": net.layers[0].bias.tolist(),
                    "a": net.head.weight.squeeze(0).tolist(),
                    "mse": float(torch.mean((net(x) - y) ** 2)),
                }
            )
    return {"x": grid.squeeze(1).tolist(), "units": c18.UNITS, "fits": fits}


CHECKS: dict[str, Callable[[], dict[str, Any]]] = {
    "C1": linear_collapse,
    "C7": default_init,
    "C8": gains,
    "C17": relu_at_zero,
    "C18": relu_kinks,
}
