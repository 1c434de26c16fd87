"""The command line, in process: run, dry run, list, export, show, and bad input."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from pathlib import Path

import pytest

from bench import activations, data, execute, initializers
from bench.cli import main
from bench.store import Store
from tests.conftest import TINY_SUITE
from tests.results import assert_same_results


def test_run_dry_run_then_run_then_nothing_left(write_suite, tmp_path, capsys):
    suite, store = write_suite(TINY_SUITE), tmp_path / "s.sqlite"
    assert main(["run", str(suite), "--store", str(store), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "12 cells = 3 activation × 2 init × 2 seeds" in out and "0 stored, 12 to run" in out
    assert "  activation            3: relu, tanh, selu" in out
    # one stack per activation: each seed draws its own split, and the splits share it
    assert "3 units of work (batched, at most 64 cells each)" in out
    assert out.count("wine/mlp2x8/") == 0  # keys only with --list
    assert main(["run", str(suite), "--store", str(store), "--dry-run", "--list"]) == 0
    assert capsys.readouterr().out.count("wine/mlp2x8/") == 12
    assert not store.exists()  # a dry run creates nothing

    assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 0
    assert "12 cells trained (12 ok), 0 already stored, of 12" in capsys.readouterr().err
    assert (
        main(
            [
                "run",
                str(suite),
                "--store",
                str(store),
                "--dry-run",
                "--backend",
                "local",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "12 stored, 0 to run" in out and "estimate" not in out  # nothing left to estimate
    assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 0
    assert "0 cells trained (nothing), 12 already stored" in capsys.readouterr().err


def test_changed_setting_gets_new_keys(write_suite, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    assert main(["run", str(write_suite(TINY_SUITE)), "--store", str(store), "--no-progress"]) == 0
    assert "12 cells trained (12 ok), 0 already stored, of 12" in capsys.readouterr().err
    wider = write_suite(TINY_SUITE.replace("width = 8", "width = 9"), "wider.toml")
    capsys.readouterr()
    main(["run", str(wider), "--store", str(store), "--dry-run"])
    assert "0 stored, 12 to run" in capsys.readouterr().out


def test_unknown_activation_exits_2_and_trains_nothing(write_suite, tmp_path, capsys):
    suite = write_suite(TINY_SUITE.replace('"selu"', '"selu", "swishh"'))
    store = tmp_path / "s.sqlite"
    assert main(["run", str(suite), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert f"error: {suite}: grid.activation: unknown activation 'swishh'; valid: " in err
    assert ", ".join(activations.names()) in err and err.endswith("(did you mean 'hardswish'?)\n")
    assert not store.exists()


def test_diverging_cell_is_stored_and_grid_completes(write_suite, tmp_path, capsys):
    suite = write_suite("""
        dataset = "wine"
        activation = "identity"
        [suite]
        name = "div"
        seeds = [0]
        [grid]
        init = ["naive_normal", "matched"]
        "train.lr" = [10.0, 0.001]
        [train]
        optimizer = "sgd"
        epochs = 3
        batch_size = 16
    """)
    store = tmp_path / "s.sqlite"
    assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 0
    with Store(store) as s:
        status = {(r.cell.init, r.cell.train.lr): r.status for r in s.results("div")}
    assert status[("naive_normal", 10.0)] == "diverged"
    assert status[("matched", 0.001)] == "ok"
    assert len(status) == 4


@pytest.mark.parametrize(
    ("what", "names"),
    [
        ("activations", activations.names()),
        ("initializers", initializers.names()),
        ("datasets", data.names()),
    ],
)
def test_list_shows_registry_keys(what, names, capsys):
    assert main(["list", what]) == 0
    listed = [line.split()[0] for line in capsys.readouterr().out.splitlines()]
    assert listed[: len(names)] == names


ACTIVATION_LINES = {  # bench list activations, written out by hand from the registry
    "identity": (
        "Identity, linear family; matched init glorot_uniform; gain 1 = calculate_gain('linear')"
    ),
    "sigmoid": (
        "Sigmoid, sigmoid family; matched init glorot_uniform; gain 1 = calculate_gain('sigmoid')"
    ),
    "tanh": (
        "Tanh, sigmoid family; matched init glorot_uniform; gain 1.66667 = calculate_gain('tanh')"
    ),
    "relu": ("ReLU, relu family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "leaky_relu": (
        "LeakyReLU, relu family; matched init he_normal"
        "; gain 1.41414 = calculate_gain('leaky_relu', 0.01)"
    ),
    "rrelu": (
        "RReLU, relu family; matched init he_normal"
        "; gain 1.37848 = calculate_gain('leaky_relu', 0.229167)"
    ),
    "prelu": (
        "PReLU, relu family; matched init he_normal"
        "; gain 1.37199 = calculate_gain('leaky_relu', 0.25)"
    ),
    "prelu_channel": (
        "PReLU (one learned parameter per unit), relu family; matched init he_normal"
        "; gain 1.37199 = calculate_gain('leaky_relu', 0.25)"
    ),
    "elu": ("ELU, elu family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "selu": ("SELU, elu family; matched init lecun_normal; gain 0.75 = calculate_gain('selu')"),
    "celu": ("CELU, elu family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "gelu": ("GELU, smooth family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "silu": ("SiLU, smooth family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "mish": ("Mish, smooth family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"),
    "softplus": (
        "Softplus, smooth family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"
    ),
    "hardswish": (
        "Hardswish, smooth family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"
    ),
}


@pytest.mark.parametrize(
    ("what", "registry"),
    [
        ("activations", activations.REGISTRY),
        ("initializers", initializers.REGISTRY),
        ("datasets", data.REGISTRY),
    ],
)
def test_list_gives_every_entry_a_description(what, registry):
    """Through a subprocess: one line per registry key, the key then its description."""
    res = subprocess.run(
        [sys.executable, "-m", "bench", "list", what],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).parents[1],
    )
    assert res.returncode == 0, res.stderr
    lines = dict(line.split(maxsplit=1) for line in res.stdout.splitlines())
    assert list(lines)[: len(registry)] == list(registry)
    for name, entry in registry.items():
        if what == "activations":  # module class, family, matched init, gain: fixed text
            assert lines[name] == ACTIVATION_LINES[name]
        else:
            assert entry.description in lines[name] and entry.description.strip()
            if what == "datasets":  # size, real or synthetic, source first
                assert lines[name].startswith(f"{entry.size()}; {entry.kind}; {entry.source}: ")
    if what == "activations":
        assert lines["relu"] == (
            "ReLU, relu family; matched init he_normal; gain 1.41421 = calculate_gain('relu')"
        )
        assert lines["selu"].startswith("SELU, elu family; matched init lecun_normal; gain 0.75")
    if what == "datasets":
        assert lines["csv:<path>"].startswith("your own table")
        assert lines["iris"] == (
            "150 × 4, 3 classes; real; scikit-learn: iris; same data as keel_iris"
        )
        assert lines["@keel"] == "collection: 49 sets"


def test_list_suites(capsys, monkeypatch):
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).parents[1])
    assert main(["list", "suites"]) == 0
    assert "suites/smoke.toml" in capsys.readouterr().out


def test_export_and_show(write_suite, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    main(["run", str(write_suite(TINY_SUITE)), "--store", str(store), "--no-progress"])
    assert (
        main(["export", "--store", str(store), "--format", "csv", "--out", str(tmp_path / "x.csv")])
        == 0
    )
    assert (tmp_path / "x.csv").read_text().count("\n") == 13
    with Store(store) as s:
        key = sorted(s.keys())[0]
    capsys.readouterr()
    assert main(["show", key[:8], "--store", str(store)]) == 0
    out = capsys.readouterr().out
    assert f"key      {key}" in out and "status   ok" in out and "probes @ init" in out
    assert main(["show", "ffffffff", "--store", str(store)]) == 2
    assert "no stored cell with key 'ffffffff'" in capsys.readouterr().err
    assert main(["export", "--store", str(tmp_path / "none.sqlite")]) == 2


def test_bad_backend_and_workers(write_suite, tmp_path, capsys):
    suite = str(write_suite(TINY_SUITE))
    with pytest.raises(SystemExit) as info:
        main(["run", suite, "--backend", "slurm"])
    assert info.value.code == 2
    assert (
        main(["run", suite, "--store", str(tmp_path / "s"), "--backend", "local", "--workers", "0"])
        == 2
    )
    assert "--workers must be ≥ 1" in capsys.readouterr().err


def _by_key(path) -> dict:
    with Store(path) as s:
        return {r.key: r for r in s.results()}


def test_local_backend_matches_serial(write_suite, tmp_path):
    suite = str(write_suite(TINY_SUITE))
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    main(["run", suite, "--store", str(a), "--no-progress"])
    main(["run", suite, "--store", str(b), "--no-progress", "--backend", "local", "--workers", "2"])
    ra, rb = _by_key(a), _by_key(b)
    assert len(ra) == 12 and ra.keys() == rb.keys()
    assert {r.env["threads"] for r in rb.values()} == {1}
    assert {r.env["executor"] for r in rb.values()} == {"local"}
    for key in ra:  # one thread everywhere, member-aligned layouts: the same bits
        assert_same_results(ra[key], rb[key])


def test_batched_and_per_cell_runs_store_the_same_results(write_suite, tmp_path):
    suite = str(write_suite(TINY_SUITE))
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert main(["run", suite, "--store", str(a), "--no-progress"]) == 0
    assert main(["run", suite, "--store", str(b), "--no-progress", "--no-batch"]) == 0
    ra, rb = _by_key(a), _by_key(b)
    # 3 activations × (2 inits × 2 seeds), each seed on its own split, in one stack
    assert {r.env["members"] for r in ra.values()} == {4}
    assert {r.cell.data.split_seed for r in ra.values()} == {0, 1}
    assert {r.env["members"] for r in rb.values()} == {1}
    for key in ra:
        assert_same_results(ra[key], rb[key])


def test_dask_backend_matches_serial(write_suite, tmp_path):
    pytest.importorskip("dask.distributed")
    suite = str(write_suite(TINY_SUITE.replace("seeds = [0, 1]", "seeds = [0]")))
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    assert main(["run", suite, "--store", str(a), "--no-progress"]) == 0
    assert (
        main(
            [
                "run",
                suite,
                "--store",
                str(b),
                "--no-progress",
                "--backend",
                "dask",
                "--workers",
                "2",
            ]
        )
        == 0
    )
    ra, rb = _by_key(a), _by_key(b)
    assert len(ra) == 6 and ra.keys() == rb.keys()
    for key in ra:
        assert_same_results(ra[key], rb[key])


def test_executor_crash_is_a_clear_error_and_logged(write_suite, tmp_path, capsys, monkeypatch):
    from bench import execute

    serial_map = execute.SerialExecutor.map

    def broken_map(self, units):
        yield from serial_map(self, units[:1])  # one unit of 4 cells, then the crash
        raise RuntimeError("worker vanished")

    monkeypatch.setattr(execute.SerialExecutor, "map", broken_map)
    store = tmp_path / "s.sqlite"
    assert main(["run", str(write_suite(TINY_SUITE)), "--store", str(store), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert "the serial executor failed after 4 cells (RuntimeError: worker vanished)" in err
    with Store(store) as s:
        assert len(s.results()) == 4
        assert [r["status"] for r in s.runs()] == ["crashed"]


def test_unreadable_inputs_exit_2_with_one_line_and_store_nothing(write_suite, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    latin1 = tmp_path / "latin1.toml"
    latin1.write_bytes(b'dataset = "wine"\n# caf\xe9\n')
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    suites = [
        latin1,
        write_suite(TINY_SUITE.replace("lr = 1e-2", "lr = nan"), "nan.toml"),
        write_suite(f'dataset = "csv:{empty}"\nactivation = "relu"\ninit = "matched"\n', "e.toml"),
    ]
    expected = [
        "line 2: not UTF-8 text",
        "train.lr: must be a finite number, got nan",
        "not a readable CSV table",
    ]
    for suite, message in zip(suites, expected):
        assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 2
        err = capsys.readouterr().err
        assert message in err and "Traceback" not in err and err.count("\n") == 1
    assert not store.exists()


class _OddKeys(execute.SerialExecutor):
    """A worker that keys its first cell otherwise (other versions, another data file)."""

    def map(self, units):
        for i, results in enumerate(super().map(units)):
            if i == 0:
                results[0] = dataclasses.replace(results[0], key="ffffffffffffffff")
            yield results


def test_the_driver_stores_a_result_a_worker_keyed_otherwise_as_failed(write_suite, tmp_path):
    from bench.suite import load_suite

    suite = load_suite(write_suite(TINY_SUITE))
    with Store(tmp_path / "s.sqlite") as store:
        summary = execute.run_suite(suite, store, _OddKeys(), progress=False, batched=False)
        stored = {r.key: r for r in store.results()}
    cells = list(suite.cells())
    assert summary.done == 12 and summary.statuses == {"ok": 11, "failed": 1}
    assert sorted(stored) == sorted(c.key for c in cells)  # the driver's keys, every one
    odd = stored[cells[0].key]
    assert odd.status == "failed" and odd.cell == cells[0]
    assert odd.error.startswith("the worker keyed this cell ffffffffffffffff, the driver ")
    assert "ffffffffffffffff" not in stored


def test_dask_workers_must_run_one_thread_and_the_drivers_versions(monkeypatch):
    pytest.importorskip("dask.distributed")
    from dask.distributed import LocalCluster

    import bench.version
    from bench.errors import BenchError

    with (
        LocalCluster(
            n_workers=1, threads_per_worker=2, processes=True, dashboard_address=None
        ) as cluster,
        pytest.raises(BenchError, match=r"one thread each .*2 threads"),
    ):
        execute.DaskExecutor(1, address=cluster.scheduler_address)
    with LocalCluster(
        n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        # the driver only: the workers are other processes
        monkeypatch.setattr(bench.version, "__version__", "9.9.9")
        with pytest.raises(BenchError, match="other versions than this driver"):
            execute.DaskExecutor(1, address=cluster.scheduler_address)
        monkeypatch.undo()
        ex = execute.DaskExecutor(1, address=cluster.scheduler_address)
        ex.close()


def test_a_million_cell_grid_dry_runs_as_a_summary_and_a_big_run_asks_first(
    write_suite, tmp_path, capsys
):
    axes = {
        "activation": activations.names(),  # 16
        "init": [n for n in initializers.names() if n != "matched"],  # 11
        '"train.lr"': [1e-4 * (i + 1) for i in range(10)],
        '"model.depth"': list(range(1, 11)),
        '"model.width"': [8 * (i + 1) for i in range(10)],
        '"train.batch_size"': [16 * (i + 1) for i in range(8)],
    }
    grid = "\n".join(f"{k} = {v!r}".replace("'", '"') for k, v in axes.items())
    text = f'dataset = "wine"\n[suite]\nname = "huge"\nseeds = [0, 1]\n[grid]\n{grid}\n'
    text += '[[exclude]]\nactivation = "selu"\ninit = "naive_normal"\n'
    suite = write_suite(text, "huge.toml")
    store = tmp_path / "h.sqlite"
    assert main(["run", str(suite), "--store", str(store), "--dry-run"]) == 0
    out = capsys.readouterr().out
    inits = len(axes["init"])
    n = (
        len(axes["activation"]) * inits * 10 * 10 * 10 * 8 * 2 - 10 * 10 * 10 * 8 * 2
    )  # minus selu × naive_normal
    assert f"{n:,} cells = " in out and f"0 stored, {n:,} to run" in out
    assert "more than --max-cells 50,000: a run will ask first" in out
    assert len(out.splitlines()) < 15  # a summary, not a line per cell
    assert main(["run", str(suite), "--store", str(store)]) == 2  # no terminal: refused
    err = capsys.readouterr().err
    assert f"{n:,} cells to train (more than --max-cells 50,000)" in err
    assert f"rerun with --max-cells {n}" in err and not store.exists()


# --- conventions: one line and exit 2 for a user's mistake, '-' for stdout, help everywhere


def _golden_store(tmp_path: Path) -> Path:
    from tests.golden import load_fixture

    path = tmp_path / "g.sqlite"
    load_fixture(path).close()
    return path


def test_version_and_top_level_help_name_every_command(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["--version"])
    assert stop.value.code == 0 and capsys.readouterr().out.strip() == "bench 0.1.0"
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    for command in (
        "run",
        "report",
        "list",
        "export",
        "show",
        "speed",
        "claims",
        "perf",
        "quick",
        "compare",
    ):
        assert f"\n    {command} " in out, command


def test_every_option_of_every_command_has_help_and_every_command_an_example():
    from bench.cli import parser

    for name, sub in parser.build().subcommands.items():
        assert "examples:" in (sub.epilog or ""), name
        assert len(sub.declared) > 1, name  # -h and at least one of its own
        for action in sub.declared:
            if action.dest != "help":
                assert action.help, f"bench {name} {action.option_strings or action.dest}"


def test_unwritable_paths_and_typos_exit_2_with_one_line(tmp_path, capsys):
    store = _golden_store(tmp_path)
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    cases = [
        (["report", str(store), "--out", f"{blocker}/r.md"], "--out"),
        (["export", str(store), "--out", f"{blocker}/x.csv"], "--out"),
        (["export", str(store), "--suite", "nope"], "unknown suite 'nope'"),
        (["speed", str(store), "--suite", "nope"], "unknown suite 'nope'"),
        (["run", "suites/smoke.toml", "--workers", "2"], "--backend local"),
        (["run", "suites/smoke.toml", "--store", f"{blocker}/s.sqlite"], "--store"),
    ]
    for argv, words in cases:
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("error: ") and err.count("\n") == 1 and words in err, (argv, err)


def test_dash_writes_to_stdout(tmp_path, capsys):
    store = _golden_store(tmp_path)
    assert main(["export", str(store), "--out", "-"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("key,status,") and out.count("\n") == 97  # header + 96 cells
    assert main(["report", str(store), "--out", "-"]) == 0
    assert capsys.readouterr().out.startswith("# Activation bench report: `golden`")
    assert not any(p.name.endswith(".md") for p in Path.cwd().iterdir() if p.name != "README.md")


def test_list_suites_works_from_any_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["list", "suites"]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert any(line.endswith("suites/default.toml") for line in listed)


# --- what a newcomer tries after the README (issue 26) ---------------------------------------


def _table(path: Path, rows: int = 40) -> Path:
    """A small classification table: two numeric features, a two-class last column."""
    lines = ["a,b,label"] + [
        f"{i % 7},{(i * 3) % 5},{'yes' if i % 2 else 'no'}" for i in range(rows)
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_quick_writes_a_suite_file_that_reruns_its_csv_grid(tmp_path, monkeypatch, capsys):
    """Item 1: the suite file names the csv: table relative to itself, so `bench run` on it
    finds the same table (and every cell already stored); item 6: --name names the report."""
    monkeypatch.chdir(tmp_path)
    _table(tmp_path / "my.csv")
    flags = [
        "--activations",
        "relu,tanh",
        "--seeds",
        "1",
        "--depth",
        "1",
        "--width",
        "4",
        "--epochs",
        "1",
        "--device",
        "cpu",
        "--no-progress",
    ]
    assert main(["quick", "--datasets", "csv:my.csv", *flags]) == 0  # the plural spelling
    written = (tmp_path / "reports" / "quick.toml").read_text()
    assert 'dataset = ["csv:../my.csv"]' in written  # from reports/, where the file is
    capsys.readouterr()
    assert main(["run", "reports/quick.toml", "--store", "results/quick.sqlite", "--dry-run"]) == 0
    assert "store results/quick.sqlite: 2 stored, 0 to run" in capsys.readouterr().out
    first = (tmp_path / "reports" / "quick.md").read_text()
    assert main(["quick", "--dataset", "csv:my.csv", *flags, "--name", "second"]) == 0
    assert (
        (tmp_path / "reports" / "second.md")
        .read_text()
        .startswith("# Activation bench report: `second`")
    )
    assert (tmp_path / "reports" / "quick.md").read_text() == first  # not overwritten
    capsys.readouterr()
    assert main(["quick", "--dataset", "csv:my.csv", *flags, "--name", "a/b"]) == 2
    assert "--name 'a/b': the report is named after it" in capsys.readouterr().err


def _commands() -> dict[str, argparse.ArgumentParser]:
    from bench.cli import parser

    return parser.build().subcommands


@pytest.mark.parametrize("command", sorted(_commands()))
def test_an_unknown_flag_of_any_command_gets_its_usage_and_a_suggestion(command, capsys):
    """Item 4: a misspelt flag (two letters swapped) is refused under the command's own
    usage, naming the flag it was."""
    flags = list(_commands()[command].flags)
    longest = max((f for f in flags if f.startswith("--") and f != "--help"), key=len, default="")
    typo = longest[:3] + longest[4] + longest[3] + longest[5:] if longest else "--verbose"
    with pytest.raises(SystemExit) as stop:
        main([command, typo])
    err = capsys.readouterr().err
    assert stop.value.code == 2 and err.startswith(f"usage: bench {command} ")
    assert f"bench {command}: error: unrecognized argument: {typo}" in err
    if longest:
        assert err.rstrip().endswith(f"(did you mean {longest}?)"), err


def test_flags_take_both_spellings_and_any_unambiguous_beginning(capsys):
    from bench.cli import parser

    p = parser.build()
    for argv in (["--dataset", "wine"], ["--datasets", "wine"], ["--data", "wine"]):
        args = p.parse_args(["quick", "--activation", "relu", *argv])
        assert (args.dataset, args.activations) == ("wine", "relu")
    assert p.parse_args(["speed", "--activation", "elu"]).activations == "elu"
    assert p.parse_args(["claims", "list", "--suite", "c01_linear"]).suites == "c01_linear"
    assert p.parse_args(["run", "s.toml", "--dry"]).dry_run  # one flag begins so
    with pytest.raises(SystemExit):
        p.parse_args(["quick", "--activations", "relu", "--d", "3"])
    err = capsys.readouterr().err
    assert err.rstrip().endswith("(did you mean --dataset, --depth or --device?)")


@pytest.mark.parametrize("word", ["initializers", "initializer", "inits", "init"])
def test_list_answers_to_the_names_a_user_guesses(word, capsys):
    assert main(["list", word]) == 0
    assert capsys.readouterr().out.splitlines()[-1].startswith("matched ")


def test_list_and_init_suggest_what_was_meant(tmp_path, capsys):
    with pytest.raises(SystemExit):
        main(["list", "initialisers"])
    assert (
        "cannot list 'initialisers'; choose from activations, initializers, datasets, "
        "suites (did you mean 'initializers'?)" in capsys.readouterr().err
    )
    out = ["--store", str(tmp_path / "q.sqlite"), "--out", str(tmp_path / "q.md")]
    assert main(["quick", "--activations", "relu", "--init", "he", *out]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bench quick: --init: unknown initializer 'he'; valid: ")
    assert err.endswith("(did you mean 'he_uniform' or 'he_normal'?)\n")
    assert not list(tmp_path.iterdir())


def test_show_without_a_store_says_where_it_looked(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["show", "3f2a9c"]) == 2
    assert capsys.readouterr().err == (
        "error: no store to look in: results/ holds no *.sqlite here; name one with --store\n"
    )


def test_dry_run_names_exclusions_only_when_there_are_some(write_suite, tmp_path, capsys):
    store = str(tmp_path / "s.sqlite")
    assert main(["run", str(write_suite(TINY_SUITE)), "--store", store, "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "12 cells = 3 activation × 2 init × 2 seeds\n" in out
    # 12 tiny cells: well under a second, never "about 0 s" nor "0 core-minutes"
    assert "estimate: under a second with 1 worker(s)" in out
    assert "(under a core-second; bench/cost.py)" in out
    rule = '\n[[exclude]]\nactivation = "selu"\ninit = "matched"\n'
    suite = write_suite(TINY_SUITE + rule, "excl.toml")
    assert main(["run", str(suite), "--store", store, "--dry-run"]) == 0
    assert "10 cells = 3 activation × 2 init × 2 seeds, minus 2 excluded by 1 rule\n" in (
        capsys.readouterr().out
    )
