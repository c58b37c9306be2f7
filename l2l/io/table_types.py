"""What the modules of the table reader (``l2l.io.tables``) share: how to read (``ReadOptions``), what was chosen
for one file (``_Plan``: which column is which) and what one file gave (``_Part``: its rows and provenance)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from l2l.base import schema
from l2l.io.checkpoints import TOKENS_SEEN_NAMES
from l2l.io.columns import ColumnPlan
from l2l.io.readers import _Raw
from l2l.io.selection import Where

__all__ = ["ReadOptions"]


@dataclass(frozen=True)
class ReadOptions:
    """How to read run tables (see ``read_runs``)."""

    wide: bool = False
    loss_columns: str | None = None
    own_eval: Mapping[str, str] = field(default_factory=dict)
    strict: bool = False
    columns: Mapping[str, str] = field(default_factory=dict)
    stored_columns: Mapping[str, str] = field(default_factory=dict)
    checkpoints: str = "final"
    accuracy_columns: str | None = None
    accuracy_only: bool = False
    where: tuple[Where, ...] = ()
    run_key: tuple[str, ...] = ()
    best_of: tuple[str, ...] = ()  # one column, or several: the best over their joint grid
    lines: bool = False  # every row keeps its line (an error about repeats names them)
    #: the dataset and/or eval of every row of a table without that column (``ingest --dataset/--eval NAME``)
    constants: Mapping[str, str] = field(default_factory=dict)
    #: the accuracies (and chance levels) are in percent, 0-100 (``ingest --accuracy-percent``)
    accuracy_percent: bool = False
    #: the metric-column value whose rows are the accuracies (``ingest --accuracy-metric acc_norm``), other scores'
    #: rows left out
    accuracy_metric: str | None = None
    #: columns, metric rows and evals whose name says perplexity are read as ln(perplexity), the loss in nats
    #: (``ingest --perplexity``; ``l2l.io.perplexity``)
    perplexity: bool = False
    #: the runs stored earlier, for a table keyed by run id alone (``run_id``, ``dataset``, ``N``, ``D``, ``split``
    #: as text; ``ingest --append`` of an evaluation harness's ``run_id, eval, metric, value``): called only when a
    #: table needs it
    stored_runs: Callable[[], pl.DataFrame] | None = None


@dataclass(frozen=True)
class _Plan:
    """What ``_plan`` chose for one file."""

    columns: ColumnPlan
    step: str | None
    losses: dict[str, str]  # wide: input column → eval
    left_out: dict[str, str]  # wide: candidate column → why it is not a loss
    metric: str | None = None  # long: the metric column
    chance: str | None = None  # long: the chance column
    # the other columns (wide: those that set up a run), carried as text to tell runs apart
    extras: tuple[str, ...] = ()

    @property
    def per_step(self) -> bool:
        d = self.columns.columns.get("D")
        return self.step is not None or (d is not None and schema.norm_name(d) in TOKENS_SEEN_NAMES)


@dataclass
class _Part:
    """What one file gave: loss rows (canonical columns, ``_row``, ``seed`` and carried ``@`` columns), accuracy
    rows, every checkpoint of a per-step log with accuracies (for accuracy laws on every checkpoint), and what
    was done (provenance)."""

    loss: pl.DataFrame
    accuracy: pl.DataFrame | None
    every: pl.DataFrame | None
    info: dict[str, Any]
    raw: _Raw
