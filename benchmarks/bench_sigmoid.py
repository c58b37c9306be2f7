"""Benchmark: the sigmoid accuracy engine against an older one, on every curve ``l2l fit-accuracy`` fits (issue 21).

    mkdir /tmp/old && git show a350a84:l2l/core/accuracy.py > /tmp/old/old_accuracy.py
    l2l -w /tmp/acc ingest sample_data/brandfonbrener2024_runs.csv sample_data/brandfonbrener2024_accuracy.csv
    OMP_NUM_THREADS=1 python benchmarks/bench_sigmoid.py /tmp/old /tmp/acc

Runs ``l2l fit-accuracy`` on the workspace with every sigmoid fit made twice, by the old engine and the new one in
turn on the same points, and prints how many of the new optima (residual sum of squares) are worse or better than
the old ones, and the CPU time of each engine over all curves (same process, in turn).

    OMP_NUM_THREADS=1 python benchmarks/bench_sigmoid.py /tmp/old --bootstrap

compares the bootstrap instead: 200 draws of four tasks of the paper's table (two fitted per dataset, two pooled),
each draw's residual sum of squares on its resampled points, old (one TRF refit per draw) against new (all draws
of a curve at once).
"""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

import l2l.core.accuracy.curves as accuracy  # (where the fit of one curve calls the sigmoid engine)


def main(argv: list[str]) -> int:
    if argv[1:2] == ["--bootstrap"]:
        return bootstrap(argv[0])
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


TASKS = (
    ("hellaswag_test", False),
    ("arc_easy_test", False),
    ("arc_challenge_test", True),
    ("piqa_test", True),
)


def bootstrap(old_dir: str, draws: int = 200) -> int:
    import polars as pl

    sys.path.insert(0, old_dir)
    import old_accuracy

    root = Path(__file__).resolve().parent.parent / "sample_data"
    runs = pl.read_csv(root / "brandfonbrener2024_runs.csv")
    acc = pl.read_csv(root / "brandfonbrener2024_accuracy.csv")
    cpu = {"old": 0.0, "new": 0.0}
    rel: list[float] = []
    for task, pooled in TASKS:
        metric = "acc" if task == "arc_easy_test" else "len_norm"
        chance = 0.5 if task == "piqa_test" else 0.25
        a = acc.filter((pl.col("split") == "sweep") & (pl.col("eval") == f"downstream/{task}_{metric}"))
        loss = runs.filter(pl.col("eval") == f"downstream/{task}_ce_loss").select("dataset", "run_id", "loss")
        t = a.join(loss, on=["dataset", "run_id"]).sort("dataset", "run_id")
        x, y = t["loss"].to_numpy(), t["value"].to_numpy()
        uniq, inv = np.unique(t["dataset"].to_numpy().astype(str), return_inverse=True)
        labels, g = [str(u) for u in uniq], inv.astype(np.intp)
        curves, _ = accuracy._fit_design("sigmoid", x, y, g, labels, pooled, chance, "fit", 1.0, None)
        out = {}
        for name, module in (("old", old_accuracy), ("new", accuracy)):
            t0 = time.process_time()
            out[name] = module._bootstrap(
                "sigmoid", x, y, g, labels, pooled, chance, "fit", 1.0, None, curves, draws, 0
            )
            cpu[name] += time.process_time() - t0
        rng = np.random.default_rng(0)
        groups = [np.flatnonzero(g == k) for k in range(len(labels))]
        for b in range(draws):
            idx = np.concatenate([rng.choice(ix, size=len(ix), replace=True) for ix in groups])
            for c in range(len(curves)):
                sub = idx if pooled else idx[g[idx] == c]
                rss = {
                    k: float(np.sum((accuracy._sigmoid(x[sub], *v[b, c]) - y[sub]) ** 2))
                    for k, v in out.items()
                }
                rel.append((rss["new"] - rss["old"]) / rss["old"])
    r = np.array(rel)
    print(
        f"{len(r)} bootstrap refits ({draws} draws × curves of {len(TASKS)} tasks): new worse than old by > 1e-8: "
        f"{int(np.sum(r > 1e-8))} (worst {r.max():.2e}); better by > 1e-8: {int(np.sum(r < -1e-8))} "
        f"(best {r.min():.2e}); CPU old {cpu['old']:.2f} s, new {cpu['new']:.2f} s, "
        f"old/new {cpu['old'] / cpu['new']:.1f}x"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
