"""A fixed-D sweep's law in N at one D in a law file (``law_file_dict(fixed=...)``, ``law_file_from_dict``): its own
record (form ``line``), read back to the same law, checked field by field as every other record, predicting its
value at its D and refusing any other; and a law file written before such records (at a31ca62) still reads."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from l2l.base.errors import FitError, InputError
from l2l.core.fit import FitOptions
from l2l.io.tables import read_runs
from l2l.testing.shapes import fixed_d_csv
from l2l.workflows.lawbook import FitOutcome, fit_laws
from l2l.workflows.lawfile import law_file_dict, law_file_from_dict, predict_from_laws

OLD_FILE = Path(__file__).parents[1] / "data" / "lawfiles" / "written_at_a31ca62.json"


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> tuple[Any, FitOutcome]:
    runs = read_runs([fixed_d_csv(tmp_path_factory.mktemp("fixed") / "fd.csv", seed=11)])
    return runs, fit_laws(runs)


@pytest.fixture(scope="module")
def doc(outcome: tuple[Any, FitOutcome]) -> dict[str, Any]:
    runs, fitted = outcome
    assert not fitted.fits
    assert len(fitted.fixed) == 2
    out: dict[str, Any] = json.loads(
        json.dumps(law_file_dict(runs, fitted.fits, options=FitOptions(), fixed=fitted.fixed))
    )
    return out


def _edited(doc: dict[str, Any], law: int = 1, **fields: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    new["laws"][law].update(fields)
    return new


def _edited_line(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    new["laws"][1]["line_law"].update(fields)
    return new


def test_a_fixed_d_law_is_its_own_record_as_fit_law_shows_it(
    outcome: tuple[Any, FitOutcome], doc: dict[str, Any]
) -> None:
    _, fitted = outcome
    (row,) = [r for r in fitted.rows() if r["dataset"] == "web"]
    rec = doc["laws"][1]
    assert (rec["dataset"], rec["eval"], rec["form"]) == ("web", "web_val", "line")
    assert rec["equation"] == "E_D + K·N^−γ"
    assert {k: rec[k] for k in ("E", "K", "gamma", "D", "line_law")} == {
        k: row[k] for k in ("E", "K", "gamma", "D", "line_law")
    }
    assert rec["line_law"]["sizes"] == 6
    assert rec["line_law"]["backtest"]["n_errors"] == 3
    assert rec["largest_N"] == 640e6
    assert rec["ranges"]["D"] == [1e10, 1e10]
    assert rec["ranges"]["N"] == [20e6, 640e6]
    assert rec["own"] is True


def test_a_fixed_d_law_read_back_predicts_its_value_at_its_d_to_the_last_bit(
    outcome: tuple[Any, FitOutcome], doc: dict[str, Any]
) -> None:
    _, fitted = outcome
    line = fitted.fixed[("web", "web_val")]
    lf = law_file_from_dict(doc, "laws.json")
    assert lf.laws == ()
    assert lf.datasets == ["code", "web"]
    read = lf.fixed[("web", "web_val")]
    assert read.law == line.law
    assert (read.D, read.largest, read.sizes, read.scale) == (1e10, 640e6, 6, line.scale)
    preds = predict_from_laws(lf, N=[1.28e9, 2.56e9], D=[1.05e10], datasets=["web"])
    assert [p.loss for p in preds] == [float(line.law.predict(n)) for n in (1.28e9, 2.56e9)]
    assert preds[0].loss == pytest.approx(2.61198998, rel=1e-8)  # (the last digits differ between machines)
    row = preds[0].to_dict()
    assert (row["form"], row["calibrated"], row["loss_lo"], row["interval_method"]) == (
        "line",
        False,
        None,
        None,
    )
    assert row["N_ratio"] == 2.0
    assert row["extrapolated"] is True


def test_a_fixed_d_law_read_back_refuses_another_d_naming_its_own(doc: dict[str, Any]) -> None:
    lf = law_file_from_dict(doc, "laws.json")
    with pytest.raises(FitError) as err:
        predict_from_laws(lf, N=[1e9], D=[2e10], datasets=["web"])
    assert err.value.message == (
        "web/web_val: every run lies at D = 10B, so its law is in N at that D alone (E_D + K·N^−γ) and says nothing "
        "at D = 20B"
    )
    assert err.value.hint == "predict at --D 10B, or add runs at other token counts"
    both = predict_from_laws(lf, N=[1e9], D=[1e10, 2e10], datasets=["web"])
    assert [p.D for p in both] == [1e10]
    (said,) = both.skipped
    assert said.startswith("not predicted: web/web_val: every run lies at D = 10B")
    log = law_file_from_dict(_edited(doc, final_of_a_log=True), "laws.json")
    with pytest.raises(FitError) as from_log:
        predict_from_laws(log, N=[1e9], D=[2e10], datasets=["web"])
    assert from_log.value.hint is not None
    assert from_log.value.hint.startswith(
        "predict at --D 10B, or the runs are a per-step log read at its final"
    )


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ({"line_law": None}, "field 'line_law': expected an object, got null"),
        ({"largest_N": -1.0}, "field 'largest_N': expected a finite number > 0, got -1.0"),
        ({"own": "yes"}, "field 'own': expected true or false, got the string 'yes'"),
        ({"eval": 5}, "field 'eval': expected a string, got 5"),
        (
            {"equation": "E + A/N^α"},
            "field 'form' says line (E_D + K·N^−γ) but field 'equation' says E + A/N^α",
        ),
        ({"E": 1.7}, "E=1.7 disagrees with the law's line_law (E=1.9187): line_law is the law"),
        ({"D": 2e10}, "D=2e+10 disagrees with the law's line_law (D=1e+10)"),
        ({"ranges": {"N": [1e9, 5.68e6]}}, "ranges must be [min, max] with min ≤ max; N is not"),
        ({"line": {"gamma": "x"}}, "field 'line_law.gamma': expected a finite number, got the string 'x'"),
        ({"line": {"gamma": -0.3}}, "field 'line_law' holds E 1.9187, K 433.895, γ -0.3 and D 1e+10–1e+10"),
        ({"line": {"slope": 1.0}}, "field 'line_law.slope': expected 0 (a law in N at one D), got 1.0"),
        ({"line": {"sizes": 2}}, "field 'line_law.sizes': expected a whole number ≥ 5, got 2"),
        ({"line": {"scale": None}}, "field 'line_law.scale': expected a finite number ≥ 0, got null"),
        (
            {"line": {"backtest": "x"}},
            "field 'line_law.backtest': expected an object or null, got the string 'x'",
        ),
        (
            {"line": {"backtest": {"line_error": 0.02, "n_errors": "3", "n_cutoffs": 2, "scale": 0.03}}},
            "field 'line_law.backtest.n_errors': expected a whole number, got the string '3'",
        ),
        (
            {"line": {"backtest": {"line_error": 0.02, "n_errors": 3, "scale": 0.03}}},
            "missing field 'line_law.backtest.n_cutoffs'",
        ),
    ],
)
def test_a_bad_field_of_a_fixed_d_record_is_refused_naming_the_law_and_the_field(
    doc: dict[str, Any], edit: dict[str, Any], message: str
) -> None:
    fields = dict(edit)
    bad = _edited_line(doc, **fields.pop("line")) if "line" in fields else _edited(doc, **fields)
    with pytest.raises(InputError) as err:
        law_file_from_dict(bad, "laws.json")
    text = str(err.value)
    assert text.startswith("laws.json: law 2 (web/")
    assert message in text
    assert "\n" not in text


def test_a_missing_field_of_a_fixed_d_record_is_named(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc)
    del bad["laws"][1]["largest_N"]
    with pytest.raises(InputError, match=r"^laws.json: law 2 \(web/web_val\): missing field 'largest_N'"):
        law_file_from_dict(bad, "laws.json")


def test_a_second_law_for_one_key_is_refused_whatever_its_form(doc: dict[str, Any]) -> None:
    twice = copy.deepcopy(doc)
    twice["laws"].append(copy.deepcopy(twice["laws"][1]))
    with pytest.raises(InputError, match=r"law 3: a second law for web/web_val"):
        law_file_from_dict(twice, "laws.json")


def test_a_file_of_one_form_reads_its_fixed_d_laws_in_their_own(doc: dict[str, Any]) -> None:
    """`fit-law --form chinchilla --save` holds Eq. 2 laws and a fixed-D sweep's (form line): the header's one form
    is not the fixed-D law's, and the file is no edited one."""
    one = copy.deepcopy(doc) | {"form": "chinchilla", "equation": "E + A/N^α + B/D^β"}
    assert set(law_file_from_dict(one, "laws.json").fixed) == {("code", "code_val"), ("web", "web_val")}


def test_a_law_file_written_at_a31ca62_still_reads_and_predicts_as_it_did() -> None:
    """A file from before fixed-D records (l2l at a31ca62: fit-law --split sweep --save on the synthetic sample's
    alpha beside a fixed-D sweep, which it left out): read unchanged, the same value as that l2l's predict --law."""
    from l2l.io.workspace import read_law_file

    lf = law_file_from_dict(read_law_file(OLD_FILE), str(OLD_FILE))
    assert [(f.dataset, f.eval, f.form) for f in lf.laws] == [("alpha", "alpha_val", "l2l")]
    assert lf.fixed == {}
    (pred,) = predict_from_laws(lf, N=[1e9], D=[2e10])
    assert pred.loss == pytest.approx(2.3622575751726327, rel=1e-12)
    assert pred.to_dict()["form"] == "l2l"
