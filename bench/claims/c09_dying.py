"""C9: dying ReLU: some units output 0 for every training sample; with a large learning rate
half the network can die.

``c09_dying``: 8×64 ReLU and LeakyReLU (0.01) MLPs under SGD, SGD with momentum 0.9 and
Adam, each over a geometric learning-rate sweep that runs past the edge of stability,
14 KEEL data sets × 5 seeds (0–4), probes after every epoch. The edge is found on other
seeds, never judged: ``c09_edge``, the same ReLU sweep on seeds 5–7. Per data set and
optimizer the edge is the largest rate below the first one at which more than 20 % of
those ReLU runs fail, diverging or collapsing (the last hidden layer all dead: Adam's
bounded step collapses a network instead of diverging it; :func:`bench.claims.dying.edges`);
the range read is 0.1–1× the edge, on the judged seeds. A run's dead share
is the one of its last epoch before any divergence. Divergence is its own outcome, with two
readings: diverged runs excluded, or counted as all dead. The units-die comparison and the
two-readings rule are :mod:`bench.claims.dying`'s (C10 reads them too). The units-die and
larger-rate rows carry their robustness readings (:func:`bench.claims.dying.robust`: every
rate of the range read, the edge kept from its own seeds, so each half of the judged seeds
re-reads the same range); the half-dead shares are counts, not pairs, and have none.

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import pandas as pd

from bench import plots
from bench.claims import common, dying
from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.scoring import paired, stats, verdicts

HALF = 0.5  # "half the network"
FLOOR = 0.02  # "can die": in at least one run in fifty, not a freak run


def _larger(runs: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    relu = runs[runs["activation"] == "relu"]
    label = "dead share: top stable rate > bottom"
    rows = []
    for how in dying.READINGS:
        pairs = []
        for opt in dying.OPTIMIZERS:
            work = dying.reading(relu[relu["optimizer"] == opt], how, ("dead_last",))
            top = work.groupby("dataset")["step"].transform("max")
            work = work[(work["step"] == 0) | (work["step"] == top)]
            work = work[top[work.index] > 0].assign(arm=lambda w: w["step"].map(_arm))
            diffs = paired.paired(work, "arm", "top", "bottom", "dead_last", ("dataset", "seed"))
            info = {"reading": how, "optimizer": opt}
            pairs.append(paired.Pair(label, diffs=diffs, rope=dying.ROPE_UNITS, info=info))
        rows.append(paired.compare_family(pairs, companions=companions))
    return pd.concat(rows, ignore_index=True)


def _arm(step: int) -> str:
    return "top" if step == 0 else "bottom"


def _half(runs: pd.DataFrame) -> pd.DataFrame:
    relu = runs[runs["activation"] == "relu"]
    rows = []
    for how in dying.READINGS:
        for opt in dying.OPTIMIZERS:
            work = dying.reading(relu[relu["optimizer"] == opt], how, ("dead_last",))
            n, k = len(work), int((work["dead_last"] >= HALF).sum())
            low, high = stats.binomial_interval(k, n, 1 - verdicts.ALPHA / len(dying.OPTIMIZERS))
            verdict = (
                "SUPPORTED" if low > FLOOR else "CONTRADICTED" if high < FLOOR else "INCONCLUSIVE"
            )
            rows.append(
                {
                    "reading": how,
                    "optimizer": opt,
                    "runs": n,
                    "half_dead": k,
                    "share": k / n if n else float("nan"),
                    "share_low": low,
                    "share_high": high,
                    "n_datasets": work["dataset"].nunique(),
                    "verdict": verdict,
                }
            )
    return pd.DataFrame(rows)


def _by_step(runs: pd.DataFrame) -> pd.DataFrame:
    keys = ["optimizer", "activation", "step"]
    g, ok = runs.groupby(keys), runs[~runs["diverged"]].groupby(keys)
    out = pd.DataFrame(
        {
            "dead_init": g["dead_init"].mean(),
            "dead_last": ok["dead_last"].mean(),
            "dead_max": g["dead_max"].mean(),
            "collapsed": g["collapsed"].sum(),
            "negative_last": ok["negative_last"].mean(),
            "diverged": g["diverged"].sum(),
            "n": g.size(),
        }
    ).reset_index()
    out["order"] = out["optimizer"].map({o: i for i, o in enumerate(dying.OPTIMIZERS)})
    out = out.sort_values(["order", "activation", "step"]).drop(columns="order")
    return out.reset_index(drop=True)


def measure(ctx: Context) -> Finding:
    """The edges, the shares by step below the edge, the three parts' tables, a figure."""
    f = Finding()
    frame, sweep = ctx.frame(dying.SUITE), ctx.frame(dying.EDGE_SUITE)
    if frame.empty or sweep.empty:
        return f
    health = dying.run_health(frame)
    edge = dying.edges(dying.run_health(sweep))
    f.add(
        Table(
            "edges",
            f"The edge of stability per data set and optimizer, found on {dying.EDGE_SUITE}'s "
            "seeds (never judged): the largest rate below the first at which more than 20 % "
            "of the ReLU runs fail, diverging or collapsing (the last hidden layer all dead; "
            "reached: no — no rate swept failed that often); the range read on the judged "
            "seeds is bottom … edge (0.1–1× the edge).",
            edge,
        )
    )
    runs = dying.in_range(health, edge)
    f.add(
        Table(
            "by_step",
            "Shares of hidden units inside the range, by rate step below the "
            "edge (0: the edge). dead_last and negative_last: runs that did not diverge; "
            "dead_max: the largest share after any epoch before divergence; collapsed: "
            "runs whose last hidden layer ended all dead.",
            _by_step(runs),
            percent=("dead_init", "dead_last", "dead_max", "negative_last"),
        )
    )
    f.add(
        Table(
            "units_die",
            "Part 1, units die: ReLU's dead share against LeakyReLU's "
            "negative-regime share at the last epoch (points of hidden units), every "
            "optimizer and rate in the range, data set the unit; robustness: re-derived "
            "under the alternatives that exist, the edge kept.",
            dying.robust(runs, dying.units_die, ("reading",)),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "larger",
            "Part 2, more die at larger rates: ReLU's dead share at the top "
            "stable rate (the edge) against the bottom of the range (points), paired by "
            "data set × seed, Holm over the three optimizers; robustness as above.",
            dying.robust(runs, _larger, ("reading", "optimizer")),
            percent=common.PERCENT,
        )
    )
    f.add(
        Table(
            "half",
            f"Part 3, half can die: ReLU runs in the range with ≥ 50 % of the "
            f"hidden units dead; Clopper–Pearson interval at 1 − {verdicts.ALPHA:g}/"
            f"{len(dying.OPTIMIZERS)}; SUPPORTED when "
            f"it excludes shares below {100 * FLOOR:.0f} %, CONTRADICTED when it excludes "
            f"shares above.",
            _half(runs),
            percent=("share", "share_low", "share_high"),
            digits=3,
        )
    )
    long = health.assign(
        value=health["dead_last"].where(health["activation"] == "relu", health["negative_last"])
    )[~health["diverged"]]
    f.figures.append(
        Figure(
            "c09_dead_vs_lr.png",
            "ReLU dead share and LeakyReLU negative-regime share against the learning rate",
            lambda p: plots.lines(
                long,
                "train.lr",
                "value",
                "activation",
                p,
                "ReLU dead / LeakyReLU negative-regime (runs that finished)",
                "share of hidden units",
                panel="optimizer",
                logx=True,
            ),
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Three parts, each read under both readings of divergence
    (:func:`bench.claims.dying.two_readings`): units die (one comparison); more die at larger
    rates (per optimizer, then ``verdicts.combine``); half can die (per optimizer; SUPPORTED
    when any optimizer shows it, CONTRADICTED when every one rules it out). Then
    ``verdicts.combine`` of the three."""
    ud, lg, hf = (t.get(k, pd.DataFrame()) for k in ("units_die", "larger", "half"))
    if ud.empty or lg.empty or hf.empty:
        return Verdict(
            "INCONCLUSIVE", evidence=f"no results for {dying.SUITE} and {dying.EDGE_SUITE}"
        )
    u = ud.set_index("reading")
    die = dying.two_readings(*(u.loc[h, "verdict"] for h in dying.READINGS))
    larger, half = {}, {}
    for opt in dying.OPTIMIZERS:
        ls = lg[lg["optimizer"] == opt].set_index("reading")["verdict"]
        larger[opt] = dying.two_readings(*(ls.get(h, "INCONCLUSIVE") for h in dying.READINGS))
        hs = hf[hf["optimizer"] == opt].set_index("reading")["verdict"]
        half[opt] = dying.two_readings(*(hs.get(h, "INCONCLUSIVE") for h in dying.READINGS))
    hv = list(half.values())
    half_v = (
        "SUPPORTED"
        if "SUPPORTED" in hv
        else "CONTRADICTED"
        if set(hv) == {"CONTRADICTED"}
        else "INCONCLUSIVE"
    )
    parts = {
        "units die": die,
        "more at larger rates": verdicts.combine(list(larger.values())),
        "half can die": half_v,
    }
    r = u.loc["excluded"]
    share = hf.set_index(["reading", "optimizer"])["share"]
    return Verdict(
        verdicts.combine(list(parts.values())),
        **common.from_row(r),
        effect_label="ReLU dead − LeakyReLU negative-regime share (diverged runs excluded)",
        conditions="8×64 MLPs, He normal, SGD / SGD momentum 0.9 / Adam, 10 epochs, rates "
        "0.1–1× the edge of stability found on other seeds",
        evidence="; ".join(f"{k}: {v}" for k, v in parts.items())
        + " (larger rates: "
        + ", ".join(f"{o} {v}" for o, v in larger.items())
        + "; runs ≥ 50 % dead, diverged excluded: "
        + ", ".join(
            f"{o} {100 * share.get(('excluded', o), float('nan')):.0f} %" for o in dying.OPTIMIZERS
        )
        + ")",
        would_change="more epochs; an edge of stability defined by divergence alone (Adam "
        "collapses without diverging); reading the dead share at its peak (dead_max) "
        "instead of the last epoch; per-unit masks, to tell a unit that died for good from "
        "one that came back",
    )


CLAIM = Claim(
    id="C9",
    title="Dying ReLU at large learning rates",
    statement="Dying ReLU: during training some units end up outputting 0 for every training "
    "sample; with a large learning rate, half the network can die.",
    suites=(dying.SUITE, dying.EDGE_SUITE),
    swept=(dying.SUITE, dying.EDGE_SUITE),
    treatment="learning rate (relative to the edge of stability) and optimizer",
    conditions="ReLU against LeakyReLU (0.01), He normal, SGD / momentum / Adam",
    design="8×64 ReLU and LeakyReLU MLPs on 14 KEEL data sets × 5 seeds, 10 epochs, probes "
    "after every epoch, under SGD (rates 0.01–2), SGD with momentum 0.9 (0.001–0.5) and Adam "
    "(0.001–1). Per data set and optimizer the edge of stability is found on three other "
    "seeds of the ReLU sweep, never judged (the largest rate below the first at which more "
    "than 20 % of the runs fail: diverge, or collapse with the last hidden layer all dead, "
    "which is how Adam fails) and the range 0.1–1× the edge is read on the judged seeds. "
    "A run's dead share is that of its last epoch before any divergence; diverged runs are "
    "read twice, excluded and counted all dead. "
    "Parts: ReLU's dead share against LeakyReLU's negative-regime share (data-set level); "
    "the dead share at the top against the bottom stable rate (per optimizer); the share of "
    "runs with half the units dead (Clopper–Pearson, per optimizer).",
    measure=measure,
    judge=judge,
)
