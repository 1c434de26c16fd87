"""The readers (``bench report``, ``export``, ``show``) never import torch, through the CLI.

Each command runs in a fresh interpreter, on a store filled from the committed golden
fixture, the way a user runs it; the interpreter then lists what was imported.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from bench.records import Result, cell_from_dict
from bench.store import Store
from bench.suite import load_suite
from tests.golden import HERE

ROOT = Path(__file__).resolve().parents[1]

# Runs ``bench.cli.main(argv)`` as ``python -m bench`` would, then fails if torch (or the
# training code) was imported on the way.
WRAPPER = """
import sys
from bench.cli import main
try:
    status = main(sys.argv[1:])
except SystemExit as stop:  # --help
    status = stop.code
heavy = sorted(m for m in sys.modules if m.split(".")[0] == "torch" or m in ("bench.train",
               "bench.run.loop", "bench.models", "bench.activations", "bench.probes"))
assert not heavy, f"imported: {heavy}"
sys.exit(status)
"""


@pytest.fixture(scope="module")
def golden_store(tmp_path_factory) -> tuple[Path, str]:
    """The golden fixture's suite, results and timings in a new store; (path, a key)."""
    doc = json.loads((HERE / "golden_store.json").read_text())
    suite = load_suite(HERE / "golden.toml")
    suite.source = doc["suite"]["source"]
    path = tmp_path_factory.mktemp("imports") / "golden.sqlite"
    with Store(path) as store:
        store.register_suite(suite, [c.key for c in suite.cells()])
        for r in doc["results"]:
            cell = cell_from_dict(r["cell"])  # keyed as this harness keys it
            store.put(Result(**{**r, "key": cell.key, "cell": cell}))
        timings = json.loads((HERE / "golden_timings.json").read_text())
        store.put_timings(
            timings["suite"], timings["records"], timings["env"], timings["measured_at"]
        )
        key = next(iter(store.keys()))
    return path, key


def _bench(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", WRAPPER, *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_report_export_and_show_never_import_torch(golden_store, tmp_path):
    store, key = golden_store
    report = _bench("report", "--store", str(store), "--out", str(tmp_path / "r.md"))
    assert report.returncode == 0, report.stderr
    assert (tmp_path / "r.md").read_text().startswith("# Activation bench report: `golden`")
    for fmt in ("csv", "json"):
        out = tmp_path / f"e.{fmt}"
        export = _bench("export", "--store", str(store), "--format", fmt, "--out", str(out))
        assert export.returncode == 0, export.stderr
        assert "wrote 96 rows" in export.stderr and out.stat().st_size > 0
    show = _bench("show", key[:10], "--store", str(store))
    assert show.returncode == 0, show.stderr
    assert show.stdout.startswith(f"key      {key}")
    for argv in (["show", "--help"], ["report", "--help"], ["run", "--help"]):
        done = _bench(*argv)
        assert done.returncode == 0, done.stderr


def test_the_wrapper_would_see_torch():
    """The check above can fail: a command that needs torch trips it."""
    done = _bench("list", "activations")
    assert done.returncode != 0 and "imported: [" in done.stderr and "'torch'" in done.stderr
