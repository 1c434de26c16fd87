"""Data sets: offline loading, stratified 60/20/20 splits, train-only standardization."""

from __future__ import annotations

import re

import numpy as np
import pytest
import torch

from bench import datasets
from bench.errors import BenchError, UnknownNameError

SIZES = {"digits": (1797, 64, 10), "breast_cancer": (569, 30, 2), "wine": (178, 13, 3),
         "iris": (150, 4, 3), "spirals": (1200, 2, 3), "circles": (1000, 2, 2),
         "moons": (1000, 2, 2), "mnist1d": (5000, 40, 10)}  # fmt: skip


@pytest.mark.parametrize("name", datasets.names())
def test_every_dataset_splits_stratified_and_standardized(name):
    s = datasets.load(name, split_seed=0)
    n, d, k = SIZES[name]
    total = len(s.y_train) + len(s.y_val) + len(s.y_test)
    assert total == n and s.n_features == d and s.n_classes == k
    assert len(s.y_train) == pytest.approx(0.6 * n, abs=1)
    assert len(s.y_test) == pytest.approx(0.2 * n, abs=1)
    # stratified: class shares agree across splits to within one sample per class
    for part in (s.y_val, s.y_test):
        share_train = torch.bincount(s.y_train, minlength=k) / len(s.y_train)
        share = torch.bincount(part, minlength=k) / len(part)
        assert torch.allclose(share, share_train, atol=1.5 / len(part) + 0.01)
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


def test_split_seed_fixes_the_split():
    a, b, c = (datasets.load("wine", seed) for seed in (3, 3, 4))
    assert torch.equal(a.X_test, b.X_test)
    assert not torch.equal(a.X_test, c.X_test)


def test_standardize_off_keeps_raw_values():
    raw = datasets.load("wine", 0, standardize=False)
    assert raw.X_train.mean().item() > 10  # proline is in the hundreds


def test_image_shapes_for_cnn():
    assert datasets.get("mnist1d").image_shape == (1, 40)
    assert datasets.get("digits").image_shape == (1, 8, 8)
    assert datasets.get("moons").image_shape is None


def test_mnist1d_is_generated_without_files(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    datasets._raw.cache_clear()
    datasets.load("mnist1d", 0)
    assert list(tmp_path.iterdir()) == []  # no pickle written, nothing fetched


def test_unknown_dataset_lists_names():
    with pytest.raises(UnknownNameError, match=r"valid: digits, .*csv:<path>"):
        datasets.get("mnist")


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
    s = datasets.load(f"csv:{path}", 0)
    assert s.n_features == 2 and s.n_classes == 3
    assert len(s.y_train) == 36 and len(s.y_val) == 12 and len(s.y_test) == 12


def test_csv_dataset_named_label_column(tmp_path):
    path = _write_csv(tmp_path / "t.csv", label_name="species", label_last=False)
    s = datasets.load(f"csv:{path}", 0, label_column="species")
    assert s.n_features == 2 and s.n_classes == 3
    with pytest.raises(BenchError, match="label column 'kind' not found; columns: species, a, b"):
        datasets.load(f"csv:{path}", 0, label_column="kind")


def test_csv_errors_are_clear(tmp_path):
    with pytest.raises(BenchError, match="no such file"):
        datasets.load(f"csv:{tmp_path}/missing.csv")
    bad = tmp_path / "bad.csv"
    bad.write_text("a,name,y\n1,x,0\n2,y,1\n")
    with pytest.raises(BenchError, match="must be numeric; not: name"):
        datasets.load(f"csv:{bad}")


def test_csv_with_missing_values_names_the_lines(tmp_path):
    bad = tmp_path / "holes.csv"
    bad.write_text("a,b,y\n1,2,0\n3,,1\n5,6,0\n")
    with pytest.raises(BenchError, match="empty or NaN values on lines 3"):
        datasets.load(f"csv:{bad}")


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
    first = datasets.load(name, 0)
    cell = tiny_cell(dataset=name)
    planned = cell.key
    text = path.read_text().splitlines()
    text[1] = text[1].replace(text[1].split(",")[0], "123.5", 1)  # one feature value changes
    path.write_text("\n".join(text) + "\n")
    second = datasets.load(name, 0)
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
    data = path.read_bytes()
    edited = data + data.splitlines()[-1] + b"\n"  # a row appended by a concurrent edit
    monkeypatch.setattr(
        datasets, "csv_bytes", lambda name: (edited, hashlib.sha256(edited).hexdigest())
    )
    (r,) = loop.train([cell])  # keyed from the file as it was, loaded as it is now
    assert r.status == "failed" and r.key == cell.key
    assert "the file changed between planning the run and loading it" in r.error


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("a,label\n1,x\n2,x\n3,x\n", "label column 'label' holds one class ('x')"),
        ("a,b,label\n", "has a header but no rows"),
    ],
)
def test_degenerate_csv_tables_are_refused(tmp_path, body, message):
    path = tmp_path / "t.csv"
    path.write_text(body)
    with pytest.raises(BenchError, match=re.escape(message)):
        datasets.load(f"csv:{path}", 0)
