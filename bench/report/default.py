"""The general report of one suite (``reports/<suite>.md``): formats a
:class:`bench.scoring.headline.Headline` and nothing else.

Public:
    Meta                what the store says about the suite besides its results
    render(record, meta) -> (markdown, attachments)   the pure part, for tests
    setup_table(doc, record, meta) -> dict            the "Setup" section, no "Reproduce"
    gallery_section(doc, activations, curves)         each activation and its derivative
    speed_section(doc, record, meta, command="bench speed")
                                                      the timings as ratios
    failures_section(doc, record)                     the diverged and failed cells
    appendix_section(doc, record)                     every configuration, as a CSV

The sections are public so that another report of a suite (the challenge report,
:mod:`bench.report.challenge`) shows the same ones the same way.

How configurations are compared (stated in every report): each configuration (data set,
model, activation, initializer, …) gets the learning rate whose mean *validation* accuracy
over seeds is best, and its *test* accuracy at that rate is what is ranked. Diverged and
failed runs score as the worst possible value, so they rank last, and are listed. Every such
decision is made in :mod:`bench.scoring.headline`; here numbers only become text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from bench import plots
from bench.records import is_import_path
from bench.report.advice import what_to_use
from bench.report.doc import Attachment, Doc, lr, margin, per_call
from bench.report.rates import chosen_text, edges_text, rates_text, split_text
from bench.report.sections import slice_sections
from bench.report.speed import PASS_LABELS, speed_table
from bench.schema import SATURATION_RATIO

if TYPE_CHECKING:
    from bench.scoring.headline import Headline
    from bench.scoring.tuning import Rates

FALLBACK = "torch_default"  # matched for an activation that declares nothing (bench.custom)


@dataclass
class Meta:
    """The suite's facts the store keeps besides results.

    Attributes:
        suite: its name; ``description`` its description.
        grid_size: cells in its grid.
        runs: the run log (``Store.runs``).
        generated_at: the header's timestamp.
        store_label / out_label: the paths printed in the "reproduce" line.
        figdir: folder of the figures and CSV files, relative to the report.
        gallery: the stored activation curves (``bench speed``), or None.
        links: the files beside the report that it may link to (``claims.md``): a report
            links only to what exists where it is written.
    """

    suite: str
    grid_size: int
    generated_at: str
    store_label: str
    out_label: str
    description: str = ""
    runs: list[dict] = field(default_factory=list)
    figdir: str = "files"
    gallery: dict | None = None
    links: frozenset[str] = frozenset()


def _unique(df: pd.DataFrame, column: str) -> str:
    if column not in df.columns:
        return "–"
    values = sorted({str(v) for v in df[column].dropna()})
    return ", ".join(values) if values else "–"


def _own_activations(frame: pd.DataFrame) -> str:
    """What ``matched`` stood for with each activation given by import path (its cells'
    ``env.matched_init``); '' when the suite has none."""
    own = sorted(a for a in frame["activation"].unique() if is_import_path(a))
    if not own:
        return ""
    parts = []
    for name in own:
        init = _unique(frame[frame["activation"] == name], "env.matched_init")
        why = (
            "the fallback: it declares no `init_family` or `gain`"
            if init == FALLBACK
            else "from its `init_family` or `gain`"
        )
        parts.append(f"`{name}`: `matched` = `{init}` ({why})")
    return "; ".join(parts)


# --- sections -------------------------------------------------------------------------------


def _rates_per_config(rates: Rates) -> str:
    """How many rates one configuration tried: ``3`` or ``3–7``."""
    low, high = rates.per_config
    return f"{low}" if low == high else f"{low}–{high}"


def setup_table(doc: Doc, h: Headline, meta: Meta) -> dict:
    """The "Setup" section without its "Reproduce" line: the grid, what is stored, seeds,
    splits, learning rates, fixed settings, run time, environment, harness, own
    activations. Returns the run log's last run (or a stand-in), which that line names."""
    frame, runs, setup, grid_size = h.frame, meta.runs, h.setup, meta.grid_size
    tuned = setup.rates is not None and setup.rates.tuned
    shape = " × ".join(
        f"{_rates_per_config(setup.rates)} lr (bracketed per configuration)"
        if tuned and a == "train.lr"
        else f"{frame[a].nunique()} {a.split('.')[-1]}"
        for a in setup.axes
    )
    status_text = ", ".join(f"{n} {s}" for s, n in setup.statuses.items())
    wall = sum(r["wall_time_s"] or 0.0 for r in runs)
    workers = sorted({f"{r['workers']} {r['backend']}" for r in runs})
    last = runs[-1] if runs else {"source": "SUITE.toml", "backend": "local", "workers": 2}
    rows = [
        ("grid", f"{grid_size} cells = {shape}" if shape else f"{grid_size} cells"),
        ("stored", f"{len(frame)} of {grid_size} cells: {status_text}"),
        ("seeds", ", ".join(str(s) for s in sorted(frame["seed"].unique()))),
        ("splits", split_text(setup.split)),
        *_rates(setup.rates),
        ("fixed settings", "; ".join(f"{c} = {_unique(frame, c)}" for c in setup.fixed)),
        (
            "run time",
            f"{wall / 60:.1f} min wall over {len(runs)} invocation(s) "
            f"({', '.join(workers) or '–'} workers); {setup.cell_time_s / 60:.1f} min of "
            f"cell time",
        ),
        (
            "environment",
            f"torch {_unique(frame, 'env.torch')}; {_unique(frame, 'env.cpu')} "
            f"({_unique(frame, 'env.cpu_count')} cores); threads per cell "
            f"{_unique(frame, 'env.threads')}; Python {_unique(frame, 'env.python')}",
        ),
        ("harness", f"{_unique(frame, 'env.harness')} at commit {_unique(frame, 'env.commit')}"),
    ]
    if own := _own_activations(frame):
        rows.append(("own activations", own))
    doc.add("## Setup")
    doc.table(rows, ["", ""])
    if setup.rates is not None and (edges := edges_text(setup.rates)):
        doc.add(edges)
    return last


def _setup(doc: Doc, h: Headline, meta: Meta) -> None:
    last = setup_table(doc, h, meta)
    doc.add(
        f"Reproduce: `python -m bench run {last['source']} --backend {last['backend']} "
        f"--workers {last['workers']} --store "
        f"{meta.store_label}` then `python -m bench report {meta.store_label} --suite "
        f"{meta.suite} --out {meta.out_label}`"
        + (" (`make bench` does both)." if meta.suite == "default" else ".")
    )


def _rates(r: Rates | None) -> list[tuple[str, str]]:
    """The setup table's learning-rate rows: the rates tried, where the chosen ones lie."""
    if r is None:
        return []
    chosen = chosen_text(r)
    return [("learning rates", rates_text(r))] + ([("chosen rates", chosen)] if chosen else [])


def _how_to_read(doc: Doc, h: Headline) -> None:
    ref = h.reference
    reference = " with ".join(f"`{v}`" for v in ref.values()) + (
        "" if "activation" in ref else " (every activation)"
    )
    doc.add(
        "## How to read this report",
        "- **Fair learning rates.** Every configuration (data set × activation × initializer "
        "× …) is scored at the learning rate with the best mean *validation* accuracy over "
        "seeds; the *test* accuracy at that rate is what every table ranks. The test split "
        "never chooses anything.\n"
        f"- **Headline tables** compare activations with the `{h.head_init}` initializer"
        + ("" if h.head_init == "matched" else " (this suite has no `matched`; the first by name)")
        + ". The activation × initializer table shows the rest.\n"
        "- **Ranks**: 1 is best, within each block (one data set × one seed), averaged. "
        "Accuracies are in %, as mean ± 95 % confidence half-width (t over blocks or seeds)"
        + (
            f"; a mean of fewer than {h.no_interval_below} values (here a data set's "
            f"{h.intro.seeds if h.intro else 'few'} seeds) has too few for an interval and "
            "is shown alone"
            if h.no_interval_below
            else ""
        )
        + ".\n"
        "- **Diverged or failed runs** score 0 % (rank last) and are listed at the end.\n"
        f"- **Convergence**: epochs until validation accuracy first reaches {h.target:.0%} of "
        f"the median best validation accuracy of {reference} on that data set (a fixed "
        "reference, so the target does not move with the rest of the suite; not reached: "
        "epochs + 1), and the mean "
        "validation accuracy over all epochs (area under the curve).",
    )


_SURE = {
    "A>B": "a lead that holds at the data-set level",
    "EQUIVALENT": f"a difference inside {margin()}: practically a tie",
}


def _intro(doc: Doc, h: Headline) -> None:
    """The opening paragraph in plain words: on what, with what, who won, by how much, and
    how sure; the first "What to use" row's record, so the two never disagree."""
    i = h.intro
    if i is None:
        return
    a = i.advice
    sets = i.datasets
    named = ", ".join(sets) if len(sets) <= 8 else "each listed in the per-data-set table"
    kinds = ", ".join(f"{k} {d}×{w}" for k, d, w in i.kinds)
    comp = a.comparison
    if a.standing == "level":
        lead = f", level with `{a.runner_up}` (the same test accuracy on every data set: no lead)"
    else:
        interval = (
            f"95 % CI {100 * comp.ci_low:+.1f} to {100 * comp.ci_high:+.1f}, "
            if i.interval
            else "too few data sets for an interval, "
        ) + f"{comp.wins} of {comp.n_datasets} data sets won"
        if a.standing == "ahead":
            sure = _SURE.get(a.runner_up_verdict, "a lead the data-set-level test cannot confirm")
            lead = (
                f", ahead of `{a.runner_up}` by {100 * comp.effect:+.1f} points of test "
                f"accuracy ({interval}; {sure})"
            )
        else:
            lead = (
                f", ahead of `{a.runner_up}` in mean rank but {100 * -comp.effect:.1f} points "
                f"behind it in mean test accuracy ({interval})"
            )
    doc.add(
        f"**In short.** On {len(sets)} data set{'s' if len(sets) > 1 else ''} "
        f"({named}), with {kinds} networks, {a.others + 1} activation + initializer pairs "
        f"and {i.seeds} seeds each, "
        f"`{a.best}` ranked first by mean validation rank over the data sets (mean test "
        f"accuracy {100 * a.best_mean:.1f} %){lead}; `{a.worst}` ranked last "
        f"({100 * a.worst_mean:.1f} %)."
        + (" This is the first slice; each slice below has its own ranking." if h.slicing else "")
    )


def gallery_section(doc: Doc, acts: list[str], data: dict | None) -> None:
    """Each of ``acts`` with its derivative, from ``bench.speed.curves``' stored ``data``
    (a pointer to ``bench speed`` when there is none)."""
    if not data:
        doc.add(
            "(The activation gallery, each function with its derivative, is drawn from "
            "`bench speed`'s stored curves; run it to add the figure.)"
        )
        return
    doc.add(
        "The activations of this suite, each with its derivative (dashed); shaded: where "
        "f′ = 0 (a unit that stays there is dead) and, for an activation whose derivative "
        f"vanishes at both ends, where |f′| < {100 * SATURATION_RATIO:g} % of its maximum "
        "(saturated)."
    )
    doc.figure(
        "activation_gallery.png",
        "each activation and its derivative, dead and saturating regions shaded",
        lambda path: plots.gallery(data, acts, path),
    )


def speed_section(doc: Doc, h: Headline, meta: Meta, command: str = "bench speed") -> None:
    """The "Speed" section: the stored timings as ratios to the reference's (how to make
    them when none are stored); ``command``: the one that measured them."""
    doc.add("## Speed")
    sp = h.speed
    if sp is None:
        doc.add(
            f"No speed measurement is stored for this suite: `python -m bench speed --store "
            f"{meta.store_label} --suite {meta.suite}` makes one (then rebuild this report)."
        )
        return
    timings, ref = sp.timings, sp.reference
    headers, rows = speed_table(sp.ratios, sp.order)
    env = timings["env"].iloc[0]
    doc.add(
        f"Time per call of each activation's MLP ({_unique(timings, 'depth')} hidden layers, "
        f"`matched` initializer, a batch of {_unique(timings, 'batch')} random rows) as a "
        f"ratio to `{ref}`'s, measured by `{command}` at {_unique(timings, 'measured_at')} "
        f"in one process on {_unique(timings, 'device')} with {_unique(timings, 'threads')} "
        f"torch thread(s) (torch {env.get('torch', '–')}, {env.get('cpu', '–')}). "
        f"{timings['repeat'].nunique()} repeats; each visits the width × pass combinations "
        f"in a fresh random order and, within each, alternates short blocks of calls between "
        f"the activations, so a slow spell of the machine hits all of them alike. A ratio "
        f"divides two timings of the same repeat; a cell is the median ratio over the "
        f"repeats, with their min–max in brackets. `fwd`: forward pass in eval mode without "
        f"gradients; `fwd+bwd`: forward, cross-entropy and backward (a training step "
        f"without the optimizer). These ratios, not the training times of the cells (which "
        f"ran in concurrent workers on a shared machine), are this report's speed evidence.",
    )
    doc.table([[f"`{r[0]}`", *r[1:]] for r in rows], headers)
    ref_rows = sp.ratios[sp.ratios["activation"] == ref]
    scale = ", ".join(
        f"{PASS_LABELS.get(r['pass'], r['pass'])} {r['width']}: {per_call(r['seconds_median'])}"
        for _, r in ref_rows.iterrows()
    )
    doc.add(f"For scale, `{ref}` takes per call (median): {scale}.")


def appendix_section(doc: Doc, h: Headline) -> None:
    """Appendix: per data set × model × activation × initializer, every headline metric."""
    from bench.scoring.headline import SUMMARY_METRICS

    link = doc.csv("summary.csv", h.summary)
    doc.add(
        "## Appendix: every configuration",
        f"[{Path(link).name}]({link}): per data set × model × activation × initializer, at "
        f"the learning rate chosen on validation (`lr_selected`): mean and 95 % CI over seeds "
        f"of {', '.join(f'`{m}`' for m in SUMMARY_METRICS)}; `n` seeds, `n_nonok` diverged or "
        f"failed.",
    )


def failures_section(doc: Doc, h: Headline) -> None:
    """The diverged and failed cells: counted per configuration, the first ones listed."""
    doc.add("## Diverged and failed cells")
    if not h.n_failed:
        doc.add("None: every cell finished with status `ok`.")
        return
    doc.table(
        [(f"`{r.activation}`", f"`{r.init}`", r.status, r.cells) for r in h.failures.itertuples()],
        ["activation", "init", "status", "cells"],
    )
    rows = [
        (
            f"`{r['key']}`",
            r["dataset"],
            r["activation"],
            r["init"],
            lr(r["train.lr"]),
            r["seed"],
            r["status"],
            str(r["error"] or "").splitlines()[0][:90] if r["error"] else "",
        )
        for _, r in h.failed_rows.iterrows()
    ]
    shown = len(h.failed_rows)
    shown_text = f"The first {shown} of the {h.n_failed}" if h.n_failed > shown else "The"
    doc.add(f"{shown_text} cells (`python -m bench show KEY` prints one whole):")
    doc.table(rows, ["key", "dataset", "activation", "init", "lr", "seed", "status", "error"])


# --- assembly -------------------------------------------------------------------------------


def render(h: Headline, meta: Meta) -> tuple[str, list[Attachment]]:
    """Build the Markdown text and the list of figures to draw (pure; no I/O).

    Args:
        h: :func:`bench.scoring.headline.headline` of the suite's rows.
        meta: the suite's facts from the store, and how to name paths.

    Returns:
        (markdown, attachments to write into ``meta.figdir``).
    """
    doc = Doc(figdir=meta.figdir)
    doc.add(f"# Activation bench report: `{meta.suite}`")
    if meta.description:
        doc.add(f"> {meta.description}")
    _intro(doc, h)
    what_to_use(doc, [a for s in h.slices for a in s.advice])
    claims = "[claims.md](claims.md)" if "claims.md" in meta.links else "its claims report"
    doc.add(
        "Labels such as C15 name the claims of a study note on activation functions and "
        "weight initialization (after Géron and Chollet) that this project tests; "
        f"{claims} judges each one with experiments of its own."
    )
    doc.add(f"Generated {meta.generated_at} from the store `{meta.store_label}` alone.")
    _setup(doc, h, meta)
    _how_to_read(doc, h)
    gallery_section(doc, h.gallery_order, meta.gallery)
    if h.slicing:
        doc.add(
            "The grid varies "
            + ", ".join(f"`{c}`" for c in h.slicing)
            + " besides the activation, initializer and data set: every section below is "
            "computed separately for each value, never pooled over them."
        )
    for s in h.slices:
        if h.slicing:
            label = ", ".join(f"{c} = {v}" for c, v in zip(h.slicing, s.values))
            doc.add(f"# Slice: {label}")
            doc.prefix = "_".join(f"{c.split('.')[-1]}{v}" for c, v in zip(h.slicing, s.values))
            doc.prefix += "_"
        slice_sections(doc, s, h.head_init)
    doc.prefix = ""
    speed_section(doc, h, meta)
    failures_section(doc, h)
    appendix_section(doc, h)
    return doc.text(), doc.files
