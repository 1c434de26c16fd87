#!/usr/bin/env bash
# The CUDA path, proven on a machine with an NVIDIA GPU, from the repository root:
#   bash scripts/gpu_check.sh [OUT_DIR]
# It uses the machine's own torch (any CUDA build) with this checkout on PYTHONPATH, runs
# the loop's tests (the CUDA ones run there), trains the smoke and default suites on the
# GPU, batched, and times a two-activation slice of the full suite to size the whole.
# Stores land in OUT_DIR (default results/gpu) for `bench report`.
set -euo pipefail
out=${1:-results/gpu}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
$py - <<'PY'
import torch
print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, {torch.cuda.get_device_name()}")
PY
$py -m pytest -q -p no:cacheprovider tests/test_loop.py
$py -m bench run suites/smoke.toml --device cuda --store "$out/smoke.sqlite" --no-progress
time $py -m bench run suites/default.toml --device cuda --max-members 180 \
    --store "$out/default.sqlite" --no-progress
sed -e 's/^name = "full"/name = "full_slice"/' \
    -e '/^activation = \[/,/^\]/c activation = ["relu", "rrelu"]' suites/full.toml \
    > "$out/full_slice.toml"
time $py -m bench run "$out/full_slice.toml" --device cuda --max-members 175 \
    --store "$out/full_slice.sqlite" --no-progress
