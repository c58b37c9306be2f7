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
    version: Annotated[
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
) -> None:
    STATE.debug = debug
    STATE.workspace = workspace


def _out(text: str) -> None:
    sys.stdout.write(text)


def _render(reports: Any, fmt: Fmt) -> None:
    from l2l.report import render

    render(reports, fmt.value, write=_out)


def _workspace() -> Any:
    from l2l.io import Workspace

    return Workspace.locate(STATE.workspace)


def _load(table: Path | None) -> tuple[Any, Any]:
    """The runs (the TABLE given, else the workspace's) and the workspace whose saved fits may serve them: None
    when a table was given, since its runs are not the workspace's."""
    from l2l.io import load_runs

    ws = _workspace()
    return load_runs(table, ws), (ws if table is None else None)


def _figure_path(path: Path | None, option: str) -> None:
    """Refuse an unsupported figure type before any fitting starts (usage error, exit 2)."""
    if path is None:
        return
    from l2l.plots import FIGURE_FORMATS

    if path.suffix.lower() not in FIGURE_FORMATS:
        raise typer.BadParameter(
            f"cannot write a figure to {str(path)!r}; supported extensions: {', '.join(FIGURE_FORMATS)}",
            param_hint=option,
        )


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
    from l2l.io import read_runs
    from l2l.report import ingest_report

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
    from l2l.io import load_runs
    from l2l.report import runs_report

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
    str | None,
    typer.Option(
        "--split", metavar="SPLIT", help="Fit only runs of this split (e.g. sweep). Default: all runs."
    ),
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
ThoroughOpt = Annotated[
    bool,
    typer.Option(
        "--thorough",
        help="Also descend from every grid start, as a plain L-BFGS-B loop would, batched (seconds per fit).",
    ),
]
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


def _fit_options(form: FormChoice, objective: ObjectiveChoice, delta: float, thorough: bool = False) -> Any:
    from l2l.fit import FitOptions

    if not delta > 0:
        raise typer.BadParameter("must be > 0", param_hint="--delta")
    return FitOptions(form=form.value, objective=objective.value, delta=delta, thorough=thorough)


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
        typer.Option(
            "--eval", "-e", metavar="EVAL", help="Eval to fit: a name, 'own' (default) or 'all'; repeatable."
        ),
    ] = None,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
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
    from l2l.laws import FORM_EQUATIONS
    from l2l.report import fits_report, progress_bar

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(plot, "--plot")
    if save and table is not None:
        raise typer.BadParameter(
            "--save stores fits of the workspace runs; drop TABLE or ingest it first", param_hint="--save"
        )
    runs, ws = _load(table)
    with progress_bar("fitting") as prog, progress_bar("bootstrap") as bprog:
        outcome, book = api.fit_laws(
            runs,
            datasets=dataset,
            evals=eval,
            split=split,
            options=opts,
            workspace=ws,
            bootstrap=bootstrap,
            seed=seed,
            resample=resample.value,
            progress=prog,
            bootstrap_progress=bprog,
        )
    if plot is not None:
        _plot_law(runs, outcome, plot, split)
        typer.echo(f"wrote {plot}", err=True)
    if save:
        api.save_fits(ws, book)
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


def _plot_law(runs: Any, outcome: Any, path: Path, split: str | None) -> None:
    from l2l.plots import law_figure, save_figure

    fits = [r for r in outcome.results if not isinstance(r, Exception)]
    if fits:
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
        str | None, typer.Option("--dataset", "-d", metavar="DATASET", help="Dataset whose law predicts.")
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
    eval: Annotated[
        str | None, typer.Option("--eval", "-e", metavar="EVAL", help="Eval to predict (default: own loss).")
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
    form: FormOpt = FormChoice.l2l,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Predict a loss: from a fitted scaling law at (N, D), or through loss-to-loss translation (--via)."""
    from l2l import api

    opts = _fit_options(form, objective, delta, thorough)
    if via is not None:
        _predict_via(
            table,
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

    runs, ws = _load(table)
    preds, _ = api.predict_law(
        runs,
        dataset=dataset,
        N=n,
        D=_quantities(D, "--D"),
        C=_quantities(C, "--C"),
        eval=eval,
        split=split,
        options=opts,
        workspace=ws,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(predictions_report(preds), fmt)


def _predict_via(
    table: Path | None,
    opts: Any,
    *,
    via: str,
    src_loss: float | None,
    from_run: str | None,
    tgt: str | None,
    eval: str | None,
    split: str | None,
    fmt: Fmt,
) -> None:
    from l2l import api
    from l2l.report import chain_report

    if tgt is None:
        raise typer.BadParameter("name the target dataset", param_hint="--tgt")
    if (src_loss is None) == (from_run is None):
        raise typer.BadParameter("give exactly one of --src-loss and --from-run", param_hint="--src-loss")
    runs, ws = _load(table)
    pred, _ = api.predict_via(
        runs,
        via=via,
        tgt=tgt,
        src_loss=src_loss,
        from_run=from_run,
        eval=eval,
        split=split,
        options=opts,
        workspace=ws,
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
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", metavar="DATASET", help="Dataset(s); default all.")
    ] = None,
    eval: Annotated[
        str | None, typer.Option("--eval", "-e", metavar="EVAL", help="Law of this eval (default: own loss).")
    ] = None,
    form: FormOpt = FormChoice.l2l,
    split: SplitOpt = None,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Compute-optimal model size N*, tokens D* and the loss there, for each budget C = 6ND (closed form)."""
    from l2l import api
    from l2l.report import allocations_report

    c = _quantities(C, "--C")
    if c is None:
        raise typer.BadParameter("give a compute budget", param_hint="--C")
    runs, ws = _load(table)
    allocs, _ = api.optimal_allocation(
        runs,
        C=c,
        datasets=dataset,
        eval=eval,
        split=split,
        options=_fit_options(form, objective, delta, thorough),
        workspace=ws,
        bootstrap=bootstrap,
        seed=seed,
    )
    _render(allocations_report(allocs), fmt)


# ---------------------------------------------------------------------------------------------------------------
# translate (issue 4)
# ---------------------------------------------------------------------------------------------------------------


class KindChoice(str, Enum):
    train_train = "train-train"
    train_test = "train-test"
    test_test = "test-test"


class JoinChoice(str, Enum):
    nd = "nd"
    run = "run"


@app.command(
    epilog="Examples:\n\n"
    "  l2l translate --src fineweb-edu --tgt all                  # the paper's Table 6\n\n"
    "  l2l translate --src fineweb-edu --kind train-test          # Table 7: onto every validation set\n\n"
    "  l2l translate --src fineweb-edu --kind train-test --eval 'downstream/hellaswag_test_ce_loss'\n\n"
    "  l2l translate --src starcoder --tgt smollm --kind test-test --eval hellaswag\n\n"
    "  l2l translate --src fineweb-edu --tgt all --split sweep --plot translate.png",
)
def translate(
    table: TableArg = None,
    src: Annotated[
        str, typer.Option("--src", metavar="DATASET", help="Source dataset (unique prefix ok).")
    ] = ...,  # type: ignore[assignment]
    tgt: Annotated[
        list[str] | None,
        typer.Option(
            "--tgt",
            metavar="DATASET",
            help="Target dataset(s), repeatable, or 'all' (default for train-train).",
        ),
    ] = None,
    kind: Annotated[
        KindChoice,
        typer.Option(
            "--kind",
            help="train-train: two datasets' own losses; train-test: one model's own loss vs "
            "another eval; test-test: two datasets' models on one eval.",
        ),
    ] = KindChoice.train_train,
    eval: Annotated[
        list[str] | None,
        typer.Option(
            "--eval",
            "-e",
            help="Eval(s) for train-test/test-test, or 'all'. Default for train-test: "
            "every dataset's own eval.",
        ),
    ] = None,
    join: Annotated[
        JoinChoice, typer.Option("--join", help="Pair runs by equal (N, D) or by run identity (run_id).")
    ] = JoinChoice.nd,
    rtol: Annotated[float, typer.Option("--rtol", help="Relative tolerance when pairing on (N, D).")] = 1e-6,
    free_e1: Annotated[
        bool, typer.Option("--free-e1", help="Fit E1 too instead of taking it from the law.")
    ] = False,
    split: SplitOpt = None,
    form: FormOpt = FormChoice.l2l,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    C: Annotated[
        str | None,
        typer.Option("--C", metavar="FLOPS", help="Budget for comparing N* (default: largest C seen)."),
    ] = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the loss-to-loss figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Fit loss-to-loss translations L1 ≈ K·(L0 − E0)^κ + E1 from one dataset to others (or to other evals)."""
    from l2l import api
    from l2l.report import progress_bar, translations_report

    _figure_path(plot, "--plot")
    runs, ws = _load(table)
    budget = _quantities([C], "--C")[0] if C is not None else None  # type: ignore[index]
    with progress_bar("fitting laws") as prog:
        results, _ = api.translate(
            runs,
            src=src,
            tgts=tgt,
            kind=kind.value,
            evals=eval,
            join=join.value,
            rtol=rtol,
            free_e1=free_e1,
            split=split,
            options=_fit_options(form, objective, delta, thorough),
            workspace=ws,
            C=budget,
            progress=prog,
        )
    if plot is not None:
        from l2l.plots import save_figure, translate_figure

        save_figure(translate_figure(results, fit_split=split), plot)
        typer.echo(f"wrote {plot}", err=True)
    _render(translations_report(results, kind=kind.value), fmt)
    if all(r.translation is None for r in results):
        raise typer.Exit(1)


# ---------------------------------------------------------------------------------------------------------------
# evaluate / plot (issue 5)
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
        raise typer.BadParameter(f"expected split=VALUE, got {holdout!r}", param_hint="--holdout")
    return value.strip()


def _evaluation(
    table: Path | None,
    holdout: str | None,
    top: int | None,
    test: list[str] | None,
    downstream: list[str] | None,
    opts: Any,
) -> Any:
    from l2l import api
    from l2l.report import progress_bar

    runs, ws = _load(table)
    with progress_bar("fitting laws") as prog:
        return api.evaluate_runs(
            runs,
            workspace=ws,
            holdout_split=_holdout_split(holdout),
            holdout_top_compute=top,
            test=test,
            downstream=downstream,
            options=opts,
            progress=prog,
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
    form: FormOpt = FormChoice.l2l,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the error figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Does loss-to-loss beat extrapolating each dataset's own law? Held-out prediction error, like Table 1."""
    from l2l.report import evaluation_report

    if holdout is not None and holdout_top_compute is not None:
        raise typer.BadParameter("choose one of --holdout and --holdout-top-compute", param_hint="--holdout")
    _figure_path(plot, "--plot")
    ev = _evaluation(
        table, holdout, holdout_top_compute, test, downstream, _fit_options(form, objective, delta, thorough)
    )
    if plot is not None:
        from l2l.plots import evaluate_figure, save_figure

        save_figure(evaluate_figure(ev), plot)
        typer.echo(f"wrote {plot}", err=True)
    _render(evaluation_report(ev, detail=detail), fmt)


class PlotKind(Enum):  # not a str subclass: a member named "translate" would shadow str.translate
    translate = "translate"
    law = "law"
    isoflop = "isoflop"
    evaluate = "evaluate"


@app.command(
    epilog="Examples:\n\n"
    "  l2l plot translate --src fineweb-edu --tgt all --split sweep -o fig1.png\n\n"
    "  l2l plot translate --src fineweb-edu --kind train-test --split sweep -o fig3.svg\n\n"
    "  l2l plot law --split sweep -o laws.png\n\n"
    "  l2l plot isoflop --dataset starcoder --split sweep -o isoflop.pdf\n\n"
    "  l2l plot evaluate -o table1.png",
)
def plot(
    kind: Annotated[
        PlotKind,
        typer.Argument(
            help="translate (Figs. 1–4), law (Figs. 9–10), isoflop (Fig. 11), evaluate (Table 1 errors)."
        ),
    ],
    table: TableArg = None,
    output: Annotated[Path, typer.Option("--output", "-o", help="Figure file: .png, .svg or .pdf.")] = ...,  # type: ignore[assignment]
    dataset: Annotated[
        list[str] | None, typer.Option("--dataset", "-d", metavar="DATASET", help="law/isoflop: dataset(s).")
    ] = None,
    src: Annotated[
        str | None, typer.Option("--src", metavar="DATASET", help="translate: source dataset.")
    ] = None,
    tgt: Annotated[
        list[str] | None, typer.Option("--tgt", metavar="DATASET", help="translate: target(s) or 'all'.")
    ] = None,
    kind_: Annotated[
        KindChoice, typer.Option("--kind", help="translate: kind of translation.")
    ] = KindChoice.train_train,
    eval: Annotated[list[str] | None, typer.Option("--eval", "-e", metavar="EVAL", help="Eval(s).")] = None,
    split: SplitOpt = None,
    holdout: HoldoutOpt = None,
    holdout_top_compute: TopComputeOpt = None,
    test: TestOpt = None,
    downstream: DownstreamOpt = None,
    form: FormOpt = FormChoice.l2l,
    objective: ObjectiveOpt = ObjectiveChoice.huber,
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
) -> None:
    """Draw a figure in the paper's style."""
    from l2l import api
    from l2l.plots import (
        evaluate_figure,
        isoflop_figure,
        law_figure,
        save_figure,
        translate_figure,
    )
    from l2l.report import progress_bar

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(output, "--output")
    if kind is PlotKind.evaluate:
        fig = evaluate_figure(_evaluation(table, holdout, holdout_top_compute, test, downstream, opts))
    else:
        runs, ws = _load(table)
        with progress_bar("fitting laws") as prog:
            if kind is PlotKind.translate:
                if src is None:
                    raise typer.BadParameter("name the source dataset", param_hint="--src")
                results, _ = api.translate(
                    runs,
                    src=src,
                    tgts=tgt,
                    kind=kind_.value,
                    evals=eval,
                    split=split,
                    options=opts,
                    workspace=ws,
                    progress=prog,
                )
                fig = translate_figure(results, fit_split=split)
            else:
                outcome, _ = api.fit_laws(
                    runs,
                    datasets=dataset,
                    evals=eval,
                    split=split,
                    options=opts,
                    workspace=ws,
                    progress=prog,
                )
                fits = [r for r in outcome.results if not isinstance(r, Exception)]
                if not fits:
                    raise typer.BadParameter(
                        "none of the selected laws could be fitted", param_hint="--dataset"
                    )
                make = law_figure if kind is PlotKind.law else isoflop_figure
                fig = make(runs, fits, split=split)
    written = save_figure(fig, output)
    typer.echo(f"wrote {written}", err=True)


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
