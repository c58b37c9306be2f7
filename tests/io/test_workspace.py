"""The workspace store: saving and loading runs atomically, appending, artifacts, and reading a table beside it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base import schema
from l2l.base.errors import InputError, WorkspaceError
from l2l.io import atomic as l2l_atomic
from l2l.io import workspace as l2l_workspace
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace, load_runs
from tests.conftest import write

# ----------------------------------------------------------------------------------------------------
# Workspace


def test_locate_prefers_option_then_env_then_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("L2L_WORKSPACE", raising=False)
    assert Workspace.locate(None).root == tmp_path / ".l2l"
    monkeypatch.setenv("L2L_WORKSPACE", str(tmp_path / "env"))
    assert Workspace.locate(None).root == tmp_path / "env"
    assert Workspace.locate(tmp_path / "opt").root == tmp_path / "opt"


def test_round_trip(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    assert not ws.exists()
    runs = read_runs([good / "long.csv"], own_eval={"web": "code_val"})
    ws.save(runs)
    back = ws.load()
    assert back.frame.equals(runs.frame)
    assert back.own_eval == runs.own_eval
    assert back.own_eval_how == runs.own_eval_how
    assert back.provenance == runs.provenance
    assert back.digest == runs.digest
    config = json.loads(ws.config_path.read_text())
    assert config["schema_version"] == schema.WORKSPACE_SCHEMA_VERSION
    assert config["digest"] == runs.digest
    # one generation, the commit naming it, the marker, the lock; no temp files left
    assert sorted(p.name for p in ws_path.iterdir()) == [
        ".lock",
        "current.json",
        "gen-000001",
        "l2l-workspace.json",
    ]
    assert sorted(p.name for p in (ws_path / "gen-000001").iterdir()) == ["config.json", "runs.parquet"]


def test_load_without_workspace_says_what_to_do(ws_path: Path) -> None:
    with pytest.raises(WorkspaceError, match=f"no workspace at {ws_path}") as info:
        Workspace.locate(None).load()
    assert info.value.hint == "run `l2l ingest FILE` first"


def test_a_folder_inside_a_workspace_is_refused_and_the_workspace_left_whole(
    good: Path, ws_path: Path, snap: Any
) -> None:
    """A generation's folder looks like a workspace of layout 1: ``-w ws/gen-000001`` said "written by an older
    l2l; re-create it with l2l ingest", and that ingest destroyed the live workspace around it (a probe)."""
    ws = Workspace.locate(None)
    runs = read_runs([good / "long.csv"])
    ws.save(runs)
    before = snap(ws_path)
    for inner in (ws_path / "gen-000001", ws_path / "artifacts" / "new"):
        with pytest.raises(WorkspaceError, match="lies inside the l2l workspace") as info:
            Workspace(inner).load()
        assert info.value.hint == f"use the workspace itself: -w {ws_path.resolve()}"
        with pytest.raises(WorkspaceError, match="lies inside the l2l workspace"):
            Workspace(inner).save(runs)
    assert snap(ws_path) == before
    assert ws.load().digest == runs.digest


def test_load_detects_a_tampered_workspace(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "long.csv"]))
    read_runs([good / "repeats.csv"]).frame.write_parquet(ws.runs_path)
    with pytest.raises(WorkspaceError, match=r"gen-000001/runs.parquet does not match its checksum"):
        ws.load()


def test_append_merges_and_reaverages(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "repeats.csv"]))
    extra = write(
        ws_path.parent / "extra.csv",
        "dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,3.5\nweb,4e8,8e9,web_val,2.5\n",
    )
    stored = ws.save(read_runs([extra]), append=True)
    assert stored.frame.height == 3
    row = stored.frame.filter(pl.col("N") == 1e8).row(0, named=True)
    assert row["n_repeats"] == 4
    assert_allclose(row["loss"], (3.0 + 3.2 + 3.1 + 3.5) / 4, rtol=1e-12)
    assert len(stored.provenance) == 2
    assert ws.load().digest == stored.digest


def test_append_strict_rejects_repeats_of_stored_rows(good: Path, ws_path: Path, snap: Any) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "long.csv"]))
    before = snap(ws_path)
    with pytest.raises(InputError, match="already in the workspace"):
        ws.save(read_runs([good / "long.csv"]), append=True, strict=True)
    assert snap(ws_path) == before


def test_append_keeps_explicit_own_eval(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "long.csv"], own_eval={"web": "code_val"}))
    stored = ws.save(read_runs([good / "long.csv"]), append=True)
    assert stored.own_eval["web-corpus"] == "code_val"
    assert stored.own_eval_how["web-corpus"] == "explicit"


def test_failed_write_leaves_workspace_as_it_was(
    good: Path, ws_path: Path, snap: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "long.csv"]))
    before = snap(ws_path)
    real = l2l_atomic.replace_file

    def fail_on_config(src: Path, dst: Path) -> None:
        if dst.name == "current.json":
            raise OSError(28, "No space left on device")
        real(src, dst)

    monkeypatch.setattr(l2l_workspace, "replace_file", fail_on_config)
    with pytest.raises(WorkspaceError, match="No space left"):
        ws.save(read_runs([good / "repeats.csv"]))
    assert snap(ws_path) == before
    fresh = Workspace(ws_path.parent / "fresh")
    with pytest.raises(WorkspaceError):
        fresh.save(read_runs([good / "repeats.csv"]))
    assert not fresh.root.exists()


def test_artifacts_round_trip(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    assert ws.read_artifact_bytes("fit-law", ".json") is None
    data = b'{"digest": "abc", "params": {"E": 1.5}}\n'
    with pytest.raises(WorkspaceError, match="no workspace"):  # artifacts go only into a workspace
        ws.write_artifact_bytes("fit-law", ".json", data)
    assert not ws_path.exists()
    ws.save(read_runs([good / "long.csv"]))
    ws.write_artifact_bytes("fit-law", ".json", data)
    assert ws.read_artifact_bytes("fit-law", ".json") == data
    with pytest.raises(ValueError, match="bad artifact name"):
        ws.write_artifact_bytes("../escape", ".json", data)


def test_load_runs_uses_workspace_own_eval_for_a_table(good: Path, ws_path: Path) -> None:
    ws = Workspace.locate(None)
    ws.save(read_runs([good / "long.csv"], own_eval={"web": "code_val"}))
    runs = load_runs(good / "long.csv", ws)
    assert runs.own_eval == {"web-corpus": "code_val", "code": "code_val"}
    assert runs.own_eval_how["web-corpus"] == "workspace"
    assert load_runs(None, ws).digest == ws.load().digest
    # without a workspace, a table is read on its own
    assert (
        load_runs(good / "long.csv", Workspace(ws_path.parent / "none")).own_eval["web-corpus"] == "web_val"
    )


def test_a_table_given_to_a_command_is_told_the_ingest_options_its_hint_names_are_ingests(
    tmp_path: Path,
) -> None:
    """``l2l fit-law wide.csv`` was told to "read it with --wide --loss-columns …": fit-law has no --wide (h1)."""
    wide = write(
        tmp_path / "wide.csv",
        "dataset,N,D,eval/a_val/loss,eval/b_val/loss\nweb,1e8,2e9,3.0,3.2\nweb,2e8,4e9,2.9,3.1\n",
    )
    with pytest.raises(InputError) as info:
        load_runs(wide, Workspace(tmp_path / "ws"))
    assert "--wide --loss-columns" in str(info.value.hint)
    assert f"options of l2l ingest: l2l ingest {wide}" in str(info.value.hint)
    assert info.value.path == str(wide) or str(wide) in str(info.value)
    bad = write(tmp_path / "bad.csv", "dataset,N,D,eval,loss\nweb,1e8,2e9,v,abc\n")
    with pytest.raises(InputError) as info:
        load_runs(bad, Workspace(tmp_path / "ws"))
    assert info.value.hint is not None
    assert "l2l ingest" not in info.value.hint  # --where filters a table given to any command
