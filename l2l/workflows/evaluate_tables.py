"""``evaluate`` on tables whose datasets have no own eval, or with one dataset: the default test evals, the
refusal of a table with one dataset, and whether every dataset's own eval is the eval they share (the first setting
is then called test-to-test)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from l2l.base.errors import SelectionError
from l2l.base.runs import default_test_evals
from l2l.base.text import plural, some_of
from l2l.workflows.inventory import held_out_splits

if TYPE_CHECKING:
    from l2l.base.runs import Runs

__all__ = [
    "ONE_DATASET",
    "all_shared",
    "default_tests",
    "one_dataset_hint",
    "require_two_datasets",
]

#: How the refusal of a table with one dataset begins (``requests.answer_evaluate`` then gives the other parts).
ONE_DATASET = "evaluate compares predicting one dataset's held-out runs from another dataset's (translation)"


def all_shared(runs: Runs) -> bool:
    return bool(runs.datasets) and all(runs.own_is_shared(d) for d in runs.datasets)


def default_tests(runs: Runs) -> list[str]:
    """The default test evals: none when every dataset's own eval is the one eval they share (the first setting
    is then the test-to-test comparison on it), else ``default_test_evals``."""
    if all_shared(runs):
        return [e for e in default_test_evals(runs, shared_ok=True) if e not in runs.own_eval.values()]
    return default_test_evals(runs)


#: Datasets a refusal names before it says how many more (one line, even for a table of dozens).
SHOWN_DATASETS = 4


def require_two_datasets(runs: Runs, *, accuracies: bool | None = None) -> None:
    """Refuse a table with fewer than two datasets with an own eval, with a hint to what the table does allow
    (``accuracies``: whether it has accuracy rows; None: whether ``runs`` carries some)."""
    with_own = [d for d in runs.datasets if d in runs.own_eval]
    if len(with_own) < 2:
        have = [
            f"{d} ({'own eval ' + runs.own_eval[d] if d in runs.own_eval else 'no own eval'})"
            for d in runs.datasets
        ]
        raise SelectionError(
            f"{ONE_DATASET} with its own law, so it needs two datasets with an own eval; these runs have "
            f"{plural(len(have), 'dataset')}: {some_of(have, SHOWN_DATASETS + 1)}",
            hint=one_dataset_hint(runs, accuracies),
        )


def one_dataset_hint(runs: Runs, accuracies: bool | None = None) -> str:
    """What a table of one dataset allows in place of ``evaluate``: its law on held-out runs where it has a split
    to hold them out by (else beside every run), and its accuracy laws where it has accuracies (``accuracies``;
    None: whether ``runs`` carries accuracy rows). (Mis)Fitting's table, with neither, was offered `--split SPLIT`
    and `evaluate --accuracy all` (probe h3)."""
    if accuracies is None:
        accuracies = runs.accuracy is not None and runs.accuracy.height > 0
    # the split to fit on, not the held-out one: `--split heldout` as the hint offered it fitted the one held-out
    # run alone and was refused (helper h95)
    held = held_out_splits(runs)
    rest = [s for s in runs.splits if s not in held]
    law = (
        f"check its law on held-out runs with `l2l fit-law --residuals --split {rest[0]}` (fitted on {rest[0]}, "
        f"the runs of {', '.join(held)} listed beside it as held out)"
        if held and len(rest) == 1
        else "check its law on held-out runs with `l2l fit-law --residuals --split SPLIT`, SPLIT the runs to fit on, "
        f"the others listed beside it as held out (splits: {some_of(runs.splits)})"
        if runs.splits
        else "check its law with `l2l fit-law --residuals`: every run beside it, and its backtests (refits below "
        "each cutoff predicting the runs above; the table has no split to hold runs out by)"
    )
    return f"for one dataset, {law}" + (
        ", or its accuracy laws with `l2l evaluate --accuracy all`" if accuracies else ""
    )
