#!/usr/bin/env bash
# The CUDA path, proven on a machine with an NVIDIA GPU, from the repository root:
#   bash scripts/gpu_check.sh [OUT_DIR]
# It uses the machine's own torch (any CUDA build) with this checkout on PYTHONPATH, runs
# the loop's tests (the CUDA ones run there), trains the smoke and default suites on the
# GPU, batched, and times a two-activation slice of the full suite to size the whole.
# Stores land in OUT_DIR (default results/gpu) for `bench report`. Each training step is
# bounded by STEP_S seconds (default 200), so the script always ends.
set -uo pipefail
out=${1:-results/gpu}
step=${STEP_S:-200}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
$py -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"{torch.cuda.get_device_name()}")'
$py -m pytest -q -p no:cacheprovider tests/test_loop.py tests/test_identity.py
$py -m bench run suites/smoke.toml --device cuda --store "$out/smoke.sqlite" --no-progress
echo "== default suite on cuda"
time timeout "$step" $py -m bench run suites/default.toml --device cuda --max-members 180 \
    --store "$out/default.sqlite" --no-progress
sed -e 's/^name = "full"/name = "full_slice"/' \
    -e '/^activation = \[/,/^\]/c activation = ["relu", "rrelu"]' suites/full.toml \
    > "$out/full_slice.toml"
echo "== full suite, relu and rrelu only (2 of 15 activations), on cuda"
time timeout "$step" $py -m bench run "$out/full_slice.toml" --device cuda --max-members 175 \
    --store "$out/full_slice.sqlite" --no-progress
$py - "$out" <<'PY'
import sqlite3, sys, json, collections
for name in ("default", "full_slice"):
    try:
        db = sqlite3.connect(f"{sys.argv[1]}/{name}.sqlite")
        rows = db.execute("select activation, status, metrics, env from results").fetchall()
    except sqlite3.Error as exc:
        print(name, "no store:", exc)
        continue
    per = collections.defaultdict(lambda: [0, 0.0])
    for act, status, m, env in rows:
        per[(act, status)][0] += 1
        per[(act, status)][1] += json.loads(m).get("total_time_s", 0.0)
    devices = {json.loads(env)["device"] for *_, env in rows}
    print(name, len(rows), "cells on", devices)
    for (act, status), (n, t) in sorted(per.items()):
        print(f"  {act:12} {status:9} {n:5} cells {t:8.1f} s of member time")
PY
