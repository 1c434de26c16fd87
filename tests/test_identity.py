"""A result is a function of its key: the same bit for bit whatever the batching.

The same cells are trained alone (the one-at-a-time path) and in stacks of K = 2, 5 and
16, on mlp, resmlp and cnn, with RReLU and PReLU (one slope per layer, and one per unit)
among the activations and, in some cases, a member that diverges mid-run in the middle of
its stack and is dropped; every untimed field must be equal bit for bit. So are cells
whose split seeds differ, trained in one stack (each member on its own split) and alone.
Then whole runs through the CLI: ``--max-members`` 16, 5 and 2, ``--no-batch``, and a
resume that fills a store in other stacks.
"""

from __future__ import annotations

import dataclasses
import math

import pytest
import torch

from bench import data, execute
from bench.cli import main
from bench.records import Cell, DataSpec, ModelSpec, TrainSpec
from bench.run import loop
from bench.store import Store
from tests.conftest import tiny_cell
from tests.results import assert_same_results

INITS = ("matched", "glorot_uniform", "lecun_normal", "torch_default")
WILD = 7  # this member starts from N(0, 1) weights and, where the case says so, diverges

# kind, data set, training share, width, activation, optimizer, learning rates, diverges
CASES = [
    ("mlp", "wine", 1.0, 8, "prelu", "sgd", (0.1, 0.3), True),
    ("mlp", "wine", 1.0, 7, "selu", "adam", (1e-2, 3e-2), False),
    ("resmlp", "moons", 0.5, 8, "rrelu", "adam", (1e-2, 3e-2), False),
    ("resmlp", "moons", 0.5, 8, "identity", "sgd", (0.1, 0.3), True),
    ("cnn", "digits", 0.1, 3, "rrelu", "sgd", (0.1, 0.3), True),
    ("cnn", "digits", 0.1, 3, "gelu", "adam", (1e-2, 3e-2), False),
    ("mlp", "wine", 1.0, 8, "prelu_channel", "sgd", (0.1, 0.3), True),  # a slope per unit
    ("cnn", "digits", 0.1, 3, "prelu_channel", "adam", (1e-2, 3e-2), False),
]
# the same, then model.norm, model.dropout, model.dropout_kind: batch norms whose last step
# has fewer real rows than padded ones, layer norms, both dropouts
NORM_CASES = [
    ("mlp", "wine", 1.0, 7, "selu", "adam", (1e-2, 3e-2), False, "batch", 0.1, "alpha"),
    ("mlp", "wine", 1.0, 8, "prelu", "sgd", (0.1, 0.3), False, "layer", 0.2, "standard"),
    ("resmlp", "moons", 0.5, 8, "rrelu", "adam", (1e-2, 3e-2), False, "batch", 0.1, "standard"),
    ("resmlp", "moons", 0.5, 5, "elu", "adam", (1e-2, 3e-2), False, "layer", 0.0, "standard"),
    ("cnn", "digits", 0.1, 3, "gelu", "adam", (1e-2, 3e-2), False, "batch", 0.1, "alpha"),
    ("cnn", "digits", 0.1, 3, "relu", "sgd", (0.1, 0.3), False, "layer", 0.1, "standard"),
]


def _cells(
    kind,
    dataset,
    share,
    width,
    activation,
    optimizer,
    lrs,
    diverges,
    norm="none",
    dropout=0.0,
    dropout_kind="standard",
) -> list[Cell]:
    """16 cells that may share a stack: they differ in seed, initializer, learning rate."""
    out = []
    for seed in range(16):
        wild = seed == WILD
        lr = max(lrs) if wild else lrs[seed % 2]
        momentum = 0.9 if optimizer == "sgd" else 0.0
        out.append(
            Cell(
                dataset,
                activation,
                "naive_normal" if wild else INITS[seed % 4],
                seed,
                ModelSpec(kind, 2, width, norm, dropout, dropout_kind),
                TrainSpec(optimizer, lr, momentum, 0.0, 3, 32, probe_every=2),
                DataSpec(train_size=share),
            )
        )
    return out


@pytest.mark.parametrize(
    "case", CASES + NORM_CASES, ids=lambda c: "-".join(map(str, c[:1] + c[4:5] + c[8:]))
)
def test_a_cell_is_the_same_bit_for_bit_alone_and_in_stacks_of_2_5_16(case):
    cells = _cells(*case)
    alone = {c.key: loop.train([c])[0] for c in cells}
    assert {r.env["members"] for r in alone.values()} == {1}
    statuses = {c.seed: alone[c.key].status for c in cells}
    diverged = {s for s, status in statuses.items() if status == "diverged"}
    if case[7]:  # the wild member diverges mid-run, the others train on
        assert diverged == {WILD}, statuses
        wild = alone[cells[WILD].key]
        assert wild.error.startswith("non-finite") and wild.metrics["epochs_run"] >= 1
    else:
        assert not diverged, statuses
    for k in (2, 5, 16):
        for start in range(0, len(cells), k):
            stack = cells[start : start + k]
            for r in loop.train(stack):
                assert r.env["members"] == len(stack)
                assert_same_results(alone[r.key], r)


@pytest.mark.parametrize("case", [CASES[0], CASES[2], CASES[4]], ids=lambda c: f"{c[0]}-{c[4]}")
def test_cells_on_different_splits_store_in_one_stack_what_they_store_alone(case):
    """Members whose split seeds differ share a stack (one unit), each gathering its
    batches from, and evaluated and probed on, its own split: each stores exactly what it
    stores trained alone (the wild member diverging among them where the case says so)."""
    cells = [
        dataclasses.replace(c, data=dataclasses.replace(c.data, split_seed=c.seed % 3))
        for c in _cells(*case)[:8]
    ]
    assert len(execute.plan(cells).units) == 1
    stacked = loop.train(cells)
    assert {r.env["members"] for r in stacked} == {8}
    for r in stacked:
        assert_same_results(loop.train([r.cell])[0], r)
    on_split_0 = loop.train([dataclasses.replace(cells[1], data=cells[0].data)])[0]
    assert on_split_0.metrics["test_loss"] != stacked[1].metrics["test_loss"]  # splits differ


def test_splits_of_other_sizes_train_in_stacks_of_their_own(tmp_path):
    """A table's one-hot columns follow the categories its training split holds: a
    category in one row gives splits of two widths. Their members train in two stacks of
    one unit, each storing what it stores alone."""
    rows = ["x,colour,label"] + [f"{i % 7 / 7},{'ab'[i % 2]},{'pq'[i // 2 % 2]}" for i in range(39)]
    path = tmp_path / "t.csv"
    path.write_text("\n".join([*rows, "0.5,c,p"]) + "\n")  # one row coloured c
    base = tiny_cell(dataset=f"csv:{path}")
    widths = {s: data.load(base.dataset, s).n_features for s in (0, 1, 2, 4)}
    assert sorted(widths.values()) == [3, 3, 4, 4]  # c in training (4 columns) or not (3)
    cells = [dataclasses.replace(base, seed=s, data=DataSpec(split_seed=s)) for s in widths]
    assert len(execute.plan(cells).units) == 1
    together = loop.train(cells)
    assert [r.env["members"] for r in together] == [2, 2, 2, 2]
    for r in together:
        assert r.status == "ok" and r.metrics["n_params"] == 8 * (widths[r.cell.seed] + 1) + 90
        assert_same_results(loop.train([r.cell])[0], r)


def test_the_comparison_is_bit_for_bit():
    """The helper fails on one unit in the last place, and on the sign of a zero."""
    (r,) = loop.train([_cells(*CASES[1])[0]])
    for change in (
        lambda m: m.update(test_loss=math.nextafter(m["test_loss"], math.inf)),
        lambda m: m.update(dead_final=-m["dead_final"] if m["dead_final"] == 0 else 0.0),
    ):
        other = dataclasses.replace(r, metrics=dict(r.metrics))
        change(other.metrics)
        with pytest.raises(AssertionError, match="not bit for bit"):
            assert_same_results(r, other)
    assert_same_results(r, dataclasses.replace(r))


SUITE = """
    dataset = "wine"
    [suite]
    name = "ident"
    seeds = [0, 1, 2, 3]
    [grid]
    activation = ["rrelu", "prelu"]
    init = ["matched", "glorot_uniform"]
    "train.lr" = [1e-2, 3e-2]
    [model]
    depth = 2
    width = 8
    [train]
    epochs = 2
    batch_size = 32
    probe_every = "log"
"""  # each seed draws its own split (four splits); the seeds stack together (up to 16)


def _stored(path) -> dict:
    with Store(path, readonly=True) as s:
        return {r.key: r for r in s.results("ident")}


def test_max_members_no_batch_and_a_resume_store_the_same_bits(write_suite, tmp_path):
    suite = str(write_suite(SUITE))
    stores = {}
    for name, extra in [
        ("16", ["--max-members", "16"]),
        ("5", ["--max-members", "5"]),
        ("2", ["--max-members", "2"]),
        ("alone", ["--no-batch"]),
    ]:
        stores[name] = tmp_path / f"{name}.sqlite"
        assert main(["run", suite, "--store", str(stores[name]), "--no-progress", *extra]) == 0
    # a resume: half the cells stored one at a time, the rest trained in stacks of 3
    first = str(write_suite(SUITE.replace("seeds = [0, 1, 2, 3]", "seeds = [0, 2]"), "half.toml"))
    stores["resumed"] = tmp_path / "resumed.sqlite"
    assert (
        main(["run", first, "--store", str(stores["resumed"]), "--no-progress", "--no-batch"]) == 0
    )
    assert (
        main(
            ["run", suite, "--store", str(stores["resumed"]), "--no-progress", "--max-members", "3"]
        )
        == 0
    )
    reference = _stored(stores["16"])
    assert len(reference) == 32
    assert {r.env["members"] for r in reference.values()} == {16}
    for name, path in stores.items():
        results = _stored(path)
        assert results.keys() == reference.keys(), name
        for key, r in results.items():
            assert_same_results(reference[key], r)
    members = {r.env["members"] for r in _stored(stores["resumed"]).values()}
    assert members == {1, 3, 2}  # 16 stored alone; per activation 8 left, in stacks 3, 3, 2


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_is_deterministic_and_agrees_across_stacks():
    """On a GPU, with deterministic algorithms: the same stack gives the same bits twice;
    stacks of other sizes agree within round-off (cuBLAS may choose kernels by batch
    size, so bit-identity across K is not promised there; see docs/running.md)."""
    cells = [dataclasses.replace(c, device="cuda") for c in _cells(*CASES[2])][:5]
    once, twice = loop.train(cells, "cuda"), loop.train(cells, "cuda")
    for a, b in zip(once, twice):
        assert_same_results(a, b)
    for c, b in zip(cells, once):
        assert_same_results(loop.train([c], "cuda")[0], b, atol=1e-4)


def test_training_runs_on_one_thread_whatever_the_callers_setting():
    """Several intra-op threads split kernels at boundaries that depend on a tensor's total
    size; the loop trains on one (the local and dask workers always did) and restores the
    caller's setting."""
    cell = _cells(*CASES[1])[0]
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        (two,) = loop.train([cell])
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)
    (one,) = loop.train([cell])
    assert two.env["threads"] == one.env["threads"] == 1
    assert_same_results(one, two)
