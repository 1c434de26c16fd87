"""Every claim judged over one store: what the claims read from it, then each claim's
measure and judge. Reads only the store (``bench claims run``, which fills it, lives in
:mod:`bench.execute.claims`).

Public:
    context(store) -> Context               each claim suite's frame, the timings, the checks
    judge_all(ctx, claims=None) -> list[(Claim, Finding, Verdict)]
                                            every claim measured and judged (registry order)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench import claims as registry
from bench.claims.base import Claim, Context, Finding, Verdict

if TYPE_CHECKING:
    from bench.store import Store


def context(store: Store) -> Context:
    """What the claims read from one store: each known claim suite's results (its own cells
    only; the groups trained apart too, where stored), the ``bench speed`` timings and the
    exact checks."""
    known = set(store.suites())
    names = [s for _, s in registry.every_suite()]
    frames = {s: store.frame(s, series=True) for s in names if s in known}
    return Context(frames=frames, timings=store.timings(), checks=store.checks())


def judge_all(
    ctx: Context, claims: Sequence[Claim] | None = None
) -> list[tuple[Claim, Finding, Verdict]]:
    """Measure and judge each claim (registry order)."""
    out = []
    for claim in claims or list(registry.REGISTRY.values()):
        finding = claim.measure(ctx)
        out.append((claim, finding, claim.judge(finding.frames())))
    return out
