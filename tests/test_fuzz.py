"""Fuzzed suite files (hypothesis): every bad file is refused before anything trains, with
exit status 2 and one line naming the file (and the field), never a traceback.

``make test`` runs a few dozen examples; ``make torture`` runs ``BENCH_FUZZ_EXAMPLES``
(default there 1000).
"""

from __future__ import annotations

import os
import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bench import data
from bench.cli import main

EXAMPLES = int(os.environ.get("BENCH_FUZZ_EXAMPLES", "25"))

BASE = {  # a valid suite, as TOML lines per table; each example breaks it one way
    "": ['dataset = "wine"', 'init = "matched"'],
    "suite": ['name = "fuzz"', "seeds = [0, 1]"],
    "grid": ['activation = ["relu", "tanh"]', '"train.lr" = [0.01, 0.001]'],
    "model": ["depth = 2", "width = 8"],
    "train": ["epochs = 1", "batch_size = 32"],
}
BAD_NUMBERS = ["0", "-1", "-0.5", "nan", "inf", "-inf", "1e400", '"ten"', "true", "[]", "{}"]
KNOWN = {"suite", "grid", "model", "train", "data", "exclude", "dataset", "activation", "init"}
NAME = st.text(alphabet=string.ascii_lowercase + "_", min_size=1, max_size=12)


def _toml(tables: dict[str, list[str]]) -> str:
    out = list(tables.get("", []))
    for table, lines in tables.items():
        if table:
            out += [f"[{table}]", *lines]
    return "\n".join(out) + "\n"


@st.composite
def bad_suites(draw, tmp: Path) -> tuple[bytes, str]:
    """(file contents, a piece of the expected message)."""
    tables = {k: list(v) for k, v in BASE.items()}
    kind = draw(
        st.sampled_from(
            [
                "number",
                "lr",
                "type",
                "unknown_key",
                "unknown_table_key",
                "duplicate",
                "utf8",
                "empty_axis",
                "huge",
                "dataset",
                "missing_csv",
                "bad_csv",
                "exclude_all",
            ]
        )
    )
    expect = ""
    if kind == "number":
        field = draw(st.sampled_from(["depth", "width"]))
        # depth 0 is valid (logistic regression): only width is refused at 0
        bad = [v for v in BAD_NUMBERS if not (field == "depth" and v in ("0", "0.0"))]
        value = draw(st.sampled_from(bad))
        tables["model"] = [line for line in tables["model"] if not line.startswith(field)]
        tables["model"].append(f"{field} = {value}")
        expect = f"model.{field}"
    elif kind == "lr":
        value = draw(st.sampled_from(BAD_NUMBERS))
        tables["grid"][1] = f'"train.lr" = [0.01, {value}]'
        expect = "train.lr"
    elif kind == "type":
        field, value = draw(
            st.sampled_from(
                [
                    ("epochs", "1.5"),
                    ("epochs", '"1"'),
                    ("batch_size", "nan"),
                    ("batch_size", "[32]"),
                    ("probe", '"yes"'),
                    ("optimizer", "1"),
                    ("momentum", '"0.9"'),
                ]
            )
        )
        tables["train"] = [line for line in tables["train"] if not line.startswith(field)]
        tables["train"].append(f"{field} = {value}")
        expect = f"train.{field}"
    elif kind == "unknown_key":
        key = draw(NAME.filter(lambda k: k not in KNOWN))
        tables[""].append(f"{key} = 1")
        expect = key
    elif kind == "unknown_table_key":
        table = draw(st.sampled_from(["model", "train", "suite"]))
        key = draw(
            NAME.filter(
                lambda k: (
                    k
                    not in {
                        "kind",
                        "depth",
                        "width",
                        "optimizer",
                        "lr",
                        "momentum",
                        "weight_decay",
                        "epochs",
                        "batch_size",
                        "probe",
                        "name",
                        "description",
                        "seeds",
                    }
                )
            )
        )
        tables[table].append(f"{key} = 1")
        expect = f"{table}.{key}"
    elif kind == "duplicate":
        table = draw(st.sampled_from(["", "model", "train"]))
        tables[table].append(tables[table][0])
        expect = "not valid TOML"
    elif kind == "exclude_all":
        tables[""].append("")
        text = _toml(tables) + '[[exclude]]\ndataset = "wine"\n'
        return text.encode(), "exclude"
    elif kind == "empty_axis":
        tables["grid"][0] = "activation = []"
        expect = "grid.activation"
    elif kind == "huge":
        n = draw(st.integers(min_value=300, max_value=2000))
        tables["grid"].append('"model.width" = [' + ", ".join(str(i) for i in range(1, n)) + "]")
        tables["model"] = ["depth = 2"]
        tables["grid"].append('"train.batch_size" = [8, 16, 32, 64, 128, 256, 512, 1024]')
        tables["train"] = ["epochs = 1"]
        tables["suite"][1] = "seeds = [0, 1, 2, 3, 4, 5, 6, 7]"
        expect = "--max-cells"
    elif kind == "dataset":
        name = draw(NAME.filter(lambda n: n not in data.REGISTRY))
        tables[""][0] = f'dataset = "{name}"'
        expect = "unknown dataset"
    elif kind == "missing_csv":
        tables[""][0] = f'dataset = "csv:{tmp}/no_such_{draw(NAME)}.csv"'
        expect = "no such file"
    elif kind == "bad_csv":
        body = draw(
            st.sampled_from(
                [
                    "a,b,label\n1,2,x\n3,oops,y\n",
                    "a,b,label\n1,,x\n3,4,y\n",
                    "a,label\n1,x\n2,x\n3,x\n",
                    "",
                    "a,b,label\n",
                    'a,"b\n1,2',
                ]
            )
        )
        path = tmp / f"t{draw(st.integers(0, 10**9))}.csv"
        path.write_text(body)
        tables[""][0] = f'dataset = "csv:{path}"'
        expect = "dataset"
    text = _toml(tables).encode()
    if kind == "utf8":
        byte = draw(st.integers(min_value=0x80, max_value=0xFF))
        text = b"# " + bytes([byte]) + b"\n" + text
        expect = "not UTF-8"
    return text, expect


def test_bad_suite_files_are_refused_cleanly(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("fuzz")

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow],
    )
    @given(bad_suites(tmp))
    def check(case: tuple[bytes, str]) -> None:
        text, expect = case
        path = tmp / "suite.toml"
        path.write_bytes(text)
        store = tmp / "never.sqlite"
        store.unlink(missing_ok=True)
        import contextlib
        import io

        err = io.StringIO()
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            code = main(["run", str(path), "--store", str(store), "--no-progress"])
        message = err.getvalue()
        assert code == 2, message
        assert message.count("\n") == 1 and "Traceback" not in message, message
        assert str(path) in message and expect in message, message
        assert not store.exists()

    check()
