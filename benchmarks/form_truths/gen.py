"""Seeded sweeps with a known truth (helper h56, issue 17).

    python gen.py TRUTH DESIGN NOISE SEED OUTDIR

TRUTH: eq3 (l2l's Eq. 3), eq1 (Chinchilla, Hoffmann et al.'s fit), eq2 (Kaplan et al., no E),
       rep (Eq. 1 with Muennighoff et al.'s effective data: U = 2e9 unique tokens, R*_D = 15.4, so D saturates
            past ~4 epochs), bpl (Eq. 1 whose N exponent breaks from 0.34 to 0.20 at N_b = 2e8, continuous).
DESIGN: iso (5 budgets 1e17..1e19 x 6 sizes, 4..128 tokens/param, and a held-out top budget 1e20 at the same ratios),
        ladder (5 sizes 60M..1B x 4 token multiples 10,20,40,100 tokens/param; the largest N held out),
        over (4 sizes 50M..400M x 6 multiples 20..500 tokens/param; the largest N held out).
Datasets d0, d1, d2: d0's own loss is the truth; d_i = K_i (L0 - E0)^k_i + E_i (for eq2, E = 0 throughout);
a shared eval c4_val, task losses hs_loss and arc_loss, accuracies hs_acc and arc_acc (a sigmoid of the task
loss). Losses get multiplicative lognormal noise NOISE; accuracies additive N(0, 0.006).
Writes OUTDIR/runs.csv (long: dataset,N,D,eval,metric,value,run_id,split) and OUTDIR/truth.json
(noise-free values of every held-out run and eval).
"""

from __future__ import annotations

import json
import math
import sys
import zlib
from pathlib import Path

import numpy as np

EQ3 = {"A": 6.7e7, "B": 8.9e8, "E": 1.97, "alpha": 0.41, "beta": 0.45}
EQ1 = {"A": 406.4, "B": 410.7, "E": 1.69, "alpha": 0.34, "beta": 0.28}
EQ2 = {"Nc": 8.8e13, "Dc": 5.4e13, "aN": 0.076, "aD": 0.095}
U_TOKENS, R_STAR = 2e9, 15.4
NB, A2 = 2e8, 0.20
LINKS = [(1.0, 1.0, 0.0), (1.05, 0.97, 0.13), (0.62, 1.07, -0.65)]  # K, kappa, shift of E
TEST = [(1.03, 0.96, 0.40), (1.10, 1.05, 0.30), (1.20, 1.10, 0.50)]  # c4_val from each own loss
TASKS = {  # task loss from the own loss (K, kappa, E_task); accuracy = chance + (1-chance) sigmoid
    "hs": ((0.93, 1.08, 2.12), (0.25, 2.75, 0.18)),
    "arc": ((1.10, 0.90, 1.60), (0.25, 2.55, 0.25)),
}


def base(truth: str, N: float, D: float) -> float:
    if truth == "eq3":
        p = EQ3
        return p["E"] + ((p["A"] / N) ** (p["alpha"] / p["beta"]) + p["B"] / D) ** p["beta"]
    if truth == "eq2":
        p = EQ2
        return ((p["Nc"] / N) ** (p["aN"] / p["aD"]) + p["Dc"] / D) ** p["aD"]
    p = EQ1
    if truth == "rep":
        if D > U_TOKENS:
            D = U_TOKENS + U_TOKENS * R_STAR * (1 - math.exp(-(D / U_TOKENS - 1) / R_STAR))
        return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]
    if truth == "bpl":
        nterm = p["A"] / N ** p["alpha"] if N <= NB else p["A"] / NB ** p["alpha"] * (N / NB) ** -A2
        return p["E"] + nterm + p["B"] / D ** p["beta"]
    if truth == "eq1":
        return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]
    raise SystemExit(f"unknown truth {truth}")


def base_E(truth: str) -> float:
    return {"eq3": EQ3["E"], "eq2": 0.0}.get(truth, EQ1["E"])


def values(truth: str, i: int, N: float, D: float) -> dict[str, float]:
    L0, E0 = base(truth, N, D), base_E(truth)
    K, k, sh = LINKS[i]
    Ei = E0 + sh if truth != "eq2" else 0.0
    own = K * (L0 - E0) ** k + Ei
    Kt, kt, et = TEST[i]
    out = {f"d{i}_val": own, "c4_val": Kt * (own - Ei) ** kt + (E0 + et if truth != "eq2" else 0.0)}
    for t, ((Kh, kh, Eh), (ch, x0, s)) in TASKS.items():
        eh = Eh if truth != "eq2" else 0.0
        x = Kh * (own - Ei) ** kh + eh
        out[f"{t}_loss"] = x
        out[f"{t}_acc"] = ch + (1 - ch) / (
            1 + math.exp((x - x0 - (0.6 if truth in ("eq1", "rep", "bpl") else 0.0)) / s)
        )
    return out


def design(name: str) -> tuple[list[tuple[float, float]], list[tuple[float, float]]]:
    fit, held = [], []
    if name == "iso":
        for j, C in enumerate((*np.geomspace(1e17, 1e19, 5), 1e20)):
            for tpp in (4, 8, 16, 32, 64, 128):
                n = math.sqrt(C / (6 * tpp))
                (held if j == 5 else fit).append((n, tpp * n))
    elif name == "ladder":
        for j, n in enumerate((6e7, 1.5e8, 3e8, 5.3e8, 1e9)):
            for m in (10, 20, 40, 100):
                (held if j == 4 else fit).append((n, m * n))
    elif name == "over":
        for j, n in enumerate((5e7, 1e8, 2e8, 4e8)):
            for m in (20, 40, 80, 160, 320, 500):
                (held if j == 3 else fit).append((n, m * n))
    else:
        raise SystemExit(f"unknown design {name}")
    return fit, held


def main() -> None:
    truth, dname, noise, seed, out = (
        sys.argv[1],
        sys.argv[2],
        float(sys.argv[3]),
        int(sys.argv[4]),
        Path(sys.argv[5]),
    )
    rng = np.random.default_rng(
        [seed, zlib.crc32(truth.encode()), zlib.crc32(dname.encode()), int(noise * 1e4)]
    )
    fit, held = design(dname)
    out.mkdir(parents=True, exist_ok=True)
    rows, truths = [], []
    for i in range(3):
        ds = f"d{i}"
        for split, pts in (("sweep", fit), ("extrapolation", held)):
            for j, (N, D) in enumerate(pts):
                rid = f"{ds}-{split[:2]}{j}"
                vals = values(truth, i, N, D)
                if split == "extrapolation":
                    truths.append({"dataset": ds, "N": N, "D": D, "truth": vals})
                for ev, v in vals.items():
                    if ev.endswith("_acc"):
                        m, x = "accuracy", min(max(v + rng.normal(0, 0.006), 0.0), 1.0)
                    else:
                        m, x = "loss", v * math.exp(rng.normal(0, noise))
                    rows.append(f"{ds},{N:.6g},{D:.6g},{ev},{m},{x!r},{rid},{split}")
    (out / "runs.csv").write_text("dataset,N,D,eval,metric,value,run_id,split\n" + "\n".join(rows) + "\n")
    (out / "truth.json").write_text(
        json.dumps({"truth": truth, "design": dname, "noise": noise, "seed": seed, "held": truths}, indent=1)
    )


if __name__ == "__main__":
    main()
