"""Seeded synthetic run tables with a KNOWN truth (helper h2).

Usage: python gen.py SHAPE SEED OUTDIR [--noise 0.005]
Writes OUTDIR/runs.csv (losses + accuracies, long format, metric column), OUTDIR/truth.json
(targets with their noise-free values, held-out runs' noise-free values, true N* at budgets).

Truth: dataset d0's own loss follows a base law (Eq. 3 by default); every other dataset's own loss is
L_i = K_i (L_0 - E_0)^k_i + E_i  (so its law is Eq. 3 again); a shared test eval c4_val for each dataset is
T_i = Kt_i (L_i - E_i)^kt_i + Et; a task loss hs_i = Kh (L_i - E_i)^kh + Eh, and an accuracy
acc = 0.25 + 0.75 * sigmoid(-(hs - x0)/s) (shared across datasets).
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import numpy as np

BASE = {"A": 6.7e7, "B": 8.9e8, "E": 1.97, "alpha": 0.41, "beta": 0.45}
CHIN = {"A": 2500.0, "B": 7000.0, "E": 2.0, "alpha": 0.45, "beta": 0.45}
LINKS = [  # (K, kappa, E) of each dataset's own loss from d0's
    (1.0, 1.0, 1.97),
    (1.05, 0.97, 2.10),
    (0.62, 1.07, 1.32),
    (1.07, 1.01, 1.55),
    (0.63, 1.10, 0.85),
    (0.95, 1.03, 1.80),
    (1.10, 0.98, 2.30),
    (0.80, 1.05, 1.60),
    (1.02, 1.00, 2.02),
    (0.70, 1.08, 1.10),
    (1.15, 0.95, 2.40),
    (0.90, 1.04, 1.70),
]
TEST = [(1.03, 0.96, 2.35), (1.10, 1.05, 2.30), (1.30, 1.45, 2.90), (1.08, 1.10, 2.20), (1.33, 1.46, 2.94)]
HS = (0.93, 1.08, 2.12)
SIG = {"chance": 0.25, "x0": 2.75, "s": 0.18}


def eq3(p, N, D):
    return p["E"] + ((p["A"] / N) ** (p["alpha"] / p["beta"]) + p["B"] / D) ** p["beta"]


def eq1(p, N, D):
    return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]


def bent(N, D):
    """A broken power law in N (Eq. 1 in D): the N exponent steepens from 0.30 to 0.55 past N_b = 3e8."""
    A, a1, a2, Nb, delta = 400.0, 0.30, 0.55, 3e8, 0.5
    nterm = A * N**-a1 * (1 + (N / Nb) ** (1 / delta)) ** (-(a2 - a1) * delta)
    return 2.0 + nterm + 7000.0 / D**0.45


class Truth:
    def __init__(self, shape: str, n_datasets: int):
        self.shape = shape
        self.n = n_datasets
        self.names = [f"d{i}" for i in range(n_datasets)]

    def base(self, N, D):
        if self.shape == "bend":
            return bent(N, D)
        if self.shape == "chin":
            return eq1(CHIN, N, D)
        return eq3(BASE, N, D)

    def base_E(self):
        return {"bend": 2.0, "chin": CHIN["E"]}.get(self.shape, BASE["E"])

    def link(self, i):
        if self.shape == "twins" and i == 1:
            return (1.0, 1.0, self.base_E())
        return LINKS[i % len(LINKS)]

    def own(self, i, N, D):
        L0 = self.base(N, D)
        K, k, E = self.link(i)
        if i == 0:
            return L0
        return K * (L0 - self.base_E()) ** k + E

    def own_E(self, i):
        return self.base_E() if i == 0 else self.link(i)[2]

    def test(self, i, N, D):
        K, k, E = TEST[(0 if (self.shape == "twins" and i == 1) else i) % len(TEST)]
        return K * (self.own(i, N, D) - self.own_E(i)) ** k + E

    def hs(self, i, N, D):
        K, k, E = HS
        return K * (self.own(i, N, D) - self.own_E(i)) ** k + E

    def acc(self, i, N, D):
        x = self.hs(i, N, D)
        return SIG["chance"] + (1 - SIG["chance"]) / (1 + math.exp((x - SIG["x0"]) / SIG["s"]))

    def value(self, ds, ev, N, D):
        i = int(ds[1:])
        if ev == f"{ds}_val":
            return self.own(i, N, D)
        if ev == "c4_val":
            return self.test(i, N, D)
        if ev == "hellaswag_loss":
            return self.hs(i, N, D)
        if ev == "hellaswag_acc":
            return self.acc(i, N, D)
        raise KeyError(ev)

    def optimum(self, C):
        """N* minimising the base loss at C = 6ND (every dataset shares it: monotone links)."""
        lo, hi = math.log(1e5), math.log(1e14)
        f = lambda ln: self.base(math.exp(ln), C / (6 * math.exp(ln)))  # noqa: E731
        g = (math.sqrt(5) - 1) / 2
        a, b = lo, hi
        for _ in range(200):
            c, d = b - g * (b - a), a + g * (b - a)
            if f(c) < f(d):
                b = d
            else:
                a = c
        n = math.exp((a + b) / 2)
        return n, C / (6 * n)


def grid(shape):  # noqa: C901 (one branch per shape)
    """(N, D) of the sweep runs and of the held-out runs."""
    sweep, held = [], []
    if shape in ("iso", "chin", "bend", "noisy", "twins"):
        for C in np.geomspace(1e17, 1e19, 5):
            for tpp in (4, 8, 16, 32, 64, 128):
                n = math.sqrt(C / (6 * tpp))
                sweep.append((n, tpp * n))
        for C in (1e20, 1e21):
            n = math.sqrt(C / (6 * 20))
            held.append((n, 20 * n))
    elif shape == "line20":
        for n in np.geomspace(2e7, 8e8, 8):
            sweep.append((float(n), float(20 * n)))
        for n in (1.6e9, 4e9):
            held.append((n, 20 * n))
    elif shape == "line100":
        for n in np.geomspace(4e6, 3e8, 8):
            sweep.append((float(n), float(100 * n)))
        for n in (1e9,):
            held.append((n, 100 * n))
    elif shape in ("ladder", "many"):
        for n in np.geomspace(2e7, 4e8, 5):
            for m in (5, 10, 20, 40):
                sweep.append((float(n), float(m * n)))
        for n in (1.2e9,):
            held.append((n, 20 * n))
    elif shape in ("few", "few6"):
        extra = ((8e7, 80),) if shape == "few6" else ()
        for n, m in (
            (20000000.0, 20),
            (50000000.0, 10),
            (100000000.0, 40),
            (200000000.0, 20),
            (400000000.0, 5),
            *extra,
        ):
            sweep.append((float(n), float(m * n)))
        held.append((1e9, 2e10))
    else:
        raise SystemExit(f"unknown shape {shape}")
    return sweep, held


def main():
    shape, seed, out = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    noise = float(sys.argv[sys.argv.index("--noise") + 1]) if "--noise" in sys.argv else 0.005
    ndat = 10 if shape == "many" else (4 if not shape.startswith("few") else 3)
    T = Truth(shape, ndat)
    rng = np.random.default_rng(seed)
    sweep, held = grid(shape)
    rows = []
    out.mkdir(parents=True, exist_ok=True)
    for di, ds in enumerate(T.names):
        sd = 0.03 if (shape == "noisy" and di == 1) else noise
        for split, pts in (("sweep", sweep), ("extrapolation", held)):
            for j, (N, D) in enumerate(pts):
                rid = f"{ds}-{split[:2]}{j}"
                for ev in (f"{ds}_val", "c4_val", "hellaswag_loss"):
                    v = T.value(ds, ev, N, D) * math.exp(rng.normal(0, sd))
                    rows.append((ds, N, D, ev, "loss", v, rid, split))
                a = T.value(ds, "hellaswag_acc", N, D) + rng.normal(0, 0.006)
                rows.append((ds, N, D, "hellaswag_acc", "accuracy", min(max(a, 0.0), 1.0), rid, split))
    with (out / "runs.csv").open("w") as fh:
        fh.write("dataset,N,D,eval,metric,value,run_id,split\n")
        for r in rows:
            fh.write(
                f"{r[0]},{float(r[1]):.6g},{float(r[2]):.6g},{r[3]},{r[4]},{float(r[5])!r},{r[6]},{r[7]}\n"
            )
    maxN = max(n for n, _ in sweep)
    maxD = max(d for _, d in sweep)
    maxC = max(6 * n * d for n, d in sweep)
    targets = []
    for mult in (2, 5, 20):
        C = maxC * mult
        n_opt, d_opt = T.optimum(C)
        tpp_line = sweep[-1][1] / sweep[-1][0]
        cands = {
            "opt": (n_opt, d_opt),
            "tpp5": (math.sqrt(C / 30), 5 * math.sqrt(C / 30)),
            "tpp200": (math.sqrt(C / 1200), 200 * math.sqrt(C / 1200)),
        }
        if shape.startswith("line") or shape.startswith("few"):
            n = math.sqrt(C / (6 * tpp_line))
            cands["line"] = (n, tpp_line * n)
        for tag, (N, D) in cands.items():
            for ds in T.names:
                vals = {
                    ev: T.value(ds, ev, N, D)
                    for ev in (f"{ds}_val", "c4_val", "hellaswag_loss", "hellaswag_acc")
                }
                targets.append(
                    {"mult": mult, "tag": tag, "dataset": ds, "N": N, "D": D, "C": 6 * N * D, "truth": vals}
                )
    heldt = [
        {
            "dataset": ds,
            "N": N,
            "D": D,
            "truth": {
                ev: T.value(ds, ev, N, D) for ev in (f"{ds}_val", "c4_val", "hellaswag_loss", "hellaswag_acc")
            },
        }
        for ds in T.names
        for N, D in held
    ]
    opt = {f"{maxC * m:.6g}": T.optimum(maxC * m) for m in (2, 5, 20)}
    (out / "truth.json").write_text(
        json.dumps(
            {
                "shape": shape,
                "seed": seed,
                "noise": noise,
                "datasets": T.names,
                "maxN": maxN,
                "maxD": maxD,
                "maxC": maxC,
                "own_E": {ds: T.own_E(i) for i, ds in enumerate(T.names)},
                "targets": targets,
                "held": heldt,
                "optimum": opt,
                "links": {ds: T.link(i) for i, ds in enumerate(T.names)},
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
