"""Per-command report builders: each takes already-computed results and arranges them as ``Report`` rows.

No data work happens here (no polars aggregation, no fitting): the numbers come from the library, the layout from
``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from l2l.base.schema import OUTPUT_FORMATS
from l2l.base.text import fmt_fixed, fmt_pct, fmt_sig, plural
from l2l.output.render import Column, Report

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.base.schema import Kind
    from l2l.io.workspace import Workspace
    from l2l.workflows.evaluate import Evaluation
    from l2l.workflows.lawbook import FitOutcome, Residual
    from l2l.workflows.lawfile import FilePrediction
    from l2l.workflows.predict import Allocation, LawPrediction
    from l2l.workflows.translate import ChainPrediction, TranslationResult
    from l2l.workflows.via import ViaPrediction


# ---------------------------------------------------------------------------------------------------------------
# Builders for the fitting commands. They take result objects (duck-typed: .to_dict()) and return Reports.
# ---------------------------------------------------------------------------------------------------------------

_GREEK = {"alpha": "α", "beta": "β", "kappa": "κ"}


def _flags(d: dict[str, Any]) -> str:
    out = []
    if d.get("at_bounds"):
        out.append("bound:" + ",".join(_GREEK.get(k, k) for k in d["at_bounds"]))
    if d.get("converged") is False:
        out.append("not settled")
    return " ".join(out) or "ok"


def _choice_and_flag(
    d: dict[str, Any],
    outcome: FitOutcome,
    key: tuple[str, str],
    chosen: dict[str, list[str]],
    notes: list[str],
) -> None:
    """A fit-law row's form choice (--form auto: every form's backtest error) and poor-law flag, in place."""
    choice = outcome.choices.get(key)
    if choice is not None:
        d["form_choice"] = choice.to_dict()
        for sc in choice.scores:
            d[f"backtest_{sc.form}"] = sc.error
        chosen.setdefault(choice.reason, []).append("/".join(key))
    flag = outcome.flags.get(key)
    if flag:
        d["status"] = "poor"
        d["flags"] = f"{d['flags']}; {flag}" if d["flags"] else flag
        notes.append(f"{'/'.join(key)}: {flag}")


def fits_report(
    outcome: FitOutcome, *, form: str, objective: str, delta: float, equation: str
) -> list[Report]:
    """fit-law: one row per (dataset, eval) like the paper's Tables 2 and 3, plus intervals when bootstrapped."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    boot_rows: list[dict[str, Any]] = []
    chosen: dict[str, list[str]] = {}
    for (ds, ev), res in zip(outcome.keys, outcome.results, strict=True):
        if isinstance(res, Exception):
            rows.append(
                {
                    "dataset": ds,
                    "eval": ev,
                    "form": form,
                    "status": "failed",
                    "error": str(res),
                    "converged": False,
                }
            )
            notes.append(f"{ds}/{ev}: not fitted: {res}")
            continue
        d = res.to_dict()
        d.pop("bootstrap", None)
        d["status"] = "ok" if not d["at_bounds"] and d["converged"] else "warning"
        d["flags"] = _flags(d)
        _choice_and_flag(d, outcome, (ds, ev), chosen, notes)
        rows.append(d)
        notes.extend(f"{ds}/{ev}: {w}" for w in d["warnings"])
        iv = res.parameter_intervals()
        if iv and res.bootstrap is not None:
            b = {"dataset": ds, "eval": ev, "draws": int(res.bootstrap.shape[0]), "unit": res.bootstrap_unit}
            for k, (lo, hi) in iv.items():
                b[f"{k}_lo"], b[f"{k}_hi"] = lo, hi
            boot_rows.append(b)
            d.update({k: v for k, v in b.items() if k not in ("dataset", "eval")})
            d["bootstrap_draws"] = d.pop("draws")
            d["bootstrap_unit"] = d.pop("unit")
    obj = f"Huber (δ = {delta:g})" if objective == "huber" else "least squares"
    head = [f"L = {equation}; objective: {obj} on log loss, summed over runs."]
    if form == "auto":
        head = [
            "--form auto: each group of laws (the own losses; each other eval across datasets) in the form its "
            "backtests favour (backtest error: mean |log error| of refits below each cutoff predicting the runs "
            f"above, corrected where that helped); objective: {obj} on log loss, summed over runs."
        ]
        head += [f"{', '.join(who[:3])}{' …' if len(who) > 3 else ''}: {why}" for why, who in chosen.items()]
    if outcome.results:
        n_starts = next((r.n_starts for r in outcome.results if not isinstance(r, Exception)), None)
        if n_starts:
            head.append(
                f"{n_starts:,} starts per fit; {len(outcome.keys) - outcome.reused} fitted in "
                f"{outcome.seconds:.2f} s"
                + (f", {outcome.reused} reused from the workspace" if outcome.reused else "")
                + "."
            )
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=form == "auto", drop=3),
        Column("A", drop=2),  # narrow terminals keep E, α, β, R² and the flags longest
        Column("B", drop=2),
        Column("E", fmt=fmt_fixed(3)),
        Column("alpha", "α", fmt=fmt_fixed(3)),
        Column("beta", "β", fmt=fmt_fixed(3)),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3), drop=2),
        Column("n_points", "runs", drop=2),
        Column("objective", table=False),
        Column("delta", table=False),
        Column("objective_value", "objective", fmt=lambda x: fmt_sig(x, 4), drop=4),
        Column("r2", "R² (log)", fmt=fmt_fixed(4)),
        Column("rmse", "RMSE (log)", fmt=fmt_fixed(4), drop=3),
        Column("converged", table=False),
        Column("at_bounds", table=False),
        Column("flags", justify="left"),
        Column("status", table=False),
        Column("error", table=False),
        Column("warnings", table=False),
        Column("n_starts", table=False),
    ]
    reports = [
        Report(
            "fit-law",
            cols,
            rows,
            title=f"Scaling laws ({form})",
            notes=head + notes,
            meta={"form": form, "equation": equation, "objective": objective, "delta": delta},
        )
    ]
    if boot_rows:
        bcols = [
            Column("dataset", justify="left"),
            Column("eval", justify="left"),
            Column("draws"),
            Column("unit", justify="left"),
        ]
        for k in ("A", "B", "E", "alpha", "beta", "a"):
            if any(f"{k}_lo" in r for r in boot_rows):
                label = _GREEK.get(k, k)
                bcols.append(Column(f"{k}_lo", f"{label} lo", fmt=fmt_sig))
                bcols.append(Column(f"{k}_hi", f"{label} hi", fmt=fmt_sig))
        reports.append(
            Report(
                "fit-law-intervals",
                bcols,
                boot_rows,
                title="Bootstrap 95% percentile intervals",
                show_in=frozenset({"table"}),
            )
        )
    return reports


def _pct_level(rows: Sequence[dict[str, Any]]) -> str:
    """ "90%" from the rows' interval level."""
    levels = {float(r["level"]) for r in rows if r.get("level") is not None}
    return f"{100 * next(iter(levels)):g}%" if len(levels) == 1 else "interval"


def _times(x: Any) -> str:
    """A ratio to the largest fitted value: 20.5×, 0.031×."""
    return f"{x:.3g}×" if isinstance(x, (int, float)) else fmt_sig(x)


def _reach(r: dict[str, Any]) -> str:
    """How far a prediction lies beyond the fitted runs, in words."""
    parts = [
        f"{r[k]:.3g}× in {w}"
        for k, w in (("C_ratio", "compute"), ("N_ratio", "N"), ("D_ratio", "D"))
        if k in r
    ]
    return "target / largest fitted: " + ", ".join(parts)


def _interval_notes(rows: Sequence[dict[str, Any]], label: Callable[[dict[str, Any]], str]) -> list[str]:
    """Per row: how far it extrapolates, and every note of its interval (warnings first-class: a row beyond the
    backtests' evidence or flagged a lower bound is a warning)."""
    out: list[str] = []
    for r in rows:
        words = [n for n in r.get("notes", []) if "the largest fitted" not in n or "below" in n]
        head = "warning: " if r.get("beyond_evidence") or r.get("lower_bound_only") else ""
        line = f"{head}{label(r)}: {_reach(r)}"
        out.append(line + ("; " + "; ".join(words) if words else ""))
    return out


def _interval_head(rows: Sequence[dict[str, Any]]) -> str:
    fixed = [r for r in rows if r.get("corrected", True)]
    what = (
        "the law's loss corrected by the bias its own sweep's backtests measured (law: uncorrected)"
        if len(fixed) == len(rows)
        else "the law's own loss (no correction helped in its backtests)"
        if not fixed
        else "the law's loss, corrected by its backtests' bias where that helped (law: uncorrected)"
    )
    return (
        f"estimate: {what}; "
        f"{_pct_level(rows)} predictive interval from the backtested extrapolation error (a lower bound where "
        "flagged); C×, N×, D×: the target over the largest fitted value (above 1: extrapolated)."
    )


def predictions_report(preds: Sequence[LawPrediction]) -> Report:
    rows = [p.to_dict() for p in preds]
    pct = _pct_level(rows)
    notes = [_interval_head(rows)]
    notes += _interval_notes(
        rows, lambda r: f"{r['dataset']}/{r['eval']} at N={_sci(r['N'])}, D={_sci(r['D'])}"
    )
    notes += sorted({w for r in rows for w in r["warnings"]})
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("N"),
        Column("D"),
        Column("C", drop=2),
        Column("loss", "estimate", fmt=fmt_fixed(4)),
        Column("loss_lo", f"{pct} lo", fmt=fmt_fixed(4)),
        Column("loss_hi", f"{pct} hi", fmt=fmt_fixed(4)),
        Column("loss_law", "law", fmt=fmt_fixed(4)),
        Column("C_ratio", "C×", fmt=_times),
        Column("N_ratio", "N×", fmt=_times, drop=2),
        Column("D_ratio", "D×", fmt=_times, drop=2),
        Column("lower_bound_only", "lower bound", drop=3),
        Column("level", table=False),
        Column("interval_method", table=False),
        Column("beyond_evidence", table=False),
        Column("sd_param", table=False),
        Column("notes", table=False),
        Column("warnings", table=False),
    ]
    return Report("predict", cols, rows, title="Predicted loss", notes=notes)


def allocations_report(allocs: Sequence[Allocation]) -> Report:
    rows = [a.to_dict() for a in allocs]
    pct = _pct_level(rows)
    notes = [
        _interval_head(rows),
        f"N*, D*: {pct} percentile intervals over the law's bootstrap draws: parameter uncertainty only (no "
        "backtest can score an optimum, which is never measured), a lower bound.",
    ]
    notes += _interval_notes(rows, lambda r: f"{r['dataset']}/{r['eval']} at C={_sci(r['C'])}")
    notes += sorted({w for r in rows for w in r["warnings"]})
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("C"),
        Column("N_opt", "N*"),
        Column("N_opt_lo", "N* lo", drop=2),
        Column("N_opt_hi", "N* hi", drop=2),
        Column("D_opt", "D*"),
        Column("D_opt_lo", "D* lo", drop=3),
        Column("D_opt_hi", "D* hi", drop=3),
        Column("tokens_per_param", "D*/N*", fmt=fmt_fixed(1), drop=2),
        Column("loss", "loss at N*", fmt=fmt_fixed(4)),
        Column("loss_lo", f"{pct} lo", fmt=fmt_fixed(4)),
        Column("loss_hi", f"{pct} hi", fmt=fmt_fixed(4)),
        Column("loss_law", "law", fmt=fmt_fixed(4), drop=2),
        Column("C_ratio", "C×", fmt=_times, drop=2),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3), drop=3),
        Column("lower_bound_only", table=False),
        Column("level", table=False),
        Column("interval_method", table=False),
        Column("beyond_evidence", table=False),
        Column("sd_param", table=False),
        Column("optimum_draws", table=False),
        Column("notes", table=False),
        Column("warnings", table=False),
    ]
    k = rows[0]["flops_per_param_token"] if rows else 6.0
    relation = "C = 6ND" if k == 6.0 else f"C = {k:.4g}·N·D, as the table's C column gives"
    cols.append(Column("flops_per_param_token", table=False))
    return Report("optimal", cols, rows, title=f"Compute-optimal allocation ({relation})", notes=notes)


def via_report(pred: ViaPrediction) -> Report:
    """predict --via: every step (measured source losses, translations, the combination, the train-test step)
    with its interval, then the end result and the measured value where the table has it."""
    rows = pred.to_dicts()
    pct = _pct_level([r for r in rows if r.get("level") is not None])
    res = pred.result
    where = (
        f"N={_sci(pred.N)}, D={_sci(pred.D)}" if pred.N is not None and pred.D is not None else "no run given"
    )
    notes = [
        f"result: {pred.target}:{pred.eval} = {res.estimate:.4f}, {pct} interval [{res.lo:.4f}, {res.hi:.4f}]"
        f"{' (a lower bound)' if res.lower_bound_only else ''}; translation alone (uncorrected): {res.raw:.4f}; "
        f"{where}, C = {_sci(pred.C)}{' (inferred)' if pred.C_inferred else ''}, "
        f"{pred.C_ratio:.3g}× the target's largest fitted budget.",
        "backtested: the step's interval comes from backtests of train-to-train translations (own losses); "
        "a step that is not is a lower bound.",
    ]
    if pred.combine not in ("single", ""):
        notes.append(
            f"{len(pred.sources)} sources combined by their {pred.combine} (backtested as one prediction)."
        )
    if pred.actual is not None:
        err = abs(res.estimate - pred.actual) / pred.actual
        inside = "inside" if res.covers(pred.actual) else "OUTSIDE"
        notes.append(
            f"measured {pred.target}:{pred.eval} at this (N, D): {pred.actual:.4f} (relative error "
            f"{100 * err:.2f}%, {inside} the interval)"
        )
    notes.extend(pred.notes)
    seen: set[str] = set()
    for r in rows:
        for n in r["notes"]:
            if n not in seen and not n.endswith(" sources"):
                seen.add(n)
                notes.append(f"{r['step'].split(':')[0]}: {n}")
    if any(r["extrapolated"] for r in rows):
        notes.append("a step extrapolates beyond the losses its translation was fitted on")
    cols = [
        Column("step", justify="left"),
        Column("loss", "estimate", fmt=fmt_fixed(4)),
        Column("loss_lo", f"{pct} lo", fmt=fmt_fixed(4)),
        Column("loss_hi", f"{pct} hi", fmt=fmt_fixed(4)),
        Column("backtested", drop=2),
        Column("kappa", "κ", fmt=fmt_fixed(3), drop=3),
        Column("kappa_lo", table=False),
        Column("kappa_hi", table=False),
        Column("K", fmt=fmt_fixed(3), drop=3),
        Column("K_lo", table=False),
        Column("K_hi", table=False),
        Column("E0", fmt=fmt_fixed(3), drop=4),
        Column("E1", fmt=fmt_fixed(3), drop=4),
        Column("extrapolated", drop=3),
        Column("kind", table=False),
        Column("source", table=False),
        Column("dataset", table=False),
        Column("eval", table=False),
        Column("loss_law", table=False),
        Column("level", table=False),
        Column("interval_method", table=False),
        Column("lower_bound_only", table=False),
        Column("N", table=False),
        Column("D", table=False),
        Column("C", table=False),
        Column("C_ratio", table=False),
        Column("actual", table=False),
        Column("notes", table=False),
    ]
    return Report(
        "predict-via",
        cols,
        rows,
        title="Prediction through loss-to-loss translation",
        notes=notes,
        meta={"result": res.to_dict(), "sources": list(pred.sources), "combine": pred.combine},
    )


def translations_report(results: Sequence[TranslationResult], *, kind: Kind) -> list[Report]:
    """translate: the matrix of K, κ, E0, E1 like the paper's Tables 6–8, then implied vs independent laws."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    law_rows: list[dict[str, Any]] = []
    for res in results:
        d = res.to_dict()
        d["target"] = (
            res.tgt
            if kind == "train-train"
            else res.eval
            if kind == "train-test"
            else (f"{res.tgt}:{res.eval}")
        )
        rows.append(d)
        label = f"{res.src} → {d['target']}"
        if res.translation is None:
            notes.append(f"{label}: not fitted: {res.error}")
            continue
        notes.extend(f"{label}: {w}" for w in res.translation.warnings)
        for role, law in (("E0", res.x_law), ("E1", res.y_law)):
            if law is None:
                continue
            for w in law.warnings:
                note = f"{role} from the law of {law.eval} on {law.dataset}: {w}"
                if note not in notes:
                    notes.append(note)
        if res.implied is not None and res.y_law is not None:
            imp, ind = res.implied, res.y_law.law
            law_rows.append(
                {
                    "target": d["target"],
                    "A_implied": imp.A,
                    "B_implied": imp.B,
                    "E_implied": imp.E,
                    "alpha_implied": imp.alpha,
                    "beta_implied": imp.beta,
                    "A": ind.A,
                    "B": ind.B,
                    "E": ind.E,
                    "alpha": ind.alpha,
                    "beta": ind.beta,
                    "C": res.C,
                    "N_opt_implied": res.n_opt_implied,
                    "N_opt_implied_lo": d.get("N_opt_implied_lo"),
                    "N_opt_implied_hi": d.get("N_opt_implied_hi"),
                    "N_opt_independent": res.n_opt_independent,
                    "N_opt_ratio": (
                        res.n_opt_implied / res.n_opt_independent
                        if res.n_opt_implied and res.n_opt_independent
                        else None
                    ),
                }
            )
    src = results[0].src if results else ""
    head = [
        f"L1 ≈ K·(L0 − E0)^κ + E1 with E0, E1 from independent fits"
        f"{' (E1 fitted: --free-e1)' if any(r.get('free_e1') for r in rows) else ''}; "
        "R² of the log–log fit; resid sd = sd of log(y/ŷ)."
    ]
    has_bands = any(r.get("K_lo") is not None for r in rows)
    if has_bands:
        head.append(
            f"K, κ: {_pct_level(rows)} percentile intervals over refits on resampled pairs with bootstrap draws of "
            "E0 and E1 (parameter uncertainty only; a translated prediction's interval is `l2l predict --via`'s)."
        )
    cols = [
        Column("src", justify="left", drop=9),  # the same in every row, and in the title: first to leave
        Column("target", justify="left", data=False),  # a label of tgt/eval: JSON and CSV carry those
        Column("tgt", table=False),
        Column("x_eval", table=False),
        Column("eval", table=False),
        Column("kind", table=False),
        Column("kappa", "κ", fmt=fmt_fixed(3)),
        Column("kappa_lo", f"κ {_pct_level(rows)} lo", fmt=fmt_fixed(3), table=has_bands, drop=3),
        Column("kappa_hi", f"κ {_pct_level(rows)} hi", fmt=fmt_fixed(3), table=has_bands, drop=3),
        Column("K", fmt=fmt_fixed(3)),
        Column("K_lo", f"K {_pct_level(rows)} lo", fmt=fmt_fixed(3), table=has_bands, drop=3),
        Column("K_hi", f"K {_pct_level(rows)} hi", fmt=fmt_fixed(3), table=has_bands, drop=3),
        Column("E0", fmt=fmt_fixed(3)),
        Column("E1", "E1", fmt=fmt_fixed(3)),
        Column("n_pairs", "pairs"),
        Column("n_excluded", "excluded", drop=2),
        Column("r2", "R²", fmt=fmt_fixed(4)),
        Column("resid_sd", "resid sd", fmt=fmt_pct(2)),
        Column("free_e1", table=False),
        Column("x_min", table=False),
        Column("x_max", table=False),
        Column("error", table=False),
        Column("warnings", table=False),
        Column("level", table=False),
        Column("N_opt_implied_lo", table=False),
        Column("N_opt_implied_hi", table=False),
        Column("interval_draws", table=False),
    ]
    title = {"train-train": "Train-to-train", "train-test": "Train-to-test", "test-test": "Test-to-test"}[
        kind
    ]
    reports = [
        Report(
            "translate",
            cols,
            rows,
            title=f"{title} translations from {src}",
            notes=head + notes,
            meta={"translation_kind": kind},  # "kind" names the report, as in every JSON document
        )
    ]
    if law_rows:
        lcols = [Column("target", justify="left")]
        for k, label in (("A", "A"), ("B", "B"), ("E", "E"), ("alpha", "α"), ("beta", "β")):
            lcols.append(Column(f"{k}_implied", f"{label}'", fmt=fmt_sig if k in "AB" else fmt_fixed(3)))
            lcols.append(Column(k, label, fmt=fmt_sig if k in "AB" else fmt_fixed(3)))
        lcols += [
            Column("C", "at C"),
            Column("N_opt_implied", "N* implied"),
            Column("N_opt_implied_lo", "lo", table=has_bands),
            Column("N_opt_implied_hi", "hi", table=has_bands),
            Column("N_opt_independent", "N* independent"),
            Column("N_opt_ratio", "ratio", fmt=fmt_fixed(3)),
        ]
        reports.append(
            Report(
                "translate-laws",
                lcols,
                law_rows,
                title="Target law implied by the source law (') beside its independent fit",
                show_in=frozenset({"table"}),
                notes=[
                    "Eq. 3 pushed through the power law: A' = A·K^(1/(κα)), "
                    "B' = B·K^(1/(κβ)), α' = κα, β' = κβ, E' = E1; N* implied = N* of the source."
                ],
            )
        )
    return reports


def chain_report(pred: ChainPrediction) -> Report:
    rows = pred.to_dicts()
    notes = []
    last = rows[-1]
    if pred.actual is not None:
        err = abs(last["loss"] - pred.actual) / pred.actual
        notes.append(
            f"measured {last['dataset']}:{last['eval']} at this (N, D): {pred.actual:.4f} "
            f"(relative error {100 * err:.2f}%)"
        )
    if any(r["extrapolated"] for r in rows):
        notes.append("a step extrapolates beyond the losses its translation was fitted on")
    cols = [
        Column("step", justify="left"),
        Column("loss", fmt=fmt_fixed(4)),
        Column("kappa", "κ", fmt=fmt_fixed(3)),
        Column("K", fmt=fmt_fixed(3)),
        Column("E0", fmt=fmt_fixed(3)),
        Column("E1", fmt=fmt_fixed(3)),
        Column("extrapolated"),
        Column("dataset", table=False),
        Column("eval", table=False),
        Column("N", table=False),
        Column("D", table=False),
        Column("actual", table=False),
    ]
    return Report("predict-via", cols, rows, title="Prediction through loss-to-loss translation", notes=notes)


def _coverage_report(rows: Sequence[dict[str, Any]]) -> Report:
    """evaluate: how honest the intervals were, per setting and method (the same numbers as the main rows')."""
    pct = _pct_level(rows)
    out = []
    for r in rows:
        for m, label in (
            ("independent", "independent"),
            ("loss_to_loss", "loss-to-loss"),
            ("combined", "combined"),
        ):
            if r.get(f"coverage_{m}") is None:
                continue
            err_key = {"independent": "mean_error_independent_corrected"}.get(m, f"mean_error_{m}")
            out.append(
                {
                    "setting": r["setting"],
                    "method": label,
                    "coverage": r[f"coverage_{m}"],
                    "half_width": r[f"half_width_{m}"],
                    "error": r.get(err_key),
                    "backtested": "no (lower bound)" if r[f"lower_bound_{m}"] else "yes",
                }
            )
    cols = [
        Column("setting", justify="left"),
        Column("method", justify="left"),
        Column("coverage", f"{pct} coverage", fmt=fmt_pct(1)),
        Column("half_width", "median half-width", fmt=fmt_pct(2)),
        Column("error", "mean error", fmt=fmt_pct(2)),
        Column("backtested", justify="left"),
    ]
    return Report(
        "evaluate-intervals",
        cols,
        out,
        title=f"How honest the {pct} intervals were: coverage of the held-out values",
        notes=[
            "coverage: share of held-out values inside their interval; half-width relative to the estimate; "
            "independent's mean error is of its bias-corrected estimate (the interval's centre);",
            "backtested: own-loss predictions and train-train translations are calibrated by backtests inside the "
            "fitting runs; the train-test step and laws of other evals are not (residual spread only: lower "
            "bounds, expect under-coverage).",
        ],
        show_in=frozenset({"table"}),
    )


def evaluation_report(ev: Evaluation, *, detail: bool = False) -> list[Report]:
    rows = [s.to_dict() for s in ev.summary]
    cols = [
        Column("setting", justify="left"),
        Column("mean_error_independent", "independent error", fmt=fmt_pct(2)),
        Column("mean_error_loss_to_loss", "loss-to-loss error", fmt=fmt_pct(2)),
        Column("n_predictions", "predictions"),
        Column("n_skipped", "skipped"),
    ]
    has_iv = any(r.get("level") is not None for r in rows)
    if has_iv:
        cols[3:3] = [
            Column("mean_error_combined", "combined error", fmt=fmt_pct(2)),
            Column("mean_error_independent_corrected", "independent (bias-corrected) error", fmt=fmt_pct(2)),
        ]
        cols += [
            Column(f"{kind}_{m}", table=False)
            for kind in ("coverage", "half_width", "lower_bound")
            for m in ("independent", "loss_to_loss", "combined")
        ]
        cols.append(Column("level", table=False))
    notes = [
        f"held out: {ev.holdout} ({ev.n_heldout_runs} runs); mean relative error |pred − actual| / actual over "
        "ordered pairs of distinct datasets;",
        f"test evals: {', '.join(ev.test_evals)};",
        f"downstream evals: {len(ev.downstream_evals)} ({', '.join(ev.downstream_evals[:4])}"
        f"{', …' if len(ev.downstream_evals) > 4 else ''})",
        *ev.notes,
    ]
    reports = [
        Report(
            "evaluate",
            cols,
            rows,
            title="Held-out prediction error (the paper's Table 1)",
            notes=notes,
            show_in=frozenset({"table", "json"}) if detail else frozenset(OUTPUT_FORMATS),
            meta={
                "holdout": ev.holdout,
                "n_heldout_runs": ev.n_heldout_runs,
                "test_evals": list(ev.test_evals),
                "downstream_evals": list(ev.downstream_evals),
            },
        )
    ]
    if has_iv:
        reports.append(_coverage_report(rows))
    if detail:
        drows = [p.to_dict() for p in ev.predictions]
        dcols = [
            Column("setting", justify="left"),
            Column("src", justify="left"),
            Column("tgt", justify="left"),
            Column("eval", justify="left"),
            Column("N", table=False),
            Column("D", table=False),
            Column("source_loss", "src loss", fmt=fmt_fixed(4)),
            Column("actual", fmt=fmt_fixed(4)),
            Column("independent", fmt=fmt_fixed(4)),
            Column("loss_to_loss", "loss-to-loss", fmt=fmt_fixed(4)),
            Column("error_independent", "ind. err", fmt=fmt_pct(2)),
            Column("error_loss_to_loss", "l2l err", fmt=fmt_pct(2)),
            Column("notes", table=False),
        ]
        if any(r.get("independent_lo") is not None for r in drows):
            pct = _pct_level(rows)
            dcols[10:10] = [
                Column("combined", fmt=fmt_fixed(4), drop=2),
                Column("independent_corrected", table=False),
                Column("independent_lo", f"ind. {pct} lo", fmt=fmt_fixed(4), drop=3),
                Column("independent_hi", f"ind. {pct} hi", fmt=fmt_fixed(4), drop=3),
                Column("loss_to_loss_lo", f"l2l {pct} lo", fmt=fmt_fixed(4), drop=3),
                Column("loss_to_loss_hi", f"l2l {pct} hi", fmt=fmt_fixed(4), drop=3),
                Column("combined_lo", f"comb. {pct} lo", fmt=fmt_fixed(4), drop=4),
                Column("combined_hi", f"comb. {pct} hi", fmt=fmt_fixed(4), drop=4),
            ]
            dcols += [Column("error_combined", "comb. err", fmt=fmt_pct(2), drop=2)]
            dcols += [
                Column(f"{m}_{k}", table=False)
                for m in ("independent", "loss_to_loss", "combined")
                for k in ("covers", "lower_bound")
            ]
        reports.append(
            Report(
                "evaluate-detail",
                dcols,
                drows,
                title="Every held-out prediction",
                json_key="predictions",  # JSON: one document, the predictions a list in it
            )
        )
    return reports


# ---------------------------------------------------------------------------------------------------------------
# Builders for ingest and runs
# ---------------------------------------------------------------------------------------------------------------


def _si(x: Any) -> str:
    """Counts the way people write them: 20M, 1.74B, 3T."""
    if not isinstance(x, (int, float)):
        return fmt_sig(x)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(x) >= div:
            v = x / div
            return (f"{v:.3g}" if v < 1000 else f"{v:,.0f}") + suffix
    return f"{x:.3g}"


def _sci(x: Any) -> str:
    if not isinstance(x, (int, float)):
        return fmt_sig(x)
    mant, _, exp = f"{x:.2e}".partition("e")
    return f"{mant.rstrip('0').rstrip('.')}e{int(exp)}"


def _range(lo: float, hi: float, fmt: Callable[[Any], str]) -> str:
    a, b = fmt(lo), fmt(hi)
    return a if a == b else f"{a}–{b}"


def _mark(x: Any) -> str:
    return "own" if x else ""


def _join(x: Any) -> str:
    return ", ".join(x) if isinstance(x, list) else fmt_sig(x)


def _no_own_notes(runs: Runs) -> list[str]:
    missing = [ds for ds in runs.datasets if ds not in runs.own_eval]
    if not missing:
        return []
    return [f"no own eval for {', '.join(missing)} (pass --own-eval DATASET=EVAL to l2l ingest)"]


def runs_report(runs: Runs) -> Report:
    """One row per (dataset, eval): run count, N / D / C ranges, splits, and which eval is the dataset's."""
    rows = []
    for r in runs.summary():
        r["own"] = runs.own_eval.get(r["dataset"]) == r["eval"]
        r["runs"] = int(r["runs"])
        r["averaged"] = int(r["averaged"])
        # readable ranges for the table (the numbers themselves are in the *_min / *_max columns)
        r["N_range"] = _range(r["N_min"], r["N_max"], _si)
        r["D_range"] = _range(r["D_min"], r["D_max"], _si)
        r["C_range"] = _range(r["C_min"], r["C_max"], _sci)
        rows.append(r)
    rows.sort(key=lambda r: (r["dataset"], not r["own"], r["eval"]))
    same_splits = len({tuple(r["splits"]) for r in rows}) <= 1
    columns = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("own", fmt=_mark, justify="left", drop=3),
        Column("runs"),
        Column("averaged", header="avg'd", table=any(r["averaged"] for r in rows)),
        Column("N_range", header="N", justify="left", drop=1),
        Column("D_range", header="D", justify="left", drop=1),
        Column("C_range", header="C", justify="left", drop=2),
        Column("splits", fmt=_join, justify="left", table=not same_splits),
        *(Column(f"{v}_{m}", table=False) for v in ("N", "D", "C", "loss") for m in ("min", "max")),
    ]
    notes = _no_own_notes(runs)
    if runs.splits and same_splits:
        notes.append(f"splits (every dataset and eval): {', '.join(runs.splits)}")
    title = (
        f"{plural(runs.n_runs, 'run')}, {plural(len(runs.datasets), 'dataset')}, "
        f"{plural(len(runs.evals), 'eval')} ({plural(runs.frame.height, 'row')})"
    )
    meta = {
        "rows_total": runs.frame.height,
        "runs_total": runs.n_runs,
        "datasets": runs.datasets,
        "evals": runs.evals,
        "splits": runs.splits,
        "own_eval": runs.own_eval,
        "digest": runs.digest,
    }
    return Report("runs", columns, rows, title=title, notes=notes, meta=meta)


_INPUT_KEYS = ("columns", "checkpoints", "loss_columns", "loss_columns_left_out")


def _ingest_column_notes(p: dict[str, Any]) -> list[str]:
    """One file's column choices for the ingest report: explicit mapping, checkpoints kept, columns left out."""
    notes: list[str] = []
    path = p["path"]
    cols = p.get("columns", {})
    explicit = cols.get("explicit", [])
    if explicit:
        shown = ", ".join(f"{c}={cols['columns'][c]}" for c in explicit if c in cols.get("columns", {}))
        notes.append(f"{path}: column mapping: {shown}")
    ck = p.get("checkpoints")
    if ck is not None and "describe" in ck:
        notes.append(f"{path}: {ck['describe']}")
        if ck.get("evals_before_final"):
            notes.append(
                f"{path}: {plural(int(ck['evals_before_final']), '(run, eval) pair')} last measured before the "
                "run's final checkpoint: kept at that last measurement"
            )
        if ck.get("runs_without_step"):
            notes.append(
                f"{path}: {plural(int(ck['runs_without_step']), 'run')} with no checkpoint there left out"
            )
    reasons = {**cols.get("extras", {}), **p.get("loss_columns_left_out", {})}
    if p["ignored_columns"]:
        shown = ", ".join(
            c if reasons.get(c, "not a column l2l uses") == "not a column l2l uses" else f"{c} ({reasons[c]})"
            for c in p["ignored_columns"]
        )
        notes.append(f"{path}: columns not used: {shown}")
    return notes


def ingest_report(stored: Runs, *, added: Runs, workspace: Workspace) -> Report:  # noqa: C901 - one note per case
    """What an ingest read (per file: rows read/kept/merged/rejected, aliases) and what is stored now."""
    rows = []
    for p in added.provenance:
        rows.append(
            {
                "file": p["path"],
                "format": p["format"],
                "read": p["rows_read"],
                "kept": p["rows_kept"],
                "merged": p["rows_merged"],
                "rejected": p["rows_rejected"],
                "aliases": ", ".join(f"{a}→{c}" for a, c in p["aliases"].items()),
                "sha256": p["sha256"],
            }
        )
    notes: list[str] = []
    own_meta: dict[str, dict[str, str]] = {}
    for ds in stored.datasets:
        if ds in stored.own_eval:
            how = stored.own_eval_how.get(ds, "detected")
            own_meta[ds] = {"eval": stored.own_eval[ds], "how": how}
            notes.append(f"own eval: {ds} → {stored.own_eval[ds]} ({how})")
    for p in added.provenance:
        for ds, tie in p.get("own_eval_ambiguous", {}).items():
            if ds not in stored.own_eval:
                notes.append(f"own eval of {ds} is ambiguous between {', '.join(tie)}")
    notes.extend(_no_own_notes(stored))
    for p in added.provenance:
        if "loss_columns" in p:
            how = "detected" if p["loss_columns_detected"] else "matched"
            shown = ", ".join(c if c == e else f"{c}→{e}" for c, e in p["loss_columns"].items())
            notes.append(f"{p['path']}: loss columns {how}: {shown}")
            if p["rows_rejected"]:
                notes.append(f"{p['path']}: {plural(p['rows_rejected'], 'empty loss cell')} skipped")
        notes.extend(_ingest_column_notes(p))
    merged_with_stored = 0
    if stored is not added and len(stored.provenance) > len(added.provenance):
        earlier = {p["sha256"] for p in stored.provenance[: len(stored.provenance) - len(added.provenance)]}
        for p in added.provenance:
            if p["sha256"] in earlier:
                notes.append(
                    f"{p['path']} was already in the workspace (same content): its rows now count twice"
                )
        merged_with_stored = stored.merged_rows(added)
        if merged_with_stored:
            notes.append(
                f"{plural(merged_with_stored, 'row')} repeated stored measurements and were averaged in"
            )
    notes.append(
        f"workspace {workspace.root} now holds {plural(stored.n_runs, 'run')}, "
        f"{plural(len(stored.datasets), 'dataset')}, "
        f"{plural(len(stored.evals), 'eval')} ({plural(stored.frame.height, 'row')})"
    )
    columns = [
        Column("file", justify="left"),
        Column("format", justify="left"),
        Column("read"),
        Column("kept"),
        Column("merged"),
        Column("rejected"),
        Column("aliases", justify="left"),
        Column("sha256", table=False),
    ]
    meta = {
        "workspace": str(workspace.root),
        "own_eval": own_meta,
        "merged_with_stored": merged_with_stored,
        # per file: which column is which, what a per-step log kept, which wide columns were left out and why
        "inputs": [
            {
                "file": p["path"],
                **{k: p[k] for k in _INPUT_KEYS if k in p},
            }
            for p in added.provenance
        ],
        "stored": {
            "rows": stored.frame.height,
            "runs": stored.n_runs,
            "datasets": stored.datasets,
            "evals": stored.evals,
            "digest": stored.digest,
        },
    }
    return Report(
        "ingest", columns, rows, title=f"Ingested {plural(len(rows), 'file')}", notes=notes, meta=meta
    )


# ---------------------------------------------------------------------------------------------------------------
# Builders for law files and residuals
# ---------------------------------------------------------------------------------------------------------------


def law_file_predictions_report(preds: Sequence[FilePrediction], *, source: str) -> Report:
    """predict --law FILE: each law's value at (N, D), with how far beyond its fitted runs it reaches."""
    rows = [p.to_dict() for p in preds]
    has_iv = any(r["loss_lo"] is not None for r in rows)
    notes = [
        f"laws from {source}: the law's own value (no runs, so no calibrated interval)"
        + ("; intervals: bootstrap percentiles, parameter uncertainty only (a lower bound)" if has_iv else "")
        + "; C×, N×, D×: the target over the largest fitted value (above 1: extrapolated)"
    ]
    far = [r for r in rows if r["extrapolated"]]
    if far:
        worst = max(max(r["C_ratio"], r["N_ratio"], r["D_ratio"]) for r in far)
        notes.append(
            f"{plural(len(far), 'prediction')} beyond the runs the law was fitted on "
            f"(up to {worst:.3g}× the largest fitted N, D or C)"
        )
    notes.extend(sorted({w for r in rows for w in r["warnings"]}))
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("N"),
        Column("D"),
        Column("C", drop=2),
        Column("loss", "predicted loss", fmt=fmt_fixed(4)),
        Column("loss_lo", "lo", fmt=fmt_fixed(4), table=has_iv),
        Column("loss_hi", "hi", fmt=fmt_fixed(4), table=has_iv),
        Column("level", table=False),
        Column("C_ratio", "C×", fmt=_times),
        Column("N_ratio", "N×", fmt=_times, drop=2),
        Column("D_ratio", "D×", fmt=_times, drop=2),
        Column("extrapolated", table=False),
        Column("warnings", table=False),
    ]
    return Report("predict", cols, rows, title="Predicted loss", notes=notes, meta={"law_file": source})


def residuals_report(res: Sequence[Residual]) -> Report:
    """fit-law --residuals: every run beside its law's prediction."""
    rows = [r.to_dict() for r in res]
    held = sum(1 for r in rows if not r["fitted"])
    notes = ["residual = (loss − predicted) / loss: above 0 the run did worse than its law"]
    if held:
        notes.append(f"held out: {plural(held, 'run')} outside the split the laws were fitted on")
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("run_id", "run", justify="left", drop=3),
        Column("split", table=False),
        Column("N"),
        Column("D"),
        Column("C", drop=2),
        Column("loss", fmt=fmt_fixed(4)),
        Column("predicted", fmt=fmt_fixed(4)),
        Column("residual", "residual", fmt=fmt_pct(2), drop=0),
        Column("log_residual", table=False),
        Column("fitted", "held out", fmt=lambda x: "" if x else "yes", justify="left", drop=1),
    ]
    return Report(
        "fit-law-residuals",
        cols,
        rows,
        title="Residuals per run",
        notes=notes,
        json_key="residuals",  # JSON: a list in the fit-law document
    )


def with_residuals(reports: Sequence[Report], res: Sequence[Residual]) -> list[Report]:
    """fit-law's reports followed by the residual table: in JSON a ``residuals`` list of the one document, in
    CSV the residual rows alone (CSV is one table), in a terminal a table after the laws."""
    from dataclasses import replace

    main, *rest = reports
    return [replace(main, show_in=frozenset({"table", "json"})), *rest, residuals_report(res)]


# ---------------------------------------------------------------------------------------------------------------
# Downstream accuracy (l2l.workflows.accuracy, l2l.workflows.accuracy_eval)
# ---------------------------------------------------------------------------------------------------------------


def _law_text(law: dict[str, Any]) -> str:
    if law.get("form") == "power":
        return f"1 − acc = {law['K']:.3g}·(x − {law['E0']:.3f})^{law['kappa']:.3f} + {law['E1']:.3f}"
    return f"{law['floor']:.3f} + ({law['ceiling']:.3f} − {law['floor']:.3f})·σ(−(x − {law['x0']:.3f})/{law['s']:.3f})"


def accuracy_fits_report(results: Sequence[Any]) -> list[Report]:
    """fit-accuracy: one row per accuracy eval (the law when pooled, else per dataset in a second table)."""
    rows: list[dict[str, Any]] = []
    law_rows: list[dict[str, Any]] = []
    notes: list[str] = []
    for res in results:
        d = res.to_dict()
        laws = d.get("laws") or {}
        if d["status"] == "ok":
            d["law"] = _law_text(laws["*"]) if "*" in laws else f"one per dataset ({len(laws)})"
            d["pooling"] = "pooled" if d["pooled"] else "separate"
            for ds, law in laws.items():
                law_rows.append({"eval": d["eval"], "dataset": "all (pooled)" if ds == "*" else ds, **law})
            if d.get("sharing"):
                notes.append(f"{d['eval']}: {d['pooling']}: {d['sharing']}")
            notes.extend(f"{d['eval']}: {w}" for w in d.get("warnings", []))
        else:
            d["law"] = "–"
            notes.append(f"{d['eval']}: {d['status']}: {d['reason']}")
        d["chance_text"] = "fitted" if d["chance"] is None else f"{d['chance']:.2f} ({d['chance_source']})"
        rows.append(d)
    cols = [
        Column("eval", justify="left"),
        Column("input_eval", "input loss", justify="left"),
        Column("chance_text", "chance", justify="left"),
        Column("status", justify="left"),
        Column("pooling", justify="left"),
        Column("law", justify="left"),
        Column("rmse_points", "rmse (pts)", fmt=fmt_fixed(2)),
        Column("backtest_mae_points", "backtest MAE (pts)", fmt=fmt_fixed(2)),
        Column("n_points", "runs"),
        Column("chance", table=False),
        Column("chance_source", table=False),
        Column("reason", table=False),
        Column("sharing", table=False),
        Column("laws", table=False),
        Column("warnings", table=False),
    ]
    head = [
        "accuracy as a function of the input loss x; unpredictable: accuracy within noise of chance on these runs "
        "(not fitted, not predicted)"
    ]
    main = Report(
        "fit-accuracy", cols, rows, title="Accuracy laws", notes=[*head, *notes], meta={"n_evals": len(rows)}
    )
    law_cols = [
        Column("eval", justify="left"),
        Column("dataset", justify="left"),
        Column("form", justify="left"),
        *(Column(k, fmt=fmt_fixed(4)) for k in ("floor", "ceiling", "x0", "s", "K", "kappa", "E0", "E1")),
    ]
    shown = [c for c in law_cols if c.key in ("eval", "dataset", "form") or any(c.key in r for r in law_rows)]
    laws_rep = Report(
        "fit-accuracy-laws", shown, law_rows, title="Law parameters", show_in=frozenset({"table"})
    )
    return [main, laws_rep] if law_rows else [main]


def accuracy_predictions_report(preds: Sequence[Any]) -> Report:
    """predict (accuracy): each step of the chain, the accuracy and its interval (a lower bound)."""
    rows = []
    notes: list[str] = []
    for p in preds:
        d = p.to_dict()
        d["accuracy_points"] = None if d["accuracy"] is None else 100 * d["accuracy"]
        lo, hi = d["accuracy_lo"], d["accuracy_hi"]
        d["interval_points"] = None if lo is None else f"[{100 * lo:.1f}, {100 * hi:.1f}]"
        rows.append(d)
        head = f"{d['dataset']} / {d['eval']} at N={fmt_sig(d['N'])}, D={fmt_sig(d['D'])}: "
        notes.append(head + " → ".join(d["steps"]))
        if d["extrapolates"]:
            notes.append(head + "the input loss lies outside the range the accuracy law was fitted on")
    shown = next((r for r in rows if r["interval_points"]), None)
    if shown is not None:
        notes.append(shown["interval"])
    level = round(100 * rows[0]["level"]) if rows and rows[0].get("level") else 90
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("N"),
        Column("D"),
        Column("C", table=False),
        Column("own_loss", "own loss", fmt=fmt_fixed(4)),
        Column("input_eval", "input loss", justify="left"),
        Column("loss", "predicted input loss", fmt=fmt_fixed(4)),
        Column("accuracy_points", "accuracy (pts)", fmt=fmt_fixed(2)),
        Column("interval_points", f"{level}% interval", justify="left"),
        Column("status", justify="left"),
        Column("accuracy", table=False),
        Column("accuracy_lo", table=False),
        Column("accuracy_hi", table=False),
        Column("loss_lo", table=False),
        Column("loss_hi", table=False),
        Column("chance", table=False),
        Column("pooled", table=False),
        Column("reason", table=False),
        Column("steps", table=False),
    ]
    return Report("predict-accuracy", cols, rows, title="Predicted accuracy", notes=notes)


def accuracy_evaluation_report(ev: Any, *, detail: bool = False) -> list[Report]:
    """evaluate (train-to-accuracy): mean absolute error in accuracy points per method and input."""
    rows = [s.to_dict() for s in ev.summary]
    cols = [
        Column("label", "method", justify="left"),
        Column("input", "input loss", justify="left"),
        Column("mae_points", "MAE (pts), all it predicts", fmt=fmt_fixed(2)),
        Column("n_evals", "evals"),
        Column("mae_points_predictable", "MAE (pts), evals l2l predicts", fmt=fmt_fixed(2)),
        Column("n_predictable", "evals"),
        Column("n_predictions", "predictions", table=False),
        Column("method", table=False),
    ]
    notes = [
        f"held out: {ev.holdout} ({plural(ev.n_heldout_runs, 'run')}); {plural(len(ev.evals), 'accuracy eval')}",
        "measured: the held-out run's own input loss (the loss → accuracy step alone); predicted: the input loss's "
        "Eq. 3 law extrapolated (the whole chain)",
        *ev.notes,
    ]
    reports = [
        Report(
            "evaluate-accuracy",
            cols,
            rows,
            title="Train-to-accuracy: held-out error in accuracy points",
            notes=notes,
            meta=ev.to_dict() | {"summary": None},
        )
    ]
    if detail:
        det = [p.to_dict() for p in ev.predictions]
        reports.append(
            Report(
                "evaluate-accuracy-detail",
                [
                    Column("eval", justify="left"),
                    Column("dataset", justify="left"),
                    Column("run_id", justify="left"),
                    Column("method", justify="left"),
                    Column("input", justify="left"),
                    Column("truth", fmt=fmt_fixed(4)),
                    Column("predicted", fmt=fmt_fixed(4)),
                    Column("error_points", "error (pts)", fmt=fmt_fixed(2)),
                    Column("status", justify="left"),
                    Column("reason", table=False),
                ],
                det,
                title="Every held-out accuracy prediction",
                show_in=frozenset({"table", "json"}),
            )
        )
    return reports


def accuracy_runs_report(rows: Sequence[dict[str, Any]]) -> Report:
    """runs: the accuracy evals, listed apart from the losses (rows from ``accuracy_runs.accuracy_summary``)."""
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("runs"),
        Column("acc_range", "accuracy", justify="left"),
        Column("chance_text", "chance", justify="left"),
        Column("task_loss", "matched task loss", justify="left"),
        Column("splits", fmt=_join, justify="left", table=False),
        *(Column(k, table=False) for k in ("accuracy_min", "accuracy_max", "chance", "chance_source")),
    ]
    out = []
    for r in rows:
        r = dict(r)
        r["acc_range"] = f"{r['accuracy_min']:.3f}–{r['accuracy_max']:.3f}"
        r["chance_text"] = "–" if r["chance"] is None else f"{r['chance']:.2f} ({r['chance_source']})"
        r["task_loss"] = r["task_loss"] or "– (none: relate it to the own loss)"
        out.append(r)
    n_evals = len({r["eval"] for r in rows})
    return Report(
        "runs-accuracy",
        cols,
        out,
        title=f"Accuracy evals ({plural(n_evals, 'eval')}; kept apart from the losses, never fitted as one)",
    )


# ---------------------------------------------------------------------------------------------------------------
# Builders for rank (which dataset to train on) and its backtest
# ---------------------------------------------------------------------------------------------------------------

if TYPE_CHECKING:
    from l2l.core.ranking import Ranking, TargetRanking
    from l2l.workflows.rank_eval import RankBacktest


def _interval(row: dict[str, Any]) -> str:
    lo, hi = row.get("lo"), row.get("hi")
    return "–" if lo is None or hi is None else f"{lo:.3f}–{hi:.3f}"


def _rel_interval(row: dict[str, Any]) -> str:
    lo, hi = row.get("lo"), row.get("hi")
    return "–" if lo is None or hi is None else f"{100 * lo:+.1f}…{100 * hi:+.1f}%"


def _signed_pct(x: Any) -> str:
    return "–" if x is None else f"{100 * x:+.2f}%"


def _budget_words(ranking: Ranking) -> str:
    b = ranking.budget
    if b.C is not None:
        return f"C = {_sci(b.C)}"
    return f"N = {_si(b.N)}, D = {_si(b.D)}"


def _verdict(ranking: Ranking | TargetRanking, what: str, level: float) -> str:
    if ranking.leader is None:
        return f"{what}: no dataset could be ranked"
    if ranking.tie:
        return (
            f"{what}: a TIE — the top choices are indistinguishable at this uncertainty: "
            f"{', '.join(ranking.contenders)} (leader {ranking.leader} by the point prediction)"
        )
    return f"{what}: {ranking.leader} (no other dataset is within the {level:.0%} uncertainty)"


def _flip_words(t: TargetRanking, budget_c: float | None) -> list[str]:
    if budget_c is None or t.metric != "loss":
        return []
    lo, hi = _sci(budget_c / 10.0), _sci(budget_c * 10.0)
    if not t.flips:
        return [f"{t.target}: the predicted winner is the same for every C from {lo} to {hi}"]
    return [
        f"{t.target}: the predicted winner changes from {f.before} to {f.after} at C ≈ {_sci(f.C)}"
        for f in t.flips
    ]


def _target_table(t: TargetRanking, ranking: Ranking, label: str, split: str | None) -> Report:
    fixed = ranking.budget.C is None
    rows = [{**r.to_dict(), "target": t.target} for r in t.rows]
    cols = [
        Column("rank", "#"),
        Column("dataset", justify="left"),
        Column("N", "N" if fixed else "N*", fmt=_si, drop=2),
        Column("D", "D" if fixed else "D*", fmt=_si, drop=2),
        Column("value", "predicted accuracy" if t.metric == "accuracy" else "predicted", fmt=fmt_fixed(3)),
        Column("interval", f"{ranking.level:.0%} interval", fmt=str, data=False),
        Column("p_best", "P(best)", fmt=fmt_fixed(2)),
    ]
    for r in rows:
        r["interval"] = _interval(r)
    notes: list[str] = []
    said: dict[str, list[str]] = {}  # the same note of several datasets is said once, naming them
    for p in t.rows:
        if p.status == "failed":
            notes.append(f"{p.dataset}: not ranked: {p.reason}")
        for n in p.notes if p.status == "ok" else ():
            said.setdefault(n, []).append(p.dataset)
    notes.extend(f"{', '.join(who)}: {n}" for n, who in said.items())
    if t.method == "baseline":
        notes.append(
            "baseline: 'predicted' is the loss measured at each dataset's largest budget, not a prediction at "
            "this budget; only the order counts"
        )
    if any(p.status == "ok" for p in t.rows):
        notes.append(
            "the intervals include the extrapolation error shared by every dataset (it moves them alike); "
            "P(best) counts only what can reorder them"
        )
    fitted = f", fitted on split {split}" if split else ""
    how = f"ranked by the {t.method} prediction"
    if t.metric == "accuracy":
        how = f"ranked by predicted accuracy (higher is better) via the {t.method} prediction of {t.via}"
        notes.append(
            "accuracy intervals are a lower bound on the uncertainty (not backtested): see the warning below"
        )
    return Report(
        "rank-target",
        cols,
        rows,
        title=f"{t.target} at {label}: {how}{fitted}",
        notes=notes,
        show_in=frozenset({"table"}),
    )


def _methods_table(t: TargetRanking) -> Report:
    rows = [r.to_dict() for r in t.rows]
    cols = [
        Column("dataset", justify="left"),
        Column("measured_top", "top runs", fmt=fmt_fixed(4), drop=2),
        Column("independent", fmt=fmt_fixed(4)),
        Column("translation", fmt=fmt_fixed(4)),
        Column("recommended", fmt=fmt_fixed(4)),
        Column("trust", fmt=fmt_fixed(2), drop=3),
    ]
    return Report(
        "rank-methods",
        cols,
        rows,
        title=f"Predicted {t.target} by each method",
        notes=[
            "top runs: measured at the dataset's largest budget (the single-scale baseline); independent: the "
            "target's own law; translation: the own-loss law through its train-to-test relation; recommended: "
            "the top runs plus the laws' change to the budget, the dataset-specific part weighted by trust."
        ],
        show_in=frozenset({"table"}),
    )


def _combined_table(ranking: Ranking) -> Report:
    rows = [r.to_dict() for r in ranking.combined]
    for r in rows:
        r["interval"] = _rel_interval(r)
    weights = ", ".join(f"{t.target} {t.weight:g}" for t in ranking.targets)
    cols = [
        Column("rank", "#"),
        Column("dataset", justify="left"),
        Column("score", "vs mean", fmt=_signed_pct),
        Column("interval", f"{ranking.level:.0%} interval", fmt=str, data=False),
        Column("p_best", "P(best)", fmt=fmt_fixed(2)),
    ]
    notes = [
        "vs mean: the weighted mean over targets of the predicted loss relative to the mean candidate "
        f"(−1 % = 1 % lower loss); weights: {weights}"
    ]
    notes += [f"{r.dataset}: not ranked: {r.reason}" for r in ranking.combined if r.status == "failed"]
    return Report(
        "rank-combined",
        cols,
        rows,
        title=f"Combined ranking over {plural(len(ranking.targets), 'target')}",
        notes=notes,
        show_in=frozenset({"table", "json"}),
        json_key="combined",
    )


def ranking_report(ranking: Ranking, *, split: str | None = None) -> list[Report]:
    """rank: per target the datasets ranked (N*, D*, predicted target loss, interval, P(best)) and each method's
    prediction, a combined ranking for several targets, and the verdict (leader or tie, flips) in words.

    JSON: one document, the rows of every target (with a ``target`` column), ``combined`` and the verdict in the
    top-level keys; CSV: the rows of every target as one table."""
    label = _budget_words(ranking)
    several = len(ranking.targets) > 1
    verdict = [
        _verdict(ranking, f"Best dataset at {label}" + (" (combined)" if several else ""), ranking.level)
    ]
    if several:
        verdict += [_verdict(t, f"  {t.target}", ranking.level) for t in ranking.targets]
    flips = [w for t in ranking.targets for w in _flip_words(t, ranking.budget.C)]
    warnings = list(ranking.warnings)
    rows = [{**r.to_dict(), "target": t.target, "weight": t.weight} for t in ranking.targets for r in t.rows]
    data_cols = [
        Column(k, justify="left" if k in ("target", "dataset", "status", "reason") else "right")
        for k in (
            "target", "weight", "rank", "dataset", "status", "reason", "N", "D", "value", "lo", "hi", "p_best",
            "independent", "translation", "recommended", "measured_top", "trust", "notes",
        )
    ]  # fmt: skip
    meta = {
        "budget": ranking.budget.to_dict(),
        "method": ranking.method,
        "level": ranking.level,
        "draws": ranking.draws,
        "split": split,
        "leader": ranking.leader,
        "tie": ranking.tie,
        "contenders": list(ranking.contenders),
        "flips": [{"target": t.target, **f.to_dict()} for t in ranking.targets for f in t.flips],
        "error_models": {t.target: t.draw_error.to_dict() for t in ranking.targets},
        "curves": {t.target: [c.to_dict() for c in t.curve] for t in ranking.targets},
        "warnings": warnings,
    }
    main = Report(
        "rank",
        data_cols,
        rows,
        title="Datasets ranked",
        notes=verdict + flips + warnings,
        meta=meta,
        show_in=frozenset({"json", "csv"}),
    )
    reports = [main]
    if several:
        reports.append(_combined_table(ranking))
    else:
        reports.append(_replace_report(_combined_table(ranking), show_in=frozenset({"json"})))
    for t in ranking.targets:
        reports.append(_target_table(t, ranking, label, split))
        if not several and t.metric == "loss":
            reports.append(_methods_table(t))
    last = reports[-1]
    reports[-1] = _replace_report(last, notes=[*last.notes, *verdict, *flips, *warnings])
    return reports


def rank_backtest_report(bt: RankBacktest, *, part: bool = False) -> list[Report]:
    """rank --holdout / evaluate --ranking: pairwise decision accuracy of each method and the single-scale
    baseline against the measured held-out runs, near-ties apart; then the pairs right per target.

    ``part``: as a part of another command's output (``evaluate``): in JSON under ``ranking`` and
    ``ranking_targets``, and left out of CSV (one table)."""
    labels = {
        "baseline": "single-scale baseline",
        "independent": "independent",
        "translation": "translation",
        "recommended": "recommended",
    }
    rows = [{**m.to_dict(), "label": labels.get(m.method, m.method)} for m in bt.methods]
    for r in rows:
        r["near"] = f"{r['near_ties_right']}/{r['near_ties']}"
        r["pairs_right"] = f"{r['right']}/{r['pairs']}"
    cols = [
        Column("label", "method", justify="left", data=False),
        Column("method", table=False),
        Column("pairs_right", "pairs right", fmt=str, data=False),
        Column("right", table=False),
        Column("pairs", table=False),
        Column("accuracy", fmt=fmt_pct(1)),
        Column("accuracy_clear", "without near-ties", fmt=fmt_pct(1)),
        Column("near", "near-ties right", fmt=str, data=False),
        Column("near_ties", table=False),
        Column("near_ties_right", table=False),
    ]
    best = bt.best()
    base = next((m for m in bt.methods if m.method == "baseline"), None)
    verdict: list[str] = []
    if best is not None and base is not None and base.accuracy is not None:
        others = [m for m in bt.methods if m.method != "baseline" and m.accuracy is not None]
        top = max(others, key=lambda m: (m.right, m.method == "recommended")) if others else None
        if top is None or top.right < base.right:
            verdict.append(
                f"No method beats the single-scale baseline here: baseline {base.accuracy:.1%}"
                + (
                    f", best method ({top.method}) {top.accuracy:.1%}."
                    if top and top.accuracy is not None
                    else "."
                )
            )
        elif (top.right - base.right) < 0.005 * base.pairs:
            verdict.append(
                f"{top.method} and the single-scale baseline are level: {top.accuracy:.1%} vs "
                f"{base.accuracy:.1%} ({plural(top.right - base.right, 'more pair')} of {base.pairs})."
            )
        else:
            verdict.append(
                f"{top.method} beats the single-scale baseline: {top.accuracy:.1%} vs {base.accuracy:.1%}"
                f" ({plural(top.right - base.right, 'more pair')} of {base.pairs})."
            )
    scored = [t for t in bt.targets if t.points]
    notes = [
        f"held out: {bt.holdout}; ranked from the rest at each held-out (N, D) run by two or more datasets; "
        f"{plural(len(scored), 'target')}, {plural(len(bt.datasets), 'dataset')}, {bt.draws} draws",
        f"near-tie: held-out losses within {bt.near_tie:.1%} of each other (counted, and left out in "
        "'without near-ties')",
        "single-scale baseline: rank by the mean measured loss at each dataset's largest remaining budget",
        *verdict,
        *bt.notes,
    ]
    trows = [t.to_dict() for t in bt.targets]
    tcols = [
        Column("target", justify="left"),
        Column("points", table=False),
        Column("pairs", drop=3),
        Column("near_ties", "near-ties", drop=3),
        *(Column(f"right_{m}", labels[m].split()[-1] if m != "baseline" else "baseline") for m in labels),
        Column("notes", table=False),
    ]
    reports = [
        Report(
            "rank-backtest",
            cols,
            rows,
            title="Dataset ranking backtest: pairs of datasets ordered as the held-out runs measured",
            notes=notes,
            meta={
                "holdout": bt.holdout,
                "datasets": list(bt.datasets),
                "near_tie": bt.near_tie,
                "draws": bt.draws,
            },
        ),
        Report(
            "rank-backtest-targets",
            tcols,
            trows,
            title="Pairs right per target",
            show_in=frozenset({"table", "json"}),
            json_key="targets",
        ),
    ]
    if part:
        return [
            _replace_report(r, show_in=frozenset({"table", "json"}), json_key=key, meta={})
            for r, key in zip(reports, ("ranking", "ranking_targets"), strict=True)
        ]
    return reports


def _replace_report(rep: Report, **changes: Any) -> Report:
    from dataclasses import replace

    return replace(rep, **changes)
