"""``bench quick``'s terminal table: the activations ranked, with the statistics of the
report's overall ranking (what :func:`bench.api.ranking` returns), as text.

Public:
    table(ranked, doc, name, n_seeds) -> str
"""

from __future__ import annotations

import textwrap

import pandas as pd
from tabulate import tabulate

from bench.report.doc import ALPHA_TEXT, p, p_is, pm


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def table(ranked: pd.DataFrame, doc: dict, name: str, n_seeds: int) -> str:
    """``bench quick``'s terminal output: a title, the ranked table, the tests.

    Args:
        ranked: :func:`bench.api.ranking` of the suite's rows.
        doc: the suite in the TOML layout (:func:`bench.api.quick_suite`).
        name: the suite's name; ``n_seeds`` its seeds.

    Returns:
        The text, lines of at most 100 characters (the table excepted).
    """
    grid, model, train = doc["grid"], doc["model"], doc["train"]
    lrs = grid.get("train.lr", [train.get("lr")])
    several = ranked.attrs["friedman_datasets"]["n_blocks"] > 1  # several data sets
    headers = [
        "#",
        "activation",
        "test acc % (± 95% CI)",
        "mean rank",
        "Δ vs #1",
        "p vs #1" + (" (data set × seed)" if several else ""),
        *(["p vs #1 (data sets)"] if several else []),
        "diverged/failed",
    ]
    rows = [
        [
            i,
            r.activation,
            pm(r.mean, r.ci95),
            f"{r.avg_rank:.2f}",
            "–" if i == 1 else f"{100 * r.delta:+.1f}",
            p(r.p_vs_best),
            *([p(r.p_vs_best_datasets)] if several else []),
            r.n_nonok,
        ]
        for i, r in enumerate(ranked.itertuples(), start=1)
    ]
    a = ranked.attrs
    blocks, n = " × ".join(a["blocks"]), a["n_blocks"]
    title = (
        f"{name}: {_count(len(ranked), 'activation')} on {', '.join(grid['dataset'])}, "
        f"{model['kind']} {model['depth']}×{model['width']}, init {a['init']}, "
        f"{_count(n_seeds, 'seed')}, {_count(train['epochs'], 'epoch')}, {train['optimizer']} lr "
        f"{', '.join(f'{x:g}' for x in lrs)}" + (" (chosen on validation)" if len(lrs) > 1 else "")
    )
    align = ("right", "left", *["right"] * (len(headers) - 2))
    lines = [
        title,
        "",
        tabulate(rows, headers=headers, tablefmt="simple", disable_numparse=True, colalign=align),
    ]
    fr, fd = a["friedman"], a["friedman_datasets"]

    def test(r: dict) -> str:
        if r["reason"]:
            return f"not computed ({r['reason']})"
        return f"chi2 = {r['statistic']:.2f}, {p_is(r['pvalue'])}"

    lines += ["", f"Friedman over {fr['n_blocks']} blocks ({blocks}): {test(fr)}"]
    if several:
        lines.append(f"Data-set level (seeds averaged, {fd['n_blocks']} data sets): {test(fd)}")
    lines.append(
        "Ranks and tests over blocks of one data set × one seed, at each configuration's "
        "learning rate chosen on validation; p vs #1: two-sided Wilcoxon signed-rank "
        "against the first, Holm-adjusted over all pairs."
        + (
            ""
            if several
            else " Seeds are replicates on one data set, so these p-values lean "
            "optimistic; several data sets (--dataset a,b,c) give the data-set-level test."
        )
    )
    if (ranked["ci95"].isna() & ranked["mean"].notna()).any():
        lines.append(f"No interval where a mean rests on fewer than {a['min_ci_n']} rows.")
    if n and a["pairs"] and not a["decidable"]:  # (one activation: no pair to test)
        holm = f", {a['smallest_p_holm']:.3g} after Holm over {a['pairs']} pairs"
        lines.append(
            f"With {n} blocks the smallest two-sided Wilcoxon p is {a['smallest_p']:.3g}"
            f"{holm if a['pairs'] > 1 else ''}: no pair can reach {ALPHA_TEXT}; more seeds or "
            "data sets can."
        )
    prose = (textwrap.fill(x, 100) if "\n" not in x else x for x in lines)  # not the table
    return "\n".join(prose)
