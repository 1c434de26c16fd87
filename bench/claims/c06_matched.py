"""C6: Glorot suits none/tanh/logistic, He suits ReLU and its variants, LeCun suits SELU.

``c06_matched``: six activations × four uniform-shaped initializers grouped into three
variance families: PyTorch's default U(±1/√fan_in) (σ² = 1/(3·fan_in)), Glorot and LeCun
(σ² = 1/fan_avg and 1/fan_in, the same on the square hidden layers of these MLPs, so one
family, scored as the mean of its two members) and He (σ² = 2/fan_in × the He gain). 8×64
MLPs under Adam and under SGD with momentum 0.9, each initializer at its own learning rate
(bracketed, chosen on validation), the 43 real data sets × 3 seeds. For each activation and
optimizer the matched family is compared with the best other family (the one with the best
mean validation accuracy) on test accuracy at the data-set level (ROPE ±1 point). A data set
where neither family learns (validation accuracy not above the chance level,
:func:`bench.scoring.chance.learning`) is one where both arms failed: left out and counted
(``n_failed``), so a floor-vs-floor row is INCONCLUSIVE ("both arms failed").

``c06_deep``: He et al. (2015)'s setting, a 30-layer ReLU MLP under SGD, He normal against
Glorot normal (the paper: Glorot's net does not learn), each at its own rate.

Public:
    CLAIM               the registry entry
    FAMILY              initializer → its variance family
    MATCHED             activation → the family the note matches to it
    family_frame(frame) -> DataFrame   family scores per data set × seed × activation × optimizer
    pair(label, frame, a, b, keys, info) -> Pair
                        arm ``a`` against ``b`` on test accuracy, a data set where neither
                        learns marked as both failed
    measure(ctx)        the matched table, the family means, the deep table
    judge(tables)       the verdict (see its docstring)
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import chance, metrics, paired, robustness, verdicts

SUITE, DEEP = "c06_matched", "c06_deep"
SMALL, MIDDLE, HE = "U(±1/√fan_in)", "Glorot/LeCun", "He"
FAMILY = {
    "torch_default": SMALL,
    "glorot_uniform": MIDDLE,
    "lecun_uniform": MIDDLE,
    "he_uniform": HE,
}
MATCHED = {
    "sigmoid": MIDDLE,
    "tanh": MIDDLE,
    "relu": HE,
    "leaky_relu": HE,
    "elu": HE,
    "selu": MIDDLE,
}
_DEEP_ARMS = ("he_normal", "glorot_normal")


def family_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Each initializer at its best validation rate, then the mean test and validation
    accuracy of each family's members per data set × seed × activation × optimizer (runs
    that did not finish count as 0). Columns: those keys, ``arm`` (the family),
    ``test_acc``, ``val_acc``."""
    sel = metrics.select_lr(frame)
    sel = sel[sel["init"].isin(FAMILY)]
    work = sel[["dataset", "seed", "activation", "train.optimizer"]].copy()
    work["arm"] = sel["init"].map(FAMILY)
    work["test_acc"] = metrics.scores(sel, "test_acc")
    work["val_acc"] = metrics.scores(sel, "val_acc")
    keys = ["dataset", "seed", "activation", "train.optimizer", "arm"]
    return work.groupby(keys, as_index=False)[["test_acc", "val_acc"]].mean()


def measure(ctx: Context) -> Finding:
    """The matched family against the best other, per activation × optimizer; He et al.'s
    deep setting."""
    f = Finding()
    frame, deep = ctx.frame(SUITE), ctx.frame(DEEP)
    if frame.empty and deep.empty:
        return f
    fam = family_frame(frame) if not frame.empty else pd.DataFrame()
    # the best other family of each activation × optimizer, chosen once on the main
    # reading's validation scores: every robustness reading compares the same pairs
    chosen = _best_others(fam)

    def family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
        inner = rows[rows["init"].isin(FAMILY)]
        sub = family_frame(inner) if len(inner) else pd.DataFrame()
        pairs = [
            _pair(act, opt, matched, best, _part(sub, act, opt), matched, best)
            for act, opt, matched, best in chosen
        ]
        outer = rows[rows["init"].isin(_DEEP_ARMS)]
        if len(deep):
            pairs.append(
                _pair(
                    "relu",
                    "sgd, 30 layers",
                    HE,
                    "Glorot",
                    outer.assign(arm=outer["init"]),
                    *_DEEP_ARMS,
                )
            )
        return paired.compare_family(pairs, companions=companions)

    if not deep.empty:
        f.add(_deep_table(metrics.select_lr(deep).assign(arm=lambda d: d["init"])))
    # the initializer's family is the arm: no other-initializer reading ("—")
    table = robustness.robust(pd.concat([frame, deep]), None, None, family)
    f.add(
        Table(
            "matched",
            "The matched variance family against the best other family (chosen on "
            "validation), test accuracy, each initializer at its own rate (effect: matched − "
            f"other, points; ROPE ±{100 * verdicts.ROPE:g} point; Holm over all rows). "
            "A data set where neither arm's validation accuracy is above its chance level "
            "(the most frequent class's share) is left out (n_failed: both arms failed). "
            "The last row is He et al.'s setting (c06_deep). Robustness: each row "
            "re-derived under the alternatives that exist, the best other family kept.",
            table,
            percent=common.PERCENT,
        )
    )
    if not fam.empty:
        means = fam.groupby(["activation", "train.optimizer", "arm"])["test_acc"].mean()
        wide = means.unstack("arm").reset_index()
        learns = chance.learning(fam, ["activation", "train.optimizer", "arm"])
        count = learns.groupby(["activation", "train.optimizer", "arm"])["learns"].sum()
        count = count.astype(int).unstack("arm").add_prefix("learns: ").reset_index()
        wide = wide.merge(count, on=["activation", "train.optimizer"], how="left")
        f.add(
            Table(
                "families",
                "Mean test accuracy per variance family (members averaged, each at its rate), "
                "and the data sets on which each family learns (validation accuracy above "
                "the chance level).",
                wide,
                percent=tuple(c for c in wide.columns if c in (SMALL, MIDDLE, HE)),
            )
        )
    return f


def _best_others(fam: pd.DataFrame) -> list[tuple[str, str, str, str]]:
    """(activation, optimizer, matched family, best other family by mean validation
    accuracy) of each activation × optimizer where both exist."""
    out = []
    groups = [] if fam.empty else fam.groupby(["activation", "train.optimizer"], sort=False)
    for (act, opt), sub in groups:
        matched = MATCHED.get(act)
        val = sub.groupby("arm")["val_acc"].mean()
        others = val.drop(matched, errors="ignore")
        if matched not in val.index or others.empty:
            continue
        out.append((str(act), str(opt), str(matched), str(others.idxmax())))
    return out


def _part(fam: pd.DataFrame, act: str, opt: str) -> pd.DataFrame:
    if fam.empty:
        return fam
    return fam[(fam["activation"] == act) & (fam["train.optimizer"] == opt)]


def _pair(
    act: str, opt: str, matched: str, other: str, frame: pd.DataFrame, a: str, b: str
) -> paired.Pair:
    """Arm ``a`` (the matched family, named ``matched``) against ``b`` (``other``) on test
    accuracy, its row labelled by activation and optimizer."""
    info = {"activation": act, "optimizer": opt, "matched": matched, "best_other": other}
    return pair(f"{act}, {opt}: {matched} > {other}", frame, a, b, info)


def pair(label: str, frame: pd.DataFrame, a: str, b: str, info: dict | None = None) -> paired.Pair:
    """Arm ``a`` against arm ``b`` (values of ``arm``) on test accuracy, with the paired
    differences of :func:`bench.scoring.paired.arm_diffs` and every data set where neither
    arm learns (:func:`bench.scoring.chance.learning` on the same rows) marked ``failed``:
    the comparison leaves it out and counts it (``n_failed``)."""
    diffs = paired.arm_diffs(frame, a, b)
    if not diffs.empty:
        learns = chance.learning(frame[frame["arm"].isin([a, b])], ["arm"])
        some = learns.groupby("dataset")["learns"].any()
        lost = set(some.index[~some])
        diffs = diffs.assign(failed=diffs["failed"] | diffs["dataset"].isin(lost))
    return paired.Pair(label, a=a, b=b, diffs=diffs, info=info or {})


def _deep_table(sel: pd.DataFrame) -> Table:
    out = []
    for init, sub in sel.groupby("init"):
        out.append(
            {
                "init": init,
                "lr": float(sub["train.lr"].median()),
                "train_acc": float(metrics.scores(sub, "train_acc").mean()),
                "test_acc": float(metrics.scores(sub, "test_acc").mean()),
                "diverged": int((sub["status"] != "ok").sum()),
                "runs": len(sub),
            }
        )
    return Table(
        "deep",
        "30-layer ReLU MLP, SGD with momentum 0.9: final training and test accuracy per "
        "initializer at its chosen rate (median over data sets), means over data sets × seeds.",
        pd.DataFrame(out),
        percent=("train_acc", "test_acc"),
    )


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Each row (an activation × optimizer, and He et al.'s 30-layer setting) is a part: the
    matched family better than the best other → SUPPORTED, worse → CONTRADICTED, inside the
    ROPE (EQUIVALENT) → CONTRADICTED (the match makes no practical difference), else
    INCONCLUSIVE, after Holm over the rows. The claim combines the parts: all SUPPORTED →
    SUPPORTED, all CONTRADICTED → CONTRADICTED, all INCONCLUSIVE → INCONCLUSIVE, a mix →
    PARTLY."""
    m = t.get("matched", pd.DataFrame())
    if m.empty:
        return Verdict("INCONCLUSIVE", evidence=f"no results for {SUITE} or {DEEP}")
    parts = [verdicts.against(v) for v in m["verdict"]]
    deep = m[m["optimizer"].astype(str).str.contains("30 layers")]
    head = deep.iloc[0] if len(deep) else m.iloc[0]
    evidence = "; ".join(
        f"{r['activation']} {r['optimizer']}: {r['matched']} vs {r['best_other']} "
        f"{common.fmt_effect(r)} ({p})"
        for (_, r), p in zip(m.iterrows(), parts)
    )
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(head, p=float(head.get("p_holm", head["p"]))),
        effect_label=f"{head['comparison']}, test accuracy (fraction)",
        conditions="8×64 MLPs under Adam and SGD (momentum 0.9), 10 epochs, lr per "
        "initializer (bracketed); He et al.'s 30-layer ReLU MLP under SGD; the 43 real data "
        "sets × 3 seeds",
        evidence=evidence,
        would_change="layers that are not square (Glorot and LeCun then differ, and the "
        "note's Glorot/LeCun split becomes testable), or deeper nets, where the variance "
        "a family keeps compounds over more layers",
    )


CLAIM = Claim(
    id="C6",
    title="Each activation has its initializer",
    statement="Glorot initialization suits no activation, tanh, logistic and softmax; He "
    "suits ReLU and its variants; LeCun suits SELU (σ² = 1/fan_avg, 2/fan_in, 1/fan_in; a "
    "uniform variant has bound r = √(3σ²)).",
    suites=(SUITE, DEEP),
    treatment="initializer (variance family)",
    conditions="8×64 MLPs, Adam and SGD; a 30-layer ReLU MLP under SGD",
    design="Six activations × four uniform initializers in three variance families "
    "(PyTorch's default U(±1/√fan_in); Glorot and LeCun, identical on square layers, as "
    "one family; He), 8×64 MLPs under Adam and SGD with momentum 0.9, each initializer at "
    "its own rate (three per optimizer to start, bracketed, chosen on validation), the 43 "
    "real data sets × 3 seeds. For each activation and optimizer, the matched family "
    "against the best other family on test accuracy at the data-set level (ROPE "
    f"±{100 * verdicts.ROPE:g} point; a data set where neither family learns, its "
    "validation accuracy not above the chance level, counts as both arms failed); "
    "and He et al.'s setting, a "
    "30-layer ReLU MLP under SGD, He normal against Glorot normal. Holm over all rows.",
    measure=measure,
    judge=judge,
)
