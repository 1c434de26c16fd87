"""Tables with mixed numeric and string columns → float features, fitted on training rows only.

Shared by the KEEL collection (:mod:`bench.data.keel`) and users' ``csv:`` tables.

Public:
    MISSING                              the cell texts read as missing values
    read_table(data, header) -> DataFrame
                                         parse comma-separated bytes, every cell as text,
                                         then :func:`clean`
    clean(frame) -> DataFrame            strip cell texts, missing markers → NaN, a column
                                         whose every present value is a number → float64,
                                         any other column → categorical (object: str | NaN)
    categorical(frame) -> list           labels of the categorical columns of a cleaned frame
    encode(frame, train, val, test) -> Encoded
                                         float arrays for the three splits and feature names
    Encoded                              ``(train, val, test, names)``, a named tuple
    encode_labels(values) -> (codes, classes)
                                         class indices 0..k-1 and the class texts, in order

Column kinds. After :func:`clean`, a column is *numeric* when every present value parses as
a number, and *categorical* otherwise (one unparsable text makes the whole column
categorical). Integer codes are numbers: a nominal attribute written as 1, 2, 3 stays one
numeric column (the KEEL files declare such attributes ``integer``; nothing in a headerless
file says otherwise).

Encoding, fitted on the training rows only, column by column in the frame's order:

- numeric: passed through as float (standardizing is the caller's job, fitted on training
  rows as well);
- categorical: one-hot (scikit-learn's ``OneHotEncoder(handle_unknown="ignore")``), one
  column per category seen in the training rows, categories in sorted order; a category
  not seen in training (in validation or test) encodes as all zeros. Feature names:
  ``"<column>=<category>"``.

Missing values. Markers (:data:`MISSING`, compared after stripping surrounding spaces) and
NaN cells are missing. Every row is kept; no value outside the training rows is used:

- numeric: replaced by the column's training median, and, if the column has a missing value
  in the training rows, a 0/1 indicator column ``"<column>=<missing>"`` follows it (1 where
  the value was missing). A column with no training value at all is imputed with 0. A
  value missing only outside training gets the median and no indicator: the model never saw
  missingness there, so a column constant at 0 in training would carry nothing;
- categorical: "missing" is one more category, ``"<column>=<missing>"``, when it occurs in
  the training rows; otherwise it is unseen and encodes as all zeros.

Why impute and not drop rows: dropping would change which rows a data set has (and with it
the stratified split, and possibly a small class), and a row dropped from test is a row
never scored. The indicator keeps "was missing" as information a model may use (missingness
is often informative), and the training median is robust to skew and outliers. (The 43
KEEL files ship without missing values: KEEL removed incomplete rows when it built them.)

Non-finite numbers (``inf``) are rejected: :class:`ValueError` naming the column.
"""

from __future__ import annotations

import io
from typing import NamedTuple

import numpy as np
import pandas as pd

MISSING: tuple[str, ...] = ("", "?", "<null>", "NA", "N/A", "NaN", "nan", "null", "NULL")
"""Cell texts read as missing: empty, UCI/KEEL markers, and the common R/pandas spellings."""

_MISSING_NAME = "<missing>"


class Encoded(NamedTuple):
    """Encoded features: float64 arrays (rows × features) and one name per feature."""

    train: np.ndarray
    val: np.ndarray
    test: np.ndarray
    names: list[str]


def read_table(data: bytes, header: bool) -> pd.DataFrame:
    """Parse comma-separated bytes; every cell is read as text, then :func:`clean`.

    Blank lines are skipped; spaces around values are stripped.

    Args:
        data: the file's bytes.
        header: the first line names the columns (``csv:`` tables); ``False``: no header,
            columns are numbered 0..n-1 (KEEL files).

    Returns:
        The cleaned frame (see :func:`clean`).

    Raises:
        pandas.errors.ParserError, pandas.errors.EmptyDataError, UnicodeDecodeError: not
            a readable table.
    """
    frame = pd.read_csv(
        io.BytesIO(data),
        header=0 if header else None,
        dtype=str,
        keep_default_na=False,  # markers are ours (MISSING), matched after stripping
        na_filter=False,
        skip_blank_lines=True,
    )
    return clean(frame)


def clean(frame: pd.DataFrame) -> pd.DataFrame:
    """Strip cell texts, turn missing markers into NaN, and type each column.

    Args:
        frame: any frame; numeric and boolean columns are taken as numbers.

    Returns:
        A new frame with the same columns: numeric ones as float64 (missing: NaN),
        categorical ones as object holding ``str`` or NaN.
    """
    out = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values):
            out[column] = values.astype(np.float64)
            continue
        text = values.astype("string").str.strip()  # non-text cells as their str(); NaN: <NA>
        missing = (text.isna() | text.isin(MISSING)).to_numpy(dtype=bool)
        present = text[~missing]
        numbers = pd.to_numeric(present.astype(object), errors="coerce")
        if numbers.notna().all():
            x = np.full(len(text), np.nan)
            x[~missing] = numbers.to_numpy(dtype=np.float64)
            out[column] = pd.Series(x, index=frame.index)
        else:
            cells = text.to_numpy(dtype=object, na_value=np.nan)
            cells[missing] = np.nan
            out[column] = pd.Series(cells, index=frame.index, dtype=object)
    return pd.DataFrame(out, index=frame.index, columns=frame.columns)


def categorical(frame: pd.DataFrame) -> list:
    """Labels of the categorical (non-numeric) columns of a frame from :func:`clean`.

    Args:
        frame: a cleaned frame.

    Returns:
        Column labels, in the frame's order.
    """
    return [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]


def encode(frame: pd.DataFrame, train: np.ndarray, val: np.ndarray, test: np.ndarray) -> Encoded:
    """Encode a table's features for the three splits, fitted on the training rows only.

    Args:
        frame: the features (no label column), raw or cleaned (:func:`clean` is applied).
        train: row positions (``iloc``) of the training split; the encoding is fitted here.
        val: row positions of the validation split.
        test: row positions of the test split.

    Returns:
        :class:`Encoded`: float64 arrays and the feature names, columns in the frame's
        order (see the module docstring for each kind and for missing values).

    Raises:
        ValueError: a numeric column holds an infinite value.
    """
    from sklearn.preprocessing import OneHotEncoder  # ~0.8 s to import: only when encoding

    frame = clean(frame)
    train, val, test = (np.asarray(rows, dtype=np.int64) for rows in (train, val, test))
    blocks: list[np.ndarray] = []
    names: list[str] = []
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values):
            x = values.to_numpy(dtype=np.float64)
            if np.isinf(x).any():
                raise ValueError(f"column {column!r} holds an infinite value")
            missing = np.isnan(x)
            fitted = x[train][~missing[train]]
            median = float(np.median(fitted)) if len(fitted) else 0.0
            blocks.append(np.where(missing, median, x)[:, None])
            names.append(str(column))
            if missing[train].any():
                blocks.append(missing.astype(np.float64)[:, None])
                names.append(f"{column}={_MISSING_NAME}")
        else:
            x = values.to_numpy(dtype=object)[:, None]
            encoder = OneHotEncoder(handle_unknown="ignore", sparse_output=False, dtype=np.float64)
            encoder.fit(x[train])
            blocks.append(encoder.transform(x))
            names += [
                f"{column}={_MISSING_NAME if isinstance(c, float) else c}"  # NaN: missing
                for c in encoder.categories_[0]
            ]
    X = np.hstack(blocks) if blocks else np.zeros((len(frame), 0))
    return Encoded(X[train], X[val], X[test], names)


def encode_labels(values: pd.Series | np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Class indices for a label column: classes sorted as numbers when every label is a
    number (so ``"10"`` follows ``"9"``), else as text; surrounding spaces are stripped.

    Args:
        values: the labels.

    Returns:
        ``(codes, classes)``: int64 indices 0..k-1 and the class texts in index order.

    Raises:
        ValueError: a label is missing (:data:`MISSING` or NaN); the message gives the
            first row positions.
    """
    column = clean(pd.DataFrame({"label": pd.Series(values).reset_index(drop=True)}))["label"]
    absent = np.flatnonzero(column.isna().to_numpy())
    if len(absent):
        rows = ", ".join(map(str, absent[:10]))
        raise ValueError(f"{len(absent)} missing labels (row positions {rows})")
    if pd.api.types.is_numeric_dtype(column):
        classes, codes = np.unique(column.to_numpy(dtype=np.float64), return_inverse=True)
        texts = [f"{c:g}" for c in classes]
    else:
        classes, codes = np.unique(column.to_numpy(dtype=str), return_inverse=True)
        texts = [str(c) for c in classes]
    return codes.astype(np.int64), texts
