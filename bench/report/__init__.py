"""Reports: Markdown and figures rebuilt from a store alone. Formatting only: every number
and verdict a report shows comes from :mod:`bench.scoring` (the general report) or
:mod:`bench.claims` (the claims report); nothing under this package imports scipy or
computes a test (a test checks it).

Public:
    build(store_path, out, suite=None, generated_at=None, store_label=None) -> Path
                        the general report of one suite, its figures and summary CSV
    prepare(store_path, out, suite=None, generated_at=None, store_label=None)
                        -> (markdown, attachments, figdir): the same, nothing written
    read(store_path, out, suite=None, generated_at=None, store_label=None,
         gallery="gallery") -> (frame, timings, rule, meta)
                        what a report of one suite reads from the store

Modules: :mod:`bench.report.doc` (the document kit and number formats),
:mod:`bench.report.default` (the general report), :mod:`bench.report.claims` (the claims
report), :mod:`bench.report.speed` (the speed table), :mod:`bench.report.compare`
(``bench compare``'s text), :mod:`bench.report.quick` (``bench quick``'s table),
:mod:`bench.report.challenge` (``bench challenge``'s report).

``build`` reads the store (results, run log, ``bench speed`` timings), asks
:func:`bench.scoring.headline.headline` for the record, formats it, writes the figures and
a summary CSV into ``<out stem>_files/`` next to the report, and writes the Markdown. It
never imports the training code: a report can be rebuilt at any time, identically, from
stored results.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from bench.errors import BenchError

__all__ = ["build", "prepare", "read"]


def build(
    store_path: str | Path,
    out: str | Path,
    suite: str | None = None,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> Path:
    """Write the Markdown report of one suite, its figures and its summary CSV.

    Args:
        store_path: the SQLite store.
        out: the Markdown file; figures and CSV go to ``<out stem>_files/`` beside it.
        suite: suite name; may be omitted when the store holds exactly one.
        generated_at: header timestamp (default: when the store last changed for the
            suite, so a rebuild is identical; now, UTC, if it does not say).
        store_label: how the store is named in the report (default: ``store_path``).

    Returns:
        The path of the report.
    """
    from bench.report.doc import write

    out = Path(out)
    text, files, figdir = prepare(store_path, out, suite, generated_at, store_label)
    return write(out, text, files, figdir)


def prepare(
    store_path: str | Path,
    out: str | Path,
    suite: str | None = None,
    generated_at: str | None = None,
    store_label: str | None = None,
) -> tuple[str, list, str]:
    """The report of :func:`build`, nothing written: (the Markdown, its attachments, the
    folder they go to beside ``out``). ``out`` only names the report (its stem names the
    folder, and the "reproduce" line shows it).

    Raises:
        BenchError: no such store, no such suite, or no results stored for it.
    """
    from bench.report.default import render
    from bench.scoring.headline import headline

    frame, timings, rule, meta = read(store_path, out, suite, generated_at, store_label)
    text, files = render(headline(frame, timings, rule), meta)
    return text, files, meta.figdir


def read(
    store_path: str | Path,
    out: str | Path,
    suite: str | None = None,
    generated_at: str | None = None,
    store_label: str | None = None,
    gallery: str = "gallery",
) -> tuple:
    """What a report of one suite reads from the store: (its rows with their series, its
    timings, its tuning rule, its :class:`bench.report.default.Meta`); ``gallery``: the
    stored check whose curves the activation gallery draws.

    Raises:
        BenchError: no such store, no such suite, or no results stored for it.
    """
    from bench.report.default import Meta
    from bench.store import Store

    store_path, out = Path(store_path), Path(out)
    if not store_path.exists():
        raise BenchError(f"{store_path}: no such store")
    with Store(store_path, readonly=True) as store:
        known = store.suites()
        if suite is None:
            if len(known) != 1:
                raise BenchError(
                    f"{store_path} holds {len(known)} suites; pick one with --suite: "
                    f"{', '.join(known) or '(none)'}"
                )
            suite = known[0]
        elif suite not in known:
            raise BenchError(f"unknown suite {suite!r} in {store_path}; valid: {', '.join(known)}")
        frame = store.frame(suite, series=True)
        runs, timings, rule = store.runs(suite), store.timings(suite), store.tuning(suite)
        meta = Meta(
            suite=suite,
            grid_size=store.grid_size(suite),
            generated_at=generated_at or _last_write(runs, timings),
            store_label=store_label or str(store_path),
            out_label=str(out),
            description=store.description(suite),
            runs=runs,
            figdir=f"{out.stem}_files",
            gallery=store.checks().get(gallery),
            links=frozenset(n for n in ("claims.md",) if (Path(out).parent / n).is_file()),
        )
    if frame.empty:
        raise BenchError(f"suite {suite!r}: no stored results to report")
    return frame, timings, rule, meta


def _last_write(runs: list[dict], timings) -> str:
    """The report's timestamp: when the store last changed for this suite (a run finished, or
    its timings were measured), so that a rebuilt report is the same byte for byte; now (UTC)
    when the store records neither."""
    stamps = [r["finished_at"] for r in runs if r.get("finished_at")]
    if timings is not None and "measured_at" in timings:
        stamps += [t for t in timings["measured_at"].dropna()]
    return max(stamps) if stamps else datetime.now(UTC).isoformat(timespec="seconds")
