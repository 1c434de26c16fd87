"""``reports/claims.md``: every claim's statement, design, tables, figures, verdict and
evidence, rebuilt from the claims store alone (no torch, no training).

Public:
    render(results, header, figdir, advice=(), links=(), setup=()) -> (markdown, attachments)
    build(store_path, out, generated_at=None, store_label=None) -> Path

The claim modules compute and judge (:func:`bench.claims.judge.judge_all`); this module only
formats their tables (numbers → text: percent columns × 100 with one decimal, p-values to
three decimals, booleans as yes/no) and their verdicts.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from bench.claims.base import Claim, Finding, Table, Verdict
from bench.errors import BenchError
from bench.report.advice import what_to_use
from bench.report.doc import ALPHA_TEXT, Attachment, Doc, margin, p, p_is, write
from bench.report.rates import SUITE_COLUMNS, edges_text, suite_row
from bench.scoring.verdicts import VERDICTS

if TYPE_CHECKING:
    from bench.scoring.advice import Advice
    from bench.scoring.tuning import Rates

_P_COLUMNS = ("p", "p_seed", "p_equiv", "p_holm", "p_trend")
_INT_COLUMNS = ("wins", "losses", "n_datasets", "n_seeds", "n", "layer", "model.depth", "diverged")


def _cell(value: Any, column: str, table: Table) -> str:
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, str):
        return value
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value)
    if math.isnan(x):
        return "–"
    if column in _P_COLUMNS:
        return p(x)
    if column in table.percent or (column == "hl" and "effect" in table.percent):
        signed = column in ("effect", "ci_low", "ci_high", "hl")
        return f"{100 * x:+.1f}" if signed else f"{100 * x:.1f}"
    if math.isinf(x):
        return "∞" if x > 0 else "−∞"
    if column in _INT_COLUMNS or isinstance(value, int | np.integer):
        return f"{x:.0f}" if x.is_integer() else f"{x:.{table.digits}g}"
    return f"{x:.{table.digits}g}"


def _header(column: str, table: Table) -> str:
    percent = column in table.percent or (column == "hl" and "effect" in table.percent)
    return f"{column} (%)" if percent else column


def _table(doc: Doc, table: Table) -> None:
    frame = table.frame
    if frame.empty:
        doc.add(f"*{table.caption}* — no data.")
        return
    doc.add(f"*{table.caption}*")
    if {"verdict", "negligible"} <= set(frame.columns):  # one column: "SUPPORTED, negligible"
        small = frame["negligible"].fillna(False).astype(bool)
        verdict = frame["verdict"].where(~small, frame["verdict"] + ", negligible")
        frame = frame.assign(verdict=verdict).drop(columns="negligible")
    rows = [[_cell(v, c, table) for c, v in zip(frame.columns, r)] for r in frame.itertuples(False)]
    doc.table(rows, [_header(str(c), table) for c in frame.columns])


def _evidence(v: Verdict) -> str:
    parts = []
    if v.effect_label and math.isfinite(v.effect):
        ci = f" [{v.ci[0]:.3g}, {v.ci[1]:.3g}]" if all(math.isfinite(c) for c in v.ci) else ""
        parts.append(f"{v.effect_label}: {v.effect:.3g}{ci}")
    if math.isfinite(v.p):
        parts.append(f"{p_is(v.p)} ({v.test})" if v.test else p_is(v.p))
    elif v.test:
        parts.append(v.test)
    if v.n_datasets:
        parts.append(f"{v.n_datasets} data set(s) × ≥ {v.n_seeds} seeds")
    return "; ".join(parts)


def _section(doc: Doc, claim: Claim, finding: Finding, verdict: Verdict) -> None:
    doc.add(f"## {claim.id}. {claim.title}")
    doc.add(f"> {claim.statement}")
    doc.add(f"**Verdict: {verdict.verdict}.** {verdict.evidence}")
    doc.add(f"**Design.** {claim.design}")
    if claim.suites:
        doc.add("Suites: " + ", ".join(f"`suites/claims/{s}.toml`" for s in claim.suites) + ".")
    for group, names in claim.groups.items():
        files = ", ".join(f"`suites/{group}/{s}.toml`" for s in names)
        doc.add(f"Trained apart (`make claims-{group}`): {files}.")
    for table in finding.tables.values():
        if not table.section:
            _table(doc, table)
    for fig in finding.figures:
        doc.figure(fig.name, fig.alt, fig.draw)
    for section in finding.sections():
        doc.add(f"### {section}")
        for line in finding.notes[section]:
            doc.add(line)
        for table in finding.tables.values():
            if table.section == section:
                _table(doc, table)
    evidence = _evidence(verdict)
    if evidence:
        doc.add(f"**Evidence.** {evidence}.")
    if verdict.conditions:
        doc.add(f"**Conditions.** {verdict.conditions}.")
    if verdict.would_change:
        doc.add(
            f"**What would change it.** {verdict.would_change[0].upper()}"
            f"{verdict.would_change[1:]}."
        )


def render(
    results: list[tuple[Claim, Finding, Verdict]],
    header: dict[str, Any],
    figdir: str,
    advice: Sequence[Advice] = (),
    links: Sequence[str] = (),
    setup: Sequence[tuple[str, Rates, tuple[str, int | None]]] = (),
) -> tuple[str, list[Attachment]]:
    """The Markdown of the claims report and the files it links to.

    ``header``: ``generated_at``, ``store``, and optionally ``run`` (what ``bench claims
    run`` recorded) and ``distinct`` (cells). ``advice``: the "What to use" rows (from the
    C15 ranking suite). ``links``: the files beside the report or in the repository it may
    link to (``default.md``, ``docs/claims.md``); nothing else is linked. ``setup``: per
    claim suite, (name, its learning rates, its split policy) from
    :func:`bench.scoring.tuning.rates` and :func:`bench.scoring.tuning.split_policy`.
    """
    doc = Doc(figdir=figdir)
    doc.add("# The note's claims on trial")
    what_to_use(doc, advice)
    counts = {v: sum(1 for _, _, x in results if x.verdict == v) for v in VERDICTS}
    tally = ", ".join(f"{n} {v}" for v, n in counts.items() if n)
    order = next((v for c, _, v in results if c.id == "C15"), None)
    doc.add(
        f"**In short.** Of the note's {len(results)} claims: {tally}."
        + (
            f" Its headline ranking (C15) is {order.verdict}: {order.evidence}."
            if order is not None and order.evidence
            else ""
        )
        + " Every comparison rests on at least 3 seeds per data set, with the data set as the "
        "unit of replication; every number below is rebuilt from the store alone."
    )
    more = []
    if "docs/claims.md" in links:
        more.append(
            "what each claim says, how it is measured and the verdict rules are in "
            "[docs/claims.md](../docs/claims.md)"
        )
    if "default.md" in links:
        more.append("the overall report of the default suite is [default.md](default.md)")
    doc.add(
        "C1–C18 label the testable statements of a study note on activation functions and "
        "weight initialization (its chain SELU > ELU > LeakyReLU > ReLU > tanh > sigmoid is "
        "C15); each has its own experiment, verdict and evidence below"
        + ("; " + "; ".join(more) if more else "")
        + "."
    )
    run = header.get("run") or {}
    line = f"Generated {header['generated_at']} from the store `{header['store']}` alone."
    if run:
        line += (
            f" The claim suites hold {header.get('distinct', run.get('cells', '?'))} distinct "
            "cells; the last `make claims` (it trains only the cells the store lacks, then "
            "times the activations and runs the exact checks) took "
            f"{run.get('wall_s', math.nan) / 60:.1f} min on "
            f"{run.get('machine', 'an unrecorded machine')} "
            f"({run.get('workers', '?')} worker(s), finished "
            f"{run.get('finished_at', '?')})."
        )
    doc.add(line)
    doc.add(
        "**Verdicts** (one rule for every pair: the table in docs/claims.md). SUPPORTED: "
        "the claimed direction is found (one-sided Wilcoxon signed-rank test over data sets, "
        f"exact, below α = {ALPHA_TEXT} after Holm over the claim's family); \"SUPPORTED, "
        'negligible" where the signed-rank TOST also puts the difference inside the margin '
        f"({margin('accuracy point')} unless a claim says otherwise) and the mean and the "
        "Hodges–Lehmann estimate (`hl`, the location the signed-rank tests test) both lie "
        "inside it (`inside`): real, too small to matter. CONTRADICTED: the reverse "
        "direction is found by the same test, or a claim's own upper bound rules the "
        "claimed effect out; a part that is EQUIVALENT (inside the margin by the same "
        "reading, no direction found) counts against a claim that a difference exists. "
        "The p of an Evidence line is the test in the claimed direction: a CONTRADICTED "
        "beside a large p rests on the reverse test (`p_reverse`) or the equivalence test "
        "(`p_equiv`), both in the tables. PARTLY: a compound claim whose parts got "
        "different verdicts (not necessarily one SUPPORTED: the verdict line names each "
        "part's). INCONCLUSIVE: none of these; `to_detect` gives the data sets a test in "
        "the claimed direction would need at the observed effect (– where that effect "
        "points the other way), `decidable` whether the data sets with a nonzero "
        "difference can reach α at all; a pair whose arms both failed on every data set "
        "(both at the floor, or both at or below the data set's chance level, the majority "
        "class's share, on every seed: `n_failed` data sets, left out) is "
        "INCONCLUSIVE; a test that finds nothing is never read as support. "
        "Where shown, `p_a_better`, `p_rope`, `p_b_better` are the Bayesian signed-rank "
        f"posterior (baycomp) with the same {margin()} region of practical equivalence. "
        "Effects are "
        "differences of test accuracy in points (mean over data sets of the seed-averaged "
        "difference), with hierarchical-bootstrap 95 % intervals (data sets resampled, then "
        "seeds inside them). In the comparison tables: `effect`, `ci_low`, `ci_high` in "
        "points; `p`: one-sided Wilcoxon signed-rank over data sets in the claimed direction; "
        "`p_holm`: the same, Holm-adjusted over the claim's pairs; `p_seed`: the test over "
        "data set × seed pairs (secondary, optimistic); `p_reverse`: the data-set-level test "
        "in the reverse direction; `p_equiv`: signed-rank TOST p-value for a difference "
        f"inside {margin()}; `wins`/`losses`: data sets."
    )
    rows = [
        [f"[{c.id}](#{_anchor(c)})", c.title, f"**{v.verdict}**", v.evidence] for c, _, v in results
    ]
    doc.table(rows, ["claim", "title", "verdict", "evidence"])
    _since(doc, results)
    _setup(doc, setup, {s for c, _, _ in results for s in c.swept})
    for claim, finding, verdict in results:
        _section(doc, claim, finding, verdict)
    return doc.text(), doc.files


def _since(doc: Doc, results: list[tuple[Claim, Finding, Verdict]]) -> None:
    """Each verdict beside the first report's, and what changed (the why, where the verdict
    moved)."""
    from bench.claims import history

    rows = []
    for c, _, v in results:
        before = history.PREVIOUS.get(c.id)
        if before is None:
            continue
        moved = before != v.verdict
        why = history.REASONS.get(c.id, history.CHANGES.get(c.id, "")) if moved else ""
        rows.append(
            (
                c.id,
                before,
                f"**{v.verdict}**" if moved else v.verdict,
                why or history.CHANGES.get(c.id, ""),
            )
        )
    if not rows:
        return
    doc.add("## Since the first report")
    doc.add(
        f"Each verdict beside the one in {history.FIRST_REPORT}, which used the original "
        "designs and rules. Where the verdict moved (in bold), the last column says why; "
        "elsewhere it says what changed in the experiment."
    )
    doc.table(rows, ["claim", "before", "now", "what changed"])


def _setup(
    doc: Doc,
    setup: Sequence[tuple[str, Rates, tuple[str, int | None]]],
    swept: set[str] | frozenset[str] = frozenset(),
) -> None:
    """Per claim suite: the rates tried, where each configuration's chosen rate lies, the
    cells a bracket added, the split policy; then every configuration at an untried edge
    (none for a suite whose rate is an axis a claim sweeps)."""
    if not setup:
        return
    doc.add("## Setup: learning rates and splits")
    doc.add(
        "Per claim suite: the learning rates tried (a bracketed suite adds rates beyond its "
        "starting grid while a configuration's best validation score is at an edge), and "
        "where each configuration's chosen rate lies among them: interior, next to a rate "
        "that diverged in most seeds, at a bound of the bracket, or at an edge no rate "
        "beyond was tried (configurations with one rate choose nothing, nor do suites "
        "whose rate is the axis a claim sweeps: –). Splits: "
        "stratified, standardization fitted on the training part only; drawn by each "
        "cell's seed unless the suite pins one."
    )
    rows = [suite_row(name, r, split, name in swept) for name, r, split in setup]
    doc.table(rows, list(SUITE_COLUMNS))
    for name, r, _ in setup:
        if name not in swept and (edges := edges_text(r)):
            doc.add(f"`{name}`: {edges}")


def _anchor(claim: Claim) -> str:
    text = f"{claim.id}. {claim.title}".lower()
    keep = "".join(ch for ch in text if ch.isalnum() or ch in " -_")
    return keep.replace(" ", "-")


def build(
    store_path: str | Path,
    out: str | Path,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> Path:
    """Write ``out`` (e.g. ``reports/claims.md``) and its figures in ``<out stem>_files/``.

    Raises:
        BenchError: no such store, or it holds none of the claim suites.
    """
    from bench import claims
    from bench.claims.judge import context, judge_all
    from bench.store import Store

    store_path, out = Path(store_path), Path(out)
    if not store_path.exists():
        raise BenchError(f"{store_path}: no such store (run `make claims` first)")
    with Store(store_path, readonly=True) as store:
        ctx = context(store)
        run = ctx.checks.get("_run", {})
        rules = {name: store.tuning(name) for name in ctx.frames}
    if not ctx.frames and not ctx.checks:
        raise BenchError(
            f"{store_path} holds none of the claim suites "
            f"({', '.join(claims.all_suites())}): run `bench claims run` first"
        )
    from bench.scoring import tuning
    from bench.scoring.advice import advise_suite

    results = judge_all(ctx)
    setup = [
        (name, tuning.rates(frame, rules[name]), tuning.split_policy(frame))
        for name, frame in ctx.frames.items()
        if not frame.empty
    ]
    ranking = ctx.frames.get("c15_ranking")
    advice = advise_suite(ranking, ctx.timings, "C15's networks") if ranking is not None else []
    links = [n for n in ("default.md",) if (out.parent / n).exists()]
    docs = out.resolve().parent.parent / "docs" / "claims.md"
    if docs.exists():
        links.append("docs/claims.md")
    header = {
        "generated_at": generated_at
        or run.get("finished_at")
        or datetime.now(UTC).isoformat(timespec="seconds"),
        "store": store_label or str(store_path),
        "run": run,
        "distinct": len({k for f in ctx.frames.values() if "key" in f for k in f["key"]}),
    }
    figdir = f"{out.stem}_files"
    text, files = render(results, header, figdir, advice, links, setup)
    return write(out, text, files, figdir)
