"""bench.scoring (metrics and ranks) on small hand-built frames (no training): every expected
number is computed by hand in the comments next to it."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from bench.errors import BenchError, UnknownNameError
from bench.scoring import epochs, metrics, ranks
from bench.scoring.stats import holm

ACC_METRICS = ("test_acc", "val_acc", "train_acc", "best_val_acc")


def row(
    dataset: str = "d",
    activation: str = "relu",
    seed: int = 0,
    status: str = "ok",
    lr: float = 1e-3,
    init: str = "he_normal",
    epochs: int = 3,
    val_curve: list[float] | None = None,
    **metrics: Any,
) -> dict[str, Any]:
    """One row shaped like ``Store.frame(series=True)``; metrics NaN unless given (and
    absent from non-ok rows unless given, like a diverged cell)."""
    r: dict[str, Any] = {
        "key": f"{dataset}-{activation}-{init}-{lr}-{seed}",
        "status": status,
        "error": None if status == "ok" else "non-finite loss",
        "dataset": dataset,
        "activation": activation,
        "init": init,
        "seed": seed,
        "model.kind": "mlp",
        "model.depth": 4,
        "model.width": 16,
        "train.optimizer": "adam",
        "train.lr": lr,
        "train.momentum": 0.0,
        "train.weight_decay": 0.0,
        "train.epochs": epochs,
        "train.batch_size": 32,
        "train.probe": True,
        "data.split_seed": 0,
        "data.standardize": True,
        "data.label_column": None,
    }
    for name in (*ACC_METRICS, "test_loss", "val_loss", "dead_final"):
        r[name] = math.nan
    r.update(metrics)
    curve = list(val_curve or [])
    r["curves"] = {"val_acc": curve, "train_loss": [0.0] * len(curve)}
    r["probes"] = [{"dead": [0.0], "units": [16]} for _ in range(len(curve) + 1)]
    return r


def frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(rows)


def scored(table: dict[str, list[float]], metric: str = "test_acc") -> pd.DataFrame:
    """Frame from {activation: score per block}; block i is (dataset "d", seed i)."""
    return frame(
        [
            row(activation=a, seed=i, **{metric: v})
            for a, vs in table.items()
            for i, v in enumerate(vs)
        ]
    )


# ----------------------------------------------------------------------------- metrics


def test_metric_directions_are_declared():
    assert metrics.METRICS["test_acc"].higher_is_better
    assert metrics.METRICS["test_acc"].worst == 0.0
    assert not metrics.METRICS["test_loss"].higher_is_better
    assert metrics.METRICS["test_loss"].worst == math.inf
    assert not metrics.METRICS["epochs_to_target"].higher_is_better
    assert metrics.METRICS["auc_val_acc"].higher_is_better
    for name in ("dead_final", "train_time_s", "samples_per_s", "val_acc"):
        assert metrics.METRICS[name].name == name
    with pytest.raises(UnknownNameError, match="valid: test_acc"):
        metrics.get_metric("accuracy")


def test_nonok_runs_take_the_worst_value_but_keep_nonok_columns_stay():
    df = frame(
        [
            row(test_acc=0.8, test_loss=0.3, dead_final=0.1),
            row(seed=1, status="diverged", dead_final=0.4),
            row(seed=2, status="failed"),
        ]
    )
    assert list(metrics.scores(df, "test_acc")) == [0.8, 0.0, 0.0]
    assert list(metrics.scores(df, "test_loss")) == [0.3, math.inf, math.inf]
    dead = metrics.scores(df, "dead_final")  # last measured health, not a made-up 1.0
    assert dead.iloc[:2].tolist() == [0.1, 0.4] and math.isnan(dead.iloc[2])


# ------------------------------------------------------------------------- convergence


def test_add_convergence_epochs_to_target_and_auc():
    df = frame(
        [
            row(activation="a", val_curve=[0.5, 0.8, 1.0]),  # best on "d": target 0.9
            row(activation="b", val_curve=[0.6, 0.95, 0.9]),
            row(activation="c", val_curve=[0.1, 0.2, 0.3]),  # never reaches 0.9
            row(activation="e", status="diverged", val_curve=[0.95]),  # diverged: not reached
            row(activation="f", status="failed"),
            row(dataset="other", epochs=2, val_curve=[0.3, 0.5]),  # own target: 0.45
        ]
    )
    out = metrics.add_convergence(df, fraction=0.9)
    assert out["epochs_to_target"].tolist() == [3, 2, 4, 4, 4, 2]
    expected_auc = [2.3 / 3, 2.45 / 3, 0.6 / 3, 0.95 / 3, 0.0, 0.8 / 2]
    np.testing.assert_allclose(out["auc_val_acc"], expected_auc)
    assert "epochs_to_target" not in df.columns  # a copy
    with pytest.raises(BenchError, match="add_convergence"):
        metrics.scores(df, "epochs_to_target")
    # fewer epochs to target is better: b (2) before a (3) before c (4)
    r = ranks.ranks(out[out["dataset"] == "d"].iloc[:3], "epochs_to_target", blocks=["dataset"])
    assert list(r.index) == ["b", "a", "c"]


# --------------------------------------------------------------------------- select_lr


def test_select_lr_selects_on_validation_not_on_test():
    # val prefers lr 1e-3 (0.9 > 0.8); test prefers 1e-2 (0.95 > 0.7)
    df = frame(
        [
            row(lr=lr, seed=s, val_acc=val, test_acc=test)
            for lr, val, test in ((1e-3, 0.9, 0.7), (1e-2, 0.8, 0.95))
            for s in (0, 1)
        ]
    )
    out = metrics.select_lr(df)
    assert out["train.lr"].tolist() == [1e-3, 1e-3]
    assert out["lr_selected"].tolist() == [1e-3, 1e-3]
    assert out["seed"].tolist() == [0, 1]
    assert out["test_acc"].tolist() == [0.7, 0.7]
    with pytest.raises(BenchError, match="validation"):
        metrics.select_lr(df, "test_acc")


def test_select_lr_per_configuration_diverged_seed_and_ties():
    df = frame(
        [
            # relu: lr 1e-2 has the best seed (0.95) but a diverged one → mean 0.475 < 0.9
            row(activation="relu", lr=1e-3, seed=0, val_acc=0.9),
            row(activation="relu", lr=1e-3, seed=1, val_acc=0.9),
            row(activation="relu", lr=1e-2, seed=0, val_acc=0.95),
            row(activation="relu", lr=1e-2, seed=1, status="diverged"),
            # tanh: 1e-2 wins outright
            row(activation="tanh", lr=1e-3, seed=0, val_acc=0.5),
            row(activation="tanh", lr=1e-2, seed=0, val_acc=0.6),
            # elu: a tie → the smaller learning rate
            row(activation="elu", lr=1e-2, seed=0, val_acc=0.7),
            row(activation="elu", lr=1e-3, seed=0, val_acc=0.7),
        ]
    )
    out = metrics.select_lr(df)
    chosen = out.groupby("activation")["lr_selected"].unique().map(list).to_dict()
    assert chosen == {"relu": [1e-3], "tanh": [1e-2], "elu": [1e-3]}
    assert len(out) == 4
    # lower-is-better validation metric: val_loss picks the smaller loss
    df2 = frame([row(lr=1e-3, val_loss=0.4), row(lr=1e-2, val_loss=0.2)])
    assert metrics.select_lr(df2, "val_loss")["train.lr"].tolist() == [1e-2]


def test_select_lr_without_lr_column():
    df = frame([row(val_acc=0.5), row(seed=1, val_acc=0.6)]).drop(columns="train.lr")
    out = metrics.select_lr(df)
    assert len(out) == 2 and out["lr_selected"].isna().all()


# --------------------------------------------------------------------------- summarize


def test_summarize_mean_ci_and_nonok():
    df = frame(
        [
            row(activation="x", seed=0, test_acc=0.8),
            row(activation="x", seed=1, test_acc=0.9),
            row(activation="x", seed=2, test_acc=1.0),
            row(activation="y", seed=0, test_acc=0.5),
            row(activation="y", seed=1, status="diverged"),  # scored 0.0
            row(activation="z", seed=0, test_acc=0.5),
        ]
    )
    s = metrics.summarize(df, "test_acc", by="activation").set_index("activation")
    # x: mean 0.9, s = 0.1, t(0.975, 2) = 4.302653 → 4.302653 · 0.1 / √3 = 0.248414
    assert s.loc["x", "mean"] == pytest.approx(0.9)
    assert s.loc["x", "ci95"] == pytest.approx(0.248414, abs=1e-6)
    assert s.loc["x", "std"] == pytest.approx(0.1)
    # y: [0.5, 0.0] → mean 0.25, s = 0.353553; two values are fewer than MIN_CI_N = 3:
    # t(0.975, 1) = 12.706205 would give ± 3.176551, wider than the scale: no interval
    assert s.loc["y", "mean"] == pytest.approx(0.25)
    assert s.loc["y", "std"] == pytest.approx(0.353553, abs=1e-6)
    assert math.isnan(s.loc["y", "ci95"]) and metrics.MIN_CI_N == 3
    assert (s.loc["y", "n"], s.loc["y", "n_nonok"]) == (2, 1)
    assert s.loc["x", "n_nonok"] == 0
    assert math.isnan(s.loc["z", "ci95"])  # one seed: no interval
    assert list(s.columns) == ["mean", "ci95", "std", "n", "n_nonok"]


# ------------------------------------------------------------------------------- ranks


def test_average_ranks_with_ties():
    # block:   0      1      2
    # A       0.9    0.7    0.5      ranks 1    2   2    → 5/3
    # B       0.8    0.7    0.6            2.5  2   1    → 11/6
    # C       0.8    0.7    0.4            2.5  2   3    → 5/2
    df = scored({"A": [0.9, 0.7, 0.5], "B": [0.8, 0.7, 0.6], "C": [0.8, 0.7, 0.4]})
    r = ranks.ranks(df, "test_acc")
    assert list(r.index) == ["A", "B", "C"]
    np.testing.assert_allclose(r["avg_rank"], [5 / 3, 11 / 6, 5 / 2])
    np.testing.assert_allclose(r["mean"], [0.7, 0.7, 1.9 / 3])
    assert r["n_blocks"].tolist() == [3, 3, 3]


def test_diverged_ranks_last_and_loss_ranks_lowest_first():
    rows = []
    for seed in range(3):
        rows += [
            row(activation="A", seed=seed, test_acc=0.6, test_loss=0.2),
            row(activation="B", seed=seed, test_acc=0.7, test_loss=0.5),
            row(activation="C", seed=seed, status="diverged"),
        ]
    df = frame(rows)
    acc = ranks.ranks(df, "test_acc")
    assert list(acc.index) == ["B", "A", "C"] and acc.loc["C", "avg_rank"] == 3
    assert acc.loc["C", "mean"] == 0.0
    loss = ranks.ranks(df, "test_loss")
    assert list(loss.index) == ["A", "B", "C"]
    assert loss["avg_rank"].tolist() == [1, 2, 3] and loss.loc["C", "mean"] == math.inf


def test_ranks_use_complete_blocks_and_refuse_ambiguous_rows():
    df = scored({"A": [0.9, 0.8], "B": [0.5, 0.4]})
    df = pd.concat([df, frame([row(activation="C", seed=0, test_acc=0.1)])], ignore_index=True)
    r = ranks.ranks(df, "test_acc")  # only block 0 has all three
    assert r["n_blocks"].tolist() == [1, 1, 1]
    two_inits = pd.concat([df.assign(init="x"), df.assign(init="y")], ignore_index=True)
    with pytest.raises(BenchError, match="several rows"):
        ranks.ranks(two_inits, "test_acc")
    assert len(ranks.ranks(two_inits, "test_acc", blocks=("dataset", "init", "seed"))) == 3


def test_ranks_per_dataset():
    df = frame(
        [
            row(dataset=d, activation=a, seed=s, test_acc=v)
            for d, order in (("d1", ("relu", "tanh")), ("d2", ("tanh", "relu")))
            for s in (0, 1)
            for a, v in zip(order, (0.9, 0.5), strict=True)
        ]
    )
    r = ranks.ranks_per(df, "test_acc")
    assert r[["dataset", "activation", "avg_rank"]].values.tolist() == [
        ["d1", "relu", 1.0],
        ["d1", "tanh", 2.0],
        ["d2", "tanh", 1.0],
        ["d2", "relu", 2.0],
    ]
    assert r["n_blocks"].tolist() == [2, 2, 2, 2]


# ------------------------------------------------------------------------------- tests


def test_friedman_matches_the_formula_and_scipy():
    # block ranks (A, B, C): (1,2,3) (1,3,2) (2,1,3) (1,2,3) → R = 5, 8, 11; n = 4, k = 3
    # χ² = 12 / (n k (k+1)) · ΣR² − 3 n (k+1) = 12/48 · 210 − 48 = 4.5; p = exp(−4.5/2)
    table = {"A": [0.9, 0.9, 0.8, 0.9], "B": [0.8, 0.7, 0.9, 0.8], "C": [0.7, 0.8, 0.7, 0.7]}
    res = ranks.friedman(scored(table), "test_acc")
    assert res.statistic == pytest.approx(4.5)
    assert res.pvalue == pytest.approx(math.exp(-2.25))
    assert res.statistic == pytest.approx(stats.friedmanchisquare(*table.values()).statistic)
    assert (res.n_blocks, res.k, res.reason) == (4, 3, "")


def test_friedman_needs_three_treatments_and_some_difference():
    res = ranks.friedman(scored({"A": [0.9, 0.8], "B": [0.5, 0.4]}), "test_acc")
    assert math.isnan(res.statistic) and math.isnan(res.pvalue) and "3 treatments" in res.reason
    tied = ranks.friedman(scored({a: [0.5, 0.5] for a in "ABC"}), "test_acc")
    assert math.isnan(tied.statistic) and "ties" in tied.reason


def test_holm_on_a_known_vector():
    # sorted 0.01, 0.03, 0.04 → 3·0.01, 2·0.03, max(1·0.04, 0.06) = 0.03, 0.06, 0.06
    np.testing.assert_allclose(holm([0.01, 0.04, 0.03]), [0.03, 0.06, 0.06])
    out = holm([0.01, math.nan])
    assert out[0] == pytest.approx(0.01) and math.isnan(out[1])


def test_pairwise_wilcoxon_holm():
    # A > B > C in all 6 blocks, distinct differences: exact two-sided p = 2 / 2^6 = 0.03125
    # for every pair; Holm over 3 pairs: 3·p, 2·p → max, p → max = 0.09375 each
    a = [0.90, 0.91, 0.92, 0.93, 0.94, 0.95]
    b = [0.80, 0.805, 0.81, 0.815, 0.82, 0.825]
    c = [0.70, 0.701, 0.703, 0.706, 0.71, 0.715]
    p = ranks.pairwise_wilcoxon(scored({"C": c, "A": a, "B": b}), "test_acc")
    assert list(p.index) == list(p.columns) == ["A", "B", "C"]
    off = p.to_numpy()[~np.eye(3, dtype=bool)]
    np.testing.assert_allclose(off, 0.09375)
    assert np.all(np.diag(p.to_numpy()) == 1.0)
    # identical treatments: all differences zero → p = 1
    same = ranks.pairwise_wilcoxon(scored({"A": a, "B": a, "C": c}), "test_acc")
    assert same.loc["A", "B"] == 1.0


def test_critical_difference_inputs():
    a, b = [0.9, 0.8, 0.7], [0.6, 0.5, 0.4]
    cd = ranks.critical_difference(scored({"B": b, "A": a}), "test_acc")
    assert cd.ranks.to_dict() == {"A": 1.0, "B": 2.0}
    assert list(cd.pvalues.index) == list(cd.ranks.index)
    assert cd.n_blocks == 3


# ------------------------------------------------------------------------ claimed order

ORDER = ("selu", "elu", "leaky_relu", "relu", "tanh", "sigmoid")


def _ordered(observed: tuple[str, ...]) -> pd.DataFrame:
    """3 blocks where the observed order (best first) is ``observed``."""
    return scored({a: [1.0 - 0.1 * i] * 3 for i, a in enumerate(observed)})


@pytest.mark.parametrize(
    ("observed", "tau"),
    [
        (ORDER, 1.0),
        (ORDER[::-1], -1.0),
        # one adjacent swap: 14 concordant, 1 discordant pair of 15 → (14 − 1) / 15
        (("selu", "elu", "relu", "leaky_relu", "tanh", "sigmoid"), 13 / 15),
    ],
)
def test_kendall_tau_against_the_claimed_order(observed, tau):
    res = ranks.claimed_order(_ordered(observed), order=ORDER)
    assert res.tau == pytest.approx(tau)
    assert res.order == ORDER


def test_claimed_order_verdicts():
    # 4 data sets × 3 seeds = 12 blocks; base score varies by block
    rows = []
    for d in range(4):
        for s in range(3):
            i = 3 * d + s
            base = 0.5 + 0.01 * i
            acc = {
                "selu": base + 0.10 + 0.001 * i,  # beats elu everywhere → SUPPORTED
                "elu": base + 0.05,
                "leaky_relu": base + 0.05,  # same as elu → INCONCLUSIVE
                "relu": base - 0.10 - 0.001 * i,  # loses to tanh everywhere → CONTRADICTED
                "tanh": base,
                "sigmoid": base - 0.30 - 0.001 * i,  # loses to tanh → SUPPORTED
            }
            rows += [row(f"d{d}", a, s, test_acc=v) for a, v in acc.items()]
    rows.append(row("d0", "gelu", 0, test_acc=0.99))  # not claimed: ignored, drops no block
    res = ranks.claimed_order(frame(rows), "test_acc", order=ORDER)
    pairs = res.pairs.set_index(["better", "worse"])
    assert pairs["verdict"].to_dict() == {
        ("selu", "elu"): "SUPPORTED",
        ("elu", "leaky_relu"): "INCONCLUSIVE",
        ("leaky_relu", "relu"): "SUPPORTED",
        ("relu", "tanh"): "CONTRADICTED",
        ("tanh", "sigmoid"): "SUPPORTED",
    }
    assert res.n_blocks == 12 and (pairs["n_blocks"] == 12).all()
    # all 12 differences one way: exact one-sided p = 2^-12; Holm over 5 pairs with two
    # p = 1 entries: 5 · 2^-12 for the three smallest
    np.testing.assert_allclose(pairs["p_better"].tolist(), [2**-12, 1, 2**-12, 1, 2**-12])
    np.testing.assert_allclose(
        pairs["p_better_holm"].tolist(), [5 * 2**-12, 1, 5 * 2**-12, 1, 5 * 2**-12]
    )
    assert pairs.loc[("relu", "tanh"), "p_worse_holm"] == pytest.approx(5 * 2**-12)
    assert pairs.loc[("selu", "elu"), ["wins", "ties", "losses"]].tolist() == [12, 0, 0]
    assert pairs.loc[("elu", "leaky_relu"), ["wins", "ties", "losses"]].tolist() == [0, 12, 0]
    assert pairs.loc[("relu", "tanh"), ["wins", "ties", "losses"]].tolist() == [0, 0, 12]
    assert pairs.loc[("elu", "leaky_relu"), "median_diff"] == 0.0
    assert pairs.loc[("relu", "tanh"), "median_diff"] == pytest.approx(-0.1055)
    # observed ranks: selu 1, elu = leaky_relu 2.5, tanh 4, relu 5, sigmoid 6
    # τ-b: 13 concordant, 1 discordant, 1 pair tied in ranks → 12 / √(15 · 14)
    assert res.ranks.loc["elu", "avg_rank"] == 2.5
    assert res.tau == pytest.approx(12 / math.sqrt(210))


def test_claimed_order_lower_is_better_and_missing_activations():
    # loss: selu lower than relu in all 12 blocks → SUPPORTED; absent ones are skipped.
    # relu − selu = 0.2 − 0.001 i (distinct, so scipy's exact test, not the slower
    # permutation test it uses for ties); median over i = 0..11: 0.2 − 0.0055
    rows = [
        row(f"d{d}", a, s, test_loss=v + (0.01 + slope) * (3 * d + s))
        for d in range(4)
        for s in range(3)
        for a, v, slope in (("selu", 0.1, 0.001), ("relu", 0.3, 0.0))
    ]
    rows.append(row("d0", "selu", 9, status="diverged"))  # no relu partner: block dropped
    res = ranks.claimed_order(frame(rows), "test_loss", order=ORDER)
    assert res.order == ("selu", "relu")
    assert res.n_blocks == 12
    assert res.pairs["verdict"].tolist() == ["SUPPORTED"]
    assert res.pairs["median_diff"].iloc[0] == pytest.approx(0.1945)
    assert res.pairs["p_better"].iloc[0] == pytest.approx(2**-12)
    assert res.tau == pytest.approx(1.0)


def test_probe_epochs_skip_the_epochs_the_schedule_left_out():
    r = row(val_curve=[0.5, 0.6, 0.7])
    r["probes"] = [{"dead": [0.5], "units": [16]}, {}, {"dead": [0.25], "units": [16]}, {}]
    long = epochs.probe_epochs(frame([r]), "dead")
    assert long["epoch"].tolist() == [0, 2] and long["value"].tolist() == [0.5, 0.25]


def _advice_row(d: int, seed: int, act: str, acc: float) -> dict:
    """One ok run of data set ``d{d}`` with the ``matched`` initializer."""
    return {
        "dataset": f"d{d}",
        "seed": seed,
        "activation": act,
        "init": "matched",
        "status": "ok",
        "test_acc": acc,
    }


def _advice_frame() -> pd.DataFrame:
    """8 data sets × 3 seeds: A (selu) beats C (tanh) by 10 points on every data set, and
    B (relu) trails A by 0.5 points on 5 data sets and leads by 0.5 on the other 3."""
    rows = []
    for d in range(8):
        for s in range(3):
            base = 0.8 + 0.01 * d + 0.001 * s
            b = base - 0.005 if d % 2 or d == 0 else base + 0.005
            for act, acc in (("selu", base), ("relu", b), ("tanh", base - 0.1)):
                rows.append(_advice_row(d, s, act, acc))
    return pd.DataFrame(rows).assign(val_acc=lambda d: d["test_acc"])  # chosen on validation


def test_advice_speed_row_reads_the_same_holm_decisions_as_the_ranking():
    from bench.scoring.advice import advise

    frame = _advice_frame()
    groups = {"all data sets": [f"d{d}" for d in range(8)]}
    speed = pd.DataFrame(
        {
            "width": 128,
            "pass": "forward_backward",
            "activation": ["relu", "selu", "tanh"],
            "ratio_median": [1.0, 1.3, 0.9],
        }
    )
    first, fast = advise(frame, groups, speed)
    # tanh loses on all 8 data sets: one-sided Wilcoxon p = 1/2^8, Holm × 2 = 0.0078 < 0.05
    assert first.beaten == 1 and first.others == 2
    assert first.unbeaten == ("relu + matched",)
    assert first.how_sure == "tie"  # relu is within ±1 point on every data set
    # tanh is faster but shown to be worse: relu, not shown worse, is the fastest contender
    assert fast.setting == "speed matters" and fast.best == "relu + matched"
    assert fast.note.startswith("the fastest (1.00× relu's time")
    assert "the best one and the 1 configuration it is not shown to beat" in fast.note


def test_advice_speed_row_when_every_other_configuration_is_worse():
    from bench.report.advice import what_to_use
    from bench.report.doc import Doc
    from bench.scoring.advice import advise

    frame = _advice_frame()
    frame = frame[frame["activation"] != "relu"]
    speed = pd.DataFrame(
        {
            "width": 128,
            "pass": "forward_backward",
            "activation": ["selu", "tanh"],
            "ratio_median": [1.3, 0.9],
        }
    )
    first, fast = advise(frame, {"all data sets": [f"d{d}" for d in range(8)]}, speed)
    assert first.how_sure == "decided" and first.unbeaten == ()
    assert fast.best == "selu + matched" and fast.note.startswith("1.30× relu's time")
    doc = Doc()
    what_to_use(doc, [first, fast])
    assert "`selu + matched` (every other configuration is shown to be less accurate)" in (
        doc.text()
    )


def test_advice_note_shows_enough_digits_when_rank_and_mean_disagree():
    """selu wins 5 of 8 data sets by 0.1 points, relu the other 3 by 0.24: selu has the
    best mean rank, relu the best mean accuracy, 85.09 % against 85.06 % (both 85.1 at one
    decimal)."""
    from bench.scoring.advice import advise

    rows = []
    for d in range(8):
        selu, relu = (0.851, 0.85) if d < 5 else (0.85, 0.8524)
        for s in range(3):
            for act, acc in (("selu", selu), ("relu", relu)):
                rows.append(_advice_row(d, s, act, acc))
    frame = pd.DataFrame(rows).assign(val_acc=lambda d: d["test_acc"])
    (first,) = advise(frame, {"all data sets": [f"d{d}" for d in range(8)]})
    assert first.best == "selu + matched" and first.best_by_mean == "relu + matched"
    assert first.note.startswith(
        "relu + matched has the best mean validation accuracy (85.09 % vs 85.06 %)"
    )
