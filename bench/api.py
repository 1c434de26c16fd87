"""The notebook API: run a suite, rank it, read its report and figures, from Python.

Public (also as ``bench.run``, ``bench.report``, ``bench.figures``, ``bench.ranking``,
``bench.challenge``):
    run(suite, store=None, backend="serial", workers=1, progress=False, device="auto",
        address=None, series=False) -> pandas.DataFrame
                        train what the store lacks; the suite's rows (``Store.frame``)
    challenge(activation, suite="suites/default.toml", store="results/bench.sqlite",
              out=None, ...) -> Challenged
                        one activation against every baseline of a suite, trained where
                        the store lacks it, timed, reported (``bench challenge``)
    report(store, suite=None, out=None) -> str
                        the Markdown report (with ``out``: also written there, with its
                        figures and CSV, exactly as ``bench report``)
    figures(store, suite=None) -> dict[str, matplotlib.figure.Figure]
                        the report's figures, by name, drawn but not written
    ranking(frame, metric="test_acc") -> pandas.DataFrame
                        activations ranked, with the report's statistics (``bench quick``)
    as_suite(suite, source=None) -> Suite
                        a path, TOML text, a dict in the TOML layout or a Suite, validated
    quick_suite(activations, datasets=("digits",), seeds=5, ...) -> dict
                        the suite ``bench quick`` builds from its flags (TOML layout;
                        :mod:`bench.quick`, with ``parse_quick`` and ``to_toml``)

A suite may be given as the path of a TOML file, as TOML text, as a parsed
:class:`bench.suite.Suite`, or as a plain dict in the TOML file's layout (``{"dataset":
"wine", "grid": {"activation": ["relu", "elu"]}, "model": {"depth": 2}}``); a dict goes
through the same :func:`bench.suite.parse_suite` as a file, so a bad one raises the same
:class:`bench.errors.SuiteError` message (the file is called ``<dict>``). A dict without
``suite.name`` is named ``notebook-<8 hex digits>``, a hash of the dict (the same dict,
the same name).

``bench.run`` and ``bench.report`` are also the names of a subpackage (the training loop) and
of a module (the report builder). Both stay importable as before
(``from bench.run import loop``, ``from bench import report; report.build(…)``); calling
them calls the functions here. ``import bench`` stays cheap: nothing here imports torch,
pandas or matplotlib until a function is called.
"""

from __future__ import annotations

import contextlib
import sys
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError
from bench.quick import parse_quick, quick_suite, to_toml

__all__ = [
    "as_suite",
    "challenge",
    "figures",
    "install",
    "parse_quick",
    "quick_suite",
    "ranking",
    "report",
    "run",
    "to_toml",
]

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from bench.execute.challenge import Challenged
    from bench.suite import Suite

RESULTS_DIR = Path("results")
DICT_SOURCE = "<dict>"  # how a suite given as a dict is named in error messages
DICT_NAME = "notebook"  # a dict suite that gives no name is named notebook-<hash>


# --- suites -------------------------------------------------------------------------------


def as_suite(suite: Any, source: str | None = None) -> Suite:
    """A validated :class:`~bench.suite.Suite` from a path, TOML text, a dict or a Suite.

    Args:
        suite: a ``Suite`` (returned as is), a path (``str`` or ``PathLike``) of a TOML
            suite file, TOML text (a ``str`` with a line break), or a dict in the layout of
            a TOML suite file.
        source: how a dict or TOML text is named in error messages (default ``<dict>``,
            ``<toml>``).

    A dict's activations may be classes or functions as well as names: each becomes its
    import path, ``module:qualname`` (:func:`bench.custom.path_of`; one defined in
    ``__main__``, a notebook cell or a function, or a lambda, is refused).

    Raises:
        SuiteError: the suite is invalid (the message names the field).
        BenchError: the file is missing or not TOML.
        TypeError: ``suite`` is none of the above.
    """
    from bench import suite as spec

    if isinstance(suite, spec.Suite):
        return suite
    if isinstance(suite, str) and "\n" in suite:
        import tomllib

        try:
            doc = tomllib.loads(suite)
        except tomllib.TOMLDecodeError as exc:
            raise BenchError(f"{source or '<toml>'}: not valid TOML: {exc}") from None
        return spec.parse_suite(_named(doc), source or "<toml>")
    if isinstance(suite, str | Path) or hasattr(suite, "__fspath__"):
        return spec.load_suite(suite)
    if isinstance(suite, Mapping):
        from bench.custom import with_paths

        doc = with_paths(suite, source or DICT_SOURCE)  # activation objects → import paths
        return spec.parse_suite(_named(doc), source or DICT_SOURCE)
    raise TypeError(
        f"expected a suite file's path, TOML text, a dict in the TOML layout or a Suite, "
        f"got {type(suite).__name__}"
    )


def _named(doc: dict[str, Any]) -> dict[str, Any]:
    """``doc`` with ``suite.name`` = ``notebook-<hash of doc>`` when it gives none: the same
    dict gets the same name (a rerun resumes it), two dicts never replace each other's grid
    in a shared store."""
    import hashlib
    import json

    meta = doc.get("suite", {})
    if isinstance(meta, Mapping) and "name" not in meta:
        digest = hashlib.sha256(json.dumps(doc, sort_keys=True, default=repr).encode())
        doc = {**doc, "suite": {**meta, "name": f"{DICT_NAME}-{digest.hexdigest()[:8]}"}}
    return doc


# --- running ------------------------------------------------------------------------------


def run(
    suite: Any,
    store: str | Path | None = None,
    backend: str = "serial",
    workers: int = 1,
    progress: bool = False,
    device: str = "auto",
    address: str | None = None,
    series: bool = False,
) -> pd.DataFrame:
    """Train every cell of a suite that the store lacks; return the suite's rows.

    The same path as ``bench run``: validation first, the store's keys (a cell already
    stored is not trained again), batching, the executors.

    Args:
        suite: a path, TOML text, a dict in the TOML layout or a Suite (:func:`as_suite`).
        store: the SQLite store (default ``results/<suite name>.sqlite``, as ``bench run``).
        backend: ``serial`` (in this process), ``local`` (processes) or ``dask``.
        workers: processes for ``local`` and ``dask``.
        progress: show a progress bar.
        device: ``auto`` (cuda when a GPU is usable, else cpu), ``cpu`` or ``cuda``.
        address: a dask scheduler's address (``dask`` only).
        series: add the ``curves`` and ``probes`` columns.

    Returns:
        ``Store.frame(suite.name)``: one row per cell of the suite's grid (README,
        "Columns").

    Raises:
        SuiteError / BenchError: a bad suite, store or device, before anything trains.
        KeyboardInterrupt: after an interrupt (what finished is stored; call again to resume).
    """
    parsed = as_suite(suite)
    from bench.suite import check_data

    check_data(parsed)
    from bench import execute
    from bench.run.env import resolve_device
    from bench.store import Store

    resolved = resolve_device(device)
    path = Path(store) if store is not None else RESULTS_DIR / f"{parsed.name}.sqlite"
    with Store(path) as db:
        with execute.make(backend, workers, address) as executor:
            summary = execute.run_suite(parsed, db, executor, progress=progress, device=resolved)
        if summary.interrupted:
            raise KeyboardInterrupt("interrupted: finished cells are stored; call again to resume")
        return db.frame(parsed.name, series=series)


def challenge(
    activation: Any,
    suite: Any = None,
    store: str | Path | None = None,
    out: str | Path | None = None,
    backend: str = "serial",
    workers: int = 1,
    progress: bool = False,
    device: str = "auto",
    address: str | None = None,
    repeats: int = 5,
    dry_run: bool = False,
) -> Challenged:
    """One activation against every baseline of a suite, as ``bench challenge``: counted,
    only its cells and the baseline cells the store lacks trained, timed with the others
    in one process, reported on its own (:mod:`bench.execute.challenge`).

    Args:
        activation: an ``nn.Module`` class or a function of a tensor defined in a module
            file (its import path is used: :func:`bench.custom.path_of`), a
            ``package.module:Name`` path, or a registry name.
        suite: the baselines' suite, as :func:`as_suite` takes it (default
            ``suites/default.toml``).
        store: the store (default ``results/bench.sqlite``, which ``make bench`` fills).
        out: the report (default ``reports/challenge-<name>.md``).
        backend, workers, progress, device, address: as :func:`run`.
        repeats: interleaved rounds of the timing.
        dry_run: only count (printed) what would train and what is reused.

    Returns:
        A :class:`bench.execute.challenge.Challenged`: ``counts``, ``summary`` (``done``:
        cells trained), ``out`` and the report's ``text``.

    Raises:
        BenchError: a bad activation (a lambda, a path that cannot be imported: one line),
            suite or device, before anything trains.
    """
    from bench.custom import path_of
    from bench.execute import challenge as challenger

    name = path_of(activation)  # refuses a lambda or an object of __main__ in one line
    base = as_suite(challenger.DEFAULT_SUITE if suite is None else suite)
    return challenger.run(
        name,
        base,
        challenger.DEFAULT_STORE if store is None else store,
        out,
        backend,
        workers,
        address,
        device,
        progress,
        repeats,
        dry_run,
        say=lambda line: print(line, file=sys.stderr),
    )


# --- reading ------------------------------------------------------------------------------


@contextlib.contextmanager
def _backend_kept() -> Iterator[None]:
    """Import inside this block without changing the backend of a pyplot already in use (a
    notebook's): :mod:`bench.plots` selects Agg when it is first imported."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    keep = pyplot is not None and "bench.plots" not in sys.modules
    before = pyplot.get_backend() if keep else None
    try:
        yield
    finally:
        if keep and pyplot.get_backend() != before:
            pyplot.switch_backend(before)


def _submodule(name: str) -> types.ModuleType:
    """``bench.run`` or ``bench.report``, imported (backend kept)."""
    with _backend_kept():
        if name == "run":
            import bench.run as module
        else:
            import bench.report as module
    return module


def _only_suite(store: str | Path, suite: str | None) -> str | None:
    """``suite``, or the store's only suite (a missing store: left to ``build`` to say)."""
    from bench.store import Store

    if suite is not None or not Path(store).is_file():
        return suite
    with Store(store, readonly=True) as db:
        known = db.suites()
    if len(known) != 1:
        raise BenchError(
            f"{store} holds {len(known)} suites; pick one with suite=: "
            f"{', '.join(known) or '(none)'}"
        )
    return known[0]


def _drawn(store: str | Path, suite: str | None) -> tuple[str, list[tuple[str, Figure]]]:
    """``bench.report.prepare`` with the figures drawn into a capture, never written: (the
    Markdown, [(figure name, Figure)] in report order)."""
    import re
    import tempfile

    with _backend_kept():
        from bench import plots, report
    suite = _only_suite(store, suite)
    stem = suite if suite and re.fullmatch(r"[\w.-]+", suite) else "report"
    text, files, _ = report.prepare(store, Path("reports") / f"{stem}.md", suite)
    figures = []
    with tempfile.TemporaryDirectory() as tmp, plots.capture() as drawn:
        for attachment in files:
            if not attachment.name.endswith(".png"):
                continue
            before, path = len(drawn), Path(tmp) / attachment.name
            attachment.write(path)
            name = attachment.name.removesuffix(".png")
            if len(drawn) > before:
                figures.append((name, drawn[-1]))
            elif path.is_file():  # drawn by something that wrote its PNG itself: read it back
                figures.append((name, _read_png(path)))
    return text, figures


def _read_png(path: Path) -> Figure:
    """A PNG file as a Figure of its pixels (closed in pyplot)."""
    import matplotlib.image as mpimg
    import matplotlib.pyplot as plt

    image = mpimg.imread(path)
    fig = plt.figure(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
    fig.figimage(image)
    plt.close(fig)
    return fig


def report(store: str | Path, suite: str | None = None, out: str | Path | None = None) -> str:
    """The Markdown report of a stored suite, as ``bench report`` writes it.

    Args:
        store: the SQLite store.
        suite: the suite's name; may be left out when the store holds one suite.
        out: also write the report there, with its figures and summary CSV in
            ``<out stem>_files/`` (exactly ``bench report --out``). Without it nothing is
            written: the figure links point to ``<suite>_files/…``, which do not exist
            (:func:`figures` gives the figures themselves).

    Returns:
        The Markdown text.
    """
    if out is not None:
        with _backend_kept():
            from bench import report as module
        return module.build(store, out, _only_suite(store, suite)).read_text()
    return _drawn(store, suite)[0]


def figures(store: str | Path, suite: str | None = None) -> dict[str, Figure]:
    """The report's figures as matplotlib Figures, drawn but not written.

    Args:
        store: the SQLite store.
        suite: the suite's name; may be left out when the store holds one suite.

    Returns:
        Name → Figure, in report order; the names are the report's PNG file names
        without ``.png`` (e.g. ``critical_difference``, ``dead_units``, ``layer_std``; a
        sliced report prefixes the slice, e.g. ``depth4_critical_difference``). The
        Figures are closed in pyplot: show one with ``display(fig)`` (or as a cell's last
        value), write it with ``fig.savefig(path)``.
    """
    return dict(_drawn(store, suite)[1])


# --- ranking (the table bench quick prints) ------------------------------------------------


def ranking(frame: pd.DataFrame, metric: str = "test_acc") -> pd.DataFrame:
    """Activations ranked by a metric, with the statistics of the report's overall ranking.

    The report's own ranking (:func:`bench.scoring.ranking.rank_results`): each
    configuration's learning rate is chosen on validation
    (:func:`bench.scoring.metrics.select_lr`), the ``matched`` initializer (else the first
    by name) is compared, diverged and failed runs score the metric's worst value, and a
    *block* is every varying setting but the activation and initializer (at least the
    data set), times the seed. Every number and decision here is that ranking's; this
    function lays it out as a table.

    Args:
        frame: ``Store.frame`` rows (e.g. what :func:`run` returns).
        metric: a metric of :data:`bench.schema.METRICS`.

    Returns:
        One row per activation, best first: ``activation``, ``mean`` and ``ci95`` (over
        the rows, as :func:`bench.scoring.metrics.summarize`), ``avg_rank``, ``delta`` (mean −
        the best's mean), ``p_vs_best`` (two-sided Wilcoxon signed-rank against the best
        over the blocks, Holm-adjusted over all pairs as in the critical-difference
        diagram), ``p_vs_best_datasets`` (the same with seeds averaged first, one block
        per data set; NaN with one data set), ``n`` and ``n_nonok``. ``attrs`` holds
        ``init``, ``blocks``, ``n_blocks``, ``friedman`` (statistic, pvalue, n_blocks,
        k, reason), ``friedman_datasets`` (the same at the data-set level), ``smallest_p``
        (the smallest two-sided Wilcoxon p the blocks allow), ``pairs`` (the comparisons
        Holm adjusts together), ``smallest_p_holm`` (the same after Holm), ``decidable``
        (whether any pair can reach α after Holm:
        :attr:`bench.scoring.ranking.Ranking.decidable`) and ``min_ci_n`` (the fewest rows
        a ``ci95`` is given for: :data:`bench.scoring.metrics.MIN_CI_N`).
    """
    from bench.scoring.ranking import rank_results, ranking_table

    if frame.empty:
        raise BenchError("no results to rank")
    return ranking_table(rank_results(frame, metric))


# --- bench.run and bench.report: modules that can be called -------------------------------

_CALLS = {"run": run, "report": report}


class _CallableModule(types.ModuleType):
    """``bench.run`` (the subpackage) and ``bench.report`` (the module), callable: calling
    one calls :func:`bench.api.run` or :func:`bench.api.report`."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return _CALLS[self.__name__.rpartition(".")[2]](*args, **kwargs)


class _Package(types.ModuleType):
    """The ``bench`` package: its submodules ``run`` and ``report`` become callable as
    they are imported (however they are imported), and are imported on first use."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _CALLS and isinstance(value, types.ModuleType):
            value.__class__ = _CallableModule
        super().__setattr__(name, value)

    def __getattr__(self, name: str) -> Any:  # only for attributes not yet set
        if name in _CALLS:
            return _submodule(name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def install(package: types.ModuleType) -> None:
    """Make ``bench.run`` and ``bench.report`` callable (called by ``bench/__init__``)."""
    package.__class__ = _Package
    for name in _CALLS:
        module = sys.modules.get(f"{package.__name__}.{name}")
        if module is not None:
            setattr(package, name, module)
