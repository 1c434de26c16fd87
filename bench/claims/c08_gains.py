"""C8: calculate_gain: linear/conv/sigmoid 1, tanh 5/3, ReLU √2, LeakyReLU √(2/(1+slope²)),
SELU 3/4.

An exact check of ``torch.nn.init.calculate_gain`` and of the gains the harness uses
(:func:`bench.checks.gains`, stored by ``bench claims run``), and a measurement
(``c08_gains``) of what two of them do in training: tanh under Glorot uniform with gain 5/3
against gain 1, and SELU under LeCun normal with PyTorch's gain 3/4 against 1 (the
self-normalizing choice), each arm at its own learning rate, 12 KEEL real sets. The note
states the table, not that a gain helps: the training rows say which way each gain moves
accuracy (``finding``: gain better / gain worse / no practical difference / no difference
shown) and do not enter the verdict.

Public:
    CLAIM               the registry entry
    TABLE               the note's table: nonlinearity → gain
    FINDINGS            a comparison's outcome → the training row's label
    measure(ctx)        the exact table, the training rows, per-data-set accuracy
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import metrics, paired, robustness, verdicts

TABLE = {  # the note's table: nonlinearity (param) → gain
    "linear": 1.0,
    "conv1d": 1.0,
    "conv2d": 1.0,
    "sigmoid": 1.0,
    "tanh": 5 / 3,
    "relu": math.sqrt(2),
    "leaky_relu": math.sqrt(2 / (1 + 0.01**2)),
    "selu": 3 / 4,
}
FINDINGS = {
    "SUPPORTED": "gain better",
    "CONTRADICTED": "gain worse",
    "EQUIVALENT": "no practical difference",
    "INCONCLUSIVE": "no difference shown",
}


def measure(ctx: Context) -> Finding:
    """The exact table, then the training effect of gains 5/3 (tanh) and 3/4 (SELU)."""
    f = Finding()
    c = ctx.checks.get("C8")
    if c:
        frame = pd.DataFrame(c["rows"])
        frame["equal"] = (frame["torch"] - frame["expected"]).abs() < 1e-12
        f.add(
            Table(
                "gains",
                "calculate_gain against the note's table (and the gain each "
                "harness activation reports).",
                frame,
                digits=6,
            )
        )
    frame = ctx.frame("c08_gains")
    if not frame.empty:
        work = metrics.select_lr(frame).assign(arm=lambda d: d["init"])
        # the initializer is the arm: no other-initializer reading ("—")
        table = robustness.robust(frame, None, None, _gain_family)
        table.insert(1, "finding", table.pop("verdict").map(FINDINGS))
        f.add(
            Table(
                "training",
                "What the gain changes: test accuracy, 16×64 MLPs, each arm at its rate "
                "chosen on validation, 12 KEEL real sets (effect: PyTorch's gain − gain 1, "
                f"points; ROPE ±{100 * verdicts.ROPE:g} point; Holm over the two; "
                "robustness: each pair re-derived under the alternatives that exist). "
                "Not part of the verdict.",
                table,
                percent=common.PERCENT,
            )
        )
        scored = common.scored(work, "test_acc")  # each arm at its chosen rate
        per = scored.groupby(["activation", "init", "dataset"])["score"].mean().unstack()
        f.add(
            Table(
                "per_dataset",
                "Mean test accuracy per data set.",
                per.reset_index(),
                percent=tuple(per.columns),
            )
        )
    return f


_PAIRS = (
    ("tanh: gain 5/3 vs gain 1 (Glorot uniform)", "tanh", "glorot_uniform"),
    ("SELU: gain 3/4 vs gain 1 (LeCun normal)", "selu", "lecun_normal"),
)


def _gain_family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
    """The two gain comparisons on ``rows`` (one rate per arm), one family."""
    work = rows.assign(arm=rows["init"])
    return paired.compare_family(
        [
            paired.Pair(label, work[work["activation"] == act], f"{base}_gain", base)
            for label, act, base in _PAIRS
        ],
        companions=companions,
    )


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when every gain equals the table to 1e-12, CONTRADICTED when one does not,
    INCONCLUSIVE without the exact check. The training rows are labelled by which way the
    gain moves accuracy and are not part of the verdict: the note never claims a gain is
    the better choice."""
    g = t.get("gains", pd.DataFrame())
    if g.empty:
        return Verdict("INCONCLUSIVE", evidence="the exact check was not run (bench claims run)")
    ok = bool(g["equal"].all())
    tr = t.get("training", pd.DataFrame())
    extra = ""
    if not tr.empty and "effect" in tr:
        extra = "; in training (not judged): " + "; ".join(
            f"{r['comparison'].split(' (')[0]} {common.fmt_effect(r)} ({r['finding']})"
            for _, r in tr.iterrows()
        )
    return Verdict(
        "SUPPORTED" if ok else "CONTRADICTED",
        effect=float((g["torch"] - g["expected"]).abs().max()),
        effect_label="largest |calculate_gain − table|",
        test="exact check",
        n_datasets=int(common.first(tr, "n_datasets", 0) or 0),
        n_seeds=int(common.first(tr, "n_seeds", 0) or 0),
        conditions="the installed torch; training: 16×64 MLPs, Adam, rate per arm",
        evidence=f"{int(g['equal'].sum())}/{len(g)} gains equal the table{extra}. SELU's 3/4 "
        "is not the self-normalizing choice: SELU's fixed point needs LeCun normal, gain 1 "
        "(pytorch issue 24991)",
        would_change="a PyTorch release that changes calculate_gain (SELU's 3/4 was chosen "
        "empirically and could move)",
    )


CLAIM = Claim(
    id="C8",
    title="PyTorch's gain table",
    statement="torch.nn.init.calculate_gain returns 1 for linear, conv and sigmoid, 5/3 for "
    "tanh, √2 for ReLU, √(2/(1+slope²)) for LeakyReLU and 3/4 for SELU (found empirically).",
    suites=("c08_gains",),
    treatment="initializer gain",
    conditions="the installed torch",
    design="An exact check of calculate_gain and of the harness's own gains, plus a "
    "measurement of two of them: 16×64 MLPs with tanh under Glorot uniform at gain 1 and at "
    "5/3, and with SELU under LeCun normal at gain 1 and at PyTorch's 3/4, each at its own "
    "Adam rate (three, chosen on validation), 12 KEEL real sets × 3 seeds; those rows say "
    "which gain trains better and are not judged.",
    measure=measure,
    judge=judge,
)
