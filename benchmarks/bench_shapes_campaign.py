"""A randomised campaign of table shapes: seeded run tables with a known truth (1-5 datasets, Eq. 1 or Eq. 3 truths,
iso-FLOP grids, ladders or one line of tokens per parameter, shared evals, task losses with sigmoid accuracies, long
or wide layouts, seeds, several spellings of N and D), the README's commands run on each as a user would, and the
contract checked: exit 0, 1 or 2; one ``Error:`` line on a refusal; no traceback or internal error; JSON that parses,
without NaN or inf; every interval holding its point; no table line over 80 columns. The held-out truths are scored
against the intervals (calibrated, or stated lower bounds).

    python benchmarks/bench_shapes_campaign.py --seeds 300-320 --out /tmp/campaign

Each table's result is a line of ``OUT/results.jsonl`` (its shape, every command's exit code, time and error, any
broken contract, each held-out truth against its interval); a summary is printed at the end. Tables and workspaces
are kept in OUT to re-run a command by hand. The 2026-12-08 run is in docs/benchmark.md ("a randomised campaign").
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from l2l.core.laws import ScalingLaw

ROOT = Path(__file__).resolve().parents[1]
NAMES = [
    "web",
    "code",
    "books",
    "c4.en",
    "dolma_1.7",
    "fineweb-edu",
    "the-pile",
    "slimpj",
    "redpajama_v2",
    "arxiv",
]
TASKS = ["hellaswag", "arc_easy", "piqa"]
CHANCE = {"hellaswag": 0.25, "arc_easy": 0.25, "piqa": 0.5}


def truth_law(rng: np.random.Generator, form: str) -> ScalingLaw:
    if form == "chinchilla":
        return ScalingLaw(
            "chinchilla",
            A=float(406.4 * rng.uniform(0.8, 1.25)),
            B=float(410.7 * rng.uniform(0.8, 1.25)),
            E=float(rng.uniform(1.5, 2.4)),
            alpha=float(0.34 + rng.uniform(-0.04, 0.04)),
            beta=float(0.28 + rng.uniform(-0.04, 0.04)),
        )
    return ScalingLaw(
        "l2l",
        A=float(5.96e7 * rng.uniform(0.5, 2)),
        B=float(8.2e8 * rng.uniform(0.5, 2)),
        E=float(rng.uniform(1.5, 2.4)),
        alpha=float(rng.uniform(0.35, 0.5)),
        beta=float(rng.uniform(0.4, 0.55)),
    )


def shifted(law: ScalingLaw, K: float, kappa: float, E1: float):
    if law.form == "l2l":
        return law.translated(K, kappa, E1)
    return lambda n, d: (
        K * (law.predict(n, d) - law.E) ** kappa + E1
    )  # (not a law of its form: truth by function)


def value(f, n: float, d: float) -> float:
    return float(f.predict(n, d)) if isinstance(f, ScalingLaw) else float(f(n, d))


def grid(rng: np.random.Generator, kind: str) -> list[tuple[float, float]]:
    if kind == "iso":
        budgets = [1e18, 3e18, 1e19, 3e19, 1e20][: int(rng.integers(3, 6))]
        pts = []
        for c in budgets:
            nopt = math.sqrt(c / 120)
            for f in np.geomspace(1 / 4, 4, int(rng.integers(5, 8))):
                n = nopt * f
                pts.append((float(f"{n:.3g}"), float(f"{c / (6 * n):.4g}")))
        return pts
    if kind == "ladder":
        sizes = list(np.geomspace(2e7, 1.2e9, int(rng.integers(4, 8))))
        mults = [5, 10, 20, 40, 80][: int(rng.integers(2, 6))]
        return [(float(f"{n:.3g}"), float(f"{n * m:.4g}")) for n in sizes for m in mults]
    sizes = list(np.geomspace(2e7, 1.2e9, int(rng.integers(6, 9))))
    return [(float(f"{n:.3g}"), float(f"{20 * n:.4g}")) for n in sizes]


def make(seed: int, out: Path) -> dict:  # noqa: C901 (a table drawn top to bottom, one rng stream)
    rng = np.random.default_rng(seed)
    n_ds = int(rng.choice([1, 2, 2, 3, 3, 4, 5]))
    names = [str(x) for x in rng.choice(NAMES, n_ds, replace=False)]
    form = str(rng.choice(["l2l", "chinchilla"]))
    kind = str(rng.choice(["iso", "iso", "ladder", "ladder", "line"]))
    noise = float(rng.choice([0.002, 0.005, 0.01]))
    shared = bool(rng.random() < 0.6) and n_ds > 1
    own = bool(rng.random() < 0.85) or not shared
    n_tasks = int(rng.choice([0, 0, 1, 2, 3]))
    acc = n_tasks > 0 and bool(rng.random() < 0.7)
    wide = bool(rng.random() < 0.4)
    seeds = int(rng.choice([1, 1, 1, 2]))
    held = bool(rng.random() < 0.8)
    ncol = str(rng.choice(["N", "params", "n_params", "num_params"]))
    dcol = str(rng.choice(["D", "tokens", "train_tokens"]))
    pts = grid(rng, kind)
    nmax = max(n for n, _ in pts)
    held_pts = []
    if held:
        if kind == "line":
            held_pts = [(float(f"{nmax * 3:.3g}"), float(f"{nmax * 60:.4g}"))]
        else:
            cmax = max(6 * n * d for n, d in pts)
            held_pts = [(float(f"{nmax * 2.5:.3g}"), float(f"{cmax * 10 / (6 * nmax * 2.5):.4g}"))]
        dtop = max(d for n, d in pts if n == nmax)
        held_pts.append((nmax, float(f"{dtop * 4:.4g}")))
    truths: dict[tuple[str, str], object] = {}
    acc_truth: dict[str, tuple[float, float, float]] = {}
    for ds in names:
        law = truth_law(rng, form)
        if own:
            truths[(ds, f"{ds}_val")] = law
        if shared:
            truths[(ds, "val_mix")] = shifted(
                law, float(rng.uniform(0.9, 1.2)), float(rng.uniform(0.9, 1.1)), law.E + 0.3
            )
        for t in TASKS[:n_tasks]:
            truths[(ds, t)] = shifted(
                law, float(rng.uniform(0.9, 1.2)), float(rng.uniform(0.9, 1.1)), law.E + 0.6
            )
    for t in TASKS[:n_tasks]:
        tl = [value(truths[(ds, t)], n, d) for ds in names for n, d in pts]
        x0 = float(np.quantile(tl, 0.3))
        acc_truth[t] = (x0, float(rng.uniform(0.15, 0.35)), CHANCE[t])

    def accuracy(t: str, x: float) -> float:
        x0, s, ch = acc_truth[t]
        return ch + (0.95 - ch) / (1 + math.exp((x - x0) / s))

    rows: list[dict] = []
    heldout_truth = []
    run = 0
    for ds in names:
        for split, ps in (("sweep", pts), ("heldout", held_pts)):
            for n, d in ps:
                for s in range(seeds if split == "sweep" else 1):
                    run += 1
                    base = {"run_id": f"r{run:04d}", "dataset": ds, ncol: n, dcol: d}
                    if held:
                        base["split"] = split
                    if seeds > 1:
                        base["seed"] = s
                    vals = {}
                    for (tds, ev), f in truths.items():
                        if tds != ds:
                            continue
                        v = value(f, n, d)
                        vals[ev] = v * math.exp(noise * rng.standard_normal())
                        if split == "heldout":
                            heldout_truth.append((ds, ev, n, d, v))
                            if ev in acc_truth:
                                heldout_truth.append((ds, f"{ev}:acc", n, d, accuracy(ev, v)))
                    if wide:
                        row = dict(base)
                        for ev, v in vals.items():
                            row[f"{ev}/loss"] = v
                            if acc and ev in acc_truth:
                                row[f"{ev}/acc"] = min(
                                    1.0, max(0.0, accuracy(ev, vals[ev]) + 0.008 * rng.standard_normal())
                                )
                        rows.append(row)
                    else:
                        for ev, v in vals.items():
                            rows.append(
                                {**base, "eval": ev, "metric": "loss", "value": v}
                                if acc
                                else {**base, "eval": ev, "loss": v}
                            )
                            if acc and ev in acc_truth:
                                a = min(1.0, max(0.0, accuracy(ev, vals[ev]) + 0.008 * rng.standard_normal()))
                                rows.append({**base, "eval": ev, "metric": "accuracy", "value": a})
    rng.shuffle(rows)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"t{seed}.csv"
    keys: list[str] = []
    for r in rows:
        keys.extend(k for k in r if k not in keys)
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        for r in rows:
            w.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in r.items()})
    spec = {
        "seed": seed,
        "n_ds": n_ds,
        "names": names,
        "form": form,
        "kind": kind,
        "noise": noise,
        "shared": shared,
        "own": own,
        "n_tasks": n_tasks,
        "acc": acc,
        "wide": wide,
        "seeds": seeds,
        "held": held,
        "ncol": ncol,
        "dcol": dcol,
        "held_pts": held_pts,
        "rows": len(rows),
    }
    return {"path": str(path), "spec": spec, "truth": heldout_truth}


NAN = re.compile(r"\b(NaN|nan|Infinity|-inf|inf)\b")


def run(ws: Path, args: list[str], cols: int = 80) -> tuple[int, str, str, float]:
    env = dict(os.environ, COLUMNS=str(cols), L2L_WORKERS="1", PYTHONPATH=str(ROOT), NO_COLOR="1")
    t = time.time()
    p = subprocess.run(
        [sys.executable, "-m", "l2l", "-w", str(ws), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=900,
    )
    return p.returncode, p.stdout, p.stderr, time.time() - t


def check(name: str, rc: int, out: str, err: str, fmt: str, problems: list[str]) -> object:
    if rc not in (0, 1, 2):
        problems.append(f"{name}: exit {rc}")
    if "Traceback" in err or "internal error" in err.lower():
        problems.append(f"{name}: traceback/internal: {err.strip().splitlines()[-1][:200]}")
    if rc != 0:
        lines = [ln for ln in err.splitlines() if ln.startswith("Error")]
        if len(lines) != 1:
            problems.append(f"{name}: rc {rc} with {len(lines)} Error lines: {err[:200]!r}")
        return None
    if fmt == "json":
        try:
            doc = json.loads(out)
        except Exception as e:  # noqa: BLE001
            problems.append(f"{name}: bad JSON {e}")
            return None
        if NAN.search(out):
            problems.append(f"{name}: NaN/inf in JSON: {NAN.search(out).group(0)}")
        return doc
    wide_lines = [ln for ln in out.splitlines() if len(ln) > 80]
    if wide_lines:
        problems.append(f"{name}: {len(wide_lines)} lines > 80 cols: {wide_lines[0][:100]!r}")
    return out


def rows_of(doc: object) -> list[dict]:
    if isinstance(doc, dict):
        r = doc.get("rows")
        if isinstance(r, list):
            return [x for x in r if isinstance(x, dict)]
    return []


def campaign(seed: int, outdir: Path) -> dict:  # noqa: C901 (a list of commands, run and checked in turn)
    t = make(seed, outdir)
    spec = t["spec"]
    ws = outdir / f"ws{seed}"
    problems: list[str] = []
    log: list[dict] = []
    cover: list[dict] = []
    ingest = ["ingest", t["path"]]
    if spec["wide"]:
        ingest.append("--wide")
        if spec["acc"]:
            ingest += ["--accuracy-columns", "*/acc"]
    rc, out, err, dt = run(ws, ingest)
    log.append({"cmd": "ingest", "rc": rc, "t": round(dt, 1), "err": err.strip()[-300:]})
    check("ingest", rc, out, err, "table", problems)
    if rc != 0:
        # a refusal: try the hint once if it names --own-eval
        m = re.search(r"(--own-eval \S+)", err)
        if m:
            rc, out, err, dt = run(ws, [*ingest, *m.group(1).split()])
            log.append({"cmd": "ingest+hint", "rc": rc, "t": round(dt, 1), "err": err.strip()[-300:]})
        if rc != 0:
            return {"seed": seed, "spec": spec, "problems": problems, "log": log, "cover": cover}
    split = ["--split", "sweep"] if spec["held"] else []
    cmds: list[tuple[str, list[str]]] = [
        ("runs", ["runs", "-f", "json"]),
        ("fit-law", ["fit-law", "--eval", "all", *split, "-f", "json"]),
        ("fit-law-table", ["fit-law", "--eval", "all", *split]),
        ("optimal", ["optimal", "--C", "1e21", *split, "-f", "json"]),
    ]
    for n, d in spec["held_pts"]:
        cmds.append(
            (
                f"predict@{n:g}",
                ["predict", "-d", "all", "-e", "all", "--N", str(n), "--D", str(d), *split, "-f", "json"],
            )
        )
        cmds.append(
            (
                f"predict-table@{n:g}",
                ["predict", "-d", "all", "-e", "all", "--N", str(n), "--D", str(d), *split],
            )
        )
    if spec["n_ds"] >= 2:
        cmds.append(("translate", ["translate", "--src", spec["names"][0], *split, "-f", "json"]))
    if spec["held"]:
        cmds.append(("evaluate", ["evaluate", "-f", "json"]))
        cmds.append(("evaluate-table", ["evaluate"]))
    if spec["shared"]:
        cmds.append(("rank", ["rank", "-t", "val_mix", "--C", "1e21", *split, "-f", "json"]))
        cmds.append(("rank-table", ["rank", "-t", "val_mix", "--C", "1e21", *split]))
    if spec["acc"] and spec["n_ds"] >= 2:
        cmds.append(("rank-acc", ["rank", "-t", f"{TASKS[0]}:accuracy", "--C", "1e21", *split, "-f", "json"]))
        cmds.append(("rank-acc-table", ["rank", "-t", f"{TASKS[0]}:accuracy", "--C", "1e21", *split]))
    if spec["acc"]:
        cmds.append(("fit-accuracy", ["fit-accuracy", *split, "-f", "json"]))
        if spec["held"]:
            cmds.append(("evaluate-acc", ["evaluate", "--accuracy", "all", "-f", "json"]))
        for n, d in spec["held_pts"]:
            cmds.append(
                (
                    f"predict-acc@{n:g}",
                    [
                        "predict",
                        "-d",
                        "all",
                        "-e",
                        f"{TASKS[0]}:accuracy",
                        "--N",
                        str(n),
                        "--D",
                        str(d),
                        *split,
                        "-f",
                        "json",
                    ],
                )
            )
    truth = {(ds, ev, n): v for ds, ev, n, d, v in t["truth"]}
    for name, args in cmds:
        fmt = "json" if "-f" in args else "table"
        rc, out, err, dt = run(ws, args)
        log.append({"cmd": name, "rc": rc, "t": round(dt, 1), "err": err.strip()[-300:]})
        doc = check(name, rc, out, err, fmt, problems)
        if name.startswith("predict") and fmt == "json" and doc is not None:
            for r in rows_of(doc):
                lo, hi, pt = r.get("loss_lo"), r.get("loss_hi"), r.get("loss")
                key = "loss"
                if isinstance(doc, dict) and doc.get("kind") == "predict-accuracy":
                    lo, hi, pt, key = r.get("accuracy_lo"), r.get("accuracy_hi"), r.get("accuracy"), "acc"
                if None not in (lo, hi, pt) and not (lo <= pt <= hi):
                    problems.append(
                        f"{name}: {r.get('dataset')}/{r.get('eval')} point {pt} outside [{lo}, {hi}]"
                    )
                ev = r.get("eval")
                tv = truth.get(
                    (r.get("dataset"), ev if key == "loss" else f"{str(ev).split(':')[0]}:acc", r.get("N"))
                )
                if tv is not None and None not in (lo, hi, pt):
                    cover.append(
                        {
                            "ds": r.get("dataset"),
                            "eval": ev,
                            "truth": tv,
                            "pt": pt,
                            "lo": lo,
                            "hi": hi,
                            "inside": lo <= tv <= hi,
                            "calibrated": r.get("calibrated"),
                            "lower_bound": r.get("lower_bound_only"),
                            "status": r.get("status"),
                            "err_pct": 100 * (pt - tv) / tv if key == "loss" else 100 * (pt - tv),
                        }
                    )
    return {"seed": seed, "spec": spec, "problems": problems, "log": log, "cover": cover}


def summary(path: Path) -> str:
    """The campaign's counts: tables, commands, broken contracts, truths inside calibrated intervals and bounds."""
    tables = commands = 0
    problems: list[str] = []
    inside = {True: [0, 0], False: [0, 0]}
    with path.open() as fh:
        for line in fh:
            r = json.loads(line)
            tables += 1
            commands += len(r.get("log", []))
            problems += [f"seed {r['seed']}: {p}" for p in r.get("problems", [])]
            for c in r.get("cover", []):
                inside[bool(c["calibrated"])][0] += bool(c["inside"])
                inside[bool(c["calibrated"])][1] += 1
    (ci, cn), (li, ln) = inside[True], inside[False]
    return "\n".join(
        [
            f"{tables} tables, {commands} commands, {len(problems)} broken contracts",
            *problems,
            f"truths inside calibrated intervals {ci}/{cn}, inside lower bounds {li}/{ln}",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seeds", default="300-320", help="FROM-TO (TO excluded)")
    parser.add_argument("--out", type=Path, default=Path("campaign"))
    args = parser.parse_args()
    first, last = (int(v) for v in args.seeds.split("-"))
    args.out.mkdir(parents=True, exist_ok=True)
    results = args.out / "results.jsonl"
    with results.open("a") as fh:
        for seed in range(first, last):
            t0 = time.time()
            try:
                res = campaign(seed, args.out)
            except Exception as e:  # noqa: BLE001 (a harness error is recorded, not a campaign stopped)
                res = {"seed": seed, "harness_error": repr(e)}
            res["wall"] = round(time.time() - t0, 1)
            fh.write(json.dumps(res) + "\n")
            fh.flush()
            print(
                seed, res.get("wall"), len(res.get("problems", [])), res.get("harness_error", ""), flush=True
            )
    print(summary(results))


if __name__ == "__main__":
    main()
