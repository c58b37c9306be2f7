"""How ingest reads accuracies written as evaluation harnesses write them. In percent (0-100), with
``--accuracy-percent``: kept as the fractions every other table gives, whichever way the table marks them (a metric
column, a wide export's columns, a long table's accuracy column), chance levels too where they are in percent;
refused where nothing was read
or every value is a fraction already. Several scores per task (``acc``, ``acc_norm``, their standard errors), with
``--accuracy-metric NAME``: that metric's rows are the accuracies, the other scores' rows left out and counted."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
import pytest

from l2l.base.errors import InputError, UsageError
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (1e8, 2e8, 4e8, 8e8)
#: (dataset, size index) -> HellaSwag accuracy in percent
PERCENT = {(ds, i): 30.0 + 10 * i + (2 if ds == "code" else 0) for ds in ("web", "code") for i in range(4)}


def long_metric(*, scale: float = 1.0, chance: bool = True) -> str:
    rows = ["dataset,N,D,eval,metric,value" + (",chance" if chance else "")]
    for (ds, i), pct in PERCENT.items():
        n = SIZES[i]
        own = 3.7 - (0.2 if ds == "code" else 0.0) - i / 5
        rows.append(f"{ds},{n:g},{20 * n:g},{ds}_val,loss,{own:.3f}" + ("," if chance else ""))
        rows.append(f"{ds},{n:g},{20 * n:g},hellaswag,loss,{own - 1.1:.3f}" + ("," if chance else ""))
        rows.append(
            f"{ds},{n:g},{20 * n:g},hellaswag,acc,{pct * scale:g}" + (f",{25 * scale:g}" if chance else "")
        )
    return "\n".join(rows) + "\n"


def wide(*, scale: float = 1.0) -> str:
    rows = ["dataset,N,D,val/loss,hellaswag/loss,hellaswag/acc"]
    for (ds, i), pct in PERCENT.items():
        n = SIZES[i]
        own = 3.7 - (0.2 if ds == "code" else 0.0) - i / 5
        rows.append(f"{ds},{n:g},{20 * n:g},{own:.3f},{own - 1.1:.3f},{pct * scale:g}")
    return "\n".join(rows) + "\n"


def long_column() -> str:
    rows = ["dataset,N,D,eval,loss,acc"]
    for (ds, i), pct in PERCENT.items():
        n = SIZES[i]
        own = 3.7 - (0.2 if ds == "code" else 0.0) - i / 5
        rows.append(f"{ds},{n:g},{20 * n:g},val,{own:.3f},")
        rows.append(f"{ds},{n:g},{20 * n:g},hellaswag,{own - 1.1:.3f},{pct:g}")
    return "\n".join(rows) + "\n"


def accuracies(runs: Any) -> dict[tuple[str, int], float]:
    acc = runs.accuracy
    assert acc is not None
    return {(ds, SIZES.index(n)): a for ds, n, a in acc.select("dataset", "N", "accuracy").iter_rows()}


@pytest.mark.parametrize(
    "kind",
    ["metric column", "wide export", "long accuracy column"],
)
def test_percent_accuracies_are_kept_as_the_fractions_of_the_same_table_in_fractions(
    tmp_path: Path, kind: str
) -> None:
    if kind == "metric column":
        runs = read_runs(write(tmp_path / "t.csv", long_metric()), accuracy_percent=True)
        frac = read_runs(write(tmp_path / "f.csv", long_metric(scale=0.01)))
        chance = runs.accuracy.get_column("chance").unique().to_list()  # type: ignore[union-attr]
        assert chance == [pytest.approx(0.25)]
    elif kind == "wide export":
        opts: dict[str, Any] = {"wide": True, "loss_columns": "*/loss", "accuracy_columns": "*/acc"}
        runs = read_runs(write(tmp_path / "t.csv", wide()), accuracy_percent=True, **opts)
        frac = read_runs(write(tmp_path / "f.csv", wide(scale=0.01)), **opts)
    else:
        runs = read_runs(
            write(tmp_path / "t.csv", long_column()), accuracy_columns="acc", accuracy_percent=True
        )
        frac = None
    got = accuracies(runs)
    assert got == {k: pytest.approx(v / 100) for k, v in PERCENT.items()}
    if frac is not None:
        assert got == pytest.approx(accuracies(frac))
        assert runs.frame.equals(frac.frame)  # the losses untouched
    said = [line for p in runs.provenance for line in p.get("decisions", [])]
    assert any("accuracies read in percent (--accuracy-percent)" in line for line in said)


def test_percent_accuracies_without_the_option_are_refused_with_the_option_in_the_hint(
    tmp_path: Path,
) -> None:
    with pytest.raises(InputError) as err:
        read_runs(write(tmp_path / "t.csv", long_metric()))
    assert "an accuracy must be in [0, 1], got 30" in err.value.message
    assert "--accuracy-percent" in str(err.value.hint)


def test_the_option_warns_of_fractions_refuses_a_value_past_100_and_a_table_without_accuracies(
    tmp_path: Path,
) -> None:
    # all below 1 %: fractions given by mistake, or a hard task's percentages (a small model's GSM8K): read as
    # asked, with a warning (refused, the one reading of such a task was blocked: probe p64)
    low = read_runs(write(tmp_path / "f.csv", long_metric(scale=0.01)), accuracy_percent=True)
    assert accuracies(low) == {k: pytest.approx(v / 10_000) for k, v in PERCENT.items()}
    said = " ".join(line for p in low.provenance for line in p.get("decisions", []))
    assert (
        "warning: --accuracy-percent: every accuracy lies below 1 % (largest 0.62 %): fractions already?"
        in said
    )
    over = long_metric().replace(",acc,60,", ",acc,160,")
    with pytest.raises(InputError) as err:
        read_runs(write(tmp_path / "o.csv", over), accuracy_percent=True)
    assert "an accuracy in percent must be in [0, 100], got 160" in err.value.message
    assert err.value.column == "value"
    losses = "\n".join(line for line in long_metric(chance=False).splitlines() if ",acc," not in line) + "\n"
    with pytest.raises(UsageError, match="no accuracy was read"):
        read_runs(write(tmp_path / "l.csv", losses), accuracy_percent=True)


def test_the_command_line_reads_percent_and_exits_2_without_accuracies(tmp_path: Path, run: Any) -> None:
    ok = run(
        "-w", str(tmp_path / "ws"), "ingest", write(tmp_path / "t.csv", long_metric()), "--accuracy-percent"
    )
    assert ok.exit_code == 0, ok.output
    assert "accuracies read in percent" in ok.output
    bad = run(
        "-w",
        str(tmp_path / "ws2"),
        "ingest",
        write(
            tmp_path / "l.csv", "\n".join(r for r in long_metric().splitlines() if ",acc," not in r) + "\n"
        ),
        "--accuracy-percent",
    )
    assert bad.exit_code == 2, bad.output
    assert bad.output.count("Error:") == 1
    assert not (tmp_path / "ws2").exists()


def test_the_stored_accuracies_read_back_as_fractions(tmp_path: Path, run: Any) -> None:
    ws = tmp_path / "ws"
    assert (
        run("-w", str(ws), "ingest", write(tmp_path / "t.csv", long_metric()), "--accuracy-percent").exit_code
        == 0
    )
    stored = pl.concat([pl.read_parquet(p) for p in ws.glob("gen-*/accuracy.parquet")])
    assert float(stored.get_column("accuracy").max()) == pytest.approx(0.62)  # type: ignore[arg-type]


# ---- several scores per task: --accuracy-metric ---------------------------------------------------------------


def harness(*, stderr: bool = True) -> str:
    """``long_metric``'s table as an evaluation harness writes it: acc, acc_norm (3 points higher) and their
    standard errors per task, as fractions."""
    rows = ["dataset,N,D,eval,metric,value"]
    for (ds, i), pct in PERCENT.items():
        n = SIZES[i]
        own = 3.7 - (0.2 if ds == "code" else 0.0) - i / 5
        rows.append(f"{ds},{n:g},{20 * n:g},{ds}_val,loss,{own:.3f}")
        scores = [("acc", pct / 100), ("acc_norm", (pct + 3) / 100)]
        if stderr:
            scores += [("acc_stderr", 0.004), ("acc_norm_stderr", 0.004)]
        rows += [f"{ds},{n:g},{20 * n:g},hellaswag,{m},{v:g}" for m, v in scores]
    return "\n".join(rows) + "\n"


def test_the_chosen_metrics_rows_are_the_accuracies_and_the_other_scores_are_left_out_and_counted(
    tmp_path: Path,
) -> None:
    runs = read_runs(write(tmp_path / "h.csv", harness()), accuracy_metric="acc_norm")
    assert accuracies(runs) == {k: pytest.approx((v + 3) / 100) for k, v in PERCENT.items()}
    entry = runs.provenance[0]
    assert entry["rows_read"] + entry["rows_filtered"] == 8 * 5  # every row of the file: 8 runs × 5
    assert entry["rows_filtered"] == 24
    said = " ".join(entry["decisions"])
    assert (
        "the 'acc_norm' rows are the accuracies (--accuracy-metric); left out the other scores' rows: "
        in said
    )
    for left_out in ("acc (8 rows)", "acc_stderr (8 rows)", "acc_norm_stderr (8 rows)"):
        assert left_out in said
    plain = read_runs(write(tmp_path / "a.csv", harness(stderr=False)), accuracy_metric="acc")
    assert accuracies(plain) == {k: pytest.approx(v / 100) for k, v in PERCENT.items()}


def test_a_task_scored_only_by_another_metric_is_named_when_its_rows_are_left_out(tmp_path: Path) -> None:
    """h68: with --accuracy-metric acc_norm, six tasks scored by acc alone left the accuracy table under "acc (480
    rows)": the tasks are named."""
    table = harness(stderr=False)
    extra = [line.replace("hellaswag", "piqa") for line in table.splitlines() if ",hellaswag,acc," in line]
    runs = read_runs(write(tmp_path / "h.csv", table + "\n".join(extra) + "\n"), accuracy_metric="acc_norm")
    said = " ".join(runs.provenance[0]["decisions"])
    assert "left out the other scores' rows: acc (16 rows), and with them every accuracy of 1 eval no" in said
    assert said.split("no 'acc_norm' row scores: ")[1].startswith("piqa")
    alone = read_runs(write(tmp_path / "only.csv", table), accuracy_metric="acc_norm")
    assert "and with them" not in " ".join(alone.provenance[0]["decisions"])  # every task has acc_norm


def test_a_harness_table_without_the_option_is_refused_with_the_option_in_the_hint(tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        read_runs(write(tmp_path / "h.csv", harness()))
    assert "unknown metric 'acc_norm'" in err.value.message
    assert "add --accuracy-metric acc_norm: acc_norm's rows are then the accuracies" in str(err.value.hint)


def test_lm_eval_04_metric_names_with_their_filter_read_as_the_metric_and_keep_the_task_losses(
    tmp_path: Path,
) -> None:
    """lm-eval-harness 0.4 writes METRIC,FILTER (``acc,none``, ``loss,none``): every one was an unknown metric, and
    the hint (``--accuracy-metric acc,none --where 'metric!=loss,none'``) left the task losses out, so that
    fit-accuracy found no task loss for any accuracy (h50)."""
    rows = ["dataset,N,D,eval,metric,value"]
    for line in harness().splitlines()[1:]:
        ds, n, d, ev, metric, value = line.split(",")
        rows.append(f'{ds},{n},{d},{ev},"{metric},none",{value}')
        if ev == "hellaswag" and metric == "acc":
            rows.append(f'{ds},{n},{d},hellaswag,"loss,none",{3.0 - float(value):.3f}')
    path = write(tmp_path / "h04.csv", "\n".join(rows) + "\n")
    with pytest.raises(InputError) as err:
        read_runs(path)
    assert "unknown metric 'acc_norm,none' (also unknown: 'acc_stderr,none', 'acc_norm_stderr,none')" in (
        err.value.message
    )
    assert err.value.hint == (
        "add --accuracy-metric acc_norm,none: acc_norm,none's rows are then the accuracies (the other scores' rows "
        "leave with them)"
    )
    for chosen in ("acc_norm,none", "acc_norm"):
        runs = read_runs(path, accuracy_metric=chosen)
        assert accuracies(runs) == {k: pytest.approx((v + 3) / 100) for k, v in PERCENT.items()}
        losses = runs.frame.filter(pl.col("eval") == "hellaswag")
        assert losses.height == 8
        assert sorted(losses.get_column("loss").to_list()) == pytest.approx(
            sorted(3.0 - v / 100 for v in PERCENT.values())
        )
    assert accuracies(read_runs(path, accuracy_metric="acc")) == {
        k: pytest.approx(v / 100) for k, v in PERCENT.items()
    }
    # two filters of one metric (gsm8k's exact_match,strict-match and exact_match,flexible-extract) are two
    # accuracies: the bare metric does not average them, it asks for one
    two = write(tmp_path / "f.csv", path.read_text().replace('"acc,none"', '"acc,strict-match"', 3))
    with pytest.raises(UsageError) as usage:
        read_runs(two, accuracy_metric="acc")
    assert "its rows come under several filters (acc,none, acc,strict-match)" in usage.value.message
    assert usage.value.hint == "name one as the table does: --accuracy-metric acc,none"


def test_a_metric_no_row_names_and_a_table_without_a_metric_column_are_usage_errors(
    tmp_path: Path, run: Any
) -> None:
    with pytest.raises(UsageError, match=r"no row's 'metric' is 'accnorm'.*acc, acc_norm, acc_norm_stderr"):
        read_runs(write(tmp_path / "h.csv", harness()), accuracy_metric="accnorm")
    with pytest.raises(UsageError, match="picks the rows of a metric column"):
        read_runs(write(tmp_path / "w.csv", wide(scale=0.01)), wide=True, accuracy_metric="acc_norm")
    bad = run("-w", str(tmp_path / "ws"), "ingest", str(tmp_path / "h.csv"), "--accuracy-metric", "accnorm")
    assert bad.exit_code == 2, bad.output
    assert bad.output.count("Error:") == 1
    assert not (tmp_path / "ws").exists()


def test_chance_levels_given_as_fractions_beside_percent_accuracies_are_kept(tmp_path: Path) -> None:
    fractions = long_metric().replace(",acc,", ",ACC,")  # (the chance column below rewritten alone)
    rows = [r.rsplit(",", 1)[0] + ",0.25" if ",ACC," in r else r for r in fractions.splitlines()]
    table = "\n".join(rows).replace(",ACC,", ",acc,") + "\n"
    runs = read_runs(write(tmp_path / "t.csv", table), accuracy_percent=True)
    assert runs.accuracy is not None
    assert runs.accuracy.get_column("chance").unique().to_list() == [pytest.approx(0.25)]  # not 0.0025
    assert accuracies(runs) == {k: pytest.approx(v / 100) for k, v in PERCENT.items()}


@pytest.mark.parametrize(("metric", "what"), [("acc_stderr", "a standard error"), ("loss", "a loss")])
def test_a_metric_that_is_no_accuracy_is_refused_as_the_accuracies(
    tmp_path: Path, metric: str, what: str
) -> None:
    with pytest.raises(UsageError, match=f"'{metric}' names {what}, not an accuracy"):
        read_runs(write(tmp_path / "h.csv", harness()), accuracy_metric=metric)


def test_lm_eval_04_metric_names_with_their_filter_match_the_task_loss() -> None:
    from l2l.workflows.accuracy import stem_of

    # lm-eval-harness 0.4 writes 'hellaswag/acc_norm,none': its accuracies matched no task loss (probe p64)
    assert (
        stem_of("hellaswag/acc_norm,none")
        == stem_of("hellaswag/acc")
        == stem_of("hellaswag/loss")
        == "hellaswag"
    )
    assert stem_of("a,b") == "a,b"  # a comma in a name that is no metric's filter stays


def test_accuracies_appended_alone_are_counted_kept(tmp_path: Path, run: Any) -> None:
    lines = long_metric(chance=False).splitlines()
    losses = "\n".join(r for r in lines if ",acc," not in r) + "\n"
    scores = "\n".join([lines[0], *(r for r in lines if ",acc," in r)]) + "\n"
    ws = str(tmp_path / "ws")
    assert run("-w", ws, "ingest", write(tmp_path / "l.csv", losses)).exit_code == 0
    added = run("-w", ws, "ingest", "--append", write(tmp_path / "a.csv", scores), "--accuracy-percent")
    assert added.exit_code == 0, added.output
    assert "kept 8 of 8 values" in added.output  # it said "kept 0 of 8" (probe p64)


def test_accuracies_appended_alone_in_percent_say_so_and_warn_of_fractions(tmp_path: Path, run: Any) -> None:
    """`ingest --append ACC --accuracy-percent` said none of its notes, and fractions read as percent (the
    README's two-step flow on the paper's accuracy file) were stored 100x too small with nothing said (probe p66);
    in one call the same file was warned of."""
    lines = long_metric(chance=False).splitlines()
    losses = "\n".join(r for r in lines if ",acc," not in r) + "\n"
    fractions = [
        lines[0],
        *(r.rsplit(",", 1)[0] + f",{float(r.rsplit(',', 1)[1]) / 100:g}" for r in lines if ",acc," in r),
    ]
    ws = str(tmp_path / "ws")
    assert run("-w", ws, "ingest", write(tmp_path / "l.csv", losses)).exit_code == 0
    added = run(
        "-w",
        ws,
        "ingest",
        "--append",
        write(tmp_path / "a.csv", "\n".join(fractions) + "\n"),
        "--accuracy-percent",
    )
    assert added.exit_code == 0, added.output
    said = " ".join(added.output.split())
    assert "warning: --accuracy-percent: every accuracy lies below 1 %" in said
    assert "accuracies read in percent (--accuracy-percent): divided by 100" in said


def test_fractions_among_percentages_read_with_the_option_are_warned_of(tmp_path: Path) -> None:
    """Two harnesses' exports merged, one in fractions, one in percent: with --accuracy-percent (the hint of the
    refusal without it) each fraction was divided by 100 too (0.3 kept as 0.003 beside 0.4-0.62), without a word
    (h1). A hard task's percentages that run on from below 1 % are not warned of."""
    text = long_metric(chance=False).replace(",hellaswag,acc,30\n", ",hellaswag,acc,0.3\n")
    assert ",hellaswag,acc,0.3\n" in text
    runs = read_runs(write(tmp_path / "mixed.csv", text), accuracy_percent=True)
    said = " ".join(line for p in runs.provenance for line in p.get("decisions", []))
    assert "warning: --accuracy-percent: eval 'hellaswag' has 1 accuracy of 0.3 % or less beside" in said
    assert "fractions among percentages?" in said
    hard = long_metric(chance=False)
    for pct, low in (("30", "0.4"), ("32", "0.9"), ("40", "2"), ("42", "3.5")):
        hard = hard.replace(f",hellaswag,acc,{pct}\n", f",hellaswag,acc,{low}\n")
    runs = read_runs(write(tmp_path / "hard.csv", hard), accuracy_percent=True)
    said = " ".join(line for p in runs.provenance for line in p.get("decisions", []))
    assert "fractions among percentages" not in said


def test_an_eval_in_fractions_beside_evals_in_percent_is_warned_of(tmp_path: Path) -> None:
    """An export with HellaSwag in percent and ARC in fractions (two harnesses' tables, or a leaderboard's columns
    merged): the refusal without the option names --accuracy-percent, and with it every ARC accuracy was divided by
    100 too (0.25-0.47 kept as 0.0025-0.0047), without a word: fitted "ok" and predicted at 0.6 points (h27). The
    per-eval check above does not see it: the eval is all fractions."""
    lines = long_metric(chance=False).splitlines()
    arc = [r.replace(",hellaswag,", ",arc_easy,") for r in lines[1:] if ",hellaswag," in r]
    arc = [r.rsplit(",", 1)[0] + f",{float(r.rsplit(',', 1)[1]) / 100:g}" if ",acc," in r else r for r in arc]
    runs = read_runs(write(tmp_path / "mixed.csv", "\n".join([*lines, *arc]) + "\n"), accuracy_percent=True)
    said = " ".join(" ".join(line for p in runs.provenance for line in p.get("decisions", [])).split())
    assert (
        "warning: --accuracy-percent: 1 eval ('arc_easy') lies below 1 % in every run (largest 0.62 %)"
        in said
    )
    assert "where the table's others reach 62 %: given in fractions?" in said
    plain = read_runs(write(tmp_path / "pct.csv", long_metric(chance=False)), accuracy_percent=True)
    said = " ".join(line for p in plain.provenance for line in p.get("decisions", []))
    assert "given in fractions?" not in said


def test_the_hint_of_unknown_scores_never_names_a_standard_error_as_the_accuracies(tmp_path: Path) -> None:
    """lm-eval-harness's `acc`, `acc_stderr`, `acc_norm`, `acc_norm_stderr`: the hint named `--accuracy-metric
    acc_stderr` (the first unknown metric), which that option then refuses as a standard error (h27)."""
    rows = harness().splitlines()
    acc_first = [rows[0], *sorted(rows[1:], key=lambda r: ",acc_stderr," not in r)]  # acc_stderr met first
    with pytest.raises(InputError) as err:
        read_runs(write(tmp_path / "h.csv", "\n".join(acc_first) + "\n"))
    hint = str(err.value.hint)
    assert "--accuracy-metric acc_stderr" not in hint
    assert "add --accuracy-metric acc_norm: acc_norm's rows are then the accuracies" in hint
    alone = "\n".join(r for r in rows if ",acc_norm" not in r) + "\n"  # acc (known) and acc_stderr only
    with pytest.raises(InputError) as err:
        read_runs(write(tmp_path / "s.csv", alone))
    assert "unknown metric 'acc_stderr'" in err.value.message
    assert (
        str(err.value.hint)
        == "a standard error, not an accuracy: leave its rows out (--where 'metric!=acc_stderr')"
    )


@pytest.mark.parametrize("where", ["dataset=web", "N<3e8", "N!=800M"])
def test_where_leaves_out_a_wide_exports_accuracies_with_the_losses_of_its_rows(
    tmp_path: Path, where: str
) -> None:
    # probe h40: --where filtered a wide export's losses but kept every row's accuracies (a Pythia export with
    # --where 'N<5e9' stored accuracies of 8 sizes beside losses of 6; --where dataset=pile kept pile-deduped's)
    path = write(tmp_path / "t.csv", wide(scale=0.01))
    opts: dict[str, Any] = {"wide": True, "loss_columns": "*/loss", "accuracy_columns": "*/acc"}
    runs = read_runs(path, where=[where], **opts)
    acc = runs.accuracy
    assert acc is not None
    loss_runs = set(runs.frame.select("dataset", "N").unique().iter_rows())
    acc_runs = set(acc.select("dataset", "N").unique().iter_rows())
    assert acc_runs == loss_runs
    assert len(loss_runs) < len(PERCENT)


def test_rows_left_out_by_where_and_as_other_scores_add_up_to_the_files_rows(tmp_path: Path) -> None:
    # (probe h42's harness: "kept 336 of 432 values" beside "--where …: 96 of 720 rows left out": with both, the
    # rows read counted --where's rows left out and not the other scores')
    runs = read_runs(
        write(tmp_path / "h.csv", harness()), accuracy_metric="acc_norm", where=["metric!=acc_stderr"]
    )
    entry = runs.provenance[0]
    assert entry["rows_read"] + entry["rows_filtered"] == 8 * 5  # every row of the file: 8 runs × 5
    assert (entry["rows_filtered"], entry["rows_other_scores"]) == (24, 16)  # 8 by --where, 16 other scores'
    assert entry["rows_kept"] == 16  # 8 losses, 8 acc_norm
