"""The sharing test's BIC fallback (the backtest uninformative: the lower runs at chance) keeps one curve for every
dataset unless one curve per dataset lowers the BIC by more than ``SHARING_BIC_MARGIN`` (issue 17, helper h93)."""

from __future__ import annotations

import pytest
from numpy.testing import assert_allclose

from l2l.core.accuracy import AccuracyFit, fit_accuracy, sharing
from l2l.testing.sharing_tables import SharingTable, sharing_table


def _fit(t: SharingTable) -> AccuracyFit:
    return fit_accuracy(t.x, t.y, chance=0.25, ceiling="auto", groups=t.groups, order=t.order)


def test_one_true_curve_whose_bic_split_gains_less_than_the_margin_stays_pooled_in_the_true_order() -> None:
    t = sharing_table("a", 1323)  # two datasets on one true curve; separate lowers the BIC by 1.1
    fit = _fit(t)
    assert fit.sharing is not None
    assert fit.sharing.method == "bic"
    assert_allclose([fit.sharing.bic_pooled, fit.sharing.bic_separate], [-616.01, -617.15], atol=0.01)
    assert fit.pooled
    assert (
        "(one curve per dataset must lower it by more than 10): one curve for every dataset"
        in fit.sharing.reason
    )
    # at 10× the sweep's top budget, at each dataset's true task loss: within a point of the truth, web first
    web, books = (float(fit.predict(t.truth[k][0][0], k)) for k in ("web", "books"))
    assert_allclose([web, books], [t.truth["web"][0][1], t.truth["books"][0][1]], atol=0.011)
    assert web > books


def test_without_the_margin_the_same_table_splits_into_curves_that_reverse_the_true_order(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sharing, "SHARING_BIC_MARGIN", 0.0)
    t = sharing_table("a", 1323)
    fit = _fit(t)
    assert not fit.pooled
    assert not fit.shifted
    web, books = (float(fit.predict(t.truth[k][0][0], k)) for k in ("web", "books"))
    assert_allclose([web, books], [0.8205, 0.8537], atol=0.002)  # truth 0.8499, 0.8344


def test_curves_that_truly_differ_still_go_separate_when_they_lower_the_bic_by_more_than_the_margin() -> None:
    # three datasets, midpoints 0.05 nats apart: one curve each lowers the BIC by 42
    fit = _fit(sharing_table("b", 4))
    assert fit.sharing is not None
    assert fit.sharing.method == "bic"
    assert_allclose([fit.sharing.bic_pooled, fit.sharing.bic_separate], [-823.12, -865.16], atol=0.01)
    assert not fit.pooled
    assert fit.sharing.reason.endswith("the datasets' curves differ")
