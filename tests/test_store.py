"""The SQLite store: round trip, idempotent inserts, export, crash safety, concurrency."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from bench import train
from bench.errors import BenchError
from bench.records import Result
from bench.store import Store
from tests.conftest import TINY_SUITE, tiny_cell

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def results() -> list[Result]:
    return [train.run(tiny_cell(seed=s)) for s in range(2)] + [
        Result(
            tiny_cell(seed=9).key,
            tiny_cell(seed=9),
            "failed",
            error="boom",
            started_at="2026-01-01T00:00:00+00:00",
            finished_at="2026-01-01T00:00:01+00:00",
        )
    ]


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


def _bench(*args: str, pass_fds: tuple[int, ...] = (), code: str | None = None) -> subprocess.Popen:
    """``python -m bench ARGS --no-progress`` (or ``python -c CODE ARGS …``), its output piped."""
    start = ["-c", code] if code else ["-m", "bench"]
    return subprocess.Popen(
        [sys.executable, *start, *args, "--no-progress"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=pass_fds,
    )


# `python -m bench ARGS` that, once its ROWS-th row is stored, writes "paused" to descriptor
# SAID and waits for a byte (or end of file) on descriptor RESUME before it goes on
_PAUSE_AFTER_ROWS = """
import os, sys
from bench import cli
from bench.store import Store
rows, said, resume = (int(a) for a in sys.argv[1:4])
put, stored = Store.put, []
def put_then_pause(self, result, run_id=None):
    written = put(self, result, run_id)
    stored.append(result.key)
    if len(stored) == rows:
        os.write(said, b"paused")
        os.read(resume, 1)
    return written
Store.put = put_then_pause
raise SystemExit(cli.main(sys.argv[4:]))
"""


def _paused_bench(rows: int, *args: str) -> tuple[subprocess.Popen, int]:
    """``python -m bench ARGS``, paused right after it stored its ``rows``-th row: returns
    once it has (a bounded wait on a pipe, no polling), with the descriptor whose first
    byte, or closing, lets it go on."""
    said_r, said_w = os.pipe()
    resume_r, resume_w = os.pipe()
    fds = (said_w, resume_r)
    proc = _bench(*map(str, (rows, *fds)), *args, pass_fds=fds, code=_PAUSE_AFTER_ROWS)
    os.close(said_w)
    os.close(resume_r)
    ready, _, _ = select.select([said_r], [], [], 600)
    said = os.read(said_r, 16) if ready else b""  # b"": the run ended (or hung) first
    os.close(said_r)
    if said != b"paused":
        proc.kill()
        os.close(resume_w)
        pytest.fail(f"the run never stored {rows} rows: {proc.communicate()[1]}")
    return proc, resume_w


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


def test_sigkill_then_resume_runs_only_missing_cells(write_suite, tmp_path):
    """SIGKILL right after the third of 16 rows is stored; the resumed run trains the 13
    others and nothing twice."""
    suite, store = write_suite(SLOW_SUITE), tmp_path / "k.sqlite"
    proc, resume = _paused_bench(3, "run", str(suite), "--store", str(store))
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    os.close(resume)
    assert _count(store) == 3

    again = _bench("run", str(suite), "--store", str(store))
    _, err = again.communicate(timeout=600)
    assert again.returncode == 0, err
    # the resumed run trained exactly the cells the killed one had not stored
    assert "13 cells trained" in err and "3 already stored" in err
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*), count(DISTINCT key) FROM results").fetchone() == (16, 16)
    with Store(store) as s:
        assert all(r.finished_at and r.metrics for r in s.results())
        assert len(s.results("killme")) == 16
        runs = [(r["status"], r["cells_done"]) for r in s.runs()]
    assert runs == [("running", 3), ("finished", 13)]  # the killed run never logged an end


def test_two_runs_on_one_store_at_once(write_suite, tmp_path):
    """A second run starts while the first is between its first and second row: the first
    holds every cell, so the second trains none of them, and the first finishes them all."""
    quick = SLOW_SUITE.replace("digits", "wine").replace("epochs = 6", "epochs = 1")
    suite, store = write_suite(quick), tmp_path / "c.sqlite"
    args = ("run", str(suite), "--store", str(store), "--no-batch")
    first, resume = _paused_bench(1, *args)
    second = _bench(*args)
    _, err_second = second.communicate(timeout=600)
    os.write(resume, b"go")
    os.close(resume)
    _, err_first = first.communicate(timeout=600)
    assert first.returncode == 0 and second.returncode == 0, err_first + err_second
    trained = [int(re.search(r"(\d+) cells trained", e).group(1)) for e in (err_first, err_second)]
    assert trained == [16, 0]  # leases: no cell was trained by both runs
    assert "1 already stored, 15 held by another run, of 16" in err_second
    db = sqlite3.connect(store)
    assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    assert db.execute("SELECT count(*), count(DISTINCT key) FROM results").fetchone() == (16, 16)


LONG_SUITE = SLOW_SUITE.replace("seeds = [0, 1, 2, 3]", "seeds = [0, 1, 2, 3, 4, 5, 6, 7]")


# `python -m bench ARGS` whose third unit, once it starts, writes one byte to the pipe the
# test passes (its fd is argv[1]) and then waits for a signal (signal.pause: no timer): a
# SIGINT sent once that byte arrives lands while the unit "trains", after exactly two rows
# were stored, however loaded the machine is. Python's own SIGINT handler is installed
# first: a parent that ignores SIGINT (a background `make test &`) passes the "ignore" on,
# and Python then installs none, so the signal would be dropped
_PAUSE_THIRD_UNIT = """
import os, signal, sys
from bench import cli
from bench.run import loop
signal.signal(signal.SIGINT, signal.default_int_handler)
real, calls, started = loop.train, [], int(sys.argv[1])
def paused(*args, **kwargs):
    calls.append(1)
    if len(calls) == 3:
        os.write(started, b"3")
        signal.pause()
    return real(*args, **kwargs)
loop.train = paused
raise SystemExit(cli.main(sys.argv[2:]))
"""


def test_ctrl_c_stops_cleanly_and_keeps_finished_cells(write_suite, tmp_path):
    """Ctrl-C while the third of 32 cells trains (one cell at a time): exit status 130, the
    two finished cells stay, and the run log counts exactly them."""
    import os
    import select

    suite, store = write_suite(LONG_SUITE), tmp_path / "i.sqlite"
    read_end, write_end = os.pipe()
    args = ["run", str(suite), "--store", str(store), "--no-batch", "--no-progress"]
    proc = subprocess.Popen(
        [sys.executable, "-c", _PAUSE_THIRD_UNIT, str(write_end), *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        pass_fds=(write_end,),
    )
    os.close(write_end)  # the child holds the only writer: its exit ends the read below
    with os.fdopen(read_end, "rb") as started:
        ready, _, _ = select.select([started], [], [], 600)  # a bound, not a pause
        assert ready and started.read(1) == b"3", proc.communicate()[1]
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=600)
    with Store(store) as s:
        kept = len(s.results())
        runs = [(r["status"], r["cells_done"]) for r in s.runs()]
    assert kept == 2, err
    assert proc.returncode == 130, err
    assert "interrupted: finished cells are saved; run the same command to resume" in err
    assert "killme: 2 cells trained" in err
    assert runs == [("interrupted", 2)]


def test_the_run_log_counts_a_row_stored_just_before_an_interrupt(
    write_suite, tmp_path, monkeypatch
):
    """Ctrl-C right after a row's transaction commits, before the driver counts it: the
    row is in the store, and the summary and the run log count it."""
    from bench import execute
    from bench.suite import load_suite

    put = Store.put
    calls = []

    def put_then_interrupt(self, result, run_id=None):
        written = put(self, result, run_id)
        calls.append(result.key)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the row is committed; the driver never saw it return
        return written

    monkeypatch.setattr(Store, "put", put_then_interrupt)
    suite = load_suite(write_suite(TINY_SUITE))
    with Store(tmp_path / "s.sqlite") as store:
        summary = execute.run_suite(
            suite, store, execute.SerialExecutor(), progress=False, batched=False
        )
        stored = len(store.results())
        runs = [(r["status"], r["cells_done"]) for r in store.runs()]
    assert summary.interrupted and stored == 3
    assert summary.done == 3 and sum(summary.statuses.values()) == 3
    assert runs == [("interrupted", 3)]


def _open_store(path: str, barrier, answers) -> None:
    try:
        barrier.wait()
        with Store(path) as store:
            store.keys()
        answers.put("ok")
    except Exception as exc:  # reported to the parent, which asserts
        answers.put(repr(exc))


def test_a_store_set_up_that_finds_the_database_locked_tries_again(tmp_path, monkeypatch):
    """Switching a new file to WAL can report "database is locked" to all but one of several
    processes creating it at once (SQLite's busy handler does not wait for that lock; seen
    in CI with two runs starting together): Store retries its set-up instead of failing.
    Here the first switch is refused, as it is for the losers of that race."""
    connect, refused = sqlite3.connect, []

    class LockedOnce(sqlite3.Connection):
        def execute(self, sql, *args):
            if "journal_mode = WAL" in sql and not refused:
                refused.append(sql)
                raise sqlite3.OperationalError("database is locked")
            return super().execute(sql, *args)

    monkeypatch.setattr(sqlite3, "connect", lambda *a, **kw: connect(*a, factory=LockedOnce, **kw))
    with Store(tmp_path / "s.sqlite") as store:
        assert store.keys() == set()
    assert refused == ["PRAGMA journal_mode = WAL"]
    monkeypatch.undo()
    with Store(tmp_path / "s.sqlite", readonly=True) as reader:  # set up whole, in WAL mode
        assert reader.keys() == set() and reader.runs() == []
    db = connect(tmp_path / "s.sqlite")
    assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    db.close()


def test_many_processes_create_one_store_at_once(tmp_path):
    """Six processes open one new store together (a barrier releases them at once)."""
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    path = str(tmp_path / "s.sqlite")
    barrier, answers = ctx.Barrier(6), ctx.Queue()
    procs = [ctx.Process(target=_open_store, args=(path, barrier, answers)) for _ in range(6)]
    for p in procs:
        p.start()
    assert [answers.get(timeout=600) for _ in procs] == ["ok"] * 6
    for p in procs:
        p.join()


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
            reader.put(results[1])
        assert reader.keys() == {results[0].key}
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
    assert figures["rows stored"] == figures["cells"] == 6 * (5 + 2 * 3)
    assert figures["kills survived"] >= 1  # the run was really interrupted


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
    now = [1_000.0]  # the store's clock: a lease ends when the test says so, not after a sleep
    with Store(path, clock=lambda: now[0]) as s:
        s.put(results[0])
        keys = ["a", "b", "c", results[0].key]
        me, remote = claim_owner(), "elsewhere:123:x"
        assert s.claim(keys, me, 60) == {"a", "b", "c"}  # a stored cell is never claimed
        assert s.claim(keys, remote, 60) == set()  # held by a live run on this host
        assert s.claim(["a", "d"], me, 60) == {"a", "d"}  # an owner keeps its own
        s.release(me)
        assert s.claim(["a"], remote, 5) == {"a"}
        now[0] += 4.9
        assert s.claim(["a"], me, 60) == set()  # a remote owner: its lease still runs
        s.renew(remote, 5)  # … renewed: 5 s from now
        now[0] += 4.9
        assert s.claim(["a"], me, 60) == set()
        now[0] += 0.2
        assert s.claim(["a"], me, 60) == {"a"}  # … until it expires
        dead = subprocess.Popen([sys.executable, "-c", "pass"])
        dead.wait()
        ghost = f"{socket.gethostname()}:{dead.pid}:y"
        s.release(me)
        assert s.claim(["b"], ghost, 600) == {"b"}
        assert s.claim(["b"], me, 60) == {"b"}  # its local owner is gone: retaken at once


def test_retire_failed_moves_failed_rows_to_the_history_and_keeps_the_rest(tmp_path, results):
    ok, _, failed = results
    diverged = Result(
        tiny_cell(seed=8).key,
        tiny_cell(seed=8),
        "diverged",
        error="nan",
        started_at="t0",
        finished_at="t1",
    )
    with Store(tmp_path / "s.sqlite") as s:
        for r in (ok, failed, diverged):
            s.put(r)
        keys = [ok.key, failed.key, diverged.key, "not-stored"]
        assert s.retire_failed(keys, "2026-02-01T00:00:00+00:00") == 1
        assert s.keys() == {ok.key, diverged.key}  # the failed cell will train again
        ((when, old),) = s.history()
        assert when == "2026-02-01T00:00:00+00:00"
        assert (old.key, old.status, old.error) == (failed.key, "failed", "boom")
        assert old.cell == failed.cell and s.history(ok.key) == []
        assert s.retire_failed(keys, "later") == 0  # nothing failed is left
        assert s.put(failed)  # a second failure of the same cell, retired again: both kept
        assert s.retire_failed(keys, "again") == 1
        assert [w for w, _ in s.history(failed.key)] == ["2026-02-01T00:00:00+00:00", "again"]
    with Store(tmp_path / "s.sqlite", readonly=True) as reader:
        assert len(reader.history()) == 2


def test_retry_failed_reruns_the_failed_cells_only_and_says_how_many(
    write_suite, tmp_path, monkeypatch, capsys
):
    from bench.cli import main
    from bench.run import loop

    train = loop.train

    def tanh_fails(*args, **kwargs):  # tanh cells fail, selu cells diverge: both are stored
        out = []
        for r in train(*args, **kwargs):
            if r.cell.activation == "tanh":
                r = Result(
                    r.key,
                    r.cell,
                    "failed",
                    error="RuntimeError: flaky",
                    started_at=r.started_at,
                    finished_at=r.finished_at,
                )
            elif r.cell.activation == "selu":
                r.status, r.error = "diverged", "non-finite loss (nan) at epoch 1, batch 0"
            out.append(r)
        return out

    suite, path = str(write_suite(TINY_SUITE)), tmp_path / "r.sqlite"
    monkeypatch.setattr(loop, "train", tanh_fails)
    assert main(["run", suite, "--store", str(path), "--no-progress"]) == 0
    monkeypatch.setattr(loop, "train", train)
    with Store(path) as s:
        before = {r.key: r for r in s.results()}
    assert sorted(r.status for r in before.values()).count("failed") == 4
    capsys.readouterr()
    assert (
        main(
            ["run", suite, "--store", str(path), "--no-progress", "--dry-run", "--retry", "failed"]
        )
        == 0
    )
    assert "8 stored, 4 to run" in capsys.readouterr().out
    assert main(["run", suite, "--store", str(path), "--no-progress", "--retry", "failed"]) == 0
    err = capsys.readouterr().err
    assert "4 cells trained (4 ok), 8 already stored, 4 failed cells retried" in err
    with Store(path) as s:
        after = {r.key: r for r in s.results()}
        history = s.history()
        runs = [(r["status"], r["cells_done"]) for r in s.runs()]
    assert after.keys() == before.keys()
    for key, r in after.items():
        if before[key].status == "failed":
            assert r.status == "ok" and r.cell.activation == "tanh"
        else:  # ok and diverged rows are untouched
            assert (r.status, r.finished_at) == (before[key].status, before[key].finished_at)
    assert sorted(old.key for _, old in history) == sorted(
        k for k, r in before.items() if r.status == "failed"
    )
    assert runs == [("finished", 12), ("finished", 4)]
    assert main(["run", suite, "--store", str(path), "--no-progress", "--retry", "failed"]) == 0
    assert "0 cells trained (nothing), 12 already stored, 0 failed cells retried" in (
        capsys.readouterr().err
    )
