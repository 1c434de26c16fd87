"""Rankings, statistical tests and claim verdicts over stored results (pandas, scipy.stats,
statsmodels' Holm correction).

Everything here reads the frame of :meth:`bench.store.Store.frame` (``series=True`` where
curves are needed): one row per cell, ``status`` in ok / diverged / failed. Nothing trains.

Public:
    Metric                      frozen dataclass: column, label, direction, worst value
    METRICS                     dict name → :class:`Metric` (direction declared, never guessed)
    CONFIG_COLUMNS              columns naming a configuration besides seed and learning rate
    get_metric(name)            the :class:`Metric` for a name (or a Metric, returned as is)
    scores(df, metric)          the metric per row, non-ok runs scored as the metric says
    add_convergence(df, fraction=0.9)   adds ``epochs_to_target`` and ``auc_val_acc``
    select_lr(df, metric="val_acc")     each configuration's rows at its best validation lr
    summarize(df, metric, by)   mean, 95 % CI (t over seeds), n, non-ok count per group
    ranks(df, metric, treatment, blocks)        average rank and mean per treatment
    ranks_per(df, metric, by, treatment, blocks)  the same within each ``by`` group
    friedman(df, metric, treatment, blocks)     Friedman χ² test → :class:`FriedmanResult`
    holm(pvalues)               Holm-adjusted p-values (NaNs kept)
    pairwise_wilcoxon(df, metric, treatment, blocks)  Holm-adjusted pairwise p-value matrix
    claimed_order(df, metric, order, blocks, alpha)   Kendall τ and adjacent-pair verdicts
                                → :class:`ClaimedOrder`
    critical_difference(df, metric, treatment, blocks)  what a CD diagram needs
                                → :class:`CriticalDifference`
    average_over(df, metric, keep)   mean score per group (seeds averaged), ok-status frame
    probe_epochs(df, metric)    a probe metric (pooled over units) per epoch, long form
    layer_profile(df, metric)   a probe metric per layer at init and after training
    curve_epochs(df, curve)     a training curve per epoch, long form

Conventions. A *block* is one paired comparison unit (by default one data set × one seed);
a *treatment* is what is ranked (by default the activation). Rank 1 is the best, ties get
the average rank, and the metric's declared direction decides which end is best. Diverged
and failed runs take the metric's ``worst`` value, so they rank last (see
docs/design.md). Tables keep only complete blocks (every treatment present with a score),
and report how many blocks that left.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.stats.multitest import multipletests

from bench import schema
from bench.errors import BenchError
from bench.spec import FIELDS, pooled

VERDICTS = ("SUPPORTED", "CONTRADICTED", "INCONCLUSIVE")
CLAIMED_ORDER = ("selu", "elu", "leaky_relu", "relu", "tanh", "sigmoid")  # claim C15


# the declared schema (bench/schema.py): every scored column with its direction and worst value
Metric = schema.Metric
METRICS: dict[str, Metric] = schema.METRICS

# every cell field but the seed (replicates) and the learning rate (selected per config)
CONFIG_COLUMNS: tuple[str, ...] = tuple(f for f in FIELDS if f not in ("seed", "train.lr"))
_MODEL_COLUMNS = ("dataset", "model.kind", "model.depth", "model.width")


@dataclass(frozen=True)
class FriedmanResult:
    """Friedman test over a blocks × treatments table.

    Attributes:
        statistic: the tie-corrected χ² statistic (NaN when not computable).
        pvalue: its p-value (χ² with k − 1 degrees of freedom).
        n_blocks: complete blocks used.
        k: number of treatments.
        reason: why the statistic is NaN, else ``""``.
    """

    statistic: float
    pvalue: float
    n_blocks: int
    k: int
    reason: str = ""


@dataclass(frozen=True)
class ClaimedOrder:
    """Observed order against a claimed one (claim C15).

    Attributes:
        order: the claimed order restricted to the treatments present, best first.
        tau: Kendall's τ-b between claimed positions and observed average ranks
            (1 = the observed order is the claimed one, −1 = reversed).
        pvalue: two-sided p-value of τ.
        n_blocks: complete blocks used for every number here.
        alpha: significance level of the verdicts.
        ranks: :func:`ranks` of the present treatments (``avg_rank``, ``mean``, ``n_blocks``).
        pairs: one row per adjacent claimed pair, see :func:`claimed_order`.
    """

    order: tuple[str, ...]
    tau: float
    pvalue: float
    n_blocks: int
    alpha: float
    ranks: pd.DataFrame = field(repr=False)
    pairs: pd.DataFrame = field(repr=False)


@dataclass(frozen=True)
class CriticalDifference:
    """Inputs of ``scikit_posthocs.critical_difference_diagram(ranks, pvalues)``.

    Attributes:
        ranks: average rank per treatment (1 = best), best first.
        pvalues: Holm-adjusted pairwise Wilcoxon p-values (square, diagonal 1).
        n_blocks: complete blocks used.
    """

    ranks: pd.Series
    pvalues: pd.DataFrame
    n_blocks: int


def get_metric(name: str | Metric) -> Metric:
    """The :class:`Metric` for a name.

    Args:
        name: a key of :data:`METRICS`, or a :class:`Metric` (returned unchanged).

    Returns:
        The metric. Raises :class:`UnknownNameError` listing the valid names.
    """
    return schema.get(name)


def scores(df: pd.DataFrame, metric: str | Metric) -> pd.Series:
    """The metric per row, as ranked and averaged everywhere in this module.

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.

    Returns:
        Float Series aligned with ``df``: non-ok rows take the metric's ``worst`` (unless
        ``keep_nonok``); a missing value of an ok run stays NaN (not measured).
    """
    m = get_metric(metric)
    if m.column not in df.columns:
        if m.column in ("epochs_to_target", "auc_val_acc"):
            raise BenchError(f"column {m.column!r} is missing: call add_convergence(df) first")
        values = pd.Series(np.nan, index=df.index, dtype=float)
    else:
        values = pd.to_numeric(df[m.column], errors="coerce").astype(float)
    if not m.keep_nonok:
        values = values.where(_ok(df), m.worst)
    return values


def add_convergence(
    df: pd.DataFrame, fraction: float = 0.9, reference: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Add the convergence columns ``epochs_to_target`` and ``auc_val_acc``.

    The target is ``fraction`` × the best validation accuracy any run reached on the same
    data set and model (``dataset``, ``model.kind``/``depth``/``width``). Call this on the
    full frame, before :func:`select_lr` or any filtering, so the target does not move.

    Args:
        df: the results frame with a ``curves`` column (``Store.frame(series=True)``).
        fraction: share of the reference accuracy that counts as converged.
        reference: the rule that fixes the target, ``{column: value or list of values}``:
            the target of a data set and model is ``fraction`` × the median, over the
            matching rows, of their best validation accuracy. Claims and the default
            report name their reference (e.g. ``{"activation": "relu", "init":
            "matched"}``), so the target does not move with what else the frame holds.
            ``None``: the best run in the frame (moves with the frame; tests only).

    Returns:
        A copy with ``epochs_to_target`` (first epoch, from 1, whose val_acc ≥ target;
        ``train.epochs + 1`` when never reached or when the run is not ok, so it ranks last)
        and ``auc_val_acc`` (mean val_acc over ``train.epochs`` epochs, epochs a diverged or
        failed run did not reach counted as 0).
    """
    if not 0 < fraction <= 1:
        raise BenchError(f"fraction must be in (0, 1], got {fraction!r}")
    out = df.copy()
    if "curves" not in out.columns:
        raise BenchError("add_convergence needs the curves: use Store.frame(series=True)")
    curves = [_val_curve(c) for c in out["curves"]]
    budget = [_budget(e, c) for e, c in zip(_column(out, "train.epochs"), curves, strict=True)]
    best = pd.Series([max(c, default=np.nan) for c in curves], index=out.index, dtype=float)
    how = "max"
    if reference is not None:
        how = "median"
        match = pd.Series(True, index=out.index)
        for col, want in reference.items():
            values = list(want) if isinstance(want, list | tuple | set) else [want]
            match &= out[col].isin(values) if col in out.columns else False
        best = best.where(match & _ok(out))
    keys = [c for c in _MODEL_COLUMNS if c in out.columns]
    if keys:
        best = best.groupby([out[k] for k in keys], dropna=False).transform(how)
    else:
        best = pd.Series(getattr(best, how)(), index=out.index, dtype=float)
    target = fraction * best
    ok = _ok(out)
    reached, auc = [], []
    for curve, n, goal, is_ok in zip(curves, budget, target, ok, strict=True):
        hit = next((i + 1 for i, v in enumerate(curve) if v >= goal), None)
        reached.append(float(hit) if (hit is not None and is_ok) else float(n + 1))
        auc.append(sum(curve[:n]) / n if n > 0 else np.nan)
    out["epochs_to_target"] = reached
    out["auc_val_acc"] = auc
    return out


def select_lr(df: pd.DataFrame, metric: str | Metric = "val_acc") -> pd.DataFrame:
    """Each configuration's rows at the learning rate that is best on validation.

    For every configuration (:data:`CONFIG_COLUMNS` present in the frame), the validation
    metric is averaged over seeds per learning rate (non-ok seeds count as the metric's
    worst value, missing values are skipped), the best mean wins and a tie goes to the
    smaller learning rate. The test split is never looked at: a ``test_*`` metric is refused.

    Args:
        df: the results frame.
        metric: a validation (or training-curve) metric; default ``val_acc``.

    Returns:
        The rows of the selected learning rate, every seed, in the original order, with
        ``lr_selected`` (equal to their ``train.lr``). Without a ``train.lr`` column the
        frame is returned whole with ``lr_selected`` NaN.
    """
    m = get_metric(metric)
    if m.column.startswith("test") or m.name.startswith("test"):
        raise BenchError(
            f"select_lr must select on validation, not on the test split (got {m.name!r})"
        )
    out = df.copy()
    if "train.lr" not in out.columns:
        out["lr_selected"] = np.nan
        return out
    keys = [c for c in CONFIG_COLUMNS if c in out.columns]
    config = out.groupby(keys, dropna=False, sort=False).ngroup() if keys else 0
    work = pd.DataFrame(
        {"_cfg": config, "_lr": out["train.lr"].astype(float), "_score": scores(out, m)},
        index=out.index,
    )
    means = work.groupby(["_cfg", "_lr"], dropna=False)["_score"].mean().reset_index()
    # best mean first; a NaN mean (nothing measured) loses to any number; ties → smaller lr
    means["_order"] = (-means["_score"] if m.higher_is_better else means["_score"]).fillna(np.inf)
    best = means.sort_values(["_cfg", "_order", "_lr"]).groupby("_cfg").head(1)
    chosen = work["_cfg"].map(best.set_index("_cfg")["_lr"])
    keep = work["_lr"] == chosen
    out = out[keep].copy()
    out["lr_selected"] = chosen[keep]
    return out


def summarize(
    df: pd.DataFrame,
    metric: str | Metric,
    by: str | Sequence[str] = ("dataset", "activation"),
) -> pd.DataFrame:
    """Mean and 95 % confidence interval of a metric per group (over seeds).

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`; non-ok runs take its worst value.
        by: the grouping column(s).

    Returns:
        One row per group: the ``by`` columns, ``mean``, ``ci95`` (half-width,
        t(0.975, n − 1) · s / √n; NaN for n < 2 or a non-finite value), ``std``, ``n``
        (scored runs) and ``n_nonok`` (diverged + failed runs in the group).
    """
    by = [by] if isinstance(by, str) else list(by)
    m = get_metric(metric)
    work = df[by].copy()
    work["_score"] = scores(df, m)
    work["_nonok"] = ~_ok(df)
    rows = []
    for key, g in work.groupby(by, dropna=False, sort=True):
        x = g["_score"].dropna().to_numpy(dtype=float)
        n = len(x)
        mean = float(np.mean(x)) if n else np.nan
        finite = n >= 2 and bool(np.all(np.isfinite(x)))
        std = float(np.std(x, ddof=1)) if finite else np.nan
        ci = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if finite else np.nan
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, mean, ci, std, n, int(g["_nonok"].sum())))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci95", "std", "n", "n_nonok"])


def ranks(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> pd.DataFrame:
    """Average rank of each treatment over blocks (rank 1 = best, ties averaged).

    Args:
        df: the results frame; one row per (block, treatment), e.g. after :func:`select_lr`.
        metric: metric name or :class:`Metric`; its direction decides which end is best.
        treatment: the column whose values are ranked.
        blocks: the columns identifying one block; only complete blocks are used.

    Returns:
        Indexed by treatment, best first: ``avg_rank``, ``mean`` (score over the blocks
        used) and ``n_blocks``.
    """
    m = get_metric(metric)
    table = _table(df, m, treatment, blocks)
    r = _rank_table(table, m)
    out = pd.DataFrame(
        {"avg_rank": r.mean(axis=0), "mean": table.mean(axis=0), "n_blocks": len(table)}
    )
    out.index.name = treatment
    order = -out["mean"] if m.higher_is_better else out["mean"]
    return out.assign(_o=order).sort_values(["avg_rank", "_o"], kind="stable").drop(columns="_o")


def ranks_per(
    df: pd.DataFrame,
    metric: str | Metric,
    by: str = "dataset",
    treatment: str = "activation",
    blocks: Sequence[str] = ("seed",),
) -> pd.DataFrame:
    """:func:`ranks` within each value of ``by`` (e.g. per data set, blocks = seeds).

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        by: the column splitting the frame.
        treatment: the column whose values are ranked.
        blocks: the block columns inside one group.

    Returns:
        Long frame: ``by``, ``treatment``, ``avg_rank``, ``mean``, ``n_blocks``; best first
        inside each group.
    """
    parts = []
    for value, g in df.groupby(by, sort=True):
        r = ranks(g, metric, treatment, blocks).reset_index()
        r.insert(0, by, value)
        parts.append(r)
    cols = [by, treatment, "avg_rank", "mean", "n_blocks"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=cols)


def friedman(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> FriedmanResult:
    """Friedman's test that all treatments rank alike (``scipy.stats.friedmanchisquare``).

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns; only complete blocks are used.

    Returns:
        :class:`FriedmanResult`; statistic and p-value are NaN, with a ``reason``, for fewer
        than 3 treatments, fewer than 2 blocks, or treatments tied in every block.
    """
    table = _table(df, get_metric(metric), treatment, blocks)
    n, k = table.shape
    reason = ""
    if k < 3:
        reason = f"Friedman needs at least 3 treatments, got {k}"
    elif n < 2:
        reason = f"Friedman needs at least 2 complete blocks, got {n}"
    elif bool((table.nunique(axis=1) == 1).all()):
        reason = "every block ties all treatments"
    if reason:
        return FriedmanResult(np.nan, np.nan, n, k, reason)
    res = stats.friedmanchisquare(*(table[c].to_numpy() for c in table.columns))
    return FriedmanResult(float(res.statistic), float(res.pvalue), n, k)


def holm(pvalues: Iterable[float]) -> np.ndarray:
    """Holm–Bonferroni adjustment (``statsmodels`` ``multipletests(method="holm")``).

    Args:
        pvalues: raw p-values; NaNs are left out of the family and stay NaN.

    Returns:
        The adjusted p-values, same order.
    """
    p = np.asarray(list(pvalues), dtype=float)
    out = np.full(p.shape, np.nan)
    good = ~np.isnan(p)
    if good.any():
        out[good] = multipletests(p[good], method="holm")[1]
    return out


def pairwise_wilcoxon(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> pd.DataFrame:
    """Two-sided Wilcoxon signed-rank test for every pair, Holm-corrected over all pairs.

    Zero differences are dropped (``zero_method="wilcox"``); a pair that differs in no
    block gets p = 1.

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns; only complete blocks are used.

    Returns:
        Square DataFrame (treatments in :func:`ranks` order, best first) of adjusted
        p-values, symmetric, diagonal 1.
    """
    m = get_metric(metric)
    table = _table(df, m, treatment, blocks)
    names = list(ranks(df, m, treatment, blocks).index)
    pairs = list(combinations(names, 2))
    raw = [_wilcoxon(_advantage(table[a], table[b], m), "two-sided") for a, b in pairs]
    adj = holm(raw)
    out = pd.DataFrame(1.0, index=pd.Index(names, name=treatment), columns=names)
    for (a, b), p in zip(pairs, adj, strict=True):
        out.loc[a, b] = out.loc[b, a] = p
    return out


def claimed_order(
    df: pd.DataFrame,
    metric: str | Metric = "test_acc",
    order: Sequence[str] = CLAIMED_ORDER,
    blocks: Sequence[str] = ("dataset", "seed"),
    alpha: float = 0.05,
    treatment: str = "activation",
) -> ClaimedOrder:
    """Put a claimed order (best first) on trial: overall by Kendall's τ, then pair by pair.

    Only the claimed treatments present in the frame take part, over the blocks where all
    of them have a score. For each adjacent pair (A claimed better than B) the advantage
    of A over B per block (A − B, or B − A for a lower-is-better metric) goes into two
    one-sided Wilcoxon signed-rank tests: "A better" and "B better". Each family is
    Holm-corrected over the pairs. Verdict: SUPPORTED when "A better" is significant,
    CONTRADICTED when "B better" is, else INCONCLUSIVE.

    Args:
        df: the results frame (one row per block and treatment, e.g. after select_lr).
        metric: metric name or :class:`Metric`.
        order: the claimed order, best first.
        blocks: the block columns.
        alpha: significance level for the adjusted p-values.
        treatment: the column holding the ``order`` names.

    Returns:
        :class:`ClaimedOrder`; its ``pairs`` frame has ``better``, ``worse``, ``n_blocks``,
        ``median_diff`` (median advantage of ``better``, metric units, > 0 means it did
        better), ``wins``/``ties``/``losses`` (of ``better``), ``p_better``/``p_worse``
        (raw one-sided), ``p_better_holm``/``p_worse_holm`` and ``verdict``.
    """
    m = get_metric(metric)
    present = set(df[treatment].unique()) if treatment in df.columns else set()
    names = tuple(t for t in order if t in present)
    cols = ["better", "worse", "n_blocks", "median_diff", "wins", "ties", "losses",
            "p_better", "p_worse", "p_better_holm", "p_worse_holm", "verdict"]  # fmt: skip
    sub = df[df[treatment].isin(names)] if names else df.iloc[:0]
    table = _table(sub, m, treatment, blocks) if names else pd.DataFrame()
    n = len(table)
    observed = ranks(sub, m, treatment, blocks) if names else pd.DataFrame()
    tau = p_tau = np.nan
    if len(names) >= 2 and n > 0:
        res = stats.kendalltau(np.arange(len(names)), observed.loc[list(names), "avg_rank"])
        tau, p_tau = float(res.statistic), float(res.pvalue)
    rows = []
    for a, b in pairwise(names):
        d = _advantage(table[a], table[b], m)
        rows.append([a, b, n, float(np.median(d)) if n else np.nan,
                     int((d > 0).sum()), int((d == 0).sum()), int((d < 0).sum()),
                     _wilcoxon(d, "greater"), _wilcoxon(d, "less")])  # fmt: skip
    pairs = pd.DataFrame(rows, columns=cols[:9])
    pairs["p_better_holm"] = holm(pairs["p_better"])
    pairs["p_worse_holm"] = holm(pairs["p_worse"])
    pairs["verdict"] = [
        "SUPPORTED" if pb < alpha else "CONTRADICTED" if pw < alpha else "INCONCLUSIVE"
        for pb, pw in zip(pairs["p_better_holm"], pairs["p_worse_holm"], strict=True)
    ]
    return ClaimedOrder(names, tau, p_tau, n, alpha, observed, pairs[cols])


def critical_difference(
    df: pd.DataFrame,
    metric: str | Metric,
    treatment: str = "activation",
    blocks: Sequence[str] = ("dataset", "seed"),
) -> CriticalDifference:
    """What a critical-difference diagram needs (Demšar 2006; Benavoli et al. 2016 tests).

    Draws nothing: pass ``.ranks`` and ``.pvalues`` to
    ``scikit_posthocs.critical_difference_diagram``.

    Args:
        df: the results frame.
        metric: metric name or :class:`Metric`.
        treatment: the column compared.
        blocks: the block columns.

    Returns:
        :class:`CriticalDifference` with average ranks and the Holm-adjusted pairwise
        Wilcoxon p-values (:func:`pairwise_wilcoxon`), same treatment labels.
    """
    r = ranks(df, metric, treatment, blocks)
    p = pairwise_wilcoxon(df, metric, treatment, blocks)
    avg = r["avg_rank"].rename("avg_rank")
    return CriticalDifference(avg, p, int(r["n_blocks"].iloc[0]) if len(r) else 0)


def average_over(
    df: pd.DataFrame, metric: str | Metric, keep: Sequence[str] = ("dataset", "activation")
) -> pd.DataFrame:
    """Mean score per ``keep`` group (e.g. over seeds), as a frame the tests here accept.

    Non-ok runs enter with the metric's worst value, as everywhere. The result has the
    ``keep`` columns, the metric's column and ``status`` = ``ok``, so that data-set-level
    statistics (Demšar 2006: one block per data set) reuse :func:`friedman` and friends.
    """
    m = get_metric(metric)
    work = df[list(keep)].copy()
    work[m.column] = scores(df, m)
    out = work.groupby(list(keep), dropna=False, sort=False)[m.column].mean().reset_index()
    out["status"] = "ok"
    return out


def probe_epochs(df: pd.DataFrame, metric: str = "dead") -> pd.DataFrame:
    """A probe metric over training, all hidden units pooled (unit-weighted).

    Args:
        df: the results frame with a ``probes`` column (``Store.frame(series=True)``).
        metric: a per-layer probe series (``dead``, ``negative``, ``saturated`` …).

    Returns:
        Long frame ``key, dataset, activation, init, seed, epoch, value``; epoch 0 is the
        measurement at initialization; epochs the probe schedule skipped have no row.
    """
    rows = []
    for _, r in df.iterrows():
        for epoch, health in enumerate(r.get("probes") or []):
            if not health:  # train.probe_every skipped this epoch
                continue
            rows.append({**{c: r.get(c) for c in _ID_COLUMNS}, "epoch": epoch,
                         "value": pooled(health, metric)})  # fmt: skip
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "epoch", "value"])


def layer_profile(df: pd.DataFrame, metric: str = "std") -> pd.DataFrame:
    """A probe metric layer by layer, at initialization and after the last epoch.

    Returns:
        Long frame ``key, dataset, activation, init, seed, when, layer, value`` with
        ``when`` in (``init``, ``final``) and ``layer`` counted from 1 at the input side.
    """
    rows = []
    for _, r in df.iterrows():
        probes = r.get("probes") or []
        for when, health in (("init", probes[:1]), ("final", probes[1:][-1:])):
            for h in health:
                for layer, value in enumerate(h.get(metric) or [], start=1):
                    rows.append({**{c: r.get(c) for c in _ID_COLUMNS}, "when": when,
                                 "layer": layer, "value": _num(value)})  # fmt: skip
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "when", "layer", "value"])


def curve_epochs(df: pd.DataFrame, curve: str = "val_acc") -> pd.DataFrame:
    """A per-epoch training curve in long form: ``key, dataset, activation, init, seed,
    epoch, value`` (epochs from 1; a diverged run stops where it diverged)."""
    rows = []
    for _, r in df.iterrows():
        for epoch, value in enumerate((r.get("curves") or {}).get(curve) or [], start=1):
            rows.append({**{c: r.get(c) for c in _ID_COLUMNS}, "epoch": epoch,
                         "value": _num(value)})  # fmt: skip
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "epoch", "value"])


# --------------------------------------------------------------------------- helpers


_ID_COLUMNS = ("key", "dataset", "activation", "init", "seed")


def _num(value: object) -> float:
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


def _ok(df: pd.DataFrame) -> pd.Series:
    if "status" not in df.columns:
        return pd.Series(True, index=df.index)
    return df["status"].eq("ok")


def _column(df: pd.DataFrame, name: str) -> list:
    return list(df[name]) if name in df.columns else [None] * len(df)


def _val_curve(curves: object) -> list[float]:
    """One row's val_acc curve (no curves → empty; a non-finite value → 0)."""
    if not isinstance(curves, dict):
        return []
    values = [np.nan if v is None else float(v) for v in curves.get("val_acc") or []]
    return [v if math.isfinite(v) else 0.0 for v in values]


def _budget(epochs: object, curve: list[float]) -> int:
    """The run's epoch budget: ``train.epochs``, else the length of its curve."""
    try:
        n = int(epochs)  # type: ignore[call-overload]
    except (TypeError, ValueError):
        return len(curve)
    return n if n > 0 else len(curve)


def _table(df: pd.DataFrame, m: Metric, treatment: str, blocks: Sequence[str]) -> pd.DataFrame:
    """Blocks × treatments table of scores, complete blocks only."""
    blocks = [blocks] if isinstance(blocks, str) else list(blocks)
    missing = [c for c in (treatment, *blocks) if c not in df.columns]
    if missing:
        raise BenchError(f"column(s) {missing} not in the frame; have {list(df.columns)}")
    work = df[[*blocks, treatment]].copy()
    work["_score"] = scores(df, m)
    dup = work.duplicated([*blocks, treatment], keep=False)
    if dup.any():
        example = work.loc[dup, [*blocks, treatment]].iloc[0].to_dict()
        raise BenchError(
            f"several rows per block and {treatment}, e.g. {example}: add the varying column "
            "(init, train.lr …) to blocks, filter the frame, or run select_lr first"
        )
    table = work.pivot(index=blocks, columns=treatment, values="_score")
    table.columns.name = treatment
    return table.dropna(axis=0, how="any").astype(float)


def _rank_table(table: pd.DataFrame, m: Metric) -> pd.DataFrame:
    """Rank within each block: 1 = best in the metric's direction, ties averaged."""
    return table.rank(axis=1, ascending=not m.higher_is_better, method="average")


def _advantage(a: pd.Series, b: pd.Series, m: Metric) -> np.ndarray:
    """Per block, how much better ``a`` did than ``b`` (equal values, even ±inf, → 0)."""
    x, y = a.to_numpy(dtype=float), b.to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        d = x - y if m.higher_is_better else y - x
    return np.where(x == y, 0.0, d)


def _wilcoxon(d: np.ndarray, alternative: str) -> float:
    """Wilcoxon signed-rank p-value of the differences ``d``; no nonzero difference → 1."""
    d = np.asarray(d, dtype=float)
    if len(d) == 0:
        return np.nan
    if not np.any(d != 0):
        return 1.0
    return float(stats.wilcoxon(d, zero_method="wilcox", alternative=alternative).pvalue)
