"""Backends: where units of cells train, in this process, in local processes or on dask.

Public:
    BACKENDS                    serial, local, dask
    DASK_RETRIES                how often a unit whose dask worker died is tried again
    Executor                    the interface: ``map(units)`` yields each unit's Results;
                                a context manager (``with make(...) as ex:`` closes it)
    SerialExecutor()            in this process, one unit after another (tests use it)
    LocalExecutor(workers)      joblib/loky processes, one torch thread each
    DaskExecutor(workers, address=None, processes=True)
                                dask.distributed: a LocalCluster, or ``address`` of a scheduler
                                (a unit whose worker dies is retried once, then ``failed``)
    make(backend, workers=1, address=None) -> Executor
    versions() -> dict          torch, harness and schema versions a worker must share

Whoever makes an executor closes it (``with``); the driver (:mod:`bench.execute.driver`)
only maps units through the executor it is given, so one executor can serve many suites.
Every backend trains a unit with :func:`bench.run.loop.train`, looked up when the unit
trains (so a test may replace it in the process that trains).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Protocol

from bench.errors import BenchError
from bench.records import SCHEMA_VERSION, Cell, Result, utcnow

__all__ = [
    "BACKENDS",
    "DASK_RETRIES",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "SerialExecutor",
    "make",
    "versions",
]

BACKENDS = ("serial", "local", "dask")
# A dask worker that dies while training a unit: the unit is retried this many times on
# a fresh worker, then its cells are stored as ``failed`` (the scheduler's allowed-failures).
DASK_RETRIES = 1


def _train(unit: list[Cell], executor: str) -> list[Result]:
    from bench.run import loop  # torch is imported by the worker, not by the driver's readers

    return loop.train(unit, unit[0].device, executor=executor)


def _worker(unit: list[Cell], executor: str) -> list[Result]:
    """Run one unit in a worker process: one torch thread, so N workers use N cores."""
    import torch

    torch.set_num_threads(1)
    return _train(unit, executor)


class Executor(Protocol):
    """Runs units of cells; yields each unit's Results in completion order.

    A context manager: leaving the ``with`` block closes it. The backends below inherit
    ``__enter__`` and ``__exit__`` from here.
    """

    name: str
    workers: int

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]: ...

    def close(self) -> None: ...

    def __enter__(self) -> Executor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SerialExecutor(Executor):
    """Train units one after another in this process (torch's own thread setting)."""

    name = "serial"
    workers = 1

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]:
        """Yield each unit's Results in order."""
        for unit in units:
            yield _train(unit, self.name)

    def close(self) -> None:
        """Nothing to release."""


class LocalExecutor(Executor):
    """joblib's loky process pool; each worker uses one torch thread."""

    name = "local"

    def __init__(self, workers: int) -> None:
        self.workers = workers

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]:
        """Yield each unit's Results as workers finish them."""
        import warnings

        from joblib import Parallel, delayed

        # loky's leak guard retires a grown worker after its task; nothing is lost
        warnings.filterwarnings("ignore", "A worker stopped while some jobs", UserWarning)
        parallel = Parallel(
            n_jobs=self.workers, backend="loky", return_as="generator_unordered", batch_size=1
        )
        yield from parallel(delayed(_worker)(u, self.name) for u in units)

    def close(self) -> None:
        """The pool is joblib's and is reused; nothing to release."""


def versions() -> dict[str, str]:
    """What must match between the driver and a worker: torch, the harness, the schema."""
    import torch

    from bench.version import __version__

    return {"torch": torch.__version__, "harness": __version__, "schema": str(SCHEMA_VERSION)}


class DaskExecutor(Executor):
    """dask.distributed: a LocalCluster, or a running scheduler at ``address``.

    On a cluster, every worker must run one thread (``dask worker --nthreads 1``): torch's
    random state and thread count belong to the process, so two cells sharing a worker
    process would race on them. Workers must also run the driver's torch, harness and
    schema versions. Both are checked when the executor starts, before anything trains.

    A worker process that dies while training a unit (killed, out of memory, a crash in
    native code) does not stop the run: the scheduler retries the unit on a fresh worker
    :data:`DASK_RETRIES` times (the LocalCluster is started so; a cluster of your own uses
    its scheduler's ``distributed.scheduler.allowed-failures``), then its cells are stored as
    ``failed`` with the reason. Units are handed out one per worker thread at a time, so a
    dying worker holds only the unit it trains and no queued unit is blamed with it.

    Args:
        workers: the LocalCluster's worker processes (ignored with ``address``).
        address: a running scheduler's address; None starts a LocalCluster.
        processes: the LocalCluster's workers are processes (True) or threads of this
            process (False: one worker only, since torch's state is per process; tests).

    Attributes:
        client: the ``dask.distributed.Client`` (to register a worker plugin, say).
    """

    name = "dask"

    def __init__(self, workers: int, address: str | None = None, processes: bool = True) -> None:
        try:
            from dask.distributed import Client, LocalCluster
        except ImportError:
            raise BenchError(
                "the dask backend needs the dask extra: pip install 'activation-bench[dask]'"
            ) from None
        if not processes and workers != 1 and not address:
            raise BenchError(f"a dask cluster of threads runs one worker, got {workers}")
        self.workers = workers
        if address:
            self.client = Client(address)
            self._cluster = None
            try:
                self._check_workers()
            except BenchError:
                self.client.close()
                raise
        else:
            self._cluster = LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=processes,
                dashboard_address=None,
                scheduler_kwargs={"allowed_failures": DASK_RETRIES},
            )
            self.client = Client(self._cluster)

    def _check_workers(self) -> None:
        threads = self.client.nthreads()
        many = {w: n for w, n in threads.items() if n != 1}
        if many:
            shown = ", ".join(f"{w} ({n} threads)" for w, n in sorted(many.items()))
            raise BenchError(
                f"dask workers must run one thread each (start them with --nthreads 1): "
                f"torch's random state is per process, so cells sharing one would race; "
                f"found {shown}"
            )
        mine = versions()
        theirs = self.client.run(versions)
        wrong = {w: v for w, v in theirs.items() if v != mine}
        if wrong:
            shown = "; ".join(f"{w}: {v}" for w, v in sorted(wrong.items()))
            raise BenchError(
                f"dask workers run other versions than this driver ({mine}): {shown}; "
                "install the same torch and harness on every worker"
            )

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]:
        """Yield each unit's Results as the cluster finishes them.

        At most one unit per worker thread is out at a time (the next goes out as one
        finishes), so a worker that dies takes down only the unit it was training. A unit
        whose workers died more often than the scheduler allows (``KilledWorker``) yields
        ``failed`` Results with the reason. On Ctrl-C (or any stop), what is out is cancelled.
        """
        from dask.distributed import as_completed
        from distributed.scheduler import KilledWorker

        waiting = list(units)[::-1]
        out: dict = {}  # future key -> (future, unit)
        finished = as_completed()

        def hand_out() -> None:
            slots = max(1, sum(self.client.nthreads().values()))
            while waiting and len(out) < slots:
                unit = waiting.pop()
                future = self.client.submit(_worker, unit, self.name, pure=False)
                out[future.key] = (future, unit)
                finished.add(future)

        try:
            hand_out()
            for future in finished:
                _, unit = out.pop(future.key)
                try:
                    results = future.result()
                except KilledWorker as exc:
                    results = _killed(unit, exc)
                hand_out()
                yield results
        finally:
            if out:
                self.client.cancel([f for f, _ in out.values()])

    def close(self) -> None:
        """Shut the client (and a local cluster) down."""
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()


def make(backend: str, workers: int = 1, address: str | None = None) -> Executor:
    """Build an executor by backend name; the caller closes it (``with make(...) as ex:``).

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


def _killed(unit: list[Cell], exc: Exception) -> list[Result]:
    """``failed`` Results for a unit whose dask workers kept dying while training it."""
    tries = getattr(exc, "allowed_failures", DASK_RETRIES) + 1
    times = {1: "once", 2: "twice"}.get(tries, f"{tries} times")
    worker = getattr(getattr(exc, "last_worker", None), "address", "?")
    now = utcnow()
    error = (
        f"the dask worker died {times} while training this cell (KilledWorker: last on "
        f"{worker}; killed, out of memory, or a crash in native code? see the worker's log); "
        "bench run --retry failed trains it again"
    )
    return [Result(c.key, c, "failed", error=error, started_at=now, finished_at=now) for c in unit]
