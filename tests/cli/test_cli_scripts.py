"""l2l in real terminals, scripts and files: every table reads at 80 columns with whole names, one JSON shape,
plain CSV, a quiet exit into `head`, shell completion, law files that predict without the runs, residuals."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from numpy.testing import assert_allclose
from rich.cells import cell_len

from l2l.testing import Shift, SyntheticSpec, synthetic_runs, write_csv

# Realistic names: two datasets that share a prefix and a suffix, long downstream eval names.
SPEC = SyntheticSpec(
    base="fineweb-edu-100b",
    datasets={"fineweb-100b": Shift(0.65, 1.08, 0.90), "slimpajama-chunk1": Shift(1.05, 0.95, 2.20)},
    evals={
        "downstream/hellaswag_test_ce_loss": Shift(1.3, 0.8, 1.1),
        "downstream/arc_challenge_test_ce_loss": Shift(0.9, 1.2, 2.4),
    },
    budgets=(2e17, 6e17, 2e18, 6e18, 2e19),
    sizes_per_budget=7,
)
DATASETS = ["fineweb-100b", "fineweb-edu-100b", "slimpajama-chunk1"]


class Cli:
    """The CLI on one workspace shared by this module's tests (fits saved once, reused after)."""

    def __init__(self, ws: Path, cwd: Path) -> None:
        from typer.testing import CliRunner

        self.ws, self.cwd, self.runner = ws, cwd, CliRunner()

    def __call__(self, *args: str | Path, columns: int = 200) -> Any:
        from l2l.cli import app

        env = {"L2L_WORKSPACE": str(self.ws), "COLUMNS": str(columns)}
        old = Path.cwd()
        os.chdir(self.cwd)
        try:
            return self.runner.invoke(app, [str(a) for a in args], env=env)
        finally:
            os.chdir(old)

    def json(self, *args: str | Path) -> Any:
        result = self(*args, "--format", "json")
        assert result.exit_code == 0, result.stderr
        return json.loads(result.stdout)


@pytest.fixture(scope="module")
def cli(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    root = tmp_path_factory.mktemp("scripts")
    table = root / "long_names.csv"
    write_csv(synthetic_runs(SPEC), str(table))
    c = Cli(root / "ws", root)
    assert c("ingest", table).exit_code == 0
    assert c("fit-law", "--split", "sweep", "--save").exit_code == 0
    assert c("fit-law", "--split", "sweep", "--eval", "all", "--save").exit_code == 0
    return c


COMMANDS: dict[str, list[str]] = {
    "runs": ["runs"],
    "fit-law": ["fit-law", "--split", "sweep"],
    "fit-law-all": ["fit-law", "--split", "sweep", "--eval", "all"],
    "residuals": ["fit-law", "--split", "sweep", "--residuals"],
    "predict": ["predict", "-d", "all", "--N", "1e9", "--D", "2e10", "--split", "sweep"],
    "optimal": ["optimal", "--C", "1e21", "--split", "sweep"],
    "train-train": ["translate", "--src", "fineweb-edu-100b", "--split", "sweep"],
    "train-test": [
        "translate",
        "--src",
        "fineweb-100b",
        "--kind",
        "train-test",
        "--eval",
        "all",
        "--split",
        "sweep",
    ],
}
#: The name columns each table shows (its JSON rows have more: x_eval, tgt of a train-test translation, ...).
NAME_KEYS: dict[str, tuple[str, ...]] = {"train-train": ("src", "tgt"), "train-test": ("src", "eval")}


def _names(name: str, doc: Any) -> set[str]:
    keys = NAME_KEYS.get(name, ("dataset", "eval"))
    return {r[k] for r in doc["rows"] for k in keys if isinstance(r.get(k), str)}


@pytest.fixture(scope="module")
def reports(cli: Cli) -> dict[str, list[Any]]:
    """Each command run once; the reports it hands to the renderer, to render at any width and format."""
    import l2l.cli.shell

    got: dict[str, list[Any]] = {}
    with pytest.MonkeyPatch.context() as mp:
        for name, args in {**COMMANDS, "evaluate": ["evaluate", "--detail"]}.items():
            mp.setattr(
                l2l.cli.shell,
                "emit",
                lambda reps, _fmt, name=name, **_kw: got.setdefault(name, _as_list(reps)),
            )
            result = cli(*args)
            assert result.exit_code == 0, (name, result.stderr)
    return got


def _as_list(reps: Any) -> list[Any]:
    from l2l.output.report import Report

    return [reps] if isinstance(reps, Report) else list(reps)


def _out(reps: list[Any], fmt: str, width: int = 200) -> str:
    from l2l.output.render import render

    out: list[str] = []
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("COLUMNS", str(width))
        render(reps, fmt, write=out.append)
    return "".join(out)


def _shows(name: str, text: str) -> bool:
    """Whether ``name`` is in ``text`` whole, or wrapped at its break points (each line of it in a cell)."""
    from l2l.output.render import MIN_NAME_WIDTH, wrap_name

    if name in text:
        return True
    return any(all(part in text for part in wrap_name(name, w)) for w in range(MIN_NAME_WIDTH, len(name)))


@pytest.mark.parametrize("width", [60, 80, 120])
@pytest.mark.parametrize("name", [*COMMANDS, "evaluate"])
def test_every_table_fits_keeps_its_answer_and_never_cuts_a_name(
    reports: dict[str, list[Any]], name: str, width: int
) -> None:
    from l2l.output.render import constant, plan
    from l2l.output.report import shown

    text = _out(reports[name], "table", width)
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= width
    for rep in reports[name]:
        if "table" not in rep.show_in:
            continue
        p = plan(rep, width)
        # the answer stays, or the note under the table gives its one value ("in every row: ...")
        answer = [c for c in rep.table_columns() if c.drop_rank == 0 and constant(rep, c) is None]
        assert p.vertical or all(c in p.shown for c in answer), (rep.kind, width)
        cols = rep.table_columns() if p.vertical else [c for c in p.shown if c.justify == "left"]
        for c in cols:
            for row in rep.rows:
                assert _shows(shown(c, row), text), (rep.kind, c.key, width)
    if (
        width >= 80 and name != "evaluate"
    ):  # the main table of every command reads at 80 columns, not as blocks
        assert "— row 1 of" not in text, name


def test_the_cli_renders_at_the_terminal_width_it_is_given(cli: Cli) -> None:
    result = cli("fit-law", "--split", "sweep", columns=80)
    assert result.exit_code == 0, result.stderr
    assert max(cell_len(line) for line in result.stdout.splitlines()) <= 80
    assert (
        "columns left out at 80 columns: eval, a=β/(α+β)" in result.stdout
    )  # each dataset's own: the title says
    for ds in DATASETS:
        assert f" {ds} " in result.stdout


def test_the_heldout_table_keeps_its_errors_at_80_columns_with_names_wrapped(
    reports: dict[str, list[Any]],
) -> None:
    text = _out(reports["evaluate"], "table", 80)
    assert "…" not in text
    assert max(cell_len(line) for line in text.splitlines()) <= 80
    assert "— row 1 of" not in text
    assert "┃  ind. ┃   l2l ┃" in text  # the answer of every row: both errors
    assert "┃ actual ┃   err ┃   err ┃" in text
    for n in (*DATASETS, "downstream/hellaswag_test_ce_loss"):
        assert _shows(n, text), n


def test_every_command_prints_one_json_document_of_the_same_shape(reports: dict[str, list[Any]]) -> None:
    docs = {name: json.loads(_out(reps, "json")) for name, reps in reports.items()}
    for name, doc in docs.items():
        assert list(doc)[:3] == ["schema_version", "l2l_version", "kind"], name
        assert isinstance(doc["rows"], list), name
        assert "reports" not in doc, name
    assert len(docs["evaluate"]["predictions"]) > 0
    assert len(docs["residuals"]["residuals"]) > 0
    assert docs["train-train"]["kind"] == "translate"
    assert docs["train-train"]["translation_kind"] == "train-train"
    assert {r["kind"] for r in docs["train-test"]["rows"]} == {"train-test"}
    assert "target" not in docs["train-train"]["rows"][0]  # tgt and eval say it; never the same fact twice


def test_the_cli_json_is_that_document(cli: Cli) -> None:
    doc = cli.json("runs")
    assert (doc["schema_version"], doc["kind"]) == (1, "runs")


@pytest.mark.parametrize("name", [*COMMANDS, "evaluate"])
def test_csv_is_one_table_of_plain_cells(reports: dict[str, list[Any]], name: str) -> None:
    rows = list(csv.reader(io.StringIO(_out(reports[name], "csv"))))
    header = rows[0]
    assert len(header) == len(set(header))
    assert "target" not in header
    assert [] not in rows  # one table: no blank line between two
    assert all(len(r) == len(header) for r in rows[1:])
    assert not any(cell.startswith(("[", "{")) for r in rows[1:] for cell in r)


# ---------------------------------------------------------------------------------------------------------------
# Law files
# ---------------------------------------------------------------------------------------------------------------


def test_a_law_file_predicts_without_the_runs_exactly_as_the_fitted_law(cli: Cli, tmp_path: Path) -> None:
    from l2l.io.tables import read_runs
    from l2l.workflows.lawbook import fit_laws

    path = tmp_path / "laws.json"
    result = cli("fit-law", "--split", "sweep", "--save", path)
    assert result.exit_code == 0, result.stderr
    assert f"wrote {path} (3 laws)" in result.stderr
    doc = json.loads(path.read_text())
    assert (doc["format"], doc["format_version"], doc["form"], doc["objective"]) == (
        "l2l-laws",
        1,
        "auto",
        "huber",
    )
    # --form auto (the default): each law says its form and every form's backtest error
    assert all(rec["form"] == rec["form_choice"]["form"] for rec in doc["laws"])
    assert {sc["form"] for sc in doc["laws"][0]["form_choice"]["scores"]} == {"l2l", "chinchilla", "kaplan"}
    assert doc["data"]["split"] == "sweep"
    assert len(doc["data"]["digest"]) == 64
    law = next(rec for rec in doc["laws"] if rec["dataset"] == "fineweb-edu-100b")
    assert law["own"] is True
    assert law["n_points"] == 35
    assert law["ranges"]["C"] == [2e17, 2e19]

    cli.ws.rename(cli.ws.with_name("ws-away"))  # no runs anywhere
    try:
        pred = cli.json("predict", "--law", path, "-d", "fineweb-edu", "--N", "3.3B", "--D", "1e11")
    finally:
        cli.ws.with_name("ws-away").rename(cli.ws)
    (row,) = pred["rows"]
    assert (row["dataset"], row["eval"]) == ("fineweb-edu-100b", "fineweb-edu-100b_val")
    runs = read_runs([cli.cwd / "long_names.csv"])
    fit = fit_laws(runs, datasets=["fineweb-edu-100b"], split="sweep").fits[0]
    assert_allclose(row["loss"], float(fit.predict(3.3e9, 1e11)), rtol=1e-6)  # same optimum, independent fit
    assert row["extrapolated"] is True
    assert_allclose(row["C_ratio"], 6 * 3.3e9 * 1e11 / 2e19, rtol=1e-12)


def test_plain_save_still_keeps_the_fits_in_the_workspace(cli: Cli) -> None:
    result = cli("fit-law", "--split", "sweep", "--save")
    assert result.exit_code == 0, result.stderr
    assert "3 reused from the workspace" in result.stdout
    assert "wrote" not in result.stderr


def test_save_equals_form_writes_a_law_file_too(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "own.json"
    assert cli("fit-law", "--split", "sweep", f"--save={path}").exit_code == 0
    assert json.loads(path.read_text())["format"] == "l2l-laws"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not valid JSON"),
        ('{"laws": []}', 'not an l2l law file (no "format": "l2l-laws")'),
        ('{"format": "l2l-laws", "format_version": 99, "laws": []}', "law file format version 99; this l2l"),
        ('{"format": "l2l-laws", "format_version": 1, "laws": []}', "the file holds no laws"),
        (
            '{"format": "l2l-laws", "format_version": 1, "laws": [{"dataset": "a", "eval": "b"}]}',
            "law 1 (a/b)",
        ),
    ],
)
def test_a_bad_law_file_is_one_line_naming_the_file(
    cli: Cli, tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content)
    result = cli("predict", "--law", path, "--N", "1e9", "--D", "1e10")
    assert result.exit_code == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"Error: {path}: ")
    assert message in first
    assert "Traceback" not in result.stderr


def test_a_missing_law_file_is_named(cli: Cli, tmp_path: Path) -> None:
    result = cli("predict", "--law", tmp_path / "nope.json", "--N", "1e9", "--D", "1e10")
    assert result.exit_code == 1
    assert result.stderr.startswith(f"Error: {tmp_path / 'nope.json'}: no such law file")


def test_law_file_round_trip_is_exact() -> None:
    from l2l.core.fit import FitOptions
    from l2l.io.tables import read_runs
    from l2l.workflows.lawbook import fit_laws
    from l2l.workflows.lawfile import law_file_dict, law_file_from_dict, predict_from_laws

    runs = read_runs([_write(SyntheticSpec(seed=3))])
    fits = fit_laws(runs, datasets=["all"], split="sweep").fits
    doc = json.loads(json.dumps(law_file_dict(runs, fits, options=FitOptions(), split="sweep")))
    lf = law_file_from_dict(doc, "mem")
    n, d = np.array([1e8, 3.3e9]), np.array([2e9, 1e11])
    preds = predict_from_laws(lf, N=list(n), D=list(d), datasets=["all"])
    assert [(p.dataset, p.eval) for p in preds[::2]] == [(f.dataset, f.eval) for f in fits]
    for i, fit in enumerate(fits):
        assert_allclose([p.loss for p in preds[2 * i : 2 * i + 2]], fit.predict(n, d), rtol=0, atol=0)


def _write(spec: SyntheticSpec) -> Path:
    import tempfile

    path = Path(tempfile.mkdtemp()) / "runs.csv"
    write_csv(synthetic_runs(spec), str(path))
    return path


# ---------------------------------------------------------------------------------------------------------------
# Residuals
# ---------------------------------------------------------------------------------------------------------------


def test_residuals_list_every_run_with_its_relative_error(cli: Cli) -> None:
    doc = cli.json("fit-law", "--split", "sweep", "--residuals")
    res = doc["residuals"]
    assert len(res) == 3 * 36  # 35 sweep runs and the held-out one per dataset
    assert sum(not r["fitted"] for r in res) == 3
    for r in res:
        assert_allclose(r["residual"], (r["loss"] - r["predicted"]) / r["loss"], rtol=1e-12)
    fitted = [r["log_residual"] for r in res if r["fitted"]]
    assert np.std(fitted) < 3 * SPEC.noise  # the laws fit their own runs to the noise level
    csv_rows = list(
        csv.DictReader(io.StringIO(cli("fit-law", "--split", "sweep", "--residuals", "-f", "csv").stdout))
    )
    assert len(csv_rows) == len(res)
    assert {"dataset", "eval", "N", "D", "C", "loss", "predicted", "residual"} <= set(csv_rows[0])


# ---------------------------------------------------------------------------------------------------------------
# Pipes, completion, the sample generator
# ---------------------------------------------------------------------------------------------------------------


def _many_runs(tmp_path: Path) -> Path:
    rows = [
        {"dataset": f"data-{i:02d}", "N": n, "D": 20 * n, "eval": f"eval-{j:02d}", "loss": 3.0}
        for i in range(20)
        for j in range(20)
        for n in (1e7, 1e8)
    ]
    table = tmp_path / "many.csv"
    write_csv(rows, str(table))
    return table


@pytest.mark.parametrize(
    ("args", "read_first_line"),
    [(("runs",), False), (("runs", "--evals"), False), (("runs", "--format", "json"), True)],
    ids=["runs", "runs-evals", "runs-json-after-a-line"],
)
def test_an_output_cut_by_its_reader_exits_141_silently_as_sigpipe_would(
    tmp_path: Path, args: tuple[str, ...], read_first_line: bool
) -> None:
    """A real pipe whose reader leaves (at once, or after one line of ~190 KB of JSON, as `head -1` does): exit
    128 + SIGPIPE, as a shell reports a tool the signal killed (it was 1, the code of bad input), and nothing on
    stderr: no traceback, no "Exception ignored" from the interpreter's last flush."""
    table = _many_runs(tmp_path)
    env = {**os.environ, "L2L_WORKSPACE": str(tmp_path / "ws")}
    with subprocess.Popen(
        [sys.executable, "-m", "l2l", *args, str(table)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        assert proc.stderr is not None
        if read_first_line:
            assert proc.stdout.readline() == b"{\n"
        proc.stdout.close()
        stderr = proc.stderr.read().decode()
        code = proc.wait(timeout=120)
    assert code == 141, stderr
    assert stderr == ""


def test_a_closed_pipe_ends_quietly(tmp_path: Path) -> None:
    table = _many_runs(tmp_path)
    env = {**os.environ, "L2L_WORKSPACE": str(tmp_path / "ws")}
    out = subprocess.run(  # ~190 KB of JSON: more than a pipe holds, so l2l is still writing when head leaves
        f"{sys.executable} -m l2l runs {table} --format json | head -1",
        shell=True,
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    assert out.stdout == "{\n"
    assert "BrokenPipe" not in out.stderr
    assert "Error" not in out.stderr


@pytest.mark.parametrize("where", ["full", "closed"])
def test_output_that_cannot_be_written_is_one_line_and_exit_1(tmp_path: Path, good: Path, where: str) -> None:
    """A full disk was an internal error, a closed stdout that and a traceback (p63)."""
    if where == "full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full")
    env = {**os.environ, "L2L_WORKSPACE": str(tmp_path / "ws")}
    with Path("/dev/full" if where == "full" else os.devnull).open("w") as sink:
        out = subprocess.run(
            [sys.executable, "-m", "l2l", "runs", str(good / "long.csv")],
            stdout=sink if where == "full" else None,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            close_fds=True,
            # closed: fd 1 shut in the child before l2l starts (`l2l runs >&-`)
            preexec_fn=(lambda: os.close(1)) if where == "closed" else None,
        )
    assert out.returncode == 1
    assert out.stderr.startswith("Error: cannot write the output: ")
    assert out.stderr.count("\n") == 1, out.stderr


def test_shell_completion_is_available(tmp_path: Path) -> None:
    # under a bash process: typer finds the shell in the process tree, and in a pytest-xdist worker whose ancestry
    # holds none it said "Shell  not supported." (exit 1; the test passed alone); "; exit $?" keeps bash from
    # exec-ing the command in its own place
    out = subprocess.run(
        ["bash", "-c", f"'{sys.executable}' -m l2l --show-completion; exit $?"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    assert "_l2l_completion" in out.stdout
    env = {
        **os.environ,
        "_L2L_COMPLETE": "complete_bash",
        "COMP_WORDS": "l2l fit-law --fo",
        "COMP_CWORD": "2",
    }
    words = subprocess.run(
        [sys.executable, "-c", "from l2l.cli import main; main()"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert {"--form", "--format"} <= set(words.stdout.split())


def test_the_sample_generator_has_help_and_writes_no_file_named_help(tmp_path: Path) -> None:
    out = subprocess.run(
        [sys.executable, "-m", "l2l.testing", "--help"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    )
    assert "usage: python -m l2l.testing" in out.stdout
    assert list(tmp_path.iterdir()) == []
    subprocess.run([sys.executable, "-m", "l2l.testing", "s.csv"], cwd=tmp_path, check=True)
    assert (tmp_path / "s.csv").read_text().startswith("dataset,N,D,C,eval,loss,run_id,split\n")
