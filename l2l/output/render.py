"""The render engine: a ``Report`` (``l2l.output.report``) laid out at a terminal's width, and written as a rich
table for people, Markdown or LaTeX for notes and papers (``markup``), JSON and CSV for scripts; and the progress
bar.

Pure presentation: nothing here knows what a run, a law or a workspace is. JSON carries ``schema_version``; no NaN
or inf is ever written (they become ``null`` and a note says why).

**The answer first.** A column with ``drop=0`` (the prediction and its interval, a verdict) never leaves a table,
whatever the width: secondary columns leave first (highest ``drop`` first), then long names wrap at their own
break points (``/ _ - . :``), the same way in every table; only when even that does not fit does the table become
one block per row. A report's ``summary`` says the answer in words under its table.

Names are data: a table cell, title or note is never read as rich markup (``[bold]x[/]`` shows as typed), and its
control characters are shown as escapes (``l2l.base.text.visible``); JSON escapes them as JSON does; a CSV cell is
shown the same way, and one that a spreadsheet would run as a formula (it starts with ``= + - @``, a tab or a CR)
gets a leading single quote, as OWASP recommends.
"""

from __future__ import annotations

import csv
import errno
import io
import json
import math
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any, cast

from l2l.base.progress import Progress
from l2l.base.schema import OUTPUT_FORMATS, OutputFormat
from l2l.base.text import visible
from l2l.output.report import Column, Report, Row, shown

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "OUTPUT_FORMATS",
    "PEOPLE_FORMATS",
    "RESERVED_KEYS",
    "SCHEMA_VERSION",
    "Column",
    "OutputFormat",
    "ProgressBar",
    "Report",
    "Row",
    "layout",
    "render",
    "terminal_width",
    "wrap_name",
    "wrap_words",
]

SCHEMA_VERSION = 1

#: Formats for people: they show the ``table`` reports; scripts' formats (json, csv) show their own.
PEOPLE_FORMATS = frozenset({"table", "markdown", "latex"})

#: The narrowest a long name is wrapped to before a table gives up and shows one block per row.
MIN_NAME_WIDTH = 12


def clean(value: Any) -> Any:
    """Plain JSON-safe Python values: numpy scalars to floats/ints, NaN/inf to None, containers recursively."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, Mapping):
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


#: Keys of every JSON document that a report's ``meta`` may not override.
RESERVED_KEYS = frozenset({"schema_version", "l2l_version", "kind", "rows", "notes", "summary"})


def _data_rows(rep: Report) -> list[dict[str, Any]]:
    """The rows as JSON and CSV carry them: plain values, without the table-only label columns."""
    hidden = {c.key for c in rep.columns if not c.in_data}
    return [clean({k: v for k, v in r.items() if k not in hidden}) for r in rep.rows]


def to_json(reports: Sequence[Report]) -> str:
    """ONE JSON document for any command: ``{"schema_version", "l2l_version", "kind", <meta>, "rows", "summary",
    "notes"}`` of the first report; each further report's rows are a list under its ``json_key`` (default its
    kind)."""
    from l2l.base.version import __version__

    if not reports:
        return json.dumps({"schema_version": SCHEMA_VERSION, "l2l_version": __version__, "rows": []})
    main, *rest = reports
    clash = RESERVED_KEYS & set(main.meta)
    if clash:
        raise ValueError(f"report meta may not set {sorted(clash)}")
    doc: dict[str, Any] = {"schema_version": SCHEMA_VERSION, "l2l_version": __version__, "kind": main.kind}
    doc.update(clean(main.meta))
    doc["rows"] = _data_rows(main)
    notes = list(main.notes)
    # every document has a summary (the README promises the shape): the main table's answer in words, else the
    # first further table's (rank's main table has none of its own), else the main table's title (runs)
    summary = main.summary or next((r.summary for r in rest if r.summary), None) or main.title or None
    for i, rep in enumerate(rest, start=2):
        key = rep.json_key or rep.kind
        doc[f"{key}_{i}" if key in doc else key] = _data_rows(rep)
        # a further table's answer in words joins the notes (unless it is the document's summary)
        said = [rep.summary] if rep.summary and rep.summary != summary else []
        notes.extend(n for n in [*said, *rep.notes] if n not in notes)
    doc["summary"] = summary
    doc["notes"] = notes  # always there, empty or not: one shape for scripts
    return json.dumps(doc, indent=2, allow_nan=False)


#: First characters that make a spreadsheet run a cell as a formula (OWASP, "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_text(text: str) -> str:
    """A text cell as it goes into CSV: control characters shown as escapes, and a leading ``'`` when it starts
    like a formula (``=cmd|' /C calc'!A0`` → ``'=cmd|' /C calc'!A0``). Numbers are never touched."""
    text = visible(text)
    return "'" + text if text.startswith(_FORMULA_START) else text


def _cell(value: Any) -> Any:
    """A plain CSV cell: lists are joined with '; ' (never JSON text in a cell); text made safe (``csv_text``)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return csv_text("; ".join("" if v is None else str(_item_cell(v)) for v in value))
    if isinstance(value, dict):
        return csv_text("; ".join(f"{k}={_raw_cell(v)}" for k, v in value.items()))
    if isinstance(value, str):
        return csv_text(value)
    return value


def _item_cell(value: Any) -> Any:
    """One item of a list in a joined cell: a record in parentheses, its fields joined with ', ', so that the
    records stay apart (fit-law's form_choice_scores read "form=l2l; error=…; form=chinchilla; …": p63)."""
    if isinstance(value, dict):
        return "(" + ", ".join(f"{k}={_raw_cell(v)}" for k, v in value.items()) + ")"
    return _raw_cell(value)


def _raw_cell(value: Any) -> Any:
    """A value inside a joined cell (made safe once, as the whole cell)."""
    if isinstance(value, list):
        return "; ".join("" if v is None else str(_raw_cell(v)) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={_raw_cell(v)}" for k, v in value.items())
    return "" if value is None else value


def _flat(row: Mapping[str, Any], cells: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Nested dicts become columns of their own (``bootstrap_draws``), but those of ``cells`` (keyed by the data)
    one cell each."""
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, dict) and k not in cells:
            for sub, val in _flat(v).items():
                out[f"{k}_{sub}"] = val
        else:
            out[k] = v
    return out


def _csv_keys(rep: Report, rows: Sequence[Mapping[str, Any]], plain: Sequence[Row]) -> list[str]:
    """A report's CSV columns in its own order: a dict column becomes its own columns where it stood, and keys no
    column names follow, sorted."""
    nested = {k for r in plain for k, v in r.items() if isinstance(v, dict) and k not in rep.csv_cells}
    flat_keys = list(dict.fromkeys(k for r in rows for k in r))
    keys: list[str] = []
    for c in rep.columns:
        if not c.in_data or c.key in rep.csv_omit:
            continue
        if c.key in nested:
            keys += [k for k in flat_keys if k.startswith(f"{c.key}_") and k not in keys]
        else:
            keys.append(c.key)
    return keys + sorted(set(flat_keys) - set(keys))


#: The column that says which table a row came from, when a command's CSV joins several tables into one.
CSV_TABLE_KEY = "table"


def to_csv(reps: Report | Sequence[Report]) -> str:
    """One CSV table. Several reports (``runs --evals``: the losses and the accuracies) become one table: a first
    column ``table`` names each row's report, and the columns are the union in the reports' order (a cell a report
    does not have is empty), so a script reads one header, never a second table mid-file."""
    reps = [reps] if isinstance(reps, Report) else list(reps)
    parts = []
    for rep in reps:
        plain = [{k: v for k, v in r.items() if k not in rep.csv_omit} for r in _data_rows(rep)]
        rows = [_flat(r, rep.csv_cells) for r in plain]
        parts.append((rep, rows, _csv_keys(rep, rows, plain)))
    keys = list(dict.fromkeys(k for _, _, ks in parts for k in ks))
    several = len(parts) > 1
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow([csv_text(k) for k in ([CSV_TABLE_KEY] if several else []) + keys])
    for rep, rows, _ in parts:
        name = [rep.json_key or rep.kind] if several else []
        for r in rows:
            writer.writerow(name + [_cell(r.get(k)) for k in keys])
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------------------------
# Layout at a width: secondary columns leave, names wrap, the answer stays
# ---------------------------------------------------------------------------------------------------------------


def _frame_width(widths: Sequence[int]) -> int:
    """Width of a rich box table with these column widths: one space of padding each side, one rule between."""
    return sum(widths) + 3 * len(widths) + 1


def _len(text: str) -> int:
    from rich.cells import cell_len

    return cell_len(text)


#: Where a header may wrap: at a space, or after a hyphen (``bias-`` / ``corrected``).
_HEADER_PARTS = re.compile(r"\S+?-(?=\S)|\S+")


def _header_width(title: str) -> int:
    """The narrowest a header can be: its longest word, a hyphenated word counting part by part."""
    return max((_len(w) for w in _HEADER_PARTS.findall(title)), default=0)


def _header_lines(title: str, width: int) -> str:
    """A header in lines of at most ``width`` cells, broken at spaces and after hyphens."""
    lines: list[str] = []
    for part in _HEADER_PARTS.findall(title):
        glue = "" if not lines or lines[-1].endswith("-") else " "
        if lines and _len(lines[-1]) + len(glue) + _len(part) <= width:
            lines[-1] += glue + part
        else:
            lines.append(part)
    return "\n".join(lines)


#: Where a name may wrap: after a separator of its parts.
# never after a decimal point: "lie 13." / "6 % below it" read as two numbers (a probe)
_BREAK = re.compile(r"(?<=[/_\-: ])|(?<=\.)(?!\d)")


def wrap_name(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken after ``/ _ - . :`` or a space where it can be (a part
    longer than the width is cut): ``downstream/hellaswag_test_ce_loss`` at 14 → ``downstream/``,
    ``hellaswag_test_``, ... The one way every table wraps a long name."""
    if _len(text) <= width or width < 1:
        return [text]
    lines: list[str] = []
    line = ""
    for part in _BREAK.split(text):
        while _len(part) > width:  # a part longer than a line: cut it
            room = width - _len(line)
            if room <= 0:
                lines.append(line)
                line, room = "", width
            lines.append(line + part[:room])
            line, part = "", part[room:]
        if _len(line) + _len(part) > width:
            lines.append(line)
            line = ""
        line += part
    if line:
        lines.append(line)
    return [ln for ln in lines if ln] or [text]


@dataclass(frozen=True)
class Layout:
    """Which columns a table shows at a width, how wide each is, and which it left out; ``vertical`` when even
    the columns that never leave do not fit with their names wrapped (one block per row instead)."""

    shown: list[Column]
    left_out: list[Column]
    widths: dict[str, int]
    vertical: bool = False


def constant(rep: Report, col: Column) -> str | None:
    """The one value ``col`` shows in every row of a table of several rows, else None."""
    values = {shown(col, r) for r in rep.rows}
    return values.pop() if len(rep.rows) > 1 and len(values) == 1 else None


def _min_width(col: Column, natural: int) -> int:
    """The narrowest a column may become: a name column wraps down to ``MIN_NAME_WIDTH`` (or its header's
    longest word); other columns keep their width."""
    if not col.wraps:
        return natural
    return min(natural, max(MIN_NAME_WIDTH, _header_width(visible(col.title))))


def plan(rep: Report, width: int | None) -> Layout:
    """The layout of ``rep``'s table in ``width`` terminal columns (None: every column at its natural width).

    1. Columns with one value in every row leave first (a note under the table gives the value), then the others
       by ``drop_rank`` (highest first, then the rightmost first); columns of rank 0 never leave.
    2. If the rest still does not fit, the widest name column wraps (``wrap_name``), one cell at a time, down to
       ``MIN_NAME_WIDTH``.
    3. If even that does not fit: ``vertical``.
    """
    cols = rep.table_columns()
    cells = {c.key: [shown(c, r) for r in rep.rows] for c in cols}
    full = {c.key: max([_len(visible(c.title)), *map(_len, cells[c.key])]) for c in cols}
    need = {c.key: max([_header_width(visible(c.title)), *map(_len, cells[c.key])]) for c in cols}
    if width is None or _frame_width(list(full.values())) <= width:
        return Layout(cols, [], full)
    keep = list(cols)
    same = [c for c in cols if constant(rep, c) is not None]
    order = same + sorted(
        (c for c in cols if c.drop_rank > 0 and c not in same), key=lambda c: (-c.drop_rank, -cols.index(c))
    )
    while _frame_width([need[c.key] for c in keep]) > width and order:
        keep.remove(order.pop(0))
    widths = {c.key: need[c.key] for c in keep}
    floor = {c.key: _min_width(c, need[c.key]) for c in keep}
    while _frame_width(list(widths.values())) > width:
        narrower = [c for c in keep if widths[c.key] > floor[c.key]]
        if not narrower:
            return Layout([], cols, {}, vertical=True)
        widest = max(narrower, key=lambda c: (widths[c.key], -keep.index(c)))
        widths[widest.key] -= 1
    return Layout(keep, [c for c in cols if c not in keep], widths)


def layout(rep: Report, width: int) -> tuple[list[Column], list[Column]]:
    """The columns of ``rep``'s table that fit in ``width`` terminal columns, and those left out (``plan``)."""
    p = plan(rep, width)
    return p.shown, p.left_out


def _left_out_notes(rep: Report, left_out: Sequence[Column], width: int | None) -> list[str]:
    notes = []
    same = {visible(c.title): v for c in left_out if (v := constant(rep, c)) is not None}
    if same:
        notes.append("in every row: " + ", ".join(f"{k} {v}" for k, v in same.items()))
    rest = [visible(c.title) for c in left_out if visible(c.title) not in same]
    if rest:
        notes.append(
            f"columns left out at {width} columns: {', '.join(rest)}; use a wider terminal or --format "
            "csv, markdown or latex"
        )
    return notes


def to_rich(rep: Report, width: int | None = None) -> Any:
    """A rich renderable: the table at ``width`` (``plan``), its summary, and a note of what was left out; or,
    when even the answer and the wrapped names do not fit, one block per row (field, value)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    cols = rep.table_columns()
    p = plan(rep, width)
    summary = [Text(visible(rep.summary))] if rep.summary else []
    if p.vertical and cols:
        return Group(_vertical(rep, cols), *summary)
    title = None if rep.title is None else Text(visible(rep.title))
    table = Table(title=title, title_justify="left", header_style="bold")
    for c in p.shown:
        table.add_column(
            Text(_header_lines(visible(c.title), p.widths[c.key]), justify=c.justify),
            justify=c.justify,
            no_wrap=True,
            overflow="fold",
            width=p.widths[c.key],
        )
    for r in rep.rows:
        row = []
        for c in p.shown:
            text = shown(c, r)
            if c.wraps and _len(text) > p.widths[c.key]:
                text = "\n".join(wrap_name(text, p.widths[c.key]))
            row.append(Text(text))  # Text: a name is never read as markup
        table.add_row(*row)
    notes = [Text(n, style="dim") for n in _left_out_notes(rep, p.left_out, width)]
    return Group(table, *summary, *notes)


def _vertical(rep: Report, cols: Sequence[Column]) -> Any:
    """One block per row: each column's header and value on a line of its own (values fold, never truncate)."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    if rep.title:
        parts.append(Text(visible(rep.title), style="italic"))
    for i, r in enumerate(rep.rows, start=1):
        grid = Table.grid(padding=(0, 2))
        grid.add_column(style="bold", no_wrap=True)
        grid.add_column(overflow="fold")
        for c in cols:
            grid.add_row(Text(visible(c.title)), Text(shown(c, r)))
        parts.append(Text(f"— row {i} of {len(rep.rows)}", style="dim"))
        parts.append(grid)
    return Group(*parts)


def render(reports: Report | Sequence[Report], fmt: str, *, write: Callable[[str], None]) -> None:
    """Write one or more reports in the chosen format through ``write`` (CSV: always one table)."""
    shows = "table" if fmt in PEOPLE_FORMATS else fmt
    reps = [r for r in ([reports] if isinstance(reports, Report) else reports) if shows in r.show_in]
    if fmt == "json":
        write(to_json(reps) + "\n")
    elif fmt == "csv":
        write(to_csv(reps))
    elif fmt in ("markdown", "latex"):
        from l2l.output.markup import to_latex, to_markdown

        write("\n".join((to_markdown if fmt == "markdown" else to_latex)(r) for r in reps))
    else:
        from rich.text import Text

        width = terminal_width()
        console = _console(cast(IO[str], _Writer(write)), width)
        for i, rep in enumerate(reps):
            if i:
                console.print()
            if rep.rows or not rep.notes:
                console.print(to_rich(rep, width))
            elif (
                rep.title
            ):  # no rows: the notes say why, under the title (an empty table's frame said nothing; p71)
                console.print(Text(visible(rep.title), style="italic"), highlight=False)
            for note in rep.notes:  # as Text: a note's own brackets are never read as markup
                console.print(Text(visible(note), style="dim"), highlight=False)
            if rep.timing:
                console.print(Text(rep.timing, style="dim"), highlight=False)


def _console(file: IO[str], width: int) -> Console:
    """A rich Console (its class made on first use: rich loads lazily) that lets a closed pipe's BrokenPipeError
    through to the command line's one handler (rich's own ``on_broken_pipe`` leaves with exit 1, bad input's)."""
    from rich.console import Console

    class Passing(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True  # nothing more to write
            raise BrokenPipeError(errno.EPIPE, "the reader of stdout has gone")

    return Passing(file=file, soft_wrap=False, width=width)


def wrap_words(text: str, width: int) -> list[str]:
    """``text`` in lines of at most ``width`` terminal cells (a CJK character takes two), broken at spaces only: a
    word longer than the width (a path) stands alone on its line, whole; a line that fits is left as it is."""
    if _len(text) <= width:
        return [text] if text else []
    lines: list[str] = []
    line = ""
    for word in text.split():
        joined = f"{line} {word}" if line else word
        if line and _len(joined) > width:
            lines.append(line)
            line = word
        else:
            line = joined
    if line:
        lines.append(line)
    return lines


def terminal_width() -> int:
    """The terminal's width on a terminal; otherwise wide enough that piped tables are never truncated."""
    import os
    import shutil
    import sys

    if sys.stdout is not None and sys.stdout.isatty():
        return shutil.get_terminal_size().columns
    # COLUMNS as the shell sets it; anything but a positive whole number is ignored, as --help ignores it (abc
    # was an internal error, -5 an empty table with exit 0; p63)
    raw = os.environ.get("COLUMNS", "").strip()
    return int(raw) if raw.isdigit() and int(raw) > 0 else 250


class _Writer(io.TextIOBase):
    """A file-like wrapper so rich can print through the CLI's own writer (and so typer's test runner sees it)."""

    def __init__(self, write: Callable[[str], None]) -> None:
        self._write = write

    def write(self, s: str) -> int:
        # rich pads a title or a wrapped line to the table's width: piped into a file, every such line ended in
        # spaces (a probe's diff noise); rich writes whole lines per print, so only the padding is dropped
        self._write(_TRAILING_SPACES.sub("\n", s))
        return len(s)


_TRAILING_SPACES = re.compile(r" +\n")


def _ignore(_done: int, _total: int, _stage: str | None = None, /) -> None:
    """The progress callback when no bar is shown."""


class ProgressBar:
    """A rich progress bar on stderr, as a context manager yielding a ``callback(done, total[, stage])``.

    Shown only when stderr is a terminal, so logs and CI output stay clean; otherwise the callback does nothing.
    The bar starts at the first update with work to show (total > 0), so a command that fails early or has
    nothing to do never flashes an empty ``0/?`` bar. A ``stage`` named by an update replaces the bar with one of
    its own (its label, its count from 0, its own clock): the fits of a command and then its backtests, counted
    on one bar, went back from 84/168 to 18/168 and then sat full, its clock stopped, for half the run (p57).
    """

    def __init__(self, description: str) -> None:
        self.description = description
        self._progress: Any = None
        self._task: Any = None
        self._stage: str | None = None

    def __enter__(self) -> Progress:
        import sys

        if not sys.stderr.isatty():
            return _ignore
        return self.update

    def update(self, done: int, total: int, stage: str | None = None, /) -> None:
        if total <= 0:
            return
        if self._progress is None:
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
        elif stage is not None and stage != self._stage and self._task is not None:
            self._progress.remove_task(self._task)
            self._task = None
        if self._task is None:
            self._stage = stage
            self._task = self._progress.add_task(stage or self.description, total=total, completed=done)
        else:
            self._progress.update(self._task, completed=done, total=total)

    @property
    def started(self) -> bool:
        return self._progress is not None

    def __exit__(self, *exc: object) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None
