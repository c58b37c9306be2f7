"""Which dataset should we train on? ``l2l rank`` over a run table: the thin workflow around ``l2l.core.ranking``.

``rank_runs`` builds the candidates (one per dataset with an own eval) from a ``Runs`` table, resolves the
targets (names, unique prefixes, globs, ``own``, with weights), takes every law from a LawBook (the same laws,
forms and corrections ``predict`` uses, with their bootstrap draws, kept in the session's caches: a second
ranking of the same runs refits nothing) and ranks with ``l2l.core.ranking.rank``. Each target's recommended
ranking uses the laws only where a backtest inside the sweep (its largest budget held out) found them better than
the order the sweep measured, and says which it used. The backtest of rankings against held-out runs is
``l2l.workflows.rank_eval``. The core stays free of polars; this module is where the table meets it. Pure:
nothing here prints or reads files.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final, Literal

import numpy as np
from numpy.typing import NDArray

from l2l.base.checks import as_names, check_count, check_weight
from l2l.base.errors import AmbiguousNameError, FitError, RefusedBeyondSweepError, SelectionError, UsageError
from l2l.base.runs import check_runs
from l2l.base.schema import MIN_RANK_DRAWS, Pooling, beyond_nats, is_glob
from l2l.base.text import fmt_si, grouped_reasons
from l2l.core.accuracy import AccuracyFit
from l2l.core.calibrate import CalibrationCache
from l2l.core.error_model import ErrorModel
from l2l.core.fit import FitCache, FitOptions, LawFit, percentile_interval
from l2l.core.laws import Array
from l2l.core.line_law import FixedLine, LineLaw, fixed_tokens
from l2l.core.predictive import PredictiveInterval, beyond_evidence
from l2l.core.rank_model import (
    ANCHOR_BUDGET_RATIO,
    Budget,
    Candidate,
    DrawError,
    DrawErrorHook,
    DrawnLaw,
    FitMemo,
    NoValue,
    RankModel,
    fit_rank_model,
    learn_draw_error,
    pooled_repeat_sd,
)
from l2l.core.ranking import (
    DEFAULT_JOINT,
    CombinedRow,
    DatasetPrediction,
    FlipMap,
    Method,
    Ranking,
    RankSettings,
    TargetRanking,
    failed_row,
    judge,
    rank,
)
from l2l.core.sweep import BUDGET_RTOL, Sweep, allocation_unidentified, at_model
from l2l.workflows.accuracy import (
    accuracy_evals,
    accuracy_lower_bound,
    ceiling_note,
    fit_accuracy_laws,
    near_task_losses,
    stem_of,
    task_loss_eval,
    unmeasured,
)
from l2l.workflows.lawbook import LawBook, check_fit_form, with_bootstrap
from l2l.workflows.targets import names_accuracy, tokenizer_refusal, unknown_tokenizer_note

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs

__all__ = [
    "ACCURACY_CAVEAT",
    "NEAR_TIE",
    "candidates_from_frame",
    "rank_runs",
    "ranked_as_printed",
    "resolve_targets",
]

#: Held-out losses closer than this (relative to their mean) make a near-tie pair: counted, and reported apart.
NEAR_TIE = 0.005
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
        w = check_weight(pattern, weight)
        if pattern.startswith("!"):
            excluded.update(
                _glob(evals, pattern[1:]) if is_glob(pattern) else [resolve_name(pattern[1:], evals, "eval")]
            )
            continue
        matched = _matches(pattern, evals, own_evals)
        share = w / len(matched) if (pattern == OWN or (is_glob(pattern) and pattern not in evals)) else w
        for ev in matched:
            out[ev] = out.get(ev, 0.0) + share
    out = {k: v for k, v in out.items() if k not in excluded}
    if not out:
        raise SelectionError("every target eval named is also excluded")
    if sum(out.values()) <= 0:
        raise UsageError("the target weights sum to zero")
    return out


def _matches(pattern: str, evals: Sequence[str], own_evals: Sequence[str]) -> list[str]:
    """The evals one target pattern names: ``own``, an eval's own name (even one with glob characters in it: [,
    *, ?), a glob, or a name or unique prefix."""
    from l2l.base.runs import resolve_name

    if pattern == OWN:
        matched = [e for e in dict.fromkeys(own_evals) if e in evals]
        if not matched:
            raise SelectionError("no candidate dataset has an own eval to rank for")
        return matched
    if pattern in evals:
        return [pattern]
    if "=" in pattern and not is_glob(pattern.rpartition("=")[0]):
        # neither an eval's name nor EVAL=WEIGHT with a number: a weight mistyped, most likely
        raise UsageError(f"expected EVAL or EVAL=WEIGHT, got {pattern!r}", param="targets")
    if is_glob(pattern):
        return _glob(evals, pattern)
    return [resolve_name(pattern, evals, "eval")]


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
    seed_scatter: Mapping[str, Mapping[str, tuple[float, int]]] | None = None,
    per_step: bool = False,
) -> list[Candidate]:
    """One ``Candidate`` per dataset, with its runs on its own eval and on ``evals`` (a canonical run table), how
    many seeds each run averages, and (``seed_scatter``: eval → dataset → Σ squared deviations, dof) the seeds'
    scatter that averaging them kept aside. ``per_step``: the table keeps every checkpoint of its runs (``--checkpoints
    all``), whose rows of one model size a backtest holds out together (``Candidate.run_groups``, ``whole_runs``)."""
    import polars as pl

    wanted = set(evals)
    scatter = {} if seed_scatter is None else seed_scatter
    out: list[Candidate] = []
    for ds in datasets:
        own = own_eval.get(ds, _no_own_eval(ds))
        sub = frame.filter((pl.col("dataset") == ds) & pl.col("eval").is_in([*wanted, own]))
        runs: dict[str, Sweep] = {}
        repeats: dict[str, Array] = {}
        groups: dict[str, Array] = {}
        for (ev,), g in sub.group_by("eval", maintain_order=True):
            repeats[str(ev)] = g["n_repeats"].to_numpy().astype(np.float64)
            if per_step:
                groups[str(ev)] = np.unique(g["N"].to_numpy(), return_inverse=True)[1].astype(np.float64)
            runs[str(ev)] = Sweep.of(
                g["N"].to_numpy(),
                g["D"].to_numpy(),
                g["C"].to_numpy(),
                g["loss"].to_numpy(),
                flops_per_param_token=flops_per_param_token,
            )
        mine = {ev: by_ds[ds] for ev, by_ds in scatter.items() if ds in by_ds}
        out.append(Candidate(ds, own, runs, repeats, mine, groups))
    return out


def whole_runs(frame: pl.DataFrame, cut: float, per_step: bool) -> pl.DataFrame:
    """``frame`` without its budgets from ``cut`` up, as a backtest holds them out: on a per-step log (``per_step``)
    without every checkpoint of the model sizes that reach them too (its run ids may name checkpoints: a
    DataDecide log's seeds averaged at ingest are one id per (N, D)), else that log's "held-out budget" was the
    largest runs' last checkpoint, fitted on their earlier ones, and a step of log10 1.25 (``learn_draw_error``).
    Every run of a held-out size leaves, named or not: more than ``evaluate.held_out_runs`` takes out (the runs
    with a held-out row), since a backtest's sizes beyond its fit are what it measures."""
    import polars as pl

    if not per_step:
        return frame.filter(pl.col("C") < cut)
    held = frame.filter(pl.col("C") >= cut).select("dataset", "N").unique()
    return frame.filter(pl.col("C") < cut).join(held, on=["dataset", "N"], how="anti", maintain_order="left")


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
    form: str = "auto",
    draws: int = DEFAULT_JOINT,
    seed: int = 0,
    level: float = 0.9,
    flip_range: tuple[float, float] | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    accuracy_cache: MutableMapping[str, AccuracyFit] | None = None,
    chance: Mapping[str, float] | None = None,
    metric: str | None = None,
    ceiling: float | Literal["auto"] | None = "auto",
    pooling: Pooling = "auto",
) -> Ranking:
    """Rank the datasets of ``runs`` (all, or ``datasets``) for ``targets`` at a compute budget ``C`` (each
    dataset's compute-optimal N*, D* from its own-loss law) or a fixed model ``N``, ``D``; fitted on the runs of
    ``split`` (all runs by default). See ``l2l.core.ranking.rank_datasets`` for the methods and the uncertainty.

    The laws are the ones ``predict`` uses (``form``: auto by default; each law corrected where its backtests
    showed that helps), fitted once with their bootstrap draws and kept in ``cache`` and ``calibrations``: a
    second ranking of the same runs refits nothing (an accuracy target's law: kept in ``accuracy_cache``).
    ``draws``: joint draws (P(best) is a share of them). ``chance``: chance levels of accuracy evals by name, as
    ``fit-accuracy --chance`` takes them (an accuracy target's law floor); ``ceiling``: its law's ceiling, as
    ``fit-accuracy --ceiling`` takes it; ``pooling``: its law's pooling, as ``fit-accuracy --pooling``.
    ``metric``: the metric of targets named without one (``l2l rank --metric``)."""
    runs = check_runs(runs)  # (a path raised AttributeError; p70)
    if C is not None and (N is not None or D is not None):
        raise UsageError(
            "a budget is either a compute C, or a model size N with tokens D, not both", param="C"
        )
    if C is None and (N is None or D is None):
        raise UsageError("give a compute budget C, or a model size N together with tokens D", param="C")
    for name, value in (("C", C), ("N", N), ("D", D)):  # N="3B" raised Python's TypeError from the core
        if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float, np.number))):
            raise UsageError(
                f"{name} must be a number (3e9, not '3B': the command line parses those)", param=name
            )
    check_count(seed, "seed", what="the seed")  # (-1 raised numpy's ValueError)
    check_count(draws, "draws", least=MIN_RANK_DRAWS, what="the number of joint draws")  # (1: P(best) 1.00)
    if isinstance(targets, str):
        targets = [targets]  # one bare target is one target, never its letters
    from l2l.workflows.targets import rank_targets

    # the command line's spellings and refusals (``hellaswag:loss``; a name both a loss and an accuracy): the
    # library ranked the loss of such a name silently and refused ``hellaswag:loss`` as an unknown eval
    wanted = dict(targets) if isinstance(targets, Mapping) else dict.fromkeys(targets, 1.0)
    # one bare dataset is one dataset ("web" was read as w, e, b), an empty list none (it ranked every one; p63)
    datasets = as_names(datasets, "dataset", "datasets", empty_ok=False)
    targets = rank_targets(runs, wanted, metric, list(datasets or ()))
    settings = RankSettings(method, form, draws, seed, level, flip_range)
    budget = Budget(C=C, N=N, D=D, flops_per_param_token=runs.flops_per_param_token)
    store = _Store(cache, calibrations, accuracy_cache)
    acc_eval = _accuracy_target(runs, targets)
    if acc_eval is not None:
        return _rank_accuracy(
            runs, acc_eval, budget, datasets, split, settings, store, chance, ceiling, pooling
        )
    return _rank_losses(runs, targets, budget, datasets, split, settings, store)


@dataclass(frozen=True, eq=False)
class _Store:
    """Where a ranking's fits and calibrations are kept (the session's caches, or new ones)."""

    fits: FitCache | None = None
    calibrations: CalibrationCache | None = None
    accuracy_laws: MutableMapping[str, AccuracyFit] | None = None

    def book(self, runs: Runs, frame: pl.DataFrame, form: str) -> LawBook:
        """A LawBook over ``frame`` (the table's runs, or part of them) with ``form``, on these caches."""
        return LawBook(
            frame,
            FitOptions(form=check_fit_form(form)),
            saved=FitCache() if self.fits is None else self.fits,
            own_eval=dict(runs.own_eval),
            calibrations=self.calibrations if self.calibrations is not None else CalibrationCache(),
            flops_per_param_token=runs.flops_per_param_token,
            unique_tokens=dict(runs.unique_tokens),
            final_of_a_log=runs.final_of_a_log,
        )


#: Why a dataset without an own eval has no translation (requests.py's refusal hint looks for it).
NO_OWN_EVAL: Final = "no own eval, whose law gives N*, D* at a budget and carries a translation"


def _no_own_eval(dataset: str) -> str:
    """The stand-in name of the own eval of a dataset that has none (no run is on it)."""
    return f"(no own eval of {dataset})"


def _drawn(
    book: LawBook, keys: Sequence[tuple[str, str]], boot: int, seed: int, *, floors: bool = False
) -> FitMemo:
    """The laws of ``keys`` with ``boot`` bootstrap draws each (kept in the book's cache with the fit), as a
    ranking takes them; a key without runs or whose law cannot be fitted maps to the reason. ``floors``: each
    with the irreducible loss its translations take (``LawBook.floor_of``), as ``predict --via`` takes it (the
    ranking's own laws; the shortened sweep's backtest keeps its laws' E's, whose calibrations it does not make)."""
    memo: FitMemo = {}
    for ds, ev in dict.fromkeys(keys):
        if ev == _no_own_eval(ds):  # (it said "books has no runs on (no own eval of books)")
            memo[(ds, ev)] = FitError(
                f"{NO_OWN_EVAL}: give one at "
                f"ingest (--own-eval {ds}=EVAL, or --own-eval all=EVAL for an eval every dataset is measured on)"
            )
            continue
        if not book.sweeps.has(ds, ev):
            other = next((f"{ev}:{m}" for m in ("bpb", "loss") if book.sweeps.has(ds, f"{ev}:{m}")), None)
            also = f" (it has runs on {other}, in another metric: rank it with -t {other})" if other else ""
            memo[(ds, ev)] = FitError(f"{ds} has no runs on {ev}{also}")
            continue
        fit = book.try_get(ds, ev)
        if isinstance(fit, FitError):
            memo[(ds, ev)] = fit
            continue
        drawn = with_bootstrap(book, fit, boot, seed) if boot >= 2 else fit
        theta = fit.law.theta[None, :]
        memo[(ds, ev)] = DrawnLaw(
            fit,
            theta if drawn.bootstrap is None else np.vstack([theta, drawn.bootstrap[:boot]]),
            book.floor_of(fit) if floors else None,
        )
    return memo


def _corrections(
    book: LawBook, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], Callable[[Array, Array], Array]]:
    """(dataset, eval) → the log correction ``predict`` applies to that law at (N, D): its group's backtested
    bias, where it helped, and on a one-line sweep whose line law gives the estimate (``LawBook.line_estimate``)
    the step to that law's value on the line, and a poor law's shift onto its own largest runs
    (``l2l.core.selection.anchor_shift``); laws without any are left out."""
    from l2l.core.predictive import Placement, aspect_on
    from l2l.core.selection import anchor_shift
    from l2l.workflows.predict import line_value

    out: dict[tuple[str, str], Callable[[Array, Array], Array]] = {}
    k = book.flops_per_param_token
    for ds, ev in dict.fromkeys(keys):
        fit = book.try_get(ds, ev) if book.sweeps.has(ds, ev) else None
        if fit is None or isinstance(fit, FitError):
            continue
        cal = book.calibration(book.group_of(ds, ev))
        model = cal.direct_for(ds)
        if model is None or not model.corrects or cal.form_of(ds) != fit.form:
            model = None
        chosen = book.line_estimate(ds, ev)
        sweep = book.sweeps.get(ds, ev)
        # a poor law that misses its own largest runs is moved onto them, as predict moves it (``anchor_shift``)
        onto_top = anchor_shift(fit, sweep)
        if model is None and chosen is None and onto_top == 0.0:
            continue

        def shift(
            n: Array,
            d: Array,
            fit: LawFit = fit,
            sweep: Sweep = sweep,
            model: ErrorModel | None = model,
            line: LineLaw | None = None if chosen is None else chosen.law,
            onto_top: float = onto_top,
            seen: dict[tuple[float, float], float] = {},  # noqa: B006 (this law's memo: one dict per closure)
        ) -> Array:
            out = np.zeros(len(n))
            for i, (a, b) in enumerate(zip(n, d, strict=True)):
                # a ranking asks again at the same points (every candidate's anchor runs at each budget of the
                # scan for changes of winner): the same (N, D) gives the same correction, kept
                if (got := seen.get((a, b))) is not None:
                    out[i] = got
                    continue
                bias = 0.0
                if model is not None:
                    asp = float(aspect_on(fit, [a], [b], sweep)[0])
                    bias = model.bias(Placement.at(a, b, k * a * b, sweep, asp))
                # the value predict gives: the corrected law's, moved toward the line law's (``line_value``)
                law = float(fit.predict(a, b))
                value = (
                    None
                    if line is None
                    else line_value(line, fit, law * math.exp(bias), float(a), float(b), line.weight(a, b))
                )
                out[i] = seen[(a, b)] = bias + onto_top if value is None else math.log(value / law)
            return out

        out[(ds, ev)] = shift
    return out


def _learned(
    runs: Runs,
    frame: pl.DataFrame,
    cands: Sequence[Candidate],
    target: str,
    settings: RankSettings,
    store: _Store,
    full: LawBook | None = None,
) -> DrawErrorHook:
    """The target's extrapolation error and laws-or-baseline verdict learned with the sweep's largest budget held
    out (``learn_draw_error``), from laws kept in the store; without such a backtest, the sweep's order kept.
    With ``full`` (the book of the whole sweep, ``--form auto``): the shortened sweep's laws take the forms chosen
    there when they agree (no second choice), else are chosen again."""

    tops = [float(c.runs[target].C.max()) for c in cands if target in c.runs and len(c.runs[target])]
    if not tops:
        return DrawError(use_laws=False, why=f"laws not used: no runs on {target}")
    form = settings.form
    if full is not None and form == "auto":
        chosen = {
            full.form_for(c.name, ev)
            for c in cands
            for ev in (c.own_eval, target)
            if full.sweeps.has(c.name, ev)
        }
        form = chosen.pop() if len(chosen) == 1 else form
    # the held-out budget as learn_draw_error holds it out (within ANCHOR_BUDGET_RATIO of the largest): a run of
    # that budget a rounding below its largest C was fitted on by the laws that then "predicted" it
    short = store.book(runs, whole_runs(frame, max(tops) / ANCHOR_BUDGET_RATIO, runs.every_checkpoint), form)
    keys = [(c.name, c.own_eval) for c in cands] + [(c.name, target) for c in cands]
    per_law = min(settings.boot, settings.draws - 1) + 1
    # the laws alone, no bootstrap draws: the backtest reads every law and relation at its draw 0 (the fit itself,
    # ``_method_logs(...)[0]``, ``along_to_optimum``), which no draw moves, so their refits (half of a ranking's
    # bootstraps) changed no number it learns
    memo = _drawn(short, keys, 0, settings.seed)
    try:
        return learn_draw_error(
            cands, target, form=settings.form, draws=per_law, seed=settings.seed, fits=memo
        )
    except FitError as exc:
        return DrawError(use_laws=False, why=f"laws not used: no backtest inside the sweep ({exc.message})")


def _rank_model(
    runs: Runs,
    frame: pl.DataFrame,
    cands: Sequence[Candidate],
    weights: Mapping[str, float],
    settings: RankSettings,
    store: _Store,
) -> tuple[RankModel, LawBook]:
    """Every candidate's own-loss and target laws (with draws and ``predict``'s corrections), from the store, and
    the book they came from."""
    book = store.book(runs, frame, settings.form)
    keys = [(c.name, c.own_eval) for c in cands] + [(c.name, t) for c in cands for t in weights]
    per_law = min(settings.boot, settings.draws - 1) + 1
    memo = _drawn(book, keys, per_law - 1, settings.seed, floors=True)
    model = fit_rank_model(
        cands,
        weights,
        form=settings.form,
        draws=per_law,
        seed=settings.seed,
        fits=memo,
        joint=settings.draws,
        corrections=_corrections(book, keys),
        poor={
            k: why for k in dict.fromkeys(keys) if book.sweeps.has(*k) and (why := book.flag(*k)) is not None
        },
    )
    return model, book


def _rank_losses(
    runs: Runs,
    targets: Sequence[str] | Mapping[str, float],
    budget: Budget,
    datasets: Sequence[str] | None,
    split: str | None,
    settings: RankSettings,
    store: _Store,
    flip_map: FlipMap | None = None,
) -> Ranking:
    """The datasets ranked for loss targets (``rank_runs`` without an accuracy target); ``flip_map``: what the
    scan for budgets where the winner changes compares instead of the losses (``core.ranking.rank``)."""
    frame = runs.in_split(split)
    names = runs.resolve_datasets(datasets)
    if len(names) < 2:
        raise SelectionError("ranking needs at least two candidate datasets", param="datasets")
    evals = sorted(frame.get_column("eval").unique().to_list())
    owns, alone = shared_own_evals(frame, runs.own_eval, names)
    weights = resolve_targets(evals, targets, owns)
    if flip_map is None and (refused := tokenizer_refusal(runs, names, list(weights))) is not None:
        raise refused
    scatter = {t: runs.seed_scatter(t) for t in weights}
    cands = candidates_from_frame(
        frame, runs.own_eval, names, list(weights), runs.flops_per_param_token, scatter, runs.every_checkpoint
    )
    if budget.N is not None and budget.D is not None:
        fixed = _fixed_d_ranking(
            runs, names, weights, budget, settings, store.book(runs, frame, settings.form)
        )
        if (
            fixed is not None
        ):  # (a fixed-D sweep's laws in N at one D: ranked by them, or refused naming the D)
            return fixed
    unsplit = _unsplit(runs, names, budget, settings.method)  # (no N* either: ``Runs.one_end``)
    model, book = _rank_model(runs, frame, cands, weights, settings, store)
    lawless = {**model.lawless(), **unsplit} if budget.C is not None and settings.method != "baseline" else {}
    if budget.C is None and settings.method != "baseline":
        # at a model (N, D) a fixed-D sweep (its law in N at its D alone) is ranked only beside other such sweeps at
        # that D (``_fixed_d_ranking``): beside laws in N and D it is left out of what they are compared by, as a
        # dataset with no own-loss law is at a budget (two such sweeps moved a grid's P(best) 0.01 → 0.00; h78)
        lawless = {
            n: why for n, why in model.lawless().items() if _fixed_d_sweep(book, n, runs.own_eval.get(n))
        }
    if lawless and len(cands) - len(lawless) >= 2:
        # a dataset with no own-loss law has no N*(C): it is not ranked at a budget, and left out of what the others
        # are compared by (their largest budget, the backtest, the spread it learns): one 6.9B run of a DCLM set
        # beside four sweeps switched their baseline off, lost the laws' backtest and moved P(best) 0.02 → 0.26
        # (probe p71)
        cands = [c for c in cands if c.name not in lawless]
        model, book = _rank_model(runs, frame, cands, weights, settings, store)
    else:
        lawless = {}
    learned = {t: _learned(runs, frame, cands, t, settings, store, book) for t in weights}
    res = ranked_as_printed(
        model,
        book,
        runs.own_eval,
        budget,
        learned,
        method=settings.method,
        level=settings.level,
        lawless=lawless,
        flip_range=settings.flip_range,
        flip_map=flip_map,
    )
    measured_only = (
        None if flip_map is not None else _measured_order(runs, names, weights, budget, settings, book, res)
    )
    if measured_only is not None:
        return measured_only  # (no law and no noise for any dataset: their measured order, said so)
    # (where every ranked dataset ran the model asked for, nothing was extrapolated: no word on the laws' use)
    notes = [
        f"{t.target}: {t.draw_error.why}"
        for t in res.targets
        if t.draw_error.why and not all(r.measured_runs for r in t.rows if r.status == "ok")
    ]
    if alone and OWN in targets:
        notes.append(alone)
    if flip_map is None and (unknown := unknown_tokenizer_note(runs, names, list(weights))) is not None:
        notes.append(unknown)
    if budget.N is None:  # a budget in compute is each dataset's N* and D* in the table's one count
        notes += runs.budget_warnings(names)
    measured = _measured_note(cands, list(weights), budget, split)
    notes += _beyond_nats(res, book, runs.own_eval)
    # (an accuracy ranking maps the kept order's draws through its law: its loss rows keep their anchored values)
    res = _holding_own_predictions(res, book, runs.own_eval, own_values=flip_map is None)
    res, repeated = _with_repetition(res, book, runs.own_eval)
    return dataclasses.replace(
        res,
        warnings=(
            *res.warnings,
            *_reach_note(_extrapolated(cands, res), budget),
            *notes,
            *measured,
            *repeated,
        ),
    )


#: How near (relative) two datasets' sizes are to count as the same size for the baseline of a fixed-D sweep.
FIXED_D_SAME_SIZE = 0.02


def _unsplit(runs: Runs, names: Sequence[str], budget: Budget, method: Method) -> dict[str, str]:
    """At a budget (not by the baseline, which needs no N*), the datasets of ``names`` whose own-loss law gives no
    compute-optimal model, with why: per-step logs kept whole whose runs all end at one D (``Runs.one_end``), whose
    N* is no answer (a Pythia-shaped suite: N* 4.13B at 1e24 FLOPs for a true ~157B, only flagged as a lower bound;
    probe h80). A FitError where fewer than two others are left to rank."""
    if budget.C is None or method == "baseline":
        return {}
    unsplit = {n: why for n in names if (why := runs.one_end_note(n, runs.own_eval.get(n, ""))) is not None}
    if unsplit and len(names) - len(unsplit) < 2:
        first = next(iter(unsplit))
        raise FitError(
            f"no dataset could be ranked at a budget: {first}'s own-loss law gives no compute-optimal model: "
            f"{unsplit[first]}" + (f" ({len(unsplit)} datasets)" if len(unsplit) > 1 else ""),
            hint="rank at a model: --N and --D",
        )
    return unsplit


def _fixed_d_ranking(
    runs: Runs,
    names: Sequence[str],
    weights: Mapping[str, float],
    budget: Budget,
    settings: RankSettings,
    book: LawBook,
) -> Ranking | None:
    """The ranking at a model (N, D) of datasets whose runs all lie at one token count (a fixed-D sweep: their law
    is in N at that D alone, ``LawBook.fixed_line``), where two or more candidates are such sweeps; None otherwise
    (every other table: nothing changes there, and nothing is fitted here but those laws).

    Each dataset whose law lies at D is ranked by ``predict``'s value and interval there (``fixed_point``: one
    question, one answer); beside it, the baseline: the target losses measured at the largest size every ranked
    dataset ran. The recommended order is the baseline's unless the laws' calibrated intervals separate their
    leader from every other dataset (its upper end below each other's lower end). No P(best) is stated: no
    backtest of rankings exists for these laws (the order is unchecked, as below a sweep). A dataset not a fixed-D
    sweep at D is left unranked with its reason; none at D is a one-line refusal naming their D (FitError)."""
    from l2l.core.rank_model import DrawError
    from l2l.workflows.lawbook import fixed_note
    from l2l.workflows.predict import fixed_point, off_fixed_d, other_d_fix

    assert budget.N is not None
    assert budget.D is not None
    N, D = float(budget.N), float(budget.D)

    def line_of(ds: str, ev: str) -> FixedLine | None:  # (None at once where the runs lie at several D)
        return book.fixed_line(ds, ev) if book.sweeps.has(ds, ev) else None

    lines = {(ds, t): line_of(ds, _law_eval(t, ds, runs.own_eval)) for ds in names for t in weights}
    if sum(1 for ds in names if all(lines[(ds, t)] is not None for t in weights)) < 2:
        return None
    if len(weights) > 1:
        raise UsageError(
            f"{', '.join(names)}: fixed-D sweeps (every run at one token count) are ranked for one target at a "
            f"time; {len(weights)} were named ({', '.join(weights)})",
            hint="rank with one -t TARGET per command",
            param="targets",
        )
    target = next(iter(weights))
    at_d = [ds for ds in names if (line := lines[(ds, target)]) is not None and line.at(D)]
    if len(at_d) < 2 and sum(1 for ds in names if lines[(ds, target)] is None) >= 2:
        # fewer than two fixed-D sweeps at D beside two or more datasets of laws in N and D (a grid, a one-line
        # sweep): those are ranked as any table's, the fixed-D sweeps left unranked with their reason; a ranking
        # of the one sweep at D, or a refusal naming the sweeps' D, had left every one of them out (h78)
        return None
    if not at_d:
        off = {
            fmt_si(line.D): ds for ds in names if (line := lines[(ds, target)]) is not None
        }  # (their token counts)
        first = next(ds for ds in names if lines[(ds, target)] is not None)
        line = lines[(first, target)]
        assert line is not None
        raise FitError(
            f"no dataset could be ranked at D = {fmt_si(D)}: every run of the fixed-D sweeps lies at D = "
            f"{', '.join(off)}, so their laws are in N at that D alone and say nothing at D = {fmt_si(D)}",
            hint=f"rank at --D {fmt_si(line.D)} (predict --D {fmt_si(line.D)} gives each dataset's loss there), or "
            + other_d_fix(log=book.final_of_a_log),
        )
    # each dataset's interval as predict gives it (one question, one answer: ``fixed_point``)
    pis: dict[str, PredictiveInterval] = {}
    said: dict[str, tuple[str, ...]] = {}
    for ds in at_d:
        point = fixed_point(book, ds, _law_eval(target, ds, runs.own_eval), N, D, settings.level)
        pis[ds] = point.interval
        said[ds] = (*pis[ds].notes, fixed_note(point.line))
    # the baseline: each dataset's target loss measured at the largest size every ranked dataset ran
    sizes = {ds: book.data(ds, _law_eval(target, ds, runs.own_eval)) for ds in at_d}
    common = [
        float(n)
        for n in np.unique(sizes[at_d[0]][0])
        if all(np.any(np.isclose(sizes[ds][0], n, rtol=FIXED_D_SAME_SIZE)) for ds in at_d)
    ]
    top = max(common) if common else None
    measured = {
        ds: float(np.mean(loss[np.isclose(n, top, rtol=FIXED_D_SAME_SIZE)]))
        for ds, (n, _, loss) in sizes.items()
        if top is not None
    }
    by_laws = sorted(at_d, key=lambda ds: (pis[ds].estimate, ds))
    by_sweep = sorted(at_d, key=lambda ds: (measured[ds], ds)) if top is not None else None
    lead = by_laws[0]
    sure = {ds: not beyond_evidence(pi) and not pi.lower_bound_only for ds, pi in pis.items()}
    l_lo, l_hi = pis[lead].lo, pis[lead].hi
    separated = len(at_d) > 1 and sure[lead] and all(sure[ds] and l_hi < pis[ds].lo for ds in by_laws[1:])
    pct = f"{settings.level:.0%}"
    at = f"N = {fmt_si(N)}, D = {fmt_si(D)}"
    unchecked = "no P(best) is stated: no backtest of rankings checks these laws, so the order is unchecked"
    if settings.method == "baseline" or (settings.method == "recommended" and not separated and by_sweep):
        if by_sweep is None:
            raise SelectionError(
                f"{', '.join(at_d)}: no size was run by every dataset, so no measured order to rank by",
                hint="rank with --method independent (each dataset's law in N at its D)",
            )
        order, used_laws = by_sweep, False
        assert top is not None
        laws_say = f", and put {lead} first" if lead != by_sweep[0] else f", though they put {lead} first too"
        why = (
            f"{order[0]} leads by the losses measured at N = {fmt_si(top)}, the largest size every ranked dataset "
            f"ran (the sweep's order is kept"
            + (
                f": the laws' {pct} intervals at {at} do not separate their leader from the rest{laws_say})"
                if settings.method == "recommended"
                else ": --method baseline)"
            )
        )
    elif settings.method in ("recommended", "independent"):
        order, used_laws = by_laws, True
        why = (
            f"{lead} leads by its law in N at D = {fmt_si(D)}: its {pct} interval [{l_lo:.4g}, {l_hi:.4g}] lies "
            "below every other dataset's (the laws' order is used)"
            if separated
            else f"{lead} leads by the laws' point predictions at {at} (--method independent"
            + ("" if by_sweep is not None else "; no size was run by every dataset, so no measured order")
            + f"), but their {pct} intervals overlap"
        )
    else:
        raise UsageError(
            f"--method {settings.method}: fixed-D sweeps (every run at one token count) have no translation; "
            "they are ranked by their laws in N at that D (recommended, independent) or their measured losses "
            "(baseline)",
            hint="rank with --method recommended, independent or baseline",
            param="method",
        )
    tie = not separated and (by_sweep is None or by_sweep[0] != lead or settings.method == "independent")
    contenders = (
        tuple(ds for ds in order if ds == order[0] or pis[ds].lo <= pis[order[0]].hi) if tie else (order[0],)
    )
    rows = [
        DatasetPrediction(
            ds,
            "ok",
            None,
            N,
            D,
            pis[ds].estimate,
            None,
            pis[ds].estimate if settings.method == "recommended" else None,
            measured[ds] if settings.method == "baseline" else pis[ds].estimate,
            None if settings.method == "baseline" else pis[ds].lo,
            None if settings.method == "baseline" else pis[ds].hi,
            None,
            i + 1,
            None,
            measured.get(ds),
            said[ds],
            top_N=None if top is None else (top, top),
            top_D=None if top is None else (float(np.min(sizes[ds][1])), float(np.max(sizes[ds][1]))),
            lower_bound_only=pis[ds].lower_bound_only,
            calibrated=not beyond_evidence(pis[ds]),
        )
        for i, ds in enumerate(order)
    ]
    for ds in names:
        if ds in at_d:
            continue
        line = lines[(ds, target)]
        ev = _law_eval(target, ds, runs.own_eval)
        reason = (
            off_fixed_d(ds, ev, line, D, log=book.final_of_a_log).message
            if line is not None
            else f"{ds}/{ev}: not a fixed-D sweep at D = {fmt_si(D)} (runs at one token count, five sizes or "
            "more): its law is not ranked beside laws in N at one D"
        )
        rows.append(failed_row(ds, reason))
    err = DrawError(use_laws=used_laws, why=why)
    t = TargetRanking(
        target,
        weights[target],
        settings.method,
        tuple(rows),
        order[0],
        tie,
        contenders,
        (),
        err,
        unchecked=True,
        verdict=f"{why}; {unchecked}",
    )
    baseline = (
        ()
        if top is None
        else (
            f"baseline (the {target} loss measured at N = {fmt_si(top)}, the largest size every ranked dataset "
            f"ran): " + ", ".join(f"{ds} {measured[ds]:.4g}" for ds in by_sweep or ()),
        )
    )
    values = {ds: pis[ds].estimate for ds in order}
    return _one_target_ranking(budget, settings, t, values, order, rows[len(order) :], baseline)


def _one_target_ranking(
    budget: Budget,
    settings: RankSettings,
    t: TargetRanking,
    values: Mapping[str, float],
    order: Sequence[str],
    failed: Sequence[DatasetPrediction],
    baseline: tuple[str, ...] = (),
) -> Ranking:
    """The ranking of one target ranked by ``values`` alone (no joint draws: a fixed-D sweep's laws in N, or the
    measured order): its combined rows each dataset's log value about their mean, in ``order``, then ``failed``."""
    logs = {ds: math.log(values[ds]) for ds in order}
    mean = sum(logs.values()) / len(logs)
    combined = tuple(
        CombinedRow(ds, "ok", None, logs[ds] - mean, None, None, None, i + 1) for i, ds in enumerate(order)
    ) + tuple(CombinedRow(r.dataset, "failed", r.reason, None, None, None, None, None) for r in failed)
    return Ranking(
        budget,
        settings.method,
        settings.level,
        settings.draws,
        (t,),
        combined,
        order[0],
        t.tie,
        t.contenders,
        t.draw_error,
        baseline,
    )


def _measured_order(
    runs: Runs,
    names: Sequence[str],
    weights: Mapping[str, float],
    budget: Budget,
    settings: RankSettings,
    book: LawBook,
    res: Ranking,
) -> Ranking | None:
    """The ranking at a model (N, D) of datasets that no law and no repeat vouches for (``res`` ranked none: each
    one's reason is that no law predicts it, or that nothing tells its measured loss's noise), by their measured
    target losses: at (N, D) where two or more datasets ran it, else at the largest model every dataset ran. No
    value but the measured loss, no interval, no P(best): the order is the measured one at that model, unchecked
    beyond it (as a fixed-D sweep's baseline, ``_fixed_d_ranking``). None otherwise (any other refusal stands).

    A mixture sweep (24 data mixtures at 60M, 150M and 400M, 20 tokens per parameter: too few runs a mixture for
    a law) was refused at 400M × 8B, which every mixture ran, and at 1B × 20B, with a hint to ``--method baseline``
    that refused too; its measured 400M order picks the true best at 1B (Spearman 0.97; probe h80)."""
    if (
        budget.N is None
        or budget.D is None
        or len(weights) != 1
        or settings.method not in ("recommended", "baseline")
    ):
        return None
    rows = [r for t in res.targets for r in t.rows]
    # (where repeats or a law tell the runs' noise, the baseline ranks them with intervals: not this; a dataset
    # that never ran the model asked for is left unranked below, as the baseline leaves it: DCLM's 3 of 42 sets)
    no_value = [r.why_no_value("baseline") for r in rows]
    unknown = [w is NoValue.UNKNOWN_NOISE for w in no_value]
    not_run = [w is NoValue.NOT_RUN for w in no_value]
    if any(r.rank is not None for r in rows) or not any(unknown) or not all(map(max, unknown, not_run)):
        return None
    target = next(iter(weights))
    N, D = float(budget.N), float(budget.D)
    data = {ds: book.data(ds, _law_eval(target, ds, runs.own_eval)) for ds in names}
    data = {ds: nd for ds, nd in data.items() if len(nd[0])}
    ran = [ds for ds, (n, d, _) in data.items() if at_model(n, d, N, D).any()]
    if len(ran) >= 2:
        where, ranked = (N, D), ran
    else:
        first = next(iter(data.values()), None)
        models = (
            []
            if first is None
            else sorted(
                {(float(n), float(d)) for n, d in zip(first[0], first[1], strict=True)},
                key=lambda m: -m[0] * m[1],
            )
        )
        common = [m for m in models if all(at_model(n, d, *m).any() for n, d, _ in data.values())]
        if len(data) < 2 or not common:
            return None
        where, ranked = common[0], list(data)
    measured = {ds: float(np.mean(data[ds][2][at_model(data[ds][0], data[ds][1], *where)])) for ds in ranked}
    count = {ds: int(np.count_nonzero(at_model(data[ds][0], data[ds][1], *where))) for ds in ranked}
    order = sorted(ranked, key=lambda ds: (measured[ds], ds))
    asked = where == (N, D)
    there = f"N = {fmt_si(where[0])}, D = {fmt_si(where[1])}"
    why = (
        f"{order[0]} leads by the {target} losses measured at {there}, the model asked for (no law predicts these "
        "datasets and no repeats of a model tell how noisy a run is: how far apart they are cannot be said); no "
        "P(best) is stated and the order is unchecked"
        if asked
        else f"{order[0]} leads by the {target} losses measured at {there}, the largest model every ranked dataset "
        f"ran (no law predicts these datasets at N = {fmt_si(N)}, D = {fmt_si(D)}, and no repeats of a model tell "
        f"how noisy a run is): the order is the measured one at {there}, unchecked at N = {fmt_si(N)}, "
        f"D = {fmt_si(D)}; no P(best) is stated"
    )
    out = [
        DatasetPrediction(
            ds,
            "ok",
            None,
            N,
            D,
            None,
            None,
            None,
            measured[ds],
            None,
            None,
            None,
            i + 1,
            None,
            measured[ds],
            (
                f"measured: {'its run' if count[ds] == 1 else f'the mean of its {count[ds]} runs'} of {there}, "
                "its noise unknown"
                + ("" if asked else f"; not a prediction at N = {fmt_si(N)}, D = {fmt_si(D)}"),
            ),
            measured_runs=count[ds] if asked else 0,
            top_N=(where[0], where[0]),
            top_D=(where[1], where[1]),
            calibrated=False,
        )
        for i, ds in enumerate(order)
    ]
    out += [r for r in rows if r.dataset not in measured]
    err = DrawError(use_laws=False, why=why)
    t = TargetRanking(
        target,
        weights[target],
        settings.method,
        tuple(out),
        order[0],
        False,
        (order[0],),
        (),
        err,
        unchecked=True,
        verdict=why,
        measured_at=where,
    )
    return _one_target_ranking(budget, settings, t, measured, order, out[len(order) :])


def ranked_as_printed(
    model: RankModel,
    book: LawBook,
    own_eval: Mapping[str, str],
    budget: Budget,
    learned: Mapping[str, DrawErrorHook],
    *,
    method: Method,
    level: float,
    lawless: Mapping[str, str] | None = None,
    flip_range: tuple[float, float] | None = None,
    flip_map: FlipMap | None = None,
) -> Ranking:
    """The ranking ``rank`` prints by ``method`` (its order, values and P(best)): ``core.ranking.rank`` with the
    rows of datasets left out for want of an own-loss law (``lawless``), the poor laws' notes, and a value resting
    on a law ``predict`` refuses said so (``_refused_beyond``); where every law of one target is refused, the
    recommended ranking is the baseline's and says why, and ``--method independent`` is refused
    (``RefusedBeyondSweepError``). One path for ``rank`` and its backtest (``rank --holdout``, which had scored the
    recommended ranking's laws where ``rank`` printed the baseline, and the laws alone where ``rank`` refuses)."""

    def ranked(by: Method) -> Ranking:
        res = rank(
            model,
            budget,
            method=by,
            level=level,
            draw_error=learned,
            flip_range=flip_range,
            flip_map=flip_map,
        )
        return _refused_beyond(
            _with_poor_laws(_with_unranked(res.without_unchecked_p_best(), lawless or {}), book, own_eval),
            book,
            own_eval,
        )

    res = ranked(method)
    if res.method == "recommended" and len(res.targets) == 1 and (why := res.targets[0].refused) is not None:
        # every law refused: the recommended values (the sweep's top runs moved by the refused laws' shared change)
        # were no prediction either, printed under "predicted [90%]" with a warning after the tables (BoolQ at
        # 3.3B on the paper's sweep): rank by what the sweep measured, and say why beside the verdict
        why = f"{why}: ranked by what the sweep measured at its largest budget (the baseline)"
        res = ranked("baseline")
        res = dataclasses.replace(
            res, targets=tuple(dataclasses.replace(t, refused=why) for t in res.targets)
        )
    return res


def _extrapolated(cands: Sequence[Candidate], res: Ranking) -> list[Candidate]:
    """The candidates of which some ranked value is carried beyond their runs: ranked, and not measured at the model
    asked for. A ranking of what every dataset measured at that model said "compute is up to 12.2× (a set that was
    not ranked) the largest fitted, …: each dataset's prediction extrapolates from its own runs", where nothing was
    fitted or extrapolated (DCLM, probe h3)."""
    beyond = {r.dataset for t in res.targets for r in t.rows if r.rank is not None and not r.measured_runs}
    return [c for c in cands if c.name in beyond]


def _beyond_nats(res: Ranking, book: LawBook, own_eval: Mapping[str, str]) -> list[str]:
    """Where a ranked loss lies beyond any cross-entropy in nats, the words ``predict`` says of it (``rank --N 1B
    --D 1M`` ranked losses of 19-25 without a word, where predict says the law means nothing there: p72); not
    where the law's runs were in another unit (``beyond_nats``)."""

    def far(dataset: str, target: str, value: float) -> bool:
        fit = book.try_get(dataset, _law_eval(target, dataset, own_eval))
        return beyond_nats(value, fit.min_loss if isinstance(fit, LawFit) else 0.0)

    out = []
    for t in res.targets:
        if t.metric != "loss":
            continue
        names = [r.dataset for r in t.rows if r.value is not None and far(r.dataset, t.target, r.value)]
        if names:
            out.append(
                f"{t.target}: the predicted losses of {', '.join(names)} are beyond any cross-entropy in nats (at "
                "most ln(vocabulary), about 11–12): the laws are extrapolated to where they mean nothing"
            )
    return out


def _fixed_d_sweep(book: LawBook, dataset: str, own: str | None) -> bool:
    """Whether ``dataset``'s own-loss runs lie at one token count (``line_law.fixed_tokens``: a fixed-D sweep)."""
    if own is None or not book.sweeps.has(dataset, own):
        return False
    n, d, _ = book.data(dataset, own)
    return fixed_tokens(n, d) is not None


def _with_unranked(res: Ranking, lawless: Mapping[str, str]) -> Ranking:
    """``res`` with a row for each dataset left out for want of an own-loss law (``lawless``: name → why), not
    ranked, and a note that the others were compared without it."""
    if not lawless:
        return res
    why = {n: f"its own-loss law cannot be fitted ({msg})" for n, msg in lawless.items()}

    targets = tuple(
        dataclasses.replace(t, rows=(*t.rows, *(failed_row(n, why[n]) for n in lawless))) for t in res.targets
    )
    combined = (
        *res.combined,
        *(CombinedRow(n, "failed", why[n], None, None, None, None, None) for n in lawless),
    )
    at = (
        "no compute-optimal model to rank at this budget"
        if res.budget.C is not None
        else "nothing to rank at this model beside laws in N and D"
    )
    note = (  # (it said "too few runs" of a fixed-D sweep's 6 sizes at one D: each one's row says why; h78)
        f"{', '.join(lawless)}: no own-loss law in N and D, so {at}; "
        "the others are compared without it (their budgets, backtest and spread)"
    )
    return dataclasses.replace(res, targets=targets, combined=combined, warnings=(*res.warnings, note))


def _reach_note(cands: Sequence[Candidate], budget: Budget) -> list[str]:
    """How far the budget lies beyond each candidate's runs, in predict's words (compute, and for a fixed model N
    and D): every prediction of a ranking says how far it extrapolates (at 2e4× the sweep's largest budget `rank`
    said nothing of it, where `predict` prints C×: probe p63). Nothing inside the runs' range. Each dataset's
    reach is its own: beside a dataset of 3 sizes whose runs stop at 3e18, "compute is 5.09× the largest fitted:
    every prediction here extrapolates that far" (the other's reach) hid a prediction 326× beyond its runs (p67)."""
    tops = {
        c.name: [sw for sw in c.runs.values() if len(sw)]
        for c in cands
        if any(len(sw) for sw in c.runs.values())
    }
    if not tops:
        return []
    points = [("compute", budget.compute, "C")]
    if budget.N is not None and budget.D is not None:
        points += [("N", budget.N, "N"), ("D", budget.D, "D")]
    words: list[str] = []
    uniform = True
    for name, value, column in points:
        ratios = {ds: value / max(float(getattr(sw, column).max()) for sw in sws) for ds, sws in tops.items()}
        if not any(r > 1 + 1e-9 for r in ratios.values()):
            continue
        near, far = min(ratios, key=lambda ds: ratios[ds]), max(ratios, key=lambda ds: ratios[ds])
        if f"{ratios[near]:.3g}" == f"{ratios[far]:.3g}":
            words.append(f"{name} is {ratios[far]:.3g}× the largest fitted")
            continue
        uniform = False
        if ratios[near] > 1 + 1e-9:
            words.append(
                f"{name} is {ratios[near]:.3g}× ({near}) to {ratios[far]:.3g}× ({far}) the largest fitted"
            )
        else:
            words.append(
                f"{name} is up to {ratios[far]:.3g}× ({far}) the largest fitted, inside {near}'s runs"
            )
    if not words:
        return []
    ending = (
        "every prediction here extrapolates that far"
        if uniform
        else "each dataset's prediction extrapolates from its own runs"
    )
    return [f"{', '.join(words)}: {ending}"]


def shared_own_evals(
    frame: pl.DataFrame, own_eval: Mapping[str, str], names: Sequence[str]
) -> tuple[list[str], str | None]:
    """The candidates' own evals that ``-t own`` ranks (those two or more of them are measured on), and a note
    naming those left out. A mixture table whose c4 own eval is also measured on the other mixtures ranked each
    other own eval too, one dataset alone: five "rankings" at P(best) 1.00 (where no own eval is shared, ``-t
    own`` is refused: ``targets.rank_targets``)."""
    import polars as pl

    owns = list(dict.fromkeys(own_eval[d] for d in names if d in own_eval))
    by = (
        frame.filter(pl.col("eval").is_in(owns) & pl.col("dataset").is_in(list(names)))
        .group_by("eval")
        .agg(pl.col("dataset").n_unique().alias("k"))
    )
    shared = set(by.filter(pl.col("k") >= 2).get_column("eval").to_list())
    alone = [e for e in owns if e not in shared]
    if not shared or not alone:
        return owns, None  # none shared: refused where the targets are read; all shared: nothing to say
    return [e for e in owns if e in shared], (
        f"-t own: left out {', '.join(alone)}: each measured on one candidate dataset only, nothing to compare"
    )


def _law_eval(target: str, dataset: str, own_eval: Mapping[str, str]) -> str:
    """The eval whose law a ranking's row of ``dataset`` for ``target`` uses (``own``: the dataset's own eval)."""
    return own_eval.get(dataset, target) if target == OWN else target


#: What a recommended row's interval widened to hold its dataset's own prediction says (one note for them all).
HOLDS_OWN = (
    "the interval is widened to hold the dataset's own law's predicted interval here (predict's; the independent "
    "column gives the value)"
)


#: What a row says where ``predict`` calls the dataset's own interval at its (N, D) a lower bound (a model further
#: in N or D than any backtest inside the sweep reached): the row's interval holds that one and is no surer (probe
#: h26: a data-constrained dataset at 30x, its row [1.874, 2.106] about a truth of 2.106, said nothing where predict
#: said "the interval is a lower bound")
OWN_LOWER_BOUND = (
    "predict calls the dataset's own interval here a lower bound (further in N or D than any backtest inside the "
    "sweep reached): this interval, which holds it, may be too narrow as well"
)


#: What a row says where ``predict`` refuses the dataset's own law at its (N, D) (``refuse_beyond``)
OWN_REFUSED = "predict gives no value here, its value is not a prediction"


def _refused_beyond(res: Ranking, book: LawBook, own_eval: Mapping[str, str]) -> Ranking:
    """``res`` with each row whose value rests on a law ``predict`` refuses at its (N, D) (a poor law beyond its
    sweep: ``predict.refuse_beyond``) saying so: it keeps its place in the order. Where every ranked dataset's law
    of a target is refused, the target says so (``TargetRanking.refused``: ``_rank_losses`` then ranks one target
    by the baseline), and ``--method independent`` (the laws' values alone) of one target is refused as
    ``predict`` is: on the paper's sweep, BoolQ at 3.3B read starcoder 0.90 [0.55, 1.63],
    P(best) 0.61, every dataset's measured loss there 3.2-5.1."""
    from l2l.workflows.predict import refuse_beyond

    if res.method not in ("recommended", "independent"):
        return res
    targets = []
    for t in res.targets:
        rows, refused = [], []
        for r in t.rows:
            if t.metric != "loss" or r.status != "ok" or r.N is None or r.D is None:
                rows.append(r)
                continue
            ev = _law_eval(t.target, r.dataset, own_eval)
            try:
                refuse_beyond(
                    book,
                    r.dataset,
                    ev,
                    book.sweeps.get(r.dataset, ev),
                    book.flops_per_param_token * r.N * r.D,
                )
            except RefusedBeyondSweepError as exc:
                refused.append(exc)
                rows.append(dataclasses.replace(r, notes=(*r.notes, f"{OWN_REFUSED}: {exc.message}")))
                continue
            rows.append(r)
        ranked = [r for r in t.rows if r.status == "ok"]
        why = None
        if refused and len(refused) == len(ranked):
            if res.method == "independent" and len(res.targets) == 1:
                raise RefusedBeyondSweepError(
                    f"{t.target}: every dataset's law is refused here ({refused[0].message}); --method baseline "
                    "ranks by what the sweep measured at its largest budget"
                )
            why = (
                f"every dataset's law of {t.target} is refused here as predict refuses it (a poor law beyond its "
                "sweep; `l2l predict` says why of each)"
            )
        targets.append(dataclasses.replace(t, rows=tuple(rows), refused=why))
    return dataclasses.replace(res, targets=tuple(targets))


def _holding_own_predictions(
    res: Ranking, book: LawBook, own_eval: Mapping[str, str], *, own_values: bool = True
) -> Ranking:
    """``res`` with the interval of each recommended value that keeps the sweep's order (trust < 1: the dataset's
    own change is shrunk or left out) widened to hold the dataset's own prediction there, as ``predict`` makes it,
    (at trust 1 too: the law's own value, whose joint draws' interval had been 2-4.5x narrower than predict's and
    missed truths predict's held, probe h24), and each value of ``--method independent`` (the dataset's own law)
    given ``predict``'s interval (its joint
    draws' interval had differed: a probe's ladder, [2.881, 3.064] against predict's [2.938, 3.118]),
    (``predict_point``): such a value is no prediction of the dataset's loss, and its interval, printed under
    "predicted", missed the truth of a dataset that scales unlike the others 5 times in 6 (a probe's three
    datasets sharing their evals). Where nothing chose between the laws and the sweep's order
    (``TargetRanking.unresolved``) each row's value and interval are predict's outright (``own_values``; not for an
    accuracy ranking, which maps the kept order's draws). P(best) is unchanged: it counts what can reorder the
    values."""
    from l2l.workflows.predict import off_the_law, predict_point

    if res.method not in ("recommended", "independent"):
        return res
    independent = res.method == "independent"
    targets = []
    for t in res.targets:
        rows = []
        for r in t.rows:
            # (every recommended row with a law, trust 1 included: see above)
            keeps_order = independent or r.trust is not None
            if t.metric != "loss" or r.status != "ok" or not keeps_order or r.N is None or r.D is None:
                rows.append(r)
                continue
            ev = _law_eval(t.target, r.dataset, own_eval)
            if not independent and r.trust == 1.0 and _measured(book, r.dataset, ev, r.N, r.D):
                # a model the dataset measured: its interval is that run's noise about the law, as sure with its
                # seeds averaged as kept apart (predict's there is the fit's bootstrap alone, a lower bound)
                rows.append(r)
                continue
            try:
                own = predict_point(book, r.dataset, ev, r.N, r.D, level=res.level).interval
            except (FitError, SelectionError):  # refused beyond the sweep: said by ``_refused_beyond``
                rows.append(r)
                continue
            # said as predict says it (one answer per question), in words and in the row's flags: its lower bound,
            # and its correction (the laws rank reads carry predict's, ``_corrections``: a corrected law's value had
            # been printed under "independent: the target's own law" with no word of it, issue 17)
            how = off_the_law(own.raw, own.estimate, own.anchor)
            r = dataclasses.replace(
                r,
                notes=(
                    *r.notes,
                    *(
                        [f"independent ({ev}): its own law's value {' and '.join(how)}, as predict gives it"]
                        if how
                        else []
                    ),
                    *([OWN_LOWER_BOUND] if own.lower_bound_only else []),
                ),
                lower_bound_only=r.lower_bound_only or own.lower_bound_only,
                calibrated=r.calibrated and not beyond_evidence(own),
            )
            if (
                independent
            ):  # each dataset's own law: its value and interval are predict's (one answer per question)
                if (own.lo, own.hi) != (r.lo, r.hi):
                    rows.append(dataclasses.replace(r, lo=own.lo, hi=own.hi))
                else:
                    rows.append(r)
                continue
            if t.unresolved is not None and own_values:
                # nothing chose between the laws and the sweep's order: the value printed is the one a dataset's
                # own law gives (predict's, with its interval), not the kept order's anchored value, which is
                # neither (h20's two crossing datasets at 1e22: the leader printed 2.56, 5.6 % below its truth, its
                # own law 2.72 against a truth of 2.72); the rows keep the sweep's order, the verdict says both
                value = own.estimate
                rows.append(dataclasses.replace(r, value=value, lo=min(own.lo, value), hi=max(own.hi, value)))
                continue
            lo, hi = min(r.lo or own.lo, own.lo), max(r.hi or own.hi, own.hi)
            if (lo, hi) == (r.lo, r.hi):
                rows.append(r)
                continue
            rows.append(dataclasses.replace(r, lo=lo, hi=hi, notes=(*r.notes, HOLDS_OWN)))
        targets.append(dataclasses.replace(t, rows=tuple(rows)))
    return dataclasses.replace(res, targets=tuple(targets))


def _measured(book: LawBook, dataset: str, ev: str, n: float, d: float) -> bool:
    """Whether ``dataset`` has a run of (n, d) on ``ev`` among the runs its law was fitted on."""
    from l2l.core.sweep import at_model

    if not book.sweeps.has(dataset, ev):
        return False
    sweep = book.sweeps.get(dataset, ev)
    return bool(at_model(sweep.N, sweep.D, n, d).any())


def _with_repetition(res: Ranking, book: LawBook, own_eval: Mapping[str, str]) -> tuple[Ranking, list[str]]:
    """``res`` with each row whose D (D* at a budget) repeats its dataset's unique tokens saying so (its
    ``repetition`` and a note), and the warnings: a row beyond the passes its runs made is predicted by a law
    that takes repeated tokens as new (its loss a lower bound, its P(best) an upper one), and a scan for the
    budgets where the winner changes that reaches such a D* is unchecked from there on (a probe: "the winner is the
    same for every C from 1e21 to 1e23" where the truth changed winner at 1e22, past hq's unique tokens)."""
    from l2l.workflows.predict import repetition_of

    if not book.unique_tokens:
        return res, []
    warnings: list[str] = []
    targets = []
    for t in res.targets:
        rows = []
        for r in t.rows:
            ev = _law_eval(t.target, r.dataset, own_eval)
            rep = None if r.D is None or r.status != "ok" else repetition_of(book, r.dataset, ev, r.D)
            rows.append(
                r if rep is None else dataclasses.replace(r, repetition=rep, notes=(*r.notes, rep.note()))
            )
        which = "D*" if res.budget.C is not None else "D"
        warnings += [
            f"{t.target}: {r.dataset}'s {which} = {fmt_si(rep.D)} exceeds its {fmt_si(rep.unique_tokens)} unique "
            f"tokens ({rep.passes:.3g} passes, more than its runs made: {rep.swept_passes:.3g}), which its law "
            "takes as new data: its predicted loss is a lower bound and its P(best) an upper bound"
            for r in rows
            if (rep := r.repetition) is not None and rep.beyond
        ]
        scan = _scan_past_unique(t, book, own_eval, res.budget.C)
        targets.append(dataclasses.replace(t, rows=tuple(rows), fresh_until=scan))
    return dataclasses.replace(res, targets=tuple(targets)), warnings


def _scan_past_unique(
    t: TargetRanking, book: LawBook, own_eval: Mapping[str, str], c: float | None
) -> tuple[float, str] | None:
    """The least budget of the scan of winners over C (C/10 to 10·C) at which a ranked dataset's D* (of its
    own-loss law) repeats its unique tokens more often than its runs did, and that dataset: from there the scan's
    losses take repeated tokens as new. None for a fixed model, or where no D* gets there."""
    from l2l.workflows.predict import repetition_of

    if c is None:
        return None
    grid = np.geomspace(c / 10.0, c * 10.0, 81)
    first: tuple[float, str] | None = None
    for r in t.rows:
        own = own_eval.get(r.dataset)
        if r.status != "ok" or own is None or r.dataset not in book.unique_tokens:
            continue
        fit = book.try_get(r.dataset, own) if book.sweeps.has(r.dataset, own) else None
        if fit is None or isinstance(fit, FitError):
            continue
        _, d_opt = fit.law.compute_optimal(grid, book.flops_per_param_token)
        for cc, dd in zip(grid, np.atleast_1d(d_opt), strict=True):
            rep = repetition_of(book, r.dataset, own, float(dd))
            if rep is not None and rep.beyond:
                if first is None or cc < first[0]:
                    first = (float(cc), r.dataset)
                break
    return first


def _with_poor_laws(res: Ranking, book: LawBook, own_eval: Mapping[str, str]) -> Ranking:
    """``res`` with each candidate whose target law is poor (``LawBook.flag``) saying so on its row (a note the
    table prints once), as ``predict`` marks that law's interval not calibrated (a probe: ``rank -t arc_easy`` showed
    FineWeb-Edu's poor law as ``ok``, with nothing said)."""
    targets = []
    for t in res.targets:
        rows = []
        for r in t.rows:
            ev = _law_eval(t.target, r.dataset, own_eval)
            flag = book.flag(r.dataset, ev) if book.sweeps.has(r.dataset, ev) else None
            if flag is None:
                rows.append(r)
                continue
            rows.append(
                # (predict marks a poor law's interval a lower bound, not calibrated: ``not_calibrated``)
                dataclasses.replace(
                    r,
                    notes=(*r.notes, f"{flag}: its interval is not calibrated"),
                    lower_bound_only=True,
                    calibrated=False,
                )
            )
        targets.append(dataclasses.replace(t, rows=tuple(rows)))
    return dataclasses.replace(res, targets=tuple(targets))


def _measured_note(
    cands: Sequence[Candidate], targets: Sequence[str], budget: Budget, split: str | None
) -> tuple[str, ...]:
    """A warning when every candidate has a run at the fixed model (N, D) asked for, on every target, and those
    runs are among the fitted ones: the ranking then mostly restates what was measured (a backtest would hold
    them out)."""
    from l2l.core.sweep import at_model

    n, d = budget.N, budget.D
    if n is None or d is None:
        return ()

    def has(c: Candidate, t: str) -> bool:
        sw = c.runs.get(t)
        return sw is not None and bool(at_model(sw.N, sw.D, n, d).any())

    if not all(has(c, t) for c in cands for t in targets):
        return ()
    where = "no --split: every run" if split is None else f"split {split}"
    return (
        f"every dataset was measured at N = {n:.3g}, D = {d:.3g} and those runs are in the fit "
        f"({where}): the ranking mostly restates the measured losses; to test a prediction, hold them out "
        "(--split, or rank --holdout)",
    )


# ---------------------------------------------------------------------------------------------------------------
# Ranking by a downstream accuracy: predicted task loss per joint draw → the task's accuracy law
# ---------------------------------------------------------------------------------------------------------------

#: How an accuracy ranking's intervals and P(best) are made.
ACCURACY_CAVEAT = (
    "accuracy intervals: each dataset's task-loss interval mapped through the accuracy law, with the law's own "
    "backtest error added on the logit scale (as predict --eval ACC makes them); P(best) carries the joint "
    "task-loss draws through the law's curve, and where each dataset has a curve of its own, each curve's own "
    "error drawn apart (one curve shared by every dataset moves them together and reorders none); with one curve, "
    "each dataset's model's own score is drawn with the runs' noise about it (the eval's resolution: predictions "
    "hundredths of a point apart on a plateau are a tie, not P(best) 1.00)"
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
        if (
            pattern.startswith("!")
            or pattern == OWN
            or (is_glob(pattern) and pattern not in acc and pattern.removesuffix(":accuracy") not in acc)
        ):
            continue
        if pattern.endswith(":accuracy"):  # spelled as an accuracy (workflows.targets.rank_targets)
            found.append(resolve_name(pattern.removesuffix(":accuracy"), acc, "accuracy eval"))
            continue
        if pattern in runs.evals:  # a loss eval's stored name (rank_targets turned quiz:loss into it)
            continue
        try:
            if not names_accuracy(runs, pattern, acc):
                continue
        except AmbiguousNameError:
            raise
        except SelectionError:
            continue  # neither: the loss ranking says so
        found.append(resolve_name(pattern, acc, "accuracy eval"))
    if not found:
        return None
    if len(names) > 1:
        raise UsageError(
            "rank by one accuracy target at a time: accuracy and loss targets (or several accuracies) cannot "
            "be combined",
            param="targets",
        )
    return found[0]


def _literal(name: str) -> str:
    """An accuracy eval's exact name as a selection that matches it alone: its glob characters escaped, since the
    accuracy laws' selection reads a name holding one as a glob (``arc_easy[25-shot]`` matched no eval)."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in name) if is_glob(name) else name


def _rank_accuracy(
    runs: Runs,
    acc_eval: str,
    budget: Budget,
    datasets: Sequence[str] | None,
    split: str | None,
    settings: RankSettings,
    store: _Store,
    chance: Mapping[str, float] | None = None,
    ceiling: float | Literal["auto"] | None = "auto",
    pooling: Pooling = "auto",
) -> Ranking:
    """Rank by the predicted accuracy of ``acc_eval``, higher is better: each dataset's predicted task loss per
    joint draw (the loss ranking of the matched task-loss eval) through the task's fitted accuracy law (pooled or
    per dataset). Raises FitError for a task whose accuracy is unpredictable or has no law."""
    _refuse_budget_on_one_line(runs, acc_eval, budget, datasets, settings.method)
    task, fit = _accuracy_law(runs, acc_eval, split, store.accuracy_laws, chance, ceiling, pooling)
    loss = _rank_losses(runs, {task: 1.0}, budget, datasets, split, settings, store, _through_law(fit))
    lt = loss.targets[0]
    if lt.fixed_d:
        raise _fixed_d_accuracy_refusal(acc_eval, task, budget, fit)
    logs = loss.log_draws.get(task, {})
    accs, failed = _accuracy_draws(fit, lt, logs, task, settings)
    # a model measured (the one asked for, or the baseline's largest budget) is read, not mapped through the law
    read = _measured_accuracies(
        runs, acc_eval, split, budget, lt, fit.predictability.noise_sd, loss.draws, settings
    )
    for n, (draws, _, _) in read.items():
        accs[n] = draws
        failed.pop(n, None)
    ok = list(accs)
    if len(ok) < 2 <= len(lt.rows):
        # P(best) 1.00 for the one dataset left of four read as a verdict over all four (a probe's table)
        have = f"only {ok[0]}'s accuracy" if ok else "no dataset's accuracy"
        why = grouped_reasons(failed)
        # runs at one tokens per parameter have no N* at a budget: a model on their line can be ranked, as a loss
        # target's refusal says (a DataDecide-shaped sweep's accuracy target named neither --N nor --D: probe h40)
        line = failed and all(r.startswith("no compute-optimal model") for r in failed.values())
        raise FitError(
            f"{acc_eval} cannot be ranked: {have} could be predicted ({why})",
            hint=(f"{ON_THE_LINE}; " if line else "")
            + f"l2l fit-accuracy --eval '{acc_eval}' shows its law; l2l predict --eval '{acc_eval}' --metric "
            "accuracy gives what can be predicted",
        )
    mat = np.vstack(list(accs.values())) if accs else np.zeros((0, loss.draws))
    pb, ranks, leader, tie, cont = judge(ok, -mat, settings.level)
    law = {"pooled": "pooled across datasets", "shifted": "one shape, shifted by dataset"}.get(
        fit.pooling, "one per dataset"
    )
    predicted = {n: float(np.exp(logs[n][0])) for n in ok}
    why = (fit.reason or "").removeprefix("poor law: ")
    poor = (
        f"; the accuracy law is poor ({why}): its interval is not calibrated" if fit.status == "poor" else ""
    )
    notes = {n: f"predicted {task}: {x:.4f} (accuracy law {law}){poor}" for n, x in predicted.items()}
    few = fit.too_few_note(settings.level)  # as predict says it: the law's error from too few backtest errors
    ceilings: dict[str, str] = {}
    for n in ok:  # as predict says it: an accuracy resting on the assumed ceiling of 1 (p50)
        if said := ceiling_note(fit, n, float(accs[n][0])):
            notes[n] += f"; {said}"
            ceilings[n] = said
        if few:
            notes[n] += f"; {few}"
    notes.update({n: said for n, (_, said, _) in read.items()})
    # each dataset's interval as predict gives it (one answer per question): its task-loss interval mapped
    # through the accuracy law, with the law's own backtested error added on the logit scale; P(best) from the
    # joint draws (with each separate curve's error drawn apart above)
    chains = {
        r.dataset: _accuracy_chain(fit, r.dataset, (r.value, r.lo, r.hi), r, settings.level)
        for r in lt.rows
        if r.dataset in accs
        and r.dataset not in read
        and r.value is not None
        and r.lo is not None
        and r.hi is not None
    }
    # a baseline accuracy read at the largest budget: the sizes of the runs it was read from
    tops = {n: at for n, (_, _, at) in read.items() if at is not None}
    loss_rows = [
        dataclasses.replace(r, top_N=tops[r.dataset][0], top_D=tops[r.dataset][1]) if r.dataset in tops else r
        for r in lt.rows
    ]
    rows, combined = _accuracy_rows(
        loss_rows,
        failed,
        ok,
        mat,
        (pb, ranks),
        notes,
        settings.level,
        {n: (lo, hi) for n, (lo, hi, _) in chains.items()},
    )
    # each chained row's standing as predict --eval ACC judges the same chain (``accuracy_lower_bound``)
    rows = tuple(
        dataclasses.replace(
            r,
            lower_bound_only=(
                lower := accuracy_lower_bound(
                    loss_lower_bound=r.lower_bound_only,
                    poor=fit.status == "poor",
                    method=chains[r.dataset][2],
                    ceiling_note=ceilings.get(r.dataset, ""),
                    level_note=few,
                    unmeasured=unmeasured(fit, r.dataset),
                )
            ),
            calibrated=r.calibrated and not lower,
        )
        if r.status == "ok" and r.dataset in chains
        else r
        for r in rows
    )
    # (a task loss's order already unchecked keeps its words: below the sweep, or no extrapolation error learned)
    untested = (
        None if lt.unchecked else _untested_curves(fit, acc_eval, task, (leader, lt.leader), predicted, read)
    )
    target = dataclasses.replace(
        lt,
        target=acc_eval,
        weight=1.0,
        rows=rows,
        leader=leader,
        tie=tie,
        contenders=cont,
        metric="accuracy",
        via=task,
        unresolved=None,  # (its values are the kept order's draws through the accuracy law, not the laws')
        unchecked=lt.unchecked or untested is not None,
        unchecked_why=untested,
    )
    # (beyond the sweep with no extrapolation error learned: no P(best), as for the task loss it maps)
    return dataclasses.replace(
        loss,
        targets=(target,),
        combined=combined,
        leader=leader,
        tie=tie,
        contenders=cont,
        warnings=(
            *loss.warnings,
            ACCURACY_CAVEAT,
            *_accuracy_law_extrapolated(fit, task, predicted),
            *fit.warnings,
        ),
        log_draws={},
    ).without_unchecked_p_best()


#: A predicted task loss within 1 % of the losses an accuracy curve was fitted on counts as inside them for
#: ``_untested_curves``: at the sweep's top budget a dataset's compute-optimal loss sits at the edge of its runs' (a
#: probe's code at 1.677 beside its lowest fitted 1.678, where the untested curves had named web, rightly, at 0.93).
CURVE_EDGE = 0.01


def _untested_curves(
    fit: AccuracyFit,
    acc_eval: str,
    task: str,
    leaders: tuple[str | None, str | None],
    predicted: Mapping[str, float],
    read: Mapping[str, object],
) -> str | None:
    """Why an accuracy ranking's order is unchecked where it rests on one curve per dataset (or one shape shifted
    by dataset) that no backtest could test, or None. Such curves differ by what their fits guessed of a rise
    their lower runs do not show, and carried beyond the runs those guesses reorder the datasets: on a probe's
    table (three datasets on one true sigmoid, chance 0.25, task losses 1 % apart; seed 0 of h91's ``acc``), the
    design chosen by BIC −898.6 pooled against −898.7 separate put books first at 5e20 at P(best) 1.00, "no other
    dataset is a contender", where web is 1.6 points better (85.0 against 83.4) and first by its task loss at
    P(best) 1.00; each curve's error drawn apart holds the fit's residuals only. ``leaders``: the accuracy
    ranking's and its task loss's; ``predicted``: each dataset's predicted task loss. None where the curves are one,
    tested, or not carried beyond the losses they were fitted on (at the sweep's top budget the same curves named
    web at P(best) 0.64, 0.77 and 0.93 on the probe's three such seeds, right each time), or not used (every
    dataset's accuracy read from its runs)."""
    leader, loss_leader = leaders
    if fit.pooled or not fit.backtest_uninformative or leader is None:
        return None

    def beyond(n: str, x: float) -> bool:
        lo, hi = fit.x_range_of(n)
        return not lo / (1 + CURVE_EDGE) <= x <= hi * (1 + CURVE_EDGE)

    if not any(beyond(n, x) for n, x in predicted.items() if n not in read):
        return None
    by_loss = (
        f"by the task loss {task} alone {loss_leader} leads (-t '{task}:loss')"
        if loss_leader is not None and loss_leader != leader
        else f"the task loss {task} puts it first too"
    )
    return (
        f"{leader} leads by the point prediction; {acc_eval}'s accuracy law is one curve per dataset, which no "
        "backtest could test (the runs its backtest fits on show no rise), and their differences beyond the runs "
        f"make this order, so it is unchecked and no P(best) is stated; {by_loss}"
    )


def _fixed_d_accuracy_refusal(acc_eval: str, task: str, budget: Budget, fit: AccuracyFit) -> FitError:
    """Why an accuracy is not ranked where its task loss's candidates are fixed-D sweeps at the D asked for
    (``_fixed_d_ranking``), and what answers instead. That ranking has no joint draws for the accuracy law to map
    (no P(best): no backtest of rankings checks those laws), and keeps the measured order unless calibrated intervals
    separate the leader; chained accuracy intervals of such sweeps were lower bounds on every seeded table (h81:
    the accuracy law's own error is not backtested on a dozen runs), so that rule would keep the measured order.
    ``predict`` gives each dataset's accuracy with its interval; the task loss ranks by the same laws."""
    assert budget.N is not None
    assert budget.D is not None
    at = f"--N {fmt_si(budget.N)} --D {fmt_si(budget.D)}"
    same = (
        " (one accuracy curve pooled across the datasets: the same order by the laws' values)"
        if fit.pooling == "pooled"
        else ""
    )
    return FitError(
        f"{acc_eval} is not ranked on fixed-D sweeps: their task loss {task} is ranked at D = {fmt_si(budget.D)} "
        "by its laws in N at that D alone, with no joint draws for the accuracy law to map",
        hint=f"l2l predict -e '{acc_eval}:accuracy' {at} gives each dataset's accuracy there with its interval; "
        f"l2l rank -t '{task}:loss' {at} ranks by the task loss{same}",
    )


def _accuracy_draws(
    fit: AccuracyFit, lt: TargetRanking, logs: Mapping[str, Array], task: str, settings: RankSettings
) -> tuple[dict[str, Array], dict[str, str]]:
    """Each dataset's joint draws of the task loss (``logs``: their logs) mapped through the accuracy law, with the
    error that can reorder them (``with_curve_error``, or the eval's own noise about one shared curve); and why
    each dataset without them has none."""
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
    # one curve per dataset: each curve's own error can reorder them (one shared curve cannot)
    rng = np.random.default_rng([settings.seed, 4242])
    if not fit.pooled:
        return {n: fit.with_curve_error(a, settings.level, rng) for n, a in accs.items()}, failed
    if (noise := fit.predictability.noise_sd) > 0:
        # one shared curve reorders nothing, so P(best) followed the task losses alone: on a plateau, predictions
        # 0.01 points apart read P(best) 1.00 and 0.00 beside "a TIE" (a probe; the truth-best by 0.02 points was
        # given 0.00). Which model scores best is also its eval's own noise: the runs' scatter about the curve
        return {n: _with_score_noise(a, noise, rng) for n, a in accs.items()}, failed
    return accs, failed


def _accuracy_law_extrapolated(fit: AccuracyFit, task: str, predicted: Mapping[str, float]) -> list[str]:
    """The warnings of predicted task losses outside those the accuracy law was fitted on (each dataset's own,
    with one curve per dataset)."""
    outside = [n for n, x in predicted.items() if fit.extrapolates(x, n)]
    if not outside:
        return []
    if fit.pooled:
        return [
            f"the predicted {task} of {', '.join(outside)} lies outside the losses the accuracy law was fitted "
            f"on ({fit.x_range[0]:.3f}–{fit.x_range[1]:.3f}): the accuracy law is extrapolated"
        ]
    return [
        f"{n}: the predicted {task} {predicted[n]:.3f} lies outside the losses its accuracy law was fitted on "
        f"({fit.x_range_of(n)[0]:.3f}–{fit.x_range_of(n)[1]:.3f}): the accuracy law is extrapolated"
        for n in outside
    ]


#: The hint of a ranking at a budget refused for want of N* on a one-line sweep (a loss's and an accuracy's alike).
ON_THE_LINE = "rank at a model on the runs' line instead: --N and --D"


def _refuse_budget_on_one_line(
    runs: Runs, acc_eval: str, budget: Budget, datasets: Sequence[str] | None, method: Method
) -> None:
    """Raise FitError where ``budget`` is a compute beyond every run and every dataset of ``datasets`` (None: all)
    has its own-eval runs (all of them: any split of them is on their line too) at about one D/N
    (``allocation_unidentified``): no N* there. Said before the accuracy law and every task-loss law and their draws
    are fitted (a DataDecide-shaped sweep of 25 datasets took 171 s to reach this refusal, probe h40)."""
    import polars as pl

    if budget.C is None or method == "baseline":  # (the baseline reads the runs at the sweep's own budgets)
        return
    why = None
    for ds in sorted(runs.own_eval) if datasets is None else datasets:
        own = runs.own_eval.get(ds)
        if own is None:
            return
        rows = runs.frame.filter((pl.col("dataset") == ds) & (pl.col("eval") == own))
        why = allocation_unidentified(rows.get_column("N").to_numpy(), rows.get_column("D").to_numpy())
        top = float(rows.get_column("C").to_numpy().max()) * (1 + BUDGET_RTOL) if len(rows) else math.inf
        if why is None or top >= budget.C:
            return
    if why is not None:
        raise FitError(
            f"{acc_eval} cannot be ranked at a budget: no compute-optimal model for any dataset ({why})",
            hint=ON_THE_LINE,
        )


def _through_law(fit: AccuracyFit) -> FlipMap:
    """Point-predicted task losses → accuracies through ``fit``: the loss ranking's scan of budgets where the
    winner changes, made by accuracy (an accuracy ranking said flips [] and nothing on budgets, where its task
    loss's ranking said its winner changed); a dataset the law cannot map is left out."""

    def through(losses: Mapping[str, float]) -> dict[str, float]:
        out: dict[str, float] = {}
        for name, x in losses.items():
            try:
                out[name] = float(np.asarray(fit.predict(np.asarray([x]), group=name), np.float64)[0])
            except FitError:
                continue
        return out

    return through


def _measured_accuracies(
    runs: Runs,
    acc_eval: str,
    split: str | None,
    budget: Budget,
    lt: TargetRanking,
    noise_sd: float,
    draws: int,
    settings: RankSettings,
) -> dict[str, tuple[Array, str, tuple[tuple[float, float], tuple[float, float]] | None]]:
    """Per dataset whose value is a measurement (a row measured at the model asked for; every valued row of the
    baseline, at the dataset's largest budget): joint draws of its mean measured accuracy there (draw 0 the
    mean; noise the repeats' standard error, or the runs' scatter about the accuracy curve for one run), what
    the row says, and at the largest budget the (smallest, largest) N and D of the runs read. The accuracy was
    the measured task loss through the accuracy law: a measured 32.5 ± 0.3 read 32.8 [24.4, 62.9]."""
    import polars as pl

    frame = runs.accuracy
    if frame is None:
        return {}
    frame = frame.filter(pl.col("eval") == acc_eval)
    if split is not None:
        frame = frame.filter(pl.col("split") == split)
    rng = np.random.default_rng([settings.seed, 32452843])  # its own: no other draw depends on it
    cells: dict[
        str, tuple[Array, Array, bool, str, tuple[tuple[float, float], tuple[float, float]] | None]
    ] = {}
    for row in lt.rows:
        if row.status != "ok" or not (row.measured_runs or lt.method == "baseline"):
            continue
        mine = frame.filter(pl.col("dataset") == row.dataset)
        if not mine.height:
            continue
        n, d, c = (mine.get_column(k).to_numpy().astype(np.float64) for k in ("N", "D", "C"))
        top = not (row.measured_runs and budget.N is not None and budget.D is not None)
        if budget.N is not None and budget.D is not None and not top:
            at = at_model(n, d, budget.N, budget.D)
            where = "of this model"
        else:
            at = c >= c.max() / ANCHOR_BUDGET_RATIO
            where = f"at its largest budget (C = {float(c[at].mean()):.3g})"
        if not at.any():
            continue
        sizes = (
            ((float(n[at].min()), float(n[at].max())), (float(d[at].min()), float(d[at].max())))
            if top
            else None
        )
        acc = mine.get_column("accuracy").to_numpy().astype(np.float64)[at]
        seeds = mine.get_column("n_repeats").to_numpy().astype(np.float64)[at]
        one_model = bool(at_model(n[at], d[at], float(n[at][0]), float(d[at][0])).all())
        repeats = one_model and (acc.size > 1 or float(seeds.sum()) > 1)
        cells[row.dataset] = (acc, seeds, repeats, where, sizes)
    # repeats of one model: the per-run scatter of repeats pooled over every dataset that repeated it (each
    # dataset's own two seeds set its interval: half-widths 0.03-2.07 points, 30 of 50 truths inside, probe p59),
    # over √runs; several models (a budget's profile), whose spread is no noise, or one run: the runs' scatter about
    # the accuracy curve
    # (and the seeds averaged at ingest, their scatter kept aside: a seed column's table read "one run" and was
    # refused, probe p59)
    kept = runs.seed_scatter(acc_eval, accuracy=True)
    pooled = pooled_repeat_sd(
        (acc for acc, _, repeats, _, _ in cells.values() if repeats),
        also=[kept[name] for name, cell in cells.items() if cell[2] and name in kept],
    )
    out: dict[str, tuple[Array, str, tuple[tuple[float, float], tuple[float, float]] | None]] = {}
    for name, (acc, seeds, repeats, where, sizes) in cells.items():
        many = float(seeds.sum()) if repeats else float(acc.size)
        sd = float(pooled if repeats and math.isfinite(pooled) else noise_sd) / math.sqrt(many)
        mean = float(np.average(acc, weights=seeds))
        value = np.clip(mean + sd * rng.standard_normal(draws), 0.0, 1.0)
        value[0] = mean
        of = (
            f"the mean of its {acc.size} runs' accuracy"
            if acc.size > 1
            else f"its run's accuracy (the mean of {round(many)} seeds)"
            if many > 1
            else "its run's accuracy"
        )
        out[name] = (value, f"measured: {of} {where}, no accuracy law needed", sizes)
    return out


def _with_score_noise(acc: Array, noise_sd: float, rng: np.random.Generator) -> Array:
    """Accuracy draws (draw 0 the point, left alone) with a model's own score noise added, kept in [0, 1]."""
    out = np.array(acc, dtype=np.float64, copy=True)
    out[1:] = np.clip(out[1:] + rng.normal(0.0, noise_sd, out.size - 1), 0.0, 1.0)
    return out


def _accuracy_law(
    runs: Runs,
    acc_eval: str,
    split: str | None,
    cache: MutableMapping[str, AccuracyFit] | None = None,
    chance: Mapping[str, float] | None = None,
    ceiling: float | Literal["auto"] | None = "auto",
    pooling: Pooling = "auto",
) -> tuple[str, AccuracyFit]:
    """The task loss an accuracy eval is ranked through, and the accuracy law that maps it (predictable only)."""
    task = task_loss_eval(runs, acc_eval)
    if task is None:
        raise SelectionError(
            f"no task loss matches the accuracy eval {acc_eval!r}: accuracy is ranked through its task's loss"
            f"{near_task_losses(runs, acc_eval)}",
            hint=f"rank by a loss eval, or give the task's loss (a loss eval named {stem_of(acc_eval)}_ce_loss); "
            f"l2l predict --eval '{acc_eval}:accuracy' --input-loss own predicts it from each dataset's own loss",
        )
    (res,) = fit_accuracy_laws(
        runs,
        [_literal(acc_eval)],
        split=split,
        accuracy_cache=cache,
        chance=chance,
        ceiling=ceiling,
        pooling=pooling,
    )
    if res.fit is None:
        raise FitError(f"no accuracy law for {acc_eval}: {res.error}")
    if not res.fit.usable:
        raise FitError(f"{acc_eval} cannot be ranked: its accuracy is unpredictable ({res.fit.reason})")
    return task, res.fit


def _accuracy_chain(
    fit: AccuracyFit, dataset: str, task: tuple[float, float, float], row: DatasetPrediction, level: float
) -> tuple[float, float, str]:
    """A dataset's accuracy interval: its task-loss interval ``task`` (value, lo, hi) mapped through the accuracy
    law (``chain_interval``). A task-loss interval widened to hold predict's, about the dataset's own law's value
    (``HOLDS_OWN``), is mapped about that value too, so that the accuracy interval holds predict --eval ACC's, as
    its row says (probe h24: books [0.6767, 0.7785] beside predict's [0.6716, 0.7572])."""
    value, lo_task, hi_task = task
    _, lo, hi, how = fit.chain_interval(value, dataset, lo_task, hi_task, level)
    if HOLDS_OWN in row.notes and row.independent is not None:
        own_lo, own_hi = fit.chain_interval(row.independent, dataset, lo_task, hi_task, level)[1:3]
        lo, hi = min(lo, own_lo), max(hi, own_hi)
    return lo, hi, how


def _accuracy_rows(
    loss_rows: Sequence[DatasetPrediction],
    failed: Mapping[str, str],
    ok: Sequence[str],
    mat: Array,
    judged: tuple[Array, NDArray[np.int64]],
    notes: Mapping[str, str],
    level: float,
    chains: Mapping[str, tuple[float, float]],
) -> tuple[tuple[DatasetPrediction, ...], tuple[CombinedRow, ...]]:
    """The loss ranking's rows re-ranked by predicted accuracy (``mat``: per ranked dataset and joint draw, draw 0
    the point; ``judged``: P(best) and ranks), and the combined rows: accuracy relative to the mean candidate.
    A dataset's interval is its ``chains`` one where it has one, else the draws' percentiles."""
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
                    row, status="failed", reason=why, value=None, lo=None, hi=None, p_best=None, rank=None
                )
            )
            combined.append(CombinedRow(row.dataset, "failed", why, None, None, None, None, None))
            continue
        i = ok.index(row.dataset)
        lo, hi = chains.get(row.dataset) or percentile_interval(mat[i, 1:] if B > 1 else mat[i], level)
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
