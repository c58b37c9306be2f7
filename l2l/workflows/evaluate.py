"""Table 1 of the paper: does loss-to-loss translation beat extrapolating each dataset's own scaling law?

Protocol (section 5). Held-out runs are hidden from every fit. For each ordered pair of distinct training datasets
(P0, P1) with held-out runs at the same (N̄, D̄):
- independent: P1's law of the loss (fitted on P1's remaining runs) extrapolated to (N̄, D̄);
- loss-to-loss: the P0 → P1 train-train translation (fitted on the remaining pairs, E's from the remaining fits)
  applied to P0's *measured* held-out own loss; for a test or downstream loss T, composed with P1's own → T
  train-test translation (fitted on P1's remaining runs).
The relative error |prediction − actual| / actual is averaged per setting (train-to-train, train-to-test,
train-to-downstream). Pure: no printing; the caller picks the held-out runs.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import polars as pl

from l2l.base.checks import as_names, check_count, check_level
from l2l.base.errors import FitError, RefusedBeyondSweepError, SelectionError, UsageError
from l2l.base.runs import RUN_OF, check_runs, evals_measured, select_evals, with_run
from l2l.base.schema import SETTINGS, Setting
from l2l.base.text import counted, fmt_sci, fmt_si, plural, some_of
from l2l.core.fit import FitCache, FitOptions, LawFit, far_mask, log_residuals, map_in_processes
from l2l.core.intervals import (
    backtested_through,
    combined_interval,
    known_model,
    spread_floored,
)
from l2l.core.loss_to_loss import TranslationInputs, k_kappa_intervals, log_sd_at, shifted_power_draws
from l2l.core.predictive import (
    Placement,
    aspect_on,
    beyond_evidence,
    bootstrap_interval,
    is_beyond_evidence_note,
)
from l2l.core.repetition import is_repetition_note
from l2l.core.sweep import SAME_RTOL, budgets, pair_configs
from l2l.workflows.evaluate_tables import (
    ONE_DATASET,
    all_shared,
    default_tests,
    require_two_datasets,
)
from l2l.workflows.inventory import held_out_splits
from l2l.workflows.lawbook import (
    FEW_RUNS_FIX,
    OWN_GROUP,
    LawBook,
    Sweeps,
    check_fit_options,
    other_translation_book,
    translation_book,
    with_bootstraps,
)
from l2l.workflows.pairing import PairSpec, Sides, tolerance_apart, unpaired_reason
from l2l.workflows.predict import (
    DEFAULT_DRAWS,
    LINE_METHOD,
    draw_unbacktested,
    law_interval,
    other_d_fix,
    refuse_beyond,
)
from l2l.workflows.translate import (
    LossToLoss,
    carry,
    judged_translation,
    other_translation_value,
    pair_kind,
    translation_inputs,
    translation_of,
    with_other_combination,
    with_other_translation,
    with_repetition,
)
from l2l.workflows.via import step_backtested_note

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.calibrate import Calibration, CalibrationCache
    from l2l.core.predictive import PredictiveInterval
    from l2l.workflows.lawbook import Progress

__all__ = [
    "ONE_DATASET",
    "SETTINGS",
    "Evaluation",
    "HeldOutPrediction",
    "HoldoutPlan",
    "SettingSummary",
    "Skip",
    "empty_evaluation",
    "evaluate",
    "held_out_runs",
    "plan_holdout",
]

#: Why a method made no prediction: a law could not be fitted, a translation could not be fitted (too few pairs,
#: no shared configurations, ...), or the measured loss lies outside the translation's domain (x ≤ E0).
SkipReason = Literal["law", "translation", "domain"]
Method = Literal["independent", "loss-to-loss"]


#: Why a loss-to-loss prediction beyond the own loss has no interval (``Intervals.onward``).
#: how a row whose independent prediction has no interval (``predict`` refuses the law there) begins its reason
NO_INDEPENDENT = "independent: no interval: "
NO_CARRIED_INTERVAL = (
    "loss-to-loss: no interval: the own-loss interval could not be carried through the translation to this eval "
    "(its estimate lies at or below that translation's E0, outside its domain, or the own-loss step has none); the "
    "coverage is counted without it"
)


@dataclass(frozen=True)
class Skip:
    """A prediction one method could not make, and why."""

    method: Method
    reason: SkipReason
    detail: str

    def note(self) -> str:
        return f"independent: {self.detail}" if self.method == "independent" else self.detail


@dataclass(frozen=True)
class HeldOutPrediction:
    """Both methods' predictions of one held-out loss."""

    setting: Setting
    src: str
    tgt: str
    eval: str
    N: float
    D: float
    actual: float
    independent: float | None
    loss_to_loss: float | None
    source_loss: float
    notes: tuple[str, ...] = ()  # extrapolations, then the skips' details
    skips: tuple[Skip, ...] = ()
    # the mean of every source's translation of this target configuration (None with fewer than 2 sources)
    combined: float | None = None
    # predictive intervals (l2l.core.calibrate): own-loss steps backtested, others lower bounds; None when not made
    interval_independent: PredictiveInterval | None = None
    interval_loss_to_loss: PredictiveInterval | None = None
    interval_combined: PredictiveInterval | None = None

    def with_intervals(
        self,
        combined: float | None,
        independent: PredictiveInterval | None,
        loss_to_loss: PredictiveInterval | None,
        combined_pi: PredictiveInterval | None,
        why_no_independent: str | None = None,
    ) -> HeldOutPrediction:
        """This prediction with the combined value and the three intervals: ``dataclasses.replace``'s answer, made
        by one call of the constructor (evaluate makes thousands; replace costs twice that). A loss-to-loss value
        left without an interval says why (8 of 80 rows of a probe's table had none, silently, and coverage
        counted without them)."""
        notes = self.notes
        if loss_to_loss is None and self.loss_to_loss is not None and self.setting != "train-to-train":
            notes = (*notes, NO_CARRIED_INTERVAL)
        if why_no_independent is not None and why_no_independent not in notes:
            notes = (*notes, why_no_independent)
        # why predict calls the independent interval not calibrated, said here as predict says it (probe h32), and
        # a translation's side beyond the passes over its data that its law's runs made (``with_repetition``)
        beyond = [
            *(() if independent is None else independent.notes),
            *(
                n
                for pi in (loss_to_loss, combined_pi)
                if pi is not None
                for n in pi.notes
                if is_repetition_note(n)
            ),
        ]
        notes = (*notes, *dict.fromkeys(n for n in beyond if is_beyond_evidence_note(n) and n not in notes))
        return HeldOutPrediction(
            self.setting,
            self.src,
            self.tgt,
            self.eval,
            self.N,
            self.D,
            self.actual,
            self.independent,
            self.loss_to_loss,
            self.source_loss,
            notes,
            self.skips,
            combined,
            independent,
            loss_to_loss,
            combined_pi,
        )

    @property
    def error_combined(self) -> float | None:
        return None if self.combined is None else abs(self.combined - self.actual) / self.actual

    @property
    def independent_corrected(self) -> float | None:
        """The independent prediction corrected by the backtests' bias (the centre of its interval)."""
        return None if self.interval_independent is None else self.interval_independent.estimate

    @property
    def error_independent(self) -> float | None:
        return None if self.independent is None else abs(self.independent - self.actual) / self.actual

    @property
    def error_loss_to_loss(self) -> float | None:
        return None if self.loss_to_loss is None else abs(self.loss_to_loss - self.actual) / self.actual

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "src": self.src,
            "tgt": self.tgt,
            "eval": self.eval,
            "N": self.N,
            "D": self.D,
            "actual": self.actual,
            "source_loss": self.source_loss,
            "independent": self.independent,
            "loss_to_loss": self.loss_to_loss,
            "error_independent": self.error_independent,
            "error_loss_to_loss": self.error_loss_to_loss,
            "combined": self.combined,
            "error_combined": self.error_combined,
            "independent_corrected": self.independent_corrected,
            # the centres of the translations' intervals (bias-corrected where their backtests showed that helps):
            # an interval printed beside the uncorrected point seemed not to hold it (a probe: 48 of 48 rows)
            "loss_to_loss_corrected": None
            if self.interval_loss_to_loss is None
            else self.interval_loss_to_loss.estimate,
            "combined_corrected": None if self.interval_combined is None else self.interval_combined.estimate,
            **_bounds("independent", self.interval_independent, self.actual),
            **_bounds("loss_to_loss", self.interval_loss_to_loss, self.actual),
            **_bounds("combined", self.interval_combined, self.actual),
            "notes": list(self.notes),
        }


def _bounds(method: str, pi: PredictiveInterval | None, actual: float) -> dict[str, Any]:
    """``{method}_lo``, ``{method}_hi``, whether the interval covers ``actual``, if it is a lower bound, and if it
    is calibrated as ``predict`` says it (not beyond the backtests' evidence: probe h32's two intervals that predict
    called ``calibrated: false``, off the optimum the error model was learned on, read backtested here)."""
    if pi is None:
        return {
            f"{method}_lo": None,
            f"{method}_hi": None,
            f"{method}_covers": None,
            f"{method}_lower_bound": None,
            f"{method}_calibrated": None,
        }
    return {
        f"{method}_lo": pi.lo,
        f"{method}_hi": pi.hi,
        f"{method}_covers": pi.covers(actual),
        f"{method}_lower_bound": pi.lower_bound_only,
        f"{method}_calibrated": not beyond_evidence(pi),
    }


@dataclass(frozen=True)
class SettingSummary:
    setting: Setting
    n_predictions: int
    mean_error_independent: float | None
    mean_error_loss_to_loss: float | None
    n_skipped: int
    mean_error_combined: float | None = None
    mean_error_independent_corrected: float | None = None
    # per method: the share of held-out values inside their intervals, and the median half-width (relative)
    coverage: dict[str, float | None] = field(default_factory=dict)
    half_width: dict[str, float | None] = field(default_factory=dict)
    lower_bound: dict[str, bool] = field(default_factory=dict)
    level: float | None = None
    # per method: the share of its intervals that are lower bounds (poor laws, steps no backtest applies to)
    lower_bound_share: dict[str, float | None] = field(default_factory=dict)
    # per method: the predictions made without an interval, left out of its coverage (a probe's summary read
    # 85.7 % for 14 of 18 train-to-test predictions, the 4 others said only in --detail's notes)
    without_interval: dict[str, int] = field(default_factory=dict)
    # the bias-corrected mean where some predictions have no corrected value (refused beyond the sweep:
    # ``predict.refuse_beyond``): over fewer values than the other methods', so not in their column (it read 7.00 %
    # over 400 of 570 beside the others' 15.7-17.8 % over all 570), and how many values it is over
    partial_corrected_mean: float | None = None
    n_corrected: int | None = None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "setting": self.setting,
            "mean_error_independent": self.mean_error_independent,
            "mean_error_loss_to_loss": self.mean_error_loss_to_loss,
            "n_predictions": self.n_predictions,
            "n_skipped": self.n_skipped,
        }
        if self.level is not None:
            d["mean_error_independent_corrected"] = self.mean_error_independent_corrected
            d["mean_error_combined"] = self.mean_error_combined
            d["level"] = self.level
            for m in INTERVAL_METHODS:
                d[f"coverage_{m}"] = self.coverage.get(m)
                d[f"half_width_{m}"] = self.half_width.get(m)
                d[f"lower_bound_{m}"] = self.lower_bound.get(m)
                d[f"lower_bound_share_{m}"] = self.lower_bound_share.get(m)
                d[f"without_interval_{m}"] = self.without_interval.get(m, 0)
            if self.partial_corrected_mean is not None:
                d["partial_mean_error_independent_corrected"] = self.partial_corrected_mean
                d["n_independent_corrected"] = self.n_corrected
        return d


INTERVAL_METHODS = ("independent", "loss_to_loss", "combined")


def _interval_stats(
    rows: Sequence[HeldOutPrediction],
) -> tuple[dict[str, float | None], dict[str, float | None], dict[str, bool], dict[str, float | None]]:
    cov: dict[str, float | None] = {}
    width: dict[str, float | None] = {}
    low: dict[str, bool] = {}
    share: dict[str, float | None] = {}
    for m in INTERVAL_METHODS:
        ivs = [(getattr(p, f"interval_{m}"), p.actual) for p in rows]
        ivs = [(pi, a) for pi, a in ivs if pi is not None]
        cov[m] = float(np.mean([pi.covers(a) for pi, a in ivs])) if ivs else None
        width[m] = float(np.median([pi.half_width for pi, _ in ivs])) if ivs else None
        # (a lower bound, or beyond the backtests' evidence: what predict calls not calibrated)
        low[m] = any(beyond_evidence(pi) for pi, _ in ivs)
        share[m] = float(np.mean([beyond_evidence(pi) for pi, _ in ivs])) if ivs else None
    return cov, width, low, share


@dataclass(frozen=True)
class Evaluation:
    #: a tuple when made; an evaluation kept in the workspace decodes its predictions on first use (a summary
    #: needs none of them: ``evaluate_store``)
    predictions: Sequence[HeldOutPrediction]
    summary: tuple[SettingSummary, ...]
    n_heldout_runs: int
    holdout: str
    test_evals: tuple[str, ...]
    downstream_evals: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    # the train-train translations that made the predictions, for the figure
    translations: tuple[LossToLoss, ...] = field(default_factory=tuple)

    def to_polars(self, *, detail: bool = False) -> pl.DataFrame:
        """Table 1: one row per setting (the mean errors, coverages and widths); ``detail``: one row per held-out
        prediction."""
        from l2l.workflows.results import rows_frame

        return rows_frame(p.to_dict() for p in (self.predictions if detail else self.summary))

    def to_dict(self) -> dict[str, Any]:
        return {
            "holdout": self.holdout,
            "n_heldout_runs": self.n_heldout_runs,
            "test_evals": list(self.test_evals),
            "downstream_evals": list(self.downstream_evals),
            "summary": [s.to_dict() for s in self.summary],
            "predictions": [p.to_dict() for p in self.predictions],
            "notes": list(self.notes),
        }


def alone_note(preds: Sequence[HeldOutPrediction]) -> str | None:
    """A note for the settings in which loss-to-loss made no prediction while the independent extrapolation made
    some: their rows give the independent errors alone (``_summarise``), compared with nothing."""
    alone = [
        s
        for s in SETTINGS
        if any(p.setting == s and p.independent is not None for p in preds)
        and not any(p.setting == s and p.loss_to_loss is not None for p in preds)
    ]
    if not alone:
        return None
    return (
        f"{', '.join(alone)}: loss-to-loss made no prediction (its translations could not be fitted: why below), "
        "so the independent column there is the independent extrapolation alone, over every held-out value it "
        "predicted, compared with nothing"
    )


def _summarise(preds: Sequence[HeldOutPrediction]) -> tuple[SettingSummary, ...]:
    out = []
    for setting in SETTINGS:
        rows = [p for p in preds if p.setting == setting]
        if not rows:
            continue
        both = [p for p in rows if p.independent is not None and p.loss_to_loss is not None]
        if not any(p.loss_to_loss is not None for p in rows):
            # loss-to-loss made none here (its translations could not be fitted): the independent extrapolations
            # stand alone, compared with nothing, rather than a row of dashes (probe p68; ``alone_note``)
            both = [p for p in rows if p.independent is not None]
        ind = [abs(p.independent - p.actual) / p.actual for p in both if p.independent is not None]
        l2l = [abs(p.loss_to_loss - p.actual) / p.actual for p in both if p.loss_to_loss is not None]
        comb = [p.error_combined for p in both if p.error_combined is not None]
        corr = [
            abs(p.independent_corrected - p.actual) / p.actual
            for p in both
            if p.independent_corrected is not None
        ]
        # a corrected mean over fewer values than the independent one's is not theirs to compare (kept apart)
        partial = len(corr) < len(ind)
        has_iv = any(p.interval_independent is not None for p in rows)
        cov, width, low, share = _interval_stats(both) if has_iv else ({}, {}, {}, {})
        level = next((p.interval_independent.level for p in rows if p.interval_independent is not None), None)
        out.append(
            SettingSummary(
                setting,
                len(both),
                float(np.mean(ind)) if ind else None,
                float(np.mean(l2l)) if l2l else None,
                len(rows) - len(both),
                float(np.mean(comb)) if comb else None,
                float(np.mean(corr)) if corr and not partial else None,
                cov,
                width,
                low,
                level,
                share,
                {m: sum(getattr(p, f"interval_{m}") is None for p in both) for m in INTERVAL_METHODS}
                if has_iv
                else {},
                float(np.mean(corr)) if corr and partial else None,
                len(corr) if corr and partial else None,
            )
        )
    return tuple(out)


@dataclass(frozen=True, eq=False)
class HoldoutPlan:
    """What the protocol compares: the fitting runs, the held-out runs, and the evals of each setting."""

    train: pl.DataFrame
    hidden: pl.DataFrame
    label: str
    own_eval: Mapping[str, str]
    datasets: tuple[str, ...]
    test_evals: tuple[str, ...]
    downstream_evals: tuple[str, ...]
    #: what the plan says of itself: a split named as held out that the default holdout did not use
    notes: tuple[str, ...] = ()

    def law_keys(self) -> list[tuple[str, str]]:
        """Every law the protocol can need: each dataset's own law, and its laws of the evals held out."""
        keys: list[tuple[str, str]] = []
        for p1 in self.datasets:
            measured = set(evals_measured(self.hidden, p1))
            keys.append((p1, self.own_eval[p1]))
            keys.extend((p1, t) for t in (*self.test_evals, *self.downstream_evals) if t in measured)
        return keys

    @cached_property
    def hidden_losses(self) -> dict[tuple[str, str], dict[tuple[float, float], dict[str, float]]]:
        """(dataset, run_id) → (N, D) → eval → held-out loss, read once. A run's checkpoints kept whole
        (``--checkpoints all``) share its id: each (N, D) is one of them (keyed by the id alone, every checkpoint
        was scored against the last one read, the run's final loss)."""
        out: dict[tuple[str, str], dict[tuple[float, float], dict[str, float]]] = {}
        rows = self.hidden.select("dataset", "run_id", "N", "D", "eval", "loss").iter_rows()
        for ds, rid, n, d, ev, loss in rows:
            out.setdefault((ds, rid), {}).setdefault((n, d), {})[ev] = loss
        return out

    def losses_of(self, dataset: str, run_id: str | None, N: float, D: float) -> dict[str, float]:
        """eval → held-out loss of run ``run_id`` of ``dataset`` at the configuration nearest (N, D) (the run
        paired there, within the pairing's tolerance)."""
        at = {} if run_id is None else self.hidden_losses.get((dataset, run_id), {})
        if len(at) <= 1:
            return next(iter(at.values()), {})
        near = min(at, key=lambda nd: abs(math.log(nd[0] / N)) + abs(math.log(nd[1] / D)))
        return at[near]

    @cached_property
    def train_sides(self) -> Sides:
        """The fitting runs split once by (dataset, eval), for every translation's pairs."""
        return Sides(self.train)

    @cached_property
    def hidden_sides(self) -> Sides:
        """The held-out runs split once by (dataset, eval), for every ordered pair's held-out configurations."""
        return Sides(self.hidden)

    def ordered_pairs(self) -> list[tuple[str, str]]:
        return [(p0, p1) for p0 in self.datasets for p1 in self.datasets if p0 != p1]


def held_out_split_note(runs: Runs, split: str | None, top_compute: int | None, label: str) -> str | None:
    """A note when no holdout was asked for and the table has a split whose name says its runs are held out
    (``test``, ``holdout``, ``eval``, …) other than the one the default held out: a table that tagged its
    held-out runs ``split=test`` was evaluated on its top budget, the ``test`` runs fitted, without a word."""
    if split is not None or top_compute is not None:
        return None
    named = [s for s in held_out_splits(runs) if s != "extrapolation"]
    if not named:
        return None
    shown = ", ".join(f"'{s}'" for s in named)
    return (
        f"the table has a split named {shown}, which sounds held out, but no --holdout was given: held out "
        f"{label}, and the {shown} runs were fitted; --holdout split={named[0]} holds them out instead"
    )


def _holdout_mask(runs: Runs, split: str | None, top_compute: int | None) -> tuple[pl.Series, str]:
    """Held-out rows: runs of ``split``, or at the ``top_compute`` largest budgets; by default the split
    'extrapolation' when present, else the largest budget."""
    frame = runs.frame
    if split is not None and top_compute is not None:
        raise UsageError("hold out either a split or the top compute budgets, not both", param="holdout")
    if split is None and top_compute is None:
        if "extrapolation" in runs.splits:
            split = "extrapolation"
        else:
            top_compute = 1
    if split is not None:
        return frame["split"] == runs.check_split(split), f"split = {split}"
    assert top_compute is not None
    # (a text K raised Python's TypeError from evaluate; p70)
    top_compute = check_count(
        top_compute, "holdout_top_compute", least=1, what="the number of top compute budgets to hold out"
    )
    c = frame["C"].to_numpy()
    levels = budgets(c)  # C values within BUDGET_RTOL are one budget (C = 6·N·D from rounded sizes jitters)
    if len(levels) <= top_compute:
        # (a RegMix-shaped table, one model per mix at one budget, read "only 1 compute budgets", no hint; h48)
        raise SelectionError(
            f"only {plural(len(levels), 'compute budget')} ({', '.join(fmt_sci(float(v)) for v in levels[:3])}"
            f"{' …' if len(levels) > 3 else ''}): holding out {top_compute} leaves nothing to fit",
            hint="evaluate fits each law below the held-out budgets and predicts the runs at them: it needs runs at "
            "more budgets than it holds out (--holdout-top-compute K), or a split of held-out runs (--holdout "
            "split=NAME); runs of one model are compared by their measured losses: l2l rank -t EVAL --N N --D D",
        )
    cut = float(levels[-top_compute])
    # compute as the tables write it (2.56e19): the evaluate figure's title said 2.56e+19 (probe h3)
    return pl.Series(c >= cut), f"top {top_compute} compute budget(s), C ≥ {fmt_sci(cut)}"


def _require_two_held_out(plan: HoldoutPlan, runs: Runs) -> None:
    """Refuse, before any fitting, a hold-out that leaves fewer than two datasets with held-out runs, saying whose
    runs stop below it: a dataset of three sizes beside one of six, held out at the top compute budget, was refused
    as "no two datasets have held-out runs at the same (N, D)" after every law was fitted, whatever K (p67)."""
    import polars as pl

    held = set(plan.hidden.get_column("dataset").unique().to_list())
    if len(held & set(plan.datasets)) >= 2:
        return
    stop = runs.frame.group_by("dataset").agg(pl.col("C").max()).sort("C", descending=True)
    below = [f"{ds} {c:.3g}" for ds, c in stop.iter_rows() if ds not in held]
    whose = f"runs of {', '.join(sorted(held))} only" if held else "no runs"
    raise SelectionError(
        f"the hold-out ({plan.label}) leaves {whose}: nothing to compare (largest C of the others: "
        f"{', '.join(below)})",
        hint="hold out runs that every dataset has: mark them in a split column and give --holdout split=VALUE",
        param="holdout",
    )


def plan_holdout(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    tests_needed: bool = True,
) -> HoldoutPlan:
    """The plan of one evaluation. Test evals: glob patterns (default: every dataset's own eval; none when
    ``tests_needed`` is False and none are named: the accuracy setting uses only the held-out runs and the own
    evals); downstream: patterns (default 'downstream/*', none required)."""
    mask, label = _holdout_mask(runs, holdout_split, holdout_top_compute)
    hidden, train = runs.frame.filter(mask), runs.frame.filter(~mask)
    if hidden.height == 0:
        raise SelectionError("no held-out runs: nothing to evaluate")
    train, whole = _without_held_out_runs(runs, train, hidden)
    test_evals = select_evals(runs.evals, test) if test else default_tests(runs) if tests_needed else []
    down_evals = select_evals(runs.evals, downstream or ["downstream/*"], required=bool(downstream))
    note = held_out_split_note(runs, holdout_split, holdout_top_compute, label)
    notes = tuple(n for n in (note, whole) if n is not None)
    return HoldoutPlan(
        train,
        hidden,
        label,
        runs.own_eval,
        tuple(d for d in runs.datasets if d in runs.own_eval),
        tuple(test_evals),
        tuple(down_evals),
        notes,
    )


def held_out_runs(runs: Runs, hidden: pl.DataFrame) -> pl.DataFrame:
    """The runs (``RUN_OF``) with a held-out row in ``hidden``: what a hold-out takes out whole, losses and
    accuracies alike (``with_run``)."""
    held = with_run(hidden, every_checkpoint=runs.every_checkpoint)
    return held.select(RUN_OF).drop_nulls("_run").unique()


def _without_held_out_runs(
    runs: Runs, train: pl.DataFrame, hidden: pl.DataFrame
) -> tuple[pl.DataFrame, str | None]:
    """The fitting rows less every checkpoint of a held-out run, and a note of how many left. Only in a table of
    every checkpoint: there the top budget held out a 1B run's final checkpoint while its 9 earlier ones stayed in
    the fit, and Table 1 scored interpolation at a size the laws saw (inflating those 9 by 10 % moved the held-out
    error 0.52 % → 1.99 %; p77). Of final checkpoints a run is one row per eval, and an id seen at other token
    counts names other runs (``Runs.run_identity``): the rows are the runs."""
    if not runs.every_checkpoint:
        return train, None
    held = held_out_runs(runs, hidden)
    tagged = with_run(train, every_checkpoint=True)
    left = tagged.join(held, on=list(RUN_OF), how="semi", nulls_equal=True)
    if left.height == 0:
        return train, None
    kept = tagged.join(held, on=list(RUN_OF), how="anti", nulls_equal=True).drop("_run")
    n_ckpt = left.select(*RUN_OF, "D").unique().height
    n_runs = left.select(RUN_OF).unique().height
    note = (
        f"held out whole: {plural(n_ckpt, 'earlier checkpoint')} of {plural(n_runs, 'held-out run')} left the fit "
        f"too ({left.height} rows; a run's checkpoints are one model: fitted, they scored a size the laws saw)"
    )
    return kept, note


class _Translations:
    """Translations fitted on the remaining runs (E's from the remaining fits), each once; a Skip when one cannot
    be."""

    def __init__(self, plan: HoldoutPlan, book: LawBook, rtol: float, runs: Runs) -> None:
        self.plan, self.book, self.rtol, self.runs = plan, book, rtol, runs
        self.done: dict[PairSpec, LossToLoss | Skip] = {}
        self.by_name: dict[tuple[str, str], LossToLoss | Skip] = {}
        #: (dataset, eval) → (its law, the log residuals of its fitting runs about it): every translation from
        #: or to those runs scores a subset of them (far runs), each made once
        self.residuals: dict[tuple[str, str], tuple[LawFit, np.ndarray]] = {}
        #: how far apart the runs of a translation paired within the tolerance lie (``pairing.tolerance_apart``),
        #: for the reason its interval is a lower bound: the backtests pair exactly
        self.apart: dict[PairSpec, str] = {}
        #: the fitting runs' (x, y) pairs of each translation, for the spread of its refits on resampled pairs
        #: (``_Intervals.onward``: the parameter spread ``predict --via`` widens a train-test step by)
        self.xy: dict[PairSpec, tuple[np.ndarray, np.ndarray]] = {}

    def get(self, spec: PairSpec) -> LossToLoss | Skip:
        if spec not in self.done:
            self.done[spec] = self._fit(spec)
        return self.done[spec]

    def onward(self, dataset: str, eval_name: str) -> LossToLoss | Skip:
        """``dataset``'s own → ``eval_name`` translation (train-test), by name (asked once per prediction)."""
        key = (dataset, eval_name)
        if key not in self.by_name:
            self.by_name[key] = self.get(PairSpec(dataset, self.plan.own_eval[dataset], dataset, eval_name))
        return self.by_name[key]

    def _residuals(self, dataset: str, eval_name: str, law: LawFit) -> np.ndarray:
        kept = self.residuals.get((dataset, eval_name))
        if kept is None or kept[0] is not law:
            kept = self.residuals[(dataset, eval_name)] = (
                law,
                log_residuals(law, *self.plan.train_sides.side(dataset, eval_name)),
            )
        return kept[1]

    def _fit(self, spec: PairSpec) -> LossToLoss | Skip:
        x_law = self.book.try_get(spec.src, spec.x_eval)
        y_law = self.book.try_get(spec.tgt, spec.y_eval)
        if isinstance(x_law, FitError) or isinstance(y_law, FitError):
            return Skip("loss-to-loss", "law", str(x_law if isinstance(x_law, FitError) else y_law))
        kind = pair_kind(self.runs, spec.src, spec.tgt)  # (its notes say test-test where the settings do)
        sides = self.plan.train_sides
        try:
            li, ri = rows = sides.pair_rows(spec, self.rtol)
            x, y, n, d = sides.xy(spec, rows=rows)
            rx = self._residuals(spec.src, spec.x_eval, x_law)[li]
            ry = self._residuals(spec.tgt, spec.y_eval, y_law)[ri]
            # the y law is scored at the pairs' (N, D), the x runs': a y run paired within the tolerance, not at
            # the same (N, D), is scored there
            ny, dy, _ = sides.side(spec.tgt, spec.y_eval)
            moved = (ny[ri] != n) | (dy[ri] != d)
            if moved.any():
                ry[moved] = log_residuals(y_law, n[moved], d[moved], y[moved])
                gaps = pl.DataFrame({"N": n, "D": d, "N_y": ny[ri], "D_y": dy[ri]})
                if (apart := tolerance_apart(gaps, self.rtol)) is not None:
                    self.apart[spec] = apart
            floors = (self.book.floor_of(x_law), self.book.floor_of(y_law))
            # the pairs the fit keeps (no run far from its law), for the refits of its spread
            keep = ~(far_mask(rx) | far_mask(ry))
            self.xy[spec] = (np.asarray(x, dtype=np.float64)[keep], np.asarray(y, dtype=np.float64)[keep])
            return translation_of(x, y, x_law, y_law, kind=kind, at=(n, d), residuals=(rx, ry), floors=floors)
        except (FitError, SelectionError) as exc:
            # said of the fitting runs: the held-out runs themselves do pair (a probe's reader took "no run of
            # books has the same (N, D) as a run of code" to be about the held-out runs, which shared one)
            return Skip(
                "loss-to-loss",
                "translation",
                f"its translation cannot be fitted on the remaining runs: {exc}",
            )


def _step(link: LossToLoss | Skip, x: float) -> tuple[float | None, list[str], Skip | None]:
    """The loss ``x`` pushed through one translation: (prediction, extrapolation notes, skip)."""
    if isinstance(link, Skip):
        return None, [], link
    try:
        value, extrapolated = carry(link, x)
    except FitError as exc:
        return None, [], Skip("loss-to-loss", "domain", str(exc))
    if not extrapolated:
        return value, [], None
    return value, [f"{link.kind} {link.src}→{link.tgt}:{link.eval} extrapolates from x = {x:.4g}"], None


class _Independent:
    """The independent predictions, each (target, eval, N, D) once: every source of a target configuration shares
    its independent prediction (made once, not once per source: evaluate stays linear in the pairs)."""

    def __init__(self, book: LawBook) -> None:
        self.book = book
        self.laws: dict[tuple[str, str], LawFit | FitError] = {}
        self.values: dict[tuple[str, str, float, float], float | FitError] = {}

    def law(self, dataset: str, eval_name: str) -> LawFit | FitError:
        key = (dataset, eval_name)
        if key not in self.laws:
            self.laws[key] = self.book.try_get(dataset, eval_name)
        return self.laws[key]

    def value(self, dataset: str, eval_name: str, N: float, D: float) -> float | FitError:
        key = (dataset, eval_name, N, D)
        if key not in self.values:
            law = self.law(dataset, eval_name)
            self.values[key] = law if isinstance(law, FitError) else float(law.predict(N, D))
        return self.values[key]


def no_test_note(plan: HoldoutPlan, preds: Sequence[HeldOutPrediction]) -> str | None:
    """Why the evaluation lists test evals but has no train-to-test prediction, when it does: a test eval counts
    only on a dataset whose own eval it is not, and a probe's table whose test evals (the datasets' own) were each
    measured on their own dataset alone printed no train-to-test row and no word of why. Names the evals the
    held-out runs of several datasets share, for ``--test``."""
    if not plan.test_evals or any(p.setting == "train-to-test" for p in preds):
        return None
    measured = {p1: set(evals_measured(plan.hidden, p1)) for p1 in plan.datasets}
    shown = ", ".join(plan.test_evals[:4]) + (", …" if len(plan.test_evals) > 4 else "")
    own = set(plan.own_eval.values())
    shared = [
        ev
        for ev in dict.fromkeys(ev for p1 in plan.datasets for ev in sorted(measured[p1]))
        if ev not in own
        and ev not in plan.downstream_evals
        and ev not in plan.test_evals
        and sum(ev in m for m in measured.values()) >= 2
    ]
    why = (
        f"no train-to-test row: no test eval ({shown}) is measured on the held-out runs of a dataset whose own eval "
        "it is not (a test eval is scored on the other datasets)"
    )
    if shared:
        why += f"; measured on several datasets: {', '.join(shared)} (--test {shared[0]})"
    return why


def _pair_step(
    plan: HoldoutPlan, independent: _Independent, translations: _Translations, p0: str, p1: str, rtol: float
) -> list[HeldOutPrediction]:
    """Every held-out prediction of the ordered pair (P0 → P1): none when they share no held-out configuration."""
    own0, own1 = plan.own_eval[p0], plan.own_eval[p1]
    try:
        held = plan.hidden_sides.nd_rows(PairSpec(p0, own0, p1, own1), rtol=rtol)
    except SelectionError:
        return []
    tt = translations.get(PairSpec(p0, own0, p1, own1))
    preds: list[HeldOutPrediction] = []
    for n, d, x0, run_y in held:
        losses = plan.losses_of(p1, run_y, n, d)
        jobs: list[tuple[Setting, str]] = [("train-to-train", own1)]
        jobs += [("train-to-test", t) for t in plan.test_evals if t in losses and t != own1]  # own1: train
        jobs += [("train-to-downstream", t) for t in plan.downstream_evals if t in losses]
        # the train-train step is every job's first: made once per held-out run, then carried onward
        own_value, own_notes, own_skip = _step(tt, float(x0))
        for setting, ev in jobs:
            if setting == "train-to-train" or own_value is None:
                l2l, notes, skip = own_value, own_notes, own_skip
            else:
                l2l, notes, skip = _step(translations.onward(p1, ev), own_value)
                notes = notes if skip else [*own_notes, *notes]
            skips = [skip] if skip else []
            made = independent.value(p1, ev, n, d)
            ind = None if isinstance(made, FitError) else made
            if isinstance(made, FitError):
                skips.append(Skip("independent", "law", str(made)))
            preds.append(
                HeldOutPrediction(
                    setting,
                    p0,
                    p1,
                    ev,
                    n,
                    d,
                    float(losses[ev]),
                    ind,
                    l2l,
                    x0,
                    (*notes, *(s.note() for s in skips)),
                    tuple(skips),
                )
            )
    return preds


def _draw_unbacktested(book: LawBook, preds: Sequence[HeldOutPrediction], k: float, workers: int) -> None:
    """``draw_unbacktested`` for the laws of the independent predictions (``predict``'s interval there), but not
    for a law refused at every configuration it predicts (``refuse_beyond``, which ``law_interval`` applies before
    it reads a draw), whose draws no number printed reads (one read after all is drawn where it is read, the same
    draws: ``with_bootstrap``)."""
    computes: dict[tuple[str, str], list[float]] = {}
    for p in preds:
        if p.independent is not None:
            computes.setdefault((p.tgt, p.eval), []).append(k * p.N * p.D)
    laws = {key: law for key in computes if isinstance(law := book.try_get(*key), LawFit)}
    asked = {id(law): key for key, law in laws.items()}

    def unread(law: LawFit) -> bool:
        key = asked[id(law)]
        return all(_refused(book, *key, c) for c in computes[key])

    draw_unbacktested(book, list(laws.values()), 0, workers, unread=unread)


def _refused(book: LawBook, dataset: str, eval_name: str, compute: float) -> bool:
    """Whether ``law_interval`` refuses the law of (``dataset``, ``eval_name``) at ``compute`` before it reads a
    draw (``refuse_beyond``)."""
    try:
        refuse_beyond(book, dataset, eval_name, book.sweeps.get(dataset, eval_name), compute)
    except RefusedBeyondSweepError:
        return True
    return False


@dataclass(frozen=True, eq=False)
class _Intervals:
    """Predictive intervals of the held-out predictions (``l2l.core.calibrate``), from the calibration of the fitting
    runs: independent own-loss predictions and train-train translations (single, and the mean of every source)
    get backtested intervals, and so do the laws of other evals (their groups' backtests) and the train-test step
    carrying a translation onward (its own backtests, ``LawBook.train_test_model``); where no backtest applies an
    interval holds the law's or the regression's spread only, flagged a lower bound."""

    plan: HoldoutPlan
    book: LawBook
    translations: _Translations
    cal: Calibration
    level: float
    k: float
    sweeps: Sweeps
    #: the same translations with E0 and E1 in the other five-parameter form, and why, where the own losses' choice
    #: did not settle between the forms (``other_translation_book``); None elsewhere
    others: tuple[_Translations, str] | None = None
    #: processes for the carried translations' bootstraps and refits (``prepare_onward``)
    workers: int = 1
    #: what every source of a target configuration shares, made once: placements, independent intervals, the
    #: combined interval carried to each eval (keyed by the target configuration)
    _memo: dict[tuple[Any, ...], Any] = field(default_factory=dict)

    def _placement(self, tgt: str, N: float, D: float) -> Placement:
        """Where a target configuration lies against the target's own fitting runs (group: the target)."""
        key = ("placement", tgt, N, D)
        if key not in self._memo:
            self._memo[key] = self._place(tgt, N, D)
        return self._memo[key]  # type: ignore[no-any-return]

    def _place(self, tgt: str, N: float, D: float) -> Placement:
        sw = self.sweeps.get(tgt, self.plan.own_eval[tgt])
        C = self.k * N * D
        law = self.book.try_get(tgt, self.plan.own_eval[tgt])
        aspect = 0.0 if isinstance(law, FitError) else float(aspect_on(law, [N], [D], sw)[0])
        return Placement.at(N, D, C, sw, aspect, tgt)

    def independent(self, p: HeldOutPrediction) -> PredictiveInterval | None:
        """The interval of the target's own law of the eval, from the backtests of its group (own losses, or
        the eval across the datasets); the law's residual spread alone (a lower bound) without backtests."""
        key = ("independent", p.tgt, p.eval, p.N, p.D, p.independent)
        if key not in self._memo:
            self._memo[key] = self._independent(p)
        return self._memo[key]  # type: ignore[no-any-return]

    def _independent(self, p: HeldOutPrediction) -> PredictiveInterval | None:
        law = self.book.try_get(p.tgt, p.eval)
        if isinstance(law, FitError) or p.independent is None:
            return None
        sw = self.sweeps.get(p.tgt, p.eval)
        # predict's interval, for the same question the same answer (without backtests: the law's bootstrap, a
        # lower bound; the residual spread alone had been 2-7x narrower than predict's and covered 51 of 65)
        # an interval the backtests cannot bound ("too scattered") is none, counted as such: it ended the whole
        # evaluate (probe p48); the same below for a translation's and a combination's
        try:
            pi, _ = law_interval(self.book, law, sw, (p.N, p.D, self.k * p.N * p.D), self.level, seed=0)
        except FitError as exc:
            # said on the row, in predict's words: the summary's "--detail says why" had no why on any of the
            # paper's 170 such rows (probe h44)
            self._memo[("why-independent", p.tgt, p.eval, p.N, p.D)] = str(exc)
            return None
        return pi

    def why_no_independent(self, p: HeldOutPrediction) -> str | None:
        """Why the independent prediction ``p`` has no interval (``predict``'s refusal), where it has none."""
        why = self._memo.get(("why-independent", p.tgt, p.eval, p.N, p.D))
        return None if why is None else NO_INDEPENDENT + why

    def own_translation(self, p0: str, p1: str, x0: float, N: float, D: float) -> PredictiveInterval | None:
        own0, own1 = self.plan.own_eval[p0], self.plan.own_eval[p1]
        tt = self.translations.get(PairSpec(p0, own0, p1, own1))
        if isinstance(tt, Skip) or x0 <= tt.E0:
            return None
        where = replace(self._placement(p1, N, D), group=f"{p0}→{p1}")
        pred = float(tt.predict(x0))
        # a pair the backtests never translated (paired within --rtol only) is bounded as predict --via bounds it
        model, reason = known_model(
            self.cal.translation, where.group, self.translations.apart.get(PairSpec(p0, own0, p1, own1))
        )
        if model is None:
            pi = bootstrap_interval(
                pred, where.distance, tt.resid_sd, self.level, method="residual", reason=reason
            )
        else:
            try:
                pi = model.interval(pred, where, self.level, scatter=tt.resid_sd)
            except FitError:
                return None
        spec = PairSpec(p0, own0, p1, own1)
        pi = self._other_form(pi, spec, x0)
        # below every source loss it was fitted on, floored at its own spread there, as predict --via floors it
        if model is not None and self._below_pairs(spec, x0):
            draws = self._pair_draws(spec, tt)
            sd = log_sd_at(draws, x0) if draws is not None else 0.0
            pi = spread_floored(pi, model, where, draws_sd=sd, below=True)
        # as predict --via states the step: a poor law behind E0 or E1 said, repeated data (the target's and the
        # source's) as their own laws say, and never below E1 (left below, the same question had two intervals,
        # probe h32: web→books [1.80, 3.37] here, [2.01, 3.37] there, and the train-to-test step carried from it
        # had none)
        return judged_translation(
            pi, self.book, [(p0, own0), (p1, own1)], tt.E1, repeated=[(p1, own1, D), (p0, own0, D)]
        )

    def _other_form(self, pi: PredictiveInterval, spec: PairSpec, x0: float) -> PredictiveInterval:
        """``pi`` holding the translation of ``x0`` with E0 and E1 in the other five-parameter form (``others``,
        ``with_other_translation``), as ``predict --via`` holds it."""
        if self.others is None:
            return pi
        others, why = self.others
        alt = others.get(spec)
        form = others.book.form_for(spec.tgt, spec.y_eval)
        return with_other_translation(pi, None if isinstance(alt, Skip) else alt, x0, form, why)

    def other_value(self, p0: str, p1: str, x0: float) -> float | None:
        """The translation of ``x0`` from ``p0`` onto ``p1`` with E0 and E1 in the other five-parameter form
        (``others``), uncorrected, or None (``other_translation_value``)."""
        if self.others is None:
            return None
        alt = self.others[0].get(PairSpec(p0, self.plan.own_eval[p0], p1, self.plan.own_eval[p1]))
        return other_translation_value(None if isinstance(alt, Skip) else alt, x0)

    def combined_own(
        self,
        tgt: str,
        values: Sequence[float],
        N: float,
        D: float,
        others: Sequence[float | None] = (),
        sources: Sequence[str] = (),
    ) -> PredictiveInterval | None:
        """The mean of the single-source translations ``values`` (of ``sources``) onto ``tgt``, with its
        backtested interval, holding the mean of ``others`` (each source's translation in the other form,
        ``other_value``) as ``predict --via`` holds it (``with_other_combination``), and saying what the target's
        and the sources' own laws say of their repeated data at D, as ``predict --via``'s combination says it."""
        if len(values) < 2:
            return None
        model = self.cal.combined.get("mean")
        try:
            pi = combined_interval(
                values, self._placement(tgt, N, D), model=model, method="mean", level=self.level
            )
        except FitError:
            return None
        own = self.plan.own_eval
        pi = with_repetition(pi, self.book, [(tgt, own[tgt], D), *((s, own[s], D) for s in sources)])
        if self.others is None:
            return pi
        obook, why = self.others
        form = obook.book.form_for(tgt, own[tgt])
        return with_other_combination(pi, values, others, form, why, method="mean")

    def onward(
        self,
        own_pis: Sequence[PredictiveInterval | None],
        tgt: str,
        ev: str,
        configs: Sequence[tuple[float, float]],
        combined: bool = False,
        sources: Sequence[Sequence[str]] = (),
    ) -> list[PredictiveInterval | None]:
        """Own-loss intervals (of models of ``configs``, (N, D)) carried through ``tgt``'s own → ``ev``
        translation with its backtested error as ``predict --via`` carries them (``backtested_through``), the
        translation evaluated on them all at once (evaluate carries thousands); each saying again what the own
        laws of its ``sources`` (one tuple per interval; none: none said) say of their repeated data at D.
        None where one is None, or reaches to or below the translation's E0 (outside its domain), or does not map
        to a positive loss."""
        own = self.plan.own_eval[tgt]
        if ev == own:
            return list(own_pis)
        out: list[PredictiveInterval | None] = [None] * len(own_pis)
        made = [(i, pi) for i, pi in enumerate(own_pis) if pi is not None]
        t2 = self.translations.onward(tgt, ev) if made else None
        if not isinstance(t2, LossToLoss):
            return out
        e0 = t2.E0
        # written as "not at or below E0": a nan goes on to the translation, which refuses it. A lower end at or
        # below E0 (an own-loss interval cut at its E1, which is this step's E0) is carried from just above E0, as
        # predict --via carries it (``via.train_test``): it had left the prediction without an interval
        made = [(i, pi) for i, pi in made if not (pi.estimate <= e0 or pi.hi <= e0 or pi.raw <= e0)]
        if not made:
            return out
        values = t2.predict(
            np.array([(pi.estimate, t2.held_above_e0(pi.lo), pi.hi, pi.raw) for _, pi in made])
        ).tolist()
        draws = self._onward_draws(tgt, ev, t2)
        model = self.book.train_test_model(ev, combined)
        said = (
            ()
            if model is None
            else (step_backtested_note(self.translations.runs.own_is_shared(tgt), ev, model.n_errors),)
        )
        for (i, pi), mapped in zip(made, values, strict=True):
            # widened by the translation's parameter spread at the estimate, judged by the eval's law and cut at
            # E1 as predict --via's train-test step is (``via.train_test``): one question, one interval. Without
            # them a downstream step read [2.35, 2.78] here and [1.99, 3.32] in predict --via, and a lower end
            # below E1, the least loss the translation gives (probe h44)
            sd_param = log_sd_at(draws, pi.estimate) if draws is not None else 0.0
            try:
                # with the step's own backtested error where its backtests apply, as predict --via's step
                carried = backtested_through(
                    pi,
                    mapped,
                    model,
                    self._placement(tgt, *configs[i]),
                    resid_sd=t2.resid_sd,
                    sd_param=sd_param,
                    backtested_notes=said,
                )
            except FitError:
                out[i] = None
                continue
            d = configs[i][1]
            said_again = [(s, self.plan.own_eval[s], d) for s in (sources[i] if sources else ())]
            out[i] = judged_translation(
                carried, self.book, [(tgt, ev)], t2.E1, repeated=[(tgt, ev, d), *said_again]
            )
        return out

    def _prepare_floors(self, preds: Sequence[HeldOutPrediction]) -> None:
        """The bootstraps of the own-loss laws whose draws the floors of ``own_translation`` ask for (a source loss
        below every one its pair was fitted on: ``_pair_draws``), made at once, each dataset's law in the worker
        processes as ``prepare_onward`` makes the carried laws': the same draws as one by one, which the command's
        own process had made law by law."""
        tbook = self.translations.book
        laws: dict[str, LawFit] = {}
        for p in preds:
            if p.setting != "train-to-train":
                continue
            spec = PairSpec(p.src, self.plan.own_eval[p.src], p.tgt, self.plan.own_eval[p.tgt])
            if not self._below_pairs(spec, p.source_loss):
                continue
            for ds, ev in ((spec.src, spec.x_eval), (spec.tgt, spec.y_eval)):
                if isinstance(law := tbook.try_get(ds, ev), LawFit):
                    laws.setdefault(ds, law)
        if laws:
            with_bootstraps(tbook, list(laws.values()), DEFAULT_DRAWS, 0, self.workers)

    def _below_pairs(self, spec: PairSpec, x0: float) -> bool:
        """Whether source loss ``x0`` lies below every source loss translation ``spec`` was fitted on, where
        ``spread_floored`` floors its interval."""
        xy = self.translations.xy.get(spec)
        return xy is not None and x0 < float(xy[0].min())

    def _pair_draws(self, spec: PairSpec, tt: LossToLoss) -> np.ndarray | None:
        """The refits of the train-train translation ``spec`` on resampled pairs with bootstrap draws of its E0
        and E1 (rows K, κ, E0, E1), as ``predict --via`` draws them for its interval; None without."""
        key = ("pair-draws", spec)
        if key not in self._memo:
            self._memo[key] = self._draw_pair(spec, tt)
        return self._memo[key]  # type: ignore[no-any-return]

    def _draw_pair(self, spec: PairSpec, tt: LossToLoss) -> np.ndarray | None:
        xy = self.translations.xy.get(spec)
        tbook = self.translations.book
        x_law, y_law = tbook.try_get(spec.src, spec.x_eval), tbook.try_get(spec.tgt, spec.y_eval)
        if xy is None or isinstance(x_law, FitError) or isinstance(y_law, FitError):
            return None
        try:
            _, draws = shifted_power_draws(
                translation_inputs(tbook, tt, xy[0], xy[1], x_law, y_law, 0), seed=0
            )
        except FitError:
            return None
        return draws

    def _onward_draws(self, tgt: str, ev: str, t2: LossToLoss) -> np.ndarray | None:
        """The refits of ``tgt``'s own → ``ev`` translation on resampled pairs with bootstrap draws of its E0 and E1
        (rows K, κ, E0, E1), made as ``predict --via`` and ``translate`` make them (their K and κ intervals); None
        with fewer than two."""
        key = ("onward-draws", tgt, ev)
        if key not in self._memo:
            self._memo[key] = self._draw_onward(tgt, ev, t2)
        return self._memo[key]  # type: ignore[no-any-return]

    def _draw_onward(self, tgt: str, ev: str, t2: LossToLoss) -> np.ndarray | None:
        inputs = self._onward_inputs(tgt, ev, t2)
        return None if inputs is None else _onward_refits((inputs, self.level))

    def _onward_inputs(self, tgt: str, ev: str, t2: LossToLoss) -> TranslationInputs | None:
        """The pairs of ``tgt``'s own → ``ev`` translation with 200 bootstrap draws of both laws' E (as ``predict
        --via`` draws them, kept in the translation book and the workspace), or None where a law is missing."""
        spec = PairSpec(tgt, self.plan.own_eval[tgt], tgt, ev)
        xy = self.translations.xy.get(spec)
        tbook = self.translations.book
        x_law, y_law = tbook.try_get(spec.src, spec.x_eval), tbook.try_get(spec.tgt, spec.y_eval)
        if xy is None or isinstance(x_law, FitError) or isinstance(y_law, FitError):
            return None
        return translation_inputs(tbook, t2, xy[0], xy[1], x_law, y_law, 0)

    def _carried(self, pis: Sequence[PredictiveInterval | None], tgt: str, ev: str) -> LossToLoss | None:
        """The translation ``onward`` carries ``pis`` through onto ``ev``, where it carries one of them (and so
        asks for its refits): None where it carries none."""
        if ev == self.plan.own_eval[tgt] or all(pi is None for pi in pis):
            return None
        t2 = self.translations.onward(tgt, ev)
        if not isinstance(t2, LossToLoss):
            return None
        e0 = t2.E0
        carried = any(pi is not None and not (pi.estimate <= e0 or pi.hi <= e0 or pi.raw <= e0) for pi in pis)
        return t2 if carried else None

    def prepare_onward(self, asked: Mapping[tuple[str, str], Sequence[PredictiveInterval | None]]) -> None:
        """The refits ``onward`` will ask for, for each (target, eval) carrying ``asked[(target, eval)]``, made at
        once: the laws' bootstraps (150 laws of 200 draws on the paper's table, half a cold evaluate's CPU) and the
        translations' refits in ``workers`` processes. The same draws and refits as one by one (each law's seed
        is its own), so the same intervals."""
        todo = {key: t2 for key, pis in asked.items() if (t2 := self._carried(pis, *key)) is not None}
        todo = {key: t2 for key, t2 in todo.items() if ("onward-draws", *key) not in self._memo}
        if not todo:
            return
        tbook = self.translations.book
        laws: dict[tuple[str, str], LawFit] = {}
        for tgt, ev in todo:
            x_law, y_law = tbook.try_get(tgt, self.plan.own_eval[tgt]), tbook.try_get(tgt, ev)
            spec = PairSpec(tgt, self.plan.own_eval[tgt], tgt, ev)
            if isinstance(x_law, LawFit) and isinstance(y_law, LawFit) and spec in self.translations.xy:
                laws.setdefault((tgt, x_law.eval), x_law)
                laws.setdefault((tgt, ev), y_law)
        with_bootstraps(tbook, list(laws.values()), DEFAULT_DRAWS, 0, self.workers)
        if self.workers <= 1 or len(todo) < 2:
            return  # (the refits made one by one, as asked: the same in one process)
        inputs = {key: self._onward_inputs(*key, t2) for key, t2 in todo.items()}
        tasks = [(i, self.level) for i in inputs.values() if i is not None]
        made = [key for key, i in inputs.items() if i is not None]
        for key, draws in zip(made, map_in_processes(_onward_refits, tasks, self.workers), strict=True):
            self._memo[("onward-draws", *key)] = draws
        for key in inputs.keys() - set(made):
            self._memo[("onward-draws", *key)] = None

    def attach(self, preds: Sequence[HeldOutPrediction]) -> list[HeldOutPrediction]:
        own_single: dict[tuple[str, str, float, float], PredictiveInterval | None] = {}
        by_target: dict[tuple[str, float, float], list[float]] = {}
        sources_of: dict[tuple[str, float, float], list[str]] = {}  # (the sources of each combination)
        # each source's translation with the other form's E's, beside it (None where there is none)
        other_by_target: dict[tuple[str, float, float], list[float | None]] = {}
        self._prepare_floors(preds)
        for p in preds:
            if p.setting != "train-to-train":
                continue
            pi = self.own_translation(p.src, p.tgt, p.source_loss, p.N, p.D)
            own_single[(p.src, p.tgt, p.N, p.D)] = pi
            if pi is not None:
                by_target.setdefault((p.tgt, p.N, p.D), []).append(pi.raw)
                sources_of.setdefault((p.tgt, p.N, p.D), []).append(p.src)
                other_by_target.setdefault((p.tgt, p.N, p.D), []).append(
                    self.other_value(p.src, p.tgt, p.source_loss)
                )
        comb_own = {
            key: self.combined_own(key[0], v, key[1], key[2], other_by_target[key], sources_of[key])
            for key, v in by_target.items()
        }
        # each prediction's single-source own-loss interval, carried to its eval: one batch per (target, eval)
        carried: dict[tuple[str, str], list[int]] = {}
        singles: list[PredictiveInterval | None] = []
        for j, p in enumerate(preds):
            single = own_single.get((p.src, p.tgt, p.N, p.D))
            if single is None and p.setting != "train-to-train":
                single = self.own_translation(p.src, p.tgt, p.source_loss, p.N, p.D)
            singles.append(single if p.loss_to_loss is not None else None)
            carried.setdefault((p.tgt, p.eval), []).append(j)
        self.prepare_onward(
            {
                (tgt, ev): [
                    *(singles[j] for j in rows),
                    *(comb_own.get((preds[j].tgt, preds[j].N, preds[j].D)) for j in rows),
                ]
                for (tgt, ev), rows in carried.items()
            }
        )
        l2l_pis: list[PredictiveInterval | None] = [None] * len(preds)
        for (tgt, ev), rows in carried.items():
            carried_pis = self.onward(
                [singles[j] for j in rows],
                tgt,
                ev,
                [(preds[j].N, preds[j].D) for j in rows],
                sources=[(preds[j].src,) for j in rows],
            )
            for j, pi in zip(rows, carried_pis, strict=True):
                l2l_pis[j] = pi
        out = []
        for p, l2l_pi in zip(preds, l2l_pis, strict=True):
            comb_key = ("combined", p.tgt, p.N, p.D, p.eval)
            if comb_key not in self._memo:
                self._memo[comb_key] = self.onward(
                    [comb_own.get((p.tgt, p.N, p.D))],
                    p.tgt,
                    p.eval,
                    [(p.N, p.D)],
                    combined=True,
                    sources=[sources_of.get((p.tgt, p.N, p.D), ())],
                )[0]
            comb_pi = self._memo[comb_key]
            combined = None if comb_pi is None else comb_pi.raw
            independent = self.independent(p)
            why = None if independent is not None else self.why_no_independent(p)
            out.append(p.with_intervals(combined, independent, l2l_pi, comb_pi, why))
        return out


def evaluate(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    options: FitOptions | None = None,
    rtol: float = SAME_RTOL,
    workers: int = 1,
    progress: Progress | None = None,
    cache: FitCache | None = None,
    level: float | None = 0.9,
    calibrations: CalibrationCache | None = None,
) -> Evaluation:
    """Table 1 on these runs (see the module docstring). Held out: runs of split ``holdout_split``, or at the
    ``holdout_top_compute`` largest compute budgets; by default the split 'extrapolation' when present, else the
    largest budget. Fits in ``cache`` are reused where their data match.

    With ``level`` (None: none), every prediction gets a predictive interval (``l2l.core.calibrate``, calibrated on
    the fitting runs, from ``calibrations`` when cached there), a third method, *combined* (the mean of every
    source's translation of a target configuration), is added, and the summary gives each method's coverage of
    the held-out values and median half-width."""
    runs = check_runs(runs)  # (a path or a DataFrame raised AttributeError; p70)
    check_fit_options(options)
    if level is not None:
        check_level(level)
    require_two_datasets(runs)
    fixed = _fixed_d_refusal(runs)  # (before any fit: no law in N and D can be fitted on them)
    if fixed is not None:
        raise fixed
    plan = plan_holdout(
        runs,
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        test=as_names(test),
        downstream=as_names(downstream),
    )
    _require_two_held_out(plan, runs)
    opts = options or FitOptions(form="auto")  # (the command line's default, and rank_runs')
    saved = FitCache() if cache is None else cache
    book = LawBook(
        plan.train,
        opts,
        saved=saved,
        own_eval=plan.own_eval,
        calibrations=calibrations,
        flops_per_param_token=runs.flops_per_param_token,
        unique_tokens=dict(runs.unique_tokens),
        final_of_a_log=runs.final_of_a_log,
    )
    book.fit_many(plan.law_keys(), workers=workers, progress=progress)
    # with --form auto, translations take E0 and E1 from the laws in the own losses' chosen form (the form their
    # backtests calibrated), which the choice fitted already
    tbook = translation_book(book)
    translations = _Translations(plan, tbook, rtol, runs)
    # where the own losses' choice did not settle between Eq. 3 and Eq. 1, the same translations with the other's
    # E's, whose values the intervals hold too
    obook = other_translation_book(book) if level is not None else None
    others = None if obook is None else (_Translations(plan, obook[0], rtol, runs), obook[1])
    independent = _Independent(book)
    preds = [
        p
        for p0, p1 in plan.ordered_pairs()
        for p in _pair_step(plan, independent, translations, p0, p1, rtol)
    ]
    cal_notes: tuple[str, ...] = ()
    if level is not None and preds:
        cal = book.calibration(OWN_GROUP)
        k = runs.flops_per_param_token
        _draw_unbacktested(book, preds, k, workers)
        preds = _Intervals(plan, book, translations, cal, level, k, book.sweeps, others, workers).attach(
            preds
        )
        cal_notes = cal.notes
        if cal.direct is None:
            cal_notes = (*cal_notes, "too few budgets to backtest: every interval is a lower bound")
    if not preds:
        # why; and where no two datasets' grids share a model anywhere, no hold-out can pair them (helper h95: the
        # hint named --holdout-top-compute, which refused the same way)
        held = [ds for ds in plan.datasets if ds in set(plan.hidden.get_column("dataset").to_list())]
        whys: dict[str, list[str]] = {}
        for ds in held if len(held) > 1 else []:
            whys.setdefault(_unpaired_why(plan, ds, rtol), []).append(ds)
        why = "; ".join(f"{', '.join(dss)}: {w}" for w, dss in whys.items() if w)
        meet = _grids_meet(plan, runs, rtol)
        raise SelectionError(
            "no two datasets have held-out runs at the same (N, D): nothing to compare"
            + (f" ({why})" if why else ""),
            hint="hold out the same configurations in every dataset (e.g. the top compute budget)"
            if meet
            else "no two datasets' runs share an (N, D) anywhere in the table, held out or not, and evaluate "
            "compares a held-out run with another dataset's run of the same model: compare the datasets by their "
            "own laws instead (l2l rank -t EVAL --C BUDGET, l2l predict -d all --N N --D D)",
            param="holdout_top_compute" if meet else None,
        )
    _require_some_made(preds, runs)
    notes = [*plan.notes, *_rows_notes(plan, preds, rtol)]
    return _relabel_test_to_test(runs, Evaluation(
        predictions=tuple(preds),
        summary=_summarise(preds),
        n_heldout_runs=int(runs.runs_per(frame=plan.hidden)["runs"].sum()),
        holdout=plan.label,
        test_evals=plan.test_evals,
        downstream_evals=plan.downstream_evals,
        notes=(*notes, *_combined_said_once(cal_notes)),
        translations=tuple(
            t for t in translations.done.values() if isinstance(t, LossToLoss) and t.kind != "train-test"
        ),
    ))  # fmt: skip


def _rows_notes(plan: HoldoutPlan, preds: Sequence[HeldOutPrediction], rtol: float) -> list[str]:
    """What the table's notes say of its rows: datasets in no row and why, a method alone, evals without a test
    eval, runs on one line, and the predictions a method could not make, with the commonest reasons."""
    notes: list[str] = []
    # a dataset whose held-out runs pair with no other's was in no row, "skipped 0" (sizes counted 3 % apart)
    paired = {p.tgt for p in preds} | {p.src for p in preds}
    # (one with no held-out run at all was told "model sizes counted differently? --rtol": probe p60)
    held = set(plan.hidden.get_column("dataset").unique().to_list())
    if none := [ds for ds in plan.datasets if ds not in paired and ds not in held]:
        has = "has" if len(none) == 1 else "have"
        notes.append(f"{', '.join(none)} {has} no held-out runs ({plan.label}), so in no pair and no row")
    if unpaired := [ds for ds in plan.datasets if ds not in paired and ds in held]:
        notes.append(_unpaired_held_note(plan, unpaired, rtol))
    if (alone := alone_note(preds)) is not None:
        notes.append(alone)
    if (no_test := no_test_note(plan, preds)) is not None:
        notes.append(no_test)
    if (on_line := _line_note(preds)) is not None:
        notes.append(on_line)
    if (above := _held_out_above_smaller_note(plan)) is not None:
        notes.append(above)
    if skipped := sum(1 for p in preds if p.skips):
        # the reasons, most common first: a table whose datasets share no fitting (N, D) printed dashes and "no
        # held-out prediction could be scored" with no word of why (a probe's two size grids)
        why = Counter(f"{s.method}: {s.detail}" for p in preds for s in p.skips).most_common(3)
        notes.append(
            f"{skipped} prediction(s) could not be made by one of the methods and are left out of the "
            f"{'means' if alone is None else 'comparison'} (--detail has the others); why: "
            + "; ".join(f"{reason} ({plural(n, 'prediction')})" for reason, n in why)
        )
    return notes


#: A held-out run whose own loss lies this far (relative) above a fitting run of its dataset with fewer parameters
#: and fewer tokens is said to be suspect: a larger model trained longer does not end worse (beyond noise) unless
#: it diverged or is mislabelled.
ABOVE_SMALLER: Final = 0.05


def _held_out_above_smaller_note(plan: HoldoutPlan) -> str | None:
    """The held-out runs whose own loss lies more than ``ABOVE_SMALLER`` above a fitting run of the same dataset
    with no more parameters and no more tokens (the worst such run, and how many), else None. Every error against
    such a run is the run's, not the laws' (helper h71: one diverged held-out run, its last checkpoint 35 % up, read
    as l2l erring by 13 % and translations by 29 %, with no word of the run)."""
    key = ["dataset", "eval"]
    own = pl.DataFrame(
        {"dataset": list(plan.own_eval), "eval": list(plan.own_eval.values())},
        schema={"dataset": pl.String, "eval": pl.String},
    )
    held = plan.hidden.join(own, on=key, how="semi").select(*key, "run_id", "N", "D", "loss")
    fit = plan.train.join(own, on=key, how="semi").select(
        *key, pl.col("N").alias("N_fit"), pl.col("D").alias("D_fit"), pl.col("loss").alias("loss_fit")
    )
    if held.height == 0 or fit.height == 0:
        return None
    worst = (
        held.join(fit, on=key)
        .filter(
            (pl.col("N_fit") <= pl.col("N"))
            & (pl.col("D_fit") <= pl.col("D"))
            & (pl.col("loss") > (1.0 + ABOVE_SMALLER) * pl.col("loss_fit"))
        )
        .with_columns((pl.col("loss") / pl.col("loss_fit") - 1.0).alias("above"))
        .sort("above", descending=True)
        .unique(["dataset", "run_id", "N", "D"], keep="first", maintain_order=True)
    )
    if worst.height == 0:
        return None
    r = worst.row(0, named=True)
    run = f"run {r['run_id']}" if r["run_id"] else "a run"
    smaller = (
        "the same model size trained on fewer tokens"
        if r["N_fit"] == r["N"]
        else "a smaller model trained on as many tokens"
        if r["D_fit"] == r["D"]
        else "a smaller model trained on fewer tokens"
    )
    more = f" (and {plural(worst.height - 1, 'other held-out run')} so)" if worst.height > 1 else ""
    return (
        f"warning: {r['dataset']}'s held-out {run} (N = {fmt_si(r['N'])}, D = {fmt_si(r['D'])}) ends "
        f"{100 * r['above']:.0f} % above its fitting run at N = {fmt_si(r['N_fit'])}, D = {fmt_si(r['D_fit'])} on "
        f"{r['eval']}, {smaller}{more}: diverged or mislabelled? The errors against "
        "it are the run's, not the laws' (fit-law on every run flags far runs)"
    )


def _onward_refits(args: tuple[TranslationInputs, float]) -> np.ndarray | None:
    """The refits of a translation on resampled pairs with its E's draws (rows K, κ, E0, E1), None where they do
    not make K and κ intervals at ``level`` (a worker's task: ``_Intervals.prepare_onward``)."""
    inputs, level = args
    try:
        _, draws = shifted_power_draws(inputs, seed=0)
    except FitError:
        return None
    return draws if k_kappa_intervals(draws, level) is not None else None


def _combined_said_once(notes: Sequence[str]) -> list[str]:
    """``notes`` with the calibration's notes of the combined methods that say the same thing said once, naming the
    methods: "combined:mean: 0 backtest errors are too few …", then the same of median and ivw, were three notes on
    Porian's table (probe h3)."""
    by_text: dict[str, list[str]] = {}
    for n in notes:
        method, sep, text = n.removeprefix("combined:").partition(": ")
        if n.startswith("combined:") and sep and " " not in method:
            by_text.setdefault(text, []).append(method)
    out: list[str] = []
    for n in notes:
        method, _, text = n.removeprefix("combined:").partition(": ")
        methods = by_text.get(text, []) if n.startswith("combined:") else []
        if len(methods) < 2:
            out.append(n)
        elif method == methods[0]:
            out.append(f"combined ({', '.join(methods)}): {text}")
    return out


def _grids_meet(plan: HoldoutPlan, runs: Runs, rtol: float) -> bool:
    """Whether some two datasets of ``plan`` have runs of their own evals at one (N, D) anywhere in ``runs``."""
    sides = Sides(runs.frame)
    grids = [sides.side(ds, plan.own_eval[ds])[:2] for ds in plan.datasets]
    return any(
        len(pair_configs(*grids[i], *grids[j], rtol)[0]) > 0
        for i in range(len(grids))
        for j in range(i + 1, len(grids))
    )


def _unpaired_why(plan: HoldoutPlan, ds: str, rtol: float) -> str:
    """Why the held-out runs of ``ds`` pair with no other dataset's (``unpaired_reason``; empty where unknown)."""
    sides = plan.hidden_sides

    def runs_of(names: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        got = [sides.side(d, plan.own_eval[d])[:2] for d in names]
        return np.concatenate([n for n, _ in got]), np.concatenate([d for _, d in got])

    return unpaired_reason(runs_of([ds]), runs_of([o for o in plan.datasets if o != ds]), rtol)


def _unpaired_held_note(plan: HoldoutPlan, unpaired: Sequence[str], rtol: float) -> str:
    """The datasets whose held-out runs pair with no other dataset's, each with why (``unpaired_reason`` against
    every other dataset's held-out runs): "e.g. --rtol 0.035 for 3 %" was said of sizes 10 % apart (probe p68)."""
    parts = []
    for ds in unpaired:
        why = _unpaired_why(plan, ds, rtol)
        parts.append(
            f"{ds}: held-out runs share no (N, D) with another dataset's, so in no pair and no row"
            + (f": {why}" if why else "")
        )
    return "; ".join(parts)


def empty_evaluation(reason: str) -> Evaluation:
    """An evaluation with no Table 1 (why: ``reason``), for a question whose other parts stand alone."""
    return Evaluation((), (), 0, "-", (), (), (reason,))


def _relabel_test_to_test(runs: Runs, ev: Evaluation) -> Evaluation:
    """``ev`` with its train-to-train setting called test-to-test where every dataset's own eval is the eval
    they share (two datasets' models compared on one eval)."""
    if not all_shared(runs):
        return ev
    shared = sorted(set(runs.own_eval.values()))

    def relabel(setting: Setting) -> Setting:
        return "test-to-test" if setting == "train-to-train" else setting

    note = (
        f"the datasets have no own eval: each one's loss on {', '.join(shared)} (the eval they all share) stands "
        "in for it, so the first setting is test-to-test"
    )
    return replace(
        ev,
        predictions=tuple(replace(p, setting=relabel(p.setting)) for p in ev.predictions),
        summary=tuple(replace(x, setting=relabel(x.setting)) for x in ev.summary),
        notes=(*ev.notes, note),
    )


def _line_note(preds: Sequence[HeldOutPrediction]) -> str | None:
    """Which laws' bias-corrected values come from the power law along their runs' one line of D/N (their interval's
    method says so: ``predict.LINE_METHOD``), said once; None where none do."""
    lined = sorted(
        {
            f"{p.tgt}/{p.eval}"
            for p in preds
            if p.interval_independent is not None and LINE_METHOD in p.interval_independent.method
        }
    )
    if not lined:
        return None
    return (
        f"{counted(lined, 'law')}: the runs lie on one line of tokens per parameter, and the power law along it, "
        "whose backtests beat the law's, gives the bias-corrected value there (as predict); on every such line it "
        "gives the loss-to-loss E0, E1 (as translate)"
    )


def _require_some_made(preds: Sequence[HeldOutPrediction], runs: Runs) -> None:
    """Refuse an evaluation in which no method predicted any held-out run (every one skipped), saying why."""
    if any(p.independent is not None or p.loss_to_loss is not None for p in preds):
        return
    details = list(dict.fromkeys(k.note() for p in preds for k in p.skips))
    shown = details[0] if details else "every prediction was skipped"
    # DCLM (1-2 runs per dataset) was pointed at --holdout, which refused it again for the same reason: where no
    # dataset has models enough for any law even with nothing held out, no holdout helps (h57)
    lawless = _why_no_dataset_has_a_law(runs)
    if lawless is not None:
        # a sweep of one N was told of the held-out cut's run count ("5 runs cannot fit"), not of the whole
        # table's missing sizes, which fit-law names (h55)
        shown, details = lawless, [lawless]
    raise SelectionError(
        f"no held-out run could be predicted by any method: {shown}"
        + (f" (and {len(details) - 1} other reasons)" if len(details) > 1 else ""),
        hint=f"no dataset has runs enough for a law, even with none held out: {FEW_RUNS_FIX}"
        if lawless is not None
        else "each dataset needs a law fitted below the held-out budget (enough runs at several sizes)",
        param=None if lawless is not None else "holdout",
    )


def _fixed_d_refusal(runs: Runs) -> SelectionError | None:
    """Where every dataset's own-loss runs lie at one token count (fixed-D sweeps: ``line_law.fixed_tokens``) and no
    law in N and D can be fitted on them (``_why_no_dataset_has_a_law``), why nothing is scored and what does score
    them; None otherwise. Table 1 asks whether a translation beats each dataset's own law in N and D: a fixed-D
    sweep has neither (its law is in N at its D alone, and a translation between two such sweeps lost to the
    target's own law at 2× its largest size on every seeded truth, README "One token count"). The extrapolation of
    its law is what its backtests score (refitted on the sizes up to each cutoff, predicting every size above: the
    interval ``predict`` gives is built from them); held-out sizes here would leave four or five sizes to a law
    those backtests already refit (h81)."""
    from l2l.core.line_law import fixed_tokens

    frame = runs.frame
    at: dict[str, float] = {}
    for dataset, own in runs.own_eval.items():
        rows = frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == own))
        d = fixed_tokens(rows.get_column("N").to_numpy(), rows.get_column("D").to_numpy())
        if d is None:
            return None
        at[dataset] = d
    if (
        not at or _why_no_dataset_has_a_law(runs) is None
    ):  # (D spread within 5 % may yet fit a law in N and D)
        return None
    tokens = ", ".join(dict.fromkeys(fmt_si(d) for d in at.values()))
    first = fmt_si(next(iter(at.values())))
    return SelectionError(
        f"nothing to evaluate: every run of {some_of(list(at))} lies at one token count (D = {tokens}), so each "
        "law is in N at that D alone (E_D + K·N^−γ), with no law in N and D to extrapolate and no translation "
        "between datasets to compare it with (a translation between fixed-D sweeps lost to the target's own law)",
        hint=f"each law's extrapolation is scored by its backtests (refitted on the sizes up to each cutoff, "
        f"predicting every size above): l2l fit-law --format json gives them (line_law.backtest), and l2l predict "
        f"--N SIZE --D {first} (-e TASK:loss, -e TASK:accuracy) predicts there with intervals made from them; "
        "l2l evaluate --accuracy TASK scores the accuracy chain through them on the held-out largest size; for "
        f"laws in N and D to evaluate: {other_d_fix(log=runs.final_of_a_log)}",
    )


def _why_no_dataset_has_a_law(runs: Runs) -> str | None:
    """Why no dataset's own loss, over all its runs, could identify a law (``core.fit.why_no_law``), said of the
    first dataset and counted for the rest; None where some dataset could. A sweep of one model size (h55's one_N)
    fits no law whatever is held out."""
    from l2l.core.fit import why_no_law

    frame = runs.frame
    reasons: list[str] = []
    for dataset, own in runs.own_eval.items():
        rows = frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == own))
        reason = why_no_law(
            rows.get_column("N").to_numpy(), rows.get_column("D").to_numpy(), f"{dataset}/{own}"
        )
        if reason is None:
            return None
        reasons.append(reason)
    if not reasons:
        return None
    others = len(reasons) - 1
    return reasons[0] + (f" ({plural(others, 'other dataset')} short of a law too)" if others else "")
