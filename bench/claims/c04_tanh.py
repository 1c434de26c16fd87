"""C4: tanh is zero-centred and so often converges faster than sigmoid.

``c04_convergence``: tanh against sigmoid under Glorot uniform, in 2- and 8-layer MLPs of
width 64, under Adam and under plain SGD, on 12 KEEL real sets × 3 seeds. Each arm trains at
four (Adam) or five (SGD) learning rates and is read at the one with the largest area under
its validation curve. Speed is the epochs until training accuracy reaches a target both
activations reach (:mod:`bench.claims.convergence`), beside the level each reaches; one
verdict per depth × optimizer, Holm over the four, each with its robustness readings
(:func:`bench.scoring.robustness.robust`; the rate chosen again on the best-epoch
validation accuracy is the other rate criterion).

Public:
    CLAIM               the registry entry
    measure(ctx)        the speed table, the chosen rates, the validation curves
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import pandas as pd

from bench import plots
from bench.claims import common, convergence
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import epochs, robustness, verdicts

SUITE = "c04_convergence"
_RATE_KEYS = ("model.depth", "train.optimizer", "activation")
_LEVEL = ("level_effect", "level_ci_low", "level_ci_high")
_LABEL = "tanh faster than sigmoid, depth {depth}, {optimizer}"


def measure(ctx: Context) -> Finding:
    """Speed and level, tanh against sigmoid, per depth × optimizer."""
    f = Finding()
    frame = ctx.frame(SUITE)
    if frame.empty:
        return f
    sel = convergence.select_fastest(frame).assign(arm=lambda d: d["activation"])
    conditions = sorted(
        {(int(d), str(o)) for d, o in zip(sel["model.depth"], sel["train.optimizer"])}
    )
    pairs = [({"model.depth": d, "train.optimizer": o}, "tanh", "sigmoid") for d, o in conditions]

    def family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        arms = rows.assign(arm=rows["activation"])
        return convergence.speed_rows(arms, pairs, _LABEL, companions=companions)

    # one initializer (Glorot uniform): no other-initializer reading ("—")
    conv = convergence.speed_columns(frame)
    speed = robustness.robust(conv, None, None, family, convergence.SELECT_ON)
    f.add(
        Table(
            "speed",
            "tanh against sigmoid (Glorot uniform), each at its fastest rate on validation. "
            "effect: epochs to the common target saved by tanh (ROPE ±0.5 epoch; data sets "
            "where both reach it in epoch 1 left out: n_informative); level_*: best training "
            "accuracy, tanh − sigmoid (points). p_holm: Holm over the four conditions; "
            "verdict: the speed part when decided, else a level difference; robustness: "
            "each condition re-derived under the alternatives that exist (sign: the speed "
            "effect's; decision: the condition's verdict).",
            speed,
            percent=_LEVEL,
        )
    )
    rates = convergence.rates_chosen(sel, _RATE_KEYS)
    f.add(Table("rates", "Learning rate chosen on validation: data sets per rate.", rates))
    long = epochs.curve_epochs(sel, "train_acc").merge(
        sel[["key", "model.depth", "train.optimizer"]], on="key"
    )
    long["condition"] = "depth " + long["model.depth"].astype(str) + ", " + long["train.optimizer"]
    f.figures.append(
        Figure(
            "c04_curves.png",
            "Training accuracy per epoch, tanh vs sigmoid, per depth and optimizer",
            lambda p: plots.lines(
                long,
                "epoch",
                "value",
                "activation",
                p,
                "training accuracy (Glorot uniform)",
                "train acc",
                panel="condition",
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Each depth × optimizer condition gets a verdict from its speed part (epochs to the
    common target; EQUIVALENT counts as CONTRADICTED), or, when that is undecided, from a
    difference in the level reached (:func:`bench.claims.convergence.condition_verdict`),
    Holm over the conditions. The claim combines them: all SUPPORTED → SUPPORTED, all
    CONTRADICTED → CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, a mix → PARTLY."""
    speed = t.get("speed", pd.DataFrame())
    if speed.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE}")
    verdict = verdicts.combine(speed["verdict"].tolist())
    ordered = speed.sort_values(["model.depth", "train.optimizer"])
    measured = ordered[ordered["effect"].notna()]  # the deepest condition with a target
    deep = (measured if len(measured) else ordered).iloc[-1]
    return Verdict(
        verdict,
        **common.from_row(deep, p=float(deep.get("p_holm", deep["p"]))),
        effect_label=f"epochs to the common target saved by tanh, {deep['comparison']}",
        conditions="Glorot uniform, width 64, depth 2 and 8, Adam and plain SGD, 15 epochs, "
        "lr per arm (4 Adam, 5 SGD rates) chosen on validation",
        evidence="; ".join(
            f"depth {r['model.depth']} {r['train.optimizer']}: "
            + (
                f"{r['effect']:+.1f} epochs"
                if r["effect"] == r["effect"]
                else "no data set where both reach a common target"
            )
            + f" ({r['speed_verdict']}), level {100 * r['level_effect']:+.1f} points "
            f"({r['level_verdict']}) → {r['verdict']}"
            for _, r in speed.iterrows()
        ),
        would_change="a target set nearer the final level (more epochs to resolve), other "
        "initializers (under Glorot both start near their linear regime), or inputs that "
        "are not standardized, where sigmoid's non-zero mean compounds",
    )


CLAIM = Claim(
    id="C4",
    title="tanh converges faster than sigmoid",
    statement="tanh's output is zero-centred (−1 to 1), so it often converges faster than "
    "the sigmoid.",
    suites=(SUITE,),
    treatment="activation",
    conditions="Glorot uniform, width 64, depth 2 and 8, Adam and SGD",
    design="tanh and sigmoid MLPs (Glorot uniform, width 64) with 2 and with 8 hidden layers, "
    "under Adam (3e-4 to 1e-2, 4 rates) and plain SGD (0.03 to 3, 5 rates), on 12 KEEL real "
    "sets × 3 "
    "seeds, 15 epochs. Each arm is read at the rate whose validation curve has the largest "
    "area. Speed is the epochs until training accuracy reaches 90 % of the lower of the two "
    "activations' median best (a target both reach), on the data sets where that takes "
    "more than one epoch; the level each reaches is compared beside it. Data set = unit.",
    measure=measure,
    judge=judge,
)
