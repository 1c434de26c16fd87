"""The "What to use" table that opens every report: per setting, the activation and
initializer the evidence supports, how sure that is, and the runner-up
(:mod:`bench.scoring.advice` decides; this formats).

Public:
    what_to_use(doc, advice)    append the section to a :class:`bench.report.doc.Doc`
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from bench.report.doc import Doc, margin, robust

if TYPE_CHECKING:
    from bench.scoring.advice import Advice


_HOW_SURE = {
    "decided": "decided: better than every other configuration (data-set level)",
    "tie": f"a tie: the runner-up is within {margin()} (TOST)",
    "open": "open: not shown to beat the runner-up",
}


def what_to_use(doc: Doc, advice: Sequence[Advice]) -> None:
    """The answer first: per setting, the configuration the evidence supports (nothing
    when there is no advice)."""
    rows = []
    for s in [advice]:
        for a in s:
            if a.setting == "speed matters":
                use = f"`{a.best}`" + (
                    ""
                    if a.best != a.runner_up
                    else " (every other configuration is shown to be less accurate)"
                    if a.others == 0
                    else " (the best one is also the fastest)"
                )
                rows.append(("speed matters", use, "–", "–", "–", a.note))
                continue
            lead = (
                "–"
                if a.effect != a.effect
                else f"{100 * abs(a.effect):.1f} pp {'behind' if a.effect >= 0 else 'ahead'}"
            )
            sets = f"{a.n_datasets} data set{'s' if a.n_datasets != 1 else ''}"
            rows.append(
                (
                    f"{a.setting} ({sets})",
                    f"`{a.best}`",
                    _HOW_SURE[a.how_sure] + f"; beats {a.beaten} of {a.others}",
                    f"`{a.runner_up}` ({lead} in mean accuracy)",
                    robust(**a.readings) if a.readings else "–",
                    a.note,
                )
            )
    if not rows:
        return
    headers = ["setting", "use", "how sure", "runner-up", "robustness (vs runner-up)", "note"]
    if not any(a.readings for a in advice):  # no rows before selection: no readings
        rows = [(*r[:4], r[5]) for r in rows]
        headers.remove("robustness (vs runner-up)")
    doc.add("## What to use")
    doc.table(rows, headers)
    doc.add(
        "Each row ranks every activation + initializer pair of the suite, each at its own "
        "learning rate chosen on validation, by its mean validation rank over the data sets "
        "(1 = the best validation accuracy on a data set; seeds averaged first): the winner "
        "is picked on *validation* scores alone, so the test split chooses nothing. It is "
        "then compared, as a control chosen in advance, with every other one on *test* "
        "accuracy at the data-set level, one family (one-sided Wilcoxon signed-rank, Holm "
        'over the others: what "beats N of M" counts; signed-rank TOST for a tie within '
        f"{margin()}). A mean rank counts how often a configuration wins; a mean accuracy "
        "also weighs how badly it fails where it fails, so the two can disagree: the last "
        "column says so where they do. The critical-difference diagram of the activation × "
        "initializer section ranks the same configurations at once (descriptive)."
        + (
            " Robustness: the first against the runner-up re-derived under other reasonable "
            "analyses (the same first and runner-up; the learning rate chosen on the "
            "best-epoch validation accuracy; the real and the synthetic data sets apart, and "
            "the small and the large real ones, where a row holds both; each half of the "
            "seeds, its rates chosen again on that half): whether the effect keeps its sign "
            "(a reversal in bold, first) and whether the verdict stays decided or loses "
            "power; an alternative that does not exist for a row is named, with — (the "
            "initializer is part of each configuration: no other-initializer reading)."
            if any(a.readings for a in advice)
            else ""
        )
    )
