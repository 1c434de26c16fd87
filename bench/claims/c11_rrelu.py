"""C11: RReLU (random slope in training, mean slope at test) acts as a regularizer.

``c11_size``: RReLU against LeakyReLU on the train–test accuracy gap and on test accuracy,
on the smallest training sets (10 % of the training split) where overfitting shows, and at
every size for context; 6 data sets × 5 seeds, 4×128 MLPs, 30 epochs.
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.schema import Metric
from bench.scoring import paired, verdicts

GAP = Metric("gap", "train − test accuracy", "fraction", False, math.nan, True)
_PCT = ("effect", "ci_low", "ci_high")


def with_gap(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with ``gap`` = train − test accuracy (ok runs; others NaN)."""
    out = frame.copy()
    out["gap"] = (out["train_acc"] - out["test_acc"]).where(out["status"] == "ok")
    return out


def by_size(frame: pd.DataFrame, a: str, b: str) -> pd.DataFrame:
    """``a`` against ``b`` on gap (smaller better) and test accuracy at each training size."""
    rows = []
    for size, sub in frame.groupby("data.train_size"):
        work = sub.assign(arm=sub["activation"])
        for metric, label in ((GAP, "smaller gap"), ("test_acc", "better test")):
            comp = paired.compare_arms(work, a, b, metric)
            rows.append({"train_size": size, **verdicts.row(f"{a} {label} than {b}", comp)})
    return pd.DataFrame(rows)


def measure(ctx: Context) -> Finding:
    """RReLU vs LeakyReLU per training size; mean gap per activation and size."""
    f = Finding()
    frame = ctx.frame("c11_size")
    if frame.empty:
        return f
    frame = with_gap(frame)
    f.add(
        Table(
            "compare",
            "RReLU against LeakyReLU by training-set share (points; gap "
            "effects positive when RReLU's gap is smaller).",
            by_size(frame, "rrelu", "leaky_relu"),
            percent=_PCT,
        )
    )
    g = frame.groupby(["data.train_size", "activation"])
    f.add(
        Table(
            "gaps",
            "Mean train − test gap and test accuracy by size and activation.",
            pd.DataFrame({"gap": g["gap"].mean(), "test_acc": g["test_acc"].mean()}).reset_index(),
            percent=("gap", "test_acc"),
        )
    )
    f.figures.append(
        Figure(
            "c11_gap_vs_size.png",
            "Train–test gap against training-set share",
            lambda p: plots.lines(
                frame,
                "data.train_size",
                "gap",
                "activation",
                p,
                "train − test accuracy gap",
                "gap",
                panel="dataset",
                logx=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Read at the smallest size, two parts (gap smaller, test accuracy better): both
    SUPPORTED → SUPPORTED; an EQUIVALENT part counts as CONTRADICTED; both CONTRADICTED →
    CONTRADICTED; both INCONCLUSIVE → INCONCLUSIVE; a mix → PARTLY (``common.combine``)."""
    c = t.get("compare", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c11_size")
    small = c[c["train_size"] == c["train_size"].min()]
    parts = [verdicts.against(v) for v in small["verdict"]]
    verdict = verdicts.combine(parts)
    g, a = small.iloc[0], small.iloc[1]
    return Verdict(
        verdict,
        **common.from_row(g),
        effect_label="LeakyReLU − RReLU train–test gap at 10 % of the data (fraction)",
        conditions="4×128 MLPs, 30 epochs, 10 % of the training split",
        evidence=f"at 10 % of the data: gap reduced by {common.fmt_effect(g)} ({g['verdict']}); "
        f"test accuracy {common.fmt_effect(a)} ({a['verdict']})",
        would_change="more epochs or wider nets (more overfitting to regularize), or "
        "another slope range than PyTorch's default U(1/8, 1/3)",
    )


CLAIM = Claim(
    id="C11",
    title="RReLU regularizes",
    statement="RReLU (a random negative slope during training, its mean at test time) acts "
    "as a regularizer and reduces overfitting.",
    suites=("c11_size",),
    treatment="activation",
    conditions="He normal, 4×128 MLPs, small training sets",
    design="ReLU, LeakyReLU, RReLU and PReLU 4×128 MLPs trained for 30 epochs on 10 %, 30 % "
    "and 100 % of the training split of 6 data sets × 5 seeds (validation and test splits "
    "unchanged). RReLU is compared with LeakyReLU, the same function with a fixed slope, on "
    "the train–test accuracy gap and on test accuracy at the data-set level.",
    measure=measure,
    judge=judge,
)
