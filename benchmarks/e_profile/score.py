"""Score ``bench.py``'s rows: coverage, median half-width and median |error| of the 90 % intervals against the
noise-free truth, before and after the profile over E, overall and by truth, noise, sizes and reach.

    python benchmarks/e_profile/score.py benchmarks/results/e_profile.jsonl
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

Row = dict[str, Any]
Select = Callable[[Row, int], bool]


def stats(recs: list[Row], key: str, sel: Select) -> tuple[int, int, float, float, int]:
    """(rows, covered, median half-width %, median |error| %, lower bounds) of ``key`` (before or after)."""
    covered = lower = 0
    widths: list[float] = []
    errors: list[float] = []
    for rec in recs:
        for k, row in enumerate(rec["rows"]):
            if not sel(rec, k):
                continue
            est, lo, hi, lower_only = row[key]
            truth = row["truth"]
            covered += lo <= truth <= hi
            lower += bool(lower_only)
            widths.append(100 * (math.log(hi) - math.log(lo)) / 2)
            errors.append(100 * abs(math.log(est / truth)))
    n = len(widths)
    return (
        n,
        covered,
        float(np.median(widths)) if n else math.nan,
        float(np.median(errors)) if n else math.nan,
        lower,
    )


def main() -> None:
    recs = [json.loads(line) for line in Path(sys.argv[1]).read_text().splitlines() if line.strip()]
    print(f"tables {len(recs)}")
    groups: list[tuple[str, Select]] = [("all", lambda _r, _k: True)]
    groups += [(t, lambda r, _k, t=t: r["truth"] == t) for t in ("eq1", "eq3")]
    groups += [(f"noise {z}", lambda r, _k, z=z: r["noise"] == z) for z in (0.004, 0.008, 0.012)]
    groups += [(f"{s} sizes", lambda r, _k, s=s: r["sizes"] == s) for s in (4, 5)]
    groups += [(f"{m}x", lambda _r, k, i=i: k == i) for i, m in enumerate((2, 5, 20))]
    for name, sel in groups:
        b, a = stats(recs, "before", sel), stats(recs, "after", sel)
        print(
            f"{name:12s} n={b[0]:3d}  before {b[1]}/{b[0]} = {100 * b[1] / max(b[0], 1):.1f} % hw {b[2]:.2f} % | "
            f"after {a[1]}/{a[0]} = {100 * a[1] / max(a[0], 1):.1f} % hw {a[2]:.2f} % | med |err| {b[3]:.2f} % | "
            f"lower bounds {a[4]}"
        )
    above = sum(row["truth"] > row["after"][2] for r in recs for row in r["rows"])
    below = sum(row["truth"] < row["after"][1] for r in recs for row in r["rows"])
    print("after misses: truth above hi", above, "below lo", below)
    print("median secs per predict call (after):", float(np.median([r["secs_after"] for r in recs])))


if __name__ == "__main__":
    main()
