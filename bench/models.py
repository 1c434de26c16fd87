"""Models built from (activation, initializer): MLP, residual MLP, small CNN.

Public:
    MODEL_KINDS             the model kinds ``build`` accepts
    ProbedNet               base class: ``probe_points()`` lists (layer, activation) pairs
    build(spec, activation, init, n_inputs, n_classes, image_shape=None) -> ProbedNet

Every hidden nonlinearity is a fresh module from the activation registry; every weight is
set through the initializer registry. ``depth`` is the number of hidden layers (each one
an affine map followed by the activation); the output layer is a plain Linear.
"""

from __future__ import annotations

import itertools
from typing import Any

import torch
from torch import nn

from bench import activations, initializers
from bench.errors import BenchError

MODEL_KINDS = ("mlp", "resmlp", "cnn")


class ProbedNet(nn.Module):
    """A classifier whose hidden layers the probes can find.

    Subclasses fill ``self.layers`` (the affine maps) and ``self.acts`` (their activations),
    one pair per hidden layer, in depth order.
    """

    layers: nn.ModuleList
    acts: nn.ModuleList

    def probe_points(self) -> list[tuple[nn.Module, nn.Module]]:
        """Return (affine layer, activation module) per hidden layer, input side first."""
        return list(zip(self.layers, self.acts, strict=True))

    def layer_output(
        self, index: int, layer_input: torch.Tensor, activation_output: torch.Tensor
    ) -> torch.Tensor:
        """What hidden layer ``index`` hands to the next one (plain stacks: the activation)."""
        return activation_output


class MLP(ProbedNet):
    """``depth`` × (Linear → activation), then a Linear head (depth 0: the head alone, i.e.
    multinomial logistic regression, the linear baseline of claim C1)."""

    def __init__(self, n_inputs: int, n_classes: int, depth: int, width: int, act) -> None:
        super().__init__()
        sizes = [n_inputs] + [width] * depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.acts = nn.ModuleList(act() for _ in range(depth))
        self.head = nn.Linear(sizes[-1], n_classes)  # depth 0: logistic regression

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits."""
        for layer, act in zip(self.layers, self.acts):
            x = act(layer(x))
        return self.head(x)


class ResMLP(MLP):
    """Like :class:`MLP`, but every hidden layer after the first adds an identity skip:
    ``h ← h + act(W h + b)``."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits."""
        x = self.acts[0](self.layers[0](x))
        for layer, act in zip(self.layers[1:], self.acts[1:]):
            x = x + act(layer(x))
        return self.head(x)

    def layer_output(
        self, index: int, layer_input: torch.Tensor, activation_output: torch.Tensor
    ) -> torch.Tensor:
        """The block output ``h + act(W h + b)`` (what claim C14 measures)."""
        return activation_output if index == 0 else layer_input + activation_output


class CNN(ProbedNet):
    """``depth`` × (Conv, kernel 3, same padding → activation), then flatten → Linear.

    1-D for inputs shaped (C, L) (MNIST-1D, the time series of ``@series``: one channel),
    2-D for (C, H, W) (digits).
    """

    def __init__(
        self, image_shape: tuple[int, ...], n_classes: int, depth: int, width: int, act
    ) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape)
        conv = {2: nn.Conv1d, 3: nn.Conv2d}[len(image_shape)]
        channels = [image_shape[0]] + [width] * depth
        self.layers = nn.ModuleList(
            conv(a, b, kernel_size=3, padding=1) for a, b in itertools.pairwise(channels)
        )
        self.acts = nn.ModuleList(act() for _ in range(depth))
        spatial = 1
        for s in image_shape[1:]:
            spatial *= s
        self.head = nn.Linear(width * spatial, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits; ``x`` is (…, N, features) and is reshaped to the image shape
        (leading dims pass through: a stacked copy of the network feeds (K, N, features))."""
        x = x.reshape(*x.shape[:-1], *self.image_shape)
        for layer, act in zip(self.layers, self.acts):
            x = act(layer(x))
        return self.head(x.flatten(-len(self.image_shape)))


def build(
    spec: Any,
    activation: str | activations.Activation,
    init: str,
    n_inputs: int,
    n_classes: int,
    image_shape: tuple[int, ...] | None = None,
) -> ProbedNet:
    """Build and initialize a model.

    Args:
        spec: anything with ``kind``, ``depth`` and ``width`` (``bench.records.ModelSpec``).
        activation: hidden activation (registry name or entry).
        init: initializer name (``matched`` allowed).
        n_inputs: flattened input size.
        n_classes: output size.
        image_shape: (C, L) or (C, H, W); required for ``cnn``.

    Returns:
        The initialized model.
    """
    act = activations.get(activation)
    if spec.kind == "mlp":
        model: ProbedNet = MLP(n_inputs, n_classes, spec.depth, spec.width, act)
    elif spec.kind == "resmlp":
        model = ResMLP(n_inputs, n_classes, spec.depth, spec.width, act)
    elif spec.kind == "cnn":
        if image_shape is None:
            raise BenchError(
                "model.kind = 'cnn' needs a data set with a spatial layout (digits, mnist1d, "
                "the time series of @series)"
            )
        model = CNN(image_shape, n_classes, spec.depth, spec.width, act)
    else:
        raise BenchError(f"unknown model kind {spec.kind!r}; valid: {', '.join(MODEL_KINDS)}")
    return initializers.initialize(model, init, act)
