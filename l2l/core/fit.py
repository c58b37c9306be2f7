"""Fitting scaling laws: the global optimum of the log-Huber objective, honest diagnostics, bootstrap intervals.

``fit_law`` fits one law to arrays of N, D and loss; ``run_fits`` fits many (in a process pool when asked);
``FitCache`` keeps fits keyed by exactly what they were fitted on. Arrays in, frozen results out; nothing here
prints or knows a run table (``l2l.workflows.lawbook`` fits laws out of one).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.checks import as_numbers, check_choice, check_level, is_real
from l2l.base.errors import FitError, LengthMismatchError, RecordError, TooFewRunsError, UsageError
from l2l.base.schema import FIT_FORMS, OBJECTIVES, RESAMPLES, FitForm
from l2l.base.text import plural
from l2l.core.laws import PARAM_NAMES, Array, Form, ScalingLaw, check_form, log_loss, paired
from l2l.core.search import (
    AB_BOUNDS,
    E_SPAN,
    EXPONENT_BOUNDS,
    LOOSE_ITERATIONS,
    Objective,
    Problem,
    find_minimum,
    polish_rows,
    profile_starts,
    weighted_refit,
    weighted_refits,
)
from l2l.core.sweep import allocation_unidentified, one_budget

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


@dataclass(frozen=True, eq=False)
class LawFit:
    """A fitted scaling law with the statistics of its fit.

    ``objective_value`` is the objective as defined (Σ Huber_δ(log L − log L̂), or Σ (log L − log L̂)² for mse),
    unscaled. ``r2`` and ``rmse`` are of log loss. ``at_bounds`` names parameters that ended on a bound of the
    search box (the data did not pin them down); ``warnings`` says it in words. ``bootstrap`` holds the refitted
    optimizer coordinates of each bootstrap draw (B, P) when one was run.
    """

    law: ScalingLaw
    dataset: str
    eval: str
    objective: Objective
    delta: float
    objective_value: float
    n_points: int
    r2: float
    rmse: float
    converged: bool
    at_bounds: tuple[str, ...]
    warnings: tuple[str, ...]
    n_starts: int
    min_loss: float
    bootstrap: Array | None = None
    bootstrap_seed: int | None = None
    bootstrap_unit: str | None = None

    @property
    def form(self) -> Form:
        return self.law.form

    def predict(self, N: ArrayLike, D: ArrayLike) -> Array:
        return self.law.predict(N, D)

    def predict_interval(self, N: ArrayLike, D: ArrayLike, level: float = 0.95) -> tuple[Array, Array] | None:
        """Percentile interval of the prediction over bootstrap draws, or None when none were run."""
        if self.bootstrap is None:
            return None
        n, d = paired(np.asarray(N, dtype=np.float64), np.asarray(D, dtype=np.float64))
        preds = np.exp(log_loss(self.form, self.bootstrap, np.log(n.ravel()), np.log(d.ravel())))  # (B, k)
        lo, hi = percentile_interval(preds, level)
        return lo.reshape(n.shape), hi.reshape(n.shape)

    def parameter_intervals(self, level: float = 0.95) -> dict[str, tuple[float, float]]:
        """Percentile intervals of A, B, E, α, β and a = β/(α+β) over bootstrap draws (empty without them), each
        widened to hold the fitted value: the draws of a skewed parameter can put the fit outside its own central
        percentiles at a low level (B 3.78e8 [3.49e8, 3.77e8] at 50 %), an interval no reader expects."""
        if self.bootstrap is None:
            return {}
        laws = [ScalingLaw.from_theta(self.form, t) for t in self.bootstrap]
        out: dict[str, tuple[float, float]] = {}
        for name in ("A", "B", "E", "alpha", "beta", "a"):
            if name == "E" and self.form == "kaplan":
                continue
            vals = np.array([lw.a_opt if name == "a" else getattr(lw, name) for lw in laws])
            lo, hi = percentile_interval(vals, level)
            point = float(self.law.a_opt if name == "a" else getattr(self.law, name))
            out[name] = (min(float(lo), point), max(float(hi), point))
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {"dataset": self.dataset, "eval": self.eval}
        d.update(self.law.to_dict())
        d.update(
            {
                "objective": self.objective,
                "delta": self.delta if self.objective == "huber" else None,
                "objective_value": self.objective_value,
                "n_points": self.n_points,
                "r2": self.r2,
                "rmse": self.rmse,
                "converged": self.converged,
                "at_bounds": list(self.at_bounds),
                "warnings": list(self.warnings),
                "n_starts": self.n_starts,
            }
        )
        if self.bootstrap is not None:
            d["bootstrap"] = {
                "draws": int(self.bootstrap.shape[0]),
                "seed": self.bootstrap_seed,
                "unit": self.bootstrap_unit,
                "intervals_95": {k: list(v) for k, v in self.parameter_intervals().items()},
            }
        return d

    # -- persistence (saved fits in the workspace) ----------------------------------------------------------
    def to_record(self) -> dict[str, Any]:
        """Everything needed to rebuild this fit exactly (``from_record``), JSON-safe."""
        rec = self.to_dict()
        rec["theta"] = [float(t) for t in self.law.theta]
        rec["min_loss"] = self.min_loss
        rec["bootstrap_theta"] = None if self.bootstrap is None else self.bootstrap.tolist()
        return rec

    @classmethod
    def from_record(cls, rec: Mapping[str, Any]) -> LawFit:
        """The fit ``to_record`` wrote; RecordError (an l2l error) naming what is missing or malformed (a library
        user's ``LawFit.from_record({})`` raised Python's KeyError: p70). A law file is checked field by field
        before it gets here (``l2l.workflows.lawfile``)."""
        try:
            return cls._from_record(rec)
        except KeyError as exc:
            raise RecordError(f"law record: missing field {exc}") from None
        except (TypeError, ValueError, IndexError, AttributeError, OverflowError) as exc:
            raise RecordError(f"law record: {exc}") from None

    @classmethod
    def _from_record(cls, rec: Mapping[str, Any]) -> LawFit:
        boot = rec.get("bootstrap_theta")
        binfo = rec.get("bootstrap") or {}
        # theta is the law; its plain A, B, E where they are theta's to the last bits: exp(log A) misses A by the
        # last bit for some laws, and a warm command then printed other last digits than a cold one (4 of 1,248
        # laws of a 24-dataset table). A record whose plain values disagree with theta keeps theta's (a law file
        # checks that disagreement and refuses it).
        law = ScalingLaw.from_theta(rec["form"], rec["theta"])
        names = ("A", "B", "E", "alpha", "beta")
        if all(isinstance(rec.get(k), (int, float)) for k in names):
            plain = ScalingLaw(law.form, *(float(rec[k]) for k in names))
            if all(
                math.isclose(getattr(plain, k), getattr(law, k), rel_tol=1e-12, abs_tol=0.0) for k in names
            ):
                law = plain
        return cls(
            law=law,
            dataset=rec["dataset"],
            eval=rec["eval"],
            objective=rec["objective"],
            delta=float(rec["delta"]) if rec.get("delta") is not None else 1e-3,
            objective_value=float(rec["objective_value"]),
            n_points=int(rec["n_points"]),
            r2=float(rec["r2"]),
            rmse=float(rec["rmse"]),
            converged=bool(rec["converged"]),
            at_bounds=tuple(rec["at_bounds"]),
            warnings=tuple(rec["warnings"]),
            n_starts=int(rec["n_starts"]),
            min_loss=float(rec["min_loss"]),
            bootstrap=None if boot is None else np.asarray(boot, dtype=np.float64),
            bootstrap_seed=binfo.get("seed"),
            bootstrap_unit=binfo.get("unit"),
        )


def percentile_interval(samples: ArrayLike, level: float = 0.95) -> tuple[Array, Array]:
    """The central ``level`` percentile interval of ``samples`` over their first axis (bootstrap draws)."""
    check_level(level)
    lo, hi = np.percentile(
        np.asarray(samples, dtype=np.float64), [50 * (1 - level), 50 * (1 + level)], axis=0
    )
    return np.asarray(lo, dtype=np.float64), np.asarray(hi, dtype=np.float64)


_BLAS: Any = None


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    """Run with BLAS limited to one thread, for this block only.

    A fit makes thousands of tiny BLAS calls (5×90 products, 5×5 solves). OpenBLAS's default pool of one thread
    per core gains nothing on them and, when another process holds a core, spins against it: 20 fits of the
    paper's table took 17.1 s with the default pool and 5.2 s with one thread on the 2-core machine.
    """
    global _BLAS
    if _BLAS is None:
        import scipy.optimize  # noqa: F401  (load scipy's own BLAS first, so the controller sees it too)
        from threadpoolctl import ThreadpoolController

        _BLAS = ThreadpoolController()
    with _BLAS.limit(limits=1, user_api="blas"):
        yield


def _label(dataset: str, eval: str) -> str:
    return f"{dataset}/{eval}" if dataset or eval else "these runs"


def _columns(N: ArrayLike, D: ArrayLike, loss: ArrayLike) -> tuple[Array, Array, Array]:
    """N, D and loss as flat float arrays; text or other non-numbers a UsageError (``fit_law(["a", "b"], ...)``
    raised numpy's "could not convert string to float"). Their values are judged by ``_check_data``."""
    return tuple(  # type: ignore[return-value]
        as_numbers(v, name, positive=False, largest=None, smallest=None, empty_ok=True)
        for v, name in ((N, "N"), (D, "D"), (loss, "loss"))
    )


def distinct_models(n: Array, d: Array) -> int:
    """How many distinct models (N, D) the runs are: models within ~1 % in N and D are one model (a repeat whose
    token count differs by one batch is a seed)."""
    step = math.log1p(0.01)
    return len(
        set(zip(np.round(np.log(n) / step).tolist(), np.round(np.log(d) / step).tolist(), strict=True))
    )


def why_no_law(n: Array, d: Array, label: str) -> str | None:
    """Why runs at (n, d) could identify no law of any form, however many runs a cut of them leaves (None where
    some form could): more distinct models than the fewest parameters of any form, at 3 distinct N and 3 distinct
    D. Said as a fit of the default form on all the runs says it (``_check_data``), so that a table's refusal names
    its own shortfall, not a held-out cut's run count (h55: a sweep of one N was told "5 runs cannot fit")."""
    fewest = min(len(names) for names in PARAM_NAMES.values())
    if distinct_models(n, d) > fewest and len(np.unique(n)) >= 3 and len(np.unique(d)) >= 3:
        return None
    try:
        # every such table fails the default form's checks too: it needs more models than the fewest parameters
        _check_data("l2l", n, d, np.ones(len(n)), label)
    except FitError as refusal:
        return str(refusal)
    return f"{label}: its runs cannot identify a law"  # pragma: no cover - the checks above imply a refusal


def can_identify_a_law(n: Array, d: Array) -> bool:
    """Whether runs at (n, d) could identify a law of some form (``why_no_law`` says why not)."""
    return why_no_law(n, d, "") is None


def _on_one_line(n: Array, d: Array, needed: int) -> str:
    """What runs all at about one tokens per parameter need for a law (``needed`` distinct models: that many
    sizes on their line), said after the refusal; "" for runs spread in D/N. A DataDecide-like ladder of 5 sizes
    was told of "3 model sizes and 3 token counts" only; five sizes on one line give one backtest each, and l2l's
    line-backtest interval from one (``LineBacktest.half_width``) held 53-61 % at a stated 90 % (helper h49)."""
    if not len(n) or allocation_unidentified(n, d) is None:
        return ""
    sizes = len(np.unique(np.round(np.log(n) / math.log1p(0.01))))
    ratio = float(np.median(d / n))
    more = needed - sizes
    return (
        f": its {plural(sizes, 'model size')} {'lies' if sizes == 1 else 'lie'} on one line of about {ratio:.3g} "
        "tokens per parameter, where a "
        f"law needs {needed} sizes, {more} more (or runs at other tokens per parameter: 3 sizes × 3 token counts)"
        if more > 0
        else ""
    )


def _check_data(form: str, n: Array, d: Array, loss: Array, label: str) -> None:
    p = len(PARAM_NAMES[form])
    if not (len(n) == len(d) == len(loss)):
        raise LengthMismatchError(
            f"{label}: N, D and loss have different lengths ({len(n)}, {len(d)}, {len(loss)})"
        )
    for name, arr in (("N", n), ("D", d), ("loss", loss)):
        bad = ~np.isfinite(arr) | (arr <= 0)
        if bad.any():
            raise FitError(
                f"{label}: {name} must be finite and > 0 (row {int(np.argmax(bad))} is {arr[bad][0]})"
            )
    if len(loss) == 0:
        raise FitError(f"{label}: no runs (these models were never measured on this eval)")
    if len(loss) < p + 1:
        raise TooFewRunsError(
            f"{label}: {plural(len(loss), 'run')} cannot fit a {form} law, which has {p} parameters (needs at "
            f"least {p + 1}){_on_one_line(n, d, p + 1)}"
        )
    models = distinct_models(n, d)
    if models < p + 1:
        # DCLM: a set's 6 runs were 3 models (4 seeds of one), on one D = 20 N line: α = 0.99, β = 0.05, "ok"
        raise TooFewRunsError(
            f"{label}: {plural(len(loss), 'run')} of only {plural(models, 'distinct model')} (N, D) cannot fit a "
            f"{form} law, which has {p} parameters (needs at least {p + 1} distinct models; repeats of one "
            "model pin down its loss, not the law's shape)"
        )
    for name, arr in (("N", n), ("D", d)):
        k = len(np.unique(arr))
        if k < 3:
            raise FitError(
                f"{label}: only {k} distinct value{'s' if k > 1 else ''} of {name}; a scaling law needs at least 3 "
                f"to identify its {name} term",
                hint=f"add runs at more {'model sizes' if name == 'N' else 'token counts'}",
            )


def _bound_report(problem: Problem, theta: Array) -> tuple[tuple[str, ...], tuple[str, ...]]:
    lo, hi = problem.bounds()
    span = hi - lo
    hits: list[str] = []
    words: list[str] = []
    pretty = {"a": "A", "b": "B", "e": "E", "alpha": "α", "beta": "β"}
    for k, name in enumerate(PARAM_NAMES[problem.form]):
        at_lo = theta[k] <= lo[k] + 1e-6 * span[k]
        at_hi = theta[k] >= hi[k] - 1e-6 * span[k]
        if not (at_lo or at_hi):
            continue
        key = {"a": "A", "b": "B", "e": "E"}.get(name, name)
        hits.append(key)
        if name == "e" and at_lo:
            words.append("E → 0 (at its lower bound): the data do not show an irreducible loss")
        elif name == "e":
            words.append(f"E reached the smallest loss seen ({math.exp(hi[k]):.4g}), its upper bound")
        elif name in ("alpha", "beta"):
            words.append(
                f"{pretty[name]} = {theta[k]:.3g} is at the edge of its box {EXPONENT_BOUNDS}: not identified"
            )
        else:
            words.append(
                f"{pretty[name]} = e^{theta[k]:.3g} is at the edge of its box e^{AB_BOUNDS}: not identified"
            )
    return tuple(hits), tuple(words)


def fit_law(
    N: ArrayLike,
    D: ArrayLike,
    loss: ArrayLike,
    *,
    form: str = "l2l",
    objective: Objective = "huber",
    delta: float = 1e-3,
    dataset: str = "",
    eval: str = "",
    starts: ArrayLike | None = None,
    thorough: bool = False,
) -> LawFit:
    """Fit one scaling law by the global minimum of the objective over many starts.

    The starts are data-driven: variable projection scores a grid of (E, α, β) with A and B solved in closed
    form; the best are moved at once by a batched IRLS Levenberg-Marquardt search, the best end point is polished
    by L-BFGS-B with analytic gradients, and the winner is restarted to confirm it (``l2l.core.search.find_minimum``).
    Raises ``FitError`` when the data cannot identify the law; reports (``at_bounds``, ``warnings``,
    ``converged``) when a fit ends on a bound or does not settle.

    A fit that ends on a bound is explored further by batched descent from ~150 diverse starts (variable
    projection and Hoffmann et al.'s grid). ``thorough`` explores every fit, also from every start of that grid:
    the breadth of the plain loop, batched (seconds per fit).
    """
    with single_threaded_blas():
        return _fit(N, D, loss, form, objective, delta, dataset, eval, starts, thorough)


def _fit(
    N: ArrayLike,
    D: ArrayLike,
    loss: ArrayLike,
    form: str,
    objective: Objective,
    delta: float,
    dataset: str,
    eval: str,
    starts: ArrayLike | None,
    thorough: bool = False,
) -> LawFit:
    f = check_form(form)
    if objective not in ("huber", "mse"):
        raise FitError(f"unknown objective {objective!r}; expected huber or mse")
    if not (delta > 0 and math.isfinite(delta)):
        raise FitError(f"the Huber delta must be a positive number, got {delta}")
    n, d, y = _columns(N, D, loss)
    label = _label(dataset, eval)
    _check_data(f, n, d, y, label)
    problem = Problem(f, np.log(n), np.log(d), np.log(y), objective, delta)
    found = find_minimum(
        problem, None if starts is None else np.asarray(starts, dtype=np.float64), thorough=thorough
    )
    theta, value, converged = found.theta, found.value, found.converged
    if not np.all(np.isfinite(theta)) or not math.isfinite(value):
        raise FitError(f"{label}: the fit did not produce finite parameters")
    at_bounds, words = _bound_report(problem, theta)
    warnings = list(words)
    if not converged:
        warnings.append("the optimizer did not settle (restarting from its end point still moved it)")
    r = problem.residuals(theta)
    warnings += _far_runs(r, n, d, y)
    for unidentified in (allocation_unidentified(n, d), one_budget(n, d)):
        if unidentified is not None:
            warnings.append(unidentified)
    ss_tot = float(np.sum((problem.log_l - problem.log_l.mean()) ** 2))
    r2 = 1.0 - float(np.sum(r * r)) / ss_tot if ss_tot > 0 else 1.0
    return LawFit(
        law=ScalingLaw.from_theta(f, theta),
        dataset=dataset,
        eval=eval,
        objective=objective,
        delta=delta,
        objective_value=value,
        n_points=len(y),
        r2=r2,
        rmse=float(np.sqrt(np.mean(r * r))),
        converged=converged,
        at_bounds=at_bounds,
        warnings=tuple(warnings),
        n_starts=found.n_starts,
        min_loss=float(y.min()),
    )


#: A run this far from its law (|log residual|), and this many robust SDs of the others, is named: a diverged or
#: mislabelled run (the Huber loss keeps it from moving the law, but the law's RMSE and R² still carry it).
FAR_RUN_LOG = 0.1
FAR_RUN_SDS = 8.0
#: the words of that warning (``fit-law``'s flags column says "far runs" where a law's warnings hold them)
FAR_RUNS = "far from the law"


def robust_sd(r: ArrayLike) -> float:
    """1.4826 × the median |r|: the sd of normal residuals ``r`` (about 0), robust to a few far ones. The median
    from one sort, ``np.median``'s value bit for bit (the middle value, or the mean of the middle two; nan with a
    nan) at an eighth of its cost: ``evaluate`` takes it of a law's tens of residuals thousands of times."""
    a = np.sort(np.abs(np.asarray(r, dtype=np.float64)).ravel())
    n = len(a)
    if n == 0 or np.isnan(a[-1]):
        return 1.4826 * float(np.median(a))
    m = n // 2
    return 1.4826 * float(a[m] if n % 2 else (a[m - 1] + a[m]) / 2)


def far_mask(r: Array) -> NDArray[np.bool_]:
    """Which log residuals ``r`` (``log_residuals``) lie far from the law: beyond ``FAR_RUN_LOG`` and
    ``FAR_RUN_SDS`` robust sds of them all."""
    a = np.abs(r)
    return np.asarray((a > FAR_RUN_LOG) & (a > FAR_RUN_SDS * robust_sd(r)), dtype=np.bool_)


#: A run nearer its law than ``FAR_RUN_LOG`` is far all the same where it lies alone: beyond this (and
#: ``FAR_RUN_SDS`` robust sds) while its ``NEIGHBOUR_RUNS`` nearest runs in (log N, log D) lie on the law, none of
#: them off it on its side by half as much or by this much (``isolated_mask``). A grid's largest run 10 % high (log
#: 0.095, short of 0.1: ``shapes.diverged_top``) was scored in the backtests that choose the form: Eq. 1 was chosen
#: over the true Eq. 3 and ``optimal --C 1e21`` put code's N* at 6.09B for a truth of 4.11B (helpers h86, h88). A
#: budget whose runs all lie 6 % off is no run alone: each has a neighbour as far off, and the law is judged poor by
#: them (a lower distance for every run, 0.05, dropped them all and left such a law unflagged). On the paper's 168
#: laws no fitted run lies beyond both this and 8 robust sds (3 lie beyond 8 robust sds, at 1.8-2.0 %).
ISOLATED_RUN_LOG = 0.03
NEIGHBOUR_RUNS = 3


def isolated_mask(r: Array, N: ArrayLike, D: ArrayLike) -> NDArray[np.bool_]:
    """Which runs, of log residuals ``r`` at (``N``, ``D``), lie off the law beyond ``ISOLATED_RUN_LOG`` and
    ``FAR_RUN_SDS`` robust sds of them all while their ``NEIGHBOUR_RUNS`` nearest runs in (log N, log D) (repeats
    of a model included) each lie off it on the same side by less than half as much and less than
    ``ISOLATED_RUN_LOG``: one run parting from its neighbours, which lie on the law (a diverged or mislabelled run),
    not the law parting from its runs (a run 10 % high beside neighbours 4 % high is the end of a sweep the law
    misses, which ``l2l.core.selection.top_miss`` must see)."""
    r = np.asarray(r, dtype=np.float64)
    a = np.abs(r)
    out = np.zeros(len(r), dtype=np.bool_)
    cand = np.flatnonzero((a > ISOLATED_RUN_LOG) & (a > FAR_RUN_SDS * robust_sd(r)))
    if not len(cand) or len(r) <= NEIGHBOUR_RUNS:
        return out
    x = np.column_stack([np.log(np.asarray(N, dtype=np.float64)), np.log(np.asarray(D, dtype=np.float64))])
    for i in cand:
        dist = np.hypot(*(x - x[i]).T)
        dist[i] = np.inf
        near = np.argsort(dist, kind="stable")[:NEIGHBOUR_RUNS]
        out[i] = bool(np.all(np.sign(r[i]) * r[near] < min(a[i] / 2, ISOLATED_RUN_LOG)))
    return out


def far_of(r: Array, N: ArrayLike, D: ArrayLike) -> NDArray[np.bool_]:
    """Which runs, of log residuals ``r`` at (``N``, ``D``), lie far from the law: the rule of fit-law's "far from
    the law" warning, which the backtests and the judge of a law's largest runs leave out (``far_runs``): beyond
    ``FAR_RUN_LOG`` (``far_mask``), or alone beyond ``ISOLATED_RUN_LOG`` (``isolated_mask``)."""
    return far_mask(r) | isolated_mask(r, N, D)


def log_residuals(
    fit: LawFit, N: ArrayLike, D: ArrayLike, loss: ArrayLike, *, predicted: ArrayLike | None = None
) -> Array:
    """log(loss) − log(law) of runs (N, D, loss): each run's own, whatever other runs are scored with it (a caller
    that scores many subsets of the same runs computes them once and indexes them). ``predicted``: the law at
    (N, D), when the caller has it (``Sweep.predicted``)."""
    law = fit.predict(N, D) if predicted is None else predicted
    return np.log(np.asarray(loss, dtype=np.float64)) - np.log(np.asarray(law, dtype=np.float64))


def far_runs(
    fit: LawFit, N: ArrayLike, D: ArrayLike, loss: ArrayLike, *, predicted: ArrayLike | None = None
) -> NDArray[np.bool_]:
    """Which runs (N, D, loss) lie far from the fitted law, by the rule of its "far from the law" warning: runs
    that diverged or were mislabelled, which say nothing of how well the law extrapolates (``predicted``: see
    ``log_residuals``)."""
    return far_of(log_residuals(fit, N, D, loss, predicted=predicted), N, D)


def _far_runs(r: Array, n: Array, d: Array, y: Array) -> list[str]:
    """A warning naming the runs that lie far from the law (none when none do), and where the farthest run's loss
    is a perplexity whose logarithm lies on the law, says so (a run logged as exp(loss), 12.45 among 2.5s, was
    "diverged or mislabelled?": probe p71)."""
    a = np.abs(r)
    far = np.flatnonzero(far_of(r, n, d))
    if not len(far):
        return []
    k = int(far[np.argmax(a[far])])
    # r = log(loss) − log(law): the run's loss is this much above (+) or below (−) its law
    worst = f"{100 * math.expm1(float(r[k])):+.1f} % at N = {n[k]:.3g}, D = {d[k]:.3g}"
    many = f"{len(far)} runs lie" if len(far) > 1 else "a run lies"
    law_k = float(y[k]) * math.exp(-float(r[k]))
    ppl = ""
    if y[k] > math.e and abs(math.log(math.log(float(y[k])) / law_k)) < 0.05:
        ppl = (
            f"; its loss {float(y[k]):.4g} reads as a perplexity: ln({float(y[k]):.4g}) = "
            f"{math.log(float(y[k])):.4g} lies on the law ({law_k:.4g})"
        )
    return [
        f"{many} {FAR_RUNS} (largest: {worst}{ppl}): diverged or mislabelled? The Huber loss keeps a few such "
        "runs from moving the law (a whole size of them can still bend it), but its RMSE and R² include them "
        "(fit-law --residuals lists every run)"
    ]


def bootstrap_law(
    fit: LawFit,
    N: ArrayLike,
    D: ArrayLike,
    loss: ArrayLike,
    *,
    draws: int = 1000,
    seed: int = 0,
    groups: ArrayLike | None = None,
    unit: str = "run",
    progress: Callable[[int, int], None] | None = None,
) -> LawFit:
    """Resample runs (or whole groups of runs, e.g. all runs of one model size) with replacement and refit.

    Every draw starts from the best fit (warm start). A draw is a reweighting of the original points by how often
    each was drawn, so all draws are refitted together in the batched engine, then polished one by one only where
    the batched result has not settled. Reproducible: the draws depend only on ``seed``.
    """
    if draws < 2:
        raise FitError("a bootstrap needs at least 2 draws")
    check_choice(unit, RESAMPLES, "resampling unit", "unit")
    n, d, y = _columns(N, D, loss)
    _check_data(fit.form, n, d, y, _label(fit.dataset, fit.eval))  # (mismatched lengths raised numpy's error)
    problem = Problem(fit.form, np.log(n), np.log(d), np.log(y), fit.objective, fit.delta)
    counts = _draw_counts(len(y), draws, seed, groups)
    with single_threaded_blas():
        thetas = weighted_refit(
            problem, fit.law.theta, counts, loose_iterations=_loose(fit), progress=progress
        )
    return LawFit(**{**fit.__dict__, "bootstrap": thetas, "bootstrap_seed": seed, "bootstrap_unit": unit})


#: The values of E a profile over E holds (``profile_over_e``), as fractions of the smallest loss: from near the
#: lower bound (E → 0) up to near the smallest loss, evenly in E.
PROFILE_E_GRID = tuple(float(v) for v in np.linspace(0.04, 0.96, 24))


@dataclass(frozen=True, eq=False)
class EProfile:
    """A law refitted with E held at each of ``E`` (``profile_over_e``): each refit's optimizer coordinates
    (``thetas``, (K, P)) and objective (``values``, unscaled, as ``LawFit.objective_value``)."""

    E: Array
    thetas: Array
    values: Array

    def laws(self, form: Form, within: float) -> list[ScalingLaw]:
        """The refitted laws whose objective is at most ``within``."""
        return [
            ScalingLaw.from_theta(form, t)
            for t, v in zip(self.thetas, self.values, strict=True)
            if v <= within
        ]

    def kept_with(self, fit: LawFit) -> LawFit:
        """This profile of ``fit`` as a record the fit cache keeps (``FitCache``, saved in the workspace): ``fit``
        with its refits' coordinates in place of bootstrap draws, under the unit ``E_PROFILE_UNIT``. A warm command
        reads them back (``kept_thetas``) and takes their objectives again (``profile_of``, as the cold command
        did) instead of refitting the law 24 times (a warm ``predict -d all -e all`` on the paper's table: 4.1 s of
        CPU before the profile, 7.1 s with it made again by each command)."""
        return replace(fit, bootstrap=self.thetas, bootstrap_seed=None, bootstrap_unit=E_PROFILE_UNIT)

    @staticmethod
    def kept_thetas(kept: LawFit, fit: LawFit) -> Array | None:
        """The refits' coordinates ``kept_with`` stored for ``fit``, or None where ``kept`` is no profile of
        ``fit``'s law on the grid (made again then)."""
        names = PARAM_NAMES[fit.form]
        table = kept.bootstrap
        if kept.bootstrap_unit != E_PROFILE_UNIT or kept.law != fit.law or "e" not in names or table is None:
            return None
        return table if table.shape == (len(PROFILE_E_GRID), len(names)) else None


#: The unit of a fit cache record that holds a law's profile over E (``EProfile.kept_with``), not bootstrap draws.
E_PROFILE_UNIT = "e-profile"


def profile_over_e(fit: LawFit, N: ArrayLike, D: ArrayLike, loss: ArrayLike) -> EProfile:
    """``fit`` refitted on its runs with E held at each fraction ``PROFILE_E_GRID`` of their smallest loss (the other
    parameters free in their box; Kaplan's form has no E: an empty profile). Each value of E is polished by
    L-BFGS-B from two starts, the fit with E moved there and the best variable-projection start at that E
    (``profile_starts``), all in lockstep (``polish_rows``); the lower end wins (restarted from their ends, the
    paper's 20 such laws moved by 3e-15 of their objective at most, at 1.2× the time).
    From the fit alone, refits with E near the truth stuck at A's bound, 40 times worse (helper h90's Eq. 1 ladder)."""
    n, d, y = _columns(N, D, loss)
    names = PARAM_NAMES[fit.form]
    if "e" not in names:
        return EProfile(np.empty(0), np.empty((0, len(names))), np.empty(0))
    e_at = names.index("e")
    free = Problem(fit.form, np.log(n), np.log(d), np.log(y), fit.objective, fit.delta)
    grid, _ = profile_starts(free, PROFILE_E_GRID)  # best first
    log_e = np.log(np.asarray(PROFILE_E_GRID) * float(y.min()))
    projected = np.stack(
        [grid[int(np.argmax(np.isclose(grid[:, e_at], v, rtol=0.0, atol=1e-9)))] for v in log_e]
    )
    moved = np.repeat(np.asarray(fit.law.theta, dtype=np.float64)[None, :], len(log_e), axis=0)
    starts = np.concatenate([moved, projected])
    starts[:, e_at] = np.tile(log_e, 2)
    problem = replace(free, e_fixed=np.tile(log_e, 2))
    with single_threaded_blas():
        starts = np.stack([p.theta for p in polish_rows(problem, list(starts))])
    values = np.asarray(problem.value(starts), dtype=np.float64).reshape(2, len(log_e))
    pick = np.argmin(values, axis=0)
    return profile_of(fit, n, d, y, starts.reshape(2, len(log_e), -1)[pick, np.arange(len(log_e))])


def profile_of(fit: LawFit, N: ArrayLike, D: ArrayLike, loss: ArrayLike, thetas: Array) -> EProfile:
    """The profile over E of ``fit``'s refits ``thetas`` ((K, P), each with E held at its own value): their
    objectives on the runs (N, D, loss). ``profile_over_e`` ends here, and a warm command rebuilds the kept refits'
    profile here (``EProfile.kept_with``): the same objectives to the bit."""
    n, d, y = _columns(N, D, loss)
    e_at = PARAM_NAMES[fit.form].index("e")
    problem = Problem(fit.form, np.log(n), np.log(d), np.log(y), fit.objective, fit.delta)
    values = np.asarray(problem.value(thetas), dtype=np.float64)
    return EProfile(np.exp(thetas[:, e_at]), thetas, values)


def _draw_counts(n_points: int, draws: int, seed: int, groups: ArrayLike | None = None) -> Array:
    """(draws, n_points) how often each run is drawn (``groups``: whole groups of runs drawn together)."""
    rng = np.random.default_rng(seed)
    if groups is None:
        return rng.multinomial(n_points, np.full(n_points, 1.0 / n_points), size=draws).astype(np.float64)
    labels, inverse = np.unique(np.asarray(groups), return_inverse=True)
    g_counts = rng.multinomial(len(labels), np.full(len(labels), 1.0 / len(labels)), size=draws)
    return g_counts[:, inverse].astype(np.float64)


def _loose(fit: LawFit) -> int:
    """The loose iterations of a law's bootstrap refits: a law with E on its bound keeps the draw-by-draw polish (on
    its ridge the batched route ended at different points, which narrowed one probe law's bootstrap interval by
    11 %, and its interval is all there is)."""
    return 0 if "E" in fit.at_bounds else LOOSE_ITERATIONS


def bootstrap_laws(
    jobs: Sequence[tuple[LawFit, ArrayLike, ArrayLike, ArrayLike]], *, draws: int = 1000, seed: int = 0
) -> list[LawFit]:
    """``bootstrap_law(fit, N, D, loss, draws=draws, seed=seed)`` of each job (resampling runs), the laws fitted on
    the same runs (every eval of a dataset) refitted as one stack of problems (``weighted_refits``): each law's
    draws bit for bit those of ``bootstrap_law`` alone, numpy's per-call overhead shared by the stack."""
    if draws < 2:
        raise FitError("a bootstrap needs at least 2 draws")
    planned: list[tuple[Problem, Array, Array, int]] = []
    for fit, N, D, loss in jobs:
        n, d, y = _columns(N, D, loss)
        _check_data(fit.form, n, d, y, _label(fit.dataset, fit.eval))
        problem = Problem(fit.form, np.log(n), np.log(d), np.log(y), fit.objective, fit.delta)
        planned.append((problem, fit.law.theta, _draw_counts(len(y), draws, seed), _loose(fit)))
    thetas: list[Array | None] = [None] * len(planned)
    with single_threaded_blas():
        for loose in dict.fromkeys(p[3] for p in planned):
            idx = [i for i, p in enumerate(planned) if p[3] == loose]
            done = weighted_refits([planned[i][:3] for i in idx], loose_iterations=loose)
            for i, th in zip(idx, done, strict=True):
                thetas[i] = th
    return [
        LawFit(**{**fit.__dict__, "bootstrap": th, "bootstrap_seed": seed, "bootstrap_unit": "run"})
        for (fit, *_), th in zip(jobs, thetas, strict=True)
    ]


# ---------------------------------------------------------------------------------------------------------------
# Many laws out of a run table
# ---------------------------------------------------------------------------------------------------------------


#: Part of every fit's cache key: a kept fit made by code that reported it otherwise is made again. "" (none) before
#: 2026-12-04; "|v2": a fit settles at a projected gradient of SETTLED_GRADIENT (1e-3, was 1e-4; ``converged``);
#: "|v3": its "far from the law" warning also names a run alone off the law (``isolated_mask``).
FIT_VERSION = "|v3"


@dataclass(frozen=True)
class FitOptions:
    """How laws are fitted: the ``form`` (``auto``: chosen per group of laws by backtests, see
    ``l2l.workflows.lawbook.LawBook``; a single fit needs a concrete one), objective, Huber δ, thoroughness."""

    form: FitForm = "l2l"
    objective: Objective = "huber"
    delta: float = 1e-3
    thorough: bool = False

    def __post_init__(self) -> None:
        """Refuse what no fit can use (``FitOptions(form="bogus")`` was taken, and failed at the first fit)."""
        check_choice(self.form, FIT_FORMS, "form", "form")
        check_choice(self.objective, OBJECTIVES, "objective", "objective")
        if not (is_real(self.delta) and math.isfinite(self.delta) and self.delta > 0):
            raise UsageError(f"the Huber delta must be a positive number, got {self.delta!r}", param="delta")
        if not isinstance(self.thorough, bool):
            raise UsageError(f"thorough must be True or False, got {self.thorough!r}", param="thorough")

    def key(self) -> str:
        """The options as part of a fit's cache key (``data_key``), with the version of what a fit reports."""
        return (
            f"{self.form}|{self.objective}|{self.delta:g}"
            + ("|thorough" if self.thorough else "")
            + FIT_VERSION
        )


def _fit_task(args: tuple[Array, Array, Array, FitOptions, str, str]) -> LawFit | FitError:
    n, d, y, opts, ds, ev = args
    try:
        return fit_law(
            n,
            d,
            y,
            form=opts.form,
            objective=opts.objective,
            delta=opts.delta,
            dataset=ds,
            eval=ev,
            thorough=opts.thorough,
        )
    except FitError as exc:
        return exc


def data_key(options: FitOptions, dataset: str, eval: str, n: Array, d: Array, y: Array) -> str:
    """What a fit depends on, hashed: names, form, objective, δ and the exact points (order-independent).

    Saved fits are looked up by this key, so any command can reuse any saved fit, and a fit is never served for
    runs that changed.
    """
    import hashlib

    order = np.lexsort((y, d, n))
    h = hashlib.sha256(f"{options.key()}|{dataset}|{eval}".encode())
    for arr in (n, d, y):
        h.update(np.ascontiguousarray(arr[order], dtype="<f8").tobytes())
    return h.hexdigest()[:32]


class FitCache(dict[str, LawFit]):
    """Fits keyed by what they were fitted on (``data_key``): any command can reuse any of them, and a fit is never
    served for data that changed. Library calls take one (``cache=``) and add the fits they make to it; the CLI
    keeps it in the workspace (``workspace.saved_fits`` / ``save_fits``)."""

    def records(self) -> dict[str, dict[str, Any]]:
        """Every fit as a JSON-safe record (``LawFit.to_record``)."""
        return {k: fit.to_record() for k, fit in self.items()}

    @classmethod
    def from_records(cls, records: Mapping[str, Mapping[str, Any]]) -> FitCache:
        return cls({k: LawFit.from_record(rec) for k, rec in records.items()})


_T = TypeVar("_T")
_R = TypeVar("_R")


def run_fits(
    tasks: Sequence[tuple[Array, Array, Array, FitOptions, str, str]], workers: int
) -> Iterable[LawFit | FitError]:
    """Results in task order. With workers > 1 and enough tasks to pay for it, a process pool (forkserver: the
    parent may run polars threads, which must not be forked)."""
    if workers <= 1 or len(tasks) < 8:
        for t in tasks:
            yield _fit_task(t)
        return
    yield from map_in_processes(_fit_task, tasks, workers, chunksize=max(1, len(tasks) // (8 * workers)))


_POOLS: dict[int, ProcessPoolExecutor] = {}


def _pool(workers: int) -> ProcessPoolExecutor:
    """The process pool of ``workers`` processes, started once and kept for the rest of the process: one command
    maps dozens of small batches (every eval's fits, every group's calibration), and a pool started for each
    cost more than its batch gained. Started by forkserver: the parent may run polars threads, which must not be
    forked."""
    import atexit
    import multiprocessing as mp
    from concurrent.futures import ProcessPoolExecutor

    pool = _POOLS.get(workers)
    if pool is None:
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("forkserver"))
        if not _POOLS:
            atexit.register(shutdown_pools)
        _POOLS[workers] = pool
    return pool


def shutdown_pools() -> None:
    """Stop the worker processes ``map_in_processes`` keeps (they end with the process anyway)."""
    while _POOLS:
        _POOLS.popitem()[1].shutdown(wait=True, cancel_futures=True)


def map_in_processes(
    fn: Callable[[_T], _R], items: Sequence[_T], workers: int, chunksize: int = 1
) -> Iterator[_R]:
    """``fn`` over ``items`` in a pool of ``workers`` processes (kept for the next call), results in order. When the
    call does not finish (an error, a dead process, the caller stopped reading), the pool is dropped with its
    queued work, and the next call starts a fresh one."""
    pool = _pool(workers)
    finished = False
    try:
        yield from pool.map(fn, items, chunksize=chunksize)
        finished = True
    finally:
        if not finished and _POOLS.get(workers) is pool:
            del _POOLS[workers]
            pool.shutdown(wait=False, cancel_futures=True)


def default_workers() -> int:
    """Processes worth using for many fits on this machine (at most 4). Library calls default to 1 (in-process,
    safe in a plain script); the CLI passes this explicitly."""
    import os

    return max(
        1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)
    )


def relative_residual(measured: ArrayLike, predicted: ArrayLike) -> Array:
    """(measured − predicted) / measured: the residual of a run from its law, in the same unit as the relative
    errors of held-out predictions (positive where the run did worse than the law)."""
    m = np.asarray(measured, dtype=np.float64)
    return (m - np.asarray(predicted, dtype=np.float64)) / m


#: The parameters of a law's N and D terms: on a bound of the search box, N* is the box's doing.
ALLOCATION_PARAMS = ("A", "B", "alpha", "beta")


def allocation_on_bounds(at_bounds: Sequence[str]) -> str | None:
    """Why a law with its N or D term on a bound of the search box has no compute-optimal model, or None: an eval
    that does not fall with N or D (constant at 0.6931 in every run) printed N* = 12.9B [12.9B, 12.9B]."""
    edge = [p for p in ALLOCATION_PARAMS if p in at_bounds]
    if not edge:
        return None
    return (
        f"the law's {', '.join(edge)} {'is' if len(edge) == 1 else 'are'} on the edge of the search box (not "
        "identified: the loss does not tell how it falls with N and D), so N* and D* would be the box's doing"
    )


__all__ = [
    "E_PROFILE_UNIT",
    "E_SPAN",
    "PROFILE_E_GRID",
    "EProfile",
    "FitCache",
    "FitOptions",
    "LawFit",
    "allocation_on_bounds",
    "bootstrap_law",
    "can_identify_a_law",
    "data_key",
    "default_workers",
    "fit_law",
    "map_in_processes",
    "percentile_interval",
    "profile_of",
    "profile_over_e",
    "relative_residual",
    "run_fits",
    "single_threaded_blas",
    "why_no_law",
]
