"""The accuracy law's ceiling chosen by evidence (``--ceiling auto``) against the ceiling at 1, on seeded
ladder-shaped tables with a known truth (``accuracy_tables.py``): each task's law, fitted on the sweep, evaluated
at the TRUE task loss of the held-out targets (1.2B x 24B, 3B x 60B) against the true accuracy (the accuracy step
alone). One of the eight tasks levels off at 80 % inside the sweep; the others are still rising.

    python benchmarks/bench_ceiling.py --seeds 20      # ~3 min; results in the README (Downstream accuracy)
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import accuracy_tables as gen  # noqa: E402

from l2l.base.errors import FitError  # noqa: E402
from l2l.io.tables import read_runs  # noqa: E402
from l2l.workflows.accuracy import fit_accuracy_laws  # noqa: E402

TARGETS = {"1.2B": (1.2e9, 24e9), "3B": (3e9, 60e9)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seeds", type=int, default=20)
    args = ap.parse_args()
    err: dict[tuple[str, str, str], list[float]] = collections.defaultdict(list)
    chosen: collections.Counter[tuple[str, str]] = collections.Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for seed in range(1, args.seeds + 1):
            d = Path(tmp) / f"s{seed}"
            subprocess.run(
                [sys.executable, str(HERE / "accuracy_tables.py"), "ladder", str(seed), str(d)], check=True
            )
            truth = json.loads((d / "truth.json").read_text())
            runs = read_runs([d / "t.csv"])
            for mode in (1.0, "auto"):
                for res in fit_accuracy_laws(runs, ["all"], split="sweep", ceiling=mode):
                    if res.fit is None or not res.fit.usable:
                        continue
                    if mode == "auto":
                        chosen[(res.eval, res.fit.ceiling_choice.split(":")[0])] += 1
                    task = res.eval.rsplit("_", 1)[0].removesuffix("_len")
                    which = "norm" if res.eval.endswith("len_norm") else "acc"
                    for ds in truth["datasets"]:
                        try:
                            law = res.fit.law_for(None if res.fit.pooled else ds)
                        except FitError:  # a dataset whose own curve predicts nothing (one curve each)
                            continue
                        for tg, (n, tokens) in TARGETS.items():
                            t = gen.truth_at(truth["datasets"], truth["task_laws"], ds, n, tokens)
                            x = t[f"{task}_ce_loss"]
                            pred = float(law.predict(np.array([x]))[0])
                            err[(res.eval, tg, str(mode))].append(100 * (pred - gen.acc_of(task, x, which)))
    print(
        f"{'eval':18s} {'target':6s} {'MAE at 1':>9s} {'bias':>6s} {'MAE auto':>9s} {'bias':>6s}   n (points)"
    )
    for ev, tg in sorted({(e, t) for e, t, _ in err}):
        a, b = np.array(err[(ev, tg, "1.0")]), np.array(err[(ev, tg, "auto")])
        print(
            f"{ev:18s} {tg:6s} {np.mean(np.abs(a)):9.2f} {np.mean(a):+6.2f} {np.mean(np.abs(b)):9.2f} "
            f"{np.mean(b):+6.2f}   {len(a)}"
        )
    print("ceiling chosen (auto):", ", ".join(f"{e} {c}: {n}" for (e, c), n in sorted(chosen.items())))


if __name__ == "__main__":
    main()
