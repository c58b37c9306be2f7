"""Typed, checked columns: one input column parsed as numbers (units on N, D and C) or as names, every value checked
(parseable, finite, in range, no NUL in a name); a scanned CSV checked in one streaming pass. Each bad value is an
``InputError`` naming the file, line and column (the careful reader's), or ``None`` from the scanned route, whose
caller then reads the file carefully.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError
from l2l.base.runs import AVERAGE_KEY
from l2l.base.text import quoted
from l2l.io.readers import _Raw

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


def _numeric(
    raw: _Raw, col: str, canon: str, *, required: bool, zero_ok: bool = False, nan_ok: bool = False
) -> pl.Series:
    """A column of ``raw`` as Float64, checked: parseable (units on N/D/C), finite, and for N, D, C and loss in
    ``[_LO, _HI]`` (``zero_ok``: or 0, a per-step log's step-0 rows; ``nan_ok``: or NaN, kept as NaN for the
    caller to skip and count as it skips a blank: a W&B export's crashed or diverged run)."""
    if col in raw.bad:
        raise raw.error(raw.bad[col][1], row=raw.bad[col][0][0], column=col)
    s = raw.frame.get_column(col)
    if s.dtype == pl.Null:
        s = s.cast(pl.String)
    if s.dtype == pl.String:
        text = _blank_to_null(s)
        # the markers spreadsheets and pandas write for a missing number are missing values, as a blank is
        text = text.set(text.str.to_uppercase().is_in(list(schema.MISSING_MARKERS)).fill_null(False), None)
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
                        f"unknown unit suffix in {quoted(value)} (accepted: K, M, B or G, T; e.g. 3.3B)",
                        row=i,
                        column=col,
                    ) from None
                except ValueError:
                    raise raw.error(
                        f"not a number: {quoted(value)}",
                        row=i,
                        column=col,
                        hint=_header_hint(col, value)
                        or _decimal_comma_hint(value)
                        or row_fix(col, "!=", value),
                    ) from None
            num = num.scatter(idx, values)
    elif s.dtype.is_numeric():
        text = s.cast(pl.String)
        num = s.cast(pl.Float64)
    else:
        raise InputError(f"expected numbers, found {s.dtype} values", path=raw.path, column=col)
    if canon == "C":
        # an optional C's NaN (a W&B export's missing value) is a blank: 6·N·D, as for a blank cell (a NaN refused
        # the whole file while a blank passed; probe p60)
        num = num.fill_nan(None)
    _check_numbers(
        raw, num.fill_nan(None) if nan_ok else num, text, col, canon, required=required, zero_ok=zero_ok
    )
    return num.alias(canon)


def row_fix(col: str, op: str | None = None, value: str = "") -> str:
    """The fix of one bad cell of column ``col``: correct it, or leave its row out with ``--where COL OP VALUE``
    (the condition every other row meets: ``loss!=abc``, ``N>0``) where that can be written within shell quotes,
    else by deleting the row. ``--where`` filters the rows before their values are checked, so it does leave such
    a row out."""
    where = _where_option(col, op, value) if op is not None else None
    return (
        f"correct the cell, or leave its row out: {where}" if where else "correct the cell, or delete its row"
    )


def _where_option(col: str, op: str, value: str) -> str | None:
    """``--where 'COL OP VALUE'`` where it can be written within shell quotes and reads the value as written (no
    quote, no glob), else None."""
    value = value.strip()
    plain = not set(col) & set("=<>!'") and "'" not in value and not schema.is_glob(value)
    return f"--where '{col}{op}{value}'" if value and plain and len(col) + len(value) <= 60 else None


def blank_fix(col: str) -> str:
    """The fix of an empty cell of column ``col``: fill it, or leave out every row whose cell is empty
    (``--where 'COL!='``) where the name can be written within shell quotes."""
    if not set(col) & set("=<>!'") and len(col) <= 60:
        return (
            "a run without its value cannot be fitted: fill the cell, or leave out the rows without one: "
            f"--where '{col}!='"
        )
    return "a run without its value cannot be fitted: delete the row, or fill the cell"


#: A number written with a decimal comma (``3,076879``, ``1,2B``): a European spreadsheet's export.
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+([eE][+-]?\d+)?\s*[A-Za-z]?$")
#: Digits grouped in thousands by a point, an apostrophe or a (non-breaking) space, with or without a decimal
#: comma (``7.660.000``, ``1.300,5``, ``1'300'000``, ``1 300 000``); a single point group (``1.300``) reads as a
#: decimal and never gets here.
_GROUPED = re.compile(r"^[+-]?\d{1,3}(?:([.' \u00a0\u202f])\d{3})(?:\1\d{3})*(?:,\d+)?\s*[A-Za-z]?$")


def _decimal_comma_hint(value: str) -> str | None:
    """The fix for a number written with a decimal comma (a spreadsheet's export in a European locale, often
    beside ``;`` as the separator), else None."""
    if re.match(r"^[+-]?\d{1,3}(,\d{3})+\s*[A-Za-z]?$", value.strip()):
        # 1,300M: three digits after each comma read as a thousands separator as well (a probe's "1,300M" was
        # told only of a decimal comma)
        return (
            "a thousands separator (1,300 for 1300) or a decimal comma (3,07 for 3.07)? l2l reads plain numbers "
            "with a decimal point: export the table without thousands separators and with '.' as the decimal "
            "separator"
        )
    if _GROUPED.match(value.strip()):
        # 7.660.000 (a European export's thousands, often beside decimal commas and ';'), 1'300'000, 1 300 000: it
        # was told only to correct the cell or leave its row out, and every row is written so (helper h102)
        return (
            "digits grouped in thousands (1.300.000, 1'300'000 or 1 300 000 for 1300000, as a spreadsheet in a "
            "European locale writes them)? l2l reads plain numbers with a decimal point: export the table without "
            "thousands separators and with '.' as the decimal separator (pandas to_csv(decimal='.'))"
        )
    if _DECIMAL_COMMA.match(value.strip()) is None:
        return None
    return (
        "a decimal comma? l2l reads numbers with a decimal point (3.07, not 3,07): export the table with '.' as "
        "the decimal separator (a spreadsheet in an English locale; pandas to_csv(decimal='.'))"
    )


def _header_hint(col: str, value: str) -> str | None:
    """The fix of a cell that repeats its column's name: the header line again inside the table (CSV files joined
    with ``cat``; it was told to correct the cell, helper h102), else None."""
    if value.strip() != col.strip():
        return None
    where = _where_option(col, "!=", value)
    leave = f"leave every such line out: {where}" if where else "delete those lines"
    return f"the header line again inside the table (files joined with cat?): ingest the files themselves, or {leave}"


def _log_likelihood_hint(col: str) -> str:
    """The fix of a loss column whose values are mostly negative (three or more): a log-likelihood, the loss's
    negative (it was told to leave out the rows below 0, every row: helper h102)."""
    return (
        f"most of column {col!r} is below 0: a log-likelihood (the negative of the loss)? l2l fits the loss, "
        f"−log-likelihood per token in nats: write the column negated (loss = −{col}) and read that"
    )


def _check_numbers(
    raw: _Raw, num: pl.Series, text: pl.Series, col: str, canon: str, *, required: bool, zero_ok: bool = False
) -> None:
    """The checks of ``_numeric`` on parsed values (``text``: as written, for the message)."""
    # the first bad row of either kind (a blank, NA or nan cell), not every blank before any nan
    missing = _first(num.is_null()) if required else None
    odd = _first(num.is_not_null() & ~num.is_finite())
    if missing is not None and (odd is None or missing < odd):
        raise raw.error(f"missing value ({canon} is required)", row=missing, column=col, hint=blank_fix(col))
    if odd is not None:
        nan = str(text[odd]).strip().upper() == "NAN"  # (a W&B export's never-logged value: as a blank)
        raise raw.error(
            f"not a finite number: {quoted(text[odd])}",
            row=odd,
            column=col,
            # an infinite value (a diverged run's `inf`) is left out as any odd cell is, by the --where that does it
            # (it was told "delete the row, or fill the cell", where `--where 'loss!=inf'` works: h95)
            hint=blank_fix(col) if nan else row_fix(col, "!=", str(text[odd])),
        )
    if zero_ok:
        num = num.set(num == 0, None)  # step-0 rows are dropped later, counted
    if canon in schema.POSITIVE and (i := _first(num <= 0)) is not None:
        raise raw.error(
            f"{canon} must be > 0, got {quoted(text[i])}",
            row=i,
            column=col,
            hint=(
                _log_likelihood_hint(col)
                if canon == "loss" and (neg := int((num < 0).sum())) >= 3 and 2 * neg > num.drop_nulls().len()
                else row_fix(col, ">", "0")
            ),
        )
    if canon == "N" and (i := _first(num.is_not_null() & (num < lowest(canon)) & (num >= _LO))) is not None:
        raise raw.error(
            f"N must be a count of at least {lowest(canon):g} parameter, got {quoted(text[i])}",
            row=i,
            column=col,
            hint="a model size in billions written as a fraction? give N as a count of parameters (3.3e9 or 3.3B)",
        )
    if canon in schema.POSITIVE and (i := _first(num.is_not_null() & _out_of_range(num))) is not None:
        raise raw.error(
            f"{canon} must be between {_RANGE}, got {quoted(text[i])}", row=i, column=col, hint=row_fix(col)
        )


#: The range of every N, D, C (given or 6·N·D) and loss: far beyond any model, and far from float overflow.
_LO, _HI = schema.SMALLEST_QUANTITY, schema.LARGEST_QUANTITY
_RANGE = "1e-30 and 1e30"  # the words of schema.SMALLEST_QUANTITY, LARGEST_QUANTITY


def lowest(canon: str | None) -> float:
    """The smallest value of column ``canon``: a model has at least one parameter (``SMALLEST_COUNT``, as ``--N``
    says: N = 0.5 was kept, billions written as a fraction; p63); any other quantity ``_LO``."""
    return schema.SMALLEST_COUNT if canon == "N" else _LO


def _out_of_range(x: pl.Expr | pl.Series, canon: str | None = None) -> Any:
    """True where a positive quantity (of column ``canon``) is outside ``[lowest(canon), _HI]`` (≤ 0 included)."""
    return (x < lowest(canon)) | (x > _HI)


def _not_text(dtype: pl.DataType) -> bool:
    """A column polars cannot read as text: a list or struct (an NDJSON array, a W&B export's tags) or a duration
    (a runtime), which failed as an internal error when only looked at (p63)."""
    return dtype.is_nested() or isinstance(dtype, pl.Duration) or dtype == pl.Object


def _text(raw: _Raw, col: str, canon: str, *, required: bool, lenient: bool = False) -> pl.Series:
    """A column of names: text (an NDJSON object or array is refused, as is a NUL byte), blanks null.
    ``lenient`` (a column l2l only looks at, to tell runs apart): nothing is refused, odd values are null."""
    if lenient:
        s = raw.frame.get_column(col)
        if col in raw.bad or _not_text(s.dtype):
            return pl.Series(canon, [None] * raw.frame.height, dtype=pl.String)
        return _blank_to_null(s).alias(canon)
    if col in raw.bad:
        raise raw.error(raw.bad[col][1], row=raw.bad[col][0][0], column=col)
    s = raw.frame.get_column(col)
    if _not_text(s.dtype):
        raise InputError(f"expected text, found {s.dtype} values", path=raw.path, column=col)
    out = _blank_to_null(s)
    if required and (i := _first(out.is_null())) is not None:
        raise raw.error(f"missing value ({canon} is required)", row=i, column=col, hint=blank_fix(col))
    if (i := _first(out.str.contains("\x00", literal=True).fill_null(False))) is not None:
        raise raw.error(f"a NUL byte in a name: {quoted(str(out[i]))}", row=i, column=col)
    return out.alias(canon)


@dataclass(frozen=True)
class _Conv:
    """One input column to check and convert: ``src`` (as in the file) → ``out``, as text or numbers."""

    src: str
    out: str
    canon: str
    numeric: bool
    required: bool
    zero_ok: bool = False  # D and C of a per-step log: 0 at step 0 (those rows are dropped, counted)
    lenient: bool = False  # a column looked at only (to tell runs apart): never refused
    nan_ok: bool = False  # a wide table's loss column: NaN kept, then skipped and counted as a blank cell is

    def range_check(self, e: pl.Expr) -> pl.Expr:
        """True where a value of a positive quantity is out of range (0 allowed where ``zero_ok``)."""
        bad: pl.Expr = _out_of_range(e, self.canon)
        return bad & (e != 0) if self.zero_ok else bad


def _typed_eager(raw: _Raw, convs: Sequence[_Conv]) -> pl.DataFrame:
    """The converted columns (plus ``_row``), each value checked; an InputError names the first bad one."""
    cols = [
        (
            _numeric(raw, c.src, c.canon, required=c.required, zero_ok=c.zero_ok, nan_ok=c.nan_ok)
            if c.numeric
            else _text(raw, c.src, c.canon, required=c.required, lenient=c.lenient)
        ).alias(c.out)
        for c in convs
    ]
    return pl.DataFrame(cols).with_row_index("_row")


def _typed_scan(  # noqa: C901 - check by check, then unit suffixes
    raw: _Raw, convs: Sequence[_Conv], rows: bool = True, where: pl.Expr | None = None
) -> tuple[pl.LazyFrame, int] | None:
    """The converted columns of a scanned file (its rows that pass ``where``), lazily, and their count; None when
    some value fails a check (the careful reader then reads the file and names the line). One streaming pass
    checks every column; unit suffixes (``3.3B``) cost a second pass over the columns that have them."""
    assert raw.scan is not None

    def text(src: str) -> pl.Expr:
        t = pl.col(src).str.strip_chars()
        return pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)

    typed = _typed_fast(raw, convs, rows, where)
    if typed is not None:
        return typed
    scan = _with_rows(raw.scan, rows)
    if where is not None:
        scan = scan.filter(where)
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
                    checks.append(c.range_check(e).any().alias(f"{i}:nonpositive"))
            exprs.append(e.alias(c.out))
        try:
            found = scan.select(checks).collect(engine="streaming").row(0, named=True)
        except pl.exceptions.PolarsError:
            return None
        bad = {k for k, v in found.items() if k != "_rows" and v}
        if not bad:
            return scan.select("_row", *exprs), int(found["_rows"])
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


def _typed_fast(
    raw: _Raw, convs: Sequence[_Conv], rows: bool, where: pl.Expr | None = None
) -> tuple[pl.LazyFrame, int] | None:
    """``_typed_scan`` with the numeric columns parsed by the CSV reader itself (the common case, and much the
    fastest); None when some number does not parse as a plain float or some value fails a check."""
    scan = _with_rows(_float_scan(raw, convs), rows)
    if where is not None:
        scan = scan.filter(where)
    exprs: list[pl.Expr] = []
    checks: list[pl.Expr] = [pl.len().alias("_rows")]
    padded: list[int] = []
    for i, c in enumerate(convs):
        e = pl.col(c.src)
        if not c.numeric:
            t = e.str.strip_chars()
            if not c.lenient:
                checks.append((t.str.len_bytes() != e.str.len_bytes()).any().alias(f"{i}:padded"))
                padded.append(i)
            e = pl.when(t.str.len_bytes() == 0).then(None).otherwise(t)
        if c.required:
            checks.append(e.is_null().any().alias(f"{i}:missing"))
        if c.numeric:
            checks.append((e.is_not_null() & ~e.is_finite()).any().alias(f"{i}:nonfinite"))
            if c.canon in schema.POSITIVE:
                checks.append(c.range_check(e).any().alias(f"{i}:nonpositive"))
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
    return scan.select("_row", *exprs), int(found["_rows"])


# ----------------------------------------------------------------------------------------------------
# Columns and canonical rows
# ----------------------------------------------------------------------------------------------------


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """An fnmatch-style glob as a regex with one group per ``*`` (so the eval name can be taken from it);
    alternatives separated by ``|`` (``hellaswag|mmlu``: columns no one glob matches alone)."""
    if "|" in pattern:
        alternatives = [_glob_regex(p).pattern.removesuffix(r"\Z") for p in pattern.split("|") if p]
        return re.compile("(?:" + "|".join(alternatives) + r")\Z")
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


def unmatched_alternatives(pattern: str, columns: Sequence[str]) -> list[str]:
    """The alternatives of ``pattern`` (``a|b``: a repeated ``--loss-columns`` or ``--accuracy-columns`` is one) that
    match none of ``columns``: a misspelt one was passed over without a word while another matched."""
    return [p for p in pattern.split("|") if p and not any(_glob_regex(p).match(c) for c in columns)]


def glob_name(rx: re.Pattern[str], column: str) -> str:
    """The eval a column matched by a ``_glob_regex`` pattern gives: what the ``*`` of the alternative that
    matched stands for, when that alternative has one ``*`` and it matched some text; else the whole column name.
    Each alternative names its own evals: ``eval/*-validation/loss|eval/downstream/*_ce_loss`` gives ``c4_en`` and
    ``hellaswag`` (with two ``*`` in the pattern, every column kept its whole name, and an accuracy could no longer
    find its task's loss)."""
    m = rx.match(column)
    if m is None:
        return column
    # the groups of the alternatives that did not match are None; those of the one that did are text
    taken = [g for g in m.groups() if g is not None]
    return taken[0] if len(taken) == 1 and taken[0] else column


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
    from l2l.io.columns import missing_column_hint

    unused = [c for c in raw.columns if c not in set(mapping.values())]
    hint, param = missing_column_hint(missing, list(mapping), unused, wide=wide)
    raise raw.header_error(
        f"missing column{'s' if len(missing) > 1 else ''} {'; '.join(parts)}; found {found}",
        column=missing[0],
        hint=hint,
        param=param,
    )


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
    """Add the optional canonical columns missing (C = 6·N·D, run_id synthesised, split/seed null); the canonical
    columns first, then ``_row``, then whatever else the frame carries."""
    n, d = pl.col("N"), pl.col("D")
    if "C" not in frame.columns:
        frame = frame.with_columns((6.0 * n * d).alias("C"))
    else:
        frame = frame.with_columns(pl.col("C").fill_null(6.0 * n * d))
    for name in ("split", "seed", "run_id"):
        if name not in frame.columns:
            frame = frame.with_columns(pl.lit(None, dtype=pl.String).alias(name))
    first = ("dataset", "N", "D", "C", "eval", "loss", "run_id", "split", "seed", "_row")
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
        *[c for c in frame.columns if c not in first],
    )


def _synth_run_ids(frame: pl.DataFrame) -> pl.DataFrame:
    missing = frame.filter(pl.col("run_id").is_null())
    if missing.height == 0:
        return frame
    return (
        _with_synth_ids(frame, missing)
        .with_columns(pl.col("run_id").fill_null(pl.col("_synth")))
        .drop("_synth")
    )


def synthesised_run_ids(frame: pl.DataFrame) -> pl.Series:
    """Per row, whether its run id is blank or the one l2l gave a row without one (``_synth_run_ids``)."""
    return (
        _with_synth_ids(frame, frame)
        .select(pl.col("run_id").is_null() | (pl.col("run_id") == pl.col("_synth")))
        .to_series()
    )


def _with_synth_ids(frame: pl.DataFrame, of: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with ``_synth``: the id ``schema.synth_run_id`` gives each (dataset, N, D) of ``of`` (null for
    the others)."""
    triples = of.select("dataset", "N", "D").unique()
    ids = triples.with_columns(
        pl.Series("_synth", [schema.synth_run_id(*t) for t in triples.iter_rows()], dtype=pl.String)
    )
    return frame.join(ids, on=["dataset", "N", "D"], how="left", maintain_order="left", nulls_equal=True)


def _average(frame: pl.DataFrame) -> pl.DataFrame:
    """Rows with equal (dataset, N, D, eval, split, run_id) become one: loss weighted by n_repeats, first C."""
    w = pl.col("n_repeats")
    extra = [c for c in frame.columns if c.startswith("_")]
    return frame.group_by(AVERAGE_KEY, maintain_order=True).agg(
        pl.col("C").first(),
        ((pl.col("loss") * w).sum() / w.sum()).alias("loss"),
        w.sum(),
        *[pl.col(c).first() for c in extra],
    )


def seed_scatter(frame: pl.DataFrame, value: str, *, log: bool) -> list[dict[str, Any]]:
    """What averaging the seeds forgets: per (dataset, eval), the squared deviations of each repeated
    measurement's seeds from their mean (of log values with ``log``: losses), summed over the measurements
    repeated over distinct seeds, and their degrees of freedom Σ (seeds − 1). ``rank`` at a model the datasets
    ran reads its noise from it (the stored table keeps only the means: a DataDecide-like table of 10 recipes ×
    2 seeds, too short for laws, could not be ranked at a model every recipe ran, probe p59). Rows without a
    seed, or repeated under one seed (one value logged twice), tell no noise and are left out."""
    if "seed" not in frame.columns or value not in frame.columns:
        return []
    key = [c for c in AVERAGE_KEY if c in frame.columns]
    v = pl.col(value).log() if log else pl.col(value)
    ok = pl.col("seed").is_not_null() & pl.col(value).is_finite() & ((pl.col(value) > 0) if log else True)
    cells = (
        frame.filter(ok)
        .group_by(key)
        .agg(
            ((v - v.mean()) ** 2).sum().alias("ss"), pl.len().alias("n"), pl.col("seed").n_unique().alias("s")
        )
        .filter((pl.col("n") > 1) & (pl.col("s") == pl.col("n")))
    )
    per = (
        cells.group_by("dataset", "eval")
        .agg(pl.col("ss").sum(), (pl.col("n") - 1).sum().cast(pl.Int64).alias("dof"))
        .sort("dataset", "eval")
    )
    return [
        {"dataset": d, "eval": e, "ss": float(ss), "dof": int(dof)}
        for d, e, ss, dof in per.select("dataset", "eval", "ss", "dof").iter_rows()
    ]


def _canonical(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.select([pl.col(c).cast(_SCHEMA[c]) for c in schema.COLUMNS]).sort(
        ["dataset", "eval", "N", "D", "split", "run_id"], nulls_last=False, maintain_order=True
    )
