"""The notes under a table of predictions: how far each reaches is in its columns, everything else is said."""

from __future__ import annotations

from typing import Any


def test_a_lower_bound_beyond_the_backtests_reach_in_n_is_said_at_any_width() -> None:
    """p70: the note that nothing calibrates the law 7.21× beyond its largest model was dropped with the bare reach
    ("N is 7.21× the largest fitted"), and a loss 3.8 % above a smaller budget's read as calibrated at 80 columns."""
    from l2l.output.reports.common import interval_notes

    beyond = (
        "the model is 7.21× the largest fitted N, further in model size than any backtest (6.53×): nothing "
        "calibrates the law's extrapolation in N there (the interval is a lower bound)"
    )
    row = {
        "notes": ["compute is 128× the largest fitted", "N is 7.21× the largest fitted", beyond],
        "lower_bound_only": True,
        "C_ratio": 128.0,
    }
    (said,) = interval_notes([row], lambda _r: "web", lambda _r: "at C=6.2e21")
    assert said.startswith("warning: web at C=6.2e21")
    assert beyond in said
    assert "N is 7.21× the largest fitted;" not in said


def test_rows_at_one_place_saying_the_same_are_said_once_with_their_names_joined() -> None:
    """The three datasets of the synthetic sample at one target printed one three-line warning three times."""
    from l2l.output.reports.common import interval_notes

    far = "the target lies 118× beyond the fitted runs, further than any backtest (25×)"
    rows = [
        {"name": name, "where": where, "notes": [far], "beyond_evidence": True, "C_ratio": 118.0}
        for name, where in (
            ("alpha", "at N=7e9"),
            ("beta", "at N=7e9"),
            ("gamma", "at N=7e9"),
            ("alpha", "at N=1e9"),
        )
    ]
    rows.append({"name": "beta", "where": "at N=1e9", "notes": ["another note"], "C_ratio": 2.0})
    said = interval_notes(rows, lambda r: str(r["name"]), lambda r: str(r["where"]))
    assert [s.split(":")[0] for s in said] == [
        "warning", "warning", "beta at N=1e9"
    ]  # fmt: skip
    assert said[0].startswith("warning: alpha, beta, gamma at N=7e9: ")
    assert said[1].startswith("warning: alpha at N=1e9: ")
    assert said[2].endswith("another note")


def test_optimals_summary_says_a_lower_bound_as_predicts_does() -> None:
    """h18: `optimal`'s summary read "loss 2.21 [2.13, 2.31] (90% interval)" where its table said lower bound."""
    from l2l.output.reports.laws import _optimal_summary

    row = {
        "dataset": "web", "eval": "web_val", "C": 1e21, "N_opt": 3e9, "N_opt_lo": 2e9, "N_opt_hi": 4e9,
        "D_opt": 6e10, "tokens_per_param": 20.0, "loss": 2.21, "loss_lo": 2.13, "loss_hi": 2.31, "level": 0.9,
    }  # fmt: skip
    assert _optimal_summary([{**row, "lower_bound_only": True}], None).endswith(
        "loss 2.21 [2.13, 2.31] (90% interval, a lower bound on the uncertainty)"
    )
    assert _optimal_summary([{**row, "lower_bound_only": False}], None).endswith(
        "loss 2.21 [2.13, 2.31] (90% interval)"
    )


def test_fit_laws_summary_beside_fixed_d_laws_still_counts_the_flagged_laws() -> None:
    """h78: beside fixed-D laws the summary dropped "3 flagged (see flags)" that the flags column showed."""
    from l2l.output.reports.laws import _fits_summary

    fixed: dict[str, Any] = {
        "dataset": "abl",
        "eval": "abl_val",
        "status": "fixed-D",
        "E": 2.0,
        "K": 600.0,
        "gamma": 0.33,
        "D": 1e10,
    }
    rows: list[dict[str, Any]] = [
        {"dataset": "web", "eval": "c4", "status": "poor"},
        {"dataset": "web", "eval": "web_val", "status": "ok"},
        {"dataset": "books", "eval": "c4", "status": "warning"},
        fixed,
    ]
    said = _fits_summary(rows, {"abl": "abl_val"})
    assert said.startswith("3 laws fitted, 1 law in N at one D, 2 flagged (see flags); abl: L = 2.000")
    assert "flagged" not in _fits_summary([rows[1], fixed], {"abl": "abl_val"})


def test_a_law_files_predictions_at_one_target_saying_the_same_are_said_once() -> None:
    """The law-file report's warnings go through the same ``said_once`` as predict's from the runs."""
    from l2l.output.reports.common import said_once

    lines = [
        ("warning: ", "web/own", "at N = 1.28B, D = 10B", "compute is 2× the largest fitted"),
        ("warning: ", "code/own", "at N = 1.28B, D = 10B", "compute is 2× the largest fitted"),
        ("warning: ", "web/own", "at N = 1.28B, D = 10B", "compute is 2× the largest fitted"),
    ]
    assert said_once(lines) == [
        "warning: web/own, code/own at N = 1.28B, D = 10B: compute is 2× the largest fitted"
    ]
