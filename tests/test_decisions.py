"""Decisions stay in scoring (issue 25, item 6): ``bench.ranking`` says "decidable" by the
rule the data-set-level comparisons use (Holm over its pairs, ``<`` α), the activation
gallery shades saturation by the probes' own definition (saturating activations only), and
no report or claim text types α or the ±1-point margin: they are read from
``bench.scoring.verdicts``."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from bench import api, schema
from bench.report import doc
from bench.scoring import stats, verdicts

ROOT = Path(__file__).resolve().parents[1]


def _rows(scores: dict[str, list[float]]) -> pd.DataFrame:
    """One data set ``d``, seed i = block i, one learning rate, ``matched``: the minimal
    columns a ranking reads. ``scores``: activation → test accuracy per seed."""
    return pd.DataFrame(
        [
            {
                "key": f"{a}-{i}",
                "status": "ok",
                "dataset": "d",
                "activation": a,
                "init": "matched",
                "seed": i,
                "train.lr": 1e-3,
                "val_acc": v,
                "test_acc": v,
            }
            for a, vs in scores.items()
            for i, v in enumerate(vs)
        ]
    )


def test_ranking_decides_with_holm_over_its_pairs():
    # 6 blocks: the smallest two-sided Wilcoxon p is 2/2⁶ = 0.03125 < 0.05, but Holm over
    # the 3 pairs of 3 activations makes it 3 · 0.03125 = 0.09375: no pair can reach α.
    # (The old rule, smallest ≤ α without the family, called this decidable.)
    three = api.ranking(_rows({"a": [0.9] * 6, "b": [0.8] * 6, "c": [0.7] * 6}))
    a = three.attrs
    assert (a["n_blocks"], a["pairs"]) == (6, 3)
    assert a["smallest_p"] == 0.03125 and a["smallest_p_holm"] == 0.09375
    assert a["decidable"] is False
    # the p-values it shows agree: a wins every block against b and c, yet p ≥ 0.09375
    assert three["p_vs_best"].dropna().min() >= 0.09375
    # two activations: one pair, 0.03125 < 0.05: decidable, and the test does reach it
    two = api.ranking(_rows({"a": [0.9] * 6, "b": [0.8] * 6}))
    assert (two.attrs["pairs"], two.attrs["decidable"]) == (1, True)
    assert two["p_vs_best"].iloc[1] == pytest.approx(0.03125)
    # 7 blocks and 3 pairs: 3 · 2/2⁷ = 0.0469 < 0.05, the floor stats.needed gives
    assert stats.needed(verdicts.ALPHA, "two-sided", 3) == 7
    seven = api.ranking(_rows({"a": [0.9] * 7, "b": [0.8] * 7, "c": [0.7] * 7}))
    assert seven.attrs["decidable"] is True and seven.attrs["init"] == "matched"


def test_quick_text_names_the_holm_floor():
    from bench.report import quick

    ranked = api.ranking(_rows({"a": [0.9] * 6, "b": [0.8] * 6, "c": [0.7] * 6}))
    suite = {
        "grid": {"dataset": ["d"]},
        "model": {"kind": "mlp", "depth": 2, "width": 8},
        "train": {"epochs": 1, "optimizer": "adam", "lr": 1e-3},
    }
    text = " ".join(quick.table(ranked, suite, "t", 6).split())
    assert (
        "With 6 blocks the smallest two-sided Wilcoxon p is 0.0312, 0.0938 after Holm over 3 "
        "pairs: no pair can reach 0.05; more seeds or data sets can." in text
    )


def _curves() -> dict:
    """Hand-made gallery data on [-8, 8]: sigmoid, tanh, ELU and ReLU with their
    derivatives."""
    x = np.linspace(-8, 8, 801)
    sig = 1 / (1 + np.exp(-x))
    elu = np.where(x > 0, x, np.expm1(np.minimum(x, 0)))
    curves = {
        "sigmoid": (sig, sig * (1 - sig)),
        "tanh": (np.tanh(x), 1 - np.tanh(x) ** 2),
        "elu": (elu, np.where(x > 0, 1.0, np.exp(np.minimum(x, 0)))),
        "relu": (np.maximum(x, 0), (x > 0).astype(float)),
    }
    return {
        "x": x.tolist(),
        "curves": {k: {"f": f.tolist(), "df": d.tolist()} for k, (f, d) in curves.items()},
    }


def _shaded(fig, grey: bool) -> dict[str, bool]:
    """Per panel title: whether its grey (saturated) or red (dead) band covers anything."""
    from matplotlib.colors import to_rgba

    want = to_rgba("0.5", 0.25) if grey else to_rgba("tab:red", 0.15)
    out = {}
    for ax in fig.axes:
        if not ax.get_title():
            continue
        bands = [c for c in ax.collections if tuple(c.get_facecolor()[0]) == want]
        out[ax.get_title()] = any(len(p.vertices) for c in bands for p in c.get_paths())
    return out


def test_gallery_shades_saturation_only_where_the_probes_define_it(tmp_path):
    from bench import plots

    with plots.capture() as drawn:
        plots.gallery(_curves(), ["sigmoid", "tanh", "elu", "relu"], tmp_path / "g.png")
    (fig,) = drawn
    # ELU's left tail has |f'| < 1 % of its maximum, but ELU does not saturate (f' = 1 on
    # the right): no grey. ReLU's f' = 0 left half is dead (red), never saturated.
    assert _shaded(fig, grey=True) == {"sigmoid": True, "tanh": True, "elu": False, "relu": False}
    assert _shaded(fig, grey=False) == {"sigmoid": False, "tanh": False, "elu": False, "relu": True}


def test_one_saturation_rule_for_the_probes_and_the_figures():
    from bench import activations, probes
    from bench.run.probes import derivative_profile

    assert probes.SATURATION_RATIO is schema.SATURATION_RATIO == 1e-2
    data = _curves()["curves"]
    for name in ("sigmoid", "tanh", "elu", "relu"):
        d = np.abs(np.asarray(data[name]["df"]))
        drawn = bool(schema.saturates(d, d.max()))
        assert drawn == derivative_profile(activations.get(name)())[1], name
    assert schema.saturated(0.0024, 0.25) and not schema.saturated(0.0026, 0.25)
    # the probes' list of saturating activations, derived from the registry: sigmoid, tanh
    saturating = [n for n in activations.names() if derivative_profile(activations.get(n)())[1]]
    assert saturating == ["sigmoid", "tanh"]


def test_margin_and_alpha_are_formatted_from_verdicts():
    assert doc.ALPHA_TEXT == "0.05" == f"{verdicts.ALPHA:g}"
    assert doc.margin() == "±1 point" and doc.margin("accuracy point") == "±1 accuracy point"
    assert doc.margin(rope=0.02) == "±2 points" and doc.margin(rope=0.005) == "±0.5 points"


_TYPED = re.compile(r"α = 0\.05|±1 (accuracy )?point|reach 0\.05|0\.05/")


def _texts(path: Path) -> list[str]:
    """The string literals of a module that are not docstrings (f-string parts included)."""
    tree = ast.parse(path.read_text())
    docs = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docs
    ]


@pytest.mark.parametrize(
    "path",
    sorted([*(ROOT / "bench" / "report").glob("*.py"), *(ROOT / "bench" / "claims").glob("*.py")]),
    ids=lambda p: p.name,
)
def test_no_report_text_types_alpha_or_the_margin(path):
    typed = [t for t in _texts(path) if _TYPED.search(t)]
    assert not typed, f"{path.name}: read ALPHA / ROPE from bench.scoring.verdicts: {typed}"


def test_quick_text_with_one_activation_claims_no_pairs_and_counts_in_the_singular():
    """A second newcomer pass (issue 26): one activation, one seed, one epoch printed
    '1 activations … 1 seeds, 1 epochs' and 'no pair can reach 0.05' with no pair at all."""
    from bench.report import quick

    ranked = api.ranking(_rows({"relu": [0.9]}))
    assert (ranked.attrs["pairs"], ranked.attrs["decidable"]) == (0, False)
    suite = {
        "grid": {"dataset": ["d"]},
        "model": {"kind": "mlp", "depth": 2, "width": 8},
        "train": {"epochs": 1, "optimizer": "adam", "lr": 1e-3},
    }
    text = quick.table(ranked, suite, "t", 1)
    assert (
        text.splitlines()[0]
        == "t: 1 activation on d, mlp 2×8, init matched, 1 seed, 1 epoch, adam lr 0.001"
    )
    assert "no pair can reach" not in text
    assert "No interval where a mean rests on fewer than 3 rows." in text
