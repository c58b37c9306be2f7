"""Reading run tables into the canonical long table, with every input check.

``read_runs`` is pure: files in, a ``Runs`` out, or an ``InputError`` naming the file, line and column of the
first problem. Text formats are read as strings and parsed here, so each bad value is traced to its line.

Per file: columns chosen (``l2l.io.columns``: explicit mapping, canonical over alias; a wide table's loss columns
by pattern or detected), values checked and converted, a wide table unpivoted, then a per-step log's checkpoints
selected (``l2l.io.checkpoints``) before run ids are synthesised and repeats averaged. Files are read by
``l2l.io.readers`` (within the limits of ``l2l.io.limits``); every number is checked to lie in ``[_LO, _HI]``,
C = 6·N·D included. A plain CSV/TSV is scanned
lazily by polars (a per-step log of millions of rows is never held whole; its values are checked in the pass
that finds the checkpoints); when any check fails, the careful line-by-line reader reads the file again, so every
error names its line either way.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, SelectionError, UsageError
from l2l.base.runs import ALL, REPEAT_KEY, Runs, resolve_name
from l2l.base.text import fmt_sig, utc_now
from l2l.io.checkpoints import CheckpointReport
from l2l.io.columns import ColumnPlan
from l2l.io.readers import SUPPORTED_EXTENSIONS, _fmt_lines, _Raw, _read_raw, _scan_plain

__all__ = ["SUPPORTED_EXTENSIONS", "read_runs"]

_DTYPES: dict[str, type[pl.DataType]] = {"String": pl.String, "Float64": pl.Float64, "Int64": pl.Int64}
_SCHEMA = {name: _DTYPES[dt] for name, dt in schema.DTYPES.items()}


# ----------------------------------------------------------------------------------------------------
# Parsing columns
# ----------------------------------------------------------------------------------------------------


def _blank_to_null(s: pl.Series) -> pl.Series:
    """Strings stripped, empty ones null."""
    if s.dtype != pl.String:
        s = s.cast(pl.String)
    v = pl.col("v").str.strip_chars()
    return (
        s.to_frame("v").select(pl.when(v.str.len_bytes() == 0).then(None).otherwise(v).alias("v")).to_series()
    )


def _first(mask: pl.Series) -> int | None:
    idx = mask.arg_true()
    return int(idx[0]) if idx.len() else None


def _numeric(raw: _Raw, col: str, canon: str, *, required: bool) -> pl.Series:
    """A column of ``raw`` as Float64, checked: parseable (units on N/D/C), finite, and for N, D, C and loss in
    ``[_LO, _HI]``."""
    if col in raw.bad:
        raise raw.error(raw.bad[col][1], row=raw.bad[col][0][0], column=col)
    s = raw.frame.get_column(col)
    if s.dtype == pl.Null:
        s = s.cast(pl.String)
    if s.dtype == pl.String:
        text = _blank_to_null(s)
        num = text.cast(pl.Float64, strict=False)
        failed = num.is_null() & text.is_not_null()
        if failed.any():
            idx = failed.arg_true().to_list()
            values: list[float] = []
            for i, value in zip(idx, text.gather(idx).to_list(), strict=True):
                try:
                    if canon not in schema.UNIT_COLUMNS:
                        raise ValueError
                    values.append(schema.parse_quantity(value))
                except schema.UnitError:
                    raise raw.error(
                        f"unknown unit suffix in {value!r} (accepted: K, M, B or G, T; e.g. 3.3B)",
                        row=i,
                        column=col,
                    ) from None
                except ValueError:
                    raise raw.error(f"not a number: {value!r}", row=i, column=col) from None
            num = num.scatter(idx, values)
    elif s.dtype.is_numeric():
        text = s.cast(pl.String)
        num = s.cast(pl.Float64)
    else:
        raise InputError(f"expected numbers, found {s.dtype} values", path=raw.path, column=col)
    _check_numbers(raw, num, text, col, canon, required=required)
    return num.alias(canon)


def _check_numbers(
    raw: _Raw, num: pl.Series, text: pl.Series, col: str, canon: str, *, required: bool
) -> None:
    """The checks of ``_numeric`` on parsed values (``text``: as written, for the message)."""
    if required and (i := _first(num.is_null())) is not None:
        raise raw.error(f"missing value ({canon} is required)", row=i, column=col)
    if (i := _first(num.is_not_null() & ~num.is_finite())) is not None:
        raise raw.error(f"not a finite number: {text[i]!r}", row=i, column=col)
    if canon in schema.POSITIVE and (i := _first(num <= 0)) is not None:
        raise raw.error(f"{canon} must be > 0, got {text[i]!r}", row=i, column=col)
    if canon in schema.POSITIVE and (i := _first(num.is_not_null() & _out_of_range(num))) is not None:
        raise raw.error(f"{canon} must be between {_RANGE}, got {text[i]!r}", row=i, column=col)


#: The range of every N, D, C (given or 6·N·D) and loss: far beyond any model, and far from float overflow.
_LO, _HI = 1e-30, 1e30
_RANGE = "1e-30 and 1e30"


def _out_of_range(x: pl.Expr | pl.Series) -> Any:
    """True where a positive quantity is outside ``[_LO, _HI]`` (≤ 0 included)."""
    return (x < _LO) | (x > _HI)


def _text(raw: _Raw, col: str, canon: str, *, required: bool) -> pl.Series:
    """A column of names: text (an NDJSON object or array is refused, as is a NUL byte), blanks null."""
    if col in raw.bad:
        raise raw.error(raw.bad[col][1], row=raw.bad[col][0][0], column=col)
    s = raw.frame.get_column(col)
    if s.dtype.is_nested():
        raise InputError(f"expected text, found {s.dtype} values", path=raw.path, column=col)
    out = _blank_to_null(s)
    if required and (i := _first(out.is_null())) is not None:
        raise raw.error(f"missing value ({canon} is required)", row=i, column=col)
    if (i := _first(out.str.contains("\x00", literal=True).fill_null(False))) is not None:
        raise raw.error(f"a NUL byte in a name: {str(out[i])!r}", row=i, column=col)
    return out.alias(canon)


# ----------------------------------------------------------------------------------------------------
# Raw table → long rows
# ----------------------------------------------------------------------------------------------------


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """An fnmatch-style glob as a regex with one group per ``*`` (so the eval name can be taken from it)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    while i < n:
        c = pattern[i]
        i += 1
        if c == "*":
            out.append("(.*)")
        elif c == "?":
            out.append(".")
        elif c == "[":
            j = i + 1 if i < n and pattern[i] in "!]" else i
            j = pattern.find("]", j)
            if j == -1:
                out.append(re.escape(c))
            else:
                body = pattern[i:j].replace("\\", "\\\\")
                out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
                i = j + 1
        else:
            out.append(re.escape(c))
    return re.compile("(?s:" + "".join(out) + r")\Z")


def _map_columns(
    raw: _Raw, wanted: Sequence[str], mapping: Mapping[str, str] | None = None
) -> dict[str, str]:
    """canonical name → the file's column for it, for the canonical columns in ``wanted`` (the rules of
    ``l2l.io.columns.resolve_columns``: ``mapping`` (``--column``) first, then a canonically named column wins over
    an alias; two aliases are refused)."""
    from l2l.io.columns import resolve_columns

    given = {c: s for c, s in (mapping or {}).items() if c in wanted and s in raw.columns}
    try:
        plan = resolve_columns(raw.columns, wanted, mapping=given)
    except InputError as exc:
        raise raw.header_error(_bare(exc), column=exc.column, hint=exc.hint) from None
    return {c: src for c, src in plan.columns.items() if c != "step"}


def _require(raw: _Raw, mapping: Mapping[str, str], required: Sequence[str], *, wide: bool) -> None:
    missing = [c for c in required if c not in mapping]
    if not missing:
        return
    found = ", ".join(repr(c) for c in raw.columns)
    parts = [f"{c!r} (accepted names: {', '.join(schema.accepted_names(c))})" for c in missing]
    hint = None
    if not wide and {"eval", "loss"} & set(missing) and {"dataset", "N", "D"} <= set(mapping):
        hint = "if the table has one column per eval (one row per run), read it as a wide table"
    raise raw.header_error(
        f"missing column{'s' if len(missing) > 1 else ''} {'; '.join(parts)}; found {found}",
        column=missing[0],
        hint=hint,
        param="wide" if hint else None,
    )


@dataclass(frozen=True)
class _Conv:
    """One input column to check and convert: ``src`` (as in the file) → ``out``, as text or numbers."""

    src: str
    out: str
    canon: str
    numeric: bool
    required: bool


def _typed_eager(raw: _Raw, convs: Sequence[_Conv]) -> pl.LazyFrame:
    """The converted columns (plus ``_row``), each value checked; an InputError names the first bad one."""
    cols = [
        (_numeric if c.numeric else _text)(raw, c.src, c.canon, required=c.required).alias(c.out)
        for c in convs
    ]
    return pl.DataFrame(cols).with_row_index("_row").lazy()


def _typed_scan(  # noqa: C901 - check by check, then unit suffixes
    raw: _Raw, scan: pl.LazyFrame, convs: Sequence[_Conv], rows: bool = True
) -> tuple[pl.LazyFrame, int] | None:
    """The converted columns of a scanned file, lazily, and its row count; None when some value fails a check
    (the careful reader then reads the file and names the line). One streaming pass checks every column; unit
    suffixes (``3.3B``) cost a second pass over the columns that have them."""

    def text(src: str) -> pl.Expr:
        t = pl.col(src).str.strip_chars()
        return pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)

    typed = _typed_fast(raw, convs, rows)
    if typed is not None:
        return typed

    units: dict[str, dict[str, float]] = {}
    for _attempt in range(2):
        exprs: list[pl.Expr] = []
        checks: list[pl.Expr] = [pl.len().alias("_rows")]
        for i, c in enumerate(convs):
            t = text(c.src)
            if not c.numeric:
                e = t
                if c.required:
                    checks.append(e.is_null().any().alias(f"{i}:missing"))
            else:
                e = t.cast(pl.Float64, strict=False)
                if c.src in units:
                    e = pl.coalesce(e, t.replace_strict(units[c.src], default=None, return_dtype=pl.Float64))
                checks.append((e.is_null() & t.is_not_null()).any().alias(f"{i}:failed"))
                if c.required:
                    checks.append(t.is_null().any().alias(f"{i}:missing"))
                checks.append((e.is_not_null() & ~e.is_finite()).any().alias(f"{i}:nonfinite"))
                if c.canon in schema.POSITIVE:
                    checks.append(_out_of_range(e).any().alias(f"{i}:nonpositive"))
            exprs.append(e.alias(c.out))
        try:
            found = scan.select(checks).collect(engine="streaming").row(0, named=True)
        except pl.exceptions.PolarsError:
            return None
        bad = {k for k, v in found.items() if k != "_rows" and v}
        if not bad:
            return _with_rows(scan, rows).select("_row", *exprs), int(found["_rows"])
        failed = [convs[int(k.split(":")[0])] for k in bad if k.endswith(":failed")]
        if units or len(failed) != len(bad) or any(c.canon not in schema.UNIT_COLUMNS for c in failed):
            return None
        for c in failed:  # numbers with unit suffixes: parse each distinct text once
            t = text(c.src)
            values = scan.select(
                t.filter(t.cast(pl.Float64, strict=False).is_null() & t.is_not_null()).unique()
            )
            mapping: dict[str, float] = {}
            for v in values.collect(engine="streaming").to_series().to_list():
                try:
                    mapping[v] = schema.parse_quantity(v)
                except ValueError:
                    return None
            units[c.src] = mapping
    return None


def _bare(exc: InputError) -> str:
    """An InputError's message without the ``path, line, column: `` it was prefixed with."""
    where = [str(x) for x in (exc.path,) if x is not None]
    where += [f"line {exc.line}"] if exc.line is not None else []
    where += [f"column {exc.column!r}"] if exc.column is not None else []
    prefix = ", ".join(where) + ": "
    return exc.message[len(prefix) :] if where and exc.message.startswith(prefix) else exc.message


def _with_rows(scan: pl.LazyFrame, rows: bool) -> pl.LazyFrame:
    """``_row`` numbered, or null when no message will need a row's line (numbering costs a scan much time)."""
    if rows:
        return scan.with_row_index("_row")
    return scan.with_columns(pl.lit(None, dtype=pl.UInt32).alias("_row"))


def _float_scan(raw: _Raw, convs: Sequence[_Conv]) -> pl.LazyFrame:
    """The scanned file with its numeric columns parsed as floats by the CSV reader (text columns as text)."""
    return pl.scan_csv(
        raw.path,
        separator=raw.separator,
        infer_schema=False,
        has_header=True,
        quote_char=None,
        schema_overrides=dict.fromkeys({c.src for c in convs if c.numeric}, pl.Float64),
    )


def _checked_checkpoints(
    raw: _Raw, convs: Sequence[_Conv], rows: bool, policy: str, step: str | None, d_source: str | None
) -> tuple[pl.LazyFrame | pl.DataFrame, CheckpointReport | None] | None:
    """A scanned per-step log's checkpoints, with the value checks made in the detection pass (so they cost no
    pass of their own over millions of rows). None when that cannot be done: no step column, a value that is
    not a plain number, padded text, or any failed check; the caller then takes the checked route."""
    from l2l.io.checkpoints import TOKENS_SEEN_NAMES, apply_checkpoints_checked

    if step is None and (d_source is None or schema.norm_name(d_source) not in TOKENS_SEEN_NAMES):
        return None
    exprs: list[pl.Expr] = []
    checks: list[pl.Expr] = []
    for c in convs:
        e = pl.col(c.out)
        if not c.numeric:
            checks.append((e.str.strip_chars().str.len_bytes() != e.str.len_bytes()).any())
        if c.required:
            checks.append(e.is_null().any())
        if c.numeric:
            checks.append((e.is_not_null() & ~e.is_finite()).any())
            if c.canon in schema.POSITIVE:
                checks.append(_out_of_range(e).any())
        exprs.append(pl.col(c.src).alias(c.out))
    lf = _with_rows(_float_scan(raw, convs), rows).select("_row", *exprs)
    try:
        out, ckpt, failed = apply_checkpoints_checked(
            lf, policy, checks=checks, step_column=step, d_source=d_source, path=raw.path
        )
    except pl.exceptions.PolarsError:
        return None
    if failed is None or any(failed):
        return None
    return out, ckpt


def _typed_fast(raw: _Raw, convs: Sequence[_Conv], rows: bool) -> tuple[pl.LazyFrame, int] | None:
    """``_typed_scan`` with the numeric columns parsed by the CSV reader itself (the common case, and much the
    fastest); None when some number does not parse as a plain float or some value fails a check."""
    scan = _float_scan(raw, convs)
    exprs: list[pl.Expr] = []
    checks: list[pl.Expr] = [pl.len().alias("_rows")]
    padded: list[int] = []
    for i, c in enumerate(convs):
        e = pl.col(c.src)
        if not c.numeric:
            t = e.str.strip_chars()
            checks.append((t.str.len_bytes() != e.str.len_bytes()).any().alias(f"{i}:padded"))
            e = pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)
            padded.append(i)
        if c.required:
            checks.append(e.is_null().any().alias(f"{i}:missing"))
        if c.numeric:
            checks.append((e.is_not_null() & ~e.is_finite()).any().alias(f"{i}:nonfinite"))
            if c.canon in schema.POSITIVE:
                checks.append(_out_of_range(e).any().alias(f"{i}:nonpositive"))
        exprs.append(e.alias(c.out))
    try:
        found = scan.select(checks).collect(engine="streaming").row(0, named=True)
    except pl.exceptions.PolarsError:
        return None
    if any(v for k, v in found.items() if k != "_rows" and not k.endswith(":padded")):
        return None
    for i in padded:  # text without surrounding blanks is taken as it is (empty fields are already null)
        if not found[f"{i}:padded"]:
            exprs[i] = pl.col(convs[i].src).alias(convs[i].out)
    return _with_rows(scan, rows).select("_row", *exprs), int(found["_rows"])


@dataclass(frozen=True)
class _Plan:
    """What ``_plan`` chose for one file (see ``_to_long``)."""

    columns: ColumnPlan
    step: str | None
    losses: dict[str, str]  # wide: input column → eval
    left_out: dict[str, str]  # wide: candidate column → why it is not a loss


def _plan(raw: _Raw, *, wide: bool, loss_columns: str | None, mapping: Mapping[str, str]) -> _Plan:
    """Which input column is which: canonical columns (explicit mapping, canonical over alias), the step column,
    and a wide table's loss columns (a glob, or detected by name and value range)."""
    from l2l.io.checkpoints import find_step_column
    from l2l.io.columns import detect_loss_columns, resolve_columns

    names = raw.columns
    wanted = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL) if wide else (*schema.REQUIRED, *schema.OPTIONAL)
    required = schema.WIDE_REQUIRED if wide else schema.REQUIRED
    present = {schema.canonical_name(c) for c in names} | set(mapping)
    try:
        plan = resolve_columns(names, wanted, required=required, mapping=mapping)
    except InputError as exc:
        message = _bare(exc)
        hint, param = exc.hint, None
        looks_wide = {"eval", "loss"} - present and {"dataset", "N", "D"} <= present
        if message.startswith("missing column") and not wide and looks_wide:
            hint = "if the table has one column per eval (one row per run), read it as a wide table"
            param = "wide"
        raise raw.header_error(message, column=exc.column, hint=hint, param=param) from None
    used = set(plan.columns.values())
    step = plan.step or find_step_column([c for c in names if c not in used])
    if not wide:
        return _Plan(plan, step, {}, {})
    other = {k: c for c in names if c not in used and (k := schema.canonical_name(c)) in ("eval", "loss")}
    if "eval" in other and "loss" in other and loss_columns is None:
        raise raw.header_error(
            f"a wide table has one column per eval, but this one has an eval column ({other['eval']!r}) "
            f"and a loss column ({other['loss']!r})",
            hint="this looks like a long table: read it as one",
            param="wide",
        )
    candidates = [c for c in names if c not in used and c != step]
    if loss_columns is not None:
        rx = _glob_regex(loss_columns)
        chosen = [c for c in candidates if rx.match(c)]
        if not chosen:
            raise raw.header_error(
                f"the loss-column pattern {loss_columns!r} matches no column (columns besides the ids: "
                f"{', '.join(repr(c) for c in candidates) or 'none'})",
                param="loss_columns",
            )
        losses: dict[str, str] = {}
        for c in chosen:
            m = rx.match(c)
            assert m is not None
            losses[c] = m.group(1) if rx.groups == 1 and m.group(1) else c
        left = {c: "does not match the loss-column pattern" for c in candidates if c not in losses}
    else:
        try:
            found = detect_loss_columns(raw.lazy(), candidates)
        except InputError as exc:
            raise raw.header_error(_bare(exc), hint=exc.hint, param="loss_columns") from None
        losses = dict(found.kept)
        left = {x.column: x.reason for x in found.left_out}
    by_eval: dict[str, str] = {}
    for c, ev in losses.items():
        if ev in by_eval:
            raise raw.header_error(f"columns {by_eval[ev]!r} and {c!r} both give eval {ev!r}", column=c)
        by_eval[ev] = c
    return _Plan(plan, step, losses, left)


def _to_long(  # noqa: C901 - the scanned and the careful route, long and wide
    raw: _Raw,
    *,
    wide: bool,
    loss_columns: str | None,
    mapping: Mapping[str, str] | None = None,
    checkpoints: str = "final",
    rows: bool = True,
) -> tuple[pl.DataFrame, dict[str, Any], _Raw]:
    """The file's rows as canonical long rows (plus ``seed`` and ``_row``), what was done to get them, and the
    reading the rows' line numbers refer to (a scanned file that fails a check is read again, carefully).
    ``rows=False``: a scanned file's ``_row`` is left null (only strict reading names the lines of repeats).

    In order: columns chosen (``_plan``), values checked and converted, a wide table unpivoted (empty loss cells
    dropped), then a per-step log's checkpoints selected (``l2l.io.checkpoints``) before anything is averaged.
    """
    from l2l.io.checkpoints import apply_checkpoints

    plan = _plan(raw, wide=wide, loss_columns=loss_columns, mapping=mapping or {})
    cols = plan.columns.columns
    order = ("dataset", "split", "run_id", "seed", "N", "D", "C") + (() if wide else ("eval", "loss"))
    numeric = {"N", "D", "C", "loss"}
    convs = [
        _Conv(cols[c], c, c, c in numeric, c in (*schema.REQUIRED, "dataset") and c != "C")
        for c in order
        if c in cols
    ]
    if plan.step is not None:
        convs.append(_Conv(plan.step, plan.step, "step", True, False))
    convs += [_Conv(c, ev, "loss", True, False) for c, ev in plan.losses.items()]
    folded = None
    if raw.scan is not None and not wide:
        folded = _checked_checkpoints(raw, convs, rows, checkpoints, plan.step, cols.get("D"))
    typed = None
    if folded is None and raw.scan is not None:
        typed = _typed_scan(raw, raw.scan, convs, rows)
        if typed is None:
            raw = _read_raw(Path(raw.path))  # the careful reader names the line of the first bad value
    records: int | None = None
    if folded is not None:
        lf = pl.LazyFrame()
    elif typed is None:
        lf, records = _typed_eager(raw, convs), raw.frame.height
    else:
        lf, records = typed
    info: dict[str, Any] = {
        "records": records,
        "aliases": dict(plan.columns.aliases),
        "columns": plan.columns.to_dict(),
        "ignored_columns": [e.name for e in plan.columns.extras if e.name != plan.step],
    }
    rows_rejected = 0
    if wide:
        evals = list(plan.losses.values())
        index = [c for c in lf.collect_schema().names() if c not in evals]
        long = lf.unpivot(on=evals, index=index, variable_name="eval", value_name="loss").sort(
            "_row", maintain_order=True
        )
        counts = long.select(pl.len(), pl.col("loss").null_count()).collect()
        rows_all, empty = (int(v) for v in counts.row(0))
        if empty == rows_all:
            raise raw.header_error("every loss cell is empty")
        rows_rejected = empty
        lf = long.filter(pl.col("loss").is_not_null())
        info.update(
            loss_columns=plan.losses,
            loss_columns_detected=loss_columns is None,
            loss_columns_left_out=plan.left_out,
            ignored_columns=[c for c in plan.left_out if c != plan.step],
        )
    if folded is None:
        out, ckpt = apply_checkpoints(
            lf, checkpoints, step_column=plan.step, d_source=cols.get("D"), path=raw.path
        )
    else:
        out, ckpt = folded
    frame = out.collect(engine="streaming") if isinstance(out, pl.LazyFrame) else out
    if plan.step is not None and plan.step in frame.columns:
        frame = frame.drop(plan.step)
    read = ckpt.rows_in if ckpt is not None else frame.height
    info.update(rows_read=read + rows_rejected, rows_rejected=rows_rejected)
    if info["records"] is None:
        info["records"] = read
    if ckpt is not None:
        info["checkpoints"] = {**ckpt.to_dict(), "describe": ckpt.describe()}
    elif plan.step is not None:  # a step column with one checkpoint per run is just a column not used
        names = raw.columns
        info["ignored_columns"] = sorted({*info["ignored_columns"], plan.step}, key=names.index)
    done = _complete(frame)
    bad = _bad_compute(done)
    if bad is not None and bad["_row"] is None and raw.scan is not None:  # the careful reader names the line
        return _to_long(
            _read_raw(Path(raw.path)),
            wide=wide,
            loss_columns=loss_columns,
            mapping=mapping,
            checkpoints=checkpoints,
        )
    if bad is not None:
        raise _compute_error(raw, bad, cols)
    return done, info, raw


def _bad_compute(frame: pl.DataFrame) -> dict[str, Any] | None:
    """The first row whose C (6·N·D where no C was given) is not finite or outside ``[_LO, _HI]``, else None."""
    c = pl.col("C")
    idx = frame.select((~c.is_finite() | _out_of_range(c)).arg_true()).to_series()
    return frame.row(int(idx[0]), named=True) if idx.len() else None


def _compute_error(raw: _Raw, r: dict[str, Any], cols: Mapping[str, str]) -> InputError:
    """C out of range is only ever derived (a C given is checked as read): blame the larger of N and D."""
    blame = "N" if r["N"] >= r["D"] else "D"
    return raw.error(
        f"C = 6·N·D = {r['C']:.3g} is not between {_RANGE} (N={r['N']:.3g}, D={r['D']:.3g})",
        row=r["_row"],
        column=cols.get(blame, blame),
    )


def _complete(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the optional canonical columns missing (C = 6·N·D, run_id synthesised, split/seed null)."""
    n, d = pl.col("N"), pl.col("D")
    if "C" not in frame.columns:
        frame = frame.with_columns((6.0 * n * d).alias("C"))
    else:
        frame = frame.with_columns(pl.col("C").fill_null(6.0 * n * d))
    for name in ("split", "seed", "run_id"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    return frame.select(
        "dataset",
        "N",
        "D",
        "C",
        "eval",
        pl.col("loss").cast(pl.Float64),
        "run_id",
        "split",
        "seed",
        pl.col("_row").cast(pl.Int64),
    )


def _synth_run_ids(frame: pl.DataFrame) -> pl.DataFrame:
    missing = frame.filter(pl.col("run_id").is_null())
    if missing.height == 0:
        return frame
    triples = missing.select("dataset", "N", "D").unique()
    ids = triples.with_columns(
        pl.Series("_synth", [schema.synth_run_id(*t) for t in triples.iter_rows()], dtype=pl.String)
    )
    return (
        frame.join(ids, on=["dataset", "N", "D"], how="left", maintain_order="left", nulls_equal=True)
        .with_columns(pl.col("run_id").fill_null(pl.col("_synth")))
        .drop("_synth")
    )


def _average(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows with equal (dataset, N, D, eval, split) become one: loss weighted by n_repeats, first run_id/C."""
    w = pl.col("n_repeats")
    extra = [c for c in frame.columns if c.startswith("_")]
    return frame.group_by(REPEAT_KEY, maintain_order=True).agg(
        pl.col("C").first(),
        ((pl.col("loss") * w).sum() / w.sum()).alias("loss"),
        pl.col("run_id").first(),
        w.sum(),
        *[pl.col(c).first() for c in extra],
    )


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(_SCHEMA[c]) for c in schema.COLUMNS]).sort(
        ["dataset", "eval", "N", "D", "split", "run_id"], nulls_last=False, maintain_order=True
    )


# ----------------------------------------------------------------------------------------------------
# Own evals
# ----------------------------------------------------------------------------------------------------


def _evals_by_dataset(frame: pl.DataFrame) -> dict[str, list[str]]:
    g = frame.group_by("dataset").agg(pl.col("eval").unique().sort())
    return {d: list(e) for d, e in g.iter_rows()}


def _detect_own(dataset: str, evals: Sequence[str]) -> tuple[str | None, str, list[str]]:
    """(own eval or None, how, ambiguous candidates) for one dataset by the naming rules."""
    trains = [e for e in evals if e.strip().lower() == "train"]
    if len(trains) == 1:
        return trains[0], "train", []
    target = schema.norm_dataset_for_match(dataset)
    scored = [(len(k), e) for e in evals if (k := schema.norm_eval_for_match(e)) and target.startswith(k)]
    if not scored:
        return None, "", []
    best = max(s for s, _ in scored)
    top = sorted(e for s, e in scored if s == best)
    if len(top) > 1:
        return None, "", top
    return top[0], "detected", []


def _own_for_all(name: str, by_ds: Mapping[str, Sequence[str]]) -> dict[str, str]:
    """``all=EVAL``: every dataset's own eval is EVAL (a unique prefix of one of its evals)."""
    own = {}
    for ds, evals in by_ds.items():
        try:
            own[ds] = resolve_name(name, evals, "eval")
        except SelectionError:
            raise SelectionError(
                f"own eval all={name}: no eval {name!r} measured on {ds} (evals: {', '.join(evals)})",
                param="own_eval",
            ) from None
    return own


def _resolve_own(
    frame: pl.DataFrame, explicit: Mapping[str, str], pinned: Mapping[str, tuple[str, str]] | None = None
) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """Own eval per dataset: explicit (DATASET may be a unique prefix) > pinned > ``train`` > detected.

    Returns (own_eval, how, ambiguous) where ``ambiguous`` lists datasets whose detection found a tie.
    """
    by_ds = _evals_by_dataset(frame)
    datasets = sorted(by_ds)
    own: dict[str, str] = {}
    how: dict[str, str] = {}
    if ALL in explicit:  # all=EVAL: every dataset's own eval is EVAL (a dataset named after it overrides)
        own = _own_for_all(explicit[ALL], by_ds)
        how = dict.fromkeys(own, "explicit")
    from_all = set(own)
    for key, ev in ((k, v) for k, v in explicit.items() if k != ALL):
        try:
            ds = resolve_name(key, datasets, "dataset")
        except SelectionError as exc:
            raise SelectionError(f"own eval {key}={ev}: {exc.message}", param="own_eval") from None
        try:
            e = resolve_name(ev, by_ds[ds], "eval")
        except SelectionError:
            raise SelectionError(
                f"own eval {key}={ev}: no eval {ev!r} measured on {ds} (evals: {', '.join(by_ds[ds])})",
                param="own_eval",
            ) from None
        if ds in own and own[ds] != e and ds not in from_all:
            raise SelectionError(f"two own evals given for {ds}: {own[ds]} and {e}", param="own_eval")
        own[ds], how[ds] = e, "explicit"
        from_all.discard(ds)
    ambiguous: dict[str, list[str]] = {}
    for ds in datasets:
        if ds in own:
            continue
        if pinned and ds in pinned and pinned[ds][0] in by_ds[ds]:
            own[ds], how[ds] = pinned[ds]
            continue
        e_found, h, tie = _detect_own(ds, by_ds[ds])
        if e_found is not None:
            own[ds], how[ds] = e_found, h
        elif tie:
            ambiguous[ds] = tie
    return own, how, ambiguous


# ----------------------------------------------------------------------------------------------------
# read_runs / load_runs
# ----------------------------------------------------------------------------------------------------


def read_runs(  # noqa: C901 - files, accuracy rows, column mappings, repeats, provenance
    paths: Sequence[Path | str],
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
) -> Runs:
    """Read, check and normalise run tables into one canonical ``Runs`` (repeats averaged, own evals found).

    ``columns`` maps canonical names (and ``step``) to input columns (``{"N": "non_embedding_params"}``); each
    entry applies to every file that has the column and must match in one file at least. ``stored_columns``
    (a workspace's saved mapping) applies where the column exists, under ``columns``. ``checkpoints`` says which
    checkpoints of a per-step log to keep: ``final`` (each run's last), ``step=K`` or ``all``. Accuracy rows (a
    ``metric`` column, or wide columns matching ``accuracy_columns``) go to ``Runs.accuracy``; with
    ``accuracy_only`` a table of accuracies alone is read (to add to losses stored earlier).

    Raises ``InputError`` (file, line, column) for a table that fails a check, and ``SelectionError`` for an
    ``own_eval`` entry naming a dataset or eval that is not in the tables.
    """
    from l2l.io.checkpoints import parse_policy
    from l2l.io.columns import resolve_columns

    if not paths:
        raise UsageError("no input files given")
    if loss_columns is not None and not wide:
        raise UsageError("a loss-column pattern applies to wide tables only", param="loss_columns")
    if accuracy_columns is not None and not wide:
        raise UsageError(
            "an accuracy-column pattern applies to wide tables only (a long table marks accuracy rows with a "
            "metric column)",
            param="accuracy_columns",
        )
    try:
        parse_policy(checkpoints)
    except InputError as exc:
        raise UsageError(exc.message, param="checkpoints") from None
    explicit = dict(columns or {})
    wanted = {**(stored_columns or {}), **explicit}
    matched: set[str] = set()
    raws: list[_Raw] = []
    parts: list[pl.DataFrame] = []
    infos: list[dict[str, Any]] = []
    acc_parts: list[pl.DataFrame] = []
    acc_provenance: list[dict[str, Any]] = []
    for p in paths:
        raw = _scan_plain(Path(p)) if accuracy_columns is None else None
        if raw is not None and any(schema.norm_name(c) == "metric" for c in raw.columns):
            raw = None  # accuracy rows are split off by the careful reader
        raw = raw or _read_raw(Path(p))
        loss_raw: _Raw | None = raw
        if raw.scan is None:
            in_file = {
                c: s for c, s in wanted.items() if s in raw.columns
            }  # --column reaches accuracy rows too
            matched |= {c for c in in_file if c in explicit}
            loss_raw, acc, acc_info = _split_accuracy(
                raw, wide=wide, accuracy_columns=accuracy_columns, mapping=in_file
            )
            if acc is not None:
                acc_parts.append(acc)
                acc_provenance.append(_accuracy_provenance(raw, acc, acc_info or {}, wide=wide))
        if loss_raw is None:
            continue
        by_norm = {schema.norm_name(c) for c in loss_raw.columns}
        mapping = {c: s for c, s in wanted.items() if s in loss_raw.columns or schema.norm_name(s) in by_norm}
        matched |= {c for c in mapping if c in explicit}
        long, info, loss_raw = _to_long(
            loss_raw,
            wide=wide,
            loss_columns=loss_columns,
            mapping=mapping,
            checkpoints=checkpoints,
            rows=strict or wide,
        )
        raws.append(loss_raw)
        parts.append(long.with_columns(pl.lit(len(parts), dtype=pl.Int64).alias("_file")))
        infos.append(info)
    if not parts and accuracy_only and acc_parts:  # accuracies added to losses stored earlier
        return Runs(
            pl.DataFrame(schema=_SCHEMA), {}, tuple(acc_provenance), {}, accuracy=_accuracy_table(acc_parts)
        )
    if not parts:
        raise InputError("no loss rows: every row is an accuracy", path=str(paths[0]), hint="give losses too")
    unmatched = {c: s for c, s in explicit.items() if c not in matched}
    if unmatched:
        # raises, naming the column
        resolve_columns(raws[0].columns, (), mapping=unmatched, path=raws[0].path)
    frame = pl.concat(parts, how="vertical").with_columns(pl.lit(1, dtype=pl.Int64).alias("n_repeats"))
    frame = _synth_run_ids(frame)

    counts = frame.select(pl.len().over(REPEAT_KEY).alias("c")).to_series()
    repeated = frame.filter(counts > 1)
    if repeated.height and strict:
        _reject_repeats(repeated, raws)
    averaged = _average(frame.drop("seed"))
    kept_per_file = averaged.group_by("_file").len()
    kept = dict(kept_per_file.iter_rows())

    provenance: list[dict[str, Any]] = []
    for k, (raw, info) in enumerate(zip(raws, infos, strict=True)):
        rows = parts[k].height
        entry: dict[str, Any] = {
            "path": raw.path,
            "abspath": str(Path(raw.path).resolve()),
            "sha256": raw.sha256,
            "format": raw.format,
            "wide": wide,
            "records": info["records"],
            "rows_read": info["rows_read"],
            "rows_kept": int(kept.get(k, 0)),
            "rows_merged": rows - int(kept.get(k, 0)),
            "rows_rejected": info["rows_rejected"],
            "aliases": info["aliases"],
            "columns": info["columns"],
            "ignored_columns": info["ignored_columns"],
            "ingested_at": utc_now(),
        }
        if wide:
            entry["loss_columns"] = info["loss_columns"]
            entry["loss_columns_detected"] = info["loss_columns_detected"]
            entry["loss_columns_left_out"] = info["loss_columns_left_out"]
        if "checkpoints" in info:
            entry["checkpoints"] = info["checkpoints"]
        if repeated.height:
            seeds = repeated.filter(pl.col("_file") == k).get_column("seed")
            entry["repeats_have_seeds"] = bool(seeds.len() and seeds.is_not_null().all())
        provenance.append(entry)

    canon = _canonical(averaged)
    own, how, ambiguous = _resolve_own(canon, own_eval or {})
    if ambiguous and provenance:
        provenance[-1]["own_eval_ambiguous"] = ambiguous
    for entry in acc_provenance:  # the accuracy part of a file that also held losses joins that file's entry
        into = next((e for e in provenance if e["path"] == entry["path"]), None)
        if into is None:
            provenance.append(entry)
        else:
            into["accuracy"] = entry
    return Runs(canon, own, tuple(provenance), how, accuracy=_accuracy_table(acc_parts))


def _reject_repeats(repeated: pl.DataFrame, raws: Sequence[_Raw]) -> None:
    first = repeated.sort(["_file", "_row"]).row(0, named=True)
    key_expr = pl.lit(True)
    for c in REPEAT_KEY:
        key_expr = key_expr & (pl.col(c).eq_missing(pl.lit(first[c])))
    group = repeated.filter(key_expr).sort(["_file", "_row"])
    by_file: dict[int, list[int]] = {}
    for f, r in group.select("_file", "_row").iter_rows():
        by_file.setdefault(f, []).append(r)
    places = []
    for f, rows in by_file.items():
        raw = raws[f]
        scanned = raw.line_of(0) is not None
        nums = [int(raw.line_of(r) or 0) for r in rows] if scanned else [r + 1 for r in rows]
        unit = "line" if scanned else "row"
        where = f"{unit}{'s' if len(nums) > 1 else ''} {_fmt_lines(nums)}"
        places.append(f"{raw.path} {where}" if len(by_file) > 1 else where)
    seeds = group.get_column("seed")
    seed_note = f" (seeds {', '.join(str(s) for s in seeds.to_list())})" if seeds.is_not_null().all() else ""
    split = f", split {first['split']!r}" if first["split"] is not None else ""
    second_file, second_row = group.select("_file", "_row").row(1)
    raw = raws[second_file]
    n_groups = repeated.select(REPEAT_KEY).unique().height
    others = (
        f"; {n_groups - 1} more repeated measurement{'s' if n_groups > 2 else ''}" if n_groups > 1 else ""
    )
    raise raw.error(
        f"repeated measurement: dataset {first['dataset']!r}, N={fmt_sig(first['N'])}, "
        f"D={fmt_sig(first['D'])}, eval {first['eval']!r}{split} appears {group.height} times, "
        f"at {', '.join(places)}{seed_note}{others}",
        row=second_row,
        hint="unless reading strictly, repeats are averaged",
        param="strict",
    )


# ----------------------------------------------------------------------------------------------------
# Downstream accuracy rows (kept apart from the losses: ``Runs.accuracy``)
# ----------------------------------------------------------------------------------------------------

#: Values of the optional ``metric`` column of a long table (blank: loss), and what each one means.
METRICS: dict[str, str] = {"loss": "loss", "accuracy": "accuracy", "acc": "accuracy"}


def _column_named(raw: _Raw, name: str) -> str | None:
    """The file's column whose normalised name is ``name``, if any."""
    return next((c for c in raw.frame.columns if schema.norm_name(c) == name), None)


def _subset(raw: _Raw, mask: pl.Series, drop: Sequence[str] = ()) -> _Raw:
    idx = mask.arg_true().to_list()
    lines = None if raw.lines is None else [raw.lines[i] for i in idx]
    frame = raw.frame.filter(mask).drop([c for c in drop if c in raw.frame.columns])
    where = {old: new for new, old in enumerate(idx)}
    kept = {c: ([where[r] for r in rows if r in where], why) for c, (rows, why) in raw.bad.items()}
    bad = {c: v for c, v in kept.items() if v[0]}
    return _Raw(raw.path, raw.format, raw.sha256, frame, lines, raw.header_line, bad=bad)


def _accuracy_values(raw: _Raw, col: str) -> pl.Series:
    """A column of accuracies as Float64, each in [0, 1]: a value above 1 is a loss or a percentage, an error."""
    num = _numeric(raw, col, "accuracy", required=False)
    bad = num.is_not_null() & ((num < 0) | (num > 1))
    if (i := _first(bad)) is not None:
        v = float(num[i])
        every = sorted(float(x) for x in num.drop_nulls().to_list())
        if v > 1 and 12 < every[-1] <= 100:  # losses rarely pass 12; percentages of a fraction correct do
            hint = "these look like percentages: divide them by 100"
        elif v > 1:
            hint = (
                "this looks like a loss given as accuracy: give losses with metric=loss (or as loss columns)"
            )
        else:
            hint = "an accuracy is a fraction correct, between 0 and 1"
        raise raw.error(f"an accuracy must be in [0, 1], got {v:.6g}", row=i, column=col, hint=hint)
    return num.alias("accuracy")


def _chance_values(raw: _Raw, col: str | None) -> pl.Series:
    n = raw.frame.height
    if col is None:
        return pl.Series("chance", [None] * n, dtype=pl.Float64)
    num = _numeric(raw, col, "chance", required=False)
    if (i := _first(num.is_not_null() & ((num < 0) | (num >= 1)))) is not None:
        raise raw.error(f"a chance level must be in [0, 1), got {float(num[i]):.6g}", row=i, column=col)
    return num.alias("chance")


def _accuracy_ids(
    raw: _Raw, wanted: Sequence[str], required: Sequence[str], given: Mapping[str, str] | None = None
) -> dict[str, pl.Series]:
    mapping = _map_columns(raw, wanted, given)
    _require(raw, mapping, required, wide=False)
    cols: dict[str, pl.Series] = {}
    for canon in ("dataset", "split", "run_id", "seed", "eval"):
        if canon in mapping:
            cols[canon] = _text(raw, mapping[canon], canon, required=canon in ("dataset", "eval"))
    for canon in ("N", "D", "C"):
        if canon in mapping:
            cols[canon] = _numeric(raw, mapping[canon], canon, required=canon != "C")
    return cols


def _accuracy_long(raw: _Raw, frame: pl.DataFrame) -> pl.DataFrame:
    """Accuracy rows completed like loss rows (C = 6·N·D, run_id/split null) with the accuracy columns."""
    done = _complete(frame.rename({"accuracy": "loss"}).with_row_index("_row"))
    if (bad := _bad_compute(done)) is not None:
        raise _compute_error(raw, bad, {})
    return done.rename({"loss": "accuracy"}).with_columns(
        frame.get_column("chance"), pl.lit(raw.path).alias("_path")
    )


def _split_accuracy(
    raw: _Raw, *, wide: bool, accuracy_columns: str | None, mapping: Mapping[str, str] | None = None
) -> tuple[_Raw | None, pl.DataFrame | None, dict[str, Any] | None]:
    """Separate a file's accuracy rows (a ``metric`` column, or wide columns matching ``accuracy_columns``) from
    its loss rows. Returns (the loss part or None, the accuracy rows or None, provenance of the accuracy part)."""
    chance_col = _column_named(raw, "chance")
    if wide:
        if accuracy_columns is None:
            return raw, None, None
        ids = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL)
        id_cols = set(_map_columns(raw, ids, mapping).values())
        rx = _glob_regex(accuracy_columns)
        chosen = [c for c in raw.frame.columns if c not in id_cols and c != chance_col and rx.match(c)]
        if not chosen:
            raise raw.header_error(
                f"the accuracy-column pattern {accuracy_columns!r} matches no column",
                param="accuracy_columns",
            )
        base = _accuracy_ids(raw, ids, schema.WIDE_REQUIRED, mapping)
        names: dict[str, str] = {}
        for c in chosen:
            m = rx.match(c)
            assert m is not None
            names[c] = m.group(1) if rx.groups == 1 and m.group(1) else c
        parts = []
        for c in chosen:
            vals = _accuracy_values(raw, c)
            f = pl.DataFrame([*base.values(), vals, _chance_values(raw, chance_col)]).with_columns(
                pl.lit(names[c]).alias("eval")
            )
            parts.append(f.filter(pl.col("accuracy").is_not_null()))
        acc = _accuracy_long(raw, pl.concat(parts, how="vertical"))
        rest = raw.frame.drop(chosen)
        loss_raw = _Raw(raw.path, raw.format, raw.sha256, rest, raw.lines, raw.header_line, bad=raw.bad)
        info = {"accuracy_columns": names}
        has_loss = any(c not in id_cols and c != chance_col for c in rest.columns)
        return (loss_raw if has_loss else None), acc, info
    metric_col = _column_named(raw, "metric")
    if metric_col is None:
        return raw, None, None
    text = _text(raw, metric_col, "metric", required=False).str.to_lowercase()
    unknown = text.is_not_null() & ~text.is_in(list(METRICS))
    if (i := _first(unknown)) is not None:
        raise raw.error(
            f"unknown metric {text[i]!r}; expected loss (the default) or accuracy", row=i, column=metric_col
        )
    is_acc = text.replace_strict(METRICS, default="loss").fill_null("loss") == "accuracy"
    drop = [metric_col] + ([chance_col] if chance_col else [])
    loss_part = _subset(raw, ~is_acc, drop) if not bool(is_acc.all()) else None
    if not bool(is_acc.any()):
        return loss_part, None, None
    acc_raw = _subset(raw, is_acc)
    cols = _accuracy_ids(acc_raw, (*schema.REQUIRED, *schema.OPTIONAL), schema.REQUIRED, mapping)
    value_col = _map_columns(acc_raw, ("loss",), mapping)["loss"]
    frame = pl.DataFrame(
        [*cols.values(), _accuracy_values(acc_raw, value_col), _chance_values(acc_raw, chance_col)]
    )
    return loss_part, _accuracy_long(acc_raw, frame), {"accuracy_rows": frame.height}


def _accuracy_table(parts: Sequence[pl.DataFrame]) -> pl.DataFrame | None:
    """Accuracy rows of every file as one table: run ids synthesised, repeats averaged, sorted."""
    if not parts:
        return None
    from l2l.base.schema import ACCURACY_COLUMNS, ACCURACY_DTYPES

    frame = _synth_run_ids(pl.concat(parts, how="vertical"))
    frame = frame.group_by(REPEAT_KEY, maintain_order=True).agg(
        pl.col("C").first(),
        pl.col("accuracy").mean(),
        pl.col("chance").first(),
        pl.col("run_id").first(),
        pl.len().cast(pl.Int64).alias("n_repeats"),
    )
    return frame.select([pl.col(c).cast(_DTYPES[ACCURACY_DTYPES[c]]) for c in ACCURACY_COLUMNS]).sort(
        ["dataset", "eval", "N", "D", "split", "run_id"], nulls_last=False, maintain_order=True
    )


def _accuracy_provenance(raw: _Raw, acc: pl.DataFrame, info: dict[str, Any], *, wide: bool) -> dict[str, Any]:
    return {
        "path": raw.path,
        "abspath": str(Path(raw.path).resolve()),
        "sha256": raw.sha256,
        "format": raw.format,
        "wide": wide,
        "metric": "accuracy",
        "records": raw.frame.height,
        "rows_read": acc.height,
        "rows_kept": acc.height,
        "rows_merged": 0,
        "rows_rejected": 0,
        "aliases": {},
        "ignored_columns": [],
        "ingested_at": utc_now(),
        **info,
    }
