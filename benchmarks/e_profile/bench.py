"""Issue 17 bench (helper h92, 2026-12-07): seeded one-dataset tables (Eq. 1 or Eq. 3 truth, 4-5 sizes of the
ladder x its token multiples, 0.4-1.2 % noise) whose own law ends with E on its lower bound; `l2l.predict` at 2x, 5x
and 20x the largest size with and without the profile over E (`l2l.core.intervals.e_profiled`), scored against the
noise-free truth by `score.py`. Seeds are scanned in order until MAX_TABLES such tables are found.

    python benchmarks/e_profile/bench.py benchmarks/results/e_profile.jsonl 48
    python benchmarks/e_profile/score.py benchmarks/results/e_profile.jsonl
"""

from __future__ import annotations

import itertools
import json
import math
import sys
import tempfile
import time
from pathlib import Path
from typing import TextIO

import numpy as np

import l2l
import l2l.workflows.predict as wp
from l2l.core.fit import fit_law
from l2l.core.laws import ScalingLaw
from l2l.testing import PAPER_LIKE_LAW, write_csv
from l2l.testing.shapes import LADDER_MULTIPLES, LADDER_SIZES

EQ1 = ScalingLaw("chinchilla", A=482.01, B=2085.43, E=1.8172, alpha=0.3478, beta=0.3658)
TRUTHS = {"eq1": EQ1, "eq3": PAPER_LIKE_LAW}
ORIG = wp.e_profiled


def table(truth, n_sizes, noise, seed):
    rng = np.random.default_rng(seed)
    rows = []
    for n in LADDER_SIZES[:n_sizes]:
        for m in LADDER_MULTIPLES:
            d = 20.0 * n * m
            y = float(truth.predict(n, d)) * math.exp(noise * rng.standard_normal())
            rows.append(
                {
                    "run_id": f"{n / 1e6:.0f}M-{m:g}",
                    "dataset": "web",
                    "N": n,
                    "D": d,
                    "split": "sweep",
                    "eval": "web_val",
                    "metric": "loss",
                    "value": y,
                }
            )
    return rows


def main() -> None:
    with Path(sys.argv[1]).open("a") as out:
        scan(out)


def scan(out: TextIO) -> None:
    cap = int(sys.argv[2]) if len(sys.argv) > 2 else 48  # (MAX_TABLES)
    folder = tempfile.mkdtemp(prefix="l2l_e_profile_")
    found = 0
    for seed in itertools.count():
        for tname, n_sizes, noise in itertools.product(("eq1", "eq3"), (4, 5), (0.004, 0.008, 0.012)):
            if found >= cap:
                return
            truth = TRUTHS[tname]
            rows = table(truth, n_sizes, noise, seed)
            ns = np.array([r["N"] for r in rows])
            ds = np.array([r["D"] for r in rows])
            ys = np.array([r["value"] for r in rows])
            # cheap pre-filter: neither form's E on its bound -> skip
            if not any("E" in fit_law(ns, ds, ys, form=f).at_bounds for f in ("l2l", "chinchilla")):
                continue
            path = f"{folder}/{tname}_{n_sizes}_{noise}_{seed}.csv"
            write_csv(rows, path)
            runs = l2l.read_runs([path])
            top = LADDER_SIZES[n_sizes - 1]
            Ns = [2 * top, 5 * top, 20 * top]
            Ds = [40 * n for n in Ns]
            cache, cals = l2l.FitCache(), l2l.CalibrationCache() if hasattr(l2l, "CalibrationCache") else None
            kw: dict[str, object] = {"N": Ns, "D": Ds, "split": "sweep", "cache": cache}
            if cals is not None:
                kw["calibrations"] = cals
            t0 = time.perf_counter()
            after = l2l.predict(runs, **kw)
            t_after = time.perf_counter() - t0
            wp.e_profiled = lambda pi, *_a, **_k: pi
            try:
                before = l2l.predict(runs, **kw)
            finally:
                wp.e_profiled = ORIG
            rec_rows = []
            at_bound = False
            for b, a, n, d in zip(before, after, Ns, Ds, strict=True):
                t = float(truth.predict(n, d))
                warn = " ".join(a.to_dict().get("warnings", []) if hasattr(a, "to_dict") else [])
                at_bound = at_bound or ("E → 0" in warn)
                rec_rows.append(
                    {
                        "N": n,
                        "D": d,
                        "truth": t,
                        "form": a.to_dict().get("form"),
                        "before": [b.loss, b.interval.lo, b.interval.hi, b.interval.lower_bound_only],
                        "after": [a.loss, a.interval.lo, a.interval.hi, a.interval.lower_bound_only],
                    }
                )
            if not at_bound:
                continue
            found += 1
            out.write(
                json.dumps(
                    {
                        "table": path,
                        "truth": tname,
                        "sizes": n_sizes,
                        "noise": noise,
                        "seed": seed,
                        "secs_after": t_after,
                        "rows": rec_rows,
                    }
                )
                + "\n"
            )
            out.flush()
            print(found, path, round(t_after, 1), flush=True)


if __name__ == "__main__":
    main()
