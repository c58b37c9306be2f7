"""read_runs takes a DataFrame (polars or pandas) as it takes a file: the same checks, the same runs; a bad cell is
named by the frame's index."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import l2l

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data" / "brandfonbrener2024_runs.csv"
KEY = ["dataset", "eval", "N", "D", "run_id"]


def _table() -> pl.DataFrame:
    return pl.read_csv(SAMPLE).filter(pl.col("dataset").is_in(["fineweb-edu-100b", "starcoder"]))


def test_a_polars_frame_reads_as_the_file_it_came_from(tmp_path: Path) -> None:
    table = _table()
    path = tmp_path / "runs.csv"
    table.write_csv(path)
    from_file = l2l.read_runs(path)
    from_frame = l2l.read_runs(table)
    assert from_frame.frame.sort(KEY).equals(from_file.frame.sort(KEY))
    assert from_frame.provenance[0]["path"] == "DataFrame"
    assert from_frame.provenance[0]["format"] == "dataframe"
    assert from_frame.provenance[0]["abspath"] is None


def test_a_pandas_frame_reads_as_the_polars_one() -> None:
    pd = pytest.importorskip("pandas")
    table = _table()
    frame = pd.DataFrame({c: table[c].to_list() for c in table.columns})
    assert l2l.read_runs(frame).frame.sort(KEY).equals(l2l.read_runs(table).frame.sort(KEY))


def test_a_bad_cell_of_a_frame_is_named_by_its_index_and_column() -> None:
    table = _table().with_row_index("i")
    bad = table.with_columns(
        pl.when(pl.col("i") == 5).then(-1.0).otherwise(pl.col("loss")).alias("loss")
    ).drop("i")
    with pytest.raises(l2l.InputError) as err:
        l2l.read_runs(bad)
    assert str(err.value).startswith("DataFrame, column 'loss': index 5: loss must be > 0")


def test_frames_and_files_mix_and_several_frames_are_numbered(tmp_path: Path) -> None:
    table = _table()
    web, code = (
        table.filter(pl.col("dataset") == "fineweb-edu-100b"),
        table.filter(pl.col("dataset") == "starcoder"),
    )
    path = tmp_path / "code.csv"
    code.write_csv(path)
    mixed = l2l.read_runs([web, path])
    assert mixed.frame.sort(KEY).equals(l2l.read_runs(table).frame.sort(KEY))
    with pytest.raises(l2l.InputError, match=r"^DataFrame 2, column 'loss'"):
        l2l.read_runs([web, code.with_columns(pl.lit(-1.0).alias("loss"))])


def test_anything_else_is_a_usage_error_naming_what_read_runs_takes() -> None:
    with pytest.raises(l2l.UsageError, match="read_runs takes file paths or DataFrames, got int"):
        l2l.read_runs(42)  # type: ignore[arg-type]
    with pytest.raises(l2l.UsageError, match="got dict"):
        l2l.read_runs([{"dataset": "a"}])
