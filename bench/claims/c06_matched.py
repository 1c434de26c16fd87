"""C6: Glorot suits none/tanh/logistic, He suits ReLU and its variants, LeCun suits SELU.

``c06_matched``: six activations × seven initializers (each variance family in both
shapes, and PyTorch's default) on 8×64 MLPs, 6 data sets × 5 seeds. For each activation,
the rank of the initializer the note matches to it, among the seven (1 = best test accuracy;
ranked within each data set × seed, then averaged), and its distance to the best one.
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, verdicts

MATCHED = {
    "sigmoid": "glorot_uniform",
    "tanh": "glorot_uniform",
    "relu": "he_normal",
    "leaky_relu": "he_normal",
    "elu": "he_normal",
    "selu": "lecun_normal",
}
NEAR_TOP = 2.5  # mean rank at or above this (of 7) counts as "at or near the top"


def measure(ctx: Context) -> Finding:
    """Rank of the matched initializer per activation; matched vs the best other."""
    f = Finding()
    frame = ctx.frame("c06_matched")
    if frame.empty:
        return f
    work = common.scored(frame, "test_acc")
    rows, ranks_all = [], []
    for act, sub in work.groupby("activation", sort=False):
        means = sub.groupby(["dataset", "seed", "init"])["score"].mean().unstack()
        ranks = means.rank(axis=1, ascending=False).mean().sort_values()
        matched = MATCHED.get(act)
        best_other = next(i for i in ranks.index if i != matched)
        comp = paired.compare_arms(sub.assign(arm=sub["init"]), matched, best_other)
        row = verdicts.row(f"{act}: {matched} vs {best_other}", comp)
        rows.append(
            {
                "activation": act,
                "matched": matched,
                "rank": ranks.get(matched),
                "of": len(ranks),
                "n_datasets": sub["dataset"].nunique(),
                "n_seeds": int(sub.groupby("dataset")["seed"].nunique().min()),
                "best": ranks.index[0],
                **{k: row.get(k) for k in ("effect", "ci_low", "ci_high", "p", "verdict")},
            }
        )
        ranks_all.append(ranks.rename(act))
    f.add(
        Table(
            "matched",
            "Rank of the matched initializer (mean over blocks, 1 = best of "
            "7) and its test-accuracy difference to the best other one (points; "
            "'SUPPORTED' = matched better).",
            pd.DataFrame(rows),
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    table = pd.DataFrame(ranks_all).reset_index(names="activation")
    f.add(
        Table("ranks", "Mean rank of every initializer per activation (1 = best).", table, digits=2)
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when every activation's matched initializer has mean rank ≤ 2.5 of 7;
    CONTRADICTED when none does; PARTLY otherwise."""
    m = t.get("matched", pd.DataFrame())
    if m.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c06_matched")
    near = m["rank"] <= NEAR_TOP
    verdict = "SUPPORTED" if near.all() else "CONTRADICTED" if not near.any() else "PARTLY"
    return Verdict(
        verdict,
        effect=float(m["rank"].mean()),
        effect_label="mean rank of the matched initializer over the activations (of 7)",
        test="ranks within data set × seed blocks",
        n_datasets=int(m["n_datasets"].min()),
        n_seeds=int(m["n_seeds"].min()),
        conditions="8×64 MLPs, Adam 1e-3, 15 epochs",
        evidence="; ".join(
            f"{r.activation}: {r.matched} rank {r.rank:.1f} (best {r.best})" for r in m.itertuples()
        ),
        would_change="plain SGD or deeper nets, where the initial scale matters more than "
        "under Adam at depth 8",
    )


CLAIM = Claim(
    id="C6",
    title="Each activation has its initializer",
    statement="Glorot initialization suits no activation, tanh, logistic and softmax; He "
    "suits ReLU and its variants; LeCun suits SELU (σ² = 1/fan_avg, 2/fan_in, 1/fan_in; a "
    "uniform variant has bound r = √(3σ²)).",
    suites=("c06_matched",),
    treatment="initializer",
    conditions="8×64 MLPs, Adam 1e-3",
    design="Six activations × seven initializers (Glorot, He and LeCun in normal and uniform "
    "shape, and PyTorch's default) on 6 data sets × 5 seeds. Within each data set × seed, the "
    "initializers are ranked by test accuracy for each activation; the matched one's mean "
    "rank is reported, and it is compared with the best other initializer at the data-set "
    "level.",
    measure=measure,
    judge=judge,
)
