"""C16: ReLU is the fastest; pick LeakyReLU when speed matters; ELU is slow.

Read from the ``bench speed`` measurement that ``bench claims run`` stores (suite
``c16_speed``): forward and forward+backward time of an 8-layer MLP per activation at
widths 32, 64 and 128, as ratios to ReLU within the same repeat (5 interleaved repeats,
one process, one thread): each ratio with a 95 % t interval over the repeats, and "ELU is
slow" judged against the other activations' spread. The ratios and the rules are
:mod:`bench.claims.measures`' (C13 reads ELU's from them too).

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.measures import among_fast, slower, timing_ratios

PASS = "forward_backward"  # judged on training's pass; the forward pass is shown beside


def measure(ctx: Context) -> Finding:
    """Time ratios to ReLU per activation and pass, each with its 95 % interval over the
    repeats."""
    f = Finding()
    table = timing_ratios(ctx.timings)
    if table.empty:
        return f
    f.add(
        Table(
            "ratios",
            "Time per call / ReLU's: geometric mean over widths and repeats, 95 % t interval "
            "over the 5 repeats (log scale; 8-layer MLP, batch 64, one thread).",
            table.sort_values(["pass", "ratio"], kind="stable"),
            digits=3,
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts, on forward+backward (training): (a) ReLU is the fastest: CONTRADICTED
    when some activation's interval lies wholly below 1 (faster than ReLU), else SUPPORTED;
    (b) pick LeakyReLU when speed matters: its interval below the other activations'
    median ratio (:func:`bench.claims.measures.among_fast`); (c) ELU is slow: its interval
    above the other activations' upper quartile (:func:`bench.claims.measures.slower`).
    The yardsticks of (b) and (c) are the other activations' spread, not a fixed band."""
    r = t.get("ratios", pd.DataFrame())
    if r.empty:
        return Verdict("INCONCLUSIVE", evidence="no speed measurement (bench claims run)")
    fb = r[r["pass"] == PASS].set_index("activation")
    faster = fb.index[fb["high"] < 1].tolist()
    leaky, median = among_fast(r, "leaky_relu", PASS)
    elu, quartile = slower(r, "elu", PASS)
    elu_fwd, quartile_fwd = slower(r, "elu", "forward")
    parts = ["CONTRADICTED" if faster else "SUPPORTED", leaky, elu]
    verdict = parts[0] if len(set(parts)) == 1 else "PARTLY"

    def _ci(act: str, table: pd.DataFrame = fb) -> str:
        if act not in table.index:
            return "not timed"
        x = table.loc[act]
        return f"{x['ratio']:.2f} [{x['low']:.2f}, {x['high']:.2f}]"

    fwd = r[r["pass"] == "forward"].set_index("activation")
    return Verdict(
        verdict,
        effect=float(fb["ratio"].get("elu", math.nan)),
        ci=(float(fb["low"].get("elu", math.nan)), float(fb["high"].get("elu", math.nan))),
        effect_label="ELU's forward+backward time / ReLU's",
        test="timed ratios, 95 % t interval over 5 interleaved repeats (log scale)",
        conditions="8-layer MLP, batch 64, widths 32–128, one CPU thread",
        evidence=f"forward+backward / ReLU [95 % interval]: ReLU fastest: {parts[0]}"
        + (f" ({', '.join(faster)} faster)" if faster else "")
        + f"; LeakyReLU {_ci('leaky_relu')} against the others' median {median:.2f}: {leaky}"
        + f"; ELU {_ci('elu')} against the others' upper quartile {quartile:.2f}: {elu}"
        + f" (forward: ELU {_ci('elu', fwd)} against {quartile_fwd:.2f}: {elu_fwd})"
        + f"; SELU {_ci('selu')}; sigmoid {_ci('sigmoid')}",
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
    "over 5 repeats, each time divided by ReLU's time in the same repeat. Each ratio is the "
    "geometric mean over widths and repeats with a 95 % t interval over the repeats (log "
    "scale). Judged on forward+backward: ReLU is the fastest unless some interval lies "
    "below 1; LeakyReLU is a pick for speed when its interval lies below the other "
    "activations' median ratio; ELU is slow when its interval lies above their upper "
    "quartile (the others' spread, not a fixed band).",
    measure=measure,
    judge=judge,
)
