"""The shell of the command line: the typer app, the one error path, the global options, and the three things
every command does besides parsing: open a session, render, say what it wrote.

Start-up matters: this module imports only typer (and, through it, click and rich) and the pure-Python vocabulary
of ``l2l.base``. numpy, polars, scipy and plotnine are imported inside the commands that need them, so
``l2l --help`` stays fast. Every error, a library error or a usage error, leaves as one line, ``Error: ...``, with
its fix after ``Hint:`` on the same line when there is one: exit 1 for errors, 2 for usage errors.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from typer.core import TyperCommand, TyperGroup, TyperOption

try:  # typer ≥ 0.20 ships its own click; its usage errors are that click's
    from typer._click.exceptions import UsageError as ClickUsageError
except ImportError:  # pragma: no cover - older typer on the stock click
    # (click is absent where typer vendors it, so this line's ignore also covers a missing module)
    from click.exceptions import (  # type: ignore[assignment,no-redef,import-not-found,unused-ignore]
        UsageError as ClickUsageError,
    )

from l2l.base.errors import L2LError, OutputError, UsageError
from l2l.base.schema import OutputFormat

_display_type = TyperOption.display_type_rich


def _no_bool_metavar(self: TyperOption, ctx: Any) -> str | None:
    """A flag's help shows no ``<bool>`` (it takes no value; ``--x/--no-x`` say how to turn it on or off)."""
    return None if self.is_flag and self.metavar is None else _display_type(self, ctx)


# typer shows every flag as taking a <bool>; flags take no value (`l2l --debug true runs` would read "true" as a
# command), so their help must not say they do. typer has no hook for it: this one method is replaced.
TyperOption.display_type_rich = _no_bool_metavar  # type: ignore[method-assign]

_typer_format_help = TyperCommand.format_help


def _format_help(self: TyperCommand, ctx: Any, formatter: Any) -> None:
    """typer's help with l2l's two-column options panels (installed only when help is shown: rich's table code
    costs start-up that no other command needs)."""
    from l2l.cli.help_layout import install

    install()
    _typer_format_help(self, ctx, formatter)


TyperCommand.format_help = _format_help  # type: ignore[method-assign]

if TYPE_CHECKING:
    from collections.abc import Sequence

    from plotnine import ggplot

    from l2l.output.report import Report
    from l2l.workflows.session import Session

__all__ = ["FLAGS", "app", "emit", "fail_usage", "main", "plot_app", "session", "wrote"]


class _Options:
    """The global options (``l2l --workspace DIR --debug ...``), set by the app's callback."""

    debug = False
    workspace: Path | None = None
    where: tuple[str, ...] = ()


GLOBAL = _Options()

#: The options that set each library parameter an error may be about (``L2LError.param``).
FLAGS: dict[str, str] = {
    "N": "--N",
    "D": "--D or --C",
    "C": "--C",
    "own_eval": "--own-eval DATASET=EVAL (l2l ingest)",
    "src_loss": "--src-loss or --from-run",
    "evals": "--eval",
    "tgts": "--target",
    "tgt": "--target",
    "holdout": "--holdout or --holdout-top-compute",
    "holdout_top_compute": "--holdout-top-compute",
    "wide": "--wide",
    "loss_columns": "--loss-columns PATTERN",
    "strict": "--strict",
    "join": "--join run|nd",
    "accuracy_columns": "--accuracy-columns PATTERN",
    "accuracy_percent": "--accuracy-percent",
    "accuracy_metric": "--accuracy-metric NAME",
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
    "bootstrap": "--bootstrap",
    "law": "--law",
    "save": "--save",
    "where": "--where COL=VALUE",
    "run_key": "--run-key COL (l2l ingest)",
    "best_of": "--best-of COL (l2l ingest)",
    "metric": "--metric loss|bpb|accuracy",
    "constants": "--dataset NAME / --eval NAME (l2l ingest)",
}


def note(message: str, *, wrap: bool = True) -> None:
    """A line for the person at the terminal (stderr), names in it shown literally, wrapped at the terminal's
    width in terminal cells as tables and warnings are (a missing-font note ran to 169 columns at COLUMNS=80; p67;
    wrapped by characters, a CJK name's note still took 81 cells: p69). Words are never broken: a long path stays
    whole. An error is never wrapped (``wrap=False``): a script reads it, and its fix,
    from one line."""
    from l2l.base.text import visible

    text = visible(message)
    if wrap:
        from l2l.output.render import terminal_width, wrap_words

        width = terminal_width()
        text = "\n".join(w for line in text.split("\n") for w in (wrap_words(line, width) or [""]))
    typer.echo(text, err=True)


def error_line(message: str, hint: str | None) -> str:
    """The one line an error leaves as: ``Error: MESSAGE. Hint: HINT`` (the hint, the fix, when there is one).
    One line, so that a script reading stderr gets the whole error and its fix from its last line."""
    if not hint:
        return f"Error: {message}"
    stop = "" if message.endswith((".", "!", "?")) else "."
    return f"Error: {message}{stop} Hint: {hint}"


def _fail(exc: L2LError) -> NoReturn:
    flag = FLAGS.get(exc.param or "")
    hint = exc.hint
    if flag:
        hint = f"{hint} (option {flag})" if hint else f"see option {flag}"
    note(error_line(exc.message, hint), wrap=False)
    raise typer.Exit(exc.exit_code)


#: The exit code of an output cut by its reader (``l2l runs | head -1``): 128 + SIGPIPE (13), as a shell reports
#: a tool the signal killed (1 is bad input).
EXIT_SIGPIPE = 141


def _stdout_to_devnull() -> None:
    """The reader of stdout went away: point stdout at devnull, so that no later flush (the interpreter's last one
    included: no "Exception ignored") fails again. The caller then leaves with ``EXIT_SIGPIPE``."""
    import os

    if isinstance(sys.stdout, _ClosedStdout):
        sys.stdout = Path(os.devnull).open("w")  # noqa: SIM115 - stdout until the process ends
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


class _ClosedStdout:
    """Stdout when the process was started without one (``l2l runs >&-``, where Python sets ``sys.stdout`` to
    None): a command that writes fails as on a full disk (it crashed on None with a traceback; p63), one that does
    not (``ingest``) runs."""

    def write(self, _text: str) -> int:
        import errno

        raise OSError(errno.EBADF, "stdout is closed")

    def flush(self) -> None:
        pass

    def isatty(self) -> bool:
        return False


def fail_usage(option: str, message: str, hint: str | None = None) -> NoReturn:
    """A usage error about ``option`` found while parsing it (exit 2), with the fix when one can be named."""
    raise UsageError(f"{option}: {message}", hint=hint)


def _usage_fail(exc: ClickUsageError, command: str = "l2l") -> NoReturn:
    """click's usage errors (unknown option, bad choice, missing value) in the same one-line format; ``command``:
    whose help to name where click did not say (an option's missing value: "see `l2l --help`" for an evaluate
    option, p67)."""
    where = exc.ctx.command_path if exc.ctx is not None else command
    # click 8.5 words a bad value as its validator does ("Value error, …", "Input should be greater than …")
    message = exc.format_message().replace(": Value error, ", ": ")
    for said, meant in (
        ("Input should be greater than or equal to", "must be at least"),
        ("Input should be less than or equal to", "must be at most"),
    ):
        message = message.replace(said, meant)
    _fail(UsageError(message, hint=f"see `{where} --help`"))


def _no_args_help(exc: ClickUsageError) -> bool:
    return type(exc).__name__ == "NoArgsIsHelpError"  # click ≥ 8.2: prints help, not an error


#: Options that are a flag alone and take a value only when one ending in the suffix follows:
#: (command, option) → (the hidden option that carries the value, suffix). typer's click has no optional values.
_FLAG_OR_VALUE: dict[tuple[str, str], tuple[str, str]] = {("fit-law", "--save"): ("--save-file", ".json")}
#: Old spellings kept working, unlisted: (command, option) → the option's name now.
_ALIASES: dict[tuple[str, str], str] = {
    ("predict", "--tgt"): "--target",
    ("translate", "--tgt"): "--target",
}
#: Words that say yes or no: given after a flag, which takes no value, they would be read as a command.
_BOOL_WORDS = frozenset({"true", "false", "yes", "no", "on", "off", "1", "0"})


def _flag_or_value(name: str | None, args: list[str]) -> list[str]:
    """``--save laws.json`` → ``--save-file laws.json`` (and ``--save=laws.json``); a plain ``--save`` stays.
    An old spelling of an option (``--tgt``) becomes its name now (``--target``)."""
    out: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        opt, eq, val = a.partition("=")
        if (name or "", opt) in _ALIASES:
            a = _ALIASES[(name or "", opt)] + eq + val
            opt = _ALIASES[(name or "", opt)]
        rule = _FLAG_OR_VALUE.get((name or "", opt))
        if rule and ((eq and not val.strip()) or (not eq and i + 1 < len(args) and not args[i + 1].strip())):
            # `--save ""` was read as a TABLE named "" (a refusal about TABLE, not about the empty name)
            raise UsageError(
                f"{opt}: an empty file name; give {opt} FILE{rule[1]}, or {opt} alone",
                hint=f"see `l2l {name} --help`",
            )
        if rule and eq:
            out.append(f"{rule[0]}={val}")
        elif rule and i + 1 < len(args) and args[i + 1].lower().endswith(rule[1]):
            out += [rule[0], args[i + 1]]
            i += 1
        else:
            out.append(a)
        i += 1
    return out


def _once(cmd: Any, args: list[str]) -> None:
    """Refuse an option of one value given more than once with different values: click keeps the last silently
    (`rank --C 1e19 --C 1e18` ranked at 1e18 alone, `translate --src web --src code` showed code alone, exit 0).
    The same value again is one value (`rank -t a --metric loss -t b --metric loss` was refused as two)."""
    if cmd is None or not hasattr(cmd, "params"):
        return
    single = {
        o: p
        for p in cmd.params
        if getattr(p, "param_type_name", "") == "option" and not p.multiple and not p.is_flag and not p.count
        for o in (*p.opts, *p.secondary_opts)
    }
    seen: dict[str, list[str]] = {}
    for i, a in enumerate(args):
        if a == "--":
            break
        opt, eq, val = a.partition("=")
        p = single.get(opt)
        if p is None:
            continue
        value = val if eq else (args[i + 1] if i + 1 < len(args) else "")
        seen.setdefault(p.name, []).append(value)
        if len(distinct := set(seen[p.name])) > 1:
            given = ", ".join(f"{opt} {v}" for v in seen[p.name])
            raise UsageError(
                f"{opt} takes one value and was given {len(distinct)} ({given})",
                hint="run the command once per value",
                param=p.name,
            )


def _no_option_as_value(cmd: Any, args: list[str]) -> None:
    """Refuse an option whose value is another of the command's options: click takes the next word whatever it is
    (`evaluate --accuracy --format json` read '--format' as the pattern and 'json' as a TABLE: "json: unsupported
    file type", probe h42)."""
    if cmd is None or not hasattr(cmd, "params"):
        return
    options = [p for p in cmd.params if getattr(p, "param_type_name", "") == "option"]
    names = {o for p in options for o in (*p.opts, *p.secondary_opts)}
    takes_value = {o: p for p in options if not p.is_flag and not p.count for o in p.opts}
    for i, a in enumerate(args[:-1]):
        if a == "--":
            break
        p = takes_value.get(a)
        given = args[i + 1].partition("=")[0]
        if p is not None and given in names:
            metavar = (getattr(p, "metavar", None) or p.name or "VALUE").upper()
            raise UsageError(
                f"{a} takes a value ({metavar}) and was followed by the option {given}",
                hint=f"put {a}'s value right after it: {a} {metavar} {given} …",
            )


#: The order ``l2l --help`` lists the commands in: a session's (read, fit, predict, translate, check, decide), then
#: the accuracy laws and the figures. The modules register them in the order they are imported, which put
#: fit-accuracy first and rank before fit-law.
COMMAND_ORDER = (
    "ingest", "runs", "fit-law", "predict", "optimal", "translate", "evaluate", "rank", "fit-accuracy", "plot"
)  # fmt: skip


class _Group(TyperGroup):
    """The single place where library and usage errors become one line on stderr and an exit code."""

    def list_commands(self, ctx: Any) -> list[str]:
        names: list[str] = super().list_commands(ctx)
        if ctx.parent is not None:  # (a group's own commands, `l2l plot`'s, keep their order)
            return names
        return sorted(
            names, key=lambda n: COMMAND_ORDER.index(n) if n in COMMAND_ORDER else len(COMMAND_ORDER)
        )

    def format_help(self, ctx: Any, formatter: Any) -> None:
        from l2l.cli.help_layout import install

        install()
        super().format_help(ctx, formatter)

    def resolve_command(self, ctx: Any, args: list[str]) -> Any:
        if args and args[0].lower() in _BOOL_WORDS and self.get_command(ctx, args[0]) is None:
            raise UsageError(
                f"{args[0]!r} is not a command: a flag takes no value",
                hint=f"write a flag alone to turn it on (`{ctx.command_path} --debug runs`), --no-FLAG to turn "
                "it off (--no-debug)",
            )
        name, cmd, rest = super().resolve_command(ctx, args)
        rest = _flag_or_value(name, rest)
        _no_option_as_value(cmd, rest)
        _once(cmd, rest)
        return name, cmd, rest

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
            if GLOBAL.debug:
                raise
            _fail(exc)
        except ClickUsageError as exc:
            if _no_args_help(exc):
                raise
            sub = getattr(ctx, "invoked_subcommand", None)
            _usage_fail(exc, f"{ctx.command_path} {sub}" if sub else ctx.command_path)
        except (typer.Exit, typer.Abort, KeyboardInterrupt):
            raise
        except (
            BrokenPipeError
        ):  # a closed pipe (`l2l ... | head`) is no error of ours (typer's handler exits 1)
            _stdout_to_devnull()
            raise typer.Exit(EXIT_SIGPIPE) from None
        except Exception as exc:
            if GLOBAL.debug:
                raise
            note(
                f"Error: internal error ({type(exc).__name__}: {exc}); rerun with --debug for a traceback",
                wrap=False,
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
    "Typical session: `l2l ingest runs.csv`, `l2l fit-law`, `l2l translate --src A --target all`, "
    "`l2l evaluate`.",
    **{**_SETTINGS, "add_completion": True},  # --install-completion / --show-completion [SHELL]
)
plot_app = typer.Typer(
    name="plot",
    help="Draw a figure in the paper's style. Each command's --plot FILE draws its own figure too (`l2l fit-law "
    "--plot laws.png`); the figure's format is the file's extension (.png, .svg or .pdf).",
    # (the layout of l2l.cli.options.examples, which imports this module)
    epilog="Examples:\n\nl2l plot law --split sweep -o laws.png\n\n"
    "l2l plot translate --src fineweb-edu --target all --split sweep -o fig1.png\n\n"
    "l2l plot rank --target hellaswag --C 1e21 --split sweep -o rank.png",
    **_SETTINGS,
)
app.add_typer(plot_app, name="plot")


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
            readable=False,
        ),
    ] = None,
    debug: Annotated[
        bool, typer.Option("--debug/--no-debug", help="Show tracebacks instead of one-line errors.")
    ] = False,
    version: Annotated[  # noqa: ARG001 - handled by its eager callback
        bool,
        typer.Option("--version", help="Print the version and exit.", callback=_print_version, is_eager=True),
    ] = False,
    where: Annotated[
        list[str] | None,
        typer.Option(
            "--where",
            metavar="COL=VALUE",
            help="For a command given a TABLE: keep only its rows where COL is VALUE (see `l2l ingest --where`).",
        ),
    ] = None,
) -> None:
    GLOBAL.debug = debug
    GLOBAL.workspace = workspace
    GLOBAL.where = tuple(where or ())


# ---------------------------------------------------------------------------------------------------------------
# What every command does besides parsing
# ---------------------------------------------------------------------------------------------------------------


#: Processes for many fits; 1 runs everything in the command's own process (README, "Speed").
WORKERS_ENV = "L2L_WORKERS"


def workers() -> int:
    """``$L2L_WORKERS`` when set, else the cores worth using (``default_workers``, at most 4). A pool pays on
    tables of many laws; on a shared machine, in CI or beside other jobs, 1 is often as fast and never starts a
    process."""
    import os

    from l2l.core.fit import default_workers

    raw = os.environ.get(WORKERS_ENV, "").strip()
    if not raw:
        return default_workers()
    if not raw.isdigit() or int(raw) < 1:
        raise UsageError(f"{WORKERS_ENV}={raw!r} is not a positive whole number (processes for fits)")
    return int(raw)


@contextmanager
def session(
    table: Path | None, *, accuracy: bool = False, fits_every_split: bool = False
) -> Iterator[Session]:
    """The runs of the command (TABLE, else the workspace's) with the workspace's caches; what the command
    computed is kept for the next one when it succeeds. ``fits_every_split``: the command fits laws on every run
    (no ``--split``), which is said where some runs sit in a split named as held out."""
    from l2l.workflows.session import open_session

    with open_session(GLOBAL.workspace, table, accuracy=accuracy, workers=workers(), where=GLOBAL.where) as s:
        yield s
    for line in s.workspace.notes if s.workspace is not None else ():
        note(line)
    if fits_every_split:
        from l2l.workflows.inventory import fitted_split_note

        if (said := fitted_split_note(s.runs)) is not None:
            note(said)


_PIECE = 8192


def emit(reports: Report | Sequence[Report], fmt: OutputFormat, *, unanswered: Sequence[str] = ()) -> None:
    """Render the command's reports to stdout as a table, JSON or CSV. ``unanswered``: what was asked for and not
    answered (``Results.skipped``): the table and JSON say it in their notes; CSV, data alone, has no place for it,
    so it is said on stderr (a refused law was left out of `predict -f csv` with nothing said, exit 0: h17)."""
    from l2l.output.render import render

    if fmt == "csv":
        for line in unanswered:
            note(line)

    def write(text: str) -> None:
        # in pieces of a buffer's size: one large write that the reader leaves halfway (`--format json | head -1`)
        # comes back short from the pipe and the text layer drops the rest without an error (exit 0); pieces reach
        # the next write, which fails with BrokenPipeError
        for start in range(0, len(text), _PIECE):
            sys.stdout.write(text[start : start + _PIECE])

    try:
        render(reports, fmt, write=write)
        sys.stdout.flush()  # here, so that a full disk is said as the command's error, not at exit
    except BrokenPipeError:
        raise
    except OSError as exc:
        # a full disk (`> /dev/full`) or a closed stdout (`>&-`): the answer is lost, which is said in one line,
        # not as an internal error; later flushes go to devnull so that they cannot fail again
        _stdout_to_devnull()
        raise OutputError(f"cannot write the output: {exc.strerror or exc}") from None


def wrote(path: Path, what: str = "") -> None:
    note(f"wrote {path}{f' ({what})' if what else ''}")


def save_figure(fig: ggplot, output: Path) -> None:
    from l2l.output.plots import save_figure_noting

    saved = save_figure_noting(fig, output)
    wrote(saved.path)
    for line in saved.notes():
        note(line)


#: The environment variables that size the BLAS libraries' thread pools numpy and scipy may load.
BLAS_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> None:
    """BLAS on one thread for the whole command (where the user set no pool size), before numpy is loaded: every
    fit, line law, sigmoid and polish makes thousands of tiny BLAS calls (3×3 to 5×90), which a pool of one thread
    per core only slows, by waking threads that another process may be holding a core from. The fits proper ran
    under a one-thread limit already (``core.fit.single_threaded_blas``); scipy's L-BFGS-B in the line laws did not,
    and took 3.2 ms a call instead of 8 µs on the 2-core machine (probe h40's 25-dataset DataDecide-shaped
    ``fit-law``: 151 s of wall time → 72 s, at load 5). l2l's own parallelism is processes (``L2L_WORKERS``),
    which inherit this."""
    for name in BLAS_THREAD_VARIABLES:
        os.environ.setdefault(name, "1")


def main(argv: list[str] | None = None) -> None:
    """Entry point of the console script and ``python -m l2l``.

    When the reader of stdout goes away (``l2l runs | head -1``), l2l stops quietly, as the Python docs advise
    (https://docs.python.org/3/library/signal.html#note-on-sigpipe): stdout is pointed at devnull so the final
    flush cannot fail again (no "Exception ignored" at exit), and the exit code is 141, a Unix tool's killed by
    SIGPIPE (128 + 13) as the shell reports it, not 1 (bad input): ``set -o pipefail`` scripts and
    ``${PIPESTATUS[0]}`` read it as the pipe's doing. l2l exits rather than kill itself with the signal, so its
    ``finally`` blocks and exit handlers still run. ``_Group.invoke`` catches a write inside the command (before
    typer's own handler, which exits 1); this catches the final flush.
    """
    import warnings

    one_blas_thread()
    # A numeric warning is no message for a user: the library checks its results and says what went wrong in its
    # own words. (Tests keep warnings as errors: they call the app, not main.)
    warnings.filterwarnings("ignore", category=RuntimeWarning)
    # nor is plotnine's (`geom_path: Each group consist of only one observation` on a grid of one run per budget):
    # the figure's legend and notes say what it draws
    warnings.filterwarnings("ignore", module=r"plotnine(\.|$)")
    if sys.stdout is None:
        sys.stdout = _ClosedStdout()
    try:
        try:
            app(args=argv, prog_name="l2l")
        finally:
            sys.stdout.flush()
    except BrokenPipeError:  # the last flush, after the command
        _stdout_to_devnull()
        sys.exit(EXIT_SIGPIPE)
    except OSError as exc:  # the last flush of text written outside `emit` (a help page) to a full disk
        _stdout_to_devnull()
        note(f"Error: cannot write the output: {exc.strerror or exc}", wrap=False)
        sys.exit(1)
