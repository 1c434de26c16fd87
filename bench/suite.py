"""Suites: TOML loading, validation, and the lazy grid of cells.

Public:
    DEFAULT_INIT        the initializer of a suite that names none ("matched")
    Grid                the lazy grid (:mod:`bench.grid`): sorted axes, ``len()``, indexable
    Suite               a loaded suite file: name, description, seeds, grid
    load_suite(path) -> Suite
    parse_suite(doc, source) -> Suite
    check_data(suite)   every data set of a suite loadable here (files, tables), before
                        anything trains; parsing itself reads names, never data

A suite file (TOML)::

    dataset = "digits"            # fixed cell fields may sit at the top level
    [suite]                       # name, description, seeds
    [grid]                        # axes: dotted field path → list of values
    [model] / [train] / [data]    # fixed settings
    [[exclude]]                   # skip every cell matching all of a rule's fields
    [tune]                        # "train.lr" = "bracket": rates beyond the grid's while
                                  # a configuration's best is at an edge (bench/tune.py)

``dataset`` and ``activation`` are required (fixed or as an axis). ``init`` defaults to
``"matched"`` (:data:`DEFAULT_INIT`: each activation's matched initializer, e.g. He normal
for ReLU, LeCun normal for SELU; ``bench list activations`` shows the pairs). Every other
field defaults to the value its record declares (:class:`bench.records.ModelSpec`,
``TrainSpec``, ``DataSpec``); ``suite.name`` to the file's stem, ``suite.seeds`` to ``[0]``.
The split seed follows the seed: a suite that does not set ``data.split_seed`` gives each
cell ``data.split_seed = seed`` (part of its key), so seed s samples both the initialization
and the stratified split; ``[data] split_seed = N`` pins one split for every seed (it is a
replicate, never a ``[grid]`` axis).

Everything is validated before anything trains: unknown tables or fields, unknown registry
names, wrong types and impossible values raise :class:`bench.errors.SuiteError`, whose
message names the file and the field (and the valid choices where there is a list). The
names are checked against the registries (:mod:`bench.activations`,
:mod:`bench.initializers`, :mod:`bench.models`, :mod:`bench.data`); the data sets' files
and tables are checked by :func:`check_data`, which the run commands call after parsing.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import activations, data, initializers, models, tune
from bench.errors import BenchError, SuiteError, UnknownNameError, did_you_mean, unknown_name
from bench.grid import Grid
from bench.records import (
    CSV_PREFIX,
    FIELDS,
    OPTIMIZERS,
    PROBE_EVERY,
    SUBSPECS,
    Cell,
)

DEFAULT_INIT = "matched"  # the initializer of a suite that names none


# --- field validation -------------------------------------------------------------------


def _in(choices: Callable[[], list[str]] | tuple[str, ...], what: str) -> Callable[[Any], None]:
    def check(v: Any) -> None:
        valid = list(choices() if callable(choices) else choices)
        if v not in valid:
            raise ValueError(unknown_name(what, v, valid))

    return check


def _check_dataset(v: str) -> None:
    if not v.startswith(CSV_PREFIX):
        data.entry(v)  # raises UnknownNameError listing the names
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
    "activation": lambda v: activations.canonical(v),  # raises for an unknown name
    "init": _in(initializers.names, "initializer"),
    "seed": _at_least(0),
    "model.kind": _in(models.MODEL_KINDS, "model kind"),
    "model.depth": _at_least(0),
    "model.width": _at_least(1),
    "model.norm": _in(models.NORMS, "normalization"),
    "model.dropout": _below(1),
    "model.dropout_kind": _in(models.DROPOUT_KINDS, "dropout kind"),
    "train.optimizer": _in(OPTIMIZERS, "optimizer"),
    "train.lr": _at_least(0, strict=True),
    "train.momentum": _below(1),
    "train.weight_decay": _at_least(0),
    "train.epochs": _at_least(1),
    "train.batch_size": _at_least(1),
    "train.probe_every": _probe_every,
    "data.split_seed": _at_least(0),
    "data.train_size": _share,
    "data.max_train": _at_least(2),
}


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
    if path == "activation":  # one spelling: leaky_relu(0.250) is leaky_relu(0.25)
        value = activations.canonical(value)
    return value


@dataclass
class Suite:
    """A loaded, validated suite."""

    name: str
    description: str
    seeds: list[int]
    grid: Grid
    source: str = "<suite>"
    tune: tune.Tuning | None = None  # the [tune] table: the learning rate is bracketed

    def cells(self) -> list[Cell]:
        """All cells, in grid order."""
        return list(self.grid)


_SUITE_KEYS = {"name", "description", "seeds"}
_TOP_FIXED = {"dataset", "activation", "init"}
_TABLES = {"suite", "grid", "exclude", "tune", *SUBSPECS}


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

    folder = Path(source).parent if Path(source).is_file() else Path.cwd()

    def datasets(where: str, values: list[Any]) -> list[Any]:
        """Collections (``@keel``…) expanded to their names, ``csv:`` paths made absolute
        against the suite file's folder (a dict's: the current one)."""
        out: list[Any] = []
        for v in values:
            if isinstance(v, str) and v.startswith("@"):
                try:
                    out += data.collection(v)
                except UnknownNameError as exc:
                    raise fail(where, str(exc)) from None
            elif isinstance(v, str) and v.startswith(CSV_PREFIX):
                out.append(CSV_PREFIX + str(folder / Path(v[len(CSV_PREFIX) :]).expanduser()))
            else:
                out.append(v)
        return out

    base: dict[str, Any] = {}
    top_datasets = datasets("dataset", [doc["dataset"]]) if "dataset" in doc else []
    for key in _TOP_FIXED & doc.keys():
        if key == "dataset" and len(top_datasets) != 1:  # a collection: an axis
            continue
        base[key] = checked(key, key, top_datasets[0] if key == "dataset" else doc[key])
    for table in SUBSPECS:
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
        if path in base or (path == "dataset" and top_datasets):
            raise fail(where, "is also set as a fixed value; keep one")
        if path == "dataset":
            values = datasets(where, values)
        axes[path] = [checked(where, path, v) for v in values]
        if len(set(map(repr, axes[path]))) != len(values):
            raise fail(where, f"repeated values in {values!r}")
    if len(top_datasets) > 1:
        axes["dataset"] = [checked("dataset", "dataset", v) for v in top_datasets]
    if "data.split_seed" in axes:
        raise fail(
            "grid.data.split_seed",
            "the split seed is a replicate, not an axis: leave it out (each cell's split "
            "seed is then its seed) or pin one under [data]",
        )
    tuning = tune.parse(doc["tune"], fail) if "tune" in doc else None
    if tuning is not None and len(axes.get(tune.FIELD, [])) < 2:
        raise fail(
            f"tune.{tune.FIELD}",
            f'brackets the [grid]\'s "{tune.FIELD}" list: give at least two starting rates there',
        )

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
                    for v in (
                        datasets(
                            f"exclude[{i}].{path}", value if isinstance(value, list) else [value]
                        )
                        if path == "dataset"
                        else (value if isinstance(value, list) else [value])
                    )
                ]
                for path, value in rule.items()
            }
        )

    seeded = () if "data.split_seed" in base else ("data.split_seed",)
    grid = Grid(base, axes, seeds, exclude, seeded)
    suite = Suite(name, description, seeds, grid, source, tuning)

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
    for rate, kind in itertools.product(values("model.dropout"), values("model.dropout_kind")):
        pair = {"model.dropout": rate, "model.dropout_kind": kind}
        if rate == 0 and kind != "standard" and not grid.excluded(pair):
            raise fail(
                "model.dropout_kind",
                f"{kind!r} at model.dropout = 0 is no dropout, under other keys than the "
                "same network's without it: give a rate, or [[exclude]] that pair",
            )
    for dataset, label in itertools.product(values("dataset"), values("data.label_column")):
        if label is None or dataset.startswith(CSV_PREFIX):
            continue
        if not grid.excluded({"dataset": dataset, "data.label_column": label}):
            raise fail(
                "data.label_column",
                f"chooses the label of a csv: table; {dataset!r} is a registry data set "
                "with its own labels: remove the setting",
            )
    spatial = [n for n, d in data.REGISTRY.items() if d.image_shape]
    for dataset, kind in itertools.product(values("dataset"), values("model.kind")):
        if kind != "cnn" or grid.excluded({"dataset": dataset, "model.kind": kind}):
            continue
        if dataset.startswith(CSV_PREFIX) or data.entry(dataset).image_shape is None:
            raise fail(
                "model.kind",
                f"'cnn' needs a data set with a spatial layout; {dataset!r} has none "
                f"(valid: {', '.join(spatial)})",
            )
    if len(suite.grid) == 0:
        raise fail("exclude", "every cell of the grid is excluded")
    if tuning is not None and (why := tune.check(list(grid), tuning)):
        raise fail(f"grid.{tune.FIELD}", why)
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


def _values(grid: Grid, path: str) -> list[Any]:
    return grid.axes.get(path, [grid.fixed(path)])


def check_data(suite: Suite) -> None:
    """Make sure every data set of ``suite`` can be loaded here, before anything trains:
    an image set's files are cached (or are downloaded now), a user's ``csv:`` table is
    readable with its label column (each table read once, here, not per cell).

    Raises:
        SuiteError: naming the suite's file and the ``dataset`` field.
    """
    names = _values(suite.grid, "dataset")
    for name in names:
        if name.startswith(CSV_PREFIX):
            continue
        try:
            data.get(name)  # image sets: files cached, or downloaded now
        except BenchError as exc:
            raise SuiteError(suite.source, "dataset", str(exc)) from None
    tables = [
        (name, label)
        for name, label in itertools.product(names, _values(suite.grid, "data.label_column"))
        if name.startswith(CSV_PREFIX)
    ]
    for name, label in sorted(tables, key=str):
        try:
            data.load(name, 0, label_column=label)
        except BenchError as exc:
            raise SuiteError(suite.source, "dataset", str(exc)) from None
