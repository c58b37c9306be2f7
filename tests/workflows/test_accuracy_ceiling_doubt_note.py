"""The note of an accuracy whose interval also holds the fitted-ceiling law (``ceiling="auto"`` kept 1 without its
backtest telling: issue 17, h25): it names that ceiling and its prediction, and makes no lower bound by itself; past
half the way to the assumed ceiling it still ends as a lower bound."""

from __future__ import annotations

import numpy as np

from l2l.core.accuracy import fit_accuracy
from l2l.workflows.accuracy import CEILING_LOWER_BOUND, accuracy_lower_bound, ceiling_note


def _fit(ceiling: float | str):
    """One curve levelling off at 90 whose sweep reaches 67 (probe p50's shape), noise 1 point."""
    rng = np.random.default_rng(4)
    x = np.linspace(2.7, 4.0, 50)
    acc = 0.25 + 0.65 / (1 + np.exp((x - 2.9) / 0.25)) + 0.01 * rng.standard_normal(50)
    return fit_accuracy(x, np.clip(acc, 0, 1), chance=0.25, order=-x, ceiling=ceiling)  # type: ignore[arg-type]


def _bound(note: str) -> bool:
    return accuracy_lower_bound(
        loss_lower_bound=False, poor=False, method="backtest", ceiling_note=note, level_note=""
    )


def test_the_note_names_the_fitted_ceiling_the_interval_holds() -> None:
    fit = _fit("auto")
    assert fit.law_for(None).ceiling == 1.0
    doubt = fit.doubt_law(None)
    assert doubt is not None
    assert doubt.ceiling < 0.92
    top = fit.predictability.reference + fit.predictability.signal
    beyond = top + 0.4 * (1 - top)  # past the sweep, short of half the way to 1
    note = ceiling_note(fit, "any", beyond)
    assert note.startswith("the sweep cannot tell the ceiling of 100 assumed from a lower one (87.3 points)")
    assert note.endswith("the interval holds both")
    assert not _bound(note)
    far = ceiling_note(fit, "any", 0.997)
    assert "from a lower one (87.3 points), which predicts 87.3 here" in far
    assert far.endswith(CEILING_LOWER_BOUND)
    assert _bound(far)
    # its interval holds that law's prediction (the point stays the ceiling-1 law's)
    x = 2.3
    p, lo, hi, _ = fit.chain_interval(x, None, x, x, 0.9)
    assert lo <= float(doubt.predict(x)) < p <= hi


def test_no_doubt_no_words_where_the_ceiling_is_fixed() -> None:
    fit = _fit(1.0)
    top = fit.predictability.reference + fit.predictability.signal
    assert ceiling_note(fit, "any", top + 0.4 * (1 - top)) == ""
    assert ceiling_note(fit, "any", 0.997).endswith(CEILING_LOWER_BOUND)
