"""The accuracy step alone on a probe's random tables with a known truth (``probe_tables/gen_accuracy.py``, seeds
1–27): each task's accuracy law, fitted on the ``sweep`` split with the defaults, evaluated at the TRUE task loss of
the held-out model (3–10× beyond the sweep) against its true accuracy.

    OMP_NUM_THREADS=1 python benchmarks/bench_accuracy_probe.py          # ~1 min; results in the README
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

from l2l.base.errors import FitError
from l2l.io.tables import read_runs
from l2l.workflows.accuracy import fit_accuracy_laws

HERE = Path(__file__).resolve().parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=27)
    args = ap.parse_args()
    rows: list[tuple[int, str, str, float | None, float, bool]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            d = Path(tmp) / str(seed)
            gen = HERE / "probe_tables" / "gen_accuracy.py"
            subprocess.run([sys.executable, str(gen), str(seed), str(d)], check=True, capture_output=True)
            truth = json.loads((d / "truth.json").read_text())
            try:
                runs = read_runs([d / "runs.csv"])
            except Exception:  # noqa: BLE001 - accuracies in percent: refused by design
                continue
            for res in fit_accuracy_laws(runs, split="sweep"):
                fit = res.fit
                if fit is None or not fit.usable:
                    continue
                task = res.eval.removesuffix("_acc")
                fitted = fit.ceiling_choice.startswith("fitted")
                for t in truth["targets"]:
                    if t["task"] != task:
                        continue
                    try:
                        got: float | None = float(fit.predict(t["x"], t["dataset"]))
                    except FitError:
                        got = None
                    rows.append((seed, task, t["dataset"], got, float(t["truth"]), fitted))
    done = [(g, tr, f) for *_, g, tr, f in rows if g is not None]
    err = np.array([abs(g - tr) for g, tr, _ in done])
    fit_err = np.array([g - tr for g, tr, f in done if f])
    print(f"targets of predictable tasks: {len(rows)}; predicted {len(done)}")
    print(f"mean absolute error {100 * err.mean():.2f} points (median {100 * np.median(err):.2f})")
    if len(fit_err):
        print(
            f"where the ceiling was fitted ({len(fit_err)}): {100 * np.abs(fit_err).mean():.2f} points, "
            f"bias {100 * fit_err.mean():+.2f}"
        )


if __name__ == "__main__":
    main()
