"""Standard image data sets: MNIST, Fashion-MNIST and CIFAR-10, read from a local cache.

Public:
    NAMES                       the data sets this module serves: mnist, fashion_mnist, cifar10
    SOURCES                     name → :class:`Source` (files, URLs, checksums, shape, shares)
    DATA_DIR_ENV, OFFLINE_ENV   ``BENCH_DATA_DIR`` (the cache folder), ``BENCH_OFFLINE``
                                (set to 1: never download)
    cache_dir() -> Path         ``$BENCH_DATA_DIR``, else ``$XDG_CACHE_HOME/activation-bench``,
                                else ``~/.cache/activation-bench``
    folder(name) -> Path        where a set's files go: ``cache_dir() / name``
    missing(name) -> list[str]  the files that are not in ``folder(name)``
    ensure(name) -> Path        the folder with every file present: missing ones downloaded
                                and checksummed, else :class:`MissingFilesError` (exit 2)
                                naming the files, the folder and the URLs
    arrays(name) -> (X_train, y_train, X_test, y_test)
                                the official split, uint8 rows of C·H·W pixels, int64 labels
    make(name) -> (X, y)        train then test pooled, pixels in [0, 1] (the registry's make)
    splits(name, split_seed=0, standardize=True, train_size=1.0, max_train=None)
                                -> bench.data.Splits
    python -m bench.data.images [NAME ...]
                                download what is missing (or say what is), print the folders

Files, one folder per set under the cache folder:

- ``mnist/``, ``fashion_mnist/``: the four IDX files ``train-images-idx3-ubyte.gz``,
  ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``,
  ``t10k-labels-idx1-ubyte.gz``, gzipped or not (the name without ``.gz``).
- ``cifar10/``: ``cifar-10-python.tar.gz`` as published (read without unpacking), or its
  ``cifar-10-batches-py/`` folder (``data_batch_1`` … ``data_batch_5``, ``test_batch``).

Downloads go to a temporary file that replaces nothing until its checksum equals the
published one (SHA-256 for MNIST; MD5, the only one published, for Fashion-MNIST and
CIFAR-10). Files placed by hand are used as they are. The files are read by
:mod:`bench.data.image_files`.

The official test split is the test set. Validation is a stratified share of the official
training part (1/6 for the MNISTs: 10,000 of 60,000; 1/10 for CIFAR-10: 5,000 of 50,000),
drawn within each class by ``numpy.random.default_rng(split_seed)``; ``train_size`` keeps a
share of the rest, drawn the same way. Images stay uint8 until :func:`splits` turns them
into float32, chunk by chunk, through a 256-entry table per channel: pixels / 255, then
(standardize) minus the training part's mean and over its std, one pair per channel.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bench.data.base import Splits
from bench.data.image_files import (
    CIFAR_ARCHIVE,
    CIFAR_BATCHES,
    CIFAR_DIR,
    IDX_FILES,
    N_CLASSES,
    cifar_unpacked,
    idx_path,
    one_line,
    read,
)
from bench.errors import BenchError

DATA_DIR_ENV = "BENCH_DATA_DIR"
OFFLINE_ENV = "BENCH_OFFLINE"
TIMEOUT_S = 30.0  # per connection attempt and per read: an offline machine fails fast
_CHUNK = 4096  # rows converted to float32 at a time


@dataclass(frozen=True)
class Source:
    """Where one data set comes from and how it is split.

    Attributes:
        title: the set's name in messages and descriptions.
        files: (file name, hash algorithm, published digest) per file to download.
        urls: base URLs, tried in order (a file's URL is base + file name).
        image_shape: (channels, height, width).
        val_share: the stratified share of the official training part kept for validation.
        sizes: (official training images, official test images).
    """

    title: str
    files: tuple[tuple[str, str, str], ...]
    urls: tuple[str, ...]
    image_shape: tuple[int, int, int]
    val_share: float
    sizes: tuple[int, int]

    def describe(self) -> str:
        """One line for ``bench list datasets``."""
        n_train, n_test = self.sizes
        c, h, w = self.image_shape
        n_val = round(n_train * self.val_share)
        return (
            f"{self.title}, {n_train + n_test} × {c * h * w}, {N_CLASSES} classes; official "
            f"test split, {n_val} of {n_train} train for validation; cached (${DATA_DIR_ENV})"
        )


SOURCES: dict[str, Source] = {
    "mnist": Source(
        "MNIST (LeCun et al. 1998)",
        tuple(
            zip(
                IDX_FILES,
                ["sha256"] * 4,
                [
                    "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
                    "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
                    "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
                    "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
                ],
            )
        ),
        (
            "https://ossci-datasets.s3.amazonaws.com/mnist/",  # PyTorch's mirror
            "https://storage.googleapis.com/cvdf-datasets/mnist/",  # TensorFlow's mirror
            "http://yann.lecun.com/exdb/mnist/",  # the original, often refuses scripts
        ),
        (1, 28, 28),
        1 / 6,
        (60_000, 10_000),
    ),
    "fashion_mnist": Source(
        "Fashion-MNIST (Xiao et al. 2017)",
        tuple(
            zip(
                IDX_FILES,
                ["md5"] * 4,
                [  # the MD5s of the project's README
                    "8d4fb7e6c68d591d4c3dfef9ec88bf0d",
                    "25c81989df183df01b3e8a0aad5dffbe",
                    "bef4ecab320f06d8554ea6380940ec79",
                    "bb300cfdad3c16e7a12a480ee83cd310",
                ],
            )
        ),
        (
            "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
            "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion/",
        ),
        (1, 28, 28),
        1 / 6,
        (60_000, 10_000),
    ),
    "cifar10": Source(
        "CIFAR-10 (Krizhevsky 2009)",
        ((CIFAR_ARCHIVE, "md5", "c58f30108f718f92721af3b95e74349a"),),  # as on the page
        ("https://www.cs.toronto.edu/~kriz/",),
        (3, 32, 32),
        0.1,
        (50_000, 10_000),
    ),
}
NAMES = tuple(SOURCES)


class MissingFilesError(BenchError, ValueError):
    """A data set's files are neither in the cache nor downloadable. A ``ValueError`` too, so
    the suite validator reports it under the file and field that named the set."""


def cache_dir() -> Path:
    """The cache folder: ``$BENCH_DATA_DIR``, else ``$XDG_CACHE_HOME/activation-bench``, else
    ``~/.cache/activation-bench``."""
    if os.environ.get(DATA_DIR_ENV):
        return Path(os.environ[DATA_DIR_ENV]).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "activation-bench"


def folder(name: str) -> Path:
    """The folder a data set's files go in."""
    return cache_dir() / name


def missing(name: str) -> list[str]:
    """The files of ``name`` not in its folder (by their download names)."""
    d = folder(name)
    if name == "cifar10":
        return [] if (d / CIFAR_ARCHIVE).is_file() or cifar_unpacked(d) else [CIFAR_ARCHIVE]
    return [f for f, _, _ in SOURCES[name].files if idx_path(d, f) is None]


def _fetch(url: str, dest: Path, algorithm: str, digest: str) -> None:
    """Download ``url`` into ``dest`` through a temporary file, kept only if its checksum is
    the published one.

    Raises:
        OSError: the download failed or the checksum differs.
    """
    import urllib.request

    tmp = dest.with_name(f".{dest.name}.{os.getpid()}.part")
    h = hashlib.new(algorithm, usedforsecurity=False)
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response, tmp.open("wb") as out:
            print(f"downloading {url} → {dest}", file=sys.stderr)  # once it answers
            while chunk := response.read(1 << 20):
                h.update(chunk)
                out.write(chunk)
        if h.hexdigest() != digest:
            raise OSError(f"{url}: {algorithm} {h.hexdigest()}, not the published {digest}")
        os.replace(tmp, dest)  # atomic: concurrent workers never see half a file
    except http.client.HTTPException as exc:
        raise OSError(f"{url}: {type(exc).__name__}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)


def _download(name: str, files: list[str]) -> str | None:
    """Download ``files`` of ``name``; ``None`` when all arrived, else why not."""
    if os.environ.get(OFFLINE_ENV, "") not in ("", "0"):
        return f"not downloaded: {OFFLINE_ENV} is set"
    src, d = SOURCES[name], folder(name)
    digests = {f: (algorithm, digest) for f, algorithm, digest in src.files}
    try:
        d.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"cannot create the folder: {one_line(exc)}"
    for file in files:
        errors = []
        for base in src.urls:
            try:
                _fetch(base + file, d / file, *digests[file])
                break
            except OSError as exc:
                errors.append(one_line(exc))
        else:
            with contextlib.suppress(OSError):
                d.rmdir()  # only if empty: a failed first download leaves nothing behind
            return f"download failed: {'; '.join(dict.fromkeys(errors))}"
    return None


def ensure(name: str) -> Path:
    """The folder of ``name`` with every file present; missing files are downloaded first
    (unless ``$BENCH_OFFLINE`` is set) and checked against the published checksums.

    Raises:
        MissingFilesError: files missing and not downloaded. Its one-line message names the
            files, the folder to put them in and the URLs to get them from.
    """
    lack = missing(name)
    if lack:
        reason = _download(name, lack)
        lack = missing(name)
        if lack:
            d, src = folder(name), SOURCES[name]
            what = ", ".join(lack)
            if name == "cifar10":
                what += f" (or its unpacked {CIFAR_DIR}/ with {', '.join(CIFAR_BATCHES)})"
            raise MissingFilesError(
                f"data set {name!r}: missing {what} in {d} ({reason or 'not downloaded'}); "
                f"put the files there (from {' or '.join(src.urls)}), or run online to "
                f"download them; ${DATA_DIR_ENV} sets the cache folder, now {cache_dir()}"
            )
    return folder(name)


def arrays(name: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The official training and test parts of ``name``: uint8 rows of C·H·W pixels
    (channel first, as the CNN reads them) and int64 labels. Cached per process.

    Raises:
        MissingFilesError: the files are missing and could not be downloaded.
        BenchError: a file is not in its format.
    """
    d = ensure(name)
    return read(name, d, SOURCES[name].image_shape)


def make(name: str) -> tuple[np.ndarray, np.ndarray]:
    """Training then test images pooled, float32 pixels in [0, 1], and their labels."""
    X_train, y_train, X_test, y_test = arrays(name)
    X = np.concatenate([X_train, X_test]).astype(np.float32) / np.float32(255)
    return X, np.concatenate([y_train, y_test])


def _channel_stats(X: np.ndarray, rows: np.ndarray, channels: int) -> tuple[np.ndarray, ...]:
    """Mean and std per channel of the byte values of ``X[rows]``, exact: from the counts of
    each of the 256 values, chunk by chunk (a constant channel: std 0, reported as 1)."""
    counts = np.zeros((channels, 256), dtype=np.int64)
    for start in range(0, len(rows), _CHUNK):
        block = X[rows[start : start + _CHUNK]].reshape(-1, channels, X.shape[1] // channels)
        for c in range(channels):
            counts[c] += np.bincount(block[:, c].ravel(), minlength=256)
    values = np.arange(256, dtype=np.float64)
    n = counts.sum(axis=1)
    mean = counts @ values / n
    std = np.sqrt((counts * (values[None, :] - mean[:, None]) ** 2).sum(axis=1) / n)
    std[std == 0] = 1.0
    return mean, std


def _to_float(X: np.ndarray, rows: np.ndarray, table: np.ndarray):
    """``X[rows]`` as a float32 tensor through a per-channel lookup table, chunk by chunk."""
    import torch

    channels = len(table)
    out = np.empty((len(rows), X.shape[1]), dtype=np.float32)
    pick = np.arange(channels)[:, None]
    for start in range(0, len(rows), _CHUNK):
        block = X[rows[start : start + _CHUNK]].reshape(-1, channels, X.shape[1] // channels)
        out[start : start + len(block)] = table[pick, block].reshape(len(block), -1)
    return torch.from_numpy(out)


def _stratified(y: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Positions of ``n`` of the labels ``y``, drawn at random within each class, each class
    in proportion to its count (largest remainders), sorted.

    Raises:
        BenchError: ``n`` or ``len(y) - n`` is smaller than the number of classes.
    """
    classes, counts = np.unique(y, return_counts=True)
    if not len(classes) <= n <= len(y) - len(classes):
        raise BenchError(
            f"cannot draw {n} of {len(y)} images stratified over {len(classes)} classes "
            "(each class needs one on either side)"
        )
    quota = n * counts / len(y)
    take = np.floor(quota).astype(np.int64)
    extra = np.argsort(-(quota - take), kind="stable")[: n - take.sum()]
    take[extra] += 1
    picked = [
        rng.permutation(np.flatnonzero(y == c))[:k] for c, k in zip(classes, take, strict=True)
    ]
    return np.sort(np.concatenate(picked))


def splits(
    name: str,
    split_seed: int = 0,
    standardize: bool = True,
    train_size: float = 1.0,
    max_train: int | None = None,
) -> Splits:
    """The official test part as test; validation a stratified share of the official
    training part (``SOURCES[name].val_share``), fixed by ``split_seed``.

    Args:
        name: mnist, fashion_mnist or cifar10.
        split_seed: fixes which training images are held out for validation.
        standardize: pixels / 255 minus the training part's mean, over its std, per channel
            (fitted on what is kept for training); off: pixels / 255.
        train_size: share of the training part kept (stratified, by ``split_seed``).
        max_train: the most training images kept, after ``train_size`` (the same way).

    Returns:
        The :class:`bench.data.Splits`, float32 features and int64 labels; rows keep
        the files' order within each part.
    """
    import torch

    src = SOURCES[name]
    X_train, y_train, X_test, y_test = arrays(name)
    rng = np.random.default_rng(split_seed)
    n_val = max(N_CLASSES, round(len(y_train) * src.val_share))
    try:
        val = _stratified(y_train, n_val, rng)
        train = np.setdiff1d(np.arange(len(y_train)), val)
        if train_size < 1:  # drawn after validation, which therefore stays the same
            train = train[_stratified(y_train[train], int(train_size * len(train)), rng)]
        if max_train is not None and len(train) > max_train:
            train = train[_stratified(y_train[train], max_train, rng)]
    except BenchError as exc:  # hand-made files with too few images of a class
        raise BenchError(f"{name}: {exc}") from None
    channels = src.image_shape[0]
    if standardize:  # (pixel / 255 - mean) / std, computed in byte units
        mean, std = _channel_stats(X_train, train, channels)
        table = (np.arange(256)[None, :] - mean[:, None]) / std[:, None]
    else:
        table = np.tile(np.arange(256) / 255.0, (channels, 1))
    table = table.astype(np.float32)
    test = np.arange(len(y_test))
    return Splits(
        name,
        _to_float(X_train, train, table),
        torch.from_numpy(y_train[train]),
        _to_float(X_train, val, table),
        torch.from_numpy(y_train[val]),
        _to_float(X_test, test, table),
        torch.from_numpy(y_test.copy()),
        N_CLASSES,
        src.image_shape,
    )


def main(argv: list[str] | None = None) -> int:
    """``python -m bench.data.images [NAME ...]``: make sure the files of each set (default: all)
    are in the cache, downloading what is missing; exit status 2 if some are not."""
    names = list(sys.argv[1:] if argv is None else argv) or list(NAMES)
    status = 0
    for name in names:
        if name not in SOURCES:
            print(
                f"error: unknown image data set {name!r}; valid: {', '.join(NAMES)}",
                file=sys.stderr,
            )
            status = 2
            continue
        try:
            print(f"{name}: {ensure(name)}")
        except BenchError as exc:
            print(f"error: {exc}", file=sys.stderr)
            status = 2
    return status


if __name__ == "__main__":
    sys.exit(main())
