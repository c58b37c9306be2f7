"""The accuracy law's BIC fallback margin (``SHARING_BIC_MARGIN``) on seeded tables with a known truth (h93).

OMP_NUM_THREADS=1 L2L_WORKERS=1 python benchmarks/known_truths/bic_margin.py KIND START STOP [MARGIN ...]

The tables are ``l2l.testing.sharing_tables``'s (KIND ``a``: one true curve, pooled is right; ``b``: the curves
truly differ, shifted or separate is right), START..STOP-1; h93's confirmation ran a 1000 1600 and b 1000 1600.
Prints per margin (default 0 and 10): right designs, and the mean |error| (points) of every dataset's accuracy law
at its TRUE task loss at 10× and 100× the sweep's top budget, against the truth.
"""

from __future__ import annotations

import sys

import numpy as np

from l2l.base.errors import FitError
from l2l.core.accuracy import sharing
from l2l.core.accuracy.fit import fit_accuracy
from l2l.testing.sharing_tables import sharing_table


def main() -> None:
    kind, a, b = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    margins = [float(m) for m in sys.argv[4:]] or [0.0, 10.0]
    right = dict.fromkeys(margins, 0)
    errs: dict[float, list[list[float]]] = {m: [] for m in margins}
    unpredicted = dict.fromkeys(margins, 0)
    for i in range(a, b):
        t = sharing_table(kind, i)
        for m in margins:
            sharing.SHARING_BIC_MARGIN = m
            f = fit_accuracy(t.x, t.y, chance=0.25, ceiling="auto", groups=t.groups, order=t.order)
            right[m] += f.pooled == t.one_curve
            for name, at in t.truth.items():
                try:
                    errs[m].append([abs(100 * (float(f.predict(x, name)[()]) - v)) for x, v in at])
                except FitError:  # no prediction for this dataset (its own runs do not predict)
                    unpredicted[m] += 1
    for m in margins:
        e = np.array(errs[m])
        print(
            f"{kind} margin {m:4.0f}: right {right[m]}/{b - a}; mean |error| 10x {e[:, 0].mean():.3f}, "
            f"100x {e[:, 1].mean():.3f} points ({len(e)} predictions, {unpredicted[m]} datasets without one)"
        )


if __name__ == "__main__":
    main()
