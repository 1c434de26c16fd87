"""C11: RReLU (a random negative slope in training, its mean at test time) acts as a
regularizer: it reduces overfitting.

``c11_size``: RReLU against its control, LeakyReLU at RReLU's mean slope 0.229
(``leaky_relu(0.229)``: the same function at test time, without the noise), at every
training-set size (10 %, 30 % and 100 % of the training split, at most 2,000 rows), on 14
KEEL data sets × 5 seeds, 4×128 MLPs trained 30 epochs. Overfitting is the loss gap: test
minus training cross-entropy after the last epoch (both in evaluation mode). Two parts, each
read at every size with Holm over the sizes: a smaller loss gap, and better test accuracy.
The shared steps serve C12 (:mod:`bench.claims.c12_prelu`) too.

Public:
    CONTROL                 RReLU's control arm, ``leaky_relu(0.229)``
    LOSS_GAP, LOSS_ROPE     the loss-gap metric (nats, smaller better) and its rope
    with_gaps(frame) -> DataFrame       adds loss_gap, and the early-stopping readings
    by_size(frame, a, b, metric, label, claimed, rope) -> DataFrame
                            ``a`` against ``b`` at each size, Holm over the sizes
    means(frame) -> DataFrame           per size × activation means (context)
    size_evidence(table, unit) -> str   ``10 %: SUPPORTED (+1.2 points …); …`` (evidence)
    fmt_nats(row) -> str    a loss-gap effect and CI in nats
    measure(ctx) -> Finding, judge(tables) -> Verdict, CLAIM
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import paired, verdicts

CONTROL = "leaky_relu(0.229)"  # RReLU's mean slope (1/8 + 1/3) / 2 = 0.2292
LOSS_GAP = Metric("loss_gap", "test − training loss", "nats", False, math.nan, True)
LOSS_ROPE = 0.02  # nats: −ln(0.98), 2 % less probability on the true class
SIZE = "data.train_size"
_PCT = ("effect", "ci_low", "ci_high")


def with_gaps(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``loss_gap`` (test − training loss after the last epoch), ``es_gap``
    and ``es_test_acc`` (the loss gap and test accuracy at the epoch of the best validation
    accuracy, i.e. with validation-based early stopping). Runs that did not finish: NaN."""
    out = frame.copy()
    ok = out["status"] == "ok"
    out["loss_gap"] = (out["test_loss"] - out["train_loss"]).where(ok)
    es_gap, es_test = [], []
    for _, r in out.iterrows():
        c, best = r.get("curves"), r.get("best_epoch")
        if r["status"] != "ok" or not isinstance(c, dict) or not c.get("test_acc"):
            es_gap.append(math.nan)
            es_test.append(math.nan)
            continue
        i = int(best) - 1 if best is not None and best == best else len(c["test_acc"]) - 1
        es_gap.append(c["test_loss"][i] - c["train_loss"][i])
        es_test.append(c["test_acc"][i])
    out["es_gap"], out["es_test_acc"] = es_gap, es_test
    return out


def by_size(
    frame: pd.DataFrame,
    a: str,
    b: str,
    metric: str | Metric,
    label: str,
    claimed: str = "A>B",
    rope: float = verdicts.ROPE,
) -> pd.DataFrame:
    """Arm ``a`` against arm ``b`` (activations) on ``metric`` at each training-set size,
    data set the unit (seeds averaged inside it): one :func:`bench.scoring.verdicts.row`
    per size (``effect`` positive when ``a`` is better), Holm over the sizes
    (:func:`bench.scoring.paired.holm_rows`).

    Args:
        frame: the suite's results (with ``loss_gap`` for that metric: :func:`with_gaps`).
        a: the arm the claim is about; b: its control.
        metric: the compared metric (its declared direction decides "better").
        label: the rows' ``comparison`` text.
        claimed: ``A>B`` (the claim says ``a`` is better) or ``B>A``.
        rope: the region of practical equivalence, in the metric's units.

    Returns:
        One row per size (``train_size`` first); empty when the frame is.
    """
    if frame.empty:
        return pd.DataFrame()
    sizes = sorted(frame[SIZE].unique())
    rows = []
    for size in sizes:
        sub = frame[frame[SIZE] == size]
        work = sub.assign(arm=sub["activation"])
        comp = paired.compare_arms(work, a, b, metric, rope=rope, family=len(sizes))
        rows.append({"train_size": size, **verdicts.row(label, comp, claimed)})
    return paired.holm_rows(pd.DataFrame(rows))


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


def size_evidence(table: pd.DataFrame, unit: str = "points") -> str:
    """``10 %: SUPPORTED (+1.2 points [0.4, 2.0]); …`` over a :func:`by_size` table."""
    parts = []
    for _, r in table.iterrows():
        effect = common.fmt_effect(r) if unit == "points" else fmt_nats(r)
        parts.append(f"{100 * r['train_size']:.0f} %: {r['verdict']} ({effect})")
    return "; ".join(parts)


def fmt_nats(r: pd.Series) -> str:
    """``+0.012 nats [-0.003, +0.027]`` from a comparison row (loss-gap evidence)."""
    e, lo, hi = r.get("effect"), r.get("ci_low"), r.get("ci_high")
    if e is None or e != e:
        return "no paired data"
    return f"{e:+.3f} nats [{lo:+.3f}, {hi:+.3f}]"


def measure(ctx: Context) -> Finding:
    """RReLU against leaky_relu(0.229) per size (loss gap, test accuracy); means per
    size × activation; a figure of the loss gap against the size."""
    f = Finding()
    frame = ctx.frame("c11_size")
    if frame.empty:
        return f
    frame = with_gaps(frame)
    gap_label = f"rrelu smaller loss gap than {CONTROL}"
    f.add(
        Table(
            "gap",
            f"RReLU against {CONTROL} on the loss gap (test − training cross-entropy after "
            "the last epoch, nats) at each training-set share; effect = the control's gap − "
            "RReLU's (positive: RReLU overfits less); Holm over the sizes.",
            by_size(frame, "rrelu", CONTROL, LOSS_GAP, gap_label, rope=LOSS_ROPE),
        )
    )
    f.add(
        Table(
            "test",
            f"RReLU against {CONTROL} on test accuracy after the last epoch (points), at each "
            "training-set share; Holm over the sizes.",
            by_size(frame, "rrelu", CONTROL, "test_acc", f"rrelu better test than {CONTROL}"),
            percent=_PCT,
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
    row's verdict, an EQUIVALENT one read as CONTRADICTED, then all rows combined
    (``verdicts.combine``): all SUPPORTED → SUPPORTED, all CONTRADICTED → CONTRADICTED, all
    INCONCLUSIVE → INCONCLUSIVE, any mix → PARTLY."""
    gap, test = t.get("gap", pd.DataFrame()), t.get("test", pd.DataFrame())
    if gap.empty or test.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    parts = [verdicts.against(v) for v in [*gap["verdict"], *test["verdict"]]]
    head = gap.loc[gap["train_size"].idxmin()]
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(head),
        effect_label=f"{CONTROL} − RReLU loss gap at the smallest size (nats)",
        conditions="He normal, 4×128 MLPs, Adam 1e-3, 30 epochs, 10–100 % of the training "
        "split (at most 2,000 rows)",
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
    conditions="He normal, 4×128 MLPs, Adam 1e-3, 30 epochs",
    design=f"RReLU, its control {CONTROL} (LeakyReLU at RReLU's mean slope: the same "
    "function without the noise), leaky_relu(0.25), PReLU and leaky_relu (slope 0.01) 4×128 "
    "MLPs trained 30 epochs on 10 %, 30 % and 100 % of the training split (at most 2,000 "
    "rows; validation and test splits whole) of 14 KEEL data sets × 5 seeds. At each size, "
    "RReLU against its control at the data-set level: the loss gap (test − training "
    "cross-entropy after the last epoch: overfitting, not capped as the accuracy gap is at "
    "100 % training accuracy) and test accuracy, Holm over the three sizes.",
    measure=measure,
    judge=judge,
)
