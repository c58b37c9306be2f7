"""The notes on one file's columns that reading it leaves: a per-step log kept at its final checkpoints with too
few token counts for a law, losses whose column names say bits, and an unused column that counts parameters
another way than N (without embeddings, a mixture of experts' active parameters), and an unused column naming
each run's training stage (pretrain, anneal) that splits a dataset's runs in kinds one law is fitted across."""

from __future__ import annotations

from collections.abc import Sequence

import polars as pl

from l2l.base import schema
from l2l.base.runs import MOE_ACTIVE_UNUSED, read_at_final_checkpoints
from l2l.base.text import fmt_si, some_of
from l2l.io.checkpoints import PHASE_NAMES
from l2l.io.provenance import c_count_mismatch
from l2l.io.selection import EXTRA
from l2l.io.table_types import _Part

__all__: list[str] = []


#: Distinct token counts a law's D term needs (the fit refuses fewer: "add runs at more token counts").
_LEAST_TOKEN_COUNTS = 3


def _few_token_counts_note(part: _Part) -> str | None:
    """A warning where a per-step log whose D is the tokens seen, kept at its final checkpoints, leaves a dataset
    fewer than ``_LEAST_TOKEN_COUNTS`` token counts (Pythia: every run to 300B): every law is then refused with
    "add runs at more token counts", where the log itself holds them at its other checkpoints."""
    if not read_at_final_checkpoints(part.info.get("checkpoints") or {}) or part.loss.height == 0:
        return None
    counts = part.loss.group_by("dataset").agg(
        pl.col("D").n_unique().alias("k"), pl.col("D").max().alias("d")
    )
    few = counts.filter(pl.col("k") < _LEAST_TOKEN_COUNTS).sort("dataset")
    if few.height == 0:
        return None
    ds, k, d = few.row(0)
    more = f" (and {few.height - 1} more dataset{'s' if few.height > 2 else ''})" if few.height > 1 else ""
    at = f"at D = {fmt_si(d)}" if k == 1 else f"at {k} token counts"
    return (
        f"warning: every run of dataset {ds!r} ends {at}{more}: a law needs {_LEAST_TOKEN_COUNTS} token counts or "
        "more, so fitting one is refused; D is the tokens seen, so l2l ingest --checkpoints all keeps every "
        "checkpoint (its laws then predict checkpoints, not finished runs)"
    )


def _bits_note(part: _Part) -> str | None:
    """A warning where a file's losses come from columns whose names say bits (``--column loss=val_loss_bits``, a
    wide export's ``eval/bpb``): read as they are, laws, predictions and ranks are in bits, 1.44 times the nats of
    other tables (a probe's prediction 5.47 for a truth of 3.77 nats), and nothing said so."""
    from l2l.io.columns import bits_hint, says_bits

    read = [
        part.info["columns"].get("columns", {}).get("loss"),
        # (a column read as NAME:bpb is kept apart from the losses in nats, as a metric column's bpb rows are)
        *(c for c, ev in part.info.get("loss_columns", {}).items() if schema.split_metric(ev)[1] is None),
    ]
    bits = [c for c in read if c is not None and says_bits(c) is not None]
    if not bits:
        return None
    fix = bits_hint(bits[0], fix_only=True, wide=bits[0] in part.info.get("loss_columns", {}))
    return (
        f"warning: the losses are read as they are from {some_of([repr(c) for c in bits])}, whose name says bits, "
        f"not nats: every number l2l gives for them is then in bits; {fix}"
    )


def _parameter_notes(ignored: Sequence[str], part: _Part) -> list[str]:
    """Notes where a file's unused column counts parameters another way than the N taken from another column:
    without embeddings (the (Mis)Fitting table: N with embeddings, N_no_emb unused), which moves α and N*
    (Kaplan's exponents against Chinchilla's come largely from it); a mixture of experts' active parameters
    (``active_params`` beside the total ``n_params``), whose count compute follows. Nothing said which one the
    laws were fitted on."""
    from l2l.io.columns import says_active_params, says_non_embedding

    n_col = part.info["columns"].get("columns", {}).get("N", "N")
    out: list[str] = []
    for col in ignored:
        if says_non_embedding(col):
            out.append(
                f"N is column {n_col!r}; column {col!r} (not used) counts parameters without embeddings: which "
                f"count N is moves α and N* (--column N={col} fits the laws on it{_c_follows(part, col, n_col)})"
            )
            break
    else:
        named = "N" in part.info["columns"].get("explicit", ())
        if says_non_embedding(n_col) and not named:  # (a --N given to predict or optimal counts the same)
            out.append(
                f"N is column {n_col!r}, a count of parameters without embeddings: which count N is moves α and "
                "N*, and every model size given (--N) counts the same"
            )
    for col in ignored:
        if says_active_params(col):
            out.append(
                f"N is column {n_col!r}; column {col!r} {MOE_ACTIVE_UNUSED}: compute per token follows the "
                f"active count (C ≈ 6·N_active·D), and which count N is moves α, N* and every budget (--column "
                f"N={col} fits the laws on it{_c_follows(part, col, n_col)})"
            )
            break
    return out


def _c_follows(part: _Part, col: str, n_col: str) -> str:
    """Where a file's C column was computed with its N (column ``n_col``) and, with N taken from ``col`` instead,
    would no longer match it (``c_count_mismatch``): what ``--column N=COL`` then does to C, which the hint that
    offers it left unsaid (probe h3: (Mis)Fitting's C = 6·N·D with embeddings, read with N = N_no_emb, became
    C = 13.9·N·D, the median of a ratio running from 7.08 to 28.5 with the model size)."""
    extra = f"{EXTRA}{col}"
    if "C" not in part.info["columns"].get("columns", {}) or extra not in part.loss.columns:
        return ""
    other = pl.col(extra).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    frame = part.loss.select("dataset", "D", "C", other.alias("N")).filter(
        pl.col("N").is_finite() & (pl.col("N") > 0) & pl.col("C").is_finite()
    )
    if c_count_mismatch(frame) is None:
        return ""
    return (
        f"; the table's C column was computed with column {n_col!r}: with N={col}, C/(N·D) follows the model "
        "size, and l2l takes C = 6·N·D instead"
    )


#: Runs of a stage a stage column must count, in each of two stages or more, for the note (``_stage_note``).
_STAGE_RUNS = 2


def _stage_note(ignored: Sequence[str], part: _Part) -> str | None:
    """A warning where an unused column named as a training stage (``PHASE_NAMES``: ``stage``, ``phase``) splits a
    dataset's runs into two kinds or more of several runs each (base runs beside annealed ones continued from them):
    one law is fitted across them, which no run says it should be. Helper h101's table (iso grids of base runs,
    ``stage=pretrain``, and an annealed run from each, ``stage=anneal``, 3 % lower at 1.1× D) was fitted into one
    law flagged ok with ±10 % intervals (±1-5 % on the base runs alone), its stage column only "not used". A per-step
    log's phase, which reading its checkpoints uses, is no unused column."""
    for col in ignored:
        extra = f"{EXTRA}{col}"
        if schema.norm_name(col) not in PHASE_NAMES or extra not in part.loss.columns:
            continue
        kinds = (
            part.loss.filter(pl.col(extra).is_not_null())
            .group_by("dataset", extra)
            .agg(pl.struct("N", "D").n_unique().alias("runs"))
            .filter(pl.col("runs") >= _STAGE_RUNS)
        )
        split = kinds.group_by("dataset").agg(pl.len().alias("k")).filter(pl.col("k") >= 2).sort("dataset")
        if split.height == 0:
            continue
        ds = str(split["dataset"][0])
        mine = kinds.filter(pl.col("dataset") == ds).sort(["runs", extra], descending=[True, False])
        said = " and ".join(f"{v} ({n})" for v, n in zip(mine[extra], mine["runs"], strict=True))
        first, second = str(mine[extra][0]), str(mine[extra][1])
        more = (
            f" (and {split.height - 1} more dataset{'s' if split.height > 2 else ''})"
            if split.height > 1
            else ""
        )
        return (
            f"warning: column {col!r} (not used) splits {ds}'s runs{more} into {said}: one law is fitted across "
            f"these kinds of run; --where {col}={first} (or {col}={second}) fits one kind"
        )
    return None
