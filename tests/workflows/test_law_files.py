"""Law files read back by ``law_file_from_dict``: what an edited or hand-written file may and may not say."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from l2l.base.errors import InputError
from l2l.core.fit import FitOptions
from l2l.io.tables import read_runs
from l2l.testing import SyntheticSpec, synthetic_runs, write_csv
from l2l.workflows.lawbook import fit_laws
from l2l.workflows.lawfile import law_file_dict, law_file_from_dict, predict_from_laws


@pytest.fixture(scope="module")
def doc(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    path = tmp_path_factory.mktemp("laws") / "runs.csv"
    write_csv(synthetic_runs(SyntheticSpec(seed=5)), str(path))
    runs = read_runs([path])
    fits = fit_laws(runs, datasets=["alpha"], split="sweep").fits
    out: dict[str, Any] = json.loads(
        json.dumps(law_file_dict(runs, fits, options=FitOptions(), split="sweep"))
    )
    return out


def _edited(doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    new = copy.deepcopy(doc)
    new["laws"][0].update(fields)
    return new


def test_a_law_without_ranges_predicts_but_says_its_reach_is_unknown(doc: dict[str, Any]) -> None:
    lf = law_file_from_dict(_edited(doc, ranges=None), "laws.json")
    (pred,) = predict_from_laws(lf, N=[3.3e9], D=[1e11])
    assert pred.ratios is None
    assert pred.extrapolated is None  # not False: nothing says where the fitted runs ended
    assert pred.to_dict()["extrapolated"] is None
    (full,) = predict_from_laws(law_file_from_dict(doc, "laws.json"), N=[3.3e9], D=[1e11])
    assert full.extrapolated is True
    assert pred.loss == full.loss


def test_the_law_file_prediction_report_warns_when_the_reach_is_unknown(doc: dict[str, Any]) -> None:
    from l2l.output.reports.laws import law_file_predictions_report

    preds = predict_from_laws(law_file_from_dict(_edited(doc, ranges=None), "laws.json"), N=[3.3e9], D=[1e11])
    notes = law_file_predictions_report(preds, source="laws.json").notes
    assert any(n.startswith("warning: laws.json holds no ranges for alpha/") for n in notes)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"ranges": "wide"}, "ranges must be an object of [min, max] pairs, got str"),
        ({"ranges": {"N": [1e6, "x"]}}, "ranges must hold [min, max] pairs of numbers"),
        ({"ranges": {"N": [1e6]}}, "ranges must hold [min, max] pairs of numbers"),
        ({"ranges": {"N": [-1.0, 1e9]}}, "ranges must be finite positive numbers"),
        ({"ranges": {"N": [1e9, 5.68e6]}}, "ranges must be [min, max] with min ≤ max; N is not"),
        ({"E": "1.7"}, "E must be a number, got '1.7'"),
        ({"E": 1.7}, "E=1.7 disagrees with the law's theta"),
        (
            {"bootstrap_theta": [[1.0]]},
            "field 'bootstrap_theta': expected a list of draws of 5 numbers each for Eq. 3 (l2l)",
        ),
        (
            {"bootstrap_theta": [[1.0, 2.0, None, 0.3, 0.4]]},
            "field 'bootstrap_theta': holds a value that is not a finite number",
        ),
        ({"eval": 5}, "field 'eval': expected a string, got 5"),
        (
            {"theta": [1.0, 2.0, 0.5, 0.3, 0.4, 1.0]},
            "field 'theta': expected 5 numbers for Eq. 3 (l2l), got 6",
        ),
        ({"theta": {"a": 1}}, "field 'theta': expected a list of 5 numbers for Eq. 3 (l2l), got an object"),
        (
            {"theta": [1.0, 2.0, 0.5, "abc", 0.4]},
            "field 'theta': expected 5 finite numbers for Eq. 3 (l2l), got the string 'abc'",
        ),
        (
            {"bootstrap_theta": [[1, 2], "x"]},
            "field 'bootstrap_theta': expected a list of draws of 5 numbers each",
        ),
        ({"own": "yes"}, "field 'own': expected true or false, got the string 'yes'"),
        (
            {"form": "bogus"},
            "field 'form': expected one of l2l, chinchilla, kaplan, line, got the string 'bogus'",
        ),
        ({"n_points": "20"}, "field 'n_points': expected a whole number, got the string '20'"),
        # a whole number no float holds: "internal error (OverflowError)" (probe p48)
        (
            {"n_points": 10**400},
            "field 'n_points': expected a whole number, got 100000000000000000000000… (401",
        ),
        ({"flag": 3}, "field 'flag': expected a string, got 3"),
    ],
)
def test_a_bad_field_is_refused_naming_the_law_and_the_field(
    doc: dict[str, Any], fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(InputError) as err:
        law_file_from_dict(_edited(doc, **fields), "laws.json")
    text = str(err.value)
    assert text.startswith("laws.json: law 1 (alpha/")
    assert message in text


def test_a_disagreeing_readable_parameter_says_that_theta_is_the_law(doc: dict[str, Any]) -> None:
    with pytest.raises(InputError, match="theta is the law"):
        law_file_from_dict(_edited(doc, alpha=0.123), "laws.json")


def test_a_law_whose_form_was_edited_against_its_equation_is_refused_naming_both_fields(
    doc: dict[str, Any],
) -> None:
    with pytest.raises(InputError) as err:
        law_file_from_dict(_edited(doc, form="chinchilla"), "laws.json")
    text = str(err.value)
    assert text.startswith("laws.json: law 1 (alpha/")
    assert (
        "field 'form' says chinchilla (E + A/N^α + B/D^β) but field 'equation' says E + ((A/N)^(α/β) + B/D)^β"
        in text
    )


def test_a_file_whose_form_disagrees_with_its_equation_or_its_laws_is_refused(doc: dict[str, Any]) -> None:
    bad = copy.deepcopy(doc) | {"form": "chinchilla"}
    with pytest.raises(InputError, match="field 'form' says chinchilla but field 'equation' says"):
        law_file_from_dict(bad, "laws.json")
    bad["equation"] = "E + A/N^α + B/D^β"
    with pytest.raises(InputError, match="field 'form' says every law is chinchilla but a law says l2l"):
        law_file_from_dict(bad, "laws.json")


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "format_version",
            "1",
            "laws.json: field 'format_version': expected the number 1, got the string '1'",
        ),
        ("format_version", None, "laws.json: field 'format_version': expected the number 1, got null"),
        ("created", 5, "laws.json: field 'created': expected a string, got 5"),
        ("laws", {"x": 1}, "laws.json: field 'laws': expected a list of laws, got an object"),
    ],
)
def test_a_bad_file_field_is_refused_naming_the_field(
    doc: dict[str, Any], field: str, value: Any, message: str
) -> None:
    with pytest.raises(InputError) as err:
        law_file_from_dict(copy.deepcopy(doc) | {field: value}, "laws.json")
    assert str(err.value) == message


def test_a_target_below_the_fitted_runs_is_extrapolated_and_a_far_loss_is_warned(doc: dict[str, Any]) -> None:
    from l2l.output.reports.laws import law_file_predictions_report

    lf = law_file_from_dict(doc, "laws.json")
    n_lo = lf.ranges[("alpha", lf.laws[0].eval)]["N"][0]
    (pred,) = predict_from_laws(lf, N=[n_lo / 20], D=[1e7])
    row = pred.to_dict()
    assert row["extrapolated"] is True
    assert any("N 20×" in n and "below the smallest fitted" in n for n in row["notes"])
    assert any("lies far outside the losses the law was fitted on" in n for n in row["notes"])
    assert row["status"] == "poor"
    assert row["notes"] == row["warnings"]
    notes = law_file_predictions_report([pred], source="laws.json").notes
    assert any(n.startswith("warning: alpha/") and "below the smallest fitted" in n for n in notes)
    assert not any("beyond the runs" in n for n in notes)


def test_law_file_rows_say_they_are_not_calibrated_and_why_there_is_no_interval(doc: dict[str, Any]) -> None:
    (pred,) = predict_from_laws(law_file_from_dict(doc, "laws.json"), N=[3.3e8], D=[1e10])
    row = pred.to_dict()
    assert row["calibrated"] is False
    assert row["lower_bound_only"] is False
    assert row["loss_lo"] is None
    assert row["reason"].startswith("not calibrated: a law file holds no runs to backtest the law against")
    assert "no interval: the law file holds no bootstrap draws" in row["reason"]
    assert row["status"] == "ok"
    # the keys predict's rows have for the law's own value (a KeyError on one of the two, probe h54)
    assert row["loss_law"] == row["loss"]
    assert row["corrected"] is False


def test_a_law_file_saved_with_a_byte_order_mark_is_read(doc: dict[str, Any], tmp_path: Any) -> None:
    """Some editors save UTF-8 with a BOM: such a law file was refused as not UTF-8 (a probe)."""
    from l2l.io.workspace import read_law_file

    path = tmp_path / "laws.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(doc).encode())
    assert read_law_file(path) == doc
    assert (
        law_file_from_dict(read_law_file(path), str(path)).laws[0].law
        == law_file_from_dict(doc, "x").laws[0].law
    )


def test_a_poor_law_saved_in_a_law_file_predicts_as_poor_from_it(doc: dict[str, Any]) -> None:
    """`fit-law --save` dropped a law's poor flag: `predict --law` printed `status: ok` with no warning where the
    runs said poor (probe p48)."""
    flagged = _edited(doc, flag="poor law: its own largest runs lie 5.1 % below it")
    lf = law_file_from_dict(json.loads(json.dumps(flagged)), "laws.json")
    (row,) = [p.to_dict() for p in predict_from_laws(lf, N=[1e9], D=[2e10])]
    assert row["status"] == "poor"
    assert "poor law: its own largest runs lie 5.1 % below it" in row["warnings"]
    (plain,) = [
        p.to_dict() for p in predict_from_laws(law_file_from_dict(doc, "laws.json"), N=[1e9], D=[2e10])
    ]
    assert plain["status"] == "ok"


def test_a_law_the_file_refuses_beyond_its_runs_predicts_inside_them_and_nothing_beyond(
    doc: dict[str, Any],
) -> None:
    """`predict` on the runs refuses a poor law beyond its sweep's largest budget; from the law file the same law
    had printed its value there (the file carried no refusal)."""
    from l2l.base.errors import RefusedBeyondSweepError
    from l2l.output.reports.laws import law_file_predictions_report

    why = "its runs do not fall with training tokens at a fixed model size (stand-in)"
    refused = json.loads(json.dumps(_edited(doc, flag="poor law: stand-in", refusal=why)))
    lf = law_file_from_dict(refused, "laws.json")
    top = lf.ranges[(lf.laws[0].dataset, lf.laws[0].eval)]["C"][1]
    n = 1e9
    inside = predict_from_laws(lf, N=[n], D=[top / 6 / n / 2])
    assert len(inside) == 1
    assert not inside.skipped
    with pytest.raises(
        RefusedBeyondSweepError, match=r"refused 20× beyond the largest fitted budget: the law is poor"
    ):
        predict_from_laws(lf, N=[n], D=[top / 6 / n * 20])
    both = predict_from_laws(lf, N=[n, n], D=[top / 6 / n / 2, top / 6 / n * 20])
    assert len(both) == 1
    (said,) = both.skipped
    assert said.startswith("not predicted: ")
    assert why in said
    assert said in law_file_predictions_report(both, source="laws.json", skipped=both.skipped).notes
    with pytest.raises(InputError, match=r"law 1 \(.*\), field 'refusal': expected a string, got 3"):
        law_file_from_dict(_edited(doc, refusal=3), "laws.json")


def test_a_law_file_prediction_says_how_far_it_reaches_in_one_line(doc: dict[str, Any]) -> None:
    """Compute, N and D beyond the fitted runs: three warning lines per prediction (18 for six rows), where predict
    from the runs says it in one."""
    from l2l.output.reports.laws import law_file_predictions_report

    preds = predict_from_laws(law_file_from_dict(doc, "laws.json"), N=[3.3e10], D=[1e12])
    warned = [
        n for n in law_file_predictions_report(preds, source="laws.json").notes if n.startswith("warning:")
    ]
    assert len(warned) == 1
    assert "compute is" in warned[0]
    assert "; N is" in warned[0]
    assert "; D is" in warned[0]
