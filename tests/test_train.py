"""The training loop: determinism, divergence, failure, every model kind."""

from __future__ import annotations

import dataclasses
import json

import pytest
import torch

from bench import train
from bench.records import ModelSpec, TrainSpec, flatten
from tests.conftest import tiny_cell
from tests.results import TIMING_METRICS


def _untimed(metrics: dict) -> str:
    """The metrics without timings, as canonical JSON (NaN compares equal to NaN there)."""
    return json.dumps({k: v for k, v in metrics.items() if k not in TIMING_METRICS}, sort_keys=True)


def test_same_seed_gives_identical_metrics():
    cell = tiny_cell(activation="rrelu", train=TrainSpec(lr=1e-2, epochs=3, batch_size=16))
    a, b = train.run(cell), train.run(cell)
    assert a.status == b.status == "ok"
    assert _untimed(a.metrics) == _untimed(b.metrics)
    assert {k: v for k, v in a.curves.items() if k != "epoch_time_s"} == {
        k: v for k, v in b.curves.items() if k != "epoch_time_s"
    }
    assert json.dumps(a.probes) == json.dumps(b.probes)
    c = train.run(dataclasses.replace(cell, seed=1))
    assert _untimed(c.metrics) != _untimed(a.metrics)


def test_result_has_curves_probes_timings_and_env():
    r = train.run(tiny_cell(train=TrainSpec(lr=1e-2, epochs=3, batch_size=32)))
    assert r.status == "ok" and r.error is None
    assert set(train.CURVES) == set(r.curves)
    assert all(len(v) == 3 for v in r.curves.values())
    assert len(r.probes) == 4  # init + 3 epochs
    assert len(r.probes[0]["dead"]) == 2  # two hidden layers
    m = r.metrics
    assert m["epochs_run"] == 3 and m["n_train"] == 106
    assert m["test_acc"] == r.curves["test_acc"][-1]
    assert 0 <= m["dead_final"] <= 1
    assert m["train_time_s"] > 0 and m["samples_per_s"] > 0
    assert m["probe_time_s"] > 0
    assert r.env["torch"] == torch.__version__  # the build it ran with, whatever it is
    assert r.env["device"] == "cpu" and r.env["threads"] >= 1
    assert r.started_at.endswith("+00:00")


def test_learning_happens():
    r = train.run(tiny_cell(train=TrainSpec(lr=1e-2, epochs=15, batch_size=16)))
    assert r.metrics["test_acc"] > 0.85  # wine is easy
    assert r.curves["train_loss"][-1] < r.curves["train_loss"][0]


def test_probes_can_be_turned_off():
    r = train.run(tiny_cell(train=TrainSpec(epochs=1, probe=False)))
    assert r.probes == [] and r.metrics["probe_time_s"] == 0 and "dead_final" not in r.metrics


def test_diverging_cell_is_a_result_not_a_crash():
    cell = tiny_cell(
        activation="identity",
        init="naive_normal",
        model=ModelSpec("mlp", 4, 32),
        train=TrainSpec(optimizer="sgd", lr=10.0, epochs=3, batch_size=16),
    )
    r = train.run(cell)
    assert r.status == "diverged"
    assert "non-finite" in r.error
    assert r.metrics["epochs_run"] < 3
    assert "test_acc" not in r.metrics
    assert len(r.probes) >= 1 and "dead_init" in r.metrics


def test_failing_cell_records_the_error(monkeypatch):
    from bench import data

    def boom(*a, **k):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(data, "load", boom)
    r = train.run(tiny_cell())
    assert r.status == "failed"
    assert r.error.startswith("RuntimeError: disk on fire")


@pytest.mark.parametrize(
    ("dataset", "kind"),
    [("digits", "cnn"), ("mnist1d", "cnn"), ("moons", "resmlp"), ("breast_cancer", "mlp")],
)
def test_model_kinds_train(dataset, kind):
    r = train.run(
        tiny_cell(
            dataset=dataset, model=ModelSpec(kind, 2, 4), train=TrainSpec(epochs=1, batch_size=256)
        )
    )
    assert r.status == "ok", r.error
    assert len(r.probes[0]["dead"]) == 2


def test_sgd_with_momentum_trains_as_torch_optim_does():
    """The harness's SGD with momentum and weight decay against a hand loop with
    torch.optim.SGD: same initial weights, same data order, float64."""
    from torch.nn import functional as F

    from bench import data, models
    from bench.run import loop

    cell = tiny_cell(
        train=TrainSpec(
            optimizer="sgd", lr=0.05, momentum=0.9, weight_decay=1e-3, epochs=2, batch_size=32
        )
    )
    (r,) = loop.train([cell], dtype=torch.float64)
    data = data.load(cell.dataset, 0)
    torch.manual_seed(cell.seed)
    net = models.build(cell.model, cell.activation, cell.init, data.n_features, data.n_classes)
    net = net.double()
    opt = torch.optim.SGD(net.parameters(), lr=0.05, momentum=0.9, weight_decay=1e-3)
    gen = torch.Generator().manual_seed(cell.seed)
    X, y = data.X_train.double(), data.y_train
    for _ in range(2):
        perm = torch.randperm(len(y), generator=gen)
        for start in range(0, len(y), 32):
            idx = perm[start : start + 32]
            opt.zero_grad()
            F.cross_entropy(net(X[idx]), y[idx]).backward()
            opt.step()
    with torch.no_grad():
        expected = float(F.cross_entropy(net(X), y))
    assert r.status == "ok"
    assert r.metrics["train_loss"] == pytest.approx(expected, abs=1e-10)
    plain = loop.train(
        [dataclasses.replace(cell, train=dataclasses.replace(cell.train, momentum=0.0))],
        dtype=torch.float64,
    )[0]
    assert abs(plain.metrics["train_loss"] - expected) > 1e-3  # momentum matters here


# The fields a Result carries, by schema version. A change to them must bump
# bench.records.SCHEMA_VERSION (so no stored result is reused under other definitions) and
# record the new fingerprint here. From 4 on, the cell's nested fields count too
# (train.probe_every and data.max_train came in with 4).
SCHEMA_FINGERPRINTS = {2: "92b277061233fe51", 3: "b9a98fb61ade09c1", 4: "d435064c801b2ebd"}


def test_the_result_schema_cannot_change_without_a_version_bump():
    import hashlib

    from bench.records import SCHEMA_VERSION

    r = train.run(tiny_cell(train=TrainSpec(epochs=1)))
    shape = {
        "metrics": sorted(r.metrics),
        "curves": sorted(r.curves),
        "probes": sorted(r.probes[0]),
        "env": sorted(r.env),
        "cell": sorted(flatten(r.cell.to_dict())),
    }
    fingerprint = hashlib.sha256(json.dumps(shape, sort_keys=True).encode()).hexdigest()[:16]
    recorded = SCHEMA_VERSION in SCHEMA_FINGERPRINTS
    version = SCHEMA_VERSION + 1 if recorded else SCHEMA_VERSION
    assert SCHEMA_FINGERPRINTS.get(SCHEMA_VERSION) == fingerprint, (
        f"the Result's fields changed ({shape}): "
        + ("bump SCHEMA_VERSION and " if recorded else "")
        + f"record {{{version}: {fingerprint!r}}} in SCHEMA_FINGERPRINTS"
    )
