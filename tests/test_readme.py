"""The README reads in five minutes and says nothing false about the command line: it stays
short, every make target and every ``bench`` command and flag in its shell blocks exists,
and every relative link resolves."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from bench.cli import parser

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"


def _shell_lines() -> list[str]:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(), flags=re.S)
    return [
        line.split("#")[0].strip()
        for block in blocks
        for line in block.splitlines()
        if line.split("#")[0].strip()
    ]


def _commands() -> dict[str, argparse.ArgumentParser]:
    return dict(parser.build().subcommands)


def test_the_readme_is_short_and_names_make_install():
    text = README.read_text()
    assert text.count("\n") <= 220
    assert "make install" in text and "make bench" in text and "make test" in text


def test_every_make_target_in_the_readme_exists():
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    used = [line.split()[1] for line in _shell_lines() if line.startswith("make ")]
    assert used and set(used) <= targets, set(used) - targets


def test_every_bench_command_and_flag_in_the_readme_exists():
    commands = _commands()
    seen = 0
    for line in _shell_lines():
        words = shlex.split(line.split("|")[0])
        if words[:3] == ["python", "-m", "bench"]:
            words = words[2:]
        if not words or words[0] != "bench":
            continue
        seen += 1
        if words[1].startswith("--"):  # bench --help, bench --version
            assert words[1] in ("--help", "--version"), line
            continue
        assert words[1] in commands, line
        options = set(commands[words[1]].flags)
        for flag in (w.split("=")[0] for w in words[2:] if w.startswith("--")):
            assert flag in options, f"{line}: {flag} is not an option of bench {words[1]}"
    assert seen >= 5


@pytest.mark.parametrize(
    "command",
    sorted(
        {
            shlex.split(line)[1]
            for line in _shell_lines()
            if line.startswith("bench ") and not shlex.split(line)[1].startswith("-")
        }
    ),
)
def test_each_command_the_readme_names_answers_help(command):
    done = subprocess.run(
        [sys.executable, "-m", "bench", command, "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0 and "examples:" in done.stdout, done.stderr


def test_every_relative_link_of_the_readme_resolves():
    links = re.findall(r"\]\(([^)#]+)\)", README.read_text())
    relative = [link for link in links if "://" not in link]
    assert relative and all((ROOT / link).exists() for link in relative), relative


def test_the_readme_suite_example_is_a_valid_suite():
    import tomllib

    from bench.suite import parse_suite

    (block,) = re.findall(r"```toml\n(.*?)```", README.read_text(), flags=re.S)
    suite = parse_suite(tomllib.loads(block), "README.md")
    assert len(suite.grid) == 43 * 3 * 2 * 2 * 3  # @real × activations × inits × rates × seeds
    assert {c.activation for c in suite.grid} == {"relu", "gelu", "leaky_relu(0.2)"}


@pytest.mark.parametrize("registry", ["activations", "initializers"])
def test_reference_lists_every_registry_entry(registry):
    """docs/reference.md's registry table names every entry, in registry order."""
    import importlib

    keys = list(importlib.import_module(f"bench.{registry}").REGISTRY)
    text = (ROOT / "docs" / "reference.md").read_text()
    line = next(x for x in text.splitlines() if x.startswith(f"| `bench.{registry}.REGISTRY`"))
    assert line.split("|")[2].strip() == ", ".join(keys)
