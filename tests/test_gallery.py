"""The reports' opening paragraph and activation gallery: the curves `bench speed` stores
are the activation and its autograd derivative, and a report draws them torch-free."""

import math

import pytest

from bench import plots, speed
from tests.golden import load_fixture, render_frame


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


def test_gallery_draws_each_known_activation_with_its_derivative(curves, tmp_path):
    with plots.capture() as drawn:
        plots.gallery(curves, ["relu", "sigmoid", "unknown"], tmp_path / "g.png")
    (fig,) = drawn
    panels = [ax for ax in fig.axes if ax.get_title()]
    assert [ax.get_title() for ax in panels] == ["relu", "sigmoid"]  # unknown: no panel
    relu = panels[0]
    f, df = (line.get_ydata().tolist() for line in relu.get_lines()[:2])
    assert f == [0.0, 0.0, 0.0, 1.0, 2.0] and df == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert relu.get_lines()[1].get_linestyle() == "--"  # the derivative, dashed
    # relu's dead region is shaded: f′ = 0 on x ≤ 0, the first three grid points
    dead = relu.collections[0].get_paths()[0].vertices
    assert dead[:, 0].min() == -2.0 and dead[:, 0].max() == 0.0
    assert not (tmp_path / "g.png").exists()  # captured, not written
    path = plots.gallery(curves, ["relu"], tmp_path / "g.png")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_opens_with_the_plain_paragraph_and_shows_the_gallery(tmp_path, curves):
    with load_fixture(tmp_path / "s.sqlite") as store:
        frame = store.frame("golden", series=True)
    text, files = render_frame(frame, gallery=curves, description="desc")
    first = text.split("\n\n")[2]
    assert first.startswith("**In short.** On 2 data sets (moons, wine)")
    assert "ranked first" in first and "ranked last" in first
    assert "activation_gallery.png" in [f.name for f in files]
    without, files = render_frame(frame, description="desc")
    assert "activation_gallery.png" not in [f.name for f in files]
    assert "run it to add the figure" in without
