"""Claims on trial: one module per claim of the study note, each with its committed suite(s).

A claim module (``bench/claims/cNN_*.py``) defines ``CLAIM``, a :class:`Claim`: the note's
statement, the suites whose cells it reads, the treatment and conditions, a ``measure``
function that turns the stored results into tables (computing only, never formatting) and a
``judge`` function that turns those tables into one :class:`Verdict`. The records live in
:mod:`bench.claims.base`; the shared steps in :mod:`bench.claims.common`; every claim
judged over a store in :mod:`bench.claims.judge` (``bench claims run``, which trains the
suites, is :mod:`bench.execute.claims`); the claims report
(:mod:`bench.report.claims`) formats what they return. Adding a claim is one module here
plus one suite under ``suites/claims/``.

Public:
    VERDICTS            the possible verdicts (:mod:`bench.scoring.verdicts`)
    Verdict, Table, Figure, Finding, Context, Claim
                        the records (:mod:`bench.claims.base`)
    REGISTRY            id → Claim, in the note's order (C1 … C18)
    get(claim_id)       one entry; an unknown id lists the valid ones
    GROUP               the suite group ``make claims`` trains (``claims``: ``Claim.suites``)
    groups()            every suite group: GROUP, then those trained apart (``norm`` …)
    suites_dir(group=GROUP)             where a group's suites live (``suites/<group>``)
    all_suites(claims=None, group=GROUP)   the suite names of a group the claims read
    every_suite()       (group, name) of every suite any claim reads, GROUP's first
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Sequence
from pathlib import Path

from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict
from bench.errors import UnknownNameError
from bench.scoring.verdicts import VERDICTS

__all__ = [
    "GROUP",
    "REGISTRY",
    "VERDICTS",
    "Claim",
    "Context",
    "Figure",
    "Finding",
    "Table",
    "Verdict",
    "all_suites",
    "every_suite",
    "get",
    "groups",
    "suites_dir",
]

GROUP = "claims"


def suites_dir(group: str = GROUP) -> Path:
    """The directory of a group's claim suites (``suites/<group>`` in the repository;
    ``suites/claims`` for :data:`GROUP`)."""
    return Path(__file__).resolve().parents[2] / "suites" / group


def _discover() -> dict[str, Claim]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("c") and info.name[1:3].isdigit():
            module = importlib.import_module(f"{__name__}.{info.name}")
            found.append(module.CLAIM)
    found.sort(key=lambda c: int(c.id[1:]))
    return {c.id: c for c in found}


def _registry() -> dict[str, Claim]:
    if "REGISTRY" not in globals():
        globals()["REGISTRY"] = _discover()
    return globals()["REGISTRY"]


def __getattr__(name: str) -> dict[str, Claim]:
    """``REGISTRY`` is built on first use: importing the package (or its records, for the
    claims report) loads no claim module and no statistics library."""
    if name == "REGISTRY":
        return _registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get(claim_id: str) -> Claim:
    """The registry entry for ``claim_id`` (``C4`` or ``c4``).

    Raises:
        UnknownNameError: an unknown id; the message lists the valid ones.
    """
    registry = _registry()
    try:
        return registry[claim_id.upper()]
    except KeyError:
        raise UnknownNameError("claim", claim_id, list(registry)) from None


def all_suites(claims: Sequence[Claim] | None = None, group: str = GROUP) -> list[str]:
    """The suite names of ``group`` the claims read, each once, in claim order (for
    :data:`GROUP`: ``Claim.suites``, what ``make claims`` trains)."""
    out: list[str] = []
    for c in claims or _registry().values():
        names = c.suites if group == GROUP else c.groups.get(group, ())
        out.extend(s for s in names if s not in out)
    return out


def groups() -> list[str]:
    """Every suite group: :data:`GROUP` first, then the groups trained apart, sorted."""
    apart = {g for c in _registry().values() for g in c.groups}
    return [GROUP, *sorted(apart - {GROUP})]


def every_suite() -> list[tuple[str, str]]:
    """(group, suite name) of every suite any claim reads, group by group (:func:`groups`)."""
    return [(g, s) for g in groups() for s in all_suites(group=g)]
