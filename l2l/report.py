"""Rendering results: rich tables for people, JSON and CSV for scripts.

Every command builds a ``Report`` (rows of plain values plus column specs) and hands it to ``render``. Formatting
lives here, never in ``cli.py`` and never in the numeric core. JSON carries ``schema_version``; no NaN or inf is
ever written (they become ``null`` and a note says why).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any, Literal, cast

if TYPE_CHECKING:
    from l2l.io import Runs, Workspace

OutputFormat = Literal["table", "json", "csv"]
OUTPUT_FORMATS: tuple[str, ...] = ("table", "json", "csv")
SCHEMA_VERSION = 1


def fmt_sig(x: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, switching to exponent form for very large or small values."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "–"
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.{digits - 1}e}"
        return f"{x:#.{digits}g}".rstrip(".")
    return str(x)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def fmt_fixed(decimals: int) -> Callable[[Any], str]:
    def f(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        return f"{x:.{decimals}f}"

    return f


def fmt_pct(decimals: int = 2) -> Callable[[Any], str]:
    def f(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        return f"{100 * x:.{decimals}f}%"

    return f


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    fmt: Callable[[Any], str] = fmt_sig
    justify: Literal["left", "right", "center"] = "right"
    # columns shown in JSON/CSV only (full precision, diagnostics) are marked table=False
    table: bool = True

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key


@dataclass(frozen=True)
class Report:
    """A table of results. ``kind`` names it in JSON (e.g. ``"fit-law"``); ``meta`` adds top-level JSON keys."""

    kind: str
    columns: Sequence[Column]
    rows: Sequence[dict[str, Any]]
    title: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)
    meta: dict[str, Any] = field(default_factory=dict)
    # Output formats this report appears in. A second table that only restates the main rows' extra columns for
    # people is {"table"}: scripts get those columns in the main rows, and CSV is always a single table.
    show_in: frozenset[str] = frozenset(OUTPUT_FORMATS)


def clean(value: Any) -> Any:
    """Plain JSON-safe Python values: numpy scalars to floats/ints, NaN/inf to None, containers recursively."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 0) == 0:
        value = value.item()  # numpy scalar
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if hasattr(value, "tolist"):
        return clean(value.tolist())
    return str(value)


def to_json(reports: Sequence[Report]) -> str:
    docs = []
    for rep in reports:
        doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "kind": rep.kind}
        doc.update(clean(rep.meta))
        doc["rows"] = [clean(dict(r)) for r in rep.rows]
        if rep.notes:
            doc["notes"] = list(rep.notes)
        docs.append(doc)
    out: Any = docs[0] if len(docs) == 1 else {"schema_version": SCHEMA_VERSION, "reports": docs}
    return json.dumps(out, indent=2, allow_nan=False)


def to_csv(rep: Report) -> str:
    buf = io.StringIO()
    keys = [c.key for c in rep.columns]
    extra = sorted({k for r in rep.rows for k in r} - set(keys))
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(keys + extra)
    for r in rep.rows:
        row = []
        for k in keys + extra:
            v = clean(r.get(k))
            row.append("" if v is None else json.dumps(v) if isinstance(v, (list, dict)) else v)
        writer.writerow(row)
    return buf.getvalue()


def to_rich(rep: Report) -> Any:
    from rich.table import Table

    table = Table(title=rep.title, title_justify="left", header_style="bold")
    cols = [c for c in rep.columns if c.table]
    for c in cols:
        table.add_column(c.title, justify=c.justify, no_wrap=c.justify == "right")
    for r in rep.rows:
        table.add_row(*[c.fmt(r.get(c.key)) for c in cols])
    return table


def render(reports: Report | Sequence[Report], fmt: str, *, write: Callable[[str], None]) -> None:
    """Write one or more reports in the chosen format through ``write`` (CSV: one table after another)."""
    reps = [r for r in ([reports] if isinstance(reports, Report) else reports) if fmt in r.show_in]
    if fmt == "json":
        write(to_json(reps) + "\n")
    elif fmt == "csv":
        write("\n".join(to_csv(r) for r in reps))
    else:
        from rich.console import Console

        console = Console(file=cast(IO[str], _Writer(write)), soft_wrap=False, width=_width())
        for i, rep in enumerate(reps):
            if i:
                console.print()
            console.print(to_rich(rep))
            for note in rep.notes:
                console.print(f"[dim]{note}[/dim]", highlight=False)


def _width() -> int:
    """The terminal's width on a terminal; otherwise wide enough that piped tables are never truncated."""
    import os
    import shutil
    import sys

    if sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    return int(os.environ.get("COLUMNS", "0") or 0) or 250


class _Writer(io.TextIOBase):
    """A file-like wrapper so rich can print through the CLI's own writer (and so typer's test runner sees it)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, s: str) -> int:
        self._write(s)
        return len(s)


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


def fits_report(outcome: Any, *, form: str, objective: str, delta: float, equation: str) -> list[Report]:
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
        if iv:
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


def predictions_report(preds: Sequence[Any]) -> Report:
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


def allocations_report(allocs: Sequence[Any]) -> Report:
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


class progress_bar:
    """A rich progress bar on stderr, as a context manager yielding a ``callback(done, total)``.

    Shown only when stderr is a terminal, so logs and CI output stay clean; otherwise the callback does nothing.
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Callable[[int, int], None]:
        import sys

        if not sys.stderr.isatty():
            return lambda done, total: None
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        )
        self._progress.start()
        self._task = self._progress.add_task(self.description, total=None)

        def update(done: int, total: int) -> None:
            self._progress.update(self._task, completed=done, total=total)

        return update

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()


def translations_report(results: Sequence[Any], *, kind: str) -> list[Report]:
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
            for w in law.warnings if law is not None else ():
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


def chain_report(pred: Any) -> Report:
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


def evaluation_report(ev: Any, *, detail: bool = False) -> list[Report]:
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
    import polars as pl

    """One row per (dataset, eval): run count, N / D / C ranges, splits, and which eval is the dataset's."""
    g = (
        runs.frame.group_by(["dataset", "eval"], maintain_order=True)
        .agg(
            pl.col("run_id").n_unique().alias("runs"),
            (pl.col("n_repeats") > 1).sum().alias("averaged"),
            pl.col("N").min().alias("N_min"),
            pl.col("N").max().alias("N_max"),
            pl.col("D").min().alias("D_min"),
            pl.col("D").max().alias("D_max"),
            pl.col("C").min().alias("C_min"),
            pl.col("C").max().alias("C_max"),
            pl.col("loss").min().alias("loss_min"),
            pl.col("loss").max().alias("loss_max"),
            pl.col("split").drop_nulls().unique().sort().alias("splits"),
        )
        .sort(["dataset", "eval"])
    )
    rows = []
    for r in g.iter_rows(named=True):
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


def ingest_report(stored: Runs, *, added: Runs, workspace: Workspace) -> Report:
    import polars as pl

    from l2l.io import REPEAT_KEY

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
        a = added.frame.select([*REPEAT_KEY, pl.col("n_repeats").alias("_n")])
        j = stored.frame.join(a, on=REPEAT_KEY, how="inner", nulls_equal=True)
        merged_with_stored = int((j.get_column("n_repeats") > j.get_column("_n")).sum())
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
