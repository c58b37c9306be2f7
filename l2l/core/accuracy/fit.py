"""The public fit, ``fit_accuracy``: options checked, predictability judged, the design and ceiling chosen, the
law fitted and backtested."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.errors import FitError, InputError
from l2l.base.schema import Pooling
from l2l.core.accuracy.backtest import (
    _backtest_errors,
    _backtest_masks,
    _backtestable,
    _only_groups,
    _quality,
    _uninformative_backtest,
)
from l2l.core.accuracy.ceiling import (
    _auto_ceiling,
    _ceiling_doubt,
    _ceiling_for_offsets,
    _CeilingChoice,
    _held_ceiling_backtest,
)
from l2l.core.accuracy.curves import _bootstrap, _fit_design, _laws_of
from l2l.core.accuracy.law import AccuracyFit, AccuracyLaw, _logits, dataset_offsets
from l2l.core.accuracy.settings import (
    ACCURACY_FORMS,
    CEILING_DOUBT,
    CEILING_OFFSETS_P,
    POOLED,
    AccuracyForm,
    CurveSpec,
    Design,
    Labels,
    Points,
)
from l2l.core.accuracy.sharing import _choose_design, _predicts_alone, _too_few_for_own
from l2l.core.laws import Array
from l2l.core.predictability import (
    Predictability,
    assess_predictability,
    check_inputs,
)
from l2l.core.sigmoid import (
    FloorMode,
    _Curve,
)


def fit_accuracy(
    x: ArrayLike,
    acc: ArrayLike,
    *,
    chance: float | None = None,
    form: str = "sigmoid",
    floor: FloorMode = "fit",
    ceiling: float | Literal["auto"] | None = 1.0,
    groups: ArrayLike | None = None,
    pooling: Pooling = "auto",
    order: ArrayLike | None = None,
    sharing_test: Literal["backtest", "bic"] = "backtest",
    E0: float | Mapping[str, float] | None = None,
    check: bool = True,
    noise_sd: float | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> AccuracyFit:
    """Fit accuracy as a function of a loss ``x`` over runs.

    - ``chance``: the task's chance accuracy (0.25 for 4-way multiple choice, 0.5 for 2-way). ``floor="fit"``
      (default) fits the floor in [chance − 0.10, chance + 0.05] (in [min acc − 0.10, median acc] without a chance
      level); ``floor="chance"`` fixes it there. ``ceiling`` fixes the ceiling: 1 by default; ``None`` fits it
      in [q90 of acc − 0.05, 1]. A sweep far from saturation cannot pin a ceiling, and a fitted one bends over early.
      ``"auto"``: the same backtest as the pooling's decides, preferring 1 (``CEILING_MARGIN``; ``ceiling_choice``
      says which and why).
    - ``form="power"``: the paper's 1 − acc = K·(x − E0)^κ + E1, with ``E0`` the input loss's irreducible term
      (a number, or one per group), E1 fitted.
    - ``groups`` (the pre-training dataset of each run) with ``pooling``: ``pooled`` fits one curve, ``shifted``
      one shape with a midpoint per group (sigmoid), ``separate`` one curve per group, ``auto`` tests which.
      ``sharing_test="backtest"`` (default) holds out the top 20 % of each group's runs in ``order`` (e.g.
      compute; default: lowest loss first), fits each design on the lower half, and moves from pooled to shifted
      to separate only where the next one's mean absolute error is lower by ``SHARING_MARGIN`` of it (and 0.1
      points): an extrapolation, as the real predictions are. A pooled curve kept by the test that misses
      datasets systematically (``DATASET_OFFSET_P``) gives way to shifted (separate for the power form). With
      ``ceiling="auto"`` both designs are backtested with the ceiling the pooled curve's backtest chooses (at 1, a
      task that levels off misses by ~9 points either way and the test compares noise), and where half the
      datasets or more have own runs that show no trend alone (one curve each would predict nothing for them):
      pooled. ``"bic"`` keeps the lower BIC of the full fits instead (it prefers per-dataset curves on the paper's
      runs, which then fail far out). A dataset with too few runs for a curve of its own (``MIN_GROUP_RUNS``, in
      the test: in the lower half of its runs) is left out of the test
      (``SharingTest.untested``; fewer than two left: not tested, pooled); with one curve per dataset it is left out
      of the fit (``left_out_groups``: no prediction for it) instead of failing every dataset's law.
    - ``check``: label the task unpredictable (``status``, ``reason``) when its accuracies stay within noise of
      chance instead of fitting it (see ``assess_predictability``).
    - ``bootstrap``: draws of a seeded bootstrap over runs (within groups), refitted warm from the best fit.
    """
    f, cap, auto_ceiling = _checked_options(form, floor, pooling, ceiling)
    xa, ya = check_inputs(x, acc, chance)
    grouped = groups is not None
    labels, g = _labelled(groups, len(xa))
    pred, per_group = _judged_predictable(xa, ya, g, labels, grouped, pooling, chance, noise_sd)
    x_range = (float(xa.min()), float(xa.max()))
    if check and not pred.predictable:
        return _unpredictable(f, pred, chance, floor, tuple(labels) if grouped else (), ya, x_range)
    oa = None if order is None else np.asarray(order, dtype=np.float64).ravel()
    if oa is not None and len(oa) != len(xa):
        raise InputError(f"order has {len(oa)} entries for {len(xa)} runs")
    design, sharing, chosen_for_pooled, warnings = _choose_design(
        CurveSpec(f, chance, floor, cap, E0),
        Points(xa, ya, g, tuple(labels), oa),
        grouped,
        pooling,
        sharing_test,
        auto_ceiling,
        pred,
        per_group,
        check,
    )
    pooled = design == "pooled"
    # one curve per dataset: a dataset with too few runs for its own is left out (no prediction for it), not
    # allowed to sink the others
    left_out = {} if pooled else _too_few_for_own(g, labels)
    if left_out:
        keep, g = _only_groups(g, [k for k, lab in enumerate(labels) if lab not in left_out])
        xa, ya = xa[keep], ya[keep]
        oa = None if oa is None else oa[keep]
        x_range = (float(xa.min()), float(xa.max()))
        warnings += [f"{k}: not predicted: {why}" for k, why in left_out.items()]
    fit_labels = [lab for lab in labels if lab not in left_out]
    pts = Points(xa, ya, g, tuple(fit_labels), oa)
    chosen = _CeilingChoice(cap, "")
    if auto_ceiling and f == "sigmoid":
        chosen = _auto_ceiling(pts, design, chance, floor, pred.noise_sd, chosen_for_pooled)
        cap = chosen.cap
    spec = CurveSpec(f, chance, floor, cap, E0)
    ceiling_choice = chosen.why
    reuse = E0 is None  # what the choice computed is this fit's (the same runs, form and options)
    if reuse and cap is None and chosen.design is not None:
        curves, fitted = chosen.design
    else:
        curves, fitted = _fit_design(spec, pts, design)
    keys = [POOLED] if pooled else fit_labels
    laws = _laws_of(f, keys, curves)
    doubt: dict[str, AccuracyLaw] = {}
    if auto_ceiling and f == "sigmoid" and cap == 1.0 and CEILING_DOUBT:
        # auto kept 1: where its backtest cannot tell 1 from a fitted ceiling, the intervals hold the fitted-ceiling
        # law's predictions too (``CEILING_DOUBT``)
        doubt, why = _ceiling_doubt(spec, pts, chosen, keys, design, fitted, pred)
        ceiling_choice += why
    at_bounds = tuple(
        f"{k}:{b}" if k != POOLED else b for k, c in zip(keys, curves, strict=True) for b in c.at_bounds
    )
    for k, c in zip(keys, curves, strict=True):
        for b in c.at_bounds:
            where = "" if k == POOLED else f" ({k})"
            warnings.append(
                f"{b} ends on a bound of its box{where}: {_why_at_bound(b, c.params[0], chance, ya)}"
            )
    resid = ya - fitted
    ss_tot = float(np.sum((ya - ya.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    bt = _backtest_of(spec, pts, design, chosen if reuse else None, curves, pred)
    warnings += bt.warnings
    offsets = (
        dataset_offsets(resid, g, fit_labels, pred.noise_sd)
        if pooled and groups is not None and len(fit_labels) > 1
        else None
    )
    lower_ceiling = ""
    if (
        offsets is not None
        and offsets.beyond(CEILING_OFFSETS_P)
        and f == "sigmoid"
        and cap == 1.0
        and not auto_ceiling
    ):
        # the ceiling held at 1 by the caller (``auto`` has already tried a fitted one): where a fitted ceiling
        # would remove the offsets, as one true curve below 100 % does (what ``auto`` would take), say so: the law
        # is poor for it (``_quality``), systematic offsets or not
        lower = _ceiling_for_offsets(pts, chance, floor, pred.noise_sd, offsets, chosen)
        if lower is not None and lower.design is not None and lower.offsets is not None:
            lower_ceiling = (
                f"; a ceiling below 100 % (--ceiling fit) removes them: fitted at "
                f"{100 * lower.design[0][0].params[1]:.1f} points, one curve misses none systematically "
                f"(χ² {lower.offsets.chi2:.0f})"
            )
    status, reason = _quality(
        pred,
        float(np.sqrt(np.mean(resid**2))),
        None if bt.uninformative else bt.errors,
        offsets,
        lower_ceiling,
    )
    unpredictable = (
        {}
        if pooled or not check
        else {k: v.reason for k, v in per_group.items() if not _predicts_alone(v, design)}
    )
    warnings += [
        f"{k}: not predicted: its own runs do not predict its accuracy ({why})"
        for k, why in unpredictable.items()
    ]
    boot = None
    if bootstrap:
        boot = _bootstrap(spec, pts, design, curves, bootstrap, seed)
    return AccuracyFit(
        form=f,
        status=status,
        reason=reason,
        chance=chance,
        floor_mode=floor,
        pooled=pooled,
        laws=laws,
        groups=tuple(labels) if groups is not None else (),
        n_points=len(xa),
        rmse=float(np.sqrt(np.mean(resid**2))),
        r2=r2,
        x_range=x_range,
        predictability=pred,
        sharing=sharing,
        at_bounds=at_bounds,
        warnings=tuple(warnings),
        residuals=resid,
        backtest_residuals=bt.errors,
        bootstrap=boot,
        bootstrap_seed=seed if bootstrap else None,
        backtest_logit=bt.logit,
        fit_logit=_logits(ya) - _logits(fitted),
        group_ranges={}
        if pooled
        else {
            k: (float(xa[g == i].min()), float(xa[g == i].max()))
            for i, k in enumerate(fit_labels)
            if np.any(g == i)
        },
        unpredictable_groups=unpredictable,
        left_out_groups=left_out,
        ceiling_choice=ceiling_choice,
        offsets=offsets,
        shifted=design == "shifted",
        backtest_uninformative=bt.uninformative,
        held_ceiling_residuals=bt.held_errors if bt.held_logit is not None else None,
        held_ceiling_logit=bt.held_logit,
        ceiling_doubt=doubt,
    )


def _why_at_bound(name: str, floor: float, chance: float | None, acc: Array) -> str:
    """Why a parameter ends on its box: a floor held at its lower edge below a chance level with runs beneath it
    is held there by the level (a task below chance for small models, BoolQ's minority answer), not left loose by
    the sweep (h71: the sweep's 38 % runs pinned it, and the warning said it did not); else the sweep."""
    if name != "floor" or chance is None or floor >= chance:
        return "the sweep does not pin it down"
    below = acc[acc < floor - 1e-9]
    if below.size == 0:
        return "the sweep does not pin it down"
    return (
        f"held at its lower edge, {100 * (chance - floor):.0f} points below the chance level "
        f"({100 * chance:.0f} %), with {below.size} of its runs below it (down to {100 * float(below.min()):.1f} "
        "%): the task sits below chance for the smallest models, not a floor the sweep leaves loose "
        "(--chance TASK=LEVEL sets another level)"
    )


def _checked_options(
    form: str, floor: FloorMode, pooling: Pooling, ceiling: float | Literal["auto"] | None
) -> tuple[AccuracyForm, float | None, bool]:
    """The accuracy form, the ceiling to fit with first (1 under ``"auto"``; None: fitted) and whether ``"auto"``
    chooses it, each option checked."""
    if form not in ACCURACY_FORMS:
        raise FitError(f"unknown accuracy form {form!r}; expected one of {', '.join(ACCURACY_FORMS)}")
    f: AccuracyForm = "sigmoid" if form == "sigmoid" else "power"
    if floor not in ("fit", "chance"):
        raise FitError(f"unknown floor mode {floor!r}; expected fit or chance")
    if pooling not in ("auto", "pooled", "shifted", "separate"):
        raise FitError(f"unknown pooling {pooling!r}; expected auto, pooled, shifted or separate")
    cap: float | None = 1.0 if ceiling == "auto" else ceiling
    if cap is not None and not (0 < cap <= 1):
        raise InputError(f"a ceiling must be in (0, 1], got {ceiling}")
    return f, cap, ceiling == "auto"


def _labelled(groups: ArrayLike | None, n: int) -> tuple[list[str], Labels]:
    """The datasets' names and each run's index into them (one pooled group without ``groups``)."""
    if groups is None:
        return [POOLED], np.zeros(n, dtype=np.intp)
    garr = np.asarray(groups).ravel()
    if len(garr) != n:
        raise InputError(f"groups has {len(garr)} entries for {n} runs")
    uniq, inverse = np.unique(garr.astype(str), return_inverse=True)
    return [str(u) for u in uniq], inverse.astype(np.intp).ravel()


def _judged_predictable(
    xa: Array,
    ya: Array,
    g: Labels,
    labels: Sequence[str],
    grouped: bool,
    pooling: Pooling,
    chance: float | None,
    noise_sd: float | None,
) -> tuple[Predictability, dict[str, Predictability]]:
    """Whether the runs predict the task's accuracy (``assess_predictability``), and each dataset's own runs
    judged alone (those with 5 runs or more); with one curve per dataset asked for, the task is predictable where
    some dataset's own runs are."""
    pred = assess_predictability(xa, ya, chance=chance, noise_sd=noise_sd)
    # each dataset's own runs judged alone: with one curve per dataset, a dataset whose runs sit within noise of
    # chance gets no prediction (its curve would be fitted to noise: on the paper's runs StarCoder's MMLU curve,
    # all runs at chance, rose through 57 % at the 3.3B runs, which measured 27 %)
    per_group = (
        {
            labels[k]: assess_predictability(xa[g == k], ya[g == k], chance=chance, noise_sd=noise_sd)
            for k in range(len(labels))
            if int(np.sum(g == k)) >= 5
        }
        if grouped and len(labels) > 1
        else {}
    )
    if grouped and pooling in ("separate", "shifted") and len(labels) > 1:
        # one curve per dataset: predictable when some dataset's runs are (their losses need not share a scale)
        per = list(per_group.values())
        ok = [p for p in per if p.predictable]
        if ok:
            pred = max(ok, key=lambda p: p.signal / max(p.noise_sd, 1e-12))
        elif per:
            # every dataset's own reason, not the first one's given for all (a probe read books's statistics as
            # math's)
            pred = dataclasses.replace(
                per[0],
                reason="no dataset's own runs predict its accuracy (one curve per dataset): "
                + "; ".join(f"{lab}: {p.reason}" for lab, p in per_group.items()),
            )
    return pred, per_group


def _unpredictable(
    f: AccuracyForm,
    pred: Predictability,
    chance: float | None,
    floor: FloorMode,
    groups: tuple[str, ...],
    ya: Array,
    x_range: tuple[float, float],
) -> AccuracyFit:
    """The fit of a task whose accuracies stay within noise of chance: no law, the reason said."""
    return AccuracyFit(
        form=f,
        status="unpredictable",
        reason=pred.reason,
        chance=chance,
        floor_mode=floor,
        pooled=True,
        laws={},
        groups=groups,
        n_points=len(ya),
        rmse=float(np.std(ya)),
        r2=0.0,
        x_range=x_range,
        predictability=pred,
        sharing=None,
        at_bounds=(),
        warnings=(),
        residuals=ya - float(np.mean(ya)),
    )


@dataclass(frozen=True)
class _Backtest:
    """A fit's backtest (``_backtest_of``): its errors on the top of each dataset's runs (None where too few runs
    can be held out: the intervals use the fit's residuals), on the logit scale, why it says nothing where it does
    not, the errors with the ceiling held at the full fit's where that backtest says nothing either, and its
    warnings."""

    errors: Array | None = None
    logit: Array | None = None
    uninformative: str = ""
    held_errors: Array | None = None
    held_logit: Array | None = None
    warnings: tuple[str, ...] = ()


def _backtest_of(
    spec: CurveSpec,
    pts: Points,
    design: Design,
    chosen: _CeilingChoice | None,
    curves: Sequence[_Curve],
    pred: Predictability,
) -> _Backtest:
    """The fit refitted on the lower half of each dataset's runs and scored on the rest (``chosen``: the ceiling
    choice whose backtests were made on the same runs, reused)."""
    xa, ya, fit_labels, cap = pts.x, pts.y, pts.labels, spec.ceiling
    warnings: list[str] = []
    try:
        train, test = _backtest_masks(xa, pts.g, len(fit_labels), pts.order)
        rows, bt_g, bt_labels = _backtestable(pts.g, fit_labels, design, train)
        backtested = pts.take(rows, bt_g, bt_labels)
        if len(bt_labels) < len(fit_labels):  # the others are backtested without it, not all dropped for it
            warnings += [
                f"{lab}: not backtested: too few runs in the lower half of its runs to fit on (its curve's "
                "interval carries the other datasets' backtest errors)"
                for lab in fit_labels
                if lab not in bt_labels
            ]
        errors = (
            chosen.backtests[cap]
            if chosen is not None and cap in chosen.backtests
            else _backtest_errors(spec, backtested, design, train[rows], test[rows])
        )
    except FitError:
        return _Backtest()  # too few runs per dataset to hold any out: intervals use the fit's residuals
    y_test = ya[rows][test[rows]]
    logit = _logits(y_test) - _logits(y_test - errors)
    fitted_on = rows & train
    uninformative = _uninformative_backtest(errors, xa[fitted_on], ya[fitted_on], spec.chance, pred.noise_sd)
    held_errors: Array | None = None
    held_logit: Array | None = None
    if not uninformative and spec.form == "sigmoid" and cap is None:
        # a fitted ceiling that the lower half of the runs never approaches: the backtest's refit cannot place it
        # (it ends at 1) and scores where it guessed the plateau, not the law; the same backtest with the ceiling
        # held at the full fit's still tests the rest of the curve, and flags a law whose shape misses
        held, held_errors = _held_ceiling_backtest(
            errors,
            curves,
            design,
            pts,
            rows,
            backtested,
            train,
            test,
            spec.chance,
            spec.floor_mode,
            pred.noise_sd,
        )
        if held.startswith("backtest uninformative") and held_errors is not None:
            uninformative = held
            # its errors with the ceiling held still measure how the rest of the curve extrapolates: the interval
            # holds them beside the fit's residuals (with the residuals alone, 923 of 1,200 targets at 3B–10B were
            # covered against 947 with the failed backtest's errors; h21)
            held_logit = _logits(y_test) - _logits(y_test - held_errors)
        elif held:
            warnings.append(held)
    if uninformative:
        warnings.append(uninformative)
    return _Backtest(errors, logit, uninformative, held_errors, held_logit, tuple(warnings))
