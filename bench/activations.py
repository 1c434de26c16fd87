"""Activation registry: name → factory plus the metadata the harness needs.

Public:
    REGISTRY            the built-in activations, name → :class:`Activation`: read-only
                        (adding an entry at run time raises :class:`RegistryClosedError`)
    RegistryClosedError a TypeError (and a BenchError) pointing at the import-path way
    get(name)           the :class:`Activation` entry for a name, an import path
                        ``package.module:Name`` (:mod:`bench.custom`) or a callable;
                        calling the entry builds a fresh ``nn.Module``
    names()             the registered names, in registry order
    canonical(name)     a name in its one spelling (``leaky_relu(0.250)`` →
                        ``leaky_relu(0.25)``); raises for an unknown one
    gain(name)          ``torch.nn.init.calculate_gain`` for an activation (C8)
    RReLU               randomized leaky ReLU, its slopes from :mod:`bench.rng`
    StackedRReLU        K RReLUs as one module, all members' slopes drawn at once: RReLU's
                        stacked form (``RReLU.stacked``, which :mod:`bench.run.batched` asks)

``prelu`` learns one negative slope per layer; ``prelu_channel`` one per unit (a channel of
a conv layer), He et al. 2015's channel-wise form: its entry is :attr:`Activation.per_unit`,
so the models build it with the layer's width.

A registry entry that declares a parameter (``leaky_relu``'s and ``prelu``'s negative slope,
``elu``'s alpha) also answers to ``name(value)``: ``leaky_relu(0.25)`` is LeakyReLU with
slope 0.25. Each value is its own activation: its own cells and keys, its own name in every
report; the plain name keeps the default value.

Adding a built-in activation is one entry in ``REGISTRY``'s source below; nothing else in the
harness changes. A user's own activation is not registered: it is named by import path,
``package.module:Name``, in any suite, flag or API call, and keyed by its module's source
(:mod:`bench.custom`; docs/reference.md, "Your own activation"). A run-time entry would be
keyed by its name alone, so an edited function would reuse stale results: ``REGISTRY``
refuses one.
The metadata says which initializer the claim C6 table matches it with (``matched_init``),
which ``torch.nn.init.calculate_gain`` name and parameter give its gain (C8), and its family
(used to group rows in reports).
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

import torch
from torch import nn
from torch.nn import functional as F

from bench import custom, rng
from bench.errors import BenchError, UnknownNameError
from bench.records import is_import_path


@dataclasses.dataclass(frozen=True)
class Activation:
    """One registry entry.

    Attributes:
        name: registry key.
        factory: zero-argument callable returning a new ``nn.Module``.
        family: ``linear``, ``sigmoid``, ``relu``, ``elu`` or ``smooth`` (GELU-like);
            ``custom`` for an activation given by import path.
        matched_init: the initializer claim C6 pairs with this activation.
        gain_name: the ``calculate_gain`` nonlinearity name.
        negative_slope: slope for x < 0 in the leaky family (the mean slope for RReLU,
            PReLU's initial slope), else ``None``; He initialization uses it.
        param: the name of the one parameter ``name(value)`` sets, or ``None``.
        build: ``build(value)`` makes the module with that value (with ``param``).
        saturates: |f′| falls below 1 % of its maximum at both ends (sigmoid, tanh): the
            probes' saturated fraction is defined for it (they measure this; a test checks
            that the declaration agrees).
        gain_value: a gain the activation declares itself (an import-path activation's
            ``gain``): :func:`gain` returns it.
        source_sha256: for an activation given by import path, the sha256 of the module
            source this process runs (its cells' keys hold the same), else ``None``.
        per_unit: the module holds one parameter per unit (a channel of a conv layer):
            ``factory(width)`` and ``build(value, width)`` take the layer's width
            (``prelu_channel``: ``nn.PReLU(num_parameters=width)``).
    """

    name: str
    factory: Callable[[], nn.Module]
    family: str
    matched_init: str
    gain_name: str
    negative_slope: float | None = None
    param: str | None = None
    build: Callable[[float], nn.Module] | None = None
    saturates: bool = False
    gain_value: float | None = None
    source_sha256: str | None = None
    per_unit: bool = False

    def __call__(self, width: int = 1) -> nn.Module:
        """Build a fresh module; a :attr:`per_unit` one with ``width`` parameters (the
        layer's units or channels), any other ignores ``width``."""
        return self.factory(width) if self.per_unit else self.factory()


_RRELU_LOWER, _RRELU_UPPER = 1.0 / 8.0, 1.0 / 3.0  # torch defaults, Xu et al. 2015


class RReLU(rng.Hashed):
    """Randomized leaky ReLU (Xu et al. 2015), its randomness counter-based.

    In training each element's negative slope is drawn from U(lower, upper); in evaluation
    the slope is their mean: ``torch.nn.RReLU``'s definition. A draw is a hash of
    (``seed``, ``layer``, ``step``, element) (:class:`bench.rng.Hashed`), not the state of a
    generator, so a member draws the same slopes alone or stacked with others, on any
    device.
    """

    def __init__(self, lower: float = _RRELU_LOWER, upper: float = _RRELU_UPPER) -> None:
        super().__init__()
        self.lower, self.upper = lower, upper

    def apply(self, x: torch.Tensor, noise: torch.Tensor | None) -> torch.Tensor:
        """``x`` where x ≥ 0, else ``slope · x``, the slope drawn from ``noise`` (consumed);
        without noise, the mean slope (``F.leaky_relu``).

        A product ``x · s`` (s = 1 where x ≥ 0): its backward is one multiplication,
        where ``torch.where`` or clamps would cost several slow passes on the CPU. ``s`` is
        ``(slope − slope · keep) + keep`` with ``keep`` the float 0/1 of x ≥ 0: exactly 1 or
        the slope (the products are by 0 or 1, the difference 0 or the slope), as a boolean
        ``masked_fill`` would give, at a tenth of its cost on the CPU, in place."""
        if noise is None:
            return F.leaky_relu(x, (self.lower + self.upper) / 2)
        slope = noise.mul_(self.upper - self.lower).add_(self.lower)
        keep = torch.ge(x, 0, out=torch.empty_like(x))  # 1.0 where x ≥ 0, else 0.0 (NaN: 0)
        return x * slope.addcmul_(slope, keep, value=-1).add_(keep)

    def extra_repr(self) -> str:
        """Like ``nn.RReLU``'s."""
        return f"lower={self.lower}, upper={self.upper}"

    @staticmethod
    def stacked(acts: Sequence[RReLU]) -> StackedRReLU:
        """Its stacked form (:func:`bench.run.batched.stack` asks a module type for it)."""
        return StackedRReLU(acts)


class StackedRReLU(rng.StackedHashed):
    """K RReLUs: member k's slopes are hashed from (its seed, the layer, the step, the
    element), all members in one set of kernels, as each would draw them alone."""


_BUILT_IN: dict[str, Activation] = {
    a.name: a
    for a in [
        Activation("identity", nn.Identity, "linear", "glorot_uniform", "linear"),
        Activation("sigmoid", nn.Sigmoid, "sigmoid", "glorot_uniform", "sigmoid", saturates=True),
        Activation("tanh", nn.Tanh, "sigmoid", "glorot_uniform", "tanh", saturates=True),
        Activation("relu", nn.ReLU, "relu", "he_normal", "relu"),
        Activation(
            "leaky_relu",
            lambda: nn.LeakyReLU(0.01),
            "relu",
            "he_normal",
            "leaky_relu",
            negative_slope=0.01,
            param="negative_slope",
            build=nn.LeakyReLU,
        ),
        Activation(
            "rrelu",
            lambda: RReLU(_RRELU_LOWER, _RRELU_UPPER),
            "relu",
            "he_normal",
            "leaky_relu",
            negative_slope=(_RRELU_LOWER + _RRELU_UPPER) / 2,
        ),
        Activation(
            "prelu",
            lambda: nn.PReLU(init=0.25),
            "relu",
            "he_normal",
            "leaky_relu",
            negative_slope=0.25,
            param="negative_slope",
            build=lambda v: nn.PReLU(init=v),
        ),
        Activation(  # He et al. 2015's channel-wise PReLU: one learned slope per unit
            "prelu_channel",
            lambda width: nn.PReLU(num_parameters=width, init=0.25),
            "relu",
            "he_normal",
            "leaky_relu",
            negative_slope=0.25,
            param="negative_slope",
            build=lambda v, width: nn.PReLU(num_parameters=width, init=v),
            per_unit=True,
        ),
        Activation("elu", nn.ELU, "elu", "he_normal", "relu", param="alpha", build=nn.ELU),
        Activation("selu", nn.SELU, "elu", "lecun_normal", "selu"),
        Activation("celu", nn.CELU, "elu", "he_normal", "relu"),
        Activation("gelu", nn.GELU, "smooth", "he_normal", "relu"),
        Activation("silu", nn.SiLU, "smooth", "he_normal", "relu"),
        Activation("mish", nn.Mish, "smooth", "he_normal", "relu"),
        Activation("softplus", nn.Softplus, "smooth", "he_normal", "relu"),
        Activation("hardswish", nn.Hardswish, "smooth", "he_normal", "relu"),
    ]
}


_CLOSED = (
    "bench.activations.REGISTRY is read-only: an activation added at run time would be keyed "
    "by its name alone, and an edited one would reuse stale results. Name your own by import "
    "path instead, package.module:Name (a suite's activation list, --activations, or the "
    'class or function itself in the API): docs/reference.md, "Your own activation"'
)


class RegistryClosedError(BenchError, TypeError):
    """An attempt to add to, change or empty :data:`REGISTRY`."""


class _ReadOnly(Mapping[str, Activation]):
    """The built-in entries behind a mapping that refuses every change with a pointer."""

    def __init__(self, entries: dict[str, Activation]) -> None:
        self._entries = entries

    def __getitem__(self, name: str) -> Activation:
        return self._entries[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __repr__(self) -> str:
        return f"REGISTRY({', '.join(self._entries)})"

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise RegistryClosedError(_CLOSED)

    __setitem__ = __delitem__ = setdefault = update = pop = popitem = clear = _refuse


REGISTRY: Mapping[str, Activation] = _ReadOnly(_BUILT_IN)


def names() -> list[str]:
    """Return the registered activation names, in registry order."""
    return list(REGISTRY)


_PARAMETRIC = re.compile(r"^([a-z_]+)\(\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*\)$")


def _with_value(base: Activation, value: float) -> Activation:
    name = f"{base.name}({value:g})"
    slope = value if base.param == "negative_slope" else base.negative_slope
    return dataclasses.replace(
        base, name=name, factory=functools.partial(base.build, value), negative_slope=slope
    )


def _parametric(name: str) -> Activation | None:
    """The entry of ``base(value)``, or None when ``name`` is not of that form."""
    match = _PARAMETRIC.match(name)
    if not match:
        return None
    base = REGISTRY.get(match.group(1))
    if base is None or base.param is None:
        return None
    return _with_value(base, float(match.group(2)))


def _valid() -> list[str]:
    params = (f"{n}(<{a.param}>)" for n, a in REGISTRY.items() if a.param)
    return [*names(), *params, "package.module:Name"]


def _imported(path: str) -> Activation:
    """The entry of an activation given by import path (:func:`bench.custom.load`)."""
    c = custom.load(path)
    return Activation(
        path,
        c.factory,
        "custom",
        c.matched_init,
        c.gain_name,
        gain_value=c.gain,
        source_sha256=c.digest,
    )


def canonical(name: str) -> str:
    """The one spelling of an activation name (a parameter value as ``:g`` prints it).

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names and forms.
    """
    return get(name).name


def get(name: str | Activation | Callable[[], nn.Module]) -> Activation:
    """Look an activation up.

    Args:
        name: a registry key, an import path ``package.module:Name`` (an ``nn.Module``
            class or a function of a tensor, :mod:`bench.custom`), an :class:`Activation`,
            or a zero-argument module factory (wrapped as an ad-hoc ``smooth`` activation
            matched with He normal init; never part of a cell).

    Returns:
        The registry entry; ``get("relu")()`` is a new ``nn.ReLU``; ``get("leaky_relu(0.25)")``
        an entry whose modules have slope 0.25; ``get("mymod:Snake")`` an entry of the
        ``custom`` family whose ``source_sha256`` is its module's.

    Raises:
        UnknownNameError: for an unknown name; the message lists the valid names.
        bench.custom.SourceError: an import path that cannot be used (the message says why).
    """
    if isinstance(name, Activation):
        return name
    if isinstance(name, str) and is_import_path(name):
        return _imported(name)
    if callable(name):
        label = getattr(name, "__name__", type(name).__name__).lower()
        return Activation(label, name, "smooth", "he_normal", "relu")
    try:
        return REGISTRY[name]
    except KeyError:
        found = _parametric(name) if isinstance(name, str) else None
        if found is None:
            raise UnknownNameError("activation", name, _valid()) from None
        return found


def gain(name: str | Activation) -> float:
    """Return ``torch.nn.init.calculate_gain`` for an activation (claim C8).

    LeakyReLU-family entries pass their negative slope; SELU returns PyTorch's 3/4, which
    is *not* what self-normalization needs (the ``matched`` policy uses LeCun normal, gain 1).
    An activation given by import path that declares a ``gain`` returns it.
    """
    act = get(name)
    if act.gain_value is not None:
        return act.gain_value
    return nn.init.calculate_gain(act.gain_name, act.negative_slope)
