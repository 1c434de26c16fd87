"""C10: LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.

Death, from C9's sweep (``c09_dying``, the range 0.1–1× the edge of stability found on
``c09_edge``'s seeds, per-epoch probes): LeakyReLU's derivative is never 0, so none of its
units is dead by definition; the claim's content is that its units do not get stuck.
Judged: LeakyReLU's share of units stuck in the negative regime (z < 0 on every training
sample) at the last epoch against ReLU's dead share (:func:`bench.claims.dying.units_die`,
both readings of divergence). Shown beside each other, per optimizer: each arm's dead share
and its stuck (negative-regime) share, for ReLU the same units. Revival: units dead (ReLU)
or stuck negative (LeakyReLU) at some epoch t and not at the last one. The probes store
per-layer counts per epoch, not per-unit masks, so what is measured is a lower bound
(:func:`bench.claims.dying.revival_to_end`: per layer, the largest drop of the count from
an epoch t to the last); each arm's bound is tested against 0 (one-sided signed-rank over
data sets, Holm over the two arms): a bound above 0 shows revival, a bound of 0 cannot
rule it out.

Accuracy, over the C15 main suite's data sets (``c15_ranking``: ReLU and LeakyReLU 0.01,
matched init) and ``c10_leaky`` (LeakyReLU 0.18, Xu et al.'s best slope, the same cells
otherwise): each slope against ReLU at the data-set level (Holm over the two slopes), and
"always" per data set: a one-sided signed-rank test over the seeds of each data set, Holm
over the data sets (:func:`bench.scoring.paired.per_dataset`); a data set where ReLU is
significantly better contradicts "always" (with n seeds the smallest p is 1/2ⁿ, so the
table says how many seeds a decision needs).

The never-dies, revival and accuracy rows carry their robustness readings: the first two
through :func:`bench.claims.dying.robust` (every rate of C9's range read, the edge kept from
its own seeds), the accuracy rows through :func:`bench.scoring.robustness.robust` on the
rows before rate selection, matched init the main reading and torch_default the other
initializer (LeakyReLU 0.18 has no torch_default cells: that reading lacks its row). The
per-data-set "always" counts are not pairs and have none.

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common, dying
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, robustness, verdicts

SLOPES = ("leaky_relu", "leaky_relu(0.18)")  # 0.01 (the default) and Xu et al.'s 1/5.5


def _always(table: pd.DataFrame, slope: str) -> dict:
    better = int((table["p_better_holm"] < verdicts.ALPHA).sum())
    worse = int((table["p_worse_holm"] < verdicts.ALPHA).sum())
    n = len(table)
    verdict = "CONTRADICTED" if worse else "SUPPORTED" if n and better == n else "INCONCLUSIVE"
    return {
        "activation": slope,
        "n_datasets": n,
        "wins": int((table["diff"] > 0).sum()),
        "losses": int((table["diff"] < 0).sum()),
        "significant_wins": better,
        "significant_losses": worse,
        "lost_on": ", ".join(table.loc[table["p_worse_holm"] < verdicts.ALPHA, "dataset"]),
        "needed_seeds": int(table["needed_seeds"].max()) if n else 0,
        "verdict": verdict,
    }


def _accuracy_frame(ctx: Context, every_init: bool = False) -> pd.DataFrame:
    """The accuracy arms' cells (matched init; ``every_init``: torch_default's too, every
    rate kept, for the robustness readings), else each at its rate chosen on validation."""
    parts = []
    for suite, acts in (("c15_ranking", ("relu", "leaky_relu")), ("c10_leaky", SLOPES[1:])):
        fr = ctx.frame(suite)
        if fr.empty:
            continue
        keep = fr["activation"].isin(acts)
        if "init" in fr.columns and not every_init:
            keep &= fr["init"] == "matched"
        parts.append(fr[keep])
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("key")
    if every_init:  # a cell stored without an initializer is a matched one
        return frame.assign(init=frame.get("init", pd.Series(index=frame.index)).fillna("matched"))
    return common.prepare(frame, {"activation": "relu"})


def _revived(runs: pd.DataFrame) -> pd.Series:
    """Each run's revival bound: ReLU's dead units, LeakyReLU's stuck-negative ones."""
    dead = runs["activation"] == "relu"
    return runs["revived_dead"].where(dead, runs["revived_negative"])


def _stuck(runs: pd.DataFrame) -> pd.DataFrame:
    ok = runs[~runs["diverged"]]
    ok = ok.assign(revived=_revived(ok))
    g = ok.groupby(["optimizer", "activation"])
    out = pd.DataFrame(
        {
            "dead_last": g["dead_last"].mean(),
            "negative_last": g["negative_last"].mean(),
            "negative_max": g["negative_max"].mean(),
            "revived": g["revived"].mean(),
            "runs_with_revival": g["revived"].apply(lambda s: float((s > 0).mean())),
            "runs": g.size(),
        }
    ).reset_index()
    order = {o: i for i, o in enumerate(dying.OPTIMIZERS)}
    out = out.assign(o=out["optimizer"].map(order)).sort_values(["o", "activation"])
    return out.drop(columns="o").reset_index(drop=True)


def _per_seed(runs: pd.DataFrame) -> pd.DataFrame:
    """``diff`` averaged over a data set's optimizers and rates, one row per seed."""
    return runs.dropna(subset=["diff"]).groupby(["dataset", "seed"], as_index=False)["diff"].mean()


def _revival_test(runs: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    """Each arm's revival bound against 0, runs that did not diverge, data set the unit (a
    seed's optimizers and rates averaged first), rope :data:`dying.ROPE_UNITS`; one family."""
    ok = runs[~runs["diverged"]]
    ok = ok.assign(diff=_revived(ok))
    label = {"relu": "relu dead units revive", "leaky_relu": "leaky_relu stuck units revive"}
    pairs = [
        paired.Pair(
            label[a],
            diffs=_per_seed(ok[ok["activation"] == a]),
            rope=dying.ROPE_UNITS,
            info={"activation": a},
        )
        for a in ("relu", "leaky_relu")
    ]
    return paired.compare_family(pairs, companions=companions)


def measure(ctx: Context) -> Finding:
    """Death (C9's sweep): stuck shares and the revival bound; accuracy (C15 main suite +
    LeakyReLU 0.18): the data-set-level rows and the per-data-set "always" summary."""
    f = Finding()
    sweep, edge_sweep = ctx.frame(dying.SUITE), ctx.frame(dying.EDGE_SUITE)
    if not sweep.empty and not edge_sweep.empty:
        edges = dying.edges(dying.run_health(edge_sweep))
        runs = dying.in_range(dying.run_health(sweep), edges)
        f.add(
            Table(
                "never_dies",
                "ReLU's dead share against LeakyReLU (0.01)'s share of units "
                "in the negative regime on every training sample, at the last epoch "
                "(points of hidden units), C9's range, both readings of divergence; "
                "robustness: re-derived under the alternatives that exist, the edge kept.",
                dying.robust(runs, dying.units_die, ("reading",)),
                percent=common.PERCENT,
            )
        )
        f.add(
            Table(
                "stuck",
                "Dead and stuck side by side in C9's range (runs that did not diverge, "
                "last epoch): dead_last (f' = 0 on every training sample; 0 for LeakyReLU "
                "by definition) and negative_last (z < 0 on every sample: stuck; for ReLU "
                "the dead units), the largest stuck share after any epoch, and revival: "
                "a lower bound on the share of units dead (ReLU) or stuck (LeakyReLU) at "
                "some epoch and not at the last (from per-layer counts per epoch; the "
                "probes keep no per-unit masks).",
                _stuck(runs),
                percent=(
                    "dead_last",
                    "negative_last",
                    "negative_max",
                    "revived",
                    "runs_with_revival",
                ),
            )
        )
        f.add(
            Table(
                "revival",
                "Revival tested: each arm's revival bound against 0 (points of hidden "
                "units, one-sided signed-rank over data sets, Holm over the two arms). A "
                "bound above 0 shows units coming back; a bound of 0 does not rule it out. "
                "Robustness as above.",
                dying.robust(runs, _revival_test),
                percent=common.PERCENT,
            )
        )
    main = _accuracy_frame(ctx)
    if not main.empty:
        present = [s for s in SLOPES if s in set(main["activation"])]

        def family(rows: pd.DataFrame, companions: bool) -> pd.DataFrame:
            work = rows.assign(arm=rows["activation"])
            here = [s for s in present if s in set(work["arm"])]  # 0.18: no torch_default
            pairs = [paired.Pair(f"{s} > relu", work, s, "relu") for s in here]
            return paired.compare_family(pairs, companions=companions)

        every = _accuracy_frame(ctx, every_init=True)
        f.add(
            Table(
                "accuracy",
                "LeakyReLU against ReLU, test accuracy (points), 8×64 MLPs, "
                "Adam, each at its best validation rate; Holm over the slopes; robustness: "
                "re-derived under the alternatives that exist (other initializer: "
                "torch_default).",
                robustness.robust(every, None, "matched", family),
                percent=common.PERCENT,
            )
        )
        f.add(
            Table(
                "always",
                '"Always": data sets where LeakyReLU is significantly better '
                "or worse than ReLU (one-sided signed-rank test over seeds, Holm over the "
                "data sets; needed_seeds: the fewest seeds with which one data set can reach "
                "α after Holm).",
                pd.DataFrame([_always(paired.per_dataset(main, s, "relu"), s) for s in present]),
            )
        )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Parts: never dies (C9's units-die comparison under both readings of divergence:
    LeakyReLU's stuck share below ReLU's dead share); stuck units revive (LeakyReLU's
    revival bound above 0: SUPPORTED, else INCONCLUSIVE, since a bound cannot rule
    revival out); for each slope, beats ReLU (the
    Holm-adjusted data-set-level row, EQUIVALENT counting against) and always (CONTRADICTED
    by one data set where ReLU is significantly better, SUPPORTED only when every data set
    favours LeakyReLU significantly). ``verdicts.combine`` of the parts."""
    nd, acc, alw, rev = (
        t.get(k, pd.DataFrame()) for k in ("never_dies", "accuracy", "always", "revival")
    )
    if nd.empty and acc.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c09_dying + c09_edge / c15_ranking")
    parts: dict[str, str] = {}
    if not nd.empty:
        v = nd.set_index("reading")["verdict"]
        parts["never dies"] = dying.two_readings(
            *(v.get(h, "INCONCLUSIVE") for h in dying.READINGS)
        )
    if not rev.empty:  # a lower bound: it can show revival, never rule it out
        r = rev.set_index("activation")["verdict"]
        parts["stuck units revive"] = (
            "SUPPORTED" if r.get("leaky_relu") == "SUPPORTED" else "INCONCLUSIVE"
        )
    a = acc.set_index("comparison") if not acc.empty else pd.DataFrame()
    w = alw.set_index("activation") if not alw.empty else pd.DataFrame()
    for s in SLOPES:
        if f"{s} > relu" in a.index:
            parts[f"{s} beats relu"] = verdicts.against(a.loc[f"{s} > relu", "verdict"])
        if s in w.index:
            parts[f"{s} always"] = str(w.loc[s, "verdict"])
    head = a.loc[f"{SLOPES[0]} > relu"] if f"{SLOPES[0]} > relu" in a.index else None
    extra = [
        f"{s}: {common.fmt_effect(a.loc[f'{s} > relu'])}, significant losses "
        f"{int(w.loc[s, 'significant_losses'])}/{int(w.loc[s, 'n_datasets'])}"
        for s in SLOPES
        if f"{s} > relu" in a.index and s in w.index
    ]
    return Verdict(
        verdicts.combine(list(parts.values())),
        **common.from_row(head if head is not None else {}),
        effect_label="LeakyReLU (0.01) − ReLU, test accuracy (fraction)",
        conditions="death: C9's sweep (SGD, momentum, Adam; 0.1–1× the edge of stability "
        "found on other seeds); accuracy: "
        "8×64 MLPs, Adam, lr chosen on validation",
        evidence="; ".join(f"{k}: {p}" for k, p in parts.items())
        + (" (" + "; ".join(extra) + ")" if extra else ""),
        would_change='more seeds per data set ("always" is judged data set by data set, '
        "and five seeds rarely decide one); per-unit probes, to measure revival exactly "
        "(per-layer counts hide units that leave while as many others enter); "
        "CIFAR-scale networks (Xu et al.'s setting)",
    )


CLAIM = Claim(
    id="C10",
    title="LeakyReLU never dies and beats ReLU",
    statement="LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.",
    suites=(dying.SUITE, dying.EDGE_SUITE, "c15_ranking", "c10_leaky"),
    treatment="activation (LeakyReLU slopes 0.01 and 0.18 against ReLU)",
    conditions="He normal (matched)",
    design="Death: C9's sweep (14 KEEL data sets × 5 seeds, SGD / momentum / Adam, 0.1–1× "
    "the edge of stability found on three other seeds, probes every epoch): LeakyReLU's "
    "share of units stuck in the negative regime at the last epoch against ReLU's dead "
    "share, data-set level, diverged runs excluded and counted all dead; each arm's dead "
    "and stuck shares side by side; revival (a unit dead or stuck at some epoch and not at "
    "the last), a lower bound from per-layer counts, tested against 0 for each arm. "
    "Accuracy: LeakyReLU (0.01, from C15's main suite, and 0.18, Xu et al.'s slope, from "
    "c10_leaky with the same settings) against ReLU over C15's data sets, at the data-set "
    "level and data set by data set (signed-rank test over seeds, Holm over data sets).",
    measure=measure,
    judge=judge,
)
