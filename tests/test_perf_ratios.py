"""The ratios ``make perf`` prints, computed from a pytest-benchmark JSON we write here."""

from __future__ import annotations

import json

import pytest

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
