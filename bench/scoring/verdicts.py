"""The verdict vocabulary and the rules that turn comparisons into verdicts, shared by the
reports and every claim.

Public:
    VERDICTS            a claim's possible verdicts: SUPPORTED, CONTRADICTED, EQUIVALENT,
                        PARTLY, INCONCLUSIVE
    OUTCOMES            what one A-vs-B comparison finds: A>B, B>A, EQUIVALENT, INCONCLUSIVE
    CLAIMED_ORDER, ROPE, ALPHA
                        the claimed order (C15), the region of practical equivalence (1
                        accuracy point), significance: defined in :mod:`bench.scoring.base`
    pair_verdict(p_better, p_worse, alpha) -> str
                        a pair of an order: SUPPORTED, CONTRADICTED or INCONCLUSIVE
    part_verdict(comparison, claimed) -> str
                        a claim part's verdict from a comparison
    against(verdict)    a claimed difference found EQUIVALENT counts as CONTRADICTED
    combine(verdicts)   the verdict of a claim made of parts
    row(label, comparison, claimed) -> dict
                        one table row of a comparison (numbers and its part verdict)

Imports nothing heavier than the standard library, so the reports and the claims' records can
use the vocabulary without loading the statistics (:mod:`bench.scoring.paired` compares; the
constants and the :class:`~bench.scoring.base.Comparison` record come from
:mod:`bench.scoring.base`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.scoring.base import ALPHA, CLAIMED_ORDER, ROPE, Comparison

VERDICTS = ("SUPPORTED", "CONTRADICTED", "EQUIVALENT", "PARTLY", "INCONCLUSIVE")
OUTCOMES = ("A>B", "B>A", "EQUIVALENT", "INCONCLUSIVE")

__all__ = [
    "ALPHA",
    "CLAIMED_ORDER",
    "OUTCOMES",
    "ROPE",
    "VERDICTS",
    "against",
    "combine",
    "p_claimed",
    "pair_verdict",
    "part_verdict",
    "row",
]


# the row of a comparison that could not be made (no block holds both arms)
_EMPTY: dict[str, Any] = {
    "effect": math.nan,
    "ci_low": math.nan,
    "ci_high": math.nan,
    "p": math.nan,
    "p_seed": math.nan,
    "p_equiv": math.nan,
    "p_reverse": math.nan,
    "wins": 0,
    "losses": 0,
    "n_datasets": 0,
    "n_seeds": 0,
    "decidable": False,
    "needed": 0,
    "to_detect": 0,
    "p_a_better": math.nan,
    "p_rope": math.nan,
    "p_b_better": math.nan,
    "verdict": "INCONCLUSIVE",
}


def pair_verdict(p_better: float, p_worse: float, alpha: float = ALPHA) -> str:
    """SUPPORTED when the claimed direction is significant (``p_better`` < α), CONTRADICTED
    when the reverse is, else INCONCLUSIVE (a NaN p-value is never significant)."""
    if p_better < alpha:
        return "SUPPORTED"
    if p_worse < alpha:
        return "CONTRADICTED"
    return "INCONCLUSIVE"


def p_claimed(comparison: Comparison, claimed: str) -> float:
    """The one-sided data-set-level p-value in the claimed direction (``A>B`` or ``B>A``)."""
    return comparison.p_less if claimed == "B>A" else comparison.p


def part_verdict(comparison: Comparison | None, claimed: str = "A>B") -> str:
    """A claim part's verdict from a comparison: the claimed direction found → SUPPORTED,
    the opposite → CONTRADICTED, inside the ROPE → EQUIVALENT (a claimed difference that is
    not there), else INCONCLUSIVE (also when nothing was measured)."""
    if comparison is None:
        return "INCONCLUSIVE"
    found = comparison.verdict
    if found == "EQUIVALENT":
        return "EQUIVALENT" if claimed in ("A>B", "B>A") else "SUPPORTED"
    if found == "INCONCLUSIVE":
        return "INCONCLUSIVE"
    if claimed == "A=B":
        return "CONTRADICTED"
    return "SUPPORTED" if found == claimed else "CONTRADICTED"


def against(verdict: str) -> str:
    """A part of a claim that asserts a difference: EQUIVALENT (the difference is absent in
    practice) counts as CONTRADICTED; any other verdict stands."""
    return "CONTRADICTED" if verdict == "EQUIVALENT" else verdict


def combine(verdicts: Sequence[str]) -> str:
    """All parts agree → that verdict; otherwise PARTLY (INCONCLUSIVE if nothing was
    judged)."""
    judged = [v for v in verdicts if v != "INCONCLUSIVE"]
    if not verdicts:
        return "INCONCLUSIVE"
    if len(set(verdicts)) == 1:
        return verdicts[0]
    if not judged:
        return "INCONCLUSIVE"
    return "PARTLY"


def row(label: str, comparison: Comparison | None, claimed: str = "A>B") -> dict[str, Any]:
    """One table row: effect and CI (fractions), p-values, wins/losses, replication, and
    the part's verdict."""
    if comparison is None:
        return {"comparison": label, **_EMPTY}
    c = comparison
    return {
        "comparison": label,
        "effect": c.effect,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "p": p_claimed(c, claimed),
        "p_seed": c.p_seed,
        "p_equiv": c.p_equiv,
        "p_reverse": c.p if claimed == "B>A" else c.p_less,
        "wins": c.wins,
        "losses": c.losses,
        "n_datasets": c.n_datasets,
        "n_seeds": c.n_seeds,
        "decidable": c.decidable,
        "needed": c.needed,
        "to_detect": c.to_detect,
        # the Bayesian probabilities, A and B as claimed (B>A: A is the arm claimed worse)
        "p_a_better": c.p_b_better if claimed == "B>A" else c.p_a_better,
        "p_rope": c.p_rope,
        "p_b_better": c.p_a_better if claimed == "B>A" else c.p_b_better,
        "verdict": part_verdict(c, claimed),
    }
