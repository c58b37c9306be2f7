"""A prediction's D beside its dataset's unique tokens (``l2l.core.repetition``; probe p65 D2): beyond the passes the
law's runs made it is a lower bound saying why; within them, a note; fresh data or unknown unique tokens, nothing."""

from __future__ import annotations

import pytest

from l2l.core.predictive import PredictiveInterval, beyond_evidence
from l2l.core.repetition import is_repetition_note, repeated_interval, repetition_at

FITTED = [1e9, 3e9, 8e10]  # the law's runs: up to 26.7 passes over 3B unique tokens


def _pi() -> PredictiveInterval:
    return PredictiveInterval(
        estimate=2.4,
        lo=2.35,
        hi=2.45,
        level=0.9,
        distance=0.0,
        method="backtest:direct",
        lower_bound_only=False,
        raw=2.4,
    )


def test_no_repetition_without_unique_tokens_or_within_one_pass() -> None:
    assert repetition_at("web", 1e11, None, FITTED) is None
    assert repetition_at("hq", 3.05e9, 3e9, FITTED) is None  # within the tolerance of one pass
    assert repeated_interval(_pi(), None) == _pi()


def test_more_passes_than_the_runs_made_is_beyond_the_evidence() -> None:
    rep = repetition_at("hq", 1.17e11, 3e9, FITTED)
    assert rep is not None
    assert rep.passes == pytest.approx(39.0)
    assert rep.swept_passes == pytest.approx(80 / 3)
    assert rep.beyond
    assert "D = 39 passes over the unique tokens; the law assumes fresh data" in rep.reason
    pi = repeated_interval(_pi(), rep)
    assert pi.lower_bound_only
    assert beyond_evidence(pi)
    assert repeated_interval(pi, rep) == pi  # said once


def test_passes_within_the_runs_are_noted_and_any_repetition_of_a_fresh_sweep_is_beyond() -> None:
    within = repetition_at("hq", 3e10, 3e9, FITTED)
    assert within is not None
    assert not within.beyond
    pi = repeated_interval(_pi(), within)
    assert not pi.lower_bound_only
    assert not beyond_evidence(pi)
    assert "within the passes of the runs" in pi.notes[-1]
    fresh = repetition_at("hq", 6e9, 3e9, [1e9, 2e9])  # 2 passes; its runs saw each token once
    assert fresh is not None
    assert fresh.beyond
    assert "its runs saw each token once" in fresh.reason


def test_every_note_of_a_repetition_is_known_as_one_among_others() -> None:
    beyond = repetition_at("hq", 1.17e11, 3e9, FITTED)
    within = repetition_at("hq", 3e10, 3e9, FITTED)
    assert beyond is not None
    assert within is not None
    assert is_repetition_note(beyond.note())
    assert is_repetition_note(within.note())
    assert not is_repetition_note("further than any backtest reached")
