"""Bootstrap draws that the batched descent leaves unsettled: polished one by one (before) or first descended
together with a longer curvature memory and then polished from there (now; a law with E on its bound keeps the
first way, as ``bootstrap_law`` does), on real and synthetic laws.

    OMP_NUM_THREADS=1 python benchmarks/bench_bootstrap.py                 # paper own + 24 other evals, shapes
    OMP_NUM_THREADS=1 python benchmarks/bench_bootstrap.py --other 0       # the paper's own losses only

For each law (fitted in Eq. 3 and in Eq. 1 on its sweep runs) it makes the same 200 draws both ways and reports the
CPU of each, how many draws were unsettled, how many of the new draws end with an objective worse than before (by
more than 1e-6 relative and 1e-12 absolute; both ways every such draw ends in scipy's polish, so the two end on
the same flat ridges at different points) or better, and the bootstrap sd of log L̂ at 2x the largest N
(D = 20 N) each way: the number an interval is made of.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np
import polars as pl

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from l2l.core import search  # noqa: E402
from l2l.core.fit import fit_law  # noqa: E402
from l2l.core.laws import log_loss  # noqa: E402
from l2l.io.tables import read_runs  # noqa: E402
from l2l.testing import shapes  # noqa: E402

DRAWS = 200


def paper_laws(other: int) -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    df = pl.read_csv(ROOT / "sample_data" / "brandfonbrener2024_runs.csv").filter(pl.col("split") == "sweep")
    own = dict(
        read_runs([ROOT / "sample_data" / "brandfonbrener2024_runs.csv"]).own_eval
    )  # as ingest finds them
    keys = sorted(df.select("dataset", "eval").unique().iter_rows())
    others = [k for k in keys if own.get(k[0]) != k[1]]
    rng = np.random.default_rng(0)
    picked = [others[i] for i in sorted(rng.choice(len(others), min(other, len(others)), replace=False))]
    out = []
    for ds, ev in [*own.items(), *picked]:
        sub = df.filter((pl.col("dataset") == ds) & (pl.col("eval") == ev))
        out.append((f"paper {ds}/{ev}", *(sub[c].to_numpy().astype(np.float64) for c in ("N", "D", "loss"))))
    return out


def shape_laws() -> list[tuple[str, np.ndarray, np.ndarray, np.ndarray]]:
    out = []
    for seed in (0, 1):
        df = pl.DataFrame(shapes.wide_export(seed=seed).rows).filter(pl.col("Tags") == "sweep")
        for col in [c for c in df.columns if c.startswith("eval/")]:
            for ds in sorted(set(df["dataset"])):
                sub = df.filter(pl.col("dataset") == ds)
                out.append(
                    (
                        f"wide{seed} {ds}/{col.split('/')[1]}",
                        sub["params"].to_numpy().astype(np.float64),
                        sub["tokens"].to_numpy().astype(np.float64),
                        sub[col].to_numpy().astype(np.float64),
                    )
                )
    return out


def run(name: str, n: np.ndarray, d: np.ndarray, y: np.ndarray, form: str) -> dict[str, float | str]:
    fit = fit_law(n, d, y, form=form)
    problem = search.Problem(fit.form, np.log(n), np.log(d), np.log(y), fit.objective, fit.delta)
    counts = np.random.default_rng(0).multinomial(len(y), np.full(len(y), 1.0 / len(y)), size=DRAWS)
    counts = counts.astype(np.float64)
    t = time.process_time()
    before = search.weighted_refit(problem, fit.law.theta, counts, loose_iterations=0)
    t_before = time.process_time() - t
    t = time.process_time()
    # as bootstrap_law refits: a law with E on its bound keeps the draw-by-draw polish
    now = search.weighted_refit(
        problem,
        fit.law.theta,
        counts,
        loose_iterations=0 if "E" in fit.at_bounds else search.LOOSE_ITERATIONS,
    )
    t_now = time.process_time() - t
    fb = np.array([replace(problem, weights=counts[i]).value(before[i : i + 1])[0] for i in range(DRAWS)])
    fn = np.array([replace(problem, weights=counts[i]).value(now[i : i + 1])[0] for i in range(DRAWS)])
    worse = int(np.sum(fn > fb * (1 + 1e-6) + 1e-12))
    better = int(np.sum(fb > fn * (1 + 1e-6) + 1e-12))
    worst = float(np.max((fn - fb) / np.maximum(fb, 1e-300)))
    target_n = 2 * float(n.max())
    lx, ld = np.log([target_n]), np.log([20 * target_n])
    sd_b = float(np.std(log_loss(fit.form, before, lx, ld)[:, 0], ddof=1))
    sd_n = float(np.std(log_loss(fit.form, now, lx, ld)[:, 0], ddof=1))
    return {
        "law": name,
        "form": form,
        "E_at_bound": "yes" if "E" in fit.at_bounds else "",
        "cpu_before": t_before,
        "cpu_now": t_now,
        "worse": worse,
        "worst": worst,
        "better": better,
        "sd_before": sd_b,
        "sd_now": sd_n,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--other", type=int, default=24, help="the paper's other-eval laws to include (random, seeded)"
    )
    ap.add_argument("--no-shapes", action="store_true")
    args = ap.parse_args()
    laws = paper_laws(args.other) + ([] if args.no_shapes else shape_laws())
    rows = []
    for name, n, d, y in laws:
        for form in ("l2l", "chinchilla"):
            r = run(name, n, d, y, form)
            rows.append(r)
            print(
                f"{r['law']:<52} {form:<10} {r['E_at_bound']:>3} {r['cpu_before']:7.2f}s {r['cpu_now']:7.2f}s "
                f"worse {r['worse']:3d} (<= {r['worst']:.0e}) better {r['better']:3d} "
                f"sd {r['sd_before']:.5f} {r['sd_now']:.5f}",
                flush=True,
            )
    tb = sum(float(r["cpu_before"]) for r in rows)
    tn = sum(float(r["cpu_now"]) for r in rows)
    sd_rel = [abs(float(r["sd_now"]) / float(r["sd_before"]) - 1) for r in rows if float(r["sd_before"]) > 0]
    posed = [r for r in rows if not r["E_at_bound"]]
    print(f"\n{len(rows)} laws x {DRAWS} draws: CPU {tb:.1f} s before, {tn:.1f} s now ({tb / tn:.1f}x)")
    print(
        f"draws worse than before: {sum(int(r['worse']) for r in rows)} "
        f"({sum(int(r['worse']) for r in posed)} in laws with E off its bound), better: "
        f"{sum(int(r['better']) for r in rows)}, of {len(rows) * DRAWS}"
    )
    print(f"largest relative objective above before's: {max(float(r['worst']) for r in rows):.1e}")
    print(
        f"sd of log L at 2x the largest N: median |now/before - 1| {np.median(sd_rel):.2e}, "
        f"max {max(sd_rel):.2e}"
    )


if __name__ == "__main__":
    main()
