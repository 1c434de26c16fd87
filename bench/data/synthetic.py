"""Synthetic data sets, generated from a fixed seed (the same data everywhere; only the split
varies): spirals, circles, moons, checkerboard, hastie, classification, quantiles, parity,
rings. Each function returns ``(X, y)`` as float and integer arrays.

Public:
    DATA_SEED           the seed every generator uses
    spirals(), circles(), moons(), checkerboard(), hastie(), classification(),
    quantiles(), parity(), rings()
"""

from __future__ import annotations

import numpy as np

DATA_SEED = 0  # synthetic sets are the same data everywhere; only the split varies


def spirals(n: int = 1200, arms: int = 3, noise: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(DATA_SEED)
    per = n // arms
    t = np.sqrt(rng.uniform(0, 1, size=(arms, per))) * 3 * np.pi  # uniform density along arm
    X, y = [], []
    for k in range(arms):
        angle = t[k] + 2 * np.pi * k / arms
        xy = np.stack([t[k] * np.cos(angle), t[k] * np.sin(angle)], axis=1) / (3 * np.pi)
        X.append(xy + rng.normal(scale=noise / 3, size=xy.shape))
        y.append(np.full(per, k))
    return np.concatenate(X), np.concatenate(y)


def circles() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_circles

    return make_circles(n_samples=1000, noise=0.1, factor=0.5, random_state=DATA_SEED)


def moons() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_moons

    return make_moons(n_samples=1000, noise=0.2, random_state=DATA_SEED)


def checkerboard(n: int = 1200, cells: int = 4, jitter: float = 0.03):
    # labels from the clean position, then a little jitter blurs the cell borders
    rng = np.random.default_rng(DATA_SEED)
    X = rng.uniform(0, cells, size=(n, 2))
    y = (np.floor(X[:, 0]) + np.floor(X[:, 1])).astype(np.int64) % 2
    return X + rng.normal(scale=jitter * cells, size=X.shape), y


def hastie() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_hastie_10_2

    X, y = make_hastie_10_2(n_samples=2000, random_state=DATA_SEED)
    return X, (y > 0).astype(np.int64)  # labels are ±1


def classification() -> tuple[np.ndarray, np.ndarray]:
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
        random_state=DATA_SEED,
    )


def quantiles() -> tuple[np.ndarray, np.ndarray]:
    from sklearn.datasets import make_gaussian_quantiles

    return make_gaussian_quantiles(
        n_samples=1500, n_features=8, n_classes=3, random_state=DATA_SEED
    )


def parity(n: int = 2000, d: int = 10, k: int = 3) -> tuple[np.ndarray, np.ndarray]:
    # label = parity of the signs of the first k of d Gaussian features; the other d - k
    # are distractors. No single feature (nor any linear map) carries information.
    rng = np.random.default_rng(DATA_SEED)
    X = rng.normal(size=(n, d))
    y = ((X[:, :k] > 0).sum(axis=1) % 2).astype(np.int64)
    return X, y


def rings(n: int = 1500, classes: int = 3, noise: float = 0.08):
    rng = np.random.default_rng(DATA_SEED)
    per = n // classes
    y = np.repeat(np.arange(classes), per)
    radius = (y + 1) / classes + rng.normal(scale=noise, size=len(y))
    angle = rng.uniform(0, 2 * np.pi, size=len(y))
    return np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1), y
