"""The library gives the command line's answer, and its results are tables: ``l2l.predict`` is what ``l2l
predict`` prints (the bias-corrected loss and its interval), and every result comes as a polars DataFrame."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from numpy.testing import assert_allclose

import l2l


@pytest.fixture(scope="module")
def runs(synthetic_csv: Path) -> Any:
    return l2l.read_runs([synthetic_csv])


def test_library_predict_is_what_the_cli_prints(runs: Any, ingested: Any) -> None:
    pred = l2l.predict(runs, datasets=["alpha"], N=[1e9], D=[2e10], split="sweep")
    # the CLI in the sample's warm workspace (its laws kept; the same answer as cold: tests/workflows/test_warm.py)
    result = ingested("predict", "-d", "alpha", "--N", "1e9", "--D", "2e10", "--split", "sweep", "-f", "json")
    (row,) = json.loads(result.stdout)["rows"]
    (p,) = pred
    assert_allclose(
        [p.loss, p.interval.lo, p.interval.hi], [row["loss"], row["loss_lo"], row["loss_hi"]], rtol=1e-9
    )
    frame = pred.to_polars()
    assert frame.height == 1
    assert_allclose(frame["loss_hi"].to_list(), [row["loss_hi"]], rtol=1e-9)
    assert set(row) <= set(frame.columns)  # the JSON row's fields, under the same names


def test_library_predict_via_takes_the_target_models_n_and_d_as_the_cli_does(
    runs: Any, ingested: Any
) -> None:
    """``predict --via alpha --src-loss X --N --D`` places the target model at (N, D); ``l2l.predict_via`` had no
    way to say so and took the model as compute-optimal where alpha's law reaches X (probe h52)."""
    via = l2l.predict_via(runs, via="alpha", tgt="beta", src_loss=2.6, model=(1e9, 2e10), split="sweep")
    result = ingested(
        "predict", "--via", "alpha", "--src-loss", "2.6", "--target", "beta", "--N", "1e9", "--D", "2e10",
        "--split", "sweep", "-f", "json",
    )  # fmt: skip
    cli = json.loads(result.stdout)
    assert via.to_dict()["N"] == 1e9
    assert via.to_dict()["C_inferred"] is False
    got = via.result
    want = cli["result"]
    assert_allclose([got.estimate, got.lo, got.hi], [want["estimate"], want["lo"], want["hi"]], rtol=1e-9)


def test_every_result_is_a_table(runs: Any) -> None:
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache

    # one fit cache for the calls (as a session keeps one): each result's table is the same, its laws fitted once
    kw: dict[str, Any] = {"cache": FitCache(), "calibrations": CalibrationCache()}
    fits = l2l.fit_laws(runs, split="sweep", **kw)
    table2 = fits.to_polars()
    assert table2["dataset"].to_list() == ["alpha", "beta", "gamma"]
    assert {"A", "B", "E", "alpha", "beta", "r2"} <= set(table2.columns)
    as_json = json.loads(json.dumps(fits.to_dict(), allow_nan=False))  # FitOutcome had no to_dict (probe p47)
    assert [r["dataset"] for r in as_json["rows"]] == ["alpha", "beta", "gamma"]
    allocs = l2l.optimal(runs, C=[1e21], split="sweep", **kw)
    assert allocs.to_polars().select("dataset", "N_opt").height == 3
    table6 = l2l.translate(runs, src="alpha", split="sweep", cache=kw["cache"])
    assert table6.to_polars()["tgt"].to_list() == ["beta", "gamma"]
    table1 = l2l.evaluate(runs, **kw)
    assert "mean_error_loss_to_loss" in table1.to_polars().columns
    assert table1.to_polars(detail=True).height == len(table1.predictions)
    ranking = l2l.rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100, **kw)
    ranked = l2l.to_polars(ranking)
    assert set(ranked["dataset"].to_list()) == {"alpha", "beta", "gamma"}
    assert isinstance(l2l.to_polars(list(allocs)), pl.DataFrame)
    with pytest.raises(l2l.UsageError, match="to_polars takes an l2l result"):
        l2l.to_polars(object())


def test_library_fit_laws_rows_are_the_cli_fit_law_json_rows(runs: Any, ingested: Any) -> None:
    """``FitOutcome.to_dict()`` rows are ``fit-law -f json``'s rows: the library's ``form_choice`` was the reason's
    text where the command line's is the record (form, reason, every form's scores), and it had no ``status`` nor
    ``backtest_FORM`` (h54). Only ``flags``, the table's words for a row's state, is the command line's alone."""
    fits = l2l.fit_laws(runs, split="sweep")
    lib = json.loads(json.dumps(fits.to_dict(), allow_nan=False))["rows"]
    cli = json.loads(ingested("fit-law", "--split", "sweep", "-f", "json").stdout)["rows"]
    assert [(r["dataset"], r["eval"]) for r in lib] == [(r["dataset"], r["eval"]) for r in cli]
    for got, want in zip(lib, cli, strict=True):
        assert set(want) - set(got) == {"flags"}
        assert got["status"] == want["status"] == "ok"
        assert got["form_choice"] == want["form_choice"]
        assert isinstance(got["form_choice"]["scores"], list)
        assert_allclose(
            [got[k] for k in ("E", "alpha", "beta", "backtest_l2l")],
            [want[k] for k in ("E", "alpha", "beta", "backtest_l2l")],
            rtol=1e-9,
        )


def test_a_translation_result_predicts_as_its_translation_does(runs: Any) -> None:
    """``l2l.translate`` returns ``TranslationResult``s, which had ``to_dict()`` but no ``predict()`` (every other
    result that is a law has one): it is the fitted translation's, or a FitError saying why none was fitted (h54)."""
    import dataclasses

    res = l2l.translate(runs, src="alpha", split="sweep")[0]
    assert res.translation is not None
    lo, hi = res.translation.x_range
    x = (lo + hi) / 2
    assert_allclose(float(res.predict(x)), float(res.translation.predict(x)), rtol=1e-12)
    assert_allclose(res.predict([lo, hi]), res.translation.predict([lo, hi]), rtol=1e-12)
    with pytest.raises(l2l.UsageError, match="a source loss must be a finite number"):
        res.predict(float("nan"))
    failed = dataclasses.replace(res, translation=None, error="too few shared runs")
    with pytest.raises(l2l.FitError, match=r"cannot translate alpha.*too few shared runs"):
        failed.predict(x)
