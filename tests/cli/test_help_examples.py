"""A ``--help`` example that names a table we ship or keep beside the checkout runs on that table as printed.

``l2l ingest --help`` offered ``l2l ingest porian.csv --where 'config=base*'`` for "one configuration of several";
on Porian et al.'s table (``../shared/data/public/porian2024_rsld.csv``) ``base*`` matches seven of its ten
configurations, and the pasted example was refused (exit 1, "388 measurements … come from several runs that differ
in config": helper h72)."""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path
from typing import Any

import pytest

PUBLIC = next(
    (
        p / "shared" / "data" / "public"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/public").is_dir()
    ),
    None,
)


def _example(command: str, table: str) -> list[str]:
    """The arguments of ``command``'s help example that reads ``table``, as a shell would split them."""
    import typer.main

    from l2l.cli import app

    epilog = typer.main.get_command(app).commands[command].epilog or ""  # type: ignore[attr-defined]
    (line,) = [s.strip() for s in epilog.splitlines() if s.strip().startswith(f"l2l {command} {table}")]
    return shlex.split(line)[1:]


@pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")
def test_ingest_help_where_example_keeps_one_porian_configuration(run: Any, ws_path: Path) -> None:
    assert PUBLIC is not None
    # the CLI runs in ws_path's parent (the ws_path fixture's cwd), where the example's relative name points
    shutil.copy(PUBLIC / "porian2024_rsld.csv", ws_path.parent / "porian.csv")
    args = _example("ingest", "porian.csv")
    assert any(a.startswith("config=") for a in args), args
    result = run(*args)
    assert result.exit_code == 0, result.output
    assert "176 runs, 2 datasets, 2 loss evals (176 rows)" in result.stdout
    assert "1569 of 1745 rows left out" in result.stdout


def test_predict_help_via_example_names_a_run_of_the_sample_it_is_written_for(paper_csv: Path) -> None:
    """``l2l predict --help`` showed ``--from-run RUN_ID``: pasted, "no run 'RUN_ID' in the table" (exit 1). Its
    other examples name the paper's sample (fineweb-edu, starcoder); so does this one, a run of its target there."""
    import polars as pl

    args = _example("predict", "--via all")
    run_id, target = args[args.index("--from-run") + 1], args[args.index("--target") + 1]
    runs = pl.read_csv(paper_csv).filter(pl.col("run_id") == run_id)
    assert runs.height > 0, run_id
    assert runs["dataset"].unique().to_list() == [f"{target}"], runs["dataset"].unique().to_list()
