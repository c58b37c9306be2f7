"""Generator of probe tables: python gen.py SCENARIO SEED OUT.csv (also writes OUT.truth.csv: the noise-free
held-out values)."""

import csv
import math
import sys
from pathlib import Path

import numpy as np

from l2l.core.laws import ScalingLaw
from l2l.testing import PAPER_LIKE_LAW

HOFF = ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28)
BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
# per dataset: own-loss shift of the base truth y = K*(x-E0)^kappa + E1 ; c4_val shift of own loss
DS = {"web": (1.0, 1.0, 0.0), "code": (0.65, 1.08, -1.1), "books": (1.05, 0.95, 0.2)}
C4 = {"web": (1.02, 1.05, 0.35), "code": (1.2, 0.9, 0.55), "books": (0.97, 1.02, 0.40)}


def base_fn(scn):
    if scn == "kaplan":  # Kaplan et al. 2020 Eq. 1.5: no irreducible term
        Nc, Dc, aN, aD = 8.8e13, 5.4e13, 0.076, 0.095
        return (lambda N, D: ((Nc / N) ** (aN / aD) + Dc / D) ** aD), 0.0
    if scn in (
        "broken",
        "brokenlo",
    ):  # Chinchilla form, N exponent 0.34 below 300M and 0.2 above (continuous)

        def f(N, D):
            N = np.asarray(N, float)
            nterm = np.where(N <= 3e8, 406.4 / N**0.34, 406.4 / 3e8**0.34 * (N / 3e8) ** -0.2)
            return 1.69 + nterm + 410.7 / np.asarray(D, float) ** 0.28

        return f, 1.69
    if (
        scn == "gridctl"
    ):  # control for brokenlo: same design, unbroken Chinchilla truth (N exponent 0.34 throughout)
        return (lambda N, D: HOFF.predict(N, D)), 1.69
    return (lambda N, D: PAPER_LIKE_LAW.predict(N, D)), PAPER_LIKE_LAW.E


def own(scn, ds, N, D):
    f, E0 = base_fn(scn)
    K, k, sh = DS[ds]
    x = f(N, D)
    if scn == "kaplan":  # keep every own law free of an irreducible term
        return K * x**k
    return K * (x - E0) ** k + E0 + sh


def c4(scn, ds, N, D):
    _f, E0 = base_fn(scn)
    y = own(scn, ds, N, D)
    K, k, e = C4[ds]
    floor = 0.0 if scn == "kaplan" else E0 + DS[ds][2]
    return K * (y - floor) ** k + (0.0 if scn == "kaplan" else e + 1.0)


def iso(budgets, sizes=7, spread=6.0, ref=HOFF):
    out = []
    for c in budgets:
        n_opt = float(ref.compute_optimal(c)[0])
        for n in n_opt * np.geomspace(1 / spread, spread, sizes):
            n = float(np.round(n, -3))
            out.append((n, c / (6 * n)))
    return out


def design(scn):
    ref = PAPER_LIKE_LAW if scn not in ("kaplan", "broken", "brokenlo", "gridctl") else HOFF
    if scn == "overtrain":  # 3 sizes, 1x-32x Chinchilla (20 tok/param)
        sweep = [(n, n * 20 * m) for n in (5e7, 1.5e8, 4e8) for m in np.geomspace(1, 32, 12)]
        targets = [(1.2e9, 1.2e9 * 20), (1.2e9, 1.2e9 * 80), (4e8, 4e8 * 20 * 128)]
        return sweep, targets
    sweep = iso(BUDGETS, ref=ref)
    if scn in ("brokenlo", "gridctl"):  # grid sweep entirely below the 300M break; targets above it
        sweep = [(float(n), float(n * m)) for n in np.geomspace(2e7, 3e8, 6) for m in (8, 14, 20, 30, 45, 70)]
        targets = [(1e9, 2e10), (3e9, 6e10), (3e9, 1.5e11)]
        return sweep, targets
    if scn == "bigN":  # 10x the largest N of the sweep
        nmax = max(n for n, _ in sweep)
        targets = [(10 * nmax, 10 * nmax * 5), (10 * nmax, 10 * nmax * 20), (5 * nmax, 5 * nmax * 20)]
        return sweep, targets
    targets = []
    for tc in (2e20, 1e21):
        n_opt = float(ref.compute_optimal(tc)[0])
        targets += [
            (float(np.round(n, -3)), tc / (6 * float(np.round(n, -3)))) for n in (n_opt / 2, n_opt, 2 * n_opt)
        ]
    return sweep, targets


def noise_sd(scn, N, nmin, nmax):
    if scn == "noise15":
        return 0.015
    if scn == "hetero":  # 3 % at the smallest model, 0.3 % at the largest sweep model, log-linear in log N
        t = min(max((math.log(N) - math.log(nmin)) / (math.log(nmax) - math.log(nmin)), 0.0), 1.0)
        return math.exp(math.log(0.03) + t * (math.log(0.003) - math.log(0.03)))
    return 0.004


def main(scn, seed, out):
    rng = np.random.default_rng(seed)
    sweep, targets = design(scn)
    nmin, nmax = min(n for n, _ in sweep), max(n for n, _ in sweep)
    rows, truth = [], []
    for ds in DS:
        for j, (n, d) in enumerate(sweep + targets):
            split = "extrapolation" if j >= len(sweep) else "sweep"
            for ev, fn in ((f"{ds}_val", own), ("c4_val", c4)):
                v = float(fn(scn, ds, n, d))
                y = v * math.exp(noise_sd(scn, n, nmin, nmax) * rng.standard_normal())
                rid = f"{ds}{j:03d}"
                rows.append(
                    {"dataset": ds, "N": n, "D": d, "eval": ev, "loss": y, "run_id": rid, "split": split}
                )
                if split == "extrapolation":
                    truth.append(
                        {"dataset": ds, "eval": ev, "N": n, "D": d, "run_id": rid, "truth": v, "observed": y}
                    )
    for path, rr in ((out, rows), (out.replace(".csv", ".truth.csv"), truth)):
        with Path(path).open("w", newline="") as fh:
            w = csv.DictWriter(fh, fieldnames=list(rr[0]))
            w.writeheader()
            w.writerows(rr)


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
