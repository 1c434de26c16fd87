"""C13: ELU: mean output closer to 0, no dead units, smooth at 0 (α = 1), beats every ReLU
variant and trains faster, but is slower to compute.

Each part judged separately, from C15's main suite ``c15_ranking`` (8×64 MLPs, matched
init, every offline data set, lr chosen on validation) and the C16 timings:

- centred: |mean| / std of each layer's output after training, averaged over layers (a
  scale-free distance from 0), ELU against ReLU, ROPE 0.05;
- no dead units: ELU's largest dead share;
- beats every ReLU variant: test accuracy against ReLU, LeakyReLU, RReLU and PReLU, Holm
  over the four;
- trains faster: epochs to a common target on validation accuracy
  (:func:`bench.scoring.target.common_target`: 90 % of the lower of the two arms' median
  best on that data set, a level both reach; data sets where both reach it in epoch 1 left
  out), ELU against ReLU, ROPE ±0.5 epoch;
- slower to compute: ELU's forward time over ReLU's with its 95 % interval over the
  repeats, against the other activations' upper quartile (C16's measurement and rule,
  :func:`bench.claims.measures.slower`);
- smooth at 0 when α = 1: a DEFINITION, not a finding. f′(0⁻) = α and f′(0⁺) = 1 by the
  formula, so α = 1 makes the derivative continuous whatever the data; it gets no verdict
  and is left out of the parts that combine.

Each comparison goes through :func:`bench.scoring.paired.compare_family` (centring and
speed each a family of one, the four accuracy pairs one family).

Each row carries its robustness readings (:func:`bench.scoring.robustness.robust`: the
torch_default runs of the suite are the other initializer).

Public: CLAIM, measure(ctx), judge(tables), centring(frame), compare_rows(rows, companions).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.measures import slower, timing_ratios
from bench.schema import Metric
from bench.scoring import paired, robustness, target, verdicts
from bench.scoring.base import ROPE_EPOCHS

CENTRING = Metric("centring", "|mean| / std of layer outputs", "value", False, math.nan)
VARIANTS = ("relu", "leaky_relu", "rrelu", "prelu")
ROPE_CENTRING = 0.05  # a twentieth of a standard deviation
DEFINITION = "DEFINITION"  # a part true by the formula: shown, never judged nor counted
SMOOTH = "smooth at 0 (α = 1)"


def centring(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with ``centring``: per run, the mean over hidden layers of |mean| / std of
    the layer's output after the last epoch (layers with std 0 skipped; NaN without
    probes)."""
    values = []
    for probes in frame.get("probes", pd.Series([None] * len(frame), dtype=object)):
        last = probes[-1] if isinstance(probes, list) and probes else {}
        m = np.asarray(last.get("mean") or [], dtype=float)
        s = np.asarray(last.get("std") or [], dtype=float)
        keep = s > 0
        values.append(float(np.mean(np.abs(m[keep]) / s[keep])) if keep.any() else math.nan)
    return frame.assign(**{CENTRING.name: values})


def measure(ctx: Context) -> Finding:
    """The five parts' tables."""
    f = Finding()
    frame = ctx.frame("c15_ranking")
    if frame.empty:
        return f
    every_init = frame
    if "init" in frame.columns:
        frame = frame[frame["init"] == "matched"]
    main = common.prepare(frame, {"activation": "relu"})
    work = centring(main.assign(arm=main["activation"]))
    g = work.groupby("activation")
    f.add(
        Table(
            "health",
            "Per activation, after training: |mean| / std of the layer outputs (mean over "
            "layers and runs) and the dead share.",
            pd.DataFrame(
                {
                    "centring": g[CENTRING.name].mean(),
                    "dead_final": g["dead_final"].mean(),
                    "dead_max": g["dead_final"].max(),
                }
            ).reset_index(),
            percent=("dead_final", "dead_max"),
        )
    )
    # each row with its robustness readings: the torch_default runs are the other initializer
    init = "matched" if "init" in every_init.columns else None
    rows = robustness.robust(every_init, None, init, compare_rows)
    f.add(
        Table(
            "compare",
            "ELU against the ReLU family, data-set level: centring in standard deviations, "
            "accuracy in fractions (Holm over the four variants), speed in epochs (ROPE ±0.5 "
            "epoch; data sets where both reach the target in epoch 1 left out); robustness: "
            "each row re-derived under the alternatives that exist.",
            rows,
        )
    )
    sp = timing_ratios(ctx.timings)
    if not sp.empty:
        f.add(
            Table(
                "speed",
                "Each activation's time / ReLU's with its 95 % interval over the repeats "
                "(C16's measurement): ELU is judged against the spread of every other timed "
                "activation, so every one is shown.",
                sp,
                digits=3,
            )
        )
    return f


def compare_rows(rows: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    """ELU's comparisons on ``rows`` (one rate per configuration): centring against ReLU, a
    family of one; test accuracy against each ReLU variant, one family of four; epochs to
    the common target against ReLU, a family of one. One row each, in that order."""
    work = centring(rows.assign(arm=rows["activation"]))
    acc = [paired.Pair(f"elu > {v}, test accuracy", work, "elu", v) for v in VARIANTS]
    timed = target.common_target(work, "elu", "relu", curve="val_acc")
    used = timed[timed["informative"]] if len(timed) else timed
    centred = paired.Pair(
        "elu |mean|/std closer to 0 than relu", work, "elu", "relu", CENTRING, rope=ROPE_CENTRING
    )
    sooner = paired.Pair(
        "elu reaches the common target sooner than relu (epochs)",
        used if len(used) else None,
        "elu",
        "relu",
        target.EPOCHS,
        rope=ROPE_EPOCHS,
    )
    families = ([centred], acc, [sooner])
    return pd.concat(
        [paired.compare_family(f, companions=companions) for f in families], ignore_index=True
    )


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts: centred (the comparison's part verdict); no dead units (max 0); beats every
    variant (all four SUPPORTED; CONTRADICTED if any is CONTRADICTED or EQUIVALENT); trains
    faster (the part verdict); slower to compute (the forward ratio's interval above the
    other activations' upper quartile, :func:`bench.claims.measures.slower`). An
    EQUIVALENT part counts as CONTRADICTED; then ``verdicts.combine``. "Smooth at 0 when
    α = 1" is listed as a DEFINITION: no verdict, not combined."""
    c, h = t.get("compare", pd.DataFrame()), t.get("health", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c15_ranking")
    v = dict(zip(c["comparison"], c["verdict"]))
    hh = h.set_index("activation") if not h.empty else pd.DataFrame()
    dead = float(hh.loc["elu", "dead_max"]) if "elu" in hh.index else math.nan
    acc = [v.get(f"elu > {x}, test accuracy", "INCONCLUSIVE") for x in VARIANTS]
    sp = t.get("speed", pd.DataFrame())
    fwd = sp[(sp["pass"] == "forward") & (sp["activation"] == "elu")] if len(sp) else sp
    ratio = float(fwd["ratio"].iloc[0]) if len(fwd) else math.nan
    slow, quartile = slower(sp, "elu", "forward") if len(fwd) else ("INCONCLUSIVE", math.nan)
    beats = (
        "SUPPORTED"
        if all(a == "SUPPORTED" for a in acc)
        else "CONTRADICTED"
        if any(verdicts.against(a) == "CONTRADICTED" for a in acc)
        else "INCONCLUSIVE"
    )
    parts = {
        "centred": v.get("elu |mean|/std closer to 0 than relu", "INCONCLUSIVE"),
        "no dead units": "INCONCLUSIVE"
        if math.isnan(dead)
        else "SUPPORTED"
        if dead == 0
        else "CONTRADICTED",
        "beats every ReLU variant": beats,
        "trains faster": v.get(
            "elu reaches the common target sooner than relu (epochs)", "INCONCLUSIVE"
        ),
        "slower to compute": slow,
    }
    parts = {k: verdicts.against(p) for k, p in parts.items()}
    low, high = (float(fwd["low"].iloc[0]), float(fwd["high"].iloc[0])) if len(fwd) else (0, 0)
    timed = (
        "not timed"
        if math.isnan(ratio)
        else f"{ratio:.2f}× ReLU [{low:.2f}, {high:.2f}], others' upper quartile {quartile:.2f}"
    )
    head = c[c["comparison"] == "elu > relu, test accuracy"]
    r = head.iloc[0] if not head.empty else {}
    return Verdict(
        verdicts.combine(list(parts.values())),
        **common.from_row(r),
        effect_label="ELU − ReLU test accuracy (fraction)",
        conditions="8×64 MLPs, He normal, Adam, lr chosen on validation",
        evidence="; ".join(f"{k}: {p}" for k, p in parts.items())
        + f"; {SMOOTH}: {DEFINITION} (f′(0⁻) = α = 1 = f′(0⁺) by the formula; not judged, "
        f"not counted) (ELU forward {timed}; accuracy vs ReLU {common.fmt_effect(r)})",
        would_change="deeper nets, where ELU's non-zero negative side matters more; a "
        "target closer to the best accuracy for the speed part; a GPU, where elementwise "
        "costs hide behind memory traffic",
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
    design="Read from C15's main suite (every offline data set, matched init, lr chosen on "
    "validation) and C16's timing: |mean| / std of each layer's output after training (ELU "
    "against ReLU), dead units, test accuracy against each of ReLU, LeakyReLU, RReLU and "
    "PReLU (Holm over the four), epochs to a target both ELU and ReLU reach (90 % of the "
    "lower of their median best validation accuracies, per data set; data sets where both "
    "reach it in the first epoch left out), and ELU's forward "
    "time relative to ReLU's with its 95 % interval over the repeats, judged against the "
    "upper quartile of the other timed activations' ratios (C16's rule). Smoothness at 0 "
    "for α = 1 is a DEFINITION, a fact of the formula (f′(0⁻) = α = f′(0⁺) = 1): it gets no "
    "verdict and is not counted among the parts.",
    measure=measure,
    judge=judge,
)
