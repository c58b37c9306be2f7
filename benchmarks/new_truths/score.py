"""Score out/pred_*.json (l2l predict after ingesting only split=sweep) and out/eval_*.json (l2l evaluate) against
the held-out truth (tables/*.truth.csv). usage: python score.py [scenarios...]"""

import csv
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np


def truth_of(scn, seed):
    T = {}
    for r in csv.DictReader(Path(f"tables/{scn}_s{seed}.truth.csv").read_text().splitlines()):
        T[(r["dataset"], r["eval"], round(float(r["N"]) / 1e3), round(float(r["D"]) / 1e6))] = (
            float(r["truth"]),
            float(r["observed"]),
        )
    return T


def key(ds, ev, N, D):
    return (ds, ev, round(N / 1e3), round(D / 1e6))


def summarize(recs):
    if not recs:
        return "n=0"
    cov_t = np.mean([r["cov_t"] for r in recs])
    cov_o = np.mean([r["cov_o"] for r in recs])
    hw = np.median([r["hw"] for r in recs])
    err = np.median([r["err"] for r in recs])
    lb = sum(r["lb"] for r in recs)
    return (
        f"n={len(recs):3d} cover(truth)={sum(r['cov_t'] for r in recs):3d}/{len(recs)}={cov_t:5.1%} "
        f"cover(obs)={cov_o:5.1%} "
        f"med_hw={hw:.2%} med_err={err:.2%} hw/err={hw / max(err, 1e-9):.1f} lower_bound={lb}/{len(recs)}"
    )


scns = sys.argv[1:] or ["kaplan", "broken", "noise15", "hetero", "overtrain", "bigN"]
allwarn = defaultdict(lambda: defaultdict(int))


def outputs(kind, scn):
    """(truth, parsed JSON) of each seed's ``out/{kind}_{scn}_s*.json`` (a file that does not parse is said)."""
    for f in sorted(str(p) for p in Path().glob(f"out/{kind}_{scn}_s*.json")):
        seed = int(re.search(r"_s(\d+)\.json", f).group(1))
        try:
            d = json.loads(Path(f).read_text())
        except (OSError, ValueError) as e:
            print("bad", f, e)
            continue
        yield truth_of(scn, seed), d


NOINT = defaultdict(int)
for scn in scns:
    P, E = defaultdict(list), defaultdict(list)
    status = defaultdict(int)
    for T, d in outputs("pred", scn):
        for r in d["rows"]:
            k = key(r["dataset"], r["eval"], r["N"], r["D"])
            if k not in T:
                continue
            t, o = T[k]
            rec = {
                "cov_t": r["loss_lo"] <= t <= r["loss_hi"],
                "cov_o": r["loss_lo"] <= o <= r["loss_hi"],
                "hw": (r["loss_hi"] - r["loss_lo"]) / 2 / r["loss"],
                "err": abs(r["loss"] - t) / t,
                "lb": bool(r["lower_bound_only"]),
            }
            grp = "own" if r["eval"] != "c4_val" else "c4_val"
            P["all"].append(rec)
            P[grp].append(rec)
            P["flag=" + ("lower_bound" if rec["lb"] else "none") + "/status=" + r["status"]].append(rec)
            P[f"N={r['N']:.3g},D={r['D']:.3g}"].append(rec)
            status[(r["status"], r["lower_bound_only"], r["beyond_evidence"], r["interval_method"])] += 1
            for w in r["warnings"]:
                allwarn[scn][re.sub(r"\d[\d.]*(e[+-]?\d+)?×?", "#", w)[:110]] += 1
    print(f"=== {scn}: l2l predict (fit on sweep only) ===")
    for g in P:
        print(f"  {g:28s} {summarize(P[g])}")
    print("  status/lower_bound_only/beyond_evidence/method:", dict(status))
    for T, d in outputs("eval", scn):
        seen = set()
        for r in d["predictions"]:
            k = key(r["tgt"], r["eval"], r["N"], r["D"])
            t, o = T[k]
            for m in ("independent", "loss_to_loss", "combined"):
                if m == "independent":
                    if (k, m) in seen:
                        continue
                    seen.add((k, m))
                lo, hi, c = r[f"{m}_lo"], r[f"{m}_hi"], r[f"{m}_corrected"]
                if lo is None or hi is None or c is None:
                    NOINT[(scn, r["setting"], m)] += 1
                    continue
                E[(r["setting"], m)].append(
                    {
                        "cov_t": lo <= t <= hi,
                        "cov_o": lo <= o <= hi,
                        "hw": (hi - lo) / 2 / c,
                        "err": abs(c - t) / t,
                        "lb": bool(r[f"{m}_lower_bound"]),
                    }
                )
    print(f"--- {scn}: l2l evaluate (independent deduplicated per target) ---")
    for g in sorted(E):
        print(f"  {g[0]:15s} {g[1]:13s} {summarize(E[g])}")
print("predictions without an interval (evaluate):", dict(NOINT))
print("\n=== warnings seen in predict (counts, numbers masked) ===")
for scn in allwarn:
    print(scn)
    for w, n in sorted(allwarn[scn].items(), key=lambda x: -x[1]):
        print(f"   {n:4d}  {w}")
