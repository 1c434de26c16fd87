"""Executors: where cells train. The driver alone writes the store.

Public:
    BACKENDS                    serial, local, dask
    Executor                    the interface: ``map(cells)`` yields Results as they finish
    SerialExecutor()            in this process, one after another (tests use it)
    LocalExecutor(workers)      joblib/loky processes, one torch thread each
    DaskExecutor(workers, address=None)
                                dask.distributed: a LocalCluster, or ``address`` of a scheduler
    make(backend, workers=1, address=None) -> Executor
    pending(suite, store) -> (all cells, cells not yet stored)
    RunSummary              what a run did: done, skipped, statuses, interrupted, crashed
    run_suite(suite, store, executor, progress=True) -> RunSummary

``run_suite`` skips cells whose key is already stored, writes each Result as it arrives (one
transaction per cell), shows a progress bar with cells done/total and an ETA, and on Ctrl-C
stops cleanly: what finished is saved, and the next run picks up the rest.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from bench import train
from bench.errors import BenchError
from bench.spec import Cell, Result, Suite
from bench.store import Store

BACKENDS = ("serial", "local", "dask")


def _worker(cell: Cell) -> Result:
    """Run one cell in a worker process: one torch thread, so N workers use N cores."""
    import torch

    torch.set_num_threads(1)
    return train.run(cell)


class Executor(Protocol):
    """Runs cells; yields Results in completion order."""

    name: str
    workers: int

    def map(self, cells: Sequence[Cell]) -> Iterator[Result]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Train cells one after another in this process (torch's own thread setting)."""

    name = "serial"
    workers = 1

    def map(self, cells: Sequence[Cell]) -> Iterator[Result]:
        """Yield each cell's Result in order."""
        for cell in cells:
            yield train.run(cell)

    def close(self) -> None:
        """Nothing to release."""


class LocalExecutor:
    """joblib's loky process pool; each worker uses one torch thread."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, cells: Sequence[Cell]) -> Iterator[Result]:
        """Yield Results as workers finish them."""
        from joblib import Parallel, delayed

        parallel = Parallel(
            n_jobs=self.workers, backend="loky", return_as="generator_unordered", batch_size=1
        )
        yield from parallel(delayed(_worker)(c) for c in cells)

    def close(self) -> None:
        """The pool is joblib's and is reused; nothing to release."""


class DaskExecutor:
    """dask.distributed: a LocalCluster, or a running scheduler at ``address``."""

    name = "dask"

    def __init__(self, workers: int, address: str | None = None) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise BenchError(
                "the dask backend needs the dask extra: pip install 'activation-bench[dask]'"
            ) from None
        self.workers = workers
        if address:
            self._client = Client(address)
            self._cluster = None
        else:
            self._cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
            )
            self._client = Client(self._cluster)

    def map(self, cells: Sequence[Cell]) -> Iterator[Result]:
        """Yield Results as the cluster finishes them."""
        from dask.distributed import as_completed

        futures = self._client.map(_worker, list(cells), pure=False)
        for future in as_completed(futures):
            yield future.result()

    def close(self) -> None:
        """Shut the client (and a local cluster) down."""
        self._client.close()
        if self._cluster is not None:
            self._cluster.close()


def make(backend: str, workers: int = 1, address: str | None = None) -> Executor:
    """Build an executor by backend name.

    Raises:
        BenchError: unknown backend (the message lists the valid ones) or workers < 1.
    """
    if workers < 1:
        raise BenchError(f"--workers must be ≥ 1, got {workers}")
    if backend == "serial":
        return SerialExecutor()
    if backend == "local":
        return LocalExecutor(workers)
    if backend == "dask":
        return DaskExecutor(workers, address)
    raise BenchError(f"unknown backend {backend!r}; valid: {', '.join(BACKENDS)}")


@dataclass
class RunSummary:
    """What one ``run_suite`` call did."""

    total: int
    skipped: int
    done: int = 0
    interrupted: bool = False
    crashed: str = ""
    wall_time_s: float = 0.0
    statuses: Counter = field(default_factory=Counter)


def pending(suite: Suite, store: Store) -> tuple[list[Cell], list[Cell]]:
    """Split a suite's cells into (all, not yet stored), in grid order."""
    cells = suite.cells()
    stored = store.keys()
    return cells, [c for c in cells if c.key not in stored]


def run_suite(suite: Suite, store: Store, executor: Executor, progress: bool = True) -> RunSummary:
    """Train every cell of ``suite`` that ``store`` lacks, storing each as it finishes.

    Args:
        suite: the validated suite.
        store: where results go (the only writer is this function).
        executor: where cells train.
        progress: show a tqdm progress bar on stderr.

    Returns:
        A :class:`RunSummary`; ``interrupted`` is True after Ctrl-C.
    """
    from tqdm import tqdm

    cells, todo = pending(suite, store)
    store.register_suite(suite, [c.key for c in cells])
    summary = RunSummary(total=len(cells), skipped=len(cells) - len(todo))
    t0 = time.perf_counter()
    run_id = store.start_run(
        suite, executor.name, executor.workers, len(cells), len(todo), train.utcnow()
    )
    bar = tqdm(
        total=len(todo), unit="cell", disable=not progress, dynamic_ncols=True,
        desc=suite.name, smoothing=0.05,
    )  # fmt: skip
    results = executor.map(todo)
    try:
        for result in results:
            store.put(result)
            summary.done += 1
            summary.statuses[result.status] += 1
            bar.set_postfix_str(
                " ".join(f"{k}={v}" for k, v in sorted(summary.statuses.items())), refresh=False
            )
            bar.update()
    except KeyboardInterrupt:
        summary.interrupted = True
    except Exception as exc:  # a worker died, a result could not travel back, …
        summary.crashed = f"{type(exc).__name__}: {exc}"
        raise BenchError(
            f"the {executor.name} executor failed after {summary.done} cells "
            f"({summary.crashed}); finished cells are saved, rerun to resume"
        ) from exc
    finally:
        close = getattr(results, "close", None)
        if close:
            close()
        bar.close()
        executor.close()
        summary.wall_time_s = time.perf_counter() - t0
        status = "crashed" if summary.crashed else "finished"
        status = "interrupted" if summary.interrupted else status
        store.finish_run(run_id, summary.done, status, train.utcnow(), summary.wall_time_s)
    return summary
