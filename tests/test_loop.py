"""The staged loop and batched training: equivalence with the per-cell path, the stacked
optimizers against torch.optim, divergence per member, work plans, devices."""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from bench import executors
from bench.cli import main
from bench.records import Cell, ModelSpec, TrainSpec
from bench.run import loop
from bench.run.optim import GroupedOptimizer, Hyper
from tests.conftest import TINY_SUITE
from tests.results import assert_same_results

CUDA = torch.cuda.is_available()


def members(kind: str, optimizer: str, epochs: int = 2, batch_size: int = 128) -> list[Cell]:
    """Four cells that differ in seed, initializer, learning rate (and weight decay)."""
    dataset = "moons" if kind != "cnn" else "digits"
    width = 8 if kind != "cnn" else 3
    plan = [(0, "matched", 1e-2, 0.0), (1, "glorot_uniform", 3e-3, 0.0),
            (2, "torch_default", 1e-2, 1e-3), (3, "lecun_normal", 3e-2, 0.0)]  # fmt: skip
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


@pytest.mark.parametrize("kind", ["mlp", "resmlp", "cnn"])
@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_batched_equals_one_at_a_time_in_float64(kind, optimizer):
    cells = members(kind, optimizer)
    batched = loop.train(cells, dtype=torch.float64)
    assert [r.key for r in batched] == [c.key for c in cells]
    assert {r.env["members"] for r in batched} == {4}
    for cell, b in zip(cells, batched):
        (alone,) = loop.train([cell], dtype=torch.float64)
        assert alone.env["members"] == 1 and b.status == "ok"
        assert len(b.curves["val_loss"]) == 2 and len(b.probes) == 3
        assert_same_results(alone, b, atol=1e-10)


@pytest.mark.parametrize("kind", ["mlp", "resmlp", "cnn"])
def test_batched_first_ten_steps_in_float32(kind):
    cells = members(kind, "adam", batch_size=32)
    stacked = loop.prepare(cells)
    loop.epoch(stacked, 1)
    assert stacked.step_losses.shape[1] >= 10
    for row, i in enumerate(stacked.live):
        alone = loop.prepare([stacked.cells[i]])
        loop.epoch(alone, 1)
        torch.testing.assert_close(
            stacked.step_losses[row, :10], alone.step_losses[0, :10], rtol=0, atol=1e-5
        )


def test_members_keep_their_own_data_order_and_weights():
    a, b = members("mlp", "adam")[:2]
    twin = dataclasses.replace(b, init=a.init, train=a.train)  # only the seed differs from a
    state = loop.prepare([a, twin])
    w = state.engine.net.layers[0].weight
    assert not torch.equal(w[0], w[1])
    alone = loop.prepare([a])
    assert torch.equal(w[0], alone.engine.model.layers[0].weight.T)  # stacked as (K, in, out)


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
    assert bad.metrics["epochs_run"] == 0 and bad.curves["val_acc"] == []
    assert len(bad.probes) == 1 and "test_acc" not in bad.metrics
    for cell in cells:
        if cell is not wild:
            assert by_key[cell.key].status == "ok"
            assert_same_results(loop.train([cell])[0], by_key[cell.key], atol=1e-5)


def test_grad_norms_at_init_and_after_the_last_epoch_only():
    (r,) = loop.train(members("mlp", "adam", epochs=3)[:1])
    norms = [health["grad_norm"] for health in r.probes]
    assert len(norms) == 4
    assert all(v > 0 for v in norms[0] + norms[3])
    assert all(math.isnan(v) for v in norms[1] + norms[2])


def test_a_failure_fails_every_member_with_the_message(monkeypatch):
    from bench.run import engines

    def boom(self, xb, yb):
        raise RuntimeError("out of memory, pretend")

    monkeypatch.setattr(engines.Stacked, "losses", boom)
    results = loop.train(members("mlp", "adam"))
    assert {r.status for r in results} == {"failed"}
    assert all(r.error.startswith("RuntimeError: out of memory") for r in results)
    assert all(len(r.probes) == 1 for r in results)  # the probes at init happened


def test_plan_batches_by_key_and_keeps_cpu_cnn_alone():
    base = members("mlp", "adam")
    rrelu = [dataclasses.replace(c, activation="rrelu") for c in base]
    cnn = [dataclasses.replace(c, dataset="digits", model=ModelSpec("cnn", 2, 3)) for c in base]
    deeper = [dataclasses.replace(c, model=ModelSpec("mlp", 3, 8)) for c in base]
    work = executors.plan(base + rrelu + cnn + deeper)
    assert sorted(len(u) for u in work.units) == [1, 1, 1, 1, 4, 4, 4]
    assert work.alone == {"cnn on the cpu: stacked convolutions are slower there": 4}
    assert work.note() == (
        "note: 4 cells train one at a time "
        "(4 cnn on the cpu: stacked convolutions are slower there)"
    )
    assert [len(u) for u in executors.plan(base * 5, max_members=8).units] == [7, 7, 6]
    off = executors.plan(base, batched=False)
    assert [len(u) for u in off.units] == [1, 1, 1, 1] and off.note() == ""
    cuda_cnn = [dataclasses.replace(c, device="cuda") for c in cnn]
    assert [len(u) for u in executors.plan(cuda_cnn).units] == [4]


@pytest.mark.parametrize("kind", ["mlp", "cnn"])
def test_rrelu_members_draw_what_they_would_alone(kind):
    """RReLU's random slopes come from each member's own generator: a batch of members
    trains exactly as the members would one at a time."""
    cells = [dataclasses.replace(c, activation="rrelu") for c in members(kind, "sgd")]
    batched = loop.train(cells, dtype=torch.float64)
    assert {r.env["members"] for r in batched} == {4}
    for cell, b in zip(cells, batched):
        assert_same_results(loop.train([cell], dtype=torch.float64)[0], b, atol=1e-10)


def test_rrelu_is_random_in_training_and_the_mean_slope_in_evaluation():
    from bench.activations import RReLU

    act = RReLU(0.125, 1 / 3)
    x = -torch.ones(1000)
    act.generator = torch.Generator().manual_seed(0)
    slopes = -act(x)
    assert 0.125 <= slopes.min() < 0.14 and 0.32 < slopes.max() <= 1 / 3
    assert slopes.std() > 0.05 and torch.equal(act(-x), -x)  # positive inputs pass
    act.generator = torch.Generator().manual_seed(0)
    assert torch.equal(-act(x), slopes)  # the same generator state, the same slopes
    act.eval()
    assert torch.equal(act(x), x * (0.125 + 1 / 3) / 2)


def test_the_device_is_part_of_the_key():
    cell = members("mlp", "adam")[0]
    assert dataclasses.replace(cell, device="cuda").key != cell.key
    assert cell.label().endswith("seed=0")
    assert dataclasses.replace(cell, device="cuda").label().endswith("seed=0@cuda")


@pytest.mark.skipif(CUDA, reason="this machine has a GPU")
def test_device_cuda_without_a_gpu_stops_before_training(write_suite, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["run", str(write_suite(TINY_SUITE)), "--store", str(store), "--device",
                 "cuda"]) == 2  # fmt: skip
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
    assert main(["perf", "--dataset", "wine", "--depth", "2", "--width", "8", "--epochs", "1",
                 "--ks", "1,3", "--repeats", "1", "--json", str(out)]) == 0  # fmt: skip
    figures = json.loads(out.read_text())
    assert figures["flops_per_sample"] == 6 * (13 * 8 + 8 * 8 + 8 * 3)  # wine: 13 in, 3 out
    assert figures["harness_to_hand"][0] > 0 and figures["matmul_peak_gflops"] > 0
    assert set(figures["batched"]) == {"1", "3"}
    assert figures["batched"]["3"]["samples_per_s_batched"] > 0
    text = capsys.readouterr().out
    assert "harness / hand loop" in text and "matmul peak" in text
    assert main(["perf", "--ks", "0"]) == 2
    assert main(["perf", "--dataset", "nope"]) == 2
    assert "valid: digits" in capsys.readouterr().err
