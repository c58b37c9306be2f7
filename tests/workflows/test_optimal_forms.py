"""``optimal`` where the sweep cannot choose between Eq. 3 and Eq. 1: N* and D* hold both forms' intervals."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import numpy as np

# Epoch's refit of Chinchilla's law (Eq. 1), on isoFLOP budgets 6e18-3e21, 1 % noise: a probe's table
E, A, B, ALPHA, BETA = 1.82, 482.01, 2085.43, 0.3478, 0.3658


def chinchilla_table(path: Path) -> float:
    """Writes the table; returns the true N* at C = 1e24."""
    rng = np.random.default_rng(4)
    g = (ALPHA * A / (BETA * B)) ** (1 / (ALPHA + BETA))
    rows = ["dataset,N,D,eval,loss"]
    for c in np.geomspace(6e18, 3e21, 10):
        n_opt = g * (c / 6) ** (BETA / (ALPHA + BETA))
        for n in n_opt * np.geomspace(1 / 8, 8, 24):
            d = c / (6 * n)
            loss = (E + A / n**ALPHA + B / d**BETA) * (1 + 0.01 * rng.normal())
            rows.append(f"mt,{int(n)},{int(d)},mt_val,{loss:.5f}")
    path.write_text("\n".join(rows) + "\n")
    return float(g * (1e24 / 6) ** (BETA / (ALPHA + BETA)))


def test_where_the_forms_tie_the_optimum_interval_holds_both_forms(run: Any, tmp_path: Path) -> None:
    """auto kept Eq. 3 (Eq. 1 as good in the backtests); its N* interval [1.19e11, 2.25e11] excluded the truth
    9.6e10 with a warning naming Eq. 1's N*; the interval now also holds Eq. 1's, and with it the truth."""
    truth = chinchilla_table(tmp_path / "chin.csv")
    assert run("ingest", tmp_path / "chin.csv").exit_code == 0
    auto = run("optimal", "--C", "1e24", "--format", "json")
    assert auto.exit_code == 0, auto.output
    (row,) = json.loads(auto.stdout)["rows"]
    eq1 = run("optimal", "--C", "1e24", "--form", "chinchilla", "--format", "json")
    (other,) = json.loads(eq1.stdout)["rows"]
    assert row["form"] == "l2l"
    (said,) = [
        w for w in row["warnings"] if "the N* and D* intervals are widened to hold its N* interval" in w
    ]
    assert re.search(
        r"puts N\* at [0-9.]+B, outside the bootstrap's N\* interval \[[0-9.]+B, [0-9.]+B\]", said
    )
    assert row["N_opt_lo"] <= other["N_opt_lo"] < other["N_opt_hi"] <= row["N_opt_hi"]
    assert row["N_opt_lo"] <= truth <= row["N_opt_hi"]
    assert row["D_opt_lo"] <= 1e24 / 6 / truth <= row["D_opt_hi"]
