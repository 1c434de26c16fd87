"""Suites, cells and results: frozen dataclasses, TOML loading, validation, grid expansion.

Public:
    SCHEMA_VERSION      part of every cell key: bump it when Result's meaning changes
    DEFAULT_INIT        the initializer of a suite that names none ("matched")
    PROBE_EVERY         what ``train.probe_every`` takes (the message of a bad value)
    ModelSpec, TrainSpec, DataSpec, Cell, Result    the records
    Grid                the expanded grid: sorted axes, ``len()``, indexable, ``exclude`` rules
    Suite               a loaded suite file: name, description, seeds, grid
    load_suite(path) -> Suite
    parse_suite(doc, source) -> Suite
    cell_from_dict(d) -> Cell                       inverse of ``Cell.to_dict``
    flatten(d) -> dict                              nested dict → dotted paths
    pooled(health, metric) -> float                 a probe series pooled over all units
    utcnow() -> str                                 the current UTC time, ISO 8601

A suite file (TOML)::

    dataset = "digits"            # fixed cell fields may sit at the top level
    [suite]                       # name, description, seeds
    [grid]                        # axes: dotted field path → list of values
    [model] / [train] / [data]    # fixed settings
    [[exclude]]                   # skip every cell matching all of a rule's fields

``dataset`` and ``activation`` are required (fixed or as an axis). ``init`` defaults to
``"matched"`` (:data:`DEFAULT_INIT`: each activation's matched initializer, e.g. He normal
for ReLU, LeCun normal for SELU; ``bench list activations`` shows the pairs). Every other
field defaults to the value its record declares (:class:`ModelSpec`, :class:`TrainSpec`,
:class:`DataSpec`); ``suite.name`` to the file's stem, ``suite.seeds`` to ``[0]``.

Everything is validated before anything trains: unknown tables or fields, unknown registry
names, wrong types and impossible values raise :class:`bench.errors.SuiteError`, whose
message names the file and the field (and the valid choices where there is a list).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib
import itertools
import json
import math
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.errors import BenchError, SuiteError, did_you_mean, unknown_name

# Part of every cell key. Bump it when a stored Result would no longer mean the same: new
# or redefined metrics, or a changed registry entry behind a name (e.g. the ``matched`` table).
# 2: the staged loop (curves only for whole epochs, no inference timing, per-member time
# shares, probes reduced in float64) and the device in the cell.
# 3: probes add the pre-activation mean and std per layer (pre_mean, pre_std).
# 4: a result is the same bit for bit whatever the batching (member-aligned layouts, one
# thread); RReLU's slopes come from a counter-based generator; probes follow
# ``train.probe_every`` (``{}`` for the epochs it skips).
SCHEMA_VERSION = 4
CSV_PREFIX = "csv:"  # a data set named csv:<path> is a user's table

DEFAULT_INIT = "matched"  # the initializer of a suite that names none
OPTIMIZERS = ("sgd", "adam")
PROBE_EVERY = (
    "an integer N ≥ 1 (probes after every N-th epoch) or 'log' (after epochs 1, 2, 4, 8, …); "
    "the probes always run at initialization and after the last epoch"
)
STATUSES = ("ok", "diverged", "failed")


@dataclass(frozen=True)
class ModelSpec:
    """Network shape: ``kind`` (mlp | resmlp | cnn), ``depth`` hidden layers of ``width``."""

    kind: str = "mlp"
    depth: int = 4
    width: int = 64


@dataclass(frozen=True)
class TrainSpec:
    """Optimization settings.

    ``probe``: run the unit-health probes. ``probe_every``: after which epochs — an integer
    N ≥ 1 (every N epochs) or ``"log"`` (epochs 1, 2, 4, 8, …); they always run at
    initialization and after the last epoch (:data:`PROBE_EVERY` describes the choices).
    The default, 15, keeps the probes near 10 % of the training time on the default suite
    (15 epochs: at initialization and after the last epoch only; ``bench perf`` measures
    it).
    """

    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    weight_decay: float = 0.0
    epochs: int = 10
    batch_size: int = 64
    probe: bool = True
    probe_every: int | str = 15


@dataclass(frozen=True)
class DataSpec:
    """Data handling: split seed, standardization, the label column of ``csv:`` sets."""

    split_seed: int = 0
    standardize: bool = True
    label_column: str | None = None
    train_size: float = 1.0  # share of the training split used (a data-set-size axis)


@dataclass(frozen=True)
class Cell:
    """One fully specified training run. Frozen and hashable; ``key`` identifies its result."""

    dataset: str
    activation: str
    init: str
    seed: int = 0
    model: ModelSpec = field(default_factory=ModelSpec)
    train: TrainSpec = field(default_factory=TrainSpec)
    data: DataSpec = field(default_factory=DataSpec)
    # Where it trains (``cpu`` or ``cuda``). Set by ``bench run --device``, not by suite
    # files; part of the key, so a result from one device is never reused for another.
    device: str = "cpu"

    def to_dict(self) -> dict[str, Any]:
        """Nested plain dict (JSON-ready); what ``dataclasses.asdict`` gives, built directly
        (keys of million-cell grids are computed from it)."""
        return {
            "dataset": self.dataset, "activation": self.activation, "init": self.init,
            "seed": self.seed, "model": dict(vars(self.model)), "train": dict(vars(self.train)),
            "data": dict(vars(self.data)), "device": self.device,
        }  # fmt: skip

    @property
    def key(self) -> str:
        """Hash of the canonical JSON of the cell and :data:`SCHEMA_VERSION` (and, for a
        ``csv:`` data set, of the file's contents: an edited table gets new keys)."""
        csv = self.dataset.startswith(CSV_PREFIX)
        return key_with_digest(self, _file_digest(self.dataset[len(CSV_PREFIX) :]) if csv else None)

    def label(self) -> str:
        """Short human-readable description for logs and progress bars."""
        where = "" if self.device == "cpu" else f"@{self.device}"
        return (
            f"{self.dataset}/{self.model.kind}{self.model.depth}x{self.model.width}/"
            f"{self.activation}/{self.init}/lr={self.train.lr:g}/seed={self.seed}{where}"
        )


def _file_digest(path: str) -> str:
    p = Path(path)
    try:
        stat = p.stat()
    except OSError:
        return "missing"
    return _digest(str(p.resolve()), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=32)
def _digest(path: str, mtime_ns: int, size: int) -> str:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return "missing"


def key_with_digest(cell: Cell, digest: str | None) -> str:
    """The key ``cell`` has when its ``csv:`` table's contents hash to ``digest`` (``None``
    for a registry data set, whose contents the harness version fixes)."""
    doc: dict[str, Any] = {"schema": SCHEMA_VERSION, "cell": cell.to_dict()}
    if digest is not None:
        doc["data_sha256"] = digest
    return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()[:16]


def utcnow() -> str:
    """The current UTC time, ISO 8601 to the second (Result and run-log timestamps)."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def pooled(health: dict[str, list[float]], metric: str) -> float:
    """Unit-weighted mean of one per-layer probe series (one entry of ``Result.probes``):
    the share over all hidden units pooled. Torch-free, for training and analysis alike."""
    values, units = health.get(metric) or [], health.get("units") or []
    total = sum(units)
    if not total:
        return math.nan
    return sum((math.nan if v is None else v) * u for v, u in zip(values, units)) / total


@dataclass
class Result:
    """What one cell produced.

    Attributes:
        key: the cell's key.
        cell: the cell.
        status: ``ok``, ``diverged`` (a NaN/Inf loss ended training) or ``failed``.
        error: the exception text for ``failed``, the reason for ``diverged``.
        metrics: scalar metrics (see README, "Columns").
        curves: per-epoch series, name → list (epoch 1 first).
        probes: per-layer unit health after each epoch (index 0 = at initialization,
            index n = after epoch n); ``{}`` for an epoch ``train.probe_every`` skips. A
            diverged run's list ends with its last probed epoch.
        env: torch version, threads, CPU, harness version, commit, device.
        started_at / finished_at: UTC ISO-8601 times.
    """

    key: str
    cell: Cell
    status: str
    error: str | None = None
    metrics: dict[str, float] = field(default_factory=dict)
    curves: dict[str, list[float]] = field(default_factory=dict)
    probes: list[dict[str, list[float]]] = field(default_factory=list)
    env: dict[str, Any] = field(default_factory=dict)
    started_at: str = ""
    finished_at: str = ""


# --- field validation -------------------------------------------------------------------

_SUBSPECS: dict[str, type] = {"model": ModelSpec, "train": TrainSpec, "data": DataSpec}


def _registry(module: str):
    """Import a registry on first use: the store and the reports read cells without torch."""
    return importlib.import_module(f"bench.{module}")


def _names(module: str) -> Callable[[], list[str]]:
    return lambda: _registry(module).names()


def _in(choices: Callable[[], list[str]] | tuple[str, ...], what: str) -> Callable[[Any], None]:
    def check(v: Any) -> None:
        valid = list(choices() if callable(choices) else choices)
        if v not in valid:
            raise ValueError(unknown_name(what, v, valid))

    return check


def _check_dataset(v: str) -> None:
    datasets = _registry("datasets")
    if not v.startswith(CSV_PREFIX):
        datasets.get(v)  # raises UnknownNameError listing the names
    elif not Path(v[len(CSV_PREFIX) :]).is_file():
        raise ValueError(f"{v!r}: no such file")


def _at_least(low: float, strict: bool = False) -> Callable[[Any], None]:
    def check(v: Any) -> None:
        if v < low or (strict and v == low):
            raise ValueError(f"must be {'>' if strict else '≥'} {low:g}, got {v!r}")

    return check


def _below(high: float) -> Callable[[Any], None]:
    def check(v: Any) -> None:
        if not 0 <= v < high:
            raise ValueError(f"must be in [0, {high:g}), got {v!r}")

    return check


def _probe_every(v: Any) -> None:
    if v == "log" or (isinstance(v, int) and not isinstance(v, bool) and v >= 1):
        return
    raise ValueError(f"must be {PROBE_EVERY}; got {v!r}")


def _share(v: Any) -> None:
    if not 0 < v <= 1:
        raise ValueError(f"must be in (0, 1], got {v!r}")


_CHECKS: dict[str, Callable[[Any], None]] = {
    "dataset": _check_dataset,
    "activation": _in(_names("activations"), "activation"),
    "init": _in(_names("initializers"), "initializer"),
    "seed": _at_least(0),
    "model.kind": _in(lambda: list(_registry("models").MODEL_KINDS), "model kind"),
    "model.depth": _at_least(0),
    "model.width": _at_least(1),
    "train.optimizer": _in(OPTIMIZERS, "optimizer"),
    "train.lr": _at_least(0, strict=True),
    "train.momentum": _below(1),
    "train.weight_decay": _at_least(0),
    "train.epochs": _at_least(1),
    "train.batch_size": _at_least(1),
    "train.probe_every": _probe_every,
    "data.split_seed": _at_least(0),
    "data.train_size": _share,
}


def _fields() -> dict[str, type | str]:
    """Dotted path → declared type (as written in the dataclass) of every settable field."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Cell):
        if f.name in _SUBSPECS:
            for g in dataclasses.fields(_SUBSPECS[f.name]):
                out[f"{f.name}.{g.name}"] = g.type
        elif f.name == "device":  # chosen at run time (--device), not by a suite
            continue
        else:
            out[f.name] = f.type
    return out


FIELDS: dict[str, Any] = _fields()
_DEFAULTS: dict[str, Any] = {  # every sub-spec field's default, by dotted path
    f"{name}.{f.name}": f.default for name, spec in _SUBSPECS.items()
    for f in dataclasses.fields(spec)
}  # fmt: skip


def _coerce(path: str, value: Any) -> Any:
    """Check a value's type against the field's declared type; ints become floats where due."""
    declared = str(FIELDS[path])
    optional = "None" in declared
    if value is None and optional:
        return None
    base = declared.replace(" | None", "")
    ok = {
        "int": isinstance(value, int) and not isinstance(value, bool),
        "float": isinstance(value, int | float) and not isinstance(value, bool),
        "bool": isinstance(value, bool),
        "str": isinstance(value, str),
        "int | str": True,  # a union: the field's own check (_CHECKS) says what it takes
    }[base]
    if not ok:
        raise ValueError(f"expected {base}, got {type(value).__name__} {value!r}")
    value = float(value) if base == "float" else value
    if base == "float" and not math.isfinite(value):
        raise ValueError(f"must be a finite number, got {value!r}")
    if path in _CHECKS:
        _CHECKS[path](value)
    return value


def cell_from_dict(d: dict[str, Any]) -> Cell:
    """Build a Cell from a nested dict as written by ``Cell.to_dict`` (no validation)."""
    top = {k: v for k, v in d.items() if k not in _SUBSPECS}
    subs = {k: _SUBSPECS[k](**d.get(k, {})) for k in _SUBSPECS}
    return Cell(**top, **subs)


def flatten(d: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict → {dotted path: value} (``{"model": {"depth": 8}}`` → ``{"model.depth": 8}``)."""
    out: dict[str, Any] = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def _build_cell(flat: dict[str, Any]) -> Cell:
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        head, _, tail = path.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[head] = value
    return cell_from_dict(nested)


# --- the grid ---------------------------------------------------------------------------


class Grid:
    """The Cartesian product of the axes over a base of fixed settings, minus exclusions.

    Like scikit-learn's ``ParameterGrid``: axes are expanded in sorted key order (the last
    key varies fastest), seeds innermost; ``len()`` and indexing work on the kept cells.
    Nothing is expanded up front: ``len()`` counts the kept combinations of the axes that
    exclusion rules name and multiplies by the rest, iteration builds one cell at a time,
    and indexing decodes the position directly when no rule excludes anything.
    """

    def __init__(
        self,
        base: dict[str, Any],
        axes: dict[str, list[Any]],
        seeds: list[int],
        exclude: list[dict[str, list[Any]]] | None = None,
    ) -> None:
        self.base = dict(base)
        self.axes = {k: list(axes[k]) for k in sorted(axes)}
        self.seeds = list(seeds)
        self.exclude = list(exclude or [])
        # a rule whose fixed fields (not axes) all match applies to its axes' values only
        self._rules = [
            {k: vs for k, vs in rule.items() if k in self.axes}
            for rule in self.exclude
            if all(self.fixed(k) in vs for k, vs in rule.items() if k not in self.axes)
        ]
        self._ruled = sorted({k for rule in self._rules for k in rule})
        self._len = self._count()

    def fixed(self, path: str) -> Any:
        """The value every cell has for a field that is not an axis (set, or the default)."""
        return self.base[path] if path in self.base else _DEFAULTS.get(path)

    def excluded(self, values: dict[str, Any]) -> bool:
        """Whether some rule excludes every cell with these axis values (a rule naming an
        axis missing from ``values`` does not count)."""
        return any(
            all(k in values and values[k] in vs for k, vs in rule.items()) for rule in self._rules
        )

    def _count(self) -> int:
        total = math.prod(len(v) for v in self.axes.values()) * len(self.seeds)
        if not self._rules:
            return total
        ruled = [self.axes[k] for k in self._ruled]
        kept = sum(
            not self.excluded(dict(zip(self._ruled, values)))
            for values in itertools.product(*ruled)
        )
        return total // math.prod(len(v) for v in ruled) * kept

    def _product(self) -> Iterator[dict[str, Any]]:
        keys = [*self.axes, "seed"]
        for values in itertools.product(*self.axes.values(), self.seeds):
            point = dict(zip(keys, values))
            if self._rules and self.excluded(point):
                continue
            yield {**self.base, **point}

    def __len__(self) -> int:
        return self._len

    def __getitem__(self, i: int) -> Cell:
        if not -self._len <= i < self._len:
            raise IndexError(f"grid index {i} out of range for {self._len} cells")
        i %= self._len
        if self._rules:  # positions shift around excluded cells: walk to it
            return _build_cell(next(itertools.islice(self._product(), i, None)))
        point = {"seed": self.seeds[i % len(self.seeds)]}
        i //= len(self.seeds)
        for key in reversed(self.axes):
            values = self.axes[key]
            point[key] = values[i % len(values)]
            i //= len(values)
        return _build_cell({**self.base, **point})

    def __iter__(self) -> Iterator[Cell]:
        return (_build_cell(c) for c in self._product())


@dataclass
class Suite:
    """A loaded, validated suite."""

    name: str
    description: str
    seeds: list[int]
    grid: Grid
    source: str = "<suite>"

    def cells(self) -> list[Cell]:
        """All cells, in grid order."""
        return list(self.grid)


_SUITE_KEYS = {"name", "description", "seeds"}
_TOP_FIXED = {"dataset", "activation", "init"}
_TABLES = {"suite", "grid", "exclude", *_SUBSPECS}


def _choices(keys: Any) -> str:
    return ", ".join(sorted(keys))


def parse_suite(doc: dict[str, Any], source: str = "<suite>") -> Suite:
    """Validate a parsed TOML document and expand its grid.

    Raises:
        SuiteError: naming ``source`` and the bad field.
    """

    def fail(fieldname: str, message: str) -> SuiteError:
        return SuiteError(source, fieldname, message)

    for key in doc:
        if key not in _TABLES | _TOP_FIXED:
            keys = _TABLES | _TOP_FIXED
            raise fail(key, f"unknown key; valid: {_choices(keys)}{did_you_mean(key, keys)}")

    meta = doc.get("suite", {})
    if not isinstance(meta, dict):
        raise fail("suite", "must be a table")
    for key in meta:
        if key not in _SUITE_KEYS:
            raise fail(
                f"suite.{key}",
                f"unknown key; valid: {_choices(_SUITE_KEYS)}{did_you_mean(key, _SUITE_KEYS)}",
            )
    name = meta.get("name", Path(source).stem)
    if not isinstance(name, str) or not name:
        raise fail("suite.name", "must be a non-empty string")
    description = meta.get("description", "")
    if not isinstance(description, str):
        raise fail("suite.description", "must be a string")
    seeds = meta.get("seeds", [0])
    if (
        not isinstance(seeds, list)
        or not seeds
        or not all(isinstance(s, int) and not isinstance(s, bool) and s >= 0 for s in seeds)
    ):
        raise fail("suite.seeds", f"must be a non-empty list of integers ≥ 0, got {seeds!r}")
    if len(set(seeds)) != len(seeds):
        raise fail("suite.seeds", f"repeated seeds in {seeds!r}")

    def checked(where: str, path: str, value: Any) -> Any:
        if path not in FIELDS or path == "seed":
            valid = sorted(p for p in FIELDS if p != "seed")
            hint = did_you_mean(path, valid)
            raise fail(where, f"unknown field {path!r}; valid: {', '.join(valid)}{hint}")
        try:
            return _coerce(path, value)
        except (ValueError, KeyError) as exc:
            raise fail(where, str(exc)) from None

    base: dict[str, Any] = {}
    for key in _TOP_FIXED & doc.keys():
        base[key] = checked(key, key, doc[key])
    for table in _SUBSPECS:
        settings = doc.get(table, {})
        if not isinstance(settings, dict):
            raise fail(table, "must be a table")
        for key, value in settings.items():
            base[f"{table}.{key}"] = checked(f"{table}.{key}", f"{table}.{key}", value)

    axes: dict[str, list[Any]] = {}
    grid = doc.get("grid", {})
    if not isinstance(grid, dict):
        raise fail("grid", "must be a table")
    for path, values in grid.items():
        where = f"grid.{path!s}"
        if isinstance(values, dict):  # TOML turned an unquoted dotted key into a table
            raise fail(where, f'quote dotted keys: "{path}.…" = [...]')
        if not isinstance(values, list) or not values:
            raise fail(where, "must be a non-empty list of values")
        if path in base:
            raise fail(where, "is also set as a fixed value; keep one")
        axes[path] = [checked(where, path, v) for v in values]
        if len(set(map(repr, axes[path]))) != len(values):
            raise fail(where, f"repeated values in {values!r}")

    if "init" not in base and "init" not in axes:
        base["init"] = DEFAULT_INIT  # documented in the module docstring
    for required in sorted(_TOP_FIXED):
        if required not in base and required not in axes:
            raise fail(required, "missing: give it at the top level or as a [grid] axis")

    rules = doc.get("exclude", [])
    if not isinstance(rules, list):
        raise fail("exclude", "must be an array of tables: [[exclude]]")
    exclude: list[dict[str, list[Any]]] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, dict) or not rule:
            raise fail(f"exclude[{i}]", "must be a non-empty table")
        exclude.append(
            {
                path: [
                    checked(f"exclude[{i}].{path}", path, v)
                    for v in (value if isinstance(value, list) else [value])
                ]
                for path, value in rule.items()
            }
        )

    grid = Grid(base, axes, seeds, exclude)
    suite = Suite(name, description, seeds, grid, source)

    def values(path: str) -> list[Any]:
        return grid.axes.get(path, [grid.fixed(path)])

    for kind, depth in itertools.product(values("model.kind"), values("model.depth")):
        if (
            depth == 0
            and kind != "mlp"
            and not grid.excluded({"model.kind": kind, "model.depth": 0})
        ):
            raise fail(
                "model.depth",
                f"depth 0 (no hidden layer) exists for model.kind 'mlp' only, not {kind!r}",
            )
    datasets = _registry("datasets")
    spatial = [n for n, d in datasets.REGISTRY.items() if d.image_shape]
    for dataset, kind in itertools.product(values("dataset"), values("model.kind")):
        if kind != "cnn" or grid.excluded({"dataset": dataset, "model.kind": kind}):
            continue
        if dataset.startswith(CSV_PREFIX) or datasets.get(dataset).image_shape is None:
            raise fail(
                "model.kind",
                f"'cnn' needs a data set with a spatial layout; {dataset!r} has none "
                f"(valid: {', '.join(spatial)})",
            )
    tables = [
        (d, label)
        for d, label in itertools.product(values("dataset"), values("data.label_column"))
        if d.startswith(CSV_PREFIX)
    ]
    for name, label in sorted(tables, key=str):  # a user's table is read once, here, not per cell
        try:
            datasets.load(name, 0, label_column=label)
        except BenchError as exc:
            raise fail("dataset", str(exc)) from None
    if len(suite.grid) == 0:
        raise fail("exclude", "every cell of the grid is excluded")
    return suite


def load_suite(path: str | Path) -> Suite:
    """Read and validate a suite file.

    Raises:
        BenchError: the file is missing or not TOML.
        SuiteError: the suite is invalid (message names the file and the field).
    """
    p = Path(path)
    try:
        text = p.read_bytes().decode("utf-8")
    except OSError as exc:
        raise BenchError(f"{path}: cannot read suite: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        line = p.read_bytes()[: exc.start].count(b"\n") + 1
        raise BenchError(
            f"{path}: line {line}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x}); "
            "TOML suite files must be UTF-8"
        ) from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise BenchError(f"{path}: not valid TOML: {exc}") from None
    return parse_suite(doc, str(path))
