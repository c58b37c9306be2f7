"""Benchmark: l2l's fitter against a plain loop of scipy L-BFGS-B over the 4,500-start grid of Hoffmann et al.

Run by hand (not a test):

    python benchmarks/bench_fit.py                      # own-loss fits, 3 forms, full loop (~15 min on 2 cores)
    python benchmarks/bench_fit.py --fits all --loop-starts 300   # all 6 x 28 fits, loop on 300 random starts
    python benchmarks/bench_fit.py --no-loop            # timings only

What it prints:
1. every (dataset, eval) fit of the paper's table for each form: time per fit (one process) and the wall time of
   all of them as l2l runs them (``LawBook.fit_many`` with the default worker count);
2. for the fits chosen by --fits: l2l's objective beside the best objective of the loop (same objective, same
   bounds, same rescaling and stopping rules; only the search differs), and the relative difference.
Targets (issue 3): objective never worse than the loop's (relative 1e-6); <= 0.2 s per fit; all 6 x 28 fits in
<= 15 s on a 2-core machine.
"""

from __future__ import annotations

import argparse
import fnmatch
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import polars as pl

from l2l._search import Problem, hoffmann_grid, polish
from l2l.fit import FitOptions, LawBook, default_workers, fit_law, single_threaded_blas
from l2l.io import read_runs

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "brandfonbrener2024_runs.csv"


def loop_best(
    form: str, n: np.ndarray, d: np.ndarray, y: np.ndarray, starts: int | None, seed: int
) -> tuple[float, float, int]:
    """Best objective of L-BFGS-B started from each grid point (or a seeded random subset of them)."""
    problem = Problem(form, np.log(n), np.log(d), np.log(y))
    grid = hoffmann_grid(problem)
    if starts is not None and starts < len(grid):
        grid = grid[np.random.default_rng(seed).choice(len(grid), starts, replace=False)]
    t0 = time.perf_counter()
    with single_threaded_blas():  # the same BLAS setting l2l's own fits run under
        best = min(polish(problem, s, maxiter=15000).value for s in grid)
    return best, time.perf_counter() - t0, len(grid)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument(
        "--fits", choices=["own", "all"], default="own", help="which fits to compare with the loop"
    )
    ap.add_argument("--forms", default="l2l,chinchilla,kaplan")
    ap.add_argument("--loop-starts", default="all", help="'all' (the full grid) or a number of random starts")
    ap.add_argument("--no-loop", action="store_true", help="timings only")
    ap.add_argument("--no-timing", action="store_true", help="objective comparison only")
    ap.add_argument("--split", default="sweep")
    ap.add_argument(
        "--thorough", action="store_true", help="fit with thorough=True (exploration from every start)"
    )
    ap.add_argument("--evals", default="*", help="glob: compare only the fits of matching evals")
    args = ap.parse_args()
    forms = args.forms.split(",")
    loop_starts = None if args.loop_starts == "all" else int(args.loop_starts)

    runs = read_runs([SAMPLE])
    frame = runs.frame.filter(pl.col("split") == args.split)
    all_keys = sorted(
        {(r["dataset"], r["eval"]) for r in frame.select("dataset", "eval").unique().to_dicts()}
    )
    own_keys = [(ds, runs.own(ds)) for ds in runs.datasets]
    print(
        f"# {SAMPLE.name}: {len(all_keys)} (dataset, eval) fits, split={args.split}; "
        f"{default_workers()} worker(s) for the batch"
    )

    if not args.no_timing:
        time_all(frame, all_keys, forms)
    if args.no_loop:
        return 0
    keys = own_keys if args.fits == "own" else all_keys
    keys = [k for k in keys if fnmatch.fnmatchcase(k[1], args.evals)]
    compare_with_loop(frame, keys, forms, args.loop_starts, loop_starts, thorough=args.thorough)
    return 0


def time_all(frame: pl.DataFrame, all_keys: list[tuple[str, str]], forms: list[str]) -> None:
    print("\n## Time per fit (one process) and all fits as l2l runs them")
    print(f"{'form':<11} {'fits':>5} {'median s':>9} {'max s':>7} {'serial s':>9} {'fit_many s':>11}")
    for form in forms:
        per = []
        for ds, ev in all_keys:
            sub = frame.filter((pl.col("dataset") == ds) & (pl.col("eval") == ev))
            t0 = time.perf_counter()
            fit_law(sub["N"].to_numpy(), sub["D"].to_numpy(), sub["loss"].to_numpy(), form=form)
            per.append(time.perf_counter() - t0)
        book = LawBook(frame, FitOptions(form=form))
        t0 = time.perf_counter()
        book.fit_many(all_keys, workers=default_workers())
        wall = time.perf_counter() - t0
        print(
            f"{form:<11} {len(per):>5} {statistics.median(per):>9.3f} {max(per):>7.3f} {sum(per):>9.2f} "
            f"{wall:>11.2f}",
            flush=True,
        )


def compare_with_loop(
    frame: pl.DataFrame,
    keys: list[tuple[str, str]],
    forms: list[str],
    label: str,
    loop_starts: int | None,
    *,
    thorough: bool = False,
) -> None:
    mode = ", l2l with thorough=True" if thorough else ""
    print(f"\n## Objective: l2l vs the loop of L-BFGS-B over the grid ({label} starts{mode})")
    print(
        f"{'form':<11} {'dataset':<18} {'eval':<38} {'l2l':>13} {'loop':>13} {'rel diff':>10} "
        f"{'l2l s':>6} {'loop s':>7}"
    )
    worst = -np.inf
    for form in forms:
        for ds, ev in keys:
            sub = frame.filter((pl.col("dataset") == ds) & (pl.col("eval") == ev))
            n, d, y = sub["N"].to_numpy().astype(float), sub["D"].to_numpy(), sub["loss"].to_numpy()
            t0 = time.perf_counter()
            ours = fit_law(n, d, y, form=form, thorough=thorough).objective_value
            t_ours = time.perf_counter() - t0
            theirs, t_loop, _ = loop_best(form, n, d, y, loop_starts, seed=0)
            rel = (ours - theirs) / theirs
            worst = max(worst, rel)
            print(
                f"{form:<11} {ds:<18} {ev[:38]:<38} {ours:>13.9e} {theirs:>13.9e} {rel:>10.1e} {t_ours:>6.2f} "
                f"{t_loop:>7.1f}",
                flush=True,
            )
    verdict = "PASS" if worst <= 1e-6 else "FAIL"
    print(f"\nworst relative difference (l2l - loop)/loop: {worst:.2e}  [{verdict}: target <= 1e-6]")


if __name__ == "__main__":
    sys.exit(main())
