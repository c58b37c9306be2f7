"""Seeded synthetic run tables with a known truth, shaped like real groups' tables with downstream accuracies: an
OLMo-ladder-like one (4 datasets x 4 sizes x 3 token multiples, a held-out 3B run each, eight tasks) and
DataDecide-like ones (16 recipes x 4 sizes). Written for a probe of l2l's accuracy side and rank (2026-12-03).

python benchmarks/accuracy_tables.py SHAPE SEED OUTDIR   SHAPE in: ladder, dd, ddx (a forced crossover), ddn (none)

Truth:
  own loss   L = E + ((A/N)^(a/b) + B/D)^b                          (Eq. 3, per dataset)
  task loss  x_t = E1_t,d + K_t,d * (L - E_d)^kappa_t,d             (loss-to-loss, kappa != 1, K per dataset)
  accuracy   acc = chance + (ceil - chance) * sigmoid(-(x_t - x0_t)/s_t)   (one curve per task, shared)
Noise: 0.3 % log-normal on losses, accuracy + N(0, sd_t) (points), clipped to [0, 1].
Writes OUTDIR/t.csv (long: run_id,dataset,N,D,split,eval,metric,value[,chance]) and OUTDIR/truth.json
"""

import json
import math
import sys
from pathlib import Path

import numpy as np

# task: chance (true), ceiling, x0, s, noise sd, chance column given?, extra
TASKS = {
    # 4-way, good signal
    "hellaswag": {"chance": 0.25, "ceil": 0.95, "x0": 2.10, "s": 0.30, "sd": 0.008, "E1": 1.75},
    # 4-way, acc and len_norm (norm: a different curve, a bit higher)
    "arc_easy": {
        "chance": 0.25,
        "ceil": 0.90,
        "x0": 2.20,
        "s": 0.35,
        "sd": 0.012,
        "E1": 1.60,
        "norm": {"x0": 2.30, "s": 0.35},
    },
    # binary, saturating at a ceiling well below 1
    "piqa": {"chance": 0.50, "ceil": 0.80, "x0": 2.90, "s": 0.18, "sd": 0.008, "E1": 1.90},
    # 4-way, stays at chance over the whole sweep (and at the targets)
    "mmlu": {"chance": 0.25, "ceil": 0.90, "x0": 1.10, "s": 0.08, "sd": 0.008, "E1": 1.20},
    # 10-way MMLU-Pro: chance 0.10; l2l's name table says "mmlu" -> 0.25
    "mmlu_pro": {"chance": 0.10, "ceil": 0.80, "x0": 1.80, "s": 0.25, "sd": 0.008, "E1": 1.50},
    # 5-way CommonsenseQA: chance 0.2, given in a chance column
    "csqa": {"chance": 0.20, "ceil": 0.85, "x0": 2.10, "s": 0.30, "sd": 0.010, "E1": 1.70, "column": True},
    # 3-way, chance in the name only
    "xnli_3way": {"chance": 1 / 3, "ceil": 0.85, "x0": 2.10, "s": 0.30, "sd": 0.010, "E1": 1.80},
    # noisy, non-monotone wiggle on top of the curve
    "siqa": {"chance": 1 / 3, "ceil": 0.80, "x0": 2.20, "s": 0.35, "sd": 0.025, "E1": 1.80, "wiggle": 0.03},
}


def own(p, N, D):
    return p["E"] + ((p["A"] / N) ** (p["a"] / p["b"]) + p["B"] / D) ** p["b"]


def task_loss(p, tp, L):
    return tp["E1"] + tp["K"] * max(L - p["E"], 1e-9) ** tp["kappa"]


def acc_of(t, x, which="acc"):
    c = TASKS[t]
    x0, s = c["x0"], c["s"]
    if which == "norm":
        x0, s = c["norm"]["x0"], c["norm"]["s"]
    a = c["chance"] + (c["ceil"] - c["chance"]) / (1 + math.exp((x - x0) / s))
    if c.get("wiggle"):
        a += c["wiggle"] * math.sin(9.0 * x)
    return a


def draw_datasets(rng, n, shape):
    ds = {}
    for i in range(n):
        f = math.exp(rng.normal(0, 0.25))
        p = {
            "A": 6.7e7 * f * math.exp(rng.normal(0, 0.2)),
            "B": 9e8 * f * math.exp(rng.normal(0, 0.2)),
            "E": 1.97 + rng.normal(0, 0.06),
            "a": 0.41 + rng.normal(0, 0.02),
            "b": 0.45 + rng.normal(0, 0.015),
        }
        if (
            shape == "ddn"
        ):  # order fixed at every scale: a worse recipe is worse in A, B and E; shared exponents
            p.update(a=0.41, b=0.45, E=1.97 + 0.15 * math.log(f), B=9e8 * f)
        ds[f"r{i:02d}"] = p
    return ds


def draw_tasks(rng, ds):
    out = {}
    for d in ds:
        out[d] = {}
        for t, c in TASKS.items():
            out[d][t] = {
                "E1": c["E1"] + rng.normal(0, 0.03),
                "K": float(rng.uniform(0.9, 1.6)),
                "kappa": float(rng.uniform(0.8, 1.25)),
            }
    return out


def truth_at(ds, tl, d, N, D):
    L = own(ds[d], N, D)
    r = {"own": L}
    for t in tl[d]:
        x = task_loss(ds[d], tl[d][t], L)
        r[f"{t}_ce_loss"] = x
        r[f"{t}_acc"] = acc_of(t, x)
        if "norm" in TASKS[t]:
            r[f"{t}_len_norm"] = acc_of(t, x, "norm")
    return r


def main() -> None:  # noqa: C901 - one table, written top to bottom
    shape, seed, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    Path(out).mkdir(parents=True, exist_ok=True)
    if shape != "ladder":  # DataDecide-like tables: fewer tasks (speed)
        for t in list(TASKS):
            if t not in ("hellaswag", "arc_easy", "piqa", "mmlu"):
                del TASKS[t]
    if shape == "ladder":
        n_ds, sizes, tpp = 4, [60e6, 150e6, 300e6, 600e6], [10, 20, 40]
        targets = [(3e9, 60e9), (1.5e9, 30e9)]
    else:
        n_ds, sizes, tpp = 16, [60e6, 90e6, 150e6, 300e6], [10, 20, 40]
        targets = [(1e9, 20e9), (1e9, 100e9)]
    top_budget = (sizes[-1], sizes[-1] * tpp[-1])
    for attempt in range(500):
        rng = np.random.default_rng(1000 * seed + attempt + (0 if shape != "ddx" else 77))
        ds = draw_datasets(rng, n_ds, shape)
        tl = draw_tasks(rng, ds)
        if shape in ("ddx", "ddn"):
            # crossover on the hellaswag accuracy between the sweep's top budget and the 1B target
            at_top = {d: truth_at(ds, tl, d, *top_budget)["hellaswag_acc"] for d in ds}
            at_tgt = {d: truth_at(ds, tl, d, *targets[0])["hellaswag_acc"] for d in ds}
            lead_top = max(at_top, key=at_top.get)
            srt = sorted(at_tgt.values(), reverse=True)
            lead_tgt = max(at_tgt, key=at_tgt.get)
            margin = srt[0] - srt[1]
            if shape == "ddx" and (lead_top == lead_tgt or margin < 0.005):
                continue
            if shape == "ddn" and (lead_top != lead_tgt or margin < 0.005):
                continue
        break
    rng = np.random.default_rng(seed * 7919 + 13)
    rows = []
    runs = [(N, N * k, "sweep") for N in sizes for k in tpp] + [
        (N, D, "extrapolation") for N, D in targets[:1]
    ]
    for d in ds:
        for N, D, split in runs:
            rid = f"{d}-{N / 1e6:.0f}M-{D / N:.0f}x"
            tr = truth_at(ds, tl, d, N, D)
            L = tr["own"] * math.exp(rng.normal(0, 0.003))
            rows.append((rid, d, N, D, split, f"{d}_val", "loss", L, ""))
            for t, c in TASKS.items():
                x = tr[f"{t}_ce_loss"] * math.exp(rng.normal(0, 0.003))
                rows.append((rid, d, N, D, split, f"{t}_ce_loss", "loss", x, ""))
                ch = f"{c['chance']:.2f}" if c.get("column") else ""
                a = min(1, max(0, tr[f"{t}_acc"] + rng.normal(0, c["sd"])))
                rows.append((rid, d, N, D, split, f"{t}_acc", "accuracy", a, ch))
                if "norm" in c:
                    a = min(1, max(0, tr[f"{t}_len_norm"] + rng.normal(0, c["sd"])))
                    rows.append((rid, d, N, D, split, f"{t}_len_norm", "accuracy", a, ch))
    with Path(f"{out}/t.csv").open("w") as f:
        f.write("run_id,dataset,N,D,split,eval,metric,value,chance\n")
        for r in rows:
            f.write(
                ",".join([r[0], r[1], f"{r[2]:.6g}", f"{r[3]:.6g}", r[4], r[5], r[6], f"{r[7]:.6f}", r[8]])
                + "\n"
            )
    # truth at the targets, the top budget, and the compute-optimal points are not needed (rank with --N/--D)
    truth = {
        "shape": shape,
        "seed": seed,
        "datasets": ds,
        "task_laws": tl,
        "tasks": TASKS,
        "targets": {
            f"{N:.3g}x{D:.3g}": {d: truth_at(ds, tl, d, N, D) for d in ds} for N, D in [*targets, top_budget]
        },
        "sweep_range": {
            d: {
                k: [
                    min(truth_at(ds, tl, d, N, D)[k] for N, D, s in runs if s == "sweep"),
                    max(truth_at(ds, tl, d, N, D)[k] for N, D, s in runs if s == "sweep"),
                ]
                for k in truth_at(ds, tl, d, 1e9, 2e10)
            }
            for d in ds
        },
    }
    with Path(f"{out}/truth.json").open("w") as f:
        json.dump(truth, f, indent=1)


if __name__ == "__main__":
    main()
