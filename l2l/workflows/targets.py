"""Names of evals asked for, resolved as every command resolves them: a loss or an accuracy (``NAME:loss``,
``NAME:accuracy``, ``--metric``), and a ranking's targets (refused where no two datasets are measured on one, or
where the own evals are training losses of one name). Shared by the requests and the library's ``rank_runs``."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Final

import polars as pl

from l2l.base import schema
from l2l.base.checks import check_weight
from l2l.base.errors import AmbiguousNameError, L2LError, SelectionError, UsageError
from l2l.base.schema import is_glob

if TYPE_CHECKING:
    from l2l.base.runs import Runs

__all__ = [
    "accuracy_names",
    "both_error",
    "bytes_per_token",
    "metric_of",
    "names_accuracy",
    "rank_targets",
    "resolves_to",
    "tokenizer_note",
    "tokenizer_refusal",
    "unknown_tokenizer_note",
]


def accuracy_names(runs: Runs) -> list[str]:
    from l2l.workflows.accuracy import accuracy_evals

    return accuracy_evals(runs) if runs.accuracy is not None else []


def both_error(name: str) -> UsageError:
    return UsageError(
        f"{name!r} is both a loss and an accuracy: say which",
        hint=f"spell it {name}:loss or {name}:accuracy, or give the metric",
        param="metric",
    )


def resolves_to(name: str, names: Sequence[str]) -> str | None:
    """The one name of ``names`` that ``name`` stands for, lower-cased (None when none or several)."""
    from l2l.base.runs import resolve_name

    try:
        return resolve_name(name, names, "eval").lower()
    except SelectionError:
        return None


def names_accuracy(
    runs: Runs, name: str, acc_names: Sequence[str], *, option: str = "-e", param: str | None = None
) -> bool:
    """Whether ``name`` (no metric spelled) stands for an accuracy eval rather than a loss eval, as every command
    reads it: a name that is no loss eval but names an accuracy eval is the accuracy; an accuracy eval's exact name
    beats a loss eval it only begins (hellaswag against hellaswag_ce: ``rank`` ranked the loss, ``predict`` the
    accuracy); a beginning of a loss and of an accuracy alike is the loss (``rank -t arc_easy`` on the paper's
    table: its task loss). Refused with the two choices: a name that is exactly both, and a beginning of one name
    that is both (hella for hellaswag). SelectionError for a name that is neither: its hint names ``option``, the
    option that names an eval in the command asked (``-t`` for rank's targets), and it is about the library
    parameter ``param`` (``L2LError.param``)."""
    from l2l.base.runs import name_listing, resolve_name, stored_accuracy_hint

    try:
        loss = runs.resolve_eval(name)
    except AmbiguousNameError:
        raise  # hella for hellaswag and hellaswag:bpb: never the accuracy it also begins, silently
    except SelectionError as no_loss:
        try:
            resolve_name(name, acc_names, "accuracy eval")
        except AmbiguousNameError:
            raise
        except SelectionError:
            # neither: both lists (the accuracy list alone read as if the table had no loss evals)
            raise SelectionError(
                f"{no_loss.message}; accuracy evals: {name_listing(acc_names)}",
                hint=stored_accuracy_hint(name, acc_names, option) or no_loss.hint,
                param=param,
            ) from None
        return True
    exact_accuracy = any(a.lower() == name.lower() for a in acc_names)
    if loss.lower() == name.lower() and exact_accuracy:
        raise both_error(name)
    if loss.lower() != name.lower():
        acc = resolves_to(name, acc_names)
        if acc == loss.lower():  # a beginning of one name that is both: as ambiguous as the name
            raise both_error(loss)
    return exact_accuracy


def _names_an_eval(pattern: str, runs: Runs, acc_names: Sequence[str]) -> bool:
    """Whether ``pattern``, or it without a ``:metric`` spelling, is an eval's own name (a loss or an accuracy): a
    name with glob characters is no glob then (``arc_easy[25-shot]:accuracy`` matched no eval)."""
    names = {*runs.evals, *acc_names}
    return pattern in names or schema.split_metric(pattern)[0] in names


def metric_of(name: str, metric: str | None) -> tuple[str, str | None]:
    """(the name without a ``:metric`` spelling, the metric it or ``metric`` asks for)."""
    from l2l.base.schema import split_metric

    base, spelled = split_metric(name)
    if spelled is not None and metric is not None and spelled != metric:
        raise UsageError(f"{name!r} is spelled as {spelled}, but --metric says {metric}", param="metric")
    return base, spelled or metric


def _measured_by(runs: Runs, ev: str, chosen: Sequence[str]) -> list[str]:
    return [d for d in chosen if ev in runs.evals_of(d)]


def _lonely(runs: Runs, evals: Sequence[str], chosen: Sequence[str], what: str) -> SelectionError | None:
    """Targets no two candidate datasets are measured on: nothing to compare them by."""
    alone = {ev: _measured_by(runs, ev, chosen) for ev in evals}
    if any(len(ds) >= 2 for ds in alone.values()):
        return None
    common = set.intersection(*(set(runs.evals_of(d)) for d in chosen)) if chosen else set()
    counts = Counter(ev for d in chosen for ev in set(runs.evals_of(d)))
    some = sorted(ev for ev, k in counts.items() if k >= 2)
    shown = "; ".join(f"{ev} only on {', '.join(ds) or 'none'}'s models" for ev, ds in alone.items())
    key = schema.norm_name  # one eval spelled per dataset (tables of several groups merged): say so first
    spelled = sorted({e for ev in evals for e in counts if e != ev and key(e) == key(ev)})
    if spelled:
        return SelectionError(
            f"{what}: no two candidate datasets are measured on it ({shown}); the other datasets' models are "
            f"measured on {', '.join(spelled)}, the same name spelled otherwise",
            hint="write the eval one way in every table (ingest warns of such names); l2l pairs datasets on an "
            "eval by its exact name",
            param="targets",
        )
    hint = (
        f"rank on an eval every dataset's models are measured on ({', '.join(sorted(common))})"
        if common
        # a dataset without the tasks the others share: "share no eval" was said where two shared three
        else f"rank on an eval two or more datasets' models are measured on ({', '.join(some[:8])})"
        if some
        else "the datasets' models share no eval: ranking needs one they are all measured on"
    )
    return SelectionError(
        f"{what}: no two candidate datasets are measured on it ({shown}), so there is nothing to compare",
        hint=hint,
        param="targets",
    )


def _own_incomparable(runs: Runs, datasets: Sequence[str]) -> L2LError | None:
    """``-t own`` where the own evals are each dataset's training loss under one shared name (``train``): each
    model's loss on its own training data, not comparable across datasets; or own evals no two datasets are
    measured on."""
    chosen = runs.resolve_datasets(datasets or None)
    owns = list(dict.fromkeys(runs.own_eval[d] for d in chosen if d in runs.own_eval))
    if owns and len(chosen) >= 2 and (lonely := _lonely(runs, owns, chosen, "-t own")) is not None:
        return lonely
    named = {runs.own_eval[d] for d in chosen if d in runs.own_eval and runs.own_eval_how.get(d) == "train"}
    if len([d for d in chosen if runs.own_eval_how.get(d) == "train"]) < 2:
        return None
    common = set.intersection(*(set(runs.evals_of(d)) for d in chosen)) - named
    shown = ", ".join(sorted(common)) or "none: every dataset needs an eval in common"
    return UsageError(
        f"-t own names each dataset's own eval, here {', '.join(sorted(named))}: each model's loss on its own "
        "training data, which is not comparable across datasets",
        hint=f"rank on an eval every dataset is measured on ({shown})",
        param="targets",
    )


def _refuse_accuracy_column(runs: Runs, pattern: str, acc_names: Sequence[str]) -> None:
    """An accuracy asked for by its column's name (``lambada_acc``, stored as ``lambada``), no eval's name: refused as
    predict refuses it, naming ``-t lambada:accuracy`` (rank gave the generic hint; probe h80). Nothing otherwise."""
    from l2l.base.runs import stored_accuracy_hint

    if stored_accuracy_hint(pattern, acc_names, "-t") is not None:
        names_accuracy(runs, pattern, acc_names, option="-t", param="targets")


def rank_targets(
    runs: Runs, targets: Mapping[str, float], metric: str | None = None, datasets: Sequence[str] = ()
) -> dict[str, float]:
    """Targets as ``rank`` takes them: a loss asked as ``NAME:loss``/``NAME:bpb`` (or with ``metric``) becomes its
    stored eval, an accuracy ``NAME:accuracy``; a name that is exactly both a loss and an accuracy, unspelled, is
    refused with the two choices; ``own`` where the own evals are training losses of one name is refused."""
    from l2l.base.runs import OWN

    acc_names = accuracy_names(runs)
    out: dict[str, float] = {}
    for pattern, raw in targets.items():
        weight = check_weight(pattern, raw)
        if pattern == OWN:
            if (bad := _own_incomparable(runs, datasets)) is not None:
                raise bad
            out[pattern] = out.get(pattern, 0.0) + weight
            continue
        # an eval's own name is no glob, even with glob characters in it (a[b]_val: a dataset measured alone on
        # it was ranked at P(best) 1.00, never checked)
        if pattern.startswith("!") or (is_glob(pattern) and not _names_an_eval(pattern, runs, acc_names)):
            out[pattern] = out.get(pattern, 0.0) + weight
            continue
        base, m = metric_of(pattern, metric)
        if m == "accuracy":
            from l2l.base.runs import resolve_name

            name = f"{resolve_name(base, acc_names, 'accuracy eval')}:accuracy"
        elif m is not None:
            name = runs.resolve_eval(f"{base}:{m}")
        else:
            exact = [e for e in runs.evals if e.lower() == pattern.lower()]
            if exact and any(a.lower() == pattern.lower() for a in acc_names):
                raise both_error(pattern)
            if not exact:
                _refuse_accuracy_column(runs, pattern, acc_names)
            name = pattern
        if m != "accuracy" and len(chosen := runs.resolve_datasets(datasets or None)) >= 2:
            try:
                loss = runs.resolve_eval(name)
            except SelectionError:
                loss = None  # (an accuracy target, or an unknown name: rank says which)
            if loss is not None and (lonely := _lonely(runs, [loss], chosen, f"target {loss}")) is not None:
                raise lonely
        out[name] = out.get(name, 0.0) + weight
    return out


#: Bytes per token told apart: a loss per token over its per-byte twin of the same run (loss / (bpb · ln 2)) is the
#: eval text's bytes per token, fixed by the tokenizer alone; datasets whose medians differ by more than this share
#: were measured with different tokenizers (two evals of one forward pass: no noise between them, only rounding)
BYTES_PER_TOKEN_APART: Final = 0.01


def bytes_per_token(runs: Runs, datasets: Sequence[str], target: str) -> dict[str, float]:
    """Dataset → the bytes per token of ``target``'s text under its models' tokenizer, told by the target's loss per
    token over its per-byte twin ``NAME:bpb`` on the same runs (the median over them); empty where the table has no
    twin. A table that names no tokenizer still tells, so, whether its datasets' per-token losses compare (helper
    h101: three tokenizers as three datasets, per-token ``c4_val`` ranked the tokenizer of fewest bytes per token
    first at P(best) 1.00, the per-byte order the reverse)."""
    base, metric = schema.split_metric(target)
    twin = f"{base}:bpb"
    if metric == "bpb" or twin not in runs.evals:
        return {}
    key = ["dataset", "N", "D", "run_id", "split"]
    frame = runs.frame.filter(pl.col("dataset").is_in(list(datasets))).with_columns(
        pl.col("run_id").cast(pl.String).fill_null(""), pl.col("split").cast(pl.String).fill_null("")
    )
    per_token = frame.filter(pl.col("eval") == target).select(*key, pl.col("loss").alias("_x"))
    per_byte = frame.filter(pl.col("eval") == twin).select(*key, pl.col("loss").alias("_y"))
    ratio = (pl.col("_x") / (pl.col("_y") * math.log(2))).median().alias("_r")
    paired = per_token.join(per_byte, on=key).filter(pl.col("_y") > 0).group_by("dataset").agg(ratio)
    return {
        str(d): float(r) for d, r in paired.sort("dataset").iter_rows() if r is not None and math.isfinite(r)
    }


def _by_bytes_per_token(ratios: Mapping[str, float]) -> dict[str, list[str]]:
    """Datasets grouped by their bytes per token (``bytes_per_token``): one group per tokenizer, within
    ``BYTES_PER_TOKEN_APART`` of the group's first; keyed by its label (``4.20 bytes per token``)."""
    groups: dict[str, list[str]] = {}
    first: dict[str, float] = {}
    for d, r in sorted(ratios.items(), key=lambda kv: kv[1]):
        label = next((k for k, v in first.items() if r <= v * (1.0 + BYTES_PER_TOKEN_APART)), None)
        if label is None:
            label = f"{r:.2f} bytes per token"
            first[label] = r
        groups.setdefault(label, []).append(d)
    return groups


def tokenizer_refusal(runs: Runs, datasets: Sequence[str], targets: Sequence[str]) -> UsageError | None:
    """The refusal of a ranking on a loss per token (any loss eval but a per-byte ``NAME:bpb``) between datasets
    whose models use different tokenizers (``Runs.tokenizers``): a loss per token is in another unit for each
    tokenizer (a tokenizer of 3 bytes per token has a lower loss per token on the same text than one of 4.2), so
    the ranking ranks the tokenizers, at full confidence (a probe: the worst dataset first, P(best) 1.00). None
    where the datasets' models share a tokenizer, or the table names none. The fix named: the target's per-byte
    twin where the table has it, else per-byte losses, or datasets of one tokenizer."""
    for target in targets:
        base, metric = schema.split_metric(target)
        if metric == "bpb":
            continue
        measured = [d for d in datasets if d in runs.tokenizers and target in runs.evals_of(d)]
        by_tok: dict[str, list[str]] = {}
        for d in measured:
            by_tok.setdefault(runs.tokenizers[d], []).append(d)
        told = ""
        if not measured:  # the table names no tokenizer: its per-byte twin may still tell them apart
            by_tok = _by_bytes_per_token(bytes_per_token(runs, datasets, target))
            told = f", told by {target} over {base}:bpb on the same runs"
        if len(by_tok) < 2:
            continue
        said = (
            "; ".join(f"{', '.join(ds)} {_first_value(tok)}" for tok, ds in list(by_tok.items())[:4]) + told
        )
        twin = f"{base}:bpb"
        bpb = [e for e in runs.evals if schema.split_metric(e)[1] == "bpb"]
        if twin in runs.evals:
            fix = f"rank its per-byte twin: -t {twin}"
        elif bpb:
            fix = f"rank a per-byte eval (-t {bpb[0]}, or --metric bpb)"
        else:
            fix = "ingest the losses per byte too (bits per byte: evals NAME:bpb) and rank them with --metric bpb"
        group = max(by_tok.values(), key=len)
        one = (
            f", or only datasets of one tokenizer ({' '.join(f'-d {d}' for d in group)})"
            if len(group) > 1
            else ""
        )
        return UsageError(
            f"target {target} is a loss per token, and the datasets' models use different tokenizers ({said}): "
            "per-token losses are not comparable across tokenizers, a ranking on them ranks the tokenizers' "
            "bytes per token",
            hint=f"{fix}{one}",
            param="targets",
        )
    return None


def unknown_tokenizer_note(runs: Runs, datasets: Sequence[str], targets: Sequence[str]) -> str | None:
    """The warning of a ranking on a loss per token between datasets of which some name a tokenizer and some do
    not (a workspace appended from two tables): whether their per-token losses compare is not known (a probe's
    ``-d pile -d web`` ranked pile first at P(best) 1.00, pile's tokenizer unknown, the per-byte order the
    reverse: p66). None where every candidate or none names one, or the targets are per byte."""
    per_token = [t for t in targets if schema.split_metric(t)[1] != "bpb"]
    named = [d for d in datasets if d in runs.tokenizers]
    unnamed = [d for d in datasets if d not in runs.tokenizers]
    if not per_token or not named or not unnamed:
        return None
    return (
        f"{', '.join(per_token)}: a loss per token, and the tokenizer of {', '.join(unnamed)} is not known (of "
        f"{', '.join(f'{d} {_first_value(runs.tokenizers[d])}' for d in named)}): per-token losses compare only "
        "between models of one tokenizer; a per-byte eval (NAME:bpb) compares any"
    )


def tokenizer_note(
    runs: Runs, pairs: Sequence[tuple[str, str, str, str]], what: str, aside: str = ""
) -> str | None:
    """The note where ``pairs`` (dataset, eval, other dataset, other eval) set losses per token of different
    tokenizers side by side (``what`` says how: "these translations map", "these pairs order"); None where each
    pair shares a tokenizer, or is per byte."""
    crossing = sorted(
        {
            (a, b)
            for a, ea, b, eb in pairs
            if a in runs.tokenizers
            and b in runs.tokenizers
            and runs.tokenizers[a] != runs.tokenizers[b]
            and "bpb" not in (schema.split_metric(ea)[1], schema.split_metric(eb)[1])
        }
    )
    if not crossing:
        return None
    names = list(dict.fromkeys(d for pair in crossing for d in pair))
    said = ", ".join(f"{d} {_first_value(runs.tokenizers[d])}" for d in names[:4])
    bpb = [e for e in runs.evals if schema.split_metric(e)[1] == "bpb"]
    fix = f" (compare them per byte: {', '.join(bpb[:2])})" if bpb else " (compare them per byte: bpb losses)"
    return (
        f"warning: the datasets' models use different tokenizers ({said}): {what} losses per token of different "
        f"tokenizers{aside}, each in its own unit: their values do not compare the datasets{fix}"
    )


def _first_value(tokenizer: str) -> str:
    """``gpt2`` of ``tokenizer=gpt2, vocab_size=50257`` (``Runs.tokenizers``), for a message."""
    return tokenizer.split(", ")[0].split("=", 1)[-1]
