"""Activation and initializer registries against their formulas (claim C6, C7, C8)."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn

from bench import activations, initializers
from bench.errors import UnknownNameError

ACTIVATIONS = activations.names()
CONCRETE_INITS = [n for n in initializers.names() if n != "matched"]


@pytest.mark.parametrize("name", ACTIVATIONS)
def test_every_activation_builds_a_fresh_elementwise_module(name):
    act = activations.get(name)
    a, b = act(), act()
    assert isinstance(a, nn.Module) and a is not b
    x = torch.linspace(-3, 3, 7).reshape(1, 7)
    a.eval()
    y = a(x)
    assert y.shape == x.shape
    # elementwise: permuting the inputs permutes the outputs
    perm = torch.tensor([3, 0, 6, 1, 5, 2, 4])
    torch.testing.assert_close(a(x[:, perm]), y[:, perm])


def test_registry_covers_the_issue_list():
    assert set(ACTIVATIONS) >= {
        "identity",
        "sigmoid",
        "tanh",
        "relu",
        "leaky_relu",
        "rrelu",
        "prelu",
        "elu",
        "selu",
        "gelu",
        "silu",
        "mish",
        "softplus",
        "celu",
        "hardswish",
    }
    assert set(initializers.names()) == {
        "glorot_uniform",
        "glorot_normal",
        "he_uniform",
        "he_normal",
        "lecun_uniform",
        "lecun_normal",
        "torch_default",
        "orthogonal",
        "naive_normal",
        "matched",
        "glorot_uniform_gain",
        "lecun_normal_gain",
        "glorot_uniform_x4",
    }


@pytest.mark.parametrize(
    ("module", "kind"), [(activations, "activation"), (initializers, "initializer")]
)
def test_unknown_name_lists_valid_names(module, kind):
    with pytest.raises(UnknownNameError) as info:
        module.get("swishy")
    message = str(info.value)
    valid = f"unknown {kind} 'swishy'; valid: {', '.join(module.names())}"
    forms = {  # the parameter forms after the plain names
        "activation": ", leaky_relu(<negative_slope>), prelu(<negative_slope>)"
        ", prelu_channel(<negative_slope>), elu(<alpha>)"
        ", package.module:Name",
        "initializer": "",
    }[kind]
    hint = {"activation": " (did you mean 'hardswish'?)", "initializer": ""}[kind]
    assert message == valid + forms + hint


# C8: torch.nn.init.calculate_gain, as the harness uses it
GAINS = {
    "identity": 1.0,
    "sigmoid": 1.0,
    "tanh": 5 / 3,
    "relu": math.sqrt(2),
    "leaky_relu": math.sqrt(2 / (1 + 0.01**2)),
    "selu": 3 / 4,
}


@pytest.mark.parametrize(("name", "expected"), GAINS.items())
def test_gain_table_c8(name, expected):
    assert activations.gain(name) == pytest.approx(expected, rel=1e-12)


# C6: which initializer each activation is matched with
MATCHED = {
    "identity": "glorot_uniform",
    "sigmoid": "glorot_uniform",
    "tanh": "glorot_uniform",
    "relu": "he_normal",
    "leaky_relu": "he_normal",
    "prelu": "he_normal",
    "elu": "he_normal",
    "selu": "lecun_normal",  # gain 1, not calculate_gain('selu') = 3/4
}


@pytest.mark.parametrize(("act", "init"), MATCHED.items())
def test_matched_policy_c6(act, init):
    assert initializers.resolve("matched", act) == init


def _expected_std(init: str, act: str, fan_in: int, fan_out: int) -> float:
    he_gain = nn.init.calculate_gain("leaky_relu", activations.get(act).negative_slope or 0.0)
    # the *_gain variants: torch's calculate_gain table, hand-written here (C8)
    gain = {
        "relu": math.sqrt(2),
        "leaky_relu": math.sqrt(2 / (1 + 0.01**2)),
        "prelu": math.sqrt(2 / (1 + 0.25**2)),
        "tanh": 5 / 3,
        "selu": 3 / 4,
    }[act]
    if init.endswith("_gain"):
        return gain * _expected_std(init.removesuffix("_gain"), act, fan_in, fan_out)
    if init.endswith("_x4"):  # C2's sigmoid arm
        return 4 * _expected_std(init.removesuffix("_x4"), act, fan_in, fan_out)
    return {
        "glorot": math.sqrt(2 / (fan_in + fan_out)),
        "he": he_gain / math.sqrt(fan_in),
        "lecun": 1 / math.sqrt(fan_in),
        "naive": 1.0,
        "torch": 1 / math.sqrt(3 * fan_in),  # U(±1/√fan_in)
    }[init.split("_")[0]]


FAN_IN, FAN_OUT = 400, 600


@pytest.mark.parametrize("act", ["relu", "leaky_relu", "prelu", "tanh", "selu"])
@pytest.mark.parametrize("init", [n for n in CONCRETE_INITS if n != "orthogonal"])
def test_initializer_std_and_bound_match_formula(init, act):
    torch.manual_seed(0)
    layer = nn.Linear(FAN_IN, FAN_OUT)
    initializers.initialize(layer, init, act)
    w = layer.weight.detach().double()
    std = _expected_std(init, act, FAN_IN, FAN_OUT)
    n = w.numel()
    # the sample std of n draws has relative standard error ≈ 1/√(2n); allow 5 of them
    assert w.std().item() == pytest.approx(std, rel=5 / math.sqrt(2 * n))
    assert abs(w.mean().item()) < 5 * std / math.sqrt(n)
    if "uniform" in init or init == "torch_default":
        bound = math.sqrt(3) * std
        assert w.abs().max().item() <= bound + 1e-7
        assert w.abs().max().item() > bound * 0.999  # 240 000 draws reach the edge
    if init == "torch_default":
        assert layer.bias.abs().max().item() <= 1 / math.sqrt(FAN_IN)
        assert layer.bias.abs().max().item() > 0
    else:
        assert torch.count_nonzero(layer.bias) == 0


def test_torch_default_bound_for_fan_in_30_is_what_nn_linear_does():
    """C7: kaiming_uniform_(a=√5) is U(±1/√fan_in); 1/√30 = 0.182574."""
    torch.manual_seed(1)
    theirs = nn.Linear(30, 5000)  # PyTorch's own reset_parameters
    ours = nn.Linear(30, 5000)
    torch.manual_seed(1)  # same random stream, drawn through the registry
    initializers.initialize(ours, "torch_default", "relu")
    torch.testing.assert_close(ours.weight, theirs.weight, rtol=0, atol=0)
    torch.testing.assert_close(ours.bias, theirs.bias, rtol=0, atol=0)
    # 150 000 draws: the largest sits within 1e-4 of the bound, the std within 1 % of r/√3
    assert ours.weight.abs().max().item() == pytest.approx(0.182574, abs=1e-4)
    assert ours.weight.std().item() == pytest.approx(0.182574 / math.sqrt(3), rel=1e-2)
    assert ours.weight.abs().max().item() <= 0.182574 + 1e-6


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_orthogonal_is_scaled_by_gain(act):
    torch.manual_seed(0)
    layer = initializers.initialize(nn.Linear(64, 64), "orthogonal", act)
    w = layer.weight.detach().double()
    g = activations.gain(act)
    eye = torch.eye(64, dtype=torch.float64)
    torch.testing.assert_close(w @ w.T, g**2 * eye, atol=1e-5, rtol=0)


def test_conv_fans_include_the_receptive_field():
    torch.manual_seed(0)
    conv = initializers.initialize(nn.Conv1d(16, 32, kernel_size=5), "lecun_normal", "selu")
    assert initializers.fans(conv.weight) == (80, 160)
    assert conv.weight.std().item() == pytest.approx(1 / math.sqrt(80), rel=0.1)


def test_relu_gradient_at_zero_is_zero():
    """C17: autograd gives ReLU'(0) = 0."""
    x = torch.zeros(3, requires_grad=True)
    activations.get("relu")()(x).sum().backward()
    assert torch.equal(x.grad, torch.zeros(3))
