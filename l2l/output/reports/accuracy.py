"""Reports of downstream accuracy: ``fit-accuracy`` (the laws), ``predict --eval ACC`` (the chain to an accuracy,
with its interval in points) and ``evaluate --accuracy`` (held-out error in points per method)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from l2l.base.text import counted, fmt_fixed, fmt_pct, plural, some_of
from l2l.core.predictive import is_beyond_evidence_note
from l2l.output.report import Column, Report, Row
from l2l.output.reports.common import (
    backtested_words,
    chance_text,
    finite,
    interval_column,
    pct,
    ratio_columns,
    reach_of_compute,
    si,
    spread,
)
from l2l.workflows.accuracy import CHANCE_CONTRADICTED, CHANCE_DISAGREES

if TYPE_CHECKING:
    from l2l.workflows.accuracy import AccuracyPrediction, AccuracyResult
    from l2l.workflows.accuracy_eval import AccuracyEvaluation

__all__ = ["accuracy_evaluation_report", "accuracy_fits_report", "accuracy_predictions_report"]


def _minus(x: float) -> str:
    """``x − 1.072``, or ``x + 1.072`` for a negative shift (never ``x − -1.072``)."""
    return f"x − {x:.3f}" if x >= 0 else f"x + {-x:.3f}"


def _law_text(law: Row) -> str:
    if law.get("form") == "power":
        return f"1 − acc = {law['K']:.3g}·({_minus(law['E0'])})^{law['kappa']:.3f} + {law['E1']:.3f}"
    return f"{law['floor']:.3f} + ({law['ceiling']:.3f} − {law['floor']:.3f})·σ(−({_minus(law['x0'])})/{law['s']:.3f})"


def _fit_rows(
    results: Sequence[AccuracyResult],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[str]]:
    rows: list[dict[str, Any]] = []
    law_rows: list[dict[str, Any]] = []
    notes: list[str] = []
    repeated: dict[tuple[int, int], list[str]] = {}  # (accuracies, runs) → the evals with several per run
    for res in results:
        d = res.to_dict()
        laws = d.get("laws") or {}
        if d["status"] in ("ok", "poor") and laws:  # a poor law is fitted and predicts (marked poor)
            if d["status"] == "poor":
                notes.append(f"{d['eval']}: poor: {d['reason']} (its predictions say so)")
            # a dataset whose own runs do not predict its accuracy gets no prediction, so no row of law parameters
            # either (p68: code's curve listed beside "code: not predicted")
            unpredicted = d.get("unpredictable_datasets") or {}
            predicting = {ds: law for ds, law in laws.items() if ds not in unpredicted}
            d["law"] = (
                _law_text(laws["*"])
                if "*" in laws
                else f"one shape, shifted by dataset ({len(predicting)})"
                if d.get("pooling") == "shifted"
                else f"one per dataset ({len(predicting)})"
            )
            d["pooling"] = d.get("pooling") or ("pooled" if d["pooled"] else "separate")
            for ds, law in predicting.items():
                law_rows.append({"eval": d["eval"], "dataset": "all (pooled)" if ds == "*" else ds, **law})
            if d.get("sharing"):
                notes.append(f"{d['eval']}: {d['pooling']}: {d['sharing']}")
            if str(d.get("ceiling_choice", "")).startswith("fitted"):
                notes.append(f"{d['eval']}: ceiling {d['ceiling_choice']}")
            notes.extend(f"{d['eval']}: {w}" for w in d.get("warnings", []))
        else:
            # no law: null in JSON and an empty CSV cell, "–" in the table (the table's placeholder reached scripts)
            d["law"] = None
            notes.append(f"{d['eval']}: {d['status']}: {d['reason']}")
        if d.get("n_points", 0) > d.get("n_runs", 0) > 0:
            repeated.setdefault((d["n_points"], d["n_runs"]), []).append(d["eval"])
        d["chance_text"] = chance_text(d["chance"], d["chance_source"])
        for said in (CHANCE_CONTRADICTED, CHANCE_DISAGREES):
            if d["chance_source"].startswith(said):
                notes.append(f"{d['eval']}: chance level: {d['chance_source'][len(said) :].lstrip(': ')}")
        rows.append(d)
    # (said once for the evals it is true of: a DataDecide-shaped table's every task has its seeds)
    for (points, runs), names in repeated.items():
        notes.append(
            f"{counted(names, 'accuracy eval')}: {points:,} accuracies of {plural(runs, 'run')}, each fitted: a "
            "run's repeats (its seeds, or its checkpoints in a per-step log) are several accuracies, each against "
            "the loss it is paired with (the seeds' mean; the checkpoint's own)"
        )
    return rows, law_rows, notes


def _partial(r: Row) -> str:
    """ "1 of 6 datasets" where a fitted law predicts for only some of its eval's datasets (a curve or a midpoint
    per dataset, the others' own runs not predicting theirs, or too few), else ""."""
    n, k = r.get("n_datasets") or 0, r.get("n_datasets_predicted")
    if r["status"] not in ("ok", "poor") or not r.get("laws") or k is None or k >= n:
        return ""
    return f"{k} of {n} datasets"


def _status_cell(r: Row) -> str:
    """The status as the table shows it: ``ok (1 of 6 datasets)`` where the law predicts only some datasets (an
    eval predicting 1 of 6 read ``ok``; probe h3), ``ok (untested)`` where its backtest could not test it (its runs
    show no rise where it was scored: a law 5-12 points off at 10-30x read ``ok`` beside tested ones, "in every
    row: status ok"; probe h27; JSON's ``backtest_uninformative`` says why)."""
    parts = [p for p in (_partial(r), "untested" if r.get("backtest_uninformative") else "") if p]
    return f"{r['status']} ({'; '.join(parts)})" if parts else str(r["status"])


def _fits_summary(rows: Sequence[Row]) -> str:
    fitted = [r for r in rows if r["status"] in ("ok", "poor") and r.get("laws")]
    # an eval whose law predicts only some of its datasets is not counted as fitted whole (probe h3: Winogrande,
    # 1 of 6 datasets, counted in "16 of 21 fitted")
    ok = [r for r in fitted if not _partial(r)]
    partial = [r for r in fitted if _partial(r)]
    poor = sum(1 for r in ok if r["status"] == "poor")
    unpredictable = sum(1 for r in rows if r["status"] == "unpredictable")
    failed = len(rows) - len(fitted) - unpredictable
    parts = [
        f"{len(ok)} of {plural(len(rows), 'accuracy eval')} fitted"
        + (" for every dataset" if partial else "")
        + (f" ({poor} poor)" if poor else "")
    ]
    if partial:
        parts.append(
            f"{len(partial)} for only some of their datasets ("
            + some_of(
                [
                    f"{r['eval']}: {_partial(r)}" + (", poor" if r["status"] == "poor" else "")
                    for r in partial
                ],
                3,
            )
            + ")"
        )
    ok = fitted  # what follows describes every law fitted, whole or not
    if ok:
        pooled = sum(1 for r in ok if r.get("pooled"))
        shifted = sum(1 for r in ok if r.get("pooling") == "shifted")
        parts.append(
            f"{pooled} pooled, "
            + (f"{shifted} shifted by dataset, " if shifted else "")
            + f"{len(ok) - pooled - shifted} per dataset"
        )
        mae = [r["backtest_mae_points"] for r in ok if finite(r.get("backtest_mae_points"))]
        if mae:
            parts.append(f"backtest error {spread(mae, fmt_fixed(2))} points")
    if unpredictable:
        parts.append(
            f"{unpredictable} unpredictable (near chance or not rising as the loss falls: see reason)"
        )
    if failed:
        parts.append(f"{failed} failed")
    return "; ".join(parts)


def accuracy_fits_report(results: Sequence[AccuracyResult]) -> list[Report]:
    """fit-accuracy: one row per accuracy eval (the law when pooled, else per dataset in a second table)."""
    rows, law_rows, notes = _fit_rows(results)
    cols = [
        Column("eval", justify="left"),
        Column("input_eval", "input loss", justify="left", drop=4),
        Column("chance_text", "chance", justify="left", drop=3),
        Column("status", table=False),
        Column("status_cell", "status", justify="left", cell=_status_cell),
        Column("pooling", justify="left", drop=2),
        Column("law", justify="left", drop=3),
        Column("rmse_points", "fit rmse (pts)", fmt=fmt_fixed(2), drop=1),
        Column("backtest_mae_points", "backtest MAE (pts)", fmt=fmt_fixed(2), drop=0),
        Column("n_runs", "runs", drop=2),
        *(
            Column(k, table=False)
            for k in ("chance", "chance_source", "reason", "sharing", "ceiling_choice", "laws", "warnings")
        ),
    ]
    head = [
        "accuracy as a function of the input loss x; unpredictable: accuracy within noise of chance, or not rising "
        "as the loss falls, on these runs "
        "(not fitted, not predicted); backtest MAE: fitted on each dataset's smaller runs, scored on its largest; "
        "fit rmse: the law's residuals on the runs it was fitted on (it can be the smaller)"
    ]
    if any(r.get("backtest_uninformative") for r in rows):
        head.append(
            "untested: the backtest could not test the law (the runs it was scored on show no rise above chance): "
            "its predictions' intervals hold the fit's residuals only, lower bounds"
        )
    main = Report(
        "fit-accuracy",
        cols,
        rows,
        title="Accuracy laws",
        notes=[*head, *notes],
        meta={"n_evals": len(rows)},
        summary=_fits_summary(rows),
        table_order=("eval", "status_cell", "backtest_mae_points", "rmse_points", "pooling"),
        csv_omit=frozenset({"laws"}),
        csv_cells=frozenset({"unpredictable_datasets"}),
    )
    law_cols = [
        Column("eval", justify="left"),
        Column("dataset", justify="left"),
        Column("form", justify="left", drop=3),
        *(
            Column(k, fmt=fmt_fixed(4), drop=2 if k == "ceiling" else 0)
            for k in ("floor", "ceiling", "x0", "s", "K", "kappa", "E0", "E1")
        ),
    ]
    shown = [c for c in law_cols if c.key in ("eval", "dataset", "form") or any(c.key in r for r in law_rows)]
    laws_rep = Report(
        "fit-accuracy-laws", shown, law_rows, title="Law parameters", show_in=frozenset({"table"})
    )
    # CSV: the same laws, one row each with every parameter column, whatever the forms fitted (the main rows' nested
    # ``laws`` became columns named by the data: ``laws_*_x0`` pooled, ``laws_<dataset>_x0`` separate); JSON keeps
    # them nested under each eval
    laws_csv = Report("fit-accuracy-laws", law_cols, law_rows, show_in=frozenset({"csv"}))
    return [main, laws_rep, laws_csv] if law_rows else [main]


def accuracy_predictions_report(preds: Sequence[AccuracyPrediction], *, level: float = 0.9) -> Report:
    """predict (accuracy): each prediction's accuracy in points with its interval (a lower bound where its input
    loss's interval is one), and the chain of steps that made it."""
    rows = []
    notes: list[str] = []
    for p in preds:
        d = p.to_dict()
        d["accuracy_points"] = None if d["accuracy"] is None else 100 * d["accuracy"]
        lo, hi = d["accuracy_lo"], d["accuracy_hi"]
        # numbers, not a formatted "[52.1, 59.0]": a script reads them as it reads accuracy_points
        d["accuracy_lo_points"] = None if lo is None else 100 * lo
        d["accuracy_hi_points"] = None if hi is None else 100 * hi
        rows.append(d)
        head = f"{d['dataset']} / {d['eval']} at N={si(d['N'])}, D={si(d['D'])}: "
        notes.append(head + " → ".join(d["steps"]))
        if d["extrapolates"]:
            notes.append(head + "the input loss lies outside the range the accuracy law was fitted on")
        if d.get("ceiling_note"):
            notes.append(f"warning: {head}{d['ceiling_note']}")
        # what the JSON says of the input loss's reach, the table says too (as predict --eval TASK does)
        notes += [f"warning: {head}{n}" for n in d.get("notes") or [] if is_beyond_evidence_note(n)]
    shown = next((r for r in rows if r["accuracy_lo"] is not None), None)
    if shown is not None:
        notes.append(shown["interval"])
    if any(finite(r.get("C_ratio")) for r in rows):
        notes.append("C×, N×, D×: the target over the largest fitted value of the input loss's law")
    # the header says "lower bound" only when every interval is one; each row says which it is (the header said
    # so of all 64 rows of a probe's table where 12 were calibrated)
    bounded = [r for r in rows if r["accuracy_lo"] is not None]
    low = ", lower bound" if bounded and all(r.get("lower_bound_only") for r in bounded) else ""
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("N", fmt=si, drop=2),
        Column("D", fmt=si, drop=2),
        Column("C", table=False),
        Column("own_loss", "own loss", fmt=fmt_fixed(4), drop=4),
        Column("input_eval", "input loss", justify="left", drop=5),
        Column("loss", "predicted input loss", fmt=fmt_fixed(4), drop=3),
        Column("accuracy_points", table=False),
        Column("accuracy_lo_points", table=False),
        Column("accuracy_hi_points", table=False),
        Column("status", justify="left", drop=2),
        *ratio_columns(),  # how far it extrapolates, as the loss table says it (the JSON said it, the table not)
        Column("lower_bound_only", "lower bound", drop=1),
        *(Column(k, table=False) for k in ("accuracy", "accuracy_lo", "accuracy_hi", "loss_lo", "loss_hi")),
        *(Column(k, table=False) for k in ("chance", "pooled", "reason", "steps")),
        interval_column("accuracy", f"accuracy (pts) [{pct(level)}{low}]", rows, scale=100.0),
    ]
    summary = None
    if len(rows) == 1 and finite(rows[0]["accuracy"]):
        r = rows[0]
        iv = (
            f", {pct(level)} interval [{100 * r['accuracy_lo']:.1f}, {100 * r['accuracy_hi']:.1f}]"
            + (" (a lower bound on the uncertainty)" if r.get("lower_bound_only") else "")
            if finite(r["accuracy_lo"])
            else ""
        )
        at = f"{r['dataset']} at N = {si(r['N'])}, D = {si(r['D'])}"
        summary = f"{at}: {r['eval']} {100 * r['accuracy']:.1f} points{iv}; {reach_of_compute(rows)}"
    elif rows:
        ok = [r for r in rows if finite(r["accuracy"])]
        summary = f"{len(ok)} of {plural(len(rows), 'accuracy')} predicted" + (
            f", {spread([100 * r['accuracy'] for r in ok], fmt_fixed(1))} points; {reach_of_compute(ok)}"
            if ok
            else ""
        )
    return Report(
        "predict-accuracy",
        cols,
        rows,
        title="Predicted accuracy",
        notes=notes,
        summary=summary,
        table_order=("dataset", "eval", "accuracy__interval"),
    )


def accuracy_evaluation_report(ev: AccuracyEvaluation, *, detail: bool = False) -> list[Report]:
    """evaluate (train-to-accuracy): mean absolute error in accuracy points per method and input."""
    rows = [s.to_dict() for s in ev.summary]
    for r in rows:
        # as the loss table says it beside its coverage (a probe read "coverage 60.0 %" as 90 % intervals' miss,
        # every one of them a lower bound said only in a note below: h20, h52, h62)
        n = r.get("n_intervals") or 0
        r["backtested"] = backtested_words(r["n_lower_bound"] / n, r["n_lower_bound"] > 0) if n else None
    cols = [
        Column("label", "method", justify="left"),
        Column("input", "input loss", justify="left"),
        # at 80 columns the counts and the MAE over every eval leave first: coverage and half-width say whether
        # the intervals hold (a probe's 80-column table kept a 49-character method and dropped both)
        Column("mae_points", "MAE (pts), all it predicts", fmt=fmt_fixed(2), drop=2),
        Column("n_evals", "evals", drop=4),
        Column("mae_points_predictable", "MAE (pts), evals l2l predicts", fmt=fmt_fixed(2), drop=0),
        Column("n_predictable", "evals", drop=3),
        Column("coverage", "coverage", fmt=fmt_pct(1), drop=0),
        Column("median_half_width_points", "half-width (pts)", fmt=fmt_fixed(2), drop=0),
        Column("backtested", "backtested", justify="left", drop=0),
        Column("n_predictions", "predictions", table=False),
        Column("n_intervals", table=False),
        Column("n_lower_bound", table=False),
        Column("method", table=False),
    ]
    notes = [
        f"held out: {ev.holdout} ({plural(ev.n_heldout_runs, 'run')}); {plural(len(ev.evals), 'accuracy eval')}",
        "measured: the held-out run's own input loss (the loss → accuracy step alone); predicted: the input loss "
        "as predict gives it (the whole chain); coverage: held-out accuracies inside l2l's intervals",
        *ev.notes,
    ]
    lower = [r for r in rows if r.get("n_lower_bound")]
    if lower:  # (a probe read "coverage 60.0 %" as 90 % intervals' miss, all 30 of them lower bounds: h20)
        notes.append(
            "coverage counts intervals that are lower bounds on the uncertainty (no backtest calibrates them): "
            + "; ".join(
                # (a count, not a coverage: "6 of 6" below a coverage of 50.0 % read as one, probe h52)
                f"{r['label']} from the {r['input']} input loss, {r['n_lower_bound']} of its {r['n_intervals']} "
                "intervals lower bounds"
                for r in lower
            )
        )
    scored = [r for r in rows if finite(r.get("mae_points_predictable"))]
    summary = None
    if scored:
        best = min(scored, key=lambda r: r["mae_points_predictable"])
        summary = (
            f"lowest error on the evals l2l predicts: {best['label']} from the {best['input']} input loss, "
            f"{best['mae_points_predictable']:.2f} points"
        )
    reports = [
        Report(
            "evaluate-accuracy",
            cols,
            rows,
            title="Train-to-accuracy: held-out error in accuracy points",
            notes=notes,
            meta={k: v for k, v in ev.to_dict().items() if k != "summary"},
            summary=summary,
            table_order=("label", "input", "mae_points_predictable", "n_predictable"),
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
                    Column("run_id", justify="left", drop=4),
                    Column("method", justify="left"),
                    Column("input", justify="left", drop=2),
                    Column("truth", fmt=fmt_fixed(4), drop=0),
                    Column("predicted", fmt=fmt_fixed(4), drop=1),
                    Column("error_points", "error (pts)", fmt=fmt_fixed(2), drop=0),
                    Column("status", justify="left", drop=3),
                    # as predict --eval ACC marks the same prediction (blank without an interval)
                    Column("lower_bound_only", "lower bound", drop=2),
                    Column("reason", table=False),
                ],
                det,
                title="Every held-out accuracy prediction",
                show_in=frozenset({"table", "json"}),
            )
        )
    return reports
