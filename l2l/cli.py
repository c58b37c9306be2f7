"""The command line: parse options, make one library call, render the result. Nothing numeric happens here.

Start-up matters: this module imports only typer (and, through it, click and rich) and the pure-Python vocabulary
of ``l2l.schema``. numpy, polars, scipy and plotnine are imported inside the commands that need them, so
``l2l --help`` stays fast. Every error, a library error or a usage error, leaves as one ``Error: ...`` line and
maybe a ``Hint: ...`` line: exit 1 for errors, 2 for usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

try:  # typer ≥ 0.20 ships its own click; its usage errors are that click's
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # pragma: no cover - older typer on the stock click
    from click.exceptions import UsageError as ClickUsageError  # type: ignore[assignment]

from l2l.errors import L2LError, UsageError
from l2l.schema import Figure, Form, Join, Kind, Objective, OutputFormat, Resample

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

    from l2l.evaluate import Evaluation
    from l2l.fit import FitCache, FitOptions, LawFit
    from l2l.render import Report
    from l2l.runs import Runs
    from l2l.workspace import Workspace


class _State:
    debug = False
    workspace: Path | None = None


STATE = _State()

#: The options that set each library parameter an error may be about (``L2LError.param``).
FLAGS: dict[str, str] = {
    "N": "--N",
    "D": "--D or --C",
    "C": "--C",
    "own_eval": "--own-eval DATASET=EVAL (l2l ingest)",
    "src_loss": "--src-loss or --from-run",
    "evals": "--eval",
    "tgts": "--tgt",
    "holdout": "--holdout or --holdout-top-compute",
    "holdout_top_compute": "--holdout-top-compute",
    "wide": "--wide",
    "loss_columns": "--loss-columns PATTERN",
    "strict": "--strict",
    "join": "--join run|nd",
}


def _fail(exc: L2LError) -> NoReturn:
    typer.echo(f"Error: {exc.message}", err=True)
    flag = FLAGS.get(exc.param or "")
    hint = exc.hint
    if flag:
        hint = f"{hint} (option {flag})" if hint else f"see option {flag}"
    if hint:
        typer.echo(f"Hint: {hint}", err=True)
    raise typer.Exit(exc.exit_code)


def _usage_fail(exc: ClickUsageError) -> NoReturn:
    """click's usage errors (unknown option, bad choice, missing value) in the same one-line format."""
    where = exc.ctx.command_path if exc.ctx is not None else "l2l"
    _fail(UsageError(exc.format_message(), hint=f"see `{where} --help`"))


def _no_args_help(exc: ClickUsageError) -> bool:
    return type(exc).__name__ == "NoArgsIsHelpError"  # click ≥ 8.2: prints help, not an error


class _Group(TyperGroup):
    """The single place where library and usage errors become one line on stderr and an exit code."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)
        except ClickUsageError as exc:
            if _no_args_help(exc):
                raise
            _usage_fail(exc)

    def invoke(self, ctx: Any) -> Any:
        try:
            return super().invoke(ctx)
        except L2LError as exc:
            if STATE.debug:
                raise
            _fail(exc)
        except ClickUsageError as exc:
            if _no_args_help(exc):
                raise
            _usage_fail(exc)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except Exception as exc:
            if STATE.debug:
                raise
            typer.echo(
                f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for a traceback",
                err=True,
            )
            raise typer.Exit(1) from None


_SETTINGS: dict[str, Any] = {
    "cls": _Group,
    "no_args_is_help": True,
    "add_completion": False,
    "pretty_exceptions_enable": False,
    "rich_markup_mode": "markdown",
    "context_settings": {"help_option_names": ["-h", "--help"]},
}
app = typer.Typer(
    name="l2l",
    help="Scaling laws and loss-to-loss predictions from tables of language-model training runs.\n\n"
    "Typical session: `l2l ingest runs.csv`, `l2l fit-law`, `l2l translate --src A --tgt all`, "
    "`l2l evaluate`.",
    **_SETTINGS,
)
plot_app = typer.Typer(name="plot", help="Draw a figure in the paper's style.", **_SETTINGS)
app.add_typer(plot_app, name="plot")

FormatOpt = Annotated[
    OutputFormat,
    typer.Option("--format", "-f", help="table for people; json or csv for scripts.", case_sensitive=False),
]
TableArg = Annotated[
    Path | None,
    typer.Argument(
        help="A run table (CSV, TSV, Parquet, NDJSON, .csv.gz). Default: the runs in the workspace.",
        show_default=False,
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from l2l import __version__

        typer.echo(f"l2l {__version__}")
        raise typer.Exit(0)


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
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    STATE.debug = debug
    STATE.workspace = workspace


def _render(reports: Report | Sequence[Report], fmt: OutputFormat) -> None:
    from l2l.render import render

    def write(text: str) -> None:
        sys.stdout.write(text)

    render(reports, fmt, write=write)


def _workspace() -> Workspace:
    from l2l.workspace import Workspace

    return Workspace.locate(STATE.workspace)


def _load(table: Path | None) -> tuple[Runs, FitCache]:
    """The runs (the TABLE given, else the workspace's) and the fits that may serve them: the workspace's saved
    fits, or none when a table was given (its runs are not the workspace's)."""
    from l2l.fit import FitCache
    from l2l.workspace import load_runs, saved_fits

    ws = _workspace()
    return load_runs(table, ws), (saved_fits(ws) if table is None else FitCache())


def _workers() -> int:
    from l2l.fit import default_workers

    return default_workers()


def _usage(option: str, message: str) -> NoReturn:
    raise UsageError(f"{option}: {message}")


def _figure_path(path: Path | None, option: str) -> None:
    """Refuse an unsupported figure type before any fitting starts (usage error, exit 2)."""
    if path is None:
        return
    from l2l.plots import FIGURE_FORMATS

    if path.suffix.lower() not in FIGURE_FORMATS:
        _usage(
            option,
            f"cannot write a figure to {str(path)!r}; supported extensions: {', '.join(FIGURE_FORMATS)}",
        )


def _parse_pairs(values: list[str] | None, option: str) -> dict[str, str]:
    """``DATASET=EVAL`` items into a dict; a malformed item is a usage error (exit 2)."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, val = item.partition("=")
        if not sep or not key.strip() or not val.strip():
            _usage(option, f"expected DATASET=EVAL, got {item!r}")
        out[key.strip()] = val.strip()
    return out


# ---------------------------------------------------------------------------------------------------------------
# ingest / runs
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
    fmt: FormatOpt = "table",
) -> None:
    """Validate run tables, normalise them and store them in the workspace."""
    from l2l.report import ingest_report
    from l2l.tables import read_runs

    if loss_columns is not None and not wide:
        _usage("--loss-columns", "--loss-columns needs --wide")
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
def runs(table: TableArg = None, fmt: FormatOpt = "table") -> None:
    """What is in the workspace (or a table): datasets × evals, run counts, N, D and C ranges, splits."""
    from l2l.report import runs_report
    from l2l.workspace import load_runs

    _render(runs_report(load_runs(table, _workspace())), fmt)


# ---------------------------------------------------------------------------------------------------------------
# fit-law / predict / optimal
# ---------------------------------------------------------------------------------------------------------------

FormOpt = Annotated[
    Form,
    typer.Option(
        "--form",
        help="l2l: E + ((A/N)^(α/β) + B/D)^β (Eq. 3); chinchilla: E + A/N^α + B/D^β (Eq. 1); "
        "kaplan: ((A/N)^(α/β) + B/D)^β (Eq. 2).",
    ),
]
SplitOpt = Annotated[
    str | None,
    typer.Option(
        "--split", metavar="SPLIT", help="Fit only runs of this split (e.g. sweep). Default: all runs."
    ),
]
ObjectiveOpt = Annotated[
    Objective,
    typer.Option("--objective", help="huber: Huber loss on log residuals; mse: least squares."),
]
DeltaOpt = Annotated[float, typer.Option("--delta", min=0.0, help="Huber δ on log residuals.")]
BootOpt = Annotated[
    int, typer.Option("--bootstrap", min=0, metavar="B", help="Bootstrap draws for intervals (0: none).")
]
SeedOpt = Annotated[int, typer.Option("--seed", help="Seed of the bootstrap draws.")]
ThoroughOpt = Annotated[
    bool,
    typer.Option(
        "--thorough",
        help="Also descend from every grid start, as a plain L-BFGS-B loop would, batched (seconds per fit).",
    ),
]
SaveOpt = Annotated[bool, typer.Option("--save", help="Keep the fits in the workspace for later commands.")]
DatasetsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--dataset",
        "-d",
        metavar="DATASET",
        help="Training dataset (unique prefix ok, or 'all'); repeatable. Default: all.",
    ),
]
EvalsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--eval",
        "-e",
        metavar="EVAL",
        help="Eval: a name (unique prefix ok), 'own' (default) or 'all'; repeatable.",
    ),
]


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
            _usage(option, str(exc))
    return out


def _fit_options(form: Form, objective: Objective, delta: float, thorough: bool = False) -> FitOptions:
    from l2l.fit import FitOptions

    if not delta > 0:
        _usage("--delta", "must be > 0")
    return FitOptions(form=form, objective=objective, delta=delta, thorough=thorough)


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
    form: FormOpt = "l2l",
    dataset: DatasetsOpt = None,
    eval_name: EvalsOpt = None,
    split: SplitOpt = None,
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    resample: Annotated[
        Resample,
        typer.Option("--resample", help="Bootstrap unit: single runs, or all runs of one model size N."),
    ] = "run",
    save: SaveOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the law's contour figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Fit scaling laws to each dataset's own loss (or to any eval) by the global optimum of the objective."""
    from l2l.fit import fit_laws
    from l2l.laws import FORM_EQUATIONS
    from l2l.render import ProgressBar
    from l2l.report import fits_report

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(plot, "--plot")
    if save and table is not None:
        _usage("--save", "--save stores fits of the workspace runs; drop TABLE or ingest it first")
    runs, cache = _load(table)
    with ProgressBar("fitting") as prog, ProgressBar("bootstrap") as bprog:
        outcome = fit_laws(
            runs,
            datasets=dataset,
            evals=eval_name,
            split=split,
            options=opts,
            cache=cache,
            bootstrap=bootstrap,
            seed=seed,
            resample=resample,
            workers=_workers(),
            progress=prog,
            bootstrap_progress=bprog,
        )
    if plot is not None and outcome.fits:
        from l2l.plots import law_figure, save_figure

        save_figure(law_figure(runs, outcome.fits, split=split), plot)
        typer.echo(f"wrote {plot}", err=True)
    if save:
        from l2l.workspace import save_fits

        save_fits(_workspace(), cache)
    _render(
        fits_report(outcome, form=form, objective=objective, delta=delta, equation=FORM_EQUATIONS[form]), fmt
    )
    if not outcome.fits:
        raise typer.Exit(1)


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
        list[str] | None,
        typer.Option(
            "--dataset", "-d", metavar="DATASET", help="Dataset(s) whose law predicts ('all' for every one)."
        ),
    ] = None,
    N: Annotated[
        list[str] | None, typer.Option("--N", metavar="N", help="Parameters (3.3e9 or 3.3B); repeatable.")
    ] = None,
    D: Annotated[
        list[str] | None, typer.Option("--D", metavar="D", help="Training tokens; repeatable.")
    ] = None,
    C: Annotated[
        list[str] | None,
        typer.Option(
            "--C",
            metavar="FLOPS",
            help="Compute (FLOPs); D = C/(6N), or C/(kN) when the table counts C = kND.",
        ),
    ] = None,
    eval_name: Annotated[
        list[str] | None,
        typer.Option(
            "--eval", "-e", metavar="EVAL", help="Eval(s) to predict (default: own loss; 'all'); repeatable."
        ),
    ] = None,
    via: Annotated[
        str | None,
        typer.Option(
            "--via", metavar="DATASET", help="Predict through translation from this source dataset."
        ),
    ] = None,
    src_loss: Annotated[
        float | None,
        typer.Option("--src-loss", metavar="LOSS", help="With --via: the source model's own loss."),
    ] = None,
    from_run: Annotated[
        str | None,
        typer.Option(
            "--from-run", metavar="RUN_ID", help="With --via: take the source loss from this run_id."
        ),
    ] = None,
    tgt: Annotated[
        str | None, typer.Option("--tgt", metavar="DATASET", help="With --via: the target dataset.")
    ] = None,
    form: FormOpt = "l2l",
    split: SplitOpt = None,
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """Predict a loss: from a fitted scaling law at (N, D), or through loss-to-loss translation (--via)."""
    opts = _fit_options(form, objective, delta, thorough)
    if via is not None:
        if len(eval_name or []) > 1:
            _usage("--eval", "with --via, name one eval")
        _predict_via(
            table,
            opts,
            via=via,
            src_loss=src_loss,
            from_run=from_run,
            tgt=tgt,
            eval_name=eval_name[0] if eval_name else None,
            split=split,
            fmt=fmt,
        )
        return
    from l2l.predict import predict as predict_loss
    from l2l.report import predictions_report

    if not dataset:
        _usage("--dataset", "name the dataset whose law predicts (or use --via)")
    n = _quantities(N, "--N")
    if n is None:
        _usage("--N", "give the model size")
    runs, cache = _load(table)
    preds = predict_loss(
        runs,
        N=n,
        D=_quantities(D, "--D"),
        C=_quantities(C, "--C"),
        datasets=dataset,
        evals=eval_name,
        split=split,
        options=opts,
        cache=cache,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(predictions_report(preds), fmt)


def _predict_via(
    table: Path | None,
    opts: FitOptions,
    *,
    via: str,
    src_loss: float | None,
    from_run: str | None,
    tgt: str | None,
    eval_name: str | None,
    split: str | None,
    fmt: OutputFormat,
) -> None:
    from l2l.report import chain_report
    from l2l.translate import predict_via

    if tgt is None:
        _usage("--tgt", "name the target dataset")
    if (src_loss is None) == (from_run is None):
        _usage("--src-loss", "give exactly one of --src-loss and --from-run")
    runs, cache = _load(table)
    pred = predict_via(
        runs,
        via=via,
        tgt=tgt,
        src_loss=src_loss,
        from_run=from_run,
        eval_name=eval_name,
        split=split,
        options=opts,
        cache=cache,
    )
    _render(chain_report(pred), fmt)


@app.command(
    epilog="Examples:\n\n"
    "  l2l optimal --C 1e21\n\n"
    "  l2l optimal --C 1e20 --C 1e21 --C 1e22 --dataset fineweb-edu --bootstrap 500\n\n"
    "  l2l optimal --C 1e21 --form chinchilla --split sweep --format csv",
)
def optimal(
    table: TableArg = None,
    C: Annotated[
        list[str] | None,
        typer.Option("--C", metavar="FLOPS", help="Compute budget in FLOPs (1e21); repeatable."),
    ] = None,
    dataset: DatasetsOpt = None,
    eval_name: Annotated[
        list[str] | None,
        typer.Option(
            "--eval", "-e", metavar="EVAL", help="Law of this eval (default: own loss; 'all'); repeatable."
        ),
    ] = None,
    form: FormOpt = "l2l",
    split: SplitOpt = None,
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """Compute-optimal model size N*, tokens D* and the loss there, for each budget C = 6ND (closed form)."""
    from l2l.predict import optimal as optimal_allocation
    from l2l.report import allocations_report

    c = _quantities(C, "--C")
    if c is None:
        _usage("--C", "give a compute budget")
    runs, cache = _load(table)
    allocs = optimal_allocation(
        runs,
        C=c,
        datasets=dataset,
        evals=eval_name,
        split=split,
        options=_fit_options(form, objective, delta, thorough),
        cache=cache,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(allocations_report(allocs), fmt)


# ---------------------------------------------------------------------------------------------------------------
# translate
# ---------------------------------------------------------------------------------------------------------------

KindOpt = Annotated[
    Kind,
    typer.Option(
        "--kind",
        help="train-train: two datasets' own losses; train-test: one model's own loss vs "
        "another eval; test-test: two datasets' models on one eval.",
    ),
]
SrcOpt = Annotated[str, typer.Option("--src", metavar="DATASET", help="Source dataset (unique prefix ok).")]
TgtOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--tgt", metavar="DATASET", help="Target dataset(s), repeatable, or 'all' (default for train-train)."
    ),
]
TranslateEvalOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--eval",
        "-e",
        help="Eval(s) for train-test/test-test, or 'all'. Default for train-test: every dataset's own eval.",
    ),
]


@app.command(
    epilog="Examples:\n\n"
    "  l2l translate --src fineweb-edu --tgt all                  # the paper's Table 6\n\n"
    "  l2l translate --src fineweb-edu --kind train-test          # Table 7: onto every validation set\n\n"
    "  l2l translate --src fineweb-edu --kind train-test --eval 'downstream/hellaswag_test_ce_loss'\n\n"
    "  l2l translate --src starcoder --tgt smollm --kind test-test --eval hellaswag\n\n"
    "  l2l translate --src fineweb-edu --tgt all --split sweep --plot translate.png",
)
def translate(
    src: SrcOpt,
    table: TableArg = None,
    tgt: TgtOpt = None,
    kind: KindOpt = "train-train",
    eval_name: TranslateEvalOpt = None,
    join: Annotated[
        Join, typer.Option("--join", help="Pair runs by equal (N, D) or by run identity (run_id).")
    ] = "nd",
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance when pairing on (N, D).")] = 1e-6,
    free_e1: Annotated[
        bool, typer.Option("--free-e1", help="Fit E1 too instead of taking it from the law.")
    ] = False,
    split: SplitOpt = None,
    form: FormOpt = "l2l",
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    C: Annotated[
        str | None,
        typer.Option("--C", metavar="FLOPS", help="Budget for comparing N* (default: largest C seen)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the loss-to-loss figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Fit loss-to-loss translations L1 ≈ K·(L0 − E0)^κ + E1 from one dataset to others (or to other evals)."""
    from l2l.render import ProgressBar
    from l2l.report import translations_report
    from l2l.translate import translate as translate_losses

    _figure_path(plot, "--plot")
    runs, cache = _load(table)
    budget = None if C is None else (_quantities([C], "--C") or [0.0])[0]
    with ProgressBar("fitting laws") as prog:
        results = translate_losses(
            runs,
            src=src,
            tgts=tgt,
            kind=kind,
            evals=eval_name,
            join=join,
            rtol=rtol,
            free_e1=free_e1,
            split=split,
            options=_fit_options(form, objective, delta, thorough),
            cache=cache,
            C=budget,
            workers=_workers(),
            progress=prog,
        )
    if plot is not None:
        from l2l.plots import save_figure, translate_figure

        save_figure(translate_figure(results, fit_split=split), plot)
        typer.echo(f"wrote {plot}", err=True)
    _render(translations_report(results, kind=kind), fmt)
    if all(r.translation is None for r in results):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------------------------

HoldoutOpt = Annotated[
    str | None,
    typer.Option(
        "--holdout",
        metavar="split=VALUE",
        help="Hold out the runs of this split (default: "
        "split=extrapolation when present, else the largest compute budget).",
    ),
]
TopComputeOpt = Annotated[
    int | None,
    typer.Option("--holdout-top-compute", metavar="K", help="Hold out the runs at the K largest budgets."),
]
TestOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--test",
        metavar="PATTERN",
        help="Test evals (glob, repeatable; '!glob' excludes). Default: each dataset's own eval.",
    ),
]
DownstreamOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--downstream",
        metavar="PATTERN",
        help="Downstream evals (glob, repeatable; '!glob' excludes). Default: downstream/*.",
    ),
]


def _holdout_split(holdout: str | None) -> str | None:
    if holdout is None:
        return None
    key, sep, value = holdout.partition("=")
    if not sep or key.strip() != "split" or not value.strip():
        _usage("--holdout", f"expected split=VALUE, got {holdout!r}")
    return value.strip()


def _evaluation(
    table: Path | None,
    holdout: str | None,
    top: int | None,
    test: list[str] | None,
    downstream: list[str] | None,
    opts: FitOptions,
) -> Evaluation:
    from l2l.evaluate import evaluate as evaluate_runs
    from l2l.render import ProgressBar

    split = _holdout_split(holdout)
    runs, cache = _load(table)
    with ProgressBar("fitting laws") as prog:
        return evaluate_runs(
            runs,
            holdout_split=split,
            holdout_top_compute=top,
            test=test,
            downstream=downstream,
            options=opts,
            workers=_workers(),
            progress=prog,
            cache=cache,
        )


@app.command(
    epilog="Examples:\n\n"
    "  l2l evaluate                                   # held out: split=extrapolation\n\n"
    "  l2l evaluate --holdout-top-compute 1 --detail\n\n"
    "  l2l evaluate --downstream 'downstream/hellaswag*' --downstream 'downstream/arc_*' --format json\n\n"
    "  l2l evaluate --plot table1.png",
)
def evaluate(
    table: TableArg = None,
    holdout: HoldoutOpt = None,
    holdout_top_compute: TopComputeOpt = None,
    test: TestOpt = None,
    downstream: DownstreamOpt = None,
    detail: Annotated[bool, typer.Option("--detail", help="List every held-out prediction.")] = False,
    form: FormOpt = "l2l",
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the error figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Does loss-to-loss beat extrapolating each dataset's own law? Held-out prediction error, like Table 1."""
    from l2l.report import evaluation_report

    if holdout is not None and holdout_top_compute is not None:
        _usage("--holdout", "choose one of --holdout and --holdout-top-compute")
    _figure_path(plot, "--plot")
    ev = _evaluation(
        table, holdout, holdout_top_compute, test, downstream, _fit_options(form, objective, delta, thorough)
    )
    if plot is not None:
        from l2l.plots import evaluate_figure, save_figure

        save_figure(evaluate_figure(ev), plot)
        typer.echo(f"wrote {plot}", err=True)
    _render(evaluation_report(ev, detail=detail), fmt)


# ---------------------------------------------------------------------------------------------------------------
# plot (a sub-app: one subcommand per figure)
# ---------------------------------------------------------------------------------------------------------------

OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Figure file: .png, .svg or .pdf.")]


def _save(fig: ggplot, output: Path) -> None:
    from l2l.plots import save_figure

    written = save_figure(fig, output)
    typer.echo(f"wrote {written}", err=True)


@plot_app.command(
    "translate",
    epilog="Examples:\n\n"
    "  l2l plot translate --src fineweb-edu --tgt all --split sweep -o fig1.png\n\n"
    "  l2l plot translate --src fineweb-edu --kind train-test --split sweep -o fig3.svg",
)
def plot_translate(
    src: SrcOpt,
    output: OutputOpt,
    table: TableArg = None,
    tgt: TgtOpt = None,
    kind: KindOpt = "train-train",
    eval_name: TranslateEvalOpt = None,
    split: SplitOpt = None,
    form: FormOpt = "l2l",
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
) -> None:
    """Loss-to-loss curves with the fitted translations (the paper's Figs. 1–4)."""
    from l2l.plots import translate_figure
    from l2l.render import ProgressBar
    from l2l.translate import translate as translate_losses

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(output, "--output")
    runs, cache = _load(table)
    with ProgressBar("fitting laws") as prog:
        results = translate_losses(
            runs,
            src=src,
            tgts=tgt,
            kind=kind,
            evals=eval_name,
            split=split,
            options=opts,
            cache=cache,
            workers=_workers(),
            progress=prog,
        )
    _save(translate_figure(results, fit_split=split), output)


def _law_fits(
    table: Path | None,
    dataset: list[str] | None,
    eval_name: list[str] | None,
    split: str | None,
    opts: FitOptions,
) -> tuple[Runs, list[LawFit]]:
    from l2l.fit import fit_laws
    from l2l.render import ProgressBar

    runs, cache = _load(table)
    with ProgressBar("fitting laws") as prog:
        outcome = fit_laws(
            runs,
            datasets=dataset,
            evals=eval_name,
            split=split,
            options=opts,
            cache=cache,
            workers=_workers(),
            progress=prog,
        )
    if not outcome.fits:
        _usage("--dataset", "none of the selected laws could be fitted")
    return runs, outcome.fits


def _fits_figure_command(name: Figure, summary: str, example: str) -> None:
    """Register ``l2l plot NAME``: fit the selected laws, draw the figure ``NAME`` of them."""

    def command(
        output: OutputOpt,
        table: TableArg = None,
        dataset: DatasetsOpt = None,
        eval_name: EvalsOpt = None,
        split: SplitOpt = None,
        form: FormOpt = "l2l",
        objective: ObjectiveOpt = "huber",
        delta: DeltaOpt = 1e-3,
        thorough: ThoroughOpt = False,
    ) -> None:
        from l2l.plots import isoflop_figure, law_figure

        opts = _fit_options(form, objective, delta, thorough)
        _figure_path(output, "--output")
        runs, fits = _law_fits(table, dataset, eval_name, split, opts)
        make = law_figure if name == "law" else isoflop_figure
        _save(make(runs, fits, split=split), output)

    command.__doc__ = summary
    plot_app.command(name, epilog=f"Examples:\n\n  {example}")(command)


_fits_figure_command(
    "law",
    "Each law's loss over compute and model size, with the runs and the compute-optimal line (Figs. 9–10).",
    "l2l plot law --split sweep -o laws.png",
)
_fits_figure_command(
    "isoflop",
    "Loss against model size at fixed compute budgets, with each budget's optimum (Fig. 11).",
    "l2l plot isoflop --dataset starcoder --split sweep -o isoflop.pdf",
)


@plot_app.command("evaluate", epilog="Examples:\n\n  l2l plot evaluate -o table1.png")
def plot_evaluate(
    output: OutputOpt,
    table: TableArg = None,
    holdout: HoldoutOpt = None,
    holdout_top_compute: TopComputeOpt = None,
    test: TestOpt = None,
    downstream: DownstreamOpt = None,
    form: FormOpt = "l2l",
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
) -> None:
    """Held-out prediction errors of both methods (Table 1 as a figure)."""
    from l2l.plots import evaluate_figure

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(output, "--output")
    _save(evaluate_figure(_evaluation(table, holdout, holdout_top_compute, test, downstream, opts)), output)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m l2l``."""
    try:
        app(args=argv, prog_name="l2l")
    finally:
        sys.stdout.flush()


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
