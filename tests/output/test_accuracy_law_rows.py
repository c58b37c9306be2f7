"""The table of accuracy law parameters lists only the curves that predict: a dataset whose own runs do not predict
its accuracy gets no prediction, and its fitted curve was listed beside "code: not predicted" (probe p68)."""

from __future__ import annotations

from pathlib import Path

import pytest

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


def test_the_accuracy_figure_draws_no_curve_for_a_dataset_not_predicted() -> None:
    """The figure drew code's curve, fitted to noise, as a law beside fit-accuracy's "code: not predicted" (the
    paper's StarCoder on MMLU-Social-Sciences: a near-vertical spike to 0.40)."""
    from l2l.output.plots.accuracy import accuracy_figure_data

    runs = read_runs([PROBE / "sparse_evals_runs.csv", PROBE / "sparse_evals_accuracy.csv"])
    (res,) = fit_accuracy_laws(runs, split="sweep")
    data = accuracy_figure_data(runs, [res], fit_split="sweep")
    assert set(data.curves.get_column("curve").unique()) == {"books", "math", "web"}


def test_the_accuracy_figure_draws_a_poor_law_and_does_not_call_it_unpredictable() -> None:
    """fit-accuracy calls a poor law fitted and predicting (marked poor); the figure titled it "unpredictable" and
    drew no curve (the paper's mmlu_suite_acc with --input-loss own)."""
    from l2l.output.plots.accuracy import accuracy_figure_data

    runs = read_runs([PROBE / "poor_accuracy_law.csv"])
    results = [
        r for r in fit_accuracy_laws(runs, split="sweep") if r.fit is not None and r.fit.status == "poor"
    ]
    assert results, "the probe's table has a poor accuracy law"
    data = accuracy_figure_data(runs, results, fit_split="sweep")
    assert all("unpredictable" not in p and "poor" in p for p in data.panels)
    assert data.curves.height > 0


def test_an_eval_predicting_some_of_its_datasets_says_how_many_and_is_not_counted_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Winogrande under `--form power --input-loss own` read `ok` while 5 of its 6 datasets were "not predicted",
    and counted in "16 of 21 fitted" (probe h3)."""
    from l2l.output.render import render

    runs = read_runs([PROBE / "sparse_evals_runs.csv", PROBE / "sparse_evals_accuracy.csv"])
    (res,) = fit_accuracy_laws(runs, split="sweep")
    d = res.to_dict()
    assert (d["n_datasets"], d["n_datasets_predicted"]) == (4, 3)
    main, *_ = accuracy_fits_report([res])
    assert main.rows[0]["status"] in (
        "ok",
        "poor",
    )  # JSON and CSV: the law's status, with the counts beside it
    assert main.summary is not None
    assert main.summary.startswith(
        "0 of 1 accuracy eval fitted for every dataset; 1 for only some of their datasets ("
    )
    assert ": 3 of 4 datasets" in main.summary
    out: list[str] = []
    monkeypatch.setenv("COLUMNS", "200")
    render([main], "table", write=out.append)
    assert f"{main.rows[0]['status']} (3 of 4 datasets)" in "".join(out)


def test_a_law_its_backtest_could_not_test_reads_untested_not_plain_ok(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A law whose backtest was uninformative (the runs it was scored on show no rise) read `ok` beside tested
    ones, "in every row: status ok", and missed by 5-12 points at 10-30x (probe h27): the table says `untested`,
    JSON keeps the status and the reason (`backtest_uninformative`)."""
    from l2l.output.render import render

    runs = read_runs([PROBE / "sparse_evals_runs.csv", PROBE / "sparse_evals_accuracy.csv"])
    (res,) = fit_accuracy_laws(runs, split="sweep")
    real = res.to_dict()
    why = "backtest uninformative: the best of those runs sit within noise of chance"

    class Untested:
        def to_dict(self) -> dict[str, object]:
            return {**real, "backtest_uninformative": why}

    main, *_ = accuracy_fits_report([Untested()])  # type: ignore[list-item]
    assert main.rows[0]["status"] == real["status"]
    assert main.rows[0]["backtest_uninformative"] == why
    out: list[str] = []
    monkeypatch.setenv("COLUMNS", "200")
    render([main], "table", write=out.append)
    text = " ".join("".join(out).split())
    assert f"{real['status']} (3 of 4 datasets; untested)" in text
    assert "untested: the backtest could not test the law" in text
    (tested,) = accuracy_fits_report([res])[:1]
    out = []
    render([tested], "table", write=out.append)
    assert "untested" not in "".join(out)
