"""Fuzzing the command line as a hostile user would (issue 18), with Hypothesis (derandomized: the same examples on
every run, no example database).

The contract, for every generated table and option value: exit 0, 1 or 2; on an error exactly one ``Error: …`` line
on stderr (its hint, if any, on it), no traceback, no internal error, no control character on stdout or
stderr, and the workspace byte-for-byte as it was; after an ingest that was accepted, ``runs`` works in every
format, no CSV cell starts like a formula and the JSON is JSON.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
import re
import shutil
import signal
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from l2l.cli import app
from tests.conftest import snapshot

#: Characters no output of l2l may carry raw: C0 controls but the newline, DEL, C1 controls, bidi overrides.
RAW_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    phases=(Phase.explicit, Phase.generate),  # no shrinking: a failure is reported as found, fast
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)
#: Marks a test whose failures come from option values the command line does not validate yet.


# ----------------------------------------------------------------------------------------------------
# Running the command line and checking the contract


class _TookTooLongError(Exception):
    pass


@contextmanager
def _deadline(seconds: float) -> Iterator[None]:
    """Interrupt a command that runs longer than ``seconds`` (a value without a limit, e.g. 1e9 draws)."""

    def alarm(_sig: int, _frame: Any) -> None:
        raise _TookTooLongError(f"took longer than {seconds} s")

    old = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def invoke(ws: Path, *args: str | Path, seconds: float = 20) -> Any:
    with _deadline(seconds):
        return CliRunner().invoke(app, ["-w", str(ws), *map(str, args)])


def check_contract(result: Any, ws: Path, before: dict[str, bytes] | None, what: Sequence[Any]) -> None:
    where = f"l2l {' '.join(map(repr, what))}"
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), f"{where}: {exc!r}"
    assert result.exit_code in (0, 1, 2), f"{where}: exit {result.exit_code}"
    assert "Traceback" not in result.stderr, f"{where}: {result.stderr}"
    assert "internal error" not in result.stderr, f"{where}: {result.stderr}"
    assert not RAW_CONTROL.search(result.stderr), (
        f"{where}: raw control character on stderr {result.stderr!r}"
    )
    assert not RAW_CONTROL.search(result.stdout), f"{where}: raw control character on stdout"
    if result.exit_code:
        lines = result.stderr.splitlines()
        assert lines, f"{where}: exit {result.exit_code} without a message"
        assert lines[0].startswith("Error: "), f"{where}: {result.stderr!r}"
        assert len(lines) == 1, f"{where}: {lines}"
        if before is not None:
            assert snapshot(ws) == before, f"{where}: refused, but the workspace changed"


def _number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def check_outputs(ws: Path, what: Sequence[Any]) -> None:
    """After an accepted ingest: ``runs`` works in every format; CSV cells are safe; JSON is JSON."""
    for fmt in ("table", "csv", "json"):
        result = invoke(ws, "runs", "--format", fmt)
        check_contract(result, ws, None, (*what, "→ runs", fmt))
        assert result.exit_code == 0, f"{what}: runs --format {fmt}: {result.stderr}"
        if fmt == "csv":
            for row in csv.reader(io.StringIO(result.stdout)):
                for cell in row:
                    assert not (cell[:1] in ("=", "+", "-", "@") and not _number(cell)), (
                        f"{what}: CSV cell {cell!r}"
                    )
        if fmt == "json":
            json.loads(result.stdout)


# ----------------------------------------------------------------------------------------------------
# Hostile tables

HOSTILE_NAMES = [
    "[/]",
    "[bold red]x[/]",
    "[link=https://evil]click[/link]",
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(A1:A2)",
    "\t=1",
    "\r=1",
    "\x1b[2J\x1b[H",
    "\x1b]0;owned\x07",
    "\x9b31mred",
    "a\x00b",
    "\u202eevil",
    "line\nbreak",
    '{"a": 1}',
    "[1, 2]",
    "\ud800",
    "\udfff tail",
    "🙂",
    "a,b",
    'q"uote',
    "",
    " ",
    "null",
    "NaN",
    "x" * 300,
]
HOSTILE_NUMBERS = [
    "1e308",
    "-1e308",
    "1e31",
    "1e29",
    "1e-320",
    "5e-324",
    "0",
    "-0",
    "-1",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e999",
    "3.3B",
    "1e30T",
    "2.5X",
    "abc",
    "",
    "0x10",
    "1_000",
    "١٢٣",
    "9" * 400,
    "1e8\x00",
]


hostile_names = st.one_of(
    st.sampled_from(HOSTILE_NAMES),
    st.text(
        st.characters(codec="utf-8", categories=("L", "N", "P", "S", "Cc", "Cf", "Zs")),
        min_size=1,
        max_size=8,
    ),
)
any_name = st.one_of(st.sampled_from(["web", "code", "web_val", "code_val"]), hostile_names)
bad_numbers = st.one_of(
    st.sampled_from(HOSTILE_NUMBERS),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(min_value=-(10**40), max_value=10**40).map(str),
)
SIZES = ["1e8", "2e8", "4e8", "8e8", "3.3B", "20M"]
TOKENS = ["2e9", "4e9", "8e9", "1.5T", "16e9"]


@st.composite
def rows(draw: Any) -> list[dict[str, str]]:
    """A table's rows: valid numbers, names that are hostile half the time (they are data, and accepted), and
    now and then a bad value in one cell (which refuses the table)."""
    datasets = draw(st.lists(any_name, min_size=1, max_size=2))
    evals = draw(st.lists(any_name, min_size=1, max_size=2))
    n = draw(st.integers(2, 6))
    out = [
        {
            "dataset": datasets[i % len(datasets)],
            "N": SIZES[i % len(SIZES)],
            "D": TOKENS[(i // 2) % len(TOKENS)],
            "eval": evals[i % len(evals)],
            "loss": f"{draw(st.floats(0.5, 8)):.4f}",
        }
        for i in range(n)
    ]
    for _ in range(draw(st.integers(0, 2)) // 2):  # a bad value in one table of three or so
        cell = draw(st.sampled_from(["N", "D", "loss", "dataset"]))
        out[draw(st.integers(0, n - 1))][cell] = draw(bad_numbers if cell != "dataset" else hostile_names)
    return out


HEADERS = [
    ("dataset", "N", "D", "eval", "loss"),
    ("data", "params", "tokens", "task", "val_loss"),
    ("dataset", "N", "D", "eval", "loss", "loss"),
    ("dataset", "N", "D", "eval"),
    ("[b]dataset[/b]", "N", "D", "eval", "loss"),
    ("dataset", "N", "D", "eval", "loss", "\x1b[2Jextra"),
    ("dataset", "N", "D", "eval", "loss", "metric"),
]


@st.composite
def tables(draw: Any) -> tuple[str, bytes]:
    """(file name, bytes): a table of hostile rows in one of the formats l2l reads, sometimes damaged."""
    header = draw(st.sampled_from(HEADERS[:1] * 4 + HEADERS[1:]))
    table = draw(rows())
    kind = draw(st.sampled_from(["csv", "tsv", "ndjson", "csv.gz", "parquet"]))
    alias = {"data": "dataset", "params": "N", "tokens": "D", "task": "eval", "val_loss": "loss"}
    extra = {"metric": "loss"}
    cells = [[r.get(alias.get(h, h), extra.get(h, "1")) for h in header] for r in table]
    cells = [[str(c) for c in line] for line in cells]
    if kind == "parquet":
        safe = [[c.encode("utf-8", "replace").decode() for c in line] for line in cells]
        names_ = list(dict.fromkeys(header))
        frame = pl.DataFrame({h: [line[header.index(h)] for line in safe] for h in names_})
        if draw(st.booleans()):
            frame = frame.with_columns(pl.col(names_[1]).cast(pl.Float64, strict=False))
        buf = io.BytesIO()
        frame.write_parquet(buf)
        return "t.parquet", buf.getvalue()
    if kind == "ndjson":
        lines = []
        for line in cells:
            obj: dict[str, Any] = {}
            for h, c in zip(header, line, strict=True):
                obj[h] = json.loads(c) if _number(c) and math.isfinite(float(c)) and len(c) < 30 else c
            if draw(st.integers(1, 6)) == 1:
                obj[draw(st.sampled_from(header))] = draw(
                    st.sampled_from([{"a": 1}, [1, [2]], None, True, 10**20])
                )
            lines.append(json.dumps(obj))
        data = ("\n".join(lines) + "\n").encode("utf-8", "surrogatepass")
        return "t.ndjson", data
    out = io.StringIO()
    csv.writer(
        out, delimiter="\t" if kind == "tsv" else ",", lineterminator=draw(st.sampled_from(["\n", "\r\n"]))
    ).writerows([header, *cells])
    data = out.getvalue().encode("utf-8", "surrogatepass")
    if draw(st.integers(1, 4)) == 1:  # damage: bytes cut out or put in
        at = draw(st.integers(0, len(data)))
        data = data[:at] + draw(st.binary(max_size=4)) + data[at + draw(st.integers(0, 8)) :]
    if draw(st.booleans()):
        data = b"\xef\xbb\xbf" + data
    if kind == "csv.gz":
        return "t.csv.gz", gzip.compress(data)
    return f"t.{kind}", data


@pytest.fixture(scope="module")
def base_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace holding tests/data/good/long.csv (copied before each example that may change it)."""
    root = tmp_path_factory.mktemp("fuzz") / "base"
    result = invoke(root, "ingest", Path(__file__).parents[1] / "data" / "good" / "long.csv")
    assert result.exit_code == 0
    return root


FLAGS = st.sampled_from([(), ("--append",), ("--append", "--strict"), ("--wide",)])


@settings(FUZZ, max_examples=20)
@given(table=tables(), flags=FLAGS)
def test_hostile_tables_keep_the_contract(
    base_ws: Path, table: tuple[str, bytes], flags: tuple[str, ...]
) -> None:
    _hostile_table(base_ws, table, flags)


@pytest.mark.slow
@settings(FUZZ, max_examples=40)
@given(table=tables(), flags=FLAGS)
def test_hostile_tables_keep_the_contract_many(
    base_ws: Path, table: tuple[str, bytes], flags: tuple[str, ...]
) -> None:
    _hostile_table(base_ws, table, flags)


def _hostile_table(base_ws: Path, table: tuple[str, bytes], flags: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(base_ws, ws)
        path = Path(tmp) / table[0]
        path.write_bytes(table[1])
        before = snapshot(ws)
        what = ("ingest", table, *flags)
        result = invoke(ws, "ingest", path, *flags)
        check_contract(result, ws, before, what)
        if result.exit_code == 0:
            check_outputs(ws, what)


# ----------------------------------------------------------------------------------------------------
# Hostile option values

HOSTILE_VALUES = [
    "0",
    "-1",
    "-5",
    "1e-320",
    "1e308",
    "inf",
    "-inf",
    "nan",
    "1e9",
    "1000000000",
    "99999999999999999999",
    "2.5",
    "",
    " ",
    "abc",
    "[/]",
    "\x1b[2J",
    "=1+1",
    "a=b",
    "=",
    "all",
    "own",
    "!*",
    "*",
    "[",
    "split=",
    "\u202e",
]
values = st.one_of(
    st.sampled_from(HOSTILE_VALUES),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.integers(-(10**12), 10**12).map(str),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\x00"), max_size=6),
)

#: command → (arguments that make it run, options to fuzz)
COMMANDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fit-law": ((), ("--delta", "--bootstrap", "--seed", "--dataset", "--eval", "--split")),
    "predict": (
        ("-d", "alpha", "--N", "1e9", "--D", "2e10"),
        ("--N", "--D", "--C", "--level", "--eval", "--chance", "--delta"),
    ),
    "predict-via": (
        ("--via", "alpha", "--tgt", "beta"),
        ("--src-loss", "--from-run", "--level", "--combine"),
    ),
    "optimal": (("--C", "1e21"), ("--C", "--level", "--delta", "--dataset")),
    "translate": (("--src", "alpha"), ("--tgt", "--rtol", "--C", "--level", "--eval")),
    "evaluate": ((), ("--holdout", "--holdout-top-compute", "--test", "--level", "--downstream")),
    "rank": (
        ("-t", "alpha_val", "--C", "1e21"),
        ("--C", "--N", "--D", "--level", "--target", "--holdout-top-compute"),
    ),
    "fit-accuracy": ((), ("--eval", "--chance", "--bootstrap", "--seed")),
}


@pytest.fixture(scope="module")
def synthetic_ws(tmp_path_factory: pytest.TempPathFactory, synthetic_workspace: Path) -> Path:
    """A workspace of the synthetic sample table, with its fits saved: a copy of the tests' shared warm one
    (tests/conftest.py)."""
    root = tmp_path_factory.mktemp("fuzz") / "synthetic"
    shutil.copytree(synthetic_workspace, root)
    return root


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fits in this process (no pool to interrupt when a command runs too long)."""
    import l2l.core.fit

    monkeypatch.setattr(l2l.core.fit, "default_workers", lambda: 1)


def _option_examples(command: str) -> Any:
    _, options = COMMANDS[command]
    return st.lists(st.tuples(st.sampled_from(options), values), min_size=1, max_size=2)


def _fuzz_options(ws: Path, command: str, chosen: list[tuple[str, str]]) -> None:
    base, _ = COMMANDS[command]
    args = [command.split("-via")[0], *base]
    for option, value in chosen:
        args += [option, value]
    before = snapshot(ws)
    check_contract(invoke(ws, *args, seconds=20), ws, before, args)


def _option_test(command: str, examples: int) -> Any:
    @settings(FUZZ, max_examples=examples)
    @given(chosen=_option_examples(command))
    def test(synthetic_ws: Path, one_worker: None, chosen: list[tuple[str, str]]) -> None:
        _fuzz_options(synthetic_ws, command, chosen)

    return test


test_fit_law_options = _option_test("fit-law", 15)
test_predict_options = _option_test("predict", 15)
test_predict_via_options = _option_test("predict-via", 10)
test_optimal_options = _option_test("optimal", 10)
test_translate_options = _option_test("translate", 10)
test_evaluate_options = _option_test("evaluate", 10)
test_rank_options = _option_test("rank", 10)
test_fit_accuracy_options = _option_test("fit-accuracy", 10)


@settings(FUZZ, max_examples=25)
@given(
    chosen=st.lists(
        st.tuples(
            st.sampled_from(
                ["--own-eval", "--column", "--checkpoints", "--loss-columns", "--accuracy-columns"]
            ),
            values,
        ),
        min_size=1,
        max_size=2,
    )
)
def test_ingest_options(base_ws: Path, chosen: list[tuple[str, str]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp) / "ws"
        shutil.copytree(base_ws, ws)
        args: list[str | Path] = [
            "ingest",
            Path(__file__).parents[1] / "data" / "good" / "long.csv",
            "--append",
        ]
        for option, value in chosen:
            args += [option, value]
        before = snapshot(ws)
        check_contract(invoke(ws, *args), ws, before, args)


# ----------------------------------------------------------------------------------------------------
# The option values issue 18 found, one by one (the command line's validation of each is the lead's part)


def _lead(*args: str) -> Any:
    return pytest.param(args, id=" ".join(args[-2:]))


def _holds(*args: str) -> Any:
    return pytest.param(args, id=" ".join(args[-2:]))


ISSUE_OPTIONS = [
    _lead("translate", "--src", "alpha", "--C", "0"),
    _lead("fit-law", "--bootstrap", "10", "--seed", "-5"),
    _lead("fit-law", "--bootstrap", "1000000000"),
    _lead("rank", "-t", "alpha_val", "--C", "1e21", "--draws", "1000000000"),
    _lead("fit-law", "--delta", "1e-320"),
    _lead("fit-law", "--delta", "inf"),
    _lead("predict", "-d", "alpha", "--D", "1e10", "--N", "1e-320"),
    _lead("optimal", "--C", "1e-320"),
    _holds("predict", "-d", "alpha", "--D", "1e10", "--N", "nan"),
    _holds("optimal", "--C", "1e308"),
    _holds("predict", "-d", "alpha", "--N", "1e9", "--D", "1e10", "--level", "1"),
]


@pytest.mark.parametrize("args", ISSUE_OPTIONS)
def test_issue_option_values(synthetic_ws: Path, one_worker: None, args: tuple[str, ...]) -> None:
    before = snapshot(synthetic_ws)
    check_contract(invoke(synthetic_ws, *args, seconds=20), synthetic_ws, before, args)


#: Options the issue found silently accepted: each must be refused as a usage error (exit 2).
ISSUE_ACCEPTED = [
    pytest.param(
        ("ingest", "{table}", "--own-eval", "web=web_val", "--own-eval", "web=code_val"), id="own-eval twice"
    ),
    pytest.param(("ingest", "{table}", "--accuracy-columns", "acc*"), id="accuracy-columns without wide"),
    pytest.param(
        ("predict", "--law", "{law}", "--via", "alpha", "--N", "1e9", "--D", "1e10"), id="law with via"
    ),
    pytest.param(
        ("predict", "--law", "{bad_law}", "-d", "alpha", "--N", "1e9", "--D", "1e10"), id="nonsense law"
    ),
]


@pytest.mark.parametrize("args", ISSUE_ACCEPTED)
def test_issue_values_once_accepted_are_refused(
    synthetic_ws: Path, tmp_path: Path, args: tuple[str, ...]
) -> None:
    ws = tmp_path / "ws"
    shutil.copytree(synthetic_ws, ws)
    law = tmp_path / "laws.json"
    assert invoke(ws, "fit-law", "--save", law).exit_code == 0
    bad_law = tmp_path / "bad_laws.json"
    doc = json.loads(law.read_text())
    for entry in doc["laws"]:
        entry.update(A=-1.0, E=-5.0, alpha=99.0)  # no law has these
    bad_law.write_text(json.dumps(doc))
    table = Path(__file__).parents[1] / "data" / "good" / "long.csv"
    filled = [a.format(table=table, law=law, bad_law=bad_law) for a in args]
    before = snapshot(ws)
    result = invoke(ws, *filled)
    check_contract(result, ws, before, filled)
    assert result.exit_code in (1, 2), f"{filled}: accepted"
