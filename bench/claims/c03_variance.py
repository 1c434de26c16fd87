"""C3 (Glorot & Bengio 2010): with sigmoid and N(0, 1)-style init, the variance grows layer
by layer and the top layer saturates; Glorot init avoids it.

``c03_variance``, sigmoid 16-layer MLPs of widths 32, 64 and 128, 12 KEEL real sets × 5
seeds, three initializers: naive N(0, 1), Glorot and Bengio's own baseline U(±1/√fan_in) (the
registry's ``torch_default``: ``kaiming_uniform_(a=√5)`` has exactly that bound; its biases
are drawn from the same range, where the paper zeroes them) and Glorot uniform.

- Growth, at initialization, per width: the ratio of the top layer's pre-activation
  *variance* to layer 2's (the sigmoid's output is bounded, so the claim's "variance" can
  only grow before it: Var(z_l) = fan_in · Var(W) · E[h²] with h in (0, 1)). Layer 1 is left
  out: its variance is set by the input width (d under N(0, 1) on standardized inputs).
- Saturation, where it can occur: the top hidden layer's saturated share at its peak over
  the probed training epochs (a U(±1/√fan_in) network starts unsaturated; Glorot and Bengio
  saw its top layer saturate during training), Glorot against each naive-style init at
  each width, one family (Holm over every width × baseline), each row with its robustness
  readings (:func:`bench.scoring.robustness.robust`; the initializer is the arm).

Public:
    CLAIM               the registry entry
    MARGIN              ±25 % (as a log ratio of variances) between layer 2 and the top: the
                        growth floor and the equivalence margin
    BASELINES           the naive-style initializers and their display names
    TOP_SAT             the top layer's peak saturated share over training (the metric)
    growth(profile, init, claimed) -> dict   the growth part of one initializer (one width)
    top_saturation(frame) -> DataFrame       per run: the top layer's saturated share at
                        initialization (``top_saturated_init``) and its peak over the probed
                        training epochs (``top_saturated``)
    measure(ctx)        the growth table, the saturation table, per-data-set profile, figure
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import paired, robustness, stats, verdicts

SUITE = "c03_variance"
GLOROT = "glorot_uniform"
BASELINES = {"naive_normal": "N(0, 1)", "torch_default": "U(±1/√fan_in)"}
NAMES = {**BASELINES, GLOROT: "Glorot"}
MARGIN = math.log(1.25)
TOP_SAT = Metric(
    "top_saturated",
    "peak saturated share of the top layer in training",
    "fraction",
    False,
    1.0,
    True,
)
WIDTH = "model.width"


def growth(profile: pd.DataFrame, init: str, claimed: str) -> dict:
    """The growth of the pre-activation variance from layer 2 to the top under ``init``.

    Args:
        profile: per-layer long frame of one width (``common.layer_series`` of ``pre_std``
            at init, squared: the variance).
        init: the initializer.
        claimed: ``"grows"`` (a naive-style init) or ``"flat"`` (Glorot).

    Returns:
        One row: the mean variance of layers 1, 2 and the top; ``log_growth`` (mean over data
        sets of log(var_top / var_2), seeds averaged first) with a t interval; Page's trend
        test over layers 2..L with data sets as blocks (``rho``, ``p_trend``); ``p_below``
        (growth < MARGIN), ``p_above`` (growth > −MARGIN), ``p_equiv`` (TOST) and the part
        verdict.
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
        "var_layer1": profile[(profile["init"] == init) & (profile["layer"] == 1)]["value"].mean(),
        "var_layer2": float(per[2].mean()) if len(per) else math.nan,
        "var_top": float(per[top].mean()) if len(per) else math.nan,
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
    inside ±MARGIN (``p_equiv`` < 0.05); CONTRADICTED when the variance grows (the "grows"
    rule's SUPPORTED) or falls (Page on the reversed order, p < 0.05, log ratio < −MARGIN)
    beyond it; else INCONCLUSIVE."""
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


def top_saturation(frame: pd.DataFrame) -> pd.DataFrame:
    """Per run (``key``): the top hidden layer's saturated share at initialization
    (``top_saturated_init``) and its peak over the probed training epochs
    (``top_saturated``: NaN for a run with no probe after initialization)."""
    rows = []
    for key, probes in zip(frame["key"], frame["probes"]):
        tops = [
            float(p["saturated"][-1]) if p.get("saturated") else math.nan
            for p in (probes if isinstance(probes, list) else [])
        ]
        trained = [v for v in tops[1:] if not math.isnan(v)]
        rows.append(
            {
                "key": key,
                "top_saturated_init": tops[0] if tops else math.nan,
                TOP_SAT.name: max(trained) if trained else math.nan,
            }
        )
    return pd.DataFrame(rows, columns=["key", "top_saturated_init", TOP_SAT.name])


def _saturation_family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
    """Glorot's peak top-layer saturation against each naive-style init at each width, one
    family (Holm over every width × baseline)."""
    present = set(rows["init"])
    pairs = [
        paired.Pair(
            f"Glorot top layer saturates less than {name}, width {w}",
            rows[rows[WIDTH] == w].assign(arm=lambda d: d["init"]),
            GLOROT,
            base,
            TOP_SAT,
            info={"width": w, "baseline": name},
        )
        for w in sorted(set(rows[WIDTH]))
        for base, name in BASELINES.items()
        if base in present
    ]
    return paired.compare_family(pairs, companions=companions)


def measure(ctx: Context) -> Finding:
    """Growth of the pre-activation variance per initializer and width; top-layer saturation
    over training, Glorot against each baseline at each width, with robustness readings."""
    f = Finding()
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    sig = frame[frame["activation"] == "sigmoid"]
    if WIDTH not in sig.columns:
        return f
    pre = common.layer_series(sig, "pre_std", 0)
    pre = pre.assign(value=pre["value"] ** 2)  # the pre-activation variance
    present = set(pre["init"]) if len(pre) else set()
    rows = []
    for w in sorted(set(pre[WIDTH])) if len(pre) else []:
        at = pre[pre[WIDTH] == w]
        claims = [(i, "grows") for i in BASELINES] + [(GLOROT, "flat")]
        rows += [{"width": w, **growth(at, i, c)} for i, c in claims if i in present]
    f.add(
        Table(
            "growth",
            "Sigmoid at initialization, 16 layers: pre-activation variance (mean over data "
            "sets) of layer 1, layer 2 and the top layer at each width; log_growth = "
            "log(var_top / var_2) with its 95 % t interval over data sets; Page's trend test "
            f"over layers 2..16 (blocks = data sets); floor and margin ±log 1.25 = ±{MARGIN:.3f}. "
            "p_below: growth below the floor; p_equiv: TOST inside ±margin.",
            pd.DataFrame(rows),
        )
    )
    runs = sig.merge(top_saturation(sig), on="key")
    table = robustness.robust(runs, None, None, _saturation_family)
    if not table.empty:
        means = runs.groupby(["init", WIDTH])[[TOP_SAT.name, "top_saturated_init"]].mean()
        inits = [{v: k for k, v in BASELINES.items()}[b] for b in table["baseline"]]

        def cell(init: str, w: Any, col: str) -> float:
            return float(means[col].get((init, w), math.nan))

        table["saturated_top_baseline"] = [
            cell(b, w, TOP_SAT.name) for b, w in zip(inits, table["width"])
        ]
        table["saturated_top_glorot"] = [cell(GLOROT, w, TOP_SAT.name) for w in table["width"]]
        table["at_init_baseline"] = [
            cell(b, w, "top_saturated_init") for b, w in zip(inits, table["width"])
        ]
        table["at_init_glorot"] = [cell(GLOROT, w, "top_saturated_init") for w in table["width"]]
    f.add(
        Table(
            "top",
            "Top-layer saturated share of (unit, sample) pairs at its peak over the probed "
            "training epochs, Glorot against each baseline at each width (effect: baseline "
            f"− Glorot; ROPE ±{100 * verdicts.ROPE:g} point; Holm over every row; the share at "
            "initialization beside it; robustness: each row re-derived under the "
            "alternatives that exist).",
            table,
            percent=(
                *common.PERCENT,
                "saturated_top_baseline",
                "saturated_top_glorot",
                "at_init_baseline",
                "at_init_glorot",
            ),
        )
    )
    ref = pre[pre[WIDTH] == _reference(pre)] if len(pre) else pre
    per = ref[ref["layer"].isin([1, 2, int(ref["layer"].max())])]
    per = per.groupby(["dataset", "init", "layer"])["value"].mean().unstack(["init", "layer"])
    per.columns = [f"{NAMES.get(i, i)} L{layer}" for i, layer in per.columns]
    f.add(
        Table(
            "per_dataset",
            f"Pre-activation variance per data set at layers 1, 2 and 16, width "
            f"{_reference(pre)} (layer 1 scales with the input width under N(0, 1)).",
            per.reset_index(),
        )
    )
    sat = common.layer_series(sig, "saturated", -1)
    both = pd.concat(
        [pre.assign(what="pre-activation variance, init"), sat.assign(what="saturated, end")]
    )
    both["init"] = both["init"].map(NAMES)
    f.figures.append(
        Figure(
            "c03_sigmoid_layers.png",
            "Sigmoid: pre-activation variance per layer at init, saturated share at the end",
            lambda p: plots.lines(
                both,
                "layer",
                "value",
                "init",
                p,
                "sigmoid, 16 layers, every width",
                "value",
                panel="what",
                logy=False,
            ),
        )
    )
    return f


def _reference(pre: pd.DataFrame) -> Any:
    """The width of the per-data-set table: 64 where it was run, else the widest."""
    widths = sorted(set(pre[WIDTH])) if len(pre) else [64]
    return 64 if 64 in widths else widths[-1]


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts: (a) the pre-activation variance grows from layer 2 to the top under each
    naive-style init (N(0, 1), U(±1/√fan_in)), at each width; (b) under Glorot it stays
    flat (TOST, ±25 %) — both by :func:`growth_verdict`; (c) the top layer's peak saturation
    over training is higher under each naive-style init than under Glorot, at each width
    (data-set-level comparison, Holm over every row; EQUIVALENT counts as CONTRADICTED).
    The claim combines the parts: all SUPPORTED → SUPPORTED, all CONTRADICTED →
    CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, a mix → PARTLY."""
    g, top = t.get("growth", pd.DataFrame()), t.get("top", pd.DataFrame())
    if g.empty or top.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE}")
    if NAMES[GLOROT] not in set(g["init"]) or len(set(g["init"])) < 2:
        return Verdict("INCONCLUSIVE", evidence="Glorot and a naive-style init are both needed")
    parts = [*g["verdict"], *(verdicts.against(v) for v in top["verdict"])]
    ref = top[top["width"] == 64] if "width" in top.columns else top
    naive = (ref if len(ref) else top).iloc[0]  # N(0, 1) at width 64 where it was run
    growth_text = "; ".join(
        f"{r['init']}, width {r['width']}: variance {r['var_layer2']:.3g} (layer 2) → "
        f"{r['var_top']:.3g} (top), ×{math.exp(r['log_growth']):.2f} ({r['verdict']})"
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
        effect_label=f"N(0, 1) − Glorot, top-layer peak saturated share in training, width "
        f"{naive.get('width')} (fraction)",
        conditions="sigmoid, 16-layer MLPs of widths 32, 64 and 128; variance at "
        "initialization, saturation over 10 epochs of SGD; 12 KEEL real sets × 5 seeds",
        evidence=f"{growth_text}; {sat_text}",
        would_change="inputs that are not standardized (they move layer 1, which the growth "
        "leaves out); a longer training or another rate (the saturation is read over the "
        "first 10 epochs at one rate); the saturation threshold (|f′| < 1 % of its maximum: "
        "a sigmoid output below 0.0025 or above 0.9975)",
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
    conditions="sigmoid, 16-layer MLPs of widths 32, 64, 128; variance at initialization, "
    "saturation over 10 epochs of SGD",
    design="Sigmoid 16-layer MLPs of widths 32, 64 and 128 on 12 KEEL real sets (input "
    "widths 5 to 287) × 5 seeds, under naive N(0, 1), Glorot and Bengio's baseline "
    "U(±1/√fan_in) and Glorot uniform, trained 10 epochs of SGD (rate 0.1) with the probes "
    "after every epoch. Growth, at initialization and per width: the ratio of the top "
    "layer's pre-activation variance to layer 2's (the sigmoid's output is bounded; layer 1 "
    "depends on the input width), with Page's trend test over layers 2..16 (data sets as "
    "blocks) and a floor of +25 %; Glorot's flatness by TOST within ±25 %. Saturation, "
    "where it can occur: the top layer's saturated share of (unit, sample) pairs (|f′| < 1 % "
    "of its maximum) at its peak over the 10 epochs, each baseline against Glorot at each "
    "width, data-set level, Holm over the six.",
    measure=measure,
    judge=judge,
)
