"""Which input column is which: explicit column mappings, canonical-over-alias, and the loss columns of wide exports.

- ``parse_mapping(["N=non_embedding_params"])`` reads ``CANON=SOURCE`` pairs.
- ``resolve_columns(columns, wanted, mapping)`` decides the column for each canonical name: the explicit mapping
  first, then a column with the canonical name itself, then one alias; a second column giving the same canonical
  name is kept as an extra column (and reported) when the choice is clear, and refused only when two aliases
  compete with nothing to prefer one.
- ``detect_loss_columns(frame, candidates)`` picks the loss-like columns of a wide export (one row per run, one
  column per eval) by name and by value range, strips the common prefix and suffix of their names, and says why
  each other column was left out.
"""

from __future__ import annotations

import fnmatch
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Final

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, UsageError
from l2l.io.checkpoints import STEP_NAMES

__all__ = [
    "MAPPABLE",
    "TOKENIZER_COLUMNS",
    "ColumnPlan",
    "ExtraColumn",
    "LeftOut",
    "LossColumns",
    "bits_hint",
    "column_verdict",
    "detect_loss_columns",
    "evals_in_metric",
    "missing_column_hint",
    "name_columns",
    "parse_mapping",
    "perplexity_refusal",
    "repeat_column",
    "resolve_columns",
    "says_active_params",
    "says_bits",
    "says_compute",
    "says_non_embedding",
    "says_perplexity",
    "says_score",
    "says_setting",
    "says_spread",
    "says_tokens_per_param",
    "sizes_in_names",
    "split_camel",
    "without_filters",
]

#: Column names (``schema.norm_name``) that name the tokenizer of a run's model, or its vocabulary.
TOKENIZER_COLUMNS: Final = frozenset(
    {
        "tokenizer",
        "tokeniser",
        "tokenizer_name",
        "tokenizer_id",
        "tokenizer_type",
        "tokenizer_path",
        "vocab_size",
        "vocabulary_size",
        "vocab",
        "n_vocab",
        "vocab_name",
    }
)


#: Canonical names an explicit mapping may target (``step`` names the checkpoint column of a per-step log).
MAPPABLE: Final[tuple[str, ...]] = (
    "dataset",
    "N",
    "D",
    "eval",
    "loss",
    "run_id",
    "C",
    "split",
    "seed",
    "step",
)


def _repeat_hint(unused: Sequence[str]) -> str | None:
    """How to give D where a table counts the unique tokens (``unique_tokens``) and the passes over them
    (``epochs``) instead: it was refused with D's aliases and no hint (h50)."""
    kinds = {c: kind[0] for c in unused if (kind := repeat_column(c)) is not None}
    unique = next((c for c, k in kinds.items() if k == "unique"), None)
    passes = next((c for c, k in kinds.items() if k == "epochs"), None)
    if unique is None:
        return None
    how = f"D = {unique} × {passes}" if passes is not None else "D of the tokens each run trained on"
    return (
        f"column {unique!r} counts the unique tokens of the data, not the tokens trained on, D: add a column {how} "
        f"and map it: --column D=COL (l2l then warns where D repeats the data and keeps the unique tokens)"
    )


#: Names of a sequence length (tokens per sequence) in trainers' logs and configs.
SEQ_LEN_NAMES: Final = frozenset(
    {"seq_len", "seq_length", "sequence_length", "max_seq_len", "max_seq_length", "context_length", "ctx_len",
     "block_size", "n_ctx", "max_position_embeddings"}
)  # fmt: skip


#: Names of a run's count of steps in a table of one row per run (a sweep's final values, not a log's checkpoints).
STEP_COUNT_NAMES: Final = frozenset(
    {"steps", "num_steps", "n_steps", "train_steps", "training_steps", "num_train_steps", "total_steps",
     "max_steps", "iterations", "train_iters", "num_iterations", "num_iters"}
)  # fmt: skip
#: Names of the tokens of one step's batch that do not say "batch" (``batch_tokens`` does).
STEP_TOKEN_NAMES: Final = frozenset(
    {"tokens_per_step", "tokens_per_batch", "tokens_per_iter", "tokens_per_iteration", "step_tokens"}
)


#: Names of a transformer's layer count and width, where a sweep gives its shape instead of N (helper h95).
DEPTH_NAMES: Final = frozenset({"n_layers", "num_layers", "n_layer", "layers", "depth", "num_hidden_layers"})
WIDTH_NAMES: Final = frozenset({"d_model", "hidden_size", "width", "n_embd", "dim", "model_dim", "emb_dim"})


def _shape_hint(unused: Sequence[str]) -> str | None:
    """How to give N where a width/depth sweep gives each model's layers and width (``n_layers``, ``d_model``)
    instead of its parameter count: it was refused naming the columns, with no hint (helper h95). l2l derives no N
    itself: the count depends on the architecture (MLP ratio, embeddings counted or not)."""
    last = {c: schema.norm_name(c).rsplit("/", 1)[-1] for c in unused}
    depth = next((c for c, w in last.items() if w in DEPTH_NAMES), None)
    width = next((c for c, w in last.items() if w in WIDTH_NAMES), None)
    if depth is None or width is None:
        return None
    return (
        f"the table gives each model's shape ({depth}, {width}), not its parameter count N: add a column N (for a "
        f"standard transformer, non-embedding N ≈ 12 × {depth} × {width}²; add vocabulary × {width} to count the "
        "embeddings) and map it: --column N=COL; l2l derives no N itself"
    )


def _batch_hint(unused: Sequence[str]) -> str | None:
    """How to give D where a per-step log counts steps and the batch (``batch_size`` sequences of ``seq_len``
    tokens, or ``batch_tokens``) instead of the tokens seen: it was refused with D's aliases and no hint (h80, a
    Pythia-style log of step, batch_size and seq_len). So where a sweep of one row per run gives its count of steps
    (``steps``, ``train_steps``) and the tokens of each (``batch_tokens``, ``tokens_per_step``): the same refusal
    without a hint (h89). l2l derives no D itself: the batch may be per device, or may have changed during the run."""
    last = {c: schema.norm_name(c).rsplit("/", 1)[-1] for c in unused}
    step = next((c for c, w in last.items() if w in STEP_NAMES), None) or next(
        (c for c, w in last.items() if w in STEP_COUNT_NAMES), None
    )
    batch = next((c for c, w in last.items() if ("batch" in w and "size" in w) or w in {"bs", "batch"}), None)
    batch_tokens = next(
        (c for c, w in last.items() if ("batch" in w and "token" in w) or w in STEP_TOKEN_NAMES), None
    )
    seq = next((c for c, w in last.items() if w in SEQ_LEN_NAMES), None)
    if step is None or (batch_tokens is None and (batch is None or seq is None)):
        return None
    how = f"{step} × {batch_tokens}" if batch_tokens is not None else f"{step} × {batch} × {seq}"
    return (
        f"the table counts steps ({step}) and the batch, not the tokens trained on, D: add a column of tokens seen, "
        f"D = {how} where that is the whole batch of every step (not per device, never changed), and map it: "
        "--column D=COL"
    )


def missing_column_hint(
    missing: Sequence[str],
    present: Sequence[str],
    unused: Sequence[str],
    *,
    wide: bool,
    nested: Mapping[str, Sequence[str]] | None = None,
    named: Sequence[str] = (),
    shaped: Mapping[str, tuple[str, Sequence[str]]] | None = None,
    evals: tuple[str, Sequence[str]] | None = None,
    sized: tuple[str, Sequence[str]] | None = None,
) -> tuple[str | None, str | None]:
    """(hint, option) for a table missing required columns, or (None, None). Columns of nested objects
    (``nested``: column → its objects' keys, a W&B API dump's config and summary): flatten them. D missing beside N
    and C, or N beside D and C: how to give it (l2l does not assume C = 6·N·D for a table that does not say so). The
    dataset missing beside N and D: a column of a few names (``named``: DataDecide's recipe) read as it, else one
    added. Only the loss missing beside an eval column: a long table whose loss column has a name l2l does not know
    (``loss_bits``), so name it; eval (and loss) missing beside dataset, N and D: perhaps one column per eval, a
    wide table. ``shaped``: unused columns whose values are all counts with a unit (``20M``, ``1.3B``: "count") or
    multiples (``0.5x``, ``5x``: "multiple"), each with a few of its values (``value_shapes``): a size named
    ``size`` is offered as N, a Chinchilla multiple is told to be made into D. ``evals``: a ``metric`` column
    whose values name evals (``evals_in_metric``), read as the eval where the table has none (a long export of
    ``run, N, D, metric, value`` was told to read it as the dataset, then to name one eval: h89). ``sized``: a
    column of model names that hold sizes (``pythia-160m``; ``sizes_in_names``), where N is missing: an N column
    to add, never read out of the names (refused with no hint before, h89)."""
    if nested:
        shown = "; ".join(
            f"{c}: {', '.join(keys[:4])}{', …' if len(keys) > 4 else ''}"
            for c, keys in list(nested.items())[:3]
        )
        known = [(schema.canonical_name(k), f"{c}.{k}") for c, keys in nested.items() for k in keys]
        mapped = [f"--column {canon}={field}" for canon, field in known if canon is not None]
        example = f" ({', '.join(mapped[:2])})" if mapped else ""
        return (
            f"column{'s' if len(nested) > 1 else ''} {', '.join(repr(c) for c in nested)} hold nested objects "
            f"({shown}): l2l reads flat tables, one value per column: flatten them first (pandas.json_normalize "
            "names each field by its path), then read the flat table with --column CANON=FIELD for the fields "
            f"l2l does not know by name{example}, and --wide where each eval's loss is a field of its own",
            "column",
        )
    scored = {schema.norm_name(c) for c in unused} | set(present)
    if (
        {"dataset", "N", "D"} <= set(missing)
        and "run_id" in present
        and scored & {"metric", "value", "accuracy", "acc", "acc_norm", "score"}
        and not _path_aliases(missing, unused)
    ):
        # an evaluation harness's run_id, task, metric, value read first (p75: a 714-character list of aliases)
        return (
            "a table keyed by run id alone (an evaluation harness's accuracies?): ingest the losses first, then "
            "append it with l2l ingest --append FILE: each row's dataset, N and D are taken from the stored run of "
            "its id",
            None,
        )
    if evals is not None and "eval" in missing:
        col, seen = evals
        loss = " and name the column of their values: --column loss=COL" if "loss" in missing else ""
        data = (
            "; and a dataset column (or --dataset NAME for a table of one corpus)"
            if "dataset" in missing
            else ""
        )
        shown = ", ".join(seen[:3]) + (", …" if len(seen) > 3 else "")
        return (
            f"column {col!r} names what each row measures ({shown}), not a kind of metric (loss, bpb, "
            f"accuracy): a table of one row per run and eval, its eval in that column: read it as the eval: "
            f"--column {shlex.quote(f'eval={col}')}{loss}{data}",
            "column",
        )
    lossy = [
        c for c in unused if "/" in c and any(w in ("loss", "ce", "nll") for w in _words(split_camel(c)))
    ]
    if not wide and "eval" in missing and "loss" in missing and len(lossy) >= 2:
        # several losses after paths (train/loss, eval/hellaswag/loss): one row per run, a column per eval; the
        # hint said --column loss=train/loss and never --wide (p70)
        dataset = (
            " --dataset NAME (the one dataset of a table without a dataset column)"
            if "dataset" in missing
            else ""
        )
        # the pattern takes every loss-named column, not only those after a path (Pythia's pile_val_loss beside
        # hellaswag/loss: the own loss was left out), and matches them: 'eval/*/loss' matched no column of a table
        # of four task/loss columns (h57)
        losses = [c for c in unused if _loss_named(c)] or lossy
        return (
            f"one row per run with a loss column per eval ({', '.join(losses[:3])}"
            f"{', …' if len(losses) > 3 else ''}): read it with --wide "
            f"--loss-columns {shlex.quote(_loss_pattern(losses, unused))}{dataset}",
            None,
        )
    by_path = _path_aliases(missing, unused)
    if by_path:  # a W&B export's model/params, throughput/total_tokens: an accepted name after a path
        options = " ".join(f"--column {canon}={col}" for canon, col in by_path)
        rest = [c for c in missing if c not in dict(by_path)]
        dataset = f"; {ONE_DATASET}" if "dataset" in rest else ""
        return (
            f"{'these columns are' if len(by_path) > 1 else 'this column is'} named by an accepted name after a "
            f"path: read {'them' if len(by_path) > 1 else 'it'} with {options}{dataset}",
            None,
        )
    ratio = next((c for c in unused if says_tokens_per_param(c)), None)
    if "D" in missing and "N" in present and ratio is not None:
        return (
            f"column {ratio!r} looks like tokens per parameter (D/N), not the training tokens D: add a column "
            f"D = {ratio} × N (N: the parameter count) and map it: --column D=COL",
            "column",
        )
    if "D" in missing and (repeat := _repeat_hint(unused)) is not None:
        return repeat, "column"
    if "D" in missing and (batches := _batch_hint(unused)) is not None:
        return batches, "column"
    if "N" in missing and (shape := _shape_hint(unused)) is not None:
        return shape, "column"
    scaled = _scaled_columns(missing, unused)
    if scaled:
        # every such column at once: params_M beside tokens_B named one, and the user met the other's error after
        # fixing it (probe p71)
        said = "; ".join(f"{col!r} looks like {canon} counted in {unit}" for col, canon, unit in scaled)
        conv = ", ".join(f"{canon} = {col} × {_UNIT_FACTORS[unit]}" for col, canon, unit in scaled)
        maps = " ".join(
            f"--column {shlex.quote(f'{canon}={col}')}" for col, canon, _ in scaled
        )  # 'D=tokens (B)'
        it = "it" if len(scaled) == 1 else "them"
        return (
            f"column {said}: l2l reads {it} as a plain count, so convert {it} ({conv}) or write the unit into each "
            f"value (50M, 1.2B), then map {it}: {maps}",
            "column",
        )
    active = [c for c in unused if says_active_params(c)]
    total_count = next((c for c in unused if says_total_params(c)), None)
    if "N" in missing and total_count is not None and not active:
        # alone, a total count is not taken for N: a mixture of experts' compute per token follows its active
        # parameters (an MoE export with only total_params was refused with no hint; p67)
        return (
            f"read the total parameter count as N: --column N={total_count} (a mixture of experts: compute per token "
            "follows the active parameters; give those as N where the table has them)",
            "column",
        )
    pf_days = next(
        (c for c in unused if "pfday" in "".join(_words(c)) or "petaflopday" in "".join(_words(c))), None
    )
    if "D" in missing and "N" in present and pf_days is not None:
        return (
            f"column {pf_days!r} looks like compute in PF-days (1 PF-day = 8.64e19 FLOPs), and l2l needs the "
            "training tokens D: add a D column; if C = 6·N·D holds for these runs (C counted without attention or "
            f"embeddings), that is D = {pf_days} × 8.64e19 / (6·N)",
            None,
        )
    if "N" in missing and active:  # total_params beside active_params: neither is an alias of N
        total = [c for c in unused if c not in active and "param" in schema.norm_name(c)]
        other = f", or the total count --column N={total[0]}" if total else ""
        return (
            f"name the parameter count N: --column N={active[0]} (a mixture of experts: compute per token "
            f"follows the active parameters, C ≈ 6·N_active·D){other}",
            "column",
        )
    if "D" in missing and {"N", "C"} <= set(present):
        # D = C / (6·N) only where the runs' C follows that convention (no embeddings, no attention FLOPs, a
        # counter of the trainer's own): l2l never assumes it of a table that does not say so
        return (
            "the table gives N and compute C but no training tokens D, and l2l does not derive D from C: add a D "
            "column; if C = 6·N·D holds for these runs (C counted without attention or embeddings), that is "
            "D = C / (6·N)",
            None,
        )
    if "N" in missing and {"D", "C"} <= set(present):
        # the mirror of the above: a table of tokens and FLOPs (probe h48's flops_D.parquet was refused with no hint)
        return (
            "the table gives D and compute C but no parameter count N, and l2l does not derive N from C: add an N "
            "column; if C = 6·N·D holds for these runs (C counted without attention or embeddings), that is "
            "N = C / (6·D)",
            None,
        )
    shaped = shaped or {}
    counts = [c for c, (kind, _) in shaped.items() if kind == "count"]
    counts.sort(key=lambda c: not any(w in schema.norm_name(c) for w in ("size", "param", "model")))
    if "N" in missing and counts:
        # DataDecide's and OLMo's ladders write sizes as "190M", "1.3B" under a name l2l does not know (probe h48)
        col, seen = counts[0], shaped[counts[0]][1]
        also = f" --column dataset={named[0]}" if "dataset" in missing and named else ""
        return (
            f"column {col!r} holds counts with a unit ({', '.join(seen)}), as N is written: if it counts each "
            f"model's parameters, read it as N: --column {shlex.quote(f'N={col}')}{also}",
            "column",
        )
    if "N" in missing and sized is not None:
        col, seen = sized
        return (
            f"column {col!r} names the models with their sizes ({', '.join(seen)}, …), and l2l reads no N out of a "
            "name (a name's size is rounded: Pythia-160M has 162M parameters): add a column N of each model's "
            "parameter count and map it: --column N=COL",
            "column",
        )
    multiples = [c for c, (kind, _) in shaped.items() if kind == "multiple"]
    if "D" in missing and multiples:
        col, seen = multiples[0], shaped[multiples[0]][1]
        return (
            f"column {col!r} holds multiples ({', '.join(seen)}), not the training tokens D: if they are multiples "
            "of a number of tokens per parameter (Chinchilla's 20), add a column D = multiple × 20 × N (l2l derives "
            "no D) and map it: --column D=COL",
            "column",
        )
    if "dataset" in missing and {"N", "D"} <= set(present):
        if named:
            return (
                f"if column {named[0]!r} names the data each run trained on, read it as the dataset: --column "
                f"dataset={named[0]}",
                "column",
            )
        several = (
            "a table of several datasets holds their names in a column: add one, or read one under another name "
            "with --column dataset=COL"
        )
        if not wide and "eval" not in present and "loss" in present:
            return (
                "a table of one corpus and one loss (params, tokens, loss): --dataset NAME --eval NAME name the "
                "data every row trained on and the set its loss is measured on (or --wide takes the loss column as "
                f"the eval 'loss'); {several}",
                None,
            )
        return (
            f"a table of one corpus or mixture: --dataset NAME names the data every row trained on; {several}",
            None,
        )
    if wide or not {"dataset", "N", "D"} <= set(present):
        return None, None
    bits = next((c for c in unused if says_bits(c) is not None), None)
    if (
        "loss" in missing and bits is not None
    ):  # mapped as it is, a loss in bits was fitted 1.44 times too high
        then = "; --eval NAME names the set every row's loss is measured on" if "eval" in missing else ""
        return bits_hint(bits) + then, "column"
    if set(missing) & {"eval", "loss"} == {"loss"} and "eval" in present and unused:
        ppl = [c for c in unused if says_perplexity(c)]
        others = [c for c in unused if c not in ppl]
        picks = [c for c in others if any(w in c.lower() for w in ("loss", "bits", "nll", "ce", "entropy"))]
        if not picks and ppl:  # never the perplexities: their log is the loss
            return (
                f"column {ppl[0]!r} holds perplexities (its name says so), not losses: l2l fits per-token losses "
                f"(nats), the log of a perplexity: --perplexity reads it as ln({ppl[0]}), the loss; or add a "
                f"column of log({ppl[0]}) and give it as the loss (--column loss=COL)"
            ), "column"
        scores = [c for c in others if says_score(c) and says_spread(c) is None]
        if not picks and scores:
            # an evaluation harness's scores (lm-eval's `acc,none`) with no loss: it was told `--column
            # loss=acc,none` without a metric column, or `--column loss=model` (helper h102)
            metric = next((c for c in unused if _words(c) == ["metric"]), None)
            how = (
                f"column {metric!r} says which rows are accuracies"
                if metric is not None
                else "add a column metric = accuracy, which says the rows are accuracies"
            )
            return (
                f"column {scores[0]!r} holds scores (its name says so), not losses: {how}, and --column "
                f"'loss={scores[0]}' reads the scores as the rows' values (kept apart from the losses; a run id "
                "column alone joins them to the losses stored with those ids: l2l ingest --append)",
                "column",
            )
        if others:
            return (
                f"name the column that holds the losses, e.g. --column loss={(picks or others)[0]}",
                "column",
            )
        return None, None
    if set(missing) & {"eval", "loss"} == {"eval"} and "loss" in present:
        return (
            "a table of one loss per run: --eval NAME names the set every row's loss is measured on; if the table "
            "has one column per eval (one row per run), read it as a wide table (--wide)",
            None,
        )
    if {"eval", "loss"} & set(missing):
        return "if the table has one column per eval (one row per run), read it as a wide table", "wide"
    return None, None


#: How to name the one dataset of a table without a dataset column (``ingest --dataset NAME``).
ONE_DATASET: Final = "to name the one dataset of a table without a dataset column, use --dataset NAME"
#: How to name the one eval of a table without an eval column (``ingest --eval NAME``).
ONE_EVAL: Final = "to name the one eval of a table without an eval column, use --eval NAME"


_COUNT_WITH_UNIT: Final = re.compile(r"^\d+(?:\.\d+)?\s*[kmbt]$", re.IGNORECASE)
_MULTIPLE: Final = re.compile(r"^\d+(?:\.\d+)?\s*[x×]$", re.IGNORECASE)


def value_shapes(
    frame: pl.LazyFrame, columns: Sequence[str], rows: int = 1000
) -> dict[str, tuple[str, list[str]]]:
    """The ``columns`` whose values (the first ``rows``, blanks aside) are all counts with a unit (``20M``, ``1.3B``):
    "count", or all multiples (``0.5x``, ``5x``): "multiple"; each with up to three of its distinct values, in
    order of appearance (``missing_column_hint``'s ``shaped``)."""
    if not columns:
        return {}
    head = frame.select([pl.col(c).cast(pl.String).str.strip_chars() for c in columns]).head(rows).collect()
    out: dict[str, tuple[str, list[str]]] = {}
    for c in columns:
        values = [v for v in head.get_column(c).unique(maintain_order=True).to_list() if v]
        for kind, shape in (("count", _COUNT_WITH_UNIT), ("multiple", _MULTIPLE)):
            if len(values) >= 2 and all(shape.match(v) for v in values):
                out[c] = (kind, values[:3])
    return out


def evals_in_metric(
    frame: pl.LazyFrame, columns: Sequence[str], rows: int = 1000
) -> tuple[str, list[str]] | None:
    """The column named ``metric`` among ``columns`` where its values (the first ``rows``) name what each row
    measures rather than a metric kind (a long export of ``run, N, D, metric, value`` rows: ``web_val_loss``,
    ``val_mix_loss``), with up to four of them (``missing_column_hint``'s ``evals``). None where there is no such
    column, or every value names a kind of metric (``loss``, ``acc``: the metric column l2l reads)."""
    col = next((c for c in columns if schema.norm_name(c) == "metric"), None)
    if col is None:
        return None
    head = frame.select(pl.col(col).cast(pl.String).str.strip_chars()).head(rows).collect().to_series()
    values = [v for v in head.drop_nulls().unique(maintain_order=True).to_list() if v]
    if not values or all(schema.metric_kind(v) is not None or _is_number(v) for v in values):
        return None
    return col, values[:4]


#: A model size inside a name (``pythia-160m``, ``olmo-1.4b``, ``llama_7B_run2``): a number and a unit, a whole part.
_SIZE_IN_NAME: Final = re.compile(r"(?:^|[^a-z0-9.])(\d+(?:\.\d+)?)([mb])(?:$|[^a-z0-9])", re.IGNORECASE)


def sizes_in_names(
    frame: pl.LazyFrame, columns: Sequence[str], rows: int = 1000
) -> tuple[str, list[str]] | None:
    """The first of ``columns`` whose text values (the first ``rows``) each hold a model size inside a name
    (``pythia-160m``, ``olmo-1.4b``), two sizes at least, with up to three of its values (``missing_column_hint``'s
    ``sized``): a table that names its models instead of counting their parameters. l2l reads no N out of a name
    (a name's size is rounded: Pythia-160M has 162M parameters, Pythia-1B 1.01B)."""
    for col in columns:
        head = frame.select(pl.col(col).cast(pl.String).str.strip_chars()).head(rows).collect().to_series()
        values = [v for v in head.drop_nulls().unique(maintain_order=True).to_list() if v]
        sizes = {m.group(1, 2) for v in values if (m := _SIZE_IN_NAME.search(v)) is not None}
        named = len(values) >= 2 and len(sizes) >= 2 and all(_SIZE_IN_NAME.search(v) for v in values)
        if named and not all(_COUNT_WITH_UNIT.match(v) for v in values):  # (a bare 160M: ``value_shapes``)
            return col, values[:3]
    return None


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _path_aliases(missing: Sequence[str], unused: Sequence[str]) -> list[tuple[str, str]]:
    """(canonical name, column) for each missing column that an unused column names by its last path part (W&B's
    ``model/params`` for N, ``throughput/total_tokens`` for D): the first such column of each."""
    out = []
    for canon in missing:
        hit = next(
            (c for c in unused if "/" in c and schema.canonical_name(c.rsplit("/", 1)[-1]) == canon), None
        )
        if hit is not None:
            out.append((canon, hit))
    return out


def name_columns(
    frame: pl.LazyFrame, columns: Sequence[str], *, sizes: str | None = None, most: int = 100
) -> list[str]:
    """The ``columns`` that may name each run's dataset under another name (DataDecide's ``recipe``), fewest names
    first: text, not numbers, at most ``most`` names, each on several rows on average, not the kinds of metric
    (loss, acc), and one name at least over several model sizes (``sizes``: the column of N), which a run's own
    name never is; in a table of one model size, where no name can span two (RegMix's mixtures, one small model
    each: probe h48), that test is left out."""
    if not columns:
        return []
    if sizes is not None:
        one_size = frame.select(pl.col(sizes).drop_nulls().n_unique()).collect().item() <= 1
        sizes = None if one_size else sizes
    text = [pl.col(c).cast(pl.String).str.strip_chars() for c in columns]
    row = (
        frame.select(
            pl.len().alias("_rows"),
            *[t.drop_nulls().n_unique().alias(f"{i}:names") for i, t in enumerate(text)],
            *[
                t.cast(pl.Float64, strict=False).is_not_null().sum().alias(f"{i}:numbers")
                for i, t in enumerate(text)
            ],
        )
        .collect(engine="streaming")
        .row(0, named=True)
    )
    out: list[tuple[int, int, str]] = []
    for i, c in enumerate(columns):
        names = int(row[f"{i}:names"])
        if row[f"{i}:numbers"] or not 1 <= names <= min(most, int(row["_rows"]) // 2):
            continue
        values = frame.select(pl.col(c).cast(pl.String).drop_nulls().unique()).collect().to_series().to_list()
        if schema.names_metric_kinds(values):
            continue
        if sizes is not None:
            spans = (
                frame.group_by(c).agg(pl.col(sizes).n_unique().alias("k")).select(pl.col("k").max()).collect()
            )
            if not spans.height or (spans.item() or 0) < 2:
                continue
        out.append((names, i, c))
    return [c for _, _, c in sorted(out)]


#: Name suffixes that count a column in a unit (``params_M``, ``tokens_B``, ``tokens (B)``, ``D_Gtok``), and the
#: unit's factor.
_UNIT_SUFFIXES = {"k": "thousands", "m": "millions", "b": "billions", "bn": "billions", "g": "billions"}
_UNIT_SUFFIXES |= {"t": "trillions"}
_UNIT_FACTORS = {"thousands": "1e3", "millions": "1e6", "billions": "1e9", "trillions": "1e12"}
#: A unit after a name: ``_B``, ``(B)``, ``[B]``, ``_Gtok`` (giga-tokens), ``_billions``.
_UNIT_AFTER: Final = re.compile(
    r"^(?P<stem>.+?)(?:_+\(?|\s*[(\[]\s*)(?P<unit>[a-z]+?)(?:tok|toks|tokens|params)?\s*[)\]]?$"
)


def name_unit(col: str) -> str | None:
    """The unit a column's name counts in (``tokens (B)``, ``tokens_B``: "billions"; ``params_M``: "millions"), or
    None where its name gives none."""
    hit = _UNIT_AFTER.match(schema.norm_name(col))
    if hit is None:
        return None
    suffix = hit.group("unit")
    return _UNIT_SUFFIXES.get(suffix, suffix if suffix in _UNIT_FACTORS else None)


def unit_hint(col: str, canon: str) -> str | None:
    """How to give column ``col``, read as ``canon`` (N or D), in plain counts where its name says it counts in a
    unit; None where it says none."""
    unit = name_unit(col)
    if unit is None:
        return None
    return (
        f"column {col!r} looks like {canon} counted in {unit}: l2l reads it as a plain count, so convert it "
        f"({canon} = {col} × {_UNIT_FACTORS[unit]}) or write the unit into each value (50M, 1.2B)"
    )


def _scaled_columns(missing: Sequence[str], unused: Sequence[str]) -> list[tuple[str, str, str]]:
    """(column, canonical name, unit) for each unused column named as a missing N or D with a unit suffix
    (``params_M``, ``tokens_billions``, ``tokens (B)``, ``D_Gtok``): a probe's table got only the list of
    accepted names."""
    out = []
    for col in unused:
        hit = _UNIT_AFTER.match(schema.norm_name(col))
        unit = name_unit(col)
        if hit is None or unit is None:
            continue
        stem = hit.group("stem").rstrip("_ ")
        canon = schema.canonical_name(stem)
        if canon in ("N", "D") and canon in missing:
            out.append((col, canon, unit))
    return out


def _accepted(canon: str) -> tuple[str, ...]:
    return schema.accepted_names(canon)


# ----------------------------------------------------------------------------------------------------
# Explicit mappings and canonical-over-alias
# ----------------------------------------------------------------------------------------------------


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """``["N=non_embedding_params", "D=tokens"]`` as ``{"N": "non_embedding_params", "D": "tokens"}``.

    The canonical side is matched case-insensitively (``n=...`` is N). Raises ``UsageError`` for a malformed
    pair, an unknown canonical name, or a canonical name or source column given twice.
    """
    by_lower = {c.lower(): c for c in MAPPABLE}
    out: dict[str, str] = {}
    for item in items:
        canon_text, sep, source = item.partition("=")
        canon_text, source = canon_text.strip(), source.strip()
        if not sep or not canon_text or not source:
            raise UsageError(f"column mapping {item!r} is not of the form CANON=SOURCE (e.g. N=params)")
        canon = by_lower.get(canon_text.lower())
        if canon is None:
            raise UsageError(
                f"column mapping {item!r}: {canon_text!r} is not a column l2l uses (columns: {', '.join(MAPPABLE)})"
            )
        if canon in out:
            raise UsageError(f"column mapping gives {canon} twice: {out[canon]!r} and {source!r}")
        if source in out.values():
            raise UsageError(f"column mapping uses column {source!r} twice")
        out[canon] = source
    return out


@dataclass(frozen=True)
class ExtraColumn:
    """An input column l2l does not use, and why (for the ingest report)."""

    name: str
    reason: str


@dataclass(frozen=True)
class ColumnPlan:
    """The input column chosen for each canonical name, and what became of the others.

    ``columns`` maps canonical name → input column (``step`` included when mapped explicitly); ``aliases``
    lists the chosen columns not named canonically (input → canonical); ``explicit`` the canonical names
    mapped explicitly; ``extras`` every other column with a reason.
    """

    columns: Mapping[str, str]
    aliases: Mapping[str, str]
    explicit: tuple[str, ...]
    extras: tuple[ExtraColumn, ...]

    @property
    def step(self) -> str | None:
        return self.columns.get("step")

    def renames(self) -> dict[str, str]:
        """input column → canonical name for every chosen column except ``step`` (which keeps its name)."""
        return {src: canon for canon, src in self.columns.items() if canon != "step"}

    def select(self, lf: pl.LazyFrame, keep: Sequence[str] = ()) -> pl.LazyFrame:
        """``lf`` with the chosen columns under their canonical names, plus ``keep`` (e.g. the step column, id
        columns, a wide table's loss columns) under their own names; every other column dropped."""
        exprs = [pl.col(src).alias(canon) for canon, src in self.columns.items() if canon != "step"]
        taken = set(self.renames().values())
        extra = [c for c in dict.fromkeys(keep) if c not in self.renames() or c == self.step]
        clash = [c for c in extra if c in taken]
        if clash:
            raise InputError(f"column {clash[0]!r} is needed under its own name and as a canonical column")
        return lf.select(*exprs, *[pl.col(c) for c in extra])

    def to_dict(self) -> dict[str, object]:
        return {
            "columns": dict(self.columns),
            "aliases": dict(self.aliases),
            "explicit": list(self.explicit),
            "extras": {e.name: e.reason for e in self.extras},
        }


def _explicit(columns: Sequence[str], mapping: Mapping[str, str], path: str | None) -> dict[str, str]:
    """canonical → input column for an explicit mapping (source names matched exactly, then normalised)."""
    by_norm = {schema.norm_name(c): c for c in columns}
    chosen: dict[str, str] = {}
    for canon, source in mapping.items():
        col = source if source in columns else by_norm.get(schema.norm_name(source))
        if col is None:  # (dataset=c4 read as "missing column 'dataset'": a name for it, not a column)
            constant = {"dataset": ONE_DATASET, "eval": ONE_EVAL}.get(canon)
            raise InputError(
                f"the column mapping names {source!r} for {canon}, but there is no column {source!r} "
                f"(columns: {', '.join(repr(c) for c in columns)})",
                path=path,
                column=source,
                hint=f"--column {canon}=COL names a column of the table; {constant}" if constant else None,
            )
        chosen[canon] = col
    return chosen


def _pick(canon: str, cols: Sequence[str], path: str | None) -> str:
    """The one of ``cols`` (all giving ``canon``) to use: the canonically named one, or the only one."""
    exact = [c for c in cols if schema.norm_name(c) == schema.norm_name(canon)]
    if len(exact) > 1:
        raise InputError(
            f"columns {exact[0]!r} and {exact[1]!r} both give {canon}; keep one of them",
            path=path,
            column=exact[1],
        )
    if exact:
        return exact[0]
    if len(cols) == 1:
        return cols[0]
    raise InputError(
        f"columns {cols[0]!r} and {cols[1]!r} both give {canon}; l2l cannot tell which to use",
        path=path,
        column=cols[1],
        hint=f"map one explicitly, e.g. {canon}={cols[0]}",
    )


def _total_first(
    columns: Sequence[str], cols: Sequence[str], extras: Mapping[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The columns that may give N when the table counts parameters both with and without embeddings: the count
    with them (a total: an alias of N, or a column named ``total_params``), the one without left to the notes
    (``params,non_embedding_params`` was refused, ``total_params,non_embedding_params`` took the count without
    embeddings silently while ``N,non_embedding_params`` took the total with a note; probe p60). Unchanged when
    there is no such pair."""
    without = [c for c in cols if says_non_embedding(c)]
    if not without:
        return list(cols), dict(extras)
    why = "counts parameters without embeddings; N is the count with them"
    total = [c for c in cols if c not in without]
    if not total:
        total = [c for c in columns if c in extras and says_total_params(c)][:1]
    if not total:
        return list(cols), dict(extras)
    out = {c: r for c, r in extras.items() if c not in total}
    out.update(dict.fromkeys(without, why))
    return total, out


def resolve_columns(
    columns: Sequence[str],
    wanted: Sequence[str],
    *,
    required: Sequence[str] = (),
    mapping: Mapping[str, str] | None = None,
    path: str | None = None,
    given: Mapping[str, str] | None = None,
) -> ColumnPlan:
    """Choose the input column for each canonical name in ``wanted`` (explicit ``mapping`` first).

    Rules when several columns give one canonical name: an explicit mapping wins; else a column named with the
    canonical name itself wins over aliases; the losers are kept as extra columns and reported. Two aliases
    with no canonical column are refused (``InputError``: map one explicitly), as is a missing ``required``
    column or a mapping naming a column the table does not have. ``given``: the columns the caller added, one
    value in every row (column → value: ``ingest --dataset NAME``), said apart from the file's in that error.
    """
    mapping = dict(mapping or {})
    given = dict(given or {})
    chosen = _explicit(columns, mapping, path)
    if "loss" in chosen and says_perplexity(chosen["loss"]):
        message, hint = perplexity_refusal(chosen["loss"])
        raise InputError(message, path=path, column=chosen["loss"], hint=hint, param="column")
    extras: dict[str, str] = {}
    candidates: dict[str, list[str]] = {}
    for col in columns:
        if col in chosen.values():
            continue
        target = schema.canonical_name(col)
        if target is None or target not in wanted:
            step_like = schema.norm_name(col).rsplit("/", 1)[-1] in STEP_NAMES
            extras[col] = "a step/checkpoint column" if step_like else "not a column l2l uses"
            continue
        candidates.setdefault(target, []).append(col)
    if "N" not in chosen and "N" in candidates:
        candidates["N"], extras = _total_first(columns, candidates["N"], extras)
    for canon, cols in candidates.items():
        if canon in chosen:
            extras.update(
                dict.fromkeys(cols, f"also gives {canon}; the column mapping chose {chosen[canon]!r}")
            )
            continue
        chosen[canon] = winner = _pick(canon, cols, path)
        extras.update({c: f"also gives {canon}; kept {winner!r}" for c in cols if c != winner})
    missing = [c for c in required if c not in chosen]
    if missing:
        parts = [f"{c!r} (accepted names: {', '.join(_accepted(c))})" for c in missing]
        raise InputError(
            f"missing column{'s' if len(missing) > 1 else ''} {'; '.join(parts)}; "
            f"found {', '.join(repr(c) for c in columns if c not in given)}"
            + "".join(f" (and --{c} {value})" for c, value in given.items()),
            path=path,
            column=missing[0],
        )
    order = {c: i for i, c in enumerate(columns)}
    return ColumnPlan(
        columns=dict(sorted(chosen.items(), key=lambda kv: order[kv[1]])),
        aliases={src: canon for canon, src in chosen.items() if src != canon},
        explicit=tuple(mapping),
        extras=tuple(ExtraColumn(c, extras[c]) for c in columns if c in extras),
    )


# ----------------------------------------------------------------------------------------------------
# Loss columns of wide exports
# ----------------------------------------------------------------------------------------------------

_TOKEN_SPLIT = re.compile(r"[/_.\-:\s]+")
_WORD = re.compile(r"[a-z]+")
#: Name parts that mark a loss.
LOSS_WORDS: Final[frozenset[str]] = frozenset(
    {"loss", "losses", "ce", "nll", "xent", "cross", "entropy", "bpb", "bpc", "bits", "val", "valid", "eval"}
)
#: Name parts that mark a score (an accuracy and the like): higher is better, never a loss.
SCORE_WORDS: Final[frozenset[str]] = frozenset(
    {"acc", "accuracy", "accuracies", "f1", "em", "exact", "match", "bleu", "rouge", "score"}
    | {"len_norm", "acc_norm", "length_norm"}  # the words of SCORE_PAIRS, joined
)


#: Name parts that mark a column that is never a loss (checked before LOSS_WORDS).
NOT_LOSS_WORDS: Final[dict[str, str]] = {
    **dict.fromkeys(("lr", "learning", "rate"), "a learning rate"),
    **dict.fromkeys(("runtime", "time", "timestamp", "duration", "wall", "sec", "secs", "seconds"), "a time"),
    **dict.fromkeys(("step", "steps", "epoch", "epochs", "iter", "iteration", "global"), "a step count"),
    **dict.fromkeys(("throughput", "speed", "per", "mfu", "samples"), "a throughput"),
    **dict.fromkeys(("grad", "gradient", "norm", "clip", "scale"), "a gradient statistic"),
    **dict.fromkeys(("params", "parameters", "tokens", "flops", "batch", "size"), "a size"),
    **dict.fromkeys(("seed",), "a seed"),
    **dict.fromkeys(SCORE_WORDS, "a score"),
    # (probe p77: Gadre et al.'s `avg_top1_error_17` was taken as a loss, its law fitted with E on its bound)
    **dict.fromkeys(("error", "errors", "err"), "an error rate (one minus an accuracy), not a loss"),
    **dict.fromkeys(("ppl", "perplexity", "perplexities"), "a perplexity, not a loss (its log is the loss)"),
    **dict.fromkeys(("memory", "mem", "gpu", "gpus", "nodes", "count", "num"), "a resource count"),
    **dict.fromkeys(("weight", "decay", "wd", "momentum", "warmup", "dropout"), "a hyperparameter"),
    # (h18: a W&B per-step export's frac_done, 0.1 to 1, was taken as the loss of an eval 'frac_done')
    **dict.fromkeys(("frac", "fraction", "progress", "done", "pct", "percent"), "a run's progress"),
}
#: Name parts that mark a perplexity, and those that say a column is its log (a loss).
PERPLEXITY_WORDS: Final[frozenset[str]] = frozenset({"ppl", "perplexity", "perplexities"})
LOG_WORDS: Final[frozenset[str]] = frozenset({"log", "ln", "logppl"})
LOSS_RANGE: Final[tuple[float, float]] = (0.05, 30.0)  # every value of a loss column lies here
NOT_NUMERIC: Final[str] = "not numeric"
WHOLE_NUMBERS: Final[str] = "all values are whole numbers"
NOT_POSITIVE: Final[str] = "values ≤ 0"
_SIZE_NAME: Final[str] = f"its name says {NOT_LOSS_WORDS['batch']} ("


def may_set_up_runs(reason: str) -> bool:
    """Whether a wide table's column left out as no loss for ``reason`` (``detect_loss_columns``) may set up its
    runs, as a long table's other columns do: text (a configuration's name), whole numbers (a layer count), values
    from 0 (a configuration's index), a size (a batch size). Its values then tell runs at one (dataset, N, D) apart
    where they recur (probe h62: two configurations of Porian et al.'s table exported wide were averaged); a
    measured value (a time, a score, a gradient norm) never does."""
    return reason in (NOT_NUMERIC, WHOLE_NUMBERS) or reason.startswith((NOT_POSITIVE, _SIZE_NAME))


@dataclass(frozen=True)
class LeftOut:
    """A candidate column not taken as a loss, and why."""

    column: str
    reason: str


@dataclass(frozen=True)
class LossColumns:
    """The loss columns of a wide table: ``kept`` maps input column → eval name (prefix/suffix stripped),
    ``left_out`` the other candidates with a reason each."""

    kept: Mapping[str, str]
    left_out: tuple[LeftOut, ...]

    @property
    def renamed(self) -> dict[str, str]:
        """The kept columns whose eval name differs from the column name."""
        return {c: e for c, e in self.kept.items() if c != e}

    def to_dict(self) -> dict[str, object]:
        return {"kept": dict(self.kept), "left_out": {x.column: x.reason for x in self.left_out}}


#: Two name parts that together name an accuracy: OLMo's `hellaswag_len_norm` and lm-eval-harness's `acc_norm`
#: are length-normalised accuracies, not a gradient's norm.
SCORE_PAIRS: Final[frozenset[tuple[str, str]]] = frozenset(
    {("len", "norm"), ("acc", "norm"), ("length", "norm")}
)


def _loss_named(column: str) -> bool:
    """A column whose name says a loss (``train/loss``, ``pile_val_loss``, OLMo's ``eval/c4/CrossEntropyLoss``: its
    words split at camel case) and nothing else (not ``loss_scale``)."""
    words = _words(split_camel(column))
    return any(w in ("loss", "ce", "nll") for w in words) and column_verdict(column)[1] is None


def _loss_pattern(losses: Sequence[str], columns: Sequence[str]) -> str:
    """A --loss-columns pattern that matches ``losses`` and no other of ``columns``: the names joined by ``|``
    (three or fewer), else a glob that takes exactly them (``*/loss``), else all of them joined."""
    if len(losses) > 3:
        for glob in ("*/loss", "eval/*/loss", "*_loss", "*loss"):
            if [c for c in columns if fnmatch.fnmatchcase(c, glob)] == list(losses):
                return glob
    return "|".join(losses)


def _words(name: str) -> list[str]:
    """The name's lower-case words; a pair in SCORE_PAIRS becomes one word (`len_norm`, a score)."""
    words = [w for part in _TOKEN_SPLIT.split(name.lower()) for w in _WORD.findall(part)]
    for i in range(len(words) - 1, 0, -1):
        if (words[i - 1], words[i]) in SCORE_PAIRS:
            words[i - 1 : i + 1] = [f"{words[i - 1]}_{words[i]}"]
    return words


#: A word boundary inside a camelCase name: lower case (or a digit) then upper case (``valPPL``, ``evalPpl``), or an
#: acronym then a word (``PPLScore``).
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")


def split_camel(name: str) -> str:
    """``name`` with ``_`` at its camelCase word boundaries (``valPPL`` → ``val_PPL``, ``evalPpl`` → ``eval_Ppl``);
    a name in one case (``upper``, ``apple``, ``PPLX``) as it is."""
    return _CAMEL.sub("_", name)


def says_perplexity(name: str) -> bool:
    """Whether a column's name says it holds perplexities (``ppl``, ``val_perplexity``, ``valPPL``, ``evalPpl``,
    ``val/PPL``: whole words in any case, camelCase too; not ``upper`` or ``apple``), not their log (``log_ppl``,
    ``logPPL``): the one rule for a loss taken from such a column, wide (a pattern or detection) or long (a
    mapping, a hint)."""
    words = _words(split_camel(name))
    return bool(PERPLEXITY_WORDS & set(words)) and not LOG_WORDS & set(words)


#: Name parts (of ``norm_name``, ``-`` as ``_``) that mark a parameter count without embeddings (``N_no_emb``,
#: ``non_embedding_params``, ``n_params_nonembed``).
NON_EMBEDDING_PARTS: Final[tuple[str, ...]] = (
    "no_emb",
    "non_emb",
    "nonemb",
    "noemb",
    "without_emb",
    "excl_emb",
)


def says_non_embedding(name: str) -> bool:
    """Whether a column's name says it counts parameters without embeddings."""
    norm = schema.norm_name(name).replace("-", "_")
    return any(w in norm for w in NON_EMBEDDING_PARTS)


def says_total_params(name: str) -> bool:
    """Whether a column's name says it counts all parameters (``total_params``, ``n_params_total``,
    ``num_total_parameters``; not a count without embeddings, nor active parameters)."""
    words = _words(name)
    params = any(w.startswith("param") for w in words)
    return "total" in words and params and not says_non_embedding(name) and not says_active_params(name)


def says_active_params(name: str) -> bool:
    """Whether a column's name says it counts a mixture of experts' active (activated) parameters
    (``active_params``, ``num_active_params``, ``n_active``; not ``active_experts``, nor ``activation_fn``)."""
    words = _words(name)
    joined = "".join(words)
    if any(w.startswith("expert") for w in words):
        return False
    active = any(w in ("active", "activated") for w in words) or "activeparam" in joined
    counts = any(w.startswith("param") or w in ("n", "num", "count") for w in words) or "param" in joined
    return active and counts


#: What ``NOT_LOSS_WORDS`` calls a column that sets up a run (runs that differ in it are different runs).
_SETTING_KINDS: Final[frozenset[str]] = frozenset({"a learning rate", "a hyperparameter"})


def says_setting(name: str) -> bool:
    """Whether a column's name says it sets up a run (``lr``, ``warmup``, ``weight_decay``): a wide export's such
    column is carried to tell runs apart, as a long table's other columns are."""
    return any(NOT_LOSS_WORDS.get(w) in _SETTING_KINDS for w in _words(name))


#: Name parts that mark a standard error or deviation (lm-eval-harness's ``acc_stderr``): a spread, never a value.
SPREAD_WORDS: Final[frozenset[str]] = frozenset({"stderr", "se", "sem", "std", "stdev", "stddev"})


def says_spread(name: str) -> str | None:
    """The word of a column's name that says it holds a standard error or deviation (``hellaswag/acc_stderr``,
    ``arc_se``), or None."""
    return next((w for w in _words(name) if w in SPREAD_WORDS), None)


def says_score(name: str) -> bool:
    """Whether a name says it holds a score (``hellaswag/acc``, ``squad_exact_match``) and nothing of a loss
    (``arc_acc_ce_loss`` is a loss): the rule of wide columns, for a long table's eval names."""
    words = set(_words(name))
    return bool(SCORE_WORDS & words) and not LOSS_WORDS & words


#: Name parts that say a loss is in bits (log2) rather than nats, and those that say it is per byte or character.
BITS_WORDS: Final[frozenset[str]] = frozenset({"bits", "bit", "bpb", "bpc"})
PER_BYTE_WORDS: Final[frozenset[str]] = frozenset(
    {"bpb", "bpc", "byte", "bytes", "char", "chars", "character"}
)


def says_bits(name: str) -> str | None:
    """``"per byte"`` for a name that says bits per byte or character (``bpb``, ``bits_per_byte``), ``"per
    token"`` for bits alone (``val_loss_bits``, ``loss_log2``), None for a name that says neither."""
    words = set(_words(name))
    if not words & BITS_WORDS and "log2" not in schema.norm_name(name):
        return None
    return "per byte" if words & PER_BYTE_WORDS else "per token"


def bits_hint(column: str, *, fix_only: bool = False, wide: bool = False) -> str:
    """How to give the losses of a column in bits as the nats l2l fits (``says_bits``); ``fix_only``: the fix
    alone, without what the column holds; ``wide``: a wide export's column (no single loss column to name)."""
    if says_bits(column) == "per byte":
        what = f"column {column!r} holds bits per byte or character (its name says so), not a loss per token in nats"
        fix = f"add a column {column} × ln 2 × (bytes per token of the tokenizer)"
    else:
        what = f"column {column!r} holds losses in bits (log2; its name says so), and l2l fits nats (natural log)"
        fix = f"add a column {column} × ln 2 ({column} × 0.6931)"
    fix += (
        " and read it in its place (a wide export's loss columns: --loss-columns PATTERN)"
        if wide
        else " and give it as the loss (--column loss=COL)"
    )
    return fix if fix_only else f"{what}: {fix}"


#: Names of a column of tokens per parameter (D/N): ``tokens_per_param``, ``tpp``, ``d_over_n``.
_TOKENS_PER_PARAM: Final = re.compile(
    r"^(tpp|d_?over_?n|d/n|(tokens?|data)_?(per|to)_?params?(eters?)?(_ratio)?)$"
)


def says_tokens_per_param(name: str) -> bool:
    """Whether a column's name says it holds tokens per parameter (D/N), not D."""
    return _TOKENS_PER_PARAM.match(schema.norm_name(name).replace("-", "_")) is not None


def says_compute(name: str) -> bool:
    """Whether a column's name says it holds training compute (``flops``, ``flops_1e18``, ``compute_pf_days``)."""
    return bool({"flops", "flop", "compute", "pf", "pfdays"} & set(_words(name)))


def perplexity_refusal(column: str, *, wide: bool = False) -> tuple[str, str]:
    """(message, hint) refusing the losses of a column whose name says perplexity; ``wide``: of a wide table, where
    each eval's loss is a column of its own (the hint said to "give that one as the loss", no way in a wide read;
    p67)."""
    how = (
        "--perplexity reads each such column as ln(perplexity) under a loss name (c4_ppl → c4_loss); or add, for "
        "each eval, a column of log(perplexity) named with a loss word (eval/c4/loss, c4_loss) and read those with "
        "--loss-columns (e.g. 'eval/*/loss')"
        if wide
        else "--perplexity reads it as ln(perplexity), the loss; or add a column of log(perplexity) and give that "
        "one as the loss"
    )
    return (
        f"column {column!r} holds perplexities (its name says so), not losses: a law of perplexity is not a law "
        "of loss",
        f"l2l fits per-token losses (nats), the log of a perplexity: {how}",
    )


#: Loss units a path's last part may consist of alone (``eval/TASK/loss``, ``TASK/bpb``), and what a task's name
#: before it never says (a score, an error rate, a perplexity keep the column out wherever they stand).
_LOSS_UNIT_WORDS: Final[frozenset[str]] = frozenset(
    {"loss", "losses", "ce", "nll", "xent", "cross", "entropy", "bpb", "bpc", "bits", "per", "byte", "bytes"}
)
_NEVER_A_TASK: Final[frozenset[str]] = frozenset(
    {
        "a score",
        "an error rate (one minus an accuracy), not a loss",
        "a perplexity, not a loss (its log is the loss)",
    }
)


def _task_words(name: str) -> frozenset[str]:
    """The words of a path's earlier parts where its last part is a loss unit alone (``mmlu_machine_learning/bpb``,
    ``eval/mmlu_global_facts/loss``): they name the task, so a word such as 'learning' or 'global' there says
    nothing of the column (lm-eval's MMLU subjects had their task losses left out as a learning rate and a step
    count; h27). Empty for any other name."""
    head, sep, last = name.strip().rpartition("/")
    last_words = [w for part in _TOKEN_SPLIT.split(last.lower()) for w in _WORD.findall(part)]
    if not sep or not last_words or not set(last_words) <= _LOSS_UNIT_WORDS:
        return frozenset()
    return frozenset(_words(head))


def column_verdict(name: str) -> tuple[bool, str | None]:
    """(has a loss word, reason it is never a loss or None), read without lm-eval-harness 0.4's filter: the
    ``strict-match`` of ``gsm8k/loss,strict-match`` had made a task loss "a score ('match')" (helper h96)."""
    name = schema.column_without_filter(name)
    stem = schema.bpb_stem(name)  # (eval/c4/bits_per_byte is no throughput for its 'per')
    words = _words(name) if stem is None else [*_words(stem), "bpb"]
    task = _task_words(name)
    spread = says_spread(name)
    if spread is not None and not any(w in LOSS_WORDS for w in words):
        # hellaswag/acc_norm_stderr was left out as "a score ('acc_norm')" and offered to --accuracy-columns (h48)
        return False, f"its name says a standard error ({spread!r})"
    for w in words:
        if w in PERPLEXITY_WORDS and not says_perplexity(name):
            continue  # log(perplexity) is a loss
        if w == "per" and any(x in LOSS_WORDS for x in words):
            continue  # loss_per_token is a loss, tokens_per_sec a throughput (probe p79)
        if w in task and NOT_LOSS_WORDS.get(w) not in _NEVER_A_TASK:
            continue  # mmlu_machine_learning/loss: a task's name, the metric after it a loss (h27)
        if w in NOT_LOSS_WORDS:
            return False, f"its name says {NOT_LOSS_WORDS[w]} ({w!r})"
    return any(w in LOSS_WORDS for w in words), None


def _value_stats(frame: pl.DataFrame | pl.LazyFrame, cols: Sequence[str]) -> dict[str, dict[str, float]]:
    exprs: list[pl.Expr] = []
    for i, c in enumerate(cols):
        raw = pl.col(c)
        num = raw.cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        present = raw.is_not_null() & (raw.cast(pl.String).str.strip_chars().str.len_bytes() > 0)
        exprs += [
            present.sum().alias(f"{i}:present"),
            num.is_not_null().sum().alias(f"{i}:numeric"),
            num.filter(num.is_finite()).min().alias(f"{i}:min"),
            num.filter(num.is_finite()).max().alias(f"{i}:max"),
            # NaN (a crashed run's cell in a W&B export) is skipped as a blank cell is; ±inf is no loss
            num.is_infinite().sum().alias(f"{i}:nonfinite"),
            num.is_finite().sum().alias(f"{i}:finite"),
            num.is_between(*LOSS_RANGE).sum().alias(f"{i}:losslike"),
            (num != num.round(0)).sum().alias(f"{i}:fractional"),
        ]
    lf = frame.lazy() if isinstance(frame, pl.DataFrame) else frame
    row = lf.select(exprs).collect(engine="streaming").row(0, named=True)
    out: dict[str, dict[str, float]] = {}
    for i, c in enumerate(cols):
        out[c] = {
            k.split(":", 1)[1]: (float("nan") if v is None else float(v))
            for k, v in row.items()
            if k.startswith(f"{i}:")
        }
    return out


def _value_verdict(s: Mapping[str, float]) -> str | None:
    lo, hi = LOSS_RANGE
    if s["present"] == 0:
        return "no values"
    if s["numeric"] < s["present"]:
        return NOT_NUMERIC
    if s["nonfinite"] > 0:
        return "holds non-finite values"
    if s["finite"] == 0:
        return "no values but NaN"
    if not (s["min"] > 0):
        return f"{NOT_POSITIVE} (min {s['min']:.4g}); a loss is positive"
    if s["min"] < lo or s["max"] > hi:
        return f"values {s['min']:.4g} to {s['max']:.4g}, outside the range of a loss ({lo:g} to {hi:g})"
    if s["numeric"] >= 3 and s["fractional"] == 0:
        return WHOLE_NUMBERS
    if s["numeric"] >= 3 and s["min"] == s["max"]:
        return "the same value in every row"
    return None


def _loss_with_bad_cells(name: str, s: Mapping[str, float]) -> bool:
    """Whether a column named as a loss (``eval/code_val_loss``) holds losses in most of its cells and, in the
    rest, cells no loss has (``inf``, ``0``, ``-1.5``, ``diverged``, ``1e5``): kept, so that the cell checks
    refuse those cells by line and column. Left out for one such cell, its eval vanished and another eval became
    every dataset's own loss (a law named "code" fitted on web_val, exit 0; h1)."""
    has_loss_word, _ = column_verdict(name)
    good = s["losslike"]
    return (
        has_loss_word
        and good >= 2
        and 2 * good >= s["present"]
        and s["fractional"] > 0
        and s["min"] < s["max"]
    )


def _parts(name: str) -> list[str]:
    """``eval/alpha_val/loss`` → ``["eval", "/", "alpha", "_", "val", "/", "loss"]`` (separators kept)."""
    return [p for p in re.split(r"([/_.\-:\s]+)", name) if p]


def _strip_generic(name: str) -> str:
    """One column's name without generic leading/trailing path parts (``eval/hellaswag/loss`` → ``hellaswag``)."""
    p = [s for s in re.split(r"(/)", name) if s]
    while len(p) > 2 and p[0].lower() in schema.GENERIC_PARTS and p[1] == "/":
        p = p[2:]
    while len(p) > 2 and p[-1].lower() in schema.GENERIC_PARTS and p[-2] == "/":
        p = p[:-2]
    return "".join(p)


#: Names the commands read as keywords (every dataset or eval; each dataset's own eval): never made by stripping.
_RESERVED = frozenset({"all", "own"})


def _strip_common(names: Sequence[str]) -> dict[str, str]:
    """Each name without the prefix and suffix (whole name parts) all names share; never empty, never
    merging two names, and never stripping a lone ``val`` marker (it tells a dataset's own eval)."""
    if not names:
        return {}
    if len(names) == 1:
        return {names[0]: _strip_generic(names[0])}
    # a name of one word (a W&B export's training 'loss' beside eval/c4_val/loss...) stays as it is, and the others
    # lose what they share: with it among them nothing was shared, and no eval was found to be a dataset's own
    single = [n for n in names if len(_parts(n)) == 1]
    if single and len(single) < len(names) - 1:
        out = _strip_common([n for n in names if n not in single])
        if not set(single) & set(out.values()):
            return {n: out.get(n, n) for n in names}
    parts = [_parts(n) for n in names]

    def common(seqs: list[list[str]]) -> int:
        k = 0
        while all(len(s) > k for s in seqs) and len({s[k] for s in seqs}) == 1:
            k += 1
        return k

    def words(ps: list[str]) -> set[str]:
        return {p.lower() for p in ps if not _TOKEN_SPLIT.fullmatch(p)}

    # a prefix/suffix must end/start at a separator, leave something, and must not be only a "val" marker
    shortest = min(len(p) for p in parts)
    pre = min(common(parts), shortest - 1)
    while pre and not _TOKEN_SPLIT.fullmatch(parts[0][pre - 1]):
        pre -= 1
    suf = min(common([p[::-1] for p in parts]), shortest - pre - 1)
    while suf > 0 and not _TOKEN_SPLIT.fullmatch(parts[0][len(parts[0]) - suf]):
        suf -= 1
    suf = max(suf, 0)
    if pre and words(parts[0][:pre]) <= schema.VAL_PARTS:
        pre = 0
    if suf and words(parts[0][len(parts[0]) - suf :]) <= schema.VAL_PARTS:
        suf = 0
    # a suffix holding a val marker keeps it (and what comes before it): 'eval/web_val_loss' beside
    # 'eval/code_val_loss' became 'web', beside 'eval/c4_loss' too 'web_val', so two files of one ingest (or an
    # --append) split one eval in two (probe h1)
    tail = parts[0][len(parts[0]) - suf :] if suf else []
    vals = [i for i, p in enumerate(tail) if p.lower() in schema.VAL_PARTS]
    if vals:
        suf -= vals[-1] + 1
    out = {n: "".join(p[pre : len(p) - suf]) for n, p in zip(names, parts, strict=True)}
    # never a name the commands read as a keyword: 'eval/own_val/loss' became the eval 'own' (each dataset's own
    # eval to every command), then a warning to rename it in a table that has no such name
    while suf > 0 and _RESERVED & {v.lower() for v in out.values()}:
        suf -= 1
        while suf > 0 and not _TOKEN_SPLIT.fullmatch(parts[0][len(parts[0]) - suf]):
            suf -= 1
        out = {n: "".join(p[pre : len(p) - suf]) for n, p in zip(names, parts, strict=True)}
    if any(not v for v in out.values()) or len(set(out.values())) < len(out):
        return {n: n for n in names}
    return out


def _generic_tail(name: str) -> str:
    """The trailing generic parts of a column's name with their separators (``eval/c4/loss`` → ``/loss``)."""
    p = _parts(name)
    k = len(p)
    while k > 1 and (_TOKEN_SPLIT.fullmatch(p[k - 1]) or p[k - 1].lower() in schema.GENERIC_PARTS):
        k -= 1
    while k < len(p) and not _TOKEN_SPLIT.fullmatch(p[k]):  # (the tail starts at a separator)
        k += 1
    return "".join(p[k:])


def without_filters(names: Sequence[str]) -> dict[str, str]:
    """Each eval's name (a wide export's column, a long table's ``eval`` cell) without lm-eval-harness 0.4's filter
    (``hellaswag/loss,none`` → ``hellaswag/loss``, ``schema.column_without_filter``), or every name as it is where
    two differ by their filter alone (two evals, not one). A long table kept ``hellaswag/loss,none`` whole where a
    wide read of the same export named it ``hellaswag/loss`` (helper h90)."""
    bare = {c: schema.column_without_filter(c) for c in names}
    return bare if len(set(bare.values())) == len(bare) else {c: c for c in names}


def eval_names(columns: Sequence[str]) -> dict[str, str]:
    """Each loss column's eval name: the loss columns without their common prefix and suffix (``_strip_common``),
    and a column named as bits per byte (``eval/c4/bpb``, ``schema.bpb_stem``) as the eval ``NAME:bpb``, NAME the
    loss column it measures in another unit (``eval/c4/loss`` → ``c4``), else its stem stripped of the losses'
    prefix. One ``eval/c4/bpb`` beside ``eval/*/loss`` kept every loss's ``/loss`` (nothing common was left to
    strip): no dataset's own eval was found and every law command exited 1 (probe p65 D4). An lm-eval-harness 0.4
    filter after a comma (``hellaswag/loss,none``) is no part of the name (``schema.metric_name``), unless two
    columns differ by it alone (probe h50: the evals were ``hellaswag/loss,none``)."""
    bare = without_filters(columns)
    if any(b != c for c, b in bare.items()):
        named = eval_names(list(bare.values()))
        return {c: named[bare[c]] for c in columns}
    stems = {c: schema.bpb_stem(c) for c in columns}
    losses = [c for c in columns if stems[c] is None]
    per_byte = [c for c in losses if schema.metric_kind(c) == "bpb"]
    if per_byte and len(losses) == len(columns) == len(per_byte) + 1:
        # a column named bits per byte and nothing else beside one loss column measures that loss per byte: a
        # tokenizers' table (val_loss, bits_per_byte) kept it as a loss per token named 'bits_per_byte', which rank
        # then refused as per-token and no eval was left in bits per byte to rank by (probe h20)
        (loss,) = [c for c in losses if c not in per_byte]
        name = eval_names([loss])[loss]
        return {c: f"{name}{schema.METRIC_SEP}bpb" if c in per_byte else name for c in columns}
    if len(losses) == len(columns):
        return _strip_common(columns)
    if not losses:  # bits per byte alone: the stems lose what they share
        bare = _strip_common([str(stems[c]) for c in columns])
        return {c: f"{bare[str(stems[c])]}{schema.METRIC_SEP}bpb" for c in columns}
    named = _strip_common(losses)
    prefix = ""  # what the losses lost in front (eval/), found as the name's first whole-part occurrence
    for c in losses:
        hit = re.search(rf"(?:^|(?<=[/_.\-:\s])){re.escape(named[c])}(?=[/_.\-:\s]|$)", c)
        if named[c] != c and hit is not None:
            prefix = c[: hit.start()]
            break
    out = dict(named)
    for c in columns:
        stem = stems[c]
        if stem is None:
            continue
        tail = {x: x[len(stem) :] for x in losses if x.startswith(stem)}
        twin = next((x for x, t in tail.items() if t and t == _generic_tail(x)), None)
        if twin is not None:
            out[c] = named[twin]
        elif prefix and stem.startswith(prefix) and len(stem) > len(prefix):
            out[c] = _strip_generic(stem[len(prefix) :])
        else:
            out[c] = _strip_generic(stem)
        out[c] += f"{schema.METRIC_SEP}bpb"
    if len(set(out.values())) < len(out):  # two columns one eval: each bpb column's stem as it is
        out = {c: named[c] if c in named else f"{stems[c]}{schema.METRIC_SEP}bpb" for c in columns}
    return {c: out[c] for c in columns}


def detect_loss_columns(
    frame: pl.DataFrame | pl.LazyFrame, candidates: Sequence[str], *, path: str | None = None
) -> LossColumns:
    """The loss-like columns among ``candidates`` (the columns that are not run ids) of a wide table.

    A column is kept when its name does not say it is something else (learning rate, time, step, throughput,
    gradient norm, size, seed, score, perplexity, ...) and its values look like losses: numeric, finite,
    between 0.05 and 30, not all whole numbers, not constant. Names starting with ``_`` (W&B's own columns)
    are never losses. The kept names lose their common prefix and suffix (``eval/alpha_val/loss`` →
    ``alpha_val``). Raises ``InputError`` when no column is kept.
    """
    left: dict[str, str] = {}
    by_value: list[str] = []
    for c in candidates:
        if c.startswith("_"):
            left[c] = "a logger's own column (name starts with '_')"
            continue
        _, reason = column_verdict(c)
        if reason is not None:
            left[c] = reason
        else:
            by_value.append(c)
    stats = _value_stats(frame, by_value) if by_value else {}
    kept: list[str] = []
    for c in by_value:
        reason = _value_verdict(stats[c])
        if reason is not None and _loss_with_bad_cells(c, stats[c]):
            reason = None
        if reason is None:
            kept.append(c)
        else:
            left[c] = reason
    if not kept:
        listed = "; ".join(f"{c}: {r}" for c, r in left.items()) or "none"
        perplexities = bool(left) and all(says_perplexity(c) for c in left)
        raise InputError(
            f"no column looks like a loss (left out: {listed})",
            path=path,
            hint=perplexity_refusal(next(iter(left)), wide=True)[1]
            if perplexities
            else "name the loss columns with a pattern such as 'eval/*/loss'",
            param=None if perplexities else "loss_columns",
        )
    return LossColumns(
        kept=eval_names(kept),
        left_out=tuple(LeftOut(c, left[c]) for c in candidates if c in left),
    )


#: Column names (``schema.norm_name``) that count a run's passes over its data; ``train/epoch`` is what the Hugging
#: Face Trainer logs to W&B (passes so far, fractional), ``passes`` a plain word for it.
EPOCH_COLUMNS = frozenset(
    {
        "epochs",
        "epoch",
        "num_epochs",
        "n_epochs",
        "data_epochs",
        "repetitions",
        "data_repeats",
        "passes",
        "num_passes",
        "n_passes",
        "data_passes",
        "train/epoch",
        "train_epoch",
        "train_epochs",
    }
)


#: Column names (``schema.norm_name``) that count the distinct tokens a run's data holds (Muennighoff et al.'s
#: unique data U_D): D over it counts the passes.
UNIQUE_TOKEN_COLUMNS = frozenset(
    {
        "unique_tokens",
        "unique_d",
        "distinct_tokens",
        "unique_data",
        "num_unique_tokens",
        "n_unique_tokens",
        "unique_token_count",
        "u_d",
        "uniq_tokens",
        "uniq_d",
        "tokens_unique",
        "unique_toks",
        "num_distinct_tokens",
        "n_distinct_tokens",
    }
)
#: Names that may count unique tokens or something else (a bare ``U``): read as unique tokens only where every
#: value is a number and the smallest at least the smallest D (``_plausible_unique``).
MAYBE_UNIQUE_TOKEN_COLUMNS = frozenset({"u", "n_unique", "num_unique"})
#: Unit suffixes of a unique-token column's name (``unique_tokens_B``, ``unique tokens (M)``) and their scale.
_NAME_UNITS: Final[dict[str, float]] = {
    "k": 1e3,
    "thousands": 1e3,
    "m": 1e6,
    "mn": 1e6,
    "millions": 1e6,
    "b": 1e9,
    "bn": 1e9,
    "g": 1e9,
    "billions": 1e9,
    "t": 1e12,
    "trillions": 1e12,
}


def _column_key(name: str) -> str:
    """A column name for the repeated-data lists: camelCase split (``UniqueTokens`` → ``unique_tokens``), then
    ``schema.norm_name``; brackets dropped (``unique tokens (B)`` → ``unique_tokens_b``)."""
    split = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    return schema.norm_name(re.sub(r"[()\[\]]", " ", split)).strip("_")


def repeat_column(name: str) -> tuple[str, float] | None:
    """What a column's name says of repeated data: (``"epochs"``, 1) for a count of passes, (``"unique"``,
    scale) for a count of unique tokens (scale: the unit its name gives, ``unique_tokens_B`` 1e9, else 1), or
    (``"maybe_unique"``, 1) for a name that may count them (``U``); None for other names."""
    key = _column_key(name)
    if key in EPOCH_COLUMNS or key.replace("/", "_") in EPOCH_COLUMNS:
        return "epochs", 1.0
    if key in MAYBE_UNIQUE_TOKEN_COLUMNS:
        return "maybe_unique", 1.0
    base, _, unit = key.rpartition("_")
    if base in UNIQUE_TOKEN_COLUMNS and unit in _NAME_UNITS:
        return "unique", _NAME_UNITS[unit]
    if key in UNIQUE_TOKEN_COLUMNS or key.removeprefix("in_") in UNIQUE_TOKEN_COLUMNS:
        return "unique", 1.0
    return None
