"""Reports: golden file from a committed fixture, reproducibility, no training imports."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bench import report
from bench.cli import main
from bench.errors import BenchError
from tests.golden import GENERATED_AT, HERE, load_fixture, render_fixture

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> tuple[str, Path]:
    work = tmp_path_factory.mktemp("golden")
    return render_fixture(work), work


def test_golden_report_byte_for_byte(rendered):
    text, _ = rendered
    expected = (HERE / "golden.md").read_text()
    assert text == expected, "regenerate with python -m tests.fixtures.make_golden and review"


def test_report_shows_diverged_and_failed_cells(rendered):
    text, work = rendered
    assert "96 of 96 cells: 77 ok, 18 diverged, 1 failed" in text
    assert "| `sigmoid`    | `naive_normal` | failed   | 1       |" in text
    assert "RuntimeError: synthetic failure for the fixture" in text
    assert text.count("| diverged | non-finite loss") == 17  # in a training step
    assert text.count("| diverged | non-finite train loss after epoch") == 1  # evaluated
    files = sorted(p.name for p in (work / "reports" / "golden_files").iterdir())
    assert files == [
        "activation_init.png",
        "configurations_cd.png",
        "critical_difference.png",
        "dead_units.png",
        "layer_std.png",
        "learning_curves.png",
        "summary.csv",
    ]
    for name in files:
        assert f"](golden_files/{name})" in text
    summary = pd.read_csv(work / "reports" / "golden_files" / "summary.csv")
    assert len(summary) == 2 * 4 * 2  # data sets × activations × initializers
    row = summary.query("dataset == 'wine' and activation == 'sigmoid' and init == 'matched'")
    assert row["test_acc_mean"].item() == pytest.approx(0.417, abs=1e-3)
    assert row["lr_selected"].item() == 0.01


def test_rebuilt_report_is_identical_with_its_figures(rendered, tmp_path):
    text, work = rendered
    first = {p.name: p.read_bytes() for p in (work / "reports" / "golden_files").iterdir()}
    out = report.build(
        work / "results" / "golden.sqlite",
        tmp_path / "again.md",
        generated_at=GENERATED_AT,
        store_label="results/golden.sqlite",
    )
    again = out.read_text().replace("again_files/", "golden_files/")
    assert again.replace("--out " + str(out), "--out reports/golden.md") == text
    second = {p.name: p.read_bytes() for p in (tmp_path / "again_files").iterdir()}
    assert second == first


def test_report_does_not_import_training_code(rendered, tmp_path):
    _, work = rendered
    code = (
        "import sys\n"
        "from bench import report\n"
        f"report.build({str(work / 'results' / 'golden.sqlite')!r}, {str(tmp_path / 'r.md')!r})\n"
        "loaded = sorted(m for m in sys.modules if m == 'torch' or m.startswith('bench.'))\n"
        "print(loaded)\n"
        "assert 'torch' not in sys.modules and 'bench.train' not in sys.modules, loaded\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


def test_report_cli_and_suite_errors(rendered, tmp_path, capsys):
    _, work = rendered
    store = str(work / "results" / "golden.sqlite")
    assert main(["report", "--store", store, "--out", str(tmp_path / "x.md")]) == 0
    assert (tmp_path / "x.md").read_text().startswith("# Activation bench report: `golden`")
    assert main(["report", "--store", store, "--suite", "nope", "--out", "x.md"]) == 2
    assert "unknown suite 'nope'" in capsys.readouterr().err
    assert main(["report", "--store", str(tmp_path / "none.sqlite"), "--out", "x.md"]) == 2


def test_store_with_two_suites_needs_a_name(tmp_path):
    from bench.suite import parse_suite

    with load_fixture(tmp_path / "s.sqlite") as store:
        other = parse_suite(
            {"suite": {"name": "other"}, "dataset": "wine", "activation": "relu", "init": "matched"}
        )
        store.register_suite(other, [c.key for c in other.cells()])
    with pytest.raises(BenchError, match="holds 2 suites; pick one with --suite: golden, other"):
        report.build(tmp_path / "s.sqlite", tmp_path / "r.md")
    with pytest.raises(BenchError, match="no stored results"):
        report.build(tmp_path / "s.sqlite", tmp_path / "r.md", suite="other")


USER_SUITE = """\
[suite]
name = "mine"
seeds = [0, 1, 2]

[grid]
activation = ["relu", "tanh"]
init = ["he_normal", "glorot_uniform"]
dataset = ["iris", "moons", "wine"]

[model]
depth = 2
width = 8

[train]
epochs = 2
lr = 0.01
"""


def test_a_user_suite_report_stands_alone(tmp_path, capsys, monkeypatch):
    """A newcomer's own suite, outside the project: the report opens with the answer, every
    relative link resolves beside it, and a claim label appears only after the line that
    explains it."""
    import re

    project = tmp_path / "mine"
    project.mkdir()
    (project / "mine.toml").write_text(USER_SUITE)
    store, out = project / "mine.sqlite", project / "reports" / "mine.md"
    assert main(["run", str(project / "mine.toml"), "--store", str(store), "--no-progress"]) == 0
    assert main(["report", str(store), "--out", str(out)]) == 0
    capsys.readouterr()
    text = out.read_text()
    headings = [x for x in text.splitlines() if x.startswith("## ")]
    assert headings[0] == "## What to use"
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    relative = [x for x in links if not re.match(r"[a-z]+:", x)]
    assert relative, "the figures are linked"
    for target in relative:
        assert (out.parent / target).exists(), f"broken link: {target}"
    assert "claims.md" not in text and "make bench" not in text
    explained = text.index("Labels such as C15 name the claims of a study note")
    for label in re.finditer(r"\bC1?\d\b", text):
        assert label.start() >= explained, text[max(0, label.start() - 80) : label.end()]
    assert "the note" not in text[:explained]
    # no clock in it: rebuilt a day later, the report is the same byte for byte
    _clocks_run_ahead(monkeypatch, 86_400.0)
    assert main(["report", str(store), "--out", str(out)]) == 0
    assert out.read_text() == text


# --- small suites (issue 26, item 5): no interval from too few values, one answer --------


def _golden_frame(tmp_path: Path) -> pd.DataFrame:
    with load_fixture(tmp_path / "g.sqlite") as store:
        return store.frame("golden", series=True)


def _in_short(text: str) -> str:
    return next(p for p in text.split("\n\n") if p.startswith("**In short.**"))


def _first_answer(text: str) -> tuple[str, str]:
    """(the configuration "What to use" names first, its runner-up)."""
    table = text.split("## What to use")[1].split("\n\n")[1]
    cells = table.splitlines()[2].split("|")
    return cells[2].strip().strip("`"), cells[4].split("`")[1]


def test_in_short_and_what_to_use_give_the_same_answer(tmp_path):
    from tests.golden import render_frame

    text, _ = render_frame(_golden_frame(tmp_path))
    first = _in_short(text)
    best, runner_up = _first_answer(text)
    # chosen on validation (relu + matched leads on test; the test split chooses nothing)
    assert (best, runner_up) == ("selu + naive_normal", "elu + naive_normal")
    assert f"`{best}` ranked first by mean validation rank over the data sets" in first
    assert f"ahead of `{runner_up}` by +1.2 points of test accuracy" in first
    # two data sets: the comparison is too small for an interval, and says so
    assert "(too few data sets for an interval, 1 of 2 data sets won;" in first
    assert "95 % CI" not in first


def test_a_tie_on_every_data_set_is_not_a_lead(tmp_path):
    """elu + matched given relu + matched's scores on every run: the two are level, and the
    opening paragraph must not call a +0.0 difference over 0 data sets won a lead."""
    from tests.golden import render_frame

    frame = _golden_frame(tmp_path)
    keys = ["dataset", "seed", "train.lr"]
    relu = frame[(frame["activation"] == "relu") & (frame["init"] == "matched")]
    elu = (frame["activation"] == "elu") & (frame["init"] == "matched")
    same = frame.loc[elu, keys].merge(relu[[*keys, "status", "test_acc", "val_acc"]], on=keys)
    for column in ("status", "test_acc", "val_acc"):
        frame.loc[elu, column] = same[column].to_numpy()
    # both lead on validation (where the first is chosen), level with each other
    frame.loc[elu | frame["key"].isin(relu["key"]), "val_acc"] += 1.0
    text, _ = render_frame(frame)
    first = _in_short(text)
    best, runner_up = _first_answer(text)
    assert {best, runner_up} == {"relu + matched", "elu + matched"}
    assert f"`{best}` ranked first" in first
    assert f"level with `{runner_up}` (the same test accuracy on every data set: no lead)" in first
    assert "ahead of" not in first and "+0.0" not in first


def test_two_seeds_give_means_without_intervals_and_say_why(tmp_path):
    """With 2 seeds a t interval (t(0.975, 1) = 12.7) is wider than the scale (the smoke
    report's 62.5 ± 123.5): the per-data-set means stand alone, and the report says why."""
    from tests.golden import render_frame

    frame = _golden_frame(tmp_path)
    text, _ = render_frame(frame[frame["seed"] < 2])
    per_dataset = text.split("## Per data set")[1].split("\n## ")[0]
    table = next(p for p in per_dataset.split("\n\n") if p.startswith("| "))
    assert "±" not in table and "| `relu`" in table
    assert (
        "a mean of fewer than 3 values (here a data set's 2 seeds) has too few for an "
        "interval and is shown alone." in text
    )
    # (three seeds: intervals and no note, as golden.md shows byte for byte)


def _clocks_run_ahead(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    """Move the clocks a report could read ``seconds`` ahead: ``time.time`` (and its ``_ns``
    form) and ``datetime.now``/``utcnow`` as every loaded ``bench`` module sees them."""
    import datetime as dt

    real_time, real_ns = time.time, time.time_ns
    monkeypatch.setattr(time, "time", lambda: real_time() + seconds)
    monkeypatch.setattr(time, "time_ns", lambda: real_ns() + int(seconds * 1e9))

    class Later(dt.datetime):
        @classmethod
        def now(cls, tz=None):
            return dt.datetime.now(tz) + dt.timedelta(seconds=seconds)

        @classmethod
        def utcnow(cls):
            return cls.now(dt.UTC).replace(tzinfo=None)

    moved = []
    for name, module in list(sys.modules.items()):
        if name.split(".")[0] == "bench" and getattr(module, "datetime", None) is dt.datetime:
            monkeypatch.setattr(module, "datetime", Later)
            moved.append(name)
    assert {"bench.report", "bench.records"} <= set(moved)  # the report's own clock among them
