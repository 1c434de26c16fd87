"""Unit-health probes over K members at once: dead, negative-regime and saturated units,
layer statistics, weight-gradient norms; on the harness's networks and on anyone's.

Public:
    PROBE_METRICS           names of the per-layer series a health record holds
    SATURATION_RATIO        |f'| below this share of max |f'| counts as saturated (1e-2)
    Layer                   what one hidden layer showed on the probe set, K members stacked
    derivative(act, z)      f'(z) elementwise, by autograd on the activation module
    derivative_profile(act) -> (max |f'|, saturates)
    Accumulator             per-member statistics folded in chunk by chunk
    probe(chunk_fn, X, y=None, which=None) -> (logits, health records)
                            K members probed on all of ``X`` (shared, or each its own slice)
    (re-exported from :mod:`bench.run.hooks`: Call, is_activation, activation_modules,
    feeding_candidates, recording — how the activation calls are found and recorded)
    module_chunk(model, members=None, activations=None, per_member=False)
                            the chunk function of one network (or of K stacked ones)
    trace_module(model, X, y=None, activations=None) -> (logits, [health record])
                            one network probed on ``X`` (K = 1)
    unit_health(model, X, y=None, activations=None) -> dict[str, list[float]]
                            the health record of one network

Any network whose nonlinearities are modules can be probed: a plain ``nn.Sequential``, a
conv net, someone's own ``nn.Module``. A *hidden layer* is one call of an activation module
in a forward pass, in call order (a module called twice is two layers); which modules count
as activations, and which layer *feeds* one, is :mod:`bench.run.hooks`'s to say (torch's
elementwise activations, :mod:`bench.activations`, anything listed in ``activations=``, and
a ProbedNet's ``probe_points()``). ``grad_norm`` is the norm of the feeding layer's weight
gradient, NaN when no such layer feeds the activation (a functional ``F.linear``, a sum of
branches) or when no labels are given. Activations built with ``inplace=True`` run out of
place while they are probed.

Definitions: a hidden unit is *dead* when the activation's derivative is 0 for every
sample; in the *negative regime* when its pre-activation is < 0 for every sample; a
(unit, sample) pair is *saturated* when |f'(z)| < 1e-2 · max |f'| (defined for activations
whose derivative vanishes at both ends, sigmoid and tanh; NaN for the others; the threshold
and both rules are :mod:`bench.schema`'s, which the reports' figures read too). ``mean`` and
``std`` describe what the layer hands on (the activation's output; for a residual block of
the harness: ``h + act(W h + b)``); ``pre_mean`` and ``pre_std`` its pre-activation, the
activation's input ``z = W h + b``, after the norm where the network has one (Glorot &
Bengio's view). A unit is a column of dim 1 of
the activation's input: a feature, or for a conv layer a channel, reduced over samples and
positions. The derivative comes from autograd on the activation module itself, so the
definitions hold for every registry entry with no per-activation code. Every statistic is
reduced per member (dim 0), so the batched engine and the one-network path share this code.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace

import torch
from torch import nn
from torch.nn import functional as F

from bench import schema
from bench.run import layout, learned
from bench.run.derivatives import derivative, derivative_profile
from bench.run.hooks import (
    ACTIVATION_MODULES,
    Call,
    activation_modules,
    feeding_candidates,
    is_activation,
    recording,
)
from bench.schema import SATURATION_RATIO

__all__ = [
    "ACTIVATION_MODULES",
    "PROBE_METRICS",
    "SATURATION_RATIO",
    "Accumulator",
    "Call",
    "Layer",
    "activation_modules",
    "derivative",
    "derivative_profile",
    "feeding_candidates",
    "is_activation",
    "module_chunk",
    "probe",
    "recording",
    "trace_module",
    "unit_health",
]

PROBE_METRICS = tuple(schema.PROBES)  # as declared, in the declared order

_IGNORED = -100  # F.cross_entropy's ignore_index: padded rows carry no loss


@dataclass
class Layer:
    """One hidden layer on the probe set, members stacked on dim 0.

    Attributes:
        pre: pre-activations, (K, N, units) or (K, N, channels, *spatial).
        deriv: the activation's derivative at ``pre`` (same shape).
        out: what the layer hands on (same leading dims).
        saturates / max_deriv: the activation's :func:`derivative_profile`.
        learned: the values of the activation module's learned parameter per member, (K,
            P) (PReLU's slopes: P = 1, or the units for a slope per unit); ``None`` where
            it has none.
    """

    pre: torch.Tensor
    deriv: torch.Tensor
    out: torch.Tensor
    saturates: bool
    max_deriv: float
    learned: torch.Tensor | None = None


class Accumulator:
    """Per-member statistics of every hidden layer, accumulated over chunks of samples.

    Running maxima of |f'| and of the pre-activation per unit (dead, negative), counts of
    saturated pairs, float64 sums and sums of squares of the layer outputs (mean, std),
    and the weight gradients of the mean loss, summed chunk by chunk.
    """

    def __init__(self) -> None:
        self.dmax: list[torch.Tensor] = []
        self.zmax: list[torch.Tensor] = []
        self.sat: list[torch.Tensor | None] = []
        self.sums: list[torch.Tensor] = []  # (K, 4) float64: Σ out, Σ out², Σ z, Σ z²
        self.count: list[int] = []
        self.sat_count: list[int] = []
        self.grads: list[torch.Tensor] | None = None
        self.learned: list[torch.Tensor | None] = []

    @torch.no_grad()
    def add(self, layers: Sequence[Layer], grads: Sequence[torch.Tensor] | None = None) -> None:
        """Fold one chunk in: its layers (members on dim 0) and weight-gradient parts."""
        first = not self.dmax
        for i, layer in enumerate(layers):
            z, d = _units_last(layer.pre), _units_last(layer.deriv)
            # |f'| is 0 on every sample iff f' has max 0 and min 0: two reductions, no |·| pass
            # (two, not torch.aminmax, which is many times slower on the CPU)
            dmax, zmax = torch.maximum(d.amax(dim=1), -d.amin(dim=1)), z.amax(dim=1)
            out, zf = layer.out.flatten(1), layer.pre.flatten(1)
            # chunk sums in the working type, totals in float64
            sums = torch.stack([out.sum(1), (out * out).sum(1), zf.sum(1), (zf * zf).sum(1)], 1)
            sums = sums.double()
            sat = None
            if layer.saturates:
                sat = schema.saturated(d.abs(), layer.max_deriv).flatten(1).sum(1)
            if first:
                self.dmax.append(dmax)
                self.zmax.append(zmax)
                self.sums.append(sums)
                self.sat.append(sat)
                self.count.append(out.shape[1])
                self.sat_count.append(d[0].numel())
                self.learned.append(layer.learned)
                continue
            torch.maximum(self.dmax[i], dmax, out=self.dmax[i])
            torch.maximum(self.zmax[i], zmax, out=self.zmax[i])
            self.sums[i] += sums
            if sat is not None:
                self.sat[i] += sat
            self.count[i] += out.shape[1]
            self.sat_count[i] += d[0].numel()
        if grads is not None:
            if self.grads is None:
                self.grads = [g.detach().clone() for g in grads]
            else:
                for total, g in zip(self.grads, grads):
                    total += g

    def finish(self, k: int | None = None) -> list[dict[str, list[float]]]:
        """One health record per member (one transfer to the host in all); ``k`` members
        when there is no hidden layer (depth 0: every series is empty)."""
        if not self.dmax:
            return [{name: [] for name in PROBE_METRICS} for _ in range(k or 1)]
        k = self.dmax[0].shape[0]
        dtype = torch.float64
        nan = torch.full((k,), math.nan, dtype=dtype, device=self.dmax[0].device)
        rows = []
        for i in range(len(self.dmax)):
            n = self.count[i]
            s1, s2, z1, z2 = self.sums[i].unbind(1)
            mean, pre_mean = s1 / n, z1 / n
            var = ((s2 - s1 * mean) / max(n - 1, 1)).clamp_min(0)
            pre_var = ((z2 - z1 * pre_mean) / max(n - 1, 1)).clamp_min(0)
            sat = nan if self.sat[i] is None else self.sat[i].to(dtype) / self.sat_count[i]
            norm = nan if self.grads is None else self.grads[i].flatten(1).norm(dim=1).to(dtype)
            dead, negative = (self.dmax[i] == 0).sum(1), (self.zmax[i] < 0).sum(1)
            series = [dead.to(dtype), negative.to(dtype), sat, mean, var.sqrt(), pre_mean]
            rows.append(torch.stack([*series, pre_var.sqrt(), norm]))
        table = torch.stack(rows, dim=-1).movedim(1, 0).tolist()  # (K, metric, layer)
        units = [float(t.shape[1]) for t in self.dmax]
        slopes = learned.summary(self.learned, k)
        names = learned.SERIES if slopes else ()  # only where an activation learns
        out = []
        for j, (dead, negative, saturated, mean, std, pre_mean, pre_std, norm) in enumerate(table):
            out.append(
                {  # counts over units divided in Python: k dead of n is exactly k/n
                    "dead": [int(c) / u for c, u in zip(dead, units)],
                    "negative": [int(c) / u for c, u in zip(negative, units)],
                    "saturated": saturated,
                    "mean": mean,
                    "std": std,
                    "pre_mean": pre_mean,
                    "pre_std": pre_std,
                    "grad_norm": norm,
                    "units": units,
                    **{n: [layer[j][q] for layer in slopes] for q, n in enumerate(names)},
                }
            )
        return out


def probe(
    chunk_fn: Callable[
        [torch.Tensor, torch.Tensor | None],
        tuple[torch.Tensor, list[Layer], list[torch.Tensor] | None],
    ],
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    which: torch.Tensor | None = None,
) -> tuple[torch.Tensor, list[dict[str, list[float]]]]:
    """Probe K members on the whole of ``X``, chunk by chunk.

    Chunks hold a number of samples that depends on one member's sample size and the
    device, never on K (:func:`bench.run.layout.chunk_rows`), and a multiple of
    :data:`~bench.run.layout.ROWS`: the last one is padded with copies of its first
    sample (labelled to be ignored by the loss), whose rows are dropped before any
    statistic. So a member's record is the same bit for bit in a stack of any size.

    Args:
        chunk_fn: ``chunk_fn(X_chunk, loss_weights)`` → (logits (K, n, C), layers, weight
            gradients of ``Σ loss_weights · cross-entropy`` per member, or ``None`` when
            ``loss_weights`` is ``None``); with ``which``, the chunks and their labels are
            member-first, (K, n, …) and (K, n).
        X: all probe samples (N, …), shared by every member; with ``which``, (D, N, …).
        y: labels, (N,) (with ``which``: (D, N)); when given, gradient norms of the mean
            cross-entropy are measured.
        which: (K,) for inputs per member: member k is probed on ``X[which[k]]``.

    Returns:
        (logits (K, N, C) on all of ``X``, one health record per member).
    """
    acc = Accumulator()
    logits = []
    n = len(X) if which is None else X.shape[1]
    start, size = 0, 2 * layout.ROWS  # the first chunk measures a sample's size
    while start < n:
        stop = min(start + size, n)
        rows = stop - start
        extra = layout.padded(rows) - rows
        labels = None if y is None else y[..., start:stop]
        if which is None:
            part = X[start:stop]
            part = torch.cat([part, part[:1].expand(extra, *part.shape[1:])]) if extra else part
        else:  # member-first, each member's own rows
            part = layout.pad_rows(X[:, start:stop].index_select(0, which))
            labels = None if labels is None else labels.index_select(0, which)
        if extra and labels is not None:
            fill = labels.new_full((*labels.shape[:-1], extra), _IGNORED)
            labels = torch.cat([labels, fill], dim=-1)
        out, layers, grads = chunk_fn(part, None if labels is None else (labels, 1.0 / n))
        if extra:
            out = out[:, :rows]
            layers = [
                replace(t, pre=t.pre[:, :rows], deriv=t.deriv[:, :rows], out=t.out[:, :rows])
                for t in layers
            ]
        acc.add(layers, grads)
        logits.append(out)
        if start == 0:
            numel = [t.pre[0].numel() for t in layers] or [out[0].numel()]  # depth 0: no layer
            size = layout.chunk_rows(max(numel) // rows, X.device)
        start = stop
    logits = torch.cat(logits, dim=1)
    return logits, acc.finish(logits.shape[0])


def module_chunk(
    model: nn.Module,
    members: int | None = None,
    activations: Iterable[nn.Module] | None = None,
    per_member: bool = False,
):
    """The ``chunk_fn`` of :func:`probe` for a network, in eval mode.

    Args:
        model: any ``nn.Module`` whose activations are modules (see the module docstring),
            a :class:`bench.models.ProbedNet`, or a ProbedNet's stacked form
            (:func:`bench.run.batched.stack`), which maps (K, n, …) to (K, n, C).
        members: K for a stacked network; ``None`` for a plain one (K = 1).
        activations: further modules to count as activations (see
            :func:`activation_modules`).
        per_member: a stacked network's chunks come member-first, (K, n, …) with labels
            (K, n) (:func:`probe` with ``which``); else one chunk (n, …) for every member.
    """
    acts = activation_modules(model, activations)
    feeders = feeding_candidates(model, acts)
    layer_output = getattr(model, "layer_output", None)
    lift = (lambda t: t[None]) if members is None else (lambda t: t)
    profiles: dict[int, tuple[float, bool]] = {}  # once per probe, not per chunk
    n_layers: list[int] = []

    def fn(X: torch.Tensor, weights: tuple[torch.Tensor, float] | None):
        shared = members is not None and not per_member
        inputs = X.expand(members, *X.shape) if shared else X  # shared: a stride-0 view
        with (
            recording(acts, feeders, keep_layer_input=layer_output is not None) as calls,
            torch.set_grad_enabled(weights is not None),
        ):
            logits = lift(model(inputs))
        if not n_layers:
            n_layers.append(len(calls))
        elif len(calls) != n_layers[0]:
            raise RuntimeError(
                f"the activations were called {len(calls)} times on this chunk, "
                f"{n_layers[0]} on the first: the probes need the same layers every pass"
            )
        grads = None
        if weights is not None and calls:  # depth 0: no hidden layer, no gradient to measure
            y, scale = weights
            k = logits.shape[0]
            flat = logits.reshape(-1, logits.shape[-1])
            labels = y.expand(k, y.shape[-1]).reshape(-1)  # shared (n,) or per member (K, n)
            loss = F.cross_entropy(flat, labels, reduction="sum") * scale
            wanted = {
                id(c.feeder.weight): c.feeder.weight
                for c in calls
                if c.feeder is not None and c.feeder.weight.requires_grad
            }
            g = (
                torch.autograd.grad(loss, list(wanted.values()), allow_unused=True)
                if wanted
                else ()
            )
            by_weight = dict(zip(wanted, g))
            nan = torch.full((k, 1), math.nan, dtype=logits.dtype, device=logits.device)
            grads = []
            for c in calls:
                if c.feeder is None or id(c.feeder.weight) not in by_weight:
                    grads.append(nan)  # no clear feeding layer: NaN, summed as NaN
                    continue
                t = by_weight[id(c.feeder.weight)]
                grads.append(lift(t if t is not None else torch.zeros_like(c.feeder.weight)))
        layers = []
        for i, c in enumerate(calls):
            if id(c.act) not in profiles:
                profiles[id(c.act)] = derivative_profile(c.act)
            max_d, saturates = profiles[id(c.act)]
            out = c.out.detach()
            if layer_output is not None and c.layer_in is not None:
                out = layer_output(i, c.layer_in.detach(), out)
            pre, deriv = lift(c.pre.detach()), lift(c.deriv.detach())
            kept = learned.values(c.act, members)
            layers.append(Layer(pre, deriv, lift(out), saturates, max_d, kept))
        calls.clear()
        return logits.detach(), layers, grads

    return fn


def trace_module(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    activations: Iterable[nn.Module] | None = None,
) -> tuple[torch.Tensor, list[dict[str, list[float]]]]:
    """Probe one network on ``X`` in eval mode (its mode is restored afterwards).

    Returns:
        (logits (1, N, C), ``[health record]``).
    """
    was_training = model.training
    model.eval()
    try:
        return probe(module_chunk(model, activations=activations), X, y)
    finally:
        model.train(was_training)


def _units_last(t: torch.Tensor) -> torch.Tensor:
    """(K, N, C, *spatial) or (K, N, C) → (K, N·spatial, C): one column per unit."""
    if t.dim() == 3:
        return t
    return t.movedim(2, -1).reshape(t.shape[0], -1, t.shape[2])


def unit_health(
    model: nn.Module,
    X: torch.Tensor,
    y: torch.Tensor | None = None,
    activations: Iterable[nn.Module] | None = None,
) -> dict[str, list[float]]:
    """Measure every hidden layer of ``model`` on the whole of ``X`` (eval mode).

    Args:
        model: any ``nn.Module`` whose activations are modules: an ``nn.Sequential``, a
            conv net, a :class:`bench.models.ProbedNet` (see the module docstring).
        X: inputs, all samples at once (any shape ``model`` takes, samples on dim 0).
        y: labels; when given, ``grad_norm`` is the Frobenius norm of the weight gradient
            of the mean cross-entropy loss of the layer feeding each activation (NaN where
            none does), else NaN.
        activations: further modules to count as activations (a custom nonlinearity).

    Returns:
        ``{metric: [value per hidden layer, in forward order]}`` for each of
        :data:`PROBE_METRICS`.
    """
    return trace_module(model, X, y, activations)[1][0]
