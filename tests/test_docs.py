"""Docs that cannot go stale (issue 26, item 7): every relative link and ``#anchor`` of the
README and ``docs/*.md`` resolves, every section a page names in words (``reference.md,
"Columns"``) is a heading of that page, and every fenced example marked ``<!-- checked -->``
runs and prints what the page shows.

A checked example is either a ``text`` (or ``sh``) block of ``$ python -m bench …`` lines,
each followed by its output (run here in process, in an empty folder that sees ``suites/``,
with a terminal 80 columns wide), or a ``python`` block followed by a ``text`` block: the
checked ``python`` blocks of a page run in order in one fresh interpreter, as notebook cells
(the last expression's value is shown; an exception as ``Type: message``). Mark only cheap
examples: the whole file runs in seconds."""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import main

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
MARK = "<!-- checked -->"
_FENCE = re.compile(r"^```.*?^```", re.S | re.M)
_LINK = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(([^)\s]+)\)")
_NAMED = re.compile(r"\b(README|[\w-]+\.md)\]?(?:\([^)]*\))?,? \"([^\"]+)\"")
_CHECKED = re.compile(
    re.escape(MARK) + r"\n```(python|sh|text)\n(.*?)```(?:\n+```text\n(.*?)```)?", re.S
)


def _prose(path: Path) -> str:
    """The page without its fenced blocks and inline code (links there are examples)."""
    return re.sub(r"`[^`\n]*`", "", _FENCE.sub("", path.read_text()))


def _slug(heading: str) -> str:
    """GitHub's anchor for a heading: link markup and code ticks dropped, lower case,
    punctuation removed (letters, digits, ``_``, ``-`` and spaces kept), spaces → ``-``."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).replace("`", "").strip().lower()
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


def _headings(path: Path) -> list[str]:
    return re.findall(r"^#{1,6}\s+(.*?)\s*$", _FENCE.sub("", path.read_text()), flags=re.M)


def _anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in _headings(path):
        slug = _slug(heading)
        out.add(slug if slug not in seen else f"{slug}-{seen[slug]}")
        seen[slug] = seen.get(slug, 0) + 1
    return out


def test_the_slug_is_githubs():
    assert _slug("Quick comparisons: `bench quick` and `bench compare`") == (
        "quick-comparisons-bench-quick-and-bench-compare"
    )
    assert _slug("C13. ELU: centred, alive — quick") == "c13-elu-centred-alive--quick"
    assert _slug("Activation × initializer") == "activation--initializer"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(doc):
    bad = []
    for target in _LINK.findall(_prose(doc)):
        if re.match(r"[a-z]+:", target):  # https:, mailto:
            continue
        path, _, anchor = target.partition("#")
        file = (doc.parent / path) if path else doc
        if not file.exists():
            bad.append(f"{target}: no such file")
        elif anchor and file.suffix == ".md" and anchor not in _anchors(file):
            bad.append(f"{target}: no heading gives #{anchor}")
    assert not bad, f"{doc.name}: {bad}"


@pytest.mark.parametrize("doc", DOCS, ids=lambda p: p.name)
def test_every_section_named_in_words_exists(doc):
    """``the README, "Columns"`` or ``design.md, "adding a claim"``: the quoted words begin a
    heading of that page (sections move; a sentence pointing at one must move with it)."""
    bad = []
    for page, section in _NAMED.findall(_prose(doc)):
        target = ROOT / "README.md" if page == "README" else doc.parent / page
        if not target.exists():
            target = ROOT / page
        headings = [h.replace("`", "").lower() for h in _headings(target)]
        if not any(h.startswith(section.lower()) for h in headings):
            bad.append(f'{page}, "{section}"')
    assert not bad, f"{doc.name}: {bad}"


def _checked() -> list[tuple[Path, str, str, str]]:
    """(page, language, code, expected output) of every marked example, in page order."""
    found = []
    for doc in DOCS:
        for lang, code, shown in _CHECKED.findall(doc.read_text()):
            found.append((doc, lang, code, shown))
    return found


def test_the_docs_have_checked_examples():
    pages = {doc.name for doc, *_ in _checked()}
    assert {"notebook.md", "reference.md"} <= pages
    assert len(_checked()) >= 4  # blocks; the terminal one holds three commands


def _terminal(code: str) -> list[tuple[str, str]]:
    """(command, the output shown after it) for each ``$ `` line of a block."""
    out: list[tuple[str, str]] = []
    for line in code.splitlines():
        if line.startswith("$ "):
            out.append((line[2:], ""))
        else:
            assert out, f"output before any command: {line!r}"
            out[-1] = (out[-1][0], out[-1][1] + line + "\n")
    return out


def _bench(command: str) -> str:
    """One ``python -m bench …`` line run in process: stdout and stderr as a terminal
    shows them."""
    words = shlex.split(command)
    assert words[:3] == ["python", "-m", "bench"] or words[0] == "bench", command
    argv = words[3:] if words[0] == "python" else words[1:]
    buffer = io.StringIO()
    quiet = contextlib.suppress(SystemExit)  # argparse's usage errors and --help
    with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer), quiet:
        main(argv)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "page,code",
    [(d, c) for d, lang, c, _ in _checked() if lang in ("sh", "text")],
    ids=lambda x: x.name if isinstance(x, Path) else "",
)
def test_checked_terminal_examples_print_what_the_page_shows(page, code, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("COLUMNS", "80")  # argparse wraps its usage to the terminal
    (tmp_path / "suites").symlink_to(ROOT / "suites")
    for command, shown in _terminal(code):
        assert _bench(command).rstrip("\n") == shown.rstrip("\n"), f"{page.name}: $ {command}"


_CELLS = """
import ast, json, sys
cells = json.loads(sys.stdin.read())
ns = {}
for code in cells:
    tree = ast.parse(code)
    last = tree.body.pop() if tree.body and isinstance(tree.body[-1], ast.Expr) else None
    try:
        exec(compile(tree, "<cell>", "exec"), ns)
        if last is not None:
            value = eval(compile(ast.Expression(last.value), "<cell>", "eval"), ns)
            if value is not None:
                print(repr(value))
    except Exception as exc:
        print(f"{type(exc).__name__}: {exc}")
    print("\\x00", flush=True)
"""


@pytest.mark.parametrize(
    "page",
    sorted({d for d, lang, *_ in _checked() if lang == "python"}),
    ids=lambda p: p.name,
)
def test_checked_python_examples_print_what_the_page_shows(page, tmp_path):
    cells = [(code, shown) for d, lang, code, shown in _checked() if d == page and lang == "python"]
    done = subprocess.run(
        [sys.executable, "-c", _CELLS],
        input=json.dumps([c for c, _ in cells]),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr
    outputs = done.stdout.split("\x00\n")
    assert len(outputs) == len(cells) + 1 and outputs[-1] == "", done.stdout
    for (code, shown), got in zip(cells, outputs[:-1], strict=True):
        assert got.rstrip("\n") == shown.rstrip("\n"), f"{page.name}:\n{code}"
