"""Slips in a table that a reader meets (probes h1, h3): a delimiter at the end of every data row, another format
under a text table's name, one run's N or D far from every other's, and interleaved runs under one key of a
per-step log averaged at their final checkpoint."""

from __future__ import annotations

import gzip
import io
import zipfile
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from l2l.base.errors import InputError
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs

SIZES = (2e7, 4e7, 8e7, 1.6e8, 3.2e8, 6.4e8)
MULTIPLES = (5, 10, 20, 40)


def _loss(n: float, d: float) -> float:
    return 1.8 + 400.0 / n**0.34 + 400.0 / d**0.28


def _rows(n_of: dict[str, float] | None = None, d_of: dict[str, float] | None = None) -> list[str]:
    """A sweep of 24 runs on one dataset, two evals each (``run_id`` web-<N>-<multiple>x); ``n_of``/``d_of`` give a
    run's N or D instead of its own."""
    out = ["dataset,N,D,eval,loss,run_id"]
    for n in SIZES:
        for m in MULTIPLES:
            rid = f"web-{n:g}-{m}x"
            nn, d = (n_of or {}).get(rid, n), (d_of or {}).get(rid, n * m)
            for ev, k in (("web_val", 1.0), ("code_val", 1.2)):
                out.append(f"web,{nn!r},{d!r},{ev},{k * _loss(n, n * m):.6f},{rid}")
    return out


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n")
    return path


def _notes(runs: Any) -> str:
    return "\n".join(n for p in runs.provenance for n in p.get("decisions", []))


# ---- a delimiter at the end of every data row ---------------------------------------------------------------


@pytest.mark.parametrize(("sep", "suffix", "word"), [(",", "csv", "comma"), ("\t", "tsv", "tab")])
def test_a_trailing_delimiter_on_every_data_row_is_dropped_with_a_note(
    tmp_path: Path, sep: str, suffix: str, word: str
) -> None:
    lines = [ln.replace(",", sep) for ln in _rows()]
    plain = read_runs([_write(tmp_path / f"plain.{suffix}", lines)])
    # the header without it, every data row with it: an extra field, empty in every row
    trailing = _write(tmp_path / f"trailing.{suffix}", [lines[0], *(ln + sep for ln in lines[1:])])
    runs = read_runs([trailing])
    assert runs.frame.equals(plain.frame)
    assert (
        f"every data row ends with a {word} the header does not (an empty last field): that field dropped"
        in (_notes(runs))
    )
    assert "field dropped" not in _notes(plain)


def test_a_trailing_delimiter_read_from_a_scanned_file_too(tmp_path: Path) -> None:
    """A file past the scanner's 64 kB head: the byte pass finds the ragged lines and the careful reader drops the
    field (the line numbers stay right)."""
    lines = _rows()
    body = [ln + "," for ln in lines[1:]] * 40  # repeats, averaged: 1,920 rows, > 64 kB
    runs = read_runs([_write(tmp_path / "big.csv", [lines[0], *body])])
    assert runs.frame.height == 48
    assert "that field dropped" in _notes(runs)


def test_a_trailing_delimiter_on_some_rows_is_refused_naming_it(tmp_path: Path) -> None:
    lines = _rows()
    mixed = [lines[0], *(ln + ("," if i % 2 else "") for i, ln in enumerate(lines[1:]))]
    with pytest.raises(InputError) as err:
        read_runs([_write(tmp_path / "some.csv", mixed)])
    assert err.value.line == 3
    assert "expected 6 fields as in the header, found 7" in err.value.message
    assert (
        err.value.hint == "these lines end with a comma the header does not (an empty last field): delete it"
    )


def test_an_extra_field_with_values_is_still_ragged(tmp_path: Path) -> None:
    """Only an empty last field is a trailing delimiter: a value there is a column the header does not name."""
    lines = _rows()
    with pytest.raises(InputError) as err:
        read_runs([_write(tmp_path / "extra.csv", [lines[0], *(ln + ",x" for ln in lines[1:])])])
    assert "expected 6 fields" in err.value.message
    assert "empty last field" not in (err.value.hint or "")


def test_a_trailing_comma_through_the_cli_is_one_note(run: Any, tmp_path: Path) -> None:
    lines = _rows()
    path = _write(tmp_path / "t.csv", [lines[0], *(ln + "," for ln in lines[1:])])
    res = run("ingest", path)
    assert res.exit_code == 0, res.output
    assert (
        f"{path}: every data row ends with a comma the header does not (an empty last field): that field dropped"
        in (res.stdout)
    )


# ---- another format under a text table's name ----------------------------------------------------------------


def _parquet_bytes() -> bytes:
    buf = io.BytesIO()
    pl.DataFrame(
        {"dataset": ["web"], "N": [2e7], "D": [1e8], "eval": ["web_val"], "loss": [3.2]}
    ).write_parquet(buf)
    return buf.getvalue()


def _zip_bytes(names: tuple[str, ...]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name in names:
            z.writestr(name, "<x/>")
    return buf.getvalue()


TABLE = b"dataset,N,D,eval,loss\nweb,2e7,1e8,web_val,3.2\n"
GZ = gzip.compress(TABLE, mtime=0)


@pytest.mark.parametrize(
    ("name", "data", "what", "hint"),
    [
        ("runs.csv", GZ, "gzip-compressed data, not a text table (its first bytes are 1f 8b)",
         "name it runs.csv.gz: l2l reads .csv.gz, .tsv.gz, .ndjson.gz, .jsonl.gz compressed"),
        ("runs.jsonl", GZ, "gzip-compressed data", "name it runs.jsonl.gz"),
        ("runs.csv.gz", gzip.compress(GZ, mtime=0), "gzip-compressed data inside the gzip file",
         "gunzip it once more"),
        ("runs.tsv", _parquet_bytes(), "a Parquet file, not a text table (its first bytes are 'PAR1')",
         "name it runs.parquet: l2l reads Parquet so named"),
        ("runs.csv", _zip_bytes(("[Content_Types].xml", "xl/workbook.xml")),
         "an Excel workbook (xlsx, a zip archive), not a text table (its first bytes are 'PK' 03 04)",
         "save the sheet as CSV"),
        ("runs.csv", _zip_bytes(("runs.csv",)), "a zip archive, not a text table", "unzip it and read the table"),
    ],
    ids=["gzip", "gzip-jsonl", "gzip-twice", "parquet", "xlsx", "zip"],
)  # fmt: skip
def test_another_format_under_a_text_name_is_named_by_its_first_bytes(
    run: Any, ws_path: Path, tmp_path: Path, name: str, data: bytes, what: str, hint: str
) -> None:
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(InputError) as err:
        read_runs([path])
    assert what in err.value.message
    assert hint in (err.value.hint or "")
    res = run("ingest", path)  # one line, exit 1, no workspace
    assert res.exit_code == 1
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"Error: {path}: ")
    assert not ws_path.exists()


def test_a_nul_byte_in_text_is_still_binary_data(tmp_path: Path) -> None:
    path = tmp_path / "bin.csv"
    path.write_bytes(b"\x00\x01\x02 dataset,N\n")
    with pytest.raises(InputError, match="a NUL byte: this is binary data"):
        read_runs([path])


# ---- one run's N or D far from every other's ------------------------------------------------------------------


def test_one_runs_n_a_thousand_times_off_is_warned_naming_its_run_and_line(run: Any, tmp_path: Path) -> None:
    path = _write(tmp_path / "typo.csv", _rows(n_of={"web-8e+07-20x": 8e10}))
    runs = read_runs([path])
    notes = _notes(runs)
    assert (
        "warning: N = 80B of run 'web-8e+07-20x' (dataset 'web', line 22) lies 2.1 decades above every other "
        "run's (the other 23 runs: N 20M–640M): a typo, or a value in another unit?"
    ) in notes
    assert "(--where 'N<6.4B')" in notes
    # the filter it names leaves that run out, and the warning with it
    kept = read_runs([path], where=["N<6.4B"])
    assert kept.n_runs == 23
    assert "decades" not in _notes(kept)
    res = run("ingest", path)  # said once, through the CLI
    assert res.exit_code == 0
    assert res.stdout.count("lies 2.1 decades above") == 1


def test_one_runs_d_far_below_the_others_is_warned(tmp_path: Path) -> None:
    runs = read_runs([_write(tmp_path / "d.csv", _rows(d_of={"web-2e+07-5x": 1e5}))])
    assert "warning: D = 100K of run 'web-2e+07-5x' (dataset 'web', line 2) lies 3.3 decades below" in _notes(
        runs
    )
    assert "(--where 'D>20M')" in _notes(runs)


def test_a_far_n_in_one_eval_row_only_is_named_by_that_row(tmp_path: Path) -> None:
    lines = _rows()
    lines[11] = lines[11].replace(",40000000.0,", ",4e+19,", 1)  # (h1's bigint.jsonl: one row's N)
    runs = read_runs([_write(tmp_path / "row.csv", lines)])
    assert "warning: N = 4e19 of run 'web-4e+07-10x' (dataset 'web', line 12) lies 10.8 decades above" in (
        _notes(runs)
    )


@pytest.mark.parametrize(
    "sizes",
    [
        (2e7, 4e7, 8e7, 1.6e8, 3.2e8, 6.4e8),  # a sweep
        (1e6, 1e7, 1e8, 1e9, 1e10, 1e11),  # a decade apart each
        (2e7, 4e7, 8e7, 1.6e8, 3.2e8, 1e10),  # the largest 1.5 decades beyond: a big model, not a slip
    ],
)
def test_sweeps_far_apart_but_evenly_are_not_warned(tmp_path: Path, sizes: tuple[float, ...]) -> None:
    lines = ["dataset,N,D,eval,loss"]
    lines += [f"web,{n!r},{20 * n!r},web_val,{_loss(n, 20 * n):.6f}" for n in sizes]
    assert "decades" not in _notes(read_runs([_write(tmp_path / "s.csv", lines)]))


def test_two_runs_far_off_are_warned_together_but_three_are_a_sweep(tmp_path: Path) -> None:
    two = read_runs([_write(tmp_path / "two.csv", _rows(n_of={"web-2e+07-5x": 2e4, "web-2e+07-10x": 2e4}))])
    assert "warning: N = 20K of run 'web-2e+07-10x'" in _notes(two)
    assert "and N = 20K of run 'web-2e+07-5x'" in _notes(two)
    assert "lie 3.0 decades below every other run's" in _notes(two)
    three = {f"web-2e+07-{m}x": 2e4 for m in (5, 10, 20)}
    assert "decades" not in _notes(read_runs([_write(tmp_path / "three.csv", _rows(n_of=three))]))


def test_of_two_runs_apart_only_the_far_one_is_warned(tmp_path: Path) -> None:
    """The gap is measured from the far group's value nearest the rest: 20K and 15M below a sweep from 20M are one
    run 2.9 decades off and one beside the sweep, not two runs 3.0 decades off."""
    runs = read_runs([_write(tmp_path / "d.csv", _rows(n_of={"web-2e+07-5x": 2e4, "web-2e+07-10x": 1.5e7}))])
    notes = _notes(runs)
    assert "warning: N = 20K of run 'web-2e+07-5x' (dataset 'web', line 2) lies 2.9 decades below" in notes
    assert "15M of run" not in notes


def test_the_papers_runs_are_not_warned(paper_runs: Any) -> None:
    assert "decades" not in _notes(paper_runs)


def test_the_synthetic_shapes_are_not_warned(tmp_path: Path) -> None:
    from l2l.testing.shapes import SHAPES

    for name, make in SHAPES.items():
        shape = make()
        path = tmp_path / f"{name}.csv"
        shape.write(str(path))
        wide = "--wide" in shape.ingest_args
        cols = dict(a.split("=", 1) for a in shape.ingest_args if "=" in a)
        # (as benchmarks/bench_real_tables.py ingests them: the setups of one shape one at a time, a sweep's best)
        where = ["config=base"] if name == "configs" else []
        best = "peak_lr" if name == "no_run_id_log" else None
        runs = read_runs([path], wide=wide, columns=cols, where=where, best_of=best)
        assert "decades" not in _notes(runs), name


# ---- interleaved runs under one key of a per-step log -------------------------------------------------------


def _log(tmp_path: Path, *, end: float, apart: float) -> Path:
    """A per-step log of four sizes (``model``, read as the run id), one run each, except that the key of
    ``m40`` holds two runs with the same steps: their losses ``apart`` at each step but the last, ``end`` there."""
    lines = ["dataset,model,N,step,D,eval,loss"]
    for n, model in ((2e7, "m20"), (4e7, "m40"), (8e7, "m80"), (1.6e8, "m160")):
        for step in range(1, 6):
            d = step * 4 * n
            loss = _loss(n, d)
            lines.append(f"web,{model},{n!r},{step},{d!r},web_val,{loss:.6f}")
            if model == "m40":
                lines.append(
                    f"web,{model},{n!r},{step},{d!r},web_val,{loss * (1 + (end if step == 5 else apart)):.6f}"
                )
    return _write(tmp_path / "log.csv", lines)


def test_interleaved_runs_averaged_at_their_final_checkpoint_say_how_far_apart(tmp_path: Path) -> None:
    runs = read_runs([_log(tmp_path, end=0.005, apart=0.3)])
    assert runs.n_runs == 4
    notes = _notes(runs)
    assert (
        "1 measurement repeated with nothing telling the rows apart: averaged, their losses up to 0.5 % apart; "
        "they are final checkpoints of a per-step log whose run key (run_id) holds rows up to 30 % apart "
        "at one checkpoint (e.g. dataset=web, run_id=m40, eval web_val, step 1: 4.859 to 6.316): the key may not "
        "identify runs (several interleaved?); --checkpoints all shows them apart"
    ) in notes
    with pytest.raises(InputError, match="30 % apart: not averaged"):  # as the note says
        read_runs([tmp_path / "log.csv"], checkpoints="all")


@pytest.mark.parametrize("apart", [0.0, 0.005])
def test_a_checkpoint_logged_twice_is_averaged_as_before(tmp_path: Path, apart: float) -> None:
    """Rows that agree at every checkpoint (one logged twice, a re-evaluation's noise) say nothing of runs."""
    notes = _notes(read_runs([_log(tmp_path, end=0.004, apart=apart)]))
    assert "1 measurement repeated with nothing telling the rows apart: averaged\n" in notes + "\n"
    assert "interleaved" not in notes


def test_a_number_written_with_a_comma_unquoted_names_the_comma(tmp_path: Path) -> None:
    """A decimal comma (``1,3B``) or thousands separators (``1,000,000``) in an unquoted field made a ragged row,
    "expected 5 fields as in the header, found 6", with no word of why (probe h23); two long counts side by side
    (N and D of a row with one field too many) are no such number."""
    head = "dataset,N,D,eval,loss"
    cases = {
        "decimal.csv": ("web,1,3B,26B,web_val,3.0", "a decimal comma ('1,3B'), unquoted"),
        "thousands.csv": ("web,1,000,000,2e7,web_val,3.0", "thousands separators ('1,000…'), unquoted"),
    }
    for name, (row, said) in cases.items():
        with pytest.raises(InputError) as err:
            read_runs([_write(tmp_path / name, [head, row, "web,2e9,4e10,web_val,2.8"])])
        assert "fields as in the header" in err.value.message
        assert said in (err.value.hint or "")
    with pytest.raises(InputError) as err:
        read_runs([_write(tmp_path / "counts.csv", [head, "web,100000000,2000000000,web_val,3.0,x"])])
    assert "comma" not in (err.value.hint or "")


@pytest.mark.parametrize("cell", ["inf", "-inf"])
def test_an_infinite_loss_in_a_long_table_is_told_the_where_that_leaves_its_row_out(
    tmp_path: Path, cell: str
) -> None:
    """A diverged run's `inf` was told "delete the row, or fill the cell" where `--where 'loss!=inf'` works (h95)."""
    rows = [
        "dataset,N,D,eval,loss",
        "web,2e7,4e8,web_val,3.3",
        f"web,4e7,8e8,web_val,{cell}",
        "web,8e7,1.6e9,web_val,2.9",
    ]
    path = tmp_path / "long.csv"
    path.write_text("\n".join(rows) + "\n")
    with pytest.raises(InputError, match="line 3, column 'loss': not a finite number") as info:
        read_runs([path])
    assert info.value.hint == f"correct the cell, or leave its row out: --where 'loss!={cell}'"
    assert read_runs([path], where=parse_where([f"loss!={cell}"])).frame.height == 2
