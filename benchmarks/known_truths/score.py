"""Coverage, mean |error| and mean half-width of run.py's rows, by dataset (d1 apart: the `noisy` shape's 3 %-noise
dataset), eval (own, or the shared eval's name) and kind (cal: calibrated; LB: lower bound; uncal: neither).

    python benchmarks/known_truths/score.py DIR/res/SHAPE.jsonl"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path


def main() -> None:
    agg: dict[tuple[str, str, str], list[float]] = defaultdict(lambda: [0, 0, 0.0, 0.0])
    for line in Path(sys.argv[1]).read_text().splitlines():
        r = json.loads(line)
        if r["truth"] is None or r["lo"] is None:
            continue
        ev = "own" if r["eval"] == r["dataset"] + "_val" else r["eval"]
        who = "d1" if r["dataset"] == "d1" else "others"
        kind = "cal" if r["cal"] else ("LB" if r["lb"] else "uncal")
        a = agg[(who, ev, kind)]
        a[0] += 1
        a[1] += r["lo"] <= r["truth"] <= r["hi"]
        a[2] += abs(r["est"] / r["truth"] - 1)
        a[3] += (r["hi"] - r["lo"]) / 2 / r["est"]
    print("| dataset | eval | kind | inside | mean error | mean half-width |")
    print("|---|---|---|---|---|---|")
    for (who, ev, kind), (n, h, e, w) in sorted(agg.items()):
        print(f"| {who} | {ev} | {kind} | {int(h)}/{int(n)} | {100 * e / n:.2f} % | {100 * w / n:.2f} % |")


if __name__ == "__main__":
    main()
