"""Names are data (issue 18): never read as rich markup, control characters shown as escapes in tables and error
lines, JSON escaped as JSON, CSV cells that a spreadsheet would run neutralised with a leading quote."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest

from l2l.base.text import visible
from l2l.output.render import csv_text, render
from l2l.output.report import Column, Report
from tests.conftest import write

HOSTILE = [
    "[/]",
    "[bold red]x[/]",
    "\x1b[2J\x1b]0;owned\x07",
    "=cmd|' /C calc'!A0",
    "\u202eevil",
    "tab\there",
]


def rendered(rep: Report, fmt: str) -> str:
    out: list[str] = []
    render(rep, fmt, write=out.append)
    return "".join(out)


def report() -> Report:
    return Report(
        kind="names",
        columns=[Column("name", justify="left"), Column("value")],
        rows=[{"name": n, "value": float(i)} for i, n in enumerate(HOSTILE)],
        title="runs of [bold]x[/bold]",
        notes=["a note about [/] and \x1b[31mred\x1b[0m"],
    )


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("plain é 中 🙂", "plain é 中 🙂"),
        ("\x1b[2J", "\\x1b[2J"),
        ("a\nb\rc\td", "a\\nb\\rc\\td"),
        ("\x9b31m", "\\x9b31m"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("\u202eevil\u2066", "\\u202eevil\\u2066"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("tag\U000e0041", "tag\\U000e0041"),
        ("back\\slash", "back\\slash"),
    ],
)
def test_visible_shows_what_a_terminal_would_act_on(text: str, shown: str) -> None:
    assert visible(text) == shown


def test_a_table_shows_names_literally() -> None:
    out = rendered(report(), "table")
    for name in ("[/]", "[bold red]x[/]", "\\x1b[2J\\x1b]0;owned\\x07", "\\u202eevil", "tab\\there"):
        assert name in out
    assert "runs of [bold]x[/bold]" in out
    assert "a note about [/] and \\x1b[31mred\\x1b[0m" in out
    assert "\x1b" not in out
    assert "\u202e" not in out
    assert "\t" not in out


def test_a_narrow_table_shows_names_literally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "12")  # the vertical layout: one block per row
    out = rendered(report(), "table")
    assert "— row 1 of 6" in out
    assert "[boldred]x[/]" in "".join(out.split())  # values fold, never truncated
    assert "\x1b" not in out


def test_json_escapes_as_json() -> None:
    out = rendered(report(), "json")
    assert "\x1b" not in out
    assert "\\u001b[2J" in out
    doc = json.loads(out)
    assert [r["name"] for r in doc["rows"]] == HOSTILE  # lossless


def test_csv_cells_a_spreadsheet_would_run_are_neutralised() -> None:
    out = rendered(report(), "csv")
    assert "\x1b" not in out
    cells = [r[0] for r in csv.reader(io.StringIO(out))][1:]
    assert cells == [
        "[/]",
        "[bold red]x[/]",
        "\\x1b[2J\\x1b]0;owned\\x07",
        "'=cmd|' /C calc'!A0",
        "\\u202eevil",
        "tab\\there",
    ]


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("=1+1", "'=1+1"),
        ("+1", "'+1"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "\\t=1"),  # a tab is shown as an escape, which no spreadsheet runs
        ("\r=1", "\\r=1"),
        ("web", "web"),
        ("a=b", "a=b"),
    ],
)
def test_csv_text(text: str, cell: str) -> None:
    assert csv_text(text) == cell


def test_numbers_in_csv_are_never_quoted() -> None:
    rep = Report(kind="n", columns=[Column("x")], rows=[{"x": -1.5}, {"x": -2}])
    assert rendered(rep, "csv") == "x\n-1.5\n-2\n"


def test_hostile_names_through_the_command_line(run: Any, tmp_path: Path) -> None:
    rows = "".join(
        f'"{n}",{n2},{d},val,{loss}\n'
        for n, n2, d, loss in [
            ("[/]", "1e8", "2e9", 3.1),
            ("[bold red]x[/]", "2e8", "4e9", 2.9),
            ("\x1b[2Jevil", "4e8", "8e9", 2.7),
            ("=cmd|calc", "8e8", "16e9", 2.5),
        ]
    )
    table = write(tmp_path / "names.csv", "dataset,N,D,eval,loss\n" + rows)
    assert run("ingest", table).exit_code == 0
    shown = run("runs")
    assert shown.exit_code == 0, shown.stderr
    assert "[/]" in shown.stdout
    assert "[bold red]x[/]" in shown.stdout
    assert "\\x1b[2Jevil" in shown.stdout
    assert "\x1b" not in shown.stdout
    as_csv = run("runs", "--format", "csv").stdout
    assert "'=cmd|calc" in as_csv
    assert "\x1b" not in as_csv
    # an error naming a hostile name is one line, shown literally
    result = run("fit-law", "--dataset", "\x1b[2Jnope")
    assert result.exit_code == 1
    assert "\x1b" not in result.stderr
    assert result.stderr.startswith("Error: ")
    assert "\\x1b[2Jnope" in result.stderr


@pytest.mark.parametrize(
    ("dataset", "own"),
    [
        ("$x$-mix", "x_mix_val"),
        ("papers (2024)", "papers_2024_val"),
        ("[bold]red[/bold]", "bold_red_bold_val"),
        ("wéb-文本", "wéb_文本_val"),
        ("fineweb-edu-100b", "fineweb_edu_100b_val"),
    ],
)
def test_a_punctuated_dataset_name_finds_its_own_eval(dataset: str, own: str) -> None:
    """Every run of punctuation counts as one separator (``$x$-mix`` missed ``x_mix_val``, and ``predict -d all``
    then refused every dataset of the table)."""
    from l2l.base.runs import named_after

    assert named_after(dataset, [own, "common_val", "hellaswag_ce_loss"]) == own
