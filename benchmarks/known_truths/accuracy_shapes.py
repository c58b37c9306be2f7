"""Seeded tables with a known downstream-accuracy truth, in three shapes of real groups' tables (helper h45).

python benchmarks/known_truths/accuracy_shapes.py SHAPE SEED OUTDIR     SHAPE in: ladder, datadecide, chinchilla

Truth:
  own loss   L = E + A/N^a + B/D^b                                   (Eq. 1, per dataset)
  task loss  T = K·(L − E)^κ + E1                                    (per task, K and E1 per dataset)
  accuracy   acc = chance + (ceil − chance)·sigmoid(−(T − x0)/s)     (one curve per task)
Noise: losses × exp(N(0, 0.4 %)), accuracies + N(0, sd) with sd 0.5–1 point, clipped to [0, 1].

Shapes:
  ladder      OLMo-style per-step log: one mix, 5 sizes (150M–1B) × 4 token multiples (20, 40, 100, 200 tokens per
              parameter), 10 checkpoints a run (losses and accuracies at each; a checkpoint before the end lies up to
              2 % above a finished run), a task's loss and accuracy under one name in a metric column; targets
              7B × 140B and 13B × 260B.
  datadecide  12 data recipes × 5 sizes (20M–530M) at 100 tokens per parameter, 3 seeds each, own eval `val`,
              5 checkpoints a run (ingested with --checkpoints all: the final checkpoints alone, 5 runs a recipe on one
              line of D/N, cannot fit Eq. 3 and predict refuses); the hard tasks sit at chance for the small models;
              targets 1B × 100B and 3B × 300B.
  chinchilla  4 datasets, an isoFLOP sweep (5 budgets 3e17–3e19 × 5 sizes), 3 tasks: one at chance for most runs,
              one mid, one near its ceiling; targets 2.8B × 60B and 7B × 140B.

Writes OUTDIR/t.csv (long: run_id,dataset,N,D,[step,]seed,eval,metric,value[,chance]) and OUTDIR/truth.json
({"ingest": [...options...], "targets": [{"N", "D", "truth": {dataset: {task: accuracy}}}]}).
"""

from __future__ import annotations

import csv
import json
import math
import sys
from pathlib import Path

import numpy as np

LOSS_SD = 0.004

# task: chance, ceiling, x0, s (task-loss units), accuracy noise sd, task-loss map (K, kappa, E1)
TASKS: dict[str, dict[str, dict[str, float]]] = {
    "ladder": {
        "hellaswag": {
            "chance": 0.25,
            "ceil": 0.95,
            "x0": 2.40,
            "s": 0.25,
            "sd": 0.006,
            "K": 1.0,
            "k": 1.2,
            "E1": 1.60,
        },
        "arc_easy": {
            "chance": 0.25,
            "ceil": 0.88,
            "x0": 2.25,
            "s": 0.30,
            "sd": 0.009,
            "K": 1.1,
            "k": 1.1,
            "E1": 1.40,
        },
        "piqa": {
            "chance": 0.50,
            "ceil": 0.85,
            "x0": 2.10,
            "s": 0.35,
            "sd": 0.007,
            "K": 0.9,
            "k": 1.0,
            "E1": 1.30,
        },
    },
    "datadecide": {
        "hellaswag": {
            "chance": 0.25,
            "ceil": 0.95,
            "x0": 2.35,
            "s": 0.20,
            "sd": 0.006,
            "K": 1.0,
            "k": 1.2,
            "E1": 1.60,
        },
        "arc_easy": {
            "chance": 0.25,
            "ceil": 0.88,
            "x0": 2.05,
            "s": 0.25,
            "sd": 0.010,
            "K": 1.1,
            "k": 1.1,
            "E1": 1.40,
        },
        "piqa": {
            "chance": 0.50,
            "ceil": 0.85,
            "x0": 2.20,
            "s": 0.30,
            "sd": 0.008,
            "K": 0.9,
            "k": 1.0,
            "E1": 1.30,
        },
    },
    "chinchilla": {
        # hard: at chance for most runs, rises at the largest budgets
        "mmlu": {
            "chance": 0.25,
            "ceil": 0.90,
            "x0": 2.30,
            "s": 0.15,
            "sd": 0.007,
            "K": 1.0,
            "k": 1.1,
            "E1": 1.50,
        },
        # mid
        "arc_easy": {
            "chance": 0.25,
            "ceil": 0.88,
            "x0": 2.60,
            "s": 0.30,
            "sd": 0.009,
            "K": 1.1,
            "k": 1.1,
            "E1": 1.40,
        },
        # easy: near its ceiling for most runs
        "sciq": {
            "chance": 0.25,
            "ceil": 0.96,
            "x0": 3.60,
            "s": 0.35,
            "sd": 0.006,
            "K": 1.0,
            "k": 1.0,
            "E1": 1.50,
        },
    },
}


def own(p: dict[str, float], N: float, D: float) -> float:
    return p["E"] + p["A"] / N ** p["a"] + p["B"] / D ** p["b"]


def task_loss(p: dict[str, float], t: dict[str, float], L: float) -> float:
    return p["K_" + t["name"]] * max(L - p["E"], 1e-9) ** t["k"] + p["E1_" + t["name"]]  # type: ignore[operator]


def accuracy(t: dict[str, float], x: float) -> float:
    return t["chance"] + (t["ceil"] - t["chance"]) / (1.0 + math.exp((x - t["x0"]) / t["s"]))


def datasets(shape: str, rng: np.random.Generator) -> dict[str, dict[str, float]]:
    names = {"ladder": ["olmo-mix"], "datadecide": [f"recipe{i:02d}" for i in range(12)]}.get(
        shape, ["web", "edu", "books", "code"]
    )
    out = {}
    for i, name in enumerate(names):
        j = 0.0 if len(names) == 1 else rng.uniform(-1, 1)
        p = {
            "E": 1.69 + 0.12 * j,
            "A": 406.4 * math.exp(0.15 * rng.uniform(-1, 1) if len(names) > 1 else 0.0),
            "a": 0.34 + (0.02 * rng.uniform(-1, 1) if len(names) > 1 else 0.0),
            "B": 410.7 * math.exp(0.15 * rng.uniform(-1, 1) if len(names) > 1 else 0.0),
            "b": 0.28 + (0.01 * rng.uniform(-1, 1) if len(names) > 1 else 0.0),
        }
        for tn, t in TASKS[shape].items():
            u = 0.0 if len(names) == 1 else 1.0
            p["K_" + tn] = t["K"] * math.exp(0.08 * u * rng.uniform(-1, 1))
            p["E1_" + tn] = t["E1"] + 0.05 * u * rng.uniform(-1, 1)
        out[name] = p
        del i
    return out


def write(shape: str, seed: int, outdir: Path) -> None:
    rng = np.random.default_rng(1000 * {"ladder": 1, "datadecide": 2, "chinchilla": 3}[shape] + seed)
    ds = datasets(shape, rng)
    tasks = TASKS[shape]
    for tn, t in tasks.items():
        t["name"] = tn  # type: ignore[assignment]
    rows: list[dict[str, object]] = []
    if shape == "ladder":
        sizes = [150e6, 300e6, 530e6, 750e6, 1e9]
        runs = [(N, 20 * m * N, 0) for N in sizes for m in (1, 2, 5, 10)]
        steps = 10
        targets = [(7e9, 140e9), (13e9, 260e9)]
        ingest = ["--own-eval", "all=val"]
    elif shape == "datadecide":
        sizes = [20e6, 60e6, 150e6, 300e6, 530e6]
        runs = [(N, 100 * N, s) for N in sizes for s in (0, 1, 2)]
        steps = 5  # final checkpoints alone lie on one line of D/N: 5 runs a recipe cannot fit Eq. 3 (predict refuses)
        targets = [(1e9, 100e9), (3e9, 300e9)]
        ingest = ["--own-eval", "all=val", "--checkpoints", "all"]
    else:
        runs = []
        for C in (3e17, 1e18, 3e18, 1e19, 3e19):
            nopt = 0.1 * math.sqrt(C / 6) * 2.2  # about 20 tokens per parameter
            for f in (0.3, 0.55, 1.0, 1.8, 3.3):
                N = float(f"{nopt * f:.3g}")
                runs.append((N, float(f"{C / (6 * N):.3g}"), 0))
        steps = 1
        targets = [(2.8e9, 60e9), (7e9, 140e9)]
        ingest = ["--own-eval", "all=val"]
    for name, p in ds.items():
        for N, D, s in runs:
            rid = f"{name}-{N / 1e6:.0f}M-{D / N:.0f}tpp" + (f"-s{s}" if shape == "datadecide" else "")
            for k in range(1, steps + 1):
                frac = k / steps
                Dk = D * frac
                bump = 1.0 + 0.02 * (1.0 - frac)
                L = own(p, N, Dk) * bump
                row = {"run_id": rid, "dataset": name, "N": f"{N:.6g}", "D": f"{Dk:.6g}", "seed": s}
                if steps > 1:
                    row["step"] = k * 1000
                rows.append(
                    {
                        **row,
                        "eval": "val",
                        "metric": "loss",
                        "value": f"{L * math.exp(rng.normal(0, LOSS_SD)):.5f}",
                    }
                )
                for tn, t in tasks.items():
                    x = task_loss(p, t, L)
                    a = accuracy(t, x) + rng.normal(0, t["sd"])
                    x_obs = x * math.exp(rng.normal(0, LOSS_SD))
                    rows.append({**row, "eval": tn, "metric": "loss", "value": f"{x_obs:.5f}"})
                    rows.append({**row, "eval": tn, "metric": "acc", "value": f"{min(max(a, 0.0), 1.0):.4f}"})
    outdir.mkdir(parents=True, exist_ok=True)
    cols = (
        ["run_id", "dataset", "N", "D"]
        + (["step"] if steps > 1 else [])
        + ["seed", "eval", "metric", "value"]
    )
    with (outdir / "t.csv").open("w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols)
        w.writeheader()
        w.writerows(rows)
    truth = {
        "shape": shape,
        "seed": seed,
        "ingest": ingest,
        "tasks": list(tasks),
        "targets": [
            {
                "N": N,
                "D": D,
                "truth": {
                    name: {tn: 100 * accuracy(t, task_loss(p, t, own(p, N, D))) for tn, t in tasks.items()}
                    for name, p in ds.items()
                },
                "task_loss": {
                    name: {tn: task_loss(p, t, own(p, N, D)) for tn, t in tasks.items()}
                    for name, p in ds.items()
                },
            }
            for N, D in targets
        ],
        "sweep_best": {
            name: {
                tn: 100 * max(accuracy(t, task_loss(p, t, own(p, N, D))) for N, D, _ in runs)
                for tn, t in tasks.items()
            }
            for name, p in ds.items()
        },
    }
    (outdir / "truth.json").write_text(json.dumps(truth, indent=1))


if __name__ == "__main__":
    write(sys.argv[1], int(sys.argv[2]), Path(sys.argv[3]))
