"""bench.scoring.chance: the chance level of a data set (its most frequent class's share)
and whether a configuration learns (seed-mean validation accuracy above it by more than the
ROPE and one validation row), on hand-built frames."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from bench.scoring import chance


def test_majority_share_reads_the_labels():
    assert chance.majority_share("keel_iris") == pytest.approx(1 / 3)  # 50 of each of 3
    assert chance.majority_share("keel_page_blocks0") == pytest.approx(4913 / 5472)
    assert math.isnan(chance.majority_share("no_such_set"))


def _frame(rows):
    return pd.DataFrame(
        [
            {"arm": arm, "dataset": d, "seed": s, "val_acc": v, "status": st}
            for arm, d, s, v, st in rows
        ]
    )


def test_learning_against_a_given_chance_level():
    frame = _frame(
        [
            ("a", "x", 0, 0.60, "ok"),
            ("a", "x", 1, 0.62, "ok"),  # mean 0.61 > 0.5 + 0.01
            ("b", "x", 0, 0.51, "ok"),
            ("b", "x", 1, 0.50, "ok"),  # mean 0.505: not above 0.51
            ("c", "x", 0, 0.90, "ok"),
            ("c", "x", 1, 0.90, "diverged"),  # scored 0: mean 0.45
            ("a", "y", 0, 0.10, "ok"),  # chance unknown: counts as learned
        ]
    )
    out = chance.learning(frame, ["arm"], chance={"x": 0.5}).set_index(["arm", "dataset"])
    assert out["val_acc"].to_dict() == pytest.approx(
        {("a", "x"): 0.61, ("b", "x"): 0.505, ("c", "x"): 0.45, ("a", "y"): 0.10}
    )
    assert out["learns"].to_dict() == {
        ("a", "x"): True,
        ("b", "x"): False,
        ("c", "x"): False,
        ("a", "y"): True,
    }
    assert out.loc[("a", "x"), "margin"] == pytest.approx(0.01)


def test_learning_margin_is_one_validation_row_on_a_small_set():
    # iris: 150 rows, 30 in validation: one row is 3.3 points, above the 1-point ROPE
    frame = _frame([("a", "keel_iris", 0, 1 / 3 + 0.03, "ok"), ("b", "keel_iris", 0, 0.4, "ok")])
    out = chance.learning(frame, ["arm"]).set_index("arm")
    assert out.loc["a", "margin"] == pytest.approx(1 / 30)
    assert out["learns"].to_dict() == {"a": False, "b": True}
