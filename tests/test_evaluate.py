"""The Table 1 protocol on synthetic tables where the answer is known, and on the paper's runs."""

from __future__ import annotations

from typing import Any

import pytest
from numpy.testing import assert_allclose

from l2l import api
from l2l.errors import SelectionError, UsageError
from l2l.testing import SyntheticSpec
from tests.conftest import runs_from_spec


@pytest.fixture(scope="module")
def shared_offset(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """Noiseless runs whose held-out 3.3B models all land 3 % below their own laws, in a way the train-to-train
    relations carry: translation from a measured big run sees it, extrapolation cannot."""
    spec = SyntheticSpec(noise=0.0, holdout_offset=-0.03)
    return runs_from_spec(tmp_path_factory.mktemp("offset"), spec)


def test_translation_carries_a_shared_deviation_that_extrapolation_misses(shared_offset: Any) -> None:
    ev = api.evaluate_runs(shared_offset, workers=1)
    s = {row.setting: row for row in ev.summary}
    assert ev.holdout == "split = extrapolation"
    assert ev.n_heldout_runs == 3
    # 3 datasets: 6 ordered pairs; test evals = 3 own evals; 2 downstream evals
    assert (
        s["train-to-train"].n_predictions,
        s["train-to-test"].n_predictions,
        s["train-to-downstream"].n_predictions,
    ) == (6, 18, 12)
    assert s["train-to-train"].mean_error_loss_to_loss < 1e-6
    assert s["train-to-downstream"].mean_error_loss_to_loss < 1e-6
    assert s["train-to-train"].mean_error_independent > 0.01
    assert s["train-to-downstream"].mean_error_independent > 0.01


def test_without_a_deviation_both_methods_are_exact(tmp_path_factory: pytest.TempPathFactory) -> None:
    runs = runs_from_spec(tmp_path_factory.mktemp("exact"), SyntheticSpec(noise=0.0))
    ev = api.evaluate_runs(runs, workers=1)
    for row in ev.summary:
        assert row.mean_error_independent < 1e-6
        assert row.mean_error_loss_to_loss < 1e-6


def test_holdout_by_top_compute_and_detail(shared_offset: Any) -> None:
    ev = api.evaluate_runs(shared_offset, holdout_top_compute=1, workers=1)
    assert ev.holdout.startswith("top 1 compute budget(s), C ≥ 1e+21")
    assert len(ev.predictions) == 36
    p = ev.predictions[0]
    assert_allclose(p.error_loss_to_loss, abs(p.loss_to_loss - p.actual) / p.actual, rtol=1e-12)


def test_bad_holdout_choices_are_clear(shared_offset: Any) -> None:
    with pytest.raises(SelectionError, match="unknown split 'test'"):
        api.evaluate_runs(shared_offset, holdout_split="test")
    with pytest.raises(UsageError, match="choose one of"):
        api.evaluate_runs(shared_offset, holdout_split="extrapolation", holdout_top_compute=1)
    with pytest.raises(SelectionError, match="no eval matches nothing"):
        api.evaluate_runs(shared_offset, downstream=["nothing*"])


def test_eval_patterns_include_and_exclude() -> None:
    evals = ["a_val", "downstream/x_test", "downstream/x_5shot_test", "downstream/boolq_test"]
    assert api.select_evals(evals, ["downstream/*_test", "!*5shot*", "!*boolq*"]) == ["downstream/x_test"]
    assert api.select_evals(evals, ["!downstream/*"]) == ["a_val"]
    with pytest.raises(SelectionError, match="no eval matches zzz"):
        api.select_evals(evals, ["zzz"])
