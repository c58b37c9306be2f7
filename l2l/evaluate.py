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

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import polars as pl

from l2l.errors import FitError, SelectionError
from l2l.fit import FitOptions, LawBook, LawFit
from l2l.pairing import PairSpec, pair_runs, same_model_pairs
from l2l.translate import LossToLoss, fit_loss_to_loss

SETTINGS = ("train-to-train", "train-to-test", "train-to-downstream")


@dataclass(frozen=True)
class HeldOutPrediction:
    """Both methods' predictions of one held-out loss."""

    setting: str
    src: str
    tgt: str
    eval: str
    N: float
    D: float
    actual: float
    independent: float | None
    loss_to_loss: float | None
    source_loss: float
    notes: tuple[str, ...] = ()

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
    setting: str
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
        ind = [p.error_independent for p in both]
        l2l = [p.error_loss_to_loss for p in both]
        out.append(
            SettingSummary(
                setting,
                len(both),
                float(np.mean(ind)) if both else None,  # type: ignore[arg-type]
                float(np.mean(l2l)) if both else None,  # type: ignore[arg-type]
                len(rows) - len(both),
            )
        )
    return tuple(out)


def evaluate(
    frame: pl.DataFrame,
    own_eval: Mapping[str, str],
    heldout: pl.Series,
    *,
    holdout_label: str,
    test_evals: Sequence[str],
    downstream_evals: Sequence[str],
    options: FitOptions | None = None,
    rtol: float = 1e-6,
    workers: int = 1,
    progress: Callable[[int, int], None] | None = None,
    saved: Mapping[str, LawFit] | None = None,
) -> Evaluation:
    """Run the protocol. ``heldout`` is a boolean Series over ``frame``'s rows marking held-out runs; ``saved``
    fits (keyed by ``fit.data_key``) are reused where their data match."""
    if heldout.len() != frame.height:
        raise ValueError("heldout mask and frame differ in length")
    hidden = frame.filter(heldout)
    train = frame.filter(~heldout)
    if hidden.height == 0:
        raise SelectionError("no held-out runs: nothing to evaluate")
    datasets = sorted(d for d in own_eval if d in set(frame["dataset"].unique().to_list()))
    book = LawBook(train, options or FitOptions(), saved=saved or {})
    notes: list[str] = []

    # Every law the protocol can need, fitted up front (in parallel when asked).
    keys: list[tuple[str, str]] = []
    for p1 in datasets:
        measured = set(hidden.filter(pl.col("dataset") == p1)["eval"].unique().to_list())
        keys.append((p1, own_eval[p1]))
        keys.extend((p1, t) for t in (*test_evals, *downstream_evals) if t in measured)
    book.fit_many(keys, workers=workers, progress=progress)

    translations: dict[tuple[str, str, str, str], LossToLoss | str] = {}

    def law(ds: str, ev: str) -> LawFit | str:
        res = book.try_get(ds, ev)
        return str(res) if isinstance(res, FitError) else res

    def translation(src: str, x_eval: str, tgt: str, y_eval: str) -> LossToLoss | str:
        """Fitted on the remaining runs, E's from the remaining fits; the reason as a string if it cannot be."""
        key = (src, x_eval, tgt, y_eval)
        if key not in translations:
            l0, l1 = law(src, x_eval), law(tgt, y_eval)
            if isinstance(l0, str) or isinstance(l1, str):
                translations[key] = l0 if isinstance(l0, str) else str(l1)
                return translations[key]
            same_model = src == tgt
            try:
                pairs = (
                    same_model_pairs(train, src, x_eval, y_eval)
                    if same_model
                    else pair_runs(train, PairSpec(src, x_eval, tgt, y_eval), rtol=rtol)
                )
                translations[key] = fit_loss_to_loss(
                    pairs["x"].to_numpy(),
                    pairs["y"].to_numpy(),
                    E0=l0.law.E,
                    E1=l1.law.E,
                    src=src,
                    tgt=tgt,
                    x_eval=x_eval,
                    eval=y_eval,
                    kind="train-test" if same_model else "train-train",
                )
            except (FitError, SelectionError) as exc:
                translations[key] = str(exc)
        return translations[key]

    def predict_chain(chain: Sequence[LossToLoss | str], x: float) -> tuple[float | None, list[str]]:
        msgs: list[str] = []
        value = x
        for step in chain:
            if isinstance(step, str):
                return None, [step]
            if step.extrapolates(value):
                msgs.append(
                    f"{step.kind} {step.src}→{step.tgt}:{step.eval} extrapolates from x = {value:.4g}"
                )
            try:
                value = float(step.predict(value))
            except FitError as exc:
                return None, [str(exc)]
        return value, msgs

    preds: list[HeldOutPrediction] = []
    for p0 in datasets:
        for p1 in datasets:
            if p0 == p1:
                continue
            try:
                held = pair_runs(hidden, PairSpec(p0, own_eval[p0], p1, own_eval[p1]), rtol=rtol)
            except SelectionError:
                continue  # no held-out configuration shared by P0 and P1
            tt = translation(p0, own_eval[p0], p1, own_eval[p1])
            for row in held.iter_rows(named=True):
                n, d, x0 = row["N"], row["D"], row["x"]
                target = hidden.filter((pl.col("dataset") == p1) & (pl.col("run_id") == row["run_y"]))
                losses = dict(zip(target["eval"].to_list(), target["loss"].to_list(), strict=True))
                jobs = [("train-to-train", own_eval[p1])]
                jobs += [("train-to-test", t) for t in test_evals if t in losses]
                jobs += [("train-to-downstream", t) for t in downstream_evals if t in losses]
                for setting, ev in jobs:
                    lt = law(p1, ev)
                    ind = None if isinstance(lt, str) else float(lt.predict(n, d))
                    chain = (
                        [tt] if setting == "train-to-train" else [tt, translation(p1, own_eval[p1], p1, ev)]
                    )
                    l2l, msgs = predict_chain(chain, x0)
                    if isinstance(lt, str):
                        msgs.append(f"independent: {lt}")
                    preds.append(
                        HeldOutPrediction(
                            setting, p0, p1, ev, n, d, float(losses[ev]), ind, l2l, x0, tuple(msgs)
                        )
                    )
    if not preds:
        raise SelectionError(
            "no two datasets have held-out runs at the same (N, D): nothing to compare",
            hint="hold out the same configurations in every dataset (e.g. --holdout-top-compute 1)",
        )
    skipped = sum(1 for p in preds if p.independent is None or p.loss_to_loss is None)
    if skipped:
        notes.append(
            f"{skipped} prediction(s) could not be made by one of the methods and are left out of the "
            "means (see --detail)"
        )
    return Evaluation(
        predictions=tuple(preds),
        summary=_summarise(preds),
        n_heldout_runs=hidden.select("dataset", "run_id").unique().height,
        holdout=holdout_label,
        test_evals=tuple(test_evals),
        downstream_evals=tuple(downstream_evals),
        notes=tuple(notes),
        translations=tuple(
            t for t in translations.values() if isinstance(t, LossToLoss) and t.kind == "train-train"
        ),
    )
