"""Speed ratios from ``bench speed``'s timings: each activation's time over a reference's,
within each repeat, summarized over the repeats. Torch-free.

Public:
    REFERENCE                   the activation every time is divided by (``relu``, claim C16)
    RATIO_COLUMNS               the columns of :func:`ratios`
    ratios(records, reference=REFERENCE) -> pandas.DataFrame
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from bench.schema import PASSES

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
