"""A user's own activation, named by import path (``package.module:Name``): it trains through
a suite, its cells are keyed by its module's source (an edit trains again, a rerun nothing),
``matched`` follows what it declares, workers import it by path and must see the same source,
and what cannot be keyed (a missing module, a lambda, a class of ``__main__``) is refused in
one line. The registry itself refuses run-time entries, pointing here."""

from __future__ import annotations

import hashlib
import importlib
import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from torch import nn

from bench import activations, api, execute, initializers, models, probes, speed
from bench.cli import main
from bench.errors import BenchError
from bench.records import Cell, ModelSpec, TrainSpec, key_with_digest
from bench.run import loop
from bench.store import Store
from bench.suite import parse_suite

ROOT = Path(__file__).resolve().parents[1]

MODULE = '''
"""Activations of a user's own."""
import torch
from torch import nn

SCALE = 1.0


class Snake(nn.Module):
    """x + sin²(x), He-initialized."""

    init_family = "he"

    def forward(self, x):
        return x + SCALE * torch.sin(x) ** 2


def square(x):
    """x·|x|; declares nothing, so matched falls back to torch_default."""
    return x * x.abs()


def scaled(x):
    return torch.tanh(x)


scaled.gain = 1.5

ident = lambda x: x  # noqa: E731
'''


@pytest.fixture
def acts(tmp_path, monkeypatch):
    """The module above, written to a folder on ``sys.path`` under a name of its own."""
    name = "own_" + hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]
    folder = tmp_path / "lib"
    folder.mkdir()
    path = folder / f"{name}.py"
    path.write_text(MODULE)
    monkeypatch.syspath_prepend(str(folder))
    yield SimpleNamespace(name=name, path=path, folder=folder)
    sys.modules.pop(name, None)


def _doc(name: str, *acts: str) -> dict:
    return {
        "dataset": "wine",
        "suite": {"name": "own", "seeds": [0, 1]},
        "grid": {"activation": [f"{name}:{a}" for a in acts]},
        "model": {"depth": 2, "width": 8},
        "train": {"epochs": 2, "lr": 1e-2, "batch_size": 32},
    }


def _run(doc: dict, store: Path, executor: execute.Executor | None = None):
    suite = parse_suite(doc)
    with Store(store) as db:
        summary = execute.run_suite(suite, db, executor or execute.SerialExecutor(), progress=False)
        frame = db.frame(suite.name, series=True)
    return summary, frame


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_suite_trains_it_a_rerun_trains_nothing_an_edit_trains_again(acts, tmp_path):
    doc, store = _doc(acts.name, "Snake", "square"), tmp_path / "s.sqlite"
    summary, frame = _run(doc, store)
    assert (summary.total, summary.done, summary.skipped) == (4, 4, 0)
    assert set(frame["status"]) == {"ok"} and frame["test_acc"].between(0, 1).all()
    assert set(frame["activation"]) == {f"{acts.name}:Snake", f"{acts.name}:square"}
    first = _sha(acts.path)
    assert set(frame["env.activation_sha256"]) == {first}
    matched = dict(zip(frame["activation"], frame["env.matched_init"], strict=True))
    assert matched == {f"{acts.name}:Snake": "he_normal", f"{acts.name}:square": "torch_default"}

    # the key: the path in the cell, the source's sha256 beside it
    cell = parse_suite(doc).cells()[0]
    key = cell.key  # a property: computed from the file as it is when read
    assert key == key_with_digest(cell, None, first) != key_with_digest(cell, None, None)
    assert key in set(frame["key"])

    summary, _ = _run(doc, store)
    assert (summary.done, summary.skipped) == (0, 4)

    acts.path.write_text(MODULE.replace("SCALE = 1.0", "SCALE = 2.0"))  # one character
    edited = _sha(acts.path)
    assert edited != first and cell.key == key_with_digest(cell, None, edited) != key
    summary, frame = _run(doc, store)
    assert (summary.done, summary.skipped) == (4, 0)  # the new cells; the old rows stay
    new = frame[frame["env.activation_sha256"] == edited]
    assert len(frame) == 4 and len(new) == 4
    with Store(store, readonly=True) as db:
        assert len(db.frame()) == 8
        old = db.frame()
    old = old[old["env.activation_sha256"] == first].set_index(["activation", "seed"])
    new = new.set_index(["activation", "seed"])
    snake = f"{acts.name}:Snake"
    # the edited code trained (SCALE is Snake's only), not the module imported before
    for seed in (0, 1):
        assert old.at[(snake, seed), "train_loss"] != new.at[(snake, seed), "train_loss"]
        square = (f"{acts.name}:square", seed)
        assert old.at[square, "train_loss"] == new.at[square, "train_loss"]


def test_the_report_says_what_matched_stood_for(acts, tmp_path):
    _run(_doc(acts.name, "Snake", "square"), tmp_path / "s.sqlite")
    text = api.report(tmp_path / "s.sqlite")
    line = next(row for row in text.splitlines() if row.startswith("| own activations"))
    assert line.split("|")[2].strip() == (
        f"`{acts.name}:Snake`: `matched` = `he_normal` (from its `init_family` or `gain`); "
        f"`{acts.name}:square`: `matched` = `torch_default` (the fallback: it declares no "
        "`init_family` or `gain`)"
    )


def _suite_file(tmp_path: Path, activation: str) -> Path:
    path = tmp_path / "suite.toml"
    path.write_text(
        textwrap.dedent(f"""
        dataset = "wine"
        [suite]
        name = "own"
        seeds = [0, 1]
        [grid]
        activation = ["relu", "{activation}"]
        [model]
        depth = 2
        width = 8
        [train]
        epochs = 2
        lr = 1e-2
        batch_size = 32
        """)
    )
    return path


def test_a_path_that_cannot_be_imported_stops_the_run_in_one_line(tmp_path, capsys):
    suite, store = _suite_file(tmp_path, "no_such_module_q7:Act"), tmp_path / "s.sqlite"
    assert main(["run", str(suite), "--store", str(store)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: {suite}: grid.activation: ")
    assert "'no_such_module_q7:Act'" in err and "PYTHONPATH" in err
    assert not store.exists()


def test_a_lambda_a_builtin_and_a_misnamed_attribute_are_refused(acts, tmp_path, capsys):
    suite = _suite_file(tmp_path, f"{acts.name}:ident")
    assert main(["run", str(suite), "--store", str(tmp_path / "s.sqlite")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a lambda" in err
    flags = ["--dataset", "wine", "--out", str(tmp_path / "q.md")]
    assert main(["quick", "--activations", "relu,torch:tanh", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: bench quick: --activations: activation 'torch:tanh' is a ")
    assert err.count("\n") == 1 and "builtin" in err
    assert main(["quick", "--activations", f"{acts.name}:Snak", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith("(did you mean 'Snake'?)\n")
    assert main(["quick", "--activations", "torch.nn:Tanh", *flags]) == 2  # a re-export
    assert "name it there, torch.nn.modules.activation:Tanh" in capsys.readouterr().err


def test_the_registry_refuses_run_time_entries_with_a_pointer():
    before = activations.names()
    with pytest.raises(TypeError) as info:
        activations.REGISTRY["mine"] = activations.get("relu")
    assert isinstance(info.value, BenchError)
    assert 'docs/reference.md, "Your own activation"' in str(info.value)
    assert "package.module:Name" in str(info.value)
    with pytest.raises(TypeError):
        activations.REGISTRY.update(mine=activations.get("relu"))
    with pytest.raises(TypeError):
        del activations.REGISTRY["relu"]
    assert activations.names() == before and "mine" not in activations.REGISTRY
    headings = (ROOT / "docs" / "reference.md").read_text().splitlines()
    assert "## Your own activation" in headings


def _first_linear(net: nn.Module) -> nn.Linear:
    return next(m for m in net.modules() if isinstance(m, nn.Linear))


@pytest.mark.parametrize(
    ("attr", "init", "std"),
    [
        ("Snake", "he_normal", math.sqrt(2 / 1000)),  # He: σ² = 2/fan_in
        ("square", "torch_default", 1 / math.sqrt(3 * 1000)),  # U(±1/√fan_in): σ² = 1/(3·fan_in)
        ("scaled", "lecun_normal_gain", 1.5 / math.sqrt(1000)),  # σ² = gain²/fan_in
    ],
)
def test_matched_follows_the_declared_family_or_gain_else_torch_default(acts, attr, init, std):
    path = f"{acts.name}:{attr}"
    assert initializers.resolve("matched", path) == init
    torch.manual_seed(0)
    net = models.build(ModelSpec("mlp", 1, 256), path, "matched", 1000, 2)
    weight, bias = _first_linear(net).weight.detach(), _first_linear(net).bias.detach()
    assert weight.shape == (256, 1000)
    assert float(weight.std()) == pytest.approx(std, rel=0.01)
    if init == "torch_default":  # its bias kept: U(±1/√1000)
        assert 0 < float(bias.abs().max()) <= 1 / math.sqrt(1000)
    else:
        assert float(bias.abs().max()) == 0.0


def test_the_api_takes_the_class_itself_and_refuses_what_has_no_source(acts, tmp_path):
    module = importlib.import_module(acts.name)
    doc = _doc(acts.name, "square") | {"grid": {"activation": [module.Snake, "relu"]}}
    frame = api.run(doc, store=tmp_path / "s.sqlite")
    assert sorted(set(frame["activation"])) == sorted([f"{acts.name}:Snake", "relu"])
    assert set(frame["status"]) == {"ok"}
    quick = api.quick_suite([module.square, "relu"])
    assert quick["grid"]["activation"] == [f"{acts.name}:square", "relu"]

    class Inner(nn.Module):
        def forward(self, x):
            return x

    with pytest.raises(BenchError, match=r"^<dict>: grid.activation: .*defined inside a function"):
        api.as_suite(doc | {"grid": {"activation": [Inner]}})
    Inner.__module__, Inner.__qualname__ = "__main__", "Inner"  # as in a notebook cell
    with pytest.raises(BenchError, match=r"defined in __main__ \(a script or a notebook cell\)"):
        api.as_suite(doc | {"grid": {"activation": [Inner]}})
    with pytest.raises(BenchError, match=r"^activation <lambda>: a lambda has no name"):
        api.quick_suite([lambda x: x])


class _Elsewhere(execute.Executor):
    """A worker that sees another copy of the activation's module (``folder`` first on its
    path), trained in this process; the driver's own view is restored before it stores."""

    name, workers = "elsewhere", 1

    def __init__(self, folder: Path, module: str, monkeypatch) -> None:
        self.folder, self.module, self.monkeypatch = folder, module, monkeypatch

    def map(self, units):
        with self.monkeypatch.context() as m:
            m.syspath_prepend(str(self.folder))
            m.delitem(sys.modules, self.module)
            done = [loop.train(u) for u in units]
        yield from done

    def close(self) -> None:
        """Nothing to release."""


def test_a_worker_with_another_copy_stores_failed_cells_with_the_reason(
    acts, tmp_path, monkeypatch
):
    doc = _doc(acts.name, "Snake")
    parse_suite(doc)  # the driver imports its copy first
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / acts.path.name).write_text(MODULE.replace("SCALE = 1.0", "SCALE = 3.0"))
    summary, frame = _run(doc, tmp_path / "s.sqlite", _Elsewhere(other, acts.name, monkeypatch))
    assert summary.statuses == {"failed": 2}
    assert frame["error"].str.startswith("the worker keyed this cell ").all()
    assert frame["error"].str.contains("another copy of the data file or of the activation's").all()


def test_local_workers_import_it_from_pythonpath(acts, tmp_path):
    suite, store = _suite_file(tmp_path, f"{acts.name}:Snake"), tmp_path / "local.sqlite"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(acts.folder), str(ROOT)])}
    run = [sys.executable, "-m", "bench", "run", str(suite), "--store", str(store)]
    local = [*run, "--backend", "local", "--workers", "2", "--no-progress"]
    res = subprocess.run(local, capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert res.returncode == 0, res.stderr
    with Store(store, readonly=True) as db:
        local = db.frame("own").set_index(["activation", "seed"])
    assert set(local["status"]) == {"ok"} and set(local["env.executor"]) == {"local"}
    assert len(local) == 4
    own = local.xs(f"{acts.name}:Snake")
    assert set(own["env.activation_sha256"]) == {_sha(acts.path)}
    # the same numbers as in this process (a cell's result is the same on any backend)
    doc = _doc(acts.name) | {"grid": {"activation": ["relu", f"{acts.name}:Snake"]}}
    serial = _run(doc, tmp_path / "serial.sqlite")[1].set_index(["activation", "seed"])
    assert list(serial.loc[local.index, "test_acc"]) == list(local["test_acc"])


def test_probes_and_speed_take_it(acts):
    path = f"{acts.name}:Snake"
    net = models.build(ModelSpec("mlp", 2, 8), path, "matched", 4, 2)
    health = probes.unit_health(net, torch.randn(32, 4), torch.randint(0, 2, (32,)))
    assert len(health["dead"]) == 2 and health["units"] == [8, 8]
    records = speed.measure([path], widths=(8,), depth=1, repeats=1, blocks=1, block_time=1e-4)
    assert {r["activation"] for r in records} == {path}


def test_built_in_keys_are_what_they_were():
    """Keys computed before import paths existed (no SCHEMA_VERSION bump: only a cell with an
    import-path activation has the extra field in its key document)."""
    cell = Cell("wine", "relu", "matched", model=ModelSpec("mlp", 2, 8), train=TrainSpec(epochs=2))
    assert cell.key == key_with_digest(cell, None) == "c8252450f87c7589"
    assert Cell("csv:/nonexistent.csv", "selu", "he_normal", seed=3).key == "5b80750f759b38f3"
