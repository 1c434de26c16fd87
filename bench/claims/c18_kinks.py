"""C18: weighted sums of shifted ReLUs build curved functions: each unit adds a kink.

A test that can fail, measured by :func:`bench.checks.relu_kinks` (``bench claims run``
stores it): the harness's own MLP (1 hidden layer of 6 ReLU units, He normal) fitted by
full-batch Adam with MSE to sin(x) on [−π, π], once per seed (20 seeds). Each fitted curve
is sampled on a grid and its slope changes are located from the samples alone; each must
sit at a unit's kink x = −b/w (within one grid step, one grid segment wide) and have the
size that unit predicts, a·|w| (a: its output weight); each unit whose kink lies inside the
range with a visible jump must show one. A smooth bend (a softplus net), a change no unit
explains or a unit without its change fails it; so does a fit no better than a straight
line.

Public: CLAIM, UNITS, STEPS, SEEDS, POINTS (the fits' settings), measure(ctx),
judge(tables), kinks(x, fit, w, b, a).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from bench.claims.base import Claim, Context, Figure, Finding, Table, Verdict

UNITS, STEPS, SEEDS, POINTS = 6, 3000, 20, 1001
TOL = 1e-3  # a slope change larger than this is found
JUMP_MIN = 1e-2  # a unit (or group of coinciding units) whose jump is smaller may go unseen
REL = 0.02  # a found change matches its units' predicted jump within 2 % (+ TOL)
FIT_MSE = 0.05  # the best straight line has MSE 0.196 on sin over [−π, π]
LINE_MSE = 0.5 - 3 / math.pi**2  # E[sin²] − cov(x, sin)² / var(x)


def _clusters(x: np.ndarray, fit: np.ndarray) -> list[tuple[float, float, float, int]]:
    """Slope changes of a sampled curve: (left x, right x, slope after − before, width in
    flagged points), adjacent flagged points merged (a kink inside a grid segment flags its
    two ends; one on a grid point flags that point)."""
    slope = np.diff(fit) / np.diff(x)
    flagged = np.flatnonzero(np.abs(np.diff(slope)) > TOL)  # i: slope[i] → slope[i + 1]
    out: list[tuple[float, float, float, int]] = []
    start = None
    for j, i in enumerate(flagged):
        start = i if start is None else start
        if j + 1 == len(flagged) or flagged[j + 1] - i > 1:
            out.append((x[start + 1], x[i + 1], slope[i + 1] - slope[start], i - start + 1))
            start = None
    return out


def kinks(x: Any, fit: Any, w: Any, b: Any, a: Any) -> dict[str, Any]:
    """Match the slope changes of one sampled curve to its units' kinks.

    Units whose kinks lie within two grid steps of each other form a group (their jumps
    add up); a group inside the range (two steps from either end) with |jump| ≥ JUMP_MIN
    must be found. A change matches when the units within one grid step of it explain it:
    it is at most two flagged points wide per unit, and their jumps Σ a·|w| add up to the
    found one.

    Returns:
        ``changes``, ``matched``, ``unmatched`` (changes no group explains), ``missing``
        (visible groups without a change), ``in_range`` (visible groups), ``outside``
        (units whose kink lies outside the range or at w = 0).
    """
    x, fit = np.asarray(x, float), np.asarray(fit, float)
    w, b, a = (np.asarray(v, float) for v in (w, b, a))
    h = float(x[1] - x[0])
    with np.errstate(divide="ignore", invalid="ignore"):
        pos = np.where(w != 0, -b / w, np.inf)
    inside = (pos > x[0] + 2 * h) & (pos < x[-1] - 2 * h)
    order = np.argsort(pos[inside])
    kpos, kjump = pos[inside][order], (a * np.abs(w))[inside][order]
    groups: list[list[int]] = []
    for i in range(len(kpos)):
        if groups and kpos[i] - kpos[groups[-1][-1]] <= 2 * h:
            groups[-1].append(i)
        else:
            groups.append([i])
    gpos = [(kpos[g[0]], kpos[g[-1]]) for g in groups]
    gjump = [float(kjump[g].sum()) for g in groups]
    visible = {k for k, j in enumerate(gjump) if abs(j) >= JUMP_MIN}
    found, unmatched = set(), 0
    for left, right, jump, width in _clusters(x, fit):
        reach = 1.001 * h
        near = [k for k, (lo, hi) in enumerate(gpos) if lo - reach <= right and hi + reach >= left]
        predicted = sum(gjump[k] for k in near)
        units = sum(len(groups[k]) for k in near)
        if near and width <= 2 * units and abs(jump - predicted) <= REL * abs(predicted) + TOL:
            found.update(near)
        else:
            unmatched += 1
    changes = len(_clusters(x, fit))
    return {
        "changes": changes,
        "matched": changes - unmatched,
        "unmatched": unmatched,
        "missing": len(visible - found),
        "in_range": len(visible),
        "outside": int((~inside).sum()),
    }


def measure(ctx: Context) -> Finding:
    """Per seed: slope changes found, matched to unit kinks, unmatched, missing, the fit's
    MSE; a summary; the figure of seed 0."""
    f = Finding()
    c = ctx.checks.get("C18")
    if not c or not c.get("fits"):
        return f
    x = np.asarray(c["x"])
    rows = [
        {"seed": s["seed"], **kinks(x, s["fit"], s["w"], s["b"], s["a"]), "mse": s["mse"]}
        for s in c["fits"]
    ]
    per_seed = pd.DataFrame(rows)
    f.add(
        Table(
            "seeds",
            f"Each seed's {c['units']}-unit ReLU fit to sin(x) on [−π, π]: slope changes "
            "of the sampled curve, those matched to a unit's kink with the predicted jump "
            "a·|w|, changes no unit explains, visible units without a change, units whose "
            "kink lies outside the range (they add no kink there), and the MSE.",
            per_seed,
            digits=3,
        )
    )
    ok = (per_seed["unmatched"] == 0) & (per_seed["missing"] == 0)
    summary = {
        "seeds": len(per_seed),
        "seeds_all_matched": int(ok.sum()),
        "changes": int(per_seed["changes"].sum()),
        "unmatched": int(per_seed["unmatched"].sum()),
        "missing": int(per_seed["missing"].sum()),
        "units_outside": int(per_seed["outside"].sum()),
        "units": int(c["units"]) * len(per_seed),
        "median_mse": float(per_seed["mse"].median()),
        "line_mse": LINE_MSE,
    }
    f.add(
        Table(
            "summary",
            "Over the seeds (line_mse: the best straight line).",
            pd.DataFrame([summary]),
            digits=3,
        )
    )
    first = c["fits"][0]

    def draw(path):
        import matplotlib.pyplot as plt

        from bench.plots import _save

        fig, ax = plt.subplots(figsize=(5, 3.2))
        ax.plot(x, np.sin(x), color="0.6", lw=2, label="sin(x)")
        ax.plot(x, first["fit"], color="C3", lw=1.5, label=f"{c['units']} ReLU units, seed 0")
        w, b = np.asarray(first["w"]), np.asarray(first["b"])
        for k in -b[w != 0] / w[w != 0]:
            if x[0] < k < x[-1]:
                ax.axvline(k, color="C0", lw=0.8, ls=":")
        ax.set_title("a sum of shifted ReLUs: one kink per unit (dotted)", fontsize=9)
        ax.legend(fontsize=7, frameon=False)
        return _save(fig, path)

    f.figures.append(Figure("c18_kinks.png", "ReLU units fitting sin(x), kinks dotted", draw))
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when, in every seed, every slope change is one unit's kink with its
    predicted jump and every visible unit kink shows, and the median fit beats a straight
    line (MSE < 0.05, the line's is 0.196); CONTRADICTED when any seed breaks the match or
    the fits are no better than that; INCONCLUSIVE when the check was not run."""
    s = t.get("summary", pd.DataFrame())
    if s.empty:
        return Verdict("INCONCLUSIVE", evidence="the check was not run (bench claims run)")
    r = s.iloc[0]
    matched = int(r["seeds_all_matched"]) == int(r["seeds"])
    curved = float(r["median_mse"]) < FIT_MSE
    return Verdict(
        "SUPPORTED" if matched and curved else "CONTRADICTED",
        effect=float(r["seeds_all_matched"]),
        effect_label="seeds whose slope changes all match a unit's kink, and vice versa",
        test="exact match of slope changes to unit kinks, every seed",
        conditions=f"1 hidden layer of {UNITS} ReLU units, MSE, Adam, {STEPS} steps, "
        f"{int(r['seeds'])} seeds",
        evidence=f"{int(r['seeds_all_matched'])}/{int(r['seeds'])} seeds fully matched "
        f"({int(r['changes'])} slope changes, {int(r['unmatched'])} unexplained, "
        f"{int(r['missing'])} unit kinks without a change; {int(r['units_outside'])} of "
        f"{int(r['units'])} units have their kink outside [−π, π]); median MSE "
        f"{float(r['median_mse']):.4f} (straight line {LINE_MSE:.3f})",
        would_change="a smooth activation (softplus, ELU near 0) bends instead of kinking "
        "and fails the match; more units make the fit better, not the kinks fewer",
    )


CLAIM = Claim(
    id="C18",
    title="ReLU units add kinks",
    statement="A weighted sum of shifted ReLUs builds a curved function: each unit of a "
    "layer adds a kink.",
    suites=(),
    treatment="none (a check on fitted networks)",
    conditions="20 seeded fits",
    design="The harness's MLP with one hidden layer of 6 ReLU units is fitted to sin(x) on "
    "[−π, π] by mean squared error (full batch, Adam, 3,000 steps), once for each of 20 "
    "seeds. Each fitted curve is sampled on 1,001 points; its slope changes are located "
    "from the samples and matched to the units' kinks x = −b/w and their predicted jumps "
    "a·|w|, both ways. The fit is compared with the best straight line.",
    measure=measure,
    judge=judge,
)
