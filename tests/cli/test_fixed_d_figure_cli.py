"""A fixed-D sweep's laws in N at one D, asked for as a figure or a law file: the figure is drawn (it was skipped
with exit 0 and a note), a law file that would hold none of them is refused in one line (exit 1, nothing written),
and a figure that needs a law in N and D names the one that draws them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np


def _fixed_d_table(path: Path) -> Path:
    """Two datasets, six sizes each, every run at D = 10B (seeded, 0.4 % noise)."""
    rng = np.random.default_rng(11)
    lines = ["dataset,N,D,eval,loss"]
    for name, e in (("web", 1.8), ("code", 1.2)):
        for n in (20e6, 40e6, 80e6, 160e6, 320e6, 640e6):
            loss = (e + (4.8e8 / n + 0.2) ** 0.3) * (1 + rng.normal(0.0, 0.004))
            lines.append(f"{name},{n:.0f},10000000000,{name}_val,{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


def test_fit_law_plot_draws_the_laws_in_n_at_one_d(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _fixed_d_table(tmp_path / "fd.csv")).exit_code == 0
    figure = tmp_path / "laws.png"
    out = run("fit-law", "--plot", figure)
    assert out.exit_code == 0, out.stderr
    assert figure.stat().st_size > 10_000
    assert "not in the figure" not in out.stderr
    drawn = tmp_path / "plot.png"
    assert run("plot", "law", "-o", drawn).exit_code == 0
    assert drawn.stat().st_size > 10_000


def test_a_law_file_of_laws_in_n_at_one_d_alone_is_refused_and_not_written(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _fixed_d_table(tmp_path / "fd.csv")).exit_code == 0
    target = tmp_path / "laws.json"
    out = run("fit-law", "--save", target)
    assert out.exit_code == 1
    err = out.stderr.strip().splitlines()
    assert len(err) == 1
    assert "Traceback" not in out.stderr
    assert err[0].startswith(f"Error: {target}: not written: code/code_val, web/web_val")
    assert "in N at one D" in err[0]
    assert not target.exists()
    assert "web" in out.stdout  # the laws themselves are printed before the refusal


def test_a_figure_that_needs_a_law_in_n_and_d_names_the_one_that_draws_them(run: Any, tmp_path: Path) -> None:
    assert run("ingest", _fixed_d_table(tmp_path / "fd.csv")).exit_code == 0
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
