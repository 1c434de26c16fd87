"""C10: LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.

Death, from C9's sweep (``c09_dying``, the range 0.1–1× the edge of divergence, per-epoch
probes): LeakyReLU's derivative is never 0, so none of its units is dead by definition; the
claim's content is that its units do not get stuck. Judged: LeakyReLU's share of units in
the negative regime on every training sample at the last epoch against ReLU's dead share
(:func:`bench.claims.dying.units_die`, both readings of divergence). Shown: revival,
units that leave the negative regime after some epoch. The probes store per-layer counts,
not per-unit masks, so revival is a lower bound (:func:`bench.claims.dying.revival_bound`)
and decides nothing.

Accuracy, over the C15 main suite's data sets (``c15_ranking``: ReLU and LeakyReLU 0.01,
matched init) and ``c10_leaky`` (LeakyReLU 0.18, Xu et al.'s best slope, the same cells
otherwise): each slope against ReLU at the data-set level (Holm over the two slopes), and
"always" per data set: a one-sided signed-rank test over the seeds of each data set, Holm
over the data sets (:func:`bench.scoring.paired.per_dataset`); a data set where ReLU is
significantly better contradicts "always" (with n seeds the smallest p is 1/2ⁿ, so the
table says how many seeds a decision needs).

Public: CLAIM, measure(ctx), judge(tables).
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common, dying
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, verdicts

SLOPES = ("leaky_relu", "leaky_relu(0.18)")  # 0.01 (the default) and Xu et al.'s 1/5.5
_PCT = ("effect", "ci_low", "ci_high")


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


def _accuracy_frame(ctx: Context) -> pd.DataFrame:
    parts = []
    for suite, acts in (("c15_ranking", ("relu", "leaky_relu")), ("c10_leaky", SLOPES[1:])):
        fr = ctx.frame(suite)
        if fr.empty:
            continue
        keep = fr["activation"].isin(acts)
        if "init" in fr.columns:
            keep &= fr["init"] == "matched"
        parts.append(fr[keep])
    if not parts:
        return pd.DataFrame()
    frame = pd.concat(parts, ignore_index=True).drop_duplicates("key")
    return common.prepare(frame, {"activation": "relu"})


def _revival(runs: pd.DataFrame) -> pd.DataFrame:
    ok = runs[~runs["diverged"]]
    g = ok.groupby(["optimizer", "activation"])
    out = pd.DataFrame(
        {
            "revival_bound": g["revival"].mean(),
            "runs_with_revival": g["revival"].apply(lambda s: float((s > 0).mean())),
            "negative_max": g["negative_max"].mean(),
            "negative_last": g["negative_last"].mean(),
            "runs": g.size(),
        }
    ).reset_index()
    order = {o: i for i, o in enumerate(dying.OPTIMIZERS)}
    out = out.assign(o=out["optimizer"].map(order)).sort_values(["o", "activation"])
    return out.drop(columns="o").reset_index(drop=True)


def measure(ctx: Context) -> Finding:
    """Death (C9's sweep): stuck shares and the revival bound; accuracy (C15 main suite +
    LeakyReLU 0.18): the data-set-level rows and the per-data-set "always" summary."""
    f = Finding()
    sweep = ctx.frame("c09_dying")
    if not sweep.empty:
        health = dying.run_health(sweep)
        runs = dying.in_range(health, dying.edges(health))
        f.add(
            Table(
                "never_dies",
                "ReLU's dead share against LeakyReLU (0.01)'s share of units "
                "in the negative regime on every training sample, at the last epoch "
                "(points of hidden units), C9's range, both readings of divergence.",
                dying.units_die(runs),
                percent=_PCT,
            )
        )
        f.add(
            Table(
                "revival",
                "Revival in C9's range (runs that did not diverge): a lower "
                "bound on the share of units that were in the negative regime after some "
                "epoch and out of it after a later one (from per-layer counts; shown, "
                "not judged), with the largest and the last negative-regime share.",
                _revival(runs),
                percent=("revival_bound", "runs_with_revival", "negative_max", "negative_last"),
            )
        )
    main = _accuracy_frame(ctx)
    if not main.empty:
        present = [s for s in SLOPES if s in set(main["activation"])]
        work = main.assign(arm=main["activation"])
        pairs = [paired.Pair(f"{s} > relu", work, s, "relu") for s in present]
        f.add(
            Table(
                "accuracy",
                "LeakyReLU against ReLU, test accuracy (points), 8×64 MLPs, "
                "Adam, each at its best validation rate; Holm over the slopes.",
                paired.compare_family(pairs),
                percent=_PCT,
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
    LeakyReLU's stuck share below ReLU's dead share); for each slope, beats ReLU (the
    Holm-adjusted data-set-level row, EQUIVALENT counting against) and always (CONTRADICTED
    by one data set where ReLU is significantly better, SUPPORTED only when every data set
    favours LeakyReLU significantly). ``verdicts.combine`` of the parts."""
    nd, acc, alw = (t.get(k, pd.DataFrame()) for k in ("never_dies", "accuracy", "always"))
    if nd.empty and acc.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c09_dying / c15_ranking")
    parts: dict[str, str] = {}
    if not nd.empty:
        v = nd.set_index("reading")["verdict"]
        parts["never dies"] = dying.two_readings(
            *(v.get(h, "INCONCLUSIVE") for h in dying.READINGS)
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
        conditions="death: C9's sweep (SGD, momentum, Adam; 0.1–1× the edge); accuracy: "
        "8×64 MLPs, Adam, lr chosen on validation",
        evidence="; ".join(f"{k}: {p}" for k, p in parts.items())
        + (" (" + "; ".join(extra) + ")" if extra else ""),
        would_change='more seeds per data set ("always" is judged data set by data set, '
        "and five seeds rarely decide one); per-unit probes, to measure revival exactly; "
        "CIFAR-scale networks (Xu et al.'s setting)",
    )


CLAIM = Claim(
    id="C10",
    title="LeakyReLU never dies and beats ReLU",
    statement="LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.",
    suites=("c09_dying", "c15_ranking", "c10_leaky"),
    treatment="activation (LeakyReLU slopes 0.01 and 0.18 against ReLU)",
    conditions="He normal (matched)",
    design="Death: C9's sweep (14 KEEL data sets × 5 seeds, SGD / momentum / Adam, 0.1–1× "
    "the edge of divergence, probes every epoch): LeakyReLU's negative-regime share at the "
    "last epoch against ReLU's dead share, data-set level, diverged runs excluded and "
    "counted all dead; a lower bound on revival is shown. Accuracy: LeakyReLU (0.01, from "
    "C15's main suite, and 0.18, Xu et al.'s slope, from c10_leaky with the same settings) "
    "against ReLU over C15's data sets, at the data-set level and data set by data set "
    "(signed-rank test over seeds, Holm over data sets).",
    measure=measure,
    judge=judge,
)
