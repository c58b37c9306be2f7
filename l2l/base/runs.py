"""The ``Runs`` table (the canonical long table plus each dataset's own eval) and its selections.

``resolve_names`` is the ONE name resolver every command uses for datasets and evals: an exact name first (case
sensitive, then case-insensitive), else the unique name it is a prefix of; ``all`` is a keyword everywhere; every
repeated name is honoured; an unknown or ambiguous name raises ``SelectionError`` listing the candidates.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import polars as pl

from l2l.base import schema
from l2l.base.checks import as_names, check_name
from l2l.base.errors import AmbiguousNameError, SelectionError, UsageError
from l2l.base.text import fmt_si
from l2l.base.text import plural as _plural

__all__ = [
    "ALL",
    "AVERAGE_KEY",
    "MOE_ACTIVE_UNUSED",
    "OWN",
    "REPEAT_KEY",
    "RUN_IDENTITY",
    "RUN_OF",
    "Runs",
    "default_test_evals",
    "evals_measured",
    "named_after",
    "read_at_final_checkpoints",
    "resolve_name",
    "resolve_names",
    "rows_by_dataset_eval",
    "select_evals",
    "stored_accuracy_hint",
    "with_run",
]

REPEAT_KEY = ["dataset", "N", "D", "eval", "split"]  # rows with the same key measure one configuration
#: Rows averaged into one: the same configuration AND the same run id (runs that differ only in their run id,
#: such as a ladder's 1x and 2x runs crossing one D, stay separate points; seeds share one id before this).
AVERAGE_KEY = [*REPEAT_KEY, "run_id"]
#: What one run (one model) is within a dataset: its id and its size. An id reused for another size names another
#: model; the checkpoints of one run (``--checkpoints all``) share both: one run.
RUN_IDENTITY = ("run_id", "N")
#: The columns ``with_run`` gives that name one run: its dataset, size and ``_run`` (its id, see there).
RUN_OF = ("dataset", "N", "_run")
#: The words of ingest's note (a file's provenance ``decisions``, ``l2l.io.file_notes``) where N is one column and an
#: unused column counts a mixture of experts' active parameters: N is then the total count, which every budget
#: C = 6·N·D counts too (``Runs.total_params_warning``).
MOE_ACTIVE_UNUSED = "(not used) counts a mixture of experts' active parameters"


def read_at_final_checkpoints(checkpoints: Mapping[str, Any]) -> bool:
    """Whether a file's checkpoint report (its provenance's ``checkpoints``) says a per-step log read at its final
    checkpoints, its D the tokens seen (Pythia: every run to one token count): its other checkpoints hold the
    token counts a law's D term needs."""
    return checkpoints.get("policy") == "final" and bool(checkpoints.get("d_is_tokens_seen"))


def with_run(frame: pl.DataFrame, *, every_checkpoint: bool) -> pl.DataFrame:
    """``frame`` with column ``_run``: within a dataset and size (``RUN_OF``), which run a row is of: its run id
    (``RUN_IDENTITY``; not its split, which a table tags by row), except in a table of every checkpoint
    (``every_checkpoint``), where an id l2l synthesised (``schema.synth_run_id``: the table named no runs) names
    one checkpoint, and all of a size's checkpoints without ids are one run (``""``): the checkpoint reader told
    such runs apart by their size (and named them when something else did; seeds averaged into one). What a
    hold-out takes out whole: a held-out run's earlier checkpoints left in a fit scored interpolation at a size
    the laws saw as extrapolation (p77)."""
    if not every_checkpoint or frame.height == 0:
        return frame.with_columns(pl.col("run_id").alias("_run"))
    triples = frame.select("dataset", "N", "D").unique()
    synth = triples.with_columns(
        pl.Series("_synth", [schema.synth_run_id(*t) for t in triples.iter_rows()], dtype=pl.String)
    )
    named = pl.col("run_id").ne_missing(pl.col("_synth"))
    return (
        frame.join(synth, on=["dataset", "N", "D"], how="left", maintain_order="left", nulls_equal=True)
        .with_columns(pl.when(named).then(pl.col("run_id")).otherwise(pl.lit("")).alias("_run"))
        .drop("_synth")
    )


#: Runs whose last checkpoints lie within this factor of each other end at one token count (``Runs.one_end``).
ONE_END_RTOL = 1.05

#: How far a dataset's own C/(N·D) may lie from the table's constant before its budgets are said to be off.
FLOPS_COUNT_SLACK = 1.05


def flops_counts(frame: pl.DataFrame) -> dict[str, float]:
    """Each dataset's median C/(N·D) (k of C = k·N·D as its runs count FLOPs), in increasing order."""
    per = (
        frame.with_columns((pl.col("C") / (pl.col("N") * pl.col("D"))).alias("_k"))
        .group_by("dataset")
        .agg(pl.col("_k").median())
        .sort("_k", "dataset")
    )
    return {str(ds): float(v) for ds, v in per.iter_rows()}


@dataclass(frozen=True, repr=False, eq=False)  # eq: DataFrames do not compare to a bool
class Runs:
    """Normalised runs: the canonical long table plus each dataset's own eval and where the rows came from.

    ``own_eval_how`` says how each own eval was decided: ``explicit`` (``--own-eval``), ``train`` (an eval
    named train), ``detected`` (from the names) or ``workspace`` (for a table given directly).
    """

    frame: pl.DataFrame
    own_eval: dict[str, str]
    provenance: tuple[dict[str, Any], ...] = ()
    own_eval_how: dict[str, str] = field(default_factory=dict)
    # Downstream accuracies, kept apart from the losses so that no loss command ever fits them (None: none read).
    # Columns: ``l2l.base.schema.ACCURACY_COLUMNS`` (dataset, N, D, C, eval, accuracy, chance, run_id, split, ...).
    accuracy: pl.DataFrame | None = None
    # Every checkpoint (D > 0) of a per-step log with accuracies, losses and accuracies alike, with its step
    # (``schema.CHECKPOINT_COLUMNS``): what an accuracy law fitted on every checkpoint pairs (None: none read).
    checkpoints: pl.DataFrame | None = None
    #: dataset → the tokenizer its models use, as the table's tokenizer-like columns name it (``tokenizer=gpt2``;
    #: ``l2l.io.dataset_facts``); empty where the table names none. Per-token losses of datasets whose tokenizers
    #: differ are not comparable (a ranking on them ranks the tokenizers' bytes per token).
    tokenizers: dict[str, str] = field(default_factory=dict)
    #: dataset → the distinct tokens its data holds (Muennighoff et al.'s U_D, from a unique-tokens or epochs
    #: column; ``l2l.io.dataset_facts``); empty where the table gives none. A D beyond it repeats the data.
    unique_tokens: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # a raw table (or a pandas frame) was accepted and failed later with polars' ColumnNotFoundError "C"
        if not isinstance(self.frame, pl.DataFrame):
            raise UsageError(
                f"Runs holds a polars DataFrame of canonical runs, got {type(self.frame).__name__}",
                hint="read run tables with l2l.read_runs(paths): it checks and normalises them",
            )
        missing = [c for c in schema.COLUMNS if c not in self.frame.columns]
        if missing:
            raise UsageError(
                f"Runs holds canonical runs: the frame has no column {', '.join(missing)}",
                hint="read run tables with l2l.read_runs(paths): it checks and normalises them",
            )

    def __repr__(self) -> str:
        return (
            f"Runs({_plural(self.n_runs, 'run')}, {_plural(self.frame.height, 'row')}, "
            f"{_plural(len(self.datasets), 'dataset')}, {_plural(len(self.evals), 'eval')})"
        )

    @cached_property
    def digest(self) -> str:
        """A stable hash of the table and the own-eval mapping (saved fits use it to know they are stale)."""
        return _digest(self.frame, self.own_eval, self.tokenizers, self.unique_tokens)

    @cached_property
    def datasets(self) -> list[str]:
        return sorted(self.frame.get_column("dataset").unique().to_list())

    @cached_property
    def evals(self) -> list[str]:
        return sorted(self.frame.get_column("eval").unique().to_list())

    @cached_property
    def splits(self) -> list[str]:
        return sorted(self.frame.get_column("split").drop_nulls().unique().to_list())

    @property
    def n_runs(self) -> int:
        """Distinct runs: (dataset, ``run_identity``), since a run trains on one dataset and two labs' tables may
        both number their runs m0, m1, ..., and an id reused for models of another size names another model."""
        return int(self.runs_per()["runs"].sum())

    def runs_per(self, by: Sequence[str] = (), frame: pl.DataFrame | None = None) -> pl.DataFrame:
        """The number of runs (column ``runs``) in each group ``by`` of ``frame`` (these runs' own by default): one
        per (dataset, run id, N) in a table of every checkpoint; else one per token count as well, counted within
        each eval (a run's final checkpoint sits at another D on an eval it logged less often: a W&B export's 54
        runs counted as 65)."""
        f = self.frame if frame is None else frame
        keys = list(dict.fromkeys([*by, "dataset", *RUN_IDENTITY]))
        if self.run_identity == RUN_IDENTITY:
            # (``with_run``: a log that named no runs has an id per checkpoint; DataDecide's 324 runs read as 1,080)
            keys = list(dict.fromkeys([*by, *RUN_OF]))
            per = (
                with_run(f, every_checkpoint=True)
                .select(keys)
                .unique()
                .with_columns(pl.lit(1, dtype=pl.Int64).alias("n"))
            )
        else:
            per = (
                f.group_by(list(dict.fromkeys([*keys, "eval"])))
                .agg(pl.col("D").n_unique().cast(pl.Int64).alias("n"))
                .group_by(keys)
                .agg(pl.col("n").max())
            )
        if not by:
            return per.select(pl.col("n").sum().alias("runs"))
        return per.group_by(list(by)).agg(pl.col("n").sum().alias("runs"))

    @property
    def run_identity(self) -> tuple[str, ...]:
        """The columns that tell one run from another within a dataset: its id and size (``RUN_IDENTITY``), and
        its token count D unless a table of these runs kept every checkpoint (``--checkpoints all``: one run's
        checkpoints share its id and size at many D). Of final checkpoints, an id reused across token counts (ids
        that name a model size: m20 at 1x, 2x and 4x tokens) names one run per count: `l2l runs` said 3 of 9.
        Within one eval: across evals a run's final checkpoint may sit at different D (``runs_per``)."""
        return RUN_IDENTITY if self.every_checkpoint else (*RUN_IDENTITY, "D")

    @property
    def every_checkpoint(self) -> bool:
        """Whether these runs are a per-step log kept whole (``--checkpoints all``): a run is many rows at many D."""
        return any((p.get("checkpoints") or {}).get("policy") == "all" for p in self.provenance)

    @property
    def final_of_a_log(self) -> bool:
        """Whether these runs are a per-step log read at its final checkpoints, its D the tokens seen
        (``read_at_final_checkpoints``)."""
        return any(read_at_final_checkpoints(p.get("checkpoints") or {}) for p in self.provenance)

    def one_end(self, dataset: str, eval_name: str) -> float | None:
        """Where these runs keep every checkpoint of a per-step log (``--checkpoints all``) and every run of
        (``dataset``, ``eval_name``), two or more, ends at one token count (within ``ONE_END_RTOL``): that D; else
        None. Such a law's D term comes from checkpoints taken before each run's learning rate decayed, not from
        runs trained to other token counts: it predicts checkpoints, and says nothing of how a budget is best split
        between N and D (a Pythia-shaped suite, every size to 300B: N* 4.13B at 1e24 FLOPs for a true ~157B)."""
        if not self.every_checkpoint:
            return None
        f = self.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval_name))
        if f.height == 0:
            return None
        ends = (
            with_run(f, every_checkpoint=True).group_by(list(RUN_OF)).agg(pl.col("D").max())["D"].to_numpy()
        )
        lo, hi = float(ends.min()), float(ends.max())
        return float(np.median(ends)) if len(ends) >= 2 and hi <= lo * ONE_END_RTOL else None

    def one_end_note(self, dataset: str, eval_name: str) -> str | None:
        """Why the law of (``dataset``, ``eval_name``) gives no compute-optimal model where its runs all end at one
        token count in a log kept whole (``one_end``), or None."""
        end = self.one_end(dataset, eval_name)
        if end is None:
            return None
        return (
            f"every run ends at D = {fmt_si(end)} and the workspace keeps every checkpoint (--checkpoints all): "
            "the law's D term comes from checkpoints taken before each run's learning rate decayed, not from runs "
            "trained to other token counts, so how a budget is best split between N and D (N*, D*) is not "
            "identified; runs trained to their end at other token counts would tell it (predict --N N --D "
            f"{fmt_si(end)} gives a finished run's loss)"
        )

    def evals_of(self, dataset: str) -> list[str]:
        """The evals measured on runs trained on ``dataset`` (exact name)."""
        return evals_measured(self.frame, dataset)

    @cached_property
    def flops_per_param_token(self) -> float:
        """k in C = k·N·D: 6 (the usual estimate) unless the table's own C column says otherwise.

        The median of C/(N·D) over the runs; values within 1 % of 6 are taken as 6 (C given to a few digits).
        """
        f = self.frame
        k = float(np.median(f["C"].to_numpy() / (f["N"].to_numpy() * f["D"].to_numpy())))
        return 6.0 if abs(k / 6.0 - 1.0) <= 0.01 else k

    def flops_count_warning(self, datasets: Sequence[str]) -> str | None:
        """Words where some of ``datasets`` count FLOPs per parameter and token apart from the table's one constant
        (``flops_per_param_token``; their own median C/(N·D) more than ``FLOPS_COUNT_SLACK`` off): their budgets,
        N* and D* are read in that constant, off by their own count. Ingest warns of it once; `optimal` put a
        dataset whose C was ≈ 6.1·N·D at D* 33B (its own count's 40.4B) in the table's 7.99, without a word (p68)."""
        k = self.flops_per_param_token
        off = {
            ds: v
            for ds, v in flops_counts(self.frame).items()
            if ds in datasets and not k / FLOPS_COUNT_SLACK <= v <= k * FLOPS_COUNT_SLACK
        }
        if not off:
            return None
        shown = ", ".join(f"{ds} ≈ {v:.3g}·N·D" for ds, v in list(off.items())[:4]) + (
            " …" if len(off) > 4 else ""
        )
        return (
            f"budgets, N* and D* are read in the table's C = {k:.3g}·N·D, but the runs of {shown} count FLOPs "
            "otherwise: each is off by its own count (rewrite the C column in one count, or leave it out for C = "
            "6·N·D)"
        )

    def total_params_warning(self) -> str | None:
        """Words where N counts a mixture of experts' total parameters beside an unused column of its active ones,
        as ingest noted (``MOE_ACTIVE_UNUSED`` in a file's provenance ``decisions``; nothing detected again): every
        budget C = k·N·D then counts every expert's parameters, not the FLOPs a token costs, and N* and D* answer a
        budget in that count. Ingest says it once; ``optimal`` put N* at 10.9B for a budget read in total
        parameters (h86's MoE table: 7.8× the compute a token costs) without a word."""
        for p in self.provenance:
            note = next((n for n in p.get("decisions", ()) if MOE_ACTIVE_UNUSED in n), None)
            if note is None:
                continue
            n_col = p.get("columns", {}).get("columns", {}).get("N", "N")
            found = re.search(r"column ('[^']*'|\"[^\"]*\") " + re.escape(MOE_ACTIVE_UNUSED), note)
            active = found.group(1)[1:-1] if found else "ACTIVE_PARAMS"
            k = f"{self.flops_per_param_token:.3g}"
            return (
                f"N is column {n_col!r}, a mixture of experts' total parameters (ingest: column {active!r} counts "
                f"the active ones): every budget C = {k}·N·D here counts all the experts' parameters, not the "
                f"FLOPs a token costs (≈ {k}·N_active·D, fewer), and N* is a total count (ingest with --column "
                f"N={active} for budgets in compute)"
            )
        return None

    def budget_warnings(self, datasets: Sequence[str]) -> tuple[str, ...]:
        """What a compute budget (``optimal``, ``rank --C``, ``translate --C``) is read in, where that is not
        C = 6·N·D in one count of the FLOPs a token costs: the table's datasets counting FLOPs otherwise
        (``flops_count_warning``), N a mixture of experts' total count (``total_params_warning``)."""
        said = (self.flops_count_warning(datasets), self.total_params_warning())
        return tuple(n for n in said if n is not None)

    def own(self, dataset: str) -> str:
        """The eval that is ``dataset``'s own ("train") loss; SelectionError when none is known."""
        ds = self.resolve_dataset(dataset)
        try:
            return self.own_eval[ds]
        except KeyError:
            seen = ", ".join(self.evals_of(ds))
            missing = [d for d in self.datasets if d not in self.own_eval]
            others = f" (nor have {_plural(len(missing) - 1, 'other dataset')})" if len(missing) > 1 else ""
            every = (
                "; or one eval for every dataset: all=EVAL" if len(missing) == len(self.datasets) > 1 else ""
            )
            raise SelectionError(
                f"no own eval for dataset {ds}{others}",
                hint=f"name it when reading the runs: {ds}=EVAL (evals seen: {seen}){every}",
                param="own_eval",
            ) from None

    def lacking_own(self, datasets: Sequence[str]) -> dict[str, str]:
        """The datasets of ``datasets`` without an own eval, each with why (``own``'s refusal and its fix), when
        some of them have one: a call about several datasets' own losses leaves these out, said, and answers for
        the others (one such dataset refused ``predict -d all``, ``optimal`` and ``translate`` for every other;
        p63). Empty when one dataset is named or none has one: the call's refusal then says how to name it."""
        lacking = [d for d in datasets if d not in self.own_eval] if len(datasets) > 1 else []
        if len(lacking) == len(datasets):
            return {}
        out: dict[str, str] = {}
        for d in lacking:
            try:
                self.own(d)
            except SelectionError as exc:
                out[d] = f"{exc.message} (pass --own-eval {d}=EVAL to l2l ingest)"
        return out

    def resolve_dataset(self, name: str) -> str:
        """The one dataset ``name`` stands for (see ``resolve_name``)."""
        return resolve_name(name, self.datasets, "dataset")

    def resolve_datasets(self, names: Sequence[str] | None) -> list[str]:
        """The datasets named (``all`` or none named: every dataset), each repeat honoured, in the order given."""
        return resolve_names(names, self.datasets, "dataset")

    def resolve_eval(self, name: str) -> str:
        """The one loss eval ``name`` stands for (see ``resolve_name``; callers handle ``own``). An eval is a name
        and a metric: ``hellaswag:bpb`` is hellaswag's loss in bits per byte, ``hellaswag:loss`` its loss in nats
        (stored as ``hellaswag``); ``NAME:accuracy`` is no loss (SelectionError)."""
        check_name(name, "eval")
        if name in self.evals:
            return name
        base, metric = schema.split_metric(name)
        if metric is None:
            return resolve_name(name, self.evals, "eval")
        if metric == "accuracy":
            raise SelectionError(f"{name!r} names an accuracy, not a loss")
        names = {
            schema.split_metric(e)[0]: e
            for e in self.evals
            if (schema.split_metric(e)[1] or "loss") == metric
        }
        if not names:
            raise SelectionError(f"no eval is measured as {metric} (evals: {', '.join(self.evals)})")
        try:
            return names[resolve_name(base, list(names), f"{metric} eval")]
        except AmbiguousNameError:
            raise
        except SelectionError:
            # unknown: told among the names as they are written (c4:bpb), which a did-you-mean then gives whole
            # ("unknown bpb eval 'c4_val'; did you mean 'c4'?" named the eval per token)
            return resolve_name(name, list(names.values()), f"{metric} eval")

    def at_every_checkpoint(self) -> Runs:
        """These runs at every checkpoint of their per-step log (``checkpoints``): the losses as the frame (each
        with its ``step``) and the accuracies as ``accuracy``, for an accuracy law fitted on every checkpoint.
        SelectionError when the table has no every-checkpoint rows."""
        cp = self.checkpoints
        if cp is None or cp.height == 0:
            raise SelectionError(
                "these runs have no every-checkpoint rows (only a per-step log with accuracy rows has them)",
                hint="fit on each run's final checkpoint (the default), or ingest the per-step log with its "
                "accuracy rows (a metric column)",
                param="checkpoints",
            )
        is_acc = pl.col("metric") == "accuracy"
        name = (
            pl.when(pl.col("metric") == "loss")
            .then(pl.col("eval"))
            .otherwise(pl.col("eval") + schema.METRIC_SEP + pl.col("metric"))
        )
        one = pl.lit(1, dtype=pl.Int64).alias("n_repeats")
        losses = cp.filter(~is_acc).select(
            "dataset", "N", "D", "C", name.alias("eval"), pl.col("value").alias("loss"), "run_id", "split", one,
            "step",
        )  # fmt: skip
        acc = cp.filter(is_acc).select(
            "dataset", "N", "D", "C", "eval", pl.col("value").alias("accuracy"),
            pl.lit(None, dtype=pl.Float64).alias("chance"), "run_id", "split", one, "step",
        )  # fmt: skip
        if self.accuracy is not None:  # the chance levels the table gave, per eval
            chance = self.accuracy.group_by("eval").agg(pl.col("chance").drop_nulls().first().alias("_c"))
            acc = (
                acc.join(chance, on="eval", how="left").with_columns(pl.col("_c").alias("chance")).drop("_c")
            )
        return Runs(
            losses,
            dict(self.own_eval),
            self.provenance,
            dict(self.own_eval_how),
            accuracy=acc,
            checkpoints=cp,
            tokenizers=dict(self.tokenizers),
            unique_tokens=dict(self.unique_tokens),
        )

    def seed_scatter(self, eval_name: str, *, accuracy: bool = False) -> dict[str, tuple[float, int]]:
        """Per dataset, the seeds' scatter on ``eval_name`` that averaging them at ingest kept aside (every file's,
        summed): the squared deviations of seeds from their measurement's mean (of log losses; of accuracies
        with ``accuracy``) and their degrees of freedom. Empty where no file had a seed column."""
        out: dict[str, tuple[float, int]] = {}
        for entry in self.provenance:
            rows = entry.get("seed_scatter", {}).get("accuracy" if accuracy else "loss", [])
            for row in rows:
                if row.get("eval") == eval_name:
                    ss, dof = out.get(str(row["dataset"]), (0.0, 0))
                    out[str(row["dataset"])] = (ss + float(row["ss"]), dof + int(row["dof"]))
        return out

    def own_is_shared(self, dataset: str) -> bool:
        """Whether ``dataset``'s own eval is the validation eval every dataset shares (it has none of its own):
        a comparison on it between datasets is test-to-test."""
        return self.own_eval_how.get(dataset) == "shared"

    def globbed(self, name: str, measured: Sequence[str]) -> list[str] | None:
        """Where ``name`` is a glob of evals (``task/*``; not an eval's own name), the evals of ``measured`` it
        matches (none may be); None where it is a name. A glob no eval of the table matches is refused."""
        if name in self.evals or not schema.is_glob(name):
            return None
        if not select_evals(self.evals, [name], required=False):
            raise SelectionError(f"no eval matches {name}", hint="l2l runs --evals lists them")
        return select_evals(measured, [name], required=False)

    def eval_keys(
        self, datasets: Sequence[str], evals: Sequence[str] | None, *, frame: pl.DataFrame | None = None
    ) -> list[tuple[str, str]]:
        """(dataset, eval) pairs for ``datasets`` (exact names): ``evals`` empty or ``own`` = each dataset's own
        loss; ``all`` = every eval measured on that dataset (in ``frame``, by default the whole table); a glob
        (``downstream/*``) every eval it matches; other names (exact or unique prefix) as given, skipped for
        datasets that never measured them."""
        frame = self.frame if frame is None else frame
        wanted = as_names(evals, "eval") or [OWN]
        keys: list[tuple[str, str]] = []
        for ds in datasets:
            measured = evals_measured(frame, ds)
            for ev in wanted:
                if ev == OWN:
                    keys.append((ds, self.own(ds)))
                elif ev == ALL:
                    keys.extend((ds, e) for e in measured)
                elif (matched := self.globbed(ev, measured)) is not None:
                    # a glob, as rank -t and evaluate take
                    keys.extend((ds, e) for e in matched)
                elif (name := self.resolve_eval(ev)) in measured:
                    keys.append((ds, name))
        keys = list(dict.fromkeys(keys))
        if not datasets:
            raise SelectionError("the table holds no runs: no dataset to fit")
        if not keys:
            raise SelectionError(
                f"none of the evals {', '.join(wanted)} was measured on {', '.join(datasets)}"
            )
        return keys

    def summary(self) -> list[dict[str, Any]]:
        """One dict per (dataset, eval), sorted: runs, rows averaged from repeats, N / D / C / loss ranges, splits."""
        g = (
            self.frame.group_by(["dataset", "eval"], maintain_order=True)
            .agg(
                pl.struct(*self.run_identity).n_unique().alias("runs"),
                (pl.col("n_repeats") > 1).sum().alias("averaged"),
                *(
                    getattr(pl.col(c), m)().alias(f"{c}_{m}")
                    for c in ("N", "D", "C", "loss")
                    for m in ("min", "max")
                ),
                pl.col("split").drop_nulls().unique().sort().alias("splits"),
            )
            .sort(["dataset", "eval"])
        )
        return list(g.iter_rows(named=True))

    def merged_rows(self, added: Runs) -> int:
        """How many rows of this (stored) table averaged in a repeat from ``added`` (rows it had before)."""
        a = added.frame.select([*AVERAGE_KEY, pl.col("n_repeats").alias("_n")])
        j = self.frame.join(a, on=AVERAGE_KEY, how="inner", nulls_equal=True)
        return int((j.get_column("n_repeats") > j.get_column("_n")).sum())

    def merged_accuracy_rows(self, added: Runs) -> int:
        """How many accuracy rows of this (stored) table averaged in a repeat from ``added`` (``merged_rows`` of the
        accuracies)."""
        if self.accuracy is None or added.accuracy is None or "n_repeats" not in added.accuracy.columns:
            return 0
        a = added.accuracy.select([*AVERAGE_KEY, pl.col("n_repeats").alias("_n")])
        j = self.accuracy.join(a, on=AVERAGE_KEY, how="inner", nulls_equal=True)
        return int((j.get_column("n_repeats") > j.get_column("_n")).sum())

    def in_split(self, split: str | None) -> pl.DataFrame:
        """The canonical frame restricted to one split (all runs when ``split`` is None)."""
        return self.frame if split is None else self.select(split=split)

    def check_split(self, split: str) -> str:
        """``split`` if some runs have it; else SelectionError naming the splits there are."""
        if split not in self.splits:
            known = ", ".join(self.splits) or "none: the table has no split column"
            hint = (
                f"name one of the splits listed ({', '.join(self.splits)})"
                if self.splits
                else "give the table a split column (sweep / extrapolation) and ingest it again"
            )
            raise SelectionError(f"unknown split {split!r} (splits: {known})", hint=hint)
        return split

    def select(
        self, dataset: str | None = None, eval_name: str | None = None, split: str | None = None
    ) -> pl.DataFrame:
        """The rows of one dataset / eval / split (each optional; names may be unique prefixes)."""
        expr = pl.lit(True)
        if dataset is not None:
            expr = expr & (pl.col("dataset") == self.resolve_dataset(dataset))
        if eval_name is not None:
            expr = expr & (pl.col("eval") == self.resolve_eval(eval_name))
        if split is not None:
            expr = expr & (pl.col("split") == self.check_split(split))
        return self.frame.filter(expr)


def check_runs(runs: object, param: str = "runs") -> Runs:
    """``runs`` when it is a run table (``l2l.Runs``); else a UsageError saying how to make one (a path or a
    DataFrame raised "no attribute 'flops_per_param_token'")."""
    if isinstance(runs, Runs):
        return runs
    if isinstance(runs, (str, bytes)) or hasattr(runs, "__fspath__"):
        how = "read the table with l2l.read_runs(path) first"
    elif hasattr(runs, "columns"):
        how = "read the frame with l2l.read_runs(frame) first"
    else:
        how = "make one with l2l.read_runs or l2l.load_runs"
    raise UsageError(
        f"the first argument must be a run table (l2l.Runs), got {type(runs).__name__}: {how}", param=param
    )


ALL = "all"  # the keyword that names every dataset or eval, in every command
OWN = "own"  # the keyword that names each dataset's own eval


def resolve_name(name: str, names: Sequence[str], what: str) -> str:
    """The one name of ``names`` that ``name`` stands for.

    In order, the first stage with any match deciding: the exact name; the name ignoring case and Unicode form
    (NFC); the names it is a case-insensitive prefix of; the names whose last path part it is a prefix of
    (``hellaswag`` for ``downstream/hellaswag_test_ce_loss``). Never a substring: ``coder`` does not stand for
    ``starcoder``; never a prefix that ends inside a number: ``0.2`` does not stand for ``0.25``. An unknown or
    ambiguous name raises SelectionError listing the candidates; a name that is not text, UsageError.
    """
    check_name(name, what)
    if name in names:
        return name
    if (
        not name.strip()
    ):  # '' is a prefix of every name: it was "dataset '' is ambiguous: it could be …" (exit 1)
        raise UsageError(
            f"an empty {what} name names no {what}",
            hint=f"name one of the {what}s: {name_listing(names)}" if names else None,
        )
    # compared in one Unicode form: a name typed or pasted decomposed (macOS file names, some terminals) was
    # "unknown dataset 'données'; did you mean 'données'?" (a probe)
    low = unicodedata.normalize("NFC", name).lower()
    stages: tuple[Callable[[str], bool], ...] = (
        lambda n: n == low,
        lambda n: n.startswith(low) and _whole_number(low, n),
        lambda n: (last := n.rsplit("/", 1)[-1]).startswith(low) and _whole_number(low, last),
    )
    for matches in stages:
        hits = [n for n in names if matches(unicodedata.normalize("NFC", n).lower())]
        if len(hits) == 1:
            return hits[0]
        if hits:
            raise AmbiguousNameError(
                f"{what} {name!r} is ambiguous: it could be {name_listing(hits)}",
                hint=f"name more of it, up to one {what} listed",
            )
    if not names:  # "(accuracy evals: )" said nothing: say there are none
        raise SelectionError(f"unknown {what} {name!r}: these runs have no {what}s")
    near = near_names(name, names)
    guess = f"; did you mean {' or '.join(repr(n) for n in near)}?" if near else ""
    stored = stored_accuracy_hint(name, names) if what == "accuracy eval" else None
    raise SelectionError(
        f"unknown {what} {name!r}{guess} ({what}s: {name_listing(names)})",
        hint=stored or f"name one of the {what}s listed, or the beginning of one",
    )


def stored_accuracy_hint(name: str, acc_names: Sequence[str], option: str = "-e") -> str | None:
    """The way to an accuracy asked for by its column's name (``lambada_acc``, ``eval/piqa/accuracy``), which
    ingest stores under the task's name (``lambada``), the metric apart: it was refused as an unknown eval with a
    listing naming ``lambada`` and no more (h80, a Pythia-style export). None where the name is no such column's.
    ``option``: the option that names an eval in the command asked (``-t`` for rank)."""
    head, sep, tail = schema.norm_name(name).replace("/", "_/").rpartition("_")
    if not sep or schema.metric_kind(tail.strip("/")) != "accuracy":
        return None
    tasks = {
        head.replace("_/", "/").strip("/_"),
        head.rsplit("_/", 1)[-1].strip("/_"),
    }  # the path's last part too
    hit = next((a for a in acc_names if a.lower() in tasks), None)
    return (
        None
        if hit is None
        else f"an accuracy column is stored under its task's name: {option} {hit}:accuracy"
    )


def _whole_number(prefix: str, name: str) -> bool:
    """Whether ``prefix`` ends where ``name``'s characters end a number, if it ends in one: ``0.2`` is no prefix of
    the mixture ``0.25`` (a probe's `-d 0.2` answered for dataset 0.25, without a word; p68), nor ``llama-7`` of
    ``llama-70b``."""
    number = "0123456789."
    return not (prefix[-1:] in tuple(number) and name[len(prefix) : len(prefix) + 1] in tuple(number))


def near_names(name: str, names: Sequence[str]) -> list[str]:
    """The names an unknown ``name`` most likely meant, for a did-you-mean: those of the same words once the loss
    and validation words are dropped (``c4_val``, ``c4/loss`` for ``c4``, ``web_val_bpb`` for ``web_val:bpb``:
    ``schema.name_stem``; at most 3), else the one a typo missed (``starcodr``); none when nothing is close."""
    from difflib import get_close_matches

    stem = schema.name_stem(name)
    same = [n for n in names if schema.name_stem(n) == stem]
    if same:
        return same[:3]
    # a typo (starcodr) gets the name it missed; a long list is cut (a table of 42 datasets, 200 evals)
    return get_close_matches(name, list(names), n=1, cutoff=0.8)


def name_listing(names: Sequence[str]) -> str:
    """Names for a message, the list cut at 12 (a table of 42 datasets, 200 evals); each quoted where a name holds
    a comma ("datasets: web, web, v2, web-edu" named three datasets or four; probe p60)."""
    shown = [repr(n) for n in names] if any("," in n for n in names) else list(names)
    return ", ".join(shown[:12]) + (
        f", … ({len(names)} in all; l2l runs --evals lists them)" if len(names) > 12 else ""
    )


def resolve_names(names: Sequence[str] | None, candidates: Sequence[str], what: str) -> list[str]:
    """Every name of ``names`` resolved (``resolve_name``), repeats honoured and duplicates dropped, in the order
    given; ``all`` anywhere, or no names at all, gives every candidate. One bare name is one name (the library's
    ``datasets="alpha"`` was read letter by letter: "unknown dataset 'l'")."""
    names = as_names(names, what)
    if not names or ALL in names:
        return list(candidates)
    return list(dict.fromkeys(resolve_name(n, candidates, what) for n in names))


def default_test_evals(runs: Runs, *, exclude: Sequence[str] = (), shared_ok: bool = False) -> list[str]:
    """The test evals used when none are named (the paper's test sets): each dataset's own eval, once each, in
    dataset order, and never one of ``exclude`` (a target's own eval: its test loss would be its train loss).

    An own eval several datasets share by name (every dataset's own loss called ``train``) is no test set: it
    measures each model on its own training data. Such a dataset's test set is then the eval named after it
    (``fineweb_val`` for ``fineweb``, by the own-eval naming rules) when there is one, else the validation evals
    every dataset is measured on (``val_mix``). Raises SelectionError when no eval remains, asking for the test
    evals by name (``shared_ok``: returns none instead).
    """
    owners: dict[str, int] = {}
    for own in runs.own_eval.values():
        owners[own] = owners.get(own, 0) + 1
    shared = {e for e, n in owners.items() if n > 1}
    out: list[str] = []
    for ds in runs.datasets:
        ev = runs.own_eval.get(ds)
        if ev is None or ev in shared:
            ev = named_after(ds, [e for e in runs.evals if e not in shared])
        if ev is not None and ev not in exclude:
            out.append(ev)
    out = list(dict.fromkeys(out))
    if not out and runs.datasets:
        common = set.intersection(*(set(runs.evals_of(d)) for d in runs.datasets))
        out = sorted(e for e in common - shared - set(exclude) if schema.looks_like_validation(e))
    if not out and not shared_ok:
        why = (
            f"every dataset's own eval is {', '.join(sorted(shared))} and no eval is named after a dataset"
            if shared
            else "the only candidates (each dataset's own eval) are the target's own loss"
        )
        raise SelectionError(
            f"no test evals to compare by default: {why}",
            hint="name the test evals (evals: " + ", ".join(runs.evals) + ")",
            param="test",
        )
    return out


def named_after(dataset: str, evals: Sequence[str]) -> str | None:
    """The eval named after ``dataset`` (``fineweb_val`` for ``fineweb``): longest unique match, else None."""
    target = schema.norm_dataset_for_match(dataset)
    scored = [(len(k), e) for e in evals for k in schema.eval_stems(e) if k and target.startswith(k)]
    if not scored:
        return None
    best = max(n for n, _ in scored)
    top = [e for n, e in scored if n == best]
    return top[0] if len(top) == 1 else None


def rows_by_dataset_eval(frame: pl.DataFrame) -> dict[tuple[str, str], np.ndarray]:
    """The row indices of every (dataset, eval) of ``frame``, in the frame's order (groups in order of first
    appearance), from one pass: a caller takes each group's columns by index, never a frame per group (a polars
    frame per group cost ~0.5 ms, and 24 datasets make over a thousand groups)."""
    groups = (
        frame.select("dataset", "eval")
        .with_row_index("_row")
        .group_by("dataset", "eval", maintain_order=True)
        .agg(pl.col("_row"))
    )
    return {(str(ds), str(ev)): np.asarray(rows, dtype=np.int64) for ds, ev, rows in groups.iter_rows()}


def evals_measured(frame: pl.DataFrame, dataset: str) -> list[str]:
    """The evals measured on runs of ``dataset`` in ``frame`` (a canonical table or any part of one), sorted."""
    return sorted(frame.filter(pl.col("dataset") == dataset).get_column("eval").unique().to_list())


def select_evals(evals: Sequence[str], patterns: Sequence[str], *, required: bool = True) -> list[str]:
    """Evals matching any glob of ``patterns`` and no ``!glob`` among them (gitignore-like), in table order."""
    import fnmatch

    include = [p for p in patterns if not p.startswith("!")] or ["*"]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    out = [
        e
        for e in evals
        if any(fnmatch.fnmatchcase(e, p) for p in include)
        and not any(fnmatch.fnmatchcase(e, p) for p in exclude)
    ]
    if required and not out:
        raise SelectionError(f"no eval matches {' '.join(patterns)}")
    return out


def _digest(
    frame: pl.DataFrame,
    own_eval: Mapping[str, str],
    tokenizers: Mapping[str, str] | None = None,
    unique_tokens: Mapping[str, float] | None = None,
) -> str:
    h = hashlib.sha256(f"l2l-runs-v{schema.WORKSPACE_SCHEMA_VERSION}\0".encode())
    for name in schema.COLUMNS:
        s = frame.get_column(name)
        h.update(f"{name}:{s.dtype}\0".encode())
        if s.dtype == pl.String:
            h.update("\x1f".join("\x00" if v is None else v for v in s.to_list()).encode())
        else:
            arr = s.to_numpy()
            h.update(np.ascontiguousarray(arr, dtype="<f8" if s.dtype == pl.Float64 else "<i8").tobytes())
    h.update(json.dumps(dict(own_eval), sort_keys=True).encode())
    # the per-dataset facts, where a table gives any (a table without them keeps the digest it always had)
    if tokenizers or unique_tokens:
        facts = {"tokenizers": dict(tokenizers or {}), "unique_tokens": dict(unique_tokens or {})}
        h.update(json.dumps(facts, sort_keys=True).encode())
    return h.hexdigest()
