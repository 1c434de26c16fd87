"""Executors: where cells train, alone or batched. The driver alone writes the store.

Public:
    BACKENDS                    serial, local, dask
    MAX_MEMBERS                 default cap on the cells one batch trains at once
    Executor                    the interface: ``map(units)`` yields each unit's Results
    SerialExecutor()            in this process, one unit after another (tests use it)
    LocalExecutor(workers)      joblib/loky processes, one torch thread each
    DaskExecutor(workers, address=None)
                                dask.distributed: a LocalCluster, or ``address`` of a scheduler
                                (a unit whose worker dies is retried once, then ``failed``)
    make(backend, workers=1, address=None) -> Executor
    versions() -> dict          torch, harness and schema versions a worker must share
    plan(cells, batched=True, max_members=MAX_MEMBERS) -> Plan
                                group cells into units of work (batches, or single cells);
                                from :mod:`bench.run.plan`
    pending(suite, stored, device="cpu") -> (all cells, cells whose key is not in stored)
    RunSummary                  what a run did: done, skipped, retried, statuses, interrupted,
                                crashed
    run_suite(suite, store, executor, progress=True, device="cpu", batched=True,
              max_members=MAX_MEMBERS, lease_s=LEASE_S, retry_failed=False) -> RunSummary
                                (cells are claimed first: two runs never train one cell;
                                rows of another schema version are noted, never reused;
                                ``retry_failed`` trains the suite's failed cells again)

A *unit* is a list of cells that train in one call of :func:`bench.run.loop.train`: cells
that differ only in seed, initializer and optimizer numbers form batches of up to
``max_members`` stacked networks; a cell that cannot batch is a unit of its own.
``run_suite`` skips cells whose key is already stored, writes each Result as its unit
finishes (one transaction per cell, which also counts it in the run log), shows a progress
bar in cells with an ETA, and on Ctrl-C stops cleanly: what finished is saved, the run log
and the summary count exactly the rows this run stored, and the next run picks up the rest.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from bench.errors import BenchError
from bench.records import SCHEMA_VERSION, Cell, Result, utcnow
from bench.run.plan import MAX_MEMBERS, Plan, plan
from bench.store import NO_MIGRATION, Store, claim_owner

if TYPE_CHECKING:
    from bench.suite import Suite

__all__ = [
    "BACKENDS", "DASK_RETRIES", "LEASE_S", "MAX_MEMBERS", "DaskExecutor", "Executor",
    "LocalExecutor", "Plan", "RunSummary", "SerialExecutor", "make", "pending", "plan",
    "run_suite", "versions",
]  # fmt: skip

BACKENDS = ("serial", "local", "dask")
LEASE_S = 120.0  # a run's claim on its cells lapses this long after the run stops renewing
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
    """Runs units of cells; yields each unit's Results in completion order."""

    name: str
    workers: int

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]: ...

    def close(self) -> None: ...


class SerialExecutor:
    """Train units one after another in this process (torch's own thread setting)."""

    name = "serial"
    workers = 1

    def map(self, units: Sequence[list[Cell]]) -> Iterator[list[Result]]:
        """Yield each unit's Results in order."""
        for unit in units:
            yield _train(unit, self.name)

    def close(self) -> None:
        """Nothing to release."""


class LocalExecutor:
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


class DaskExecutor:
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
    """

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
            try:
                self._check_workers()
            except BenchError:
                self._client.close()
                raise
        else:
            self._cluster = LocalCluster(
                n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                scheduler_kwargs={"allowed_failures": DASK_RETRIES},
            )  # fmt: skip
            self._client = Client(self._cluster)

    def _check_workers(self) -> None:
        threads = self._client.nthreads()
        many = {w: n for w, n in threads.items() if n != 1}
        if many:
            shown = ", ".join(f"{w} ({n} threads)" for w, n in sorted(many.items()))
            raise BenchError(
                f"dask workers must run one thread each (start them with --nthreads 1): "
                f"torch's random state is per process, so cells sharing one would race; "
                f"found {shown}"
            )
        mine = versions()
        theirs = self._client.run(versions)
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
            slots = max(1, sum(self._client.nthreads().values()))
            while waiting and len(out) < slots:
                unit = waiting.pop()
                future = self._client.submit(_worker, unit, self.name, pure=False)
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
                self._client.cancel([f for f, _ in out.values()])

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


def _stamped(result: Result) -> Result:
    """The result under the key the driver computes for its cell.

    A worker computes keys with its own package versions and its own copy of a ``csv:``
    table; where its key differs from the driver's, the worker trained something else than
    the driver planned: the result is stored as ``failed`` under the driver's key (so the
    cell is not rerun forever) with the reason, never as the planned cell's result.
    """
    key = result.cell.key
    if result.key == key:
        return result
    return Result(
        key, result.cell, "failed",
        error=f"the worker keyed this cell {result.key}, the driver {key}: the worker runs "
        "other versions or sees another copy of the data file; fix the worker, then "
        "bench run --retry failed trains it again",
        env=result.env, started_at=result.started_at, finished_at=result.finished_at,
    )  # fmt: skip


def _other_schemas_note(other: dict[int, int]) -> str:
    """One line on the rows a store holds from harnesses of other schema versions."""
    versions = ", ".join(f"{n} of schema {v}" for v, n in other.items())
    return (
        f"note: the store holds {sum(other.values())} result(s) of another harness ({versions}; "
        f"this one writes schema {SCHEMA_VERSION}): they are never reused, and there is no "
        f"migration: {NO_MIGRATION}"
    )


class _Heartbeat:
    """Renews a run's claims from a thread of its own (with its own connection)."""

    def __init__(self, path, owner: str, lease_s: float) -> None:
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._beat, args=(path, owner, lease_s), daemon=True, name="bench-lease"
        )
        self._thread.start()

    def _beat(self, path, owner: str, lease_s: float) -> None:
        with Store(path) as store:
            while not self._stop.wait(lease_s / 4):
                store.renew(owner, lease_s)

    def stop(self) -> None:
        """Stop renewing (the claims then lapse, or are released by the caller)."""
        self._stop.set()
        self._thread.join(timeout=5)


@dataclass
class RunSummary:
    """What one ``run_suite`` call did (``elsewhere``: cells another live run holds;
    ``retried``: failed cells moved to the history table to train again; ``done``: rows
    this run stored, counted by the store)."""

    total: int
    skipped: int
    elsewhere: int = 0
    retried: int = 0
    done: int = 0
    interrupted: bool = False
    crashed: str = ""
    wall_time_s: float = 0.0
    statuses: Counter = field(default_factory=Counter)


def pending(suite: Suite, stored: set[str], device: str = "cpu") -> tuple[list[Cell], list[Cell]]:
    """Split a suite's cells, placed on ``device``, into (all, not in ``stored``, a store's
    keys), grid order."""
    cells = [replace(c, device=device) for c in suite.cells()]
    return cells, [c for c in cells if c.key not in stored]


def run_suite(
    suite: Suite,
    store: Store,
    executor: Executor,
    progress: bool = True,
    device: str = "cpu",
    batched: bool = True,
    max_members: int = MAX_MEMBERS,
    lease_s: float = LEASE_S,
    retry_failed: bool = False,
) -> RunSummary:
    """Train every cell of ``suite`` that ``store`` lacks, storing each as it finishes.

    Args:
        suite: the validated suite.
        store: where results go (the only writer is this function).
        executor: where units train.
        progress: show a tqdm progress bar on stderr (and the fallback note).
        device: ``cpu`` or ``cuda`` (already resolved), part of every cell's key.
        batched: train batchable cells as stacked batches (``--no-batch`` turns it off).
        max_members: the most cells one batch trains at once.
        lease_s: how long a claim on a cell lasts unless renewed (a heartbeat renews it
            every quarter of that while this run lives); cells claimed by another live run
            are left to it.
        retry_failed: first move the suite's ``failed`` rows to the store's history table,
            so that their cells train again (``diverged`` rows are results and stay).

    Returns:
        A :class:`RunSummary`; ``interrupted`` is True after Ctrl-C.
    """
    import sys

    from tqdm import tqdm

    retried = 0
    if retry_failed:
        keys = [replace(c, device=device).key for c in suite.cells()]
        retried = store.retire_failed(keys, utcnow())
    cells, todo = pending(suite, store.keys(), device)
    owner = claim_owner()
    held = store.claim([c.key for c in todo], owner, lease_s)
    elsewhere = len(todo) - len(held)
    todo = [c for c in todo if c.key in held]
    heartbeat = _Heartbeat(store.path, owner, lease_s)
    work = plan(todo, batched, max_members)
    if work.note() and progress:
        print(work.note(), file=sys.stderr)
    if other := store.other_schemas():
        print(_other_schemas_note(other), file=sys.stderr)
    store.register_suite(suite, [c.key for c in cells])
    summary = RunSummary(
        total=len(cells), skipped=len(cells) - len(todo) - elsewhere, elsewhere=elsewhere,
        retried=retried,
    )  # fmt: skip
    t0 = time.perf_counter()
    run_id = store.start_run(
        suite, executor.name, executor.workers, len(cells), len(todo), utcnow()
    )
    bar = tqdm(
        total=len(todo), unit="cell", disable=not progress or not todo, dynamic_ncols=True,
        desc=suite.name, smoothing=0.05,
    )  # fmt: skip
    results = executor.map(work.units)
    storing: Result | None = None  # the result being written when an interrupt comes
    try:
        for unit_results in results:
            for result in unit_results:
                storing = _stamped(result)
                if store.put(storing, run_id):
                    summary.done += 1
                    summary.statuses[storing.status] += 1
                storing = None
            bar.set_postfix_str(
                " ".join(f"{k}={v}" for k, v in sorted(summary.statuses.items())), refresh=False
            )
            bar.update(len(unit_results))
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
        heartbeat.stop()
        store.release(owner)
        bar.close()
        executor.close()
        summary.wall_time_s = time.perf_counter() - t0
        status = "crashed" if summary.crashed else "finished"
        status = "interrupted" if summary.interrupted else status
        stored = store.run_done(run_id)  # counted with each row: whatever the interrupt's moment
        if storing is not None and stored > summary.done:  # written, then interrupted
            summary.statuses[storing.status] += 1
        summary.done = stored
        store.finish_run(run_id, stored, status, utcnow(), summary.wall_time_s)
    return summary
