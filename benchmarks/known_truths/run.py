"""Coverage of `l2l predict`'s 90 % intervals against a known truth (probe h2's harness, 2026-12-04/05).

    python benchmarks/known_truths/run.py SHAPE SEED0 SEED1 [DIR]     # DIR default /tmp/l2l_known_truths
    python benchmarks/known_truths/score.py DIR/res/SHAPE.jsonl

For each seed: `gen.py SHAPE SEED` writes a table and its noise-free truth, `l2l ingest` reads it, and `l2l predict
-d all -e all --split sweep` predicts every target (2×, 5×, 20× the sweep's largest budget at the true optimum, at
5 and 200 tokens per parameter, and the held-out runs) from the sweep; one JSON line per row goes to
DIR/res/SHAPE.jsonl with the truth beside it. Shapes: gen.py's docstring (iso, chin, bend, noisy, line20, ladder,
many, few, twins...). Uses the `l2l` of the running interpreter (`python -m l2l`)."""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ENV = dict(os.environ, L2L_WORKERS="1", OMP_NUM_THREADS="1")


def l2l(ws: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [sys.executable, "-W", "error", "-m", "l2l", "-w", str(ws), *args]
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=False)


def main() -> None:
    shape, s0, s1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    work = Path(sys.argv[4] if len(sys.argv) > 4 else "/tmp/l2l_known_truths")
    (work / "res").mkdir(parents=True, exist_ok=True)
    with (work / "res" / f"{shape}.jsonl").open("a") as out:
        for seed in range(s0, s1):
            t = work / "t" / f"{shape}{seed}"
            subprocess.run([sys.executable, str(HERE / "gen.py"), shape, str(seed), str(t)], check=True)
            truth = json.loads((t / "truth.json").read_text())
            ws = work / "ws" / f"{shape}{seed}"
            p = l2l(ws, "ingest", str(t / "runs.csv"))
            if p.returncode:
                print("ingest failed", p.stderr[-2000:])
                continue
            pts = [(x["N"], x["D"], x["tag"]) for x in truth["targets"] if x["dataset"] == "d0"]
            pts += [(x["N"], x["D"], "held") for x in truth["held"] if x["dataset"] == "d0"]
            values = {}
            for x in truth["targets"] + truth["held"]:
                for ev, v in x["truth"].items():
                    values[(x["dataset"], ev, round(math.log(x["N"]), 6), round(math.log(x["D"]), 6))] = v
            where = {(round(math.log(n), 6), round(math.log(d), 6)): tag for n, d, tag in pts}
            args: list[str] = []
            for n, d, _ in pts:
                args += ["--N", repr(n), "--D", repr(d)]
            p = l2l(ws, "predict", "-d", "all", "-e", "all", *args, "--split", "sweep", "--format", "json")
            if p.returncode:
                print(seed, "rc", p.returncode, p.stderr[-1500:])
                continue
            for r in json.loads(p.stdout)["rows"]:
                if "loss" not in r:
                    continue
                key = (round(math.log(r["N"]), 6), round(math.log(r["D"]), 6))
                rec = {
                    "shape": shape,
                    "seed": seed,
                    "dataset": r["dataset"],
                    "eval": r["eval"],
                    "where": where.get(key),
                    "est": r["loss"],
                    "lo": r.get("loss_lo"),
                    "hi": r.get("loss_hi"),
                    "lb": r.get("lower_bound_only"),
                    "cal": r.get("calibrated"),
                    "truth": values.get((r["dataset"], r["eval"], *key)),
                }
                out.write(json.dumps(rec) + "\n")
            out.flush()
            print("done", shape, seed, flush=True)


if __name__ == "__main__":
    main()
