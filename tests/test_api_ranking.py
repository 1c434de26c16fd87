"""bench.api.ranking on a tiny constructed store frame (no training): every rank, mean and
p-value computed by hand in the comments."""

from __future__ import annotations

import pandas as pd
import pytest

import bench

# test accuracy per (data set, seed) block: a, b, c
SCORES = {
    ("d0", 0): (0.90, 0.80, 0.70),  # ranks a 1, b 2, c 3
    ("d0", 1): (0.85, 0.86, 0.60),  # b 1, a 2, c 3
    ("d1", 0): (0.70, 0.65, 0.66),  # a 1, c 2, b 3
    ("d1", 1): (0.75, 0.70, 0.70),  # a 1, b and c tied: 2.5 each
}


def _frame() -> pd.DataFrame:
    rows = []
    for (dataset, seed), accs in SCORES.items():
        for act, acc in zip("abc", accs, strict=True):
            rows.append(
                {
                    "key": f"{dataset}-{act}-{seed}",
                    "status": "ok",
                    "dataset": dataset,
                    "activation": act,
                    "init": "matched",
                    "seed": seed,
                    "train.lr": 1e-3,
                    "data.split_seed": seed,
                    "test_acc": acc,
                    "val_acc": acc,
                }
            )
    return pd.DataFrame(rows)


def test_ranking_ranks_each_seed_block_and_tests_against_the_best():
    ranked = bench.ranking(_frame()).set_index("activation")
    assert list(ranked.index) == ["a", "b", "c"]
    # average ranks over the four blocks: a (1+2+1+1)/4, b (2+1+3+2.5)/4, c (3+3+2+2.5)/4
    assert ranked["avg_rank"].tolist() == [1.25, 2.125, 2.625]
    # means: a 0.8, b 0.7525, c 0.665; delta = mean − a's
    assert ranked["mean"].tolist() == pytest.approx([0.8, 0.7525, 0.665])
    assert ranked["delta"].tolist() == pytest.approx([0.0, -0.0475, -0.135])
    # seed-level two-sided signed-rank over the 4 blocks, Holm over the 3 pairs:
    # a−c: all four positive, 2/16 = 0.125; a−b: +.10, −.01, +.05, +.05: |d| ranks 4, 1,
    # 2.5, 2.5, W⁻ = 1: 4 of 16 patterns as extreme, 0.25; b−c: +.10, +.26, −.01, 0
    # (Pratt: the zero takes rank 1 and no sign), W⁻ = 2 among the 8 patterns of ranks 2,
    # 3, 4: 4 of 8, 0.5. Holm: 0.125·3 = 0.375, 0.25·2 = 0.5, 0.5·1 = 0.5
    assert ranked.loc["c", "p_vs_best"] == pytest.approx(0.375)
    assert ranked.loc["b", "p_vs_best"] == pytest.approx(0.5)
    assert pd.isna(ranked.loc["a", "p_vs_best"])
    # per data set (seeds averaged): two blocks, the smallest two-sided p is 2/4 = 0.5,
    # and Holm over three pairs lifts every pair to 1
    assert ranked.loc[["b", "c"], "p_vs_best_datasets"].tolist() == [1.0, 1.0]
    assert ranked["n"].tolist() == [4, 4, 4] and ranked["n_nonok"].tolist() == [0, 0, 0]
    assert ranked.attrs["n_blocks"] == 4 and ranked.attrs["blocks"] == ["dataset", "seed"]
    assert ranked.attrs["smallest_p"] == pytest.approx(0.125)
    assert ranked.attrs["decidable"] is False  # 0.125 · 3 pairs cannot reach 0.05
