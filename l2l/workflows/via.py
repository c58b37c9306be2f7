"""Predictions through loss-to-loss translation, each step with its interval: ``predict_sources``.

A target dataset's loss (its own, or on another eval through its train-to-test translation) from one or several
source datasets' measured own losses: each source's loss is translated onto the target (train-train), several
translations are combined (mean by default), and a train-test step carries the result to another eval. The
train-train steps and the combination get backtested intervals (``l2l.core.calibrate``); a train-test step carries
that interval through the translation, widened by its residual and parameter spread, and holds the interval the
backtests of the whole chain give where they apply (``LawBook.train_test_model``,
``l2l.core.intervals.backtested_through``); elsewhere it is flagged a lower bound.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from l2l.base.checks import as_names, as_numbers, check_choice, check_level
from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.base.runs import ALL, OWN
from l2l.base.schema import COMBINES
from l2l.base.text import grouped_reasons
from l2l.core.calibrate import Calibration, CalibrationCache
from l2l.core.error_model import ErrorModel
from l2l.core.fit import FitCache, FitOptions, LawFit
from l2l.core.intervals import (
    backtested_through,
    combined_interval,
    known_model,
    spread_floored,
    translation_interval,
)
from l2l.core.loss_to_loss import TranslationInputs, k_kappa_intervals, log_sd_at, shifted_power_draws
from l2l.core.predictive import (
    DEFAULT_LEVEL,
    LOWER_BOUND_MARK,
    Combine,
    Placement,
    PredictiveInterval,
    aspect_on,
)
from l2l.core.sweep import SAME_RTOL, Sweep
from l2l.workflows.lawbook import (
    OWN_GROUP,
    LawBook,
    Sweeps,
    law_book,
    other_translation_book,
    translation_book,
)
from l2l.workflows.pairing import at_config, tolerance_apart
from l2l.workflows.translate import (
    TranslationResult,
    check_source_loss,
    find_run,
    fit_translation,
    in_split,
    judged_translation,
    other_translation_value,
    run_checkpoint_note,
    translate,
    translation_inputs,
    with_other_combination,
    with_other_translation,
    without_far_pairs,
)

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs
    from l2l.base.schema import Join, Kind

__all__ = ["ViaPrediction", "ViaStep", "predict_sources", "step_backtested_note"]

TRAIN_TEST = (
    "train-to-test step not backtested (its backtests do not apply here, or the interval it carries is not "
    "backtested): the own-loss interval carried through the translation, widened by its residual and parameter "
    "spread; a lower bound"
)
#: The same step where the target's own eval is the eval every dataset shares (it has none of its own): a test loss
#: to another test loss (it was called train-to-test; probe p58).
TEST_TEST = (
    "test-to-test step not backtested (its backtests do not apply here, or the interval it carries is not "
    "backtested): the interval on that eval carried through the translation, widened by its residual and "
    "parameter spread; a lower bound"
)


def step_backtested_note(shared: bool, eval_name: str, n_errors: int) -> str:
    """What a backtested train-to-test (test-to-test: ``shared``) step says of its interval."""
    step = "test-to-test" if shared else "train-to-test"
    return (
        f"{step} step backtested (the whole chain onto {eval_name} refitted below each backtest cutoff, its runs "
        f"above predicted from their sources' measured losses: {n_errors} errors): the interval before it carried "
        "through the translation, and held to the interval those backtests give"
    )


@dataclass(frozen=True)
class ViaStep:
    """One step of a prediction through translation: a measured source loss (``interval`` None; kind ``given``
    where the user gave it, ``--src-loss``), a single-source
    train-train translation, the combination of several, or a train-test translation. ``backtested``: the
    interval comes from error models learned by backtests (own losses, translations, the train-test step); else it
    is a lower bound."""

    description: str
    kind: str
    source: str
    dataset: str
    eval: str
    value: float
    interval: PredictiveInterval | None
    K: float | None = None
    kappa: float | None = None
    E0: float | None = None
    E1: float | None = None
    K_interval: tuple[float, float] | None = None
    kappa_interval: tuple[float, float] | None = None
    backtested: bool = False
    extrapolated: bool = False

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "step": self.description,
            "kind": self.kind,
            "source": self.source,
            "dataset": self.dataset,
            "eval": self.eval,
            "loss": self.value,
        }
        pi = self.interval
        d["loss_law"] = None if pi is None else pi.raw
        d["loss_lo"] = None if pi is None else pi.lo
        d["loss_hi"] = None if pi is None else pi.hi
        d["level"] = None if pi is None else pi.level
        d["interval_method"] = None if pi is None else pi.method
        d["lower_bound_only"] = None if pi is None else pi.lower_bound_only
        d["backtested"] = self.backtested
        d["K"], d["kappa"], d["E0"], d["E1"] = self.K, self.kappa, self.E0, self.E1
        d["K_lo"], d["K_hi"] = self.K_interval if self.K_interval else (None, None)
        d["kappa_lo"], d["kappa_hi"] = self.kappa_interval if self.kappa_interval else (None, None)
        d["extrapolated"] = self.extrapolated
        d["notes"] = [] if pi is None else list(pi.notes)
        return d


@dataclass(frozen=True)
class ViaPrediction:
    """A prediction of ``target``'s loss on ``eval`` at (N, D) through translation from ``sources``' measured
    own losses: every step, the end ``result``, and the measured value where the table has it (``actual``).
    ``C`` is the target's compute (inferred from the source loss when no run fixed (N, D): ``C_inferred``)."""

    sources: tuple[str, ...]
    target: str
    eval: str
    N: float | None
    D: float | None
    C: float
    C_inferred: bool
    C_ratio: float
    steps: tuple[ViaStep, ...]
    result: PredictiveInterval
    actual: float | None
    combine: str
    notes: tuple[str, ...] = ()

    def predict(self) -> float:
        """The predicted loss (``result.estimate``; its interval is ``result``), as every result's ``predict``."""
        return self.result.estimate

    def to_polars(self) -> pl.DataFrame:
        """One row per step (measured source losses, translations, the combination, the train-test step)."""
        from l2l.workflows.results import rows_frame

        return rows_frame(self.to_dicts())

    def to_dicts(self) -> list[dict[str, Any]]:
        rows = [s.to_dict() for s in self.steps]
        for r in rows:
            r["N"], r["D"], r["C"], r["C_ratio"] = self.N, self.D, self.C, self.C_ratio
            r["actual"] = None
        if rows:
            rows[-1]["actual"] = self.actual
        return rows

    def to_dict(self) -> dict[str, Any]:
        return {
            "sources": list(self.sources),
            "target": self.target,
            "eval": self.eval,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "C_inferred": self.C_inferred,
            "C_ratio": self.C_ratio,
            "combine": self.combine,
            "result": self.result.to_dict(),
            "actual": self.actual,
            "steps": self.to_dicts(),
            "notes": list(self.notes),
        }


def _loss_at(runs: Runs, dataset: str, eval_name: str, N: float, D: float) -> float | None:
    import polars as pl

    rows = runs.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name) & at_config(N, D))
    return float(rows["loss"][0]) if rows.height else None


def _inferred_compute(fit: LawFit, loss: float, k: float, sweep: Sweep, model: ErrorModel | None) -> float:
    """The budget at which ``fit``'s compute-optimal loss, bias-corrected by ``model``, equals ``loss``
    (bisection on log C over 1e10–1e32)."""
    lo, hi = math.log(1e10), math.log(1e32)

    def at(logc: float) -> float:
        c = math.exp(logc)
        n, d = fit.law.compute_optimal(c, k)
        shift = 0.0 if model is None else model.bias(Placement.of(c, sweep.max_C, float(sweep.C.min())))
        return float(fit.predict(n, d)) * math.exp(shift)

    if loss >= at(lo) or loss <= at(hi):
        raise FitError(
            f"a source loss of {loss:.4g} is outside what the source's law reaches at any budget: "
            "cannot place it in compute"
        )
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        lo, hi = (mid, hi) if at(mid) > loss else (lo, mid)
    return math.exp(0.5 * (lo + hi))


def _resolve_sources(runs: Runs, via: Sequence[str] | str, tgt: str) -> tuple[list[str], bool]:
    via = (
        as_names(via, "dataset", "via") or []
    )  # one bare name is one source ("web" was read as w, e, b; p63)
    if not via:
        raise UsageError("name at least one source dataset", param="via")
    if any(v == ALL for v in via):
        if len(via) > 1:
            raise UsageError("'all' names every source already; give it alone", param="via")
        return [d for d in runs.datasets if d != tgt and d in runs.own_eval], True
    out = list(dict.fromkeys(runs.resolve_dataset(v) for v in via))
    if tgt in out:
        raise UsageError(f"{tgt} is the target; a source must be another dataset", param="via")
    return out, False


def _source_losses(
    runs: Runs,
    sources: list[str],
    every: bool,
    src_loss: float | None,
    from_run: str | None,
    model: tuple[float, float] | None = None,
    tgt: str | None = None,
) -> tuple[float | None, float | None, dict[str, float], list[str]]:
    """(N, D) of ``from_run`` (with a given source loss: the target ``model``'s, or None, None), each source's
    measured own loss there, and notes: the run's own dataset left out of ``every`` source for want of its own
    loss there (a NaN or blank cell skipped at ingest: it was left out without a word; probe p58). Where no source
    has a loss there, the refusal says why each dataset gave none (``_none_at``)."""
    import polars as pl

    if model is not None and src_loss is None:
        raise UsageError("a run fixes (N, D): the target model's N and D go with a source loss", param="N")
    if src_loss is not None:
        n, d = (None, None) if model is None else (float(v) for v in as_numbers(model, "N, D"))
        return n, d, {sources[0]: check_source_loss(runs, sources[0], src_loss)}, []
    assert from_run is not None
    n, d = find_run(runs, from_run, sources, several=every or len(sources) > 1)
    own_run = set(runs.frame.filter(pl.col("run_id") == from_run).get_column("dataset").to_list())
    found: dict[str, float] = {}
    checkpoint = run_checkpoint_note(runs, from_run, d)
    notes: list[str] = [] if checkpoint is None else [checkpoint]
    left: dict[str, str] = {}  # why each source gave no loss there
    for s in sources:
        x = _loss_at(runs, s, runs.own(s), n, d)
        if x is None and s in own_run:  # the run is there, its own loss is not
            why = (
                f"run {from_run} has no loss on {runs.own(s)}, {s}'s own eval (its cell was blank or NaN at "
                "ingest?)"
            )
            if not every:
                raise SelectionError(why)  # (it said "mixA has no run at N = 4e+07 …" of mixA's own run)
            notes.append(f"{s} left out: {why}")
            left[s] = why
        elif x is None and not every:
            raise SelectionError(
                f"{s} has no run at N = {n:.4g}, D = {d:.4g} (the configuration of {from_run})"
            )
        if x is not None:
            found[s] = x
        elif s not in left:
            left[s] = "no run there"
    if not found:
        raise SelectionError(
            _none_at(runs, from_run, (n, d), left, tgt) + (f"; {checkpoint}" if checkpoint else "")
        )
    return n, d, found, notes


def _none_at(
    runs: Runs, from_run: str, config: tuple[float, float], left: dict[str, str], tgt: str | None
) -> str:
    """The refusal of ``--via all`` where no source has its own loss at run ``from_run``'s (N, D): every dataset
    of the table and why it gave none, tried (``left``) or not a source (the target; no own eval). It said "no
    other dataset has a run at N, D" where another had one and no own eval, or the run was the target's (h76)."""
    import polars as pl

    why = dict(left)
    for ds in runs.datasets:
        if ds == tgt:
            why[ds] = "the target"
        elif ds not in left and ds not in runs.own_eval:
            there = runs.frame.filter((pl.col("dataset") == ds) & at_config(*config)).height
            why[ds] = (
                f"{'a run there but ' if there else ''}no own eval, so no source (l2l ingest --own-eval {ds}=EVAL)"
            )
    n, d = config
    return (
        f"no source dataset has a run at N = {n:.4g}, D = {d:.4g} (the configuration of {from_run}): "
        + grouped_reasons(why, shown=None)
    )


def _none_translated(tgt: str, failed: Mapping[str, FitError]) -> FitError:
    """The refusal of ``--via all`` where no source's translation could be made: one source's own error, or every
    source and why (it named the first source's reason alone: beside a fixed-D sweep that had a run there, a
    grid's real reason, no runs paired with the target's, went unsaid; h78)."""
    if len(failed) == 1:
        return next(iter(failed.values()))
    hints = list(dict.fromkeys(e.hint for e in failed.values() if e.hint))
    return FitError(
        f"no source could be translated into {tgt}: "
        + grouped_reasons({s: e.message for s, e in failed.items()}, shown=None),
        hint="; ".join(hints) or None,
    )


def predict_via(
    runs: Runs,
    *,
    via: str,
    tgt: str,
    src_loss: float | None = None,
    from_run: str | None = None,
    model: tuple[float, float] | None = None,
    eval_name: str | None = None,
    split: str | None = None,
    join: Join = "nd",
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    level: float = DEFAULT_LEVEL,
) -> ViaPrediction:
    """A big ``via`` model's own loss (given, or measured on run ``from_run``) → the ``tgt`` model's own loss
    (train-train) → its loss on ``eval_name`` (composed with tgt's train-test translation): ``predict_sources``
    with one source, with its interval at ``level`` (``result``) and each step's. It was a second chain of its own
    that gave the point only (p63), while ``l2l predict --via`` prints the interval. ``model``: the target model's
    (N, D) beside ``src_loss``, as ``--src-loss X --N N --D D`` gives them (without it the model is taken as
    compute-optimal where the source's law reaches ``src_loss``; the library could not say what the command line
    did, probe h52)."""
    return predict_sources(
        runs,
        via=[via],
        tgt=tgt,
        src_loss=src_loss,
        from_run=from_run,
        model=model,
        eval_name=eval_name,
        split=split,
        join=join,
        options=options,
        cache=cache,
        level=level,
    )


def predict_sources(
    runs: Runs,
    *,
    via: Sequence[str],
    tgt: str,
    src_loss: float | None = None,
    from_run: str | None = None,
    model: tuple[float, float] | None = None,
    eval_name: str | None = None,
    split: str | None = None,
    join: Join = "nd",
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    combine: Combine = "mean",
    level: float = DEFAULT_LEVEL,
    seed: int = 0,
    rtol: float = SAME_RTOL,
) -> ViaPrediction:
    """``tgt``'s loss (own, or on ``eval_name`` through its train-test translation) from measured source losses.

    One source: its loss ``src_loss`` (at the target model ``model``, (N, D), when it is known: else the model is
    taken as compute-optimal at the compute where the source's law reaches that loss), or measured on run
    ``from_run``. Several (``via`` lists them, or ``all``:
    every other dataset with a run at the configuration): each one's own loss measured at the (N, D) of run
    ``from_run`` (a run of any dataset) is translated, and the translations are combined (``combine``: mean by
    default, the method the backtests and the paper's held-out runs support). Intervals: train-train steps and
    the combination are backtested (``l2l.core.calibrate``); a train-test step carries the own-loss interval
    through the translation and holds the interval the backtests of the whole chain give
    (``LawBook.train_test_model``), backtested where those and the own-loss interval's apply; elsewhere widened by
    the regression's residual and parameter spread alone, flagged as a lower bound."""
    check_level(level)
    combine = check_choice(combine, COMBINES, "combination", "combine")  # ("max" was taken as the mean)
    if tgt == ALL:  # one prediction names one target model; every pair's translation is translate's table
        raise UsageError(
            "--via predicts one target dataset's model: name it (for every pair's translation: l2l translate "
            "--src DATASET --target all)",
            param="target",
        )
    tgt_ds = runs.resolve_dataset(tgt)
    sources, every = _resolve_sources(runs, via, tgt_ds)
    if (src_loss is None) == (from_run is None):
        raise UsageError("give exactly one of a source loss and a source run", param="src_loss")
    if src_loss is not None and len(sources) != 1:
        raise UsageError("several sources need a run to fix (N, D), not one source loss", param="src_loss")
    n, d, x_by_src, left_out = _source_losses(runs, sources, every, src_loss, from_run, model, tgt_ds)
    cache = FitCache() if cache is None else cache
    base = law_book(runs, options, split, cache, calibrations)
    cal = base.calibration(OWN_GROUP)
    book = translation_book(base)  # E0 and E1 from the laws in the form the translations were backtested with
    sweeps = book.sweeps
    own_tgt = runs.own(tgt_ds)
    where, C, notes = _target_placement(runs, book, sweeps, cal, tgt_ds, (n, d), x_by_src)
    chain = _Via(
        runs,
        book,
        cal,
        tgt_ds,
        where,
        _Settings(split, join, options, cache, level, seed, calibrations, rtol),
        d,
        other_translation_book(base),
        base,
    )
    steps: list[ViaStep] = []
    singles: list[tuple[PredictiveInterval, float, float, float | None]] = []
    notes = [*notes, *left_out]
    used: dict[str, float] = {}
    failed: dict[str, FitError] = {}
    for s, x in x_by_src.items():
        try:
            measured, step, single = chain.single(s, x, given=src_loss is not None)
        except FitError as exc:
            if not every:
                raise
            # --via all: a source that cannot be translated is left out, saying why (one such used to stop all)
            failed[s] = exc
            notes.append(f"{s} left out: {exc.message}")
            continue
        used[s] = x
        steps += [measured, step]
        singles.append(single)
    if not used:
        raise _none_translated(tgt_ds, failed)
    x_by_src = used
    own_pi = singles[0][0]
    if len(singles) > 1:
        combined = chain.combined(singles, combine, tuple(used))
        # the mean of translations that extrapolate extrapolates too (it read "no" beside sources that all did)
        combined = replace(combined, extrapolated=any(st.extrapolated for st in steps))
        steps.append(combined)
        assert combined.interval is not None
        own_pi = combined.interval
    result = own_pi
    target_eval = own_tgt if eval_name in (None, OWN) else runs.resolve_eval(eval_name)
    if target_eval != own_tgt:
        step = chain.train_test(target_eval, own_pi, len(singles) > 1, tuple(used))
        steps.append(step)
        assert step.interval is not None
        result = step.interval
    if src_loss is not None:
        below = _below_every_run(sources[0], float(src_loss), sweeps.get(sources[0], runs.own(sources[0])))
        if below is not None:
            steps = [_lower_bound(st, below) for st in steps]
            result = replace(result, lower_bound_only=True, notes=(*result.notes, below))
    actual = None if n is None or d is None else _loss_at(runs, tgt_ds, target_eval, n, d)
    tgt_sweep = sweeps.get(tgt_ds, own_tgt)
    return ViaPrediction(
        tuple(x_by_src),
        tgt_ds,
        target_eval,
        n,
        d,
        C,
        n is None or d is None,
        C / tgt_sweep.max_C,
        tuple(steps),
        result,
        actual,
        combine if len(x_by_src) > 1 else "single",
        tuple(notes),
    )


def _below_every_run(source: str, loss: float, sweep: Sweep) -> str | None:
    """Why a source loss above every run of its sweep (a model smaller than any fitted) cannot be translated with
    a calibrated interval, or None: backtests only extrapolate upward (a probe's 6.0 nats, 5.6e-6× the sweep's
    compute, was printed as backtested, and its interval missed the truth)."""
    top = float(sweep.loss.max())
    if not loss > top * (1 + 1e-9):
        return None
    return (
        f"the source loss {loss:.4g} lies above every run of {source} (its largest {top:.4g}): a model smaller "
        f"than any fitted, and backtests only test extrapolation upward, so nothing calibrates the translation "
        f"there {LOWER_BOUND_MARK}"
    )


def _lower_bound(step: ViaStep, why: str) -> ViaStep:
    """``step`` with its interval (if any) marked a lower bound, saying why."""
    if step.interval is None:
        return step
    pi = replace(step.interval, lower_bound_only=True, notes=(*step.interval.notes, why))
    return replace(step, interval=pi, backtested=False)


def _target_placement(
    runs: Runs,
    book: LawBook,
    sweeps: Sweeps,
    cal: Calibration,
    tgt: str,
    config: tuple[float | None, float | None],
    x_by_src: dict[str, float],
) -> tuple[Placement, float, list[str]]:
    """Where the target model lies (its compute, aspect, against the target's own sweep), its compute C, and a
    note when no run fixed (N, D) and C had to be inferred from the (first) source's loss."""
    own_tgt = runs.own(tgt)
    k = runs.flops_per_param_token
    sweep = sweeps.get(tgt, own_tgt)
    n, d = config
    notes: list[str] = []
    if n is not None and d is not None:
        C = k * n * d
        aspect = float(aspect_on(book.get(tgt, own_tgt), [n], [d], sweep)[0])
    else:
        s0 = next(iter(x_by_src))
        for ds in dict.fromkeys((s0, tgt)):  # (the model is placed by both laws' compute-optimal allocation)
            unsplit = runs.one_end_note(ds, runs.own(ds))
            if unsplit is not None:
                raise FitError(
                    f"{ds}: no compute-optimal model to place the target model by: {unsplit}",
                    hint="name the target model: --N and --D",
                )
        src_law = book.get(s0, runs.own(s0))
        C = _inferred_compute(src_law, x_by_src[s0], k, sweeps.get(s0, runs.own(s0)), cal.direct_for(s0))
        aspect = 0.0
        n, d = (float(v) for v in book.get(tgt, own_tgt).law.compute_optimal(C, k))
        notes.append(
            f"no run fixes (N, D): the target's compute, {C:.3g} FLOPs, is where {s0}'s compute-optimal "
            "loss equals the source loss; the interval assumes a compute-optimal model"
        )
    # its reach in model size and tokens too, as evaluate places it: placed by compute alone, a 2.8B model 7-19x
    # larger than any the target's law was fitted on got a "backtested" ±1-2 % interval that held the truth in
    # 31 of 40 of a probe's mixture tables, where predict -d and evaluate said lower bound
    return Placement.at(n, d, C, sweep, aspect, tgt), C, notes


@dataclass(frozen=True)
class _Settings:
    """The options every translation of one prediction is made with."""

    split: str | None
    join: Join
    options: FitOptions | None
    cache: FitCache
    level: float
    seed: int
    #: the session's calibrations: a translation's laws take the own losses' chosen form from them (without them
    #: every warm predict --via learned that choice again: 1.35 s where 0.64 s had done)
    calibrations: CalibrationCache | None = None
    #: relative tolerance of pairing runs on (N, D) (sizes counted apart: another tokenizer)
    rtol: float = SAME_RTOL


@dataclass(frozen=True, eq=False)
class _Via:
    """The steps of one prediction of ``tgt``'s loss through translation, the target model placed at ``where``."""

    runs: Runs
    book: LawBook
    cal: Calibration
    tgt: str
    where: Placement
    settings: _Settings
    #: the target model's tokens (None where only a source loss fixes it): a D past the target dataset's unique
    #: tokens repeats its data, as a prediction from its own law says (``predict.repetition_of``)
    D: float | None = None
    #: the laws that give the translations E0 and E1 in the other five-parameter form, and why, where the own
    #: losses' choice did not settle between the forms (``other_translation_book``): the intervals hold those too
    other: tuple[LawBook, str] | None = None
    #: the book whose calibrations backtest the train-to-test step (``LawBook.train_test_model``; None: not
    #: backtested)
    base: LawBook | None = None

    def _translation(
        self, src: str, kind: Kind = "train-train", eval_name: str | None = None
    ) -> TranslationResult:
        st = self.settings
        tgts, evals = ([self.tgt], None) if kind == "train-train" else (None, [eval_name or ""])
        return translate(
            self.runs,
            src=src,
            tgts=tgts,
            kind=kind,
            evals=evals,
            join=st.join if kind == "train-train" else "nd",
            split=st.split,
            options=st.options,
            cache=st.cache,
            calibrations=st.calibrations,
            rtol=st.rtol,
        )[0]

    def _inputs(self, res: TranslationResult) -> TranslationInputs:
        """What ``res`` was fitted from, with its laws' bootstrap draws of E0 and E1."""
        t = res.usable()
        assert res.x_law is not None
        assert res.y_law is not None
        assert res.pairs is not None
        pairs = without_far_pairs(in_split(res.pairs, self.settings.split), res.x_law, res.y_law)
        return translation_inputs(
            self.book,
            t,
            pairs["x"].to_numpy(),
            pairs["y"].to_numpy(),
            res.x_law,
            res.y_law,
            self.settings.seed,
        )

    def _apart(self, res: TranslationResult) -> str | None:
        """How far apart the runs ``res`` paired within the tolerance lie (None: each pair one configuration)."""
        if res.pairs is None or res.src == res.tgt:
            return None
        return tolerance_apart(in_split(res.pairs, self.settings.split), self.settings.rtol)

    def _judged(
        self, pi: PredictiveInterval, laws: Sequence[LawFit | None], e1: float, sources: Sequence[str] = ()
    ) -> PredictiveInterval:
        """``pi`` as every command states a translation step (``judged_translation``): marked not calibrated where
        a law behind the step is poor (a translation onto a probe's 6-run target law gave 2.5 [0.6, 10.7], its E1
        1.93 against a true 1.5, with no word of it), held at ``e1``, and, where the model's tokens repeat the
        target's data or a source's (``sources``, measured at the same D), what their own laws say there."""
        given = [law for law in laws if law is not None]
        repeated = (
            [(law.dataset, law.eval, self.D) for law in given if law.dataset == self.tgt]
            + [(s, self.runs.own(s), self.D) for s in sources]
            if self.D is not None
            else []
        )
        return judged_translation(
            pi, self.book, [(law.dataset, law.eval) for law in given], e1, repeated=repeated
        )

    def _other_form(
        self, pi: PredictiveInterval, res: TranslationResult, x: float
    ) -> tuple[PredictiveInterval, float | None]:
        """``pi`` holding the translation of ``x`` fitted on ``res``'s pairs with E0 and E1 from the other
        five-parameter form's laws (``other``, ``with_other_translation``), as ``evaluate`` holds it, and that
        translation (uncorrected; None where there is none) for a combination to hold."""
        if self.other is None or res.pairs is None:
            return pi, None
        book, why = self.other
        x_law = book.try_get(res.src, res.spec.x_eval)
        y_law = book.try_get(res.tgt, res.spec.y_eval)
        if isinstance(x_law, FitError) or isinstance(y_law, FitError):
            return pi, None
        try:
            alt = fit_translation(
                res.pairs,
                x_law,
                y_law,
                kind=res.kind,
                split=self.settings.split,
                floors=(book.floor_of(x_law), book.floor_of(y_law)),
            )
        except (FitError, SelectionError):
            return pi, None
        form = book.form_for(res.tgt, res.spec.y_eval)
        return with_other_translation(pi, alt, x, form, why), other_translation_value(alt, x)

    def single(
        self, src: str, x: float, *, given: bool = False
    ) -> tuple[ViaStep, ViaStep, tuple[PredictiveInterval, float, float, float | None]]:
        """The measured source loss (``given``: the user's number, not a run's; it had read "measured web"), its
        train-train translation onto the target with a backtested interval, and (that interval, the translation's
        residual sd, its E1, the translation in the other form or None) for a combination."""
        res = self._translation(src)
        t = res.usable()
        pair = f"{src}→{self.tgt}"
        if not x > t.E0:  # say where E0 came from: a line law's can lie above a reachable loss (probe p81)
            origin = next((w for w in t.warnings if w.startswith("E0 = ")), None)
            raise FitError(
                f"a source loss of {x:.4g} is at or below E0 = {t.E0:.4g}, {src}'s irreducible loss: the "
                "translation is undefined there" + ("" if origin is None else f" ({origin})")
            )
        # a pair the backtests never translated (sizes paired only within --rtol; the backtests pair exactly) gets
        # the bootstrap's interval, a lower bound (``known_model``)
        inputs = self._inputs(res)
        where = replace(self.where, group=pair)
        apart = self._apart(res)
        ti = translation_interval(
            x,
            inputs,
            where,
            self.cal.translation,
            level=self.settings.level,
            seed=self.settings.seed,
            apart=apart,
        )
        own_s, own_t = self.runs.own(src), self.runs.own(self.tgt)
        held, other = self._other_form(ti.prediction, res, x)
        # below every source loss it was fitted on, floored at its own spread there (``spread_floored``)
        model, _ = known_model(self.cal.translation, pair, apart)
        held = spread_floored(
            held, model, where, draws_sd=ti.prediction.sd_param or 0.0, below=x < float(inputs.x.min())
        )
        pi = self._judged(held, (res.x_law, res.y_law), t.E1, (src,))
        how = "given" if given else "measured"
        measured = ViaStep(f"{how}: {src}:{own_s}", how, src, src, own_s, x, None)
        step = ViaStep(  # (test-test on the eval every dataset shares, as translate and evaluate call it)
            f"{res.kind}: {src}:{own_s} → {self.tgt}:{own_t}",
            res.kind,
            src,
            self.tgt,
            own_t,
            pi.estimate,
            pi,
            ti.K,
            ti.kappa,
            t.E0,
            t.E1,
            ti.K_interval,
            ti.kappa_interval,
            backtested=pi.backtested,
            extrapolated=t.extrapolates(x),
        )
        return measured, step, (pi, t.resid_sd, t.E1, other)

    def combined(
        self,
        singles: Sequence[tuple[PredictiveInterval, float, float, float | None]],
        combine: Combine,
        sources: Sequence[str] = (),
    ) -> ViaStep:
        """The single-source translations (of ``sources``) combined (``combine``), with the combination's
        backtested interval, holding the same combination of the translations in the other form
        (``with_other_combination``), as ``evaluate`` holds it."""
        head = f"combined:{combine}: "
        values, sds = [p.raw for p, _, _, _ in singles], [sd for _, sd, _, _ in singles]
        pi = combined_interval(
            values,
            self.where,
            model=self.cal.combined.get(combine),
            method=combine,
            sds=sds,
            level=self.settings.level,
            why_none="; ".join(n.removeprefix(head) for n in self.cal.notes if n.startswith(head)),
        )
        own_t = self.runs.own(self.tgt)
        if self.other is not None:
            book, why = self.other
            others = [o for _, _, _, o in singles]
            pi = with_other_combination(
                pi, values, others, book.form_for(self.tgt, own_t), why, method=combine, sds=sds
            )
        law = self.book.try_get(self.tgt, own_t)
        pi = self._judged(
            pi, (law if isinstance(law, LawFit) else None,), min(e1 for _, _, e1, _ in singles), sources
        )
        return ViaStep(
            f"{combine} of {len(singles)} sources → {self.tgt}:{own_t}",
            "combined",
            "",
            self.tgt,
            own_t,
            pi.estimate,
            pi,
            backtested=pi.backtested,
        )

    def train_test(
        self, eval_name: str, own_pi: PredictiveInterval, combined: bool = False, sources: Sequence[str] = ()
    ) -> ViaStep:
        """The own-loss interval carried through the target's own → ``eval_name`` translation (monotone, so the
        ends map to ends), each side widened in quadrature by the regression's residual sd and the spread of the
        translation over resampled pairs and E draws at the estimate, and held to the interval the backtests of the
        whole chain give (``backtested_through``, ``LawBook.train_test_model``: ``combined``, of the mean of several
        sources); without those backtests (or where the own-loss interval is itself a lower bound) a lower bound,
        as ``evaluate`` carries it."""
        res = self._translation(self.tgt, "train-test", eval_name)
        t = res.usable()
        _, dr = shifted_power_draws(self._inputs(res), seed=self.settings.seed)
        ivs = k_kappa_intervals(dr, self.settings.level)
        sd_param = log_sd_at(dr, own_pi.estimate) if ivs is not None else 0.0

        def through(v: float) -> float:
            return float(t.predict(t.held_above_e0(v)))

        shared = self.runs.own_is_shared(self.tgt)  # (test-test: two test losses of one dataset's models)
        said = TEST_TEST if shared else TRAIN_TEST
        model = None if self.base is None else self.base.train_test_model(eval_name, combined)
        mapped = [through(v) for v in (own_pi.estimate, own_pi.lo, own_pi.hi, own_pi.raw)]
        pi = backtested_through(
            own_pi,
            mapped,
            model,
            self.where,
            resid_sd=t.resid_sd,
            sd_param=sd_param,
            notes=(said,),
            backtested_notes=(
                step_backtested_note(shared, eval_name, 0 if model is None else model.n_errors),
            ),
        )
        # (the sources' repetition said again: the carried interval keeps its lower bound, not its words)
        pi = self._judged(pi, (res.y_law,), t.E1, sources)
        own = self.runs.own(self.tgt)
        return ViaStep(
            f"{'test-test' if shared else 'train-test'}: {self.tgt}:{own} → {self.tgt}:{eval_name}",
            "train-test",
            "",
            self.tgt,
            eval_name,
            pi.estimate,
            pi,
            t.K,
            t.kappa,
            t.E0,
            t.E1,
            None if ivs is None else ivs[0],
            None if ivs is None else ivs[1],
            backtested=pi.backtested,
            extrapolated=t.extrapolates(own_pi.estimate),
        )
