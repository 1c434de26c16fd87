"""Speed measurement (CLAIMS C16): ratios, the interleaved timer, ``bench speed``, the report.

No test asserts an absolute time: only counts, fields, signs and hand-made ratios.
"""

from __future__ import annotations

import pandas as pd
import pytest
import torch

from bench import activations, speed
from bench.cli import main
from bench.errors import UnknownNameError
from bench.records import Result
from bench.schema import PASSES
from bench.scoring.speed import RATIO_COLUMNS, ratios
from bench.store import TIMING_COLUMNS, Store
from bench.suite import parse_suite
from tests.golden import load_fixture, render_frame

ENV = {"torch": "2.13.0+cpu", "cpu": "Test CPU", "threads": 1, "device": "cpu"}
WHEN = "2026-01-01T00:00:00+00:00"


def rec(activation: str, seconds: float, repeat: int, width: int = 32, pas: str = "forward"):
    return dict(
        activation=activation,
        width=width,
        depth=8,
        batch=64,
        repeat=repeat,
        seconds=seconds,
        device="cpu",
        threads=1,
        **{"pass": pas},
    )


def hand_made() -> list[dict]:
    """relu 1 s; elu 1.5, 1.6, 1.4 s; all of repeat 1 twice as slow (drift must cancel)."""
    out = []
    for r, (relu, elu) in enumerate([(1.0, 1.5), (2.0, 3.2), (1.0, 1.4)]):
        out += [rec("relu", relu, r), rec("elu", elu, r)]
    return out


# --- ratios -------------------------------------------------------------------------------


def test_ratios_within_each_repeat_then_median_and_range():
    r = ratios(hand_made())
    assert list(r.columns) == list(RATIO_COLUMNS)
    elu = r[r["activation"] == "elu"].iloc[0]
    assert elu["ratio_median"] == pytest.approx(1.5)
    assert elu["ratio_low"] == pytest.approx(1.4)
    assert elu["ratio_high"] == pytest.approx(1.6)
    assert elu["n_repeats"] == 3
    assert elu["seconds_median"] == pytest.approx(1.5)
    relu = r[r["activation"] == "relu"].iloc[0]
    assert (relu["ratio_median"], relu["ratio_low"], relu["ratio_high"]) == (1.0, 1.0, 1.0)


def test_ratios_per_width_and_pass_from_a_frame():
    records = [
        *hand_made(),
        rec("relu", 2.0, 0, 64, "forward_backward"),
        rec("elu", 5.0, 0, 64, "forward_backward"),
    ]
    r = ratios(pd.DataFrame(records), reference="elu")
    assert list(zip(r["width"], r["pass"], r["activation"])) == [
        (32, "forward", "elu"),
        (32, "forward", "relu"),
        (64, "forward_backward", "elu"),
        (64, "forward_backward", "relu"),
    ]
    assert r["ratio_median"].iloc[-1] == pytest.approx(0.4)
    assert r["n_repeats"].iloc[-1] == 1


def test_ratios_need_the_reference_and_accept_nothing():
    with pytest.raises(ValueError, match="no timings of the reference 'relu'"):
        ratios([rec("elu", 1.0, 0)])
    empty = ratios([])
    assert empty.empty and list(empty.columns) == list(RATIO_COLUMNS)


# --- measure ------------------------------------------------------------------------------


def test_measure_records_every_repeat_width_pass_and_activation():
    threads = torch.get_num_threads()
    records = speed.measure(
        ["relu", "elu"],
        widths=(8,),
        depth=2,
        batch=4,
        n_features=5,
        n_classes=3,
        repeats=2,
        threads=1,
        blocks=2,
        block_time=0.001,
    )
    assert torch.get_num_threads() == threads  # restored
    assert len(records) == 2 * 1 * 2 * 2
    assert all(set(r) == set(speed.RECORD_FIELDS) for r in records)
    assert all(r["seconds"] > 0 for r in records)
    assert all(r["threads"] == 1 and r["device"] == "cpu" for r in records)
    seen = {(r["repeat"], r["width"], r["pass"], r["activation"]) for r in records}
    assert len(seen) == len(records)
    assert {r["pass"] for r in records} == set(PASSES)
    assert set(ratios(records)["n_repeats"]) == {2}


def test_measure_rejects_unknown_names_before_timing():
    with pytest.raises(UnknownNameError, match="valid: identity"):
        speed.measure(["relu", "relux"], repeats=1)


# --- store --------------------------------------------------------------------------------


def test_store_timings_round_trip_and_replace(tmp_path):
    with Store(tmp_path / "s.sqlite") as store:
        empty = store.timings()
        assert empty.empty and list(empty.columns) == list(TIMING_COLUMNS)
        assert store.put_timings("a", hand_made(), ENV, WHEN) == 6
        store.put_timings("b", hand_made()[:2], ENV, WHEN)
        assert len(store.timings()) == 8 and len(store.timings("a")) == 6
        store.put_timings("a", hand_made()[:2], ENV, "2026-01-02T00:00:00+00:00")
        a = store.timings("a")
        assert len(a) == 2 and set(a["measured_at"]) == {"2026-01-02T00:00:00+00:00"}
        assert a["env"].iloc[0] == ENV
        assert set(a["pass"]) == {"forward"} and a["seconds"].tolist() == [1.0, 1.5]


# --- the command --------------------------------------------------------------------------

FAST = ["--widths", "8", "--repeats", "2", "--no-progress"]


def test_speed_command_stores_timings_and_prints_ratios(tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    argv = ["speed", "--store", str(path), "--suite", "mine", "--activations", "elu,relu", *FAST]
    assert main(argv) == 0
    out = capsys.readouterr().out
    assert "fwd 8" in out and "fwd+bwd 8" in out
    assert out.splitlines()[-2].split()[0] == "elu" and "×" in out
    with Store(path) as store:
        t = store.timings("mine")
        assert len(t) == 2 * 2 * 2
        assert set(t["activation"]) == {"relu", "elu"} and set(t["threads"]) == {1}
        assert t["env"].iloc[0]["device"] == "cpu" and "torch" in t["env"].iloc[0]
    argv = [
        "speed",
        "--store",
        str(path),
        "--suite",
        "mine",
        "--activations",
        "elu",
        "--widths",
        "8",
        "--repeats",
        "1",
        "--no-progress",
    ]
    assert main(argv) == 0  # relu is always timed; a new measurement replaces the old
    with Store(path) as store:
        assert len(store.timings("mine")) == 2 * 2
        assert set(store.timings("mine")["activation"]) == {"relu", "elu"}


def test_unknown_activation_exits_2_naming_the_valid_ones(tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    assert main(["speed", "--store", str(path), "--activations", "relu,relux,eluu", *FAST]) == 2
    err = capsys.readouterr().err
    assert "unknown activations 'relux', 'eluu'" in err
    assert "valid: " + ", ".join(activations.names()) in err
    assert not path.exists()  # nothing measured, nothing stored


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--widths", "8,x"], "--widths: expected positive integers"),
        (["--widths", "0"], "--widths: expected positive integers"),
        (["--repeats", "0"], "--repeats must be at least 1"),
        (["--threads", "0"], "--threads must be at least 1"),
    ],
)
def test_bad_speed_options_exit_2(tmp_path, capsys, args, message):
    path = tmp_path / "s.sqlite"
    assert main(["speed", "--store", str(path), "--activations", "relu", *args]) == 2
    assert message in capsys.readouterr().err
    assert not path.exists()


@pytest.mark.skipif(torch.cuda.is_available(), reason="a GPU is present")
def test_cuda_without_a_gpu_exits_2(tmp_path, capsys):
    path = tmp_path / "s.sqlite"
    assert main(["speed", "--store", str(path), "--device", "cuda", *FAST]) == 2
    assert "error: --device cuda: " in capsys.readouterr().err
    assert not path.exists()


def _store_with_suite(path, name: str, acts: list[str]) -> None:
    """A store whose suite grid holds stored cells of ``acts`` (no training needed)."""
    suite = parse_suite(
        {
            "suite": {"name": name},
            "dataset": "wine",
            "init": "matched",
            "grid": {"activation": acts},
        }
    )
    cells = suite.cells()
    with Store(path) as store:
        store.register_suite(suite, [c.key for c in cells])
        for c in cells:
            store.put(Result(c.key, c, "ok", started_at=WHEN, finished_at=WHEN))


def test_default_activations_are_the_suites_grid(tmp_path, capsys, monkeypatch):
    path = tmp_path / "s.sqlite"
    _store_with_suite(path, "tiny", ["tanh", "selu", "relu"])
    seen = {}

    def fake(names, widths, **kw):
        seen["names"] = list(names)
        return [
            rec(a, 1.0 + i, r, width=widths[0], pas=p)
            for r in range(kw["repeats"])
            for i, a in enumerate(names)
            for p in PASSES
        ]

    monkeypatch.setattr(speed, "measure", fake)
    assert main(["speed", "--store", str(path), *FAST]) == 0  # the store's only suite
    assert seen["names"] == ["tanh", "selu", "relu"]
    with Store(path) as store:
        assert len(store.timings("tiny")) == 3 * 2 * 2
    _store_with_suite(path, "other", ["elu"])
    assert main(["speed", "--store", str(path), *FAST]) == 2
    assert "holds 2 suites; pick one with --suite: other, tiny" in capsys.readouterr().err
    assert main(["speed", "--store", str(path), "--suite", "other", *FAST]) == 0
    assert seen["names"] == ["relu", "elu"]  # the reference is always timed
    capsys.readouterr()
    # a typo of a stored suite is refused; a store with no suites yet times every activation
    assert main(["speed", "--store", str(path), "--suite", "unregistered", *FAST]) == 2
    assert "unknown suite 'unregistered'" in capsys.readouterr().err
    empty = tmp_path / "empty.sqlite"
    assert main(["speed", "--store", str(empty), "--suite", "unregistered", *FAST]) == 0
    assert seen["names"] == activations.names()
    assert "timing every registered activation" in capsys.readouterr().err


# --- the report ---------------------------------------------------------------------------


def _golden_frame(tmp_path, activations: list[str]) -> pd.DataFrame:
    """The golden fixture's rows of these activations, the first ranked first."""
    with load_fixture(tmp_path / "g.sqlite") as store:
        frame = store.frame("golden", series=True)
    frame = frame[frame["activation"].isin(["relu", "sigmoid"])].copy()
    if activations[0] == "sigmoid":  # make sigmoid the best, so the table follows it
        frame["test_acc"] = frame["test_acc"].where(frame["activation"] != "sigmoid", 1.0)
    return frame


def test_report_speed_section_from_stored_timings(tmp_path):
    records = hand_made() + [rec("sigmoid", s, r) for r, s in enumerate([1.1, 2.2, 1.0])]
    with Store(tmp_path / "s.sqlite") as store:
        store.put_timings("mine", records, ENV, WHEN)
        timings = store.timings("mine")
    frame = _golden_frame(tmp_path, ["sigmoid", "relu"])
    text = render_frame(frame, timings)[0].split("## Speed")[1]
    assert "| activation   | fwd 32            |" in text
    assert "| `sigmoid`    | 1.10× (1.00–1.10) |" in text
    assert "| `relu`       | 1.00×             |" in text
    assert "| `elu`        | 1.50× (1.40–1.60) |" in text  # not in the order: last
    assert "3 repeats" in text and "1 torch thread(s)" in text and "on cpu" in text
    assert "Test CPU" in text and "not the training times" in text
    assert "For scale, `relu` takes per call (median): fwd 32: 1 s." in text


def test_report_without_timings_says_how_to_measure(tmp_path):
    frame = _golden_frame(tmp_path, ["relu"])
    text = render_frame(frame, pd.DataFrame(columns=list(TIMING_COLUMNS)))[0]
    assert text.split("## Speed")[1].split("\n\n")[1] == (
        "No speed measurement is stored for this suite: `python -m bench speed --store "
        "s.sqlite --suite golden` makes one (then rebuild this report)."
    )
