"""The driver: a suite's missing cells, planned into units, trained by an executor, stored.
The driver alone writes the store.

Public:
    LEASE_S                     how long a run's claim on its cells lasts unless renewed
    MAX_MEMBERS                 default cap on the cells one batch trains at once
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
                                ``retry_failed`` trains the suite's failed cells again;
                                a tuned suite trains in rounds: :mod:`bench.tune`)

A *unit* is a list of cells that train in one call of :func:`bench.run.loop.train`: cells
that differ only in seed, initializer, optimizer numbers and split seed form batches of up
to ``max_members`` stacked networks; a cell that cannot batch is a unit of its own.
``run_suite`` skips cells whose key is already stored, writes each Result as its unit
finishes (one transaction per cell, which also counts it in the run log), shows a progress
bar in cells with an ETA, and on Ctrl-C stops cleanly: what finished is saved, the run log
and the summary count exactly the rows this run stored, and the next run picks up the rest.
A suite with a ``[tune]`` table trains in rounds: plan → train → ask :func:`bench.tune.walk`
which rates its configurations still need → … until none; the rates a bracket added are
ordinary cells, registered with the suite after its grid. It never closes the executor it
is given: whoever made the executor closes it, so one
executor can run many suites (``bench claims run``).

A worker computes each cell's key with its own package versions, its own copy of a
``csv:`` table and of an import-path activation's module; a result whose key is not the one
the driver computes is stored as ``failed`` under the driver's key, with the reason, never as
the planned cell's result.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bench.errors import BenchError
from bench.records import SCHEMA_VERSION, Cell, Result, utcnow
from bench.run.plan import MAX_MEMBERS, Plan, plan
from bench.store import NO_MIGRATION, Store, claim_owner
from bench.tune import walk

if TYPE_CHECKING:
    from bench.execute.backends import Executor
    from bench.suite import Suite

__all__ = ["LEASE_S", "MAX_MEMBERS", "Plan", "RunSummary", "pending", "plan", "run_suite"]

LEASE_S = 120.0  # a run's claim on its cells lapses this long after the run stops renewing


def _stamped(result: Result) -> Result:
    """The result under the key the driver computes for its cell (see the module's note)."""
    key = result.cell.key
    if result.key == key:
        return result
    said = (result.error or "").strip().splitlines()[:1] if result.status == "failed" else []
    return Result(
        key,
        result.cell,
        "failed",
        error=f"the worker keyed this cell {result.key}, the driver {key}: the worker runs "
        "other versions or sees another copy of the data file or of the activation's module "
        "(or cannot import it: PYTHONPATH); fix the worker, then bench run --retry failed "
        "trains it again" + "".join(f" (the worker: {line})" for line in said),
        env=result.env,
        started_at=result.started_at,
        finished_at=result.finished_at,
    )


def _other_schemas_note(other: dict[int, int]) -> str:
    """One line on the rows a store holds from harnesses of other schema versions."""
    versions = ", ".join(f"{n} of schema {v}" for v, n in other.items())
    return (
        f"note: the store holds {sum(other.values())} result(s) of another harness ({versions}; "
        f"this one writes schema {SCHEMA_VERSION}): they are never reused, and there is no "
        f"migration: {NO_MIGRATION}"
    )


class _Heartbeat:
    """Renews a run's leases from a thread of its own (with its own connection)."""

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
        """Stop renewing (the leases then lapse, or are released by the caller)."""
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

    A tuned suite (``[tune]``, :mod:`bench.tune`) trains in rounds: after each, the walk
    reads the store and returns the rates its configurations still need (one round for all
    of them), until none is left. An untuned suite is one round.

    Args:
        suite: the validated suite.
        store: where results go (the only writer is this function).
        executor: where units train; left open (its maker closes it).
        progress: show a tqdm progress bar on stderr (and the fallback note).
        device: ``cpu`` or ``cuda`` (already resolved), part of every cell's key.
        batched: train batchable cells as stacked batches (``--no-batch`` turns it off).
        max_members: the most cells one batch trains at once.
        lease_s: how long a lease on a cell lasts unless renewed (a heartbeat renews it
            every quarter of that while this run lives); cells leased by another live run
            are left to it.
        retry_failed: first move the suite's ``failed`` rows to the store's history table,
            so that their cells train again (``diverged`` rows are results and stay).

    Returns:
        A :class:`RunSummary` (``total``: the cells the suite holds at the end, the rates
        a bracket added included); ``interrupted`` is True after Ctrl-C.

    Raises:
        BenchError: the executor failed (finished cells are saved; a rerun resumes).
    """
    import sys

    retried = 0
    if retry_failed:
        keys = [c.key for c in walk(suite, store, device).cells]
        retried = store.retire_failed(keys, utcnow())
    before = store.keys()
    found = walk(suite, store, device)
    owner = claim_owner()
    heartbeat = _Heartbeat(store.path, owner, lease_s)
    if other := store.other_schemas():
        print(_other_schemas_note(other), file=sys.stderr)
    summary = RunSummary(total=len(found.cells), skipped=0, retried=retried)
    t0 = time.perf_counter()
    run_id = store.start_run(
        suite, executor.name, executor.workers, len(found.cells), len(found.todo), utcnow()
    )
    rounds = 0
    try:
        while True:
            rule = suite.tune.record(found.start) if suite.tune is not None else None
            store.register_suite(suite, [c.key for c in found.cells], rule)
            held = store.claim([c.key for c in found.todo], owner, lease_s)
            summary.elsewhere = len(found.todo) - len(held)
            todo = [c for c in found.todo if c.key in held]
            if not todo:
                break
            rounds += 1
            name = f"{suite.name} (round {rounds})" if suite.tune is not None else suite.name
            _train(name, todo, store, executor, run_id, summary, progress, batched, max_members)
            if summary.interrupted or suite.tune is None:
                break
            found = walk(suite, store, device)
    finally:
        heartbeat.stop()
        store.release(owner)
        summary.wall_time_s = time.perf_counter() - t0
        status = "crashed" if summary.crashed else "finished"
        status = "interrupted" if summary.interrupted else status
        summary.done = store.run_done(run_id)  # counted with each row: whatever the moment
        store.finish_run(run_id, summary.done, status, utcnow(), summary.wall_time_s)
    summary.total = len(found.cells)
    summary.skipped = sum(c.key in before for c in found.cells)
    return summary


def _train(
    name: str,
    todo: list[Cell],
    store: Store,
    executor: Executor,
    run_id: int,
    summary: RunSummary,
    progress: bool,
    batched: bool,
    max_members: int,
) -> None:
    """One round: ``todo`` planned into units, trained by ``executor``, each result stored
    as its unit finishes and counted in ``summary`` (``interrupted`` after Ctrl-C)."""
    import sys

    from tqdm import tqdm

    work = plan(todo, batched, max_members)
    if work.note() and progress:
        print(work.note(), file=sys.stderr)
    bar = tqdm(
        total=len(todo),
        unit="cell",
        disable=not progress,
        dynamic_ncols=True,
        desc=name,
        smoothing=0.05,
    )
    results = executor.map(work.units)
    storing: Result | None = None  # the result being written when an interrupt comes
    done = store.run_done(run_id)
    try:
        for unit_results in results:
            for result in unit_results:
                storing = _stamped(result)
                if store.put(storing, run_id):
                    done += 1
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
            f"the {executor.name} executor failed after {store.run_done(run_id)} cells "
            f"({summary.crashed}); finished cells are saved, rerun to resume"
        ) from exc
    finally:
        close = getattr(results, "close", None)
        if close:
            close()  # the generator's own clean-up (dask: cancel what is out)
        bar.close()
        if storing is not None and store.run_done(run_id) > done:  # written, then interrupted
            summary.statuses[storing.status] += 1
