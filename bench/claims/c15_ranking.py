"""C15: SELU > ELU > LeakyReLU (+ variants) > ReLU > tanh > sigmoid for hidden layers, and
the caveat that ELU may beat SELU where the net cannot self-normalize.

Judged at the data-set level: each adjacent pair of the claimed order is compared on test
accuracy over the data sets of ``c15_ranking`` (seeds averaged inside each data set, the
learning rate chosen per configuration on validation), one-sided Wilcoxon signed-rank over
data sets, Holm-corrected over the five pairs, hierarchical-bootstrap CI, ROPE ±1 point.
Depth (``c15_depth``) and architecture (``c15_resmlp``, ``c15_cnn``) get the same pairwise
reading per condition; the caveat is read from ``c14_selu``'s non-self-normalizing variants.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.claims import c14_selu, common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, ranks, verdicts

ORDER = verdicts.CLAIMED_ORDER
CAVEAT_ORDER = (  # C14's variants (c14_selu.variant names them), in this table's order
    c14_selu.BASE, "raw inputs", "residual stack", "glorot_uniform weights",
    "torch_default weights",
)  # fmt: skip
VARIANTS = ("rrelu", "prelu")  # "LeakyReLU (+ variants)": reported beside, not in the chain


def _mean_ranks(frame: pd.DataFrame) -> pd.DataFrame:
    """Average rank per activation over data sets (seeds averaged first), and its mean."""
    work = common.scored(frame, "test_acc")
    means = work.groupby(["dataset", "activation"])["score"].mean().unstack()
    per_set = means.rank(axis=1, ascending=False)
    out = pd.DataFrame({"mean_rank": per_set.mean(), "test_acc": means.mean()})
    out = out.sort_values("mean_rank").reset_index()
    return out.rename(columns={"index": "activation"})


def _informative(frame: pd.DataFrame) -> pd.DataFrame:
    """Per data set: the spread of the activations' mean test accuracy, and whether every
    activation is within noise of 100 % (no information about the order)."""
    work = common.scored(frame, "test_acc")
    g = work.groupby(["dataset", "activation"])["score"]
    means, sd = g.mean().unstack(), g.std().unstack()
    rows = []
    for ds in means.index:
        m = means.loc[ds]
        ceiling = bool((m >= 0.995).all() or ((1 - m) <= sd.loc[ds].fillna(0)).all())
        rows.append(
            {
                "dataset": ds,
                "best": m.max(),
                "worst": m.min(),
                "spread": m.max() - m.min(),
                "at_ceiling": ceiling,
            }
        )
    return pd.DataFrame(rows)


def _by(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    parts = []
    for value, sub in frame.groupby(column, sort=True):
        t = paired.chain(sub)
        if not t.empty:
            parts.append(t.assign(**{column: value}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _caveat(frame: pd.DataFrame) -> pd.DataFrame:
    """SELU against ELU in each C14 variant (which self-normalizing condition is off)."""
    if frame.empty:
        return pd.DataFrame()
    work = frame.assign(
        arm=frame["activation"], variant=[c14_selu.variant(r) for _, r in frame.iterrows()]
    )
    rows = []
    for name in CAVEAT_ORDER:
        sub = work[work["variant"] == name]
        rows.append(verdicts.row(f"selu > elu, {name}", paired.compare_arms(sub, "selu", "elu")))
    return pd.DataFrame(rows)


def measure(ctx: Context) -> Finding:
    """Adjacent pairs at the data-set level, ranks, depth/architecture splits, the caveat."""
    f = Finding()
    main = common.prepare(ctx.frame("c15_ranking"))
    if main.empty:
        return f
    f.add(
        Table(
            "pairs",
            "Adjacent pairs of the claimed order, test accuracy, data-set level "
            "(effect: mean over data sets of the seed-averaged difference).",
            paired.chain(main),
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    variants = paired.chain(main, ("leaky_relu", "rrelu", "prelu", "relu"))
    f.add(
        Table(
            "variants",
            "The leaky variants beside the chain (LeakyReLU > RReLU > PReLU > "
            "ReLU is not claimed; read as descriptive).",
            variants,
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    f.add(
        Table(
            "ranks",
            "Mean rank over data sets (1 = best; seeds averaged first).",
            _mean_ranks(main),
            percent=("test_acc",),
        )
    )
    f.add(
        Table(
            "datasets",
            "Data sets: best and worst activation's mean test accuracy; "
            "'at_ceiling' marks sets where every activation is within noise of 100 %.",
            _informative(main),
            percent=("best", "worst", "spread"),
        )
    )
    depth = common.prepare(ctx.frame("c15_depth"), select=False)
    if not depth.empty:
        f.add(
            Table(
                "depth",
                "Adjacent pairs by depth (6 data sets × 5 seeds each).",
                _by(depth, "model.depth"),
                percent=("effect", "ci_low", "ci_high"),
            )
        )
    arch = [common.prepare(ctx.frame(s), select=False) for s in ("c15_resmlp", "c15_cnn")]
    arch = [a for a in arch if not a.empty]
    if arch:
        f.add(
            Table(
                "architecture",
                "Adjacent pairs on residual MLPs and CNNs.",
                _by(pd.concat(arch, ignore_index=True), "model.kind"),
                percent=("effect", "ci_low", "ci_high"),
            )
        )
    caveat = _caveat(ctx.frame("c14_selu"))
    if not caveat.empty:
        f.add(
            Table(
                "caveat",
                "The caveat: SELU against ELU when a self-normalizing "
                "condition is off (32×64, 6 data sets).",
                caveat,
                percent=("effect", "ci_low", "ci_high"),
            )
        )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Over the adjacent pairs (Holm-corrected), an EQUIVALENT pair counting as CONTRADICTED:
    all SUPPORTED → SUPPORTED; all CONTRADICTED → CONTRADICTED; all INCONCLUSIVE →
    INCONCLUSIVE; a mix → PARTLY
    (``common.combine``). Kendall's τ of the observed mean-rank order is reported beside."""
    pairs = t.get("pairs", pd.DataFrame())
    if pairs.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c15_ranking")
    parts_v = [verdicts.against(v) for v in pairs["verdict"]]
    verdict = verdicts.combine(parts_v)
    mean_ranks = t.get("ranks", pd.DataFrame())
    tau, p_tau = math.nan, math.nan
    if not mean_ranks.empty:
        observed = [a for a in mean_ranks["activation"] if a in ORDER]
        if len(observed) == len(ORDER):
            tau, p_tau = ranks.rank_correlation(observed, list(ORDER))
    n_ds = int(pairs["n_datasets"].min())
    n_seeds = int(np.nanmin(pairs["n_seeds"])) if "n_seeds" in pairs else 0
    parts = "; ".join(f"{r.comparison}: {r.verdict}" for r in pairs.itertuples())
    return Verdict(
        verdict,
        effect=tau,
        effect_label="Kendall τ between the observed mean-rank order and the claimed order",
        p=p_tau,
        test="adjacent pairs: one-sided Wilcoxon signed-rank over data sets, Holm over 5 pairs",
        n_datasets=n_ds,
        n_seeds=n_seeds,
        conditions="8×64 MLPs, matched init, Adam, lr chosen on validation, 15 epochs",
        evidence=f"data-set level over {n_ds} data sets: {parts}; τ = {tau:.2f}",
        would_change="a pair whose confidence interval straddles the ±1-point ROPE would "
        "move with more data sets; a different architecture or training budget changes the "
        "order (see the depth and architecture tables)",
    )


CLAIM = Claim(
    id="C15",
    title="The claimed order of hidden-layer activations",
    statement="For hidden layers of deep nets: SELU > ELU > LeakyReLU (and its variants) > "
    "ReLU > tanh > sigmoid. Where the net cannot self-normalize, ELU may beat SELU.",
    suites=("c15_ranking", "c15_depth", "c15_resmlp", "c15_cnn", "c14_selu"),
    treatment="activation",
    conditions="each activation with its matched initializer",
    design="Eight activations (the six of the chain plus RReLU and PReLU) train 8×64 MLPs on "
    "12 offline data sets × 5 seeds, Adam at 1e-3 and 3e-3, the rate chosen per "
    "configuration on the validation split. Each adjacent pair of the chain is one "
    "comparison at the data-set level (seeds averaged inside a data set; one-sided Wilcoxon "
    "over data sets, Holm over the five pairs; hierarchical bootstrap CI; ROPE ±1 point). "
    "The same pairs are read at depths 4–32, on residual MLPs and on CNNs, and SELU is "
    "compared with ELU where one self-normalizing condition is off.",
    measure=measure,
    judge=judge,
)

__all__ = ["CLAIM", "ORDER"]
