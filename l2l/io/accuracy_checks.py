"""The checks of the accuracies once every file is read: accuracies read in percent (``--accuracy-percent``: a
unit in doubt, fractions among percentages), and loss evals whose values look like accuracies
(``l2l.io.suspects``), refused or warned about."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from l2l.base.errors import InputError, UsageError
from l2l.base.text import plural, quoted, some_of
from l2l.io.table_types import ReadOptions, _Part

__all__: list[str] = []


#: The fix of an accuracy in percent read as a loss, in every hint that names it.
_PERCENT_FIX = (
    "with --accuracy-percent, or its values divided by 100: accuracies are fractions, 0.25 for 25 %"
)


def _percent_read(acc_parts: Sequence[pl.DataFrame]) -> list[str]:
    """The notes of accuracies read in percent (``--accuracy-percent``), a warning where every one lies below 1 %
    (fractions already, read again as percent? or a hard task's percentages), or a usage error where none was
    read."""
    values = (
        pl.concat([a.select("accuracy") for a in acc_parts]).get_column("accuracy") if acc_parts else None
    )
    if values is None or values.drop_nulls().len() == 0:
        raise UsageError(
            "--accuracy-percent: no accuracy was read",
            hint="name the accuracy columns (--accuracy-columns GLOB) or give a metric column that marks them",
            param="accuracy_percent",
        )
    top = float(values.max())  # type: ignore[arg-type]
    # said, not refused: a hard task's accuracies in percent do sit below 1 % (a small model's GSM8K), and the
    # option is the one way to read them so (probe p64); fractions read as percent would sit there too
    doubt = (
        [
            f"warning: --accuracy-percent: every accuracy lies below 1 % (largest {100 * top:.3g} %): fractions "
            "already? then leave out --accuracy-percent"
        ]
        if top <= 0.01
        else []
    )
    read = (
        "accuracies read in percent (--accuracy-percent): divided by 100 (a chance column too where its levels "
        "pass 1; levels given as fractions are kept)"
    )
    return [*doubt, *_mixed_percent(acc_parts), *_fraction_evals(acc_parts, top), read]


def _fraction_evals(acc_parts: Sequence[pl.DataFrame], top: float) -> list[str]:
    """A warning naming the evals whose every accuracy, read in percent, lies below 1 % where the table's others
    reach past 10 %: an export with some tasks in percent and others in fractions, the fractions divided by 100
    too (h27: ARC-Challenge's 0.25-0.47 kept as 0.0025-0.0047 beside HellaSwag's 25-62 %, fitted and predicted
    at 0.6 points)."""
    if top <= 0.1:
        return []
    frame = pl.concat([a.select("eval", "accuracy") for a in acc_parts]).drop_nulls()
    tops = frame.group_by("eval", maintain_order=True).agg(pl.col("accuracy").max().alias("top"))
    low = tops.filter(pl.col("top") <= 0.01)
    if low.height == 0:
        return []
    names = [quoted(e) for e in low.get_column("eval").to_list()]
    largest = float(low.get_column("top").max())  # type: ignore[arg-type]
    return [
        f"warning: --accuracy-percent: {plural(low.height, 'eval')} ({some_of(names, 4)}) "
        f"{'lies' if low.height == 1 else 'lie'} below 1 % in every run (largest "
        f"{100 * largest:.3g} %) where the table's others reach {100 * top:.3g} %: "
        "given in fractions? Read as percent, each was divided by 100 too; give every accuracy in one unit, or "
        "ingest the evals in percent apart (--where, then --append)"
    ]


def _mixed_percent(acc_parts: Sequence[pl.DataFrame]) -> list[str]:
    """A warning for each eval whose accuracies, read in percent, fall in two groups 10× or more apart where the
    lower one, read as fractions, would lie among the others: fractions among percentages (two harnesses' exports
    merged), each fraction divided by 100 without a word (0.25 kept as 0.0025 beside 0.25-0.61; h1)."""
    frame = pl.concat([a.select("eval", "accuracy") for a in acc_parts]).drop_nulls()
    out = []
    for (ev,), group in frame.group_by("eval", maintain_order=True):
        values = group.get_column("accuracy")
        low, high = values.filter(values <= 0.01), values.filter(values > 0.01)
        if low.len() == 0 or high.len() == 0:
            continue
        lo_max, hi_min, hi_max = float(low.max()), float(high.min()), float(high.max())  # type: ignore[arg-type]
        if (
            lo_max > 0
            and hi_min >= 10 * lo_max
            and 100 * lo_max >= 0.5 * hi_min
            and 100 * lo_max <= 2 * hi_max
        ):
            out.append(
                f"warning: --accuracy-percent: eval {ev!r} has {plural(low.len(), 'accuracy')} of "
                f"{100 * lo_max:.3g} % or less beside {high.len()} of {100 * hi_min:.3g}-{100 * hi_max:.3g} %: "
                "fractions among "
                "percentages? Read as percent, each of those was divided by 100 too; give every accuracy in one "
                "unit"
            )
    return out


def _accuracies_as_losses(frame: pl.DataFrame, parts: Sequence[_Part], opts: ReadOptions) -> list[str]:
    """Refuse loss evals whose values look like accuracies (``l2l.io.suspects``): all in [0, 1] and rising with
    compute, or beside the task's loss eval. A long table's rows whose metric column says loss are losses; a wide
    table's columns named by ``--loss-columns`` are said to be losses too, and only warned about."""
    from l2l.io.suspects import accuracy_suspects

    said = {e for p in parts for e in p.info.get("metric_said", ())}
    suspects = accuracy_suspects(frame, skip=sorted(said))
    if not suspects:
        return []
    first, more = suspects[0], suspects[1:]
    part = parts[int(frame.filter(pl.col("eval") == first.eval).get_column("_file")[0])]
    by_eval = {e: c for c, e in part.info.get("loss_columns", {}).items()} if opts.wide else {}
    # a wide table's columns by their own names (they read 'csqa' for the column csqa_loss)
    others = (
        f" (and {len(more)} more: {', '.join(repr(by_eval.get(s.eval, s.eval)) for s in more[:4])})"
        if more
        else ""
    )
    if opts.wide:
        if opts.loss_columns is not None:  # named as losses: said, not refused
            return [
                f"warning: column {by_eval.get(s.eval, s.eval)!r} (eval {s.eval!r}, taken by --loss-columns): "
                f"{s.evidence()}: {s.what}? It is fitted as a loss; --accuracy-columns GLOB reads it as one"
                + (f" ({_PERCENT_FIX})" if s.percent else "")
                for s in suspects
            ]
        column = by_eval.get(first.eval, first.eval)
        every = "|".join(by_eval.get(s.eval, s.eval) for s in suspects)
        hundred = f" ({_PERCENT_FIX})" if first.percent else ""
        raise InputError(
            f"{first.evidence()}: {first.what} detected as a loss column?{others}",
            path=part.raw.path,
            column=column,
            hint=f"read {'them as accuracies' if more else 'it as an accuracy'}: --accuracy-columns '{every}'"
            f"{hundred}; or, if {'they hold' if more else 'it holds'} losses, name the loss columns: --loss-columns "
            "GLOB",
            param="accuracy_columns",
        )
    column = str(part.info["columns"].get("columns", {}).get("eval", "eval"))
    leave = " ".join(f"--where '{column}!={s.eval}'" for s in suspects[:3]) + (
        " …" if len(suspects) > 3 else ""
    )
    hundred = f" ({_PERCENT_FIX})" if first.percent else ""
    raise InputError(
        f"eval {first.eval!r}: {first.evidence()}: {first.what} read as a loss?{others}",
        path=part.raw.path,
        column=column,
        hint=f"give a metric column: accuracy on the accuracies' rows (under the task's name){hundred}, loss or "
        f"blank on the others; if these are losses, write loss in it on their rows; or leave them out: {leave}",
    )
