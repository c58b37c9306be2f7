"""A fixed-D sweep's laws in N at one D through a law file on the command line: `fit-law --save F.json` writes them,
`predict --law F.json` gives fit-law's E_D + K·N^−γ at that D (the law's own value, no calibrated interval, said as
for every law from a file), and refuses another D in one line naming the D it knows (exit 1)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from l2l.testing.shapes import fixed_d_csv


def _saved(run: Any, tmp_path: Path) -> tuple[Path, dict[str, Any]]:
    """The fixed-D table ingested, its laws saved to a law file, and fit-law's JSON row of web's law."""
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=11)).exit_code == 0
    fitted = run("fit-law", "--format", "json")
    assert fitted.exit_code == 0, fitted.stderr
    (row,) = [r for r in json.loads(fitted.stdout)["rows"] if r["dataset"] == "web"]
    laws = tmp_path / "laws.json"
    saved = run("fit-law", "--save", laws)
    assert saved.exit_code == 0, saved.stderr
    return laws, row


def test_a_law_in_n_at_one_d_read_from_a_law_file_gives_fit_laws_value_at_that_d(
    run: Any, tmp_path: Path
) -> None:
    laws, row = _saved(run, tmp_path)
    assert row["form"] == "line"
    assert row["D"] == 1e10
    out = run("predict", "--law", laws, "-d", "web", "--N", "1.28B", "--D", "10B", "--format", "json")
    assert out.exit_code == 0, out.stderr
    doc = json.loads(out.stdout)
    (pred,) = doc["rows"]
    expected = row["E"] + row["K"] * 1.28e9 ** -row["gamma"]
    assert math.isclose(pred["loss"], expected, rel_tol=1e-12)
    # the seeded table's law, to the fit's tolerance: the last digits differ between machines (BLAS, CPU)
    assert math.isclose(pred["loss"], 2.61198998, rel_tol=1e-8)
    assert pred["form"] == "line"
    assert pred["loss_law"] == pred["loss"]
    assert pred["loss_lo"] is None
    assert pred["calibrated"] is False
    assert pred["reason"].startswith("not calibrated: a law file holds no runs to backtest the law against; ")
    assert "no interval: a law in N at one D takes its interval from its runs" in pred["reason"]
    assert pred["N_ratio"] == 2.0
    assert pred["D_ratio"] == 1.0
    assert doc["notes"][0].startswith(
        f"laws from {laws}: the law's own value (no runs, so no calibrated interval)"
    )
    # the same value as predict on the runs gives (with its backtested interval there)
    there = run("predict", "-d", "web", "--N", "1.28B", "--D", "10B", "--format", "json")
    (on_runs,) = json.loads(there.stdout)["rows"]
    assert on_runs["loss"] == pred["loss"]
    assert on_runs["loss_lo"] < pred["loss"] < on_runs["loss_hi"]


def test_a_law_in_n_at_one_d_read_from_a_law_file_refuses_another_d_in_one_line(
    run: Any, tmp_path: Path
) -> None:
    laws, _ = _saved(run, tmp_path)
    off = run("predict", "--law", laws, "-d", "web", "--N", "1.28B", "--D", "20B")
    assert off.exit_code == 1
    (line,) = off.stderr.strip().splitlines()
    assert line == (
        "Error: web/web_val: every run lies at D = 10B, so its law is in N at that D alone (E_D + K·N^−γ) and says "
        "nothing at D = 20B. Hint: predict at --D 10B, or add runs at other token counts"
    )
    both = run("predict", "--law", laws, "-d", "web", "--N", "1.28B", "--D", "10B", "--D", "20B")
    assert both.exit_code == 0, both.stderr
    assert "not predicted: web/web_val: every run lies at D = 10B" in both.stdout


def test_a_law_file_holds_laws_in_n_and_d_beside_laws_in_n_at_one_d(run: Any, tmp_path: Path) -> None:
    """Beside a law in N and D a fixed-D sweep's laws were left out of the file with a note ("not in the law file");
    the file now holds all three, and the note is gone (the figure's stays)."""
    synthetic = Path(__file__).parents[2] / "sample_data" / "synthetic_runs.csv"
    rows = [
        line.split(",")
        for line in synthetic.read_text().splitlines()[1:]
        if line.startswith("alpha,") and ",alpha_val," in line
    ]
    table = ["dataset,N,D,eval,loss,split"]
    table += [f"{r[0]},{r[1]},{r[2]},{r[4]},{r[5]},{r[7]}" for r in rows]
    table += [
        f"{line},sweep" for line in fixed_d_csv(tmp_path / "fd.csv", seed=11).read_text().splitlines()[1:]
    ]
    mixed = tmp_path / "mixed.csv"
    mixed.write_text("\n".join(table) + "\n")
    assert run("ingest", mixed).exit_code == 0
    laws, figure = tmp_path / "laws.json", tmp_path / "laws.png"
    out = run("fit-law", "--split", "sweep", "--save", laws, "--plot", figure)
    assert out.exit_code == 0, out.stderr
    assert f"wrote {laws} (3 laws)" in out.stderr
    assert "not in the law file" not in out.stderr
    assert "not in the figure: code/code_val, web/web_val (2 laws) in N at one D" in out.stderr
    doc = json.loads(laws.read_text())
    assert [(law["dataset"], law["form"]) for law in doc["laws"]] == [
        ("alpha", "l2l"),
        ("code", "line"),
        ("web", "line"),
    ]
    each = run("predict", "--law", laws, "-d", "all", "--N", "1.28B", "--D", "10B", "--format", "json")
    assert each.exit_code == 0, each.stderr
    assert [r["form"] for r in json.loads(each.stdout)["rows"]] == ["l2l", "line", "line"]
