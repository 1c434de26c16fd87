"""C3 (Glorot & Bengio 2010): with sigmoid and N(0, 1)-style init, the variance grows layer
by layer and the top layer saturates; Glorot init avoids it.

Read from ``c02_saturation``, sigmoid at initialization: the per-layer pre-activation std
(Page's trend test over layers, blocks = data set × seed) and the saturated share of the top
hidden layer, naive N(0, 1) against Glorot uniform.
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import paired, stats, verdicts

TOP_SAT = Metric("top_saturated", "saturated share of the top layer", "fraction", False, 1.0, True)


def _top(frame: pd.DataFrame, metric: str) -> pd.DataFrame:
    s = common.layer_series(frame, metric, 0)
    if s.empty:
        return s
    return s[s["layer"] == s.groupby("key")["layer"].transform("max")]


def measure(ctx: Context) -> Finding:
    """Per-layer pre-activation std and saturation at init, trend and top-layer contrast."""
    f = Finding()
    frame = ctx.frame("c02_saturation")
    if frame.empty:
        return f
    sig = frame[frame["activation"] == "sigmoid"]
    pre = common.layer_series(sig, "pre_std", 0)
    sat = common.layer_series(sig, "saturated", 0)
    rows = []
    for init, sub in pre.groupby("init"):
        sub = sub.assign(block=sub["dataset"] + "/" + sub["seed"].astype(str))
        tr = stats.trend(sub, "layer", "value", blocks=("block",))
        s = sat[sat["init"] == init]
        layers = sub.groupby("layer")["value"].mean()
        rows.append(
            {
                "init": init,
                "pre_std_layer1": layers.iloc[0],
                "pre_std_top": layers.iloc[-1],
                "rho": tr.rho,
                "p_trend": tr.p,
                "trend": tr.verdict,
                "saturated_layer1": s[s["layer"] == 1]["value"].mean(),
                "saturated_top": s[s["layer"] == s["layer"].max()]["value"].mean(),
            }
        )
    f.add(
        Table(
            "profile",
            "Sigmoid at initialization, 16×64: pre-activation std of the first "
            "and top hidden layer, its trend over the 16 layers (Page's test, mean "
            "Spearman ρ), and the saturated share of (unit, sample) pairs.",
            pd.DataFrame(rows),
            percent=("saturated_layer1", "saturated_top"),
        )
    )
    top = _top(sig, "saturated").rename(columns={"value": TOP_SAT.name})
    comp = paired.compare_arms(
        top.assign(arm=top["init"]), "glorot_uniform", "naive_normal", TOP_SAT
    )
    f.add(
        Table(
            "top",
            "Top-layer saturation, Glorot against naive N(0, 1) (positive: Glorot saturates less).",
            pd.DataFrame([verdicts.row("glorot < naive", comp)]),
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    both = pd.concat([pre.assign(what="pre-activation std"), sat.assign(what="saturated")])
    f.figures.append(
        Figure(
            "c03_sigmoid_layers.png",
            "Sigmoid at init: pre-activation std and saturation per layer",
            lambda p: plots.lines(
                both,
                "layer",
                "value",
                "init",
                p,
                "sigmoid at initialization",
                "value",
                panel="what",
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts: (a) under naive init the pre-activation std increases with depth (Page
    p < 0.05); (b) under Glorot it does not; (c) the top layer saturates more under naive
    init (data-set-level comparison; EQUIVALENT counts as CONTRADICTED). All three →
    SUPPORTED, all three CONTRADICTED → CONTRADICTED, a mix → PARTLY."""
    prof, top = t.get("profile", pd.DataFrame()), t.get("top", pd.DataFrame())
    if prof.empty or top.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c02_saturation")
    p = prof.set_index("init")
    if not {"naive_normal", "glorot_uniform"} <= set(p.index):
        return Verdict("INCONCLUSIVE", evidence="both initializers are needed")
    naive_up = p.loc["naive_normal", "trend"] == "INCREASING" if "naive_normal" in p.index else None
    glorot_up = (
        p.loc["glorot_uniform", "trend"] == "INCREASING" if "glorot_uniform" in p.index else None
    )
    parts = [
        "SUPPORTED" if naive_up else "CONTRADICTED",
        "SUPPORTED" if glorot_up is False else "CONTRADICTED",
        verdicts.against(top["verdict"].iloc[0]),
    ]
    verdict = verdicts.combine(parts)
    r = top.iloc[0]
    sat = p["saturated_top"]
    return Verdict(
        verdict,
        **common.from_row(r),
        effect_label="naive − Glorot top-layer saturated share (fraction)",
        conditions="sigmoid, 16×64 MLPs, at initialization",
        evidence=f"pre-activation std grows with depth under naive init: "
        f"{'yes' if naive_up else 'no'} (layer 1 {p.loc['naive_normal', 'pre_std_layer1']:.2f} → "
        f"top {p.loc['naive_normal', 'pre_std_top']:.2f}); under Glorot: "
        f"{'yes' if glorot_up else 'no'}; top layer saturated "
        f"{100 * sat.get('naive_normal', math.nan):.0f} % (naive) vs "
        f"{100 * sat.get('glorot_uniform', math.nan):.0f} % (Glorot)",
        would_change="a wider layer (N(0, 1) pre-activations scale with √fan_in) or inputs "
        "that are not standardized",
    )


CLAIM = Claim(
    id="C3",
    title="Naive init: variance grows, the top layer saturates",
    statement="(Glorot & Bengio 2010) With the sigmoid and N(0, 1)-style initialization, the "
    "output variance grows layer after layer and the top layer saturates at 0 or 1; Glorot "
    "initialization prevents it.",
    suites=("c02_saturation",),
    treatment="initializer",
    conditions="sigmoid, 16×64 MLPs, at initialization",
    design="The C2 experiment, read for sigmoid at initialization: each hidden layer's "
    "pre-activation std and saturated share of (unit, sample) pairs (|f′| < 1 % of its "
    "maximum), under naive N(0, 1) weights and under Glorot uniform. A monotone increase "
    "over layers is tested with Page's trend test (blocks = data set × seed); top-layer "
    "saturation is compared between the initializers at the data-set level.",
    measure=measure,
    judge=judge,
)
