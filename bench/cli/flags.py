"""The parser type of ``bench`` and the helpers every command's options share.

Public:
    FlagParser          an ArgumentParser whose flags answer to their other spellings and
                        to any beginning that names one flag; an unknown flag is refused
                        under its command's usage with the flags it may have meant;
                        ``.flags`` (option string → dest), ``.declared`` (its arguments, as
                        declared) and ``.subcommands`` (name → parser) say what it accepts
    RAW                 the help formatter every command uses (examples kept as written)
    examples(*lines) -> str                 a command's epilog
    store_argument(p, what)                 the store, positional (STORE) or ``--store``
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Sequence
from typing import Any

RAW = argparse.RawDescriptionHelpFormatter


class FlagParser(argparse.ArgumentParser):
    """An ArgumentParser whose flags may be shortened to any beginning that names one flag
    (its other spellings included), and that refuses an unknown flag under its own
    command's usage, naming the flags it may have meant."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["allow_abbrev"] = False  # expanded here: a flag's two spellings are one flag
        self.flags: dict[str, str] = {}  # option string → dest, in the order declared
        self.declared: list[argparse.Action] = []  # every argument, -h included
        self.subcommands: dict[str, argparse.ArgumentParser] = {}  # name → its parser
        self.commands = False
        super().__init__(*args, **kwargs)

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        action = super().add_argument(*args, **kwargs)
        self.declared.append(action)
        self.flags.update(dict.fromkeys(action.option_strings, action.dest))
        return action

    def add_subparsers(self, **kwargs: Any) -> Any:
        self.commands = True
        action = super().add_subparsers(**kwargs)
        self.subcommands = action.choices  # filled as each command's parser is added
        return action

    def _expand(self, word: str) -> str:
        name, eq, value = word.partition("=")
        if not name.startswith("--") or name in self.flags:
            return word
        dests = {self.flags[f] for f in self.flags if f.startswith(name)}
        if len(dests) != 1:
            return word
        (dest,) = dests
        return next(f for f in self.flags if self.flags[f] == dest) + eq + value

    def _hint(self, word: str) -> str:
        name = word.partition("=")[0]
        first: dict[str, str] = {}  # each flag once, by its first spelling
        for flag, dest in self.flags.items():
            if flag.startswith("--"):
                first.setdefault(dest, flag)
        flags = list(first.values())
        begun = [f for f in flags if f.startswith(name)] if len(name) > 2 else []
        words = {f[2:]: f for f in self.flags if f.startswith("--")}  # compared without --
        close = begun or [
            first[self.flags[words[w]]]
            for w in difflib.get_close_matches(name.lstrip("-"), list(words), n=1)
        ]
        if not close:
            return ""
        listed = close[0] if len(close) == 1 else f"{', '.join(close[:-1])} or {close[-1]}"
        return f" (did you mean {listed}?)"

    def parse_known_args(
        self, args: Sequence[str] | None = None, namespace: argparse.Namespace | None = None
    ) -> tuple[argparse.Namespace, list[str]]:
        words = list(sys.argv[1:] if args is None else args)
        if not self.commands:  # a command's own flags (the top level hands the rest on)
            end = words.index("--") if "--" in words else len(words)
            words = [self._expand(w) for w in words[:end]] + words[end:]
            known = self.flags
            unknown = [w for w in words[:end] if w[:2] == "--" and w.split("=")[0] not in known]
            if unknown:  # before argparse's own checks, which would not name them
                self.error(
                    f"unrecognized argument{'s' if len(unknown) > 1 else ''}: "
                    f"{' '.join(unknown)}{self._hint(unknown[0])}"
                )
        namespace, extra = super().parse_known_args(words, namespace)
        if extra:
            self.error(f"unrecognized argument{'s' if len(extra) > 1 else ''}: {' '.join(extra)}")
        return namespace, extra


def examples(*lines: str) -> str:
    """A command's epilog: ``examples:`` and each line indented."""
    return "examples:\n" + "\n".join(f"  {line}" for line in lines)


def store_argument(p: argparse.ArgumentParser, what: str = "the SQLite store to read") -> None:
    """The store, positional (STORE) or as ``--store``: a command reads either."""
    p.add_argument("store_path", nargs="?", metavar="STORE", help=what)
    p.add_argument("--store", help="the same, as an option")
