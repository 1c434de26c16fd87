"""Unit-health probes of one network (the code lives in :mod:`bench.run.probes`).

Public:
    PROBE_METRICS           names of the per-layer series :func:`unit_health` returns
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    unit_health(model, X, y=None, activations=None) -> dict[str, list[float]]
                            per hidden layer (each call of an activation module, in forward
                            order): dead, negative and saturated shares, output and
                            pre-activation mean and std, weight-gradient norm, units

Works on any ``nn.Module`` whose nonlinearities are modules (``nn.Sequential(nn.Linear,
nn.ReLU, …)``, a conv net, a model of your own; list a custom nonlinearity in
``activations=``), found and hooked in the forward pass::

    net = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 10))
    unit_health(net, X, y)["dead"]      # [share of the 128 ReLUs dead on all of X]

See :mod:`bench.run.probes` for the definitions; the harness's networks and its batched
engine go through the same code.
"""

from bench.run.probes import PROBE_METRICS, SATURATION_RATIO, unit_health

__all__ = ["PROBE_METRICS", "SATURATION_RATIO", "unit_health"]
