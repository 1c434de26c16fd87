"""C7: PyTorch's nn.Linear / Conv default is kaiming_uniform_(a=√5), i.e. U(±1/√fan_in);
for fan_in = 30 the bound is 0.182574.

An exact check (:func:`bench.checks.default_init`, run once by ``bench claims run`` and
stored): a fresh ``nn.Linear(30, 20000)`` and the harness's ``torch_default`` initializer on
the same shape; the largest |w| must match the bound to 1e-6 (600,000 draws come that close
to the edge) and the std must be within 5 standard errors of 1/√(3·30).
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims.base import Claim, Context, Finding, Table, Verdict

FAN_IN, FAN_OUT = 30, 20000
BOUND = 1 / math.sqrt(FAN_IN)


def measure(ctx: Context) -> Finding:
    """The stored check as a table."""
    f = Finding()
    c = ctx.checks.get("C7")
    if not c:
        return f
    frame = pd.DataFrame(c["rows"])
    frame["bound"] = c["bound"]
    frame["bound_gap"] = c["bound"] - frame["max_abs"]
    frame["expected_std"] = c["std"]
    # standard error of a sample std of uniform draws: σ·√((κ − 1)/(4n)), kurtosis κ = 9/5
    frame["std_z"] = (frame["std"] - c["std"]) / (c["std"] * (0.2 / frame["n"]) ** 0.5)
    f.add(
        Table(
            "check",
            f"fan_in = {c['fan_in']}, {FAN_OUT} outputs (torch {c['torch']}): "
            "largest |w| against the bound 1/√fan_in, and the std's distance from "
            "1/√(3·fan_in) in standard errors.",
            frame,
            digits=7,
        )
    )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when, for both sources, max |w| ≤ bound and bound − max |w| < 1e-6, and
    |std z| < 5; CONTRADICTED otherwise."""
    c = t.get("check", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="the exact check was not run (bench claims run)")
    ok = ((c["bound_gap"] >= 0) & (c["bound_gap"] < 1e-6) & (c["std_z"].abs() < 5)).all()
    r = c.iloc[0]
    return Verdict(
        "SUPPORTED" if ok else "CONTRADICTED",
        effect=float(r["max_abs"]),
        effect_label="largest |w| of nn.Linear(30, ·)",
        test="exact check",
        conditions=f"torch's nn.Linear default, fan_in {FAN_IN}",
        evidence=f"bound 1/√30 = {BOUND:.6f}; nn.Linear max |w| = {r['max_abs']:.6f}, std "
        f"{r['std']:.5f} vs {r['expected_std']:.5f} (z = {r['std_z']:+.1f}); the harness's "
        f"torch_default gives max {c.iloc[-1]['max_abs']:.6f}",
        would_change="a PyTorch release that changes nn.Linear.reset_parameters",
    )


CLAIM = Claim(
    id="C7",
    title="PyTorch's default init is U(±1/√fan_in)",
    statement="PyTorch's nn.Linear and Conv layers are initialized with kaiming_uniform_(a=√5), "
    "i.e. U(±1/√fan_in); for fan_in = 30 the bound is 0.182574.",
    suites=(),
    treatment="none (exact check)",
    conditions="the installed torch",
    design="An exact check, nothing trained: 600,000 weights of a fresh nn.Linear(30, 20000) "
    "and of the harness's torch_default initializer; their largest magnitude is compared "
    "with 1/√30 and their std with 1/√90.",
    measure=measure,
    judge=judge,
)
