"""The train-to-accuracy setting of ``evaluate``: held-out downstream accuracy, in absolute accuracy points.

Fit on the remaining runs, predict each held-out run's accuracy on each accuracy eval, by:

- ``baseline``: the accuracy of the largest remaining run (the largest budget, lowest own loss) of the dataset;
- ``paper``: the paper's Appendix B, 1 − acc = K·(L − E0)^κ + E1 of the model's own loss, one law per dataset
  (E0 from the own loss's Eq. 3 law);
- ``l2l``: l2l's recommended law, the one ``predict`` and ``rank`` use: a sigmoid of the task's CE loss with a
  floor fitted near chance, the ceiling its backtest chooses (``ceiling="auto"``: 1 unless the task levels off
  inside the sweep), pooled across datasets where a within-run backtest says so; tasks whose accuracy stays within
  noise of chance are labelled unpredictable instead of predicted.

Each law runs from the held-out run's MEASURED input loss (the loss → accuracy step alone) and from a PREDICTED one
(the whole chain: the input loss as ``predict`` gives it at the held-out (N, D), from the remaining runs: the law
of its group's form, corrected by the group's backtests where that helped). l2l's predictions carry their
intervals (``AccuracyPrediction``'s: the predicted loss's interval through the law, the law's backtested error on
the logit scale; from a measured loss, the law's error alone), and the summary their coverage.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from l2l.base.checks import check_level
from l2l.base.errors import FitError, SelectionError
from l2l.base.runs import RUN_OF, with_run
from l2l.core.accuracy import AccuracyFit
from l2l.core.fit import FitCache, FitOptions
from l2l.core.sweep import budgets
from l2l.workflows.accuracy import (
    AccuracyData,
    accuracy_data,
    accuracy_lower_bound,
    accuracy_runs,
    cached_fit_accuracy,
    ceiling_note,
    chance_level,
    check_accuracy_args,
    resolve_accuracy_evals,
)
from l2l.workflows.evaluate import held_out_runs, plan_holdout
from l2l.workflows.lawbook import LawBook

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.predictive import PredictiveInterval

__all__ = ["AccuracyEvaluation", "AccuracyHeldOut", "AccuracyMethodSummary", "evaluate_accuracy"]

Method = Literal["baseline", "paper", "l2l"]
METHOD_LABELS: dict[str, str] = {
    "baseline": "baseline: accuracy of the largest remaining run",
    "paper": "paper: power law of the own loss",
    "l2l": "l2l: sigmoid of the task loss",
}
#: which input loss a prediction took: measured, predicted, or None for the baseline (it takes none; a "-" reached
#: JSON and CSV as data)
InputKind = Literal["measured", "predicted"] | None


@dataclass(frozen=True)
class AccuracyHeldOut:
    """One method's prediction of one held-out run's accuracy (``predicted`` None when it made none)."""

    eval: str
    dataset: str
    run_id: str
    N: float
    D: float
    truth: float
    method: Method
    input: InputKind
    predicted: float | None
    status: Literal["ok", "poor", "unpredictable", "failed"]
    reason: str = ""
    lo: float | None = None
    hi: float | None = None
    #: whether the interval is a lower bound, as ``predict --eval ACC`` marks the same prediction
    #: (``accuracy_lower_bound``); None without an interval
    lower_bound_only: bool | None = None

    @property
    def error_points(self) -> float | None:
        return None if self.predicted is None else 100 * abs(self.predicted - self.truth)

    @property
    def covered(self) -> bool | None:
        """Whether the interval holds the held-out accuracy (None without an interval)."""
        return None if self.lo is None or self.hi is None else self.lo <= self.truth <= self.hi

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "error_points": self.error_points, "covered": self.covered}


@dataclass(frozen=True)
class AccuracyMethodSummary:
    """Mean absolute error in accuracy points of one method and input."""

    method: Method
    input: InputKind
    n_predictions: int
    mae_points: float | None  # over every prediction the method made
    n_evals: int
    mae_points_predictable: float | None  # over the evals l2l predicts (not unpredictable): a common set
    n_predictable: int
    coverage: float | None = None  # share of held-out accuracies inside the intervals (l2l only)
    median_half_width_points: float | None = None
    n_intervals: int = 0
    n_lower_bound: int = (
        0  # of the intervals, those that are lower bounds (``AccuracyHeldOut.lower_bound_only``)
    )

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "label": METHOD_LABELS[self.method]}


@dataclass(frozen=True, eq=False)
class AccuracyEvaluation:
    holdout: str
    n_heldout_runs: int
    evals: tuple[str, ...]
    predictions: tuple[AccuracyHeldOut, ...]
    summary: tuple[AccuracyMethodSummary, ...]
    unpredictable: Mapping[str, str]  # eval → reason (l2l's check on the remaining runs)
    failed: Mapping[str, str]  # eval → why l2l's law could not be made (e.g. no task loss)
    notes: tuple[str, ...] = ()

    def to_polars(self, *, detail: bool = False) -> pl.DataFrame:
        """Mean absolute error in points per method and input; ``detail``: one row per held-out prediction."""
        from l2l.workflows.results import rows_frame

        return rows_frame(p.to_dict() for p in (self.predictions if detail else self.summary))

    def to_dict(self) -> dict[str, Any]:
        return {
            "holdout": self.holdout,
            "n_heldout_runs": self.n_heldout_runs,
            "evals": list(self.evals),
            "summary": [s.to_dict() for s in self.summary],
            "unpredictable": dict(self.unpredictable),
            "failed": dict(self.failed),
            "notes": list(self.notes),
        }


def _predicted_loss(
    book: LawBook, dataset: str, eval_name: str, n: float, d: float, level: float
) -> PredictiveInterval | str:
    """The input loss as ``predict`` gives it (``loss_point``: a fixed-D sweep's law in N at its D too), or why no
    law answers (predict's words)."""
    from l2l.workflows.predict import loss_point

    try:
        return loss_point(book, dataset, eval_name, n, d, level=level).interval
    except (FitError, SelectionError) as exc:
        return exc.message


def _baseline(own_train: AccuracyData) -> dict[str, float]:
    """dataset → accuracy of its run at the largest budget with the lowest own loss. A budget is C within
    ``BUDGET_RTOL`` (``sweep.budgets``): an isoFLOP grid's C = 6·N·D from rounded sizes jitters in its last digits,
    and an exact max kept the one run whose C happened to be largest, whatever its loss."""
    out: dict[str, float] = {}
    for (ds,), g in own_train.frame.group_by("dataset"):
        top = float(budgets(g.get_column("C").to_numpy())[-1])
        best = g.filter(pl.col("C") >= top).sort("x")
        out[str(ds)] = float(best.get_column("accuracy")[0])
    return out


def _held_out_accuracy(
    runs: Runs, acc: pl.DataFrame, hidden: pl.DataFrame
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(held-out accuracy rows, the rest): the rows at a held-out run's (dataset, N, D, split), and a held-out
    run's last accuracy where its accuracy was logged before its last loss (a per-step log whose accuracy ran less
    often: "no held-out run has an accuracy", or 2 of 4 held-out runs scored); none of a held-out run's
    checkpoints is left to fit the law that scores it (they were: a probe). A run as the loss laws' hold-out takes
    it out whole (``evaluate.held_out_runs``)."""
    key = ["dataset", "N", "D", "split"]
    runs_key = list(RUN_OF)
    hidden_keys = hidden.select(key).unique()
    hidden_runs = held_out_runs(runs, hidden)
    tagged = with_run(acc, every_checkpoint=runs.every_checkpoint)
    by_key = acc.join(hidden_keys, on=key, how="semi", nulls_equal=True)
    of_runs = tagged.join(hidden_runs, on=runs_key, how="semi", nulls_equal=True)
    last = of_runs.filter(pl.col("D") == pl.col("D").max().over([*runs_key, "eval"])).drop("_run")
    held = pl.concat([by_key, last]).unique(maintain_order=True)
    rest = (
        tagged.join(hidden_keys, on=key, how="anti", nulls_equal=True)
        .join(hidden_runs, on=runs_key, how="anti", nulls_equal=True)
        .drop("_run")
    )
    return held, rest


def _safe(fit: AccuracyFit, x: float | None, dataset: str) -> float | None:
    if x is None:
        return None
    try:
        return float(fit.predict(x, dataset))
    except FitError:
        return None


@dataclass(frozen=True, eq=False)
class _EvalLaws:
    """One accuracy eval's laws fitted on the remaining runs, and its held-out rows: ``paper`` (power law of the
    own loss, per dataset; None when it could not be fitted), ``l2l`` (sigmoid of the task loss; None with the
    reason in ``failed``), each dataset's ``baseline`` accuracy, the held-out task losses by (dataset, run)."""

    name: str
    held_out: AccuracyData
    baseline: dict[str, float]
    paper: AccuracyFit | None
    l2l: AccuracyFit | None
    task_eval: str
    task_held_out: dict[tuple[str, str, float, float], float]
    failed: str | None


def _eval_laws(
    runs: Runs,
    book: LawBook,
    name: str,
    frames: tuple[pl.DataFrame, pl.DataFrame],
    level: float | None,
    cache: MutableMapping[str, AccuracyFit] | None = None,
    ceiling: float | Literal["auto"] | None = "auto",
) -> _EvalLaws:
    """The laws of accuracy eval ``name`` fitted on ``frames[0]`` (the remaining accuracy rows), and its
    held-out rows ``frames[1]`` (laws kept in ``cache``, ``accuracy.cached_fit_accuracy``); raises SelectionError
    when the eval has no own-loss rows to relate."""
    acc_train, acc_hidden = frames
    own_tr = accuracy_data(runs, name, input_loss="own", frame=acc_train)
    own_te = accuracy_data(runs, name, input_loss="own", frame=acc_hidden)
    paper: AccuracyFit | None = None
    try:
        e0 = {ds: float(book.get(ds, runs.own(ds)).law.E) for ds in sorted(set(own_tr.groups.tolist()))}
        paper = cached_fit_accuracy(
            cache,
            own_tr.x,
            own_tr.acc,
            form="power",
            groups=own_tr.groups,
            pooling="separate",
            E0=e0,
            check=False,
        )
    except FitError:
        paper = None
    l2l_fit: AccuracyFit | None = None
    task_te: dict[tuple[str, str, float, float], float] = {}
    task_eval = ""
    failed = None
    try:
        task_tr = accuracy_data(runs, name, input_loss="task", frame=acc_train)
        task_eval = task_tr.input_eval
        te = accuracy_data(runs, name, input_loss="task", frame=acc_hidden)
        # keyed by checkpoint too: a run's checkpoints kept whole (`--checkpoints all`) share its id, and keyed
        # by the id alone every checkpoint read the run's final task loss as its "measured" input
        ids = te.frame.select("dataset", "run_id", "N", "D").iter_rows()
        task_te = dict(zip(ids, te.x.tolist(), strict=True))
        l2l_fit = cached_fit_accuracy(
            cache,
            task_tr.x,
            task_tr.acc,
            chance=level,
            # the ceiling chosen as predict and rank choose it: at 1 always, a probe's tasks that level off inside
            # the sweep scored l2l's law the worst method (8.21 points where predict missed by 1.16)
            ceiling=ceiling,
            groups=task_tr.groups,
            order=task_tr.order,
            check=True,
        )
    except (SelectionError, FitError) as exc:
        failed = exc.message
    return _EvalLaws(name, own_te, _baseline(own_tr), paper, l2l_fit, task_eval, task_te, failed)


def _held_out_predictions(runs: Runs, book: LawBook, laws: _EvalLaws, level: float) -> list[AccuracyHeldOut]:
    """Every method's prediction of every held-out run of one accuracy eval, from measured and from predicted
    input losses (l2l's with intervals at ``level``)."""
    preds: list[AccuracyHeldOut] = []
    for row in laws.held_out.frame.iter_rows(named=True):
        ds, rid, n, d = row["dataset"], row["run_id"], row["N"], row["D"]
        run = (laws.name, ds, rid, n, d, row["accuracy"])
        b = laws.baseline.get(ds)
        why = "" if b is not None else "no remaining run of this dataset"
        preds.append(_made(run, "baseline", None, b, why))
        own_pi = _predicted_loss(book, ds, runs.own(ds), n, d, level)
        own: dict[InputKind, float | None] = {
            "measured": row["x"],
            "predicted": None if isinstance(own_pi, str) else own_pi.estimate,
        }
        for kind, x in own.items():
            p = None if laws.paper is None else _safe(laws.paper, x, ds)
            preds.append(_made(run, "paper", kind, p, "the power law could not be fitted or evaluated"))
        measured = laws.task_held_out.get((ds, rid, n, d))
        task: dict[InputKind, _Loss | str | None] = {
            "measured": None if measured is None else (measured, measured, measured, False),
            "predicted": _loss_triple(book, ds, laws.task_eval, n, d, level)
            if laws.task_eval
            else "no task loss",
        }
        for kind, xs in task.items():
            if laws.l2l is None:
                preds.append(_made(run, "l2l", kind, None, laws.failed or ""))
            elif not laws.l2l.usable:
                preds.append(_made(run, "l2l", kind, None, laws.l2l.reason, status="unpredictable"))
            else:
                preds.append(_l2l_made(run, kind, laws.l2l, ds, xs, level))
    return preds


#: An input loss: estimate, lo, hi, and whether its interval is a lower bound (a measured one: itself, exact).
_Loss = tuple[float, float, float, bool]

#: The reason of an l2l prediction made from no input loss (the measured one missing, or no law to predict it).
NO_INPUT_LOSS = "no input loss"


def _loss_triple(book: LawBook, ds: str, ev: str, n: float, d: float, level: float) -> _Loss | str:
    """The predicted input loss (``_Loss``), or why there is none."""
    pi = _predicted_loss(book, ds, ev, n, d, level)
    return pi if isinstance(pi, str) else (pi.estimate, pi.lo, pi.hi, pi.lower_bound_only)


def _l2l_made(
    run: tuple[str, str, str, float, float, float],
    kind: InputKind,
    fit: AccuracyFit,
    ds: str,
    xs: _Loss | str | None,
    level: float,
) -> AccuracyHeldOut:
    """l2l's prediction of a held-out accuracy from the input loss ``xs`` (estimate, lo, hi, a lower bound), with
    its interval, a lower bound where ``predict --eval ACC`` marks the same prediction one; none where there is no
    input loss (``xs`` None, or why not)."""
    if xs is None or isinstance(xs, str):
        return _made(run, "l2l", kind, None, NO_INPUT_LOSS + (f": {xs}" if xs else ""))
    try:
        acc, lo, hi, how = fit.chain_interval(xs[0], ds, xs[1], xs[2], level)
    except FitError as exc:
        return _made(run, "l2l", kind, None, exc.message)
    made = _made(run, "l2l", kind, acc, "", status="poor" if fit.status == "poor" else None)
    bound = accuracy_lower_bound(
        loss_lower_bound=xs[3],
        poor=fit.status == "poor",
        method=how,
        ceiling_note=ceiling_note(fit, ds, acc),
        level_note=fit.too_few_note(level),
    )
    return replace(
        made,
        predicted=acc,
        lo=lo,
        hi=hi,
        reason=fit.reason if fit.status == "poor" else "",
        lower_bound_only=bound,
    )


def _made(
    run: tuple[str, str, str, float, float, float],
    method: Method,
    kind: InputKind,
    predicted: float | None,
    why_not: str,
    status: Literal["ok", "poor", "unpredictable", "failed"] | None = None,
) -> AccuracyHeldOut:
    """``method``'s prediction from input ``kind`` of held-out ``run`` (eval, dataset, run_id, N, D, truth): ok
    when made, else ``status`` (failed) for ``why_not``."""
    made = status in (None, "poor") and predicted is not None
    return AccuracyHeldOut(
        *run,
        method,
        kind,
        predicted,
        (status or "ok") if made else status or "failed",
        "" if made else why_not,
    )


#: The methods and inputs a train-to-accuracy evaluation summarises, in order.
_SUMMARISED: tuple[tuple[Method, tuple[InputKind, ...]], ...] = (
    ("baseline", (None,)),
    ("paper", ("measured", "predicted")),
    ("l2l", ("measured", "predicted")),
)


def _summary(
    preds: Sequence[AccuracyHeldOut], unpredictable: Mapping[str, str]
) -> tuple[AccuracyMethodSummary, ...]:
    """Each method's and input's mean absolute error, over every prediction it made and over the evals l2l
    predicts (a common set)."""
    predictable = {
        p.eval for p in preds if p.method == "l2l" and p.predicted is not None and p.eval not in unpredictable
    }
    out = []
    for method, kinds in _SUMMARISED:
        for kind in kinds:
            mine = [p for p in preds if p.method == method and p.input == kind and p.error_points is not None]
            on_common = [p for p in mine if p.eval in predictable]
            ivs = [p for p in mine if p.covered is not None and p.lo is not None and p.hi is not None]
            out.append(
                AccuracyMethodSummary(
                    method,
                    kind,
                    len(mine),
                    float(np.mean([p.error_points for p in mine])) if mine else None,
                    len({p.eval for p in mine}),
                    float(np.mean([p.error_points for p in on_common])) if on_common else None,
                    len({p.eval for p in on_common}),
                    float(np.mean([bool(p.covered) for p in ivs])) if ivs else None,
                    float(
                        np.median([50 * (p.hi - p.lo) for p in ivs if p.hi is not None and p.lo is not None])
                    )
                    if ivs
                    else None,
                    len(ivs),
                    sum(1 for p in ivs if p.lower_bound_only),
                )
            )
    return tuple(out)


def evaluate_accuracy(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    evals: Sequence[str] | None = None,
    chance: Mapping[str, float] | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    level: float = 0.9,
    accuracy_cache: MutableMapping[str, AccuracyFit] | None = None,
    ceiling: float | Literal["auto"] | None = "auto",
) -> AccuracyEvaluation:
    """Held-out accuracy error of each method (see the module docstring), over the accuracy evals named
    (names, globs, or all). Held out as in ``evaluate``: a split, or the top compute budgets. l2l's intervals
    are at ``level``. ``accuracy_cache``: the accuracy laws fitted before (as ``fit_accuracy_laws``).
    ``ceiling``: l2l's law's ceiling (1.0, None: fitted, "auto": as its backtest favours)."""
    evals = check_accuracy_args(evals)  # before the holdout is planned (evals=[] meant every eval; p63)
    check_level(level)
    plan = plan_holdout(
        runs, holdout_split=holdout_split, holdout_top_compute=holdout_top_compute, tests_needed=False
    )
    names = resolve_accuracy_evals(runs, evals)
    assert runs.accuracy is not None
    acc_hidden, acc_train = _held_out_accuracy(runs, runs.accuracy, plan.hidden)
    if acc_hidden.height == 0:
        raise SelectionError("no held-out run has an accuracy: nothing to evaluate")
    book = LawBook(
        plan.train,
        options or FitOptions(form="auto"),  # (the command line's default)
        saved=FitCache() if cache is None else cache,
        own_eval=plan.own_eval,
        calibrations=calibrations,
        flops_per_param_token=runs.flops_per_param_token,
    )
    preds: list[AccuracyHeldOut] = []
    unpredictable: dict[str, str] = {}
    failed: dict[str, str] = {}
    hints: list[str] = []  # (the fix of the failures, said once: --own-eval where a dataset has no own eval)
    for name in names:
        chance_at, _ = chance_level(runs, name, chance)
        try:
            laws = _eval_laws(runs, book, name, (acc_train, acc_hidden), chance_at, accuracy_cache, ceiling)
        except SelectionError as exc:
            failed[name] = exc.message
            hints += [exc.hint] if exc.hint else []
            continue
        if laws.failed is not None:
            failed[name] = laws.failed
        elif laws.l2l is not None and not laws.l2l.usable:
            unpredictable[name] = laws.l2l.reason
        preds.extend(_held_out_predictions(runs, book, laws, level))
    if not preds:
        raise SelectionError(
            "no accuracy eval could be evaluated: " + "; ".join(f"{k}: {v}" for k, v in failed.items()),
            hint=hints[0] if hints and len(set(hints)) == 1 else None,
        )
    notes = []
    if unpredictable:
        notes.append(
            f"{len(unpredictable)} eval(s) labelled unpredictable by l2l on the remaining runs, not predicted: "
            + "; ".join(f"{k} ({v})" for k, v in sorted(unpredictable.items()))
        )
    if failed:
        notes.append("l2l's law not made for: " + "; ".join(f"{k} ({v})" for k, v in sorted(failed.items())))
    unmade = [
        p.reason
        for p in preds
        if p.method == "l2l"
        and p.input == "predicted"
        and p.predicted is None
        and p.reason.startswith(NO_INPUT_LOSS)
    ]
    if unmade:
        # (the whole chain's rows read "–" with nothing said, where predict says why: a DataDecide-like sweep of 5
        # sizes on one line fits no law of the task loss: helper h101)
        notes.append(
            f"l2l from the predicted input loss: none for {len(unmade)} held-out run(s), e.g. "
            + unmade[0].removeprefix(NO_INPUT_LOSS + ": ")
        )
    return AccuracyEvaluation(
        holdout=plan.label,
        n_heldout_runs=accuracy_runs(runs, acc_hidden),
        evals=tuple(names),
        predictions=tuple(preds),
        summary=_summary(preds, unpredictable),
        unpredictable=unpredictable,
        failed=failed,
        notes=tuple(notes),
    )
