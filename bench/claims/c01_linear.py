"""C1: without an activation, stacked Dense layers are one linear map: depth adds nothing.

``c01_linear``: an 8×64 stack with ``identity`` against logistic regression (depth 0) and
against ReLU, tanh and ELU stacks, on six data sets that are not linearly separable. The
sameness half is an equivalence test (TOST on the data-set means, margin ±1 point) plus the
bootstrap interval inside the ROPE; the other half needs every nonlinear activation to beat
the identity stack at the data-set level.
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, stats, verdicts

NONLINEAR = ("relu", "tanh", "elu")
_PCT = ("effect", "ci_low", "ci_high")


def _arm(row: pd.Series) -> str:
    return "logistic" if row["model.depth"] == 0 else f"{row['activation']}"


def measure(ctx: Context) -> Finding:
    """Identity vs logistic regression (equivalence), nonlinear vs identity (superiority)."""
    f = Finding()
    frame = ctx.frame("c01_linear")
    if frame.empty:
        return f
    work = common.arms(frame, _arm)
    comp = paired.compare_arms(work, "identity", "logistic")
    same = pd.DataFrame([verdicts.row("identity 8×64 vs logistic regression", comp, "A=B")])
    if comp is not None:
        diffs = paired.paired(
            common.scored(work, "test_acc"), "arm", "identity", "logistic", "score"
        )
        same["p_tost"], same["equivalent"] = stats.equivalence(diffs, verdicts.ROPE)
    f.add(
        Table(
            "same",
            "Identity stack against logistic regression, test accuracy (TOST margin ±1 point).",
            same,
            percent=_PCT,
        )
    )
    rows = [
        verdicts.row(f"{a} > identity", paired.compare_arms(work, a, "identity")) for a in NONLINEAR
    ]
    f.add(
        Table(
            "nonlinear",
            "Each nonlinear 8×64 stack against the identity stack.",
            pd.DataFrame(rows),
            percent=_PCT,
        )
    )
    means = common.scored(work, "test_acc").groupby(["dataset", "arm"])["score"].mean()
    f.add(
        Table(
            "per_dataset",
            "Mean test accuracy per data set (5 seeds).",
            means.unstack().reset_index(),
            percent=tuple(work["arm"].unique()),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED: identity ≡ logistic (TOST p < 0.05 or CI inside the ROPE) and every
    nonlinear stack better; CONTRADICTED: the identity stack differs from the linear model
    or a nonlinear stack is not better; PARTLY: one half holds."""
    same, nonlin = t.get("same", pd.DataFrame()), t.get("nonlinear", pd.DataFrame())
    if same.empty or nonlin.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c01_linear")
    equivalent = (
        bool(common.first(same, "equivalent", False)) or same["verdict"].iloc[0] == "SUPPORTED"
    )
    differs = same["verdict"].iloc[0] == "CONTRADICTED"
    better = (nonlin["verdict"] == "SUPPORTED").all()
    worse = any(verdicts.against(v) == "CONTRADICTED" for v in nonlin["verdict"])
    halves = [
        "SUPPORTED" if equivalent else "CONTRADICTED" if differs else "INCONCLUSIVE",
        "SUPPORTED" if better else "CONTRADICTED" if worse else "INCONCLUSIVE",
    ]
    r = same.iloc[0]
    weakest = nonlin.sort_values("effect").iloc[0] if "effect" in nonlin else nonlin.iloc[0]
    return Verdict(
        verdicts.combine(halves),
        **common.from_row(
            r, p=float(common.first(same, "p_tost")), test="TOST over data sets, margin ±1 point"
        ),
        effect_label="identity 8×64 − logistic regression, test accuracy (fraction)",
        conditions="8×64 MLPs vs depth 0, Adam 3e-3, 20 epochs, 6 non-linearly-separable sets",
        evidence=f"identity − logistic {common.fmt_effect(r)} (equivalent: "
        f"{'yes' if equivalent else 'no'}); weakest nonlinear gain {weakest['comparison']} "
        f"{common.fmt_effect(weakest)}",
        would_change="an identity stack that optimizes to a different linear map than the "
        "shallow model (e.g. far fewer epochs) could differ by more than a point",
    )


CLAIM = Claim(
    id="C1",
    title="Without activations, depth adds nothing",
    statement="Without an activation function, stacked Dense layers compute one linear map: "
    "a deep network is no more expressive than a single layer.",
    suites=("c01_linear",),
    treatment="activation (identity vs nonlinear) and depth (0 vs 8)",
    conditions="8×64 MLPs, matched init, Adam 3e-3, 20 epochs",
    design="On six data sets that no linear model separates (spirals, circles, moons, a "
    "checkerboard, rings, MNIST-1D), an 8×64 stack with the identity activation is compared "
    "with logistic regression (the output layer alone, depth 0) by an equivalence test, and "
    "ReLU, tanh and ELU stacks of the same shape are compared with the identity stack. "
    "5 seeds per data set; the data set is the unit.",
    measure=measure,
    judge=judge,
)
