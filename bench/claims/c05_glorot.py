"""C5: Glorot initialization speeds training up considerably.

``c05_glorot``: Glorot uniform against naive N(0, 1) and against Glorot and Bengio's own
baseline U(±1/√fan_in) (the registry's ``torch_default``), for sigmoid and tanh, at widths
64, 256 and 1024, under plain SGD and under Adam: 24 conditions, 12 small KEEL real sets × 3
seeds, each arm at its fastest rate on validation (two starting rates, bracketed per arm:
SGD's start grid differs by width, Adam's by width too). Only arms that learn are compared:
a data set enters a condition's row when both arms' seed-mean validation accuracy is above
its chance level (:func:`bench.scoring.chance.learning`). Speed is the epochs until training
accuracy reaches a target both arms reach, beside the level each reaches
(:mod:`bench.claims.convergence`); Holm over the 24 conditions. Each row that cannot decide
says why (``why``: too few data sets where both learn for the Holm family, or the data sets
its observed effect would need).

Public:
    CLAIM               the registry entry
    BASELINES           the initializers Glorot is compared with, and their display names
    BOUNDS              the rates the suite's bracket may reach (its ``[tune] bounds``)
    why(row) -> str     why a row cannot decide ('' when it did)
    measure(ctx)        the speed table, the chosen rates and where they lie, the curves
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common, convergence
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import chance, epochs, metrics, robustness, tuning, verdicts

SUITE = "c05_glorot"
GLOROT = "glorot_uniform"
BASELINES = {"torch_default": "U(±1/√fan_in)", "naive_normal": "N(0, 1)"}
NAMES = {GLOROT: "Glorot", **BASELINES}
_CONDITION = ("model.width", "train.optimizer", "activation")
_RATE_KEYS = (*_CONDITION, "init")
_HEADLINE = {"model.width": 1024, "train.optimizer": "sgd", "activation": "tanh"}
_LABEL = "{a} faster than {b}: {activation}, width {width}, {optimizer}"
BOUNDS = (1e-6, 100.0)  # suites/claims/c05_glorot.toml's [tune] bounds


def measure(ctx: Context) -> Finding:
    """Speed and level, Glorot against each baseline, per width × optimizer × activation."""
    f = Finding()
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    conv = convergence.speed_columns(frame)
    sel = metrics.select_lr(conv, convergence.SELECT_ON).assign(arm=lambda d: d["init"])
    learns = chance.learning(sel, list(_RATE_KEYS))
    chosen = sel
    sel = _learning(sel)
    conditions = sorted(set(chosen[list(_CONDITION)].itertuples(index=False, name=None)))
    pairs = [
        (dict(zip(_CONDITION, c)), GLOROT, base)
        for base in BASELINES
        for c in conditions
        if base in set(sel["init"])
    ]

    def family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        arms = _learning(rows.assign(arm=rows["init"]))
        return convergence.speed_rows(arms, pairs, _LABEL, NAMES, companions=companions)

    # the initializer is the arm: no other-initializer reading ("—")
    speed = robustness.robust(conv, None, None, family, convergence.SELECT_ON)
    speed.insert(0, "baseline", [BASELINES[b] for _, _, b in pairs])
    both = [_both_learn(learns, cond, a, b) for cond, a, b in pairs]
    speed.insert(speed.columns.get_loc("n_informative"), "n_learning", both)
    speed["why"] = [why(r) for _, r in speed.iterrows()]
    f.add(
        Table(
            "speed",
            "Glorot uniform against each baseline, each arm at its faster rate on "
            "validation, on the data sets where both arms learn (validation accuracy above "
            "chance: n_learning). effect: epochs to the common target saved by Glorot (ROPE "
            "±0.5 epoch; data sets where both reach it in epoch 1 left out: n_informative); "
            "level_*: best training accuracy, Glorot − baseline (points). p_holm: Holm over "
            "the conditions; verdict: the speed part when decided, else a level difference; "
            "why: what a row that cannot decide lacks; robustness: each condition "
            "re-derived under the alternatives that exist (the learning data sets and the "
            "rates chosen again in each).",
            speed,
            percent=("level_effect", "level_ci_low", "level_ci_high"),
        )
    )
    rates = convergence.rates_chosen(chosen, _RATE_KEYS)
    f.add(Table("rates", "Learning rate chosen on validation: data sets per rate.", rates))
    f.add(_placement(frame, learns))
    long = epochs.curve_epochs(sel, "train_acc").merge(sel[["key", *_CONDITION[:2]]], on="key")
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
        "6 epochs, lr per arm (2 starting rates a decade apart, bracketed) chosen on "
        "validation, 12 small KEEL real sets, data sets where both arms learn",
        evidence=_evidence(speed),
        would_change="deeper nets (3 hidden layers here: Glorot's argument is about many "
        "layers), more epochs (the speed-up could close later), or biases zeroed in the "
        "U(±1/√fan_in) baseline as in the paper",
    )


def why(r: pd.Series) -> str:
    """Why a speed row cannot decide ('' when its verdict is decided): no data set where
    both arms learn, or none where the target is informative; fewer such data sets than
    the Holm family needs (``needed``); or, decidable, the data sets a test would need at
    the observed effect (``to_detect``; "—" where the effect points the other way)."""
    if r["verdict"] != "INCONCLUSIVE":
        return ""
    if not r.get("n_learning", 1):
        return "no data set where both arms learn"
    if not r.get("n_datasets", 0):
        return "no data set where both learn and the target says something about speed"
    if not r.get("decidable", False):
        return (
            f"{int(r['n_datasets'])} data sets where both learn (informative); "
            f"≥ {int(r['needed'])} needed to reach α after Holm"
        )
    need = r.get("to_detect", math.nan)
    return "effect points the other way" if need != need else f"needs {need:.0f} data sets"


def _learning(sel: pd.DataFrame) -> pd.DataFrame:
    """The rows of the data sets where the arm learns (seed-mean validation accuracy above
    chance, :func:`bench.scoring.chance.learning` on these rows)."""
    learns = chance.learning(sel, list(_RATE_KEYS))
    keep = learns.loc[learns["learns"], [*_RATE_KEYS, "dataset"]]
    return sel.merge(keep, on=[*_RATE_KEYS, "dataset"], how="inner")


def _both_learn(learns: pd.DataFrame, cond: dict, a: str, b: str) -> int:
    """The data sets of condition ``cond`` where arms ``a`` and ``b`` both learn."""
    sub = learns
    for col, value in cond.items():
        sub = sub[sub[col] == value]
    ok = sub[sub["learns"]].groupby("dataset")["init"].agg(set)
    return int(sum({a, b} <= arms for arms in ok))


def _placement(frame: pd.DataFrame, learns: pd.DataFrame) -> Table:
    """Where each arm's chosen rate lies among the rates it tried
    (:func:`bench.scoring.tuning.bracket` on the area under the validation curve, the
    suite's bounds), data sets per state, and the data sets where the arm learns."""
    placed = tuning.bracket(frame, BOUNDS, "auc_val_acc")
    counts = placed.groupby(list(_RATE_KEYS))["state"].value_counts().unstack(fill_value=0)
    counts = counts.reindex(columns=[c for c in tuning.STATES if c in counts.columns])
    learned = learns.groupby(list(_RATE_KEYS))["learns"].sum().astype(int).rename("learns")
    out = counts.join(learned).reset_index()
    return Table(
        "placement",
        "Where each arm's chosen rate lies among the rates its bracket tried (data sets per "
        "state: interior; divergence: next to a rate that diverged; bound: at the suite's "
        "bounds, 1e-6 or 100; edge: at an untried edge), and the data sets on which the arm "
        "learns (validation accuracy above chance).",
        out,
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
    "under plain SGD (rates scaled as 1/width) and Adam, each arm at its fastest rate on "
    "validation (two starting rates, bracketed per arm), 12 small KEEL real sets × 3 seeds, "
    "6 epochs. Only arms that learn are compared: a data set enters a row when both arms' "
    "validation accuracy is above its chance level (the most frequent class's share). "
    "Speed is the epochs until training accuracy reaches 90 % of the lower of the two arms' "
    "median best (a target both reach); the level each reaches is compared beside it. "
    "Data set = unit; Holm over the 24 conditions.",
    measure=measure,
    judge=judge,
)
