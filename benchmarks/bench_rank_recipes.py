"""Which recipe wins at 1B? ``l2l rank`` by HellaSwag accuracy on DataDecide-shaped tables with a known truth
(``accuracy_tables.py``: 16 recipes x 4 sizes (60M-300M) x 3 token multiples, a held-out 1B x 20B run each):
``ddx`` tables are drawn until the true leader at 1B differs from the sweep's (a crossover), ``ddn`` keep one
order at every scale, ``dd`` are random. For each table and budget (1B x 20B, 1B x 100B, 600M x 12B) and method,
the leader is scored against the truth; the loss ranking is backtested on the held-out 1B runs (pairs right).

    python benchmarks/bench_rank_recipes.py                 # 14 tables, ~30 min on 2 shared cores
    python benchmarks/bench_rank_recipes.py --tables ddx1   # one table
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics as st
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import accuracy_tables as gen  # noqa: E402

TABLES = [f"ddx{s}" for s in range(1, 6)] + [f"ddn{s}" for s in range(1, 6)] + [f"dd{s}" for s in range(1, 5)]
BUDGETS = {"1B x 20B": (1e9, 20e9), "1B x 100B": (1e9, 100e9), "600M x 12B": (6e8, 12e9)}
METHODS = ("recommended", "independent", "baseline")


def l2l(ws: Path, *args: str) -> Any:
    out = subprocess.run(
        [sys.executable, "-m", "l2l", "-w", str(ws), *args, "--format", "json"],
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout) if out.returncode == 0 else None


def leaders(table: Path, truth: dict[str, Any]) -> list[dict[str, Any]]:
    top = truth["targets"]["3e+08x1.2e+10"]
    sweep_leader = max(top, key=lambda k: top[k]["hellaswag_acc"])
    out = []
    for budget, (n, d) in BUDGETS.items():
        true = {k: gen.truth_at(truth["datasets"], truth["task_laws"], k, n, d)["hellaswag_acc"] for k in top}
        best = max(true, key=lambda k: true[k])
        for method in METHODS:
            doc = l2l(table / "ws", "rank", "-t", "hellaswag_acc", "--N", f"{n:g}", "--D", f"{d:g}", "--split",
                      "sweep", "--method", method)  # fmt: skip
            rows = [r for r in (doc or {}).get("rows", []) if r.get("p_best") is not None]
            if not rows:
                continue
            lead = min(rows, key=lambda r: r["rank"])["dataset"]
            p = next(r["p_best"] for r in rows if r["dataset"] == lead)
            out.append({"budget": budget, "method": method, "right": lead == best, "p": p,
                        "cross": best != sweep_leader, "regret": 100 * (true[best] - true[lead])})  # fmt: skip
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--tables", nargs="*", default=TABLES)
    args = ap.parse_args()
    rows: list[dict[str, Any]] = []
    pairs: collections.Counter[str] = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for name in args.tables:
            shape, seed = name.rstrip("0123456789"), name[len(name.rstrip("0123456789")) :]
            table = Path(tmp) / name
            subprocess.run(
                [sys.executable, str(HERE / "accuracy_tables.py"), shape, seed, str(table)], check=True
            )
            subprocess.run([sys.executable, "-m", "l2l", "-w", str(table / "ws"), "ingest", str(table / "t.csv")],
                           check=True, capture_output=True)  # fmt: skip
            truth = json.loads((table / "truth.json").read_text())
            rows += leaders(table, truth)
            held = l2l(table / "ws", "rank", "-t", "hellaswag_ce_loss", "--holdout", "split=extrapolation")
            for r in (held or {}).get("rows", []):
                pairs[r["method"]] += r["right"]
                pairs["pairs"] += r["pairs"] if r["method"] == "baseline" else 0
            print(f"{name}: done", file=sys.stderr)
    for method in METHODS:
        rr = [r for r in rows if r["method"] == method]
        if not rr:
            continue
        line = f"{method:12s} leaders {len(rr)}: right {st.mean(r['right'] for r in rr):.2f}, stated P(best) "
        line += f"{st.mean(r['p'] for r in rr):.2f}, regret {st.mean(r['regret'] for r in rr):.2f} points"
        for cross in (True, False):
            b = [r for r in rr if r["cross"] is cross]
            if b:
                kind = "crossover" if cross else "no crossover"
                line += f"; {kind} ({len(b)}): right {st.mean(r['right'] for r in b):.2f}"
        print(line)
    print("held-out 1B runs, loss pairs right:", dict(pairs))


if __name__ == "__main__":
    main()
