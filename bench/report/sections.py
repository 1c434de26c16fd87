"""The sections of one slice of the general report: the ranking, the claimed order, per data
set, activation × initializer, convergence and unit health. Formatting only: each reads its
part of a :class:`bench.scoring.headline.Slice`.

Public:
    slice_sections(doc, s, head_init)   append every section of slice ``s`` to ``doc``
    PAIR_HEADERS, pair_rows(table)      a family of comparisons as a table
    health_section(doc, s, note="")     the unit-health section of slice ``s``
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from bench import plots
from bench.report.doc import ALPHA_TEXT, Doc, lr, margin, num, p, p_is, pct, pm, robust
from bench.scoring.verdicts import FAILED

if TYPE_CHECKING:
    from bench.scoring.headline import Slice


def slice_sections(doc: Doc, s: Slice, head_init: str, links: frozenset[str] = frozenset()) -> None:
    """Every section of one slice, each table in the slice ranking's order; ``links``: the
    files beside the report it may link to."""
    _ranking(doc, s, head_init)
    _claimed(doc, s, links)
    _per_dataset(doc, s)
    if s.inits is not None:
        _inits(doc, s)
    _convergence(doc, s)
    health_section(doc, s)


def _ranking(doc: Doc, s: Slice, head_init: str) -> None:
    """The overall ranking section."""
    r, summary, fr = s.ranking.ranks, s.ranking.summary, s.ranking.friedman
    blocks = s.ranking.blocks
    doc.add(f"## Overall ranking (initializer `{head_init}`)")
    rows = []
    for i, (act, row) in enumerate(r.iterrows(), start=1):
        rows.append(
            (
                i,
                f"`{act}`",
                f"{row['avg_rank']:.2f}",
                pm(summary.at[act, "mean"], summary.at[act, "ci95"]),
                int(summary.at[act, "n_nonok"]),
            )
        )
    doc.table(
        rows,
        ["#", "activation", "avg rank", "test acc %", "diverged/failed"],
        ("right", "left", "right", "right", "right"),
    )
    blocks_text = " × ".join(blocks)
    if fr.reason:
        doc.add(f"Friedman test: not computed ({fr.reason}).")
    else:
        doc.add(
            f"Friedman test over {fr.n_blocks} blocks ({blocks_text}) and {fr.k} activations: "
            f"χ² = {fr.statistic:.2f}, {p_is(fr.pvalue)}. "
            + (
                "The activations differ."
                if s.ranking.differ
                else "No evidence that the activations differ."
            )
        )
    outer = s.ranking.outer
    if len(outer) < len(blocks):
        fd = s.ranking.friedman_datasets
        level = f"χ² = {fd.statistic:.2f}, {p_is(fd.pvalue)}" if not fd.reason else fd.reason
        doc.add(
            f"Seeds are replicates on one data set, so blocks of {blocks_text} are not independent "
            f"and their p-values lean optimistic. At the data-set level (seeds averaged first, "
            f"{fd.n_blocks} blocks of {' × '.join(outer)}, as Demšar 2006 recommends): {level}."
        )
    cd = s.ranking.diagram
    level = outer if s.ranking.pairwise_datasets is not None else blocks
    averaged = " (seeds averaged first)" if len(level) < len(blocks) else ""
    doc.add(
        f"Critical-difference diagram (descriptive): average ranks over {cd.n_blocks} blocks "
        f"of {' × '.join(level)}{averaged}; activations joined by a bar are not told apart "
        f"by Friedman's test with Nemenyi's post-hoc test (α = {ALPHA_TEXT}). It shows every "
        "activation at once; the verdicts come from the pairwise tests of the next section."
    )
    doc.figure(
        "critical_difference.png",
        "critical-difference diagram",
        lambda path: plots.cd_diagram(cd, path, f"Average rank, test accuracy ({head_init} init)"),
    )


PAIR_HEADERS = (
    "claim",
    "data sets × seeds",
    "won/lost",
    "Δ test acc, pp [95 % CI]; HL",
    "p (Holm), A / B better",
    "TOST p (Holm)",
    "P(A / rope / B)",
    "verdict",
    "to detect",
    "robustness",
)


def pair_rows(table) -> list[tuple]:
    """One row per compared pair: its replication, effect and interval (and the
    Hodges–Lehmann estimate, the location the signed-rank tests test), the Holm-adjusted
    one-sided signed-rank p-values (A better / B better) and TOST p-value, the Bayesian
    probabilities, the verdict (with "negligible" where a decided difference is inside the
    margin: TOST, mean and Hodges–Lehmann estimate; "both arms failed" where nothing was
    tested), what an INCONCLUSIVE pair would need, and its two robustness readings (sign first)."""
    rows = []
    for r in table.itertuples():
        bayes = (
            "–"
            if r.p_rope != r.p_rope
            else (f"{r.p_a_better:.2f} / {r.p_rope:.2f} / {r.p_b_better:.2f}")
        )
        failed = int(getattr(r, "n_failed", 0) or 0)
        sets = f"{int(r.n_datasets)} × {int(r.n_seeds)}"
        rows.append(
            (
                f"`{r.comparison.replace(' > ', '` > `')}`",
                sets + (f" (+{failed} both failed)" if failed and r.n_datasets else ""),
                f"{int(r.wins)}/{int(r.losses)}",
                "–"
                if r.effect != r.effect
                else f"{100 * r.effect:+.1f} [{100 * r.ci_low:+.1f}, {100 * r.ci_high:+.1f}]"
                + _hl(r),
                f"{p(r.p_holm)} / {p(r.p_reverse_holm)}",
                p(r.p_equiv_holm),
                bayes,
                _verdict(r, failed),
                _to_detect(r),
                _robust(r),
            )
        )
    return rows


def _hl(r) -> str:
    """``; HL +0.2``: the Hodges–Lehmann estimate, the location the tests test."""
    hl = getattr(r, "hl", float("nan"))
    return "" if hl != hl else f"; HL {100 * hl:+.1f}"


def _verdict(r, failed: int) -> str:
    if r.n_datasets == 0 and failed:
        return f"**{r.verdict}** ({FAILED})"
    if getattr(r, "negligible", False):
        return f"**{r.verdict}**, negligible (inside {margin()})"
    return f"**{r.verdict}**"


def _to_detect(r) -> str:
    """An INCONCLUSIVE pair: ``cannot decide: needs ≥ 7 data sets`` (the floor), else the
    data sets a test in the claimed direction would need (``≈ 120``), ``—`` where the
    observed effect points the other way; a decided pair: ``–``."""
    if r.verdict != "INCONCLUSIVE" or not r.n_datasets:
        return "–"
    if not r.decidable:
        return f"cannot decide: needs ≥ {int(r.needed)} data sets"
    return "—" if r.to_detect != r.to_detect else f"≈ {int(r.to_detect)} data sets"


def _robust(r) -> str:
    """``sign holds in 7/7 — still decided in 7/7``; a reversal in bold, first."""
    return robust(
        getattr(r, "sign", None),
        getattr(r, "reverses", 0),
        getattr(r, "decision", ""),
        getattr(r, "absent", ""),
    )


def _claimed(doc: Doc, s: Slice, links: frozenset[str]) -> None:
    c = s.claimed
    doc.add("## The claimed order (C15)")
    where = "[claims.md](claims.md)" if "claims.md" in links else "the claims report"
    doc.add(
        "The study note's rule of thumb for hidden layers of deep nets: "
        + " > ".join(c.order)
        + f". Its dedicated experiments are in {where}; here each adjacent pair is read on "
        "this suite's own results."
    )
    if c.pairs is None:
        doc.add("Not testable here: fewer than two of these activations are in the grid.")
        return
    for label, table in c.groups.items():
        n = int(table["n_datasets"].max()) if len(table) else 0
        doc.add(f"**{label[0].upper()}{label[1:]}** ({n} data set{'s' if n != 1 else ''}):")
        doc.table(pair_rows(table), PAIR_HEADERS)
    co = c.seed_level
    doc.add(
        "Judged at the data-set level: each data set's seed-averaged difference is one "
        "observation; one-sided Wilcoxon signed-rank test over data sets (exact; a data set "
        "whose difference is exactly 0 carries no sign), Holm over the pairs of each table. "
        f'SUPPORTED: the A-better p below α = {ALPHA_TEXT}, and "negligible" when TOST '
        f"(signed-rank, Holm) also puts the difference inside {margin()} and the mean and "
        "the Hodges–Lehmann estimate (HL, the location the signed-rank tests test) both lie "
        "there: a real edge too small to matter. CONTRADICTED: the B-better p below α. "
        f"EQUIVALENT: inside {margin()} by the same reading and no direction shown. "
        "INCONCLUSIVE otherwise, with the data sets a test in the claimed direction would "
        "need at the observed effect with 80 % power "
        f"(— where the observed effect points the other way; with Holm over these "
        f"{len(c.present) - 1} pairs, fewer than {c.needed} data sets with a nonzero "
        "difference cannot reach α at all). A data set where both arms failed (both at the "
        "floor, or both at or below its chance level, the majority class's share, on every "
        "seed) is left out: a pair with nothing else is "
        "INCONCLUSIVE (both arms failed). The 95 % interval (hierarchical bootstrap: data "
        "sets, then seeds) and the Bayesian signed-rank probabilities (A better / inside "
        f"{margin()} / B better) are shown beside and decide nothing. Robustness, two "
        "readings of each pair re-derived under other reasonable analyses (the learning "
        "rate chosen on the best-epoch validation accuracy; the torch_default initializer; "
        "the real and the synthetic data sets apart, and the small and the large real ones, "
        "where a group holds both; each half of the seeds, its rates chosen again on that "
        "half): whether the effect keeps its sign (a reversal in bold), and whether the "
        "verdict stays decided or loses power (an alternative that does not exist here is "
        "named, with —). Secondary, seed-level reading "
        "(data set × seed blocks, optimistic): observed order by average rank "
        f"{' > '.join(co.ranks.index)}, Kendall's τ = {co.tau:.2f} ({p_is(co.pvalue)})."
    )


def _per_dataset(doc: Doc, s: Slice) -> None:
    d, acts = s.per_dataset, s.activations
    doc.add(
        "## Per data set",
        "Test accuracy % (mean ± 95 % CI over seeds) at the learning rate chosen on "
        "validation, shown in brackets. In bold, each data set's best activation on "
        "validation (the best mean validation accuracy; the test split chooses nothing).",
    )
    rows = []
    for act in acts:
        row = [f"`{act}`"]
        for ds in d.datasets:
            if (ds, act) not in d.summary.index:
                row.append("–")
                continue
            mean, ci = d.summary.at[(ds, act), "mean"], d.summary.at[(ds, act), "ci95"]
            cell = f"{pm(mean, ci)} ({lr(d.lr.get((ds, act)))})"
            row.append(f"**{cell}**" if act == d.best[ds] else cell)
        rows.append(row)
    doc.table(rows, ["activation", *d.datasets])
    doc.add(f"Average rank within each data set (over {' × '.join(d.inner)}; 1 = best):")
    doc.table(
        [[f"`{act}`", *(num(d.ranks.get((ds, act), np.nan)) for ds in d.datasets)] for act in acts],
        ["activation", *d.datasets],
    )
    curves = d.curves
    doc.figure(
        "learning_curves.png",
        "learning curves",
        lambda path: plots.learning_curves(
            curves, path, "Validation accuracy (mean ± std over seeds)"
        ),
    )


def _inits(doc: Doc, s: Slice) -> None:
    t = s.inits
    doc.add(
        "## Activation × initializer",
        "Mean test accuracy % over data sets and seeds, each cell at its own "
        "validation-chosen learning rate; in bold, each activation's best initializer on "
        "validation. Last column: where the `matched` initializer "
        "(claim C6) ranks among the initializers for that activation (average rank over "
        "blocks; 1 = best).",
    )
    placed = "matched" in t.inits and len(t.inits) > 1
    rows = []
    for act in t.activations:
        cells = [pct(t.means.at[act, i]) for i in t.inits]
        cells = [f"**{c}**" if i == t.best[act] else c for c, i in zip(cells, t.inits)]
        row = [f"`{act}`", *cells]
        if placed:
            m = t.matched.get(act)
            row.append(f"{m[0]} of {m[1]} ({m[2]:.2f})" if m else "–")
        rows.append(row)
    doc.table(rows, ["activation", *t.inits] + (["matched: place"] if placed else []))
    table = t.percent
    doc.figure(
        "activation_init.png",
        "activation × initializer heatmap",
        lambda path: plots.heatmap(table, path, "Test accuracy % (lr chosen on validation)"),
    )
    cd = t.diagram
    if cd is None:
        return
    doc.add(
        f'Every activation + initializer configuration at once (the ones "What to use" '
        f"ranks), a critical-difference diagram (descriptive): average ranks of test accuracy "
        f"over {cd.n_blocks} data sets (seeds averaged first); configurations joined by a bar "
        "are not told apart by Friedman's test with Nemenyi's post-hoc test "
        f'(α = {ALPHA_TEXT}). "What to use" decides with its own pairwise tests.'
    )
    doc.figure(
        "configurations_cd.png",
        "critical-difference diagram of the activation + initializer configurations",
        lambda path: plots.cd_diagram(cd, path, "Average rank, test accuracy (configurations)"),
    )


def _convergence(doc: Doc, s: Slice) -> None:
    e, a = s.convergence
    doc.add("## Convergence")
    rows = [
        (
            f"`{act}`",
            pm(e.at[act, "mean"], e.at[act, "ci95"], scale=1.0),
            pm(a.at[act, "mean"], a.at[act, "ci95"]),
        )
        for act in s.activations
    ]
    doc.table(rows, ["activation", "epochs to target", "mean val acc over epochs %"])


def health_section(doc: Doc, s: Slice, note: str = "") -> None:
    """The "Unit health" section of one slice: dead, negative-regime and saturated shares
    at initialization and after training, the gradient ratio, and their figures; ``note``:
    a paragraph put before the table."""
    health = s.health
    if health is None:
        doc.add("## Unit health", "No probes were recorded (train.probe = false).")
        return
    doc.add(
        "## Unit health",
        "Share of hidden units (all layers pooled) that are **dead** (derivative 0 on every "
        "training sample), in the **negative** regime (pre-activation < 0 on every sample), "
        "and share of (unit, sample) pairs **saturated** (|f′| < 1 % of its maximum; "
        "sigmoid and tanh only, – elsewhere), at "
        "initialization and after training; mean over data sets and seeds, in %. "
        "**Gradient ratio**: median over runs of ‖∂L/∂W‖ of the first hidden layer divided "
        "by that of the last, at initialization (≪ 1: gradients vanish towards the input, "
        "claim C2).",
    )
    if note:
        doc.add(note)
    means, rows = health.means, []
    for act in s.activations:
        row = [f"`{act}`"] + [
            pct(means.at[act, c]) if act in means.index else "–" for c in health.columns
        ]
        row.append(num(health.gradient_ratio.get(act, np.nan), "{:.3g}"))
        rows.append(row)
    doc.table(
        rows, ["activation", *[c.replace("_", " ") for c in health.columns], "gradient ratio"]
    )
    dead, std = health.dead_epochs, health.layer_std
    doc.figure(
        "dead_units.png",
        "dead units over epochs",
        lambda path: plots.over_epochs(dead, path, "Dead hidden units", "share of dead units"),
    )
    doc.figure(
        "layer_std.png",
        "post-activation std per layer",
        lambda path: plots.layer_profile(std, path, "Post-activation std per layer", "std"),
    )
