"""Users' own tables: ``csv:<path>`` data sets, one header line, one label column, any mix of
numeric and text feature columns (text columns are one-hot encoded and missing values
imputed, fitted on the training split: :mod:`bench.data.tabular`).

Public:
    CSV_PREFIX                          ``csv:``
    read_csv(path, label_column=None, data=None) -> (features DataFrame, labels)
    csv_bytes(name) -> (bytes, sha256)  a user table's contents and their digest

The label is the column ``data.label_column`` names, else the last one; every message about
it says which of the two it was and how to choose another.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from bench.data import tabular
from bench.errors import BenchError
from bench.records import CSV_PREFIX

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["CSV_PREFIX", "csv_bytes", "read_csv"]


def read_csv(
    path: str, label_column: str | None = None, data: bytes | None = None
) -> tuple[pd.DataFrame, np.ndarray]:
    """A user's table: its feature columns (raw, encoded per split later) and its labels.

    Args:
        path: the file (as the suite resolved it).
        label_column: the label's column name; ``None``: the last column.
        data: the file's bytes, if already read (what the cell's key hashed).

    Returns:
        ``(features, labels)``: the other columns as :func:`bench.data.tabular.clean` types
        them, and int64 class indices.

    Raises:
        BenchError: no such file, not a readable table, no rows, a label column that is
            missing, holds a missing value, a single class, or a class of one row (a
            regression target: the message says the bench compares classifiers).
    """
    import pandas as pd

    where = f"{CSV_PREFIX}{path}"
    if data is None:
        try:
            data = Path(path).read_bytes()
        except OSError:
            raise BenchError(f"{where}: no such file (looked at {Path(path).resolve()})") from None
    try:
        frame = tabular.read_table(data, header=True)
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise BenchError(f"{where}: not a readable CSV table: {exc}") from None
    if frame.shape[1] < 2:
        raise BenchError(f"{where}: needs feature columns and a label column")
    if len(frame) == 0:
        raise BenchError(f"{where}: has a header but no rows")
    label = label_column if label_column is not None else frame.columns[-1]
    how = (
        "set by data.label_column"
        if label_column is not None
        else "the last column; data.label_column chooses another"
    )
    if label not in frame.columns:
        raise BenchError(
            f"{where}: label column {label!r} ({how}) not found; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    try:
        y, classes = tabular.encode_labels(frame[label])
    except ValueError as exc:
        raise BenchError(f"{where}: label column {label!r} ({how}): {exc}") from None
    if len(classes) < 2:
        raise BenchError(
            f"{where}: label column {label!r} ({how}) holds one class ({classes[0]!r}); "
            "a classifier needs at least two"
        )
    counts = np.bincount(y)
    if counts.min() < 2:  # no stratified split can place a class of one row
        raise BenchError(
            f"{where}: label column {label!r} ({how}) has {len(classes)} distinct values in "
            f"{len(y)} rows, {int((counts < 2).sum())} of them in one row only: the bench "
            "compares classifiers, so the label must name classes of several rows each "
            "(a continuous target is regression)"
        )
    return frame.drop(columns=[label]), y


def csv_bytes(name: str) -> tuple[bytes, str]:
    """The bytes of a ``csv:<path>`` table and their SHA-256 (what a cell's key hashes).

    Raises:
        BenchError: no such file.
    """
    path = Path(name[len(CSV_PREFIX) :])
    try:
        data = path.read_bytes()
    except OSError:
        raise BenchError(f"{name}: no such file (looked at {path.resolve()})") from None
    return data, hashlib.sha256(data).hexdigest()
