"""The notes under a table of predictions: how far each reaches is in its columns, everything else is said."""

from __future__ import annotations


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
    (said,) = interval_notes([row], lambda _r: "web at C=6.2e21")
    assert said.startswith("warning: web at C=6.2e21")
    assert beyond in said
    assert "N is 7.21× the largest fitted;" not in said


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
