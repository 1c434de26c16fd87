"""C5: Glorot initialization speeds training up considerably.

Read from ``c04_convergence``: Glorot uniform against naive N(0, 1), for sigmoid and for
tanh, on the area under the validation curve at the data-set level (12 data sets × 5 seeds).
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, verdicts

REFERENCE = {"init": "glorot_uniform"}


def measure(ctx: Context) -> Finding:
    """AULC and final accuracy, Glorot vs naive, per activation."""
    f = Finding()
    frame = ctx.frame("c04_convergence")
    if frame.empty:
        return f
    conv = common.prepare(frame, REFERENCE, select=False)
    rows = []
    for act in ("sigmoid", "tanh"):
        sub = conv[conv["activation"] == act].assign(arm=lambda d: d["init"])
        for metric in ("auc_val_acc", "test_acc"):
            comp = paired.compare_arms(sub, "glorot_uniform", "naive_normal", metric)
            rows.append({**verdicts.row(f"{act}: Glorot > naive, {metric}", comp)})
    f.add(
        Table(
            "compare",
            "Glorot uniform against naive N(0, 1) (points).",
            pd.DataFrame(rows),
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """AULC rows only: both SUPPORTED → SUPPORTED; parts differ → PARTLY; etc."""
    comp = t.get("compare", pd.DataFrame())
    if comp.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c04_convergence")
    auc = comp[comp["comparison"].str.endswith("auc_val_acc")]
    verdict = verdicts.combine(auc["verdict"].tolist())
    r = auc.iloc[0]
    return Verdict(
        verdict,
        **common.from_row(r),
        effect_label="sigmoid: Glorot − naive, area under the validation curve (fraction)",
        conditions="8×64 MLPs, Adam 1e-3, 15 epochs",
        evidence="; ".join(
            f"{x.comparison.split(',')[0]}: {common.fmt_effect(x._asdict())} ({x.verdict})"
            for x in auc.itertuples()
        ),
        would_change="plain SGD (Adam rescales each weight's step, which blunts a bad init), "
        "or deeper nets, would likely widen the gap",
    )


CLAIM = Claim(
    id="C5",
    title="Glorot initialization speeds training up",
    statement="Glorot (Xavier) initialization speeds training up considerably.",
    suites=("c04_convergence",),
    treatment="initializer",
    conditions="sigmoid and tanh 8×64 MLPs",
    design="The C4 experiment read the other way: for sigmoid and for tanh, Glorot uniform "
    "against naive N(0, 1) weights on the area under the validation-accuracy curve and the "
    "final test accuracy, 12 data sets × 5 seeds, data-set level.",
    measure=measure,
    judge=judge,
)
