"""C9: dying ReLU: some units output 0 for every training sample; with a large learning rate
half the network can die.

``c09_dying``: ReLU (and LeakyReLU, for C10) under plain SGD over learning rates 0.01–1, 5
data sets × 5 seeds. A unit is dead when f′ = 0 on every training sample, counted after the
last epoch. A diverged run keeps the health of its last finished epoch and counts like any
other (its dead share is what its units showed before the loss blew up).
"""

from __future__ import annotations

import pandas as pd

from bench import plots
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import stats

LARGE = 0.25  # "a large share": a quarter of the hidden units or more


def measure(ctx: Context) -> Finding:
    """Dead share per learning rate, the trend test, the share at the top rate."""
    f = Finding()
    frame = ctx.frame("c09_dying")
    if frame.empty:
        return f
    g = frame.groupby(["activation", "train.lr"])
    table = pd.DataFrame(
        {
            "dead_final": g["dead_final"].mean(),
            "dead_max": g["dead_final"].max(),
            "negative_final": g["negative_final"].mean(),
            "dead_init": g["dead_init"].mean(),
            "diverged": g["status"].apply(lambda s: int((s != "ok").sum())),
            "n": g.size(),
        }
    ).reset_index()
    f.add(
        Table(
            "by_lr",
            "Dead and negative-regime share of hidden units after training, by "
            "SGD learning rate (mean over 5 data sets × 5 seeds; diverged runs counted "
            "with their last finished epoch).",
            table,
            percent=("dead_final", "dead_max", "negative_final", "dead_init"),
        )
    )
    relu = frame[frame["activation"] == "relu"]
    tr = stats.trend(relu, "train.lr", "dead_final", blocks=("dataset",))
    top = relu[relu["train.lr"] == relu["train.lr"].max()]
    f.add(
        Table(
            "trend",
            "Page's trend test: ReLU's dead share rising with the learning rate "
            "(blocks: data sets, seeds averaged).",
            pd.DataFrame(
                [
                    {
                        "L": tr.statistic,
                        "p_trend": tr.p,
                        "rho": tr.rho,
                        "n_datasets": tr.n_blocks,
                        "trend": tr.verdict,
                        "dead_at_top_lr": top["dead_final"].mean(),
                        "top_lr": relu["train.lr"].max(),
                    }
                ]
            ),
            percent=("dead_at_top_lr",),
        )
    )
    f.figures.append(
        Figure(
            "c09_dead_vs_lr.png",
            "Dead units after training against the learning rate",
            lambda p: plots.lines(
                frame,
                "train.lr",
                "dead_final",
                "activation",
                p,
                "dead units after training",
                "dead share",
                panel="dataset",
                logx=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED: an increasing trend (Page p < 0.05) and ≥ 25 % dead at the top rate;
    PARTLY: one of the two; CONTRADICTED: neither."""
    tr = t.get("trend", pd.DataFrame())
    if tr.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c09_dying")
    r = tr.iloc[0]
    rising, large = r["trend"] == "INCREASING", r["dead_at_top_lr"] >= LARGE
    verdict = "SUPPORTED" if rising and large else "PARTLY" if rising or large else "CONTRADICTED"
    by = t["by_lr"]
    relu = by[by["activation"] == "relu"]
    return Verdict(
        verdict,
        effect=float(r["rho"]),
        effect_label="mean Spearman ρ of dead share vs learning rate",
        p=float(r["p_trend"]),
        test="Page's trend test over data sets",
        n_datasets=int(r["n_datasets"]),
        n_seeds=5,
        conditions="8×64 ReLU MLPs, He normal, plain SGD, 10 epochs",
        evidence="ReLU dead share by lr: "
        + ", ".join(
            f"{lr:g}: {100 * d:.0f} %" for lr, d in zip(relu["train.lr"], relu["dead_final"])
        )
        + f"; Page p = {r['p_trend']:.3g}; diverged runs: {int(relu['diverged'].sum())}",
        would_change="momentum or Adam (larger effective steps die sooner), or counting "
        "death on a subsample instead of the whole training set",
    )


CLAIM = Claim(
    id="C9",
    title="Dying ReLU at large learning rates",
    statement="Dying ReLU: during training some units end up outputting 0 for every training "
    "sample; with a large learning rate, half the network can die.",
    suites=("c09_dying",),
    treatment="learning rate",
    conditions="ReLU, He normal, plain SGD",
    design="8×64 ReLU and LeakyReLU MLPs under plain SGD at learning rates 0.01, 0.03, 0.1, "
    "0.3 and 1, on 5 data sets × 5 seeds, 10 epochs. The dead share (f′ = 0 on every "
    "training sample) after the last epoch is tested for a monotone rise with Page's trend "
    "test (data sets as blocks), and its level at the top rate is reported.",
    measure=measure,
    judge=judge,
)
