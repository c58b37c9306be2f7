"""Results as tables: ``Results`` (a list of results that is also a table, ``.to_polars()``) and ``to_polars``,
which turns any l2l result into a polars DataFrame, one row per what the command line prints as a row.

A row is the result's ``to_dict()``: the same fields, under the same names, as the JSON output; a nested dict
becomes columns of its own (``bootstrap_draws``), as in the CSV output; lists stay lists.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Protocol, TypeVar

import polars as pl

from l2l.base.errors import UsageError

__all__ = ["Results", "rows_frame", "to_polars"]


class _Row(Protocol):
    def to_dict(self) -> dict[str, Any]: ...


R = TypeVar("R", bound=_Row)


def _flat(row: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in row.items():
        if isinstance(v, Mapping):
            out.update(_flat(v, f"{prefix}{k}_"))
        else:
            out[f"{prefix}{k}"] = v.item() if hasattr(v, "item") and getattr(v, "ndim", 1) == 0 else v
    return out


def rows_frame(rows: Iterable[Mapping[str, Any]]) -> pl.DataFrame:
    """Rows (dicts of plain values) as a DataFrame: nested dicts flattened into columns, every column's type
    inferred from all its values (a column of ints and floats is float, of None and text is text)."""
    flat = [_flat(r) for r in rows]
    keys = list(dict.fromkeys(k for r in flat for k in r))
    return pl.DataFrame([{k: r.get(k) for k in keys} for r in flat], infer_schema_length=None, strict=False)


class Results(list[R]):
    """Results of one call (``l2l.predict``, ``l2l.optimal``, ``l2l.translate``): a list, and a table.
    ``skipped``: what was asked for and could not be made, each as "dataset/eval: why" (the others stand);
    ``notes``: what the call says besides (what a default left out, and how to ask for it)."""

    def __init__(
        self, items: Iterable[R] = (), skipped: Iterable[str] = (), notes: Iterable[str] = ()
    ) -> None:
        super().__init__(items)
        self.skipped: tuple[str, ...] = tuple(skipped)
        self.notes: tuple[str, ...] = tuple(notes)

    def to_polars(self) -> pl.DataFrame:
        """One row per result: the fields of its ``to_dict()`` (the JSON output's row)."""
        return rows_frame(r.to_dict() for r in self)


def to_polars(result: object) -> pl.DataFrame:
    """Any l2l result as a DataFrame: a result with ``to_polars()`` (``Evaluation``, ``FitOutcome``, ...), one
    with ``to_dicts()`` (a prediction through translation: one row per step), a ``Ranking`` (one row per target
    and dataset), a list of results with ``to_dict()``, or one such result (one row). Anything else is a
    UsageError (it was Python's TypeError)."""
    if hasattr(result, "to_polars"):
        frame = result.to_polars()
        assert isinstance(frame, pl.DataFrame)
        return frame
    if hasattr(result, "to_dicts"):
        return rows_frame(result.to_dicts())
    targets = getattr(result, "targets", None)
    if targets is not None and all(hasattr(t, "rows") for t in targets):  # a Ranking
        return rows_frame({**r.to_dict(), "target": t.target} for t in targets for r in t.rows)
    if isinstance(result, (list, tuple)):
        if not all(hasattr(r, "to_dict") for r in result):
            raise UsageError(
                "to_polars takes l2l results; this list holds "
                + ", ".join(sorted({type(r).__name__ for r in result if not hasattr(r, "to_dict")})),
                param="result",
            )
        return rows_frame(r.to_dict() for r in result)
    if hasattr(result, "to_dict"):  # one result (an AccuracyResult, a LawFit): one row
        return rows_frame([result.to_dict()])
    raise UsageError(f"to_polars takes an l2l result, got {type(result).__name__}", param="result")
