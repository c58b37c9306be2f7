"""The ceiling of a sigmoid: 1, or fitted, chosen by the backtest; where the runs cannot tell, the lower ceilings
the intervals also hold."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from l2l.base.errors import FitError
from l2l.core.accuracy.backtest import _backtest_errors, _backtest_masks, _backtestable, _noise_words
from l2l.core.accuracy.curves import _fit_design, _laws_of
from l2l.core.accuracy.law import AccuracyLaw, DatasetOffsets, dataset_offsets
from l2l.core.accuracy.settings import (
    BACKTEST_FRACTION,
    CEILING_MARGIN,
    CEILING_NOISE,
    CEILING_OFFSETS_DROP,
    CEILING_OFFSETS_P,
    CEILING_REACHED,
    CEILING_REACHED_OFFSETS,
    POOR_BACKTEST,
    POOR_NOISE,
    PROFILE_CHI2,
    PROFILE_STEP,
    CurveSpec,
    Design,
    Mask,
    Points,
    sigmoid_spec,
)
from l2l.core.laws import Array
from l2l.core.predictability import Predictability
from l2l.core.sigmoid import (
    CEILING_SLACK,
    FloorMode,
    _Curve,
)


def _ceiling_doubt(
    spec: CurveSpec,
    pts: Points,
    chosen: _CeilingChoice,
    keys: Sequence[str],
    design: Design,
    fitted: Array,
    pred: Predictability,
) -> tuple[dict[str, AccuracyLaw], str]:
    """Where ``auto`` kept a ceiling of 1 that its backtest cannot tell from a lower one (``_ceiling_undecided``):
    the law whose predictions the intervals also hold (the fitted-ceiling law's, or with the full fit at 1 too the
    lowest ceiling the runs do not reject, ``_lowest_ceiling``), and what to add to the ceiling choice's words;
    no laws and no words where the backtest tells."""
    try:
        alt = (
            chosen.design[0]
            if chosen.design is not None and len(chosen.design[0]) == len(keys)
            else _fit_design(spec.at_ceiling(None), pts, design)[0]
        )
    except FitError:
        alt = []
    if alt and _ceiling_undecided(chosen, pred.noise_sd, alt, design, pts):
        doubt = {
            k: law
            for (k, law), c in zip(_laws_of(spec.form, keys, alt).items(), alt, strict=True)
            # (a fitted ceiling on its box's lower end is the box's, not the runs': on the paper's ARC-Challenge
            # and MMLU, 31.0; it would have widened their intervals by that guess)
            if c.params[1] < 1.0 - 1e-6 and "ceiling" not in c.at_bounds
        }
        if doubt:
            fitted_at = ", ".join(sorted({f"{100 * law.ceiling:.1f}" for law in doubt.values()}))
            return doubt, (
                f"; the backtest cannot tell it from a fitted ceiling ({fitted_at} points): intervals also hold "
                "that law's predictions"
            )
    if (
        alt
        and all(c.params[1] >= 1.0 - 1e-6 for c in alt)
        and _ceiling_undecided(chosen, pred.noise_sd, alt, design, pts)
    ):
        # even the full fit puts the ceiling at 1, where the runs cannot tell (a hard task's sweep 10 points
        # above chance): hold the lowest ceiling they do not reject (``PROFILE_CHI2``). Not below a fitted
        # ceiling too: there it widened a true ceiling of 1's intervals 0.7 → 2.4 points (h45)
        low = _lowest_ceiling(spec, pts, design, fitted)
        if low is not None:
            return _laws_of(spec.form, keys, low), (
                f"; the runs cannot place a ceiling: one as low as {100 * low[0].params[1]:.1f} points fits "
                "them about as well (within the 90 % profile bound): intervals also hold that law's predictions"
            )
    return {}, ""


@dataclass(frozen=True)
class _CeilingChoice:
    """What ``_choose_ceiling`` decided and what it computed on the way, for ``fit_accuracy`` to reuse: the
    backtest errors of each ceiling tried (keyed 1.0 and None: fitted) and the full fit with a fitted ceiling
    where it made one (cold ``fit-accuracy`` on the paper's runs: 5.13 s with ``--ceiling 1``, 6.00 s with auto
    before these were reused)."""

    cap: float | None
    why: str
    backtests: Mapping[float | None, Array] = field(default_factory=dict)
    design: tuple[list[_Curve], Array] | None = None
    #: where the fitted ceiling was chosen because one curve at 1 missed datasets systematically: its offsets
    offsets: DatasetOffsets | None = None


def _choose_ceiling(
    pts: Points, design: Design, chance: float | None, floor_mode: FloorMode, noise_sd: float
) -> _CeilingChoice:
    """The ceiling and why: fitted (None) where the backtest of a fitted ceiling misses by at most
    ``CEILING_MARGIN`` of the backtest with the ceiling at 1, and by half a noise SD less or more; else 1. Without
    a backtest: 1."""
    try:
        train, test = _backtest_masks(pts.x, pts.g, len(pts.labels), pts.order)
        rows, bt_g, bt_labels = _backtestable(pts.g, pts.labels, design, train)
        errors: dict[float | None, Array] = {}
        for value in (1.0, None):
            errors[value] = _backtest_errors(
                sigmoid_spec(chance, floor_mode, value),
                pts.take(rows, bt_g, bt_labels),
                design,
                train[rows],
                test[rows],
            )
    except FitError:
        return _CeilingChoice(1.0, "1 (no backtest to choose by)")
    mae = {k: float(np.mean(np.abs(v))) for k, v in errors.items()}
    both = f"backtest error {100 * mae[None]:.2f} points fitted, {100 * mae[1.0]:.2f} at 1"
    if not (mae[None] <= CEILING_MARGIN * mae[1.0] and mae[1.0] - mae[None] >= CEILING_NOISE * noise_sd):
        return _CeilingChoice(1.0, f"1: {both}", errors)
    fit = _fit_design(sigmoid_spec(chance, floor_mode, None), pts, design)
    y, g = pts.y, pts.g
    reached = min(
        _reach(y if design == "pooled" else y[g == k], c.params[0], c.params[1]) for k, c in enumerate(fit[0])
    )
    if reached < CEILING_REACHED:
        return _CeilingChoice(
            1.0,
            f"1: {both}, but the sweep reaches only {reached:.2f} of the way to the fitted ceiling",
            errors,
            fit,  # (the fitted-ceiling law whose predictions the intervals hold too: ``CEILING_DOUBT``)
        )
    return _CeilingChoice(
        None,
        f"fitted: {both}; "
        + (
            "the sweep reaches it (the task levels off)"
            if reached >= 1.0
            else f"the sweep reaches {reached:.2f} of the way to it (the task levels off)"
        ),
        errors,
        fit,
    )


def _ceiling_undecided(
    choice: _CeilingChoice, noise_sd: float, alt: Sequence[_Curve], design: Design, pts: Points
) -> bool:
    """Whether ``ceiling="auto"``'s backtest left 1 undecided against the fitted ceilings ``alt`` (the design's full
    fit with the ceiling fitted; ``CEILING_DOUBT``): there was no backtest, or it did not choose 1 by the margin it
    would need to choose the fitted ceiling (``CEILING_MARGIN`` and half a noise SD, mirrored), or the runs it
    refits on (the lower half of each dataset's) reach less than ``CEILING_REACHED`` of the way from the fitted
    floor to the fitted ceiling, so that its refit cannot place the ceiling (h21: it puts it at 1, or at the top of
    those runs, and misses the top 20 % by 10–55 points, "deciding" for 1)."""
    at_1, fitted = choice.backtests.get(1.0), choice.backtests.get(None)
    if at_1 is None or fitted is None or not len(at_1) or not len(fitted):
        return True
    m1, mf = float(np.mean(np.abs(at_1))), float(np.mean(np.abs(fitted)))
    if not (m1 <= CEILING_MARGIN * mf and mf - m1 >= CEILING_NOISE * noise_sd):
        return True
    try:
        train, _ = _backtest_masks(pts.x, pts.g, int(pts.g.max()) + 1, pts.order)
    except FitError:
        return True
    y, g = pts.y, pts.g
    parts = [(train, alt[0])] if design == "pooled" else [(train & (g == k), c) for k, c in enumerate(alt)]
    reached = [_reach(y[m], c.params[0], c.params[1]) for m, c in parts if np.any(m)]
    return not reached or min(reached) < CEILING_REACHED


def _lowest_ceiling(spec: CurveSpec, pts: Points, design: Design, fitted_1: Array) -> list[_Curve] | None:
    """The design fitted with the lowest ceiling (in steps of ``PROFILE_STEP`` below 1, no lower than a fitted
    ceiling's box) whose sum of squares exceeds the ceiling-1 fit's by at most ``PROFILE_CHI2`` noise variances (a
    profile-likelihood bound on the ceiling), or None where even the first step below 1 is rejected."""
    y, labels = pts.y, pts.labels
    resid_1 = y - fitted_1
    sse_1 = float(np.sum(resid_1**2))
    n_par = 4 if design == "pooled" else (3 + len(labels) if design == "shifted" else 4 * len(labels))
    limit = sse_1 + PROFILE_CHI2 * sse_1 / max(len(y) - n_par, 1)
    c_min = max(float(np.quantile(y, 0.9)) - CEILING_SLACK, (spec.chance or 0.0) + 0.05)
    best: list[_Curve] | None = None
    c = 1.0 - PROFILE_STEP
    while c >= c_min:
        try:
            curves, fitted = _fit_design(spec.at_ceiling(c), pts, design)
        except FitError:
            break
        if float(np.sum((y - fitted) ** 2)) > limit:
            break
        best, c = curves, c - PROFILE_STEP
    return best


def _reach(y: Array, floor: float, ceiling: float) -> float:
    """How far the runs ``y`` climb (their 95th percentile) from a curve's ``floor`` to its ``ceiling``: 1 at the
    ceiling; what tells whether the runs show where a task levels off (``CEILING_REACHED``)."""
    return (float(np.quantile(y, 0.95)) - floor) / max(ceiling - floor, 1e-9)


def _ceiling_for_offsets(
    pts: Points,
    chance: float | None,
    floor_mode: FloorMode,
    noise_sd: float,
    off: DatasetOffsets,
    choice: _CeilingChoice,
) -> _CeilingChoice | None:
    """A fitted ceiling for one pooled curve where, at 1, it misses datasets systematically (``off``) and, fitted,
    misses none systematically, its χ² lower by ``CEILING_OFFSETS_DROP``, with a sweep that reaches
    ``CEILING_REACHED_OFFSETS`` of the way to it; None where it does not (the datasets differ: the offsets stand).
    ``choice`` is the backtest's choice of 1, whose errors are kept.

    One true curve whose ceiling is below 100 % looks like datasets that differ when its ceiling is held at 1: the
    datasets that climb closest to the plateau sit below the curve (a probe's DataDecide-like table, ARC-Challenge
    at 0.70: "one curve misses datasets systematically", χ² 63 on 14 degrees of freedom, where a fitted ceiling
    recovered the truth, 0.692, with no offsets), and a backtest fitted on the lower half, far below the plateau,
    cannot tell the two ceilings apart (2.46 points either way)."""
    curves, fitted = _fit_design(sigmoid_spec(chance, floor_mode, None), pts, "pooled")
    y = pts.y
    c = curves[0].params
    if "ceiling" in curves[0].at_bounds or c[1] >= 1.0 - 1e-6:
        return None
    again = dataset_offsets(y - fitted, pts.g, pts.labels, noise_sd)
    if again is None or again.systematic or off.chi2 - again.chi2 < CEILING_OFFSETS_DROP:
        return None
    reached = _reach(y, c[0], c[1])
    if reached < CEILING_REACHED_OFFSETS:
        return None
    why = (
        f"fitted ({100 * c[1]:.1f} points): at 1, one curve misses datasets"
        + (" systematically" if off.systematic else "")
        + f" (χ² {off.chi2:.0f} on "
        f"{off.dof} degrees of freedom, p {off.p:.1g}); fitted, it misses none systematically (χ² {again.chi2:.0f}, "
        f"the largest mean residual {100 * max(abs(v) for v in again.offsets.values()):.1f} points): a ceiling below "
        "100 %, not datasets that differ; the sweep reaches "
        f"{min(reached, 1.0):.2f} of the way to it"
        + (f" ({choice.why.split(': ', 1)[-1]})" if choice.backtests else "")
    )
    return _CeilingChoice(None, why, choice.backtests, (curves, fitted), again)


def _held_ceiling_backtest(
    backtest: Array,
    curves: Sequence[_Curve],
    design: Design,
    pts: Points,
    rows: Mask,
    backtested: Points,
    train: Mask,
    test: Mask,
    chance: float | None,
    floor_mode: FloorMode,
    noise_sd: float,
) -> tuple[str, Array | None]:
    """Where a backtest of a law with a fitted ceiling would flag it poor but the runs it refits on (the lower half
    of each dataset's) reach less than ``CEILING_REACHED`` of the way from the law's floor to its ceiling, the same
    backtest with each curve's ceiling held at the full fit's: "backtest uninformative: ..." where that one holds
    (the miss was the unplaced ceiling's), else a warning that says the law misses even so ("" where the backtest
    does not flag it, or its runs reach the plateau: it counts as it is), and that backtest's errors (None where it
    was not run).

    A probe's DataDecide-like ARC-Easy, one true curve (ceiling 0.92), fitted 0.919 / 2.053 / 0.190 against 0.92 /
    2.05 / 0.20, was "poor, backtest MAE 26.74 points": the lower half's refit put the ceiling at 1."""
    mae = float(np.mean(np.abs(backtest))) if len(backtest) else 0.0
    if mae <= max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return "", None
    y, g, labels = pts.y, pts.g, pts.labels
    fitted_on = rows & train
    parts = (
        [(np.ones(len(y), dtype=bool), curves[0])]
        if design == "pooled"
        else list(zip((g == k for k in range(len(labels))), curves, strict=True))
    )
    reached = min(
        _reach(y[m & fitted_on], c.params[0], c.params[1]) for m, c in parts if np.any(m & fitted_on)
    )
    if reached >= CEILING_REACHED:
        return "", None
    tr, te = train[rows], test[rows]
    try:
        if design == "separate":
            held = np.empty(int(te.sum()))
            gt = backtested.g[te]
            for k, lab in enumerate(backtested.labels):
                m = backtested.g == k
                cap = float(curves[list(labels).index(lab)].params[1])
                alone = backtested.take(m, np.zeros(int(m.sum()), dtype=np.intp), [lab])
                held[gt == k] = _backtest_errors(
                    sigmoid_spec(chance, floor_mode, cap), alone, "pooled", tr[m], te[m]
                )
        else:
            held = _backtest_errors(
                sigmoid_spec(chance, floor_mode, float(curves[0].params[1])), backtested, design, tr, te
            )
    except FitError:
        return "", None
    held_mae = float(np.mean(np.abs(held)))
    ceil = ", ".join(sorted({f"{100 * c.params[1]:.1f}" for c in curves}))
    where = (
        f"fitted on the lower half of each dataset's runs, it misses the top {int(100 * BACKTEST_FRACTION)} % by "
        f"{100 * mae:.1f} points, but those runs reach only {max(reached, 0.0):.2f} of the way from the floor to "
        f"the fitted ceiling ({ceil} points), so its refit cannot place the ceiling; with the ceiling held at the "
        f"full fit's, the same backtest misses by {100 * held_mae:.1f} points ({_noise_words(noise_sd)})"
    )
    if held_mae > max(POOR_BACKTEST, POOR_NOISE * noise_sd):
        return f"the backtest's miss is not the ceiling's alone: {where}", held
    return (
        f"backtest uninformative: {where}: it does not flag the law; the law's interval holds its fit's residuals "
        "and that backtest's errors (a lower bound, not calibrated)"
    ), held


def _auto_ceiling(
    pts: Points,
    design: Design,
    chance: float | None,
    floor: FloorMode,
    noise_sd: float,
    chosen_for_pooled: _CeilingChoice | None,
) -> _CeilingChoice:
    """``ceiling="auto"``'s choice for a sigmoid of ``design``: the pooled curve's where the sharing test made it
    (``chosen_for_pooled``), else the backtest's (``_choose_ceiling``); one curve asked for whose ceiling at 1
    misses datasets systematically takes a fitted one where that meets them all (``_ceiling_for_offsets``)."""
    chosen = chosen_for_pooled or _choose_ceiling(pts, design, chance, floor, noise_sd)
    if chosen_for_pooled is None and design == "pooled" and chosen.cap == 1.0 and len(pts.labels) > 1:
        # one curve asked for (``pooling="pooled"``): its offsets at 1 judged as the sharing test judges them
        _, fitted_1 = _fit_design(sigmoid_spec(chance, floor, 1.0), pts, "pooled")
        off_1 = dataset_offsets(pts.y - fitted_1, pts.g, pts.labels, noise_sd)
        if off_1 is not None and off_1.beyond(CEILING_OFFSETS_P):
            return _ceiling_for_offsets(pts, chance, floor, noise_sd, off_1, chosen) or chosen
    return chosen
