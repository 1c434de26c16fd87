"""The staged loop and batched training: the stacked optimizers against torch.optim,
divergence per member, the probe schedule, RReLU's counter-based slopes, work plans, devices.
(That a cell gives the same bits alone and in any stack is tests/test_identity.py.)"""

from __future__ import annotations

import dataclasses
import json
import math

import pytest
import torch

from bench import execute
from bench.cli import main
from bench.records import Cell, ModelSpec, TrainSpec, pooled
from bench.run import loop
from bench.run.optim import GroupedOptimizer, Hyper
from tests.conftest import TINY_SUITE
from tests.results import TIMING_METRICS, assert_same_results

CUDA = torch.cuda.is_available()


def members(kind: str, optimizer: str, epochs: int = 2, batch_size: int = 128) -> list[Cell]:
    """Four cells that differ in seed, initializer, learning rate (and weight decay)."""
    dataset = "moons" if kind != "cnn" else "digits"
    width = 8 if kind != "cnn" else 3
    plan = [
        (0, "matched", 1e-2, 0.0),
        (1, "glorot_uniform", 3e-3, 0.0),
        (2, "torch_default", 1e-2, 1e-3),
        (3, "lecun_normal", 3e-2, 0.0),
    ]
    return [
        Cell(
            dataset,
            "elu",
            init,
            seed,
            ModelSpec(kind, 2, width),
            TrainSpec(optimizer, lr, 0.9 if optimizer == "sgd" else 0.0, wd, epochs, batch_size),
        )
        for seed, init, lr, wd in plan
    ]


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_grouped_optimizer_matches_torch_optim(optimizer):
    torch.manual_seed(0)
    hypers = [Hyper(1e-2, 0.9, 0.0), Hyper(1e-2, 0.9, 0.0), Hyper(3e-3, 0.5, 1e-2)]
    if optimizer == "adam":
        hypers = [Hyper(h.lr, 0.0, h.weight_decay) for h in hypers]
    shapes = [(4, 3), (4,), (2, 4)]
    stacked = [torch.randn(3, *s, dtype=torch.float64, requires_grad=True) for s in shapes]
    singles = [[p[k].detach().clone().requires_grad_(True) for p in stacked] for k in range(3)]
    opt = GroupedOptimizer(optimizer, stacked, [(hypers[0], slice(0, 2)), (hypers[2], slice(2, 3))])
    refs = [
        torch.optim.Adam(ps, lr=h.lr, weight_decay=h.weight_decay)
        if optimizer == "adam"
        else torch.optim.SGD(ps, lr=h.lr, momentum=h.momentum, weight_decay=h.weight_decay)
        for ps, h in zip(singles, hypers)
    ]
    for _ in range(6):
        grads = [torch.randn_like(p) for p in stacked]
        for p, g in zip(stacked, grads):
            p.grad = g.clone()
        opt.step()
        opt.zero_grad()
        for k, ref in enumerate(refs):
            for p, g in zip(singles[k], grads):
                p.grad = g[k].clone()
            ref.step()
    for k in range(3):
        for p, q in zip(stacked, singles[k]):
            torch.testing.assert_close(p[k].detach(), q.detach(), rtol=0, atol=1e-12)
    assert stacked[0].grad is None and opt.steps == 6


def test_grouped_optimizer_differs_per_member():
    """A member's learning rate is its own: same gradients, different steps."""
    p = torch.zeros(2, 3, dtype=torch.float64, requires_grad=True)
    opt = GroupedOptimizer("sgd", [p], [(Hyper(0.1), slice(0, 1)), (Hyper(1.0), slice(1, 2))])
    p.grad = torch.ones_like(p)
    opt.step()
    assert p[0].tolist() == pytest.approx([-0.1] * 3) and p[1].tolist() == [-1.0] * 3


def test_members_keep_their_own_data_order_and_weights():
    a, b = members("mlp", "adam")[:2]
    twin = dataclasses.replace(b, init=a.init, train=a.train)  # only the seed differs from a
    state = loop.prepare([a, twin])
    w = state.engine.net.layers[0].weight
    assert not torch.equal(w[0], w[1])
    alone = loop.prepare([a])
    assert torch.equal(w[0], alone.engine.net.layers[0].weight[0])  # stacked as (K, in, out)


def test_a_diverging_member_is_dropped_and_the_others_go_on():
    cells = members("mlp", "sgd", epochs=3)
    wild = dataclasses.replace(
        cells[1], init="naive_normal", train=dataclasses.replace(cells[1].train, lr=1e4)
    )
    cells[1] = wild
    results = loop.train(cells)
    by_key = {r.key: r for r in results}
    bad = by_key[wild.key]
    assert bad.status == "diverged"
    assert bad.error.startswith("non-finite loss") and "at epoch 1, batch " in bad.error
    assert bad.diverged_epoch == 1  # a field, set where the stack records the divergence
    assert bad.metrics["epochs_run"] == 0 and bad.curves["val_acc"] == []
    assert len(bad.probes) == 1 and "test_acc" not in bad.metrics
    for cell in cells:
        if cell is not wild:
            assert by_key[cell.key].status == "ok" and by_key[cell.key].diverged_epoch is None
            assert_same_results(loop.train([cell])[0], by_key[cell.key])


def test_grad_norms_at_init_and_after_the_last_epoch_only():
    (cell,) = members("mlp", "adam", epochs=3)[:1]
    every_epoch = dataclasses.replace(cell.train, probe_every=1)
    (r,) = loop.train([dataclasses.replace(cell, train=every_epoch)])
    norms = [health["grad_norm"] for health in r.probes]
    assert len(norms) == 4
    assert all(v > 0 for v in norms[0] + norms[3])
    assert all(math.isnan(v) for v in norms[1] + norms[2])


@pytest.mark.parametrize(
    ("every", "epochs", "expected"),
    [
        (1, 3, [0, 1, 2, 3]),
        (5, 15, [0, 5, 10, 15]),
        (4, 10, [0, 4, 8, 10]),
        (20, 3, [0, 3]),
        ("log", 15, [0, 1, 2, 4, 8, 15]),
        ("log", 16, [0, 1, 2, 4, 8, 16]),
        ("log", 1, [0, 1]),
    ],
)
def test_probe_epochs_follow_the_schedule_and_always_include_init_and_the_end(
    every, epochs, expected
):
    assert loop.probe_epochs(TrainSpec(epochs=epochs, probe_every=every)) == expected
    assert loop.probe_epochs(TrainSpec(epochs=epochs, probe=False, probe_every=every)) == []


def test_the_schedule_changes_which_epochs_are_probed_and_nothing_else():
    """Probing observes without touching training: a sparse schedule records exactly what
    probing every epoch records at the epochs it keeps ({} elsewhere), so dead_final and
    every other metric are the same numbers."""
    (cell,) = members("mlp", "adam", epochs=5)[:1]
    runs = {}
    for every in (1, 2, "log"):
        train = dataclasses.replace(cell.train, probe_every=every)
        (runs[every],) = loop.train([dataclasses.replace(cell, train=train)])
    full = runs[1]
    assert all(full.probes) and len(full.probes) == 6
    for every, kept in ((2, [0, 2, 4, 5]), ("log", [0, 1, 2, 4, 5])):
        r = runs[every]
        assert [n for n, h in enumerate(r.probes) if h] == kept
        for n in kept:  # JSON: NaN (ELU's saturation, grad_norm between) equals NaN
            assert json.dumps(r.probes[n]) == json.dumps(full.probes[n])
        untimed = [
            {k: v for k, v in x.metrics.items() if k not in TIMING_METRICS} for x in (r, full)
        ]
        assert json.dumps(untimed[0], sort_keys=True) == json.dumps(untimed[1], sort_keys=True)
        assert r.curves["val_loss"] == full.curves["val_loss"]
    assert full.metrics["dead_final"] == pooled(full.probes[5], "dead")


def test_a_failure_fails_every_member_with_the_message(monkeypatch):
    from bench.run import engines

    def boom(self, xb, yb):
        raise RuntimeError("out of memory, pretend")

    monkeypatch.setattr(engines.Stacked, "losses", boom)
    results = loop.train(members("mlp", "adam"))
    assert {r.status for r in results} == {"failed"}
    assert all(r.error.startswith("RuntimeError: out of memory") for r in results)
    assert all(len(r.probes) == 1 for r in results)  # the probes at init happened


def test_plan_batches_by_key_and_notes_cells_that_train_alone(monkeypatch):
    base = members("mlp", "adam")
    rrelu = [dataclasses.replace(c, activation="rrelu") for c in base]
    cnn = [dataclasses.replace(c, dataset="digits", model=ModelSpec("cnn", 2, 3)) for c in base]
    deeper = [dataclasses.replace(c, model=ModelSpec("mlp", 3, 8)) for c in base]
    work = execute.plan(base + rrelu + cnn + deeper)  # CNN cells stack on the CPU too
    assert sorted(len(u) for u in work.units) == [4, 4, 4, 4] and work.note() == ""
    assert [len(u) for u in execute.plan(base * 5, max_members=8).units] == [7, 7, 6]
    off = execute.plan(base, batched=False)
    assert [len(u) for u in off.units] == [1, 1, 1, 1] and off.note() == ""
    monkeypatch.setattr(loop, "why_alone", lambda c: "cnn, say" if c.model.kind == "cnn" else "")
    work = execute.plan(base + cnn)
    assert sorted(len(u) for u in work.units) == [1, 1, 1, 1, 4]
    assert work.alone == {"cnn, say": 4}
    assert work.note() == "note: 4 cells train one at a time (4 cnn, say)"


def test_rrelu_draws_are_uniform_and_the_same_in_any_stack():
    from bench import rng

    keys = torch.tensor([rng.member_key(seed, 3) for seed in (0, 1, 2, 2**40 + 1, 7)])
    draws = rng.uniform(rng.step_keys(keys, 11), 50_000, torch.float32)
    assert draws.shape == (5, 50_000) and float(draws.min()) >= 0.0 and float(draws.max()) < 1
    for row in draws:  # U(0, 1): mean 1/2, variance 1/12, every tenth equally often
        assert abs(float(row.mean()) - 0.5) < 0.01 and abs(float(row.var()) - 1 / 12) < 0.005
        counts = torch.histc(row, bins=10, min=0, max=1)
        assert float(counts.min()) > 4_500 and float(counts.max()) < 5_500
    assert float(torch.corrcoef(draws).fill_diagonal_(0).abs().max()) < 0.02  # members apart
    for k in range(5):  # a member alone (K = 1) draws exactly its row of the stack
        alone = rng.uniform(rng.step_keys(keys[k : k + 1], 11), 50_000, torch.float32)
        assert torch.equal(alone[0], draws[k])
    later = rng.uniform(rng.step_keys(keys, 12), 50_000, torch.float32)
    assert float((later == draws).float().mean()) < 0.001  # a new step, new slopes
    ints = torch.randint(0, 2**32, (1000,), dtype=torch.int64)
    assert rng.mix(ints.clone()).tolist() == [rng.mix_int(v) for v in ints.tolist()]


def test_rrelu_alone_draws_what_its_member_draws_in_a_stack():
    from bench.activations import RReLU, StackedRReLU
    from bench.run import batched

    acts = [RReLU() for _ in range(5)]
    for seed, act in enumerate(acts):
        act.seed, act.layer, act.step = 10 + seed, 2, 4
    stacked = batched.stacked_form(acts[0])(acts)  # the form RReLU declares for itself
    assert isinstance(stacked, StackedRReLU) and isinstance(stacked, batched.Follows)
    x = -torch.rand(5, 32, 6) - 0.1
    together = stacked(x)
    for k, act in enumerate(acts):
        assert torch.equal(act(x[k]), together[k])
        assert act.step == 5
    slopes = together / x
    assert float(slopes.min()) >= 1 / 8 and float(slopes.max()) <= 1 / 3
    assert abs(float(slopes.mean()) - (1 / 8 + 1 / 3) / 2) < 0.01
    assert not torch.equal(stacked(x), together)  # the step moved on


def test_rrelu_is_random_in_training_and_the_mean_slope_in_evaluation():
    from bench.activations import RReLU

    act = RReLU(0.125, 1 / 3)
    x = -torch.ones(1000)
    slopes = -act(x)
    assert 0.125 <= slopes.min() < 0.14 and 0.32 < slopes.max() <= 1 / 3
    assert slopes.std() > 0.05 and torch.equal(act(-x), -x)  # positive inputs pass
    act.step = 0
    assert torch.equal(-act(x), slopes)  # the same (seed, layer, step), the same slopes
    act.seed = 1
    act.step = 0
    assert not torch.equal(-act(x), slopes)
    act.eval()
    assert torch.equal(act(x), x * (0.125 + 1 / 3) / 2)


def test_rrelu_draws_are_the_int64_hash_of_their_element_numbers():
    """The 32-bit draw gives the bits the documented int64 hash gives: element j of member
    k is mix((j·G mod 2³²) xor key), its top 24 bits over 2²⁴ (keys across all 32 bits,
    sizes with and without a vector tail)."""
    from bench import rng

    keys = torch.tensor([0, 1, 2**31 - 1, 2**31, 2**32 - 1, 0x9E3779B9], dtype=torch.int64)
    for numel in (1, 37, 4096):
        j = torch.arange(numel, dtype=torch.int64)
        want = rng.mix(((j * rng.GOLDEN) & rng.MASK) ^ keys[:, None]) >> 8
        for dtype in (torch.float32, torch.float64):
            got = rng.uniform(keys, numel, dtype)
            assert torch.equal(got, want.to(dtype) * 2.0**-24), (numel, dtype)
    assert rng.uniform(keys, 5, torch.float32)[0].tolist() == [
        (rng.mix_int((i * rng.GOLDEN) & rng.MASK) >> 8) * 2.0**-24 for i in range(5)
    ]


def test_rrelu_slopes_are_one_where_x_is_not_negative_and_the_draw_elsewhere():
    """What masked_fill(x ≥ 0, 1) of the drawn slopes gives, bit for bit, gradients too:
    ±0 pass with slope 1 (their signs kept), NaN takes the slope."""
    from bench.activations import RReLU

    act = RReLU(0.125, 1 / 3)
    x = torch.randn(3, 64, 5, generator=torch.Generator().manual_seed(1))
    x[0, 0] = torch.tensor([0.0, -0.0, math.nan, -math.inf, math.inf])
    noise = torch.rand(3, 64, 5, generator=torch.Generator().manual_seed(2))
    slope = noise.clone().mul_(act.upper - act.lower).add_(act.lower)
    want = x * slope.masked_fill(x >= 0, 1.0)
    leaf = x.clone().requires_grad_(True)
    got = act.apply(leaf, noise.clone())
    assert torch.equal(got.nan_to_num(7.0), want.nan_to_num(7.0))
    assert torch.equal(got.isnan(), want.isnan()) and got[0, 0, 1].signbit()
    got.backward(torch.full_like(x, 3.0))
    assert torch.equal(leaf.grad, 3.0 * slope.masked_fill(x >= 0, 1.0))


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_stacked_prelu_gives_torchs_values_and_gradients_bit_for_bit(dtype):
    """StackedPReLU's own backward against ``torch.prelu`` with the members as channels:
    the output, the input's gradient and every member's slope gradient, with zeros of
    both signs, NaN, infinities, a slope of -0 and a member with no negative input."""
    from torch import nn

    from bench.run import batched

    gen = torch.Generator().manual_seed(3)
    k, rows, units = 5, 64, 33
    slopes = [0.25, -0.0, -0.7, 1.5, 0.0]
    acts = [nn.PReLU(init=s).to(dtype) for s in slopes]
    stacked = batched.StackedPReLU(acts)
    x = torch.randn(k, rows, units, generator=gen, dtype=dtype)
    x[0, 0, :4] = torch.tensor([0.0, -0.0, math.nan, -math.inf])
    x[2, 0, 0] = math.inf  # x > 0: adds +0 to its slope's gradient, not inf · g · 0 = NaN
    x[4] = x[4].abs() + 0.1  # every input positive: its slope's gradient is a sum of +0s
    g = torch.randn(k, rows, units, generator=gen, dtype=dtype)
    g[1, 0, :4] = torch.tensor([0.0, -0.0, 0.0, -0.0])
    leaf = x.clone().requires_grad_(True)
    out = stacked(leaf)
    out.backward(g)
    ref_x = x.clone().reshape(1, k, -1).requires_grad_(True)
    ref_w = stacked.weight.detach().reshape(-1).clone().requires_grad_(True)
    ref = torch.prelu(ref_x, ref_w)
    ref.backward(g.reshape(1, k, -1))
    pairs = [
        (out, ref.view_as(x)),
        (leaf.grad, ref_x.grad.view_as(x)),
        (stacked.weight.grad.reshape(-1), ref_w.grad),
    ]
    for a, b in pairs:
        assert torch.equal(a.nan_to_num(7.0), b.nan_to_num(7.0))
        assert torch.equal(a.signbit() & ~a.isnan(), b.signbit() & ~b.isnan())
    assert stacked.weight.grad[4].item() == 0.0 and not stacked.weight.grad[4].signbit()
    assert stacked.weight.grad[2].isfinite() and stacked.weight.grad[0].isnan()
    with torch.no_grad():  # evaluation: torch.prelu itself
        assert torch.equal(stacked(x).nan_to_num(7.0), ref.detach().view_as(x).nan_to_num(7.0))


def test_the_device_is_part_of_the_key():
    cell = members("mlp", "adam")[0]
    assert dataclasses.replace(cell, device="cuda").key != cell.key
    assert cell.label().endswith("seed=0")
    assert dataclasses.replace(cell, device="cuda").label().endswith("seed=0@cuda")


@pytest.mark.skipif(CUDA, reason="this machine has a GPU")
def test_device_cuda_without_a_gpu_stops_before_training(write_suite, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert (
        main(["run", str(write_suite(TINY_SUITE)), "--store", str(store), "--device", "cuda"]) == 2
    )
    err = capsys.readouterr().err
    assert "--device cuda" in err and "CPU-only build" in err and "--device cpu" in err
    assert not store.exists()


@pytest.mark.skipif(not CUDA, reason="needs a CUDA GPU")
def test_cuda_batched_equals_one_at_a_time_and_starts_where_the_cpu_does():
    cells = [dataclasses.replace(c, device="cuda") for c in members("mlp", "adam")]
    batched = loop.train(cells, "cuda")
    assert {r.env["device"].split(" ")[0] for r in batched} == {"cuda"}
    for cell, b in zip(cells, batched):
        assert_same_results(loop.train([cell], "cuda")[0], b, atol=1e-4)
    on_cpu = loop.train([dataclasses.replace(c, device="cpu") for c in cells])
    for g, c in zip(batched, on_cpu):  # same initial weights; data orders differ per device
        for metric in ("dead", "negative", "mean", "std"):
            assert g.probes[0][metric] == pytest.approx(c.probes[0][metric], abs=1e-4)


def test_bench_perf_measures_every_figure(tmp_path, capsys):
    import json

    out = tmp_path / "perf.json"
    assert (
        main(
            [
                "perf",
                "--dataset",
                "wine",
                "--depth",
                "2",
                "--width",
                "8",
                "--epochs",
                "1",
                "--ks",
                "1,3",
                "--repeats",
                "1",
                "--probe-epochs",
                "4",
                "--probe-members",
                "3",
                "--json",
                str(out),
            ]
        )
        == 0
    )
    figures = json.loads(out.read_text())
    assert figures["flops_per_sample"] == 6 * (13 * 8 + 8 * 8 + 8 * 3)  # wine: 13 in, 3 out
    assert figures["harness_to_hand"][0] > 0 and figures["matmul_peak_gflops"] > 0
    assert set(figures["batched"]) == {"1", "3"}
    assert figures["batched"]["3"]["samples_per_s_batched"] > 0
    assert set(figures["probe_share"]) == {"1", "3"} and figures["probe_every_default"] == 15
    for share in figures["probe_share"].values():  # probing after every epoch costs more
        assert 0 < share["schedule"] < share["every_epoch"]
    text = capsys.readouterr().out
    assert "harness / hand loop" in text and "matmul peak" in text
    assert "of the training time on the default schedule (probe_every = 15)" in text
    assert main(["perf", "--ks", "0"]) == 2
    assert main(["perf", "--probe-members", "0"]) == 2
    assert main(["perf", "--dataset", "nope"]) == 2
    assert "valid: digits" in capsys.readouterr().err


def test_probe_share_composes_the_stage_medians():
    from bench import perf

    stages = {"epoch_s": 1.0, "eval_forward_s": 0.1, "probe_s": 0.3, "probe_with_grads_s": 0.6}
    # init 0.6 (nothing replaced) + last 0.6 − 0.1 + epochs 5 and 10: 2 × (0.3 − 0.1)
    assert perf.probe_share(stages, TrainSpec(epochs=15, probe_every=5)) == pytest.approx(1.5 / 15)
    assert perf.probe_share(stages, TrainSpec(epochs=15)) == pytest.approx(1.1 / 15)
    every = perf.probe_share(stages, TrainSpec(epochs=15, probe_every=1))
    assert every == pytest.approx((0.6 + 0.5 + 14 * 0.2) / 15)
