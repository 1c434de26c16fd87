"""C2: sigmoid saturates at both ends, so error gradients barely propagate back.

Read from ``c02_gradients`` at initialization: 16×64 MLPs, sigmoid, tanh and ReLU under
Glorot uniform, and the sigmoid under Glorot × 4 (the gain usually advised for it: its slope
at 0 is 1/4). The note's *consequence* and its *reason* are judged apart:

- consequence: log10 of the first hidden layer's weight-gradient norm over the last one's,
  tanh and ReLU against the sigmoid (ROPE ±0.1 decade, Holm over the two);
- reason (saturation): the share of saturated (unit, sample) pairs (|f′| < 1 % of max |f′|)
  beside it: (a) the sigmoid saturates more than tanh, whose gradient does reach layer 1;
  (b) more saturation, less gradient: the ×4 arm, if it does saturate more than the plain
  sigmoid, should pass less gradient back. A sigmoid that vanishes its gradient without
  saturating, or passes more back while saturating more, contradicts the reason.

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
from bench.scoring import metrics, paired, verdicts

RATIO = Metric(
    "log_grad_ratio", "log10 first/last-layer gradient norm", "value", True, math.nan, True
)
SATURATED = Metric("saturated_init", "saturated pairs at init", "fraction", True, math.nan, True)
ROPE = 0.1  # a tenth of a decade
ROPE_SATURATED = 0.001  # a tenth of a percent of the (unit, sample) pairs
X4 = "sigmoid ×4"
ARMS = {
    ("sigmoid", "glorot_uniform"): "sigmoid",
    ("sigmoid", "glorot_uniform_x4"): X4,
    ("tanh", "glorot_uniform"): "tanh",
    ("relu", "glorot_uniform"): "relu",
}
_PCT = ("effect", "ci_low", "ci_high")


def _ratios(frame: pd.DataFrame) -> pd.DataFrame:
    work = frame.assign(arm=[ARMS.get((a, i)) for a, i in zip(frame["activation"], frame["init"])])
    work = work[work["arm"].notna()]
    ratio = metrics.gradient_ratio(work)
    if ratio.empty:
        return pd.DataFrame()
    out = work.set_index("key").loc[ratio.index].reset_index()
    out[RATIO.name] = np.log10(ratio.to_numpy())
    return out


def measure(ctx: Context) -> Finding:
    """Gradient ratio and saturated share per arm, the consequence and reason comparisons,
    the per-layer figure."""
    f = Finding()
    frame = ctx.frame("c02_gradients")
    if frame.empty:
        return f
    work = _ratios(frame)
    if work.empty:
        return f
    g = work.groupby("arm")
    summary = pd.DataFrame(
        {
            "log_grad_ratio": g[RATIO.name].mean(),
            "sd": g[RATIO.name].std(),
            "saturated_init": g["saturated_init"].mean(),
            "n": g.size(),
        }
    ).reindex([a for a in ARMS.values() if a in g.groups])
    f.add(
        Table(
            "ratios",
            "At initialization, 16×64: log10(‖∇W₁‖ / ‖∇W₁₆‖) (0: the gradient reaches the "
            "first layer undiminished; −1: ten times smaller) beside the saturated share of "
            "(unit, sample) pairs, pooled over the 16 layers.",
            summary.reset_index(),
            percent=("saturated_init",),
        )
    )
    consequence = [
        paired.Pair(f"{a} ratio > sigmoid ratio", work, a, "sigmoid", RATIO, rope=ROPE)
        for a in ("tanh", "relu")
    ]
    f.add(
        Table(
            "consequence",
            "The consequence: gradient ratio against the sigmoid's (decades), data-set level, "
            "Holm over the two.",
            paired.compare_family(consequence),
        )
    )
    reason = [
        verdicts.row(
            "sigmoid saturates more than tanh",
            paired.compare_arms(work, "sigmoid", "tanh", SATURATED, rope=ROPE_SATURATED),
        ),
        verdicts.row(
            f"{X4} saturates more than sigmoid",
            paired.compare_arms(work, X4, "sigmoid", SATURATED, rope=ROPE_SATURATED),
        ),
        verdicts.row(
            f"sigmoid ratio > {X4} ratio",
            paired.compare_arms(work, "sigmoid", X4, RATIO, rope=ROPE),
        ),
    ]
    f.add(
        Table(
            "reason",
            "The reason: saturated share (fractions; ROPE 0.1 % of the pairs) and, under "
            "more saturation, the gradient ratio (decades), data-set level.",
            pd.DataFrame(reason),
        )
    )
    long = common.layer_series(work, "grad_norm", 0)
    f.figures.append(
        Figure(
            "c02_grad_norm.png",
            "Weight-gradient norm per layer at initialization",
            lambda p: plots.lines(
                long,
                "layer",
                "value",
                "arm",
                p,
                "gradient norm per layer at init",
                "‖∇W‖",
                logy=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Consequence: ``verdicts.combine`` of the two ratio rows (EQUIVALENT counts against).
    Reason: ``combine`` of (a) the sigmoid saturates more than tanh (EQUIVALENT counts
    against) and (b) when the ×4 arm saturates more (row SUPPORTED), the sigmoid's ratio
    above the ×4 arm's (else (b) is INCONCLUSIVE). Then ``combine`` of the two halves."""
    cons, rea = t.get("consequence", pd.DataFrame()), t.get("reason", pd.DataFrame())
    if cons.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c02_gradients")
    consequence = verdicts.combine([verdicts.against(v) for v in cons["verdict"]])
    rv = dict(zip(rea["comparison"], rea["verdict"])) if not rea.empty else {}
    more = rv.get(f"{X4} saturates more than sigmoid", "INCONCLUSIVE")
    less = rv.get(f"sigmoid ratio > {X4} ratio", "INCONCLUSIVE")
    reason = verdicts.combine(
        [
            verdicts.against(rv.get("sigmoid saturates more than tanh", "INCONCLUSIVE")),
            verdicts.against(less) if more == "SUPPORTED" else "INCONCLUSIVE",
        ]
    )
    ratios = t["ratios"].set_index("arm") if "ratios" in t else pd.DataFrame()

    def cell(arm: str, col: str, scale: float = 1.0) -> float:
        return scale * float(ratios.loc[arm, col]) if arm in ratios.index else math.nan

    return Verdict(
        verdicts.combine([consequence, reason]),
        **common.from_row(cons.iloc[0]),
        effect_label="tanh − sigmoid, log10 gradient ratio (decades)",
        conditions="16×64 MLPs, Glorot uniform (sigmoid also × 4), at initialization",
        evidence=f"consequence: {consequence}; reason (saturation): {reason} — log10 "
        "first/last gradient ratio: "
        + ", ".join(
            f"{a} {cell(a, 'log_grad_ratio'):+.1f}{_sat(cell(a, 'saturated_init'))}"
            for a in ARMS.values()
        ),
        would_change="reading the saturation during training (Glorot & Bengio saw the top "
        "layer saturate after some epochs, not at initialization); a shallower net (the "
        "shrinkage compounds per layer)",
    )


def _sat(share: float) -> str:
    return "" if math.isnan(share) else f" ({100 * share:.2f} % saturated)"


CLAIM = Claim(
    id="C2",
    title="Sigmoid gradients barely propagate back",
    statement="The sigmoid saturates at 0 and 1, where its derivative is near 0, so the "
    "error gradient barely propagates back through the layers.",
    suites=("c02_gradients",),
    treatment="activation (and the sigmoid's initial gain)",
    conditions="16×64 MLPs, Glorot uniform, at initialization",
    design="16-layer MLPs with sigmoid, tanh and ReLU under Glorot uniform, and the sigmoid "
    "under Glorot × 4, on 14 KEEL data sets × 5 seeds. The probes measure every layer's "
    "weight-gradient norm of the mean training loss and the saturated share of (unit, "
    "sample) pairs at initialization. Consequence: the log ratio of the first hidden "
    "layer's gradient norm to the last one's, tanh and ReLU against the sigmoid. Reason: "
    "the sigmoid's saturated share against tanh's, and whether the ×4 arm, which saturates "
    "more, passes less gradient back.",
    measure=measure,
    judge=judge,
)
