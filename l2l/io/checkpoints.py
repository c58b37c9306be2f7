"""Per-step logs: recognise a step/checkpoint column and keep the checkpoints a fit should see.

A training log has several rows per run, one per checkpoint. Fed to a fit as it is, it is silently wrong: with
each run's final token count in ``D`` the checkpoints look like seeds and are averaged; with the tokens seen so far
in ``D`` every checkpoint looks like a run. This module tells the two apart and applies a policy:

- ``final`` (default, the paper's practice): each run's last checkpoint (per eval: the last one that measured it);
- ``step=K``: the checkpoint at step K (only when ``D`` is the tokens seen at each checkpoint);
- ``all``: every checkpoint as its own point (only when ``D`` is the tokens seen at each checkpoint).

It works on a ``polars.LazyFrame`` with canonical column names (``dataset``, ``N``, ``D``, ``eval``, ``loss``
and, when present, ``run_id``, ``seed``, ``split``, ``C``) plus the step column under its own name. It makes one
streaming aggregation pass to detect, and one streaming filter pass to select, so a 10-million-row log is never
held in memory whole.

A run is identified by ``(dataset, run_id)`` when the table has run ids, else by ``(dataset, N)``; ``seed``,
``split`` and any id columns the caller names are part of the identity too, and ``D`` is when it is each run's
final token count (constant within a run). Without run ids, ``D`` changing from checkpoint to checkpoint is
ambiguous (checkpoints of one run, or several runs of one size?) and is refused unless the ``D`` column's own name
says it counts tokens seen (``tokens_seen``, ``tokens_so_far``, ...).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Final, Literal

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError

__all__ = [
    "STEP_NAMES",
    "TOKENS_SEEN_NAMES",
    "CheckpointInfo",
    "CheckpointReport",
    "apply_checkpoints",
    "apply_checkpoints_checked",
    "describe_policies",
    "detect_checkpoints",
    "find_step_column",
    "parse_policy",
    "select_checkpoints",
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
#: ``/``-part, so W&B's ``trainer/global_step`` counts).
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
)

Policy = Literal["final", "step", "all"]
_STEP = "_l2l_step"  # the step column as Float64, added for the passes


@dataclass(frozen=True)
class CheckpointInfo:
    """What detection found. ``checkpoints_per_run`` is the largest number of checkpoints of one (run, eval);
    ``d_is_tokens_seen`` says ``D`` changes from checkpoint to checkpoint (else it is each run's final count)."""

    column: str
    runs: int
    rows: int
    checkpoints_per_run: int
    d_is_tokens_seen: bool
    key: tuple[str, ...]  # the columns that identify a run (eval not included)
    step_min: float
    step_max: float

    @property
    def per_step(self) -> bool:
        """Some run has more than one checkpoint."""
        return self.checkpoints_per_run > 1

    def to_dict(self) -> dict[str, object]:
        d = asdict(self)
        d["key"] = list(self.key)
        return d


@dataclass(frozen=True)
class CheckpointReport:
    """What a policy did, for the ingest report."""

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

    @property
    def checkpoints_dropped(self) -> int:
        return self.rows_in - self.rows_kept

    def to_dict(self) -> dict[str, object]:
        d: dict[str, object] = asdict(self)
        d["checkpoints_dropped"] = self.checkpoints_dropped
        return d

    def describe(self) -> str:
        """One line for the ingest report."""
        what = {
            "final": "kept each run's final checkpoint",
            "all": "kept every checkpoint as its own point",
        }.get(self.policy, f"kept the checkpoint at {self.policy}")
        d = "tokens seen at each checkpoint" if self.d_is_tokens_seen else "each run's final token count"
        return (
            f"per-step log (column {self.column!r}, {self.runs} runs): {what}, "
            f"dropped {self.checkpoints_dropped} of {self.rows_in} rows; D is {d}"
        )


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


def _with_step(lf: pl.LazyFrame, column: str) -> pl.LazyFrame:
    return lf.with_columns(pl.col(column).cast(pl.Float64, strict=False).alias(_STEP))


#: Within every group where D varies, D must follow the step this closely (Pearson correlation) to count as the
#: tokens seen at each checkpoint (a constant batch gives exactly 1; a batch-size ramp still > 0.99). Several runs
#: of one size with different final D overlap in steps and correlate far less.
SEEN_CORRELATION: Final = 0.98


def _stats(
    lf: pl.LazyFrame, column: str, group: Sequence[str], check_text: bool, checks: Sequence[pl.Expr] = ()
) -> pl.DataFrame:
    """One streaming pass: per group, rows, step range, D range, corr(step, D) (O(1) memory per group), and the
    caller's boolean ``checks`` per group (``_check0``, ...)."""
    step, d = pl.col(_STEP), pl.col("D")
    aggs = [
        pl.len().alias("rows"),
        step.min().alias("step_min"),
        step.max().alias("step_max"),
        d.min().alias("d_min"),
        d.max().alias("d_max"),
        pl.corr(step, d.cast(pl.Float64)).alias("corr"),
    ]
    if check_text:
        aggs.append((step.is_null() & pl.col(column).is_not_null()).sum().alias("bad"))
    aggs += [e.alias(f"_check{i}") for i, e in enumerate(checks)]
    return _with_step(lf, column).group_by(list(group)).agg(aggs).collect(engine="streaming")


@dataclass(frozen=True)
class _Detected:
    info: CheckpointInfo | None  # None: a check failed, nothing detected
    stats: pl.DataFrame  # per (run key, eval): rows, step_min, step_max, ...
    checks: tuple[bool, ...] = ()  # the caller's checks, each true when some group failed it


def _detect(
    lf: pl.LazyFrame,
    step_column: str | None,
    d_source: str | None,
    id_columns: Sequence[str],
    path: str | None,
    checks: Sequence[pl.Expr] = (),
) -> _Detected | None:
    schema_ = lf.collect_schema()
    names = schema_.names()
    column = find_step_column(names, step_column)
    d_named_seen = d_source is not None and _norm(d_source) in TOKENS_SEEN_NAMES
    if column is None and d_named_seen:
        column = "D"
    if column is None:
        return None
    missing = [c for c in ("dataset", "N", "D", "eval", *id_columns) if c not in names]
    if missing:
        raise InputError(
            f"a per-step log needs column {missing[0]!r} (columns: {', '.join(names)})", path=path
        )
    has_run_id = "run_id" in names
    base = ["dataset", "N", *[c for c in ("run_id", "seed", "split") if c in names], *id_columns]
    base = [c for c in dict.fromkeys(base) if c not in (column, "D")]
    if has_run_id:
        base.remove("N")  # a run id names the run; N follows from it
    check_text = not schema_[column].is_numeric()
    stats = _stats(lf, column, [*base, "eval"], check_text, checks)
    if stats.height == 0:
        return None
    failed = tuple(bool(stats[f"_check{i}"].any()) for i in range(len(checks)))
    if any(failed):
        return _Detected(None, stats, failed)
    if check_text and int(stats["bad"].sum()):
        raise InputError("the step column holds values that are not numbers", path=path, column=column)
    varies = stats.filter(pl.col("d_min") < pl.col("d_max"))
    close = varies["corr"].fill_nan(0.0).fill_null(0.0) >= SEEN_CORRELATION
    seen_like = varies.height > 0 and bool(close.all())
    if column == "D" or (varies.height and d_named_seen):
        tokens_seen = True
    elif seen_like and not has_run_id:
        raise InputError(
            f"D changes from checkpoint to checkpoint within runs of one dataset and size (step column "
            f"{column!r}), and the table has no run id: l2l cannot tell checkpoints of one run from "
            "separate runs",
            path=path,
            column="D",
            hint="add a run_id column, or name the D column tokens_seen if it counts the tokens seen so far",
        )
    else:
        tokens_seen = seen_like
    key = tuple(base) if tokens_seen else (*base, "D")
    if not tokens_seen and varies.height:
        stats = _stats(lf, column, [*key, "eval"], False)  # several runs per group: one group per run
    elif not tokens_seen:
        stats = stats.with_columns(pl.col("d_min").alias("D"))  # D is constant in every group
    per_step = stats.filter(pl.col("step_min") < pl.col("step_max"))
    info = CheckpointInfo(
        column=column,
        runs=stats.select(key).unique().height,
        rows=int(stats["rows"].sum()),
        checkpoints_per_run=int(per_step["rows"].max()) if per_step.height else 1,  # type: ignore[arg-type]
        d_is_tokens_seen=tokens_seen,
        key=key,
        step_min=float(stats["step_min"].min()),  # type: ignore[arg-type]
        step_max=float(stats["step_max"].max()),  # type: ignore[arg-type]
    )
    return _Detected(info, stats.select(*key, "eval", "rows", "step_max"), failed)


def detect_checkpoints(
    lf: pl.LazyFrame,
    *,
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    path: str | None = None,
) -> CheckpointInfo | None:
    """Find the step column and how the table uses it (one streaming pass, two when runs share an id); None
    when the table has no step column.

    ``d_source`` is the input name the ``D`` column came from (``tokens_seen`` says D is tokens seen);
    ``id_columns`` are further columns that identify a run (a learning-rate sweep's ``lr``, ...).
    ``checkpoints_per_run`` counts the rows of the largest (run, eval). Raises ``InputError`` for a step column
    that is not numeric, or for a log whose checkpoints cannot be told from runs.
    """
    found = _detect(lf, step_column, d_source, id_columns, path)
    return None if found is None else found.info


def select_checkpoints(
    lf: pl.LazyFrame, info: CheckpointInfo, policy: str = "final", *, path: str | None = None
) -> tuple[pl.DataFrame, CheckpointReport]:
    """The rows ``policy`` keeps (same columns as ``lf``), collected by the streaming engine, and a report.

    ``final`` keeps, per (run, eval), the last checkpoint that measured the eval; ``step=K`` the checkpoint at
    step K; ``all`` every row. ``step=K`` and ``all`` need ``D`` to be the tokens seen at each checkpoint, and
    raise ``InputError`` otherwise (the loss at an early checkpoint is not the loss of a run of D tokens).
    """
    return _select(lf, info, None, policy, path)


def _select(
    lf: pl.LazyFrame, info: CheckpointInfo, stats: pl.DataFrame | None, policy: str, path: str | None
) -> tuple[pl.DataFrame, CheckpointReport]:
    kind, k = parse_policy(policy)
    label = "final" if kind == "final" else "all" if kind == "all" else f"step={_fmt_step(k)}"
    if kind != "final" and info.per_step and not info.d_is_tokens_seen:
        raise InputError(
            f"checkpoint policy {label} needs D to be the tokens seen at each checkpoint, but D is the same "
            f"at every checkpoint of a run (each run's final token count)",
            path=path,
            column=info.column,
            hint="keep each run's final checkpoint, or give D as the tokens seen so far (e.g. a tokens_seen "
            "column mapped to D)",
        )
    group = [*info.key, "eval"]
    stepped = _with_step(lf, info.column)
    if kind == "all":
        out = lf.collect(engine="streaming")
        return out, CheckpointReport(
            info.column, label, info.runs, info.rows, out.height, info.d_is_tokens_seen
        )
    if kind == "step":
        out = stepped.filter(pl.col(_STEP) == k).drop(_STEP).collect(engine="streaming")
        if out.height == 0:
            raise InputError(
                f"no checkpoint at step {_fmt_step(k)} (steps run from {_fmt_step(info.step_min)} to "
                f"{_fmt_step(info.step_max)})",
                path=path,
                column=info.column,
            )
        runs_at = out.select(list(info.key)).unique().height
        return out, CheckpointReport(
            info.column,
            label,
            runs_at,
            info.rows,
            out.height,
            info.d_is_tokens_seen,
            runs_without_step=info.runs - runs_at,
        )
    if stats is None:
        stats = _stats(lf, info.column, group, False)
    last = stats.select(*group, pl.col("step_max").alias(_STEP))
    out = (
        stepped.join(last.lazy(), on=[*group, _STEP], how="semi", nulls_equal=True)
        .drop(_STEP)
        .collect(engine="streaming")
    )
    # (run, eval) pairs whose last measurement comes before the run's last checkpoint
    run_end = pl.col(_STEP).max().over(list(info.key))
    early = int(last.select((pl.col(_STEP) < run_end).sum()).item())
    return out, CheckpointReport(
        info.column,
        label,
        info.runs,
        info.rows,
        out.height,
        info.d_is_tokens_seen,
        evals_before_final=early,
    )


def apply_checkpoints(
    lf: pl.LazyFrame,
    policy: str = "final",
    *,
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    path: str | None = None,
) -> tuple[pl.LazyFrame | pl.DataFrame, CheckpointReport | None]:
    """Detect and select in one call (two streaming passes over ``lf``): ``(lf, None)`` unchanged when the
    table is not a per-step log (no step column, or one checkpoint per run), else the kept rows and the report."""
    out, report, _ = apply_checkpoints_checked(
        lf, policy, step_column=step_column, d_source=d_source, id_columns=id_columns, path=path
    )
    return out, report


def apply_checkpoints_checked(
    lf: pl.LazyFrame,
    policy: str = "final",
    *,
    checks: Sequence[pl.Expr] = (),
    step_column: str | None = None,
    d_source: str | None = None,
    id_columns: Sequence[str] = (),
    path: str | None = None,
) -> tuple[pl.LazyFrame | pl.DataFrame, CheckpointReport | None, tuple[bool, ...] | None]:
    """``apply_checkpoints`` that also evaluates the boolean aggregations ``checks`` (``expr.any()`` each) in its
    detection pass, so a reader's value checks cost no pass of their own. The third item says, per check,
    whether some row failed it (then nothing is selected: ``lf`` comes back unchanged), or is None when the
    table has no step column and so was not scanned (the caller checks it some other way)."""
    parse_policy(policy)  # a bad policy is an error even for a table without checkpoints
    found = _detect(lf, step_column, d_source, id_columns, path, checks)
    if found is None:
        return lf, None, None
    if found.info is None or not found.info.per_step:
        return lf, None, found.checks
    out, report = _select(lf, found.info, found.stats, policy, path)
    return out, report, found.checks


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
