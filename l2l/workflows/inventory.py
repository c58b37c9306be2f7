"""What a run table holds, at a glance: per dataset its runs in each split, its evals, and the N, D, C ranges;
the evals grouped by kind. ``l2l runs`` shows this; ``Runs.summary`` has the (dataset, eval) detail."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

if TYPE_CHECKING:
    from l2l.base.runs import Runs

__all__ = ["DatasetInventory", "EvalGroup", "Inventory", "fitted_split_note", "held_out_splits", "inventory"]

#: Name of the split of runs that have none.
NO_SPLIT = "(no split)"
#: Split names (lower case, letters and digits only) that say their runs were held out. ``target``: the runs a
#: ladder is fitted to predict (OLMo-ladder tables, l2l's own per-step shape); its runs were fitted by fit-law,
#: predict and optimal without a word, the target predicted "1× the largest fitted compute" (h50).
HELD_OUT_NAMES = ("test", "holdout", "heldout", "eval", "evaluation", "extrap", "validation", "target")


def held_out_splits(runs: Runs) -> list[str]:
    """The table's splits whose names say their runs were held out (``test``, ``holdout``, ``extrapolation``, …)."""
    return [
        s
        for s in runs.splits
        if (key := "".join(ch for ch in s.lower() if ch.isalnum()))
        and any(key.startswith(w) or key.endswith(w) for w in HELD_OUT_NAMES)
    ]


def fitted_split_note(runs: Runs) -> str | None:
    """For a command that fits laws on every run (no ``--split``): a note when some runs sit in a split whose name
    says held out beside runs that do not (a table tagging its held-out runs ``test`` had them fitted by fit-law,
    predict, optimal and rank without a word; only evaluate said so)."""
    held = held_out_splits(runs)
    rest = [s for s in runs.splits if s not in held]
    if not held or not rest:
        return None
    shown = ", ".join(f"'{s}'" for s in held)
    fix = f"--split {rest[0]}" if len(rest) == 1 else "--split SPLIT"
    return (
        f"fitted on every run, the {shown} runs too (a split whose name says held out); {fix} fits the others"
    )


@dataclass(frozen=True)
class DatasetInventory:
    """One dataset: distinct runs in total and per split, loss evals, accuracy evals, own eval, ranges."""

    dataset: str
    runs: int
    by_split: dict[str, int]
    evals: int
    accuracy_evals: int
    own_eval: str | None
    N_min: float
    N_max: float
    D_min: float
    D_max: float
    C_min: float
    C_max: float
    averaged: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "runs": self.runs,
            "by_split": dict(self.by_split),
            "evals": self.evals,
            "accuracy_evals": self.accuracy_evals,
            "own_eval": self.own_eval,
            **{f"{v}_{m}": getattr(self, f"{v}_{m}") for v in ("N", "D", "C") for m in ("min", "max")},
            "averaged": self.averaged,
        }


@dataclass(frozen=True)
class EvalGroup:
    """Evals sharing a prefix (``downstream/``) or a role (own evals), for a one-line listing."""

    name: str
    evals: tuple[str, ...]


@dataclass(frozen=True)
class Inventory:
    datasets: tuple[DatasetInventory, ...]
    splits: tuple[str, ...]
    runs: int
    rows: int
    evals: tuple[str, ...]
    eval_groups: tuple[EvalGroup, ...]
    accuracy_evals: tuple[str, ...] = ()
    accuracy_rows: int = 0
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_polars(self) -> pl.DataFrame:
        """One row per dataset; runs per split as columns ``runs_<split>``."""
        rows = []
        for d in self.datasets:
            row = {k: v for k, v in d.to_dict().items() if k != "by_split"}
            row.update({f"runs_{s}": d.by_split.get(s, 0) for s in self.splits})
            rows.append(row)
        return pl.DataFrame(rows)


def _groups(evals: Sequence[str], own: Sequence[str]) -> tuple[EvalGroup, ...]:
    """Own evals first, then evals sharing a ``prefix/`` (two or more), then the rest one by one."""
    own_set = set(own)
    by_prefix: dict[str, list[str]] = {}
    rest: list[str] = []
    for e in evals:
        if e in own_set:
            continue
        prefix, sep, _ = e.partition("/")
        if sep:
            by_prefix.setdefault(prefix, []).append(e)
        else:
            rest.append(e)
    groups = [EvalGroup("own", tuple(e for e in evals if e in own_set))] if own_set else []
    for prefix, names in by_prefix.items():
        if len(names) > 1:
            groups.append(EvalGroup(f"{prefix}/*", tuple(names)))
        else:
            rest.extend(names)
    groups += [EvalGroup(e, (e,)) for e in sorted(rest)]
    return tuple(groups)


def inventory(runs: Runs) -> Inventory:
    """Per dataset its runs per split, evals and ranges; the evals grouped (own, ``prefix/*``, the rest)."""
    f = runs.frame.with_columns(pl.col("split").fill_null(NO_SPLIT))
    per = (
        f.group_by("dataset")
        .agg(
            pl.col("eval").n_unique().alias("evals"),
            (pl.col("n_repeats") > 1).sum().alias("averaged"),
            *(getattr(pl.col(c), m)().alias(f"{c}_{m}") for c in ("N", "D", "C") for m in ("min", "max")),
        )
        .sort("dataset")
    )
    # sorted: group_by's order varies from call to call, and the JSON must not
    per = per.join(runs.runs_per(["dataset"], f), on="dataset").sort("dataset")
    splits = runs.runs_per(["dataset", "split"], f).rename({"runs": "n"}).select("dataset", "split", "n")
    splits = splits.sort("dataset", "split")
    by_split: dict[str, dict[str, int]] = {}
    for ds, split, n in splits.iter_rows():
        by_split.setdefault(ds, {})[split] = int(n)
    acc_evals: dict[str, int] = {}
    acc_names: tuple[str, ...] = ()
    acc_rows = 0
    if runs.accuracy is not None:
        a = runs.accuracy.group_by("dataset").agg(pl.col("eval").n_unique().alias("n"))
        acc_evals = {str(ds): int(n) for ds, n in a.iter_rows()}
        acc_names = tuple(sorted(runs.accuracy.get_column("eval").unique().to_list()))
        acc_rows = runs.accuracy.height
    split_names = sorted({s for m in by_split.values() for s in m}, key=lambda s: (s == NO_SPLIT, s))
    datasets = tuple(
        DatasetInventory(
            dataset=r["dataset"],
            runs=int(r["runs"]),
            by_split=by_split.get(r["dataset"], {}),
            evals=int(r["evals"]),
            accuracy_evals=acc_evals.get(r["dataset"], 0),
            own_eval=runs.own_eval.get(r["dataset"]),
            averaged=int(r["averaged"]),
            **{f"{v}_{m}": float(r[f"{v}_{m}"]) for v in ("N", "D", "C") for m in ("min", "max")},
        )
        for r in per.iter_rows(named=True)
    )
    missing = [d.dataset for d in datasets if d.own_eval is None]
    notes = (f"no own eval for {', '.join(missing)}",) if missing else ()
    return Inventory(
        datasets=datasets,
        splits=tuple(split_names),
        runs=runs.n_runs,
        rows=runs.frame.height,
        evals=tuple(runs.evals),
        eval_groups=_groups(runs.evals, sorted(set(runs.own_eval.values()))),
        accuracy_evals=acc_names,
        accuracy_rows=acc_rows,
        notes=notes,
    )
