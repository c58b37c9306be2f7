"""``l2l ingest`` as one library call: read run tables, check them, and commit them to a workspace."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from l2l.base.errors import InputError, UsageError

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs
    from l2l.io.accuracy_store import AccuracyJoin
    from l2l.io.workspace import Workspace

__all__ = ["IngestRequest", "Ingested", "ingest"]


@dataclass(frozen=True)
class IngestRequest:
    """What to read and how (see ``l2l.io.tables.read_runs`` for each option)."""

    files: tuple[Path, ...]
    append: bool = False
    own_eval: Mapping[str, str] = field(default_factory=dict)
    wide: bool = False
    loss_columns: str | None = None
    strict: bool = False
    checkpoints: str = "final"
    columns: Mapping[str, str] = field(default_factory=dict)
    accuracy_columns: str | None = None
    #: row filters ``COL=VALUE`` / ``COL!=VALUE`` (``l2l.io.selection.parse_where``)
    where: tuple[str, ...] = ()
    #: the columns that tell the runs of a per-step log apart (else found in the data)
    run_key: tuple[str, ...] = ()
    #: the columns whose best value (lowest loss; of several, the best combination of their values) is kept where
    #: runs differ in them at one (dataset, N, D)
    best_of: tuple[str, ...] = ()
    #: the dataset and/or eval of every row of a table without that column (``--dataset NAME``, ``--eval NAME``)
    constants: Mapping[str, str] = field(default_factory=dict)
    #: the accuracies (and chance levels) are in percent, 0-100 (``--accuracy-percent``)
    accuracy_percent: bool = False
    #: the metric whose rows are the accuracies, other scores' rows left out (``--accuracy-metric acc_norm``)
    accuracy_metric: str | None = None
    #: columns, metric rows and evals whose name says perplexity are read as ln(perplexity) (``--perplexity``)
    perplexity: bool = False


@dataclass(frozen=True)
class Ingested:
    """The workspace's runs after the commit (``stored``, with their accuracies), what was read (``added``), and
    what a replacing ingest replaced (``replaced``: its runs, datasets and evals; None when nothing was), how the
    accuracies stored were joined to the losses stored (``accuracy_join``; None without accuracies), and the
    options an ``--append`` took from the workspace's earlier ingest without being given them (``reused``:
    ``--perplexity``)."""

    stored: Runs
    added: Runs
    workspace: Workspace
    replaced: tuple[int, tuple[str, ...], tuple[str, ...]] | None = None
    accuracy_join: AccuracyJoin | None = None
    reused: tuple[str, ...] = ()


def _check(req: IngestRequest) -> None:
    from l2l.io.checkpoints import parse_policy

    if req.loss_columns is not None and not req.wide:
        raise UsageError("naming the loss columns needs a wide table", param="wide")
    try:
        parse_policy(req.checkpoints)
    except InputError as exc:
        raise UsageError(exc.message, param="checkpoints") from None


def _run_ids(workspace: Workspace) -> pl.DataFrame:
    """The stored runs that carry a run id (``run_id``, ``dataset``, ``N``, ``D``, ``split`` as text, one row per
    distinct run), for a table keyed by run id."""
    import polars as pl

    frame = workspace.load().frame.filter(pl.col("run_id").is_not_null())
    cols = ("dataset", "N", "D", "split")
    return frame.select(pl.col("run_id"), *(pl.col(c).cast(pl.String) for c in cols)).unique(
        maintain_order=True
    )


def ingest(
    workspace: Workspace, req: IngestRequest, *, on_wait: Callable[[str], None] | None = None
) -> Ingested:
    """Read ``req.files``, check and normalise them, and store them in ``workspace`` (replacing what is there, or
    added to it with ``append``): losses and accuracies in one commit, under the workspace's writers' lock
    (``on_wait`` is told when another writer holds it)."""
    from l2l.io.selection import parse_where
    from l2l.io.tables import read_runs

    _check(req)
    where = parse_where(req.where)
    stored_mapping = workspace.column_mapping() if req.append and workspace.exists() else {}
    # a workspace ingested with --perplexity reads its appended tables so (its losses are ln(perplexity))
    stored_perplexity = req.append and workspace.exists() and workspace.perplexity()
    perplexity = req.perplexity or stored_perplexity
    runs = read_runs(
        list(req.files),
        wide=req.wide,
        loss_columns=req.loss_columns,
        own_eval=req.own_eval,
        strict=req.strict,
        columns=req.columns,
        stored_columns=stored_mapping,
        checkpoints=req.checkpoints,
        accuracy_columns=req.accuracy_columns,
        accuracy_only=req.append,  # appending accuracies alone to stored losses is fine
        where=where,
        run_key=req.run_key,
        best_of=req.best_of,
        constants=req.constants,
        accuracy_percent=req.accuracy_percent,
        accuracy_metric=req.accuracy_metric,
        perplexity=perplexity,
        stored_runs=(lambda: _run_ids(workspace)) if req.append and workspace.exists() else None,
    )
    replaced: list[tuple[int, tuple[str, ...], tuple[str, ...]]] = []
    joins: list[AccuracyJoin] = []
    stored = workspace.save(
        runs,
        append=req.append,
        strict=req.strict,
        column_mapping={**stored_mapping, **req.columns},
        on_wait=on_wait,
        on_replace=lambda n, datasets, evals: replaced.append((n, tuple(datasets), tuple(evals))),
        on_join=joins.append,
        perplexity=perplexity,
    )
    reused = ("--perplexity",) if stored_perplexity and not req.perplexity else ()
    return Ingested(
        stored, runs, workspace, replaced[0] if replaced else None, joins[-1] if joins else None, reused
    )
