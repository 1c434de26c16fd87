"""The running side: where cells train (backends), the driver that stores them, and the
running of the claim suites.

Modules:
    backends    Executor, SerialExecutor, LocalExecutor, DaskExecutor, make, versions
    driver      pending, plan, RunSummary, run_suite (the only writer of results)
    claims      ``bench claims run``: every claim suite, the C16 timing and the exact checks
                (imported on its own: ``from bench.execute import claims``)

Public (re-exported from ``backends`` and ``driver``):
    BACKENDS, DASK_RETRIES, Executor, SerialExecutor, LocalExecutor, DaskExecutor,
    make(backend, workers=1, address=None), versions()
    LEASE_S, MAX_MEMBERS, Plan, plan(...), pending(...), RunSummary, run_suite(...)

Whoever makes an executor closes it (``with execute.make(...) as ex:``); ``run_suite`` never
closes the executor it is given.
"""

from bench.execute.backends import (
    BACKENDS,
    DASK_RETRIES,
    DaskExecutor,
    Executor,
    LocalExecutor,
    SerialExecutor,
    make,
    versions,
)
from bench.execute.driver import (
    LEASE_S,
    MAX_MEMBERS,
    Plan,
    RunSummary,
    pending,
    plan,
    run_suite,
)

__all__ = [
    "BACKENDS",
    "DASK_RETRIES",
    "LEASE_S",
    "MAX_MEMBERS",
    "DaskExecutor",
    "Executor",
    "LocalExecutor",
    "Plan",
    "RunSummary",
    "SerialExecutor",
    "make",
    "pending",
    "plan",
    "run_suite",
    "versions",
]
