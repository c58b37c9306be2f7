"""Each workspace's form choice (fit-law -d all -e all --split sweep -f json), after run.py (helper h56).
python forms.py OUTDIR   -> OUTDIR/forms.jsonl (one line per law: cell, dataset, eval, form, status, scores)"""

import json
import os
import subprocess
import sys
from pathlib import Path

out = Path(sys.argv[1])
env = dict(os.environ, L2L_WORKERS="1", OMP_NUM_THREADS="1")
done = set()
fp = out / "forms.jsonl"
if fp.exists():
    done = {json.loads(x)["tag"] for x in fp.read_text().splitlines()}
with fp.open("a") as fh:
    for ws in sorted((out / "ws").iterdir()):
        if ws.name in done or not (out / "t" / ws.name / "evaluate.json").exists():
            continue
        p = subprocess.run(
            [
                sys.executable,
                "-m",
                "l2l",
                "-w",
                str(ws),
                "fit-law",
                "-d",
                "all",
                "-e",
                "all",
                "--split",
                "sweep",
                "-f",
                "json",
            ],
            capture_output=True,
            text=True,
            env=env,
        )
        if p.returncode:
            fh.write(json.dumps({"tag": ws.name, "error": p.stderr[-500:]}) + "\n")
            continue
        for r in json.loads(p.stdout)["rows"]:
            fc = r.get("form_choice") or {}
            fh.write(
                json.dumps(
                    {
                        "tag": ws.name,
                        "dataset": r["dataset"],
                        "eval": r["eval"],
                        "form": r["form"],
                        "status": r["status"],
                        "flags": r.get("flags"),
                        "rmse": r.get("rmse"),
                        "scores": {s["form"]: s.get("error") for s in fc.get("scores", [])},
                        "reason": fc.get("reason"),
                    }
                )
                + "\n"
            )
