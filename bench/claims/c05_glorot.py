"""C5: Glorot initialization speeds training up considerably.

``c05_glorot``: Glorot uniform against naive N(0, 1) and against Glorot and Bengio's own
baseline U(±1/√fan_in) (the registry's ``torch_default``), for sigmoid and tanh, at widths
64, 256 and 1024, under plain SGD and under Adam: 24 conditions, 12 small KEEL real sets × 3
seeds, each arm at the faster of two learning rates on validation. Speed is the epochs until
training accuracy reaches a target both arms reach, beside the level each reaches
(:mod:`bench.claims.convergence`); Holm over the 24 conditions.

Public:
    CLAIM               the registry entry
    BASELINES           the initializers Glorot is compared with, and their display names
    measure(ctx)        the speed table, the chosen rates, the training curves
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import pandas as pd

from bench import plots
from bench.claims import common, convergence
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import metrics, verdicts

SUITE = "c05_glorot"
GLOROT = "glorot_uniform"
BASELINES = {"torch_default": "U(±1/√fan_in)", "naive_normal": "N(0, 1)"}
NAMES = {GLOROT: "Glorot", **BASELINES}
_CONDITION = ("model.width", "train.optimizer", "activation")
_RATE_KEYS = (*_CONDITION, "init")
_HEADLINE = {"model.width": 1024, "train.optimizer": "sgd", "activation": "tanh"}


def measure(ctx: Context) -> Finding:
    """Speed and level, Glorot against each baseline, per width × optimizer × activation."""
    f = Finding()
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    sel = convergence.select_fastest(frame).assign(arm=lambda d: d["init"])
    conditions = sorted(set(sel[list(_CONDITION)].itertuples(index=False, name=None)))
    pairs = [
        (dict(zip(_CONDITION, c)), GLOROT, base)
        for base in BASELINES
        for c in conditions
        if base in set(sel["init"])
    ]
    speed = convergence.speed_rows(
        sel, pairs, "{a} faster than {b}: {activation}, width {width}, {optimizer}", NAMES
    )
    speed.insert(0, "baseline", [BASELINES[b] for _, _, b in pairs])
    f.add(
        Table(
            "speed",
            "Glorot uniform against each baseline, each arm at its faster rate on "
            "validation. effect: epochs to the common target saved by Glorot (ROPE ±0.5 "
            "epoch; data sets where both reach it in epoch 1 left out: n_informative); "
            "level_*: best training accuracy, Glorot − baseline (points). p_holm: Holm over "
            "the conditions; verdict: the speed part when decided, else a level difference.",
            speed,
            percent=("level_effect", "level_ci_low", "level_ci_high"),
        )
    )
    rates = convergence.rates_chosen(sel, _RATE_KEYS)
    f.add(Table("rates", "Learning rate chosen on validation: data sets per rate.", rates))
    long = metrics.curve_epochs(sel, "train_acc").merge(sel[["key", *_CONDITION[:2]]], on="key")
    long["condition"] = (
        long["activation"]
        + ", w"
        + long["model.width"].astype(str)
        + ", "
        + long["train.optimizer"]
    )
    long["init"] = long["init"].map(NAMES)
    f.figures.append(
        Figure(
            "c05_curves.png",
            "Training accuracy per epoch, Glorot vs U(±1/√fan_in) vs N(0, 1)",
            lambda p: plots.lines(
                long,
                "epoch",
                "value",
                "init",
                p,
                "training accuracy",
                "train acc",
                panel="condition",
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Each condition (baseline × width × optimizer × activation) gets a verdict from its
    speed part (epochs to the common target; EQUIVALENT counts as CONTRADICTED), or, when
    that is undecided, from a difference in the level reached
    (:func:`bench.claims.convergence.condition_verdict`), Holm over the conditions. The claim
    combines them: all SUPPORTED → SUPPORTED, all CONTRADICTED → CONTRADICTED, all
    INCONCLUSIVE → INCONCLUSIVE, a mix → PARTLY. The headline row is the condition nearest
    Glorot and Bengio's: tanh, width 1024, SGD, against U(±1/√fan_in)."""
    speed = t.get("speed", pd.DataFrame())
    if speed.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE}")
    verdict = verdicts.combine(speed["verdict"].tolist())
    head = speed
    for col, value in _HEADLINE.items():
        head = head[head[col] == value] if col in head else head
    head = head[head["baseline"] == BASELINES["torch_default"]] if "baseline" in head else head
    r = (head if len(head) else speed).iloc[0]
    return Verdict(
        verdict,
        **common.from_row(r, p=float(r.get("p_holm", r["p"]))),
        effect_label=f"epochs to the common target saved by Glorot, {r['comparison']}",
        conditions="sigmoid and tanh, 3 hidden layers, widths 64/256/1024, SGD and Adam, "
        "6 epochs, lr per arm (2 rates a decade apart) chosen on validation, 12 small KEEL "
        "real sets",
        evidence=_evidence(speed),
        would_change="deeper nets (3 hidden layers here: Glorot's argument is about many "
        "layers), more epochs (the speed-up could close later), or biases zeroed in the "
        "U(±1/√fan_in) baseline as in the paper",
    )


def _evidence(speed: pd.DataFrame) -> str:
    parts = []
    for base, sub in speed.groupby("baseline", sort=False):
        counts = sub["verdict"].value_counts()
        tally = ", ".join(f"{counts[v]} {v}" for v in verdicts.VERDICTS if v in counts)
        by_width = "; ".join(
            f"width {w}: {', '.join(sorted(set(g['verdict'])))}"
            for w, g in sub.groupby("model.width")
        )
        parts.append(f"against {base}: {tally} of {len(sub)} conditions ({by_width})")
    return "; ".join(parts)


CLAIM = Claim(
    id="C5",
    title="Glorot initialization speeds training up",
    statement="Glorot (Xavier) initialization speeds training up considerably.",
    suites=(SUITE,),
    treatment="initializer",
    conditions="sigmoid and tanh MLPs, 3 hidden layers, widths 64, 256 and 1024",
    design="Glorot uniform against naive N(0, 1) (8, 16 and 32 times Glorot's std at widths "
    "64, 256 and 1024) and against Glorot and Bengio's baseline U(±1/√fan_in) (√3 times "
    "smaller than Glorot on square layers), for sigmoid and tanh MLPs with 3 hidden layers, "
    "under plain SGD (rates scaled as 1/width) and Adam, each arm at the faster of two rates "
    "on validation, 12 small KEEL real sets × 3 seeds, 6 epochs. Speed is the epochs until "
    "training accuracy reaches 90 % of the lower of the two arms' median best (a target both "
    "reach); the level each reaches is compared beside it. Data set = unit; Holm over the "
    "24 conditions.",
    measure=measure,
    judge=judge,
)
