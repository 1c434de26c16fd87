"""Users' own tables: ``csv:<path>`` data sets (numeric feature columns, one label column).

Public:
    CSV_PREFIX                          ``csv:``
    read_csv(path, label_column=None, data=None) -> (X, y)
    csv_bytes(name) -> (bytes, sha256)  a user table's contents and their digest
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from bench.errors import BenchError
from bench.records import CSV_PREFIX

__all__ = ["CSV_PREFIX", "csv_bytes", "read_csv"]


def read_csv(
    path: str, label_column: str | None, data: bytes | None = None
) -> tuple[np.ndarray, np.ndarray]:
    import io

    import pandas as pd

    p = Path(path)
    if data is None:
        if not p.is_file():
            raise BenchError(f"dataset {CSV_PREFIX}{path}: no such file")
        data = p.read_bytes()
    try:
        frame = pd.read_csv(io.BytesIO(data))
    except (pd.errors.EmptyDataError, pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise BenchError(f"dataset {CSV_PREFIX}{path}: not a readable CSV table: {exc}") from None
    if frame.shape[1] < 2:
        raise BenchError(f"dataset {CSV_PREFIX}{path}: needs feature columns and a label column")
    if len(frame) == 0:
        raise BenchError(f"dataset {CSV_PREFIX}{path}: has a header but no rows")
    label = label_column if label_column is not None else frame.columns[-1]
    if label not in frame.columns:
        raise BenchError(
            f"dataset {CSV_PREFIX}{path}: label column {label!r} not found; "
            f"columns: {', '.join(map(str, frame.columns))}"
        )
    features = frame.drop(columns=[label])
    bad = [c for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if bad:
        raise BenchError(
            f"dataset {CSV_PREFIX}{path}: feature columns must be numeric; not: {', '.join(bad)}"
        )
    missing = frame.index[frame.isna().any(axis=1)].tolist()
    if missing:
        rows = ", ".join(str(i + 2) for i in missing[:10])  # +2: header line, 1-based
        raise BenchError(f"dataset {CSV_PREFIX}{path}: empty or NaN values on lines {rows}")
    classes, y = np.unique(frame[label].to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise BenchError(
            f"dataset {CSV_PREFIX}{path}: label column {label!r} holds one class "
            f"({classes[0]!r}); a classifier needs at least two"
        )
    return features.to_numpy(dtype=np.float64), y


def csv_bytes(name: str) -> tuple[bytes, str]:
    """The bytes of a ``csv:<path>`` table and their SHA-256 (what a cell's key hashes).

    Raises:
        BenchError: no such file.
    """
    path = Path(name[len(CSV_PREFIX) :])
    try:
        data = path.read_bytes()
    except OSError:
        raise BenchError(f"dataset {name}: no such file") from None
    return data, hashlib.sha256(data).hexdigest()
