"""Reading run tables into the canonical long table, with every input check.

``read_runs`` is pure: files in, a ``Runs`` out, or an ``InputError`` naming the file, line and column of the
first problem. Text formats are read as strings and parsed here, so each bad value is traced to its line.
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import re
import zlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import polars as pl

from l2l import schema
from l2l.errors import InputError, SelectionError, UsageError
from l2l.render import fmt_sig
from l2l.runs import REPEAT_KEY, Runs, resolve_name

__all__ = ["SUPPORTED_EXTENSIONS", "read_runs"]

#: File name endings l2l reads (case-insensitive), and the reader each one uses.
SUPPORTED_EXTENSIONS: tuple[str, ...] = (
    ".csv",
    ".tsv",
    ".parquet",
    ".pq",
    ".ndjson",
    ".jsonl",
    ".csv.gz",
    ".tsv.gz",
    ".ndjson.gz",
    ".jsonl.gz",
)
_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".ndjson": "ndjson",
    ".jsonl": "ndjson",
}
_SEPARATORS: dict[str, str] = {",": "comma", "\t": "tab", ";": "semicolon"}
_DTYPES: dict[str, type[pl.DataType]] = {"String": pl.String, "Float64": pl.Float64, "Int64": pl.Int64}
_SCHEMA = {name: _DTYPES[dt] for name, dt in schema.DTYPES.items()}


# ----------------------------------------------------------------------------------------------------
# Reading one file into a raw table (columns as in the file, one physical line per row)
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    path: str
    format: str
    sha256: str
    frame: pl.DataFrame  # columns named as in the file; text formats: all String
    lines: list[int] | None  # physical (1-based) line of each row; None for Parquet
    header_line: int | None = 1

    def error(
        self,
        message: str,
        *,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
        param: str | None = None,
    ) -> InputError:
        line = None
        if row is not None:
            if self.lines is None:
                message = f"row {row + 1}: {message}"
            else:
                line = self.lines[row]
        return InputError(message, path=self.path, line=line, column=column, hint=hint, param=param)

    def header_error(
        self, message: str, *, column: str | None = None, hint: str | None = None, param: str | None = None
    ) -> InputError:
        return InputError(
            message, path=self.path, line=self.header_line, column=column, hint=hint, param=param
        )

    def where(self, row: int) -> str:
        return f"line {self.lines[row]}" if self.lines is not None else f"row {row + 1}"


def _format_of(path: Path) -> tuple[str, bool]:
    name = path.name.lower()
    gz = name.endswith(".gz")
    base = name[:-3] if gz else name
    for ext, fmt in _FORMATS.items():
        if base.endswith(ext) and not (gz and fmt == "parquet"):
            return fmt, gz
    raise InputError(
        f"unsupported file type {path.suffix or '(no extension)'!r}; "
        f"l2l reads {', '.join(SUPPORTED_EXTENSIONS)}",
        path=str(path),
    )


def _read_raw(path: Path) -> _Raw:
    fmt, gz = _format_of(path)
    p = str(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError("no such file", path=p) from None
    except IsADirectoryError:
        raise InputError("is a directory, not a file", path=p) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", path=p) from None
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise InputError("empty file (0 bytes)", path=p)
    if gz:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as exc:
            raise InputError(f"not a valid gzip file ({exc})", path=p) from None
        if not data:
            raise InputError("empty file (0 bytes after decompression)", path=p)
    label = fmt + (".gz" if gz else "")
    if fmt == "parquet":
        return _read_parquet(data, p, sha)
    text = _decode(data, p)
    if not text.strip():
        raise InputError("empty file (only blank lines)", path=p)
    if fmt == "ndjson":
        return _read_ndjson(text, p, sha, label)
    return _read_delimited(text, p, sha, label, "\t" if fmt == "tsv" else ",")


def _decode(data: bytes, path: str) -> str:
    if data.startswith(b"\xef\xbb\xbf"):  # a UTF-8 byte-order mark, as Excel writes
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise InputError(
            f"not valid UTF-8: byte 0x{data[exc.start]:02x} cannot be decoded",
            path=path,
            line=line,
            hint="save the file as UTF-8",
        ) from None


def _fmt_lines(lines: Sequence[int], limit: int = 8) -> str:
    """``[3, 4, 5, 9]`` → ``3-5, 9``; long lists are cut with a count of the rest."""
    parts: list[str] = []
    i = 0
    while i < len(lines):
        j = i
        while j + 1 < len(lines) and lines[j + 1] == lines[j] + 1:
            j += 1
        parts.append(str(lines[i]) if i == j else f"{lines[i]}-{lines[j]}")
        i = j + 1
    shown = ", ".join(parts[:limit])
    return shown + (f" and {len(parts) - limit} more" if len(parts) > limit else "")


def _read_delimited(text: str, path: str, sha: str, label: str, default_sep: str) -> _Raw:
    physical = text.split("\n")
    first = next(i for i, ln in enumerate(physical) if ln.strip())
    header_text = physical[first]
    counts = {s: header_text.count(s) for s in _SEPARATORS}
    sep = default_sep if counts[default_sep] else max(counts, key=lambda s: counts[s])
    if not counts[sep]:
        sep = default_sep
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    lines: list[int] = []
    prev = 0
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            if not rec or all(not f.strip() for f in rec):
                continue  # blank line
            records.append(rec)
            lines.append(start)
    except csv.Error as exc:
        raise InputError(f"cannot parse: {exc}", path=path, line=reader.line_num) from None
    header, header_line = records[0], lines[0]
    names = [h.strip() or f"_unnamed_{i + 1}" for i, h in enumerate(header)]
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if name in seen:
            raise InputError(
                f"duplicate column name {name!r} (columns {seen[name] + 1} and {i + 1})",
                path=path,
                line=header_line,
                column=name,
            )
        seen[name] = i
    body, body_lines = records[1:], lines[1:]
    if not body:
        raise InputError("no data rows (the file has only a header)", path=path, line=header_line)
    k = len(names)
    bad = [i for i, rec in enumerate(body) if len(rec) != k]
    if bad:
        _ragged(path, physical, body, body_lines, bad, sep, k, header_line)
    columns = list(zip(*body, strict=True))
    frame = pl.DataFrame([pl.Series(n, c, dtype=pl.String) for n, c in zip(names, columns, strict=True)])
    if sep != default_sep:
        label += f" ({_SEPARATORS[sep]}-separated)"
    return _Raw(path, label, sha, frame, body_lines, header_line)


def _ragged(
    path: str,
    physical: list[str],
    body: list[list[str]],
    body_lines: list[int],
    bad: list[int],
    sep: str,
    k: int,
    header_line: int,
) -> None:
    mixed: dict[str, list[int]] = {}
    for i in bad:
        raw_line = physical[body_lines[i] - 1]
        others = [s for s in _SEPARATORS if s != sep and s in raw_line]
        if others:
            mixed.setdefault(_SEPARATORS[others[0]], []).append(body_lines[i])
    if mixed:
        first = min(min(v) for v in mixed.values())
        uses = "; ".join(
            f"line{'s' if len(v) > 1 else ''} {_fmt_lines(v)} use{'' if len(v) > 1 else 's'} {name}"
            for name, v in mixed.items()
        )
        raise InputError(
            f"mixed separators: the header (line {header_line}) is {_SEPARATORS[sep]}-separated but {uses}",
            path=path,
            line=first,
            hint="use one separator throughout the file",
        )
    i = bad[0]
    more = [body_lines[j] for j in bad[1:]]
    also = f" (also line{'s' if len(more) > 1 else ''} {_fmt_lines(more)})" if more else ""
    raise InputError(
        f"expected {k} fields as in the header, found {len(body[i])}{also}", path=path, line=body_lines[i]
    )


class _DuplicateKeyError(Exception):
    def __init__(self, key: str) -> None:
        self.key = key


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise _DuplicateKeyError(key)
        out[key] = value
    return out


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int):
        return str(value)
    return json.dumps(value)


def _read_ndjson(text: str, path: str, sha: str, label: str) -> _Raw:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    keys: dict[str, None] = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKeyError as exc:
            raise InputError(
                f"duplicate column name {exc.key!r}", path=path, line=lineno, column=exc.key
            ) from None
        except json.JSONDecodeError as exc:
            raise InputError(
                f"invalid JSON ({exc.msg} at character {exc.colno})", path=path, line=lineno
            ) from None
        if not isinstance(obj, dict):
            raise InputError(
                f"expected a JSON object per line, found {type(obj).__name__}", path=path, line=lineno
            )
        records.append(obj)
        lines.append(lineno)
        keys.update(dict.fromkeys(obj))
    frame = pl.DataFrame(
        [pl.Series(k, [_json_text(r.get(k)) for r in records], dtype=pl.String) for k in keys]
    )
    return _Raw(path, label, sha, frame, lines, header_line=None)


def _read_parquet(data: bytes, path: str, sha: str) -> _Raw:
    try:
        frame = pl.read_parquet(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - polars raises many types for a bad file; each is the user's
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not a readable Parquet file ({first})", path=path) from None
    if frame.width == 0:
        raise InputError("no columns", path=path)
    if frame.height == 0:
        raise InputError("no data rows (the file has only a schema)", path=path)
    return _Raw(path, "parquet", sha, frame, None, header_line=None)


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
    """A column of ``raw`` as Float64, checked: parseable (units on N/D/C), finite and > 0 where required."""
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
    if required and (i := _first(num.is_null())) is not None:
        raise raw.error(f"missing value ({canon} is required)", row=i, column=col)
    if (i := _first(num.is_not_null() & ~num.is_finite())) is not None:
        raise raw.error(f"not a finite number: {text[i]!r}", row=i, column=col)
    if canon in schema.POSITIVE and (i := _first(num <= 0)) is not None:
        raise raw.error(f"{canon} must be > 0, got {text[i]!r}", row=i, column=col)
    return num.alias(canon)


def _text(raw: _Raw, col: str, canon: str, *, required: bool) -> pl.Series:
    s = raw.frame.get_column(col)
    if s.dtype.is_nested():
        raise InputError(f"expected text, found {s.dtype} values", path=raw.path, column=col)
    out = _blank_to_null(s)
    if required and (i := _first(out.is_null())) is not None:
        raise raw.error(f"missing value ({canon} is required)", row=i, column=col)
    return out.alias(canon)


# ----------------------------------------------------------------------------------------------------
# Raw table → long rows
# ----------------------------------------------------------------------------------------------------


def _map_columns(raw: _Raw, wanted: Iterable[str]) -> dict[str, str]:
    """canonical name → the file's column for it, for the canonical columns in ``wanted``."""
    allowed = set(wanted)
    found: dict[str, str] = {}
    for col in raw.frame.columns:
        canon = schema.canonical_name(col)
        if canon is None or canon not in allowed:
            continue
        if canon in found:
            raise raw.header_error(
                f"columns {found[canon]!r} and {col!r} both give {canon}; keep one of them", column=col
            )
        found[canon] = col
    return found


def _require(raw: _Raw, mapping: Mapping[str, str], required: Sequence[str], *, wide: bool) -> None:
    missing = [c for c in required if c not in mapping]
    if not missing:
        return
    found = ", ".join(repr(c) for c in raw.frame.columns)
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


def _is_numeric_column(s: pl.Series) -> bool:
    if s.dtype == pl.String:
        text = _blank_to_null(s)
        nonblank = int(text.is_not_null().sum())
        return nonblank > 0 and int(text.cast(pl.Float64, strict=False).is_not_null().sum()) == nonblank
    return s.dtype.is_numeric()


def _to_long(raw: _Raw, *, wide: bool, loss_columns: str | None) -> tuple[pl.DataFrame, dict[str, Any]]:  # noqa: C901 - long and wide tables, check by check
    """The file's rows as canonical long rows (plus ``seed`` and ``_row``), and what was done to get them."""
    ids = (*schema.WIDE_REQUIRED, *schema.WIDE_OPTIONAL)
    if wide:
        mapping = _map_columns(raw, ids)
        _require(raw, mapping, schema.WIDE_REQUIRED, wide=True)
        other = _map_columns(raw, ("eval", "loss"))
        if "eval" in other and "loss" in other and loss_columns is None:
            raise raw.header_error(
                f"a wide table has one column per eval, but this one has an eval column ({other['eval']!r}) "
                f"and a loss column ({other['loss']!r})",
                hint="this looks like a long table: read it as one",
                param="wide",
            )
    else:
        mapping = _map_columns(raw, (*schema.REQUIRED, *schema.OPTIONAL))
        _require(raw, mapping, schema.REQUIRED, wide=False)

    cols: dict[str, pl.Series] = {}
    for canon in ("dataset", "split", "run_id", "seed"):
        if canon in mapping:
            cols[canon] = _text(raw, mapping[canon], canon, required=canon == "dataset")
    for canon in ("N", "D", "C"):
        if canon in mapping:
            cols[canon] = _numeric(raw, mapping[canon], canon, required=canon != "C")
    n = raw.frame.height
    info: dict[str, Any] = {
        "records": n,
        "aliases": {col: canon for canon, col in mapping.items() if col != canon},
    }
    used = set(mapping.values())

    if not wide:
        cols["eval"] = _text(raw, mapping["eval"], "eval", required=True)
        cols["loss"] = _numeric(raw, mapping["loss"], "loss", required=True)
        used |= {mapping["eval"], mapping["loss"]}
        frame = pl.DataFrame(list(cols.values())).with_row_index("_row")
        info.update(
            rows_read=n, rows_rejected=0, ignored_columns=[c for c in raw.frame.columns if c not in used]
        )
        return _complete(frame), info

    candidates = [c for c in raw.frame.columns if c not in used]
    if loss_columns is not None:
        rx = _glob_regex(loss_columns)
        chosen = [c for c in candidates if rx.match(c)]
        if not chosen:
            raise raw.header_error(
                f"the loss-column pattern {loss_columns!r} matches no column (columns besides the ids: "
                f"{', '.join(repr(c) for c in candidates) or 'none'})",
                param="loss_columns",
            )
        names: dict[str, str] = {}
        for c in chosen:
            m = rx.match(c)
            assert m is not None
            names[c] = m.group(1) if rx.groups == 1 and m.group(1) else c
    else:
        # W&B's own columns (_step, _runtime, _timestamp, ...) are never losses
        chosen = [
            c for c in candidates if not c.startswith("_") and _is_numeric_column(raw.frame.get_column(c))
        ]
        if not chosen:
            raise raw.header_error(
                "the wide table has no numeric columns besides the id columns to use as losses "
                f"(columns: {', '.join(repr(c) for c in raw.frame.columns)})",
                hint="name them with a loss-column pattern",
                param="loss_columns",
            )
        names = {c: c for c in chosen}
    by_eval: dict[str, str] = {}
    for c, ev in names.items():
        if ev in by_eval:
            raise raw.header_error(f"columns {by_eval[ev]!r} and {c!r} both give eval {ev!r}", column=c)
        by_eval[ev] = c
    losses = [_numeric(raw, c, "loss", required=False).alias(names[c]) for c in chosen]
    base = pl.DataFrame(list(cols.values())).with_row_index("_row")
    long = (
        pl.concat([base, pl.DataFrame(losses)], how="horizontal")
        .unpivot(on=[names[c] for c in chosen], index=base.columns, variable_name="eval", value_name="loss")
        .sort("_row", maintain_order=True)
    )
    kept = long.filter(pl.col("loss").is_not_null())
    info.update(
        rows_read=long.height,
        rows_rejected=long.height - kept.height,
        loss_columns={c: names[c] for c in chosen},
        loss_columns_detected=loss_columns is None,
        ignored_columns=[c for c in candidates if c not in names],
    )
    if kept.height == 0:
        raise raw.header_error("every loss cell is empty")
    return _complete(kept), info


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
    for key, ev in explicit.items():
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
        if ds in own and own[ds] != e:
            raise SelectionError(f"two own evals given for {ds}: {own[ds]} and {e}", param="own_eval")
        own[ds], how[ds] = e, "explicit"
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


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")


def read_runs(
    paths: Sequence[Path | str],
    *,
    wide: bool = False,
    loss_columns: str | None = None,
    own_eval: Mapping[str, str] | None = None,
    strict: bool = False,
) -> Runs:
    """Read, check and normalise run tables into one canonical ``Runs`` (repeats averaged, own evals found).

    Raises ``InputError`` (file, line, column) for a table that fails a check, and ``SelectionError`` for an
    ``own_eval`` entry naming a dataset or eval that is not in the tables.
    """
    if not paths:
        raise UsageError("no input files given")
    if loss_columns is not None and not wide:
        raise UsageError("a loss-column pattern applies to wide tables only", param="loss_columns")
    raws: list[_Raw] = []
    parts: list[pl.DataFrame] = []
    infos: list[dict[str, Any]] = []
    for k, p in enumerate(paths):
        raw = _read_raw(Path(p))
        long, info = _to_long(raw, wide=wide, loss_columns=loss_columns)
        raws.append(raw)
        parts.append(long.with_columns(pl.lit(k, dtype=pl.Int64).alias("_file")))
        infos.append(info)
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
            "ignored_columns": info["ignored_columns"],
            "ingested_at": _now(),
        }
        if wide:
            entry["loss_columns"] = info["loss_columns"]
            entry["loss_columns_detected"] = info["loss_columns_detected"]
        if repeated.height:
            seeds = repeated.filter(pl.col("_file") == k).get_column("seed")
            entry["repeats_have_seeds"] = bool(seeds.len() and seeds.is_not_null().all())
        provenance.append(entry)

    canon = _canonical(averaged)
    own, how, ambiguous = _resolve_own(canon, own_eval or {})
    if ambiguous and provenance:
        provenance[-1]["own_eval_ambiguous"] = ambiguous
    return Runs(canon, own, tuple(provenance), how)


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
        nums = [raw.lines[r] for r in rows] if raw.lines is not None else [r + 1 for r in rows]
        unit = "line" if raw.lines is not None else "row"
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
