"""The package's shape, as docs/design.md draws it: no import cycle (imports inside functions
and through importlib counted too), no module over 450 lines, every statistical test in
``bench/scoring/`` (no statistics library imported anywhere else), claims that never import
one another, claims that never train (no torch, no training-side module: their exact checks
are measured in ``bench/checks.py``), a report package that formats and never computes (no
statistics library imported, at all or at run time), and one ranking that the report,
``bench.api.ranking`` and ``bench quick`` all print."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench import api
from bench.report import quick
from tests.golden import load_fixture, render_frame

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "bench"
MAX_LINES = 450
STATISTICS = ("scipy", "statsmodels", "scikit_posthocs", "baycomp", "sklearn")
TESTS = ("scipy", "statsmodels", "baycomp", "scikit_posthocs")  # what runs a statistical test
DRAWS = {"bench.plots": {"scikit_posthocs"}}  # the critical-difference diagram, drawn only
CLAIM = re.compile(r"bench\.claims\.c\d\d_\w+")


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_module(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _imports(name: str, path: Path) -> set[str]:
    """Every bench module ``name`` imports: at the top, inside functions, or by
    ``importlib.import_module`` (a constant, or the claims registry's discovery of its
    ``cNN_*`` modules); imports for type checkers only never run and do not count."""
    tree = ast.parse(path.read_text())
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    typing_only = {
        id(inner)
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for inner in ast.walk(node)
    }
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in typing_only:
            continue
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against the package
                parent = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                base = f"{parent}.{base}" if base else parent
            for a in node.names:
                found.add(f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base)
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") == "import_module":
            arg = node.args[0] if node.args else None
            if isinstance(arg, ast.Constant):
                found.add(arg.value)
            elif isinstance(arg, ast.JoinedStr):  # f"{__name__}.{info.name}": discovery
                found.update(m for m in MODULES if re.fullmatch(rf"{package}\.c\d\d_\w+", m))
    return {m for m in found if m in MODULES and m != name}


def test_no_import_cycle():
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    assert graph["bench.claims"] >= {"bench.claims.c15_ranking"}  # discovery is seen
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = [*stack[stack.index(nxt) :], nxt]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        stack.pop()
        state[node] = 2

    for name in sorted(graph):
        if name not in state:
            visit(name)


REGISTRIES = ("bench.activations", "bench.initializers", "bench.models", "bench.data")


def _reach(graph: dict[str, set[str]], start: str) -> set[str]:
    """Every module ``start`` imports, directly or through others."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in graph[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_run_sits_above_the_registries():
    """No module under ``bench.run`` imports a registry that imports ``bench.run`` (directly
    or through others): the registries sit below the training loop."""
    graph = {name: _imports(name, path) for name, path in MODULES.items()}
    in_run = sorted(m for m in MODULES if m == "bench.run" or m.startswith("bench.run."))
    registries = {m for m in MODULES if m.startswith(REGISTRIES)}
    assert "bench.run.loop" in in_run and "bench.activations" in registries
    assert {"bench.activations", "bench.models"} <= graph["bench.run.loop"]
    assert "bench.data" in graph["bench.run.inputs"]  # a unit's splits, loaded for the loop
    for name in in_run:
        for registry in sorted(graph[name] & registries):
            up = sorted(_reach(graph, registry) & set(in_run))
            assert not up, f"{name} imports {registry}, which imports {up}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_no_module_is_over_450_lines(name):
    lines = MODULES[name].read_text().count("\n")
    assert lines <= MAX_LINES, f"{MODULES[name]}: {lines} lines; split it by job"


def _libraries(path: Path) -> set[str]:
    """The top-level packages a module imports, anywhere in it (inside functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            found.add((node.module or "").split(".")[0])
    return found


@pytest.mark.parametrize("name", sorted(m for m in MODULES if not m.startswith("bench.scoring")))
def test_statistical_tests_live_in_scoring(name):
    """scipy, statsmodels and baycomp are imported under bench/scoring/ only (plots.py may
    draw scikit-posthocs' critical-difference diagram): a claim or a report that needs a
    test calls scoring."""
    bad = (_libraries(MODULES[name]) & set(TESTS)) - DRAWS.get(name, set())
    assert not bad, f"{name} imports {sorted(bad)}: put the test in bench/scoring/"


def test_the_layout_scan_sees_statistics_and_claims():
    assert "scipy" in _libraries(MODULES["bench.scoring.stats"])
    assert "scikit_posthocs" in _libraries(MODULES["bench.plots"])  # imported in a function
    claims = [m for m in MODULES if CLAIM.fullmatch(m)]
    assert len(claims) == 18


@pytest.mark.parametrize("name", sorted(m for m in MODULES if CLAIM.fullmatch(m)))
def test_claims_do_not_import_each_other(name):
    """What two claims share lives in bench/scoring/ or bench/claims/measures.py."""
    others = {m for m in _imports(name, MODULES[name]) if CLAIM.fullmatch(m)}
    assert not others, f"{name} imports {sorted(others)}"


# the training side: what measures and trains (the claims' exact checks are bench.checks)
TRAINING = ("bench.run", "bench.models", "bench.execute", "bench.train", "bench.checks")
IN_CLAIMS = sorted(m for m in MODULES if m == "bench.claims" or m.startswith("bench.claims."))


def _training(imported: set[str]) -> set[str]:
    return {m for m in imported if any(m == t or m.startswith(f"{t}.") for t in TRAINING)}


def test_the_scan_sees_the_training_side():
    """The checks' module is what the claims must not be: it imports torch and trains."""
    assert "torch" in _libraries(MODULES["bench.checks"])
    assert {"bench.models", "bench.claims.c01_linear"} <= _imports(
        "bench.checks", MODULES["bench.checks"]
    )
    assert _training({"bench.run.loop", "bench.models", "bench.execute", "bench.runner"}) == {
        "bench.run.loop",
        "bench.models",
        "bench.execute",
    }


@pytest.mark.parametrize("name", IN_CLAIMS)
def test_claims_measure_and_judge_and_never_train(name):
    """No module under bench/claims/ imports torch or the training side (bench.run,
    bench.models, bench.execute, bench.train, bench.checks), at the top or inside a
    function: the claims judge stored results and stored exact-check payloads."""
    assert "torch" not in _libraries(MODULES[name]), f"{name} imports torch"
    bad = _training(_imports(name, MODULES[name]))
    assert not bad, f"{name} imports {sorted(bad)}: measuring belongs in bench/checks.py"


def test_importing_every_claim_loads_no_torch():
    code = (
        "import importlib, pkgutil, sys\n"
        "import bench.claims as claims\n"
        "for m in pkgutil.iter_modules(claims.__path__):\n"
        "    importlib.import_module(f'bench.claims.{m.name}')\n"
        "assert len(claims.REGISTRY) == 18\n"
        "sys.exit(1 if 'torch' in sys.modules else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("name", sorted(m for m in MODULES if m.startswith("bench.report")))
def test_report_modules_import_no_statistics(name):
    tree = ast.parse(MODULES[name].read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""]
        else:
            continue
        for imported in names:
            assert imported.split(".")[0] not in STATISTICS, f"{name} imports {imported}"
            # the scoring modules that run tests; the headline record is read, not computed
            computing = ("bench.scoring.stats", "bench.scoring.paired", "bench.scoring.ranks")
            assert imported not in computing, f"{name} imports {imported}"


def test_formatting_a_report_loads_no_statistics_library():
    code = (
        "import sys\n"
        "import bench.report, bench.report.default, bench.report.sections, bench.report.claims\n"
        "import bench.report.compare, bench.report.quick, bench.report.speed, bench.report.doc\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {STATISTICS!r})\n"
        "print(bad)\n"
        "sys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _ranking_rows(text: str) -> list[tuple[str, str]]:
    """(activation, avg rank) of the report's overall ranking table."""
    table = text.split("## Overall ranking")[1].split("\n\n")[1]
    rows = [line.split("|") for line in table.splitlines()[2:]]
    return [(r[2].strip().strip("`"), r[3].strip()) for r in rows]


def test_report_api_ranking_and_quick_table_agree_on_the_golden_store(tmp_path):
    with load_fixture(tmp_path / "g.sqlite") as store:
        frame = store.frame("golden", series=True)
    text, _ = render_frame(frame)
    report_rows = _ranking_rows(text)
    ranked = api.ranking(frame)
    api_rows = [(a, f"{r:.2f}") for a, r in zip(ranked["activation"], ranked["avg_rank"])]
    assert (
        api_rows
        == report_rows
        == [("relu", "1.42"), ("elu", "2.00"), ("selu", "2.58"), ("sigmoid", "4.00")]
    )
    fr = ranked.attrs["friedman"]
    assert f"χ² = {fr['statistic']:.2f}, p = {fr['pvalue']:.3f}" in text  # 13.47, 0.004
    doc = {
        "grid": {"dataset": ["moons", "wine"], "train.lr": [0.01, 0.3]},
        "model": {"kind": "mlp", "depth": 3, "width": 16},
        "train": {"epochs": 4, "optimizer": "sgd"},
    }
    table = quick.table(ranked, doc, "golden", 3).splitlines()
    rows = table[table.index(next(x for x in table if x.startswith("---"))) + 1 :][:4]
    quick_rows = [(line.split()[1], line.split()[5]) for line in rows]  # name, mean rank
    assert quick_rows == report_rows
    assert f"chi2 = {fr['statistic']:.2f}, p = {fr['pvalue']:.3f}" in "\n".join(table)
