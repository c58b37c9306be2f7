"""Seeded tables for the accuracy law's sharing test, with their known truth (helper h93, issue 17).

Kind ``a``: 2-4 datasets on ONE true accuracy curve (pooled is right); kind ``b``: their curves truly differ
(midpoints spread over 0.05 / 0.1 / 0.2 nats of task loss, or slopes 0.09-0.16: shifted or separate is right).
Each dataset's task loss is a shifted power law of its own ``PAPER_LIKE_LAW`` loss on an isoFLOP grid (5 budgets
2e17-5e19 × 5 sizes, loss noise 0.4 %); its accuracy 0.25 + 0.75·σ(−(T − x0)/s) (x0 1.55, s 0.12), noise 0.4 / 0.6
/ 1.0 points: the lower runs sit at chance, so the sharing backtest is mostly uninformative and the BIC decides.
Table ``i`` of a kind is seeded by ``i`` (``b``: 1000 + i); its dataset count, noise and difference cycle with it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from l2l.testing import PAPER_LIKE_LAW
from l2l.testing.shapes import BUDGETS, _iso_grid, _noisy

__all__ = ["TARGETS", "SharingTable", "sharing_table"]

E1S = (1.00, 1.015, 1.06, 1.03)
NAMES = ("web", "books", "code", "wiki")
NOISES = (0.004, 0.006, 0.010)
COUNTS = (2, 3, 4)
DIFFS = ("x0:0.05", "x0:0.1", "x0:0.2", "slope")
#: the compute of the targets: 10× and 100× the sweep's top budget (5e19)
TARGETS = (5e20, 5e21)
X0, S = 1.55, 0.12


@dataclass(frozen=True)
class SharingTable:
    """The runs (task loss ``x``, accuracy ``y``, dataset ``groups``, compute ``order``) and, per dataset, its true
    (task loss, accuracy) at each of ``TARGETS`` (its compute-optimal model there)."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    groups: NDArray[np.str_]
    order: NDArray[np.float64]
    truth: Mapping[str, tuple[tuple[float, float], ...]]
    one_curve: bool


def _accuracy(x: float, x0: float, s: float) -> float:
    return 0.25 + 0.75 / (1.0 + math.exp((x - x0) / s))


def sharing_table(kind: str, i: int) -> SharingTable:
    """Table ``i`` of ``kind`` (``a``: one true curve; ``b``: the datasets' curves truly differ)."""
    if kind not in ("a", "b"):
        raise ValueError(f"unknown kind {kind!r}; expected a or b")
    n, noise = COUNTS[i % 3], NOISES[(i // 3) % 3]
    curves = [(X0, S)] * n
    if kind == "b":
        diff = DIFFS[(i // 9) % 4]
        if diff == "slope":
            curves = [(X0, float(s)) for s in np.linspace(0.09, 0.16, n)]
        else:
            spread = float(diff.split(":")[1])
            curves = [(X0 + float(d), S) for d in np.linspace(-spread / 2, spread / 2, n)]
        if i % 2:
            curves = curves[::-1]
    rng = np.random.default_rng(1000 * (kind == "b") + i)
    own = PAPER_LIKE_LAW.translated(1.0, 1.0, PAPER_LIKE_LAW.E)
    x: list[float] = []
    y: list[float] = []
    g: list[str] = []
    o: list[float] = []
    truth: dict[str, tuple[tuple[float, float], ...]] = {}
    for k, (x0, s) in enumerate(curves):
        task = own.translated(1.3, 0.9, E1S[k])
        for nn, dd in _iso_grid(PAPER_LIKE_LAW, BUDGETS, 5):
            t = float(task.predict(nn, dd))
            x.append(_noisy(rng, t, 0.004))
            y.append(min(max(_accuracy(t, x0, s) + noise * float(rng.standard_normal()), 0.0), 1.0))
            g.append(NAMES[k])
            o.append(6 * nn * dd)
        at = []
        for C in TARGETS:
            n_opt, d_opt = own.compute_optimal(C)
            at_c = float(task.predict(float(n_opt), float(d_opt)))
            at.append((at_c, _accuracy(at_c, x0, s)))
        truth[NAMES[k]] = tuple(at)
    return SharingTable(np.array(x), np.array(y), np.array(g), np.array(o), truth, kind == "a")
