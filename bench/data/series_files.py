"""The file formats of the time-series sets (:mod:`bench.data.series`) and the rule that
brings a set's series to one length.

Public:
    parse(data, suffix) -> (list of 1-D arrays, labels)
                             the series and labels of one file's bytes: ``.ts`` (the
                             archives' format), ``.txt`` (the older UCR text format),
                             ``.npz`` (arrays, no pickle)
    to_length(series, length) -> ndarray
                             a series stretched (linear interpolation) or averaged
                             (piecewise aggregate approximation) to ``length`` points

Both run on bytes and arrays only: nothing here finds, checks or imports a package.
"""

from __future__ import annotations

import io

import numpy as np

from bench.errors import BenchError


def _floats(values: list[str], where: str) -> np.ndarray:
    try:
        out = np.array([float(v) for v in values], dtype=np.float64)
    except ValueError:
        raise BenchError(f"{where}: a value is not a number") from None
    if not np.isfinite(out).all():
        raise BenchError(f"{where}: a missing or infinite value")
    return out


def _parse_ts(text: str) -> tuple[list[np.ndarray], list[str]]:
    series, labels = [], []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line or line[0] in "#%@":  # comments and the header
            continue
        *dims, label = line.split(":")
        if len(dims) != 1:
            raise BenchError(f"line {number}: {len(dims)} dimensions; only univariate sets")
        series.append(_floats(dims[0].split(","), f"line {number}"))
        labels.append(label.strip())
    return series, labels


def _parse_txt(text: str) -> tuple[list[np.ndarray], list[str]]:
    series, labels = [], []
    for number, line in enumerate(text.splitlines(), 1):
        values = line.split()
        if values:
            row = _floats(values, f"line {number}")
            series.append(row[1:])
            labels.append(f"{row[0]:g}")
    return series, labels


def _parse_npz(data: bytes) -> tuple[list[np.ndarray], list[str]]:
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            parts = [(arrays[f"X_{p}"], arrays[f"y_{p}"]) for p in ("train", "test")]
    except (OSError, ValueError, KeyError) as exc:  # not an archive, pickled, or no such array
        raise BenchError(f"not an .npz of X_train, y_train, X_test, y_test: {exc}") from None
    series, labels = [], []
    for X, y in parts:
        if X.ndim == 3 and X.shape[2] != 1:
            raise BenchError(f"{X.shape[2]} dimensions; only univariate sets")
        for row, label in zip(X.reshape(len(X), -1), y, strict=True):
            series.append(_floats(row.tolist(), "X"))
            labels.append(str(label))
    return series, labels


def parse(data: bytes, suffix: str) -> tuple[list[np.ndarray], list[str]]:
    """The series and labels of one file.

    Args:
        data: the file's bytes.
        suffix: its format: ``.ts`` (the archives' format: ``@`` header lines, ``#`` and
            ``%`` comments, one series a line as ``v1,v2,…:label``), ``.txt`` (the older UCR
            format: whitespace-separated numbers, the label first) or ``.npz`` (arrays
            ``X_train``, ``y_train``, ``X_test``, ``y_test``; no pickle).

    Returns:
        One float64 array per series (lengths may differ) and its label as text.

    Raises:
        BenchError: an unknown format, a multivariate series, a value that is not a finite
            number (a missing one), or a file without series.
    """
    if suffix == ".ts":
        series, labels = _parse_ts(data.decode("utf-8-sig"))
    elif suffix == ".txt":
        series, labels = _parse_txt(data.decode("utf-8-sig"))
    elif suffix == ".npz":
        series, labels = _parse_npz(data)
    else:
        raise BenchError(f"unknown time-series format {suffix!r} (valid: .ts, .txt, .npz)")
    if not series:
        raise BenchError("no series in the file")
    return series, labels


def to_length(series: np.ndarray, length: int) -> np.ndarray:
    """The length rule: ``series`` brought to ``length`` points. A shorter one is stretched
    by linear interpolation, its first and last samples kept at the ends (uniform scaling);
    a longer one is averaged over ``length`` equal spans of its time axis, sample ``i``
    covering [i, i + 1) (piecewise aggregate approximation; a span's edges may cut a sample,
    which then counts by the share it covers).

    Args:
        series: one series (1-D).
        length: the length wanted.

    Returns:
        ``series`` itself if it has that length, else the new array.
    """
    n = len(series)
    if n == length:
        return series
    if n > length:  # the integral of the step function, read at the span edges
        total = np.concatenate([[0.0], np.cumsum(series, dtype=np.float64)])
        edges = np.linspace(0.0, n, length + 1)
        return np.diff(np.interp(edges, np.arange(n + 1, dtype=np.float64), total)) * (length / n)
    if n == 1:
        return np.full(length, float(series[0]))
    where = np.linspace(0.0, n - 1.0, length)
    return np.interp(where, np.arange(n, dtype=np.float64), series)
