"""Benchmark: per-step logs of 10 million rows through l2l.io.checkpoints (detect + keep each run's final checkpoint).

Run by hand (not a test):

    OMP_NUM_THREADS=1 POLARS_MAX_THREADS=2 python benchmarks/bench_ingest.py            # 10M rows, both D kinds
    python benchmarks/bench_ingest.py --rows 1000000 --out /tmp/l2l_bench                   # smaller

It writes two long per-step CSVs to ``--out`` (default /tmp/l2l_bench, never the repository), once: runs × steps ×
evals rows with D = each run's final token count (``final_d``) or the tokens seen so far (``tokens_seen``). Each
measurement runs in a fresh subprocess so its peak RSS (``resource.getrusage(RUSAGE_SELF).ru_maxrss``) is its own:

- ``lazy``: ``pl.scan_csv`` → ``l2l.io.checkpoints.apply_checkpoints(policy="final")`` (what ingest does);
- ``eager``: ``pl.read_csv`` of the whole file, as a reference for what holding the table in memory costs.

Prints one line per (file, mode) and a JSON summary; the timings are wall clock on a shared 2-core machine (noisy).
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

EVALS = ("own_val", "c4", "pile", "hellaswag", "arc")


def make(path: Path, rows: int, tokens_seen: bool, seed: int = 0) -> None:
    """A long per-step log of about ``rows`` rows: 200 runs, len(EVALS) evals, rows/1000 steps per run."""
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
    parts = [
        base.with_columns(
            pl.lit(ev).alias("eval"), (pl.col("_loss") * (1 + 0.1 * k) + 0.01 * k).round(5).alias("loss")
        ).drop("_loss")
        for k, ev in enumerate(EVALS)
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    pl.concat(parts).write_csv(path)


def measure(path: Path, mode: str) -> dict[str, float | int | str]:
    from l2l.io.checkpoints import apply_checkpoints

    t0 = time.perf_counter()
    if mode == "lazy":
        out, report = apply_checkpoints(pl.scan_csv(path))
        assert report is not None
        assert isinstance(out, pl.DataFrame)
        kept, rows_in, detail = out.height, report.rows_in, report.describe()
    else:
        frame = pl.read_csv(path)
        kept, rows_in, detail = frame.height, frame.height, "read only"
    seconds = time.perf_counter() - t0
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {
        "file": path.name,
        "mode": mode,
        "rows_in": rows_in,
        "rows_kept": kept,
        "seconds": round(seconds, 2),
        "peak_rss_mb": round(peak_kb / 1024),
        "detail": detail,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--out", type=Path, default=Path("/tmp/l2l_bench"))
    ap.add_argument("--modes", default="lazy,eager")
    ap.add_argument("--measure", nargs=2, metavar=("FILE", "MODE"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.measure:
        print(json.dumps(measure(Path(args.measure[0]), args.measure[1])))
        return 0
    results = []
    for kind in ("final_d", "tokens_seen"):
        path = args.out / f"per_step_{kind}_{args.rows}.csv"
        if not path.exists():
            t0 = time.perf_counter()
            make(path, args.rows, kind == "tokens_seen")
            mb = path.stat().st_size / 2**20
            print(f"wrote {path} ({mb:.0f} MB) in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
        for mode in args.modes.split(","):
            proc = subprocess.run(
                [sys.executable, __file__, "--measure", str(path), mode],
                check=True,
                capture_output=True,
                text=True,
            )
            r = json.loads(proc.stdout)
            results.append(r)
            print(
                f"{r['file']:<40} {r['mode']:<6} {r['rows_in']:>10} rows -> {r['rows_kept']:>8} "
                f"{r['seconds']:>7.2f} s  peak RSS {r['peak_rss_mb']:>6} MB"
            )
    print(json.dumps(results, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
