"""Which loss eval an accuracy eval is related to (its task's loss), on the names W&B exports give them."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import SelectionError
from l2l.base.runs import Runs
from l2l.io.tables import read_runs
from l2l.workflows.accuracy import accuracy_data, task_loss_eval
from tests.conftest import seeded_accuracy_table, write


def wandb_export(tmp_path: Path, task_loss: str) -> Runs:
    """A W&B export with a training loss beside its eval losses, read with the natural ``'*/loss'``: the loss evals
    are ``eval/val``, ``eval/TASK`` and ``train``; ``'eval/*/acc'`` names the accuracy ``hellaswag``."""
    rows = [f"run_id,dataset,N,D,train/loss,eval/val/loss,eval/{task_loss}/loss,eval/hellaswag/acc"]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        rows.append(
            f"r{i},web,{n:g},{20 * n:g},{3.0 - i / 5:.2f},{3.1 - i / 5:.2f},{2.6 - i / 5:.2f},{0.3 + i / 10}"
        )
    path = write(tmp_path / "export.csv", "\n".join(rows) + "\n")
    return read_runs([path], wide=True, loss_columns="*/loss", accuracy_columns="eval/*/acc")


def test_an_accuracy_finds_its_task_loss_by_the_last_part_of_the_loss_evals_path(tmp_path: Path) -> None:
    """``eval/hellaswag`` (loss) and ``hellaswag`` (accuracy) are one task: every accuracy law failed with "no
    task loss matches", and ``runs --evals`` said none matched, while own-eval detection reads a path's last part."""
    runs = wandb_export(tmp_path, "hellaswag")
    assert runs.evals == ["eval/hellaswag", "eval/val", "train"]
    assert task_loss_eval(runs, "hellaswag") == "eval/hellaswag"
    data = accuracy_data(runs, "hellaswag")
    assert data.input_eval == "eval/hellaswag"
    assert data.x.tolist() == pytest.approx([2.6, 2.4, 2.2, 2.0])


def test_a_task_loss_whose_metric_follows_a_colon_is_the_accuracys_task_loss(tmp_path: Path) -> None:
    """An export that writes the metric after a colon (``hellaswag:ce`` beside ``hellaswag:acc``), read with the
    accuracy glob ingest names: the loss eval kept its name, ``hellaswag:ce``, and matched no accuracy, every
    prediction failing with "no task loss" (helper h90); its stem is the task's, as ``hellaswag/ce``'s is."""
    rows = ["run_id,dataset,N,D,web_val,hellaswag:ce,hellaswag:acc"]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        rows.append(f"r{i},web,{n:g},{20 * n:g},{3.1 - i / 5:.2f},{2.6 - i / 5:.2f},{0.3 + i / 10}")
    path = write(tmp_path / "colon.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, accuracy_columns="*:acc")
    assert runs.evals == ["hellaswag:ce", "web_val"]
    assert task_loss_eval(runs, "hellaswag") == "hellaswag:ce"
    data = accuracy_data(runs, "hellaswag")
    assert data.input_eval == "hellaswag:ce"
    assert data.x.tolist() == pytest.approx([2.6, 2.4, 2.2, 2.0])
    assert data.acc.tolist() == pytest.approx([0.3, 0.4, 0.5, 0.6])


def test_no_task_loss_names_the_loss_eval_that_nearly_matches(tmp_path: Path) -> None:
    runs = wandb_export(tmp_path, "hellaswag_test")
    assert task_loss_eval(runs, "hellaswag") is None
    with pytest.raises(SelectionError) as exc:
        accuracy_data(runs, "hellaswag")
    assert exc.value.message == (
        "no task loss matches the accuracy eval 'hellaswag' (looked for a loss eval named hellaswag_ce_loss, with "
        "the same stem or the same last path part); the nearest loss eval is 'eval/hellaswag_test'"
    )
    assert exc.value.hint is not None
    assert "--loss-columns" in exc.value.hint


def test_an_accuracy_related_to_the_own_loss_of_a_dataset_without_one_names_the_dataset_and_own_eval(
    tmp_path: Path,
) -> None:
    """A ladder export without an own eval: evaluate's accuracy table failed with "no run has both the accuracy
    'hellaswag' and the loss 'own'", the keyword, not the dataset that has no own eval."""
    rows = ["run_id,dataset,N,D,eval/hellaswag/loss,eval/hellaswag/acc"]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        rows.append(f"r{i},c4,{n:g},{20 * n:g},{2.6 - i / 5:.2f},{0.3 + i / 10}")
    path = write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, loss_columns="eval/*/loss", accuracy_columns="eval/*/acc")
    assert runs.own_eval == {}
    with pytest.raises(SelectionError) as exc:
        accuracy_data(runs, "hellaswag", input_loss="own")
    assert exc.value.message == (
        "the accuracy 'hellaswag' is related here to each dataset's own loss, and c4 has no own eval"
    )
    assert exc.value.hint == (
        "name the own eval at ingest: l2l ingest … --own-eval c4=EVAL (l2l runs --evals lists the evals)"
    )


def test_two_loss_evals_that_match_an_accuracy_alike_are_listed_not_called_none(tmp_path: Path) -> None:
    """``eval/hellaswag`` and ``fewshot/hellaswag`` both end in the accuracy's task: ``runs --evals`` said no task
    loss matched while ``fit-accuracy`` said two matched alike (probe p58)."""
    from l2l.workflows.accuracy import accuracy_summary

    rows = ["run_id,dataset,N,D,eval/hellaswag/loss,fewshot/hellaswag/loss,eval/hellaswag/acc"]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        rows.append(f"r{i},web,{n:g},{20 * n:g},{2.6 - i / 5:.2f},{2.2 - i / 5:.2f},{0.3 + i / 10}")
    path = write(tmp_path / "export.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, loss_columns="*/loss", accuracy_columns="eval/*/acc")
    (row,) = accuracy_summary(runs)
    assert row["task_loss"] is None
    assert row["task_loss_alike"] == ["eval/hellaswag", "fewshot/hellaswag"]


def test_accuracies_of_several_seeds_count_each_run_once_as_the_losses_do(tmp_path: Path) -> None:
    """A DataDecide-shaped table: each run trained with 3 seeds, the losses averaged over them, the accuracies each
    fitted. fit-accuracy said "runs 420" of a table of 140 runs (probe p65 D9): the runs are counted as the
    losses count theirs, the accuracies apart."""
    from l2l.workflows.accuracy import accuracy_runs, fit_accuracy_laws

    runs = read_runs([seeded_accuracy_table(tmp_path)])
    assert runs.accuracy is not None
    assert int(runs.runs_per()["runs"].sum()) == 6  # (the losses: one run per model, the seeds averaged)
    assert accuracy_runs(runs, runs.accuracy) == 6
    data = accuracy_data(runs, "quiz")
    assert (data.frame.height, data.n_runs) == (18, 6)
    (result,) = fit_accuracy_laws(runs, ["quiz"], chance={"quiz": 0.25})
    assert (result.to_dict()["n_points"], result.to_dict()["n_runs"]) == (18, 6)


def rounded_tables(folder: Path) -> tuple[Path, Path]:
    """(a loss table with non-round N, its accuracies with N printed to 3 significant digits and a dataset
    ``extra`` with accuracies and no loss rows)."""
    loss = ["run_id,dataset,N,D,eval,loss"]
    acc = ["dataset,N,D,eval,metric,value"]
    for i, (n, shown) in enumerate(
        ((19.904e6, "19.9M"), (40.6e6, "40.6M"), (170.428e6, "170M"), (355.3e6, "355M"))
    ):
        for j, d in enumerate((2e8, 4e8, 8e8)):
            x = 4.0 - i / 3 - j / 5
            loss += [
                f"r{i}{j},web,{n:.1f},{d:.1f},web_val,{x:.3f}",
                f"r{i}{j},web,{n:.1f},{d:.1f},hs_ce,{x:.3f}",
            ]
            acc.append(f"web,{shown},{d:.1f},hs_acc,accuracy,{0.3 + i / 10 + j / 50:.3f}")
    acc.append("extra,19.9M,200000000,hs_acc,accuracy,0.3")
    return write(folder / "loss.csv", "\n".join(loss) + "\n"), write(
        folder / "acc.csv", "\n".join(acc) + "\n"
    )


def test_accuracies_with_n_rounded_to_three_digits_are_related_to_their_runs_and_the_rest_counted(
    tmp_path: Path,
) -> None:
    """Runs read directly (no workspace): the rounded rows join their runs as ingest stores them (probe p68 D1:
    3 of 4 sizes dropped without a word), and the row at no run is counted with its example."""
    runs = read_runs(list(rounded_tables(tmp_path)))
    data = accuracy_data(runs, "hs_acc")
    assert data.frame.height == 12
    assert data.notes == (
        "9 accuracy rows joined to runs whose N or D differs by up to 0.25 %: sizes rounded",
        "warning: 1 of 13 accuracy rows match no loss run (extra N=19.9M D=200M: extra has no loss run): no fit "
        "relates them to a loss",
    )


def test_a_dataset_with_accuracies_and_no_losses_is_not_listed_as_matching_a_task_loss(
    tmp_path: Path,
) -> None:
    from l2l.workflows.accuracy import accuracy_summary

    runs = read_runs(list(rounded_tables(tmp_path)))
    by = {r["dataset"]: r for r in accuracy_summary(runs)}
    assert by["web"]["task_loss"] == "hs_ce"
    assert by["extra"]["task_loss"] is None
    assert by["extra"]["task_loss_missing"]
    assert by["extra"]["unmatched"] == 1


def _harness_bpb(tmp_path: Path, *, nats: bool) -> Runs:
    """An OLMo-style export: ``hellaswag/acc`` beside the task's loss in bits per byte alone (``hellaswag/bpb``,
    kept as the eval ``hellaswag:bpb``), and with ``nats`` its loss in nats too (``hellaswag/loss``)."""
    head = (
        "run_id,dataset,N,D,val/loss,hellaswag/bpb" + (",hellaswag/loss" if nats else "") + ",hellaswag/acc"
    )
    rows = [head]
    for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
        ce = 2.6 - i / 5
        loss = f",{ce:.2f}" if nats else ""
        rows.append(
            f"r{i},web,{n:g},{20 * n:g},{3.1 - i / 5:.2f},{ce / 0.6931 / 4.2:.4f}{loss},{0.3 + i / 10}"
        )
    path = write(tmp_path / f"bpb_{nats}.csv", "\n".join(rows) + "\n")
    return read_runs([path], wide=True, accuracy_columns="*/acc", own_eval={"all": "val"})


def test_an_accuracy_whose_task_loss_is_in_bits_per_byte_alone_is_related_to_it(tmp_path: Path) -> None:
    """Every accuracy of such an export failed with "no task loss matches" (the nearest being 'hellaswag:bpb',
    the hint asking for the one task name it had; h27). The loss in nats is still taken first where there is one."""
    runs = _harness_bpb(tmp_path, nats=False)
    assert "hellaswag:bpb" in runs.evals
    assert task_loss_eval(runs, "hellaswag") == "hellaswag:bpb"
    data = accuracy_data(runs, "hellaswag")
    assert data.x.tolist() == pytest.approx(
        [2.6 / 0.6931 / 4.2 - i / 5 / 0.6931 / 4.2 for i in range(4)], abs=1e-4
    )
    both = _harness_bpb(tmp_path, nats=True)
    assert task_loss_eval(both, "hellaswag") == "hellaswag"


def test_losses_without_accuracies_are_told_the_append_command_that_adds_them(tmp_path: Path) -> None:
    """h57: the hint described the tables to ingest but not how: a plain ``l2l ingest ACC`` replaces the stored
    losses and is refused ("every row is an accuracy"); ``--append`` adds them."""
    from l2l.workflows.accuracy import resolve_accuracy_evals

    rows = ["dataset,N,D,eval,loss"] + [
        f"web,{n:g},{20 * n:g},web_val,{3.0 - i / 5:.2f}" for i, n in enumerate((1e8, 2e8))
    ]
    runs = read_runs([write(tmp_path / "runs.csv", "\n".join(rows) + "\n")])
    with pytest.raises(SelectionError) as info:
        resolve_accuracy_evals(runs, None)
    assert (info.value.hint or "").endswith("(l2l ingest FILE --append adds them to the workspace's)")
