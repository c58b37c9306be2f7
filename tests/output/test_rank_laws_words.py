"""The flip words of a ranking beside the laws alone (``LawsScan``): where they put another dataset first in the
scanned budgets the words say where and why the ranking does not follow, never "the same for every C" alone."""

from __future__ import annotations

import dataclasses

from l2l.core.rank_model import DrawError
from l2l.core.ranking import DatasetPrediction, Flip, LawsScan, TargetRanking
from l2l.output.reports.ranking import _flip_words, _verdict

TIED = DrawError(use_laws=False, backtested=True, backtest_tied=True)


def _t(
    laws: LawsScan | None, err: DrawError = TIED, method: str = "recommended", flips: tuple[Flip, ...] = ()
) -> TargetRanking:
    return TargetRanking("T", 1.0, method, (), "b", False, ("b",), flips, err, laws=laws)  # type: ignore[arg-type]


def test_agreeing_laws_keep_the_old_words() -> None:
    assert _flip_words(_t(None), 1e22) == [
        "T: the recommended ranking's winner is the same for every C from 1e21 to 1e23"
    ]


def test_laws_that_changed_winner_before_the_range_say_since_when() -> None:
    scan = LawsScan("b", 3e19, "b", (Flip(4e20, "b", "g"),))
    (w,) = _flip_words(_t(scan), 1e22)
    assert w == (
        "T: the recommended ranking's winner is b for every C from 1e21 to 1e23, but the laws alone put g first from "
        "C ≈ 4e20 on; the sweep's backtests could not tell the laws from the sweep's order (tied), so the sweep's "
        "order is kept"
    )


def test_laws_that_change_winner_inside_the_range_name_each_change() -> None:
    scan = LawsScan("b", 3e19, "b", (Flip(2e21, "b", "a"), Flip(5e22, "a", "g")))
    (w,) = _flip_words(_t(scan, DrawError(use_laws=False)), 1e22)
    assert "but the laws alone put b first at C = 1e21, a from C ≈ 2e21 and g from C ≈ 5e22;" in w
    assert w.endswith("no backtest inside the sweep could check the laws, so the sweep's order is kept")
    never = LawsScan("b", 1e21, "g", ())
    (w,) = _flip_words(_t(never, DrawError()), 1e22)
    assert "but the laws alone put g first for every C from 1e21 to 1e23; the recommended ranking adds" in w
    (w,) = _flip_words(_t(never, method="baseline"), 1e22)
    assert w.startswith("T: the baseline ranking's winner is b for every C")
    assert w.endswith("the baseline is the order measured at each dataset's largest budget")


def _row(name: str, p: float, rank: int, notes: tuple[str, ...] = ()) -> DatasetPrediction:
    v = 2.5 + 0.1 * rank
    return DatasetPrediction(
        name, "ok", None, 1e9, 1e11, v, v, v, v, v - 0.1, v + 0.1, p, rank, 1.0, 3.0, notes
    )


def test_a_leader_whose_law_is_poor_is_never_said_to_have_no_contender() -> None:
    # p77 D1: "fineweb-pro, P(best) 0.74 (no other dataset alone is a contender …)" beside "fineweb-pro: poor law: its
    # fit did not settle … its interval is not calibrated", 4th in truth
    poor = "poor law: its fit did not settle (restarting the optimizer from its end point still moved it)"
    for p, notes in (
        (0.74, (f"{poor}: its interval is not calibrated",)),
        (0.95, (f"the law of T is {poor}",)),
    ):
        rows = (_row("a", p, 1, notes), _row("b", 1 - p, 2))
        t = TargetRanking("T", 1.0, "recommended", rows, "a", False, ("a",), (), DrawError())  # type: ignore[arg-type]
        assert _verdict(t, "Best", 0.9) == (
            f"Best: a leads, P(best) {p:.2f}, but a law behind its value is poor: its lead is not vouched for (its "
            "row's notes say which law)"
        )
    kept = (
        _row("a", 0.95, 1, (f"the law of T is {poor}: the sweep's measured order is kept",)),
        _row("b", 0.05, 2),
    )
    kept = (dataclasses.replace(kept[0], trust=0.0), kept[1])  # its value is the measured order, no law's
    t = TargetRanking("T", 1.0, "recommended", kept, "a", False, ("a",), (), DrawError())  # type: ignore[arg-type]
    assert "no other dataset is a contender at the 90% level" in _verdict(t, "Best", 0.9)
    sound = TargetRanking(
        "T", 1.0, "recommended", (_row("a", 0.95, 1), _row("b", 0.05, 2)), "a", False, ("a",), (), DrawError()
    )  # type: ignore[arg-type]
    assert "no other dataset is a contender at the 90% level" in _verdict(sound, "Best", 0.9)
