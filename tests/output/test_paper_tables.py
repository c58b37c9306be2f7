"""Tables pasted into papers and read by scripts: what a name or an empty cell becomes in LaTeX, JSON and CSV
(helper h61)."""

from __future__ import annotations

import json

from l2l.output.markup import latex_text, to_latex
from l2l.output.render import render
from l2l.output.report import Column, Report
from l2l.output.reports.accuracy import accuracy_fits_report
from l2l.workflows.accuracy import AccuracyResult


def test_a_latex_row_opening_with_a_star_keeps_it() -> None:
    # "\\" before a row takes a * as its star: the second row "*code" printed "code" under pdflatex
    assert latex_text("*code") == "{}*code"
    rep = Report("r", [Column("name", justify="left")], [{"name": "*web"}, {"name": "*code"}])
    assert "    {}*code \\\\" in to_latex(rep).splitlines()


def test_latex_makes_no_ligature_of_a_name() -> None:
    # pdflatex printed c4--en as "c4–en", ``q'' as curly quotes and !` as an inverted mark
    assert latex_text("c4--en") == "c4-{}-en"
    assert latex_text("``q''") == "`{}`q'{}'"
    assert latex_text("!`x ?`y") == "!{}`x ?{}`y"
    # the tables' own en dash (a range, an empty cell) still is one
    assert latex_text("19.5M–3.31B") == "19.5M--3.31B"
    assert latex_text("–") == "--"


def _failed_and_unpredictable() -> list[AccuracyResult]:
    return [AccuracyResult("suite_acc", "task", None, 0.25, "known task", None, "no task loss matches")]


def test_an_accuracy_eval_without_a_law_has_no_law_and_no_input_eval_in_json_and_csv() -> None:
    reps = accuracy_fits_report(_failed_and_unpredictable())
    out: list[str] = []
    render(reps, "json", write=out.append)
    row = json.loads("".join(out))["rows"][0]
    assert row["law"] is None  # was "–", the table's placeholder
    assert row["input_eval"] is None  # was "-", a sentinel (CSV "'-")
    csv: list[str] = []
    render(reps, "csv", write=csv.append)
    lines = "".join(csv).splitlines()
    header, first = lines[0].split(","), lines[1].split(",")
    assert first[header.index("law")] == ""
    assert first[header.index("input_eval")] == ""
    md: list[str] = []
    render(reps, "markdown", write=md.append)
    assert "| suite_acc | failed | – | – | – | – | 0.25 (known task) | – | – |" in "".join(md)


def test_a_markdown_summary_or_note_opening_like_a_block_stays_a_paragraph() -> None:
    from l2l.output.markup import to_markdown

    def tail(name: str) -> list[str]:
        rep = Report(
            "r", [Column("d", justify="left")], [{"d": name}], summary=f"{name} at N = 1B", notes=[name]
        )
        return to_markdown(rep).split("\n\n")[1:]

    # a dataset "# web" made the summary a heading, "1. web" a numbered list, "- web" a list in the note's item
    assert tail("# web") == ["\\# web at N = 1B", "- \\# web\n"]
    assert tail("1. web") == ["1\\. web at N = 1B", "- 1\\. web\n"]
    assert tail("- web") == ["\\- web at N = 1B", "- \\- web\n"]
    # what opens no block is left as it is (the notes' "--form auto", a count)
    assert tail("--form auto") == ["--form auto at N = 1B", "- --form auto\n"]
    assert tail("3 laws") == ["3 laws at N = 1B", "- 3 laws\n"]


def test_a_names_greek_letters_and_math_signs_are_written_as_latex_math() -> None:
    # pdflatex stopped at a name's λ or ρ ("Unicode character λ (U+03BB) not set up for use with LaTeX")
    assert latex_text("λ-mix ρ≠0") == "$\\lambda$-mix $\\rho$$\\ne$0"
    assert latex_text("ε φ Σ ∞") == "$\\varepsilon$ $\\varphi$ $\\Sigma$ $\\infty$"
    assert latex_text("α β κ") == "$\\alpha$ $\\beta$ $\\kappa$"  # as before


def test_a_latex_table_longer_than_a_page_breaks_across_pages() -> None:
    """h61: one float of 750 rows ("Float too large for page by 8493pt") typeset only the rows of its first page,
    silently; beyond ``LONGTABLE_ROWS`` rows the table is a longtable whose header repeats on every page."""
    from l2l.output.markup import LONGTABLE_ROWS

    def table(n: int) -> str:
        rows = [{"d": f"run{i}", "x": str(i)} for i in range(n)]
        return to_latex(Report("r", [Column("d", justify="left"), Column("x")], rows, title="Runs"))

    short, long = table(LONGTABLE_ROWS), table(LONGTABLE_ROWS + 1)
    assert "\\begin{table}" in short
    assert "longtable" not in short
    assert "\\begin{longtable}{lr}" in long
    assert "\\begin{table}" not in long
    assert long.count("d & x \\\\") == 2  # the header, and again on every later page
    assert "\\endhead" in long
    assert "\\endlastfoot" in long
    assert "\\caption{Runs} \\\\" in long
    assert all(f"run{i} & {i} \\\\" in long for i in range(LONGTABLE_ROWS + 1))
    assert "\\usepackage{longtable}" in long.splitlines()[1]


def test_a_csv_header_does_not_follow_the_datasets_of_a_dict_keyed_by_them() -> None:
    """h61: fit-accuracy's ``unpredictable_datasets`` (a dict keyed by dataset) became a column per dataset, 45
    columns on the paper's sample and 41 for one eval; it is one cell, ``dataset=reason; …``."""
    from l2l.output.render import to_csv

    def header(datasets: list[str]) -> tuple[list[str], list[str]]:
        rows = [{"eval": "a", "why": {d: f"{d} at chance" for d in datasets}, "fit": {"x0": 2.0}}]
        cols = [Column("eval", justify="left"), Column("why"), Column("fit")]
        lines = to_csv(Report("r", cols, rows, csv_cells=frozenset({"why"}))).splitlines()
        return lines[0].split(","), lines[1].split(",")

    two, four = header(["web", "code"]), header(["web", "code", "books", "math"])
    assert two[0] == four[0] == ["eval", "why", "fit_x0"]  # a dict of fixed keys still has its own columns
    assert two[1][1] == "web=web at chance; code=code at chance"
