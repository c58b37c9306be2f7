"""Score run.py's rows into the REPORT table (helper h56).   python score.py OUTDIR [OUTDIR...]

Errors are |log(pred / truth)| against the NOISE-FREE truth of each held-out run; coverage is truth inside the
printed 90 % interval; width ratio = median half-width / median error (half-width = (hi - lo) / 2 / pred)."""

from __future__ import annotations

import json
import math
import sys
from collections import defaultdict
from pathlib import Path
from statistics import median


def fmt(p: float | None) -> str:
    return "–" if p is None else f"{100 * p:.2f}"


def main() -> None:
    rows = [
        json.loads(line) for d in sys.argv[1:] for line in (Path(d) / "res.jsonl").read_text().splitlines()
    ]
    cells: dict[tuple, dict] = defaultdict(lambda: defaultdict(list))
    errors = defaultdict(int)
    tables = defaultdict(set)
    for r in rows:
        c = (r["truth_law"], r["design"], r["noise"])
        tables[c].add(r["seed"])
        if r["kind"] == "error":
            errors[(c, r["step"])] += 1
            continue
        if r["kind"] == "evaluate":
            ev = json.loads(Path(r["path"]).read_text())
            truth = json.loads((Path(r["path"]).parent / "truth.json").read_text())
            tv = {
                (h["dataset"], round(math.log(h["N"]), 3), round(math.log(h["D"]), 3)): h["truth"]
                for h in truth["held"]
            }
            for p in ev["predictions"]:
                t = tv.get((p["tgt"], round(math.log(p["N"]), 3), round(math.log(p["D"]), 3)), {}).get(
                    p["eval"]
                )
                if t is None or p.get("independent_lo") is None:
                    continue
                s = p["setting"]
                for m in ("independent", "loss_to_loss"):
                    est, lo, hi = p[m], p[f"{m}_lo"], p[f"{m}_hi"]
                    if lo is None or est is None:
                        continue
                    cells[c][f"ev:{s}:{m}"].append(
                        (abs(math.log(est / t)), lo <= t <= hi, (hi - lo) / 2 / est, p.get(f"{m}_calibrated"))
                    )
            for a in ev.get("evaluate-accuracy-detail", []):
                if a["method"].startswith("l2l") and a.get("lo") is not None:
                    cells[c]["ev:acc:" + a["method"]].append(
                        (
                            abs(a["predicted"] - a["truth"]),
                            a["lo"] <= a["truth"] <= a["hi"],
                            (a["hi"] - a["lo"]) / 2,
                            None,
                        )
                    )
            continue
        if r["truth"] is None or r["est"] is None:
            continue
        ev, call = r["eval"], r["call"]
        kind = (
            "own"
            if ev == f"{r['dataset']}_val"
            else ("c4" if ev == "c4_val" else ("acc" if ev.endswith("_acc") else "task"))
        )
        if r["est"] != r["est"] or (r["lo"] is not None and (r["lo"] != r["lo"] or r["hi"] != r["hi"])):
            errors[(c, "NaN:" + call)] += 1
            continue
        err = abs(r["est"] - r["truth"]) if kind == "acc" else abs(math.log(r["est"] / r["truth"]))
        cov = r["lo"] is not None and r["lo"] <= r["truth"] <= r["hi"]
        hw = None if r["lo"] is None else ((r["hi"] - r["lo"]) / 2 / (1 if kind == "acc" else r["est"]))
        cells[c][f"{call}:{kind}"].append((err, cov, hw, r["cal"], r["status"], r["form"], r["lb"]))
    return cells, errors, tables


def summary(xs: list) -> str:
    if not xs:
        return "–"
    errs = [x[0] for x in xs]
    cov = sum(1 for x in xs if x[1])
    hws = [x[2] for x in xs if x[2] is not None]
    ratio = (median(hws) / median(errs)) if hws and median(errs) > 0 else float("nan")
    return f"{fmt(sum(errs) / len(errs))} / {cov}/{len(xs)} / {ratio:.1f}"


HEADER = (
    "| truth | design | noise | seeds | auto's form (own; task) | own err: auto / l2l / chin / kaplan (mean %) "
    "| own auto: err / cover / width ratio | c4 | task loss | acc (points) | evaluate t2t ind. | t2t via (l2l) "
    "| t2test ind. | t2test via | big-miss (>3 %) own+c4+task: flagged not ok |"
)


def picked(d: dict, k: str) -> str:
    fs: dict[str, int] = defaultdict(int)
    for x in d.get(k, []):
        fs[x[5]] += 1
    return ",".join(f"{f}:{n}" for f, n in sorted(fs.items(), key=lambda z: -z[1]))


def me(d: dict, k: str) -> str:
    xs = d.get(k, [])
    return fmt(sum(x[0] for x in xs) / len(xs)) if xs else "–"


def accuracy_cell(accs: list) -> str:
    if not accs:
        return "–"
    ratio = median([x[2] for x in accs if x[2] is not None]) / max(median([x[0] for x in accs]), 1e-9)
    return f"{100 * sum(x[0] for x in accs) / len(accs):.1f} / {sum(x[1] for x in accs)}/{len(accs)} / {ratio:.1f}"


if __name__ == "__main__":
    cells, errors, tables = main()
    print(HEADER)
    print("|" + "---|" * 15)
    for c in sorted(cells):
        d = cells[c]
        big = [x for k in ("auto:own", "auto:c4", "auto:task") for x in d.get(k, []) if x[0] > 0.03]
        flagged = sum(1 for x in big if x[4] != "ok")
        forms = f"{picked(d, 'auto:own')}; {picked(d, 'auto:task')}"
        errs = " / ".join(me(d, k) for k in ("auto:own", "l2l:own", "chinchilla:own", "kaplan:own"))
        kinds = ("auto:own", "auto:c4", "auto:task")
        ev = [
            f"ev:{k}:{m}"
            for k in ("train-to-train", "train-to-test")
            for m in ("independent", "loss_to_loss")
        ]
        parts = [*(summary(d.get(k, [])) for k in kinds), accuracy_cell(d.get("acc:acc", []))]
        parts += [summary(d.get(k, [])) for k in ev]
        head = f"| {c[0]} | {c[1]} | {c[2]} | {len(tables[c])} | {forms} | {errs}"
        print(f"{head} | {' | '.join(parts)} | {flagged}/{len(big)} |")
    if errors:
        print("\nerrors / NaN:", dict(errors))
