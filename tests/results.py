"""One comparison of two Results, field by field, for every test that compares runs.

Public:
    TIMING_METRICS          metrics that are timings (never compared)
    untimed(result) -> dict every field of a Result that does not depend on the clock or
                            on the path that produced it
    assert_same_results(a, b, atol=0.0)
                            equal keys, cells, statuses and errors; metrics, curves and
                            probes equal bit for bit (``atol`` = 0, the default: the same
                            float, sign of zero included; NaN equals NaN) or within ``atol``
"""

from __future__ import annotations

import math
import struct
from typing import Any

from bench.records import Result

TIMING_METRICS = frozenset(
    {
        "train_time_s",
        "eval_time_s",
        "probe_time_s",
        "samples_per_s",
        "total_time_s",
    }
)
_TIMED_CURVES = frozenset({"epoch_time_s"})


def untimed(result: Result) -> dict[str, Any]:
    """The fields two runs of the same cell must share, whichever path produced them."""
    return {
        "key": result.key,
        "cell": result.cell.to_dict(),
        "status": result.status,
        "error": result.error,
        "metrics": {k: v for k, v in result.metrics.items() if k not in TIMING_METRICS},
        "curves": {k: v for k, v in result.curves.items() if k not in _TIMED_CURVES},
        "probes": result.probes,
    }


def _bits(x: float) -> bytes:
    return struct.pack("<d", x)


def _close(a: Any, b: Any, atol: float, where: str) -> None:
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), f"{where}: keys {a.keys()} ≠ {b}"
        for k in a:
            _close(a[k], b[k], atol, f"{where}.{k}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), f"{where}: lengths {len(a)} ≠ {b}"
        for i, (x, y) in enumerate(zip(a, b)):
            _close(x, y, atol, f"{where}[{i}]")
    elif isinstance(a, float) or isinstance(b, float):
        assert isinstance(a, int | float) and isinstance(b, int | float), f"{where}: {a!r} ≠ {b!r}"
        if math.isnan(a) and math.isnan(b):
            return
        if atol == 0:
            assert _bits(float(a)) == _bits(float(b)), f"{where}: {a!r} ≠ {b!r} (not bit for bit)"
        else:
            assert abs(a - b) <= atol, f"{where}: {a!r} ≠ {b!r} (|Δ| = {abs(a - b):.3g} > {atol})"
    else:
        assert a == b, f"{where}: {a!r} ≠ {b!r}"


def assert_same_results(a: Result, b: Result, atol: float = 0.0) -> None:
    """Assert two Results agree on every untimed field: bit for bit by default, or numbers
    within ``atol``.

    An error message is compared up to its first line (tracebacks name other frames).
    """
    ua, ub = untimed(a), untimed(b)
    for u in (ua, ub):
        u["error"] = (u["error"] or "").split("\n")[0]
    _close(ua, ub, atol, a.cell.label())
