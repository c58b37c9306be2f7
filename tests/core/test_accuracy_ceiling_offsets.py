"""A ceiling below 100 % (issue 17, probes h20 #4 and h21): one true curve that levels off below 100 % looks, with its
ceiling held at 1, like datasets that differ; ``ceiling="auto"`` fits the ceiling there instead of blaming the
datasets, true per-dataset offsets stay flagged, and a backtest whose refit cannot place a fitted ceiling does not
mark an exact law poor, while a law whose shape misses stays poor."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from l2l.core.accuracy import fit_accuracy

# chance, top, midpoint and slope in task CE; the task CE map K·(L − 1.5)^κ + E1 (h20's DataDecide-like t2)
TASKS = {
    "arc_challenge": (0.25, 0.70, 1.85, 0.2, (0.90, 1.10, 0.55)),
    "arc_easy": (0.25, 0.92, 2.05, 0.2, (0.95, 1.13, 0.57)),
    "at_1": (0.25, 1.00, 2.05, 0.2, (0.95, 1.13, 0.57)),  # ARC-Easy's curve with a true ceiling of 1
}


def _table(task: str, seed: int, shift: float = 0.0, truth: str = "sigmoid") -> dict[str, object]:
    """15 datasets × 5 sizes (10M–1B) at 100 tokens per parameter, 3 seeds (averaged) up to 90M; the accuracy one
    curve of the task CE (``shift``: each dataset's midpoint moved by up to ±shift), noise 1.2 points a seed. The
    same tables as /work/scratch/h21/synth.py."""
    rng = np.random.default_rng(seed)
    ch, top, m, s, (K, kap, E1) = TASKS[task]
    laws = {}
    for i in range(15):
        E = 1.75 + 0.02 * i + rng.normal(0, 0.02)
        laws[f"d{i:02d}"] = (
            E,
            420.0 * (1 + 0.05 * rng.normal()),
            0.34 + 0.01 * rng.normal(),
            1100.0 * (1 + 0.05 * rng.normal()),
            0.30 + 0.01 * rng.normal(),
        )
    shifts = {r: (rng.uniform(-shift, shift) if shift else 0.0) for r in laws}
    xs, ys, gs, os_ = [], [], [], []
    for r, (E, A, a, B, b) in laws.items():
        for N in (10e6, 30e6, 90e6, 300e6, 1e9):
            D = 100 * N
            v = []
            for _ in range(3 if N <= 90e6 else 1):
                L = E + A / N**a + B / D**b
                ce = (K * (L - 1.5) ** kap + E1) * math.exp(rng.normal(0, 0.01))
                mid = m + shifts[r]
                if truth == "sigmoid":
                    acc = ch + (top - ch) / (1 + math.exp((ce - mid) / s))
                else:  # error decaying exponentially in the loss: no sigmoid's S
                    acc = min(top, ch + (top - ch) * math.exp(-max(ce - (mid - 2 * s), 0.0) / (1.5 * s)))
                v.append((ce, min(max(acc + rng.normal(0, 0.012), 0.0), 1.0)))
            xs.append(float(np.mean([t[0] for t in v])))
            ys.append(float(np.mean([t[1] for t in v])))
            gs.append(r)
            os_.append(6 * N * D)
    return {
        "x": np.array(xs),
        "acc": np.array(ys),
        "groups": np.array(gs),
        "order": np.array(os_),
        "chance": ch,
    }


def _fit(t: dict[str, object], ceiling: float | str | None):
    return fit_accuracy(
        t["x"],
        t["acc"],
        chance=t["chance"],
        ceiling=ceiling,
        groups=t["groups"],
        order=t["order"],  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(("task", "seed"), [("arc_challenge", 2), ("arc_challenge", 3), ("arc_easy", 2)])
def test_auto_fits_a_ceiling_below_100_where_one_curve_at_1_blamed_the_datasets(task: str, seed: int) -> None:
    """Before: "poor law: one curve for every dataset misses datasets systematically" (χ² 63–102 on 14 degrees of
    freedom) with the ceiling at 1, 3.9–6.8 points off at 3B–10B; a fitted ceiling meets every dataset."""
    t = _table(task, seed)
    fit = _fit(t, "auto")
    top = TASKS[task][1]
    assert fit.pooled
    assert fit.status == "ok", fit.reason
    assert fit.offsets is not None
    assert not fit.offsets.systematic
    assert fit.laws["*"].ceiling == pytest.approx(top, abs=0.03)
    assert fit.ceiling_choice.startswith("fitted")
    # (read against the honest noise, seed 2's offsets at 1 are χ² 33 and 26 on 14, p 0.003 and 0.03: a hint
    # the fitted ceiling is tried on, not the "systematically" verdict; seed 3's stay systematic)
    assert "at 1, one curve misses datasets" in fit.ceiling_choice
    assert "a ceiling below 100 %, not datasets that differ" in fit.ceiling_choice
    d = json.loads(json.dumps(fit.to_dict(), allow_nan=False))
    assert d["dataset_offsets"]["systematic"] is False


def test_a_ceiling_held_at_1_says_a_fitted_one_would_remove_the_offsets() -> None:
    fit = _fit(_table("arc_challenge", 2), 1.0)
    assert fit.status == "poor"
    assert fit.laws["*"].ceiling == 1.0
    # (not "systematically" at p 0.003 against the honest noise: poor because a fitted ceiling removes them)
    assert "one curve for every dataset misses datasets: " in fit.reason
    assert "(χ² 33 on 14 degrees of freedom, p 0.003)" in fit.reason
    assert "a ceiling below 100 % (--ceiling fit) removes them: fitted at 68.8 points" in fit.reason


def test_a_true_ceiling_of_1_whose_offsets_hint_at_a_lower_one_keeps_1() -> None:
    """Offsets at 1 that pass the ceiling's looser gate (χ² 32 on 14 degrees of freedom, p 0.004: tried, not
    systematic) on one true curve at 1: the fitted ceiling ends at 1, so neither ``auto`` nor a ceiling held at 1
    blames a lower one (of 60 such tables none took a fitted ceiling)."""
    t = _table("at_1", 38)
    for ceiling in ("auto", 1.0):
        fit = _fit(t, ceiling)
        assert fit.status == "ok", fit.reason
        assert fit.pooled
        assert fit.laws["*"].ceiling == 1.0
        assert fit.offsets is not None
        assert not fit.offsets.systematic
        assert 1e-3 < fit.offsets.p < 0.2
        assert "below 100 %" not in fit.ceiling_choice + fit.reason


@pytest.mark.parametrize(("task", "seed", "shift"), [("arc_easy", 8, 0.1), ("arc_easy", 1, 0.2)])
def test_datasets_that_truly_differ_stay_flagged_under_auto(task: str, seed: int, shift: float) -> None:
    """Midpoints truly shifted by dataset, a ceiling below 100 %: the fitted ceiling does not explain them away (the
    ±0.1 table's χ² fell only 57 → 54 with it)."""
    fit = _fit(_table(task, seed, shift=shift), "auto")
    flagged = (fit.offsets is not None and fit.offsets.systematic) or not fit.pooled
    assert flagged
    assert "a ceiling below 100 %, not datasets that differ" not in fit.ceiling_choice


@pytest.mark.parametrize(("task", "seed"), [("arc_challenge", 3), ("arc_easy", 6)])
def test_a_backtest_that_cannot_place_a_fitted_ceiling_does_not_mark_an_exact_law_poor(
    task: str, seed: int
) -> None:
    """Before: "poor, backtest MAE 8.9 / 30.8 points" for a law within 0.2 / 0.6 points of the truth at 3B–10B: the
    lower half of the runs reaches 0.02–0.1 of the way to the plateau and its refit put the ceiling at 1."""
    t = _table(task, seed)
    fit = _fit(t, None)
    assert fit.status == "ok", fit.reason
    assert fit.laws["*"].ceiling == pytest.approx(TASKS[task][1], abs=0.03)
    assert fit.backtest_uninformative.startswith("backtest uninformative")
    assert "so its refit cannot place the ceiling; with the ceiling held at the full fit's" in (
        fit.backtest_uninformative
    )
    assert fit.backtest_uninformative in fit.warnings
    assert fit.to_dict()["backtest_uninformative"] == fit.backtest_uninformative
    q, how = fit.logit_quantile(0.9)
    assert q > 0
    assert how.startswith("fit residuals")
    # the backtest with the ceiling held still measures how the curve extrapolates: the interval holds its errors
    assert fit.held_ceiling_logit is not None
    assert fit.held_ceiling_residuals is not None
    assert q >= float(np.quantile(np.abs(fit.held_ceiling_logit), 0.8))


def test_a_law_whose_shape_misses_stays_poor_with_a_fitted_ceiling() -> None:
    """A truth that is no sigmoid of the loss: the backtest with the ceiling held at the full fit's still misses."""
    fit = _fit(_table("arc_easy", 3, truth="exp"), None)
    assert fit.status == "poor"
    assert "its backtest (fitted on the lower half" in fit.reason
    assert not fit.backtest_uninformative
    assert any(w.startswith("the backtest's miss is not the ceiling's alone") for w in fit.warnings)
