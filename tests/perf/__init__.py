"""pytest-benchmark timings: `make perf` (plain `make test` runs each once, untimed)."""
