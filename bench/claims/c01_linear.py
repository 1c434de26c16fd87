"""C1: without an activation, stacked Dense layers are one linear map: depth adds nothing.

Three parts:

- **Exact** (measured by :func:`bench.checks.linear_collapse`, stored by ``bench claims
  run``): an 8×64 identity stack is trained, then its weight matrices are multiplied out,
  W = W_head·W_8···W_1, and its biases folded in, b = W_head·(…(W_2·b_1 + b_2)…) + b_head;
  the collapsed affine map x ↦ W x + b must give the network's logits to float64 rounding.
- **Same fit** (``c01_linear``): the best training loss the identity stack reaches against
  the best that logistic regression (depth 0) reaches, each at the rate that reaches the
  lowest one (bracketed on it: ``[tune] metric = "best_train_loss"``, so the lowest lies
  inside the rates tried), on 12 data sets × 5 seeds. The margin is sized to seed noise
  (``K_MARGIN`` × the median over data sets of the seed-to-seed SD of the best training
  loss, the larger of the two arms'). What the claim needs is that the identity stack
  fits no *better*: the non-superiority half of TOST (``p_no_better``); TOST itself
  (``p_equiv``) and the other half (``p_no_worse``: the stack also fits no worse, i.e.
  trains as far) are shown.
- **Nonlinearity helps**: ReLU and tanh stacks of the same shape reach a lower best training
  loss than the identity stack (ROPE: the same margin; Holm over the two).

The same-fit row and the nonlinear rows carry their robustness readings
(:func:`bench.scoring.robustness.robust` on the rows before rate selection, the rate chosen
on ``best_train_loss`` as in the main reading; the margin is the main reading's, kept in
every alternative; the depth is the arm, one initializer: no other-initializer reading).

Public:
    CLAIM               the registry entry
    K_MARGIN, TOL       the margin in seed SDs (3); the exact check's relative tolerance
    CHECK_SETS, CHECK_EPOCHS
                        the exact check's data sets (with their seeds) and epochs
    BEST_LOSS           the metric read: the lowest training loss over the epochs
    measure(ctx)        the exact table, the same-fit and nonlinear tables, per data set
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from bench import schema
from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import metrics, paired, robustness, verdicts

SUITE = "c01_linear"
NONLINEAR = ("relu", "tanh")
K_MARGIN = 3.0
TOL = 1e-10  # relative, float64
MARGIN_FLOOR = 1e-4  # nats: float32 rounding of a loss; the margin never falls below it
BEST_LOSS = schema.get("best_train_loss")  # lower is better; a diverged run at +inf
CHECK_SETS = (("spirals", 0), ("keel_vowel", 1), ("keel_segment", 2))  # data set, seed
CHECK_EPOCHS = 5


def _arm(row: pd.Series) -> str:
    return "logistic" if row["model.depth"] == 0 else str(row["activation"])


def _unselected(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``arm`` and ``best_train_loss``, every rate kept."""
    return metrics.derive(common.arms(frame, _arm), BEST_LOSS)


def best_losses(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``arm`` and ``best_train_loss`` (lowest training loss over the epochs,
    :func:`bench.scoring.metrics.derive`), each arm and data set at the rate whose seed-mean
    best loss is lowest: the rule the suite's bracket follows (``[tune] metric =
    "best_train_loss"``, :func:`bench.scoring.tuning.bracket`), so the rate read is the
    one the bracket judged."""
    return metrics.select_lr(_unselected(frame), BEST_LOSS)


def margin_of(work: pd.DataFrame) -> tuple[float, float]:
    """(margin, seed SD): the seed SD is the median over data sets of the larger of the
    identity stack's and logistic regression's seed-to-seed SD of the best training loss;
    the margin is ``K_MARGIN`` times it (at least ``MARGIN_FLOOR``)."""
    two = common.scored(work[work["arm"].isin(["identity", "logistic"])], BEST_LOSS)
    sd = two.groupby(["dataset", "arm"])["score"].std().groupby("dataset").max()
    s = float(sd.median()) if len(sd) else math.nan
    return (max(K_MARGIN * s, MARGIN_FLOOR) if math.isfinite(s) else math.nan), s


def measure(ctx: Context) -> Finding:
    """The exact collapse, the same-fit comparison, the nonlinear comparisons."""
    f = Finding()
    c = ctx.checks.get("C1")
    if c:
        exact = pd.DataFrame(c["rows"])
        exact["within_tolerance"] = exact["relative_diff"] <= float(c.get("tolerance", TOL))
        caption = (
            f"Trained 8×64 identity stacks ({c.get('epochs')} epochs) against the one affine "
            "map their weights and biases collapse to (float64, training inputs)."
        )
        f.add(Table("exact", caption, exact, percent=("same_argmax",), digits=4))
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    conv = _unselected(frame)
    work = metrics.select_lr(conv, BEST_LOSS)
    margin, sd = margin_of(work)

    def same_family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        return _same(rows, margin, sd, companions)

    def nonlinear_family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        pairs = [
            paired.Pair(
                f"{a} fits better than identity", rows, a, "identity", BEST_LOSS, rope=margin
            )
            for a in NONLINEAR
        ]
        return paired.compare_family(pairs, companions=companions)

    # the rate chosen on the best training loss in every reading (the seed halves' too)
    same = robustness.robust(conv, None, None, same_family, BEST_LOSS.column)
    f.add(
        Table(
            "same",
            "Best training loss, identity stack against logistic regression (effect: "
            "logistic − identity, nats; positive: the stack fits better). margin = "
            f"{K_MARGIN:g} × seed_sd; p_no_better: the stack fits no better than "
            "logistic − margin (what the claim needs); p_no_worse: no worse than + margin. "
            "Robustness: re-derived under the alternatives that exist, the margin kept.",
            same,
            digits=4,
        )
    )
    f.add(
        Table(
            "nonlinear",
            "Best training loss, each nonlinear 8×64 stack against the identity stack "
            "(effect: identity − nonlinear, nats; ROPE: the margin; Holm over the two; "
            "robustness as above).",
            robustness.robust(conv, None, None, nonlinear_family, BEST_LOSS.column),
            digits=4,
        )
    )
    scored = common.scored(work, BEST_LOSS)
    per = scored.groupby(["dataset", "arm"])["score"].mean().unstack().reset_index()
    caption = "Best training loss per data set (mean over seeds, nats), each arm at its best rate."
    f.add(Table("per_dataset", caption, per, digits=4))
    return f


def _same(rows: pd.DataFrame, margin: float, sd: float, companions: bool) -> pd.DataFrame:
    """The same-fit row on ``rows`` (one rate per arm) with this ``margin`` and seed SD:
    the comparison, its two TOST halves and :func:`same_verdict`."""
    label = "identity 8×64 vs logistic regression"
    pair = paired.Pair(label, rows, "identity", "logistic", BEST_LOSS, "A=B", rope=margin)
    table, (comp,) = paired.compare_pairs([pair], companions=companions)
    same = table.iloc[0].to_dict() | {"margin": margin, "seed_sd": sd, **_halves(comp, margin)}
    same["verdict"] = same_verdict(same)
    return pd.DataFrame([same])


def same_verdict(row: dict[str, Any]) -> str:
    """The same-fit part: SUPPORTED when the stack fits no better than logistic regression
    beyond the margin (``p_no_better`` < 0.05); else CONTRADICTED when it fits better (one-
    sided Wilcoxon over data sets, ``p`` < 0.05, with enough data sets to reach it); else
    INCONCLUSIVE."""
    if row.get("p_no_better", math.nan) < verdicts.ALPHA:
        return "SUPPORTED"
    if row.get("decidable", False) and row.get("p", math.nan) < verdicts.ALPHA:
        return "CONTRADICTED"
    return "INCONCLUSIVE"


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts: (1) exact: every collapsed map within ``TOL`` of its network →
    SUPPORTED, any outside → CONTRADICTED; (2) same fit (:func:`same_verdict`); (3) each
    nonlinear stack fits better than the identity stack (Holm; EQUIVALENT counts as
    CONTRADICTED; the part combines the two). A missing part is INCONCLUSIVE. The claim
    combines the parts: all SUPPORTED → SUPPORTED, all CONTRADICTED → CONTRADICTED, all
    INCONCLUSIVE → INCONCLUSIVE, a mix → PARTLY."""
    exact = t.get("exact", pd.DataFrame())
    same = t.get("same", pd.DataFrame())
    nonlin = t.get("nonlinear", pd.DataFrame())
    if exact.empty and same.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE} and no exact check")
    parts = [
        _exact_verdict(exact),
        "INCONCLUSIVE" if same.empty else str(same["verdict"].iloc[0]),
        "INCONCLUSIVE"
        if nonlin.empty
        else verdicts.combine([verdicts.against(v) for v in nonlin["verdict"]]),
    ]
    bits = []
    if not exact.empty:
        worst = exact["relative_diff"].max()
        bits.append(f"collapsed map vs network: relative difference ≤ {worst:.1e} ({parts[0]})")
    fields: dict[str, Any] = {"test": "exact check"}
    if not same.empty:
        r = same.iloc[0]
        bits.append(
            f"best training loss, logistic − identity {r['effect']:+.4f} nats "
            f"[{r['ci_low']:+.4f}, {r['ci_high']:+.4f}], margin ±{r['margin']:.4f} "
            f"(= {K_MARGIN:g} seed SDs); fits no better: p = {r['p_no_better']:.3g}, "
            f"equivalent: p = {r['p_equiv']:.3g} ({parts[1]})"
        )
        test = "one-sided signed-rank test over data sets (non-superiority, margin: seed noise)"
        fields = common.from_row(r, p=float(r["p_no_better"]), test=test)
    for _, x in nonlin.iterrows():
        bits.append(f"{x['comparison']} by {x['effect']:+.3f} nats ({x['verdict']})")
    return Verdict(
        verdicts.combine(parts),
        **fields,
        effect_label="logistic regression − identity stack, best training loss (nats)",
        conditions="8×64 MLPs vs depth 0, Adam, rate per arm (lowest best training loss, "
        "bracketed), "
        "12 data sets (6 synthetic, 6 KEEL real) × 5 seeds",
        evidence="; ".join(bits),
        would_change="a logistic regression trained too briefly to reach its optimum (the "
        "identity stack could then fit better, for want of optimization, not expressivity)",
    )


def _exact_verdict(exact: pd.DataFrame) -> str:
    if exact.empty:
        return "INCONCLUSIVE"
    return "SUPPORTED" if bool(exact["within_tolerance"].all()) else "CONTRADICTED"


def _halves(comp: paired.Comparison | None, margin: float) -> dict[str, float]:
    """The two one-sided signed-rank tests of TOST behind the same-fit comparison (per-data-set
    differences, higher is better: positive = the stack fits better): ``p_no_better``
    (mean < +margin) and ``p_no_worse`` (mean > −margin); NaN without a comparison or a
    margin."""
    if comp is None or not math.isfinite(margin):
        return {"p_no_better": math.nan, "p_no_worse": math.nan}
    return {"p_no_better": comp.p_upper, "p_no_worse": comp.p_lower}


CLAIM = Claim(
    id="C1",
    title="Without activations, depth adds nothing",
    statement="Without an activation function, stacked Dense layers compute one linear map: "
    "a deep network is no more expressive than a single layer.",
    suites=(SUITE,),
    treatment="activation (identity vs nonlinear) and depth (0 vs 8)",
    conditions="8×64 MLPs, matched init, Adam",
    design="An exact check collapses trained 8×64 identity stacks into one affine map (the "
    "product of the weight matrices, the biases folded in) and compares it with the network. "
    "In training, on 6 synthetic sets no linear model separates and 6 KEEL real sets × 5 "
    "seeds, the best training loss of the identity stack (100 epochs) is compared with that "
    "of logistic regression (the output layer alone, 300 epochs) with a margin of three "
    "seed-to-seed SDs, and the ReLU and tanh stacks (20 epochs) with the identity stack; "
    "every arm at the Adam rate that reaches its lowest loss, the rates bracketed on that "
    "loss until the lowest lies inside the rates tried. The data set is the unit.",
    measure=measure,
    judge=judge,
)
