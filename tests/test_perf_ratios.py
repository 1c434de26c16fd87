"""The ratios ``make perf`` prints, computed from a pytest-benchmark JSON we write here;
``bench perf``'s end-to-end figures: FLOP counts, the unit it times, the lines it prints."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bench import data, flops, perf
from bench.records import Cell, ModelSpec, TrainSpec
from bench.run.plan import plan
from bench.suite import load_suite
from tests.perf import ratios


def _doc(medians: dict[str, float]) -> dict:
    return {"benchmarks": [{"name": n, "stats": {"median": m}} for n, m in medians.items()]}


def test_ratios_from_benchmark_json(tmp_path, capsys):
    doc = _doc(
        {
            "test_forward_backward_epoch[relu]": 0.010,
            "test_forward_backward_epoch[elu]": 0.013,
            "test_hand_loop": 0.100,
            "test_harness_cell": 0.080,
            "test_harness_cell_with_probes": 0.100,
            "test_sequential_8": 0.60,
            "test_batched_8": 0.20,
        }
    )
    got = dict(ratios.ratios(doc))
    assert got["epoch time relu / relu"] == pytest.approx(1.0)
    assert got["epoch time elu / relu"] == pytest.approx(1.3)
    assert got["harness / hand loop (probes off)"] == pytest.approx(0.8)
    assert got["probes / harness without"] == pytest.approx(1.25)
    assert got["8 sequential / 8 batched (speed-up)"] == pytest.approx(3.0)
    path = tmp_path / "0001_baseline.json"
    path.write_text(json.dumps(doc))
    assert ratios.main([str(path)]) == 0
    assert "harness / hand loop (probes off)" in capsys.readouterr().out


def test_missing_entries_are_left_out():
    assert ratios.ratios(_doc({"test_hand_loop": 1.0})) == []


# bench perf's end-to-end figures: FLOP counts, the unit it trains, what it prints


def test_flops_of_a_hand_computed_mlp():
    cell = Cell("wine", "relu", "matched", 0, ModelSpec("mlp", 2, 3), TrainSpec(epochs=5))
    # 4 inputs → 3 → 3 → 2 classes: 4·3 + 3·3 + 3·2 = 27 multiply-adds per sample
    assert flops.mlp_macs(4, 2, 2, 3) == 27
    assert flops.mlp_macs(4, 2, 0, 3) == 8  # depth 0: the head alone
    assert flops.train_flops_per_sample(cell, 4, 2) == 162  # 6 × 27
    assert flops.eval_flops_per_sample(cell, 4, 2) == 54  # 2 × 27
    # 3 members × 5 epochs: 10 training samples, then 16 evaluated (train+val+test)
    got = flops.unit_flops(cell, 3, 10, 16, 4, 2)
    assert got == {"training": 24_300, "evaluation": 12_960, "total": 37_260}


def test_the_unit_is_one_stack_of_the_default_suites_shape():
    config = perf.PerfConfig(dataset="keel_pima")
    cells = perf.unit_cells(config)
    suite = [
        c
        for c in load_suite("suites/default.toml").cells()
        if c.dataset == "keel_pima" and c.activation == "relu"
    ]
    assert len(cells) == len(suite) == 18
    assert {(c.init, c.train.lr, c.seed, c.data.split_seed) for c in cells} == {
        (c.init, c.train.lr, c.seed, c.data.split_seed) for c in suite
    }
    assert len({c.data.split_seed for c in cells}) == 3  # each seed its own split
    assert {(c.model, c.train.epochs, c.train.batch_size, c.train.probe) for c in cells} == {
        (c.model, c.train.epochs, c.train.batch_size, c.train.probe) for c in suite
    }
    assert [len(u) for u in plan(cells).units] == [len(u) for u in plan(suite).units] == [18]
    assert len(perf.unit_cells(dataclasses.replace(config, unit_members=7))) == 7


def test_measure_unit_reports_flops_over_its_own_time(monkeypatch):
    rates = iter([100.0, 200.0, 150.0, 300.0])  # one thread, then two, per repeat
    monkeypatch.setattr(perf, "stacked_matmul_rate", lambda threads: next(rates))
    monkeypatch.setattr(perf, "matmul_peak", lambda threads: next(rates))
    config = perf.PerfConfig(dataset="wine", depth=1, width=8, repeats=1, probe_epochs=2)
    u = perf.measure_unit(dataclasses.replace(config, unit_members=2))
    splits = data.load("wine", 0)
    n_eval = len(splits.y_train) + len(splits.y_val) + len(splits.y_test)
    want = flops.unit_flops(perf.unit_cells(config)[0], 2, len(splits.y_train), n_eval, 13, 3)
    assert u["flops"] == want and u["members"] == 2 and u["epochs"] == 2
    assert u["gflops"] == pytest.approx(want["total"] / u["seconds"] / 1e9)
    assert (u["stacked_1_gflops"], u["sgemm_1_gflops"]) == (100.0, 200.0)
    assert (u["stacked_2_gflops"], u["sgemm_2_gflops"]) == (150.0, 300.0)
    share = u["gflops"] / 100.0
    assert u["share_of_stacked"] == pytest.approx((share, share, share))
    assert u["share_of_sgemm"] == pytest.approx((share / 2,) * 3)


def test_render_prints_the_end_to_end_shares():
    unit = {
        "members": 18,
        "epochs": 15,
        "flops": {"training": 90e9, "evaluation": 30e9, "total": 120e9},
        "seconds": 2.5,
        "gflops": 48.0,
        "stacked_1_gflops": 96.0,
        "sgemm_1_gflops": 100.0,
        "stacked_2_gflops": 153.0,
        "sgemm_2_gflops": 183.0,
        "share_of_stacked": (0.5, 0.45, 0.55),
        "share_of_sgemm": (0.48, 0.44, 0.5),
    }
    figures = {
        "config": dataclasses.asdict(perf.PerfConfig()),
        "n_train": 1078,
        "threads": 1,
        "matmul_peak_gflops": 100.0,
        "flops_per_sample": 2e5,
        "harness_s": 0.05,
        "hand_loop_s": 0.06,
        "harness_to_hand": (0.8, 0.7, 0.9),
        "batched": {},
        "unit": unit,
    }
    lines = perf.render(figures).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("end to end"))
    assert lines[start - 1] == "" and len(lines) == start + 4  # the last block, 4 lines
    end = lines[start:]
    assert end[0].startswith("end to end: one unit of the default suite's shape, 18 cells × 15")
    assert (
        "stacked matmul (bmm, 32 × 64²) 96.0 / 153.0; large sgemm (1024²) 100.0 / 183.0" in (end[1])
    )
    assert "120.0 GFLOP (training 90.0, evaluation after every epoch 30.0;" in end[2]
    assert end[2].endswith("in 2.50 s: 48.0 GFLOP/s")
    assert end[3].startswith("  = 50% (45%–55%) of the stacked-matmul rate, 48% (44%–50%)")
