"""Bad arguments to the library are refused in l2l's own words (an ``L2LError`` naming the argument), never with
Python's or numpy's exception, and never silently taken: one check per kind of argument (``l2l.base.checks``),
called at every entry point."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

import l2l
from l2l.base.checks import as_names, as_numbers, check_choice, check_count, check_level
from l2l.base.errors import ChoiceError, SelectionError, UsageError

REPO = Path(__file__).resolve().parents[2]
SIZE = {"N": [6e8], "D": [1.8e10]}
_ACC = "downstream/arc_easy_test_acc"


@pytest.fixture(scope="module")
def runs(synthetic_csv: Path) -> Any:
    return l2l.read_runs([synthetic_csv])


@pytest.fixture(scope="module")
def acc_runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The sample's Brandfonbrener runs and accuracies on two of its six datasets (fineweb-edu-100b, asked for by
    its prefix, beside fineweb-100b, which shares the prefix ``fineweb``), read once for the module (a ``Runs`` is
    not changed by the calls here). The accuracy tests check the entry points' arguments and the shape of what
    they return, not the numbers: the law of a task loss that ``predict_accuracy`` needs is calibrated across
    every dataset of its group, 10 s of CPU on the six datasets, 3.4 s on these two."""
    sample = REPO / "sample_data"
    out = tmp_path_factory.mktemp("brandfonbrener")
    paths = []
    for name in ("brandfonbrener2024_runs.csv", "brandfonbrener2024_accuracy.csv"):
        frame = pl.read_csv(sample / name).filter(
            pl.col("dataset").is_in(["fineweb-edu-100b", "fineweb-100b"])
        )
        frame.write_csv(out / name)
        paths.append(out / name)
    return l2l.read_runs(paths)


def _refused(call: Any, param: str, match: str, error: type[l2l.L2LError] = UsageError) -> None:
    with pytest.raises(error, match=match) as info:
        call()
    assert info.value.param == param
    assert "\n" not in str(info.value)


@pytest.mark.parametrize("bad", ["0.9", None, True, 1 + 0j])
def test_a_level_that_is_no_number_is_a_usage_error(bad: Any) -> None:
    _refused(lambda: check_level(bad), "level", "must be a number")


@pytest.mark.parametrize("bad", [["3.3B"], ["1e21"], [True], [1e9 + 1j], None, {"a": 1}, [None]])
def test_sizes_that_are_not_real_numbers_are_refused(bad: Any) -> None:
    _refused(lambda: as_numbers(bad, "N"), "N", "must be numbers")


def test_sizes_must_be_some_and_at_most_the_command_lines_limit() -> None:
    _refused(lambda: as_numbers([], "C"), "C", "empty")
    _refused(lambda: as_numbers([1e40], "N"), "N", "at most 1e")
    assert as_numbers(np.array([1e9, 2e9]), "N").tolist() == [1e9, 2e9]
    assert as_numbers(3, "N").tolist() == [3.0]


def test_names_must_be_text_and_an_empty_list_names_nothing() -> None:
    assert as_names("web") == ["web"]
    assert as_names(None, empty_ok=False) is None
    _refused(lambda: as_names([5], "dataset", "datasets"), "datasets", "must be text")  # type: ignore[list-item]
    _refused(lambda: as_names([], "dataset", "datasets", empty_ok=False), "datasets", "names no dataset")


def test_choices_and_counts_are_checked_in_one_place() -> None:
    assert check_choice("N", ("run", "N"), "resampling unit", "unit") == "N"
    _refused(
        lambda: check_choice("x", ("run", "N"), "resampling unit", "unit"),
        "unit",
        "expected one of",
        ChoiceError,
    )
    assert check_count(2, "workers", least=1) == 2
    for bad in ("2", 2.0, True):
        _refused(lambda bad=bad: check_count(bad, "workers", least=1), "workers", "whole number")
    _refused(lambda: check_count(0, "workers", least=1), "workers", "at least 1")


@pytest.mark.parametrize(
    ("kwargs", "param", "match"),
    [
        ({"datasets": [5]}, None, "must be text"),
        ({"datasets": [None]}, None, "must be text"),
        ({"datasets": []}, "datasets", "names no dataset"),
        ({"datasets": ["alpha"], "evals": []}, "evals", "names no eval"),
        ({"datasets": ["alpha"], "level": "0.9"}, "level", "must be a number"),
        ({"datasets": ["alpha"], "level": None}, "level", "must be a number"),
        ({"datasets": ["alpha"], "options": {"form": "l2l"}}, "options", "l2l.FitOptions"),
        ({"datasets": ["alpha"], "N": [], "D": []}, "N", "empty"),
        ({"datasets": ["alpha"], "N": [1e40], "D": [1e10]}, "N", "at most 1e\\+?30"),
        ({"datasets": ["alpha"], "N": [1e9 + 1j], "D": [1e10]}, "N", "must be numbers"),
        ({"datasets": ["alpha"], "N": [6e8], "D": None, "C": [-1e20]}, "C", "positive"),
        # below the command line's count of 1: C = 6·N·D underflowed, Python's ZeroDivisionError or ValueError (p63)
        ({"datasets": ["alpha"], "N": [1e9], "D": [1e-320]}, "D", "count ≥ 1"),
        ({"datasets": ["alpha"], "N": [1e-200], "D": [1e-200]}, "N", "count ≥ 1"),
        ({"datasets": ["alpha"], "N": [6e8], "D": None, "C": [0.5]}, "C", "count ≥ 1"),
    ],
)
def test_predict_refuses_bad_arguments_before_fitting(
    runs: Any, kwargs: dict[str, Any], param: str, match: str
) -> None:
    call = {**SIZE, **kwargs}
    with pytest.raises(UsageError, match=match) as info:
        l2l.predict(runs, split="sweep", **call)
    if param is not None:
        assert info.value.param == param


@pytest.mark.parametrize(
    ("table", "how"),
    [
        (None, "l2l.read_runs or l2l.load_runs"),
        ("a.csv", "l2l.read_runs"),
        (pl.DataFrame({"N": [1]}), r"l2l.read_runs\(frame\)"),
    ],
)
def test_the_first_argument_must_be_a_run_table(table: Any, how: str) -> None:
    for call in (
        lambda: l2l.predict(table, datasets=["alpha"], **SIZE),
        lambda: l2l.optimal(table, C=[1e21]),
        lambda: l2l.fit_laws(table),
    ):
        with pytest.raises(UsageError, match=f"run table .*{how}") as info:
            call()
        assert info.value.param == "runs"


@pytest.mark.parametrize(("C", "match"), [([], "empty"), (["1e21"], "must be numbers"), ([1e40], "at most")])
def test_optimal_refuses_no_budget_text_and_too_large_a_budget(runs: Any, C: Any, match: str) -> None:
    _refused(lambda: l2l.optimal(runs, C=C, datasets=["alpha"], split="sweep"), "C", match)


def test_fit_options_refuse_what_no_fit_can_use() -> None:
    _refused(lambda: l2l.FitOptions(form="bogus"), "form", "unknown form", ChoiceError)  # type: ignore[arg-type]
    _refused(lambda: l2l.FitOptions(objective="l1"), "objective", "unknown objective", ChoiceError)  # type: ignore[arg-type]
    for delta in (-1, 0, float("nan"), "0.1"):
        _refused(lambda delta=delta: l2l.FitOptions(delta=delta), "delta", "positive number")
    assert l2l.FitOptions(form="auto", objective="mse", delta=0.01).form == "auto"


def test_fit_laws_refuses_an_unknown_resampling_unit_and_workers_as_text(runs: Any) -> None:
    _refused(
        lambda: l2l.fit_laws(runs, bootstrap=5, resample="x"), "resample", "resampling unit", ChoiceError
    )  # type: ignore[arg-type]
    _refused(lambda: l2l.fit_laws(runs, workers="2"), "workers", "whole number")  # type: ignore[arg-type]


def test_a_law_takes_numbers_not_text(runs: Any) -> None:
    edu = runs.select(dataset="alpha", eval_name=runs.own("alpha"), split="sweep")
    law = l2l.fit_law(edu["N"], edu["D"], edu["loss"])
    _refused(lambda: law.predict("1e9", 1e10), "N", "must be numbers")
    _refused(lambda: law.law.compute_optimal("1e21"), "C", "must be numbers")
    _refused(lambda: l2l.fit_law(["a", "b"], [1, 2], [3, 4]), "N", "must be numbers")
    _refused(
        lambda: l2l.bootstrap_law(law, edu["N"], edu["D"], edu["loss"], draws=5, unit="x"),
        "unit",
        "resampling unit",
        ChoiceError,
    )


def test_a_name_that_is_not_text_is_a_usage_error_wherever_names_resolve(runs: Any) -> None:
    with pytest.raises(UsageError, match="must be text"):
        runs.resolve_datasets([5])
    with pytest.raises(UsageError, match="must be text"):
        runs.eval_keys(["alpha"], [None])


@pytest.mark.parametrize(("table", "match"), [({}, "no runs to backtest"), ({"x": (1, 2)}, "four arrays")])
def test_calibrate_refuses_an_empty_or_malformed_table(table: Any, match: str) -> None:
    _refused(lambda: l2l.calibrate(table), "table", match)


def test_to_polars_takes_one_result_and_refuses_what_is_none(runs: Any) -> None:
    _refused(lambda: l2l.to_polars(5), "result", "takes an l2l result")
    _refused(lambda: l2l.to_polars(None), "result", "takes an l2l result")
    _refused(lambda: l2l.to_polars([5]), "result", "this list holds int")
    edu = runs.select(dataset="alpha", eval_name=runs.own("alpha"), split="sweep")
    assert l2l.to_polars(l2l.fit_law(edu["N"], edu["D"], edu["loss"])).height == 1


def test_the_accuracy_entry_points_return_results_tables(acc_runs: Any) -> None:
    acc = _ACC
    fits = l2l.fit_accuracy_laws(acc_runs, [acc], split="sweep")
    assert isinstance(fits, l2l.Results)
    assert fits.to_polars().height == 1
    assert l2l.to_polars(fits[0]).height == 1  # one AccuracyResult: one row (it was a TypeError)
    # an AccuracyResult predicts as its law does (it had .to_dict() and no .predict(): probe h54)
    loss = np.array([2.6, 3.0])
    said = fits[0].predict(loss, "fineweb-edu-100b")
    assert np.array_equal(said, fits[0].fit.predict(loss, "fineweb-edu-100b"))
    assert np.all((said > 0) & (said < 1))
    failed = dataclasses.replace(fits[0], fit=None, error="too few runs")
    with pytest.raises(l2l.FitError, match="no accuracy law: too few runs"):
        failed.predict(loss)
    pred = l2l.predict_accuracy(
        acc_runs, evals=[acc], datasets=["fineweb-edu"], N=[1e9], D=[2e10], split="sweep"
    )
    assert isinstance(pred, l2l.Results)
    assert pred.to_polars().height == 1


def test_translations_refuse_what_they_cannot_take(runs: Any) -> None:
    """``translate(tgts=[])`` translated onto every dataset, ``join="xx"`` ran anyway, ``rtol=-1`` raised a math
    domain error, ``predict_via(src_loss="2.4")`` a TypeError, ``fit_loss_to_loss(kind="x")`` labelled a fit "x"."""
    x = np.linspace(2.5, 4.0, 12)
    _refused(lambda: l2l.translate(runs, src="alpha", tgts=[]), "tgts", "empty")
    _refused(lambda: l2l.translate(runs, src="alpha", join="xx"), "join", "unknown pairing 'xx'", ChoiceError)
    _refused(lambda: l2l.translate(runs, src="alpha", rtol=-1), "rtol", "tolerance")
    _refused(
        lambda: l2l.predict_via(runs, via="alpha", tgt="beta", src_loss="2.4"), "src_loss", "positive loss"
    )
    _refused(
        lambda: l2l.fit_loss_to_loss(x, 0.5 * (x - 2.0) ** 1.2 + 1.0, E0=2.0, E1=1.0, kind="x"),  # type: ignore[arg-type]
        "kind",
        "unknown kind 'x'",
        ChoiceError,
    )


def test_a_combination_or_seed_outside_the_choices_is_refused(runs: Any) -> None:
    """``predict_sources(combine="max")`` combined by the mean; ``rank_runs(seed=-1)`` raised numpy's ValueError."""
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.via import predict_sources

    _refused(
        lambda: predict_sources(runs, via=["alpha"], tgt="beta", src_loss=2.5, combine="max"),  # type: ignore[arg-type]
        "combine",
        "unknown combination 'max'",
        ChoiceError,
    )
    _refused(lambda: rank_runs(runs, ["alpha_val"], C=1e21, seed=-1), "seed", "seed")


def test_a_ranking_from_fewer_joint_draws_than_the_command_line_takes_is_refused(runs: Any) -> None:
    """``rank_runs(draws=1)`` printed intervals of zero width and P(best) 1.00, with 2 an interval that missed its
    own estimate (probe p47); `rank --draws` refuses fewer than 100, and so does the library."""
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.rank_eval import rank_backtest

    for draws in (1, 2, 99):
        _refused(lambda d=draws: rank_runs(runs, ["alpha_val"], C=1e21, draws=d), "draws", "at least 100")
    _refused(lambda: rank_backtest(runs, ["alpha_val"], draws=2), "draws", "at least 100")


def test_a_bare_name_is_one_name_in_ranking_translation_and_accuracy(runs: Any, acc_runs: Any) -> None:
    """``rank_runs(datasets="web")``, ``predict_sources(via="web")`` and ``predict_accuracy(evals="hellaswag")``
    read the name letter by letter ("unknown dataset 'e'"), as the other entry points no longer do (p63)."""
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.via import predict_sources

    one = predict_sources(runs, via="alpha", tgt="beta", src_loss=2.5, split="sweep")
    assert (
        one.to_dict()
        == predict_sources(runs, via=["alpha"], tgt="beta", src_loss=2.5, split="sweep").to_dict()
    )
    # one candidate is too few to rank: refused as such, not as the unknown dataset 'l'
    _refused(
        lambda: rank_runs(runs, ["alpha_val"], C=1e21, datasets="alpha"),
        "datasets",
        "at least two",
        SelectionError,
    )
    _refused(lambda: rank_runs(runs, ["alpha_val"], C=1e21, datasets=[]), "datasets", "empty list")
    pred = l2l.predict_accuracy(acc_runs, evals=_ACC, datasets="fineweb-edu", N=1e9, D=2e10, split="sweep")
    assert [p.eval for p in pred] == [_ACC]


@pytest.mark.parametrize(
    ("kwargs", "param", "match"),
    [
        ({"form": "zzz"}, "form", "unknown accuracy form 'zzz'"),
        ({"floor": "zzz"}, "floor", "unknown floor mode"),
        ({"pooling": "zzz"}, "pooling", "unknown pooling"),
        ({"input_loss": "zzz"}, "input_loss", "unknown input loss"),
        ({"bootstrap": -1}, "bootstrap", "at least 0"),
        ({"bootstrap": 1}, "bootstrap", "at least 2 draws"),
        ({"seed": "x"}, "seed", "whole number"),
        ({"evals": []}, "evals", "empty list"),
    ],
)
def test_the_accuracy_entry_points_refuse_bad_arguments_before_any_fit(
    kwargs: dict[str, Any], param: str, match: str, acc_runs: Any
) -> None:
    """A bad form, floor, pooling or bootstrap gave a failed law per eval after the work, input_loss and seed were
    taken as given, and evals=[] meant every eval (p63); the command line refuses each."""
    acc = acc_runs
    call = {"evals": [_ACC], **kwargs}
    _refused(lambda: l2l.fit_accuracy_laws(acc, split="sweep", **call), param, match)
    _refused(
        lambda: l2l.predict_accuracy(acc, datasets=["fineweb-edu"], N=[1e9], D=[2e10], split="sweep", **call),
        param,
        match,
    )
    if param == "evals":
        _refused(lambda: l2l.evaluate_accuracy(acc, holdout_split="extrapolation", evals=[]), param, match)


def test_a_translation_takes_numbers_and_load_runs_a_workspace(tmp_path: Path) -> None:
    """``predict("x")`` raised numpy's "could not convert string to float", ``load_runs(None, "ws")``
    "'str' object has no attribute 'load'" (p63)."""
    t = l2l.fit_loss_to_loss([2, 3, 4, 5], [2.5, 3.1, 3.9, 4.6], E0=1, E1=1)
    _refused(lambda: t.predict("x"), "x", "must be numbers")  # type: ignore[arg-type]
    _refused(lambda: l2l.load_runs(None, str(tmp_path)), "workspace", "l2l.Workspace")  # type: ignore[arg-type]


def test_evaluate_rank_and_fit_laws_check_their_arguments_as_predict_does(runs: Any) -> None:
    """p70: evaluate of a path, a DataFrame or a dict of options, rank_runs of a path or a text weight raised
    Python's exceptions; fit_laws(datasets=[]) fitted every law."""
    _refused(lambda: l2l.evaluate("runs.csv"), "runs", "must be a run table")
    _refused(lambda: l2l.evaluate(runs.frame), "runs", "must be a run table")
    _refused(lambda: l2l.evaluate(runs, options={"form": "l2l"}), "options", "l2l.FitOptions")
    _refused(lambda: l2l.evaluate(runs, holdout_top_compute="2"), "holdout_top_compute", "whole number")
    _refused(lambda: l2l.rank_runs("runs.csv", ["own"], C=1e21), "runs", "must be a run table")
    weights: Any = {"alpha_val": "x"}
    _refused(lambda: l2l.rank_runs(runs, weights, C=1e21), "targets", "must be finite and ≥ 0, got 'x'")
    _refused(lambda: l2l.fit_laws(runs, datasets=[]), "datasets", "names no")
    _refused(lambda: l2l.fit_laws(runs, evals=[]), "evals", "names no")


def test_a_grid_of_sizes_is_refused_not_flattened(runs: Any) -> None:
    _refused(
        lambda: as_numbers(np.array([[3.3e9]]), "N"),
        "N",
        r"flat list of numbers, got an array of shape \(1, 1\)",
    )
    with pytest.raises(UsageError, match="shape"):
        l2l.predict(runs, N=np.array([[6e8, 7e8]]), D=[1.8e10])


@pytest.mark.parametrize(
    ("record", "match"),
    [
        ({}, "missing field 'form'"),
        ({"form": "l2l", "theta": [1, 2]}, "not enough values"),
        (5, "law record"),
        ({"form": "l2l", "theta": [1.0, 2.0, 0.5, 0.3, 0.4], "n_points": float("inf")}, "law record"),
    ],
)
def test_a_malformed_law_record_is_an_l2l_error(record: Any, match: str) -> None:
    from l2l.base.errors import RecordError

    with pytest.raises(RecordError, match=match) as info:
        l2l.LawFit.from_record(record)
    assert isinstance(info.value, l2l.L2LError)
    assert "\n" not in str(info.value)
