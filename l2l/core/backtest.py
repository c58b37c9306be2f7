"""Backtests inside a sweep: every dataset's law refitted on the budgets up to each cutoff, its errors on the runs
above recorded.

For each cutoff budget C_k (the largest ones that leave ≥ 3 budgets to fit), every dataset's law is refitted on its
runs with C ≤ C_k and predicts the runs above (direct errors); the measured source loss of each run above the
cutoff is translated onto every other dataset with the cutoff's fits (E0, E1 from them, K and κ from the pairs at
or below it: translation errors); and the translations of one target run from all sources are combined (mean,
median, inverse-variance: combined errors). Each error is a ``BacktestResidual``; ``l2l.core.error_model`` learns
from them. Pure: no printing, no files.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from l2l.base.errors import FitError, UsageError
from l2l.base.text import grouped_reasons
from l2l.core.error_model import BacktestResidual
from l2l.core.fit import LawFit, fit_law, single_threaded_blas
from l2l.core.fit import _check_data as check_fit_data
from l2l.core.laws import Array, ScalingLaw, check_form
from l2l.core.loss_to_loss import ShiftedPower, fit_shifted_power
from l2l.core.predictive import (
    COMBINE_METHODS,
    aspect_on,
    combine_values,
    ratio_reach,
    reach_distance,
    size_reach,
    span_of,
)
from l2l.core.search import Problem, weighted_refits
from l2l.core.sweep import Index, Sweep, at_or_below, budgets, pair_configs

__all__ = [
    "MAX_CUTOFFS",
    "MIN_FIT_BUDGETS",
    "Backtest",
    "BacktestOptions",
    "CutoffRefits",
    "FitFn",
    "SweepLike",
    "as_sweeps",
    "backtest_cutoffs",
    "chain_errors",
    "planned_refits",
    "refit_planned",
    "run_backtests",
]

# A cutoff needs this many distinct budgets at or below it for its fits to count as a backtest.
MIN_FIT_BUDGETS = 3
# At most this many cutoffs (the largest ones): more fits cost time and reach smaller, less relevant sweeps.
MAX_CUTOFFS = 5
# Where budgets are dense (more candidates than MAX_CUTOFFS), consecutive cutoffs, and the largest cutoff and the
# largest budget, are at least this far apart in compute: a probe's table of 147 distinct budgets (200 runs of one
# dataset beside 20 of another) had its five cutoffs within 1.8x of its largest budget, backtests that barely
# extrapolated, and the small dataset's spread scale learned from five near-zero errors (0.41): its 90 % intervals
# held 21 of 32 truths.
CUTOFF_SPACING = 1.5

FitFn = Callable[[Array, Array, Array], LawFit]

SweepLike = Sweep | tuple[ArrayLike, ArrayLike, ArrayLike | None, ArrayLike]


def as_sweeps(table: Mapping[str, SweepLike]) -> dict[str, Sweep]:
    """dataset → Sweep, from Sweeps or (N, D, C, loss) tuples (C may be None: 6·N·D). UsageError for anything
    else (``calibrate(runs)`` raised AttributeError: 'Runs' object has no attribute 'items')."""
    if not isinstance(table, Mapping):
        raise UsageError(
            f"a run table here is a mapping dataset → Sweep (or (N, D, C, loss)), got {type(table).__name__}",
            hint="give {dataset: (N, D, C, loss)} arrays of each dataset's own loss; l2l.predict and l2l.evaluate "
            "calibrate Runs themselves",
        )
    out: dict[str, Sweep] = {}
    for name, v in table.items():
        if not isinstance(v, Sweep) and not (isinstance(v, (tuple, list)) and len(v) == 4):
            raise UsageError(
                f"{name}: a dataset's runs here are a Sweep or four arrays (N, D, C, loss), got {v!r}",
                hint="C may be None (6·N·D)",
                param="table",
            )
        out[name] = v if isinstance(v, Sweep) else Sweep.of(*v)
    return out


@dataclass(frozen=True, eq=False)
class BacktestOptions:
    """How the backtests refit the laws. ``form``, ``objective`` and ``delta`` are the law fits'. ``fit`` replaces
    the fitter (default: ``fit_law`` from the full grid of starts, ~0.1–0.5 s per fit); ``warm_starts`` (dataset →
    optimizer coordinates, e.g. ``LawFit.law.theta`` of the full-sweep fit) refits each backtest from that single
    start instead: about 20× faster, at the risk of a local optimum on laws with several. ``translations``: also
    backtest translations and their combinations. A cutoff needs ``min_fit_budgets`` budgets at or below it; at
    most ``max_cutoffs`` cutoffs (the largest) are used. ``batched`` (with warm starts): every cutoff of a dataset
    refitted at once by the batched engine (``weighted_refit``), about 10× faster than one warm fit per cutoff.
    ``forms``: dataset → its own form where it is not ``form`` (a group whose form misfits one of its datasets
    refits that one in the form that fits it; its warm start then in that form's coordinates). ``refitted``:
    batched refits made beforehand (``refit_planned``, by ``CutoffRefits.key``), taken instead of refitting."""

    form: str = "l2l"
    objective: Literal["huber", "mse"] = "huber"
    delta: float = 1e-3
    fit: FitFn | None = None
    warm_starts: Mapping[str, ArrayLike] | None = None
    translations: bool = True
    min_fit_budgets: int = MIN_FIT_BUDGETS
    max_cutoffs: int = MAX_CUTOFFS
    batched: bool = True
    forms: Mapping[str, str] | None = None
    refitted: Mapping[str, Mapping[float, ScalingLaw | FitError]] | None = None

    def form_of(self, name: str) -> str:
        """The form dataset ``name`` is refitted in."""
        return self.form if self.forms is None else self.forms.get(name, self.form)

    def fitter_for(self, name: str) -> FitFn:
        """The fitter of dataset ``name``: ``fit``, else from its warm start, else from the full grid."""
        if self.fit is not None:
            return self.fit
        start = None
        if self.warm_starts is not None and name in self.warm_starts:
            start = np.atleast_2d(np.asarray(self.warm_starts[name], dtype=np.float64))

        form = self.form_of(name)

        def fitter(n: Array, d: Array, y: Array) -> LawFit:
            return fit_law(n, d, y, form=form, objective=self.objective, delta=self.delta, starts=start)

        return fitter


@dataclass(frozen=True)
class Backtest:
    """Every backtest error of a table: ``direct`` (each dataset's own law), ``translation`` (single-source
    train-to-train), ``combined`` (method → errors of combining all other sources). ``cutoffs`` that produced
    errors; ``notes`` say what could not be backtested."""

    direct: tuple[BacktestResidual, ...]
    translation: tuple[BacktestResidual, ...]
    combined: Mapping[str, tuple[BacktestResidual, ...]]
    cutoffs: tuple[float, ...]
    n_fits: int
    notes: tuple[str, ...] = ()
    #: form → dataset → ((cutoff, E of its law refitted up to the cutoff), ...): the irreducible losses a
    #: translation's backtest at that cutoff takes (``chain_errors``: a translation chain onto another eval)
    cutoff_E: Mapping[str, Mapping[str, tuple[tuple[float, float], ...]]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "cutoffs": list(self.cutoffs),
            "n_fits": self.n_fits,
            "n_direct": len(self.direct),
            "n_translation": len(self.translation),
            "n_combined": {k: len(v) for k, v in self.combined.items()},
            "notes": list(self.notes),
        }


def backtest_cutoffs(sweeps: Mapping[str, Sweep], min_fit_budgets: int = MIN_FIT_BUDGETS) -> list[float]:
    """Cutoff budgets to backtest at: every budget below the largest with at least ``min_fit_budgets`` budgets at
    or below it, the largest ``MAX_CUTOFFS`` of them. Where there are more candidates than that (budgets that are
    not a grid: irregular sizes and token counts), each cutoff lies at least ``CUTOFF_SPACING`` below the next
    budget up that was taken (the largest budget first), so that the backtests reach as a prediction does."""
    all_c = budgets(np.concatenate([s.C for s in sweeps.values()]))
    if len(all_c) < 2:
        return []
    cands = [float(c) for k, c in enumerate(all_c[:-1]) if k + 1 >= min_fit_budgets]
    if len(cands) <= MAX_CUTOFFS:
        return cands
    picked: list[float] = []
    above = float(all_c[-1])
    for c in reversed(cands):
        if c * CUTOFF_SPACING <= above * (1 + 1e-9):
            picked.append(c)
            above = c
            if len(picked) == MAX_CUTOFFS:
                break
    if len(picked) < 2:  # a dense grid over less than CUTOFF_SPACING²: the largest candidates, as before
        return cands[-MAX_CUTOFFS:]
    return sorted(picked)


_Single = tuple[float, float, BacktestResidual]  # (prediction, in-sample resid sd, the error record)


def _pair(a: Sweep, b: Sweep) -> tuple[Index, Index]:
    return pair_configs(a.N, a.D, b.N, b.D)


def _above(sw: Sweep, cut: float) -> NDArray[np.bool_]:
    return ~at_or_below(sw.C, cut)


def _reach(part: Sweep, cut: float, n: float, d: float, c: float) -> float:
    """How far a run above ``cut`` lies beyond the fitted runs ``part`` (compute, model size or tokens)."""
    n_max, d_max, _, _ = part.extent
    return reach_distance(n, d, c, n_max, d_max, cut)


def _n_reach(part: Sweep, n: float) -> float:
    """How far a run lies beyond the fitted runs ``part`` in model size alone (0 inside)."""
    return size_reach(n, part.extent[0])


def _d_reach(part: Sweep, d: float) -> float:
    """How far a run lies beyond the fitted runs ``part`` in tokens alone (0 inside)."""
    return size_reach(d, part.extent[1])


def _direct_errors(name: str, sw: Sweep, part: Sweep, law: ScalingLaw, cut: float) -> list[BacktestResidual]:
    up = _above(sw, cut)
    span = span_of(cut, float(sw.C.min()))
    pred = law.predict(sw.N[up], sw.D[up])
    asp = aspect_on(law, sw.N[up], sw.D[up], sw)
    rows = zip(sw.N[up], sw.D[up], sw.C[up], sw.loss[up], pred, asp, strict=True)
    return [
        BacktestResidual(
            "direct",
            name,
            "",
            cut,
            n,
            d,
            c,
            _reach(part, cut, n, d, c),
            float(p),
            y,
            a,
            span,
            _n_reach(part, n),
            _d_reach(part, d),
            ratio_reach(n, d, part),
        )
        for n, d, c, y, p, a in rows
    ]


def _translation_errors(
    src: str,
    tgt: str,
    sweeps: Mapping[str, Sweep],
    idx: tuple[Index, Index],
    laws: Mapping[str, ScalingLaw],
    cut: float,
    part: Sweep,
) -> list[_Single]:
    """Single-source translations of the runs of ``src`` above ``cut`` onto ``tgt`` (``part``: the target's runs
    its cutoff law was fitted on; raises FitError when the pairs at or below the cutoff cannot be fitted)."""
    span = span_of(cut, float(sweeps[tgt].C.min()))
    ii, jj = idx
    a, b = sweeps[src], sweeps[tgt]
    low = at_or_below(a.C[ii], cut)
    pf = fit_shifted_power(a.loss[ii][low], b.loss[jj][low], laws[src].E, laws[tgt].E)
    out: list[_Single] = []
    for i, j in zip(ii[~low], jj[~low], strict=True):
        x = float(a.loss[i])
        if x <= pf.E0:
            continue
        p = float(pf.predict(x))
        asp = float(aspect_on(laws[tgt], b.N[j : j + 1], b.D[j : j + 1], b)[0])
        c = float(b.C[j])
        err = BacktestResidual(
            "translation",
            tgt,
            src,
            cut,
            float(b.N[j]),
            float(b.D[j]),
            c,
            _reach(part, cut, float(b.N[j]), float(b.D[j]), c),
            p,
            float(b.loss[j]),
            asp,
            span,
            _n_reach(part, float(b.N[j])),
            _d_reach(part, float(b.D[j])),
            ratio_reach(float(b.N[j]), float(b.D[j]), part),
        )
        out.append((p, pf.resid_sd, err))
    return out


def _combined_errors(items: Sequence[_Single], cut: float) -> dict[str, BacktestResidual]:
    """Each combination method's prediction of one target run from several single-source translations."""
    vals = np.array([it[0] for it in items])
    sds = np.array([it[1] for it in items])
    ref = items[0][2]
    out: dict[str, BacktestResidual] = {}
    for m in COMBINE_METHODS:
        p = combine_values(vals, m, sds)
        out[m] = BacktestResidual(
            f"combined:{m}",
            ref.dataset,
            m,
            cut,
            ref.N,
            ref.D,
            ref.C,
            ref.distance,
            p,
            ref.actual,
            ref.aspect,
            ref.span,
            ref.n_reach,
            ref.d_reach,
            ref.ratio_reach,
        )
    return out


#: (cutoff, E of a law refitted up to it), ... : ``Backtest.cutoff_E``'s entries for one dataset
CutoffE = Sequence[tuple[float, float]]


def _step_fit(x: Sweep, y: Sweep, idx: tuple[Index, Index], cut: float, e0: float, e1: float) -> ShiftedPower:
    """y ≈ K·(x − E0)^κ + E1 fitted on the pairs ``idx`` at or below ``cut`` (FitError when they cannot be)."""
    ii, jj = idx
    low = at_or_below(x.C[ii], cut)
    return fit_shifted_power(x.loss[ii][low], y.loss[jj][low], e0, e1)


def chain_errors(
    own: Mapping[str, Sweep],
    ev: Mapping[str, Sweep],
    e_own: Mapping[str, CutoffE],
    e_ev: Mapping[str, CutoffE],
    laws: Mapping[str, ScalingLaw] | None = None,
) -> tuple[dict[str, list[BacktestResidual]], list[str]]:
    """Backtests of the whole translation chain onto another eval, as ``evaluate`` and ``predict --via … --eval``
    make it: at each cutoff where the laws were refitted (``e_own``, ``e_ev``: dataset → (cutoff, E) of its own
    loss's and of the eval's refits, ``Backtest.cutoff_E``), each source's measured own loss on a run above the
    cutoff is translated onto the target's own loss (train-train, K and κ from the pairs at or below the cutoff) and
    on through the target's own → eval translation (refitted the same way), and scored against the target's
    measured loss on the eval at that (N, D). ``single``: one source; ``mean``: the mean of every source's
    train-train translation carried through the step, as a combination is. Kind ``train-test``, group the target
    (``laws``: the eval's laws, for how far each run lies off compute-optimal). The chain is backtested whole, not
    step by step: the target's own E is the first translation's E1 and the second's E0, and its error cancels
    between them. Each target's sources are those its translations are backtested from (``_partners``: beyond
    ``MAX_TRANSLATION_SOURCES`` + 1 datasets, not every other one). Returns the errors and notes on fits that
    failed."""
    out: dict[str, list[BacktestResidual]] = {"single": [], "mean": []}
    notes: list[str] = []
    sources: dict[str, list[str]] = {}
    for src, tgt in _partners(list(own), notes):
        sources.setdefault(tgt, []).append(src)
    # each run's distance from its law's optimum, taken once: every source and every cutoff scores the same runs
    # against the same law (``aspect_on`` at every error, ``allocation_unidentified`` over the whole sweep each
    # time, had been 140,304 calls and about 17 s of CPU of a cold evaluate on the paper's table; now 8,736)
    aspects: dict[tuple[str, int], float] = {}
    for tgt, y in ev.items():
        if tgt not in own or tgt not in e_own or tgt not in e_ev:
            continue
        ey = dict(e_ev[tgt])
        from_ = {src: own[src] for src in sources.get(tgt, ())}
        for cut, e_t in e_own[tgt]:
            if cut in ey:
                _chain_at_cutoff(
                    tgt, own[tgt], from_, y, (cut, e_t, ey[cut]), e_own, laws, out, notes, aspects
                )
    return out, notes


def _chain_at_cutoff(
    tgt: str,
    x_t: Sweep,
    own: Mapping[str, Sweep],
    y: Sweep,
    at: tuple[float, float, float],
    e_own: Mapping[str, CutoffE],
    laws: Mapping[str, ScalingLaw] | None,
    out: dict[str, list[BacktestResidual]],
    notes: list[str],
    aspects: dict[tuple[str, int], float],
) -> None:
    """``chain_errors`` of target ``tgt`` (its own runs ``x_t``, its eval's ``y``, its sources' own runs ``own``)
    at one cutoff (``at``: the cutoff, the target's own E and its eval's E refitted there), added to ``out``
    (``aspects``: each scored run's ``aspect_on`` its law, kept from call to call)."""
    cut, e_t, e_y = at
    step_idx = pair_configs(x_t.N, x_t.D, y.N, y.D)
    part = y.below(cut)
    if not len(step_idx[0]) or not len(part.C):
        return
    try:
        step = _step_fit(x_t, y, step_idx, cut, e_t, e_y)
    except FitError as exc:
        notes.append(f"cutoff {cut:.3g}, {tgt} → its eval: {exc.message}")
        return
    span = span_of(cut, float(y.C.min()))
    by_run: dict[int, list[float]] = {}
    for src, x_s in own.items():
        e_s = dict(e_own.get(src, ())).get(cut)
        idx = pair_configs(x_s.N, x_s.D, x_t.N, x_t.D)
        onto = pair_configs(x_s.N, x_s.D, y.N, y.D)
        if e_s is None or not len(idx[0]) or not len(onto[0]):
            continue
        try:
            first = _step_fit(x_s, x_t, idx, cut, e_s, e_t)
        except FitError as exc:
            notes.append(f"cutoff {cut:.3g}, {src} → {tgt}: {exc.message}")
            continue
        up = ~at_or_below(x_s.C[onto[0]], cut)
        for i, j in zip(onto[0][up], onto[1][up], strict=True):
            if float(x_s.loss[i]) <= first.E0:
                continue
            mid = float(first.predict(float(x_s.loss[i])))
            by_run.setdefault(int(j), []).append(mid)
            if mid > step.E0:
                out["single"].append(_chain_error(tgt, y, int(j), part, cut, span, step, mid, laws, aspects))
    for j, mids in by_run.items():
        mean = float(np.mean(mids))
        if len(mids) >= 2 and mean > step.E0:
            out["mean"].append(_chain_error(tgt, y, j, part, cut, span, step, mean, laws, aspects))


def _chain_error(
    tgt: str,
    y: Sweep,
    j: int,
    part: Sweep,
    cut: float,
    span: float,
    step: ShiftedPower,
    own_loss: float,
    laws: Mapping[str, ScalingLaw] | None,
    aspects: dict[tuple[str, int], float],
) -> BacktestResidual:
    """The error of the chain's prediction of ``tgt``'s eval loss on run ``j`` from its translated own loss."""
    n, d, c = float(y.N[j]), float(y.D[j]), float(y.C[j])
    asp = aspects.get((tgt, j))
    if asp is None:
        law = None if laws is None else laws.get(tgt)
        asp = 0.0 if law is None else float(aspect_on(law, y.N[j : j + 1], y.D[j : j + 1], y)[0])
        aspects[(tgt, j)] = asp
    return BacktestResidual(
        "train-test",
        tgt,
        "",
        cut,
        n,
        d,
        c,
        _reach(part, cut, n, d, c),
        float(step.predict(own_loss)),
        float(y.loss[j]),
        asp,
        span,
        _n_reach(part, n),
        _d_reach(part, d),
        ratio_reach(n, d, part),
    )


#: The sources each dataset's translations are backtested from, at most: every ordered pair of 200 datasets is
#: 39,800 translations at each cutoff, and fit-law had printed nothing for five minutes (probe h55); beyond this
#: many, each target takes the next ones in name order (cyclic), so each dataset is as often a source as a target.
MAX_TRANSLATION_SOURCES = 24


def _partners(names: Sequence[str], notes: list[str]) -> list[tuple[str, str]]:
    """The (source, target) pairs the translations are backtested on: every ordered pair of datasets, or, beyond
    ``MAX_TRANSLATION_SOURCES`` + 1 datasets, each target's next ``MAX_TRANSLATION_SOURCES`` in name order."""
    if len(names) <= MAX_TRANSLATION_SOURCES + 1:
        return [(a, b) for a in names for b in names if a != b]
    order = sorted(names)
    k = MAX_TRANSLATION_SOURCES
    notes.append(
        f"translations backtested from {k} sources of each of the {len(order)} datasets (the next {k} in name "
        f"order), not from all {len(order) - 1}: the pairs grow with the square of the datasets"
    )
    return [(order[(i + j) % len(order)], tgt) for i, tgt in enumerate(order) for j in range(1, k + 1)]


def run_backtests(table: Mapping[str, SweepLike], options: BacktestOptions | None = None) -> Backtest:
    """Refit every dataset's law on budgets ≤ each cutoff and record the errors on the runs above: direct
    predictions, single-source translations of the measured source loss (E0, E1 from the cutoff's fits, K and κ
    from the pairs at or below it), and combinations of all sources with a run at the same (N, D)
    (``options``: how, see ``BacktestOptions``)."""
    opts = BacktestOptions() if options is None else options
    sweeps = as_sweeps(table)
    if not sweeps:  # (numpy's "need at least one array to concatenate")
        raise UsageError("no runs to backtest: the table names no dataset", param="table")
    cutoffs = (
        backtest_cutoffs(sweeps, opts.min_fit_budgets)[-opts.max_cutoffs :] if opts.max_cutoffs > 0 else []
    )
    acc = _Acc(comb={m: [] for m in COMBINE_METHODS})
    pairs = (
        {(a, b): _pair(sweeps[a], sweeps[b]) for a, b in _partners(list(sweeps), acc.notes)}
        if opts.translations
        else {}
    )
    if pairs:
        pairs = _shared_configs(pairs, acc.notes)
    plans = _plans(sweeps, cutoffs, opts)
    known = opts.refitted or {}
    fresh = refit_planned([p for p in plans if p.key not in known])
    batched = {p.name: known[p.key] if p.key in known else fresh[p.key] for p in plans}
    e_at: dict[str, dict[str, list[tuple[float, float]]]] = {}
    for cut in cutoffs:
        laws = _fit_cutoff(sweeps, cut, opts, acc, batched)
        for name, law in laws.items():
            e_at.setdefault(opts.form_of(name), {}).setdefault(name, []).append((cut, float(law.E)))
        if laws:
            acc.used.append(cut)
            _translate_cutoff(sweeps, pairs, laws, cut, acc)
    if not acc.used:
        acc.notes.append(
            f"no cutoff leaves {opts.min_fit_budgets} budgets to fit and runs above to predict: nothing to backtest"
        )
    return Backtest(
        tuple(acc.direct),
        tuple(acc.trans),
        {m: tuple(v) for m, v in acc.comb.items()},
        tuple(acc.used),
        acc.n_fits,
        tuple(acc.notes),
        {f: {n: tuple(v) for n, v in by.items()} for f, by in e_at.items()},
    )


#: What a note on datasets that share no configuration adds: the backtests pair exactly whatever ``--rtol``, and
#: whether a tolerance would pair them is the translation's refusal's to say ("model sizes counted differently?
#: --rtol" was offered beside grids that share N but not D, different models: probe p68).
_EXACT = (
    "(backtests pair runs exactly, whatever --rtol; l2l translate says why runs do not pair, and which --rtol "
    "would pair sizes counted differently)"
)


def _shared_configs(
    pairs: Mapping[tuple[str, str], tuple[Index, Index]], notes: list[str]
) -> dict[tuple[str, str], tuple[Index, Index]]:
    """The pairs of datasets that share a (N, D) configuration, with a note for those that share none, said once
    (not once per cutoff and ordered pair: a dataset whose sizes were counted 3 % apart gave 34 lines)."""
    kept = {k: v for k, v in pairs.items() if len(v[0])}
    names = sorted({n for k in pairs for n in k})
    lonely = [n for n in names if not any(n in k for k in kept)]
    if len(lonely) == len(names):
        notes.append(f"no two datasets share a (N, D) configuration: no translation is backtested {_EXACT}")
        return kept
    for name in lonely:
        notes.append(
            f"{name} shares no (N, D) configuration with another dataset: no translation to or from it is "
            f"backtested {_EXACT}"
        )
    for a, b in pairs:
        if a < b and a not in lonely and b not in lonely and (a, b) not in kept and (b, a) not in kept:
            notes.append(
                f"{a} and {b} share no (N, D) configuration: no translation between them is backtested"
            )
    return kept


@dataclass
class _Acc:
    """What the backtests collect, cutoff by cutoff."""

    comb: dict[str, list[BacktestResidual]]
    direct: list[BacktestResidual] = field(default_factory=list)
    trans: list[BacktestResidual] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    used: list[float] = field(default_factory=list)
    n_fits: int = 0


def _usable(sw: Sweep, cut: float, opts: BacktestOptions) -> bool:
    """Whether a cutoff leaves enough budgets of ``sw`` at or below it to fit, and runs above it to predict."""
    return len(budgets(sw.below(cut).C)) >= opts.min_fit_budgets and bool(np.any(_above(sw, cut)))


@dataclass(frozen=True, eq=False)
class CutoffRefits:
    """The batched refits of one dataset's law at every usable cutoff of a backtest, from its warm start: each
    cutoff a weighting of the sweep's runs (1 at or below it, 0 above; the rows of ``counts``), all moved together
    by the batched engine (``weighted_refit``, as bootstrap draws are): about 10× faster than refitting cutoff by
    cutoff. The search box is the whole sweep's (E below its smallest loss). ``failed``: cutoffs whose runs
    cannot fit the law. ``key``: everything the refits depend on, hashed."""

    key: str
    name: str
    problem: Problem
    warm: Array
    cutoffs: tuple[float, ...]
    counts: Array
    failed: Mapping[float, FitError]


def _plans(
    sweeps: Mapping[str, Sweep], cutoffs: Sequence[float], opts: BacktestOptions
) -> list[CutoffRefits]:
    """The batched refits the backtests of a table make (datasets with a warm start, when batched)."""
    if not (opts.batched and opts.fit is None and opts.warm_starts is not None):
        return []
    return [_plan(sw, cutoffs, opts, name) for name, sw in sweeps.items() if name in opts.warm_starts]


def planned_refits(table: Mapping[str, SweepLike], options: BacktestOptions) -> list[CutoffRefits]:
    """The batched refits ``run_backtests(table, options)`` makes: to make them beforehand, with others, by
    ``refit_planned`` (and hand them over as ``BacktestOptions.refitted``)."""
    sweeps = as_sweeps(table)
    if not sweeps:
        return []
    cutoffs = (
        backtest_cutoffs(sweeps, options.min_fit_budgets)[-options.max_cutoffs :]
        if options.max_cutoffs > 0
        else []
    )
    return _plans(sweeps, cutoffs, options)


def _plan(sw: Sweep, cutoffs: Sequence[float], opts: BacktestOptions, name: str) -> CutoffRefits:
    assert opts.warm_starts is not None
    form = check_form(opts.form_of(name))
    failed: dict[float, FitError] = {}
    rows: list[float] = []
    for cut in cutoffs:
        if not _usable(sw, cut, opts):
            continue
        part = sw.below(cut)
        try:
            check_fit_data(form, part.N, part.D, part.loss, name)
        except FitError as exc:
            failed[cut] = exc
            continue
        rows.append(cut)
    counts = (
        np.stack([at_or_below(sw.C, c).astype(np.float64) for c in rows]) if rows else np.zeros((0, len(sw)))
    )
    problem = Problem(form, np.log(sw.N), np.log(sw.D), np.log(sw.loss), opts.objective, opts.delta)
    warm = np.asarray(opts.warm_starts[name], dtype=np.float64).ravel()
    h = hashlib.sha256(f"{name}|{form}|{opts.objective}|{opts.delta!r}|{rows!r}|{sorted(failed)!r}".encode())
    for arr in (sw.N, sw.D, sw.C, sw.loss, warm):
        h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
        h.update(b"|")
    return CutoffRefits(h.hexdigest(), name, problem, warm, tuple(rows), counts, failed)


def refit_planned(plans: Sequence[CutoffRefits]) -> dict[str, dict[float, ScalingLaw | FitError]]:
    """The laws of planned batched refits (``CutoffRefits``), by key: the refits of laws on the same runs (every
    eval of a dataset in one form, say) move as one stack of problems (``weighted_refits``), each law's bit for
    bit as refitted alone."""
    todo = list({p.key: p for p in plans if p.cutoffs}.values())
    with single_threaded_blas():
        # each unsettled refit polished from where the first descent left it, as before bootstraps went on
        # together (``loose_iterations``): on flat ridges the two routes end at different points of equal
        # objective, and these end points are the calibrations (the paper's evaluate moved by up to 1.2 %)
        thetas = (
            weighted_refits([(p.problem, p.warm, p.counts) for p in todo], loose_iterations=0) if todo else []
        )
    refitted = dict(zip((p.key for p in todo), thetas, strict=True))
    out: dict[str, dict[float, ScalingLaw | FitError]] = {}
    for p in plans:
        laws: dict[float, ScalingLaw | FitError] = dict(p.failed)
        for cut, theta in zip(p.cutoffs, refitted.get(p.key, ()), strict=True):
            laws[cut] = (
                ScalingLaw.from_theta(p.problem.form, theta)
                if np.all(np.isfinite(theta))
                else FitError(f"{p.name}: the refit did not produce finite parameters")
            )
        out[p.key] = laws
    return out


def _fit_cutoff(
    sweeps: Mapping[str, Sweep],
    cut: float,
    opts: BacktestOptions,
    acc: _Acc,
    batched: Mapping[str, Mapping[float, ScalingLaw | FitError]],
) -> dict[str, ScalingLaw]:
    """Every dataset's law fitted on budgets ≤ ``cut`` (where enough budgets lie below and runs above), with
    its direct errors recorded (``batched``: laws already refitted at once, by dataset and cutoff)."""
    laws: dict[str, ScalingLaw] = {}
    failed: dict[str, str] = {}
    for name, sw in sweeps.items():
        if not _usable(sw, cut, opts):
            continue
        part = sw.below(cut)
        acc.n_fits += 1
        try:
            got = batched[name].get(cut) if name in batched else None
            if isinstance(got, FitError):
                raise got
            laws[name] = got if got is not None else opts.fitter_for(name)(part.N, part.D, part.loss).law
        except FitError as exc:
            failed[name] = exc.message.removeprefix(
                f"{name}: "
            )  # the fit's message names its dataset already
            continue
        acc.direct.extend(_direct_errors(name, sw, part, laws[name], cut))
    if failed:  # datasets failing for one reason said once (one line per cutoff and dataset: 30 on 15; p60)
        acc.notes.append(f"cutoff {cut:.3g}, {grouped_reasons(failed, shown=None)}")
    return laws


def _translate_cutoff(
    sweeps: Mapping[str, Sweep],
    pairs: Mapping[tuple[str, str], tuple[Index, Index]],
    laws: Mapping[str, ScalingLaw],
    cut: float,
    acc: _Acc,
) -> None:
    by_target: dict[tuple[str, float, float], list[_Single]] = {}
    for (src, tgt), idx in pairs.items():
        if src not in laws or tgt not in laws:
            continue
        try:
            singles = _translation_errors(src, tgt, sweeps, idx, laws, cut, sweeps[tgt].below(cut))
        except FitError as exc:
            acc.notes.append(f"cutoff {cut:.3g}, {src} → {tgt}: {exc.message}")
            continue
        for one in singles:
            acc.trans.append(one[2])
            by_target.setdefault((tgt, one[2].N, one[2].D), []).append(one)
    for items in by_target.values():
        if len(items) >= 2:
            for m, err in _combined_errors(items, cut).items():
                acc.comb[m].append(err)
