"""Error types shared by the harness.

Public:
    BenchError          base class; the CLI prints its message and exits with status 2
    UnknownNameError    an unknown registry name; the message lists the valid names
    SuiteError          a bad suite file; the message names the file and the field
"""

from __future__ import annotations

from collections.abc import Iterable


class BenchError(Exception):
    """A user-facing error: the CLI prints the message, no traceback, exit status 2."""


class UnknownNameError(BenchError, KeyError):
    """An unknown registry name."""

    def __init__(self, kind: str, name: object, valid: Iterable[str]) -> None:
        self.kind, self.name, self.valid = kind, name, list(valid)
        super().__init__(f"unknown {kind} {name!r}; valid: {', '.join(self.valid)}")

    def __str__(self) -> str:  # KeyError would otherwise quote the message
        return str(self.args[0])


class SuiteError(BenchError):
    """A suite file that cannot be run, detected before anything trains."""

    def __init__(self, source: str, field: str, message: str) -> None:
        self.source, self.field = source, field
        super().__init__(f"{source}: {field}: {message}")
