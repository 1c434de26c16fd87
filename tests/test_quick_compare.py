"""``bench quick`` and ``bench compare`` through the command line (issue 9, items 3 and 4).

One tiny quick grid (wine, 1×8 MLP, 1 epoch) is trained once, in a subprocess; the compare
tests copy its store and give each copy made-up ``bench speed`` timings (known times, so
the ratios are exact)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from bench.cli import main
from bench.store import Store

ROOT = Path(__file__).resolve().parents[1]
ACTS = ("relu", "elu", "tanh")


def _bench(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *argv],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture(scope="module")
def quick(tmp_path_factory) -> tuple[Path, Path, subprocess.CompletedProcess]:
    """(store, report, the finished process) of one tiny ``bench quick``."""
    tmp = tmp_path_factory.mktemp("quick")
    store, out = tmp / "a.sqlite", tmp / "reports" / "q.md"
    done = _bench(
        "quick",
        "--activations",
        ",".join(ACTS),
        "--dataset",
        "wine",
        "--seeds",
        "2",
        "--depth",
        "1",
        "--width",
        "8",
        "--epochs",
        "1",
        "--lr",
        "1e-2",
        "--device",
        "cpu",
        "--store",
        str(store),
        "--out",
        str(out),
        "--no-progress",
    )
    return store, out, done


def test_quick_prints_the_ranked_table_and_writes_the_report(quick):
    store, out, done = quick
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("quick: 3 activations on wine, mlp 1×8, init matched, 2 seeds")
    header = next(line for line in lines if "mean rank" in line)
    for column in ("#", "test acc %", "mean rank", "Δ vs #1", "p vs #1", "diverged/failed"):
        assert column in header
    table = lines[lines.index(header) + 2 :][:3]
    assert [row.split()[0] for row in table] == ["1", "2", "3"]
    assert sorted(row.split()[1] for row in table) == sorted(ACTS)
    assert any(
        line.startswith("Friedman over 2 blocks (dataset × seed): chi2 = ") for line in lines
    )
    # two seeds on one data set: two rows per activation, too few for an interval (issue 26)
    assert not any("±" in row for row in table)
    assert "No interval where a mean rests on fewer than 3 rows." in lines
    assert "6 cells trained (6 ok)" in done.stderr
    assert out.read_text().startswith("# Activation bench report: `quick`")
    # the grid is also a suite file (bench run reruns it; round trip: test_api.py), the
    # run's source in the store, so the report's "reproduce" line names it
    doc = tomllib.loads(out.with_suffix(".toml").read_text())
    assert doc["grid"] == {"activation": list(ACTS), "dataset": ["wine"]}
    assert doc["suite"]["seeds"] == [0, 1] and doc["model"]["width"] == 8
    with Store(store, readonly=True) as s:
        assert len(s.keys()) == 6
        assert s.runs()[-1]["source"] == str(out.with_suffix(".toml"))
    assert f"python -m bench run {out.with_suffix('.toml')}" in out.read_text()


def test_quick_refuses_a_bad_activation_with_one_line(tmp_path):
    store, out = str(tmp_path / "x.sqlite"), str(tmp_path / "x.md")
    done = _bench("quick", "--activations", "relu,reluu", "--store", store, "--out", out)
    assert done.returncode == 2
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith("error: bench quick: --activations: unknown activation 'reluu'; valid:")
    assert line.endswith("(did you mean 'relu'?)")
    assert not list(tmp_path.iterdir())  # nothing trained, nothing written


def _timings(store: Path, seconds: dict[str, float], torch: str, suite: str = "quick") -> None:
    """Made-up ``bench speed`` records: the same time in every repeat, width 32, both passes."""
    records = [
        {
            "activation": a,
            "width": 32,
            "depth": 8,
            "batch": 64,
            "pass": p,
            "repeat": r,
            "seconds": s * (2 if p == "forward_backward" else 1),
            "device": "cpu",
            "threads": 1,
        }
        for a, s in seconds.items()
        for p in ("forward", "forward_backward")
        for r in range(2)
    ]
    env = {"torch": torch, "cpu": f"CPU of torch {torch}", "cpu_count": 2, "device": "cpu"}
    with Store(store) as s:
        s.put_timings(suite, records, env, "2026-11-27T00:00:00+00:00")


def test_compare_two_stores(quick, tmp_path):
    store_a, _, done = quick
    assert done.returncode == 0, done.stderr
    store_b = tmp_path / "b.sqlite"
    shutil.copy(store_a, store_b)  # the same cells, as if trained again elsewhere
    _timings(store_a, {"relu": 1e-4, "elu": 1.5e-4}, "2.13.0+cpu")
    _timings(store_b, {"relu": 2e-4, "elu": 2e-4}, "2.14.0+cpu")
    done = _bench("compare", str(store_a), str(store_b))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "2.13.0+cpu" in out and "2.14.0+cpu" in out  # the environments, side by side
    rows = {
        tuple(line.split()[:3]): line.split()[3:]
        for line in out.splitlines()
        if line.split()[:1] in (["relu"], ["elu"], ["tanh"])
    }
    # speed: ratio to relu in A, in B, the times, B/A of the times
    assert rows[("elu", "32", "fwd")] == ["1.50×", "1.00×", "150", "µs", "200", "µs", "1.33"]
    assert rows[("relu", "32", "fwd+bwd")] == ["1.00×", "1.00×", "200", "µs", "400", "µs", "2.00"]
    # accuracy: every cell is in both, with the same key, and identical
    for act in ACTS:
        cells = next(v for k, v in rows.items() if k[0] == act and k[1] == "2")
        assert cells[-1] == "2/2" and cells[-3] == "+0.00"
    assert "note: 6 cells in both stores (6 with the same key)" in out


def test_compare_refuses_a_missing_store_or_suite(tmp_path, capsys):
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    _timings(a, {"relu": 1e-4, "elu": 1e-4}, "2.13.0+cpu", suite="a")
    _timings(b, {"relu": 1e-4, "selu": 3e-4}, "2.13.0+cpu", suite="b")
    assert main(["compare", str(a), str(tmp_path / "none.sqlite")]) == 2
    assert capsys.readouterr().err == f"error: {tmp_path / 'none.sqlite'}: no such store\n"
    assert main(["compare", str(a), str(b), "--suite", "c"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: suite 'c' is in neither store:") and err.count("\n") == 1
    # one suite in each, under other names (timings only): compared, with what is missing
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "selu" in out and "elu" in out and "suite" in out
