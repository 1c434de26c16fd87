"""The SQLite store: round trip, idempotent inserts, export, crash safety, concurrency."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from bench import train
from bench.errors import BenchError
from bench.records import Result
from bench.store import Store
from tests.conftest import tiny_cell

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results() -> list[Result]:
    return [train.run(tiny_cell(seed=s)) for s in range(2)] + [
        Result(tiny_cell(seed=9).key, tiny_cell(seed=9), "failed", error="boom",
               started_at="2026-01-01T00:00:00+00:00", finished_at="2026-01-01T00:00:01+00:00")
    ]  # fmt: skip


def test_round_trip(tmp_path, results):
    with Store(tmp_path / "s.sqlite") as store:
        for r in results:
            assert store.put(r)
        back = store.get(results[0].key)
    assert back.cell == results[0].cell
    for part in ("metrics", "curves", "probes"):  # JSON: NaN (saturation of ReLU) equals NaN
        assert json.dumps(getattr(back, part), sort_keys=True) == json.dumps(
            getattr(results[0], part), sort_keys=True
        )
    assert back.env == results[0].env and back.status == "ok"


def test_put_is_idempotent(tmp_path, results):
    with Store(tmp_path / "s.sqlite") as store:
        assert store.put(results[0]) is True
        assert store.put(results[0]) is False
        assert store.keys() == {results[0].key}


def test_key_prefix_lookup(tmp_path, results):
    with Store(tmp_path / "s.sqlite") as store:
        store.put(results[0])
        assert store.get(results[0].key[:6]).key == results[0].key
        assert store.get("zzzz") is None


@pytest.mark.parametrize("fmt", ["csv", "json", "parquet"])
def test_export_one_row_per_cell(tmp_path, results, fmt):
    with Store(tmp_path / "s.sqlite") as store:
        for r in results:
            store.put(r)
        out = tmp_path / f"out.{fmt}"
        assert store.export(out, fmt) == 3
    if fmt == "csv":
        df = pd.read_csv(out)
    elif fmt == "parquet":
        df = pd.read_parquet(out)
    else:
        records = json.loads(out.read_text())  # strict JSON: NaN written as null
        df = pd.DataFrame(records)
        ok = next(r for r in records if r["status"] == "ok")
        assert ok["curves"]["test_acc"] and ok["probes"][0]["dead"]
    assert len(df) == 3
    assert {
        "key",
        "status",
        "error",
        "dataset",
        "activation",
        "init",
        "seed",
        "model.depth",
        "train.lr",
        "test_acc",
        "dead_final",
        "env.torch",
        "finished_at",
    } <= set(df.columns)
    assert sorted(df["status"]) == ["failed", "ok", "ok"]
    failed = df[df["status"] == "failed"].iloc[0]
    assert failed["error"] == "boom" and pd.isna(failed["test_acc"])


def test_unknown_export_format(tmp_path):
    with Store(tmp_path / "s.sqlite") as store, pytest.raises(BenchError, match="valid: csv"):
        store.export(tmp_path / "x", "xlsx")


def test_not_a_store(tmp_path):
    path = tmp_path / "junk.sqlite"
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(BenchError, match="not a usable result store"):
        Store(path)


# --- the driver, across processes ---------------------------------------------------------

SLOW_SUITE = """
    dataset = "digits"
    init = "matched"

    [suite]
    name = "killme"
    seeds = [0, 1, 2, 3]

    [grid]
    activation = ["relu", "tanh", "elu", "selu"]

    [model]
    depth = 4
    width = 64

    [train]
    epochs = 6
    batch_size = 32
"""


def _bench(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "bench", *args, "--no-progress"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _count(path: Path) -> int:
    """Rows stored, read through a read-only connection (0 before the tables exist)."""
    if not path.exists():
        return 0
    try:
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
    except sqlite3.Error:
        return 0
    try:
        return db.execute("SELECT count(*) FROM results").fetchone()[0]
    except sqlite3.Error:
        return 0
    finally:
        db.close()


def _signal_after_rows(proc: subprocess.Popen, store: Path, n: int, sig: int) -> None:
    """Poll until ``store`` holds ``n`` results, then send ``sig`` (unless the run already
    ended: a machine fast enough to finish between two polls must not fail the test). The
    timeout is generous, so a slow machine only waits longer."""
    deadline = time.monotonic() + 600
    while _count(store) < n and proc.poll() is None:
        assert time.monotonic() < deadline, f"no {n} rows stored in 600 s"
        time.sleep(0.02)
    if proc.poll() is None:
        proc.send_signal(sig)


def test_sigkill_then_resume_runs_only_missing_cells(write_suite, tmp_path):
    suite, store = write_suite(SLOW_SUITE), tmp_path / "k.sqlite"
    proc = _bench("run", str(suite), "--store", str(store))
    _signal_after_rows(proc, store, 3, signal.SIGKILL)
    proc.wait()
    stored = _count(store)  # the killed run is gone: the count is final
    assert stored >= 3

    again = _bench("run", str(suite), "--store", str(store))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    # the resumed run trained exactly the cells the killed one had not stored
    assert f"{16 - stored} cells trained" in err and f"{stored} already stored" in err
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*), count(DISTINCT key) FROM results").fetchone() == (16, 16)
    with Store(store) as s:
        assert all(r.finished_at and r.metrics for r in s.results())
        assert len(s.results("killme")) == 16
        first, second = [(r["status"], r["cells_done"]) for r in s.runs()]
        assert second == ("finished", 16 - stored)
        if stored < 16:  # killed before it stored every cell: never logged as finished
            assert first[0] == "running"


def test_two_runs_on_one_store_at_once(write_suite, tmp_path):
    quick = SLOW_SUITE.replace("digits", "wine").replace("epochs = 6", "epochs = 1")
    suite, store = write_suite(quick), tmp_path / "c.sqlite"
    procs = [_bench("run", str(suite), "--store", str(store), "--no-batch") for _ in range(2)]
    trained = 0
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
        trained += int(re.search(r"(\d+) cells trained", err).group(1))
    assert trained == 16  # claims: no cell was trained by both runs
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*), count(DISTINCT key) FROM results").fetchone() == (16, 16)


def test_ctrl_c_stops_cleanly_and_keeps_finished_cells(write_suite, tmp_path):
    suite, store = write_suite(SLOW_SUITE), tmp_path / "i.sqlite"
    proc = _bench("run", str(suite), "--store", str(store))
    _signal_after_rows(proc, store, 2, signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    with Store(store) as s:
        kept = len(s.results())
        runs = [(r["status"], r["cells_done"]) for r in s.runs()]
    assert kept >= 2
    if kept == 16:  # the run stored every cell before the signal came (a fast machine)
        return
    assert proc.returncode == 130, err
    assert "interrupted: finished cells are saved; run the same command to resume" in err
    assert runs == [("interrupted", kept)]


def _open_store(path: str, barrier, answers) -> None:
    try:
        barrier.wait()
        with Store(path) as store:
            store.keys()
        answers.put("ok")
    except Exception as exc:  # reported to the parent, which asserts
        answers.put(repr(exc))


def test_many_processes_create_one_store_at_once(tmp_path):
    """Switching a new file to WAL can report "database is locked" to all but one opener;
    Store retries its set-up instead of failing (seen in CI with two runs starting together)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    for trial in range(10):
        path = str(tmp_path / f"s{trial}.sqlite")
        barrier, answers = ctx.Barrier(6), ctx.Queue()
        procs = [ctx.Process(target=_open_store, args=(path, barrier, answers)) for _ in range(6)]
        for p in procs:
            p.start()
        for p in procs:
            p.join(timeout=120)
        assert [answers.get(timeout=5) for _ in procs] == ["ok"] * 6


def test_readers_open_the_store_read_only_and_read_while_a_run_writes(tmp_path, results):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.put(results[0])
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a run in the middle of writing a cell
    writer.execute("INSERT INTO meta VALUES ('in_flight', 'x')")
    before = path.stat().st_mtime_ns
    with Store(path, readonly=True) as reader:
        assert reader.keys() == {results[0].key}  # sees the committed rows only
        assert len(reader.frame()) == 1 and reader.timings().empty
        with pytest.raises(sqlite3.OperationalError, match=r"readonly|read-only|query_only"):
            reader._db.execute("DELETE FROM results")
    writer.execute("ROLLBACK")
    writer.close()
    assert path.stat().st_mtime_ns == before  # the reader changed nothing on disk
    with pytest.raises(BenchError, match="no such store"):
        Store(tmp_path / "missing.sqlite", readonly=True)
    assert not (tmp_path / "missing.sqlite").exists()
    other = tmp_path / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.commit()
    with pytest.raises(BenchError, match=r"not a usable result store|not a result store"):
        Store(other, readonly=True)


def test_random_kills_lose_and_duplicate_nothing(tmp_path):
    """Three random SIGKILLs and resumes (``make torture`` runs twenty)."""
    from tests import torture

    figures = torture.torture(kills=3, seed=1, workdir=tmp_path)
    assert figures["rows lost"] == 0 and figures["duplicates"] == 0
    assert figures["rows stored"] == figures["cells"] == 30


@pytest.mark.parametrize(
    ("version", "says"),
    [(99, "newer harness"), (0, "older harness, and there is no migration: results measured")],
)
def test_a_store_of_another_version_is_refused_clearly(tmp_path, version, says):
    path = tmp_path / "s.sqlite"
    Store(path).close()
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET value=? WHERE name='store_version'", (str(version),))
    db.commit()
    db.close()
    for readonly in (True, False):
        with pytest.raises(BenchError, match=f"store version {version}, this harness reads"):
            Store(path, readonly=readonly)
    with pytest.raises(BenchError, match=says):
        Store(path)


def test_rows_of_another_schema_are_never_reused_and_a_run_says_so(write_suite, tmp_path, capsys):
    from bench.cli import main

    suite = write_suite(
        'dataset = "wine"\nactivation = "relu"\ninit = "matched"\n[suite]\nname = "one"\n'
        "[model]\ndepth = 2\nwidth = 8\n[train]\nepochs = 1\n"
    )
    store = tmp_path / "s.sqlite"
    assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 0
    db = sqlite3.connect(store)  # as a schema-2 harness would have stored it: another key
    db.execute("UPDATE results SET schema_version = 2, key = '0000000000000000'")
    db.commit()
    db.close()
    capsys.readouterr()
    assert main(["run", str(suite), "--store", str(store), "--no-progress"]) == 0
    err = capsys.readouterr().err
    assert "1 cells trained" in err  # not reused
    assert "note: the store holds 1 result(s) of another harness (1 of schema 2;" in err
    assert "never reused, and there is no migration" in err
    with Store(store, readonly=True) as s:
        assert s.other_schemas() == {2: 1} and len(s.results()) == 2


def test_a_corrupted_store_is_refused_clearly(tmp_path):
    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.put(Result(tiny_cell().key, tiny_cell(), "failed", error="x"))
    data = bytearray(path.read_bytes())
    data[100:4096] = os.urandom(4096 - 100)  # the header's tail and the first page
    path.write_bytes(bytes(data))
    for readonly in (True, False):
        with pytest.raises(BenchError, match="not a usable result store"):
            Store(path, readonly=readonly)


def test_claims_keep_runs_off_each_others_cells_until_the_owner_dies_or_the_lease_ends(
    tmp_path, results
):
    import socket

    from bench.store import claim_owner

    path = tmp_path / "s.sqlite"
    with Store(path) as s:
        s.put(results[0])
        keys = ["a", "b", "c", results[0].key]
        me, remote = claim_owner(), "elsewhere:123:x"
        assert s.claim(keys, me, 60) == {"a", "b", "c"}  # a stored cell is never claimed
        assert s.claim(keys, remote, 60) == set()  # held by a live run on this host
        assert s.claim(["a", "d"], me, 60) == {"a", "d"}  # an owner keeps its own
        s.release(me)
        assert s.claim(["a"], remote, 0.05) == {"a"}
        assert s.claim(["a"], me, 60) == set()  # a remote owner: its lease still runs
        time.sleep(0.1)
        assert s.claim(["a"], me, 60) == {"a"}  # … until it expires
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        ghost = f"{socket.gethostname()}:{dead.pid}:y"
        s.release(me)
        assert s.claim(["b"], ghost, 600) == {"b"}
        assert s.claim(["b"], me, 60) == {"b"}  # its local owner is gone: retaken at once
