"""A diverged run's epoch as a stored field, and the upgrade of a store of the first layout
(version 1: the epoch only in the error text, the leases in a table named ``claims``)."""

from __future__ import annotations

import csv
import json
import sqlite3

import pytest

from bench import train
from bench.records import ModelSpec, Result, TrainSpec
from bench.store import STORE_VERSION, Store
from bench.store.tables import SCHEMA
from tests.conftest import tiny_cell

# the first layout, as a version-1 harness created it
SCHEMA_V1 = SCHEMA.replace(",\n    diverged_epoch INTEGER", "").replace("leases", "claims")
T0, T1 = "2026-01-01T00:00:00+00:00", "2026-01-01T00:00:01+00:00"


@pytest.fixture(scope="module")
def diverged() -> Result:
    """A cell that blows up in its first epoch (SGD at a huge learning rate)."""
    cell = tiny_cell(
        activation="identity",
        init="naive_normal",
        model=ModelSpec("mlp", 4, 32),
        train=TrainSpec(optimizer="sgd", lr=10.0, epochs=3, batch_size=16),
    )
    return train.run(cell)


def test_a_diverged_run_stores_its_epoch(tmp_path, diverged):
    assert diverged.status == "diverged"
    assert diverged.error.startswith("non-finite loss (nan) at epoch 1, batch ")
    assert diverged.diverged_epoch == 1 and diverged.metrics["epochs_run"] == 0
    ok = train.run(tiny_cell())
    assert ok.status == "ok" and ok.diverged_epoch is None
    path = tmp_path / "s.sqlite"
    with Store(path) as store:
        store.put(diverged)
        store.put(ok)
    with Store(path, readonly=True) as store:
        assert store.get(diverged.key).diverged_epoch == 1
        assert store.get(ok.key).diverged_epoch is None
        frame = store.frame().set_index("key")
        store.export(tmp_path / "s.csv", "csv")
        store.export(tmp_path / "s.json", "json")
    assert str(frame["diverged_epoch"].dtype) == "Int64"
    assert frame.at[diverged.key, "diverged_epoch"] == 1
    assert frame["diverged_epoch"].isna().tolist() == [k == ok.key for k in frame.index]
    with open(tmp_path / "s.csv", newline="") as f:
        reader = csv.DictReader(f)
        assert reader.fieldnames[:4] == ["key", "status", "error", "diverged_epoch"]
        written = {row["key"]: row["diverged_epoch"] for row in reader}
    assert written == {diverged.key: "1", ok.key: ""}
    exported = {r["key"]: r for r in json.loads((tmp_path / "s.json").read_text())}
    assert exported[diverged.key]["diverged_epoch"] == 1
    assert exported[ok.key]["diverged_epoch"] is None


def _old_store(path, rows) -> None:
    """A version-1 store holding ``rows`` (Results) and one lease, written as that harness
    wrote them: no ``diverged_epoch`` column."""
    db = sqlite3.connect(path)
    db.executescript(SCHEMA_V1)
    db.execute("INSERT INTO meta VALUES ('store_version', '1')")
    for r in rows:
        c = r.cell
        cell = json.dumps(c.to_dict())
        db.execute(
            "INSERT INTO results VALUES (?, 3, ?, ?, ?, ?, ?, ?, ?, '{}', '{}', '[]', '{}', ?, ?)",
            (r.key, c.dataset, c.activation, c.init, c.seed, r.status, r.error, cell, T0, T1),
        )
    db.execute("INSERT INTO claims VALUES ('k', 'elsewhere:1:x', 1e12)")
    db.commit()
    db.close()


def _row(seed: int, status: str, error: str | None = None) -> Result:
    return Result(tiny_cell(seed=seed).key, tiny_cell(seed=seed), status, error)


OLD_ROWS = [
    _row(0, "ok"),
    _row(1, "diverged", "non-finite loss (nan) at epoch 3, batch 2"),
    _row(2, "diverged", "non-finite val loss after epoch 2"),
    _row(3, "failed", "RuntimeError: epoch 7"),
]
EPOCHS = [None, 3, 2, None]  # a failed row keeps None, whatever its text says


def test_a_reader_reads_an_old_store_as_it_is(tmp_path):
    path = tmp_path / "old.sqlite"
    _old_store(path, OLD_ROWS)
    with Store(path, readonly=True) as store:
        assert [store.get(r.key).diverged_epoch for r in OLD_ROWS] == EPOCHS
        frame = store.frame().set_index("key")
    assert frame.loc[[r.key for r in OLD_ROWS], "diverged_epoch"].tolist()[1:3] == [3, 2]
    db = sqlite3.connect(path)  # and nothing was written
    assert db.execute("SELECT value FROM meta WHERE name='store_version'").fetchone() == ("1",)
    assert "diverged_epoch" not in {c[1] for c in db.execute("PRAGMA table_info(results)")}


def test_a_writer_upgrades_an_old_store_once(tmp_path):
    path = tmp_path / "old.sqlite"
    _old_store(path, OLD_ROWS)
    with Store(path, clock=lambda: 100.0) as store:
        assert [store.get(r.key).diverged_epoch for r in OLD_ROWS] == EPOCHS
        assert store.claim(["k", "free"], "me:1:y", 60) == {"free"}  # the old lease holds
        assert store.retire_failed([OLD_ROWS[3].key], "later") == 1  # history: by name
        ((when, old),) = store.history()
        assert (when, old.key, old.error) == ("later", OLD_ROWS[3].key, "RuntimeError: epoch 7")
    db = sqlite3.connect(path)
    tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "leases" in tables and "claims" not in tables
    assert db.execute("SELECT value FROM meta WHERE name='store_version'").fetchone() == (
        str(STORE_VERSION),
    )
    stored = dict(db.execute("SELECT key, diverged_epoch FROM results"))
    assert [stored.get(r.key) for r in OLD_ROWS[:3]] == EPOCHS[:3]
    db.execute("UPDATE results SET diverged_epoch = 9 WHERE diverged_epoch = 3")
    db.commit()
    db.close()
    with Store(path) as store:  # upgraded once: the field is read, never the text again
        assert store.get(OLD_ROWS[1].key).diverged_epoch == 9
