"""Records: what one training run is (a Cell and its specs), what it produced (a Result), and
the key that ties the two. Torch-free and registry-free: the store, the reports and the
suite parser all read these.

Public:
    SCHEMA_VERSION      part of every cell key: bump it when Result's meaning changes
    CSV_PREFIX          a data set named ``csv:<path>`` is a user's table
    OPTIMIZERS          the optimizers a cell may name
    PROBE_EVERY         what ``train.probe_every`` takes (the message of a bad value)
    STATUSES            ok, diverged, failed
    ModelSpec, TrainSpec, DataSpec, Cell, Result    the records
    SUBSPECS            table name → spec class (``model``, ``train``, ``data``)
    FIELDS              every settable dotted field path → its declared type
    DEFAULTS            every sub-spec field's default, by dotted path
    OMITTED_AT_DEFAULT  fields added after results were stored → their defaults: left out
                        of ``Cell.to_dict`` (so of every key document) at those defaults
    fill_defaults(rows) -> list[dict]               flat rows of cells made alike: a later
                                                    field one row holds, every row holds
    key_with_digest(cell, digest, source=None) -> str
                                                    a cell's key for a csv: table's digest
                                                    and an import-path activation's source
    is_import_path(name) -> bool                    an activation named ``package.module:Name``
    source_digest(name) -> str                      sha256 of that module's source file
    cell_from_dict(d) -> Cell                       inverse of ``Cell.to_dict``
    build_cell(flat) -> Cell                        a Cell from {dotted path: value}
    flatten(d) -> dict                              nested dict → dotted paths
    pooled(health, metric) -> float                 a probe series pooled over all units
    utcnow() -> str                                 the current UTC time, ISO 8601
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import importlib.util
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

# Part of every cell key. Bump it when a stored Result would no longer mean the same: new
# or redefined metrics, or a changed registry entry behind a name (e.g. the ``matched`` table).
# 2: the staged loop (curves only for whole epochs, no inference timing, per-member time
# shares, probes reduced in float64) and the device in the cell.
# 3: probes add the pre-activation mean and std per layer (pre_mean, pre_std).
# 4: a result is the same bit for bit whatever the batching (member-aligned layouts, one
# thread); RReLU's slopes come from a counter-based generator; probes follow
# ``train.probe_every`` (``{}`` for the epochs it skips); KEEL and csv: tables are encoded
# per split (one-hot, imputation); a csv: table is keyed by its contents, not its path.
SCHEMA_VERSION = 4
CSV_PREFIX = "csv:"  # a data set named csv:<path> is a user's table
IMPORT_SEP = ":"  # an activation named package.module:Name is a user's (no registry name has one)

OPTIMIZERS = ("sgd", "adam")
PROBE_EVERY = (
    "an integer N ≥ 1 (probes after every N-th epoch) or 'log' (after epochs 1, 2, 4, 8, …); "
    "the probes always run at initialization and after the last epoch"
)
STATUSES = ("ok", "diverged", "failed")


@dataclass(frozen=True)
class ModelSpec:
    """Network shape: ``kind`` (mlp | resmlp | cnn), ``depth`` hidden layers of ``width``.

    ``norm`` (none | batch | layer) sits between each hidden affine map and its activation;
    ``dropout`` (a rate in [0, 1), 0 = off) follows each hidden activation, of
    ``dropout_kind`` standard or alpha (``bench.models`` builds both). These three were
    added after results were stored: at their defaults they are left out of the key
    document, so every earlier key is what it was (:data:`OMITTED_AT_DEFAULT`).
    """

    kind: str = "mlp"
    depth: int = 4
    width: int = 64
    norm: str = "none"
    dropout: float = 0.0
    dropout_kind: str = "standard"


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
    """Data handling: split seed, standardization, the label column of ``csv:`` sets, the
    share of the training split kept (``train_size``) and a cap on its rows (``max_train``:
    a stratified subsample by ``split_seed``; validation and test stay whole)."""

    split_seed: int = 0
    standardize: bool = True
    label_column: str | None = None
    train_size: float = 1.0  # share of the training split used (a data-set-size axis)
    max_train: int | None = None  # the most training rows kept (a cost cap for large sets)


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
        (keys of million-cell grids are computed from it), less the fields added later
        that stand at their defaults (:data:`OMITTED_AT_DEFAULT`): the key document of a
        cell that sets none of them is what it was before they existed."""
        model = dict(vars(self.model))
        for name, default in _LATER_MODEL.items():
            if model[name] == default:
                del model[name]
        return {
            "dataset": self.dataset,
            "activation": self.activation,
            "init": self.init,
            "seed": self.seed,
            "model": model,
            "train": dict(vars(self.train)),
            "data": dict(vars(self.data)),
            "device": self.device,
        }

    @property
    def key(self) -> str:
        """Hash of the canonical JSON of the cell and :data:`SCHEMA_VERSION` (and, for a
        ``csv:`` data set, of the file's contents: an edited table gets new keys; for an
        activation given by import path, of its module's source: an edited one too)."""
        csv = self.dataset.startswith(CSV_PREFIX)
        digest = _file_digest(self.dataset[len(CSV_PREFIX) :]) if csv else None
        source = source_digest(self.activation) if is_import_path(self.activation) else None
        return key_with_digest(self, digest, source)

    def label(self) -> str:
        """Short human-readable description for logs and progress bars."""
        where = "" if self.device == "cpu" else f"@{self.device}"
        m = self.model
        extra = "" if m.norm == "none" else f"+{m.norm}norm"
        extra += f"+{m.dropout_kind}dropout{m.dropout:g}" if m.dropout else ""
        return (
            f"{self.dataset}/{m.kind}{m.depth}x{m.width}{extra}/"
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


def is_import_path(name: str) -> bool:
    """Whether an activation name is an import path, ``package.module:Name`` (a user's
    activation, keyed with its module's source) rather than a registry name."""
    return IMPORT_SEP in name


def source_digest(name: str) -> str:
    """The sha256 of the source file of the module an import path names (``"missing"``
    when it cannot be found here: the module, or its package, is not on ``sys.path``).

    The file is located with :func:`importlib.util.find_spec` (which imports the parent
    package of a dotted module, not the module itself) and hashed as bytes; the hash is
    cached by path, modification time and size."""
    module = name.partition(IMPORT_SEP)[0]
    try:
        spec = importlib.util.find_spec(module)
    except Exception:  # a parent package missing, or failing as it imports
        return "missing"
    if spec is None or not spec.has_location or not spec.origin:
        return "missing"
    return _file_digest(spec.origin)


def key_with_digest(cell: Cell, digest: str | None, source: str | None = None) -> str:
    """The key ``cell`` has when its ``csv:`` table's contents hash to ``digest`` (``None``
    for a registry data set, whose contents the harness version fixes) and its activation's
    module source to ``source`` (``None`` for a registry activation; the key document then
    has no such field, so built-in keys are what they were). A table is keyed by its
    contents, not by where it lies: the same file moved keeps its keys. An activation is
    keyed by its import path and its source: the same path edited gets new keys."""
    fields = cell.to_dict()
    doc: dict[str, Any] = {"schema": SCHEMA_VERSION, "cell": fields}
    if digest is not None:
        fields["dataset"] = CSV_PREFIX
        doc["data_sha256"] = digest
    if source is not None:
        doc["activation_sha256"] = source
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
        diverged_epoch: for ``diverged``, the first epoch whose probes are not good: n when
            training blew up in epoch n, or the evaluation after epoch n did (the probe of
            epoch n then saw the broken network); probes 0 … n−1 are good. None otherwise.
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
    diverged_epoch: int | None = None


SUBSPECS: dict[str, type] = {"model": ModelSpec, "train": TrainSpec, "data": DataSpec}
# fields added to ModelSpec after results were stored, with their defaults: left out of a
# cell's dict (its key document, the store's cell column, an export's row) at the default
_LATER_MODEL: dict[str, Any] = {"norm": "none", "dropout": 0.0, "dropout_kind": "standard"}
OMITTED_AT_DEFAULT: dict[str, Any] = {f"model.{k}": v for k, v in _LATER_MODEL.items()}


def _fields() -> dict[str, Any]:
    """Dotted path → declared type (as written in the dataclass) of every settable field."""
    out: dict[str, Any] = {}
    for f in dataclasses.fields(Cell):
        if f.name in SUBSPECS:
            for g in dataclasses.fields(SUBSPECS[f.name]):
                out[f"{f.name}.{g.name}"] = g.type
        elif f.name == "device":  # chosen at run time (--device), not by a suite
            continue
        else:
            out[f.name] = f.type
    return out


FIELDS: dict[str, Any] = _fields()
DEFAULTS: dict[str, Any] = {  # every sub-spec field's default, by dotted path
    f"{name}.{f.name}": f.default
    for name, spec in SUBSPECS.items()
    for f in dataclasses.fields(spec)
}


def fill_defaults(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Make flat cell rows (``flatten(cell.to_dict())`` plus anything) alike: a field left
    out at its default (:data:`OMITTED_AT_DEFAULT`) that one row holds is set to
    its default in every row that lacks it, so a frame built from them has no gaps there;
    rows none of which holds it stay without it (a store of earlier cells reads as before).

    Args:
        rows: flat dicts, changed in place.

    Returns:
        ``rows``.
    """
    held = [path for path in OMITTED_AT_DEFAULT if any(path in row for row in rows)]
    for row in rows:
        for path in held:
            row.setdefault(path, OMITTED_AT_DEFAULT[path])
    return rows


def cell_from_dict(d: dict[str, Any]) -> Cell:
    """Build a Cell from a nested dict as written by ``Cell.to_dict`` (no validation)."""
    top = {k: v for k, v in d.items() if k not in SUBSPECS}
    subs = {k: SUBSPECS[k](**d.get(k, {})) for k in SUBSPECS}
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


def build_cell(flat: dict[str, Any]) -> Cell:
    """A Cell from ``{dotted path: value}`` (no validation; the inverse of :func:`flatten`
    over ``Cell.to_dict``)."""
    nested: dict[str, Any] = {}
    for path, value in flat.items():
        head, _, tail = path.partition(".")
        if tail:
            nested.setdefault(head, {})[tail] = value
        else:
            nested[head] = value
    return cell_from_dict(nested)
