"""Initializer registry: name → in-place weight initializer, and the ``matched`` policy.

Public:
    REGISTRY                    dict name → :class:`Initializer`
    names()                     registered names, in registry order (``matched`` included)
    get(name)                   the entry for a name; unknown names list the valid ones
    resolve(name, activation)   the concrete initializer ``matched`` stands for
    initialize(module, name, activation)
                                initialize every Linear/Conv weight (and bias) of a module
    fans(weight)                (fan_in, fan_out) of a Linear or Conv weight

Variances (claim C6): Glorot σ² = 1/fan_avg (``glorot_uniform_x4``, for C2: 16/fan_avg),
He σ² = gain²/fan_in with the He gain (√2 for ReLU, √(2/(1+slope²)) for the leaky family),
LeCun σ² = 1/fan_in; a uniform variant has bound r = √(3σ²). ``orthogonal`` is scaled by
the activation's ``calculate_gain`` (C8). ``torch_default`` is what ``nn.Linear`` does
itself: ``kaiming_uniform_(a=√5)``, i.e. U(±1/√fan_in), with bias U(±1/√fan_in). Every other
initializer zeroes the biases.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import nn

from bench import activations
from bench.errors import UnknownNameError

_INIT_LAYERS = (nn.Linear, nn.Conv1d, nn.Conv2d)


@dataclass(frozen=True)
class Initializer:
    """One registry entry.

    Attributes:
        name: registry key.
        fn: ``fn(weight, activation)`` fills ``weight`` in place.
        description: one line for ``bench list initializers`` and reports.
        keep_bias: leave the bias as PyTorch initialized it (``torch_default``) instead of 0.
    """

    name: str
    fn: Callable[[torch.Tensor, activations.Activation], None]
    description: str
    keep_bias: bool = False


def fans(weight: torch.Tensor) -> tuple[int, int]:
    """Return (fan_in, fan_out) of a Linear (out, in) or Conv (out, in, *k) weight."""
    receptive = math.prod(weight.shape[2:]) if weight.dim() > 2 else 1
    return weight.shape[1] * receptive, weight.shape[0] * receptive


def _he_gain(act: activations.Activation) -> float:
    return nn.init.calculate_gain("leaky_relu", act.negative_slope or 0.0)


def _std_normal(std_of: Callable[[torch.Tensor, activations.Activation], float]):
    def fn(w: torch.Tensor, act: activations.Activation) -> None:
        with torch.no_grad():
            w.normal_(0.0, std_of(w, act))

    return fn


def _std_uniform(std_of: Callable[[torch.Tensor, activations.Activation], float]):
    def fn(w: torch.Tensor, act: activations.Activation) -> None:
        bound = math.sqrt(3.0) * std_of(w, act)
        with torch.no_grad():
            w.uniform_(-bound, bound)

    return fn


def _glorot_std(w: torch.Tensor, act: activations.Activation) -> float:
    fan_in, fan_out = fans(w)
    return math.sqrt(2.0 / (fan_in + fan_out))


def _glorot_x4_std(w: torch.Tensor, act: activations.Activation) -> float:
    return 4.0 * _glorot_std(w, act)


def _he_std(w: torch.Tensor, act: activations.Activation) -> float:
    return _he_gain(act) / math.sqrt(fans(w)[0])


def _lecun_std(w: torch.Tensor, act: activations.Activation) -> float:
    return 1.0 / math.sqrt(fans(w)[0])


def _glorot_gain_std(w: torch.Tensor, act: activations.Activation) -> float:
    return activations.gain(act) * _glorot_std(w, act)


def _lecun_gain_std(w: torch.Tensor, act: activations.Activation) -> float:
    return activations.gain(act) * _lecun_std(w, act)


def _torch_default(w: torch.Tensor, act: activations.Activation) -> None:
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))


def _orthogonal(w: torch.Tensor, act: activations.Activation) -> None:
    nn.init.orthogonal_(w, gain=activations.gain(act))


def _naive_normal(w: torch.Tensor, act: activations.Activation) -> None:
    with torch.no_grad():
        w.normal_(0.0, 1.0)


def _unresolved(w: torch.Tensor, act: activations.Activation) -> None:
    raise ValueError("'matched' names a policy, not an initializer: call resolve() first")


REGISTRY: dict[str, Initializer] = {
    i.name: i
    for i in [
        Initializer("glorot_uniform", _std_uniform(_glorot_std), "U(±√(6/(fan_in+fan_out)))"),
        Initializer(
            "glorot_uniform_x4",
            _std_uniform(_glorot_x4_std),
            "Glorot uniform × 4, the sigmoid's usual gain (its slope at 0 is 1/4) (C2)",
        ),
        Initializer("glorot_normal", _std_normal(_glorot_std), "N(0, 2/(fan_in+fan_out))"),
        Initializer("he_uniform", _std_uniform(_he_std), "U(±√3·gain/√fan_in), He gain"),
        Initializer("he_normal", _std_normal(_he_std), "N(0, gain²/fan_in), He gain"),
        Initializer("lecun_uniform", _std_uniform(_lecun_std), "U(±√(3/fan_in))"),
        Initializer("lecun_normal", _std_normal(_lecun_std), "N(0, 1/fan_in)"),
        Initializer(
            "torch_default",
            _torch_default,
            "nn.Linear's own: kaiming_uniform_(a=√5) = U(±1/√fan_in), bias kept",
            keep_bias=True,
        ),
        Initializer(
            "glorot_uniform_gain",
            _std_uniform(_glorot_gain_std),
            "Glorot uniform × calculate_gain(activation): xavier_uniform_(w, gain=…) (C8)",
        ),
        Initializer(
            "lecun_normal_gain",
            _std_normal(_lecun_gain_std),
            "N(0, gain²/fan_in), gain = calculate_gain(activation): kaiming_normal_ (C8)",
        ),
        Initializer("orthogonal", _orthogonal, "orthogonal × calculate_gain(activation)"),
        Initializer("naive_normal", _naive_normal, "N(0, 1), the pre-2010 baseline"),
        Initializer("matched", _unresolved, "claim C6: Glorot / He / LeCun by activation"),
    ]
}


def names() -> list[str]:
    """Return the registered initializer names, in registry order."""
    return list(REGISTRY)


def get(name: str | Initializer) -> Initializer:
    """Return the registry entry for ``name``.

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names.
    """
    if isinstance(name, Initializer):
        return name
    try:
        return REGISTRY[name]
    except KeyError:
        raise UnknownNameError("initializer", name, names()) from None


def resolve(name: str, activation: str | activations.Activation) -> str:
    """Return the concrete initializer name: ``matched`` becomes the activation's C6 match."""
    get(name)
    return activations.get(activation).matched_init if name == "matched" else name


def initialize(module: nn.Module, name: str, activation: str | activations.Activation) -> nn.Module:
    """Initialize every Linear/Conv layer of ``module`` in place.

    Args:
        module: the network (or a single layer).
        name: initializer name (``matched`` resolves through the activation).
        activation: the hidden activation, which sets gains and the ``matched`` choice.

    Returns:
        The same module, for chaining.
    """
    act = activations.get(activation)
    init = get(resolve(name, act))
    for layer in module.modules():
        if not isinstance(layer, _INIT_LAYERS):
            continue
        init.fn(layer.weight, act)
        if layer.bias is None:
            continue
        if init.keep_bias:  # as nn.Linear.reset_parameters does, in the same RNG order
            bound = 1.0 / math.sqrt(fans(layer.weight)[0])
            nn.init.uniform_(layer.bias, -bound, bound)
        else:
            nn.init.zeros_(layer.bias)
    return module
