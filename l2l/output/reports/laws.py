"""Reports of scaling laws: ``fit-law`` (and its residuals), ``predict`` from a law or a law file, ``optimal``.

Each table leads with the answer (the law's E, α, β; the predicted loss with its interval; N*, D* and the loss
there), which never leaves a narrow table, and says it in words under the table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from l2l.base.text import counted, fmt_fixed, fmt_pct, plural
from l2l.output.report import Column, Report, Row
from l2l.output.reports.common import (
    GREEK,
    all_own,
    eval_column,
    finite,
    interval_column,
    interval_notes,
    pct,
    pct_level,
    ratio_columns,
    reach_of_compute,
    said_once,
    sci,
    sci_column,
    si,
    spread,
    times,
    with_interval,
)

if TYPE_CHECKING:
    from l2l.core.fit import LawFit
    from l2l.workflows.lawbook import FitOutcome, Residual
    from l2l.workflows.lawfile import FilePrediction
    from l2l.workflows.predict import Allocation, LawPrediction, LinePrediction

__all__ = [
    "allocations_report",
    "fits_report",
    "law_file_predictions_report",
    "predictions_report",
    "residuals_report",
    "with_residuals",
]


def _flags(d: Row) -> str:
    from l2l.core.fit import FAR_RUNS

    out = []
    if d.get("at_bounds"):
        out.append("bound:" + ",".join(GREEK.get(k, k) for k in d["at_bounds"]))
    if d.get("converged") is False:
        out.append("not settled")
    if any(FAR_RUNS in w for w in d.get("warnings") or ()):
        out.append("far runs")
    return " ".join(out) or "ok"


def _law_name(r: Row, own: Mapping[str, str] | None) -> str:
    """A law in words: its dataset for an own loss, else "dataset/eval"."""
    if own is not None and own.get(str(r["dataset"])) == r["eval"]:
        return str(r["dataset"])
    return f"{r['dataset']}/{r['eval']}"


def _law_warnings(rows: Sequence[Row], own: Mapping[str, str] | None) -> list[str]:
    """The laws' own warnings (not a prediction's notes), each once, named by its law: "6 runs lie far from the
    law" said nothing of which law on a table of several (Porian's)."""
    return sorted(
        {f"{_law_name(r, own)}: {w}" for r in rows for w in r["warnings"] if w not in r.get("notes", [])}
    )


def _choice_and_flag(
    d: dict[str, Any],
    outcome: FitOutcome,
    key: tuple[str, str],
    chosen: dict[str, list[str]],
    notes: list[tuple[str, str]],
) -> None:
    """A fit-law row's form choice (--form auto: every form's backtest error) and poor-law flag, in place."""
    from l2l.workflows.lawbook import form_choice_fields

    choice = outcome.choices.get(key)
    if choice is not None:
        d.update(form_choice_fields(choice))
        chosen.setdefault(choice.reason, []).append("/".join(key))
    flag = outcome.flags.get(key)
    if flag:
        d["flags"] = f"{d['flags']}; {flag}" if d["flags"] != "ok" else flag
        notes.append(("/".join(key), flag))
    line = outcome.lines.get(key)
    if line is not None:
        d["line_law"] = line.to_dict()
        # one note for every law it is said of (its numbers in JSON): 42 four-line notes took 170 of a
        # DataDecide-shaped table's 279 lines
        test = line.backtest
        because = (
            "no backtest tells them apart, and the law has too few runs for its parameters"
            if test is None
            else "its backtests missed by less than the law's, refitted from scratch at the same cutoffs"
            if test.chosen
            else "the law bends away past its runs (its α or β collapsed, or further out it parts from the line "
            "law by more than twice either's backtest error), whatever its backtests"
        )
        notes.append(
            (
                "/".join(key),
                "predictions along the runs' one line of tokens per parameter use the power law along it, "
                f"E + K·N^−γ: {because} (JSON line_law: its E, K, γ and both errors)",
            )
        )


def _grouped(notes: Sequence[tuple[str, str]]) -> list[str]:
    """Notes of laws as lines, a note shared by several laws said once with the laws it names ("mix00/mix00_val,
    mix01/mix01_val, mix02/mix02_val … (20 laws): poor law: …"): on a 20-dataset table two notes, repeated for
    every law, took 140 of fit-law's 232 lines (probe p65)."""
    who: dict[str, list[str]] = {}
    for name, text in notes:
        who.setdefault(text, []).append(name)
    return [f"{counted(names, 'law')}: {text}" for text, names in who.items()]


def _flag_cell(flags: Any) -> str:
    """A row's flags as the table shows them: a poor law's reason, said in the notes, cut to "poor law (notes)"
    (its four wrapped lines per row repeated what the notes say)."""
    text = str(flags)
    head, sep, _ = text.partition("poor law: ")
    return f"{head}poor law (notes)" if sep else text


def _fit_rows(outcome: FitOutcome, form: str, level: float) -> tuple[list[dict[str, Any]], list[str]]:
    from l2l.workflows.lawbook import fixed_note, fixed_row, law_status

    rows: list[dict[str, Any]] = []
    notes: list[tuple[str, str]] = []
    chosen: dict[str, list[str]] = {}
    for (ds, ev), res in zip(outcome.keys, outcome.results, strict=True):
        fixed = outcome.fixed.get((ds, ev))
        if fixed is not None:  # (its five-parameter fit failed: one D)
            rows.append({**fixed_row(ds, ev, fixed), "flags": f"one D ({si(fixed.D)})"})
            notes.append((f"{ds}/{ev}", fixed_note(fixed)))
            continue
        if isinstance(res, Exception):
            rows.append(
                {
                    "dataset": ds,
                    "eval": ev,
                    "form": form,
                    "status": "failed",
                    "error": str(res),
                    "converged": False,
                    "flags": "not fitted",  # (the table's flags cell read "None": h1)
                }
            )
            notes.append((f"{ds}/{ev}", f"not fitted: {str(res).removeprefix(f'{ds}/{ev}: ')}"))  # named once
            continue
        d = res.to_dict()
        d.pop("bootstrap", None)
        d["status"] = law_status(res, outcome.flags.get((ds, ev)))
        d["flags"] = _flags(d)
        _choice_and_flag(d, outcome, (ds, ev), chosen, notes)
        notes.extend((f"{ds}/{ev}", w) for w in d["warnings"])
        d.update(_bootstrap_fields(res, level))
        rows.append(d)
    # --form auto: one line per group of laws, its choice and every form's backtest error
    lines = [f"{', '.join(who[:3])}{' …' if len(who) > 3 else ''}: {why}" for why, who in chosen.items()]
    return rows, lines + _grouped(notes)


def _bootstrap_fields(res: LawFit, level: float) -> dict[str, Any]:
    """A fit's bootstrap percentile intervals at ``level`` as row fields (``E_lo``, ``E_hi``, ...), if it has
    draws."""
    iv = res.parameter_intervals(level)
    if not iv or res.bootstrap is None:
        return {}
    out: dict[str, Any] = {
        "bootstrap_draws": int(res.bootstrap.shape[0]),
        "bootstrap_unit": res.bootstrap_unit,
        "level": level,
    }
    for k, (lo, hi) in iv.items():
        out[f"{k}_lo"], out[f"{k}_hi"] = lo, hi
    return out


def _fits_summary(rows: Sequence[Row], own: Mapping[str, str] | None) -> str:
    fixed = [r for r in rows if r.get("status") == "fixed-D"]
    if fixed:
        return _fixed_summary(rows, fixed, own)
    ok = [r for r in rows if r.get("status") != "failed"]
    failed = len(rows) - len(ok)
    if not ok:
        return f"no law could be fitted ({plural(failed, 'failure')}: see the notes)"
    flagged = [r for r in ok if r.get("status") in ("warning", "poor")]
    head = f"{plural(len(ok), 'law')} fitted" + (f", {failed} failed" if failed else "")
    settled = "it settled inside its box" if len(ok) == 1 else "every one settled inside its box"
    head += "; " + (f"{len(flagged)} flagged (see flags)" if flagged else settled)
    with_e = [r for r in ok if r.get("form") != "kaplan"]  # Eq. 2 has no irreducible loss: its E is no number
    if len(ok) == 1:
        r = ok[0]
        e = f"E = {r['E']:.3f}, " if with_e else ""
        return f"{head}: {e}α = {r['alpha']:.3f}, β = {r['beta']:.3f} ({_law_name(r, own)})"
    e_range = ""
    if with_e:
        lo = min(with_e, key=lambda r: r["E"])
        hi = max(with_e, key=lambda r: r["E"])
        e_range = f"E from {lo['E']:.3f} ({_law_name(lo, own)}) to {hi['E']:.3f} ({_law_name(hi, own)}), "
    return (
        f"{head}; {e_range}"
        f"α {spread([r['alpha'] for r in ok], fmt_fixed(3))}, β {spread([r['beta'] for r in ok], fmt_fixed(3))}"
    )


def _fixed_summary(rows: Sequence[Row], fixed: Sequence[Row], own: Mapping[str, str] | None) -> str:
    """The summary of a fit-law table with fixed-D sweeps' laws (in N at one D, ``FitOutcome.fixed``)."""
    laws = [r for r in rows if r.get("status") not in ("failed", "fixed-D")]
    failed = len(rows) - len(laws) - len(fixed)
    flagged = [
        r for r in laws if r.get("status") in ("warning", "poor")
    ]  # (as the summary without them says it)
    head = ", ".join(
        part
        for part in (
            plural(len(laws), "law") + " fitted" if laws else "",
            f"{plural(len(fixed), 'law')} in N at one D",
            f"{failed} failed" if failed else "",
            f"{len(flagged)} flagged (see flags)" if flagged else "",
        )
        if part
    )
    r = fixed[0]
    one = f"{_law_name(r, own)}: L = {r['E']:.3f} + {r['K']:.4g}·N^−{r['gamma']:.3f} at D = {si(r['D'])} only"
    return f"{head}; {one}" + (f" (and {len(fixed) - 1} more: see the notes)" if len(fixed) > 1 else "")


def fits_report(
    outcome: FitOutcome,
    *,
    form: str,
    objective: str,
    delta: float,
    equation: str,
    level: float = 0.9,
    own: Mapping[str, str] | None = None,
) -> list[Report]:
    """fit-law: one row per (dataset, eval) like the paper's Tables 2 and 3; with bootstrap draws, a second table
    of percentile intervals at ``level``. ``own``: dataset → its own eval (an eval column of own losses alone
    leaves a narrow table first)."""
    rows, notes = _fit_rows(outcome, form, level)
    obj = f"Huber (δ = {delta:g})" if objective == "huber" else "least squares"
    head = [f"L = {equation}; objective: {obj} on log loss, summed over runs."]
    if form == "auto":
        head = [
            "--form auto: each group of laws (the own losses; each other eval across datasets) in the form its "
            "backtests favour (backtest error: mean |log error| of refits below each cutoff predicting the runs "
            f"above, corrected where that helped); objective: {obj} on log loss, summed over runs."
        ]
    n_starts = next((r.n_starts for r in outcome.results if not isinstance(r, Exception)), None)
    timing = None
    tried = (
        len(outcome.keys) - outcome.reused
    )  # failed fits too: "4 fitted" beside "1 law fitted, 3 failed" (p65)
    if n_starts and not tried:
        timing = f"{n_starts:,} starts per fit; all {outcome.reused} reused from the workspace."
    elif n_starts:
        timing = (
            f"{n_starts:,} starts per fit; {tried} tried in {outcome.seconds:.2f} s"
            + (f", {outcome.reused} reused from the workspace" if outcome.reused else "")
            + "."
        )
    cols = [
        Column("dataset", justify="left"),
        eval_column(rows, own),
        Column("form", justify="left", table=form == "auto", drop=3),
        Column("A", fmt=sci_column, drop=2),
        Column("B", fmt=sci_column, drop=2),
        Column("E", fmt=fmt_fixed(3), drop=0),
        Column("alpha", "α", fmt=fmt_fixed(3), drop=0),
        Column("beta", "β", fmt=fmt_fixed(3), drop=0),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3), drop=3),
        Column("n_points", "runs", drop=2),
        *(
            [
                Column("K", fmt=sci_column, drop=2),
                Column("gamma", "γ", fmt=fmt_fixed(3), drop=0),
                Column("D", fmt=si),
            ]
            if outcome.fixed
            else []
        ),
        Column("objective", table=False),
        Column("delta", table=False),
        Column("objective_value", "objective", fmt=lambda x: sci(x, 4), drop=4),
        Column("r2", "R² (log)", fmt=fmt_fixed(4), drop=1),
        Column("rmse", "RMSE (log)", fmt=fmt_fixed(4), drop=3),
        Column("converged", table=False),
        Column("at_bounds", table=False),
        Column("flags", justify="left", fmt=_flag_cell),
        Column("status", table=False),
        Column("error", table=False),
        Column("warnings", table=False),
        Column("n_starts", table=False),
    ]
    title = f"Scaling laws ({form})" + (", each dataset's own loss" if all_own(rows, own) else "")
    reports = [
        Report(
            "fit-law",
            cols,
            rows,
            title=title,
            notes=head + notes,
            timing=timing,
            meta={"form": form, "equation": equation, "objective": objective, "delta": delta, "level": level},
            summary=_fits_summary(rows, own),
            table_order=("dataset", "eval", "E", "alpha", "beta"),
        )
    ]
    boot = [r for r in rows if r.get("bootstrap_draws")]
    if boot:
        reports.append(_bootstrap_table(boot, level))
    return reports


def _bootstrap_table(rows: Sequence[Row], level: float) -> Report:
    cols = [Column("dataset", justify="left"), Column("eval", justify="left", drop=3)]
    for k in ("E", "alpha", "beta", "a", "A", "B"):
        if any(f"{k}_lo" in r for r in rows):
            label = GREEK.get(k, k)
            big = k in ("A", "B")
            cols.append(
                interval_column(
                    k, f"{label} [{pct(level)}]", rows, fmt=sci_column if big else None, drop=2 if big else 0
                )
            )
    cols += [
        Column("bootstrap_draws", "draws", drop=3),
        Column("bootstrap_unit", "unit", justify="left", drop=3),
    ]
    unit = {r.get("bootstrap_unit") for r in rows}
    return Report(
        "fit-law-intervals",
        cols,
        rows,
        title=f"Bootstrap {pct(level)} percentile intervals (--level)",
        show_in=frozenset({"table"}),
        summary=f"parameter uncertainty of {plural(len(rows), 'law')} over {rows[0]['bootstrap_draws']} "
        f"refits on resampled {'runs' if unit == {'run'} else 'model sizes' if unit == {'N'} else 'data'} "
        "(not the extrapolation error: `l2l predict` gives that)",
    )


def _predict_summary(rows: Sequence[Row], own: Mapping[str, str] | None) -> str:
    level = pct_level(rows)
    if len(rows) == 1:
        r = rows[0]
        iv = with_interval(
            r["loss"], r["loss_lo"], r["loss_hi"], level, lower_bound=bool(r.get("lower_bound_only"))
        )
        return (
            f"{_law_name(r, own)} at N = {si(r['N'])}, D = {si(r['D'])}: loss {iv}; {reach_of_compute(rows)}"
        )
    half = [100 * (r["loss_hi"] - r["loss_lo"]) / 2 / r["loss"] for r in rows if finite(r.get("loss_lo"))]
    n_lower = sum(1 for r in rows if r.get("lower_bound_only"))
    return (
        f"{plural(len(rows), 'prediction')}, {reach_of_compute(rows)}; {level} intervals "
        f"±{spread(half, lambda x: f'{x:.2g}')} %" + (f"; {n_lower} only a lower bound" if n_lower else "")
    )


def _correction_words(corrected: Sequence[bool]) -> str:
    """What a column of predicted losses is: corrected by the backtests' bias (all, none, or where that helped)."""
    if all(corrected):
        return "the law's loss corrected by the bias its sweep's backtests measured (law: uncorrected)"
    if not any(corrected):
        return "the law's own loss (no correction helped in its backtests)"
    return "the law's loss, corrected by its backtests' bias where that helped (law: uncorrected)"


def predictions_report(
    preds: Sequence[LawPrediction | LinePrediction],
    *,
    own: Mapping[str, str] | None = None,
    skipped: Sequence[str] = (),
) -> Report:
    """predict: each law's bias-corrected loss at (N, D) with its predictive interval, the law's own value, and
    how far the target lies beyond the fitted runs."""
    rows = [p.to_dict() for p in preds]
    level = pct_level(rows)
    what = _correction_words([bool(r.get("corrected", True)) for r in rows])
    lines = [_law_name(r, own) for r in rows if "+line" in str(r.get("interval_method", ""))]
    line_words = (
        "the power law along the runs' one line of tokens per parameter (its note says why; law: the law's)"
    )
    if lines and len(lines) == len(rows):  # (the line law's estimate: ``predict._on_the_line``)
        what = line_words
    elif lines:
        what = f"{what}; for {counted(list(dict.fromkeys(lines)), 'law')}, {line_words}"
    fixed = [_law_name(r, own) for r in rows if r.get("form") == "line"]
    fixed_words = "the law in N at the runs' one token count (its warning says which)"
    if fixed and len(fixed) == len(rows):  # (a fixed-D sweep's law: ``predict.LinePrediction``)
        what = fixed_words
    elif fixed:
        what = f"{what}; for {counted(list(dict.fromkeys(fixed)), 'law')}, {fixed_words}"
    moved = [_law_name(r, own) for r in rows if r.get("anchor")]
    if (
        moved
    ):  # (a poor law that misses its own largest runs: ``predict._onto_top_runs``; its note says how far)
        what = f"{what}; for {counted(list(dict.fromkeys(moved)), 'law')}, moved onto its own largest runs"
    notes = [
        f"predicted: {what}, with the {level} predictive interval; C×, N×, D×: the target over the largest fitted "
        "value."
    ]
    notes += interval_notes(
        rows, lambda r: _law_name(r, own), lambda r: f"at N={sci(r['N'])}, D={sci(r['D'])}"
    )
    notes += _law_warnings(rows, own)
    notes += list(skipped)  # laws asked for that could not be fitted (the others are predicted)
    cols = [
        Column("dataset", justify="left"),
        eval_column(rows, own),
        Column("form", table=False),
        Column("N", fmt=si, drop=2),
        Column("D", fmt=si, drop=2),
        Column("C", fmt=sci, drop=3),
        Column("loss", table=False),
        Column("loss_lo", table=False),
        Column("loss_hi", table=False),
        interval_column("loss", f"predicted [{level}]", rows),
        Column("loss_law", "law", fmt=fmt_fixed(4), drop=3),
        *ratio_columns(),
        Column("lower_bound_only", "lower bound", drop=2),
        Column("level", table=False),
        Column("interval_method", table=False),
        Column("beyond_evidence", table=False),
        Column("sd_param", table=False),
        Column("notes", table=False),
        Column("warnings", table=False),
    ]
    return Report(
        "predict",
        cols,
        rows,
        title="Predicted loss",
        notes=notes,
        summary=_predict_summary(rows, own),
        table_order=("dataset", "eval", "loss__interval"),
    )


def _optimal_summary(rows: Sequence[Row], own: Mapping[str, str] | None) -> str:
    level = pct_level(rows)
    if len(rows) == 1:
        r = rows[0]
        # (as predict's summary says it: `optimal` left "a lower bound" to its table and a warning, h18)
        loss = with_interval(
            r["loss"], r["loss_lo"], r["loss_hi"], level, lower_bound=bool(r.get("lower_bound_only"))
        )
        return (
            f"{_law_name(r, own)} at C = {sci(r['C'])}: N* = {si(r['N_opt'])} [{si(r['N_opt_lo'])}, "
            f"{si(r['N_opt_hi'])}], D* = {si(r['D_opt'])} ({r['tokens_per_param']:.3g} tokens per parameter), "
            f"loss {loss}"
        )
    budgets = sorted({r["C"] for r in rows})
    at = f"C = {sci(budgets[0])}" if len(budgets) == 1 else f"C = {sci(budgets[0])} to {sci(budgets[-1])}"
    lo = min(rows, key=lambda r: r["N_opt"])
    hi = max(rows, key=lambda r: r["N_opt"])
    return (
        f"at {at}: N* from {si(lo['N_opt'])} ({_law_name(lo, own)}) to {si(hi['N_opt'])} ({_law_name(hi, own)}), "
        f"{spread([r['tokens_per_param'] for r in rows], lambda x: f'{x:.3g}')} tokens per parameter"
    )


def allocations_report(
    allocs: Sequence[Allocation], *, own: Mapping[str, str] | None = None, skipped: Sequence[str] = ()
) -> Report:
    """optimal: N*, D* and the loss there per law and budget, each with its interval."""
    rows = [a.to_dict() for a in allocs]
    level = pct_level(rows)
    corrected = [abs(r["loss"] - r["loss_law"]) > 1e-12 * abs(r["loss_law"]) for r in rows]
    notes = [
        f"loss at N*: {_correction_words(corrected)}, with its {level} predictive interval; N*, D*: {level} "
        "percentile intervals over the law's bootstrap draws, parameter uncertainty only (a lower bound: no "
        "backtest can score an optimum, which is never measured)."
    ]
    # the loss's notes as predict says them; what is said of N* alone (optimum_notes) a warning of its own
    said = [{**r, "notes": [n for n in r["notes"] if n not in r.get("optimum_notes", [])]} for r in rows]
    notes += interval_notes(said, lambda r: _law_name(r, own), lambda r: f"at C={sci(r['C'])}")
    notes += [
        f"warning: {_law_name(r, own)} at C={sci(r['C'])}: {n}"
        for r in rows
        for n in r.get("optimum_notes", [])
    ]
    notes += _law_warnings(rows, own)
    notes += list(skipped)
    k = rows[0]["flops_per_param_token"] if rows else 6.0
    relation = "C = 6ND" if k == 6.0 else f"C = {k:.4g}·N·D, as the table's C column gives"
    cols = [
        Column("dataset", justify="left"),
        eval_column(rows, own),
        Column("form", table=False),
        Column("C", fmt=sci, drop=1),
        Column("N_opt", "N*", fmt=si, drop=0),
        Column("N_opt_lo", table=False),
        Column("N_opt_hi", table=False),
        Column("D_opt", "D*", fmt=si, drop=0),
        Column("D_opt_lo", table=False),
        Column("D_opt_hi", table=False),
        Column("tokens_per_param", "D*/N*", fmt=fmt_fixed(1), drop=2),
        *(Column(k, table=False) for k in ("loss", "loss_lo", "loss_hi")),
        Column("loss_law", "law", fmt=fmt_fixed(4), drop=3),
        # how far each row reaches and whether its interval is a lower bound stay at 80 columns (h3: both left,
        # with no word of either row's reach), before N*'s own interval, which is a bootstrap's lower bound anyway
        Column("C_ratio", "C×", fmt=times, drop=1),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3), drop=4),
        Column("lower_bound_only", "lower bound", drop=1),  # as predict's table: a poor law's loss says so
        *(Column(k, table=False) for k in ("level", "interval_method", "beyond_evidence")),
        *(
            Column(k, table=False)
            for k in (
                "sd_param",
                "optimum_draws",
                "optimum_lower_bound_only",
                "notes",
                "warnings",
                "optimum_notes",
            )
        ),
        Column("flops_per_param_token", table=False),
        interval_column("loss", f"loss at N* [{level}]", rows),
        interval_column("N_opt", f"N* [{level}]", rows, fmt=si, drop=3),
        interval_column("D_opt", f"D* [{level}]", rows, fmt=si, drop=3),
    ]
    return Report(
        "optimal",
        cols,
        rows,
        title=f"Compute-optimal allocation ({relation})",
        notes=notes,
        summary=_optimal_summary(rows, own),
        table_order=("dataset", "eval", "N_opt", "D_opt", "loss__interval", "C", "N_opt__interval"),
    )


def law_file_predictions_report(
    preds: Sequence[FilePrediction], *, source: str, skipped: Sequence[str] = ()
) -> Report:
    """predict --law FILE: each law's value at (N, D), with how far beyond its fitted runs it reaches;
    ``skipped``: what was asked for and refused (a poor law beyond its fitted runs, as the file says)."""
    rows = [p.to_dict() for p in preds]
    has_iv = any(r["loss_lo"] is not None for r in rows)
    notes = [
        f"laws from {source}: the law's own value (no runs, so no calibrated interval)"
        + ("; intervals: bootstrap percentiles, parameter uncertainty only (a lower bound)" if has_iv else "")
        + "; C×, N×, D×: the target over the largest fitted value (above 1: extrapolated)"
    ]
    far = [r for r in rows if r["extrapolated"] and max(r["C_ratio"], r["N_ratio"], r["D_ratio"]) > 1.0]
    if far:
        worst = max(max(r["C_ratio"], r["N_ratio"], r["D_ratio"]) for r in far)
        notes.append(
            f"{plural(len(far), 'prediction')} beyond the runs the law was fitted on "
            f"(up to {times(worst)} the largest fitted N, D or C)"
        )
    unknown = sorted({f"{r['dataset']}/{r['eval']}" for r in rows if r["extrapolated"] is None})
    if unknown:
        notes.append(
            f"warning: {source} holds no ranges for {', '.join(unknown)}: how far "
            f"{'its predictions extrapolate' if len(unknown) == 1 else 'their predictions extrapolate'} is unknown "
            "(save the law again with `l2l fit-law --save FILE.json`)"
        )
    # one line per prediction, as predict from the runs says it (three lines each, compute, N and D, made 18 lines
    # for six rows)
    notes += said_once(
        (
            "warning: ",
            f"{r['dataset']}/{r['eval']}",
            f"at N = {si(r['N'])}, D = {si(r['D'])}",
            "; ".join(r["notes"]),
        )
        for r in rows
        if r["notes"]
    )
    notes += _law_warnings(rows, None)
    notes += list(skipped)
    header = f"predicted [{pct_level(rows)}]" if has_iv else "predicted loss"
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("N", fmt=si, drop=2),
        Column("D", fmt=si, drop=2),
        Column("C", fmt=sci, drop=3),
        *(Column(k, table=False) for k in ("loss", "loss_lo", "loss_hi")),
        interval_column("loss", header, rows),
        Column("level", table=False),
        *(Column(k, table=False) for k in ("interval_method", "lower_bound_only", "calibrated", "reason")),
        *ratio_columns(),
        Column("extrapolated", table=False),
        Column("status", table=False),
        Column("notes", table=False),
        Column("warnings", table=False),
    ]
    said = "; ".join(
        f"{r['dataset']}/{r['eval']} at N = {si(r['N'])}, D = {si(r['D'])}: {r['loss']:.4g}" for r in rows[:3]
    )
    summary = (
        f"{said} (the law's own value{'s' if len(rows) > 1 else ''})"
        if len(rows) <= 3
        else f"{plural(len(rows), 'prediction')} from {source} (the laws' own values)"
    )
    return Report(
        "predict",
        cols,
        rows,
        title="Predicted loss",
        notes=notes,
        meta={"law_file": source},
        summary=summary,
        table_order=("dataset", "eval", "loss__interval"),
    )


def residuals_report(res: Sequence[Residual]) -> Report:
    """fit-law --residuals: every run beside its law's prediction."""
    rows = [r.to_dict() for r in res]
    held = [r for r in rows if not r["fitted"]]
    fitted = [abs(r["residual"]) for r in rows if r["fitted"] and finite(r.get("residual"))]
    notes = ["residual = (loss − predicted) / loss: above 0 the run did worse than its law"]
    summary = f"{plural(len(rows), 'run')}"
    if fitted:
        fitted.sort()
        summary += f"; the median fitted run is {100 * fitted[len(fitted) // 2]:.2f} % off its law"
    if held:
        mean = sum(r["residual"] for r in held) / len(held)
        summary += f"; {plural(len(held), 'held-out run')}, on average {100 * mean:+.2f} %"
        notes.append(f"held out: {plural(len(held), 'run')} outside the split the laws were fitted on")
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left", drop=3),
        Column("run_id", "run", justify="left", drop=3),
        Column("split", table=False),
        Column("N", fmt=si, drop=2),
        Column("D", fmt=si, drop=2),
        Column("C", fmt=sci, drop=3),
        Column("loss", fmt=fmt_fixed(4), drop=0),
        Column("predicted", fmt=fmt_fixed(4), drop=1),
        Column("residual", "residual", fmt=fmt_pct(2), drop=0),
        Column("log_residual", table=False),
        Column("fitted", "held out", fmt=lambda x: "" if x else "yes", justify="left", drop=0),
    ]
    return Report(
        "fit-law-residuals",
        cols,
        rows,
        title="Residuals per run",
        notes=notes,
        json_key="residuals",  # JSON: a list in the fit-law document
        summary=summary,
    )


def with_residuals(reports: Sequence[Report], res: Sequence[Residual]) -> list[Report]:
    """fit-law's reports followed by the residual table: in JSON a ``residuals`` list of the one document, in
    CSV the residual rows alone (CSV is one table), in a terminal a table after the laws."""
    main, *rest = reports
    return [replace(main, show_in=frozenset({"table", "json"})), *rest, residuals_report(res)]
