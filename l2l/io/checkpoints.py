"""Per-step logs: recognise a step/checkpoint column, tell the runs apart, and keep the checkpoints a fit should see.

A training log has several rows per run, one per checkpoint. Fed to a fit as it is, it is silently wrong: with
each run's final token count in ``D`` the checkpoints look like seeds and are averaged; with the tokens seen so far
in ``D`` every checkpoint looks like a run. This module tells the two apart and applies a policy:

- ``final`` (default, the paper's practice): each run's last checkpoint (per eval: the last one that measured it);
- ``step=K``: the checkpoint at step K (only when ``D`` is the tokens seen at each checkpoint);
- ``all``: every checkpoint as its own point (only when ``D`` is the tokens seen at each checkpoint).

**Which rows are one run.** A run is named by its ``run_id`` when the table has one. Without one, runs of one
dataset and size are told apart by the columns that do so: a checkpoint (a step) of one run appears once per eval,
so wherever several rows share (dataset, N, eval, step), the log holds several runs there, and the columns of the
table that are constant within a run and separate those rows (a learning rate, a sweep name, a schedule length,
...) are added to the run's identity, fewest first (the same when a "run id" names a model, not a run). ``D``
separates runs when it is each run's final token count. Rows that nothing separates are kept at the final step
(the reader decides what such repeats mean) unless they are runs of different lengths (more rows at a group's
first step than at its last: a shorter run's final checkpoint would be lost), which is refused with the fix (a
``run_id`` column, or naming the columns with ``--run-key``). Runs of one size whose checkpoints share no step,
with nothing to tell them apart, look like one run: only run ids can tell. Where run ids name the runs, a learning
rate or phase column (``schedule_columns``) never tells runs apart: it is the schedule of the run the id names (a
WSD log's cooldowns under the main run's id stay one run per id, and are warned of), whichever reader read the file.

**Rows at D = 0.** A log's step-0 row (an untrained model, D = 0) is no point of a scaling law: such rows are
dropped and counted (``CheckpointReport.zero_rows``).

**One pass.** ``final_checkpoints_fast`` makes the whole selection of a log with run ids in ONE streaming
``group_by().agg()`` over the file: per (run, eval) the row count, the step and D ranges, corr(step, D), the values
at the last step (``max_by``), and whether any row fails the reader's value checks. The exact path
(``select_frame``, on a table in memory) serves everything else: logs without run ids, other policies, and logs
where a (run, eval) repeats its first or last step with different losses, or repeats any step while another column
changes within it (``_repeats``: told from the order of the rows where each (run, eval) lies in one block of rising
steps, else by a second pass), so that both routes keep the same runs whichever reader read the file.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Final, Literal

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError
from l2l.base.text import plural, some_of
from l2l.core.sweep import MIN_RATIO_SPREAD

__all__ = [
    "STEP_NAMES",
    "TOKENS_SEEN_NAMES",
    "CheckpointInfo",
    "CheckpointReport",
    "FastSelection",
    "apply_checkpoints",
    "describe_policies",
    "detect_checkpoints",
    "final_checkpoints_fast",
    "find_step_column",
    "parse_policy",
    "says_progress",
    "schedule_columns",
    "select_checkpoints",
    "select_frame",
]

#: Names that count tokens seen so far (compared after ``schema.norm_name``): a checkpoint signal, and a ``D``
#: that is the tokens seen at each checkpoint.
TOKENS_SEEN_NAMES: Final[tuple[str, ...]] = (
    "tokens_seen",
    "tokens_so_far",
    "num_tokens_seen",
    "n_tokens_seen",
    "consumed_tokens",
    "tokens_consumed",
    "seen_tokens",
    "cumulative_tokens",
)
#: Step/checkpoint column names in order of preference (compared after ``norm_name``, also on the last
#: ``/``-part, so W&B's ``trainer/global_step`` counts). A fraction of the run done orders checkpoints too.
STEP_NAMES: Final[tuple[str, ...]] = (
    "step",
    "_step",
    "global_step",
    "train_step",
    "training_step",
    "iteration",
    "iter",
    "iters",
    "checkpoint",
    "ckpt",
    "checkpoint_step",
    *TOKENS_SEEN_NAMES,
    "frac_done",
    "fraction_done",
    "frac_complete",
    "progress",
    "pct_done",
    "percent_done",
)

#: Step columns that count the fraction of a run done (compared after ``norm_name``), and the value that is a run's
#: end: a row past it (the (Mis)Fitting log's frac_done = 1.024) is no checkpoint of the run as planned.
FRACTION_ENDS: Final[dict[str, float]] = {
    "frac_done": 1.0,
    "fraction_done": 1.0,
    "frac_complete": 1.0,
    "progress": 1.0,
    "pct_done": 100.0,
    "percent_done": 100.0,
}

#: Columns that count a run's planned length in steps (compared after ``norm_name``), beside a step column that
#: counts steps (``STEP_COUNTS``): a run whose last step is short of it stopped early.
TOTAL_STEPS_NAMES: Final[tuple[str, ...]] = (
    "total_steps",
    "max_steps",
    "num_steps",
    "train_steps",
    "num_train_steps",
    "total_train_steps",
    "training_steps",
    "total_iters",
    "max_iters",
    "total_iterations",
    "num_iterations",
)
#: Step columns that count optimiser steps (what a total-steps column counts too).
STEP_COUNTS: Final[frozenset[str]] = frozenset(
    {"step", "_step", "global_step", "train_step", "training_step", "iteration", "iter", "iters"}
)
#: A run whose last checkpoint is below this fraction of its planned length stopped early (a crash, a pre-emption
#: never resumed) and is left out of ``final``: its last checkpoint is no finished run (on a cosine schedule the
#: learning rate at half the run is still half its peak, and the loss lies well above the finished run's). Logging
#: every tenth of a run (or a last interval cut short) still ends at 0.9 or later; the (Mis)Fitting log's 240 runs
#: all end at frac_done = 1.
FINISHED: Final = 0.9
#: How far below ``FINISHED`` a run's progress may read and still count as reaching it: a step rounded to a whole
#: number (a run of 4,768 steps logged every tenth lost its final checkpoint and ended at step 4,291, 0.89996 of
#: it) was left out as "stopped before 90 % … at 0.9", beside runs of the same log kept at 0.9 (helper h90).
FINISHED_ROUNDING: Final = 1e-3

#: Columns that log the learning rate at each checkpoint (compared after ``norm_name``, also on the last ``/``-part:
#: W&B's ``train/lr``, ``optimizer/learning_rate``).
LR_NAMES: Final[tuple[str, ...]] = (
    "lr",
    "learning_rate",
    "learningrate",
    "current_lr",
    "lr_current",
    "curr_lr",
)
#: Columns that name the phase of a run's schedule (compared the same way), and the values of a phase before the
#: learning rate decays and of the decay (a WSD, warmup-stable-decay, log: the main run at constant learning rate,
#: cooldown branches off it).
PHASE_NAMES: Final[tuple[str, ...]] = (
    "phase",
    "stage",
    "lr_phase",
    "lr_stage",
    "schedule_phase",
    "schedule_stage",
    "training_phase",
    "train_phase",
    "training_stage",
)
BEFORE_DECAY: Final[frozenset[str]] = frozenset(
    {"stable", "constant", "const", "constant_lr", "main", "plateau", "warmup", "stable_phase", "wsd_stable"}
)
DECAY: Final[frozenset[str]] = frozenset(
    {
        "decay",
        "decayed",
        "cooldown",
        "cool_down",
        "anneal",
        "annealing",
        "annealed",
        "decay_phase",
        "cooldown_phase",
    }
)
#: A run whose learning rate at its last checkpoint is at least this fraction of its peak has not decayed (a
#: cosine or linear schedule ends at 0-10 % of its peak, a WSD cooldown at 0; a WSD log's main run, never cooled
#: down, at 100 %: its last checkpoint lay 3.5 % above the finished run's loss and moved N* 7-38 % up; probe p60).
UNDECAYED: Final = 0.5

#: A run's final checkpoint kept whose loss lies more than this factor above the run's own previous checkpoint (on
#: some eval): a loss that rose at the end, a run that diverged there, warned at ingest (h76: a final checkpoint
#: ×1.3 its previous one was kept without a word, and only ``evaluate`` named it later). Normal end-of-run noise
#: lies far below: the (Mis)Fitting log's largest rise at the end is 0.55 %, ``l2l.testing``'s per-step shapes' 1.6 %.
ROSE_AT_END: Final = 1.05

Policy = Literal["final", "step", "all"]
_STEP = "_l2l_step"  # the step column as Float64, added for the passes
#: Within every group where D varies, D must follow the step this closely (Pearson correlation) to count as the
#: tokens seen at each checkpoint (a constant batch gives exactly 1; a batch-size ramp still > 0.99). Several runs
#: of one size with different final D overlap in steps and correlate far less.
SEEN_CORRELATION: Final = 0.98


@dataclass(frozen=True)
class CheckpointInfo:
    """What detection found. ``checkpoints_per_run`` is the largest number of checkpoints of one (run, eval);
    ``d_is_tokens_seen`` says ``D`` changes from checkpoint to checkpoint (else it is each run's final count);
    ``identity`` the columns besides run_id/N that tell runs apart (found in the data or named); ``zero_rows`` the
    rows at D = 0, dropped."""

    column: str
    runs: int
    rows: int
    checkpoints_per_run: int
    d_is_tokens_seen: bool
    key: tuple[str, ...]  # the columns that identify a run (eval not included)
    step_min: float
    step_max: float
    identity: tuple[str, ...] = ()
    zero_rows: int = 0
    past_end: int = 0  # rows past a run's end (a fraction-done step column beyond 1), dropped

    @property
    def per_step(self) -> bool:
        """Some run has more than one checkpoint."""
        return self.checkpoints_per_run > 1

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["key"] = list(self.key)
        d["identity"] = list(self.identity)
        return d


@dataclass(frozen=True)
class CheckpointReport:
    """What a policy did, for the ingest report. ``rows_in`` counts every row read (the rows at D = 0 included:
    ``zero_rows`` of them, dropped)."""

    column: str
    policy: str  # "final", "step=K" or "all"
    runs: int
    rows_in: int
    rows_kept: int
    d_is_tokens_seen: bool
    runs_without_step: int = 0  # step=K: runs with no checkpoint at K (left out)
    evals_before_final: int = (
        0  # final: (run, eval) pairs whose last measurement precedes the run's last step
    )
    zero_rows: int = 0
    identity: tuple[str, ...] = ()
    identity_detected: bool = False
    named_by: str = "run_id"  # what names a run besides ``identity``: its run_id, or its size N
    past_end: int = 0  # rows past a run's end (frac_done > 1), dropped: never a run's final checkpoint
    #: final: runs whose last checkpoint is short of their planned end (``FINISHED``), left out; the column that
    #: told (``frac_done``, ``step/total_steps``), one of them and how far it got
    stopped_early: int = 0
    stopped_by: str | None = None
    stopped_example: str | None = None
    stopped_at: float | None = None
    #: final: runs kept whose last checkpoint comes before their learning rate decayed (``_undecayed``: a learning
    #: rate still at its peak, a phase reading ``stable``), named; what told, and the ``--where`` that fixes it
    undecayed: tuple[str, ...] = ()
    undecayed_by: str | None = None
    undecayed_fix: str | None = None
    #: final: the tokens per parameter every final checkpoint kept lies at, where the log's checkpoints lie off
    #: that line (``_one_line``); None otherwise
    one_line: float | None = None
    #: final: (run, eval) groups holding several rows at their final checkpoint (averaged by the reader as one
    #: measurement repeated), the widest relative spread of the loss among rows of such a group at one checkpoint
    #: of the log, and where (``_repeated_ends``)
    repeated_ends: int = 0
    repeated_apart: float = 0.0
    repeated_at: str | None = None
    #: final: the runs kept whose final checkpoint's loss lies ``ROSE_AT_END`` or more above their own previous
    #: checkpoint's (``_rose_at_end``), each with its largest rise (``r3 (web_val): 3.1 at step 900 → 4.2 at step
    #: 1000, +35 %``), and the ``--where`` that fixes it
    rose_at_end: tuple[str, ...] = ()
    rose_by: tuple[str, ...] = ()
    rose_fix: str | None = None
    #: what ``rows_in`` and ``rows_kept`` count: ``rows``, or ``values`` where a wide table was unpivoted first
    #: (a W&B export of 100 rows × 3 loss columns read "dropped 228 of 300 rows"; h50)
    counted: str = "rows"

    @property
    def checkpoints_dropped(self) -> int:
        return self.rows_in - self.rows_kept

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = asdict(self)
        d["identity"] = list(self.identity)
        d["checkpoints_dropped"] = self.checkpoints_dropped
        del d["counted"]  # (the JSON's counts are named as before; the line says which)
        if not self.stopped_early:  # (said only where runs were left out)
            for k in ("stopped_early", "stopped_by", "stopped_example", "stopped_at"):
                del d[k]
        if self.one_line is None:  # (said only where the final checkpoints lie on one line)
            del d["one_line"]
        if not self.repeated_ends:  # (said only where final checkpoints are repeated)
            for k in ("repeated_ends", "repeated_apart", "repeated_at"):
                del d[k]
        if self.rose_at_end:
            d["rose_at_end"], d["rose_by"] = list(self.rose_at_end), list(self.rose_by)
        else:  # (said only where some run's loss rose at its end)
            for k in ("rose_at_end", "rose_by", "rose_fix"):
                del d[k]
        if self.undecayed:
            d["undecayed"] = list(self.undecayed)
        else:  # (said only where some run has not decayed)
            for k in ("undecayed", "undecayed_by", "undecayed_fix"):
                del d[k]
        return d

    def describe(self) -> str:
        """One line for the ingest report."""
        what = {
            "final": "kept each run's final checkpoint",
            "all": "kept every checkpoint as its own point",
        }.get(self.policy, f"kept the checkpoint at {self.policy}")
        d = "tokens seen at each checkpoint" if self.d_is_tokens_seen else "each run's final token count"
        zero = [f"{self.zero_rows} of them at D = 0, step 0"] if self.zero_rows else []
        if self.past_end:
            end = _fmt_step(FRACTION_ENDS.get(_norm(self.column), 1.0))
            zero.append(
                f"{self.past_end} past their run's end, {self.column} > {end}: not taken as its final checkpoint"
            )
        said = f" ({'; '.join(zero)})" if zero else ""
        out = (
            f"per-step log (column {self.column!r}, {self.runs} runs): {what}, "
            f"dropped {self.checkpoints_dropped} of {self.rows_in} {self.counted}{said}; D is {d}"
        )
        if self.stopped_early:
            out += (
                f"; left out {self.stopped_early} run{'s' if self.stopped_early > 1 else ''} stopped early (see "
                "the warning)"
            )
        if self.undecayed:
            n = len(self.undecayed)
            ends, its = ("ends", "its") if n == 1 else ("end", "their")
            out += f"; {plural(n, 'run')} {ends} before {its} learning rate decayed (see the warning)"
        if self.one_line is not None:
            out += (
                f"; every final checkpoint has about {self.one_line:.3g} tokens per parameter: laws fitted on them lie "
                "along one line (N*, D* and any model off it not identified), while the log's earlier checkpoints lie "
                "off it: --checkpoints all fits on every checkpoint"
            )
        if self.identity:
            how = "found in the data" if self.identity_detected else "as named"
            out += f"; runs told apart by {self.named_by} with {', '.join(self.identity)} ({how})"
        if self.policy == "all":
            # a probe ladder with a 4 % schedule gap: laws 1–2 % above the finished runs, intervals covering 0 of 6
            out += (
                "; a checkpoint before its run's learning rate has decayed lies above a finished run's loss, so "
                "laws fitted on every checkpoint predict checkpoints, not finished runs (the default keeps each "
                "run's final checkpoint)"
            )
        return out


def _norm(name: str) -> str:
    return schema.norm_name(name)


def find_step_column(columns: Sequence[str], explicit: str | None = None) -> str | None:
    """The step/checkpoint column among ``columns``: ``explicit`` when given (it must exist), else the first of
    ``STEP_NAMES`` present (by normalised name, or by the last ``/``-part of the name)."""
    if explicit is not None:
        if explicit not in columns:
            raise InputError(
                f"no column {explicit!r} to use as the step column (columns: {', '.join(columns)})",
                column=explicit,
            )
        return explicit
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c), c)
        by_norm.setdefault(_norm(c).rsplit("/", 1)[-1], c)
    for name in STEP_NAMES:
        if name in by_norm:
            return by_norm[name]
    return None


def parse_policy(text: str) -> tuple[Policy, float | None]:
    """``"final"``, ``"all"`` or ``"step=K"`` (K may carry a unit: ``step=10k``) as (policy, K)."""
    s = text.strip().lower()
    if s in ("final", "all"):
        return ("final" if s == "final" else "all"), None
    if s.startswith("step="):
        try:
            k = schema.parse_quantity(s[5:])
        except ValueError:
            raise InputError(f"checkpoint policy {text!r}: {s[5:]!r} is not a step number") from None
        return "step", k
    raise InputError(f"unknown checkpoint policy {text!r} (policies: final, step=K, all)")


def _label(kind: Policy, k: float | None) -> str:
    return "final" if kind == "final" else "all" if kind == "all" else f"step={_fmt_step(k)}"


def _fmt_step(k: float | None) -> str:
    if k is None:
        return "?"
    return str(int(k)) if float(k).is_integer() else repr(k)


def describe_policies() -> Mapping[str, str]:
    """The policies and what each keeps (for help texts)."""
    return {
        "final": "each run's final checkpoint (default; the paper's practice)",
        "step=K": "the checkpoint at step K (D must be the tokens seen at each checkpoint)",
        "all": "every checkpoint as its own point (D must be the tokens seen at each checkpoint)",
    }


# ---------------------------------------------------------------------------------------------------------------
# The exact path: a table in memory
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Layout:
    """Where things are in a table: the step column, what D's source name says, the columns a run is named by
    besides its id or size (``id_columns``: named by the caller), the columns that may tell runs apart
    (``candidates``) and what else groups the rows (``inner``: eval, and a metric when there is one)."""

    step: str | None = None
    d_source: str | None = None
    id_columns: tuple[str, ...] = ()
    candidates: tuple[str, ...] = ()
    inner: tuple[str, ...] = ("eval",)


def _stepped(frame: pl.DataFrame, column: str, path: str | None) -> pl.DataFrame:
    s = frame.get_column(column)
    num = s.cast(pl.Float64, strict=False)
    if s.dtype == pl.String and bool((num.is_null() & s.str.strip_chars().str.len_bytes().gt(0)).any()):
        raise InputError("the step column holds values that are not numbers", path=path, column=column)
    return frame.with_columns(num.alias(_STEP))


def _bad_steps(frame: pl.DataFrame, group: Sequence[str]) -> int:
    """Groups holding runs of different lengths: more rows at their first step than at their last (runs that
    started together and ended earlier; their last checkpoints would be lost). Rows repeated at some steps of one
    run (a checkpoint logged twice) or parallel runs of one length (seeds without a seed column) are not."""
    counts = frame.group_by([*group, _STEP]).len()
    ends = counts.group_by(list(group)).agg(
        pl.col("len").sort_by(_STEP).first().alias("first"), pl.col("len").sort_by(_STEP).last().alias("last")
    )
    return int((ends["first"] > ends["last"]).sum())


def _interleaved(frame: pl.DataFrame, group: Sequence[str]) -> dict[str, object] | None:
    """The first (group, step) where runs that nothing tells apart interleave: rows repeated at that step with
    different losses, in a group whose steps do not all hold the same number of rows (runs of one size with
    different lengths or checkpoint intervals; parallel repeats, one row each at every step, are seeds left to
    the reader). None when there is none."""
    if "loss" not in frame.columns or not _dup_steps(frame, group):
        return None
    per = frame.group_by([*group, _STEP]).agg(
        pl.len().alias("_n"),
        pl.col("loss").min().alias("_lo"),
        pl.col("loss").max().alias("_hi"),
    )
    per = per.with_columns(
        (pl.col("_n").n_unique().over(list(group)) > 1).alias("_uneven"),
    )
    hits = per.filter(pl.col("_uneven") & (pl.col("_n") > 1) & (pl.col("_hi") > pl.col("_lo") * (1 + 1e-6)))
    if hits.height == 0:
        return None
    return hits.sort([*group, _STEP]).row(0, named=True)


def _interleaved_error(
    hit: Mapping[str, object], key: Sequence[str], column: str, path: str | None, candidates: Sequence[str]
) -> InputError:
    shown = [c.removeprefix("@") for c in candidates]
    named = f" (not even {', '.join(shown)})" if shown else ""
    at = ", ".join(
        f"{c}={schema.format_quantity(v) if isinstance(v, float) else v}"
        for c, v in hit.items()
        if c in key and c not in ("eval", "_metric")
    )
    return InputError(
        f"several runs share steps in this per-step log and nothing tells them apart{named}: keyed by "
        f"({', '.join(c for c in key if c != '_metric')}, {column}), {hit['_n']} rows at {at}, eval "
        f"{hit.get('eval')}, step {_fmt_step(float(str(hit[_STEP])))} differ ({hit['_lo']:.4g} to "
        f"{hit['_hi']:.4g}): checkpoints of several runs would be taken for one run's",
        path=path,
        column=column,
        hint="add a run_id column, or name the columns that tell runs apart with --run-key COL",
        param="run_key",
    )


def _dup_steps(frame: pl.DataFrame, group: Sequence[str]) -> int:
    """Rows beyond the first at each (group, step): rows that some column may yet tell apart."""
    return frame.height - frame.select([*group, _STEP]).unique().height


def _run_level(frame: pl.DataFrame, key: Sequence[str], column: str) -> bool:
    """Whether ``column`` is constant within runs: its values label groups of several checkpoints, not single
    checkpoints (a per-checkpoint column such as C or a learning-rate schedule labels one step each)."""
    if frame.get_column(column).n_unique() < 2:
        return False
    groups = frame.select([*key, column]).unique().height
    with_step = frame.select([*key, column, _STEP]).unique().height
    return 2 * groups <= with_step


def _identity(frame: pl.DataFrame, base: Sequence[str], lay: _Layout) -> tuple[str, ...]:
    """The candidate columns that tell apart the runs sharing ``base`` (greedy: the one that leaves the fewest
    rows unseparated first, until none is left or no column helps)."""
    inner = list(lay.inner)
    key = list(base)
    found: list[str] = []
    left = _dup_steps(frame, [*key, *inner])
    # where the log names its runs, its learning rate and phase are their schedule, never what tells runs apart:
    # a phase is a stage of a run, and a learning rate that moves along a run id's rows is its schedule. A WSD log
    # whose cooldowns carry the main run's id was split by them on the careful reader (5 → 10 runs by phase, 4 → 12
    # by lr, a mid-cooldown checkpoint kept as a run "ending in decay") and not on the one-pass reader: the same
    # table had two answers by how it was quoted (h95, h99). A model-named id over a sweep of settings is still
    # told apart by the setting (``peak_lr``), or by ``--run-key``.
    schedule = set(schedule_columns(lay.candidates)) if "run_id" in base else set()
    pool = [
        c for c in lay.candidates if c in frame.columns and c not in schedule and _run_level(frame, key, c)
    ]
    while left and pool:
        scored = sorted((_dup_steps(frame, [*key, c, *inner]), i, c) for i, c in enumerate(pool))
        best, _, col = scored[0]
        if best >= left:
            break
        key.append(col)
        found.append(col)
        pool.remove(col)
        left = best
    return tuple(found)


def _varies(frame: pl.DataFrame, group: Sequence[str]) -> pl.DataFrame:
    """Per group where D varies: corr(step, D)."""
    stats = frame.group_by(list(group)).agg(
        pl.col("D").min().alias("d_min"),
        pl.col("D").max().alias("d_max"),
        pl.corr(pl.col(_STEP), pl.col("D").cast(pl.Float64)).alias("corr"),
    )
    return stats.filter(pl.col("d_min") < pl.col("d_max"))


def _seen_like(varies: pl.DataFrame) -> bool:
    return varies.height > 0 and bool((varies["corr"].fill_nan(0.0).fill_null(0.0) >= SEEN_CORRELATION).all())


#: A D column named as the tokens seen, with no step column, makes a per-step log only where a model size holds
#: this many token counts or more (its median over sizes): a final-results table of 1×, 3× token multiples under
#: ``tokens_seen`` was read as one run per size, its smaller runs dropped as early checkpoints (half the runs).
MIN_LOGGED_COUNTS = 4


def _logged_like(frame: pl.DataFrame, lay: _Layout) -> bool:
    """Whether the D values of each model size look like checkpoints of one log (``MIN_LOGGED_COUNTS``)."""
    if not {"dataset", "N", "D"} <= set(frame.columns):
        return True  # the missing column is said below
    group = [c for c in ("dataset", "N", "seed", *lay.inner) if c in frame.columns]
    counts = frame.filter(pl.col("D") > 0).group_by(group).agg(pl.col("D").n_unique().alias("d"))
    return counts.height > 0 and float(counts.get_column("d").median() or 0.0) >= MIN_LOGGED_COUNTS  # type: ignore[arg-type]


def _tokens_seen_of_runs_unknown(frame: pl.DataFrame, base: Sequence[str], inner: Sequence[str]) -> bool:
    """Whether D, read as each run's final count, is the tokens seen by runs no column tells apart: most "runs"
    (D included in the key) hold one checkpoint, yet within one key several D share a step value, over 3 steps or
    more. A ladder's runs of one size logging a fraction done (``frac_done``) or a checkpoint index: every
    checkpoint read as a finished run (the (Mis)Fitting-like probe's predictions 2.2-2.6 % high, "calibrated")."""
    group = [*base, *inner]
    runs = frame.group_by([*group, "D"]).len()
    if runs.height == 0 or float(runs.get_column("len").median() or 0.0) > 1:  # type: ignore[arg-type]
        return False
    at_step = frame.group_by([*group, _STEP]).agg(pl.col("D").n_unique().alias("d"))
    steps = frame.group_by(group).agg(pl.col(_STEP).n_unique().alias("s"))
    return bool((at_step.get_column("d") > 1).any()) and int(steps.get_column("s").max() or 0) >= 3  # type: ignore[arg-type]


def _ambiguous(column: str, path: str | None, candidates: Sequence[str]) -> InputError:
    shown = [c.removeprefix("@") for c in candidates]
    named = f" (not even {', '.join(shown)})" if shown else ""
    return InputError(
        f"several runs share a dataset and size in this per-step log (step column {column!r}) and no column "
        f"of the table tells them apart{named}: l2l cannot tell checkpoints of one run from separate runs",
        path=path,
        column="D",
        hint="add a run_id column, or name the columns that tell runs apart with --run-key COL (or name the D "
        "column tokens_seen if it counts the tokens seen so far and each size has one run)",
        param="run_key",
    )


def _detect_frame(
    frame: pl.DataFrame, lay: _Layout, path: str | None
) -> tuple[CheckpointInfo | None, pl.DataFrame]:
    """Detection on a table in memory; returns the info (None: no step column) and the frame without its rows at
    D = 0, with the step as ``_STEP``."""
    names = frame.columns
    column = find_step_column(names, lay.step)
    d_named_seen = lay.d_source is not None and _norm(lay.d_source) in TOKENS_SEEN_NAMES
    if column is None and d_named_seen and _logged_like(frame, lay):
        column = "D"
    if column is None:
        return None, frame
    missing = [c for c in ("dataset", "N", "D", *lay.inner, *lay.id_columns) if c not in names]
    if missing:
        raise InputError(
            f"a per-step log needs column {missing[0]!r} (columns: {', '.join(names)})", path=path
        )
    zero = frame.get_column("D") == 0
    zero_rows = int(zero.sum())
    frame = _stepped(frame.filter(~zero) if zero_rows else frame, column, path)
    past_end = 0
    if (end := FRACTION_ENDS.get(_norm(column))) is not None:
        past = frame.get_column(_STEP) > end * (1 + 1e-9)
        past_end = int(past.sum())
        frame = frame.filter(~past) if past_end else frame
    if frame.height == 0:
        return None, frame
    has_run_id = "run_id" in names and frame.get_column("run_id").null_count() < frame.height
    base = ["dataset", "run_id" if has_run_id else "N"]
    base += [c for c in ("seed", "split") if c in names and frame.get_column(c).null_count() < frame.height]
    base += [c for c in lay.id_columns if c not in base]
    base = [c for c in dict.fromkeys(base) if c not in (column, "D")]
    inner = list(lay.inner)
    identity: tuple[str, ...] = tuple(c for c in lay.id_columns if c in base)
    detected = False
    if _dup_steps(
        frame, [*base, *inner]
    ):  # (a "run id" may name a model size, not a run: e.g. a model column)
        found = _identity(frame, base, lay)
        if found:
            base += list(found)
            identity, detected = (*identity, *found), True
    key = list(base)
    varies = _varies(frame, [*key, *inner])
    tokens_seen = column == "D" or (varies.height > 0 and (d_named_seen or _seen_like(varies)))
    if not tokens_seen:
        key.append("D")  # D is each run's final count: it separates runs of one key
        if _tokens_seen_of_runs_unknown(frame, base, inner):
            raise _ambiguous(column, path, [c for c in lay.candidates if c not in key])
    if _bad_steps(frame, [*key, *inner]):
        raise _ambiguous(column, path, [c for c in lay.candidates if c not in key])
    # (with run ids, rows repeated at a step are one run's glitches: the (Mis)Fitting log logs a few twice)
    if not has_run_id and (hit := _interleaved(frame, [*key, *inner])) is not None:
        raise _interleaved_error(
            hit, [*key, *inner], column, path, [c for c in lay.candidates if c not in key]
        )
    stats = frame.group_by([*key, *inner]).agg(
        pl.len().alias("rows"), pl.col(_STEP).min().alias("step_min"), pl.col(_STEP).max().alias("step_max")
    )
    per_step = stats.filter(pl.col("step_min") < pl.col("step_max"))
    info = CheckpointInfo(
        column=column,
        runs=stats.select(key).unique().height,
        rows=frame.height + zero_rows + past_end,
        checkpoints_per_run=int(per_step["rows"].max()) if per_step.height else 1,  # type: ignore[arg-type]
        d_is_tokens_seen=tokens_seen,
        key=tuple(key),
        step_min=float(stats["step_min"].min()),  # type: ignore[arg-type]
        step_max=float(stats["step_max"].max()),  # type: ignore[arg-type]
        identity=identity,
        zero_rows=zero_rows,
        past_end=past_end,
    )
    return info, frame.with_columns(pl.lit(detected).alias("_l2l_detected"))


def _progress(columns: Sequence[str], step_column: str) -> tuple[pl.Expr, str] | None:
    """How far into its planned length each row is (1 = its end), and the column(s) that say so: the step column
    itself when it counts the fraction done, else a fraction-done column beside it, else the step over a total-steps
    column (the step counting steps). None when nothing in the table tells. Columns may carry the reader's ``@``."""
    by_norm: dict[str, str] = {}
    for c in columns:
        by_norm.setdefault(_norm(c.removeprefix("@")), c)
    if (end := FRACTION_ENDS.get(_norm(step_column))) is not None:
        return pl.col(_STEP) / end, step_column
    for name, end in FRACTION_ENDS.items():
        if name in by_norm:
            col = by_norm[name]
            return pl.col(col).cast(pl.Float64, strict=False) / end, col.removeprefix("@")
    if _norm(step_column) in STEP_COUNTS:
        for name in TOTAL_STEPS_NAMES:
            if name in by_norm:
                col = by_norm[name]
                total = pl.col(col).cast(pl.Float64, strict=False)
                return pl.when(total > 0).then(
                    pl.col(_STEP) / total
                ), f"{step_column}/{col.removeprefix('@')}"
    return None


def _unfinished(
    frame: pl.DataFrame, key: Sequence[str], step_column: str, path: str | None = None
) -> tuple[pl.DataFrame, dict[str, object]]:
    """The last checkpoints (one row per run and eval, the step as ``_STEP``) of the runs that reached their
    planned end (``FINISHED``), and what was left out (``CheckpointReport``'s ``stopped_*`` fields; empty when
    nothing was, or nothing tells). Raises InputError when every run stopped early."""
    found = _progress(frame.columns, step_column)
    if found is None or frame.height == 0:
        return frame, {}
    expr, by = found
    reached = frame.with_columns(expr.max().over(list(key)).alias("_l2l_reached"))
    short = reached.get_column("_l2l_reached") < FINISHED - FINISHED_ROUNDING
    if not bool(short.any()):
        return frame, {}
    stopped = reached.filter(short).select(*key, "_l2l_reached").unique().sort([*key])
    first = stopped.row(0, named=True)
    example = _run_name(first)
    what = {
        "stopped_early": stopped.height,
        "stopped_by": by,
        "stopped_example": example,
        "stopped_at": float(first["_l2l_reached"]),
    }
    if bool(short.all()):
        raise InputError(
            f"every run of this per-step log stopped before {FINISHED:.0%} of its planned length ({by}; e.g. "
            f"{example} at {float(first['_l2l_reached']):.2g}): no finished run to fit a law on",
            path=path,
            column=by.split("/")[0],
            hint="a law of finished runs needs runs that finished; to fit the checkpoints as they are: l2l ingest "
            "--checkpoints all",
            param="checkpoints",
        )
    return frame.filter(~short), what


def says_progress(column: str) -> bool:
    """Whether ``column`` is named like a run's progress (``frac_done``) or planned length (``total_steps``): read
    by ``_progress`` to tell the runs that stopped early."""
    return _norm(column) in FRACTION_ENDS or _norm(column) in TOTAL_STEPS_NAMES


def _run_name(row: Mapping[str, object]) -> str:
    """A run as notes name it: its run id, else its dataset and size."""
    if row.get("run_id") is not None:
        return str(row["run_id"])
    if row.get("N") is not None:
        return f"{row['dataset']} at N={float(str(row['N'])):.3g}"
    return str(row["dataset"])


def schedule_columns(columns: Sequence[str]) -> tuple[str | None, str | None]:
    """The learning-rate column and the phase column among ``columns`` (``LR_NAMES``, ``PHASE_NAMES``; names may
    carry the reader's ``@``), None where there is none."""

    def find(names: Sequence[str]) -> str | None:
        for c in columns:
            n = _norm(c.removeprefix("@"))
            if n in names or n.rsplit("/", 1)[-1] in names:
                return c
        return None

    return find(LR_NAMES), find(PHASE_NAMES)


def _moving(frame: pl.DataFrame, key: Sequence[str], columns: Sequence[str | None]) -> list[str]:
    """Those of ``columns`` (None: none) whose value changes within some run (``key``) of ``frame``."""
    # (a column of the key tells runs apart, and so is constant within each: a WSD log's phase where its cooldowns
    # carry the main run's id, which the careful reader refused as "internal error (DuplicateError …)": h95)
    names = [c for c in columns if c is not None and c in frame.columns and c not in key]
    if not names or frame.height == 0:
        return []
    moves = (
        frame.group_by(list(key)).agg(pl.col(c).n_unique().alias(c) for c in names).select(names).max().row(0)
    )
    return [c for c, n in zip(names, moves, strict=True) if n is not None and n > 1]


def _schedule_ends(frame: pl.DataFrame, key: Sequence[str]) -> pl.DataFrame | None:
    """Per run (``key``) of a per-step log (the step as ``_STEP``): whether it logged several checkpoints, its
    learning rate at its last checkpoint, its peak and its least, and its phase at its last checkpoint (the
    columns ``_undecayed`` reads); None when the table logs neither a learning rate nor a phase."""
    lr, phase = schedule_columns(frame.columns)
    if lr is None and phase is None:
        return None
    aggs = [(pl.col(_STEP).n_unique() > 1).alias("_logged")]
    if "N" in frame.columns and "N" not in key:
        aggs.append(pl.col("N").first())
    if lr is not None:
        rate = pl.col(lr).cast(pl.Float64, strict=False)
        aggs += [
            rate.sort_by(_STEP).last().alias("_lr_end"),
            rate.max().alias("_lr_max"),
            rate.min().alias("_lr_min"),
        ]
    if phase is not None:
        aggs.append(pl.col(phase).cast(pl.String).sort_by(_STEP).last().alias("_phase_end"))
        # a decay phase on some checkpoint of the run, the last or an earlier one (cooldown branches logged under
        # the main run's id: helper h95)
        aggs.append(pl.col(phase).cast(pl.String).unique().alias("_phases"))
    return frame.group_by(list(key)).agg(aggs)


def _leave_out(flagged: Sequence[str], others: Sequence[str]) -> str:
    """The ``--where`` that leaves the runs ``flagged`` out and keeps ``others``: a glob on the name part they share
    (``run_id!=*-main``) where it matches none of the others, else the runs named."""
    from fnmatch import fnmatchcase

    seps = "-_/.:"
    tail = flagged[0]
    for name in flagged[1:]:
        while tail and not name.endswith(tail):
            tail = tail[1:]
    head = flagged[0]
    for name in flagged[1:]:
        while head and not name.startswith(head):
            head = head[:-1]
    cut = min((tail.find(c) for c in seps if c in tail), default=-1)
    tail = tail[cut:] if cut >= 0 else ""
    cut = max((head.rfind(c) for c in seps if c in head), default=-1)
    head = head[: cut + 1] if cut >= 0 else ""
    for glob in (f"*{tail}" if tail else "", f"{head}*" if head else ""):
        if glob and len(glob) > 2 and not any(fnmatchcase(o, glob) for o in others):
            return f"--where 'run_id!={glob}'"
    if len(flagged) <= 4:
        return " ".join(f"--where 'run_id!={r}'" for r in flagged)
    return f"--where 'run_id!=RUN' for each (RUN: {some_of(flagged)})"


def _undecayed(
    ends: pl.DataFrame, key: Sequence[str], lr: str | None, phase: str | None
) -> dict[str, object]:
    """The runs kept whose last checkpoint comes before their learning rate decayed (``CheckpointReport``'s
    ``undecayed*`` fields; empty when none). ``ends``: per run, or per run and eval (``_schedule_ends``' columns).

    Two signals: a learning-rate column that is a schedule (it changes within some run, not a run's setting) at
    ``UNDECAYED`` of its run's peak or more at the run's last checkpoint, the run having logged several; a phase
    column reading a phase before the decay (``BEFORE_DECAY``: ``stable``, ``constant``, ``main``) there."""
    cols = [c for c in ("_lr_end", "_lr_max", "_lr_min", "_phase_end") if c in ends.columns]
    runs = ends.group_by(list(key), maintain_order=True).agg(
        pl.col("_logged").any(),
        *[pl.col(c).max() if c != "_lr_min" else pl.col(c).min() for c in cols if c != "_phase_end"],
        *([pl.col("_phase_end").first()] if "_phase_end" in cols else []),
        *([pl.col("_phases").explode()] if "_phases" in ends.columns else []),
        *([pl.col("N").first()] if "N" in ends.columns and "N" not in key else []),
    )
    runs = runs.sort([c for c in ("dataset", "N", "run_id") if c in runs.columns] or list(key))
    flag = pl.Series([False] * runs.height)
    said: list[str] = []
    fix: list[str] = []
    if lr is not None and "_lr_end" in runs.columns:
        end, peak = runs["_lr_end"], runs["_lr_max"]
        schedule = bool((peak > runs["_lr_min"]).fill_null(False).any())
        high = (runs["_logged"] & (end > 0) & (end >= UNDECAYED * peak)).fill_null(False)
        if schedule and bool(high.any()):
            flag = flag | high
            at = end.filter(high).unique()
            top = bool((end.filter(high) >= peak.filter(high)).all())
            value = f" {_fmt_step(float(at[0]))}" if at.len() == 1 else ""
            said.append(
                f"{lr.removeprefix('@')}{value} at the last checkpoint, "
                + ("the run's peak" if top else f"{UNDECAYED:.0%} of the run's peak or more")
            )
    if phase is not None and "_phase_end" in runs.columns:
        names = runs["_phase_end"].fill_null("").map_elements(_norm, return_dtype=pl.String)
        before, decayed = names.is_in(list(BEFORE_DECAY)), names.is_in(list(DECAY))
        flag = flag & ~decayed  # (a phase that says the run ended in its decay is taken at its word)
        said = said if bool(flag.any()) else []
        if bool(before.any()):
            flag = flag | before
            shown = ", ".join(repr(v) for v in runs["_phase_end"].filter(before).unique(maintain_order=True))
            col = phase.removeprefix("@")
            others = ""
            if bool(decayed.any()):
                ends_in = runs["_phase_end"].filter(decayed).mode().sort()[0]
                k = int(decayed.sum())
                others = f" while {plural(k, 'run')} end{'s' if k == 1 else ''} in {ends_in!r}"
                fix.append(f"--where {col}={ends_in}" if " " not in ends_in else f"--where '{col}={ends_in}'")
            # a run ending before its decay whose earlier checkpoints are in a decay phase: cooldown branches logged
            # under the main run's id, which no --where tells apart (--where PHASE=… keeps the last branch's end)
            inside = before & (
                runs["_phases"].map_elements(
                    lambda vs: any(v is not None and _norm(v) in DECAY for v in vs), return_dtype=pl.Boolean
                )
                if "_phases" in runs.columns
                else pl.Series([False] * runs.height)
            )
            if bool(inside.any()):
                k = int(inside.sum())
                others += (
                    f"; {'its' if k == 1 else f'{k} of them'} in a decay phase at earlier checkpoints: cooldown "
                    "branches logged under the main run's id? l2l takes them as one run, and a --where on the phase "
                    "keeps only the last branch's end of each: give each branch a run id of its own"
                )
            said.append(
                f"{col} {shown} there{others}" if said else f"{col} {shown} at the last checkpoint{others}"
            )
    if not bool(flag.any()):
        return {}
    named = [_run_name(r) for r in runs.filter(flag).iter_rows(named=True)]
    rest = [_run_name(r) for r in runs.filter(~flag).iter_rows(named=True)]
    # (no fix that leaves every run out, or a kept run under a flagged one's id: a WSD log of one id per size, its
    # cooldowns under it, told apart by their phase, h95)
    if "run_id" in runs.columns and rest and not set(named) & set(rest):
        fix.append(_leave_out(named, rest))
    return {
        "undecayed": tuple(named),
        "undecayed_by": "; ".join(said),
        "undecayed_fix": " or ".join(fix) if fix else None,
    }


def _policy_error(label: str, info: CheckpointInfo, path: str | None) -> InputError:
    return InputError(
        f"checkpoint policy {label} needs D to be the tokens seen at each checkpoint, but D is the same "
        f"at every checkpoint of a run (each run's final token count)",
        path=path,
        column=info.column,
        hint="keep each run's final checkpoint, or give D as the tokens seen so far (e.g. a tokens_seen "
        "column mapped to D)",
        param="checkpoints",
    )


def _repeated_ends(
    kept: pl.DataFrame, frame: pl.DataFrame, group: Sequence[str], column: str
) -> dict[str, object]:
    """Where (run, eval) groups of ``group`` hold several rows at their final checkpoint (``kept``: the final rows)
    and at an earlier one of the log (``frame``) too: runs interleaved under one key, whose final checkpoints the
    reader then averages as one measurement ((Mis)Fitting's sweep of 2-4 runs per key, 56 % apart at one step, was
    averaged as "repeated with nothing telling the rows apart"; h3). How many such groups, the widest relative
    spread of the loss among their rows at one earlier checkpoint, and where; empty where no such rows differ (a
    resumed run re-logging its last checkpoint repeats that one only)."""
    if "loss" not in frame.columns:
        return {}
    ends = kept.group_by(list(group)).len().filter(pl.col("len") > 1).select(group)
    if ends.height == 0:
        return {}
    rows = frame.join(ends, on=list(group), how="semi", nulls_equal=True)
    if "_metric" in rows.columns:
        rows = rows.filter(pl.col("_metric") == "loss")
    loss = pl.col("loss").cast(pl.Float64, strict=False)
    per = (
        rows.filter(pl.col(_STEP) < pl.col(_STEP).max().over(list(group)))
        .group_by([*group, _STEP])
        .agg(pl.len().alias("_n"), loss.min().alias("_lo"), loss.max().alias("_hi"))
        .filter((pl.col("_n") > 1) & (pl.col("_lo") > 0) & (pl.col("_hi") > pl.col("_lo")))
        .with_columns((pl.col("_hi") / pl.col("_lo") - 1.0).alias("_apart"))
        .sort(["_apart", *group, _STEP], descending=[True, *([False] * (len(group) + 1))])
    )
    if per.height == 0:
        return {}
    top = per.row(0, named=True)
    at = ", ".join(
        f"{c.removeprefix('@')}={schema.format_quantity(v) if isinstance(v, float) else v}"
        for c, v in top.items()
        if c in group and c not in ("eval", "_metric")
    )
    return {
        "repeated_ends": per.select(group).unique().height,
        "repeated_apart": float(top["_apart"]),
        "repeated_at": f"{at}, eval {top.get('eval')}, {column} {_fmt_step(float(top[_STEP]))}: "
        f"{float(top['_lo']):.4g} to {float(top['_hi']):.4g}",
    }


def _one_line(kept: pl.DataFrame, every: pl.DataFrame) -> float | None:
    """The tokens per parameter of the final checkpoints kept where they all lie on one line (D/N within
    ``MIN_RATIO_SPREAD``) while the log's checkpoints do not: a ladder of one run per size, each trained to the same
    D/N, whose laws are then fitted along that line only (p70: E 0.07 for a true 1.8, 3 % low at 4× N, where every
    checkpoint gave the truth). None otherwise, or where N or D is no number yet."""
    if not {"N", "D"} <= set(kept.columns):
        return None

    def ratios(f: pl.DataFrame) -> list[float]:
        r = f.select(
            (pl.col("D").cast(pl.Float64, strict=False) / pl.col("N").cast(pl.Float64, strict=False)).alias(
                "r"
            )
        ).get_column("r")
        return [float(x) for x in r.drop_nulls().to_list() if math.isfinite(x) and x > 0]

    final, every_ratio = ratios(kept), ratios(every)
    if len(final) < 2 or not every_ratio:
        return None
    on_line = max(final) < min(final) * MIN_RATIO_SPREAD
    spread = max(every_ratio) >= min(every_ratio) * MIN_RATIO_SPREAD
    return statistics.median(final) if on_line and spread else None


def _select(
    frame: pl.DataFrame,
    info: CheckpointInfo,
    kind: Policy,
    k: float | None,
    inner: Sequence[str],
    path: str | None,
) -> tuple[pl.DataFrame, CheckpointReport]:
    label = _label(kind, k)
    if kind != "final" and info.per_step and not info.d_is_tokens_seen:
        raise _policy_error(label, info, path)
    detected = bool(frame.get_column("_l2l_detected").any()) if "_l2l_detected" in frame.columns else False
    frame = frame.drop("_l2l_detected", strict=False)

    def done(report: CheckpointReport) -> CheckpointReport:
        return replace(
            report,
            zero_rows=info.zero_rows,
            past_end=info.past_end,
            identity=info.identity,
            identity_detected=detected,
            named_by="run_id" if "run_id" in info.key else "N",
        )

    # a learning rate or phase that moves within a run is its schedule, not a setup telling runs apart (below, for
    # the final checkpoints: h18); every checkpoint of two runs of different lengths meeting at one (N, D) was
    # refused as "runs that differ in train/lr", its hint `--where train/lr=0.00015` (h50)
    moving = _moving(frame, info.key, schedule_columns(frame.columns))
    if kind == "all":
        out = frame.drop(_STEP, *moving)
        return out, done(
            CheckpointReport(info.column, label, info.runs, info.rows, out.height, info.d_is_tokens_seen)
        )
    if kind == "step":
        out = frame.filter(pl.col(_STEP) == k)
        if out.height == 0:
            raise InputError(
                f"no checkpoint at step {_fmt_step(k)} (steps run from {_fmt_step(info.step_min)} to "
                f"{_fmt_step(info.step_max)})",
                path=path,
                column=info.column,
                param="checkpoints",
            )
        runs_at = out.select(list(info.key)).unique().height
        return out.drop(_STEP, *moving), done(
            CheckpointReport(
                info.column,
                label,
                runs_at,
                info.rows,
                out.height,
                info.d_is_tokens_seen,
                runs_without_step=info.runs - runs_at,
            )
        )
    group = [*info.key, *inner]
    last = pl.col(_STEP).max().over(group)
    out = frame.filter(pl.col(_STEP) == last)
    ends = out.select(*group, _STEP).unique()
    early = int(ends.select((pl.col(_STEP) < pl.col(_STEP).max().over(list(info.key))).sum()).item())
    out, stopped = _unfinished(out, info.key, info.column, path)
    repeated = _repeated_ends(out, frame, group, info.column)
    undecayed: dict[str, object] = {}
    if (schedule := _schedule_ends(frame, info.key)) is not None:
        kept = schedule.join(
            out.select(list(info.key)).unique(), on=list(info.key), how="semi", nulls_equal=True
        )
        undecayed = _undecayed(kept, info.key, *schedule_columns(frame.columns))
    # a learning rate or phase that moves within a run is its schedule, not a setup telling runs apart: a run stopped
    # mid-schedule beside a finished one at its D refused the log as "runs that differ in lr", its hint `--where
    # lr=0.0` (h18), where the warning above names it and keeps it
    rose = _rose_at_end(out, frame, info.key, inner, info.column)
    out = out.drop(moving)
    return out.drop(_STEP), done(
        CheckpointReport(
            info.column,
            label,
            info.runs,
            info.rows,
            out.height,
            info.d_is_tokens_seen,
            one_line=_one_line(out, frame) if info.d_is_tokens_seen else None,
            evals_before_final=early,
            **stopped,  # type: ignore[arg-type]
            **undecayed,  # type: ignore[arg-type]
            **repeated,  # type: ignore[arg-type]
            **rose,  # type: ignore[arg-type]
        )
    )


def _rose_at_end(
    kept: pl.DataFrame, frame: pl.DataFrame, key: Sequence[str], inner: Sequence[str], column: str
) -> dict[str, object]:
    """The runs of ``kept`` (the final checkpoints, the step as ``_STEP``) whose loss there lies ``ROSE_AT_END`` or
    more above the run's own previous checkpoint in ``frame`` (on some eval; accuracies, which rise, aside; rows
    repeated at one step averaged): ``CheckpointReport``'s ``rose_*`` fields, empty when none. A run that diverged
    at its end was kept as finished without a word (h76)."""
    if "loss" not in frame.columns or kept.height == 0:
        return {}
    group = [*key, *inner]
    rows = frame.filter(pl.col("_metric") != "accuracy") if "_metric" in frame.columns else frame
    step, loss = pl.col(_STEP), pl.col("loss").cast(pl.Float64, strict=False)
    prev = step.filter(step < step.max()).max()
    # one aggregation of few groups (a group per run and eval, and its two last steps within it): a group per
    # checkpoint, then joins and a sort, cost a 2-million-row log 4 s of CPU more than its whole read
    rise = (
        rows.group_by(group)
        .agg(
            step.max().alias("_end"),
            prev.alias("_prev"),
            loss.filter(step == step.max()).mean().alias("_loss"),
            loss.filter(step == prev).mean().alias("_prev_loss"),
        )
        .filter(pl.col("_prev_loss") > 0)
        .with_columns((pl.col("_loss") / pl.col("_prev_loss")).alias("_rise"))
        .filter(pl.col("_rise") >= ROSE_AT_END)
        .join(kept.select(group).unique(), on=group, how="semi", nulls_equal=True)  # (no run stopped early)
    )
    if rise.height == 0:
        return {}
    top = rise.sort("_rise", descending=True).unique(list(key), keep="first", maintain_order=True)
    named, said = [], []
    for r in top.iter_rows(named=True):
        name = _rose_name(r, key)
        ev = f" ({r['eval']})" if r.get("eval") is not None else ""
        named.append(name)
        said.append(
            f"{name}{ev}: {r['_prev_loss']:.4g} at {column} {_fmt_at(r['_prev'])} → {r['_loss']:.4g} at "
            f"{column} {_fmt_at(r['_end'])}, +{r['_rise'] - 1:.0%}"
        )
    fix: list[str] = []
    if "run_id" in key and set(key) <= {"dataset", "N", "D", "run_id", "split"}:  # (names that are run ids)
        rest = kept.select("run_id").unique().filter(~pl.col("run_id").is_in(named)).get_column("run_id")
        them = "it" if len(named) == 1 else "them"
        fix.append(f"{_leave_out(named, [str(v) for v in rest.to_list()])} leaves {them} out")
    end = float(top.select(pl.col("_end").min()).item())
    flagged = top.select(list(key)).unique()
    later = frame.join(flagged, on=list(key), how="anti", nulls_equal=True).filter(pl.col(_STEP) >= end)
    if later.height == 0 and bool((top["_end"] == end).all()):  # (no other run's checkpoint is left out)
        fix.append(f"--where '{column}<{_fmt_at(end)}' keeps the checkpoint before")
    return {
        "rose_at_end": tuple(named),
        "rose_by": tuple(said),
        "rose_fix": " or ".join(fix) if fix else None,
    }


def _rose_name(row: Mapping[str, object], key: Sequence[str]) -> str:
    """A run as ``_rose_at_end`` names it: its run id (else its dataset and size) and the other columns of its key
    (a log whose run ids are model names tells runs apart by their learning rate, their sweep)."""
    rest = [
        f"{c.removeprefix('@')}={row[c]}"
        for c in key
        if c not in ("dataset", "N", "D", "run_id", "split") and row.get(c) is not None
    ]
    return _run_name(row) + (f" ({', '.join(rest)})" if rest else "")


def _fmt_at(k: float) -> str:
    """A checkpoint's step as a note names it: a whole number whole, a fraction done to 4 digits (0.9387)."""
    return str(int(k)) if float(k).is_integer() else f"{k:.4g}"


def select_frame(
    frame: pl.DataFrame,
    policy: str = "final",
    *,
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    candidates: Sequence[str] = (),
    inner: Sequence[str] = ("eval",),
    path: str | None = None,
) -> tuple[pl.DataFrame, CheckpointReport | None]:
    """The rows of ``frame`` (canonical columns, plus the step column under its own name) that ``policy`` keeps,
    and a report; ``(frame, None)`` unchanged when it is not a per-step log (no step column, or one checkpoint
    per run). ``candidates``: further columns that may tell runs apart when there is no run id; ``inner``: what
    besides the run groups the rows (the eval, and a metric)."""
    kind, k = parse_policy(policy)
    lay = _Layout(step_column, d_source, tuple(id_columns), tuple(candidates), tuple(inner))
    info, stepped = _detect_frame(frame, lay, path)
    if info is None or not info.per_step:
        if info is not None and info.zero_rows:
            raise InputError(
                "D = 0 in a table with one checkpoint per run (only a per-step log may hold step-0 rows)",
                path=path,
                column="D",
            )
        return frame, None
    return _select(stepped, info, kind, k, inner, path)


def detect_checkpoints(
    lf: pl.LazyFrame | pl.DataFrame,
    *,
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    path: str | None = None,
) -> CheckpointInfo | None:
    """Find the step column and how the table uses it; None when the table has no step column. Raises
    ``InputError`` for a step column that is not numeric, or for a log whose checkpoints cannot be told from
    runs."""
    frame = lf.collect() if isinstance(lf, pl.LazyFrame) else lf
    lay = _Layout(step_column, d_source, tuple(id_columns), tuple(_extra_columns(frame.columns)))
    return _detect_frame(frame, lay, path)[0]


def select_checkpoints(
    lf: pl.LazyFrame | pl.DataFrame, info: CheckpointInfo, policy: str = "final", *, path: str | None = None
) -> tuple[pl.DataFrame, CheckpointReport]:
    """The rows ``policy`` keeps of a table whose checkpoints ``detect_checkpoints`` found (same columns)."""
    frame = lf.collect() if isinstance(lf, pl.LazyFrame) else lf
    step = None if info.column == "D" else info.column  # (D itself: a tokens-seen column is its own step)
    lay = _Layout(step, "tokens_seen" if step is None else None, info.identity, info.identity)
    found, stepped = _detect_frame(frame, lay, path)
    assert found is not None
    kind, k = parse_policy(policy)
    return _select(stepped, found, kind, k, ("eval",), path)


def apply_checkpoints(
    lf: pl.LazyFrame | pl.DataFrame,
    policy: str = "final",
    *,
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    path: str | None = None,
) -> tuple[pl.LazyFrame | pl.DataFrame, CheckpointReport | None]:
    """Detect and select in one call: ``(lf, None)`` unchanged when the table is not a per-step log, else the
    kept rows and the report. Columns other than the canonical ones and the step may tell runs apart."""
    parse_policy(policy)  # a bad policy is an error even for a table without checkpoints
    frame = lf.collect() if isinstance(lf, pl.LazyFrame) else lf
    out, report = select_frame(
        frame,
        policy,
        step_column=step_column,
        d_source=d_source,
        id_columns=id_columns,
        candidates=_extra_columns(frame.columns),
        path=path,
    )
    return (lf, None) if report is None else (out, report)


def _extra_columns(names: Sequence[str]) -> list[str]:
    canon = {*schema.COLUMNS, "seed", "metric"}
    step = find_step_column(names)
    return [c for c in names if c not in canon and c != step and not c.startswith("_")]


# ---------------------------------------------------------------------------------------------------------------
# The fast path: a log with run ids, final checkpoints, in one streaming pass
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FastSelection:
    """What the one-pass aggregation found: the kept rows (one per run and eval: its last checkpoint) and the
    report, or ``report`` None when the table is not a per-step log (``frame`` is then every row); ``checks``:
    per group, ``_bad``: whether some row failed the caller's value check (the ``bad`` expression)."""

    frame: pl.DataFrame
    report: CheckpointReport | None
    checks: pl.DataFrame = field(repr=False)
    #: False: the one pass cannot decide (D varies within a run id but not with the step, or rows at D = 0 in a
    #: table with one checkpoint per run): take the exact path
    ok: bool = True
    #: whether a second streaming pass counted each group's distinct steps (``_repeats``: a column besides the
    #: schedule changes within some group whose rows are interleaved with other groups' or out of step order)
    steps_counted: bool = False


def final_checkpoints_fast(
    lf: pl.LazyFrame,
    *,
    step: str,
    group: Sequence[str],
    values: Sequence[str],
    bad: pl.Expr,
    d_named_seen: bool = False,
) -> FastSelection:
    """Each (``group``) row set's last checkpoint, in one streaming ``group_by().agg()`` over ``lf``.

    ``group``: the run key and what else groups rows (dataset, run_id, split, seed, eval, metric); ``values``:
    the columns to take at the last step (``max_by``: N, D, C, loss, ...); ``bad``: a Boolean per row, true where
    a value fails the caller's check (aggregated as ``any``). Rows at D = 0 are counted and left out of the D
    statistics (they are never a run's last checkpoint unless the run has nothing else, which the caller refuses).
    """
    s = pl.col(_STEP)
    d_pos = pl.when(pl.col("D") != 0).then(pl.col("D"))
    aggs = [
        pl.len().alias("_rows"),
        (pl.col("D") == 0).sum().alias("_zeros"),
        s.min().alias("_step_min"),
        s.max().alias("_step_max"),
        d_pos.min().alias("_d_min"),
        d_pos.max().alias("_d_max"),
        pl.corr(s, d_pos).alias("_corr"),
        *[pl.col(c).max_by(_STEP).alias(c) for c in values],
        # one row-wise Boolean, aggregated once: a min, a max and a null count per checked column cost nine
        # group aggregations (0.1-0.2 s of CPU on a 10^7-row log)
        bad.any().alias("_bad"),
    ]
    lr, phase = schedule_columns(values)
    if lr is not None:  # (its value at the last step is among the values)
        rate = pl.col(lr).cast(pl.Float64, strict=False)
        aggs += [rate.max().alias("_lr_max"), rate.min().alias("_lr_min")]
    if phase is not None:
        aggs.append(pl.col(phase).cast(pl.String).unique().alias("_phases"))  # (how many: ``_fast_moving``)
    setup = _setup_columns(values, lr, phase)
    aggs += _repeat_aggs(values, setup)
    stepped = lf.with_columns(pl.col(step).alias(_STEP))
    flagged = stepped.with_columns(**_order_flags(group)) if setup else stepped
    agg = flagged.group_by(list(group)).agg(aggs).collect(engine="streaming")
    checks = agg.select([*group, "_bad"])
    rows = int(agg["_rows"].sum())
    zeros = int(agg["_zeros"].sum())
    varies = agg.filter(pl.col("_d_min") < pl.col("_d_max"))
    seen = varies.height > 0 and bool(
        (varies["_corr"].fill_nan(0.0).fill_null(0.0) >= SEEN_CORRELATION).all() or d_named_seen
    )
    if varies.height and not seen:
        return FastSelection(agg, None, checks, ok=False)
    repeats, counted = _repeats(agg, stepped, group)
    if repeats:  # (the exact path keeps, tells apart or refuses them)
        return FastSelection(agg, None, checks, ok=False, steps_counted=counted)
    if "_loss_min" in agg.columns and bool(
        (agg["loss"] >= ROSE_AT_END * agg["_loss_min"]).fill_null(False).any()
    ):
        # a final loss above the run's lowest: maybe above its previous checkpoint, which the exact path tells and
        # warns of (``_rose_at_end``)
        return FastSelection(agg, None, checks, ok=False)
    end = FRACTION_ENDS.get(_norm(step))
    if end is not None and bool((agg["_step_max"] > end * (1 + 1e-9)).any()):
        return FastSelection(agg, None, checks, ok=False)  # rows past a run's end: the exact path drops them
    per_step = agg.filter(pl.col("_step_min") < pl.col("_step_max"))
    frame = agg.select([*group, *values])
    if not per_step.height:
        return FastSelection(frame, None, checks, ok=zeros == 0, steps_counted=counted)
    key = [c for c in group if c not in ("eval", "metric")]
    run_end = pl.col("_step_max").max().over(key)
    early = int(agg.select((pl.col("_step_max") < run_end).sum()).item())
    if _progress([*values, *group], step) is not None:  # runs stopped early: the exact path leaves them out
        try:
            stopped = _unfinished(agg.with_columns(pl.col("_step_max").alias(_STEP)), key, step)[1]
        except InputError:  # (every run stopped early: refused by the exact path, which names the file)
            stopped = {"stopped_early": 1}
        if stopped:
            return FastSelection(agg, None, checks, ok=False)
    frame = frame.drop(_fast_moving(agg, lr, phase))  # a schedule, no setup (as the exact path's ``_moving``)
    report = CheckpointReport(
        step,
        "final",
        agg.select(key).unique().height,
        rows,
        agg.height,
        seen,
        evals_before_final=early,
        zero_rows=zeros,
        **_fast_undecayed(agg, key, lr, phase),  # type: ignore[arg-type]
    )
    return FastSelection(frame, report, checks, steps_counted=counted)


def _setup_columns(values: Sequence[str], lr: str | None, phase: str | None) -> list[str]:
    """The columns that may tell runs under one id apart (a model-named id over a sweep: ``_identity``; never the
    schedule): every column the one pass carries besides the canonical ones, the learning rate and the phase."""
    return [c for c in values if c not in schema.COLUMNS and c not in (lr, phase)]


def _order_flags(group: Sequence[str]) -> dict[str, pl.Expr]:
    """Per row, against the row before it in the file (row-wise, so they stream): ``_l2l_new``, the row starts a
    block of its group (the first row, or another group's row before it); ``_l2l_back``, the row continues its
    group's block at a step no higher than the row before (or either step is missing). A group whose rows make one
    block (``_l2l_new`` summed: 1) with no such step (``_l2l_back``: none) lists each step once, rising: it repeats
    none. Ordered, they stream; a hash of every group's steps held 1.1 GB for 10^7 rows (h104)."""
    s = pl.col(_STEP)
    new = pl.any_horizontal([pl.col(c).ne_missing(pl.col(c).shift(1)) for c in group])
    return {"_l2l_new": new, "_l2l_back": ~new & ~(s > s.shift(1)).fill_null(False)}


def _repeat_aggs(values: Sequence[str], setup: Sequence[str]) -> list[pl.Expr]:
    """The one pass's aggregations that tell where a group repeats a step (``_repeats``)."""
    s = pl.col(_STEP)
    aggs: list[pl.Expr] = []
    # whether a setup column (``_setup_columns``) changes within some group (then ``_repeats`` asks whether some
    # group repeats a step: from the order of its rows, ``_order_flags``, or by counting its distinct steps)
    aggs += [
        ((pl.col(c).max() != pl.col(c).min()) | pl.col(c).is_null().any() & pl.col(c).is_not_null().any())
        .fill_null(False)
        .alias(f"_setup_moves{i}")
        for i, c in enumerate(setup)
    ]
    if setup:
        aggs += [pl.col("_l2l_new").sum().alias("_blocks"), pl.col("_l2l_back").any().alias("_back")]
    if "loss" in values:
        # rows repeated at a run's last step, or at its first, with different losses (a resumed run re-logging its
        # checkpoint; runs of several lengths under one id, which the exact path refuses): the step's highest and
        # lowest loss, by the step lifted by a part in 1e9 of the loss either way (streams; counting the rows at
        # the maximum held the whole file, 2.4 GB for 10^7 rows)
        lift = (s.abs() + 1) * pl.col("loss") * 1e-9
        aggs += [
            pl.col("loss").max_by(s + lift).alias("_end_hi"),
            pl.col("loss").max_by(s - lift).alias("_end_lo"),
            pl.col("loss").min_by(s - lift).alias("_first_hi"),
            pl.col("loss").min_by(s + lift).alias("_first_lo"),
            pl.col("loss").min().alias("_loss_min"),  # (a loss that rose at the end: below)
        ]
    return aggs


def _repeats(agg: pl.DataFrame, stepped: pl.LazyFrame, group: Sequence[str]) -> tuple[bool, bool]:
    """Whether the one pass's groups repeat a step where the exact path would read them otherwise, and whether that
    took a second pass (``stepped``: the log, the step as ``_STEP``, read again only where a column besides the
    schedule changes within a group whose rows are not in one block of rising steps)."""
    if "_end_hi" in agg.columns and bool(
        ((agg["_end_hi"] != agg["_end_lo"]) | (agg["_first_hi"] != agg["_first_lo"])).any()
    ):
        # rows repeated at a run's last step (a resumed run's re-logged checkpoint, a row exported twice): max_by
        # keeps one of them, whichever the file lists first; the exact path keeps them all, to be averaged with a
        # warning where they differ (a probe's answer moved 2 % with the order of its rows, nothing said). At its
        # first step: runs of several lengths under one id, which the exact path refuses (h99)
        return True, False
    # a step repeated within a run id, and a column that may tell the runs under it apart: the exact path decides
    # (this route kept one run per id where the careful reader split it: the same table read two ways, h99). A
    # learning rate or phase never tells runs apart where ids name them (``_identity``), so a WSD log's cooldowns
    # under the main run's id are one run per id on either route.
    moves = [c for c in agg.columns if c.startswith("_setup_moves")]
    if not moves or not bool(agg.select(pl.any_horizontal(moves).any()).item()):
        return False, False
    if bool(((agg["_blocks"] == 1) & ~agg["_back"]).all()):
        # each group's rows lie together in the file, each step above the one before: no step repeats (a log
        # written run by run, eval by eval, with a per-step metric beside its losses: grad_norm, tokens_per_sec)
        return False, False
    # a second streaming pass that holds every group's distinct steps (10^7 rows: 1.1 GB, 3× a bare scan's peak,
    # h99): only for a log whose other column changes within a run id (a per-step metric, or a setting) and whose
    # groups' rows are interleaved or out of step order
    steps = (
        stepped.group_by(list(group))
        .agg(pl.len().alias("_rows"), pl.col(_STEP).n_unique().alias("_steps"))
        .collect(engine="streaming")
    )
    return bool((steps["_steps"] < steps["_rows"]).any()), True


def _fast_moving(agg: pl.DataFrame, lr: str | None, phase: str | None) -> list[str]:
    """The learning-rate and phase columns whose value changes within some group of the one pass."""
    moves = [(lr, pl.col("_lr_max") > pl.col("_lr_min")), (phase, pl.col("_phases").list.len() > 1)]
    return [c for c, expr in moves if c is not None and bool(agg.select(expr.any()).item())]


def _fast_undecayed(
    agg: pl.DataFrame, key: Sequence[str], lr: str | None, phase: str | None
) -> dict[str, object]:
    """``_undecayed`` on the one pass's groups (the values at the last step, ``_lr_max`` and ``_lr_min``)."""
    if lr is None and phase is None:
        return {}
    ends = agg.with_columns((pl.col("_step_min") < pl.col("_step_max")).alias("_logged"))
    if lr is not None:
        ends = ends.with_columns(pl.col(lr).cast(pl.Float64, strict=False).alias("_lr_end"))
    if phase is not None:
        ends = ends.with_columns(pl.col(phase).cast(pl.String).alias("_phase_end"))
    return _undecayed(ends, key, lr, phase)
