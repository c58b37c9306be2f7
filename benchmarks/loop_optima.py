"""Run the plain L-BFGS-B loop over the full grid on chosen fits and cache its optima (value and parameters).

    python benchmarks/loop_optima.py l2l fineweb-100b 'downstream/mmlu_other_mc_5shot_test_ce_loss' ...

Each argument triple is (form, dataset, eval). Results are appended as JSON lines to
benchmarks/results/loop_optima.jsonl: the best objective, its parameters, and how many of the grid's starts reached
it (within 1e-9 relative), so that later runs can compare with the full loop without paying for it again.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from l2l.core.fit import single_threaded_blas
from l2l.core.search import Problem, hoffmann_grid, polish

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "brandfonbrener2024_runs.csv"
OUT = ROOT / "benchmarks" / "results" / "loop_optima.jsonl"


def main(argv: list[str]) -> int:
    table = reference.table(SAMPLE)
    for i in range(0, len(argv), 3):
        form, ds, ev = argv[i : i + 3]
        n, d, y = table[(ds, ev)]
        problem = Problem(form, np.log(n), np.log(d), np.log(y))
        grid = hoffmann_grid(problem)
        t0 = time.perf_counter()
        with single_threaded_blas():
            ends = [polish(problem, s, maxiter=15000) for s in grid]
        seconds = time.perf_counter() - t0
        values = np.array([e.value for e in ends])
        k = int(np.argmin(values))
        hits = np.flatnonzero(values <= values[k] * (1 + 1e-9))
        rec = {
            "form": form,
            "dataset": ds,
            "eval": ev,
            "starts": len(grid),
            "value": float(values[k]),
            "theta": [float(t) for t in ends[k].theta],
            "hits": len(hits),
            "winning_starts": [[float(t) for t in grid[j]] for j in hits[:50]],
            "seconds": seconds,
        }
        with OUT.open("a") as fh:
            fh.write(json.dumps(rec) + "\n")
        print(form, ds, ev, f"{rec['value']:.9e}", rec["hits"], f"{seconds:.1f}s", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
