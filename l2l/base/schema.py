"""The canonical run table: its columns and dtypes, the aliases accepted for them, and parsing units.

Everything else in l2l reads runs through this contract. A long table has one row per (run, eval)::

    dataset  N        D        C        eval   loss   run_id  split  n_repeats
    String   Float64  Float64  Float64  String Float64 String String Int64

``C`` defaults to 6·N·D; ``run_id`` is synthesised from (dataset, N, D) when absent; ``split`` is null when
the input has none; ``n_repeats`` counts the input rows averaged into the row. Pure Python (no polars, numpy).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Final, Literal, TypeVar

# ---------------------------------------------------------------------------------------------------------------
# Every choice l2l offers, as one Literal type and the tuple of its values (the CLI derives its options from these)
# ---------------------------------------------------------------------------------------------------------------

#: Scaling-law forms: Eq. 3 (l2l), Eq. 1 (chinchilla), Eq. 2 (kaplan). (``laws.Form`` is the same type.)
Form = Literal["l2l", "chinchilla", "kaplan"]
FORMS: Final[tuple[Form, ...]] = ("l2l", "chinchilla", "kaplan")
#: The form a fit asks for: one of the forms, or ``auto`` (chosen per group of laws by backtests, the default).
FitForm = Literal["auto", "l2l", "chinchilla", "kaplan"]
FIT_FORMS: Final[tuple[FitForm, ...]] = ("auto", "l2l", "chinchilla", "kaplan")
#: Fitting objectives on log residuals. (``_search.Objective`` is the same type.)
Objective = Literal["huber", "mse"]
OBJECTIVES: Final[tuple[Objective, ...]] = ("huber", "mse")
#: Kinds of loss-to-loss translation.
Kind = Literal["train-train", "train-test", "test-test"]
KINDS: Final[tuple[Kind, ...]] = ("train-train", "train-test", "test-test")
#: How runs of two datasets are paired: equal (N, D), or the same run id.
Join = Literal["nd", "run"]
JOINS: Final[tuple[Join, ...]] = ("nd", "run")
#: The bootstrap's resampling unit: single runs, or all runs of one model size N.
Resample = Literal["run", "N"]
RESAMPLES: Final[tuple[Resample, ...]] = ("run", "N")
#: Output formats of every command: a table for people, Markdown and LaTeX for notes and papers, JSON and CSV for
#: scripts.
OutputFormat = Literal["table", "json", "csv", "markdown", "latex"]
OUTPUT_FORMATS: Final[tuple[OutputFormat, ...]] = ("table", "json", "csv", "markdown", "latex")
#: How the predictions of several sources are combined into one.
Combine = Literal["mean", "median", "ivw"]
COMBINES: Final[tuple[Combine, ...]] = ("mean", "median", "ivw")
#: Ways of ranking datasets for a target.
RankMethod = Literal["recommended", "independent", "translation", "baseline"]
RANK_METHODS: Final[tuple[RankMethod, ...]] = ("recommended", "independent", "translation", "baseline")
#: The fewest joint draws a ranking takes (``rank --draws``, ``rank_runs(draws=)``): from 1 or 2 every interval
#: collapsed to a point that could miss its own estimate and P(best) read 1.00.
MIN_RANK_DRAWS: Final = 100
#: Figures ``l2l plot`` draws.
Figure = Literal["translate", "law", "isoflop", "evaluate", "residuals"]
FIGURES: Final[tuple[Figure, ...]] = ("translate", "law", "isoflop", "evaluate", "residuals")
#: Settings of the holdout evaluation (the rows of the paper's Table 1).
#: (``test-to-test``: the train-to-train setting where the datasets have no own eval and each one's loss on the eval
#: they share stands in for it, ``l2l.io.own``.)
Setting = Literal["train-to-train", "train-to-test", "train-to-downstream", "test-to-test"]
SETTINGS: Final[tuple[Setting, ...]] = (
    "train-to-train",
    "train-to-test",
    "train-to-downstream",
    "test-to-test",
)
#: Accuracy laws (l2l.core.accuracy): a sigmoid with a chance floor, or the paper's power law on the error.
AccuracyForm = Literal["sigmoid", "power"]
ACCURACY_FORMS: Final[tuple[AccuracyForm, ...]] = ("sigmoid", "power")
#: The accuracy law's floor: fitted near chance, or fixed at chance.
FloorMode = Literal["fit", "chance"]
FLOOR_MODES: Final[tuple[FloorMode, ...]] = ("fit", "chance")
#: The accuracy law's ceiling: fixed at 1, fitted, or chosen by the law's backtest (auto).
CeilingMode = Literal["auto", "1", "fit"]
CEILING_MODES: Final[tuple[CeilingMode, ...]] = ("auto", "1", "fit")
#: One accuracy law for every pre-training dataset, one each, or tested (auto).
Pooling = Literal["auto", "pooled", "shifted", "separate"]
POOLINGS: Final[tuple[Pooling, ...]] = ("auto", "pooled", "shifted", "separate")
#: The loss an accuracy law is a function of: the task's own CE loss, or the model's own loss.
InputLoss = Literal["task", "own"]
INPUT_LOSSES: Final[tuple[InputLoss, ...]] = ("task", "own")

_C = TypeVar("_C", bound=str)


def choice(value: str, choices: tuple[_C, ...], what: str) -> _C:
    """``value`` as one of ``choices`` (typed as the Literal), or ValueError naming the choices."""
    for c in choices:
        if c == value:
            return c
    raise ValueError(f"unknown {what} {value!r}; expected {', '.join(choices)}")


#: Version of the on-disk workspace layout (``runs.parquet`` + ``config.json``).
WORKSPACE_SCHEMA_VERSION: Final = 1

#: Canonical columns in order, with their polars dtype names.
COLUMNS: Final[tuple[str, ...]] = ("dataset", "N", "D", "C", "eval", "loss", "run_id", "split", "n_repeats")
DTYPES: Final[dict[str, str]] = {
    "dataset": "String",
    "N": "Float64",
    "D": "Float64",
    "C": "Float64",
    "eval": "String",
    "loss": "Float64",
    "run_id": "String",
    "split": "String",
    "n_repeats": "Int64",
}

#: Columns a long table must have, and the optional ones it may have (``seed`` only identifies repeats).
REQUIRED: Final[tuple[str, ...]] = ("dataset", "N", "D", "eval", "loss")
OPTIONAL: Final[tuple[str, ...]] = ("run_id", "C", "split", "seed")
#: Columns that identify a run in a wide table (one row per run, one column per eval).
WIDE_REQUIRED: Final[tuple[str, ...]] = ("dataset", "N", "D")
WIDE_OPTIONAL: Final[tuple[str, ...]] = ("run_id", "C", "split", "seed")

#: Input names accepted for each canonical column besides its own name (compared after ``norm_name``).
ALIASES: Final[dict[str, tuple[str, ...]]] = {
    "dataset": (
        "data",
        "train_data",
        "pretrain_data",
        "train_dataset",
        "pretraining_data",
        "corpus",
        "dataset_name",
        "data_mix",
        "data_name",
        "training_data",
        "train_set",
        "pretraining_dataset",
    ),
    "N": (
        "params",
        "n_params",
        "num_params",
        "parameters",
        "model_size",
        "n_parameters",
        "num_parameters",
        "non_embedding_params",
        "nonembedding_params",
        "non_embedding_parameters",
        "n_params_non_embedding",
        "num_non_embedding_params",
        "model_params",
    ),
    "D": (
        "tokens",
        "n_tokens",
        "num_tokens",
        "train_tokens",
        "data_size",
        "training_tokens",
        "tokens_seen",
        "tokens_so_far",
        "total_tokens",
        "tokens_trained",
        "num_train_tokens",
    ),
    "C": ("flops", "compute", "train_flops", "training_flops"),
    "eval": ("task", "val_set", "eval_set", "benchmark", "eval_name", "eval_dataset", "validation_set"),
    "loss": ("val_loss", "ce_loss", "xent", "eval_loss", "cross_entropy", "value"),
    "run_id": ("model", "run", "name", "run_name", "model_name", "wandb_run_id", "experiment", "exp_name"),
    "split": (),
    "seed": ("random_seed",),
}

#: Values of a long table's optional ``metric`` column (compared lowercase, ``-`` and spaces as ``_``; blank:
#: loss) and the metric each one is: a loss in nats per token (the eval itself), a loss in another unit (kept as
#: the eval ``NAME:UNIT`` beside ``NAME``), or an accuracy (kept apart from the losses, under the eval's own name).
METRIC_KINDS: Final[dict[str, str]] = {
    "loss": "loss",
    "ce": "loss",
    "ce_loss": "loss",
    "nll": "loss",
    "xent": "loss",
    "cross_entropy": "loss",
    "nats": "loss",
    "bpb": "bpb",
    "bits_per_byte": "bpb",
    "accuracy": "accuracy",
    "acc": "accuracy",
}
#: The metrics an eval can be asked for by (``--metric``, or spelled ``NAME:METRIC``).
Metric = Literal["loss", "bpb", "accuracy"]
METRICS: Final[tuple[Metric, ...]] = ("loss", "bpb", "accuracy")
#: Losses in units other than nats per token: such an eval is stored as ``NAME:UNIT``.
LOSS_UNITS: Final[tuple[str, ...]] = ("bpb",)
METRIC_SEP: Final = ":"


def metric_name(text: str) -> str:
    """A ``metric`` cell's metric without lm-eval-harness 0.4's filter: it writes ``METRIC,FILTER`` (``acc,none``,
    ``loss,none``, ``exact_match,strict-match``), where ``acc,none`` was an unknown metric and the hint left the
    ``loss,none`` rows, the task losses, out (h50)."""
    head, comma, _ = text.partition(",")
    return head if comma and head.strip() else text


#: The metrics lm-eval-harness 0.4 writes as ``METRIC,FILTER`` (and their ``_stderr``): a wide column's name loses
#: a comma's suffix only behind one of these, so that ``val_loss,c4`` stays a name of its own.
LM_EVAL_METRICS: Final = frozenset(
    {
        *METRIC_KINDS,
        "acc_norm", "acc_mutual_info", "perplexity", "word_perplexity", "byte_perplexity", "exact_match", "em",
        "f1", "mcc", "bleu", "chrf", "ter", "brier_score", "likelihood", "rouge1", "rouge2", "rougeL",
    }
)  # fmt: skip


def column_without_filter(column: str) -> str:
    """A wide export's column name without lm-eval-harness 0.4's filter (``hellaswag/acc,none`` →
    ``hellaswag/acc``): only where the text before the comma ends in an lm-eval metric (``TASK/METRIC``), since
    ``metric_name``'s any-comma rule would cut ``val_loss,c4`` to ``val_loss``."""
    head, comma, _ = column.partition(",")
    metric = head.rsplit("/", 1)[-1].removesuffix("_stderr")
    return head if comma and metric in LM_EVAL_METRICS else column


def metric_kind(text: str) -> str | None:
    """The metric a ``metric`` cell names (``loss``, ``bpb``, ``accuracy``; lm-eval's ``acc,none`` too), or None
    when l2l does not know it."""
    return METRIC_KINDS.get(norm_name(metric_name(text)))


def names_metric_kinds(values: Iterable[object]) -> bool:
    """Whether a column's values (blanks aside) all name a metric (``loss``, ``acc``, ``bpb``) and one at least
    is not a loss: a column that says what each row's value is (a ``kind`` beside ``value``), a metric column by
    another name. Its rows are different measurements, never runs to average or choose between."""
    kinds = {metric_kind(str(v)) for v in values if v is not None and str(v).strip()}
    return bool(kinds) and None not in kinds and kinds != {"loss"}


#: The characters that make a name a glob pattern (``downstream/*``, ``arc_[ce]*``).
GLOB_CHARS: Final = frozenset("*?[")


def is_glob(text: str) -> bool:
    """Whether ``text`` holds a glob character, so that it may be a pattern of names rather than a name (callers
    that take ``!glob`` exclusions test the ``!`` themselves; a name that holds one literally is matched first
    where they look names up)."""
    return not GLOB_CHARS.isdisjoint(text)


def split_metric(name: str) -> tuple[str, str | None]:
    """``hellaswag:bpb`` → (``hellaswag``, ``bpb``); a name without a known metric after its last ``:`` →
    (name, None)."""
    base, sep, tail = name.rpartition(METRIC_SEP)
    kind = metric_kind(tail) if sep else None
    return (base, kind) if kind is not None and base else (name, None)


#: An eval name whose last word(s) say bits per byte (``web_val_bpb``, ``eval/c4/bpb``, ``c4-bits-per-byte``).
_BPB_SUFFIX: Final = re.compile(
    r"^(.*?[A-Za-z0-9].*?)[/_.\-\s]+(?:bpb|bits[_.\-\s]*per[_.\-\s]*byte)$", re.IGNORECASE
)


def bpb_stem(name: str) -> str | None:
    """The eval an eval's name measures in bits per byte by its last word(s) (``web_val_bpb``, ``eval/c4/bpb``,
    ``c4_bits_per_byte`` → ``web_val``, ``eval/c4``, ``c4``), or None: such an eval is kept as ``STEM:bpb``, as a
    metric column's bpb rows are (``web_val_bpb`` was an eval in nats of its own, a dataset's own eval went
    undetected and every law command exited 1; probe p65 D7)."""
    if split_metric(name)[1] is not None:
        return None
    m = _BPB_SUFFIX.match(name.strip())
    return m.group(1) if m else None


def with_metric(name: str, metric: str) -> str:
    """The stored eval name of ``name`` measured as ``metric`` (a loss in another unit: ``NAME:UNIT``)."""
    return f"{name}{METRIC_SEP}{metric}" if metric in LOSS_UNITS else name


#: Multipliers of the unit suffixes accepted on N, D and C (case-insensitive; G is the same as B).
UNITS: Final[dict[str, int]] = {"k": 10**3, "m": 10**6, "b": 10**9, "g": 10**9, "t": 10**12}
#: Numeric columns that accept unit suffixes.
UNIT_COLUMNS: Final[frozenset[str]] = frozenset({"N", "D", "C"})
#: Columns that must be strictly positive.
POSITIVE: Final[frozenset[str]] = frozenset({"N", "D", "C", "loss"})
#: The markers spreadsheets and pandas write for a missing number (upper-cased): a missing value, as a blank is.
MISSING_MARKERS: Final[frozenset[str]] = frozenset({"NA", "N/A", "NULL", "NONE", "#N/A"})

_SEP = re.compile(r"[\s\-]+")
_WITH_UNIT = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]+)$")


def norm_name(name: str) -> str:
    """Column-name key for alias matching: case-insensitive, spaces and dashes count as underscores."""
    return _SEP.sub("_", name.strip()).lower()


def _build_lookup() -> dict[str, str]:
    lookup: dict[str, str] = {}
    for canon, aliases in ALIASES.items():
        for name in (canon, *aliases):
            key = norm_name(name)
            assert key not in lookup, f"alias {name!r} listed twice"
            lookup[key] = canon
    return lookup


_LOOKUP: Final[dict[str, str]] = _build_lookup()


def canonical_name(name: str) -> str | None:
    """The canonical column an input column name stands for, or None when it is not one l2l knows."""
    return _LOOKUP.get(norm_name(name))


def accepted_names(canon: str) -> tuple[str, ...]:
    """The names accepted for a canonical column, canonical name first (for error messages)."""
    return (canon, *ALIASES.get(canon, ()))


#: The range of every N, D, C and loss l2l takes, from a table or the command line: far beyond any model, and
#: far from float overflow (a law's loss at N = 1e40 is arithmetic, not a prediction).
SMALLEST_QUANTITY, LARGEST_QUANTITY = 1e-30, 1e30
#: The fewest parameters, tokens or FLOPs a count asked about may be (``--N``, ``predict(N=...)``), and a table's
#: model size: below it C = 6·N·D underflowed in the library (p63), and a model of half a parameter in a table is
#: a unit error (billions written as a fraction).
SMALLEST_COUNT = 1.0
#: A cross-entropy in nats stays below ln(vocabulary): 12.4 for 256k tokens, 11.9 at random init of a 150k one.
LARGEST_NATS = 13.0


def beyond_nats(estimate: float, smallest_measured: float) -> bool:
    """Whether a predicted loss lies beyond any cross-entropy in nats where the runs it came from were in nats: a
    law whose every run already lies past ``LARGEST_NATS`` is in another unit (a loss ×10, bits per token, a
    perplexity), and its predictions there mean what its runs meant (h28: a loss ×10 got the note at 20-24)."""
    return estimate > LARGEST_NATS and smallest_measured <= LARGEST_NATS


class UnitError(ValueError):
    """A value with a unit suffix l2l does not know (``3.3X``)."""


#: A word after a count that says what it counts, dropped when read (``300B tokens``, ``125M params``).
_COUNTED_WORD: Final = re.compile(
    r"(?<=[0-9A-Za-z.])\s+(?:tokens?|toks?|params?|parameters?)$", re.IGNORECASE
)


def parse_quantity(text: str) -> float:
    """A count such as ``3.3e9``, ``3.3B``, ``20M``, ``1.5T`` or ``150k`` as a float, a word saying what it counts
    after it or not (``300B tokens``, ``125M params``).

    Raises ``UnitError`` for a number followed by an unknown suffix and ``ValueError`` for anything else that
    is not a number. ``nan``/``inf`` are returned as they are; callers check finiteness.
    """
    s = _COUNTED_WORD.sub("", text.strip())  # "300B tokens", "1.2B params": the word says what is counted
    try:
        return float(s)
    except ValueError:
        pass
    m = _WITH_UNIT.match(s)
    if m is None:
        raise ValueError(f"not a number: {text!r}")
    unit = m.group(2).lower()
    if unit not in UNITS:
        if unit in {"nan", "inf", "infinity", "e"}:
            raise ValueError(f"not a number: {text!r}")
        raise UnitError(f"unknown unit suffix {m.group(2)!r} in {text!r} (accepted: K, M, B or G, T)")
    # exact decimal arithmetic, so "3.3B" is the same float as "3.3e9"
    return float(Decimal(m.group(1)) * UNITS[unit])


def format_quantity(x: float) -> str:
    """Shortest exact text of a float as ``<m>e<exp>``: ``1.2e8``, ``3e9``, ``4.630828457139856e9``.

    Used for synthesised run ids, so two different floats never give the same text.
    """
    if not math.isfinite(x):
        return repr(x)
    if x == 0:
        return "0"
    d = Decimal(repr(x)).normalize()
    sign, digits, exp = d.as_tuple()
    assert isinstance(exp, int)
    ds = "".join(map(str, digits))
    mantissa = ds[0] + ("." + ds[1:] if len(ds) > 1 else "")
    return f"{'-' if sign else ''}{mantissa}e{exp + len(ds) - 1}"


def synth_run_id(dataset: str, n: float, d: float) -> str:
    """The stable run id l2l gives a run whose table has none: ``fineweb:N=1.2e8:D=3e9``."""
    return f"{dataset}:N={format_quantity(n)}:D={format_quantity(d)}"


_AFFIXES = (re.compile(r"_validation$"), re.compile(r"_val$"), re.compile(r"^val_"))

#: Parts of a logged column's name that say it is a loss or an eval, not which one (``eval/c4/loss``).
GENERIC_PARTS: Final[frozenset[str]] = frozenset({"eval", "evals", "loss", "ce", "nll", "xent", "metrics"})
#: Parts that say a set is a validation split (``c4_val``).
VAL_PARTS: Final[frozenset[str]] = frozenset({"val", "valid", "validation"})


def name_stem(name: str) -> str:
    """A dataset's or eval's name reduced to the words that tell it from others, for a did-you-mean: lower case,
    words joined by ``_``, the loss, eval and validation words at either end dropped (``c4_val``, ``eval/c4/loss``,
    ``val_c4``, ``C4-Validation`` → ``c4``; never the last word left), and its unit kept apart (``c4_val:bpb``,
    ``c4_val_bpb`` → ``c4:bpb``). A wide export's columns lose their shared ``_val/loss`` on ingest, and the name
    as the logger wrote it (``c4_val``) was an unknown eval with no word of ``c4``."""
    base, metric = split_metric(name.strip())
    if metric is None and (stem := bpb_stem(base)) is not None:
        base, metric = stem, "bpb"
    words = [w for w in _NOT_WORD.split(base.lower()) if w]
    while len(words) > 1 and words[-1] in GENERIC_PARTS | VAL_PARTS:
        words.pop()
    while len(words) > 1 and words[0] in GENERIC_PARTS | VAL_PARTS:
        words.pop(0)
    return "_".join(words) + (f"{METRIC_SEP}{metric}" if metric not in (None, "loss") else "")


def norm_eval_for_match(name: str) -> str:
    """An eval name reduced for own-eval detection: its last path part (a W&B export's ``eval/web_val``), lowercase,
    ``-`` → ``_``, one affix ``_val``, ``val_`` or ``_validation`` removed (``fineweb_edu_100b_val`` →
    ``fineweb_edu_100b``)."""
    return _without_affix(_last_part(name))


def eval_stem_as_written(name: str) -> str:
    """An eval's name with one affix (``_val``, ``val_``, ``_validation``) removed and nothing else reduced: what a
    dataset named by punctuation alone (``[/]``, which ``norm_dataset_for_match`` reduces to nothing) is matched to
    (``[/]_val``)."""
    return _without_affix(name.strip())


def _without_affix(s: str) -> str:
    for pat in _AFFIXES:
        t = pat.sub("", s)
        if t != s and t:
            return t
    return s


def eval_stems(name: str) -> tuple[str, ...]:
    """The stems an eval may name a dataset by (``norm_eval_for_match``), and its whole name reduced the same way
    when it differs: a dataset named like a path (``HuggingFaceFW/fineweb`` with ``HuggingFaceFW/fineweb_val``,
    or a name holding a ``/``) is named after the whole eval, not its last part."""
    last = norm_eval_for_match(name)
    whole = _without_affix(norm_dataset_for_match(name))
    return (last,) if whole == last else (last, whole)


_VAL_PART = re.compile(r"(?:^|[_\-./ ])(?:val|valid|validation|heldout|held_out|dev)(?:[_\-./ ]|$)")


def looks_like_validation(name: str) -> bool:
    """Whether an eval's name (its last path part) says it is a validation set: a part ``val``, ``valid``,
    ``validation``, ``heldout`` or ``dev`` (``val_mix``, ``open_lm_val``; not ``agi_eval``)."""
    return _VAL_PART.search(name.rsplit("/", 1)[-1].lower()) is not None


def is_training_loss_of(name: str, dataset: str) -> bool:
    """Whether an eval's name says it is a training loss: ``train``, or ``train`` joined to the dataset's name
    (``web_train``, ``train-web``, ``eval/web_train``)."""
    ds = norm_dataset_for_match(dataset)
    return _last_part(name) in ("train", f"{ds}_train", f"train_{ds}")


def looks_like_training_loss(name: str) -> bool:
    """Whether an eval's name says it is a training loss, of whatever data: a path part ``train`` or
    ``training`` before the last (``train/loss``, ``train/CrossEntropyLoss``, as W&B logs name it), or a last part
    ``train_loss`` or ``training_loss``."""
    parts = [norm_dataset_for_match(p) for p in name.strip().split("/")]
    return any(p in ("train", "training") for p in parts[:-1]) or parts[-1] in ("train_loss", "training_loss")


def _last_part(name: str) -> str:
    """An eval name's last path part, reduced as ``norm_dataset_for_match`` reduces a name (what the own-eval
    naming rules compare)."""
    return norm_dataset_for_match(name.strip().rsplit("/", 1)[-1])


#: Runs of characters that are not letters or digits (any script): one separator in a name reduced for matching.
_NOT_WORD = re.compile(r"[\W_]+")


def norm_dataset_for_match(name: str) -> str:
    """A dataset name reduced for own-eval detection: lowercase, every run of other characters than letters and
    digits one ``_``, none at either end (``$x$-mix`` → ``x_mix``, ``papers (2024)`` → ``papers_2024``: their own
    evals ``x_mix_val``, ``papers_2024_val`` went undetected, and ``predict -d all`` refused every dataset)."""
    return _NOT_WORD.sub("_", name.strip().lower()).strip("_")


#: The canonical accuracy table (kept apart from the losses, ``Runs.accuracy``): its columns and their dtypes.
ACCURACY_COLUMNS: Final[tuple[str, ...]] = (
    "dataset",
    "N",
    "D",
    "C",
    "eval",
    "accuracy",
    "chance",
    "run_id",
    "split",
    "n_repeats",
)
ACCURACY_DTYPES: Final[dict[str, str]] = {
    "dataset": "String",
    "N": "Float64",
    "D": "Float64",
    "C": "Float64",
    "eval": "String",
    "accuracy": "Float64",
    "chance": "Float64",
    "run_id": "String",
    "split": "String",
    "n_repeats": "Int64",
}

#: The every-checkpoint table of a per-step log with accuracies (``Runs.checkpoints``): losses and accuracies
#: (``metric``: loss, bpb or accuracy; ``value``) at every checkpoint with D > 0, with its step.
CHECKPOINT_COLUMNS: Final[tuple[str, ...]] = (
    "dataset",
    "N",
    "D",
    "C",
    "eval",
    "metric",
    "value",
    "run_id",
    "split",
    "step",
)
CHECKPOINT_DTYPES: Final[dict[str, str]] = {
    "dataset": "String",
    "N": "Float64",
    "D": "Float64",
    "C": "Float64",
    "eval": "String",
    "metric": "String",
    "value": "Float64",
    "run_id": "String",
    "split": "String",
    "step": "Float64",
}
