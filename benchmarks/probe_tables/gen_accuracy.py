"""Accuracy-scenario generator (derived from p38/gen.py laws). python gen.py SEED OUTDIR"""
# ruff: noqa  (a probe's generator, kept as the probe wrote it so that its seeds draw the same tables)

import json, math, sys, os, csv
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen38 import draw_law, own_loss, NAMES


def sig(z):
    return 1 / (1 + math.exp(-z))


def main(seed, out):
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    nds = int(rng.integers(2, 5))
    dsn = list(rng.choice(NAMES, nds, replace=False))
    laws = {d: draw_law(rng) for d in dsn}
    # task loss = K*(L-E)^kappa + E1 per dataset
    tr = {
        d: dict(K=rng.uniform(0.8, 1.3), kappa=rng.uniform(0.8, 1.2), E1=rng.uniform(2.0, 2.8)) for d in dsn
    }
    scen = str(rng.choice(["plain", "late", "inverse", "shift", "percent"]))
    tasks = {}
    for t, ch in [("hellaswag", 0.25), ("piqa", 0.5)]:
        tasks[t] = dict(
            chance=ch,
            ceil=rng.uniform(0.7, 1.0),
            s=rng.uniform(0.1, 0.3),
            noise=rng.uniform(0.005, 0.02),
            sign=1.0,
            shift={d: 0.0 for d in dsn},
            mid=None,
        )
    nsizes = int(rng.integers(4, 8))
    lo_n, hi_n = 10 ** rng.uniform(7, 7.5), 10 ** rng.uniform(8.6, 9.2)
    sizes = sorted(set(float(f"{x:.3g}") for x in np.exp(np.linspace(np.log(lo_n), np.log(hi_n), nsizes))))
    mults = sorted(rng.choice([5, 10, 20, 40, 80], int(rng.integers(2, 4)), replace=False).tolist())
    confs = [(N, float(m * N), "sweep") for N in sizes for m in mults]
    f = rng.uniform(3, 10)
    Nb = float(f"{sizes[-1] * f:.3g}")
    confs.append((Nb, 20 * Nb, "extrapolation"))

    def tl(d, N, D):
        L = own_loss(laws[d], N, D)
        t = tr[d]
        return L, t["K"] * (L - laws[d]["E"]) ** t["kappa"] + t["E1"]

    # task-loss range over sweep
    xs = [tl(d, N, D)[1] for d in dsn for (N, D, s) in confs if s == "sweep"]
    xmin, xmax = min(xs), max(xs)
    xh = [tl(d, Nb, 20 * Nb)[1] for d in dsn]
    for t, p in tasks.items():
        p["mid"] = float(rng.uniform(xmin + 0.2 * (xmax - xmin), xmax - 0.2 * (xmax - xmin)))
    if scen == "late":  # hellaswag emerges only at/below the sweep's best losses
        tasks["hellaswag"]["mid"] = float(xmin - rng.uniform(0.0, 0.15))
        tasks["hellaswag"]["s"] = float(rng.uniform(0.05, 0.12))
    if scen == "inverse":
        tasks["hellaswag"]["sign"] = -1.0
    if scen == "shift":
        for t in tasks:
            tasks[t]["shift"] = {d: float(rng.uniform(-0.3, 0.3)) for d in dsn}
    pct = scen == "percent"

    def acc(t, d, x):
        p = tasks[t]
        return p["chance"] + (p["ceil"] - p["chance"]) * sig(
            -p["sign"] * (x - p["mid"] - p["shift"][d]) / p["s"]
        )

    rows, targets = [], []
    lnoise = rng.uniform(0.002, 0.01)
    for d in dsn:
        for N, D, split in confs:
            rid = f"{d}-{N:.3g}-{D:.3g}"
            L, x = tl(d, N, D)
            e = rng.normal(0, lnoise)
            rows.append(
                dict(
                    dataset=d,
                    N=N,
                    D=D,
                    eval=f"{d}_val",
                    value=L * math.exp(e),
                    metric="loss",
                    run_id=rid,
                    split=split,
                )
            )
            for t in tasks:
                xm = x * math.exp(e + rng.normal(0, lnoise / 3))
                rows.append(
                    dict(
                        dataset=d,
                        N=N,
                        D=D,
                        eval=f"{t}_loss",
                        value=xm,
                        metric="loss",
                        run_id=rid,
                        split=split,
                    )
                )
                a = min(max(acc(t, d, x) + rng.normal(0, tasks[t]["noise"]), 0.0), 1.0)
                rows.append(
                    dict(
                        dataset=d,
                        N=N,
                        D=D,
                        eval=f"{t}_acc",
                        value=a * 100 if pct else a,
                        metric="accuracy",
                        run_id=rid,
                        split=split,
                    )
                )
                if split == "extrapolation":
                    targets.append(dict(dataset=d, task=t, N=N, D=D, x=x, truth=acc(t, d, x), measured=a))
    with open(os.path.join(out, "runs.csv"), "w", newline="") as fh:
        w = csv.DictWriter(fh, ["dataset", "N", "D", "eval", "value", "metric", "run_id", "split"])
        w.writeheader()
        w.writerows(rows)
    json.dump(
        dict(
            seed=seed,
            scen=scen,
            datasets=dsn,
            laws=laws,
            tr=tr,
            tasks=tasks,
            sizes=sizes,
            mults=mults,
            Nb=Nb,
            xrange=[xmin, xmax],
            xhold=xh,
            targets=targets,
        ),
        open(os.path.join(out, "truth.json"), "w"),
        indent=1,
    )


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
