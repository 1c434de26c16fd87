"""A suite whose grid varies an axis besides activation, initializer and data set (here the
depth) is never pooled: the report analyses each depth on its own."""

from pathlib import Path

import pandas as pd

from bench.report.doc import pm
from bench.scoring import metrics
from tests.golden import load_fixture, render_frame


def _two_depths(tmp_path: Path) -> pd.DataFrame:
    with load_fixture(tmp_path / "s.sqlite") as store:
        frame = store.frame("golden", series=True)
    deep = frame.copy()
    deep["model.depth"] = 7
    deep["key"] = deep["key"] + "-deep"
    # the deep copy's accuracies differ, so pooling would show in the numbers
    deep["test_acc"] = deep["test_acc"] * 0.5
    return pd.concat([frame, deep], ignore_index=True)


def test_a_varying_depth_splits_every_section(tmp_path):
    frame = _two_depths(tmp_path)
    text, files = render_frame(frame)
    assert "`model.depth` besides the activation" in text
    assert text.count("# Slice: model.depth = 3") == 1
    assert text.count("# Slice: model.depth = 7") == 1
    assert text.count("## Overall ranking") == 2
    assert text.count("## Per data set") == 2
    names = [f.name for f in files]
    assert len(names) == len(set(names)), "each slice's figures get their own files"
    assert any(n.startswith("depth3_") for n in names)
    assert any(n.startswith("depth7_") for n in names)


def test_each_slice_reports_only_its_own_runs(tmp_path):
    frame = _two_depths(tmp_path)
    text, _ = render_frame(frame)
    shallow, deep = text.split("# Slice: model.depth = 7")
    shallow = shallow.split("# Slice: model.depth = 3")[1]
    # the per-data-set cells of each slice are that depth's own mean ± CI over seeds
    sel = metrics.select_lr(frame)
    for depth, part, other in ((3, shallow, deep), (7, deep, shallow)):
        head = sel[(sel["model.depth"] == depth) & (sel["init"] == "matched")]
        s = metrics.summarize(head, "test_acc", by=("dataset", "activation"))
        row = s[(s["dataset"] == "moons") & (s["activation"] == "sigmoid")].iloc[0]
        cell = pm(row["mean"], row["ci95"])
        assert cell in part
        assert cell not in other
