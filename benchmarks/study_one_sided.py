"""A study (README, "Left open"): per (table, group of laws, dataset), how one-sided the direct backtest errors are
(how many cutoffs' mean errors share the sign of the dataset's mean error, and that mean against the error model's
noise), to see whether backtests that all err one way tell a misspecified law (probe p65's sweep whose largest models
under-perform) from a right one. They do not: on the calibration tables' right-law groups they are as one-sided.

    python benchmarks/study_one_sided.py --table eq3 --seeds 12 > eq3.jsonl
    python benchmarks/study_one_sided.py --csv runs.csv            # any run table, its top budget held out
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_calibration as bc

from l2l.base.errors import FitError, SelectionError
from l2l.core.calibrate import CalibrationCache
from l2l.core.error_model import near_optimal
from l2l.core.fit import FitCache, FitOptions
from l2l.workflows.evaluate import plan_holdout
from l2l.workflows.lawbook import LawBook

ap = argparse.ArgumentParser()
ap.add_argument("--table")
ap.add_argument("--seeds", type=int, default=1)
ap.add_argument("--csv", default=None)
ap.add_argument("--split", default=None)
ap.add_argument("--public", default="../shared/data/public")
args0 = ap.parse_args()
args = argparse.Namespace(
    table=args0.table,
    seeds=args0.seeds,
    noise=0.005,
    public=args0.public,
    runs=str(Path(__file__).resolve().parents[1] / "sample_data" / "brandfonbrener2024_runs.csv"),
    form="auto",
    level=0.9,
)
if args0.csv:
    from l2l.io.tables import read_runs

    tabs = [(args0.csv, read_runs([args0.csv]), args0.split or None, None if args0.split else 1)]
else:
    tabs = bc._heldout_tables(args)
for label, runs, split, top in tabs:
    rows = bc._heldout_rows(label, runs, split, top, args)
    plan = plan_holdout(runs, holdout_split=split, holdout_top_compute=top)
    book = LawBook(
        plan.train,
        FitOptions(form="auto"),
        saved=FitCache(),
        own_eval=plan.own_eval,
        calibrations=CalibrationCache(),
        flops_per_param_token=runs.flops_per_param_token,
    )
    groups = sorted({book.group_of(ds, ev) for ds, ev in book.sweeps.pairs()})
    for g in groups:
        try:
            cal = book.calibration(g)
        except (FitError, SelectionError):  # a group too small to calibrate
            continue
        m = cal.direct
        if m is None:
            continue
        errs = near_optimal(cal.backtest.direct)
        for ds in sorted({x.dataset for x in errs}):
            mine = [x for x in errs if x.dataset == ds]
            e = np.array([x.log_error for x in mine])
            cut = np.array([x.cutoff for x in mine])
            cm = [float(np.mean(e[cut == c])) for c in np.unique(cut)]
            s = np.sign(np.mean(e))
            same_cut = sum(1 for v in cm if np.sign(v) == s)
            same = int(np.sum(np.sign(e) == s))
            hr = [r for r in rows if r["dataset"] == ds and (book.group_of(ds, r["eval"]) == g)]
            cal_rows = [r for r in hr if not r["lower_bound_only"]]
            cov = sum(r["covered"] for r in cal_rows)
            print(
                json.dumps(
                    {
                        "t": label,
                        "g": g,
                        "ds": ds,
                        "form": m.bias_form,
                        "ncut": len(cm),
                        "same_cut": same_cut,
                        "n": len(e),
                        "same": same,
                        "mean": round(100 * float(np.mean(e)), 2),
                        "noise": round(100 * m.noise_sd, 2),
                        "ratio": round(abs(float(np.mean(e))) / m.noise_sd, 2),
                        "cal": len(cal_rows),
                        "cov": cov,
                    }
                )
            )
