"""Benchmark: ``l2l ingest`` of a 10-million-row per-step log against a bare polars scan that selects the same
checkpoints (issue 21: "ingest in one streaming pass", target ≤ 1.5× the time and ≤ 1.2× the peak memory).

Run by hand (not a test):

    python benchmarks/bench_ingest.py                         # 10M rows, both D kinds, 5 pairs each
    python benchmarks/bench_ingest.py --rows 1000000 --runs 3  # smaller
    python benchmarks/bench_ingest.py --json benchmarks/results/ingest.json
    python benchmarks/bench_ingest.py --extra-column grad_norm --kinds final_d  # with a per-step metric

It writes two long per-step CSVs to ``--out`` (default /tmp/l2l_bench, never the repository), once: 200 runs ×
steps × 5 evals, with D = each run's final token count (``final_d``) or the tokens seen so far (``tokens_seen``); with
``--extra-column NAME``, a column NAME that changes at every step of a run (a per-step metric such as a gradient
norm or a throughput, the same at one step for every eval), which l2l does not use but must read past.
Then, per file, it runs in turn (A B A B ..., so that a drift of the shared machine's speed hits both alike):

- ``l2l``: ``python -m l2l -w TMP ingest FILE`` — the whole command: start-up, reading, every check, detection and
  selection of the checkpoints, the workspace commit and the report;
- ``bare``: ``python -c`` a polars scan of the same file, ``group_by(run_id, eval).agg(pl.all().max_by("step"))``
  — each run's final checkpoint per eval, the same 1,000 rows, with no check at all.

Each process is timed from outside (wall clock, and user + system CPU and peak RSS from ``os.wait4``). Printed:
per pair the two times, and the medians of the ratios l2l / bare (wall, CPU) and of the peak-memory ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

EVALS = ("own_val", "c4", "pile", "hellaswag", "arc")

BARE = """
import sys, polars as pl
out = pl.scan_csv(sys.argv[1]).group_by(["run_id", "eval"]).agg(pl.all().max_by("step")).collect(engine="streaming")
assert out.height > 0
"""


def make(path: Path, rows: int, tokens_seen: bool, seed: int = 0, extra: str | None = None) -> None:
    """A long per-step log of about ``rows`` rows: 200 runs, len(EVALS) evals, rows/1000 steps per run; ``extra``:
    the name of a per-step column to add (a value per run and step, e.g. a gradient norm)."""
    runs = 200
    steps = max(rows // (runs * len(EVALS)), 2)
    rng = np.random.default_rng(seed)
    n = np.round(np.geomspace(2e7, 2e9, runs), -3)
    d_final = np.round(20 * n * rng.uniform(0.5, 2.0, runs), -6)
    step = np.arange(1, steps + 1)
    run_i = np.repeat(np.arange(runs), steps)
    frac = np.tile(step / steps, runs)
    d_seen = np.round(d_final[run_i] * frac, -3)
    base = pl.DataFrame(
        {
            "run_id": pl.Series([f"run{i:04d}" for i in range(runs)])[run_i],
            "dataset": "web",
            "N": n[run_i],
            "D": d_seen if tokens_seen else d_final[run_i],
            "step": np.tile(step, runs),
            "_loss": 2.0 + 400.0 / n[run_i] ** 0.34 + 900.0 / (d_final[run_i] * frac) ** 0.28,
        }
    )
    if extra is not None:
        base = base.with_columns(pl.Series(extra, np.round(rng.lognormal(0.0, 0.3, base.height), 5)))
    parts = [
        base.with_columns(
            pl.lit(ev).alias("eval"), (pl.col("_loss") * (1 + 0.1 * k) + 0.01 * k).round(5).alias("loss")
        ).drop("_loss")
        for k, ev in enumerate(EVALS)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.concat(parts).write_csv(path)


def timed(cmd: list[str]) -> dict[str, float]:
    """Wall seconds, CPU seconds (user + system) and peak RSS (MB) of one process, from ``os.wait4``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    err = proc.stderr.read().decode() if proc.stderr else ""
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return {"wall": wall, "cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def compare(path: Path, runs: int) -> dict[str, object]:
    pairs = []
    for _ in range(runs + 1):  # the first pair warms the page cache and is not counted
        with tempfile.TemporaryDirectory() as ws:
            a = timed([sys.executable, "-m", "l2l", "-w", str(Path(ws) / "ws"), "ingest", str(path)])
        b = timed([sys.executable, "-c", BARE, str(path)])
        pairs.append((a, b))
    pairs = pairs[1:]

    def med(key: str, side: int) -> float:
        return statistics.median(p[side][key] for p in pairs)

    def ratio(key: str) -> float:
        return statistics.median(p[0][key] / p[1][key] for p in pairs)

    return {
        "file": path.name,
        "pairs": runs,
        "l2l_wall_s": round(med("wall", 0), 2),
        "bare_wall_s": round(med("wall", 1), 2),
        "l2l_cpu_s": round(med("cpu", 0), 2),
        "bare_cpu_s": round(med("cpu", 1), 2),
        "l2l_peak_mb": round(med("peak_mb", 0)),
        "bare_peak_mb": round(med("peak_mb", 1)),
        "wall_ratio": round(ratio("wall"), 2),
        "cpu_ratio": round(ratio("cpu"), 2),
        "peak_ratio": round(ratio("peak_mb"), 2),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--runs", type=int, default=5, help="pairs measured per file (after one warm-up pair)")
    ap.add_argument("--out", type=Path, default=Path("/tmp/l2l_bench"))
    ap.add_argument("--json", type=Path, help="write the results here")
    ap.add_argument(
        "--extra-column", metavar="NAME", help="add a per-step column NAME to each log (e.g. grad_norm)"
    )
    ap.add_argument(
        "--kinds", nargs="+", choices=("final_d", "tokens_seen"), default=["final_d", "tokens_seen"]
    )
    args = ap.parse_args()
    results = []
    for kind in args.kinds:
        extra = f"_{args.extra_column}" if args.extra_column else ""
        path = args.out / f"per_step_{kind}{extra}_{args.rows}.csv"
        if not path.exists():
            t0 = time.perf_counter()
            make(path, args.rows, kind == "tokens_seen", extra=args.extra_column)
            mb = path.stat().st_size / 2**20
            print(f"wrote {path} ({mb:.0f} MB) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        r = compare(path, args.runs)
        results.append(r)
        print(
            f"{r['file']:<46} l2l {r['l2l_wall_s']:>5} s ({r['l2l_cpu_s']} s CPU, {r['l2l_peak_mb']} MB)  "
            f"bare {r['bare_wall_s']:>5} s ({r['bare_cpu_s']} s CPU, {r['bare_peak_mb']} MB)  "
            f"ratios: wall {r['wall_ratio']}×, CPU {r['cpu_ratio']}×, peak {r['peak_ratio']}×"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
