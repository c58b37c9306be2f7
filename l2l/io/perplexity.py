"""Perplexities read as losses (``ingest --perplexity``): each value's natural log, the loss in nats.

An evaluation harness or a training log may give perplexities only (``val_ppl``, ``eval/c4/ppl``, an lm-eval-harness
``perplexity`` metric): without the option they are refused, a law of perplexity being no law of loss. With it:

- a column whose name says perplexity (``l2l.io.columns.says_perplexity``; not its standard error,
  ``perplexity_stderr``) is read as ln(value) under its name with
  the perplexity word made ``loss`` (``val_ppl`` → ``val_loss``, ``eval/c4/ppl`` → ``eval/c4/loss``); in a long
  table without a loss column, its one perplexity column is the loss (``test_ppl``). A column whose loss name the
  table has already (``val_loss`` beside ``val_ppl``) is left as it is: the table gives that loss itself;
- a metric column's per-token perplexity rows (``perplexity``, ``ppl``, ``token_perplexity``) are loss rows of
  ln(value) (``metric_is_perplexity``);
- a long table's eval whose name says perplexity (``lambada_ppl``) is that eval's loss (``lambada_loss``).

A perplexity is exp(loss) ≥ 1: a value below 1 is refused at its line (a loss given as a perplexity?).
Word and byte perplexities (lm-eval's ``word_perplexity``, ``byte_perplexity``) are per word or byte, not per token,
and stay refused. Every read says what was read so (a note of the ingest report).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, UsageError
from l2l.base.text import some_of

if TYPE_CHECKING:
    from l2l.io.readers import _Raw
    from l2l.io.selection import Where

__all__ = [
    "BELOW_ONE_HINT",
    "as_given",
    "below_one",
    "loss_name",
    "metric_is_perplexity",
    "original_column",
    "perplexity_renames",
    "where_on_logged",
    "with_logged_perplexities",
]

_PPL_WORD = re.compile(r"(?<![A-Za-z0-9])(perplexities|perplexity|ppl)(?![A-Za-z0-9])", re.IGNORECASE)
#: Metric names (``schema.norm_name``) of a per-token perplexity, read as loss rows.
_TOKEN_PERPLEXITY_METRICS = frozenset({"perplexity", "ppl", "token_perplexity", "perplexity_per_token"})
#: The fix of a perplexity below 1, in every refusal of one.
BELOW_ONE_HINT = "if the column holds losses already, read it without --perplexity; else correct the cell"


def loss_name(name: str) -> str | None:
    """``name`` with its perplexity word made ``loss`` (``val_ppl`` → ``val_loss``, ``eval/c4/ppl`` →
    ``eval/c4/loss``, ``perplexity`` → ``loss``; camelCase at its word boundaries: ``valPPL`` → ``val_loss``,
    ``evalPpl`` → ``eval_loss``); None where no whole word of it says perplexity (``upper``, ``pplx``)."""
    from l2l.io.columns import split_camel

    out, n = _PPL_WORD.subn("loss", name)
    if not n:
        out, n = _PPL_WORD.subn("loss", split_camel(name))
    return out if n else None


def metric_is_perplexity(metric: str) -> bool:
    """Whether a metric column's value names a per-token perplexity (``perplexity``, ``ppl``), read with
    ``--perplexity`` as loss rows of ln(value); ``word_perplexity`` and ``byte_perplexity`` are not per token."""
    return schema.norm_name(schema.metric_name(metric)).replace("-", "_") in _TOKEN_PERPLEXITY_METRICS


def perplexity_renames(
    columns: Sequence[str], mapping: Mapping[str, str], *, wide: bool
) -> tuple[dict[str, str], list[str]]:
    """({perplexity column → the loss column it becomes}, notes on those left as they are) for a file's
    ``columns``; ``mapping`` the ``--column`` mapping that applies to the file (a loss mapped there is the loss)."""
    from l2l.io.columns import says_perplexity, says_spread, split_camel

    # (lm-eval's perplexity_stderr is a standard error of one: its log is no loss)
    ppl = [c for c in columns if says_perplexity(c) and says_spread(split_camel(c)) is None]
    if not ppl:
        return {}, []
    names: dict[str, str] = {}
    mapped_loss = mapping.get("loss")
    has_loss = (mapped_loss is not None and mapped_loss not in ppl) or any(
        schema.canonical_name(c) == "loss" for c in columns if c not in ppl
    )
    if not wide and not has_loss and len(ppl) == 1:
        names[ppl[0]] = "loss"  # a long table's one perplexity column is its loss (test_ppl)
    else:
        for c in ppl:
            new = loss_name(c)
            if new is not None:
                names[c] = new
    taken = {c for c in columns if c not in names}
    out: dict[str, str] = {}
    notes: list[str] = []
    for c, new in names.items():
        if new in taken or new in out.values():
            notes.append(
                f"column {c!r} not read as a loss (--perplexity): the table gives its log as {new!r} already"
            )
            continue
        out[c] = new
    return out, notes


def where_on_logged(
    specs: Sequence[Where], logged: Mapping[str, str]
) -> tuple[tuple[Where, ...], dict[str, str]]:
    """``specs`` (``--where``) with each that names a perplexity column as the file does (``val_ppl<500``: its
    values as the file writes them) made a filter of the loss column read from it (``val_loss<6.2146``, ln of the
    number; another such column, by its loss name), and {each new filter as said → the filter as given}: the report
    and its refusals name the column as the user did (``--where val_ppl<500`` was "no column 'val_ppl' (columns:
    …, val_loss)", probe h49)."""
    import math

    from l2l.base import schema
    from l2l.io.selection import ORDER_OPS, Where

    by_norm = {schema.norm_name(old): new for old, new in logged.items()}
    out: list[Where] = []
    shown: dict[str, str] = {}
    for spec in specs:
        new = logged.get(spec.column) or by_norm.get(schema.norm_name(spec.column))
        if new is None:
            out.append(spec)
            continue
        try:
            x = schema.parse_quantity(spec.value)
        except ValueError:
            x = math.nan
        if math.isfinite(x):
            value = repr(math.log(x)) if x > 0 else "-1e300"  # (every perplexity is above a number ≤ 0)
        else:
            value = logged.get(spec.value) or by_norm.get(schema.norm_name(spec.value)) or spec.value
            if spec.op in ORDER_OPS and value == spec.value:
                # another column that is no perplexity: its numbers would have been compared with ln(perplexity),
                # silently (probe h49's ``val_ppl<tokens``)
                raise UsageError(
                    f"--where {spec}: {spec.column} is read as ln(perplexity) (--perplexity): it is compared with a "
                    f"number (its perplexity as the file writes it) or another perplexity column, not with "
                    f"{spec.value}",
                    param="where",
                )
        made = Where(new, value, spec.negate, spec.op)
        out.append(made)
        shown[str(made)] = str(spec)
    return tuple(out), shown


def with_logged_perplexities(raw: _Raw, renames: Mapping[str, str], notes: Sequence[str] = ()) -> _Raw:
    """``raw`` with each column of ``renames`` (old → new name) read as ln(value) under its new name, the values
    that are no number left as written (refused later, at their line); a perplexity below 1 is refused here, at its
    line and column. The read is said in ``raw.notes`` and kept in ``raw.logged`` (a careful re-read repeats it)."""
    if not renames:
        return replace(raw, notes=(*raw.notes, *notes)) if notes else raw
    frame = raw.lazy()
    schema_ = frame.collect_schema()
    exprs = []
    for old, new in renames.items():
        col = pl.col(old)
        text = schema_[old] == pl.String
        value = col.str.strip_chars().cast(pl.Float64, strict=False) if text else col.cast(pl.Float64)
        _refuse_below_one(raw, frame, old, value)
        logged = value.log()
        exprs.append(
            (
                pl.when(value.is_not_null()).then(logged.cast(pl.String)).otherwise(col) if text else logged
            ).alias(new)
        )
    said = some_of([f"{old} → {new}" for old, new in renames.items()], 6)
    note = f"read as ln(perplexity), the loss in nats (--perplexity): {said}"
    out = replace(
        raw,
        logged={**raw.logged, **renames},
        notes=(*raw.notes, note, *notes),
        bad={renames.get(c, c): v for c, v in raw.bad.items()},
    )
    order = [renames.get(c, c) for c in raw.columns]
    if raw.scan is not None:
        out.scan = raw.scan.with_columns(exprs).drop(list(renames)).select(order)
        out.names = order
    else:
        out.frame = raw.frame.with_columns(exprs).drop(list(renames)).select(order)
    return out


def _refuse_below_one(raw: _Raw, frame: pl.LazyFrame, column: str, value: pl.Expr) -> None:
    """An ``InputError`` at the first row whose perplexity is a finite number below 1 (its log no loss)."""
    first = (
        frame.select(value.alias("v"))
        .with_row_index("_i")
        .filter(pl.col("v").is_finite() & (pl.col("v") < 1))
        .head(1)
        .collect()
    )
    if first.height:
        row, v = int(first["_i"][0]), float(first["v"][0])
        raise raw.error(
            below_one(v),
            row=row,
            column=column,
            hint=BELOW_ONE_HINT,
        )


def below_one(value: float) -> str:
    """The refusal of a perplexity below 1 (``value``), with the loss its log would be where it has one."""
    import math

    log = f" (its log, {math.log(value):.4g}, is no loss)" if value > 0 else ""
    return f"{value:g} is no perplexity: a perplexity is exp(loss), at least 1{log}"


def original_column(exc: InputError, renames: Mapping[str, str]) -> InputError:
    """``exc`` naming a perplexity column by its name in the file (it named the loss column read from it)."""
    back = {new: old for old, new in renames.items()}
    if exc.column not in back:
        return exc
    old = back[exc.column]
    bare = exc.message
    prefix = ", ".join(
        [
            *([str(exc.path)] if exc.path is not None else []),
            *([f"line {exc.line}"] if exc.line is not None else []),
            f"column {exc.column!r}",
        ]
    )
    if bare.startswith(prefix + ": "):
        bare = bare[len(prefix) + 2 :]
    return InputError(
        f"{bare} (read as ln({old}): --perplexity)",
        path=exc.path,
        line=exc.line,
        column=old,
        hint=exc.hint,
        param=exc.param,
    )


def as_given(exc: UsageError, shown: Mapping[str, str], renames: Mapping[str, str]) -> UsageError:
    """``exc`` (a refused ``--where``) naming each filter and perplexity column as the user did (``shown``: filter
    made → filter given; ``renames``: perplexity column → its loss column), not as read (``where_on_logged``)."""
    message, hint = exc.message, exc.hint
    for made, given in shown.items():
        message = message.replace(f"--where {made}", f"--where {given}")
    for old, new in renames.items():
        message = message.replace(f"column {new!r}", f"column {old!r}")
        hint = hint.replace(f"column {new!r}", f"column {old!r}") if hint is not None else None
    return UsageError(message, hint=hint, param=exc.param)
