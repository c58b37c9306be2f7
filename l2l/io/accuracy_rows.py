"""Downstream accuracy rows of a run table, kept apart from the losses (``Runs.accuracy``): values checked
(fractions in [0, 1], chance levels in [0, 1)), a wide export's accuracy columns split off, every file's rows as one
table (repeats averaged), and what each file gave.

A long table marks its accuracy rows with a ``metric`` column; they go through the same reader as its losses (the
same columns, checks and checkpoint selection: ``l2l.io.tables``) and are split off here at the end.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import polars as pl

from l2l.base import schema
from l2l.base.runs import AVERAGE_KEY
from l2l.base.text import some_of, utc_now
from l2l.io.columns import says_spread
from l2l.io.readers import _Raw
from l2l.io.selection import Where, where_expr
from l2l.io.values import (
    _DTYPES,
    _bad_compute,
    _complete,
    _compute_error,
    _first,
    _glob_regex,
    _map_columns,
    _numeric,
    _require,
    _synth_run_ids,
    _text,
    glob_name,
    unmatched_alternatives,
)

__all__: list[str] = []


class NeedsLinesError(Exception):
    """A check failed on rows read by the scanning route, which does not know their lines: read again carefully."""


def column_named(columns: Sequence[str], name: str) -> str | None:
    """The column whose normalised name is ``name``, if any."""
    return next((c for c in columns if schema.norm_name(c) == name), None)


def kind_column(raw: _Raw, columns: Sequence[str]) -> str | None:
    """The column among ``columns`` that says what each row's value is (``kind``: loss, acc), when there is
    exactly one: every value names a metric and one at least is not a loss (``schema.names_metric_kinds``). A
    sample of rows finds the candidates; their whole columns decide."""
    # only text can name a metric; a list or a duration column (a W&B export's tags, a runtime) cannot even be cast
    # to text, which crashed the read of a table that did not use it (p63)
    types = raw.lazy().collect_schema()
    columns = [c for c in columns if types[c] == pl.String or isinstance(types[c], (pl.Categorical, pl.Enum))]
    if not columns:
        return None
    head = raw.lazy().select([pl.col(c).cast(pl.String) for c in columns]).head(2000).collect()
    maybe = [c for c in columns if schema.names_metric_kinds(head.get_column(c).unique().to_list())]
    if not maybe:
        return None
    whole = raw.lazy().select([pl.col(c).cast(pl.String).unique().implode() for c in maybe]).collect()
    hits = [c for c in maybe if schema.names_metric_kinds(whole.get_column(c)[0].to_list())]
    return hits[0] if len(hits) == 1 else None


def subset(raw: _Raw, mask: pl.Series) -> _Raw:
    """The rows of ``raw`` where ``mask`` holds (lines and bad-value notes kept in step)."""
    idx = mask.arg_true().to_list()
    lines = None if raw.lines is None else [raw.lines[i] for i in idx]
    where = {old: new for new, old in enumerate(idx)}
    kept = {c: ([where[r] for r in rows if r in where], why) for c, (rows, why) in raw.bad.items()}
    bad = {c: v for c, v in kept.items() if v[0]}
    return _Raw(
        raw.path,
        raw.format,
        raw.sha256,
        raw.frame.filter(mask),
        lines,
        raw.header_line,
        bad=bad,
        notes=raw.notes,
    )


def _accuracy_hint(v: float, values: pl.Series) -> str:
    if v > 1 and 12 < float(values.max()) <= 100:  # type: ignore[arg-type]  # losses rarely pass 12
        return "these look like percentages: --accuracy-percent reads them so (or divide them by 100)"
    if v > 1:
        return "this looks like a loss given as accuracy: give losses with metric=loss (or as loss columns)"
    return "an accuracy is a fraction correct, between 0 and 1"


def _fail(raw: _Raw, frame: pl.DataFrame, i: int, message: str, column: str, hint: str | None = None) -> None:
    row = frame.get_column("_row")[i]
    if row is None:
        raise NeedsLinesError
    raise raw.error(message, row=int(row), column=column, hint=hint)


def check_metric_values(
    raw: _Raw, frame: pl.DataFrame, value_col: str, chance_col: str | None, *, percent: bool = False
) -> None:
    """The values of a long table with a ``metric`` column (``_metric``: loss, bpb or accuracy): a loss is
    required, > 0 and in range; an accuracy in [0, 1]; a chance level in [0, 1) (both in [0, 100] with
    ``percent``: ``ingest --accuracy-percent``). Raises InputError at the first bad row (NeedsLinesError when its
    line is not known)."""
    from l2l.io.values import _HI, _LO, _RANGE, blank_fix, row_fix

    v = frame.get_column("loss")
    acc = frame.get_column("_metric") == "accuracy"
    if (i := _first(~acc & v.is_null())) is not None:
        _fail(raw, frame, i, "missing value (loss is required)", value_col, blank_fix(value_col))
    if (i := _first(~acc & v.is_not_null() & ((v <= 0) | (v < _LO) | (v > _HI)))) is not None:
        word = "loss must be > 0" if float(v[i]) <= 0 else f"loss must be between {_RANGE}"
        _fail(raw, frame, i, f"{word}, got {float(v[i])!r}", value_col, row_fix(value_col))
    if (i := _first(acc & (v.is_null() | v.is_nan()))) is not None:
        # refused like a missing loss: left in, it broke fit-accuracy later with no row to name
        _fail(
            raw,
            frame,
            i,
            "missing value (an accuracy row needs its accuracy)",
            value_col,
            blank_fix(value_col),
        )
    top = 100.0 if percent else 1.0
    bad = acc & v.is_not_null() & ((v < 0) | (v > top))
    if (i := _first(bad)) is not None:
        value = float(v[i])
        hint = None if percent else _accuracy_hint(value, v.filter(acc).drop_nulls())
        _fail(raw, frame, i, f"{_ACCURACY_RANGE[percent]}, got {value:.6g}", value_col, hint)
    if chance_col is not None and "chance" in frame.columns:
        c = frame.get_column("chance")
        if (i := _first(acc & c.is_not_null() & ((c < 0) | (c >= top)))) is not None:
            _fail(raw, frame, i, f"{_CHANCE_RANGE[percent]}, got {float(c[i]):.6g}", chance_col)


#: What an accuracy and a chance level must be, as fractions and in percent (``ingest --accuracy-percent``).
_ACCURACY_RANGE = {False: "an accuracy must be in [0, 1]", True: "an accuracy in percent must be in [0, 100]"}
_CHANCE_RANGE = {
    False: "a chance level must be in [0, 1)",
    True: "a chance level in percent must be in [0, 100)",
}


def from_percent(frame: pl.DataFrame, rows: pl.Expr | None = None) -> pl.DataFrame:
    """Accuracies and chance levels given in percent (``ingest --accuracy-percent``) as the fractions l2l keeps:
    the ``loss`` column of the ``rows`` (a long table's accuracy rows) or the ``accuracy`` column (``rows`` None),
    and ``chance`` where there is one and it is in percent too (``chance_divisor``), divided by 100."""
    value = "accuracy" if rows is None else "loss"
    scaled = pl.col(value) / 100.0
    out = frame.with_columns(scaled if rows is None else pl.when(rows).then(scaled).otherwise(pl.col(value)))
    if "chance" in frame.columns:
        levels = frame.get_column("chance") if rows is None else frame.filter(rows).get_column("chance")
        chance = pl.col("chance") / chance_divisor(levels, percent=True)
        out = out.with_columns(
            chance if rows is None else pl.when(rows).then(chance).otherwise(pl.col("chance"))
        )
    return out


def accuracy_part(rows: pl.DataFrame, path: str) -> pl.DataFrame:
    """A long table's accuracy rows (canonical columns, ``loss`` holding the accuracy) in the accuracy table's
    columns (plus ``_path`` and the carried columns)."""
    chance = rows.get_column("chance") if "chance" in rows.columns else None
    out = rows.rename({"loss": "accuracy"}).with_columns(pl.lit(path).alias("_path"))
    if chance is None:
        out = out.with_columns(pl.lit(None, dtype=pl.Float64).alias("chance"))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Wide exports: accuracy columns
# ---------------------------------------------------------------------------------------------------------------


def _accuracy_values(raw: _Raw, col: str, percent: bool = False) -> pl.Series:
    """A column of accuracies as Float64 as the file gives them, each in [0, 1] (in [0, 100] with ``percent``) or
    NaN (a crashed run's cell, for the caller to skip as a blank one): a value above 1 is a loss or a percentage,
    an error."""
    num = _numeric(raw, col, "accuracy", required=False, nan_ok=True)
    bad = num.is_not_null() & ~num.is_nan() & ((num < 0) | (num > (100.0 if percent else 1.0)))
    if (i := _first(bad)) is not None:
        v = float(num[i])
        hint = None if percent else _accuracy_hint(v, num.drop_nulls())
        raise raw.error(f"{_ACCURACY_RANGE[percent]}, got {v:.6g}", row=i, column=col, hint=hint)
    return num.alias("accuracy")


def _chance_values(raw: _Raw, col: str | None, percent: bool = False) -> pl.Series:
    """A chance column as Float64 fractions (given in percent with ``percent``), each in [0, 1)."""
    n = raw.frame.height
    if col is None:
        return pl.Series("chance", [None] * n, dtype=pl.Float64)
    num = _numeric(raw, col, "chance", required=False)
    if (i := _first(num.is_not_null() & ((num < 0) | (num >= (100.0 if percent else 1.0))))) is not None:
        raise raw.error(f"{_CHANCE_RANGE[percent]}, got {float(num[i]):.6g}", row=i, column=col)
    return (num / chance_divisor(num, percent)).alias("chance")


def chance_divisor(chance: pl.Series, percent: bool) -> float:
    """What a chance column is divided by to be a fraction: 100 with ``percent`` where any level passes 1, else 1.
    A table of accuracies in percent may give its chance levels as fractions (0.25): divided again they read
    0.0025, and a probe's held-out HellaSwag accuracies moved 13 points off (probe p64)."""
    top = chance.drop_nulls().max()
    return 100.0 if percent and isinstance(top, (int, float)) and top > 1 else 1.0


def _run_reach(base: Mapping[str, pl.Series], done: pl.Series | None) -> dict[str, pl.Series]:
    """``{"frac_done": the reach of each row's run over all its rows}`` ({} without ``done``): an accuracy last
    measured at 90 % of a finished run is kept there, as its losses' run is."""
    if done is None:
        return {}
    runs = [c for c in ("dataset", "run_id", "N", "seed", "split") if c in base]
    ids = pl.DataFrame([base[c].alias(c) for c in runs]).with_columns(done)
    return {"frac_done": ids.select(pl.col("frac_done").max().over(runs)).to_series()}


def _fraction_done(raw: _Raw, step: str, taken: Sequence[str]) -> pl.Series | None:
    """The fraction of its planned length each row of a wide per-step export is at (named ``frac_done``, as the
    checkpoint selection reads it): its fraction-done column, the step itself where it counts that, or the step
    over a total-steps column; None where nothing tells."""
    from l2l.io.checkpoints import FRACTION_ENDS, STEP_COUNTS, TOTAL_STEPS_NAMES

    def numbers(column: str) -> pl.Series:
        return raw.frame.get_column(column).cast(pl.Float64, strict=False)

    by_norm: dict[str, str] = {}
    for c in raw.frame.columns:
        if c not in taken:
            by_norm.setdefault(schema.norm_name(c), c)
    if (end := FRACTION_ENDS.get(schema.norm_name(step))) is not None:
        return (numbers(step) / end).alias("frac_done")
    for name, end in FRACTION_ENDS.items():
        if name in by_norm:
            return (numbers(by_norm[name]) / end).alias("frac_done")
    if schema.norm_name(step) in STEP_COUNTS:
        for name in TOTAL_STEPS_NAMES:
            if name in by_norm:
                total = numbers(by_norm[name])
                fraction = pl.select(pl.when(total > 0).then(numbers(step) / total)).to_series()
                return fraction.alias("frac_done")
    return None


def _accuracy_ids(
    raw: _Raw,
    wanted: Sequence[str],
    required: Sequence[str],
    given: Mapping[str, str] | None = None,
    *,
    zero_ok: bool = False,
) -> dict[str, pl.Series]:
    """The id columns of accuracy rows; with ``zero_ok`` a D or C of 0 (a per-step log's step 0) reads as null."""
    mapping = _map_columns(raw, wanted, given)
    _require(raw, mapping, required, wide=False)
    cols: dict[str, pl.Series] = {}
    for canon in ("dataset", "split", "run_id", "seed", "eval"):
        if canon in mapping:
            cols[canon] = _text(raw, mapping[canon], canon, required=canon in ("dataset", "eval"))
    for canon in ("N", "D", "C"):
        if canon in mapping:
            cols[canon] = _numeric(
                raw, mapping[canon], canon, required=canon != "C", zero_ok=zero_ok and canon in ("D", "C")
            )
    return cols


def _accuracy_long(raw: _Raw, frame: pl.DataFrame) -> pl.DataFrame:
    """Accuracy rows completed like loss rows (C = 6·N·D, run_id/split null) with the accuracy columns."""
    done = _complete(frame.rename({"accuracy": "loss"}).with_row_index("_row"))
    if (bad := _bad_compute(done)) is not None:
        raise _compute_error(raw, bad, {})
    return done.rename({"loss": "accuracy"}).with_columns(
        frame.get_column("chance"), pl.lit(raw.path).alias("_path")
    )


def _rows_where(raw: _Raw, where: Sequence[Where], mapping: Mapping[str, str]) -> _Raw:
    """The rows of ``raw`` that pass ``where`` (``mapping``: canonical name → its column), all without a filter
    that applies to this file."""
    keep = where_expr(where, raw.frame.columns, mapping)[0] if where else None
    return raw if keep is None else subset(raw, raw.frame.select(keep).to_series())


class WideAccuracy(NamedTuple):
    """A wide table split: its loss part (None: accuracies alone), its accuracy rows at the kept checkpoints,
    the accuracy part's provenance, and (a per-step export) its accuracies at every checkpoint."""

    loss_raw: _Raw | None
    accuracy: pl.DataFrame | None
    info: dict[str, Any] | None
    every: pl.DataFrame | None = None


def split_wide_accuracy(
    raw: _Raw,
    accuracy_columns: str | None,
    mapping: Mapping[str, str] | None = None,
    checkpoints: str = "final",
    percent: bool = False,
    where: Sequence[Where] = (),
) -> WideAccuracy:
    """Separate a wide table's accuracy columns (those matching ``accuracy_columns``) from its loss columns. The
    accuracy rows of a per-step export go through the checkpoint selection of its losses (``checkpoints``), as a
    long table's do: each run's final checkpoint by default; every checkpoint's are kept beside them (an
    accuracy logged less often than its loss pairs with the loss logged at its own checkpoint). Only the rows
    that pass ``where`` (``--where``, as the losses' rows) give accuracies: they kept every row before, so
    ``--where 'N<5e9'`` or ``--where dataset=pile`` left the accuracies of the runs it left out in the workspace
    (probe h40's Pythia export: 8 sizes of accuracies beside 6 of losses)."""
    if accuracy_columns is None:
        return WideAccuracy(raw, None, None)
    from l2l.io.checkpoints import find_step_column, select_frame

    chance_col = column_named(raw.frame.columns, "chance")
    ids = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL)
    mapped = _map_columns(raw, ids, mapping)
    id_cols = set(mapped.values())
    full, raw = raw, _rows_where(raw, where, mapped)  # its loss part keeps every row: the losses' reader
    # applies --where itself, and reports it
    rx = _glob_regex(accuracy_columns)
    others = [c for c in raw.frame.columns if c not in id_cols and c != chance_col]
    matched = [c for c in others if rx.match(c)]
    missing = unmatched_alternatives(accuracy_columns, others) if matched else []
    if not matched or missing:
        raise raw.header_error(
            f"the accuracy-column pattern {(missing or [accuracy_columns])[0]!r} matches no column",
            param="accuracy_columns",
        )
    # a harness's standard errors beside its accuracies ('*/acc*' takes hellaswag/acc_stderr): values in [0, 1]
    # that passed every check, fitted and predicted as accuracies; a long table's acc_stderr metric is refused
    spreads = {c: w for c in matched if (w := says_spread(c)) is not None}
    chosen = [c for c in matched if c not in spreads]
    if not chosen:
        raise raw.header_error(
            f"the accuracy-column pattern {accuracy_columns!r} matches only columns whose name says a standard "
            f"error ({_listed(list(spreads))}), not an accuracy",
            hint="name the accuracy columns themselves, e.g. '*/acc'",
            param="accuracy_columns",
        )
    given_step = (mapping or {}).get("step")
    step = given_step if given_step in raw.frame.columns else None
    step = step or find_step_column([c for c in raw.frame.columns if c not in id_cols and c not in chosen])
    # a per-step export starts at step 0, D = 0 (its losses' rows there are dropped, as here; it was refused)
    base = _accuracy_ids(raw, ids, schema.WIDE_REQUIRED, mapping, zero_ok=step is not None)
    if step is not None:
        base["step"] = raw.frame.get_column(step).cast(pl.Float64, strict=False).alias("_l2l_acc_step")
        # how far each row is into its run, so that the runs stopped early are left out as their losses are (a W&B
        # export's stopped runs kept their accuracies at half their length, at no loss run: h18)
        base.update(_run_reach(base, _fraction_done(raw, step, [*chosen, *id_cols])))
    names = {c: glob_name(rx, c) for c in chosen}
    parts = []
    nan: dict[str, int] = {}  # column → its NaN cells, skipped as blank ones are
    nan_runs: dict[str, list[str]] = {}  # ... and the runs they belong to, where the table names runs
    # how the NaN cells sit in their runs (``_nan_tail``): "end" (a crash) wins over "schedule", either over between
    nan_tail: str | None = None
    for c in chosen:
        vals = _accuracy_values(raw, c, percent) / (100.0 if percent else 1.0)
        k, nan_runs[c] = _nan_cells(vals, base)
        if k:
            nan[c] = k
            tail = "end" if step is None else _nan_tail(vals, base)
            nan_tail = tail if nan_tail != "end" and tail is not None else nan_tail
            vals = vals.fill_nan(None)
        f = pl.DataFrame([*base.values(), vals, _chance_values(raw, chance_col, percent)]).with_columns(
            pl.lit(names[c]).alias("eval")
        )
        parts.append(
            f.filter(pl.col("accuracy").is_not_null() & pl.col("N").is_not_null() & pl.col("D").is_not_null())
        )
    rows = pl.concat(parts, how="vertical")
    read = rows.height
    every = None
    if (
        step is not None
    ):  # every checkpoint, for an accuracy logged less often than its loss (as a long log's)
        every = _every_accuracy(raw, rows.drop("frac_done", strict=False))
    if step is not None:  # the checkpoints the losses keep (a wide per-step export), before C is made
        chosen_rows, _ = select_frame(
            rows.rename({"accuracy": "loss"}),
            checkpoints,
            step_column="_l2l_acc_step",
            d_source=mapped.get("D"),
            path=raw.path,
        )
        rows = chosen_rows.rename({"loss": "accuracy"}).drop("_l2l_acc_step", "frac_done", strict=False)
    acc = _accuracy_long(raw, rows)
    rest = full.frame.drop(matched)
    loss_raw = _Raw(
        full.path,
        full.format,
        full.sha256,
        rest,
        full.lines,
        full.header_line,
        bad=full.bad,
        notes=full.notes,
        logged=full.logged,  # (perplexities read as losses: said, and named as in the file)
    )
    skipped = sum(nan.values())  # (read and rejected, as a NaN loss cell is: "read 311 … rejected 2" for 312)
    info: dict[str, Any] = {
        "accuracy_columns": names,
        "rows_read": read + skipped,
        "rows_rejected": skipped,
        "rows_nan": skipped,
        "rows_checkpoints_accuracy": read - rows.height,  # the checkpoints not kept: read, left out
        # the cells of the rows --where left out, counted as its loss cells are (values, not rows: h53)
        "rows_where_accuracy": (full.frame.height - raw.frame.height) * len(chosen),
    }
    notes = []
    if spreads:
        words = ", ".join(f"'{w}'" for w in dict.fromkeys(spreads.values()))
        notes.append(
            f"--accuracy-columns {accuracy_columns!r}: left out {len(spreads)} column"
            f"{'s' if len(spreads) > 1 else ''} whose name says a standard error ({words}: "
            f"{_listed(list(spreads))}): a standard error is no accuracy"
        )
    if nan:
        notes.append(
            nan_accuracy_note(nan, nan_runs, between=nan_tail != "end", schedule=nan_tail == "schedule")
        )
    if notes:
        info["accuracy_notes"] = notes
    has_loss = any(c not in id_cols and c != chance_col for c in rest.columns)
    return WideAccuracy(loss_raw if has_loss else None, acc, info, every)


class LongAccuracy(NamedTuple):
    """A long table in the metric layout (``long_accuracy_column``), its accuracy column, and the value cells
    skipped there (``empty``: blank loss cells of evals with losses, counted read and rejected as a wide export's
    are; NaN cells stay NaN, for the reader to skip, count and name)."""

    raw: _Raw
    column: str
    empty: int


def long_accuracy_column(
    raw: _Raw, accuracy_columns: str, mapping: Mapping[str, str] | None = None, percent: bool = False
) -> LongAccuracy:
    """A long table's accuracy column beside its loss column (``dataset,N,D,eval,loss,acc``: one row per run and
    eval), named by ``accuracy_columns``: each row's value there is the accuracy of that row's eval. The table comes
    back in the metric layout the long reader knows, with the column it took: every row as it was, its metric blank
    (a loss), and one row more per row with both a loss and an accuracy (metric ``accuracy``, its accuracy in the
    loss column), at the end and on the same line of the file; a row with an accuracy and no loss is that accuracy
    alone. A table with a metric column marks its accuracy rows itself, and is refused.

    Blank and NaN value cells are skipped as a wide export's are (a NaN accuracy cell and a blank loss cell were
    dropped without a word while a NaN loss cell refused the file; probe p58): a blank loss cell of an eval with
    losses is counted (a row of neither value is left out); a NaN loss or accuracy is kept as NaN for the reader to
    skip, count and name (``l2l.io.tables``)."""
    metric = column_named(raw.columns, "metric")
    if metric is not None:
        raise raw.header_error(
            f"the table marks its accuracy rows with its metric column ({metric!r}): an accuracy column is read "
            "in a table without one",
            hint="leave out --accuracy-columns",
            param="accuracy_columns",
        )
    ids = _map_columns(raw, (*schema.REQUIRED, *schema.OPTIONAL), mapping)
    _require(raw, ids, ("eval", "loss"), wide=False)
    rx = _glob_regex(accuracy_columns)
    chance_col = column_named(raw.columns, "chance")
    matched = [c for c in raw.columns if c not in ids.values() and c != chance_col and rx.match(c)]
    if len(matched) != 1:
        found = f"matches {_listed(matched)}" if matched else "matches no column"
        raise raw.header_error(
            f"the accuracy-column pattern {accuracy_columns!r} {found}: a long table's accuracy column is one "
            "column, the accuracy of each row's eval",
            hint="name that one column"
            + (f" (--accuracy-columns '{matched[0]}')" if matched else "")
            + "; several accuracy metrics per eval go in a metric column, one row per metric",
            param="accuracy_columns",
        )
    (column,) = matched
    # each bad value named at its line (NaN: skipped by the reader); a percentage is kept so: the metric layout's
    # reader divides it with the chance levels (``from_percent``)
    acc = _accuracy_values(raw, column, percent)
    if chance_col is not None:
        _chance_values(raw, chance_col, percent)
    loss = ids["loss"]
    # the loss column's type (text, or a Parquet file's numbers as floats) takes the accuracies too
    kind = pl.String if raw.frame.schema[loss] == pl.String else pl.Float64
    frame = raw.frame.with_columns(pl.col(loss).cast(kind))
    blank = frame.get_column(loss).cast(pl.String).str.strip_chars().fill_null("") == ""
    given = acc.is_not_null()
    evals = frame.get_column(ids["eval"]).cast(pl.String)
    measured = evals.is_in(
        evals.filter(~blank).unique().implode()
    )  # an eval with losses (not accuracies alone)
    empty = int((blank & (measured | ~given)).sum())
    if bool((blank & ~given).any()):  # a row of neither value: left out (its blank loss counted)
        keep = ~blank | given
        raw, frame, acc = subset(raw, keep), frame.filter(keep), acc.filter(keep)
        blank, given = blank.filter(keep), given.filter(keep)
    both = (given & ~blank).arg_true().to_list()
    n = frame.height
    metric_name = "metric"
    head = frame.with_columns(
        pl.when(pl.Series(given & blank)).then(pl.lit("accuracy")).otherwise(None).alias(metric_name),
        pl.when(pl.Series(given & blank)).then(acc.cast(kind)).otherwise(pl.col(loss)).alias(loss),
    )
    tail = frame[both].with_columns(
        pl.lit("accuracy").alias(metric_name), acc.gather(both).cast(kind).alias(loss)
    )
    out = pl.concat([head, tail], how="vertical").drop(column)
    lines = None if raw.lines is None else [*raw.lines, *(raw.lines[i] for i in both)]
    extra = {i: n + k for k, i in enumerate(both)}
    bad = {
        c: ([*rows, *(extra[r] for r in rows if r in extra)], why)
        for c, (rows, why) in raw.bad.items()
        if c != column
    }
    out_raw = _Raw(
        raw.path,
        raw.format,
        raw.sha256,
        out,
        lines,
        raw.header_line,
        bad=bad,
        notes=raw.notes,
        logged=raw.logged,
    )
    return LongAccuracy(out_raw, column, empty)


def run_label(columns: Sequence[str]) -> pl.Expr:
    """The name a note gives a run: its run id, else its dataset and size (and D, without run ids)."""
    size = pl.col("dataset") + " N=" + pl.col("N").cast(pl.String)
    if "run_id" in columns:
        return pl.col("run_id").cast(pl.String).fill_null(size)
    return size + " D=" + pl.col("D").cast(pl.String)


def _nan_cells(vals: pl.Series, ids: Mapping[str, pl.Series]) -> tuple[int, list[str]]:
    """How many of an accuracy column's cells are NaN, and the runs they belong to (``run_label``)."""
    nan = vals.is_nan().fill_null(False)
    k = int(nan.sum())
    if not k:
        return k, []
    frame = pl.DataFrame(list(ids.values())).filter(nan)
    return k, frame.select(run_label(frame.columns)).to_series().unique(maintain_order=True).to_list()


#: Why a per-step export's NaN cells, each between finite values of its run, were skipped (loss and accuracy cells)
NAN_BETWEEN = "each between finite values of its run: an eval not logged at every step?"


#: Why a per-step export's NaN accuracy cells were skipped where some reach their run's last step, none further than
#: the run's gaps between finite values: an accuracy logged every few checkpoints, the last step not among them
NAN_SCHEDULE = (
    "as far apart as its run's logged values, its last steps included: an eval not logged at every step?"
)


def _nan_tail(vals: pl.Series, ids: Mapping[str, pl.Series]) -> str | None:
    """How a per-step export's NaN cells sit in their runs: ``"end"`` where some run has NaN from some step to its
    last further than its gaps between finite values (a crash), ``"schedule"`` where some reach the last step but
    no further than those gaps, None where every NaN lies between finite values."""
    frame = pl.DataFrame(list(ids.values())).with_columns(vals.is_nan().fill_null(False).alias("_nan"))
    runs = frame.sort("_l2l_acc_step").group_by(run_label(frame.columns)).agg(pl.col("_nan"))
    tail: str | None = None
    for flags in runs.get_column("_nan").to_list():
        trailing = len(flags) - max((i + 1 for i, f in enumerate(flags) if not f), default=0)
        if trailing == 0:
            continue
        gaps, gap = [0], 0
        for f in flags[: len(flags) - trailing]:
            gap = gap + 1 if f else 0
            gaps.append(gap)
        if trailing > max(gaps):
            return "end"
        tail = "schedule"
    return tail


def nan_accuracy_note(
    nan: Mapping[str, int],
    runs: Mapping[str, Sequence[str]],
    *,
    between: bool = False,
    schedule: bool = False,
) -> str:
    """The warning of a table's NaN accuracy cells, skipped as blank ones are (``nan``: column → its NaN cells;
    ``runs``: column → their runs, where the table names runs): a wide export's and a long table's alike.
    ``between``: every NaN of a per-step export lies between finite values of its run (an eval logged every few
    steps, as the loss cells' note says; it was asked "a crashed or diverged run?", probe h40); ``schedule``: some
    reach their run's last step, no further apart than its logged values (``NAN_SCHEDULE``)."""
    total = sum(nan.values())
    why = NAN_SCHEDULE if schedule else NAN_BETWEEN if between else "a crashed or diverged run?"
    return (
        f"warning: {total} NaN accuracy cell{'s' if total > 1 else ''} skipped, as empty cells are ({why}): "
        f"{_listed([f'{c} ({k}{_runs_of(runs.get(c, []))})' for c, k in nan.items()])}"
    )


def _runs_of(runs: Sequence[str]) -> str:
    """``: run r1, r2`` for a note's parenthesis (three named, the rest counted; empty without runs): the loss note
    named its runs, the accuracy note only counted them (probe p58)."""
    if not runs:
        return ""
    return f": run{'s' if len(runs) > 1 else ''} {some_of(runs)}"


def _listed(names: Sequence[str]) -> str:
    return some_of(names, 5)


def _every_accuracy(raw: _Raw, rows: pl.DataFrame) -> pl.DataFrame:
    """A wide per-step export's accuracies at every checkpoint with D > 0, in the columns ``every`` rows of the
    losses have (``_metric``, the value as ``loss``, ``step``)."""
    done = _accuracy_long(raw, rows.filter(pl.col("D") > 0))
    for c in ("run_id", "split"):
        if c not in done.columns:
            done = done.with_columns(pl.lit(None, dtype=pl.String).alias(c))
    return done.select(
        "dataset", "N", "D", "C", "eval", pl.lit("accuracy").alias("_metric"),
        pl.col("accuracy").alias("loss"), "run_id", "split", pl.col("_l2l_acc_step").alias("step"),
    )  # fmt: skip


def accuracy_table(parts: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
    """Accuracy rows of every file as one table: run ids synthesised, repeats averaged, sorted."""
    if not parts:
        return None
    from l2l.base.schema import ACCURACY_COLUMNS, ACCURACY_DTYPES

    frame = _synth_run_ids(pl.concat(parts, how="diagonal_relaxed"))
    frame = frame.group_by(AVERAGE_KEY, maintain_order=True).agg(
        pl.col("C").first(),
        pl.col("accuracy").mean(),
        pl.col("chance").first(),
        pl.len().cast(pl.Int64).alias("n_repeats"),
    )
    return frame.select([pl.col(c).cast(_DTYPES[ACCURACY_DTYPES[c]]) for c in ACCURACY_COLUMNS]).sort(
        ["dataset", "eval", "N", "D", "split", "run_id"], nulls_last=False, maintain_order=True
    )


def accuracy_provenance(raw: _Raw, acc: pl.DataFrame, info: dict[str, Any], *, wide: bool) -> dict[str, Any]:
    return {
        "path": raw.path,
        "abspath": None if raw.format == "dataframe" else str(Path(raw.path).resolve()),
        "sha256": raw.sha256,
        "format": raw.format,
        "wide": wide,
        "metric": "accuracy",
        "metrics": {"accuracy": acc.height},
        "accuracy_rows": acc.height,
        "records": raw.frame.height,
        "rows_read": int(info.get("rows_read", acc.height)),
        "rows_kept": acc.height,
        "rows_merged": 0,
        "rows_rejected": 0,
        "rows_filtered": int(info.get("rows_where_accuracy", 0)),  # (read + left out = the file's values)
        "aliases": {},
        "ignored_columns": [],
        "ingested_at": utc_now(),
        **info,
        "decisions": [*raw.notes, *info.get("accuracy_notes", [])],
    }


def every_table(parts: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
    """Every file's every-checkpoint rows as one table (``schema.CHECKPOINT_COLUMNS``), run ids synthesised."""
    if not parts:
        return None
    frame = _synth_run_ids(pl.concat(parts, how="vertical_relaxed")).rename(
        {"_metric": "metric", "loss": "value"}
    )
    cols = [pl.col(c).cast(_DTYPES[schema.CHECKPOINT_DTYPES[c]]) for c in schema.CHECKPOINT_COLUMNS]
    return frame.select(cols).sort(["dataset", "eval", "metric", "run_id", "step"], nulls_last=False)
