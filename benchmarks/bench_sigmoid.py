"""Benchmark: the sigmoid accuracy engine against an older one, on every curve ``l2l fit-accuracy`` fits (issue 21).

    mkdir /tmp/old && git show a350a84:l2l/core/accuracy.py > /tmp/old/old_accuracy.py
    l2l -w /tmp/acc ingest sample_data/brandfonbrener2024_runs.csv sample_data/brandfonbrener2024_accuracy.csv
    OMP_NUM_THREADS=1 python benchmarks/bench_sigmoid.py /tmp/old /tmp/acc

Runs ``l2l fit-accuracy`` on the workspace with every sigmoid fit made twice, by the old engine and the new one in
turn on the same points, and prints how many of the new optima (residual sum of squares) are worse or better than
the old ones, and the CPU time of each engine over all curves (same process, in turn).
"""

from __future__ import annotations

import contextlib
import sys
import time
from typing import Any

import numpy as np

import l2l.core.accuracy as accuracy


def main(argv: list[str]) -> int:
    old_dir, workspace = argv[:2]
    sys.path.insert(0, old_dir)
    import old_accuracy  # type: ignore[import-not-found]

    new_fit = accuracy._fit_sigmoid
    pairs: list[tuple[float, float]] = []
    cpu = {"old": 0.0, "new": 0.0}

    def both(*args: Any) -> Any:
        t0 = time.process_time()
        old = old_accuracy._fit_sigmoid(*args)
        t1 = time.process_time()
        new = new_fit(*args)
        t2 = time.process_time()
        cpu["old"] += t1 - t0
        cpu["new"] += t2 - t1
        pairs.append((old.rss, new.rss))
        return new

    accuracy._fit_sigmoid = both  # type: ignore[assignment]
    from l2l.cli.commands import main as cli

    with contextlib.suppress(SystemExit):
        cli(["-w", workspace, "fit-accuracy", "--format", "json", *argv[2:]])
    r = np.array(pairs)
    rel = (r[:, 1] - r[:, 0]) / r[:, 0]
    print(
        f"\n{len(r)} sigmoid fits: new worse than old by > 1e-9 (relative rss): {int(np.sum(rel > 1e-9))} "
        f"(worst {rel.max():.2e}); better by > 1e-9: {int(np.sum(rel < -1e-9))} (best {rel.min():.2e}); "
        f"CPU old {cpu['old']:.2f} s, new {cpu['new']:.2f} s, old/new {cpu['old'] / cpu['new']:.1f}x",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
