"""Golden-file helpers: load the committed fixture store (and timings), render its report."""

from __future__ import annotations

import json
import os
from pathlib import Path

from bench import report
from bench.records import Result, cell_from_dict
from bench.store import Store
from bench.suite import load_suite

HERE = Path(__file__).resolve().parent / "fixtures"
GENERATED_AT = "2026-01-01T12:00:00+00:00"  # injected, never read from the clock


def load_fixture(store_path: Path) -> Store:
    """Fill a new store from ``golden_store.json`` and the hand-written
    ``golden_timings.json`` (the ``bench speed`` measurement); returns it open."""
    doc = json.loads((HERE / "golden_store.json").read_text())
    suite = load_suite(HERE / "golden.toml")
    suite.source = doc["suite"]["source"]
    store = Store(store_path)
    store.register_suite(suite, [c.key for c in suite.cells()])
    for r in doc["results"]:
        cell = cell_from_dict(r["cell"])  # keyed as this harness keys it (schema bumps)
        store.put(Result(**{**r, "key": cell.key, "cell": cell}))
    run = doc["run"]
    rid = store.start_run(
        suite,
        run["backend"],
        run["workers"],
        len(doc["results"]),
        len(doc["results"]),
        run["started_at"],
    )
    store.finish_run(rid, len(doc["results"]), "finished", run["finished_at"], run["wall_time_s"])
    timings = json.loads((HERE / "golden_timings.json").read_text())
    store.put_timings(timings["suite"], timings["records"], timings["env"], timings["measured_at"])
    return store


def render_frame(frame, timings=None, gallery=None, description: str = "") -> tuple[str, list]:
    """The general report of a results frame through the public path (the headline record,
    then its formatting), with fixed labels: (markdown, attachments)."""
    from bench.report.default import Meta, render
    from bench.scoring.headline import headline

    meta = Meta(
        "golden",
        len(frame),
        GENERATED_AT,
        "s.sqlite",
        "r.md",
        description,
        figdir="r_files",
        gallery=gallery,
    )
    return render(headline(frame, timings), meta)


def render_fixture(workdir: Path) -> str:
    """Build the golden report inside ``workdir`` (relative paths) and return its text."""
    cwd = os.getcwd()
    os.chdir(workdir)
    try:
        load_fixture(Path("results/golden.sqlite")).close()
        out = report.build("results/golden.sqlite", "reports/golden.md", generated_at=GENERATED_AT)
        return out.read_text()
    finally:
        os.chdir(cwd)
