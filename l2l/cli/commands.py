"""The command line: parse options, make one library call, render the result. Nothing numeric happens here.

Start-up matters: this module imports only typer (and, through it, click and rich) and the pure-Python vocabulary
of ``l2l.base.schema``. numpy, polars, scipy and plotnine are imported inside the commands that need them, so
``l2l --help`` stays fast. Every error, a library error or a usage error, leaves as one ``Error: ...`` line and
maybe a ``Hint: ...`` line: exit 1 for errors, 2 for usage errors.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer
from typer.core import TyperGroup

try:  # typer ≥ 0.20 ships its own click; its usage errors are that click's
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # pragma: no cover - older typer on the stock click
    # (click is absent where typer vendors it, so this line's ignore also covers a missing module)
    from click.exceptions import (  # type: ignore[assignment,no-redef,import-not-found,unused-ignore]
        UsageError as ClickUsageError,
    )

from l2l.base.errors import L2LError, UsageError
from l2l.base.schema import (
    AccuracyForm,
    CeilingMode,
    Figure,
    FloorMode,
    Form,
    InputLoss,
    Join,
    Kind,
    Objective,
    OutputFormat,
    Pooling,
    RankMethod,
    Resample,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

    from l2l.base.runs import Runs
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache, FitOptions, LawFit
    from l2l.io.workspace import Workspace
    from l2l.output.render import Report
    from l2l.workflows.evaluate import Evaluation


class _State:
    debug = False
    workspace: Path | None = None
    # The workspace's fit cache as this command loaded it, and how many fits it held then: fits a command makes
    # are kept for the next one (the cache is keyed by the exact data, so a stale fit is never served).
    fit_cache: tuple[Workspace, FitCache, int] | None = None


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
    "accuracy_columns": "--accuracy-columns PATTERN",
    "input_loss": "--input-loss own",
    "chance": "--chance TASK=LEVEL",
    "checkpoints": "--checkpoints final|step=K|all",
    "test": "--test PATTERN (l2l evaluate)",
    "columns": "--column CANON=SOURCE",
    "level": "--level",
    "via": "--via",
    "targets": "--target",
    "draws": "--draws",
    "datasets": "--dataset",
}


def _fail(exc: L2LError) -> NoReturn:
    from l2l.base.text import visible

    typer.echo(f"Error: {visible(exc.message)}", err=True)
    flag = FLAGS.get(exc.param or "")
    hint = exc.hint
    if flag:
        hint = f"{hint} (option {flag})" if hint else f"see option {flag}"
    if hint:
        typer.echo(f"Hint: {visible(hint)}", err=True)
    raise typer.Exit(exc.exit_code)


def _usage_fail(exc: ClickUsageError) -> NoReturn:
    """click's usage errors (unknown option, bad choice, missing value) in the same one-line format."""
    where = exc.ctx.command_path if exc.ctx is not None else "l2l"
    _fail(UsageError(exc.format_message(), hint=f"see `{where} --help`"))


def _no_args_help(exc: ClickUsageError) -> bool:
    return type(exc).__name__ == "NoArgsIsHelpError"  # click ≥ 8.2: prints help, not an error


#: Options that are a flag alone and take a value only when one ending in the suffix follows:
#: (command, option) → (the hidden option that carries the value, suffix). typer's click has no optional values.
_FLAG_OR_VALUE: dict[tuple[str, str], tuple[str, str]] = {("fit-law", "--save"): ("--save-file", ".json")}


def _flag_or_value(name: str | None, args: list[str]) -> list[str]:
    """``--save laws.json`` → ``--save-file laws.json`` (and ``--save=laws.json``); a plain ``--save`` stays."""
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        opt, eq, val = a.partition("=")
        rule = _FLAG_OR_VALUE.get((name or "", opt))
        if rule and eq:
            out.append(f"{rule[0]}={val}")
        elif rule and i + 1 < len(args) and args[i + 1].lower().endswith(rule[1]):
            out += [rule[0], args[i + 1]]
            i += 1
        else:
            out.append(a)
        i += 1
    return out


class _Group(TyperGroup):
    """The single place where library and usage errors become one line on stderr and an exit code."""

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        name, cmd, rest = super().resolve_command(ctx, args)
        return name, cmd, _flag_or_value(name, rest)

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
        except (typer.Exit, typer.Abort, KeyboardInterrupt, BrokenPipeError):
            raise  # a closed pipe (`l2l ... | head`) is no error of ours: main() leaves quietly
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
    **{**_SETTINGS, "add_completion": True},  # --install-completion / --show-completion [SHELL]
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


ChanceOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--chance",
        metavar="TASK=LEVEL",
        help="Chance accuracy of a task (0.25 for 4-way multiple choice); repeatable. Default: a chance "
        "column, else 0.25 for ARC/HellaSwag/MMLU/OpenBookQA/SciQ, 0.5 for BoolQ/PIQA/Winogrande, else fitted.",
    ),
]


def _print_version(value: bool) -> None:
    if value:
        from l2l.base.version import __version__

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
    from l2l.output.render import render

    def write(text: str) -> None:
        sys.stdout.write(text)

    render(reports, fmt, write=write)


def _workspace() -> Workspace:
    from l2l.io.workspace import Workspace

    return Workspace.locate(STATE.workspace)


def _load(table: Path | None) -> tuple[Runs, FitCache]:
    """The runs (the TABLE given, else the workspace's) and the fits that may serve them: the workspace's saved
    fits, or none when a table was given (its runs are not the workspace's)."""
    from l2l.core.fit import FitCache
    from l2l.io.workspace import load_runs, saved_fits

    ws = _workspace()
    runs = load_runs(table, ws)
    if table is not None:
        return runs, FitCache()
    cache = saved_fits(ws)
    STATE.fit_cache = (ws, cache, len(cache))
    return runs, cache


def _keep_new_fits() -> None:
    """Add the fits this command made to the workspace's cache, so the next command reuses them. A cache that
    cannot be written costs only speed, never the command's answer."""
    if STATE.fit_cache is None:  # nothing loaded (e.g. --help): import nothing heavy
        return
    from contextlib import suppress

    from l2l.base.errors import L2LError
    from l2l.io.workspace import save_fits

    ws, cache, before = STATE.fit_cache
    STATE.fit_cache = None
    if len(cache) > before:
        with suppress(L2LError, OSError):
            save_fits(ws, cache)


def _calibrations(table: Path | None) -> CalibrationCache:
    """Calibrations that may serve these runs: the workspace's (a cache keyed by the data), none for a TABLE."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.io.workspace import saved_calibrations

    return saved_calibrations(_workspace()) if table is None else CalibrationCache()


def _keep_calibrations(table: Path | None, cache: CalibrationCache, before: int) -> None:
    """Store new calibrations in the workspace (they are a cache: kept without being asked)."""
    if table is None and len(cache) > before and _workspace().exists():
        from contextlib import suppress

        from l2l.base.errors import WorkspaceError
        from l2l.io.workspace import save_calibrations

        with suppress(WorkspaceError):  # a cache that cannot be written only costs time on the next run
            save_calibrations(_workspace(), cache)


LevelOpt = Annotated[
    float,
    typer.Option(
        "--level",
        help="Level of the predictive intervals, strictly between 0 and 1 (0.9: 90 %).",
    ),
]


def _workers() -> int:
    from l2l.core.fit import default_workers

    return default_workers()


def _usage(option: str, message: str) -> NoReturn:
    raise UsageError(f"{option}: {message}")


def _figure_path(path: Path | None, option: str) -> None:
    """Refuse an unsupported figure type before any fitting starts (usage error, exit 2)."""
    if path is None:
        return
    from l2l.output.plots import FIGURE_FORMATS

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
    "  l2l ingest train_log.csv --checkpoints final --column N=non_embedding_params\n\n"
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
        str | None,
        typer.Option(
            "--accuracy-columns",
            metavar="PATTERN",
            help="With --wide: glob naming the downstream-accuracy columns (fractions in [0, 1]); kept apart "
            "from the losses. Long tables mark accuracy rows with a metric column instead.",
        ),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Validate run tables, normalise them and store them in the workspace."""
    from l2l.base.errors import InputError
    from l2l.base.text import visible
    from l2l.io.checkpoints import parse_policy
    from l2l.io.columns import parse_mapping
    from l2l.io.tables import read_runs
    from l2l.output.report import ingest_report

    if loss_columns is not None and not wide:
        _usage("--loss-columns", "--loss-columns needs --wide")
    try:
        parse_policy(checkpoints)
    except InputError as exc:
        _usage("--checkpoints", exc.message)
    mapping = parse_mapping(column or [])
    ws = _workspace()
    stored_mapping = ws.column_mapping() if append and ws.exists() else {}
    runs = read_runs(
        files,
        wide=wide,
        loss_columns=loss_columns,
        own_eval=_parse_pairs(own_eval, "--own-eval"),
        strict=strict,
        columns=mapping,
        stored_columns=stored_mapping,
        checkpoints=checkpoints,
        accuracy_columns=accuracy_columns,
        accuracy_only=append,  # appending accuracies alone to stored losses is fine
    )
    stored = ws.save(  # losses and accuracies in one commit, under the workspace's lock
        runs,
        append=append,
        strict=strict,
        column_mapping={**stored_mapping, **mapping},
        on_wait=lambda msg: typer.echo(visible(msg), err=True),
    )
    _render(_with_accuracy(ingest_report(stored, added=runs, workspace=ws), stored), fmt)


@app.command(epilog="Examples:\n\n  l2l runs\n\n  l2l runs --format json\n\n  l2l runs other_runs.csv")
def runs(table: TableArg = None, fmt: FormatOpt = "table") -> None:
    """What is in the workspace (or a table): datasets × evals, run counts, N, D and C ranges, splits."""
    from l2l.output.report import runs_report

    loaded, _ = _load_accuracy(table)
    _render(_with_accuracy(runs_report(loaded), loaded), fmt)


def _refuse_accuracy_evals(table: Path | None, runs: Runs, names: Sequence[str] | None) -> None:
    """A loss command given an accuracy eval (no loss eval of that name): a usage error naming fit-accuracy."""
    from l2l.base.errors import SelectionError
    from l2l.base.runs import ALL, OWN
    from l2l.workflows.accuracy import accuracy_evals

    wanted = [n for n in names or [] if n not in (ALL, OWN)]
    if not wanted:
        return
    acc_names: list[str] | None = None
    for name in wanted:
        try:
            runs.resolve_eval(name)
        except SelectionError:
            if acc_names is None:
                acc_names = accuracy_evals(_load_accuracy(table)[0])
            if any(a == name or a.rsplit("/", 1)[-1].startswith(name.rsplit("/", 1)[-1]) for a in acc_names):
                _usage(
                    "--eval", f"{name!r} is an accuracy eval: fit it with `l2l fit-accuracy --eval {name}`"
                )
            raise


def _load_accuracy(table: Path | None) -> tuple[Runs, FitCache]:
    """As ``_load``, with the accuracy rows: the workspace's (stored beside its losses) or the TABLE's."""
    from l2l.io.accuracy_store import attach_accuracy

    runs, cache = _load(table)
    if table is None:
        return attach_accuracy(runs, _workspace()), cache
    return runs, cache


def _with_accuracy(report: Report | list[Report], runs: Runs) -> list[Report]:
    """``report`` followed by the accuracy evals of ``runs`` (listed apart), when it has any."""
    from l2l.output.report import accuracy_runs_report
    from l2l.workflows.accuracy import accuracy_summary

    reports = list(report) if isinstance(report, list) else [report]
    rows = accuracy_summary(runs)
    return [*reports, accuracy_runs_report(rows)] if rows else reports


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
SaveOpt = Annotated[
    bool,
    typer.Option(
        "--save",
        help="Keep the fits in the workspace for later commands; `--save FILE.json` writes the laws to a "
        "portable law file instead (for `l2l predict --law FILE.json`).",
    ),
]
SaveFileOpt = Annotated[Path | None, typer.Option("--save-file", hidden=True)]  # `--save FILE.json`
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
    from l2l.base.schema import parse_quantity

    out = []
    for v in values:
        try:
            out.append(parse_quantity(v))
        except ValueError as exc:
            _usage(option, str(exc))
    return out


def _fit_options(form: Form, objective: Objective, delta: float, thorough: bool = False) -> FitOptions:
    from l2l.core.fit import FitOptions

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
    "  l2l fit-law --split sweep --save --plot law.png\n\n"
    "  l2l fit-law --split sweep --save laws.json   # a law file for `l2l predict --law laws.json`\n\n"
    "  l2l fit-law --split sweep --residuals --format csv",
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
    save_file: SaveFileOpt = None,
    residuals: Annotated[
        bool, typer.Option("--residuals", help="Also list every run beside its law's prediction.")
    ] = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the law's contour figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Fit scaling laws to each dataset's own loss (or to any eval) by the global optimum of the objective."""
    from l2l.core.laws import FORM_EQUATIONS
    from l2l.output.render import ProgressBar
    from l2l.output.report import fits_report
    from l2l.workflows.lawbook import fit_laws

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(plot, "--plot")
    if save and table is not None:
        _usage(
            "--save",
            "--save keeps fits of the workspace runs (drop TABLE or ingest it first); "
            "a law file is written by --save FILE.json",
        )
    runs, cache = _load(table)
    _refuse_accuracy_evals(table, runs, eval_name)
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
        from l2l.output.plots import law_figure, save_figure

        save_figure(law_figure(runs, outcome.fits, split=split), plot)
        typer.echo(f"wrote {plot}", err=True)
    if save:
        from l2l.io.workspace import save_fits

        save_fits(_workspace(), cache)
    if save_file is not None and outcome.fits:
        from l2l.io.workspace import write_law_file
        from l2l.workflows.lawfile import law_file_dict

        write_law_file(save_file, law_file_dict(runs, outcome.fits, options=opts, split=split))
        typer.echo(f"wrote {save_file} ({len(outcome.fits)} laws)", err=True)
    reports = fits_report(outcome, form=form, objective=objective, delta=delta, equation=FORM_EQUATIONS[form])
    if residuals:
        from l2l.output.report import with_residuals
        from l2l.workflows.lawbook import residuals as run_residuals

        reports = with_residuals(reports, run_residuals(runs, outcome.fits, split=split))
    _render(reports, fmt)
    if not outcome.fits:
        raise typer.Exit(1)


@app.command(
    epilog="Examples:\n\n"
    "  l2l predict --dataset fineweb-edu --N 3.3e9 --D 5.0e10\n\n"
    "  l2l predict --dataset starcoder --N 1B --C 1e21 --eval hellaswag\n\n"
    "  l2l predict --dataset fineweb-edu --N 3.3B --D 50B --level 0.95\n\n"
    "  l2l predict --via fineweb-edu --src-loss 2.126 --tgt starcoder --eval hellaswag\n\n"
    "  l2l predict --via all --from-run RUN_ID --tgt starcoder    # combine every source with a run there",
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
        list[str] | None,
        typer.Option(
            "--via",
            metavar="DATASET",
            help="Predict through translation from this source dataset; repeatable, or 'all' (every dataset "
            "with a run at the (N, D) of --from-run): the sources' translations are combined.",
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
    law: Annotated[
        Path | None,
        typer.Option(
            "--law",
            metavar="FILE.json",
            help="Predict from the laws of this law file (`l2l fit-law --save FILE.json`), without the runs.",
        ),
    ] = None,
    form: FormOpt = "l2l",
    split: SplitOpt = None,
    objective: ObjectiveOpt = "huber",
    delta: DeltaOpt = 1e-3,
    thorough: ThoroughOpt = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    level: LevelOpt = 0.9,
    combine: Annotated[
        str,
        typer.Option(
            "--combine", help="With several --via sources: mean (default; see the README), median or ivw."
        ),
    ] = "mean",
    input_loss: Annotated[
        InputLoss,
        typer.Option(
            "--input-loss", help="Accuracy evals: the loss the accuracy law is a function of (task or own)."
        ),
    ] = "task",
    chance: ChanceOpt = None,
    fmt: FormatOpt = "table",
) -> None:
    """Predict a loss with its predictive interval: from a fitted scaling law at (N, D), or through loss-to-loss
    translation (--via)."""
    opts = _fit_options(form, objective, delta, thorough)
    if via:
        given = [
            flag
            for flag, value in (
                ("--bootstrap", bootstrap),
                ("--N", N),
                ("--D", D),
                ("--C", C),
                ("--dataset", dataset),
            )
            if value
        ]
        if given:
            _usage(
                given[0],
                f"does not apply with --via (a translation starts from a measured loss: drop {', '.join(given)})",
            )
        if len(eval_name or []) > 1:
            _usage("--eval", "with --via, name one eval")
        if combine not in ("mean", "median", "ivw"):
            _usage("--combine", f"expected mean, median or ivw, got {combine!r}")
        _predict_via(
            table,
            opts,
            via=via,
            src_loss=src_loss,
            from_run=from_run,
            tgt=tgt,
            eval_name=eval_name[0] if eval_name else None,
            split=split,
            level=level,
            combine=combine,
            seed=seed,
            fmt=fmt,
        )
        return
    if law is not None:
        _predict_law(law, table, dataset=dataset, N=N, D=D, C=C, eval_name=eval_name, level=level, fmt=fmt)
        return
    if eval_name and _predict_accuracy(
        table,
        opts,
        dataset=dataset,
        N=N,
        D=D,
        C=C,
        eval_name=eval_name,
        split=split,
        input_loss=input_loss,
        chance=chance,
        bootstrap=bootstrap,
        seed=seed,
        fmt=fmt,
    ):
        return
    from l2l.output.report import predictions_report
    from l2l.workflows.predict import predict as predict_loss

    if not dataset:
        _usage("--dataset", "name the dataset whose law predicts (or use --via)")
    n = _quantities(N, "--N")
    if n is None:
        _usage("--N", "give the model size")
    runs, cache = _load(table)
    cals = _calibrations(table)
    before = len(cals)
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
        calibrations=cals,
        bootstrap=bootstrap,
        seed=seed,
        level=level,
    )
    _keep_calibrations(table, cals, before)
    _render(predictions_report(preds), fmt)


def _predict_law(
    path: Path,
    table: Path | None,
    *,
    dataset: list[str] | None,
    N: list[str] | None,
    D: list[str] | None,
    C: list[str] | None,
    eval_name: list[str] | None,
    level: float,
    fmt: OutputFormat,
) -> None:
    """predict --law FILE.json: the file's laws at (N, D), no runs read."""
    from l2l.io.workspace import read_law_file
    from l2l.output.report import law_file_predictions_report
    from l2l.workflows.lawfile import law_file_from_dict, predict_from_laws

    if table is not None:
        _usage("--law", "predicts from the law file alone; drop TABLE")
    n = _quantities(N, "--N")
    if n is None:
        _usage("--N", "give the model size")
    lf = law_file_from_dict(read_law_file(path), str(path))
    preds = predict_from_laws(
        lf,
        N=n,
        D=_quantities(D, "--D"),
        C=_quantities(C, "--C"),
        datasets=dataset,
        evals=eval_name,
        level=level,
    )
    _render(law_file_predictions_report(preds, source=str(path)), fmt)


def _predict_accuracy(
    table: Path | None,
    opts: FitOptions,
    *,
    dataset: list[str] | None,
    N: list[str] | None,
    D: list[str] | None,
    C: list[str] | None,
    eval_name: list[str],
    split: str | None,
    input_loss: InputLoss,
    chance: list[str] | None,
    bootstrap: int,
    seed: int,
    fmt: OutputFormat,
) -> bool:
    """predict --eval ACC: the chain (N, D) → input loss → accuracy, when the evals named are accuracy evals
    (names that are no loss eval but an accuracy eval). False when they are loss evals (the caller goes on)."""
    from l2l.base.errors import SelectionError
    from l2l.base.runs import resolve_name
    from l2l.output.report import accuracy_predictions_report
    from l2l.workflows.accuracy import accuracy_evals, predict_accuracy

    runs, cache = _load_accuracy(table)
    acc_names = accuracy_evals(runs)
    if not acc_names:
        return False
    is_acc = []
    for name in eval_name:
        try:
            runs.resolve_eval(name)
            is_acc.append(name in acc_names)
        except SelectionError:
            resolve_name(name, acc_names, "eval")  # neither a loss nor an accuracy eval: that error
            is_acc.append(True)
    if not any(is_acc):
        return False
    if not all(is_acc):
        _usage("--eval", "name either loss evals or accuracy evals, not both")
    if not dataset:
        _usage("--dataset", "name the dataset whose models are predicted")
    n = _quantities(N, "--N")
    if n is None:
        _usage("--N", "give the model size")
    preds = predict_accuracy(
        runs,
        evals=eval_name,
        datasets=dataset,
        N=n,
        D=_quantities(D, "--D"),
        C=_quantities(C, "--C"),
        split=split,
        input_loss=input_loss,
        chance=_chances(chance),
        options=opts,
        cache=cache,
        bootstrap=bootstrap or 100,
        seed=seed,
    )
    _render(accuracy_predictions_report(preds), fmt)
    return True


def _predict_via(
    table: Path | None,
    opts: FitOptions,
    *,
    via: list[str],
    src_loss: float | None,
    from_run: str | None,
    tgt: str | None,
    eval_name: str | None,
    split: str | None,
    level: float,
    combine: str,
    seed: int,
    fmt: OutputFormat,
) -> None:
    from l2l.output.report import via_report
    from l2l.workflows.predict import predict_sources

    if tgt is None:
        _usage("--tgt", "name the target dataset")
    if (src_loss is None) == (from_run is None):
        _usage("--src-loss", "give exactly one of --src-loss and --from-run")
    if src_loss is not None and (len(via) > 1 or via[0] == "all"):
        _usage("--src-loss", "several sources need --from-run (a run whose (N, D) each source measured)")
    runs, cache = _load(table)
    cals = _calibrations(table)
    before = len(cals)
    pred = predict_sources(
        runs,
        via=via,
        tgt=tgt,
        src_loss=src_loss,
        from_run=from_run,
        eval_name=eval_name,
        split=split,
        options=opts,
        cache=cache,
        calibrations=cals,
        combine="median" if combine == "median" else "ivw" if combine == "ivw" else "mean",
        level=level,
        seed=seed,
    )
    _keep_calibrations(table, cals, before)
    _render(via_report(pred), fmt)


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
    level: LevelOpt = 0.9,
    fmt: FormatOpt = "table",
) -> None:
    """Compute-optimal model size N*, tokens D* and the loss there, for each budget C = 6ND (closed form), with
    intervals."""
    from l2l.output.report import allocations_report
    from l2l.workflows.predict import optimal as optimal_allocation

    c = _quantities(C, "--C")
    if c is None:
        _usage("--C", "give a compute budget")
    runs, cache = _load(table)
    cals = _calibrations(table)
    before = len(cals)
    allocs = optimal_allocation(
        runs,
        C=c,
        datasets=dataset,
        evals=eval_name,
        split=split,
        options=_fit_options(form, objective, delta, thorough),
        cache=cache,
        calibrations=cals,
        bootstrap=bootstrap,
        seed=seed,
        level=level,
    )
    _keep_calibrations(table, cals, before)
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
    level: LevelOpt = 0.9,
    seed: SeedOpt = 0,
    fmt: FormatOpt = "table",
) -> None:
    """Fit loss-to-loss translations L1 ≈ K·(L0 − E0)^κ + E1 from one dataset to others (or to other evals),
    with intervals on K and κ."""
    from l2l.output.render import ProgressBar
    from l2l.output.report import translations_report
    from l2l.workflows.translate import translate as translate_losses

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
            level=level,
            seed=seed,
        )
    if plot is not None:
        from l2l.output.plots import save_figure, translate_figure

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
    level: float | None = 0.9,
) -> Evaluation:
    from l2l.output.render import ProgressBar
    from l2l.workflows.evaluate import evaluate as evaluate_runs

    split = _holdout_split(holdout)
    runs, cache = _load(table)
    cals = _calibrations(table)
    before = len(cals)
    with ProgressBar("fitting laws") as prog:
        ev = evaluate_runs(
            runs,
            holdout_split=split,
            holdout_top_compute=top,
            test=test,
            downstream=downstream,
            options=opts,
            workers=_workers(),
            progress=prog,
            cache=cache,
            level=level,
            calibrations=cals,
        )
    _keep_calibrations(table, cals, before)
    return ev


@app.command(
    epilog="Examples:\n\n"
    "  l2l evaluate                                   # held out: split=extrapolation\n\n"
    "  l2l evaluate --holdout-top-compute 1 --detail\n\n"
    "  l2l evaluate --downstream 'downstream/hellaswag*' --downstream 'downstream/arc_*' --format json\n\n"
    "  l2l evaluate --plot table1.png\n\n"
    "  l2l evaluate --ranking                         # also: which dataset to train on, backtested",
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
    level: LevelOpt = 0.9,
    accuracy: Annotated[
        list[str] | None,
        typer.Option(
            "--accuracy",
            metavar="PATTERN",
            help="Also the train-to-accuracy setting on these accuracy evals (name, glob or 'all'; repeatable): "
            "held-out accuracy error in points of the baseline, the paper's power law and l2l's law.",
        ),
    ] = None,
    chance: ChanceOpt = None,
    ranking: Annotated[
        bool,
        typer.Option(
            "--ranking",
            help="Also the dataset-ranking setting: for every test and downstream eval, the datasets ranked from "
            "the rest vs the held-out runs, pairwise decision accuracy of each method and the single-scale "
            "baseline (as l2l rank --holdout; fits every target's laws: a minute or more).",
        ),
    ] = False,
    fmt: FormatOpt = "table",
) -> None:
    """Does loss-to-loss beat extrapolating each dataset's own law? Held-out prediction error, like Table 1."""
    from l2l.output.report import evaluation_report

    if holdout is not None and holdout_top_compute is not None:
        _usage("--holdout", "choose one of --holdout and --holdout-top-compute")
    _figure_path(plot, "--plot")
    ev = _evaluation(
        table,
        holdout,
        holdout_top_compute,
        test,
        downstream,
        _fit_options(form, objective, delta, thorough),
        level,
    )
    if plot is not None:
        from l2l.output.plots import evaluate_figure, save_figure

        save_figure(evaluate_figure(ev), plot)
        typer.echo(f"wrote {plot}", err=True)
    reports = evaluation_report(ev, detail=detail)
    if accuracy:
        reports = [
            *reports,
            *_accuracy_evaluation(table, holdout, holdout_top_compute, accuracy, chance, detail),
        ]
    if ranking:
        reports = [
            *reports,
            *_ranking_evaluation(table, holdout, holdout_top_compute, test, downstream, form),
        ]
    _render(reports, fmt)


def _ranking_evaluation(
    table: Path | None,
    holdout: str | None,
    top: int | None,
    test: list[str] | None,
    downstream: list[str] | None,
    form: str,
) -> list[Report]:
    """evaluate --ranking: the dataset-ranking setting (l2l.workflows.rank.evaluate_ranking), as reports."""
    from l2l.output.render import ProgressBar
    from l2l.output.report import rank_backtest_report
    from l2l.workflows.rank import evaluate_ranking

    runs, _ = _load(table)
    with ProgressBar("ranking targets") as prog:
        bt = evaluate_ranking(
            runs,
            holdout_split=_holdout_split(holdout),
            holdout_top_compute=top,
            test=test,
            downstream=downstream,
            form=form,
            progress=prog,
        )
    return rank_backtest_report(bt, part=True)


def _accuracy_evaluation(
    table: Path | None,
    holdout: str | None,
    top: int | None,
    accuracy: list[str],
    chance: list[str] | None,
    detail: bool,
) -> list[Report]:
    """evaluate --accuracy: the train-to-accuracy setting (l2l.workflows.accuracy_eval), as reports."""
    from l2l.output.report import accuracy_evaluation_report
    from l2l.workflows.accuracy_eval import evaluate_accuracy

    runs, cache = _load_accuracy(table)
    ev = evaluate_accuracy(
        runs,
        holdout_split=_holdout_split(holdout),
        holdout_top_compute=top,
        evals=accuracy,
        chance=_chances(chance),
        cache=cache,
    )
    return accuracy_evaluation_report(ev, detail=detail)


# ---------------------------------------------------------------------------------------------------------------
# rank (which dataset to train on)
# ---------------------------------------------------------------------------------------------------------------

RankTargetOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--target",
        "-t",
        metavar="EVAL[=WEIGHT]",
        help="Target eval: a name (unique prefix ok), a glob ('downstream/*', its weight shared by its matches), "
        "'!glob' to leave some out, or 'own' (every dataset's own eval); repeatable; EVAL=WEIGHT for a weighted "
        "average.",
    ),
]
RankMethodOpt = Annotated[
    RankMethod,
    typer.Option(
        "--method",
        help="recommended: measured loss at the largest sweep budget plus the laws' change (trust-weighted); "
        "independent: the target's own law; translation: own-loss law through train-to-test; baseline: the "
        "measured loss at the largest budget alone.",
    ),
]
DrawsOpt = Annotated[
    int, typer.Option("--draws", min=1, help="Joint bootstrap draws per law (P(best) and intervals).")
]


def _targets(values: list[str] | None) -> dict[str, float]:
    """``EVAL`` or ``EVAL=WEIGHT`` items (glob patterns allowed) into pattern -> weight."""
    if not values:
        _usage("--target", "name at least one target eval (e.g. --target hellaswag)")
    out: dict[str, float] = {}
    for item in values:
        name, sep, w = item.rpartition("=") if "=" in item else (item, "", "1")
        try:
            weight = float(w)
        except ValueError:
            _usage("--target", f"expected EVAL or EVAL=WEIGHT, got {item!r}")
        if not name.strip() or not (weight >= 0 and weight < float("inf")) or (sep and not w.strip()):
            _usage("--target", f"expected EVAL or EVAL=WEIGHT with a weight ≥ 0, got {item!r}")
        out[name.strip()] = out.get(name.strip(), 0.0) + weight
    return out


def _rank_budget(C: str | None, N: str | None, D: str | None, holdout: bool) -> tuple[float | None, ...]:
    if holdout:
        if C or N or D:
            _usage("--C", "a backtest ranks at the held-out runs' own N and D: drop --C, --N and --D")
        return None, None, None
    if C is not None and (N is not None or D is not None):
        _usage("--C", "give either --C, or --N with --D, not both")
    if C is None and (N is None or D is None):
        _usage("--C", "give a compute budget --C (e.g. 1e21), or a model size --N with tokens --D")
    c, n, d = (
        (_quantities([v], opt) or [0.0])[0] if v else None for v, opt in ((C, "--C"), (N, "--N"), (D, "--D"))
    )
    return c, n, d


@app.command(
    epilog="Examples:\n\n"
    "  l2l rank --target hellaswag --C 1e21 --split sweep        # which dataset for HellaSwag at 1e21?\n\n"
    "  l2l rank -t hellaswag -t arc_easy=2 --C 1e21 --split sweep # combined, arc_easy weighted twice\n\n"
    "  l2l rank --target 'downstream/*' --N 3.3B --D 50B --format csv\n\n"
    "  l2l rank --target hellaswag --C 1e21 --split sweep --plot rank.png\n\n"
    "  l2l rank --target own --target 'downstream/*' --holdout split=extrapolation   # backtest\n\n"
    "  l2l rank --target own --split sweep --holdout-top-compute 1                 # within-sweep backtest",
)
def rank(
    table: TableArg = None,
    target: RankTargetOpt = None,
    C: Annotated[
        str | None,
        typer.Option(
            "--C", metavar="FLOPS", help="Compute budget: each dataset's own compute-optimal N*, D*."
        ),
    ] = None,
    N: Annotated[str | None, typer.Option("--N", metavar="N", help="Fixed model size (with --D).")] = None,
    D: Annotated[
        str | None, typer.Option("--D", metavar="D", help="Fixed training tokens (with --N).")
    ] = None,
    dataset: DatasetsOpt = None,
    split: SplitOpt = None,
    method: RankMethodOpt = "recommended",
    level: LevelOpt = 0.9,
    draws: DrawsOpt = 50,
    seed: SeedOpt = 0,
    form: FormOpt = "l2l",
    holdout: HoldoutOpt = None,
    holdout_top_compute: TopComputeOpt = None,
    plot: Annotated[
        Path | None, typer.Option("--plot", help="Write the ranking figure (.png/.svg/.pdf).")
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Which dataset should we train on? Rank the datasets for a target eval's loss at a budget: N*, D*, the
    predicted loss by each method, an interval, P(best), ties and the budget where the winner changes. A target
    naming an accuracy eval ranks by predicted accuracy (higher is better), through its task loss.

    With --holdout or --holdout-top-compute: a backtest instead, ranking from the rest and scoring every method
    and the single-scale baseline against the measured held-out runs (pairwise decision accuracy)."""
    weights = _targets(target)
    backtest = holdout is not None or holdout_top_compute is not None
    if holdout is not None and holdout_top_compute is not None:
        _usage("--holdout", "choose one of --holdout and --holdout-top-compute")
    if not 0 < level < 1:
        _usage("--level", f"must lie in (0, 1), got {level}")
    c, n, d = _rank_budget(C, N, D, backtest)
    if backtest and plot is not None:
        _usage("--plot", "a backtest draws no figure; drop --plot")
    _figure_path(plot, "--plot")
    runs, _ = _load_accuracy(table)
    if backtest:
        _render_rank_backtest(
            runs, weights, holdout, holdout_top_compute, dataset, split, form, draws, seed, fmt
        )
        return
    from l2l.output.report import ranking_report
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(
        runs,
        weights,
        C=c,
        N=n,
        D=d,
        datasets=dataset,
        split=split,
        method=method,
        form=form,
        draws=draws,
        seed=seed,
        level=level,
    )
    if plot is not None and any(t.metric != "loss" for t in ranking.targets):
        _usage("--plot", "the ranking figure shows losses; drop --plot for an accuracy target")
    if plot is not None:
        from l2l.output.plots import save_figure
        from l2l.output.plots_rank import rank_figure

        save_figure(rank_figure(ranking), plot)
        typer.echo(f"wrote {plot}", err=True)
    _render(ranking_report(ranking, split=split), fmt)


def _render_rank_backtest(
    runs: Runs,
    weights: dict[str, float],
    holdout: str | None,
    top: int | None,
    dataset: list[str] | None,
    split: str | None,
    form: str,
    draws: int,
    seed: int,
    fmt: OutputFormat,
) -> None:
    from l2l.output.render import ProgressBar
    from l2l.output.report import rank_backtest_report
    from l2l.workflows.rank import rank_backtest

    with ProgressBar("ranking targets") as prog:
        bt = rank_backtest(
            runs,
            weights,
            holdout_split=_holdout_split(holdout),
            holdout_top_compute=top,
            datasets=dataset,
            split=split,
            form=form,
            draws=draws,
            seed=seed,
            progress=prog,
        )
    _render(rank_backtest_report(bt), fmt)


# ---------------------------------------------------------------------------------------------------------------
# plot (a sub-app: one subcommand per figure)
# ---------------------------------------------------------------------------------------------------------------

OutputOpt = Annotated[Path, typer.Option("--output", "-o", help="Figure file: .png, .svg or .pdf.")]


def _save(fig: ggplot, output: Path) -> None:
    from l2l.output.plots import save_figure

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
    from l2l.output.plots import translate_figure
    from l2l.output.render import ProgressBar
    from l2l.workflows.translate import translate as translate_losses

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
    from l2l.output.render import ProgressBar
    from l2l.workflows.lawbook import fit_laws

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
        from l2l.output.plots import isoflop_figure, law_figure, residuals_figure

        opts = _fit_options(form, objective, delta, thorough)
        _figure_path(output, "--output")
        runs, fits = _law_fits(table, dataset, eval_name, split, opts)
        make = {"law": law_figure, "isoflop": isoflop_figure, "residuals": residuals_figure}[name]
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
_fits_figure_command(
    "residuals",
    "Each run's residual from its fitted law, against model size N and tokens D: lack of fit at a glance.",
    "l2l plot residuals --split sweep -o residuals.png",
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
    """Held-out prediction errors of each method, with its interval width and coverage (Table 1 as a figure)."""
    from l2l.output.plots import evaluate_figure

    opts = _fit_options(form, objective, delta, thorough)
    _figure_path(output, "--output")
    _save(evaluate_figure(_evaluation(table, holdout, holdout_top_compute, test, downstream, opts)), output)


# ---------------------------------------------------------------------------------------------------------------
# downstream accuracy: fit-accuracy, plot accuracy (predict --eval ACC and evaluate --accuracy route here too)
# ---------------------------------------------------------------------------------------------------------------

AccEvalsOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--eval",
        "-e",
        metavar="EVAL",
        help="Accuracy eval: a name (unique prefix ok), a glob, or 'all' (default); repeatable.",
    ),
]
AccFormOpt = Annotated[
    AccuracyForm,
    typer.Option(
        "--form",
        help="sigmoid: floor + (ceiling − floor)·σ(−(x − x0)/s) of the loss x; power: the paper's "
        "1 − acc = K·(x − E0)^κ + E1 (Appendix B).",
    ),
]
FloorOpt = Annotated[
    FloorMode,
    typer.Option(
        "--floor", help="fit: the floor within [chance − 0.10, chance + 0.05]; chance: fixed at chance."
    ),
]
CeilingOpt = Annotated[
    CeilingMode, typer.Option("--ceiling", help="1: the ceiling is 1; fit: fitted in [q90 of accuracy, 1].")
]
PoolingOpt = Annotated[
    Pooling,
    typer.Option(
        "--pooling",
        help="auto: one law for every dataset unless a within-run backtest says their curves differ; "
        "pooled; separate (one per dataset).",
    ),
]
InputLossOpt = Annotated[
    InputLoss,
    typer.Option(
        "--input-loss", help="task: the task's own CE loss (matched by name); own: the model's own loss."
    ),
]


def _chances(values: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, val in _parse_pairs(values, "--chance").items():
        try:
            level = float(val)
        except ValueError:
            _usage("--chance", f"expected TASK=LEVEL with a number, got {key}={val}")
        if not 0 <= level < 1:
            _usage("--chance", f"a chance level must be in [0, 1), got {val}")
        out[key] = level
    return out


@app.command(
    "fit-accuracy",
    epilog="Examples:\n\n"
    "  l2l fit-accuracy --split sweep                       # every accuracy eval, l2l's recommended law\n\n"
    "  l2l fit-accuracy --eval hellaswag --eval arc_easy --split sweep --bootstrap 200\n\n"
    "  l2l fit-accuracy --form power --input-loss own --split sweep   # the paper's Appendix B\n\n"
    "  l2l fit-accuracy --eval 'downstream/*' --chance imbue_gsm8k=0.0 --plot accuracy.png",
)
def fit_accuracy_cmd(
    table: TableArg = None,
    eval_name: AccEvalsOpt = None,
    split: SplitOpt = None,
    form: AccFormOpt = "sigmoid",
    floor: FloorOpt = "fit",
    ceiling: CeilingOpt = "1",
    pooling: PoolingOpt = "auto",
    input_loss: InputLossOpt = "task",
    chance: ChanceOpt = None,
    keep_unpredictable: Annotated[
        bool,
        typer.Option(
            "--keep-unpredictable", help="Fit tasks that stay near chance too instead of labelling them."
        ),
    ] = False,
    bootstrap: BootOpt = 0,
    seed: SeedOpt = 0,
    plot: Annotated[
        Path | None,
        typer.Option("--plot", help="Write accuracy against loss with the laws (.png/.svg/.pdf)."),
    ] = None,
    fmt: FormatOpt = "table",
) -> None:
    """Fit downstream accuracy as a function of a loss: a sigmoid with a chance floor (or the paper's power law),
    pooled across pre-training datasets where the relation is shared; tasks near chance labelled unpredictable."""
    from l2l.output.report import accuracy_fits_report
    from l2l.workflows.accuracy import fit_accuracy_laws

    _figure_path(plot, "--plot")
    runs, cache = _load_accuracy(table)
    results = fit_accuracy_laws(
        runs,
        eval_name,
        split=split,
        input_loss=input_loss,
        form=form,
        floor=floor,
        ceiling=1.0 if ceiling == "1" else None,
        pooling=pooling,
        chance=_chances(chance),
        check=not keep_unpredictable,
        cache=cache,
        bootstrap=bootstrap,
        seed=seed,
    )
    if plot is not None:
        from l2l.output.plots_accuracy import accuracy_figure

        _save(accuracy_figure(runs, results, fit_split=split), plot)
    _render(accuracy_fits_report(results), fmt)
    if all(r.fit is None for r in results):
        raise typer.Exit(1)


@plot_app.command(
    "accuracy",
    epilog="Examples:\n\n"
    "  l2l plot accuracy --split sweep -o accuracy.png\n\n"
    "  l2l plot accuracy --eval hellaswag --eval arc_easy --eval piqa --split sweep -o fig7.png",
)
def plot_accuracy(
    output: OutputOpt,
    table: TableArg = None,
    eval_name: AccEvalsOpt = None,
    split: SplitOpt = None,
    form: AccFormOpt = "sigmoid",
    floor: FloorOpt = "fit",
    ceiling: CeilingOpt = "1",
    pooling: PoolingOpt = "auto",
    input_loss: InputLossOpt = "task",
    chance: ChanceOpt = None,
) -> None:
    """Accuracy against loss per task, every dataset in one panel, with the fitted law, the chance floor and the
    runs outside the fit (e.g. held out) as stars (like the paper's Fig. 7)."""
    from l2l.output.plots_accuracy import accuracy_figure
    from l2l.workflows.accuracy import fit_accuracy_laws

    _figure_path(output, "--output")
    runs, cache = _load_accuracy(table)
    results = fit_accuracy_laws(
        runs,
        eval_name,
        split=split,
        input_loss=input_loss,
        form=form,
        floor=floor,
        ceiling=1.0 if ceiling == "1" else None,
        pooling=pooling,
        chance=_chances(chance),
        cache=cache,
    )
    _save(accuracy_figure(runs, results, fit_split=split), output)


@plot_app.command(
    "rank",
    epilog="Examples:\n\n"
    "  l2l plot rank --target hellaswag --C 1e21 --split sweep -o rank.png\n\n"
    "  l2l plot rank -t hellaswag -t arc_easy --C 1e21 --split sweep -o rank.svg\n\n"
    "  l2l plot rank -t hellaswag --C 1e21 --split sweep --view budgets -o flips.png",
)
def plot_rank(
    output: OutputOpt,
    table: TableArg = None,
    target: RankTargetOpt = None,
    C: Annotated[str | None, typer.Option("--C", metavar="FLOPS", help="Compute budget.")] = None,
    N: Annotated[str | None, typer.Option("--N", metavar="N", help="Fixed model size (with --D).")] = None,
    D: Annotated[
        str | None, typer.Option("--D", metavar="D", help="Fixed training tokens (with --N).")
    ] = None,
    dataset: DatasetsOpt = None,
    split: SplitOpt = None,
    method: RankMethodOpt = "recommended",
    level: LevelOpt = 0.9,
    draws: DrawsOpt = 50,
    seed: SeedOpt = 0,
    form: FormOpt = "l2l",
    view: Annotated[
        Literal["datasets", "budgets"],
        typer.Option(
            "--view",
            help="datasets: each dataset's prediction with its interval and P(best); budgets: the predictions "
            "across a decade either side of --C, with the budgets where the winner changes.",
        ),
    ] = "datasets",
) -> None:
    """Predicted target loss per dataset with intervals and P(best), best at the top (the figure of l2l rank)."""
    from l2l.output.plots_rank import rank_budget_figure, rank_figure
    from l2l.workflows.rank import rank_runs

    weights = _targets(target)
    if not 0 < level < 1:
        _usage("--level", f"must lie in (0, 1), got {level}")
    c, n, d = _rank_budget(C, N, D, False)
    _figure_path(output, "--output")
    runs, _ = _load(table)
    ranking = rank_runs(
        runs, weights, C=c, N=n, D=d, datasets=dataset, split=split, method=method, form=form, draws=draws,
        seed=seed, level=level,
    )  # fmt: skip
    if view == "budgets" and C is None:
        _usage("--view", "the budgets view scans compute around --C; give --C")
    _save(rank_figure(ranking) if view == "datasets" else rank_budget_figure(ranking), output)


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m l2l``.

    When the reader of stdout goes away (``l2l runs | head -1``), l2l stops quietly, as the Python docs advise
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe): stdout is pointed at devnull so the final
    flush cannot fail again, and the exit code is 1.
    """
    try:
        try:
            app(args=argv, prog_name="l2l")
        except SystemExit as done:
            if not done.code:
                _keep_new_fits()
            raise
        finally:
            sys.stdout.flush()
    except BrokenPipeError:
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        sys.exit(1)


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
