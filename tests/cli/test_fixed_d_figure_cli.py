"""A fixed-D sweep's laws in N at one D, asked for as a figure or a law file: the figure is drawn (it was skipped
with exit 0 and a note), the law file holds them (it was refused: exit 1, nothing written; a table with no law at
all still is), and a figure that needs a law in N and D names the one that draws them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from l2l.testing.shapes import fixed_d_csv


def test_fit_law_plot_draws_the_laws_in_n_at_one_d(run: Any, tmp_path: Path) -> None:
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=11)).exit_code == 0
    figure = tmp_path / "laws.png"
    out = run("fit-law", "--plot", figure)
    assert out.exit_code == 0, out.stderr
    assert figure.stat().st_size > 10_000
    assert "not in the figure" not in out.stderr
    drawn = tmp_path / "plot.png"
    assert run("plot", "law", "-o", drawn).exit_code == 0
    assert drawn.stat().st_size > 10_000


def test_a_law_file_of_laws_in_n_at_one_d_alone_is_written_and_of_no_law_is_not(
    run: Any, tmp_path: Path
) -> None:
    """`fit-law --save F.json` on a fixed-D sweep was refused (exit 1, nothing written; before that, exit 0 with no
    file): its laws in N at one D are now records of the file. A table with no law at all still writes nothing and
    exits 1 (four sizes at one D: too few for a law in N)."""
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=11)).exit_code == 0
    target = tmp_path / "laws.json"
    out = run("fit-law", "--save", target)
    assert out.exit_code == 0, out.stderr
    assert f"wrote {target} (2 laws)" in out.stderr
    assert "not in the" not in out.stderr
    assert "web" in out.stdout
    assert [(law["dataset"], law["form"]) for law in json.loads(target.read_text())["laws"]] == [
        ("code", "line"),
        ("web", "line"),
    ]
    rows = (tmp_path / "fd.csv").read_text().splitlines()
    few = tmp_path / "few.csv"
    few.write_text("\n".join([rows[0], *(r for r in rows[1:] if int(r.split(",")[1]) <= 160_000_000)]) + "\n")
    assert run("ingest", few).exit_code == 0
    nothing = tmp_path / "none.json"
    refused = run("fit-law", "--save", nothing)
    assert refused.exit_code == 1
    assert "Traceback" not in refused.stderr
    assert not nothing.exists()


def test_a_figure_that_needs_a_law_in_n_and_d_names_the_one_that_draws_them(run: Any, tmp_path: Path) -> None:
    assert run("ingest", fixed_d_csv(tmp_path / "fd.csv", seed=11)).exit_code == 0
    figure = tmp_path / "residuals.png"
    out = run("plot", "residuals", "-o", figure)
    assert out.exit_code == 1
    (line,) = out.stderr.strip().splitlines()
    assert line.startswith(
        "Error: no law in N and D to draw the residuals figure of: code/code_val, web/web_val"
    )
    assert "l2l plot law draws them" in line
    assert not figure.exists()


def test_beside_a_law_in_n_and_d_the_figure_names_the_fixed_d_laws_it_leaves_out(
    run: Any, tmp_path: Path
) -> None:
    rng = np.random.default_rng(5)
    lines = ["dataset,N,D,eval,loss"]
    for n in (20e6, 40e6, 80e6, 160e6, 320e6, 640e6):
        for d in (2e9, 5e9, 1e10, 2e10):  # a grid: a law in N and D
            loss = (1.8 + (4.8e8 / n + 2e9 / d) ** 0.3) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"web,{n:.0f},{d:.0f},web_val,{loss:.6f}")
        loss = (1.2 + (4.8e8 / n + 0.2) ** 0.3) * (1 + rng.normal(0.0, 0.004))
        lines.append(f"code,{n:.0f},10000000000,code_val,{loss:.6f}")  # every code run at one D
    table = tmp_path / "mixed.csv"
    table.write_text("\n".join(lines) + "\n")
    assert run("ingest", table).exit_code == 0
    figure = tmp_path / "laws.png"
    out = run("plot", "law", "-o", figure)
    assert out.exit_code == 0, out.stderr
    assert figure.exists()
    assert "not in the figure: code/code_val in N at one D" in " ".join(out.stderr.split())
    alone = tmp_path / "code.png"
    assert run("plot", "law", "--dataset", "code", "-o", alone).exit_code == 0
    assert alone.exists()
