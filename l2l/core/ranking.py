"""Rank pre-training datasets for a target loss at a budget: which data gives the best model, and how sure are we.

Pure numerics on plain arrays (no run-table type at the seam). For each candidate dataset: the compute-optimal
(N*, D*) of its own-loss law at a budget C (or a given N, D), and the target eval's predicted loss by three methods:

- ``independent``: the target eval's own law on that dataset's runs, extrapolated;
- ``translation``: the dataset's own-loss law extrapolated, then pushed through its train-to-test relation
  y = K·(x − E0)^κ + E1 (the paper's method; E0, E1 from the independent fits, K, κ by least squares in log space);
- ``recommended`` (*anchored*): start from what the sweep measured at its largest budget, and add only the change
  the laws predict from there to the target. The part of that change shared by all datasets moves every candidate
  alike (the extrapolation bias is shared); the dataset-specific part, which is what can reorder them, is shrunk
  toward zero by how much of it the uncertainty could explain (empirical Bayes), and set to zero for a law that
  ends on a bound of its box. So the ranking keeps the order the sweep has settled unless the laws predict, beyond
  their noise, that the curves cross before the target;
- ``baseline``: the single-scale baseline, the mean measured loss at the dataset's largest budget, whatever the
  budget asked for (its draws hold only the noise of those runs; ``single_scale_ranking`` gives the same values).

Uncertainty comes from joint draws: bootstrap draws of every dataset's laws (independent across datasets: they are
fitted on different runs), the noise of the measured anchor, and an extrapolation-error term (``DrawError``):
a bias and a shared part, the same in every dataset of a draw (they widen intervals, never reorder), and a
dataset-specific part. ``P(best)`` is the fraction of joint draws in which a dataset has the lowest loss.
``learn_draw_error`` learns that term per target inside the sweep (largest budget held out); ``rank_datasets``
does so by default. The top is a tie when the leader wins fewer than 60 % of the draws, or when another candidate
beats it in ≥ 20 % of them or its interval (relative to the mean candidate) holds the leader's value.

On the paper's runs (25 loss targets, 375 pairs; benchmarks/bench_rank.py) the single-scale baseline gets 91.2 %
of held-out pairs right, independent 85.9 %, translation 85.3 %, recommended 90.1 % (89.3 % without the learned
error): better than the laws, not better than the baseline.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.checks import check_level
from l2l.base.errors import FitError, UsageError
from l2l.base.schema import RANK_METHODS, RankMethod
from l2l.core.fit import LawFit, bootstrap_law, fit_law, percentile_interval
from l2l.core.laws import Array
from l2l.core.loss_to_loss import e_of, fit_shifted_power, weighted_log_lines
from l2l.core.sweep import Sweep, pair_configs

Method = RankMethod  # one vocabulary: schema.RankMethod
METHODS: tuple[Method, ...] = RANK_METHODS
# The leader is called indistinguishable from the rest when it wins fewer joint draws than this.
TIE_P_BEST = 0.6
# A dataset is a contender when it beats the leader in at least this fraction of joint draws.
CONTENDER_P = 0.2


# ---------------------------------------------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class Candidate:
    """A candidate pre-training dataset: its name, the eval that is its own loss, and its runs per eval."""

    name: str
    own_eval: str
    runs: Mapping[str, Sweep]


@dataclass(frozen=True)
class Budget:
    """A compute budget C (the model is each dataset's compute-optimal N*, D*), or a fixed model N, D."""

    C: float | None = None
    N: float | None = None
    D: float | None = None
    flops_per_param_token: float = 6.0

    def __post_init__(self) -> None:
        fixed = self.N is not None and self.D is not None
        if (self.C is None) == (not fixed) or (self.C is None and (self.N is None) != (self.D is None)):
            raise UsageError("a budget is either a compute C, or a model size N together with tokens D")
        for v in (self.C, self.N, self.D):
            if v is not None and not (math.isfinite(v) and v > 0):
                raise UsageError(f"budget values must be finite and > 0, got {v}")

    @property
    def compute(self) -> float:
        if self.C is not None:
            return float(self.C)
        assert self.N is not None
        assert self.D is not None
        return self.flops_per_param_token * self.N * self.D

    def to_dict(self) -> dict[str, Any]:
        return {
            "C": self.compute,
            "N": self.N,
            "D": self.D,
            "flops_per_param_token": self.flops_per_param_token,
        }


@dataclass(frozen=True)
class DrawError:
    """The extrapolation error a ranking adds to its joint draws, on log loss, beyond the fits' own uncertainty
    (not ``l2l.core.error_model.ErrorModel``, which gives one prediction its interval).

    ``bias`` and ``shared_sd`` are common to all datasets in a draw (the shared bias of extrapolating: they widen
    every interval and never reorder); ``specific_sd`` is drawn per dataset (what can reorder them). A callable
    ``reach -> DrawError`` (reach = log10 of the target compute over the sweep's largest) may stand in for one,
    e.g. fed from a within-sweep backtest.
    """

    bias: float = 0.0
    shared_sd: float = 0.0
    specific_sd: float = 0.0

    def to_dict(self) -> dict[str, float]:
        return {"bias": self.bias, "shared_sd": self.shared_sd, "specific_sd": self.specific_sd}


DrawErrorHook = DrawError | Callable[[float], DrawError]


# ---------------------------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------------------------


def _f(x: float | None) -> float | None:
    return None if x is None else float(x)


@dataclass(frozen=True)
class DatasetPrediction:
    """One candidate for one target. ``value``, ``lo``, ``hi`` are of the ranking method; ``rank`` is 1 for the
    predicted best. A dataset that cannot be ranked has ``status`` "failed", the ``reason``, and no rank."""

    dataset: str
    status: Literal["ok", "failed"]
    reason: str | None
    N: float | None
    D: float | None
    independent: float | None
    translation: float | None
    recommended: float | None
    value: float | None
    lo: float | None
    hi: float | None
    p_best: float
    rank: int | None
    trust: float | None
    measured_top: float | None
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "status": self.status,
            "reason": self.reason,
            "N": _f(self.N),
            "D": _f(self.D),
            "independent": _f(self.independent),
            "translation": _f(self.translation),
            "recommended": _f(self.recommended),
            "value": _f(self.value),
            "lo": _f(self.lo),
            "hi": _f(self.hi),
            "p_best": float(self.p_best),
            "rank": self.rank,
            "trust": _f(self.trust),
            "measured_top": _f(self.measured_top),
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class Flip:
    """The winner changes from ``before`` to ``after`` at compute ``C`` (point predictions)."""

    C: float
    before: str
    after: str

    def to_dict(self) -> dict[str, Any]:
        return {"C": float(self.C), "before": self.before, "after": self.after}


@dataclass(frozen=True)
class CurvePoint:
    """Every candidate's point-predicted target loss at compute ``C`` (the scan for flips, kept for figures)."""

    C: float
    values: tuple[tuple[str, float], ...]

    def to_dict(self) -> dict[str, Any]:
        return {"C": float(self.C), "values": {k: float(v) for k, v in self.values}}


@dataclass(frozen=True)
class TargetRanking:
    """The ranking of the candidates for one target eval."""

    target: str
    weight: float
    method: Method
    rows: tuple[DatasetPrediction, ...]
    leader: str | None
    tie: bool
    contenders: tuple[str, ...]
    flips: tuple[Flip, ...]
    draw_error: DrawError = DrawError()
    curve: tuple[CurvePoint, ...] = ()  # point predictions across the scanned budgets (none for a fixed N, D)
    # "accuracy": ``value`` is a predicted accuracy (higher is better), chained through the task loss ``via``
    metric: Literal["loss", "accuracy"] = "loss"
    via: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = {
            "target": self.target,
            "error_model": self.draw_error.to_dict(),
            "weight": float(self.weight),
            "method": self.method,
            "leader": self.leader,
            "tie": self.tie,
            "contenders": list(self.contenders),
            "flips": [f.to_dict() for f in self.flips],
            "curve": [c.to_dict() for c in self.curve],
            "rows": [r.to_dict() for r in self.rows],
        }
        if self.metric != "loss":
            d.update(metric=self.metric, via=self.via)
        return d


@dataclass(frozen=True)
class CombinedRow:
    """One candidate over all targets: ``score`` is the weighted mean over targets of its predicted log loss minus
    the mean over candidates (−0.01 ≈ 1 % below the average candidate), with an interval and P(best)."""

    dataset: str
    status: Literal["ok", "failed"]
    reason: str | None
    score: float | None
    lo: float | None
    hi: float | None
    p_best: float
    rank: int | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "status": self.status,
            "reason": self.reason,
            "score": _f(self.score),
            "lo": _f(self.lo),
            "hi": _f(self.hi),
            "p_best": float(self.p_best),
            "rank": self.rank,
        }


@dataclass(frozen=True)
class Ranking:
    """Candidates ranked for one or more targets at a budget; ``combined`` is the weighted ranking over targets
    (the same as the single target's when there is one)."""

    budget: Budget
    method: Method
    level: float
    draws: int
    targets: tuple[TargetRanking, ...]
    combined: tuple[CombinedRow, ...]
    leader: str | None
    tie: bool
    contenders: tuple[str, ...]
    draw_error: DrawError
    warnings: tuple[str, ...] = ()
    # per target, every ranked candidate's log target loss per joint draw (draw 0: the point), as ranked
    log_draws: Mapping[str, Mapping[str, Array]] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )

    def to_dict(self) -> dict[str, Any]:
        return {
            "budget": self.budget.to_dict(),
            "method": self.method,
            "level": float(self.level),
            "draws": int(self.draws),
            "leader": self.leader,
            "tie": self.tie,
            "contenders": list(self.contenders),
            "error_model": self.draw_error.to_dict(),
            "warnings": list(self.warnings),
            "combined": [r.to_dict() for r in self.combined],
            "targets": [t.to_dict() for t in self.targets],
        }


# ---------------------------------------------------------------------------------------------------------------
# Fitting (once per candidate and eval), then predicting at any budget
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Fitted:
    fit: LawFit
    draws: Array  # (B, P) optimizer coordinates, the best fit's included as draw 0


@dataclass(frozen=True, eq=False)
class _Pair:
    """The train-to-test relation of one dataset onto one target: point (K, κ) and per-draw (K_b, κ_b)."""

    K: float
    kappa: float
    K_draws: Array
    kappa_draws: Array
    n_pairs: int


def _at_top(c: Array, cut: float | None = None) -> NDArray[np.bool_]:
    """Mask of the runs at the largest budget (to a relative 1e-9), or at ``cut`` and above."""
    return np.asarray(c >= (np.max(c) * (1 - 1e-9) if cut is None else cut))


def _fit_with_draws(runs: Sweep, form: str, draws: int, seed: int, label: tuple[str, str]) -> _Fitted:
    fit = fit_law(runs.N, runs.D, runs.loss, form=form, dataset=label[0], eval=label[1])
    if draws <= 1:
        return _Fitted(fit, fit.law.theta[None, :])
    boot = bootstrap_law(fit, runs.N, runs.D, runs.loss, draws=max(draws - 1, 2), seed=seed)
    assert boot.bootstrap is not None
    return _Fitted(fit, np.vstack([fit.law.theta[None, :], boot.bootstrap[: draws - 1]]))


def _log_predict(form: str, thetas: Array, n: ArrayLike, d: ArrayLike) -> Array:
    """log L̂ for every draw (B, P) at points (k,): (B, k)."""
    from l2l.core.laws import log_loss

    nn = np.atleast_1d(np.asarray(n, dtype=np.float64))
    dd = np.atleast_1d(np.asarray(d, dtype=np.float64))
    return log_loss(form, thetas, np.log(nn), np.log(dd))


def _paired_losses(a: Sweep, b: Sweep) -> tuple[Array, Array]:
    """The losses in a and in b at every configuration both ran (``pair_configs``; repeats averaged), ordered by
    N, then D."""
    ma, mb = a.by_config(), b.by_config()
    i, j = pair_configs(ma.N, ma.D, mb.N, mb.D)
    order = np.lexsort((ma.D[i], ma.N[i]))
    return ma.loss[i][order], mb.loss[j][order]


@dataclass(frozen=True, eq=False)
class _Entry:
    """What one candidate contributes to one target: fits, relation, anchor; or why it cannot."""

    name: str
    own: _Fitted | FitError
    target: _Fitted | FitError
    pair: _Pair | FitError
    anchor_n: Array  # runs at the candidate's largest budget on the target eval
    anchor_d: Array
    anchor_log: float  # their mean measured log loss
    anchor_sd: float  # its noise (fit rmse / sqrt(runs))
    top_compute: float
    measured_top: float | None  # mean measured loss at the largest budget (the single-scale baseline)


@dataclass(frozen=True, eq=False)
class RankModel:
    """The laws and relations of every candidate for a set of targets, fitted once; ``rank`` at any budget.

    Build it with ``fit_rank_model``. Holding it lets a caller rank at many budgets (or scan for the budget where
    the winner flips) without refitting.
    """

    candidates: tuple[str, ...]
    targets: Mapping[str, float]
    entries: Mapping[str, Mapping[str, _Entry]]  # target -> candidate -> entry
    own_evals: Mapping[str, str]
    form: str
    draws: int
    seed: int
    shrink: bool = True
    distrust_bounds: bool = True
    anchor_source: Literal["independent", "translation"] = "translation"

    @property
    def sweep_top_compute(self) -> float:
        tops = [e.top_compute for per in self.entries.values() for e in per.values() if e.top_compute > 0]
        return max(tops) if tops else float("nan")

    # -- per-draw predictions ----------------------------------------------------------------------------------
    def _optimal(self, name: str, budget: Budget) -> tuple[float, float]:
        if budget.N is not None and budget.D is not None:
            return float(budget.N), float(budget.D)
        entry = next(iter(self.entries.values()))[name]
        if isinstance(entry.own, FitError):
            raise entry.own
        n, d = entry.own.fit.law.compute_optimal(budget.compute, budget.flops_per_param_token)
        return float(n), float(d)

    def _method_logs(self, e: _Entry, n: Array, d: Array, method: str) -> Array:
        """log predictions (B, k) of the independent or translation method at points n, d."""
        if method == "independent":
            if isinstance(e.target, FitError):
                raise e.target
            return _log_predict(self.form, e.target.draws, n, d)
        if isinstance(e.own, FitError):
            raise e.own
        if isinstance(e.target, FitError):
            raise FitError(f"the target's law gives E1 and could not be fitted: {e.target}")
        if isinstance(e.pair, FitError):
            raise e.pair
        x = np.exp(_log_predict(self.form, e.own.draws, n, d))
        e0 = e_of(self.form, e.own.draws)[:, None]
        e1 = e_of(self.form, e.target.draws)[:, None]
        gap = np.maximum(x - e0, 1e-300)
        y = e.pair.K_draws[:, None] * gap ** e.pair.kappa_draws[:, None] + e1
        return np.log(y)

    def _anchored(
        self,
        per: Mapping[str, _Entry],
        deltas: Mapping[str, Array],
        sources: Mapping[str, str],
        out: dict[str, dict[str, Array]],
        extra: dict[str, dict[str, Any]],
        rng: np.random.Generator,
        err: DrawError,
    ) -> None:
        """The recommended method, into ``out``: measured anchor + the change shared by all candidates + each
        one's specific change shrunk by how much of it the noise could explain (none for a law on a bound)."""
        if not deltas:
            return
        names = list(deltas)
        dmat = np.vstack([deltas[k] for k in names])  # (M, B)
        common = dmat.mean(axis=0)
        spec = dmat - common
        boot_var = spec[:, 1:].var(axis=1) if dmat.shape[1] > 2 else np.zeros(len(names))
        s2 = boot_var + err.specific_sd**2
        m = len(names)
        tau2 = max(0.0, float(np.sum(spec[:, 0] ** 2)) / max(m - 1, 1) - float(np.mean(s2))) if m > 1 else 0.0
        for i, name in enumerate(names):
            e = per[name]
            w: float = 1.0
            if self.shrink:
                w = float(tau2 / (tau2 + s2[i])) if tau2 + s2[i] > 0 else 1.0
            laws = [e.target] if sources[name] == "independent" else [e.own, e.target]
            bound = [f.fit.eval for f in laws if isinstance(f, _Fitted) and f.fit.at_bounds]
            if self.distrust_bounds and bound:
                w = 0.0
                extra[name]["notes"].append(
                    f"the law of {', '.join(bound)} ends on a bound: the sweep's measured order is kept"
                )
            noise = np.asarray(e.anchor_sd * rng.standard_normal(dmat.shape[1]), dtype=np.float64)
            noise[0] = 0.0
            out[name]["recommended"] = e.anchor_log + noise + common + w * spec[i]
            extra[name]["trust"] = float(w)

    def point_and_draws(
        self, target: str, budget: Budget, rng: np.random.Generator, err: DrawError
    ) -> tuple[dict[str, dict[str, Array]], dict[str, str], dict[str, dict[str, Any]]]:
        """Per candidate: method → draws of log predicted target loss (index 0 is the point), failure reasons,
        and extras (N, D, trust, notes)."""
        per = self.entries[target]
        out: dict[str, dict[str, Array]] = {}
        failed: dict[str, str] = {}
        extra: dict[str, dict[str, Any]] = {}
        deltas: dict[str, Array] = {}
        sources: dict[str, str] = {}
        for name in self.candidates:
            e = per[name]
            try:
                n, d = self._optimal(name, budget)
            except FitError as exc:
                failed[name] = f"its own-loss law cannot be fitted: {exc}"
                continue
            extra[name] = {"N": n, "D": d, "notes": [], "measured_top": e.measured_top}
            logs: dict[str, Array] = {}
            for method in ("independent", "translation"):
                try:
                    logs[method] = self._method_logs(e, np.array([n]), np.array([d]), method)[:, 0]
                except FitError as exc:
                    extra[name]["notes"].append(f"{method}: {exc}")
            out[name] = logs
            src = self.anchor_source
            if src not in logs and logs:  # e.g. no train-to-test relation: extrapolate the target's own law
                src = "independent" if "independent" in logs else "translation"
                extra[name]["notes"].append(f"recommended: anchored on the {src} prediction")
            if src in logs and len(e.anchor_n):
                top = self._method_logs(e, e.anchor_n, e.anchor_d, src).mean(axis=1)
                deltas[name] = logs[src] - top
                sources[name] = src
        self._anchored(per, deltas, sources, out, extra, rng, err)
        # the single-scale baseline: the measured loss at the largest budget, and its noise (own generator, so the
        # other methods' draws do not depend on it)
        base_rng = np.random.default_rng([self.seed, 104729])
        for name in self.candidates:
            e = per[name]
            if name in out and e.measured_top is not None:
                noise = np.asarray(e.anchor_sd * base_rng.standard_normal(self.draws), dtype=np.float64)
                noise[0] = 0.0
                out[name]["baseline"] = (
                    math.log(e.measured_top) + noise
                )  # the mean loss, as single_scale_ranking
        for name in out:
            if "recommended" not in out[name]:
                extra[name]["notes"].append(
                    "recommended: no runs to anchor on, or no law to extrapolate with"
                )
        return out, failed, extra


def _relation_draws(
    own: _Fitted, target: _Fitted, x: Array, y: Array, form: str, rng: np.random.Generator
) -> _Pair:
    """K, κ with E0, E1 from the best fits, and per draw with E0_b, E1_b and the pairs resampled."""
    e0s, e1s = e_of(form, own.draws), e_of(form, target.draws)
    best = fit_shifted_power(x, y, float(e0s[0]), float(e1s[0]))
    K, kappa, used = best.K, best.kappa, best.n_pairs
    B = len(e0s)
    counts = rng.multinomial(len(x), np.full(len(x), 1.0 / len(x)), size=B).astype(np.float64)
    counts[0] = 1.0
    gx = x[None, :] - e0s[:, None]
    gy = y[None, :] - e1s[:, None]
    ok = (gx > 0) & (gy > 0)
    w = np.where(ok, counts, 0.0)
    lx = np.log(np.where(ok, gx, 1.0))
    ly = np.log(np.where(ok, gy, 1.0))
    logk, kap = weighted_log_lines(lx, ly, w)
    bad = ~np.isfinite(kap) | ~np.isfinite(logk) | ((w > 0).sum(axis=1) < 3)
    kap = np.asarray(np.where(bad, kappa, kap), dtype=np.float64)
    logk = np.asarray(np.where(bad, math.log(K), logk), dtype=np.float64)
    kap[0], logk[0] = kappa, math.log(K)
    return _Pair(K, kappa, np.exp(logk), kap, used)


def fit_rank_model(
    candidates: Sequence[Candidate],
    targets: str | Sequence[str] | Mapping[str, float],
    *,
    form: str = "l2l",
    draws: int = 50,
    seed: int = 0,
    shrink: bool = True,
    distrust_bounds: bool = True,
    anchor_source: Literal["independent", "translation"] = "translation",
    fits: dict[tuple[str, str], _Fitted | FitError] | None = None,
) -> RankModel:
    """Fit every candidate's own-loss law and target laws (with ``draws`` − 1 bootstrap draws each) and its
    train-to-test relations. ``targets``: an eval name, names, or eval → weight. ``fits`` is an optional cache
    (shared between calls) of fitted laws keyed by (candidate, eval)."""
    if not candidates:
        raise UsageError("no candidate datasets to rank")
    names = [c.name for c in candidates]
    if len(set(names)) != len(names):
        raise UsageError("candidate dataset names must be distinct")
    weights = _weights(targets)
    cache: dict[tuple[str, str], _Fitted | FitError] = {} if fits is None else fits
    root = np.random.SeedSequence(seed)
    seeds = {
        c.name: int(s.generate_state(1)[0])
        for c, s in zip(candidates, root.spawn(len(candidates)), strict=True)
    }

    def get(c: Candidate, ev: str) -> _Fitted | FitError:
        key = (c.name, ev)
        if key not in cache:
            runs = c.runs.get(ev)
            if runs is None or len(runs) == 0:
                cache[key] = FitError(f"{c.name} has no runs on {ev}")
            else:
                try:
                    cache[key] = _fit_with_draws(runs.sorted(), form, draws, seeds[c.name], key)
                except FitError as exc:
                    cache[key] = exc
        return cache[key]

    entries: dict[str, dict[str, _Entry]] = {}
    for t in weights:
        per: dict[str, _Entry] = {}
        for c in candidates:
            own = get(c, c.own_eval)
            tgt = get(c, t)
            pair: _Pair | FitError
            runs_t = c.runs.get(t)
            runs_o = c.runs.get(c.own_eval)
            if isinstance(own, FitError) or isinstance(tgt, FitError) or runs_t is None or runs_o is None:
                pair = FitError("the train-to-test relation needs both laws")
            else:
                x, y = _paired_losses(runs_o, runs_t)
                rng = np.random.default_rng([seeds[c.name], len(per), len(entries)])
                try:
                    pair = _relation_draws(own, tgt, x, y, form, rng)
                except FitError as exc:
                    pair = exc
            if runs_t is not None and len(runs_t):
                ctop = float(runs_t.C.max())
                top = _at_top(runs_t.C)
                an, ad, ay = runs_t.N[top], runs_t.D[top], runs_t.loss[top]
                rmse = (
                    tgt.fit.rmse
                    if isinstance(tgt, _Fitted)
                    else float(np.std(np.log(ay)))
                    if len(ay) > 1
                    else 0.0
                )
                per[c.name] = _Entry(
                    c.name,
                    own,
                    tgt,
                    pair,
                    an,
                    ad,
                    float(np.mean(np.log(ay))),
                    rmse / math.sqrt(len(ay)),
                    ctop,
                    float(np.mean(ay)),
                )
            else:
                empty = np.zeros(0)
                per[c.name] = _Entry(c.name, own, tgt, pair, empty, empty, 0.0, 0.0, 0.0, None)
        entries[t] = per
    return RankModel(
        candidates=tuple(names),
        targets=weights,
        entries=entries,
        own_evals={c.name: c.own_eval for c in candidates},
        form=form,
        draws=draws,
        seed=seed,
        shrink=shrink,
        distrust_bounds=distrust_bounds,
        anchor_source=anchor_source,
    )


def _weights(targets: str | Sequence[str] | Mapping[str, float]) -> dict[str, float]:
    if isinstance(targets, str):
        out = {targets: 1.0}
    elif isinstance(targets, Mapping):
        out = {str(k): float(v) for k, v in targets.items()}
    else:
        out = {str(t): 1.0 for t in targets}
    if not out:
        raise UsageError("no target eval to rank for")
    for k, v in out.items():
        if not (math.isfinite(v) and v >= 0):
            raise UsageError(f"the weight of target {k} must be finite and ≥ 0, got {v}")
    if sum(out.values()) <= 0:
        raise UsageError("target weights sum to zero")
    return out


# ---------------------------------------------------------------------------------------------------------------
# Ranking
# ---------------------------------------------------------------------------------------------------------------


def _resolve_draw_error(draw_error: DrawErrorHook | None, reach: float) -> DrawError:
    if draw_error is None:
        return DrawError()
    if isinstance(draw_error, DrawError):
        return draw_error
    return draw_error(reach)


def _p_best(logs: Array) -> Array:
    """(M, B) draws → fraction of draws each row is lowest (ties split)."""
    low = logs == logs.min(axis=0, keepdims=True)
    return np.asarray((low / low.sum(axis=0, keepdims=True)).mean(axis=1), dtype=np.float64)


def _ranks(points: Array) -> NDArray[np.int64]:
    order = np.argsort(points, kind="stable")
    r = np.empty(len(points), dtype=np.int64)
    r[order] = np.arange(1, len(points) + 1)
    return r


def _contenders(names: list[str], points: Array, logs: Array, leader: int, level: float) -> tuple[str, ...]:
    """The leader and every candidate that beats it in ≥ CONTENDER_P of the joint draws or whose interval holds
    the leader's predicted value (the intervals overlap heavily). Intervals here are of the loss relative to the
    mean candidate of each draw: the shared error, which widens every interval alike, never reorders."""
    beat = (logs < logs[leader][None, :]).mean(axis=1)
    rel = logs - logs.mean(axis=0, keepdims=True)
    lo = np.percentile(rel, 50 * (1 - level), axis=1)
    points = points - points.mean()
    return tuple(
        n for i, n in enumerate(names) if i == leader or beat[i] >= CONTENDER_P or lo[i] <= points[leader]
    )


def rank(
    model: RankModel,
    budget: Budget,
    *,
    method: Method = "recommended",
    level: float = 0.9,
    draw_error: DrawErrorHook | Mapping[str, DrawErrorHook] | None = None,
    flip_range: tuple[float, float] | None = None,
) -> Ranking:
    """Rank the model's candidates for each target and combined, at ``budget``.

    ``draw_error`` adds extrapolation error to the draws (a fixed ``DrawError``, or a function of the reach,
    log10(C / the sweep's largest C), such as a ``LearnedDrawError``; or a mapping target → either).
    ``flip_range`` (C_lo, C_hi) scans that range of compute for budgets where the point-predicted winner changes
    (default: a decade either side of a compute budget; none for a fixed N, D).
    """
    if method not in METHODS:
        raise UsageError(f"unknown ranking method {method!r}; expected one of {', '.join(METHODS)}")
    check_level(level)
    top = model.sweep_top_compute
    reach = math.log10(budget.compute / top) if math.isfinite(top) and top > 0 else 0.0
    errs = {
        t: _resolve_draw_error(draw_error.get(t) if isinstance(draw_error, Mapping) else draw_error, reach)
        for t in model.targets
    }
    rng = np.random.default_rng([model.seed, 7919])
    B = model.draws
    warnings: list[str] = []
    bare = [t for t, e in errs.items() if e.shared_sd == 0 and e.specific_sd == 0]
    if bare and reach > 0:
        warnings.append(
            f"intervals and P(best) of {', '.join(bare)} include only the fits' own uncertainty (no "
            "extrapolation-error model): treat them as a lower bound"
        )
    if flip_range is None and budget.C is not None:
        flip_range = (budget.compute / 10.0, budget.compute * 10.0)

    target_rankings: list[TargetRanking] = []
    per_target_logs: dict[str, dict[str, Array]] = {}
    failed_any: dict[str, str] = {}
    for t, weight in model.targets.items():
        err = errs[t]
        shared = err.bias + err.shared_sd * rng.standard_normal(B)
        shared[0] = err.bias
        logs, failed, extra = model.point_and_draws(t, budget, rng, err)
        specific = {name: err.specific_sd * rng.standard_normal(B) for name in model.candidates}
        ok_names: list[str] = []
        ok_logs: list[Array] = []
        for name in model.candidates:
            if name in failed or method not in logs.get(name, {}):
                continue
            lg = logs[name][method] + shared + specific[name]
            lg[0] = logs[name][method][0] + err.bias
            ok_names.append(name)
            ok_logs.append(lg)
        mat = np.vstack(ok_logs) if ok_logs else np.zeros((0, B))
        pb = _p_best(mat[:, 1:] if B > 1 else mat) if len(ok_names) else np.zeros(0)
        ranks = _ranks(mat[:, 0]) if len(ok_names) else np.zeros(0, dtype=np.int64)
        per_target_logs[t] = dict(zip(ok_names, ok_logs, strict=True))
        rows: list[DatasetPrediction] = []
        for name in model.candidates:
            ex = extra.get(name, {})
            meth = logs.get(name, {})

            def pt(m: str, meth: dict[str, Array] = meth, bias: float = err.bias) -> float | None:
                return float(np.exp(meth[m][0] + bias)) if m in meth else None

            if name in ok_names:
                i = ok_names.index(name)
                draws_i = np.exp(mat[i, 1:] if B > 1 else mat[i])
                lo, hi = percentile_interval(draws_i, level)
                rows.append(
                    DatasetPrediction(
                        name,
                        "ok",
                        None,
                        ex.get("N"),
                        ex.get("D"),
                        pt("independent"),
                        pt("translation"),
                        pt("recommended"),
                        float(np.exp(mat[i, 0])),
                        float(lo),
                        float(hi),
                        float(pb[i]),
                        int(ranks[i]),
                        ex.get("trust"),
                        ex.get("measured_top"),
                        tuple(ex.get("notes", ())),
                    )
                )
            else:
                reason = failed.get(name) or _reason(ex.get("notes", ()), method)
                failed_any.setdefault(name, reason)
                rows.append(
                    DatasetPrediction(
                        name,
                        "failed",
                        reason,
                        ex.get("N"),
                        ex.get("D"),
                        pt("independent"),
                        pt("translation"),
                        pt("recommended"),
                        None,
                        None,
                        None,
                        0.0,
                        None,
                        ex.get("trust"),
                        ex.get("measured_top"),
                        tuple(ex.get("notes", ())),
                    )
                )
        rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
        leader, tie, cont = _verdict(ok_names, mat, ranks, pb, B, level)
        flips, curve = (
            _flips(model, t, method, flip_range, budget, err) if flip_range is not None else ((), ())
        )
        target_rankings.append(
            TargetRanking(t, weight, method, tuple(rows), leader, tie, cont, flips, err, curve)
        )

    combined, c_leader, c_tie, c_cont = _combine(model, per_target_logs, failed_any, B, level)
    if len(model.targets) == 1:
        only = target_rankings[0]
        c_leader, c_tie, c_cont = only.leader, only.tie, only.contenders
    return Ranking(
        budget,
        method,
        level,
        B,
        tuple(target_rankings),
        combined,
        c_leader,
        c_tie,
        c_cont,
        errs[next(iter(model.targets))],
        tuple(warnings),
        per_target_logs,
    )


def _reason(notes: Sequence[str], method: str) -> str:
    mine = [n for n in notes if n.startswith(method)]
    if method == "recommended":
        mine += [n for n in notes if n.startswith("translation") or n.startswith("independent")]
    return "; ".join(mine) if mine else f"no {method} prediction"


def _verdict(
    names: list[str], mat: Array, ranks: NDArray[np.int64], pb: Array, B: int, level: float
) -> tuple[str | None, bool, tuple[str, ...]]:
    """Leader, whether the top is a tie (leader's P(best) < TIE_P_BEST or any other contender), contenders."""
    if not names:
        return None, False, ()
    lead = int(np.argmin(ranks))
    if len(names) == 1:
        return names[lead], False, (names[lead],)
    draws = mat[:, 1:] if B > 1 else mat
    cont = _contenders(names, mat[:, 0], draws, lead, level)
    return names[lead], bool(pb[lead] < TIE_P_BEST or len(cont) > 1), cont


def judge(
    names: Sequence[str], draws: Array, level: float = 0.9
) -> tuple[Array, NDArray[np.int64], str | None, bool, tuple[str, ...]]:
    """P(best), ranks, leader, tie and contenders of candidates from their values per joint draw (M, B), draw 0
    the point, LOWER being better (negate a quantity where higher is better), as ``rank`` judges losses."""
    mat = np.asarray(draws, dtype=np.float64).reshape(len(names), -1)
    B = mat.shape[1]
    if not len(names):
        return np.zeros(0), np.zeros(0, dtype=np.int64), None, False, ()
    pb = _p_best(mat[:, 1:] if B > 1 else mat)
    ranks = _ranks(mat[:, 0])
    leader, tie, cont = _verdict(list(names), mat, ranks, pb, B, level)
    return pb, ranks, leader, tie, cont


def _combine(
    model: RankModel,
    per_target: Mapping[str, Mapping[str, Array]],
    failed: Mapping[str, str],
    B: int,
    level: float,
) -> tuple[tuple[CombinedRow, ...], str | None, bool, tuple[str, ...]]:
    """Weighted mean over targets of log predicted loss relative to the mean candidate, per joint draw.

    Relative log losses make targets with different scales comparable (a difference of 0.01 is 1 % on any eval)
    and keep margins (a mean of ranks would count a 0.1 % win like a 10 % one). A candidate missing any target with
    positive weight is left out of the combined ranking and listed with the reason.
    """
    names = [
        n for n in model.candidates if all(n in per_target[t] for t, w in model.targets.items() if w > 0)
    ]
    rows: list[CombinedRow] = []
    if not names:
        return (
            tuple(
                CombinedRow(
                    n, "failed", failed.get(n, "no target could be predicted"), None, None, None, 0.0, None
                )
                for n in model.candidates
            ),
            None,
            False,
            (),
        )
    total = sum(w for w in model.targets.values() if w > 0)
    score = np.zeros((len(names), B))
    for t, w in model.targets.items():
        if w <= 0:
            continue
        mat = np.vstack([per_target[t][n] for n in names])
        score += (w / total) * (mat - mat.mean(axis=0, keepdims=True))
    pb = _p_best(score[:, 1:] if B > 1 else score)
    ranks = _ranks(score[:, 0])
    for i, n in enumerate(names):
        lo, hi = percentile_interval(score[i, 1:] if B > 1 else score[i], level)
        rows.append(
            CombinedRow(n, "ok", None, float(score[i, 0]), float(lo), float(hi), float(pb[i]), int(ranks[i]))
        )
    for n in model.candidates:
        if n not in names:
            reason = failed.get(n, "missing a target")
            rows.append(CombinedRow(n, "failed", reason, None, None, None, 0.0, None))
    rows.sort(key=lambda r: (r.rank is None, r.rank or 0, r.dataset))
    leader, tie, cont = _verdict(names, score, ranks, pb, B, level)
    return tuple(rows), leader, tie, cont


def point_predictions(
    model: RankModel, target: str, budget: Budget, method: Method, draw_error: DrawError | None = None
) -> dict[str, float]:
    """Point-predicted target loss of every candidate that has one (the draws only set the trust in each law)."""
    logs, _, _ = model.point_and_draws(target, budget, np.random.default_rng(0), draw_error or DrawError())
    return {n: float(np.exp(v[method][0])) for n, v in logs.items() if method in v}


def _flips(
    model: RankModel,
    target: str,
    method: Method,
    rng_c: tuple[float, float],
    budget: Budget,
    err: DrawError,
) -> tuple[tuple[Flip, ...], tuple[CurvePoint, ...]]:
    """Budgets in ``rng_c`` where the point-predicted winner changes (grid of 25 per range, then bisection), and
    the point predictions on that grid.

    With a fixed (N, D), the model is scaled along N ∝ D (its own tokens-per-parameter ratio kept)."""
    lo, hi = rng_c
    if not (0 < lo < hi):
        raise UsageError(f"the budget range must satisfy 0 < low < high, got {rng_c}")

    def at(c: float) -> Budget:
        if budget.N is not None and budget.D is not None:
            s = math.sqrt(c / budget.compute)
            return Budget(N=budget.N * s, D=budget.D * s, flops_per_param_token=budget.flops_per_param_token)
        return Budget(C=c, flops_per_param_token=budget.flops_per_param_token)

    def winner(c: float) -> str | None:
        pts = point_predictions(model, target, at(c), method, err)
        return min(pts, key=lambda k: pts[k]) if pts else None

    grid = np.geomspace(lo, hi, 25)
    curve: list[CurvePoint] = []
    wins: list[str | None] = []
    for c in grid:
        pts = point_predictions(model, target, at(float(c)), method, err)
        curve.append(CurvePoint(float(c), tuple(pts.items())))
        wins.append(min(pts, key=lambda k: pts[k]) if pts else None)
    flips: list[Flip] = []
    for k in range(len(grid) - 1):
        a, b = wins[k], wins[k + 1]
        if a is None or b is None or a == b:
            continue
        la, lb = math.log(grid[k]), math.log(grid[k + 1])
        for _ in range(20):
            mid = 0.5 * (la + lb)
            if winner(math.exp(mid)) == a:
                la = mid
            else:
                lb = mid
        flips.append(Flip(math.exp(0.5 * (la + lb)), a, b))
    return tuple(flips), tuple(curve)


def rank_datasets(
    candidates: Sequence[Candidate],
    targets: str | Sequence[str] | Mapping[str, float],
    budget: Budget,
    *,
    method: Method = "recommended",
    form: str = "l2l",
    draws: int = 50,
    seed: int = 0,
    level: float = 0.9,
    draw_error: DrawErrorHook | Mapping[str, DrawErrorHook] | None = None,
    backtest: bool = True,
    flip_range: tuple[float, float] | None = None,
) -> Ranking:
    """Fit and rank in one call: ``fit_rank_model`` then ``rank``.

    Without a ``draw_error`` and with ``backtest``, each target's extrapolation error is learned inside the
    sweep (``learn_draw_error``: the largest budget held out, twice the fits); a target whose sweep is too
    small for that is ranked with the fits' own uncertainty only, and the ranking says so."""
    model = fit_rank_model(candidates, targets, form=form, draws=draws, seed=seed)
    notes: list[str] = []
    if draw_error is None and backtest:
        learned: dict[str, DrawErrorHook] = {}
        for t in model.targets:
            try:
                learned[t] = learn_draw_error(candidates, t, form=form, draws=draws, seed=seed)
            except FitError as exc:
                notes.append(f"no extrapolation error learned for {t}: {exc}")
        draw_error = learned
    res = rank(model, budget, method=method, level=level, draw_error=draw_error, flip_range=flip_range)
    if notes:
        res = dataclasses.replace(res, warnings=(*res.warnings, *notes))
    return res


@dataclass(frozen=True)
class LearnedDrawError:
    """Extrapolation error learned inside the sweep, usable as ``draw_error``: called with a reach (log10 of
    the target compute over the sweep's largest) it gives a ``DrawError`` grown linearly from the one step
    measured. ``specific_sd`` and ``shared`` are the spread across datasets and the mean, on log loss, of the
    anchored predictions' errors at ``reach``; the shared part is returned as a spread (``shared_sd``), not a
    bias, since one step cannot tell a bias's sign at another reach."""

    target: str
    reach: float
    specific_sd: float
    shared: float
    errors: Mapping[str, float]

    def __call__(self, reach: float) -> DrawError:
        scale = max(reach, 0.0) / self.reach if self.reach > 0 else 0.0
        return DrawError(0.0, abs(self.shared) * scale, self.specific_sd * scale)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "reach": float(self.reach),
            "specific_sd": float(self.specific_sd),
            "shared": float(self.shared),
            "errors": {k: float(v) for k, v in self.errors.items()},
        }


def learn_draw_error(
    candidates: Sequence[Candidate],
    target: str,
    *,
    form: str = "l2l",
    draws: int = 50,
    seed: int = 0,
    anchor_source: Literal["independent", "translation"] = "translation",
    fits: dict[tuple[str, str], _Fitted | FitError] | None = None,
) -> LearnedDrawError:
    """Hold out the sweep's largest budget, fit on the rest, and measure how far the anchored predictions (no
    shrinkage) of each candidate's held-out runs on ``target`` miss, shared and dataset-specific parts apart.

    ``fits`` caches the laws of the shortened sweep (keyed like ``fit_rank_model``'s). Raises FitError when
    fewer than 3 candidates can be backtested."""
    tops = [float(c.runs[target].C.max()) for c in candidates if target in c.runs and len(c.runs[target])]
    if not tops:
        raise FitError(f"no candidate has runs on {target}")
    top = max(tops)
    cut = top * (1 - 1e-9)
    short: list[Candidate] = []
    for c in candidates:
        runs = {ev: r.subset(~_at_top(r.C, cut)) for ev, r in c.runs.items()}
        short.append(Candidate(c.name, c.own_eval, runs))
    model = fit_rank_model(
        short, target, form=form, draws=draws, seed=seed, anchor_source=anchor_source, fits=fits
    )
    errors: dict[str, float] = {}
    for c in candidates:
        r = c.runs.get(target)
        e = model.entries[target][c.name]
        if r is None or not len(e.anchor_n):
            continue
        held = _at_top(r.C, cut)
        if not held.any():
            continue
        try:
            at_held = model._method_logs(e, r.N[held], r.D[held], anchor_source)[0].mean()
            at_anchor = model._method_logs(e, e.anchor_n, e.anchor_d, anchor_source)[0].mean()
        except FitError:
            continue
        errors[c.name] = float(e.anchor_log + at_held - at_anchor - np.mean(np.log(r.loss[held])))
    if len(errors) < 3:
        raise FitError(
            f"only {len(errors)} candidates could be backtested on {target} (need 3): "
            "too few budgets below the largest to fit on"
        )
    err = np.array(list(errors.values()))
    shared = float(err.mean())
    specific_sd = float(np.sqrt(np.sum((err - shared) ** 2) / (len(err) - 1)))
    new_top = max(float(e.top_compute) for e in model.entries[target].values())
    return LearnedDrawError(target, math.log10(top / new_top), specific_sd, shared, errors)


def single_scale_ranking(candidates: Sequence[Candidate], target: str) -> dict[str, float]:
    """The baseline: each candidate's mean measured loss on ``target`` over its runs at its largest budget."""
    out: dict[str, float] = {}
    for c in candidates:
        r = c.runs.get(target)
        if r is None or len(r) == 0:
            continue
        top = _at_top(r.C)
        out[c.name] = float(np.mean(r.loss[top]))
    return out


__all__ = [
    "METHODS",
    "Budget",
    "Candidate",
    "CombinedRow",
    "CurvePoint",
    "DatasetPrediction",
    "DrawError",
    "Flip",
    "LearnedDrawError",
    "RankModel",
    "Ranking",
    "TargetRanking",
    "fit_rank_model",
    "judge",
    "learn_draw_error",
    "point_predictions",
    "rank",
    "rank_datasets",
    "single_scale_ranking",
]
