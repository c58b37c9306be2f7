"""``read_runs(perplexity=True)`` (``ingest --perplexity``): perplexities read as ln(perplexity), the loss in nats,
from a column (long or wide), a metric column's rows or a long table's eval names (probe h42: such tables were
refused, the user told to add log columns by hand)."""

from __future__ import annotations

import math
from pathlib import Path

import polars as pl
import pytest

from l2l.base.errors import InputError
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (2e7, 5e7, 1e8, 2e8)


def law(e: float, n: float, d: float) -> float:
    return e + 400 / n**0.3 + 800 / d**0.35


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def long_table(*, ppl: bool, column: str = "val_ppl") -> str:
    """dataset, params, tokens, eval, and the loss (``ppl``: its exp) of web_val and lambada."""
    head = f"dataset,params,tokens,eval,{column if ppl else 'val_loss'}"
    rows = [head]
    for n in SIZES:
        for k in (10, 20, 40):
            for ev, e in (("web_val", 2.1), ("lambada", 1.4)):
                x = law(e, n, k * n)
                rows.append(f"web,{n:g},{k * n:g},{ev},{math.exp(x) if ppl else x!r}")
    return "\n".join(rows) + "\n"


def wide_table(*, ppl: bool) -> str:
    """One row per run: web_val and lambada as perplexities (``web_val_ppl``, beside lm-eval's standard error of
    one, ``lambada_ppl_stderr``, never a loss) or losses (``web_val_loss``)."""
    unit = "ppl" if ppl else "loss"
    rows = [
        f"run_id,dataset,params,tokens,web_val_{unit},lambada_{unit}" + (",lambada_ppl_stderr" if ppl else "")
    ]
    for n in SIZES:
        for k in (10, 20, 40):
            own, lam = law(2.1, n, k * n), law(1.4, n, k * n)
            cells = (math.exp(own), math.exp(lam)) if ppl else (own, lam)
            rows.append(f"r{n:g}-{k},web,{n:g},{k * n:g},{cells[0]!r},{cells[1]!r}" + (",1.5" if ppl else ""))
    return "\n".join(rows) + "\n"


def losses(runs: object) -> pl.DataFrame:
    frame: pl.DataFrame = runs.frame  # type: ignore[attr-defined]
    return frame.select("dataset", "eval", "N", "D", "loss").sort("dataset", "eval", "N", "D")


def test_a_long_perplexity_column_reads_as_the_losses_of_its_log_table(tmp_path: Path) -> None:
    ppl = read_runs([write(tmp_path / "ppl.csv", long_table(ppl=True))], perplexity=True)
    log = read_runs([write(tmp_path / "log.csv", long_table(ppl=False))])
    a, b = losses(ppl), losses(log)
    assert a.select("dataset", "eval", "N", "D").equals(b.select("dataset", "eval", "N", "D"))
    assert (a["loss"] - b["loss"]).abs().max() < 1e-12  # type: ignore[operator]
    assert a.height == 24
    assert ppl.own_eval == log.own_eval == {"web": "web_val"}
    assert "read as ln(perplexity), the loss in nats (--perplexity): val_ppl → loss" in notes(ppl)


def test_a_wide_table_of_perplexities_reads_as_its_log_table_detected_or_by_pattern(tmp_path: Path) -> None:
    path = write(tmp_path / "ppl.csv", wide_table(ppl=True))
    log = losses(read_runs([write(tmp_path / "log.csv", wide_table(ppl=False))], wide=True))
    detected = read_runs([path], wide=True, perplexity=True)
    pattern = read_runs([path], wide=True, loss_columns="*_ppl", perplexity=True)  # the file's names match
    for runs in (detected, pattern):
        got = losses(runs)
        assert sorted(set(got["eval"].to_list())) == ["lambada", "web_val"]
        assert (got["loss"] - log["loss"]).abs().max() < 1e-12  # type: ignore[operator]
    said = notes(detected)
    assert "web_val_ppl → web_val_loss, lambada_ppl → lambada_loss" in said
    assert detected.provenance[0]["loss_columns"] == {"web_val_ppl": "web_val", "lambada_ppl": "lambada"}


def test_a_mapped_perplexity_column_is_named_as_in_the_file(tmp_path: Path) -> None:
    path = write(tmp_path / "ppl.csv", long_table(ppl=True, column="test_ppl"))
    runs = read_runs([path], columns={"loss": "test_ppl"}, perplexity=True)
    assert runs.provenance[0]["columns"]["columns"]["loss"] == "test_ppl"  # not 'loss', the column read into
    assert losses(runs).height == 24
    alone = read_runs([path], perplexity=True)  # a long table's one perplexity column is its loss
    assert (losses(alone)["loss"] - losses(runs)["loss"]).abs().max() == 0  # type: ignore[operator]


def test_a_metric_columns_perplexity_rows_are_loss_rows_of_their_log(tmp_path: Path) -> None:
    rows = ["model,dataset,params,tokens,task,metric,value"]
    for n in SIZES:
        for k in (10, 20, 40):
            x = law(1.4, n, k * n)
            acc = 1 / (1 + math.exp(x - 2.5))
            m = f"m{n:g}-{k},web,{n:g},{k * n:g}"
            rows += [f"{m},web_val,loss,{law(2.1, n, k * n)!r}", f"{m},lambada,perplexity,{math.exp(x)!r}"]
            rows += [f"{m},lambada,acc,{acc:.4f}"]
    path = write(tmp_path / "harness.csv", "\n".join(rows) + "\n")
    with pytest.raises(InputError) as refused:
        read_runs([path])
    assert "--perplexity reads its rows as ln(perplexity), the loss in nats" in (refused.value.hint or "")
    runs = read_runs([path], perplexity=True)
    lam = losses(runs).filter(pl.col("eval") == "lambada")
    want = sorted(law(1.4, n, k * n) for n in SIZES for k in (10, 20, 40))
    assert max(abs(a - b) for a, b in zip(sorted(lam["loss"].to_list()), want, strict=True)) < 1e-12
    assert runs.accuracy is not None
    assert runs.accuracy.height == 12
    assert "read as ln(perplexity), the loss in nats (--perplexity): the 'perplexity' rows (12)" in notes(
        runs
    )


def test_a_word_perplexity_metric_is_not_read_as_a_per_token_loss(tmp_path: Path) -> None:
    path = write(
        tmp_path / "h.csv",
        "model,dataset,params,tokens,task,metric,value\n"
        "m1,web,2e7,2e8,web_val,loss,3.1\nm1,web,2e7,2e8,wikitext,word_perplexity,45.2\n",
    )
    with pytest.raises(InputError) as refused:
        read_runs([path], perplexity=True)
    assert "unknown metric 'word_perplexity'" in str(refused.value)
    assert refused.value.hint == (
        "a perplexity per word or byte, not per token, whose log is no per-token loss: leave its rows out "
        "(--where 'metric!=word_perplexity')"
    )


def test_a_long_tables_eval_named_as_a_perplexity_becomes_its_loss(tmp_path: Path) -> None:
    text = long_table(ppl=False).replace(",lambada,", ",lambada_ppl,")
    lines = text.splitlines()
    ppl = [
        ",".join([*c[:4], repr(math.exp(float(c[4])))]) if c[3] == "lambada_ppl" else line
        for line in lines[1:]
        for c in [line.split(",")]
    ]
    path = write(tmp_path / "e.csv", "\n".join([lines[0], *ppl]) + "\n")
    left = read_runs([path])
    assert "left out 12 rows of 'lambada_ppl'" in notes(left)
    assert "ingest --perplexity reads them as ln(perplexity)" in notes(left)
    runs = read_runs([path], perplexity=True)
    got = losses(runs).filter(pl.col("eval") == "lambada_loss")
    want = losses(read_runs([write(tmp_path / "l.csv", long_table(ppl=False))])).filter(
        pl.col("eval") == "lambada"
    )
    assert (got["loss"] - want["loss"]).abs().max() < 1e-12  # type: ignore[operator]
    assert (
        "evals read as ln(perplexity), the loss in nats (--perplexity): lambada_ppl → lambada_loss"
        in notes(runs)
    )


def test_a_perplexity_below_one_or_no_number_is_refused_naming_the_files_column(tmp_path: Path) -> None:
    good = long_table(ppl=True).splitlines()
    cells = good[3].split(",")
    low = write(tmp_path / "low.csv", "\n".join([*good[:3], ",".join([*cells[:4], "0.8"]), *good[4:]]) + "\n")
    with pytest.raises(InputError) as below:
        read_runs([low], perplexity=True)
    assert str(below.value) == (
        f"{low}, line 4, column 'val_ppl': 0.8 is no perplexity: a perplexity is exp(loss), at least 1 (its log, "
        "-0.2231, is no loss)"
    )
    assert below.value.hint == (
        "if the column holds losses already, read it without --perplexity; else correct the cell"
    )
    text = write(
        tmp_path / "text.csv", "\n".join([*good[:3], ",".join([*cells[:4], "abc"]), *good[4:]]) + "\n"
    )
    with pytest.raises(InputError) as bad:
        read_runs([text], perplexity=True)
    assert (
        str(bad.value)
        == f"{text}, line 4, column 'val_ppl': not a number: 'abc' (read as ln(val_ppl): --perplexity)"
    )


def test_a_loss_given_beside_its_perplexity_is_kept_and_an_idle_option_is_said(tmp_path: Path) -> None:
    rows = long_table(ppl=False).splitlines()
    both = [rows[0] + ",val_ppl"] + [f"{r},{math.exp(float(r.split(',')[4]))!r}" for r in rows[1:]]
    runs = read_runs([write(tmp_path / "both.csv", "\n".join(both) + "\n")], perplexity=True)
    assert (
        "column 'val_ppl' not read as a loss (--perplexity): the table gives its log as 'val_loss'"
        in notes(runs)
    )
    assert (
        losses(runs)["loss"].to_list()
        == losses(read_runs([write(tmp_path / "l.csv", "\n".join(rows) + "\n")]))["loss"].to_list()
    )
    idle = read_runs([tmp_path / "l.csv"], perplexity=True)
    assert "warning: --perplexity read nothing" in notes(idle)


def test_a_wide_export_with_accuracy_columns_reads_its_perplexities_and_says_so(tmp_path: Path) -> None:
    rows = wide_table(ppl=True).splitlines()
    acc = [rows[0] + ",lambada_acc"] + [
        f"{r},{1 / (1 + math.log(float(r.split(',')[5]))):.4f}" for r in rows[1:]
    ]  # an accuracy split off before the losses are read: the note and the names were lost with it
    path = write(tmp_path / "acc.csv", "\n".join(acc) + "\n")
    runs = read_runs([path], wide=True, accuracy_columns="*_acc", perplexity=True)
    assert "warning: --perplexity read nothing" not in notes(runs)
    assert "web_val_ppl → web_val_loss, lambada_ppl → lambada_loss" in notes(runs)
    assert runs.provenance[0]["loss_columns"] == {"web_val_ppl": "web_val", "lambada_ppl": "lambada"}
    assert runs.accuracy is not None
    assert runs.accuracy.height == 12


@pytest.mark.parametrize(
    ("column", "loss"), [("valPPL", "val_loss"), ("evalPpl", "eval_loss"), ("val/PPL", "val/loss")]
)
def test_a_camel_case_perplexity_column_reads_as_its_log(tmp_path: Path, column: str, loss: str) -> None:
    # (valPPL and evalPpl were not seen as perplexities: refused as values outside a loss's range, --perplexity or not)
    text = wide_table(ppl=True).replace("web_val_ppl", column, 1)
    runs = read_runs([write(tmp_path / "ppl.csv", text)], wide=True, perplexity=True)
    log = losses(read_runs([write(tmp_path / "log.csv", wide_table(ppl=False))], wide=True))
    got = losses(runs)
    assert got.height == log.height == 24
    assert (got["loss"].sort() - log["loss"].sort()).abs().max() < 1e-12  # type: ignore[operator]
    assert f"{column} → {loss}" in notes(runs)


def test_perplexity_words_match_in_any_case_and_separator_but_not_inside_other_words() -> None:
    from l2l.io.columns import says_perplexity

    said = ["valPPL", "evalPpl", "val/PPL", "val_ppl", "ValPerplexity", "eval/c4/ppl", "PPLScore"]
    not_said = ["upper", "apple", "APPLE", "aPPLe", "happl", "dropplet", "pplx", "PPLX", "logPPL", "log_ppl"]
    assert [n for n in said if not says_perplexity(n)] == []
    assert [n for n in not_said if says_perplexity(n)] == []


def test_an_append_to_a_workspace_ingested_with_perplexity_reads_its_table_so(tmp_path: Path) -> None:
    # (the option was not stored: `ingest --append ppl2.csv` refused the perplexity column as no loss)
    from l2l.io.ingest import IngestRequest, ingest
    from l2l.io.workspace import Workspace

    lines = wide_table(ppl=True).splitlines()
    first = write(tmp_path / "a.csv", "\n".join(lines[:7]) + "\n")
    second = write(tmp_path / "b.csv", "\n".join([lines[0], *lines[7:]]) + "\n")
    ws = Workspace(tmp_path / "ws")
    ingest(ws, IngestRequest(files=(first,), wide=True, perplexity=True))
    done = ingest(
        ws, IngestRequest(files=(second,), wide=True, append=True)
    )  # no --perplexity: the stored one
    assert done.reused == ("--perplexity",)
    assert ws.perplexity()
    log = losses(read_runs([write(tmp_path / "log.csv", wide_table(ppl=False))], wide=True))
    got = losses(done.stored)
    assert got.height == log.height == 24
    assert (got["loss"] - log["loss"]).abs().max() < 1e-12  # type: ignore[operator]


def test_a_where_on_a_perplexity_column_names_it_as_the_file_does(tmp_path: Path) -> None:
    # (`--where val_ppl<500` was "no column 'val_ppl' to filter on (columns: …, val_loss)": the loss name alone)
    path = write(tmp_path / "ppl.csv", wide_table(ppl=True))
    cut = math.exp(law(2.1, 5e7, 20 * 5e7))  # the web_val perplexity of the 5e7 × 1e9 run
    runs = read_runs([path], wide=True, perplexity=True, where=[f"web_val_ppl<{cut!r}"])
    by_loss = read_runs([path], wide=True, perplexity=True, where=[f"web_val_loss<{math.log(cut)!r}"])
    assert losses(runs).equals(losses(by_loss))
    assert losses(runs).height == 2 * 7  # the 7 runs of 12 below that perplexity, web_val and lambada each
    assert f"--where web_val_ppl<{cut!r}: 5 of 12 rows left out" in notes(runs)
    with pytest.raises(InputError) as err:
        read_runs([path], wide=True, perplexity=True, where=["ppl<5"])
    assert "(columns: run_id, dataset, params, tokens, web_val_ppl, lambada_ppl, lambada_ppl_stderr)" in str(
        err.value
    )


def test_a_where_comparing_a_perplexity_column_with_another_column_is_refused(tmp_path: Path) -> None:
    """``val_ppl<tokens`` compared ln(perplexity) with the tokens, silently (probe h49); with a number or another
    perplexity column it stands."""
    from l2l.base.errors import UsageError

    path = write(tmp_path / "ppl.csv", wide_table(ppl=True))
    with pytest.raises(UsageError) as err:
        read_runs([path], wide=True, perplexity=True, where=["web_val_ppl<tokens"])
    assert "web_val_ppl is read as ln(perplexity) (--perplexity)" in str(err.value)
    assert "not with tokens" in str(err.value)
    both = read_runs([path], wide=True, perplexity=True, where=["web_val_ppl>=lambada_ppl"])
    assert losses(both).height > 0
