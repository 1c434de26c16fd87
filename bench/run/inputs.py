"""A unit's data: every distinct split loaded once, the members' inputs stacked by split.

Public:
    load(cells) -> dict[DataSpec, Splits]
                            each distinct ``cell.data`` of one data set loaded once
    shape(splits) -> tuple  what members must share to train in one stack: the sizes of
                            the three splits, the input shape, the number of classes
    stacks(cells, loaded) -> list[list[Cell]]
                            a unit's cells grouped by :func:`shape` (one group when every
                            split has the same sizes, as the stratified 60/20/20 split gives)
    Inputs                  the three splits' tensors, one slice per distinct split (D, N, …),
                            and which split each member reads
    Inputs.build(cells, loaded, device, dtype) -> Inputs
    Inputs.split(name, live) -> (X, y, which)
                            a split's tensors for the live members: (N, …) shared when they
                            all read one split (``which`` None), else (D, N, …) and the
                            member → split index

Members of one stack may train on different splits of one data set (the default suite
draws each seed's split by its seed): each gathers its minibatches from its own training
tensor and is evaluated and probed on its own tensors. A member's inputs hold the same
values, in the same member-aligned layouts (:mod:`bench.run.layout`), whether it reads them
from a shared tensor or from its own slice, so its numbers do not depend on which other
splits share its stack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch

from bench import data
from bench.records import Cell, DataSpec

SPLITS = ("train", "val", "test")


def load(cells: Sequence[Cell]) -> dict[DataSpec, data.Splits]:
    """Each distinct data spec of ``cells`` (one data set) loaded once.

    Args:
        cells: cells of one data set.

    Returns:
        ``cell.data`` → its :class:`~bench.data.Splits`, in the order cells name them.
    """
    out: dict[DataSpec, data.Splits] = {}
    for c in cells:
        d = c.data
        if d not in out:
            out[d] = data.load(
                c.dataset, d.split_seed, d.standardize, d.label_column, d.train_size, d.max_train
            )
    return out


def shape(splits: data.Splits) -> tuple:
    """The sizes a stack's members must share: rows of the three splits, the shape of one
    input, the number of classes."""
    return (
        *(len(getattr(splits, f"y_{s}")) for s in SPLITS),
        tuple(splits.X_train.shape[1:]),
        splits.n_classes,
        splits.image_shape,
    )


def stacks(cells: Sequence[Cell], loaded: dict[DataSpec, data.Splits]) -> list[list[Cell]]:
    """``cells`` grouped by the :func:`shape` of their splits, in the order they appear.

    A stratified split of one data set has the same sizes for every split seed, so this is
    one group; a table whose one-hot columns follow the categories a training split holds
    may give splits of other widths, whose members then train in stacks of their own.
    """
    groups: dict[tuple, list[Cell]] = {}
    for c in cells:
        groups.setdefault(shape(loaded[c.data]), []).append(c)
    return list(groups.values())


@dataclass
class Inputs:
    """The three splits of a stack's distinct data specs, on the device.

    Attributes:
        tensors: split name → (X (D, N, …), y (D, N)), one slice per distinct split.
        split_of: per member (in member order), the index of its split in dim 0.
    """

    tensors: dict[str, tuple[torch.Tensor, torch.Tensor]]
    split_of: list[int]

    @classmethod
    def build(
        cls,
        cells: Sequence[Cell],
        loaded: dict[DataSpec, data.Splits],
        device: str,
        dtype: torch.dtype,
    ) -> Inputs:
        """The inputs of ``cells`` (in member order) from their loaded splits.

        Raises:
            ValueError: the members' splits differ in :func:`shape`.
        """
        specs = list(dict.fromkeys(c.data for c in cells))
        parts = [loaded[d] for d in specs]
        if len({shape(p) for p in parts}) != 1:
            raise ValueError("the members' splits differ in size: train them in other stacks")
        tensors = {}
        for s in SPLITS:
            X = torch.stack([getattr(p, f"X_{s}") for p in parts]).to(device, dtype)
            y = torch.stack([getattr(p, f"y_{s}") for p in parts]).to(device)
            tensors[s] = X, y
        return cls(tensors, [specs.index(c.data) for c in cells])

    def split(
        self, name: str, live: Sequence[int]
    ) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor | None]:
        """Split ``name`` for the members ``live`` (indices into the member order).

        Returns:
            ``(X[0], y[0], None)``, samples first, when the live members all read one split;
            else ``(X, y, which)``: (D, N, …), (D, N) and the (K,) index of each live
            member's split.
        """
        X, y = self.tensors[name]
        which = [self.split_of[i] for i in live]
        if len(set(which)) == 1:
            return X[which[0]], y[which[0]], None
        return X, y, torch.tensor(which, device=X.device)
