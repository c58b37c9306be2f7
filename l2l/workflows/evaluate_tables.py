"""``evaluate`` on tables whose datasets have no own eval, or with one dataset: the default test evals, the
refusals, and the first setting called test-to-test where every dataset's own eval is the eval they share."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from l2l.base.errors import SelectionError
from l2l.base.runs import default_test_evals
from l2l.base.text import plural, some_of

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.base.schema import Setting
    from l2l.workflows.evaluate import Evaluation, HeldOutPrediction

__all__ = [
    "ONE_DATASET",
    "all_shared",
    "default_tests",
    "relabel_test_to_test",
    "require_some_made",
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


def require_two_datasets(runs: Runs) -> None:
    with_own = [d for d in runs.datasets if d in runs.own_eval]
    if len(with_own) < 2:
        have = [
            f"{d} ({'own eval ' + runs.own_eval[d] if d in runs.own_eval else 'no own eval'})"
            for d in runs.datasets
        ]
        raise SelectionError(
            f"{ONE_DATASET} with its own law, so it needs two datasets with an own eval; these runs have "
            f"{plural(len(have), 'dataset')}: {some_of(have, SHOWN_DATASETS + 1)}",
            hint="for one dataset, check its law on held-out runs with `l2l fit-law --residuals --split SPLIT`, "
            "or its accuracy laws with `l2l evaluate --accuracy all`",
        )


def relabel_test_to_test(runs: Runs, ev: Evaluation) -> Evaluation:
    """``ev`` with its train-to-train setting called test-to-test where every dataset's own eval is the eval
    they share (two datasets' models compared on one eval)."""
    if not all_shared(runs):
        return ev
    shared = sorted(set(runs.own_eval.values()))

    def relabel(setting: Setting) -> Setting:
        return "test-to-test" if setting == "train-to-train" else setting

    note = (
        f"the datasets have no own eval: each one's loss on {', '.join(shared)} (the eval they all share) stands "
        "in for it, so the first setting is test-to-test"
    )
    return replace(
        ev,
        predictions=tuple(replace(p, setting=relabel(p.setting)) for p in ev.predictions),
        summary=tuple(replace(x, setting=relabel(x.setting)) for x in ev.summary),
        notes=(*ev.notes, note),
    )


def require_some_made(preds: Sequence[HeldOutPrediction]) -> None:
    """Refuse an evaluation in which no method predicted any held-out run (every one skipped), saying why."""
    if any(p.independent is not None or p.loss_to_loss is not None for p in preds):
        return
    details = list(dict.fromkeys(k.note() for p in preds for k in p.skips))
    shown = details[0] if details else "every prediction was skipped"
    raise SelectionError(
        f"no held-out run could be predicted by any method: {shown}"
        + (f" (and {len(details) - 1} other reasons)" if len(details) > 1 else ""),
        hint="each dataset needs a law fitted below the held-out budget (enough runs at several sizes)",
        param="holdout",
    )
