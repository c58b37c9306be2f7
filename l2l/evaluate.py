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

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import polars as pl

from l2l.errors import FitError, SelectionError, UsageError
from l2l.fit import FitCache, FitOptions, LawBook
from l2l.pairing import PairSpec, pair_runs
from l2l.runs import evals_measured, select_evals
from l2l.schema import SETTINGS, Kind, Setting
from l2l.translate import ChainStep, LossToLoss, compose, fit_translation, pairs_for

if TYPE_CHECKING:
    from l2l.fit import Progress
    from l2l.runs import Runs

__all__ = [
    "SETTINGS",
    "Evaluation",
    "HeldOutPrediction",
    "HoldoutPlan",
    "SettingSummary",
    "Skip",
    "evaluate",
    "plan_holdout",
]

#: Why a method made no prediction: a law could not be fitted, a translation could not be fitted (too few pairs,
#: no shared configurations, ...), or the measured loss lies outside the translation's domain (x ≤ E0).
SkipReason = Literal["law", "translation", "domain"]
Method = Literal["independent", "loss-to-loss"]


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
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class SettingSummary:
    setting: Setting
    n_predictions: int
    mean_error_independent: float | None
    mean_error_loss_to_loss: float | None
    n_skipped: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "setting": self.setting,
            "mean_error_independent": self.mean_error_independent,
            "mean_error_loss_to_loss": self.mean_error_loss_to_loss,
            "n_predictions": self.n_predictions,
            "n_skipped": self.n_skipped,
        }


@dataclass(frozen=True)
class Evaluation:
    predictions: tuple[HeldOutPrediction, ...]
    summary: tuple[SettingSummary, ...]
    n_heldout_runs: int
    holdout: str
    test_evals: tuple[str, ...]
    downstream_evals: tuple[str, ...]
    notes: tuple[str, ...] = field(default_factory=tuple)
    # the train-train translations that made the predictions, for the figure
    translations: tuple[LossToLoss, ...] = field(default_factory=tuple)

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


def _summarise(preds: Sequence[HeldOutPrediction]) -> tuple[SettingSummary, ...]:
    out = []
    for setting in SETTINGS:
        rows = [p for p in preds if p.setting == setting]
        if not rows:
            continue
        both = [p for p in rows if p.independent is not None and p.loss_to_loss is not None]
        ind = [abs(p.independent - p.actual) / p.actual for p in both if p.independent is not None]
        l2l = [abs(p.loss_to_loss - p.actual) / p.actual for p in both if p.loss_to_loss is not None]
        out.append(
            SettingSummary(
                setting,
                len(both),
                float(np.mean(ind)) if both else None,
                float(np.mean(l2l)) if both else None,
                len(rows) - len(both),
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

    def law_keys(self) -> list[tuple[str, str]]:
        """Every law the protocol can need: each dataset's own law, and its laws of the evals held out."""
        keys: list[tuple[str, str]] = []
        for p1 in self.datasets:
            measured = set(evals_measured(self.hidden, p1))
            keys.append((p1, self.own_eval[p1]))
            keys.extend((p1, t) for t in (*self.test_evals, *self.downstream_evals) if t in measured)
        return keys

    def ordered_pairs(self) -> list[tuple[str, str]]:
        return [(p0, p1) for p0 in self.datasets for p1 in self.datasets if p0 != p1]


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
    if top_compute < 1:
        raise UsageError(
            "the number of top compute budgets to hold out must be at least 1", param="holdout_top_compute"
        )
    logc = np.round(np.log10(frame["C"].to_numpy()), 6)
    budgets = np.unique(logc)
    if len(budgets) <= top_compute:
        raise SelectionError(
            f"only {len(budgets)} compute budgets: holding out {top_compute} leaves nothing to fit"
        )
    cut = budgets[-top_compute]
    return pl.Series(logc >= cut), f"top {top_compute} compute budget(s), C ≥ {10**cut:.3g}"


def plan_holdout(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
) -> HoldoutPlan:
    """The plan of one evaluation. Test evals: glob patterns (default: every dataset's own eval); downstream:
    patterns (default 'downstream/*', none required)."""
    mask, label = _holdout_mask(runs, holdout_split, holdout_top_compute)
    hidden, train = runs.frame.filter(mask), runs.frame.filter(~mask)
    if hidden.height == 0:
        raise SelectionError("no held-out runs: nothing to evaluate")
    own = [runs.own_eval[d] for d in runs.datasets if d in runs.own_eval]
    test_evals = select_evals(runs.evals, test) if test else own
    down_evals = select_evals(runs.evals, downstream or ["downstream/*"], required=bool(downstream))
    return HoldoutPlan(
        train,
        hidden,
        label,
        runs.own_eval,
        tuple(d for d in runs.datasets if d in runs.own_eval),
        tuple(test_evals),
        tuple(down_evals),
    )


class _Translations:
    """Translations fitted on the remaining runs (E's from the remaining fits), each once; a Skip when one cannot
    be."""

    def __init__(self, plan: HoldoutPlan, book: LawBook, rtol: float) -> None:
        self.plan, self.book, self.rtol = plan, book, rtol
        self.done: dict[PairSpec, LossToLoss | Skip] = {}

    def get(self, spec: PairSpec) -> LossToLoss | Skip:
        if spec not in self.done:
            self.done[spec] = self._fit(spec)
        return self.done[spec]

    def _fit(self, spec: PairSpec) -> LossToLoss | Skip:
        x_law = self.book.try_get(spec.src, spec.x_eval)
        y_law = self.book.try_get(spec.tgt, spec.y_eval)
        if isinstance(x_law, FitError) or isinstance(y_law, FitError):
            return Skip("loss-to-loss", "law", str(x_law if isinstance(x_law, FitError) else y_law))
        kind: Kind = "train-test" if spec.src == spec.tgt else "train-train"
        try:
            pairs = pairs_for(self.plan.train, spec, rtol=self.rtol)
            return fit_translation(pairs, x_law, y_law, kind=kind)
        except (FitError, SelectionError) as exc:
            return Skip("loss-to-loss", "translation", str(exc))


def _through(
    chain: Sequence[LossToLoss | Skip], start: ChainStep
) -> tuple[float | None, list[str], Skip | None]:
    """The measured loss pushed through the chain: (prediction, extrapolation notes, skip)."""
    steps: list[LossToLoss] = []
    for link in chain:
        if isinstance(link, Skip):
            return None, [], link
        steps.append(link)
    try:
        path = compose(start, steps)
    except FitError as exc:
        return None, [], Skip("loss-to-loss", "domain", str(exc))
    notes = [
        f"{s.translation.kind} {s.translation.src}→{s.translation.tgt}:{s.translation.eval} "
        f"extrapolates from x = {prev.value:.4g}"
        for prev, s in pairwise(path)
        if s.extrapolated and s.translation is not None
    ]
    return path[-1].value, notes, None


def _pair_step(
    plan: HoldoutPlan, book: LawBook, translations: _Translations, p0: str, p1: str, rtol: float
) -> list[HeldOutPrediction]:
    """Every held-out prediction of the ordered pair (P0 → P1): none when they share no held-out configuration."""
    own0, own1 = plan.own_eval[p0], plan.own_eval[p1]
    try:
        held = pair_runs(plan.hidden, PairSpec(p0, own0, p1, own1), rtol=rtol)
    except SelectionError:
        return []
    tt = translations.get(PairSpec(p0, own0, p1, own1))
    preds: list[HeldOutPrediction] = []
    for row in held.iter_rows(named=True):
        n, d, x0 = row["N"], row["D"], row["x"]
        target = plan.hidden.filter((pl.col("dataset") == p1) & (pl.col("run_id") == row["run_y"]))
        losses = dict(zip(target["eval"].to_list(), target["loss"].to_list(), strict=True))
        jobs: list[tuple[Setting, str]] = [("train-to-train", own1)]
        jobs += [("train-to-test", t) for t in plan.test_evals if t in losses]
        jobs += [("train-to-downstream", t) for t in plan.downstream_evals if t in losses]
        start = ChainStep(f"measured: {p0}:{own0}", p0, own0, float(x0), None, False)
        for setting, ev in jobs:
            chain = (
                [tt] if setting == "train-to-train" else [tt, translations.get(PairSpec(p1, own1, p1, ev))]
            )
            l2l, notes, skip = _through(chain, start)
            skips = [skip] if skip else []
            law = book.try_get(p1, ev)
            ind = None
            if isinstance(law, FitError):
                skips.append(Skip("independent", "law", str(law)))
            else:
                ind = float(law.predict(n, d))
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


def evaluate(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    options: FitOptions | None = None,
    rtol: float = 1e-6,
    workers: int = 1,
    progress: Progress | None = None,
    cache: FitCache | None = None,
) -> Evaluation:
    """Table 1 on these runs (see the module docstring). Held out: runs of split ``holdout_split``, or at the
    ``holdout_top_compute`` largest compute budgets; by default the split 'extrapolation' when present, else the
    largest budget. Fits in ``cache`` are reused where their data match."""
    plan = plan_holdout(
        runs,
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        test=test,
        downstream=downstream,
    )
    book = LawBook(plan.train, options or FitOptions(), saved=FitCache() if cache is None else cache)
    book.fit_many(plan.law_keys(), workers=workers, progress=progress)
    translations = _Translations(plan, book, rtol)
    preds = [p for p0, p1 in plan.ordered_pairs() for p in _pair_step(plan, book, translations, p0, p1, rtol)]
    if not preds:
        raise SelectionError(
            "no two datasets have held-out runs at the same (N, D): nothing to compare",
            hint="hold out the same configurations in every dataset (e.g. the top compute budget)",
            param="holdout_top_compute",
        )
    skipped = sum(1 for p in preds if p.skips)
    notes = []
    if skipped:
        notes.append(
            f"{skipped} prediction(s) could not be made by one of the methods and are left out of the "
            "means (see the detail)"
        )
    return Evaluation(
        predictions=tuple(preds),
        summary=_summarise(preds),
        n_heldout_runs=plan.hidden.select("dataset", "run_id").unique().height,
        holdout=plan.label,
        test_evals=plan.test_evals,
        downstream_evals=plan.downstream_evals,
        notes=tuple(notes),
        translations=tuple(
            t for t in translations.done.values() if isinstance(t, LossToLoss) and t.kind == "train-train"
        ),
    )
