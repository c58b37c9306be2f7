"""``l2l ingest`` and ``l2l runs``: what goes into the workspace, and what is in it."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from l2l.cli import options as opt
from l2l.cli import shell
from l2l.cli.shell import app

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.output.report import Report

VerboseOpt = Annotated[
    bool,
    typer.Option(
        "--verbose/--quiet",
        "-v/-q",
        help="Every decision and column left out, and the accuracy evals, line by line (default: counts).",
    ),
]


def _with_accuracy_evals(reports: list[Report], runs: Runs, *, table: bool) -> list[Report]:
    """``reports`` followed by the accuracy evals of ``runs`` (listed apart; in a table if ``table``), when it
    has any."""
    from l2l.output.reports import accuracy_runs_report

    acc = accuracy_runs_report(runs, table=table)
    return [*reports, acc] if acc is not None else reports


@app.command(
    epilog=opt.examples(
        "l2l ingest runs.csv more_runs.parquet",
        (
            "l2l ingest sweep.csv --own-eval web=web_val --own-eval code=code_val",
            "each dataset's own eval, named",
        ),
        "l2l ingest wandb_export.csv --wide --loss-columns 'eval/*/loss'",
        "l2l ingest train_log.csv --checkpoints final --column N=non_embedding_params",
        "l2l ingest extra.ndjson --append",
        (
            "l2l ingest porian.csv --where 'config=*chinchilla|params=standard'",
            "one configuration of several (a glob matching one)",
        ),
        ("l2l ingest lr_sweep_log.csv --best-of peak_lr", "each (N, D)'s best learning rate"),
        ("l2l ingest sweep.csv --dataset c4 --eval c4_val", "params, tokens, loss: one corpus"),
        (
            "l2l ingest harness.csv --accuracy-metric acc_norm --accuracy-percent",
            "an eval harness's scores: acc_norm of several, in percent",
        ),
        ("l2l ingest ppl_log.csv --perplexity", "perplexities (val_ppl): read as ln(ppl), the loss"),
    ),
)
def ingest(
    files: Annotated[
        list[Path], typer.Argument(help="Run tables: CSV, TSV, Parquet, NDJSON, .csv.gz.", readable=False)
    ],
    append: Annotated[
        bool, typer.Option("--append/--no-append", help="Add to the workspace instead of replacing it.")
    ] = False,
    own_eval: Annotated[
        list[str] | None,
        typer.Option(
            "--own-eval", metavar="DATASET=EVAL", help="The eval that is DATASET's own (train) loss."
        ),
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide/--no-wide", help="One row per run, one column per eval (W&B export).")
    ] = False,
    loss_columns: Annotated[
        list[str] | None,
        typer.Option(
            "--loss-columns",
            metavar="PATTERN",
            help="With --wide: glob naming the loss columns; repeatable (or alternatives in one: 'a|b'), each "
            "matching some column.",
        ),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict/--no-strict", help="Reject repeated (dataset, N, D, eval) rows instead of averaging."
        ),
    ] = False,
    checkpoints: Annotated[
        str,
        typer.Option(
            "--checkpoints",
            metavar="final|step=K|all",
            help="Per-step logs: keep each run's final checkpoint (default), the one at step K, or all "
            "(step=K and all need D to be the tokens seen at each checkpoint).",
        ),
    ] = "final",
    column: Annotated[
        list[str] | None,
        typer.Option(
            "--column",
            metavar="CANON=SOURCE",
            help="Read column SOURCE as CANON (dataset, N, D, eval, loss, run_id, C, split, seed, step); "
            "repeatable; stored in the workspace, so --append reuses it.",
        ),
    ] = None,
    accuracy_columns: Annotated[
        list[str] | None,
        typer.Option(
            "--accuracy-columns",
            metavar="PATTERN",
            help="With --wide: glob naming the downstream-accuracy columns (fractions in [0, 1]); kept apart "
            "from the losses; repeatable, as --loss-columns. A long table: its one column holding the accuracy of "
            "each row's eval (or a metric column marking accuracy rows).",
        ),
    ] = None,
    accuracy_percent: Annotated[
        bool,
        typer.Option(
            "--accuracy-percent",
            help="The accuracies (and a chance column) are in percent, 0-100: kept as fractions.",
        ),
    ] = False,
    accuracy_metric: Annotated[
        str | None,
        typer.Option(
            "--accuracy-metric",
            metavar="NAME",
            help="A metric column's rows of NAME (e.g. acc_norm) are the accuracies; the rows of other scores "
            "(acc, their stderr) are left out.",
        ),
    ] = None,
    verbose: VerboseOpt = False,
    where: opt.WhereOpt = None,
    run_key: Annotated[
        list[str] | None,
        typer.Option(
            "--run-key",
            metavar="COL",
            help="Per-step logs without run ids: a column that tells runs apart (repeatable); found in the "
            "data when not given.",
        ),
    ] = None,
    best_of: Annotated[
        list[str] | None,
        typer.Option(
            "--best-of",
            metavar="COL",
            help="Where runs that differ in COL share a (dataset, N, D): keep the one with the lowest loss "
            "(a hyper-parameter sweep's best run) instead of refusing them. Repeatable: the best over the "
            "joint grid (--best-of peak_lr --best-of batch_size).",
        ),
    ] = None,
    dataset: Annotated[
        str | None,
        typer.Option(
            "--dataset",
            metavar="NAME",
            help="A table without a dataset column (one corpus: params, tokens, loss): NAME is every row's "
            "dataset. Refused for a table that has one (--where dataset=NAME keeps one dataset's rows).",
        ),
    ] = None,
    eval_name: Annotated[
        str | None,
        typer.Option(
            "--eval",
            metavar="NAME",
            help="A long table without an eval column (one validation loss): NAME is every row's eval. "
            "Refused for a table that has one.",
        ),
    ] = None,
    perplexity: Annotated[
        bool,
        typer.Option(
            "--perplexity",
            help="Columns whose name says perplexity (val_ppl, eval/c4/ppl), a metric column's perplexity rows "
            "and evals named so hold exp(loss): read each as ln(perplexity), the loss in nats (val_ppl → "
            "val_loss); stored in the workspace, so --append reuses it.",
        ),
    ] = False,
    fmt: opt.FormatOpt = "table",
) -> None:
    """Validate run tables, normalise them and store them in the workspace; say what was read, decided and left
    out."""
    from l2l.io.columns import parse_mapping
    from l2l.io.ingest import IngestRequest
    from l2l.io.ingest import ingest as ingest_tables
    from l2l.io.workspace import Workspace
    from l2l.output.reports import ingest_report

    request = IngestRequest(
        files=tuple(files),
        append=append,
        own_eval=opt.pairs(own_eval, "--own-eval", last=True),
        wide=wide,
        loss_columns=opt.column_patterns(loss_columns),
        strict=strict,
        checkpoints=checkpoints,
        columns=parse_mapping(column or []),
        accuracy_columns=opt.column_patterns(accuracy_columns),
        accuracy_percent=accuracy_percent,
        accuracy_metric=accuracy_metric,
        perplexity=perplexity,
        where=(*shell.GLOBAL.where, *(where or ())),
        run_key=tuple(run_key or ()),
        best_of=tuple(best_of or ()),
        constants={
            canon: name for canon, name in (("dataset", dataset), ("eval", eval_name)) if name is not None
        },
    )
    done = ingest_tables(Workspace.locate(shell.GLOBAL.workspace), request, on_wait=shell.note)
    report = ingest_report(
        done.stored,
        added=done.added,
        workspace=done.workspace,
        verbose=verbose,
        replaced=done.replaced,
        accuracy_join=done.accuracy_join,
        reused=done.reused,
    )
    shell.emit(_with_accuracy_evals([report], done.stored, table=verbose), fmt)


@app.command(
    epilog=opt.examples(
        "l2l runs",
        "l2l runs --evals",
        "l2l runs --format json",
        "l2l runs other_runs.csv",
    )
)
def runs(
    table: opt.TableArg = None,
    evals: Annotated[
        bool,
        typer.Option("--evals/--no-evals", help="Also list every (dataset, eval), losses and accuracies."),
    ] = False,
    fmt: opt.FormatOpt = "table",
) -> None:
    """What is in the workspace (or a table): per dataset its runs in each split, evals, N, D and C ranges;
    --evals lists every (dataset, eval)."""
    from l2l.output.reports import inventory_report, runs_report
    from l2l.workflows.inventory import inventory

    with shell.session(table, accuracy=True) as s:
        inv = inventory(s.runs)
        reports = [inventory_report(inv, s.runs, evals=evals), runs_report(s.runs, inv, evals=evals)]
        shell.emit(_with_accuracy_evals(reports, s.runs, table=evals), fmt)
