"""The measures two claims read alike, so that no claim module imports another: the
training-set-size experiment (C11 and C12 read ``c11_size``), the self-normalizing variants
(C14 judges them, C15 reads its caveat from them) and the activation timings (C16 judges
them, C13 reads ELU's). C9 and C10's readings of the dying sweep are
:mod:`bench.claims.dying`; C4 and C5's speed, :mod:`bench.claims.convergence`. Torch-free.

Public:
    SIZE, CAP, LOSS_GAP, LOSS_ROPE
                                the size and cap columns; the loss-gap metric (nats,
                                smaller better) and its rope
    tiers(frame, select=True) -> (DataFrame, DataFrame)
                                each configuration at its validation-chosen rate (every
                                rate where ``select`` is False), with the loss gaps; the
                                size sweep and the large tier
    with_gaps(frame) -> DataFrame       adds loss_gap, and the early-stopping readings
    by_size(frame, a, b, metric, label, claimed, rope, companions) -> DataFrame
                                ``a`` against ``b`` at each size, one family over the sizes
    size_comparisons(frame, arm, control, gap_claimed) -> (DataFrame, DataFrame)
                                an arm against its control at every size: loss gap, test
                                accuracy (C11: RReLU; C12: PReLU)
    robust_sizes(sweep, arm, control, gap_claimed) -> (DataFrame, DataFrame)
                                the same from the sweep's rows before rate selection, each
                                row with its robustness readings
    size_evidence(table, unit) -> str   ``10 %: SUPPORTED (+1.2 points …, p_holm …); …``
    part_text(row) -> str       a row's verdict, ``SUPPORTED, negligible`` where flagged
    fmt_nats(row) -> str        a loss-gap effect and CI in nats
    BASE, SWITCHED_OFF, RESIDUAL, ORDER     the names of C14's variants
    BATCHNORM                  the batch-normalized ReLU net beside them
    variant(row) -> str         which self-normalizing condition a cell switches off (or BASE)
    TIMING_SUITE                the suite name of the timings
    timing_ratios(timings) -> DataFrame     time ratio to ReLU per activation and pass, with
                                its 95 % t interval over the repeats
    slower(ratios, activation, pass_) -> (verdict, yardstick)
                                "``activation`` is slow": its interval against the other
                                activations' upper quartile
    among_fast(ratios, activation, pass_) -> (verdict, yardstick)
                                "pick ``activation`` when speed matters": its interval
                                against the other activations' median
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims import common
from bench.schema import Metric
from bench.scoring import metrics, paired, robustness, speed, verdicts

# --- the training-set-size experiment (C11, C12) ---------------------------------------------

SIZE = "data.train_size"
CAP = "data.max_train"
LOSS_GAP = Metric("loss_gap", "test − training loss", "nats", False, math.nan, True)
LOSS_ROPE = 0.02  # nats: −ln(0.98), 2 % less probability on the true class


def tiers(frame: pd.DataFrame, select: bool = True) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The suite's results, each configuration at its best validation learning rate
    (:func:`bench.scoring.metrics.select_lr`; never the test split; every rate kept where
    ``select`` is False, for the robustness readings), with the loss gaps
    (:func:`with_gaps`), split by ``data.max_train`` into the size sweep (the smallest
    cap: every share of the training split, capped) and the large tier (the largest cap,
    when there are two: the largest tables, trained whole). The large tier is empty when
    the frame has one cap."""
    if frame.empty:
        return frame, frame
    out = with_gaps(metrics.select_lr(frame) if select else frame)
    if CAP not in out or out[CAP].nunique() < 2:
        return out, out.iloc[:0]
    caps = out[CAP].astype(float)
    return out[caps == caps.min()], out[caps == caps.max()]


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
    companions: bool = True,
) -> pd.DataFrame:
    """Arm ``a`` against arm ``b`` (activations) on ``metric`` at each training-set size,
    data set the unit (seeds averaged inside it): one :func:`bench.scoring.verdicts.row`
    per size (``effect`` positive when ``a`` is better), one family over the sizes
    (:func:`bench.scoring.paired.compare_family`).

    Args:
        frame: the suite's results (with ``loss_gap`` for that metric: :func:`with_gaps`).
        a: the arm the claim is about; b: its control.
        metric: the compared metric (its declared direction decides "better").
        label: the rows' ``comparison`` text.
        claimed: ``A>B`` (the claim says ``a`` is better) or ``B>A``.
        rope: the region of practical equivalence, in the metric's units.
        companions: the bootstrap interval and the Bayesian probabilities beside each row.

    Returns:
        One row per size (``train_size`` first); empty when the frame is.
    """
    if frame.empty:
        return pd.DataFrame()
    pairs = []
    for size in sorted(frame[SIZE].unique()):
        sub = frame[frame[SIZE] == size]
        work = sub.assign(arm=sub["activation"])
        info = {"train_size": size}
        pairs.append(paired.Pair(label, work, a, b, metric, claimed, rope, info=info))
    return paired.compare_family(pairs, companions=companions)


def size_comparisons(
    frame: pd.DataFrame, arm: str, control: str, gap_claimed: str = "A>B"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``arm`` against its ``control`` at every training-set size (:func:`by_size`): the
    loss gap (rope :data:`LOSS_ROPE`; ``gap_claimed`` ``A>B``: the claim says the arm's gap
    is smaller, ``B>A``: larger) and test accuracy (rope 1 point; claimed better).

    Args:
        frame: the suite's results after :func:`with_gaps`.
        arm, control: the activation the claim is about and its control.
        gap_claimed: the claimed direction of the loss-gap comparison.

    Returns:
        ``(gap, test)``: the two :func:`by_size` tables.
    """
    gap, test = _size_families(arm, control, gap_claimed)
    return gap(frame, True), test(frame, True)


def _size_families(arm: str, control: str, gap_claimed: str) -> tuple[robustness.Family, ...]:
    """The loss-gap and the test-accuracy families of :func:`size_comparisons`."""
    smaller = "smaller" if gap_claimed == "A>B" else "larger"
    gap_label = f"{arm} {smaller} loss gap than {control}"

    def gap(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        return by_size(rows, arm, control, LOSS_GAP, gap_label, gap_claimed, LOSS_ROPE, companions)

    def test(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        label = f"{arm} better test than {control}"
        return by_size(rows, arm, control, "test_acc", label, companions=companions)

    return gap, test


def robust_sizes(
    sweep: pd.DataFrame, arm: str, control: str, gap_claimed: str = "A>B"
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """:func:`size_comparisons` from the size sweep's rows before rate selection
    (:func:`tiers` with ``select=False``), each row (one per size, told apart by
    ``train_size``) with its robustness readings
    (:func:`bench.scoring.robustness.robust`; one initializer: no other-initializer
    reading). The main reading's numbers are :func:`size_comparisons`' on the selected
    rows.

    Returns:
        ``(gap, test)``.
    """
    if sweep.empty:
        return pd.DataFrame(), pd.DataFrame()
    gap, test = _size_families(arm, control, gap_claimed)
    keys = ("train_size",)
    return (
        robustness.robust(sweep, None, None, gap, keys=keys),
        robustness.robust(sweep, None, None, test, keys=keys),
    )


def size_evidence(table: pd.DataFrame, unit: str = "points") -> str:
    """``10 %: SUPPORTED, negligible (+0.7 points [0.1, 1.3], p_holm 0.003); …`` over a
    :func:`by_size` table: each row's verdict as the rule gave it (:func:`part_text`) and
    its Holm-adjusted p."""
    parts = []
    for _, r in table.iterrows():
        effect = common.fmt_effect(r) if unit == "points" else fmt_nats(r)
        p = r.get("p_holm", math.nan)
        p_text = "n/a" if p is None or p != p else f"{p:.3g}"
        parts.append(f"{100 * r['train_size']:.0f} %: {part_text(r)} ({effect}, p_holm {p_text})")
    return "; ".join(parts)


def part_text(r: pd.Series) -> str:
    """A comparison row's verdict as :func:`bench.scoring.verdicts.decide` gave it, with
    ", negligible" where its ``negligible`` flag is set (a decided difference that TOST also
    puts inside the rope): ``SUPPORTED, negligible``."""
    return f"{r['verdict']}, negligible" if bool(r.get("negligible", False)) else r["verdict"]


def fmt_nats(r: pd.Series) -> str:
    """``+0.012 nats [-0.003, +0.027]`` from a comparison row (loss-gap evidence)."""
    e, lo, hi = r.get("effect"), r.get("ci_low"), r.get("ci_high")
    if e is None or e != e:
        return "no paired data"
    return f"{e:+.3f} nats [{lo:+.3f}, {hi:+.3f}]"


# --- the self-normalizing variants (C14, C15's caveat) ---------------------------------------

BASE = "all conditions hold"
SWITCHED_OFF = ("raw inputs", "torch_default weights", "he_normal weights")
RESIDUAL = "residual stack"
ORDER = (BASE, *SWITCHED_OFF, RESIDUAL)
BATCHNORM = "ReLU + BatchNorm"  # beside C14's variants: normalized by a layer, not SELU


def variant(row: pd.Series) -> str:
    """Which condition a cell switches off (or that all hold); a normalized net
    (``model.norm`` set) is :data:`BATCHNORM` (batch) or ``<norm> norm``."""
    norm = row.get("model.norm", "none")
    if isinstance(norm, str) and norm != "none":
        return BATCHNORM if norm == "batch" else f"{norm} norm"
    if not bool(row["data.standardize"]):
        return "raw inputs"
    if row["model.kind"] == "resmlp":
        return RESIDUAL
    if row["init"] != "matched":
        return f"{row['init']} weights"
    return BASE


# --- the activation timings (C16, C13's "slower to compute") ---------------------------------

TIMING_SUITE = "c16_speed"


def timing_ratios(timings: pd.DataFrame) -> pd.DataFrame:
    """Each activation's time over ReLU's per pass, the geometric mean over widths and
    repeats, with its 95 % t interval over the repeats
    (:func:`bench.scoring.speed.intervals`) of the :data:`TIMING_SUITE` timings: columns
    ``pass``, ``activation``, ``ratio``, ``low``, ``high``, ``n_repeats``."""
    t = timings[timings["suite"] == TIMING_SUITE] if "suite" in timings else timings
    if t.empty:
        return pd.DataFrame()
    return speed.intervals(t, reference="relu")


def _against(ratios: pd.DataFrame, activation: str, pass_: str, q: float) -> tuple[str, float]:
    """SUPPORTED when ``activation``'s interval lies above the ``q`` quantile of the
    others' ratios (ReLU, the reference, left out), CONTRADICTED when below it, else
    INCONCLUSIVE; and that quantile."""
    yardstick = speed.spread(ratios, pass_, (activation, speed.REFERENCE), q)
    row = ratios[(ratios["pass"] == pass_) & (ratios["activation"] == activation)]
    if row.empty or math.isnan(yardstick):
        return "INCONCLUSIVE", yardstick
    low, high = float(row["low"].iloc[0]), float(row["high"].iloc[0])
    if low > yardstick:
        return "SUPPORTED", yardstick
    if high < yardstick:
        return "CONTRADICTED", yardstick
    return "INCONCLUSIVE", yardstick


def slower(ratios: pd.DataFrame, activation: str, pass_: str) -> tuple[str, float]:
    """ "``activation`` is slow", judged against the other activations' spread rather than a
    fixed band: SUPPORTED when its ratio's 95 % interval (:func:`timing_ratios`) lies above
    the upper quartile of the other activations' ratios on ``pass_`` (slower than three in
    four of them), CONTRADICTED when it lies below it, INCONCLUSIVE when it straddles it.
    Returns the verdict and the upper quartile."""
    return _against(ratios, activation, pass_, 0.75)


def among_fast(ratios: pd.DataFrame, activation: str, pass_: str) -> tuple[str, float]:
    """ "Pick ``activation`` when speed matters": SUPPORTED when its ratio's 95 % interval
    lies below the median of the other activations' ratios on ``pass_`` (among the fast
    half), CONTRADICTED when above it, else INCONCLUSIVE. Returns the verdict and the
    median."""
    verdict, median = _against(ratios, activation, pass_, 0.5)
    flipped = {"SUPPORTED": "CONTRADICTED", "CONTRADICTED": "SUPPORTED"}
    return flipped.get(verdict, verdict), median
