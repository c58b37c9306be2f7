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
        ({"E": "1.7"}, "E must be a number, got '1.7'"),
        ({"E": 1.7}, "E=1.7 disagrees with the law's theta"),
        (
            {"bootstrap_theta": [[1.0]]},
            "bootstrap_theta must be a list of draws of 5 parameters each, got shape",
        ),
        (
            {"bootstrap_theta": [[1.0, 2.0, None, 0.3, 0.4]]},
            "bootstrap_theta holds a value that is not a finite",
        ),
        ({"eval": 5}, "eval must be a string, got 5"),
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
