"""A counter-based generator: random numbers as a hash of integers, for any number of members.

Public:
    MASK                    2³² − 1: every hashed value is a 32-bit integer held in int64
    GOLDEN                  the odd multiplier that spreads element numbers (j ↦ j·G mod 2³²)
    mix(x) -> Tensor        the 32-bit hash of every element of an int64 tensor (in place)
    mix_int(x) -> int       the same hash of one Python integer
    member_key(seed, layer) -> int
                            one member's key for one layer: a hash of (seed, layer)
    step_keys(keys, step) -> Tensor
                            (K,) keys of one step: a hash of (member key, step)
    uniform(keys, numel, dtype) -> Tensor
                            (K, numel) draws in [0, 1), element j of member k a hash of
                            (step key k, j)
    Hashed                  a module whose training-mode randomness is drawn here: ``seed``,
                            ``layer``, ``step``, ``noise``; subclasses define ``apply``
                            (RReLU's slopes, dropout's masks)
    StackedHashed           K such modules in one: each member's key, one set of kernels

RReLU needs fresh random slopes on every training step, for every member of a stack, and
a member must draw the same slopes whatever stack it trains in. A stateful generator per
member (``torch.Generator``) would need one call per member, layer and step. Here a draw is
a pure function of integers — (member seed, layer, step, sample, unit) — computed with
integer tensor ops: one set of elementwise kernels for all members, and the same numbers
on the CPU and on a GPU (integer arithmetic is exact).

The hash is a two-round xor-shift-multiply mixer on 32 bits (constants from Wellons's hash
prospector, both below 2³¹, so every product of a 32-bit value and a constant fits in int64
without overflow). Element ``j`` of a member's tensor (``j = sample · units + unit``) is
drawn as ``mix((j · G mod 2³²) xor key)`` with G odd; its top 24 bits give the uniform
number exactly in float32. :func:`uniform` computes that hash in 32-bit integers (half the
memory traffic of int64): products wrap modulo 2³² as the int64 masks do, arithmetic right
shifts are masked to logical ones, and the first xor-shift, which distributes over the
xor, is applied to the counters once and to each key: the same bits as :func:`mix`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Sequence

import torch
from torch import nn

MASK = 0xFFFFFFFF
_M1, _M2 = 0x21F0AAAD, 0x735A2D97
GOLDEN = 0x61C88647  # odd: j ↦ j·G mod 2³² is a bijection
_SCALE = 2.0**-24


def mix(x: torch.Tensor) -> torch.Tensor:
    """Hash every element of ``x`` in place.

    Args:
        x: int64 tensor with values in [0, 2³²).

    Returns:
        ``x``, each element replaced by its hash (again in [0, 2³²)).
    """
    x ^= x >> 16
    x *= _M1
    x &= MASK
    x ^= x >> 15
    x *= _M2
    x &= MASK
    x ^= x >> 15
    return x


def mix_int(x: int) -> int:
    """:func:`mix` of one integer (its low 32 bits).

    Args:
        x: any integer ≥ 0.

    Returns:
        The hash, in [0, 2³²).
    """
    x &= MASK
    x ^= x >> 16
    x = (x * _M1) & MASK
    x ^= x >> 15
    x = (x * _M2) & MASK
    return x ^ (x >> 15)


def member_key(seed: int, layer: int) -> int:
    """The key of one member's random layer: a hash of (seed, layer).

    Args:
        seed: the member's seed (any integer ≥ 0; all its bits count).
        layer: which random layer of the network (0 for the first).

    Returns:
        A 32-bit key.
    """
    key = mix_int(layer + 1)
    while True:
        key = mix_int(key ^ (seed & MASK))
        seed >>= 32
        if not seed:
            return key


def step_keys(keys: torch.Tensor, step: int) -> torch.Tensor:
    """The keys of one step: a hash of (member key, step) for every member.

    Args:
        keys: (K,) int64 member keys (:func:`member_key`).
        step: the training step (0 for the first).

    Returns:
        (K,) int64, a new tensor.
    """
    return mix(keys ^ mix_int(step + 1))


@functools.lru_cache(maxsize=16)
def _counters(numel: int, device: torch.device) -> torch.Tensor:
    """(numel,) int32: j·G mod 2³², its first xor-shift applied (wrapped to int32)."""
    c = (torch.arange(numel, dtype=torch.int64, device=device) * GOLDEN) & MASK
    return (c ^ (c >> 16)).to(torch.int32)


def _shifted(x: torch.Tensor, bits: int) -> torch.Tensor:
    """The logical right shift of int32 ``x`` taken as unsigned 32-bit values."""
    return (x >> bits).bitwise_and_((1 << (32 - bits)) - 1)


def uniform(keys: torch.Tensor, numel: int, dtype: torch.dtype) -> torch.Tensor:
    """Uniform draws in [0, 1) for every member: element j of member k is a function of
    (``keys[k]``, j) alone.

    Args:
        keys: (K,) int64 step keys (:func:`step_keys`).
        numel: draws per member.
        dtype: floating type of the result.

    Returns:
        (K, numel), multiples of 2⁻²⁴ in [0, 1).
    """
    # mix((c xor k)), in int32: its first xor-shift is c' xor k' (c' = c ^ c >> 16, the same
    # for k), the rest as in mix (products wrap modulo 2³², shifts made logical)
    x = _counters(numel, keys.device) ^ (keys ^ (keys >> 16)).to(torch.int32)[:, None]
    x *= _M1
    x ^= _shifted(x, 15)
    x *= _M2
    x ^= _shifted(x, 15)
    return _shifted(x, 8).to(dtype).mul_(_SCALE)


class Hashed(nn.Module):
    """A module whose randomness in training is a hash of (``seed``, ``layer``, ``step``,
    element), not a generator's state: the training loop sets ``seed`` to the cell's seed
    and numbers the network's such modules with ``layer``; ``step`` counts the
    training-mode forward passes. A member so draws the same numbers alone or stacked
    (:class:`StackedHashed`), on any device. Subclasses define ``apply(x, noise)``: the
    output from U(0, 1) draws shaped like ``x`` (``None`` in evaluation)."""

    def __init__(self) -> None:
        super().__init__()
        self.seed, self.layer, self.step = 0, 0, 0

    def noise(self, x: torch.Tensor, keys: torch.Tensor, step: int) -> torch.Tensor:
        """U(0, 1) draws shaped like ``x`` (K, …): member k's from ``keys[k]`` at ``step``.

        Args:
            x: (K, …) members on dim 0.
            keys: (K,) int64 member keys (:func:`member_key`).
            step: the training step.

        Returns:
            A new tensor shaped and typed like ``x``.
        """
        return uniform(step_keys(keys, step), x[0].numel(), x.dtype).view_as(x)

    def apply(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """The output from ``x`` and the draws (``None``: evaluation)."""
        raise NotImplementedError

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``apply`` with this step's draws in training, without in evaluation."""
        if not self.training:
            return self.apply(x, None)
        keys = torch.tensor([member_key(self.seed, self.layer)], device=x.device)
        noise = self.noise(x[None], keys, self.step)[0]
        self.step += 1
        return self.apply(x, noise)


class StackedHashed(nn.Module):
    """K :class:`Hashed` modules of one kind: member k's draws hashed from its own key,
    all members in one set of kernels, as each would draw them alone."""

    def __init__(self, members: Sequence[Hashed]) -> None:
        super().__init__()
        self.template = copy.copy(members[0])
        self.step = members[0].step
        keys = [member_key(m.seed, m.layer) for m in members]
        self.register_buffer("keys", torch.tensor(keys, dtype=torch.int64), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(K, …) → (K, …): each member's own draws in training, none in evaluation."""
        if not self.training:
            return self.template.apply(x, None)
        if self.keys.device != x.device:
            self.keys = self.keys.to(x.device)
        noise = self.template.noise(x, self.keys, self.step)
        self.step += 1
        return self.template.apply(x, noise)

    def keep(self, index: Sequence[int]) -> None:
        """Follow the stack when members leave it."""
        self.keys = self.keys[torch.tensor(list(index), device=self.keys.device)]
