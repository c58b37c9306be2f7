"""The workspace as a store one can trust (issue 18): the path checked before anything is written, one commit for
losses and accuracies, the writers' lock, readers that never see half a write, leftovers of a killed writer
cleaned, checksummed caches rebuilt when damaged; and the same under real concurrent and killed processes."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from l2l.base.errors import InputError, WorkspaceError
from l2l.io.caches import FITS_VERSION, save_fits, saved_calibrations, saved_fits
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace
from tests.conftest import write

LOSSES = "dataset,N,D,eval,loss\n"


def part(path: Path, dataset: str, k: int, rows: int = 4) -> Path:
    """A small table of ``rows`` runs of ``dataset`` whose N values no other part has (``k`` tells them apart)."""
    lines = [
        f"{dataset},{(k * 100 + i + 1) * 1e6:.0f},{(k * 100 + i + 1) * 2e7:.0f},val,{3 + i / 10}"
        for i in range(rows)
    ]
    return write(path, LOSSES + "\n".join(lines) + "\n")


def l2l_here(*args: str | Path, ws: Path) -> Any:
    """The command line in the test's own process: the set-up and the checks around the real processes below
    (each process of its own costs a second of start-up; the ones under test are started with ``l2l_process``)."""
    from typer.testing import CliRunner

    from l2l.cli import app

    return CliRunner().invoke(app, [str(a) for a in args], env={"L2L_WORKSPACE": str(ws)})


def l2l_process(*args: str | Path, ws: Path, stderr: int = subprocess.DEVNULL) -> subprocess.Popen[str]:
    """The real command line in a process of its own, started (not waited for)."""
    return subprocess.Popen(
        [sys.executable, "-m", "l2l", *map(str, args)],
        env={**os.environ, "L2L_WORKSPACE": str(ws)},
        stdout=subprocess.DEVNULL,
        stderr=stderr,
        text=True,
    )


# ----------------------------------------------------------------------------------------------------
# The path is checked before anything is written


def test_a_directory_that_is_not_a_workspace_is_refused(
    run: Any, good: Path, tmp_path: Path, snap: Any
) -> None:
    home = tmp_path / "project"
    home.mkdir()
    write(home / "config.json", '{"mine": true}\n')
    before = snap(home)
    os.chdir(home)
    result = run("-w", "", "ingest", good / "long.csv")
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Error: . (")
    assert "is not an l2l workspace and not empty (it holds config.json)" in lines[0]
    assert lines[0].endswith(". Hint: choose another --workspace (default ./.l2l)")
    assert len(lines) == 1
    assert snap(home) == before  # the user's config.json untouched, nothing added


@pytest.mark.parametrize(
    "content", ["[" * 100_000, "\x00\xff", '{"l2l_version": 1}'], ids=["deep", "binary", "half"]
)
def test_a_foreign_config_json_is_never_taken_for_a_workspace(
    run: Any, good: Path, tmp_path: Path, content: str
) -> None:
    home = tmp_path / "project"
    home.mkdir()
    (home / "config.json").write_text(content, encoding="utf-8", errors="surrogateescape")
    for args in (("ingest", good / "long.csv"), ("runs",)):
        result = run("-w", home, *args)
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
        assert "internal error" not in result.stderr
    assert [p.name for p in home.iterdir()] == ["config.json"]


def test_a_file_as_workspace_is_refused(good: Path, tmp_path: Path) -> None:
    path = write(tmp_path / "notes.txt", "mine\n")
    with pytest.raises(WorkspaceError, match="is a file, not a directory"):
        Workspace(path).save(read_runs([good / "long.csv"]))
    assert path.read_text() == "mine\n"


def test_a_file_as_workspace_is_named_so_by_readers_too(
    run: Any, good: Path, ws_path: Path, tmp_path: Path
) -> None:
    """A reader said "no workspace at afile.txt" and told to ingest, which then refused the file; a file of a
    workspace (-w ws/current.json) was called one of its folders (p57 #10)."""
    path = write(tmp_path / "notes.txt", "mine\n")
    result = run("-w", path, "runs")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: the workspace path {path} is a file, not a directory. "
        "Hint: choose another --workspace (default ./.l2l)",
    ]
    assert run("ingest", good / "long.csv").exit_code == 0
    inner = ws_path / "current.json"
    result = run("-w", inner, "runs")
    assert result.stderr.splitlines() == [
        f"Error: the workspace path {inner} is a file, not a directory (a file of the l2l workspace "
        f"{ws_path.resolve()}). Hint: use the workspace: -w {ws_path.resolve()}",
    ]
    assert path.read_text() == "mine\n"


def test_a_new_or_empty_directory_becomes_a_workspace(good: Path, tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    for root in (empty, tmp_path / "new" / "deeper"):
        ws = Workspace(root)
        ws.save(read_runs([good / "long.csv"]))
        assert (root / "l2l-workspace.json").is_file()
        assert ws.load().frame.height == 10


def test_a_workspace_of_the_first_layout_is_named_and_replaced(good: Path, tmp_path: Path) -> None:
    root = tmp_path / "old"
    root.mkdir()
    runs = read_runs([good / "long.csv"])
    runs.frame.write_parquet(root / "runs.parquet")
    write(
        root / "config.json", json.dumps({"schema_version": 1, "l2l_version": "0.0.9", "digest": runs.digest})
    )
    ws = Workspace(root)
    with pytest.raises(WorkspaceError, match=r"written by an older l2l \(layout 1") as info:
        ws.load()
    assert info.value.hint == "re-create the workspace with `l2l ingest FILE`"
    ws.save(runs)  # ingesting into it is allowed, and leaves the new layout only
    assert ws.load().digest == runs.digest
    assert not (root / "runs.parquet").exists()
    assert not (root / "config.json").exists()


@pytest.mark.parametrize(
    ("name", "edit", "said"),
    [
        ("l2l-workspace.json", {"layout": 3}, "written by a newer l2l (l2l-workspace.json says layout 3; "),
        ("current.json", {"layout": 3}, "written by a newer l2l (current.json says layout 3; "),
        ("l2l-workspace.json", {"format": "other"}, "its l2l-workspace.json says format 'other', layout 2"),
    ],
)
def test_a_workspace_of_a_newer_layout_is_refused_and_never_written(
    run: Any, good: Path, ws_path: Path, snap: Any, name: str, edit: dict[str, Any], said: str
) -> None:
    """A marker or pointer saying layout 3 (a newer l2l's store) was read, appended to and replaced without a
    word (p57 #3): every reader and writer refuses it in one line, and not a byte of it changes."""
    assert run("ingest", good / "long.csv").exit_code == 0
    doc = json.loads((ws_path / name).read_text())
    (ws_path / name).write_text(json.dumps({**doc, **edit}))
    before = snap(ws_path)
    for args in (("runs",), ("ingest", "--append", good / "repeats.csv"), ("ingest", good / "long.csv")):
        result = run(*args)
        assert result.exit_code == 1, args
        first = result.stderr.splitlines()[0]
        assert said in first, args
        assert first.partition(". Hint: ")[0].endswith("layout 2)")  # and what this l2l reads
        assert len(result.stderr.splitlines()) == 1  # the error and its hint, on one line
        assert " Hint: " in first
    assert snap(ws_path) == before


# ----------------------------------------------------------------------------------------------------
# One commit for losses and accuracies; readers see the old or the new workspace


BOTH = (
    "dataset,N,D,eval,loss,metric\n"
    "web,1e8,2e9,web_val,3.1,loss\nweb,2e8,4e9,web_val,2.9,loss\nweb,4e8,8e9,web_val,2.7,loss\n"
    "web,1e8,2e9,quiz,0.31,accuracy\nweb,2e8,4e9,quiz,0.42,accuracy\n"
)


def test_losses_and_accuracies_are_one_generation(ws_path: Path, tmp_path: Path) -> None:
    ws = Workspace(ws_path)
    table = write(tmp_path / "both.csv", BOTH)
    stored = ws.save(read_runs([table]))
    assert stored.accuracy is not None
    assert stored.accuracy.height == 2
    gen = ws_path / "gen-000001"
    assert sorted(p.name for p in gen.iterdir()) == ["accuracy.parquet", "config.json", "runs.parquet"]
    assert ws.config()["accuracy_rows"] == 2
    loaded = ws.load()
    assert ws.attach_accuracy(loaded).accuracy.height == 2
    # appending losses only keeps the accuracies; replacing with a table without any drops them
    more = part(tmp_path / "more.csv", "web-corpus", 7)
    after = ws.save(read_runs([more]), append=True)
    assert after.accuracy is not None
    assert after.accuracy.height == 2
    assert ws.attach_accuracy(ws.load()).accuracy.height == 2
    ws.save(read_runs([more]))
    assert ws.attach_accuracy(ws.load()).accuracy is None


def test_runs_read_before_a_commit_find_their_accuracies(good: Path, ws_path: Path, tmp_path: Path) -> None:
    """A command that loaded the runs just before another process committed still gets ITS accuracies (from the
    generation before, which is kept)."""
    ws = Workspace(ws_path)
    table = write(
        tmp_path / "t.csv",
        "dataset,N,D,eval,loss,metric\nweb,1e8,2e9,val,3.1,loss\nweb,2e8,4e9,val,2.9,loss\nweb,1e8,2e9,quiz,0.3,accuracy\n",
    )
    ws.save(read_runs([table]))
    early = ws.load()
    ws.save(read_runs([part(tmp_path / "p.csv", "other", 1)]))  # another writer replaced everything
    assert ws.attach_accuracy(early).accuracy.height == 1
    assert ws.attach_accuracy(ws.load()).accuracy is None


def test_a_reader_never_sees_half_a_write(ws_path: Path, tmp_path: Path) -> None:
    ws = Workspace(ws_path)
    ws.save(read_runs([part(tmp_path / "p0.csv", "web", 0)]))
    committed = {ws.load().digest}
    errors: list[BaseException] = []
    seen: set[str] = set()
    done = threading.Event()

    def reader() -> None:
        reader_ws = Workspace(ws_path)
        while not done.is_set():
            try:
                seen.add(reader_ws.load().digest)
            except BaseException as exc:  # noqa: BLE001 - any failure is the finding
                errors.append(exc)
                return

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for k in range(1, 16):
            committed.add(
                Workspace(ws_path)
                .save(read_runs([part(tmp_path / f"p{k}.csv", "web", k)]), append=True)
                .digest
            )
    finally:
        done.set()
        thread.join()
    assert not errors
    assert seen <= committed
    assert len(seen) > 1


# ----------------------------------------------------------------------------------------------------
# The writers' lock


def test_a_waiting_writer_is_told_and_then_proceeds(good: Path, ws_path: Path, tmp_path: Path) -> None:
    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    told: list[str] = []
    result: list[Any] = []
    with ws.lock():
        thread = threading.Thread(
            target=lambda: result.append(
                Workspace(ws_path).save(
                    read_runs([part(tmp_path / "p.csv", "web", 3)]), append=True, on_wait=told.append
                )
            )
        )
        thread.start()
        deadline = time.monotonic() + 30  # (a fixed 0.3 s missed the telling on a loaded 2-core machine)
        while not told and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not result  # still waiting
    thread.join(timeout=30)
    assert len(told) == 1
    assert told[0].startswith(f"waiting for workspace {ws_path}: pid {os.getpid()}, since ")
    assert result
    assert result[0].frame.height == 14
    assert (ws_path / ".lock").read_bytes() == b""  # who held it is cleared on release


def test_a_writer_gives_up_after_the_timeout_naming_the_holder(
    good: Path, ws_path: Path, monkeypatch: pytest.MonkeyPatch, snap: Any
) -> None:
    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    monkeypatch.setenv("L2L_LOCK_TIMEOUT", "0.2")
    with ws.lock():
        before = snap(ws_path)
        with pytest.raises(
            WorkspaceError, match=rf"is busy: pid {os.getpid()}, since .* is writing it"
        ) as info:
            Workspace(ws_path).save(read_runs([good / "long.csv"]), append=True)
        assert snap(ws_path) == before
    assert "set L2L_LOCK_TIMEOUT (seconds) to wait longer" in (info.value.hint or "")
    monkeypatch.setenv("L2L_LOCK_TIMEOUT", "soon")
    with pytest.raises(Exception, match=r"L2L_LOCK_TIMEOUT='soon' is not a positive number") as bad:
        ws.save(read_runs([good / "long.csv"]))
    assert bad.value.exit_code == 2  # type: ignore[attr-defined]


def test_a_refused_append_leaves_every_byte(good: Path, ws_path: Path, snap: Any) -> None:
    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    before = snap(ws_path)
    with pytest.raises(InputError, match="already in the workspace"):
        ws.save(read_runs([good / "long.csv"]), append=True, strict=True)
    assert snap(ws_path) == before


# ----------------------------------------------------------------------------------------------------
# Leftovers of a killed writer


def test_leftovers_are_ignored_by_readers_and_removed_by_the_next_writer(
    good: Path, ws_path: Path, tmp_path: Path
) -> None:
    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    digest = ws.load().digest
    # what kill -9 may leave: a half generation, temporary files, a lock file naming a dead holder
    half = ws_path / "gen-000002"
    half.mkdir()
    (half / "runs.parquet").write_bytes(b"PAR1 half")
    (ws_path / ".current.json.x1y2.tmp").write_bytes(b"{")
    (ws_path / "artifacts").mkdir()
    (ws_path / "artifacts" / ".fits.json.abcd.tmp").write_bytes(b"x" * 1000)
    (ws_path / ".lock").write_text("pid 999999, since 12:00:00\n")
    assert ws.load().digest == digest  # readers ignore them
    ws.save(read_runs([part(tmp_path / "p.csv", "web", 5)]), append=True)  # a writer removes them
    names = sorted(p.name for p in ws_path.iterdir())
    assert names == [".lock", "artifacts", "current.json", "gen-000001", "gen-000002", "l2l-workspace.json"]
    assert ws.load().frame.height == 14  # the half generation was removed, not read
    assert list((ws_path / "artifacts").iterdir()) == []
    ws.save(read_runs([part(tmp_path / "q.csv", "web", 6)]), append=True)
    assert sorted(p.name for p in ws_path.glob("gen-*")) == ["gen-000002", "gen-000003"]  # current, previous


def test_a_damaged_or_edited_workspace_is_one_line(run: Any, good: Path, ws_path: Path) -> None:
    assert run("ingest", good / "long.csv").exit_code == 0
    ws = Workspace(ws_path)
    config = ws.config_path
    # an edit that keeps the checksum in step (a deliberate one) but gives a field the wrong type
    doc = json.loads(config.read_text())
    doc["own_eval"] = 5
    config.write_text(json.dumps(doc))
    pointer = json.loads(ws.pointer_path.read_text())
    import hashlib

    pointer["files"]["config.json"] = hashlib.sha256(config.read_bytes()).hexdigest()
    ws.pointer_path.write_text(json.dumps(pointer))
    result = run("runs")
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"Error: workspace {ws_path}: config.json: 'own_eval' is not an object of names. "
        "Hint: re-create the workspace with `l2l ingest FILE`",
    ]
    # any other edit fails the checksum
    config.write_text(config.read_text() + " ")
    result = run("runs")
    assert result.exit_code == 1
    assert "gen-000001/config.json does not match its checksum" in result.stderr.splitlines()[0]
    ws.pointer_path.write_text("junk")
    assert "current.json is not l2l's" in run("runs").stderr
    assert run("ingest", "--append", good / "long.csv").exit_code == 1  # nothing to append to...
    assert run("ingest", good / "long.csv").exit_code == 0  # ...but it can be re-created, as the hint says
    assert run("runs").exit_code == 0
    assert sorted(p.name for p in ws_path.glob("gen-*")) == ["gen-000001"]


# ----------------------------------------------------------------------------------------------------
# Caches


def _fitted(ingested: Any, ws_path: Path) -> tuple[Path, str]:
    """The fits cache of a copy of the shared synthetic workspace (tests/conftest.py) and fit-law's answer."""
    result = ingested("fit-law", "--save", "--format", "json")
    assert result.exit_code == 0, result.stderr
    return ws_path / "artifacts" / "fits.json", result.stdout


def test_a_corrupt_fit_cache_is_rebuilt_with_a_note(run: Any, ingested: Any, ws_path: Path) -> None:
    fits, fresh = _fitted(ingested, ws_path)
    assert json.loads(fits.read_text())["checksum"]
    fits.write_text("junk")
    assert run("runs").exit_code == 0  # never fatal
    ws = Workspace(ws_path)
    assert len(saved_fits(ws)) == 0
    assert ws.notes == ["the cache artifacts/fits.json cannot be read (" + ws.notes[0].split("(", 1)[1]]
    assert ws.notes[0].endswith("it is ignored and will be rebuilt")
    again = run("fit-law", "--save", "--format", "json")
    assert again.exit_code == 0
    assert json.loads(again.stdout)["rows"] == json.loads(fresh)["rows"]
    assert len(saved_fits(Workspace(ws_path))) > 0  # rebuilt


def test_an_edited_cached_fit_is_never_served(run: Any, ingested: Any, ws_path: Path) -> None:
    fits, fresh = _fitted(ingested, ws_path)
    doc = json.loads(fits.read_text())
    for rec in doc["fits"].values():
        rec["E"] = 0.123  # the kind of edit that was printed as if fitted
    fits.write_text(json.dumps(doc))
    ws = Workspace(ws_path)
    assert len(saved_fits(ws)) == 0
    assert ws.notes == [
        "the cache artifacts/fits.json does not match its checksum (damaged or edited): "
        "it is ignored and will be rebuilt"
    ]
    again = run("fit-law", "--save", "--format", "json")
    assert json.loads(again.stdout)["rows"] == json.loads(fresh)["rows"]


def test_a_cache_file_is_checked_on_the_bytes_it_holds(ingested: Any, ws_path: Path) -> None:
    """The checksum is of the file's bytes after it (read without serialising the records again): any byte
    changed is caught, and so is the same JSON written out another way."""
    fits, _ = _fitted(ingested, ws_path)
    data = fits.read_bytes()
    assert data.startswith(b'{"checksum":"')
    doc = json.loads(data)
    assert (doc["kind"], doc["version"]) == ("fits", FITS_VERSION)
    n = len(saved_fits(Workspace(ws_path)))
    assert n > 0
    digit = data.index(b"0.", 200)  # a digit of some fitted number
    for damaged in (
        data[:digit] + b"1" + data[digit + 1 :],
        json.dumps(doc, indent=2).encode() + b"\n",  # the same records, pretty-printed by hand
        data[:-1],  # cut short by one byte
    ):
        fits.write_bytes(damaged)
        ws = Workspace(ws_path)
        assert len(saved_fits(ws)) == 0
        assert ws.notes == [
            "the cache artifacts/fits.json does not match its checksum (damaged or edited): "
            "it is ignored and will be rebuilt"
        ]
    fits.write_bytes(data)
    assert len(saved_fits(Workspace(ws_path))) == n


@pytest.mark.parametrize(
    "damage",
    [f'{{"kind": "fits", "version": {FITS_VERSION}}}', "[1, 2]", '{"fits": 5}', "\x00\xff", "[" * 100_000],
    ids=["no-checksum", "not-an-object", "wrong-type", "binary", "deep"],
)
def test_any_damaged_cache_reads_as_empty(good: Path, ws_path: Path, damage: str) -> None:
    from l2l.core.fit import FitCache

    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    (ws_path / "artifacts").mkdir()
    for name in ("fits", "calibrations"):
        (ws_path / "artifacts" / f"{name}.json").write_text(
            damage, encoding="utf-8", errors="surrogateescape"
        )
    assert len(saved_fits(ws)) == 0
    assert len(saved_calibrations(ws)) == 0
    assert len(ws.notes) == 2
    assert save_fits(ws, FitCache()) == 0  # a damaged file is replaced, not an error
    assert json.loads((ws_path / "artifacts" / "fits.json").read_text())["fits"] == {}


# ----------------------------------------------------------------------------------------------------
# Real processes: concurrent appends, and kill -9 during ingest


def _appends(ws: Path, tmp_path: Path, rounds: int, writers: int) -> None:
    for r in range(rounds):
        root = ws / f"round{r}"
        base = part(tmp_path / f"base{r}.csv", "base", 0)
        assert l2l_here("ingest", base, ws=root).exit_code == 0
        parts = [part(tmp_path / f"r{r}w{k}.csv", f"ds{k}", k + 1) for k in range(writers)]
        procs = [l2l_process("ingest", "--append", p, ws=root, stderr=subprocess.PIPE) for p in parts]
        results = [(p.communicate(timeout=120)[1], p.returncode) for p in procs]
        assert all(code == 0 for _, code in results), results
        stored = Workspace(root).load()
        assert stored.frame.height == 4 * (writers + 1)  # every row, each once
        assert stored.frame.select("dataset", "N", "D", "eval").unique().height == stored.frame.height
        assert sorted(stored.datasets) == sorted(["base", *(f"ds{k}" for k in range(writers))])
        assert len(stored.provenance) == writers + 1


def test_concurrent_appends_lose_nothing(tmp_path: Path) -> None:
    # one round of five writers (two more rounds, in a test of their own, took 9 s of the suite's three minutes)
    _appends(tmp_path / "ws", tmp_path, rounds=1, writers=5)


def _kills(tmp_path: Path, kills: int, seed: int) -> dict[str, int]:
    """Start an append, kill -9 it at a random moment, then check the workspace is the old or the new one and that
    reading, appending and a fit all work."""
    rng = random.Random(seed)
    root = tmp_path / "ws"
    base = part(tmp_path / "base.csv", "base", 0, rows=6)
    assert l2l_here("ingest", base, ws=root).exit_code == 0
    outcome = {"old": 0, "new": 0}
    for k in range(kills):
        old = Workspace(root).load()
        extra = part(tmp_path / f"x{k}.csv", f"x{k}", k + 1)
        new_height = old.frame.height + 4
        proc = l2l_process("ingest", "--append", extra, ws=root)
        time.sleep(rng.uniform(0.2, 1.6))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        now = Workspace(root).load()
        assert now.frame.height in (old.frame.height, new_height)
        if now.frame.height == old.frame.height:
            assert now.digest == old.digest
        outcome["old" if now.frame.height == old.frame.height else "new"] += 1
    assert l2l_here("runs", ws=root).exit_code == 0
    after = l2l_here("ingest", "--append", part(tmp_path / "last.csv", "last", 99), ws=root)
    assert after.exit_code == 0, after.stderr
    leftovers = [p.name for p in root.iterdir() if p.name.endswith(".tmp")]
    assert not leftovers
    assert len(list(root.glob("gen-*"))) <= 2
    return outcome


def test_kill_during_ingest_leaves_the_old_or_the_new_workspace(tmp_path: Path) -> None:
    # four kills at random moments (two more tests of 2 and 6 kills took 8 s of the suite's three minutes)
    outcome = _kills(tmp_path, kills=4, seed=1)
    assert sum(outcome.values()) == 4  # (benchmarks/bench_store.py counts how many landed after the commit)


def test_ingest_edit_reads_frames_unchanged(good: Path, ws_path: Path) -> None:
    """The stored frame is the one ingested (no reordering through the generation files)."""
    runs = read_runs([good / "long.csv"])
    stored = Workspace(ws_path).save(runs)
    assert stored.frame.equals(runs.frame)
    assert pl.read_parquet(Workspace(ws_path).runs_path).equals(runs.frame)
