"""Downstream accuracy on run tables: the accuracy table, matching accuracy evals to task losses, chance levels,
fitting accuracy laws over runs, and the chain (N, D) → loss → accuracy.

The accuracy rows live apart from the losses (``Runs.accuracy``), so no loss command ever fits them. An accuracy
eval is matched to its task's cross-entropy loss by the task stem: the name without ``_acc``, ``_accuracy``,
``_len_norm``, ``_ce_loss`` or ``_loss`` (``downstream/hellaswag_test_len_norm`` ↔
``downstream/hellaswag_test_ce_loss``; a W&B export's ``hellaswag`` accuracy ↔ its ``hellaswag`` loss), else by
the stem's last path part (``hellaswag`` ↔ ``eval/hellaswag``).

Chance levels, first found wins: given per eval (``chance`` mapping), the table's ``chance`` column, the default
table (0.25 for the 4-way ARC, HellaSwag, MMLU, OpenBookQA, SciQ; 0.5 for the 2-way BoolQ, PIQA, Winogrande), else
none (the floor is fitted without one).

Pure: no printing, no exits; the workspace file is written with ``atomic_write``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final, Literal

import numpy as np
import polars as pl

from l2l.base import schema
from l2l.base.checks import as_names, check_bootstrap, check_choice, check_count, check_level
from l2l.base.errors import FitError, SelectionError
from l2l.base.runs import check_runs, resolve_name, select_evals
from l2l.base.schema import (
    ACCURACY_COLUMNS,
    ACCURACY_FORMS,
    FLOOR_MODES,
    INPUT_LOSSES,
    POOLINGS,
    InputLoss,
    Pooling,
    is_glob,
)
from l2l.base.text import fmt_si, some_of
from l2l.core.accuracy import UNINFORMATIVE_METHOD, AccuracyFit, DatasetOffsets, FloorMode, fit_accuracy
from l2l.core.predictive import beyond_evidence
from l2l.core.sigmoid import FLOOR_ABOVE
from l2l.workflows.lawbook import LawBook, law_book
from l2l.workflows.results import Results

if TYPE_CHECKING:
    from numpy.typing import ArrayLike

    from l2l.base.runs import Runs
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache, FitOptions
    from l2l.core.laws import Array
    from l2l.workflows.predict import LawPrediction, LinePrediction

__all__ = [
    "ACCURACY_COLUMNS",
    "CHANCE_CONTRADICTED",
    "INPUT_LOSSES",
    "AccuracyData",
    "AccuracyPrediction",
    "AccuracyResult",
    "accuracy_data",
    "accuracy_evals",
    "accuracy_key",
    "accuracy_lower_bound",
    "cached_fit_accuracy",
    "chance_level",
    "check_accuracy_args",
    "fit_accuracy_laws",
    "near_task_losses",
    "nothing_predicted",
    "predict_accuracy",
    "stem_of",
    "task_loss_eval",
]

#: The accuracy table's columns in order, with their polars dtype names.
_SUFFIXES: Final[tuple[str, ...]] = tuple(
    sep + word
    # "ce" and "nll": a W&B export's eval/TASK_ce_loss reaches l2l as TASK_ce once the loss columns' common "_loss"
    # is dropped, and its accuracy could no longer find it (a probe)
    for word in ("ce_loss", "len_norm", "acc_norm", "accuracy", "acc", "loss", "ce", "nll")
    # (a W&B export's TASK/acc beside TASK/loss; an export that writes the metric after a colon, TASK:ce beside
    # TASK:acc, kept its loss eval as hellaswag:ce, which matched no accuracy: every task "no task loss", helper h90)
    for sep in ("_", "/", schema.METRIC_SEP)
)
#: Default chance levels by the start of the task's name (last path part, lowercase, every run of other characters
#: than letters and digits read as "_"), first match wins: a family's variants with another number of choices
#: come before the family (MMLU-Pro has 10 options, not MMLU's 4: it was given 0.25, and its runs, rising from 10 %,
#: were called "near chance").
CHANCE_TABLE: Final[tuple[tuple[tuple[str, ...], float], ...]] = (
    (("mmlu_pro", "mmlupro"), 0.1),
    (("boolq", "piqa", "winogrande", "copa"), 0.5),
    (("commonsense_qa", "commonsenseqa", "csqa"), 0.2),
    (("social_iqa", "socialiqa", "siqa"), 1 / 3),
    (("arc", "hellaswag", "mmlu", "openbook", "sciq", "gpqa"), 0.25),
)
#: A chance level from a task's name is not used where a quarter of its runs score this far below it or further
#: (the larger of 6 points and a quarter of the level): the name is then taken to be another variant, and the floor
#: is fitted. Real runs do sit below chance (the paper's ARC-Challenge, length-normalised: a quarter of the runs
#: 3.4 points or more below 0.25; BoolQ's lowest tenth 5.4 points below 0.5), never by this much in a quarter.
CHANCE_CONTRADICTED_BY: Final = 0.06
#: How the source of such a level starts (the reason follows).
CHANCE_CONTRADICTED: Final = "name contradicted"
#: A chance level this high or higher that every run of a task lies a tenth below (``unit_doubt``) says the
#: accuracies are in another unit: no fit, no prediction.
CHANCE_UNIT_MIN: Final = 0.1
#: How the source of a level starts where the chance column gives one task several levels (the detail follows).
CHANCE_DISAGREES: Final = "column disagrees"
#: The default level of the accuracy intervals.
INTERVAL_LEVEL: Final = 0.9


def stem_of(name: str) -> str:
    """The task stem of an eval name: one suffix ``_ce_loss``, ``_len_norm``, ``_acc_norm``, ``_accuracy``,
    ``_acc``, ``_loss``, ``_ce`` or ``_nll`` (or the same after a ``/`` or a ``:``) removed, and before it the
    filter that lm-eval-harness 0.4 appends to every metric (``hellaswag/acc_norm,none`` → ``hellaswag``: its
    accuracies matched no task loss, every fit failing; probe p64)."""
    head, comma, _ = name.rpartition(",")
    if comma and "/" not in name[len(head) :] and (stem := stem_of(head)) != head:
        return stem
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def default_chance(eval_name: str) -> float | None:
    """The chance level of a known benchmark from its name (None when it is not in the table): its last path part
    begins with a known task's name, else an earlier part is one (``mmlu/abstract_algebra``, lm-eval's subtask
    naming: the subtask alone named no task, so the near-chance test had no level)."""
    parts = [re.sub(r"[^0-9a-z]+", "_", p.lower()).strip("_") for p in stem_of(eval_name).split("/")]
    for starts, level in CHANCE_TABLE:
        if parts[-1].startswith(starts):
            return level
    for part in reversed(parts[:-1]):
        for names, level in CHANCE_TABLE:
            if any(part == n or part.startswith(n + "_") for n in names):
                return level
    return None


def accuracy_evals(runs: Runs) -> list[str]:
    """The accuracy evals of the table, sorted (empty when it has none)."""
    if runs.accuracy is None:
        return []
    return sorted(runs.accuracy.get_column("eval").unique().to_list())


def _require_accuracy(runs: Runs) -> pl.DataFrame:
    if runs.accuracy is None or runs.accuracy.height == 0:
        raise SelectionError(
            "the runs have no accuracy rows",
            hint="ingest accuracies: a long table with a metric column (metric=accuracy), or a wide table with "
            "accuracy columns, beside the losses (l2l ingest FILE --append adds them to the workspace's)",
        )
    return runs.accuracy


def resolve_accuracy_evals(runs: Runs, names: Sequence[str] | None) -> list[str]:
    """Accuracy evals named (exact, unique prefix, or a glob with ``*``; ``all`` or none: every one)."""
    _require_accuracy(runs)
    evals = accuracy_evals(runs)
    if not names or "all" in names:
        return evals
    # the command line's spelling of the accuracy of a name that is a loss too (``hellaswag:accuracy``) names the
    # accuracy eval (the library refused it as unknown; p70)
    suffix = f"{schema.METRIC_SEP}accuracy"
    names = [n[: -len(suffix)] if n.endswith(suffix) and n not in evals else n for n in names]
    out: list[str] = []
    # an eval's own name is a name even with glob characters in it (``arc_easy[25-shot]``): no command could
    # select one before, its brackets read as a character class
    globs = [n for n in names if n not in evals and (is_glob(n) or n.startswith("!"))]
    for n in names:
        if n not in globs:
            out.append(resolve_name(n, evals, "accuracy eval"))
    if globs:
        out.extend(select_evals(evals, globs))
    return list(dict.fromkeys(out))


def _task_part(name: str) -> str:
    """The last path part of an eval's task stem, compared as column names are (``eval/hellaswag`` and
    ``eval/downstream/HellaSwag_acc`` → ``hellaswag``)."""
    return schema.norm_name(stem_of(name).rsplit("/", 1)[-1])


def _task_loss_hits(runs: Runs, acc_eval: str) -> list[str]:
    """The loss evals of the accuracy eval's task: those with its task stem, else those whose stem's last path
    part is its stem's last part (a W&B export's ``eval/hellaswag`` loss beside its ``hellaswag`` accuracy, as the
    own eval's naming rules read a path's last part); a ``_ce_loss`` one first where several match."""
    stem = stem_of(acc_eval)
    hits = [e for e in runs.evals if stem_of(e) == stem]
    if not hits:
        part = _task_part(acc_eval)
        hits = [e for e in runs.evals if _task_part(e) == part]
    if not hits:
        # the task's loss in bits per byte alone (an OLMo-style export's hellaswag/acc beside hellaswag/bpb, kept
        # as the eval hellaswag:bpb): every accuracy had "no task loss" (h27); a sigmoid of it is one of the loss
        bpb = f"{schema.METRIC_SEP}bpb"
        per_byte = {e[: -len(bpb)]: e for e in runs.evals if e.endswith(bpb)}
        hits = [e for base, e in per_byte.items() if stem_of(base) == stem]
        if not hits:
            hits = [e for base, e in per_byte.items() if _task_part(base) == part]
    if len(hits) > 1:
        return [e for e in hits if e.endswith("_ce_loss")] or hits
    return hits


def task_loss_eval(runs: Runs, acc_eval: str) -> str | None:
    """The loss eval of the accuracy eval's task (``_task_loss_hits``), or None when there is none or several."""
    hits = _task_loss_hits(runs, acc_eval)
    return hits[0] if len(hits) == 1 else None


def near_task_losses(runs: Runs, acc_eval: str) -> str:
    """What to add to a message that finds no task loss for an accuracy eval: the loss evals that nearly match
    (several that match alike, else those whose task part starts with its task's or is close to it: ``hellaswag``
    beside ``eval/hellaswag_test``), as ``; the nearest loss eval is 'X'``; empty when none is near."""
    from difflib import get_close_matches

    hits = _task_loss_hits(runs, acc_eval)
    if len(hits) > 1:
        return f"; {', '.join(repr(e) for e in hits[:4])} match it alike"
    part = _task_part(acc_eval)
    by_part = {_task_part(e): e for e in runs.evals}
    near = [e for k, e in by_part.items() if k and part and (k.startswith(part) or part.startswith(k))]
    near = near or [by_part[k] for k in get_close_matches(part, list(by_part), n=2, cutoff=0.75)]
    if not near:
        return ""
    return (
        f"; the nearest loss eval{'s are' if len(near) > 1 else ' is'} {', '.join(repr(e) for e in near[:3])}"
    )


def _no_task_loss(runs: Runs, acc_eval: str) -> SelectionError:
    """The error of an accuracy eval without a task loss, naming the loss evals that nearly match."""
    near = near_task_losses(runs, acc_eval)
    return SelectionError(
        f"no task loss matches the accuracy eval {acc_eval!r} (looked for a loss eval named "
        f"{stem_of(acc_eval)}_ce_loss, with the same stem or the same last path part){near}",
        # the option named in the hint itself, not through ``param``: fit-accuracy's note of a failed eval (one
        # among several) carries the hint, where no front end names a parameter's option (probe h3)
        hint=(
            "ingest the task's loss and accuracy under one task name (a --loss-columns or --accuracy-columns "
            "glob whose * is the task), or relate the accuracy to the own loss instead: --input-loss own"
            if near
            else "relate it to the own loss instead: --input-loss own"
        ),
    )


def chance_level(
    runs: Runs, acc_eval: str, given: Mapping[str, float] | None = None
) -> tuple[float | None, str]:
    """(chance level, where it came from: given / column / known task (its name) / none) of one accuracy eval.
    A level from the name that a quarter of the eval's runs lie far below (``CHANCE_CONTRADICTED_BY``) is not used:
    (None, "name contradicted: ..."), and the floor is fitted."""
    for key, level in (given or {}).items():
        if resolve_name(key, accuracy_evals(runs), "accuracy eval") == acc_eval:
            return float(level), "given"
    acc = _require_accuracy(runs)
    rows = acc.filter(pl.col("eval") == acc_eval)
    col = rows.get_column("chance").drop_nulls().to_numpy()
    if len(col):
        level = float(np.median(col))
        lo, hi = float(np.min(col)), float(np.max(col))
        if hi - lo > 1e-9:
            # one task, several levels (a row at 0.5 among 0.25s): taken without a word before
            return level, (
                f"{CHANCE_DISAGREES}: its chance column holds levels from {lo:g} to {hi:g}; the median, {level:g}, "
                f"is used (give one with --chance {acc_eval}=P)"
            )
        return level, "column"
    table = default_chance(acc_eval)
    if table is None:
        return None, "none"
    values = rows.get_column("accuracy").drop_nulls().to_numpy().astype(np.float64)
    below = table - max(CHANCE_CONTRADICTED_BY, 0.25 * table)
    if len(values) >= 4 and float(np.quantile(values, 0.25)) < below:
        return None, (
            f"{CHANCE_CONTRADICTED}: a quarter of its runs score below {below:.3f}, far under the {table:.2f} its "
            f"name suggests, so the floor is fitted (give the level with --chance {acc_eval}=P or a chance column)"
        )
    return table, "known task"


def unit_doubt(runs: Runs, acc_eval: str, level: float | None) -> str | None:
    """Why an accuracy eval cannot be fitted as given, or None: every accuracy of it lies below a tenth of a chance
    level of 10 % or more (its own, else its name's), which no model of a multiple-choice task scores: the values
    are in another unit. A table of evaluation-harness scores with some tasks in percent and others in fractions,
    read with ``--accuracy-percent``, divides the fractions by 100 too (h27: ARC-Challenge's 0.25-0.47 kept as
    0.0025-0.0047, fitted "ok" and predicted at 0.6 points [0.3, 1.2], not a lower bound, for a truth of 55)."""
    ref = level if level is not None else default_chance(acc_eval)
    if ref is None or ref < CHANCE_UNIT_MIN:
        return None
    values = _require_accuracy(runs).filter(pl.col("eval") == acc_eval).get_column("accuracy").drop_nulls()
    if values.len() == 0:
        return None
    top = float(values.max())  # type: ignore[arg-type]
    if top >= ref / 10:
        return None
    return (
        f"every accuracy lies below {100 * ref / 10:.3g} % (the largest {100 * top:.3g} %), a tenth of the "
        f"chance level {100 * ref:.3g} % of a {'task' if level is not None else 'task so named'}: in another unit "
        "(fractions read in percent: --accuracy-percent divides every accuracy of the table by 100)? Give every "
        "accuracy in one unit, or ingest the tasks in percent apart (--where, then --append)"
    )


# ---------------------------------------------------------------------------------------------------------------
# Accuracy against a loss, run by run
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AccuracyData:
    """The runs of one accuracy eval with the loss they are related to (the task's CE loss, or the own loss)."""

    eval: str
    input_loss: InputLoss
    input_eval: str  # the task-loss eval, or "own"
    frame: pl.DataFrame  # dataset, N, D, C, run_id, split, accuracy, x (the input loss)
    n_runs: int  # the runs of these rows, as the losses count theirs (``accuracy_runs``)
    notes: tuple[str, ...] = ()  # rows joined within rounding, rows at no loss run (``join_accuracy``)

    @property
    def x(self) -> np.ndarray:
        return self.frame.get_column("x").to_numpy().astype(np.float64)

    @property
    def acc(self) -> np.ndarray:
        return self.frame.get_column("accuracy").to_numpy().astype(np.float64)

    @property
    def groups(self) -> np.ndarray:
        return self.frame.get_column("dataset").to_numpy()

    @property
    def order(self) -> np.ndarray:
        return self.frame.get_column("C").to_numpy().astype(np.float64)


def accuracy_data(
    runs: Runs, acc_eval: str, *, input_loss: InputLoss = "task", frame: pl.DataFrame | None = None
) -> AccuracyData:
    """The accuracy rows of ``acc_eval`` joined to their input loss on (dataset, N, D, split). ``frame``: the
    accuracy rows to use (default every one)."""
    from l2l.io.accuracy_store import join_accuracy

    acc = _require_accuracy(runs) if frame is None else frame
    rows = acc.filter(pl.col("eval") == acc_eval)
    key = ["dataset", "N", "D", "split"]
    notes: tuple[str, ...] = ()
    if "step" in rows.columns and "step" in runs.frame.columns:  # every checkpoint: pair within a run's step
        key += ["run_id", "step"]
    else:  # rows at a run within rounding joined to it (as ingest stores them), rows at none counted
        join = join_accuracy(runs.frame, rows, checkpoints=runs.checkpoints)
        rows, notes = join.frame, tuple(join.notes())
    rows = rows.drop("eval", "n_repeats", "chance")
    if input_loss == "task":
        ev = task_loss_eval(runs, acc_eval)
        if ev is None:
            raise _no_task_loss(runs, acc_eval)
        losses = runs.frame.filter(pl.col("eval") == ev)
        input_eval = ev
    else:
        _require_own_evals(runs, rows, acc_eval)
        own = pl.DataFrame(
            {"dataset": list(runs.own_eval), "eval": list(runs.own_eval.values())},
            schema={"dataset": pl.String, "eval": pl.String},
        )
        losses = runs.frame.join(own, on=["dataset", "eval"], how="semi")
        input_eval = "own"
    joined = _paired(rows, losses, key)
    if "step" in key:
        joined = _at_own_tokens(rows, joined, losses, key)
    if "step" not in key and runs.checkpoints is not None:
        joined = _at_own_checkpoints(rows, joined, losses, runs.checkpoints)
    if joined.height == 0:
        raise _unpaired(rows, losses, acc_eval, input_eval, every_checkpoint="step" in key)
    return AccuracyData(acc_eval, input_loss, input_eval, joined, accuracy_runs(runs, joined), notes)


def accuracy_runs(runs: Runs, frame: pl.DataFrame) -> int:
    """The runs accuracy rows (``frame``) were measured on, counted as ``Runs.runs_per`` counts the losses' runs.
    A run's seeds are several accuracy rows under ids of their own (each fitted), and one run of the losses (their
    mean), so each row counts under the id of its model's one loss run (dataset, N, D, split) where it has one:
    420 accuracies of 140 runs read "runs 420", and evaluate held out "60 runs" of 20 (probe p65 D9)."""
    key = ["dataset", "N", "D", "split"]
    one = (
        runs.frame.group_by(key)
        .agg(pl.col("run_id").unique().alias("_ids"))
        .filter(pl.col("_ids").list.len() == 1)
        .select(*key, pl.col("_ids").list.first().alias("_loss_run"))
    )
    f = frame.join(one, on=key, how="left", nulls_equal=True).with_columns(
        pl.coalesce("_loss_run", "run_id").alias("run_id")
    )
    if "eval" not in f.columns:  # (runs_per counts within each eval)
        f = f.with_columns(pl.lit("").alias("eval"))
    return int(runs.runs_per(frame=f)["runs"].sum())


def _at_own_tokens(
    rows: pl.DataFrame, joined: pl.DataFrame, losses: pl.DataFrame, key: list[str]
) -> pl.DataFrame:
    """``joined`` (paired within a run's step) with each accuracy row no loss shares a step with paired with its
    run's loss at the same tokens seen (N, D): an accuracy logged in a call of its own, one step on (W&B's
    ``_step``), is the same checkpoint. Every checkpoint's D is its tokens seen, so (run, N, D) is one checkpoint.
    (h71: every task of such a log failed ``fit-accuracy --checkpoints all`` as "kept at different checkpoints",
    naming --checkpoints all, where the final checkpoints paired every run.)"""
    alone = rows.join(joined.select(key).unique(), on=key, how="anti", nulls_equal=True)
    if alone.height == 0:
        return joined
    by_tokens = [k for k in key if k != "step"]
    more = _paired(alone, losses.unique(by_tokens, keep="first", maintain_order=True), by_tokens)
    if more.height == 0:
        return joined
    return pl.concat([joined, more.select(joined.columns)]).sort(["dataset", "C", "N"])


def _at_own_checkpoints(
    rows: pl.DataFrame, joined: pl.DataFrame, losses: pl.DataFrame, every: pl.DataFrame
) -> pl.DataFrame:
    """``joined`` with each accuracy row no final loss paired (a per-step log whose accuracy ran less often than
    its loss: each kept at its own last measurement, at different D) paired with its input loss logged at the same
    checkpoint of the same run (``Runs.checkpoints``). The input eval of each dataset is the one ``losses`` holds,
    stored as (name, metric) there. A run whose loss was never logged at its accuracy's checkpoint stays out."""
    from l2l.base.schema import split_metric

    key = ["dataset", "run_id", "N", "D", "split"]
    lonely = rows.join(joined.select(key), on=key, how="anti", nulls_equal=True)
    if lonely.height == 0:
        return joined
    names = losses.select("dataset", "eval").unique().iter_rows()
    wanted = pl.DataFrame(
        [(ds, *split_metric(ev)) for ds, ev in names],
        schema={"dataset": pl.String, "eval": pl.String, "metric": pl.String},
        orient="row",
    ).with_columns(pl.col("metric").fill_null("loss"))
    at = every.join(wanted, on=["dataset", "eval", "metric"], how="semi").select(
        *key, pl.col("value").alias("x")
    )
    found = lonely.join(at.unique(key, keep="first"), on=key, how="inner", nulls_equal=True)
    if found.height == 0:
        return joined
    return pl.concat([joined, found.select(joined.columns)]).sort(["dataset", "C", "N"])


def _paired(rows: pl.DataFrame, losses: pl.DataFrame, key: list[str]) -> pl.DataFrame:
    """Each accuracy row with its input loss at the same configuration (``key``). Where several runs share a
    configuration (a log kept whole: the 1x run's end and the 2x run's middle at one (N, D)), an accuracy row pairs
    with its own run's loss where that run logged one: joined on the configuration alone, each such row paired
    with every run's loss there (two runs: four rows, two of them across runs)."""
    right = losses.select(*key, pl.col("loss").alias("x"), pl.col("run_id").alias("_run_x"))
    joined = rows.with_row_index("_row").join(right, on=key, how="inner", nulls_equal=True)
    if joined.height > joined.get_column("_row").n_unique():
        same = pl.col("run_id").eq_missing(pl.col("_run_x"))
        joined = joined.filter(same | ~same.any().over("_row"))
    return joined.drop("_row", "_run_x").sort(["dataset", "C", "N"])


def _require_own_evals(runs: Runs, rows: pl.DataFrame, acc_eval: str) -> None:
    """Refuse to relate an accuracy to the own loss where none of its datasets has an own eval, naming them and
    ``--own-eval`` (it was "no run has both the accuracy 'arc_easy' and the loss 'own'": the keyword, not the
    missing eval)."""
    datasets = rows.get_column("dataset").unique().sort().to_list()
    lacking = [d for d in datasets if d not in runs.own_eval]
    if not datasets or len(lacking) < len(datasets):
        return
    shown = some_of(lacking, 5)
    raise SelectionError(
        f"the accuracy {acc_eval!r} is related here to each dataset's own loss, and {shown} "
        f"{'has' if len(lacking) == 1 else 'have'} no own eval",
        hint=f"name the own eval at ingest: l2l ingest … --own-eval {lacking[0]}=EVAL (l2l runs --evals lists the "
        "evals)",
    )


def _unpaired(
    rows: pl.DataFrame,
    losses: pl.DataFrame,
    acc_eval: str,
    input_eval: str,
    *,
    every_checkpoint: bool = False,
) -> SelectionError:
    """Why no accuracy row found its loss: the same runs measured at other checkpoints (a per-step log whose
    accuracy ran every 1,000 steps and its loss every 250: each kept at its last measurement; "no run has both"
    was said of runs that all had both), or no common run. ``every_checkpoint``: paired at every checkpoint, where
    no checkpoint (step or tokens) holds both: said so, with the nearest (it named --checkpoints all, the option
    given; h71)."""
    on = ["dataset", "N", "run_id"]
    both = rows.select(*on, pl.col("D").alias("D_acc")).join(
        losses.select(*on, pl.col("D").alias("D_loss")), on=on, how="inner", nulls_equal=True
    )
    if both.height and every_checkpoint:
        near = both.sort((pl.col("D_acc") / pl.col("D_loss")).log().abs()).row(0)
        ds, n, rid, d_acc, d_loss = near
        return SelectionError(
            f"the accuracy {acc_eval!r} and the loss {input_eval!r} of the same runs were never logged at one "
            f"checkpoint (neither step nor tokens seen; nearest: {ds}'s run {rid or ds} at N = {n:.3g}, accuracy "
            f"at D = {d_acc:.6g}, loss at D = {d_loss:.6g})",
            hint="log the accuracy at checkpoints where the loss is logged",
        )
    if both.height:
        ds, n, rid, d_acc, d_loss = both.row(0)
        return SelectionError(
            f"the accuracy {acc_eval!r} and the loss {input_eval!r} of the same runs were kept at different "
            f"checkpoints (e.g. {ds}'s run {rid or ds} at N = {n:.3g}: accuracy at D = {d_acc:.4g}, loss at D = "
            f"{d_loss:.4g}; "
            "each is kept at its own last measurement), so no (N, D) holds both: fit-accuracy --checkpoints all "
            "relates them at every checkpoint where both were logged",
            hint="or log the accuracy at each run's final checkpoint",
        )
    loss = "each dataset's own loss" if input_eval == "own" else f"the loss {input_eval!r}"
    return SelectionError(
        f"no run has both the accuracy {acc_eval!r} and {loss}",
        hint="accuracy rows are matched to loss rows on dataset, N, D and split",
    )


@dataclass(frozen=True, eq=False)
class AccuracyResult:
    """One accuracy eval's law (or why there is none)."""

    eval: str
    input_loss: InputLoss
    #: the input loss's eval (a task loss, or "own"); None where the eval was refused before one was found
    input_eval: str | None
    chance: float | None
    chance_source: str
    fit: AccuracyFit | None
    error: str | None = None
    data: AccuracyData | None = None

    def predict(self, loss: ArrayLike, dataset: str | None = None) -> Array:
        """The accuracy at ``loss`` (its input loss, ``input_eval``) for models of ``dataset`` (needed where the law
        is one curve per dataset; ignored where it is pooled); FitError where no law was fitted, with the reason."""
        if self.fit is None:
            raise FitError(f"{self.eval}: no accuracy law: {self.error}")
        return self.fit.predict(loss, dataset)

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "eval": self.eval,
            "input_loss": self.input_loss,
            "input_eval": self.input_eval,
            "chance": self.chance,
            "chance_source": self.chance_source,
        }
        if self.fit is None:
            d.update(status="failed", reason=self.error)
            return d
        f = self.fit.to_dict()
        d.update(
            status=f["status"],
            reason=f["reason"],
            form=f["form"],
            pooled=f["pooled"],
            pooling=f["pooling"],
            sharing=None if f["sharing"] is None else f["sharing"]["reason"],
            n_points=f["n_points"],
            n_runs=f["n_points"] if self.data is None else self.data.n_runs,
            rmse_points=100 * f["rmse"],
            r2=f["r2"],
            # an uninformative backtest's miss measures nothing of the law (its reason, in the warnings, says by how
            # much it missed): no backtest error is shown for it
            backtest_mae_points=None
            if f["backtest_mae"] is None or f["backtest_uninformative"]
            else 100 * f["backtest_mae"],
            backtest_uninformative=f["backtest_uninformative"],
            laws=f["laws"],
            # datasets whose own runs do not predict this accuracy: their curves are fitted but not predicted from
            unpredictable_datasets=f["unpredictable_datasets"],
            # how many of its datasets the law predicts for: a status "ok" is the law's, not every dataset's (an
            # eval predicting 1 of 6 read "ok" and counted as fitted whole; probe h3)
            n_datasets=len(self.fit.groups),
            n_datasets_predicted=len(self.fit.predicted_groups),
            warnings=[
                *f["warnings"],
                *(() if self.data is None else self.data.notes),
                *((note,) if (note := majority_floor_note(self)) else ()),
            ],
            ceiling_choice=f["ceiling_choice"],
            # one pooled curve's offsets by dataset, flat (the same columns whatever the pooling and the names)
            **_offset_fields(self.fit.offsets),
            x_min=f["x_min"],
            x_max=f["x_max"],
        )
        return d


def majority_floor_note(res: AccuracyResult) -> str:
    """Why a known task's chance level may not be where its runs start: the fitted floor ends at the top of its box
    (``FLOOR_ABOVE`` over chance) and a tenth of the runs or fewer score below it. A yes/no task whose small models
    answer its majority class starts there, not at 0.5 (BoolQ: about 0.62), and a floor held near 0.5 bends the
    curve into nonsense (a probe's BoolQ: 0.550 + (1.000 − 0.550)·σ(−(x + 3.478)/4.765)). "" otherwise (the
    paper's BoolQ runs reach 0.38: no note there)."""
    fit, data = res.fit, res.data
    if fit is None or data is None or not fit.usable or fit.form != "sigmoid" or res.chance is None:
        return ""
    if res.chance_source != "known task" or len(data.acc) < 4:
        return ""
    floors = [law.floor for law in fit.laws.values() if law.floor is not None]
    top = res.chance + FLOOR_ABOVE
    start = float(np.quantile(data.acc, 0.1))
    if not floors or min(floors) < top - 1e-6 or start <= top:
        return ""
    return (
        f"the fitted floor ends at the top of its box ({top:.2f}, chance {res.chance:.2f} as a known task) and "
        f"nine tenths of the runs score {start:.2f} or more: a task whose small models answer its majority class "
        f"starts there, not at chance (BoolQ: about 0.62); give the level where its runs start (--chance "
        f"{res.eval}={start:.2f})"
    )


def _offset_fields(off: DatasetOffsets | None) -> dict[str, Any]:
    """A pooled law's offsets test as flat fields (None without one): its largest offset and where, χ², p."""
    worst = None if off is None else max(off.offsets.items(), key=lambda kv: abs(kv[1]))
    return {
        "offsets_systematic": None if off is None else off.systematic,
        "offsets_worst_dataset": None if worst is None else worst[0],
        "offsets_worst_points": None if worst is None else 100 * worst[1],
        "offsets_chi2": None if off is None else off.chi2,
        "offsets_p": None if off is None else off.p,
    }


def check_accuracy_args(
    evals: Sequence[str] | None,
    *,
    input_loss: object = "task",
    form: object = "sigmoid",
    floor: object = "fit",
    pooling: object = "auto",
    bootstrap: object = 0,
    seed: object = 0,
) -> list[str] | None:
    """The accuracy entry points' arguments checked before any fit, each refusal a UsageError naming its
    parameter, as the command line's choices refuse them: a bad form, floor or pooling gave a failed law per eval
    after the work, ``input_loss="zzz"`` and ``seed="x"`` were taken, a bare eval name was read letter by letter
    and ``evals=[]`` meant every eval (p63). ``evals`` as a list of names (None: every one)."""
    names = as_names(evals, "accuracy eval", "evals", empty_ok=False)
    check_choice(input_loss, INPUT_LOSSES, "input loss", "input_loss")
    check_choice(form, ACCURACY_FORMS, "accuracy form", "form")
    check_choice(floor, FLOOR_MODES, "floor mode", "floor")
    check_choice(pooling, POOLINGS, "pooling", "pooling")
    check_bootstrap(bootstrap)
    check_count(seed, "seed", what="the seed")
    return names


def fit_accuracy_laws(
    runs: Runs,
    evals: Sequence[str] | None = None,
    *,
    split: str | None = None,
    input_loss: InputLoss = "task",
    form: str = "sigmoid",
    floor: FloorMode = "fit",
    ceiling: float | Literal["auto"] | None = "auto",
    pooling: Pooling = "auto",
    chance: Mapping[str, float] | None = None,
    check: bool = True,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    accuracy_frame: pl.DataFrame | None = None,
    accuracy_cache: MutableMapping[str, AccuracyFit] | None = None,
) -> Results[AccuracyResult]:
    """An accuracy law per accuracy eval (``evals``: names, globs or ``all``), fitted on the runs of ``split``.

    Defaults are l2l's recommended design: a sigmoid of the task's CE loss, floor fitted near chance, ceiling 1
    unless the law's backtest favours a fitted one (``ceiling="auto"``),
    pooled across pre-training datasets when a within-run backtest says the relation is shared. ``form="power"``
    is the paper's Appendix B (E0: the input loss's Eq. 3 law fitted on the same runs). Tasks whose accuracy stays
    within noise of chance are labelled unpredictable (``check``). ``accuracy_frame``: accuracy rows to fit
    (default: every one, restricted to ``split``). ``accuracy_cache``: laws fitted before, keyed by what they were
    fitted from (``accuracy_key``; a session's ``accuracy_laws``): reused, and every new one added.
    """
    runs = check_runs(runs)
    evals = check_accuracy_args(
        evals, input_loss=input_loss, form=form, floor=floor, pooling=pooling, bootstrap=bootstrap, seed=seed
    )
    names = resolve_accuracy_evals(runs, evals)
    acc = _require_accuracy(runs) if accuracy_frame is None else accuracy_frame
    if split is not None:
        runs.check_split(split)
        acc = acc.filter(pl.col("split") == split)
    book = law_book(runs, options, split, cache) if form == "power" else None
    out: list[AccuracyResult] = []
    for name in names:
        level, source = chance_level(runs, name, chance)
        if (unit := unit_doubt(runs, name, level)) is not None:
            out.append(AccuracyResult(name, input_loss, None, level, source, None, unit))
            continue
        try:
            data = accuracy_data(runs, name, input_loss=input_loss, frame=acc)
        except SelectionError as exc:
            said = exc.message if exc.hint is None else f"{exc.message}; {exc.hint}"
            out.append(AccuracyResult(name, input_loss, None, level, source, None, said))
            continue
        try:
            e0: dict[str, float] | None = None
            if book is not None:
                e0 = {
                    ds: float(book.get(ds, data.input_eval if input_loss == "task" else runs.own(ds)).law.E)
                    for ds in sorted(set(data.groups.tolist()))
                }
            fit = cached_fit_accuracy(
                accuracy_cache,
                data.x,
                data.acc,
                chance=level,
                form=form,
                floor=floor if level is not None else "fit",
                ceiling=ceiling,
                groups=data.groups,
                # own losses of different datasets are on different scales: one law each unless asked to pool
                pooling=pooling
                if form == "sigmoid" and (input_loss == "task" or pooling != "auto")
                else "separate",
                order=data.order,
                E0=e0,
                check=check,
                bootstrap=bootstrap,
                seed=seed,
            )
        except FitError as exc:
            out.append(
                AccuracyResult(name, input_loss, data.input_eval, level, source, None, exc.message, data)
            )
            continue
        out.append(AccuracyResult(name, input_loss, data.input_eval, level, source, fit, None, data))
    return Results(out)


#: Bump when fit_accuracy's results change for the same inputs (the saved laws are then refitted).
# 9: one shape shifted by dataset (pooling shifted, and in auto's backtest); one pooled curve that misses datasets
#    systematically: shifted (auto), else poor; its offsets
# 10: ... off by a point at least
# 11: a backtest fitted on runs that show no rise is uninformative: it flags nothing, the fit's residuals set the error
# 8: separate curves none of which predicts give every reason; "reaches it"
# 7: a fitted ceiling may sit CEILING_SLACK below the q90 of the accuracies
# 6: the sharing test with the pooled curve's ceiling, a margin, and pooled where separate curves predict none
# 5: a poor law's reason says when the runs' noise could not be measured (it read "noise 0.0")
# 4: the ceiling chosen by the backtest (auto); 3: per-dataset curves backtested without a dataset too small to refit
# 12: a fitted ceiling where one curve at 1 missed datasets systematically and a fitted one does not (auto); a
#     backtest that cannot place a fitted ceiling is uninformative where it holds with the ceiling held
# 13: auto's ceiling of 1 kept without its backtest telling: the fitted-ceiling law the intervals also hold
# 14: a trend among the lower-loss half or quarter of the runs counts (a plateau at chance no longer hides a rise)
# 15: where even the full fit puts the ceiling at 1 without the backtest telling, the lowest ceiling the runs do not
#     reject is held (``PROFILE_CHI2``)
# 16: where the sharing backtest is uninformative, one curve per dataset must lower the BIC by SHARING_BIC_MARGIN
# 17: a sharing backtest that only the shifted design held (pooled and separate both off by more than 10) is
#     uninformative: the BIC decides
ACCURACY_KEY_VERSION = 17


def accuracy_key(x: np.ndarray, acc: np.ndarray, settings: Mapping[str, Any]) -> str:
    """What an accuracy law is fitted from, hashed: the points (losses, accuracies, and the ``groups`` and
    ``order`` arrays among ``settings``) exactly, every other setting by its repr, and the l2l version (whose
    fits may differ)."""
    import hashlib

    from l2l.base.version import __version__

    h = hashlib.sha256(f"acc v{ACCURACY_KEY_VERSION} l2l {__version__}".encode())
    for arr in (x, acc):
        h.update(np.ascontiguousarray(arr, dtype="<f8").tobytes())
    for name, value in sorted(settings.items()):
        h.update(f"|{name}=".encode())
        if isinstance(value, np.ndarray):
            h.update(repr(value.dtype).encode())
            h.update(repr(value.tolist()).encode())
        elif isinstance(value, Mapping):
            h.update(repr(sorted((str(k), repr(v)) for k, v in value.items())).encode())
        else:
            h.update(repr(value).encode())
    return h.hexdigest()[:32]


def cached_fit_accuracy(
    cache: MutableMapping[str, AccuracyFit] | None, x: np.ndarray, acc: np.ndarray, **settings: Any
) -> AccuracyFit:
    """``fit_accuracy(x, acc, **settings)``, from ``cache`` when these points and settings were fitted before
    (then nothing is fitted); a new fit is added to it. No cache: fitted."""
    if cache is None:
        return fit_accuracy(x, acc, **settings)
    key = accuracy_key(x, acc, settings)
    fit = cache.get(key)
    if fit is None:
        fit = fit_accuracy(x, acc, **settings)
        cache[key] = fit
    return fit


# ---------------------------------------------------------------------------------------------------------------
# The chain: (N, D) → input loss (its Eq. 3 law) → accuracy
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AccuracyPrediction:
    """Accuracy of a model of ``dataset`` at (N, D), through its input loss, each step kept.

    ``loss`` is the input loss as ``predict`` gives it for the same (dataset, eval, N, D): the law of its group's
    form, corrected by the group's backtests where that helped (``loss_law``: the law's own value), with its
    calibrated interval ``loss_interval``. ``accuracy`` is the accuracy law at ``loss``; ``accuracy_interval`` (at
    ``level``) maps the loss interval through the law and adds the law's own backtested error on the logit scale:
    it always holds ``accuracy``. ``status`` ``poor``: predicted, but the accuracy law's backtest or its fit misses
    by far more than the noise (``reason``)."""

    eval: str
    dataset: str
    N: float
    D: float
    C: float
    input_eval: str | None  # None: no input loss was found (the eval was refused first)
    own_loss: float | None  # the dataset's own loss at (N, D), as predict gives it (shown for context)
    loss: float | None  # the input loss at (N, D), as predict gives it
    loss_interval: tuple[float, float] | None
    accuracy: float | None
    accuracy_interval: tuple[float, float] | None
    status: Literal["ok", "poor", "unpredictable", "failed"]
    reason: str
    extrapolates: bool
    chance: float | None
    pooled: bool | None
    level: float = INTERVAL_LEVEL
    loss_law: float | None = None
    #: the log shift that moved the input loss onto its poor law's own largest runs (``PredictiveInterval.anchor``)
    loss_anchor: float = 0.0
    loss_method: str = ""
    loss_lower_bound: bool = False
    accuracy_method: str = ""
    notes: tuple[str, ...] = ()
    #: why the law used may not hold for this dataset (a pooled law its runs were too few to test), or ""
    law_caveat: str = ""
    #: the accuracy law itself is flagged poor (``status`` is poor also where only the input loss's law is)
    accuracy_law_poor: bool = False
    #: why the prediction rests on the assumed ceiling of 1 more than on the sweep ("" where it does not)
    ceiling_note: str = ""
    #: C, N and D over the largest fitted of the input loss's law (``LawPrediction.ratios``); None unpredicted
    ratios: tuple[float, float, float] | None = None
    #: why the accuracy law's own error is a lower bound at ``level``: its backtest errors are too few for that
    #: level (``AccuracyFit.too_few_note``), or ""
    level_note: str = ""
    #: the input loss's prediction lies beyond its backtests' evidence (``predictive.beyond_evidence``)
    loss_beyond_evidence: bool = False
    #: the dataset has no accuracy of this eval: the pooled curve of the others is assumed for it, never tested on
    #: its runs (``unmeasured``); the interval is a lower bound
    unmeasured: bool = False

    @property
    def lower_bound_only(self) -> bool | None:
        """Whether the accuracy interval is a lower bound (``accuracy_lower_bound``). None without an interval (an
        unpredictable task's row said "lower bound: yes" beside no interval; its status says why)."""
        if self.accuracy_interval is None:
            return None
        return accuracy_lower_bound(
            loss_lower_bound=self.loss_lower_bound,
            poor=self.status == "poor",
            method=self.accuracy_method,
            ceiling_note=self.ceiling_note,
            level_note=self.level_note,
            unmeasured=self.unmeasured,
        )

    @property
    def calibrated(self) -> bool | None:
        """Whether backtests vouch for the accuracy interval, as a loss row's ``calibrated``: not a lower bound
        (so the accuracy law's error is backtested, by enough errors for the level) and its input loss within its
        backtests' evidence. None without an interval."""
        if self.accuracy_interval is None:
            return None
        return not (self.lower_bound_only or self.loss_beyond_evidence)

    def steps(self) -> list[str]:
        """The chain, one line per step."""
        out = []
        if self.own_loss is not None and self.input_eval != "own":
            out.append(f"own loss of {self.dataset} at N={self.N:.3g}, D={self.D:.3g}: {self.own_loss:.4f}")
        if self.loss is not None:
            # the task loss comes from the task's own law, not from the own loss before it (an arrow between the
            # two read as a chain: probe p71)
            from l2l.workflows.predict import FIXED_METHOD, moved_off_the_law

            # (``FIXED_METHOD:not-calibrated`` where the interval is a lower bound)
            fixed = self.loss_method.split(":")[0] == FIXED_METHOD
            law = f"law in N at D = {fmt_si(self.D)}" if fixed else "law"
            what = "own loss" if self.input_eval == "own" else f"task loss {self.input_eval} (its own {law})"
            fix = (
                "" if self.loss_law is None else moved_off_the_law(self.loss_law, self.loss, self.loss_anchor)
            )
            out.append(f"{what}: {self.loss:.4f}{fix}")
        if self.accuracy is not None:
            law = "the pooled" if self.pooled else f"{self.dataset}'s"
            caveat = f" ({self.law_caveat})" if self.law_caveat else ""
            out.append(f"accuracy from {law} accuracy law{caveat}: {100 * self.accuracy:.2f} points")
        if self.status not in ("ok",):
            out.append(f"{'accuracy not predicted' if self.accuracy is None else 'warning'}: {self.reason}")
        return out

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "eval": self.eval,
            "dataset": self.dataset,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "input_eval": self.input_eval,
            "own_loss": self.own_loss,
            "loss": self.loss,
            "loss_law": self.loss_law,
            "loss_anchor": self.loss_anchor,
            "accuracy": self.accuracy,
            "status": self.status,
            "reason": self.reason,
            "extrapolates": self.extrapolates,
            "chance": self.chance,
            "pooled": self.pooled,
            "level": self.level,
            "steps": self.steps(),
            "notes": [*self.notes, *([self.level_note] if self.level_note else [])],
            "ceiling_note": self.ceiling_note or None,
        }
        d["loss_lo"], d["loss_hi"] = self.loss_interval or (None, None)
        d["accuracy_lo"], d["accuracy_hi"] = self.accuracy_interval or (None, None)
        d["loss_interval_method"] = self.loss_method or None
        d["accuracy_interval_method"] = self.accuracy_method or None
        from l2l.workflows.predict import ratios_dict

        d.update(ratios_dict(self.ratios))  # how far it extrapolates, as a loss prediction says (p63)
        # the input loss's interval as ``predict`` says it of the same loss (``loss_lo``/``loss_hi`` sit beside the
        # accuracy's flags below, which a script had read as the loss's; helper h105)
        d["loss_lower_bound_only"] = None if self.loss_interval is None else self.loss_lower_bound
        d["loss_calibrated"] = (
            None if self.loss_interval is None else not (self.loss_lower_bound or self.loss_beyond_evidence)
        )
        d["lower_bound_only"] = self.lower_bound_only
        # as a loss row says them (``predict._interval_dict``): never both; None without an interval
        d["calibrated"] = self.calibrated
        d["beyond_evidence"] = None if self.accuracy_interval is None else self.loss_beyond_evidence
        d["interval"] = None if self.accuracy_interval is None else interval_caveat(self)
        return d


def accuracy_lower_bound(
    *,
    loss_lower_bound: bool,
    poor: bool,
    method: str,
    ceiling_note: str,
    level_note: str,
    unmeasured: bool = False,
) -> bool:
    """Whether an accuracy interval is a lower bound (``predict --eval ACC``'s and ``evaluate --accuracy``'s
    alike): its input loss's interval is one, or the accuracy law's own error is not calibrated by a backtest
    (``method`` other than "backtest": fit residuals hold the noise only, or the backtest had too few runs: a
    probe's poor law printed ±4 points beside an 11.7-point backtest miss as calibrated, the truth 9 points out),
    or by too few backtest errors for the level (``level_note``), or the law is flagged poor, or the prediction
    rests on an assumed ceiling (``ceiling_note`` ending with ``CEILING_LOWER_BOUND``; its words on a fitted ceiling
    the interval also holds do not make a lower bound), or the dataset has no accuracy of the eval (``unmeasured``:
    the pooled curve of the others is assumed for it, which no run of its own tested; probe h68)."""
    return (
        unmeasured
        or loss_lower_bound
        or poor
        or method != "backtest"
        or ceiling_note.endswith(CEILING_LOWER_BOUND)
        or bool(level_note)
    )


def unmeasured(fit: AccuracyFit, dataset: str) -> bool:
    """Whether ``dataset`` is predicted by a pooled curve fitted on other datasets' accuracies alone (it has none of
    its own: a task evaluated on some datasets only). Its backtests tested the others' runs, never its own."""
    return fit.pooled and bool(fit.groups) and dataset not in fit.groups


def unmeasured_caveat(fit: AccuracyFit, dataset: str) -> str:
    """The words of ``unmeasured``: which datasets the assumed curve was fitted on."""
    return (
        f"{dataset} has no accuracy of this eval: the curve of {', '.join(fit.groups)} is assumed, never tested "
        f"on {dataset}'s runs (a lower bound)"
    )


def nothing_predicted(preds: Sequence[AccuracyPrediction]) -> FitError | None:
    """The error of an accuracy question none of whose predictions could be made (None when one was, or when
    the answer is that the task is unpredictable): a table of failures must not exit 0."""
    if not preds or any(p.status != "failed" for p in preds):
        return None
    own = any("no task loss matches" in p.reason for p in preds)
    return FitError(
        f"no accuracy could be predicted ({len(preds)} asked): {preds[0].reason}",
        hint="relate accuracy to each dataset's own loss instead: --input-loss own" if own else None,
    )


def interval_caveat(p: AccuracyPrediction) -> str:
    """How the accuracy interval of ``p`` was made, in words."""
    loss = (
        "the input loss's interval is a lower bound (its notes say why: no backtest, a poor law, or a target "
        "beyond the backtests' reach)"
        if p.loss_lower_bound
        else "the input loss's interval is backtested inside the sweep"
    )
    if p.unmeasured:
        law = f"; a lower bound: {p.law_caveat}"
    elif p.accuracy_law_poor:
        law = "; a lower bound: the accuracy law's own error is that of a law flagged poor"
    elif p.accuracy_method == UNINFORMATIVE_METHOD:
        law = (
            "; a lower bound: the accuracy law's backtest could not test it (the runs it is fitted on show no "
            "rise), so its own error is its fit's residuals, the noise only"
        )
    elif p.accuracy_method != "backtest":
        law = "; a lower bound: the accuracy law's own error is not calibrated by enough backtest runs"
    elif p.level_note:
        law = (
            f"; a lower bound: the accuracy law's backtest errors are too few for a {100 * p.level:g} % "
            "interval (its own error is their largest)"
        )
    elif p.status == "poor" and not p.loss_lower_bound:
        law = "; a lower bound: the input loss's law is flagged"
    else:
        law = ""
    how = "fit residuals" if p.accuracy_method == UNINFORMATIVE_METHOD else p.accuracy_method
    return (
        f"{100 * p.level:g} % interval: {loss}, mapped through the accuracy law, with the law's own "
        f"{how} error added on the logit scale{law}"
    )


def predict_accuracy(
    runs: Runs,
    *,
    evals: Sequence[str] | None,
    datasets: Sequence[str],
    N: Sequence[float],
    D: Sequence[float] | None = None,
    C: Sequence[float] | None = None,
    split: str | None = None,
    input_loss: InputLoss = "task",
    form: str = "sigmoid",
    floor: FloorMode = "fit",
    ceiling: float | Literal["auto"] | None = "auto",
    pooling: Pooling = "auto",
    chance: Mapping[str, float] | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    level: float = INTERVAL_LEVEL,
    accuracy_cache: MutableMapping[str, AccuracyFit] | None = None,
) -> Results[AccuracyPrediction]:
    """Accuracy at each (N, D) (D = C/(k·N) from a budget) for each dataset and accuracy eval: the input loss as
    ``predict`` gives it (same law, correction and interval, fitted on ``split``), then the accuracy law, with an
    interval at ``level`` (see ``AccuracyPrediction``). ``bootstrap``: draws of the accuracy law (reported only).
    ``accuracy_cache``: as ``fit_accuracy_laws``."""
    from l2l.workflows.predict import size_grid

    runs = check_runs(runs)
    check_level(level)
    evals = check_accuracy_args(
        evals, input_loss=input_loss, form=form, floor=floor, pooling=pooling, bootstrap=bootstrap, seed=seed
    )
    n_arr, d_arr = size_grid(N, D, C, runs.flops_per_param_token)
    dss = runs.resolve_datasets(as_names(datasets, "dataset", "datasets", empty_ok=False))
    book = law_book(runs, options, split, cache, calibrations)
    results = fit_accuracy_laws(
        runs,
        evals,
        split=split,
        input_loss=input_loss,
        form=form,
        floor=floor,
        ceiling=ceiling,
        pooling=pooling,
        chance=chance,
        options=options,
        cache=cache,
        bootstrap=bootstrap,
        seed=seed,
        accuracy_cache=accuracy_cache,
    )
    chain = _Chain(runs, book, input_loss, seed, level)
    return Results(
        chain.predict(res, ds, float(n), float(d))
        for res in results
        for ds in dss
        for n, d in zip(n_arr, d_arr, strict=True)
    )


@dataclass(frozen=True, eq=False)
class _Chain:
    """The chain (N, D) → input loss (as ``predict`` gives it from ``book``) → accuracy."""

    runs: Runs
    book: LawBook
    input_loss: InputLoss
    seed: int
    level: float

    def _loss(self, ds: str, ev: str, n: float, d: float) -> LawPrediction | LinePrediction | FitError:
        """The loss of (ds, ev) at (n, d) as ``predict`` gives it (``predict.loss_point``: a fixed-D sweep's law in
        N at its D too), or why not: at another D than a fixed-D sweep's, ``predict``'s refusal with its way to that
        D."""
        from l2l.workflows.predict import loss_point

        try:
            return loss_point(self.book, ds, ev, n, d, level=self.level, seed=self.seed)
        except (FitError, SelectionError) as exc:
            fixed = self.book.sweeps.has(ds, ev) and self.book.fixed_line(ds, ev) is not None
            return FitError(f"{exc.message}; {exc.hint}" if fixed and exc.hint else exc.message)

    def predict(self, res: AccuracyResult, ds: str, n: float, d: float) -> AccuracyPrediction:
        """The accuracy of ``res``'s eval for a model of ``ds`` at (n, d), or why there is none."""
        own = self._loss(ds, self.runs.own(ds), n, d) if ds in self.runs.own_eval else None
        in_name = res.input_eval if self.input_loss == "task" else self.runs.own(ds)
        base: dict[str, Any] = {
            "eval": res.eval,
            "dataset": ds,
            "N": n,
            "D": d,
            "C": self.runs.flops_per_param_token * (n * d),
            "input_eval": res.input_eval,
            "chance": res.chance,
            "own_loss": None if own is None or isinstance(own, FitError) else own.loss,
            "level": self.level,
        }
        if res.fit is None or not res.fit.usable:
            status: Literal["unpredictable", "failed"] = "failed" if res.fit is None else "unpredictable"
            reason = res.error if res.fit is None else res.fit.reason
            return _empty(base, status, reason or "", None)
        loss = self._loss(ds, in_name, n, d) if in_name is not None else FitError("no input loss")
        if isinstance(loss, FitError):
            return _empty(base, "failed", f"the input loss's law: {loss}", res.fit.pooled)
        try:
            res.fit.law_for(ds)
        except FitError as exc:
            return _empty(base, "failed", str(exc), res.fit.pooled)
        pi = loss.interval
        acc, lo, hi, how = res.fit.chain_interval(pi.estimate, ds, pi.lo, pi.hi, self.level)
        if not all(math.isfinite(v) for v in (acc, lo, hi)):
            return _empty(base, "failed", "the accuracy interval is not finite", res.fit.pooled)
        return AccuracyPrediction(
            **base,
            loss=pi.estimate,
            loss_interval=(pi.lo, pi.hi),
            accuracy=acc,
            accuracy_interval=(lo, hi),
            status="poor" if res.fit.status == "poor" or loss.flag else "ok",
            reason="; ".join(
                [
                    *([res.fit.reason] if res.fit.status == "poor" else []),
                    *([f"input loss: {loss.flag}"] if loss.flag else []),
                ]
            )
            or res.fit.reason,
            extrapolates=res.fit.extrapolates(pi.estimate, ds),
            pooled=res.fit.pooled,
            loss_law=pi.raw,
            loss_anchor=pi.anchor,
            loss_method=pi.method,
            loss_lower_bound=pi.lower_bound_only,
            accuracy_method=how,
            accuracy_law_poor=res.fit.status == "poor",
            notes=pi.notes,
            law_caveat=unmeasured_caveat(res.fit, ds)
            if unmeasured(res.fit, ds)
            else "not tested against a curve of its own: too few runs"
            if res.fit.pooled and res.fit.sharing is not None and ds in res.fit.sharing.untested
            else "",
            unmeasured=unmeasured(res.fit, ds),
            ceiling_note=ceiling_note(res.fit, ds, acc),
            ratios=loss.ratios,
            level_note=res.fit.too_few_note(self.level),
            loss_beyond_evidence=beyond_evidence(pi),
        )


#: A prediction that closes more than this share of the way from the sweep's best accuracies to an assumed ceiling
#: of 1 rests on that assumption more than on the runs.
CEILING_SHARE = 0.5
#: how ``ceiling_note`` ends where the prediction rests on the assumed ceiling (its interval a lower bound); its
#: other words (the fitted-ceiling law the interval also holds: ``AccuracyFit.ceiling_doubt``) do not make one
CEILING_LOWER_BOUND = "a lower bound on the uncertainty (--ceiling fit fits one)"


def ceiling_note(fit: AccuracyFit, dataset: str, acc: float) -> str:
    """What an accuracy predicted with the ceiling kept at 1 owes to that ceiling ("" where nothing).

    - Where ``auto`` kept 1 without its backtest telling 1 from a fitted ceiling (``AccuracyFit.ceiling_doubt``),
      the interval also holds the fitted-ceiling law's prediction: the note gives that ceiling and prediction
      (h18's ladder: piqa 98.1 [91.6, 99.6] at 100× compute, the truth 87.7; now [82.4, 99.6] in the whole chain).
    - Where the prediction lies more than half the way from the sweep's best runs to 1, it rests on the assumed
      ceiling and is a lower bound (ends with ``CEILING_LOWER_BOUND``). A probe's task levelling off at 90 beyond its
      sweep (its best runs near 71) was predicted 99.7 [98.9, 99.9] at 10B, "calibrated", the truth 89.8 (p50); the
      paper's held-out predictions lie a fifth of that way or less. With the doubt's widening such intervals held
      80–100 % of the truths on seeded tables (h25), short of 90: they stay lower bounds."""
    law = fit.law_for(dataset)
    if law.form != "sigmoid" or law.ceiling < 1.0:
        return ""
    said = []
    doubt = fit.doubt_law(dataset)
    fl, x0, s = law.params["floor"], law.params["x0"], law.params["s"]
    u = (acc - fl) / (law.ceiling - fl) if law.ceiling > fl else -1.0
    if doubt is not None and 0.0 < u < 1.0:
        other = float(doubt.predict(x0 - s * math.log(u / (1.0 - u))))  # at the loss that predicts ``acc``
        if abs(other - acc) >= 0.005:  # (half a point: inside the sweep the two laws agree)
            said.append(
                f"the sweep cannot tell the ceiling of 100 assumed from a lower one ({100 * doubt.ceiling:.1f} "
                f"points), which predicts {100 * other:.1f} here: the interval holds both"
            )
    pr = fit.predictability
    top = pr.reference + pr.signal  # the mean accuracy of the sweep's best tenth of runs
    if 0.0 < top < 1.0 and acc > top + CEILING_SHARE * (1.0 - top):
        said.append(
            f"{100 * acc:.1f} points lies more than half the way from the sweep's best runs ({100 * top:.1f}) to the "
            f"ceiling of 100 assumed where the sweep never showed where the task levels off: {CEILING_LOWER_BOUND}"
        )
    return "; ".join(said)


def _empty(
    base: dict[str, Any], status: Literal["unpredictable", "failed"], reason: str, pooled: bool | None
) -> AccuracyPrediction:
    return AccuracyPrediction(
        **base,
        loss=None,
        loss_interval=None,
        accuracy=None,
        accuracy_interval=None,
        status=status,
        reason=reason,
        extrapolates=False,
        pooled=pooled,
    )


def accuracy_summary(runs: Runs) -> list[dict[str, Any]]:
    """One dict per (dataset, accuracy eval): runs, accuracy range, chance level and source, the matched task
    loss (None where the dataset has none of its rows: an accuracy-only dataset was listed "matched" by name;
    probe p68), its rows at no loss run (``unmatched``: never fitted), splits (empty when the table has no
    accuracies)."""
    if runs.accuracy is None:
        return []
    key = ["dataset", "N", "D", "split"]
    at_run = runs.frame.select(key).unique().with_columns(pl.lit(True).alias("_at_run"))
    acc = runs.accuracy.join(at_run, on=key, how="left", nulls_equal=True)
    if runs.checkpoints is not None and runs.checkpoints.height:
        # a per-step log whose accuracy ran less often than its loss keeps each at its own last measurement, which
        # fit-accuracy pairs with the loss its run logged at that checkpoint (``_at_own_checkpoints``): at a run,
        # not "never fitted" (h71: `runs --evals` called every such row never fitted, fit-accuracy fitted them all)
        same = ["dataset", "run_id", "N", "D", "split"]
        at_loss = runs.checkpoints.filter(pl.col("metric") == "loss").select(same).unique()
        acc = acc.join(
            at_loss.with_columns(pl.lit(True).alias("_at_checkpoint")), on=same, how="left", nulls_equal=True
        ).with_columns(pl.coalesce("_at_run", "_at_checkpoint").alias("_at_run"))
    g = (
        acc.group_by(["dataset", "eval"], maintain_order=True)
        .agg(
            pl.col("run_id").n_unique().alias("runs"),
            pl.col("accuracy").min().alias("accuracy_min"),
            pl.col("accuracy").max().alias("accuracy_max"),
            pl.col("split").drop_nulls().unique().sort().alias("splits"),
            pl.col("_at_run").is_null().sum().cast(pl.Int64).alias("unmatched"),
        )
        .sort(["dataset", "eval"])
    )
    measured = set(runs.frame.select("dataset", "eval").unique().iter_rows())
    # the chance level and the task loss depend on the eval alone: worked out once per eval, not once per dataset
    # (each scans the table: a per-row call made ingest and `runs` quadratic in the datasets, issue 21)
    per_eval: dict[str, tuple[tuple[float | None, str], list[str]]] = {}
    out = []
    for r in g.iter_rows(named=True):
        if r["eval"] not in per_eval:
            per_eval[r["eval"]] = (chance_level(runs, r["eval"]), _task_loss_hits(runs, r["eval"]))
        (level, source), hits = per_eval[r["eval"]]
        task = hits[0] if len(hits) == 1 else None
        out.append(
            {
                **r,
                "chance": level,
                "chance_source": source,
                "task_loss": task if (r["dataset"], task) in measured else None,
                # the dataset has no loss of the task (or none at all): nothing to relate its accuracies to
                "task_loss_missing": task is not None and (r["dataset"], task) not in measured,
                # several loss evals match alike: said as such (it read "none" where fit-accuracy said "alike")
                "task_loss_alike": hits if len(hits) > 1 else [],
            }
        )
    return out
