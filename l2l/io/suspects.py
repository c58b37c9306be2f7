"""Loss evals whose values say they are something else: accuracies stored as losses.

A long table without a metric column, or a wide table's detected columns, takes every value as a loss. An accuracy
passes every check a loss must pass (positive, below 13 nats): a probe's HellaSwag accuracies (0.26-0.99) beside
its losses were fitted as losses, and ``rank -t hellaswag`` ranked the worst dataset first. Its values tell: all
in [0, 1], where few losses in nats lie, and rising with compute, where losses fall; or a sibling eval that is the
task's loss (``hellaswag`` beside ``hellaswag_loss``). Both conditions are needed for the first: some of the
paper's 5-shot task losses rise or stall with scale, but above 1; bits per byte lie in [0, 1] but fall.

An accuracy in percent (25-75 on a probe's HellaSwag, rising with compute) passed too: its values above 13 drew only
the perplexity warning, and ``rank -t hellaswag`` ranked the worst dataset first with P(best) 0.97. Values in
[0, 100] that reach past any cross-entropy in nats (``LARGEST_NATS``, 13) and rise with compute are refused as such
(``percent``): values that fall there are perplexities (warned about elsewhere), values below 13 that rise are a
loss that grows with scale as well as a hard task's accuracy (a toy table's losses rising 3.0-3.3 are losses), and
the sibling alone does not make them one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from l2l.base.schema import LARGEST_NATS

__all__ = ["PERCENT", "RISING", "Suspect", "accuracy_suspects"]

#: Pooled rank correlation (Spearman, within each dataset) of an eval's values with compute above which they rise
#: with scale: accuracies of a probe's tables 0.96-0.99; the real tables' losses at most 0.29 (DCLM's
#: commonsense_qa, values above 1), the paper's 0.23, every own loss below -0.8.
RISING: Final = 0.5
#: The same for values that all lie in [0, 1], where few losses in nats lie and none seen rises: an accuracy of a
#: task that emerges late rises weakly across a sweep mostly at chance (a probe's HellaSwag 0.35, MMLU 0.30, read as
#: losses with ``rank`` putting the true best datasets 10th and 11th); bits per byte there fall (below -0.8).
RISING_UNIT: Final = 0.2
#: ... where that correlation is also past chance: rho·√(runs − 1) at least this (a normal score; p ≈ 0.001, the
#: accuracy trend test's level). A flat loss in [0, 1] (a copy task's CE of 0.05) reached 0.24-0.45 on 18 runs by
#: noise alone and was refused in 5 of 10 seeds; the probe's accuracies reached 3.6-4.2 on 144.
RISING_SCORE: Final = 3.0
#: The largest value of an accuracy in percent.
PERCENT: Final = 100.0
#: Task-loss suffixes whose stem, when it is another eval of the table, makes that eval the task's score
#: (``hellaswag`` beside ``hellaswag_loss``; the suffixes ``l2l.workflows.accuracy`` pairs a task's loss by).
_LOSS_SUFFIXES: Final = ("_ce_loss", "/ce_loss", "_loss", "/loss", "_nll", "/nll")


@dataclass(frozen=True)
class Suspect:
    """A loss eval whose values look like an accuracy, and why."""

    eval: str
    lo: float
    hi: float
    rho: float | None  # the pooled rank correlation with C, where rising
    sibling: str | None  # the task's loss eval beside it
    percent: bool = False  # values past ``LARGEST_NATS`` (up to ``PERCENT``): an accuracy in percent

    @property
    def what(self) -> str:
        """What the values look like: ``an accuracy`` or ``an accuracy in percent``."""
        return "an accuracy in percent" if self.percent else "an accuracy"

    def evidence(self) -> str:
        why = []
        if self.rho is not None:
            why.append(f"rising with compute (rank correlation {self.rho:.2f} with C within each dataset)")
        if self.sibling is not None:
            why.append(f"beside its task's loss {self.sibling!r}")
        return f"values {self.lo:.2g}–{self.hi:.2g}, {' and '.join(why)}"


def _stem(name: str) -> str | None:
    for suffix in _LOSS_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return None


def _rising(rows: pl.DataFrame) -> tuple[float, int] | None:
    """The rank correlation of ``loss`` with ``C`` within each dataset (of 3 runs or more), pooled weighted by
    runs, and the runs counted; None where fewer than 4 runs count."""
    ranked = rows.with_columns(
        pl.col("loss").rank().over("dataset").alias("_rl"), pl.col("C").rank().over("dataset").alias("_rc")
    )
    per = (
        ranked.group_by("dataset")
        .agg(pl.corr("_rl", "_rc").alias("rho"), pl.len().alias("n"))
        .filter((pl.col("n") >= 3) & pl.col("rho").is_not_nan() & pl.col("rho").is_not_null())
    )
    runs = int(per.get_column("n").sum())
    if runs < 4:
        return None
    return float((per.get_column("rho") * per.get_column("n")).sum()) / runs, runs


def accuracy_suspects(frame: pl.DataFrame, skip: Sequence[str] = ()) -> list[Suspect]:
    """The loss evals of ``frame`` (dataset, C, eval, loss) whose values all lie in [0, 1] and either rise with
    compute (``RISING``, or ``RISING_UNIT`` past chance) or sit beside the task's loss eval, or all lie in [0,
    ``PERCENT``], reach past ``LARGEST_NATS`` and rise with compute (an accuracy in percent); ``skip``: evals said
    to be losses."""
    if frame.height == 0:
        return []
    stats = frame.group_by("eval").agg(pl.col("loss").min().alias("lo"), pl.col("loss").max().alias("hi"))
    small = stats.filter(pl.col("hi") <= PERCENT).sort("eval")
    if small.height == 0:
        return []
    evals = set(stats.get_column("eval").to_list())
    siblings: dict[str, str] = {}
    for e in sorted(evals):
        stem = _stem(e)
        if stem is not None and stem in evals:
            siblings.setdefault(stem, e)
    out = []
    for ev, lo, hi in small.iter_rows():
        if ev in skip:
            continue
        pooled = _rising(frame.filter(pl.col("eval") == ev).select("dataset", "C", "loss"))
        rho, runs = pooled if pooled is not None else (None, 0)
        rising = rho if rho is not None and rho >= RISING else None
        # percent: past any loss in nats and rising (a task's loss sits beside its _loss eval too)
        if hi > 1.0:
            if rising is not None and hi > LARGEST_NATS:
                out.append(Suspect(ev, float(lo), float(hi), rising, None, percent=True))
            continue
        sibling = siblings.get(ev)
        # in [0, 1] a weaker rise counts where it is past chance (``RISING_UNIT``, ``RISING_SCORE``)
        weak = rho is not None and rho >= RISING_UNIT and rho * math.sqrt(runs - 1) >= RISING_SCORE
        rising = rho if rising is not None or weak else None
        if rising is not None or sibling is not None:
            out.append(Suspect(ev, float(lo), float(hi), rising, sibling))
    return out
