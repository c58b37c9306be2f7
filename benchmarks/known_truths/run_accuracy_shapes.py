"""Score `l2l predict -e T:accuracy` (and `rank -t T:accuracy`) on accuracy_shapes.py's tables (helper h45).

OMP_NUM_THREADS=1 L2L_WORKERS=1 python benchmarks/known_truths/run_accuracy_shapes.py OUTDIR [--seeds 5]
    [--shapes ladder,datadecide,chinchilla]

Per shape and seed: write the table, ingest it, predict every task's accuracy at each target, and (for tables of
several datasets) rank each task at the first target by `--method independent` (which must give predict's number)
and the default method. Writes OUTDIR/rows.json (one row per prediction) and prints the summary table.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from accuracy_shapes import write  # noqa: E402


def l2l(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent), "L2L_WORKERS": "1", "OMP_NUM_THREADS": "1"}
    return subprocess.run(
        [sys.executable, "-m", "l2l", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


def one(shape: str, seed: int, out: Path) -> list[dict[str, object]]:
    d = out / f"{shape}-{seed}"
    write(shape, seed, d)
    truth = json.loads((d / "truth.json").read_text())
    r = l2l(d, "ingest", "t.csv", *truth["ingest"])
    if r.returncode:
        raise SystemExit(f"{shape} {seed}: ingest failed: {r.stderr}")
    ev = [x for t in truth["tasks"] for x in ("-e", f"{t}:accuracy")]
    rows: list[dict[str, object]] = []
    for i, tg in enumerate(truth["targets"]):
        r = l2l(d, "predict", "-d", "all", "--N", str(tg["N"]), "--D", str(tg["D"]), *ev, "-f", "json")
        if r.returncode:
            raise SystemExit(f"{shape} {seed}: predict failed: {r.stderr}")
        pred = json.loads(r.stdout)
        for p in pred["rows"]:
            true = tg["truth"][p["dataset"]][p["eval"]]
            row = {
                "shape": shape,
                "seed": seed,
                "target": i,
                "dataset": p["dataset"],
                "task": p["eval"],
                "truth": true,
                "status": p["status"],
                "point": p.get("accuracy_points"),
                "lo": p.get("accuracy_lo_points"),
                "hi": p.get("accuracy_hi_points"),
                "lower_bound": p.get("lower_bound_only"),
                "true_task_loss": tg["task_loss"][p["dataset"]][p["eval"]],
                "task_loss": p.get("loss"),
                "task_loss_lo": p.get("loss_lo"),
                "task_loss_hi": p.get("loss_hi"),
                "method": p.get("accuracy_interval_method"),
                "sweep_best": truth["sweep_best"][p["dataset"]][p["eval"]],
            }
            rows.append(row)
        if i == 0 and len(truth["targets"][0]["truth"]) > 1:
            for method in ("independent", "recommended"):
                for t in truth["tasks"]:
                    r = l2l(
                        d,
                        "rank",
                        "-t",
                        f"{t}:accuracy",
                        "--N",
                        str(tg["N"]),
                        "--D",
                        str(tg["D"]),
                        "--method",
                        method,
                        "-f",
                        "json",
                    )
                    if r.returncode:
                        print(f"{shape} {seed} rank {t} {method}: {r.stderr.strip()[:200]}", file=sys.stderr)
                        continue
                    for rr in json.loads(r.stdout)["rows"]:
                        for row in rows:
                            if row["target"] == 0 and row["dataset"] == rr["dataset"] and row["task"] == t:
                                row[f"rank_{method}"] = None if rr.get("value") is None else 100 * rr["value"]
                                row[f"rank_{method}_lo"] = None if rr.get("lo") is None else 100 * rr["lo"]
                                row[f"rank_{method}_hi"] = None if rr.get("hi") is None else 100 * rr["hi"]
    return rows


def summary(rows: list[dict[str, object]]) -> str:
    lines = [
        "| shape | predicted / asked | truth inside 90 % | calibrated: inside | median half-width | median |error| "
        "| point outside interval | degenerate | NaN | `ok` with |error| > 2 half-widths or > 10 points "
        "| rank independent = predict (0.01 pt) |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    groups = [*sorted({str(r["shape"]) for r in rows}), "all"]
    for g in groups:
        rs = [r for r in rows if g == "all" or r["shape"] == g]
        pr = [r for r in rs if r["point"] is not None]
        nan = sum(
            1
            for r in pr
            for k in ("point", "lo", "hi")
            if not math.isfinite(float(r[k]))  # type: ignore[arg-type]
        )
        inside = [r for r in pr if r["lo"] <= r["truth"] <= r["hi"]]  # type: ignore[operator]
        cal = [r for r in pr if not r["lower_bound"]]
        cal_in = [r for r in cal if r["lo"] <= r["truth"] <= r["hi"]]  # type: ignore[operator]
        hw = [(r["hi"] - r["lo"]) / 2 for r in pr]  # type: ignore[operator]
        err = [abs(r["point"] - r["truth"]) for r in pr]  # type: ignore[operator]
        outside = sum(1 for r in pr if not r["lo"] <= r["point"] <= r["hi"])  # type: ignore[operator]
        degen = sum(1 for r in pr if r["hi"] - r["lo"] < 0.05 or (r["lo"] <= 0.5 and r["hi"] >= 99.5))  # type: ignore[operator]
        bad_ok = sum(
            1
            for r in pr
            if str(r["status"]).startswith("ok")
            and abs(r["point"] - r["truth"]) > max(10.0, 2 * (r["hi"] - r["lo"]) / 2)  # type: ignore[operator]
        )
        rk = [r for r in pr if r.get("rank_independent") is not None]
        same = sum(1 for r in rk if abs(r["rank_independent"] - r["point"]) < 0.01)  # type: ignore[operator]
        lines.append(
            f"| {g} | {len(pr)} / {len(rs)} | {len(inside)} / {len(pr)} ({100 * len(inside) / max(len(pr), 1):.0f} %) "
            f"| {len(cal_in)} / {len(cal)} | {np.median(hw):.1f} | {np.median(err):.1f} | {outside} | {degen} | {nan} "
            f"| {bad_ok} | {same} / {len(rk)} |"
        )
    return "\n".join(lines)


def main() -> None:
    out = Path(sys.argv[1])
    seeds = 5
    shapes = ["ladder", "datadecide", "chinchilla"]
    args = sys.argv[2:]
    if "--seeds" in args:
        seeds = int(args[args.index("--seeds") + 1])
    if "--shapes" in args:
        shapes = args[args.index("--shapes") + 1].split(",")
    rows: list[dict[str, object]] = []
    for shape in shapes:
        for seed in range(seeds):
            rows += one(shape, seed, out)
            print(f"{shape} seed {seed}: {len(rows)} rows", file=sys.stderr, flush=True)
            (out / "rows.json").write_text(json.dumps(rows, indent=1))
    print(summary(rows))


if __name__ == "__main__":
    main()
