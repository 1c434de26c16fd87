"""Error types shared by the harness.

Public:
    BenchError          base class; the CLI prints its message and exits with status 2
    UnknownNameError    an unknown registry name; the message lists the valid names and,
                        when one is close, suggests it
    SuiteError          a bad suite file; the message names the file and the field
    did_you_mean(name, valid) -> str
                        `` (did you mean 'relu'?)`` for the closest valid name (or the
                        names it begins: `` (did you mean 'he_uniform' or 'he_normal'?)``),
                        or ''
    unknown_name(kind, name, valid) -> str
                        "unknown activation 'rleu'; valid: …, hardswish (did you mean 'relu'?)"
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def did_you_mean(name: object, valid: Iterable[str]) -> str:
    """`` (did you mean 'x'?)`` naming the valid name closest to ``name``
    (``difflib.get_close_matches``, its default cutoff 0.6); when none is close, the valid
    names that begin with ``name`` (at most three: ``he`` → ``he_uniform`` or
    ``he_normal``); '' when there are none."""
    if not isinstance(name, str):
        return ""
    valid = list(valid)
    close = difflib.get_close_matches(name, valid, n=1)
    if not close and name:
        close = [v for v in valid if v.startswith(name)][:3]
    if not close:
        return ""
    names = [repr(c) for c in close]
    listed = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    return f" (did you mean {listed}?)"


def unknown_name(kind: str, name: object, valid: Iterable[str]) -> str:
    """The message for an unknown name: the valid ones, then a suggestion if one is close."""
    valid = list(valid)
    return f"unknown {kind} {name!r}; valid: {', '.join(valid)}{did_you_mean(name, valid)}"


class BenchError(Exception):
    """A user-facing error: the CLI prints the message, no traceback, exit status 2."""


class UnknownNameError(BenchError, KeyError):
    """An unknown registry name; the message lists the valid names and ends with
    `` (did you mean 'relu'?)`` when one is close."""

    def __init__(self, kind: str, name: object, valid: Iterable[str]) -> None:
        self.kind, self.name, self.valid = kind, name, list(valid)
        super().__init__(unknown_name(kind, name, self.valid))

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class SuiteError(BenchError):
    """A suite file that cannot be run, detected before anything trains."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source, self.field = source, field
        super().__init__(f"{source}: {field}: {message}")
