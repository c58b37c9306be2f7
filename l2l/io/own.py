"""Each dataset's own eval: the eval that is its own ("train") loss, decided by the naming rules, by the user, or
(when no dataset has one) the one validation eval every dataset is measured on.

- ``explicit`` (``--own-eval DATASET=EVAL``; ``all=EVAL`` for every dataset), ``workspace`` (kept from an earlier
  ingest), ``train`` (an eval named train), ``detected`` (the eval named after the dataset: ``fineweb_val``);
- ``shared``: no dataset has an own eval by those rules, and every one is measured on one validation eval (a
  common validation mix, DCLM's ``open_lm_val``): that eval stands in for each dataset's own loss, and commands
  say so; comparisons on it are test-to-test, not train-to-train.
- ``only``: the table's one dataset is measured on one eval, named as a validation set (``val``,
  ``open_lm_val``; or ``loss``, a wide read's lone loss column): that loss stands in for its own.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence, Set
from typing import Final

import polars as pl

from l2l.base import schema
from l2l.base.checks import check_name
from l2l.base.errors import SelectionError
from l2l.base.runs import resolve_name

__all__ = ["ONLY", "SHARED", "resolve_own", "shared_eval"]

#: How an own eval was decided when it is the eval every dataset shares (see the module docstring).
SHARED: Final = "shared"
#: ... and when it is the only eval of the table's only dataset.
ONLY: Final = "only"


def _evals_by_dataset(frame: pl.DataFrame) -> dict[str, list[str]]:
    g = frame.group_by("dataset").agg(pl.col("eval").unique().sort())
    return {d: list(e) for d, e in g.iter_rows()}


def _named_after(target: str, stem: str, *, whole_word: bool) -> bool:
    """Whether a dataset (``target``, reduced) is named after an eval's stem: it starts with it, and with
    ``whole_word`` the stem is all of it or ends at a separator (``slimpajama_chunk1`` after ``slimpajama``, not
    ``c4mix`` after ``c4``)."""
    if not stem or not target.startswith(stem):
        return False
    return not whole_word or len(target) == len(stem) or not target[len(stem)].isalnum()


def _detect_own(
    dataset: str, evals: Sequence[str], shared: Set[str] = frozenset()
) -> tuple[str | None, str, list[str]]:
    """(own eval or None, how, ambiguous candidates) for one dataset by the naming rules. An eval in ``shared``
    (measured on other datasets too: a common validation set such as c4_val) is its own only when the dataset
    is named after it word for word: ``c4mix`` measured on c4_val beside every other dataset is not c4's."""
    trains = [e for e in evals if schema.is_training_loss_of(e, dataset)]
    if len(trains) == 1:
        # an eval named after the dataset, word for word, is its own validation loss and beats a training loss:
        # a W&B export of several data mixes logs train/loss beside eval/MIX/loss, and the wide read's common
        # suffix made the first the eval `train`, taken as every mix's own (probe h42)
        named, how, _ = _detect_named(dataset, [e for e in evals if e not in trains], shared, exact=True)
        if named is not None and not schema.looks_like_training_loss(named):
            return named, how, []
        return trains[0], "train", []
    return _detect_named(dataset, evals, shared, exact=False)


def _detect_named(
    dataset: str, evals: Sequence[str], shared: Set[str], *, exact: bool
) -> tuple[str | None, str, list[str]]:
    """``_detect_own``'s rule 3: the eval named after the dataset (with ``exact``, only one whose stem is the
    dataset's whole name)."""
    target = schema.norm_dataset_for_match(dataset)
    if target:
        scored = [
            (len(k), e) for e in evals for k in _stems(e) if _named_after(target, k, whole_word=e in shared)
        ]
    else:  # punctuation alone ("[/]") reduces to nothing, which names no eval: its own is named as it is written
        scored = [(0, e) for e in evals if schema.eval_stem_as_written(e) == dataset.strip()]
    if not scored and target:
        # a W&B export's eval/c4_loss beside train/loss: no stem but with its loss word said (the training loss
        # became c4's own loss, h18); a name with a validation word still wins where there is one
        scored = [
            (len(k), e) for e in evals if (k := _loss_stem(e)) and _named_after(target, k, whole_word=True)
        ]
    if exact:
        scored = [(n, e) for n, e in scored if n == len(target)]
    if not scored:
        return None, "", []
    best = max(s for s, _ in scored)
    top = sorted(e for s, e in scored if s == best)
    if len(top) > 1:
        # the loss in nats before the same eval in another unit (web_val beside web_val:bpb)
        nats = [e for e in top if schema.split_metric(e)[1] is None]
        if len(nats) != 1:
            return None, "", top
        top = nats
    return top[0], "detected", []


_LOSS_WORDS: Final = ("_ce_loss", "_loss", "_nll")


def _loss_stem(name: str) -> str:
    """An eval's last part without its loss word (``eval/c4_loss`` → ``c4``, ``c4_val_loss`` → ``c4``), or ""."""
    last = schema.norm_eval_for_match(name)
    for word in _LOSS_WORDS:
        if last.endswith(word) and len(last) > len(word):
            return schema.norm_eval_for_match(last.removesuffix(word))
    return ""


def _stems(name: str) -> tuple[str, ...]:
    """The stems an eval may name a dataset by, a loss in another unit by its name without the unit: a table of
    bits per byte alone (``web_val:bpb``) had no own eval, and every law command was refused (probe p60)."""
    base, unit = schema.split_metric(name)
    return schema.eval_stems(base if unit in schema.LOSS_UNITS else name)


def shared_eval(by_ds: Mapping[str, Sequence[str]]) -> str | None:
    """The validation eval every dataset (two or more) is measured on: the only eval they all share, else the only
    one of those named like a validation set; None when there is none or the choice is not clear."""
    if len(by_ds) < 2:  # one dataset's only eval is not "shared": it stays without an own eval
        return None
    common = set.intersection(*(set(v) for v in by_ds.values()))
    # the one in nats first: its per-byte twin (val_loss:bpb) beside it left a tokenizers' table with no own eval
    # at all (probe h20), where val_loss alone stood in for each dataset's
    nats = {e for e in common if schema.split_metric(e)[1] is None}
    for pool in (nats, common):
        if len(pool) == 1:
            return next(iter(pool))
    for pool in (nats, common):
        val_like = sorted(e for e in pool if schema.looks_like_validation(e))
        if len(val_like) == 1:
            return val_like[0]
    return None


def _split_own(key: str, ev: str, by_ds: Mapping[str, list[str]]) -> tuple[str, str]:
    """``DATASET=EVAL`` split where a name holds ``=`` (a mixture named ``web=0.7,code=0.3``): at the ``=`` after
    which the part before is a dataset's exact name; else the one where it stands for a single dataset that
    measured the rest; else at the first ``=`` (it was split there whatever the names: "dataset 'web' is
    ambiguous")."""
    whole = f"{check_name(key, 'dataset')}={check_name(ev, 'eval')}"
    cuts = [(whole[:i].strip(), whole[i + 1 :].strip()) for i, ch in enumerate(whole) if ch == "="]
    cuts = [(d, e) for d, e in cuts if d and e] or [(key, ev)]
    exact = [(d, e) for d, e in cuts if d in by_ds]
    if exact:
        return exact[0]
    datasets = sorted(by_ds)
    fitting = []
    for d, e in cuts:
        try:
            resolve_name(e, by_ds[resolve_name(d, datasets, "dataset")], "eval")
        except SelectionError:
            continue
        fitting.append((d, e))
    return fitting[0] if len(fitting) == 1 else cuts[0]


def _stored(message: str, ev: str) -> str:
    """What ``resolve_name``'s refusal adds after its own first words: the name it most likely meant and the evals
    (``; did you mean 'val'? (evals: val, c4)``), or the candidates alone (`` (evals: val, c4)``)."""
    rest = message.removeprefix(f"unknown eval {ev!r}")
    if rest == message:  # another refusal (an ambiguous prefix): said whole
        return f" ({message})"
    return rest if rest.startswith(";") else f" {rest.strip()}" if rest.strip() else ""


def _explicit(
    explicit: Mapping[str, str], by_ds: Mapping[str, list[str]], datasets: Sequence[str]
) -> dict[str, str]:
    """``--own-eval`` entries resolved: DATASET (a unique prefix) → EVAL; ``all`` (when no dataset is so named)
    gives every dataset EVAL (those that never measured it: an error), and a dataset named on its own overrides
    it."""
    own: dict[str, str] = {}
    from_all: set[str] = set()
    explicit = dict(_split_own(key, ev, by_ds) for key, ev in explicit.items())

    def is_all(key: str) -> bool:
        return key.strip().lower() == "all" and "all" not in datasets

    for key, ev in sorted(explicit.items(), key=lambda kv: not is_all(kv[0])):  # all= first, then names
        if is_all(key):
            missing = [ds for ds in datasets if ev not in by_ds[ds]]
            try:
                names = {ds: resolve_name(ev, by_ds[ds], "eval") for ds in datasets}
            except SelectionError as exc:
                # the name it most likely meant and the evals stored: a wide export's column val_loss is stored as
                # the eval val, and --own-eval all=val_loss said only "no eval 'val_loss'" (probe h23)
                raise SelectionError(
                    f"own eval all={ev}: no eval {ev!r} measured on {', '.join(missing) or 'some dataset'}"
                    f"{_stored(exc.message, ev)}",
                    param="own_eval",
                ) from None
            targets = names
        else:
            try:
                ds = resolve_name(key, datasets, "dataset")
            except SelectionError as exc:
                raise SelectionError(
                    f"own eval {key}={ev}: {exc.message}", hint=exc.hint, param="own_eval"
                ) from None
            try:
                targets = {ds: resolve_name(ev, by_ds[ds], "eval")}
            except SelectionError as exc:
                raise SelectionError(
                    f"own eval {key}={ev}: no eval {ev!r} measured on {ds}{_stored(exc.message, ev)}",
                    param="own_eval",
                ) from None
        for ds, e in targets.items():
            if ds in own and own[ds] != e and ds not in from_all:
                raise SelectionError(f"two own evals given for {ds}: {own[ds]} and {e}", param="own_eval")
            own[ds] = e
            if is_all(key):
                from_all.add(ds)
            else:
                from_all.discard(ds)
    return own


def _named_after_a_group(
    own: Mapping[str, str], how: Mapping[str, str], by_ds: Mapping[str, Sequence[str]], shared: Set[str]
) -> bool:
    """Whether every dataset (two or more) has one eval as its own, detected by its name, while the eval is no
    dataset's own word for word (its stem the whole of none of their names): a word of a group of names."""
    if (
        len(by_ds) < 2
        or set(own) != set(by_ds)
        or set(how.values()) != {"detected"}
        or len(set(own.values())) > 1
    ):
        return False
    (ev,) = set(own.values())
    return all(_detect_named(ds, [ev], shared, exact=True)[0] is None for ds in by_ds)


def resolve_own(
    frame: pl.DataFrame, explicit: Mapping[str, str], pinned: Mapping[str, tuple[str, str]] | None = None
) -> tuple[dict[str, str], dict[str, str], dict[str, list[str]]]:
    """Own eval per dataset: explicit (DATASET may be a unique prefix, or ``all``) > pinned > ``train`` >
    detected; when no dataset has one by then, the shared validation eval (``shared_eval``), how ``shared``.

    Returns (own_eval, how, ambiguous) where ``ambiguous`` lists datasets whose detection found a tie.
    """
    by_ds = _evals_by_dataset(frame)
    datasets = sorted(by_ds)
    own = _explicit(explicit, by_ds, datasets)
    how = dict.fromkeys(own, "explicit")
    ambiguous: dict[str, list[str]] = {}
    measured = Counter(e for evals in by_ds.values() for e in set(evals))
    shared = {e for e, n in measured.items() if n > 1}  # measured on several datasets
    for ds in datasets:
        if ds in own:
            continue
        if pinned and ds in pinned and pinned[ds][0] in by_ds[ds]:
            own[ds], how[ds] = pinned[ds]
            continue
        e_found, h, tie = _detect_own(ds, by_ds[ds], shared)
        if e_found is not None:
            own[ds], how[ds] = e_found, h
        elif tie:
            ambiguous[ds] = tie
    if not own and not ambiguous and (common := shared_eval(by_ds)) is not None:
        own = dict.fromkeys(datasets, common)
        how = dict.fromkeys(datasets, SHARED)
    if _named_after_a_group(own, how, by_ds, shared):
        # one eval named after a word every dataset's name begins with, none's whole name (val_mix of mix-000-web …
        # mix-199-arxiv): the eval they share, as it is where their names say nothing of it; read as each one's own
        # loss by its name, evaluate called the comparison on it train-to-train and wanted --test (helper h95)
        how = dict.fromkeys(datasets, SHARED)
    if not own and not ambiguous and len(datasets) == 1 and len(set(by_ds[datasets[0]])) == 1:
        # the one validation loss of a table of one dataset stands in for its own, as a shared one does for
        # several: `params,tokens,loss` read with --dataset c4 --eval val was ingested, then every command that
        # fits the own loss refused it ("no own eval", probe p58); one mixture's `val` had none where four
        # mixtures sharing it had (p56). An eval named otherwise (web measured on c4 alone) is no own loss.
        (only,) = set(by_ds[datasets[0]])
        if schema.looks_like_validation(only) or only == "loss":
            own, how = {datasets[0]: only}, {datasets[0]: ONLY}
    if not own and not ambiguous and len(datasets) == 1:
        # a W&B ladder of one dataset logs its training loss as train/loss beside eval/TASK/ce_loss: "no own eval
        # for olmo" (probe p61) where an eval named train was taken; the one such loss is the dataset's own, said
        # as a training loss (how "train": ingest's note names it and a validation eval to use instead)
        trains = sorted({e for e in by_ds[datasets[0]] if schema.looks_like_training_loss(e)})
        if len(trains) == 1:
            own, how = {datasets[0]: trains[0]}, {datasets[0]: "train"}
    return own, how, ambiguous
