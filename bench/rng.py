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

import functools

import torch

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
