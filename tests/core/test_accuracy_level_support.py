"""The accuracy law's own error follows the loss intervals' rule (probe h2): its split-conformal quantile of n
backtest errors is their largest once ⌈(n+1)·level⌉ > n, so with 5-8 errors the "90 %" error held only n/(n+1);
such an interval is a lower bound that says how many errors it came from and how many the level needs. And an
eval whose law predicts only some of its datasets says which (probe h3)."""

from __future__ import annotations

import numpy as np
import pytest

from l2l.core.accuracy import AccuracyFit, fit_accuracy
from l2l.core.predictive import (
    LOWER_BOUND_MARK,
    fewest_for_level,
    is_beyond_evidence_note,
    too_few_for_level,
    too_few_note,
)


def test_the_fewest_errors_a_level_needs_follow_the_rule_itself() -> None:
    # level/(1 − level) rounded up said 10 at 0.9 (9.000000000000002 in floating point) where 9 suffice
    for level, need in ((0.8, 4), (0.9, 9), (0.95, 19), (0.99, 99), (0.999, 999)):
        assert fewest_for_level(level) == need
        assert too_few_for_level(need - 1, level)
        assert not too_few_for_level(need, level)
    assert not too_few_for_level(0, 0.9)  # no scores: nothing is taken from them
    note = too_few_note(6, 0.9)
    assert "6 backtest errors: a 90% interval needs at least 9" in note
    assert "(a 86% interval)" in note
    assert note.endswith(LOWER_BOUND_MARK)
    assert is_beyond_evidence_note(note)


def _law(n: int) -> AccuracyFit:
    """One rising sigmoid's fit on ``n`` runs: its backtest holds out the top 20 % (n/5 errors)."""
    rng = np.random.default_rng(1)
    x = np.linspace(2.2, 4.0, n)
    y = 0.25 + 0.75 / (1 + np.exp((x - 3.0) / 0.25)) + rng.normal(0, 0.01, n)
    return fit_accuracy(x, y, chance=0.25, order=-x)


@pytest.mark.parametrize(("runs", "errors"), [(30, 6), (40, 8)])
def test_too_few_backtest_errors_for_the_level_make_a_lower_bound_saying_so(runs: int, errors: int) -> None:
    fit = _law(runs)
    assert fit.status == "ok"
    assert fit.backtest_logit is not None
    assert len(fit.backtest_logit) == errors
    q, how = fit.logit_quantile(0.9)
    assert how == "backtest"
    assert q == pytest.approx(float(np.max(np.abs(fit.backtest_logit))))  # the largest: no number changes
    note = fit.too_few_note(0.9)
    assert f"comes from {errors} backtest errors: a 90% interval needs at least 9" in note
    assert note.endswith(LOWER_BOUND_MARK)


def test_enough_backtest_errors_for_the_level_say_nothing() -> None:
    fit = _law(45)  # 9 errors: enough at 0.9, too few at 0.95
    assert fit.backtest_logit is not None
    assert len(fit.backtest_logit) == 9
    assert fit.too_few_note(0.9) == ""
    assert "a 95% interval needs at least 19" in fit.too_few_note(0.95)


def test_an_eval_predicting_some_of_its_datasets_names_them_in_either_form() -> None:
    rng = np.random.default_rng(0)
    xs, ys, groups = [], [], []
    for k, name in enumerate("abcdef"):
        x = np.linspace(2.6, 4.0, 12) + 0.01 * k
        y = 0.5 + 0.45 / (1 + np.exp((x - 3.0) / 0.2)) if name == "a" else np.full_like(x, 0.5)
        xs.append(x)
        ys.append(y + rng.normal(0, 0.004, len(x)))
        groups += [name] * len(x)
    x, y, g = np.concatenate(xs), np.concatenate(ys), np.array(groups)
    for form, e0 in (("sigmoid", None), ("power", 1.0)):
        fit = fit_accuracy(x, y, chance=0.5, form=form, groups=g, pooling="separate", order=-x, E0=e0)
        assert fit.usable
        assert fit.predicted_groups == ("a",)
        assert fit.to_dict()["predicted_datasets"] == ["a"]
    pooled = fit_accuracy(x, y, chance=0.5, groups=g, order=-x)  # auto: one curve, at chance over all
    assert pooled.status == "unpredictable"
    assert pooled.predicted_groups == ()
