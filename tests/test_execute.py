"""The running side (:mod:`bench.execute`): one executor serves many suites and is closed
once, by whoever made it; ``claims run`` trains its suites through one executor; an error
raised inside the training loop is a stored ``failed`` cell, and the run goes on."""

from __future__ import annotations

import pytest

from bench import checks, execute, speed
from bench.execute import claims as claim_suites
from bench.run import loop
from bench.store import Store
from bench.suite import load_suite
from tests.conftest import TINY_SUITE

# two suites with no cell in common: 3 × 2 × 2 = 12 cells, then 2 × 1 × 1 = 2
SECOND_SUITE = """
    dataset = "iris"
    [suite]
    name = "second"
    seeds = [0]
    [grid]
    activation = ["relu", "elu"]
    init = ["matched"]
    [model]
    depth = 2
    width = 8
    [train]
    epochs = 1
    batch_size = 32
"""


class Counted(execute.Executor):
    """An executor that counts the calls of its ``close``, around a real one."""

    def __init__(self, inner: execute.Executor) -> None:
        self.inner, self.name, self.workers, self.closed = inner, inner.name, inner.workers, 0

    def map(self, units):
        return self.inner.map(units)

    def close(self) -> None:
        self.closed += 1
        self.inner.close()


@pytest.fixture
def two_suites(write_suite):
    return [load_suite(write_suite(TINY_SUITE, "a.toml")), load_suite(write_suite(SECOND_SUITE))]


MAKE = execute.make


def _make(backend: str) -> execute.Executor:
    if backend == "dask":
        pytest.importorskip("dask.distributed")
        return execute.DaskExecutor(1, processes=False)  # the workers: threads of this process
    return MAKE(backend, 1)


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_two_suites_run_through_one_executor(two_suites, tmp_path, backend):
    """The driver never closes what it is given: the second suite trains on the same
    executor (a closed dask client would fail it with 'No clients found')."""
    with Counted(_make(backend)) as ex, Store(tmp_path / "s.sqlite") as store:
        summaries = [execute.run_suite(s, store, ex, progress=False) for s in two_suites]
        assert ex.closed == 0
        by_suite = {s.name: store.results(s.name) for s in two_suites}
        runs = [(r["suite"], r["backend"], r["status"], r["cells_done"]) for r in store.runs()]
    assert ex.closed == 1  # by the with block that made it
    assert [(m.total, m.done, m.statuses["ok"]) for m in summaries] == [(12, 12, 12), (2, 2, 2)]
    assert [len(rs) for rs in by_suite.values()] == [12, 2]
    assert {r.status for rs in by_suite.values() for r in rs} == {"ok"}
    assert runs == [("tiny", backend, "finished", 12), ("second", backend, "finished", 2)]


@pytest.mark.parametrize("backend", ["local", "dask"])
def test_claims_run_trains_every_suite_through_one_executor_closed_once(
    two_suites, tmp_path, monkeypatch, capsys, backend
):
    made: list[Counted] = []

    def make(name, workers=1, address=None):
        assert (name, workers, address) == (backend, 1, None)
        made.append(Counted(_make(backend)))
        return made[-1]

    monkeypatch.setattr(execute, "make", make)
    path = tmp_path / "claims.sqlite"
    record = claim_suites.run(path, two_suites, backend, 1, progress=False, checks=False)
    assert [ex.closed for ex in made] == [1]
    assert (record["cells"], record["backend"], record["workers"]) == (14, backend, 1)
    err = capsys.readouterr().err
    assert "claims: 14 cells to train of 2 suites" in err
    assert "tiny: 12 trained, 0 already stored, of 12" in err
    assert "second: 2 trained, 0 already stored, of 2" in err
    with Store(path, readonly=True) as store:
        assert len(store.results("tiny")) == 12 and len(store.results("second")) == 2
        assert {r.status for r in store.results()} == {"ok"}
        assert store.checks()["_run"]["cells"] == 14
        assert store.timings().empty  # checks=False: the suites only
    # a second run finds everything stored and trains nothing
    record = claim_suites.run(path, two_suites, backend, 1, progress=False, checks=False)
    assert [ex.closed for ex in made] == [1, 1]
    assert "claims: 0 cells to train of 2 suites" in capsys.readouterr().err


def test_claims_run_stores_each_exact_check_under_its_claim_id(tmp_path, monkeypatch):
    """After the suites, ``claims run`` stores what each check of :data:`bench.checks.CHECKS`
    returns under its claim's id (two fast real checks here; the timing is bench speed's)."""
    monkeypatch.setattr(speed, "measure", lambda names, **options: [])
    monkeypatch.setattr(checks, "CHECKS", {"C7": checks.default_init, "C17": checks.relu_at_zero})
    path = tmp_path / "checks.sqlite"
    claim_suites.run(path, [], "serial", 1, progress=False)
    with Store(path, readonly=True) as store:
        stored = store.checks()
    assert set(stored) == {"C7", "C17", "gallery", "_run"}
    for claim_id, check in checks.CHECKS.items():
        payload = {k: v for k, v in stored[claim_id].items() if k != "measured_at"}
        assert payload == check()
    assert [r["source"] for r in stored["C7"]["rows"]] == ["nn.Linear", "bench torch_default"]
    relu = {r["gradient_at_0"] for r in stored["C17"]["rows"] if r["form"].endswith(" relu")}
    assert relu == {0.0}  # bench relu, float32 and float64


def test_an_error_inside_the_training_loop_is_a_failed_cell_and_the_run_goes_on(
    write_suite, tmp_path, monkeypatch
):
    """The contract of :func:`bench.run.loop.train`: an exception in a stage fails the cells
    still training (with the error's text) and never the run; the other cells train."""
    epoch = loop.epoch

    def tanh_breaks_in_epoch_2(state, n):
        if n == 2 and state.cells[0].activation == "tanh":
            raise RuntimeError("the tanh stack broke in epoch 2")
        epoch(state, n)

    monkeypatch.setattr(loop, "epoch", tanh_breaks_in_epoch_2)
    suite = load_suite(write_suite(TINY_SUITE))
    with Store(tmp_path / "s.sqlite") as store:
        summary = execute.run_suite(suite, store, execute.SerialExecutor(), progress=False)
        results = store.results("tiny")
        runs = [(r["status"], r["cells_done"]) for r in store.runs()]
    assert summary.done == 12 and dict(summary.statuses) == {"ok": 8, "failed": 4}
    assert runs == [("finished", 12)]
    for r in results:
        if r.cell.activation == "tanh":
            assert r.status == "failed"
            assert r.error.startswith("RuntimeError: the tanh stack broke in epoch 2")
            assert r.metrics["epochs_run"] == 1  # the first epoch finished
            assert r.diverged_epoch is None and "test_acc" not in r.metrics
        else:
            assert r.status == "ok" and r.error is None and r.metrics["epochs_run"] == 2


def test_claims_run_says_its_count_is_the_starting_grid_of_a_tuned_suite(
    write_suite, tmp_path, capsys
):
    """A bracketed suite trains more cells than its grid lists: the opening count says it
    is the starting grid, and how many suites will add rounds."""
    tuned = SECOND_SUITE.replace('name = "second"', 'name = "tuned"')
    tuned = tuned.replace("[grid]\n", '[grid]\n    "train.lr" = [1e-2, 1e-1]\n', 1)
    tuned += '    [tune]\n    "train.lr" = "bracket"\n'
    suites = [load_suite(write_suite(tuned, "t.toml"))]
    claim_suites.run(tmp_path / "t.sqlite", suites, "serial", 1, progress=False, checks=False)
    first = capsys.readouterr().err.splitlines()[0]
    assert first.startswith("claims: 4 cells to train of 1 suites (1 of the suites bracket")
    assert "these are their starting grids, and later rounds add the rates" in first
