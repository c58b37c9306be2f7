"""Run l2l's CLI on gen.py's tables and write one JSON line per scored prediction (helper h56, issue 17).

    python run.py OUTDIR TRUTHS DESIGNS NOISES SEEDS     (comma lists; e.g. eq1,rep iso,over 0.01 0,1,2)

Per table: ingest whole; then, fitting only split=sweep and predicting the held-out runs' (N, D):
  predict -d all -e all (auto), the accuracies (predict -e hs_acc -e arc_acc), predict -d all (own loss) with each
  fixed --form l2l|chinchilla|kaplan, and evaluate --holdout split=extrapolation --test c4_val --accuracy all.
Rows go to OUTDIR/res.jsonl with the noise-free truth beside each prediction. L2L_WORKERS=1, one job at a time.
Uses the l2l importable from the running interpreter (PYTHONPATH=CHECKOUT)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, L2L_WORKERS="1", OMP_NUM_THREADS="1")


def l2l(ws: Path, *args: str) -> tuple[int, str, str]:
    p = subprocess.run(
        [sys.executable, "-m", "l2l", "-w", str(ws), *args], capture_output=True, text=True, env=ENV
    )
    return p.returncode, p.stdout, p.stderr


def key(n: float, d: float) -> tuple[float, float]:
    return (round(math.log(n), 4), round(math.log(d), 4))


def main() -> None:
    out = Path(sys.argv[1])
    truths, designs, noises, seeds = (s.split(",") for s in sys.argv[2:6])
    out.mkdir(parents=True, exist_ok=True)
    res = (out / "res.jsonl").open("a")
    for seed in seeds:
        for noise in noises:
            for design in designs:
                for truth in truths:
                    tag = f"{truth}_{design}_{noise}_{seed}"
                    t0 = time.time()
                    tdir, ws = out / "t" / tag, out / "ws" / tag
                    subprocess.run(
                        [sys.executable, str(HERE / "gen.py"), truth, design, noise, seed, str(tdir)],
                        check=True,
                    )
                    tr = json.loads((tdir / "truth.json").read_text())
                    vals = {(h["dataset"], *key(h["N"], h["D"])): h["truth"] for h in tr["held"]}
                    pts = sorted({(h["N"], h["D"]) for h in tr["held"]})
                    nd: list[str] = []
                    for n, d in pts:
                        nd += ["--N", repr(n), "--D", repr(d)]
                    rc, _, err = l2l(ws, "ingest", str(tdir / "runs.csv"))
                    base = {"truth_law": truth, "design": design, "noise": float(noise), "seed": int(seed)}
                    if rc:
                        res.write(
                            json.dumps({**base, "kind": "error", "step": "ingest", "err": err[-500:]}) + "\n"
                        )
                        continue
                    calls = {
                        "auto": ["predict", "-d", "all", "-e", "all", *nd, "--split", "sweep", "-f", "json"],
                        "acc": [
                            "predict",
                            "-d",
                            "all",
                            "-e",
                            "hs_acc",
                            "-e",
                            "arc_acc",
                            *nd,
                            "--split",
                            "sweep",
                            "-f",
                            "json",
                        ],
                    }
                    for form in ("l2l", "chinchilla", "kaplan"):
                        calls[form] = [
                            "predict",
                            "-d",
                            "all",
                            *nd,
                            "--split",
                            "sweep",
                            "--form",
                            form,
                            "-f",
                            "json",
                        ]
                    for name, args in calls.items():
                        rc, so, err = l2l(ws, *args)
                        if rc:
                            res.write(
                                json.dumps({**base, "kind": "error", "step": name, "err": err[-800:]}) + "\n"
                            )
                            continue
                        for r in json.loads(so)["rows"]:
                            v = vals.get((r["dataset"], *key(r["N"], r["D"])), {})
                            ev = r["eval"]
                            tv = v.get(ev)
                            acc = "accuracy" in r
                            est = r["accuracy"] if acc else r.get("loss")
                            rec = {
                                **base,
                                "kind": "predict",
                                "call": name,
                                "dataset": r["dataset"],
                                "eval": ev,
                                "N": r["N"],
                                "D": r["D"],
                                "form": r.get("form"),
                                "est": est,
                                "lo": r.get("accuracy_lo" if acc else "loss_lo"),
                                "hi": r.get("accuracy_hi" if acc else "loss_hi"),
                                "lb": r.get("lower_bound_only"),
                                "cal": r.get("calibrated"),
                                "status": r.get("status"),
                                "truth": tv,
                                "form_choice": r.get("form_choice"),
                                "notes": r.get("notes") if name in ("auto", "acc") else None,
                            }
                            res.write(json.dumps(rec) + "\n")
                    rc, so, err = l2l(
                        ws,
                        "evaluate",
                        "--holdout",
                        "split=extrapolation",
                        "--test",
                        "c4_val",
                        "--downstream",
                        "*_loss",
                        "--accuracy",
                        "all",
                        "--detail",
                        "-f",
                        "json",
                    )
                    if rc:
                        res.write(
                            json.dumps({**base, "kind": "error", "step": "evaluate", "err": err[-800:]})
                            + "\n"
                        )
                    else:
                        (out / "t" / tag / "evaluate.json").write_text(so)
                        res.write(
                            json.dumps(
                                {**base, "kind": "evaluate", "path": str(out / "t" / tag / "evaluate.json")}
                            )
                            + "\n"
                        )
                    res.flush()
                    print(tag, f"{time.time() - t0:.0f}s", flush=True)


if __name__ == "__main__":
    main()
