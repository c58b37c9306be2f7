"""Datasets whose accuracy curves differ by a shift (p61 #1): one shape shifted by dataset, chosen by the ``auto``
pooling's backtest or where one curve misses datasets systematically; a pooled law kept anyway is ``poor``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from l2l.core.accuracy import (
    AccuracyLaw,
    dataset_offsets,
    fit_accuracy,
    sharing,  # (the module the sharing test reads SHARING_MARGIN in)
)

TRUE = {"floor": 0.25, "ceiling": 1.0, "x0": 3.0, "s": 0.2}


def _shifted(shift: float, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Three datasets of 40 runs, their curves' midpoints ``shift`` apart, noise 0.5 points."""
    rng = np.random.default_rng(seed)
    xs, ys, gs = [], [], []
    for k, name in enumerate("abc"):
        x = rng.uniform(2.6, 3.6, 40)
        law = AccuracyLaw("sigmoid", {**TRUE, "x0": 3.0 + shift * (k - 1)})
        xs.append(x)
        ys.append(law.predict(x) + rng.normal(0, 0.005, 40))
        gs.append(np.full(40, name))
    x = np.concatenate(xs)
    return x, np.concatenate(ys), np.concatenate(gs), -x  # lower loss ~ more compute


def test_auto_pooling_takes_one_shape_shifted_by_dataset_where_one_curve_misses_datasets_and_curves_each_lose() -> (
    None
):
    x, acc, groups, order = _shifted(0.04, seed=0)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order)
    assert fit.sharing is not None
    assert fit.sharing.chosen == "shifted"
    assert fit.sharing.backtest_mae_shifted is not None
    assert fit.sharing.backtest_mae_pooled is not None
    assert fit.sharing.backtest_mae_separate is not None
    assert (
        fit.sharing.backtest_mae_shifted < 0.5 * fit.sharing.backtest_mae_pooled
    )  # 0.70 against 3.60 points
    assert fit.sharing.backtest_mae_shifted < 0.5 * fit.sharing.backtest_mae_separate  # and 3.94
    assert fit.pooling == "shifted"
    assert not fit.pooled
    assert fit.status == "ok"
    assert fit.to_dict()["pooling"] == "shifted"
    assert "0.70 shifted" in fit.sharing.reason
    assert fit.sharing.reason.endswith("one shape for every dataset, shifted by dataset")


def test_a_shifted_law_shares_its_shape_and_gives_each_dataset_its_midpoint_and_bootstrap() -> None:
    x, acc, groups, order = _shifted(0.1, seed=0)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order, pooling="shifted", bootstrap=20)
    assert set(fit.laws) == {"a", "b", "c"}
    for name in ("floor", "ceiling", "s"):
        assert len({round(law.params[name], 12) for law in fit.laws.values()}) == 1
    assert [fit.laws[k].params["x0"] for k in "abc"] == pytest.approx([2.9, 3.0, 3.1], abs=0.01)
    assert fit.laws["a"].params["s"] == pytest.approx(0.2, rel=0.03)
    assert fit.bootstrap is not None
    assert fit.bootstrap.shape == (20, 3, 4)
    assert np.all(fit.bootstrap[:, 0, 3] == fit.bootstrap[:, 2, 3])  # each draw one slope for every dataset
    interval = fit.predict_interval(3.0, "b", 0.9)
    assert interval is not None
    assert interval[0] < float(fit.predict(3.0, "b")) < interval[1]


def test_where_the_backtest_keeps_one_curve_that_misses_datasets_by_more_than_the_noise_it_is_shifted(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The backtest scores only the top of each dataset's runs; one curve that misses all of some datasets' runs
    (a probe: 3.26 points pooled against 6.44 separate, rmse 2.5 against noise 0.5, ranked wrong with P(best)
    0.96) gives way to one shape shifted by dataset."""
    monkeypatch.setattr(sharing, "SHARING_MARGIN", 0.95)  # the backtest alone keeps one curve
    x, acc, groups, order = _shifted(0.04, seed=0)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order)
    assert fit.sharing is not None
    assert fit.sharing.chosen == "shifted"
    assert "one curve for every dataset; but one curve misses datasets systematically" in fit.sharing.reason
    assert fit.sharing.reason.endswith("one shape for every dataset, shifted by dataset")


def test_a_pooled_law_that_misses_datasets_by_more_than_the_noise_is_poor_and_says_by_how_much() -> None:
    x, acc, groups, order = _shifted(0.04, seed=0)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order, pooling="pooled")
    assert fit.pooled
    assert fit.offsets is not None
    assert fit.offsets.systematic
    assert fit.status == "poor"
    assert "misses datasets systematically: its mean residual by dataset is" in fit.reason
    assert set(fit.offsets.offsets) == {"a", "b", "c"}
    d = json.loads(json.dumps(fit.to_dict(), allow_nan=False))
    assert d["dataset_offsets"]["systematic"] is True


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_one_true_curve_stays_pooled_and_ok(seed: int) -> None:
    x, acc, groups, order = _shifted(0.0, seed=seed)
    fit = fit_accuracy(x, acc, chance=0.25, groups=groups, order=order)
    assert fit.pooled
    assert fit.status == "ok"
    assert fit.offsets is not None
    assert not fit.offsets.systematic


def test_offsets_need_two_datasets_with_runs_and_a_measurable_noise() -> None:
    r = np.array([0.015] * 6 + [-0.015] * 6)
    g = np.array([0] * 6 + [1] * 6)
    assert dataset_offsets(r, g, ["a", "b"], 0.0) is None  # no noise to compare with
    assert dataset_offsets(r[:9], g[:9], ["a", "b"], 0.005) is None  # b has 3 runs: too few
    off = dataset_offsets(r, g, ["a", "b"], 0.005)
    assert off is not None
    assert off.offsets == pytest.approx({"a": 0.015, "b": -0.015})
    assert off.chi2 == pytest.approx(12 * 9.0)
    assert off.systematic  # p ~ 4e-25, each dataset off by 3 noise SDs and 1.5 points
    small = dataset_offsets(r / 3, g, ["a", "b"], 0.5 / 300)
    assert small is not None
    assert small.p < 1e-6
    assert not small.systematic  # 3 noise SDs, but half a point: one curve's own misfit, not the datasets
