"""Options shared by several commands, declared once, and the parsers that turn option text into typed values.

A value that cannot be parsed, or is out of range, is a usage error naming the option (exit 2) here, where it is
parsed; how options combine is checked by the library (``l2l.workflows.requests``).
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from l2l.base.schema import (
    AccuracyForm,
    CeilingMode,
    FitForm,
    FloorMode,
    InputLoss,
    Kind,
    Metric,
    Objective,
    OutputFormat,
    Pooling,
    RankMethod,
)
from l2l.cli.shell import fail_usage

if TYPE_CHECKING:
    from l2l.core.fit import FitOptions

# ---------------------------------------------------------------------------------------------------------------
# Examples under a command's help
# ---------------------------------------------------------------------------------------------------------------

#: The widest line of an example: `--help` pads its text by one column each side, so at 80 columns a longer line
#: wrapped, and the tail of a command read as a command of its own (p57). ``tests/cli/test_cli.py`` checks it.
EXAMPLE_WIDTH = 78


def examples(*items: str | tuple[str, str]) -> str:
    """The epilog of a command's help: each example a command alone on its line, its comment (``(command,
    comment)``) on the line above it as a shell comment, so that both lines copied still run. Each line at most
    ``EXAMPLE_WIDTH`` wide."""
    shown = []
    for item in items:
        command, comment = (item, None) if isinstance(item, str) else item
        # (Markdown: a backslash keeps `#` from starting a heading; two spaces end the line)
        shown.append(command if comment is None else f"\\# {comment}  \n{command}")
    return "Examples:\n\n" + "\n\n".join(shown)


# ---------------------------------------------------------------------------------------------------------------
# Limits on what one command may ask for (each can be raised by its environment variable)
# ---------------------------------------------------------------------------------------------------------------

#: Seeds are what numpy's generators take: a non-negative integer below 2**32 (anything else is a typo).
MAX_SEED = 2**32 - 1


def _draws(value: int) -> int:
    from l2l.base.errors import UsageError
    from l2l.io.limits import LIMITS

    draws = LIMITS["draws"]
    try:  # a bad L2L_MAX_DRAWS is refused like every other limit's variable, never silently replaced
        limit = int(draws.value())
    except UsageError as exc:
        raise typer.BadParameter(exc.message) from None
    if value > limit:
        raise typer.BadParameter(f"at most {limit:,} draws (raise the limit with {draws.env}={value})")
    from l2l.base.checks import check_bootstrap

    try:  # one draw is no spread: a usage error naming the option, as 0 < 2 is (0 means none)
        return check_bootstrap(value)
    except UsageError as exc:
        raise typer.BadParameter(exc.message) from None


def _delta(value: float) -> float:
    # the objective is rescaled by 1/δ²: outside this range it is no longer a Huber loss in floating point
    if not 1e-8 <= value <= 10:
        raise typer.BadParameter(f"must lie in [1e-8, 10] (the field's standard is 1e-3), got {value}")
    return value


def _level(value: float) -> float:
    from l2l.base.checks import check_level
    from l2l.base.errors import UsageError

    try:  # the library's one check, at parse time: before any fitting starts
        return check_level(value)
    except UsageError as exc:
        raise typer.BadParameter(exc.message) from None


def _rtol(value: float) -> float:
    # checked here, not by click's range: a NaN fails every comparison, and click said "must be at most 0.5" (p63)
    if not (RTOL_RANGE[0] <= value <= RTOL_RANGE[1]):
        raise typer.BadParameter(
            f"must be a number from {RTOL_RANGE[0]:g} to {RTOL_RANGE[1]:g}, got {value!r}"
        )
    return value


#: The tolerance ``--rtol`` may take: above 0 (1e-9, the same sizes) and at most 0.5.
RTOL_RANGE = (1e-9, 0.5)


# ---------------------------------------------------------------------------------------------------------------
# The shared options
# ---------------------------------------------------------------------------------------------------------------

FormatOpt = Annotated[
    OutputFormat,
    typer.Option(
        "--format",
        "-f",
        help="table for people; markdown or latex (booktabs) for notes and papers; json or csv for scripts.",
        case_sensitive=False,
    ),
]
TableArg = Annotated[
    Path | None,
    typer.Argument(
        help="A run table (CSV, TSV, Parquet, NDJSON, .csv.gz). Default: the runs in the workspace.",
        show_default=False,
        readable=False,  # (click refused an unreadable file as a usage error, exit 2: l2l's reader says so, exit 1)
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
LevelOpt = Annotated[
    float,
    typer.Option(
        "--level",
        help="Level of the intervals, strictly between 0 and 1 (0.9: 90 %).",
        callback=_level,
    ),
]
RtolOpt = Annotated[
    float,
    typer.Option(
        "--rtol",
        callback=_rtol,
        help="Relative tolerance when pairing runs on (N, D), above 0 (1e-6: the same; 0.035 pairs sizes counted "
        "3 % apart).",
    ),
]
FormOpt = Annotated[
    FitForm,
    typer.Option(
        "--form",
        help="auto (default): each group of laws (the own losses; each other eval across the datasets) in the "
        "form whose backtests inside the sweep err least, Eq. 3 unless another halves its error, or errs less "
        "while fitting the runs 3× closer (translations: the own losses' form); l2l: E + ((A/N)^(α/β) + B/D)^β "
        "(Eq. 3); chinchilla: E + A/N^α + B/D^β (Eq. 1); kaplan: ((A/N)^(α/β) + B/D)^β (Eq. 2).",
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
DeltaOpt = Annotated[
    float,
    typer.Option("--delta", help="Huber δ on log residuals, in [1e-8, 10].", callback=_delta),
]
BootOpt = Annotated[
    int,
    typer.Option(
        "--bootstrap", min=0, metavar="B", help="Bootstrap draws for intervals (0: none).", callback=_draws
    ),
]
SeedOpt = Annotated[int, typer.Option("--seed", min=0, max=MAX_SEED, help="Seed of the random draws.")]
ThoroughOpt = Annotated[
    bool,
    typer.Option(
        "--thorough/--no-thorough",
        help="Also descend from every grid start, as a plain L-BFGS-B loop would, batched (seconds per fit).",
    ),
]
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
        "--target",
        "-t",
        metavar="DATASET",
        help="Target dataset(s), repeatable, or 'all' (default for train-train). (--tgt still works.)",
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
    typer.Option(
        "--holdout-top-compute", min=1, metavar="K", help="Hold out the runs at the K largest budgets."
    ),
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
        help="recommended: measured loss at the largest sweep budget plus the laws' change (trust-weighted), the "
        "laws used only where a backtest inside the sweep found them better than that order; independent: the "
        "target's own law; translation: own-loss law through train-to-test; baseline: the measured loss at the "
        "largest budget alone.",
    ),
]
DrawsOpt = Annotated[
    int,
    typer.Option(
        "--draws",
        min=100,  # schema.MIN_RANK_DRAWS (not imported: start-up), the library's check too
        help="Joint draws of the ranking (P(best) and intervals; each law's 100 bootstrap draws resampled); at "
        "least 100.",
        callback=_draws,
    ),
]
OutputOpt = Annotated[
    Path, typer.Option("--output", "-o", help="Figure file: .png, .svg or .pdf.", readable=False)
]
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
    CeilingMode,
    typer.Option(
        "--ceiling",
        help="auto: 1, or fitted where the law's backtest favours it (a task that levels off below 100 %); "
        "1: the ceiling is 1; fit: fitted in [q90 of accuracy − 0.05, 1].",
    ),
]
PoolingOpt = Annotated[
    Pooling,
    typer.Option(
        "--pooling",
        help="auto: one law for every dataset unless a within-run backtest says their curves differ or it "
        "misses datasets systematically; pooled; shifted (one shape, a midpoint per dataset); separate (one per "
        "dataset).",
    ),
]
MetricOpt = Annotated[
    Metric | None,
    typer.Option(
        "--metric",
        help="How the evals named are measured: loss (nats per token), bpb (bits per byte) or accuracy. Needed "
        "where one name is both a loss and an accuracy; or spell it NAME:METRIC.",
        show_default=False,
    ),
]
WhereOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--where",
        metavar="COL=VALUE",
        help="Keep only the rows where column COL is VALUE (a glob with *; COL!=VALUE leaves them out; COL!= "
        "leaves out the rows whose COL is empty: blank, NA or NaN), or "
        "compares as numbers: COL<X, COL<=X, COL>X, COL>=X (X a number, 2B, or another column: "
        "'D<=unique_tokens'); repeatable: values of one column are alternatives, the rest all apply.",
    ),
]
InputLossOpt = Annotated[
    InputLoss,
    typer.Option(
        "--input-loss", help="task: the task's own CE loss (matched by name); own: the model's own loss."
    ),
]

# ---------------------------------------------------------------------------------------------------------------
# Parsers of option text
# ---------------------------------------------------------------------------------------------------------------


#: What each count option counts, with a value it takes: the fix of a bad value.
_COUNTS = {
    "--N": "parameters, e.g. --N 1e9 (or 1B)",
    "--D": "tokens, e.g. --D 2e10 (or 20B)",
    "--C": "FLOPs, e.g. --C 1e21",
}


def quantities(values: list[str] | None, option: str) -> tuple[float, ...]:
    """Counts like 3.3e9, 3.3B, 20M, 1.5T given on the command line (finite, ≥ 1, at most the largest value a
    table may hold); a bad one is a usage error."""
    from l2l.base.schema import LARGEST_QUANTITY, SMALLEST_COUNT, parse_quantity

    hint = f"give a count of {_COUNTS[option]}" if option in _COUNTS else None
    out = []
    for v in values or []:
        try:
            x = parse_quantity(v)
        except ValueError as exc:
            fail_usage(option, str(exc), hint)
        if not (math.isfinite(x) and x >= SMALLEST_COUNT):
            fail_usage(option, f"must be a finite count ≥ {SMALLEST_COUNT:g}, got {v!r}", hint)
        if x > LARGEST_QUANTITY:
            fail_usage(option, f"must be at most 1e30, got {v!r}", hint)
        out.append(x)
    return tuple(out)


def column_patterns(values: list[str] | None) -> str | None:
    """A repeated column glob (``--loss-columns``, ``--accuracy-columns``) as the one pattern of alternatives the
    readers take (``a|b``); None where none is given. A comma cannot part them: lm-eval's columns hold one
    (``hellaswag/loss,none``)."""
    return "|".join(values) if values else None


def quantity(value: str | None, option: str) -> float | None:
    return None if value is None else quantities([value], option)[0]


def pairs(
    values: list[str] | None, option: str, form: str = "DATASET=EVAL", *, last: bool = False
) -> dict[str, str]:
    """``KEY=VALUE`` items into a dict; a malformed item, or one key given twice, is a usage error. ``last``: split
    at the last ``=`` (keys that hold one: the library tries every split against the names it knows, and two
    mixtures named web=0.7,… and web=0.5,… were one key 'web' given twice)."""
    out: dict[str, str] = {}
    for item in values or []:
        key, sep, val = item.rpartition("=") if last else item.partition("=")
        if not sep or not key.strip() or not val.strip():
            fail_usage(option, f"expected {form}, got {item!r}")
        if key.strip() in out and out[key.strip()] != val.strip():
            fail_usage(option, f"{key.strip()!r} is given twice ({out[key.strip()]!r} and {val.strip()!r})")
        out[key.strip()] = val.strip()
    return out


def chances(values: list[str] | None) -> dict[str, float]:
    out: dict[str, float] = {}
    for key, val in pairs(values, "--chance", "TASK=LEVEL").items():
        try:
            level = float(val)
        except ValueError:
            fail_usage("--chance", f"expected TASK=LEVEL with a number, got {key}={val}")
        if not 0 <= level < 1:
            fail_usage("--chance", f"a chance level must be in [0, 1), got {val}")
        out[key] = level
    return out


def targets(values: list[str] | None) -> dict[str, float]:
    """``EVAL`` or ``EVAL=WEIGHT`` items (glob patterns allowed) into pattern → weight. A weight is a number after
    the last ``=``; any other ``=`` belongs to the eval's name (``eval/[link=x]c4``)."""
    out: dict[str, float] = {}
    for item in values or []:
        name, sep, w = item.rpartition("=") if "=" in item else (item, "", "1")
        try:
            weight = float(w)
        except ValueError:
            name, sep, w, weight = item, "", "1", 1.0
        if not name.strip() or not (weight >= 0 and weight < float("inf")) or (sep and not w.strip()):
            fail_usage("--target", f"expected EVAL or EVAL=WEIGHT with a weight ≥ 0, got {item!r}")
        out[name.strip()] = out.get(name.strip(), 0.0) + weight
    return out


def holdout_split(holdout: str | None) -> str | None:
    """``split=VALUE`` as VALUE."""
    if holdout is None:
        return None
    key, sep, value = holdout.partition("=")
    if not sep or key.strip() != "split" or not value.strip():
        fail_usage("--holdout", f"expected split=VALUE, got {holdout!r}")
    return value.strip()


def figure_path(path: Path | None, option: str) -> Path | None:
    """Refuse an unsupported figure type (usage error, exit 2) or a destination that cannot be written (exit 1)
    before any fitting starts."""
    if path is None:
        return None
    from l2l.io.atomic import check_destination
    from l2l.output.plots import FIGURE_FORMATS

    if path.suffix.lower() not in FIGURE_FORMATS:
        fail_usage(
            option,
            f"cannot write a figure to {str(path)!r}; supported extensions: {', '.join(FIGURE_FORMATS)}",
        )
    check_destination(path, "figure")
    return path


def fit_options(form: FitForm, objective: Objective, delta: float, thorough: bool = False) -> FitOptions:
    from l2l.core.fit import FitOptions

    return FitOptions(form=form, objective=objective, delta=delta, thorough=thorough)


def ceiling_value(mode: str) -> float | Literal["auto"] | None:
    """``--ceiling`` as the library takes it: 1.0, None (fitted) or "auto"."""
    return 1.0 if mode == "1" else None if mode == "fit" else "auto"
