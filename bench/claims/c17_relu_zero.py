"""C17: ReLU is not differentiable at 0; in practice the gradient there is taken as 0.

An exact check: autograd's derivative at exactly 0 of ``torch.relu``, ``F.relu``,
``nn.ReLU`` and the harness's ``relu`` registry entry; LeakyReLU's and ELU's are measured
beside them for contrast (which side's derivative PyTorch takes at 0 is read, not assumed).
Measured by :func:`bench.checks.relu_at_zero` and stored by ``bench claims run``.
"""

from __future__ import annotations

import pandas as pd

from bench.claims.base import Claim, Context, Finding, Table, Verdict

CONTRAST = ("bench leaky_relu", "bench elu")  # not ReLU: measured beside it


def measure(ctx: Context) -> Finding:
    """The stored check as a table."""
    f = Finding()
    c = ctx.checks.get("C17")
    if c:
        f.add(
            Table(
                "check",
                f"Autograd's derivative at exactly 0 (torch {c['torch']}).",
                pd.DataFrame(c["rows"]),
                digits=6,
            )
        )
    return f


def judge(t: dict[str, pd.DataFrame]) -> Verdict:
    """SUPPORTED when every ReLU form gives exactly 0 at 0."""
    c = t.get("check", pd.DataFrame())
    if c.empty:
        return Verdict("INCONCLUSIVE", evidence="the exact check was not run (bench claims run)")
    contrast = c["form"].isin(CONTRAST)
    relu = c[~contrast]
    ok = bool((relu["gradient_at_0"] == 0).all())
    others = c[contrast].drop_duplicates("form")
    return Verdict(
        "SUPPORTED" if ok else "CONTRADICTED",
        effect=float(relu["gradient_at_0"].abs().max()),
        effect_label="largest |d relu/dx| at 0",
        test="exact check",
        conditions="the installed torch, float32 and float64",
        evidence=f"{relu['form'].nunique()} ReLU forms × 2 dtypes give "
        f"{sorted(set(relu['gradient_at_0']))} at 0; "
        + ", ".join(f"{r.form}: {r.gradient_at_0:g}" for r in others.itertuples()),
        would_change="a PyTorch release that changes ReLU's backward at 0",
    )


CLAIM = Claim(
    id="C17",
    title="ReLU's gradient at 0 is 0",
    statement="ReLU is not differentiable at 0; in practice the gradient there is 0.",
    suites=(),
    treatment="none (exact check)",
    conditions="the installed torch",
    design="An exact check, nothing trained: autograd's derivative at exactly 0 of torch.relu, "
    "F.relu, nn.ReLU and the harness's relu, in float32 and float64 (and of LeakyReLU and ELU "
    "for contrast).",
    measure=measure,
    judge=judge,
)
