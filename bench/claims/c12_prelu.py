"""C12: PReLU (a learned negative slope) does well on large data sets and overfits small
ones.

``c11_size`` (the C11 experiment): PReLU against its control, LeakyReLU at PReLU's initial
slope 0.25 (``leaky_relu(0.25)``: the same network before any slope is learned), at every
training-set size, Holm over the sizes. Three parts: PReLU's loss gap larger at the
smallest size (overfits small), its test accuracy better at the largest (wins large), and
the size × activation interaction: the PReLU − control test-accuracy effect larger at the
largest size than at the smallest, per data set. The per-size comparisons are the measure
C11 reads for RReLU (:func:`bench.claims.measures.size_comparisons`); the judges differ.

Public:
    CONTROL                 PReLU's control arm, ``leaky_relu(0.25)``
    interaction(frame, a, b, metric) -> DataFrame
                            the (a − b) effect at the largest size minus at the smallest
    measure(ctx) -> Finding, judge(tables) -> Verdict, CLAIM
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.measures import SIZE, fmt_nats, size_comparisons, size_evidence, with_gaps
from bench.scoring import metrics, paired, verdicts

CONTROL = "leaky_relu(0.25)"  # PReLU's initial slope
_PCT = ("effect", "ci_low", "ci_high")


def interaction(frame: pd.DataFrame, a: str, b: str, metric: str = "test_acc") -> pd.DataFrame:
    """The size × activation interaction: per data set × seed, (``a`` − ``b``) on ``metric``
    at the largest size minus the same at the smallest, then :func:`paired.compare` over
    data sets (seeds averaged inside a data set; effect positive when ``a``'s advantage grows
    with the data; rope 1 point). One :func:`verdicts.row`, with ``small`` and ``large``."""
    label = f"({a} − {b}) {metric}, largest size − smallest"
    if frame.empty or frame[SIZE].nunique() < 2:
        return pd.DataFrame()
    small, large = frame[SIZE].min(), frame[SIZE].max()
    work = frame.assign(arm=frame["activation"], score=metrics.scores(frame, metric))
    blocks = ("dataset", "seed")
    lo = paired.paired(work[work[SIZE] == small], "arm", a, b, "score", blocks)
    hi = paired.paired(work[work[SIZE] == large], "arm", a, b, "score", blocks)
    both = hi.merge(lo, on=list(blocks), suffixes=("_large", "_small"))
    both["diff"] = both["diff_large"] - both["diff_small"]
    comp = paired.compare(both) if both["diff"].notna().any() else None
    return pd.DataFrame([{"small": small, "large": large, **verdicts.row(label, comp)}])


def measure(ctx: Context) -> Finding:
    """PReLU against leaky_relu(0.25) per size (loss gap, test accuracy), and the
    size × activation interaction on test accuracy."""
    f = Finding()
    frame = ctx.frame("c11_size")
    if frame.empty:
        return f
    frame = with_gaps(frame)
    gap, test = size_comparisons(frame, "prelu", CONTROL, gap_claimed="B>A")
    f.add(
        Table(
            "gap",
            f"PReLU against {CONTROL} on the loss gap (test − training cross-entropy after "
            f"the last epoch, nats) at each training-set share; effect = {CONTROL}'s gap − "
            "PReLU's (negative: PReLU overfits more, as claimed); Holm over the sizes.",
            gap,
        )
    )
    f.add(
        Table(
            "test",
            f"PReLU against {CONTROL} on test accuracy after the last epoch (points) at each "
            "training-set share; Holm over the sizes.",
            test,
            percent=_PCT,
        )
    )
    f.add(
        Table(
            "interaction",
            f"Size × activation: per data set, (PReLU − {CONTROL}) test accuracy at the "
            "largest share minus at the smallest (points; positive: PReLU gains more from "
            "more data).",
            interaction(frame, "prelu", CONTROL),
            percent=_PCT,
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts: overfits small (the ``gap`` row at the smallest size: PReLU's loss gap
    larger, after Holm over the sizes), wins large (the ``test`` row at the largest size),
    and the interaction (PReLU's test-accuracy effect larger at the largest size than at the
    smallest). Each part's verdict, an EQUIVALENT one read as CONTRADICTED, then combined
    (``verdicts.combine``): all SUPPORTED → SUPPORTED, all CONTRADICTED → CONTRADICTED, all
    INCONCLUSIVE → INCONCLUSIVE, any mix → PARTLY."""
    gap, test = t.get("gap", pd.DataFrame()), t.get("test", pd.DataFrame())
    inter = t.get("interaction", pd.DataFrame())
    if gap.empty or test.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    small = gap.loc[gap["train_size"].idxmin()]
    large = test.loc[test["train_size"].idxmax()]
    row = inter.iloc[0] if not inter.empty else pd.Series(verdicts.row("interaction", None))
    parts = [verdicts.against(r["verdict"]) for r in (small, large, row)]
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(row),
        effect_label=f"interaction: (PReLU − {CONTROL}) test accuracy, largest − smallest "
        "size (fraction)",
        conditions="He normal, 4×128 MLPs, Adam 1e-3, 30 epochs, 10–100 % of the training "
        "split (at most 2,000 rows)",
        evidence=f"overfits small (loss gap at {100 * small['train_size']:.0f} %, "
        f"{CONTROL} − PReLU): {parts[0]}, {fmt_nats(small)}; wins large (test at "
        f"{100 * large['train_size']:.0f} %): {parts[1]}, {common.fmt_effect(large)}; "
        f"interaction: {parts[2]}, {common.fmt_effect(row)}. Every size: gap "
        f"{size_evidence(gap, 'nats')}; test {size_evidence(test)}",
        would_change="'large' here is at most 2,000 training rows; ImageNet-scale data "
        "(He et al. 2015's setting) or per-channel slopes in a CNN could favour PReLU",
    )


CLAIM = Claim(
    id="C12",
    title="PReLU wins on large data, overfits small data",
    statement="PReLU, whose negative slope is learned, does well on large data sets but "
    "overfits small ones.",
    suites=("c11_size",),
    treatment="activation (PReLU against LeakyReLU at its initial slope) × training-set size",
    conditions="He normal, 4×128 MLPs, Adam 1e-3, 30 epochs",
    design=f"The C11 experiment read for PReLU against its control {CONTROL} (LeakyReLU at "
    "PReLU's initial slope: what PReLU is before it learns), at the data-set level over 14 "
    "KEEL data sets × 5 seeds and three training-set shares (10 %, 30 %, 100 % of the "
    "training split, at most 2,000 rows). Overfits small: the loss gap (test − training "
    "cross-entropy) at the smallest share; wins large: test accuracy at the largest; and "
    "the size × activation interaction: the PReLU − control test-accuracy effect at the "
    "largest share minus the one at the smallest, per data set.",
    measure=measure,
    judge=judge,
)
