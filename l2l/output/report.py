"""What a command answers, as data for every format: a ``Report`` is rows of plain values plus ``Column`` specs
(how a cell reads, whether it leaves a narrow table, whether scripts get it). ``render`` lays it out and writes it
as a table, JSON or CSV; ``markup`` writes it as Markdown or LaTeX."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from l2l.base.schema import OUTPUT_FORMATS
from l2l.base.text import fmt_sig, visible

__all__ = ["Column", "Report", "Row", "shown"]

#: A row of a report: column key → a plain value (number, text, bool, None, or lists and dicts of them).
Row = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    key: str
    header: str | None = None
    fmt: Callable[[Any], str] = fmt_sig
    justify: Literal["left", "right", "center"] = "right"
    # columns shown in JSON/CSV only (full precision, diagnostics) are marked table=False
    table: bool = True
    # columns shown in the table only (a label made of other columns, e.g. "src → tgt") are marked data=False: JSON
    # and CSV carry the columns it is made of, never the same fact twice
    data: bool = True
    # When a table is too wide for the terminal, columns leave highest ``drop`` first (then the rightmost first);
    # 0 never leaves (the answer: a prediction, its interval, a verdict, and the names of what it is about).
    # Default: left-justified (name) columns 0, right-justified (numbers) 1.
    drop: int | None = None
    # A table cell made of several fields of the row (an estimate with its interval: ``2.13 [2.08, 2.18]``); such a
    # column is for people only (JSON and CSV carry the fields).
    cell: Callable[[Row], str] | None = None

    @property
    def drop_rank(self) -> int:
        if self.drop is not None:
            return self.drop
        return 0 if self.justify == "left" else 1

    @property
    def title(self) -> str:
        return self.header if self.header is not None else self.key

    @property
    def in_data(self) -> bool:
        """Whether JSON and CSV carry this column."""
        return self.data and self.cell is None

    @property
    def wraps(self) -> bool:
        """Whether the column's cells may wrap when the table is too wide: names (left-justified) do."""
        return self.justify == "left"


@dataclass(frozen=True)
class Report:
    """A table of results. ``kind`` names it in JSON (e.g. ``"fit-law"``); ``meta`` adds top-level JSON keys;
    ``summary`` says the answer in words (printed under the table; in JSON the main report's ``summary``)."""

    kind: str
    columns: Sequence[Column]
    rows: Sequence[Row]
    title: str | None = None
    notes: Sequence[str] = field(default_factory=tuple)
    meta: Mapping[str, Any] = field(default_factory=dict)
    # Output formats this report appears in. A second table that only restates the main rows' extra columns for
    # people is {"table"} (shown in every format for people: table, markdown, latex): scripts get those columns
    # in the main rows, and CSV is always a single table.
    show_in: frozenset[str] = frozenset(OUTPUT_FORMATS)
    # In JSON, a second report's rows are a list under this key of the first report's document (so every command
    # prints ONE JSON document of the same shape); default: the report's kind.
    json_key: str | None = None
    summary: str | None = None
    # The order of the columns in a table for people (keys; the rest follow in their order), when it differs from
    # the order JSON and CSV keep (the answer first for people; scripts keep the columns where they always were).
    table_order: Sequence[str] = ()
    # How long the work took: printed under a terminal table only, so that JSON, CSV, Markdown and LaTeX are the
    # same from run to run (scripts diff them; fit-law's JSON notes held "3 fitted in 4.89 s").
    timing: str | None = None
    # Row keys CSV leaves out because another report of the command carries them as rows of fixed columns (a dict
    # keyed by dataset flattened into ``laws_<dataset>_x0`` columns: a header that changed with the data).
    csv_omit: frozenset[str] = frozenset()
    # Row keys whose dict CSV writes as one cell (``proof-pile-2=reason; starcoder=reason``), not a column per key:
    # its keys are the data's (fit-accuracy's ``unpredictable_datasets`` made the header 45 columns on the paper's
    # sample and 41 for one eval: helper h61).
    csv_cells: frozenset[str] = frozenset()

    def table_columns(self) -> list[Column]:
        """The columns of a table for people, in ``table_order``."""
        cols = [c for c in self.columns if c.table]
        rank = {k: i for i, k in enumerate(self.table_order)}
        return sorted(cols, key=lambda c: (rank.get(c.key, len(rank)), cols.index(c)))


def shown(col: Column, row: Row) -> str:
    """A table cell's text: the column's format of the value (or its cell of the row), control characters shown
    as escapes."""
    text = col.cell(row) if col.cell is not None else col.fmt(row.get(col.key))
    return visible(text)
