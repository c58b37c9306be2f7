"""``--form auto`` on a Pythia-shaped checkpoint table of Eq. 1 laws: Eq. 1 wins its backtests short of the margin,
but fits the runs several times closer and extrapolates inside the sweep as closely as it fits, so it is chosen."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from l2l.core.laws import ScalingLaw

LAWS = {
    "pile": ScalingLaw("chinchilla", A=480.0, B=420.0, E=1.70, alpha=0.34, beta=0.29),
    "slimpj": ScalingLaw("chinchilla", A=520.0, B=450.0, E=1.65, alpha=0.345, beta=0.295),
}
SIZES = {"70M": 70e6, "160M": 160e6, "410M": 410e6, "1B": 1e9, "1.4B": 1.4e9, "2.8B": 2.8e9, "6.9B": 6.9e9}
STEPS = (1000, 4000, 16000, 33000, 66000, 100000, 143000)
TOKENS_PER_STEP = 2097152


def checkpoint_table(path: Path) -> None:
    """Every size trained to 300B tokens, every checkpoint's validation loss (0.5 % noise), sizes as "1.4B"."""
    rng = np.random.default_rng(3)
    rows = ["model,data,params,step,tokens,task,val_loss"]
    for ds, law in LAWS.items():
        for label, n in SIZES.items():
            for step in STEPS:
                d = step * TOKENS_PER_STEP
                y = float(law.predict(n, d)) * (1 + 0.005 * rng.standard_normal())
                rows.append(f"pythia-{label}-{ds},{ds},{label},{step},{d},pile_val,{y:.5f}")
    path.write_text("\n".join(rows) + "\n")


def test_a_form_that_fits_closely_and_backtests_at_its_scatter_is_chosen_short_of_the_margin(
    run: Any, tmp_path: Path
) -> None:
    """Eq. 3 was kept (Eq. 1's backtest error 0.6 of its own, not below half) although it missed the runs by 2.8 %
    RMSE against Eq. 1's 0.5 %, and predicted 3-5 % high at 5× the tokens; the choice now says why Eq. 1."""
    table = tmp_path / "pythia.csv"
    checkpoint_table(table)
    assert run("ingest", table, "--checkpoints", "all", "--own-eval", "all=pile_val").exit_code == 0
    fits = json.loads(run("fit-law", "--format", "json").stdout)
    assert [r["form"] for r in fits["rows"]] == ["chinchilla"] * len(LAWS)
    choice = fits["rows"][0]["form_choice"]
    assert "fits the runs" in choice["reason"]
    assert "as closely as it fits" in choice["reason"]
    rmse = {s["form"]: s["fit_rmse"] for s in choice["scores"] if s["form"] != "kaplan"}
    assert rmse["l2l"] > 3 * rmse["chinchilla"]  # every form's fit RMSE is reported beside its backtest error
    d = 5 * STEPS[-1] * TOKENS_PER_STEP
    res = run("predict", "-d", "all", "--N", "12e9", "--D", f"{d:g}", "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)["rows"]
    assert len(rows) == len(LAWS)
    for r in rows:
        truth = float(LAWS[r["dataset"]].predict(12e9, d))
        assert abs(r["loss"] / truth - 1) < 0.01, (r, truth)
        assert r["loss_lo"] <= truth <= r["loss_hi"], (r, truth)


def test_translations_take_e_from_the_form_the_own_losses_chose(run: Any, tmp_path: Path) -> None:
    """A translation needs E0 and E1 only; with Eq. 1 chosen they come from the Eq. 1 laws (and the translations
    are backtested with Eq. 1 refits). From Eq. 3's, which miss these runs by 2.8 % RMSE (E 1.77 and 1.72 for the
    true 1.70 and 1.65), the translation to 12B at 5× the tokens was 0.4 % off at ±3.9 %; now 0.0 % at ±1.7 %."""
    table = tmp_path / "pythia.csv"
    checkpoint_table(table)
    assert run("ingest", table, "--checkpoints", "all", "--own-eval", "all=pile_val").exit_code == 0
    fits = {r["dataset"]: r for r in json.loads(run("fit-law", "--format", "json").stdout)["rows"]}
    res = run("translate", "--src", "pile", "--format", "json")
    assert res.exit_code == 0, res.output
    (row,) = json.loads(res.stdout)["rows"]
    assert (row["E0"], row["E1"]) == (fits["pile"]["E"], fits["slimpj"]["E"])
    assert row["implied_law"] is None  # Eq. 1 is not closed under translation: no implied law
    d = 5 * STEPS[-1] * TOKENS_PER_STEP
    src = float(LAWS["pile"].predict(12e9, d))
    truth = float(LAWS["slimpj"].predict(12e9, d))
    # (the model named: every run ends at 300B in this log kept whole, so no compute-optimal model places it)
    res = run(
        "predict",
        "--via",
        "pile",
        "--src-loss",
        f"{src:.5f}",
        "--target",
        "slimpj",
        "--N",
        "12e9",
        "--D",
        f"{d:g}",
        "--format",
        "json",
    )
    assert res.exit_code == 0, res.output
    step = json.loads(res.stdout)["rows"][-1]
    assert step["interval_method"] == "backtest:translation"
    assert abs(step["loss"] / truth - 1) < 0.01, (step, truth)
    assert step["loss_lo"] <= truth <= step["loss_hi"], (step, truth)


def test_a_dataset_its_groups_form_misfits_takes_the_form_that_fits_it(run: Any, tmp_path: Path) -> None:
    """Three datasets from Eq. 1 laws beside one from Eq. 3: the group keeps Eq. 3 (Eq. 1 misses the Eq. 3 dataset),
    whose laws miss the Eq. 1 datasets' runs by 3.4-3.7 % RMSE where Eq. 1 fits them to 0.4 %: those laws were
    "ok" and their intervals calibrated (a probe's mixed tables: 44 of 56 held the truth, 7 % off), then flagged
    poor with lower bounds. Now each takes Eq. 1, its own form, with the error model of Eq. 1's backtests, and
    predicts the truth inside calibrated intervals; the Eq. 3 dataset keeps Eq. 3."""
    from l2l.testing import PAPER_LIKE_LAW

    laws = {
        "web": ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28),
        "code": ScalingLaw("chinchilla", A=300.0, B=600.0, E=0.95, alpha=0.36, beta=0.30),
        "books": ScalingLaw("chinchilla", A=500.0, B=350.0, E=1.70, alpha=0.33, beta=0.27),
        "paper": PAPER_LIKE_LAW,
    }
    rng = np.random.default_rng(0)
    rows = ["dataset,N,D,eval,loss"]
    for c in (1e17, 3e17, 1e18, 3e18, 1e19):
        n0 = float(laws["web"].compute_optimal(c)[0])
        for n in n0 * np.geomspace(1 / 5, 5, 7):
            d = c / (6 * n)
            for ds, law in laws.items():
                y = float(law.predict(n, d)) * np.exp(0.005 * rng.standard_normal())
                rows.append(f"{ds},{n:.6g},{d:.6g},{ds}_val,{y:.6f}")
    table = tmp_path / "mixed.csv"
    table.write_text("\n".join(rows) + "\n")
    assert run("ingest", table).exit_code == 0
    fits = {r["dataset"]: r for r in json.loads(run("fit-law", "--format", "json").stdout)["rows"]}
    assert {ds: r["form"] for ds, r in fits.items()} == {
        "books": "chinchilla",
        "code": "chinchilla",
        "paper": "l2l",
        "web": "chinchilla",
    }
    assert {r["status"] for r in fits.values()} == {"ok"}
    for ds in ("web", "code", "books"):
        reason = fits[ds]["form_choice"]["reason"]
        assert reason.startswith("chinchilla for this dataset: Eq. 1 (chinchilla) fits its runs"), reason
    out = json.loads(run("predict", "-d", "all", "--N", "1e9", "--D", "2e10", "--format", "json").stdout)
    covered = 0
    for r in out["rows"]:
        truth = float(laws[r["dataset"]].predict(1e9, 2e10))
        assert not r["lower_bound_only"], r
        covered += r["loss_lo"] <= truth <= r["loss_hi"]
        # 12x the largest budget; in Eq. 3 the Eq. 1 datasets were 2.4-3.6 % off
        assert abs(r["loss"] / truth - 1) < 0.015, (r, truth)
    # 90 % intervals: this seed's books is 1.2 % low, code 0.9 % high, both just outside theirs (this table over 8
    # seeds and 3 targets: 79 of 88 calibrated intervals held the truth, median half-width 2.5 %, error 0.75 %)
    assert covered >= 2


def test_one_eq1_dataset_among_eq3_and_kaplan_ones_takes_eq1_with_an_interval_its_own_backtests_support(
    run: Any, tmp_path: Path
) -> None:
    """Probe p59's table (seed 5): an Eq. 1 dataset beside an Eq. 3 one and a Kaplan one (no irreducible loss), five
    budgets of six runs. The group keeps Eq. 3, whose law missed the Eq. 1 dataset's runs by 3.8 % RMSE (Eq. 1:
    0.45 %) and predicted it 2.6-8.4 % high at 1-7B, yet was "ok": Eq. 1's backtests, 2.2× its RMSE, were not "at
    the floor". Where it was switched (other seeds), its error model came from every dataset's Eq. 1 backtests, the
    Kaplan one's misfit among them (its own nine errors too few): ±7.8 % for a 0.7 % error. Over ten seeds (four
    targets each) the Eq. 1 dataset now holds 39 of 40 truths at ±2.3 % (38 of 40 at ±6.8 % before)."""
    truths = {
        "chin": ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28),
        "l2lds": ScalingLaw("l2l", A=3.0e7, B=2.5e9, E=1.85, alpha=0.33, beta=0.31),
    }

    def kaplan(n: float, d: float) -> float:
        return float(((8.8e13 / n) ** (0.076 / 0.103) + 5.4e13 / d) ** 0.103)

    rng = np.random.default_rng(5)
    rows = ["dataset,N,D,eval,loss"]
    for ds in ("kap", "chin", "l2lds"):
        for c in (1e17, 3e17, 1e18, 3e18, 1e19):
            for k in (0.25, 0.5, 1, 2, 4, 8):
                n = float(f"{(c / 120) ** 0.5 * k / 2:.3g}")
                d = float(f"{c / 6 / n:.3g}")
                y = kaplan(n, d) if ds == "kap" else float(truths[ds].predict(n, d))
                rows.append(f"{ds},{n:g},{d:g},{ds}_val,{y * float(np.exp(rng.normal(0, 0.005))):.6f}")
    table = tmp_path / "kapmix.csv"
    table.write_text("\n".join(rows) + "\n")
    assert run("ingest", table).exit_code == 0
    fits = {r["dataset"]: r for r in json.loads(run("fit-law", "--format", "json").stdout)["rows"]}
    assert fits["chin"]["form"] == "chinchilla"
    assert fits["l2lds"]["form"] == "l2l"
    truth = float(truths["chin"].predict(3e9, 6e10))
    out = json.loads(run("predict", "-d", "chin", "--N", "3e9", "--D", "6e10", "--format", "json").stdout)
    (row,) = out["rows"]
    assert abs(row["loss"] / truth - 1) < 0.01, (row, truth)  # 4.5 % high in Eq. 3
    assert row["loss_lo"] <= truth <= row["loss_hi"]
    # ±5.3 % here (this seed's widest: 0.8-5.4 % over the ten seeds); in Eq. 3 it was ±7 % around a 4.5 % miss
    assert (row["loss_hi"] - row["loss_lo"]) / 2 / row["loss"] < 0.06
