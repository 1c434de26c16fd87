#!/usr/bin/env bash
# The full suite on one GPU, timed. From the repository root, on a machine with an NVIDIA GPU:
#   bash scripts/gpu_suite.sh [SUITE] [OUT_DIR]
# SUITE defaults to suites/full.toml (13 125 cells), OUT_DIR to results/gpu. It uses the
# machine's own torch (any CUDA build) with this checkout on PYTHONPATH, trains the suite with
# --device cuda in stacks of up to MAX_MEMBERS cells (default 175: in the full suite, one
# stack per activation and data set, its 7 initializers × 5 learning rates × 5 seeds), and
# prints the wall time, cells/s, and the time per activation (the members' shares of their
# stacks' wall time, summed). The run is
# bounded by LIMIT_S seconds (default 900); a bounded or interrupted run resumes where it
# stopped when the script is run again (finished cells are in the store), and the figures
# then cover every cell stored so far.
set -uo pipefail
suite=${1:-suites/full.toml}
out=${2:-results/gpu}
members=${MAX_MEMBERS:-175}
limit=${LIMIT_S:-900}
mkdir -p "$out"
export PYTHONPATH=$PWD${PYTHONPATH:+:$PYTHONPATH} PYTHONUNBUFFERED=1
py=${PYTHON:-python3}
name=$(basename "$suite" .toml)
store="$out/$name.sqlite"
$py -c 'import torch; print(f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
        f"{torch.cuda.get_device_name()}")' || exit 2
start=$(date +%s.%N)
timeout --signal=INT "$limit" $py -m bench run "$suite" --device cuda --max-members "$members" \
    --store "$store" --no-progress
rc=$?
end=$(date +%s.%N)
echo "bench run exited with $rc (124/130: stopped by the ${limit} s limit; rerun to resume)"
$py - "$store" "$name" "$start" "$end" <<'PY'
import collections, json, sqlite3, sys

store, name, start, end = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
db = sqlite3.connect(f"file:{store}?mode=ro", uri=True)
grid = db.execute("select count(*) from suite_cells where suite=?", (name,)).fetchone()[0]
rows = db.execute(
    "select r.activation, r.status, r.metrics, r.env from results r "
    "join suite_cells s on s.key = r.key where s.suite=?", (name,)
).fetchall()
run = db.execute("select cells_done, wall_time_s, status from runs where suite=? "
                 "order by id desc limit 1", (name,)).fetchone()
wall = end - start
done, run_wall, status = run if run else (0, wall, "none")
print(f"{name}: {len(rows)} of {grid} cells stored on {sorted({json.loads(e)['device'] for *_, e in rows})}")
print(f"this invocation: {done} cells in {wall:.0f} s wall ({run_wall or 0:.0f} s in bench run, "
      f"{status}): {done / max(wall, 1e-9):.2f} cells/s")
if done and done < grid:
    print(f"at that rate the whole suite takes {grid / (done / wall) / 60:.1f} min")
per = collections.defaultdict(lambda: [0, 0.0, collections.Counter()])
for act, st, metrics, _ in rows:
    per[act][0] += 1
    per[act][1] += json.loads(metrics).get("total_time_s", 0.0)
    per[act][2][st] += 1
total = sum(t for _, t, _ in per.values()) or 1.0
print(f"{'activation':12} {'cells':>6} {'time (s)':>9} {'share':>6}  statuses")
for act, (n, t, st) in sorted(per.items(), key=lambda kv: -kv[1][1]):
    print(f"{act:12} {n:6d} {t:9.1f} {t / total:6.1%}  {dict(st)}")
print(f"{'all':12} {len(rows):6d} {total:9.1f}")
PY
