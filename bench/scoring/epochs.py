"""Per-epoch and per-layer series read from stored results: a probe metric over training,
a probe metric layer by layer, a training curve per epoch, and the gradient ratio (claim C2
and the default report's health table). pandas; no torch.

Everything here reads the frame of :meth:`bench.store.Store.frame` with ``series=True`` (the
``curves`` and ``probes`` columns).

Public:
    probe_epochs(df, metric)    a probe metric (pooled over units) per epoch, long form
    layer_profile(df, metric)   a probe metric per layer at init and after training
    curve_epochs(df, curve)     a training curve per epoch, long form
    gradient_ratio(df, when="init")     per run, ‖∂L/∂W‖ of the first hidden layer over the
                                last's, at initialization or after the last epoch
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from bench.records import pooled

_ID_COLUMNS = ("key", "dataset", "activation", "init", "seed")


def _num(value: object) -> float:
    return np.nan if value is None else float(value)  # type: ignore[arg-type]


def probe_epochs(df: pd.DataFrame, metric: str = "dead") -> pd.DataFrame:
    """A probe metric over training, all hidden units pooled (unit-weighted).

    Args:
        df: the results frame with a ``probes`` column (``Store.frame(series=True)``).
        metric: a per-layer probe series (``dead``, ``negative``, ``saturated`` …).

    Returns:
        Long frame ``key, dataset, activation, init, seed, epoch, value``; epoch 0 is the
        measurement at initialization; epochs the probe schedule skipped have no row.
    """
    rows = []
    for _, r in df.iterrows():
        for epoch, health in enumerate(r.get("probes") or []):
            if not health:  # train.probe_every skipped this epoch
                continue
            rows.append(
                {
                    **{c: r.get(c) for c in _ID_COLUMNS},
                    "epoch": epoch,
                    "value": pooled(health, metric),
                }
            )
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "epoch", "value"])


def layer_profile(df: pd.DataFrame, metric: str = "std") -> pd.DataFrame:
    """A probe metric layer by layer, at initialization and after the last epoch.

    Returns:
        Long frame ``key, dataset, activation, init, seed, when, layer, value`` with
        ``when`` in (``init``, ``final``) and ``layer`` counted from 1 at the input side.
    """
    rows = []
    for _, r in df.iterrows():
        probes = r.get("probes") or []
        for when, health in (("init", probes[:1]), ("final", probes[1:][-1:])):
            for h in health:
                for layer, value in enumerate(h.get(metric) or [], start=1):
                    rows.append(
                        {
                            **{c: r.get(c) for c in _ID_COLUMNS},
                            "when": when,
                            "layer": layer,
                            "value": _num(value),
                        }
                    )
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "when", "layer", "value"])


def curve_epochs(df: pd.DataFrame, curve: str = "val_acc") -> pd.DataFrame:
    """A per-epoch training curve in long form: ``key, dataset, activation, init, seed,
    epoch, value`` (epochs from 1; a diverged run stops where it diverged)."""
    rows = []
    for _, r in df.iterrows():
        for epoch, value in enumerate((r.get("curves") or {}).get(curve) or [], start=1):
            rows.append(
                {**{c: r.get(c) for c in _ID_COLUMNS}, "epoch": epoch, "value": _num(value)}
            )
    return pd.DataFrame(rows, columns=[*_ID_COLUMNS, "epoch", "value"])


def gradient_ratio(df: pd.DataFrame, when: str = "init") -> pd.Series:
    """Per run, ‖∂L/∂W‖ of the first hidden layer divided by that of the last, at
    initialization or after the last epoch (the two probes that measure weight gradients;
    ≪ 1: gradients vanish towards the input; claim C2). Infinite ratios (a last layer
    without gradient) become NaN.

    Args:
        df: the results frame with a ``probes`` column; filter it first (e.g. ``ok``).
        when: ``"init"`` or ``"final"`` (:func:`layer_profile`'s ``when``).

    Returns:
        A float Series indexed by ``key``, in the frame's order; runs without gradient
        norms are left out.
    """
    grads = layer_profile(df, "grad_norm")
    init = grads[grads["when"] == when]
    if init.empty:
        return pd.Series(dtype=float, index=pd.Index([], name="key"))
    first = init[init["layer"] == 1].set_index("key")["value"]
    last = init.loc[init.groupby("key", sort=False)["layer"].idxmax()].set_index("key")["value"]
    return (first / last.loc[first.index]).replace([np.inf, -np.inf], np.nan)
