"""What every scoring module shares and none of them computes: the thresholds (one constant
per idea) and the record of one comparison. Standard library only, so the tests
(:mod:`bench.scoring.stats`), the comparisons (:mod:`bench.scoring.paired`) and the verdict
rules (:mod:`bench.scoring.verdicts`) all sit above it and none of them imports another to
read a constant.

Public:
    ALPHA               significance level of every test (0.05)
    ROPE                region of practical equivalence of an accuracy: one point (0.01)
    ROPE_EPOCHS         region of practical equivalence of an epoch count: half an epoch
    TARGET_SHARE        a convergence target's share of the level it is set from (0.9)
    CLAIMED_ORDER       the study note's order of hidden-layer activations (claim C15)
    Comparison          frozen dataclass: effect, CI, p-values, verdict of arm A against B
"""

from __future__ import annotations

from dataclasses import dataclass

ALPHA = 0.05
ROPE = 0.01  # one accuracy point: smaller differences are practically equivalent
ROPE_EPOCHS = 0.5  # half an epoch: epochs are counted whole, seeds averaged
TARGET_SHARE = 0.9  # "converged": 90 % of the level the target is set from
CLAIMED_ORDER = ("selu", "elu", "leaky_relu", "relu", "tanh", "sigmoid")  # claim C15


@dataclass(frozen=True)
class Comparison:
    """A vs B over data sets × seeds; :func:`bench.scoring.paired.compare` says how each
    field is made. p-values are one-sided unless named otherwise; ``p_lower`` and
    ``p_upper`` are the two halves of the TOST behind ``p_equiv`` (its larger one)."""

    effect: float
    ci_low: float
    ci_high: float
    p: float
    p_seed: float
    p_equiv: float
    n_datasets: int
    n_seeds: int
    rope: float
    verdict: str
    wins: int
    losses: int
    p_less: float = float("nan")  # the mirrored one-sided p (B > A), what "B>A" rests on
    decidable: bool = True  # the data sets can reach alpha at all (after Holm over family)
    needed: int = 0  # the fewest data sets that can
    p_a_better: float = float("nan")  # Bayesian signed-rank: P(A better by more than rope)
    p_rope: float = float("nan")  # P(|difference| inside the rope)
    p_b_better: float = float("nan")  # P(B better by more than rope)
    to_detect: int = 0  # data sets to detect the observed mean difference with 80 % power
    p_two_sided: float = float("nan")  # the data-set-level test either way
    p_lower: float = float("nan")  # TOST half: the mean difference is above −rope
    p_upper: float = float("nan")  # TOST half: the mean difference is below +rope
