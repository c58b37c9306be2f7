"""A translation chain onto another eval is backtested whole, as the train-to-train translations are (issue 17,
helper h66): at each backtest cutoff both translations are refitted (E's from the laws refitted there, K and κ from
the pairs at or below it) and each run above is predicted from its sources' measured own losses (``chain_errors``);
the chain's interval holds the one its backtests give and the carried one (``backtested_through``), and is a lower
bound only where those backtests or what the chain carries do not vouch for it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from l2l.core.backtest import BacktestOptions, chain_errors, run_backtests
from l2l.core.calibrate import Calibration
from l2l.core.error_model import ErrorModel, fit_error_model
from l2l.core.intervals import backtested_through, propagated_through
from l2l.core.predictive import Placement, PredictiveInterval
from l2l.core.sweep import Sweep
from l2l.testing import PAPER_LIKE_LAW

#: the eval's loss from the own loss: y = K·(x − E0)^κ + E1, E0 the own law's E
STEP = (1.3, 0.8, 1.1)
#: each other dataset's own loss from the base's: (K, κ, its E)
LINKS = {"beta": (0.65, 1.08, 0.90), "gamma": (1.05, 0.95, 2.20)}
BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
E_BASE = PAPER_LIKE_LAW.E


def _grid() -> tuple[list[float], list[float]]:
    n, d = [], []
    for c in BUDGETS:
        n_opt, _ = PAPER_LIKE_LAW.compute_optimal(c)
        for m in float(n_opt) * np.geomspace(1 / 4, 4, 5):
            n.append(m)
            d.append(c / (6.0 * m))
    return n, d


def _table(seed: int, noise: float) -> tuple[dict[str, Sweep], dict[str, Sweep]]:
    """Three datasets' own losses (alpha: the paper-like Eq. 3 law; beta, gamma: known shifted powers of it) on an
    iso-FLOP grid of six budgets, and each one's loss on an eval that is a known shifted power of its own loss,
    each with log-normal noise ``noise``."""
    rng = np.random.default_rng(seed)
    n, d = _grid()
    base = PAPER_LIKE_LAW.predict(np.array(n), np.array(d))
    own = {
        "alpha": (base, E_BASE),
        **{k: (K * (base - E_BASE) ** kap + e, e) for k, (K, kap, e) in LINKS.items()},
    }
    K2, kap2, e2 = STEP

    def noisy(v: np.ndarray) -> np.ndarray:
        return v * np.exp(noise * rng.standard_normal(len(v)))

    x = {k: Sweep.of(n, d, None, noisy(v)) for k, (v, _) in own.items()}
    y = {k: Sweep.of(n, d, None, noisy(K2 * (v - e) ** kap2 + e2)) for k, (v, e) in own.items()}
    return x, y


def _e_at(
    cuts: tuple[float, ...],
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, list[tuple[float, float]]]]:
    """The true E's, as every refit at ``cuts`` would find them on exact laws."""
    es = {"alpha": E_BASE, **{k: e for k, (_, _, e) in LINKS.items()}}
    return {k: [(c, e) for c in cuts] for k, e in es.items()}, {k: [(c, STEP[2]) for c in cuts] for k in es}


def test_the_chain_is_backtested_whole_and_errs_by_nothing_on_exact_relations() -> None:
    x, y = _table(0, 0.0)
    e_own, e_ev = _e_at((6e18, 2e19))
    errors, notes = chain_errors(x, y, e_own, e_ev)
    assert notes == []
    # each target's runs above each cutoff (10 above 6e18, 5 above 2e19), from each of its two sources
    assert len(errors["single"]) == 3 * 2 * 15
    # ... and once from the mean of both
    assert len(errors["mean"]) == 3 * 15
    assert {e.kind for e in errors["single"]} == {"train-test"}
    assert {e.group for e in errors["single"]} == {"alpha", "beta", "gamma"}
    assert max(abs(e.log_error) for e in [*errors["single"], *errors["mean"]]) < 1e-9


def test_the_chain_takes_the_sources_its_translations_are_backtested_from(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # beyond MAX_TRANSLATION_SOURCES + 1 datasets each target takes the next ones in name order, as the
    # translations' backtests do (every pair of 200 datasets at every cutoff, for each eval)
    import l2l.core.backtest as backtest

    monkeypatch.setattr(backtest, "MAX_TRANSLATION_SOURCES", 1)
    x, y = _table(0, 0.0)
    errors, notes = chain_errors(x, y, *_e_at((6e18, 2e19)))
    assert len(errors["single"]) == 3 * 1 * 15  # one source a target
    assert errors["mean"] == []  # a mean needs two
    assert notes[0].startswith("translations backtested from 1 sources of each of the 3 datasets")
    assert min(e.distance for e in errors["single"]) == pytest.approx(math.log(5e19 / 2e19))


def test_a_cutoff_without_the_evals_refit_is_not_backtested() -> None:
    x, y = _table(0, 0.0)
    e_own, e_ev = _e_at((6e18, 2e19))
    e_ev["beta"] = e_ev["beta"][:1]
    errors, _ = chain_errors(x, y, e_own, e_ev)
    assert {e.cutoff for e in errors["single"] if e.dataset == "beta"} == {6e18}
    assert {e.cutoff for e in errors["single"] if e.dataset == "alpha"} == {6e18, 2e19}


def test_the_backtests_keep_each_cutoffs_refitted_e_per_form_and_dataset() -> None:
    x, _ = _table(1, 0.004)
    bt = run_backtests({"web": x["alpha"]}, BacktestOptions(translations=False))
    (form,) = bt.cutoff_E
    assert form == "l2l"
    e_at = bt.cutoff_E["l2l"]["web"]
    assert [c for c, _ in e_at] == list(bt.cutoffs)
    assert all(1.5 < e < 2.5 for _, e in e_at)  # (the true E is 2.0)
    # ... and the workspace's calibration record keeps them (a warm predict --via backtests its chain from them)
    back = Calibration.from_record(Calibration(None, None, {}, bt).to_record())
    assert back.backtest.cutoff_E == bt.cutoff_E


def _model(seed: int) -> ErrorModel:
    """The chain's error model from its backtests on a noisy table (three cutoffs; E's as the refits' would be on
    exact laws)."""
    x, y = _table(seed, 0.004)
    errors, _ = chain_errors(x, y, *_e_at(BUDGETS[2:5]))
    return fit_error_model(errors["single"], "train-test")


def _upstream(lower_bound: bool = False) -> PredictiveInterval:
    return PredictiveInterval(2.5, 2.45, 2.56, 0.9, 3.0, "backtest:combined:mean", lower_bound, 2.5)


def _mapped(pi: PredictiveInterval) -> list[float]:
    K, kappa, e1 = STEP
    return [K * (v - 2.0) ** kappa + e1 for v in (pi.estimate, pi.lo, pi.hi, pi.raw)]


def test_a_backtested_chain_holds_its_backtested_interval_and_never_less_than_the_carried_one() -> None:
    model = _model(0)
    up = _upstream()
    where = Placement(3.0, 5.5, 0.0, "beta")
    carried = propagated_through(up, _mapped(up), resid_sd=0.004, sd_param=0.002)
    pi = backtested_through(
        up, _mapped(up), model, where, resid_sd=0.004, sd_param=0.002, backtested_notes=("backtested",)
    )
    assert pi.method == "backtest:train-test"
    assert not pi.lower_bound_only
    assert pi.estimate == carried.estimate
    assert pi.notes[0] == "backtested"
    chain = model.interval(carried.raw, where, 0.9, scatter=0.004)
    assert (pi.lo, pi.hi) == (min(chain.lo, carried.lo), max(chain.hi, carried.hi))
    assert pi.lo <= carried.lo
    assert pi.hi >= carried.hi


@pytest.mark.parametrize("why", ["upstream", "group", "model"])
def test_the_chain_stays_a_lower_bound_where_its_backtests_or_its_input_do_not_vouch(why: str) -> None:
    model = None if why == "model" else _model(0)
    up = _upstream(lower_bound=why == "upstream")
    where = Placement(3.0, 5.5, 0.0, "books" if why == "group" else "beta")
    carried = propagated_through(up, _mapped(up), resid_sd=0.004, sd_param=0.002, notes=("not backtested",))
    pi = backtested_through(
        up, _mapped(up), model, where, resid_sd=0.004, sd_param=0.002, notes=("not backtested",)
    )
    assert pi == carried
    assert pi.lower_bound_only


def test_each_scored_runs_distance_from_the_optimum_is_taken_once_and_is_its_own(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Every source and every cutoff scores a target's same runs against the same law: ``aspect_on`` (a scan of the
    whole sweep each call) had been taken for each of the 135 errors, a twentieth of a cold evaluate's CPU on the
    paper's table (helper h74); now once for each of the 30 runs scored, each error's aspect the run's own."""
    import l2l.core.backtest as backtest
    from l2l.core.predictive import aspect_on

    x, y = _table(0, 0.0)
    e_own, e_ev = _e_at((6e18, 2e19))
    laws = dict.fromkeys(x, PAPER_LIKE_LAW)
    calls: list[tuple[float, float]] = []

    def counted(law: object, N: np.ndarray, D: np.ndarray, sweep: Sweep) -> np.ndarray:
        calls.append((float(N[0]), float(D[0])))
        return aspect_on(law, N, D, sweep)  # type: ignore[arg-type]

    monkeypatch.setattr(backtest, "aspect_on", counted)
    errors, _ = chain_errors(x, y, e_own, e_ev, laws)
    every = [*errors["single"], *errors["mean"]]
    assert len(every) == 3 * 2 * 15 + 3 * 15
    # each target's 10 runs above the lower cutoff, once each
    assert len(calls) == 3 * 10
    for e in every:
        own = aspect_on(PAPER_LIKE_LAW, np.array([e.N]), np.array([e.D]), y[e.dataset])[0]
        assert e.aspect == float(own)
    assert len({round(e.aspect, 9) for e in every}) > 1
