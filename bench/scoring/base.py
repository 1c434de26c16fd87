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
    field is made. p-values are one-sided signed-rank p-values unless named otherwise;
    ``p_lower`` and ``p_upper`` are the two halves of the TOST behind ``p_equiv`` (its
    larger one). ``verdict`` is an outcome (``A>B``, ``B>A``, ``EQUIVALENT``,
    ``INCONCLUSIVE``) of :func:`bench.scoring.verdicts.decide`; ``negligible``: a
    directional outcome whose TOST also puts it inside ±rope (and whose mean and
    Hodges–Lehmann estimate lie there: ``inside``)."""

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
    decidable: bool = True  # the nonzero data sets can reach alpha (after Holm over family)
    needed: int = 0  # the fewest nonzero data sets that can
    p_a_better: float = float("nan")  # Bayesian signed-rank: P(A better by more than rope)
    p_rope: float = float("nan")  # P(|difference| inside the rope)
    p_b_better: float = float("nan")  # P(B better by more than rope)
    to_detect: float = float("nan")  # data sets to detect A>B at the observed mean (80 % power)
    p_two_sided: float = float("nan")  # the data-set-level test either way
    p_lower: float = float("nan")  # TOST half: the differences lie above −rope
    p_upper: float = float("nan")  # TOST half: the differences lie below +rope
    to_detect_less: float = float("nan")  # the same for B>A (NaN: the mean points to A)
    n_nonzero: int = 0  # data sets whose mean difference is not 0 (what the floor counts)
    n_failed: int = 0  # data sets where both arms failed, left out of every test
    negligible: bool = False  # a directional outcome that TOST also puts inside ±rope
    hl: float = float("nan")  # Hodges–Lehmann location of the per-data-set differences
    inside: bool = False  # the shown mean and ``hl`` both lie inside ±rope
