"""The one verdict rule (docs/claims.md's table, bench.scoring.verdicts.decide) branch by
branch, and its inputs built by hand: Holm over exactly the tested family, "decidable"
counting only data sets with a nonzero difference, and two arms that both failed (at the
floor, or both predicting one class) deciding nothing. Constructed frames; no torch."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.data import chance_level
from bench.scoring.paired import Pair, arm_diffs, compare, compare_family
from bench.scoring.stats import hodges_lehmann
from bench.scoring.verdicts import decide, part_verdict

NAN = math.nan


@pytest.mark.parametrize(
    ("p", "reverse", "equiv", "claimed", "expected"),
    [
        (0.01, 0.99, 0.30, "A>B", ("SUPPORTED", False)),
        (0.01, 0.99, 0.01, "A>B", ("SUPPORTED", True)),  # real, but inside ±rope
        (0.99, 0.01, 0.30, "A>B", ("CONTRADICTED", False)),  # the reverse is significant
        (0.99, 0.01, 0.01, "A>B", ("CONTRADICTED", True)),
        (0.40, 0.60, 0.01, "A>B", ("EQUIVALENT", False)),
        (0.40, 0.60, 0.30, "A>B", ("INCONCLUSIVE", False)),  # a test that finds nothing
        (NAN, NAN, NAN, "A>B", ("INCONCLUSIVE", False)),  # nothing tested
        (0.01, 0.99, 0.30, "B>A", ("SUPPORTED", False)),  # p is the claimed side's
        (0.40, 0.60, 0.01, "A=B", ("SUPPORTED", False)),  # sameness: TOST
        (0.01, 0.99, 0.01, "A=B", ("SUPPORTED", False)),  # a negligible edge is sameness
        (0.01, 0.99, 0.30, "A=B", ("CONTRADICTED", False)),
        (0.99, 0.01, 0.30, "A=B", ("CONTRADICTED", False)),
        (0.40, 0.60, 0.30, "A=B", ("INCONCLUSIVE", False)),
    ],
)
def test_each_branch_of_the_rule(p, reverse, equiv, claimed, expected):
    assert decide(p, reverse, equiv, claimed) == expected


def test_two_arms_that_both_failed_decide_nothing_whatever_the_p_values():
    assert decide(0.001, 0.99, 0.001, "A>B", failed=True) == ("INCONCLUSIVE", False)
    assert decide(0.40, 0.60, 0.001, "A=B", failed=True) == ("INCONCLUSIVE", False)


def _runs(
    values: dict[str, list[list[float]]],
    status: dict | None = None,
    chance: float | list[float] = 0.5,
) -> pd.DataFrame:
    """arm → per data set → per seed test accuracy; ``status`` (arm → status) marks runs
    that did not finish (they score the floor, 0); ``chance``: each data set's chance
    level (one for all, or one per data set)."""
    rows = []
    for arm, sets in values.items():
        for d, seeds in enumerate(sets):
            level = chance[d] if isinstance(chance, list) else chance
            for s, acc in enumerate(seeds):
                st = (status or {}).get(arm, "ok")
                rows.append(
                    {
                        "dataset": f"d{d}",
                        "seed": s,
                        "arm": arm,
                        "status": st,
                        "test_acc": acc,
                        "chance": level,
                    }
                )
    return pd.DataFrame(rows)


def test_floor_against_floor_is_inconclusive_both_arms_failed():
    """Both arms diverged everywhere: they score 0 on every block, every difference is 0.
    TOST on those zeros would read "inside ±1 point" (1/2¹² per half) and the old
    zero-spread rule gave p = 0: EQUIVALENT, hence CONTRADICTED for a claimed difference.
    Nothing was tested."""
    zeros = [[0.0] * 3] * 12
    frame = _runs({"a": zeros, "b": zeros}, {"a": "diverged", "b": "diverged"})
    (row,) = compare_family([Pair("a > b", frame, "a", "b")]).to_dict("records")
    assert row["verdict"] == "INCONCLUSIVE"
    assert (row["n_datasets"], row["n_failed"]) == (0, 12)
    assert math.isnan(row["p"]) and math.isnan(row["p_equiv"]) and math.isnan(row["p_holm"])


def test_chance_against_chance_is_inconclusive_both_arms_failed():
    """C6's sigmoid under SGD: every initializer predicts one class, 44.7 % on each split:
    identical scores below 100 % on every seed of every data set."""
    chance = [[0.447] * 3] * 12
    frame = _runs({"glorot": chance, "he": chance}, chance=0.447)
    (row,) = compare_family([Pair("glorot > he", frame, "glorot", "he")]).to_dict("records")
    assert row["verdict"] == "INCONCLUSIVE" and row["n_failed"] == 12
    # two arms that reach 100 % everywhere did not fail: that is a real tie
    ceiling = _runs({"a": [[1.0] * 3] * 12, "b": [[1.0] * 3] * 12})
    (tie,) = compare_family([Pair("a > b", ceiling, "a", "b")]).to_dict("records")
    assert tie["verdict"] == "EQUIVALENT" and tie["n_failed"] == 0
    assert tie["p_equiv"] == 1 / 4096


def test_equal_accuracies_above_chance_are_a_tie_not_a_failure():
    """keel_new_thyroid1: both arms reach one same 95.3 % on every seed, far above the
    83.7 % a majority-class prediction scores. The old rule ("both the same below 100 %")
    read that as both failed; it is a tie, and twelve such data sets are EQUIVALENT."""
    same = [[0.953] * 3] * 12
    frame = _runs({"a": same, "b": same}, chance=0.837 + 1 / 43)
    (row,) = compare_family([Pair("a > b", frame, "a", "b")]).to_dict("records")
    assert (row["n_failed"], row["n_datasets"]) == (0, 12)
    assert row["verdict"] == "EQUIVALENT" and row["p_equiv"] == 1 / 4096


def test_both_at_or_below_chance_on_every_seed_is_a_failure_even_when_they_differ():
    """Data set d0: a scores 0.60, 0.62, 0.58 and b 0.55, 0.61, 0.50, every one at or below
    its chance level 0.62: both failed there, though their scores differ. d1: a reaches
    0.80 on one seed: not a failure. d2: both at 0.70 with chance 0.62: a tie, kept."""
    frame = _runs(
        {
            "a": [[0.60, 0.62, 0.58], [0.60, 0.80, 0.60], [0.70] * 3],
            "b": [[0.55, 0.61, 0.50], [0.60, 0.60, 0.60], [0.70] * 3],
        },
        chance=0.62,
    )
    diffs = arm_diffs(frame, "a", "b")
    failed = diffs.groupby("dataset")["failed"].all()
    assert failed.to_dict() == {"d0": True, "d1": False, "d2": False}
    res = compare(diffs)
    assert (res.n_datasets, res.n_failed) == (2, 1)
    # d1: +0.0667, d2: 0: one nonzero difference, Pratt: p = 1/2
    assert res.p == 0.5 and res.effect == pytest.approx(0.2 / 3 / 2)


def test_the_chance_level_is_the_majority_share_plus_one_held_out_example():
    """keel_new_thyroid1: 180 of 215 rows in the majority class; the 20 % held-out part
    holds 43 rows."""
    assert chance_level("keel_new_thyroid1") == pytest.approx(180 / 215 + 1 / 43)
    assert math.isnan(chance_level("csv:/nowhere.csv"))


def test_data_sets_where_both_failed_are_left_out_of_the_tests():
    """Six data sets where a beats b by 5 points, and four where both sit at one class
    (0.5 on every seed): the four are left out, so the test is 1/2⁶, and TOST does not count
    their zeros as evidence of sameness."""
    learn = [[0.80, 0.81, 0.82]] * 6
    frame = _runs(
        {
            "a": [[v + 0.05 for v in s] for s in learn] + [[0.5] * 3] * 4,
            "b": learn + [[0.5] * 3] * 4,
        }
    )
    (row,) = compare_family([Pair("a > b", frame, "a", "b")]).to_dict("records")
    assert (row["n_datasets"], row["n_failed"]) == (6, 4)
    assert row["p"] == pytest.approx(1 / 64) and row["verdict"] == "SUPPORTED"


def test_decidable_counts_only_the_data_sets_with_a_nonzero_difference():
    """Six data sets, two of them exactly tied: four carry a sign, so the smallest p is
    1/16 > 0.05 and the floor is not reached (the old count, six, said decidable)."""
    diffs = pd.DataFrame({"dataset": [f"d{i}" for i in range(6)]})
    diffs["diff"] = [0.03, 0.04, 0.05, 0.06, 0.0, 0.0]
    res = compare(diffs)
    assert (res.n_datasets, res.n_nonzero) == (6, 4)
    assert res.decidable is False and res.needed == 5
    # Pratt: the zeros take ranks 1.5, 1.5 and the four positives ranks 3–6: W⁺ is the
    # largest of the 16 sign patterns of those four
    assert res.p == 1 / 16
    assert part_verdict(res) == "INCONCLUSIVE"


def test_holm_runs_over_exactly_the_pairs_tested():
    """Three pairs: one tested (12 data sets all +5 points: p = 1/4096), one with no paired
    data, one whose arms both failed everywhere. The family is the one pair tested: Holm
    leaves its p alone, and its floor reads a family of one."""
    frame = _runs(
        {
            "a": [[0.85] * 3] * 12,
            "b": [[0.80] * 3] * 12,
            "c": [[0.0] * 3] * 12,
            "d": [[0.0] * 3] * 12,
        },
        {"c": "diverged", "d": "diverged"},
    )
    pairs = [
        Pair("a > b", frame, "a", "b"),
        Pair("a > nobody", frame, "a", "nobody"),
        Pair("c > d", frame, "c", "d"),
    ]
    out = compare_family(pairs)
    assert out["p_holm"].iloc[0] == 1 / 4096
    assert out["needed"].iloc[0] == 5  # a family of one: 1/2⁵ < 0.05
    assert np.isnan(out["p_holm"].iloc[1:]).all()
    assert out["verdict"].tolist() == ["SUPPORTED", "INCONCLUSIVE", "INCONCLUSIVE"]


def test_hodges_lehmann_is_the_median_of_the_walsh_averages():
    """(1, 2, 10): Walsh averages 1, 1.5, 2, 5.5, 6, 10; their median (2 + 5.5) / 2."""
    assert hodges_lehmann([1.0, 2.0, 10.0]) == 3.75
    assert hodges_lehmann([0.0, 0.0, 3.0]) == 0.75  # 0, 0, 0, 1.5, 1.5, 3: (0 + 1.5) / 2
    assert math.isnan(hodges_lehmann([]))


def _skewed() -> pd.DataFrame:
    """20 data sets: nine at +0.2 points, eight at −0.2, three at +8: the mean is +1.21
    points (outside ±1), the pseudo-median 0 (inside)."""
    d = [0.002] * 9 + [-0.002] * 8 + [0.08] * 3
    return pd.DataFrame({"dataset": [f"d{i:02d}" for i in range(20)], "diff": d})


def test_tost_on_the_pseudo_median_does_not_make_a_mean_outside_the_margin_equivalent():
    """The signed-rank TOST tests the pseudo-median: here it rejects (p = 0.035) while
    the mean shown, +1.21 points, lies outside ±1. The old rule read EQUIVALENT; the
    difference is inside the margin only when the mean and the Hodges–Lehmann estimate
    both are."""
    diffs = _skewed()
    # the upper TOST half by hand: |d − 0.01| ranks 5 (nine values 0.008), 13.5 (eight
    # 0.012) and 19 (three 0.07); W⁺ = 3 · 19 = 57; p = the share of the 2²⁰ sign patterns
    # with W⁺ ≤ 57
    count = sum(
        math.comb(9, a) * math.comb(8, b) * math.comb(3, c)
        for a in range(10)
        for b in range(9)
        for c in range(4)
        if 5 * a + 13.5 * b + 19 * c <= 57
    )
    res = compare(diffs)
    assert res.p_equiv == pytest.approx(count / 2**20) and res.p_equiv < 0.05
    assert res.effect == pytest.approx(0.0121) and res.hl == 0.0
    assert res.inside is False
    assert res.verdict == "INCONCLUSIVE"  # no direction found (p = 0.092), not EQUIVALENT
    (row,) = compare_family([Pair("a > b", diffs=diffs)]).to_dict("records")
    assert (row["verdict"], row["hl"], row["inside"]) == ("INCONCLUSIVE", 0.0, False)
    # the same numbers with the rule that reads TOST alone: EQUIVALENT
    assert decide(res.p, res.p_less, res.p_equiv, inside=True) == ("EQUIVALENT", False)


def test_a_significant_edge_whose_mean_is_outside_the_margin_is_not_negligible():
    """17 data sets at +0.2 points and three at +7: every difference positive (p = 1/2²⁰),
    TOST rejects on the pseudo-median (+0.2 points) but the mean is +1.22: SUPPORTED, not
    "negligible"."""
    d = [0.002] * 17 + [0.07] * 3
    diffs = pd.DataFrame({"dataset": [f"d{i:02d}" for i in range(20)], "diff": d})
    res = compare(diffs)
    assert res.p == 1 / 2**20 and res.p_equiv < 0.05
    assert res.hl == pytest.approx(0.002) and res.effect == pytest.approx(0.0122)
    assert (res.verdict, res.negligible) == ("A>B", False)
    # inside: all twenty at +0.2 points, mean and pseudo-median +0.2
    small = diffs.assign(diff=0.002)
    assert compare(small).negligible is True
