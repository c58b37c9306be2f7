"""The render engine on its own: tables that never truncate a name at 80 columns, one JSON document per command,
plain CSV cells, and a progress bar that only appears when there is work to show."""

from __future__ import annotations

import csv
import io
import json

import pytest
from rich.cells import cell_len

from l2l.base.text import fmt_fixed, fmt_si
from l2l.output.render import ProgressBar, layout, render, to_json
from l2l.output.report import Column, Report

NAMES = ["fineweb-100b", "fineweb-edu-100b", "train-to-train", "train-to-test"]


def _wide_report(n_numbers: int = 12) -> Report:
    cols = [Column("dataset", justify="left"), Column("setting", justify="left")]
    cols += [Column(f"x{i}", f"number {i}", fmt=fmt_fixed(4)) for i in range(n_numbers)]
    rows = [
        {"dataset": ds, "setting": st, **{f"x{i}": 1000.0 + i + k for i in range(n_numbers)}}
        for k, (ds, st) in enumerate(zip(NAMES, reversed(NAMES), strict=True))
    ]
    return Report("demo", cols, rows, title="A wide table")


def _table(reports: Report | list[Report], width: int, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("COLUMNS", str(width))
    out: list[str] = []
    render(reports, "table", write=out.append)
    return "".join(out)


@pytest.mark.parametrize("width", [80, 100, 140])
def test_names_are_never_truncated_and_lines_fit_the_terminal(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = _table(_wide_report(), width, monkeypatch)
    assert "…" not in text
    for name in NAMES:
        assert f" {name} " in text  # whole, in its own cell
    assert max(cell_len(line) for line in text.splitlines()) <= width
    flat = " ".join(text.split())  # the note wraps like any text
    assert f"columns left out at {width} columns:" in flat
    assert "use a wider terminal or --format csv, markdown or latex" in flat


def test_numeric_columns_leave_rightmost_first_and_by_rank() -> None:
    rep = _wide_report(6)
    shown, left = layout(rep, 80)
    assert [c.key for c in shown[:2]] == ["dataset", "setting"]
    assert [c.key for c in left] == [f"x{i}" for i in range(6)][len(shown) - 2 :]
    ranked = Report(
        "demo",
        [
            rep.columns[0],
            rep.columns[1],
            Column("x0", "number 0", fmt=fmt_fixed(4), drop=5),
            *rep.columns[3:],
        ],
        rep.rows,
    )
    _, left = layout(ranked, 80)
    assert left[0].key == "x0"  # the highest rank leaves first, wherever it stands


def test_a_table_that_fits_is_unchanged_and_has_no_note(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _table(_wide_report(2), 200, monkeypatch)
    assert "left out" not in text
    assert "number 1" in text


def test_names_wider_than_the_terminal_switch_to_one_block_per_row(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _table(_wide_report(3), 30, monkeypatch)
    assert "— row 1 of 4" in text
    assert "— row 4 of 4" in text
    assert "number 2" in text  # every column is there, none left out
    assert "1005.0000" in text
    assert "…" not in text


def test_a_column_with_one_value_leaves_first_and_the_note_gives_the_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rep = _wide_report(8)
    cols = [Column("src", justify="left"), *rep.columns]
    rows = [{"src": "fineweb-edu-100b", **r} for r in rep.rows]
    text = _table(Report("demo", cols, rows), 80, monkeypatch)
    assert "in every row: src fineweb-edu-100b" in text
    assert "┃ src" not in text


def test_json_is_one_document_with_further_reports_as_lists() -> None:
    main = Report("evaluate", [Column("setting")], [{"setting": "a"}], notes=["n1"], meta={"holdout": "x"})
    detail = Report("evaluate-detail", [Column("src")], [{"src": "p"}, {"src": "q"}], json_key="predictions")
    table_only = Report("extra", [Column("z")], [{"z": 1}], show_in=frozenset({"table"}))
    out: list[str] = []
    render([main, table_only, detail], "json", write=out.append)
    doc = json.loads("".join(out))
    assert list(doc) == [
        "schema_version", "l2l_version", "kind", "holdout", "rows", "predictions", "summary", "notes"
    ]  # fmt: skip
    assert (doc["kind"], doc["predictions"]) == ("evaluate", [{"src": "p"}, {"src": "q"}])
    assert doc["summary"] is None  # always there, even with nothing to say


def test_every_json_document_has_a_summary_from_its_first_report_that_has_one() -> None:
    main = Report("rank", [Column("a")], [{"a": 1}], title="Ranking")
    verdict = Report("rank-combined", [Column("b")], [{"b": 2}], summary="Best dataset: web")
    doc = json.loads(to_json([main, verdict]))
    assert doc["summary"] == "Best dataset: web"
    assert "Best dataset: web" not in doc.get("notes", [])
    assert json.loads(to_json([main]))["summary"] == "Ranking"  # else the main table's title


def test_meta_may_not_override_the_envelope() -> None:
    with pytest.raises(ValueError, match="kind"):
        render(
            Report("translate", [Column("a")], [{"a": 1}], meta={"kind": "train-train"}), "json", write=print
        )


def test_a_csv_cell_of_records_keeps_each_record_apart() -> None:
    # fit-law's form_choice_scores read "form=l2l; error=0.01; form=chinchilla; error=0.02" (probe p63)
    rep = Report(
        "fit-law",
        [Column("scores")],
        [{"scores": [{"form": "l2l", "error": 0.01}, {"form": "chinchilla", "error": None}]}],
    )
    out: list[str] = []
    render(rep, "csv", write=out.append)
    (row,) = list(csv.DictReader(io.StringIO("".join(out))))
    assert row["scores"] == "(form=l2l, error=0.01); (form=chinchilla, error=)"


def test_csv_cells_are_plain_text_and_label_columns_stay_out() -> None:
    rep = Report(
        "translate",
        [Column("target", data=False), Column("tgt"), Column("eval"), Column("warnings"), Column("boot")],
        [
            {
                "target": "beta",
                "tgt": "beta",
                "eval": "beta_val",
                "warnings": ["E at its bound", "not settled"],
                "boot": {"draws": 10, "unit": "run"},
            }
        ],
    )
    out: list[str] = []
    render(rep, "csv", write=out.append)
    (row,) = list(csv.DictReader(io.StringIO("".join(out))))
    assert row == {
        "tgt": "beta",
        "eval": "beta_val",
        "warnings": "E at its bound; not settled",
        "boot_draws": "10",
        "boot_unit": "run",
    }
    out = []
    render(rep, "json", write=out.append)
    assert "target" not in json.loads("".join(out))["rows"][0]


def _started(bar: ProgressBar) -> bool:
    return bar.started


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_starts_only_with_known_work(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _Tty())
    bar = ProgressBar("fitting")
    with bar as update:
        update(0, 0)  # nothing to do: no bar
        assert not _started(bar)
    assert not _started(bar)
    bar = ProgressBar("fitting")
    with bar as update:
        assert not _started(bar)  # an error before the first update never shows "0/?"
        update(1, 4)
        assert _started(bar)
        update(4, 4)
    assert not _started(bar)


def test_progress_bar_gives_each_stage_a_bar_of_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("sys.stderr", _Tty())
    bar = ProgressBar("fitting")
    with bar as update:
        update(0, 4, "fitting 2 laws, 2 forms each")
        update(4, 4)
        update(0, 3, "backtesting 3 groups")  # not 3/4 of the fits: its own label, count and clock
        (task,) = bar._progress.tasks
        assert (task.description, task.completed, task.total) == ("backtesting 3 groups", 0, 3)
        update(2, 3)
        (task,) = bar._progress.tasks
        assert (task.description, task.completed) == ("backtesting 3 groups", 2)


def test_progress_bar_is_silent_off_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    err = io.StringIO()
    monkeypatch.setattr("sys.stderr", err)
    bar = ProgressBar("fitting")
    with bar as update:
        update(1, 2)
    assert not bar.started
    assert err.getvalue() == ""


# ---------------------------------------------------------------------------------------------------------------
# The answer first: columns that never leave, names that wrap, a summary in words; Markdown and LaTeX
# ---------------------------------------------------------------------------------------------------------------

LONG = "downstream/mmlu_social_sciences_mc_5shot_test_ce_loss"


def _answer_report() -> Report:
    from l2l.output.reports.common import interval_column

    rows = [
        {"eval": LONG, "dataset": "fineweb-edu-100b", "loss": 2.1331, "loss_lo": 2.0828, "loss_hi": 2.1846}
        | {f"x{i}": 1000.0 + i for i in range(6)},
        {"eval": "c4_val", "dataset": "starcoder", "loss": 0.9334, "loss_lo": 0.8933, "loss_hi": 0.9753}
        | {f"x{i}": 2000.0 + i for i in range(6)},
    ]
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        *(Column(f"x{i}", f"number {i}", fmt=fmt_fixed(1)) for i in range(6)),
        Column("loss", table=False),
        interval_column("loss", "predicted [90%]", rows),
    ]
    return Report("demo", cols, rows, title="Predicted", summary="the answer in words")


@pytest.mark.parametrize("width", [60, 80, 120])
def test_the_answer_never_leaves_and_long_names_wrap_at_their_break_points(
    width: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from l2l.output.render import plan, wrap_name

    rep = _answer_report()
    p = plan(rep, width)
    assert not p.vertical
    assert "loss__interval" in [c.key for c in p.shown]
    text = _table(rep, width, monkeypatch)
    assert max(cell_len(line) for line in text.splitlines()) <= width
    # every row at the decimals that show the narrowest interval's width (0.082) to two significant digits
    assert "2.133 [2.083, 2.185]" in text
    assert "0.933 [0.893, 0.975]" in text
    assert "the answer in words" in text  # the summary, under the table
    lines = wrap_name(LONG, p.widths["eval"])
    assert all(part in text for part in lines)
    if width < 80:
        assert lines[0] == "downstream/"  # broken after a separator, never inside a word when it fits


def test_rows_whose_estimates_differ_never_print_alike() -> None:
    """rank's first two rows read "2.7 [2.2, 3.4]" each, for 2.7049 and 2.7344 (a probe)."""
    from l2l.output.reports.common import interval_column

    rows = [
        {"value": 2.7049, "lo": 2.2065, "hi": 3.3754},
        {"value": 2.7344, "lo": 2.2250, "hi": 3.4243},
        {"value": 3.4100, "lo": 2.7600, "hi": 4.2400},
    ]
    col = interval_column("value", "predicted", rows, lo="lo", hi="hi")
    assert col.cell is not None
    assert [col.cell(r) for r in rows] == ["2.70 [2.21, 3.38]", "2.73 [2.23, 3.42]", "3.41 [2.76, 4.24]"]


def test_values_without_intervals_print_at_one_number_of_decimals_that_tells_them_apart() -> None:
    """rank's measured losses (no interval) printed at .4g: 3.06 beside 3.007, and 2.918836 and 2.919012, the 2nd
    and 3rd of a mixture sweep's measured order, both as 2.919 (helper h101)."""
    from l2l.output.reports.common import interval_column

    rows = [{"value": 2.918281}, {"value": 2.918836}, {"value": 2.919012}, {"value": 3.06}, {"value": None}]
    col = interval_column("value", "measured loss", rows, lo="lo", hi="hi")
    assert col.cell is not None
    assert [col.cell(r) for r in rows] == ["2.9183", "2.9188", "2.9190", "3.0600", "–"]
    apart = [{"value": 2.9183}, {"value": 3.06}, {"value": 10.5}]
    col = interval_column("value", "measured loss", apart, lo="lo", hi="hi")
    assert col.cell is not None
    assert [col.cell(r) for r in apart] == ["2.92", "3.06", "10.50"]  # .4g's decimals for the largest, kept


def test_wrap_name_breaks_after_separators_and_cuts_only_what_cannot_fit() -> None:
    from l2l.output.render import wrap_name

    assert wrap_name("fineweb-edu-100b", 20) == ["fineweb-edu-100b"]
    assert wrap_name("fineweb-edu-100b", 12) == ["fineweb-edu-", "100b"]
    assert wrap_name("downstream/hellaswag_test_ce_loss", 16) == ["downstream/", "hellaswag_test_", "ce_loss"]
    assert wrap_name("abcdefghijklmnop", 6) == ["abcdef", "ghijkl", "mnop"]  # no break point: cut
    assert "".join(wrap_name(LONG, 13)) == LONG
    # never after a decimal point: "lie 13." / "6 % below it" read as two numbers (a probe)
    assert wrap_name("poor law: its own largest runs lie 13.6 % below it", 20) == [
        "poor law: its own ",
        "largest runs lie ",
        "13.6 % below it",
    ]


def test_only_when_even_the_wrapped_answer_does_not_fit_a_table_becomes_blocks(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = _table(_answer_report(), 30, monkeypatch)
    assert "— row 1 of 2" in text
    assert "predicted [90%]" in text


def test_markdown_and_latex_tables_escape_names_and_keep_intervals() -> None:
    from l2l.output.markup import latex_text, markdown_text

    rep = Report(
        "demo",
        [Column("name", justify="left"), Column("x", "α [90%]", fmt=str), Column("big", "A")],
        [{"name": "a|b *c* _d x_y", "x": "2.13 [2.08, 2.18]", "big": 6.79e7}],
        title="T_1",
        summary="α = 0.41",
        notes=["a note"],
    )
    md: list[str] = []
    render(rep, "markdown", write=md.append)
    assert "".join(md).splitlines()[:5] == [
        "**T_1**",
        "",
        "| name | α [90%] | A |",
        "|:---|---:|---:|",
        "| a\\|b \\*c\\* \\_d x_y | 2.13 [2.08, 2.18] | 6.79e+07 |",
    ]
    assert markdown_text("[x](http://e)") == "[x\\](http://e)"  # no link from a name
    # GitHub renders $…$ as math and ~…~ as strikethrough: a name `$x$-mix` swallowed a table cell (probe p47)
    assert markdown_text("$x$-mix ~a~") == "\\$x\\$-mix \\~a\\~"
    tex: list[str] = []
    render(rep, "latex", write=tex.append)
    doc = "".join(tex)
    assert "\\toprule" in doc
    assert "\\bottomrule" in doc
    assert "\\caption{T\\_1}" in doc
    assert "name & $\\alpha$ [90\\%] & A \\\\" in doc
    assert "$6.79\\times10^{7}$" in doc
    assert "% α = 0.41" in doc
    assert latex_text("50% & $1 #2 ~ ^") == "50\\% \\& \\$1 \\#2 \\textasciitilde{} \\textasciicircum{}"
    # a name opening with [ is no optional argument of the \\ before it; | < > are no OT1 em-dash or ¡ ¿
    assert latex_text("[bold]a|b<c>") == "{}[bold]a\\textbar{}b\\textless{}c\\textgreater{}"


def test_the_summary_is_in_json_and_a_second_tables_summary_joins_the_notes() -> None:
    main = Report("m", [Column("a")], [{"a": 1}], summary="main answer", notes=["n"])
    second = Report("s", [Column("b")], [{"b": 2}], summary="second answer")
    out: list[str] = []
    render([main, second], "json", write=out.append)
    doc = json.loads("".join(out))
    assert doc["summary"] == "main answer"
    assert doc["notes"] == ["n", "second answer"]


def test_a_table_order_reorders_people_tables_only() -> None:
    rep = Report("r", [Column("a"), Column("b"), Column("c")], [{"a": 1, "b": 2, "c": 3}], table_order=("c",))
    out: list[str] = []
    render(rep, "csv", write=out.append)
    assert "".join(out).splitlines()[0] == "a,b,c"  # scripts keep the columns where they always were
    md: list[str] = []
    render(rep, "markdown", write=md.append)
    assert "| c | a | b |" in "".join(md)


def test_plural_words_read_as_english() -> None:
    from l2l.base.text import plural

    assert plural(1, "accuracy") == "1 accuracy"
    assert plural(3, "accuracy") == "3 accuracies"
    assert plural(2, "day") == "2 days"
    assert plural(1_200, "run") == "1,200 runs"


def test_a_files_loss_and_accuracy_columns_are_counted_in_one_phrase() -> None:
    from l2l.base.text import loss_and_accuracy_columns

    assert loss_and_accuracy_columns(1, 0) == "1 loss column"
    assert loss_and_accuracy_columns(3, 0) == "3 loss columns"
    assert loss_and_accuracy_columns(1, 2) == "1 loss and 2 accuracy columns"


def test_csv_of_two_reports_is_one_table_whose_first_column_names_each_rows_report() -> None:
    losses = Report(
        "runs",
        [Column("dataset"), Column("eval"), Column("loss_min")],
        [{"dataset": "a", "eval": "a_val", "loss_min": 2.5}],
    )
    accuracies = Report(
        "runs-accuracy",
        [Column("dataset"), Column("eval"), Column("chance")],
        [
            {"dataset": "a", "eval": "quiz_acc", "chance": 0.25},
            {"dataset": "b", "eval": "quiz_acc", "chance": 0.25},
        ],
    )
    out: list[str] = []
    render([losses, accuracies], "csv", write=out.append)
    text = "".join(out)
    lines = text.splitlines()
    assert lines[0] == "table,dataset,eval,loss_min,chance"  # one header, never a second one mid-file
    assert len(lines) == 4
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["table"] for r in rows] == ["runs", "runs-accuracy", "runs-accuracy"]
    assert rows[0]["chance"] == ""
    assert rows[1]["loss_min"] == ""
    assert rows[2]["chance"] == "0.25"
    out = []
    render(losses, "csv", write=out.append)  # one report: no table column
    assert "".join(out).splitlines()[0] == "dataset,eval,loss_min"


def test_counts_are_written_as_people_write_them_and_absurd_ones_in_powers_of_ten() -> None:
    # a law's absurd optimum printed 8,083,488T and an interval end of 2.3e90 as a 90-digit number; 999.7e9 read 1e+03B
    got = [
        fmt_si(x) for x in (20e6, 1.74e9, 3.3e9, 999e9, 999.7e9, 1.4e12, 999.4e12, 999.6e12, 8.08e18, 2.3e90)
    ]
    assert got == ["20M", "1.74B", "3.3B", "999B", "1T", "1.4T", "999T", "1e15", "8.08e18", "2.3e90"]


def test_a_combined_ranking_keeps_its_order_and_values_beside_long_names(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """DCLM's `rank -t 'downstream/*'` at 80 columns printed its combined ranking as the dataset column alone (#, vs
    mean, P(best) left out for the long names): the order and values of the answer were gone (probe h52)."""
    from types import SimpleNamespace
    from typing import Any, cast

    from l2l.core.ranking import CombinedRow
    from l2l.output.reports.ranking import _combined_table

    long = (
        "mix_rw_v2_fasttext_openhermes_reddit_eli5_vs_rw_v2_bigram_200k_train_0.1_books_fasttext_openhermes_x"
    )
    rows = [
        CombinedRow(
            f"{long}{i}", "ok", None, -0.1 * i, -0.1 * i - 0.01, -0.1 * i + 0.01, (0.7, 0.2, 0.1)[i], i + 1
        )
        for i in range(3)
    ]
    targets = [
        SimpleNamespace(target="downstream/a", weight=0.5),
        SimpleNamespace(target="downstream/b", weight=0.5),
    ]
    ranking = cast(Any, SimpleNamespace(combined=rows, targets=targets, level=0.9))
    text = _table(_combined_table(ranking), 80, monkeypatch)
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    header = next(line for line in text.splitlines() if "dataset" in line)
    assert "#" in header
    assert "vs mean" in header
    assert "P(best)" in header
    assert "-20.00%" in text
    assert "0.70" in text
