"""The within-run backtest of an accuracy law (fit on the lower half of each dataset's runs, score on its top)
and the law's quality from it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.errors import FitError, InputError
from l2l.core.accuracy.curves import _curve_values, _fit_design
from l2l.core.accuracy.law import DatasetOffsets
from l2l.core.accuracy.settings import (
    BACKTEST_FRACTION,
    BACKTEST_TRAIN_QUANTILE,
    MIN_GROUP_RUNS,
    POOR_BACKTEST,
    POOR_NOISE,
    POOR_RMSE,
    UNINFORMATIVE_SIGNAL_SD,
    CurveSpec,
    Design,
    Labels,
    Mask,
    Points,
)
from l2l.core.laws import Array
from l2l.core.predictability import Predictability, assess_predictability


def _noise_words(noise_sd: float) -> str:
    """The runs' noise in points, or that it could not be measured (a probe's 11 runs read "noise 0.0")."""
    return f"noise {100 * noise_sd:.1f}" if noise_sd >= 5e-4 else "the runs' noise could not be measured"


def _uninformative_backtest(
    backtest: Array, x_fit: Array, y_fit: Array, chance: float | None, noise_sd: float
) -> str:
    """Why a backtest that would flag the law poor (``POOR_BACKTEST``) tests nothing: the runs it was fitted on
    (``x_fit``, ``y_fit``) sit at chance, their best within ``UNINFORMATIVE_SIGNAL_SD`` of the sweep's noise SDs
    (``noise_sd``) of it, so the curve fitted there was free to put the rise anywhere past them. "" where it counts
    (it holds, or its runs rise: a probe's lower half reaching 8 points above chance kept its 11.7-point miss)."""
    mae = float(np.mean(np.abs(backtest))) if len(backtest) else 0.0
    if mae <= max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return ""
    try:
        lower = assess_predictability(x_fit, y_fit, chance=chance, noise_sd=noise_sd)
    except (FitError, InputError):
        return ""  # too few runs to judge: the backtest counts, as before
    if lower.signal >= UNINFORMATIVE_SIGNAL_SD * lower.noise_sd:
        return ""
    what = "chance" if chance is not None else "their worst runs"
    side = "above" if lower.signal >= 0 else "below"
    return (
        f"backtest uninformative: fitted on the lower half of each dataset's runs, it misses the top "
        f"{int(100 * BACKTEST_FRACTION)} % by {100 * mae:.1f} points, but the best runs of that lower half sit "
        f"{abs(100 * lower.signal):.1f} points {side} {what}, within {UNINFORMATIVE_SIGNAL_SD:g} noise SDs "
        f"({100 * lower.noise_sd:.1f} points each): they show no rise, so it cannot test the law and does not flag "
        "it; the law's interval holds its fit's residuals only (the noise: a lower bound, not calibrated)"
    )


def _quality(
    pred: Predictability,
    rmse: float,
    backtest: Array | None,
    offsets: DatasetOffsets | None = None,
    offsets_hint: str = "",
) -> tuple[Literal["ok", "poor"], str]:
    """``ok`` with the predictability's reason, or ``poor`` when the backtest or the fit's own residuals miss by
    far more than the runs' noise (``POOR_BACKTEST``, ``POOR_RMSE``, ``POOR_NOISE``), or one curve for every
    dataset misses some datasets systematically (``offsets``), or misses them in a way a fitted ceiling removes
    (``offsets_hint``: the ceiling held at 1)."""
    noise = POOR_NOISE * pred.noise_sd
    why: list[str] = []
    if backtest is not None and len(backtest):
        mae = float(np.mean(np.abs(backtest)))
        if mae > max(POOR_BACKTEST, noise):
            why.append(
                f"its backtest (fitted on the lower half of each dataset's runs, predicting the top "
                f"{int(100 * BACKTEST_FRACTION)} %) misses by {100 * mae:.1f} points on average "
                f"({_noise_words(pred.noise_sd)})"
            )
    if rmse > max(POOR_RMSE, noise):
        why.append(f"it misses its own runs by {100 * rmse:.1f} points rms ({_noise_words(pred.noise_sd)})")
    if offsets is not None and (offsets.systematic or offsets_hint):
        # (not systematic but with a hint: the ceiling held at 1 where a fitted one meets every dataset)
        how = " systematically" if offsets.systematic else ""
        why.append(f"one curve for every dataset misses datasets{how}: {offsets.words}{offsets_hint}")
    if why:
        return "poor", "poor law: " + "; ".join(why)
    return "ok", pred.reason


def _backtest_masks(x: Array, g: Labels, n_groups: int, order: ArrayLike | None) -> tuple[Mask, Mask]:
    """Train on the lower half of each group's runs in ``order``, test on its top 20 %: a gap, so the test
    extrapolates as real predictions do. Without an ordering (compute), the runs with the lowest loss are held out."""
    o = -x if order is None else np.asarray(order, dtype=np.float64).ravel()
    if len(o) != len(x):
        raise InputError(f"order has {len(o)} entries for {len(x)} runs")
    test = np.zeros(len(x), dtype=bool)
    train = np.zeros(len(x), dtype=bool)
    for k in range(n_groups):
        idx = np.flatnonzero(g == k)
        test[idx[o[idx] >= np.quantile(o[idx], 1 - BACKTEST_FRACTION)]] = True
        train[idx[o[idx] <= np.quantile(o[idx], BACKTEST_TRAIN_QUANTILE)]] = True
    return train, test


def _only_groups(g: Labels, kept: Sequence[int]) -> tuple[Mask, Labels]:
    """(rows, their group labels renumbered 0..len(kept)−1) of the runs of the groups ``kept`` (ascending)."""
    idx = np.asarray(kept, dtype=np.intp)
    rows = np.isin(g, idx)
    return rows, np.searchsorted(idx, g[rows]).astype(np.intp)


def _backtestable(
    g: Labels, labels: Sequence[str], design: Design, train: Mask
) -> tuple[Mask, Labels, list[str]]:
    """(rows, their group labels renumbered, the labels) of the datasets a per-dataset backtest can refit: those
    with ``MIN_GROUP_RUNS`` runs to fit on (every dataset under one pooled curve). None left: FitError."""
    if design == "pooled":
        return np.ones(len(g), dtype=bool), g, list(labels)
    kept = [k for k in range(len(labels)) if int(np.sum(train & (g == k))) >= MIN_GROUP_RUNS]
    if not kept:
        raise FitError(f"no dataset has {MIN_GROUP_RUNS} runs in the lower half of its runs to backtest on")
    rows, renumbered = _only_groups(g, kept)
    return rows, renumbered, [labels[k] for k in kept]


def _backtest_errors(spec: CurveSpec, pts: Points, design: Design, train: Mask, test: Mask) -> Array:
    """Errors y − ŷ on the test runs of a design fitted on the train runs."""
    g = pts.g
    if design != "pooled":
        for k, lab in enumerate(pts.labels):
            n_train = int(np.sum(train & (g == k)))
            if n_train < MIN_GROUP_RUNS:
                raise FitError(
                    f"dataset {lab!r} has {int(np.sum(g == k))} runs, {n_train} in the lower half a backtest fits "
                    f"on; a per-dataset accuracy law needs at least {MIN_GROUP_RUNS}"
                )
    curves, _ = _fit_design(spec, pts.take(train), design)
    yhat = np.empty(int(test.sum()))
    gt = g[test]
    for k, c in enumerate(curves):
        m = np.ones(len(gt), dtype=bool) if design == "pooled" else gt == k
        yhat[m] = _curve_values(spec.form, c.params, pts.x[test][m])
    return pts.y[test] - yhat
