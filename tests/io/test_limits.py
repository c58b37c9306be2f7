"""Inputs with limits (issue 18): special files refused before reading, bytes, rows, gzip ratio and JSON nesting
bounded with a message naming the limit and its variable, bad text refused in every format, and every number
in range after every derivation (C = 6·N·D included)."""

from __future__ import annotations

import gzip
import io
import json
import os
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from l2l.base.errors import InputError, UsageError
from l2l.io import limits
from l2l.io.tables import read_runs
from tests.conftest import write

GOOD = "dataset,N,D,eval,loss\nweb,1e8,2e9,val,3.1\nweb,2e8,4e9,val,2.9\nweb,4e8,8e9,val,2.7\n"


def refused(path: Path, **kwargs: Any) -> InputError:
    with pytest.raises(InputError) as info:
        read_runs([path], **kwargs)
    return info.value


# ----------------------------------------------------------------------------------------------------
# Special and unreadable files


def test_a_fifo_is_refused_without_being_opened(tmp_path: Path) -> None:
    fifo = tmp_path / "runs.csv"
    os.mkfifo(fifo)
    start = time.monotonic()
    err = refused(fifo)
    assert str(err) == f"{fifo}: is a FIFO (named pipe); l2l reads regular files only"
    assert time.monotonic() - start < 5


def test_a_device_behind_a_table_name_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    assert str(refused(link)) == f"{link}: is a character device; l2l reads regular files only"


def test_an_unreadable_file_exits_like_a_missing_one(
    run: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    table = write(tmp_path / "locked.csv", GOOD.replace('"', ""))
    real_open = Path.open

    def no_access(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self.name == "locked.csv":
            raise PermissionError(13, "Permission denied")
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", no_access)  # (the tests run as root, who may read anything)
    locked = run("ingest", table)
    missing = run("ingest", tmp_path / "missing.csv")
    assert locked.exit_code == missing.exit_code == 1
    assert locked.stderr == f"Error: {table}: cannot read the file (Permission denied)\n"
    assert missing.stderr == f"Error: {tmp_path / 'missing.csv'}: no such file. Hint: check the path\n"


# ----------------------------------------------------------------------------------------------------
# Limits: bytes, rows, gzip, nesting


def test_files_read_whole_are_limited_in_bytes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    quoted = write(tmp_path / "quoted.csv", GOOD.replace("web", '"web"') * 1)
    plain = write(tmp_path / "plain.csv", GOOD)
    monkeypatch.setenv("L2L_MAX_READ_MB", str(50 / 2**20))  # 50 bytes
    err = refused(quoted)
    assert "is 0 MB, more than l2l reads into memory at once: 0 MB (set L2L_MAX_READ_MB to raise it)" in str(
        err
    )
    assert err.hint is not None
    assert "streamed" in err.hint
    assert read_runs([plain]).frame.height == 3  # a plain CSV is streamed, not read whole


def test_a_gzip_bomb_is_refused_before_it_fills_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "GZIP_FREE_BYTES", 1 << 16)
    bomb = tmp_path / "bomb.csv.gz"
    bomb.write_bytes(gzip.compress(GOOD.encode() + b"web,1e8,2e9,val,3.1\n" * 200_000))
    assert bomb.stat().st_size < 40_000
    err = refused(bomb)
    assert str(err) == (
        f"{bomb}: decompresses to more than 100× its size (a gzip bomb?): the limit is 100× "
        "(set L2L_MAX_GZIP_RATIO to raise it)"
    )
    monkeypatch.setenv("L2L_MAX_GZIP_RATIO", "1000000")
    monkeypatch.setenv("L2L_MAX_READ_MB", "1")
    assert "decompresses to more than l2l reads into memory at once: 1 MB" in str(refused(bomb))


@pytest.mark.parametrize("kind", ["plain", "quoted", "ndjson", "parquet"])
def test_rows_are_limited(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kind: str) -> None:
    frame = pl.read_csv(io.StringIO(GOOD))
    path = (
        tmp_path / {"plain": "t.csv", "quoted": "q.csv", "ndjson": "t.ndjson", "parquet": "t.parquet"}[kind]
    )
    if kind == "plain":
        frame.write_csv(path)
    elif kind == "quoted":
        frame.write_csv(path, quote_style="always")
    elif kind == "ndjson":
        frame.write_ndjson(path)
    else:
        frame.write_parquet(path)
    monkeypatch.setenv("L2L_MAX_ROWS", "2")
    assert (
        str(refused(path))
        == f"{path}: has 3 rows, more than the limit of 2 rows (set L2L_MAX_ROWS to raise it)"
    )
    monkeypatch.setenv("L2L_MAX_ROWS", "3")
    assert read_runs([path]).frame.height == 3


def test_a_limit_that_is_not_a_number_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("L2L_MAX_ROWS", "lots")
    with pytest.raises(UsageError, match=r"L2L_MAX_ROWS='lots' is not a positive number"):
        read_runs([write(tmp_path / "t.csv", GOOD)])


def test_json_nesting_is_limited_without_recursion_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    record = '{"dataset": "web", "N": 1e8, "D": 2e9, "eval": "val", "loss": 3.1, "cfg": %s}\n'
    deep = write(tmp_path / "deep.ndjson", record % ("[" * 100_000 + "]" * 100_000))
    msg = f"{deep}, line 1: nested deeper than 64 levels (set L2L_MAX_JSON_DEPTH to raise it)"
    assert str(refused(deep)) == msg
    just = write(
        tmp_path / "just.ndjson", record % ("[" * 63 + "]" * 63) + (record % "1").replace("1e8", "2e8")
    )
    assert (
        read_runs([just]).frame.height == 2
    )  # 64 levels with the record itself: read (the column is not used)
    monkeypatch.setenv("L2L_MAX_JSON_DEPTH", "10")
    assert "nested deeper than 10 levels" in str(refused(just))


# ----------------------------------------------------------------------------------------------------
# Text that is not text, names that are not names


def test_a_lone_surrogate_in_ndjson_is_one_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "s.ndjson", '{"dataset": "a\\ud800b", "N": 1e8, "D": 2e9, "eval": "v", "loss": 3}\n'
    )
    assert str(refused(path)) == f"{path}, line 1: a lone surrogate (\\ud800) is not valid Unicode text"
    pair = write(
        tmp_path / "p.ndjson", '{"dataset": "\\ud83d\\ude00", "N": 1e8, "D": 2e9, "eval": "v", "loss": 3}\n'
    )
    assert read_runs([pair]).datasets == ["😀"]  # a surrogate pair is a character


def test_invalid_utf8_in_parquet_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "b.parquet"
    pl.DataFrame(
        {
            "dataset": [b"web", b"\xff\xfe"],
            "N": [1e8, 2e8],
            "D": [2e9, 4e9],
            "eval": ["v", "v"],
            "loss": [3.1, 2.9],
        }
    ).write_parquet(path)
    assert str(refused(path)) == f"{path}, column 'dataset': row 2: not valid UTF-8 text"
    fine = tmp_path / "fine.parquet"
    pl.DataFrame(
        {
            "dataset": [b"web", b"web"],
            "N": [1e8, 2e8],
            "D": [2e9, 4e9],
            "eval": ["v", "v"],
            "loss": [3.1, 2.9],
        }
    ).write_parquet(fine)
    assert read_runs([fine]).datasets == ["web"]  # bytes that are UTF-8 are text


def test_nul_in_a_name_is_refused_with_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path / "n.csv", GOOD.replace("web,2e8", "w\x00eb,2e8"))
    err = refused(path)
    assert str(err) == f"{path}, line 3, column 'dataset': a NUL byte in a name: 'w\\x00eb'"
    nd = write(
        tmp_path / "n.ndjson", '{"dataset": "w\\u0000eb", "N": 1e8, "D": 2e9, "eval": "v", "loss": 3}\n'
    )
    assert "line 1, column 'dataset': a NUL byte in a name" in str(refused(nd))


def test_binary_data_is_refused_before_it_is_parsed(tmp_path: Path) -> None:
    path = tmp_path / "sparse.csv"
    path.write_bytes(b"\x00" * 300_000)
    assert str(refused(path)) == f"{path}, line 1: a NUL byte: this is binary data, not a text table"


def test_json_objects_are_not_names(tmp_path: Path) -> None:
    obj = write(tmp_path / "o.ndjson", '{"dataset": {"a": 1}, "N": 1e8, "D": 2e9, "eval": "v", "loss": 3}\n')
    assert (
        str(refused(obj))
        == f"{obj}, line 1, column 'dataset': a JSON object where a name or a number belongs"
    )
    arr = write(tmp_path / "a.ndjson", '{"dataset": "web", "N": [1], "D": 2e9, "eval": "v", "loss": 3}\n')
    assert str(refused(arr)) == f"{arr}, line 1, column 'N': a JSON array where a name or a number belongs"
    # in a column that is not used, an object is just left there
    ok = write(
        tmp_path / "ok.ndjson",
        "".join(
            json.dumps({"dataset": "web", "N": n, "D": 2e9, "eval": "v", "loss": 3, "config": {"lr": 1}})
            + "\n"
            for n in (1e8, 2e8)
        ),
    )
    assert read_runs([ok]).frame.height == 2
    # text that looks like JSON, in a CSV, is a name like any other
    assert read_runs([write(tmp_path / "j.csv", GOOD.replace("web", '"{""a"": 1}"'))]).datasets == [
        '{"a": 1}'
    ]


# ----------------------------------------------------------------------------------------------------
# Numbers in range after every derivation


@pytest.mark.parametrize(
    ("cell", "message"),
    [
        ("N=1e308", "line 2, column 'N': N must be between 1e-30 and 1e30, got '1e308'"),
        ("N=1e-31", "line 2, column 'N': N must be between 1e-30 and 1e30, got '1e-31'"),
        ("loss=1e31", "line 2, column 'loss': loss must be between 1e-30 and 1e30, got '1e31'"),
        ("C=1e40", "line 2, column 'C': C must be between 1e-30 and 1e30, got '1e40'"),
        (
            "N=1e20",
            "line 2, column 'N': C = 6·N·D = 1.2e+30 is not between 1e-30 and 1e30 (N=1e+20, D=2e+09)",
        ),
        ("D=1e29", "line 2, column 'D': C = 6·N·D = 6e+37 is not between 1e-30 and 1e30 (N=1e+08, D=1e+29)"),
        ("N=1e30T", "line 2, column 'N': N must be between 1e-30 and 1e30, got '1e30T'"),
    ],
)
@pytest.mark.parametrize("quoted", [False, True], ids=["scanned", "careful"])
def test_every_number_is_in_range(tmp_path: Path, cell: str, message: str, quoted: bool) -> None:
    column, value = cell.split("=")
    header = "dataset,N,D,eval,loss" + (",C" if column == "C" else "")
    first = {
        "dataset": "web",
        "N": "1e8",
        "D": "2e9",
        "eval": "val",
        "loss": "3.1",
        "C": "1.2e18",
        column: value,
    }
    cols = header.split(",")
    lines = [header, ",".join(first[c] for c in cols)]
    lines += [
        ",".join({**first, "N": n, "C": "1e18", "loss": "3", "D": "2e9"}[c] for c in cols)
        for n in ("2e8", "4e8")
    ]
    text = "\n".join(lines) + "\n"
    if quoted:
        text = text.replace("web", '"web"')
    path = write(tmp_path / "t.csv", text)
    assert str(refused(path)) == f"{path}, {message}"


def test_a_missing_file_is_told_the_file_it_likely_meant_or_where_it_was_looked_for(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """ "no such file" named no fix (probe p66 NEW-F): a name one typo off gets the file of its folder, a missing
    folder is named, and a relative path says which folder it was read from."""
    write(tmp_path / "runs_2024.csv", GOOD)
    assert refused(tmp_path / "runs_2042.csv").hint == f"did you mean {str(tmp_path / 'runs_2024.csv')!r}?"
    assert refused(tmp_path / "nowhere" / "runs.csv").hint == (
        f"there is no folder {str(tmp_path / 'nowhere')!r}: check the path"
    )
    assert refused(tmp_path / "zzz.csv").hint == "check the path"
    monkeypatch.chdir(tmp_path)
    assert refused(Path("zzz.csv")).hint == (
        f"check the path: a relative path is read from the current folder ({tmp_path})"
    )


def test_c_out_of_range_in_an_accuracy_row_is_refused(tmp_path: Path) -> None:
    path = write(
        tmp_path / "acc.csv",
        "dataset,N,D,eval,loss,metric\nweb,1e8,2e9,v,3.1,loss\nweb,2e8,4e9,v,2.9,loss\nweb,1e20,2e15,quiz,0.3,accuracy\n",
    )
    assert "line 4, column 'N': C = 6·N·D = 1.2e+36 is not between" in str(refused(path))


def test_the_cli_says_it_in_one_line(run: Any, tmp_path: Path, ws_path: Path) -> None:
    path = write(tmp_path / "big.csv", GOOD.replace("1e8", "1e308"))
    result = run("ingest", path)
    assert result.exit_code == 1
    assert (
        result.stderr == f"Error: {path}, line 2, column 'N': N must be between 1e-30 and 1e30, got '1e308'. "
        "Hint: correct the cell, or delete its row\n"
    )
    assert not ws_path.exists()


def test_a_lone_cr_counts_as_a_line_end_in_messages(tmp_path: Path) -> None:
    """Found by the fuzz suite: a ragged row after a lone CR was an IndexError (lines counted two ways)."""
    path = tmp_path / "cr.tsv"
    path.write_bytes(b"dataset\tN\tD\teval\tloss\tx\t1e8\t2e9\tv\t3.1\n\r=1\t2e8\t2e9\tv\t2.9\n")
    assert str(refused(path)) == f"{path}, line 3: expected 10 fields as in the header, found 5"


@pytest.mark.parametrize(
    ("first", "said"),
    [
        (
            "# exported from wandb",
            "line 1 ('# exported from wandb') looks like a comment, taken as the header",
        ),
        ("sep=,", "line 1 ('sep=,') is Excel's separator line, taken as the header"),
        (
            "Runs of May",
            "line 1 ('Runs of May': 1 field, every row 5) was taken as the header: a title above it?",
        ),
    ],
)
def test_a_first_line_above_the_header_is_named_in_the_hint(tmp_path: Path, first: str, said: str) -> None:
    """Probe p60: "expected 1 fields as in the header, found 6 (also lines 3-194)", right, but nothing said that
    line 1 was taken as the header."""
    path = write(tmp_path / "t.csv", f"{first}\n{GOOD}")
    error = refused(path)
    assert str(error).startswith(f"{path}, line 2: expected ")
    assert (
        error.hint
        == f"{said}{' ' if said.endswith('?') else ': '}delete it, so that the header is the first line"
    )
    ragged = write(tmp_path / "r.csv", GOOD + "web,1e8\n")  # one row short: no word of line 1
    assert refused(ragged).hint is None


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_workers_variable_is_one_usage_line(
    ingested: Any, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("L2L_WORKERS", value)
    result = ingested("fit-law", "--split", "sweep")
    assert result.exit_code == 2
    assert result.stderr.splitlines()[0] == (
        f"Error: L2L_WORKERS={value!r} is not a positive whole number (processes for fits)"
    )


def test_the_workers_variable_sets_the_processes_of_a_command(
    ingested: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import l2l.workflows.session

    seen: list[int] = []
    real = l2l.workflows.session.open_session

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(kwargs["workers"])
        return real(*args, **kwargs)

    monkeypatch.setattr(l2l.workflows.session, "open_session", spy)
    for value in ("3", " 1 "):
        monkeypatch.setenv("L2L_WORKERS", value)
        assert ingested("fit-law", "--split", "sweep").exit_code == 0
    assert seen == [3, 1]
