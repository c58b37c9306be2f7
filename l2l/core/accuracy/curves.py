"""Fitting the curves of one design: one pooled curve, one shape shifted by dataset, or one curve per dataset;
and their bootstrap."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from l2l.base.errors import FitError
from l2l.core.accuracy.law import AccuracyLaw
from l2l.core.accuracy.settings import (
    MIN_GROUP_RUNS,
    POWER_PARAMS,
    SIGMOID_PARAMS,
    AccuracyForm,
    CurveSpec,
    Design,
    Points,
)
from l2l.core.laws import Array
from l2l.core.power_accuracy import fit_power, power_acc
from l2l.core.sigmoid import (
    _bootstrap_sigmoid,
    _Curve,
    _fit_shifted_sigmoid,
    _fit_sigmoid,
    _sigmoid,
)


def _fit_curve(spec: CurveSpec, x: Array, y: Array, E0: float | None, warm: Array | None = None) -> _Curve:
    if spec.form == "sigmoid":
        return _fit_sigmoid(x, y, spec.chance, spec.floor_mode, spec.ceiling, warm)
    return fit_power(x, y, E0)


def _fit_design(
    spec: CurveSpec, pts: Points, design: Design, warm: Sequence[Array] | None = None
) -> tuple[list[_Curve], Array]:
    """Fit the pooled curve, or one per group (``shifted``: one shape, each group's own x0). Returns the curves
    and the fitted values at every point."""
    form, x, y, g, labels = spec.form, pts.x, pts.y, pts.g, pts.labels
    fitted = np.empty_like(y)
    if design == "pooled":
        e0 = _e0_for(spec.E0, None)
        c = _fit_curve(spec, x, y, e0, None if warm is None else warm[0])
        fitted[:] = _curve_values(form, c.params, x)
        return [c], fitted
    for k, lab in enumerate(labels):
        if int(np.sum(g == k)) < MIN_GROUP_RUNS:
            raise FitError(
                f"dataset {lab!r} has {int(np.sum(g == k))} runs; a per-dataset accuracy law needs at least "
                f"{MIN_GROUP_RUNS}"
            )
    if design == "shifted":
        if form != "sigmoid":
            raise FitError(
                "one shape shifted by dataset is a sigmoid's; the power form fits pooled or separate"
            )
        curves = _fit_shifted_sigmoid(x, y, g, len(labels), spec.chance, spec.floor_mode, spec.ceiling, warm)
        for k, c in enumerate(curves):
            fitted[g == k] = _curve_values(form, c.params, x[g == k])
        return curves, fitted
    curves = []
    for k, lab in enumerate(labels):
        m = g == k
        c = _fit_curve(spec, x[m], y[m], _e0_for(spec.E0, lab), None if warm is None else warm[k])
        fitted[m] = _curve_values(form, c.params, x[m])
        curves.append(c)
    return curves, fitted


def _e0_for(E0: float | Mapping[str, float] | None, group: str | None) -> float | None:
    if E0 is None or isinstance(E0, (int, float)):
        return None if E0 is None else float(E0)
    if group is None:
        vals = list(E0.values())
        return float(min(vals)) if vals else None
    if group not in E0:
        raise FitError(f"no E0 given for dataset {group!r}")
    return float(E0[group])


def _curve_values(form: AccuracyForm, params: Array, x: Array) -> Array:
    if form == "sigmoid":
        return _sigmoid(x, *(float(p) for p in params))
    return power_acc(x, *(float(p) for p in params))


def _bic(rss: float, n: int, k: int) -> float:
    return n * math.log(max(rss, 1e-300) / n) + k * math.log(n)


def _laws_of(f: AccuracyForm, keys: Sequence[str], curves: Sequence[_Curve]) -> dict[str, AccuracyLaw]:
    names = SIGMOID_PARAMS if f == "sigmoid" else POWER_PARAMS
    return {
        k: AccuracyLaw(f, {n: float(v) for n, v in zip(names, c.params, strict=True)})
        for k, c in zip(keys, curves, strict=True)
    }


def _bootstrap(
    spec: CurveSpec, pts: Points, design: Design, curves: Sequence[_Curve], draws: int, seed: int
) -> Array:
    """Resample runs within each group, refit warm from the best fit; (draws, laws, 4) parameters."""
    if draws < 2:
        raise FitError("a bootstrap needs at least 2 draws")
    x, y, g, labels = pts.x, pts.y, pts.g, pts.labels
    rng = np.random.default_rng(seed)
    groups_idx = [np.flatnonzero(g == k) for k in range(len(labels))]
    draws_idx = [
        np.concatenate([rng.choice(ix, size=len(ix), replace=True) for ix in groups_idx])
        for _ in range(draws)
    ]
    out = np.empty((draws, len(curves), 4))
    warm = [c.params for c in curves]
    if design == "shifted":  # the shape is every dataset's: each draw refitted together, warm
        for b, idx in enumerate(draws_idx):
            shifted = _fit_shifted_sigmoid(
                x[idx], y[idx], g[idx], len(labels), spec.chance, spec.floor_mode, spec.ceiling, warm
            )
            out[b] = np.stack([c.params for c in shifted])
        return out
    if spec.form == "sigmoid":
        parts = [np.arange(len(y))] if design == "pooled" else groups_idx
        for c, (part, curve) in enumerate(zip(parts, curves, strict=True)):
            out[:, c] = _bootstrap_sigmoid(
                x, y, part, draws_idx, curve, spec.chance, spec.floor_mode, spec.ceiling
            )
        return out
    for b, idx in enumerate(draws_idx):
        cs, _ = _fit_design(spec, Points(x[idx], y[idx], g[idx], labels), design, warm)
        out[b] = np.stack([c.params for c in cs])
    return out
