"""One comparison of arm A against arm B from their paired differences: every test of the
scheme (``docs/claims.md``) on the per-data-set differences, in one
:class:`~bench.scoring.base.Comparison` (numpy, pandas; the tests themselves are
:mod:`bench.scoring.stats`; no torch). :mod:`bench.scoring.paired` pairs the arms and
compares families; it re-exports :func:`compare`.

Public:
    compare(diffs, rope, alpha, n_boot, seed, family) -> Comparison
                                the project's comparison rule
    tested(diffs) -> bool       whether :func:`compare` tests anything in ``diffs`` (some
                                data set where the two arms did not both fail)
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from bench.scoring.base import ALPHA, ROPE, Comparison
from bench.scoring.stats import (
    bayes_signed_rank,
    hierarchical_bootstrap,
    hodges_lehmann,
    needed,
    smallest_p,
    to_detect,
    tost_halves,
    wilcoxon,
)
from bench.scoring.verdicts import decide

__all__ = ["compare", "tested"]


def compare(
    diffs: pd.DataFrame,
    rope: float = ROPE,
    alpha: float = ALPHA,
    n_boot: int = 4000,
    seed: int = 0,
    family: int = 1,
    companions: bool = True,
) -> Comparison:
    """Judge arm A against arm B from the paired differences (A - B) of :func:`paired`.

    Quantities (data set = unit of replication; its seeds are averaged first; a data set
    where both arms failed, ``failed`` column, is left out of all of them and counted in
    ``n_failed``):

    - ``effect``, ``ci_low``, ``ci_high``: :func:`hierarchical_bootstrap` of ``diff`` over data
      sets (1 - ``alpha`` percentile interval). Shown; it decides nothing.
    - ``p`` / ``p_less``: one-sided Wilcoxon signed-rank p (``greater`` / ``less``;
      :func:`bench.scoring.stats.wilcoxon`: exact, Pratt's zeros) on the per-data-set mean
      differences; ``p_two_sided`` the same either way.
    - ``p_seed``: the same test on all (data set, seed) differences (secondary reading).
    - ``p_equiv``: signed-rank TOST p that the differences lie inside ±rope, the larger of
      its halves ``p_lower`` (above −rope) and ``p_upper`` (below +rope)
      (:func:`bench.scoring.stats.tost_halves`).
    - ``hl``: the Hodges–Lehmann estimate of the per-data-set differences (the location the
      signed-rank tests test); ``inside``: the mean ``effect`` and ``hl`` both lie inside
      ±rope. "Inside the margin" (EQUIVALENT, negligible) needs TOST *and* ``inside``, so
      the effect a reader sees and the location tested agree.
    - ``p_a_better``, ``p_rope``, ``p_b_better``: the Bayesian signed-rank test (Benavoli
      et al. 2014, ``baycomp.SignedRankTest``) on the per-data-set mean differences with
      the same rope, 10,000 posterior samples from a fixed seed.
    - ``n_nonzero``, ``decidable``, ``needed``: the data sets whose mean difference is not
      0 (a zero carries no sign), whether ``family · 1/2**n_nonzero < alpha`` (the smallest
      one-sided p, Holm-adjusted over ``family`` comparisons, can reach ``alpha``), and the
      fewest nonzero data sets for which it can (:func:`bench.scoring.stats.needed`).
    - ``to_detect`` / ``to_detect_less``: the data sets a one-sided test A>B / B>A would
      need to detect the observed mean difference with 80 % power, NaN when the mean points
      the other way (:func:`bench.scoring.stats.to_detect`; for planning).
    - ``wins`` / ``losses``: data sets whose mean difference is > 0 / < 0.

    ``verdict`` is the outcome of :func:`bench.scoring.verdicts.decide` on these p-values
    for a claim A>B: ``A>B`` (SUPPORTED), ``B>A`` (CONTRADICTED), ``EQUIVALENT`` or
    ``INCONCLUSIVE`` (also when both arms failed everywhere), with ``negligible``. In a
    family, :func:`compare_family` decides again on the Holm-adjusted p-values. Only
    data-set-level tests decide; ``p_seed``, the bootstrap interval and the Bayesian
    probabilities are reported beside them.

    Args:
        diffs: frame with ``dataset`` and ``diff`` columns (``failed`` optional; other
            columns ignored).
        rope: region of practical equivalence, in score units (0.01 = one accuracy point).
        alpha: significance level of the tests and 1 - coverage of the CI.
        n_boot: bootstrap draws.
        seed: bootstrap and posterior-sampling seed.
        family: the comparisons this one is Holm-adjusted with (for ``decidable``,
            ``needed`` and ``to_detect``).
        companions: compute what is shown beside the test (the bootstrap interval and the
            Bayesian probabilities); False leaves them NaN (a robustness reading needs
            only the effect and the verdict), the effect being the same mean of data-set
            means.

    Returns:
        A :class:`Comparison`.

    Raises:
        ValueError: if ``diffs`` has no non-missing difference or ``rope <= 0``.
    """
    if rope <= 0:
        raise ValueError(f"compare: rope must be > 0, got {rope}")
    data = diffs[["dataset", "diff"]].assign(failed=_failed(diffs)).dropna()
    if data.empty:
        raise ValueError("compare: no paired differences")
    lost = data.groupby("dataset")["failed"].all()
    data = data[~data["dataset"].isin(lost.index[lost])]
    floor = needed(alpha, "greater", family)
    if data.empty:  # both arms failed on every data set: nothing is tested
        return _untested(float(rope), floor, int(lost.sum()))
    per_dataset = data.groupby("dataset", sort=True)["diff"].mean().to_numpy()
    effect, low, high = float(per_dataset.mean()), math.nan, math.nan
    bayes = (math.nan, math.nan, math.nan)
    if companions:
        effect, low, high = hierarchical_bootstrap(
            data, "diff", "dataset", n_boot=n_boot, alpha=alpha, seed=seed
        )
        bayes = bayes_signed_rank(per_dataset, rope, seed)
    n_nonzero = int((np.round(per_dataset, 12) != 0).sum())
    p_greater = wilcoxon(per_dataset, "greater")
    p_less = wilcoxon(per_dataset, "less")
    p_lower, p_upper = tost_halves(per_dataset, rope)
    p_equiv = max(p_lower, p_upper)  # stats.tost
    hl = hodges_lehmann(per_dataset)
    inside = bool(abs(per_dataset.mean()) < rope and abs(hl) < rope)
    verdict, negligible = decide(p_greater, p_less, p_equiv, "A>B", alpha, inside=inside)
    return Comparison(
        effect=effect,
        ci_low=low,
        ci_high=high,
        p=p_greater,
        p_seed=wilcoxon(data["diff"].to_numpy(), "greater"),
        p_equiv=p_equiv,
        n_datasets=len(per_dataset),
        n_seeds=int(data.groupby("dataset").size().min()),
        rope=float(rope),
        verdict=_OUTCOME[verdict],
        wins=int((per_dataset > 0).sum()),
        losses=int((per_dataset < 0).sum()),
        p_less=p_less,
        decidable=family * smallest_p(n_nonzero, "greater") < alpha,
        needed=floor,
        p_a_better=bayes[0],
        p_rope=bayes[1],
        p_b_better=bayes[2],
        to_detect=to_detect(per_dataset, alpha, family, alternative="greater"),
        p_two_sided=wilcoxon(per_dataset, "two-sided"),
        p_lower=p_lower,
        p_upper=p_upper,
        to_detect_less=to_detect(per_dataset, alpha, family, alternative="less"),
        n_nonzero=n_nonzero,
        n_failed=int(lost.sum()),
        negligible=negligible,
        hl=hl,
        inside=inside,
    )


def _untested(rope: float, floor: int, n_failed: int) -> Comparison:
    """The comparison of two arms that both failed on every data set: nothing tested."""
    nan = math.nan
    fields = dict(effect=nan, ci_low=nan, ci_high=nan, p=nan, p_seed=nan, p_equiv=nan)
    return Comparison(
        **fields,
        n_datasets=0,
        n_seeds=0,
        rope=rope,
        verdict="INCONCLUSIVE",
        wins=0,
        losses=0,
        decidable=False,
        needed=floor,
        n_failed=n_failed,
    )


# a claim A>B's verdict as an outcome of A against B
_OUTCOME = {"SUPPORTED": "A>B", "CONTRADICTED": "B>A"}
_OUTCOME |= {v: v for v in ("EQUIVALENT", "INCONCLUSIVE")}


def _failed(diffs: pd.DataFrame) -> pd.Series:
    """The ``failed`` column of ``diffs`` as booleans (False where there is none)."""
    if "failed" not in diffs.columns:
        return pd.Series(False, index=diffs.index)
    return diffs["failed"].fillna(False).astype(bool)


def tested(diffs: pd.DataFrame) -> bool:
    """Whether :func:`compare` tests anything in ``diffs``: some data set with a difference
    where both arms did not fail."""
    if diffs.empty:
        return False
    data = diffs[["dataset", "diff"]].assign(failed=_failed(diffs)).dropna()
    return bool((~data.groupby("dataset")["failed"].all()).any())
