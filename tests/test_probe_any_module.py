"""Probes on networks the harness did not build: plain nn.Sequential stacks, conv nets and
custom modules, with answers known by construction or recomputed by hand."""

from __future__ import annotations

import math

import pytest
import torch
from torch import nn
from torch.nn import functional as F

from bench import activations, models, probes
from bench.models import MLP
from bench.records import ModelSpec
from bench.run import batched
from bench.run import probes as run_probes

GEN = torch.Generator().manual_seed(0)


def _dead_sequential() -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    """Linear(2→10) ReLU Linear(10→6) ReLU Linear(6→3), inputs in [0, 1]².

    Layer 1: units 0-2 have weight (1, 0) and bias −2 (pre-activation ≤ −1 everywhere),
    the others weight (1, 1) and bias 0.5 (> 0). Layer 2: units 0-1 have weight 0 and bias
    −1; the others weight 0.1 and bias 0.5 (> 0, the inputs being ≥ 0).
    """
    net = nn.Sequential(nn.Linear(2, 10), nn.ReLU(), nn.Linear(10, 6), nn.ReLU(), nn.Linear(6, 3))
    with torch.no_grad():
        w1 = torch.ones(10, 2)
        w1[:3, 1] = 0.0
        b1 = torch.full((10,), 0.5)
        b1[:3] = -2.0
        net[0].weight.copy_(w1)
        net[0].bias.copy_(b1)
        w2 = torch.full((6, 10), 0.1)
        w2[:2] = 0.0
        b2 = torch.full((6,), 0.5)
        b2[:2] = -1.0
        net[2].weight.copy_(w2)
        net[2].bias.copy_(b2)
    X = torch.rand(500, 2, generator=GEN)
    y = torch.randint(0, 3, (500,), generator=GEN)
    return net, X, y


def _by_hand(net: nn.Sequential, X: torch.Tensor, y: torch.Tensor, linear: list[int]) -> dict:
    """The statistics recomputed directly: activation i follows net[linear[i]]."""
    loss = F.cross_entropy(net(X), y)
    grads = torch.autograd.grad(loss, [net[i].weight for i in linear])
    out: dict[str, list[float]] = {k: [] for k in ("mean", "std", "pre_mean", "pre_std")}
    h = X
    with torch.no_grad():
        for module in net:
            z = h
            h = module(h)
            if run_probes.is_activation(module):
                out["pre_mean"].append(z.mean().item())
                out["pre_std"].append(z.flatten().std().item())
                out["mean"].append(h.mean().item())
                out["std"].append(h.flatten().std().item())
    out["grad_norm"] = [g.norm().item() for g in grads]
    return out


def test_sequential_dead_units_are_exactly_k_over_n():
    net, X, y = _dead_sequential()
    health = probes.unit_health(net, X, y)
    assert health["dead"] == [0.3, 2 / 6]
    assert health["negative"] == [0.3, 2 / 6]
    assert health["units"] == [10.0, 6.0]
    assert all(math.isnan(s) for s in health["saturated"])  # ReLU does not saturate
    expected = _by_hand(net, X, y, linear=[0, 2])
    for metric, values in expected.items():
        assert health[metric] == pytest.approx(values, rel=1e-5), metric
    assert all(p.grad is None for p in net.parameters())


def test_sequential_without_labels_has_nan_gradient_norms():
    net, X, _ = _dead_sequential()
    health = probes.unit_health(net, X)
    assert health["dead"] == [0.3, 2 / 6]
    assert all(math.isnan(g) for g in health["grad_norm"])


def test_same_weights_same_record_as_the_harness_mlp():
    """A harness MLP and an nn.Sequential with its weights give one and the same record."""
    torch.manual_seed(1)
    harness = models.build(ModelSpec("mlp", 3, 16), "tanh", "glorot_uniform", 5, 4)
    plain = nn.Sequential(
        nn.Linear(5, 16),
        nn.Tanh(),
        nn.Linear(16, 16),
        nn.Tanh(),
        nn.Linear(16, 16),
        nn.Tanh(),
        nn.Linear(16, 4),
    )
    sources = [*harness.layers, harness.head]
    with torch.no_grad():
        for target, source in zip([plain[i] for i in (0, 2, 4, 6)], sources):
            target.weight.copy_(source.weight)
            target.bias.copy_(source.bias)
    X = torch.randn(300, 5, generator=GEN) * 3
    y = torch.randint(0, 4, (300,), generator=GEN)
    a, b = probes.unit_health(harness, X, y), probes.unit_health(plain, X, y)
    assert a.keys() == b.keys()
    for metric in a:
        assert b[metric] == pytest.approx(a[metric], rel=1e-6, nan_ok=True), metric
    assert any(s > 0 for s in a["saturated"])  # tanh: defined, and here not zero


def _conv_net() -> tuple[nn.Sequential, torch.Tensor, torch.Tensor]:
    """Conv2d(1→4) ReLU Conv2d(4→6) ReLU Flatten Linear on 5×5 images.

    Channels 0 and 2 of the first conv have weight 0 and bias −1 (dead everywhere), the
    others weight 0 and bias 1 plus a small kernel; channel 5 of the second conv has weight
    0 and bias −0.5, the others weight 0.05 and bias 0.5 (inputs ≥ 0, so alive).
    """
    net = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1),
        nn.ReLU(),
        nn.Conv2d(4, 6, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(6 * 25, 3),
    )
    with torch.no_grad():
        c1, c2 = net[0], net[2]
        c1.weight.zero_()
        c1.weight[[1, 3], 0, 1, 1] = 0.5  # inputs in [0, 1]: pre in [1, 1.5]
        c1.bias.copy_(torch.tensor([-1.0, 1.0, -1.0, 1.0]))
        c2.weight.fill_(0.05)
        c2.weight[5] = 0.0
        c2.bias.fill_(0.5)
        c2.bias[5] = -0.5
    X = torch.rand(300, 1, 5, 5, generator=GEN)
    y = torch.randint(0, 3, (300,), generator=GEN)
    return net, X, y


def test_conv_net_dead_channels():
    net, X, y = _conv_net()
    health = probes.unit_health(net, X, y)
    assert health["units"] == [4.0, 6.0]  # a unit is a channel
    assert health["dead"] == [0.5, 1 / 6]
    assert health["negative"] == [0.5, 1 / 6]
    expected = _by_hand(net, X, y, linear=[0, 2])
    for metric, values in expected.items():
        assert health[metric] == pytest.approx(values, rel=1e-5), metric


def test_channelwise_prelu_and_inplace_relu():
    """PReLU with one slope per channel is probed; an in-place ReLU records its true input
    (negative regime) and is in-place again afterwards."""
    net, X, _ = _conv_net()
    net[1] = nn.PReLU(num_parameters=4, init=0.1)
    net[3] = nn.ReLU(inplace=True)
    before = net(X)
    health = probes.unit_health(net, X)
    assert health["dead"] == [0.0, 1 / 6]  # PReLU's slope is never 0
    assert health["negative"] == [0.5, 1 / 6]
    assert math.isnan(health["saturated"][0])
    assert net[3].inplace is True
    assert torch.equal(net(X), before)


class _Reordered(nn.Module):
    """Registers a Tanh before a ReLU but calls the ReLU first, and calls it twice."""

    def __init__(self) -> None:
        super().__init__()
        self.tanh = nn.Tanh()
        self.relu = nn.ReLU()
        self.a, self.b, self.c = nn.Linear(3, 4), nn.Linear(4, 5), nn.Linear(5, 6)
        self.head = nn.Linear(6, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.relu(self.c(self.tanh(self.b(self.relu(self.a(x)))))))


def test_layers_in_call_order_and_a_reused_module_counts_twice():
    net = _Reordered()
    X = torch.randn(100, 3, generator=GEN)
    health = probes.unit_health(net, X, torch.zeros(100, dtype=torch.long))
    assert health["units"] == [4.0, 5.0, 6.0]
    saturated = [not math.isnan(s) for s in health["saturated"]]
    assert saturated == [False, True, False]  # relu, tanh, relu
    assert all(g > 0 for g in health["grad_norm"])


class _Swish(nn.Module):
    """A nonlinearity of the user's own, unknown to the probes until listed."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * torch.sigmoid(x)


def test_custom_activation_is_probed_when_listed():
    act = _Swish()
    net = nn.Sequential(nn.Linear(3, 8), act, nn.Linear(8, 2), nn.Softmax(dim=1))
    X = torch.randn(50, 3, generator=GEN)
    assert probes.unit_health(net, X)["units"] == []  # softmax is not elementwise
    health = probes.unit_health(net, X, activations=[act])
    assert health["units"] == [8.0]
    with torch.no_grad():
        z = net[0](X)
        assert health["pre_mean"] == [pytest.approx(z.mean().item(), rel=1e-5)]
        assert health["mean"] == [pytest.approx(act(z).mean().item(), rel=1e-5)]


class _Functional(nn.Module):
    """An activation fed by F.linear (no module with a weight feeds it)."""

    def __init__(self) -> None:
        super().__init__()
        self.w = nn.Parameter(torch.randn(4, 3))
        self.act = nn.ELU()
        self.head = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.act(F.linear(x, self.w)))


def test_gradient_norm_through_batchnorm_and_nan_without_a_feeding_layer():
    torch.manual_seed(0)
    X, y = torch.randn(64, 3, generator=GEN), torch.randint(0, 2, (64,), generator=GEN)
    net = nn.Sequential(
        nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.GELU(), nn.Linear(4, 2)
    )
    net.eval()
    (g,) = torch.autograd.grad(F.cross_entropy(net(X), y), [net[0].weight])
    assert probes.unit_health(net, X, y)["grad_norm"] == [pytest.approx(g.norm().item(), 1e-5)]
    health = probes.unit_health(_Functional(), X, y)
    assert health["units"] == [4.0] and math.isnan(health["grad_norm"][0])


@pytest.mark.parametrize(
    "cls",
    [
        nn.ReLU,
        nn.LeakyReLU,
        nn.ELU,
        nn.SELU,
        nn.Tanh,
        nn.Sigmoid,
        nn.GELU,
        nn.SiLU,
        nn.Mish,
        nn.Softplus,
        nn.CELU,
        nn.Hardswish,
        nn.PReLU,
        nn.RReLU,
        activations.RReLU,
    ],
)
def test_activation_classes_are_found(cls):
    assert run_probes.is_activation(cls())


@pytest.mark.parametrize(
    "module",
    [
        nn.Softmax(dim=1),
        nn.LogSoftmax(dim=1),
        nn.GLU(),
        nn.Linear(2, 2),
        nn.Identity(),
        nn.BatchNorm1d(2),
    ],
)
def test_other_modules_are_not(module):
    assert not run_probes.is_activation(module)


@pytest.mark.parametrize("kind", ["mlp", "resmlp", "cnn"])
def test_harness_networks_take_the_generic_path(kind):
    """The activations the generic discovery finds and the layers it sees feeding them are
    the harness's own probe points, for one network and for its stacked form."""
    spec = ModelSpec(kind, 3, 4)
    nets = [models.build(spec, "prelu", "matched", 64, 10, image_shape=(1, 8, 8)) for _ in "ab"]
    X = torch.randn(40, 64, generator=GEN)
    for net, members in [(nets[0], None), (batched.stack(nets), 2)]:
        acts = run_probes.activation_modules(net)
        assert [id(a) for a in acts] == [id(a) for _, a in net.probe_points()]
        feeders = run_probes.feeding_candidates(net, acts)
        with run_probes.recording(acts, feeders) as calls, torch.no_grad():
            net(X if members is None else X.expand(members, *X.shape))
        assert [id(c.feeder) for c in calls] == [id(layer) for layer, _ in net.probe_points()]
        assert [id(c.act) for c in calls] == [id(a) for a in acts]
    # the generic class rule alone finds the same modules (PReLU is in torch's module)
    plain = nn.Sequential(*nets[0].children())
    assert [id(m) for m in plain.modules() if run_probes.is_activation(m)] == [
        id(a) for a in nets[0].acts
    ]


def test_identity_activation_counts_in_harness_nets_only():
    net = MLP(3, 2, depth=2, width=5, act=activations.get("identity"))
    X = torch.randn(20, 3, generator=GEN)
    assert probes.unit_health(net, X)["units"] == [5.0, 5.0]
    assert probes.unit_health(nn.Sequential(*net.layers, net.head), X)["units"] == []


def test_probing_leaves_forward_mode_and_grads_alone():
    net, X, y = _dead_sequential()
    net.train()
    reference = net(X)
    probes.unit_health(net, X, y)
    assert net.training
    assert all("forward" not in vars(m) for m in net.modules())
    assert all(p.grad is None for p in net.parameters())
    assert torch.equal(net(X), reference)
