"""C15 under normalization (issue 24): the SELU paper's comparison, and the claimed chain
with BatchNorm, LayerNorm and residual blocks. Read by C15 (:mod:`bench.claims.c15_ranking`)
from the suites of the ``norm`` group (``suites/norm/``, ``make claims-norm``), where stored.

``c15_klambauer``: the SNN (SELU + LeCun normal, without and with alpha dropout) against
ReLU, ELU and GELU (He normal) plain, batch-normalized, layer-normalized and residual, 43
real data sets, depths 2, 8 and 16. Per depth one family (:func:`bench.scoring.paired.
compare_family`, Holm over exactly its pairs): the SNN against each of the twelve rivals,
and the SNN with alpha dropout against the SNN without; each pair with its robustness
readings (:func:`bench.scoring.robustness.robust`). ``c15_norm``: C15's five adjacent pairs
plain, with BatchNorm, with LayerNorm and on residual MLPs at depth 8, one family per
setting; which gaps survive each setting; and the caveat (ELU beats SELU where the net
cannot self-normalize) read on the residual nets.

Public:
    KLAMBAUER, CHAIN        the suite names
    SECTION_SNN, SECTION_CHAIN          the report sections' headings
    NOT_TRAINED             the line of a section whose suite is not stored
    SNN, SNN_DROPOUT, RIVALS, DEPTHS, SETTINGS      the arms, the depths, the chain's settings
    PAPER                   the SELU paper's finding, in words
    snn_arm(row) -> str | None          a c15_klambauer cell's arm
    setting(row) -> str | None          a c15_norm cell's setting (plain, BatchNorm …)
    snn_family(part, companions) -> DataFrame       one depth's family of comparisons
    mean_ranks(selected) -> DataFrame   each arm's mean rank over data sets, per depth
    survival(chain) -> DataFrame        each adjacent pair's verdict per setting and reading
    fate(plain, other) -> str           survives / vanishes / reverses / appears / …
    add(finding, ctx)       the two sections, tables and lines, into C15's finding
"""

from __future__ import annotations

import math

import pandas as pd

from bench.claims import common, measures
from bench.claims.base import Context, Finding, Table
from bench.scoring import metrics, paired, robustness
from bench.scoring.verdicts import CLAIMED_ORDER

KLAMBAUER, CHAIN = "c15_klambauer", "c15_norm"
SECTION_SNN = "Under normalization (a): the SELU paper's comparison"
SECTION_CHAIN = "Under normalization (b): the chain with BatchNorm, LayerNorm, residual blocks"
NOT_TRAINED = "Not trained: run `make claims-norm`."
SNN, SNN_DROPOUT = "SNN", "SNN + alpha dropout"
_NORMS = {"none": "plain", "batch": "BatchNorm", "layer": "LayerNorm"}
SETTINGS = ("plain", "BatchNorm", "LayerNorm", "residual")
RIVALS = tuple(f"{a}, {s}" for a in ("relu", "elu", "gelu") for s in SETTINGS)
DEPTHS = (2, 8, 16)
PAPER = (
    "Klambauer et al. (2017), 121 UCI tasks: SNNs had the best average rank of the FNN "
    "methods compared (ReLU nets plain, with BatchNorm, LayerNorm, WeightNorm, Highway and "
    "ResNet; the abstract: they 'significantly outperformed all competing FNN methods')"
)
_FATES = {
    "survives": "Gaps that survive (the plain verdict, decided, again)",
    "vanishes": "Gaps that vanish (decided plain, not there)",
    "reverses": "Gaps that reverse",
    "appears": "Gaps that appear (decided there only)",
}


def _norm(row: pd.Series) -> str:
    value = row.get("model.norm", "none")
    return "none" if not isinstance(value, str) else value


def _dropout(row: pd.Series) -> float:
    value = pd.to_numeric(row.get("model.dropout", 0.0), errors="coerce")
    return 0.0 if value != value else float(value)


def setting(row: pd.Series) -> str | None:
    """A cell's setting: ``residual`` (an unnormalized ResMLP), else its norm's name
    (``plain``, ``BatchNorm``, ``LayerNorm``); None for a normalized residual net."""
    if row["model.kind"] == "resmlp":
        return "residual" if _norm(row) == "none" else None
    return _NORMS.get(_norm(row))


def snn_arm(row: pd.Series) -> str | None:
    """A ``c15_klambauer`` cell's arm: ``SNN`` (a plain SELU stack, no dropout), ``SNN +
    alpha dropout``, or ``<activation>, <setting>`` for a rival without dropout; None for
    anything else."""
    where, rate = setting(row), _dropout(row)
    if row["activation"] == "selu":
        if where != "plain":
            return None
        if rate == 0.0:
            return SNN
        return SNN_DROPOUT if row.get("model.dropout_kind") == "alpha" else None
    return f"{row['activation']}, {where}" if where is not None and rate == 0.0 else None


def snn_family(part: pd.DataFrame, companions: bool = True) -> pd.DataFrame:
    """One depth's family (``part``: one configuration per data set × seed × arm): the SNN
    against each rival present, then the SNN with alpha dropout against the SNN; Holm over
    exactly the pairs tested (:func:`bench.scoring.paired.compare_family`)."""
    work = common.arms(part, snn_arm)
    present = set(work["arm"])
    pairs = [
        paired.Pair(f"{SNN} > {rival}", work, SNN, rival) for rival in RIVALS if rival in present
    ]
    if SNN_DROPOUT in present:
        pairs.append(paired.Pair(f"{SNN_DROPOUT} > {SNN}", work, SNN_DROPOUT, SNN))
    return paired.compare_family(pairs, companions=companions)


def _snn_tables(conv: pd.DataFrame) -> dict[int, pd.DataFrame]:
    """depth → its family with the robustness readings (all data sets of the frame)."""
    out = {}
    for depth in DEPTHS:
        part = conv[conv["model.depth"] == depth]
        if part.empty:
            continue
        sets = sorted(set(part["dataset"]))
        table = robustness.robust(part, sets, "matched", snn_family)
        if not table.empty:
            out[depth] = table
    return out


def mean_ranks(selected: pd.DataFrame) -> pd.DataFrame:
    """Each arm's mean rank over data sets (1 = best; seeds averaged first; data sets
    holding every arm of the depth), one column per depth: descriptive, the pairs decide."""
    work = common.scored(common.arms(selected, snn_arm), "test_acc")
    columns = {}
    for depth, part in work.groupby("model.depth", sort=True):
        means = part.groupby(["dataset", "arm"])["score"].mean().unstack().dropna()
        if not means.empty:
            columns[f"depth {int(depth)}"] = means.rank(axis=1, ascending=False).mean()
    if not columns:
        return pd.DataFrame()
    table = pd.DataFrame(columns)
    order = [a for a in (SNN, SNN_DROPOUT, *RIVALS) if a in table.index]
    return table.reindex(order).rename_axis("arm").reset_index()


def fate(plain: str, other: str) -> str:
    """What a setting does to a pair's plain verdict: ``survives`` (the same SUPPORTED or
    CONTRADICTED), ``reverses`` (SUPPORTED ↔ CONTRADICTED), ``vanishes`` (plain SUPPORTED or
    CONTRADICTED, EQUIVALENT or INCONCLUSIVE there), ``appears`` (SUPPORTED or CONTRADICTED
    there only), ``no gap`` (neither finds a direction, EQUIVALENT there), ``undecided``
    (neither finds a direction, INCONCLUSIVE there), ``–`` (either is missing)."""
    if not isinstance(plain, str) or not isinstance(other, str):
        return "–"
    gap = ("SUPPORTED", "CONTRADICTED")
    if plain in gap:
        if other == plain:
            return "survives"
        return "reverses" if other in gap else "vanishes"
    if other in gap:
        return "appears"
    return "no gap" if other == "EQUIVALENT" else "undecided"


def survival(chain: pd.DataFrame) -> pd.DataFrame:
    """Per adjacent pair: its verdict in each setting, and each non-plain setting's
    :func:`fate` against the plain verdict (``chain``: the rows of every setting, a
    ``setting`` column)."""
    if chain.empty:
        return pd.DataFrame()
    wide = chain.pivot(index="comparison", columns="setting", values="verdict")
    order = [c for c in chain["comparison"].drop_duplicates()]
    wide = wide.reindex(order)
    out = pd.DataFrame({"comparison": order})
    for s in SETTINGS:
        out[s] = wide[s].to_numpy() if s in wide else math.nan
    for s in SETTINGS[1:]:
        out[f"{s}: gap"] = [fate(p, o) for p, o in zip(out["plain"], out[s], strict=True)]
    return out


def _chain(conv: pd.DataFrame) -> pd.DataFrame:
    """The chain per setting (one family each, Holm over its five pairs), with robustness."""
    work = conv.assign(setting=[setting(r) for _, r in conv.iterrows()])
    parts = []
    for name in SETTINGS:
        part = work[work["setting"] == name]
        if part.empty:
            continue
        sets = sorted(set(part["dataset"]))
        table = robustness.robust_chain(part, sets, "matched")
        if not table.empty:
            parts.append(table.assign(setting=name))
    if not parts:
        return pd.DataFrame()
    out = pd.concat(parts, ignore_index=True)
    return out[["setting", *[c for c in out.columns if c != "setting"]]]


def _verdict_text(row: pd.Series) -> str:
    return (
        f"{measures.part_text(row)} "
        f"({common.fmt_effect(row)}, {int(row['wins'])} won / {int(row['losses'])} lost of "
        f"{int(row['n_datasets'])})"
    )


def _answer(tables: dict[int, pd.DataFrame], rival: str) -> str:
    """One line: the SNN against one rival at each depth."""
    label = f"{SNN} > {rival}"
    parts = []
    for depth, table in tables.items():
        rows = table[table["comparison"] == label]
        if len(rows):
            parts.append(f"depth {depth}: {_verdict_text(rows.iloc[0])}")
    return "; ".join(parts) or "no paired data"


def _reproduces(ranks: pd.DataFrame) -> str:
    """Whether the SNN (with or without alpha dropout) has the best mean rank, per depth."""
    parts = []
    for column in [c for c in ranks.columns if c != "arm"]:
        by = ranks.set_index("arm")[column].dropna()
        if by.empty:
            continue
        best = by.idxmin()
        snn = min(by.get(SNN, math.inf), by.get(SNN_DROPOUT, math.inf))
        ok = best in (SNN, SNN_DROPOUT)
        parts.append(
            f"{column}: {'yes' if ok else 'no'} (best mean rank {by[best]:.2f}, {best}; "
            f"SNN's best {snn:.2f} of {len(by)} arms)"
        )
    return "; ".join(parts)


def _add_snn(f: Finding, frame: pd.DataFrame) -> None:
    conv = common.prepare(frame, select=False)
    if conv.empty:
        f.note(SECTION_SNN, NOT_TRAINED)
        return
    tables = _snn_tables(conv)
    ranks = mean_ranks(metrics.select_lr(conv))
    f.note(SECTION_SNN, f"The paper: {PAPER}.")
    if not ranks.empty:
        f.note(
            SECTION_SNN, f"Reproduces here (the SNN has the best mean rank): {_reproduces(ranks)}."
        )
    for rival, name in (
        ("relu, BatchNorm", "ReLU + BatchNorm"),
        ("relu, LayerNorm", "ReLU + LayerNorm"),
    ):
        f.note(SECTION_SNN, f"Does SELU (the SNN) beat {name}? {_answer(tables, rival)}.")
    for depth, table in tables.items():
        f.add(
            Table(
                f"snn_depth{depth}",
                f"Depth {depth}: the SNN (SELU + LeCun normal) against each rival (He normal), "
                "test accuracy, data-set level, one family (p_holm: Holm over its pairs; "
                "p_a_better / p_rope / p_b_better: Bayesian signed-rank; robustness: each "
                "pair re-derived under the alternatives that apply).",
                table,
                percent=common.PERCENT,
                section=SECTION_SNN,
            )
        )
    if not ranks.empty:
        f.add(
            Table(
                "snn_ranks",
                "Mean rank of each arm over the data sets holding every arm of a depth (1 = "
                "best; descriptive, the pairs decide).",
                ranks,
                section=SECTION_SNN,
            )
        )


def _add_chain(f: Finding, frame: pd.DataFrame) -> None:
    conv = common.prepare(frame, select=False)
    if conv.empty:
        f.note(SECTION_CHAIN, NOT_TRAINED)
        return
    chain = _chain(conv)
    if chain.empty:
        f.note(SECTION_CHAIN, NOT_TRAINED)
        return
    table = survival(chain)
    first = f"{CLAIMED_ORDER[0]} > {CLAIMED_ORDER[1]}"
    residual = chain[(chain["setting"] == "residual") & (chain["comparison"] == first)]
    for fate_name, words in _FATES.items():
        found = [
            f"{r['comparison']} ({s})"
            for _, r in table.iterrows()
            for s in SETTINGS[1:]
            if r.get(f"{s}: gap") == fate_name
        ]
        if found:
            f.note(SECTION_CHAIN, f"{words}: {', '.join(found)}.")
    if len(residual):
        r = residual.iloc[0]
        found = r["verdict"] == "CONTRADICTED"
        f.note(
            SECTION_CHAIN,
            "Where the net cannot self-normalize, ELU may beat SELU (residual 8×64 nets): "
            f"{'ELU beats SELU' if found else 'not found'}; {first}: {_verdict_text(r)}.",
        )
    f.add(
        Table(
            "norm_survival",
            "Each adjacent pair's verdict per setting (8×64, matched init) and what each "
            "setting does to the plain verdict: survives, vanishes (EQUIVALENT or "
            "INCONCLUSIVE there), reverses, appears (decided there only), undecided.",
            table,
            section=SECTION_CHAIN,
        )
    )
    f.add(
        Table(
            "norm_chain",
            "The adjacent pairs per setting, test accuracy, data-set level, one family per "
            "setting (p_holm: Holm over its five pairs), with robustness.",
            chain,
            percent=common.PERCENT,
            section=SECTION_CHAIN,
        )
    )


def add(finding: Finding, ctx: Context) -> None:
    """The two sections into C15's ``finding``: each one's tables and lines where its suite
    is stored, else the line :data:`NOT_TRAINED`."""
    _add_snn(finding, ctx.frame(KLAMBAUER))
    _add_chain(finding, ctx.frame(CHAIN))
