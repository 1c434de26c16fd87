"""C14: SELU self-normalizes (layer outputs keep mean 0, std 1) if the inputs are
standardized, the weights LeCun normal and the network a plain stack; not guaranteed with
skip connections.

``c14_selu``: SELU 32×64 with all three conditions, then each one switched off (raw inputs;
He-normal weights, variance 2/fan_in, or PyTorch-default weights, 1/(3·fan_in), instead of
LeCun's 1/fan_in; a residual stack), on 12 KEEL data sets whose raw features are far from
unit scale × 5 seeds; ELU in the same variants. Glorot is not a switched-off condition:
with square hidden layers its variance equals LeCun's. A run is self-normalized when every
layer of the upper half (layers L/2 + 1 … L: those past the raw inputs' first layers) has
|mean| ≤ 0.2 and 0.8 ≤ std ≤ 1.25, a tolerance declared here, not fitted to the data.
During training: each run's drift from initialization to the last epoch, SELU against ELU
(one :func:`bench.scoring.paired.compare_family`, with its robustness readings from
:func:`bench.scoring.robustness.robust`: one rate, so no rate is chosen; the other
initializers switch a condition off, so no other-initializer reading). Beside them (issue
24): a batch-normalized ReLU net's per-layer output mean and std, at initialization and
trained, next to SELU's.

Public:
    MEAN_TOL, STD_LOW, STD_HIGH     the declared band around (0, 1)
    HOLDS, BREAKS                   the shares of runs that decide a part
    DRIFT, DRIFT_ROPE               the drift metric and its rope
    BASE, SWITCHED_OFF, RESIDUAL, ORDER, BATCHNORM
                                    the variants' names (:mod:`bench.claims.measures`,
                                    where C15 reads them too)
    LAYERS                          the layers the BatchNorm table shows
    beside_batchnorm(frame) -> DataFrame    per layer: SELU's and the BatchNorm ReLU net's
                                    median output mean and std, at init and trained
    variant(row) -> str             which condition a cell switches off (or BASE)
    in_band(means, stds) -> list[bool]      each layer inside the band
    layers_to_band(inside) -> int   the first layer from which every layer is inside
    drift(first, last) -> float     mean over the upper half of max(|Δ mean/std|, |Δ ln std|)
    runs(frame) -> DataFrame        one row per cell: the readings above
    part(share) -> str              a switched-off variant's part verdict from its share
    measure(ctx) -> Finding, judge(tables) -> Verdict, CLAIM
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from bench import plots
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.claims.measures import BASE, BATCHNORM, ORDER, RESIDUAL, SWITCHED_OFF, variant
from bench.schema import Metric
from bench.scoring import paired, robustness, verdicts

MEAN_TOL, STD_LOW, STD_HIGH = 0.2, 0.8, 1.25
HOLDS, BREAKS = 0.8, 0.2  # base: ≥ 80 % of runs inside; a switched-off variant: ≤ 20 %
DRIFT = Metric("drift", "drift of the upper layers' mean/std in training", "value", False)
DRIFT_ROPE = 0.05  # a quarter of the band's half-width (0.2)
LAYERS = (1, 2, 4, 8, 16, 24, 32)


def _values(probe: dict, key: str) -> list[float]:
    return [math.nan if v is None else float(v) for v in probe.get(key) or []]


def in_band(means: Sequence[float], stds: Sequence[float]) -> list[bool]:
    """Each layer: |mean| ≤ MEAN_TOL and STD_LOW ≤ std ≤ STD_HIGH (NaN: outside)."""
    return [abs(m) <= MEAN_TOL and STD_LOW <= s <= STD_HIGH for m, s in zip(means, stds)]


def layers_to_band(inside: Sequence[bool]) -> int:
    """The first layer (from 1) from which every layer up to the last is inside the band;
    ``len(inside) + 1`` when the last layer is outside."""
    first = len(inside) + 1
    for i in range(len(inside) - 1, -1, -1):
        if not inside[i]:
            break
        first = i + 1
    return first


def _upper(values: Sequence) -> list:
    """The upper half of a per-layer series: layers L/2 + 1 … L."""
    return list(values[len(values) // 2 :])


def _log(s: float) -> float:
    return math.log(s) if s > 0 else math.nan


def drift(first: dict, last: dict) -> float:
    """Mean over the upper-half layers of max(|Δ (mean / std)|, |Δ ln std|) between two
    probes: scale-free, so ELU (which does not sit at (0, 1)) is read on equal terms."""
    m0, s0 = _values(first, "mean"), _values(first, "std")
    m1, s1 = _values(last, "mean"), _values(last, "std")
    per = [
        max(abs(a1 / b1 - a0 / b0), abs(_log(b1) - _log(b0))) if min(b0, b1) > 0 else math.nan
        for a0, b0, a1, b1 in zip(_upper(m0), _upper(s0), _upper(m1), _upper(s1))
    ]
    return sum(per) / len(per) if per and all(v == v for v in per) else math.nan


def _worst_std(stds: list[float]) -> float:
    """The std farthest from 1 on a log scale (0.5 and 2 are equally far)."""
    return max(stds, key=lambda s: abs(math.log(s)) if s > 0 else math.inf, default=math.nan)


def runs(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per cell: activation, variant, data set, seed, status; at initialization
    whether the upper half is inside the band (``normalized``), whether every layer is
    (``all_layers``, the rule of earlier designs), ``layers_to_band`` and the upper half's
    worst |mean| and std; after the last epoch (finished runs only, else NaN) the same
    band reading (``normalized_trained``, ``worst_std_trained``) and the ``drift``."""
    rows = []
    for _, r in frame.iterrows():
        probes = r["probes"] if isinstance(r["probes"], list) else []
        if not probes or not probes[0].get("mean"):
            continue
        m0, s0 = _values(probes[0], "mean"), _values(probes[0], "std")
        inside = in_band(m0, s0)
        ok = r["status"] == "ok" and len(probes) > 1 and bool(probes[-1].get("mean"))
        m1, s1 = (_values(probes[-1], "mean"), _values(probes[-1], "std")) if ok else ([], [])
        nan = math.nan
        rows.append(
            {
                "activation": r["activation"],
                "variant": variant(r),
                "dataset": r["dataset"],
                "seed": r["seed"],
                "status": r["status"],
                "layers": len(inside),
                "normalized": all(_upper(inside)),
                "all_layers": all(inside),
                "layers_to_band": layers_to_band(inside),
                "worst_abs_mean": max(abs(v) for v in _upper(m0)),
                "worst_std": _worst_std(_upper(s0)),
                "normalized_trained": float(all(_upper(in_band(m1, s1)))) if ok else nan,
                "worst_std_trained": _worst_std(_upper(s1)) if ok else nan,
                "drift": drift(probes[0], probes[-1]) if ok else nan,
            }
        )
    return pd.DataFrame(rows)


def _init_table(selu: pd.DataFrame) -> pd.DataFrame:
    g = selu.groupby("variant")
    table = pd.DataFrame(
        {
            "normalized": g["normalized"].mean(),
            "all_layers": g["all_layers"].mean(),
            "layers_to_band": g["layers_to_band"].median(),
            "layers": g["layers"].max(),
            "worst_abs_mean": g["worst_abs_mean"].median(),
            "worst_std": g["worst_std"].median(),
            "runs": g.size(),
            "n_datasets": g["dataset"].nunique(),
            "n_seeds": g.apply(lambda d: d.groupby("dataset")["seed"].nunique().min()),
        }
    )
    return table.reindex([o for o in ORDER if o in table.index]).reset_index()


def _trained_table(per_run: pd.DataFrame) -> pd.DataFrame:
    g = per_run.assign(done=per_run["status"] == "ok").groupby(["activation", "variant"])
    table = pd.DataFrame(
        {
            "normalized_trained": g["normalized_trained"].mean(),  # NaN (unfinished) skipped
            "worst_std_trained": g["worst_std_trained"].median(),
            "drift": g["drift"].median(),
            "runs": g["done"].sum(),
            "not_finished": g.size() - g["done"].sum(),
        }
    )
    table = table.reset_index()
    table["_order"] = table["variant"].map({v: i for i, v in enumerate(ORDER)})
    table = table.sort_values(["_order", "activation"], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def _drift_row(per_run: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    base = per_run[per_run["variant"] == BASE]
    work = base.assign(arm=base["activation"])
    label = f"selu drifts less than elu, {BASE}"
    if {"selu", "elu"} <= set(work["arm"]) and work["drift"].notna().any():
        pair = paired.Pair(label, work, "selu", "elu", DRIFT, rope=DRIFT_ROPE)
    else:
        pair = paired.Pair(label, diffs=pd.DataFrame())  # no paired data: INCONCLUSIVE
    return paired.compare_family([pair], companions=companions)


def beside_batchnorm(frame: pd.DataFrame) -> pd.DataFrame:
    """Per layer of :data:`LAYERS` (those present): the median over runs of each layer's
    output mean and std, at initialization and after the last epoch (finished runs), for
    SELU with all conditions holding and for the batch-normalized ReLU net; empty without
    the latter."""
    rows = []
    for _, r in frame.iterrows():
        arm = variant(r)
        if arm == BATCHNORM:
            name = "relu_bn"
        elif arm == BASE and r["activation"] == "selu":
            name = "selu"
        else:
            continue
        probes = r["probes"] if isinstance(r["probes"], list) else []
        last = probes[-1:] if len(probes) > 1 and r["status"] == "ok" else []
        for phase, p in (("init", probes[:1]), ("trained", last)):
            means, stds = (_values(p[0], "mean"), _values(p[0], "std")) if p else ([], [])
            for i, (m, sd) in enumerate(zip(means, stds)):
                rows.append((name, phase, i + 1, m, sd))
    long = pd.DataFrame(rows, columns=["arm", "phase", "layer", "mean", "std"])
    if long.empty or "relu_bn" not in set(long["arm"]):
        return pd.DataFrame()
    med = (
        long.groupby(["layer", "arm", "phase"])[["mean", "std"]].median().unstack(["arm", "phase"])
    )
    med.columns = [f"{arm}_{stat}_{phase}" for stat, arm, phase in med.columns]
    order = [
        f"{arm}_{stat}_{phase}"
        for phase in ("init", "trained")
        for arm in ("selu", "relu_bn")
        for stat in ("mean", "std")
    ]
    med = med.reindex(columns=[c for c in order if c in med.columns])
    return med[med.index.isin(LAYERS)].reset_index()


def measure(ctx: Context) -> Finding:
    """SELU's band readings per variant at initialization; both activations' readings and
    drift after training; SELU against ELU on drift; per-layer std figures."""
    f = Finding()
    frame = ctx.frame("c14_selu")
    if frame.empty:
        return f
    per_run = runs(frame)
    if per_run.empty:
        return f
    per_run = per_run[per_run["variant"] != BATCHNORM]  # C14's variants; the net beside: below
    selu = per_run[per_run["activation"] == "selu"]
    f.add(
        Table(
            "init",
            "SELU 32×64 at initialization, per variant: the share of runs whose upper half "
            "(layers 17–32) is inside the band (normalized) and whose every layer is "
            "(all_layers: layer 1 sits on the raw inputs); the median first layer from which "
            "every layer is inside (layers + 1: the top is outside); the upper half's worst "
            "|mean| and std (farthest from 1), medians over runs.",
            _init_table(selu),
            percent=("normalized", "all_layers"),
        )
    )
    f.add(
        Table(
            "trained",
            "After the last epoch (8), finished runs: the share whose upper half is inside "
            "the band, its worst std (median), and the drift from initialization (median; "
            "mean over layers 17–32 of max(|Δ mean/std|, |Δ ln std|)).",
            _trained_table(per_run),
            percent=("normalized_trained",),
        )
    )
    f.add(
        Table(
            "drift",
            "During training: SELU against ELU on the drift, all conditions holding, data-set "
            f"level (effect: ELU's drift − SELU's; rope {DRIFT_ROPE}); robustness: "
            "re-derived under the alternatives that exist.",
            robustness.robust(per_run, None, None, _drift_row, None),
        )
    )
    bn = beside_batchnorm(frame)
    if not bn.empty:
        f.add(
            Table(
                "batchnorm",
                "Beside SELU: a batch-normalized ReLU net (32×64, He normal, Linear → "
                "BatchNorm → ReLU, standardized inputs), each layer's output mean and std "
                "(medians over runs) at initialization and after the last epoch, next to "
                "SELU's with all conditions holding; descriptive, not judged. The probes run "
                "in evaluation mode, where BatchNorm applies its running statistics: at "
                "initialization these are (0, 1) and the layer is the identity (the init "
                "columns are a He-normal ReLU net's without normalization); after training, "
                "the normalized net's. ReLU's output is not centred: BatchNorm normalizes its "
                "input, not its output.",
                bn,
            )
        )
    long = _layer_std(frame)
    at_init = long[(long["activation"] == "selu") & (long["phase"] == "init")]
    base = long[long["variant"] == BASE]
    title, both = "SELU 32×64 at initialization", "all conditions hold: init and after 8 epochs"
    f.figures += [
        Figure(
            "c14_selu_std.png",
            "SELU: std of each layer's output at initialization, per variant",
            lambda p: plots.lines(at_init, "layer", "std", "variant", p, title, "std", logy=True),
        ),
        Figure(
            "c14_drift.png",
            "SELU and ELU, all conditions holding: std of each layer's output at "
            "initialization and after training",
            lambda p: plots.lines(base, "layer", "std", "arm", p, both, "std", logy=True),
        ),
    ]
    return f


def _layer_std(frame: pd.DataFrame) -> pd.DataFrame:
    rows = []
    for _, r in frame.iterrows():
        probes = r["probes"] if isinstance(r["probes"], list) else []
        act, var = r["activation"], variant(r)
        last = probes[-1:] if len(probes) > 1 and r["status"] == "ok" else []
        for phase, p in (("init", probes[:1]), ("trained", last)):
            for i, s in enumerate(_values(p[0], "std") if p else []):
                rows.append([act, var, phase, f"{act}, {phase}", i + 1, s])
    return pd.DataFrame(rows, columns=["activation", "variant", "phase", "arm", "layer", "std"])


def part(share: float) -> str:
    """A switched-off variant's part ("the condition is needed"): ≤ BREAKS of its runs
    self-normalized → SUPPORTED, ≥ HOLDS → CONTRADICTED, between → PARTLY; no runs →
    INCONCLUSIVE."""
    if share != share:
        return "INCONCLUSIVE"
    if share <= BREAKS:
        return "SUPPORTED"
    return "CONTRADICTED" if share >= HOLDS else "PARTLY"


def _entry(steps: pd.Series, depth: pd.Series, v: str) -> str:
    """``inside from layer 12`` (median over runs), or ``never inside`` (past the top)."""
    step, top = steps.get(v, math.nan), depth.get(v, math.nan)
    if step != step:
        return "not measured"
    return "never inside" if step > top else f"inside from layer {step:.0f}"


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts, on the upper half (layers 17–32) and the declared band: (1) at initialization
    ≥ 80 % of the all-conditions runs self-normalize, else CONTRADICTED outright; (2) each
    switched-off input or weight variant (raw inputs, PyTorch-default, He-normal weights)
    by :func:`part`; (3) during training SELU drifts less than ELU (data-set level, an
    EQUIVALENT result read as CONTRADICTED). The residual stack is reported only ("not
    guaranteed" promises no failure). Then ``verdicts.combine``: all SUPPORTED →
    SUPPORTED, otherwise PARTLY."""
    init = t.get("init", pd.DataFrame())
    if init.empty or BASE not in set(init["variant"]):
        return Verdict("INCONCLUSIVE", evidence="no all-conditions results for c14_selu")
    share = init.set_index("variant")["normalized"]
    base = float(share[BASE])
    p_base = "SUPPORTED" if base >= HOLDS else "CONTRADICTED"
    off = {v: part(float(share.get(v, math.nan))) for v in SWITCHED_OFF}
    d = t.get("drift", pd.DataFrame())
    d = d.iloc[0] if not d.empty else pd.Series(verdicts.row("drift", None))
    p_drift = verdicts.against(d["verdict"])
    parts = [p_base, *off.values(), p_drift]
    verdict = "CONTRADICTED" if p_base == "CONTRADICTED" else verdicts.combine(parts)
    steps = init.set_index("variant")["layers_to_band"]
    depth = init.set_index("variant")["layers"] if "layers" in init else steps * math.nan
    trained = t.get("trained", pd.DataFrame())
    kept = math.nan
    if not trained.empty:
        sel = trained[(trained["activation"] == "selu") & (trained["variant"] == BASE)]
        kept = float(sel["normalized_trained"].iloc[0]) if len(sel) else math.nan
    drift_text = "no paired data"
    if d["effect"] == d["effect"]:
        drift_text = f"{d['effect']:+.3f} [{d['ci_low']:+.3f}, {d['ci_high']:+.3f}]"
    return Verdict(
        verdict,
        effect=base,
        effect_label="share of all-conditions runs self-normalized in layers 17–32 at init",
        p=float(d["p"]),
        test="declared band |mean| ≤ 0.2, 0.8 ≤ std ≤ 1.25 over runs; drift: one-sided "
        "Wilcoxon over data sets (the p shown)",
        n_datasets=int(init["n_datasets"].min()) if "n_datasets" in init else 0,
        n_seeds=int(init["n_seeds"].min()) if "n_seeds" in init else 0,
        conditions="SELU 32×64 MLPs, Adam 1e-3, 8 epochs, upper half of the layers",
        evidence=f"at init (layers 17–32): all conditions {100 * base:.0f} % ({p_base}); "
        + "; ".join(
            f"{v} {100 * share.get(v, math.nan):.0f} % ({off[v]}, {_entry(steps, depth, v)})"
            for v in SWITCHED_OFF
        )
        + f"; residual stack {100 * share.get(RESIDUAL, math.nan):.0f} % (reported). After "
        f"training: all conditions {100 * kept:.0f} % inside; drift ELU − SELU {drift_text} "
        f"({p_drift})",
        would_change="a tighter band or the whole depth (the first layers of raw inputs), "
        "narrower layers (finite-width noise grows with depth), non-square layers (where "
        "Glorot departs from LeCun) or a longer training budget for the drift",
    )


CLAIM = Claim(
    id="C14",
    title="SELU self-normalizes under three conditions",
    statement="SELU makes a network self-normalizing (every layer's output keeps mean 0 and "
    "std 1) if the inputs are standardized, the weights LeCun normal and the network a plain "
    "stack; it is not guaranteed with skip connections or in RNNs.",
    suites=("c14_selu",),
    treatment="conditions (input scaling, weight variance, architecture)",
    conditions="SELU, 32×64",
    design="SELU 32×64 MLPs on 12 KEEL data sets whose raw features are far from unit scale "
    "(RMS 50 to 1,600) × 5 seeds, with all three conditions and with each switched off in "
    "turn: raw inputs; He-normal (variance 2/fan_in) or PyTorch-default (1/(3·fan_in)) "
    "weights instead of LeCun normal (1/fan_in); residual connections. Glorot is left out: "
    "with square hidden layers its variance equals LeCun's. The probes record each layer's "
    "output mean and std on the training set at initialization and after 8 epochs. A run "
    "self-normalizes when every layer of the upper half (17–32) is inside a declared band "
    "around (0, 1); the number of layers it takes to enter the band is reported. During "
    "training: each run's drift of the upper layers' statistics, SELU against ELU (same "
    "variants, He normal) at the data-set level.",
    measure=measure,
    judge=judge,
)
