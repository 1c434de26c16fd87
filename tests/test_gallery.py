"""The reports' opening paragraph and activation gallery: the curves `bench speed` stores
are the activation and its autograd derivative, and a report draws them torch-free."""

import math

import pytest

from bench import plots, report, speed
from tests.golden import load_fixture


@pytest.fixture(scope="module")
def curves():
    return speed.curves(["relu", "sigmoid", "tanh", "leaky_relu"], lo=-2, hi=2, n=5)


def test_curves_are_the_functions_and_their_derivatives(curves):
    assert curves["x"] == [-2.0, -1.0, 0.0, 1.0, 2.0]
    c = curves["curves"]
    assert c["relu"]["f"] == [0.0, 0.0, 0.0, 1.0, 2.0]
    assert c["relu"]["df"] == [0.0, 0.0, 0.0, 1.0, 1.0]  # 0 at 0 (claim C17)
    assert c["sigmoid"]["df"][2] == pytest.approx(0.25)
    assert c["tanh"]["df"][3] == pytest.approx(1 - math.tanh(1) ** 2)
    assert c["leaky_relu"]["df"][0] == pytest.approx(0.01)


def test_gallery_figure_is_drawn(curves, tmp_path):
    path = plots.gallery(curves, ["relu", "sigmoid", "unknown"], tmp_path / "g.png")
    assert path.stat().st_size > 5000


def test_report_opens_with_the_plain_paragraph_and_shows_the_gallery(tmp_path, curves):
    with load_fixture(tmp_path / "s.sqlite") as store:
        frame = store.frame("golden", series=True)
    text, files = report.render(frame, [], "golden", len(frame), "2026-01-01T00:00:00+00:00",
                                "s.sqlite", "r.md", "desc", "r_files", None, curves)  # fmt: skip
    first = text.split("\n\n")[2]
    assert first.startswith("**In short.** On 2 data sets (moons, wine)")
    assert "ranked first" in first and "ranked last" in first
    assert "activation_gallery.png" in [f.name for f in files]
    without, files = report.render(frame, [], "golden", len(frame), "2026-01-01T00:00:00+00:00",
                                   "s.sqlite", "r.md", "desc", "r_files", None, None)  # fmt: skip
    assert "activation_gallery.png" not in [f.name for f in files]
    assert "run it to add the figure" in without
