"""``model.norm`` and ``model.dropout``: earlier keys unchanged, the layers checked by hand
(batch norm on real rows only, running statistics in evaluation, layer norm per row, both
dropouts), stacked members as each alone, the probes through a norm, and bad values refused.
Bit-identity of whole runs alone and in stacks is tests/test_identity.py's (NORM_CASES)."""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import pytest
import torch
from torch import nn

from bench import models, probes
from bench.errors import SuiteError
from bench.records import (
    Cell,
    DataSpec,
    ModelSpec,
    Result,
    TrainSpec,
    cell_from_dict,
    fill_defaults,
    flatten,
)
from bench.run import batched, engines
from bench.run import probes as run_probes
from bench.run.optim import Hyper
from bench.store import Store
from bench.suite import load_suite, parse_suite

# keys computed on main (7baf313) before model.norm / model.dropout existed
KNOWN = [
    (Cell("digits", "relu", "he_normal"), "49a6ece979d5ca94"),
    (
        Cell(
            "wine",
            "selu",
            "lecun_normal",
            3,
            ModelSpec("resmlp", 8, 32),
            TrainSpec(lr=3e-3, epochs=15, probe_every="log"),
            DataSpec(split_seed=3),
        ),
        "468146fa28d739f0",
    ),
]
EPS = 1e-5  # torch's BatchNorm and LayerNorm default
SELU_SATURATION = 1.0507009873554805 * 1.6732632423543772  # λα


def _model(cell: Cell, **changes) -> Cell:
    return dataclasses.replace(cell, model=dataclasses.replace(cell.model, **changes))


# --- keys ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("cell", "key"), KNOWN, ids=["default", "resmlp"])
def test_keys_of_cells_without_norm_or_dropout_are_what_they_were(cell, key):
    assert cell.key == key
    explicit = _model(cell, norm="none", dropout=0.0, dropout_kind="standard")
    assert explicit.key == key
    assert set(cell.to_dict()["model"]) == {"kind", "depth", "width"}
    assert cell_from_dict(cell.to_dict()) == cell


def test_a_norm_or_a_dropout_is_part_of_the_key_and_of_the_cell_dict():
    base = KNOWN[0][0]
    variants = [
        _model(base, norm="batch"),
        _model(base, norm="layer"),
        _model(base, dropout=0.05),
        _model(base, dropout=0.05, dropout_kind="alpha"),
        _model(base, norm="batch", dropout=0.05, dropout_kind="alpha"),
    ]
    assert len({c.key for c in variants} | {base.key}) == 6
    assert variants[3].to_dict()["model"] == {
        "kind": "mlp",
        "depth": 4,
        "width": 64,
        "dropout": 0.05,
        "dropout_kind": "alpha",
    }
    for c in variants:
        assert cell_from_dict(c.to_dict()) == c
    assert variants[4].label().startswith("digits/mlp4x64+batchnorm+alphadropout0.05/relu/")


def test_rows_and_frames_get_a_later_field_only_when_some_cell_sets_it(tmp_path):
    plain, normed = KNOWN[0][0], _model(KNOWN[0][0], norm="layer")
    rows = fill_defaults([flatten(plain.to_dict()), flatten(normed.to_dict())])
    assert [r["model.norm"] for r in rows] == ["none", "layer"]
    assert not any("model.dropout" in r for r in rows)
    with Store(tmp_path / "s.sqlite") as store:
        store.put(Result(plain.key, plain, "ok", metrics={"test_acc": 0.5}))
        assert "model.norm" not in store.frame().columns  # a store of earlier cells: as before
        store.put(Result(normed.key, normed, "ok", metrics={"test_acc": 0.6}))
        frame = store.frame().set_index("key")
    assert frame.loc[plain.key, "model.norm"] == "none"
    assert frame.loc[normed.key, "model.norm"] == "layer"


# --- the layers by hand -------------------------------------------------------------------


def _stacked(modules):
    return batched.stacked_form(modules[0])(modules)


def _batch_norms() -> list[nn.BatchNorm1d]:
    norms = [nn.BatchNorm1d(3) for _ in range(2)]
    with torch.no_grad():
        norms[1].weight.copy_(torch.tensor([1.0, 2.0, 3.0]))
        norms[1].bias.copy_(torch.tensor([0.0, -1.0, 1.0]))
    return norms


def test_batch_norm_in_training_reads_each_members_real_rows_only():
    torch.manual_seed(0)
    norms = _batch_norms()
    bn = _stacked(norms)
    x = torch.randn(2, 32, 3) * 2 + 5
    x[:, 10:] = 1e6  # padding rows: they must enter no statistic
    bn.train()
    bn.rows = 10
    y = bn(x)
    real = x[:, :10].double()
    mean = real.mean(1, keepdim=True)
    var = real.var(1, unbiased=False, keepdim=True)
    scale = torch.stack([n.weight.detach() for n in norms]).double()[:, None]
    shift = torch.stack([n.bias.detach() for n in norms]).double()[:, None]
    expected = (real - mean) / (var + EPS).sqrt() * scale + shift
    torch.testing.assert_close(y[:, :10].double(), expected, atol=1e-5, rtol=1e-5)
    # running statistics moved by 0.1 from (0, 1), the variance unbiased (n − 1 = 9)
    torch.testing.assert_close(bn.running_mean.double(), 0.1 * mean[:, 0], atol=1e-6, rtol=1e-6)
    unbiased = real.var(1, unbiased=True)
    torch.testing.assert_close(bn.running_var.double(), 0.9 + 0.1 * unbiased, atol=1e-5, rtol=1e-6)
    # what torch's own BatchNorm1d gives on the real rows of each member
    for k, norm in enumerate(norms):
        norm.train()
        torch.testing.assert_close(y[k, :10], norm(x[k, :10]), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(bn.running_var[k], norm.running_var, atol=1e-5, rtol=1e-5)
    other = x.clone()
    other[:, 10:] = -3.0
    fresh = _stacked(_batch_norms())
    fresh.rows = 10
    assert torch.equal(fresh(other)[:, :10], y[:, :10])  # the padding's values change nothing


def test_batch_norm_in_evaluation_uses_the_running_statistics():
    bn = _stacked(_batch_norms())
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([[1.0, 2.0, 3.0], [0.0, 0.0, -1.0]]))
        bn.running_var.copy_(torch.tensor([[4.0, 1.0, 0.25], [1.0, 9.0, 1.0]]))
    bn.eval()
    bn.rows = 1  # ignored in evaluation
    y = bn(torch.full((2, 4, 3), 3.0))
    expected = [
        [2 / math.sqrt(4 + EPS), 1 / math.sqrt(1 + EPS), 0.0],
        [3 / math.sqrt(1 + EPS), 2 * 3 / math.sqrt(9 + EPS) - 1, 3 * 4 / math.sqrt(1 + EPS) + 1],
    ]
    for k in range(2):
        for row in y[k]:
            assert row.tolist() == pytest.approx(expected[k], rel=1e-6)


def test_batch_norm_of_a_cnn_is_per_channel_over_rows_and_positions():
    torch.manual_seed(1)
    norms = [nn.BatchNorm2d(4) for _ in range(3)]
    bn = _stacked(norms)
    x = torch.randn(3, 6, 4, 5, 5)
    y = bn(x)
    for k, norm in enumerate(norms):
        torch.testing.assert_close(y[k], norm(x[k]), atol=1e-5, rtol=1e-5)
        torch.testing.assert_close(bn.running_mean[k], norm.running_mean, atol=1e-6, rtol=1e-5)


def test_layer_norm_gives_each_row_mean_0_and_std_1_before_the_affine():
    torch.manual_seed(2)
    norms = [nn.LayerNorm(5) for _ in range(2)]
    ln = _stacked(norms)
    x = torch.randn(2, 7, 5) * 10 + 3
    y = ln(x).double()
    assert y.mean(-1).abs().max() < 1e-6
    assert (y.var(-1, unbiased=False).sqrt() - 1).abs().max() < 1e-5
    with torch.no_grad():
        ln.scale.copy_(torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0], [0.5] * 5]))
        ln.shift.copy_(torch.tensor([[0.0] * 5, [1.0, 0.0, -1.0, 0.0, 1.0]]))
        for k, norm in enumerate(norms):
            norm.weight.copy_(ln.scale[k])
            norm.bias.copy_(ln.shift[k])
    y = ln(x)
    for k, norm in enumerate(norms):
        torch.testing.assert_close(y[k], norm(x[k]), atol=1e-6, rtol=1e-6)


def test_layer_norm_of_a_cnn_is_group_norm_with_one_group():
    torch.manual_seed(3)
    norms = [nn.GroupNorm(1, 4) for _ in range(2)]
    with torch.no_grad():
        norms[1].weight.copy_(torch.tensor([1.0, -1.0, 2.0, 0.5]))
    ln = _stacked(norms)
    x = torch.randn(2, 3, 4, 9)
    y = ln(x)
    for k, norm in enumerate(norms):
        torch.testing.assert_close(y[k], norm(x[k]), atol=1e-6, rtol=1e-6)


def _dropout(p: float, kind: str, seed: int, layer: int = 0) -> models.Dropout:
    d = models.Dropout(p, kind)
    d.seed, d.layer = seed, layer
    return d


def test_standard_dropout_zeroes_a_share_p_and_scales_the_rest():
    d = _dropout(0.25, "standard", seed=4)
    x = torch.ones(200, 200)
    y = d(x)
    kept = y != 0
    assert y.unique().tolist() == [0.0, pytest.approx(1 / 0.75)]
    assert abs(1 - kept.double().mean().item() - 0.25) < 0.01  # 40,000 draws: sd 0.002
    assert not torch.equal(d(x) != 0, kept)  # a new mask every step
    d.eval()
    assert d(x) is x


def test_alpha_dropout_matches_the_selu_papers_formula():
    p, alpha = 0.5, -SELU_SATURATION
    d = models.Dropout(p, "alpha")
    noise = torch.tensor([0.0, 0.5, 0.99, 0.49])  # kept where ≥ p: no, yes, yes, no
    y = d.apply(torch.tensor([1.0, 2.0, 3.0, 4.0]), noise)
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    b = -a * p * alpha
    assert y.tolist() == pytest.approx([a * alpha + b, 2 * a + b, 3 * a + b, a * alpha + b])
    # torch.nn.AlphaDropout's constants: a = ((α²p + 1)(1 − p))^−½, b = α·a·p, α = λα > 0
    assert a == pytest.approx(1 / math.sqrt((SELU_SATURATION**2 * p + 1) * (1 - p)))
    assert b == pytest.approx(SELU_SATURATION * a * p)


def test_alpha_dropout_keeps_zero_mean_and_unit_variance():
    torch.manual_seed(5)
    p, alpha = 0.1, -SELU_SATURATION
    d = _dropout(p, "alpha", seed=6)
    y = d(torch.randn(500, 400))
    a = ((1 - p) * (1 + p * alpha**2)) ** -0.5
    dropped = torch.tensor(a * alpha - a * p * alpha)  # a·α′ + b, in float32
    assert (y == dropped).double().mean().item() == pytest.approx(p, abs=0.005)
    assert abs(y.double().mean().item()) < 0.01
    assert abs(y.double().var().item() - 1) < 0.02


@pytest.mark.parametrize("kind", ["standard", "alpha"])
def test_stacked_dropout_draws_each_members_masks_as_it_would_alone(kind):
    torch.manual_seed(7)
    alone = [_dropout(0.3, kind, seed=s, layer=2) for s in (3, 5, 3)]
    stacked = models.Dropout.stacked([_dropout(0.3, kind, seed=s, layer=2) for s in (3, 5, 3)])
    for _ in range(2):  # two steps
        x = torch.rand(3, 64, 16) + 1  # positive: a dropped unit is each member's least
        y = stacked(x)
        for k, d in enumerate(alone):
            assert torch.equal(y[k], d(x[k]))
    assert not torch.equal(y[0] == y[0].min(), y[1] == y[1].min())  # seeds differ: masks too
    stacked.keep([1])
    x = torch.rand(1, 64, 16)
    assert torch.equal(stacked(x)[0], alone[1](x[0]))


# --- in networks ----------------------------------------------------------------------------


def test_a_network_is_linear_norm_activation_dropout_and_unchanged_without_them():
    plain = models.build(ModelSpec("mlp", 2, 8), "selu", "matched", 5, 3)
    assert not plain.norms and not plain.drops
    net = models.build(ModelSpec("resmlp", 2, 8, "batch", 0.1, "alpha"), "selu", "matched", 5, 3)
    assert [type(m).__name__ for m in net.norms] == ["BatchNorm1d"] * 2
    assert [(d.p, d.kind) for d in net.drops] == [(0.1, "alpha")] * 2
    cnn = models.build(ModelSpec("cnn", 1, 4, "layer"), "relu", "matched", 64, 10, (1, 8, 8))
    assert type(cnn.norms[0]) is nn.GroupNorm and cnn.norms[0].num_groups == 1
    torch.manual_seed(0)  # the same weights with and without a norm: it draws nothing
    a = models.build(ModelSpec("mlp", 2, 8), "relu", "he_normal", 5, 3)
    torch.manual_seed(0)
    b = models.build(ModelSpec("mlp", 2, 8, "layer", 0.5), "relu", "he_normal", 5, 3)
    assert all(torch.equal(p, q) for p, q in zip(a.layers.parameters(), b.layers.parameters()))


@pytest.mark.parametrize("kind", ["mlp", "resmlp"])
def test_probes_read_the_activations_input_after_the_norm_alone_and_stacked(kind):
    torch.manual_seed(8)
    X, y = torch.randn(40, 5) * 3 + 1, torch.randint(0, 3, (40,))
    nets = []
    for seed in (0, 1):
        torch.manual_seed(seed)
        nets.append(models.build(ModelSpec(kind, 3, 16, "layer"), "tanh", "glorot_uniform", 5, 3))
    alone = [probes.unit_health(net, X, y) for net in nets]
    for h in alone:  # layer norm at initialization: every row mean 0, variance 1
        assert max(abs(v) for v in h["pre_mean"]) < 1e-6
        assert h["pre_std"] == pytest.approx([1.0] * 3, abs=0.02)
        assert all(math.isfinite(g) and g > 0 for g in h["grad_norm"])  # the Linear found
    stacked = batched.stack(nets).eval()
    _, health = run_probes.probe(run_probes.module_chunk(stacked, 2), X, y)
    for h, one in zip(health, alone):
        for metric in ("pre_mean", "pre_std", "mean", "std", "grad_norm"):
            assert h[metric] == pytest.approx(one[metric], rel=1e-4, abs=1e-6), metric


def _seeded(net: nn.Module, seed: int) -> nn.Module:
    """As the training loop does: the dropout masks keyed by (the cell's seed, layer)."""
    for layer, d in enumerate(m for m in net.modules() if isinstance(m, models.Dropout)):
        d.seed, d.layer = seed, layer
    return net


def test_members_leaving_a_stack_keep_their_running_statistics_and_masks():
    spec = ModelSpec("mlp", 2, 12, "batch", 0.2, "alpha")
    nets = []
    for seed in (0, 1, 2):
        torch.manual_seed(seed)
        nets.append(_seeded(models.build(spec, "selu", "matched", 13, 3), seed))
    torch.manual_seed(9)
    X, Y = torch.randn(3, 4, 20, 13), torch.randint(0, 3, (3, 4, 20))  # members, steps, rows
    hypers = [Hyper(1e-2)] * 3
    three = engines.build(nets, "adam", hypers)
    two = engines.build([nets[0], nets[2]], "adam", hypers[:2])
    for step in range(4):
        if step == 2:
            three.keep([0, 2])  # member 1 leaves (as a diverged one does)
        for engine, rows in ((three, [0, 2] if step >= 2 else [0, 1, 2]), (two, [0, 2])):
            engine.train_mode()
            engine.losses(X[rows, step], Y[rows, step]).sum().backward()
            engine.step()
    probe = torch.randn(50, 13)
    assert torch.equal(three.logits(probe), two.logits(probe))


# --- validation -----------------------------------------------------------------------------

BAD = [
    ({"model": {"norm": "batchnorm"}}, "model.norm", "valid: none, batch, layer"),
    ({"grid": {"model.norm": ["none", "Layer"]}}, "grid.model.norm", "valid: none, batch, layer"),
    ({"model": {"norm": 1}}, "model.norm", "expected str"),
    ({"model": {"dropout": 1.0}}, "model.dropout", "must be in [0, 1)"),
    ({"model": {"dropout": -0.1}}, "model.dropout", "must be in [0, 1)"),
    ({"model": {"dropout_kind": "gauss"}}, "model.dropout_kind", "valid: standard, alpha"),
    ({"model": {"dropout_kind": "alpha"}}, "model.dropout_kind", "at model.dropout = 0"),
]


@pytest.mark.parametrize(("patch", "field", "message"), BAD, ids=[b[2] for b in BAD])
def test_a_bad_norm_or_dropout_is_refused_naming_the_field_and_the_choices(patch, field, message):
    doc = {"dataset": "wine", "activation": "selu", **patch}
    with pytest.raises(SuiteError) as info:
        parse_suite(doc, "suites/x.toml")
    assert str(info.value).startswith(f"suites/x.toml: {field}: ")
    assert message in str(info.value)


def test_alpha_dropout_without_a_rate_may_be_excluded_from_a_grid():
    doc = {
        "dataset": "wine",
        "activation": "selu",
        "grid": {"model.dropout": [0.0, 0.05], "model.dropout_kind": ["standard", "alpha"]},
        "exclude": [{"model.dropout": 0.0, "model.dropout_kind": "alpha"}],
    }
    cells = parse_suite(doc).cells()
    assert sorted((c.model.dropout, c.model.dropout_kind) for c in cells) == [
        (0.0, "standard"),
        (0.05, "alpha"),
        (0.05, "standard"),
    ]
    assert _model(KNOWN[0][0], dropout=0.0).key == KNOWN[0][1]


def test_build_refuses_an_unknown_norm_or_dropout_kind():
    with pytest.raises(Exception, match="valid: none, batch, layer"):
        models.build(ModelSpec("mlp", 2, 8, "group"), "relu", "matched", 5, 3)
    with pytest.raises(Exception, match="valid: standard, alpha"):
        models.build(ModelSpec("mlp", 2, 8, "none", 0.1, "gauss"), "relu", "matched", 5, 3)


# --- the designs of issue 24 ------------------------------------------------------------------

NORM_SUITES = Path(__file__).resolve().parents[1] / "suites" / "norm"


def test_the_klambauer_design_has_its_fourteen_arms_at_three_depths():
    suite = load_suite(NORM_SUITES / "c15_klambauer.toml")
    cells = suite.cells()
    arms = {
        (c.activation, c.model.kind, c.model.norm, c.model.dropout, c.model.dropout_kind)
        for c in cells
    }
    snn = {("selu", "mlp", "none", 0.0, "standard"), ("selu", "mlp", "none", 0.05, "alpha")}
    others = {
        (a, kind, norm, 0.0, "standard")
        for a in ("relu", "elu", "gelu")
        for kind, norm in (("mlp", "none"), ("mlp", "batch"), ("mlp", "layer"), ("resmlp", "none"))
    }
    assert arms == snn | others
    assert {c.model.depth for c in cells} == {2, 8, 16}
    assert len(cells) == len(suite.grid) == 14 * 3 * 43 * 3 * 3  # arms, depths, sets, rates, seeds


def test_the_chain_under_normalization_has_four_arms_of_the_six_activations():
    suite = load_suite(NORM_SUITES / "c15_norm.toml")
    arms = {(c.model.kind, c.model.norm) for c in suite.cells()}
    assert arms == {("mlp", "none"), ("mlp", "batch"), ("mlp", "layer"), ("resmlp", "none")}
    assert len(suite.grid) == 6 * 4 * 43 * 3 * 3
