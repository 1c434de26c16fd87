"""The declared schema (bench/schema.py) is what training produces: every metric, curve and
probe series of a real Result is declared, and every declared one is produced."""

import math

import pytest

from bench import schema, train
from bench.records import Cell, ModelSpec, TrainSpec


@pytest.fixture(scope="module")
def result():
    cell = Cell(
        "moons", "tanh", "matched", model=ModelSpec(depth=2, width=8), train=TrainSpec(epochs=2)
    )
    r = train.run(cell)
    assert r.status == "ok", r.error
    return r


def test_metrics_match_the_schema(result):
    assert set(result.metrics) == set(schema.RUN_METRICS)


def test_curves_match_the_schema(result):
    assert set(result.curves) == set(schema.CURVES)
    assert all(len(v) == 2 for v in result.curves.values())


def test_probe_series_match_the_schema(result):
    # 2 epochs, the default schedule: at initialization and after the last epoch; {} between
    assert [bool(record) for record in result.probes] == [True, False, True]
    for record in (result.probes[0], result.probes[2]):
        assert set(record) == set(schema.PROBES)
        assert record["units"] == [8.0, 8.0]


def test_pre_activation_statistics_are_measured(result):
    first = result.probes[0]
    assert all(math.isfinite(v) for v in first["pre_mean"] + first["pre_std"])
    assert all(v > 0 for v in first["pre_std"])
    # tanh is odd and steep at 0: the output's spread is below the pre-activation's
    assert all(o < z for o, z in zip(first["std"], first["pre_std"]))


@pytest.mark.parametrize("name", list(schema.METRICS))
def test_every_scored_metric_has_a_direction_or_is_descriptive(name):
    m = schema.get(name)
    if m.higher_is_better is not None:
        assert not math.isnan(m.worst)
        best_end = 1.0 if m.unit == "fraction" else math.inf
        assert m.worst != (best_end if m.higher_is_better else -best_end)


def test_unknown_metric_lists_the_choices():
    with pytest.raises(Exception, match="test_acc"):
        schema.get("test_accuracy")
