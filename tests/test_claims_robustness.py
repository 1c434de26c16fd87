"""The claims' pairs with their robustness readings (bench.scoring.robustness.robust through
each claim's own family), on constructed frames where one known alternative reverses the
sign: the reading names it first, and an alternative the claim does not have reads "—"."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bench.claims import REGISTRY
from bench.claims.base import Context
from tests.test_claims_inits import _c04_frame

LR = "learning rate chosen on the best-epoch validation accuracy"


def _c8_cells() -> pd.DataFrame:
    """12 data sets × 3 seeds × 2 rates. At 1e-3 (the better last-epoch validation accuracy,
    0.8 against 0.7: the main reading) gain 1 leads by 10 points for tanh and gain 3/4 by
    10 for SELU; at 3e-3 (the better best-epoch one, 0.9 against 0.8) both lead the other
    way. The data sets are not in the registry: real, of unknown size (small)."""
    cells = []
    for d in range(12):
        for seed in range(3):
            for lr in (1e-3, 3e-3):
                flip = -1 if lr == 3e-3 else 1
                for act, init, acc in (
                    ("tanh", "glorot_uniform", 0.75 + 0.05 * flip),
                    ("tanh", "glorot_uniform_gain", 0.75 - 0.05 * flip),
                    ("selu", "lecun_normal", 0.75 - 0.05 * flip),
                    ("selu", "lecun_normal_gain", 0.75 + 0.05 * flip),
                ):
                    cells.append(
                        {
                            "key": f"{d}{seed}{init}{lr}",
                            "status": "ok",
                            "dataset": f"d{d}",
                            "seed": seed,
                            "activation": act,
                            "init": init,
                            "train.lr": lr,
                            "test_acc": acc + 0.001 * d + 0.0001 * seed,
                            "val_acc": 0.8 if lr == 1e-3 else 0.7,
                            "best_val_acc": 0.8 if lr == 1e-3 else 0.9,
                        }
                    )
    return pd.DataFrame(cells)


def test_c8_training_rows_show_a_reversal_under_the_other_rate_criterion_first():
    ctx = Context(frames={"c08_gains": _c8_cells()}, timings=pd.DataFrame(), checks={})
    t = REGISTRY["C8"].measure(ctx).frames()["training"].set_index("comparison")
    tanh = t.loc["tanh: gain 5/3 vs gain 1 (Glorot uniform)"]
    selu = t.loc["SELU: gain 3/4 vs gain 1 (LeCun normal)"]
    assert (tanh["finding"], selu["finding"]) == ("gain worse", "gain better")
    # the rate criterion and each half of the seeds exist; the initializer is the arm,
    # every set is real and of one size
    absent = "other initializer: —; real vs synthetic: —; small vs large: —"
    for row, other in ((tanh, "SUPPORTED"), (selu, "CONTRADICTED")):
        assert (row["alternatives"], row["reverses"], row["holds"]) == (2, 1, 1)
        assert row["sign"] == f"reverses under {LR}"
        assert row["decision"] == f"still decided in 1/2; changes under {LR} ({other})"
        assert row["absent"] == absent
        assert row["robustness"].startswith(f"sign reverses under {LR} — ")
        assert row["robustness"].endswith(f"({absent})")


def test_c4_conditions_hold_under_the_seed_halves_and_name_the_missing_alternatives():
    """_c04_frame: tanh reaches the target two epochs sooner in every condition, at the rate
    with the larger validation area; no best-epoch criterion in the frame, one initializer,
    real sets of one size: the seed halves are the one alternative, and hold."""
    ctx = Context(frames={"c04_convergence": _c04_frame("tanh")}, timings=pd.DataFrame())
    speed = REGISTRY["C4"].measure(ctx).frames()["speed"]
    assert len(speed) == 4 and set(speed["verdict"]) == {"SUPPORTED"}
    assert speed["effect"].tolist() == pytest.approx([2.0] * 4)
    assert set(speed["sign"]) == {"holds in 1/1"}
    assert set(speed["decision"]) == {"still decided in 1/1"}
    assert set(speed["absent"]) == {
        "best-epoch selection: —; other initializer: —; real vs synthetic: —; small vs large: —"
    }


def _c15_cells() -> pd.DataFrame:
    """C15's main suite in small: 12 data sets (six real, six synthetic) × 2 seeds × one
    rate × elu and the four ReLU variants × matched and torch_default. With matched, elu is
    2 points ahead of every variant; with torch_default, 2 points behind. elu's layer
    outputs are centred (|mean|/std 0.1 against 0.5), every curve reaches 0.9 in epoch 2."""
    from tests.test_robustness import REAL, SYNTHETIC

    cells = []
    for d, dataset in enumerate(REAL + SYNTHETIC):
        for init in ("matched", "torch_default"):
            for seed in range(2):
                for act in ("elu", "relu", "leaky_relu", "rrelu", "prelu"):
                    lead = 0.02 if init == "matched" else -0.02
                    acc = 0.7 + 0.01 * d + 0.001 * seed + (lead if act == "elu" else 0.0)
                    mean = 0.1 if act == "elu" else 0.5
                    cells.append(
                        {
                            "key": f"{dataset}{init}{seed}{act}",
                            "status": "ok",
                            "dataset": dataset,
                            "seed": seed,
                            "activation": act,
                            "init": init,
                            "train.lr": 1e-3,
                            "train.epochs": 3,
                            "test_acc": acc,
                            "val_acc": 0.8,
                            "best_val_acc": 0.8,
                            "dead_final": 0.0,
                            "curves": {"val_acc": [0.5, 0.9, 0.9], "train_acc": [0.5, 0.9, 0.9]},
                            "probes": [{"mean": [mean, mean], "std": [1.0, 1.0]}],
                        }
                    )
    return pd.DataFrame(cells)


def test_c13_accuracy_rows_reverse_under_the_other_initializer_and_the_column_says_so():
    ctx = Context(frames={"c15_ranking": _c15_cells()}, timings=pd.DataFrame())
    t = REGISTRY["C13"].measure(ctx).frames()["compare"].set_index("comparison")
    acc = t.loc[[f"elu > {v}, test accuracy" for v in ("relu", "leaky_relu", "rrelu", "prelu")]]
    assert set(acc["verdict"]) == {"SUPPORTED"}  # 12 of 12 sets, Holm over four
    assert set(acc["sign"]) == {"reverses under torch_default initializer"}
    assert set(acc["alternatives"]) == {7} and set(acc["absent"]) == {""}
    # four sets per size, six per kind: each too few for Holm over four (1/2⁶ × 4 > 0.05)
    assert {d.split("; ")[-1] for d in acc["decision"]} == {
        "changes under torch_default initializer (CONTRADICTED)"
    }
    assert all(
        r.startswith("sign reverses under torch_default initializer — ") for r in acc["robustness"]
    )
    centred = t.loc["elu |mean|/std closer to 0 than relu"]
    assert centred["verdict"] == "SUPPORTED" and centred["sign"].startswith("holds in ")
    # both reach the target in epoch 2 everywhere: a tie, not a reversal
    sooner = t.loc["elu reaches the common target sooner than relu (epochs)"]
    assert sooner["reverses"] == 0


def _c01_cells() -> pd.DataFrame:
    """tests.test_claims_inits' C1 frame (the identity stack 0.02 nats above logistic
    regression, the nonlinear stacks 0.3 nats below it, each arm's best loss at 3e-3) with
    a best-epoch validation accuracy that prefers 1e-3 everywhere, where the nonlinear
    stacks end 0.38 nats *above* the identity stack."""
    from tests.test_claims_inits import _c01_frame

    frame = _c01_frame(0.02, 0.3)
    slow = frame["train.lr"] == 1e-3
    nonlinear = frame["activation"].isin(["relu", "tanh"])
    frame.loc[slow & nonlinear, "curves"] = [
        {"train_loss": [v + 0.7 for v in c["train_loss"]]}
        for c in frame.loc[slow & nonlinear, "curves"]
    ]
    return frame.assign(best_val_acc=slow.map({True: 0.9, False: 0.8}))


def test_c1_rows_are_chosen_on_the_training_loss_and_reverse_under_the_validation_criterion():
    ctx = Context(frames={"c01_linear": _c01_cells()}, timings=pd.DataFrame(), checks={})
    t = REGISTRY["C1"].measure(ctx).frames()
    absent = "other initializer: —; real vs synthetic: —; small vs large: —"
    # main reading: the rate of the lowest training loss (3e-3), as before
    same = t["same"].iloc[0]
    assert same["verdict"] == "SUPPORTED" and same["effect"] == pytest.approx(-0.02, abs=0.001)
    assert (same["alternatives"], same["reverses"], same["absent"]) == (2, 0, absent)
    assert same["decision"] == "still decided in 2/2"
    nonlinear = t["nonlinear"]
    assert list(nonlinear["verdict"]) == ["SUPPORTED", "SUPPORTED"]
    assert nonlinear["effect"].tolist() == pytest.approx([0.32, 0.32], abs=0.002)
    assert set(nonlinear["sign"]) == {f"reverses under {LR}"}
    changed = f"still decided in 1/2; changes under {LR} (CONTRADICTED)"
    assert set(nonlinear["decision"]) == {changed}
    assert all(r.startswith(f"sign reverses under {LR} — ") for r in nonlinear["robustness"])


SEEDS = "each half of the seeds, its rates chosen again on it"
ONLY_SEEDS = (
    "best-epoch selection: —; other initializer: —; real vs synthetic: —; small vs large: —"
)


def _c09_sweeps() -> dict[str, pd.DataFrame]:
    """tests.test_claims_units' C9 suites (ReLU's dead share 0.1 … 0.6 in the range, the
    edge found on relabelled seeds 5–7), LeakyReLU never negative on seeds 0–2 but 70 %
    stuck negative on seeds 3–4: over all five seeds ReLU's dead share is the larger, on
    the second half of the seeds LeakyReLU's stuck share is."""
    from tests.test_claims_units import _c09_frame, _sweeps

    low, high = _c09_frame(0.6, 0.1, 0.0), _c09_frame(0.6, 0.1, 0.7)
    high = high.assign(key="h" + high["key"])
    frame = pd.concat([low[low["seed"] < 3], high[high["seed"] >= 3]], ignore_index=True)
    return _sweeps(frame)


def test_c9_units_die_reverses_on_one_half_of_the_judged_seeds_the_edge_kept():
    ctx = Context(frames=_c09_sweeps(), timings=pd.DataFrame())
    t = REGISTRY["C9"].measure(ctx).frames()
    # the edge is the edge sweep's: the seed halves re-read the same range
    assert set(t["edges"]["edge"]) == {0.1, 0.01}
    ud = t["units_die"].set_index("reading")
    assert set(ud["verdict"]) == {"SUPPORTED"} and (ud["effect"] > 0.01).all()
    assert set(ud["alternatives"]) == {1} and set(ud["absent"]) == {ONLY_SEEDS}
    assert set(ud["sign"]) == {f"reverses under {SEEDS}"}
    assert set(ud["decision"]) == {f"still decided in 0/1; changes under {SEEDS} (CONTRADICTED)"}
    # the larger-rate rows read ReLU alone: the same in each half
    lg = t["larger"]
    assert len(lg) == 6 and set(lg["sign"]) == {"holds in 1/1"}
    assert set(lg["decision"]) == {"still decided in 1/1"}


def test_c10_never_dies_reverses_on_one_half_of_the_seeds_like_c9():
    t = REGISTRY["C10"].measure(Context(frames=_c09_sweeps(), timings=pd.DataFrame())).frames()
    nd = t["never_dies"]
    assert set(nd["verdict"]) == {"SUPPORTED"}
    assert set(nd["sign"]) == {f"reverses under {SEEDS}"}
    assert set(nd["absent"]) == {ONLY_SEEDS}
    rv = t["revival"].set_index("activation")  # no unit comes back, in either half
    assert rv.loc["relu", "effect"] == 0.0 and rv.loc["relu", "verdict"] == "EQUIVALENT"
    assert rv.loc["relu", "decision"] == "still decided in 1/1"


def test_c10_accuracy_reverses_under_torch_default_and_the_other_slope_lacks_that_row():
    """tests.test_claims_units' accuracy cells (LeakyReLU 0.01 two points ahead, 0.18 three,
    matched init) with LeakyReLU 0.01 three points behind ReLU under torch_default."""
    from tests.test_claims_units import _acc_rows

    frames = _acc_rows(12, {"leaky_relu": 0.02, "leaky_relu(0.18)": 0.03})
    main = frames["c15_ranking"]
    behind = (main["init"] == "torch_default") & (main["activation"] == "leaky_relu")
    main.loc[behind, "test_acc"] -= 0.05
    t = REGISTRY["C10"].measure(Context(frames=frames, timings=pd.DataFrame())).frames()
    acc = t["accuracy"].set_index("comparison")
    assert set(acc["verdict"]) == {"SUPPORTED"}
    assert acc["effect"].tolist() == pytest.approx([0.02, 0.03], abs=0.002)
    assert set(acc["alternatives"]) == {2}
    old, new = acc.loc["leaky_relu > relu"], acc.loc["leaky_relu(0.18) > relu"]
    assert old["sign"] == "reverses under torch_default initializer"
    assert old["decision"] == (
        "still decided in 1/2; changes under torch_default initializer (CONTRADICTED)"
    )
    assert new["sign"] == "holds in 2/2"
    assert new["decision"] == (
        "still decided in 1/2; loses power under torch_default initializer (absent)"
    )


def _by_seed(frame: pd.DataFrame, rows: pd.Series, column: str, first: float, second: float):
    """``column`` of ``rows`` shifted by ``first`` on seeds 0–2 and ``second`` on 3–4."""
    out = frame.copy()
    early = out["seed"] < 3
    out.loc[rows & early, column] += first
    out.loc[rows & ~early, column] += second
    return out


def test_c11_a_size_whose_gap_reverses_on_one_half_of_the_seeds_says_so_first():
    """tests.test_claims_size's sweep (no rate column: one rate; every set of one size) with
    RReLU's loss gap at 10 % 0.1 nats smaller on seeds 0–2 and 0.05 larger on seeds 3–4:
    0.04 smaller over the five."""
    from tests.test_claims_size import _size_frame

    frame = _size_frame({})
    rrelu = (frame["activation"] == "rrelu") & (frame["data.train_size"] == 0.1)
    frame = _by_seed(frame, rrelu, "test_loss", -0.1, 0.05)
    t = REGISTRY["C11"].measure(Context({"c11_size": frame}, pd.DataFrame())).frames()
    gap = t["gap"].set_index("train_size")
    small = gap.loc[0.1]
    assert small["verdict"] == "SUPPORTED"
    assert small["effect"] == pytest.approx(0.04, abs=0.002)
    assert small["sign"] == f"reverses under {SEEDS}"
    assert small["decision"] == f"still decided in 0/1; changes under {SEEDS} (CONTRADICTED)"
    assert small["robustness"].startswith(f"sign reverses under {SEEDS} — ")
    assert small["absent"] == ONLY_SEEDS
    # one reading per size: the test-accuracy table carries its own
    assert len(t["test"]) == 3 and set(t["test"]["alternatives"]) == {1}


def test_c12_large_tier_reverses_on_one_half_of_the_seeds():
    """tests.test_claims_size's frame with a large tier where both PReLU forms are 3 points
    ahead on seeds 0–2 and 1 point behind on seeds 3–4: 1.4 points ahead over the five."""
    from tests.test_claims_size import _size_frame

    frame = _size_frame({}, large={})
    big = frame["data.max_train"] == 20000
    prelu = big & frame["activation"].isin(["prelu", "prelu_channel"])
    frame = _by_seed(frame, prelu, "test_acc", 0.03, -0.01)
    t = REGISTRY["C12"].measure(Context({"c11_size": frame}, pd.DataFrame())).frames()
    large = t["large"].set_index("activation")
    assert set(large["verdict"]) == {"SUPPORTED"}
    assert large["effect"].tolist() == pytest.approx([0.014, 0.014], abs=0.002)
    assert set(large["sign"]) == {f"reverses under {SEEDS}"}
    assert set(large["absent"]) == {ONLY_SEEDS}
    # the sweep's tables and the interaction carry theirs
    for name in ("gap", "test", "gap_prelu_channel", "test_prelu_channel", "interaction"):
        assert set(t[name]["alternatives"]) == {1}, name


def test_c14_drift_reverses_on_one_half_of_the_seeds():
    """tests.test_claims_size's C14 cells (SELU drifts ln 1.1, ELU ln 1.5, one rate) with
    the two activations' profiles swapped on seeds 3–4, all conditions holding: SELU still
    drifts less over the five seeds (0.219 against 0.281), more on the second half."""
    from tests.test_claims_size import _c14_frame

    frame = _c14_frame()
    swap = (frame["seed"] >= 3) & (frame["init"] == "matched") & frame["data.standardize"]
    swap &= frame["model.kind"] == "mlp"
    frame.loc[swap, "activation"] = frame.loc[swap, "activation"].map(
        {"selu": "elu", "elu": "selu"}
    )
    t = REGISTRY["C14"].measure(Context({"c14_selu": frame}, pd.DataFrame())).frames()
    drift = t["drift"].iloc[0]
    assert drift["verdict"] == "SUPPORTED" and not drift["negligible"]
    assert drift["effect"] == pytest.approx(0.2 * (math.log(1.5) - math.log(1.1)), abs=0.01)
    assert drift["sign"] == f"reverses under {SEEDS}"
    assert drift["decision"] == f"still decided in 0/1; changes under {SEEDS} (CONTRADICTED)"
    assert drift["absent"] == ONLY_SEEDS
