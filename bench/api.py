"""The notebook API: run a suite, rank it, read its report and figures, from Python.

Public (also as ``bench.run``, ``bench.report``, ``bench.figures``, ``bench.ranking``):
    run(suite, store=None, backend="serial", workers=1, progress=False, device="auto",
        address=None, series=False) -> pandas.DataFrame
                        train what the store lacks; the suite's rows (``Store.frame``)
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
                        the suite ``bench quick`` builds from its flags (TOML layout)

A suite may be given as the path of a TOML file, as TOML text, as a parsed
:class:`bench.spec.Suite`, or as a plain dict in the TOML file's layout (``{"dataset":
"wine", "grid": {"activation": ["relu", "elu"]}, "model": {"depth": 2}}``); a dict goes
through the same :func:`bench.spec.parse_suite` as a file, so a bad one raises the same
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

import importlib
import sys
import types
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.errors import BenchError

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.figure import Figure

    from bench.spec import Suite

RESULTS_DIR = Path("results")
DICT_SOURCE = "<dict>"  # how a suite given as a dict is named in error messages
DICT_NAME = "notebook"  # a dict suite that gives no name is named notebook-<hash>


# --- suites -------------------------------------------------------------------------------


def as_suite(suite: Any, source: str | None = None) -> Suite:
    """A validated :class:`~bench.spec.Suite` from a path, TOML text, a dict or a Suite.

    Args:
        suite: a ``Suite`` (returned as is), a path (``str`` or ``PathLike``) of a TOML
            suite file, TOML text (a ``str`` with a line break), or a dict in the layout of
            a TOML suite file.
        source: how a dict or TOML text is named in error messages (default ``<dict>``,
            ``<toml>``).

    Raises:
        SuiteError: the suite is invalid (the message names the field).
        BenchError: the file is missing or not TOML.
        TypeError: ``suite`` is none of the above.
    """
    from bench import spec

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
        return spec.parse_suite(_named(dict(suite)), source or DICT_SOURCE)
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
    from bench import executors
    from bench.run.env import resolve_device
    from bench.store import Store

    resolved = resolve_device(device)
    path = Path(store) if store is not None else RESULTS_DIR / f"{parsed.name}.sqlite"
    with Store(path) as db:
        executor = executors.make(backend, workers, address)
        summary = executors.run_suite(parsed, db, executor, progress=progress, device=resolved)
        if summary.interrupted:
            raise KeyboardInterrupt("interrupted: finished cells are stored; call again to resume")
        return db.frame(parsed.name, series=series)


# --- reading ------------------------------------------------------------------------------


def _import(name: str) -> types.ModuleType:
    """Import ``bench.<name>`` without changing the backend of a pyplot already in use (a
    notebook's): :mod:`bench.plots`, which :mod:`bench.report` imports, selects Agg."""
    pyplot = sys.modules.get("matplotlib.pyplot")
    keep = pyplot is not None and "bench.plots" not in sys.modules
    before = pyplot.get_backend() if keep else None
    module = importlib.import_module(f"bench.{name}")
    if keep and pyplot.get_backend() != before:
        pyplot.switch_backend(before)
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
    """``bench.report.build`` into a temporary folder with the figures captured, not
    written: (the Markdown, [(figure name, Figure)] in report order)."""
    import re
    import tempfile

    report = _import("report")
    plots = importlib.import_module("bench.plots")
    suite = _only_suite(store, suite)
    stem = suite if suite and re.fullmatch(r"[\w.-]+", suite) else "report"
    with tempfile.TemporaryDirectory() as tmp, plots.capture() as drawn:
        out = Path(tmp) / f"{stem}.md"
        text = report.build(store, out, suite).read_text()
        text = text.replace(str(out), f"reports/{stem}.md")  # the "reproduce" line
        names = re.findall(rf"!\[[^\]]*\]\({re.escape(stem)}_files/([^)]+)\.png\)", text)
        if len(names) == len(drawn):
            return text, list(zip(names, drawn))
        # a figure that did not go through plots' capture was written: read it back
        import matplotlib.image as mpimg
        import matplotlib.pyplot as plt

        figs = []
        for name in names:
            png = out.parent / f"{stem}_files" / f"{name}.png"
            if png.is_file():
                image = mpimg.imread(png)
                fig = plt.figure(figsize=(image.shape[1] / 100, image.shape[0] / 100), dpi=100)
                fig.figimage(image)
                plt.close(fig)
                figs.append((name, fig))
        return text, figs


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
        return _import("report").build(store, out, _only_suite(store, suite)).read_text()
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

    As in the report: each configuration's learning rate is chosen on validation
    (:func:`bench.analysis.select_lr`), the ``matched`` initializer (else the first by
    name) is compared, diverged and failed runs score the metric's worst value, and a
    *block* is every varying setting but the activation and initializer (at least the
    data set), times the seed.

    Args:
        frame: ``Store.frame`` rows (e.g. what :func:`run` returns).
        metric: a metric of :data:`bench.analysis.METRICS`.

    Returns:
        One row per activation, best first: ``activation``, ``mean`` and ``ci95`` (over
        the rows, as :func:`bench.analysis.summarize`), ``avg_rank``, ``delta`` (mean −
        the best's mean), ``p_vs_best`` (two-sided Wilcoxon signed-rank against the best
        over the blocks, Holm-adjusted over all pairs as in the critical-difference
        diagram), ``p_vs_best_datasets`` (the same with seeds averaged first, one block
        per data set; NaN with one data set), ``n`` and ``n_nonok``. ``attrs`` holds
        ``init``, ``blocks``, ``n_blocks``, ``friedman`` (statistic, pvalue, n_blocks,
        k, reason) and ``friedman_datasets`` (the same at the data-set level).
    """
    import numpy as np
    import pandas as pd

    from bench import analysis

    if frame.empty:
        raise BenchError("no results to rank")
    sel = analysis.select_lr(frame)
    inits = sorted(set(sel["init"]), key=lambda v: (v != "matched", v))
    head = sel[sel["init"] == inits[0]]
    blocks = [
        c for c in analysis.CONFIG_COLUMNS
        if c in head.columns and c not in ("activation", "init")
        and head[c].nunique(dropna=False) > 1
    ] or ["dataset"]  # fmt: skip
    outer, blocks = blocks, [*blocks, "seed"]
    r = analysis.ranks(head, metric, "activation", blocks)
    s = analysis.summarize(head, metric, by="activation").set_index("activation")
    p = analysis.pairwise_wilcoxon(head, metric, "activation", blocks)
    fr = analysis.friedman(head, metric, "activation", blocks)
    avg = analysis.average_over(head, metric, keep=[*outer, "activation"])
    fd = analysis.friedman(avg, metric, "activation", outer)
    many_sets = len(avg.drop_duplicates(outer)) > 1
    pd_ = analysis.pairwise_wilcoxon(avg, metric, "activation", outer) if many_sets else None
    best = r.index[0]
    rows = []
    for act in r.index:
        rows.append(
            {
                "activation": act,
                "mean": s.at[act, "mean"],
                "ci95": s.at[act, "ci95"],
                "avg_rank": r.at[act, "avg_rank"],
                "delta": s.at[act, "mean"] - s.at[best, "mean"],
                "p_vs_best": np.nan if act == best else p.at[act, best],
                "p_vs_best_datasets": (
                    np.nan
                    if act == best or pd_ is None or act not in pd_.index
                    else pd_.at[act, best]
                ),
                "n": int(s.at[act, "n"]),
                "n_nonok": int(s.at[act, "n_nonok"]),
            }
        )
    out = pd.DataFrame(rows)
    out.attrs.update(
        init=inits[0], blocks=blocks, n_blocks=int(r["n_blocks"].iloc[0]),
        friedman=_as_dict(fr), friedman_datasets=_as_dict(fd),
    )  # fmt: skip
    return out


def _as_dict(result: Any) -> dict[str, Any]:
    return {k: getattr(result, k) for k in ("statistic", "pvalue", "n_blocks", "k", "reason")}


# --- bench quick --------------------------------------------------------------------------

# the flag of ``bench quick`` behind each suite field (its error messages name the flag)
QUICK_FLAGS = {
    "suite.name": "--name", "suite.seeds": "--seeds", "grid.activation": "--activations",
    "grid.dataset": "--dataset", "dataset": "--dataset", "init": "--init",
    "model.kind": "--kind", "model.depth": "--depth", "model.width": "--width",
    "train.epochs": "--epochs", "grid.train.lr": "--lr", "train.lr": "--lr",
    "train.optimizer": "--optimizer", "train.batch_size": "--batch-size",
}  # fmt: skip


def quick_suite(
    activations: Sequence[str],
    datasets: Sequence[str] = ("digits",),
    seeds: int | Sequence[int] = 5,
    init: str = "matched",
    kind: str = "mlp",
    depth: int = 4,
    width: int = 64,
    epochs: int = 10,
    lrs: Sequence[float] = (1e-3,),
    optimizer: str = "adam",
    batch_size: int = 64,
    name: str = "quick",
    description: str = "",
) -> dict[str, Any]:
    """The suite ``bench quick`` runs, as a dict in the TOML layout (give it to
    :func:`run`, or :func:`parse_quick` to validate it with ``bench quick``'s messages).

    ``seeds``: a number n (seeds 0 … n − 1) or the list of seeds. Several learning rates
    become a ``train.lr`` axis (each configuration's is chosen on validation)."""
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    grid: dict[str, Any] = {"activation": list(activations), "dataset": list(datasets)}
    train: dict[str, Any] = {"optimizer": optimizer, "epochs": epochs, "batch_size": batch_size}
    if len(lrs) == 1:
        train["lr"] = lrs[0]
    else:
        grid["train.lr"] = list(lrs)
    meta = {"name": name, "seeds": seeds, **({"description": description} if description else {})}
    return {
        "init": init,
        "suite": meta,
        "grid": grid,
        "model": {"kind": kind, "depth": depth, "width": width},
        "train": train,
    }


def parse_quick(doc: dict[str, Any], source: str = "bench quick") -> Suite:
    """Validate a :func:`quick_suite` dict; a SuiteError names the flag, not the field
    (``bench quick: --activations: unknown activation 'rleu'; valid: … (did you mean
    'relu'?)``)."""
    from bench.errors import SuiteError
    from bench.spec import parse_suite

    try:
        return parse_suite(doc, source)
    except SuiteError as exc:
        message = str(exc).removeprefix(f"{exc.source}: {exc.field}: ")
        flag = QUICK_FLAGS.get(exc.field, exc.field)
        raise SuiteError(source, flag, message) from None


def to_toml(doc: Mapping[str, Any]) -> str:
    """A suite dict (scalars, lists of scalars, one level of tables) as TOML text that
    :func:`bench.spec.load_suite` reads back to the same suite."""
    import json
    import math

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError(f"TOML suites hold finite numbers only, got {v!r}")
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise ValueError(f"cannot write {type(v).__name__} {v!r} to a suite file")

    def key(k: str) -> str:
        return k if k.replace("_", "").isalnum() else json.dumps(k)

    lines = [f"{key(k)} = {value(v)}" for k, v in doc.items() if not isinstance(v, Mapping)]
    for table, body in doc.items():
        if isinstance(body, Mapping) and body:
            lines += ["", f"[{table}]", *(f"{key(k)} = {value(v)}" for k, v in body.items())]
    return "\n".join(lines) + "\n"


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
            return _import(name)
        raise AttributeError(f"module {self.__name__!r} has no attribute {name!r}")


def install(package: types.ModuleType) -> None:
    """Make ``bench.run`` and ``bench.report`` callable (called by ``bench/__init__``)."""
    package.__class__ = _Package
    for name in _CALLS:
        module = sys.modules.get(f"{package.__name__}.{name}")
        if module is not None:
            setattr(package, name, module)
