"""Per-command report builders: each takes already-computed results and arranges them as ``Report`` rows.

No data work happens here (no polars aggregation, no fitting): the numbers come from the library, the layout from
``render``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from l2l.render import Column, Report, fmt_fixed, fmt_pct, fmt_sig, plural
from l2l.schema import OUTPUT_FORMATS

if TYPE_CHECKING:
    from l2l.evaluate import Evaluation
    from l2l.fit import FitOutcome
    from l2l.predict import Allocation, LawPrediction
    from l2l.runs import Runs
    from l2l.schema import Kind
    from l2l.translate import ChainPrediction, TranslationResult
    from l2l.workspace import Workspace


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


def fits_report(
    outcome: FitOutcome, *, form: str, objective: str, delta: float, equation: str
) -> list[Report]:
    """fit-law: one row per (dataset, eval) like the paper's Tables 2 and 3, plus intervals when bootstrapped."""
    rows: list[dict[str, Any]] = []
    notes: list[str] = []
    boot_rows: list[dict[str, Any]] = []
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
        Column("form", table=False),
        Column("A"),
        Column("B"),
        Column("E", fmt=fmt_fixed(3)),
        Column("alpha", "α", fmt=fmt_fixed(3)),
        Column("beta", "β", fmt=fmt_fixed(3)),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3)),
        Column("n_points", "runs"),
        Column("objective", table=False),
        Column("delta", table=False),
        Column("objective_value", "objective", fmt=lambda x: fmt_sig(x, 4)),
        Column("r2", "R² (log)", fmt=fmt_fixed(4)),
        Column("rmse", "RMSE (log)", fmt=fmt_fixed(4)),
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


def predictions_report(preds: Sequence[LawPrediction]) -> Report:
    rows = [p.to_dict() for p in preds]
    notes = sorted({w for r in rows for w in r["warnings"]})
    has_iv = any(r.get("loss_lo") is not None for r in rows)
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("N"),
        Column("D"),
        Column("C"),
        Column("loss", "predicted loss", fmt=fmt_fixed(4)),
    ]
    cols += [
        Column("loss_lo", "95% lo", fmt=fmt_fixed(4), table=has_iv),
        Column("loss_hi", "95% hi", fmt=fmt_fixed(4), table=has_iv),
        Column("warnings", table=False),
    ]
    return Report("predict", cols, rows, title="Predicted loss", notes=notes)


def allocations_report(allocs: Sequence[Allocation]) -> Report:
    rows = [a.to_dict() for a in allocs]
    notes = sorted({w for r in rows for w in r["warnings"]})
    has_iv = any(r.get("N_opt_lo") is not None for r in rows)
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("form", table=False),
        Column("C"),
        Column("N_opt", "N*"),
        Column("N_opt_lo", "N* lo", table=has_iv),
        Column("N_opt_hi", "N* hi", table=has_iv),
        Column("D_opt", "D*"),
        Column("tokens_per_param", "D*/N*", fmt=fmt_fixed(1)),
        Column("loss", "loss at N*", fmt=fmt_fixed(4)),
        Column("loss_lo", "95% lo", fmt=fmt_fixed(4), table=has_iv),
        Column("loss_hi", "95% hi", fmt=fmt_fixed(4), table=has_iv),
        Column("a", "a=β/(α+β)", fmt=fmt_fixed(3)),
        Column("warnings", table=False),
    ]
    k = rows[0]["flops_per_param_token"] if rows else 6.0
    relation = "C = 6ND" if k == 6.0 else f"C = {k:.4g}·N·D, as the table's C column gives"
    cols.append(Column("flops_per_param_token", table=False))
    return Report("optimal", cols, rows, title=f"Compute-optimal allocation ({relation})", notes=notes)


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
    cols = [
        Column("src", justify="left"),
        Column("target", justify="left"),
        Column("tgt", table=False),
        Column("x_eval", table=False),
        Column("eval", table=False),
        Column("kind", table=False),
        Column("kappa", "κ", fmt=fmt_fixed(3)),
        Column("K", fmt=fmt_fixed(3)),
        Column("E0", fmt=fmt_fixed(3)),
        Column("E1", "E1", fmt=fmt_fixed(3)),
        Column("n_pairs", "pairs"),
        Column("n_excluded", "excluded"),
        Column("r2", "R²", fmt=fmt_fixed(4)),
        Column("resid_sd", "resid sd", fmt=fmt_pct(2)),
        Column("free_e1", table=False),
        Column("x_min", table=False),
        Column("x_max", table=False),
        Column("error", table=False),
        Column("warnings", table=False),
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
            meta={"kind": kind},
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


def evaluation_report(ev: Evaluation, *, detail: bool = False) -> list[Report]:
    rows = [s.to_dict() for s in ev.summary]
    cols = [
        Column("setting", justify="left"),
        Column("mean_error_independent", "independent error", fmt=fmt_pct(2)),
        Column("mean_error_loss_to_loss", "loss-to-loss error", fmt=fmt_pct(2)),
        Column("n_predictions", "predictions"),
        Column("n_skipped", "skipped"),
    ]
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
        reports.append(Report("evaluate-detail", dcols, drows, title="Every held-out prediction"))
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
        Column("own", fmt=_mark, justify="left"),
        Column("runs"),
        Column("averaged", header="avg'd", table=any(r["averaged"] for r in rows)),
        Column("N_range", header="N", justify="left"),
        Column("D_range", header="D", justify="left"),
        Column("C_range", header="C", justify="left"),
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
        if p["ignored_columns"]:
            notes.append(f"{p['path']}: columns not used: {', '.join(p['ignored_columns'])}")
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
