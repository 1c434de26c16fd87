"""Tests of the redesigned C11 (RReLU regularizes), C12 (PReLU wins on large data, overfits
small data) and C14 (SELU self-normalizes under three conditions): their helpers on
hand-computed inputs, and measure + judge end to end on synthetic results frames built to
give each verdict. The judges on synthetic tables (each verdict they can return) are in
tests/test_claims.py (``CASES``). Nothing here trains.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from bench.claims import REGISTRY, Context, measures
from bench.claims import c11_rrelu as c11
from bench.claims import c12_prelu as c12
from bench.claims import c14_selu as c14

SIZES = (0.1, 0.3, 1.0)


# --- C11 / C12 ---------------------------------------------------------------------------------


def _run(dataset: str, act: str, seed: int, size: float, acc: float, gap: float) -> dict:
    """One finished cell: training loss 0.05, test loss 0.05 + gap; the curves peak on
    validation at epoch 2 (test accuracy there acc − 0.01, loss gap there gap / 2)."""
    train_loss, test_loss = 0.05, 0.05 + gap
    return {
        "key": f"{dataset}/{act}/{seed}/{size}",
        "status": "ok",
        "dataset": dataset,
        "activation": act,
        "init": "matched",
        "seed": seed,
        "data.train_size": size,
        "n_train": int(1000 * size),
        "train_acc": 1.0,
        "test_acc": acc,
        "train_loss": train_loss,
        "test_loss": test_loss,
        "best_epoch": 2,
        "curves": {
            "val_acc": [0.5, 0.9, 0.8],
            "test_acc": [0.5, acc - 0.01, acc],
            "train_loss": [1.0, 0.3, train_loss],
            "test_loss": [1.2, 0.3 + gap / 2, test_loss],
        },
    }


ACTS = ("leaky_relu(0.229)", "leaky_relu(0.25)", "rrelu", "prelu", "prelu_channel")


def _size_frame(
    effects: dict[str, dict[float, tuple[float, float]]],
    n_datasets: int = 12,
    large: dict[str, float] | None = None,
    n_large: int = 9,
):
    """12 data sets × 5 seeds × 3 sizes (``data.max_train`` 2000); each arm's
    (test-accuracy, loss-gap) shift from the controls by size; a per-data-set jitter far
    smaller than the shifts. With ``large``: a large tier too, ``n_large`` other data sets
    at 100 % with ``data.max_train`` 20000, each arm's test-accuracy shift."""
    rng = np.random.default_rng(0)
    cells = []
    for d in range(n_datasets):
        for size in SIZES:
            acc0, gap0 = 0.6 + 0.2 * size + 0.01 * d, 1.5 - size
            for seed in range(5):
                for act in ACTS:
                    da, dg = effects.get(act, {}).get(size, (0.0, 0.0))
                    acc = acc0 + da + rng.uniform(-0.002, 0.002)
                    gap = gap0 + dg + rng.uniform(-0.002, 0.002)
                    cell = _run(f"ds{d:02d}", act, seed, size, acc, gap)
                    cells.append({**cell, "data.max_train": 2000})
    for d in range(n_large if large is not None else 0):
        for seed in range(5):
            for act in ACTS:
                acc = 0.8 + 0.01 * d + large.get(act, 0.0) + rng.uniform(-0.002, 0.002)
                cell = _run(f"big{d:02d}", act, seed, 1.0, acc, 0.2)
                cells.append({**cell, "data.max_train": 20000, "n_train": 10000})
    return pd.DataFrame(cells)


def test_with_gaps_reads_the_last_epoch_and_the_early_stopping_epoch():
    frame = pd.DataFrame([_run("a", "rrelu", 0, 0.1, 0.7, 1.0)])
    frame = pd.concat([frame, frame.assign(status="diverged")], ignore_index=True)
    out = measures.with_gaps(frame)
    assert out["loss_gap"].iloc[0] == pytest.approx(1.0)
    assert out["es_gap"].iloc[0] == pytest.approx(0.5)  # epoch 2: 0.3 + 0.5 − 0.3
    assert out["es_test_acc"].iloc[0] == pytest.approx(0.69)
    assert out[["loss_gap", "es_gap", "es_test_acc"]].iloc[1].isna().all()


def test_by_size_holm_over_the_sizes_drops_a_raw_p_below_alpha():
    """6 data sets; at 10 % and 30 % five wins and the smallest difference a loss: one-sided
    p = 2/64 = 0.031 < 0.05, but Holm over three sizes gives 3 × 0.031 = 0.094: INCONCLUSIVE."""
    cells = []
    wins = [0.05, 0.06, 0.07, 0.08, 0.09, -0.01]
    for size in SIZES:
        diffs = wins if size < 1 else [0.05, -0.05, 0.04, -0.04, 0.03, -0.03]
        for d, diff in enumerate(diffs):
            cells.append(_run(f"ds{d}", c11.CONTROL, 0, size, 0.7, 1.0))
            cells.append(_run(f"ds{d}", "rrelu", 0, size, 0.7 + diff, 1.0))
    t = measures.by_size(
        measures.with_gaps(pd.DataFrame(cells)), "rrelu", c11.CONTROL, "test_acc", "x"
    )
    assert list(t["train_size"]) == list(SIZES)
    assert t["p"].iloc[0] == pytest.approx(2 / 64)
    assert t["p_holm"].iloc[0] == pytest.approx(3 * 2 / 64)
    assert list(t["verdict"]) == ["INCONCLUSIVE"] * 3
    assert t["effect"].iloc[0] == pytest.approx(np.mean(wins))


def test_means_per_size_and_activation():
    frame = measures.with_gaps(_size_frame({"rrelu": {0.1: (0.02, -0.1)}}, n_datasets=2))
    m = c11.means(frame).set_index(["train_size", "activation"])
    assert m.loc[(0.1, "rrelu"), "n_train"] == 100
    gap = m.loc[(0.1, "rrelu"), "loss_gap"] - m.loc[(0.1, c11.CONTROL), "loss_gap"]
    assert gap == pytest.approx(-0.1, abs=0.003)
    assert m.loc[(1.0, "rrelu"), "es_test_acc"] == pytest.approx(
        m.loc[(1.0, "rrelu"), "test_acc"] - 0.01
    )


def test_c11_and_c12_read_one_size_measure():
    """RReLU's gap 0.1 nats smaller than its control's at 10 %, PReLU's 0.1 larger than its
    own: each claim's claimed direction makes both SUPPORTED there, with the same rope."""
    shift = {0.1: (0.0, -0.1)}
    frame = measures.with_gaps(_size_frame({"rrelu": shift, "prelu": {0.1: (0.0, 0.1)}}))
    gap, test = measures.size_comparisons(frame, "rrelu", c11.CONTROL)
    assert gap["comparison"].iloc[0] == f"rrelu smaller loss gap than {c11.CONTROL}"
    assert test["comparison"].iloc[0] == f"rrelu better test than {c11.CONTROL}"
    pgap, _ = measures.size_comparisons(frame, "prelu", c12.CONTROL, gap_claimed="B>A")
    assert pgap["comparison"].iloc[0] == f"prelu larger loss gap than {c12.CONTROL}"
    assert gap["verdict"].iloc[0] == pgap["verdict"].iloc[0] == "SUPPORTED"
    assert gap["effect"].iloc[0] == pytest.approx(0.1, abs=0.003)  # control − RReLU
    assert pgap["effect"].iloc[0] == pytest.approx(-0.1, abs=0.003)  # control − PReLU
    assert list(gap["train_size"]) == list(SIZES)


@pytest.mark.parametrize(("sign", "expected"), [(1, "SUPPORTED"), (-1, "CONTRADICTED")])
def test_c11_end_to_end(sign, expected):
    """RReLU 0.1 nats smaller gap and 2 points better than its control at every size
    (sign 1), or the reverse: every row decided, Holm over the sizes."""
    shift = {z: (sign * 0.02, -sign * 0.1) for z in SIZES}
    ctx = Context(frames={"c11_size": _size_frame({"rrelu": shift})}, timings=pd.DataFrame())
    claim = REGISTRY["C11"]
    finding = claim.measure(ctx)
    tables = finding.frames()
    assert set(tables["gap"]["verdict"]) == {expected}
    assert set(tables["test"]["verdict"]) == {expected}
    assert tables["test"]["effect"].to_numpy() == pytest.approx([sign * 0.02] * 3, abs=0.002)
    v = claim.judge(tables)
    assert v.verdict == expected, v.evidence
    assert (v.n_datasets, v.n_seeds) == (12, 5)
    assert v.effect == pytest.approx(sign * 0.1, abs=0.002)  # control − RReLU gap, 10 %


def test_c11_a_significant_reduction_inside_the_rope_is_supported_negligible_not_contradicted():
    """RReLU's gap 0.005 nats smaller than its control's on every data set at every size:
    the signed-rank test rejects (p 1/4096, Holm × 3) and TOST puts it inside the 0.02-nat
    rope. The shared rule reads SUPPORTED, negligible (the old reading, equivalence first,
    made such a row EQUIVALENT and so CONTRADICTED); the gap part counts as SUPPORTED, the
    test-accuracy rows (equal) as CONTRADICTED: PARTLY."""
    shift = {z: (0.0, -0.005) for z in SIZES}
    ctx = Context(frames={"c11_size": _size_frame({"rrelu": shift})}, timings=pd.DataFrame())
    tables = REGISTRY["C11"].measure(ctx).frames()
    gap = tables["gap"]
    assert set(gap["verdict"]) == {"SUPPORTED"} and gap["negligible"].all()
    assert gap["p_holm"].iloc[0] == pytest.approx(3 / 4096)
    v = REGISTRY["C11"].judge(tables)
    assert v.verdict == "PARTLY", v.evidence
    assert "10 %: SUPPORTED, negligible (+0.005 nats" in v.evidence
    assert v.p == pytest.approx(3 / 4096)  # the adjusted p the verdict was decided on


def test_c11_an_equal_gap_reads_as_contradicted():
    """The same gap as the control (within the 0.02-nat rope) at every size: EQUIVALENT
    rows, read as CONTRADICTED: RReLU does not reduce overfitting."""
    ctx = Context(frames={"c11_size": _size_frame({})}, timings=pd.DataFrame())
    tables = REGISTRY["C11"].measure(ctx).frames()
    assert set(tables["gap"]["verdict"]) == {"EQUIVALENT"}
    assert REGISTRY["C11"].judge(tables).verdict == "CONTRADICTED"


def test_c12_interaction_is_the_difference_of_the_effects():
    """PReLU −1 point at 10 % and +3 at 100 %: +4 points on all 12 data sets; one family
    over the forms (prelu_channel, unshifted, is the family's other pair: Holm over 2)."""
    shift = {0.1: (-0.01, 0.0), 1.0: (0.03, 0.0)}
    frame = _size_frame({"prelu": shift})
    t = c12.interaction(frame, c12.FORMS, c12.CONTROL).set_index("activation")
    assert (t.loc["prelu", "small"], t.loc["prelu", "large"]) == (0.1, 1.0)
    assert t.loc["prelu", "effect"] == pytest.approx(0.04, abs=0.002)
    assert t.loc["prelu", "verdict"] == "SUPPORTED"
    assert t.loc["prelu", "wins"] == 12
    assert t.loc["prelu", "p_holm"] == pytest.approx(2 * t.loc["prelu", "p"])  # smallest p
    assert t.loc["prelu_channel", "verdict"] == "EQUIVALENT"
    small = frame[frame["data.train_size"] == 0.1]
    assert c12.interaction(small, c12.FORMS, c12.CONTROL).empty


@pytest.mark.parametrize(("sign", "expected"), [(1, "SUPPORTED"), (-1, "CONTRADICTED")])
def test_c12_end_to_end(sign, expected):
    """sign 1: both PReLU forms' gap 0.1 nats larger and 2 points worse at 10 %, 2 points
    better at 100 % (interaction +4 points), and 2 points better on the 9 large tables
    trained whole; sign -1: the mirror image. The headline: per-layer PReLU on the large
    tier, its p Holm-adjusted over the two forms."""
    shift = {0.1: (-sign * 0.02, sign * 0.1), 1.0: (sign * 0.02, 0.0)}
    effects = {"prelu": shift, "prelu_channel": shift}
    large = {"prelu": sign * 0.02, "prelu_channel": sign * 0.02}
    frame = _size_frame(effects, large=large)
    claim = REGISTRY["C12"]
    tables = claim.measure(Context(frames={"c11_size": frame}, timings=pd.DataFrame())).frames()
    for tag in ("", "_prelu_channel"):
        assert tables[f"gap{tag}"]["verdict"].iloc[0] == expected
        assert tables[f"test{tag}"]["verdict"].iloc[-1] == expected
    assert set(tables["interaction"]["verdict"]) == {expected}
    big = tables["large"].set_index("activation")
    assert set(big["verdict"]) == {expected} and set(big["n_datasets"]) == {9}
    assert set(big["min_train_rows"]) == {10000}
    v = claim.judge(tables)
    assert v.verdict == expected, v.evidence
    assert v.effect == pytest.approx(sign * 0.02, abs=0.002)
    assert v.p == big.loc["prelu", "p_holm"] and (v.n_datasets, v.n_seeds) == (9, 5)
    assert "prelu_channel: overfits small" in v.evidence


def test_c12_without_a_large_tier_cannot_say_it_wins_large():
    """A store of the size sweep alone (one data.max_train): the wins-large parts are not
    measured (INCONCLUSIVE), so the claim is at most PARTLY."""
    shift = {0.1: (-0.02, 0.1), 1.0: (0.02, 0.0)}
    frame = _size_frame({"prelu": shift, "prelu_channel": shift})
    tables = REGISTRY["C12"].measure(Context({"c11_size": frame}, pd.DataFrame())).frames()
    assert tables["large"].empty
    v = REGISTRY["C12"].judge(tables)
    assert v.verdict == "PARTLY" and "wins large (test, whole large tables): INCONCLUSIVE" in (
        v.evidence
    )


def test_c12_slopes_average_the_last_probe_per_form_tier_share_and_layer():
    """Two prelu_channel runs at 10 % whose last probes hold layer 1's slope summary (mean
    0.2 and 0.4 …): the table holds the means over the runs; a run without the series (a
    store from before the probes kept it) is not counted; other activations are skipped."""

    def cell(act, slope, probes=True):
        record = {"slope": [slope, 0.3], "slope_q10": [slope - 0.1, 0.3]}
        record |= {"slope_q50": [slope, 0.3], "slope_q90": [slope + 0.1, 0.3]}
        last = record if probes else {"dead": [0.0, 0.0]}
        return {
            "activation": act,
            "status": "ok",
            "data.max_train": 2000,
            "data.train_size": 0.1,
            "probes": [{}, last],
        }

    frame = pd.DataFrame(
        [
            cell("prelu_channel", 0.2),
            cell("prelu_channel", 0.4),
            cell("prelu_channel", 9.0, probes=False),
            cell("rrelu", 5.0),
        ]
    )
    t = c12.slopes(frame).set_index("layer")
    assert list(t.index) == [1, 2] and set(t["activation"]) == {"prelu_channel"}
    assert t.loc[1, "runs"] == 2
    assert t.loc[1, ["slope", "slope_q10", "slope_q50", "slope_q90"]].tolist() == pytest.approx(
        [0.3, 0.2, 0.3, 0.4]
    )
    assert t.loc[2, "slope"] == pytest.approx(0.3)
    assert c12.slopes(frame.iloc[2:]).empty
    uncapped = c12.slopes(frame.assign(**{"data.max_train": None}))  # a suite without a cap
    assert uncapped["runs"].tolist() == [2, 2]


# --- C14 ---------------------------------------------------------------------------------------


def test_band_and_layers_to_band():
    assert c14.in_band([0.0, 0.25, 0.1, math.nan], [1.0, 1.0, 1.3, 1.0]) == [
        True,
        False,
        False,
        False,
    ]
    assert c14.layers_to_band([False, True, True]) == 2
    assert c14.layers_to_band([True, True, True]) == 1
    assert c14.layers_to_band([True, False, True, True]) == 3
    assert c14.layers_to_band([True, True, False]) == 4


def test_drift_reads_the_upper_half_scale_free():
    first = {"mean": [0.0, 0.0, 0.0, 0.0], "std": [1.0, 1.0, 1.0, 1.0]}
    last = {"mean": [9.0, 9.0, 0.1, 0.2], "std": [5.0, 5.0, math.exp(0.3), 2.0]}
    # layer 3: max(0.1 / e^0.3, 0.3) = 0.3; layer 4: max(0.2 / 2, ln 2) = ln 2
    assert c14.drift(first, last) == pytest.approx((0.3 + math.log(2)) / 2)
    scaled = {"mean": [0.0] * 4, "std": [10.0] * 4}
    moved = {"mean": [0.0] * 4, "std": [20.0] * 4}
    assert c14.drift(scaled, moved) == pytest.approx(math.log(2))  # only the ratio counts


@pytest.mark.parametrize(
    ("share", "expected"),
    [
        (0.0, "SUPPORTED"),
        (0.2, "SUPPORTED"),
        (0.5, "PARTLY"),
        (0.8, "CONTRADICTED"),
        (math.nan, "INCONCLUSIVE"),
    ],
)
def test_part_of_a_switched_off_variant(share, expected):
    assert c14.part(share) == expected


L = 32


def _probe(means: list[float], stds: list[float]) -> dict:
    return {"mean": means, "std": stds, "units": [64] * L}


def _profile(kind: str, trained: bool, jitter: float) -> dict:
    """Per-layer (mean, std) of each synthetic variant; ``trained``: after 8 epochs."""
    if kind == "selu":
        return _probe([jitter] * L, [(1.1 if trained else 1.0) + jitter] * L)
    if kind == "elu":
        return _probe([1.0] * L, [(3.0 if trained else 2.0) + jitter] * L)
    if kind == "raw":  # std 81 at layer 1, 80 / ℓ² + 1: inside the band from layer 18 on
        return _probe([0.0] * L, [80.0 / (i + 1) ** 2 + 1.0 for i in range(L)])
    if kind == "small":
        return _probe([0.0] * L, [0.15] * L)
    if kind == "large":
        return _probe([2.0] * L, [8.0] * L)
    return _probe([100.0 * i for i in range(L)], [1.0 + 100.0 * i for i in range(L)])


def _c14_frame(raw_deep: bool = False, elu_steady: bool = False) -> pd.DataFrame:
    """12 data sets × 5 seeds × (SELU, ELU) × the five variants; probes at init and after
    epoch 8 (``{}`` between, as the default schedule stores them)."""
    rng = np.random.default_rng(0)
    variants = {
        "all conditions hold": ("matched", True, "mlp"),
        "raw inputs": ("matched", False, "mlp"),
        "torch_default weights": ("torch_default", True, "mlp"),
        "he_normal weights": ("he_normal", True, "mlp"),
        "residual stack": ("matched", True, "resmlp"),
    }
    kinds = {
        "all conditions hold": "selu",
        "raw inputs": "raw",
        "torch_default weights": "small",
        "he_normal weights": "large",
        "residual stack": "residual",
    }
    cells = []
    for d in range(12):
        for seed in range(5):
            for name, (init, std, kind) in variants.items():
                for act in ("selu", "elu"):
                    k = kinds[name] if act == "selu" else "elu"
                    k = "selu" if (elu_steady and act == "elu" and name == c14.BASE) else k
                    j = rng.uniform(-0.01, 0.01)
                    first, last = _profile(k, False, j), _profile(k, True, j)
                    if raw_deep and k == "raw":
                        first = _probe([0.0] * L, [3.0] * 20 + [1.0] * 12)
                    cells.append(
                        {
                            "key": f"{d}/{seed}/{name}/{act}",
                            "status": "ok",
                            "dataset": f"ds{d:02d}",
                            "seed": seed,
                            "activation": act,
                            "init": init,
                            "data.standardize": std,
                            "model.kind": kind,
                            "probes": [first, *([{}] * 7), last],
                        }
                    )
    return pd.DataFrame(cells)


def test_variant_names_what_c15_reads():
    frame = _c14_frame()
    names = {c14.variant(r) for _, r in frame.iterrows()}
    assert names == set(c14.ORDER)
    assert c14.BASE == "all conditions hold"


def test_runs_reads_the_upper_half_and_the_drift():
    per = c14.runs(_c14_frame()).set_index(["activation", "variant", "dataset", "seed"])
    raw = per.loc[("selu", "raw inputs", "ds00", 0)]
    # std 80 / ℓ² + 1 ≤ 1.25 from ℓ = 18 on (80/324 = 0.247): layers 17-32 not all inside
    assert raw["layers_to_band"] == 18
    assert not raw["normalized"] and not raw["all_layers"]
    base = per.loc[("selu", c14.BASE, "ds00", 0)]
    assert base["normalized"] and base["all_layers"] and base["layers_to_band"] == 1
    assert base["drift"] == pytest.approx(math.log(1.1 + 0.0), abs=0.02)
    elu = per.loc[("elu", c14.BASE, "ds00", 0)]
    assert elu["drift"] == pytest.approx(math.log(1.5), abs=0.02)  # 1/3 − 1/2 < ln 1.5


def test_c14_end_to_end_supported():
    claim = REGISTRY["C14"]
    finding = claim.measure(Context(frames={"c14_selu": _c14_frame()}, timings=pd.DataFrame()))
    tables = finding.frames()
    share = tables["init"].set_index("variant")["normalized"]
    assert share.to_dict() == {
        c14.BASE: 1.0,
        "raw inputs": 0.0,
        "torch_default weights": 0.0,
        "he_normal weights": 0.0,
        "residual stack": 0.0,
    }
    assert list(tables["init"]["variant"]) == list(c14.ORDER)
    assert tables["drift"]["verdict"].iloc[0] == "SUPPORTED"
    effect = math.log(1.5) - math.log(1.1)
    assert tables["drift"]["effect"].iloc[0] == pytest.approx(effect, abs=0.01)
    v = claim.judge(tables)
    assert v.verdict == "SUPPORTED", v.evidence
    assert (v.effect, v.n_datasets, v.n_seeds) == (1.0, 12, 5)
    assert "raw inputs 0 % (SUPPORTED, inside from layer 18)" in v.evidence
    assert "he_normal weights 0 % (SUPPORTED, never inside)" in v.evidence


def test_c14_raw_inputs_that_recover_by_the_upper_half_give_partly():
    """Raw inputs outside the band in layers 1-20: the upper half fails on layers 17-20.
    Outside in layers 1-10 only: the upper half passes (the every-layer rule of earlier
    designs would not), so the input condition is not needed there: its part is
    CONTRADICTED and the claim PARTLY."""
    frame = _c14_frame(raw_deep=True)
    per = c14.runs(frame)
    raw = per[(per["activation"] == "selu") & (per["variant"] == "raw inputs")]
    assert set(raw["layers_to_band"]) == {21}
    assert not raw["normalized"].any()
    early = frame.copy()
    for i, r in early.iterrows():
        if r["activation"] == "selu" and not r["data.standardize"]:
            inside = _probe([0.0] * L, [3.0] * 10 + [1.0] * 22)
            early.at[i, "probes"] = [inside, *([{}] * 7), inside]
    ctx = Context(frames={"c14_selu": early}, timings=pd.DataFrame())
    tables = REGISTRY["C14"].measure(ctx).frames()
    row = tables["init"].set_index("variant").loc["raw inputs"]
    assert (row["normalized"], row["all_layers"], row["layers_to_band"]) == (1.0, 0.0, 11)
    assert REGISTRY["C14"].judge(tables).verdict == "PARTLY"


def test_c14_selu_drifting_like_elu_reads_as_a_negligible_edge():
    """ELU as steady as SELU up to probe noise: SELU still drifts less on 10 of 12 data
    sets, a real edge (signed rank) that TOST puts inside the 0.05 rope: SUPPORTED,
    negligible (the old rule let EQUIVALENT win and read the part as CONTRADICTED)."""
    ctx = Context(frames={"c14_selu": _c14_frame(elu_steady=True)}, timings=pd.DataFrame())
    tables = REGISTRY["C14"].measure(ctx).frames()
    drift = tables["drift"].iloc[0]
    assert (drift["verdict"], drift["negligible"]) == ("SUPPORTED", True)
    assert (drift["wins"], drift["losses"]) == (10, 2)
    assert abs(drift["effect"]) < c14.DRIFT_ROPE / 10


def test_c14_drift_shown_equivalent_is_contradicted_in_part():
    """ELU's drift exactly SELU's on every run: no direction, every difference inside the
    rope (TOST 1/2¹²): EQUIVALENT, read as CONTRADICTED, so the claim is PARTLY."""
    frame = _c14_frame(elu_steady=True)
    base = frame.apply(c14.variant, axis=1) == c14.BASE
    elu = base & (frame["activation"] == "elu")
    selu = base & (frame["activation"] == "selu")
    probes = dict(
        zip(zip(frame.loc[selu, "dataset"], frame.loc[selu, "seed"]), frame.loc[selu, "probes"])
    )
    frame["probes"] = [
        probes[(d, s)] if e else p
        for d, s, e, p in zip(frame["dataset"], frame["seed"], elu, frame["probes"])
    ]
    ctx = Context(frames={"c14_selu": frame}, timings=pd.DataFrame())
    tables = REGISTRY["C14"].measure(ctx).frames()
    assert tables["drift"]["verdict"].iloc[0] == "EQUIVALENT"
    assert tables["drift"]["p_equiv"].iloc[0] == 1 / 4096
    assert REGISTRY["C14"].judge(tables).verdict == "PARTLY"


def test_figures_draw(tmp_path):
    frames = {"c14_selu": _c14_frame(), "c11_size": _size_frame({}, n_datasets=2)}
    ctx = Context(frames=frames, timings=pd.DataFrame())
    for cid in ("C11", "C14"):
        for fig in REGISTRY[cid].measure(ctx).figures:
            path = tmp_path / fig.name
            fig.draw(path)
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", fig.name


def test_c14_an_unfinished_run_keeps_its_init_reading_and_leaves_the_drift():
    frame = _c14_frame()
    first = frame.index[(frame["activation"] == "selu") & (frame["key"].str.startswith("0/0/"))]
    frame.loc[first[0], "status"] = "diverged"
    frame.at[first[0], "probes"] = frame.at[first[0], "probes"][:1]  # only the init probe
    per = c14.runs(frame)
    row = per[per["status"] == "diverged"].iloc[0]
    assert row["normalized"] and math.isnan(row["drift"]) and math.isnan(row["normalized_trained"])
    tables = REGISTRY["C14"].measure(Context({"c14_selu": frame}, pd.DataFrame())).frames()
    trained = tables["trained"].set_index(["activation", "variant"]).loc[("selu", c14.BASE)]
    assert (trained["runs"], trained["not_finished"]) == (59, 1)
    assert tables["init"].set_index("variant").loc[c14.BASE, "runs"] == 60
