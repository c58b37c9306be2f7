"""Many laws out of one run table: the LawBook (laws of (dataset, eval) pairs fitted on demand, reusing a
FitCache; their calibrations, and with ``--form auto`` each group's form chosen by backtests), ``fit_laws``,
bootstrap draws kept with their fits, and every run's residual from its law."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from typing import TYPE_CHECKING, Any, Final

import numpy as np

from l2l.base.checks import as_names, check_choice, check_count
from l2l.base.errors import FitError, SelectionError, TooFewRunsError, UsageError
from l2l.base.progress import Progress
from l2l.base.runs import OWN, check_runs, rows_by_dataset_eval
from l2l.base.schema import RESAMPLES, FitForm, Resample
from l2l.base.text import fmt_si, plural
from l2l.core.backtest import BacktestOptions, chain_errors, planned_refits, refit_planned
from l2l.core.calibrate import (
    CHOSEN_FORM,
    Calibration,
    CalibrationCache,
    calibrate,
    calibrate_forms,
    calibration_key,
    with_line_tests,
)
from l2l.core.error_model import ErrorModel, fit_error_model
from l2l.core.fit import (
    PROFILE_E_GRID,
    EProfile,
    FitCache,
    FitOptions,
    LawFit,
    bootstrap_law,
    bootstrap_laws,
    data_key,
    distinct_models,
    far_runs,
    map_in_processes,
    profile_of,
    profile_over_e,
    relative_residual,
    run_fits,
)
from l2l.core.laws import FORMS, Array, ScalingLaw, check_form
from l2l.core.line_law import (
    COLLAPSED_EXPONENT,
    LINE_GAP,
    LINE_GAP_REACH,
    LINE_PARAMS,
    FixedLine,
    LineBacktest,
    LineChoice,
    LineLaw,
    collapsed_exponent,
    fit_fixed_line,
    fit_line_law,
    fixed_tokens,
)
from l2l.core.selection import (
    NESTED_FORM,
    NOT_TRIED_KAPLAN,
    RIVAL_FORM,
    SPARE_MODELS,
    FormChoice,
    e_unidentified,
    extrapolation_refusal,
    floorless,
    law_flag,
)
from l2l.core.sweep import Sweep, allocation_unidentified

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs

__all__ = [
    "OWN_GROUP",
    "FitOutcome",
    "LawBook",
    "Progress",
    "Residual",
    "Sweeps",
    "check_fit_form",
    "fit_laws",
    "form_choice_fields",
    "law_book",
    "law_status",
    "other_translation_book",
    "residuals",
    "translation_book",
    "with_bootstrap",
    "with_bootstraps",
]


#: The group of every dataset's own loss (``LawBook.group_of``); any other group is one eval's name.
OWN_GROUP = "own"


class Sweeps:
    """The runs of every (dataset, eval) of a run table as Sweeps: the table is split once, each Sweep built on
    first use and kept, so a caller that needs one per prediction (``evaluate``: hundreds) never rescans it."""

    def __init__(self, frame: pl.DataFrame) -> None:
        self._frame = frame
        self._rows: dict[tuple[str, str], np.ndarray] | None = None
        self._columns: dict[str, np.ndarray] = {}
        self._made: dict[tuple[str, str], Sweep] = {}

    def _index(self) -> dict[tuple[str, str], np.ndarray]:
        if self._rows is None:
            self._rows = rows_by_dataset_eval(self._frame)
            self._columns = {
                c: self._frame[c].to_numpy() for c in ("N", "D", "C", "loss") if c in self._frame
            }
        return self._rows

    def pairs(self) -> list[tuple[str, str]]:
        """Every (dataset, eval) with runs, in the table's order."""
        return list(self._index())

    def has(self, dataset: str, eval_name: str) -> bool:
        """Whether the table has runs of ``dataset`` on ``eval_name``."""
        return (dataset, eval_name) in self._index()

    def arrays(self, dataset: str, eval_name: str) -> tuple[Array, Array, Array]:
        """(N, D, loss) of the runs of ``dataset`` on ``eval_name`` as float arrays (empty without runs)."""
        rows = self._index().get((dataset, eval_name), np.zeros(0, dtype=np.int64))
        n, d, loss = (self._columns[c][rows].astype(np.float64) for c in ("N", "D", "loss"))
        return n, d, loss

    def get(self, dataset: str, eval_name: str) -> Sweep:
        """The runs a law of ``dataset`` on ``eval_name`` is fitted on (N, D, C, loss)."""
        key = (dataset, eval_name)
        if key not in self._made:
            rows = self._index().get(key)
            if rows is None or not len(rows):
                raise SelectionError(f"no runs of {dataset} with an {eval_name} loss to fit")
            c = self._columns.get("C")  # a frame without C (a library caller's) has C = 6·N·D
            cols = self._columns
            self._made[key] = Sweep.of(
                cols["N"][rows], cols["D"][rows], None if c is None else c[rows], cols["loss"][rows]
            )
        return self._made[key]


@dataclass
class LawBook:
    """The laws of (dataset, eval) pairs out of one run table, fitted on demand and remembered.

    ``frame`` is a canonical run table (columns dataset, N, D, eval, loss). ``saved`` maps ``data_key`` to fits
    made earlier (a ``FitCache``); a law whose data and options match one of them is not fitted again, and every
    new fit is added to it.

    Laws come in groups (``group_of``): every dataset's own loss (``own_eval``), and each other eval across the
    datasets that ran it. Each group is calibrated as one (``calibration``: backtests inside the sweep, the error
    models of its intervals; kept in ``calibrations``). With ``options.form == "auto"`` the calibration also
    chooses the group's form by the backtest errors of every form (``l2l.core.selection``), and ``get`` returns
    the fit of the chosen form.
    """

    frame: pl.DataFrame
    options: FitOptions = field(default_factory=FitOptions)
    saved: MutableMapping[str, LawFit] = field(default_factory=FitCache)
    own_eval: Mapping[str, str] = field(default_factory=dict)
    calibrations: CalibrationCache | None = None
    workers: int = 1
    #: k in C = k·N·D of the table (``Runs.flops_per_param_token``)
    flops_per_param_token: float = 6.0
    #: with a fixed form, dataset → its own form where it differs (``translation_book``: each dataset's own losses'
    #: choice)
    dataset_forms: Mapping[str, str] = field(default_factory=dict)
    #: dataset → the unique tokens its data holds (``Runs.unique_tokens``): a prediction at a D beyond them repeats
    #: the data (``l2l.core.repetition``)
    unique_tokens: Mapping[str, float] = field(default_factory=dict)
    #: the runs are a per-step log read at its final checkpoints, its D the tokens seen (``Runs.final_of_a_log``):
    #: a law short of token counts is told of the log's other checkpoints
    final_of_a_log: bool = False
    _cache: dict[tuple[str, str, str], LawFit | FitError] = field(
        default_factory=dict, init=False, repr=False
    )
    _keys: dict[tuple[str, str, str], str] = field(default_factory=dict, init=False, repr=False)
    _cals: dict[str, Calibration] = field(default_factory=dict, init=False, repr=False)
    #: what ``try_get`` answered, per (dataset, eval): evaluate asks tens of thousands of times
    _answered: dict[tuple[str, str], LawFit | FitError] = field(default_factory=dict, init=False, repr=False)
    _sweeps: Sweeps | None = field(default=None, init=False, repr=False)
    _lines: dict[tuple[str, str], LineLaw | None] = field(default_factory=dict, init=False, repr=False)
    _fixed: dict[tuple[str, str], FixedLine | None] = field(default_factory=dict, init=False, repr=False)
    #: ``flag``'s answer per (dataset, eval), with what it judged (a replaced fit is judged again): a ranking asks
    #: it of every law at every budget of its scan for a change of winner
    _flags: dict[tuple[str, str], tuple[LawFit, Sweep, ErrorModel | None, str | None]] = field(
        default_factory=dict, init=False, repr=False
    )
    #: ``train_test_model``'s answer per eval
    _steps: dict[str, dict[str, ErrorModel | None]] = field(default_factory=dict, init=False, repr=False)
    #: ``e_profile``'s answer per (dataset, eval, form), with the law it profiled (a replaced law is profiled again)
    _profiles: dict[tuple[str, str, str], tuple[ScalingLaw, EProfile]] = field(
        default_factory=dict, init=False, repr=False
    )
    reused: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)
    seconds: float = field(default=0.0, init=False)

    @property
    def sweeps(self) -> Sweeps:
        """The book's runs as Sweeps, per (dataset, eval)."""
        if self._sweeps is None:
            self._sweeps = Sweeps(self.frame)
        return self._sweeps

    def data(self, dataset: str, eval: str) -> tuple[Array, Array, Array]:
        """The (N, D, loss) arrays a law is fitted on (from the book's runs split once by (dataset, eval))."""
        return self.sweeps.arrays(dataset, eval)

    def concrete(self, form: str) -> FitOptions:
        """The book's options with a concrete ``form`` (the auto choice resolved)."""
        return self.options if self.options.form == form else dc_replace(self.options, form=check_form(form))

    def key(self, dataset: str, eval: str, form: str | None = None) -> str:
        f = self.form_for(dataset, eval) if form is None else form
        if (dataset, eval, f) not in self._keys:
            self._keys[(dataset, eval, f)] = data_key(
                self.concrete(f), dataset, eval, *self.data(dataset, eval)
            )
        return self._keys[(dataset, eval, f)]

    def e_profile(self, fit: LawFit, sweep: Sweep) -> EProfile:
        """``profile_over_e`` of ``fit`` on ``sweep`` (the runs it was fitted on), made once per law: a prediction
        asks it at every target."""
        key = (fit.dataset, fit.eval, fit.form)
        kept = self._profiles.get(key)
        if kept is None or kept[0] != fit.law:
            # kept in the workspace beside the fit (its data key and the grid's length): a warm command refits
            # nothing
            pkey = f"{self.key(*key)}|e-profile:{len(PROFILE_E_GRID)}"
            saved = self.saved.get(pkey)
            thetas = None if saved is None else EProfile.kept_thetas(saved, fit)
            if thetas is not None:
                profile = profile_of(fit, sweep.N, sweep.D, sweep.loss, thetas)
            else:
                profile = profile_over_e(fit, sweep.N, sweep.D, sweep.loss)
                self.saved[pkey] = profile.kept_with(fit)
            kept = (fit.law, profile)
            self._profiles[key] = kept
        return kept[1]

    # -- groups, calibrations and the form choice ------------------------------------------------------------
    def group_of(self, dataset: str, eval: str) -> str:
        """``OWN_GROUP`` for a dataset's own loss, else the eval's name."""
        return OWN_GROUP if self.own_eval.get(dataset) == eval else eval

    def members(self, group: str) -> list[tuple[str, str]]:
        """The (dataset, eval) laws of a group that have runs in the book."""
        if group == OWN_GROUP:
            return [(ds, ev) for ds, ev in self.own_eval.items() if self.sweeps.has(ds, ev)]
        return [(ds, ev) for ds, ev in self.sweeps.pairs() if ev == group and self.own_eval.get(ds) != ev]

    def form_for(self, dataset: str, eval: str) -> str:
        """The form of the law of (dataset, eval): the options' form, or the group's auto choice."""
        if self.options.form != "auto":
            return self.dataset_forms.get(dataset, self.options.form)
        return self.calibration(self.group_of(dataset, eval)).form_of(dataset)

    def choice_for(self, dataset: str, eval: str) -> FormChoice | None:
        """How the form of (dataset, eval) was chosen (None for a fixed form)."""
        if self.options.form != "auto":
            return None
        choice = self.calibration(self.group_of(dataset, eval)).choice
        return None if choice is None else choice.for_dataset(dataset)

    def alternative(self, dataset: str, eval: str) -> LawFit | None:
        """Under ``--form auto``, the fit of the other five-parameter form (Eq. 1 beside a chosen Eq. 3, or Eq. 3
        beside a chosen Eq. 1) when the group's backtests did not favour the chosen form (``FormChoice.alternative``:
        the other's error as low or lower). None otherwise."""
        choice = self.choice_for(dataset, eval) if self.sweeps.has(dataset, eval) else None
        return self._fit_of(dataset, eval, None if choice is None else choice.alternative)

    def rival(self, dataset: str, eval: str) -> LawFit | None:
        """Under ``--form auto``, the fit of the preferred form that the chosen one beat narrowly
        (``FormChoice.rival``), whose interval a prediction also holds. None otherwise."""
        choice = self.choice_for(dataset, eval) if self.sweeps.has(dataset, eval) else None
        return self._fit_of(dataset, eval, None if choice is None else choice.rival)

    def other_five(self, dataset: str, eval: str, form: str) -> LawFit | None:
        """The fit of the other five-parameter form beside ``form`` (Eq. 1 beside Eq. 3 and back, ``RIVAL_FORM``),
        whatever the backtests said of the two; None for Eq. 2 or where it does not fit."""
        return self._fit_of(dataset, eval, RIVAL_FORM.get(form))

    def nested(self, dataset: str, eval: str) -> LawFit | None:
        """Under ``--form auto``, the other reading of a floor the runs do not pin: where the group's runs cannot
        tell Eq. 3's E from 0 (``FormChoice.e_free``), the fit of the form nested with the chosen one (Eq. 2 beside
        Eq. 3, Eq. 3 beside Eq. 2); where the chosen law of another form ended with E → 0, Eq. 3's fit if it keeps
        an E (probe p73: Eq. 1 at E → 0 on a ladder's c4 loss, 10-15 % low at 7-13× the largest model, where Eq. 3
        held the truth). None otherwise."""
        choice = self.choice_for(dataset, eval) if self.sweeps.has(dataset, eval) else None
        if choice is None:
            return None
        form = choice.form_of(dataset)
        if choice.e_free and form == choice.form and form in NESTED_FORM:
            return self._fit_of(dataset, eval, NESTED_FORM[form])
        own = self._fit_of(dataset, eval, form)
        if form == "l2l" or own is None or not floorless(own):
            return None
        eq3 = self._fit_of(dataset, eval, "l2l")
        return eq3 if eq3 is not None and not floorless(eq3) else None

    def line_law(self, dataset: str, eval: str) -> LineLaw | None:
        """Where every run of (dataset, eval) sits at about one D/N (``allocation_unidentified``), the power law
        along that line (``l2l.core.line_law``: the three parameters such runs identify), else None."""
        if (dataset, eval) not in self._lines:
            law = None
            if self.sweeps.has(dataset, eval):
                n, d, y = self.data(dataset, eval)
                unidentified = allocation_unidentified(n, d) is not None
                law = fit_line_law(n, d, y, self.options.delta) if unidentified else None
            self._lines[(dataset, eval)] = law
        return self._lines[(dataset, eval)]

    def _fixed_own(self, dataset: str, eval: str) -> FixedLine | None:
        if (dataset, eval) not in self._fixed:
            fixed = None
            if self.sweeps.has(dataset, eval):
                fixed = fit_fixed_line(*self.data(dataset, eval), self.options.delta)
            self._fixed[(dataset, eval)] = fixed
        return self._fixed[(dataset, eval)]

    def fixed_line(self, dataset: str, eval: str) -> FixedLine | None:
        """Where every run of (dataset, eval) lies at one token count (``line_law.fixed_tokens``) and its sizes fit
        a line law, the law in N at that D (``FixedLine``: no five-parameter law can be fitted there), its interval
        scaled by the worst backtest error per unit of reach of its group's fixed-D laws (``FixedLine.pooled``:
        one dataset's two or three backtest predictions do not see a bend past its runs, and alone leave its interval
        a lower bound); else None."""
        own = self._fixed_own(dataset, eval)
        if own is None:
            return None
        scales = [
            f.backtest.scale
            for k in self.members(self.group_of(dataset, eval))
            if (f := self._fixed_own(*k)) is not None and f.backtest is not None and f.backtest.tells
        ]
        return own.pooled(max(scales, default=0.0), len(scales))

    def line_estimate(self, dataset: str, eval: str) -> LineChoice | None:
        """The line law (``line_law``) where it, not the law, gives (dataset, eval)'s estimate on its runs' line, and
        why: its backtests missed by less than the law's refitted from scratch on the same runs
        (``line_backtest``), or, with no backtests to tell (fewer than ``MIN_LINE_ERRORS`` predictions: probe p81's
        7-size ladder, one prediction, kept a law 2.3 % off where the line law was 1.4 %), the law has too few
        distinct models for its parameters (``SPARE_MODELS``: it passes through its runs whatever its shape) and
        the line law does not (probe p79's
        one-line ladders of 6 sizes: the law missed on-line targets by 2.6-2.8 % on average, up to 14 %, the line
        law by 1.1 %, up to 4.9 %); or its backtests lost, but the law bends away past its runs
        (``_collapsed_choice``). None: the law's estimate stands."""
        line = self.line_law(dataset, eval)
        if line is None:
            return None
        test = self.line_backtest(dataset, eval)
        if test is not None and test.tells:
            if not test.chosen:
                return self._collapsed_choice(dataset, eval, line, test)
            return LineChoice(
                line,
                f"its backtests missed by {test.line_error:.2%} where the law's, refitted from scratch below the "
                f"same cutoffs, missed by {test.law_error:.2%} ({test.n_errors} predictions)",
                test,
            )
        fit = self._fit_of(dataset, eval, self.form_for(dataset, eval))
        n, d, _ = self.data(dataset, eval)
        models = distinct_models(n, d)
        if fit is None or not LINE_PARAMS + SPARE_MODELS <= models < len(fit.law.theta) + SPARE_MODELS:
            return None
        return LineChoice(
            line,
            f"no backtest tells them apart, and its {LINE_PARAMS} parameters leave {models - LINE_PARAMS} of "
            f"{models} distinct runs spare, where the law's {len(fit.law.theta)} pass through them",
        )

    def _collapsed_choice(
        self, dataset: str, eval: str, line: LineLaw, test: LineBacktest
    ) -> LineChoice | None:
        """The line law where its backtests lost to the law's but the law bends away past its runs, which the
        backtests' short reach does not see: its own exponent has collapsed (``collapsed_exponent``), or along the
        line at ``LINE_GAP_REACH`` times the largest run's N it parts from the line law by more than ``LINE_GAP``
        times the larger of the two backtest errors. Else None (the law's estimate stands)."""
        fit = self._fit_of(dataset, eval, self.form_for(dataset, eval))
        if fit is None:
            return None
        errors = (
            f"its backtests, which missed by {test.law_error:.2%} where the line law's missed by "
            f"{test.line_error:.2%} ({test.n_errors} predictions), do not speak for it beyond them"
        )
        flat = collapsed_exponent(fit.law.alpha, fit.law.beta)
        if flat is not None:
            name, value = flat
            return LineChoice(
                line,
                f"the law's {name} has collapsed to {value:.2g} (below {COLLAPSED_EXPONENT}: flat past its "
                f"largest run), so {errors}",
                test,
            )
        n, _, _ = self.data(dataset, eval)
        far = LINE_GAP_REACH * float(np.max(n))
        law, along = float(fit.predict(far, line.ratio * far)), float(line.predict(far))
        if not (math.isfinite(law) and law > 0 and math.isfinite(along) and along > 0):
            return None
        gap = abs(math.log(law / along))
        if not gap > LINE_GAP * max(test.line_error, test.law_error):
            return None
        return LineChoice(
            line,
            f"at {LINE_GAP_REACH:g}× its largest run the law parts from it by {gap:.1%}, more than "
            f"{LINE_GAP:g}× either's backtest error, so {errors}",
            test,
        )

    def floor_of(self, fit: LawFit) -> float:
        """The irreducible loss a translation takes from ``fit`` (its E0 or E1): where the runs of (dataset, eval)
        all lie on one line of D/N, the line law's E (``line_law``: the three parameters such runs pin), whichever
        law gives the estimate there; else the law's own E. On one line a five-parameter law's E lies anywhere on
        its ridge (at 0 in six of twelve of probe p77's laws). Taken only where the line law gave the estimate,
        the DataDecide-shaped tables' translations of their held-out 1B runs (``evaluate --test paloma_c4_en``,
        seeds 0 and 1) erred 5.6 / 5.4 % and 3.6 / 2.0 % (train-to-train / train-to-test) once the laws there were
        Eq. 1's; with every one-line law's E, 1.7 / 1.5 % and 1.7 / 1.4 %."""
        line = self.line_law(fit.dataset, fit.eval)
        return fit.law.E if line is None else line.E

    def line_backtest(self, dataset: str, eval: str) -> LineBacktest | None:
        """Where the runs of (dataset, eval) all lie on one line of D/N, the line law's backtests beside its law's
        (``Calibration.line_tests``: both refitted from scratch at the dataset's own cutoffs, scored on the same
        runs); None otherwise, or where the law is not of its group's backtested form."""
        if self.line_law(dataset, eval) is None:
            return None
        return self.calibration(self.group_of(dataset, eval)).line_tests.get(dataset)

    def _fit_of(self, dataset: str, eval: str, form: str | None) -> LawFit | None:
        if form is None:
            return None
        fit = self._fit_concrete([(dataset, eval)], form)[0]
        return fit if isinstance(fit, LawFit) else None

    def calibration(self, group: str = OWN_GROUP) -> Calibration:
        """The calibration (backtests, error models, with auto the form choice) of a group of laws, from
        ``calibrations`` when the same data and options were calibrated before (else learned and added). The
        backtest refits start from each law's full fit (warm starts, ~20× faster than a full search);
        translations are backtested for the own group only, with the chosen form's laws."""
        if group in self._cals:
            return self._cals[group]
        spec = self._calibration_spec(group)
        return (
            spec if isinstance(spec, Calibration) else self._keep_calibration(group, spec, _calibrate(spec))
        )

    def calibrate_groups(
        self, groups: Sequence[str], workers: int = 1, progress: Progress | None = None
    ) -> None:
        """Learn the calibrations of ``groups`` not known yet, in ``workers`` processes when > 1 and two or more
        are left (each group's backtests are independent, and the same inputs give the same calibration).
        ``progress`` counts the groups in a stage of their own (a group's fits in a form not fitted yet, Eq. 2
        where it is tried, are part of its backtests)."""
        left = [g for g in dict.fromkeys(groups) if g not in self._cals]
        specs: list[tuple[str, _CalibrationSpec]] = []
        tick = _staged(progress, f"backtesting {plural(len(left), 'group')}", len(left))
        for g in left:
            spec = self._calibration_spec(g)
            if not isinstance(spec, Calibration):
                specs.append((g, spec))
        known = len(left) - len(specs)  # (calibrated before: in ``calibrations``)
        if tick is not None and known:
            tick(known, len(left))
        todo = [spec for _, spec in specs]
        results = (
            iter(_calibrate_all(todo))
            if workers <= 1 or len(specs) < 2
            else (
                cal
                for cals in map_in_processes(_calibrate_all, _chunks(todo, 2 * workers), workers)
                for cal in cals
            )
        )
        for i, ((g, spec), cal) in enumerate(zip(specs, results, strict=True), start=1):
            self._keep_calibration(g, spec, cal)
            if tick is not None:
                tick(known + i, len(left))

    def train_test_model(self, eval_name: str, combined: bool = False) -> ErrorModel | None:
        """The backtested error of a translation chain onto ``eval_name`` (another dataset's own loss translated
        onto the target's own loss, and on through the target's own → ``eval_name`` translation; ``combined``: the
        mean of several sources' translations carried on), or None where too few backtests apply. At every cutoff
        of the backtests the laws were refitted at (the own losses' and the eval's calibrations,
        ``Backtest.cutoff_E``: E's in the form the translations take them, ``translation_book``), both
        translations are refitted on the runs at or below it and each run above it is predicted from its sources'
        measured own losses (``chain_errors``); every target's errors onto the eval make one error model (group:
        the target; ``fit_error_model``). Not itself cached: the refitted E's are (in the calibrations), and the
        translations are quick."""
        if eval_name not in self._steps:
            self._steps[eval_name] = self._train_test_models(eval_name)
        return self._steps[eval_name]["mean" if combined else "single"]

    def _train_test_models(self, eval_name: str) -> dict[str, ErrorModel | None]:
        # every dataset with its own loss is a source; a target is one whose own eval is not ``eval_name``
        own = {ds: ev for ds, ev in self.own_eval.items() if self.sweeps.has(ds, ev)}
        auto = self.options.form == "auto"
        x_sweeps, y_sweeps, e_x, e_y, laws = {}, {}, {}, {}, {}
        for ds, ev in own.items():
            cal_x = self.calibration(self.group_of(ds, ev))
            form = cal_x.translation_form_of(ds) if auto else self.dataset_forms.get(ds, self.options.form)
            got = cal_x.backtest.cutoff_E.get(form, {}).get(ds)
            if not got:
                continue
            x_sweeps[ds], e_x[ds] = self.sweeps.get(ds, ev), got
            if ev == eval_name or not self.sweeps.has(ds, eval_name):
                continue
            cal_y = self.calibration(self.group_of(ds, eval_name))
            by_y = cal_y.backtest.cutoff_E
            got_y = by_y.get(form, by_y.get(cal_y.form_of(ds), {})).get(ds)
            if got_y:
                y_sweeps[ds], e_y[ds] = self.sweeps.get(ds, eval_name), got_y
                law = self.try_get(ds, eval_name)
                if isinstance(law, LawFit):
                    laws[ds] = law.law
        if not y_sweeps:
            return {"single": None, "mean": None}
        errors, _ = chain_errors(x_sweeps, y_sweeps, e_x, e_y, laws)
        out: dict[str, ErrorModel | None] = {}
        for kind, errs in errors.items():
            try:
                out[kind] = fit_error_model(errs, "train-test")
            except FitError:
                out[kind] = None
        return out

    def _calibration_spec(self, group: str) -> Calibration | _CalibrationSpec:
        """The cached calibration of ``group``, or what learning it takes (its key, sweeps and backtest options)."""
        members = self.members(group)
        opts = self.options
        table = self._backtest_table(members, "l2l" if opts.form == "auto" else opts.form)
        key = calibration_key(
            table,
            form=opts.form,
            objective=opts.objective,
            delta=opts.delta,
            warm=True,
            group=group == OWN_GROUP,
        )
        cached = None if self.calibrations is None else self.calibrations.get(key)
        if cached is not None:
            self._cals[group] = cached
            return cached
        forms: tuple[str, ...] = FORMS if opts.form == "auto" else (opts.form,)
        not_tried: dict[str, str] = {}
        without_e = self._without_e(members) if opts.form == "auto" else ()
        if opts.form == "auto" and not without_e:
            forms = tuple(f for f in forms if f != "kaplan")
            not_tried["kaplan"] = NOT_TRIED_KAPLAN
        how: dict[str, BacktestOptions] = {}
        for f in forms:
            fits = self._fit_concrete(members, f)
            warm = {
                ds: r.law.theta for (ds, _), r in zip(members, fits, strict=True) if isinstance(r, LawFit)
            }
            how[f] = BacktestOptions(
                form=f,
                objective=opts.objective,
                delta=opts.delta,
                warm_starts=warm,
                translations=group == OWN_GROUP,
            )
        return _CalibrationSpec(key, table, how, not_tried, opts.form, tuple(without_e))

    def _backtest_table(self, members: Sequence[tuple[str, str]], form: str) -> dict[str, Sweep]:
        """The runs each member's backtests refit and score: its sweep without the runs that lie far from its
        ``form`` law (diverged or mislabelled, by the rule of fit-law's "far from the law" warning). One diverged
        run per dataset, scored as an extrapolation error, widened every interval of a probe's table to ±15-50 %
        while the laws themselves stayed within 0.2 % of the truth (the Huber loss ignores such runs)."""
        table: dict[str, Sweep] = {}
        fixed: dict[str, Sweep] = {}
        for (ds, ev), fit in zip(members, self._fit_concrete(members, form), strict=True):
            sweep = self.sweeps.get(ds, ev)
            if not isinstance(fit, LawFit) and fixed_tokens(sweep.N, sweep.D) is not None:
                # a fixed-D sweep (no law in N and D: its law is in N at its D, backtested alone) refits nothing
                # here, but its budgets moved the cutoffs of every other law of the group: a grid's interval
                # beside two such sweeps went from ±2.8 % to ±1.9 % (h78). (A group of such sweeps alone keeps them.)
                fixed[ds] = sweep
                continue
            if isinstance(fit, LawFit):
                far = far_runs(fit, sweep.N, sweep.D, sweep.loss, predicted=sweep.predicted(fit.law))
                sweep = sweep.subset(~far) if far.any() else sweep
            table[ds] = sweep
        return table or fixed

    def _keep_calibration(self, group: str, spec: _CalibrationSpec, cal: Calibration) -> Calibration:
        self._cals[group] = cal
        if self.calibrations is not None:
            self.calibrations[spec.key] = cal
        return cal

    def _without_e(self, members: Sequence[tuple[str, str]]) -> list[str]:
        """The datasets of ``members`` whose runs do not pin Eq. 3's E away from 0 (``e_unidentified``: E at its
        lower bound, or Eq. 2, Eq. 3 at E = 0, fitting the runs as closely): where there are any, Eq. 2 is
        backtested, and only they may take it. Testing costs an Eq. 2 fit of every law of the group (the paper's
        table, 168 laws: ``evaluate`` 29.0 → 30.0 s CPU, ``fit-law --eval all`` 31.5 → 32.1 s)."""
        fits = self._fit_concrete(members, "l2l")
        eq2 = self._fit_concrete(members, "kaplan")
        return [
            ds
            for (ds, _), f, k in zip(members, fits, eq2, strict=True)
            if isinstance(f, LawFit) and e_unidentified(f, k)
        ]

    # -- fits ----------------------------------------------------------------------------------------------
    def get(self, dataset: str, eval: str) -> LawFit:
        """The law of ``eval`` for models trained on ``dataset``; raises FitError if it cannot be fitted."""
        out = self.try_get(dataset, eval)
        if isinstance(out, FitError):
            raise out
        return out

    def try_get(self, dataset: str, eval: str) -> LawFit | FitError:
        key = (dataset, eval)
        if key not in self._answered:
            res = self.fit_many([key])[0]
            line = self.fixed_line(dataset, eval) if isinstance(res, FitError) else None
            if isinstance(res, FitError) and line is not None:  # (said by every command that needs the law)
                res = FitError(
                    f"{dataset}/{eval}: every run lies at D = {fmt_si(line.D)}, so its law is in N at that D alone "
                    "(E_D + K·N^−γ: `fit-law`), with no D term: it gives losses at that D (`predict --D "
                    f"{fmt_si(line.D)}`), no compute-optimal model, no other D and no translation",
                    hint=FINAL_OF_A_LOG_FIX
                    if self.final_of_a_log
                    else "add runs at other token counts (3 sizes × 3 token counts) for a law in N and D",
                    param=res.param,
                )
            self._answered[key] = res
        return self._answered[key]

    def fit_many(
        self,
        keys: Iterable[tuple[str, str]],
        *,
        workers: int | None = None,
        progress: Progress | None = None,
    ) -> list[LawFit | FitError]:
        """Fit every key not yet known (in ``workers`` processes when > 1); returns results in key order. With
        auto, every form of every law of each group is fitted and backtested first (``calibration``)."""
        keys = list(dict.fromkeys(keys))
        n_workers = self.workers if workers is None else workers
        if self.options.form == "auto":
            todo = [k for k in keys if not any((*k, f) in self._cache for f in FORMS)]
            groups = list(dict.fromkeys(self.group_of(*k) for k in todo if self.sweeps.has(*k)))
            wanted = [m for g in groups for m in self.members(g)]
            # every form of every member at once (in parallel when asked), on one bar: the fits of both forms
            forms = ("l2l", "chinchilla")
            left = [self._recall(wanted, f) for f in forms]
            total, base = sum(map(len, left)), 0
            stage = f"fitting {plural(len(set().union(*left)), 'law')}, {len(forms)} forms each"
            for f, fresh in zip(forms, left, strict=True):
                self._fit_concrete(wanted, f, n_workers, _staged(progress, stage, total, base))
                base += len(fresh)
            self.calibrate_groups([g for g in groups if self.members(g)], n_workers, progress)
            return [
                self._fit_concrete([k], self.form_for(*k) if self.sweeps.has(*k) else "l2l")[0] for k in keys
            ]
        by_form: dict[str, list[tuple[str, str]]] = {}
        for k in keys:
            by_form.setdefault(self.form_for(*k), []).append(k)
        left = [self._recall(ks, f) for f, ks in by_form.items()]
        total, base = sum(map(len, left)), 0
        for (f, ks), fresh in zip(by_form.items(), left, strict=True):
            self._fit_concrete(
                ks, f, n_workers, _staged(progress, f"fitting {plural(total, 'law')}", total, base)
            )
            base += len(fresh)
        return [self._cache[(*k, self.form_for(*k))] for k in keys]

    def _recall(self, keys: Sequence[tuple[str, str]], form: str) -> list[tuple[str, str]]:
        """The fits of ``keys`` in ``form`` that ``saved`` holds, taken into memory; returns the keys left to fit."""
        todo = []
        for ds, ev in dict.fromkeys(keys):
            k = (ds, ev, form)
            if k in self._cache:
                continue
            saved = self.saved.get(self.key(ds, ev, form))
            if saved is not None:
                self._cache[k] = saved
                self.reused.add((ds, ev))
            else:
                todo.append((ds, ev))
        return todo

    def _fit_concrete(
        self,
        keys: Sequence[tuple[str, str]],
        form: str,
        workers: int = 1,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[LawFit | FitError]:
        """The fits of ``keys`` in one concrete ``form``, from memory, ``saved``, or fitted now."""
        todo = self._recall(keys, form)
        tasks = [(*self.data(ds, ev), self.concrete(form), ds, ev) for ds, ev in todo]
        t0 = time.perf_counter()
        for done, (key, res) in enumerate(zip(todo, run_fits(tasks, workers), strict=True), start=1):
            res = _with_fix(res, final_of_a_log=self.final_of_a_log)
            self._cache[(*key, form)] = res
            if isinstance(res, LawFit):
                self.saved[self.key(*key, form)] = res
            if progress is not None:
                progress(done, len(todo))
        self.seconds += time.perf_counter() - t0
        return [self._cache[(ds, ev, form)] for ds, ev in keys]

    def flag(self, dataset: str, eval: str) -> str | None:
        """Why the law of (dataset, eval) is poor (``l2l.core.selection.law_flag``), or None."""
        judged = self._judged(dataset, eval)
        if judged is None:
            return None
        kept = self._flags.get((dataset, eval))
        if kept is not None and all(a is b for a, b in zip(kept[:3], judged, strict=True)):
            return kept[3]
        why = law_flag(*judged)
        self._flags[(dataset, eval)] = (*judged, why)
        return why

    def refusal(self, dataset: str, eval: str) -> str | None:
        """Why the law of (dataset, eval) predicts nothing beyond its sweep's largest budget
        (``l2l.core.selection.extrapolation_refusal``: a poor law whose runs do not fall with tokens, or whose own
        backtests miss by far), or None. Only a poor law (``flag``) is ever refused."""
        judged = self._judged(dataset, eval)
        if judged is None or self.flag(dataset, eval) is None:
            return None
        fit, sweep, model = judged
        return extrapolation_refusal(sweep, model, dataset, fit)

    def _judged(self, dataset: str, eval: str) -> tuple[LawFit, Sweep, ErrorModel | None] | None:
        """What a law is judged on (``flag``, ``refusal``): its fit, its sweep and its dataset's backtest error
        model where the group's calibration is of the law's form (None otherwise); None without a fit or sweep."""
        fit = self.try_get(dataset, eval)
        if isinstance(fit, FitError) or not self.sweeps.has(dataset, eval):
            return None
        cal = self.calibration(self.group_of(dataset, eval))
        same = cal.form_of(dataset) == fit.form
        return fit, self.sweeps.get(dataset, eval), cal.direct_for(dataset) if same else None

    def replace(self, fit: LawFit) -> None:
        """Put an updated fit (e.g. with bootstrap draws) in place of the one for its (dataset, eval, form)."""
        key = (fit.dataset, fit.eval, fit.form)
        self._cache[key] = fit
        self._answered.pop((fit.dataset, fit.eval), None)
        self.saved[self.key(fit.dataset, fit.eval, fit.form)] = fit
        self.reused.discard((fit.dataset, fit.eval))

    def fits(self) -> dict[tuple[str, str], LawFit]:
        """The fit of every (dataset, eval) fitted so far, in its own form (the chosen one with auto)."""
        out: dict[tuple[str, str], LawFit] = {}
        for (ds, ev, f), v in self._cache.items():
            if isinstance(v, LawFit) and self.form_for(ds, ev) == f:
                out[(ds, ev)] = v
        return out

    def records(self) -> dict[str, dict[str, Any]]:
        """Every fit of this book as a saveable record, keyed by ``data_key``."""
        return {self.key(*k, fit.form): fit.to_record() for k, fit in self.fits().items()}


def _staged(
    progress: Progress | None, stage: str, total: int, base: int = 0
) -> Callable[[int, int], None] | None:
    """``progress`` told that ``stage`` starts (at ``base`` of ``total``), and a ``(done, total)`` callback of the
    part of it that starts at ``base`` (a form's fits within the stage's)."""
    if progress is None or total <= 0:
        return None
    if base == 0:
        progress(0, total, stage)

    def cb(done: int, _part: int) -> None:
        progress(base + done, total)

    return cb


#: What a table too small for laws is compared by instead (said wherever laws fail for too few runs).
MEASURED_LOSSES_INSTEAD = (
    "a table of datasets measured at a few sizes is compared by its measured losses, not by laws "
    "(l2l runs --evals lists them; l2l rank -t EVAL --N N --D D ranks them by those at a model every one ran)"
)
#: What a law short of runs needs, said where the fit says it is short.
FEW_RUNS_FIX = (
    "a law needs more distinct models (N, D) than it has parameters, at 3 model sizes and 3 token counts or more "
    "(or 6 sizes or more on one line of tokens per parameter, DataDecide's design); "
    + MEASURED_LOSSES_INSTEAD
)


@dataclass(frozen=True)
class _CalibrationSpec:
    """What learning one group's calibration takes: its cache key, its sweeps and each form's backtest options
    (picklable: ``calibrate_groups`` sends it to another process)."""

    key: str
    table: Mapping[str, Sweep]
    how: Mapping[str, BacktestOptions]
    not_tried: Mapping[str, str]
    form: str
    #: the members whose runs cannot tell Eq. 3's E from 0 (``e_unidentified``)
    without_e: tuple[str, ...] = ()


def _calibrate(spec: _CalibrationSpec) -> Calibration:
    """One group's calibration: every form backtested and the form chosen (auto), else the one form's."""
    if spec.form == "auto":
        cal = calibrate_forms(
            spec.table,
            dict(spec.how),
            translations=CHOSEN_FORM,
            not_tried=dict(spec.not_tried),
            without_e=spec.without_e,
        )
    else:
        cal = calibrate(spec.table, spec.how[spec.form])
    return with_line_tests(cal, spec.table, spec.how.get(cal.form))


def _calibrate_all(specs: Sequence[_CalibrationSpec]) -> list[Calibration]:
    """The calibrations of several groups, their backtests' batched refits made first and all at once
    (``refit_planned``: the refits of laws on the same runs, every eval of a dataset in one form, move as one
    stack, each law's bit for bit as alone)."""
    if len(specs) < 2:
        return [_calibrate(spec) for spec in specs]
    plans = [
        plan
        for spec in specs
        for form in (spec.how if spec.form == "auto" else (spec.form,))
        for plan in planned_refits(spec.table, spec.how[form])
    ]
    done = refit_planned(plans)
    return [
        _calibrate(
            dc_replace(spec, how={f: dc_replace(o, refitted=done) for f, o in spec.how.items()})
            if done
            else spec
        )
        for spec in specs
    ]


def _chunks(items: Sequence[_CalibrationSpec], k: int) -> list[list[_CalibrationSpec]]:
    """``items`` in at most ``k`` runs of consecutive items, of sizes as equal as can be."""
    k = max(1, min(k, len(items)))
    size, extra = divmod(len(items), k)
    out: list[list[_CalibrationSpec]] = []
    start = 0
    for i in range(k):
        stop = start + size + (i < extra)
        out.append(list(items[start:stop]))
        start = stop
    return out


#: The fix of a law short of token counts whose runs are a per-step log read at its final checkpoints.
FINAL_OF_A_LOG_FIX: Final = (
    "the runs are a per-step log read at its final checkpoints, its D the tokens seen: ingest it again with "
    "--checkpoints all to keep every checkpoint (its laws then predict checkpoints, not finished runs)"
)


def _with_fix(res: LawFit | FitError, *, final_of_a_log: bool = False) -> LawFit | FitError:
    """A fit that failed for too few runs, with the fix named (the fit says what is short, not what to do); short
    of token counts in a per-step log read at its final checkpoints, the log's other checkpoints (predict told a
    Pythia-shaped log "add runs at more token counts", which fit-law no longer did: probe h48)."""
    if isinstance(res, TooFewRunsError) and res.hint is None:
        return TooFewRunsError(res.message, hint=FEW_RUNS_FIX, param=res.param)
    if final_of_a_log and isinstance(res, FitError) and "distinct value of D" in res.message:
        return type(res)(res.message, hint=FINAL_OF_A_LOG_FIX, param=res.param)
    return res


def no_laws(outcome: FitOutcome, runs: Runs | None = None) -> FitError:
    """The refusal of a ``fit_laws`` call in which no law could be fitted: the first reason, and its fix (for a
    per-step log read at its final checkpoints whose runs share one token count, its other checkpoints: probe p77's
    Pythia-shaped log was told "add runs at more token counts", which the log already held)."""
    failed = [r for r in outcome.results if isinstance(r, FitError)]
    first = failed[0] if failed else FitError("no law to fit")
    hint = first.hint or "see each law's reason (--format json)"
    if runs is not None and runs.final_of_a_log and "distinct value of D" in first.message:
        hint = FINAL_OF_A_LOG_FIX
    return FitError(
        f"no law could be fitted ({len(failed)} of {len(outcome.results)} failed): {first.message}",
        hint=hint,
        param=first.param,
    )


def check_fit_form(form: str) -> FitForm:
    """``form`` as a fit asks for it: ``auto`` or one of the forms (ChoiceError otherwise)."""
    return "auto" if form == "auto" else check_form(form)


def translation_book(book: LawBook) -> LawBook:
    """The book of the laws a translation takes E0 and E1 from: ``book`` itself for a fixed form, else a book
    sharing its fits and calibrations with each dataset's form fixed to its own losses' choice (the form whose
    refits the translations were backtested with; Eq. 3 where the table has no own losses to choose by). A
    translation needs E only, whatever the form; only Eq. 3's translation is again a law (``translate``'s implied
    law), so with Eq. 1 there is none. Eq. 3's E, where its fit misses the runs (RMSE 2.8 % on a Pythia-shaped
    table of Eq. 1 laws), put a translation 1 % off at ±6 %; Eq. 1's, 0.7 % off at ±2.3 %."""
    if book.options.form != "auto":
        return book
    own = book.calibration(OWN_GROUP) if book.members(OWN_GROUP) else None
    return _book_in_form(book, "l2l" if own is None else own.form, own)


def _book_in_form(
    book: LawBook, form: str, own: Calibration | None, switched_from: str | None = None
) -> LawBook:
    """A book sharing ``book``'s fits and calibrations with its laws in ``form``, each dataset whose own losses'
    choice switched it from ``switched_from`` (default ``form``) keeping that choice (``translation_form_of``), and
    the own losses' calibration ``own`` (that of exactly the chosen laws: not learned again in one fixed form)."""
    base = form if switched_from is None else switched_from
    tbook = LawBook(
        book.frame,
        book.concrete(form),
        saved=book.saved,
        own_eval=book.own_eval,
        calibrations=book.calibrations,
        workers=book.workers,
        flops_per_param_token=book.flops_per_param_token,
        unique_tokens=book.unique_tokens,
        final_of_a_log=book.final_of_a_log,
        dataset_forms={}
        if own is None
        else {ds: f for ds in book.own_eval if (f := own.translation_form_of(ds)) != base},
    )
    if own is not None:
        tbook._cals[OWN_GROUP] = own
    return tbook


def other_translation_book(book: LawBook) -> tuple[LawBook, str] | None:
    """Under ``--form auto``, where the own losses' choice did not settle between the two five-parameter forms (the
    other's backtests as good or better, ``FormChoice.alternative``, or the chosen form won them narrowly,
    ``FormChoice.rival``): a book whose laws give a translation E0 and E1 in that other form (each dataset the
    choice switched keeps its own), and why; None otherwise. A translation's interval holds the translation made
    with these E's too (``l2l.workflows.evaluate``), as an own-loss interval holds the other form's prediction
    (``predict._form_doubt``): the translations' backtests refit the chosen form only, and where both forms fit
    the sweep they part beyond it by their E's (a law bending beyond the sweep: Eq. 1's E's, the right form below
    the bend, backtested to ±1.1 % and 1.4 % off at 1B and 3B, Eq. 3's to ±3.1 % and 0.6 % off)."""
    if book.options.form != "auto" or not book.members(OWN_GROUP):
        return None
    own = book.calibration(OWN_GROUP)
    choice = own.choice
    if choice is None or choice.form not in RIVAL_FORM:
        return None
    other = choice.alternative or choice.rival
    if other is None or other not in RIVAL_FORM:
        return None
    why = (
        "its backtests were as good or better"
        if choice.alternative is not None
        else "the backtests chose between the two only narrowly"
    )
    return _book_in_form(book, other, own, switched_from=choice.form), why


def law_book(
    runs: Runs,
    options: FitOptions | None = None,
    split: str | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    workers: int = 1,
) -> LawBook:
    """A LawBook over the runs of ``split`` (all runs when None), reusing and filling ``cache`` (fits) and
    ``calibrations``. ``runs`` must be a run table and ``options`` a ``FitOptions`` (UsageError: a dict of options
    raised "'dict' object has no attribute 'form'")."""
    runs = check_runs(runs)
    check_fit_options(options)
    return LawBook(
        runs.in_split(split),
        # the command line's default form (and rank_runs'): the library's predict had fitted Eq. 3 where the CLI
        # chose Eq. 1 by its backtests (3.7 % apart inside a sweep; a test comparing rank with predict found it)
        options or FitOptions(form="auto"),
        saved=FitCache() if cache is None else cache,
        own_eval=dict(runs.own_eval),
        calibrations=calibrations,
        workers=workers,
        flops_per_param_token=runs.flops_per_param_token,
        unique_tokens=dict(runs.unique_tokens),
        final_of_a_log=runs.final_of_a_log,
    )


def check_fit_options(options: object) -> None:
    """A UsageError unless ``options`` is None or a ``FitOptions`` (a dict of options raised "'dict' object has no
    attribute 'form'" from evaluate; p70)."""
    if options is not None and not isinstance(options, FitOptions):
        raise UsageError(
            f"options must be l2l.FitOptions(...), got {type(options).__name__} {options!r}", param="options"
        )


def law_status(fit: LawFit, flag: str | None) -> str:
    """A fitted law's status in ``fit-law -f json`` and ``FitOutcome.rows()`` alike: ``poor`` where it is flagged
    (``flag``: why), ``warning`` where it ended on a bound of its box or did not settle, else ``ok``."""
    if flag:
        return "poor"
    return "ok" if not fit.at_bounds and fit.converged else "warning"


def form_choice_fields(choice: FormChoice) -> dict[str, Any]:
    """A law's form choice as row fields, in ``fit-law -f json`` and ``FitOutcome.to_dict()`` alike: the choice
    (``form_choice``: the form, the reason, every form's scores) and each form's backtest error
    (``backtest_l2l``, ...). The library's rows held the reason's text alone, the command line's the record (h54)."""
    return {"form_choice": choice.to_dict(), **{f"backtest_{sc.form}": sc.error for sc in choice.scores}}


@dataclass(frozen=True)
class FitOutcome:
    """Fits of one ``fit_laws`` call: results in key order (a FitError where a law could not be fitted)."""

    keys: list[tuple[str, str]]
    results: list[LawFit | FitError]
    reused: int
    seconds: float
    #: with ``--form auto``: how each law's form was chosen (by key; empty for a fixed form)
    choices: Mapping[tuple[str, str], FormChoice] = field(default_factory=dict)
    #: why a law is poor (``LawBook.flag``), by key; laws that are not have no entry
    flags: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: the line law that gives a one-line sweep's predictions along its line in place of the law, and why
    #: (``LawBook.line_estimate``), by key
    lines: Mapping[tuple[str, str], LineChoice] = field(default_factory=dict)
    #: why a poor law predicts nothing beyond its sweep's largest budget (``LawBook.refusal``), by key
    refusals: Mapping[tuple[str, str], str] = field(default_factory=dict)
    #: the law in N at one D of a fixed-D sweep, where no five-parameter law could be fitted (``LawBook.fixed_line``;
    #: its result stays the FitError), by key
    fixed: Mapping[tuple[str, str], FixedLine] = field(default_factory=dict)

    @property
    def fits(self) -> list[LawFit]:
        return [r for r in self.results if isinstance(r, LawFit)]

    def rows(self) -> list[dict[str, Any]]:
        """One dict per (dataset, eval), as ``fit-law -f json`` gives it: the law's parameters, fit statistics and
        ``status`` (ok, warning, poor), or ``status`` failed and the ``error``; with ``form`` auto, how its form was
        chosen (``form_choice``, ``backtest_FORM``); a poor law's ``flag``."""
        out: list[dict[str, Any]] = []
        for (ds, ev), r in zip(self.keys, self.results, strict=True):
            if (ds, ev) in self.fixed:
                out.append(fixed_row(ds, ev, self.fixed[(ds, ev)]))
                continue
            row: dict[str, Any] = (
                {k: v for k, v in r.to_dict().items() if k != "bootstrap"}
                if isinstance(r, LawFit)
                else {"dataset": ds, "eval": ev, "status": "failed", "error": str(r)}
            )
            if isinstance(r, LawFit):
                row["status"] = law_status(r, self.flags.get((ds, ev)))
            if (ds, ev) in self.choices:
                row.update(form_choice_fields(self.choices[(ds, ev)]))
            if (ds, ev) in self.flags:
                row["flag"] = self.flags[(ds, ev)]
            if (ds, ev) in self.lines:
                row["line_law"] = self.lines[(ds, ev)].to_dict()
            out.append(row)
        return out

    def to_dict(self) -> dict[str, Any]:
        """Every law's row (``rows``), how many were reused from the cache and the seconds taken, JSON-safe."""
        return {"rows": self.rows(), "reused": self.reused, "seconds": self.seconds}

    def to_polars(self) -> pl.DataFrame:
        """One row per (dataset, eval): the law's parameters and fit statistics (the paper's Tables 2 and 3), or
        ``status`` failed and the ``error``."""
        from l2l.workflows.results import rows_frame

        return rows_frame(
            {k: v for k, v in row.items() if k not in ("form_choice", "flag", "line_law")}
            for row in self.rows()
        )


#: The form a fixed-D sweep's law is reported under (``fixed_row``).
FIXED_FORM: Final = "line"


def fixed_note(fixed: FixedLine) -> str:
    """What a fixed-D sweep's law is, in words: its form, its D and parameters, and that nothing is said at any
    other D."""
    return (
        f"every run lies at D = {fmt_si(fixed.D)} tokens: the law is the one in N at that D, "
        f"L = E_D + K·N^−γ (E_D {fixed.law.E:.4g}, K {fixed.law.K:.4g}, γ {fixed.law.gamma:.3g}, {fixed.sizes} "
        "sizes); it says nothing at any other D, and no compute-optimal model"
    )


def fixed_row(dataset: str, eval: str, fixed: FixedLine) -> dict[str, Any]:
    """A fixed-D sweep's law as a ``fit-law`` row: form ``line``, E (E_D), K, γ and the D it holds at, status
    ``fixed-D``, the law's record under ``line_law`` and the words under ``warnings``."""
    return {
        "dataset": dataset,
        "eval": eval,
        "form": FIXED_FORM,
        "E": fixed.law.E,
        "K": fixed.law.K,
        "gamma": fixed.law.gamma,
        "D": fixed.D,
        "n_points": fixed.law.n_runs,
        "converged": True,
        "status": "fixed-D",
        "line_law": fixed.to_dict(),
        "warnings": [fixed_note(fixed)],
    }


def fit_laws(
    runs: Runs,
    *,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: Resample = "run",
    workers: int = 1,
    progress: Progress | None = None,
    bootstrap_progress: Progress | None = None,
) -> FitOutcome:
    """The laws of the named datasets' evals (``evals``: ``own`` (default), ``all`` or names; see
    ``Runs.eval_keys``), fitted on the runs of ``split``, with ``bootstrap`` draws each when asked. With
    ``options.form == "auto"`` each group's form is chosen by its backtests (``FitOutcome.choices``)."""
    check_choice(resample, RESAMPLES, "resampling unit", "resample")
    workers = check_count(workers, "workers", least=1)
    book = law_book(runs, options, split, cache, calibrations)
    # an empty list names nothing, as predict and optimal say ([] fitted every law; p70)
    as_names(datasets, "dataset", "datasets", empty_ok=False)
    as_names(evals, "eval", "evals", empty_ok=False)
    chosen = runs.resolve_datasets(datasets)
    # own losses of a table where some datasets have none (measured on a shared eval only): the others are fitted
    # and these listed as failed with the reason, not the whole call refused for them
    own = not evals or list([evals] if isinstance(evals, str) else evals) == [OWN]
    lacking = runs.lacking_own(chosen) if own else {}
    keys = runs.eval_keys([d for d in chosen if d not in lacking], evals, frame=book.frame)
    results = book.fit_many(keys, workers=workers, progress=progress)
    for d, why in lacking.items():
        keys.append((d, OWN))  # its own eval was asked for and there is none
        results.append(FitError(why))
    reused = sum(1 for k in keys if k in book.reused)
    choices = {k: c for k in keys if book.sweeps.has(*k) and (c := book.choice_for(*k)) is not None}
    results = [
        with_bootstrap(book, r, bootstrap, seed, resample, _offset(bootstrap_progress, i, len(results)))
        if isinstance(r, LawFit)
        else r
        for i, r in enumerate(results)
    ]
    flags = {k: f for k in keys if book.sweeps.has(*k) and (f := book.flag(*k)) is not None}
    # (a one-line sweep's laws only: their calibration tells, made here for a fixed form too, as predict makes it)
    lines = {k: lc for k in keys if (lc := book.line_estimate(*k)) is not None}
    refusals = {k: r for k in flags if (r := book.refusal(*k)) is not None}
    fixed = {
        k: line
        for k, r in zip(keys, results, strict=True)
        if isinstance(r, FitError) and book.sweeps.has(*k) and (line := book.fixed_line(*k)) is not None
    }
    return FitOutcome(keys, results, reused, book.seconds, choices, flags, lines, refusals, fixed)


def with_bootstrap(
    book: LawBook,
    fit: LawFit,
    draws: int,
    seed: int,
    resample: Resample = "run",
    progress: Callable[[int, int], None] | None = None,
) -> LawFit:
    """``fit`` with ``draws`` bootstrap refits (reusing them when it already has these draws), kept in ``book``.

    The draws are also kept under their own key (``bootstrap_key``: the fit's data key and the draws asked for),
    so commands asking for different draws of the same law (translate 200, rank 100) each find theirs in the
    workspace's saved fits instead of redoing the other's. ``draws`` 0: the fit without draws, whatever an
    earlier command left on it (what a command prints never depends on the commands run before it)."""
    if not draws:
        return without_draws(fit)
    bkey, done = _drawn(book, fit, draws, seed, resample)
    if done is not None:
        if done is not fit:
            book.replace(done)
        return done
    n, d, y = book.data(fit.dataset, fit.eval)
    fit = bootstrap_law(
        fit,
        n,
        d,
        y,
        draws=draws,
        seed=seed,
        groups=None if resample == "run" else n,
        unit=resample,
        progress=progress,
    )
    book.saved[bkey] = fit
    book.replace(fit)
    return fit


def with_bootstraps(
    book: LawBook, fits: Sequence[LawFit], draws: int, seed: int, workers: int = 1
) -> list[LawFit]:
    """``with_bootstrap`` of each of ``fits`` (resampling runs), the draws not yet kept made at once: the laws of a
    dataset (fitted on the same runs) refitted as one stack (``bootstrap_laws``, each law's draws as made alone),
    the datasets' stacks in ``workers`` processes. A law on a flat ridge polishes hundreds of its draws one by one
    (seconds each law), and ``evaluate`` carries 150 laws' draws (half its CPU, cold, on the paper's table)."""
    todo: dict[str, LawFit] = {}
    for f in fits:
        bkey, done = _drawn(book, f, draws, seed, "run")
        if done is None:
            todo.setdefault(bkey, f)
    by_dataset: dict[str, list[str]] = {}
    for bkey, f in todo.items():
        by_dataset.setdefault(f.dataset, []).append(bkey)
    tasks = [
        ([(todo[k], *book.data(todo[k].dataset, todo[k].eval)) for k in keys], draws, seed)
        for keys in by_dataset.values()
    ]
    drawn = (
        map_in_processes(_bootstrap_task, tasks, workers)
        if workers > 1 and len(tasks) > 1
        else map(_bootstrap_task, tasks)
    )
    for keys, laws in zip(by_dataset.values(), drawn, strict=True):
        for bkey, law in zip(keys, laws, strict=True):
            book.saved[bkey] = law
    return [with_bootstrap(book, f, draws, seed) for f in fits]


def _drawn(book: LawBook, fit: LawFit, draws: int, seed: int, resample: str) -> tuple[str, LawFit | None]:
    """The saved-fits key of ``fit`` with these draws, and the fit with them if it already has them or they are
    kept (None: they must be made)."""
    bkey = bootstrap_key(book.key(fit.dataset, fit.eval, fit.form), draws, seed, resample)
    if _has_draws(fit, draws, seed, resample):
        return bkey, fit
    kept = book.saved.get(bkey)
    return bkey, kept if kept is not None and _has_draws(kept, draws, seed, resample) else None


def _bootstrap_task(args: tuple[list[tuple[LawFit, Array, Array, Array]], int, int]) -> list[LawFit]:
    jobs, draws, seed = args
    return bootstrap_laws(jobs, draws=draws, seed=seed)


def without_draws(fit: LawFit) -> LawFit:
    """``fit`` without bootstrap draws."""
    if fit.bootstrap is None:
        return fit
    return dc_replace(fit, bootstrap=None, bootstrap_seed=None, bootstrap_unit=None)


def bootstrap_key(fit_key: str, draws: int, seed: int, resample: str) -> str:
    """The saved-fits key of the fit under ``fit_key`` with these bootstrap draws."""
    return f"{fit_key}|bootstrap:{draws}:{seed}:{resample}"


def _has_draws(fit: LawFit, draws: int, seed: int, resample: str) -> bool:
    return (
        fit.bootstrap is not None
        and fit.bootstrap.shape[0] == draws
        and fit.bootstrap_seed == seed
        and fit.bootstrap_unit == resample
    )


def _offset(progress: Progress | None, i: int, n: int) -> Callable[[int, int], None] | None:
    """A per-fit progress callback mapped onto one bar covering all n fits."""
    if progress is None:
        return None
    p = progress

    def cb(done: int, total: int) -> None:
        p(i * total + done, n * total)

    return cb


@dataclass(frozen=True)
class Residual:
    """One run's measured loss beside its law's prediction. ``fitted``: the run was among those the law was
    fitted on (in the fit's split); the others are what the law extrapolates to."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    loss: float
    predicted: float
    run_id: str | None
    split: str | None
    fitted: bool

    @property
    def residual(self) -> float:
        """(loss − predicted) / loss: above 0 the run did worse than its law."""
        return float(relative_residual(self.loss, self.predicted))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "eval": self.eval,
            "run_id": self.run_id,
            "split": self.split,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "loss": self.loss,
            "predicted": self.predicted,
            "residual": self.residual,
            "log_residual": math.log(self.loss / self.predicted),
            "fitted": self.fitted,
        }


def residuals(runs: Runs, fits: Sequence[LawFit], split: str | None = None) -> list[Residual]:
    """Every run of each fit's (dataset, eval) with the law's prediction, sorted by N then D; runs outside
    ``split`` (the split the laws were fitted on) come too, marked ``fitted=False``."""
    import polars as pl

    out: list[Residual] = []
    for fit in fits:
        mine = (pl.col("dataset") == fit.dataset) & (pl.col("eval") == fit.eval)
        sub = runs.frame.filter(mine).sort(["N", "D"])
        pred = fit.predict(sub["N"].to_numpy(), sub["D"].to_numpy())
        for r, p in zip(sub.iter_rows(named=True), pred, strict=True):
            out.append(
                Residual(
                    fit.dataset,
                    fit.eval,
                    float(r["N"]),
                    float(r["D"]),
                    float(r["C"]),
                    float(r["loss"]),
                    float(p),
                    r["run_id"],
                    r["split"],
                    split is None or r["split"] == split,
                )
            )
    return out
