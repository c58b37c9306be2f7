"""Reading one file into a raw table: columns as in the file (text formats all text), each row's line kept.

The careful reader holds a file whole (CSV/TSV with the csv module, NDJSON record by record, Parquet), within the
limits of ``l2l.io.limits``; ``_scan_plain`` scans a plain CSV/TSV lazily instead. Every problem is an
``InputError`` naming the file, and the line where there is one.
"""

from __future__ import annotations

import csv
import hashlib
import io
import itertools
import json
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import polars as pl

from l2l.base.errors import InputError
from l2l.base.text import quoted, some_of

__all__ = ["SUPPORTED_EXTENSIONS", "FrameSource", "frame_source", "is_frame", "read_frame", "with_constants"]

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

#: What a table file must hold, for the refusal of one that holds nothing.
_EMPTY_HINT = (
    "l2l reads a header row of column names (dataset, N, D, eval, loss; or one loss column per eval, with --wide) "
    "and one row per run under it: was the file written whole?"
)
#: The fix of a table with a header and no rows.
_HEADER_ONLY_HINT = (
    "add the runs under the header, one row each with its N, D and loss: was the export cut short?"
)


def _unsupported_hint(name: str) -> str:
    """The way to a file l2l reads from one of another type (``name``: the file's name, lower case)."""
    suffix = Path(name).suffix
    if name.endswith((".parquet.gz", ".pq.gz")):
        return "decompress it (gunzip FILE): a Parquet file is compressed inside already"
    if suffix == ".json":
        return (
            "JSON with one object per line is NDJSON: rename it to .jsonl; a JSON array of objects becomes NDJSON "
            "with jq -c '.[]' FILE > runs.jsonl"
        )
    if suffix in (".xlsx", ".xls", ".xlsm", ".ods", ".numbers"):
        return "save the sheet as CSV (CSV UTF-8) and read that file"
    return "a CSV or TSV file under another name: rename it to .csv or .tsv; a table in another format: save it as CSV"


# ----------------------------------------------------------------------------------------------------
# Reading one file into a raw table (columns as in the file, one physical line per row)
# ----------------------------------------------------------------------------------------------------


@dataclass
class _Raw:
    path: str
    format: str
    sha256: str
    frame: pl.DataFrame  # columns named as in the file; text formats: all String
    lines: list[int] | None  # physical (1-based) line of each row; None for Parquet (and a scanned file)
    header_line: int | None = 1
    scan: pl.LazyFrame | None = None  # a plain CSV scanned lazily (all columns text); ``frame`` is then empty
    names: list[str] | None = None  # the scanned file's columns
    first_line: int | None = None  # a scanned file: the line of data row 0 (its rows are consecutive lines)
    separator: str = ","
    # values that are neither a name nor a number (an NDJSON object, invalid UTF-8 in Parquet): column → (rows,
    # what they are); an error only when the column is used
    bad: dict[str, tuple[list[int], str]] = field(default_factory=dict)
    verify: _Verify | None = field(default=None, repr=False)  # a scanned file's byte pass (see ``settle``)
    # canonical column → the one value of every row, for a table without that column (``with_constants``)
    constants: dict[str, str] = field(default_factory=dict)
    # canonical columns taken from the stored run of each row's run id (``tables._stored_run_columns``)
    from_stored: tuple[str, ...] = ()
    # what reading the file decided, one line each, for the ingest report (a trailing delimiter dropped)
    notes: tuple[str, ...] = ()
    # perplexity columns read as ln(value) under a loss name (``ingest --perplexity``): column → its new name
    logged: dict[str, str] = field(default_factory=dict)
    # a DataFrame's rows are named by their index (from 0, as the frame counts them), a file's by row (from 1)
    by_index: bool = False

    @property
    def columns(self) -> list[str]:
        return list(self.names) if self.names is not None else self.frame.columns

    def lazy(self) -> pl.LazyFrame:
        """The file's columns as in the file (text formats: all String), lazily."""
        return self.scan if self.scan is not None else self.frame.lazy()

    def line_of(self, row: int) -> int | None:
        if self.lines is not None:
            return self.lines[row]
        return None if self.first_line is None else self.first_line + row

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
            line = self.line_of(row)
            if line is None:
                message = f"{self._row_name(row)}: {message}"
        return InputError(message, path=self.path, line=line, column=column, hint=hint, param=param)

    def header_error(
        self, message: str, *, column: str | None = None, hint: str | None = None, param: str | None = None
    ) -> InputError:
        return InputError(
            message, path=self.path, line=self.header_line, column=column, hint=hint, param=param
        )

    def where(self, row: int) -> str:
        line = self.line_of(row)
        return f"line {line}" if line is not None else self._row_name(row)

    def _row_name(self, row: int) -> str:
        return f"index {row}" if self.by_index else f"row {row + 1}"


@dataclass(frozen=True)
class FrameSource:
    """A table handed over as a DataFrame (``read_runs(frame)``), named ``label`` where a file's path would be."""

    frame: pl.DataFrame
    label: str

    def __str__(self) -> str:
        return self.label


def is_frame(obj: object) -> bool:
    """A polars or a pandas DataFrame (pandas not imported to tell)."""
    kind = type(obj)
    return isinstance(obj, pl.DataFrame) or (
        kind.__module__.split(".")[0] == "pandas" and kind.__name__ == "DataFrame"
    )


def frame_source(frame: object, label: str) -> FrameSource | None:
    """``frame`` as a polars DataFrame under ``label`` where it is one (a pandas DataFrame converted), else None."""
    if isinstance(frame, pl.DataFrame):
        return FrameSource(frame, label)
    if is_frame(frame):
        try:
            # column by column as Python values: polars' from_pandas needs pyarrow for pandas' default text
            # columns (pandas 3), which l2l does not depend on; the frame's index is not a column
            columns = frame.columns  # type: ignore[attr-defined]
            return FrameSource(
                pl.DataFrame({str(c): frame[c].tolist() for c in columns}, strict=False),  # type: ignore[index]
                label,
            )
        except Exception as exc:  # noqa: BLE001 - polars raises many types for a frame it cannot convert
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise InputError(
                f"a pandas DataFrame polars cannot convert ({first})",
                path=label,
                hint="write it to a file (df.to_csv('runs.csv', index=False)) and read that",
            ) from None
    return None


def read_frame(source: FrameSource) -> _Raw:
    """A DataFrame read as a Parquet file of the same columns is (the same checks, the same types), its rows named
    by their index."""
    buffer = io.BytesIO()
    try:
        source.frame.write_parquet(buffer)
    except Exception as exc:  # noqa: BLE001 - a column of Python objects cannot be stored
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"a DataFrame whose columns cannot be read as a table ({first})",
            path=source.label,
            hint="give numbers and names as numbers and text (cast object columns first)",
        ) from None
    data = buffer.getvalue()
    raw = _read_parquet(data, source.label, hashlib.sha256(data).hexdigest())
    return replace(raw, format="dataframe", by_index=True)


def with_constants(raw: _Raw, constants: Mapping[str, str]) -> _Raw:
    """``raw`` with a column per entry of ``constants`` (canonical name → value), named by its canonical name and
    holding the value in every row: the dataset (or eval) of a table that has no such column (``ingest --dataset
    NAME``). The caller has checked that the file has no column of that name; a file read again carefully gets the
    same columns (``raw.constants``)."""
    if not constants:
        return raw
    added = [pl.lit(value, dtype=pl.String).alias(canon) for canon, value in constants.items()]
    out = replace(raw, constants={**raw.constants, **constants})
    if raw.scan is not None:
        out.scan = raw.scan.with_columns(added)
        out.names = [*raw.columns, *constants]
    else:
        out.frame = raw.frame.with_columns(added)
    return out


def _format_of(path: Path) -> tuple[str, bool]:
    if str(path) == "-":  # (it was "unsupported file type '(no extension)' … rename it to .csv": h54)
        raise InputError(
            "l2l reads no table from standard input",
            path="-",
            hint="write it to a file first (… > runs.csv) and name the file",
        )
    if path.is_dir():
        harness = next((f for f in sorted(path.glob("*.json")) if _is_harness_results(f)), None)
        raise InputError(
            "is a directory, not a table: name the run files in it",
            path=str(path),
            hint=None if harness is None else _harness_hint(f"{shlex.quote(str(path))}/*.json"),
        )
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
        hint=(
            _harness_hint(shlex.quote(str(path)))
            if _is_harness_results(path)
            else _unsupported_hint(path.name.lower())
        ),
    )


#: The largest JSON file looked into for an evaluation harness's results (its samples are kept in other files).
_HARNESS_BYTES = 64 * 2**20


def _is_harness_results(path: Path) -> bool:
    """Whether ``path`` is a ``.json`` file of lm-evaluation-harness results: one object whose ``results`` maps
    each task to an object of its scores (``{"results": {"hellaswag": {"acc,none": 0.41, …}}, "config": …}``)."""
    try:
        if path.suffix.lower() != ".json" or path.stat().st_size > _HARNESS_BYTES:
            return False
        obj = json.loads(path.read_bytes())
    except (OSError, ValueError):
        return False
    results = obj.get("results") if isinstance(obj, dict) else None
    return isinstance(results, dict) and bool(results) and all(isinstance(v, dict) for v in results.values())


def _harness_hint(files: str) -> str:
    """How to read lm-evaluation-harness results files (``files``: a path or glob, quoted for the shell): one row
    per task's score, keyed by run id, appended to the stored losses of those runs (ingest was told to rename the
    file .jsonl, or that a directory is not a table: helper h102)."""
    return (
        "lm-evaluation-harness results (one file per model, each task's scores under 'results'): flatten them "
        "into rows of run_id, eval, metric, value and append those to the losses stored with those run ids, e.g. "
        f'for f in {files}; do jq -c --arg id "$(basename "$f" .json)" \'.results | to_entries[] | '
        '{run_id: $id, eval: .key, metric: "accuracy", value: .value["acc,none"]}\' "$f"; done > acc.jsonl; '
        "l2l ingest --append acc.jsonl (each file named after its run's id; acc_norm,none for the normalised score)"
    )


def _read_raw(path: Path) -> _Raw:
    """A file read whole, checked and split into rows (the careful reader: every row keeps its line)."""
    from l2l.io.limits import check_rows, gunzip, read_whole

    fmt, gz = _format_of(path)
    p = str(path)
    data = read_whole(path, hint=_STREAM_HINT if fmt in ("csv", "tsv") and not gz else None)
    sha = hashlib.sha256(data).hexdigest()
    if not data:
        raise InputError("empty file (0 bytes)", path=p, hint=_EMPTY_HINT)
    if gz:
        data = gunzip(data, p)
        if not data:
            raise InputError("empty file (0 bytes after decompression)", path=p, hint=_EMPTY_HINT)
    label = fmt + (".gz" if gz else "")
    if fmt == "parquet":
        return _read_parquet(data, p, sha)
    _refuse_other_format(data, path, gz)
    check_rows(data.count(b"\n") + (not data.endswith(b"\n")) - (fmt != "ndjson"), p)  # (less a header)
    _refuse_binary(data, p)
    text = _decode(data, p)
    if not text.strip():
        raise InputError("empty file (only blank lines)", path=p, hint=_EMPTY_HINT)
    if fmt == "ndjson":
        return _read_ndjson(text, p, sha, label)
    return _read_delimited(text, p, sha, label, "\t" if fmt == "tsv" else ",")


def _refuse_other_format(data: bytes, path: Path, gz: bool) -> None:
    """Refuse a file of another format under a text table's name, named by its first bytes (its magic number),
    with the way to read it: a gzip, zip (an Excel workbook) or Parquet file renamed .csv was "binary data" (h1).
    ``data``: the file's bytes (decompressed when ``gz``)."""
    if data.startswith(b"\x1f\x8b"):
        magic, what = (
            "1f 8b",
            "gzip-compressed data" + (" inside the gzip file (compressed twice)" if gz else ""),
        )
        compressed = ", ".join(e for e in SUPPORTED_EXTENSIONS if e.endswith(".gz"))
        hint = "gunzip it once more" if gz else f"name it {path.name}.gz: l2l reads {compressed} compressed"
    elif data.startswith(b"PK\x03\x04"):
        magic = "'PK' 03 04"
        if b"xl/" in data or b"[Content_Types].xml" in data:
            what, hint = "an Excel workbook (xlsx, a zip archive)", _unsupported_hint("sheet.xlsx")
        elif b"opendocument.spreadsheet" in data[:100]:
            what, hint = "an OpenDocument spreadsheet (a zip archive)", _unsupported_hint("sheet.ods")
        else:
            what, hint = (
                "a zip archive",
                "unzip it and read the table inside (l2l reads gzip's .csv.gz, not zip)",
            )
    elif data.startswith(b"PAR1"):
        magic, what = "'PAR1'", "a Parquet file"
        named = Path(path.name[:-3] if gz else path.name).with_suffix(".parquet").name
        hint = f"{'gunzip it and ' if gz else ''}name it {named}: l2l reads Parquet so named"
    else:
        return
    raise InputError(f"{what}, not a text table (its first bytes are {magic})", path=str(path), hint=hint)


def _refuse_binary(data: bytes, path: str) -> None:
    """A file with a NUL byte in its header or in a line longer than 64 kB is binary, not a table: refused before
    it is decoded and parsed (a NUL in a short line is left to the checks, which name its column)."""
    first = data.find(b"\x00")
    if first < 0:
        return
    start = data.rfind(b"\n", 0, first) + 1
    end = data.find(b"\n", first)
    line = data.count(b"\n", 0, first) + 1
    head = data[:4]  # text in UTF-16 without a BOM: a NUL in every other byte, from the first or the second
    interleaved = len(head) == 4 and all((b == 0) == (i % 2 == first % 2) for i, b in enumerate(head))
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (first < 2 and interleaved):
        # UTF-16 (Excel's "Unicode text", PowerShell's default): every other byte is NUL
        raise InputError(
            "UTF-16 text: l2l reads UTF-8 tables",
            path=path,
            hint="save it as UTF-8 (Excel: CSV UTF-8; iconv -f UTF-16 -t UTF-8 FILE > OUT.csv)",
        )
    if line == 1 or (end if end >= 0 else len(data)) - start > 1 << 16:
        raise InputError("a NUL byte: this is binary data, not a text table", path=path, line=line)


_STREAM_HINT = (
    "a plain CSV/TSV (no quotes, LF line ends) is streamed without this limit, unless a value fails a check "
    "(it is then read whole, to name the line)"
)


# bytes per read when hashing and checking a file for the lazy scan: 1 MiB stays in cache from the read through the
# hash to the counts (16 MiB reads, counted 1 MiB at a time, cost 0.13 s more CPU on a 558 MB log: each byte came
# from memory twice)
_CHUNK = 1 << 20


class NotPlainError(Exception):
    """A scanned file turned out not to be plain (quotes, CR, NUL, a blank or ragged line, too many rows): the
    careful reader must read it."""


class _Verify:
    """The byte pass over a scanned file, in a thread beside the polars pass (hashlib and file reads release the
    GIL, polars runs without it): the SHA-256 and the checks that make the file plain (every line has the
    header's field count, no quote, CR or NUL byte). ``result()`` waits for it."""

    def __init__(self, path: Path, sep: bytes, fields: int, *, wait: bool = False) -> None:
        import threading

        self.path, self.sep, self.fields = path, sep, fields
        self.sha = ""
        self.lines = 0
        self.plain = False
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name="l2l-verify", daemon=True)
        if wait:  # a small file: checked at once, no thread
            self._run()
        else:
            self._thread.start()

    def _run(self) -> None:
        import numpy as np

        try:
            sha = hashlib.sha256()
            newlines = seps = 0
            last = b"\n"
            odd = False
            sep, newline = self.sep[0], ord("\n")
            # numpy counts ~3x faster than bytes.count; one mask reused, which stays in cache (a mask per 16 MiB
            # chunk cost 0.35 s of CPU on a 530 MB log, this 0.1 s)
            mask = np.empty(_CHUNK, dtype=bool)
            with self.path.open("rb") as fh:
                while chunk := fh.read(_CHUNK):
                    sha.update(chunk)
                    if b'"' in chunk or b"\r" in chunk or b"\x00" in chunk:
                        odd = True
                    part = np.frombuffer(chunk, dtype=np.uint8)
                    m = mask[: part.size]
                    newlines += int(np.count_nonzero(np.equal(part, newline, out=m)))
                    seps += int(np.count_nonzero(np.equal(part, sep, out=m)))
                    last = chunk[-1:]
            self.sha = sha.hexdigest()
            self.lines = newlines + (last != b"\n")
            self.plain = not odd and self.lines >= 2 and seps == (self.fields - 1) * self.lines
        except BaseException as exc:  # noqa: BLE001 - handed to the waiting reader
            self.error = exc

    def result(self) -> tuple[str, int, bool]:
        """(sha256, lines, plain), once the pass is done."""
        if self._thread.is_alive() or self._thread.ident is not None:
            self._thread.join()
        if self.error is not None:
            return "", 0, False
        return self.sha, self.lines, self.plain


def _scan_plain(path: Path) -> _Raw | None:
    """A plain CSV/TSV scanned lazily (polars), for tables of millions of rows; None when the careful reader must
    read it line by line (gzip, a byte-order mark, a ragged or odd header).

    Only the header is read here. A pass over the bytes (``_Verify``, in a thread beside the scan) hashes the file
    and checks that every line has the header's field count (so no line is blank or ragged, and a row's line is
    ``first_line + row``) and that no quote, CR or NUL byte is in it; ``settle`` waits for it, and raises
    ``NotPlainError`` when the file is not plain after all. The values themselves are checked by the caller, and any
    problem found there (bad UTF-8 included: the scan fails) is reported by the careful reader, which names the
    line.
    """
    from l2l.io.limits import check_rows

    try:
        fmt, gz = _format_of(path)
        if gz or fmt not in ("csv", "tsv") or not path.is_file() or path.stat().st_size == 0:
            return None
        with path.open("rb") as fh:
            head = fh.read(1 << 16)
    except (OSError, UnicodeDecodeError):
        return None
    end = head.find(b"\n")
    if end <= 0 or head.startswith(b"\xef\xbb\xbf"):
        return None
    header = head[:end]
    if b'"' in header or b"\r" in header or b"\x00" in header:
        return None
    counts = {s: header.count(s.encode()) for s in _SEPARATORS}
    default = "\t" if fmt == "tsv" else ","
    best = max(counts, key=lambda s: counts[s])
    sep = default if counts[default] or not counts[best] else best
    try:
        names = header.decode().split(sep)
    except UnicodeDecodeError:
        return None
    if any(n != n.strip() or not n for n in names) or len(set(names)) < len(names):
        return None
    plain = sep == default
    label = fmt + ("" if plain else f" ({_SEPARATORS[sep]}-separated)")
    scan = pl.scan_csv(path, separator=sep, infer_schema=False, has_header=True, quote_char=None)
    raw = _Raw(str(path), label, "", pl.DataFrame(), None, 1, scan, names, 2, sep)
    small = len(head) < (1 << 16)
    raw.verify = _Verify(path, sep.encode(), len(names), wait=small)
    if small:
        sha, lines, ok = raw.verify.result()
        if not ok:
            return None
        check_rows(lines - 1, str(path))
        raw.sha256, raw.verify = sha, None
    return raw


def settle(raw: _Raw) -> None:
    """Wait for a scanned file's byte pass: its sha256 filled in; NotPlainError when it is not plain after all (the
    caller reads it carefully), InputError when it has more rows than the limit."""
    from l2l.io.limits import check_rows

    if raw.verify is None:
        return
    sha, lines, plain = raw.verify.result()
    raw.verify = None
    if not plain:
        raise NotPlainError
    check_rows(lines - 1, raw.path)
    raw.sha256 = sha


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
    return some_of(parts, limit + 1)


def _read_delimited(text: str, path: str, sha: str, label: str, default_sep: str) -> _Raw:
    physical = re.split(r"\r\n|\r|\n", text)  # lines as the csv reader counts them (a lone CR ends one)
    first = next(i for i, ln in enumerate(physical) if ln.strip())
    header_text = physical[first]
    counts = {s: header_text.count(s) for s in _SEPARATORS}
    sep = default_sep if counts[default_sep] else max(counts, key=lambda s: counts[s])
    if not counts[sep]:
        sep = default_sep
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    records: list[list[str]] = []
    lines: list[int] = []
    prev = last = 0
    last_rec: list[str] = []
    try:
        for rec in reader:
            start, prev = prev + 1, reader.line_num
            last, last_rec = start, rec
            if not rec or all(not f.strip() for f in rec):
                continue  # blank line
            records.append(rec)
            lines.append(start)
    except csv.Error as exc:
        # the line the record started on: where a runaway quoted field began, not where the reader gave up (a
        # probe's stray quote on line 6 was blamed on line 4069; p63)
        start = prev + 1
        quote = '"' in physical[start - 1] if start <= len(physical) else False
        hint = "an unterminated quote? a '\"' opens a field that runs until the next one" if quote else None
        raise InputError(
            f"cannot parse the record that starts here: {exc}", path=path, line=start, hint=hint
        ) from None
    _check_closed(physical, last, last_rec, records[0] if len(records) > 1 else [], sep, path)
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
        raise InputError(
            "no data rows (the file has only a header)", path=path, line=header_line, hint=_HEADER_ONLY_HINT
        )
    k = len(names)
    notes: tuple[str, ...] = ()
    if _trailing_separator(body, k):
        body = [rec[:k] for rec in body]
        notes = (
            f"every data row ends with a {_SEPARATORS[sep]} the header does not (an empty last field): that "
            "field dropped",
        )
    bad = [i for i, rec in enumerate(body) if len(rec) != k]
    if bad:
        _ragged(path, physical, body, body_lines, bad, sep, k, header_line)
    columns = list(zip(*body, strict=True))
    frame = pl.DataFrame([pl.Series(n, c, dtype=pl.String) for n, c in zip(names, columns, strict=True)])
    if sep != default_sep:
        label += f" ({_SEPARATORS[sep]}-separated)"
    return _Raw(path, label, sha, frame, body_lines, header_line, notes=notes)


_DIGITS = re.compile(r"^[+-]?\d{1,3}$")  # (the integer part or first group: a field of 9 digits is a count)
_DIGITS_ON = re.compile(r"^\d+(?:[eE][+-]?\d+)?\s*[A-Za-z]{0,2}$")


def _comma_in_number(row: list[str], k: int) -> str | None:
    """The hint where a comma-separated row has more fields than the header because a number was written with a
    comma in it, unquoted: a decimal comma (``1,3B``) or thousands separators (``1,000,000``): "expected 5 fields,
    found 6" named neither (probe h23). None where no two neighbouring fields read as one such number."""
    if len(row) <= k:
        return None
    for a, b in itertools.pairwise(row):
        a, b = a.strip(), b.strip()
        if _DIGITS.match(a) and _DIGITS_ON.match(b):
            if len(b) == 3 and b.isdigit():
                return (
                    f"a number written with thousands separators ('{a},{b}…'), unquoted, splits into several fields: "
                    "write it without them (1000000, or 1e6)"
                )
            return (
                f"a decimal comma ('{a},{b}'), unquoted, splits a number into two fields: write decimals with a "
                f"point ({a}.{b}), or quote the field"
            )
    return None


def _trailing_separator(body: list[list[str]], k: int) -> bool:
    """Whether every data row has one field more than the header's ``k`` and that field is empty in every row: a
    separator at the end of each data line (an awk or logger export writes one), not a column (h1)."""
    return all(len(rec) == k + 1 and not rec[k].strip() for rec in body)


def _check_closed(
    physical: list[str], start: int, rec: list[str], header: list[str], sep: str, path: str
) -> None:
    """Refuse a quote left open in the last record, which the lenient reader closes at the end of the file: a
    stray quote on the last line was read as the value it starts, and one earlier swallowed every line after it
    into one cell (p63). Only that record is read again, strictly; ``header`` names the field's column."""
    if start < 1 or not any('"' in line for line in physical[start - 1 :]):
        return
    try:
        for _ in csv.reader(
            io.StringIO("\n".join(physical[start - 1 :]), newline=""), delimiter=sep, strict=True
        ):
            pass
    except csv.Error as exc:
        if "end of data" not in str(exc):
            return  # a quote inside a field (5"), which the lenient reading keeps as written
        raise InputError(
            f"unterminated quote: the field {quoted(rec[-1], 40) if rec else ''} opened by the '\"' on this line runs "
            "to the end of the file",
            path=path,
            line=start,
            column=header[len(rec) - 1].strip() or None if 0 < len(rec) <= len(header) else None,
            hint="close the quote, or delete it",
        ) from None


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
    hint = _header_hint(
        physical[header_line - 1], header_line, k, {len(body[j]) for j in bad}, len(bad) == len(body)
    )
    comma = _comma_in_number(body[i], k) if sep == "," else None
    if comma is not None:
        hint = comma
    if _trailing_separator([body[j] for j in bad], k):  # (every row alike is read: see _trailing_separator)
        hint = (
            f"{'these lines end' if more else 'this line ends'} with a {_SEPARATORS[sep]} the header does not (an "
            "empty last field): delete it"
        )
    raise InputError(
        f"expected {k} fields as in the header, found {len(body[i])}{also}",
        path=path,
        line=body_lines[i],
        hint=hint,
    )


#: Excel's first line naming the separator (``sep=;``), which other readers skip.
_SEP_LINE = re.compile(r"^\s*sep\s*=.?\s*$", re.IGNORECASE)


def _header_hint(text: str, line: int, k: int, counts: set[int], every: bool) -> str | None:
    """Why every row has another number of fields than the header: its line (``text``) is no header but a comment,
    Excel's ``sep=;`` or a title above it (the error was right, but nothing said line 1 was taken as the header;
    probe p60). None unless every row disagrees with it alike."""
    if not every or len(counts) != 1:
        return None
    shown = text.strip()
    shown = shown if len(shown) <= 40 else shown[:39] + "…"
    fix = "delete it, so that the header is the first line"
    if _SEP_LINE.match(text):
        return f"line {line} ({shown!r}) is Excel's separator line, taken as the header: {fix}"
    if shown.startswith(("#", "//", "%", ";")):
        return f"line {line} ({shown!r}) looks like a comment, taken as the header: {fix}"
    fields = f"{k} field{'s' if k != 1 else ''}, every row {next(iter(counts))}"
    return f"line {line} ({shown!r}: {fields}) was taken as the header: a title above it? {fix}"


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


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F]")


def _json_record(line: str, path: str, lineno: int) -> dict[str, Any]:
    """One NDJSON line as an object: valid JSON, no duplicate key, no lone surrogate, nested at most
    ``L2L_MAX_JSON_DEPTH`` levels."""
    from l2l.io.limits import LIMITS, json_depth

    depth = LIMITS["json_depth"]
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
    except RecursionError:
        raise InputError(f"nested deeper than {depth.describe()}", path=path, line=lineno) from None
    except ValueError as exc:  # e.g. an integer of more digits than Python converts
        raise InputError(f"invalid JSON ({exc})", path=path, line=lineno) from None
    if not isinstance(obj, dict):
        raise InputError(
            f"expected a JSON object per line, found {type(obj).__name__}", path=path, line=lineno
        )
    if any(isinstance(v, (dict, list)) for v in obj.values()) and json_depth(obj) > depth.value():
        raise InputError(f"nested deeper than {depth.describe()}", path=path, line=lineno)
    if _SURROGATE_ESCAPE.search(line):
        try:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
        except UnicodeEncodeError as exc:
            char = exc.object[exc.start : exc.start + 1]
            raise InputError(
                f"a lone surrogate ({char.encode('unicode_escape').decode()}) is not valid Unicode text",
                path=path,
                line=lineno,
            ) from None
    return obj


def _read_ndjson(text: str, path: str, sha: str, label: str) -> _Raw:
    records: list[dict[str, Any]] = []
    lines: list[int] = []
    keys: dict[str, None] = {}
    bad: dict[str, tuple[list[int], str]] = {}
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip():
            continue
        obj = _json_record(line, path, lineno)
        for k, v in obj.items():
            if isinstance(v, (dict, list)):
                kind = "object" if isinstance(v, dict) else "array"
                bad.setdefault(k, ([], f"a JSON {kind} where a name or a number belongs"))[0].append(
                    len(records)
                )
        records.append(obj)
        lines.append(lineno)
        keys.update(dict.fromkeys(obj))
    frame = pl.DataFrame(
        [pl.Series(k, [_json_text(r.get(k)) for r in records], dtype=pl.String) for k in keys]
    )
    return _Raw(path, label, sha, frame, lines, header_line=None, bad=bad)


def _read_parquet(data: bytes, path: str, sha: str) -> _Raw:
    """A Parquet file (at most ``L2L_MAX_ROWS`` rows, counted from its metadata before it is read); text stored
    as bytes is taken as UTF-8 text, and bytes that are not UTF-8 are refused where the column is used."""
    from l2l.io.limits import check_rows

    try:
        check_rows(int(pl.scan_parquet(io.BytesIO(data)).select(pl.len()).collect().item()), path)
        frame = pl.read_parquet(io.BytesIO(data))
    except InputError:
        raise
    except Exception as exc:  # noqa: BLE001 - polars raises many types for a bad file; each is the user's
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(
            f"not a readable Parquet file ({first})",
            path=path,
            hint="write it again (polars df.write_parquet(PATH), pandas df.to_parquet(PATH)), or export the table "
            "as CSV; a CSV or NDJSON file needs its own extension (.csv, .jsonl)",
        ) from None
    if frame.width == 0:
        raise InputError("no columns", path=path)
    if frame.height == 0:
        raise InputError(
            "no data rows (the file has only a schema)",
            path=path,
            hint="write the table again with its runs, one row each with its N, D and loss",
        )
    bad: dict[str, tuple[list[int], str]] = {}
    for name, dtype in frame.schema.items():
        if dtype == pl.Binary:
            values: list[str | None] = []
            invalid: list[int] = []
            for i, b in enumerate(frame.get_column(name).to_list()):
                try:
                    values.append(None if b is None else b.decode("utf-8"))
                except UnicodeDecodeError:
                    values.append(None)
                    invalid.append(i)
            if invalid:
                bad[name] = (invalid, "not valid UTF-8 text")
            frame = frame.with_columns(pl.Series(name, values, dtype=pl.String))
    return _Raw(path, "parquet", sha, frame, None, header_line=None, bad=bad)
