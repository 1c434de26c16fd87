"""C12: PReLU (a learned slope) wins on large data and overfits small data.

``c11_size``: PReLU against LeakyReLU on the train–test gap at 10 % of the training split
(larger for PReLU = overfits) and on test accuracy at 100 % (better for PReLU = wins).
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.c11_rrelu import by_size, with_gap
from bench.scoring import verdicts


def measure(ctx: Context) -> Finding:
    """PReLU vs LeakyReLU per training size."""
    f = Finding()
    frame = ctx.frame("c11_size")
    if frame.empty:
        return f
    f.add(
        Table(
            "compare",
            "PReLU against LeakyReLU by training-set share (points; gap "
            "effects positive when PReLU's gap is smaller).",
            by_size(with_gap(frame), "prelu", "leaky_relu"),
            percent=("effect", "ci_low", "ci_high"),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Part 1 (overfits small): PReLU's gap larger at the smallest size (the comparison
    'smaller gap' CONTRADICTED). Part 2 (wins large): better test accuracy at the largest."""
    c = t.get("compare", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    small = c[(c["train_size"] == c["train_size"].min()) & c["comparison"].str.contains("gap")]
    large = c[(c["train_size"] == c["train_size"].max()) & c["comparison"].str.contains("test")]
    gap, acc = small.iloc[0], large.iloc[0]
    flip = {"CONTRADICTED": "SUPPORTED", "SUPPORTED": "CONTRADICTED"}
    parts = [flip.get(gap["verdict"], gap["verdict"]), acc["verdict"]]
    parts = [verdicts.against(p) for p in parts]
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(acc),
        effect_label="PReLU − LeakyReLU test accuracy on the whole training split (fraction)",
        conditions="4×128 MLPs, 30 epochs",
        evidence=f"gap at 10 %: PReLU smaller by {common.fmt_effect(gap)} (overfits more: "
        f"{parts[0]}); test at 100 %: {common.fmt_effect(acc)} ({parts[1]})",
        would_change="'large' here is at most 3,000 training samples; ImageNet-scale data "
        "(He et al. 2015's setting) could favour PReLU",
    )


CLAIM = Claim(
    id="C12",
    title="PReLU wins on large data, overfits small data",
    statement="PReLU, whose negative slope is learned, does well on large data sets but "
    "overfits small ones.",
    suites=("c11_size",),
    treatment="activation × training-set size",
    conditions="He normal, 4×128 MLPs",
    design="The C11 experiment read for PReLU against LeakyReLU: the train–test gap on 10 % of "
    "the training split (does PReLU overfit more?) and test accuracy on all of it (does it "
    "win?), at the data-set level over 6 data sets × 5 seeds.",
    measure=measure,
    judge=judge,
)
