"""The challenge report (``bench challenge``): one activation against every baseline of a
suite, written to be read on its own. Formats a :class:`bench.scoring.challenge.Challenge`
and nothing else; the sections it shares with the general report (setup, gallery, speed,
unit health, "What to use", failures, appendix) are that report's own functions.

Public:
    render(record, meta) -> (markdown, attachments)   the pure part, for tests
    prepare(store_path, out, suite, challenger, generated_at=None, store_label=None)
                        -> (markdown, attachments, figdir): nothing written
    build(store_path, out, suite, challenger, generated_at=None, store_label=None) -> Path
                        the report, its figures and its summary CSV
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bench.report.advice import what_to_use
from bench.report.default import (
    FALLBACK,
    Meta,
    appendix_section,
    failures_section,
    gallery_section,
    setup_table,
    speed_section,
)
from bench.report.doc import ALPHA_TEXT, Attachment, Doc, margin, num, pct, pm, ratio, write
from bench.report.sections import PAIR_HEADERS, health_section, pair_rows
from bench.report.speed import PASS_LABELS

if TYPE_CHECKING:
    import pandas as pd

    from bench.scoring.challenge import Challenge, Standing

_WORDS = {  # a verdict of "challenger > baseline", said of the challenger
    "SUPPORTED": "better than",
    "CONTRADICTED": "worse than",
    "EQUIVALENT": f"practically equal ({margin()}) to",
    "INCONCLUSIVE": "undecided against",
}


def _names(names: Sequence[str], limit: int = 6) -> str:
    shown = ", ".join(f"`{n}`" for n in names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _place(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _matched(frame: pd.DataFrame, challenger: str) -> str:
    """What ``matched`` stood for with the challenger (its cells' ``env.matched_init``)."""
    column = "env.matched_init"
    if column not in frame.columns:
        return ""
    values = sorted({str(v) for v in frame.loc[frame["activation"] == challenger, column].dropna()})
    return ", ".join(values)


def _source(meta: Meta) -> str:
    """The suite file the challenge was run against (its runs' ``source``)."""
    return str(meta.runs[-1]["source"]) if meta.runs else meta.suite


def _intro(doc: Doc, c: Challenge, st: Standing, meta: Meta) -> None:
    h, me = c.head, c.challenger
    sets = st.datasets
    kinds = ", ".join(
        f"{k} {d}×{w}"
        for k, d, w in st.slice.head[["model.kind", "model.depth", "model.width"]]
        .drop_duplicates()
        .itertuples(index=False, name=None)
    )
    real, synthetic = len(sets.get("real", [])), len(sets.get("synthetic", []))
    n_sets = len(st.everything)
    seeds = int(h.selected.groupby("dataset")["seed"].nunique().min())
    places = st.places(me)
    n_conf = len(st.configurations)
    where = "; ".join(f"with `{i}` **{_place(p)} of {n}**" for i, (p, n) in places.items())
    tally = "; ".join(
        f"{_WORDS[v]} {len(st.verdicts[v])}"
        + (f" ({_names(st.verdicts[v])})" if v != "INCONCLUSIVE" else "")
        for v in _WORDS
        if st.verdicts.get(v)
    )
    versus = st.versus
    if len(versus) and not versus["decidable"].any():
        tally += (
            f": with {n_sets} data set{'s' if n_sets != 1 else ''}, no comparison in a family "
            f"of {len(versus)} can reach α (it takes ≥ {int(versus['needed'].max())})"
        )
    text = (
        f"**In short.** `{me}` was trained exactly as the {len(st.baselines)} baseline "
        f"activation{'s' if len(st.baselines) != 1 else ''} of `{_source(meta)}`: "
        f"on {n_sets} data set{'s' if n_sets != 1 else ''} ({real} real, {synthetic} "
        f"synthetic), {kinds} networks, {seeds} seed{'s' if seeds != 1 else ''} each, every "
        f"activation + initializer configuration at its own learning rate chosen on "
        f"validation. Among the {n_conf} configurations it ranks {where} (mean rank of "
        f"test accuracy over the data sets). Against each baseline, both with `{c.init}`, "
        f"it is {tally}."
    )
    speed = _speed_sentence(c, short=True)
    if speed:
        text += f" {speed}"
    health = st.slice.health
    if health is not None and me in health.means.index and "dead_final" in health.columns:
        dead = health.means.at[me, "dead_final"]
        text += f" After training, {pct(dead)} % of its hidden units are dead"
        if "relu" in health.means.index and me != "relu":
            text += f" (`relu`: {pct(health.means.at['relu', 'dead_final'])} %)"
        text += "."
    if st.label:
        text += f" (This is the first slice, {st.label}; each slice below has its own.)"
    doc.add(text)


def _how(doc: Doc, c: Challenge, meta: Meta) -> None:
    me = c.challenger
    matched = _matched(c.head.frame, me)
    fallback = (
        f" It declares no `init_family` or `gain`, so its `matched` is the fallback, `{FALLBACK}`."
        if matched == FALLBACK
        else (f" Its `matched` initializer is `{matched}`." if matched else "")
    )
    doc.add(
        "## How this comparison works",
        f"The challenger `{me}` joins `{_source(meta)}` as one more activation (the store "
        f"keeps the result as the suite `{meta.suite}`); "
        "nothing else changes: the same data sets, splits, networks, epochs and seeds, and "
        "the same learning-rate search (each configuration's rates are extended while its "
        "best one is at an edge). A **configuration** is an activation with an initializer: "
        "`matched` (the initializer suited to the activation: He for ReLU-like ones, LeCun "
        "for SELU, Glorot for the others) or `torch_default` (what `nn.Linear` does "
        f"alone).{fallback}",
        "- **Fair learning rates.** Each configuration is scored on each data set at the "
        "learning rate with the best mean *validation* accuracy over its seeds; the *test* "
        "accuracy at that rate is what the tables compare. The test split chooses nothing.\n"
        "- **The data set is the unit.** A data set's seeds are averaged first; each data set "
        "is then one observation. Diverged or failed runs score 0 %.\n"
        "- **Verdicts** read `A > B`, the challenger first: **SUPPORTED** (the challenger is "
        "better: one-sided Wilcoxon signed-rank over data sets, Holm-adjusted over all the "
        f"baselines, below α = {ALPHA_TEXT}), **CONTRADICTED** (the baseline is better), "
        f"**EQUIVALENT** (the difference is shown to lie within {margin()} of test accuracy: "
        "TOST, Holm), **INCONCLUSIVE** (none of these is shown). The 95 % interval "
        "(hierarchical bootstrap over data sets, then seeds) and the Bayesian signed-rank "
        f"probabilities (challenger better / within {margin()} / baseline better) are shown "
        "beside and decide nothing.\n"
        "- **Robustness**, two readings of each pair re-derived under other reasonable "
        "analyses (the learning rate chosen on the best-epoch validation accuracy; the "
        "`torch_default` initializer; the real and the synthetic data sets apart, and the "
        "small and the large real ones, where a group holds both; each half of the seeds, "
        "its rates chosen again on that half): whether the effect keeps its sign (a "
        "reversal in bold), and whether the verdict stays decided or loses power.",
    )


def _ranks(doc: Doc, c: Challenge, st: Standing) -> None:
    t = st.configurations
    doc.add(
        "## Where it ranks",
        "Every activation + initializer configuration, best first, by its average rank of "
        f"test accuracy over the {int(t['n_datasets'].max()) if len(t) else 0} data sets "
        "(1 = best on a data set, seeds averaged first; ties share the average rank). "
        '`val rank`: the same on validation accuracy, which "What to use" chooses by. '
        "Test accuracy: mean ± 95 % CI over data sets × seeds. The challenger's rows are in "
        "bold.",
    )
    rows = []
    for r in t.itertuples():
        name = f"`{r.activation}` + `{r.init}`"
        mine = r.activation == c.challenger
        cells = [
            str(r.place),
            name,
            f"{r.avg_rank:.2f}",
            num(r.val_rank),
            pm(r.mean, r.ci95),
            str(int(r.n_nonok)),
        ]
        rows.append([f"**{x}**" for x in cells] if mine else cells)
    doc.table(
        rows,
        ["#", "configuration", "avg rank", "val rank", "test acc %", "diverged/failed"],
        ("right", "left", "right", "right", "right", "right"),
    )


def _versus(doc: Doc, c: Challenge, st: Standing) -> None:
    t = st.versus
    doc.add(f"## Against every baseline (initializer `{c.init}`)")
    if t.empty:
        doc.add("No baseline shares a data set and seed with the challenger.")
        return
    doc.table(pair_rows(t), PAIR_HEADERS)
    needed = int(t["needed"].max())
    n = int(t["n_datasets"].max())
    doc.add(
        f"`Δ test acc`: the challenger minus the baseline, in accuracy points (pp). "
        f"Holm over these {len(t)} comparisons: with fewer than {needed} data sets none of "
        f"them can reach α = {ALPHA_TEXT} at all"
        + (
            f" (here {n}: the verdicts above cannot be read; run the challenge on a suite "
            f"with ≥ {needed} data sets, such as suites/default.toml)."
            if n < needed
            else f" (here {n})."
        )
    )


def _groups(doc: Doc, st: Standing) -> None:
    labels = list(st.groups)
    if not labels:
        kinds = list(st.datasets)[1:] or list(st.datasets)  # the first: every data set
        doc.add(
            "## By kind and size of data set",
            f"Every data set here is in one group ({'; '.join(kinds)}): the comparison above "
            "is that group's. A suite with real and synthetic, small and large data sets "
            "(suites/default.toml) reads them apart here.",
        )
        return
    doc.add(
        "## By kind and size of data set",
        "The same comparison within each group of data sets (real or synthetic; a real one "
        "is small below 1,000 rows): Δ test accuracy in points, then the verdict; each "
        "group is a Holm family of its own. A group with few data sets cannot decide "
        "anything (its rows read INCONCLUSIVE).",
    )
    by = {label: st.groups[label].set_index("baseline") for label in labels}
    rows = []
    for b in st.baselines:
        row = [f"`{b}`"]
        for label in labels:
            t = by[label]
            if b not in t.index or int(t.at[b, "n_datasets"]) == 0:
                row.append("–")
                continue
            row.append(f"{100 * t.at[b, 'effect']:+.1f} {t.at[b, 'verdict']}")
        rows.append(row)
    headers = [f"{label} ({len(st.datasets.get(label, []))})" for label in labels]
    doc.table(rows, ["baseline", *headers])


def _speed_sentence(c: Challenge, short: bool = False) -> str:
    sp = c.head.speed
    me = c.challenger
    if sp is None or me not in set(sp.ratios["activation"]) or me == sp.reference:
        return ""
    mine = sp.ratios[sp.ratios["activation"] == me]
    if short:
        widest = mine[mine["width"] == mine["width"].max()]
        step = widest[widest["pass"] == "forward_backward"]
        if step.empty:
            return ""
        r = step.iloc[0]
        return (
            f"A training step of its network takes {r['ratio_median']:.2f}× the time of "
            f"`{sp.reference}`'s (width {int(r['width'])}, median of {int(r['n_repeats'])} "
            "repeats)."
        )
    parts = [
        f"{PASS_LABELS.get(r['pass'], r['pass'])} {int(r['width'])}: "
        f"{ratio(r['ratio_median'], r['ratio_low'], r['ratio_high'])}"
        for _, r in mine.iterrows()
    ]
    return (
        f"**The challenger**, from the same timing run as every other activation here: "
        f"`{me}` takes {'; '.join(parts)} the time of `{sp.reference}` per call (median over "
        "the repeats, min–max in brackets)."
    )


def _health_note(c: Challenge, st: Standing) -> str:
    health, me = st.slice.health, c.challenger
    if health is None or me not in health.means.index:
        return ""
    m = health.means.loc[me]
    shares = ", ".join(
        f"{col.replace('_', ' ')} {pct(m[col])} %" for col in health.columns if m[col] == m[col]
    )
    return (
        f"**The challenger** `{me}` (initializer `{c.init}`): {shares}. Dead is measured, not "
        "assumed: a unit counts as dead when autograd gives the activation's derivative 0 on "
        "every training sample; saturation is defined only for an activation whose "
        "derivative vanishes at both ends."
    )


def _advice_note(c: Challenge, st: Standing) -> str:
    me = c.challenger
    rows = [a for a in st.slice.advice if a.setting != "speed matters"]
    picked = [a.setting for a in rows if a.best.split(" + ")[0] == me]
    close = [
        a.setting
        for a in rows
        if a.setting not in picked and any(u.split(" + ")[0] == me for u in a.unbeaten)
    ]
    if picked:
        return f"With the challenger in the grid, it is the pick for: {'; '.join(picked)}."
    if close:
        return (
            f"The challenger is the pick in no setting; it is among the configurations the "
            f"pick is not shown to beat in: {'; '.join(close)}."
        )
    return "The challenger is the pick in no setting, and each pick beats it significantly."


def _standing(doc: Doc, c: Challenge, st: Standing) -> None:
    _ranks(doc, c, st)
    _versus(doc, c, st)
    _groups(doc, st)
    health_section(doc, st.slice, _health_note(c, st))
    what_to_use(doc, st.slice.advice)
    if st.slice.advice:
        doc.add(_advice_note(c, st))


def render(c: Challenge, meta: Meta) -> tuple[str, list[Attachment]]:
    """Build the Markdown text and the figures to draw (pure; no I/O).

    Args:
        c: :func:`bench.scoring.challenge.challenge` of the challenge suite's rows.
        meta: the suite's facts from the store (``gallery``: the challenge's curves).

    Returns:
        (markdown, attachments to write into ``meta.figdir``).
    """
    h, me = c.head, c.challenger
    doc = Doc(figdir=meta.figdir)
    doc.add(f"# Challenge: `{me}` against `{_source(meta)}`")
    if meta.description:
        doc.add(f"> {meta.description}")
    _intro(doc, c, c.standings[0], meta)
    doc.add(f"Generated {meta.generated_at} from the store `{meta.store_label}` alone.")
    _how(doc, c, meta)
    gallery_section(doc, [me, *(a for a in h.gallery_order if a != me)], meta.gallery)
    for st in c.standings:
        if st.label:
            doc.add(f"# Slice: {st.label}")
            values = zip(h.slicing, st.slice.values)
            doc.prefix = "_".join(f"{c.split('.')[-1]}{v}" for c, v in values) + "_"
        _standing(doc, c, st)
    doc.prefix = ""
    speed_section(doc, h, meta, "bench challenge")
    if sentence := _speed_sentence(c):
        doc.add(sentence)
    last = setup_table(doc, h, meta)
    doc.add(
        f"Reproduce (with the folder that holds `{me.partition(':')[0]}` on PYTHONPATH): "
        f"`python -m bench challenge {me} --suite {last['source']} --store "
        f"{meta.store_label} --out {meta.out_label}`; it trains only what the store lacks."
    )
    failures_section(doc, h)
    appendix_section(doc, h)
    return doc.text(), doc.files


def prepare(
    store_path: str | Path,
    out: str | Path,
    suite: str,
    challenger: str,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> tuple[str, list[Attachment], str]:
    """The challenge report of ``suite`` (a challenge suite in the store), nothing written:
    (the Markdown, its attachments, the folder they go to beside ``out``).

    Raises:
        BenchError: no such store or suite, no results of the challenger or no baseline.
    """
    from bench.errors import BenchError
    from bench.report import read
    from bench.scoring.challenge import GALLERY, challenge

    frame, timings, rule, meta = read(
        store_path, out, suite, generated_at, store_label, GALLERY.format(suite=suite)
    )
    try:
        record = challenge(frame, challenger, timings, rule)
    except ValueError as exc:
        raise BenchError(f"suite {suite!r}: {exc}") from None
    text, files = render(record, meta)
    return text, files, meta.figdir


def build(
    store_path: str | Path,
    out: str | Path,
    suite: str,
    challenger: str,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> Path:
    """Write the challenge report, its figures and its summary CSV (in ``<out stem>_files/``
    beside it); returns its path."""
    out = Path(out)
    text, files, figdir = prepare(store_path, out, suite, challenger, generated_at, store_label)
    return write(out, text, files, figdir)
