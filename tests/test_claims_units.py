"""Tests of the unit-health and activation claims redesigned in issue 15 (C2, C9, C10, C13,
C18): the helpers of :mod:`bench.claims.dying` on hand-made probes, and measure + judge end
to end on synthetic results frames (values computed by hand in the comments). Nothing here
trains; C18's check is exercised in tests/test_claims.py on synthetic payloads.
"""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest

from bench import claims
from bench.claims import REGISTRY, Context, dying
from bench.claims.c13_elu import centring
from bench.scoring import paired, target

# --- bench.claims.dying -----------------------------------------------------------------------


def _probe(dead: list[float], negative: list[float] | None = None) -> dict:
    return {"dead": dead, "negative": negative or dead, "units": [10.0] * len(dead)}


def test_good_probes_stop_before_the_epoch_that_diverged():
    p = [_probe([0.1]), _probe([0.2]), _probe([0.3]), _probe([0.9])]
    at = {"status": "diverged", "diverged_epoch": 3, "probes": p[:3]}  # blew up in epoch 3
    after = {"status": "diverged", "diverged_epoch": 3, "probes": p}  # evaluated after it
    early = {"status": "diverged", "diverged_epoch": 1, "probes": p}
    ok = {"status": "ok", "diverged_epoch": None, "probes": [p[0], {}, p[2]]}  # epoch 1 skipped
    assert [e for e, _ in dying.good_probes(at)] == [0, 1, 2]
    assert [e for e, _ in dying.good_probes(after)] == [0, 1, 2]  # the broken probe dropped
    assert [e for e, _ in dying.good_probes(early)] == [0]  # initialization only
    assert [e for e, _ in dying.good_probes(ok)] == [0, 2]
    frame = pd.DataFrame([after, ok]).astype({"diverged_epoch": "Int64"})  # as a store's frame
    read = [[e for e, _ in dying.good_probes(r)] for _, r in frame.iterrows()]
    assert read == [[0, 1, 2], [0, 2]]


def test_revival_bound_is_the_largest_drop_per_layer():
    # layer 1 (4 units): 2 → 0 → 1 negative: ≥ 2 left; layer 2: 0 → 3 → 1: ≥ 2 left → 4/8
    counts = [(2, 0), (0, 3), (1, 1)]
    probes = [
        (i, {"negative": [a / 4, b / 4], "units": [4.0, 4.0]}) for i, (a, b) in enumerate(counts)
    ]
    assert dying.revival_bound(probes) == pytest.approx(0.5)
    assert dying.revival_bound(probes[:1]) != dying.revival_bound(probes[:1])  # NaN: one probe
    rising = [(i, {"negative": [i / 4], "units": [4.0]}) for i in range(3)]
    assert dying.revival_bound(rising) == 0.0


def _health(shares: dict[float, list[bool]], ds: str = "d", opt: str = "sgd") -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "dataset": ds,
                "optimizer": opt,
                "activation": "relu",
                "train.lr": lr,
                "seed": s,
                "diverged": d,
                "collapsed": False,
                "failed": d,
            }
            for lr, div in shares.items()
            for s, d in enumerate(div)
        ]
    )


def test_edge_is_the_last_rate_before_more_than_a_fifth_diverge():
    h = pd.concat(
        [
            # 0/5, 1/5 (stable), 3/5: edge 0.1, reached; range 0.01 … 0.1
            _health({0.01: [False] * 5, 0.1: [True] + [False] * 4, 1.0: [True] * 3 + [False] * 2}),
            # 0, 2/5, 0: the first unstable rate ends the stable run: edge 0.01
            _health(
                {0.01: [False] * 5, 0.1: [True, True, False, False, False], 1.0: [False] * 5},
                ds="e",
            ),
            # nothing diverges: the edge is the top rate, not reached
            _health({0.02: [False] * 5, 0.05: [False] * 5, 0.2: [False] * 5}, ds="f"),
            # the smallest rate already diverges too often: no edge
            _health({0.5: [True] * 5}, ds="g"),
        ]
    )
    e = dying.edges(h).set_index("dataset")
    assert list(e.index) == ["d", "e", "f"]
    assert e.loc["d", ["edge", "reached", "bottom", "rates"]].tolist() == [0.1, True, 0.01, 2]
    assert e.loc["e", ["edge", "reached", "bottom", "rates"]].tolist() == [0.01, True, 0.01, 1]
    assert e.loc["f", ["edge", "reached", "bottom", "rates"]].tolist() == [0.2, False, 0.02, 3]
    runs = dying.in_range(h, dying.edges(h))
    f = runs[runs["dataset"] == "f"].groupby("train.lr")["step"].first()
    assert f.to_dict() == {0.02: 2, 0.05: 1, 0.2: 0}
    assert set(runs.loc[runs["dataset"] == "d", "train.lr"]) == {0.01, 0.1}


def test_readings_of_a_diverged_run():
    frame = pd.DataFrame({"diverged": [False, True], "dead_last": [0.2, 0.05]})
    assert dying.reading(frame, "excluded", ("dead_last",))["dead_last"].tolist() == [0.2]
    assert dying.reading(frame, "all-dead", ("dead_last",))["dead_last"].tolist() == [0.2, 1.0]
    with pytest.raises(ValueError, match="excluded"):
        dying.reading(frame, "some", ("dead_last",))


# --- C9 end to end ----------------------------------------------------------------------------

RATES = {
    ("sgd", 0.0): [0.01, 0.02, 0.05, 0.1, 1.0],  # 1.0 always diverges: edge 0.1
    ("sgd", 0.9): [0.001, 0.002, 0.005, 0.01, 0.1],  # edge 0.01
    ("adam", 0.0): [0.001, 0.002, 0.005, 0.01],  # never diverges: edge 0.01, not reached
}


def _c09_frame(
    top_dead: float, bottom_dead: float, leaky_negative: float, late: bool = True
) -> pd.DataFrame:
    """14 data sets × 3 optimizers × their rates × ReLU / LeakyReLU × 5 seeds, 3 epochs,
    2 layers of 10 units. Inside each range (4 rates) ReLU's last dead share rises from
    ``bottom_dead`` to ``top_dead`` at the edge; seed 4 at SGD's edge diverges in epoch 2
    (1 of 5: the rate stays stable) when ``late``."""
    cells = []
    for d in range(14):
        for (opt, mom), lrs in RATES.items():
            for step, lr in enumerate(reversed(lrs)):
                off = step - (1 if opt != "adam" else 0)  # 0 at the edge
                for act in ("relu", "leaky_relu"):
                    for seed in range(5):
                        above = off < 0
                        blows = late and opt == "sgd" and mom == 0 and off == 0 and seed == 4
                        share = top_dead - (top_dead - bottom_dead) * max(off, 0) / 3
                        last = share if act == "relu" else leaky_negative
                        curve = [0.1 if act == "relu" else leaky_negative, last, last, last]
                        probes = [
                            {
                                "dead": [v, v] if act == "relu" else [0.0, 0.0],
                                "negative": [v, v],
                                "units": [10.0, 10.0],
                            }
                            for v in curve
                        ]
                        status, error = "ok", None
                        if above:
                            status, error, probes = "diverged", "loss (nan) at epoch 1", probes[:1]
                        elif blows:
                            status, error = "diverged", "non-finite loss at epoch 2, batch 0"
                            probes = probes[:2]
                        cells.append(
                            {
                                "key": f"k{len(cells)}",
                                "status": status,
                                "error": error,
                                "dataset": f"ds{d:02d}",
                                "activation": act,
                                "seed": seed,
                                "train.optimizer": opt,
                                "train.momentum": mom,
                                "train.lr": lr,
                                "probes": probes,
                            }
                        )
    return pd.DataFrame(cells)


def _sweeps(frame: pd.DataFrame, edge: pd.DataFrame | None = None) -> dict[str, pd.DataFrame]:
    """C9's two suites: ``frame`` judged (seeds 0–4) and the edge-finding sweep, by default
    the ReLU runs of ``frame``'s seeds 0–2 relabelled 5–7 (another key each)."""
    if edge is None:
        edge = frame[(frame["activation"] == "relu") & (frame["seed"] < 3)]
        edge = edge.assign(seed=edge["seed"] + 5, key="e" + edge["key"])
    return {"c09_dying": frame, "c09_edge": edge}


def _judge(claim: str, frames: dict[str, pd.DataFrame], timings=None):
    c = REGISTRY[claim]
    finding = c.measure(
        Context(frames=frames, timings=pd.DataFrame() if timings is None else timings)
    )
    return finding.frames(), c.judge(finding.frames())


def test_c9_end_to_end_units_die_more_at_larger_rates_and_half_can_die():
    tables, v = _judge("C9", _sweeps(_c09_frame(0.6, 0.1, 0.0)))
    e = tables["edges"].set_index("optimizer")
    assert set(e["edge"]) == {0.1, 0.01} and not e.loc["adam", "reached"].any()
    assert (tables["edges"]["rates"] == 4).all()
    ud = tables["units_die"].set_index("reading")
    # per data set, 60 blocks (3 optimizers × 4 rates × 5 seeds): ReLU 0.6, 0.433, 0.267,
    # 0.1 by step against 0 → 21 in all; SGD's diverged seed (both arms) is dropped when
    # excluded (20.4 / 59) and gives 1 − 1 = 0 when both count all dead (20.4 / 60)
    assert ud.loc["excluded", "effect"] == pytest.approx(20.4 / 59)
    assert ud.loc["all-dead", "effect"] == pytest.approx(20.4 / 60)
    assert (ud["n_datasets"] == 14).all() and (ud["n_seeds"] == 5).all()
    lg = tables["larger"].set_index(["reading", "optimizer"])
    assert lg.loc[("excluded", "adam"), "effect"] == pytest.approx(0.5)
    assert set(lg["verdict"]) == {"SUPPORTED"}
    hf = tables["half"].set_index(["reading", "optimizer"])
    # ≥ 50 % dead at the edge only: 14 × 5 of 280 runs; SGD excluded: 14 × 4 of 266
    assert hf.loc[("excluded", "adam"), ["runs", "half_dead"]].tolist() == [280, 70]
    assert hf.loc[("excluded", "sgd"), ["runs", "half_dead"]].tolist() == [266, 56]
    assert hf.loc[("all-dead", "sgd"), ["runs", "half_dead"]].tolist() == [280, 70]
    by = tables["by_step"]
    sgd = by[(by["optimizer"] == "sgd") & (by["activation"] == "relu") & (by["step"] == 0)]
    assert sgd[["diverged", "n"]].iloc[0].tolist() == [14, 70]
    assert v.verdict == "SUPPORTED", v.evidence
    assert (v.n_datasets, v.n_seeds) == (14, 5)


def test_c9_end_to_end_nothing_dies_is_contradicted_by_the_upper_bounds():
    # no unit ever dead: the difference is 0 (EQUIVALENT, against) in every part, and 0 of
    # 280 runs per optimizer puts the upper end of the interval (1.7 %) below the 2 % floor
    tables, v = _judge("C9", _sweeps(_c09_frame(0.0, 0.0, 0.0, late=False)))
    assert set(tables["half"]["verdict"]) == {"CONTRADICTED"}
    assert v.verdict == "CONTRADICTED", v.evidence
    # one diverged run in 20 at SGD's edge, counted all dead, is 5 % of SGD's runs: that
    # reading no longer rules "half can die" out, so the part is undecided
    tables, v = _judge("C9", _sweeps(_c09_frame(0.0, 0.0, 0.0)))
    hf = tables["half"].set_index(["reading", "optimizer"])["verdict"]
    assert (hf[("excluded", "sgd")], hf[("all-dead", "sgd")]) == ("CONTRADICTED", "SUPPORTED")
    assert v.verdict == "PARTLY", v.evidence


def test_c9_a_run_that_diverged_in_epoch_1_is_not_read_as_trained():
    health = dying.run_health(_c09_frame(0.6, 0.1, 0.0))
    early = health[health["train.lr"] == 1.0]
    assert early["diverged"].all() and early["dead_max"].isna().all()
    assert (early["epochs_ok"] == 0).all()


def test_c9_the_edge_comes_from_the_seeds_that_are_not_judged():
    """The edge sweep (seeds 5–7) diverges at plain SGD's 0.1 and collapses Adam at 0.01
    (the last hidden layer all dead), while the judged seeds do neither: SGD's edge falls to
    0.05 (range 0.01–0.05, 3 rates) and Adam's to 0.005 (reached, 0.001–0.005, 3 rates),
    as the edge sweep says; momentum's stays 0.01. Runs the judged seeds hold at 0.1 (SGD)
    and 0.01 (Adam) are outside the range, so no step of those reads them."""
    frame = _c09_frame(0.6, 0.1, 0.0)
    edge = _sweeps(frame)["c09_edge"].copy()
    sgd = (edge["train.optimizer"] == "sgd") & (edge["train.momentum"] == 0.0)
    blown = sgd & (edge["train.lr"] == 0.1)
    edge.loc[blown, "status"] = "diverged"
    edge.loc[blown, "probes"] = edge.loc[blown, "probes"].map(lambda p: p[:1])
    top = (edge["train.optimizer"] == "adam") & (edge["train.lr"] == 0.01)
    edge.loc[top, "probes"] = edge.loc[top, "probes"].map(
        lambda p: [p[0], *({**h, "dead": [h["dead"][0], 1.0]} for h in p[1:])]
    )
    health = dying.run_health(edge)
    assert health.loc[health["collapsed"], "train.lr"].tolist() == [0.01] * 42
    assert not health["collapsed"][health["diverged"]].any()
    tables, _ = _judge("C9", _sweeps(frame, edge))
    e = tables["edges"].set_index("optimizer")
    assert set(e.loc["sgd", "edge"]) == {0.05} and set(e.loc["adam", "edge"]) == {0.005}
    assert e.loc["adam", "reached"].all() and set(e.loc["sgd+momentum", "edge"]) == {0.01}
    assert set(e.loc["sgd", "rates"]) == {3} and set(e.loc["adam", "rates"]) == {3}
    by = tables["by_step"]
    assert sorted(set(by.loc[by["optimizer"] == "sgd", "step"])) == [0, 1, 2]
    # without the edge sweep nothing is judged
    tables, v = _judge("C9", {"c09_dying": frame})
    assert tables == {} and v.verdict == "INCONCLUSIVE" and "c09_edge" in v.evidence


def test_revival_to_the_end_is_the_largest_drop_to_the_last_epoch_per_layer():
    """Two layers of 10 units: negative counts 2/5/3 (layer 1) and 4/4/6 (layer 2) over three
    epochs: layer 1 drops from 5 to 3 (2 units shown to leave), layer 2 rises (0): 2 / 20."""
    probes = [
        (e, {"negative": [a / 10, b / 10], "dead": [0.0, 0.0], "units": [10.0, 10.0]})
        for e, (a, b) in enumerate([(2, 4), (5, 4), (3, 6)])
    ]
    assert dying.revival_to_end(probes) == pytest.approx(0.1)
    assert dying.revival_to_end(probes, "dead") == 0.0
    assert math.isnan(dying.revival_to_end(probes[:1]))


def test_c10_stuck_beside_dead_and_revival_tested():
    """LeakyReLU's stuck share is 0.3 after epoch 1 and 0.02 at the end in every run (3 of
    10 units per layer, then 0): revival bound 0.3 everywhere, SUPPORTED over 14 data sets;
    ReLU's dead share only rises (bound 0: a bound cannot rule revival out). The never-dies
    comparison reads the last epoch, unchanged: ReLU 20.4 / 59 against 0.02."""
    frame = _c09_frame(0.6, 0.1, 0.02)
    leaky = (frame["activation"] == "leaky_relu") & (frame["status"] == "ok")
    frame.loc[leaky, "probes"] = frame.loc[leaky, "probes"].map(
        lambda p: [
            {**h, "negative": [v, v]} for h, v in zip(p, [0.02, 0.3, 0.1, 0.02], strict=True)
        ]
    )
    tables, v = _judge("C10", _sweeps(frame))
    nd = tables["never_dies"].set_index("reading")
    assert nd.loc["excluded", "effect"] == pytest.approx((20.4 - 59 * 0.02) / 59)
    st = tables["stuck"].set_index(["optimizer", "activation"])
    # Adam's range: ReLU 0.6, 0.433, 0.267, 0.1 dead (= stuck) by step, mean 0.35
    assert st.loc[("adam", "relu"), ["dead_last", "negative_last"]].tolist() == pytest.approx(
        [0.35, 0.35]
    )
    assert st.loc[("adam", "leaky_relu"), ["dead_last", "negative_last"]].tolist() == (
        pytest.approx([0.0, 0.02])
    )
    assert st.loc[("adam", "leaky_relu"), "revived"] == pytest.approx(0.3)
    assert st.loc[("adam", "relu"), "revived"] == 0.0 and st.loc[("adam", "relu"), "runs"] == 280
    rv = tables["revival"].set_index("activation")
    assert rv.loc["leaky_relu", "effect"] == pytest.approx(0.3)
    assert rv.loc["leaky_relu", "verdict"] == "SUPPORTED"
    assert rv.loc["leaky_relu", "p_holm"] == pytest.approx(2 / 2**14)
    assert (rv["n_datasets"] == 14).all() and (rv["n_seeds"] == 5).all()  # rates averaged
    assert rv.loc["relu", "verdict"] != "SUPPORTED"
    assert v.verdict == "SUPPORTED", v.evidence  # accuracy not measured: death alone
    assert "stuck units revive: SUPPORTED" in v.evidence


# --- C10 accuracy ----------------------------------------------------------------------------


def test_per_dataset_signed_rank_over_seeds_by_hand():
    # diffs 0.01, 0.02, 0.03 over three seeds: all positive, the one pattern of 2³ as extreme:
    # p = 1/8 better, 1 worse; one data set is a family of one; 5 seeds are the fewest
    # with which one data set can reach 0.05 (1/32)
    frame = pd.DataFrame(
        [
            {
                "dataset": "d",
                "seed": s,
                "activation": a,
                "status": "ok",
                "test_acc": 0.5 + (0.01 * (s + 1) if a == "leaky_relu" else 0.0),
            }
            for s in range(3)
            for a in ("leaky_relu", "relu")
        ]
    )
    t = paired.per_dataset(frame, "leaky_relu", "relu").iloc[0]
    assert t["diff"] == pytest.approx(0.02)
    assert (t["p_better"], t["p_worse"]) == (1 / 8, 1.0)
    assert (t["p_better_holm"], t["needed_seeds"]) == (1 / 8, 5)


def _acc_rows(n_datasets: int, effect: dict[str, float], reversed_on: int | None = None):
    """c15_ranking (relu, leaky_relu; matched and torch_default) and c10_leaky
    (leaky_relu(0.18)) over 3 rates; the middle rate is best on validation; on data set
    ``reversed_on`` ReLU wins by 5 points."""
    rng = np.random.default_rng(0)
    out = {"c15_ranking": [], "c10_leaky": []}
    for d in range(n_datasets):
        for act in ("relu", "leaky_relu", "leaky_relu(0.18)"):
            suite = "c10_leaky" if act == "leaky_relu(0.18)" else "c15_ranking"
            for init in ("matched", "torch_default") if suite == "c15_ranking" else ("matched",):
                for seed in range(5):
                    for lr in (3e-4, 1e-3, 3e-3):
                        gain = (
                            effect.get(act, 0.0)
                            if d != reversed_on
                            else (-0.05 if act != "relu" else 0.0)
                        )
                        acc = 0.8 + gain + rng.normal(0, 0.002) - (0.1 if lr != 1e-3 else 0)
                        curve = [acc * (e + 1) / 15 for e in range(15)]
                        out[suite].append(
                            {
                                "key": f"{suite}{len(out[suite])}",
                                "status": "ok",
                                "dataset": f"ds{d:02d}",
                                "activation": act,
                                "init": init,
                                "seed": seed,
                                "model.kind": "mlp",
                                "model.depth": 8,
                                "model.width": 64,
                                "train.lr": lr,
                                "train.epochs": 15,
                                "test_acc": acc,
                                "val_acc": acc,
                                "curves": {"val_acc": curve},
                            }
                        )
    return {k: pd.DataFrame(v) for k, v in out.items()}


def test_c10_accuracy_beats_on_average_but_not_always():
    frames = _acc_rows(12, {"leaky_relu": 0.02, "leaky_relu(0.18)": 0.03}, reversed_on=3)
    tables, v = _judge("C10", frames)
    acc = tables["accuracy"].set_index("comparison")
    assert acc.loc["leaky_relu > relu", "effect"] == pytest.approx(
        (11 * 0.02 - 0.05) / 12, abs=0.002
    )
    assert set(acc["verdict"]) == {"SUPPORTED"}
    alw = tables["always"].set_index("activation")
    # ReLU wins ds03 on every seed, but five seeds give at best p = 1/32 on one data set,
    # 12/32 after Holm over the twelve: "always" cannot be judged data set by data set
    # here (eight seeds could: 12/256 < 0.05)
    assert (alw["losses"] >= 1).all() and (alw["significant_losses"] == 0).all()
    assert (alw["needed_seeds"] == 8).all() and (alw["verdict"] == "INCONCLUSIVE").all()
    assert v.verdict == "PARTLY", v.evidence
    assert (v.n_datasets, v.n_seeds) == (12, 5)


def test_c10_leaky_mirrors_c15_ranking():
    """C10 pairs c10_leaky's cells with c15_ranking's ReLU cells: every setting but the
    activation must match (checked once c15_ranking is the @all suite of issue 15)."""
    main = tomllib.loads((claims.suites_dir() / "c15_ranking.toml").read_text())
    if main.get("dataset") != "@all":
        pytest.skip("c15_ranking here predates its @all redesign (merged from main)")
    mine = tomllib.loads((claims.suites_dir() / "c10_leaky.toml").read_text())
    for table in ("model", "train", "data"):
        assert mine.get(table, {}) == main.get(table, {}), table
    assert mine["suite"]["seeds"] == main["suite"]["seeds"]
    assert mine["dataset"] == main["dataset"]
    assert mine["grid"]["train.lr"] == main["grid"]["train.lr"]
    assert mine.get("tune") == main.get("tune") is not None  # both bracketed alike
    assert "matched" in main["grid"].get("init", [main.get("init", "matched")])


# --- C13 -------------------------------------------------------------------------------------


def test_centring_averages_abs_mean_over_std_and_skips_silent_layers():
    frame = pd.DataFrame(
        {"probes": [[{}, {"mean": [0.5, -1.0, 0.0], "std": [1.0, 2.0, 0.0]}], [], None]}
    )
    values = centring(frame)["centring"].tolist()
    assert values[0] == pytest.approx(0.5) and math.isnan(values[1]) and math.isnan(values[2])


def test_epochs_to_a_common_target_on_validation_accuracy_by_hand():
    # C13's reading: ELU's curves peak at 0.9, ReLU's at 0.8: target 0.9 × 0.8 = 0.72; ELU
    # reaches it at epoch 2 (0.75), ReLU at epoch 4 (0.73); a diverged run counts budget + 1
    # = 6. Data set e has no ReLU run: its target is ELU's own, reached in epoch 1 by every
    # arm present, so it says nothing about speed (not informative)
    rows = [
        {
            "dataset": "d",
            "activation": "elu",
            "status": "ok",
            "train.epochs": 5,
            "curves": {"val_acc": [0.5, 0.75, 0.85, 0.9, 0.9]},
        },
        {
            "dataset": "d",
            "activation": "relu",
            "status": "ok",
            "train.epochs": 5,
            "curves": {"val_acc": [0.3, 0.5, 0.7, 0.73, 0.8]},
        },
        {
            "dataset": "d",
            "activation": "relu",
            "status": "diverged",
            "train.epochs": 5,
            "curves": {"val_acc": [0.8]},
        },
        {
            "dataset": "e",
            "activation": "elu",
            "status": "ok",
            "train.epochs": 5,
            "curves": {"val_acc": [0.9]},
        },
    ]
    out = target.common_target(pd.DataFrame(rows), "elu", "relu", "val_acc", column="activation")
    assert out["target"].tolist() == pytest.approx([0.72] * 3 + [0.81])
    assert out[target.EPOCHS].tolist() == [2, 4, 6, 1]
    assert out["informative"].tolist() == [True, True, True, False]


def _c13_frame() -> pd.DataFrame:
    """12 data sets × 5 seeds, lr 1e-3 only: ELU 3 points above every ReLU variant, its
    validation curve about twice as fast, its layer outputs centred (|mean|/std 0.1 vs 0.7)."""
    rows = []
    for d in range(12):
        for act in ("elu", "relu", "leaky_relu", "rrelu", "prelu"):
            for seed in range(5):
                acc = 0.8 + (0.03 if act == "elu" else 0.0) + 0.001 * d
                rate = 2 if act == "elu" else 1.05
                curve = [min(acc, acc * rate * (e + 1) / 10) for e in range(10)]
                m = 0.1 if act == "elu" else 0.7
                rows.append(
                    {
                        "key": f"k{len(rows)}",
                        "status": "ok",
                        "dataset": f"ds{d:02d}",
                        "activation": act,
                        "init": "matched",
                        "seed": seed,
                        "model.kind": "mlp",
                        "model.depth": 8,
                        "model.width": 64,
                        "train.lr": 1e-3,
                        "train.epochs": 10,
                        "test_acc": acc,
                        "val_acc": acc,
                        "dead_final": 0.0 if act != "relu" else 0.1,
                        "curves": {"val_acc": curve},
                        "probes": [{}, {"mean": [m, m], "std": [1.0, 1.0]}],
                    }
                )
    return pd.DataFrame(rows)


def test_c13_end_to_end():
    timings = pd.DataFrame()
    tables, v = _judge("C13", {"c15_ranking": _c13_frame()}, timings)
    c = tables["compare"].set_index("comparison")
    assert c.loc["elu |mean|/std closer to 0 than relu", "effect"] == pytest.approx(0.6)
    assert c.loc["elu > relu, test accuracy", "effect"] == pytest.approx(0.03)
    # target 0.9 × ReLU's accuracy: ELU's curve (0.2 of its best per epoch) reaches it at
    # epoch 5, ReLU's (0.105 per epoch) at epoch 9
    speed = c.loc["elu reaches the common target sooner than relu (epochs)"]
    assert speed["effect"] == pytest.approx(4.0)
    assert set(c["verdict"]) == {"SUPPORTED"}
    assert v.verdict == "PARTLY", v.evidence  # no timing: "slower to compute" undecided
    assert "slower to compute: INCONCLUSIVE" in v.evidence


# --- C2 --------------------------------------------------------------------------------------


def _c02_frame() -> pd.DataFrame:
    """12 data sets × 5 seeds × 3 arms, probed at initialization and after training: the
    gradient norm falls 10^-0.6 per layer for the sigmoid at init and 10^-0.3 after
    training, not at all for tanh and ReLU; nothing saturates at init, and after training
    only tanh does (2 % + 0.1 % per data set)."""
    arms = {"sigmoid": (0.6, 0.3, 0.0), "tanh": (0.0, 0.0, 0.02), "relu": (0.0, 0.0, math.nan)}
    rows = []
    for d in range(12):
        for act, (fall, fall_final, sat) in arms.items():
            for seed in range(5):
                probes = [
                    {
                        "grad_norm": [
                            10 ** (f * (layer - 16)) * (1 + 0.01 * seed) for layer in range(1, 17)
                        ]
                    }
                    for f in (fall, fall_final)
                ]
                rows.append(
                    {
                        "key": f"k{len(rows)}",
                        "status": "ok",
                        "dataset": f"ds{d:02d}",
                        "activation": act,
                        "init": "glorot_uniform",
                        "seed": seed,
                        "saturated_init": 0.0 if act != "relu" else math.nan,
                        "saturated_final": sat + 0.001 * d if sat else sat,
                        "probes": probes,
                    }
                )
    return pd.DataFrame(rows)


def test_c2_end_to_end_the_consequence_holds_and_the_reason_does_not():
    tables, v = _judge("C2", {"c02_gradients": _c02_frame()})
    ratios = tables["ratios"].set_index("arm")
    assert ratios.loc["sigmoid", "log_grad_ratio"] == pytest.approx(-9.0)
    assert ratios.loc["sigmoid", "log_grad_ratio_final"] == pytest.approx(-4.5)
    assert ratios.loc["tanh", "log_grad_ratio_final"] == pytest.approx(0.0)
    cons = tables["consequence"]
    assert cons["when"].tolist() == ["at init"] * 2 + ["after training"] * 2
    assert cons["effect"].tolist() == pytest.approx([9.0, 9.0, 4.5, 4.5])
    assert cons["p_holm"].tolist() == pytest.approx([4 / 4096] * 4)  # Holm over the four
    assert set(cons["verdict"]) == {"SUPPORTED"}
    assert (cons["reverses"] == 0).all()
    reason = tables["reason"].set_index("comparison")
    # nothing saturates at init: equal shares; after training tanh saturates, not sigmoid
    assert reason.loc["sigmoid saturates more than tanh, at init", "verdict"] == "EQUIVALENT"
    after = reason.loc["sigmoid saturates more than tanh, after training"]
    assert after["effect"] == pytest.approx(-0.0255)  # −(0.02 + 0.001 · 5.5)
    assert after["verdict"] == "CONTRADICTED"
    assert v.verdict == "PARTLY", v.evidence
    assert "consequence: SUPPORTED; reason (saturation): CONTRADICTED" in v.evidence
