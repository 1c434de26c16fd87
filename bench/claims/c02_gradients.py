"""C2: sigmoid saturates at both ends, so error gradients barely propagate back.

Read from ``c02_saturation`` under Glorot init: the weight-gradient norm of the first hidden
layer over that of the last, at initialization (log10), for sigmoid against tanh and ReLU.
The claim holds if sigmoid's ratio is clearly smaller than both (ROPE ±0.1 decade).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import metrics, paired, verdicts

RATIO = Metric(
    "log_grad_ratio", "log10 first/last-layer gradient norm", "value", True, math.nan, True
)
ROPE = 0.1  # a tenth of a decade


def _ratios(frame: pd.DataFrame) -> pd.DataFrame:
    ratio = metrics.gradient_ratio(frame)
    if ratio.empty:
        return pd.DataFrame()
    out = frame.set_index("key").loc[ratio.index].reset_index()
    out[RATIO.name] = np.log10(ratio.to_numpy())
    return out


def measure(ctx: Context) -> Finding:
    """Gradient-norm ratio per activation (Glorot), comparisons, per-layer figure."""
    f = Finding()
    frame = ctx.frame("c02_saturation")
    if frame.empty:
        return f
    glorot = frame[frame["init"] == "glorot_uniform"]
    ratios = _ratios(glorot)
    summary = ratios.groupby("activation")[RATIO.name].agg(["mean", "std", "count"]).reset_index()
    f.add(
        Table(
            "ratios",
            "log10(‖∇W₁‖ / ‖∇W₁₆‖) at initialization, Glorot uniform, 16×64 "
            "(0: gradients reach the first layer undiminished; −1: ten times smaller).",
            summary,
        )
    )
    work = ratios.assign(arm=ratios["activation"])
    rows = [
        verdicts.row(
            f"{a} ratio > sigmoid ratio", paired.compare_arms(work, a, "sigmoid", RATIO, rope=ROPE)
        )
        for a in ("tanh", "relu")
    ]
    f.add(
        Table(
            "compare",
            "tanh and ReLU against sigmoid, data-set level (effect in decades).",
            pd.DataFrame(rows),
        )
    )
    long = common.layer_series(frame, "grad_norm", 0)
    f.figures.append(
        Figure(
            "c02_grad_norm.png",
            "Weight-gradient norm per layer at initialization",
            lambda p: plots.lines(
                long,
                "layer",
                "value",
                "activation",
                p,
                "gradient norm per layer at init",
                "‖∇W‖",
                panel="init",
                logy=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Two parts (tanh vs sigmoid, ReLU vs sigmoid); an EQUIVALENT part counts as
    CONTRADICTED (the claimed gap is absent). Then ``common.combine``: all SUPPORTED →
    SUPPORTED, all CONTRADICTED → CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, a mix →
    PARTLY."""
    comp = t.get("compare", pd.DataFrame())
    if comp.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c02_saturation")
    parts_v = [verdicts.against(v) for v in comp["verdict"]]
    verdict = verdicts.combine(parts_v)
    ratios = t["ratios"].set_index("activation")["mean"]
    r = comp.iloc[0]
    return Verdict(
        verdict,
        **common.from_row(r),
        effect_label="tanh − sigmoid, log10 gradient ratio (decades)",
        conditions="16×64 MLPs, Glorot uniform, at initialization",
        evidence="log10 first/last gradient ratio: "
        + ", ".join(f"{a} {ratios.get(a, math.nan):+.2f}" for a in ("sigmoid", "tanh", "relu"))
        + "; "
        + "; ".join(f"{x.comparison}: {x.verdict}" for x in comp.itertuples()),
        would_change="a shallower net (the shrinkage compounds per layer) or an init that "
        "keeps sigmoid units in their linear range",
    )


CLAIM = Claim(
    id="C2",
    title="Sigmoid gradients barely propagate back",
    statement="The sigmoid saturates at 0 and 1, where its derivative is near 0, so the "
    "error gradient barely propagates back through the layers.",
    suites=("c02_saturation",),
    treatment="activation",
    conditions="16×64 MLPs, Glorot uniform",
    design="16-layer MLPs with sigmoid, tanh and ReLU (Glorot uniform, and naive N(0, 1) for "
    "C3) on six data sets × 5 seeds. The probes measure every layer's weight-gradient norm "
    "of the mean training loss at initialization; the claim is read on the log ratio of the "
    "first hidden layer's norm to the last one's, compared between activations at the "
    "data-set level.",
    measure=measure,
    judge=judge,
)
