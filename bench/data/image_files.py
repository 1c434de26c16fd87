"""Readers of the standard image files: IDX (MNIST, Fashion-MNIST) and the pickled CIFAR-10
batches, with numpy only. :mod:`bench.data.images` finds, downloads and splits the sets.

Public:
    IDX_FILES               the four IDX file names of an MNIST-like set
    CIFAR_ARCHIVE, CIFAR_DIR, CIFAR_BATCHES
                            CIFAR-10's archive, its unpacked folder and its batch files
    N_CLASSES               10 classes in every set here
    idx_path(folder, file) -> Path | None
                            an IDX file as stored, gzipped or not
    cifar_unpacked(folder) -> bool
                            whether the unpacked CIFAR batches are all there
    one_line(exc) -> str    an exception's message on one line
    read(name, folder, image_shape) -> (X_train, y_train, X_test, y_test)
                            the official split, uint8 rows and int64 labels, cached per
                            process by the files' sizes and times

The pickled CIFAR batches are read with an unpickler that builds nothing but numpy arrays,
lists and dicts.
"""

from __future__ import annotations

import functools
import gzip
import io
import pickle
import struct
import tarfile
from pathlib import Path
from typing import ClassVar

import numpy as np

from bench.errors import BenchError

N_CLASSES = 10
CIFAR_ARCHIVE = "cifar-10-python.tar.gz"
CIFAR_DIR = "cifar-10-batches-py"
CIFAR_BATCHES = (*(f"data_batch_{i}" for i in range(1, 6)), "test_batch")

IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def idx_path(d: Path, file: str) -> Path | None:
    """The IDX file as stored: gzipped (``file``) or not (``file`` without ``.gz``)."""
    for p in (d / file, d / file.removesuffix(".gz")):
        if p.is_file():
            return p
    return None


def cifar_unpacked(d: Path) -> bool:
    return all((d / CIFAR_DIR / b).is_file() for b in CIFAR_BATCHES)


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split()) or type(exc).__name__


def _read_idx(path: Path) -> np.ndarray:
    """An IDX file of unsigned bytes (gzipped or not) as an array of its declared shape."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise BenchError(f"{path}: not a readable gzip file: {one_line(exc)}") from None
    if len(raw) < 4 or raw[:3] != b"\x00\x00\x08":
        raise BenchError(f"{path}: not an IDX file of unsigned bytes (magic {raw[:4].hex()})")
    ndim = raw[3]
    dims = struct.unpack(f">{ndim}I", raw[4 : 4 + 4 * ndim])
    data = np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(dims)):
        raise BenchError(f"{path}: {data.size} bytes of data, the header says {dims}")
    return data.reshape(dims)


def _idx_pair(d: Path, images: str, labels: str, shape: tuple[int, ...]):
    X = _read_idx(idx_path(d, images))
    y = _read_idx(idx_path(d, labels)).astype(np.int64)
    if X.shape[1:] != shape[1:] or y.ndim != 1 or len(X) != len(y):
        raise BenchError(
            f"{d}: {images} holds {X.shape}, {labels} {y.shape}; expected N × "
            f"{' × '.join(map(str, shape[1:]))} images and N labels"
        )
    return X.reshape(len(X), -1), y


class _ArrayUnpickler(pickle.Unpickler):
    """Builds numpy arrays, dicts, lists and scalars only (what a CIFAR batch holds)."""

    _ALLOWED: ClassVar[set[tuple[str, str]]] = {
        ("numpy.core.multiarray", "_reconstruct"),
        ("numpy._core.multiarray", "_reconstruct"),
        ("numpy.core.multiarray", "scalar"),
        ("numpy._core.multiarray", "scalar"),
        ("numpy", "ndarray"),
        ("numpy", "dtype"),
        ("_codecs", "encode"),  # bytes in a protocol-2 pickle written by Python 3
    }

    def find_class(self, module: str, name: str):
        if (module, name) not in self._ALLOWED:
            raise pickle.UnpicklingError(f"{module}.{name} is not part of a CIFAR batch")
        return super().find_class(module, name)


def _cifar_batch(stream, where: str) -> tuple[np.ndarray, np.ndarray]:
    try:
        batch = _ArrayUnpickler(stream, encoding="bytes").load()
        X = np.asarray(batch[b"data"], dtype=np.uint8)
        y = np.asarray(batch[b"labels"], dtype=np.int64)
    except (pickle.UnpicklingError, EOFError, KeyError, TypeError, ValueError) as exc:
        raise BenchError(f"{where}: not a CIFAR-10 python batch: {one_line(exc)}") from None
    if X.ndim != 2 or X.shape[1] != 3 * 32 * 32 or len(X) != len(y):
        raise BenchError(f"{where}: data {X.shape}, labels {y.shape}; expected N × 3072, N")
    return X, y


def _cifar(d: Path) -> tuple[np.ndarray, ...]:
    parts = []
    if cifar_unpacked(d):
        for b in CIFAR_BATCHES:
            with (d / CIFAR_DIR / b).open("rb") as f:
                parts.append(_cifar_batch(f, str(d / CIFAR_DIR / b)))
    else:
        archive = d / CIFAR_ARCHIVE
        try:
            with tarfile.open(archive, "r:gz") as tar:
                for b in CIFAR_BATCHES:
                    member = tar.extractfile(f"{CIFAR_DIR}/{b}")
                    if member is None:
                        raise KeyError(f"{CIFAR_DIR}/{b}")
                    parts.append(_cifar_batch(io.BytesIO(member.read()), f"{archive}:{b}"))
        except (tarfile.TarError, OSError, EOFError, KeyError) as exc:
            raise BenchError(
                f"{archive}: not a readable CIFAR-10 archive: {one_line(exc)}"
            ) from None
    X_train = np.concatenate([X for X, _ in parts[:-1]])
    y_train = np.concatenate([y for _, y in parts[:-1]])
    return X_train, y_train, *parts[-1]


def _signature(d: Path) -> tuple:
    """What the cached arrays depend on: every file under the folder, its size and time."""
    try:
        files = sorted(p for p in d.rglob("*") if p.is_file() and not p.name.startswith("."))
        return tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in files)
    except OSError:
        return ()


@functools.lru_cache(maxsize=3)
def _arrays(name: str, d: Path, shape: tuple, signature: tuple) -> tuple[np.ndarray, ...]:
    if name == "cifar10":
        X_train, y_train, X_test, y_test = _cifar(d)
    else:
        X_train, y_train = _idx_pair(d, IDX_FILES[0], IDX_FILES[1], shape)
        X_test, y_test = _idx_pair(d, IDX_FILES[2], IDX_FILES[3], shape)
    for y, part in ((y_train, "training"), (y_test, "test")):
        if len(y) and (y.min() < 0 or y.max() >= N_CLASSES):
            raise BenchError(f"{d}: {part} labels outside 0…{N_CLASSES - 1}")
    return X_train, y_train, X_test, y_test


def read(
    name: str, folder: Path, image_shape: tuple[int, ...]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The official training and test parts of ``name`` from the files in ``folder``:
    uint8 rows of C·H·W pixels and int64 labels, cached per process (by the files' names,
    sizes and times).

    Raises:
        BenchError: a file is not in its format, or labels fall outside 0…9.
    """
    return _arrays(name, folder, tuple(image_shape), _signature(folder))
