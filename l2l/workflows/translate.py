"""Loss-to-loss translation: the shifted power law  L1 ≈ K·(L0 − E0)^κ + E1  between two losses.

With E0 and E1 fixed from independent scaling-law fits (the paper), K and κ are an exact linear regression of
log(y − E1) on log(x − E0): unique and instant. ``free_e1`` also fits E1 (profiled: for each E1 the regression
gives K and κ; E1 minimises the squared relative error of y). Points with x ≤ E0 or y ≤ E1 have no logarithm:
they are counted and reported, never silently dropped.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from l2l.base.checks import as_names, check_choice, check_level, is_real, real_array
from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.base.runs import ALL, OWN, default_test_evals, evals_measured
from l2l.base.schema import JOINS, KINDS, Join, Kind
from l2l.base.text import plural, some_of
from l2l.core.calibrate import CalibrationCache
from l2l.core.fit import FitCache, FitOptions, LawFit, far_mask, log_residuals
from l2l.core.intervals import floor_draws, held_ends, optimal_interval
from l2l.core.laws import Array, ScalingLaw
from l2l.core.loss_to_loss import TranslationInputs, fit_shifted_power, k_kappa_intervals, shifted_power_draws
from l2l.core.predictive import Combine, PredictiveInterval, combine_values, floored, not_calibrated
from l2l.core.repetition import repeated_interval
from l2l.core.selection import FORM_LABELS
from l2l.core.sweep import SAME_RTOL, optimum_off_sweep
from l2l.workflows.lawbook import LawBook, law_book, translation_book, with_bootstrap
from l2l.workflows.pairing import PairSpec, Sides, pair_runs, same_model_pairs, tolerance_note, unpaired_error
from l2l.workflows.predict import repetition_of
from l2l.workflows.results import Results
from l2l.workflows.targets import tokenizer_note

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs
    from l2l.workflows.lawbook import Progress

__all__ = [
    "KINDS",
    "Kind",
    "LossToLoss",
    "TranslationBands",
    "TranslationResult",
    "carry",
    "check_source_loss",
    "endpoint_flags",
    "find_run",
    "fit_loss_to_loss",
    "fit_translation",
    "other_translation_value",
    "pairs_for",
    "translate",
    "translation_inputs",
    "with_other_combination",
    "with_other_translation",
    "with_repetition",
    "without_far_pairs",
]


#: Bootstrap draws of the two laws behind a translation's intervals (their draws of E0 and E1).
LAW_DRAWS = 200


@dataclass(frozen=True, eq=False)
class LossToLoss:
    """A fitted shifted power law from the loss ``src:x_eval`` to the loss ``tgt:eval``.

    ``r2`` is of the log–log regression; ``resid_sd`` is the standard deviation of log y − log ŷ (≈ relative
    error). ``n_excluded`` pairs were left out of the fit: x ≤ E0 or y ≤ E1, or a run far from its law.
    """

    src: str
    tgt: str
    x_eval: str
    eval: str
    kind: Kind
    K: float
    kappa: float
    E0: float
    E1: float
    free_e1: bool
    n_pairs: int
    n_excluded: int
    r2: float
    resid_sd: float
    x_range: tuple[float, float]
    warnings: tuple[str, ...] = field(default_factory=tuple)

    def held_above_e0(self, x: float) -> float:
        """``x``, or just above E0 where it lies at or below it: where ``predict`` is defined, an interval's end
        cut at this translation's E0 (the step before's E1) is carried from there (``predict --via`` and
        ``evaluate`` alike)."""
        return max(x, self.E0 * (1 + 1e-9))

    def predict(self, x: ArrayLike) -> Array:
        """ŷ = K·(x − E0)^κ + E1. Raises FitError for x ≤ E0 (the power law is not defined there)."""
        # one loss (evaluate's chains): no array, and numpy's scalar power, the array path's bit for bit (Python's
        # ** differs in the last bit about one time in 20)
        one: object = x
        # (inf took this path and came back inf; h54)
        if isinstance(one, float) and self.E0 < one < math.inf:
            return np.asarray(self.K * np.power(np.float64(one - self.E0), self.kappa) + self.E1)
        xa = real_array(x, "x")  # (text, "x", raised numpy's "could not convert string to float"; p63)
        if not np.all(np.isfinite(xa)):
            raise UsageError(f"a source loss must be a finite number, got {x!r}", param="x")
        if np.any(xa <= self.E0):
            bad = float(np.min(xa))
            raise FitError(
                f"a source loss of {bad:.4g} is at or below the source's irreducible loss E0 = {self.E0:.4g}: "
                f"the translation{f' {self.src} → {self.tgt}:{self.eval}' if self.src or self.tgt else ''} is not "
                "defined there"
            )
        return self.K * np.power(xa - self.E0, self.kappa) + self.E1

    def extrapolates(self, x: float) -> bool:
        """True when x lies outside the range of source losses the translation was fitted on."""
        return not (self.x_range[0] <= x <= self.x_range[1])

    def translate_law(self, src_law: ScalingLaw) -> ScalingLaw:
        """The target's law implied by the source's (Eq. 3 closure; needs the l2l or kaplan form)."""
        return src_law.translated(self.K, self.kappa, self.E1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "src": self.src,
            "tgt": self.tgt,
            "x_eval": self.x_eval,
            "eval": self.eval,
            "kind": self.kind,
            "K": self.K,
            "kappa": self.kappa,
            "E0": self.E0,
            "E1": self.E1,
            "free_e1": self.free_e1,
            "n_pairs": self.n_pairs,
            "n_excluded": self.n_excluded,
            "r2": self.r2,
            "resid_sd": self.resid_sd,
            "x_min": self.x_range[0],
            "x_max": self.x_range[1],
            "warnings": list(self.warnings),
        }


def fit_loss_to_loss(
    x: ArrayLike,
    y: ArrayLike,
    *,
    E0: float,
    E1: float,
    free_e1: bool = False,
    src: str = "",
    tgt: str = "",
    x_eval: str = "",
    eval_name: str = "",
    kind: Kind = "train-train",
) -> LossToLoss:
    """Fit K and κ (and E1 with ``free_e1``) of  y ≈ K·(x − E0)^κ + E1 (``l2l.core.loss_to_loss``), labelled."""
    kind = check_choice(kind, KINDS, "kind", "kind")
    # unnamed (the library): ": → :" said nothing
    label = f"{src}:{x_eval} → {tgt}:{eval_name}" if src or tgt else ""
    fit = fit_shifted_power(x, y, E0, E1, free_e1=free_e1, label=label)
    warnings: list[str] = []
    if fit.n_excluded:
        warnings.append(
            f"{fit.n_excluded} of {fit.n_pairs + fit.n_excluded} pairs have x ≤ E0 ({fit.E0:.4g}) or y ≤ E1 "
            f"({fit.E1:.4g}) and were left out of the fit"
        )
    return LossToLoss(
        src=src,
        tgt=tgt,
        x_eval=x_eval,
        eval=eval_name,
        kind=kind,
        K=fit.K,
        kappa=fit.kappa,
        E0=fit.E0,
        E1=fit.E1,
        free_e1=free_e1,
        n_pairs=fit.n_pairs,
        n_excluded=fit.n_excluded,
        r2=fit.r2,
        resid_sd=fit.resid_sd,
        x_range=fit.x_range,
        warnings=tuple(warnings),
    )


def carry(t: LossToLoss, value: float) -> tuple[float, bool]:
    """One step of a chain: ``value`` through ``t``, and whether ``value`` lies outside the source losses ``t`` was
    fitted on (the step extrapolates). Raises FitError at or below E0."""
    return float(t.predict(value)), t.extrapolates(value)


# ---------------------------------------------------------------------------------------------------------------
# Translations between the laws of a run table
# ---------------------------------------------------------------------------------------------------------------


def pairs_for(
    frame: pl.DataFrame | Sides, spec: PairSpec, *, join: Join = "nd", rtol: float = SAME_RTOL
) -> pl.DataFrame:
    """The (x, y) pairs of a translation: one model's two evals when source and target are the same dataset
    (train-test), else runs of the two datasets paired by ``join``."""
    if spec.src == spec.tgt:
        return same_model_pairs(frame, spec.src, spec.x_eval, spec.y_eval)
    return pair_runs(frame, spec, join=join, rtol=rtol)


def in_split(pairs: pl.DataFrame, split: str | None) -> pl.DataFrame:
    """The pairs whose two runs are both of ``split`` (every pair when None): what a translation fitted on the
    runs of ``split`` is made from."""
    import polars as pl

    return (
        pairs if split is None else pairs.filter((pl.col("split_x") == split) & (pl.col("split_y") == split))
    )


def fit_translation(
    pairs: pl.DataFrame,
    x_law: LawFit,
    y_law: LawFit,
    *,
    kind: Kind,
    free_e1: bool = False,
    split: str | None = None,
    floors: tuple[float, float] | None = None,
) -> LossToLoss:
    """THE translation fit: K and κ from ``pairs`` (only pairs where both runs are of ``split``, when given), with
    E0 from the source law and E1 from the target law (or fitted, ``free_e1``), or ``floors`` where given
    (``LawBook.floor_of``)."""
    used = in_split(pairs, split)
    return translation_of(
        used["x"].to_numpy(),
        used["y"].to_numpy(),
        x_law,
        y_law,
        kind=kind,
        free_e1=free_e1,
        at=(used["N"].to_numpy(), used["D"].to_numpy()),
        floors=floors,
    )


def without_far_pairs(pairs: pl.DataFrame, x_law: LawFit, y_law: LawFit) -> pl.DataFrame:
    """``pairs`` (columns x, y, N, D) less those with a run far from its law on either side: the pairs
    ``translation_of`` fits K and κ on, for every refit of the same translation (its K and κ intervals, the
    spread ``predict --via`` and ``evaluate`` widen by, predict --via's estimate). They had been refitted on every
    pair, the far ones too: on Porian et al.'s table translate's K 1.01433, κ 0.96691 (one far pair left out)
    were 1.01433, 0.96699 in predict --via, its estimate 3.02344 where evaluate's was 3.02346 (probe h44)."""
    if pairs.height == 0:
        return pairs
    n, d = pairs["N"].to_numpy(), pairs["D"].to_numpy()
    rx = log_residuals(x_law, n, d, pairs["x"].to_numpy())
    ry = log_residuals(y_law, n, d, pairs["y"].to_numpy())
    return pairs.filter(~(far_mask(rx) | far_mask(ry)))


def translation_of(
    x: ArrayLike,
    y: ArrayLike,
    x_law: LawFit,
    y_law: LawFit,
    *,
    kind: Kind,
    free_e1: bool = False,
    at: tuple[ArrayLike, ArrayLike] | None = None,
    residuals: tuple[Array, Array] | None = None,
    floors: tuple[float, float] | None = None,
) -> LossToLoss:
    """``fit_translation`` on the pairs' columns ``x`` and ``y`` (``pairing.Sides.xy``). With ``at`` (the pairs'
    N and D), a pair whose run lies far from its own law on either side (diverged or mislabelled, the rule of
    fit-law's "far from the law" warning) is left out, and a warning says how many: one diverged run per dataset
    had put a probe's translations 14 % off and their backtested intervals at ±42 %. ``residuals``: the two sides'
    ``log_residuals`` at ``at`` when the caller has them already (``evaluate`` fits hundreds of translations
    from the same runs). ``floors``: E0 and E1 where they are not the laws' own (``LawBook.floor_of``)."""
    xa, ya = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    dropped = 0
    sizes: Array | None = None
    if at is not None and len(xa):
        n, d = at
        rx, ry = residuals or (log_residuals(x_law, n, d, xa), log_residuals(y_law, n, d, ya))
        keep = ~(far_mask(rx) | far_mask(ry))
        dropped = int((~keep).sum())
        xa, ya = xa[keep], ya[keep]
        sizes = np.asarray(n, dtype=np.float64)[keep]
    out = fit_loss_to_loss(
        xa,
        ya,
        E0=x_law.law.E if floors is None else floors[0],
        E1=y_law.law.E if floors is None else floors[1],
        free_e1=free_e1,
        src=x_law.dataset,
        tgt=y_law.dataset,
        x_eval=x_law.eval,
        eval_name=y_law.eval,
        kind=kind,
    )
    said: list[str] = []
    if dropped:
        said.append(
            f"{plural(dropped, 'pair')} with a run far from its law (diverged or mislabelled?) left out of the fit"
        )
    if sizes is not None and sizes.size and float(sizes.max()) < 1.5 * float(sizes.min()):
        # two grids sharing one size: κ from 3 pairs at 20M carried a 400M run's loss with a ±1.6 % interval
        said.append(
            f"its {plural(len(xa), 'pair')} all sit at one model size (N = {float(sizes.min()):.3g}): the "
            "relation is fitted over one size's losses and carries a larger model's loss beyond them"
        )
    # the excluded count holds the far pairs too: the table said "excluded 0" beside this note (probe p58)
    return replace(out, warnings=(*out.warnings, *said), n_excluded=out.n_excluded + dropped) if said else out


@dataclass(frozen=True, eq=False)
class TranslationResult:
    """One loss-to-loss fit with what it was made from and what it implies.

    ``translation`` is None when it could not be fitted (``error`` says why). ``pairs`` are the (x, y) pairs it was
    fitted on (plus held-out pairs marked by ``split_x`` when the run table has them); ``x_law``/``y_law`` are the
    independent fits that gave E0 and E1; ``implied`` is the x law pushed through the translation (Eq. 3 closure),
    to set beside ``y_law``; N* of both at budget ``C``.
    """

    kind: Kind
    spec: PairSpec
    translation: LossToLoss | None
    error: str | None
    pairs: pl.DataFrame | None
    x_law: LawFit | None
    y_law: LawFit | None
    implied: ScalingLaw | None
    C: float
    n_opt_implied: float | None
    n_opt_independent: float | None
    bands: TranslationBands | None = None

    @property
    def src(self) -> str:
        return self.spec.src

    def usable(self) -> LossToLoss:
        """The fitted translation (its laws are then set too), or a FitError saying why there is none."""
        if self.translation is None or self.x_law is None or self.y_law is None:
            what = f"{self.src}:{self.x_eval} → {self.tgt}:{self.eval}"
            why = (self.error or "").removeprefix(
                f"{what}: "
            )  # (the fit's own error may name the pair already)
            raise FitError(f"cannot translate {what}: {why}")
        return self.translation

    def predict(self, x: ArrayLike) -> Array:
        """The target loss the translation gives for source loss(es) ``x`` (``LossToLoss.predict``: no interval);
        a FitError saying why where it could not be fitted. Every other result that is a law has ``predict``: this
        one, what ``l2l.translate`` returns, had none (h54)."""
        return self.usable().predict(x)

    @property
    def tgt(self) -> str:
        return self.spec.tgt

    @property
    def x_eval(self) -> str:
        return self.spec.x_eval

    @property
    def eval(self) -> str:
        return self.spec.y_eval

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "src": self.src,
            "tgt": self.tgt,
            "x_eval": self.x_eval,
            "eval": self.eval,
            "kind": self.kind,
        }
        if self.translation is not None:
            d.update(self.translation.to_dict())
        else:
            # (no pairs counted: it failed before pairing, or in it; 0 read as "shares no (N, D)", p65)
            d.update({"K": None, "kappa": None, "E0": None, "E1": None, "n_pairs": None, "error": self.error})
        d["implied_law"] = None if self.implied is None else self.implied.to_dict()
        d["independent_law"] = None if self.y_law is None else self.y_law.law.to_dict()
        d["C"] = self.C
        d["N_opt_implied"] = self.n_opt_implied
        d["N_opt_independent"] = self.n_opt_independent
        if self.bands is not None:
            d.update(self.bands.to_dict())
        return d


@dataclass(frozen=True)
class TranslationBands:
    """Percentile intervals at ``level`` of K and κ over ``draws`` refits on resampled pairs with bootstrap draws
    of E0 and E1 (``l2l.core.loss_to_loss.shifted_power_draws``), and of the implied law's N* (the source law's
    N*, which the Eq. 3 closure keeps) over the source law's draws. Parameter uncertainty only."""

    level: float
    K: tuple[float, float]
    kappa: tuple[float, float]
    n_opt_implied: tuple[float, float] | None
    draws: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "K_lo": self.K[0],
            "K_hi": self.K[1],
            "kappa_lo": self.kappa[0],
            "kappa_hi": self.kappa[1],
            "N_opt_implied_lo": None if self.n_opt_implied is None else self.n_opt_implied[0],
            "N_opt_implied_hi": None if self.n_opt_implied is None else self.n_opt_implied[1],
            "interval_draws": self.draws,
        }


def translation_inputs(
    book: LawBook, t: LossToLoss, x: ArrayLike, y: ArrayLike, x_law: LawFit, y_law: LawFit, seed: int
) -> TranslationInputs:
    """What translation ``t`` is refitted from on resampled pairs (``shifted_power_draws``): its fitting pairs
    (``x``, ``y``: no pair far from its laws, ``without_far_pairs``) and ``LAW_DRAWS`` bootstrap draws of its laws'
    E0 and E1 (E1 fitted with ``free_e1``: none). One recipe for ``translate``'s K and κ intervals, ``predict --via``'s
    train-test spread and ``evaluate``'s carried intervals: one question, one interval."""
    x_b = floor_draws(with_bootstrap(book, x_law, LAW_DRAWS, seed), t.E0)
    y_b = None if t.free_e1 else floor_draws(with_bootstrap(book, y_law, LAW_DRAWS, seed), t.E1)
    return TranslationInputs.of(
        np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64), t.E0, t.E1, x_b, y_b
    )


def _with_bands(
    book: LawBook, res: TranslationResult, level: float, seed: int, split: str | None
) -> TranslationResult:
    """``res`` with its TranslationBands (unchanged when it has no translation or too few draws succeed)."""
    t = res.translation
    if t is None or res.x_law is None or res.y_law is None or res.pairs is None:
        return res
    pairs = without_far_pairs(in_split(res.pairs, split), res.x_law, res.y_law)
    inputs = translation_inputs(
        book, t, pairs["x"].to_numpy(), pairs["y"].to_numpy(), res.x_law, res.y_law, seed
    )
    _, dr = shifted_power_draws(inputs, seed=seed)
    ivs = k_kappa_intervals(dr, level)
    if ivs is None:
        return res
    x_b = with_bootstrap(book, res.x_law, LAW_DRAWS, seed)  # (kept in the book: drawn once)
    # (no interval around an N* not given: a law's artefact, or not identified by the runs)
    n_iv = None if res.n_opt_implied is None else optimal_interval(x_b, res.C, level).N_interval
    return replace(res, bands=TranslationBands(level, ivs[0], ivs[1], n_iv, len(dr)))


def _specs(
    runs: Runs, book: LawBook, src: str, tgts: Sequence[str] | None, kind: Kind, evals: Sequence[str] | None
) -> tuple[list[PairSpec], list[str]]:
    """The translations a ``translate`` call asks for, and the targets left out for want of an own eval (said)."""
    if kind == "train-train":
        if evals:
            raise UsageError(
                "train-train translates own losses; evals apply to train-test and test-test", param="evals"
            )
        targets = _targets(runs, src, tgts)
        lacking = runs.lacking_own(targets)
        specs = [PairSpec(src, runs.own(src), t, runs.own(t)) for t in targets if t not in lacking]
        return specs, [f"not translated: {t}: {why}" for t, why in lacking.items()]
    if kind == "train-test":
        if tgts and any(t != ALL and runs.resolve_dataset(t) != src for t in tgts):
            raise UsageError(
                "train-test compares one model's own loss with its other evals: name evals, not targets",
                param="tgts",
            )
        # the own loss onto itself is the identity (K = κ = 1, R² 1): never a train-test row, even under 'all'
        own = runs.own(src)
        others = [ev for ev in evals_measured(book.frame, src) if ev != own]
        for ev in evals or ():
            if ev not in (ALL, OWN) and runs.globbed(ev, others) is None:
                runs.resolve_eval(
                    ev
                )  # a name no eval has is said first (it read "impossible on these runs": h52)
        if not others:  # whatever evals were named: none of them was measured on these models
            raise _only_own_loss(runs, src)
        onto = [ev for ev in _eval_names(runs, book.frame, src, evals) if ev != own]
        if not onto:
            raise SelectionError(
                f"train-test translates {src}'s own loss ({own}) onto its other evals: none was asked",
                hint=f"name another eval measured on {src}'s models: {some_of(others)}",
                param="evals",
            )
        return [PairSpec(src, own, src, ev) for ev in onto], []
    if not evals:
        raise UsageError("test-test needs the eval both models are compared on (or all)", param="evals")
    return [
        PairSpec(src, ev, tgt, ev)
        for tgt in _targets(runs, src, tgts)
        for ev in _eval_names(runs, book.frame, src, evals)
    ], []


def no_translations(results: Sequence[TranslationResult]) -> FitError:
    """The refusal of a ``translate`` call in which no translation could be fitted: the first reason, its fix."""
    reasons = [r.error for r in results if r.error]
    first = reasons[0] if reasons else "nothing to translate"
    return FitError(
        f"no translation could be fitted ({len(results)} asked): {first}",
        hint="each translation needs both datasets' laws and runs paired at equal (N, D); each one's reason is "
        "its row's error (JSON and CSV print the rows)",
    )


def pair_kind(runs: Runs, src: str, tgt: str) -> Kind:
    """What a translation between the own losses of ``src`` and ``tgt`` is: train-test from a dataset onto
    itself (its own loss against another eval), test-test between datasets whose "own" evals are the one eval they
    share (they have no own eval: ``l2l.io.own``; two datasets' models compared on one eval), else train-train.
    One rule for ``translate``, ``predict --via`` and ``evaluate`` (the two last called such a translation
    train-train where the first called it test-test)."""
    if src == tgt:
        return "train-test"
    return "test-test" if runs.own_is_shared(src) and runs.own_is_shared(tgt) else "train-train"


def _shared_kind(runs: Runs, specs: Sequence[PairSpec], kind: Kind) -> Kind:
    """A train-train translation between datasets whose own evals are the one eval they share is test-test, and
    called so (``pair_kind``)."""
    if kind == "train-train" and specs and all(pair_kind(runs, s.src, s.tgt) == "test-test" for s in specs):
        return "test-test"
    return kind


def _targets(runs: Runs, src: str, tgts: Sequence[str] | None) -> list[str]:
    """Target datasets: those named, or every other dataset (all of them, or none named). The source itself only
    when named beside others (its translation onto itself is the identity); named alone it is refused."""
    named = [t for t in tgts or () if t != ALL]
    chosen = runs.resolve_datasets(tgts)
    if named and set(runs.resolve_datasets(named)) == {src}:
        # `translate --src web --target web` printed the identity (K = κ = 1) alone and exit 0, which `predict
        # --via` refuses for the same pair (beside other targets it stays: a figure's diagonal panel)
        raise UsageError(
            f"{src} is the source; a target must be another dataset (its translation onto itself is the identity)",
            hint=f"for {src}'s own loss against its other evals: --kind train-test",
            param="tgt",
        )
    if named and len(named) == len(tgts or ()):
        return chosen
    others = [t for t in chosen if t != src]
    if not others:  # a "web → web" row of dashes answers nothing
        raise SelectionError(
            f"a translation between datasets needs another dataset: {src} is the only one in these runs",
            hint=f"for {src}'s own loss against its other evals: --kind train-test",
        )
    return others


def _eval_names(runs: Runs, frame: pl.DataFrame, dataset: str, evals: Sequence[str] | None) -> list[str]:
    """Evals for train-test/test-test: named ones, 'all' measured on ``dataset``, or by default every dataset's own
    eval (the paper's test sets)."""
    measured = evals_measured(frame, dataset)
    if not evals:  # never the dataset's own eval: a train-test translation onto itself is the identity
        exclude = [runs.own_eval[dataset]] if dataset in runs.own_eval else []
        try:
            tests = default_test_evals(runs, exclude=exclude)
        except SelectionError as exc:
            raise SelectionError(exc.message, hint=exc.hint, param="evals") from None
        chosen = [e for e in tests if e in measured]
        if not chosen:
            others = [e for e in measured if e not in exclude]
            if not others:  # (``_specs`` refuses a train-to-test translation from such a dataset first)
                raise _only_own_loss(runs, dataset)
            raise SelectionError(
                f"by default a train-test translation goes onto the other datasets' own evals ({', '.join(tests)}),"
                f" and none of them was measured on {dataset}'s models",
                hint=f"name the evals, or all of them (all): measured on {dataset}: {', '.join(others)}",
                param="evals",
            )
        return chosen
    out: list[str] = []
    for ev in evals:
        if ev == ALL:
            out.extend(measured)
        elif ev == OWN:
            out.extend(runs.own(d) for d in runs.datasets)
        elif (matched := runs.globbed(ev, measured)) is not None:
            # a glob, as fit-law and evaluate --test take (h95: translate --eval 'task/*' was an unknown eval)
            out.extend(matched)
        else:
            out.append(runs.resolve_eval(ev))
    return list(dict.fromkeys(out))


def _only_own_loss(runs: Runs, dataset: str) -> SelectionError:
    """The refusal of a train-to-test translation from a dataset whose models were measured on their own loss alone:
    there is nothing to translate onto. On Porian's table (each dataset's models measured on their own validation
    loss only) the hints offered `--eval all`, then "name another eval measured on rw's models": neither can work
    (probe h3)."""
    own = runs.own_eval.get(dataset)
    mine = f" ({own})" if own else ""
    others = [d for d in runs.datasets if d != dataset and d in runs.own_eval]
    return SelectionError(
        f"train-to-test is impossible on these runs: {dataset}'s models were measured on their own loss{mine} "
        "alone, so there is no other eval to translate it onto",
        hint="translate between the datasets' own losses instead (--kind train-train)"
        if others
        else "ingest the other evals of its models beside its own loss (l2l ingest FILE --append)",
    )


def _one(
    book: LawBook,
    spec: PairSpec,
    kind: Kind,
    *,
    join: Join,
    rtol: float,
    free_e1: bool,
    split: str | None,
    budget: float,
    frame: pl.DataFrame,
    unsplit: Mapping[tuple[str, str], str],
) -> TranslationResult:
    """The translation ``spec`` with its laws and their N* at ``budget``: none from a law of ``unsplit``
    ((dataset, eval): why it gives no compute-optimal model, ``Runs.one_end_note``)."""
    x_law, y_law = book.try_get(spec.src, spec.x_eval), book.try_get(spec.tgt, spec.y_eval)
    pairs = None
    try:
        if isinstance(x_law, FitError):
            raise x_law
        if isinstance(y_law, FitError):
            raise y_law
        pairs = pairs_for(frame, spec, join=join, rtol=rtol)
        if split is not None and join == "nd" and spec.src != spec.tgt and in_split(pairs, split).height == 0:
            # paired only outside the split (the held-out runs share a configuration, the sweeps none): why the
            # split's runs do not pair, not "only 0 pairs of runs to relate" (probe p68)
            raise _unpaired_in_split(frame, spec, rtol, split)
        t = fit_translation(
            pairs,
            x_law,
            y_law,
            kind=kind,
            free_e1=free_e1,
            split=split,
            floors=(book.floor_of(x_law), book.floor_of(y_law)),
        )
        if join == "nd" and spec.src != spec.tgt and (apart := tolerance_note(in_split(pairs, split), rtol)):
            t = replace(t, warnings=(apart, *t.warnings))
    except (FitError, SelectionError) as exc:
        reason = f"{exc} ({exc.hint})" if exc.hint else str(exc)
        return TranslationResult(
            kind,
            spec,
            None,
            reason,
            pairs,
            x_law if isinstance(x_law, LawFit) else None,
            y_law if isinstance(y_law, LawFit) else None,
            None,
            budget,
            None,
            None,
        )
    said = endpoint_flags(book, x_law, y_law)
    if said:
        t = replace(t, warnings=(*t.warnings, *said))
    implied = n_imp = None
    target = book.sweeps.get(spec.tgt, spec.y_eval)

    def optimum(law: ScalingLaw, of: tuple[str, str]) -> float | None:
        """N* at the budget, or None where it lies >100× off the target's runs' D/N (the law's artefact: a dash)
        or the runs of ``of`` (the law's dataset and eval) do not identify it (``unsplit``)."""
        if of in unsplit:
            return None
        n, d = (float(v) for v in law.compute_optimal(budget))
        return None if optimum_off_sweep(n, d, target.N, target.D) is not None else n

    if x_law.form != "chinchilla":
        try:
            implied = t.translate_law(x_law.law)
        except ValueError:  # out of float range: no implied law to show (the report prints a dash)
            implied = None
        else:
            n_imp = optimum(implied, (spec.src, spec.x_eval))  # (the source law's N*: Eq. 3 keeps it)
    n_ind = optimum(y_law.law, (spec.tgt, spec.y_eval))
    return TranslationResult(kind, spec, t, None, pairs, x_law, y_law, implied, budget, n_imp, n_ind)


def _unpaired_in_split(frame: pl.DataFrame, spec: PairSpec, rtol: float, split: str) -> SelectionError:
    """Why the runs of ``split`` of the two datasets make no pair (``pairing.unpaired_error``)."""
    import polars as pl

    def side(dataset: str, eval_name: str) -> tuple[Array, Array]:
        rows = frame.filter(
            (pl.col("dataset") == dataset) & (pl.col("eval") == eval_name) & (pl.col("split") == split)
        )
        return rows["N"].to_numpy(), rows["D"].to_numpy()

    return unpaired_error(
        spec,
        rtol,
        side(spec.src, spec.x_eval),
        side(spec.tgt, spec.y_eval),
        f" among the runs of split {split}",
    )


def endpoint_flags(book: LawBook, x_law: LawFit, y_law: LawFit) -> tuple[str, ...]:
    """What the laws that give a translation its E0 and E1 say of it: poor (``LawBook.flag``), or E on a bound of
    the search box (the runs do not pin the irreducible loss the translation is shifted by). A translation onto a
    probe's 6-run target, "poor law" in fit-law, printed no word of it; E1 1.93 where the truth was 1.5 (p62)."""
    out: list[str] = []
    for role, law in (("E0", x_law), ("E1", y_law)):
        floor = book.floor_of(law)
        if f"{floor:.4g}" != f"{law.law.E:.4g}":  # (the same to the digits said: nothing to tell apart)
            out.append(
                f"{role} = {floor:.4g} comes from the power law along the one line of tokens per parameter of "
                f"{law.dataset}'s runs on {law.eval}, the three parameters such runs pin (the law's own E, "
                f"{law.law.E:.4g}, lies on a ridge such runs do not pin)"
            )
            continue
        what = f"{role} = {law.law.E:.4g} comes from the law of {law.eval} on {law.dataset}"
        flag = book.flag(law.dataset, law.eval)
        if flag is not None:
            out.append(f"{what}, a {flag}: the translation carries its doubt")
        elif "E" in law.at_bounds:
            out.append(f"{what}, whose E ended on a bound of its search: the runs do not pin it")
    return tuple(out)


def judged_by_endpoints(
    pi: PredictiveInterval, book: LawBook, laws: Sequence[tuple[str, str]]
) -> PredictiveInterval:
    """``pi``, a translation's interval, marked not calibrated (a lower bound) where a law that gives it E0 or E1
    (``laws``: (dataset, eval)) is poor (``LawBook.flag``): its E is no floor the translation can trust, and the
    backtests inside the sweep do not see it (Porian's long warm-up configuration, E1 → 0 on a poor law:
    `evaluate`'s translations held 1 of 12 held-out runs, stated backtested; a probe's 6-run target, p62)."""
    for dataset, eval_name in laws:
        flag = book.flag(dataset, eval_name)
        if flag is not None:
            pi = not_calibrated(pi, f"{dataset}:{eval_name}, {flag.removeprefix('poor law: ')}")
    return pi


def judged_translation(
    pi: PredictiveInterval,
    book: LawBook,
    laws: Sequence[tuple[str, str]],
    e1: float,
    *,
    repeated: Sequence[tuple[str, str, float]] = (),
) -> PredictiveInterval:
    """``pi``, a translation step's interval, as every command states it (``predict --via``, ``evaluate``'s
    translations and the steps it carries onward: one question, one interval): judged by the laws that give it E0
    and E1 (``judged_by_endpoints``); where a side's tokens ``repeated`` ((dataset, eval, D): the target's, and the
    source's) run past its data, what that side's own law's interval says (``with_repetition``); and never below
    ``e1``, the least loss the translation gives (``floored``)."""
    pi = with_repetition(judged_by_endpoints(pi, book, laws), book, repeated)
    return floored(pi, e1, "E1")


def with_repetition(
    pi: PredictiveInterval, book: LawBook, sides: Sequence[tuple[str, str, float]]
) -> PredictiveInterval:
    """``pi``, a translation's interval, with what ``predict`` says of each side's law at its tokens (``sides``:
    (dataset, eval, D), the source's and the target's): beyond the passes over its unique tokens that the law's
    runs made, a lower bound saying why; within them, a note (``predict.repetition_of``, ``repeated_interval``:
    one rule). A translation into repeated data read calibrated beside its own law's lower bound (probe p66); one
    from a source at 8 passes onto a target at 16, past a sweep of up to 4, read backtested (helper h96)."""
    for dataset, eval_name, D in sides:
        pi = repeated_interval(pi, repetition_of(book, dataset, eval_name, D))
    return pi


def other_translation_value(alt: LossToLoss | None, x: float) -> float | None:
    """``alt``'s translation of the source loss ``x`` (uncorrected), where ``alt`` is the same translation with E0
    and E1 from the laws in the other five-parameter form (``other_translation_book``); None where there is none,
    ``x`` lies at or below its E0, or it gives no positive finite loss."""
    if alt is None or not x > alt.E0:
        return None
    try:
        value = float(alt.predict(x))
    except FitError:
        return None
    return value if math.isfinite(value) and value > 0 else None


def with_other_translation(
    pi: PredictiveInterval, alt: LossToLoss | None, x: float, form: str, why: str
) -> PredictiveInterval:
    """``pi``, a translation's interval, widened to hold ``alt``'s translation of the source loss ``x``: the same
    translation with E0 and E1 from the laws in the other five-parameter ``form`` (``other_translation_book``:
    where the own losses' choice did not settle between Eq. 3 and Eq. 1, ``why``), corrected as ``pi``'s estimate
    is and with ``pi``'s spread phased in as it nears an edge (``held_ends``), as an own-loss interval holds the
    other form's prediction (``predict._form_doubt``). The translations' backtests refit the chosen form only, and
    the forms' E's part beyond the sweep: on a law that bends beyond it (``benchmarks/new_truths`` brokenlo, seed
    2) Eq. 1's translations, backtested to ±1.1 %, erred 1.4 % and held 7 of 18 truths; Eq. 3's, at ±3.1 %, 0.6 %
    and 18 of 18. ``pi`` unchanged where ``alt`` is None or ``x`` lies at or below its E0."""
    return _holding_other(pi, other_translation_value(alt, x), "the translation", form, why)


def with_other_combination(
    pi: PredictiveInterval,
    values: Sequence[float],
    others: Sequence[float | None],
    form: str,
    why: str,
    *,
    method: Combine = "mean",
    sds: Sequence[float] | None = None,
) -> PredictiveInterval:
    """``pi``, the interval of the combination (``method``, ``sds`` as it weighed them) of the single-source
    translations ``values``, widened to hold the same combination of ``others``: each source's translation with
    E0 and E1 from the other five-parameter ``form``'s laws (``other_translation_value``; a source without one
    counts with its own value), held as ``with_other_translation`` holds a single source's. ``evaluate`` and
    ``predict --via`` both hold a mean of sources this way: held in each single translation but not in their mean,
    the mean covered 90 and 82 of 108 truths on ``benchmarks/new_truths`` brokenlo and gridctl where the single
    translations covered 99 and 98. ``pi`` unchanged where no source has another form's translation."""
    if len(others) != len(values) or all(o is None for o in others):
        return pi
    mixed = [v if o is None else o for v, o in zip(values, others, strict=True)]
    try:
        value = combine_values(mixed, method, sds)
    except FitError:
        return pi
    return _holding_other(pi, value, f"the {method} of the translations", form, why)


def _holding_other(
    pi: PredictiveInterval, value: float | None, what: str, form: str, why: str
) -> PredictiveInterval:
    """``pi`` widened to hold ``value`` (``what`` with E0 and E1 from ``form``'s laws, uncorrected), corrected as
    ``pi``'s estimate is, with ``held_ends``' share of ``pi``'s spread, and a note saying so."""
    if value is None or not (math.isfinite(value) and value > 0 and pi.estimate > 0):
        return pi
    corrected = pi.estimate != pi.raw and pi.raw > 0 and math.isfinite(pi.raw)
    held = value * pi.estimate / pi.raw if corrected else value
    lo, hi, share = held_ends(pi, held)
    if lo >= pi.lo and hi <= pi.hi:
        return pi
    label = FORM_LABELS.get(form, form)
    note = (
        f"the interval also holds {held:.4g}, {what} with E0 and E1 from {label}'s ({form}) laws, with "
        f"{share:.0%} of this interval's spread: {why}, and the forms part here"
    )
    return replace(pi, lo=lo, hi=hi, notes=(*pi.notes, note))


def translate(
    runs: Runs,
    *,
    src: str,
    tgts: Sequence[str] | None = None,
    kind: Kind = "train-train",
    evals: Sequence[str] | None = None,
    join: Join = "nd",
    rtol: float = SAME_RTOL,
    free_e1: bool = False,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    C: float | None = None,
    workers: int = 1,
    progress: Progress | None = None,
    level: float | None = None,
    seed: int = 0,
    calibrations: CalibrationCache | None = None,
) -> Results[TranslationResult]:
    """Fit the translations from ``src`` to each target (train-train), eval (train-test) or both (test-test).

    Laws are fitted on the runs of ``split``; pairs are taken from every run and marked by split, so the held-out
    ones can be shown. N* of the implied and independent laws are compared at ``C`` (default: the largest C); none
    from a law whose runs all end at one D in a log kept whole (``Runs.one_end_note``, said in a note).
    With ``level``, K, κ and the implied N* get intervals (``TranslationBands``, bootstrap draws with ``seed``).

    With ``options.form == "auto"``, E0 and E1 come from the laws in the own losses' chosen form (the form their
    translations were backtested with, ``translation_book``; ``calibrations`` keeps that choice); only an Eq. 3
    source law has an implied law (Eq. 3 is closed under translation)."""
    if level is not None:
        check_level(level)
    kind = check_choice(kind, KINDS, "kind", "kind")
    join = check_choice(join, JOINS, "pairing", "join")
    if not (is_real(rtol) and 0 < rtol < 1):  # (-1 reached math.log1p: "math domain error")
        raise UsageError(f"the pairing tolerance rtol must be a number in (0, 1), got {rtol!r}", param="rtol")
    tgts, evals = as_names(tgts, "dataset", "tgts", empty_ok=False), as_names(evals, "eval", "evals")
    book = translation_book(law_book(runs, options, split, cache, calibrations))
    src_ds = runs.resolve_dataset(src)
    budget = float(C) if C is not None else float(runs.frame["C"].to_numpy().max())
    specs, left_out = _specs(runs, book, src_ds, tgts, kind, evals)
    kind = _shared_kind(runs, specs, kind)
    needed = [(s.src, s.x_eval) for s in specs] + [(s.tgt, s.y_eval) for s in specs]
    book.fit_many(needed, workers=workers, progress=progress)
    # a log kept whole whose runs all end at one D: its law gives no N* (``Runs.one_end``), as in optimal and rank
    unsplit = {law: why for law in dict.fromkeys(needed) if (why := runs.one_end_note(*law)) is not None}
    results = [
        _one(
            book,
            s,
            kind,
            join=join,
            rtol=rtol,
            free_e1=free_e1,
            split=split,
            budget=budget,
            frame=runs.frame,
            unsplit=unsplit,
        )
        for s in specs
    ]
    if level is not None:
        results = [_with_bands(book, r, level, seed, split) for r in results]
    notes = _default_left_out(runs, book.frame, src_ds, specs) if kind == "train-test" and not evals else ()
    notes = (*notes, *_unsplit_notes(results, unsplit))
    units = tokenizer_note(
        runs,
        [(s.src, s.x_eval, s.tgt, s.y_eval) for s in specs],
        "these translations map",
        " (each fitted right)",
    )
    # a budget given (--C) is each law's N* in the table's count of FLOPs, as in optimal and rank
    named = list(dict.fromkeys(d for s in specs for d in (s.src, s.tgt)))
    budgets = runs.budget_warnings(named) if C is not None else ()
    return Results(results, notes=(*left_out, *notes, *([units] if units else []), *budgets))


def _unsplit_notes(
    results: Sequence[TranslationResult], unsplit: Mapping[tuple[str, str], str]
) -> tuple[str, ...]:
    """Why the N* columns are left empty for the laws (dataset, eval) of ``unsplit`` that the rows would have
    taken an N* from (the implied law's is its source law's), one note per reason (``Runs.one_end_note``'s words,
    as ``optimal`` and ``rank --C`` say them)."""
    shown: list[tuple[str, str]] = []
    for r in results:
        if r.implied is not None:
            shown.append((r.spec.src, r.spec.x_eval))
        if r.translation is not None:
            shown.append((r.spec.tgt, r.spec.y_eval))
    by_why: dict[str, list[str]] = {}
    for ds, ev in dict.fromkeys(shown):
        if (ds, ev) in unsplit:
            by_why.setdefault(unsplit[(ds, ev)], []).append(f"{ds}/{ev}")
    return tuple(
        f"N* not given: {', '.join(laws)}: no compute-optimal model: {why}" for why, laws in by_why.items()
    )


def _default_left_out(
    runs: Runs, frame: pl.DataFrame, src: str, specs: Sequence[PairSpec]
) -> tuple[str, ...]:
    """A note naming the evals ``src``'s models were measured on that the default train-test targets (every
    dataset's own eval) leave out: the shared evals of a mixture study (pile_val, wiki_val), left out unsaid."""
    onto = {s.y_eval for s in specs}
    left = [e for e in evals_measured(frame, src) if e != runs.own(src) and e not in onto]
    if not left:
        return ()
    named = some_of(left)
    return (
        f"{src}'s models were also measured on {named}, no dataset's own eval: left out by default (train-test "
        "goes onto every dataset's own eval); --eval all includes them",
    )


# ---------------------------------------------------------------------------------------------------------------
# Prediction through translations
# ---------------------------------------------------------------------------------------------------------------


#: A source loss above this many nats is no language model's loss (a uniform guess over 400k tokens is 12.9).
MAX_SOURCE_LOSS = 13.0
#: How far above the largest loss of the source's runs a given source loss may lie.
SOURCE_LOSS_SLACK = 2.0


def check_source_loss(runs: Runs, source: str, x: float) -> float:
    """A given source loss ``x`` of dataset ``source`` as a float: a positive number (text such as "2.4" raised a
    TypeError), and not far above anything the source's runs reached (more than twice their largest, or above 13
    nats: a probe's `--src-loss 50` printed 42.8 [42.2, 43.3] and exit 0); UsageError otherwise."""
    import polars as pl

    if not (is_real(x) and x > 0 and np.isfinite(x)):
        raise UsageError(f"the source loss must be a positive loss, got {x!r}", param="src_loss")
    x = float(x)
    own = runs.own(source)
    losses = runs.frame.filter((pl.col("dataset") == source) & (pl.col("eval") == own))["loss"]
    top = float(losses.max()) if losses.len() else float("inf")  # type: ignore[arg-type]
    if x > MAX_SOURCE_LOSS or x > SOURCE_LOSS_SLACK * top:
        raise UsageError(
            f"the source loss {x:g} lies far above every {source} run's {own} loss (largest {top:.4g}"
            + (f", and above {MAX_SOURCE_LOSS:g} nats" if x > MAX_SOURCE_LOSS else "")
            + "): no translation was fitted anywhere near it",
            hint=f"give {source}'s own loss of the model (the {own} loss), or --from-run RUN_ID",
            param="src_loss",
        )
    return x


def run_checkpoint_note(runs: Runs, run_id: str, D: float) -> str | None:
    """What ``find_run`` chose where ``run_id`` names the checkpoints of one run (a log kept whole), or None."""
    import polars as pl

    if not runs.every_checkpoint:
        return None
    steps = runs.frame.filter(pl.col("run_id") == run_id)["D"].n_unique()
    if steps < 2:
        return None
    return (
        f"run {run_id}: its final checkpoint (D = {D:.4g}, the last of its {steps} token counts; the runs keep "
        "every checkpoint, --checkpoints all)"
    )


def find_run(
    runs: Runs, run_id: str, prefer: str | Sequence[str] | None, *, several: bool = False
) -> tuple[float, float]:
    """(N, D) of run ``run_id`` (of the dataset or datasets ``prefer`` when they have one of that id: the sources,
    not a target whose sizes are counted apart under the same id). ``several``: the run fixes (N, D) for several
    sources, which a source loss cannot (the hint of an ambiguous id says so). In a log kept whole, a run's
    checkpoints share its id and size: its final checkpoint."""
    import polars as pl

    rows = runs.frame.filter(pl.col("run_id") == run_id)
    names = [prefer] if isinstance(prefer, str) else list(prefer or ())
    if names and rows.filter(pl.col("dataset").is_in(names)).height:
        rows = rows.filter(pl.col("dataset").is_in(names))
    if rows.height == 0:
        raise SelectionError(f"no run {run_id!r} in the table")
    configs = rows.select("N", "D").unique().sort("N", "D")
    if configs.height > 1 and runs.every_checkpoint and configs["N"].n_unique() == 1:
        # a log kept whole (--checkpoints all) names every checkpoint of a run by its one id, so no id named one
        # configuration and --from-run was refused whatever the user gave (probe h48's Pythia-shaped log): the
        # run's measured loss is its final checkpoint's (``run_checkpoint_note`` says so)
        return float(configs["N"][0]), float(configs["D"][-1])  # (sorted by N, D)
    if configs.height > 1:  # checkpoints kept whole, or an id reused: its first row is no answer
        shown = ", ".join(f"N = {n:.4g} at D = {d:.4g}" for n, d in configs.head(3).iter_rows())
        more = " …" if configs.height > 3 else ""
        raise SelectionError(
            f"run id {run_id!r} names {configs.height} configurations ({shown}{more}): the checkpoints of one "
            "run, or an id reused for several runs; l2l cannot tell which is meant",
            hint="name a run id of one configuration (several sources need a run to fix (N, D); --src-loss "
            "works with one --via SOURCE)"
            if several
            else "give the source loss itself with --src-loss",
        )
    return float(rows["N"][0]), float(rows["D"][0])
