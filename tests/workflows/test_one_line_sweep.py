"""A sweep whose runs all sit at one D/N (a per-step log read at its final checkpoints, every run at 100 tokens per
parameter): the five-parameter law's bend is not pinned down there, so a prediction on the line holds the power law
along it too (``predict._line_doubt``)."""

from __future__ import annotations

from pathlib import Path

from l2l.io.tables import read_runs
from l2l.workflows.predict import predict

TABLE = Path(__file__).parents[1] / "data" / "probe" / "one_line_law_flat_past_its_runs.csv"


def test_a_law_flat_past_its_runs_on_one_line_holds_the_line_law_and_is_a_lower_bound() -> None:
    # probe p77: the Eq. 3 law of dclm-baseline ended with α/β = 79, flat past 300M: 2.84 against a truth of 2.4818
    # at 1B × 100B, its interval [2.75, 2.93] (stated as calibrated on the full table of twelve datasets)
    runs = read_runs([TABLE])
    (p,) = predict(runs, N=[1e9], D=[1e11], datasets=["dclm-baseline"])
    pi = p.interval
    assert pi.estimate > 2.8
    assert pi.lo < 2.4818 < pi.hi
    assert pi.lo < 2.45
    assert pi.lower_bound_only
    assert any("power law along the runs' one line" in note for note in pi.notes)


def test_off_the_line_the_line_law_says_nothing() -> None:
    runs = read_runs([TABLE])
    (p,) = predict(runs, N=[1e9], D=[1e10], datasets=["dclm-baseline"])
    assert not any("power law along the runs' one line" in note for note in p.interval.notes)
