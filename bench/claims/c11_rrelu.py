"""C11: RReLU (a random negative slope in training, its mean at test time) acts as a
regularizer: it reduces overfitting.

``c11_size``: RReLU against its control, LeakyReLU at RReLU's mean slope 0.229
(``leaky_relu(0.229)``: the same function at test time, without the noise), at every
training-set size (10 %, 30 % and 100 % of the training split, at most 2,000 rows), on 14
KEEL data sets × 5 seeds, 4×128 MLPs trained 30 epochs, each configuration at its
bracketed Adam rate chosen on validation. Overfitting is the loss gap: test minus training
cross-entropy after the last epoch (both in evaluation mode). Two parts, each read at every
size with Holm over the sizes: a smaller loss gap, and better test accuracy. Each row's
verdict is the shared rule's (:func:`bench.scoring.verdicts.decide` on the Holm-adjusted
p-values): a significant reduction inside the rope is "SUPPORTED, negligible" (it counts as
SUPPORTED), never CONTRADICTED; only an EQUIVALENT row (TOST inside the rope and no
direction significant) counts against the claim. The large tier (the largest real tables,
trained whole) is shown beside it, not judged. The measure is the one C12 reads for PReLU
(:func:`bench.claims.measures.size_comparisons`); the judges differ. Each row carries its
robustness readings (:func:`bench.claims.measures.robust_sizes`, from the rows before rate
selection; one initializer, so no other-initializer reading).

Public:
    CONTROL                 RReLU's control arm, ``leaky_relu(0.229)``
    means(frame) -> DataFrame           per size × activation means (context)
    measure(ctx) -> Finding, judge(tables) -> Verdict, CLAIM
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.claims.measures import SIZE, robust_sizes, size_evidence, tiers
from bench.scoring import verdicts

CONTROL = "leaky_relu(0.229)"  # RReLU's mean slope (1/8 + 1/3) / 2 = 0.2292


def means(frame: pd.DataFrame) -> pd.DataFrame:
    """Per size × activation: median training rows, means over runs of the training and
    test accuracy, the loss gap, and the early-stopping readings (context, not judged)."""
    g = frame.groupby([SIZE, "activation"])
    out = pd.DataFrame(
        {
            "n_train": g["n_train"].median() if "n_train" in frame else math.nan,
            "train_acc": g["train_acc"].mean(),
            "test_acc": g["test_acc"].mean(),
            "loss_gap": g["loss_gap"].mean(),
            "best_epoch": g["best_epoch"].mean() if "best_epoch" in frame else math.nan,
            "es_test_acc": g["es_test_acc"].mean(),
            "es_gap": g["es_gap"].mean(),
        }
    )
    return out.reset_index().rename(columns={SIZE: "train_size"})


def measure(ctx: Context) -> Finding:
    """RReLU against leaky_relu(0.229) per size (loss gap, test accuracy); means per
    size × activation; a figure of the loss gap against the size."""
    f = Finding()
    raw = ctx.frame("c11_size")
    frame, large = tiers(raw)
    if frame.empty:
        return f
    gap, test = robust_sizes(tiers(raw, select=False)[0], "rrelu", CONTROL)
    f.add(
        Table(
            "gap",
            f"RReLU against {CONTROL} on the loss gap (test − training cross-entropy after "
            "the last epoch, nats) at each training-set share; effect = the control's gap − "
            "RReLU's (positive: RReLU overfits less); Holm over the sizes; robustness: each "
            "size re-derived under the alternatives that exist.",
            gap,
        )
    )
    f.add(
        Table(
            "test",
            f"RReLU against {CONTROL} on test accuracy after the last epoch (points), at each "
            "training-set share; Holm over the sizes; robustness as above.",
            test,
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "means",
            "Means over runs by training-set share and activation: training rows (median), "
            "training and test accuracy and loss gap after the last epoch, and with "
            "validation-based early stopping (best_epoch: the epoch of the best validation "
            "accuracy; es_test_acc, es_gap: the test accuracy and loss gap there). "
            "leaky_relu is slope 0.01, the comparator of earlier designs.",
            means(frame),
            percent=("train_acc", "test_acc", "es_test_acc"),
        )
    )
    if not large.empty:
        f.add(
            Table(
                "large",
                "The large tier (context, not judged): the largest real tables trained whole "
                "(100 % of the training split, no cap), means over runs by activation.",
                means(large),
                percent=("train_acc", "test_acc", "es_test_acc"),
            )
        )
    f.figures.append(
        Figure(
            "c11_gap_vs_size.png",
            "Loss gap (test − training cross-entropy) against training-set share",
            lambda p: plots.lines(
                frame,
                SIZE,
                "loss_gap",
                "activation",
                p,
                "test − training loss",
                "loss gap (nats)",
                panel="dataset",
                logx=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Two parts read at every size, Holm over the sizes within a part: a smaller loss gap
    (rope 0.02 nats) and better test accuracy (rope 1 point) than leaky_relu(0.229). Each
    row's verdict as the shared rule gave it on the adjusted p-values (SUPPORTED, also
    when negligible; CONTRADICTED when the reverse is significant), an EQUIVALENT one read
    as CONTRADICTED (``verdicts.against``), then all rows combined (``verdicts.combine``):
    all SUPPORTED → SUPPORTED, all CONTRADICTED → CONTRADICTED, all INCONCLUSIVE →
    INCONCLUSIVE, any mix → PARTLY. The headline p is the smallest size's Holm-adjusted
    one, the p its verdict was decided on."""
    gap, test = t.get("gap", pd.DataFrame()), t.get("test", pd.DataFrame())
    if gap.empty or test.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    parts = [verdicts.against(v) for v in [*gap["verdict"], *test["verdict"]]]
    head = gap.loc[gap["train_size"].idxmin()]
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(
            head,
            p=float(head.get("p_holm", math.nan)),
            test="one-sided Wilcoxon over data sets, Holm",
        ),
        effect_label=f"{CONTROL} − RReLU loss gap at the smallest size (nats)",
        conditions="He normal, 4×128 MLPs, Adam at a bracketed rate chosen on validation, 30 "
        "epochs, 10–100 % of the training split (at most 2,000 rows)",
        evidence=f"loss gap smaller than {CONTROL}'s: {size_evidence(gap, 'nats')}; test "
        f"accuracy: {size_evidence(test)}",
        would_change="more epochs or wider nets (more overfitting to regularize), a wider "
        "slope range than PyTorch's U(1/8, 1/3), or larger data sets",
    )


CLAIM = Claim(
    id="C11",
    title="RReLU regularizes",
    statement="RReLU (a random negative slope during training, its mean at test time) acts "
    "as a regularizer and reduces overfitting.",
    suites=("c11_size",),
    treatment="activation (RReLU against LeakyReLU at its mean slope) × training-set size",
    conditions="He normal, 4×128 MLPs, Adam at a bracketed rate chosen on validation, 30 epochs",
    design=f"RReLU, its control {CONTROL} (LeakyReLU at RReLU's mean slope: the same "
    "function without the noise), leaky_relu(0.25), PReLU and leaky_relu (slope 0.01) 4×128 "
    "MLPs trained 30 epochs on 10 %, 30 % and 100 % of the training split (at most 2,000 "
    "rows; validation and test splits whole) of 14 KEEL data sets × 5 seeds, each "
    "configuration at its bracketed Adam rate chosen on validation. At each size, "
    "RReLU against its control at the data-set level: the loss gap (test − training "
    "cross-entropy after the last epoch: overfitting, not capped as the accuracy gap is at "
    "100 % training accuracy) and test accuracy, Holm over the three sizes; a significant "
    "reduction inside the rope reads SUPPORTED, negligible. The largest real tables, trained "
    "whole, are shown as context.",
    measure=measure,
    judge=judge,
)
