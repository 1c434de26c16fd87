"""What the command modules share: default paths and small argument parsers.

Public:
    SUITES_DIR, RESULTS_DIR     ``suites/`` and ``results/`` (relative to the current folder)
    MAX_CELLS                   a run larger than this asks first (``--max-cells``)
    default_store(name) -> Path ``results/<name>.sqlite``
    names_list(text) -> list[str]          ``a, b,c`` → ``["a", "b", "c"]``
    positive_ints(text, option) -> list[int]
    floats(text, option) -> list[float]
    writable(path, what) -> Path           a file this command may write (``-``: stdout)
    check_workers(backend, workers)        refuse --workers where it would be ignored
    store_of(args) -> str                  the store: positional STORE or --store
    known_suite(store, suite)              refuse a --suite the store does not hold
    suites_dir() -> Path                   ./suites, else the project's own
    progress_shown(flag) -> bool           a bar only on a terminal
    stop_on_ctrl_c()                       Ctrl-C typed at the terminal stops a run cleanly
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from bench.errors import BenchError

SUITES_DIR = Path("suites")
MAX_CELLS = 50_000  # a run larger than this asks first (--max-cells)
RESULTS_DIR = Path("results")


def default_store(suite_name: str) -> Path:
    """Where a suite's results go by default: ``results/<name>.sqlite``."""
    return RESULTS_DIR / f"{suite_name}.sqlite"


def names_list(text: str) -> list[str]:
    """Comma-separated names, stripped, empty ones dropped."""
    return [n.strip() for n in text.split(",") if n.strip()]


def positive_ints(text: str, option: str) -> list[int]:
    """Comma-separated integers ≥ 1, each once; a BenchError naming ``option`` otherwise."""
    try:
        values = [int(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values or min(values) < 1:
        raise BenchError(f"{option}: expected positive integers separated by commas, got {text!r}")
    return list(dict.fromkeys(values))


def floats(text: str, option: str) -> list[float]:
    """Comma-separated numbers; a BenchError naming ``option`` otherwise."""
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        values = []
    if not values:
        raise BenchError(f"{option}: expected numbers separated by commas, got {text!r}")
    return values


def writable(path: str | Path, what: str) -> Path:
    """``path`` as a file this command may write (its folder created if missing); ``-`` (the
    standard output) passes as it is.

    Raises:
        BenchError: one line naming ``what``, the path and why it cannot be written.
    """
    p = Path(path)
    if str(path) == "-":
        return p
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise BenchError(f"{what} {path}: cannot create its folder: {exc.strerror}") from None
    if p.is_dir():
        raise BenchError(f"{what} {path}: is a folder, not a file")
    if not os.access(p.parent, os.W_OK) or (p.exists() and not os.access(p, os.W_OK)):
        raise BenchError(f"{what} {path}: not writable here")
    return p


def check_workers(backend: str, workers: int) -> None:
    """``--workers`` means processes of the local or dask backend; with serial it would be
    ignored: refuse it."""
    if workers != 1 and backend == "serial":
        raise BenchError(
            f"--workers {workers} has no effect with --backend serial (one process); add "
            "--backend local (processes on this machine) or --backend dask"
        )


def store_of(args: Any) -> str:
    """The store a command reads: its positional ``STORE`` or ``--store`` (one of them).

    Raises:
        BenchError: neither, or two different ones.
    """
    given = [s for s in (getattr(args, "store_path", None), getattr(args, "store", None)) if s]
    if not given:
        raise BenchError("which store? give its path: bench <command> STORE (or --store STORE)")
    if len(set(given)) > 1:
        raise BenchError(f"two stores given ({given[0]} and {given[1]}): keep one")
    return given[0]


def known_suite(store: Any, suite: str | None) -> None:
    """Refuse a ``--suite`` the store does not hold, naming the ones it does."""
    if suite is None:
        return
    known = store.suites()
    if suite not in known:
        from bench.errors import did_you_mean

        raise BenchError(
            f"unknown suite {suite!r} in {store.path}; valid: {', '.join(known) or '(none)'}"
            + did_you_mean(suite, known)
        )


def suites_dir() -> Path:
    """Where ``bench list suites`` looks: ``./suites``, else the project's own folder."""
    if SUITES_DIR.is_dir():
        return SUITES_DIR
    return Path(__file__).resolve().parents[2] / "suites"


def progress_shown(flag: bool) -> bool:
    """A progress bar only when asked for (no ``--no-progress``) and stderr is a terminal;
    otherwise the commands print one summary line."""
    return flag and sys.stderr.isatty()


def stop_on_ctrl_c() -> None:
    """Make Ctrl-C typed at this command's terminal stop a run cleanly (KeyboardInterrupt:
    finished cells saved, exit status 130), even where SIGINT was inherited ignored.

    Only with a terminal on stdin: a background job of a script or a ``nohup`` run (stdin
    not a terminal) keeps an inherited "ignore", which is how a shell keeps a Ctrl-C meant
    for the foreground away from its background jobs.
    """
    import signal
    import threading

    try:
        interactive = sys.stdin is not None and sys.stdin.isatty()
    except ValueError:  # stdin closed
        interactive = False
    if (
        interactive
        and threading.current_thread() is threading.main_thread()
        and signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    ):
        signal.signal(signal.SIGINT, signal.default_int_handler)
