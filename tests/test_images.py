"""MNIST, Fashion-MNIST and CIFAR-10 from the cache (bench/images.py), on tiny files in the
real formats that these tests write themselves. Nothing here touches the network."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import socket
import struct
import subprocess
import sys
import tarfile
import textwrap
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch

from bench import data
from bench.data import image_files, images
from bench.errors import BenchError
from bench.suite import check_data, parse_suite

ROOT = Path(__file__).resolve().parent.parent
PER_CLASS_TRAIN, PER_CLASS_TEST = 6, 2  # 60 training images, 20 test images


@pytest.fixture(autouse=True)
def no_network(monkeypatch, tmp_path):
    """Every test: offline, an empty cache of its own, and any socket use an error."""

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setenv(images.OFFLINE_ENV, "1")
    monkeypatch.setenv(images.DATA_DIR_ENV, str(tmp_path / "cache"))


def _idx(array: np.ndarray) -> bytes:
    header = struct.pack(">BBBB", 0, 0, 0x08, array.ndim) + struct.pack(
        f">{array.ndim}I", *array.shape
    )
    return header + array.astype(np.uint8).tobytes()


def _images(per_class: int, shape: tuple[int, ...], offset: int) -> tuple[np.ndarray, ...]:
    """Labels 0..9 interleaved; each image's first pixel is its index (+ offset), so a row
    can be traced back to its place in the file."""
    rng = np.random.default_rng(offset)
    y = np.tile(np.arange(10), per_class)
    X = rng.integers(0, 256, size=(len(y), *shape), dtype=np.uint8)
    X.reshape(len(y), -1)[:, 0] = np.arange(len(y)) + offset
    return X, y


def write_idx(folder: Path, gz: bool = True) -> tuple[np.ndarray, ...]:
    """The four MNIST files, gzipped (or not), in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    X_train, y_train = _images(PER_CLASS_TRAIN, (28, 28), 0)
    X_test, y_test = _images(PER_CLASS_TEST, (28, 28), 100)
    arrays = (X_train, y_train, X_test, y_test)
    for file, array in zip(image_files.IDX_FILES, arrays, strict=True):
        data = _idx(array)
        if gz:
            (folder / file).write_bytes(gzip.compress(data))
        else:
            (folder / file.removesuffix(".gz")).write_bytes(data)
    return arrays


def _batch(X: np.ndarray, y: np.ndarray) -> bytes:
    return pickle.dumps(
        {
            b"batch_label": b"test",
            b"labels": y.tolist(),
            b"data": X.reshape(len(X), -1),
            b"filenames": [b"x.png"] * len(y),
        },
        protocol=2,
    )


def write_cifar(folder: Path, archive: bool = False) -> tuple[np.ndarray, ...]:
    """Five training batches of 4 images per class and a test batch of 2 per class; channel
    c of every image holds its own values, channel 2 is all 200 (a layout check)."""
    folder.mkdir(parents=True, exist_ok=True)
    parts = [_images(4 if i < 5 else 2, (3, 32, 32), 50 * i) for i in range(6)]
    for X, _ in parts:
        X[:, 2] = 200
    blobs = {b: _batch(X, y) for b, (X, y) in zip(image_files.CIFAR_BATCHES, parts)}
    if archive:
        with tarfile.open(folder / image_files.CIFAR_ARCHIVE, "w:gz") as tar:
            for b, blob in blobs.items():
                info = tarfile.TarInfo(f"{image_files.CIFAR_DIR}/{b}")
                info.size = len(blob)
                tar.addfile(info, io.BytesIO(blob))
    else:
        (folder / image_files.CIFAR_DIR).mkdir()
        for b, blob in blobs.items():
            (folder / image_files.CIFAR_DIR / b).write_bytes(blob)
    X_train = np.concatenate([X for X, _ in parts[:5]]).reshape(-1, 3072)
    y_train = np.concatenate([y for _, y in parts[:5]])
    return X_train, y_train, parts[5][0].reshape(-1, 3072), parts[5][1]


def write_image_cache(root: Path) -> Path:
    """A cache folder holding tiny copies of all three sets (for other tests that validate
    suites naming them: set ``BENCH_DATA_DIR`` to the result and ``BENCH_OFFLINE=1``)."""
    write_idx(root / "mnist")
    write_idx(root / "fashion_mnist", gz=False)
    write_cifar(root / "cifar10", archive=True)
    return root


def test_the_shipped_images_suite_is_valid(monkeypatch, tmp_path):
    from bench.suite import load_suite

    monkeypatch.setenv(images.DATA_DIR_ENV, str(write_image_cache(tmp_path / "cache")))
    suite = load_suite(ROOT / "suites" / "images.toml")
    assert len(suite.grid) == 288
    assert {(c.model.kind, c.model.width) for c in suite.grid} == {("cnn", 32), ("mlp", 256)}
    assert {c.dataset for c in suite.grid} == set(images.NAMES)


def test_cache_folder_default_and_override(monkeypatch, tmp_path):
    assert images.folder("mnist") == tmp_path / "cache" / "mnist"
    monkeypatch.delenv(images.DATA_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert images.cache_dir() == tmp_path / "xdg" / "activation-bench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert images.cache_dir() == Path.home() / ".cache" / "activation-bench"


def test_mnist_keeps_the_official_test_split(tmp_path):
    X_train, y_train, X_test, y_test = write_idx(images.folder("mnist"))
    entry = data.get("mnist")
    assert entry.image_shape == (1, 28, 28)
    s = data.load("mnist", 0)
    assert s.n_features == 784 and s.n_classes == 10 and s.image_shape == (1, 28, 28)
    assert s.X_train.dtype == torch.float32 and s.y_train.dtype == torch.int64
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (50, 10, 20)  # val: 1/6 of train
    assert torch.bincount(s.y_val).tolist() == [1] * 10  # stratified
    raw = data.load("mnist", 0, standardize=False)
    # the official test images, in the files' order; pixels / 255
    torch.testing.assert_close(raw.X_test, torch.from_numpy(X_test.reshape(20, -1) / 255.0).float())
    assert raw.y_test.tolist() == y_test.tolist()
    # train and validation partition the official training images, none of the test ones
    first = (torch.cat([raw.X_train[:, 0], raw.X_val[:, 0]]) * 255).round().long()
    assert sorted(first.tolist()) == list(range(60))
    assert torch.cat([raw.y_train, raw.y_val]).tolist() == y_train[first].tolist()
    assert raw.X_train[0].tolist() == (X_train[first[0]].reshape(-1) / 255).astype("f4").tolist()
    # standardized with the training part's mean and std (one pair: one channel)
    assert s.X_train.mean().item() == pytest.approx(0, abs=1e-5)
    assert s.X_train.std(correction=0).item() == pytest.approx(1, abs=1e-5)
    mean, std = raw.X_train.double().mean(), raw.X_train.double().std(correction=0)
    expected = (raw.X_test.double() - mean) / std
    torch.testing.assert_close(s.X_test.double(), expected, atol=1e-5, rtol=0)


def test_split_seed_fixes_validation_only(tmp_path):
    write_idx(images.folder("mnist"))
    a, b, c = (data.load("mnist", seed) for seed in (3, 3, 4))
    for part in ("X_train", "y_train", "X_val", "X_test", "y_test"):
        assert torch.equal(getattr(a, part), getattr(b, part))
    assert not torch.equal(a.X_val, c.X_val)
    raw_a, raw_c = (data.load("mnist", seed, standardize=False) for seed in (3, 4))
    assert torch.equal(raw_a.X_test, raw_c.X_test)  # the test split never moves
    half = data.load("mnist", 3, train_size=0.5)  # a share of train; validation stays
    assert len(half.y_train) == 25 and torch.equal(half.X_val, a.X_val) is False
    assert torch.equal(half.y_val, a.y_val) and torch.bincount(half.y_train).min() >= 2


def test_fashion_mnist_uncompressed_files(tmp_path):
    written = write_idx(images.folder("fashion_mnist"), gz=False)
    read = images.arrays("fashion_mnist")
    assert read[0].dtype == np.uint8 and read[0].shape == (60, 784)  # compact until loaded
    for a, b in zip(read, written, strict=True):
        np.testing.assert_array_equal(a, b.reshape(len(b), -1) if b.ndim > 1 else b)
    y_test = written[3]
    X, y = data.get("fashion_mnist").make()
    assert X.shape == (80, 784) and X.max() <= 1.0 and y.tolist()[-20:] == y_test.tolist()


@pytest.mark.parametrize("archive", [False, True], ids=["batches", "archive"])
def test_cifar10_batches_or_archive(tmp_path, archive):
    X_train, y_train, X_test, y_test = write_cifar(images.folder("cifar10"), archive)
    np.testing.assert_array_equal(images.arrays("cifar10")[1], y_train)
    np.testing.assert_array_equal(images.arrays("cifar10")[0], X_train)
    s = data.load("cifar10", 0, standardize=False)
    assert s.image_shape == (3, 32, 32) and s.n_features == 3072 and s.n_classes == 10
    assert (len(s.y_train), len(s.y_val), len(s.y_test)) == (180, 20, 20)  # val: 1/10
    assert s.y_test.tolist() == y_test.tolist()
    torch.testing.assert_close(s.X_test, torch.from_numpy(X_test / 255.0).float())
    channels = s.X_train.reshape(-1, 3, 32, 32)  # as the CNN reads it: channel first
    assert (channels[:, 2] == 200 / 255).all() and (channels[:, 0] != 200 / 255).any()
    z = data.load("cifar10", 0)  # standardized per channel: a constant channel stays 0
    per_channel = z.X_train.reshape(-1, 3, 1024)
    assert per_channel[:, :2].mean((0, 2)).abs().max() < 1e-5
    assert (per_channel[:, 2] == 0).all()
    from bench import models
    from bench.records import ModelSpec

    net = models.build(ModelSpec("cnn", 1, 4), "relu", "matched", 3072, 10, z.image_shape)
    assert net(z.X_train[:3]).shape == (3, 10)


def test_cifar_batches_unpickle_only_arrays(tmp_path):
    folder = images.folder("cifar10")
    write_cifar(folder)
    (folder / image_files.CIFAR_DIR / "test_batch").write_bytes(pickle.dumps(os.getcwd))  # code
    with pytest.raises(BenchError, match="test_batch: not a CIFAR-10 python batch"):
        images.arrays("cifar10")


def test_offline_empty_cache_names_files_folder_and_urls(tmp_path):
    with pytest.raises(BenchError) as info:
        data.get("mnist")
    message = str(info.value)
    assert "\n" not in message
    for file in image_files.IDX_FILES:
        assert file in message
    assert str(tmp_path / "cache" / "mnist") in message and "BENCH_OFFLINE is set" in message
    assert "https://ossci-datasets.s3.amazonaws.com/mnist/" in message
    assert not (tmp_path / "cache").exists()  # offline: nothing created
    with pytest.raises(BenchError, match=r"suite: dataset: .*cifar-10-python\.tar\.gz"):
        check_data(parse_suite({"dataset": "cifar10", "activation": "relu"}, "suite"))


def test_a_failed_download_is_reported(monkeypatch, tmp_path):
    monkeypatch.delenv(images.OFFLINE_ENV)
    tried = []

    def fail(url, dest, algorithm, digest):
        tried.append(url)
        raise OSError("no route to host")

    monkeypatch.setattr(images, "_fetch", fail)
    with pytest.raises(
        BenchError, match=r"download failed: no route to host\); put .*fashion-mnist"
    ):
        data.get("fashion_mnist")
    assert not images.folder("fashion_mnist").exists()  # the empty folder is gone again
    assert tried == [
        base + "train-images-idx3-ubyte.gz" for base in images.SOURCES["fashion_mnist"].urls
    ]


def test_download_is_checksummed(monkeypatch, tmp_path):
    """The downloader, with ``urlopen`` answering from memory: a wrong checksum keeps
    nothing; the right one leaves the file in place and the set loads."""
    import urllib.request

    monkeypatch.delenv(images.OFFLINE_ENV)
    staged = tmp_path / "staged"
    write_idx(staged)
    served = {f: (staged / f).read_bytes() for f in image_files.IDX_FILES}
    monkeypatch.setattr(
        urllib.request, "urlopen", lambda url, timeout: io.BytesIO(served[url.rsplit("/", 1)[1]])
    )
    with pytest.raises(BenchError, match=r"sha256 .*, not the published 440fcab"):
        images.ensure("mnist")
    assert images.missing("mnist") == list(image_files.IDX_FILES)  # no partial file left behind
    src = images.SOURCES["mnist"]
    ours = tuple((f, "sha256", hashlib.sha256(served[f]).hexdigest()) for f, _, _ in src.files)
    monkeypatch.setitem(images.SOURCES, "mnist", replace(src, files=ours))
    assert images.ensure("mnist") == images.folder("mnist")
    assert sorted(p.name for p in images.folder("mnist").iterdir()) == sorted(image_files.IDX_FILES)
    assert len(data.load("mnist", 0).y_test) == 20


def test_python_m_bench_images(tmp_path, capsys):
    write_idx(images.folder("mnist"))
    assert images.main(["mnist"]) == 0
    assert capsys.readouterr().out.strip() == f"mnist: {images.folder('mnist')}"
    assert images.main(["cifar10", "svhn"]) == 2
    err = capsys.readouterr().err
    assert "cifar-10-python.tar.gz" in err and "unknown image data set 'svhn'" in err


SUITE = """
    dataset = "mnist"
    activation = "relu"

    [suite]
    name = "tiny_images"

    [grid]
    "model.kind" = ["mlp", "cnn"]

    [model]
    depth = 1
    width = 8

    [train]
    epochs = 2
    batch_size = 16
    lr = 1e-2
"""


def _bench(args: list[str], cache: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, images.DATA_DIR_ENV: str(cache), images.OFFLINE_ENV: "1"}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=env,
        timeout=120,
    )


def test_bench_run_offline_empty_cache_exits_2_before_training(tmp_path):
    suite, store = tmp_path / "images.toml", tmp_path / "s.sqlite"
    suite.write_text(textwrap.dedent(SUITE))
    res = _bench(["run", str(suite), "--store", str(store), "--no-progress"], tmp_path / "empty")
    assert res.returncode == 2, res.stderr
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: {suite}: dataset: ")
    for file in image_files.IDX_FILES:
        assert file in lines[0]
    assert str(tmp_path / "empty" / "mnist") in lines[0]
    assert not store.exists()  # nothing trained, nothing stored


def test_bench_run_trains_on_cached_mnist_files(tmp_path):
    from bench.store import Store

    write_idx(tmp_path / "cache" / "mnist")
    suite, store = tmp_path / "images.toml", tmp_path / "s.sqlite"
    suite.write_text(textwrap.dedent(SUITE))
    res = _bench(
        ["run", str(suite), "--store", str(store), "--no-progress", "--device", "cpu"],
        tmp_path / "cache",
    )
    assert res.returncode == 0, res.stderr
    assert "2 cells trained (2 ok)" in res.stderr
    with Store(store, readonly=True) as s:
        results = s.results("tiny_images")
    assert sorted(r.cell.model.kind for r in results) == ["cnn", "mlp"]
    for r in results:
        assert r.status == "ok" and r.metrics["n_train"] == 50 and r.metrics["epochs_run"] == 2
