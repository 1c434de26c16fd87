"""C4: tanh is zero-centred and so often converges faster than sigmoid.

Read from ``c04_convergence`` under Glorot uniform: the area under the validation-accuracy
curve (mean over the 15 epochs, the headline) and the epochs to a fixed target, tanh
against sigmoid, at the data-set level over 12 data sets × 5 seeds. The target is fixed by
this claim: 90 % of the median best validation accuracy of the two compared activations
under Glorot init on that data set, so nothing else in the store moves it.
"""

from __future__ import annotations

import math

import pandas as pd

from bench import plots
from bench.claims import common
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import metrics, paired, verdicts

REFERENCE = {"activation": ["tanh", "sigmoid"], "init": "glorot_uniform"}
_PCT = ("effect", "ci_low", "ci_high")


def measure(ctx: Context) -> Finding:
    """AULC and epochs to target, tanh vs sigmoid, Glorot init."""
    f = Finding()
    frame = ctx.frame("c04_convergence")
    if frame.empty:
        return f
    conv = common.prepare(frame, REFERENCE, select=False)
    glorot = conv[conv["init"] == "glorot_uniform"].assign(arm=lambda d: d["activation"])
    rows = [
        verdicts.row(
            "tanh > sigmoid, area under val curve",
            paired.compare_arms(glorot, "tanh", "sigmoid", "auc_val_acc"),
        ),
        verdicts.row(
            "tanh > sigmoid, final test accuracy",
            paired.compare_arms(glorot, "tanh", "sigmoid", "test_acc"),
        ),
    ]
    f.add(
        Table(
            "compare",
            "tanh against sigmoid under Glorot uniform (points).",
            pd.DataFrame(rows),
            percent=_PCT,
        )
    )
    epochs = verdicts.row(
        "tanh faster than sigmoid, epochs to target",
        paired.compare_arms(glorot, "tanh", "sigmoid", "epochs_to_target", rope=0.5),
    )
    f.add(
        Table(
            "epochs",
            "Epochs to the target saved by tanh (ROPE ±0.5 epoch; not reached counts as 16).",
            pd.DataFrame([epochs]),
        )
    )
    long = metrics.curve_epochs(glorot, "val_acc")
    f.figures.append(
        Figure(
            "c04_curves.png",
            "Validation accuracy per epoch, tanh vs sigmoid",
            lambda p: plots.lines(
                long,
                "epoch",
                "value",
                "activation",
                p,
                "validation accuracy, Glorot uniform",
                "val acc",
                panel="dataset",
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """The headline is the AULC comparison: SUPPORTED / CONTRADICTED / EQUIVALENT /
    INCONCLUSIVE as :func:`bench.claims.common.part_verdict` reads it."""
    comp = t.get("compare", pd.DataFrame())
    if comp.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c04_convergence")
    r = comp.iloc[0]
    e = t.get("epochs", pd.DataFrame([{"verdict": "INCONCLUSIVE"}])).iloc[0]
    return Verdict(
        r["verdict"],
        **common.from_row(r),
        effect_label="tanh − sigmoid, area under the validation curve (fraction)",
        conditions="8×64 MLPs, Glorot uniform, Adam 1e-3, 15 epochs",
        evidence=f"AULC tanh − sigmoid {common.fmt_effect(r)}, wins {r.get('wins', 0)}/"
        f"{r.get('n_datasets', 0)} data sets; epochs to target saved "
        f"{e.get('effect', math.nan):+.1f} [{e.get('ci_low', math.nan):+.1f}, "
        f"{e.get('ci_high', math.nan):+.1f}] ({e['verdict']})",
        would_change="plain SGD without Adam's per-parameter scaling, where the mean shift "
        "of sigmoid outputs matters more, could widen the gap",
    )


CLAIM = Claim(
    id="C4",
    title="tanh converges faster than sigmoid",
    statement="tanh's output is zero-centred (−1 to 1), so it often converges faster than "
    "the sigmoid.",
    suites=("c04_convergence",),
    treatment="activation",
    conditions="Glorot uniform, 8×64 MLPs",
    design="tanh and sigmoid 8×64 MLPs (Glorot uniform; naive N(0, 1) for C5) on 12 data sets "
    "× 5 seeds, Adam 1e-3, 15 epochs. Convergence is the area under the validation-accuracy "
    "curve (mean accuracy over epochs) and the epochs until validation accuracy reaches 90 % "
    "of a reference fixed by the claim (the two activations' median best under Glorot).",
    measure=measure,
    judge=judge,
)
