"""The speed table: ``bench.scoring.speed.ratios`` as text, one row per activation and one
column per width and pass (the default report, ``bench speed`` and ``bench compare``).

Public:
    PASS_LABELS             ``forward`` → ``fwd``, ``forward_backward`` → ``fwd+bwd``
    speed_table(ratios, order=()) -> (headers, rows)
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from bench.report.doc import ratio
from bench.schema import PASSES

PASS_LABELS = {"forward": "fwd", "forward_backward": "fwd+bwd"}


def _order(values: Sequence[str], preferred: Sequence[str]) -> list[str]:
    rank = {v: i for i, v in enumerate(preferred)}
    return sorted(dict.fromkeys(values), key=lambda v: (rank.get(v, len(rank)), v))


def speed_table(
    ratios: pd.DataFrame, order: Sequence[str] = ()
) -> tuple[list[str], list[list[str]]]:
    """Format ``bench.scoring.speed.ratios`` as a table: one row per activation, one column
    per width and pass (``fwd 32``, ``fwd+bwd 32``, …), cells ``median× (min–max)``.

    Args:
        ratios: the frame ``bench.scoring.speed.ratios`` returns.
        order: activations in this order first, any others after, alphabetically.

    Returns:
        (headers, rows); the first cell of a row is the bare activation name.
    """
    widths = sorted({int(w) for w in ratios["width"]})
    passes = [p for p in PASSES if p in set(ratios["pass"])]
    cols = [(w, p) for w in widths for p in passes]
    by = ratios.set_index(["activation", "width", "pass"])
    rows = []
    for act in _order(ratios["activation"], order):
        row = [act]
        for w, p in cols:
            if (act, w, p) in by.index:
                r = by.loc[(act, w, p)]
                row.append(ratio(r["ratio_median"], r["ratio_low"], r["ratio_high"]))
            else:
                row.append("–")
        rows.append(row)
    return ["activation", *(f"{PASS_LABELS.get(p, p)} {w}" for w, p in cols)], rows
