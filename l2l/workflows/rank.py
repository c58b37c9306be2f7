"""Which dataset should we train on? ``l2l rank`` over a run table: the thin workflow around ``l2l.core.ranking``.

``rank_runs`` builds the candidates (one per dataset with an own eval) from a ``Runs`` table, resolves the
targets (names, unique prefixes, globs, ``own``, with weights) and calls ``rank.rank_datasets`` once.
``rank_backtest`` hides held-out runs (a split, or the largest budgets), ranks the datasets from the rest for every
target, and scores each method and the single-scale baseline by pairwise decision accuracy against the measured
held-out losses, near-ties counted apart. rank.py's core stays free of polars; this module is where the table
meets it. Pure: nothing here prints or reads files.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray

from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.core.accuracy import AccuracyFit
from l2l.core.fit import percentile_interval
from l2l.core.laws import Array
from l2l.core.rank_model import (
    Budget,
    Candidate,
    FitMemo,
    LearnedDrawError,
    RankModel,
    fit_rank_model,
    learn_draw_error,
)
from l2l.core.ranking import (
    CombinedRow,
    DatasetPrediction,
    Method,
    Ranking,
    RankSettings,
    judge,
    point_predictions,
    rank_datasets,
)
from l2l.core.sweep import Sweep, config_groups
from l2l.workflows.accuracy import accuracy_evals, fit_accuracy_laws, task_loss_eval

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs

__all__ = [
    "ACCURACY_CAVEAT",
    "NEAR_TIE",
    "MethodAccuracy",
    "RankBacktest",
    "TargetAccuracy",
    "candidates_from_frame",
    "evaluate_ranking",
    "rank_backtest",
    "rank_runs",
    "resolve_targets",
]

#: Held-out losses closer than this (relative to their mean) make a near-tie pair: counted, and reported apart.
NEAR_TIE = 0.005
_GLOB = frozenset("*?[")
#: The keyword that names every candidate dataset's own eval as targets.
OWN = "own"


def resolve_targets(
    evals: Sequence[str], targets: Sequence[str] | Mapping[str, float], own_evals: Sequence[str] = ()
) -> dict[str, float]:
    """Target evals and their weights from names (exact or unique prefix), globs (``downstream/*``; ``!glob``
    leaves evals out) or ``own`` (every candidate's own eval), each with a weight (default 1). A glob's weight is
    shared by the evals it matches, so ``{"downstream/*": 1, "hellaswag": 1}`` weighs HellaSwag as much as the
    mean of the downstream tasks. Raises SelectionError for a name or glob that matches nothing."""
    try:
        return _resolve_targets(evals, targets, own_evals)
    except SelectionError as exc:
        if exc.param is not None:
            raise
        raise SelectionError(exc.message, hint=exc.hint, param="targets") from None


def _resolve_targets(
    evals: Sequence[str], targets: Sequence[str] | Mapping[str, float], own_evals: Sequence[str]
) -> dict[str, float]:
    from l2l.base.runs import resolve_name

    items = dict(targets) if isinstance(targets, Mapping) else dict.fromkeys(targets, 1.0)
    if not items:
        raise UsageError("name at least one target eval", param="targets")
    out: dict[str, float] = {}
    excluded: set[str] = set()
    for pattern, weight in items.items():
        w = float(weight)
        if not (math.isfinite(w) and w >= 0):
            raise UsageError(f"the weight of target {pattern} must be finite and ≥ 0, got {weight}")
        if pattern.startswith("!"):
            excluded.update(
                _glob(evals, pattern[1:])
                if _GLOB & set(pattern)
                else [resolve_name(pattern[1:], evals, "eval")]
            )
            continue
        if pattern == OWN:
            matched = [e for e in dict.fromkeys(own_evals) if e in evals]
            if not matched:
                raise SelectionError("no candidate dataset has an own eval to rank for")
        elif _GLOB & set(pattern):
            matched = _glob(evals, pattern)
        else:
            matched = [resolve_name(pattern, evals, "eval")]
        share = w / len(matched) if (pattern == OWN or _GLOB & set(pattern)) else w
        for ev in matched:
            out[ev] = out.get(ev, 0.0) + share
    out = {k: v for k, v in out.items() if k not in excluded}
    if not out:
        raise SelectionError("every target eval named is also excluded")
    if sum(out.values()) <= 0:
        raise UsageError("the target weights sum to zero")
    return out


def _glob(evals: Sequence[str], pattern: str) -> list[str]:
    """Evals whose name, or else whose last path part (``hellaswag*`` for ``downstream/hellaswag_...``), matches."""
    import fnmatch

    from l2l.base.runs import select_evals

    full = select_evals(evals, [pattern], required=False)
    if full:
        return full
    tail = [e for e in evals if fnmatch.fnmatchcase(e.rsplit("/", 1)[-1], pattern)]
    if not tail:
        raise SelectionError(f"no eval matches {pattern}")
    return tail


def candidates_from_frame(
    frame: pl.DataFrame,
    own_eval: Mapping[str, str],
    datasets: Sequence[str],
    evals: Sequence[str],
    flops_per_param_token: float,
) -> list[Candidate]:
    """One ``Candidate`` per dataset, with its runs on its own eval and on ``evals`` (a canonical run table)."""
    import polars as pl

    wanted = set(evals)
    out: list[Candidate] = []
    for ds in datasets:
        own = own_eval.get(ds, f"(no own eval of {ds})")
        sub = frame.filter((pl.col("dataset") == ds) & pl.col("eval").is_in([*wanted, own]))
        runs: dict[str, Sweep] = {}
        for (ev,), g in sub.group_by("eval", maintain_order=True):
            runs[str(ev)] = Sweep.of(
                g["N"].to_numpy(),
                g["D"].to_numpy(),
                g["C"].to_numpy(),
                g["loss"].to_numpy(),
                flops_per_param_token=flops_per_param_token,
            )
        out.append(Candidate(ds, own, runs))
    return out


def rank_runs(
    runs: Runs,
    targets: Sequence[str] | Mapping[str, float],
    *,
    C: float | None = None,
    N: float | None = None,
    D: float | None = None,
    datasets: Sequence[str] | None = None,
    split: str | None = None,
    method: Method = "recommended",
    form: str = "l2l",
    draws: int = 50,
    seed: int = 0,
    level: float = 0.9,
    flip_range: tuple[float, float] | None = None,
) -> Ranking:
    """Rank the datasets of ``runs`` (all, or ``datasets``) for ``targets`` at a compute budget ``C`` (each
    dataset's compute-optimal N*, D* from its own-loss law) or a fixed model ``N``, ``D``; fitted on the runs of
    ``split`` (all runs by default). See ``l2l.core.ranking.rank_datasets`` for the methods and the uncertainty."""
    if C is not None and (N is not None or D is not None):
        raise UsageError(
            "a budget is either a compute C, or a model size N with tokens D, not both", param="C"
        )
    if C is None and (N is None or D is None):
        raise UsageError("give a compute budget C, or a model size N together with tokens D", param="C")
    settings = RankSettings(method, form, draws, seed, level, flip_range)
    budget = Budget(C=C, N=N, D=D, flops_per_param_token=runs.flops_per_param_token)
    acc_eval = _accuracy_target(runs, targets)
    if acc_eval is not None:
        return _rank_accuracy(runs, acc_eval, budget, datasets, split, settings)
    return _rank_losses(runs, targets, budget, datasets, split, settings)


def _rank_losses(
    runs: Runs,
    targets: Sequence[str] | Mapping[str, float],
    budget: Budget,
    datasets: Sequence[str] | None,
    split: str | None,
    settings: RankSettings,
) -> Ranking:
    """The datasets ranked for loss targets (``rank_runs`` without an accuracy target)."""
    frame = runs.in_split(split)
    names = runs.resolve_datasets(datasets)
    if len(names) < 2:
        raise SelectionError("ranking needs at least two candidate datasets", param="datasets")
    evals = sorted(frame.get_column("eval").unique().to_list())
    weights = resolve_targets(evals, targets, [runs.own_eval[d] for d in names if d in runs.own_eval])
    cands = candidates_from_frame(frame, runs.own_eval, names, list(weights), runs.flops_per_param_token)
    return rank_datasets(cands, weights, budget, settings)


# ---------------------------------------------------------------------------------------------------------------
# Ranking by a downstream accuracy: predicted task loss per joint draw → the task's accuracy law
# ---------------------------------------------------------------------------------------------------------------

#: What the accuracy intervals leave out (they are not backtested).
ACCURACY_CAVEAT = (
    "accuracy intervals carry the task-loss draws through the fitted accuracy law's point curve (not its own fit "
    "uncertainty, nor the runs' noise) and are not backtested: treat them as a lower bound"
)


def _accuracy_target(runs: Runs, targets: Sequence[str] | Mapping[str, float]) -> str | None:
    """The accuracy eval a target names (a name that is no loss eval but an accuracy eval), or None when every
    target is a loss eval. Raises UsageError for an accuracy target among others."""
    from l2l.base.runs import resolve_name

    acc = accuracy_evals(runs)
    if not acc:
        return None
    names = list(targets)
    found: list[str] = []
    for pattern in names:
        if pattern.startswith("!") or pattern == OWN or _GLOB & set(pattern):
            continue
        if pattern.endswith(":accuracy"):  # spelled as an accuracy (workflows.requests.rank_targets)
            found.append(resolve_name(pattern.removesuffix(":accuracy"), acc, "accuracy eval"))
            continue
        try:
            resolve_name(pattern, runs.evals, "eval")
            continue
        except SelectionError:
            pass
        try:
            found.append(resolve_name(pattern, acc, "accuracy eval"))
        except SelectionError:
            continue
    if not found:
        return None
    if len(names) > 1:
        raise UsageError(
            "rank by one accuracy target at a time: accuracy and loss targets (or several accuracies) cannot "
            "be combined",
            param="targets",
        )
    return found[0]


def _rank_accuracy(
    runs: Runs,
    acc_eval: str,
    budget: Budget,
    datasets: Sequence[str] | None,
    split: str | None,
    settings: RankSettings,
) -> Ranking:
    """Rank by the predicted accuracy of ``acc_eval``, higher is better: each dataset's predicted task loss per
    joint draw (the loss ranking of the matched task-loss eval) through the task's fitted accuracy law (pooled or
    per dataset). Raises FitError for a task whose accuracy is unpredictable or has no law."""
    task, fit = _accuracy_law(runs, acc_eval, split)
    loss = _rank_losses(runs, {task: 1.0}, budget, datasets, split, settings)
    lt = loss.targets[0]
    logs = loss.log_draws.get(task, {})
    accs: dict[str, Array] = {}
    failed: dict[str, str] = {}
    for row in lt.rows:
        if row.dataset not in logs:
            failed[row.dataset] = row.reason or f"no predicted {task}"
            continue
        try:
            accs[row.dataset] = np.asarray(
                fit.predict(np.exp(logs[row.dataset]), group=row.dataset), np.float64
            )
        except FitError as exc:
            failed[row.dataset] = exc.message
    ok = list(accs)
    mat = np.vstack(list(accs.values())) if accs else np.zeros((0, loss.draws))
    pb, ranks, leader, tie, cont = judge(ok, -mat, settings.level)
    law = "pooled across datasets" if fit.pooled else "one per dataset"
    predicted = {n: float(np.exp(logs[n][0])) for n in ok}
    notes = {n: f"predicted {task}: {x:.4f} (accuracy law {law})" for n, x in predicted.items()}
    rows, combined = _accuracy_rows(lt.rows, failed, ok, mat, (pb, ranks), notes, settings.level)
    target = dataclasses.replace(
        lt,
        target=acc_eval,
        weight=1.0,
        rows=rows,
        leader=leader,
        tie=tie,
        contenders=cont,
        flips=(),
        curve=(),
        metric="accuracy",
        via=task,
    )
    outside = [n for n, x in predicted.items() if fit.extrapolates(x)]
    beyond = (
        [
            f"the predicted {task} of {', '.join(outside)} lies outside the losses the accuracy law was fitted on "
            f"({fit.x_range[0]:.3f}–{fit.x_range[1]:.3f}): the accuracy law is extrapolated"
        ]
        if outside
        else []
    )
    return dataclasses.replace(
        loss,
        targets=(target,),
        combined=combined,
        leader=leader,
        tie=tie,
        contenders=cont,
        warnings=(*loss.warnings, ACCURACY_CAVEAT, *beyond, *fit.warnings),
        log_draws={},
    )


def _accuracy_law(runs: Runs, acc_eval: str, split: str | None) -> tuple[str, AccuracyFit]:
    """The task loss an accuracy eval is ranked through, and the accuracy law that maps it (predictable only)."""
    task = task_loss_eval(runs, acc_eval)
    if task is None:
        raise SelectionError(
            f"no task loss matches the accuracy eval {acc_eval!r}: accuracy is ranked through its task's loss",
            param="targets",
        )
    (res,) = fit_accuracy_laws(runs, [acc_eval], split=split)
    if res.fit is None:
        raise FitError(f"no accuracy law for {acc_eval}: {res.error}")
    if res.fit.status != "ok":
        raise FitError(f"{acc_eval} cannot be ranked: its accuracy is unpredictable ({res.fit.reason})")
    return task, res.fit


def _accuracy_rows(
    loss_rows: Sequence[DatasetPrediction],
    failed: Mapping[str, str],
    ok: Sequence[str],
    mat: Array,
    judged: tuple[Array, NDArray[np.int64]],
    notes: Mapping[str, str],
    level: float,
) -> tuple[tuple[DatasetPrediction, ...], tuple[CombinedRow, ...]]:
    """The loss ranking's rows re-ranked by predicted accuracy (``mat``: per ranked dataset and joint draw, draw 0
    the point; ``judged``: P(best) and ranks), and the combined rows: accuracy relative to the mean candidate."""
    pb, ranks = judged
    B = mat.shape[1]
    rel = mat - mat.mean(axis=0, keepdims=True) if len(ok) else mat
    rows: list[DatasetPrediction] = []
    combined: list[CombinedRow] = []
    for row in loss_rows:
        if row.dataset in failed:
            why = failed[row.dataset]
            rows.append(
                dataclasses.replace(
                    row, status="failed", reason=why, value=None, lo=None, hi=None, p_best=0.0, rank=None
                )
            )
            combined.append(CombinedRow(row.dataset, "failed", why, None, None, None, 0.0, None))
            continue
        i = ok.index(row.dataset)
        lo, hi = percentile_interval(mat[i, 1:] if B > 1 else mat[i], level)
        rlo, rhi = percentile_interval(rel[i, 1:] if B > 1 else rel[i], level)
        p_best, rank_ = float(pb[i]), int(ranks[i])
        rows.append(
            dataclasses.replace(
                row,
                value=float(mat[i, 0]),
                lo=float(lo),
                hi=float(hi),
                p_best=p_best,
                rank=rank_,
                notes=(notes[row.dataset], *row.notes),
            )
        )
        combined.append(
            CombinedRow(row.dataset, "ok", None, float(rel[i, 0]), float(rlo), float(rhi), p_best, rank_)
        )
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
    combined.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
    return tuple(rows), tuple(combined)


# ---------------------------------------------------------------------------------------------------------------
# Backtest: rank from the rest, compare with the measured held-out runs
# ---------------------------------------------------------------------------------------------------------------

#: The methods a backtest scores, the single-scale baseline first.
BACKTEST_METHODS: tuple[Method, ...] = ("baseline", "independent", "translation", "recommended")


@dataclass(frozen=True)
class MethodAccuracy:
    """Pairwise decision accuracy of one method over every target and held-out (N, D): of ``pairs`` dataset
    pairs, ``right`` were ordered as the held-out runs measured; ``near_ties`` pairs were measured within
    ``NEAR_TIE`` of each other (``near_ties_right`` of them ordered right)."""

    method: Method
    right: int
    pairs: int
    near_ties: int
    near_ties_right: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.pairs if self.pairs else None

    @property
    def accuracy_clear(self) -> float | None:
        """Accuracy over the pairs that are not near-ties."""
        n = self.pairs - self.near_ties
        return (self.right - self.near_ties_right) / n if n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "right": self.right,
            "pairs": self.pairs,
            "accuracy": self.accuracy,
            "near_ties": self.near_ties,
            "near_ties_right": self.near_ties_right,
            "accuracy_clear": self.accuracy_clear,
        }


@dataclass(frozen=True)
class TargetAccuracy:
    """One target: held-out (N, D) points compared, pairs, and pairs right per method."""

    target: str
    points: int
    pairs: int
    near_ties: int
    right: Mapping[str, int]
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "points": self.points,
            "pairs": self.pairs,
            "near_ties": self.near_ties,
            **{f"right_{m}": int(v) for m, v in self.right.items()},
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class RankBacktest:
    """Rankings made without the held-out runs, scored against them (see ``rank_backtest``)."""

    holdout: str
    datasets: tuple[str, ...]
    methods: tuple[MethodAccuracy, ...]
    targets: tuple[TargetAccuracy, ...]
    near_tie: float
    draws: int
    notes: tuple[str, ...] = ()

    def to_polars(self) -> pl.DataFrame:
        """One row per method: pairs of datasets ordered right, accuracy, near-ties."""
        from l2l.workflows.results import rows_frame

        return rows_frame(m.to_dict() for m in self.methods)

    def best(self) -> MethodAccuracy | None:
        scored = [m for m in self.methods if m.accuracy is not None]
        return max(scored, key=lambda m: (m.right, m.method == "baseline")) if scored else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "holdout": self.holdout,
            "datasets": list(self.datasets),
            "near_tie": float(self.near_tie),
            "draws": int(self.draws),
            "methods": [m.to_dict() for m in self.methods],
            "targets": [t.to_dict() for t in self.targets],
            "notes": list(self.notes),
        }


def _pairwise(
    pred: Mapping[str, float], truth: Mapping[str, float], near_tie: float
) -> tuple[int, int, int, int]:
    """(right, pairs, near-ties, near-ties right) over the dataset pairs both rank."""
    right = total = ties = tie_right = 0
    for a, b in itertools.combinations(sorted(set(pred) & set(truth)), 2):
        ok = (pred[a] - pred[b]) * (truth[a] - truth[b]) > 0
        near = abs(truth[a] - truth[b]) < near_tie * 0.5 * (truth[a] + truth[b])
        right += ok
        total += 1
        ties += near
        tie_right += ok and near
    return right, total, ties, tie_right


def _held_points(
    hidden: pl.DataFrame, target: str, names: Sequence[str]
) -> list[tuple[float, float, dict[str, float]]]:
    """(N, D, measured loss per dataset) at every held-out configuration of ``target`` (``config_groups``) that at
    least two datasets ran (repeats averaged), ordered by N, then D."""
    import polars as pl

    sub = hidden.filter((pl.col("eval") == target) & pl.col("dataset").is_in(list(names)))
    if sub.height == 0:
        return []
    cfg = config_groups(sub["N"].to_numpy(), sub["D"].to_numpy())
    g = (
        sub.with_columns(pl.Series("_cfg", cfg))
        .group_by(["_cfg", "dataset"])
        .agg(pl.col("loss").mean(), pl.col("N").first(), pl.col("D").first())
    )
    out: list[tuple[float, float, dict[str, float]]] = []
    for _, pts in g.sort(["N", "D", "dataset"]).group_by("_cfg", maintain_order=True):
        if pts.height >= 2:
            truth = dict(zip(pts["dataset"].to_list(), pts["loss"].to_list(), strict=True))
            out.append((float(pts["N"][0]), float(pts["D"][0]), {str(k): float(v) for k, v in truth.items()}))
    return out


def _score_target(
    model: RankModel,
    target: str,
    points: Sequence[tuple[float, float, dict[str, float]]],
    learned: LearnedDrawError | None,
    k: float,
    near_tie: float,
) -> dict[Method, list[int]]:
    """Per backtest method: (right, pairs, near-ties, near-ties right) over the held-out ``points`` of one target,
    each ranked at its own (N, D); the recommended method with the ``learned`` extrapolation error."""
    out: dict[Method, list[int]] = {m: [0, 0, 0, 0] for m in BACKTEST_METHODS}
    for n, d, truth in points:
        budget = Budget(N=n, D=d, flops_per_param_token=k)
        reach = math.log10(budget.compute / model.sweep_top_compute)
        for m in BACKTEST_METHODS:
            err = learned(reach) if (learned is not None and m == "recommended") else None
            counts = _pairwise(point_predictions(model, target, budget, m, err), truth, near_tie)
            out[m] = [a + b for a, b in zip(out[m], counts, strict=True)]
    return out


def rank_backtest(
    runs: Runs,
    targets: Sequence[str] | Mapping[str, float],
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    datasets: Sequence[str] | None = None,
    split: str | None = None,
    form: str = "l2l",
    draws: int = 30,
    seed: int = 0,
    near_tie: float = NEAR_TIE,
    progress: Callable[[int, int], None] | None = None,
) -> RankBacktest:
    """Hold out runs (``holdout_split``, or the ``holdout_top_compute`` largest budgets; by default the split
    'extrapolation' when present, else the largest budget), rank the datasets from the rest for each target at each
    held-out (N, D) that two or more datasets ran, and count the dataset pairs each method orders as measured.

    ``split`` first restricts the table (``split="sweep"`` with the top budget held out is the within-sweep
    backtest). The recommended method is given the extrapolation error its own within-sweep backtest learns (as
    ``rank_runs`` does); the baseline ranks by the mean measured loss at each dataset's largest remaining budget."""
    from l2l.workflows.evaluate import plan_holdout

    if not (0 <= near_tie < 1):
        raise UsageError(f"the near-tie tolerance must lie in [0, 1), got {near_tie}")
    base = runs if split is None else dataclasses.replace(runs, frame=runs.in_split(split))
    plan = plan_holdout(base, holdout_split=holdout_split, holdout_top_compute=holdout_top_compute)
    names = base.resolve_datasets(datasets)
    evals = sorted(plan.train.get_column("eval").unique().to_list())
    weights = resolve_targets(evals, targets, [runs.own_eval[d] for d in names if d in runs.own_eval])
    k = base.flops_per_param_token
    cands = candidates_from_frame(plan.train, runs.own_eval, names, list(weights), k)
    fits: FitMemo = {}
    short_fits: FitMemo = {}
    totals = {m: [0, 0, 0, 0] for m in BACKTEST_METHODS}
    per_target: list[TargetAccuracy] = []
    notes: list[str] = []
    for i, t in enumerate(weights):
        if progress is not None:
            progress(i, len(weights))
        points = _held_points(plan.hidden, t, names)
        if not points:
            per_target.append(
                TargetAccuracy(t, 0, 0, 0, dict.fromkeys(BACKTEST_METHODS, 0), ("no held-out runs",))
            )
            continue
        model = fit_rank_model(cands, t, form=form, draws=draws, seed=seed, fits=fits)
        tnotes: list[str] = []
        try:
            em = learn_draw_error(cands, t, form=form, draws=draws, seed=seed, fits=short_fits)
        except FitError as exc:
            em = None
            tnotes.append(f"recommended without a learned extrapolation error: {exc}")
        scored = _score_target(model, t, points, em, k, near_tie)
        for m, counts in scored.items():
            totals[m] = [a + b for a, b in zip(totals[m], counts, strict=True)]
        right: dict[str, int] = {m: c[0] for m, c in scored.items()}
        pairs, ties = scored["baseline"][1], scored["baseline"][2]
        per_target.append(TargetAccuracy(t, len(points), pairs, ties, right, tuple(tnotes)))
        notes.extend(f"{t}: {n}" for n in tnotes)
    if progress is not None:
        progress(len(weights), len(weights))
    if not any(t.points for t in per_target):
        raise SelectionError(
            "no held-out runs of two or more datasets at the same (N, D) on any target: nothing to score",
            hint="hold out the same configurations in every dataset (e.g. the top compute budget)",
            param="holdout_top_compute",
        )
    methods = tuple(MethodAccuracy(m, *totals[m]) for m in BACKTEST_METHODS)
    return RankBacktest(plan.label, tuple(names), methods, tuple(per_target), near_tie, draws, tuple(notes))


# The ranking setting of ``l2l evaluate --ranking``: the same held-out runs and evals as Table 1.
def evaluate_ranking(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    form: str = "l2l",
    draws: int = 30,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> RankBacktest:
    """The dataset-ranking setting on the same held-out runs and evals as ``evaluate``: for every test and
    downstream eval, the datasets ranked from the remaining runs against the measured held-out ones, as pairwise
    decision accuracy of each method and the single-scale baseline (``rank_backtest``)."""
    from l2l.workflows.evaluate import plan_holdout

    plan = plan_holdout(
        runs,
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        test=test,
        downstream=downstream,
    )
    targets = [*plan.test_evals, *plan.downstream_evals]
    return rank_backtest(
        runs,
        targets or [OWN],  # (no test evals: the datasets' own evals are the one eval they share)
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        form=form,
        draws=draws,
        seed=seed,
        progress=progress,
    )
