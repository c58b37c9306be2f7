"""Reports of loss-to-loss translation: ``translate`` (the paper's Tables 6–8), ``predict --via`` (each step with
its interval, the end result in words) and ``evaluate`` (Table 1: does translation beat extrapolation, and how
honest the intervals were)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from l2l.base.schema import OUTPUT_FORMATS
from l2l.base.text import fmt_fixed, fmt_pct, plural
from l2l.output.report import Column, Report, Row
from l2l.output.reports.common import (
    backtested_words,
    finite,
    interval_column,
    pct_level,
    sci,
    sci_column,
    si,
    spread,
    with_interval,
)

if TYPE_CHECKING:
    from l2l.base.schema import Kind
    from l2l.workflows.evaluate import Evaluation
    from l2l.workflows.translate import TranslationResult
    from l2l.workflows.via import ViaPrediction

__all__ = ["evaluation_report", "translations_report", "via_report"]

# ---------------------------------------------------------------------------------------------------------------
# translate
# ---------------------------------------------------------------------------------------------------------------


def _target(res: TranslationResult, kind: Kind) -> str:
    return res.tgt if kind == "train-train" else res.eval if kind == "train-test" else f"{res.tgt}:{res.eval}"


def _law_row(res: TranslationResult, d: Row) -> dict[str, Any] | None:
    if res.implied is None or res.y_law is None:
        return None
    imp, ind = res.implied, res.y_law.law
    ratio = res.n_opt_implied / res.n_opt_independent if res.n_opt_implied and res.n_opt_independent else None
    return {
        "target": d["target"],
        **{f"{k}_implied": getattr(imp, k) for k in ("A", "B", "E", "alpha", "beta")},
        **{k: getattr(ind, k) for k in ("A", "B", "E", "alpha", "beta")},
        "C": res.C,
        "N_opt_implied": res.n_opt_implied,
        "N_opt_implied_lo": d.get("N_opt_implied_lo"),
        "N_opt_implied_hi": d.get("N_opt_implied_hi"),
        "N_opt_independent": res.n_opt_independent,
        "N_opt_ratio": ratio,
    }


def _translation_notes(res: TranslationResult, label: str, notes: list[str]) -> None:
    if res.translation is None:
        notes.append(f"{label}: not fitted: {res.error}")
        return
    notes.extend(f"{label}: {w}" for w in res.translation.warnings)
    for role, law in (("E0", res.x_law), ("E1", res.y_law)):
        if law is None:
            continue
        for w in law.warnings:
            note = f"{role} from the law of {law.eval} on {law.dataset}: {w}"
            if note not in notes:
                notes.append(note)


def _translate_summary(rows: Sequence[Row], src: str) -> str:
    ok = [r for r in rows if finite(r.get("kappa"))]
    if not ok:
        return f"no translation from {src} could be fitted (see the notes)"
    failed = len(rows) - len(ok)
    tail = f"; {failed} not fitted" if failed else ""
    if len(ok) == 1:
        r = ok[0]
        return (
            f"{src} → {r['target']}: κ = {r['kappa']:.3f}, K = {r['K']:.3f}, E0 = {r['E0']:.3f}, "
            f"E1 = {r['E1']:.3f}, R² = {r['r2']:.4f} over {plural(int(r['n_pairs']), 'pair')}{tail}"
        )
    lo = min(ok, key=lambda r: r["kappa"])
    hi = max(ok, key=lambda r: r["kappa"])
    return (
        f"{src} → {plural(len(ok), 'target')}: κ from {lo['kappa']:.3f} ({lo['target']}) to {hi['kappa']:.3f} "
        f"({hi['target']}), R² {spread([r['r2'] for r in ok], fmt_fixed(4))}{tail}"
    )


def translations_report(
    results: Sequence[TranslationResult], *, kind: Kind, said: Sequence[str] = ()
) -> list[Report]:
    """translate: κ, K (with their intervals), E0, E1 per target like the paper's Tables 6–8, then each target's
    law implied by the source law beside its own fit; ``said``: the call's own notes (an eval a default left
    out)."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    law_rows: list[dict[str, Any]] = []
    for res in results:
        d = res.to_dict()
        d["target"] = _target(res, kind)
        rows.append(d)
        _translation_notes(res, f"{res.src} → {d['target']}", notes)
        law = _law_row(res, d)
        if law is not None:
            law_rows.append(law)
    src = results[0].src if results else ""
    level = pct_level(rows)
    head = [
        f"L1 ≈ K·(L0 − E0)^κ + E1 with E0, E1 from independent fits"
        f"{' (E1 fitted: --free-e1)' if any(r.get('free_e1') for r in rows) else ''}; "
        "R² of the log–log fit; resid sd = sd of log(y/ŷ)."
    ]
    has_bands = any(r.get("K_lo") is not None for r in rows)
    if has_bands:
        head.append(
            f"κ, K: {level} percentile intervals over refits on resampled pairs with bootstrap draws of E0 and E1 "
            "(parameter uncertainty only; a translated prediction's interval is `l2l predict --via`'s)."
        )
    cols = [
        Column("src", justify="left", drop=9),  # the same in every row, and in the title: first to leave
        Column("target", justify="left", data=False),  # a label of tgt/eval: JSON and CSV carry those
        *(Column(k, table=False) for k in ("tgt", "x_eval", "eval", "kind")),
        Column("kappa", "κ", fmt=fmt_fixed(3), table=not has_bands, drop=0),
        Column("kappa_lo", table=False),
        Column("kappa_hi", table=False),
        Column("K", fmt=fmt_fixed(3), table=not has_bands, drop=0),
        Column("K_lo", table=False),
        Column("K_hi", table=False),
        Column("E0", fmt=fmt_fixed(3), drop=2),
        Column("E1", "E1", fmt=fmt_fixed(3), drop=1),
        Column("n_pairs", "pairs", drop=2),
        Column("n_excluded", "excluded", drop=3),
        Column("r2", "R²", fmt=fmt_fixed(4), drop=1),
        Column("resid_sd", "resid sd", fmt=fmt_pct(2), drop=3),
        *(Column(k, table=False) for k in ("free_e1", "x_min", "x_max", "error", "warnings", "level")),
        *(Column(k, table=False) for k in ("N_opt_implied_lo", "N_opt_implied_hi", "interval_draws")),
    ]
    if has_bands:  # the answer: κ and K with their intervals, right after the target
        cols += [interval_column("kappa", f"κ [{level}]", rows), interval_column("K", f"K [{level}]", rows)]
    title = {"train-train": "Train-to-train", "train-test": "Train-to-test", "test-test": "Test-to-test"}[
        kind
    ]
    reports = [
        Report(
            "translate",
            cols,
            rows,
            title=f"{title} translations from {src}",
            notes=[*head, *notes, *said],
            meta={"translation_kind": kind},  # "kind" names the report, as in every JSON document
            summary=_translate_summary(rows, src),
            table_order=("src", "target", "kappa__interval", "K__interval"),
        )
    ]
    if law_rows:
        reports.append(_implied_laws_table(law_rows, has_bands, level))
    return reports


def _implied_laws_table(law_rows: Sequence[Row], has_bands: bool, level: str) -> Report:
    lcols = [
        Column("target", justify="left"),
        Column("C", "at C", fmt=sci, drop=1),
        interval_column(
            "N_opt_implied", f"N* implied [{level}]" if has_bands else "N* implied", law_rows, fmt=si
        ),
        Column("N_opt_independent", "N* independent", fmt=si, drop=0),
        Column("N_opt_ratio", "ratio", fmt=fmt_fixed(3), drop=0),
    ]
    for k, label in (("E", "E"), ("alpha", "α"), ("beta", "β"), ("A", "A"), ("B", "B")):
        fmt = sci_column if k in "AB" else fmt_fixed(3)
        lcols.append(Column(f"{k}_implied", f"{label}'", fmt=fmt, drop=3 if k in "AB" else 2))
        lcols.append(Column(k, label, fmt=fmt, drop=3 if k in "AB" else 2))
    lcols += [Column("N_opt_implied_lo", table=False), Column("N_opt_implied_hi", table=False)]
    ratios = [r["N_opt_ratio"] for r in law_rows if finite(r.get("N_opt_ratio"))]
    budget = {r["C"] for r in law_rows}
    at = f" at C = {sci(next(iter(budget)))}" if len(budget) == 1 else ""
    return Report(
        "translate-laws",
        lcols,
        law_rows,
        title="Target law implied by the source law (') beside its independent fit",
        show_in=frozenset({"table"}),
        notes=[
            "Eq. 3 pushed through the power law: A' = A·K^(1/(κα)), "
            "B' = B·K^(1/(κβ)), α' = κα, β' = κβ, E' = E1; N* implied = N* of the source.",
            "The laws here are Eq. 3 fits (the form closed under translation) whatever form fit-law, predict and "
            "optimal choose (--form auto): where they chose another, their E and N* differ from these.",
        ],
        summary=f"N*{at}: implied over independent {spread(ratios, fmt_fixed(3))}" if ratios else None,
    )


# ---------------------------------------------------------------------------------------------------------------
# predict --via
# ---------------------------------------------------------------------------------------------------------------


def _step_label(r: Row) -> str:
    """What one step of a prediction through translation did, in a few words (the full text is ``step``)."""
    kind, ds, ev = r.get("kind"), r.get("dataset"), r.get("eval")
    if kind in ("measured", "given"):
        return f"{kind} {ds}"
    if kind in ("train-train", "test-test"):
        return f"{r.get('source')} → {ds}"
    if kind == "train-test":
        return f"{ds} → {ev}"
    if kind == "combined":
        return f"{str(r.get('step', '')).split(' → ')[0]} → {ds}"
    return str(r.get("step", ""))


def _via_summary(pred: ViaPrediction, level: str) -> str:
    res = pred.result
    where = (
        f"N = {si(pred.N)}, D = {si(pred.D)}" if pred.N is not None and pred.D is not None else "the source"
    )
    iv = with_interval(res.estimate, res.lo, res.hi, level, lower_bound=res.lower_bound_only)
    text = f"{pred.target}:{pred.eval} at {where}: {iv}"
    if pred.actual is not None:
        err = abs(res.estimate - pred.actual) / pred.actual
        inside = "inside" if res.covers(pred.actual) else "OUTSIDE"
        text += f"; measured {pred.actual:.4g} ({100 * err:.2f} % away, {inside} the interval)"
    return text


def _interval_kind(r: Row) -> str:
    """A step's interval in a word: measured (none), backtested, or a lower bound (not backtested, or beyond the
    backtests' reach: a "backtested: yes" beside a lower-bound result read as calibrated)."""
    if r.get("kind") in ("measured", "given"):
        return "–"
    return "lower bound" if r.get("lower_bound_only") or not r.get("backtested") else "backtested"


def _backtested_kind(rows: Sequence[Row]) -> str:
    """The translations the backtests of ``predict --via`` calibrate, as its steps call them: test-to-test on the
    eval every dataset shares where the datasets have no own eval (the footer said train-to-train beside a
    test-test step), and the step onto another eval where there is one (backtested since helper h66)."""
    onward = ", and the step onto the eval" if any(r.get("kind") == "train-test" for r in rows) else ""
    if any(r.get("kind") == "test-test" for r in rows):
        return "test-to-test translations, on the eval the datasets share" + onward
    return "train-to-train translations, own losses" + onward


def via_report(pred: ViaPrediction) -> Report:
    """predict --via: every step (measured source losses, translations, the combination, the train-test step)
    with its interval, then the end result and the measured value where the table has it."""
    rows = [{**r, "label": _step_label(r), "interval_kind": _interval_kind(r)} for r in pred.to_dicts()]
    level = pct_level([r for r in rows if r.get("level") is not None])
    res = pred.result
    where = (
        f"N={sci(pred.N)}, D={sci(pred.D)}" if pred.N is not None and pred.D is not None else "no run given"
    )
    notes = [
        f"translation alone (uncorrected): {res.raw:.4f}; {where}, C = {sci(pred.C)}"
        f"{' (inferred)' if pred.C_inferred else ''}, {pred.C_ratio:.3g}× the target's largest fitted budget.",
        f"interval: backtested (from backtests of {_backtested_kind(rows)}), or a lower bound (not backtested, or "
        "beyond what the backtests reached).",
    ]
    if pred.combine not in ("single", ""):
        how = "a lower bound here" if res.lower_bound_only else "backtested as one prediction"
        notes.append(f"{len(pred.sources)} sources combined by their {pred.combine} ({how}).")
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
        Column("step", table=False),
        *(Column(k, table=False) for k in ("loss", "loss_lo", "loss_hi")),
        Column("backtested", table=False),
        Column("interval_kind", "interval", justify="left", data=False, drop=1),
        Column("kappa", "κ", fmt=fmt_fixed(3), drop=3),
        Column("kappa_lo", table=False),
        Column("kappa_hi", table=False),
        Column("K", fmt=fmt_fixed(3), drop=3),
        Column("K_lo", table=False),
        Column("K_hi", table=False),
        Column("E0", fmt=fmt_fixed(3), drop=4),
        Column("E1", fmt=fmt_fixed(3), drop=4),
        Column("extrapolated", drop=3),
        *(Column(k, table=False) for k in ("kind", "source", "dataset", "eval", "loss_law", "level")),
        *(Column(k, table=False) for k in ("interval_method", "lower_bound_only", "N", "D", "C", "C_ratio")),
        *(Column(k, table=False) for k in ("actual", "notes")),
        Column("label", "step", justify="left", data=False),
        interval_column("loss", f"loss [{level}]", rows),
    ]
    return Report(
        "predict-via",
        cols,
        rows,
        title="Prediction through loss-to-loss translation",
        notes=notes,
        meta={"result": res.to_dict(), "sources": list(pred.sources), "combine": pred.combine},
        summary=_via_summary(pred, level),
        table_order=("label", "loss__interval"),
    )


# ---------------------------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------------------------

_METHODS = (
    ("independent", "independent", "mean_error_independent"),
    ("corrected", "bias-corrected independent", "mean_error_independent_corrected"),
    ("loss-to-loss", "loss-to-loss", "mean_error_loss_to_loss"),
    ("combined", "combined", "mean_error_combined"),
)


def _evaluate_summary(rows: Sequence[Row]) -> str:
    """The best method per setting, with its error, and the uncorrected extrapolation beside it."""
    parts, alone = [], []
    for r in rows:
        errors = [
            (float(r[key]), i, label) for i, (_, label, key) in enumerate(_METHODS) if finite(r.get(key))
        ]
        if not errors:
            continue
        if not finite(r.get("mean_error_loss_to_loss")):
            # the independent extrapolation alone (loss-to-loss made none): not the lowest of a comparison
            alone.append(f"{r['setting']} {100 * float(r['mean_error_independent']):.2f} %")
            continue
        best, _, label = min(errors)  # on a tie the simpler method: the uncorrected law before its correction
        parts.append(f"{r['setting']}: {label} {100 * best:.2f} %")
    if alone:
        parts.append(f"independent alone (no loss-to-loss to compare): {', '.join(alone)}")
    if parts:
        return ("lowest mean error — " if len(parts) > len(alone) or not alone else "") + "; ".join(parts)
    # the means compare the methods on the same held-out runs: none had both (the notes say why)
    return (
        "no held-out run was predicted by both methods, so none is compared (--detail lists what each made)"
    )


def _coverage_rows(rows: Sequence[Row]) -> list[dict[str, Any]]:
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
                    "without": int(r.get(f"without_interval_{m}") or 0),
                    "of": int(r["n_predictions"]),
                    "coverage": r[f"coverage_{m}"],
                    "half_width": r[f"half_width_{m}"],
                    "error": r.get(err_key),
                    "backtested": backtested_words(
                        r.get(f"lower_bound_share_{m}"), bool(r[f"lower_bound_{m}"])
                    ),
                }
            )
    return out


def _coverage_report(rows: Sequence[Row]) -> Report:
    """evaluate: how honest the intervals were, per setting and method (the same numbers as the main rows')."""
    level = pct_level(rows)
    out = _coverage_rows(rows)
    cols = [
        Column("setting", justify="left"),
        Column("method", justify="left"),
        Column("coverage", f"{level} coverage", fmt=fmt_pct(1), drop=0),
        Column("half_width", "median half-width", fmt=fmt_pct(2), drop=0),
        Column("error", "mean error", fmt=fmt_pct(2), drop=2),
        Column("backtested", justify="left", drop=1),
    ]
    backed = [r["coverage"] for r in out if r["backtested"] == "yes"]
    partly = [r["coverage"] for r in out if str(r["backtested"]).startswith("partly")]
    lower = [r["coverage"] for r in out if str(r["backtested"]).startswith("no")]
    words = []
    if backed:
        words.append(f"backtested intervals covered {spread(backed, fmt_pct(1))} of the held-out values")
    if partly:
        words.append(
            f"those backtested in part (some are lower bounds: poor laws, or beyond the backtests' reach) "
            f"{spread(partly, fmt_pct(1))}"
        )
    if lower:
        words.append(f"the lower bounds {spread(lower, fmt_pct(1))}")
    missing = [
        f"{r['setting']} {r['method']} {r['without']} of {r['of']}" for r in out if r["without"] and r["of"]
    ]
    if missing:
        words.append(
            f"predictions without an interval, not counted: {', '.join(missing)} (--detail says why)"
        )
    return Report(
        "evaluate-intervals",
        cols,
        out,
        title=f"How honest the {level} intervals were: coverage of the held-out values",
        notes=[
            "coverage: share of held-out values inside their interval; half-width relative to the estimate; "
            "independent's mean error is of its bias-corrected estimate (the interval's centre);",
            "backtested: every law's predictions (each eval's laws backtested together), train-train "
            "translations and the train-test step are calibrated by backtests inside the fitting runs (the "
            "chain onto the eval refitted below each cutoff and scored on the runs above, its interval held beside "
            "the one carried, as predict --via carries it, cut at its E1); a poor law's, or one beyond the "
            "backtests' reach, is a lower bound (expect under-coverage).",
        ],
        show_in=frozenset({"table"}),
        summary=(f"{level} intervals: " + "; ".join(words)) if words else None,
    )


def _evaluate_notes(ev: Evaluation) -> list[str]:
    if (
        not ev.summary and ev.holdout == "-"
    ):  # no Table 1 at all (``empty_evaluation``): its reason alone (p71)
        return list(ev.notes)
    down = list(ev.downstream_evals)
    shown = ", ".join(down[:4]) + (", …" if len(down) > 4 else "")
    return [
        f"held out: {ev.holdout} ({ev.n_heldout_runs} runs); mean relative error |pred − actual| / actual over "
        "ordered pairs of distinct datasets; bias-corrected: the centre of the calibrated interval (corrected "
        "where its backtests showed that helps)",
        f"test evals: {', '.join(ev.test_evals) or 'none'}",
        f"downstream evals: {len(down)}" + (f" ({shown})" if down else " (none matched: see --downstream)"),
        *_partial_notes(ev),
        *ev.notes,
    ]


def _partial_notes(ev: Evaluation) -> list[str]:
    """Where the bias-corrected mean is over fewer values than the others' (``SettingSummary.partial_corrected_mean``:
    its cell is left blank), its mean and count."""
    return [
        f"bias-corrected, {s.setting}: left blank, {s.n_predictions - (s.n_corrected or 0)} of its {s.n_predictions} "
        f"predictions have no interval, so no corrected value (--detail says why); over the other "
        f"{s.n_corrected} its mean error is {100 * s.partial_corrected_mean:.2f} %, not comparable with the "
        "other columns"
        for s in ev.summary
        if s.partial_corrected_mean is not None
    ]


def evaluation_report(ev: Evaluation, *, detail: bool = False) -> list[Report]:
    """evaluate: the mean held-out error of each method per setting (Table 1), how honest the intervals were, and
    with ``detail`` every held-out prediction."""
    rows = [s.to_dict() for s in ev.summary]
    has_iv = any(r.get("level") is not None for r in rows)
    cols = [
        Column("setting", justify="left"),
        Column("mean_error_independent", "independent", fmt=fmt_pct(2), drop=0),
        Column("mean_error_loss_to_loss", "loss-to-loss", fmt=fmt_pct(2), drop=0),
        Column("n_predictions", "predictions", drop=2),
        Column("n_skipped", "skipped", drop=3),
    ]
    if has_iv:
        cols[3:3] = [
            Column("mean_error_combined", "combined", fmt=fmt_pct(2), drop=1),
            Column("mean_error_independent_corrected", "bias-corrected", fmt=fmt_pct(2), drop=0),
        ]
        cols += [
            Column(f"{kind}_{m}", table=False)
            for kind in ("coverage", "half_width", "lower_bound")
            for m in ("independent", "loss_to_loss", "combined")
        ]
        cols.append(Column("level", table=False))
    reports = [
        Report(
            "evaluate",
            cols,
            rows,
            title="Held-out prediction error (the paper's Table 1): mean relative error",
            notes=_evaluate_notes(ev),
            show_in=frozenset({"table", "json"}) if detail else frozenset(OUTPUT_FORMATS),
            meta={
                "holdout": ev.holdout,
                "n_heldout_runs": ev.n_heldout_runs,
                "test_evals": list(ev.test_evals),
                "downstream_evals": list(ev.downstream_evals),
            },
            summary=_evaluate_summary(rows),
            table_order=("setting", "mean_error_independent", "mean_error_independent_corrected"),
        )
    ]
    if has_iv:
        reports.append(_coverage_report(rows))
    if detail:
        det = _detail_report(ev, pct_level(rows))
        # no predictions (a table of fixed-D sweeps: "no Table 1") drew an empty table under its title (h81);
        # JSON and CSV keep their empty list
        reports.append(det if det.rows else replace(det, show_in=frozenset(OUTPUT_FORMATS) - {"table"}))
    return reports


def _detail_report(ev: Evaluation, level: str) -> Report:
    from l2l.workflows.evaluate import NO_INDEPENDENT  # (loaded already: ``ev`` is one of its results)

    drows = [p.to_dict() for p in ev.predictions]
    has_iv = any(r.get("independent_lo") is not None for r in drows)
    dcols = [
        Column("setting", justify="left", drop=7),
        Column("src", justify="left"),
        Column("tgt", justify="left"),
        Column("eval", justify="left"),
        Column("N", table=False),
        Column("D", table=False),
        Column("source_loss", "src loss", fmt=fmt_fixed(4), drop=8),
        Column("actual", fmt=fmt_fixed(4), drop=0),
        # the laws' values, uncorrected: `rank`'s and `predict`'s columns of the same name hold the corrected ones
        # (the ``*_corrected`` interval columns below; probe h44 read two numbers for one question)
        Column("independent", "ind. law", fmt=fmt_fixed(4), drop=6),
        Column("loss_to_loss", "l2l law", fmt=fmt_fixed(4), drop=6),
        Column("error_independent", "ind. err", fmt=fmt_pct(2), drop=0),
        Column("error_loss_to_loss", "l2l err", fmt=fmt_pct(2), drop=0),
        Column("notes", table=False),
    ]
    if has_iv:
        dcols[10:10] = [
            Column("combined", fmt=fmt_fixed(4), drop=6),
            *(
                Column(k, table=False)
                for k in (
                    "independent_corrected",
                    "independent_lo",
                    "independent_hi",
                    "loss_to_loss_corrected",
                    "combined_corrected",
                )
            ),
            *(
                Column(k, table=False)
                for k in ("loss_to_loss_lo", "loss_to_loss_hi", "combined_lo", "combined_hi")
            ),
        ]
        dcols += [Column("error_combined", "comb. err", fmt=fmt_pct(2), drop=5)]
        dcols += [
            Column(f"{m}_{k}", table=False)
            for m in ("independent", "loss_to_loss", "combined")
            for k in ("covers", "lower_bound")
        ]
        dcols += [
            interval_column(
                "independent_corrected",
                f"ind. corrected [{level}]",
                drows,
                lo="independent_lo",
                hi="independent_hi",
                drop=2,
            ),
            interval_column(
                "loss_to_loss_corrected",
                f"l2l corrected [{level}]",
                drows,
                lo="loss_to_loss_lo",
                hi="loss_to_loss_hi",
                drop=3,
            ),
            interval_column(
                "combined_corrected",
                f"comb. corrected [{level}]",
                drows,
                lo="combined_lo",
                hi="combined_hi",
                drop=4,
            ),
        ]
    scored = [r for r in drows if finite(r.get("error_loss_to_loss")) and finite(r.get("error_independent"))]
    wins = sum(1 for r in scored if r["error_loss_to_loss"] < r["error_independent"])
    # why a prediction has no independent interval, once per law (the notes column carries it per row): the
    # summary's "--detail says why" had nothing to point to in the table (probe h44)
    why = dict.fromkeys(n for r in drows for n in r.get("notes") or () if n.startswith(NO_INDEPENDENT))
    return Report(
        "evaluate-detail",
        dcols,
        drows,
        title="Every held-out prediction",
        json_key="predictions",  # JSON: one document, the predictions a list in it
        table_order=(
            "eval",
            "src",
            "tgt",
            "actual",
            "error_independent",
            "error_loss_to_loss",
            "error_combined",
        ),
        summary=f"loss-to-loss beat the uncorrected extrapolation on {wins} of {len(scored)} predictions"
        if scored
        else None,
        notes=list(why),
    )
