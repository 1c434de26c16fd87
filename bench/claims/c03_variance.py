"""C3 (Glorot & Bengio 2010): with sigmoid and N(0, 1)-style init, the variance grows layer
by layer and the top layer saturates; Glorot init avoids it.

``c03_variance``, sigmoid 16×64 MLPs at initialization, 12 KEEL real sets × 5 seeds, three
initializers: naive N(0, 1), Glorot and Bengio's own baseline U(±1/√fan_in) (the registry's
``torch_default``: ``kaiming_uniform_(a=√5)`` has exactly that bound; its biases are drawn
from the same range, where the paper zeroes them) and Glorot uniform. Layer 1 is left out
of the growth: its std is set by the input width (√d under N(0, 1) on standardized inputs),
not by depth. Growth is the ratio of the top layer's pre-activation std to layer 2's.

Public:
    CLAIM               the registry entry
    MARGIN              ±25 % (as a log ratio) between layer 2 and the top: the growth floor
                        and the equivalence margin
    BASELINES           the naive-style initializers and their display names
    growth(frame, init) -> dict   the growth part of one initializer
    measure(ctx)        the growth table, the saturation table, per-data-set profile, figure
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import paired, stats, verdicts

SUITE = "c03_variance"
GLOROT = "glorot_uniform"
BASELINES = {"naive_normal": "N(0, 1)", "torch_default": "U(±1/√fan_in)"}
NAMES = {**BASELINES, GLOROT: "Glorot"}
MARGIN = math.log(1.25)
TOP_SAT = Metric("top_saturated", "saturated share of the top layer", "fraction", False, 1.0, True)


def growth(profile: pd.DataFrame, init: str, claimed: str) -> dict:
    """The growth of the pre-activation std from layer 2 to the top under ``init``.

    Args:
        profile: per-layer long frame (``common.layer_series`` of ``pre_std`` at init).
        init: the initializer.
        claimed: ``"grows"`` (a naive-style init) or ``"flat"`` (Glorot).

    Returns:
        One row: the mean std of layers 1, 2 and the top; ``log_growth`` (mean over data sets
        of log(std_top / std_2), seeds averaged first) with a t interval; Page's trend test
        over layers 2..L with data sets as blocks (``rho``, ``p_trend``); ``p_below`` (growth
        < MARGIN), ``p_above`` (growth > −MARGIN), ``p_equiv`` (TOST) and the part verdict.
    """
    sub = profile[(profile["init"] == init) & (profile["layer"] >= 2)]
    top = int(sub["layer"].max()) if len(sub) else 0
    per = sub.groupby(["dataset", "layer"])["value"].mean().unstack()
    g = np.log(per[top] / per[2]).to_numpy() if len(per) else np.array([])
    low, high = stats.t_interval(g)
    tr = stats.trend(sub, "layer", "value", blocks=("dataset",)) if len(per) >= 2 else None
    down = (
        stats.trend(sub.assign(value=-sub["value"]), "layer", "value", blocks=("dataset",))
        if tr is not None
        else None
    )
    row = {
        "init": NAMES.get(init, init),
        "claimed": claimed,
        "n_datasets": len(g),
        "std_layer1": profile[(profile["init"] == init) & (profile["layer"] == 1)]["value"].mean(),
        "std_layer2": float(per[2].mean()) if len(per) else math.nan,
        "std_top": float(per[top].mean()) if len(per) else math.nan,
        "log_growth": float(g.mean()) if len(g) else math.nan,
        "ci_low": low,
        "ci_high": high,
        "rho": tr.rho if tr else math.nan,
        "p_trend": tr.p if tr else math.nan,
        "p_decrease": down.p if down else math.nan,
        **_one_sided(g, MARGIN),
    }
    row["verdict"] = growth_verdict(row)
    return row


def growth_verdict(row: dict) -> str:
    """A growth part. ``claimed == "grows"``: SUPPORTED when Page's test finds an increasing
    trend over layers 2..L (p < 0.05, ρ > 0) and the growth exceeds the floor (log ratio >
    MARGIN); CONTRADICTED when the growth is shown to stay below the floor (``p_below`` <
    0.05); else INCONCLUSIVE. ``claimed == "flat"``: SUPPORTED when TOST shows the growth
    inside ±MARGIN (``p_equiv`` < 0.05); CONTRADICTED when the std grows (the "grows" rule's
    SUPPORTED) or falls (Page on the reversed order, p < 0.05, log ratio < −MARGIN) beyond
    it; else INCONCLUSIVE."""
    lg, alpha = row.get("log_growth", math.nan), verdicts.ALPHA
    up = row.get("p_trend", math.nan) < alpha and row.get("rho", math.nan) > 0 and lg > MARGIN
    if row.get("claimed") == "grows":
        if up:
            return "SUPPORTED"
        return "CONTRADICTED" if row.get("p_below", math.nan) < alpha else "INCONCLUSIVE"
    if row.get("p_equiv", math.nan) < alpha:
        return "SUPPORTED"
    down = row.get("p_decrease", math.nan) < alpha and lg < -MARGIN
    return "CONTRADICTED" if (up or down) else "INCONCLUSIVE"


def measure(ctx: Context) -> Finding:
    """Growth of the pre-activation std per initializer; top-layer saturation contrasts."""
    f = Finding()
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    sig = frame[frame["activation"] == "sigmoid"]
    pre = common.layer_series(sig, "pre_std", 0)
    sat = common.layer_series(sig, "saturated", 0)
    present = set(pre["init"]) if len(pre) else set()
    rows = [growth(pre, i, "grows") for i in BASELINES if i in present]
    rows += [growth(pre, GLOROT, "flat")] if GLOROT in present else []
    f.add(
        Table(
            "growth",
            "Sigmoid at initialization, 16×64: pre-activation std (mean over data sets) of "
            "layer 1, layer 2 and the top layer; log_growth = log(std_top / std_2) with its "
            "95 % t interval over data sets; Page's trend test over layers 2..16 (blocks = "
            f"data sets); floor and margin ±log 1.25 = ±{MARGIN:.3f}. p_below: growth below "
            "the floor; p_equiv: TOST inside ±margin.",
            pd.DataFrame(rows),
        )
    )
    top = sat[sat["layer"] == sat.groupby("key")["layer"].transform("max")]
    top = top.rename(columns={"value": TOP_SAT.name}).assign(arm=lambda d: d["init"])
    pairs = [
        paired.Pair(f"Glorot top layer saturates less than {name}", top, GLOROT, base, TOP_SAT)
        for base, name in BASELINES.items()
        if base in present
    ]
    means = sat.groupby(["init", "layer"])["value"].mean()
    table = paired.compare_family(pairs)
    table["saturated_top_baseline"] = [
        means.get((b, int(sat["layer"].max())), math.nan) for b in BASELINES if b in present
    ]
    table["saturated_top_glorot"] = means.get((GLOROT, int(sat["layer"].max())), math.nan)
    f.add(
        Table(
            "top",
            "Top-layer saturated share of (unit, sample) pairs at initialization, Glorot "
            "against each baseline (effect: baseline − Glorot; "
            f"ROPE ±{100 * verdicts.ROPE:g} point; Holm over two).",
            table,
            percent=(
                "effect",
                "ci_low",
                "ci_high",
                "saturated_top_baseline",
                "saturated_top_glorot",
            ),
        )
    )
    per = pre[pre["layer"].isin([1, 2, int(pre["layer"].max())])]
    per = per.groupby(["dataset", "init", "layer"])["value"].mean().unstack(["init", "layer"])
    per.columns = [f"{NAMES.get(i, i)} L{layer}" for i, layer in per.columns]
    f.add(
        Table(
            "per_dataset",
            "Pre-activation std per data set at layers 1, 2 and 16 (layer 1 scales with the "
            "input width under N(0, 1)).",
            per.reset_index(),
        )
    )
    both = pd.concat([pre.assign(what="pre-activation std"), sat.assign(what="saturated")])
    both["init"] = both["init"].map(NAMES)
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
                logy=False,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts: (a) the std grows from layer 2 to the top under each naive-style init (N(0, 1),
    U(±1/√fan_in)); (b) under Glorot it stays flat (TOST, ±25 %) — both by
    :func:`growth_verdict`; (c) the top layer saturates more under each naive-style init than
    under Glorot (data-set-level comparison, Holm over the two; EQUIVALENT counts as
    CONTRADICTED). The claim combines the parts: all SUPPORTED → SUPPORTED, all
    CONTRADICTED → CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, a mix → PARTLY."""
    g, top = t.get("growth", pd.DataFrame()), t.get("top", pd.DataFrame())
    if g.empty or top.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE}")
    if NAMES[GLOROT] not in set(g["init"]) or len(g) < 2:
        return Verdict("INCONCLUSIVE", evidence="Glorot and a naive-style init are both needed")
    parts = [*g["verdict"], *(verdicts.against(v) for v in top["verdict"])]
    naive = top.iloc[0]
    growth_text = "; ".join(
        f"{r['init']}: std {r['std_layer2']:.2f} (layer 2) → {r['std_top']:.2f} (top), "
        f"×{math.exp(r['log_growth']):.2f} ({r['verdict']})"
        for _, r in g.iterrows()
    )
    sat_text = "; ".join(
        f"{r['comparison']}: {100 * r['saturated_top_glorot']:.0f} % vs "
        f"{100 * r['saturated_top_baseline']:.0f} % ({verdicts.against(r['verdict'])})"
        for _, r in top.iterrows()
    )
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(naive, p=float(naive.get("p_holm", naive["p"]))),
        effect_label="N(0, 1) − Glorot, top-layer saturated share at init (fraction)",
        conditions="sigmoid, 16×64 MLPs, at initialization, 12 KEEL real sets × 5 seeds",
        evidence=f"{growth_text}; {sat_text}",
        would_change="layers wider than the input by far more, or inputs that are not "
        "standardized (both move layer 1, which the growth leaves out); the saturation "
        "Glorot and Bengio saw under U(±1/√fan_in) appears during training, not at init",
    )


def _one_sided(g: np.ndarray, margin: float) -> dict:
    """The growth's two one-sided signed-rank tests (:func:`bench.scoring.stats.tost_halves`):
    ``p_below`` (growth < +margin), ``p_above`` (growth > −margin) and TOST's ``p_equiv``."""
    above, below = stats.tost_halves(g, margin)
    return {"p_below": below, "p_above": above, "p_equiv": stats.tost(g, margin)}


CLAIM = Claim(
    id="C3",
    title="Naive init: variance grows, the top layer saturates",
    statement="(Glorot & Bengio 2010) With the sigmoid and N(0, 1)-style initialization, the "
    "output variance grows layer after layer and the top layer saturates at 0 or 1; Glorot "
    "initialization prevents it.",
    suites=(SUITE,),
    treatment="initializer",
    conditions="sigmoid, 16×64 MLPs, at initialization",
    design="Sigmoid 16×64 MLPs at initialization on 12 KEEL real sets (input widths 5 to "
    "287) × 5 seeds, under naive N(0, 1), Glorot and Bengio's baseline U(±1/√fan_in) and "
    "Glorot uniform. Growth: the ratio of the top layer's pre-activation std to layer 2's "
    "(layer 1 depends on the input width), with Page's trend test over layers 2..16 (data "
    "sets as blocks) and a floor of +25 %; Glorot's flatness by TOST within ±25 %. "
    "Saturation: the top layer's saturated share of (unit, sample) pairs (|f′| < 1 % of its "
    "maximum), each baseline against Glorot at the data-set level.",
    measure=measure,
    judge=judge,
)
