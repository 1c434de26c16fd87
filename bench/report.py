"""Markdown reports, rebuilt from a store alone (tabulate tables, matplotlib figures).

Public:
    build(store_path, out, suite=None, generated_at=None, store_label=None) -> Path
    render(frame, runs, suite, ...) -> (markdown, attachments)   the pure part, for tests
    speed_table(ratios, order=()) -> (headers, rows)   ``bench.speed.ratios`` as a table
                                                       (also printed by ``bench speed``)

``build`` reads the store (results and ``bench speed`` timings), runs
:mod:`bench.analysis` and :func:`bench.speed.ratios`, writes the figures and a summary
CSV into ``<out stem>_files/`` next to the report, and writes the Markdown. It never imports the
training code: a report can be rebuilt at any time, identically, from stored results.

How configurations are compared (stated in every report): each configuration (data set,
model, activation, initializer, …) gets the learning rate whose mean *validation* accuracy
over seeds is best, and its *test* accuracy at that rate is what is ranked. Diverged and
failed runs score as the worst possible value, so they rank last, and are listed.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tabulate import tabulate

from bench import analysis, plots, speed
from bench.errors import BenchError
from bench.store import Store

HEADLINE_METRIC = "test_acc"
REFERENCE_ACTIVATION = "relu"  # speed ratios are to ReLU (claim C16)


@dataclass
class Attachment:
    """A file the Markdown links to (a PNG figure, a CSV table): ``write(path)`` makes it."""

    name: str
    write: Callable[[Path], Path]


@dataclass
class Doc:
    """Markdown parts and the files they link to (tables via tabulate, figures, CSVs)."""

    parts: list[str] = field(default_factory=list)
    files: list[Attachment] = field(default_factory=list)
    figdir: str = "files"
    prefix: str = ""  # prepended to attachment names (one report slice per axis value)

    def add(self, *text: str) -> None:
        self.parts.extend(text)

    def table(self, rows: list[Sequence[Any]], headers: Sequence[str], align=None) -> None:
        self.parts.append(
            tabulate(
                rows, headers=headers, tablefmt="github", disable_numparse=True, colalign=align
            )
        )

    def figure(self, name: str, alt: str, draw: Callable[[Path], Path]) -> None:
        name = self.prefix + name
        self.files.append(Attachment(name, draw))
        self.parts.append(f"![{alt}]({self.figdir}/{name})")

    def csv(self, name: str, table: pd.DataFrame) -> str:
        """Attach a table as CSV; returns its relative link."""
        name = self.prefix + name

        def write(path: Path) -> Path:
            path.parent.mkdir(parents=True, exist_ok=True)
            table.to_csv(path, index=False, float_format="%.6g")
            return path

        self.files.append(Attachment(name, write))
        return f"{self.figdir}/{name}"

    def text(self) -> str:
        return "\n\n".join(p.rstrip() for p in self.parts) + "\n"


# --- formatting ---------------------------------------------------------------------------


def _pct(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{100 * x:.1f}"


def _pm(mean: float, ci: float, scale: float = 100.0, digits: int = 1) -> str:
    if mean is None or not math.isfinite(mean):
        return "–"
    if ci is None or not math.isfinite(ci):
        return f"{scale * mean:.{digits}f}"
    return f"{scale * mean:.{digits}f} ± {scale * ci:.{digits}f}"


def _num(x: float, fmt: str = "{:.2f}") -> str:
    return "–" if x is None or not math.isfinite(x) else fmt.format(x)


def _p(p: float) -> str:
    if p is None or not math.isfinite(p):
        return "–"
    return "< 0.001" if p < 1e-3 else f"{p:.3f}"


def _p_is(p: float) -> str:
    """``p = 0.123`` or ``p < 0.001`` for prose."""
    text = _p(p)
    return f"p {text}" if text.startswith("<") else f"p = {text}"


def _lr(x: float) -> str:
    return "–" if x is None or not math.isfinite(x) else f"{x:g}"


# --- the frame ------------------------------------------------------------------------------


def _varying(df: pd.DataFrame, exclude: Sequence[str] = ()) -> list[str]:
    return [
        c
        for c in analysis.CONFIG_COLUMNS
        if c in df.columns and c not in exclude and df[c].nunique(dropna=False) > 1
    ]


def _blocks(df: pd.DataFrame) -> list[str]:
    """Paired units for comparing activations: every varying setting but them, and seed."""
    blocks = _varying(df, exclude=("activation", "init"))
    return [*(blocks or ["dataset"]), "seed"]


def _order(values: Sequence[str], preferred: Sequence[str]) -> list[str]:
    """``values`` in ``preferred`` order, unknown ones after, alphabetically."""
    rank = {v: i for i, v in enumerate(preferred)}
    return sorted(dict.fromkeys(values), key=lambda v: (rank.get(v, len(rank)), v))


def _unique(df: pd.DataFrame, column: str) -> str:
    if column not in df.columns:
        return "–"
    values = sorted({str(v) for v in df[column].dropna()})
    return ", ".join(values) if values else "–"


# --- sections -------------------------------------------------------------------------------


def _setup(
    doc: Doc,
    frame: pd.DataFrame,
    runs: list[dict],
    grid_size: int,
    suite: str,
    store_label: str,
    out_label: str,
) -> None:
    axes = _varying(frame) + [c for c in ("train.lr", "seed") if frame[c].nunique() > 1]
    shape = " × ".join(f"{frame[a].nunique()} {a.split('.')[-1]}" for a in axes)
    status = frame["status"].value_counts()
    status_text = ", ".join(f"{status.get(s, 0)} {s}" for s in ("ok", "diverged", "failed"))
    fixed = [c for c in analysis.CONFIG_COLUMNS if c in frame.columns and c not in axes]
    wall = sum(r["wall_time_s"] or 0.0 for r in runs)
    workers = sorted({f"{r['workers']} {r['backend']}" for r in runs})
    cells_time = pd.to_numeric(frame.get("total_time_s"), errors="coerce").sum()
    last = runs[-1] if runs else {"source": "SUITE.toml", "backend": "local", "workers": 2}
    rows = [
        ("grid", f"{grid_size} cells = {shape}" if shape else f"{grid_size} cells"),
        ("stored", f"{len(frame)} of {grid_size} cells: {status_text}"),
        ("seeds", ", ".join(str(s) for s in sorted(frame["seed"].unique()))),
        ("fixed settings", "; ".join(f"{c} = {_unique(frame, c)}" for c in fixed)),
        (
            "run time",
            f"{wall / 60:.1f} min wall over {len(runs)} invocation(s) "
            f"({', '.join(workers) or '–'} workers); {cells_time / 60:.1f} min of "
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
    doc.add("## Setup")
    doc.table(rows, ["", ""])
    doc.add(
        f"Reproduce: `python -m bench run {last['source']} --backend {last['backend']} "
        f"--workers {last['workers']} --store "
        f"{store_label}` then `python -m bench report --store {store_label} --suite {suite} "
        f"--out {out_label}` (for the default suite, `make bench` does both)."
    )


def _how_to_read(doc: Doc, head_init: str, target: float, reference: str) -> None:
    doc.add(
        "## How to read this report",
        "- **Fair learning rates.** Every configuration (data set × activation × initializer "
        "× …) is scored at the learning rate with the best mean *validation* accuracy over "
        "seeds; the *test* accuracy at that rate is what every table ranks. The test split "
        "never chooses anything.\n"
        f"- **Headline tables** compare activations with the `{head_init}` initializer"
        + ("" if head_init == "matched" else " (this suite has no `matched`; the first by name)")
        + ". The activation × initializer table shows the rest.\n"
        "- **Ranks**: 1 is best, within each block (one data set × one seed), averaged. "
        "Accuracies are in %, as mean ± 95 % confidence half-width (t over blocks or seeds).\n"
        "- **Diverged or failed runs** score 0 % (rank last) and are listed at the end.\n"
        f"- **Convergence**: epochs until validation accuracy first reaches {target:.0%} of "
        f"the median best validation accuracy of {reference} on that data set (a fixed "
        "reference, so the target does not move with the rest of the suite; not reached: "
        "epochs + 1), and the mean "
        "validation accuracy over all epochs (area under the curve).",
    )


def _intro(doc: Doc, head: pd.DataFrame, head_init: str, sliced: bool) -> None:
    """The opening paragraph in plain words: on what, with what, who won, by how much, and
    how sure (the data-set-level interval and test)."""
    from bench.claims import common

    sets = sorted(head["dataset"].unique())
    kinds = ", ".join(f"{k} {d}×{w}" for k, d, w in
                      head[["model.kind", "model.depth", "model.width"]].drop_duplicates()
                      .itertuples(index=False))  # fmt: skip
    seeds = int(head.groupby("dataset")["seed"].nunique().min())
    r = analysis.ranks(head, HEADLINE_METRIC, "activation", ("dataset", "seed"))
    if len(r) < 2:
        return
    best, second = r.index[0], r.index[1]
    work = head.assign(arm=head["activation"])
    comp = common.compare_arms(work, best, second)
    lead = ""
    if comp is not None:
        sure = {
            "A>B": "a lead that holds at the data-set level",
            "EQUIVALENT": "a difference inside ±1 point: practically a tie",
        }.get(comp.verdict, "a lead the data-set-level test cannot confirm")
        lead = (
            f", ahead of `{second}` by {100 * comp.effect:+.1f} points of test accuracy "
            f"(95 % CI {100 * comp.ci_low:+.1f} to {100 * comp.ci_high:+.1f}, {comp.wins} of "
            f"{comp.n_datasets} data sets won; {sure})"
        )
    worst = r.index[-1]
    doc.add(
        f"**In short.** On {len(sets)} data set{'s' if len(sets) > 1 else ''} "
        f"({', '.join(sets)}), with {kinds} networks, the `{head_init}` initializer and "
        f"{seeds} seeds each, `{best}` ranked first (mean test accuracy "
        f"{100 * r.at[best, 'mean']:.1f} %){lead}; `{worst}` ranked last "
        f"({100 * r.at[worst, 'mean']:.1f} %)."
        + (" This is the first slice; each slice below has its own ranking." if sliced else "")
        + " Every claim of the note is judged in [claims.md](claims.md)."
    )


def _ranking(doc: Doc, head: pd.DataFrame, blocks: list[str], head_init: str) -> list[str]:
    """The overall ranking section; returns the activations best first."""
    m = HEADLINE_METRIC
    r = analysis.ranks(head, m, "activation", blocks)
    s = analysis.summarize(head, m, by="activation").set_index("activation")
    fr = analysis.friedman(head, m, "activation", blocks)
    doc.add(f"## Overall ranking (initializer `{head_init}`)")
    rows = []
    for i, (act, row) in enumerate(r.iterrows(), start=1):
        rows.append(
            (
                i,
                f"`{act}`",
                f"{row['avg_rank']:.2f}",
                _pm(s.at[act, "mean"], s.at[act, "ci95"]),
                int(s.at[act, "n_nonok"]),
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
            f"χ² = {fr.statistic:.2f}, {_p_is(fr.pvalue)}. "
            + (
                "The activations differ."
                if fr.pvalue < 0.05
                else "No evidence that the activations differ."
            )
        )
    outer = [b for b in blocks if b != "seed"]
    if len(outer) < len(blocks):
        avg = analysis.average_over(head, m, keep=[*outer, "activation"])
        fd = analysis.friedman(avg, m, "activation", outer)
        level = f"χ² = {fd.statistic:.2f}, {_p_is(fd.pvalue)}" if not fd.reason else fd.reason
        doc.add(
            f"Seeds are replicates of one split, so blocks of {blocks_text} are not independent "
            f"and their p-values lean optimistic. At the data-set level (seeds averaged first, "
            f"{fd.n_blocks} blocks of {' × '.join(outer)}, as Demšar 2006 recommends): {level}."
        )
    cd = analysis.critical_difference(head, m, "activation", blocks)
    doc.add(
        "Critical-difference diagram: average ranks; activations joined by a bar are not "
        "significantly different (pairwise Wilcoxon signed-rank, Holm-corrected, α = 0.05)."
    )
    doc.figure(
        "critical_difference.png",
        "critical-difference diagram",
        lambda p: plots.cd_diagram(cd, p, f"Average rank, test accuracy ({head_init} init)"),
    )
    return list(r.index)


def _gallery(doc: Doc, acts: list[str], data: dict | None) -> None:
    if not data:
        doc.add(
            "(The activation gallery, each function with its derivative, is drawn from "
            "`bench speed`'s stored curves; run it to add the figure.)"
        )
        return
    doc.add(
        "The activations of this suite, each with its derivative (dashed); shaded: where "
        "f′ = 0 (a unit that stays there is dead) and where |f′| < 1 % of its maximum "
        "(saturated)."
    )
    doc.figure(
        "activation_gallery.png",
        "each activation and its derivative, dead and saturating regions shaded",
        lambda p: plots.gallery(data, acts, p),
    )


def _claimed(doc: Doc, head: pd.DataFrame, blocks: list[str]) -> None:
    from bench.claims import c15_ranking

    present = [a for a in analysis.CLAIMED_ORDER if a in set(head["activation"])]
    doc.add("## The claimed order (claim C15)")
    doc.add(
        "Claim: for hidden layers of deep nets, "
        + " > ".join(analysis.CLAIMED_ORDER)
        + ". Its dedicated experiments, and every other claim of the note, are in "
        "[claims.md](claims.md)."
    )
    if len(present) < 2:
        doc.add("Not testable here: fewer than two of these activations are in the grid.")
        return
    table = c15_ranking.pairs(head)
    n_sets = head["dataset"].nunique()
    rows = [
        (
            f"`{r.comparison.replace(' > ', '` > `')}`",
            f"{int(r.n_datasets)} × {int(r.n_seeds)}",
            f"{int(r.wins)}/{int(r.losses)}",
            f"{100 * r.effect:+.1f} [{100 * r.ci_low:+.1f}, {100 * r.ci_high:+.1f}]",
            _p(r.p_holm),
            _p(r.p_seed),
            f"**{r.verdict}**",
        )
        for r in table.itertuples()
    ]
    doc.table(
        rows,
        [
            "claim",
            "data sets × seeds",
            "data sets won/lost",
            "Δ test acc, pp [95 % CI]",
            "p (data sets, Holm)",
            "p (data set × seed)",
            "verdict",
        ],
    )
    co = analysis.claimed_order(head, HEADLINE_METRIC, blocks=blocks)
    doc.add(
        f"Judged at the data-set level: each data set's seed-averaged difference is one "
        f"observation ({n_sets} here); one-sided Wilcoxon signed-rank over data sets, Holm "
        "over the pairs; 95 % interval by hierarchical bootstrap (data sets, then seeds); "
        "EQUIVALENT when it lies inside ±1 point. With fewer than 5 data sets no pair can "
        "reach α = 0.05. Secondary, seed-level reading (data set × seed blocks, optimistic): "
        f"observed order by average rank {' > '.join(co.ranks.index)}, Kendall's τ = "
        f"{co.tau:.2f} ({_p_is(co.pvalue)})."
    )


def _per_dataset(doc: Doc, head: pd.DataFrame, acts: list[str], blocks: list[str]) -> None:
    m = HEADLINE_METRIC
    sets = list(dict.fromkeys(head["dataset"]))
    s = analysis.summarize(head, m, by=("dataset", "activation")).set_index(
        ["dataset", "activation"]
    )
    lr = head.groupby(["dataset", "activation"])["lr_selected"].first()
    doc.add(
        "## Per data set",
        "Test accuracy % (mean ± 95 % CI over seeds) at the learning rate chosen on "
        "validation, shown in brackets. Best per data set in bold.",
    )
    best = {ds: s.loc[ds]["mean"].max() for ds in sets}
    rows = []
    for act in acts:
        row = [f"`{act}`"]
        for ds in sets:
            if (ds, act) not in s.index:
                row.append("–")
                continue
            mean, ci = s.at[(ds, act), "mean"], s.at[(ds, act), "ci95"]
            cell = f"{_pm(mean, ci)} ({_lr(lr.get((ds, act)))})"
            row.append(f"**{cell}**" if mean == best[ds] else cell)
        rows.append(row)
    doc.table(rows, ["activation", *sets])
    inner = [b for b in blocks if b != "dataset"]
    per = analysis.ranks_per(head, m, by="dataset", blocks=inner)
    per = per.set_index(["dataset", "activation"])["avg_rank"]
    doc.add(f"Average rank within each data set (over {' × '.join(inner)}; 1 = best):")
    doc.table(
        [[f"`{act}`", *(_num(per.get((ds, act), np.nan)) for ds in sets)] for act in acts],
        ["activation", *sets],
    )
    doc.figure(
        "learning_curves.png",
        "learning curves",
        lambda p: plots.learning_curves(
            analysis.curve_epochs(head, "val_acc"), p, "Validation accuracy (mean ± std over seeds)"
        ),
    )


def _inits(doc: Doc, sel: pd.DataFrame, acts: list[str], blocks: list[str]) -> None:
    m = HEADLINE_METRIC
    inits = _order(sel["init"], ["matched"])
    s = analysis.summarize(sel, m, by=("activation", "init")).set_index(["activation", "init"])
    doc.add(
        "## Activation × initializer",
        "Mean test accuracy % over data sets and seeds, each cell at its own "
        "validation-chosen learning rate. Last column: where the `matched` initializer "
        "(claim C6) ranks among the initializers for that activation (average rank over "
        "blocks; 1 = best).",
    )
    table = pd.DataFrame(index=acts, columns=inits, dtype=float)
    rows = []
    for act in acts:
        row = [f"`{act}`"]
        for init in inits:
            v = s.at[(act, init), "mean"] if (act, init) in s.index else np.nan
            table.at[act, init] = 100 * v
            row.append(_pct(v))
        best = table.loc[act].max()
        row = [row[0]] + [
            f"**{c}**" if table.at[act, i] == best else c for c, i in zip(row[1:], inits)
        ]
        if "matched" in inits and len(inits) > 1:
            part = sel[sel["activation"] == act]
            r = analysis.ranks(part, m, "init", blocks)
            pos = list(r.index).index("matched") + 1 if "matched" in r.index else None
            row.append(f"{pos} of {len(r)} ({r.at['matched', 'avg_rank']:.2f})" if pos else "–")
        rows.append(row)
    headers = ["activation", *inits] + (
        ["matched: place"] if "matched" in inits and len(inits) > 1 else []
    )
    doc.table(rows, headers)
    doc.figure(
        "activation_init.png",
        "activation × initializer heatmap",
        lambda p: plots.heatmap(table, p, "Test accuracy % (lr chosen on validation)"),
    )


def _convergence(doc: Doc, head: pd.DataFrame, acts: list[str]) -> None:
    e = analysis.summarize(head, "epochs_to_target", by="activation").set_index("activation")
    a = analysis.summarize(head, "auc_val_acc", by="activation").set_index("activation")
    doc.add("## Convergence")
    rows = [
        (
            f"`{act}`",
            _pm(e.at[act, "mean"], e.at[act, "ci95"], scale=1.0),
            _pm(a.at[act, "mean"], a.at[act, "ci95"]),
        )
        for act in acts
    ]
    doc.table(rows, ["activation", "epochs to target", "mean val acc over epochs %"])


def _health(doc: Doc, head: pd.DataFrame, acts: list[str]) -> None:
    cols = ["dead_init", "dead_final", "negative_final", "saturated_init", "saturated_final"]
    present = [c for c in cols if c in head.columns]
    if not present:
        doc.add("## Unit health", "No probes were recorded (train.probe = false).")
        return
    means = head.groupby("activation")[present].mean()
    grads = analysis.layer_profile(head[head["status"] == "ok"], "grad_norm")
    init = grads[grads["when"] == "init"]
    ratio = {}
    if not init.empty:
        first = init[init["layer"] == 1].set_index("key")["value"]
        last = init.loc[init.groupby("key")["layer"].idxmax()].set_index("key")["value"]
        per_key = (first / last).replace([np.inf, -np.inf], np.nan)
        acts_by_key = init.drop_duplicates("key").set_index("key")["activation"]
        ratio = per_key.groupby(acts_by_key).median().to_dict()
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
    rows = []
    for act in acts:
        row = [f"`{act}`"] + [
            _pct(means.at[act, c]) if act in means.index else "–" for c in present
        ]
        row.append(_num(ratio.get(act, np.nan), "{:.3g}"))
        rows.append(row)
    doc.table(rows, ["activation", *[c.replace("_", " ") for c in present], "gradient ratio"])
    doc.figure(
        "dead_units.png",
        "dead units over epochs",
        lambda p: plots.over_epochs(
            analysis.probe_epochs(head, "dead"), p, "Dead hidden units", "share of dead units"
        ),
    )
    doc.figure(
        "layer_std.png",
        "post-activation std per layer",
        lambda p: plots.layer_profile(
            analysis.layer_profile(head, "std"), p, "Post-activation std per layer", "std"
        ),
    )


PASS_LABELS = {"forward": "fwd", "forward_backward": "fwd+bwd"}


def _ratio(median: float, low: float, high: float) -> str:
    """``1.05× (1.01–1.09)``; the bracket is left out when it would say nothing."""
    if median is None or not math.isfinite(median):
        return "–"
    if low == high:
        return f"{median:.2f}×"
    return f"{median:.2f}× ({low:.2f}–{high:.2f})"


def speed_table(
    ratios: pd.DataFrame, order: Sequence[str] = ()
) -> tuple[list[str], list[list[str]]]:
    """Format ``bench.speed.ratios`` as a table: one row per activation, one column per
    width and pass (``fwd 32``, ``fwd+bwd 32``, …), cells ``median× (min–max)``.

    Args:
        ratios: the frame ``bench.speed.ratios`` returns.
        order: activations in this order first, any others after, alphabetically.

    Returns:
        (headers, rows); the first cell of a row is the bare activation name.
    """
    widths = sorted({int(w) for w in ratios["width"]})
    passes = [p for p in speed.PASSES if p in set(ratios["pass"])]
    cols = [(w, p) for w in widths for p in passes]
    by = ratios.set_index(["activation", "width", "pass"])
    rows = []
    for act in _order(ratios["activation"], order):
        row = [act]
        for w, p in cols:
            if (act, w, p) in by.index:
                r = by.loc[(act, w, p)]
                row.append(_ratio(r["ratio_median"], r["ratio_low"], r["ratio_high"]))
            else:
                row.append("–")
        rows.append(row)
    return ["activation", *(f"{PASS_LABELS.get(p, p)} {w}" for w, p in cols)], rows


def _per_call(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.3g} s"
    return f"{seconds * 1e3:.3g} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.3g} µs"


def _speed(doc: Doc, timings: pd.DataFrame, acts: list[str], suite: str, store_label: str) -> None:
    doc.add("## Speed (claim C16)")
    if timings is None or timings.empty:
        doc.add(
            f"No speed measurement is stored for this suite: `python -m bench speed --store "
            f"{store_label} --suite {suite}` makes one (then rebuild this report)."
        )
        return
    measured = set(timings["activation"])
    ref = REFERENCE_ACTIVATION if REFERENCE_ACTIVATION in measured else _order(measured, acts)[0]
    ratios = speed.ratios(timings, reference=ref)
    headers, rows = speed_table(ratios, acts)
    env = timings["env"].iloc[0]
    doc.add(
        f"Time per call of each activation's MLP ({_unique(timings, 'depth')} hidden layers, "
        f"`matched` initializer, a batch of {_unique(timings, 'batch')} random rows) as a "
        f"ratio to `{ref}`'s, measured by `bench speed` at {_unique(timings, 'measured_at')} "
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
    ref_rows = ratios[ratios["activation"] == ref]
    scale = ", ".join(
        f"{PASS_LABELS.get(r['pass'], r['pass'])} {r['width']}: {_per_call(r['seconds_median'])}"
        for _, r in ref_rows.iterrows()
    )
    doc.add(f"For scale, `{ref}` takes per call (median): {scale}.")


SUMMARY_METRICS = (
    "test_acc", "test_loss", "epochs_to_target", "auc_val_acc", "dead_final", "train_time_s",
)  # fmt: skip


def _summary(doc: Doc, sel: pd.DataFrame) -> None:
    """Appendix: per data set × model × activation × initializer, every headline metric."""
    by = [c for c in ("dataset", "model.kind", "model.depth", "model.width", "activation",
                      "init") if c in sel.columns]  # fmt: skip
    table = None
    for metric in SUMMARY_METRICS:
        s = analysis.summarize(sel, metric, by=by)
        s = s.rename(columns={"mean": f"{metric}_mean", "ci95": f"{metric}_ci95"})
        keep = [*by, f"{metric}_mean", f"{metric}_ci95"]
        if table is None:
            table = s[[*keep, "n", "n_nonok"]]
        else:
            table = table.merge(s[keep], on=by, how="left")
    lr = sel.groupby(by, dropna=False)["lr_selected"].first().reset_index()
    table = table.merge(lr, on=by, how="left")
    link = doc.csv("summary.csv", table)
    doc.add(
        "## Appendix: every configuration",
        f"[{Path(link).name}]({link}): per data set × model × activation × initializer, at "
        f"the learning rate chosen on validation (`lr_selected`): mean and 95 % CI over seeds "
        f"of {', '.join(f'`{m}`' for m in SUMMARY_METRICS)}; `n` seeds, `n_nonok` diverged or "
        f"failed.",
    )


def _failures(doc: Doc, frame: pd.DataFrame) -> None:
    bad = frame[frame["status"] != "ok"]
    doc.add("## Diverged and failed cells")
    if bad.empty:
        doc.add("None: every cell finished with status `ok`.")
        return
    counts = bad.groupby(["activation", "init", "status"]).size().reset_index(name="cells")
    doc.table(
        [(f"`{r.activation}`", f"`{r.init}`", r.status, r.cells) for r in counts.itertuples()],
        ["activation", "init", "status", "cells"],
    )
    shown = bad.sort_values(["activation", "init", "dataset", "train.lr", "seed"]).head(40)
    rows = [
        (
            f"`{r['key']}`",
            r["dataset"],
            r["activation"],
            r["init"],
            _lr(r["train.lr"]),
            r["seed"],
            r["status"],
            str(r["error"] or "").splitlines()[0][:90] if r["error"] else "",
        )
        for _, r in shown.iterrows()
    ]
    shown_text = f"The first {len(shown)} of the {len(bad)}" if len(bad) > len(shown) else "The"
    doc.add(f"{shown_text} cells (`python -m bench show KEY` prints one whole):")
    doc.table(rows, ["key", "dataset", "activation", "init", "lr", "seed", "status", "error"])


# --- assembly -------------------------------------------------------------------------------


def render(
    frame: pd.DataFrame,
    runs: list[dict],
    suite: str,
    grid_size: int,
    generated_at: str,
    store_label: str,
    out_label: str,
    description: str = "",
    figdir: str = "files",
    timings: pd.DataFrame | None = None,
    gallery: dict | None = None,
) -> tuple[str, list[Attachment]]:
    """Build the Markdown text and the list of figures to draw (pure; no I/O).

    Args:
        frame: ``Store.frame(suite, series=True)``.
        runs: ``Store.runs(suite)``.
        suite: suite name.
        grid_size: number of cells in the suite's grid.
        generated_at: timestamp printed in the header (injected, for golden files).
        store_label / out_label: the paths printed in the "reproduce" line.
        description: the suite's description.
        figdir: folder of the figures and CSV files, relative to the report.
        timings: ``Store.timings(suite)``, the ``bench speed`` measurement (None or
            empty: the speed section says how to make one).
        gallery: the stored activation curves (``bench speed``), or None.

    Returns:
        (markdown, attachments to write into ``figdir``).
    """
    if frame.empty:
        raise BenchError(f"suite {suite!r}: no stored results to report")
    target = 0.9
    ref = {"activation": "relu", "init": "matched"}
    if not all(frame[k].eq(v).any() for k, v in ref.items()):
        ref = {"init": _order(frame["init"], ["matched"])[0]}
    reference = " with ".join(f"`{v}`" for v in ref.values()) + (
        "" if "activation" in ref else " (every activation)"
    )
    conv = analysis.add_convergence(frame, fraction=target, reference=ref)
    sel = analysis.select_lr(conv)
    inits = _order(sel["init"], ["matched"])
    head_init = inits[0]

    doc = Doc(figdir=figdir)
    doc.add(f"# Activation bench report: `{suite}`")
    if description:
        doc.add(f"> {description}")
    # an axis that varies besides activation, initializer and data set (a depth, a model
    # kind, an optimizer …) is never pooled: the analysis runs once per value of it
    slicing = _varying(sel, exclude=("activation", "init", "dataset"))
    groups = list(sel.groupby(slicing, sort=True)) if slicing else [((), sel)]
    first = groups[0][1]
    _intro(doc, first[first["init"] == head_init], head_init, bool(slicing))
    doc.add(f"Generated {generated_at} from the store `{store_label}` alone.")
    _setup(doc, frame, runs, grid_size, suite, store_label, out_label)
    _how_to_read(doc, head_init, target, reference)
    _gallery(doc, _order(frame["activation"], analysis.CLAIMED_ORDER), gallery)
    if slicing:
        doc.add(
            "The grid varies "
            + ", ".join(f"`{c}`" for c in slicing)
            + " besides the activation, initializer and data set: every section below is "
            "computed separately for each value, never pooled over them."
        )
    acts: list[str] = []
    for values, part in groups:
        values = values if isinstance(values, tuple) else (values,)
        if slicing:
            label = ", ".join(f"{c} = {v}" for c, v in zip(slicing, values))
            doc.add(f"# Slice: {label}")
            doc.prefix = "_".join(f"{c.split('.')[-1]}{v}" for c, v in zip(slicing, values)) + "_"
        head = part[part["init"] == head_init]
        blocks = _blocks(head)
        acts = _ranking(doc, head, blocks, head_init)  # every later table in this order
        _claimed(doc, head, blocks)
        _per_dataset(doc, head, acts, blocks)
        others = _order(part["activation"], acts)
        if len(inits) > 1:
            _inits(doc, part, others, blocks)
        _convergence(doc, head, acts)
        _health(doc, head, acts)
    doc.prefix = ""
    _speed(doc, timings, _order(frame["activation"], acts), suite, store_label)
    _failures(doc, frame)
    _summary(doc, sel)
    return doc.text(), doc.files


def build(
    store_path: str | Path,
    out: str | Path,
    suite: str | None = None,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> Path:
    """Write the Markdown report of one suite, its figures and its summary CSV.

    Args:
        store_path: the SQLite store.
        out: the Markdown file; figures and CSV go to ``<out stem>_files/`` beside it.
        suite: suite name; may be omitted when the store holds exactly one.
        generated_at: header timestamp (default: now, UTC).
        store_label: how the store is named in the report (default: ``store_path``).

    Returns:
        The path of the report.
    """
    store_path, out = Path(store_path), Path(out)
    if not store_path.exists():
        raise BenchError(f"{store_path}: no such store")
    with Store(store_path, readonly=True) as store:
        known = store.suites()
        if suite is None:
            if len(known) != 1:
                raise BenchError(
                    f"{store_path} holds {len(known)} suites; pick one with --suite: "
                    f"{', '.join(known) or '(none)'}"
                )
            suite = known[0]
        elif suite not in known:
            raise BenchError(f"unknown suite {suite!r} in {store_path}; valid: {', '.join(known)}")
        frame = store.frame(suite, series=True)
        runs = store.runs(suite)
        grid_size = store.grid_size(suite)
        description = store.description(suite)
        timings = store.timings(suite)
        gallery = store.checks().get("gallery")
    figdir = f"{out.stem}_files"
    text, files = render(
        frame,
        runs,
        suite,
        grid_size,
        generated_at or datetime.now(UTC).isoformat(timespec="seconds"),
        store_label or str(store_path),
        str(out),
        description,
        figdir,
        timings,
        gallery,
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    for attachment in files:
        attachment.write(out.parent / figdir / attachment.name)
    out.write_text(text)
    return out
