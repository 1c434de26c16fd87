"""Unit-health probes of one network (the code lives in :mod:`bench.run.probes`).

Public:
    PROBE_METRICS           names of the per-layer series :func:`unit_health` returns
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    unit_health(model, X, y=None) -> dict[str, list[float]]

See :mod:`bench.run.probes` for the definitions; the batched engine uses the same code.
"""

from bench.run.probes import PROBE_METRICS, SATURATION_RATIO, unit_health

__all__ = ["PROBE_METRICS", "SATURATION_RATIO", "unit_health"]
