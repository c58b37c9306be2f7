"""Seeded tables of many datasets (helper h65, 2026-12-07): ``python benchmarks/probe_tables/many_datasets.py K T
OUT.csv`` (seed 65 + K + 100·T).

K datasets ds00.. each with its own Eq. 3 law (own eval dsNN_val), a shared eval c4_val (a shifted power law of
the own loss), T tasks taskNN with a loss (a shifted power law of the own loss) and an accuracy (a sigmoid of the
task loss). 25 sweep runs a dataset (5 budgets × 5 sizes) and one held-out 3.3B run at 1e21 (split ``heldout``).
Noise lognormal 0.4 % on losses, ±0.6 points on accuracies. Used to time commands as the datasets grow (README,
"Ingest of many datasets" and "The translations' bootstrap draws fitted as one stack")."""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

import numpy as np

from l2l.core.laws import ScalingLaw


def main(k_datasets: int, t_tasks: int, out: str) -> None:
    rng = np.random.default_rng(65 + k_datasets + 100 * t_tasks)
    draw = np.random.default_rng(7)
    base = ScalingLaw("l2l", A=5.96e7, B=8.20e8, E=2.00, alpha=0.43, beta=0.48)
    grid = []
    for c in (2e17, 6e17, 2e18, 6e18, 2e19):
        n0, _ = base.compute_optimal(c)
        for n in float(n0) * np.geomspace(1 / 4, 4, 5):
            grid.append((float(np.round(n, -3)), c / (6 * float(np.round(n, -3))), "sweep"))
    grid.append((3.3e9, 1e21 / (6 * 3.3e9), "heldout"))
    tasks = [
        (
            float(draw.uniform(0.8, 1.2)),
            float(draw.uniform(0.9, 1.1)),
            float(draw.uniform(0.9, 1.4)),
            float(draw.uniform(0.2, 0.3)),
        )
        for _ in range(t_tasks)
    ]

    def noisy(v: float) -> float:
        return float(v * math.exp(0.004 * rng.standard_normal()))

    with Path(out).open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "run_id", "N", "D", "split", "eval", "metric", "value"])
        for k in range(k_datasets):
            ds = f"ds{k:02d}"
            own = ScalingLaw(
                "l2l",
                A=float(5e7 * math.exp(draw.normal(0, 0.3))),
                B=float(6e8 * math.exp(draw.normal(0, 0.3))),
                E=float(draw.uniform(1.6, 2.3)),
                alpha=float(draw.uniform(0.3, 0.45)),
                beta=float(draw.uniform(0.3, 0.45)),
            )
            c4 = own.translated(float(draw.uniform(0.9, 1.2)), float(draw.uniform(0.9, 1.1)), 2.3)
            task_laws = [own.translated(kk, kappa, e1) for kk, kappa, e1, _ in tasks]
            for j, (n, d, split) in enumerate(grid):
                common = [ds, f"{ds}-{j:02d}", n, d, split]
                w.writerow([*common, f"{ds}_val", "loss", noisy(float(own.predict(n, d)))])
                w.writerow([*common, "c4_val", "loss", noisy(float(c4.predict(n, d)))])
                for t, ((_, _, e1, chance), law) in enumerate(zip(tasks, task_laws, strict=True)):
                    x = float(law.predict(n, d))
                    acc = chance + (1 - chance) / (1 + math.exp((x - (e1 + 0.6)) / 0.25))
                    w.writerow([*common, f"task{t:02d}", "loss", noisy(x)])
                    acc = float(np.clip(acc + 0.006 * rng.standard_normal(), 0, 1))
                    w.writerow([*common, f"task{t:02d}", "accuracy", acc])


if __name__ == "__main__":
    main(int(sys.argv[1]), int(sys.argv[2]), sys.argv[3])
