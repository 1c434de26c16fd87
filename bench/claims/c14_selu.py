"""C14: SELU self-normalizes (layer outputs keep mean 0, std 1) if the inputs are
standardized, the weights LeCun normal and the network a plain stack; not guaranteed with
skip connections.

``c14_selu``: SELU 32×64 with all three conditions, then each one switched off (raw inputs;
Glorot uniform or PyTorch-default weights; a residual stack), 6 data sets × 5 seeds. Read at
initialization and after 8 epochs: the mean and std of every layer's output. A run is
self-normalized when every one of the 32 layers has |mean| ≤ 0.2 and 0.8 ≤ std ≤ 1.25 (a
tolerance declared here, not fitted to the data); the tables show the worst layer.
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict

MEAN_TOL, STD_LOW, STD_HIGH = 0.2, 0.8, 1.25
BASE = "all conditions hold"


def variant(row: pd.Series) -> str:
    """Which condition a cell switches off (or that all hold)."""
    if not bool(row["data.standardize"]):
        return "raw inputs"
    if row["model.kind"] == "resmlp":
        return "residual stack"
    if row["init"] != "matched":
        return f"{row['init']} weights"
    return BASE


def _worst_std(stds: list[float]) -> float:
    """The layer std farthest from 1 (on a log scale: 0.5 and 2 are equally far)."""
    vals = [math.nan if s is None else s for s in stds]
    return max(vals, key=lambda s: abs(math.log(s)) if s and s > 0 else math.inf)


def layers(frame: pd.DataFrame, which: int) -> pd.DataFrame:
    """Per cell: the variant, its worst layer's |mean| and std at probe ``which``, and
    whether every layer is within the tolerance."""
    rows = []
    for _, r in frame.iterrows():
        probes = r["probes"] if isinstance(r["probes"], list) else []
        if not probes or not probes[which].get("mean"):
            continue
        p = probes[which]
        means = [math.nan if v is None else v for v in p["mean"]]
        stds = [math.nan if v is None else v for v in p["std"]]
        m, s = max(abs(v) for v in means), _worst_std(stds)
        inside = all(abs(a) <= MEAN_TOL and STD_LOW <= b <= STD_HIGH for a, b in zip(means, stds))
        rows.append(
            {
                "activation": r["activation"],
                "variant": variant(r),
                "dataset": r["dataset"],
                "seed": r["seed"],
                "worst_abs_mean": m,
                "worst_std": s,
                "normalized": inside,
            }
        )
    return pd.DataFrame(rows)


def measure(ctx: Context) -> Finding:
    """Top-layer mean/std per variant at init and after training; per-layer figure."""
    f = Finding()
    frame = ctx.frame("c14_selu")
    if frame.empty:
        return f
    selu = frame[frame["activation"] == "selu"]
    for which, phase in ((0, "init"), (-1, "trained")):
        top = layers(selu, which)
        g = top.groupby("variant")
        table = pd.DataFrame(
            {
                "worst_abs_mean": g["worst_abs_mean"].median(),
                "worst_std": g["worst_std"].median(),
                "normalized": g["normalized"].mean(),
                "runs": g.size(),
                "n_datasets": g["dataset"].nunique(),
                "n_seeds": g.apply(lambda d: d.groupby("dataset")["seed"].nunique().min()),
            }
        )
        order = [
            BASE,
            "raw inputs",
            "glorot_uniform weights",
            "torch_default weights",
            "residual stack",
        ]
        table = table.reindex([o for o in order if o in table.index]).reset_index()
        f.add(
            Table(
                phase,
                f"SELU 32×64 {'at initialization' if which == 0 else 'after 8 epochs'}: the "
                "worst of the 32 layers (largest |mean|; std farthest from 1), median over "
                "runs, and the share of runs with every layer within the tolerance.",
                table,
                percent=("normalized",),
            )
        )
    rows = []
    for _, r in selu.iterrows():
        probes = r["probes"] if isinstance(r["probes"], list) else []
        if probes:
            for i, s in enumerate(probes[0].get("std") or []):
                rows.append(
                    {"variant": variant(r), "layer": i + 1, "std": s, "dataset": r["dataset"]}
                )
    long = pd.DataFrame(rows)
    f.figures.append(
        Figure(
            "c14_selu_std.png",
            "SELU: std of each layer's output at initialization, per variant",
            lambda p: plots.lines(
                long,
                "layer",
                "std",
                "variant",
                p,
                "SELU 32×64 at initialization",
                "output std",
                logy=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when, at initialization, ≥ 80 % of the runs with all conditions are
    self-normalized and each variant that switches off an input or weight condition has
    ≤ 20 %; the residual stack is reported ("not guaranteed" asks for no failure).
    CONTRADICTED when the baseline itself is not self-normalized; PARTLY otherwise."""
    init = t.get("init", pd.DataFrame())
    if init.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c14_selu")
    share = init.set_index("variant")["normalized"]
    base = share.get(BASE, math.nan)
    broken = [v for v in share.index if v not in (BASE, "residual stack")]
    off_fail = all(share[v] <= 0.2 for v in broken)
    if not base >= 0.8:
        verdict = "CONTRADICTED"
    elif off_fail:
        verdict = "SUPPORTED"
    else:
        verdict = "PARTLY"
    trained = t.get("trained", pd.DataFrame())
    tr = trained.set_index("variant")["normalized"] if not trained.empty else pd.Series()
    med = init.set_index("variant")
    return Verdict(
        verdict,
        effect=float(base),
        effect_label="share of all-conditions runs with every layer self-normalized at init",
        test="declared tolerance |mean| ≤ 0.2, 0.8 ≤ std ≤ 1.25",
        n_datasets=int(init["n_datasets"].min()) if "n_datasets" in init else 0,
        n_seeds=int(init["n_seeds"].min()) if "n_seeds" in init else 0,
        conditions="SELU 32×64 MLPs, Adam 1e-3, 8 epochs",
        evidence="self-normalized at init: "
        + ", ".join(
            f"{v} {100 * share[v]:.0f} % (worst std {med.loc[v, 'worst_std']:.2g})"
            for v in share.index
        )
        + f"; after training, all conditions: {100 * tr.get(BASE, math.nan):.0f} %",
        would_change="a tighter tolerance, narrower layers (finite-width noise grows with "
        "depth) or a different training budget for the after-training reading",
    )


CLAIM = Claim(
    id="C14",
    title="SELU self-normalizes under three conditions",
    statement="SELU makes a network self-normalizing (every layer's output keeps mean 0 and "
    "std 1) if the inputs are standardized, the weights LeCun normal and the network a plain "
    "stack; it is not guaranteed with skip connections or in RNNs.",
    suites=("c14_selu",),
    treatment="conditions (input scaling, initializer, architecture)",
    conditions="SELU, 32×64",
    design="SELU 32×64 MLPs on 6 data sets × 5 seeds with all three conditions, and with "
    "each switched off in turn: raw (unstandardized) inputs, Glorot uniform or PyTorch's "
    "default weights instead of LeCun normal, residual connections. The probes record each "
    "layer's output mean and std on the whole training set at initialization and after 8 "
    "epochs; a run self-normalizes when every layer is within a declared tolerance of "
    "(0, 1). "
    "Note that for square hidden layers (64 → 64) Glorot's variance 2/(fan_in + fan_out) "
    "equals LeCun's 1/fan_in: the Glorot variant differs only in the first layer and in its "
    "uniform shape, so it tests little; PyTorch's default (variance 1/(3·fan_in)) is the "
    "real departure from LeCun.",
    measure=measure,
    judge=judge,
)
