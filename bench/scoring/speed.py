"""Speed ratios from ``bench speed``'s timings: each activation's time over a reference's,
within each repeat, summarized over the repeats. Torch-free.

Public:
    REFERENCE                   the activation every time is divided by (``relu``, claim C16)
    RATIO_COLUMNS               the columns of :func:`ratios`
    ratios(records, reference=REFERENCE) -> pandas.DataFrame
    INTERVAL_COLUMNS            the columns of :func:`intervals`
    intervals(records, reference=REFERENCE, confidence=0.95) -> pandas.DataFrame
                                each activation's ratio over the widths with its t interval
                                over the repeats
    spread(table, pass_, leave_out, q) -> float
                                a quantile of the other activations' ratios: what a ratio
                                is judged against
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from bench.schema import PASSES
from bench.scoring.stats import t_interval

REFERENCE = "relu"
RATIO_COLUMNS = (
    "width",
    "pass",
    "activation",
    "ratio_median",
    "ratio_low",
    "ratio_high",
    "n_repeats",
    "seconds_median",
)


def ratios(
    records: Sequence[Mapping[str, Any]] | pd.DataFrame, reference: str = REFERENCE
) -> pd.DataFrame:
    """Each activation's time relative to the reference's, within each repeat.

    For every (width, pass, activation) and repeat, the activation's seconds are divided
    by the reference's seconds *of the same repeat* (and the same depth, batch, device and
    threads, when the records have them); over the repeats, the ratios are summarized by
    their median and their full range (min–max: with a handful of repeats the range is
    the honest spread; quartiles would be interpolated from 1–2 values).

    Args:
        records: ``measure``'s dicts, or a frame with those columns (``Store.timings``).
        reference: the activation every time is divided by.

    Returns:
        One row per (width, pass, activation), the reference included (ratio 1), sorted
        by width, pass (``PASSES`` order) and activation, with columns ``RATIO_COLUMNS``:
        ``ratio_median``, ``ratio_low`` (min), ``ratio_high`` (max), ``n_repeats`` (repeats
        with both timings) and ``seconds_median`` (the activation's median seconds per
        call over those repeats).

    Raises:
        ValueError: if there are records but none of the reference.
    """
    df = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if df.empty:
        return pd.DataFrame(columns=list(RATIO_COLUMNS))
    if reference not in set(df["activation"]):
        found = ", ".join(sorted(set(df["activation"])))
        raise ValueError(f"no timings of the reference {reference!r} (found: {found})")
    keys = ["width", "pass", "repeat"]
    keys += [c for c in ("depth", "batch", "device", "threads") if c in df.columns]
    ref = df[df["activation"] == reference].groupby(keys, as_index=False)["seconds"].median()
    df = df.merge(ref.rename(columns={"seconds": "ref_seconds"}), on=keys, how="inner")
    df["ratio"] = df["seconds"] / df["ref_seconds"]
    out = (
        df.groupby(["width", "pass", "activation"], as_index=False)
        .agg(
            ratio_median=("ratio", "median"),
            ratio_low=("ratio", "min"),
            ratio_high=("ratio", "max"),
            n_repeats=("ratio", "count"),
            seconds_median=("seconds", "median"),
        )
        .assign(_pass=lambda t: t["pass"].map({p: i for i, p in enumerate(PASSES)}))
        .sort_values(["width", "_pass", "activation"], kind="stable")
        .drop(columns="_pass")
        .reset_index(drop=True)
    )
    return out[list(RATIO_COLUMNS)]


INTERVAL_COLUMNS = ("pass", "activation", "ratio", "low", "high", "n_repeats")


def intervals(
    records: Sequence[Mapping[str, Any]] | pd.DataFrame,
    reference: str = REFERENCE,
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Each activation's time over the reference's with an interval over the repeats.

    Per repeat, the per-width ratios of :func:`ratios`' pairing (same repeat, same width)
    are combined by their geometric mean over the widths; the repeats are the replicates:
    the ratio is the geometric mean over them and the interval the t interval of the mean
    log ratio (:func:`bench.scoring.stats.t_interval`, scipy), exponentiated. A ratio is a
    multiplicative quantity, so logs make 0.8 and 1.25 equally far from 1.

    Returns:
        One row per (pass, activation), the reference's (1, 1, 1) included, columns
        :data:`INTERVAL_COLUMNS`; ``low`` and ``high`` NaN with fewer than two repeats.
    """
    df = records.copy() if isinstance(records, pd.DataFrame) else pd.DataFrame(list(records))
    if df.empty:
        return pd.DataFrame(columns=list(INTERVAL_COLUMNS))
    keys = ["width", "pass", "repeat"]
    keys += [c for c in ("depth", "batch", "device", "threads") if c in df.columns]
    ref = df[df["activation"] == reference].groupby(keys, as_index=False)["seconds"].median()
    df = df.merge(ref.rename(columns={"seconds": "ref_seconds"}), on=keys, how="inner")
    df["log_ratio"] = np.log(df["seconds"] / df["ref_seconds"])
    per_repeat = df.groupby(["pass", "activation", "repeat"])["log_ratio"].mean()
    rows = []
    for (pass_, act), logs in per_repeat.groupby(level=["pass", "activation"]):
        x = logs.to_numpy(dtype=float)
        low, high = t_interval(x, confidence) if np.ptp(x) > 0 else (x[0], x[0])
        rows.append((pass_, act, np.exp(x.mean()), np.exp(low), np.exp(high), len(x)))
    out = pd.DataFrame(rows, columns=list(INTERVAL_COLUMNS))
    order = out["pass"].map({p: i for i, p in enumerate(PASSES)})
    return (
        out.assign(_pass=order)
        .sort_values(["_pass", "activation"], kind="stable")
        .drop(columns="_pass")
        .reset_index(drop=True)
    )


def spread(
    table: pd.DataFrame, pass_: str, leave_out: Sequence[str] = (), q: float = 0.75
) -> float:
    """The ``q`` quantile (linear interpolation) of the ratios of the activations of
    :func:`intervals`' ``table`` on ``pass_``, those in ``leave_out`` left out (the one
    judged and the reference): the yardstick a claim such as "ELU is slow" is judged
    against, instead of a fixed band. NaN when none is left."""
    part = table[(table["pass"] == pass_) & ~table["activation"].isin(list(leave_out))]
    return float(np.quantile(part["ratio"], q)) if len(part) else float("nan")
