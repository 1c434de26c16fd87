"""``bench compare``'s text: the environments, the speed ratios and the accuracies of one
suite in two stores (what :func:`bench.scoring.stores.compare` found), as tabulate tables.

Public:
    render(comparison) -> str
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tabulate import tabulate

from bench.report.doc import num, per_call, ratio
from bench.report.speed import PASS_LABELS

if TYPE_CHECKING:
    from bench.scoring.stores import Comparison


def render(c: Comparison) -> str:
    """The comparison as text: environments, speed, accuracy, notes (tabulate tables)."""
    parts = [f"A = {c.paths[0]}\nB = {c.paths[1]}"]
    parts.append(tabulate(c.env, headers=["", "A", "B"], tablefmt="simple", disable_numparse=True))
    if not c.speed.empty:
        rows = [
            (
                r.activation,
                r.width,
                PASS_LABELS.get(r["pass"], r["pass"]),
                ratio(r.ratio_a, r.low_a, r.high_a),
                ratio(r.ratio_b, r.low_b, r.high_b),
                per_call(r.seconds_a),
                per_call(r.seconds_b),
                num(r.b_over_a, "{:.2f}"),
            )
            for _, r in c.speed.iterrows()
        ]
        parts.append(
            f"Speed: time per call / {c.reference}'s, median over repeats (min–max), in each "
            "store; B/A: B's median time per call over A's (> 1: slower in B)\n"
            + tabulate(
                rows,
                headers=[
                    "activation",
                    "width",
                    "pass",
                    f"A ×{c.reference}",
                    f"B ×{c.reference}",
                    "A per call",
                    "B per call",
                    "B/A",
                ],
                tablefmt="simple",
                disable_numparse=True,
            )
        )
    if not c.accuracy.empty:
        rows = [
            (
                r.activation,
                r.cells,
                r.same_key,
                num(100 * r.test_acc_a, "{:.2f}"),
                num(100 * r.test_acc_b, "{:.2f}"),
                num(100 * r["diff"], "{:+.2f}"),
                num(100 * r.max_abs_diff, "{:.2f}"),
                f"{r.identical}/{r.cells}",
            )
            for _, r in c.accuracy.iterrows()
        ]
        parts.append(
            "Test accuracy % of the cells both stores hold (mean over them; diverged and "
            "failed score 0); B − A in points\n"
            + tabulate(
                rows,
                headers=[
                    "activation",
                    "cells",
                    "same key",
                    "A",
                    "B",
                    "B − A",
                    "max |B − A|",
                    "identical",
                ],
                tablefmt="simple",
                disable_numparse=True,
            )
        )
    if c.notes:
        parts.append("\n".join(f"note: {n}" for n in c.notes))
    return "\n\n".join(parts) + "\n"
