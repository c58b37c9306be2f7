"""Accuracies of fixed-D sweeps (a data ablation: every size at 10B tokens, with a task loss and its accuracy): at
the sweeps' D the accuracy chain runs through the task loss's law in N at that D, the loss and its interval those
``predict`` gives; another D is refused in ``predict``'s words; ``evaluate`` says what scores such sweeps and its
``--accuracy`` setting scores the chain on the held-out largest size; ``rank`` by the accuracy says what answers."""

from __future__ import annotations

from pathlib import Path

import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, SelectionError
from l2l.base.runs import Runs
from l2l.io.tables import read_runs
from l2l.testing.shapes import FIXED_D_ACCURACY, fixed_d_accuracy_csv, fixed_d_task_truth
from l2l.workflows.accuracy import predict_accuracy
from l2l.workflows.accuracy_eval import evaluate_accuracy
from l2l.workflows.evaluate import evaluate
from l2l.workflows.predict import FIXED_METHOD, predict
from l2l.workflows.rank import rank_runs


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    return read_runs([fixed_d_accuracy_csv(tmp_path_factory.mktemp("fda") / "fd.csv", seed=0)])


def test_an_accuracy_at_the_sweeps_d_is_chained_through_the_task_losss_law_in_n(runs: Runs) -> None:
    accs = {
        p.dataset: p
        for p in predict_accuracy(runs, evals=["hellaswag"], datasets=["all"], N=[1.28e9], D=[1e10])
    }
    losses = {
        p.dataset: p for p in predict(runs, N=[1.28e9], D=[1e10], datasets=["all"], evals=["hellaswag"])
    }
    for ds in ("web", "code"):
        p, loss = accs[ds], losses[ds]
        assert p.status == "ok"
        assert p.loss is not None
        assert p.loss_interval is not None
        assert p.accuracy_interval is not None
        assert p.loss_method == FIXED_METHOD
        # one question, one answer: the task loss and its interval are predict's
        assert_allclose(
            [p.loss, *p.loss_interval], [loss.loss, loss.interval.lo, loss.interval.hi], rtol=1e-12
        )
        truth = FIXED_D_ACCURACY.accuracy(fixed_d_task_truth(ds, 1.28e9))
        lo, hi = p.accuracy_interval
        assert lo < truth < hi
        assert p.lower_bound_only  # (the accuracy law's backtest cannot test a dozen runs' rise)
        assert "task loss hellaswag (its own law in N at D = 10B)" in " ".join(p.steps())
    assert_allclose([accs["web"].accuracy, accs["code"].accuracy], [0.65658, 0.43690], atol=2e-4)


def test_an_accuracy_at_another_d_is_refused_in_predicts_words(runs: Runs) -> None:
    (p,) = predict_accuracy(runs, evals=["hellaswag"], datasets=["web"], N=[1.28e9], D=[2e10])
    assert p.status == "failed"
    assert p.reason == (
        "the input loss's law: web/hellaswag: every run lies at D = 10B, so its law is in N at that D alone "
        "(E_D + K·N^−γ) and says nothing at D = 20B; predict at --D 10B, or add runs at other token counts"
    )


def test_evaluate_refuses_fixed_d_sweeps_naming_what_scores_them(runs: Runs) -> None:
    with pytest.raises(SelectionError) as err:
        evaluate(runs)
    assert err.value.message.startswith(
        "nothing to evaluate: every run of code, web lies at one token count (D = 10B), so each law is in N"
    )
    assert err.value.hint is not None
    assert "l2l evaluate --accuracy TASK scores the accuracy chain" in err.value.hint


def test_evaluate_accuracy_scores_the_chain_through_the_fixed_d_laws_on_the_largest_size(
    tmp_path: Path,
) -> None:
    from l2l.testing.shapes import SigmoidTruth

    path = fixed_d_accuracy_csv(tmp_path / "fd.csv", seed=0, accuracy=SigmoidTruth(0.25, 3.0, 0.35))
    ev = evaluate_accuracy(read_runs([path]), evals=["hellaswag"])
    made = {(h.dataset, h.input): h for h in ev.predictions if h.method == "l2l" and h.predicted is not None}
    assert set(made) == {(ds, how) for ds in ("web", "code") for how in ("measured", "predicted")}
    errors = [made[(ds, "predicted")].error_points for ds in ("web", "code")]
    assert_allclose(errors, [0.10, 0.53], atol=0.02)


def test_ranking_by_an_accuracy_of_fixed_d_sweeps_names_what_answers(runs: Runs) -> None:
    with pytest.raises(FitError) as err:
        rank_runs(runs, ["hellaswag:accuracy"], N=1.28e9, D=1e10)
    assert err.value.message.startswith(
        "hellaswag is not ranked on fixed-D sweeps: their task loss hellaswag"
    )
    assert err.value.hint is not None
    assert "l2l predict -e 'hellaswag:accuracy' --N 1.28B --D 10B" in err.value.hint
