"""Predictive intervals of predictions: a law's own (``direct_interval``), a translation's, a combination of
translations', one carried through a second translation, and the compute-optimal allocation's.

Each takes the backtest-learned ``ErrorModel`` of its kind (``l2l.core.calibrate``), or None where no backtest
applies: the interval then holds the bootstrap's (or the regression's) spread alone, flagged a lower bound. Pure:
no printing, no files.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from l2l.base.checks import check_level
from l2l.base.errors import FitError
from l2l.core.error_model import ErrorModel
from l2l.core.fit import (
    PROFILE_E_GRID,
    EProfile,
    LawFit,
    percentile_interval,
    profile_over_e,
    robust_sd,
)
from l2l.core.laws import Array, ScalingLaw, log_loss
from l2l.core.loss_to_loss import (
    TranslationInputs,
    e_of,
    k_kappa_intervals,
    log_sd_at,
    moved_floors,
    shifted_power_draws,
)
from l2l.core.predictive import (
    BELOW_E,
    DEFAULT_LEVEL,
    LOWER_BOUND_MARK,
    NO_BACKTEST,
    NOT_BACKTESTED_GROUP,
    TOLERANCE_PAIRS,
    Combine,
    Placement,
    PredictiveInterval,
    aspect_on,
    bootstrap_interval,
    combine_values,
    extrapolation_notes,
    normal_quantile,
    phased,
)
from l2l.core.selection import FORM_LABELS, RIVAL_RATIO
from l2l.core.sweep import Sweep

__all__ = [
    "OptimalInterval",
    "TranslationInterval",
    "backtested_through",
    "combined_interval",
    "direct_interval",
    "e_draws",
    "e_profiled",
    "floor_draws",
    "held_ends",
    "holding",
    "known_model",
    "optimal_interval",
    "prediction_sd",
    "profile_allowance",
    "propagated_through",
    "spread_floored",
    "translation_interval",
    "wants_e_profile",
    "with_rival",
]


def prediction_sd(fit: LawFit, N: float, D: float) -> float:
    """Bootstrap sd of log L̂(N, D) over the fit's draws (0 when it has none)."""
    if fit.bootstrap is None:
        return 0.0
    lp = log_loss(fit.form, fit.bootstrap, np.log(np.array([N])), np.log(np.array([D])))[:, 0]
    return float(np.std(lp, ddof=1))


def scatter_of(fit: LawFit, sweep: Sweep) -> float:
    """The robust sd of the sweep's runs about the law (1.4826 × the median |log residual|): the run-to-run
    noise, not the misfit of a few runs far from it (the RMSE of Porian et al.'s sweeps, 3–5 %, is mostly their
    smallest models; their runs scatter by about 1 %)."""
    resid = np.log(sweep.loss) - np.log(sweep.predicted(fit.law))
    return robust_sd(resid)


def direct_interval(
    fit: LawFit,
    N: float,
    D: float,
    C: float,
    sweep: Sweep,
    model: ErrorModel | None,
    level: float = DEFAULT_LEVEL,
    *,
    include_bootstrap: bool = False,
    reason: str = NO_BACKTEST,
) -> PredictiveInterval:
    """The predictive interval of a dataset's own law at (N, D, C), fitted on ``sweep``. With ``model``: the
    backtest-learned extrapolation error (at the fit's dataset's spread scale), which already holds the
    parameter uncertainty of fits on smaller sweeps (adding the bootstrap spread of ``fit`` in quadrature,
    ``include_bootstrap``, over-covered in benchmarks/bench_calibration.py: 97–99 % for 90 % intervals); without,
    the bootstrap alone, flagged a lower bound (``reason`` says why). The bootstrap sd is reported in ``sd_param``
    either way."""
    check_level(level)
    pred = float(fit.predict(N, D))
    sd = prediction_sd(fit, N, D)
    notes = extrapolation_notes(N, D, C, sweep)
    # (on one line of D/N the notes on tokens per parameter outside the sweep's say how far off the line it lies)
    aspect = float(aspect_on(fit, [N], [D], sweep)[0]) if model is not None else 0.0
    where = Placement.at(N, D, C, sweep, aspect, fit.dataset)
    if model is None:
        return bootstrap_interval(pred, where.distance, sd, level, notes=notes, reason=reason)
    pi = model.interval(
        pred, where, level, sd if include_bootstrap else 0.0, notes=notes, scatter=scatter_of(fit, sweep)
    )
    pi = replace(pi, sd_param=sd if fit.bootstrap is not None else None)
    if "E" in fit.at_bounds and where.distance > model.max_distance * 1.05:
        # a law with no irreducible loss is a pure power law; beyond its backtests nothing shows how far it
        # bends below the truth (a probe's Eq. 1 table: three such laws 3-6 % below their truths at 10x, outside
        # intervals printed as calibrated: the only misses of 39 calibrated own-loss intervals over 40 tables)
        pi = replace(pi, lower_bound_only=True, notes=(*pi.notes, E_AT_BOUND_BEYOND))
    return _never_below_e(pi, fit.law.E)


#: The note that turns a law with E on its bound, predicting beyond its backtests, into a lower bound.
E_AT_BOUND_BEYOND = (
    "E is at its lower bound (the runs show no irreducible loss) and the target lies beyond every backtest: "
    f"nothing tests how far such a law falls below the truth there {LOWER_BOUND_MARK}"
)


def profile_allowance(objective: str, delta: float, noise: float, level: float) -> float:
    """How much a law's objective may exceed the best fit's, by one parameter held, before the runs tell it apart
    at ``level``: the profile's χ² test, ½·χ²₁(level)·E[ψ²]/E[ψ′] for an M-estimator with loss ρ (ψ = ρ′), here
    under normal log residuals of sd ``noise`` (the runs' scatter about the law, ``scatter_of``). Least squares
    (ρ = r²): χ²₁·σ². Huber (ρ = r²/2 within ``delta``): E[ψ²] and E[ψ′] = P(|r| < δ) of the clipped residual;
    at σ ≫ δ (an L1 fit) χ²₁·δ·σ·√(2π)/4, the least-absolute-deviations test's (Koenker and Bassett 1982)."""
    chi2 = normal_quantile(level) ** 2
    sigma = max(float(noise), 1e-12)
    if objective == "mse":
        return chi2 * sigma * sigma
    c = delta / sigma
    inside = math.erf(c / math.sqrt(2.0))  # P(|r| < δ)
    density = math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi)
    psi2 = sigma * sigma * (inside - 2.0 * c * density) + delta * delta * (1.0 - inside)
    return 0.5 * chi2 * psi2 / max(inside, 1e-300)


def wants_e_profile(pi: PredictiveInterval, fit: LawFit) -> bool:
    """Whether ``e_profiled`` widens ``pi``: a lower bound of a law whose E ended on its lower bound (not on its
    upper one, the smallest loss seen: ``at_bounds`` names both "E")."""
    return (
        "E" in fit.at_bounds
        and PROFILE_E_GRID[0] * fit.min_loss > fit.law.E
        and pi.lower_bound_only
        and pi.estimate > 0
    )


def e_profiled(
    pi: PredictiveInterval, fit: LawFit, N: float, D: float, sweep: Sweep, profile: EProfile | None = None
) -> PredictiveInterval:
    """A lower bound ``pi`` of a law whose E ended on its lower bound (E → 0), widened to hold the predictions at
    (N, D) of the laws with E held higher that fit the runs as well as their noise allows: the law refitted with E
    held at each value of a grid (``profile_over_e``), kept where its objective exceeds the fit's by at most
    ``profile_allowance`` at ``pi``'s level, each kept prediction corrected as ``pi``'s estimate is and held with
    ``pi``'s relative spread (``holding``). Beyond its backtests such a law is a pure power law that falls below
    any irreducible loss the runs cannot see (helper h90's Eq. 1 ladder, 4 sizes at 1.2 % noise: 11 % and 15 % low
    at 7B and 13B, outside). Unchanged where E is free, or where the interval is backtested (``wants_e_profile``).
    ``profile``: ``fit``'s profile on ``sweep``, when the caller keeps it (made here otherwise)."""
    if not wants_e_profile(pi, fit):
        return pi
    if profile is None:
        profile = profile_over_e(fit, sweep.N, sweep.D, sweep.loss)
    within = fit.objective_value + profile_allowance(
        fit.objective, fit.delta, scatter_of(fit, sweep), pi.level
    )
    kept = [(law.E, float(law.predict(N, D))) for law in profile.laws(fit.form, within)]
    scale = pi.estimate / pi.raw if pi.raw > 0 else 1.0
    lo, hi = pi.lo, pi.hi
    for _, value in kept:
        if math.isfinite(value) and value > 0:
            held = holding(pi.lo, pi.hi, pi.estimate, value * scale)
            lo, hi = min(lo, held[0]), max(hi, held[1])
    if lo >= pi.lo and hi <= pi.hi:
        return pi
    top, at_top = max(kept)
    note = (
        f"widened to hold the laws with E held from {profile.E[0]:.3g} up to {top:.4g} ({len(kept)} of "
        f"{len(PROFILE_E_GRID)} values up to {profile.E[-1]:.3g}), which fit the runs as well as their noise "
        f"allows: the runs cannot tell E from 0 (at E = {top:.4g} the law gives {at_top * scale:.4g})"
    )
    return replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))


def _never_below_e(pi: PredictiveInterval, E: float) -> PredictiveInterval:
    """``pi`` with its bias correction stopped at the law's irreducible loss ``E`` where the correction put the
    estimate below it (a loss the law itself can never reach): far beyond the sweep the correction and the law
    contradict each other. The estimate is held at E (its interval shifted with it), so a larger budget never
    predicts a higher loss (dropping the correction there did: 2.139 at 3e23, 2.193 at 1e24), with a warning
    (the paper's sweep at 1e23: every dataset's corrected loss had fallen below its E, with no word of it)."""
    if not (E > 0 and pi.estimate < E <= pi.raw):
        return pi
    up = E / pi.estimate
    note = (
        f"{BELOW_E}: the backtests' bias correction would put it at {pi.estimate:.4g}, below the law's irreducible "
        f"loss E = {E:.4g}; the estimate is held at E (the law alone: {pi.raw:.4g})"
    )
    return replace(pi, estimate=E, lo=pi.lo * up, hi=pi.hi * up, notes=(*pi.notes, note))


def held_ends(pi: PredictiveInterval, value: float) -> tuple[float, float, float]:
    """The ends of ``pi`` widened to hold ``value`` (another form's prediction) with ``pi``'s relative spread,
    and the share of that spread held. The share rises linearly (``predictive.phased``) from 0 where ``value``
    lies ``HOLD_FROM`` of the way from the estimate to the edge on its side, to 1 at the edge and beyond (where the
    interval holds
    ``[value·lo/estimate, value·hi/estimate]``, as it did before): the ends move continuously with ``value``. Held
    only once ``value`` lay outside, the upper end jumped as it crossed (probe p73: the paper's fineweb-100b at
    1e22 read 2.427 then 2.315 for 1 % in N); held always, an interval widened for any value off its estimate."""
    est = pi.estimate
    if not (est > 0 and math.isfinite(value) and value > 0):
        return pi.lo, pi.hi, 0.0
    gap = (pi.hi - est) if value >= est else (est - pi.lo)
    share = 1.0 if gap <= 0 else phased(abs(value - est) / gap)
    return (*holding(pi.lo, pi.hi, est, value, share), share)


def holding(lo: float, hi: float, estimate: float, value: float, share: float = 1.0) -> tuple[float, float]:
    """The ends [lo, hi] of an interval about ``estimate`` widened to hold ``value`` with ``share`` of the same
    relative spread (all of it: ``[value·lo/estimate, value·hi/estimate]``)."""
    return (
        min(lo, value * (1.0 - share * (1.0 - lo / estimate))),
        max(hi, value * (1.0 + share * (hi / estimate - 1.0))),
    )


def with_rival(
    pi: PredictiveInterval, rival: PredictiveInterval, form: str, *, e_free: bool = False
) -> PredictiveInterval:
    """``pi`` widened to hold ``rival``: the same prediction by the rival ``form`` (``FormChoice.rival``: the
    preferred form, which the chosen one beat only narrowly in the backtests) with that form's own calibrated
    interval. The estimate stays the chosen form's; the interval holds both forms' extrapolations, because the
    backtests reach less far than the targets and the forms part beyond them (``l2l.core.selection.RIVAL_RATIO``).
    ``e_free``: the rival is the other of Eq. 3 and Eq. 2 where the runs cannot tell E from 0 (``FormChoice.e_free``).
    """
    lo, hi = min(pi.lo, rival.lo), max(pi.hi, rival.hi)
    if lo >= pi.lo and hi <= pi.hi:
        return pi
    label = FORM_LABELS.get(form, form)
    why = (
        "the runs cannot tell Eq. 3's E from 0, and Eq. 3 and Eq. 2 part by that E beyond them"
        if e_free
        else f"{label} lost the backtests by less than {RIVAL_RATIO:g}× (the choice was narrow)"
    )
    note = f"the interval also holds {label}'s ({form}) {rival.estimate:.4g} [{rival.lo:.4g}, {rival.hi:.4g}]: {why}"
    return replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))


@dataclass(frozen=True)
class OptimalInterval:
    """Compute-optimal N* and D* at budget C with percentile intervals over the bootstrap draws of the law.

    Parameter uncertainty only (no backtest can score an optimum, which is never measured), so always
    ``lower_bound_only``; without draws the intervals collapse to the point."""

    C: float
    N_opt: float
    D_opt: float
    N_interval: tuple[float, float]
    D_interval: tuple[float, float]
    level: float
    draws: int
    lower_bound_only: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": self.C,
            "N_opt": self.N_opt,
            "D_opt": self.D_opt,
            "N_lo": self.N_interval[0],
            "N_hi": self.N_interval[1],
            "D_lo": self.D_interval[0],
            "D_hi": self.D_interval[1],
            "level": self.level,
            "draws": self.draws,
            "lower_bound_only": self.lower_bound_only,
        }


def optimal_interval(
    fit: LawFit, C: float, level: float = DEFAULT_LEVEL, flops_per_param_token: float = 6.0
) -> OptimalInterval:
    """N*, D* of ``fit`` at budget ``C`` with percentile intervals over its bootstrap draws."""
    check_level(level)
    n_opt, d_opt = (float(v) for v in fit.law.compute_optimal(C, flops_per_param_token))
    if fit.bootstrap is None or len(fit.bootstrap) < 2:
        return OptimalInterval(C, n_opt, d_opt, (n_opt, n_opt), (d_opt, d_opt), level, 0)
    ns = np.array(
        [
            float(ScalingLaw.from_theta(fit.form, t).compute_optimal(C, flops_per_param_token)[0])
            for t in fit.bootstrap
        ]
    )
    ns = ns[np.isfinite(ns) & (ns > 0)]
    lo, hi = percentile_interval(ns, level)
    n_lo, n_hi = float(lo), float(hi)
    k = C / flops_per_param_token
    return OptimalInterval(C, n_opt, d_opt, (n_lo, n_hi), (k / n_hi, k / n_lo), level, len(ns))


@dataclass(frozen=True)
class TranslationInterval:
    """A translated prediction with intervals on K, κ and the prediction (``prediction``), from resampled pairs
    and bootstrap draws of E0 and E1, plus the backtest-learned residual."""

    K: float
    kappa: float
    K_interval: tuple[float, float]
    kappa_interval: tuple[float, float]
    prediction: PredictiveInterval
    draws: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "K": self.K,
            "kappa": self.kappa,
            "K_lo": self.K_interval[0],
            "K_hi": self.K_interval[1],
            "kappa_lo": self.kappa_interval[0],
            "kappa_hi": self.kappa_interval[1],
            "draws": self.draws,
            "prediction": self.prediction.to_dict(),
        }


def e_draws(fit: LawFit) -> Array | None:
    """Bootstrap draws of E of a fitted law (None without draws; zeros for Kaplan)."""
    if fit.bootstrap is None:
        return None
    return e_of(fit.form, fit.bootstrap)


def floor_draws(fit: LawFit, floor: float) -> Array | None:
    """``e_draws`` moved with the irreducible loss a translation takes from ``fit`` (``floor``, the line law's E
    on a one-line sweep: ``LawBook.floor_of``), their spread kept; never below 0."""
    draws = e_draws(fit)
    return None if draws is None else moved_floors(draws, fit.law.E, floor)


def translation_interval(
    x_target: float,
    inputs: TranslationInputs,
    where: Placement,
    model: ErrorModel | None,
    *,
    include_bootstrap: bool = False,
    level: float = DEFAULT_LEVEL,
    draws: int = 400,
    seed: int = 0,
    apart: str | None = None,
) -> TranslationInterval:
    """Translate the measured source loss ``x_target`` with y ≈ K·(x − E0)^κ + E1 fitted on ``inputs``, with
    intervals on K, κ (percentiles over the draws) and on the prediction placed at ``where`` (its group: the
    ``source→target`` pair): the backtest-learned error of translations (plus the draws' spread with
    ``include_bootstrap``), or without a model the draws' spread alone, flagged a lower bound (``apart``: the
    pairs lie that far apart, within a tolerance: ``known_model``)."""
    check_level(level)
    best, dr = shifted_power_draws(inputs, draws=draws, seed=seed)
    if x_target <= inputs.E0:
        raise FitError(
            f"a source loss of {x_target:.4g} is at or below E0 = {inputs.E0:.4g}: the translation is undefined"
        )
    pred = float(best.predict(x_target))
    sd = log_sd_at(dr, x_target)
    k_iv, c_iv = k_kappa_intervals(dr, level) or ((best.K, best.K), (best.kappa, best.kappa))
    model, reason = known_model(model, where.group, apart)
    pi = (
        bootstrap_interval(pred, where.distance, sd, level, reason=reason)
        if model is None
        else replace(
            model.interval(pred, where, level, sd if include_bootstrap else 0.0, scatter=best.resid_sd),
            sd_param=sd,
        )
    )
    return TranslationInterval(best.K, best.kappa, k_iv, c_iv, pi, len(dr))


def spread_floored(
    pi: PredictiveInterval, model: ErrorModel | None, where: Placement, *, draws_sd: float, below: bool
) -> PredictiveInterval:
    """``pi``, a single translation's backtested interval (as stated, holding what it holds), widened where its
    source loss lies ``below`` every source loss it was fitted on to hold the interval its backtests give with
    the translation's own spread there as the floor (``model.interval(scatter=draws_sd)``; ``draws_sd``: the sd
    of log ŷ over its refits on resampled pairs with its laws' draws of E0 and E1, ``log_sd_at``). Never narrower
    than ``pi``. Beyond its pairs a translation extrapolates y − E1 = K·(x − E0)^κ with E0 and E1 that its
    backtests' refits placed elsewhere: on helper h58's Eq. 1-shaped iso-FLOP table (a 10× budget held out; E0
    2.20 fitted for a true 1.69) its intervals held 20 of 36 noise-free truths, at half-widths of 6 %, where its
    draws spread 7.4 % (sd) on the row that missed by 9 %; floored, 30 of 36. Inside the fitted source losses
    the backtests alone bound it (a floor everywhere widened intervals that already held: README, "Measured
    coverage"). Unchanged without a model (a bootstrap interval, a lower bound already); a floor too wide to bound
    anything makes ``pi`` a lower bound."""
    if model is None or not below or not draws_sd > 0:
        return pi
    try:
        floored = model.interval(pi.raw, where, pi.level, scatter=draws_sd)
    except FitError as exc:
        why = (
            f"{exc.message}: its own spread beyond the fitted source losses bounds nothing {LOWER_BOUND_MARK}"
        )
        return replace(pi, lower_bound_only=True, notes=(*pi.notes, why))
    lo, hi = min(pi.lo, floored.lo), max(pi.hi, floored.hi)
    if lo >= pi.lo and hi <= pi.hi:
        return pi
    z = normal_quantile(pi.level)
    why = (
        f"widened to the translation's own spread (±{100 * math.expm1(z * draws_sd):.2g} %): its source loss lies "
        "below every source loss it was fitted on, where its refits on resampled pairs and on its laws' draws of "
        "E0 and E1 spread wider than its backtests erred"
    )
    return replace(pi, lo=lo, hi=hi, notes=(*pi.notes, why))


def propagated_through(
    upstream: PredictiveInterval,
    mapped: Sequence[float],
    *,
    resid_sd: float,
    sd_param: float = 0.0,
    notes: Iterable[str] = (),
) -> PredictiveInterval:
    """An interval pushed through a monotone map (a second translation, e.g. train-test), given the map's values at
    ``upstream``'s estimate, lo, hi and raw (``mapped``, in that order: a caller that carries many intervals
    through one map evaluates it on them all at once): the ends of ``upstream`` map to the ends, and each side is
    widened in quadrature (log space) by ``resid_sd`` (the map's regression residual) and ``sd_param`` (its
    parameter spread), at ``upstream``'s level. Nothing here backtests the map, so the result is flagged a lower
    bound (``backtested_through`` holds the chain's backtested interval beside it)."""
    z = normal_quantile(upstream.level)
    est, at_lo, at_hi, raw = mapped
    ends = sorted((at_lo, at_hi))
    if not (est > 0 and ends[0] > 0 and math.isfinite(ends[1])):
        raise FitError(f"the translated interval is not a positive loss ({ends[0]:.4g} … {ends[1]:.4g})")
    extra = math.hypot(z * resid_sd, z * sd_param)
    lo_h = math.hypot(max(math.log(est / ends[0]), 0.0), extra)
    hi_h = math.hypot(max(math.log(ends[1] / est), 0.0), extra)
    return PredictiveInterval(
        estimate=est,
        lo=est * math.exp(-lo_h),
        hi=est * math.exp(hi_h),
        level=upstream.level,
        distance=upstream.distance,
        method="propagated+residual",
        lower_bound_only=True,
        raw=raw,
        sd_param=sd_param,
        notes=tuple(notes),
    )


def backtested_through(
    upstream: PredictiveInterval,
    mapped: Sequence[float],
    model: ErrorModel | None,
    where: Placement,
    *,
    resid_sd: float,
    sd_param: float = 0.0,
    notes: Iterable[str] = (),
    backtested_notes: Iterable[str] = (),
) -> PredictiveInterval:
    """``upstream`` carried through a second translation (``mapped``: the map's values at its estimate, lo, hi and
    raw, as ``propagated_through`` takes them), calibrated by the backtests of the whole chain where they apply:
    ``model`` (learned from the chain refitted below each cutoff and scored on the runs above from their measured
    source losses, ``l2l.core.backtest.chain_errors``) gives the chain's interval about its uncorrected value
    (``mapped``'s raw) at ``where``, and the result holds both it and the carried interval (never narrower than
    ``propagated_through``: the upstream interval carried, widened by the regression's residual and parameter
    spread; the estimate is the carried one). Where the model is missing or never scored ``where.group``, or the
    upstream interval is itself not backtested (a lower bound: a poor law, beyond the backtests' reach), the
    result is ``propagated_through``'s, a lower bound (``notes`` say why); else it is backtested
    (``backtested_notes``, with the chain model's words on reach)."""
    carried = propagated_through(upstream, mapped, resid_sd=resid_sd, sd_param=sd_param, notes=notes)
    model, _ = known_model(model, where.group)
    if model is None or not upstream.backtested:
        return carried
    try:
        # the chain's backtests refitted its parameters: no parameter spread on top (as a backtested translation's
        # interval takes none, ``translation_interval``); the carried interval holds it
        chain = model.interval(carried.raw, where, upstream.level, scatter=resid_sd)
    except FitError as exc:
        return replace(carried, notes=(*carried.notes, f"{exc.message} {LOWER_BOUND_MARK}"))
    return replace(
        carried,
        lo=min(carried.lo, chain.lo),
        hi=max(carried.hi, chain.hi),
        method="backtest:train-test",
        lower_bound_only=chain.lower_bound_only,
        notes=(*backtested_notes, *chain.notes),
    )


def combined_interval(
    predictions: Sequence[float],
    where: Placement,
    *,
    model: ErrorModel | None,
    method: Combine = "mean",
    sds: Sequence[float] | None = None,
    level: float = DEFAULT_LEVEL,
    why_none: str = "",
) -> PredictiveInterval:
    """One prediction from several single-source translations (``method``; ``sds``: each one's log sd, for
    inverse-variance weights), placed at ``where`` (its group: the target dataset), with the interval of the
    combination's own backtested error model (or, without one, the spread of the sources, flagged a lower
    bound; ``why_none``: why there is no model, said instead of the general reason)."""
    check_level(level)
    p = combine_values(predictions, method, sds)
    words = (f"{method} of {len(predictions)} sources",)
    model, reason = known_model(model, where.group)
    if model is None and why_none and reason == NO_BACKTEST:
        reason = f"no backtested combination ({why_none}): the interval is the sources' spread, a lower bound"
    if model is not None:
        return model.interval(p, where, level, notes=words)
    spread = (
        float(np.std(np.log(np.asarray(predictions, dtype=np.float64)), ddof=1))
        if len(predictions) > 1
        else 0.0
    )
    return bootstrap_interval(p, where.distance, spread, level, notes=words, reason=reason)


def known_model(
    model: ErrorModel | None, group: str, apart: str | None = None
) -> tuple[ErrorModel | None, str]:
    """``model`` where its backtests scored ``group`` (a translation's ``source→target`` pair, or a combination's
    target; any group when none is named), else None, with the reason an interval without it gives: a pair paired
    only within --rtol was printed "backtested" from the other pairs' errors (a probe's mean of two such sources).
    ``apart``: how far apart the translation's paired runs lie, when it paired them within a tolerance (``N up to
    10 % apart, --rtol 0.11``): the backtests pair exactly, and that is the reason then."""
    if model is not None and not (group and not model.knows(group)):
        return model, NO_BACKTEST
    if apart:
        return None, TOLERANCE_PAIRS.format(group=group or "the translation", apart=apart)
    if model is None:
        return None, NO_BACKTEST
    return None, NOT_BACKTESTED_GROUP.format(group=group)
