"""C15 under normalization (bench.claims.norm) and C14's batch-normalized ReLU net, on
constructed results: the SNN family per depth (verdicts and Holm-adjusted p from built
effects), the mean ranks, the chain per setting and which gaps survive, the "not trained"
line, and the per-layer medians beside SELU's. Nothing here trains."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bench.claims import REGISTRY, Context, Finding, norm
from bench.claims.c14_selu import beside_batchnorm
from bench.report import claims as report

SETS, SEEDS = 12, 3


def _cell(i: int, dataset: str, seed: int, act: str, acc: float, **model) -> dict:
    curve = [acc * (e + 1) / 15 for e in range(15)]
    return {
        "key": f"cell{i:05d}",
        "status": "ok",
        "dataset": dataset,
        "activation": act,
        "init": "matched",
        "seed": seed,
        "model.kind": model.get("kind", "mlp"),
        "model.depth": model.get("depth", 8),
        "model.norm": model.get("norm", "none"),
        "model.dropout": model.get("dropout", 0.0),
        "model.dropout_kind": model.get("dropout_kind", "standard"),
        "train.lr": 1e-3,
        "train.epochs": 15,
        "data.standardize": True,
        "test_acc": acc,
        "val_acc": acc,
        "best_val_acc": acc,
        "train_acc": min(1.0, acc + 0.02),
        "curves": {"val_acc": curve},
        "probes": [],
    }


def _wobble(d: int) -> float:
    """A small, sign-alternating, tie-free difference per data set (inside the 1-point
    rope): equal arms."""
    return (1 if d % 2 else -1) * 0.0004 * (1 + d % 5)


# the SNN's rivals: + is better than the SNN; ReLU + BatchNorm 3 points worse, ReLU +
# LayerNorm 3 points better, the others equal; alpha dropout costs the SNN 2 points
_SNN_OFFSET = {"relu, BatchNorm": -0.03, "relu, LayerNorm": 0.03}
_SETTING = {
    "plain": {},
    "BatchNorm": {"norm": "batch"},
    "LayerNorm": {"norm": "layer"},
    "residual": {"kind": "resmlp"},
}


def _klambauer(depths=(2, 8)) -> pd.DataFrame:
    cells = []
    for depth in depths:
        for d in range(SETS):
            for seed in range(SEEDS):
                base = 0.8 - 0.01 * d + 0.002 * seed
                arms = [("selu", base, {}), ("selu", base - 0.02, {"dropout": 0.05})]
                arms[1][2]["dropout_kind"] = "alpha"
                for act in ("relu", "elu", "gelu"):
                    for name, model in _SETTING.items():
                        off = _SNN_OFFSET.get(f"{act}, {name}", _wobble(d))
                        arms.append((act, base + off, model))
                for act, acc, model in arms:
                    cells.append(
                        _cell(len(cells), f"ds{d:02d}", seed, act, acc, depth=depth, **model)
                    )
    return pd.DataFrame(cells)


_ORDER = ("selu", "elu", "leaky_relu", "relu", "tanh", "sigmoid")


def _chain() -> pd.DataFrame:
    """Plain and LayerNorm: the claimed order 3 points apart; BatchNorm: all equal;
    residual: ELU 2 points above SELU, the rest in order."""
    cells = []
    for name, model in _SETTING.items():
        for d in range(SETS):
            for seed in range(SEEDS):
                base = 0.9 - 0.01 * d + 0.002 * seed
                for k, act in enumerate(_ORDER):
                    if name == "BatchNorm":
                        acc = base + (_wobble(d + k) if k else 0.0)
                    elif name == "residual" and act == "selu":
                        acc = base - 0.02
                    else:
                        acc = base - 0.03 * k + (0.03 if name == "residual" and k == 1 else 0)
                    cells.append(_cell(len(cells), f"ds{d:02d}", seed, act, acc, **model))
    return pd.DataFrame(cells)


@pytest.fixture(scope="module")
def snn_finding():
    finding = Finding()
    norm.add(finding, Context(frames={norm.KLAMBAUER: _klambauer()}, timings=pd.DataFrame()))
    return finding


def test_snn_family_per_depth_decides_the_constructed_effects(snn_finding):
    tables = snn_finding.frames()
    assert set(tables) == {"snn_depth2", "snn_depth8", "snn_ranks"}
    t = tables["snn_depth2"].set_index("comparison")
    assert len(t) == 13  # twelve rivals and alpha dropout: one family
    bn, ln = t.loc["SNN > relu, BatchNorm"], t.loc["SNN > relu, LayerNorm"]
    assert bn["verdict"] == "SUPPORTED" and ln["verdict"] == "CONTRADICTED"
    assert bn["effect"] == pytest.approx(0.03) and ln["effect"] == pytest.approx(-0.03)
    assert (bn["wins"], bn["losses"], ln["wins"], ln["losses"]) == (12, 0, 0, 12)
    # exact one-sided signed rank, 12 of 12 positive: 1/4096; Holm over the 13 pairs
    assert bn["p"] == pytest.approx(1 / 4096)
    assert bn["p_holm"] == pytest.approx(13 / 4096)
    assert t.loc["SNN + alpha dropout > SNN", "verdict"] == "CONTRADICTED"
    assert t.loc["SNN + alpha dropout > SNN", "effect"] == pytest.approx(-0.02)
    assert t.loc["SNN > gelu, residual", "verdict"] == "EQUIVALENT"
    assert bn["p_a_better"] > 0.9  # the Bayesian companion
    assert isinstance(bn["robustness"], str) and bn["sign"].startswith("holds in")


def test_snn_lines_answer_the_two_questions_and_the_ranks(snn_finding):
    lines = snn_finding.notes[norm.SECTION_SNN]
    assert lines[0].startswith("The paper: Klambauer et al. (2017), 121 UCI tasks")
    assert "Does SELU (the SNN) beat ReLU + BatchNorm? depth 2: SUPPORTED (+3.0 points" in lines[2]
    assert "12 won / 0 lost of 12" in lines[2]
    assert "Does SELU (the SNN) beat ReLU + LayerNorm? depth 2: CONTRADICTED" in lines[3]
    assert lines[1].startswith("Reproduces here (the SNN has the best mean rank): depth 2: no")
    ranks = snn_finding.frames()["snn_ranks"].set_index("arm")
    assert ranks.loc["relu, LayerNorm", "depth 2"] == 1.0
    assert ranks.loc["SNN + alpha dropout", "depth 8"] == 13.0
    assert ranks.loc["relu, BatchNorm", "depth 8"] == 14.0


def test_chain_per_setting_and_which_gaps_survive():
    finding = Finding()
    norm.add(finding, Context(frames={norm.CHAIN: _chain()}, timings=pd.DataFrame()))
    assert finding.notes[norm.SECTION_SNN] == [norm.NOT_TRAINED]
    chain = finding.frames()["norm_chain"]
    assert chain.groupby("setting").size().to_dict() == {
        "BatchNorm": 5,
        "LayerNorm": 5,
        "plain": 5,
        "residual": 5,
    }
    table = finding.frames()["norm_survival"].set_index("comparison")
    assert list(table["plain"]) == ["SUPPORTED"] * 5
    assert list(table["LayerNorm: gap"]) == ["survives"] * 5
    assert list(table["BatchNorm: gap"]) == ["vanishes"] * 5
    assert table.loc["selu > elu", "residual: gap"] == "reverses"
    assert table.loc["elu > leaky_relu", "residual: gap"] == "survives"
    residual = chain[(chain["setting"] == "residual") & (chain["comparison"] == "selu > elu")]
    assert residual["effect"].iloc[0] == pytest.approx(-0.02)
    lines = finding.notes[norm.SECTION_CHAIN]
    assert any(line.startswith("Gaps that reverse: selu > elu (residual).") for line in lines)
    assert lines[-1].startswith(
        "Where the net cannot self-normalize, ELU may beat SELU (residual 8×64 nets): ELU beats "
        "SELU; selu > elu: CONTRADICTED (-2.0 points"
    )


@pytest.mark.parametrize(
    ("plain", "other", "expected"),
    [
        ("SUPPORTED", "SUPPORTED", "survives"),
        ("SUPPORTED", "CONTRADICTED", "reverses"),
        ("SUPPORTED", "EQUIVALENT", "vanishes"),
        ("CONTRADICTED", "INCONCLUSIVE", "vanishes"),
        ("INCONCLUSIVE", "SUPPORTED", "appears"),
        ("INCONCLUSIVE", "EQUIVALENT", "no gap"),
        ("EQUIVALENT", "INCONCLUSIVE", "undecided"),
        ("SUPPORTED", math.nan, "–"),
    ],
)
def test_fate(plain, other, expected):
    assert norm.fate(plain, other) == expected


def test_report_says_one_line_per_section_until_trained():
    ctx = Context(frames={}, timings=pd.DataFrame())
    c = REGISTRY["C15"]
    finding = c.measure(ctx)
    text, _ = report.render(
        [(c, finding, c.judge(finding.frames()))], {"generated_at": "t", "store": "s"}, "f"
    )
    after = text.split(f"### {norm.SECTION_SNN}\n\n", 1)[1]
    assert after.startswith(f"{norm.NOT_TRAINED}\n\n### {norm.SECTION_CHAIN}\n\n{norm.NOT_TRAINED}")
    assert "Trained apart (`make claims-norm`): `suites/norm/c15_norm.toml`" in text


def _probed(act: str, norm_: str, means: list[float], stds: list[float], seed: int) -> dict:
    trained = {"mean": [m + 0.1 for m in means], "std": [s * 2 for s in stds]}
    return {
        "activation": act,
        "model.norm": norm_,
        "model.kind": "mlp",
        "init": "matched",
        "data.standardize": True,
        "dataset": "ds",
        "seed": seed,
        "status": "ok",
        "probes": [{"mean": means, "std": stds}, trained],
    }


def test_c14_batchnorm_relu_beside_selu_per_layer():
    layers = 32
    frame = pd.DataFrame(
        [_probed("selu", "none", [0.0] * layers, [1.0 + 0.1 * s] * layers, s) for s in range(3)]
        + [_probed("relu", "batch", [0.4] * layers, [0.6] * layers, s) for s in range(3)]
        + [_probed("elu", "none", [9.0] * layers, [9.0] * layers, 0)]  # not shown
    )
    table = beside_batchnorm(frame)
    assert list(table["layer"]) == [1, 2, 4, 8, 16, 24, 32]
    row = table.iloc[-1]
    assert row["selu_std_init"] == pytest.approx(1.1)  # the median of 1.0, 1.1, 1.2
    assert row["selu_std_trained"] == pytest.approx(2.2)
    assert row["relu_bn_mean_init"] == pytest.approx(0.4)
    assert row["relu_bn_mean_trained"] == pytest.approx(0.5)
    assert list(table.columns[:5]) == [
        "layer",
        "selu_mean_init",
        "selu_std_init",
        "relu_bn_mean_init",
        "relu_bn_std_init",
    ]
    assert beside_batchnorm(frame[frame["activation"] != "relu"]).empty
