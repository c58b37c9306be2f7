"""Accuracy rows joined to their loss runs when stored: an accuracy file printing N to 3 significant digits
(``19.9M`` for the loss table's 19,904,000, as papers and W&B panels print it) is joined to those runs, and rows
that join no run are counted and named (probe p68 D1: two thirds of such a file's accuracies were dropped by the
fits without a word)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from l2l.io.accuracy_store import join_accuracy
from l2l.io.ingest import IngestRequest, ingest
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace
from tests.conftest import write

#: The loss table's sizes (non-round, as a model's parameters count them) and as a paper prints them.
SIZES = {19.904e6: "19.9M", 40.6e6: "40.6M", 84.7e6: "84.7M", 170.428e6: "170M", 355.3e6: "355M"}
TOKENS = (2e8, 4e8, 8e8)


def loss_table(folder: Path) -> Path:
    rows = ["run_id,dataset,N,D,eval,loss,split"]
    for i, n in enumerate(SIZES):
        for j, d in enumerate(TOKENS):
            own = 4.0 - i / 3 - j / 5
            rows.append(f"web-{i}-{j},web,{n:.1f},{d:.1f},web_val,{own:.3f},sweep")
            rows.append(f"web-{i}-{j},web,{n:.1f},{d:.1f},hs_ce_loss,{own + 0.2:.3f},sweep")
    return write(folder / "loss.csv", "\n".join(rows) + "\n")


def accuracy_table(folder: Path, name: str, sizes: dict[float, str], extra: tuple[str, ...] = ()) -> Path:
    """Accuracies of every loss run, no run id, N written as ``sizes`` says, and the ``extra`` lines."""
    rows = ["dataset,N,D,eval,metric,value,split"]
    for i, n in enumerate(SIZES):
        for j, d in enumerate(TOKENS):
            rows.append(f"web,{sizes[n]},{d:.1f},hs_acc,accuracy,{0.3 + i / 10 + j / 50:.3f},sweep")
    return write(folder / name, "\n".join([*rows, *extra]) + "\n")


def stored(folder: Path, *tables: Path, append: tuple[Path, ...] = ()) -> tuple[Workspace, list[str]]:
    """A workspace with ``tables`` ingested, then each of ``append`` appended; the notes of the last ingest's join."""
    ws = Workspace.locate(folder / "ws")
    done = ingest(ws, IngestRequest(files=tables))
    for path in append:
        done = ingest(ws, IngestRequest(files=(path,), append=True))
    return ws, [] if done.accuracy_join is None else done.accuracy_join.notes()


def test_an_accuracy_file_with_n_rounded_to_three_digits_is_stored_at_its_loss_runs(tmp_path: Path) -> None:
    rounded = accuracy_table(tmp_path, "rounded.csv", SIZES)
    exact = accuracy_table(tmp_path, "exact.csv", {n: f"{n:.1f}" for n in SIZES})
    ws, notes = stored(tmp_path / "a", loss_table(tmp_path), append=(rounded,))
    runs = ws.load()
    acc = ws.load_accuracy(runs)
    assert acc is not None
    assert acc.height == 15
    # every row at a loss run's (dataset, N, D, split), as the exactly written file is stored
    configs = runs.frame.select("dataset", "N", "D", "split").unique()
    assert acc.join(configs, on=["dataset", "N", "D", "split"], how="anti").height == 0
    ws_exact, exact_notes = stored(tmp_path / "b", loss_table(tmp_path), append=(exact,))
    same = ws_exact.load_accuracy(ws_exact.load())
    assert same is not None
    assert acc.equals(same)  # run ids, C and all
    assert exact_notes == []
    # 19.9M, 170M and 355M are rounded (9 rows); 40.6M and 84.7M exact; 170M lies 0.25 % from 170.428M
    assert notes == ["9 accuracy rows joined to runs whose N or D differs by up to 0.25 %: sizes rounded"]


def test_accuracies_ingested_with_their_losses_in_one_ingest_are_joined_too(tmp_path: Path) -> None:
    rounded = accuracy_table(tmp_path, "rounded.csv", SIZES)
    ws, notes = stored(tmp_path, rounded, loss_table(tmp_path))
    acc = ws.load_accuracy(ws.load())
    assert acc is not None
    assert sorted(acc.get_column("N").unique().to_list()) == sorted(SIZES)
    assert notes[0].startswith("9 accuracy rows joined")


def test_accuracy_rows_at_no_loss_run_are_counted_with_an_example_and_the_nearest_run(tmp_path: Path) -> None:
    """A size 5 % off every run (not a rounding), and a dataset with no losses at all: stored as given, counted."""
    far = [
        "web,21M,200000000.0,hs_acc,accuracy,0.5,sweep",
        "extra,19.9M,200000000.0,hs_acc,accuracy,0.3,sweep",
    ]
    acc_path = accuracy_table(tmp_path, "acc.csv", SIZES, far)
    ws, notes = stored(tmp_path, loss_table(tmp_path), append=(acc_path,))
    assert notes[1] == (
        "warning: 2 of 17 accuracy rows match no loss run (extra N=19.9M D=200M: extra has no loss run): no fit "
        "relates them to a loss"
    )
    acc = ws.load_accuracy(ws.load())
    assert acc is not None
    assert acc.filter(pl.col("dataset") == "web").get_column("N").is_in([21e6]).sum() == 1  # kept as given
    runs = read_runs([loss_table(tmp_path)])
    only_far = join_accuracy(runs.frame, acc.filter(pl.col("dataset") == "web"))
    assert only_far.unmatched == 1
    assert only_far.example == "web N=21M D=200M: the nearest run has N=19.904M"


@pytest.mark.parametrize(
    ("extra", "why"),
    [
        # two runs within 0.5 % of 50M: which one is not known
        ("web,50M,200000000.0,hs_acc,accuracy,0.5,sweep", "several runs lie within 0.5 %"),
        # 19.9M's run already holds an accuracy of the eval (19.904M written in full): not averaged into it
        (
            "web,19904000,200000000.0,hs_acc,accuracy,0.9,sweep",
            "another accuracy row of its eval is at the run",
        ),
    ],
)
def test_a_rounded_row_is_not_joined_where_the_run_is_ambiguous_or_already_has_its_accuracy(
    tmp_path: Path, extra: str, why: str
) -> None:
    loss = loss_table(tmp_path)
    text = loss.read_text() + "".join(
        f"w50-{k},web,{n},200000000.0,{ev},{v},sweep\n"
        for k, n in enumerate((49.9e6, 50.1e6))
        for ev, v in (("web_val", 3.0), ("hs_ce_loss", 3.2))
    )
    write(loss, text)
    acc_path = accuracy_table(tmp_path, "acc.csv", SIZES, (extra,))
    runs = read_runs([loss, acc_path])
    assert runs.accuracy is not None
    join = join_accuracy(runs.frame, runs.accuracy)
    assert join.unmatched >= 1
    assert join.example is not None
    assert why in join.example
    left = join.frame.join(
        runs.frame.select("dataset", "N", "D", "split").unique(), on=["N", "D"], how="anti"
    )
    assert left.height == join.unmatched


def test_an_accuracy_logged_less_often_than_its_loss_is_no_unmatched_row(tmp_path: Path) -> None:
    """p70: a per-step log whose accuracy ran every 2nd checkpoint: the largest run's last accuracy (step 8,000, its
    loss running on to 10,000) was called "match no loss run … no fit relates them" although it is paired with that
    checkpoint's task loss and fitted."""
    table = Path(__file__).resolve().parents[1] / "data" / "probe" / "ladder_accuracy_every_second_step.csv"
    ws = Workspace.locate(tmp_path / "ws")
    request = IngestRequest(
        files=(table,),
        wide=True,
        loss_columns="train/loss|eval/*/loss",
        accuracy_columns="eval/*/acc",
        constants={"dataset": "web"},
    )
    done = ingest(ws, request)
    notes = [] if done.accuracy_join is None else done.accuracy_join.notes()
    assert not any("match no loss run" in n for n in notes)


def test_an_accuracy_file_keyed_by_run_id_alone_takes_dataset_n_and_d_from_the_stored_runs(
    tmp_path: Path,
) -> None:
    by_id = ["run_id,eval,metric,value"]
    by_id += [f"web-{i}-{j},hs_acc,accuracy,{0.3 + i / 10 + j / 50:.3f}" for i in range(5) for j in range(3)]
    ws, _ = stored(
        tmp_path / "a", loss_table(tmp_path), append=(write(tmp_path / "ids.csv", "\n".join(by_id)),)
    )
    exact = accuracy_table(tmp_path, "exact.csv", {n: f"{n:.1f}" for n in SIZES})
    ref, _ = stored(tmp_path / "b", loss_table(tmp_path), append=(exact,))
    cols = ["dataset", "N", "D", "eval", "accuracy", "split"]
    got, want = ws.load_accuracy(ws.load()), ref.load_accuracy(ref.load())
    assert got is not None
    assert want is not None
    assert got.select(cols).sort(cols).equals(want.select(cols).sort(cols))
    provenance = ws.load().provenance[-1]
    assert "dataset, N, D of each row taken from the stored run of its run id" in str(provenance)


def test_a_run_id_no_stored_run_has_is_refused_naming_its_line(tmp_path: Path) -> None:
    from l2l.base.errors import InputError

    ws, _ = stored(tmp_path / "a", loss_table(tmp_path))
    bad = write(
        tmp_path / "ids.csv",
        "run_id,eval,metric,value\nweb-0-0,hs_acc,accuracy,0.3\nweb-9,hs_acc,accuracy,0.4\n",
    )
    with pytest.raises(
        InputError, match=r"ids.csv, line 3, column 'run_id': run id 'web-9' is not a stored run"
    ):
        ingest(ws, IngestRequest(files=(bad,), append=True))
    # nothing is stored by the refused append
    assert ws.load_accuracy(ws.load()) is None
    # an id that differs only in case or spaces is named (p73)
    upper = write(tmp_path / "up.csv", "run_id,eval,metric,value\n WEB-0-1,hs_acc,accuracy,0.3\n")
    with pytest.raises(InputError) as info:
        ingest(ws, IngestRequest(files=(upper,), append=True))
    assert info.value.hint == (
        "the stored run 'web-0-1' differs only in case or spaces: run ids are matched exactly; write them as stored"
    )


def test_a_per_step_log_keyed_by_run_id_needs_each_rows_tokens(tmp_path: Path) -> None:
    from l2l.base.errors import InputError

    losses, by_id, no_d = ["run_id,tokens,params,dataset,eval,loss"], ["run_id,tokens,eval,metric,value"], []
    for i, n in enumerate((2e7, 4e7, 8e7, 1.6e8)):
        for k in (1, 2, 3):
            losses.append(f"r{i},{n * 4 * k:.0f},{n:.0f},web,web_val,{4 - i / 3 - k / 9:.3f}")
            by_id.append(f"r{i},{n * 4 * k:.0f},hs_acc,accuracy,{0.3 + i / 10 + k / 50:.3f}")
            no_d.append(f"r{i},hs_acc,accuracy,0.5")
    ws = Workspace.locate(tmp_path / "ws")
    ingest(ws, IngestRequest(files=(write(tmp_path / "l.csv", "\n".join(losses)),), checkpoints="all"))
    ingest(ws, IngestRequest(files=(write(tmp_path / "a.csv", "\n".join(by_id)),), append=True))
    acc = ws.load_accuracy(ws.load())
    assert acc is not None
    assert acc.height == 12
    assert sorted(set(acc.get_column("N").to_list())) == [2e7, 4e7, 8e7, 1.6e8]
    bad = write(tmp_path / "b.csv", "\n".join(["run_id,eval,metric,value", *no_d]))
    with pytest.raises(
        InputError, match=r"line 2, column 'run_id': run id 'r0' names stored runs of more than one D"
    ):
        ingest(ws, IngestRequest(files=(bad,), append=True))


def test_a_per_step_accuracy_log_on_final_checkpoints_is_refused_not_averaged(tmp_path: Path) -> None:
    """Probe p73: appended to a workspace of final checkpoints, a per-step accuracy log keyed by run id was averaged
    into each run's final (N, D) (up to 7.8 points off its last checkpoint); given its tokens, other runs' mid-run
    checkpoints were joined to the runs of the same (N, D)."""
    from l2l.base.errors import InputError

    losses, steps, no_d = (
        ["run_id,step,tokens,params,dataset,eval,loss"],
        ["run_id,tokens,eval,metric,value"],
        [],
    )
    for i, n in enumerate((2e7, 4e7, 8e7, 1.6e8)):
        for k in (1, 2, 3):
            losses.append(f"r{i},{k},{n * 4 * k:.0f},{n:.0f},web,web_val,{4 - i / 3 - k / 9:.3f}")
            steps.append(f"r{i},{n * 4 * k:.0f},hs_acc,accuracy,{0.3 + i / 10 + k / 50:.3f}")
            no_d.append(f"r{i},hs_acc,accuracy,{0.3 + i / 10 + k / 50:.3f}")
    ws = Workspace.locate(tmp_path / "ws")
    ingest(ws, IngestRequest(files=(write(tmp_path / "l.csv", "\n".join(losses)),)))  # final checkpoints only
    bare = write(tmp_path / "b.csv", "\n".join(["run_id,eval,metric,value", *no_d]))
    with pytest.raises(
        InputError, match=r"line 2, column 'run_id': run id 'r0' has several rows of one eval"
    ):
        ingest(ws, IngestRequest(files=(bare,), append=True))
    with pytest.raises(
        InputError, match=r"line 2, column 'tokens': run id 'r0' at 8e\+07 tokens: the workspace"
    ):
        ingest(ws, IngestRequest(files=(write(tmp_path / "s.csv", "\n".join(steps)),), append=True))
    assert ws.load_accuracy(ws.load()) is None
    last = [steps[0], *(row for j, row in enumerate(steps[1:]) if j % 3 == 2)]  # each run's last checkpoint
    ingest(ws, IngestRequest(files=(write(tmp_path / "last.csv", "\n".join(last)),), append=True))
    acc = ws.load_accuracy(ws.load())
    assert acc is not None
    assert acc.height == 4


def test_a_run_id_reused_across_datasets_is_told_apart_by_the_tables_dataset_column(tmp_path: Path) -> None:
    """p74: one id (m000) in every dataset, and a table that names the dataset of each row, was refused as "several
    rows of one eval"; a checkpoint's tokens no stored checkpoint has were stored silently on a workspace of every
    checkpoint."""
    from l2l.base.errors import InputError

    rows = ["run_id,step,tokens,params,dataset,eval,loss"]
    for ds, shift in (("alpha", 0.0), ("beta", 0.1)):
        for i, n in enumerate((2e7, 4e7, 8e7, 1.6e8)):
            for k in (1, 2, 3):
                rows.append(f"m{i:03d},{k},{n * 4 * k:.0f},{n:.0f},{ds},val,{4 - i / 3 - k / 9 + shift:.3f}")
    ws = Workspace.locate(tmp_path / "ws")
    ingest(ws, IngestRequest(files=(write(tmp_path / "l.csv", "\n".join(rows)),), checkpoints="all"))
    table = "run_id,dataset,tokens,eval,metric,value\nm000,alpha,8e7,acc,accuracy,0.3\nm000,beta,8e7,acc,accuracy,0.4\n"
    ingest(ws, IngestRequest(files=(write(tmp_path / "a.csv", table),), append=True))
    acc = ws.load_accuracy(ws.load())
    assert acc is not None
    assert sorted(zip(acc["dataset"], acc["accuracy"], strict=True)) == [("alpha", 0.3), ("beta", 0.4)]
    odd = "run_id,dataset,tokens,eval,metric,value\nm001,alpha,1.1e8,acc,accuracy,0.3\n"
    with pytest.raises(
        InputError, match=r"line 2, column 'tokens': run id 'm001' at 1\.1e\+08 tokens: .*no such"
    ):
        ingest(ws, IngestRequest(files=(write(tmp_path / "b.csv", odd),), append=True))


def test_a_table_keyed_by_run_id_read_first_points_at_appending_it(tmp_path: Path) -> None:
    """p75: an evaluation harness's table read into a new workspace got a list of every column alias, never the
    order the README gives (losses first, then --append)."""
    from l2l.base.errors import InputError

    table = write(tmp_path / "acc.csv", "run_name,task,metric,value\nr1,hellaswag,acc_norm,0.3\n")
    with pytest.raises(InputError) as info:
        ingest(Workspace.locate(tmp_path / "ws"), IngestRequest(files=(table,)))
    assert (info.value.hint or "").startswith("a table keyed by run id alone")
    assert "l2l ingest --append FILE" in (info.value.hint or "")
