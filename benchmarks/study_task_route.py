"""Study: a task loss through its dataset's corrected own loss (the train-to-test route) against the eval's own law.

For each held-out table (the paper's runs, the ``eq3`` and ``ladder`` synthetic shapes) and each (dataset, eval)
other than a dataset's own loss:

- held out: the direct prediction is ``predict_point`` (the eval's own law, corrected by its group's backtests, as
  ``l2l predict --eval`` gives it); the route predicts the dataset's own loss with ``predict_point`` (corrected the
  same way) and maps it through L_task ≈ K·(L0 − E0)^κ + E_task fitted on the dataset's training runs
  (``fit_shifted_power``, E0 and E_task from the two laws' fits);
- backtests: at each cutoff of the groups' backtests (``planned_refits``: the same cutoffs and warm-started
  refits ``calibrate`` makes), the task law refitted below the cutoff predicts the task runs above (direct), and
  the own law refitted below it, mapped through the train-to-test curve fitted on the pairs below it (E0, E_task
  from the cutoff's refits), predicts them too (route). Errors: mean |log(actual / predicted)| over runs within
  3× of compute-optimal (as ``--form auto`` scores forms), all runs where none are.

Then the rule "the route where its backtest error is below the direct law's by a margin (the direct law
otherwise)" is scored on the held-out points. Writes benchmarks/results/study_task_route_<table>.{csv,md}.

    python benchmarks/study_task_route.py --table paper
    python benchmarks/study_task_route.py --table eq3 --seeds 20
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import itertools
import math
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from dataclasses import replace as dc_replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_calibration import _heldout_tables

from l2l.base.errors import FitError, SelectionError, UsageError
from l2l.core.backtest import BacktestOptions, _direct_errors, planned_refits, refit_planned
from l2l.core.calibrate import CalibrationCache, calibrate
from l2l.core.error_model import MAX_ASPECT, BacktestResidual, ErrorModel, fit_error_model
from l2l.core.fit import FitCache, FitOptions
from l2l.core.laws import Array, ScalingLaw
from l2l.core.loss_to_loss import fit_shifted_power
from l2l.core.predictive import Placement, aspect_of
from l2l.core.sweep import Sweep, at_or_below, pair_configs
from l2l.workflows.evaluate import plan_holdout
from l2l.workflows.lawbook import OWN_GROUP, LawBook
from l2l.workflows.predict import predict_point

RESULTS = Path(__file__).parent / "results"
MARGINS = (0.0, 0.1, 0.25, 0.5)


@dataclass
class _Group:
    """A group's backtest refits (dataset → cutoff → law, the warm-started refits ``calibrate`` makes) and, per
    cutoff, the error model its own backtests inside the runs at or below that cutoff learn (nested: what the
    product's bias correction would have been, had the sweep ended at the cutoff)."""

    table: dict[str, Sweep]
    opts: BacktestOptions | None
    laws: dict[str, dict[float, ScalingLaw]]
    inner: dict[float, ErrorModel | None] = field(default_factory=dict)

    def model_at(self, cut: float) -> ErrorModel | None:
        if cut not in self.inner:
            below = {ds: sw.below(cut) for ds, sw in self.table.items() if len(sw.below(cut))}
            try:
                self.inner[cut] = calibrate(below, self.opts).direct if self.opts is not None else None
            except (FitError, UsageError):
                self.inner[cut] = None
        return self.inner[cut]

    def corrected(self, ds: str, cut: float, law: ScalingLaw, n: Array, d: Array, k: float) -> Array:
        """``law``'s predictions at (n, d) corrected by the nested error model of ``cut`` (as ``predict`` corrects
        a prediction by its group's backtests)."""
        pred = law.predict(n, d)
        model = self.model_at(cut)
        if model is None or ds not in self.table:
            return pred
        part = self.table[ds].below(cut)
        asp = aspect_of(law, n, d)
        out = np.array(pred, dtype=np.float64)
        for i in range(len(out)):
            where = Placement.at(float(n[i]), float(d[i]), k * float(n[i] * d[i]), part, float(asp[i]), ds)
            with contextlib.suppress(FitError):  # too scattered to bound: left uncorrected
                out[i] = model.interval(float(pred[i]), where).estimate
        return out


def _group(book: LawBook, group: str) -> _Group:
    members = book.members(group)
    table: dict[str, Sweep] = {}
    forms: dict[str, str] = {}
    warm: dict[str, np.ndarray] = {}
    for ds, ev in members:
        fit = book.try_get(ds, ev)
        if isinstance(fit, FitError):
            continue
        table[ds] = book.sweeps.get(ds, ev)
        forms[ds] = fit.form
        warm[ds] = np.asarray(fit.law.theta)
    if not table:
        return _Group({}, None, {})
    form = next(iter(forms.values()))
    opts = BacktestOptions(form=form, forms=forms, warm_starts=warm, translations=False)
    plans = planned_refits(table, opts)
    laws = refit_planned(plans)
    out: dict[str, dict[float, ScalingLaw]] = {}
    for p in plans:
        out[p.name] = {c: law for c, law in laws[p.key].items() if isinstance(law, ScalingLaw)}
    return _Group(table, opts, out)


def _near(errs: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    return [x for x in errs if abs(x[1]) <= MAX_ASPECT] or list(errs)


def _mean(errs: list[tuple[float, float, float]]) -> float:
    """Mean |log error| near compute-optimal (all where none are), as ``--form auto`` scores forms."""
    near = _near(errs)
    return float(np.mean([abs(e) for e, _, _ in near])) if near else math.nan


def _slope(errs: list[tuple[float, float, float]]) -> float:
    """|log error| per unit of log reach, least squares through 0 (the far backtests weigh most)."""
    near = _near(errs)
    if not near:
        return math.nan
    e = np.array([abs(x[0]) for x in near])
    d = np.array([x[2] for x in near])
    return float(np.sum(d * e) / max(np.sum(d * d), 1e-12))


def _far(errs: list[tuple[float, float, float]]) -> float:
    """Mean |log error| of the farther half of the backtests (by reach)."""
    near = _near(errs)
    if not near:
        return math.nan
    dmed = float(np.median([x[2] for x in near]))
    return float(np.mean([abs(e) for e, _, d in near if d >= dmed]))


SCORES = {"mean": _mean, "slope": _slope, "far": _far}


Errs = list[tuple[float, float, float]]


def _backtest(
    ds: str, own_sw: Sweep, task_sw: Sweep, own_g: _Group, task_g: _Group, k: float
) -> tuple[dict[str, Errs], int, list[BacktestResidual]]:
    """The backtest errors (log error, aspect, log reach) of one (dataset, task): direct and route, each raw (the
    refitted laws alone) and corrected (by the nested error models, as held-out predictions are), and the number
    of cutoffs; and the corrected route's errors as ``BacktestResidual``s (placed as the task law's own backtest
    errors are: what an error model of the route learns from)."""
    own_laws, task_laws = own_g.laws.get(ds, {}), task_g.laws.get(ds, {})
    ii, jj = pair_configs(own_sw.N, own_sw.D, task_sw.N, task_sw.D)
    errs: dict[str, Errs] = {"direct": [], "route": [], "direct_c": [], "route_c": []}
    residuals: list[BacktestResidual] = []
    cuts = 0
    for cut in sorted(set(own_laws) & set(task_laws)):
        own, task = own_laws[cut], task_laws[cut]
        up = ~at_or_below(task_sw.C, cut)
        if not up.any():
            continue
        low = at_or_below(own_sw.C[ii], cut) & at_or_below(task_sw.C[jj], cut)
        try:
            tt = fit_shifted_power(own_sw.loss[ii][low], task_sw.loss[jj][low], own.E, task.E)
        except FitError:
            continue
        n, d, y = task_sw.N[up], task_sw.D[up], task_sw.loss[up]
        asp = aspect_of(task, n, d)
        l0 = own.predict(n, d)
        l0c = own_g.corrected(ds, cut, own, n, d, k)
        ok = (l0 > tt.E0) & (l0c > tt.E0)
        if not ok.any():
            continue
        cuts += 1
        preds = {
            "direct": task.predict(n, d),
            "route": tt.predict(l0),
            "direct_c": task_g.corrected(ds, cut, task, n, d, k),
            "route_c": tt.predict(l0c),
        }
        reach = np.log(task_sw.C[up] / cut)
        placed = _direct_errors(ds, task_sw, task_sw.below(cut), task, cut)
        for i in np.flatnonzero(ok):
            for key, pr in preds.items():
                errs[key].append((float(np.log(y[i] / pr[i])), float(asp[i]), float(reach[i])))
            residuals.append(dc_replace(placed[i], predicted=float(preds["route_c"][i])))
    return errs, cuts, residuals


def study_table(
    label: str, runs: object, split: str | None, top: int | None, form: str
) -> list[dict[str, object]]:
    plan = plan_holdout(runs, holdout_split=split, holdout_top_compute=top)  # type: ignore[arg-type]
    book = LawBook(
        plan.train,
        FitOptions(form=form),
        saved=FitCache(),
        own_eval=plan.own_eval,
        calibrations=CalibrationCache(),
        flops_per_param_token=runs.flops_per_param_token,  # type: ignore[attr-defined]
    )
    groups: dict[str, _Group] = {}
    bt: dict[tuple[str, str], tuple[dict[str, Errs], int, list[BacktestResidual]]] = {}
    k = float(runs.flops_per_param_token)  # type: ignore[attr-defined]
    tt_full: dict[tuple[str, str], object] = {}
    rows: list[dict[str, object]] = []
    for ds, ev, n, d, y in plan.hidden.select("dataset", "eval", "N", "D", "loss").iter_rows():
        own_ev = plan.own_eval.get(ds)
        if own_ev is None or ev == own_ev or not book.sweeps.has(ds, ev) or not book.sweeps.has(ds, own_ev):
            continue
        try:
            p = predict_point(book, ds, ev, float(n), float(d))
            p0 = predict_point(book, ds, own_ev, float(n), float(d))
        except (FitError, SelectionError):
            continue
        own_fit, task_fit = book.get(ds, own_ev), book.get(ds, ev)
        own_sw, task_sw = book.sweeps.get(ds, own_ev), book.sweeps.get(ds, ev)
        key = (ds, ev)
        if key not in tt_full:
            ii, jj = pair_configs(own_sw.N, own_sw.D, task_sw.N, task_sw.D)
            try:
                tt_full[key] = fit_shifted_power(
                    own_sw.loss[ii], task_sw.loss[jj], own_fit.law.E, task_fit.law.E
                )
            except FitError as exc:
                tt_full[key] = exc
        tt = tt_full[key]
        if key not in bt:
            for g in (OWN_GROUP, ev):
                if g not in groups:
                    groups[g] = _group(book, g)
            bt[key] = _backtest(ds, own_sw, task_sw, groups[OWN_GROUP], groups[ev], k)
        usable = not isinstance(tt, FitError) and p0.loss > tt.E0  # type: ignore[attr-defined]
        route_est = float(tt.predict(p0.loss)) if usable else math.nan  # type: ignore[attr-defined]
        errs, n_cut, _ = bt[key]
        rows.append(
            {
                "table": label,
                "dataset": ds,
                "eval": ev,
                "N": n,
                "D": d,
                "actual": y,
                "direct": p.loss,
                "direct_raw": p.law_loss,
                "direct_lo": p.interval.lo,
                "direct_hi": p.interval.hi,
                "direct_lower_bound": p.interval.lower_bound_only,
                "aspect": float(aspect_of(task_fit, np.array([n]), np.array([d]))[0]),
                "own_corrected": p0.loss,
                "route": route_est,
                "err_direct": abs(p.loss / y - 1),
                "err_route": abs(route_est / y - 1) if math.isfinite(route_est) else math.nan,
                # the route from the own law's uncorrected value (as the backtests take it)
                "err_route_raw_own": abs(float(tt.predict(p0.law_loss)) / y - 1)  # type: ignore[attr-defined]
                if math.isfinite(route_est) and p0.law_loss > tt.E0  # type: ignore[attr-defined]
                else math.nan,
                **{f"bt_{r}_{s}": f(e) for r, e in errs.items() for s, f in SCORES.items()},
                "bt_n": len(errs["direct"]),
                "bt_cutoffs": n_cut,
                "form_own": own_fit.form,
                "form_task": task_fit.form,
                "tt_kappa": getattr(tt, "kappa", math.nan),
                "tt_resid_sd": getattr(tt, "resid_sd", math.nan),
            }
        )
    _route_intervals(rows, book, bt, k)
    return rows


def _route_intervals(
    rows: list[dict[str, object]],
    book: LawBook,
    bt: Mapping[tuple[str, str], tuple[dict[str, Errs], int, list[BacktestResidual]]],
    k: float,
    level: float = 0.9,
) -> None:
    """Each row's route interval: the error model of the route's backtests, pooled over the datasets that ran the
    eval (as each other eval's direct laws are calibrated together), conformal like the rest; none (a lower
    bound) where the backtests are too few."""
    models: dict[str, ErrorModel | None] = {}
    for r in rows:
        ev, ds = str(r["eval"]), str(r["dataset"])
        if ev not in models:
            res = [x for (d_, e_), v in bt.items() if e_ == ev for x in v[2]]
            try:
                models[ev] = fit_error_model(res, "direct")
            except FitError:
                models[ev] = None
        model, est = models[ev], float(r["route"])  # type: ignore[arg-type]
        lo = hi = r["route_cal"] = math.nan
        r["route_lower_bound"] = True
        if model is not None and math.isfinite(est) and est > 0:
            n, d = float(r["N"]), float(r["D"])  # type: ignore[arg-type]
            where = Placement.at(n, d, k * n * d, book.sweeps.get(ds, ev), float(r["aspect"]), ds)  # type: ignore[arg-type]
            with contextlib.suppress(FitError):
                pi = model.interval(est, where, level)
                r["route_cal"], lo, hi = pi.estimate, pi.lo, pi.hi
                r["route_lower_bound"] = pi.lower_bound_only
        r["route_lo"], r["route_hi"] = lo, hi


def choose(r: Mapping[str, object], margin: float, score: str = "mean", corrected: bool = False) -> str:
    """The rule: the route where its backtest error is below (1 − margin)× the direct law's; the direct law
    otherwise (and where either is missing)."""
    c = "_c" if corrected else ""
    return _pick(
        float(r[f"bt_direct{c}_{score}"]), float(r[f"bt_route{c}_{score}"]), float(r["err_route"]), margin
    )  # type: ignore[arg-type]


def _pick(bd: float, br: float, er: float, margin: float) -> str:
    if not (math.isfinite(bd) and math.isfinite(br) and math.isfinite(er)):
        return "direct"
    return "route" if br < (1.0 - margin) * bd else "direct"


def choose_pooled(rows: list[dict[str, object]], margin: float, score: str = "mean") -> list[str]:
    """The rule per eval of a table (its backtest scores averaged over the datasets that ran it)."""
    pooled: dict[tuple[str, str], tuple[float, float]] = {}
    for key in {(str(r["table"]), str(r["eval"])) for r in rows}:
        sel = [r for r in rows if (r["table"], r["eval"]) == key]
        pooled[key] = (
            float(np.nanmean([float(r[f"bt_direct_c_{score}"]) for r in sel])),  # type: ignore[arg-type]
            float(np.nanmean([float(r[f"bt_route_c_{score}"]) for r in sel])),  # type: ignore[arg-type]
        )
    return [
        _pick(*pooled[(str(r["table"]), str(r["eval"]))], float(r["err_route"]), margin)  # type: ignore[arg-type]
        for r in rows
    ]


def _line(name: str, ec: np.ndarray, ed: np.ndarray, picked: int | str) -> str:
    better, worse = int(np.sum(ec < ed - 1e-12)), int(np.sum(ec > ed + 1e-12))
    return f"| {name} | {100 * ec.mean():.3f} % | {100 * np.median(ec):.3f} % | {picked} | {better} (worse: {worse}) |"


def summary(rows: list[dict[str, object]], name: str) -> str:
    ok = [r for r in rows if math.isfinite(float(r["err_route"]))]  # type: ignore[arg-type]
    lines = [
        f"## {name}: {len(rows)} held-out other-eval points ({len(ok)} with a route)",
        "",
        "| predictor | mean abs error | median abs error | route chosen | points better than direct |",
        "|---|---|---|---|---|",
    ]
    ed = np.array([float(r["err_direct"]) for r in rows])  # type: ignore[arg-type]
    er = np.array(
        [
            float(r["err_route"]) if math.isfinite(float(r["err_route"])) else float(r["err_direct"])
            for r in rows
        ]  # type: ignore[arg-type]
    )
    lines.append(_line("always direct", ed, ed, 0))
    lines.append(_line("always route", er, ed, len(ok)))
    for sc, m, cor in itertools.product(SCORES, MARGINS, (False, True)):
        pick = [choose(r, m, sc, cor) for r in rows]
        ec = np.array([er[i] if c == "route" else ed[i] for i, c in enumerate(pick)])
        lines.append(
            _line(
                f"rule ({sc}{', corrected' if cor else ''}), margin {int(100 * m)} %",
                ec,
                ed,
                pick.count("route"),
            )
        )
    for sc, m in itertools.product(SCORES, MARGINS):
        pick = choose_pooled(rows, m, sc)
        ec = np.array([er[i] if c == "route" else ed[i] for i, c in enumerate(pick)])
        lines.append(
            _line(f"rule per eval ({sc}, corrected), margin {int(100 * m)} %", ec, ed, pick.count("route"))
        )
    err = np.array([float(r["err_route_raw_own"]) for r in rows])  # type: ignore[arg-type]
    err = np.where(np.isfinite(err), err, ed)
    lines.append(_line("always route, own law uncorrected", err, ed, len(ok)))
    lines.append(_line("oracle (per point)", np.minimum(ed, er), ed, "–"))
    lines += ["", *_agreement(rows), "", *_coverage(rows)]
    # per eval, over datasets (and seeds)
    lines += [
        "",
        "| eval | n | direct | route | bt direct (corrected) | bt route (corrected) | rule (mean, corrected, 10 %) |",
        "|---|---|---|---|---|---|---|",
    ]
    for ev in sorted({str(r["eval"]) for r in rows}):
        sel = [i for i, r in enumerate(rows) if r["eval"] == ev]
        bd = np.nanmean([float(rows[i]["bt_direct_c_mean"]) for i in sel])  # type: ignore[arg-type]
        br = np.nanmean([float(rows[i]["bt_route_c_mean"]) for i in sel])  # type: ignore[arg-type]
        ec = [er[i] if choose(rows[i], 0.1, "mean", True) == "route" else ed[i] for i in sel]
        lines.append(
            f"| {ev} | {len(sel)} | {100 * ed[sel].mean():.2f} % | {100 * er[sel].mean():.2f} % | "
            f"{100 * bd:.2f} % | {100 * br:.2f} % | {100 * np.mean(ec):.2f} % |"
        )
    return "\n".join(lines) + "\n"


def _agreement(rows: list[dict[str, object]]) -> list[str]:
    """How often the backtests prefer the predictor the held-out points prefer: the signs of log(route / direct)
    of the backtest scores (corrected) and of the held-out errors, per point and per eval (pooled), and their
    Spearman correlation."""
    from scipy.stats import spearmanr

    out = [
        "| backtest score | per point: sign agrees | Spearman | per eval: sign agrees | Spearman |",
        "|---|---|---|---|---|",
    ]
    for sc in SCORES:

        def ratio(sel: list[dict[str, object]], a: str, b: str) -> float:
            return math.log(
                float(np.nanmean([float(r[a]) for r in sel])) / float(np.nanmean([float(r[b]) for r in sel]))  # type: ignore[arg-type]
            )

        ok = [r for r in rows if math.isfinite(float(r["err_route"])) and float(r["err_direct"]) > 0]  # type: ignore[arg-type]
        bt = np.array([ratio([r], f"bt_route_c_{sc}", f"bt_direct_c_{sc}") for r in ok])
        ho = np.array([ratio([r], "err_route", "err_direct") for r in ok])
        evs = sorted({(str(r["table"]), str(r["eval"])) for r in ok})
        groups = [[r for r in ok if (r["table"], r["eval"]) == e] for e in evs]
        pb = np.array([ratio(g, f"bt_route_c_{sc}", f"bt_direct_c_{sc}") for g in groups])
        ph = np.array([ratio(g, "err_route", "err_direct") for g in groups])
        out.append(
            f"| {sc} | {100 * np.mean((bt < 0) == (ho < 0)):.0f} % of {len(ok)} | {spearmanr(bt, ho)[0]:+.2f} | "
            f"{100 * np.mean((pb < 0) == (ph < 0)):.0f} % of {len(evs)} | {spearmanr(pb, ph)[0]:+.2f} |"
        )
    return out


#: The rule whose intervals are scored (``_coverage``): per eval, the farther half of the backtests, 10 % margin.
RULE = ("far", 0.1)


def _coverage(rows: list[dict[str, object]]) -> list[str]:
    """90 % intervals on the held-out points: the direct law's (``predict``'s own), the route's (its own
    backtests' error model, conformal; its estimate then corrected by the route's backtest bias too), and the
    rule's (each point the chosen predictor's); calibrated points only (not lower bounds)."""

    def one(name: str, est: list[float], lo: list[float], hi: list[float], ok: list[bool]) -> str:
        ys = [float(r["actual"]) for r in rows]  # type: ignore[arg-type]
        idx = [i for i in range(len(rows)) if ok[i] and math.isfinite(lo[i]) and math.isfinite(hi[i])]
        if not idx:
            return f"| {name} | 0 | – | – | – |"
        cov = sum(lo[i] <= ys[i] <= hi[i] for i in idx)
        hw = float(np.median([(hi[i] - lo[i]) / (2 * est[i]) for i in idx]))
        ae = float(np.median([abs(est[i] / ys[i] - 1) for i in idx]))
        return (
            f"| {name} | {len(idx)} | {cov}/{len(idx)} = {100 * cov / len(idx):.1f} % | {100 * hw:.2f} % | "
            f"{100 * ae:.2f} % |"
        )

    def col(k: str) -> list[float]:
        return [float(r.get(k, math.nan)) for r in rows]  # type: ignore[arg-type]

    d_ok = [str(r["direct_lower_bound"]) in ("False", "0", "0.0") for r in rows]
    r_ok = [math.isfinite(x) for x in col("route_lo")]
    r_cal = [r_ok[i] and str(r["route_lower_bound"]) in ("False", "0", "0.0") for i, r in enumerate(rows)]
    pick = choose_pooled(rows, RULE[1], RULE[0])
    use = [c == "route" and r_ok[i] for i, c in enumerate(pick)]
    est = [col("route_cal")[i] if use[i] else col("direct")[i] for i in range(len(rows))]
    lo = [col("route_lo")[i] if use[i] else col("direct_lo")[i] for i in range(len(rows))]
    hi = [col("route_hi")[i] if use[i] else col("direct_hi")[i] for i in range(len(rows))]
    ok = [r_cal[i] if use[i] else d_ok[i] for i in range(len(rows))]
    every = [True] * len(rows)
    both = [d_ok[i] and r_ok[i] for i in range(len(rows))]
    rule = f"rule per eval ({RULE[0]}, {int(100 * RULE[1])} %)"
    return [
        "| 90 % intervals | n | coverage | median half-width | median abs error of its estimate |",
        "|---|---|---|---|---|",
        one(
            "route (its backtests, conformal), calibrated",
            col("route_cal"),
            col("route_lo"),
            col("route_hi"),
            r_cal,
        ),
        one(f"{rule}, calibrated", est, lo, hi, ok),
        # the same points: where predict's own interval is calibrated (not a poor law's lower bound)
        one("direct (predict's), where calibrated", col("direct"), col("direct_lo"), col("direct_hi"), d_ok),
        one("route, where direct calibrated", col("route_cal"), col("route_lo"), col("route_hi"), both),
        one(
            f"{rule}, where direct calibrated",
            est,
            lo,
            hi,
            [d_ok[i] and (r_ok[i] or not use[i]) for i in range(len(rows))],
        ),
        one("direct (predict's), all", col("direct"), col("direct_lo"), col("direct_hi"), every),
        one("route, all with an interval", col("route_cal"), col("route_lo"), col("route_hi"), r_ok),
        one(f"{rule}, all", est, lo, hi, every),
    ]


def _noisy_tasks(args: argparse.Namespace) -> list[tuple[str, object, str | None, int | None]]:
    """The eq3 table with ``--task-noise`` more log-noise on its downstream task losses (a positive control: the
    task's own law then rests on noisier runs than the own loss the route goes through)."""
    import tempfile

    from l2l.io.tables import read_runs
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv

    tmp = Path(tempfile.mkdtemp())
    out: list[tuple[str, object, str | None, int | None]] = []
    for seed in range(args.seeds):
        rows = synthetic_runs(SyntheticSpec(seed=seed, noise=args.noise))
        rng = np.random.default_rng(1000 + seed)
        for r in rows:
            if str(r["eval"]).startswith("downstream/") and r["split"] == "sweep":
                r["loss"] = float(r["loss"]) * math.exp(args.task_noise * rng.standard_normal())  # type: ignore[arg-type]
        path = tmp / f"eq3noisy{seed}.csv"
        write_csv(rows, str(path))
        out.append((f"eq3noisy seed {seed}", read_runs([path]), "extrapolation", None))
    return out


def _value(v: str) -> object:
    try:
        return float(v)
    except ValueError:
        return v


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default="paper")
    ap.add_argument("--seeds", type=int, default=1)
    ap.add_argument("--form", default="auto")
    ap.add_argument("--noise", type=float, default=0.004)
    ap.add_argument("--public", default="/work/shared/data/public")
    ap.add_argument("--runs", default="sample_data/brandfonbrener2024_runs.csv")
    ap.add_argument(
        "--task-noise", type=float, default=0.02, help="eq3noisy: extra log-noise sd on task losses"
    )
    ap.add_argument("--summarise", action="store_true", help="re-summarise the stored CSV only")
    args = ap.parse_args()
    t0 = time.perf_counter()
    name = f"study_task_route_{args.table}" + ("" if args.form == "auto" else f"_{args.form}")
    if args.summarise:
        with (RESULTS / f"{name}.csv").open() as fh:
            got: list[dict[str, object]] = [{k: _value(v) for k, v in r.items()} for r in csv.DictReader(fh)]
        text = f"# {' '.join(sys.argv)} (re-summarised from the stored CSV)\n\n" + summary(got, args.table)
        (RESULTS / f"{name}.md").write_text(text)
        print(text)
        return
    rows: list[dict[str, object]] = []
    tables = _noisy_tasks(args) if args.table == "eq3noisy" else _heldout_tables(args)
    for label, runs, split, top in tables:
        rows += study_table(label, runs, split, top, args.form)
        print(f"{label}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"{name}.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    text = f"# {' '.join(sys.argv)}\n# {time.perf_counter() - t0:.0f} s\n\n" + summary(rows, args.table)
    (RESULTS / f"{name}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
