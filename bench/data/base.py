"""Base types of the data sets: a registry entry (:class:`Dataset`) and the tensors of one
split data set (:class:`Splits`), and the split every pooled set gets.

Public:
    Dataset                         one registry entry: how to make the arrays, and metadata
    Splits                          train/validation/test tensors of one data set
    split_indices(y, split_seed, train_size, name) -> (train, val, test)
                                    the stratified 60/20/20 split, by ``split_seed``
    standardize(X, train, per_feature) -> X
                                    minus the training rows' mean, over their std
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from bench.errors import BenchError

if TYPE_CHECKING:
    import torch


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
            set with its own test split (:mod:`bench.data.images`); ``None``: ``make`` pooled,
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


def split_indices(
    y: np.ndarray, split_seed: int, train_size: float = 1.0, name: str = "data set"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row positions of a stratified 60/20/20 train/validation/test split fixed by
    ``split_seed``; ``train_size`` < 1 keeps that share of the training part (stratified,
    same seed), validation and test stay whole.

    Raises:
        BenchError: a class too small to stratify (the message names ``name``).
    """
    from sklearn.model_selection import train_test_split

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
    return train, val, test


def standardize(X: np.ndarray, train: np.ndarray, per_feature: bool = True) -> np.ndarray:
    """``X`` minus the training rows' mean, over their std: per feature (a constant feature
    stays as it is), or one mean and std over all values (``per_feature=False``)."""
    if per_feature:
        mean = X[train].mean(axis=0)
        std = X[train].std(axis=0)
        std[std == 0] = 1.0  # constant features stay constant (digits has some)
        return (X - mean) / std
    return (X - X[train].mean()) / (X[train].std() or 1.0)
