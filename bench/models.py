"""Models built from (activation, initializer): MLP, residual MLP, small CNN.

Public:
    MODEL_KINDS             the model kinds ``build`` accepts
    NORMS                   what ``model.norm`` takes: none, batch, layer
    DROPOUT_KINDS           what ``model.dropout_kind`` takes: standard, alpha
    ProbedNet               base class: ``probe_points()`` lists (layer, activation) pairs
    Dropout                 standard or alpha dropout, its masks from :mod:`bench.rng`
    StackedDropout          K of them as one module (``Dropout.stacked``)
    hidden(layer, x) -> Tensor
                            one hidden layer (``ProbedNet.hidden_layers()``) applied to ``x``
    build(spec, activation, init, n_inputs, n_classes, image_shape=None) -> ProbedNet

Every hidden nonlinearity is a fresh module from the activation registry; every weight is
set through the initializer registry. ``depth`` is the number of hidden layers (each one
an affine map followed by the activation); the output layer is a plain Linear.

A hidden layer is affine map → norm → activation → dropout, the last two only where the
spec asks (``model.norm``, ``model.dropout``; at their defaults the network is what it was
before they existed, module for module). ``batch`` is ``nn.BatchNorm1d``/``2d`` (per unit,
or per channel over the positions, over a training batch's rows; running statistics in
evaluation), ``layer`` is ``nn.LayerNorm`` over a sample's units (``nn.GroupNorm`` with
one group for a CNN: over a sample's channels and positions), both with a learned scale
and shift per unit or channel. The activation's input is the norm's output, which the
probes read. Dropout's masks are hashed from (the cell's seed, the layer, the step), as
RReLU's slopes are, so a member draws the same masks alone or in a stack.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterator, Sequence
from typing import Any

import torch
from torch import nn

from bench import activations, initializers, rng
from bench.errors import BenchError

MODEL_KINDS = ("mlp", "resmlp", "cnn")
NORMS = ("none", "batch", "layer")
DROPOUT_KINDS = ("standard", "alpha")
# SELU's λ·α (Klambauer et al. 2017): alpha dropout sets a dropped unit to −λα, SELU's
# negative saturation value, then rescales so that zero mean and unit variance are kept
_SELU_SATURATION = 1.0507009873554805 * 1.6732632423543772


class Dropout(rng.Hashed):
    """Dropout at rate ``p`` in training, the identity in evaluation.

    ``standard``: a unit is kept with probability 1 − p and scaled by 1/(1 − p), else 0.
    ``alpha`` (the SELU paper's): a dropped unit is set to α′ = −λα, then every unit goes
    through a·x + b with a = ((1 − p)(1 + p·α′²))^−½ and b = −a·p·α′, which keeps a zero
    mean and unit variance (``torch.nn.AlphaDropout``'s definition).

    The mask is not drawn from a generator's state: unit j of the step's tensor is kept
    where a hash of (``seed``, ``layer``, ``step``, j) (:class:`bench.rng.Hashed`) is ≥ p.
    """

    pass_through = True  # the probes look through it for the layer feeding an activation

    def __init__(self, p: float, kind: str = "standard") -> None:
        super().__init__()
        if kind not in DROPOUT_KINDS:
            raise BenchError(f"unknown dropout kind {kind!r}; valid: {', '.join(DROPOUT_KINDS)}")
        if not 0 <= p < 1:
            raise BenchError(f"model.dropout must be in [0, 1), got {p!r}")
        self.p, self.kind = float(p), kind

    def apply(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """``x`` with the units where ``noise`` < p dropped (see the class); ``x`` itself
        without noise (evaluation)."""
        if noise is None:
            return x
        keep = noise >= self.p
        if self.kind == "standard":
            return x * keep.to(x.dtype).div_(1.0 - self.p)
        q, saturation = 1.0 - self.p, -_SELU_SATURATION
        a = 1.0 / math.sqrt(q * (1.0 + self.p * saturation**2))
        b = -a * self.p * saturation
        scale = torch.zeros_like(x).masked_fill_(keep, a)
        shift = torch.full_like(x, a * saturation + b).masked_fill_(keep, b)
        return x * scale + shift

    def extra_repr(self) -> str:
        """Rate and kind."""
        return f"p={self.p}, kind={self.kind}"

    @staticmethod
    def stacked(drops: Sequence[Dropout]) -> StackedDropout:
        """Its stacked form (:func:`bench.run.batched.stack` asks a module type for it)."""
        return StackedDropout(drops)


class StackedDropout(rng.StackedHashed):
    """K dropouts: member k's mask hashed from (its seed, the layer, the step, the unit),
    all members in one set of kernels, as each would draw it alone."""

    pass_through = True


def hidden(layer: tuple, x: torch.Tensor) -> torch.Tensor:
    """One hidden layer of :meth:`ProbedNet.hidden_layers` on ``x``: affine map → norm →
    activation → dropout."""
    affine, norm, act, drop = layer
    x = affine(x)
    if norm is not None:
        x = norm(x)
    x = act(x)
    return x if drop is None else drop(x)


def _norm(kind: str, width: int, spatial: int) -> nn.Module:
    """The normalization of a hidden layer of ``width`` units (channels), ``spatial``
    position dimensions (0 for an MLP)."""
    if kind == "batch":
        return nn.BatchNorm2d(width) if spatial == 2 else nn.BatchNorm1d(width)
    if kind == "layer":
        return nn.GroupNorm(1, width) if spatial else nn.LayerNorm(width)
    raise BenchError(f"unknown model.norm {kind!r}; valid: {', '.join(NORMS)}")


class ProbedNet(nn.Module):
    """A classifier whose hidden layers the probes can find.

    Subclasses fill ``self.layers`` (the affine maps) and ``self.acts`` (their activations),
    one pair per hidden layer, in depth order, and call :meth:`add_extras` for the
    normalization and dropout modules (``self.norms``, ``self.drops``: one per hidden
    layer, or empty).
    """

    layers: nn.ModuleList
    acts: nn.ModuleList
    norms: nn.ModuleList
    drops: nn.ModuleList

    def add_extras(
        self, norm: str, dropout: float, dropout_kind: str, width: int, spatial: int = 0
    ) -> None:
        """One norm (none: no module) and one dropout (rate 0: no module) per hidden layer."""
        depth = len(self.layers)
        on = norm != "none"
        self.norms = nn.ModuleList(_norm(norm, width, spatial) for _ in range(depth) if on)
        self.drops = nn.ModuleList(Dropout(dropout, dropout_kind) for _ in range(depth) if dropout)

    def hidden_layers(
        self,
    ) -> Iterator[tuple[nn.Module, nn.Module | None, nn.Module, nn.Module | None]]:
        """(affine map, norm, activation, dropout) per hidden layer, input side first; a
        norm or dropout the spec leaves out is ``None``. Apply one with :func:`hidden`."""
        none = itertools.repeat(None)
        return zip(self.layers, self.norms or none, self.acts, self.drops or none)

    def probe_points(self) -> list[tuple[nn.Module, nn.Module]]:
        """Return (affine layer, activation module) per hidden layer, input side first."""
        return list(zip(self.layers, self.acts, strict=True))

    def layer_output(
        self, index: int, layer_input: torch.Tensor, activation_output: torch.Tensor
    ) -> torch.Tensor:
        """What hidden layer ``index`` hands to the next one (plain stacks: the activation)."""
        return activation_output


class MLP(ProbedNet):
    """``depth`` × (Linear → [norm →] activation [→ dropout]), then a Linear head (depth 0:
    the head alone, i.e. multinomial logistic regression, the linear baseline of claim C1)."""

    def __init__(
        self,
        n_inputs: int,
        n_classes: int,
        depth: int,
        width: int,
        act,
        norm: str = "none",
        dropout: float = 0.0,
        dropout_kind: str = "standard",
    ) -> None:
        super().__init__()
        sizes = [n_inputs] + [width] * depth
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in itertools.pairwise(sizes))
        self.acts = nn.ModuleList(act(width) for _ in range(depth))
        self.add_extras(norm, dropout, dropout_kind, width)
        self.head = nn.Linear(sizes[-1], n_classes)  # depth 0: logistic regression

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits."""
        for layer in self.hidden_layers():
            x = hidden(layer, x)
        return self.head(x)


class ResMLP(MLP):
    """Like :class:`MLP`, but every hidden layer after the first adds an identity skip:
    ``h ← h + drop(act(norm(W h + b)))``. The skip path is untouched and nothing follows
    the sum (the pre-activation ResNet's rule: the norm and the activation sit inside the
    residual branch, never on the identity path)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits."""
        layers = self.hidden_layers()
        x = hidden(next(layers), x)
        for layer in layers:
            x = x + hidden(layer, x)
        return self.head(x)

    def layer_output(
        self, index: int, layer_input: torch.Tensor, activation_output: torch.Tensor
    ) -> torch.Tensor:
        """The block output ``h + act(W h + b)`` (what claim C14 measures; probes run in
        evaluation, where dropout is the identity)."""
        return activation_output if index == 0 else layer_input + activation_output


class CNN(ProbedNet):
    """``depth`` × (Conv, kernel 3, same padding → [norm →] activation [→ dropout]), then
    flatten → Linear.

    1-D for inputs shaped (C, L) (MNIST-1D, the time series of ``@series``: one channel),
    2-D for (C, H, W) (digits).
    """

    def __init__(
        self,
        image_shape: tuple[int, ...],
        n_classes: int,
        depth: int,
        width: int,
        act,
        norm: str = "none",
        dropout: float = 0.0,
        dropout_kind: str = "standard",
    ) -> None:
        super().__init__()
        self.image_shape = tuple(image_shape)
        conv = {2: nn.Conv1d, 3: nn.Conv2d}[len(image_shape)]
        channels = [image_shape[0]] + [width] * depth
        self.layers = nn.ModuleList(
            conv(a, b, kernel_size=3, padding=1) for a, b in itertools.pairwise(channels)
        )
        self.acts = nn.ModuleList(act(width) for _ in range(depth))
        self.add_extras(norm, dropout, dropout_kind, width, len(image_shape) - 1)
        spatial = 1
        for s in image_shape[1:]:
            spatial *= s
        self.head = nn.Linear(width * spatial, n_classes)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Return logits; ``x`` is (…, N, features) and is reshaped to the image shape
        (leading dims pass through: a stacked copy of the network feeds (K, N, features))."""
        x = x.reshape(*x.shape[:-1], *self.image_shape)
        for layer in self.hidden_layers():
            x = hidden(layer, x)
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
        spec: anything with ``kind``, ``depth`` and ``width`` (``bench.records.ModelSpec``);
            its ``norm``, ``dropout`` and ``dropout_kind`` where it has them.
        activation: hidden activation (registry name or entry).
        init: initializer name (``matched`` allowed).
        n_inputs: flattened input size.
        n_classes: output size.
        image_shape: (C, L) or (C, H, W); required for ``cnn``.

    Returns:
        The initialized model.
    """
    act = activations.get(activation)
    extras = (
        getattr(spec, "norm", "none"),
        getattr(spec, "dropout", 0.0),
        getattr(spec, "dropout_kind", "standard"),
    )
    if spec.kind == "mlp":
        model: ProbedNet = MLP(n_inputs, n_classes, spec.depth, spec.width, act, *extras)
    elif spec.kind == "resmlp":
        model = ResMLP(n_inputs, n_classes, spec.depth, spec.width, act, *extras)
    elif spec.kind == "cnn":
        if image_shape is None:
            raise BenchError(
                "model.kind = 'cnn' needs a data set with a spatial layout (digits, mnist1d, "
                "the time series of @series)"
            )
        model = CNN(image_shape, n_classes, spec.depth, spec.width, act, *extras)
    else:
        raise BenchError(f"unknown model kind {spec.kind!r}; valid: {', '.join(MODEL_KINDS)}")
    return initializers.initialize(model, init, act)
