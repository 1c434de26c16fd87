"""The contract of the claims registry: every claim, measured on a tiny store (a few cells of
each of its suites, the exact checks, the speed timings) and judged, returns one of the
verdicts with all its parts, and never counts more replication than the store holds.

The store's results are made up, not trained (the claim suites hold 35,000 cells): each is
a Result with exactly the fields the schema declares (:mod:`bench.schema`: its metrics,
curves and per-layer probes at the epochs the cell's probe schedule names, for as many
layers as the cell's network has), plausible values drawn from a generator seeded by the
cell's key. The exact checks are measured for real where that takes under a second (C7, C8,
C17) and are the hand-built payloads of tests/test_claims.py where it takes longer (C1, C18);
the timings are the golden fixture's, stored under C16's suite.
"""

from __future__ import annotations

import json
import math
from functools import cache

import numpy as np
import pandas as pd
import pytest

from bench import activations, claims, data, models, schema
from bench.checks import CHECKS
from bench.claims import REGISTRY, VERDICTS, Context, Figure, Table, Verdict
from bench.records import Cell, ModelSpec, Result
from bench.run.loop import probe_epochs
from bench.store import Store
from bench.suite import load_suite
from tests.golden import HERE
from tests.test_claims import CHECKS as PAYLOADS

DATASETS, SEEDS = 3, 2  # of each suite: its first data sets and seeds in grid order
SPEED_SUITE = "c16_speed"
STAMP = "2026-01-01T00:00:00+00:00"
SLOW_CHECKS = {  # measured elsewhere (tests/test_claims*.py); here their hand-built payloads
    "C1": {"rows": [{"dataset": "moons", "relative_diff": 1e-16}], "tolerance": 1e-10, "epochs": 1},
    "C18": next(payload for claim, payload, verdict in PAYLOADS if claim == "C18"),
}


@cache
def _layers(spec: ModelSpec, dataset: str, activation: str) -> int:
    """How many activation layers the cell's network has (its probes' length)."""
    entry = data.entry(dataset)  # its metadata: no file is read
    net = models.build(
        spec, activation, "matched", entry.features, entry.classes, entry.image_shape
    )
    return len(net.probe_points())


def made_up_result(cell: Cell) -> Result:
    """A Result of ``cell`` with every declared field: a learning curve that rises to a
    final accuracy in [0.5, 0.95], losses that fall with it, unit-health fractions in
    [0, 0.3] (saturation only for the activations that saturate, NaN for the others, as the
    probes give it), layer statistics around 1, weight-gradient norms at initialization and
    after the last epoch only."""
    rng = np.random.default_rng(int(cell.key[:12], 16))
    epochs = cell.train.epochs
    top = rng.uniform(0.5, 0.95)
    val = [top * (1 - 0.5 ** (e + 1)) + rng.uniform(-0.01, 0.01) for e in range(epochs)]
    curves = {
        "val_acc": val,
        "train_acc": [min(1.0, v + 0.03) for v in val],
        "test_acc": [v - 0.01 for v in val],
        "val_loss": [2.3 * (1 - v) + 0.05 for v in val],
        "train_loss": [2.3 * (1 - v) for v in val],
        "test_loss": [2.3 * (1 - v) + 0.08 for v in val],
        "epoch_time_s": [0.01] * epochs,
    }
    saturates = activations.get(cell.activation).saturates

    def fraction() -> float:
        return float(rng.uniform(0, 0.3))

    metrics = {
        **{name: curves[name][-1] for name in ("test_acc", "val_acc", "train_acc")},
        **{name: curves[name][-1] for name in ("test_loss", "val_loss", "train_loss")},
        "best_val_acc": max(val),
        "best_epoch": int(np.argmax(val)) + 1,
        **{f"{m}_{w}": fraction() for m in ("dead", "negative") for w in ("init", "final")},
        **{f"saturated_{w}": fraction() if saturates else math.nan for w in ("init", "final")},
        **{"train_time_s": 0.01 * epochs, "eval_time_s": 0.001, "probe_time_s": 0.001},
        **{"total_time_s": 0.012 * epochs, "samples_per_s": 1e5, "epochs_run": epochs},
        **{"n_train": 1000, "n_params": 5000},
    }
    layers = _layers(cell.model, cell.dataset, cell.activation)
    probed = set(probe_epochs(cell.train))
    probes: list[dict[str, list[float]]] = []
    for epoch in range(epochs + 1):
        if epoch not in probed:
            probes.append({})
            continue
        health = {m: [fraction() for _ in range(layers)] for m in ("dead", "negative")}
        health["saturated"] = [fraction() if saturates else math.nan for _ in range(layers)]
        for stat in ("mean", "pre_mean"):
            health[stat] = rng.normal(0, 0.3, layers).tolist()
        for stat in ("std", "pre_std"):
            health[stat] = rng.uniform(0.5, 2.0, layers).tolist()
        ends = epoch in (0, epochs)
        health["grad_norm"] = rng.uniform(0.1, 1, layers).tolist() if ends else [math.nan] * layers
        health["units"] = [float(cell.model.width)] * layers
        if cell.activation in ("prelu", "prelu_channel"):  # its learned slopes (no rng draw)
            for q, name in enumerate(schema.LEARNED):
                health[name] = [0.25 + 0.01 * (q - 2) * epoch / epochs] * layers
        probes.append(health)
    assert metrics.keys() == schema.RUN_METRICS.keys() and curves.keys() == schema.CURVES.keys()
    return Result(cell.key, cell, "ok", None, metrics, curves, probes, started_at=STAMP)


def _tiny(cells: list[Cell]) -> list[Cell]:
    """The cells of a suite's first ``DATASETS`` data sets and first ``SEEDS`` seeds."""
    datasets = list(dict.fromkeys(c.dataset for c in cells))[:DATASETS]
    seeds = list(dict.fromkeys(c.seed for c in cells))[:SEEDS]
    return [c for c in cells if c.dataset in datasets and c.seed in seeds]


@pytest.fixture(scope="module")
def context(tmp_path_factory) -> Context:
    """The tiny store, read back the way the claims read a store."""
    path = tmp_path_factory.mktemp("claims") / "tiny.sqlite"
    with Store(path) as store:
        for name in claims.all_suites():
            suite = load_suite(claims.suites_dir() / f"{name}.toml")
            cells = _tiny(list(suite.cells()))
            store.register_suite(suite, [c.key for c in cells])
            for cell in cells:
                store.put(made_up_result(cell))
        timings = json.loads((HERE / "golden_timings.json").read_text())
        store.put_timings(SPEED_SUITE, timings["records"], timings["env"], timings["measured_at"])
        for claim_id, check in CHECKS.items():
            store.put_check(claim_id, SLOW_CHECKS.get(claim_id) or check(), STAMP)
    with Store(path, readonly=True) as reader:
        frames = {s: reader.frame(s, series=True) for s in reader.suites()}
        return Context(frames=frames, timings=reader.timings(), checks=reader.checks())


def test_the_tiny_store_holds_each_suite_on_a_few_data_sets_and_seeds(context):
    assert set(context.frames) == set(claims.all_suites())
    for name, frame in context.frames.items():
        assert 0 < frame["dataset"].nunique() <= DATASETS, name
        assert frame["seed"].nunique() == SEEDS, name
    assert set(context.checks) >= set(CHECKS)
    # each check is a claim's, in the registry's order
    assert list(CHECKS) == [c for c in REGISTRY if c in CHECKS] == ["C1", "C7", "C8", "C17", "C18"]
    assert set(context.timings["suite"]) == {SPEED_SUITE}


def _is_number(x: object) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


@pytest.mark.parametrize("claim_id", list(REGISTRY))
def test_every_claim_measures_a_tiny_store_and_judges_it_with_every_part(context, claim_id):
    claim = REGISTRY[claim_id]
    finding = claim.measure(context)
    assert finding.tables, f"{claim_id} measured nothing on a store that holds its suites"
    for name, table in finding.tables.items():
        assert isinstance(table, Table) and table.name == name and table.caption.strip()
        assert isinstance(table.frame, pd.DataFrame)
        if "verdict" in table.frame.columns:  # a part's verdict is one of the verdicts too
            assert set(table.frame["verdict"].dropna()) <= set(VERDICTS), (claim_id, name)
    for figure in finding.figures:
        assert isinstance(figure, Figure) and figure.name.endswith(".png") and figure.alt
    v = claim.judge(finding.frames())
    assert isinstance(v, Verdict) and v.verdict in VERDICTS
    assert v.evidence.strip() and v.would_change.strip(), claim_id
    assert all(_is_number(x) for x in (v.effect, *v.ci, v.p)), claim_id
    assert len(v.ci) == 2 and (math.isnan(v.p) or 0.0 <= v.p <= 1.0), claim_id
    if not math.isnan(v.effect):
        assert v.effect_label.strip(), claim_id
    if not math.isnan(v.p):
        assert v.test.strip(), claim_id
    # the replication a verdict states is at most what the tiny store holds
    held = [context.frame(s) for s in claim.suites]
    datasets = {d for f in held if not f.empty for d in f["dataset"]}
    assert isinstance(v.n_datasets, int) and 0 <= v.n_datasets <= max(len(datasets), 1)
    assert isinstance(v.n_seeds, int) and 0 <= v.n_seeds <= SEEDS
    again = claim.judge(finding.frames())  # a judge reads its tables and nothing else
    assert repr(again) == repr(v)  # (repr: NaN fields compare equal)


def test_the_made_up_results_have_the_schema_s_probe_series():
    spec = ModelSpec("mlp", 3, 8)
    cell = Cell("wine", "tanh", "matched", 0, spec)
    r = made_up_result(cell)
    assert len(r.probes) == cell.train.epochs + 1
    first = r.probes[0]
    assert first.keys() == schema.PROBES.keys() and len(first["dead"]) == 3
    assert 0 < first["saturated"][0] < 0.3  # tanh saturates; relu would give NaN
    assert made_up_result(cell) == r  # seeded by the key
