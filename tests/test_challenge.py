"""``bench challenge`` (issue 23, part 2): a user's activation, defined in a module of its
own, challenges every baseline of a tiny suite. The cells the store holds are reused, not
trained again (counted before training and after), an edit of one character gives the
challenger new cells, a bad path or a lambda is refused in one line with exit status 2, and
the report stands alone: its sections, and its numbers recomputed here by hand from the
stored rows and timings."""

from __future__ import annotations

import hashlib
import re
import sys
import textwrap
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from bench import api
from bench.cli import main
from bench.errors import BenchError
from bench.execute.challenge import challenger_suite, default_out
from bench.scoring.challenge import configurations, versus
from bench.store import Store
from bench.suite import load_suite

MODULE = '''
"""The challenger of tests/test_challenge.py."""
import torch
from torch import nn


class Snake(nn.Module):
    """x + sin²(x)."""

    init_family = "he"

    def forward(self, x):
        return x + torch.sin(x) ** 2


ident = lambda x: x  # noqa: E731
'''

SUITE = """
    [suite]
    name = "tinych"
    seeds = [0, 1]

    [grid]
    dataset = ["keel_wine", "iris", "keel_hayes_roth"]
    activation = ["relu", "tanh"]
    init = ["matched", "torch_default"]
    "train.lr" = [1e-2, 3e-2]

    [model]
    depth = 1
    width = 8

    [train]
    epochs = 2
    batch_size = 32

    [tune]
    "train.lr" = "bracket"
    bounds = [3e-3, 0.1]
"""
CHALLENGER_CELLS = 3 * 2 * 2 * 2  # data sets × initializers × starting rates × seeds


@pytest.fixture(scope="module")
def done(tmp_path_factory):
    """The suite's baselines trained into a store, then one challenge (the class itself
    given to ``bench.challenge``)."""
    tmp = tmp_path_factory.mktemp("challenge")
    name = "challenger_" + hashlib.sha256(str(tmp).encode()).hexdigest()[:10]
    folder = tmp / "lib"
    folder.mkdir()
    (folder / f"{name}.py").write_text(MODULE)
    sys.path.insert(0, str(folder))
    suite = tmp / "tiny.toml"
    suite.write_text(textwrap.dedent(SUITE))
    store = tmp / "s.sqlite"
    try:
        baselines = api.run(suite, store=store)
        module = __import__(name)
        with Store(store, readonly=True) as db:
            before = db.keys()
        first = api.challenge(module.Snake, suite, store, tmp / "reports" / "first.md", repeats=1)
        with Store(store, readonly=True) as db:
            frame = db.frame(first.suite, series=True)
            timings = db.timings(first.suite)
        yield SimpleNamespace(
            name=name,
            path=f"{name}:Snake",
            file=folder / f"{name}.py",
            suite=suite,
            store=store,
            tmp=tmp,
            baselines=baselines,
            before=before,
            first=first,
            frame=frame,
            timings=timings,
        )
    finally:
        sys.path.remove(str(folder))
        sys.modules.pop(name, None)


def test_stored_baselines_are_reused_and_only_the_challenger_trains(done):
    first, frame = done.first, done.frame
    assert set(done.baselines["status"]) == {"ok"}
    assert first.suite == f"tinych+{done.path}"
    # counted before training: every baseline cell in the store, none missing
    assert (first.counts.challenger, first.counts.challenger_stored) == (CHALLENGER_CELLS, 0)
    assert (first.counts.missing, first.counts.reused) == (0, len(done.baselines))
    trained = frame[~frame["key"].isin(done.before)]
    assert set(trained["activation"]) == {done.path}  # nothing else trained
    assert first.summary.done == len(trained) >= CHALLENGER_CELLS  # the bracket adds rates
    assert first.summary.skipped == len(done.baselines) == (frame["activation"] != done.path).sum()
    assert set(frame["status"]) == {"ok"}


def test_a_second_challenge_from_the_command_line_trains_nothing(done, capsys):
    with Store(done.store, readonly=True) as db:
        keys = db.keys()
    out = done.tmp / "reports" / "second.md"
    argv = ["challenge", done.path, "--suite", str(done.suite), "--store", str(done.store)]
    argv += ["--out", str(out), "--backend", "serial", "--repeats", "1", "--no-progress"]
    assert main(argv) == 0
    err = capsys.readouterr().err.splitlines()
    stored = int((done.frame["activation"] == done.path).sum())
    assert err[0] == (
        f"challenger {done.path}: 0 cells to train ({stored} stored); baselines: 0 missing "
        f"cells to train, {len(done.baselines)} stored cells reused"
    )
    assert err[1].startswith(f"tinych+{done.path}: 0 cells trained (nothing), {len(keys)} ")
    with Store(done.store, readonly=True) as db:
        assert db.keys() == keys
    assert out.read_text().startswith(f"# Challenge: `{done.path}` against `{done.suite}`")


def test_one_character_of_the_source_gives_the_challenger_new_cells(done):
    base = load_suite(done.suite)
    keys = {c.key for c in challenger_suite(base, done.path).cells()}
    original = done.file.read_text()
    try:
        done.file.write_text(original.replace("** 2", "**2"))  # one character less
        edited = challenger_suite(base, done.path).cells()
        mine = {c.key for c in edited if c.activation == done.path}
        theirs = {c.key for c in edited if c.activation != done.path}
        assert not mine & keys and theirs <= keys  # the baselines keep theirs
        counted = api.challenge(done.path, done.suite, done.store, dry_run=True).counts
        assert (counted.challenger, counted.challenger_stored) == (CHALLENGER_CELLS, 0)
        assert (counted.missing, counted.reused) == (0, len(done.baselines))
    finally:
        done.file.write_text(original)
    again = api.challenge(done.path, done.suite, done.store, dry_run=True).counts
    assert again.challenger == 0 and again.challenger_stored > 0  # the stored ones again


def test_a_bad_path_and_a_lambda_are_refused_in_one_line(done, tmp_path, capsys):
    store = tmp_path / "s.sqlite"
    flags = ["--suite", str(done.suite), "--store", str(store), "--backend", "serial"]
    assert main(["challenge", "no_such_module_q8:Act", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: activation 'no_such_module_q8:Act': ")
    assert "PYTHONPATH" in err
    assert main(["challenge", f"{done.name}:ident", *flags]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "is a lambda" in err
    assert not store.exists() and not list(tmp_path.iterdir())
    with pytest.raises(BenchError, match=r"^activation <lambda>: a lambda has no name"):
        api.challenge(lambda x: x, done.suite, store)
    assert not store.exists()


def test_the_default_report_path_names_the_challenger_and_a_suite_other_than_default():
    assert default_out("examples.snake:Snake", "default") == Path("reports/challenge-snake.md")
    assert default_out("a.b:Outer.Snake", "demo") == Path("reports/challenge-snake-demo.md")


# --- the report, against numbers recomputed here ------------------------------------------


def _chosen(frame: pd.DataFrame) -> pd.DataFrame:
    """Each configuration's rows at its rate with the best seed-mean validation accuracy
    (ties: the smaller rate): what the report compares."""
    keys = ["dataset", "activation", "init"]
    val = frame.groupby([*keys, "train.lr"])["val_acc"].mean().reset_index()
    val = val.sort_values([*keys, "val_acc", "train.lr"], ascending=[True] * 3 + [False, True])
    best = val.drop_duplicates(keys)[[*keys, "train.lr"]]
    return frame.merge(best, on=[*keys, "train.lr"])


def _table(text: str, heading: str) -> list[list[str]]:
    """The rows of the first table after ``heading``, cells stripped."""
    lines = text.split(heading, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    block = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        block.append([c.strip() for c in line.strip("|").split("|")])
    return block[2:]


def test_the_report_stands_alone_with_its_numbers(done):
    text, me = done.first.text, done.path
    assert text.splitlines()[0] == f"# Challenge: `{me}` against `{done.suite}`"
    assert re.findall(r"^## .*$", text, flags=re.M) == [
        "## How this comparison works",
        "## Where it ranks",
        "## Against every baseline (initializer `matched`)",
        "## By kind and size of data set",
        "## Unit health",
        "## What to use",
        "## Speed",
        "## Setup",
        "## Diverged and failed cells",
        "## Appendix: every configuration",
    ]
    chosen = _chosen(done.frame)
    per_set = chosen.groupby(["dataset", "activation", "init"])["test_acc"].mean().unstack([1, 2])
    avg_rank = per_set.rank(axis=1, ascending=False).mean().sort_values(kind="stable")
    rows = _table(text, "## Where it ranks")
    assert len(rows) == 6
    for row, ((act, init), rank) in zip(rows, avg_rank.items(), strict=True):
        bold = act == me
        assert row[1] == (f"**`{act}` + `{init}`**" if bold else f"`{act}` + `{init}`")
        assert row[2] == (f"**{rank:.2f}**" if bold else f"{rank:.2f}")

    # the challenger against each baseline, matched: 3 data sets cannot decide a family of 2
    rows = _table(text, "## Against every baseline")
    assert sorted(r[0] for r in rows) == [f"`{me}` > `relu`", f"`{me}` > `tanh`"]
    matched = per_set.xs("matched", axis=1, level=1)
    for row in rows:
        other = row[0].split(" > ")[1].strip("`")
        diff = matched[me] - matched[other]
        assert row[1] == "3 × 2"
        assert row[2] == f"{(diff > 0).sum()}/{(diff < 0).sum()}"
        assert row[3].startswith(f"{100 * diff.mean():+.1f} [")
        assert row[7] == "**INCONCLUSIVE**"
        assert row[8] == "cannot decide: needs ≥ 6 data sets"
    assert "with 3 data sets, no comparison in a family of 2 can reach α (it takes ≥ 6)" in text
    groups = text.split("## By kind and size of data set")[1]
    assert "| baseline   | real (2)" in groups and "| synthetic (1)" in groups

    # speed: the challenger's time over relu's, the same repeat (one here)
    t = done.timings.pivot_table(index=["width", "pass"], columns="activation", values="seconds")
    step = t.loc[(8, "forward_backward")]
    assert f"takes {step[me] / step['relu']:.2f}× the time of `relu`'s (width 8" in text
    fwd = t.loc[(8, "forward")]
    assert f"`{me}` takes fwd 8: {fwd[me] / fwd['relu']:.2f}×; fwd+bwd 8: " in text

    # unit health, measured: dead units after training, matched, mean over data sets × seeds
    mine = chosen[(chosen["activation"] == me) & (chosen["init"] == "matched")]
    relu = chosen[(chosen["activation"] == "relu") & (chosen["init"] == "matched")]
    dead, dead_relu = 100 * mine["dead_final"].mean(), 100 * relu["dead_final"].mean()
    assert f"{dead:.1f} % of its hidden units are dead (`relu`: {dead_relu:.1f} %)" in text
    assert f"dead final {dead:.1f} %" in text

    setup = dict((r[0], r[1]) for r in _table(text, "## Setup"))
    assert setup["own activations"] == (
        f"`{me}`: `matched` = `he_normal` (from its `init_family` or `gain`)"
    )
    assert f"`python -m bench challenge {me} --suite {done.suite} --store {done.store}" in text
    assert "default.md" not in text and "claims.md" not in text  # it links to no other report


# --- the decisions, on constructed rows ---------------------------------------------------


def _rows(effects: dict[str, list[float]], n_sets: int = 8) -> pd.DataFrame:
    """Selected rows: per data set d and seed s, ``base`` scores 0.6 + 0.02·d + 0.001·s,
    each activation that plus its effect on that data set."""
    rows = []
    for d in range(n_sets):
        for s in (0, 1):
            level = 0.6 + 0.02 * d + 0.001 * s
            for act, eff in effects.items():
                score = level + eff[d]
                rows.append(
                    dict(
                        dataset=f"d{d}",
                        seed=s,
                        activation=act,
                        init="matched",
                        status="ok",
                        test_acc=score,
                        val_acc=score,
                    )
                )
    return pd.DataFrame(rows)


def test_versus_is_one_holm_family_with_the_challenger_first():
    lead = [0.03, 0.05, 0.04, 0.06, 0.02, 0.05, 0.03, 0.04]  # the challenger ahead everywhere
    tie = [0.001, -0.002, 0.0005, -0.001, 0.002, -0.0015, 0.001, -0.0005]  # within ±1 point
    frame = _rows({"mine": [0.0] * 8, "far": [-e for e in lead], "near": tie})
    t = versus(frame, "mine", ["far", "near"]).set_index("baseline")
    assert list(t["comparison"]) == ["mine > far", "mine > near"]
    assert t.at["far", "effect"] == pytest.approx(np.mean(lead))
    assert t.at["near", "effect"] == pytest.approx(-np.mean(tie))
    assert (t.at["far", "wins"], t.at["far", "losses"]) == (8, 0)
    # Wilcoxon, 8 data sets all one way: p = 1/256; Holm over 2 pairs: 2/256
    assert t.at["far", "p_holm"] == pytest.approx(2 / 256)
    assert t.at["far", "verdict"] == "SUPPORTED"
    assert t.at["near", "verdict"] == "EQUIVALENT"


def test_configurations_rank_at_the_data_set_level():
    frame = _rows({"a": [0.0, 0.0, 0.0], "b": [0.01, -0.02, 0.0], "c": [-0.1, -0.1, 0.0]}, 3)
    frame.loc[frame["activation"] == "c", "init"] = "torch_default"
    t = configurations(frame)
    # ranks per data set (seeds averaged): d0 b, a, c; d1 a, b, c; d2 a = b = c (2 each)
    assert list(t["arm"]) == ["a + matched", "b + matched", "c + torch_default"]
    assert list(t["avg_rank"]) == pytest.approx([(2 + 1 + 2) / 3, (1 + 2 + 2) / 3, 8 / 3])
    assert list(t["place"]) == [1, 2, 3] and list(t["n_datasets"]) == [3, 3, 3]
    a = frame[frame["activation"] == "a"]["test_acc"]
    assert t.loc[0, "mean"] == pytest.approx(a.mean())
