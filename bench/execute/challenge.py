"""``bench challenge``: one activation (a user's own, ``package.module:Name``) added to a suite
and trained against every baseline the store already holds, timed with them in one process,
and reported on its own.

Public:
    DEFAULT_SUITE, DEFAULT_STORE    ``suites/default.toml`` and ``results/bench.sqlite``
    Counts              what a challenge trains and reuses, counted before anything trains
    Challenged          what a challenge did: its suite, counts, run summary, report
    challenger_suite(base, name) -> Suite
                        ``base`` with ``name`` added to its activations, named
                        ``<base name>+<name>``
    count(suite, challenger, store, device="cpu") -> Counts
    default_out(name, base) -> Path
                        ``reports/challenge-<name>.md`` (``-<base suite>`` unless default)
    run(name, base, store=DEFAULT_STORE, out=None, backend="serial", workers=1,
        address=None, device="auto", progress=False, repeats=5, dry_run=False,
        say=print) -> Challenged

A challenge suite is an ordinary suite: its cells are keyed as any other's, so every baseline
cell the store already holds (``make bench`` trains the default suite into the same store)
is reused as it is, and only the challenger's cells and any baseline cell the store lacks
train, through the driver (:func:`bench.execute.driver.run_suite`: a bracketed suite trains
in rounds, :mod:`bench.tune`). Then every activation of the suite, ``relu`` included, is timed
in one process (:func:`bench.speed.measure`, with the suite's depth and widths) and stored
with the suite, as ``bench speed`` does; the activation curves are stored under
:data:`bench.scoring.challenge.GALLERY`. The report is
:func:`bench.report.challenge.build`, from the store alone.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from bench.records import IMPORT_SEP

if TYPE_CHECKING:
    from bench.execute.driver import RunSummary
    from bench.store import Store
    from bench.suite import Suite

__all__ = [
    "DEFAULT_STORE",
    "DEFAULT_SUITE",
    "Challenged",
    "Counts",
    "challenger_suite",
    "count",
    "default_out",
    "run",
]

DEFAULT_SUITE = Path("suites/default.toml")
DEFAULT_STORE = Path("results/bench.sqlite")
_REPORTS = Path("reports")


@dataclass(frozen=True)
class Counts:
    """A challenge's cells before it trains (a bracketed suite's starting rates for
    configurations the store has not judged yet; later rounds may add rates).

    Attributes:
        challenger: the challenger's cells to train.
        challenger_stored: the challenger's cells already stored (an earlier challenge with
            the same source).
        missing: baseline cells the store lacks (they train too).
        reused: baseline cells the store holds (reused as they are).
    """

    challenger: int
    challenger_stored: int
    missing: int
    reused: int

    def line(self, name: str, tuned: bool = False) -> str:
        """One line, as ``bench challenge`` prints it before training (``tuned``: the suite
        brackets its rates, so later rounds may add cells)."""
        stored = f" ({self.challenger_stored:,} stored)" if self.challenger_stored else ""
        later = (
            "; later rounds add rates while a configuration's best one is at an edge"
            if tuned and self.challenger + self.missing
            else ""
        )
        return (
            f"challenger {name}: {self.challenger:,} cells to train{stored}; baselines: "
            f"{self.missing:,} missing cells to train, {self.reused:,} stored cells reused" + later
        )


@dataclass
class Challenged:
    """What :func:`run` did.

    Attributes:
        challenger: the challenger's name (its import path).
        suite: the challenge suite's name in the store.
        store: the store; ``out``: the report (None for a dry run).
        counts: the counts printed before training.
        summary: the driver's summary (None for a dry run): ``done`` cells trained.
        text: the report's Markdown ('' for a dry run).
    """

    challenger: str
    suite: str
    store: Path
    out: Path | None
    counts: Counts
    summary: RunSummary | None = None
    text: str = field(default="", repr=False)


def challenger_suite(base: Suite, name: str) -> Suite:
    """``base`` with the activation ``name`` added to its activations (an axis from then on,
    after the suite's own), named ``<base name>+<name>``; everything else unchanged.

    Raises:
        BenchError: ``name`` is not an activation (a path that cannot be used says why, in
            one line: :class:`bench.custom.SourceError`).
    """
    from bench import activations
    from bench.grid import Grid
    from bench.suite import Suite

    name = activations.canonical(name)  # an import path is loaded and checked here
    grid = base.grid
    fixed = {k: v for k, v in grid.base.items() if k != "activation"}
    axes = dict(grid.axes)
    own = axes.pop("activation", [grid.fixed("activation")])
    axes["activation"] = list(dict.fromkeys([*own, name]))
    new = Grid(fixed, axes, grid.seeds, grid.exclude, grid.seeded)
    others = [a for a in axes["activation"] if a != name]
    description = (
        f"{name} against the {len(others)} activation{'s' if len(others) != 1 else ''} of "
        f"{base.name}" + (f" ({base.description})" if base.description else "")
    )
    return Suite(f"{base.name}+{name}", description, base.seeds, new, base.source, base.tune)


def count(suite: Suite, challenger: str, store: Store, device: str = "cpu") -> Counts:
    """The challenge's cells that train and those reused (:func:`bench.tune.walk`: what a
    run's first round would train)."""
    from bench.tune import walk

    found = walk(suite, store, device)
    todo = {c.key for c in found.todo}
    mine = [c.key in todo for c in found.cells if c.activation == challenger]
    theirs = [c.key in todo for c in found.cells if c.activation != challenger]
    return Counts(sum(mine), len(mine) - sum(mine), sum(theirs), len(theirs) - sum(theirs))


def default_out(name: str, base: str) -> Path:
    """``reports/challenge-<name>.md``: ``<name>`` the challenger's last name, lower case
    (``snake`` for ``examples.snake:Snake``), followed by ``-<base>`` unless the base suite
    is ``default``."""
    short = re.sub(r"[^\w.-]+", "_", name.rpartition(IMPORT_SEP)[2].rpartition(".")[2].lower())
    base = "" if base == "default" else "-" + re.sub(r"[^\w.-]+", "_", base)
    return _REPORTS / f"challenge-{short}{base}.md"


def run(
    name: str,
    base: Suite,
    store: str | Path = DEFAULT_STORE,
    out: str | Path | None = None,
    backend: str = "serial",
    workers: int = 1,
    address: str | None = None,
    device: str = "auto",
    progress: bool = False,
    repeats: int = 5,
    dry_run: bool = False,
    say: Callable[[str], None] = print,
) -> Challenged:
    """Challenge ``base``'s activations with ``name``: count, train what is missing, time,
    report.

    Args:
        name: the challenger (``package.module:Name``, or a registry name).
        base: the suite whose activations are the baselines (validated).
        store: the store of the baselines (and where the challenge's cells go).
        out: the report (default :func:`default_out`).
        backend, workers, address: the executor (:func:`bench.execute.make`).
        device: ``auto``, ``cpu`` or ``cuda``.
        progress: a progress bar while training.
        repeats: interleaved rounds of the timing (:func:`bench.speed.measure`).
        dry_run: count, print and stop: nothing trains, is timed or written.
        say: where the counts and the closing line go.

    Returns:
        A :class:`Challenged`.

    Raises:
        BenchError: a bad challenger (one line), data set or device, before anything
            trains; a failed executor (finished cells stay stored).
        KeyboardInterrupt: after an interrupt (finished cells are stored; rerun to resume).
    """
    from bench import execute
    from bench.report import challenge as report
    from bench.run.env import resolve_device
    from bench.store import Store
    from bench.suite import check_data

    suite = challenger_suite(base, name)
    name = suite.grid.axes["activation"][-1]  # its one spelling
    check_data(suite)
    resolved = resolve_device(device)
    store, out = Path(store), Path(out) if out is not None else default_out(name, base.name)
    if dry_run and not store.exists():
        counts = Counts(sum(c.activation == name for c in suite.cells()), 0, 0, 0)
        counts = replace(counts, missing=len(suite.grid) - counts.challenger)
        say(counts.line(name, base.tune is not None) + f" (no store at {store} yet)")
        return Challenged(name, suite.name, store, None, counts)
    with Store(store, readonly=dry_run) as db:
        counts = count(suite, name, db, resolved)
        say(counts.line(name, base.tune is not None))
        if dry_run:
            return Challenged(name, suite.name, store, None, counts)
        with execute.make(backend, workers, address) as executor:
            summary = execute.run_suite(suite, db, executor, progress=progress, device=resolved)
        if summary.interrupted:
            raise KeyboardInterrupt("interrupted: finished cells are stored; rerun to resume")
        _time(suite, db, resolved, repeats, progress)
    out = report.build(store, out, suite.name, name)
    trained = ", ".join(f"{v} {k}" for k, v in sorted(summary.statuses.items())) or "nothing"
    say(
        f"{suite.name}: {summary.done} cells trained ({trained}), {summary.skipped} already "
        f"stored, of {summary.total}; {summary.wall_time_s:.1f} s on {resolved}; store "
        f"{store}; report {out}"
    )
    return Challenged(name, suite.name, store, out, counts, summary, out.read_text())


def _time(suite: Suite, store: Store, device: str, repeats: int, progress: bool) -> None:
    """Every activation of ``suite`` and ``relu`` timed in one process (the suite's MLP
    depth and widths, one thread, as ``bench speed``), stored with the suite; their curves
    stored for the report's gallery."""
    from bench import speed
    from bench.scoring.challenge import GALLERY
    from bench.scoring.speed import REFERENCE
    from bench.train import environment, utcnow

    grid = suite.grid
    names = list(dict.fromkeys([REFERENCE, *grid.axes["activation"]]))
    widths = sorted(set(grid.axes.get("model.width", [grid.fixed("model.width")])))
    depth = max(grid.axes.get("model.depth", [grid.fixed("model.depth")]))
    threads = 1
    records = speed.measure(
        names, widths, depth, repeats=repeats, device=device, threads=threads, progress=progress
    )
    measured_at = utcnow()
    store.put_timings(suite.name, records, {**environment(device), "threads": threads}, measured_at)
    store.put_check(GALLERY.format(suite=suite.name), speed.curves(names), measured_at)
