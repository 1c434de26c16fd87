# activation-bench: `make bench` (set-up + default suite + report) and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
WORKERS ?= 2
STAMP  := $(VENV)/.installed

.PHONY: install test lint perf smoke bench report full clean

install: $(STAMP)

# torch is pinned to the CPU wheel (2.13.0); an unpinned torch would pull a CUDA build.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

test: install
	$(PY) -m pytest -q --ignore=tests/perf

lint: install
	$(VENV)/bin/ruff check bench tests

perf: install
	$(PY) -m pytest -q tests/perf --benchmark-enable

smoke: install
	$(PY) -m bench run suites/smoke.toml --backend local --workers $(WORKERS)

bench: install
	$(PY) -m bench run suites/default.toml --backend local --workers $(WORKERS)

full: install
	$(PY) -m bench run suites/full.toml --backend local --workers $(WORKERS)

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .benchmarks results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
