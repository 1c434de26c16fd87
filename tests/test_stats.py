"""Tests of bench.scoring (paired, stats, ranks): pairing, hierarchical bootstrap, verdicts,
Holm, the exact signed-rank test (ties, Pratt's zeros) and its TOST, the t and
Clopper–Pearson intervals, a family of comparisons, trend, rank correlation. Synthetic
tables only; no training, no torch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.scoring.paired import Comparison, Pair, compare, compare_family, paired
from bench.scoring.ranks import rank_correlation
from bench.scoring.stats import (
    binomial_interval,
    equivalence,
    hierarchical_bootstrap,
    holm,
    needed,
    smallest_p,
    t_interval,
    tost,
    tost_halves,
    trend,
    wilcoxon,
)


def _diffs(effects, noise: float, n_seeds: int = 5, seed: int = 0) -> pd.DataFrame:
    """One row per (data set, seed): diff = the data set's effect + uniform(-noise, noise)."""
    rng = np.random.default_rng(seed)
    rows = [
        {"dataset": f"ds{i:02d}", "seed": s, "diff": effect + rng.uniform(-noise, noise)}
        for i, effect in enumerate(effects)
        for s in range(n_seeds)
    ]
    return pd.DataFrame(rows)


def _long(rows) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["dataset", "seed", "activation", "acc"])


# --- paired ---------------------------------------------------------------------------------


def _arm_frame() -> pd.DataFrame:
    return _long(
        [
            ("wine", 0, "relu", 0.90),
            ("wine", 0, "gelu", 0.85),
            ("wine", 0, "tanh", 0.10),
            ("wine", 1, "relu", 0.80),
            ("wine", 1, "gelu", 0.82),
            ("wine", 1, "tanh", 0.10),
            ("iris", 0, "relu", 0.70),
            ("iris", 0, "gelu", 0.60),
            ("iris", 1, "relu", 0.75),
            ("iris", 1, "gelu", 0.75),
        ]
    )


def test_paired_diff_is_a_minus_b():
    out = paired(_arm_frame(), "activation", "relu", "gelu", "acc")
    assert list(out.columns) == ["dataset", "seed", "a", "b", "diff"]
    got = {(r.dataset, r.seed): r.diff for r in out.itertuples()}
    expected = {("iris", 0): 0.10, ("iris", 1): 0.0, ("wine", 0): 0.05, ("wine", 1): -0.02}
    assert got.keys() == expected.keys()
    for key, value in expected.items():
        assert got[key] == pytest.approx(value, abs=1e-12)
    arms = {(r.dataset, r.seed): (r.a, r.b) for r in out.itertuples()}
    assert arms == {
        ("iris", 0): (0.70, 0.60),
        ("iris", 1): (0.75, 0.75),
        ("wine", 0): (0.90, 0.85),
        ("wine", 1): (0.80, 0.82),
    }


def test_paired_drops_block_with_a_missing_arm():
    frame = _arm_frame()
    frame = frame[~((frame.dataset == "iris") & (frame.seed == 1) & (frame.activation == "gelu"))]
    out = paired(frame, "activation", "relu", "gelu", "acc")
    assert len(out) == 3
    assert ("iris", 1) not in set(zip(out.dataset, out.seed))


def test_paired_duplicate_block_raises_naming_it():
    frame = pd.concat([_arm_frame(), _long([("iris", 1, "relu", 0.5)])], ignore_index=True)
    with pytest.raises(ValueError, match=r"iris.*1") as err:
        paired(frame, "activation", "relu", "gelu", "acc")
    assert "wine" not in str(err.value)
    # A duplicate of an arm not compared does not matter.
    other = pd.concat([_arm_frame(), _long([("iris", 1, "tanh", 0.5)] * 2)], ignore_index=True)
    assert len(paired(other, "activation", "relu", "gelu", "acc")) == 4


# --- hierarchical_bootstrap -----------------------------------------------------------------


def test_bootstrap_estimate_is_mean_of_group_means():
    diffs = pd.DataFrame(
        {"dataset": ["x", "x", "x", "y", "z", "z"], "diff": [0.1, 0.2, 0.3, 1.0, 0.4, 0.6]}
    )
    est, low, high = hierarchical_bootstrap(diffs, n_boot=2000)
    assert est == pytest.approx((0.2 + 1.0 + 0.5) / 3)
    assert est != pytest.approx(diffs["diff"].mean())  # grand mean 0.4333 differs
    assert low < est < high
    assert low >= 0.1 and high <= 1.0


def test_bootstrap_constant_diffs_zero_width():
    diffs = _diffs([0.03] * 4, noise=0.0, n_seeds=3)
    assert hierarchical_bootstrap(diffs) == pytest.approx((0.03, 0.03, 0.03))


def test_bootstrap_deterministic_for_a_seed():
    diffs = _diffs(np.linspace(-0.02, 0.05, 8), noise=0.02, n_seeds=4)
    first = hierarchical_bootstrap(diffs, seed=3)
    assert hierarchical_bootstrap(diffs, seed=3) == first
    assert hierarchical_bootstrap(diffs, seed=4) != first


def test_bootstrap_resamples_outer_groups():
    # Two one-row groups 0 and 1: a draw's mean is 0, 0.5 or 1 with probability 1/4, 1/2, 1/4.
    diffs = pd.DataFrame({"dataset": ["x", "y"], "diff": [0.0, 1.0]})
    assert hierarchical_bootstrap(diffs, alpha=0.05) == (0.5, 0.0, 1.0)
    assert hierarchical_bootstrap(diffs, alpha=0.6) == (0.5, 0.5, 0.5)


def test_bootstrap_one_group_resamples_rows():
    diffs = pd.DataFrame({"dataset": ["x", "x"], "diff": [0.0, 1.0]})
    assert hierarchical_bootstrap(diffs, alpha=0.05) == (0.5, 0.0, 1.0)
    assert hierarchical_bootstrap(diffs, alpha=0.6) == (0.5, 0.5, 0.5)


# --- compare --------------------------------------------------------------------------------


def test_compare_a_better():
    diffs = _diffs([0.05] * 12, noise=0.005)
    res = compare(diffs)
    assert isinstance(res, Comparison)
    assert res.verdict == "A>B"
    assert res.p == 1 / 4096  # exact one-sided Wilcoxon, 12 of 12 data sets positive
    assert res.p < 1e-3 and res.p_seed < 1e-3
    assert res.effect == pytest.approx(diffs.groupby("dataset")["diff"].mean().mean())
    assert 0 < res.ci_low < res.effect < res.ci_high
    assert (res.n_datasets, res.n_seeds, res.wins, res.losses) == (12, 5, 12, 0)
    assert res.rope == 0.01
    assert res.p_equiv > 0.5  # 0.05 is far outside the rope


def test_compare_b_better():
    diffs = _diffs([0.05] * 12, noise=0.005)
    diffs["diff"] = -diffs["diff"]
    res = compare(diffs)
    assert res.verdict == "B>A"
    assert res.ci_high < 0
    assert res.p == pytest.approx(1.0)  # the stored p is for A > B
    assert (res.wins, res.losses) == (0, 12)


def test_compare_equivalent():
    diffs = _diffs([0.0] * 12, noise=0.001)
    res = compare(diffs, rope=0.01)
    assert res.verdict == "EQUIVALENT" and not res.negligible
    assert -0.01 < res.ci_low < res.ci_high < 0.01
    assert res.p_equiv == 1 / 4096  # every data set inside ±1 point, on both sides of TOST


def test_compare_inconclusive_mixed_signs():
    diffs = _diffs([0.05, -0.05] * 6, noise=0.05, seed=1)
    res = compare(diffs)
    assert res.verdict == "INCONCLUSIVE"
    assert res.ci_low < 0 < res.ci_high
    assert res.ci_high - res.ci_low > 0.02  # not inside the rope either
    assert res.wins > 0 and res.losses > 0


def test_compare_four_datasets_cannot_be_significant():
    res = compare(_diffs([0.10, 0.12, 0.15, 0.20], noise=0.005))
    assert res.ci_low > 0.05
    assert res.p == 1 / 16  # the smallest one-sided p with 4 data sets
    assert res.verdict == "INCONCLUSIVE"
    five = compare(_diffs([0.10, 0.12, 0.15, 0.20, 0.11], noise=0.005))
    assert five.p == 1 / 32
    assert five.verdict == "A>B"
    mirrored = _diffs([0.10, 0.12, 0.15, 0.20], noise=0.005)
    mirrored["diff"] = -mirrored["diff"]
    neg = compare(mirrored)
    assert neg.ci_high < -0.05 and neg.verdict == "INCONCLUSIVE"  # mirrored p is 1/16 too


def test_compare_small_but_not_inside_rope_is_not_equivalent():
    res = compare(_diffs([0.005, 0.01, 0.02, 0.03], noise=0.001))
    assert -0.01 < res.ci_low < 0.01 < res.ci_high
    assert res.verdict == "INCONCLUSIVE"


def test_a_significant_edge_inside_the_rope_is_supported_but_negligible():
    """+0.5 point on each of 12 data sets: the edge is real (p = 1/4096) and TOST puts it
    inside ±1 point (1/4096 too): A>B, negligible (was EQUIVALENT, which hid the edge)."""
    res = compare(_diffs([0.005] * 12, noise=0.001))
    assert 0 < res.ci_low < res.ci_high < 0.01
    assert res.p == 1 / 4096 and res.p_equiv == 1 / 4096
    assert res.verdict == "A>B" and res.negligible


def test_compare_counts_min_seeds_and_via_paired():
    rows = []
    for i in range(6):
        for s in range(5 if i else 3):  # ds00 has only 3 seeds
            rows += [(f"ds{i}", s, "A", 0.8 + 0.01 * s), (f"ds{i}", s, "B", 0.7 + 0.01 * s)]
    res = compare(paired(_long(rows), "activation", "A", "B", "acc"))
    assert (res.n_datasets, res.n_seeds) == (6, 3)
    assert res.effect == pytest.approx(0.1)
    assert res.p == 1 / 64
    assert res.verdict == "A>B"


def test_equivalent_needs_tost_not_a_narrow_bootstrap_interval():
    """Six data sets at ±1.2 points. The percentile bootstrap's 2.5 % point is one positive
    data set of six (7/64 ≥ 2.5 % > 1/64): mean −0.8 points, so the interval [−0.8, +0.8]
    is inside ±1 point. TOST's lower half tests d + 0.01 = +2.2 (×3) and −0.2 (×3): ranks 5
    and 2 (tied), W⁺ = 15 of 21; the negative ranks sum to ≤ 6 in 11 of the 64 sign
    patterns ({}, one 2, two 2s, three 2s, one 5), so p = 11/64 = 0.17. No verdict; the old
    interval rule said EQUIVALENT."""
    res = compare(_diffs([0.012, -0.012] * 3, noise=0.0))
    assert res.ci_low == pytest.approx(-0.008) and res.ci_high == pytest.approx(0.008)
    assert res.p_lower == pytest.approx(11 / 64) and res.p_equiv == pytest.approx(11 / 64)
    assert res.verdict == "INCONCLUSIVE"
    tight = compare(_diffs([0.001, -0.001] * 3, noise=0.0))  # every one inside: 1/2⁶
    assert tight.p_equiv == 1 / 64 and tight.verdict == "EQUIVALENT"


def test_a_test_that_finds_nothing_decides_nothing():
    res = compare(_diffs([0.03, -0.02, 0.04, -0.03, 0.02, -0.04, 0.03, -0.02], noise=0.002))
    assert res.p > 0.05 and res.p_less > 0.05 and res.p_equiv > 0.05
    assert res.verdict == "INCONCLUSIVE"


@pytest.mark.parametrize(
    ("n", "family", "decidable", "need"),
    [(4, 1, False, 5), (5, 1, True, 5), (6, 5, False, 7), (7, 5, True, 7)],
)
def test_cannot_decide_below_the_wilcoxon_floor_after_holm(n, family, decidable, need):
    """Every data set favours A by 10 points: p = 1/2^n. With Holm over ``family`` pairs
    the smallest adjusted p is family/2^n; at or above 0.05 nothing is read: the family's
    verdict (decided on the Holm-adjusted p) cannot be SUPPORTED."""
    res = compare(_diffs([0.10] * n, noise=0.005), family=family)
    assert res.p == 1 / 2**n
    assert (res.decidable, res.needed) == (decidable, need)
    diffs = [_diffs([0.10] * n, noise=0.005, seed=k) for k in range(family)]
    out = compare_family([Pair(f"p{k}", diffs=d) for k, d in enumerate(diffs)])
    assert (out["verdict"] == "SUPPORTED").all() == decidable
    assert out["decidable"].tolist() == [decidable] * family


def test_bayesian_signed_rank_probabilities():
    ahead = compare(_diffs([0.05] * 10, noise=0.005))
    assert ahead.p_a_better > 0.99 and ahead.p_b_better == 0
    same = compare(_diffs([0.0] * 10, noise=0.001))
    assert same.p_rope > 0.99
    behind = compare(_diffs([-0.05] * 10, noise=0.005))
    assert behind.p_b_better > 0.99
    for r in (ahead, same, behind):  # three regions, one posterior
        assert r.p_a_better + r.p_rope + r.p_b_better == pytest.approx(1.0)
    again = compare(_diffs([0.0] * 10, noise=0.001))
    assert again.p_rope == same.p_rope  # a fixed seed: the same probabilities


def test_holm_rows_decides_each_verdict_on_the_adjusted_p_values():
    """Holm over the family first, then the rule on the adjusted p-values: a row whose raw
    TOST p was below α but whose adjusted one is not still gets its directional verdict
    (the old rule demoted a raw EQUIVALENT to INCONCLUSIVE even when the claimed direction
    held after Holm)."""
    from bench.scoring.paired import holm_rows

    def r(p, rev, eq):
        return {"p": p, "p_reverse": rev, "p_equiv": eq, "n_datasets": 10, "verdict": "?"}

    rows_ = pd.DataFrame(
        [r(0.01, 0.99, 0.04), r(0.03, 0.99, 0.9), r(0.5, 0.5, 0.01), r(0.99, 0.04, 0.9)]
    )
    out = holm_rows(rows_)
    # p: 0.01·4 = 0.04 < 0.05; 0.03·3 = 0.09. p_equiv: 0.01·4 = 0.04, 0.04·3 = 0.12.
    # p_reverse: 0.04·4 = 0.16
    np.testing.assert_allclose(out["p_holm"], [0.04, 0.09, 1.0, 1.0])
    np.testing.assert_allclose(out["p_equiv_holm"], [0.12, 1.0, 0.04, 1.0])
    assert out["verdict"].tolist() == ["SUPPORTED", "INCONCLUSIVE", "EQUIVALENT", "INCONCLUSIVE"]
    assert out["negligible"].tolist() == [False, False, False, False]
    mirrored = holm_rows(rows_, claimed=["B>A", "B>A", "B>A", "B>A"])
    assert mirrored["verdict"].tolist()[0] == "SUPPORTED"  # p is the claimed side's p


def test_compare_single_dataset_gives_the_exact_p_of_one_sign():
    res = compare(_diffs([0.05], noise=0.01))
    assert res.p == 0.5 and res.p_less == 1.0  # one positive difference: 1 of 2 patterns
    assert res.verdict == "INCONCLUSIVE" and not res.decidable


# --- holm, equivalence ----------------------------------------------------------------------


def test_holm_hand_computed_with_nan():
    out = holm([0.01, np.nan, 0.04, 0.03])
    # family of 3: 0.01·3 = 0.03, 0.03·2 = 0.06, max(0.04·1, 0.06) = 0.06
    np.testing.assert_allclose(out, [0.03, np.nan, 0.06, 0.06])
    np.testing.assert_allclose(holm([0.2, 0.001]), [0.2, 0.002])
    assert np.isnan(holm([np.nan])).all() and holm([]).shape == (0,)


def test_holm_equals_statsmodels_bit_for_bit():
    """The written-out Holm is statsmodels' ``multipletests(method="holm")`` exactly (ties, a
    p-value capped at 1, families of 1 to 40), so no report number moves with it (a few
    families: statsmodels' own call is the slow part)."""
    from statsmodels.stats.multitest import multipletests

    rng = np.random.default_rng(7)
    for m in (1, 2, 3, 6, 13, 40):
        p = rng.choice([0.001, 0.01, 0.02, 0.3, 0.9], size=m) if m % 3 == 0 else rng.random(m)
        assert holm(p).tolist() == multipletests(p, method="holm")[1].tolist()
    assert holm([0.4, 0.6]).tolist() == [0.8, 0.8] and holm([0.6, 0.7]).tolist() == [1.0, 1.0]


def test_equivalence_clear_cases():
    near = _diffs([0.0] * 10, noise=0.001)
    p, ok = equivalence(near, margin=0.01)
    assert ok and p == 1 / 1024  # all ten inside ±0.01: each TOST half 1/2¹⁰
    p_far, ok_far = equivalence(_diffs([0.05] * 10, noise=0.01), margin=0.01)
    assert not ok_far and p_far == 1.0  # every one above +margin: the upper half's p is 1
    p_one, ok_one = equivalence(_diffs([0.0], noise=0.001), margin=0.01)
    assert p_one == 0.5 and not ok_one
    assert np.isnan(equivalence(near.iloc[0:0], margin=0.01)[0])


# --- trend ----------------------------------------------------------------------------------


def _trend_frame(pattern) -> pd.DataFrame:
    """pattern[b] = values of block b at lr 1e-3, 1e-2, 1e-1; two seeds per cell, listed in a
    shuffled level order."""
    rows = []
    for b, values in enumerate(pattern):
        for lr, v in reversed(list(zip([1e-3, 1e-2, 1e-1], values))):
            rows += [(f"ds{b}", s, lr, v + (0.01 if s else -0.01)) for s in range(2)]
    return pd.DataFrame(rows, columns=["dataset", "seed", "lr", "acc"])


def test_trend_increasing():
    frame = _trend_frame([[0.5, 0.6, 0.7], [0.1, 0.3, 0.9], [0.2, 0.25, 0.3]] * 2)
    frame = pd.concat([frame, pd.DataFrame([("partial", 0, 1e-3, 0.9)], columns=frame.columns)])
    res = trend(frame, "lr", "acc")
    assert res.levels == (1e-3, 1e-2, 1e-1)
    assert res.n_blocks == 6  # "partial" lacks two levels: dropped
    assert res.statistic == 6 * (1 + 4 + 9)
    assert res.p == stats.page_trend_test(np.tile([1.0, 2.0, 3.0], (6, 1))).pvalue
    assert res.p < 0.01 and res.rho == 1.0
    assert res.verdict == "INCREASING"


def test_trend_none():
    mixed = trend(_trend_frame([[0.5, 0.6, 0.7], [0.7, 0.6, 0.5]] * 3), "lr", "acc")
    assert mixed.rho == 0.0 and mixed.p > 0.3
    assert mixed.verdict == "NO TREND"
    flat = trend(_trend_frame([[0.5, 0.5, 0.5]] * 6), "lr", "acc")
    assert flat.verdict == "NO TREND" and np.isnan(flat.rho)
    falling = trend(_trend_frame([[0.7, 0.6, 0.5]] * 6), "lr", "acc")
    assert falling.verdict == "NO TREND" and falling.rho == -1.0


def test_trend_too_few_levels_or_blocks():
    frame = _trend_frame([[0.5, 0.6, 0.7]] * 4)
    with pytest.raises(ValueError, match="levels"):
        trend(frame[frame.lr == 1e-3], "lr", "acc")
    with pytest.raises(ValueError, match="levels"):
        trend(frame[frame.lr < 0.05], "lr", "acc")  # Page's test needs 3
    with pytest.raises(ValueError, match="blocks"):
        trend(frame[frame.dataset == "ds0"], "lr", "acc")


# --- rank_correlation -----------------------------------------------------------------------


def test_rank_correlation():
    items = ["relu", "gelu", "silu", "tanh"]
    tau, p = rank_correlation(items, items)
    assert tau == pytest.approx(1.0) and p == pytest.approx(2 / 24)
    tau_rev, _ = rank_correlation(items, items[::-1])
    assert tau_rev == pytest.approx(-1.0)
    tau_swap, _ = rank_correlation(items, ["gelu", "relu", "silu", "tanh"])
    assert tau_swap == pytest.approx(4 / 6)  # 5 concordant, 1 discordant of 6 pairs
    with pytest.raises(ValueError, match="differ"):
        rank_correlation(items, ["relu", "gelu", "silu", "elu"])


@pytest.mark.parametrize(
    ("n", "one_sided", "two_sided"), [(0, 1.0, 1.0), (4, 1 / 16, 1 / 8), (5, 1 / 32, 1 / 16)]
)
def test_smallest_wilcoxon_p_is_all_differences_on_one_side(n, one_sided, two_sided):
    assert smallest_p(n, "greater") == one_sided and smallest_p(n, "two-sided") == two_sided
    if n:  # scipy's exact test agrees: every difference positive
        d = np.arange(1.0, n + 1)
        assert stats.wilcoxon(d, alternative="greater").pvalue == pytest.approx(one_sided)
        assert stats.wilcoxon(d).pvalue == pytest.approx(two_sided)


def test_needed_counts_the_data_sets_a_holm_family_can_decide():
    assert needed(0.05, "greater", 1) == 5  # 1/32 < 0.05 ≤ 1/16
    assert needed(0.05, "two-sided", 1) == 6  # 2/64 < 0.05 ≤ 2/32
    assert needed(0.05, "greater", 5) == 7  # 5/128 < 0.05 ≤ 5/64 (the chain's five pairs)


def test_to_detect_follows_the_normal_approximation_over_the_wilcoxon_efficiency():
    from bench.scoring.stats import to_detect

    # n = ((z₀.₉₅ + z₀.₈) · s / |mean|)² / (3/π), z₀.₉₅ + z₀.₈ = 1.6449 + 0.8416 = 2.4865
    d = np.array([0.01, 0.03] * 10)  # mean 0.02, s = 0.01·√(20/19) = 0.010260
    assert to_detect(d) == 5  # (2.4865 · 0.5130)² / 0.9549 = 1.70: the Wilcoxon floor, 5
    small = np.array([0.004, -0.002] * 10)  # mean 0.001, s = 0.003·√(20/19) = 0.0030779
    assert to_detect(small) == 62  # (2.4865 · 3.0779)² / 0.9549 = 61.34, rounded up
    assert to_detect(small, family=5) == 100  # z₀.₉₉ = 2.3263: (3.1680 · 3.0779)² / 0.9549 = 99.57
    assert to_detect(small, power=0.5) == 27  # z₀.₅ = 0: (1.6449 · 3.0779)² / 0.9549 = 26.84
    assert to_detect([0.01, 0.01]) == 5  # no spread, the right side: the floor


def test_to_detect_reads_the_claimed_direction():
    """C15's relu > tanh read 1,755 data sets to detect while its mean favoured tanh: an
    effect that points the other way cannot be detected in the claimed direction (NaN,
    shown as —); the mirrored claim gets the number."""
    from bench.scoring.stats import to_detect

    small = np.array([0.004, -0.002] * 10)  # mean +0.001
    assert np.isnan(to_detect(-small))  # claimed A > B, observed B ahead
    assert to_detect(-small, alternative="less") == 62  # claimed B > A: as above
    assert np.isnan(to_detect(small, alternative="less"))
    assert np.isnan(to_detect([0.01])) and np.isnan(to_detect([0.0, 0.0, 0.0]))  # undefined
    # six data sets at −4 and +3 points: B ahead by 0.5 on average, not significantly
    # (W⁺ = 3 · 2 = 6, P(W⁺ ≤ 6) = 11/64); s = 0.035·√(6/5) = 0.038341:
    # ((2.4865 · 0.038341 / 0.005)² / 0.9549 = 380.7
    diffs = _diffs([-0.04, 0.03] * 3, noise=0.0, n_seeds=1)
    row = compare_family([Pair("a > b", diffs=diffs)]).iloc[0]
    assert row["verdict"] == "INCONCLUSIVE" and np.isnan(row["to_detect"])
    back = compare_family([Pair("b > a", diffs=diffs, claimed="B>A")]).iloc[0]
    assert back["verdict"] == "INCONCLUSIVE" and back["to_detect"] == 381


# --- the one test: exact signed rank, Pratt's zeros, ties ------------------------------------


def test_signed_rank_exact_with_ties_and_zeros_by_hand():
    # d = 1, 2, 3, −4: ranks 1..4, W⁺ = 6. Of the 16 subsets of {1, 2, 3, 4}, seven sum to
    # ≥ 6 ({2,4}, {3,4}, {1,2,3}, {1,2,4}, {1,3,4}, {2,3,4}, all): p = 7/16
    assert wilcoxon([1.0, 2.0, 3.0, -4.0], "greater") == 7 / 16
    # Pratt: 0, 2, −3, 5 ranks |d| with the zero (1, 2, 3, 4); the zero has no sign, so W⁺
    # = 2 + 4 = 6 over the 8 patterns of {2, 3, 4}: sums ≥ 6 are {2,4}, {3,4}, {2,3,4}: 3/8
    assert wilcoxon([0.0, 2.0, -3.0, 5.0], "greater") == 3 / 8
    # ties: 1, 1, −2 ranks 1.5, 1.5, 3; W⁺ = 3: sums 0, 1.5, 1.5, 3, 3, 4.5, 4.5, 6 → 5/8
    assert wilcoxon([1.0, 1.0, -2.0], "greater") == 5 / 8
    assert wilcoxon([1.0, 1.0, -2.0], "less") == 5 / 8  # W⁺ ≤ 3: 0, 1.5, 1.5, 3, 3
    assert wilcoxon([1.0, 1.0, -2.0], "two-sided") == 1.0  # 2 · 5/8, capped
    # all zero: no sign pattern is more extreme than another; nothing at all: NaN
    assert wilcoxon([0.0, 0.0, 0.0], "greater") == 1.0 and np.isnan(wilcoxon([], "greater"))
    # float noise is neither a tie breaker nor a sign: 0.1 + 0.2 − 0.3 is a zero
    assert wilcoxon([0.1 + 0.2 - 0.3, 2.0, -3.0, 5.0], "greater") == 3 / 8


def test_signed_rank_equals_scipy_where_scipy_is_exact_and_the_permutation_test_elsewhere():
    rng = np.random.default_rng(0)
    for n in (5, 13, 30, 50):  # no ties, no zeros: scipy's exact distribution
        d = rng.normal(0.3, 1.0, n)
        for alt in ("greater", "less", "two-sided"):
            expected = stats.wilcoxon(d, alternative=alt, method="exact").pvalue
            assert wilcoxon(d, alt) == pytest.approx(expected, rel=1e-12)

    def w_plus(x, axis=-1):  # Pratt's statistic, zeros ranked with the rest
        x = np.atleast_2d(x)
        r = stats.rankdata(np.abs(x), axis=-1)
        return (r * (x > 0)).sum(axis=-1)

    for n in (6, 9, 11):  # ties and zeros: every one of the 2ⁿ sign patterns
        d = np.round(rng.normal(0.2, 1.0, n))
        perm = stats.permutation_test(
            (d,), w_plus, permutation_type="samples", n_resamples=np.inf, alternative="greater"
        )
        assert wilcoxon(d, "greater") == pytest.approx(perm.pvalue, rel=1e-12)


def test_equal_differences_get_the_one_sided_floor_not_a_zero_spread_rule():
    """n equal nonzero differences are n differences on one side: 1/2ⁿ (the t-test had no
    standard error there and a special rule gave 0 or 1)."""
    assert wilcoxon([0.3] * 4, "greater") == 1 / 16 and wilcoxon([0.3] * 4, "less") == 1.0
    assert tost_halves([0.005] * 3, 0.01) == (1 / 8, 1 / 8)  # inside ±0.01 on both sides
    assert tost([0.02] * 3, 0.01) == 1.0  # above +margin: the upper half cannot be shown
    assert tost([0.01] * 3, 0.01) == 1.0  # on the margin: zeros of the upper half


def test_tost_halves_by_hand():
    # d = 1, 2, 3, margin 2.5: lower half d + 2.5 = 3.5, 4.5, 5.5 all above 0: 1/8; upper
    # half d − 2.5 = −1.5, −0.5, +0.5: ranks 3, 1.5, 1.5, W⁺ = 1.5; P(W⁺ ≤ 1.5) = 3/8
    # ({}, {1.5}, {1.5'})
    p_lower, p_upper = tost_halves([1.0, 2.0, 3.0], 2.5)
    assert (p_lower, p_upper) == (1 / 8, 3 / 8)
    assert tost([1.0, 2.0, 3.0], 2.5) == 3 / 8


def test_compare_of_equal_differences_reads_the_same_exact_test():
    res = compare(_diffs([0.005] * 8, noise=0.0))  # every data set exactly +0.5 point
    assert (res.p_lower, res.p_upper, res.p_equiv, res.p) == (1 / 256,) * 4
    assert res.verdict == "A>B" and res.negligible


def test_wilcoxon_exact_by_hand():
    # d = 1, 2, 3, 4, −0.5: ranks of |d| 2, 3, 4, 5 and 1; W+ = 14. Of the 2⁵ = 32 sign
    # patterns, W+ ≥ 14 needs the negative ranks to sum to ≤ 1: {} or {1}, so p = 2/32
    d = [1.0, 2.0, 3.0, 4.0, -0.5]
    assert wilcoxon(d, "greater") == pytest.approx(2 / 32)
    assert wilcoxon(d, "two-sided") == pytest.approx(4 / 32)
    assert wilcoxon(d, "less") == pytest.approx(31 / 32)


def test_compare_carries_the_two_sided_p_and_its_tost_halves():
    diffs = _diffs([0.01, 0.02, 0.03, 0.04, -0.005], noise=0.0, n_seeds=2)
    res = compare(diffs)
    assert res.p == pytest.approx(2 / 32) and res.p_two_sided == pytest.approx(4 / 32)
    per = np.array([0.01, 0.02, 0.03, 0.04, -0.005])
    assert (res.p_lower, res.p_upper) == pytest.approx(tost_halves(per, 0.01))
    assert res.p_equiv == max(res.p_lower, res.p_upper)


def test_t_interval_by_hand():
    # d = 1, 2, 3: mean 2 ± t(0.975, 2) / √3, with t(p, 2) = (2p − 1) / √(2p(1 − p))
    t = 0.95 / np.sqrt(2 * 0.975 * 0.025)  # 4.3027
    low, high = t_interval([1.0, 2.0, 3.0])
    assert (low, high) == pytest.approx((2 - t / np.sqrt(3), 2 + t / np.sqrt(3)))
    assert all(np.isnan(t_interval([1.0])))


def test_binomial_interval_is_clopper_pearson():
    low, high = binomial_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(1 - 0.025 ** (1 / 10))  # 0.3085
    low, high = binomial_interval(10, 10)
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 10))
    assert all(np.isnan(binomial_interval(0, 0)))


# --- a family of comparisons ------------------------------------------------------------------


def _family_frame() -> pd.DataFrame:
    """6 data sets × 1 seed, arms a, b, c: a beats b on every data set by 5 to 10 points (W+
    = 21, p = 1/64); c beats b on four and loses the two smallest (W+ = 3 + 4 + 5 + 6 = 18:
    the negative ranks sum to ≤ 3 in 5 of the 64 patterns, p = 5/64)."""
    c_minus_b = [-0.001, -0.002, 0.03, 0.04, 0.05, 0.06]
    rows = []
    for i in range(6):
        rows.append({"dataset": f"d{i}", "seed": 0, "arm": "b", "status": "ok", "test_acc": 0.5})
        a = 0.55 + 0.01 * i
        rows.append({"dataset": f"d{i}", "seed": 0, "arm": "a", "status": "ok", "test_acc": a})
        c = 0.5 + c_minus_b[i]
        rows.append({"dataset": f"d{i}", "seed": 0, "arm": "c", "status": "ok", "test_acc": c})
    return pd.DataFrame(rows)


def test_compare_family_holm_over_exactly_the_pairs_compared():
    frame = _family_frame()
    pairs = [
        Pair("a > b", frame, "a", "b", info={"n": 1}),
        Pair("a > nobody", frame, "a", "nobody", info={"n": 2}),  # no paired data
        Pair("c > b", frame, "c", "b", info={"n": 3}),
        Pair("nobody > b", frame, "nobody", "b", info={"n": 4}),  # no paired data
    ]
    out = compare_family(pairs)
    assert list(out.columns[:2]) == ["n", "comparison"]
    assert list(out.columns[-3:]) == ["p_holm", "p_reverse_holm", "p_equiv_holm"]
    np.testing.assert_allclose(out["p"], [1 / 64, np.nan, 5 / 64, np.nan])
    # Holm over the two pairs compared: 2 · 1/64, then max(2/64, 1 · 5/64)
    np.testing.assert_allclose(out["p_holm"], [2 / 64, np.nan, 5 / 64, np.nan])
    # the floor reads the same family of 2: 2 / 2⁶ < 0.05, and 6 data sets are needed
    # (with the 4 rows as the family: 4 / 2⁶ ≥ 0.05, nothing decidable, 7 needed)
    assert out["decidable"].tolist() == [True, False, True, False]
    assert out["needed"].tolist() == [6, 0, 6, 0]
    assert out["n_datasets"].tolist() == [6, 0, 6, 0]
    assert out["verdict"].tolist() == ["SUPPORTED", "INCONCLUSIVE", "INCONCLUSIVE", "INCONCLUSIVE"]


def test_compare_family_of_precomputed_differences_and_of_nothing():
    diffs = _diffs([0.05] * 6, noise=0.0, n_seeds=1)
    out = compare_family([Pair("x", diffs=diffs), Pair("y", diffs=diffs.iloc[0:0])])
    assert out["p"].iloc[0] == pytest.approx(1 / 64)
    assert out["p_holm"].iloc[0] == pytest.approx(1 / 64)  # a family of one
    assert out["needed"].iloc[0] == 5  # 1 / 2⁵ < 0.05
    assert compare_family([]).empty
