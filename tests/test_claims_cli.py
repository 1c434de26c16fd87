"""`bench claims`: bad input to a claim suite is refused with one line and exit status 2
before anything trains; `list` names every claim; `report` without a store says what to do."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bench import claims, cli


def _bench(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "bench", *args], capture_output=True, text=True, cwd=cwd, timeout=120
    )


def test_list_names_every_claim():
    out = _bench("claims", "list")
    assert out.returncode == 0, out.stderr
    ids = [line.split()[0] for line in out.stdout.splitlines()]
    assert ids == [f"C{i}" for i in range(1, 19)]


def test_an_unknown_claim_suite_is_refused(capsys):
    assert cli.main(["claims", "run", "--suites", "c99_nothing", "--store", "x.sqlite"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: unknown claim suite 'c99_nothing'; valid: c01_linear")
    assert not Path("x.sqlite").exists()


def test_an_unknown_group_or_a_suite_of_another_group_is_refused(capsys):
    assert cli.main(["claims", "run", "--group", "nothing", "--store", "x.sqlite"]) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: unknown claim suite group 'nothing'; valid: claims, norm"
    args = ["claims", "run", "--group", "norm", "--suites", "c01_linear", "--store", "x.sqlite"]
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.strip() == "error: unknown claim suite 'c01_linear'; valid: c15_norm, c15_klambauer"
    assert not Path("x.sqlite").exists()


def test_the_norm_group_s_suites_are_its_files():
    from bench.execute import claims as claim_suites

    paths = claim_suites.suite_paths(group="norm")
    assert [p.relative_to(claims.suites_dir("norm").parent).as_posix() for p in paths] == [
        "norm/c15_norm.toml",
        "norm/c15_klambauer.toml",
    ]
    assert all(p.is_file() for p in paths)


@pytest.mark.parametrize(
    ("replace", "by", "field"),
    [
        ("seeds = [0, 1, 2, 3, 4]", "seeds = [0, -1]", "seeds"),
        ('"model.depth" = [0, 8]', '"model.depth" = [0, "eight"]', "model.depth"),
        ('    "spirals", "circles"', '    "spirlas", "circles"', "dataset"),
        ('"train.lr" = [3e-4', '"train.lr" = [nan', "train.lr"),
    ],
)
def test_a_bad_claim_suite_stops_before_anything_trains(
    tmp_path, monkeypatch, capsys, replace, by, field
):
    suites = tmp_path / "suites" / "claims"
    shutil.copytree(claims.suites_dir(), suites)
    path = suites / "c01_linear.toml"
    text = path.read_text()
    assert replace in text
    path.write_text(text.replace(replace, by))
    monkeypatch.setattr(
        claims, "suites_dir", lambda group=claims.GROUP: tmp_path / "suites" / group
    )
    store = tmp_path / "claims.sqlite"
    assert cli.main(["claims", "run", "--store", str(store), "--no-progress"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "c01_linear.toml" in err and field in err
    assert not store.exists()


def test_report_without_a_store_says_to_run_first(tmp_path, capsys):
    out = tmp_path / "claims.md"
    assert (
        cli.main(["claims", "report", "--store", str(tmp_path / "none.sqlite"), "--out", str(out)])
        == 2
    )
    assert "make claims" in capsys.readouterr().err
    assert not out.exists()
