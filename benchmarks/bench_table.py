"""Benchmark: all 168 fits of the paper's sweep against one reference fit of the peers' method (issue 21).

    OMP_NUM_THREADS=1 python benchmarks/bench_table.py              # in-process CPU, Eq. 3, 3 repeats
    OMP_NUM_THREADS=1 python benchmarks/bench_table.py --forms l2l,chinchilla,kaplan --cli

The reference is the peers' method (``reference.peers_fit``): a plain loop of scipy's L-BFGS-B with
finite-difference gradients from 16 starts (seeded, drawn from Hoffmann et al.'s grid) on the Chinchilla form
(Eq. 1), the Huber (δ = 1e-3) objective on log loss, tolerances tight enough not to stop early (ftol 0, gtol 1e-10),
BLAS on one thread. Its data: 240 points, the size of Epoch AI's extraction of Chinchilla's runs (Besiroglu et al.
2024). That table is not redistributable and not shipped; the default stand-in is 240 points of Besiroglu et al.'s
fitted law (E 1.82, A 482, B 2085, α 0.348, β 0.366) on 12 iso-FLOP budgets (6e18 to 3e23 FLOPs) × 20 model sizes
with log-normal noise of sd 0.01. ``--points CSV`` (columns N, D, loss) runs the reference on any other table, e.g.
Epoch's own 240 points.

Everything is CPU time of this process (``time.process_time``), the reference and the table in turn, ``--repeat``
times: the ratio of the medians is the figure (the machine is shared). ``--cli`` also times the command
``l2l fit-law --eval all --split sweep`` on a fresh workspace (pinned to one core: the command then fits
in-process, and all its CPU is counted).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from l2l.core.fit import fit_law, single_threaded_blas
from l2l.core.laws import ScalingLaw
from l2l.testing import law_samples

sys.path.insert(0, str(Path(__file__).resolve().parent))
import reference

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "sample_data" / "brandfonbrener2024_runs.csv"
BESIROGLU = ScalingLaw("chinchilla", A=482.01, B=2085.43, E=1.8172, alpha=0.3478, beta=0.3658)


def reference_points(path: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if path is not None:
        import polars as pl

        frame = pl.read_csv(path)
        return tuple(frame[c].to_numpy().astype(np.float64) for c in ("N", "D", "loss"))  # type: ignore[return-value]
    budgets = tuple(float(c) for c in np.geomspace(6e18, 3e23, 12))
    return law_samples(BESIROGLU, budgets=budgets, sizes_per_budget=20, noise=0.01, seed=0)


def reference_fit(n: np.ndarray, d: np.ndarray, y: np.ndarray, starts: int = 16, seed: int = 0) -> float:
    """The peers' loop (``reference.peers_fit``), BLAS on one thread: the best objective."""
    with single_threaded_blas():
        return reference.peers_fit(n, d, y, starts, seed)


def table_fits(table: dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]], form: str) -> int:
    at_bound = 0
    for key in sorted(table):
        fit = fit_law(*table[key], form=form)
        at_bound += bool(fit.at_bounds)
    return at_bound


def cpu(fn, *args):  # type: ignore[no-untyped-def]
    t0 = time.process_time()
    out = fn(*args)
    return time.process_time() - t0, out


def cli_seconds(form: str) -> float:
    """CPU of ``l2l fit-law --eval all --split sweep`` on a fresh workspace, pinned to one core (so the command fits
    in-process, serially, and all its CPU is counted; pool workers are not reaped into this process's usage)."""
    l2l = Path(sys.executable).with_name("l2l")
    with tempfile.TemporaryDirectory() as ws:
        subprocess.run([l2l, "-w", ws, "ingest", str(SAMPLE)], check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(
            [
                "taskset",
                "-c",
                "0",
                l2l,
                "-w",
                ws,
                "fit-law",
                "--eval",
                "all",
                "--split",
                "sweep",
                "--form",
                form,
            ],
            check=True,
            capture_output=True,
        )
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--forms", default="l2l")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--points", default=None, help="CSV with N, D, loss for the reference fit")
    ap.add_argument("--cli", action="store_true", help="also time the fit-law command (fresh workspace)")
    args = ap.parse_args()
    n, d, y = reference_points(args.points)
    table = reference.table(SAMPLE, "sweep")
    fit_law(*table[sorted(table)[0]])  # imports and first-call costs out of the clock
    reference_fit(n, d, y, starts=1)
    print(
        f"# reference: the peers' 16-start L-BFGS-B loop (finite-difference gradients), Eq. 1, {len(y)} points; "
        f"table: {len(table)} fits of the sweep"
    )
    print(f"{'form':<11} {'run':>3} {'reference s':>12} {'168 fits s':>11} {'ratio':>6} {'on bound':>9}")
    for form in args.forms.split(","):
        refs, fits = [], []
        for k in range(args.repeat):
            t_ref, best = cpu(reference_fit, n, d, y)
            t_fit, bound = cpu(table_fits, table, form)
            refs.append(t_ref)
            fits.append(t_fit)
            print(
                f"{form:<11} {k:>3} {t_ref:>12.3f} {t_fit:>11.3f} {t_fit / t_ref:>6.2f} {bound:>9}",
                flush=True,
            )
        ratio = statistics.median(fits) / statistics.median(refs)
        print(
            f"{form:<11} median: reference {statistics.median(refs):.3f} s (objective {best:.6e}), "
            f"168 fits {statistics.median(fits):.3f} s CPU = {ratio:.2f}x one reference fit",
            flush=True,
        )
        if args.cli:
            t_cli = cli_seconds(form)
            print(
                f"{form:<11} l2l fit-law --eval all --split sweep (fresh workspace): {t_cli:.2f} s CPU "
                f"= {t_cli / statistics.median(refs):.2f}x one reference fit",
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
