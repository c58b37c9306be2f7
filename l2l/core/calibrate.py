"""Calibrated predictive intervals: the extrapolation error learned from the sweep itself, by backtesting.

A bootstrap measures how well the sweep pins a law down; it misses the error of extrapolating a law that is only
approximately right, which dominates at 20× compute. l2l learns that error by *backtesting inside the sweep*, in
four steps, one module each:

- ``l2l.core.backtest``: for each cutoff budget C_k (the largest ones that leave ≥ 3 budgets to fit), every
  dataset's law is refitted on its runs with C ≤ C_k and predicts the runs above; each prediction's log error
  e = log(actual / predicted) is recorded where it lay: how far it reached, d = log(C / C_k), the span the law was
  fitted over, w = log(C_k / C_min), and how far the run's model size lies from compute-optimal, a = log(N / N*(C)).
  Translations (L1 = K·(L0 − E0)^κ + E1, E0 and E1 from the independent fits) are backtested the same way, and
  the combinations of several sources (mean, median, inverse-variance weights).
- ``l2l.core.error_model``: pooled over all datasets of the table (the bias of extrapolation is largely shared)
  and over runs within 3× of compute-optimal, the errors are modelled as

      e ≈ u·(b0 + b1·a) + g·σ·z,    σ² = s0² + (s1·d/w)² + (s2·d)²,

  with u the bias's growth (d, d/w or none: whichever predicts left-out cutoffs best), s0 a noise floor, s1 the
  growth of the spread with the relative reach d/w (a law fitted over a short span extrapolates worse), s2 its
  growth with the distance itself (a long span does not make a far reach safe: task losses), g a
  spread scale per dataset (or translation pair), shrunk toward 1. The quantile of z at the requested level is
  *split-conformal* over cutoffs: each cutoff's errors are scored by the model estimated without it, so the
  quantile includes the error of extrapolating the bias and spread themselves.
- this module: ``calibrate`` runs both for a table and keeps the error models (``Calibration``), cached by exactly
  what they were learned from (``calibration_key``, ``CalibrationCache``).
- ``l2l.core.intervals``: a prediction L̂ at (d, w, a) gets  log L̂ + u·(b0 + b1·a) ± q·g·σ. The backtest errors
  hold the parameter uncertainty of fits on smaller sweeps, so the bootstrap spread of the final fit is reported
  (``sd_param``) but added (in quadrature) only on request: added by default it over-covered on synthetic sweeps
  (benchmarks/bench_calibration.py). Translations' K and κ get intervals from resampling the pairs with bootstrap
  draws of E0 and E1.

Where the sweep has too few budgets to backtest, no error model is built; intervals then come from the bootstrap
alone and say so (``lower_bound_only``).

``calibrate_forms`` backtests several forms of the same laws and keeps the error model of the form
``l2l.core.selection`` chooses by their backtest errors (``--form auto``), the choice with it; a dataset the chosen
form misfits takes the other form (``FormChoice.form_of``), with that form's error model (``Calibration.other``);
translations are backtested with the form whose E each dataset's translations take (``translation_form_of``).
Pure: no printing, no files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from typing import Any

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.errors import FitError
from l2l.core.backtest import Backtest, BacktestOptions, SweepLike, as_sweeps, run_backtests
from l2l.core.error_model import BacktestResidual, ErrorModel, fit_error_model, near_optimal
from l2l.core.fit import fit_law
from l2l.core.laws import log_loss
from l2l.core.line_law import HeldRun, LineBacktest, backtest_line, line_cutoffs
from l2l.core.selection import (
    FORM_LABELS,
    MIN_SCORED,
    OTHER_FORM,
    PREFERENCE,
    RIVAL_FORM,
    FormChoice,
    FormScore,
    choose_form,
    fits_closer,
    irreducible_loss_reason,
    misfit_reason,
    score_errors,
)
from l2l.core.sweep import Sweep, allocation_unidentified, at_or_below

__all__ = [
    "CALIBRATION_VERSION",
    "CHOSEN_FORM",
    "Calibration",
    "CalibrationCache",
    "calibrate",
    "calibrate_forms",
    "calibration_key",
    "with_line_tests",
]


@dataclass(frozen=True)
class Calibration:
    """The error models of one run table (or one group of laws): ``direct``, ``translation`` and per combination
    method (None where the backtests were too few: intervals then fall back to the bootstrap and are flagged lower
    bounds). ``form``: the form whose backtests made ``direct``; ``choice``: how it was chosen (``--form auto``;
    None for a fixed form); ``rival``: the direct error model of the preferred form where the chosen one beat it
    only narrowly (``FormChoice.rival``), so that an interval can hold its extrapolation too."""

    direct: ErrorModel | None
    translation: ErrorModel | None
    combined: Mapping[str, ErrorModel | None]
    backtest: Backtest
    notes: tuple[str, ...] = ()
    form: str = "l2l"
    choice: FormChoice | None = None
    rival: ErrorModel | None = None
    #: the direct error model of ``FormChoice.other_form``, for the datasets the chosen form misfits
    #: (``FormChoice.misfits``: their laws take that form)
    other: ErrorModel | None = None
    #: dataset → the line law's backtests beside its law's, where its runs all lie on one line of D/N
    #: (``with_line_tests``)
    line_tests: Mapping[str, LineBacktest] = field(default_factory=dict)

    @property
    def lower_bound_only(self) -> bool:
        return self.direct is None

    def form_of(self, dataset: str) -> str:
        """The form of ``dataset``'s law: ``form``, or the other five-parameter form where the chosen one misfits
        that dataset (``FormChoice.form_of``)."""
        return self.form if self.choice is None else self.choice.form_of(dataset)

    def translation_form_of(self, dataset: str) -> str:
        """The form whose E a translation of ``dataset`` takes (``FormChoice.translation_form_of``)."""
        return self.form if self.choice is None else self.choice.translation_form_of(dataset)

    def direct_for(self, dataset: str) -> ErrorModel | None:
        """The direct error model of ``dataset``'s law (in its form, ``form_of``)."""
        return self.other if self.form_of(dataset) != self.form else self.direct

    def to_dict(self) -> dict[str, Any]:
        return {
            "direct": None if self.direct is None else self.direct.to_dict(),
            "translation": None if self.translation is None else self.translation.to_dict(),
            "combined": {k: None if v is None else v.to_dict() for k, v in self.combined.items()},
            "backtest": self.backtest.to_dict(),
            "lower_bound_only": self.lower_bound_only,
            "notes": list(self.notes),
            "form": self.form,
            "choice": None if self.choice is None else self.choice.to_dict(),
            "rival": None if self.rival is None else self.rival.to_dict(),
            "other": None if self.other is None else self.other.to_dict(),
            "line_tests": {k: v.to_dict() for k, v in self.line_tests.items()},
        }

    def to_record(self) -> dict[str, Any]:
        """The error models and notes, JSON-safe (``from_record``); the backtest errors themselves are not kept,
        only their summary."""

        def one(m: ErrorModel | None) -> dict[str, Any] | None:
            return None if m is None else m.to_record()

        return {
            "direct": one(self.direct),
            "translation": one(self.translation),
            "combined": {k: one(v) for k, v in self.combined.items()},
            "cutoffs": [float(c) for c in self.backtest.cutoffs],
            "n_fits": self.backtest.n_fits,
            "notes": list(self.notes),
            "form": self.form,
            "choice": None if self.choice is None else self.choice.to_dict(),
            "rival": one(self.rival),
            "other": one(self.other),
            "line_tests": {k: v.to_dict() for k, v in self.line_tests.items()},
            "cutoff_E": {
                f: {n: [[c, e] for c, e in v] for n, v in by.items()}
                for f, by in self.backtest.cutoff_E.items()
            },
        }

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> Calibration:
        def one(m: Mapping[str, Any] | None) -> ErrorModel | None:
            return None if m is None else ErrorModel.from_record(m)

        e_at = {
            str(f): {str(n): tuple((float(c), float(e)) for c, e in v) for n, v in by.items()}
            for f, by in (rec.get("cutoff_E") or {}).items()
        }
        bt = Backtest((), (), {}, tuple(float(c) for c in rec["cutoffs"]), int(rec["n_fits"]), (), e_at)
        return cls(
            one(rec["direct"]),
            one(rec["translation"]),
            {str(k): one(v) for k, v in rec["combined"].items()},
            bt,
            tuple(str(n) for n in rec["notes"]),
            str(rec.get("form", "l2l")),
            None if rec.get("choice") is None else FormChoice.from_dict(rec["choice"]),
            one(rec.get("rival")),
            one(rec.get("other")),
            {str(k): LineBacktest.from_dict(v) for k, v in (rec.get("line_tests") or {}).items()},
        )


class CalibrationCache(dict[str, Calibration]):
    """Calibrations keyed by what they were learned from (``calibration_key``): a calibration is never served for
    runs or settings that changed. The CLI keeps one in the workspace."""

    def records(self) -> dict[str, dict[str, Any]]:
        return {k: c.to_record() for k, c in self.items()}

    @classmethod
    def from_records(cls, records: Mapping[str, Mapping[str, Any]]) -> CalibrationCache:
        return cls({k: Calibration.from_record(rec) for k, rec in records.items()})


# 21: Eq. 2 backtested where the runs cannot tell Eq. 3's E from 0 (not only at its bound), chosen on a tie there
# 20: how far the backtests of two cutoffs or more reached in the bias's unit (bias_reach), and the drift
# 19: the backtests' reach in tokens per parameter (max_ratio_above, max_ratio_below)
# 18: a misfit also where the other form fits 6× closer and backtests better (STRUCTURAL_RATIO); the other form's
# error model from each dataset's errors in its own form where the switched datasets' are too few
# 17: a dataset its group's form misfits takes OTHER_FORM (under Eq. 2: Eq. 3 where its data keep an E), with that
# form's error model (``other``); 16: (the same, Eq. 1 <-> Eq. 3 only); 15: misfits flagged; 12-14: the form chosen on
# every count, translations in the chosen form, notes
# 11: the backtests' reach in tokens (max_d_reach)
# 10: a bias kept only where, learned from the smaller cutoffs, it cuts the larger ones' errors (forward chaining)
# 9: the backtests' reach in model size (max_n_reach); 8: the bias held within its backtests' range; 7: the rival
# form's error model; 6: without backtests, a form that fits far closer; 5: no bias from one group alone
# 26: a one-line sweep's backtest errors placed on its line (``aspect_on``), not dropped as off-optimal; 25: the
# line backtests' worst error per unit of reach (``LineBacktest.scale``); 24: the line backtests at the
# dataset's own cutoffs too; 23: the line law's backtests beside the law's on one-line
# sweeps (``line_tests``)
# 27: each score's group kept (``ErrorModel.score_groups``): a group's own scores' quantile floors its intervals
# 28: from two cutoffs, a group's spread scale shrunk toward the pooled one with the weight of a quarter of a
# cutoff, not one (``GROUP_PRIOR_TWO_CUTOFFS``)
# 29: from two cutoffs, the spread's shape and the group scales fitted on both cutoffs' errors, only its level
# cross-fitted, and a group's own quantile floor on scores scaled by the other cutoff's errors alone
# (``ErrorModel.own_scores``; ``error_model._two_cutoff_scores``)
# 30: each cutoff's refitted E per form and dataset kept (``Backtest.cutoff_E``), for the train-to-test step's
# backtests (``l2l.core.backtest.chain_errors``)
CALIBRATION_VERSION = 30


def calibration_key(table: Mapping[str, SweepLike], **settings: object) -> str:
    """What a calibration depends on, hashed: the sweeps' exact points (order-independent) and the settings."""
    h = hashlib.sha256(f"v{CALIBRATION_VERSION}|{sorted((k, repr(v)) for k, v in settings.items())}".encode())
    for name, sw in sorted(as_sweeps(table).items()):
        h.update(name.encode())
        order = np.lexsort((sw.loss, sw.C, sw.D, sw.N))
        for arr in (sw.N, sw.D, sw.C, sw.loss):
            h.update(np.ascontiguousarray(arr[order], dtype="<f8").tobytes())
    return h.hexdigest()[:32]


def _try_model(errors: Sequence[BacktestResidual], kind: str, notes: list[str]) -> ErrorModel | None:
    try:
        return fit_error_model(errors, kind)
    except FitError as exc:
        notes.append(f"{kind}: {exc.message}")
        return None


def calibrate(table: Mapping[str, SweepLike], options: BacktestOptions | None = None) -> Calibration:
    """Backtest a run table (dataset → (N, D, C, loss) of its own loss) and learn its error models (``options``:
    how the backtests refit, see ``BacktestOptions``)."""
    opts = BacktestOptions() if options is None else options
    bt = run_backtests(table, opts)
    notes = list(bt.notes)
    direct = _try_model(bt.direct, "direct", notes)
    trans = _try_model(bt.translation, "translation", notes) if opts.translations else None
    comb = {
        m: _try_model(v, f"combined:{m}", notes) if opts.translations else None
        for m, v in bt.combined.items()
    }
    return Calibration(direct, trans, comb, bt, tuple(notes), opts.form)


def with_line_tests(
    cal: Calibration, table: Mapping[str, SweepLike], options: BacktestOptions | None = None
) -> Calibration:
    """``cal`` with the line law's backtests (``l2l.core.line_law.backtest_line``) of each dataset whose runs all
    lie on one line of D/N and whose law is of the backtested form: at the dataset's own cutoffs (``line_cutoffs``)
    and its law's backtests', the line law and the law, each refitted from scratch on the runs up to the cutoff
    (``options``: the law fits' objective and δ), predict the runs above it. Not the law's calibrating backtests:
    those start from the full fit, and on one line the law has a ridge the refit does not leave, so they carry the
    runs above the cutoff back in (a probe's law predicted its held-out 300M run to the last digit, 2.8463 for
    2.8463)."""
    opts = BacktestOptions() if options is None else options
    tests: dict[str, LineBacktest] = {}
    for name, sw in as_sweeps(table).items():
        if cal.form_of(name) != cal.form or allocation_unidentified(sw.N, sw.D) is None:
            continue
        held: list[HeldRun] = []
        # the dataset's own cutoffs and those of its law's backtests: its own alone, closer to its largest runs,
        # reached less far (probe p79's ladders at α/β 1.6: 1.18 % mean error against 0.82 % with both); the
        # table's alone gave a dataset beside one spread in D/N two predictions (probe p81)
        table_cuts = {r.cutoff for r in cal.backtest.direct if r.dataset == name}
        for cut in sorted(set(line_cutoffs(sw)) | table_cuts):
            part = sw.below(cut)
            try:
                law = fit_law(
                    part.N, part.D, part.loss, form=cal.form, objective=opts.objective, delta=opts.delta
                ).law
            except FitError:
                continue
            above = ~at_or_below(sw.C, cut)
            pred = law.predict(sw.N[above], sw.D[above])
            held += [
                HeldRun(cut, float(n), float(p), float(y))
                for n, p, y in zip(sw.N[above], pred, sw.loss[above], strict=True)
            ]
        test = backtest_line(sw, held, opts.delta) if held else None
        if test is not None:
            tests[name] = test
    return dc_replace(cal, line_tests=tests) if tests else cal


def _fit_rmses(form: str, sweeps: Mapping[str, Sweep], thetas: Mapping[str, ArrayLike]) -> dict[str, float]:
    """dataset → a form's RMSE of log loss on its own runs (its full fits' coordinates; datasets without one left
    out): the form's scatter, compared dataset by dataset (``_misfits``) and as the group's mean (its score)."""
    out: dict[str, float] = {}
    for name, sw in sweeps.items():
        if name not in thetas or not len(sw.loss):
            continue
        pred = log_loss(form, np.asarray(thetas[name], dtype=np.float64), np.log(sw.N), np.log(sw.D))
        r = np.log(sw.loss) - np.ravel(pred)
        if np.all(np.isfinite(r)):
            out[name] = float(np.sqrt(np.mean(r * r)))
    return out


def _by_fit_when_not_backtested(choice: FormChoice) -> FormChoice:
    """With no form backtested (two budgets, say), the other 5-parameter form where it fits the runs
    ``IN_SAMPLE_RATIO`` times closer than the preferred one: on two budgets of Eq. 1 data, Eq. 3 ended at E = 0
    with RMSE 3 % where Eq. 1 fitted to 0.1–0.4 %, and the choice said only "no form could be backtested"."""
    rmse = {s.form: s.fit_rmse for s in choice.scores}
    kept, other = choice.form, RIVAL_FORM.get(choice.form, "")
    mine, theirs = rmse.get(kept), rmse.get(other)
    if mine is None or theirs is None or not fits_closer(theirs, mine):
        return choice
    why = (
        f"{other} ({FORM_LABELS.get(other, other)}): no form could be backtested, and it fits the runs "
        f"{mine / theirs:.0f}× closer than {kept} (RMSE of log loss {100 * theirs:.2f} % vs {100 * mine:.2f} %); "
        "without backtests its extrapolation is unchecked"
    )
    return FormChoice(other, choice.scores, why, False)


def _dataset_score(
    form: str, name: str, runs: Mapping[str, Backtest], rmses: Mapping[str, Mapping[str, float]]
) -> FormScore | None:
    """A form's score on one dataset: the raw mean |log error| of its backtests near compute-optimal (as few as
    ``MIN_SCORED``) and its fit RMSE; None where either is missing."""
    mine = [x for x in runs[form].direct if x.dataset == name] if form in runs else []
    near = near_optimal(mine) or mine
    rmse = rmses.get(form, {}).get(name)
    if len(near) < MIN_SCORED or rmse is None:
        return None
    err = float(np.mean([abs(x.log_error) for x in near]))
    return FormScore(form, err, err, len(near), len({x.cutoff for x in near}), fit_rmse=rmse)


def _misfits(
    form: str,
    runs: Mapping[str, Backtest],
    rmses: Mapping[str, Mapping[str, float]],
    without_e: Collection[str] = (),
) -> tuple[dict[str, str], dict[str, tuple[FormScore, ...]]]:
    """dataset → why the group's ``form`` misfits it, and dataset → both forms' scores there (``_dataset_score``):
    the other five-parameter form fits its runs on every count (``misfit_reason``), dataset by dataset; or, the
    group's form being Eq. 2 (Eq. 3 without E), its Eq. 3 fit keeps an irreducible loss (not in ``without_e``:
    the datasets whose runs cannot tell Eq. 3's E from 0, ``e_unidentified``) and Eq. 3 backtests it no worse
    (``irreducible_loss_reason``)."""
    other = OTHER_FORM.get(form)
    if other is None or other not in runs or form not in runs:
        return {}, {}
    out: dict[str, str] = {}
    scores: dict[str, tuple[FormScore, ...]] = {}
    for name in rmses.get(form, {}):
        mine, theirs = _dataset_score(form, name, runs, rmses), _dataset_score(other, name, runs, rmses)
        if mine is None or theirs is None:
            continue
        if form == "kaplan":
            why = None if name in without_e else irreducible_loss_reason(mine, theirs)
        else:
            why = misfit_reason(mine, theirs)
        if why is not None:
            out[name] = why
            scores[name] = (theirs, mine)
    return out, scores


def _mixed(how: BacktestOptions, other: BacktestOptions, choice: FormChoice) -> BacktestOptions:
    """The backtest options of a group whose datasets ``choice.misfits`` are refitted in the other form
    (``other``'s warm starts for them)."""
    forms = dict.fromkeys(choice.misfits, choice.other_form)
    warm = {**(how.warm_starts or {}), **{ds: (other.warm_starts or {})[ds] for ds in forms}}
    return BacktestOptions(**{**how.__dict__, "forms": forms, "warm_starts": warm})


#: ``calibrate_forms(translations=CHOSEN_FORM)``: translations backtested with the chosen form's refits.
CHOSEN_FORM = "chosen"


def calibrate_forms(
    table: Mapping[str, SweepLike],
    options: Mapping[str, BacktestOptions],
    *,
    translations: str | None = "l2l",
    not_tried: Mapping[str, str] | None = None,
    without_e: Collection[str] = (),
) -> Calibration:
    """Backtest every form of ``options`` (form → how its backtests refit, e.g. warm starts from that form's full
    fits), choose the form by the backtest errors (``l2l.core.selection.choose_form``, preferring forms in
    ``PREFERENCE`` order) and keep its direct error model and the choice. Translations (and their combinations)
    are backtested with the form ``translations`` (Eq. 3 by default; ``CHOSEN_FORM``: the chosen one, whose laws
    then give translations their E0 and E1; None: not at all). ``not_tried``: forms left out on purpose, with the
    reason (listed in the choice, unscored). ``without_e``: the datasets whose runs cannot tell Eq. 3's E from 0
    (``l2l.core.selection.e_unidentified``; where Eq. 2 is chosen, the others take Eq. 3: ``_misfits``); where
    that is every dataset of the table, Eq. 2 takes a tie with Eq. 3 (``choose_form(e_free=True)``)."""
    forms = [f for f in PREFERENCE if f in options] + [f for f in options if f not in PREFERENCE]
    # translations are backtested with one form's refits; for the chosen form, guess the preferred one (the common
    # choice) and backtest again below if the choice falls elsewhere
    guess = forms[0] if translations == CHOSEN_FORM else translations
    runs: dict[str, Backtest] = {}
    for f in forms:
        how = options[f]
        with_trans = guess == f and how.translations
        runs[f] = run_backtests(
            table, BacktestOptions(**{**how.__dict__, "form": f, "translations": with_trans})
        )
    skipped = [FormScore(f, None, None, 0, 0, reason=why) for f, why in (not_tried or {}).items()]
    sweeps = as_sweeps(table)
    rmses = {f: _fit_rmses(f, sweeps, options[f].warm_starts or {}) for f in forms}
    scores = [
        score_errors(
            f, runs[f].direct, runs[f].notes, float(np.mean(list(rmses[f].values()))) if rmses[f] else None
        )
        for f in forms
    ]
    # every dataset's runs leave Eq. 3's E indistinguishable from 0: Eq. 2 may take a tie (``choose_form``)
    e_free = bool(without_e) and "kaplan" in runs and all(name in without_e for name in sweeps)
    choice = choose_form([*scores, *skipped], e_free=e_free)
    if not choice.by_evidence:
        choice = _by_fit_when_not_backtested(choice)
    else:
        misfits, per_dataset = _misfits(choice.form, runs, rmses, without_e)
        if misfits:
            choice = dc_replace(choice, misfits=misfits, dataset_scores=per_dataset)
    bt = runs[choice.form]
    n_fits = sum(r.n_fits for r in runs.values())
    notes = [*bt.notes]
    direct = _try_model(bt.direct, "direct", notes)
    rival_form = choice.rival
    rival = _try_model(runs[rival_form].direct, "direct", []) if rival_form and rival_form in runs else None
    # the datasets the chosen form misfits take the other form, and its error model learned from their backtests
    # in that form (from every dataset's where theirs are too few). Mixed tables of three Eq. 1 datasets beside an
    # Eq. 3 one (8 seeds, 3 targets at 12-75x): learned from every dataset's, 92 of 92 inside ±3.4 % (the Eq. 3
    # data's misfit in Eq. 1 widened them); from theirs, 79 of 88 inside ±2.5 % at a median error of 0.75 %;
    # pooled with the others' errors in the chosen form, 12 of 80 outside on probe p55's (its spread learned from
    # two cutoffs missed the switched laws' errors at 30-75x)
    # Too few of theirs (one switched dataset of a short sweep: 9 errors), each dataset's errors in its own form:
    # every dataset's in the other form put a form's misfit of the others into the switched dataset's interval
    # (probe p59: an Eq. 1 dataset beside Eq. 3 and Kaplan ones, ±7.8 % for a 0.66 % error; now ±N %, below)
    other = None
    if choice.misfits:
        theirs = runs[choice.other_form].direct
        switched = [x for x in theirs if x.dataset in choice.misfits]
        own_forms = [*switched, *(x for x in bt.direct if x.dataset not in choice.misfits)]
        other = (
            _try_model(switched, "direct", [])
            or _try_model(own_forms, "direct", [])
            or _try_model(theirs, "direct", [])
        )
    tform = choice.form if translations == CHOSEN_FORM else translations
    tbt = runs.get(tform) if tform is not None else None
    if tform is not None and tform in options and options[tform].translations:
        redo: BacktestOptions | None = BacktestOptions(**{**options[tform].__dict__, "form": tform})
        if translations == CHOSEN_FORM and any(
            choice.translation_form_of(ds) != tform for ds in choice.misfits
        ):
            # translations take each dataset's E in its own form (``translation_form_of``): backtested so
            redo = _mixed(options[tform], options[choice.other_form], choice)
        elif tform == guess:
            redo = None
        if redo is not None:
            tbt = run_backtests(table, redo)
            n_fits += tbt.n_fits
    trans: ErrorModel | None = None
    comb: dict[str, ErrorModel | None] = {}
    if tbt is not None and tform is not None and options[tform].translations:
        trans = _try_model(tbt.translation, "translation", notes)
        comb = {m: _try_model(v, f"combined:{m}", notes) for m, v in tbt.combined.items()}
    backtest = Backtest(
        bt.direct,
        () if tbt is None else tbt.translation,
        {} if tbt is None else tbt.combined,
        bt.cutoffs,
        n_fits,
        bt.notes,
        {f: by for r in runs.values() for f, by in r.cutoff_E.items()},
    )
    return Calibration(
        direct, trans, comb, backtest, tuple(dict.fromkeys(notes)), choice.form, choice, rival, other
    )
