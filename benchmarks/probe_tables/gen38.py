"""Random realistic sweep generator with known truth.  python gen.py SEED OUTDIR"""
# ruff: noqa  (a probe's generator, kept as the probe wrote it so that its seeds draw the same tables)

import json, math, sys, os, csv
import numpy as np

NAMES = ["web", "code", "books", "wiki", "math", "news"]


def eq3(p, N, D):
    return p["E"] + ((p["A"] / N) ** (p["alpha"] / p["beta"]) + p["B"] / D) ** p["beta"]


def chin(p, N, D):
    return p["E"] + p["A"] / N ** p["alpha"] + p["B"] / D ** p["beta"]


def own_loss(law, N, D):
    return eq3(law, N, D) if law["form"] == "l2l" else chin(law, N, D)


def draw_law(rng):
    for _ in range(1000):
        if rng.random() < 0.75:
            p = dict(
                form="l2l",
                E=rng.uniform(1.5, 2.5),
                alpha=rng.uniform(0.3, 0.5),
                beta=rng.uniform(0.3, 0.55),
                A=10 ** rng.uniform(7.3, 8.3),
                B=10 ** rng.uniform(8.5, 9.5),
            )
        else:
            al, be = rng.uniform(0.3, 0.5), rng.uniform(0.28, 0.5)
            p = dict(
                form="chinchilla",
                E=rng.uniform(1.5, 2.5),
                alpha=al,
                beta=be,
                A=rng.uniform(0.4, 1.2) * (1e8) ** al,
                B=rng.uniform(0.4, 1.2) * (2e9) ** be,
            )
        lo = own_loss(p, 1e9, 2e10)
        hi = own_loss(p, 2e7, 4e8)
        if 2.3 <= lo and hi <= 4.7 and hi - lo > 0.4:
            return p
    raise RuntimeError("no law")


def optimum(law, C, k=6.0):
    Ns = np.exp(np.linspace(np.log(1e6), np.log(1e13), 4000))
    Ds = C / (k * Ns)
    L = np.array([own_loss(law, n, d) for n, d in zip(Ns, Ds)])
    i = int(np.argmin(L))
    # refine
    lo, hi = Ns[max(i - 2, 0)], Ns[min(i + 2, len(Ns) - 1)]
    Ns2 = np.exp(np.linspace(np.log(lo), np.log(hi), 2000))
    L2 = np.array([own_loss(law, n, C / (k * n)) for n in Ns2])
    j = int(np.argmin(L2))
    return float(Ns2[j]), float(C / (k * Ns2[j])), float(L2[j])


def main(seed, out):
    rng = np.random.default_rng(seed)
    os.makedirs(out, exist_ok=True)
    nds = int(rng.integers(1, 7))
    dsn = list(rng.choice(NAMES, nds, replace=False))
    laws = {d: draw_law(rng) for d in dsn}
    shared = bool(rng.random() < 0.6) and nds >= 1
    shared_name = str(rng.choice(["val", "c4_val"])) if shared else None
    tr = {}
    if shared:
        for d in dsn:
            tr[d] = dict(K=rng.uniform(0.8, 1.3), kappa=rng.uniform(0.8, 1.2), E1=rng.uniform(2.0, 2.8))
    acc = bool(rng.random() < 0.35) and shared
    accp = dict(chance=0.25, ceil=rng.uniform(0.7, 1.0), mid=rng.uniform(2.6, 3.2), s=rng.uniform(0.15, 0.35))
    noise = rng.uniform(0.002, 0.02)
    scen = str(rng.choice(["isoflop", "multiples", "steps"]))
    holdmode = str(rng.choice(["top", "beyond"]))
    nsizes = int(rng.integers(3, 10))
    lo_n = 10 ** rng.uniform(7, 7.7)
    hi_n = 10 ** rng.uniform(8.6, 9.3)
    sizes = sorted(set(float(f"{x:.3g}") for x in np.exp(np.linspace(np.log(lo_n), np.log(hi_n), nsizes))))
    # configurations (N, D, run-level)
    confs = []  # (N, D, split)
    if scen == "isoflop":
        nb = int(rng.integers(4, 7))
        cmin = 6 * sizes[0] * sizes[0] * 8
        cmax = 6 * sizes[-1] * sizes[-1] * 20
        budgets = np.exp(np.linspace(np.log(cmin), np.log(cmax), nb))
        for C in budgets:
            for N in sizes:
                D = C / (6 * N)
                if 2 <= D / N <= 300:
                    confs.append([N, float(f"{D:.4g}"), "sweep", C])
    else:
        mults = sorted(rng.choice([5, 10, 20, 40, 80, 160], int(rng.integers(2, 5)), replace=False).tolist())
        if scen == "steps":
            mults = sorted(rng.choice([10, 20, 40, 80], 2, replace=False).tolist())
        for N in sizes:
            for m in mults:
                confs.append([N, float(m * N), "sweep", 6 * N * m * N])
    # holdout
    if holdmode == "top":
        if scen == "isoflop":
            cm = max(c[3] for c in confs)
            for c in confs:
                if abs(c[3] / cm - 1) < 1e-6:
                    c[2] = "extrapolation"
        else:
            for c in confs:
                if c[0] == sizes[-1]:
                    c[2] = "extrapolation"
    else:
        f = rng.uniform(3, 10)
        Nb = float(f"{sizes[-1] * f:.3g}")
        confs.append([Nb, float(20 * Nb), "extrapolation", 6 * Nb * 20 * Nb])
    # ensure at least 3 distinct N in sweep etc. (if not, fine: tool should refuse)
    seeds_mess = bool(rng.random() < 0.2)
    missing = bool(rng.random() < 0.15)
    diverge = bool(rng.random() < 0.2)
    ncol = str(rng.choice(["params", "n_params", "N"]))
    dcol = str(rng.choice(["tokens", "D"]))
    lcol = str(rng.choice(["loss", "val_loss"]))
    dscol = str(rng.choice(["dataset", "data"]))
    rows = []
    targets = []
    div_run = None
    sweep_idx = [i for i, c in enumerate(confs) if c[2] == "sweep"]
    if diverge:
        div_run = (str(rng.choice(dsn)), int(rng.choice(sweep_idx)))

    def evals_for(d, N, D):
        L0 = own_loss(laws[d], N, D)
        out = {f"{d}_val": L0}
        if shared:
            t = tr[d]
            out[shared_name] = t["K"] * (L0 - laws[d]["E"]) ** t["kappa"] + t["E1"]
        return out

    def accuracy(lval):
        return accp["chance"] + (accp["ceil"] - accp["chance"]) / (
            1 + math.exp((lval - accp["mid"]) / accp["s"])
        )

    rid = 0
    for d in dsn:
        for i, (N, D, split, C) in enumerate(confs):
            rid += 1
            run_id = f"{d}-{N:.3g}-{D:.3g}"
            ev = evals_for(d, N, D)
            nrep = 2 if (seeds_mess and rng.random() < 0.5) else 1
            if split == "extrapolation":
                for e, v in ev.items():
                    targets.append(dict(dataset=d, eval=e, N=N, D=D, truth=v))
            for rep in range(nrep):
                eps_run = rng.normal(0, noise)
                mult = 2.0 if (div_run and div_run == (d, i) and rep == 0) else 1.0
                if scen == "steps":
                    steps = 10
                    for s in range(1, steps + 1):
                        Ds = D * s / steps
                        evs = evals_for(d, N, Ds)
                        for e, v in evs.items():
                            meas = (
                                v * math.exp(eps_run + rng.normal(0, noise / 3)) * (mult if s == steps else 1)
                            )
                            rows.append(
                                {
                                    dscol: d,
                                    ncol: N,
                                    dcol: Ds,
                                    "eval": e,
                                    lcol: meas,
                                    "run_id": run_id,
                                    "step": s * 1000,
                                    "split": split,
                                    "seed": rep,
                                    "metric": "loss",
                                }
                            )
                        if acc:
                            a = accuracy(evs[shared_name]) + rng.normal(0, 0.005)
                            rows.append(
                                {
                                    dscol: d,
                                    ncol: N,
                                    dcol: Ds,
                                    "eval": shared_name + "_acc",
                                    lcol: min(max(a, 0.01), 0.99),
                                    "run_id": run_id,
                                    "step": s * 1000,
                                    "split": split,
                                    "seed": rep,
                                    "metric": "accuracy",
                                }
                            )
                else:
                    for e, v in ev.items():
                        meas = v * math.exp(eps_run + rng.normal(0, noise / 3)) * mult
                        rows.append(
                            {
                                dscol: d,
                                ncol: N,
                                dcol: D,
                                "eval": e,
                                lcol: meas,
                                "run_id": run_id,
                                "split": split,
                                "seed": rep,
                                "metric": "loss",
                            }
                        )
                    if acc:
                        a = accuracy(ev[shared_name]) + rng.normal(0, 0.005)
                        rows.append(
                            {
                                dscol: d,
                                ncol: N,
                                dcol: D,
                                "eval": shared_name + "_acc",
                                lcol: min(max(a, 0.01), 0.99),
                                "run_id": run_id,
                                "split": split,
                                "seed": rep,
                                "metric": "accuracy",
                            }
                        )
                        if split == "extrapolation" and rep == 0:
                            targets.append(
                                dict(
                                    dataset=d,
                                    eval=shared_name + "_acc",
                                    N=N,
                                    D=D,
                                    truth=accuracy(ev[shared_name]),
                                )
                            )
    cols = [dscol, ncol, dcol, "eval", lcol, "run_id", "split"]
    if scen == "steps":
        cols.append("step")
    if seeds_mess:
        cols.append("seed")
    if acc:
        cols.append("metric")
    # missing values
    miss_rows = set()
    if missing:
        sw = [i for i, r in enumerate(rows) if r["split"] == "sweep"]
        miss_rows = set(rng.choice(sw, 3, replace=False).tolist())
    with (
        open(os.path.join(out, "runs.csv"), "w", newline="") as fh,
        open(os.path.join(out, "runs_clean.csv"), "w", newline="") as fc,
    ):
        w = csv.DictWriter(fh, cols, extrasaction="ignore")
        wc = csv.DictWriter(fc, cols, extrasaction="ignore")
        w.writeheader()
        wc.writeheader()
        for i, r in enumerate(rows):
            if i in miss_rows:
                r2 = dict(r)
                r2[lcol] = ""
                w.writerow(r2)
                continue
            w.writerow(r)
            wc.writerow(r)
    # optimal truth
    sweepC = max(c[3] for c in confs if c[2] == "sweep")
    Copt = float(f"{sweepC * rng.uniform(5, 30):.2g}")
    opt = {d: dict(zip(["N", "D", "loss"], optimum(laws[d], Copt))) for d in dsn}
    meta = dict(
        seed=seed,
        datasets=dsn,
        laws=laws,
        shared=shared_name,
        translations=tr,
        acc=acc,
        accp=accp,
        noise=noise,
        scenario=scen,
        holdmode=holdmode,
        sizes=sizes,
        seeds_mess=seeds_mess,
        missing=missing,
        diverge=list(div_run) if div_run else None,
        cols=dict(N=ncol, D=dcol, loss=lcol, dataset=dscol),
        targets=targets,
        Copt=Copt,
        optimal=opt,
        sweepC=sweepC,
        div_conf=confs[div_run[1]][:2] if div_run else None,
    )
    with open(os.path.join(out, "truth.json"), "w") as fh:
        json.dump(meta, fh, indent=1)


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
