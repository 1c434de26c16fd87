"""A dask worker killed while it trains a cell: the cell is retried once, then ``failed``.

The worker processes are real (a LocalCluster, as ``bench run --backend dask`` starts
one); a worker plugin, which the scheduler installs again in every restarted worker, makes
chosen cells kill their worker process with ``os._exit`` a set number of times, counted in
files so that the count survives the deaths.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("dask.distributed")

from distributed import WorkerPlugin

from bench import execute
from bench.cli import main
from bench.store import Store

SUITE = """
    dataset = "wine"
    [suite]
    name = "deaths"
    seeds = [0]
    [grid]
    activation = ["relu", "tanh", "selu", "elu"]
    init = ["matched"]
    [model]
    depth = 2
    width = 8
    [train]
    epochs = 2
    batch_size = 32
"""


class DieWhileTraining(WorkerPlugin):
    """In each worker process: a unit holding a cell of activation ``a`` kills the process
    (as SIGKILL would: no clean-up, no reply) while the deaths logged for ``a`` in
    ``log_dir`` are fewer than ``deaths[a]``."""

    def __init__(self, log_dir: str, deaths: dict[str, int]) -> None:
        self.log_dir, self.deaths = log_dir, deaths

    def setup(self, worker) -> None:
        from bench.run import loop  # the training loop every backend calls, in this worker

        train = getattr(loop, "unpatched_train", loop.train)
        log_dir, deaths = Path(self.log_dir), self.deaths

        def dying(unit, *args, **kwargs):
            for cell in unit:
                log = log_dir / cell.activation
                died = len(log.read_text()) if log.exists() else 0
                if died < deaths.get(cell.activation, 0):
                    with log.open("a") as f:
                        f.write("x")
                    os._exit(1)
            return train(unit, *args, **kwargs)

        loop.unpatched_train = train
        loop.train = dying


def test_a_killed_worker_s_cell_is_retried_once_then_stored_as_failed(
    write_suite, tmp_path, monkeypatch
):
    suite, store = write_suite(SUITE), tmp_path / "d.sqlite"
    logs = tmp_path / "deaths"
    logs.mkdir()
    ex = execute.DaskExecutor(1)  # LocalCluster(n_workers=1, threads_per_worker=1, processes)
    ex.client.register_plugin(DieWhileTraining(str(logs), {"relu": 1, "tanh": 9}), name="die")
    monkeypatch.setattr(execute, "make", lambda *args, **kwargs: ex)  # the run closes it

    assert (
        main(["run", str(suite), "--store", str(store), "--no-progress", "--backend", "dask"]) == 0
    )

    assert (logs / "relu").read_text() == "x"  # died once, then trained on the retry
    assert (logs / "tanh").read_text() == "xx"  # died on the retry too: not tried again
    assert not (logs / "selu").exists() and not (logs / "elu").exists()
    with Store(store, readonly=True) as s:
        by_act = {r.cell.activation: r for r in s.results("deaths")}
        runs = s.runs()
        n_rows = len(s.results())
    assert n_rows == 4 and sorted(by_act) == ["elu", "relu", "selu", "tanh"]
    for act in ("relu", "selu", "elu"):
        assert by_act[act].status == "ok" and by_act[act].metrics["epochs_run"] == 2, act
    failed = by_act["tanh"]
    assert failed.status == "failed" and failed.metrics == {}
    assert failed.error.startswith("the dask worker died twice while training this cell")
    assert "KilledWorker" in failed.error
    assert [(r["status"], r["cells_done"]) for r in runs] == [("finished", 4)]
