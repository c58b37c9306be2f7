"""The render engine: number formatting, ``Report`` (rows of plain values plus column specs), and writing reports
as rich tables for people or JSON and CSV for scripts; and the progress bar.

Pure presentation: nothing here knows what a run, a law or a workspace is. JSON carries ``schema_version``; no NaN
or inf is ever written (they become ``null`` and a note says why).
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import IO, Any, Literal, cast

from l2l.schema import OUTPUT_FORMATS, OutputFormat

__all__ = [
    "OUTPUT_FORMATS",
    "SCHEMA_VERSION",
    "Column",
    "OutputFormat",
    "ProgressBar",
    "Report",
    "fmt_sig",
    "plural",
    "render",
]

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


def _ignore(_done: int, _total: int) -> None:
    """The progress callback when no bar is shown."""


class ProgressBar:
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
            return _ignore
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
