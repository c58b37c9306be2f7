"""Per-dataset facts a run table states in columns l2l does not fit: each dataset's tokenizer (``tokenizer``,
``vocab_size``) and the distinct tokens its data holds (``unique_tokens``, or D over an ``epochs`` column), carried
past ingest into ``Runs.tokenizers`` and ``Runs.unique_tokens`` (and the workspace's config).

Per-token losses of models with different tokenizers measure different units (a tokenizer of 3 bytes per token has a
lower loss per token than one of 4.2 on the same text, whatever the data): ``rank`` refuses to compare them across
datasets (``l2l.workflows.targets.tokenizer_refusal``). A D beyond a dataset's unique tokens repeats its data, which
no law fitted as if each token were new predicts (``l2l.core.repetition``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Final

import polars as pl

from l2l.base import schema
from l2l.io.columns import TOKENIZER_COLUMNS, repeat_column
from l2l.io.provenance import MOST_EPOCHS, PassesColumn, passes_columns

__all__ = [
    "TOKENIZER_COLUMNS",
    "carried_columns",
    "dataset_tokenizers",
    "dataset_unique_tokens",
    "states_dataset_fact",
    "tokenizer_notes",
]


def states_dataset_fact(column: str) -> bool:
    """Whether a column's name says it states a fact carried per dataset (a tokenizer, unique tokens, epochs): a
    wide export's such column is carried as a long table's other columns are."""
    return schema.norm_name(column) in TOKENIZER_COLUMNS or repeat_column(column) is not None


#: Passes within this share of one are one pass (epochs given to a few digits).
_ONE_PASS: Final = 0.02


def _key(column: str, prefix: str) -> str:
    return schema.norm_name(column[len(prefix) :])


def carried_columns(frame: pl.DataFrame, prefix: str) -> list[str]:
    """The names (without ``prefix``) of the not-fitted columns whose facts are carried: the tokenizer-like ones,
    and the unique-token or epoch column that gives unique tokens (when one does)."""
    named = [c for c in frame.columns if c.startswith(prefix)]
    out = [c[len(prefix) :] for c in named if _key(c, prefix) in TOKENIZER_COLUMNS]
    if (read := _unique_reading(frame, prefix)) is not None and dataset_unique_tokens(frame, prefix):
        out.append(read.name)
    return out


def dataset_tokenizers(frame: pl.DataFrame, prefix: str) -> dict[str, str]:
    """Dataset → its tokenizer as the tokenizer-like columns (``prefix`` + name) state it: ``tokenizer=gpt2`` (a
    dataset whose runs name several: ``tokenizer=gpt2|llama``); datasets without a value are left out."""
    cols = sorted(c for c in frame.columns if c.startswith(prefix) and _key(c, prefix) in TOKENIZER_COLUMNS)
    if not cols:
        return {}
    out: dict[str, str] = {}
    for ds in sorted(frame.get_column("dataset").unique().to_list()):
        rows = frame.filter(pl.col("dataset") == ds)
        parts = []
        for c in cols:
            values = sorted({str(v).strip() for v in rows.get_column(c).drop_nulls().to_list()} - {""})
            if values:
                parts.append(f"{c[len(prefix) :]}={'|'.join(values)}")
        if parts:
            out[str(ds)] = ", ".join(parts)
    return out


def _unique_reading(frame: pl.DataFrame, prefix: str) -> PassesColumn | None:
    """The column that gives unique tokens, read as ingest's repeated-data warning reads it (names, units,
    plausibility: ``io.provenance.passes_columns``): a unique-token count, else an epoch count (D over it)."""
    reads = passes_columns(frame, prefix)
    return next((r for r in reads if r.unique is not None), reads[0] if reads else None)


def dataset_unique_tokens(frame: pl.DataFrame, prefix: str) -> dict[str, float]:
    """Dataset → the distinct tokens its data holds: the largest of its runs' unique-token counts (or D / epochs),
    the most a run on it could see fresh. Datasets without a value are left out, and so is a dataset whose runs
    would make more than ``MOST_EPOCHS`` passes (a count in units none of the readings could tell)."""
    read = _unique_reading(frame, prefix)
    if read is None:
        return {}
    d = frame.get_column("D")
    unique = read.unique if read.unique is not None else d / read.epochs
    per = (
        pl.DataFrame({"dataset": frame.get_column("dataset"), "D": d, "U": unique})
        .filter(pl.col("U").is_finite() & (pl.col("U") > 0))
        .group_by("dataset")
        .agg(
            pl.col("U").max(),
            (pl.col("D") / pl.col("U")).max().alias("passes"),
            (pl.col("U").max() / pl.col("U").min()).alias("spread"),
        )
        .sort("dataset")
    )

    # a count says how much data there is where a run repeated it, or where it is one number for the dataset (its
    # size); a fresh sweep's "epochs = 1", or each fresh run's own D as its unique tokens, bounds nothing: its
    # largest D was taken for the data's size and every prediction past it flagged as repeating (probe p66)
    def says_size(passes: float, spread: float | None) -> bool:
        if passes > 1.0 + _ONE_PASS:
            return True
        return read.unique is not None and spread is not None and spread <= 1.0 + _ONE_PASS

    return {
        str(ds): float(uu)
        for ds, uu, passes, spread in per.iter_rows()
        if passes is not None and passes <= MOST_EPOCHS and says_size(passes, spread)
    }


def tokenizer_notes(tokenizers: Mapping[str, str], evals: Sequence[str]) -> list[str]:
    """The ingest warning where the datasets' tokenizers differ: their per-token losses are not comparable across
    datasets, and ``rank`` compares the per-byte evals (``NAME:bpb``) instead, naming them where the table has
    some."""
    if len(set(tokenizers.values())) < 2:
        return []
    if evals and all(schema.split_metric(e)[1] == "bpb" for e in evals):
        return []  # every loss per byte: nothing per token to compare (it warned anyway: probe p66)
    # each by its first column's value (``books llama``), the columns named once
    first = {ds: tok.split(", ")[0] for ds, tok in tokenizers.items()}
    columns = list(
        dict.fromkeys(part.split("=", 1)[0] for tok in tokenizers.values() for part in tok.split(", "))
    )
    shown = ", ".join(f"{ds} {tok.split('=', 1)[-1]}" for ds, tok in list(first.items())[:4]) + (
        ", …" if len(first) > 4 else ""
    )
    shown += f"; column{'s' if len(columns) > 1 else ''} {', '.join(repr(c) for c in columns)}"
    bpb = [e for e in evals if schema.split_metric(e)[1] == "bpb"]
    fix = (
        f"rank the per-byte evals ({', '.join(bpb[:3])}{', …' if len(bpb) > 3 else ''})"
        if bpb
        else "ingest the losses per byte too (bits per byte: evals NAME:bpb) and rank those (--metric bpb)"
    )
    return [
        f"warning: the datasets' models use different tokenizers ({shown}): a loss per token is in another unit "
        f"for each, not comparable across datasets (rank refuses it); {fix}"
    ]
