"""C16: ReLU is the fastest; pick LeakyReLU when speed matters; ELU is slow.

Read from the ``bench speed`` measurement that ``bench claims run`` stores (suite
``c16_speed``): forward and forward+backward time of an 8-layer MLP per activation at
widths 32, 64 and 128, as ratios to ReLU within the same repeat (median and min–max over 5
interleaved repeats, one process, one thread). The ratios and the noise band are
:mod:`bench.claims.measures`' (C13 reads ELU's from them too).

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.measures import NOISE, timing_ratios


def measure(ctx: Context) -> Finding:
    """Time ratios to ReLU per activation (forward, forward+backward)."""
    f = Finding()
    table = timing_ratios(ctx.timings)
    if table.empty:
        return f
    f.add(
        Table(
            "ratios",
            "Time per call / ReLU's (median over widths of the per-repeat "
            "median ratio; 8-layer MLP, batch 64, one thread).",
            table.sort_values("forward_backward"),
            digits=3,
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts: (a) no activation is faster than ReLU by more than the noise band;
    (b) LeakyReLU is within the band of ReLU; (c) ELU is slower than ReLU beyond it, and
    slower than LeakyReLU. Judged on forward+backward (training), forward for the note."""
    r = t.get("ratios", pd.DataFrame())
    if r.empty:
        return Verdict("INCONCLUSIVE", evidence="no speed measurement (bench claims run)")
    fb = r.set_index("activation")["forward_backward"]
    fastest = fb.idxmin()
    parts = [
        "SUPPORTED" if fb.min() >= 1 / NOISE else "CONTRADICTED",
        "SUPPORTED" if fb.get("leaky_relu", math.inf) <= NOISE else "CONTRADICTED",
        "SUPPORTED"
        if fb.get("elu", 0) > NOISE and fb.get("elu", 0) > fb.get("leaky_relu", 0)
        else "CONTRADICTED",
    ]
    verdict = parts[0] if len(set(parts)) == 1 else "PARTLY"
    return Verdict(
        verdict,
        effect=float(fb.get("elu", math.nan)),
        effect_label="ELU's forward+backward time / ReLU's",
        test="timed ratios, 5 interleaved repeats",
        conditions="8-layer MLP, batch 64, widths 32–128, one CPU thread",
        evidence=f"forward+backward / ReLU: fastest {fastest} ({fb.min():.2f}); LeakyReLU "
        f"{fb.get('leaky_relu', math.nan):.2f}; ELU {fb.get('elu', math.nan):.2f}; SELU "
        f"{fb.get('selu', math.nan):.2f}; sigmoid {fb.get('sigmoid', math.nan):.2f}",
        would_change="a GPU (elementwise kernels are memory-bound there and the ratios "
        "shrink toward 1) or wider layers, where the matrix products dominate",
    )


CLAIM = Claim(
    id="C16",
    title="ReLU is the fastest; ELU is slow",
    statement="ReLU is the fastest to compute (libraries and accelerators are tuned for it); "
    "pick LeakyReLU when speed matters; ELU is slow.",
    suites=(),
    treatment="activation",
    conditions="one CPU thread",
    design="A dedicated timing (bench speed), not training time: forward and forward+backward "
    "of an 8-layer MLP per activation at widths 32, 64 and 128, interleaved in one process "
    "over 5 repeats, each time divided by ReLU's time in the same repeat. Ratios within 5 % "
    "of 1 count as as fast as ReLU.",
    measure=measure,
    judge=judge,
)
