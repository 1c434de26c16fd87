"""C15: SELU > ELU > LeakyReLU (+ variants) > ReLU > tanh > sigmoid for hidden layers, and
the caveat that ELU may beat SELU where the net cannot self-normalize.

``c15_ranking``: the eight activations (the chain plus RReLU and PReLU), matched and
``torch_default`` initializers, three Adam learning rates (each configuration's chosen on
validation), five seeds, on every offline data set (``@all``: 43 real, 17 synthetic), 8×64
MLPs. Each adjacent pair of the chain is one comparison at the data-set level (seeds
averaged inside a data set), one-sided Wilcoxon over data sets with Holm over the five
pairs, TOST for equivalence, the Bayesian signed-rank probabilities beside; read for all
data sets, the real ones, the small (< 1000 samples) and large real ones, and the synthetic
ones apart, each verdict with its robustness (:mod:`bench.scoring.robustness`). The same
chain at depth 16 (``c15_depth``, the real sets) and 32 (``c15_depth32``, 12 real sets), on
residual MLPs (``c15_resmlp``) and CNNs (``c15_cnn``); SELU with LeCun normal against ReLU
with He normal on the KEEL sets, as Klambauer et al. (2017) did on 121 UCI sets; and the
caveat from ``c14_selu``'s variants. Under normalization (the ``norm`` group, ``make
claims-norm``, read where stored): the SELU paper's comparison and the chain with
BatchNorm, LayerNorm and residual blocks (:mod:`bench.claims.norm`).
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench import plots
from bench.claims import common, measures, norm
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import metrics, paired, ranks, robustness, verdicts

ORDER = verdicts.CLAIMED_ORDER
CAVEAT_ORDER = measures.ORDER  # C14's variants (measures.variant names them)
VARIANTS = ("rrelu", "prelu")  # "LeakyReLU (+ variants)": reported beside, not in the chain
# Klambauer et al. 2017 (SELU paper), 121 UCI sets: SNN against ReLU with He ("MSRAinit")
PAPER = {"all": 2.7e-2, "≥ 1000 samples": 4.5e-3}


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


def _groups(conv: pd.DataFrame, init: str = "matched") -> pd.DataFrame:
    """The chain per group of data sets, each row with its robustness."""
    selected = metrics.select_lr(conv)
    parts = []
    for label, sets in robustness.dataset_groups(selected).items():
        table = robustness.robust_chain(conv, sets, init)
        if not table.empty:
            parts.append(table.assign(group=label))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out[["group", *[c for c in out.columns if c != "group"]]]


def _by(conv: pd.DataFrame, column: str) -> pd.DataFrame:
    """The chain within each value of ``column`` (lr chosen on validation)."""
    parts = []
    for value, sub in conv.groupby(column, sort=True):
        t = paired.chain(metrics.select_lr(sub))
        if not t.empty:
            parts.append(t.assign(**{column: value}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame()


def _caveat(frame: pd.DataFrame) -> pd.DataFrame:
    """SELU against ELU in each C14 variant (which self-normalizing condition is off), one
    family (Holm over the variants)."""
    if frame.empty:
        return pd.DataFrame()
    work = frame.assign(
        arm=frame["activation"], variant=[measures.variant(r) for _, r in frame.iterrows()]
    )
    pairs = [
        paired.Pair(f"selu > elu, {name}", work[work["variant"] == name], "selu", "elu")
        for name in CAVEAT_ORDER
    ]
    return paired.compare_family(pairs)


def _selu_vs_relu(selected: pd.DataFrame) -> pd.DataFrame:
    """SELU + LeCun normal against ReLU + He normal (both ``matched``) on the KEEL sets, all
    and those with ≥ 1000 samples (one family): the data-set-level one-sided and two-sided
    Wilcoxon p beside the SELU paper's."""
    from bench import data

    keel = set(data.collection("@keel"))
    large = {n for n in keel if data.REGISTRY[n].rows >= robustness.SMALL}
    head = selected[selected["init"] == "matched"].assign(arm=lambda d: d["activation"])
    groups = (("all", keel), ("≥ 1000 samples", large))
    pairs = [
        paired.Pair(
            f"selu + lecun_normal > relu + he_normal, KEEL {label}",
            head[head["dataset"].isin(sets)],
            "selu",
            "relu",
        )
        for label, sets in groups
    ]
    table, comparisons = paired.compare_pairs(pairs)
    table["p_two_sided"] = [c.p_two_sided if c is not None else math.nan for c in comparisons]
    table["p_paper"] = [PAPER[label] for label, _ in groups]
    return table


def measure(ctx: Context) -> Finding:
    """The chain per group of data sets with robustness, ranks, ceilings, depth and
    architecture splits, SELU against ReLU on KEEL, the caveat, and the sections under
    normalization (:func:`bench.claims.norm.add`)."""
    f = Finding()
    conv = common.prepare(ctx.frame("c15_ranking"), select=False)
    if conv.empty:
        norm.add(f, ctx)
        return f
    main = metrics.select_lr(conv)
    head = main[main["init"] == "matched"]
    f.add(
        Table(
            "pairs",
            "Adjacent pairs of the claimed order, test accuracy, data-set level, per group of "
            "data sets (effect: mean over data sets of the seed-averaged difference; p_holm, "
            "p_equiv_holm: Holm over the five pairs; p_a_better / p_rope / p_b_better: Bayesian "
            "signed-rank; to_detect: data sets to detect this effect with 80 % power).",
            _groups(conv),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "variants",
            "The leaky variants beside the chain (LeakyReLU > RReLU > PReLU > ReLU is not "
            "claimed; read as descriptive), all data sets.",
            paired.chain(head, ("leaky_relu", "rrelu", "prelu", "relu")),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "ranks",
            "Mean rank over data sets (1 = best; seeds averaged first), matched init; the "
            "critical-difference diagram below shows them at once (Friedman + Nemenyi over "
            "data sets: descriptive, the pairs decide).",
            _mean_ranks(head),
            percent=("test_acc",),
        )
    )
    avg = metrics.average_over(head, "test_acc", keep=["dataset", "activation"])
    cd = ranks.nemenyi_diagram(avg, "test_acc", "activation", ["dataset"])
    f.figures.append(
        Figure(
            "c15_critical_difference.png",
            "Critical-difference diagram (descriptive): mean ranks over data sets, matched "
            "init; a bar joins activations Friedman + Nemenyi does not tell apart",
            lambda p: plots.cd_diagram(cd, p, "Average rank, test accuracy (matched init)"),
        )
    )
    f.add(
        Table(
            "datasets",
            "Data sets: best and worst activation's mean test accuracy; 'at_ceiling' marks sets "
            "where every activation is within noise of 100 %.",
            _informative(head),
            percent=("best", "worst", "spread"),
        )
    )
    f.add(
        Table(
            "selu_vs_relu",
            "SELU + LeCun normal against ReLU + He normal on the KEEL sets (one-sided p: SELU "
            "better; p_two_sided: either way; p_paper: Klambauer et al. 2017, SNN against "
            "MSRAinit over 121 UCI sets, and over the 46 with ≥ 1000 samples).",
            _selu_vs_relu(main),
            percent=common.PERCENT,
        )
    )
    for name, suites, axis, caption in (
        (
            "depth",
            ("c15_depth", "c15_depth32"),
            "model.depth",
            "Adjacent pairs at depth 16 (the real sets) and 32 (12 real sets).",
        ),
        (
            "architecture",
            ("c15_resmlp", "c15_cnn"),
            "model.kind",
            "Adjacent pairs on residual MLPs and CNNs.",
        ),
    ):
        parts = [common.prepare(ctx.frame(s), select=False) for s in suites]
        parts = [p for p in parts if not p.empty]
        if parts:
            f.add(
                Table(
                    name,
                    caption,
                    _by(pd.concat(parts, ignore_index=True), axis),
                    percent=common.PERCENT,
                )
            )
    caveat = _caveat(ctx.frame("c14_selu"))
    if not caveat.empty:
        f.add(
            Table(
                "caveat",
                "The caveat: SELU against ELU when a self-normalizing condition is off (C14's "
                "suite).",
                caveat,
                percent=common.PERCENT,
            )
        )
    norm.add(f, ctx)
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """The adjacent pairs over all data sets (Holm over the five), an EQUIVALENT pair
    counting as CONTRADICTED: all SUPPORTED → SUPPORTED; all CONTRADICTED → CONTRADICTED;
    all INCONCLUSIVE → INCONCLUSIVE; a mix → PARTLY (``verdicts.combine``). Kendall's τ of
    the observed mean-rank order against the claimed one is reported beside."""
    table = t.get("pairs", pd.DataFrame())
    if table.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c15_ranking")
    first = table["group"].iloc[0]
    pairs = table[table["group"] == first]
    verdict = verdicts.combine([verdicts.against(v) for v in pairs["verdict"]])
    mean_ranks = t.get("ranks", pd.DataFrame())
    tau, p_tau = math.nan, math.nan
    if not mean_ranks.empty:
        observed = [a for a in mean_ranks["activation"] if a in ORDER]
        if len(observed) == len(ORDER):
            tau, p_tau = ranks.rank_correlation(observed, list(ORDER))
    n_ds = int(pairs["n_datasets"].min())
    n_seeds = int(np.nanmin(pairs["n_seeds"])) if "n_seeds" in pairs else 0
    parts = "; ".join(
        f"{r.comparison}: {measures.part_text(r)}"
        + (
            ""
            if r.verdict != "INCONCLUSIVE"
            else f" (≈ {int(r.to_detect)} data sets to detect)"
            if r.to_detect == r.to_detect
            else " (to detect: —, the observed effect points the other way)"
        )
        + (f" [{r.robustness}]" if "robustness" in pairs and isinstance(r.robustness, str) else "")
        for _, r in pairs.iterrows()
    )
    return Verdict(
        verdict,
        effect=tau,
        effect_label="Kendall τ between the observed mean-rank order and the claimed order",
        p=p_tau,
        test="Kendall's τ, two-sided; the pairs: one-sided Wilcoxon signed-rank over data "
        "sets, Holm over the five pairs, signed-rank TOST for equivalence",
        n_datasets=n_ds,
        n_seeds=n_seeds,
        conditions="8×64 MLPs, matched init, Adam, lr chosen per configuration on "
        "validation from a bracket that starts at 3e-4, 1e-3, 3e-3 (the setup table), 15 "
        "epochs, at most 2000 training rows",
        evidence=f"{first}, {n_ds} data sets: {parts}; τ = {tau:.2f}",
        would_change="a pair whose sign reverses under another reasonable analysis (the "
        "robustness column's first reading) is fragile; an INCONCLUSIVE pair would need "
        "about the number of data sets shown; deeper nets or other architectures change the "
        "order (depth and architecture tables)",
    )


CLAIM = Claim(
    id="C15",
    title="The claimed order of hidden-layer activations",
    statement="For hidden layers of deep nets: SELU > ELU > LeakyReLU (and its variants) > "
    "ReLU > tanh > sigmoid. Where the net cannot self-normalize, ELU may beat SELU.",
    suites=("c15_ranking", "c15_depth", "c15_depth32", "c15_resmlp", "c15_cnn", "c14_selu"),
    groups={"norm": (norm.CHAIN, norm.KLAMBAUER)},
    treatment="activation",
    conditions="each activation with its matched initializer",
    design="Eight activations (the six of the chain plus RReLU and PReLU), with their matched "
    "initializer and with torch_default, train 8×64 MLPs on every offline data set (43 real, "
    "17 synthetic) × 5 seeds, Adam with rates bracketed from 3e-4, 1e-3 and 3e-3 until "
    "each configuration's best is interior, the rate chosen per configuration on the "
    "validation split. Each adjacent pair of the chain is one "
    "comparison at the data-set level (seeds averaged inside a data set; one-sided Wilcoxon "
    "over data sets, Holm over the five pairs; "
    f"TOST inside ±{100 * verdicts.ROPE:g} point for equivalence; a "
    "hierarchical bootstrap interval and the Bayesian signed-rank probabilities beside), "
    "read for all data sets, the real ones (small and large apart) and the synthetic ones, "
    "each pair re-derived under other reasonable analyses (sign and decision read apart). "
    "The chain is read again at depth 16 "
    "(the real sets) and 32, on residual MLPs and on CNNs; SELU + LeCun is set against "
    "ReLU + He on the KEEL sets as the SELU paper did; and SELU is compared with ELU where "
    "one self-normalizing condition is off. Trained apart (make claims-norm), where "
    "stored: the SELU paper's comparison on the 43 real tables at depths 2, 8 and 16 "
    "(SELU + LeCun normal, with and without alpha dropout, against ReLU, ELU and GELU + He "
    "plain, with BatchNorm, with LayerNorm and residual), and the chain again with BatchNorm, "
    "LayerNorm and residual blocks at depth 8.",
    measure=measure,
    judge=judge,
)

__all__ = ["CLAIM", "ORDER"]
