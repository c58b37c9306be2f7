"""Reading run tables into the canonical long table, with every input check.

``read_runs`` is pure: files in, a ``Runs`` out, or an ``InputError`` naming the file, line and column of the
first problem. Text formats are read as strings and parsed here, so each bad value is traced to its line.

Per file, in order: columns chosen (``l2l.io.columns``: explicit mapping, canonical over alias; a wide table's
loss columns by pattern or detected), rows filtered (``--where``, ``l2l.io.selection``), values checked and
converted (``l2l.io.values``), a wide table unpivoted, a long table's ``metric`` column read (losses, losses in
another unit such as bits per byte, accuracies), a per-step log's checkpoints selected (``l2l.io.checkpoints``,
accuracies and losses alike), then, over all files, repeats decided (seeds averaged, different runs refused or the
best kept: ``l2l.io.selection``), run ids synthesised and own evals found (``l2l.io.own``).

A plain CSV/TSV is scanned lazily by polars. A per-step log with run ids is read in ONE streaming
``group_by().agg()`` that detects the checkpoints, keeps each run's last one and makes every value check at once
(a 10-million-row log is never held whole); other tables are checked in one streaming pass and then held. When any
check fails, the careful line-by-line reader reads the file again, so every error names its line either way.

Apart, one idea each: the types the reader's modules share (``l2l.io.table_types``: ``ReadOptions``, one file's
plan and rows), NaN losses skipped and said (``l2l.io.nan_rows``), the accuracies' checks once every file is read
(``l2l.io.accuracy_checks``: percent, accuracies read as losses) and the notes on a file's columns
(``l2l.io.file_notes``).
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, UsageError
from l2l.base.runs import ALL, AVERAGE_KEY, OWN, REPEAT_KEY, Runs
from l2l.base.text import plural, quoted, some_of
from l2l.io.accuracy_checks import _accuracies_as_losses, _percent_read
from l2l.io.accuracy_rows import (
    LongAccuracy,
    NeedsLinesError,
    accuracy_part,
    accuracy_provenance,
    accuracy_table,
    check_metric_values,
    column_named,
    every_table,
    from_percent,
    kind_column,
    long_accuracy_column,
    nan_accuracy_note,
    split_wide_accuracy,
    subset,
)
from l2l.io.checkpoints import (
    CheckpointReport,
    final_checkpoints_fast,
    parse_policy,
    says_progress,
    schedule_columns,
    select_frame,
)
from l2l.io.columns import (
    ColumnPlan,
    evals_in_metric,
    missing_column_hint,
    name_columns,
    says_compute,
    sizes_in_names,
    value_shapes,
    without_filters,
)
from l2l.io.dataset_facts import (
    carried_columns,
    dataset_tokenizers,
    dataset_unique_tokens,
    states_dataset_fact,
    tokenizer_notes,
)
from l2l.io.file_notes import _bits_note, _few_token_counts_note, _parameter_notes, _stage_note
from l2l.io.nan_rows import _skip_long_nan, _skip_nan
from l2l.io.own import _detect_own, resolve_own
from l2l.io.perplexity import (
    as_given,
    original_column,
    perplexity_renames,
    where_on_logged,
    with_logged_perplexities,
)
from l2l.io.provenance import (
    REPEAT_REFUSED,
    CountMismatch,
    c_count_mismatch,
    check_compute_units,
    check_scale,
    compute_unit_ratio,
    far_value_notes,
    file_entries,
    reject_differing_repeats,
    reject_diverged_seeds,
    reject_repeats,
    repeat_notes,
    repeated_data_notes,
    table_notes,
)
from l2l.io.readers import (
    SUPPORTED_EXTENSIONS,
    FrameSource,
    NotPlainError,
    _Raw,
    _read_raw,
    _scan_plain,
    frame_source,
    is_frame,
    read_frame,
    settle,
    with_constants,
)
from l2l.io.run_keyed import stored_run_columns
from l2l.io.selection import (
    EXTRA,
    NamesApart,
    Repeats,
    Where,
    cell_number,
    check_comparisons,
    follow_best,
    names_apart,
    resolve_repeats,
    where_expr,
)
from l2l.io.table_types import ReadOptions, _Part, _Plan
from l2l.io.values import (
    _HI,
    _LO,
    _SCHEMA,
    _average,
    _bad_compute,
    _bare,
    _canonical,
    _complete,
    _compute_error,
    _Conv,
    _float_scan,
    _glob_regex,
    _typed_eager,
    _typed_scan,
    glob_name,
    lowest,
    seed_scatter,
    unmatched_alternatives,
)

# (``_SCHEMA``, ``_average``, ``_canonical``, ``_detect_own`` and ``_resolve_own``: taken from here by the store)
__all__ = [
    "SUPPORTED_EXTENSIONS",
    "_SCHEMA",
    "ReadOptions",
    "_average",
    "_canonical",
    "_detect_own",
    "_resolve_own",
    "read_runs",
]

_resolve_own = resolve_own


# ----------------------------------------------------------------------------------------------------
# Which column is which
# ----------------------------------------------------------------------------------------------------


def _plan(
    raw: _Raw,
    *,
    wide: bool,
    loss_columns: str | None,
    mapping: Mapping[str, str],
    accuracy_columns: str | None = None,
) -> _Plan:
    """Which input column is which: canonical columns (explicit mapping, canonical over alias), the step column,
    a long table's metric and chance columns, and a wide table's loss columns (a glob, or detected by name and
    value range)."""
    from l2l.io.checkpoints import find_step_column
    from l2l.io.columns import resolve_columns

    names = raw.columns
    wanted = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL) if wide else (*schema.REQUIRED, *schema.OPTIONAL)
    required = schema.WIDE_REQUIRED if wide else schema.REQUIRED
    present = {schema.canonical_name(c) for c in names} | set(mapping)
    try:
        plan = resolve_columns(names, wanted, required=required, mapping=mapping, given=raw.constants)
    except InputError as exc:
        message = _bare(exc)
        hint, param = exc.hint, None
        if message.startswith("missing column"):
            missing = [c for c in required if c not in present]
            unused = [c for c in names if schema.canonical_name(c) is None and c not in mapping.values()]
            nested = _nested_keys(raw)
            sizes = mapping.get("N") or next((c for c in names if schema.canonical_name(c) == "N"), None)
            readable = [c for c in unused if c not in raw.bad]
            evals = evals_in_metric(raw.lazy(), readable) if "eval" in missing else None
            named = (
                name_columns(raw.lazy(), [c for c in readable if evals is None or c != evals[0]], sizes=sizes)
                if "dataset" in missing
                else []
            )
            shaped = value_shapes(raw.lazy(), readable) if {"N", "D"} & set(missing) else {}
            # (a run's name, or a column l2l does not use: never the dataset's, 'fineweb-10b' counting its tokens)
            texts = [c for c in names if c not in raw.bad and schema.canonical_name(c) in (None, "run_id")]
            sized = sizes_in_names(raw.lazy(), texts) if "N" in missing else None
            better, option = missing_column_hint(
                missing,
                [p for p in present if p],
                unused,
                wide=wide,
                nested=nested,
                named=named,
                shaped=shaped,
                evals=evals,
                sized=sized,
            )
            if better is not None:
                hint, param = better, option
            # the data mix named only in the run names (no column names it): said, never read out of them
            apart = _names_apart(raw, mapping, sizes) if "dataset" in missing and not named else None
            if apart is not None:
                hint = apart.said() + (f"; {hint}" if hint else "")
        raise raw.header_error(message, column=exc.column, hint=hint, param=param) from None
    used = set(plan.columns.values())
    step = plan.step or find_step_column([c for c in names if c not in used])
    if not wide:
        rest = [c for c in names if c not in used and c != step]
        # a column that says what each value is (kind: loss, acc) is the metric column by another name
        metric = column_named(rest, "metric") or kind_column(raw, rest)
        chance = column_named(rest, "chance") if metric is not None else None
        extras = tuple(c for c in rest if c not in (metric, chance))
        return _Plan(plan, step, {}, {}, metric, chance, extras)
    return _wide_plan(raw, plan, step, loss_columns, accuracy_columns)


def _nested_keys(raw: _Raw) -> dict[str, list[str]]:
    """The columns of an NDJSON file that hold objects (a W&B API dump's config and summary), each with the keys of
    its first object."""
    out: dict[str, list[str]] = {}
    for column, (rows, what) in raw.bad.items():
        if "object" not in what or not rows:
            continue
        text = raw.frame.get_column(column)[rows[0]]
        try:
            value = json.loads(text) if isinstance(text, str) else None
        except ValueError:
            value = None
        out[column] = [str(k) for k in value] if isinstance(value, dict) else []
    return out


def _wide_plan(
    raw: _Raw,
    plan: ColumnPlan,
    step: str | None,
    loss_columns: str | None,
    accuracy_columns: str | None = None,
) -> _Plan:
    from l2l.io.columns import (
        detect_loss_columns,
        may_set_up_runs,
        perplexity_refusal,
        says_perplexity,
        says_setting,
    )

    names = raw.columns
    used = set(plan.columns.values())
    other = {k: c for c in names if c not in used and (k := schema.canonical_name(c)) in ("eval", "loss")}
    if "eval" in other and "loss" in other and loss_columns is None:
        raise raw.header_error(
            f"a wide table has one column per eval, but this one has an eval column ({other['eval']!r}) "
            f"and a loss column ({other['loss']!r})",
            hint="this looks like a long table, one row per run and eval: read it without --wide"
            + (
                f" (--accuracy-columns {accuracy_columns} then reads its accuracy column as each row's eval's)"
                if accuracy_columns is not None
                else ""
            ),
        )
    candidates = [c for c in names if c not in used and c != step]
    if loss_columns is not None:
        rx = _glob_regex(loss_columns)
        # a perplexity column read as a loss (--perplexity) is matched by its name in the file too ('eval/*/ppl')
        back = {new: old for old, new in raw.logged.items()}
        named = {c: c if rx.match(c) or c not in back else back[c] for c in candidates}
        chosen = [c for c in candidates if rx.match(named[c])]
        missing = unmatched_alternatives(loss_columns, [named[c] for c in candidates]) if chosen else []
        if not chosen or missing:
            raise raw.header_error(
                f"the loss-column pattern {(missing or [loss_columns])[0]!r} matches no column (columns besides "
                f"the ids: {', '.join(repr(c) for c in candidates) or 'none'})",
                param="loss_columns",
            )
        # a pattern may sweep in columns whose name says what they are: perplexities are not losses
        for c in chosen:
            if says_perplexity(c):
                message, hint = perplexity_refusal(c, wide=True)
                raise raw.header_error(
                    f"the loss-column pattern {loss_columns!r} takes {c!r}: {message}", column=c, hint=hint
                )
        losses = {c: _bpb_eval(glob_name(rx, named[c])) for c in chosen}
        unmatched = "does not match the loss-column pattern" + (
            f" nor the accuracy-column pattern {accuracy_columns!r}" if accuracy_columns is not None else ""
        )
        left = {c: unmatched for c in candidates if c not in losses}
    else:
        try:
            found = detect_loss_columns(raw.lazy(), candidates)
        except InputError as exc:
            raise raw.header_error(_bare(exc), hint=exc.hint, param=exc.param) from None
        losses = dict(found.kept)
        left = {x.column: x.reason for x in found.left_out}
    by_eval: dict[str, str] = {}
    for c, ev in losses.items():
        if ev in by_eval:
            raise raw.header_error(f"columns {by_eval[ev]!r} and {c!r} both give eval {ev!r}", column=c)
        by_eval[ev] = c
    # a column that sets up each run (a learning rate, a warmup) tells runs apart, as a long table's columns do: a
    # W&B export's seeds of 4 warmups were averaged over the warmups
    # and a run's planned length (frac_done, total_steps) tells which runs stopped early, as in a long table: a
    # W&B per-step export's run stopped at 55 % was kept as a finished run (h18)
    # and so does a column that may set up a run (a configuration's name, a batch size, a layer count) where its
    # values recur, as in a long table: two configurations of Porian et al.'s table exported wide were averaged as
    # "nothing telling the rows apart" (h62); a value of its own per row (a time stamp) tells nothing, left out
    texts = [c for c in left if may_set_up_runs(left[c])]
    recurs: dict[str, bool] = {}
    if texts:
        counts = [pl.col(c).drop_nulls().n_unique() < pl.col(c).drop_nulls().len() for c in texts]
        try:
            recurs = (
                raw.lazy()
                .select(e.alias(c) for e, c in zip(counts, texts, strict=True))
                .collect()
                .row(0, named=True)
            )
        except pl.exceptions.PolarsError:
            recurs = {}  # a column of nested values (a W&B dump's objects) is carried by no one
    settings = tuple(
        c
        for c in left
        if says_setting(c) or states_dataset_fact(c) or says_progress(c) or recurs.get(c, False)
    )
    return _Plan(plan, step, losses, left, extras=settings)


def _bpb_eval(name: str) -> str:
    """A pattern's eval name, ``NAME:bpb`` where it says bits per byte (``c4/bpb``; ``schema.bpb_stem``)."""
    stem = schema.bpb_stem(name)
    return name if stem is None else f"{stem}{schema.METRIC_SEP}bpb"


def _convs(plan: _Plan, *, wide: bool, nan_ok: bool = False) -> list[_Conv]:
    """The columns to check and convert, in order: ids, numbers, the step, the metric, losses, carried columns
    (``nan_ok``: a long table's value column keeps NaN, to be skipped and counted as a blank cell is)."""
    cols = plan.columns.columns
    order = ("dataset", "split", "run_id", "seed", "N", "D", "C") + (() if wide else ("eval", "loss"))
    numeric = {"N", "D", "C", "loss"}
    zero_ok = plan.per_step
    convs = [
        _Conv(
            cols[c],
            c,
            "value" if c == "loss" and plan.metric is not None else c,
            c in numeric,
            c in (*schema.REQUIRED, "dataset") and c != "C" and not (c == "loss" and plan.metric is not None),
            zero_ok=zero_ok and c in ("D", "C"),
            nan_ok=nan_ok and c == "loss",
        )
        for c in order
        if c in cols
    ]
    if plan.step is not None:
        convs.append(_Conv(plan.step, plan.step, "step", True, False))
    if plan.metric is not None:
        convs.append(_Conv(plan.metric, "metric", "metric", False, False))
    if plan.chance is not None:
        convs.append(_Conv(plan.chance, "chance", "chance", True, False))
    convs += [_Conv(c, ev, "loss", True, False, nan_ok=True) for c, ev in plan.losses.items()]
    convs += [_Conv(c, f"{EXTRA}{c}", c, False, False, lenient=True) for c in plan.extras]
    return convs


# ----------------------------------------------------------------------------------------------------
# One file → rows
# ----------------------------------------------------------------------------------------------------


def _read_file(raw: _Raw, opts: ReadOptions, mapping: Mapping[str, str], careful: bool = False) -> _Part:
    """One file's rows (see ``_Part``); a check that fails on scanned rows reads the file again carefully."""
    try:
        plan = _plan(
            raw,
            wide=opts.wide,
            loss_columns=opts.loss_columns,
            mapping=mapping,
            accuracy_columns=opts.accuracy_columns,
        )
        cols = plan.columns.columns
        where, unmatched = where_expr(opts.where, raw.columns, cols)
        if where is not None:
            check_comparisons(opts.where, raw.lazy(), cols, raw.path)
        used = (plan.step, plan.metric, plan.chance)
        info: dict[str, Any] = {
            "aliases": dict(plan.columns.aliases),
            "columns": _columns_dict(plan),
            "ignored_columns": [e.name for e in plan.columns.extras if e.name not in used],
            "where_unmatched": [str(w) for w in unmatched],
            "where": [str(w) for w in opts.where if w not in unmatched],
            "constants": dict(raw.constants),
        }
        if raw.from_stored:
            info["from_stored"] = list(raw.from_stored)
        if raw.notes:
            info["read_notes"] = list(raw.notes)
        if plan.metric is not None and schema.norm_name(plan.metric) != "metric":
            info["metric_column"] = plan.metric  # a kind column read as the metric: said in the report
        convs = _convs(plan, wide=opts.wide, nan_ok=_long_with_accuracy(opts))
        if (
            raw.scan is not None
            and not opts.wide
            and plan.step is not None
            and plan.metric is None
            and "run_id" in cols
            and not opts.run_key
            and opts.checkpoints.strip().lower() == "final"
            and not opts.lines
        ):
            fast = _fast(raw, plan, convs, where, info)
            if fast is not None:
                settle(raw)
                return fast
        frame, raw = _typed_frame(
            raw, convs, rows=opts.strict or opts.wide or opts.lines, where=where, info=info
        )
        return _rows(raw, frame, plan, opts, info)
    except (NeedsLinesError, NotPlainError, pl.exceptions.PolarsError):
        if careful or raw.scan is None:  # (the careful reader knows its lines)
            raise
        if raw.verify is not None:
            raw.verify.result()  # (the byte pass ends before the careful reader starts)
        return _read_file(_reread(raw), opts, mapping, careful=True)


def _names_apart(raw: _Raw, mapping: Mapping[str, str], sizes: str | None) -> NamesApart | None:
    """Where a table without a dataset column has runs at one (N, D) (each at its largest D) whose names differ in
    one part (``names_apart``): those parts, for the refusal's hint. None where it has no run names, N or D."""

    def column(canon: str) -> str | None:
        return mapping.get(canon) or next((c for c in raw.columns if schema.canonical_name(c) == canon), None)

    name, d = column("run_id"), column("D")
    if name is None or d is None or sizes is None or not {name, d, sizes} <= set(raw.columns):
        return None
    # each run at its last token count (a per-step log's checkpoints meet other runs' ends), in the file's order
    ends = (
        raw.lazy()
        .select(
            pl.col(name).cast(pl.String).alias("_name"),
            cell_number(sizes).alias("_n"),
            cell_number(d).alias("_d"),
        )
        .with_row_index("_i")
        .drop_nulls()
        .group_by("_name")
        .agg(pl.col("_i").min(), pl.col("_n").first(), pl.col("_d").max())
        .sort("_i")
    )
    groups = (
        ends.group_by("_n", "_d", maintain_order=True)
        .agg(pl.col("_name"))
        .filter(pl.col("_name").list.len() > 1)
        .head(1000)
        .collect()
    )
    return names_apart(groups.get_column("_name").to_list())


def _columns_dict(plan: _Plan) -> dict[str, object]:
    """Which column is which (``ColumnPlan.to_dict``), a wide export's loss columns not among the extras: they were
    listed there as "not a column l2l uses" beside ``loss_columns`` mapping them (probe p58)."""
    out = plan.columns.to_dict()
    extras = {e.name: e.reason for e in plan.columns.extras if e.name not in plan.losses}
    return {**out, "extras": extras}


def _long_with_accuracy(opts: ReadOptions) -> bool:
    """A long table with an accuracy column: one of its value cells may be blank, and a NaN one is skipped as a
    blank one is (as a wide export's)."""
    return not opts.wide and opts.accuracy_columns is not None


def _reread(raw: _Raw) -> _Raw:
    """A scanned file read again by the careful reader, with the same constant columns and perplexities read as
    losses."""
    return with_logged_perplexities(with_constants(_read_raw(Path(raw.path)), raw.constants), raw.logged)


def _typed_frame(
    raw: _Raw, convs: Sequence[_Conv], *, rows: bool, where: pl.Expr | None, info: dict[str, Any]
) -> tuple[pl.DataFrame, _Raw]:
    """The file's rows that pass ``where``, converted and checked, in memory; the reading they come from (a
    scanned file that fails a check is read again, carefully, so the error names its line)."""
    if raw.scan is not None:
        if where is not None:
            info["rows_before_where"] = int(raw.scan.select(pl.len()).collect(engine="streaming").item())
        typed = _typed_scan(raw, convs, rows, where)
        if typed is not None:
            settle(raw)  # (NotPlainError: the caller reads the file carefully)
            lf, records = typed
            info["records"] = info.get("rows_before_where", records)
            frame = lf.collect(engine="streaming")
            info["rows_after_where"] = frame.height  # (file rows: a wide table's rows_read counts its values)
            return frame, raw
        if raw.verify is not None:
            raw.verify.result()
        raw = _reread(raw)  # the careful reader names the line of the first bad value
    info["records"] = raw.frame.height
    if where is not None:
        info["rows_before_where"] = raw.frame.height
        raw = subset(raw, raw.frame.select(where).to_series())
        info["rows_after_where"] = raw.frame.height
    return _typed_eager(raw, convs), raw


def _fast(
    raw: _Raw, plan: _Plan, convs: Sequence[_Conv], where: pl.Expr | None, info: dict[str, Any]
) -> _Part | None:
    """A scanned per-step log with run ids, final checkpoints, in one streaming pass; None when some check fails
    or the log needs the exact path (the caller then takes it)."""
    lf = _float_scan(raw, convs)
    if where is not None:
        lf = lf.filter(where)
    lf = lf.select(*[pl.col(c.src).alias(c.out) for c in convs])
    cols = plan.columns.columns
    group = [c for c in ("dataset", "run_id", "split", "seed", "eval") if c in cols]
    values = [c for c in ("N", "D", "C", "loss") if c in cols] + [c.out for c in convs if c.lenient]
    checked = [c for c in ("N", "D", "C", "loss") if c in cols]
    try:
        found = final_checkpoints_fast(
            lf,
            step=plan.step or "",
            group=group,
            values=values,
            bad=_out_of_range(checked),
            d_named_seen=False,
        )
    except pl.exceptions.PolarsError:
        return None
    if not found.ok or not _fast_checks(found.checks, found.frame, group):
        return None
    info["records"] = found.report.rows_in if found.report is not None else found.frame.height
    if where is not None and raw.scan is not None:  # the rows it left out, counted as the other routes count
        # them (this one said "0 of 24 rows left out" and read 24 of a 32-row log: the filter ran inside its pass)
        info["rows_after_where"] = info["records"]
        info["rows_before_where"] = info["records"] = int(
            raw.scan.select(pl.len()).collect(engine="streaming").item()
        )
    frame = found.frame.with_columns(pl.lit(None, dtype=pl.Int64).alias("_row"))  # (no line is needed)
    return _finish(raw, frame, found.report, None, plan, info)


def _out_of_range(checked: Sequence[str]) -> pl.Expr:
    """Per row: some number of ``checked`` is missing (C may be), not finite or out of range (D and C may be 0, at
    step 0). Polars orders NaN above every number, so ``is_between`` is false for NaN, as for ±inf."""
    out = [
        (~pl.col(c).is_between(0.0 if c in ("D", "C") else lowest(c), _HI)).fill_null(c != "C")
        for c in checked
    ]
    return pl.any_horizontal(out) if out else pl.lit(False)


def _fast_checks(checks: pl.DataFrame, frame: pl.DataFrame, group: Sequence[str]) -> bool:
    """The value checks of the one-pass route, on its per-group results: names present and plain, no row with a
    number out of range (``_out_of_range``), each run's last D above 0."""
    for c in group:
        s = checks.get_column(c)
        if c in ("dataset", "eval", "run_id") and s.null_count():
            return False
        text = s.drop_nulls()
        if text.len() and bool(
            (text.str.strip_chars() != text).any() | text.str.contains(r"[\x00\"\r]").any()
        ):
            return False
    if bool(checks.get_column("_bad").any()):
        return False
    d = frame.get_column("D")
    return bool(((d >= _LO) & (d <= _HI)).all())


def _rows(raw: _Raw, frame: pl.DataFrame, plan: _Plan, opts: ReadOptions, info: dict[str, Any]) -> _Part:
    """Typed rows in memory → a wide table unpivoted, metrics read, checkpoints selected."""
    cols = plan.columns.columns
    if opts.wide:
        frame = _unpivot(
            raw,
            frame,
            plan,
            info,
            detected=opts.loss_columns is None,
            finals=parse_policy(opts.checkpoints)[0] == "final",
        )
    inner: tuple[str, ...] = ("eval",)
    if plan.metric is not None:
        said = frame.group_by("eval").agg(pl.col("metric").is_not_null().all().alias("said"))
        info["metric_said"] = sorted(said.filter(pl.col("said")).get_column("eval").to_list())
        frame = _metrics(
            raw,
            frame,
            plan.metric,
            opts.accuracy_metric,
            info,
            perplexity=cols["loss"] if opts.perplexity else None,
        )
        if _long_with_accuracy(opts):
            frame = _skip_long_nan(frame, plan, info, finals=parse_policy(opts.checkpoints)[0] == "final")
        check_metric_values(raw, frame, cols["loss"], plan.chance, percent=opts.accuracy_percent)
        if opts.accuracy_percent:
            frame = from_percent(frame, pl.col("_metric") == "accuracy")
        inner = ("eval", "_metric")
    elif opts.accuracy_metric is not None:
        raise UsageError(
            f"--accuracy-metric {opts.accuracy_metric} picks the rows of a metric column, and {raw.path} has none",
            hint="a wide export names its accuracy columns instead: --accuracy-columns GLOB (e.g. '*/acc_norm')",
            param="accuracy_metric",
        )
    extras = tuple(c.out for c in _convs(plan, wide=opts.wide) if c.lenient)
    run_key = tuple(_run_key(opts.run_key, extras))
    out, ckpt = select_frame(
        frame,
        opts.checkpoints,
        step_column=plan.step,
        d_source=cols.get("D"),
        id_columns=run_key,
        candidates=extras,
        inner=inner,
        path=raw.path,
    )
    if ckpt is not None and (opts.wide or _long_with_accuracy(opts)):
        # (unpivoted, or a long table's accuracy column read as rows of its own: one row per value; a long log of
        # 24 rows with loss and acc said "dropped 36 of 48 rows", h71's M2)
        ckpt = replace(ckpt, counted="values")
    if ckpt is None and parse_policy(opts.checkpoints)[0] != "final":
        # not a per-step log: the option selects nothing here, which was not said (probe h1)
        info["checkpoints_unused"] = opts.checkpoints
    every = None
    if ckpt is not None and plan.metric is not None and bool((frame["_metric"] == "accuracy").any()):
        every = _every(frame, plan)
    elif ckpt is not None and opts.wide and opts.accuracy_columns is not None:
        # a wide export's accuracies were split off before: its losses' every checkpoint, to pair them with
        every = _every(frame.with_columns(pl.lit("loss").alias("_metric")), plan)
    if plan.step is not None and plan.step in out.columns:
        out = out.drop(plan.step)
    return _finish(raw, out, ckpt, every, plan, info)


def _evals_without_filters(frame: pl.DataFrame) -> pl.DataFrame:
    """A long table's eval names as a wide read of the same export names its columns (a wide read's are already):
    without lm-eval-harness 0.4's filter (``hellaswag/loss,none`` → ``hellaswag/loss``, ``wikitext/bits_per_byte,none``
    → ``wikitext:bpb`` once ``_bpb_named`` reads it; ``columns.without_filters``)."""
    names = [str(v) for v in frame.get_column("eval").unique().drop_nulls().to_list()]
    renamed = {k: v for k, v in without_filters(names).items() if k != v}
    return frame.with_columns(pl.col("eval").replace(renamed)) if renamed else frame


def _run_key(names: Sequence[str], extras: Sequence[str]) -> list[str]:
    """``--run-key`` columns as carried columns (each must be a column of the file)."""
    out = []
    for name in names:
        hit = next((e for e in extras if e[len(EXTRA) :] == name), None)
        if hit is None:
            norm = schema.norm_name(name)
            hit = next((e for e in extras if schema.norm_name(e[len(EXTRA) :]) == norm), None)
        if hit is None:
            shown = ", ".join(e[len(EXTRA) :] for e in extras) or "none"
            raise InputError(
                f"--run-key {name}: no such column besides the canonical ones (columns: {shown})",
                param="run_key",
            )
        out.append(hit)
    return out


def _unpivot(
    raw: _Raw, frame: pl.DataFrame, plan: _Plan, info: dict[str, Any], *, detected: bool, finals: bool = False
) -> pl.DataFrame:
    """A wide table's rows as long rows (one per run and eval), empty loss cells dropped and counted. With
    ``finals`` (the final checkpoints kept) an eval of a run in a per-step log whose NaN runs to the run's last step
    is dropped whole: its last finite checkpoint is no finished run (a diverged ladder run was kept at 512B tokens,
    its learning rate still 1.2e-4, its accuracies at 640B: one run as two models; probe p58)."""
    evals = list(plan.losses.values())
    index = [c for c in frame.columns if c not in evals]
    # the eval columns under names of their own while unpivoting: an eval named 'loss' (a W&B export's training
    # loss) or 'eval' collided with the long table's columns (polars: "duplicate column name 'loss'")
    slots = {ev: f"_l2l_eval{k}" for k, ev in enumerate(evals)}
    long = (
        frame.rename(slots)
        .unpivot(on=list(slots.values()), index=index, variable_name="_slot", value_name="_loss")
        .with_columns(pl.col("_slot").replace_strict({v: k for k, v in slots.items()}).alias("_slot"))
        .rename({"_slot": "eval", "_loss": "loss"})
        .sort("_row", maintain_order=True)
    )
    empty = int(long.get_column("loss").null_count())
    nan = long.get_column("loss").is_nan().fill_null(False)
    if empty + int(nan.sum()) == long.height:
        raise raw.header_error("every loss cell is empty" + (" or NaN" if nan.any() else ""))
    keep = _skip_nan(long, nan, plan, info, finals=finals)
    info.update(
        rows_rejected=empty + int(nan.sum()),
        loss_columns=plan.losses,
        loss_columns_detected=detected,
        loss_columns_left_out=plan.left_out,
        ignored_columns=[c for c in plan.left_out if c != plan.step],
    )
    bpb = {c: e for c, e in plan.losses.items() if schema.split_metric(e)[1] == "bpb"}
    if bpb:  # (said in the report: the bits warning is not for them)
        info["bpb_columns"] = bpb
    return long.filter(pl.col("loss").is_not_null() & keep)


def _metric_hint(metric: str, column: str) -> str:
    """How to read rows of a metric l2l does not know: an accuracy under the harness's name, a perplexity, else
    leave them out."""
    from l2l.io.columns import says_perplexity, says_score, says_spread
    from l2l.io.perplexity import metric_is_perplexity

    drop = f"leave its rows out (--where '{column}!={metric}')"
    if metric_is_perplexity(metric):
        return f"--perplexity reads its rows as ln(perplexity), the loss in nats; or {drop}"
    if says_perplexity(metric):  # lm-eval's word_perplexity: per word, its log no per-token loss
        return f"a perplexity per word or byte, not per token, whose log is no per-token loss: {drop}"
    if says_spread(metric):  # acc_stderr: a standard error, which --accuracy-metric refuses (h27)
        return f"a standard error, not an accuracy: {drop}"
    if says_score(metric):  # the harness's names of an accuracy (lm-eval-harness: acc_norm, exact_match)
        return (
            f"an accuracy under another name? l2l reads one accuracy per task: --accuracy-metric {metric} reads "
            f"its rows as the accuracies and leaves the other scores' rows out (acc_norm, the harness's "
            f"length-normalised accuracy, for multiple-choice tasks), or leave its rows out (--where "
            f"'{column}!={metric}')"
        )
    return drop[0].upper() + drop[1:]


def _metrics_hint(metrics: Sequence[str], column: str) -> str:
    """How to read the rows of several metrics l2l does not know, in one command: the first that names an accuracy
    as the accuracies (``--accuracy-metric``: the other scores' rows leave with it), the rest left out."""
    from l2l.io.columns import says_score, says_spread
    from l2l.io.perplexity import metric_is_perplexity

    # a standard error (acc_stderr) is never the accuracies: it was named first and --accuracy-metric refused it (h27)
    scores = [m for m in metrics if says_score(m) and not says_spread(m)]
    # a per-token perplexity's rows are losses with --perplexity (lm-eval's lambada 'perplexity')
    ppl = [m for m in metrics if metric_is_perplexity(m)]
    # with --accuracy-metric a standard error's rows leave with the other scores'; without, by a --where
    drop = [m for m in metrics if m not in scores and m not in ppl and not (scores and says_spread(m))]
    options = (
        ([f"--accuracy-metric {scores[0]}"] if scores else [])
        + (["--perplexity"] if ppl else [])
        + [f"--where '{column}!={m}'" for m in drop]
    )
    parts = (
        [f"{scores[0]}'s rows are then the accuracies (the other scores' rows leave with them)"]
        if scores
        else []
    )
    if ppl:
        parts.append(f"{', '.join(ppl)} rows are read as ln(perplexity), the loss in nats")
    if drop:
        parts.append(f"{', '.join(drop)} {'is' if len(drop) == 1 else 'are'} left out")
    return f"add {' '.join(options)}: " + "; ".join(parts)


def _metrics(
    raw: _Raw,
    frame: pl.DataFrame,
    column: str,
    accuracy_metric: str | None,
    info: dict[str, Any],
    *,
    perplexity: str | None = None,
) -> pl.DataFrame:
    """``_metric``: each row's metric (loss, bpb or accuracy; blank: loss); an unknown one is an error. With
    ``accuracy_metric`` (``acc_norm``) its rows are the accuracies and the rows of other scores are left out
    (``_chosen_accuracy``); with ``perplexity`` (the value column) a per-token perplexity's rows are loss rows of
    ln(value)."""
    text = frame.get_column("metric")
    kinds = pl.Series([None if t is None else schema.metric_kind(t) for t in text.to_list()], dtype=pl.String)
    if perplexity is not None:
        frame, kinds = _perplexity_rows(raw, frame, text, kinds, perplexity, info)
    if accuracy_metric is not None:
        frame, text, kinds = _chosen_accuracy(frame, text, kinds, accuracy_metric, column, info)
    unknown = text.is_not_null() & kinds.is_null()
    if bool(unknown.any()):
        i = int(unknown.arg_true()[0])
        row = frame.get_column("_row")[i]
        if row is None:
            raise NeedsLinesError
        known = ", ".join(dict.fromkeys(schema.METRIC_KINDS))
        # every unknown metric at once: DataDecide's export (correct_prob, acc_raw) took one round trip each (p77)
        others = [str(t) for t in dict.fromkeys(text.filter(unknown).to_list()) if t != text[i]]
        also = f" (also unknown: {some_of([quoted(t) for t in others], 6)})" if others else ""
        raise raw.error(
            f"unknown metric {quoted(text[i])}{also}; expected loss (the default), bpb or accuracy (accepted: "
            f"{known})",
            row=int(row),
            column=column,
            hint=_metric_hint(str(text[i]), column)
            if not others
            else _metrics_hint([str(text[i]), *others], column),
        )
    return frame.with_columns(kinds.fill_null("loss").alias("_metric")).drop("metric")


def _perplexity_rows(
    raw: _Raw, frame: pl.DataFrame, text: pl.Series, kinds: pl.Series, column: str, info: dict[str, Any]
) -> tuple[pl.DataFrame, pl.Series]:
    """A metric column's per-token perplexity rows (``perplexity``, ``ppl``) as loss rows of ln(value)
    (``ingest --perplexity``), said in the report; a perplexity below 1 is refused at its line and ``column`` (the
    value column)."""
    from l2l.io.perplexity import BELOW_ONE_HINT, below_one, metric_is_perplexity

    names = text.to_list()
    is_ppl = pl.Series([t is not None and metric_is_perplexity(str(t)) for t in names], dtype=pl.Boolean)
    if not bool(is_ppl.any()):
        return frame, kinds
    value = frame.get_column("loss")
    low = is_ppl & value.is_finite() & (value < 1)
    if bool(low.any()):
        i = int(low.arg_true()[0])
        row = frame.get_column("_row")[i]
        if row is None:
            raise NeedsLinesError
        raise raw.error(
            f"metric {quoted(names[i])}: {below_one(float(value[i]))}",
            row=int(row),
            column=column,
            hint=BELOW_ONE_HINT,
        )
    frame = frame.with_columns(
        pl.when(is_ppl).then(pl.col("loss").log()).otherwise(pl.col("loss")).alias("loss")
    )
    kinds = pl.Series(
        ["loss" if p else k for k, p in zip(kinds.to_list(), is_ppl.to_list(), strict=True)], dtype=pl.String
    )
    info["perplexity_rows"] = int(is_ppl.sum())
    said = text.filter(is_ppl).value_counts(sort=True)
    info.setdefault("metric_notes", []).append(
        "read as ln(perplexity), the loss in nats (--perplexity): the "
        + ", ".join(f"{quoted(str(m))} rows ({int(n)})" for m, n in said.iter_rows())
    )
    return frame, kinds


def _chosen_accuracy(
    frame: pl.DataFrame, text: pl.Series, kinds: pl.Series, chosen: str, column: str, info: dict[str, Any]
) -> tuple[pl.DataFrame, pl.Series, pl.Series]:
    """A metric column's rows of ``chosen`` (``--accuracy-metric acc_norm``) as the accuracies, and without the
    rows of other scores (``acc``, ``exact_match``, their standard errors): one accuracy per task, the one asked
    for (an evaluation harness writes several). A ``chosen`` no row names is a usage error."""
    from l2l.io.columns import says_score, says_spread

    not_accuracy = (
        "a standard error"
        if says_spread(chosen)
        else "a loss"
        if schema.metric_kind(chosen) in ("loss", "bpb")
        else None
    )
    if not_accuracy is not None:  # (an acc_stderr column was fitted as an accuracy, "ok" at 0.05 points: p64)
        raise UsageError(
            f"--accuracy-metric {chosen}: {chosen!r} names {not_accuracy}, not an accuracy",
            hint="name the metric whose rows are the accuracies (acc, acc_norm)",
            param="accuracy_metric",
        )
    names = text.to_list()
    key = schema.norm_name(chosen)
    is_chosen = pl.Series([t is not None and schema.norm_name(t) == key for t in names])
    if not bool(is_chosen.any()) and schema.metric_name(chosen) == chosen:
        # acc_norm names lm-eval's acc_norm,none rows too (METRIC,FILTER), where one filter holds it
        under = [t is not None and schema.norm_name(schema.metric_name(t)) == key for t in names]
        filters = sorted({str(t) for t, u in zip(names, under, strict=True) if u})
        if len(filters) > 1:
            raise UsageError(
                f"--accuracy-metric {chosen}: its rows come under several filters ({', '.join(filters)}), "
                "each its own accuracy",
                hint=f"name one as the table does: --accuracy-metric {shlex.quote(filters[0])}",
                param="accuracy_metric",
            )
        is_chosen = pl.Series(under, dtype=pl.Boolean)
    if not bool(is_chosen.any()):
        seen = sorted({str(t) for t in names if t is not None})
        raise UsageError(
            f"--accuracy-metric {chosen}: no row's {column!r} is {chosen!r} (it holds {some_of(seen, 8)})",
            param="accuracy_metric",
        )
    other = pl.Series(
        [
            not c
            and t is not None
            and (k == "accuracy" or (k is None and (says_score(t) or bool(says_spread(t)))))
            for t, k, c in zip(names, kinds.to_list(), is_chosen.to_list(), strict=True)
        ]
    )
    left = text.filter(other).value_counts(sort=True)
    said = ", ".join(f"{m} ({plural(int(n), 'row')})" for m, n in left.iter_rows())
    # a task scored only by another metric leaves with its rows: named, not only counted (probe h68: six tasks
    # with acc alone were gone from the accuracy table under "acc (480 rows)")
    evals = frame.get_column("eval")
    kept = set(evals.filter(is_chosen).to_list())
    scored = other & (kinds == "accuracy").fill_null(False)
    gone = sorted({str(e) for e in evals.filter(scored).to_list() if e is not None and e not in kept})
    lost = (
        f", and with them every accuracy of {plural(len(gone), 'eval')} no {chosen!r} row scores: "
        f"{some_of(gone, 8)}"
        if gone
        else ""
    )
    info.setdefault("metric_notes", []).append(
        f"the {chosen!r} rows are the accuracies (--accuracy-metric)"
        + (f"; left out the other scores' rows: {said}{lost}" if said else "")
    )
    keep = ~other
    info["rows_other_scores"] = int(
        other.sum()
    )  # left out as --where's rows are (read + left out = the file)
    kinds = pl.Series(
        [("accuracy" if c else k) for k, c in zip(kinds.to_list(), is_chosen.to_list(), strict=True)]
    )
    return frame.filter(keep), text.filter(keep), kinds.cast(pl.String).filter(keep)


def _every(frame: pl.DataFrame, plan: _Plan) -> pl.DataFrame:
    """Every checkpoint (D > 0) of a per-step log's losses and accuracies, with its step: the pairs an accuracy
    law may be fitted on (``fit-accuracy --checkpoints all``)."""
    rows = frame.filter(pl.col("D") > 0)
    step = plan.step
    out = _complete(rows.drop([c for c in rows.columns if c.startswith(EXTRA)]))
    out = out.with_columns(
        pl.col(step).cast(pl.Float64).alias("step") if step is not None else pl.col("D").alias("step")
    )
    return out.select("dataset", "N", "D", "C", "eval", "_metric", "loss", "run_id", "split", "step")


def _finish(
    raw: _Raw,
    frame: pl.DataFrame,
    ckpt: CheckpointReport | None,
    every: pl.DataFrame | None,
    plan: _Plan,
    info: dict[str, Any],
) -> _Part:
    """Selected rows → loss rows (bpb and the like renamed ``NAME:UNIT``) and accuracy rows, C completed and
    checked, what was done recorded."""
    rows_rejected = int(info.get("rows_rejected", 0))
    read = ckpt.rows_in if ckpt is not None else frame.height
    info.update(rows_read=read + rows_rejected, rows_rejected=rows_rejected)
    info.setdefault("records", read)
    if ckpt is not None:
        if ckpt.identity:
            frame = _named_runs(frame, ckpt.identity)
            shown = tuple(c.removeprefix(EXTRA) for c in ckpt.identity)
            source = plan.columns.columns.get("run_id", "run_id")
            named = ckpt.named_by if ckpt.named_by != "run_id" or source == "run_id" else f"run_id ({source})"
            ckpt = replace(ckpt, identity=shown, named_by=named)
            info["ignored_columns"] = [c for c in info["ignored_columns"] if c not in shown]
        info["checkpoints"] = {**ckpt.to_dict(), "describe": ckpt.describe()}
        if ckpt.stopped_by is not None and ckpt.stopped_early:  # (frac_done, total_steps: used, said)
            told = {c.strip() for c in ckpt.stopped_by.split("/")}
            info["ignored_columns"] = [c for c in info["ignored_columns"] if c not in told]
        if ckpt.undecayed:  # (the learning-rate and phase columns: read, said)
            told = {c for c in schedule_columns(info["ignored_columns"]) if c is not None}
            info["ignored_columns"] = [c for c in info["ignored_columns"] if c not in told]
    elif plan.step is not None:  # a step column with one checkpoint per run is just a column not used
        names = raw.columns
        info["ignored_columns"] = sorted({*info["ignored_columns"], plan.step}, key=names.index)
    frame = _bpb_named(_evals_without_filters(frame), info)
    if "_metric" in frame.columns:
        is_acc = frame.get_column("_metric") == "accuracy"
        acc_rows = frame.filter(is_acc)
        loss_rows = frame.filter(~is_acc).with_columns(
            pl.when(pl.col("_metric") == "loss")
            .then(pl.col("eval"))
            .otherwise(pl.col("eval") + schema.METRIC_SEP + pl.col("_metric"))
            .alias("eval")
        )
        metrics = frame.group_by("_metric").len()
        info["metrics"] = {str(m): int(n) for m, n in metrics.sort("_metric").iter_rows()}
    else:
        acc_rows, loss_rows = None, frame
    if "C" in loss_rows.columns:  # (C cells given: a column of blanks gives none, every C is 6·N·D)
        info["c_given"] = loss_rows.height - loss_rows.get_column("C").null_count()
    done = _checked_compute(raw, _complete(loss_rows.drop("_metric", strict=False)), plan)
    accuracy = None
    if acc_rows is not None and acc_rows.height:
        acc = _checked_compute(raw, _complete(acc_rows.drop("_metric")), plan)
        accuracy = accuracy_part(acc, raw.path)
        info["accuracy_rows"] = acc.height
    return _Part(done.drop("chance", strict=False), accuracy, every, info, raw)


def _bpb_named(frame: pl.DataFrame, info: dict[str, Any]) -> pl.DataFrame:
    """Loss rows whose eval's name says bits per byte (``web_val_bpb``, ``schema.bpb_stem``) as the eval
    ``STEM:bpb``, the metric column's bpb: ``web_val_bpb`` was a loss in nats of its own, no dataset's own eval was
    detected and every law command exited 1 (probe p65 D7). A row a metric column calls an accuracy keeps its
    name; ``info["bpb_evals"]`` maps each renamed eval to its new name (said in the report)."""
    if "eval" not in frame.columns or frame.height == 0:
        return frame
    names = frame.get_column("eval").drop_nulls().unique().to_list()
    renamed = {e: f"{stem}{schema.METRIC_SEP}bpb" for e in names if (stem := schema.bpb_stem(e)) is not None}
    if not renamed:
        return frame
    mask = frame.select(
        pl.col("eval").is_in(list(renamed))
        & (pl.col("_metric").is_in(["loss", "bpb"]) if "_metric" in frame.columns else pl.lit(True))
    ).to_series()
    done = sorted(set(frame.filter(mask).get_column("eval").to_list()))
    if not done:
        return frame
    info["bpb_evals"] = {e: renamed[e] for e in done}
    out = frame.with_columns(
        pl.when(mask).then(pl.col("eval").replace(renamed)).otherwise(pl.col("eval")).alias("eval")
    )
    if "_metric" in frame.columns:  # (a metric column's bpb rows: their eval is STEM:bpb by the metric alone)
        stems = {n: n.rpartition(schema.METRIC_SEP)[0] for n in renamed.values()}
        out = out.with_columns(
            pl.when(mask).then(pl.col("eval").replace(stems)).otherwise(pl.col("eval")).alias("eval"),
            pl.when(mask).then(pl.lit("bpb")).otherwise(pl.col("_metric")).alias("_metric"),
        )
    return out


def _named_runs(frame: pl.DataFrame, identity: Sequence[str]) -> pl.DataFrame:
    """Run ids for runs told apart by ``identity`` beside their run id (or size): ``ID|col=value|...``."""
    head = pl.col("run_id") if "run_id" in frame.columns else pl.lit(None, dtype=pl.String)
    head = head.fill_null(pl.col("dataset") + ":N=" + pl.col("N").cast(pl.String))
    parts = [pl.lit(f"|{c.removeprefix(EXTRA)}=") + pl.col(c).fill_null("") for c in identity]
    return frame.with_columns(pl.concat_str([head, *parts]).alias("run_id"))


def _checked_compute(raw: _Raw, done: pl.DataFrame, plan: _Plan) -> pl.DataFrame:
    bad = _bad_compute(done)
    if bad is None:
        return done
    if bad["_row"] is None:
        raise NeedsLinesError
    raise _compute_error(raw, bad, plan.columns.columns)


# ----------------------------------------------------------------------------------------------------
# read_runs
# ----------------------------------------------------------------------------------------------------


#: The columns a table may lack and be given one value for (``ingest --dataset NAME``, ``--eval NAME``).
CONSTANT_COLUMNS = ("dataset", "eval")


def _check_constants(opts: ReadOptions) -> None:
    for canon, value in opts.constants.items():
        option = f"--{canon} NAME"
        if canon not in CONSTANT_COLUMNS:
            raise UsageError(
                f"{canon!r} cannot be given one value for every row (only {', '.join(CONSTANT_COLUMNS)})",
                param="constants",
            )
        if not isinstance(value, str) or not value.strip() or value != value.strip():
            raise UsageError(
                f"{option}: {value!r} is no name (empty, or spaces around it)", param="constants"
            )
        if value.lower() in (ALL, OWN):  # (a table's such name is a warning: there, the table is to change)
            meaning = f"every {canon}" if value.lower() == ALL else "each dataset's own eval"
            raise UsageError(
                f"{option}: {value!r} is the keyword the commands read as {meaning}: give another name",
                param="constants",
            )
        if canon in opts.columns:
            raise UsageError(
                f"{canon} given twice: as column {opts.columns[canon]!r} (--column {canon}=…) and as the name "
                f"{value!r} ({option})",
                hint=f"--column reads {canon} from a column; {option} names it for a table without one",
                param="constants",
            )
        if canon == "eval" and opts.wide:
            raise UsageError(
                f"{option} names the eval of a long table without an eval column; a wide table's evals are its "
                "loss columns",
                param="constants",
            )


def _constant_columns(
    raw: _Raw, opts: ReadOptions, mapping: Mapping[str, str], *, several: bool = False
) -> _Raw:
    """``raw`` with the constant columns of ``opts.constants``; a usage error (exit 2) when the file has a column l2l
    reads as one of them already (under an accepted name, or by a ``--column`` mapping stored in the workspace).
    ``several``: the file is one of several in one ingest, where the option names every file's column."""
    if not opts.constants:
        return raw
    for canon, value in opts.constants.items():
        has = next((c for c in raw.columns if schema.canonical_name(c) == canon), None) or mapping.get(canon)
        if has is not None:
            article = "an" if canon == "eval" else "a"
            # (two files whose columns differ, one without an eval column: each refusal pointed at the other's
            # fix, --eval NAME and "leave --eval out"; h50)
            apart = (
                f"; --{canon} names it for every file of one ingest: ingest the files without {article} {canon} column "
                f"alone with --{canon} {value}, then this one with --append"
                if several
                else ""
            )
            raise UsageError(
                f"{raw.path}: the table has {article} {canon} column ({has!r}), so "
                f"--{canon} {value} cannot name the "
                f"{canon} of every row",
                hint=f"leave --{canon} out; to keep the rows of one {canon}, use --where {canon}={value}{apart}",
                param="constants",
            )
    return with_constants(raw, opts.constants)


def _logged_perplexities(
    raw: _Raw, wanted: Mapping[str, str], opts: ReadOptions
) -> tuple[_Raw, dict[str, str]]:
    """``raw`` with its perplexity columns read as losses (``--perplexity``; ``l2l.io.perplexity``), and the
    ``--column`` mapping naming them so."""
    if not opts.perplexity:
        return raw, dict(wanted)
    in_file = {c: s for c, s in wanted.items() if s in raw.columns}
    renames, notes = perplexity_renames(raw.columns, in_file, wide=opts.wide)
    raw = with_logged_perplexities(raw, renames, notes)
    return raw, {c: renames.get(s, s) for c, s in wanted.items()}


def _named_as_in_file(info: dict[str, Any], logged: Mapping[str, str]) -> None:
    """``info``'s column choices naming each perplexity column read as a loss (``--perplexity``) as the file does
    (the report said ``column mapping: loss=loss`` for ``--column loss=val_ppl``)."""
    if not logged:
        return
    back = {new: old for old, new in logged.items()}
    cols = info.get("columns", {})
    if isinstance(cols.get("columns"), dict):
        cols["columns"] = {c: back.get(s, s) for c, s in cols["columns"].items()}
    if isinstance(cols.get("aliases"), dict):
        cols["aliases"] = {back.get(s, s): c for s, c in cols["aliases"].items()}
    if isinstance(info.get("aliases"), dict):
        info["aliases"] = {back.get(s, s): c for s, c in info["aliases"].items()}
    if isinstance(info.get("loss_columns"), dict):
        info["loss_columns"] = {back.get(c, c): ev for c, ev in info["loss_columns"].items()}


def _check_options(opts: ReadOptions) -> None:
    if opts.loss_columns is not None and not opts.wide:
        raise UsageError("a loss-column pattern applies to wide tables only", param="loss_columns")
    _check_constants(opts)
    if opts.run_key and opts.wide:
        raise UsageError(
            "--run-key applies to long tables (a wide table names runs by run_id)", param="run_key"
        )
    try:
        parse_policy(opts.checkpoints)
    except InputError as exc:
        raise UsageError(exc.message, param="checkpoints") from None


def read_runs(
    paths: Path | str | pl.DataFrame | Sequence[object],
    *,
    wide: bool = False,
    loss_columns: str | None = None,
    own_eval: Mapping[str, str] | None = None,
    strict: bool = False,
    columns: Mapping[str, str] | None = None,
    stored_columns: Mapping[str, str] | None = None,
    checkpoints: str = "final",
    accuracy_columns: str | None = None,
    accuracy_only: bool = False,
    where: Sequence[Where | str] = (),
    run_key: Sequence[str] = (),
    best_of: str | Sequence[str] | None = None,
    constants: Mapping[str, str] | None = None,
    accuracy_percent: bool = False,
    accuracy_metric: str | None = None,
    stored_runs: Callable[[], pl.DataFrame] | None = None,
    perplexity: bool = False,
) -> Runs:
    """Read, check and normalise run tables into one canonical ``Runs`` (repeats decided, own evals found).

    ``columns`` maps canonical names (and ``step``) to input columns (``{"N": "non_embedding_params"}``); each
    entry applies to every file that has the column and must match in one file at least. ``stored_columns``
    (a workspace's saved mapping) applies where the column exists, under ``columns``. ``checkpoints`` says which
    checkpoints of a per-step log to keep: ``final`` (each run's last), ``step=K`` or ``all``. Accuracy rows (a
    ``metric`` column, wide columns matching ``accuracy_columns``, or the one column of a long table it matches:
    the accuracy of each row's eval) go to ``Runs.accuracy``; with
    ``accuracy_only`` a table of accuracies alone is read (to add to losses stored earlier). ``where`` filters
    rows (``l2l.io.selection.parse_where``); ``run_key`` names the columns that tell the runs of a per-step log
    apart (else found in the data); ``best_of`` names the column whose best value is kept where several runs
    differ in it at one (dataset, N, D), or several columns: the best combination of their values (a learning rate
    × a batch size). ``constants`` gives the dataset and/or eval of every row of tables that
    have no such column (``{"dataset": "c4", "eval": "c4_val"}``: a plain ``params, tokens, loss`` sweep); a table
    that has one is refused (``UsageError``). ``accuracy_percent``: the accuracies and chance levels are given in
    percent (0-100) and kept as fractions (a table whose accuracies all lie below 1 % so is warned of);
    ``accuracy_metric``: the metric (``acc_norm``) whose rows of a metric column are the accuracies, the rows of other
    scores (``acc``, ``acc_stderr``) left out. ``stored_runs``: the runs a table with run ids but no dataset, N and D
    columns takes them from (``ingest --append``), by run id. ``perplexity``: the columns, metric rows and
    long-table evals whose name says perplexity are read as ln(perplexity), the loss in nats (``l2l.io.perplexity``).

    Raises ``InputError`` (file, line, column) for a table that fails a check, and ``SelectionError`` for an
    ``own_eval`` entry naming a dataset or eval that is not in the tables. One path alone is one table (a bare
    string used to be read letter by letter: "/: unsupported file type").
    """
    if isinstance(where, str):
        where = [where]
    items: Sequence[object]
    if isinstance(paths, (str, Path)) or is_frame(paths):
        items = [paths]
    elif isinstance(paths, (list, tuple)):
        items = paths
    else:
        raise UsageError(
            f"read_runs takes file paths or DataFrames, got {type(paths).__name__}",
            hint="read_runs('runs.csv'), read_runs(['a.csv', 'b.parquet']) or read_runs(frame)",
        )
    frames = sum(not isinstance(p, (str, Path)) for p in items)
    sources: list[Path | str | FrameSource] = []
    for p in items:
        if isinstance(p, (str, Path)):
            sources.append(p)
            continue
        source = frame_source(p, "DataFrame" if frames == 1 else f"DataFrame {len(sources) + 1}")
        if source is None:
            raise UsageError(
                f"read_runs takes file paths or DataFrames, got {type(p).__name__}",
                hint="read_runs('runs.csv'), read_runs(['a.csv', 'b.parquet']) or read_runs(frame)",
            )
        sources.append(source)
    from l2l.io.selection import parse_where

    # the command line's spelling ("dataset=web") is taken too: it raised AttributeError
    filters = (
        *(w for w in where if not isinstance(w, str)),
        *parse_where([w for w in where if isinstance(w, str)]),
    )
    opts = ReadOptions(
        wide,
        loss_columns,
        dict(own_eval or {}),
        strict,
        dict(columns or {}),
        dict(stored_columns or {}),
        checkpoints,
        accuracy_columns,
        accuracy_only,
        filters,
        tuple(run_key),
        (best_of,) if isinstance(best_of, str) else tuple(best_of or ()),
        constants=dict(constants or {}),
        accuracy_percent=accuracy_percent,
        accuracy_metric=accuracy_metric,
        stored_runs=stored_runs,
        perplexity=perplexity,
    )
    if not sources:
        raise UsageError("no input files given")
    _check_options(opts)
    return _read(sources, opts)


def _logged_perplexity_evals(frame: pl.DataFrame, parts: Sequence[_Part]) -> tuple[pl.DataFrame, list[str]]:
    """A long table's evals whose name says perplexity (``lambada_ppl``) as losses (``ingest --perplexity``): their
    values' ln under the eval's loss name (``lambada_loss``), said in a note; a value below 1 is refused at its line.
    An eval whose loss name is an eval of the table already keeps its name (left out as a perplexity after)."""
    from l2l.io.columns import says_perplexity, says_spread
    from l2l.io.perplexity import BELOW_ONE_HINT, below_one, loss_name

    evals = frame.get_column("eval").unique().to_list()
    renames = {  # (not a standard error of one, lambada_ppl_stderr: its log is no loss)
        e: new
        for e in evals
        if says_perplexity(e)
        and says_spread(e) is None
        and (new := loss_name(e)) is not None
        and new not in evals
    }
    if not renames:
        return frame, []
    rows = pl.col("eval").is_in(list(renames))
    low = frame.filter(rows & pl.col("loss").is_finite() & (pl.col("loss") < 1)).head(1)
    if low.height:
        part = parts[int(low["_file"][0])] if "_file" in low.columns else parts[0]
        row = low["_row"][0]
        raise part.raw.error(
            f"eval {quoted(str(low['eval'][0]))}: {below_one(float(low['loss'][0]))}",
            row=None if row is None else int(row),
            column=str(part.info["columns"].get("columns", {}).get("loss", "loss")),
            hint=BELOW_ONE_HINT,
        )
    frame = frame.with_columns(
        pl.when(rows).then(pl.col("loss").log()).otherwise(pl.col("loss")).alias("loss"),
        pl.col("eval").replace(renames).alias("eval"),
    )
    said = some_of([f"{old} → {new}" for old, new in sorted(renames.items())], 6)
    return frame, [f"evals read as ln(perplexity), the loss in nats (--perplexity): {said}"]


def _without_named_non_losses(frame: pl.DataFrame, parts: Sequence[_Part]) -> tuple[pl.DataFrame, list[str]]:
    """The loss rows without those of evals whose name says perplexity (``wikitext_word_perplexity``; not
    ``log_ppl``) or a score (``hellaswag/acc``; not ``arc_acc_ce_loss``), and the warnings that say so: the rule
    of wide columns' names, for a long table's eval names. Values below 13 passed every check: perplexities were
    ranked and predicted as losses with calibrated intervals, and accuracies ranked lower-is-better (a probe's
    worst dataset first) and mixed into Table 1."""
    from l2l.io.columns import perplexity_refusal, says_perplexity, says_score

    evals = frame.get_column("eval").unique().sort().to_list()
    ppl = [e for e in evals if says_perplexity(e)]
    score = [e for e in evals if e not in ppl and says_score(e)]
    if not ppl and not score:
        return frame, []
    kept = frame.filter(~pl.col("eval").is_in([*ppl, *score]))

    def listed(names: Sequence[str]) -> str:
        return some_of([repr(e) for e in names], 7)

    if kept.height == 0:
        what, hint = (
            ("perplexity", perplexity_refusal(ppl[0])[1])
            if ppl
            else (
                "score",
                "give a metric column that says which rows are accuracies (metric=accuracy) beside losses",
            )
        )
        raise InputError(
            f"every loss row is of an eval whose name says {what} ({listed(ppl or score)}): not a loss",
            path=parts[0].raw.path if len(parts) == 1 else None,
            column=str(parts[0].info["columns"].get("columns", {}).get("eval", "eval")) if parts else "eval",
            hint=hint,
        )
    rows = frame.group_by("eval").len()
    count = dict(zip(rows.get_column("eval").to_list(), rows.get_column("len").to_list(), strict=True))
    notes = []
    if ppl:
        notes.append(
            f"warning: left out {sum(count[e] for e in ppl)} rows of {listed(ppl)}: the eval's name says "
            "perplexities, not losses (a law of perplexity is not a law of loss); ingest --perplexity reads them as "
            "ln(perplexity), or give log(perplexity) as the loss under a name that says so (log_ppl, …_loss)"
        )
    if score:
        notes.append(
            f"warning: left out {sum(count[e] for e in score)} rows of {listed(score)}: the eval's name says a "
            "score (an accuracy: higher is better), not a loss; to use them as accuracies give a metric column "
            "that says so (metric=accuracy on those rows, the eval named for its task)"
        )
    return kept, notes


def _fill_blank_splits(frame: pl.DataFrame) -> tuple[pl.DataFrame, list[str]]:
    """A run's rows with a blank split where its other rows (same dataset, N, D and run id) all say one split take
    that split, said in a note: one model was counted in two splits (105 of 96 runs) and `--split sweep` fitted 27
    of its 30 points, without a word (probe p48)."""
    if "split" not in frame.columns or frame.get_column("split").null_count() in (0, frame.height):
        return frame, []
    key = ["dataset", "N", "D", "run_id"]
    said = pl.col("split").drop_nulls()
    known = frame.group_by(key).agg(said.n_unique().alias("_k"), said.first().alias("_said"))
    filled = frame.join(known, on=key, how="left", nulls_equal=True)
    fill = pl.col("split").is_null() & (pl.col("_k") == 1)
    n = int(filled.select(fill.sum()).item())
    if n == 0:
        return frame, []
    first = filled.filter(fill).row(0, named=True)
    out = filled.with_columns(pl.when(fill).then(pl.col("_said")).otherwise(pl.col("split")).alias("split"))
    note = (
        f"{plural(n, 'row')} had a blank split where the same run's other rows say one: given that split (e.g. "
        f"{first['dataset']} at N={first['N']:.3g}, D={first['D']:.3g}, eval {first['eval']!r}: {first['_said']!r})"
    )
    return out.drop("_k", "_said"), [note]


def _refuse_eval_splits(frame: pl.DataFrame, parts: Sequence[_Part]) -> None:
    """Refuse a file whose split column partitions no run: every (dataset, N, D, eval) under each of its values
    (validation and test). The split tells the runs a law is fitted on from those it is tested on; such a column
    holds eval splits, and each model was read as two runs with two losses (two "runs" per model in every split,
    fitted together)."""
    key = ["dataset", "N", "D", "eval"]
    for k, part in enumerate(parts):
        source = part.info["columns"].get("columns", {}).get("split")
        if source is None:
            continue
        rows = frame.filter((pl.col("_file") == k) & pl.col("split").is_not_null())
        values = rows.get_column("split").unique().sort().to_list()
        if len(values) < 2:
            continue
        per = rows.group_by(key).agg(pl.col("split").n_unique().alias("k"))
        if per.height < 2 or not bool((per.get_column("k") == len(values)).all()):
            continue
        shown = some_of([repr(v) for v in values], 5)
        keep = next((v for v in values if "val" in str(v).lower()), values[0])
        raise InputError(
            f"the split column holds eval splits, not a split of the runs: each of the {per.height} measurements "
            f"(dataset, N, D, eval) appears under every one of its values ({shown}), so each model would be read "
            f"as {len(values)} runs",
            path=part.raw.path,
            column=source,
            hint=f"keep one with --where {source}={keep} (l2l's split tells the runs a law is fitted on, sweep, from "
            "those it is tested on); to keep both, write the split into the eval's name (web_val_test) and leave "
            "the split column out",
        )


def _check_stored_mapping(part: _Part, stored: Mapping[str, str], explicit: Mapping[str, str]) -> None:
    """Refuse a file appended to a workspace whose stored ``--column`` mapping it cannot follow, where it would
    take that column from another of its columns instead (``N=non_embedding_params`` stored, an appended file
    with only ``params``: its total counts became N beside the others' non-embedding counts, nothing said). A
    column under the canonical name itself (``N``) is the file's own word and is taken."""
    used = part.info["columns"].get("columns", {})
    for canon, source in stored.items():
        column = used.get(canon)
        if canon in explicit or column is None:
            continue
        if schema.norm_name(column) in (schema.norm_name(source), schema.norm_name(canon)):
            continue
        raise InputError(
            f"the workspace takes {canon} from column {source!r} (stored by an earlier --column "
            f"{canon}={source}), which this file does not have: its {canon} would come from {column!r}",
            path=part.raw.path,
            column=column,
            hint=f"add the column {source!r}, or give --column {canon}={column} if {column!r} counts the same "
            "thing as the stored runs' column",
        )


def _check_mapped(raw: _Raw, explicit: Mapping[str, str], *, wide: bool) -> None:
    """Refuse an explicit mapping of a required column to a column this file does not have, where the file has no
    column for it either: ``--column dataset=c4`` (a name for the dataset, not a column) was "missing column
    'dataset'", which said nothing of the mapping."""
    from l2l.io.columns import resolve_columns

    required = schema.WIDE_REQUIRED if wide else schema.REQUIRED
    norms = {schema.norm_name(c) for c in raw.columns}
    present = {schema.canonical_name(c) for c in raw.columns}
    absent = {
        c: s
        for c, s in explicit.items()
        if c in required and c not in present and s not in raw.columns and schema.norm_name(s) not in norms
    }
    if absent:
        try:
            resolve_columns(raw.columns, (), mapping=absent)
        except InputError as exc:
            raise raw.header_error(_bare(exc), column=exc.column, hint=exc.hint) from None


@dataclass
class _Files:
    """What the files of one ``_read`` gave, before the whole is judged: each file's loss part, the accuracy rows of
    files of accuracies alone (and their provenance), and which ``--column`` mappings and ``--where`` filters some
    file matched."""

    parts: list[_Part]
    acc_parts: list[pl.DataFrame]
    acc_provenance: list[dict[str, Any]]
    matched: set[str]
    matched_where: set[Where]


def _read_files(paths: Sequence[Path | str | FrameSource], opts: ReadOptions) -> _Files:
    """Each file read on its own (``_read_file``): a wide file's accuracy columns split off, a long table's
    accuracy column joined to its rows, perplexities read as losses and filters on them named as the file does."""
    explicit = dict(opts.columns)
    wanted = {**opts.stored_columns, **explicit}
    matched: set[str] = set()
    matched_where: set[Where] = set()
    parts: list[_Part] = []
    acc_parts: list[pl.DataFrame] = []
    acc_provenance: list[dict[str, Any]] = []
    for p in paths:
        if isinstance(p, FrameSource):
            raw = read_frame(p)
        else:
            scanned = _scan_plain(Path(p)) if opts.accuracy_columns is None else None
            raw = scanned or _read_raw(Path(p))
        _check_mapped(raw, explicit, wide=opts.wide)
        in_raw = {schema.norm_name(c) for c in raw.columns}
        raw = _constant_columns(
            raw,
            opts,
            {c: s for c, s in wanted.items() if schema.norm_name(s) in in_raw},
            several=len(paths) > 1,
        )
        raw = stored_run_columns(raw, opts.stored_runs, wanted)
        raw, file_wanted = _logged_perplexities(raw, wanted, opts)
        loss_raw: _Raw | None = raw
        acc: pl.DataFrame | None = None
        acc_info: dict[str, Any] | None = None
        acc_every: pl.DataFrame | None = None
        if opts.wide and opts.accuracy_columns is not None:
            in_file = {
                c: s for c, s in file_wanted.items() if s in raw.columns
            }  # --column reaches accuracy rows too
            matched |= {c for c in in_file if c in explicit}
            loss_raw, acc, acc_info, acc_every = split_wide_accuracy(
                raw, opts.accuracy_columns, in_file, opts.checkpoints, opts.accuracy_percent, opts.where
            )
            if acc is not None and loss_raw is None:  # a file of accuracies alone
                acc_parts.append(acc)
                acc_provenance.append(accuracy_provenance(raw, acc, acc_info or {}, wide=True))
        if loss_raw is None:
            continue
        by_norm = {schema.norm_name(c) for c in loss_raw.columns}
        mapping = {
            c: s for c, s in file_wanted.items() if s in loss_raw.columns or schema.norm_name(s) in by_norm
        }
        matched |= {c for c in mapping if c in explicit}
        long_acc = None
        if _long_with_accuracy(opts):  # a long table's accuracy of each row's eval
            records = loss_raw.frame.height
            long_acc = long_accuracy_column(
                loss_raw, str(opts.accuracy_columns), mapping, opts.accuracy_percent
            )
            loss_raw = long_acc.raw
        # a --where on a perplexity column as the file names it filters the loss read from it (ln of its number)
        wheres, shown = where_on_logged(opts.where, loss_raw.logged)
        try:
            part = _read_file(loss_raw, replace(opts, where=wheres) if shown else opts, mapping)
        except InputError as exc:  # naming a perplexity column as the file does, not the loss read from it
            raise original_column(exc, loss_raw.logged) from None
        except UsageError as exc:  # a --where on such a column, as the user wrote it
            raise as_given(exc, shown, loss_raw.logged) if shown else exc from None
        _named_as_in_file(part.info, loss_raw.logged)
        for key in ("where", "where_unmatched"):
            part.info[key] = [shown.get(w, w) for w in part.info[key]]
        if long_acc is not None:
            part = _with_long_accuracy(part, long_acc, records)
        if acc is not None:  # a wide file's accuracy columns: one file, its losses and accuracies (as long)
            part = _with_wide_accuracy(part, acc, acc_info or {}, acc_every)
        matched_where |= {w for w in opts.where if str(w) in part.info["where"]}
        parts.append(part)
    return _Files(parts, acc_parts, acc_provenance, matched, matched_where)


def _check_matched(files: _Files, opts: ReadOptions) -> None:
    """Refuse a ``--column`` mapping or a ``--where`` filter that no file matched, naming it."""
    from l2l.io.columns import resolve_columns
    from l2l.io.selection import check_where_matched

    explicit = dict(opts.columns)
    parts, matched, matched_where = files.parts, files.matched, files.matched_where
    for part in parts:
        _check_stored_mapping(part, opts.stored_columns, explicit)
    unmatched = {c: s for c, s in explicit.items() if c not in matched}
    if unmatched and parts:
        # raises, naming the column
        resolve_columns(parts[0].raw.columns, (), mapping=unmatched, path=parts[0].raw.path)
    if opts.where:  # (a perplexity column read as a loss named as in the file)
        back = {new: old for old, new in parts[0].raw.logged.items()} if parts else {}
        check_where_matched(
            opts.where, matched_where, [back.get(c, c) for c in parts[0].raw.columns] if parts else []
        )


def _without_loss_rows(
    paths: Sequence[Path | str | FrameSource],
    opts: ReadOptions,
    files: _Files,
    acc_parts: list[pl.DataFrame],
    percent_notes: list[str],
) -> Runs:
    """Where no file gave a loss row: the accuracies to add to losses stored earlier (``--append``), else a refusal
    that says why (the filters left nothing; every row is an accuracy)."""
    parts, acc_provenance = files.parts, files.acc_provenance
    if opts.accuracy_only and acc_parts:  # accuracies added to losses stored earlier
        entries = file_entries([(p.raw, p.info, p.loss.height) for p in parts], {}, wide=opts.wide)
        for entry, part in zip(entries, parts, strict=True):  # its accuracies kept ("kept 0 of 11,235": p64)
            if part.accuracy is not None:
                acc_rows = int(part.info.get("accuracy_rows", part.accuracy.height))
                entry["rows_kept"] = min(acc_rows, _distinct_accuracy(part.accuracy))
                entry["rows_merged"] = acc_rows - entry["rows_kept"]
        if entries:  # said as in one call ("every accuracy lies below 1 %: fractions already?" was lost: p66)
            entries[-1].setdefault("decisions", []).extend(percent_notes)
        return Runs(
            pl.DataFrame(schema=_SCHEMA),
            {},
            tuple(entries) + tuple(acc_provenance),
            {},
            accuracy=accuracy_table(acc_parts),
        )
    if opts.where and not acc_parts:  # the filters left nothing: say so, not "every row is an accuracy"
        raise InputError(
            f"no row passes --where {' '.join(str(w) for w in opts.where)}",
            path=str(paths[0]),
            hint="a glob must match the whole value (dataset=fineweb* keeps fineweb-edu); l2l runs TABLE "
            "lists the datasets and evals",
            param="where",
        )
    # "give losses too" named no command; the one that adds accuracies to stored losses is --append (h57)
    named = " ".join(shlex.quote(str(p)) for p in paths)
    raise InputError(
        "no loss rows: every row is an accuracy",
        path=str(paths[0]),
        hint=f"give losses too: add these accuracies to the losses in the workspace (l2l ingest {named} "
        f"--append), or ingest them beside the loss table (l2l ingest LOSSES {named})",
    )


def _combined(
    nonempty: list[pl.DataFrame], parts: list[_Part], opts: ReadOptions, percent_notes: list[str]
) -> tuple[pl.DataFrame, list[str]]:
    """The files' loss rows as one frame, with what the whole says of them (perplexities, names that are no
    losses, blank splits, accuracies read as losses), its scale checked and, with ``--strict``, no repeats."""
    frame = pl.concat(nonempty, how="diagonal_relaxed").with_columns(
        pl.lit(1, dtype=pl.Int64).alias("n_repeats")
    )
    if opts.perplexity:
        frame, logged_notes = _logged_perplexity_evals(frame, parts)
        percent_notes += logged_notes
        if not logged_notes and not any(p.raw.logged or p.info.get("perplexity_rows") for p in parts):
            percent_notes.append(  # (an option that did nothing was not said)
                "warning: --perplexity read nothing: no column, metric or eval of the tables is named as a "
                "perplexity (val_ppl, eval/c4/ppl, metric perplexity); their losses are read as they are"
            )
    frame, name_notes = _without_named_non_losses(frame, parts)
    name_notes = percent_notes + name_notes
    _refuse_eval_splits(frame, parts)
    frame, split_notes = _fill_blank_splits(frame)
    name_notes += split_notes
    name_notes += _accuracies_as_losses(frame, parts, opts)
    check_scale(frame, [p.raw for p in parts], [p.info["columns"].get("columns", {}) for p in parts])
    if opts.strict:
        counts = frame.select(pl.len().over(REPEAT_KEY).alias("c")).to_series()
        if bool((counts > 1).any()):
            reject_repeats(frame.filter(counts > 1), [p.raw for p in parts])
    return frame, name_notes


def _file_provenance(
    parts: list[_Part],
    averaged: pl.DataFrame,
    after: Mapping[int, int],
    repeats: Repeats,
    facts: _Facts,
    opts: ReadOptions,
) -> list[dict[str, Any]]:
    """Each file's provenance entry: rows kept, merged and left out (accuracies counted as kept where averaged),
    the columns used, and the file's own notes (repeats, parameters, bits, few token counts)."""
    kept = dict(averaged.group_by("_file").len().iter_rows())
    provenance = file_entries([(p.raw, p.info, p.loss.height) for p in parts], kept, wide=opts.wide)
    for k, part in enumerate(parts):
        rows = provenance[k]
        # an accuracy repeated with nothing telling the rows apart is averaged too (counted kept: 100 for 90)
        acc_rows = int(part.info.get("accuracy_rows", 0))
        acc_kept = acc_rows if part.accuracy is None else min(acc_rows, _distinct_accuracy(part.accuracy))
        rows["rows_merged"] = int(after.get(k, 0)) - int(kept.get(k, 0)) + acc_rows - acc_kept
        rows["rows_kept"] = int(kept.get(k, 0)) + acc_kept
        if part.loss.height > after.get(k, 0):
            rows["rows_left_out"] = part.loss.height - int(after.get(k, 0))  # by best_of
    if repeats.columns:
        for entry in provenance:  # the best-of columns are used
            entry["ignored_columns"] = [
                c for c in entry["ignored_columns"] if f"{EXTRA}{c}" not in repeats.columns
            ]
    for entry in provenance:  # the columns whose facts are carried are used
        entry["ignored_columns"] = [c for c in entry["ignored_columns"] if c not in facts.columns]
    if repeats.seeds or repeats.same or repeats.best_of or repeats.apart:
        logs = [p.info["checkpoints"] for p in parts if p.info.get("checkpoints", {}).get("repeated_ends")]
        log = max(logs, key=lambda c: float(c.get("repeated_apart") or 0.0), default=None)
        every = any(p.info.get("checkpoints", {}).get("policy") == "all" for p in parts)
        provenance[-1].setdefault("decisions", []).extend(repeat_notes(repeats, log, every_checkpoint=every))
    for entry, part in zip(provenance, parts, strict=False):
        if params := _parameter_notes(entry.get("ignored_columns", []), part):
            entry.setdefault("decisions", []).extend(params)
        if bits := _bits_note(part):
            entry.setdefault("decisions", []).append(bits)
        if (few := _few_token_counts_note(part)) is not None:
            entry.setdefault("decisions", []).append(few)
        if (stage := _stage_note(entry.get("ignored_columns", []), part)) is not None:
            entry.setdefault("decisions", []).append(stage)
    return provenance


@dataclass(frozen=True)
class _Compute:
    """What a table's C column says: whether it has one (``column``) and gave C on its rows (``given``), the
    ratio by which its C is in other units than FLOPs (``ignored``), or the parameter count other than N that it
    follows (``mismatch``)."""

    column: bool
    given: bool
    ignored: float | None
    mismatch: CountMismatch | None

    @property
    def in_flops(self) -> bool:
        """Whether C is replaced by 6·N·D in FLOPs: a C in other units, or computed with another parameter count."""
        return self.ignored is not None or self.mismatch is not None


def _compute_judged(frame: pl.DataFrame, parts: list[_Part]) -> tuple[pl.DataFrame, _Compute]:
    """The loss rows with the carried columns dropped and C filled (``_synth``), in FLOPs where the table's C is in
    other units or follows another parameter count than N, and what was judged."""
    column = any("C" in p.info["columns"].get("columns", {}) for p in parts)
    given = column and any(p.info.get("c_given", 1) for p in parts)
    # (judged with the columns not used still there: the one whose parameter count C follows is named)
    mismatch = c_count_mismatch(frame, EXTRA) if given else None
    frame = _synth(frame.drop([c for c in frame.columns if c.startswith(EXTRA)]))
    ignored: float | None = None
    if given:  # on every row: averaging repeats keeps one C and would hide a repeat's C in other units
        check_compute_units(frame, parts[0].raw.path if len(parts) == 1 else None)
        ignored = compute_unit_ratio(frame)
    compute = _Compute(column, given, ignored, None if ignored is not None else mismatch)  # (units say more)
    return (_flops(frame) if compute.in_flops else frame), compute


def _repeats_resolved(frame: pl.DataFrame, parts: list[_Part], opts: ReadOptions) -> Repeats:
    """``resolve_repeats`` on the whole table, ``--best-of`` choosing by each dataset's own eval (decided here, on
    every run, by the rules used later); a refusal of the whole table's runs names the table too (probe p63:
    DCLM's did not)."""
    chooser = resolve_own(frame, opts.own_eval)[0] if opts.best_of else None
    try:
        return resolve_repeats(frame, best_of=opts.best_of, own_eval=chooser)
    except InputError as exc:
        if exc.path is not None or not parts:
            raise
        named = some_of([p.raw.path for p in parts], 3)
        raise InputError(exc.message, path=named, hint=exc.hint, param=exc.param) from None


def _accuracies_kept(
    acc_parts: list[pl.DataFrame], parts: list[_Part], frame: pl.DataFrame, repeats: Repeats
) -> list[pl.DataFrame]:
    """The accuracy rows of the runs ``--best-of`` kept, each file's count of them noted in its info."""
    for part in parts:
        if part.accuracy is not None:
            part.info["accuracy_rows"] = follow_best(part.accuracy, frame, repeats.columns).height
    return [follow_best(a, frame, repeats.columns) for a in acc_parts]


def _read(paths: Sequence[Path | str | FrameSource], opts: ReadOptions) -> Runs:
    """The files read one by one (``_read_files``), then judged as a whole: repeats, compute, provenance."""
    files = _read_files(paths, opts)
    parts = files.parts
    _check_matched(files, opts)
    losses = [p.loss.with_columns(pl.lit(k, dtype=pl.Int64).alias("_file")) for k, p in enumerate(parts)]
    nonempty = [f for f in losses if f.height]
    acc_parts = files.acc_parts + [p.accuracy for p in parts if p.accuracy is not None]
    percent_notes = _percent_read(acc_parts) if opts.accuracy_percent else []
    if not nonempty:
        return _without_loss_rows(paths, opts, files, acc_parts, percent_notes)
    frame, name_notes = _combined(nonempty, parts, opts, percent_notes)
    repeats = _repeats_resolved(frame, parts, opts)
    frame = repeats.frame
    diverged = repeats.seed_gap is not None and repeats.seed_gap.diverged > 0
    if (
        (repeats.spread > REPEAT_REFUSED or diverged)
        and not opts.lines
        and frame.get_column("_row").has_nulls()
    ):
        return _read(paths, replace(opts, lines=True))  # (refused below, naming the lines)
    # each file's loss column of each eval, to name where repeats differ or a seed diverged
    loss_columns = [
        {ev: c for c, ev in p.info.get("loss_columns", {}).items()}
        | {"": p.info["columns"].get("columns", {}).get("loss", "loss")}
        for p in parts
    ]
    reject_differing_repeats(frame, repeats, [p.raw for p in parts], loss_columns)
    reject_diverged_seeds(repeats, [p.raw for p in parts], loss_columns)
    if repeats.columns:  # the accuracies of the runs kept
        acc_parts = _accuracies_kept(acc_parts, parts, frame, repeats)
    after = dict(frame.group_by("_file").len().iter_rows())  # loss rows per file once repeats were decided
    repeated = repeated_data_notes(frame, EXTRA)
    facts = _dataset_facts(frame)
    frame, compute = _compute_judged(frame, parts)
    if compute.in_flops:  # the accuracies and checkpoints too
        acc_parts = [_flops(a) for a in acc_parts]
        for part in parts:
            part.every = None if part.every is None else _flops(part.every)
    scatter = {"loss": seed_scatter(frame, "loss", log=True)}
    averaged = _average(frame.drop("seed"))
    far = far_value_notes(averaged, [p.raw for p in parts])
    if far and not opts.lines and averaged.get_column("_row").has_nulls():
        return _read(paths, replace(opts, lines=True))  # (the warning names the lines)
    provenance = _file_provenance(parts, averaged, after, repeats, facts, opts)
    canon = _canonical(averaged)
    own, how, ambiguous = resolve_own(canon, opts.own_eval)
    if ambiguous and provenance:
        provenance[-1]["own_eval_ambiguous"] = ambiguous
    provenance[-1].setdefault("decisions", []).extend(
        name_notes
        + table_notes(
            canon,
            own,
            how,
            given_c=compute.given,
            c_ignored=compute.ignored,
            c_column=compute.column,
            c_mismatch=compute.mismatch,
            compute_unused=[c for e in provenance for c in e.get("ignored_columns", []) if says_compute(c)],
        )
        + far
        + repeated
        + tokenizer_notes(facts.tokenizers, canon.get_column("eval").unique().sort().to_list())
    )
    if acc_parts:
        scatter["accuracy"] = seed_scatter(
            pl.concat(acc_parts, how="diagonal_relaxed"), "accuracy", log=False
        )
    if any(scatter.values()):
        provenance[-1]["seed_scatter"] = scatter
    if files.acc_provenance:
        provenance.extend(files.acc_provenance)
    every = [p.every for p in parts if p.every is not None]
    return Runs(
        canon,
        own,
        tuple(provenance),
        how,
        accuracy=accuracy_table(acc_parts),
        checkpoints=every_table(every),
        tokenizers=facts.tokenizers,
        unique_tokens=facts.unique_tokens,
    )


@dataclass(frozen=True)
class _Facts:
    """The per-dataset facts carried past ingest (``l2l.io.dataset_facts``), and the columns they came from."""

    tokenizers: dict[str, str]
    unique_tokens: dict[str, float]
    columns: tuple[str, ...]


def _dataset_facts(frame: pl.DataFrame) -> _Facts:
    return _Facts(
        dataset_tokenizers(frame, EXTRA),
        dataset_unique_tokens(frame, EXTRA),
        tuple(carried_columns(frame, EXTRA)),
    )


def _with_wide_accuracy(
    part: _Part, acc: pl.DataFrame, acc_info: Mapping[str, Any], acc_every: pl.DataFrame | None
) -> _Part:
    """A wide file's loss part with its accuracy rows, counted in its one provenance entry as a long table's
    metric column counts them (rows read and kept, by metric); a per-step export's every-checkpoint losses
    with its every-checkpoint accuracies (``_Part.every``), as a long log's."""
    info = dict(part.info)
    every = part.every
    if acc_every is not None and every is not None:
        every = pl.concat([every, acc_every.select(every.columns)], how="vertical_relaxed")
    read = int(acc_info.get("rows_read", acc.height))
    info["rows_read"] = int(info["rows_read"]) + read
    # its NaN accuracy cells read and rejected, as its NaN loss cells are (they were counted neither)
    info["rows_rejected"] = int(info["rows_rejected"]) + int(acc_info.get("rows_rejected", 0))
    if acc_info.get("rows_nan"):
        info["rows_nan"] = int(info.get("rows_nan", 0)) + int(acc_info["rows_nan"])
    info["accuracy_rows"] = acc.height
    for key in ("rows_checkpoints_accuracy", "rows_where_accuracy"):  # (values left out: counted, said)
        if acc_info.get(key):
            info[key] = int(acc_info[key])
    info["accuracy_columns"] = dict(acc_info.get("accuracy_columns", {}))
    info["accuracy_notes"] = list(acc_info.get("accuracy_notes", []))
    return replace(part, accuracy=acc, info=info, every=every)


def _with_long_accuracy(part: _Part, long_acc: LongAccuracy, records: int) -> _Part:
    """A long table's part read through its accuracy column (``long_accuracy_column``): its accuracy column and
    lines, its blank loss cells counted read and rejected and its NaN accuracies named (``_skip_long_nan``), as a
    wide export's are."""
    info = dict(part.info)
    info.update(accuracy_column=long_acc.column, records=records)
    info["rows_read"] = int(info["rows_read"]) + long_acc.empty
    info["rows_rejected"] = int(info["rows_rejected"]) + long_acc.empty
    if nan := int(info.pop("accuracy_nan", 0)):
        runs = {long_acc.column: list(info.pop("accuracy_nan_runs", []))}
        note = nan_accuracy_note({long_acc.column: nan}, runs)
        info["accuracy_notes"] = [*info.get("accuracy_notes", []), note]
    return replace(part, info=info)


def _distinct_accuracy(acc: pl.DataFrame) -> int:
    """How many accuracy rows one file's become once repeats are averaged (``accuracy_table``)."""
    return _synth(acc).select(AVERAGE_KEY).unique().height


def _flops(frame: pl.DataFrame) -> pl.DataFrame:
    """C = 6·N·D in every row (a table's C column in other units, not used)."""
    return frame.with_columns((6.0 * pl.col("N") * pl.col("D")).alias("C"))


def _synth(frame: pl.DataFrame) -> pl.DataFrame:
    from l2l.io.values import _synth_run_ids

    return _synth_run_ids(frame)
