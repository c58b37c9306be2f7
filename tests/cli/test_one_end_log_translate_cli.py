"""`l2l translate` on a per-step log kept whole (``--checkpoints all``) whose runs all end at one token count (the
Pythia-shaped suite of ``tests/workflows/test_one_end_log_allocation.py``): its translations stand (pairs at equal
(N, D) pin K and κ whatever the checkpoints), but its N* columns are left empty with ``Runs.one_end_note``'s
words, as ``optimal`` and ``rank --C`` refuse that split (they printed N* 365B for both laws, identified by
nothing); a log whose runs end at several token counts keeps its N*."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from numpy.testing import assert_allclose

from tests.workflows.test_one_end_log_allocation import _log


def test_translate_leaves_n_star_empty_where_every_run_ends_at_one_d(run: Any, tmp_path: Path) -> None:
    table = _log(tmp_path / "suite.csv", (300e9,), {"pile": 1.7, "dedup": 1.69})
    assert run("ingest", table, "--checkpoints", "all").exit_code == 0
    out = run("translate", "--src", "pile", "--C", "1e24", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    (row,) = doc["rows"]
    # the translation itself is the answer: dedup's loss is pile's less 0.01 (K = κ = 1)
    assert_allclose([row["K"], row["kappa"]], [1.0, 1.0], rtol=2e-3)
    assert row["N_opt_implied"] is None
    assert row["N_opt_independent"] is None
    assert row["N_opt_implied_lo"] is None
    assert row["N_opt_implied_hi"] is None
    (said,) = [n for n in doc["notes"] if n.startswith("N* not given")]
    assert said.startswith(
        "N* not given: pile/pile_val, dedup/dedup_val: no compute-optimal model: every run ends at D = 300B and "
        "the workspace keeps every checkpoint (--checkpoints all)"
    )


def test_translate_keeps_n_star_where_the_runs_end_at_several_d(run: Any, tmp_path: Path) -> None:
    table = _log(tmp_path / "ladder.csv", (20e9, 60e9, 180e9), {"web": 1.7, "code": 1.69})
    assert run("ingest", table, "--checkpoints", "all").exit_code == 0
    out = run("translate", "--src", "web", "--C", "1e24", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    (row,) = doc["rows"]
    assert row["N_opt_implied"] > 0
    assert row["N_opt_independent"] > 0
    assert not [n for n in doc["notes"] if n.startswith("N* not given")]
