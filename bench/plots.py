"""Figures for reports (matplotlib, Agg backend, PNG). Inputs come from ``bench.scoring``.

Public:
    learning_curves(long, path, title)      mean ± band over seeds, one line per activation,
                                            one panel per data set
    heatmap(table, path, title, fmt)        activation × initializer (or any 2-D table)
    cd_diagram(cd, path, title)             critical-difference diagram (Demšar 2006)
    over_epochs(long, path, title, ylabel)  a probe metric per epoch, one line per activation
    layer_profile(long, path, title, ylabel) per-layer values at init (dashed) and final (solid)
    capture()                               context manager: inside it, the functions keep
                                            their Figures (yielded list) instead of writing

Every function writes one PNG and returns its path. Nothing here reads the store or
trains, and nothing decides: what counts as saturated is :mod:`bench.schema`'s rule, the
probes' own. PNG metadata carries no software version, so a rebuilt figure changes only
when its data do.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from bench import schema

_DPI = 110


def _colors(names: Sequence[str]) -> dict[str, tuple]:
    cmap = plt.get_cmap("tab20" if len(names) > 10 else "tab10")
    return {n: cmap(i % cmap.N) for i, n in enumerate(names)}


# the list ``capture()`` collects Figures into, or None (write PNG files, the default)
_CAPTURED: contextvars.ContextVar[list | None] = contextvars.ContextVar("captured", default=None)


@contextlib.contextmanager
def capture() -> Iterator[list[plt.Figure]]:
    """Keep the figures drawn inside the block instead of writing them.

    Every function here still returns its ``path``, but writes nothing: its Figure is
    appended to the yielded list, closed in pyplot (so a notebook does not show it twice;
    ``display(fig)`` and ``fig.savefig`` still work). Used by :func:`bench.api.figures`.
    """
    figures: list[plt.Figure] = []
    token = _CAPTURED.set(figures)
    try:
        yield figures
    finally:
        _CAPTURED.reset(token)


def _save(fig: plt.Figure, path: str | Path) -> Path:
    path = Path(path)
    captured = _CAPTURED.get()
    if captured is not None:  # inside capture(): keep the Figure, write nothing
        plt.close(fig)
        captured.append(fig)
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return path


def _placeholder(path: str | Path, title: str) -> Path:
    """A figure that says there is nothing to draw (every run failed before recording it)."""
    fig, ax = plt.subplots(figsize=(6, 1.5))
    ax.axis("off")
    ax.text(
        0.5,
        0.5,
        "no data: every run failed or diverged before recording this",
        ha="center",
        va="center",
    )
    ax.set_title(title)
    return _save(fig, path)


def _finish(
    fig: plt.Figure, ax: plt.Axes, path: str | Path, title: str, xlabel: str, ylabel: str
) -> Path:
    """Labels, grid and a per-activation legend for a one-panel line figure; save it."""
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8, ncol=2, loc="best")
    fig.tight_layout()
    return _save(fig, path)


def _band(long: pd.DataFrame, x: str) -> pd.DataFrame:
    """Mean and standard deviation of ``value`` per activation and ``x``."""
    return (
        long.groupby(["activation", x], sort=False)["value"]
        .agg(["mean", "std"])
        .reset_index()
        .fillna({"std": 0.0})
    )


def learning_curves(
    long: pd.DataFrame, path: str | Path, title: str, ylabel: str = "validation accuracy"
) -> Path:
    """One panel per data set; per activation the mean over seeds ± one std as a band."""
    if long.empty:
        return _placeholder(path, title)
    sets = list(dict.fromkeys(long["dataset"]))
    acts = list(dict.fromkeys(long["activation"]))
    colors = _colors(acts)
    cols = min(2, len(sets)) or 1
    rows = -(-len(sets) // cols) or 1
    fig, axes = plt.subplots(rows, cols, figsize=(6 * cols, 3.6 * rows), squeeze=False)
    for ax, ds in zip(axes.flat, sets):
        band = _band(long[long["dataset"] == ds], "epoch")
        for act in acts:
            b = band[band["activation"] == act]
            if b.empty:
                continue
            ax.plot(b["epoch"], b["mean"], label=act, color=colors[act], lw=1.4)
            ax.fill_between(
                b["epoch"],
                b["mean"] - b["std"],
                b["mean"] + b["std"],
                color=colors[act],
                alpha=0.12,
                lw=0,
            )
        ax.set_title(ds)
        ax.set_xlabel("epoch")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(sets) :]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="upper center",
        ncol=min(len(acts), 6),
        bbox_to_anchor=(0.5, 1.0 + 0.04 * (1 + len(acts) // 6) / rows),
    )
    fig.suptitle(title, y=1.0 + 0.09 * (1 + len(acts) // 6) / rows)
    fig.tight_layout()
    return _save(fig, path)


def heatmap(table: pd.DataFrame, path: str | Path, title: str, fmt: str = "{:.1f}") -> Path:
    """Colour-coded table with each value printed in its cell (rows × columns as given)."""
    values = table.to_numpy(dtype=float)
    fig, ax = plt.subplots(figsize=(1.2 * table.shape[1] + 2.5, 0.42 * table.shape[0] + 1.5))
    finite = values[np.isfinite(values)]
    vmin, vmax = (finite.min(), finite.max()) if finite.size else (0, 1)
    im = ax.imshow(values, cmap="viridis", aspect="auto", vmin=vmin, vmax=vmax)
    ax.set_xticks(range(table.shape[1]), [str(c) for c in table.columns], rotation=30, ha="right")
    ax.set_yticks(range(table.shape[0]), [str(i) for i in table.index])
    mid = (vmin + vmax) / 2
    for (i, j), v in np.ndenumerate(values):
        text = fmt.format(v) if np.isfinite(v) else "–"
        ax.text(
            j,
            i,
            text,
            ha="center",
            va="center",
            fontsize=8,
            color="black" if np.isfinite(v) and v > mid else "white",
        )
    fig.colorbar(im, ax=ax, fraction=0.04)
    ax.set_title(title)
    fig.tight_layout()
    return _save(fig, path)


def cd_diagram(cd, path: str | Path, title: str) -> Path:
    """Critical-difference diagram from :class:`bench.scoring.ranks.CriticalDifference`.

    Treatments joined by a bar are not significantly different at α = 0.05 by the test
    behind ``cd.pvalues`` (Friedman + Nemenyi for the reports' diagrams).
    """
    import scikit_posthocs as sp

    fig, ax = plt.subplots(figsize=(8, 0.25 * len(cd.ranks) + 1.8))
    if len(cd.ranks) >= 2:
        parts = sp.critical_difference_diagram(cd.ranks, cd.pvalues, ax=ax)
        # scikit-posthocs draws each crossbar through a set's members in iteration order,
        # which moves with PYTHONHASHSEED: sort the points so a rebuilt PNG is identical
        for lines in parts.get("crossbars", []):
            for line in lines:
                xs, ys = (np.asarray(v) for v in line.get_data())
                order = np.argsort(xs, kind="stable")
                line.set_data(xs[order], ys[order])
    ax.set_title(title, pad=18)
    fig.tight_layout()
    return _save(fig, path)


def over_epochs(long: pd.DataFrame, path: str | Path, title: str, ylabel: str) -> Path:
    """Mean over runs of ``value`` per epoch, one line per activation (epoch 0 = init)."""
    if long.empty:
        return _placeholder(path, title)
    acts = list(dict.fromkeys(long["activation"]))
    colors = _colors(acts)
    band = _band(long, "epoch")
    fig, ax = plt.subplots(figsize=(7, 4))
    for act in acts:
        b = band[band["activation"] == act]
        ax.plot(b["epoch"], b["mean"], label=act, color=colors[act], lw=1.4)
    return _finish(fig, ax, path, title, "epoch (0 = at initialization)", ylabel)


def layer_profile(long: pd.DataFrame, path: str | Path, title: str, ylabel: str) -> Path:
    """Per activation, mean ``value`` by layer: dashed at initialization, solid after."""
    if long.empty:
        return _placeholder(path, title)
    acts = list(dict.fromkeys(long["activation"]))
    colors = _colors(acts)
    fig, ax = plt.subplots(figsize=(7, 4))
    for when, style in (("init", "--"), ("final", "-")):
        part = long[long["when"] == when]
        band = _band(part, "layer")
        for act in acts:
            b = band[band["activation"] == act]
            ax.plot(
                b["layer"],
                b["mean"],
                style,
                color=colors[act],
                lw=1.3,
                label=act if when == "final" else None,
            )
    ax.set_yscale("log")
    title += "  (dashed: at init, solid: after training)"
    return _finish(fig, ax, path, title, "hidden layer (1 = next to the input)", ylabel)


def lines(
    long: pd.DataFrame,
    x: str,
    y: str,
    hue: str,
    path: str | Path,
    title: str,
    ylabel: str,
    panel: str | None = None,
    logx: bool = False,
    logy: bool = False,
) -> Path:
    """Mean of ``y`` (± one standard error over the rows averaged) against ``x``, one line
    per ``hue`` value, one panel per ``panel`` value (the claims report's generic figure)."""
    if long.empty:
        return _placeholder(path, title)
    panels = sorted(long[panel].unique(), key=str) if panel else [None]
    hues = list(dict.fromkeys(long[hue]))
    colors = _colors([str(h) for h in hues])
    cols = min(4, len(panels))
    rows = -(-len(panels) // cols)
    fig, axes = plt.subplots(
        rows, cols, figsize=(3.4 * cols + 0.6, 2.9 * rows + 0.3), squeeze=False
    )
    if rows > 1:
        fig.subplots_adjust(hspace=0.55, wspace=0.3)
    for ax in axes.flat[len(panels) :]:
        ax.axis("off")
    for ax, p in zip(axes.flat, panels):
        sub = long if p is None else long[long[panel] == p]
        for h in hues:
            g = sub[sub[hue] == h].groupby(x)[y]
            mean, sem = g.mean(), g.sem().fillna(0)
            if mean.empty:
                continue
            ax.plot(mean.index, mean.values, marker="o", ms=3, label=str(h), color=colors[str(h)])
            ax.fill_between(mean.index, mean - sem, mean + sem, alpha=0.2, color=colors[str(h)])
        if logx:
            ax.set_xscale("log")
        if logy:
            ax.set_yscale("log")
        ax.set_title(f"{panel} = {p}" if p is not None else title, fontsize=9)
        ax.set_xlabel(x)
        ax.grid(alpha=0.3)
    for row in axes:
        row[0].set_ylabel(ylabel)
    axes.flat[len(panels) - 1].legend(fontsize=7, frameon=False, loc="best")
    if panel:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def gallery(data: dict | None, names: Sequence[str], path: str | Path) -> Path:
    """Each activation (solid) and its derivative (dashed) in its own panel, from
    ``bench.speed.curves``' stored data; shaded red where f′ = 0 (dead if a unit stays
    there) and, for an activation that saturates (:func:`bench.schema.saturates`: sigmoid,
    tanh), grey where 0 < |f′| < 1 % of its maximum (:func:`bench.schema.saturated`, the
    probes' rule; an ELU's flat left tail is not saturation)."""
    names = [n for n in names if data and n in data.get("curves", {})]
    if not names:
        return _placeholder(path, "activation gallery: run `bench speed` first")
    x = np.asarray(data["x"])
    cols = min(4, len(names))
    rows = -(-len(names) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 2.2 * rows), squeeze=False)
    fig.subplots_adjust(hspace=0.5, wspace=0.3)
    for ax in axes.flat[len(names) :]:
        ax.axis("off")
    for ax, name in zip(axes.flat, names):
        f, df = (np.asarray(data["curves"][name][k], dtype=float) for k in ("f", "df"))
        size = np.abs(df)
        top = np.nanmax(size) or 1.0
        dead = size == 0
        sat = ~dead & schema.saturated(size, top) & bool(schema.saturates(size, top))
        low, high = np.nanmin(f), np.nanmax(f)
        span = max(high - low, 1e-9)
        lims = (max(low, -3.0) - 0.1 * span, min(high, 5.0) + 0.1 * span)
        ax.fill_between(x, *lims, where=dead, color="tab:red", alpha=0.15, lw=0)
        ax.fill_between(x, *lims, where=sat, color="0.5", alpha=0.25, lw=0)
        ax.plot(x, f, color="tab:blue", lw=1.4)
        ax.plot(x, df, color="tab:orange", lw=1.1, ls="--")
        ax.axhline(0, color="0.7", lw=0.6)
        ax.axvline(0, color="0.7", lw=0.6)
        ax.set_ylim(*lims)
        ax.set_title(name, fontsize=9)
        ax.tick_params(labelsize=7)
    return _save(fig, path)
