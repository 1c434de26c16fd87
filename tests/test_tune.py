"""Bracketed learning rates (:mod:`bench.tune`, :mod:`bench.scoring.tuning`): the walk to an
optimum outside the starting grid, its stops (interior, divergence in most seeds, a bound),
reruns and resumes that reproduce it; splits that follow the seed; choices made on
validation alone; the setup table's shares.

The scores come from an executor that knows each rate's validation accuracy in advance (a
parabola in log10(lr) around a chosen optimum), so the rates a walk must try are known.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd
import pytest

from bench import data, execute
from bench.cli import main
from bench.errors import SuiteError
from bench.records import Result
from bench.report.rates import chosen_text, edges_text, rates_text, suite_row
from bench.scoring import metrics, tuning
from bench.scoring.advice import advise_suite
from bench.scoring.headline import headline
from bench.store import Store
from bench.suite import load_suite
from tests.golden import load_fixture

SUITE = """
    dataset = "wine"
    [suite]
    name = "tuned"
    seeds = [0, 1, 2]
    [grid]
    activation = ["relu", "tanh"]
    "train.lr" = {rates}
    [model]
    depth = 2
    width = 8
    [train]
    epochs = 2
    [tune]
    "train.lr" = "bracket"
    {extra}
"""


class Scored(execute.Executor):
    """Trains nothing: each cell's validation accuracy is 0.9 − 0.1·(log10(lr/optimum))²
    (test accuracy its half), and a rate at or above ``diverge`` diverges in the seeds
    listed (all by default). Records the rates of every ``map`` call (one per round)."""

    name, workers = "scored", 1

    def __init__(
        self, optimum: float, diverge: float = math.inf, seeds=(0, 1, 2), stop=None, fail=()
    ):
        self.optimum, self.diverge, self.seeds, self.stop = optimum, diverge, seeds, stop
        self.fail = set(fail)  # (rate, seed) of the cells that fail
        self.rounds: list[list[float]] = []

    def map(self, units):
        self.rounds.append(sorted({c.train.lr for u in units for c in u}))
        if self.stop is not None and len(self.rounds) == self.stop:
            raise KeyboardInterrupt  # Ctrl-C as the round starts
        for unit in units:
            out = []
            for c in unit:
                if (c.train.lr, c.seed) in self.fail:
                    out.append(Result(c.key, c, "failed", error="RuntimeError: broken"))
                    continue
                if c.train.lr >= self.diverge and c.seed in self.seeds:
                    out.append(Result(c.key, c, "diverged", error="non-finite loss (nan)"))
                    continue
                val = 0.9 - 0.1 * math.log10(c.train.lr / self.optimum) ** 2
                scores = {"val_acc": val, "test_acc": val / 2, "total_time_s": 0.5}
                out.append(Result(c.key, c, "ok", metrics=scores))
            yield out

    def close(self) -> None:
        """Nothing to release."""


def _suite(write_suite, rates="[1e-3, 1e-2]", extra=""):
    return load_suite(write_suite(SUITE.format(rates=rates, extra=extra)))


def _tried(store: Store, name: str = "tuned") -> list[float]:
    return sorted(store.frame(name)["train.lr"].unique().tolist())


def test_the_bracket_walks_to_an_optimum_outside_the_grid_and_stops(write_suite, tmp_path):
    """Optimum 0.3, grid {1e-3, 1e-2} (step 10): 1e-2 is best and highest, so 0.1 trains;
    then 0.1 is best and highest, so 1 trains; 0.1 (0.477 decades off) beats 1 (0.523):
    interior, stop. Three rounds, each configuration's rates alike."""
    suite = _suite(write_suite)
    ex = Scored(optimum=0.3)
    with Store(tmp_path / "s.sqlite") as store:
        summary = execute.run_suite(suite, store, ex, progress=False)
        assert _tried(store) == [1e-3, 1e-2, 0.1, 1.0]
        frame = store.frame("tuned")
        rule = store.tuning("tuned")
    assert ex.rounds == [[1e-3, 1e-2], [0.1], [1.0]]
    assert (summary.total, summary.done, summary.skipped) == (24, 24, 0)
    assert len(frame) == 24 and set(frame["status"]) == {"ok"}
    assert (rule["start_cells"], len(rule["tuned_keys"])) == (12, 12)
    b = tuning.bracket(frame, (1e-6, 3.0))
    assert b["state"].tolist() == ["interior", "interior"]
    assert b["lr_selected"].tolist() == [0.1, 0.1]
    assert set(metrics.select_lr(frame)["train.lr"]) == {0.1}  # the report's choice


def test_a_half_decade_grid_steps_by_its_geometric_ratio_rounded(write_suite, tmp_path):
    """{3e-4, 1e-3, 3e-3} steps by √10: 3e-3·√10 = 0.00948683298051 (12 digits), then 0.03
    exactly, then 0.0948683298051; the optimum 0.05 is nearer 0.03 (0.22 decades) than
    0.0949 (0.28): interior there."""
    suite = _suite(write_suite, "[3e-4, 1e-3, 3e-3]")
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, Scored(optimum=0.05), progress=False)
        assert _tried(store) == [3e-4, 1e-3, 3e-3, 0.00948683298051, 0.03, 0.0948683298051]
    assert tuning.beyond([3e-4, 1e-3, 3e-3], up=True) == 0.00948683298051
    assert tuning.beyond([3e-4, 1e-3, 3e-3], up=False) == 9.48683298051e-05
    assert tuning.rounded(0.1 + 0.2) == 0.3


def test_a_rate_diverging_in_most_seeds_stops_the_walk(write_suite, tmp_path):
    """Optimum 10: 0.1 is next, and diverges in every seed: stored as diverged, and the
    walk stops there (bounded by divergence), the best rate 1e-2 below it."""
    suite = _suite(write_suite)
    ex = Scored(optimum=10.0, diverge=0.05)
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, ex, progress=False)
        frame = store.frame("tuned")
    assert ex.rounds == [[1e-3, 1e-2], [0.1]]
    assert set(frame.loc[frame["train.lr"] == 0.1, "status"]) == {"diverged"}
    b = tuning.bracket(frame, (1e-6, 3.0))
    assert b["state"].tolist() == ["divergence", "divergence"]
    assert b["lr_selected"].tolist() == [1e-2, 1e-2]


def test_most_means_more_than_half_of_the_seeds(write_suite, tmp_path):
    """Optimum 0.1 (val 0.5 / 0.8 / 0.9 at 1e-3 / 1e-2 / 0.1), and 0.1 diverges (scored 0)
    in two seeds of three: mean 0.3, so 1e-2 is best, next to a rate that diverged in most
    seeds; in one seed of three: mean 0.6, 1e-2 still best, plainly interior. Optimum 10
    (val −0.7 / 0 / 0.5): 0.1's mean with two seeds diverged, 0.167, is still the best, at
    the edge, and the walk stops there all the same."""
    cases = [
        (0.1, (0, 1), "divergence", 1e-2),
        (0.1, (0,), "interior", 1e-2),
        (10.0, (0, 1), "divergence", 0.1),
    ]
    for k, (optimum, seeds, state, chosen) in enumerate(cases):
        with Store(tmp_path / f"{k}.sqlite") as store:
            execute.run_suite(
                _suite(write_suite), store, Scored(optimum, 0.05, seeds), progress=False
            )
            frame = store.frame("tuned")
        assert _tried_frame(frame) == [1e-3, 1e-2, 0.1]
        b = tuning.bracket(frame, (1e-6, 3.0))
        assert b["state"].tolist() == [state, state] and b["lr_selected"].tolist() == [chosen] * 2
    assert tuning.diverging(2, 3) and not tuning.diverging(1, 3) and not tuning.diverging(1, 2)


def _tried_frame(frame: pd.DataFrame) -> list[float]:
    return sorted(frame["train.lr"].unique().tolist())


def test_a_pinned_split_walks_like_one_that_follows_the_seed(write_suite, tmp_path):
    """Split seed pinned to 1, a seed of the suite: the three seeds are still one
    configuration. 0.1 diverges in seed 1 only (one of three: no wall), and its mean 0.585
    loses to 1e-2's 0.682: interior, 18 cells (seed 1 judged alone would have stopped at a
    wall while seeds 0 and 2 went on to 1)."""
    suite = load_suite(
        write_suite(SUITE.format(rates="[1e-3, 1e-2]", extra="") + "\n[data]\nsplit_seed = 1\n")
    )
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, Scored(0.3, 0.05, seeds=(1,)), progress=False)
        frame = store.frame("tuned")
    assert _tried_frame(frame) == [1e-3, 1e-2, 0.1] and len(frame) == 18
    assert set(frame["data.split_seed"]) == {1}
    assert tuning.bracket(frame, (1e-6, 3.0))["state"].tolist() == ["interior", "interior"]


def test_a_bound_stops_the_walk(write_suite, tmp_path):
    """Optimum 10 within bounds [1e-6, 0.5]: after 0.1 the next rate, 1, is out: at a bound."""
    suite = _suite(write_suite, extra="bounds = [1e-6, 0.5]")
    ex = Scored(optimum=10.0)
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, ex, progress=False)
        frame, rule = store.frame("tuned"), store.tuning("tuned")
    assert ex.rounds == [[1e-3, 1e-2], [0.1]]
    r = tuning.rates(frame, rule)
    assert (r.counts["bound"], r.counts["edge"], r.extra_cells) == (2, 0, 6)
    assert r.bounds == (1e-6, 0.5)


def test_a_rerun_trains_nothing_and_finds_the_same_rates(write_suite, tmp_path):
    suite = _suite(write_suite)
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        execute.run_suite(suite, store, Scored(optimum=0.3), progress=False)
        keys = set(store.frame("tuned")["key"])
    again = Scored(optimum=0.3)
    with Store(path) as store:
        summary = execute.run_suite(suite, store, again, progress=False)
        assert set(store.frame("tuned")["key"]) == keys
        assert _tried(store) == [1e-3, 1e-2, 0.1, 1.0]
    assert again.rounds == [] and (summary.done, summary.skipped, summary.total) == (0, 24, 24)


def test_an_interrupt_between_rounds_resumes_to_the_same_walk(write_suite, tmp_path):
    suite = _suite(write_suite)
    path = tmp_path / "s.sqlite"
    first = Scored(optimum=0.3, stop=2)  # Ctrl-C as round 2 starts
    with Store(path) as store:
        summary = execute.run_suite(suite, store, first, progress=False)
        assert summary.interrupted and _tried(store) == [1e-3, 1e-2]
    rest = Scored(optimum=0.3)
    with Store(path) as store:
        summary = execute.run_suite(suite, store, rest, progress=False)
        assert _tried(store) == [1e-3, 1e-2, 0.1, 1.0]
    assert rest.rounds == [[0.1], [1.0]]
    assert (summary.done, summary.skipped, summary.total) == (12, 12, 24)


def test_retry_failed_trains_a_failed_rate_again_and_the_walk_goes_on(write_suite, tmp_path):
    """Seed 0 fails at 0.1 (scored 0): 0.1's mean 0.585 loses to 1e-2's 0.682, the walk
    stops there. ``--retry failed`` moves the failed rows to the history, trains them again,
    and the walk, reading the new results, goes on to 1 as the clean run does."""
    suite = _suite(write_suite)
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        execute.run_suite(suite, store, Scored(0.3, fail=[(0.1, 0)]), progress=False)
        assert _tried(store) == [1e-3, 1e-2, 0.1]
        assert (store.frame("tuned")["status"] == "failed").sum() == 2
    again = Scored(optimum=0.3)
    with Store(path) as store:
        summary = execute.run_suite(suite, store, again, progress=False, retry_failed=True)
        assert _tried(store) == [1e-3, 1e-2, 0.1, 1.0]
        assert set(store.frame("tuned")["status"]) == {"ok"} and len(store.history()) == 2
    assert again.rounds == [[0.1], [1.0]] and (summary.retried, summary.done) == (2, 8)


def test_a_dry_run_says_the_suite_is_tuned(write_suite, tmp_path, capsys):
    path = write_suite(SUITE.format(rates="[1e-3, 1e-2]", extra=""))
    store = tmp_path / "s.sqlite"
    with Store(store) as s:
        execute.run_suite(load_suite(path), s, Scored(optimum=0.3, stop=2), progress=False)
    assert main(["run", str(path), "--store", str(store), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "tuned: train.lr is bracketed by val_acc within [1e-06, 3]" in out
    assert "6 cells added so far, 6 to run in the next round" in out


# --- the suite file ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rates", "extra", "field", "message"),
    [
        ("[1e-3, 2e-3, 1e-2]", "", "grid.train.lr", "not log-spaced (ratios 2, 5)"),
        ("[1e-3, 1e-2]", "bounds = [1e-2, 1.0]", "grid.train.lr", "leave tune.bounds"),
        ("[1e-3, 1e-2]", "bounds = [1.0, 0.1]", "tune.bounds", "0 < low < high"),
        ("[1e-3, 1e-2]", 'metric = "test_acc"', "tune.metric", "val_acc, auc_val_acc"),
        ("[1e-3, 1e-2]", "steps = 3", "tune.steps", "unknown key"),
        ("[1e-3]", "", "tune.train.lr", "at least two starting rates"),
    ],
)
def test_a_tune_table_is_validated_with_one_message(write_suite, rates, extra, field, message):
    with pytest.raises(SuiteError, match=re.escape(field)) as err:
        _suite(write_suite, rates, extra)
    assert message in str(err.value)


def test_one_starting_rate_for_a_configuration_is_refused(write_suite):
    text = SUITE.format(rates="[1e-3, 1e-2]", extra="") + (
        '\n[[exclude]]\nactivation = "tanh"\n"train.lr" = [1e-2]\n'
    )
    with pytest.raises(SuiteError, match=r"grid\.train\.lr") as err:
        load_suite(write_suite(text))
    assert "at least 2 starting rates per configuration; wine/tanh/matched has [0.001]" in str(
        err.value
    )


# --- splits ---------------------------------------------------------------------------------


def test_the_split_seed_follows_the_seed_unless_pinned(write_suite):
    plain = _suite(write_suite)
    assert {(c.seed, c.data.split_seed) for c in plain.cells()} == {(0, 0), (1, 1), (2, 2)}
    a, b = (data.load("wine", c.data.split_seed) for c in plain.cells()[:2])
    assert not np.array_equal(a.y_test.numpy(), b.y_test.numpy())  # two seeds, two splits
    pinned = load_suite(
        write_suite(SUITE.format(rates="[1e-3, 1e-2]", extra="") + "\n[data]\nsplit_seed = 3\n")
    )
    assert {c.data.split_seed for c in pinned.cells()} == {3}
    keys = {c.key for c in plain.cells()}
    assert not keys & {c.key for c in pinned.cells()}
    axis = SUITE.format(rates="[1e-3, 1e-2]", extra="").replace(
        '"train.lr" = [', '"data.split_seed" = [0, 1]\n    "train.lr" = ['
    )
    with pytest.raises(SuiteError, match=r"grid\.data\.split_seed"):
        load_suite(write_suite(axis))


def test_standardization_is_fitted_on_the_training_part_only():
    for seed in (0, 1):
        raw = data.load("wine", seed, standardize=False)
        std = data.load("wine", seed)
        X = raw.X_train.double().numpy()
        mean, sd = X.mean(axis=0), X.std(axis=0)
        expect = (raw.X_val.double().numpy() - mean) / sd
        assert np.allclose(std.X_val.double().numpy(), expect, atol=1e-5)
        assert np.allclose(std.X_train.double().numpy().mean(axis=0), 0, atol=1e-5)
        assert not np.allclose(std.X_val.double().numpy().mean(axis=0), 0, atol=1e-2)


# --- choices on validation ------------------------------------------------------------------


def test_shuffling_the_test_column_changes_no_choice(tmp_path):
    """Rates, the "What to use" winner and runner-up, and each activation's best initializer
    are chosen on validation: permuting test accuracy across the rows changes none."""
    with load_fixture(tmp_path / "g.sqlite") as store:
        frame = store.frame("golden", series=True)
    shuffled = frame.copy()
    shuffled["test_acc"] = np.random.default_rng(0).permutation(frame["test_acc"].to_numpy())
    assert not shuffled["test_acc"].equals(frame["test_acc"])

    def choices(f):
        sel = metrics.select_lr(f)
        advice = [(a.setting, a.best, a.runner_up) for a in advise_suite(f)]
        best_init = headline(f).slices[0].inits.best
        return sorted(zip(sel["key"], sel["lr_selected"])), advice, best_init

    rates, advice, best_init = choices(frame)
    assert choices(shuffled) == (rates, advice, best_init)
    assert advice[0][1] == "selu + naive_normal" and best_init["relu"] == "matched"


# --- the setup table ------------------------------------------------------------------------


def _hand_frame() -> pd.DataFrame:
    """Five configurations × 3 seeds, validation accuracy per rate by hand:
    a: 0.6 / 0.8 / 0.7 at 1e-3 / 1e-2 / 0.1: interior (1e-2);
    b: 0.6 / 0.8 / diverged in 2 of 3 seeds at 0.1 (the third 0.9): 1e-2 next to divergence;
    c: 0.6 / 0.7 / 0.8: the highest (0.1) is best, at an edge (next: 1);
    d: 0.8 / 0.7 / 0.6: the lowest (1e-3) is best, at an edge (next: 1e-4);
    e: one rate, 1e-2: nothing chosen."""
    spec = {
        "a": {1e-3: [0.6] * 3, 1e-2: [0.8] * 3, 0.1: [0.7] * 3},
        "b": {1e-3: [0.6] * 3, 1e-2: [0.8] * 3, 0.1: [None, None, 0.9]},
        "c": {1e-3: [0.6] * 3, 1e-2: [0.7] * 3, 0.1: [0.8] * 3},
        "d": {1e-3: [0.8] * 3, 1e-2: [0.7] * 3, 0.1: [0.6] * 3},
        "e": {1e-2: [0.5] * 3},
    }
    rows = []
    for name, by_rate in spec.items():
        for lr, values in by_rate.items():
            for seed, v in enumerate(values):
                rows.append(
                    {
                        "key": f"{name}{lr:g}{seed}",
                        "dataset": f"set_{name}",
                        "activation": "relu",
                        "init": "matched",
                        "seed": seed,
                        "data.split_seed": seed,
                        "train.lr": lr,
                        "status": "ok" if v is not None else "diverged",
                        "val_acc": v if v is not None else math.nan,
                        "test_acc": 0.5,
                    }
                )
    return pd.DataFrame(rows)


def test_the_setup_shares_of_a_hand_built_frame():
    frame = _hand_frame()
    b = tuning.bracket(frame)
    assert b["state"].tolist() == ["interior", "divergence", "edge", "edge", "single"]
    assert b["lr_selected"].tolist() == [1e-2, 1e-2, 0.1, 1e-3, 1e-2]
    assert b["next_lr"].iloc[2:4].tolist() == [1.0, 1e-4]

    untuned = tuning.rates(frame)
    assert untuned.counts == {"interior": 1, "divergence": 1, "bound": 0, "edge": 2, "single": 1}
    assert (untuned.low, untuned.high, untuned.per_config, untuned.configs) == (
        1e-3,
        0.1,
        (1, 3),
        5,
    )
    assert untuned.share("edge") == 0.5  # 2 of the 4 configurations with a choice
    assert untuned.edges == ["set_c ↑, set_d ↓"]
    assert chosen_text(untuned) == (
        "of 4 configurations, the chosen rate is interior for 1 (25.0 %), bounded by "
        "divergence for 1 (25.0 %), at an untried edge of the grid for 2 (50.0 %)"
    )
    assert (
        edges_text(untuned)
        == "At an untried edge of the grid (2; ↑ above, ↓ below): set_c ↑, set_d ↓."
    )
    assert rates_text(untuned) == "a fixed grid (not bracketed): 0.001 … 0.1, 1–3 per configuration"

    # tuned within [1e-3, 0.5]: c's next rate (1) and d's (1e-4) leave the bounds
    rule = {"bounds": [1e-3, 0.5], "metric": "val_acc", "tuned_keys": ["c0.10", "c0.11", "x"]}
    tuned = tuning.rates(frame, rule)
    assert tuned.counts == {"interior": 1, "divergence": 1, "bound": 2, "edge": 0, "single": 1}
    assert tuned.extra_cells == 2 and tuned.edges == []
    assert rates_text(tuned) == (
        "bracketed on validation (`val_acc`) within [0.001, 0.5]: 0.001 … 0.1 tried, 1–3 per "
        "configuration; 2 cells beyond the starting grid"
    )
    assert tuning.split_policy(frame) == ("seed", None)
    assert tuning.split_policy(frame.assign(**{"data.split_seed": 0})) == ("pinned", 0)


def test_the_claims_report_gives_each_suite_its_row():
    from bench.report import claims as report

    frame = _hand_frame()
    rule = {"bounds": [1e-3, 0.5], "metric": "val_acc", "tuned_keys": ["c0.10"]}
    setup = [
        ("c_tuned", tuning.rates(frame, rule), ("seed", None)),
        ("c_grid", tuning.rates(frame), ("pinned", 0)),
    ]
    header = {"generated_at": "2025-01-01T00:00:00+00:00", "store": "claims.db"}
    text, _ = report.render([], header, "files", setup=setup)
    section = text.split("## Setup: learning rates and splits")[1]
    rows = [[c.strip() for c in r.split("|")[1:-1]] for r in section.splitlines() if "| `c_" in r]
    assert rows == [
        [
            "`c_tuned`",
            "0.001 … 0.1",
            "1–3",
            "`val_acc`, [0.001, 0.5]",
            "1 (25.0 %)",
            "1 (25.0 %)",
            "2 (50.0 %)",
            "0 (0.0 %)",
            "1",
            "each cell's seed",
        ],
        [
            "`c_grid`",
            "0.001 … 0.1",
            "1–3",
            "no",
            "1 (25.0 %)",
            "1 (25.0 %)",
            "–",
            "2 (50.0 %)",
            "–",
            "pinned (0)",
        ],
    ]
    assert "`c_grid`: At an untried edge of the grid (2; ↑ above, ↓ below): set_c ↑, set_d ↓." in (
        section
    )
    assert "`c_tuned`: At" not in section


def test_a_tuned_report_counts_the_rates_each_configuration_tried(write_suite, tmp_path):
    """The setup table's grid line of a tuned suite: 24 stored cells are 2 activations × 4
    rates × 3 seeds, and the rate axis says it was bracketed (a product of the distinct
    rates, 2 × 4 × 3 here by chance, would be wrong as soon as configurations differ)."""
    from bench import report

    suite = _suite(write_suite)
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, Scored(optimum=0.3), progress=False)
    out = report.build(tmp_path / "s.sqlite", tmp_path / "r.md", suite="tuned")
    grid = next(line for line in out.read_text().splitlines() if line.startswith("| grid"))
    assert "24 cells = 2 activation × 4 lr (bracketed per configuration) × 3 seed" in grid


class Fitted(Scored):
    """Trains nothing: each cell's training loss reaches its lowest at the second of three
    epochs, 0.1 + 0.1·(log10(lr/optimum))² (epoch 1: 1.0, epoch 3: the lowest + 0.05), and
    its validation accuracy peaks at 1e-3 whatever the optimum (a bracket on val_acc would
    walk the other way)."""

    def map(self, units):
        self.rounds.append(sorted({c.train.lr for u in units for c in u}))
        for unit in units:
            out = []
            for c in unit:
                low = 0.1 + 0.1 * math.log10(c.train.lr / self.optimum) ** 2
                val = 0.9 - 0.1 * math.log10(c.train.lr / 1e-3) ** 2
                scores = {"val_acc": val, "test_acc": val, "total_time_s": 0.5}
                curves = {"train_loss": [1.0, low, low + 0.05]}
                out.append(Result(c.key, c, "ok", metrics=scores, curves=curves))
            yield out


def test_a_bracket_on_the_best_training_loss_walks_down_the_loss(write_suite, tmp_path):
    """C1's rule (``metric = "best_train_loss"``, lower is better): optimum 0.3, grid {1e-3,
    1e-2}: the lowest loss (0.1 + 0.1·1.477² = 0.3182 at 1e-2, 0.7136 at 1e-3) is at the
    top edge, so 0.1 trains (0.1228); it is again the top edge, so 1 trains (0.1273):
    0.1 is interior, the walk stops. C1's reader (:func:`bench.claims.c01_linear.best_losses`)
    picks the rate the bracket judged, 0.1, and reads the lowest loss of the curve."""
    from bench.claims import c01_linear

    suite = _suite(write_suite, extra='metric = "best_train_loss"')
    ex = Fitted(optimum=0.3)
    with Store(tmp_path / "s.sqlite") as store:
        execute.run_suite(suite, store, ex, progress=False)
        frame = store.frame("tuned", series=True)
    assert ex.rounds == [[1e-3, 1e-2], [0.1], [1.0]]
    b = tuning.bracket(frame, (1e-6, 3.0), "best_train_loss")
    assert b["state"].tolist() == ["interior", "interior"]
    assert b["lr_selected"].tolist() == [0.1, 0.1]
    assert tuning.bracket(frame, (1e-6, 3.0))["lr_selected"].tolist() == [1e-3, 1e-3]
    read = c01_linear.best_losses(frame)
    assert set(read["lr_selected"]) == {0.1} and len(read) == 6
    assert read["best_train_loss"].to_numpy() == pytest.approx(0.1 + 0.1 * math.log10(1 / 3) ** 2)


def test_the_best_training_loss_skips_non_finite_epochs():
    """``metrics.derive``: the lowest finite training loss (NaN without one); a column
    already there is kept."""
    df = pd.DataFrame({"curves": [{"train_loss": [0.5, None, 0.2, math.inf]}, {}, None]})
    out = metrics.derive(df, "best_train_loss")
    assert out["best_train_loss"].iloc[0] == 0.2 and out["best_train_loss"].iloc[1:].isna().all()
    assert (
        metrics.derive(out.assign(best_train_loss=7.0), "best_train_loss")[
            "best_train_loss"
        ].tolist()
        == [7.0] * 3
    )


def test_a_swept_suite_counts_no_edges_in_the_setup_table():
    """A suite whose rate is the axis a claim sweeps (C9) chooses no rate: its row shows
    no shares and says so; the same rates read as a chosen axis count the edge."""
    r = tuning.Rates(
        tuned=False,
        low=1e-3,
        high=1.0,
        per_config=(11, 11),
        configs=4,
        counts={"interior": 1, "divergence": 0, "bound": 0, "edge": 3},
    )
    chosen = suite_row("c09_dying", r, ("seed", None))
    swept = suite_row("c09_dying", r, ("seed", None), swept=True)
    assert chosen[3] == "no" and chosen[7] == "3 (75.0 %)"
    assert swept[3] == "no (the rate is the axis swept)"
    assert swept[4:8] == ["–", "–", "–", "–"]
    assert chosen[:3] == swept[:3] and chosen[8:] == swept[8:]
