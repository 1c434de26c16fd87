"""A user's own activation, given by import path: ``package.module:Name``.

Public:
    INIT_FAMILIES       ``init_family`` value → the initializer ``matched`` stands for
    GAIN_INIT           what ``matched`` stands for when the activation declares a ``gain``
    FALLBACK_INIT       what ``matched`` stands for when it declares neither
    SourceError         an activation refused (a BenchError, exit status 2, and a ValueError,
                        so suite validation names the field)
    Loaded              what a path resolves to: factory, ``matched`` choice, gain, digest
    Function            a function of a tensor as an ``nn.Module``
    load(path) -> Loaded
                        import the module from its source file, check the object, build it
                        once on a small tensor
    path_of(obj) -> str the import path of a class or function (``module:qualname``)
    with_paths(doc, source) -> dict
                        a suite dict with its activation objects replaced by their paths

The name is an nn.Module subclass (built with no arguments) or a function of a tensor,
defined in the module the path names. A cell's key holds the path and the sha256 of that
module's source file (:func:`bench.records.source_digest`), so an edited activation gets new
cells. To keep the code that trains equal to the source that is keyed, :func:`load` runs the
very bytes it hashed (a module imported before the harness first looked is taken as it is;
once its file changes, it is run again from the new bytes, in place, as
``importlib.reload`` would, bypassing stale bytecode). Whatever has no source of its own to
key (a lambda, a builtin, a C extension, an object defined in ``__main__`` or a notebook
cell, or elsewhere than the module the path names) is refused with one line.

``matched`` for such an activation comes from an attribute of the class (or function):
``init_family = "he" | "lecun" | "glorot"`` (He normal with gain √2, LeCun normal, Glorot
uniform), or ``gain = <float>`` (N(0, gain²/fan_in), ``lecun_normal_gain``); without one it
falls back to ``torch_default``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import inspect
import math
import re
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import torch
from torch import nn

from bench.errors import BenchError, SuiteError, did_you_mean
from bench.records import IMPORT_SEP

INIT_FAMILIES = {"he": "he_normal", "lecun": "lecun_normal", "glorot": "glorot_uniform"}
GAIN_INIT = "lecun_normal_gain"  # N(0, gain²/fan_in) with the declared gain
FALLBACK_INIT = "torch_default"
_GAIN_NAMES = {"he": "relu", "lecun": "linear", "glorot": "linear"}  # calculate_gain's name

_NAME = r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*"
_PATH = re.compile(rf"^{_NAME}{IMPORT_SEP}{_NAME}$")
_WHERE = (
    "put the folder that holds it on PYTHONPATH (PYTHONPATH=that/folder python -m bench …), "
    "where the workers run too"
)


class SourceError(BenchError, ValueError):
    """An activation given by import path that cannot be used (one line: what and why)."""


@dataclass(frozen=True)
class Loaded:
    """What an import path resolves to.

    Attributes:
        path: ``package.module:Name``.
        factory: zero-argument callable returning a new ``nn.Module``.
        matched_init: the initializer ``matched`` stands for.
        gain_name: the ``calculate_gain`` name the declared family implies (``linear``
            without one).
        gain: the declared gain, or ``None``.
        digest: the sha256 of the module's source, the bytes this process runs.
    """

    path: str
    factory: Callable[[], nn.Module]
    matched_init: str
    gain_name: str
    gain: float | None
    digest: str


class Function(nn.Module):
    """A function of a tensor as an activation module (a function given by import path)."""

    def __init__(self, fn: Callable[[torch.Tensor], torch.Tensor], path: str = "") -> None:
        super().__init__()
        self.fn, self.path = fn, path

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``fn(x)``."""
        return self.fn(x)

    def extra_repr(self) -> str:
        """The import path."""
        return self.path


_RAN: dict[str, str] = {}  # module name → digest of the source its sys.modules entry ran
_LOADED: dict[str, tuple[str, Loaded]] = {}  # path → (digest, what it resolved to)


def load(path: str) -> Loaded:
    """Resolve ``package.module:Name``: the module run from the source file it hashes, the
    object checked, ``matched`` chosen, one module built and run on a small tensor.

    Nothing here touches torch's global random state (a network built after it draws what it
    would have drawn anyway).

    Raises:
        SourceError: a malformed path, a module that cannot be found or imported (the message
            names the path and ``PYTHONPATH``), a missing name, an object without source of
            its own, a bad ``init_family`` or ``gain``, a module that cannot be built with no
            arguments, holds parameters without a stacked form, or is not elementwise.
    """
    if not _PATH.match(path):
        raise SourceError(
            f"activation {path!r}: not an import path; write package.module:Name, a class or "
            "function in a module file"
        )
    name, _, qualname = path.partition(IMPORT_SEP)
    with torch.random.fork_rng(devices=[]):
        module, digest = _module(path, name)
        hit = _LOADED.get(path)
        if hit is not None and hit[0] == digest:
            return hit[1]
        obj: Any = module
        for part in qualname.split("."):
            if not hasattr(obj, part):
                names = [n for n in dir(obj) if not n.startswith("_")]
                raise SourceError(
                    f"activation {path!r}: {name} ({module.__file__}) has no {part!r}"
                    f"{did_you_mean(part, names)}"
                )
            obj = getattr(obj, part)
        _check(path, obj, name)
        factory = obj if isinstance(obj, type) else functools.partial(Function, obj, path)
        _trial(path, factory)
        loaded = Loaded(path, factory, *_matched(path, obj), digest)
    _LOADED[path] = (digest, loaded)
    return loaded


def _module(path: str, name: str) -> tuple[ModuleType, str]:
    """The module ``name``, running the source whose sha256 is returned with it."""
    try:
        spec = importlib.util.find_spec(name)
    except Exception as exc:  # its package is missing, or fails as it imports
        raise SourceError(
            f"activation {path!r}: cannot import {name!r} ({type(exc).__name__}: "
            f"{_line(exc)}); {_WHERE}"
        ) from None
    if spec is None:
        raise SourceError(f"activation {path!r}: no module named {name!r}; {_WHERE}")
    origin = spec.origin if spec.has_location else None
    if not origin or not origin.endswith(".py"):
        raise SourceError(
            f"activation {path!r}: {name!r} has no Python source file ({origin or 'built in'}), "
            "and an activation is keyed by its source: define it in a .py module"
        )
    try:
        source = Path(origin).read_bytes()
    except OSError as exc:
        raise SourceError(f"activation {path!r}: cannot read {origin}: {exc.strerror}") from None
    digest = hashlib.sha256(source).hexdigest()
    current = sys.modules.get(name)
    if current is not None and _RAN.setdefault(name, digest) == digest:
        return current, digest  # imported already (by us, or before we looked), unchanged
    module = current if current is not None else importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        exec(compile(source, origin, "exec", dont_inherit=True), module.__dict__)
    except Exception as exc:
        if current is None:
            sys.modules.pop(name, None)
        raise SourceError(
            f"activation {path!r}: importing {name} failed: {type(exc).__name__}: {_line(exc)}"
        ) from None
    parent, _, child = name.rpartition(".")
    if current is None and parent in sys.modules:
        setattr(sys.modules[parent], child, module)
    _RAN[name] = digest
    return module, digest


def _line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def _check(path: str, obj: Any, module: str) -> None:
    """Refuse what is not an nn.Module class or a Python function defined in ``module``."""
    if getattr(obj, "__name__", "") == "<lambda>":
        raise SourceError(
            f"activation {path!r} is a lambda: define it with def (or as an nn.Module class) "
            "in a module file"
        )
    if isinstance(obj, type):
        if not issubclass(obj, nn.Module):
            raise SourceError(f"activation {path!r}: the class {obj.__name__} is not an nn.Module")
    elif not inspect.isfunction(obj):
        kind = "a builtin (no Python source)" if inspect.isbuiltin(obj) else type(obj).__name__
        raise SourceError(
            f"activation {path!r} is {kind}, not an nn.Module class or a function of a tensor"
            + ("; wrap it in a def of your own" if inspect.isbuiltin(obj) else "")
        )
    if obj.__module__ != module:
        raise SourceError(
            f"activation {path!r} is defined in {obj.__module__}, whose source keys it: "
            f"name it there, {obj.__module__}{IMPORT_SEP}{obj.__qualname__}"
        )


def _matched(path: str, obj: Any) -> tuple[str, str, float | None]:
    """(``matched``'s initializer, the ``calculate_gain`` name, the declared gain)."""
    family, gain = getattr(obj, "init_family", None), getattr(obj, "gain", None)
    if family is not None and gain is not None:
        raise SourceError(f"activation {path!r}: declare init_family or gain, not both")
    if family is not None:
        if family not in INIT_FAMILIES:
            raise SourceError(
                f"activation {path!r}: init_family {family!r}; valid: "
                f"{', '.join(INIT_FAMILIES)}{did_you_mean(family, INIT_FAMILIES)}"
            )
        return INIT_FAMILIES[family], _GAIN_NAMES[family], None
    if gain is not None:
        number = isinstance(gain, int | float) and not isinstance(gain, bool)
        if not number or not math.isfinite(gain) or gain <= 0:
            raise SourceError(f"activation {path!r}: gain must be a number > 0, got {gain!r}")
        return GAIN_INIT, "linear", float(gain)
    return FALLBACK_INIT, "linear", None


def _trial(path: str, factory: Callable[[], nn.Module]) -> None:
    """Build one module and run it on a small tensor: what the harness needs of it."""
    try:
        module = factory()
    except Exception as exc:
        raise SourceError(
            f"activation {path!r} cannot be built with no arguments: {type(exc).__name__}: "
            f"{_line(exc)}"
        ) from None
    own = [*module.parameters(), *module.buffers()]
    if own and getattr(type(module), "stacked", None) is None:
        raise SourceError(
            f"activation {path!r} holds parameters or buffers but declares no stacked form "
            "(a static method stacked(modules), as bench.activations.RReLU does); the bench "
            "trains networks as stacks"
        )
    x = torch.linspace(-3.0, 3.0, 12).reshape(2, 6)
    try:
        with torch.no_grad():
            y = module(x)
    except Exception as exc:
        raise SourceError(
            f"activation {path!r} fails on a tensor: {type(exc).__name__}: {_line(exc)}"
        ) from None
    if not isinstance(y, torch.Tensor) or y.shape != x.shape:
        shape = tuple(y.shape) if isinstance(y, torch.Tensor) else type(y).__name__
        raise SourceError(
            f"activation {path!r} maps a (2, 6) tensor to {shape}: an activation acts "
            "elementwise, its output shaped like its input"
        )


def path_of(obj: Any) -> str:
    """The import path of an activation class or function, ``module:qualname`` (a string is
    returned as it is). What :func:`load` would then refuse is left to it.

    Raises:
        SourceError: a lambda, an object defined inside a function, in ``__main__`` (a
            script or a notebook cell), or something that is not a class or a function.
    """
    if isinstance(obj, str):
        return obj
    if not (inspect.isclass(obj) or inspect.isfunction(obj)):
        raise SourceError(
            f"activation {obj!r}: give an nn.Module class, a function of a tensor or an "
            "import path package.module:Name"
        )
    if obj.__name__ == "<lambda>":
        raise SourceError(
            "activation <lambda>: a lambda has no name to import it by: define it with def "
            "(or as an nn.Module class) in a module file"
        )
    where = obj.__module__
    if "<locals>" in obj.__qualname__:
        raise SourceError(
            f"activation {obj.__qualname__}: defined inside a function, so it cannot be "
            "imported: define it at the top level of a module file"
        )
    if where in (None, "__main__", "builtins"):
        raise SourceError(
            f"activation {obj.__qualname__}: defined in {where} (a script or a notebook "
            "cell), which has no module file to import it from and key it by: move it to a "
            "module file on PYTHONPATH and import it from there"
        )
    return f"{where}{IMPORT_SEP}{obj.__qualname__}"


def with_paths(doc: Mapping[str, Any], source: str) -> dict[str, Any]:
    """``doc`` (a suite in the TOML layout) with every activation object (top level,
    ``grid.activation``, ``exclude[i].activation``) replaced by its import path.

    Raises:
        SuiteError: naming ``source`` and the field, for an object :func:`path_of` refuses.
    """

    def paths(field: str, value: Any) -> Any:
        try:
            if isinstance(value, list | tuple):
                return [path_of(v) for v in value]
            return path_of(value)
        except SourceError as exc:
            raise SuiteError(source, field, str(exc)) from None

    out = dict(doc)
    if "activation" in out:
        out["activation"] = paths("activation", out["activation"])
    grid = out.get("grid")
    if isinstance(grid, Mapping) and "activation" in grid:
        out["grid"] = {**grid, "activation": paths("grid.activation", grid["activation"])}
    rules = out.get("exclude")
    if isinstance(rules, list):
        out["exclude"] = [
            {**r, "activation": paths(f"exclude[{i}].activation", r["activation"])}
            if isinstance(r, Mapping) and "activation" in r
            else r
            for i, r in enumerate(rules)
        ]
    return out
