"""The notebook API in-process (issue 9, item 2): bench.run → DataFrame, bench.report →
Markdown, bench.figures → matplotlib Figures, bench.ranking; ``import bench`` stays cheap."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import bench
from bench import api
from bench.errors import SuiteError
from bench.suite import load_suite

ROOT = Path(__file__).resolve().parents[1]

TINY = {
    "dataset": "wine",
    "suite": {"name": "tiny", "seeds": [0, 1]},
    "grid": {"activation": ["relu", "elu", "tanh"]},
    "model": {"depth": 1, "width": 8},
    "train": {"epochs": 1, "lr": 1e-2, "batch_size": 32},
}


@pytest.fixture(scope="module")
def ran(tmp_path_factory) -> tuple[Path, object]:
    """The tiny dict suite run into a new store: (store path, the returned frame)."""
    path = tmp_path_factory.mktemp("api") / "x.sqlite"
    return path, bench.run(TINY, store=path, device="cpu")


def test_import_bench_is_cheap():
    code = (
        "import sys, bench; heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('torch', 'pandas', 'matplotlib', 'scipy')); assert not heavy, heavy; "
        "assert callable(bench.figures) and callable(bench.ranking)"
    )
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)


def test_run_returns_the_suites_rows(ran):
    path, df = ran
    assert len(df) == 6  # 3 activations × 2 seeds
    assert sorted(set(df["activation"])) == ["elu", "relu", "tanh"]
    assert sorted(set(df["seed"])) == [0, 1]
    for column in (
        "key",
        "status",
        "dataset",
        "init",
        "model.depth",
        "train.lr",
        "test_acc",
        "val_acc",
        "dead_final",
        "env.torch",
    ):
        assert column in df.columns
    assert set(df["status"]) == {"ok"} and set(df["init"]) == {"matched"}
    assert df["test_acc"].between(0, 1).all()
    # a second call trains nothing and returns the same rows; series adds curves and probes
    again = bench.run(TINY, store=path, device="cpu", series=True)
    assert list(again["key"]) == list(df["key"])
    assert {"curves", "probes"} <= set(again.columns)


def test_dict_path_toml_text_and_suite_are_one_suite(tmp_path):
    toml = api.to_toml(TINY)
    (tmp_path / "tiny.toml").write_text(toml)
    keys = [c.key for c in api.as_suite(TINY).cells()]
    assert [c.key for c in api.as_suite(tmp_path / "tiny.toml").cells()] == keys
    assert [c.key for c in api.as_suite(str(tmp_path / "tiny.toml")).cells()] == keys
    assert [c.key for c in api.as_suite(toml).cells()] == keys
    suite = load_suite(tmp_path / "tiny.toml")
    assert api.as_suite(suite) is suite
    nameless = {k: v for k, v in TINY.items() if k != "suite"}
    name = api.as_suite(nameless).name
    assert name.startswith("notebook-") and len(name) == len("notebook-") + 8
    assert api.as_suite(dict(nameless)).name == name  # the same dict, the same name
    assert api.as_suite({**nameless, "dataset": "iris"}).name != name
    with pytest.raises(TypeError, match="expected a suite file's path"):
        api.as_suite(42)


def test_a_bad_dict_gets_the_suite_files_message(tmp_path):
    bad = {"dataset": "wine", "activation": "reluu"}
    with pytest.raises(SuiteError) as from_dict:
        bench.run(bad, store=tmp_path / "never.sqlite")
    path = tmp_path / "bad.toml"
    path.write_text(textwrap.dedent('dataset = "wine"\nactivation = "reluu"\n'))
    with pytest.raises(SuiteError) as from_file:
        load_suite(path)
    assert str(from_dict.value).startswith("<dict>: activation: unknown activation 'reluu'")
    assert str(from_dict.value).endswith("(did you mean 'relu'?)")
    assert str(from_dict.value).removeprefix("<dict>") == str(from_file.value).removeprefix(
        str(path)
    )
    assert not (tmp_path / "never.sqlite").exists()  # refused before a store was opened


def test_report_returns_the_markdown(ran, tmp_path, monkeypatch):
    path, _ = ran
    monkeypatch.chdir(tmp_path)
    text = bench.report(path)
    assert text.startswith("# Activation bench report: `tiny`")
    assert "## Overall ranking" in text and "`elu`" in text
    assert not list(tmp_path.iterdir())  # without out=, nothing is written
    out = tmp_path / "r" / "tiny.md"
    written = bench.report(path, suite="tiny", out=out)
    assert written == out.read_text()
    assert (out.parent / "tiny_files" / "critical_difference.png").is_file()
    with pytest.raises(bench.errors.BenchError, match="unknown suite 'nope'"):
        bench.report(path, suite="nope")


def test_figures_are_matplotlib_figures(ran):
    import matplotlib.pyplot as plt
    from matplotlib.figure import Figure

    figs = bench.figures(ran[0])
    assert "critical_difference" in figs and "dead_units" in figs
    assert all(isinstance(f, Figure) for f in figs.values())
    assert not set(plt.get_fignums()) & {f.number for f in figs.values() if hasattr(f, "number")}
    buf = io.BytesIO()
    figs["critical_difference"].savefig(buf, format="png")
    assert buf.getvalue().startswith(b"\x89PNG")


def test_plots_capture_writes_nothing(tmp_path):
    import pandas as pd

    from bench import plots

    table = pd.DataFrame([[1.0, 2.0], [3.0, 4.0]], index=["a", "b"], columns=["x", "y"])
    with plots.capture() as drawn:
        assert plots.heatmap(table, tmp_path / "h.png", "t") == tmp_path / "h.png"
    assert len(drawn) == 1 and not (tmp_path / "h.png").exists()
    plots.heatmap(table, tmp_path / "h.png", "t")  # outside: written as before
    assert (tmp_path / "h.png").is_file()


def test_ranking(ran):
    ranked = bench.ranking(ran[1])
    assert list(ranked.columns) == [
        "activation",
        "mean",
        "ci95",
        "avg_rank",
        "delta",
        "p_vs_best",
        "p_vs_best_datasets",
        "n",
        "n_nonok",
    ]
    assert sorted(ranked["activation"]) == ["elu", "relu", "tanh"]
    assert ranked["avg_rank"].is_monotonic_increasing
    assert ranked["p_vs_best"].isna().tolist() == [True, False, False]
    assert ranked.attrs["blocks"] == ["dataset", "seed"] and ranked.attrs["n_blocks"] == 2
    assert ranked.attrs["friedman"]["k"] == 3


def test_run_and_report_are_also_the_module_and_the_subpackage(ran, tmp_path):
    from bench import report
    from bench.run import env, loop

    store, frame = ran
    assert bench.report is report and bench.run.loop is loop  # the module, the subpackage
    assert env.resolve_device("cpu") == "cpu"
    again = bench.run(TINY, store=store, device="cpu")  # calling the subpackage: api.run
    assert again["key"].tolist() == frame["key"].tolist()  # all stored: nothing retrained
    text = bench.report(store)  # calling the module: api.report

    def undated(markdown: str) -> list[str]:
        return [line for line in markdown.splitlines() if not line.startswith("Generated ")]

    same = report.prepare(store, "reports/" + text.split("`")[1] + ".md")[0]
    assert undated(text) == undated(same) and len(undated(text)) > 50
    out = report.build(store, tmp_path / "r.md", generated_at="x")
    assert out.read_text().startswith(text.split("\n")[0])


def test_quick_suite_round_trips_through_toml(tmp_path):
    doc = api.quick_suite(["relu", "selu"], ["wine", "iris"], 3, lrs=[1e-3, 3e-3], depth=2)
    suite = api.parse_quick(doc)
    (tmp_path / "q.toml").write_text(api.to_toml(doc))
    assert [c.key for c in load_suite(tmp_path / "q.toml").cells()] == [
        c.key for c in suite.cells()
    ]
    assert len(suite.grid) == 2 * 2 * 2 * 3
    with pytest.raises(SuiteError, match=r"^bench quick: --width: must be ≥ 1"):
        api.parse_quick(api.quick_suite(["relu"], width=0))


def test_figures_written_outside_capture_are_read_back(ran, monkeypatch):
    """A figure function that writes its PNG itself (not through plots' capture) still
    comes back as a Figure, read from the temporary folder."""
    import contextlib

    from matplotlib.figure import Figure

    from bench import plots

    monkeypatch.setattr(plots, "capture", lambda: contextlib.nullcontext([]))
    figs = bench.figures(ran[0])
    assert "critical_difference" in figs
    assert all(isinstance(f, Figure) for f in figs.values())
