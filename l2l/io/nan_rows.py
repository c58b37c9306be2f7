"""NaN losses in a table (a crashed or diverged run's, an eval not logged at every step): skipped as blank cells
are, counted, and said in one warning naming the runs, their columns and steps, and the ``--where`` that leaves
such a run out; in a per-step log, the evals whose NaN runs to the run's end are left out."""

from __future__ import annotations

from typing import Any

import polars as pl

from l2l.base.text import plural, some_of
from l2l.io.accuracy_rows import NAN_BETWEEN, run_label
from l2l.io.table_types import _Plan

__all__: list[str] = []


def _skip_long_nan(frame: pl.DataFrame, plan: _Plan, info: dict[str, Any], *, finals: bool) -> pl.DataFrame:
    """A long table's rows (read through its accuracy column) without their NaN values, skipped and counted read
    and rejected as a wide export's NaN cells are: the losses' runs named in ``nan_note``, the accuracies' in
    ``accuracy_nan_runs`` (a NaN loss refused the file, a NaN accuracy was dropped without a word; probe p58)."""
    nan = frame.get_column("loss").is_nan().fill_null(False)
    if not nan.any():
        return frame
    acc = frame.get_column("_metric") == "accuracy"
    keep = _skip_nan(frame, nan & ~acc, plan, info, finals=finals) | acc
    if (acc & nan).any():
        info["accuracy_nan"] = int((acc & nan).sum())
        info["rows_nan"] = int(info.get("rows_nan", 0)) + info["accuracy_nan"]
        runs = frame.filter(acc & nan).select(run_label(frame.columns)).to_series()
        info["accuracy_nan_runs"] = runs.unique(maintain_order=True).to_list()
    info["rows_rejected"] = int(info.get("rows_rejected", 0)) + int(nan.sum())
    return frame.filter(keep & ~(acc & nan))


def _skip_nan(
    rows: pl.DataFrame, nan: pl.Series, plan: _Plan, info: dict[str, Any], *, finals: bool
) -> pl.Series:
    """Which of ``rows`` to keep, their NaN losses (``nan``: a crashed or diverged run's) skipped as blank cells
    are, and with ``finals`` the evals of a per-step log whose NaN runs to the run's end (``_diverged_to_end``);
    the warning naming the runs in ``info`` (a wide export's losses and a long table's alike)."""
    if not nan.any():
        return pl.Series([True] * rows.height, dtype=pl.Boolean)
    diverged = _diverged_to_end(rows, nan, plan) if finals else None
    info["nan_note"] = _nan_note(rows, nan, plan, dropped=diverged is not None and bool(diverged.any()))
    info["rows_nan"] = int(info.get("rows_nan", 0)) + int(nan.sum())
    return ~nan if diverged is None else ~nan & ~diverged


def _diverged_to_end(long: pl.DataFrame, nan: pl.Series, plan: _Plan) -> pl.Series | None:
    """Mask of the rows of each (run, eval) of a per-step log whose NaN runs to the run's last step (None where the
    log has no step or no run id to tell runs by)."""
    step = plan.step if plan.step is not None and plan.step in long.columns else None
    if step is None or "run_id" not in long.columns:
        return None
    last = pl.col(step).max().over("run_id")
    at_end = (pl.col("_nan") & (pl.col(step) == last)).any().over("run_id", "eval")
    return long.with_columns(nan.alias("_nan")).select(at_end).to_series()


def _nan_note(long: pl.DataFrame, nan: pl.Series, plan: _Plan, *, dropped: bool = False) -> str:
    """The warning of a wide table's NaN loss cells (``long``: its rows unpivoted; ``nan``: those of a NaN),
    skipped as blank cells are: which runs (their run id, else dataset and size), in which columns, and in a
    per-step log from which step, and whether to its end; with the ``--where`` that leaves such a run out (W&B
    writes NaN for a crashed or diverged run: the whole file was refused, while its blank cells were skipped)."""
    column_of = {ev: c for c, ev in plan.losses.items()}
    label = run_label(long.columns)
    step = plan.step if plan.step is not None and plan.step in long.columns else None
    rows = long.with_columns(label.alias("_run"), nan.alias("_nan"))
    last = pl.col(step).max() if step is not None else pl.lit(None)
    per_run = (
        rows.filter(pl.col("_run").is_in(rows.filter("_nan").get_column("_run").unique().implode()))
        .group_by("_run", maintain_order=True)
        .agg(
            pl.col("eval").filter("_nan").unique(maintain_order=True),
            (pl.col(step).filter("_nan").min() if step is not None else pl.lit(None)).alias("_from"),
            (pl.col(step).filter("_nan").max() == last if step is not None else pl.lit(False)).alias("_end"),
            (pl.col(step).filter("_nan").max() if step is not None else pl.lit(None)).alias("_to"),
        )
        .sort("_from", "_run", nulls_last=True)
    )
    shown = []
    for run, evals, start, end, stop in per_run.head(3).iter_rows():
        columns = ", ".join(column_of.get(e, e) for e in evals[:3]) + (" …" if len(evals) > 3 else "")
        # "from step K" where the NaN runs to the run's end; a NaN cell between finite ones is "at step K" (one NaN
        # at step 152 of a run logged to step 381 read "from step 152": h18)
        at = (
            ""
            if start is None
            else f" from step {start:.12g}"
            if end
            else f" at step {start:.12g}"
            if stop == start
            else f" at steps {start:.12g} to {stop:.12g}"
        )
        shown.append(f"{run}{at} ({columns})")
    more = f" and {per_run.height - 3} more" if per_run.height > 3 else ""
    one = per_run.height == 1
    whose = "its" if one else "such runs'"
    kept = (
        f"; {whose} evals whose NaN runs to the run's end are left out: the last finite "
        "checkpoint, before the learning rate has decayed, is no finished run (--checkpoints all keeps the finite "
        "ones)"
        if dropped
        else f"; {whose} evals keep their last finite checkpoint, before the run's end: a "
        "checkpoint before the learning rate has decayed is no finished run"
        if bool(per_run.get_column("_end").any())
        else ""
    )
    source = plan.columns.columns.get("run_id")
    runs = per_run.get_column("_run").to_list()
    if step is not None and not bool(per_run.get_column("_end").any()):
        # every NaN lies between finite values of its run's log: an eval logged every few steps (a W&B export's
        # NaN at the steps it did not run, probe h40's ladder), no crash: "--where 'Name!=RUN' leaves a run out"
        # offered to leave out every run of the log
        return (
            f"warning: {plural(int(nan.sum()), 'NaN loss cell')} skipped, as empty cells are ({NAN_BETWEEN}): "
            f"{'run' if one else 'runs'} {'; '.join(shown)}{more}"
        )
    flags = [f"--where '{source}!={r}'" for r in runs]
    # each run named (it named the first alone: "--where 'Name!=mixA-05'" for mixA-05 and mixC-12; probe p58)
    leave = (
        ""
        if source is None
        else f"; --where '{source}!={runs[0]}' leaves the run out"
        if one
        else f"; {' '.join(flags)} leaves these runs out"
        if len(runs) <= 4
        else f"; --where '{source}!=RUN' leaves a run out (RUN: {some_of(runs)})"
    )
    return (
        f"warning: {plural(int(nan.sum()), 'NaN loss cell')} skipped, as empty cells are (a crashed or diverged "
        f"run?): {'run' if one else 'runs'} {'; '.join(shown)}{more}{kept}{leave}"
    )
