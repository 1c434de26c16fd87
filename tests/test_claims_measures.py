"""C3's and C16's measures on constructed inputs whose outcome is known by hand, through the
registry only (``CLAIM.measure(ctx)``, ``CLAIM.judge(tables)``): C3's growth of the
pre-activation variance from layer 2 to the top and its top-layer saturation contrasts over
training, on a constructed results frame; C16's time ratios to ReLU, on constructed ``bench speed``
timings."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import scipy.stats

from bench.claims import REGISTRY, Context

S, C, P = "SUPPORTED", "CONTRADICTED", "PARTLY"

# --- C3: variance growth at initialization, saturation over training -------------------------

LAYERS = 16
# the log growth log(std_top / std_2) of each of seven data sets, per initializer (the
# variance's is twice it)
GROWTH = {
    "naive_normal": [1.29, 1.31, 1.33, 1.35, 1.37, 1.39, 1.41],  # mean 1.35: std ×3.86
    "torch_default": [-1.25, -1.15, -1.05, -0.95, -0.85, -0.75, -0.65],  # mean −0.95: shrinks
    "glorot_uniform": [-0.03, -0.02, -0.01, 0.0, 0.01, 0.02, 0.03],  # mean 0: flat
}
# the top layer's saturated share after epoch 1 on data set d at width 64: base + step · d
# (other layers: a tenth of it; after epoch 2: half of epoch 1's; at init: none); width 32
# has half of it
TOP_SATURATED = {
    "naive_normal": (0.40, 0.01),
    "torch_default": (0.10, 0.005),
    "glorot_uniform": (0.0, 0.001),
}
WIDTH_SCALE = {32: 0.5, 64: 1.0}
SEED_SCALE = {0: 1.0, 1: 1.2}  # seed 1's stds are 1.2 × seed 0's: the ratios do not move


def _c03_frame() -> pd.DataFrame:
    """Sigmoid 16-layer MLPs, 7 data sets × 2 seeds × 3 initializers × widths 32 and 64,
    probed at initialization and after epochs 1 and 2: layer 1's pre-activation std is 3
    (× the seed's scale), layer l ≥ 2's is exp(g · (l − 2) / 14) (× the seed's scale), g the
    data set's log growth; nothing saturates at init, the top layer peaks after epoch 1; a
    tanh cell that C3 must ignore."""
    cells = []
    for width, wscale in WIDTH_SCALE.items():
        for init, growth in GROWTH.items():
            base, step = TOP_SATURATED[init]
            for d, g in enumerate(growth):
                for seed, scale in SEED_SCALE.items():
                    pre_std = [3.0 * scale] + [
                        scale * math.exp(g * (layer - 2) / (LAYERS - 2))
                        for layer in range(2, LAYERS + 1)
                    ]
                    top = wscale * (base + step * d)
                    probes = [{"pre_std": pre_std, "saturated": [0.0] * LAYERS}]
                    for share in (top, top / 2):
                        probes.append({"saturated": [share / 10] * (LAYERS - 1) + [share]})
                    cells.append(
                        {
                            "key": f"k{len(cells):03d}",
                            "status": "ok",
                            "dataset": f"d{d}",
                            "activation": "sigmoid",
                            "init": init,
                            "model.width": width,
                            "seed": seed,
                            "probes": probes,
                        }
                    )
    ignored = {**cells[0], "key": "tanh", "activation": "tanh"}
    ignored["probes"] = [{"pre_std": [100.0] * LAYERS, "saturated": [1.0] * LAYERS}] * 3
    return pd.DataFrame([*cells, ignored])


@pytest.fixture(scope="module")
def c03_tables() -> dict[str, pd.DataFrame]:
    ctx = Context(frames={"c03_variance": _c03_frame()}, timings=pd.DataFrame())
    return REGISTRY["C3"].measure(ctx).frames()


def test_c3_measures_the_variance_growth_from_layer_2_to_the_top(c03_tables):
    g = c03_tables["growth"]
    assert g["width"].tolist() == [32] * 3 + [64] * 3
    g = g[g["width"] == 64].set_index("init")
    assert list(g.index) == ["N(0, 1)", "U(±1/√fan_in)", "Glorot"]
    assert g["claimed"].tolist() == ["grows", "grows", "flat"]
    # the variance's log growth is twice the std's
    assert g["log_growth"].tolist() == pytest.approx([2.70, -1.90, 0.0], abs=1e-12)
    assert g["n_datasets"].tolist() == [7, 7, 7]
    # layer 1: 9 × the seeds' mean squared scale (1 + 1.44) / 2 = 1.22; layer 2: 1.22
    assert g["var_layer1"].tolist() == pytest.approx([10.98] * 3)
    assert g["var_layer2"].tolist() == pytest.approx([1.22] * 3)
    for name, init in zip(g.index, GROWTH):
        top = 1.22 * np.mean(np.exp(2 * np.array(GROWTH[init])))
        assert g.loc[name, "var_top"] == pytest.approx(top)
    # the variance rises layer after layer on every data set: Page's ρ = 1 under N(0, 1)
    assert g.loc["N(0, 1)", "rho"] == pytest.approx(1.0) and g.loc["N(0, 1)", "p_trend"] < 1e-6
    assert g["verdict"].tolist() == [S, C, S]  # grows; shrinks instead; flat within ±25 %


def test_c3_reads_the_top_layer_saturation_at_its_peak_in_training(c03_tables):
    top = c03_tables["top"]
    assert top["comparison"].tolist() == [
        f"Glorot top layer saturates less than {b}, width {w}"
        for w in (32, 64)
        for b in ("N(0, 1)", "U(±1/√fan_in)")
    ]
    # baseline − Glorot per data set after epoch 1 (the peak; epoch 2 has half of it), width
    # 64: 0.40 + 0.009·d and 0.10 + 0.004·d, d = 0..6; width 32: half of each
    assert top["effect"].tolist() == pytest.approx([0.2135, 0.056, 0.427, 0.112], abs=1e-9)
    assert top["wins"].tolist() == [7] * 4 and top["n_datasets"].tolist() == [7] * 4
    assert top["p"].tolist() == pytest.approx([1 / 128] * 4)  # every data set one way
    assert top["p_holm"].tolist() == pytest.approx([4 / 128] * 4)  # Holm over the four
    assert top["verdict"].tolist() == [S] * 4
    assert top["saturated_top_baseline"].tolist() == pytest.approx([0.215, 0.0575, 0.43, 0.115])
    assert top["saturated_top_glorot"].tolist() == pytest.approx([0.0015, 0.0015, 0.003, 0.003])
    assert top["at_init_baseline"].tolist() == [0.0] * 4  # where it could not occur
    # robustness: each seed half decides the same way (p = 1/128 · 4 each), nothing reverses
    assert top["reverses"].tolist() == [0] * 4
    assert top["sign"].str.startswith("holds").all()
    assert top["decision"].str.startswith("still decided").all()


def test_c3_judges_the_measured_tables_partly(c03_tables):
    """Growth under N(0, 1) and flatness under Glorot hold, the top layer saturates more in
    training under both baselines at both widths, but U(±1/√fan_in) shrinks the variance:
    PARTLY."""
    v = REGISTRY["C3"].judge(c03_tables)
    assert v.verdict == P
    assert v.effect == pytest.approx(0.427, abs=1e-9)  # the headline: N(0, 1), width 64
    assert v.p == pytest.approx(4 / 128)
    assert (v.n_datasets, v.n_seeds) == (7, 2)
    assert "N(0, 1), width 64: variance 1.22 (layer 2) → 18.2 (top), ×14.88 (SUPPORTED)" in (
        v.evidence
    )


# --- C16: time ratios to ReLU -----------------------------------------------------------------

WIDTHS = (32, 64, 128)
# time / ReLU's per width (forward, forward+backward); the median over widths is the middle one
FACTORS = {
    "relu": {"forward": (1.0, 1.0, 1.0), "forward_backward": (1.0, 1.0, 1.0)},
    "leaky_relu": {"forward": (1.01, 1.03, 1.00), "forward_backward": (1.02, 1.01, 1.04)},
    "elu": {"forward": (1.4, 1.3, 1.2), "forward_backward": (1.6, 1.5, 1.3)},
    "selu": {"forward": (1.5, 1.4, 1.45), "forward_backward": (1.7, 1.8, 1.6)},
    "sigmoid": {"forward": (1.1, 1.2, 1.15), "forward_backward": (1.2, 1.25, 1.1)},
}


def _timings(factors=FACTORS, suite: str = "c16_speed", repeats: int = 5) -> pd.DataFrame:
    """``bench speed`` records: seconds = a per-width base × a per-repeat drift (the
    machine slowing down, which the ratio to ReLU within a repeat cancels) × the factor ×
    (1 + 0.01 · (repeat − 2)) for the activations other than ReLU, so the per-repeat ratios
    spread ±2 % around the factor and their median is the factor."""
    rows = []
    for act, passes in factors.items():
        for pass_, per_width in passes.items():
            for width, factor in zip(WIDTHS, per_width):
                for repeat in range(repeats):
                    noise = 1.0 if act == "relu" else 1 + 0.01 * (repeat - 2)
                    seconds = 1e-4 * width / 32 * (1 + 0.3 * repeat) * factor * noise
                    rows.append(
                        {
                            "suite": suite,
                            "activation": act,
                            "width": width,
                            "depth": 8,
                            "batch": 64,
                            "pass": pass_,
                            "repeat": repeat,
                            "seconds": seconds,
                            "device": "cpu",
                            "threads": 1,
                        }
                    )
    return pd.DataFrame(rows)


def _c16(timings: pd.DataFrame) -> dict[str, pd.DataFrame]:
    return REGISTRY["C16"].measure(Context(frames={}, timings=timings)).frames()


def _expected(factors: tuple[float, ...]) -> tuple[float, float, float]:
    """By hand: per repeat r the ratio is the geometric mean of the width factors times
    (1 + 0.01 (r − 2)); the ratio is the geometric mean over the five repeats and the
    interval exp(mean log ± t₀.₉₇₅,₄ · sd / √5)."""
    logs = np.log(np.prod(factors) ** (1 / 3) * (1 + 0.01 * (np.arange(5) - 2)))
    half = scipy.stats.t.ppf(0.975, 4) * logs.std(ddof=1) / math.sqrt(5)
    return math.exp(logs.mean()), math.exp(logs.mean() - half), math.exp(logs.mean() + half)


def test_c16_measures_each_ratio_to_relu_with_its_interval_over_the_repeats():
    other = _timings({a: {p: (3.0, 3.0, 3.0) for p in f} for a, f in FACTORS.items()}, "other")
    other.loc[other["activation"] == "relu", "seconds"] /= 3.0  # another suite: not read
    ratios = _c16(pd.concat([_timings(), other])).pop("ratios")
    fb = ratios[ratios["pass"] == "forward_backward"]
    assert fb["activation"].tolist() == ["relu", "leaky_relu", "sigmoid", "elu", "selu"]
    got = ratios.set_index(["pass", "activation"])
    for act, passes in FACTORS.items():
        for pass_, factors in passes.items():
            row = got.loc[(pass_, act)]
            want = (1.0, 1.0, 1.0) if act == "relu" else _expected(factors)
            assert (row["ratio"], row["low"], row["high"]) == pytest.approx(want)
            assert row["n_repeats"] == 5


def test_c16_judges_elu_against_the_other_activations_spread():
    """forward+backward: ELU (1.6·1.5·1.3)^⅓ ≈ 1.46 against the upper quartile of LeakyReLU
    1.02, sigmoid 1.18 and SELU 1.70 (≈ 1.44): its interval (±1.6 %) straddles it, so
    INCONCLUSIVE, and the claim PARTLY; LeakyReLU sits below the others' median."""
    v = REGISTRY["C16"].judge(_c16(_timings()))
    assert v.verdict == P
    assert v.effect == pytest.approx(_expected((1.6, 1.5, 1.3))[0])
    assert "ReLU fastest: SUPPORTED" in v.evidence
    assert "against the others' median 1.46: SUPPORTED" in v.evidence
    assert "upper quartile 1.44: INCONCLUSIVE" in v.evidence
    slower = {**FACTORS, "elu": {p: (2.0, 2.0, 2.0) for p in ("forward", "forward_backward")}}
    assert REGISTRY["C16"].judge(_c16(_timings(slower))).verdict == S


def test_c16_a_slow_leaky_relu_and_a_faster_than_relu_activation_are_read_as_such():
    faster_elu = {**FACTORS, "elu": {p: (2.0, 2.0, 2.0) for p in ("forward", "forward_backward")}}
    slow = {
        **faster_elu,
        "leaky_relu": {p: (1.9, 1.9, 1.9) for p in ("forward", "forward_backward")},
    }
    v = REGISTRY["C16"].judge(_c16(_timings(slow)))
    assert v.verdict == P and "LeakyReLU 1.90" in v.evidence  # (b) CONTRADICTED
    fast = {**faster_elu, "sigmoid": {p: (0.9, 0.9, 0.9) for p in ("forward", "forward_backward")}}
    v = REGISTRY["C16"].judge(_c16(_timings(fast)))
    assert v.verdict == P and "ReLU fastest: CONTRADICTED (sigmoid faster)" in v.evidence


def test_c16_without_timings_measures_nothing():
    assert _c16(pd.DataFrame()) == {}
    assert REGISTRY["C16"].judge({}).verdict == "INCONCLUSIVE"
