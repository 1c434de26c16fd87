"""A rebuilt report's figures are byte-identical, whatever Python's hash seed: the
critical-difference diagram once drew its crossbars in set order (PYTHONHASHSEED)."""

import os
import subprocess
import sys

SCRIPT = """
import sys, tempfile
from pathlib import Path
from bench import plots
from bench.scoring import metrics, ranks
from tests.golden import load_fixture
with tempfile.TemporaryDirectory() as tmp:
    with load_fixture(Path(tmp) / "s.sqlite") as store:
        frame = store.frame("golden")
head = metrics.select_lr(frame)
head = head[head["init"] == "matched"]
cd = ranks.critical_difference(head, "test_acc", "activation", ["dataset", "seed"])
plots.cd_diagram(cd, sys.argv[1], "t")
"""


def test_cd_diagram_does_not_depend_on_the_hash_seed(tmp_path):
    pngs = []
    for seed in ("1", "2"):
        path = tmp_path / f"cd{seed}.png"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", SCRIPT, str(path)], check=True, env=env, timeout=120)
        pngs.append(path.read_bytes())
    assert pngs[0] == pngs[1]
