"""C18: weighted sums of shifted ReLUs build curved functions: each unit adds a kink.

An illustration, measured once by ``bench claims run`` and stored: the harness's own MLP
(1 hidden layer of 6 ReLU units, He normal) fitted by full-batch Adam with MSE to
sin(x) on [−π, π] (seed 0). The fitted function is piecewise linear: its slope changes
only at the units' kinks x = −b_i / w_i, so it has at most 6 of them.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict

UNITS, STEPS, SEED = 6, 3000, 0


def check() -> dict[str, Any]:
    """Fit and record the curve, its kinks and its error (imports torch)."""
    import torch

    from bench import models
    from bench.records import ModelSpec

    torch.manual_seed(SEED)
    x = torch.linspace(-math.pi, math.pi, 256).unsqueeze(1)
    y = torch.sin(x)
    net = models.build(ModelSpec("mlp", 1, UNITS), "relu", "he_normal", 1, 1)
    opt = torch.optim.Adam(net.parameters(), lr=0.02)
    for _ in range(STEPS):
        opt.zero_grad()
        loss = torch.mean((net(x) - y) ** 2)
        loss.backward()
        opt.step()
    grid = torch.linspace(-math.pi, math.pi, 2001).unsqueeze(1)
    with torch.no_grad():
        fit = net(grid).squeeze(1)
        layer = net.layers[0]
        w, b = layer.weight.squeeze(1), layer.bias
        kinks = (-b / w).tolist()
    return {
        "x": grid.squeeze(1).tolist(),
        "fit": fit.tolist(),
        "target": torch.sin(grid).squeeze(1).tolist(),
        "kinks": kinks,
        "mse": float(loss.item()),
        "units": UNITS,
    }


def slope_changes(x: np.ndarray, f: np.ndarray, tol: float = 1e-3) -> np.ndarray:
    """x positions where the slope of the sampled curve changes by more than ``tol``."""
    slope = np.diff(f) / np.diff(x)
    jumps = np.abs(np.diff(slope)) > tol
    return x[1:-1][jumps]


def measure(ctx: Context) -> Finding:
    """Kinks found in the fitted curve against the units' kinks; the figure."""
    f = Finding()
    c = ctx.checks.get("C18")
    if not c:
        return f
    x, fit = np.asarray(c["x"]), np.asarray(c["fit"])
    found = slope_changes(x, fit)
    inside = [k for k in c["kinks"] if x[0] < k < x[-1]]
    # neighbouring grid points straddling one kink both show the change: merge them
    merged = [g for i, g in enumerate(found) if i == 0 or g - found[i - 1] > 2 * (x[1] - x[0])]
    f.add(
        Table(
            "kinks",
            f"A {c['units']}-unit ReLU layer fitted to sin(x) on [−π, π] by MSE.",
            pd.DataFrame(
                [
                    {
                        "units": c["units"],
                        "unit_kinks_in_range": len(inside),
                        "slope_changes_found": len(merged),
                        "mse": c["mse"],
                        "max_distance_to_a_unit_kink": max(
                            (min(abs(g - k) for k in inside) for g in merged), default=math.nan
                        ),
                    }
                ]
            ),
            digits=3,
        )
    )

    def draw(path):
        import matplotlib.pyplot as plt

        from bench.plots import _save

        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(x, c["target"], color="0.6", lw=2, label="sin(x)")
        ax.plot(x, fit, color="C3", lw=1.5, label=f"{c['units']} ReLU units")
        for k in inside:
            ax.axvline(k, color="C0", lw=0.8, ls=":")
        ax.set_title("a sum of shifted ReLUs: one kink per unit (dotted)", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        return _save(fig, path)

    f.figures.append(Figure("c18_kinks.png", "ReLU units fitting sin(x), kinks dotted", draw))
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when the fitted curve's slope changes only at unit kinks (every change
    within two grid steps of one, at most one change per unit) and it fits (MSE < 0.05)."""
    k = t.get("kinks", pd.DataFrame())
    if k.empty:
        return Verdict("INCONCLUSIVE", evidence="the illustration was not run (bench claims run)")
    r = k.iloc[0]
    step = 2 * math.pi / 2000
    ok = (
        r["slope_changes_found"] <= r["units"]
        and (
            r["max_distance_to_a_unit_kink"] <= 2 * step
            or math.isnan(r["max_distance_to_a_unit_kink"])
        )
        and r["mse"] < 0.05
    )
    return Verdict(
        "SUPPORTED" if ok else "CONTRADICTED",
        effect=float(r["slope_changes_found"]),
        effect_label="slope changes of the fitted curve",
        test="illustration (one seeded fit)",
        conditions=f"1 hidden layer of {int(r['units'])} ReLU units, MSE, Adam, {STEPS} steps",
        evidence=f"{int(r['slope_changes_found'])} slope changes, all at unit kinks "
        f"({int(r['unit_kinks_in_range'])} in range), MSE {r['mse']:.4f}",
        would_change="nothing about the shape (a ReLU net is piecewise linear by "
        "construction); the fit's quality depends on the units and the steps",
    )


CLAIM = Claim(
    id="C18",
    title="ReLU units add kinks",
    statement="A weighted sum of shifted ReLUs builds a curved function: each unit of a "
    "layer adds a kink.",
    suites=(),
    treatment="none (illustration)",
    conditions="one seeded fit",
    design="The harness's MLP with one hidden layer of 6 ReLU units is fitted to sin(x) on "
    "[−π, π] by mean squared error (full batch, Adam, 3,000 steps, seed 0). The fitted "
    "curve is sampled on 2,001 points; its slope changes are located and compared with the "
    "units' kinks x = −b/w.",
    measure=measure,
    judge=judge,
    check=check,
)
