"""Probes on networks whose answer is known by construction (docs/claims.md definitions)."""

from __future__ import annotations

import math

import pytest
import torch

from bench import activations, models, probes, schema
from bench.models import MLP, ResMLP
from bench.records import ModelSpec, pooled
from bench.run import batched
from bench.run import probes as run_probes


def _constructed(act: str, n: int = 10, k: int = 3) -> tuple[MLP, torch.Tensor]:
    """One hidden layer of n units; exactly k have pre-activation < 0 for every input.

    Inputs lie in [0, 1]; unit i has weight +1 on feature 0 and bias −2 for i < k (always
    ≤ −1), bias +0.5 otherwise (always > 0).
    """

    net = MLP(n_inputs=2, n_classes=2, depth=1, width=n, act=activations.get(act))
    with torch.no_grad():
        w = torch.zeros(n, 2)
        w[:, 0] = 1.0
        b = torch.full((n,), 0.5)
        b[:k] = -2.0
        net.layers[0].weight.copy_(w)
        net.layers[0].bias.copy_(b)
    X = torch.rand(500, 2, generator=torch.Generator().manual_seed(0))
    return net, X


def test_relu_dead_fraction_is_exactly_k_over_n():
    net, X = _constructed("relu", n=10, k=3)
    health = probes.unit_health(net, X, torch.zeros(500, dtype=torch.long))
    assert health["dead"] == [0.3]
    assert health["negative"] == [0.3]
    assert math.isnan(health["saturated"][0])  # defined for sigmoid and tanh only
    assert health["units"] == [10.0]
    assert len(health["grad_norm"]) == 1 and health["grad_norm"][0] > 0


@pytest.mark.parametrize("act", ["leaky_relu", "elu", "selu", "prelu", "rrelu"])
def test_leaky_family_never_dead_but_negative(act):
    net, X = _constructed(act, n=8, k=2)
    health = probes.unit_health(net, X)
    assert health["dead"] == [0.0]
    assert health["negative"] == [0.25]


def test_hardswish_dies_below_minus_three():
    net, X = _constructed("hardswish", n=4, k=1)
    with torch.no_grad():
        net.layers[0].bias[0] = -5.0  # pre-activation in [−5, −4]: hardswish' = 0
    assert probes.unit_health(net, X)["dead"] == [0.25]


def test_sigmoid_saturation_fraction():
    """σ'(z) < 1e-2 · 0.25 exactly when |z| > ln((1+√(1−4·0.0025))/(1−√(…)))≈ 5.99."""

    net = MLP(1, 2, depth=1, width=1, act=activations.get("sigmoid"))
    with torch.no_grad():
        net.layers[0].weight.fill_(1.0)
        net.layers[0].bias.zero_()
    X = torch.tensor([[-10.0], [-7.0], [-1.0], [0.0], [2.0], [6.5], [9.0], [20.0]])
    health = probes.unit_health(net, X)
    assert health["saturated"] == [pytest.approx(5 / 8)]  # −10, −7, 6.5, 9, 20
    assert health["dead"] == [0.0]


def test_overall_is_unit_weighted():
    health = {"dead": [0.5, 0.0], "units": [10.0, 30.0]}
    assert pooled(health, "dead") == pytest.approx(5 / 40)


def test_selu_lecun_normal_self_normalizes_at_depth_32():
    """C14: standardized inputs, LeCun normal weights, plain stack → mean≈0, std≈1."""
    torch.manual_seed(0)
    X = torch.randn(2000, 64)
    X = (X - X.mean(0)) / X.std(0)
    net = models.build(ModelSpec("mlp", 32, 256), "selu", "matched", n_inputs=64, n_classes=10)
    health = probes.unit_health(net, X)
    assert len(health["mean"]) == 32
    assert all(abs(m) < 0.1 for m in health["mean"]), health["mean"]
    assert all(0.85 < s < 1.15 for s in health["std"]), health["std"]


def test_selu_does_not_self_normalize_with_skips_or_naive_init():
    torch.manual_seed(0)
    X = torch.randn(1000, 64)
    res = models.build(ModelSpec("resmlp", 32, 128), "selu", "matched", n_inputs=64, n_classes=10)
    naive = models.build(ModelSpec("mlp", 32, 128), "selu", "naive_normal", 64, 10)
    assert isinstance(res, ResMLP)
    assert max(probes.unit_health(res, X)["std"]) > 1.15
    assert max(probes.unit_health(naive, X)["std"]) > 1.15


def test_sigmoid_naive_normal_saturates_more_than_glorot():
    """C3: N(0,1) weights drive sigmoid units into saturation; Glorot does not."""
    torch.manual_seed(0)
    X = torch.randn(1000, 64)
    naive = models.build(ModelSpec("mlp", 8, 128), "sigmoid", "naive_normal", 64, 10)
    glorot = models.build(ModelSpec("mlp", 8, 128), "sigmoid", "glorot_uniform", 64, 10)
    assert probes.unit_health(naive, X)["saturated"][-1] > 0.4
    assert probes.unit_health(glorot, X)["saturated"][-1] < 0.01


def test_probes_leave_model_mode_and_grads_alone():
    net, X = _constructed("relu")
    net.train()
    probes.unit_health(net, X, torch.zeros(500, dtype=torch.long))
    assert net.training
    assert all(p.grad is None for p in net.parameters())


def test_conv_units_are_channels():
    from bench.models import CNN

    net = CNN((1, 10), n_classes=2, depth=1, width=4, act=activations.get("relu"))
    with torch.no_grad():
        conv = net.layers[0]
        conv.weight.zero_()
        conv.bias.copy_(torch.tensor([-1.0, 1.0, 1.0, 1.0]))  # channel 0 dead everywhere
    health = probes.unit_health(net, torch.randn(20, 10))
    assert health["dead"] == [0.25]


@pytest.mark.parametrize("name", activations.names())
def test_the_probes_find_saturation_where_the_registry_declares_it(name):
    _, saturates = run_probes.derivative_profile(activations.get(name)())
    assert saturates == activations.get(name).saturates


def test_the_saturating_activations_are_the_sigmoid_family():
    declared = {n for n in activations.names() if activations.get(n).saturates}
    assert declared and declared == {
        n for n in activations.names() if activations.get(n).family == "sigmoid"
    }


def test_learned_prelu_slope_is_not_cached():
    act = activations.get("prelu")()
    assert run_probes.derivative_profile(act)[0] == pytest.approx(1.0)
    with torch.no_grad():
        act.weight.fill_(2.5)
    assert run_probes.derivative_profile(act)[0] == pytest.approx(2.5)


def test_the_record_keeps_the_learned_slopes_per_layer():
    """prelu_channel with slopes 0.1, 0.2, …, 1.0 on its 10 units (layer 1) and 0.7 on all
    of layer 2: mean 0.55; percentiles by linear interpolation over the 10 values (10th:
    0.1 + 0.9 · 0.1 = 0.19, median 0.55, 90th 0.91); per-layer prelu, one slope; relu
    learns none, and its record holds no such series; the same record from the network
    stacked with another member."""
    net = MLP(n_inputs=2, n_classes=2, depth=2, width=10, act=activations.get("prelu_channel"))
    with torch.no_grad():
        net.acts[0].weight.copy_(torch.arange(1, 11) / 10)
        net.acts[1].weight.fill_(0.7)
    X = torch.rand(64, 2)
    _, (record,) = run_probes.trace_module(net, X)
    assert record.keys() == schema.PROBES.keys() | schema.LEARNED.keys()
    assert record["slope"] == pytest.approx([0.55, 0.7])
    assert record["slope_q10"] == pytest.approx([0.19, 0.7])
    assert record["slope_q50"] == pytest.approx([0.55, 0.7])
    assert record["slope_q90"] == pytest.approx([0.91, 0.7])
    stacked = batched.stack([net, MLP(2, 2, 2, 10, activations.get("prelu_channel"))])
    _, (first, second) = run_probes.probe(run_probes.module_chunk(stacked, 2), X)
    assert first["slope"] == record["slope"] and first["slope_q90"] == record["slope_q90"]
    assert second["slope"] == pytest.approx([0.25, 0.25])  # untrained: the initial slope
    one = MLP(n_inputs=2, n_classes=2, depth=1, width=10, act=activations.get("prelu"))
    _, (single,) = run_probes.trace_module(one, X)
    assert single["slope"] == single["slope_q10"] == single["slope_q90"] == [0.25]
    plain = MLP(n_inputs=2, n_classes=2, depth=1, width=10, act=activations.get("relu"))
    _, (none,) = run_probes.trace_module(plain, X)
    assert none.keys() == schema.PROBES.keys()


def test_residual_layers_report_the_block_output():
    """h1 = relu(0·x + 1) = 1; h2 = h1 + relu(0·h1 + 2) = 3 (not the branch's 2)."""
    net = ResMLP(3, 2, depth=2, width=4, act=activations.get("relu"))
    with torch.no_grad():
        for layer, bias in zip(net.layers, (1.0, 2.0)):
            layer.weight.zero_()
            layer.bias.fill_(bias)
    health = probes.unit_health(net, torch.randn(10, 3))
    assert health["mean"] == [pytest.approx(1.0), pytest.approx(3.0)]
    assert health["std"] == [0.0, 0.0]
