"""Suites: grid expansion, cell keys, and validation before anything trains."""

from __future__ import annotations

import dataclasses
import json

import pytest

from bench import activations, data, initializers
from bench.errors import BenchError, SuiteError, UnknownNameError, did_you_mean
from bench.records import Cell, TrainSpec, cell_from_dict
from bench.suite import DEFAULT_INIT, Grid, check_data, load_suite, parse_suite
from tests.conftest import TINY_SUITE, tiny_cell


def test_grid_is_sorted_product_with_seeds_innermost(write_suite):
    suite = load_suite(write_suite(TINY_SUITE))
    assert len(suite.grid) == 3 * 2 * 2
    labels = [(c.activation, c.init, c.seed) for c in suite.grid]
    # axes sorted by name: activation before init; the last axis and then seeds vary fastest
    assert labels[:5] == [
        ("relu", "matched", 0),
        ("relu", "matched", 1),
        ("relu", "glorot_uniform", 0),
        ("relu", "glorot_uniform", 1),
        ("tanh", "matched", 0),
    ]
    assert suite.grid[4] == list(suite.grid)[4]
    assert all(
        c.dataset == "wine" and c.model.depth == 2 and c.train.lr == 0.01 for c in suite.grid
    )


def test_exclude_rules_remove_matching_cells():
    grid = Grid(
        {"dataset": "wine", "init": "matched"},
        {"activation": ["relu", "selu"], "train.lr": [0.1, 0.01]},
        seeds=[0],
        exclude=[
            {"activation": ["selu"], "train.lr": [0.1]},
            {"model.depth": [4], "activation": ["relu"]},
        ],
    )
    kept = {(c.activation, c.train.lr) for c in grid}
    assert kept == {("selu", 0.01)}  # relu goes by the default depth (4)
    assert len(grid) == 1


def test_cell_key_is_stable_and_changes_with_any_setting():
    a = tiny_cell()
    assert a.key == tiny_cell().key and len(a.key) == 16
    assert hash(a) == hash(tiny_cell())
    changed = [
        tiny_cell(seed=1),
        tiny_cell(activation="tanh"),
        tiny_cell(train=dataclasses.replace(a.train, lr=0.02)),
        tiny_cell(model=dataclasses.replace(a.model, width=9)),
        tiny_cell(data=dataclasses.replace(a.data, standardize=False)),
    ]
    assert len({a.key, *(c.key for c in changed)}) == 6


def test_schema_version_is_part_of_the_key(monkeypatch):
    import bench.records

    before = tiny_cell().key
    monkeypatch.setattr(bench.records, "SCHEMA_VERSION", bench.records.SCHEMA_VERSION + 1)
    assert tiny_cell().key != before


def test_int_lr_is_coerced_to_float_so_keys_agree():
    doc = {"dataset": "wine", "activation": "relu", "init": "matched", "train": {"lr": 1}}
    assert parse_suite(doc).cells()[0].train.lr == 1.0
    assert isinstance(parse_suite(doc).cells()[0].train.lr, float)


BAD = [
    (
        {"grid": {"activation": ["relu", "swish2"]}},
        "grid.activation",
        "unknown activation 'swish2'; valid: identity, sigmoid, tanh, relu",
    ),
    ({"init": "xavier"}, "init", "unknown initializer 'xavier'; valid: glorot_uniform"),
    ({"dataset": "svhn"}, "dataset", "unknown dataset 'svhn'; valid: digits"),
    ({"model": {"depth": -1}}, "model.depth", "must be ≥ 0, got -1"),
    ({"model": {"kind": "transformer"}}, "model.kind", "valid: mlp, resmlp, cnn"),
    ({"train": {"lr": 0}}, "train.lr", "must be > 0, got 0.0"),
    ({"grid": {"train.lr": [1e-3, -1.0]}}, "grid.train.lr", "must be > 0, got -1.0"),
    ({"train": {"momentum": 1.0}}, "train.momentum", "must be in [0, 1)"),
    ({"train": {"epochs": "ten"}}, "train.epochs", "expected int, got str 'ten'"),
    ({"train": {"probe": 1}}, "train.probe", "expected bool, got int"),
    (
        {"train": {"probe_every": 0}},
        "train.probe_every",
        "must be an integer N ≥ 1 (probes after every N-th epoch) or 'log' (after epochs 1, 2, 4, "
        "8, …); the probes always run at initialization and after the last epoch; got 0",
    ),
    ({"train": {"probe_every": "sqrt"}}, "train.probe_every", "or 'log' (after epochs"),
    ({"train": {"probe_every": 2.5}}, "train.probe_every", "; got 2.5"),
    ({"train": {"probe_every": True}}, "train.probe_every", "; got True"),
    ({"grid": {"train.probe_every": [1, "exp"]}}, "grid.train.probe_every", "; got 'exp'"),
    (
        {"train": {"learning_rate": 0.1}},
        "train.learning_rate",
        "unknown field 'train.learning_rate'; valid:",
    ),
    ({"optimiser": "sgd"}, "optimiser", "unknown key; valid: activation, data, dataset"),
    ({"suite": {"seeds": []}}, "suite.seeds", "non-empty list of integers"),
    ({"suite": {"seeds": [0, 0]}}, "suite.seeds", "repeated seeds"),
    ({"suite": {"runs": 3}}, "suite.runs", "unknown key; valid: description, name, seeds"),
    ({"grid": {"activation": []}}, "grid.activation", "non-empty list"),
    ({"grid": {"model": {"depth": [1, 2]}}}, "grid.model", 'quote dotted keys: "model.…"'),
    ({"grid": {"init": ["he_normal"]}}, "grid.init", "also set as a fixed value"),
    ({"dataset": "moons", "model": {"kind": "cnn"}}, "model.kind", "'moons' has none"),
    ({"exclude": [{"activation": "relu"}]}, "exclude", "every cell of the grid is excluded"),
    ({"exclude": [{"activaton": "relu"}]}, "exclude[0].activaton", "unknown field 'activaton'"),
]


@pytest.mark.parametrize(("patch", "field", "message"), BAD, ids=[b[1] for b in BAD])
def test_invalid_suites_name_the_field(patch, field, message):
    doc = {"dataset": "wine", "activation": "relu", "init": "matched"}
    for key, value in patch.items():
        if isinstance(value, dict) and isinstance(doc.get(key), dict):
            doc[key].update(value)
        else:
            doc[key] = value
    for axis in patch.get("grid", {}):
        if "also set" not in message:  # an axis replaces the fixed value of the same name
            doc.pop(axis, None)
    with pytest.raises(SuiteError) as info:
        parse_suite(doc, "suites/x.toml")
    assert info.value.field == field
    assert str(info.value).startswith(f"suites/x.toml: {field}: ")
    assert message in str(info.value)


def test_probe_every_takes_an_integer_or_log_and_is_part_of_the_key():
    doc = {"dataset": "wine", "activation": "relu", "grid": {"train.probe_every": [3, "log"]}}
    cells = parse_suite(doc).cells()
    assert [c.train.probe_every for c in cells] == [3, "log"]
    assert cells[0].key != cells[1].key
    assert cell_from_dict(json.loads(json.dumps(cells[1].to_dict()))) == cells[1]
    assert TrainSpec().probe_every == 15


def test_missing_required_field():
    with pytest.raises(SuiteError, match="activation: missing"):
        parse_suite({"dataset": "wine", "init": "matched"})
    with pytest.raises(SuiteError, match="dataset: missing"):
        parse_suite({"activation": "relu"})


def test_init_defaults_to_matched():
    grid = {"activation": ["relu", "selu"]}
    suite = parse_suite({"dataset": "wine", "grid": grid})
    assert DEFAULT_INIT == "matched"
    assert [c.init for c in suite.cells()] == ["matched", "matched"]
    explicit = parse_suite({"dataset": "wine", "init": "matched", "grid": grid})
    assert [c.key for c in suite.cells()] == [c.key for c in explicit.cells()]
    # a fixed value or an axis still wins
    fixed = parse_suite({"dataset": "wine", "activation": "relu", "init": "he_uniform"})
    assert [c.init for c in fixed.cells()] == ["he_uniform"]
    axis = parse_suite({"dataset": "wine", "activation": "relu", "grid": {"init": ["he_normal"]}})
    assert [c.init for c in axis.cells()] == ["he_normal"]


def test_suite_file_without_init_runs_matched(write_suite):
    suite = load_suite(write_suite(TINY_SUITE.replace('init = ["matched", "glorot_uniform"]', "")))
    assert {c.init for c in suite.cells()} == {"matched"}


@pytest.mark.parametrize(
    ("doc", "field", "suggestion"),
    [
        ({"activation": "rleu"}, "activation", "relu"),
        ({"init": "glorot"}, "init", "glorot_normal"),
        ({"grid": {"init": ["he_normal", "he_nromal"]}}, "grid.init", "he_normal"),
        ({"dataset": "digtis"}, "dataset", "digits"),
    ],
)
def test_unknown_names_suggest_the_closest(doc, field, suggestion):
    with pytest.raises(SuiteError) as info:
        parse_suite({"dataset": "wine", "activation": "relu", **doc}, "suites/x.toml")
    assert info.value.field == field
    message = str(info.value)
    assert message.endswith(f"(did you mean {suggestion!r}?)")
    assert "; valid: " in message  # the whole list stays


def test_unknown_names_without_a_close_one_get_no_suggestion():
    for doc in ({"activation": "transformer"}, {"init": "xavier"}, {"dataset": "imagenet"}):
        with pytest.raises(SuiteError) as info:
            parse_suite({"dataset": "wine", "activation": "relu", **doc})
        assert "; valid: " in str(info.value) and "did you mean" not in str(info.value)


def test_registry_lookups_suggest_too():
    with pytest.raises(UnknownNameError) as info:
        activations.get("rleu")
    assert str(info.value) == (
        f"unknown activation 'rleu'; valid: {', '.join(activations.names())}"
        ", leaky_relu(<negative_slope>), prelu(<negative_slope>)"
        ", prelu_channel(<negative_slope>), elu(<alpha>)"
        ", package.module:Name"
        " (did you mean 'relu'?)"
    )
    with pytest.raises(UnknownNameError, match=r"valid: glorot_uniform, .*\(did you mean 'glorot_"):
        initializers.get("glorot")
    with pytest.raises(UnknownNameError, match=r"valid: digits, .* \(did you mean 'mnist"):
        data.get("mnsit")  # mnist1d, or a registered mnist* closer still
    assert did_you_mean("swishy", ["relu"]) == "" and did_you_mean(3, ["relu"]) == ""


def test_unreadable_and_malformed_files(tmp_path):
    with pytest.raises(BenchError, match="cannot read suite"):
        load_suite(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[suite\nname=")
    with pytest.raises(BenchError, match="not valid TOML"):
        load_suite(bad)


def test_csv_dataset_must_exist(tmp_path):
    with pytest.raises(SuiteError, match=r"dataset: 'csv:.*missing.csv': no such file"):
        parse_suite(
            {"dataset": f"csv:{tmp_path}/missing.csv", "activation": "relu", "init": "matched"}
        )


@pytest.mark.parametrize(
    ("doc", "hint"),
    [
        ({"train": {"learnig_rate": 0.1}}, "(did you mean 'train.lr'?)"),
        ({"train": {"epoch": 3}}, "(did you mean 'train.epochs'?)"),
        ({"modle": {"depth": 2}}, "(did you mean 'model'?)"),
        ({"suite": {"name": "x", "seed": [0]}}, "(did you mean 'seeds'?)"),
    ],
)
def test_a_misspelt_key_gets_a_suggestion(doc, hint):
    base = {"suite": {"name": "x"}, "dataset": "wine", "activation": "relu"}
    merged = {**base, **doc}
    if "suite" in doc:
        merged["suite"] = doc["suite"]
    with pytest.raises(SuiteError) as info:
        parse_suite(merged, "s.toml")
    assert str(info.value).endswith(hint)


def test_shipped_suites_are_valid(tmp_path, monkeypatch):
    from pathlib import Path

    from tests.test_images import write_image_cache

    # suites/images.toml needs the image files: tiny ones in the real formats, never the network
    monkeypatch.setenv("BENCH_DATA_DIR", str(write_image_cache(tmp_path)))
    suites = sorted(Path(__file__).parents[1].joinpath("suites").rglob("*.toml"))
    assert suites
    for path in suites:
        assert len(load_suite(path).grid) > 0


def test_cell_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        tiny_cell().seed = 3  # type: ignore[misc]
    assert isinstance(tiny_cell(), Cell)


def test_csv_cell_key_follows_the_file_contents(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,y\n1,0\n2,1\n")
    before = tiny_cell(dataset=f"csv:{table}").key
    assert tiny_cell(dataset=f"csv:{table}").key == before
    table.write_text("a,y\n1,0\n3,1\n")
    assert tiny_cell(dataset=f"csv:{table}").key != before


def test_cnn_needs_a_spatial_dataset_even_for_csv(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,y\n1,0\n2,1\n")
    doc = {
        "dataset": f"csv:{table}",
        "activation": "relu",
        "init": "matched",
        "model": {"kind": "cnn"},
    }
    with pytest.raises(SuiteError, match="'cnn' needs a data set with a spatial layout"):
        parse_suite(doc)


def test_bad_csv_contents_fail_the_data_check_before_training(tmp_path):
    table = tmp_path / "t.csv"
    table.write_text("a,y\n1,0\n2,\n")
    doc = {"dataset": f"csv:{table}", "activation": "relu", "init": "matched"}
    suite = parse_suite(doc, "s.toml")  # parsing reads names, never the table
    with pytest.raises(
        SuiteError,
        match=r"^s.toml: dataset: csv:.*t.csv: label column 'y' "
        r"\(the last column; data.label_column chooses another\): 1 missing",
    ):
        check_data(suite)
    doc["data"] = {"label_column": "nope"}
    table.write_text("a,y\n1,0\n2,1\n")
    with pytest.raises(SuiteError, match=r"label column 'nope' \(set by data.label_column\) not"):
        check_data(parse_suite(doc, "s.toml"))


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ('"train.lr"', "nan", "must be a finite number, got nan"),
        ('"train.lr"', "inf", "must be a finite number, got inf"),
        ('"train.weight_decay"', "-inf", "must be a finite number, got -inf"),
        ('"train.momentum"', "nan", "must be a finite number, got nan"),
    ],
)
def test_non_finite_numbers_are_refused(write_suite, field, value, message):
    path = write_suite(
        f'dataset = "wine"\nactivation = "relu"\ninit = "matched"\n[grid]\n{field} = [{value}]\n'
    )
    with pytest.raises(SuiteError, match=message) as info:
        load_suite(path)
    assert info.value.field == f"grid.{field.strip(chr(34))}"


def test_a_suite_that_is_not_utf8_is_refused_with_its_line(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes(b'dataset = "wine"\n# caf\xe9\nactivation = "relu"\n')
    with pytest.raises(BenchError, match=r"latin1.toml: line 2: not UTF-8 text \(byte 0xe9\)"):
        load_suite(path)


@pytest.mark.parametrize("content", ["", "\n", 'a,"b\n1,"2'])
def test_an_empty_or_broken_csv_is_refused_before_training(write_suite, tmp_path, content):
    table = tmp_path / "t.csv"
    table.write_text(content)
    path = write_suite(f'dataset = "csv:{table}"\nactivation = "relu"\ninit = "matched"\n')
    with pytest.raises(SuiteError, match=r"dataset: .*t\.csv"):
        check_data(load_suite(path))


@pytest.mark.parametrize(
    "rules",
    [
        [],
        [{"activation": ["selu"], "train.lr": [0.1]}],
        [{"model.depth": [4]}],
        [{"model.depth": [2]}],
    ],
)
def test_the_lazy_grid_counts_and_indexes_like_the_expanded_product(rules):
    import itertools

    grid = Grid(
        {"dataset": "wine", "init": "matched"},
        {"activation": ["relu", "selu", "tanh"], "train.lr": [0.1, 0.01], "model.width": [4, 8]},
        seeds=[0, 1],
        exclude=rules,
    )
    expected = []
    for act, lr, width, seed in itertools.product(
        ["relu", "selu", "tanh"], [0.1, 0.01], [4, 8], [0, 1]
    ):  # sorted axes: activation, model.width, train.lr; seeds innermost
        cell = (act, lr, width, seed)
        gone = any(
            (r.get("activation", [act]) == [act] or act in r.get("activation", []))
            and lr in r.get("train.lr", [lr])
            and 4 in r.get("model.depth", [4])
            for r in rules
        )
        if not gone:
            expected.append(cell)
    got = [(c.activation, c.train.lr, c.model.width, c.seed) for c in grid]
    assert sorted(got) == sorted(expected) and len(grid) == len(expected)
    assert [
        (c.activation, c.train.lr, c.model.width, c.seed)
        for c in (grid[i] for i in range(len(grid)))
    ] == got
    if got:
        assert grid[-1] == list(grid)[-1]
    with pytest.raises(IndexError):
        grid[len(grid)]


def test_a_collection_names_many_data_sets_in_one_word(tmp_path):
    from bench import data

    suite = parse_suite({"dataset": "@keel", "activation": "relu"}, "s.toml")
    assert suite.grid.axes["dataset"] == data.collection("@keel")  # an axis of 49 sets
    doc = {
        "activation": "relu",
        "grid": {"dataset": ["@synthetic", "mnist5k"]},
        "exclude": [{"dataset": "@real", "activation": "relu"}],
    }
    with pytest.raises(SuiteError, match="exclude: every cell of the grid is excluded"):
        parse_suite({**doc, "grid": {"dataset": ["mnist5k"]}})
    assert len(parse_suite(doc).grid) == 17  # mnist5k (real) excluded
    with pytest.raises(SuiteError, match=r"grid.dataset: unknown data-set collection '@reel'"):
        parse_suite({"activation": "relu", "grid": {"dataset": ["@reel"]}})
    with pytest.raises(SuiteError, match=r"grid\.dataset: is also set as a fixed value"):
        parse_suite({"dataset": "@real", "activation": "relu", "grid": {"dataset": ["iris"]}})


def test_csv_paths_are_relative_to_the_suite_file_and_keys_follow_the_contents(tmp_path):
    folder = tmp_path / "study"
    folder.mkdir()
    (folder / "t.csv").write_text("a,y\n1,0\n2,1\n3,0\n4,1\n5,0\n6,1\n")
    (folder / "s.toml").write_text('dataset = "csv:t.csv"\nactivation = "relu"\n')
    (cell,) = load_suite(folder / "s.toml").cells()
    assert cell.dataset == f"csv:{folder / 't.csv'}"  # not the current folder's t.csv
    moved = tmp_path / "moved.csv"
    moved.write_bytes((folder / "t.csv").read_bytes())
    other = parse_suite({"dataset": f"csv:{moved}", "activation": "relu"}).cells()[0]
    assert other.key == cell.key  # the same contents elsewhere: the same result


def test_label_column_is_refused_for_a_registry_data_set():
    doc = {"dataset": "digits", "activation": "relu", "data": {"label_column": "species"}}
    with pytest.raises(
        SuiteError,
        match=r"data.label_column: chooses the label of a csv: table; "
        r"'digits' is a registry data set",
    ):
        parse_suite(doc)


@pytest.mark.parametrize(
    ("written", "name", "module"),
    [
        ("leaky_relu(0.250)", "leaky_relu(0.25)", "LeakyReLU(negative_slope=0.25)"),
        ("leaky_relu( 0.229 )", "leaky_relu(0.229)", "LeakyReLU(negative_slope=0.229)"),
        ("prelu(0.1)", "prelu(0.1)", "PReLU(num_parameters=1)"),
        ("elu(0.5)", "elu(0.5)", "ELU(alpha=0.5)"),
    ],
)
def test_an_activation_with_a_parameter_is_its_own_arm(written, name, module):
    suite = parse_suite({"dataset": "wine", "grid": {"activation": [written, "leaky_relu"]}})
    (cell, plain) = suite.cells()
    assert cell.activation == name and plain.activation == "leaky_relu"
    assert cell.key != plain.key and repr(activations.get(name)()) == module
    if name.startswith("prelu"):
        assert activations.get(name)().weight.item() == pytest.approx(0.1)
    if name.startswith(("leaky", "prelu")):  # He's gain follows the slope: sqrt(2 / (1 + a²))
        slope = float(name.split("(")[1][:-1])
        assert activations.gain(name) == pytest.approx((2 / (1 + slope**2)) ** 0.5)
    with pytest.raises(SuiteError, match=r"unknown activation 'relu\(0.2\)'.*elu\(<alpha>\)"):
        parse_suite({"dataset": "wine", "activation": "relu(0.2)"})
