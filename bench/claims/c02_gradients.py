"""C2: sigmoid saturates at both ends, so error gradients barely propagate back.

Read from ``c02_gradients``: 16×64 MLPs, sigmoid, tanh and ReLU under Glorot uniform, 10
epochs of Adam, measured at the two probes that take weight gradients: at initialization
and after the last epoch. The note's *consequence* and its *reason* are judged apart, each
at both points:

- consequence: log10 of the first hidden layer's weight-gradient norm over the last one's,
  tanh and ReLU against the sigmoid (ROPE ±0.1 decade), at init and after training, one
  family (Holm over the four);
- reason (saturation): the share of saturated (unit, sample) pairs (|f′| < 1 % of max |f′|)
  at the same two points: the sigmoid saturates more than tanh, whose gradient does reach
  layer 1 (Holm over the two). A sigmoid that vanishes its gradient without saturating
  contradicts the reason.

The sigmoid under Glorot × 4 is no longer an arm: its gain change moves the scale of every
pre-activation, so "more saturation, less gradient" could not be told from "larger
weights". Each row carries its robustness readings
(:func:`bench.scoring.robustness.robust`; one initializer, so no other-initializer
reading).

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import epochs, paired, robustness, verdicts

WHEN = {"init": "at init", "final": "after training"}
RATIO = {
    w: Metric(
        "log_grad_ratio" if w == "init" else f"log_grad_ratio_{w}",
        f"log10 first/last-layer gradient norm, {label}",
        "value",
        True,
        math.nan,
        True,
    )
    for w, label in WHEN.items()
}
SATURATED = {
    w: Metric(f"saturated_{w}", f"saturated pairs, {label}", "fraction", True, math.nan, True)
    for w, label in WHEN.items()
}
ROPE = 0.1  # a tenth of a decade
ROPE_SATURATED = 0.001  # a tenth of a percent of the (unit, sample) pairs
ARMS = {"sigmoid": "sigmoid", "tanh": "tanh", "relu": "relu"}
INIT = "glorot_uniform"


def _ratios(frame: pd.DataFrame) -> pd.DataFrame:
    """The runs of the three arms with their log gradient ratios at both probes."""
    work = frame[(frame["init"] == INIT) & frame["activation"].isin(ARMS)]
    work = work.assign(arm=work["activation"].map(ARMS))
    ratio = epochs.gradient_ratio(work)
    if ratio.empty:
        return pd.DataFrame()
    out = work.set_index("key").loc[ratio.index].reset_index()
    for w, m in RATIO.items():
        r = ratio if w == "init" else epochs.gradient_ratio(work, w)
        out[m.name] = np.log10(r.reindex(out["key"]).to_numpy())
    for m in SATURATED.values():
        if m.name not in out.columns:
            out[m.name] = math.nan
    return out


def _consequence(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
    pairs = [
        paired.Pair(
            f"{a} ratio > sigmoid ratio, {label}",
            rows,
            a,
            "sigmoid",
            RATIO[w],
            rope=ROPE,
            info={"when": label},
        )
        for w, label in WHEN.items()
        for a in ("tanh", "relu")
    ]
    return paired.compare_family(pairs, companions=companions)


def _reason(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
    pairs = [
        paired.Pair(
            f"sigmoid saturates more than tanh, {label}",
            rows,
            "sigmoid",
            "tanh",
            SATURATED[w],
            rope=ROPE_SATURATED,
            info={"when": label},
        )
        for w, label in WHEN.items()
    ]
    return paired.compare_family(pairs, companions=companions)


def measure(ctx: Context) -> Finding:
    """Gradient ratio and saturated share per arm at init and after training, the
    consequence and reason families with their robustness readings, the per-layer figure."""
    f = Finding()
    frame = ctx.frame("c02_gradients")
    if frame.empty:
        return f
    work = _ratios(frame)
    if work.empty:
        return f
    g = work.groupby("arm")
    columns = {}
    for w in WHEN:
        columns[RATIO[w].name] = g[RATIO[w].name].mean()
        columns[f"sd_{w}"] = g[RATIO[w].name].std()
        columns[SATURATED[w].name] = g[SATURATED[w].name].mean()
    columns["n"] = g.size()
    summary = pd.DataFrame(columns).reindex([a for a in ARMS.values() if a in g.groups])
    f.add(
        Table(
            "ratios",
            "16×64, Glorot uniform, at initialization and after the last of 10 epochs: "
            "log10(‖∇W₁‖ / ‖∇W₁₆‖) (0: the gradient reaches the first layer undiminished; "
            "−1: ten times smaller) beside the saturated share of (unit, sample) pairs, "
            "pooled over the 16 layers.",
            summary.reset_index(),
            percent=tuple(m.name for m in SATURATED.values()),
        )
    )
    f.add(
        Table(
            "consequence",
            "The consequence: gradient ratio against the sigmoid's (decades), data-set level, "
            "at init and after training, Holm over the four; robustness: each row "
            "re-derived under the alternatives that exist.",
            robustness.robust(work, None, None, _consequence),
        )
    )
    f.add(
        Table(
            "reason",
            "The reason: the sigmoid's saturated share against tanh's (fractions; ROPE 0.1 % "
            "of the pairs), at init and after training, Holm over the two; robustness as "
            "above.",
            robustness.robust(work, None, None, _reason),
            percent=common.PERCENT,
        )
    )
    long = pd.concat(
        [
            common.layer_series(work, "grad_norm", i).assign(when=label)
            for i, label in ((0, WHEN["init"]), (-1, WHEN["final"]))
        ]
    )
    f.figures.append(
        Figure(
            "c02_grad_norm.png",
            "Weight-gradient norm per layer at initialization and after training",
            lambda p: plots.lines(
                long,
                "layer",
                "value",
                "arm",
                p,
                "gradient norm per layer",
                "‖∇W‖",
                panel="when",
                logy=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Consequence: ``verdicts.combine`` of the four ratio rows (EQUIVALENT counts against).
    Reason: ``combine`` of the two saturation rows, at init and after training (EQUIVALENT
    counts against). Then ``combine`` of the two halves."""
    cons, rea = t.get("consequence", pd.DataFrame()), t.get("reason", pd.DataFrame())
    if cons.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c02_gradients")
    consequence = verdicts.combine([verdicts.against(v) for v in cons["verdict"]])
    reason = (
        verdicts.combine([verdicts.against(v) for v in rea["verdict"]])
        if not rea.empty
        else "INCONCLUSIVE"
    )
    ratios = t["ratios"].set_index("arm") if "ratios" in t else pd.DataFrame()

    def cell(arm: str, col: str) -> float:
        ok = arm in ratios.index and col in ratios.columns
        return float(ratios.loc[arm, col]) if ok else math.nan

    arms = "; ".join(
        f"{label}: "
        + ", ".join(
            f"{a} {cell(a, RATIO[w].name):+.1f}{_sat(cell(a, SATURATED[w].name))}"
            for a in ARMS.values()
        )
        for w, label in WHEN.items()
    )
    return Verdict(
        verdicts.combine([consequence, reason]),
        **common.from_row(cons.iloc[0]),
        effect_label="tanh − sigmoid, log10 gradient ratio at init (decades)",
        conditions="16×64 MLPs, Glorot uniform, at initialization and after 10 epochs of Adam",
        evidence=f"consequence: {consequence}; reason (saturation): {reason} — log10 "
        f"first/last gradient ratio, {arms}",
        would_change="a longer training or a larger rate (saturation that appears later); "
        "a shallower net (the shrinkage compounds per layer)",
    )


def _sat(share: float) -> str:
    return "" if math.isnan(share) else f" ({100 * share:.2f} % saturated)"


CLAIM = Claim(
    id="C2",
    title="Sigmoid gradients barely propagate back",
    statement="The sigmoid saturates at 0 and 1, where its derivative is near 0, so the "
    "error gradient barely propagates back through the layers.",
    suites=("c02_gradients",),
    treatment="activation",
    conditions="16×64 MLPs, Glorot uniform, at initialization and after 10 epochs of Adam",
    design="16-layer MLPs with sigmoid, tanh and ReLU under Glorot uniform, trained 10 epochs "
    "of Adam on 14 KEEL data sets × 5 seeds. The probes measure every layer's weight-gradient "
    "norm of the mean training loss and the saturated share of (unit, sample) pairs at "
    "initialization and after the last epoch (the two points where gradients are probed). "
    "Consequence: the log ratio of the first hidden layer's gradient norm to the last "
    "one's, tanh and ReLU against the sigmoid, at both points (Holm over the four). Reason: "
    "the sigmoid's saturated share against tanh's at both points (Holm over the two).",
    measure=measure,
    judge=judge,
)
