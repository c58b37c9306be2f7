"""The command line: parse options, make one library call, render the result. Nothing numeric happens here.

Start-up matters: this module imports only typer (and, through it, click and rich). numpy, polars, scipy and
plotnine are imported inside the commands that need them, so ``l2l --help`` stays fast.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from l2l.errors import L2LError


class _State:
    debug = False
    workspace: Path | None = None


STATE = _State()


class _Group(TyperGroup):
    """The single place where library errors become one line on stderr and an exit code."""

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except L2LError as exc:
            if STATE.debug:
                raise
            _fail(exc)
        except (typer.Exit, typer.Abort, typer.TyperException, KeyboardInterrupt):
            raise
        except Exception as exc:  # a bug in l2l: still one line, and the way to see more
            if STATE.debug:
                raise
            typer.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for a traceback",
                err=True,
            )
            raise typer.Exit(1) from None


def _fail(exc: L2LError) -> NoReturn:
    typer.echo(f"Error: {exc.message}", err=True)
    if exc.hint:
        typer.echo(f"Hint: {exc.hint}", err=True)
    raise typer.Exit(exc.exit_code)


app = typer.Typer(
    cls=_Group,
    name="l2l",
    help="Scaling laws and loss-to-loss predictions from tables of language-model training runs.\n\n"
    "Typical session: `l2l ingest runs.csv`, `l2l fit-law`, `l2l translate --src A --tgt all`, "
    "`l2l evaluate`.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


class Fmt(str, Enum):
    table = "table"
    json = "json"
    csv = "csv"


FormatOpt = Annotated[
    Fmt,
    typer.Option("--format", "-f", help="table for people; json or csv for scripts.", case_sensitive=False),
]
TableArg = Annotated[
    Path | None,
    typer.Argument(
        help="A run table (CSV, TSV, Parquet, NDJSON, .csv.gz). Default: the runs in the workspace.",
        show_default=False,
    ),
]


@app.callback()
def _global(
    workspace: Annotated[
        Path | None,
        typer.Option(
            "--workspace",
            "-w",
            envvar="L2L_WORKSPACE",
            help="Workspace directory (default ./.l2l).",
            show_default=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    STATE.debug = debug
    STATE.workspace = workspace
    if version:
        from l2l import __version__

        typer.echo(f"l2l {__version__}")
        raise typer.Exit(0)


def _out(text: str) -> None:
    sys.stdout.write(text)


def _render(reports: Any, fmt: Fmt) -> None:
    from l2l.report import render

    render(reports, fmt.value, write=_out)


def _workspace() -> Any:
    from l2l.io import Workspace

    return Workspace.locate(STATE.workspace)


def _parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``DATASET=EVAL`` items into a dict; a malformed item is a usage error (exit 2)."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            raise typer.BadParameter(f"expected DATASET=EVAL, got {item!r}", param_hint=option)
        out[key.strip()] = val.strip()
    return out


# ---------------------------------------------------------------------------------------------------------------
# ingest / runs (issue 2)
# ---------------------------------------------------------------------------------------------------------------


@app.command(
    epilog="Examples:\n\n"
    "  l2l ingest runs.csv more_runs.parquet\n\n"
    "  l2l ingest sweep.csv --own-eval fineweb=fineweb_val --own-eval starcoder=starcoder_val\n\n"
    "  l2l ingest wandb_export.csv --wide --loss-columns 'eval/*/loss'\n\n"
    "  l2l ingest extra.ndjson --append",
)
def ingest(
    files: Annotated[list[Path], typer.Argument(help="Run tables: CSV, TSV, Parquet, NDJSON, .csv.gz.")],
    append: Annotated[
        bool, typer.Option("--append", help="Add to the workspace instead of replacing it.")
    ] = False,
    own_eval: Annotated[
        list[str] | None,
        typer.Option(
            "--own-eval", metavar="DATASET=EVAL", help="The eval that is DATASET's own (train) loss."
        ),
    ] = None,
    wide: Annotated[
        bool, typer.Option("--wide", help="One row per run, one column per eval (W&B export).")
    ] = False,
    loss_columns: Annotated[
        str | None,
        typer.Option("--loss-columns", metavar="PATTERN", help="With --wide: glob naming the loss columns."),
    ] = None,
    strict: Annotated[
        bool,
        typer.Option("--strict", help="Reject repeated (dataset, N, D, eval) rows instead of averaging."),
    ] = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Validate run tables, normalise them and store them in the workspace."""
    from l2l.io import ingest_report, read_runs

    if loss_columns is not None and not wide:
        raise typer.BadParameter("--loss-columns needs --wide", param_hint="--loss-columns")
    runs = read_runs(
        files,
        wide=wide,
        loss_columns=loss_columns,
        own_eval=_parse_pairs(own_eval, "--own-eval"),
        strict=strict,
    )
    ws = _workspace()
    stored = ws.save(runs, append=append, strict=strict)
    _render(ingest_report(stored, added=runs, workspace=ws), fmt)


@app.command(epilog="Examples:\n\n  l2l runs\n\n  l2l runs --format json\n\n  l2l runs other_runs.csv")
def runs(table: TableArg = None, fmt: FormatOpt = Fmt.table) -> None:
    """What is in the workspace (or a table): datasets × evals, run counts, N, D and C ranges, splits."""
    from l2l.io import load_runs, runs_report

    _render(runs_report(load_runs(table, _workspace())), fmt)


# ---------------------------------------------------------------------------------------------------------------
# fit-law / predict / optimal (issue 3)
# ---------------------------------------------------------------------------------------------------------------


class FormChoice(str, Enum):
    l2l = "l2l"
    chinchilla = "chinchilla"
    kaplan = "kaplan"


class ObjectiveChoice(str, Enum):
    huber = "huber"
    mse = "mse"


class ResampleChoice(str, Enum):
    run = "run"
    N = "N"


FormOpt = Annotated[
    FormChoice,
    typer.Option(
        "--form",
        help="l2l: E + ((A/N)^(α/β) + B/D)^β (Eq. 3); chinchilla: E + A/N^α + B/D^β (Eq. 1); "
        "kaplan: ((A/N)^(α/β) + B/D)^β (Eq. 2).",
    ),
]
SplitOpt = Annotated[
    str | None, typer.Option("--split", help="Fit only runs of this split (e.g. sweep). Default: all runs.")
]
ObjectiveOpt = Annotated[
    ObjectiveChoice,
    typer.Option("--objective", help="huber: Huber loss on log residuals; mse: least squares."),
]
DeltaOpt = Annotated[float, typer.Option("--delta", min=0.0, help="Huber δ on log residuals.")]
BootOpt = Annotated[
    int, typer.Option("--bootstrap", min=0, metavar="B", help="Bootstrap draws for intervals (0: none).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap draws.")]
SaveOpt = Annotated[bool, typer.Option("--save", help="Keep the fits in the workspace for later commands.")]


def _quantities(values: list[str] | None, option: str) -> list[float] | None:
    """Numbers like 3.3e9, 3.3B, 20M, 1.5T given on the command line; a bad one is a usage error."""
    if not values:
        return None
    from l2l.schema import parse_quantity

    out = []
    for v in values:
        try:
            out.append(parse_quantity(v))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint=option) from None
    return out


def _fit_options(form: FormChoice, objective: ObjectiveChoice, delta: float) -> Any:
    from l2l.fit import FitOptions

    if not delta > 0:
        raise typer.BadParameter("must be > 0", param_hint="--delta")
    return FitOptions(form=form.value, objective=objective.value, delta=delta)


@app.command(
    "fit-law",
    epilog="Examples:\n\n"
    "  l2l fit-law                                  # each dataset's own loss, Eq. 3\n\n"
    "  l2l fit-law --split sweep --form chinchilla  # like the paper's Table 3\n\n"
    "  l2l fit-law --dataset fineweb-edu --eval all # every eval of models trained on fineweb-edu\n\n"
    "  l2l fit-law --bootstrap 1000 --seed 0 --format json\n\n"
    "  l2l fit-law --split sweep --save --plot law.png",
)
def fit_law_cmd(
    table: TableArg = None,
    form: FormOpt = FormChoice.l2l,
    dataset: Annotated[
        list[str] | None,
        typer.Option(
            "--dataset", "-d", help="Training dataset (unique prefix ok); repeatable. Default: all."
        ),
    ] = None,
    eval: Annotated[
        list[str] | None,
        typer.Option("--eval", "-e", help="Eval to fit: a name, 'own' (default) or 'all'; repeatable."),
    ] = None,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    resample: Annotated[
        ResampleChoice,
        typer.Option("--resample", help="Bootstrap unit: single runs, or all runs of one model size N."),
    ] = ResampleChoice.run,
    save: SaveOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the law's contour figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Fit scaling laws to each dataset's own loss (or to any eval) by the global optimum of the objective."""
    from l2l import api
    from l2l.io import load_runs
    from l2l.laws import FORM_EQUATIONS
    from l2l.report import fits_report, progress_bar

    opts = _fit_options(form, objective, delta)
    ws = _workspace()
    runs = load_runs(table, ws)
    with progress_bar("fitting") as prog, progress_bar("bootstrap") as bprog:
        outcome, book = api.fit_laws(
            runs,
            datasets=dataset,
            evals=eval,
            split=split,
            options=opts,
            workspace=ws if table is None else None,
            bootstrap=bootstrap,
            seed=seed,
            resample=resample.value,
            progress=prog,
            bootstrap_progress=bprog,
        )
    if plot is not None:
        _plot_law(runs, book, outcome, plot, split)
    if save:
        if table is not None:
            raise typer.BadParameter(
                "--save stores fits of the workspace runs; drop TABLE or ingest it first", param_hint="--save"
            )
        api.save_fits(ws, runs, book, split)
    _render(
        fits_report(
            outcome,
            form=form.value,
            objective=objective.value,
            delta=delta,
            equation=FORM_EQUATIONS[form.value],
        ),
        fmt,
    )
    if all(isinstance(r, Exception) for r in outcome.results):
        raise typer.Exit(1)


def _plot_law(runs: Any, book: Any, outcome: Any, path: Path, split: str | None) -> None:
    from l2l.plots import law_figure, save_figure

    fits = [r for r in outcome.results if not isinstance(r, Exception)]
    if not fits:
        return
    save_figure(law_figure(runs, fits, split=split), path)


@app.command(
    epilog="Examples:\n\n"
    "  l2l predict --dataset fineweb-edu --N 3.3e9 --D 5.0e10\n\n"
    "  l2l predict --dataset starcoder --N 1B --C 1e21 --eval hellaswag\n\n"
    "  l2l predict --dataset fineweb-edu --N 3.3B --D 50B --bootstrap 1000\n\n"
    "  l2l predict --via fineweb-edu --src-loss 2.126 --tgt starcoder --eval hellaswag",
)
def predict(
    table: TableArg = None,
    dataset: Annotated[
        str | None, typer.Option("--dataset", "-d", help="Dataset whose law predicts.")
    ] = None,
    N: Annotated[
        list[str] | None, typer.Option("--N", help="Parameters (3.3e9 or 3.3B); repeatable.")
    ] = None,
    D: Annotated[list[str] | None, typer.Option("--D", help="Training tokens; repeatable.")] = None,
    C: Annotated[list[str] | None, typer.Option("--C", help="Compute (FLOPs); D = C/(6N).")] = None,
    eval: Annotated[
        str | None, typer.Option("--eval", "-e", help="Eval to predict (default: own loss).")
    ] = None,
    via: Annotated[
        str | None, typer.Option("--via", help="Predict through translation from this source dataset.")
    ] = None,
    src_loss: Annotated[
        float | None, typer.Option("--src-loss", help="With --via: the source model's own loss.")
    ] = None,
    from_run: Annotated[
        str | None, typer.Option("--from-run", help="With --via: take the source loss from this run_id.")
    ] = None,
    tgt: Annotated[str | None, typer.Option("--tgt", help="With --via: the target dataset.")] = None,
    form: FormOpt = FormChoice.l2l,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Predict a loss: from a fitted scaling law at (N, D), or through loss-to-loss translation (--via)."""
    from l2l import api
    from l2l.io import load_runs

    opts = _fit_options(form, objective, delta)
    ws = _workspace()
    if via is not None:
        _predict_via(
            table,
            ws,
            opts,
            via=via,
            src_loss=src_loss,
            from_run=from_run,
            tgt=tgt,
            eval=eval,
            split=split,
            fmt=fmt,
        )
        return
    if dataset is None:
        raise typer.BadParameter("name the dataset whose law predicts (or use --via)", param_hint="--dataset")
    n = _quantities(N, "--N")
    if n is None:
        raise typer.BadParameter("give the model size", param_hint="--N")
    from l2l.report import predictions_report

    runs = load_runs(table, ws)
    preds, _ = api.predict_law(
        runs,
        dataset=dataset,
        N=n,
        D=_quantities(D, "--D"),
        C=_quantities(C, "--C"),
        eval=eval,
        split=split,
        options=opts,
        workspace=ws if table is None else None,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(predictions_report(preds), fmt)


def _predict_via(*args: Any, **kwargs: Any) -> None:
    raise typer.BadParameter("translation is not available yet", param_hint="--via")


@app.command(
    epilog="Examples:\n\n"
    "  l2l optimal --C 1e21\n\n"
    "  l2l optimal --C 1e20 --C 1e21 --C 1e22 --dataset fineweb-edu --bootstrap 500\n\n"
    "  l2l optimal --C 1e21 --form chinchilla --split sweep --format csv",
)
def optimal(
    table: TableArg = None,
    C: Annotated[
        list[str] | None, typer.Option("--C", help="Compute budget in FLOPs (1e21); repeatable.")
    ] = None,
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", help="Dataset(s); default all.")
    ] = None,
    eval: Annotated[
        str | None, typer.Option("--eval", "-e", help="Law of this eval (default: own loss).")
    ] = None,
    form: FormOpt = FormChoice.l2l,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Compute-optimal model size N*, tokens D* and the loss there, for each budget C = 6ND (closed form)."""
    from l2l import api
    from l2l.io import load_runs
    from l2l.report import allocations_report

    c = _quantities(C, "--C")
    if c is None:
        raise typer.BadParameter("give a compute budget", param_hint="--C")
    ws = _workspace()
    runs = load_runs(table, ws)
    allocs, _ = api.optimal_allocation(
        runs,
        C=c,
        datasets=dataset,
        eval=eval,
        split=split,
        options=_fit_options(form, objective, delta),
        workspace=ws if table is None else None,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(allocations_report(allocs), fmt)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m l2l``."""
    try:
        app(args=argv, prog_name="l2l")
    except SystemExit:
        raise
    finally:
        sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
