"""Scores from stored results: each run's metric (diverged and failed runs scored as the
metric declares), convergence, the learning rate chosen on validation, means with confidence
intervals. pandas and scipy; no torch. Per-epoch and per-layer series (and the gradient
ratio) are :mod:`bench.scoring.epochs`'.

Everything here reads the frame of :meth:`bench.store.Store.frame` (``series=True`` where
curves or probes are needed): one row per cell, ``status`` in ok / diverged / failed.

Public:
    Metric, METRICS             the declared metrics (:mod:`bench.schema`)
    CONFIG_COLUMNS              columns naming a configuration besides seed, learning rate
                                and split seed (a replicate: it follows the seed)
    get_metric(name)            the :class:`Metric` for a name (or a Metric, returned as is)
    scores(df, metric)          the metric per row, non-ok runs scored as the metric says
    add_convergence(df, fraction=TARGET_SHARE, reference=None)
                                adds ``epochs_to_target`` and ``auc_val_acc``
    derive(df, metric)          the frame with a derived metric's column (from the curves)
    rate_scores(df, metric="val_acc", config=None)
                                per configuration and learning rate: the seed-mean
                                validation score, the seeds, the diverged seeds, and the
                                rate select_lr chooses (``best``): the one criterion
    select_lr(df, metric="val_acc")     each configuration's rows at its best validation lr
    summarize(df, metric, by)   mean, 95 % CI (t over seeds), n, non-ok count per group
    average_over(df, metric, keep)      mean score per group (seeds averaged), ok-status frame
    ok(df)                      the rows whose status is ``ok``

Diverged and failed runs take the metric's ``worst`` value (unless the metric keeps its
value for them), so they rank last. The convergence target is fixed by a declared reference
(see :func:`add_convergence`), so it does not move with the rest of the frame.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from bench import schema
from bench.errors import BenchError
from bench.records import FIELDS
from bench.scoring.base import TARGET_SHARE

# the declared schema (bench/schema.py): every scored column with its direction and worst value
Metric = schema.Metric
METRICS: dict[str, Metric] = schema.METRICS

# every cell field but the seed and the split seed (replicates: a suite's split seed is one
# value or follows the seed) and the learning rate (selected per config)
CONFIG_COLUMNS: tuple[str, ...] = tuple(
    f for f in FIELDS if f not in ("seed", "train.lr", "data.split_seed")
)
_MODEL_COLUMNS = ("dataset", "model.kind", "model.depth", "model.width")
# the fewest values a 95 % interval is given for: with two, t(0.975, 1) = 12.7 makes it
# wider than the scale (62.5 ± 123.5); below this a mean stands alone
MIN_CI_N = 3


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
    df: pd.DataFrame, fraction: float = TARGET_SHARE, reference: Mapping[str, Any] | None = None
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


def derive(df: pd.DataFrame, metric: str | Metric) -> pd.DataFrame:
    """``df`` with ``metric``'s column, derived from the curves where it is missing:
    ``auc_val_acc`` (:func:`add_convergence`, the frame's own target) or ``best_train_loss``
    (the lowest finite training loss over the epochs; NaN without one). Else ``df`` as is."""
    name = get_metric(metric).column
    if name in df.columns or name not in ("auc_val_acc", "best_train_loss"):
        return df
    if name == "auc_val_acc":
        return add_convergence(df, reference={})
    curves = [(c or {}).get("train_loss") if isinstance(c, dict) else None for c in df["curves"]]
    finite = [[float(v) for v in c or [] if v is not None and math.isfinite(v)] for c in curves]
    return df.assign(best_train_loss=[min(v) if v else np.nan for v in finite])


def rate_scores(
    df: pd.DataFrame, metric: str | Metric = "val_acc", config: str | None = None
) -> pd.DataFrame:
    """What :func:`select_lr` compares, per configuration and learning rate.

    The validation metric is averaged over seeds (non-ok seeds count as the metric's worst
    value, missing values are skipped); the best mean is chosen, a NaN mean (nothing
    measured) loses to any number, and a tie goes to the smaller learning rate. The bracket
    of :mod:`bench.scoring.tuning` reads the same table, so the rate a bracket calls interior
    is the rate a report scores. The test split is never looked at: a ``test_*`` metric is
    refused.

    Args:
        df: the results frame (with ``train.lr``).
        metric: a validation (or training-curve) metric; default ``val_acc``.
        config: a column naming each row's configuration (default: the
            :data:`CONFIG_COLUMNS` present, grouped).

    Returns:
        One row per configuration and rate: ``config`` (the column's value, or a group
        number), ``train.lr``, ``score`` (the seed mean), ``seeds`` (rows), ``diverged``
        (rows whose status is ``diverged``) and ``best`` (the rate chosen), configurations
        in order of first appearance, rates ascending.
    """
    m = _validation(metric)
    if config is not None:
        cfg = df[config]
    else:
        keys = [c for c in CONFIG_COLUMNS if c in df.columns]
        cfg = df.groupby(keys, dropna=False, sort=False).ngroup() if keys else 0
    status = df["status"] if "status" in df.columns else pd.Series("ok", index=df.index)
    work = pd.DataFrame(
        {
            "config": cfg,
            "train.lr": df["train.lr"].astype(float),
            "score": scores(df, m),
            "diverged": status.eq("diverged"),
        },
        index=df.index,
    )
    g = work.groupby(["config", "train.lr"], dropna=False, sort=False)
    means = g["score"].mean().to_frame()
    means["seeds"] = g.size()
    means["diverged"] = g["diverged"].sum().astype(int)
    means = means.reset_index()
    # best mean first; a NaN mean (nothing measured) loses to any number; ties → smaller lr
    order = (-means["score"] if m.higher_is_better else means["score"]).fillna(np.inf)
    ranked = means.assign(_order=order).sort_values(["config", "_order", "train.lr"])
    means["best"] = means.index.isin(ranked.groupby("config", sort=False).head(1).index)
    first = {c: i for i, c in enumerate(pd.unique(work["config"]))}
    means["_first"] = means["config"].map(first)
    means = means.sort_values(["_first", "train.lr"], kind="stable").drop(columns="_first")
    return means.reset_index(drop=True)


def select_lr(df: pd.DataFrame, metric: str | Metric = "val_acc") -> pd.DataFrame:
    """Each configuration's rows at the learning rate that is best on validation.

    For every configuration (:data:`CONFIG_COLUMNS` present in the frame), the validation
    metric is averaged over seeds per learning rate (non-ok seeds count as the metric's
    worst value, missing values are skipped), the best mean wins and a tie goes to the
    smaller learning rate (:func:`rate_scores`). The test split is never looked at: a
    ``test_*`` metric is refused.

    Args:
        df: the results frame.
        metric: a validation (or training-curve) metric; default ``val_acc``.

    Returns:
        The rows of the selected learning rate, every seed, in the original order, with
        ``lr_selected`` (equal to their ``train.lr``). Without a ``train.lr`` column the
        frame is returned whole with ``lr_selected`` NaN.
    """
    m = _validation(metric)
    out = df.copy()
    if "train.lr" not in out.columns:
        out["lr_selected"] = np.nan
        return out
    keys = [c for c in CONFIG_COLUMNS if c in out.columns]
    config = out.groupby(keys, dropna=False, sort=False).ngroup() if keys else 0
    out["_cfg"] = config
    table = rate_scores(out, m, "_cfg")
    best = table[table["best"]].set_index("config")["train.lr"]
    chosen = out["_cfg"].map(best)
    keep = out["train.lr"].astype(float) == chosen
    out = out[keep].drop(columns="_cfg")
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
        t(0.975, n − 1) · s / √n; NaN for n < :data:`MIN_CI_N`, too few for an interval,
        or a non-finite value), ``std`` (NaN for n < 2), ``n``
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
        wide = finite and n >= MIN_CI_N
        ci = float(stats.t.ppf(0.975, n - 1) * std / math.sqrt(n)) if wide else np.nan
        key = key if isinstance(key, tuple) else (key,)
        rows.append((*key, mean, ci, std, n, int(g["_nonok"].sum())))
    return pd.DataFrame(rows, columns=[*by, "mean", "ci95", "std", "n", "n_nonok"])


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


def ok(df: pd.DataFrame) -> pd.Series:
    """Boolean Series: the rows whose status is ``ok`` (every row without a status column)."""
    return _ok(df)


# --------------------------------------------------------------------------- helpers


def _validation(metric: str | Metric) -> Metric:
    """The metric a learning rate is chosen by; a test metric is refused."""
    m = get_metric(metric)
    if m.column.startswith("test") or m.name.startswith("test"):
        raise BenchError(
            f"select_lr must select on validation, not on the test split (got {m.name!r})"
        )
    return m


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
