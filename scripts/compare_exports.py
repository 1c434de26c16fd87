"""Compare two ``bench export --format json`` files cell by cell, timings aside.

    python scripts/compare_exports.py A.json B.json

Every field of every row is compared, curves and probes included, except the timings
(any field whose name holds ``time``; ``samples_per_s``, ``started_at``, ``finished_at``)
and the run environment (``env.*``: commit, executor, stack size). Prints how many cells
are identical, and the first few keys that are not; exits 1 when any differs.
"""

from __future__ import annotations

import json
import sys


def _keep(name: str) -> bool:
    timing = "time" in name or name in ("samples_per_s", "started_at", "finished_at")
    return not (name.startswith("env.") or timing)


def _clean(value):
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items() if _keep(k)}
    if isinstance(value, list):
        return [_clean(v) for v in value]
    return value


def _load(path: str) -> dict[str, dict]:
    with open(path, encoding="utf-8") as f:
        return {row["key"]: _clean(row) for row in json.load(f)}


def main(a_path: str, b_path: str) -> int:
    a, b = _load(a_path), _load(b_path)
    common = sorted(set(a) & set(b))
    differ = [k for k in common if a[k] != b[k]]
    fields = len(next(iter(a.values()))) if a else 0
    print(
        f"{len(a)} vs {len(b)} cells, {len(common)} in both: {len(common) - len(differ)} "
        f"identical ({fields} fields each, curves and probes included; timings and env.* aside)"
    )
    for k in differ[:5]:
        print(f"  differs: {k}")
    return 1 if differ or len(common) != len(a) or len(common) != len(b) else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
