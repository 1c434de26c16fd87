"""``bench quick``'s suite: its flags as a suite in the TOML layout, validated with the
flags' names in the messages, and written back as a suite file.

Public:
    QUICK_FLAGS         suite field → the ``bench quick`` flag behind it
    quick_suite(activations, datasets=("digits",), seeds=5, ...) -> dict
                        the suite ``bench quick`` builds from its flags (TOML layout)
    parse_quick(doc, source="bench quick") -> Suite
                        validated (and its data checked), errors naming the flag
    to_toml(doc) -> str the suite as a TOML file ``bench run`` reads back to the same suite
    relocate(doc, folder) -> dict
                        ``doc`` for a suite file in ``folder``: its ``csv:`` paths, given
                        from the current folder, rewritten from there (a suite file's
                        ``csv:`` paths are read relative to the file)
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from bench.suite import Suite


# the flag of ``bench quick`` behind each suite field (its error messages name the flag)
QUICK_FLAGS = {
    "suite.name": "--name",
    "suite.seeds": "--seeds",
    "grid.activation": "--activations",
    "grid.dataset": "--dataset",
    "dataset": "--dataset",
    "init": "--init",
    "model.kind": "--kind",
    "model.depth": "--depth",
    "model.width": "--width",
    "train.epochs": "--epochs",
    "grid.train.lr": "--lr",
    "train.lr": "--lr",
    "train.optimizer": "--optimizer",
    "train.batch_size": "--batch-size",
}


def quick_suite(
    activations: Sequence[Any],
    datasets: Sequence[str] = ("digits",),
    seeds: int | Sequence[int] = 5,
    init: str = "matched",
    kind: str = "mlp",
    depth: int = 4,
    width: int = 64,
    epochs: int = 10,
    lrs: Sequence[float] = (1e-3,),
    optimizer: str = "adam",
    batch_size: int = 64,
    name: str = "quick",
    description: str = "",
) -> dict[str, Any]:
    """The suite ``bench quick`` runs, as a dict in the TOML layout (give it to
    :func:`run`, or :func:`parse_quick` to validate it with ``bench quick``'s messages).

    ``activations``: names, import paths ``package.module:Name``, or the classes and
    functions themselves (each becomes its import path: :func:`bench.custom.path_of`).
    ``seeds``: a number n (seeds 0 … n − 1) or the list of seeds. Several learning rates
    become a ``train.lr`` axis (each configuration's is chosen on validation)."""
    seeds = list(range(seeds)) if isinstance(seeds, int) else list(seeds)
    acts = [a if isinstance(a, str) else _import_path(a) for a in activations]
    grid: dict[str, Any] = {"activation": acts, "dataset": list(datasets)}
    train: dict[str, Any] = {"optimizer": optimizer, "epochs": epochs, "batch_size": batch_size}
    if len(lrs) == 1:
        train["lr"] = lrs[0]
    else:
        grid["train.lr"] = list(lrs)
    meta = {"name": name, "seeds": seeds, **({"description": description} if description else {})}
    return {
        "init": init,
        "suite": meta,
        "grid": grid,
        "model": {"kind": kind, "depth": depth, "width": width},
        "train": train,
    }


def _import_path(obj: Any) -> str:
    from bench.custom import path_of  # imports torch: only for an object

    return path_of(obj)


def parse_quick(doc: dict[str, Any], source: str = "bench quick") -> Suite:
    """Validate a :func:`quick_suite` dict; a SuiteError names the flag, not the field
    (``bench quick: --activations: unknown activation 'rleu'; valid: … (did you mean
    'relu'?)``)."""
    from bench.errors import SuiteError
    from bench.suite import check_data, parse_suite

    try:
        suite = parse_suite(doc, source)
        check_data(suite)
        return suite
    except SuiteError as exc:
        message = str(exc).removeprefix(f"{exc.source}: {exc.field}: ")
        flag = QUICK_FLAGS.get(exc.field, exc.field)
        raise SuiteError(source, flag, message) from None


def relocate(doc: Mapping[str, Any], folder: str | Path) -> dict[str, Any]:
    """``doc`` as a suite file in ``folder`` must say it: each relative ``csv:`` path (from
    the current folder, as a flag gives it) rewritten relative to ``folder``, since
    :func:`bench.suite.load_suite` reads a file's ``csv:`` paths from the file's folder.
    Absolute paths (``~`` expanded) and registry names stay as they are."""
    from bench.records import CSV_PREFIX

    def moved(name: Any) -> Any:
        if not isinstance(name, str) or not name.startswith(CSV_PREFIX):
            return name
        path = Path(name[len(CSV_PREFIX) :]).expanduser()
        if path.is_absolute():
            return CSV_PREFIX + str(path)
        return CSV_PREFIX + os.path.relpath(os.path.abspath(path), os.path.abspath(folder))

    out = dict(doc)
    if "dataset" in out:
        out["dataset"] = moved(out["dataset"])
    if isinstance(out.get("grid"), Mapping) and "dataset" in out["grid"]:
        values = out["grid"]["dataset"]
        out["grid"] = {
            **out["grid"],
            "dataset": [moved(v) for v in values] if isinstance(values, list) else moved(values),
        }
    return out


def to_toml(doc: Mapping[str, Any]) -> str:
    """A suite dict (scalars, lists of scalars, one level of tables) as TOML text that
    :func:`bench.suite.load_suite` reads back to the same suite."""
    import json
    import math

    def value(v: Any) -> str:
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, int):
            return str(v)
        if isinstance(v, float):
            if not math.isfinite(v):
                raise ValueError(f"TOML suites hold finite numbers only, got {v!r}")
            return repr(v)
        if isinstance(v, str):
            return json.dumps(v, ensure_ascii=False)
        if isinstance(v, list | tuple):
            return "[" + ", ".join(value(x) for x in v) + "]"
        raise ValueError(f"cannot write {type(v).__name__} {v!r} to a suite file")

    def key(k: str) -> str:
        return k if k.replace("_", "").isalnum() else json.dumps(k)

    lines = [f"{key(k)} = {value(v)}" for k, v in doc.items() if not isinstance(v, Mapping)]
    for table, body in doc.items():
        if isinstance(body, Mapping) and body:
            lines += ["", f"[{table}]", *(f"{key(k)} = {value(v)}" for k, v in body.items())]
    return "\n".join(lines) + "\n"
