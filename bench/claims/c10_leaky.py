"""C10: LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.

Two parts: the dead share of LeakyReLU in ``c09_dying`` (every learning rate) — zero by
construction of the definition (its derivative is never 0), so the negative-regime share is
reported beside it as the honest comparison — and test accuracy LeakyReLU against ReLU in
``c15_ranking`` at the data-set level (12 data sets × 5 seeds).
"""

from __future__ import annotations

import pandas as pd

from bench.claims import common
from bench.claims.base import Claim, Context, Finding, Table, Verdict
from bench.scoring import paired, verdicts

_PCT = ("effect", "ci_low", "ci_high")


def measure(ctx: Context) -> Finding:
    """Dead and negative-regime shares (C9 sweep); accuracy vs ReLU (C15 suite)."""
    f = Finding()
    dying = ctx.frame("c09_dying")
    if not dying.empty:
        g = dying.groupby("activation")
        f.add(
            Table(
                "death",
                "Dead and negative-regime units after training over the whole "
                "SGD learning-rate sweep (max over runs).",
                pd.DataFrame(
                    {
                        "dead_max": g["dead_final"].max(),
                        "dead_mean": g["dead_final"].mean(),
                        "negative_mean": g["negative_final"].mean(),
                        "runs": g.size(),
                    }
                ).reset_index(),
                percent=("dead_max", "dead_mean", "negative_mean"),
            )
        )
    main = common.prepare(ctx.frame("c15_ranking"))
    if not main.empty:
        comp = paired.compare_arms(main.assign(arm=main["activation"]), "leaky_relu", "relu")
        f.add(
            Table(
                "accuracy",
                "LeakyReLU against ReLU, test accuracy (points), 8×64 MLPs.",
                pd.DataFrame([verdicts.row("leaky_relu > relu", comp)]),
                percent=_PCT,
            )
        )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """Part 1: no LeakyReLU unit dead in any run. Part 2: LeakyReLU > ReLU at the data-set
    level. Both → SUPPORTED; EQUIVALENT accuracy counts against "always beats"."""
    death, acc = t.get("death", pd.DataFrame()), t.get("accuracy", pd.DataFrame())
    if death.empty and acc.empty:
        return Verdict("INCONCLUSIVE", evidence="no results for c09_dying / c15_ranking")
    d = death.set_index("activation") if not death.empty else pd.DataFrame()
    never = bool(d.loc["leaky_relu", "dead_max"] == 0) if "leaky_relu" in d.index else None
    parts = ["SUPPORTED" if never else "CONTRADICTED" if never is False else "INCONCLUSIVE"]
    r = acc.iloc[0] if not acc.empty else pd.Series(dtype=object)
    beats = r.get("verdict", "INCONCLUSIVE")
    parts.append(verdicts.against(beats))
    return Verdict(
        verdicts.combine(parts),
        **common.from_row(r),
        effect_label="LeakyReLU − ReLU, test accuracy (fraction)",
        conditions="dead units: SGD sweep; accuracy: 8×64 MLPs, Adam, lr chosen on validation",
        evidence=f"LeakyReLU dead units: max {100 * d.loc['leaky_relu', 'dead_max']:.0f} % "
        f"(negative regime {100 * d.loc['leaky_relu', 'negative_mean']:.1f} % vs ReLU's "
        f"{100 * d.loc['relu', 'negative_mean']:.1f} %); accuracy vs ReLU "
        f"{common.fmt_effect(r)} ({beats}, wins {r.get('wins', 0)}/{r.get('n_datasets', 0)})"
        if "leaky_relu" in d.index and "relu" in d.index
        else f"accuracy vs ReLU {common.fmt_effect(r)} ({beats})",
        would_change='"always" fails on the first data set where ReLU wins; a larger '
        "negative slope or CIFAR-scale networks (Xu et al.'s setting) could change the "
        "accuracy part",
    )


CLAIM = Claim(
    id="C10",
    title="LeakyReLU never dies and beats ReLU",
    statement="LeakyReLU never dies, and (Xu et al. 2015) LeakyReLU always beats ReLU.",
    suites=("c09_dying", "c15_ranking"),
    treatment="activation",
    conditions="He normal",
    design="The dead and negative-regime shares of LeakyReLU over C9's SGD learning-rate "
    "sweep, and LeakyReLU against ReLU on test accuracy over C15's 12 data sets × 5 seeds at "
    "the data-set level.",
    measure=measure,
    judge=judge,
)
