"""C12: PReLU (a learned negative slope) does well on large data sets and overfits small
ones.

``c11_size`` (the C11 experiment), read for both PReLU forms: ``prelu`` (one learned slope
per layer) and ``prelu_channel`` (one per unit, He et al. 2015's channel-wise form), each
against its control, LeakyReLU at PReLU's initial slope 0.25 (``leaky_relu(0.25)``: the
same network before any slope is learned), each configuration at its bracketed Adam rate
chosen on validation. Three parts per form:

- overfits small: the loss gap at the smallest share of the size sweep (Holm over the
  sizes, :func:`bench.claims.measures.size_comparisons`, the measure C11 reads for RReLU);
- wins large: test accuracy on the large tier, the largest real tables trained whole
  (``data.max_train`` lifted: letter and penbased, the two of 10,000 rows or more, and
  every other real table of 5,000 or more), one family over the two forms;
- the size × activation interaction: the (form − control) test-accuracy effect at the
  largest share of the sweep minus at the smallest, per data set, one family over the forms.

Every comparison goes through :func:`bench.scoring.paired.compare_family`, each row with its
robustness readings (:func:`bench.scoring.robustness.robust` from the rows before rate
selection, :func:`bench.claims.measures.robust_sizes` for the sweep). The learned
slopes are reported (the probes' ``slope`` series after the last epoch: mean and 10th, 50th
and 90th percentiles over a layer's slopes, averaged over runs) by form, tier, share and
layer; runs stored before the probes kept them count as not recorded.

Public:
    CONTROL                 PReLU's control arm, ``leaky_relu(0.25)``
    FORMS                   the PReLU forms compared: ``prelu``, ``prelu_channel``
    interaction(frame, forms, b, metric) -> DataFrame
                            per form, the (form − b) effect at the largest size minus at the
                            smallest; one family over the forms
    slopes(frame) -> DataFrame
                            the learned slopes after training, per form × tier × share × layer
    measure(ctx) -> Finding, judge(tables) -> Verdict, CLAIM
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.claims.measures import (
    CAP,
    SIZE,
    fmt_nats,
    part_text,
    robust_sizes,
    size_evidence,
    tiers,
)
from bench.scoring import metrics, paired, robustness, verdicts

CONTROL = "leaky_relu(0.25)"  # PReLU's initial slope
FORMS = ("prelu", "prelu_channel")
_SLOPE_SERIES = ("slope", "slope_q10", "slope_q50", "slope_q90")


def interaction(
    frame: pd.DataFrame,
    forms: Sequence[str],
    b: str,
    metric: str = "test_acc",
    companions: bool = True,
) -> pd.DataFrame:
    """The size × activation interaction: per form, per data set × seed, (form − ``b``) on
    ``metric`` at the largest size minus the same at the smallest, compared over data sets
    (seeds averaged inside a data set; effect positive when the form's advantage grows with
    the data; rope 1 point), one :func:`paired.compare_family` over the forms present. One
    row per form, with ``activation``, ``small`` and ``large``."""
    if frame.empty or frame[SIZE].nunique() < 2:
        return pd.DataFrame()
    small, large = frame[SIZE].min(), frame[SIZE].max()
    work = frame.assign(arm=frame["activation"], score=metrics.scores(frame, metric))
    blocks = ("dataset", "seed")
    pairs = []
    for a in (f for f in forms if f in set(frame["activation"])):
        lo = paired.paired(work[work[SIZE] == small], "arm", a, b, "score", blocks)
        hi = paired.paired(work[work[SIZE] == large], "arm", a, b, "score", blocks)
        both = hi.merge(lo, on=list(blocks), suffixes=("_large", "_small"))
        both["diff"] = both["diff_large"] - both["diff_small"]
        label = f"({a} − {b}) {metric}, largest size − smallest"
        info = {"activation": a, "small": small, "large": large}
        pairs.append(paired.Pair(label, diffs=both.dropna(subset=["diff"]), info=info))
    return paired.compare_family(pairs, companions=companions)


def _large(
    frame: pd.DataFrame, forms: Sequence[str], b: str, companions: bool = True
) -> pd.DataFrame:
    """Each form against ``b`` on test accuracy on the large tier (at its largest share),
    one family over the forms present."""
    if frame.empty:
        return pd.DataFrame()
    top = frame[frame[SIZE] == frame[SIZE].max()].assign(arm=lambda d: d["activation"])
    rows = int(top["n_train"].min()) if "n_train" in top else 0
    pairs = [
        paired.Pair(
            f"{a} better test than {b}, whole large tables",
            top,
            a,
            b,
            info={"activation": a, "min_train_rows": rows},
        )
        for a in forms
        if a in set(top["activation"])
    ]
    return paired.compare_family(pairs, companions=companions)


def slopes(frame: pd.DataFrame) -> pd.DataFrame:
    """The learned slopes after training: per form × tier (``data.max_train``) × share ×
    layer, the runs whose last probe recorded them (``runs``), and the means over those
    runs of the layer's slope mean, 10th, 50th and 90th percentiles (one slope per layer:
    all four equal). Empty when no run recorded a slope."""
    rows = []
    keep = frame[frame["activation"].isin(FORMS) & (frame["status"] == "ok")]
    for _, r in keep.iterrows():
        probes = r.get("probes")
        last = probes[-1] if isinstance(probes, list) and probes else {}
        if not isinstance(last, dict) or "slope" not in last:
            continue
        for layer in range(len(last["slope"])):
            values = {k: last[k][layer] for k in _SLOPE_SERIES}
            cap = r.get(CAP, math.nan)
            where = {"activation": r["activation"], "max_train": cap, "train_size": r[SIZE]}
            rows.append({**where, "layer": layer + 1, **values})
    if not rows:
        return pd.DataFrame()
    long = pd.DataFrame(rows)
    g = long.groupby(["activation", "max_train", "train_size", "layer"], dropna=False)
    out = g[list(_SLOPE_SERIES)].mean()
    out.insert(0, "runs", g.size())
    return out.reset_index()


def measure(ctx: Context) -> Finding:
    """Per form: against leaky_relu(0.25) per size of the sweep (loss gap, test accuracy),
    on the large tier, and the size × activation interaction; the learned slopes."""
    f = Finding()
    raw = ctx.frame("c11_size")
    frame, large = tiers(raw)
    if frame.empty:
        return f
    forms = [a for a in FORMS if a in set(frame["activation"])]
    sweep, whole = tiers(raw, select=False)
    for form in forms:
        gap, test = robust_sizes(sweep, form, CONTROL, gap_claimed="B>A")
        tag = "" if form == "prelu" else f"_{form}"
        f.add(
            Table(
                f"gap{tag}",
                f"{form} against {CONTROL} on the loss gap (test − training cross-entropy "
                f"after the last epoch, nats) at each training-set share; effect = "
                f"{CONTROL}'s gap − {form}'s (negative: {form} overfits more, as claimed); "
                "Holm over the sizes; robustness: each size re-derived under the "
                "alternatives that exist.",
                gap,
            )
        )
        f.add(
            Table(
                f"test{tag}",
                f"{form} against {CONTROL} on test accuracy after the last epoch (points) at "
                "each training-set share; Holm over the sizes; robustness as above.",
                test,
                percent=common.PERCENT,
            )
        )
    f.add(
        Table(
            "large",
            f"Wins large: each PReLU form against {CONTROL} on test accuracy on the largest "
            "real tables trained whole (100 % of the training split, no cap; "
            "min_train_rows: the smallest training split among them); Holm over the forms; "
            "robustness as above.",
            robustness.robust(whole, None, None, lambda rows, c: _large(rows, forms, CONTROL, c)),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "interaction",
            f"Size × activation: per data set, (form − {CONTROL}) test accuracy at the "
            "largest share minus at the smallest (points; positive: the form gains more from "
            "more data); Holm over the forms; robustness as above.",
            robustness.robust(
                sweep,
                None,
                None,
                lambda rows, c: interaction(rows, forms, CONTROL, companions=c),
            ),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "slopes",
            "The learned negative slopes after the last epoch, per form, tier (max_train "
            "20000: the large tables whole), training-set share and layer: runs that "
            "recorded them, and the means over those runs of the layer's slope mean and "
            "its 10th, 50th and 90th percentiles (prelu has one slope per layer, so the "
            "four agree; prelu_channel one per unit). Every slope starts at 0.25.",
            slopes(pd.concat([frame, large]) if not large.empty else frame),
            digits=3,
        )
    )
    return f


def _part(table: pd.DataFrame, form: str, pick: str = "") -> pd.Series:
    """The row of ``form`` (the smallest or largest size where ``pick`` says), or an
    INCONCLUSIVE row when the table lacks it."""
    if table.empty:
        return pd.Series(verdicts.row("not measured", None))
    rows = table[table["activation"] == form] if "activation" in table else table
    if rows.empty:
        return pd.Series(verdicts.row("not measured", None))
    if pick:
        return rows.loc[getattr(rows["train_size"], pick)()]
    return rows.iloc[0]


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts per PReLU form: overfits small (the form's ``gap`` row at the smallest
    size, after Holm over the sizes: its loss gap larger), wins large (its ``large`` row:
    better test accuracy on the large tables trained whole, Holm over the forms), and the
    interaction (its effect larger at the largest size than at the smallest, Holm over the
    forms). Each part's verdict as the shared rule gave it, an EQUIVALENT one read as
    CONTRADICTED, then all parts combined (``verdicts.combine``): all SUPPORTED →
    SUPPORTED, all CONTRADICTED → CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, any mix
    → PARTLY. The headline is per-layer PReLU's wins-large row."""
    gap, test = t.get("gap", pd.DataFrame()), t.get("test", pd.DataFrame())
    if gap.empty or test.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    large, inter = t.get("large", pd.DataFrame()), t.get("interaction", pd.DataFrame())
    parts, texts = [], []
    for form in FORMS:
        tag = "" if form == "prelu" else f"_{form}"
        g = t.get(f"gap{tag}", pd.DataFrame())
        if g.empty:
            continue
        small = _part(g.assign(activation=form), form, "idxmin")
        win, grow = _part(large, form), _part(inter, form)
        parts += [verdicts.against(r["verdict"]) for r in (small, win, grow)]
        texts.append(
            f"{form}: overfits small (loss gap at {100 * small['train_size']:.0f} %, "
            f"{CONTROL} − {form}): {part_text(small)}, {fmt_nats(small)}; wins large "
            f"(test, whole large tables): {part_text(win)}, {common.fmt_effect(win)}; "
            f"interaction: {part_text(grow)}, {common.fmt_effect(grow)}"
        )
    head = _part(large, "prelu")
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(
            head, p=float(head.get("p_holm", math.nan)), test="one-sided Wilcoxon, Holm"
        ),
        effect_label=f"wins large: PReLU − {CONTROL} test accuracy on the largest real tables "
        "trained whole (fraction)",
        conditions="He normal, 4×128 MLPs, Adam at a bracketed rate chosen on validation, 30 "
        "epochs; sweep: 10–100 % of the training split (at most 2,000 rows); large: the real "
        "tables of 5,000 rows or more, whole",
        evidence="; ".join(texts) + f". Sweep, per-layer PReLU: gap {size_evidence(gap, 'nats')}"
        f"; test {size_evidence(test)}",
        would_change="the collection's largest real tables hold 20,000 and 10,992 rows; "
        "ImageNet-scale data (He et al. 2015's setting) or PReLU in a CNN could favour it",
    )


CLAIM = Claim(
    id="C12",
    title="PReLU wins on large data, overfits small data",
    statement="PReLU, whose negative slope is learned, does well on large data sets but "
    "overfits small ones.",
    suites=("c11_size",),
    treatment="activation (PReLU, per layer and per unit, against LeakyReLU at its initial "
    "slope) × training-set size",
    conditions="He normal, 4×128 MLPs, Adam at a bracketed rate chosen on validation, 30 epochs",
    design=f"The C11 experiment read for both PReLU forms (prelu: one learned slope per "
    "layer; prelu_channel: one per unit) against their control "
    f"{CONTROL} (LeakyReLU at PReLU's initial slope: what PReLU is before it learns), at "
    "the data-set level, each configuration at its bracketed Adam rate chosen on "
    "validation. Overfits small: the loss gap (test − training cross-entropy) at the "
    "smallest share (10 %) of the size sweep (14 KEEL data sets × 5 seeds, at most 2,000 "
    "training rows); wins large: test accuracy on the largest real tables trained whole "
    "(letter and penbased, of 20,000 and 10,992 rows, and every other real table of 5,000 "
    "rows or more: 9 × 5 seeds); the size × activation interaction: the form − control "
    "test-accuracy effect at the largest share of the sweep minus at the smallest, per data "
    "set. Every comparison through one compare_family call (Holm over the sizes, or over "
    "the two forms). The learned slopes are reported per form, tier, share and layer.",
    measure=measure,
    judge=judge,
)
