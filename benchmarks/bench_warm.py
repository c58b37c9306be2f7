"""Warm commands against `l2l runs` (issue 21): every command on a warm workspace costs about what reading it
costs, and warm `evaluate` grows gently with the number of datasets.

For each workspace (the paper's table; synthetic tables of 12 and 24 datasets), each command runs once to warm the
workspace's caches (its cold time), then `repeats` times, each run followed by one of `l2l runs` on the same
workspace; the CPU time (user + sys of the child) of each run is recorded. The ratio is the median of the paired
ratios (command / the `runs` right after it): pairing keeps it meaningful when the shared machine's speed drifts.

    python benchmarks/bench_warm.py                    # all workspaces, markdown to stdout
    python benchmarks/bench_warm.py --only paper --repeats 3

The CPU seconds of a 24-dataset warm `evaluate` over a 12-dataset one: the two rows' warm columns.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

PAPER_COMMANDS = [
    ["runs"],
    ["predict", "-d", "fineweb-edu", "--N", "3.3B", "--D", "50B", "--split", "sweep"],
    ["translate", "--src", "fineweb-edu", "--split", "sweep"],
    ["evaluate"],
    ["rank", "-t", "hellaswag", "--C", "1e21", "--split", "sweep"],
    ["rank", "-t", "own", "--C", "1e21", "--split", "sweep"],
    ["fit-accuracy", "--split", "sweep"],
]
SYNTH_COMMANDS = [
    ["runs"],
    ["evaluate"],
]


def _synthetic(path: Path, n_datasets: int) -> None:
    from l2l.testing import Shift, SyntheticSpec, synthetic_runs, write_csv

    rng_shifts = {
        f"set{i:02d}": Shift(0.6 + 0.04 * i, 0.9 + 0.01 * i, 0.5 + 0.1 * i) for i in range(1, n_datasets)
    }
    spec = SyntheticSpec(base="set00", datasets=rng_shifts, sizes_per_budget=7, seed=n_datasets)
    write_csv(synthetic_runs(spec), str(path))


def _cpu(args: list[str], env: dict[str, str]) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr.strip()[-300:]}")
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def bench(name: str, tables: list[Path], commands: list[list[str]], repeats: int) -> list[str]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # one process per command (L2L_WORKERS=1): a worker pool's processes are not this one's children, so
        # their CPU would be missing from the cold column
        env = {
            **os.environ,
            "L2L_WORKSPACE": str(Path(tmp) / "ws"),
            "OMP_NUM_THREADS": "1",
            "L2L_WORKERS": "1",
        }
        l2l = [sys.executable, "-m", "l2l"]
        _cpu([*l2l, "ingest", *map(str, tables)], env)
        for cmd in commands:
            cold = _cpu([*l2l, *cmd], env)
            warm, ratios = [], []
            for _ in range(repeats):
                warm.append(_cpu([*l2l, *cmd], env))
                ratios.append(warm[-1] / _cpu([*l2l, "runs"], env))
            rows.append(
                f"| {name} | `l2l {' '.join(cmd)}` | {cold:.2f} | {statistics.median(warm):.2f} | "
                f"{statistics.median(ratios):.2f}× |"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--only", action="append", choices=["paper", "12", "24"])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    only = args.only or ["paper", "12", "24"]
    out = [
        "| workspace | command | cold CPU s | warm CPU s (median) | warm / runs (median of pairs) |",
        "|---|---|---|---|---|",
    ]
    if "paper" in only:
        sample = REPO / "sample_data"
        tables = [sample / "brandfonbrener2024_runs.csv", sample / "brandfonbrener2024_accuracy.csv"]
        out += bench("paper (6 datasets)", tables, PAPER_COMMANDS, args.repeats)
    with tempfile.TemporaryDirectory() as tmp:
        for n in (12, 24):
            if str(n) in only:
                path = Path(tmp) / f"synthetic_{n}.csv"
                _synthetic(path, n)
                out += bench(f"synthetic ({n} datasets)", [path], SYNTH_COMMANDS, args.repeats)
    print("\n".join(out))


if __name__ == "__main__":
    main()
