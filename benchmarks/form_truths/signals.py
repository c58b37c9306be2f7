"""Which evidence l2l already computes tells a large miss from an accurate prediction (helper h63, issue 17).

    python signals.py collect OUT.jsonl grid GRIDDIR                 # run.py's tables (noise-free truth)
    python signals.py collect OUT.jsonl csv NAME PATH SPLIT           # fit SPLIT, score the other runs (measured)
    python signals.py collect OUT.jsonl top NAME PATH WHERE|- BESTOF|-   # fit below the top budget, score it
    python signals.py collect OUT.jsonl topn NAME PATH WHERE|- BESTOF|-  # ... below the largest model size
    python signals.py confusion OUT.jsonl [OUT.jsonl ...]            # flags among misses > 3 % / within 1 %

``collect`` calls ``l2l.predict`` for every held-out (dataset, eval, N, D) loss as ``l2l predict --split`` does
(``--form auto``), and records beside its error, status, notes and interval what the same ``LawBook`` holds: the
other five-parameter form's value at the target, the law's miss at its top budget (``top_miss``) and at its
largest size, the residual trend at the top budget, parameters on a bound, the dataset's backtest error, the form
choice's scores. ``confusion`` prints, per candidate rule, how many misses > 3 % and predictions within 1 % it
flags, then the best rules and OR-pairs by TPR - FPR. Uses the l2l importable from the running interpreter.
"""

from __future__ import annotations

import dataclasses
import itertools
import json
import math
import sys
from pathlib import Path
from typing import Any, TextIO

import numpy as np
import polars as pl

import l2l
from l2l.core.calibrate import CalibrationCache
from l2l.core.fit import FitCache
from l2l.core.selection import top_miss
from l2l.workflows.lawbook import law_book

OTHER = {"l2l": "chinchilla", "chinchilla": "l2l", "kaplan": "l2l"}
BIG, SMALL = 0.03, 0.01


def law_evidence(book: Any, ds: str, ev: str) -> dict[str, Any] | None:
    """What the book holds about the law of (ds, ev), or None where it could not be fitted."""
    fit = book.try_get(ds, ev)
    if isinstance(fit, l2l.FitError):
        return None
    sweep = book.sweeps.get(ds, ev)
    r = np.log(sweep.loss / sweep.predicted(fit.law))
    top_n = float(np.max(sweep.N)) / 1.01 <= sweep.N
    lc = np.round(np.log10(sweep.C), 2)
    cs = np.unique(lc)
    trend = float(np.mean(r[lc == cs[-1]]) - np.mean(r[lc == cs[-2]])) if len(cs) > 1 else 0.0
    cal = book.calibration(book.group_of(ds, ev))
    model = cal.direct_for(ds) if cal.form_of(ds) == fit.form else None
    choice = book.choice_for(ds, ev)
    return {
        "fit": fit,
        "other": book._fit_of(ds, ev, OTHER.get(fit.form, "l2l")),
        "top_miss": top_miss(fit, sweep),
        "big_n": float(np.mean(r[top_n])),
        "trend": trend,
        "at_bounds": list(fit.at_bounds),
        "gerr": None if model is None else model.group_errors.get(ds),
        "scores": {} if choice is None else {s.form: s.error for s in choice.scores},
        "rmse": fit.rmse,
    }


def score(out: TextIO, name: str, runs: l2l.Runs, split: str, held: list[dict[str, Any]]) -> None:
    """One JSON line per held-out loss (``held``: dataset, eval, N, D, truth) predicted from ``split``."""
    cache, cals = FitCache(), CalibrationCache()
    book = law_book(runs, None, split, cache, cals)
    for ds, ev in sorted({(h["dataset"], h["eval"]) for h in held}):
        pts = [h for h in held if (h["dataset"], h["eval"]) == (ds, ev)]
        try:
            res = l2l.predict(
                runs,
                N=[h["N"] for h in pts],
                D=[h["D"] for h in pts],
                datasets=[ds],
                evals=[ev],
                split=split,
                cache=cache,
                calibrations=cals,
            )
        except l2l.L2LError as exc:
            print(name, ds, ev, "refused:", str(exc)[:160], file=sys.stderr)
            continue
        law = law_evidence(book, ds, ev)
        if law is None:
            continue
        for h, p in zip(pts, list(res), strict=True):
            d = p.to_dict()
            est, other = d["loss"], law["other"]
            oth = None if other is None else float(other.predict(h["N"], h["D"]))
            rec = {
                "table": name,
                **{k: h[k] for k in ("dataset", "eval", "N", "D", "truth")},
                "est": est,
                "lo": d["loss_lo"],
                "hi": d["loss_hi"],
                "err": abs(math.log(est / h["truth"])),
                "signed": math.log(est / h["truth"]),
                "status": d["status"],
                "notes": d["notes"],
                "warnings": d["warnings"],
                "lb": d["lower_bound_only"],
                "beyond": d["beyond_evidence"],
                "form": law["fit"].form,
                "hw": (d["loss_hi"] - d["loss_lo"]) / 2 / est,
                "raw": d["loss_law"],
                "other": oth,
                "dis": None if oth is None else abs(math.log(d["loss_law"] / oth)),
                "N_ratio": d["N_ratio"],
                **{k: law[k] for k in ("top_miss", "big_n", "trend", "at_bounds", "gerr", "scores", "rmse")},
            }
            out.write(json.dumps(rec) + "\n")
        out.flush()


def measured(frame: pl.DataFrame) -> list[dict[str, Any]]:
    g = frame.group_by(["dataset", "eval", "N", "D"]).agg(pl.col("loss").mean().alias("truth"))
    return list(g.iter_rows(named=True))


def collect(argv: list[str]) -> None:
    with Path(argv[0]).open("a") as out:
        collect_into(out, argv[1:])


def collect_into(out: TextIO, argv: list[str]) -> None:
    mode = argv[0]
    if mode == "grid":
        for tdir in sorted((Path(argv[1]) / "t").iterdir()):
            tr = json.loads((tdir / "truth.json").read_text())
            held = [
                {"dataset": h["dataset"], "eval": ev, "N": h["N"], "D": h["D"], "truth": v}
                for h in tr["held"]
                for ev, v in h["truth"].items()
                if not ev.endswith("_acc")
            ]
            score(out, tdir.name, l2l.read_runs([tdir / "runs.csv"]), "sweep", held)
        return
    name, path = argv[1], argv[2]
    if mode == "csv":
        runs = l2l.read_runs([path])
        score(out, name, runs, argv[3], measured(runs.frame.filter(pl.col("split") != argv[3])))
        return
    where = [] if argv[3] == "-" else [argv[3]]
    runs = l2l.read_runs([path], where=where, best_of=None if argv[4] == "-" else argv[4])
    col = "N" if mode == "topn" else "C"
    top = runs.frame[col].max()
    frame = runs.frame.with_columns(
        split=pl.when(pl.col(col) >= top / 1.05).then(pl.lit("top")).otherwise(pl.lit("fit"))
    )
    runs = dataclasses.replace(runs, frame=frame)
    score(out, name, runs, "fit", measured(frame.filter(pl.col("split") == "top")))


def signals(r: dict[str, Any]) -> dict[str, bool]:
    """Each candidate rule's verdict on one row."""
    s: dict[str, bool] = {"status != ok": r["status"] != "ok"}
    s["warning (beyond/lb)"] = bool(r["warnings"]) or bool(r["lb"]) or bool(r["beyond"])
    dis = r["dis"]
    de = None if r["other"] is None else abs(math.log(r["est"] / r["other"]))
    for t in (0.01, 0.02, 0.03):
        s[f"form disagreement >= {t:.0%}"] = dis is not None and dis >= t
        s[f"estimate vs other form >= {t:.0%}"] = de is not None and de >= t
        s[f"|top-budget miss| >= {t:.0%}"] = abs(r["top_miss"]) >= t
        s[f"|largest-N miss| >= {t:.0%}"] = abs(r["big_n"]) >= t
    for t in (0.5, 1.0):
        s[f"form disagreement >= {t} x half-width"] = dis is not None and dis >= t * r["hw"]
    for t in (0.005, 0.01, 0.02):
        s[f"|top-budget residual trend| >= {t:.1%}"] = abs(r["trend"]) >= t
    s["a parameter at a bound"] = bool(r["at_bounds"])
    s["E at a bound"] = any(a.startswith("E") for a in r["at_bounds"])
    for t in (0.015, 0.02, 0.03):
        s[f"own backtest error >= {t:.1%}"] = r["gerr"] is not None and r["gerr"] >= t
    sc = r["scores"] or {}
    mine, theirs = sc.get(r["form"]), sc.get(OTHER.get(r["form"], ""))
    both = mine is not None and theirs is not None
    s["other form backtests as well (<= 1.0x)"] = both and theirs <= mine
    s["other form backtests nearly as well (<= 1.25x)"] = both and theirs <= 1.25 * mine
    for t in (0.03, 0.05):
        s[f"half-width >= {t:.0%}"] = r["hw"] >= t
    s["N ratio >= 3"] = (r["N_ratio"] or 0) >= 3
    s["rmse >= 1.5%"] = r["rmse"] >= 0.015
    return s


def confusion(paths: list[str]) -> None:
    for f in paths:
        rows = [json.loads(x) for x in Path(f).read_text().splitlines()]
        flags = [signals(r) for r in rows]
        big = [i for i, r in enumerate(rows) if r["err"] > BIG]
        small = [i for i, r in enumerate(rows) if r["err"] < SMALL]
        print(f"\n### {f}: {len(rows)} predictions, {len(big)} miss > 3 %, {len(small)} within 1 %")
        print("| signal | flags misses > 3 % | flags within 1 % |\n|---|---|---|")
        names = list(flags[0])
        for n in names:
            print(
                f"| {n} | {sum(flags[i][n] for i in big)}/{len(big)} | {sum(flags[i][n] for i in small)}/{len(small)} |"
            )
        if not big or not small:
            continue
        ranked = []
        for a, b in itertools.combinations_with_replacement(names, 2):
            tp = sum(flags[i][a] or flags[i][b] for i in big)
            fp = sum(flags[i][a] or flags[i][b] for i in small)
            ranked.append((tp / len(big) - fp / len(small), tp, fp, a if a == b else f"{a} OR {b}"))
        print("\n| best rules by TPR - FPR | misses > 3 % | within 1 % | TPR - FPR |\n|---|---|---|---|")
        for j, tp, fp, n in sorted(ranked, reverse=True)[:8]:
            print(f"| {n} | {tp}/{len(big)} | {fp}/{len(small)} | {j:.2f} |")


if __name__ == "__main__":
    if sys.argv[1] == "collect":
        collect(sys.argv[2:])
    else:
        confusion(sys.argv[2:])
