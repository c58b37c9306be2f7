"""The table of accuracy law parameters lists only the curves that predict: a dataset whose own runs do not predict
its accuracy gets no prediction, and its fitted curve was listed beside "code: not predicted" (probe p68)."""

from __future__ import annotations

from pathlib import Path

from l2l.io.tables import read_runs
from l2l.output.reports.accuracy import accuracy_fits_report
from l2l.workflows.accuracy import fit_accuracy_laws

PROBE = Path(__file__).resolve().parents[1] / "data" / "probe"


def test_a_dataset_not_predicted_has_no_row_of_law_parameters() -> None:
    runs = read_runs([PROBE / "sparse_evals_runs.csv", PROBE / "sparse_evals_accuracy.csv"])
    (res,) = fit_accuracy_laws(runs, split="sweep")
    assert "code" in res.to_dict()["unpredictable_datasets"]
    main, laws, *_ = accuracy_fits_report([res])
    listed = {r["dataset"] for r in laws.rows}
    assert "code" not in listed
    assert listed == {"books", "math", "web"}
    assert main.rows[0]["law"] == "one per dataset (3)"
