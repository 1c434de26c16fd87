"""The verdict vocabulary and the one rule that turns a pair's p-values into a verdict,
shared by the reports and every claim (the table of ``docs/claims.md``).

Public:
    VERDICTS            a claim's possible verdicts: SUPPORTED, CONTRADICTED, EQUIVALENT,
                        PARTLY, INCONCLUSIVE
    OUTCOMES            what one A-vs-B comparison finds: A>B, B>A, EQUIVALENT, INCONCLUSIVE
    FAILED              why a comparison of two arms that both failed decides nothing
    CLAIMED_ORDER, ROPE, ALPHA
                        the claimed order (C15), the region of practical equivalence (1
                        accuracy point), significance: defined in :mod:`bench.scoring.base`
    decide(p_claimed, p_reverse, p_equiv, claimed, alpha, failed, inside)
                        -> (verdict, negligible)
                        the rule: a pair's verdict from its (Holm-adjusted) p-values
    pair_verdict(p_better, p_worse, alpha) -> str
                        a pair of an order: SUPPORTED, CONTRADICTED or INCONCLUSIVE
    p_claimed(comparison, claimed) -> float
                        the one-sided p in the claimed direction
    part_verdict(comparison, claimed) -> str
                        a claim part's verdict from a comparison (a family of one)
    against(verdict)    a claimed difference found EQUIVALENT counts as CONTRADICTED
    combine(verdicts)   the verdict of a claim made of parts
    row(label, comparison, claimed) -> dict
                        one table row of a comparison (numbers and its part verdict)

The rule (:func:`decide`), for a claim that A beats B (``A>B``; ``B>A`` mirrored):

1. both arms failed on every data set (:data:`FAILED`) → INCONCLUSIVE;
2. the claimed direction is significant → SUPPORTED, and ``negligible`` when the
   difference is also inside ±rope (a real edge too small to matter: "SUPPORTED,
   negligible");
3. the reverse direction is significant → CONTRADICTED (``negligible`` as in 2);
4. the difference is inside ±rope → EQUIVALENT;
5. otherwise INCONCLUSIVE (a test that finds nothing decides nothing).

"Inside ±rope" needs two things: TOST rejects (``p_equiv`` < α), and the effects a reader
sees, the mean difference and the Hodges–Lehmann estimate (the pseudo-median, the
location the signed-rank TOST tests), both lie inside ±rope (``inside``). The signed-rank
TOST alone tests the pseudo-median: on skewed differences it can reject while the mean
sits outside the margin (C15's relu > tanh: TOST p = 0.01 at a mean of +1.1 points).

For a claim of sameness (``A=B``): TOST inside ±rope → SUPPORTED; else either direction
significant → CONTRADICTED; else INCONCLUSIVE. An upper bound that rules a claimed effect
out (a claim's own interval or one-sided bound, e.g. C1's non-superiority, C9's share)
also gives CONTRADICTED; those rules live in the claim and say so.

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
FAILED = "both arms failed"

__all__ = [
    "ALPHA",
    "CLAIMED_ORDER",
    "FAILED",
    "OUTCOMES",
    "ROPE",
    "VERDICTS",
    "against",
    "combine",
    "decide",
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
    "hl": math.nan,
    "p": math.nan,
    "p_seed": math.nan,
    "p_equiv": math.nan,
    "p_reverse": math.nan,
    "wins": 0,
    "losses": 0,
    "n_datasets": 0,
    "n_seeds": 0,
    "n_failed": 0,
    "decidable": False,
    "needed": 0,
    "to_detect": math.nan,
    "p_a_better": math.nan,
    "p_rope": math.nan,
    "p_b_better": math.nan,
    "verdict": "INCONCLUSIVE",
    "negligible": False,
    "inside": False,
}


def decide(
    p_claimed: float,
    p_reverse: float,
    p_equiv: float,
    claimed: str = "A>B",
    alpha: float = ALPHA,
    failed: bool = False,
    inside: bool = True,
) -> tuple[str, bool]:
    """The verdict of one pair (module docstring) from its p-values: in a family, the
    Holm-adjusted ones. A NaN p-value is never significant.

    Args:
        p_claimed: the one-sided p in the claimed direction (``A>B`` or ``B>A``; the
            ``A>B`` one for ``A=B``).
        p_reverse: the one-sided p in the other direction.
        p_equiv: the TOST p that the difference lies inside ±rope.
        claimed: ``A>B``, ``B>A`` or ``A=B``.
        alpha: significance level.
        failed: both arms failed on every data set (nothing was tested).
        inside: the mean difference and its Hodges–Lehmann estimate both lie inside
            ±rope; without it TOST's rejection does not put the difference inside.

    Returns:
        ``(verdict, negligible)``: SUPPORTED, CONTRADICTED, EQUIVALENT or INCONCLUSIVE, and
        whether a SUPPORTED or CONTRADICTED difference is also inside ±rope by TOST.
    """
    if failed:
        return "INCONCLUSIVE", False
    inside = p_equiv < alpha and inside
    if claimed == "A=B":
        if inside:
            return "SUPPORTED", False
        if p_claimed < alpha or p_reverse < alpha:
            return "CONTRADICTED", False
        return "INCONCLUSIVE", False
    if p_claimed < alpha:
        return "SUPPORTED", inside
    if p_reverse < alpha:
        return "CONTRADICTED", inside
    return ("EQUIVALENT" if inside else "INCONCLUSIVE"), False


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


def _reverse(comparison: Comparison, claimed: str) -> float:
    return comparison.p if claimed == "B>A" else comparison.p_less


def part_verdict(comparison: Comparison | None, claimed: str = "A>B") -> str:
    """A claim part's verdict from one comparison, a family of one: :func:`decide` on its
    own p-values (INCONCLUSIVE when nothing was measured)."""
    if comparison is None:
        return "INCONCLUSIVE"
    return _decided(comparison, claimed)[0]


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
    """One table row: effect and CI (fractions), the Hodges–Lehmann estimate ``hl`` beside
    the mean effect (the location the signed-rank tests test), p-values, wins/losses,
    replication (data sets tested, fewest seeds, data sets left out because both arms
    failed there), the floor, ``to_detect`` in the claimed direction (NaN: the observed
    effect points the other way), the Bayesian probabilities, and the part's verdict by
    :func:`decide` (a family of one; :func:`bench.scoring.paired.compare_family` decides
    again on Holm's p-values) with its ``negligible`` flag and ``inside`` (the mean and
    ``hl`` both inside ±rope, which "inside the margin" needs beside TOST)."""
    if comparison is None:
        return {"comparison": label, **_EMPTY}
    c = comparison
    verdict, negligible = _decided(c, claimed)
    return {
        "comparison": label,
        "effect": c.effect,
        "ci_low": c.ci_low,
        "ci_high": c.ci_high,
        "hl": c.hl,
        "p": p_claimed(c, claimed),
        "p_seed": c.p_seed,
        "p_equiv": c.p_equiv,
        "p_reverse": _reverse(c, claimed),
        "wins": c.wins,
        "losses": c.losses,
        "n_datasets": c.n_datasets,
        "n_seeds": c.n_seeds,
        "n_failed": c.n_failed,
        "decidable": c.decidable,
        "needed": c.needed,
        "to_detect": {"A>B": c.to_detect, "B>A": c.to_detect_less}.get(claimed, math.nan),
        # the Bayesian probabilities, A and B as claimed (B>A: A is the arm claimed worse)
        "p_a_better": c.p_b_better if claimed == "B>A" else c.p_a_better,
        "p_rope": c.p_rope,
        "p_b_better": c.p_a_better if claimed == "B>A" else c.p_b_better,
        "verdict": verdict,
        "negligible": negligible,
        "inside": c.inside,
    }


def _decided(c: Comparison, claimed: str) -> tuple[str, bool]:
    failed = c.n_datasets == 0
    return decide(
        p_claimed(c, claimed),
        _reverse(c, claimed),
        c.p_equiv,
        claimed,
        failed=failed,
        inside=c.inside,
    )
