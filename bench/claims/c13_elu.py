"""C13: ELU: mean output closer to 0, no dead units, smooth at 0 (α = 1), beats every ReLU
variant and trains faster, but is slower to compute.

Each part judged separately, from ``c15_ranking`` (8×64 MLPs, 12 data sets × 5 seeds) and
the C16 timings: |mean activation| per layer after training (ELU against ReLU), dead units,
test accuracy against ReLU, LeakyReLU, RReLU and PReLU, the area under the validation curve
against ReLU, and ELU's time ratio to ReLU.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.c16_speed import NOISE, ratios
from bench.schema import Metric
from bench.scoring import paired, verdicts

ABS_MEAN = Metric("abs_mean", "|mean activation|, layers averaged", "value", False, math.nan, True)
VARIANTS = ("relu", "leaky_relu", "rrelu", "prelu")
_PCT = ("effect", "ci_low", "ci_high")


def _abs_mean(frame: pd.DataFrame) -> pd.DataFrame:
    s = common.layer_series(frame, "mean", -1)
    s["value"] = s["value"].abs()
    per = s.groupby("key")["value"].mean()
    out = frame.set_index("key").loc[per.index].reset_index()
    out[ABS_MEAN.name] = per.to_numpy()
    return out


def measure(ctx: Context) -> Finding:
    """The five parts' tables."""
    f = Finding()
    main = common.prepare(ctx.frame("c15_ranking"), {"activation": "relu"})
    if main.empty:
        return f
    work = main.assign(arm=main["activation"])
    absm = _abs_mean(work)
    g = absm.groupby("activation")
    f.add(
        Table(
            "health",
            "Mean |mean activation| over layers and dead share after training.",
            pd.DataFrame(
                {
                    "abs_mean": g[ABS_MEAN.name].mean(),
                    "dead_final": g["dead_final"].mean(),
                    "dead_max": g["dead_final"].max(),
                }
            ).reset_index(),
            percent=("dead_final", "dead_max"),
        )
    )
    rows = [
        verdicts.row(
            "|mean| closer to 0 than relu",
            paired.compare_arms(absm, "elu", "relu", ABS_MEAN, rope=0.01),
        )
    ]
    rows += [
        verdicts.row(f"elu > {v}, test accuracy", paired.compare_arms(work, "elu", v))
        for v in VARIANTS
    ]
    rows.append(
        verdicts.row(
            "elu > relu, area under val curve",
            paired.compare_arms(work, "elu", "relu", "auc_val_acc"),
        )
    )
    f.add(
        Table(
            "compare",
            "ELU against the ReLU family (accuracy effects in points; the "
            "|mean| row in activation units).",
            pd.DataFrame(rows),
            percent=(),
        )
    )
    sp = ratios(ctx.timings)
    if not sp.empty:
        f.add(
            Table(
                "speed",
                "ELU's time / ReLU's (C16 measurement).",
                sp[sp["activation"].isin(["elu", "relu", "leaky_relu"])],
                digits=3,
            )
        )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts: mean closer to 0; no dead units (max 0); beats every variant (all four
    SUPPORTED); faster convergence (AULC); slower to compute (ratio > 1.05)."""
    c, h = t.get("compare", pd.DataFrame()), t.get("health", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c15_ranking")
    v = dict(zip(c["comparison"], c["verdict"]))
    hh = h.set_index("activation")
    dead = float(hh.loc["elu", "dead_max"]) if "elu" in hh.index else math.nan
    acc = [v[f"elu > {x}, test accuracy"] for x in VARIANTS]
    sp = t.get("speed", pd.DataFrame())
    elu_ratio = (
        float(sp.set_index("activation").loc["elu", "forward"])
        if not sp.empty and "elu" in set(sp["activation"])
        else math.nan
    )
    parts = {
        "mean closer to 0": v["|mean| closer to 0 than relu"],
        "no dead units": "SUPPORTED" if dead == 0 else "CONTRADICTED",
        "beats every ReLU variant": "SUPPORTED"
        if all(a == "SUPPORTED" for a in acc)
        else "CONTRADICTED"
        if any(verdicts.against(a) == "CONTRADICTED" for a in acc)
        else "INCONCLUSIVE",
        "trains faster": v["elu > relu, area under val curve"],
        "slower to compute": "INCONCLUSIVE"
        if np.isnan(elu_ratio)
        else "SUPPORTED"
        if elu_ratio > NOISE
        else "CONTRADICTED",
    }
    parts = {k: verdicts.against(p) for k, p in parts.items()}
    r = c[c["comparison"] == "elu > relu, test accuracy"].iloc[0]
    return Verdict(
        verdicts.combine(list(parts.values())),
        **common.from_row(r),
        effect_label="ELU − ReLU test accuracy (fraction)",
        conditions="8×64 MLPs, He normal, Adam, lr chosen on validation",
        evidence="; ".join(f"{k}: {p}" for k, p in parts.items())
        + f" (ELU forward {elu_ratio:.2f}× ReLU; accuracy vs ReLU {common.fmt_effect(r)})",
        would_change="deeper nets, where ELU's non-zero negative side matters more, or a "
        "GPU, where elementwise costs hide behind memory traffic",
    )


CLAIM = Claim(
    id="C13",
    title="ELU: centred, alive, accurate, fast to train, slow to compute",
    statement="ELU's mean output is closer to 0, it has no dead units, it is smooth at 0 when "
    "α = 1, it beats every ReLU variant and trains faster; but it is slower to compute, "
    "notably at inference.",
    suites=("c15_ranking",),
    treatment="activation",
    conditions="He normal, 8×64 MLPs",
    design="Read from C15's grid (12 data sets × 5 seeds) and C16's timing: the |mean| of "
    "each layer's output after training (ELU against ReLU), dead units, test accuracy against "
    "each of ReLU, LeakyReLU, RReLU and PReLU, the area under the validation curve against "
    "ReLU, and ELU's forward time relative to ReLU's. Smoothness at 0 for α = 1 is a fact of "
    "the formula (f′(0⁻) = α = f′(0⁺) = 1) and is not measured.",
    measure=measure,
    judge=judge,
)
