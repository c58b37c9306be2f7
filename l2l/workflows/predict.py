"""Predictions from fitted scaling laws, each with a calibrated predictive interval.

``predict`` gives a law's loss at (N, D) or (N, C); ``optimal`` the compute-optimal allocation and the loss there
(predictions through translation: ``l2l.workflows.via``). Every prediction carries a ``PredictiveInterval`` at
``level`` (default 0.9) from ``l2l.core.calibrate``: the extrapolation error learned by backtesting inside the run
table's own sweep, the laws of a group together (every dataset's own loss; each other eval, e.g. a task loss,
across the datasets that ran it), or, where no backtest applies (too few budgets), the bootstrap alone, flagged as
a lower bound. The estimate is corrected by the backtests' bias where that correction helped on left-out cutoffs;
the law's own number is kept beside it (``raw``).

The FLOPs factor k in C = k·N·D is the table's own (``Runs.flops_per_param_token``: 6 unless its C column says
otherwise). Calibrations are cached by the data they were learned from (``CalibrationCache``); the runs of each
(dataset, eval) are read once per call (``Sweeps``).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.base.checks import as_names, as_numbers, check_level
from l2l.base.errors import FitError, RefusedBeyondSweepError, SelectionError, UsageError
from l2l.base.runs import OWN, check_runs
from l2l.base.schema import beyond_nats
from l2l.base.text import fmt_sci, fmt_si
from l2l.core.calibrate import Calibration, CalibrationCache
from l2l.core.fit import FitCache, FitOptions, LawFit, allocation_on_bounds
from l2l.core.intervals import (
    OptimalInterval,
    direct_interval,
    e_profiled,
    held_ends,
    holding,
    optimal_interval,
    wants_e_profile,
    with_rival,
)
from l2l.core.laws import Array
from l2l.core.line_law import FixedLine, LineChoice, LineLaw
from l2l.core.predictive import (
    DEFAULT_LEVEL,
    FORM_DOUBT,
    NO_BACKTEST,
    RATIO_SLACK,
    Placement,
    PredictiveInterval,
    anchored,
    beyond_evidence,
    not_calibrated,
    range_ratios,
)
from l2l.core.repetition import Repetition, repeated_interval, repetition_at
from l2l.core.selection import FORM_LABELS, anchor_shift, one_line_term, own_reach_in_n
from l2l.core.sweep import (
    BUDGET_RTOL,
    Sweep,
    allocation_unidentified,
    cross_lines,
    off_cross,
    optimum_off_sweep,
)
from l2l.workflows.lawbook import (
    FINAL_OF_A_LOG_FIX,
    FIXED_FORM,
    OWN_GROUP,
    LawBook,
    Sweeps,
    fixed_note,
    law_book,
    with_bootstrap,
    with_bootstraps,
)
from l2l.workflows.results import Results

if TYPE_CHECKING:
    from l2l.base.runs import Runs

__all__ = [
    "DEFAULT_DRAWS",
    "LINE_METHOD",
    "Allocation",
    "LawPrediction",
    "LinePrediction",
    "Sweeps",
    "calibration_for",
    "draw_unbacktested",
    "law_interval",
    "optimal",
    "predict",
    "size_grid",
]

#: Bootstrap draws made when an interval needs parameter uncertainty and none were asked for.
DEFAULT_DRAWS = 200


# ---------------------------------------------------------------------------------------------------------------
# Calibration of a run table
# ---------------------------------------------------------------------------------------------------------------


def calibration_for(
    runs: Runs, book: LawBook, cache: CalibrationCache | None = None, sweeps: Sweeps | None = None
) -> Calibration:
    """The calibration of the own losses of ``book``'s runs (every dataset with an own eval and runs there),
    from ``cache`` when the same data and options were calibrated before (``LawBook.calibration``)."""
    del sweeps  # the book keeps its own
    if book.calibrations is None:
        book.calibrations = cache
    if not book.own_eval:
        book.own_eval = dict(runs.own_eval)
    return book.calibration(OWN_GROUP)


def _with_draws(book: LawBook, fit: LawFit, seed: int, draws: int = DEFAULT_DRAWS) -> LawFit:
    """``fit`` with exactly ``draws`` bootstrap draws of ``seed`` (kept in the book). Never whatever draws the
    cached fit happens to carry: those depend on which command ran before (rank asks for 100, translate 200), and
    an interval must not."""
    return with_bootstrap(book, fit, draws, seed)


def law_interval(
    book: LawBook,
    fit: LawFit,
    sweep: Sweep,
    point: tuple[float, float, float],
    level: float,
    seed: int,
    draws: int = DEFAULT_DRAWS,
) -> tuple[PredictiveInterval, LawFit]:
    """The interval of a law's prediction at ``point`` (N, D, C), the law fitted on ``sweep``: the direct error
    model of its group's backtests (own losses together, each other eval across the datasets), else the bootstrap
    alone (a lower bound, saying why). A poor law's interval is marked not calibrated, a lower bound
    (``not_calibrated``). Returns the fit with draws when they had to be made."""
    N, D, C = point
    refuse_beyond(book, fit.dataset, fit.eval, sweep, C)
    model = book.calibration(book.group_of(fit.dataset, fit.eval)).direct_for(fit.dataset)
    # a D term the sweep pins on one size's runs, extrapolated in D: no backtest vouches for it
    thin = one_line_term(sweep, D)
    if model is not None:
        pi = calibrated_interval(book, fit, sweep, point, level)
        pi = pi if thin is None else not_calibrated(pi, thin, poor=False)
        # a dataset whose own backtests never left its largest size, beyond it: as beyond the group's reach in N
        unreached = own_reach_in_n(model, fit.dataset, sweep, N)
        if unreached is None and not model.beyond_reach(Placement.at(N, D, C, sweep)):
            return _onto_top_runs(pi, fit, sweep), fit
        pi = pi if unreached is None else not_calibrated(pi, unreached, poor=False)
        # further in model size (or tokens) than any backtest reached: the error model's width says nothing there, and
        # it was narrower than the bootstrap's alone (the ladder shape's 7B and 13B task losses from 1B runs: ±1.3 %
        # against ±2.9 %, 52 of 80 truths inside where the bootstrap held 76): it holds that interval too
        fit = _with_draws(book, fit, seed, draws)
        boot = direct_interval(fit, N, D, C, sweep, None, level, reason=NO_BACKTEST)
        if boot.lo < pi.lo or boot.hi > pi.hi:
            pi = dc_replace(
                pi,
                lo=min(pi.lo, boot.lo),
                hi=max(pi.hi, boot.hi),
                sd_param=boot.sd_param,
                notes=(*pi.notes, BEYOND_N_BOOTSTRAP),
            )
        pi = _e_profiled(
            book, fit, sweep, point, _with_nested(book, fit, sweep, point, level, seed, draws, pi)
        )
        return _onto_top_runs(pi, fit, sweep), fit
    fit = _with_draws(book, fit, seed, draws)
    cal = book.calibration(book.group_of(fit.dataset, fit.eval))
    why = "; ".join(n for n in cal.notes if n.startswith("direct")) or NO_BACKTEST
    reason = NO_BACKTEST if why == NO_BACKTEST else f"{NO_BACKTEST} ({why})"
    pi = _judged(book, fit, direct_interval(fit, N, D, C, sweep, None, level, reason=reason), N, D)
    pi = pi if thin is None else not_calibrated(pi, thin, poor=False)
    pi = _e_profiled(book, fit, sweep, point, _with_nested(book, fit, sweep, point, level, seed, draws, pi))
    return _onto_top_runs(pi, fit, sweep), fit


def refuse_beyond(book: LawBook, dataset: str, eval_name: str, sweep: Sweep, compute: float) -> None:
    """Raise RefusedBeyondSweepError where ``compute`` lies beyond the sweep's largest budget and the law is refused
    there (``LawBook.refusal``: a poor law whose runs do not fall with tokens at a fixed size, or whose own
    backtests miss by more than 15 %). Such laws' intervals, printed as lower bounds, held 18 of 34 of the paper's
    held-out 3.3B runs, at a median error of 33 % (the 5-shot MMLU losses rise with tokens inside the sweep; BoolQ's
    3.3B losses lay 2-3.6× above its laws): a number and an interval a reader would still use."""
    if compute <= sweep.max_C * (1 + BUDGET_RTOL):
        return
    why = book.refusal(dataset, eval_name)
    if why is not None:
        raise RefusedBeyondSweepError(
            f"{dataset}/{eval_name}: refused {compute / sweep.max_C:.3g}× beyond the sweep's largest budget: "
            f"the law is poor and {why}"
        )


def _onto_top_runs(pi: PredictiveInterval, fit: LawFit, sweep: Sweep) -> PredictiveInterval:
    """``pi`` moved onto the law's own largest runs where it misses them by more than ``POOR_TOP`` (a poor law:
    ``anchor_shift``), after every other correction and widening; not where the line law gives the estimate (its
    own value, not the law's). On the paper's held-out 3.3B runs the accuracy chain through such task losses
    (SciQ, ARC: losses that stall mid-sweep, then fall faster) went from 2.10 to 1.90 points, the five rows it
    moved all nearer, coverage 32 of 36 either way (helper h10, 2026-12-05)."""
    if LINE_METHOD in pi.method:
        return pi
    return anchored(pi, anchor_shift(fit, sweep))


def _with_nested(
    book: LawBook,
    fit: LawFit,
    sweep: Sweep,
    point: tuple[float, float, float],
    level: float,
    seed: int,
    draws: int,
    pi: PredictiveInterval,
) -> PredictiveInterval:
    """A lower bound ``pi`` widened to hold the bootstrap interval of the other reading of a floor the runs do not
    pin (``LawBook.nested``: Eq. 3 beside Eq. 2 and back where the runs cannot tell E from 0; Eq. 3 beside a law
    that ended with E → 0): beyond what any backtest checked nothing arbitrates between them (probes p71, p73:
    Eq. 2 or Eq. 1 at E → 0 chosen on a 20-run ladder, 9-15 % low at 7-13× the largest model, outside intervals
    that held Eq. 3's point but not its spread; Eq. 3's own interval held the truth)."""
    if not pi.lower_bound_only:
        return pi
    other = book.nested(fit.dataset, fit.eval)
    if other is None:
        return pi
    N, D, C = point
    alt = direct_interval(
        _with_draws(book, other, seed, draws), N, D, C, sweep, None, level, reason=NO_BACKTEST
    )
    if not (math.isfinite(alt.lo) and math.isfinite(alt.hi)) or (alt.lo >= pi.lo and alt.hi <= pi.hi):
        return pi
    label = FORM_LABELS.get(other.form, other.form)
    note = (
        f"the interval also holds {label}'s ({other.form}) {alt.estimate:.4f} [{alt.lo:.4f}, {alt.hi:.4f}]: the "
        f"runs do not pin an irreducible loss (E), and no backtest reached this far (--form {other.form} gives its "
        "own interval)"
    )
    return dc_replace(pi, lo=min(pi.lo, alt.lo), hi=max(pi.hi, alt.hi), notes=(*pi.notes, note))


def _e_profiled(
    book: LawBook, fit: LawFit, sweep: Sweep, point: tuple[float, float, float], pi: PredictiveInterval
) -> PredictiveInterval:
    """``e_profiled``: a lower bound of a law whose E ended on its lower bound, widened to hold the laws with E held
    higher that fit its runs within their noise (the profile made once per law, ``LawBook.e_profile``)."""
    if not wants_e_profile(pi, fit):
        return pi
    return e_profiled(pi, fit, point[0], point[1], sweep, book.e_profile(fit, sweep))


#: The note of an interval beyond the backtests' reach in model size or tokens, widened to hold the bootstrap's.
BEYOND_N_BOOTSTRAP = (
    "widened to hold the bootstrap interval of the law's parameters (beyond the backtests' reach in N or D)"
)


def draw_unbacktested(
    book: LawBook,
    laws: Sequence[LawFit],
    seed: int,
    workers: int,
    draws: int = DEFAULT_DRAWS,
    unread: Callable[[LawFit], bool] | None = None,
) -> None:
    """The bootstrap draws ``law_interval`` needs for each of ``laws`` that no backtest calibrates, made at once in
    ``workers`` processes and kept in ``book`` (``evaluate`` asks for every held-out law's at once; ``predict``,
    measured so on the W&B-export shape, gained 3 % of its wall time: its fits and backtests dominate). ``unread``:
    which of those the caller's ``law_interval`` will not read a draw of (left undrawn; one read after all is
    drawn there, the same draws)."""
    unbacktested = [
        f
        for f in laws
        if book.calibration(book.group_of(f.dataset, f.eval)).direct_for(f.dataset) is None
        and (unread is None or not unread(f))
    ]
    with_bootstraps(book, unbacktested, draws, seed, workers)


def _judged(book: LawBook, fit: LawFit, pi: PredictiveInterval, N: float, D: float) -> PredictiveInterval:
    """``pi`` with what the law's standing says of it: the other form's doubt (``_form_doubt``), a loss beyond
    any cross-entropy, and a poor law's interval marked not calibrated, a lower bound (``not_calibrated``)."""
    pi = _cross_doubt(book, fit, _line_doubt(book, fit, _form_doubt(book, fit, pi, N, D), N, D), N, D)
    if beyond_nats(pi.estimate, fit.min_loss):  # a law far below its runs climbs without bound: say so
        pi = dc_replace(
            pi,
            notes=(
                *pi.notes,
                f"a loss of {pi.estimate:.4g} is beyond any cross-entropy in nats (at most ln(vocabulary), about "
                "11–12): the law is extrapolated to where it means nothing",
            ),
        )
    flag = book.flag(fit.dataset, fit.eval)
    pi = pi if flag is None else not_calibrated(pi, flag)
    return repeated_interval(pi, repetition_of(book, fit.dataset, fit.eval, D))


def repetition_of(book: LawBook, dataset: str, eval_name: str, D: float) -> Repetition | None:
    """How a prediction of (dataset, eval) at ``D`` repeats the dataset's unique tokens (``book.unique_tokens``),
    beside the passes of the runs its law was fitted on; None where it does not (or they are unknown)."""
    unique = book.unique_tokens.get(dataset)
    if unique is None or not book.sweeps.has(dataset, eval_name):
        return None
    return repetition_at(dataset, D, unique, book.sweeps.get(dataset, eval_name).D.tolist())


def calibrated_interval(
    book: LawBook, fit: LawFit, sweep: Sweep, point: tuple[float, float, float], level: float
) -> PredictiveInterval:
    """The backtest-calibrated interval of a law's prediction at ``point`` (N, D, C) (its group must have a direct
    error model), widened to hold the preferred form's own calibrated interval where the chosen form beat it only
    narrowly (``LawBook.rival``, ``with_rival``), and judged as every law's interval is (``_judged``: a poor law's
    is a lower bound). ``predict`` and ``evaluate`` both use it: one interval per question."""
    N, D, C = point
    cal = book.calibration(book.group_of(fit.dataset, fit.eval))
    model = cal.direct_for(fit.dataset)
    if model is None:
        raise FitError(f"{fit.dataset}/{fit.eval}: no backtest to calibrate an interval")
    pi = direct_interval(fit, N, D, C, sweep, model, level)
    # ``cal.rival`` is the error model of the group's rival form, held only where that is the law's rival
    # (``_group_rival``)
    rival = _group_rival(book, fit)
    if rival is not None and cal.rival is not None:
        e_free = cal.choice is not None and cal.choice.e_free
        pi = with_rival(
            pi, direct_interval(rival, N, D, C, sweep, cal.rival, level), rival.form, e_free=e_free
        )
    return _judged(book, fit, pi, N, D)


def _form_doubt(book: LawBook, fit: LawFit, pi: PredictiveInterval, N: float, D: float) -> PredictiveInterval:
    """``pi`` widened to hold the other five-parameter form's prediction, which the backtests found as good
    (``LawBook.alternative``), where it nears or passes an edge: the sweep does not settle the choice between the
    forms, so the interval holds both extrapolations, each with the correction and the spread the backtests give
    this one (the other's backtests were as good or better), the spread phased in as the value nears the edge
    (``held_ends``: the ends move continuously with it). Warned and left alone, such rows read calibrated and
    missed: on probe p62's ladders 4 of 17 truths inside, 17 of 17 once held (the other form's value alone: 11).
    The value is corrected as ``pi``'s estimate is (``estimate / raw``): the other form's uncorrected value beside
    a corrected interval held the uncorrected reading back in where the two forms agreed (the paper's FineWeb 100B
    at 1e22: Eq. 3 2.3253, Eq. 1 2.3144 uncorrected, the interval corrected by −5 % to [2.105, 2.315], its upper
    end pushed to 2.427 by Eq. 1's 0.5 %)."""
    for alt, why in (
        (book.alternative(fit.dataset, fit.eval), "its backtests were as good or better"),
        # the preferred form the chosen one beat narrowly: a calibrated interval holds the rival's own
        # (``calibrated_interval``); a bootstrap-only one held neither (probe p71: Eq. 3 and Eq. 2 on a ladder whose
        # runs cannot tell E from 0 part by 8 % at 13× the largest model)
        (_group_rival(book, fit), "the backtests chose between the two only narrowly"),
    ):
        if alt is None:
            continue
        law_value = float(alt.predict(N, D))
        corrected = pi.estimate != pi.raw and pi.raw > 0 and math.isfinite(pi.raw)
        value = law_value * pi.estimate / pi.raw if corrected else law_value
        lo, hi, share = held_ends(pi, value)
        if lo >= pi.lo and hi <= pi.hi:
            continue
        label = FORM_LABELS.get(alt.form, alt.form)
        spread = _spread_words(share)
        as_this = f" (its law's {law_value:.4f}, corrected as this one's is)" if corrected else ""
        note = (
            f"the interval also holds {label}'s ({alt.form}) {value:.4f}{as_this}, with {spread}: {why}, and "
            f"the forms part here (--form {alt.form} gives its own interval)"
        )
        pi = dc_replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))
    return pi


def _cross_doubt(
    book: LawBook, fit: LawFit, pi: PredictiveInterval, N: float, D: float
) -> PredictiveInterval:
    """``pi`` not calibrated (a lower bound) where the runs are a Kaplan-style pair of one-line sweeps, L(N) at one
    D and L(D) at one N (``cross_lines``), and the model lies on neither line: there the law's value comes from how
    its form combines the N and D terms, which no run and no backtest (they predict the lines' larger runs)
    checks. The interval also holds the other five-parameter form's value with the same spread. Probe h80 (truth
    Eq. 1, 8 sizes to 100B tokens and a 1B model at 8 token counts, 0.5 % noise): Eq. 3, chosen by backtests of
    1.51 % against Eq. 1's 1.97 %, gave 2.750 [2.705, 2.795] at 300M × 10B, stated as calibrated, for a truth of
    2.874 (Eq. 1's fit: 2.891)."""
    n, d, _ = book.data(fit.dataset, fit.eval)
    cross = cross_lines(n, d)
    if cross is None or not off_cross(cross, N, D) or not pi.estimate > 0:
        return pi
    other = book.other_five(fit.dataset, fit.eval, fit.form)
    if other is not None:
        law_value = float(other.predict(N, D))
        corrected = pi.estimate != pi.raw and pi.raw > 0 and math.isfinite(pi.raw)
        value = law_value * pi.estimate / pi.raw if corrected else law_value
        if math.isfinite(value) and value > 0:
            lo, hi = holding(pi.lo, pi.hi, pi.estimate, value)
            label = FORM_LABELS.get(other.form, other.form)
            note = (
                f"the interval also holds {label}'s ({other.form}) {value:.4f}, with the same spread: off both "
                f"lines the forms part (--form {other.form} gives its own)"
            )
            pi = dc_replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))
    n0, d0 = cross
    return not_calibrated(
        pi,
        f"the runs lie on two lines, N = {fmt_si(n0)} and D = {fmt_si(d0)}, and this model on neither: how the "
        "law's N and D terms combine off them is its form's assumption, which no run checks (runs off both lines "
        "would)",
        poor=False,
    )


#: A widening smaller than this share of the interval is not worth a note (the two laws agree).
LINE_WIDENS = 0.01


#: Appended to an interval's method where the line law gives its estimate (``_on_the_line``).
LINE_METHOD = "+line"


def _line_doubt(book: LawBook, fit: LawFit, pi: PredictiveInterval, N: float, D: float) -> PredictiveInterval:
    """``pi`` widened to hold the line law's prediction (``LawBook.line_law``), with the same spread, where the runs
    all sit at one D/N and the target lies on that line: there the five-parameter law may spend the two parameters
    the line does not pin on a bend its runs do not show (probe p77: Eq. 3 flat past its largest run, 2.84 [2.74,
    2.95] stated as calibrated against a truth of 2.48, where the line law gave 2.49; another 2.35 [2.26, 2.44]
    against 2.45, the line law 2.43). Held as the other form's value is (``held_ends``: phased in as it nears the
    edge, so that the interval does not jump where the two cross it); where the line law lies outside the law's own
    interval, no backtest has chosen between them, and the interval is not calibrated (a lower bound)."""
    line = book.line_law(fit.dataset, fit.eval)
    if line is None or not pi.estimate > 0:
        return pi
    weight = line.weight(N, D)
    value = line_value(line, fit, pi.estimate, N, D, weight)
    if value is None:
        return pi
    chosen = book.line_estimate(fit.dataset, fit.eval)
    if chosen is not None:
        why = (
            chosen.why
            if weight >= 1
            else f"{chosen.why}; off the line, weighted {weight:.2f} against the law's"
        )
        n, _, _ = book.data(fit.dataset, fit.eval)
        return _on_the_line(pi, value, chosen, why, weight, math.log(N / float(np.max(n))))
    lo, hi, share = held_ends(pi, value)
    if hi - lo <= (pi.hi - pi.lo) * (1 + LINE_WIDENS):
        return pi
    spread = _spread_words(share)
    note = (
        f"the interval also holds {value:.4g}, a power law along the runs' one line of tokens per parameter "
        f"(E + K·N^−γ: E {line.E:.3g}, γ {line.gamma:.3g}), with {spread}: on one line the law's bend is not "
        "pinned down"
    )
    outside = not pi.lo <= value <= pi.hi
    pi = dc_replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))
    if not outside:
        return pi
    return not_calibrated(
        pi,
        "the power law along the line parts from the law here",
        poor=False,
    )


def line_value(
    line: LineLaw, fit: LawFit, estimate: float, N: float, D: float, weight: float
) -> float | None:
    """The value the line law gives at (N, D) with ``weight`` (``LineLaw.weight``): on the line its own; off it, the
    law's ``estimate`` moved by ``weight`` of the line law's ratio to the law at the nearest point on the line
    (``LineLaw.on_line``), so that the value keeps the law's change with D (blending the two values at the
    target made a larger D predict a higher loss where the law lay above the line law: probe p81, +3.9 % at twice
    the line's D/N). None where the line law says nothing there."""
    if weight <= 0 or not estimate > 0:
        return None
    at_line = float(fit.predict(N, line.on_line(N, D)))
    here, along = float(fit.predict(N, D)), float(line.predict(N))
    if not all(math.isfinite(v) and v > 0 for v in (at_line, here, along)):
        return None
    # log value = (1 − w)·log estimate + w·(log line + log law(N, D) − log law(N, D on the line)); on the line: line
    return float(estimate ** (1.0 - weight) * (along * here / at_line) ** weight)


def _on_the_line(
    pi: PredictiveInterval, value: float, chosen: LineChoice, why: str, weight: float, reach: float
) -> PredictiveInterval:
    """``pi`` with the line law's ``value`` as its estimate, where it gives the estimate (``LawBook.line_estimate``,
    ``why``: its backtests missed by less than the law's, or the law has too few runs for its parameters; probe
    p79: on one-line sweeps the line law was nearer the truth than the law in 54 of 61 rows, the law's estimate
    7-14 % low from 1.8B on where the truth was a power law on the line).

    Backtested, the interval about ``value`` takes the law's relative spread scaled by the line law's backtest
    errors over the law's (``LineBacktest.spread``, at least half of it), and at least the line law's worst backtest
    error per unit of reach in N times the target's ``reach`` (``LineBacktest.half_width``): held around both values,
    the interval was 10× the median error on probes p79 and p81's on-line targets, 1,015 of 1,023 truths inside;
    the scaled spread alone, 6.3× and 988 (a table of the DataDecide shape 17 of 23); both, 7.3× and 1,003 (20 of
    23).
    Off the line (``weight`` < 1) it widens as the line law's say fades, back to the law's own interval holding its
    estimate. Not backtested, the interval holds the law's interval and ``value`` with the law's spread."""
    est, line, test = pi.estimate, chosen.law, chosen.backtest
    words = (
        "the estimate is a power law along the runs' one line of tokens per parameter "
        f"(E + K·N^−γ: E {line.E:.3g}, γ {line.gamma:.3g}): {why}"
    )
    if test is not None and pi.lo > 0 and pi.hi > 0:
        power = 1.0 - weight * (1.0 - test.spread)
        own = math.exp(weight * test.half_width(reach))
        lo = min(value * (pi.lo / est) ** power, value / own)
        hi = max(value * (pi.hi / est) ** power, value * own)
        if weight < 1.0:  # the law's estimate is held back in as the line law's say fades (continuous at 1)
            lo, hi = holding(lo, hi, value, value * (est / value) ** (1.0 - weight), 1.0 - weight)
        note = (
            f"{words}; its interval takes {power:.0%} of the law's spread, as their backtest errors compare, and at "
            f"least its own worst backtest error for the reach (the law gives {est:.4g})"
        )
    else:
        lo, hi = holding(pi.lo, pi.hi, est, value)
        note = f"{words}; the interval also holds the law's {est:.4g}"
    # raw stays the law's own value (JSON loss_law, evaluate's independent), the method says whose the estimate is
    return dc_replace(
        pi, estimate=value, lo=lo, hi=hi, method=f"{pi.method}{LINE_METHOD}", notes=(*pi.notes, note)
    )


def _spread_words(share: float) -> str:
    """How much of an interval's spread a held value was given (``held_ends``), in a note's words."""
    return "the same spread" if share >= 1.0 else f"{share:.0%} of the same spread (it nears the edge)"


def _group_rival(book: LawBook, fit: LawFit) -> LawFit | None:
    """``LawBook.rival`` where it is the group's rival form: a dataset whose law the group's choice switched to
    another form has a rival of its own, which the group's error models never scored (p69: a dataset switched to
    Eq. 1 in an Eq. 3 group whose runs leave E unpinned held Eq. 3's prediction with Eq. 2's error model, ±9 % for
    ±2.5 %, said to be about E)."""
    rival = book.rival(fit.dataset, fit.eval)
    if rival is None:
        return None
    choice = book.calibration(book.group_of(fit.dataset, fit.eval)).choice
    return rival if choice is not None and rival.form == choice.rival else None


def form_doubt_note(
    form: str,
    what: str,
    where: str,
    relation: str = "outside",
    why: str = "whose backtests were as good or better",
) -> str:
    """The words of a form-doubt warning (``beyond_evidence`` reads them as one); ``why`` the other form counts."""
    label = FORM_LABELS.get(form, form)
    return (
        f"{FORM_DOUBT}: {label} ({form}), {why}, {what}, {relation} {where} "
        f"(--form {form} gives its interval)"
    )


# ---------------------------------------------------------------------------------------------------------------
# Direct predictions
# ---------------------------------------------------------------------------------------------------------------


def ratios_dict(ratios: tuple[float, float, float] | None) -> dict[str, float | None]:
    """C, N and D over the largest fitted (``LawPrediction.ratios``) as a row's fields, None without them: every
    prediction's row says how far it extrapolates under the same names (an accuracy's too)."""
    c, n, d = ratios if ratios is not None else (None, None, None)
    return {"C_ratio": c, "N_ratio": n, "D_ratio": d}


def _interval_dict(pi: PredictiveInterval, prefix: str = "loss") -> dict[str, Any]:
    return {
        prefix: pi.estimate,
        f"{prefix}_law": pi.raw,
        f"{prefix}_lo": pi.lo,
        f"{prefix}_hi": pi.hi,
        "level": pi.level,
        "interval_method": pi.method,
        "lower_bound_only": pi.lower_bound_only,
        # backtests vouch for the interval only where it lies inside their evidence: never both (p62 printed rows
        # calibrated beside a warning that the form was uncertain there)
        "calibrated": not beyond_evidence(pi),
        "beyond_evidence": beyond_evidence(pi),
        "sd_param": pi.sd_param,
        # the log shift onto the law's own largest runs (a poor law that misses them), 0 where none
        "anchor": pi.anchor,
    }


def off_the_law(law: float, loss: float, anchor: float) -> tuple[str, ...]:
    """How a predicted loss was moved off its law's value ``law``, in words: by its backtests' bias, onto the law's
    own largest runs (``anchor``: the log shift of a poor law that misses them), both, or neither (empty). The words
    every command that chains or ranks ``predict``'s loss says it with (the accuracy chain's steps, ``rank``'s
    rows), so that one answer says one thing about its correction (issue 17)."""
    anchored = law * math.exp(anchor)
    return (
        *(["corrected by its backtests"] if abs(anchored - loss) > 1e-12 * abs(loss) else []),
        *([f"moved onto its own largest runs (× {math.exp(anchor):.3f})"] if anchor != 0.0 else []),
    )


def moved_off_the_law(law: float, loss: float, anchor: float) -> str:
    """``off_the_law``'s words after the law's own value, " (law 2.2219, corrected by its backtests)"; "" where the
    loss is the law's."""
    how = off_the_law(law, loss, anchor)
    return f" (law {law:.4f}, {' and '.join(how)})" if how else ""


@dataclass(frozen=True)
class LawPrediction:
    """The fitted law's loss at one (N, D) with its predictive interval (``interval``: the bias-corrected
    estimate, lo, hi, and the law's own value ``raw``), and how far it lies beyond the fitted runs (``ratios``:
    C, N and D over the largest fitted, above 1 = extrapolated). ``flag`` says why the law is poor (its own
    largest runs or its backtests miss by far), None when it is not."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    interval: PredictiveInterval
    ratios: tuple[float, float, float]
    fit: LawFit
    flag: str | None = None
    #: how D repeats the dataset's unique tokens (None: it does not, or they are unknown)
    repetition: Repetition | None = None

    @property
    def corrected(self) -> bool:
        """Whether the estimate was moved off the law by its backtests' bias (not where the line law gives it)."""
        pi = self.interval
        return LINE_METHOD not in pi.method and abs(
            pi.estimate * math.exp(-pi.anchor) - pi.raw
        ) > 1e-12 * abs(pi.raw)

    @property
    def loss(self) -> float:
        """The bias-corrected estimate."""
        return self.interval.estimate

    @property
    def law_loss(self) -> float:
        """The law's own, uncorrected value."""
        return self.interval.raw

    def to_dict(self) -> dict[str, Any]:
        d = _prediction_row(
            self.dataset, self.eval, self.fit.form, self.N, self.D, self.C, self.interval, self.ratios
        )
        d["corrected"] = self.corrected
        d["status"] = "poor" if self.flag else "ok"
        said = any(
            n.startswith("not calibrated") for n in self.interval.notes
        )  # the flag, in the interval's words
        d["notes"] = [*self.interval.notes, *([self.flag] if self.flag and not said else [])]
        d["warnings"] = _warnings(self.fit.warnings, d)
        if self.repetition is not None:  # (only where the table gives unique tokens)
            d["repetition"] = self.repetition.to_dict()
        return d


def _prediction_row(
    dataset: str,
    eval_name: str,
    form: str,
    N: float,
    D: float,
    C: float,
    interval: PredictiveInterval,
    ratios: tuple[float, float, float],
) -> dict[str, Any]:
    """The head of a loss prediction's row, the same for a law in N and D and a fixed-D sweep's law in N: what was
    predicted where, its interval, and how far beyond the fitted runs."""
    d: dict[str, Any] = {"dataset": dataset, "eval": eval_name, "form": form, "N": N, "D": D, "C": C}
    d.update(_interval_dict(interval))
    d.update(ratios_dict(ratios))
    return d


def _warnings(law_warnings: Sequence[str], row: Mapping[str, Any]) -> list[str]:
    """A row's warnings: its law's, and its notes when the table prints them as a warning (the prediction lies
    beyond the backtests' evidence or its interval is a lower bound): a script reading ``warnings`` sees what
    the terminal's ``warning:`` lines say."""
    warn = bool(row.get("beyond_evidence") or row.get("lower_bound_only"))
    return [*law_warnings, *(row.get("notes", []) if warn else [])]


#: An interval of a fixed-D sweep's law, calibrated by its (group's) backtests (``fixed_interval``).
FIXED_METHOD = "backtest-line"


@dataclass(frozen=True)
class LinePrediction:
    """The loss of a fixed-D sweep's law (``LawBook.fixed_line``: L = E_D + K·N^(−γ) at its one D) at (N, D), D on
    that token count, with its interval (``fixed_interval``), in the row ``LawPrediction`` gives (form ``line``)."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    interval: PredictiveInterval
    ratios: tuple[float, float, float]
    line: FixedLine

    @property
    def loss(self) -> float:
        return self.interval.estimate

    @property
    def flag(self) -> str | None:
        """Never flagged poor (as ``LawPrediction.flag``): where its backtests do not vouch for it the interval is a
        lower bound saying why (``fixed_interval``)."""
        return None

    def to_dict(self) -> dict[str, Any]:
        d = _prediction_row(
            self.dataset, self.eval, FIXED_FORM, self.N, self.D, self.C, self.interval, self.ratios
        )
        d["corrected"] = False
        d["status"] = "ok"
        d["notes"] = list(self.interval.notes)
        d["warnings"] = _warnings([fixed_note(self.line)], d)
        return d


def fixed_interval(line: FixedLine, N: float, C: float, sweep: Sweep, level: float) -> PredictiveInterval:
    """The interval of a fixed-D sweep's law at size ``N`` (``FixedLine.interval``): calibrated where its
    backtests reach, else a lower bound saying why; the target's D lies on its token count (``FixedLine.at``)."""
    est, lo, hi, why = line.interval(N, level)
    test = line.backtest
    how = (
        f"the law in N at D = {fmt_si(line.D)}; its interval: the worst backtest error per unit of reach in N "
        f"({line.scale:.3g} per e-fold{', over its group' if line.group_scale > (test.scale if test else 0) else ''}"
        f") times the target's, at least the law refitted without each size"
    )
    pi = PredictiveInterval(
        estimate=est,
        lo=lo,
        hi=hi,
        level=level,
        distance=max(0.0, math.log(C / sweep.max_C)),
        method=FIXED_METHOD,
        lower_bound_only=False,
        raw=est,
        notes=(how,),
    )
    return pi if why is None else not_calibrated(pi, why, poor=False)


def fixed_point(
    book: LawBook, dataset: str, eval_name: str, N: float, D: float, level: float
) -> LinePrediction:
    """The one prediction of a fixed-D sweep's law (``LawBook.fixed_line``) at (N, D), as ``predict`` and the accuracy
    chain make it; raises ``off_fixed_d``'s refusal where D is off its token count, and FitError where (dataset,
    eval) has no such law."""
    line = book.fixed_line(dataset, eval_name) if book.sweeps.has(dataset, eval_name) else None
    if line is None:
        raise FitError(f"{dataset}/{eval_name}: no law in N at one D")
    if not line.at(D):
        raise off_fixed_d(dataset, eval_name, line, D, log=book.final_of_a_log)
    sweep = book.sweeps.get(dataset, eval_name)
    c = book.flops_per_param_token * N * D
    pi = fixed_interval(line, N, c, sweep, level)
    return LinePrediction(dataset, eval_name, N, D, c, pi, range_ratios(N, D, c, sweep), line)


def other_d_fix(*, log: bool = False) -> str:
    """How a fixed-D sweep gets a law at other token counts; ``log``: the runs are a per-step log read at its
    final checkpoints, whose other checkpoints are the fix (``FINAL_OF_A_LOG_FIX``)."""
    return FINAL_OF_A_LOG_FIX if log else "add runs at other token counts"


def off_fixed_d(dataset: str, eval_name: str, line: FixedLine, D: float, *, log: bool = False) -> FitError:
    """The refusal of a fixed-D sweep's law at a D off its token count (``other_d_fix``: the way to another D)."""
    return FitError(
        f"{dataset}/{eval_name}: every run lies at D = {fmt_si(line.D)}, so its law is in N at that D alone "
        f"(E_D + K·N^−γ) and says nothing at D = {fmt_si(D)}",
        hint=f"predict at --D {fmt_si(line.D)}, or {other_d_fix(log=log)}",
    )


def size_grid(
    N: Sequence[float], D: Sequence[float] | None, C: Sequence[float] | None, k: float = 6.0
) -> tuple[Array, Array]:
    """(N, D) arrays of equal length from model sizes and either token counts or budgets (D = C/(k·N)); a single
    value on one side is repeated to match the other. A number alone is one value; text is no number, and no
    list may be empty, nor any value above 1e30 (UsageError, as on the command line: ``as_numbers``)."""
    n = as_numbers(N, "N")
    if (D is None) == (C is None):
        raise UsageError("give exactly one of D (tokens) and C (compute) with N", param="D")
    if D is not None:
        d = as_numbers(D, "D")
    else:
        assert C is not None
        c = as_numbers(C, "C")
        d = c / (k * n) if len(c) == len(n) or len(c) == 1 else np.array([])
    if len(d) == 1 and len(n) > 1:
        d = np.repeat(d, len(n))
    if len(n) == 1 and len(d) > 1:
        n = np.repeat(n, len(d))
    if len(n) != len(d):
        raise UsageError(
            f"N has {len(n)} values but D (or C) has {len(d)}; give one or the same number", param="N"
        )
    for name, arr in (("N", n), ("D", d)):
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise UsageError(f"{name} must be positive numbers", param=name)
    return n, d


def _named(
    datasets: Sequence[str] | None, evals: Sequence[str] | None
) -> tuple[list[str] | None, list[str] | None]:
    """The ``datasets`` and ``evals`` arguments as lists of names (None: the default), refused when a name is not
    text or a list is empty (``datasets=[]`` predicted every dataset, ``evals=[]`` the own loss)."""
    return (
        as_names(datasets, "dataset", "datasets", empty_ok=False),
        as_names(evals, "eval", "evals", empty_ok=False),
    )


def _laws(
    runs: Runs,
    book: LawBook,
    datasets: Sequence[str] | None,
    evals: Sequence[str] | None,
    bootstrap: int,
    seed: int,
    fixed: list[tuple[str, str]] | None = None,
) -> tuple[list[LawFit], list[str]]:
    """The fitted laws of the named datasets and evals (each with ``bootstrap`` draws), in order, and the ones
    that cannot be fitted ("dataset/eval: why"): with several asked for, one law that cannot be fitted does not
    stop the others; with one, or none fitted, its FitError is raised. ``fixed``, where given, receives the keys
    that no law fits but a fixed-D sweep's law in N does (``LawBook.fixed_line``)."""
    chosen = runs.resolve_datasets(datasets)
    named = [evals] if isinstance(evals, str) else list(evals or [])
    lacking = runs.lacking_own(chosen) if named in ([], [OWN]) else {}
    keys = runs.eval_keys([d for d in chosen if d not in lacking], evals, frame=book.frame)
    fits: list[LawFit] = []
    # a dataset none of the named evals was measured on is said, not dropped (-d all --eval task0 left out books)
    skipped: list[str] = [
        f"not predicted: {ds}: none of the evals {', '.join(named)} was measured on its models"
        for ds in chosen
        if named and ds not in lacking and not any(k[0] == ds for k in keys)
    ]
    skipped += [f"not predicted: {ds}: {why}" for ds, why in lacking.items()]
    first: FitError | None = None
    for ds, ev in keys:
        try:
            fits.append(with_bootstrap(book, book.get(ds, ev), bootstrap, seed))
        except FitError as exc:
            if fixed is not None and book.fixed_line(ds, ev) is not None:
                fixed.append((ds, ev))
                continue
            if len(keys) == 1:
                raise
            first = first or exc
            said = exc.message if exc.message.startswith(f"{ds}/{ev}") else f"{ds}/{ev}: {exc.message}"
            skipped.append(f"not predicted: {said}")
    if first is not None and not fits and not fixed:
        raise first
    return fits, skipped


def predict_point(
    book: LawBook,
    dataset: str,
    eval_name: str,
    N: float,
    D: float,
    *,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> LawPrediction:
    """The one prediction of (dataset, eval) at (N, D) from ``book``'s laws, as every command makes it (predict,
    the accuracy chain, rank, evaluate): the law of the book's form (or the group's auto choice), corrected by its
    group's backtests where that helped, with its calibrated interval. Raises FitError when the law cannot be
    fitted."""
    fit = book.get(dataset, eval_name)
    sweep = book.sweeps.get(dataset, eval_name)
    c = book.flops_per_param_token * N * D
    pi, fit_used = law_interval(book, fit, sweep, (N, D, c), level, seed)
    flag = book.flag(dataset, eval_name)
    rep = repetition_of(book, dataset, eval_name, D)
    return LawPrediction(dataset, eval_name, N, D, c, pi, range_ratios(N, D, c, sweep), fit_used, flag, rep)


def loss_point(
    book: LawBook,
    dataset: str,
    eval_name: str,
    N: float,
    D: float,
    *,
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
) -> LawPrediction | LinePrediction:
    """The loss of (dataset, eval) at (N, D) as ``predict`` gives it, for the commands that chain it (the accuracy
    chain, ``evaluate --accuracy``): its law in N and D (``predict_point``), or, where none can be fitted and every
    run lies at one token count, its law in N at that D (``fixed_point``; at any other D its refusal is raised).
    Raises FitError or SelectionError where neither law answers."""
    try:
        return predict_point(book, dataset, eval_name, N, D, level=level, seed=seed)
    except (FitError, SelectionError):
        if not (book.sweeps.has(dataset, eval_name) and book.fixed_line(dataset, eval_name) is not None):
            raise
    return fixed_point(book, dataset, eval_name, N, D, level)


def predict(
    runs: Runs,
    *,
    N: Sequence[float],
    D: Sequence[float] | None = None,
    C: Sequence[float] | None = None,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> Results[LawPrediction | LinePrediction]:
    """Each named law's loss at each (N, D) (D = C/(k·N) when only C is given), with its predictive interval at
    ``level`` (see the module docstring). ``bootstrap`` draws are made for the reported parameter spread
    (``sd_param``); where no backtest applies, ``DEFAULT_DRAWS`` are made anyway.

    ``datasets`` and ``evals`` name laws as everywhere (``all``; evals default to each dataset's own; None, not
    an empty list, for the default)."""
    runs = check_runs(runs)
    check_level(level)
    datasets, evals = _named(datasets, evals)
    k = runs.flops_per_param_token
    n_arr, d_arr = size_grid(N, D, C, k)
    book = law_book(runs, options, split, cache, calibrations)
    fixed: list[tuple[str, str]] = []
    laws, skipped = _laws(runs, book, datasets, evals, bootstrap, seed, fixed)
    out: list[LawPrediction | LinePrediction] = []
    refused: FitError | None = None
    for fit in laws:
        sweep = book.sweeps.get(fit.dataset, fit.eval)
        flag = book.flag(fit.dataset, fit.eval)
        for n, d in zip(n_arr, d_arr, strict=True):
            c = k * float(n * d)
            try:
                pi, fit_used = law_interval(
                    book, fit, sweep, (float(n), float(d), c), level, seed, bootstrap or DEFAULT_DRAWS
                )
            except RefusedBeyondSweepError as exc:
                # refused beyond the sweep (``refuse_beyond``): said, the others predicted
                refused = refused or exc
                skipped.append(f"not predicted: {exc.message}")
                continue
            out.append(
                LawPrediction(
                    fit.dataset,
                    fit.eval,
                    float(n),
                    float(d),
                    c,
                    pi,
                    range_ratios(float(n), float(d), c, sweep),
                    fit_used,
                    flag,
                    repetition_of(book, fit.dataset, fit.eval, float(d)),
                )
            )
    for ds, ev in fixed:  # (in N at one D: ``LawBook.fixed_line``)
        for n, d in zip(n_arr.tolist(), d_arr.tolist(), strict=True):
            try:
                out.append(fixed_point(book, ds, ev, n, d, level))
            except FitError as off:  # (another D)
                refused = refused or off
                skipped.append(f"not predicted: {off.message}")
    if refused is not None and not out:
        raise refused
    return Results(out, skipped)


# ---------------------------------------------------------------------------------------------------------------
# Compute-optimal allocation
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Allocation:
    """The compute-optimal N*, D* (C = k·N·D) at one budget with their intervals (``optimum``: percentile
    intervals over the law's bootstrap draws, parameter uncertainty only, a lower bound), and the loss there with
    its predictive interval (``interval``)."""

    dataset: str
    eval: str
    C: float
    optimum: OptimalInterval
    interval: PredictiveInterval
    C_ratio: float
    fit: LawFit
    k: float = 6.0
    #: how D* repeats the dataset's unique tokens (None: it does not, or they are unknown)
    repetition: Repetition | None = None
    #: what is said of N* and D* alone (another form as good puts N* elsewhere): warnings, but not the loss
    #: interval's notes, so the loss at (N*, D*) is flagged as ``predict`` flags it there (one answer per question)
    optimum_notes: tuple[str, ...] = ()

    @property
    def N_opt(self) -> float:
        return self.optimum.N_opt

    @property
    def D_opt(self) -> float:
        return self.optimum.D_opt

    @property
    def loss(self) -> float:
        return self.interval.estimate

    def to_dict(self) -> dict[str, Any]:
        o = self.optimum
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "flops_per_param_token": self.k,
            "form": self.fit.form,
            "C": self.C,
            "N_opt": o.N_opt,
            "N_opt_lo": o.N_interval[0],
            "N_opt_hi": o.N_interval[1],
            "D_opt": o.D_opt,
            "D_opt_lo": o.D_interval[0],
            "D_opt_hi": o.D_interval[1],
            "tokens_per_param": o.D_opt / o.N_opt,
            "optimum_draws": o.draws,
            # N*'s and D*'s intervals are the draws' spread alone (no backtest scores an optimum never measured):
            # said in the JSON as the table's footnote says it (probe p78)
            "optimum_lower_bound_only": o.lower_bound_only,
            "a": self.fit.law.a_opt,
        }
        d.update(_interval_dict(self.interval))
        d["C_ratio"] = self.C_ratio
        d["notes"] = list(self.interval.notes)
        warnings = _warnings(self.fit.warnings, d)
        d["notes"] += list(self.optimum_notes)
        d["optimum_notes"] = list(self.optimum_notes)
        d["warnings"] = [*warnings, *(n for n in self.optimum_notes if n not in warnings)]
        if self.repetition is not None:  # (only where the table gives unique tokens)
            d["repetition"] = self.repetition.to_dict()
            d["D_opt_beyond_unique_tokens"] = self.repetition.beyond or self.repetition.passes > 1.0
        return d


def optimal(
    runs: Runs,
    *,
    C: Sequence[float],
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = DEFAULT_LEVEL,
) -> Results[Allocation]:
    """Compute-optimal N*, D* (C = k·N·D with the table's k) and the loss there, per law and budget, in closed
    form. N* and D* get percentile intervals over ``bootstrap`` draws (``DEFAULT_DRAWS`` when 0): parameter
    uncertainty only, since no backtest can score an optimum that is never measured. The loss at N* gets the
    calibrated predictive interval of ``predict``."""
    runs = check_runs(runs)
    check_level(level)
    datasets, evals = _named(datasets, evals)
    c_arr = as_numbers(C, "C")
    k = runs.flops_per_param_token
    book = law_book(runs, options, split, cache, calibrations)
    laws, skipped = _laws(runs, book, datasets, evals, bootstrap, seed)
    out: list[Allocation] = []
    for fit in laws:
        sweep = book.sweeps.get(fit.dataset, fit.eval)
        # (one line of D/N; a log kept whole whose runs all end at one D; the search box's edge)
        one_line = allocation_unidentified(sweep.N, sweep.D) or runs.one_end_note(fit.dataset, fit.eval)
        if one_line is None:
            one_line = allocation_on_bounds(fit.at_bounds)
        if (
            one_line is not None
        ):  # N* would be the search box's doing, not the runs' (nothing made: raised below)
            skipped.append(f"not predicted: {fit.dataset}/{fit.eval}: no compute-optimal model: {one_line}")
            continue
        drawn = _with_draws(book, fit, seed, bootstrap or DEFAULT_DRAWS)
        for c in c_arr:
            opt = optimal_interval(drawn, float(c), level, k)
            off = optimum_off_sweep(opt.N_opt, opt.D_opt, sweep.N, sweep.D)
            if off is not None:
                where = f"{fit.dataset}/{fit.eval} at C = {fmt_sci(float(c))}"
                # another form may split the budget inside the sweep (probe p71: Eq. 1 chosen for a ladder's own
                # loss put it at 0.114 tokens per parameter; --form l2l answered, N* 29B for a truth of 15.2B)
                in_l2l = (
                    ""
                    if fit.form == "l2l"
                    else f" (the law is {FORM_LABELS[fit.form]}; --form l2l may answer)"
                )
                skipped.append(f"not predicted: {where}: no compute-optimal model: {off}{in_l2l}")
                continue
            try:
                pi, _ = law_interval(
                    book,
                    drawn,
                    sweep,
                    (opt.N_opt, opt.D_opt, float(c)),
                    level,
                    seed,
                    bootstrap or DEFAULT_DRAWS,
                )
            except RefusedBeyondSweepError as exc:  # refused beyond the sweep (``refuse_beyond``)
                skipped.append(f"not predicted: {exc.message}")
                continue
            opt, optimum_notes = _holding_other_form(
                book, fit, opt, float(c), k, level, seed, bootstrap or DEFAULT_DRAWS
            )
            rep = repetition_of(book, fit.dataset, fit.eval, opt.D_opt)
            if rep is not None:  # D* beyond the data there is: said first, before the interval's own words
                pi = dc_replace(pi, notes=(rep.optimum_note(), *pi.notes))
            out.append(
                Allocation(
                    fit.dataset,
                    fit.eval,
                    float(c),
                    opt,
                    pi,
                    float(c) / sweep.max_C,
                    fit,
                    k,
                    rep,
                    optimum_notes=optimum_notes,
                )
            )
    if not out and skipped:
        raise FitError(skipped[0].removeprefix("not predicted: "))
    return Results(out, skipped, runs.budget_warnings(list(dict.fromkeys(a.dataset for a in out))))


def _holding_other_form(
    book: LawBook, fit: LawFit, opt: OptimalInterval, c: float, k: float, level: float, seed: int, draws: int
) -> tuple[OptimalInterval, tuple[str, ...]]:
    """``opt``, the optimum of ``fit`` at the budget ``c``, with its N* and D* intervals widened to hold the other
    form's N* interval where the sweep cannot choose between the forms (``LawBook.alternative``), and the note
    that says so (said of N* and D*, not of the loss there). Where the runs are a Kaplan-style pair of one-line
    sweeps (``cross_lines``) and the optimum lies on neither line, the split is the form's assumption: said, and the
    intervals hold the other five-parameter form's N* interval whatever the backtests said (probe h80, truth Eq. 1:
    Eq. 3's N* 1.37B [985M, 1.47B] at 1e21 FLOPs for a true 1.83B, stated as parameter uncertainty alone)."""
    n, d, _ = book.data(fit.dataset, fit.eval)
    cross = cross_lines(n, d)
    if cross is not None and not off_cross(cross, opt.N_opt, opt.D_opt):
        cross = None
    alt = book.alternative(fit.dataset, fit.eval)
    why = "whose backtests were as good or better"
    if alt is None and cross is not None:
        alt = book.other_five(fit.dataset, fit.eval, fit.form)
        why = "which no run off the two lines can tell from it"
    split = opt.D_opt / opt.N_opt
    lo_r, hi_r = float(np.min(d / n)), float(np.max(d / n))
    if alt is None and not lo_r / RATIO_SLACK <= split <= hi_r * RATIO_SLACK:
        # an optimum at a split of the budget no run tried is the form's assumption too (helper h95's WSD ladder,
        # 10-80 tokens per parameter: Eq. 1, chosen by backtests 0.23 % against Eq. 3's 0.69 %, put N* at 1e21 at
        # 12.6B [5.58B, 16.2B], 1.1 tokens per parameter, for a truth of 4.1B; Eq. 3 said 4.93B [3.47B, 7.03B])
        alt = book.other_five(fit.dataset, fit.eval, fit.form)
        why = (
            f"which no run near {split:.3g} tokens per parameter (the sweep's {lo_r:.3g}–{hi_r:.3g}) can tell "
            "from it"
        )
    said: tuple[str, ...] = ()
    if cross is not None:
        said = (
            f"N*, D*: the runs lie on two lines, N = {fmt_si(cross[0])} and D = {fmt_si(cross[1])}, and this optimum "
            "on neither: how the law splits a budget between N and D off them is its form's assumption, which no "
            "run checks (runs off both lines would)",
        )
    if alt is None:
        return opt, said
    # the sweep cannot choose between the forms, so it cannot choose between their optima either: the
    # intervals hold both forms' (a probe's Chinchilla-shaped table: Eq. 3's N* [1.19e11, 2.25e11]
    # excluded the truth 9.6e10, inside Eq. 1's [9.07e10, 1.24e11], as good a form there). Its interval,
    # not only its point: 41x beyond a crossing sweep Eq. 1's N* 7.23B sat inside Eq. 3's [5.99B,
    # 12.5B] and nothing was widened, while the truth 3.66B was inside Eq. 1's [3.09B, 17B] (probe h20)
    n_alt = float(alt.law.compute_optimal(c, k)[0])
    lo, hi = opt.N_interval
    other = optimal_interval(_with_draws(book, alt, seed, draws), c, level, k)
    o_lo, o_hi = other.N_interval
    if (
        math.isfinite(n_alt)
        and n_alt > 0
        and math.isfinite(o_lo)
        and math.isfinite(o_hi)
        and (o_lo < lo or o_hi > hi)
    ):
        n_lo, n_hi = min(lo, o_lo), max(hi, o_hi)
        where = f"the bootstrap's N* interval [{fmt_si(lo)}, {fmt_si(hi)}]"
        if lo <= n_alt <= hi:
            what = f"puts N* at {fmt_si(n_alt)} with an interval [{fmt_si(o_lo)}, {fmt_si(o_hi)}]"
            note = form_doubt_note(alt.form, what, where, "reaching beyond", why) + (
                "; the N* and D* intervals are widened to hold it"
            )
        else:
            note = form_doubt_note(alt.form, f"puts N* at {fmt_si(n_alt)}", where, why=why) + (
                "; the N* and D* intervals are widened to hold its N* interval "
                f"[{fmt_si(o_lo)}, {fmt_si(o_hi)}]"
            )
        # said of N* and D*, not of the loss there: ``predict`` at (N*, D*) gives the same interval
        # calibrated, and so must the loss's flags here (h24: calibrated false beside predict's true)
        budget = c / k
        return dc_replace(opt, N_interval=(n_lo, n_hi), D_interval=(budget / n_hi, budget / n_lo)), (
            *said,
            note,
        )
    return opt, said
