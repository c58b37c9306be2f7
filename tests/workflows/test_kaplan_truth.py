"""``--form auto`` on one-dataset tables drawn from Kaplan's Eq. 2 (no irreducible loss; probe p67 D1): Eq. 3 fits
them with an E the runs cannot tell from 0 (1.4 and 1.8 here, the truth 0) and extrapolates 2-5 % high. Eq. 2 is
backtested beside it wherever the runs cannot rule out E = 0, chosen by the margin as any form, and held in the
interval where Eq. 3 is kept."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from l2l.core.laws import ScalingLaw

#: Kaplan et al.'s exponents (α_N 0.076, α_D 0.095), as probe p67 drew them
TRUTH = ScalingLaw("kaplan", A=8.8e13, B=5.4e13, E=0.0, alpha=0.076, beta=0.095)
SIZES = (20e6, 40e6, 80e6, 160e6, 320e6, 640e6)
TOKENS_PER_PARAM = (5, 10, 20, 40, 80)
#: 2× and 4× the largest run's compute, model size grown at fixed tokens
TARGETS = ((1.28e9, 5.12e10), (2.56e9, 5.12e10))


def kaplan_table(path: Path, seed: int) -> None:
    """6 sizes × 5 tokens per parameter, 1.5 % log-normal noise (probe p67's ``gen/forms.py eq2``, seed ``seed``)."""
    rng = np.random.default_rng(100 + seed)
    rows = ["dataset,N,D,eval,loss"]
    for n in SIZES:
        for r in TOKENS_PER_PARAM:
            y = float(TRUTH.predict(n, n * r)) * math.exp(rng.normal(0, 0.015))
            rows.append(f"web,{n:g},{n * r:g},web_val,{y:.5f}")
    path.write_text("\n".join(rows) + "\n")


def _predict(run: Any) -> list[dict[str, Any]]:
    args = ["predict", "-d", "web", "--format", "json"]
    for n, d in TARGETS:
        args += ["--N", f"{n:g}", "--D", f"{d:g}"]
    res = run(*args)
    assert res.exit_code == 0, res.output
    return list(json.loads(res.stdout)["rows"])


def test_short_of_the_margin_eq3_is_kept_and_its_interval_holds_eq2s_where_the_runs_cannot_tell_e_from_0(
    run: Any, tmp_path: Path
) -> None:
    """Seed 3: Eq. 3 ends at E = 1.38, its backtests miss by 1.97 %, Eq. 2's by 1.58 %, short of the margin. Eq. 2
    was chosen there for a while; on ladders with an irreducible loss such backtests preferred it as often, 10-21 %
    low (probe p71). Eq. 3 is kept, 2.2 % high at 4×, and its intervals hold the truth."""
    kaplan_table(tmp_path / "eq2.csv", seed=3)
    assert run("ingest", tmp_path / "eq2.csv").exit_code == 0
    (row,) = json.loads(run("fit-law", "--format", "json").stdout)["rows"]
    assert row["form"] == "l2l", row["form_choice"]["reason"]
    assert row["form_choice"]["e_free"]
    for r in _predict(run):
        truth = float(TRUTH.predict(r["N"], r["D"]))
        assert abs(r["loss"] / truth - 1) < 0.03, (r, truth)
        assert r["loss_lo"] <= truth <= r["loss_hi"], (r, truth)


def test_where_eq3_is_kept_on_such_runs_its_interval_holds_eq2s_prediction(run: Any, tmp_path: Path) -> None:
    """Seed 1: Eq. 3 at E = 1.82 backtests better (1.65 % against 2.08 %) and is kept; its 2× interval
    [2.369, 2.479], printed as calibrated, missed the truth 2.361. The interval now holds Eq. 2's prediction."""
    kaplan_table(tmp_path / "eq2.csv", seed=1)
    assert run("ingest", tmp_path / "eq2.csv").exit_code == 0
    rows = _predict(run)
    assert {r["form"] for r in rows} == {"l2l"}
    for r in rows:
        truth = float(TRUTH.predict(r["N"], r["D"]))
        assert r["loss_lo"] <= truth <= r["loss_hi"], (r, truth)
        assert any("the runs cannot tell Eq. 3's E from 0" in n for n in r["notes"]), r["notes"]


@pytest.mark.parametrize("seed", [1, 5])
def test_every_form_without_a_backtest_error_says_why(run: Any, tmp_path: Path, seed: int) -> None:
    """Eq. 1 was listed "(chinchilla, kaplan not backtested)" with no reason: it was refitted, but too few of its
    predictions lay near its own compute-optimal sizes to score it."""
    kaplan_table(tmp_path / "eq2.csv", seed=seed)
    assert run("ingest", tmp_path / "eq2.csv").exit_code == 0
    (row,) = json.loads(run("fit-law", "--format", "json").stdout)["rows"]
    choice = row["form_choice"]
    unscored = [s for s in choice["scores"] if s["error"] is None]
    assert unscored, choice
    for s in unscored:
        assert s["reason"], s
        assert f"{s['form']} not " in choice["reason"]
    listing = choice["reason"].split("(", 1)[1]
    assert "not backtested)" not in listing, choice["reason"]
    assert "not backtested," not in listing, choice["reason"]


def test_a_dataset_switched_to_eq1_in_a_group_whose_e_is_unpinned_holds_no_eq3_interval() -> None:
    """p69: the group's hedge between Eq. 3 and Eq. 2 (its error model, its words about E) was applied to a dataset
    whose own law the group's choice had switched to Eq. 1: its interval at an in-sweep target grew from ±2.5 % to
    ±9 % to hold Eq. 3's prediction, which fits that dataset's runs 10.7× worse."""
    from pathlib import Path

    from l2l.core.fit import FitOptions
    from l2l.io.tables import read_runs
    from l2l.workflows.predict import predict

    table = Path(__file__).resolve().parents[1] / "data" / "probe" / "eq1_dataset_in_unpinned_e_group.csv"
    runs = read_runs([table])
    (p,) = predict(
        runs, datasets=["alpha"], evals=["gamma_val"], N=[6e8], D=[3e10], options=FitOptions(form="auto")
    )
    assert p.fit.form == "chinchilla"
    assert not any("also holds" in n for n in p.interval.notes)
    assert p.interval.lo <= 2.6229 <= p.interval.hi  # the noise-free truth
    assert p.interval.hi / p.interval.lo < 1.08  # ±2.5 %, not ±9 %


def test_beyond_every_backtest_a_lower_bound_holds_the_nested_forms_interval(
    run: Any, tmp_path: Path
) -> None:
    """Probes p71, p73: a law without a floor the runs pinned (Eq. 2, or Eq. 1 at E → 0) chosen on a small ladder
    predicted 9-15 % low at 7-13× the largest model, outside intervals that held Eq. 3's point but not its spread.
    Beyond every backtest the interval holds the other reading's bootstrap interval (here Eq. 2's beside Eq. 3)."""
    kaplan_table(tmp_path / "eq2.csv", seed=3)
    assert run("ingest", tmp_path / "eq2.csv").exit_code == 0
    far = ["predict", "-d", "web", "--N", "2e10", "--D", "4e11", "--format", "json"]
    (row,) = json.loads(run(*far).stdout)["rows"]
    (eq2,) = json.loads(run(*far, "--form", "kaplan").stdout)["rows"]
    assert row["form"] == "l2l"
    assert row["lower_bound_only"]
    assert row["loss_lo"] <= eq2["loss_lo"]
    assert eq2["loss_hi"] <= row["loss_hi"] or eq2["loss_hi"] <= row["loss"]
    assert any("also holds Eq. 2's (kaplan)" in n for n in row["notes"]), row["notes"]
