"""The robustness readings of bench.scoring.robustness: the groups of data sets (kind and
size from the data-set registry) and the claimed chain re-derived under each alternative
analysis, on constructed frames where one known alternative flips the sign of the effect."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from bench.scoring import robustness

# six real sets (scikit-learn's four, mnist5k, one KEEL table) and six generated ones
REAL = ["digits", "breast_cancer", "wine", "iris", "mnist5k", "keel_australian"]
SYNTHETIC = ["spirals", "circles", "moons", "mnist1d", "checkerboard", "hastie"]
ORDER = ("relu", "tanh")  # one claimed pair: "relu > tanh"


def _frame(flip: str | None = None, gap: float = 0.05) -> pd.DataFrame:
    """12 data sets × 2 initializers × 4 seeds × 2 learning rates × relu, tanh.

    relu's test accuracy is ``gap`` above tanh's (± a jitter under 0.0025, a different one
    for each data set and seed: the differences have a spread and no ties, so the Wilcoxon
    tests are exact), except where ``flip`` says:

    - ``"init"``: under ``torch_default`` tanh is ahead by ``gap``;
    - ``"lr"``: at the rate the best-epoch validation accuracy picks (3e-3) tanh is ahead;
    - ``"seeds"``: seeds 0–1 put relu 0.3 ahead, seeds 2–3 tanh 0.2 ahead (the mean over
      seeds stays +0.05: the halves disagree with it);
    - ``"real"``: on the real sets tanh is ahead by ``gap`` (so all twelve sets cancel).

    Learning rates: 1e-3 has the better last-epoch validation accuracy (0.8 against 0.7),
    3e-3 the better best-epoch one (0.9 against 0.8), so the main reading (``val_acc``)
    takes 1e-3 and the alternative (``best_val_acc``) takes 3e-3.
    """
    rows = []
    for d, dataset in enumerate(REAL + SYNTHETIC):
        for init in ("matched", "torch_default"):
            for seed in range(4):
                for lr in (1e-3, 3e-3):
                    g = gap
                    if (
                        (flip == "init" and init == "torch_default")
                        or (flip == "lr" and lr == 3e-3)
                        or (flip == "real" and dataset in REAL)
                    ):
                        g = -gap
                    if flip == "seeds":
                        g = 0.3 if seed < 2 else -0.2
                    jitter = 0.0001 * (4 * d + seed) - 0.0024
                    for act, sign in (("relu", 0.5), ("tanh", -0.5)):
                        rows.append(
                            {
                                "dataset": dataset,
                                "activation": act,
                                "init": init,
                                "seed": seed,
                                "train.lr": lr,
                                "status": "ok",
                                "test_acc": 0.7 + 0.01 * d + sign * (g + jitter),
                                "val_acc": 0.8 if lr == 1e-3 else 0.7,
                                "best_val_acc": 0.8 if lr == 1e-3 else 0.9,
                            }
                        )
    return pd.DataFrame(rows)


def _reading(flip: str | None, datasets=REAL + SYNTHETIC) -> dict:
    (row,) = robustness.robust_chain(_frame(flip), datasets, "matched", ORDER).to_dict("records")
    return row


SMALL_ONLY = "real data sets < 1000 samples only (INCONCLUSIVE)"
LARGE_ONLY = "real data sets ≥ 1000 samples only (INCONCLUSIVE)"
# the real sets hold four small ones and two large ones (digits, mnist5k): two data sets
# cannot decide anything, and four cannot under this test either (1/2⁴ > 0.05)
LOST = f"loses power under {SMALL_ONLY}, {LARGE_ONLY}"


def test_a_clear_effect_holds_under_every_alternative():
    row = _reading(None)
    assert row["comparison"] == "relu > tanh" and row["verdict"] == "SUPPORTED"
    assert row["effect"] == pytest.approx(0.05, abs=0.0025)
    # lr, init, real, synthetic, small, large, seeds
    assert (row["alternatives"], row["reverses"], row["holds"]) == (7, 0, 5)
    assert row["absent"] == ""  # every alternative exists
    assert row["sign"] == "holds in 7/7"
    assert row["decision"] == f"still decided in 5/7; {LOST}"
    assert row["robustness"] == f"sign holds in 7/7 — still decided in 5/7; {LOST}"


@pytest.mark.parametrize(
    ("flip", "alternative"),
    [
        ("init", "torch_default initializer"),
        ("lr", "learning rate chosen on the best-epoch validation accuracy"),
        ("seeds", "each half of the seeds, its rates chosen again on it"),
    ],
)
def test_the_one_alternative_that_flips_the_sign_is_named(flip, alternative):
    row = _reading(flip)
    assert row["verdict"] == "SUPPORTED"  # the main reading is unchanged …
    assert row["effect"] == pytest.approx(0.05, abs=0.0025)
    assert (row["alternatives"], row["reverses"], row["holds"]) == (7, 1, 4)
    assert row["sign"] == f"reverses under {alternative}"  # … and one alternative reverses it
    assert row["decision"] == (
        f"still decided in 4/7; {LOST}; changes under {alternative} (CONTRADICTED)"
    )


def test_an_effect_that_cancels_over_all_sets_is_decided_on_each_kind_apart():
    row = _reading("real")
    assert row["verdict"] == "INCONCLUSIVE"  # +0.05 on six sets, −0.05 on six
    assert row["effect"] == pytest.approx(0.0, abs=0.0025)
    assert row["decision"] == (
        "decided under real data sets only (CONTRADICTED), synthetic data sets only (SUPPORTED)"
    )


def test_only_the_alternatives_that_apply_are_counted():
    """Real sets only (no "real" or "synthetic" alternative), one initializer (no "init"),
    one seed (no "seeds"): the learning-rate criterion and the two sizes are left."""
    frame = _frame(None)
    frame = frame[(frame["init"] == "matched") & (frame["seed"] == 0)]
    (row,) = robustness.robust_chain(frame, REAL, "matched", ORDER).to_dict("records")
    assert (row["verdict"], row["holds"], row["alternatives"]) == ("SUPPORTED", 1, 3)
    # the four that do not exist are named, with "—", not left out silently
    absent = "other initializer: —; real vs synthetic: —; seed halves: —"
    assert row["absent"] == absent
    assert row["robustness"] == f"sign holds in 3/3 — still decided in 1/3; {LOST} ({absent})"


def test_each_half_of_the_seeds_chooses_its_rate_on_its_own_validation_scores():
    """Seeds 0–1 see 1e-3 best on validation (0.9 against 0.7), seeds 2–3 see 3e-3 best
    (0.7 against 0.6); over all four seeds 1e-3 wins (0.75 against 0.7). relu leads at 1e-3
    and tanh at 3e-3: the second half, its rate chosen on its own seeds, reverses the sign
    (reusing the rate chosen on all seeds, it would not)."""
    frame = _frame(None)
    frame = frame[frame["init"] == "matched"].copy()
    late = frame["seed"] >= 2
    slow = frame["train.lr"] == 3e-3
    frame["val_acc"] = np.where(slow, 0.7, np.where(late, 0.6, 0.9))
    frame["best_val_acc"] = frame["val_acc"]  # the other rate criterion agrees here
    sign = np.where(frame["activation"] == "relu", 1.0, -1.0)
    frame.loc[slow, "test_acc"] = 0.7 - 0.05 * sign[slow.to_numpy()]
    (row,) = robustness.robust_chain(frame, REAL + SYNTHETIC, "matched", ORDER).to_dict("records")
    assert row["verdict"] == "SUPPORTED" and row["effect"] > 0
    assert row["sign"] == "reverses under each half of the seeds, its rates chosen again on it"


def test_readings_tell_a_reversal_from_a_loss_of_power():
    main = pd.DataFrame(
        [
            {"comparison": "a > b", "effect": 0.03, "verdict": "SUPPORTED"},
            {"comparison": "b > c", "effect": -0.01, "verdict": "INCONCLUSIVE"},
        ]
    )

    def alt(*rows):
        return pd.DataFrame(rows, columns=["comparison", "effect", "verdict"])

    out = robustness.readings(
        main,
        {
            "init": [alt(("a > b", -0.01, "INCONCLUSIVE"), ("b > c", -0.02, "INCONCLUSIVE"))],
            "real": [alt(("a > b", 0.02, "INCONCLUSIVE"), ("b > c", 0.01, "INCONCLUSIVE"))],
            "x": [alt(("a > b", 0.04, "SUPPORTED"), ("b > c", -0.03, "CONTRADICTED"))],
        },
    )
    first, second = out.to_dict("records")
    assert (first["reverses"], first["holds"]) == (1, 1)
    assert first["sign"] == "reverses under torch_default initializer"
    assert first["decision"] == (
        "still decided in 1/3; loses power under torch_default initializer (INCONCLUSIVE), "
        "real data sets only (INCONCLUSIVE)"
    )
    assert (second["reverses"], second["holds"]) == (1, 2)
    assert second["sign"] == "reverses under real data sets only"
    assert second["decision"] == "decided under x (CONTRADICTED)"


def test_no_data_set_of_the_group_gives_an_empty_table():
    assert robustness.robust_chain(_frame(None), ["not_here"], "matched", ORDER).empty


def test_groups_read_kind_and_size_from_the_registry():
    # iris 150 and wine 178 rows (small), digits 1,797 and keel_letter 20,000 (large), moons
    # generated; a csv: table of 480 training rows at train_size 0.5 is real, ~1,600 rows
    frame = pd.DataFrame(
        {
            "dataset": ["wine", "iris", "digits", "keel_letter", "moons", "csv:my.csv"],
            "n_train": [106, 90, 1078, 12000, 600, 480],
            "data.train_size": [1.0, 1.0, 1.0, 1.0, 1.0, 0.5],
        }
    )
    assert robustness.dataset_groups(frame) == {
        "all data sets": ["csv:my.csv", "digits", "iris", "keel_letter", "moons", "wine"],
        "real": ["csv:my.csv", "digits", "iris", "keel_letter", "wine"],
        "real, < 1000 samples": ["iris", "wine"],
        "real, ≥ 1000 samples": ["csv:my.csv", "digits", "keel_letter"],
        "synthetic": ["moons"],
    }


def test_groups_that_repeat_another_are_left_out():
    """Real sets only, all small: "all data sets" and the size rows would repeat "real"."""
    frame = pd.DataFrame({"dataset": ["wine", "iris"]})
    assert robustness.dataset_groups(frame) == {"real": ["iris", "wine"]}


def test_what_to_use_shows_a_reversal_first_and_names_the_alternatives_that_do_not_exist():
    """relu and tanh (matched) on the twelve sets, relu the first on validation (0.01 above
    tanh at each rate). At the rate the final-epoch validation accuracy picks relu leads on
    every set (SUPPORTED: 1/2¹² after a family of one); at the one the best-epoch accuracy
    picks tanh leads on every set: the row's first reading is that reversal, in bold. Each
    kind apart (six sets: 1/64) and each half of the seeds stay decided; the four small and
    the two large real sets cannot (1/16, 1/4). The initializer is part of a configuration:
    no other-initializer reading, named with "—"."""
    from bench.report.advice import what_to_use
    from bench.report.doc import Doc
    from bench.scoring import advice, metrics

    frame = _frame("lr")
    frame = frame[frame["init"] == "matched"].copy()
    frame.loc[frame["activation"] == "relu", ["val_acc", "best_val_acc"]] += 0.01
    (row,) = advice.advise(
        metrics.select_lr(frame), {"all data sets": REAL + SYNTHETIC}, conv=frame
    )
    assert (row.best, row.runner_up, row.runner_up_verdict) == (
        "relu + matched",
        "tanh + matched",
        "A>B",
    )
    lr = "learning rate chosen on the best-epoch validation accuracy"
    assert row.readings["sign"] == f"reverses under {lr}"
    assert row.readings["decision"] == (
        f"still decided in 3/6; {LOST}; changes under {lr} (CONTRADICTED)"
    )
    assert row.readings["absent"] == "other initializer: —"
    doc = Doc()
    what_to_use(doc, [row])
    cell = next(line for line in doc.text().splitlines() if "`relu + matched`" in line)
    assert f"| **sign reverses under {lr}** — still decided in 3/6; " in cell
    assert cell.split("|")[5].strip().endswith("(other initializer: —)")


def test_what_to_use_without_the_rows_before_selection_has_no_robustness_column():
    from bench.report.advice import what_to_use
    from bench.report.doc import Doc
    from bench.scoring import advice, metrics

    frame = _frame(None)
    frame = frame[frame["init"] == "matched"]
    (row,) = advice.advise(metrics.select_lr(frame), {"all data sets": REAL})
    assert row.readings == {}
    doc = Doc()
    what_to_use(doc, [row])
    assert "robustness" not in doc.text()
