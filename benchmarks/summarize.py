"""Summarise the output of ``bench_fit.py`` (one or more files): per form, how many fits, how many worse than the
loop by more than 1e-6 (relative), the worst difference, and the total time of both sides.

    python benchmarks/summarize.py out_l2l.txt out_chinchilla_kaplan.txt
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path


def main(paths: list[str]) -> None:
    rows: dict[str, list[tuple[str, str, float, float, float, float, float]]] = defaultdict(list)
    for path in paths:
        for line in Path(path).read_text().splitlines():
            parts = line.split()
            # 8 columns, or 9 with the comparison to the best objective known (``--loop-starts cached``)
            if len(parts) in (8, 9) and parts[0] in ("l2l", "chinchilla", "kaplan"):
                form, ds, ev, ours, loop, rel, t_ours, t_loop = parts[:8]
                rows[form].append(
                    (ds, ev, float(ours), float(loop), float(rel), float(t_ours), float(t_loop))
                )
    print(
        f"{'form':<11} {'fits':>5} {'worse > 1e-6':>13} {'better < -1e-6':>15} {'worst rel':>10} "
        f"{'l2l s':>7} {'loop s':>8}"
    )
    for form, rs in rows.items():
        worse = [r for r in rs if r[4] > 1e-6]
        better = [r for r in rs if r[4] < -1e-6]
        print(
            f"{form:<11} {len(rs):>5} {len(worse):>13} {len(better):>15} {max(r[4] for r in rs):>10.1e} "
            f"{sum(r[5] for r in rs):>7.1f} {sum(r[6] for r in rs):>8.1f}"
        )
        for r in worse:
            print(f"    worse: {r[0]} / {r[1]}  l2l {r[2]:.9e}  loop {r[3]:.9e}  ({r[4]:+.1e})")


if __name__ == "__main__":
    main(sys.argv[1:])
