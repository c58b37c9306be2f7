"""Ingest's guards against tables that read without an error and mean something else: accuracies stored as losses,
runs stopped early, C in other units, active parameters, bracketed names, eval splits, decimal commas, NaN cells."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from l2l.base.errors import InputError
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs
from tests.conftest import write


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


# ---- --where: a value equal to the pattern matches it ------------------------------------------------------


def test_where_matches_a_name_with_brackets_exactly_for_equal_and_not_equal(tmp_path: Path) -> None:
    rows = ["dataset,N,D,eval,loss"]
    for ds, base in (("mix[1]", 3.0), ("mix1", 3.2), ("mix[2]", 3.4)):
        rows += [f"{ds},{n:g},{20 * n:g},shared_val,{base - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8))]
    path = write(tmp_path / "mix.csv", "\n".join(rows) + "\n")
    kept = read_runs([path], where=parse_where(["dataset=mix[1]"]))
    assert kept.datasets == ["mix[1]"]  # the glob alone read [1] as a class and kept mix1
    assert kept.frame.height == 3
    left = read_runs([path], where=parse_where(["dataset!=mix[1]"]))
    assert left.datasets == ["mix1", "mix[2]"]  # it kept every row
    assert read_runs([path], where=parse_where(["dataset=mix[12]"])).datasets == ["mix1"]  # still a glob


def test_a_where_size_is_read_as_the_cells_and_options_read_it(tmp_path: Path) -> None:
    """'N!=2.8B' left out none of the 2.8e9 runs (compared as text: 2.8B is not 2800000000.0)."""
    rows = ["dataset,N,D,eval,loss"]
    rows += [f"web,{n:g},{20 * n:g},val,{3.0 - k / 10}" for k, n in enumerate((1e8, 4e8, 2.8e9))]
    path = write(tmp_path / "sizes.csv", "\n".join(rows) + "\n")
    assert read_runs([path], where=parse_where(["N!=2.8B"])).frame.height == 2
    assert read_runs([path], where=parse_where(["N=400M"])).frame.height == 1


def test_a_where_glob_matches_the_whole_value(tmp_path: Path) -> None:
    """A probe: 'dataset=a*' kept alpha, beta and gamma (the pattern was searched anywhere in the value), 'lph*'
    kept alpha, and 'dataset!=a*' refused every row."""
    rows = ["dataset,N,D,eval,loss"]
    for ds, base in (("alpha", 3.0), ("beta", 3.2), ("gamma", 3.4), ("database", 3.6)):
        rows += [f"{ds},{n:g},{20 * n:g},val,{base - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8))]
    path = write(tmp_path / "names.csv", "\n".join(rows) + "\n")
    assert read_runs([path], where=parse_where(["dataset=a*"])).datasets == ["alpha"]
    assert read_runs([path], where=parse_where(["dataset=*a"])).datasets == ["alpha", "beta", "gamma"]
    assert read_runs([path], where=parse_where(["dataset!=a*"])).datasets == ["beta", "database", "gamma"]
    assert read_runs([path], where=parse_where(["dataset=*base"])).datasets == ["database"]
    with pytest.raises(InputError, match="no row"):
        read_runs([path], where=parse_where(["dataset=lph*"]))


# ---- a decimal comma --------------------------------------------------------------------------------------


def test_a_decimal_comma_is_refused_with_a_hint_that_names_it(tmp_path: Path) -> None:
    path = write(
        tmp_path / "semi.csv",
        "dataset;N;D;eval;loss\nweb;125000000;1250000000;web_val;3,076879\nweb;2e8;4e9;web_val;2,9\n",
    )
    with pytest.raises(InputError, match=r"line 2, column 'loss': not a number: '3,076879'") as exc:
        read_runs([path])
    assert exc.value.hint is not None
    assert "a decimal comma?" in exc.value.hint
    path = write(tmp_path / "junk.csv", "dataset,N,D,eval,loss\nweb,1e8,2e9,web_val,abc\n")
    with pytest.raises(InputError, match="not a number: 'abc'") as exc:
        read_runs([path])
    assert exc.value.hint is not None
    assert "decimal comma" not in exc.value.hint  # (the fix of any bad cell instead)


# ---- a mixture of experts' active parameters ------------------------------------------------------------


def moe_rows(total: str = "n_params", active: str = "active_params") -> str:
    rows = [f"dataset,{total},{active},tokens,eval,loss"]
    rows += [
        f"web,{6.5 * n:g},{n:g},{20 * n:g},web_val,{3.2 - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8))
    ]
    return "\n".join(rows) + "\n"


def test_an_unused_active_parameter_column_is_named_with_the_mapping_that_fits_on_it(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "moe.csv", moe_rows())])
    assert runs.frame["N"].to_list() == [6.5e8, 1.3e9, 2.6e9]  # the total count, as the alias says
    assert (
        "N is column 'n_params'; column 'active_params' (not used) counts a mixture of experts' active "
        "parameters: compute per token follows the active count" in notes(runs)
    )
    assert "(--column N=active_params fits the laws on it)" in notes(runs)
    on_active = read_runs([write(tmp_path / "moe.csv", moe_rows())], columns={"N": "active_params"})
    assert on_active.frame["N"].to_list() == [1e8, 2e8, 4e8]
    assert "active" not in notes(on_active)
    other = read_runs([write(tmp_path / "c.csv", moe_rows("num_params", "num_active_params"))])
    assert "(--column N=num_active_params fits the laws on it)" in notes(other)
    experts = read_runs([write(tmp_path / "e.csv", moe_rows("n_params", "active_experts"))])
    assert "active" not in notes(experts)  # a count of experts is no count of parameters


def test_a_table_of_total_and_active_parameters_without_n_names_both_in_the_hint(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="missing column 'N'") as exc:
        read_runs([write(tmp_path / "moe.csv", moe_rows("total_params", "active_params"))])
    assert exc.value.hint is not None
    assert exc.value.hint.startswith(
        "name the parameter count N: --column N=active_params (a mixture of experts"
    )
    assert exc.value.hint.endswith("or the total count --column N=total_params")


def test_a_total_parameter_count_alone_is_named_as_n_in_the_hint(tmp_path: Path) -> None:
    rows = ["dataset,total_params,tokens,eval,loss"] + [
        f"web,{6.5 * n:g},{20 * n:g},web_val,{3.2 - k / 10}" for k, n in enumerate((1e8, 2e8, 4e8))
    ]
    with pytest.raises(InputError, match="missing column 'N'") as exc:
        read_runs([write(tmp_path / "moe.csv", "\n".join(rows) + "\n")])
    assert exc.value.hint is not None
    assert exc.value.hint.startswith("read the total parameter count as N: --column N=total_params")


def test_compute_in_pf_days_without_tokens_gets_the_conversion_in_the_hint(tmp_path: Path) -> None:
    rows = ["dataset,N,pf_days,eval,loss"] + [
        f"web,{n:g},{6 * n * 20 * n / 8.64e19:g},web_val,{3.2 - k / 10}"
        for k, n in enumerate((1e8, 2e8, 4e8))
    ]
    with pytest.raises(InputError, match="missing column 'D'") as exc:
        read_runs([write(tmp_path / "pf.csv", "\n".join(rows) + "\n")])
    assert exc.value.hint is not None
    assert "D = pf_days × 8.64e19 / (6·N)" in exc.value.hint


# ---- a C column in other units ---------------------------------------------------------------------------


def compute_table(k: float, *, acc: bool = False) -> str:
    rows = ["dataset,N,D,C,eval,metric,loss"]
    for ds, base in (("web", 3.2), ("code", 1.4)):
        for i, n in enumerate((1e8, 2e8, 4e8, 8e8)):
            d = 20 * n
            rows.append(f"{ds},{n:g},{d:g},{k * n * d:.6g},{ds}_val,loss,{base - i / 10}")
            if acc:
                rows.append(f"{ds},{n:g},{d:g},{k * n * d:.6g},hellaswag,accuracy,{0.3 + i / 20}")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(("k", "shown"), [(6e-18, "6e-18"), (6 / 8.64e19, "6.94e-20"), (6e-9, "6e-09")])
def test_a_c_column_in_other_units_is_not_used_and_six_n_d_is(tmp_path: Path, k: float, shown: str) -> None:
    runs = read_runs([write(tmp_path / "c.csv", compute_table(k, acc=True))])
    frame = runs.frame
    assert (frame["C"] / (6 * frame["N"] * frame["D"])).to_list() == [1.0] * frame.height
    assert runs.accuracy is not None
    assert (runs.accuracy["C"] / (6 * runs.accuracy["N"] * runs.accuracy["D"])).to_list() == [1.0] * 8
    assert (
        f"warning: the table's C column is not in FLOPs: C/(N·D) is {shown} (the median run), where FLOPs per "
        "parameter and token are about 6 (1-100 with any overhead)" in notes(runs)
    )
    assert "Not used: C = 6·N·D in FLOPs" in notes(runs)


def test_a_c_column_just_below_one_flop_per_parameter_token_names_a_mixture_of_experts(
    tmp_path: Path,
) -> None:
    """A mixture of experts' total parameters as N: its real FLOPs read C/(N·D) = 0.75 (6 × 1/8 experts), and the
    warning guessed only other units (probe p59)."""
    said = notes(read_runs([write(tmp_path / "c.csv", compute_table(0.75))]))
    assert "or N counting parameters a token does not use (a mixture of experts' total count" in said
    assert "reads 0.75 = 6 × 0.125 of N; --column N=ACTIVE_PARAMS)" in said
    assert "mixture of experts" not in notes(read_runs([write(tmp_path / "d.csv", compute_table(6e-18))]))


@pytest.mark.parametrize(("k", "note"), [(6.0, "C = 6·N·D in every row"), (8.0, "C = 8·N·D in every row")])
def test_a_c_column_in_flops_is_kept_as_it_is(tmp_path: Path, k: float, note: str) -> None:
    runs = read_runs([write(tmp_path / "c.csv", compute_table(k))])
    assert (runs.frame["C"] / (runs.frame["N"] * runs.frame["D"])).round(6).to_list() == [k] * 8
    assert note in notes(runs)
    assert "not in FLOPs" not in notes(runs)


@pytest.mark.parametrize("cell", ["", "NaN", "nan"])
def test_a_c_column_of_blanks_or_nan_is_derived_and_said_so(tmp_path: Path, cell: str) -> None:
    """Probe p60: a C column of blanks was said to be "the table's C column", and a NaN in it (a W&B export's
    missing value) refused the whole file while a blank passed."""
    rows = compute_table(8.0).splitlines()
    blanked = [rows[0]] + [",".join([*r.split(",")[:3], cell, *r.split(",")[4:]]) for r in rows[1:]]
    runs = read_runs([write(tmp_path / "c.csv", "\n".join(blanked) + "\n")])
    assert (runs.frame["C"] / (runs.frame["N"] * runs.frame["D"])).round(6).to_list() == [6.0] * 8
    assert "C = 6·N·D (the table holds no C value)" in notes(runs)
    assert "the table's C column" not in notes(runs)
    one = [rows[0], ",".join([*rows[1].split(",")[:3], cell, *rows[1].split(",")[4:]]), *rows[2:]]
    some = read_runs(
        [write(tmp_path / "c.csv", "\n".join(one) + "\n")]
    )  # the one run's C derived, as a blank's
    assert (
        sorted((some.frame["C"] / (some.frame["N"] * some.frame["D"])).round(6).to_list())
        == [6.0] + [8.0] * 7
    )


# ---- a split column of eval splits ------------------------------------------------------------------------


def split_table(splits: tuple[str, ...], *, every: bool = True) -> str:
    rows = ["dataset,N,D,eval,split,loss"]
    for i, n in enumerate((1e8, 2e8, 4e8)):
        for j, split in enumerate(splits):
            if every or i % len(splits) == j:
                rows.append(f"web,{n:g},{20 * n:g},web_val,{split},{3.2 - i / 10 + j / 20}")
    return "\n".join(rows) + "\n"


def test_a_split_column_under_which_every_measurement_appears_twice_is_refused_with_the_fix(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "evalsplit.csv", split_table(("validation", "test")))
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert exc.value.message == (
        f"{path}, column 'split': the split column holds eval splits, not a split of the runs: each of the 3 "
        "measurements (dataset, N, D, eval) appears under every one of its values ('test', 'validation'), so "
        "each model would be read as 2 runs"
    )
    assert exc.value.hint is not None
    assert exc.value.hint.startswith("keep one with --where split=validation")
    kept = read_runs([path], where=parse_where(["split=validation"]))
    assert kept.frame["loss"].to_list() == pytest.approx([3.2, 3.1, 3.0])


def test_a_split_column_that_splits_the_runs_is_read_as_before(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "s.csv", split_table(("sweep", "extrapolation"), every=False))])
    assert sorted(runs.frame["split"].to_list()) == ["extrapolation", "sweep", "sweep"]


# ---- per-step logs: runs stopped early ----------------------------------------------------------------------


def step_log(*, stopped: tuple[float, ...] = (8e8,), columns: str = "frac_done", run_ids: bool = True) -> str:
    """Four sizes, one run each, ten checkpoints; the runs of the sizes in ``stopped`` end at half their length."""
    head = ["run_id"] if run_ids else []
    extra = {"frac_done": ["frac_done"], "total": ["total_steps"], "step_is_frac": []}[columns]
    step = "frac_done" if columns == "step_is_frac" else "step"
    rows = [",".join([*head, "dataset", "N", "D", "eval", "loss", step, *extra])]
    for n in (1e8, 2e8, 4e8, 8e8):
        total = 1000
        last = 5 if n in stopped else 10
        for c in range(1, last + 1):
            s = c * total // 10
            frac = f"{s / total:.2f}"
            cells = [f"r{n:g}"] if run_ids else []
            cells += ["web", f"{n:g}", f"{20 * n * s / total:g}", "web_val", f"{3.5 - n / 1e9 - c / 20:.4f}"]
            cells += [frac] if columns == "step_is_frac" else [str(s)]
            cells += {"frac_done": [frac], "total": [str(total)], "step_is_frac": []}[columns]
            rows.append(",".join(cells))
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("columns", "run_ids", "told"),
    [
        ("frac_done", True, "frac_done"),  # a fraction column beside the step (the one-pass route hands over)
        ("total", True, "step/total_steps"),  # the step against a total-steps column
        ("step_is_frac", False, "frac_done"),  # the step column is the fraction done
    ],
)
def test_runs_stopped_short_of_their_planned_length_are_left_out_and_said(
    tmp_path: Path, columns: str, run_ids: bool, told: str
) -> None:
    path = write(tmp_path / "log.csv", step_log(columns=columns, run_ids=run_ids))
    runs = read_runs([path])
    assert sorted(runs.frame["N"].to_list()) == [1e8, 2e8, 4e8]  # the 800M run's step-500 checkpoint was kept
    example = "r8e+08" if run_ids else "web at N=8e+08"
    assert (
        f"warning: left out 1 run stopped before 90% of its planned length ({told}; e.g. {example} at 0.5): a "
        "checkpoint before the learning rate has decayed is no finished run" in notes(runs)
    )
    assert "(--checkpoints all keeps every checkpoint)" in notes(runs)
    assert "left out 1 run stopped early" in runs.provenance[0]["checkpoints"]["describe"]
    assert "frac_done" not in runs.provenance[0]["ignored_columns"]
    every = read_runs([path], checkpoints="all")
    assert every.frame.height == 35  # every checkpoint, the stopped run's five too
    assert "stopped" not in notes(every)


def test_a_run_whose_last_logged_tenth_falls_a_rounded_step_short_of_ninety_percent_is_kept(
    tmp_path: Path,
) -> None:
    """A log that writes a checkpoint every tenth of a run at the step rounded to a whole number, whose final
    checkpoint is missing: a run of 4,768 steps ends at step 4,291 (0.89996 of it), one of 4,770 at 4,293 (0.9).
    The first was left out as "stopped before 90% … at 0.9" beside the second kept (helper h90); both reached the
    ninth tenth. A run that stopped at half its length is still left out."""
    rows = ["run_id,dataset,N,D,eval,loss,step,total_steps"]
    for n, total, last in ((1e8, 4768, 9), (2e8, 4770, 9), (4e8, 4768, 10), (8e8, 4768, 5)):
        for c in range(1, last + 1):
            s = round(total * c / 10)
            rows.append(f"r{n:g},web,{n:g},{s * 2**21},web_val,{3.5 - n / 1e9 - c / 20:.4f},{s},{total}")
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")])
    kept = dict(zip(runs.frame["N"].to_list(), runs.frame["D"].to_list(), strict=True))
    assert kept == {1e8: 4291 * 2**21, 2e8: 4293 * 2**21, 4e8: 4768 * 2**21}
    assert (
        "left out 1 run stopped before 90% of its planned length (step/total_steps; e.g. r8e+08 at 0.5)"
        in (notes(runs))
    )


def test_a_log_whose_every_run_stopped_early_is_refused(tmp_path: Path) -> None:
    path = write(tmp_path / "log.csv", step_log(stopped=(1e8, 2e8, 4e8, 8e8)))
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert exc.value.message == (
        f"{path}, column 'frac_done': every run of this per-step log stopped before 90% of its planned length "
        "(frac_done; e.g. r1e+08 at 0.5): no finished run to fit a law on"
    )
    assert exc.value.hint is not None
    assert "--checkpoints all" in exc.value.hint


def test_a_log_whose_runs_all_finished_keeps_every_final_checkpoint(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "log.csv", step_log(stopped=()))])
    assert runs.frame.height == 4
    assert "stopped" not in notes(runs)


# ---- per-step logs: a WSD ladder's main run before its cooldown ----------------------------------------------


def wsd_log(*, columns: str = "lr,phase", main_end: str = "stable", quoted: bool = False) -> str:
    """A WSD (warmup-stable-decay) log: per size a main run at constant learning rate to 80 tokens per parameter
    (its last checkpoint ``main_end``, before any cooldown), and cooldown branches off it to 20 and 40 tokens per
    parameter, their learning rate decaying to 0 (phase ``decay``). ``quoted``: names in quotes (the careful
    reader, not the one-pass route)."""
    q = '"' if quoted else ""
    rows = [f"dataset,N,run_id,step,tokens,{columns},eval,loss"]

    def row(run: str, n: float, step: int, lr: float, phase: str, loss: float) -> str:
        cells = {"lr": f"{lr:g}", "phase": f"{q}{phase}{q}"}
        sched = [cells[c] for c in columns.split(",")]
        return ",".join(
            [
                f"{q}web{q}",
                f"{n:g}",
                f"{q}{run}{q}",
                str(step),
                f"{step * 1e6:g}",
                *sched,
                "web_val",
                f"{loss:.4f}",
            ]
        )

    for n in SIZES:
        law = lambda d, n=n: 2.0 + 400 / n**0.34 + 600 / d**0.3  # noqa: E731
        steps = int(80 * n / 1e6)
        for i in range(1, 9):
            s = steps * i // 8
            end = main_end if i == 8 else "stable"
            rows.append(row(f"web-{n:g}-main", n, s, 3e-3, end, law(s * 1e6) * 1.035))
        for tpp in (20, 40):
            last = int(tpp * n / 1e6)
            for f in (0.5, 1.0):
                s = int(last * (0.8 + 0.2 * f))
                rows.append(row(f"web-{n:g}-cd{tpp}x", n, s, 3e-3 * (1 - f), "decay", law(s * 1e6)))
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("quoted", [False, True])
def test_a_wsd_logs_main_runs_ending_before_their_cooldown_are_named_with_the_fix(
    tmp_path: Path, quoted: bool
) -> None:
    """Probe p60: a WSD log's main runs, at constant learning rate to their last checkpoint, were kept as finished
    runs with only "columns not used: lr, phase" (N* 7-38 % high)."""
    runs = read_runs([write(tmp_path / "wsd.csv", wsd_log(quoted=quoted))])
    assert runs.frame.height == 12  # kept: a user decides
    said = notes(runs)
    assert (
        "warning: 4 runs end before their learning rate decayed (lr 0.003 at the last checkpoint, the run's peak; "
        "phase 'stable' there while 8 runs end in 'decay'): web-1e+08-main, web-2e+08-main, web-4e+08-main, "
        "web-8e+08-main; a checkpoint before the learning rate has decayed is no finished run" in said
    )
    assert "--where phase=decay or --where 'run_id!=*-main' keeps the decayed ends only" in said
    assert "4 runs end before their learning rate decayed" in runs.provenance[0]["checkpoints"]["describe"]
    assert runs.provenance[0]["ignored_columns"] == []
    fixed = read_runs(
        [write(tmp_path / "wsd.csv", wsd_log(quoted=quoted))], where=parse_where(["phase=decay"])
    )
    assert fixed.frame.height == 8
    assert "learning rate decayed" not in notes(fixed)


@pytest.mark.parametrize("quoted", [False, True])
def test_a_learning_rate_at_its_peak_alone_tells_an_undecayed_run(tmp_path: Path, quoted: bool) -> None:
    runs = read_runs([write(tmp_path / "wsd.csv", wsd_log(columns="lr", quoted=quoted))])
    said = notes(runs)
    assert "warning: 4 runs end before their learning rate decayed (lr 0.003 at the last checkpoint" in said
    assert "--where 'run_id!=*-main' keeps the decayed ends only" in said


def _cooldowns_under_the_main_id(quoted: bool = False) -> str:
    """``wsd_log`` with every cooldown branch logged under its main run's id (one id per size)."""
    text = wsd_log(quoted=quoted)
    for tpp in (20, 40):
        text = text.replace(f"-cd{tpp}x", "-main")
    return text


def test_cooldowns_logged_under_the_main_runs_id_are_said_and_no_where_leaves_every_run_out(
    tmp_path: Path,
) -> None:
    """Helper h95: a WSD log whose cooldown branches carry the main run's id ends each run at its last stable
    checkpoint; the warning offered `--where 'run_id!=RUN' for each`, every run of the table."""
    runs = read_runs([write(tmp_path / "wsd.csv", _cooldowns_under_the_main_id())])
    said = notes(runs)
    assert runs.frame.height == 4
    assert (
        "phase 'stable' there; 4 of them in a decay phase at earlier checkpoints: cooldown branches logged under "
        "the main run's id? l2l takes them as one run, and a --where on the phase keeps only the last branch's end "
        "of each: give each branch a run id of its own)" in said
    )
    assert "run_id!=" not in said
    assert "keeps the decayed ends only" not in said


def test_cooldowns_under_the_main_runs_id_in_a_quoted_log_are_read(tmp_path: Path) -> None:
    """The careful reader (quoted names) told those runs apart by their learning rate, then grouped by it and
    aggregated it under its own name: "internal error (DuplicateError: column with name '@lr' …)" (h95)."""
    runs = read_runs([write(tmp_path / "wsd.csv", _cooldowns_under_the_main_id(quoted=True))])
    said = notes(runs)
    assert "end before their learning rate decayed" in said
    # the runs it flags and those it keeps share their ids: no --where on the id leaves the first out alone
    assert "run_id!=" not in said


def _encoded(tmp_path: Path, text: str, encoding: str) -> Path:
    """``text`` (a plain CSV) written as ``encoding``: the same table, plain, quoted, tab-separated or Parquet."""
    frame = pl.read_csv(text.encode())
    path = tmp_path / f"log.{'parquet' if encoding == 'parquet' else 'tsv' if encoding == 'tsv' else 'csv'}"
    if encoding == "plain":
        write(path, text)
    elif encoding == "quoted":  # (the careful reader, not the one-pass route)
        frame.write_csv(path, quote_style="non_numeric")
    elif encoding == "tsv":
        frame.write_csv(path, separator="\t")
    else:
        frame.write_parquet(path)
    return path


@pytest.mark.parametrize("columns", ["lr,phase", "lr", "phase"])
def test_a_log_with_runs_under_one_id_gives_the_same_runs_and_warnings_in_every_encoding(
    tmp_path: Path, columns: str
) -> None:
    """Helper h99 (issue 17): a WSD log whose cooldowns carry the main run's id kept 4 runs read plainly (the
    one-pass route) and 12 quoted or from Parquet (the careful reader split each id by its learning rate, keeping a
    mid-cooldown checkpoint as a run, or 8 by its phase). A run id names the run; its learning rate and phase are
    its schedule: 4 runs in every encoding, each at its main run's last checkpoint, with the same warning."""
    text = wsd_log(columns=columns)
    for tpp in (20, 40):
        text = text.replace(f"-cd{tpp}x", "-main")
    read = {}
    for encoding in ("plain", "quoted", "tsv", "parquet"):
        (tmp_path / encoding).mkdir()
        path = _encoded(tmp_path / encoding, text, encoding)
        runs = read_runs([path])
        kept = runs.frame.sort("N").select("run_id", "N", "D", "loss").rows()
        read[encoding] = (kept, notes(runs).replace(str(path), "FILE"))
    assert read["quoted"] == read["plain"]
    assert read["tsv"] == read["plain"]
    assert read["parquet"] == read["plain"]
    kept, said = read["plain"]
    # each at its last checkpoint, the main run's at 80 tokens per parameter, 3.5 % above the law
    assert [(r, n, d) for r, n, d, _ in kept] == [(f"web-{n:g}-main", n, 80 * n) for n in SIZES]
    law = [2.0 + 400 / n**0.34 + 600 / (80 * n) ** 0.3 for n in SIZES]
    np.testing.assert_allclose([loss for *_, loss in kept], np.multiply(law, 1.035), atol=6e-5)
    assert "4 runs end before their learning rate decayed" in said


@pytest.mark.parametrize("encoding", ["plain", "quoted"])
def test_an_id_naming_a_model_over_two_runs_is_read_the_same_plain_or_quoted(
    tmp_path: Path, encoding: str
) -> None:
    """Helper h99: one id per size over two runs of 10 and 20 checkpoints. Read plainly (the one-pass route), each
    id kept its longer run alone, the shorter one's end dropped without a word; quoted, the log was split by its
    peak_lr, or refused where no column tells the runs apart. Now both routes do what the careful reader did."""
    rows = ["dataset,run_id,N,D,step,eval,loss,peak_lr"]
    for n in (1e8, 2e8, 4e8, 8e8):
        for lr, total in ((1e-3, 10), (3e-3, 20)):
            law = [
                2 + 400 / n**0.34 + 600 / (2 * n * k) ** 0.3 + (lr < 2e-3) * 0.02 for k in range(1, total + 1)
            ]
            rows += [
                f"web,m{n:g},{n:g},{2 * n * k:g},{k},web_val,{v:.5f},{lr:g}" for k, v in enumerate(law, 1)
            ]
    text = "\n".join(rows) + "\n"
    runs = read_runs([_encoded(tmp_path, text, encoding)])
    assert runs.frame.height == 8
    assert sorted(runs.frame.filter(pl.col("N") == 1e8)["D"].to_list()) == [2e9, 4e9]
    bare = "\n".join(r.rsplit(",", 1)[0] for r in rows) + "\n"  # (no peak_lr: nothing tells the runs apart)
    with pytest.raises(InputError, match="no column of the table tells them apart"):
        read_runs([_encoded(tmp_path, bare, encoding)])


def test_a_stable_phase_alone_tells_an_undecayed_run(tmp_path: Path) -> None:
    said = notes(read_runs([write(tmp_path / "wsd.csv", wsd_log(columns="phase"))]))
    assert "(phase 'stable' at the last checkpoint while 8 runs end in 'decay')" in said


def test_a_main_run_whose_phase_ends_in_its_decay_is_taken_at_its_word(tmp_path: Path) -> None:
    """The probe's WSD log whose main runs end with a cooldown: no warning."""
    runs = read_runs([write(tmp_path / "wsd.csv", wsd_log(main_end="decay"))])
    assert "learning rate decayed" not in notes(runs)


def test_a_loss_that_rises_with_d_at_fixed_n_is_said(tmp_path: Path) -> None:
    """Each size's longest run 5 % above the law (a WSD log's main run taken at constant learning rate, nothing
    in the table to say so): its loss rises with D at fixed N."""

    def table(gap: float) -> str:
        rows = ["dataset,N,D,eval,loss"]
        for n in SIZES:
            for tpp in (10, 20, 40):
                loss = (2.0 + 400 / n**0.34 + 60 / (tpp * n) ** 0.2) * (1 + gap * (tpp == 40))
                rows.append(f"web,{n:g},{tpp * n:g},web_val,{loss:.5f}")
        return "\n".join(rows) + "\n"

    said = notes(read_runs([write(tmp_path / "up.csv", table(0.05))]))
    assert (
        "warning: web: at a fixed model size the own loss (web_val) rises with D at 4 of 4 sizes, its longest run "
        "above the next shorter one (e.g. N = 100M: " in said
    )
    assert "runs not finished (a checkpoint before the learning rate decayed)" in said
    assert "rises with D" not in notes(read_runs([write(tmp_path / "down.csv", table(0.0))]))


def test_a_learning_rate_column_that_is_each_runs_setting_is_no_schedule(tmp_path: Path) -> None:
    """A per-step log whose lr column is each run's peak learning rate (the same at every checkpoint): no run is
    said to end before its decay."""
    rows = ["run_id,dataset,N,step,tokens,lr,eval,loss"]
    for k, n in enumerate(SIZES):
        rows += [
            f"r{k},web,{n:g},{s},{s * 1e6:g},{1e-3 / (k + 1):g},web_val,{3.5 - k / 10 - s / 1e5:.4f}"
            for s in range(100, 1100, 100)
        ]
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")])
    assert runs.frame.height == 4
    assert "learning rate decayed" not in notes(runs)


# ---- accuracies stored as losses ----------------------------------------------------------------------------


SIZES = (1e8, 2e8, 4e8, 8e8)


def acc_long(*, metric: str | None = None, falling: bool = False) -> str:
    """Two datasets, four sizes: an own loss (falling with compute) and HellaSwag accuracies (rising) under the
    eval 'hellaswag' (``falling``: values in [0, 1] that fall, as bits per byte do)."""
    head = "dataset,N,D,eval,loss" + (",metric" if metric is not None else "")
    rows = [head]
    for ds, shift in (("web", 0.0), ("code", -1.5)):
        for i, n in enumerate(SIZES):
            own = f"{ds},{n:g},{20 * n:g},{ds}_val,{3.2 + shift - i / 10:.3f}"
            acc = 0.9 - i / 10 if falling else 0.3 + i / 10 + (0.02 if ds == "code" else 0.0)
            task = f"{ds},{n:g},{20 * n:g},hellaswag,{acc:.3f}"
            if metric is not None:
                own, task = own + ",", task + f",{metric}"
            rows += [own, task]
    return "\n".join(rows) + "\n"


def test_accuracies_stored_as_a_long_tables_losses_are_refused_with_the_evidence_and_the_fix(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "acc.csv", acc_long())
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert exc.value.message == (
        f"{path}, column 'eval': eval 'hellaswag': values 0.3–0.62, rising with compute (rank correlation 1.00 "
        "with C within each dataset): an accuracy read as a loss?"
    )
    assert exc.value.hint is not None
    assert exc.value.hint.startswith("give a metric column: accuracy on the accuracies' rows")
    assert exc.value.hint.endswith("or leave them out: --where 'eval!=hellaswag'")
    as_accuracy = read_runs([write(tmp_path / "m.csv", acc_long(metric="accuracy"))])
    assert as_accuracy.accuracy is not None
    assert as_accuracy.accuracy.height == 8
    said = read_runs([write(tmp_path / "l.csv", acc_long(metric="loss"))])  # the metric column says loss
    assert sorted(set(said.frame["eval"].to_list())) == ["code_val", "hellaswag", "web_val"]
    assert "accuracy" not in notes(said)
    falling = read_runs([write(tmp_path / "f.csv", acc_long(falling=True))])  # in [0, 1] but falling: a loss
    assert falling.frame.filter(falling.frame["eval"] == "hellaswag").height == 8


def acc_wide(*, rising: bool = True) -> str:
    rows = ["run_id,dataset,N,D,web_val,hellaswag_loss,hellaswag"]
    for i, n in enumerate(SIZES):
        acc = 0.3 + i / 10 if rising else 0.55 - i / 100
        rows.append(f"r{i},web,{n:g},{20 * n:g},{3.2 - i / 10:.3f},{4.3 - i / 10:.3f},{acc:.3f}")
    return "\n".join(rows) + "\n"


def test_a_wide_column_of_accuracies_beside_its_tasks_loss_is_refused_and_read_as_accuracies_when_named(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "w.csv", acc_wide(rising=False))  # flat, but beside hellaswag_loss
    with pytest.raises(InputError) as exc:
        read_runs([path], wide=True)
    assert exc.value.message == (
        f"{path}, column 'hellaswag': values 0.52–0.55, beside its task's loss 'hellaswag_loss': an accuracy "
        "detected as a loss column?"
    )
    assert exc.value.hint == (
        "read it as an accuracy: --accuracy-columns 'hellaswag'; or, if it holds losses, name the loss columns: "
        "--loss-columns GLOB"
    )
    runs = read_runs([path], wide=True, accuracy_columns="hellaswag")
    assert runs.accuracy is not None
    assert runs.accuracy["accuracy"].to_list() == pytest.approx([0.55, 0.54, 0.53, 0.52])
    assert sorted(set(runs.frame["eval"].to_list())) == ["hellaswag_loss", "web_val"]
    insisted = read_runs([write(tmp_path / "r.csv", acc_wide())], wide=True, loss_columns="*")
    assert "warning: column 'hellaswag' (eval 'hellaswag', taken by --loss-columns): values 0.3–0.6" in notes(
        insisted
    )
    assert "an accuracy? It is fitted as a loss" in notes(insisted)


def harness_wide(spread: str = "acc_stderr", *, only_loss: bool = False) -> str:
    """A harness's wide export: each task's loss, accuracy and the accuracy's standard error (``spread``)."""
    head = "run_id,dataset,N,D,val/loss,arc/loss,arc/acc,arc/" + spread
    rows = [head]
    for i, n in enumerate(SIZES):
        acc = 0.3 + i / 10
        rows.append(f"r{i},web,{n:g},{20 * n:g},{3.2 - i / 10:.3f},{4.3 - i / 10:.3f},{acc:.3f},0.009")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize("spread", ["acc_stderr", "acc_se", "acc_std"])
def test_columns_whose_name_says_a_standard_error_are_never_accuracies_and_are_said_to_be_left_out(
    tmp_path: Path, spread: str
) -> None:
    path = write(tmp_path / "h.csv", harness_wide(spread))
    runs = read_runs([path], wide=True, loss_columns="*/loss", accuracy_columns="*/acc*")
    assert runs.accuracy is not None  # arc/acc_stderr was a second accuracy eval, 0.009 at every size
    assert sorted(set(runs.accuracy["eval"].to_list())) == ["arc/acc"]
    assert runs.accuracy.sort("N")["accuracy"].to_list() == pytest.approx([0.3, 0.4, 0.5, 0.6])
    word = spread.rsplit("_", 1)[1]
    assert (
        f"--accuracy-columns '*/acc*': left out 1 column whose name says a standard error ('{word}': arc/{spread}): "
        "a standard error is no accuracy"
    ) in notes(runs)
    with pytest.raises(InputError) as exc:
        read_runs([path], wide=True, loss_columns="*/loss", accuracy_columns=f"*/{spread}")
    assert exc.value.message == (
        f"{path}, line 1: the accuracy-column pattern '*/{spread}' matches only columns whose name says a standard "
        f"error (arc/{spread}), not an accuracy"
    )


def test_a_standard_error_column_is_said_to_be_one_and_not_offered_as_an_accuracy(tmp_path: Path) -> None:
    """Probe h48: a Pythia-shaped export's hellaswag/acc_norm_stderr was left out as "its name says a score
    ('acc_norm')", which the ingest report reads to offer it to --accuracy-columns."""
    from l2l.io.columns import column_verdict

    path = write(tmp_path / "h.csv", harness_wide("acc_norm_stderr"))
    runs = read_runs([path], wide=True)
    left_out = runs.provenance[0]["loss_columns_left_out"]
    assert left_out["arc/acc_norm_stderr"] == "its name says a standard error ('stderr')"
    assert left_out["arc/acc"] == "its name says a score ('acc')"
    assert column_verdict("hellaswag/acc_stderr") == (False, "its name says a standard error ('stderr')")


def test_accuracy_columns_take_alternatives() -> None:
    from l2l.io.values import _glob_regex

    rx = _glob_regex("hellaswag|mmlu")
    assert [c for c in ("hellaswag", "mmlu", "hellaswag_loss", "mmlu2") if rx.match(c)] == [
        "hellaswag",
        "mmlu",
    ]
    assert _glob_regex("eval/*/acc").match("eval/quiz/acc") is not None


# ---- a per-step log whose runs all end at one token count ------------------------------------------------------


def test_a_log_whose_runs_all_end_at_one_token_count_points_to_every_checkpoint(tmp_path: Path) -> None:
    rows = ["run_id,dataset,N,D,eval,loss,step"]
    for n in SIZES:  # Pythia: every size to 300B tokens, checkpoints at every tenth
        rows += [
            f"p{n:g},pile,{n:g},{3e10 * k:g},pile_val,{3.0 - n / 1e9 - k / 20:.3f},{k * 100}"
            for k in range(1, 11)
        ]
    path = write(tmp_path / "pythia.csv", "\n".join(rows) + "\n")
    runs = read_runs([path])
    assert set(runs.frame["D"].to_list()) == {3e11}
    assert (
        "warning: every run of dataset 'pile' ends at D = 300B: a law needs 3 token counts or more, so fitting "
        "one is refused; D is the tokens seen, so l2l ingest --checkpoints all keeps every checkpoint"
        in notes(runs)
    )
    assert "token counts" not in notes(read_runs([path], checkpoints="all"))
    assert "token counts" not in notes(read_runs([write(tmp_path / "s.csv", step_log(stopped=()))]))


def test_best_of_breaks_a_tie_the_same_way_whatever_the_row_order(tmp_path: Path) -> None:
    """Two learning rates with the same loss at one (N, D): ``--best-of`` kept either from one ingest to the next
    (the (Mis)Fitting log: another run id each time, the same losses, another workspace digest)."""
    from l2l.io.tables import read_runs

    rows = []
    for n, d in ((1e8, 2e9), (2e8, 4e9), (4e8, 8e9)):
        for lr, bump in ((0.001, 0.0), (0.002, 0.0), (0.004, 0.05)):  # 0.001 and 0.002 tie
            rows.append(f"web,{n:g},{d:g},web_val,{3.0 - n / 1e9 + bump},{lr},m{n:g}-lr{lr}")
    kept: set[tuple[tuple[str, ...], str]] = set()
    for order in (rows, rows[::-1]):
        path = tmp_path / f"lr{len(kept)}.csv"
        path.write_text("dataset,N,D,eval,loss,lr,run_id\n" + "\n".join(order) + "\n")
        runs = read_runs([path], best_of="lr")
        kept.add((tuple(runs.frame.sort("N").get_column("run_id")), runs.digest))
    assert len(kept) == 1
    ((ids, _),) = kept
    assert all(i.endswith("-lr0.001") for i in ids)


def test_a_thousands_separator_is_named_beside_the_decimal_comma(tmp_path: Path) -> None:
    for value in ("1,300M", "1,300,000,000"):  # (several commas got no hint at all)
        path = write(tmp_path / "k.csv", f'dataset,N,D,eval,loss\nweb,"{value}",26B,web_val,3.0\n')
        with pytest.raises(InputError, match=f"not a number: '{value}'") as exc:
            read_runs([path])
        assert exc.value.hint is not None
        assert exc.value.hint.startswith("a thousands separator (1,300 for 1300) or a decimal comma")


def test_digits_grouped_in_thousands_by_points_or_spaces_are_named_as_separators(tmp_path: Path) -> None:
    """A European export's 7.660.000 was told only to correct the cell or leave its row out (every row is so)."""
    for value in ("7.660.000", "1.300,5", "1'300'000", "1 300 000"):
        path = write(tmp_path / "k.csv", f"dataset;N;D;eval;loss\nweb;{value};26B;web_val;3.0\n")
        with pytest.raises(InputError, match="line 2, column 'N': not a number") as exc:
            read_runs([path])
        assert value in str(exc.value)
        assert (exc.value.hint or "").startswith(
            "digits grouped in thousands (1.300.000, 1'300'000 or 1 300 000"
        )
    path = write(tmp_path / "j.csv", "dataset;N;D;eval;loss\nweb;1.2.3;26B;web_val;3.0\n")
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert (exc.value.hint or "").startswith("correct the cell")


def test_a_loss_column_of_log_likelihoods_is_told_to_be_negated_not_left_out_row_by_row(
    tmp_path: Path,
) -> None:
    """Every row below 0 was told --where 'loss>0', which leaves out the whole table; a lone negative cell still is."""
    rows = "".join(
        f"web,{n:g},{20 * n:g},web_val,{-3.2 + k / 10:.2f}\n" for k, n in enumerate((1e8, 2e8, 4e8))
    )
    with pytest.raises(InputError, match=r"line 2, column 'loss': loss must be > 0, got '-3\.20'") as exc:
        read_runs([write(tmp_path / "ll.csv", "dataset,N,D,eval,loss\n" + rows)])
    assert exc.value.hint == (
        "most of column 'loss' is below 0: a log-likelihood (the negative of the loss)? l2l fits the loss, "
        "−log-likelihood per token in nats: write the column negated (loss = −loss) and read that"
    )
    one = "dataset,N,D,eval,loss\nweb,1e8,2e9,v,3.1\nweb,2e8,4e9,v,-2.9\nweb,4e8,8e9,v,2.7\n"
    with pytest.raises(InputError) as exc:
        read_runs([write(tmp_path / "one.csv", one)])
    assert exc.value.hint == "correct the cell, or leave its row out: --where 'loss>0'"


def test_a_header_line_repeated_inside_a_table_is_named_with_the_where_that_leaves_every_one_out(
    tmp_path: Path,
) -> None:
    """Two CSV files joined with cat: the second header was told to be corrected as a bad cell."""
    head = "dataset,N,D,eval,loss\n"
    rows = "".join(
        f"web,{n:g},{20 * n:g},web_val,{3.2 - k / 10:.2f}\n" for k, n in enumerate((1e8, 2e8, 4e8))
    )
    path = write(tmp_path / "cat.csv", head + rows + head + rows.replace("web,", "code,"))
    with pytest.raises(InputError, match="line 5, column 'N': not a number: 'N'") as exc:
        read_runs([path])
    assert exc.value.hint == (
        "the header line again inside the table (files joined with cat?): ingest the files themselves, or leave "
        "every such line out: --where 'N!=N'"
    )
    assert read_runs([path], where=parse_where(["N!=N"])).datasets == ["code", "web"]


def test_a_row_without_its_dataset_names_the_where_that_leaves_such_rows_out(tmp_path: Path) -> None:
    """A summary row (blank dataset, 'mean') was refused with no hint."""
    rows = "".join(
        f"web,{n:g},{20 * n:g},web_val,{3.2 - k / 10:.2f}\n" for k, n in enumerate((1e8, 2e8, 4e8))
    )
    path = write(tmp_path / "sum.csv", "dataset,N,D,eval,loss\n" + rows + ",1e8,2e9,mean,3.0\n")
    with pytest.raises(
        InputError, match=r"line 5, column 'dataset': missing value \(dataset is required\)"
    ) as exc:
        read_runs([path])
    assert (exc.value.hint or "").endswith("leave out the rows without one: --where 'dataset!='")
    assert read_runs([path], where=parse_where(["dataset!="])).frame.height == 3


# ---- data repeated: a count of unique tokens below D ---------------------------------------------------------


@pytest.mark.parametrize("column", ["unique_tokens", "unique_D", "distinct_tokens"])
def test_a_unique_token_count_below_d_gets_the_repeated_data_warning_of_an_epochs_column(
    tmp_path: Path, column: str
) -> None:
    rows = [f"dataset,N,D,{column},eval,loss"]
    for i, n in enumerate(SIZES):  # 0.5B unique tokens, D from 2B to 16B: 4 to 32 epochs
        rows.append(f"web,{n:g},{20 * n:g},0.5B,web_val,{3.2 - i / 10:.3f}")
    rows.append("web,1e7,2e8,0.5B,web_val,4.1")  # a single pass
    runs = read_runs([write(tmp_path / "u.csv", "\n".join(rows) + "\n")])  # "columns not used", no warning
    assert (
        f"warning: column {column!r} says 4 of 5 rows repeat their data (up to 32 epochs): l2l takes D as tokens "
        "seen and fits every law as if each token were new, which repeated tokens are not (Muennighoff et al. "
        "2023): a law fitted over them bends; keep the single-pass runs with --where 'D<=500M'"
    ) in notes(runs)
    single = read_runs(
        [write(tmp_path / "s.csv", "\n".join([rows[0], *(r.replace("0.5B", "20B") for r in rows[1:])]))]
    )
    assert "repeat their data" not in notes(single)


# ---- NaN cells of a W&B export: a crashed or diverged run ------------------------------------------------------


def test_a_wide_exports_nan_cells_are_skipped_as_blank_ones_naming_the_run(tmp_path: Path) -> None:
    """W&B writes NaN for a crashed run: "not a finite number: 'nan'" refused the whole file, while its blank cells
    were skipped and counted. In a glob's columns, in detected columns and in accuracy columns alike."""
    rows = ["Name,dataset,N,D,State,eval/val/loss,eval/code/loss,eval/quiz/acc"]
    for i, n in enumerate(SIZES):
        val = {1: "nan", 2: ""}.get(i, f"{3.1 - i / 5:.2f}")
        acc = "NaN" if i == 1 else f"{0.3 + i / 10:.2f}"
        rows.append(
            f"r{i},web,{n:g},{20 * n:g},{'crashed' if i == 1 else 'finished'},{val},{3.5 - i / 5:.2f},{acc}"
        )
    path = write(tmp_path / "export.csv", "\n".join(rows) + "\n")
    runs = read_runs(
        [path],
        wide=True,
        columns={"run_id": "Name"},
        loss_columns="eval/*/loss",
        accuracy_columns="eval/*/acc",
    )
    assert sorted(runs.frame.filter(pl.col("eval") == "val").get_column("run_id").to_list()) == ["r0", "r3"]
    assert not runs.frame.get_column("loss").is_nan().any()
    assert runs.accuracy is not None
    assert runs.accuracy.sort("N").get_column("accuracy").to_list() == pytest.approx([0.3, 0.5, 0.6])
    (prov,) = runs.provenance
    # one blank, a NaN loss and a NaN accuracy: the NaN accuracy was counted neither read nor rejected (p58)
    assert (prov["rows_rejected"], prov["rows_nan"]) == (3, 2)
    assert (prov["rows_read"], prov["rows_kept"]) == (3 * len(SIZES), 3 * len(SIZES) - 3)
    assert (
        "eval/val/loss" not in prov["columns"]["extras"]
    )  # it was "not a column l2l uses" beside loss_columns
    assert (
        "warning: 1 NaN loss cell skipped, as empty cells are (a crashed or diverged run?): run r1 (eval/val/loss); "
        "--where 'Name!=r1' leaves the run out"
    ) in notes(runs)
    assert (
        "warning: 1 NaN accuracy cell skipped, as empty cells are (a crashed or diverged run?): eval/quiz/acc (1: run "
        "r1)"
    ) in notes(runs)  # the run named, as the loss note names it (it only counted the cell; probe p58)
    detected = read_runs([path], wide=True, columns={"run_id": "Name"})
    assert detected.evals == ["code", "val"]  # (a NaN left its column out: "holds non-finite values")
    assert "1 NaN loss cell skipped" in notes(detected)


def test_the_where_hint_of_nan_loss_cells_names_each_run(tmp_path: Path) -> None:
    """It named the first run alone ("--where 'Name!=r1' leaves such a run out" for r1 and r2; probe p58)."""
    rows = ["Name,dataset,N,D,eval/val/loss"]
    rows += [
        f"r{i},web,{n:g},{20 * n:g},{'nan' if i in (1, 2) else 3.1 - i / 5}" for i, n in enumerate(SIZES)
    ]
    runs = read_runs(
        [write(tmp_path / "e.csv", "\n".join(rows) + "\n")], wide=True, columns={"run_id": "Name"}
    )
    assert "--where 'Name!=r1' --where 'Name!=r2' leaves these runs out" in notes(runs)


def test_a_long_tables_nan_and_blank_value_cells_beside_its_accuracy_column_are_skipped_and_counted(
    tmp_path: Path,
) -> None:
    """With an accuracy column a NaN loss cell refused the file, while a NaN accuracy and a blank loss were dropped
    without a word (probe p58): each is skipped, counted read and rejected, the NaN ones named as a wide export's."""
    rows = ["run,dataset,N,D,eval,loss,acc"]
    for i, n in enumerate(SIZES):
        loss = {1: "nan", 2: ""}.get(i, f"{2.5 - i / 5:.2f}")
        acc = "NaN" if i == 3 else f"{0.3 + i / 20:.2f}"
        rows += [
            f"r{i},web,{n:g},{20 * n:g},val,{3.1 - i / 5:.2f},",
            f"r{i},web,{n:g},{20 * n:g},quiz,{loss},{acc}",
        ]
    runs = read_runs([write(tmp_path / "long.csv", "\n".join(rows) + "\n")], accuracy_columns="acc")
    assert not runs.frame.get_column("loss").is_nan().any()
    assert sorted(runs.frame.filter(pl.col("eval") == "quiz").get_column("run_id").to_list()) == [
        f"r{i}" for i in range(len(SIZES)) if i not in (1, 2)
    ]
    assert runs.accuracy is not None
    assert runs.accuracy.height == len(SIZES) - 1
    (prov,) = runs.provenance
    assert (prov["rows_read"], prov["rows_rejected"], prov["rows_nan"]) == (3 * len(SIZES), 3, 2)
    assert (
        "warning: 1 NaN loss cell skipped, as empty cells are (a crashed or diverged run?): run r1 (quiz); "
        "--where 'run!=r1' leaves the run out"
    ) in notes(runs)
    assert (
        "warning: 1 NaN accuracy cell skipped, as empty cells are (a crashed or diverged run?): acc (1: run r3)"
    ) in notes(runs)


def test_a_per_step_log_whose_run_diverges_to_nan_names_the_run_and_the_step(tmp_path: Path) -> None:
    """A ladder run that diverged in its last steps refused the whole log; its NaN cells are skipped, the warning
    names the run and the step they start at, and no NaN reaches the runs or the checkpoints. Its evals whose NaN
    runs to its end are left out of the final checkpoints: the last finite one, at 80 % of the run, is no finished
    run (it was kept at step 800 beside its accuracy at step 1000, one run as two models; probe p58)."""
    rows = ["run,dataset,N,D,_step,eval/val/loss,eval/quiz_ce_loss,eval/quiz_acc"]
    for n in SIZES:
        for c in range(1, 11):
            loss = "nan" if n == 8e8 and c >= 9 else f"{3.5 - n / 1e9 - c / 20:.4f}"
            rows.append(f"r{n:g},web,{n:g},{2 * n * c:g},{100 * c},{loss},{loss},{0.3 + c / 50:.3f}")
    path = write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, loss_columns="eval/*", accuracy_columns="eval/*_acc")
    assert (
        "warning: 4 NaN loss cells skipped, as empty cells are (a crashed or diverged run?): run r8e+08 from step "
        "900 (eval/val/loss, eval/quiz_ce_loss); its evals whose NaN runs to the run's end are left out"
    ) in notes(runs)
    assert "--where 'run!=r8e+08' leaves the run out" in notes(runs)
    assert not runs.frame.get_column("loss").is_nan().any()
    assert runs.checkpoints is not None
    assert not runs.checkpoints.get_column("value").is_nan().any()
    assert runs.frame.filter(pl.col("N") == 8e8).height == 0  # its losses: none at a finished checkpoint
    kept = read_runs(
        [path], wide=True, loss_columns="eval/*", accuracy_columns="eval/*_acc", checkpoints="all"
    )
    assert kept.frame.filter(pl.col("N") == 8e8).height == 16  # every finite checkpoint of both evals


def test_a_per_step_exports_eval_logged_every_few_steps_is_no_crashed_run(tmp_path: Path) -> None:
    """W&B writes NaN at the steps an eval did not run (an OLMo ladder's c4 loss every fifth step): the warning
    called each such run "crashed or diverged" and offered --where to leave every run of the log out (probe h40)."""
    rows = ["run,dataset,N,D,_step,train/loss,eval/c4/loss"]
    for n in SIZES:
        for c in range(1, 11):
            c4 = f"{3.4 - n / 1e9 - c / 20:.4f}" if c % 5 == 0 else "NaN"
            rows.append(f"r{n:g},web,{n:g},{2 * n * c:g},{100 * c},{3.5 - n / 1e9 - c / 20:.4f},{c4}")
    path = write(tmp_path / "ladder.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, loss_columns="*/loss")
    said = notes(runs)
    assert "NaN loss cells skipped" in said
    assert "an eval not logged at every step?" in said
    assert "crashed or diverged" not in said
    assert "leaves a run out" not in said
    assert "leaves the run out" not in said
    assert runs.frame.height == 2 * len(SIZES)  # each run's final train and c4 losses kept
    # an accuracy logged every fifth step is said alike (it was still "a crashed or diverged run?"), and a run
    # whose accuracy is NaN at its last step is still that
    acc = ["run,dataset,N,D,_step,train/loss,eval/hellaswag/acc"]
    for n in SIZES:
        for c in range(1, 11):
            acc.append(f"r{n:g},web,{n:g},{2 * n * c:g},{100 * c},{3.5 - n / 1e9 - c / 20:.4f},"
                       + (f"{0.3 + c / 50:.3f}" if c % 5 == 0 else "NaN"))  # fmt: skip
    every = read_runs([write(tmp_path / "acc.csv", "\n".join(acc) + "\n")], wide=True,
                      loss_columns="train/loss", accuracy_columns="*/acc")  # fmt: skip
    assert (
        "NaN accuracy cells skipped, as empty cells are (each between finite values of its run: an eval"
        in notes(every)
    )
    crashed = [row if not row.startswith(f"r{SIZES[0]:g},") or ",1000," not in row else row[: row.rfind(",")] + ",NaN"
               for row in acc]  # fmt: skip
    last = read_runs([write(tmp_path / "crash.csv", "\n".join(crashed) + "\n")], wide=True,
                     loss_columns="train/loss", accuracy_columns="*/acc")  # fmt: skip
    assert "NaN accuracy cells skipped, as empty cells are (a crashed or diverged run?)" in notes(last)
    # logged every third step, the last step (the tenth) not among them: no crash either (helper h71)
    third = [acc[0]]
    for n in SIZES:
        for c in range(1, 11):
            third.append(f"r{n:g},web,{n:g},{2 * n * c:g},{100 * c},{3.5 - n / 1e9 - c / 20:.4f},"
                         + (f"{0.3 + c / 50:.3f}" if c % 3 == 0 else "NaN"))  # fmt: skip
    schedule = notes(read_runs([write(tmp_path / "third.csv", "\n".join(third) + "\n")], wide=True,
                               loss_columns="train/loss", accuracy_columns="*/acc"))  # fmt: skip
    assert "as far apart as its run's logged values, its last steps included: an eval not logged" in schedule
    assert "crashed or diverged" not in schedule


def test_datasets_counting_flops_differently_are_warned_of(tmp_path: Path) -> None:
    """web's C = 8·N·D beside code's 6·N·D: one constant (7, the median) sets both datasets' budgets and optima,
    each off by its own count; only an info line said it (probe p59)."""

    def table(web_k: float) -> str:
        rows = ["dataset,N,D,C,eval,loss"]
        for ds, k in (("web", web_k), ("code", 6.0)):
            for i, n in enumerate((1e8, 2e8, 4e8)):
                rows.append(f"{ds},{n:g},{20 * n:g},{k * n * 20 * n:.6g},{ds}_val,{3.0 - i / 10}")
        return "\n".join(rows) + "\n"

    runs = read_runs([write(tmp_path / "c.csv", table(8.0))])
    assert (
        "warning: the datasets count FLOPs per parameter and token differently (C/(N·D): code 6, web 8); one "
        "constant, 7, sets every dataset's budgets, N* and D*" in notes(runs)
    )
    assert "count FLOPs" not in notes(read_runs([write(tmp_path / "s.csv", table(6.1))]))  # within 5 %


@pytest.mark.parametrize("column", ["total_steps", "frac_done"])
def test_a_wide_per_step_export_leaves_out_its_runs_stopped_early(tmp_path: Path, column: str) -> None:
    # a W&B per-step export (one row per logged step, one column per eval) with its planned length beside the step:
    # the run stopped at half its length was kept as a finished run (its lr column then refused the table as
    # "runs that differ in lr" where a finished run of the same size reached the same D; h18)
    rows = [f"run_name,model_size,_step,tokens_seen,{column},lr,eval/web_val/loss"]
    for n, length in ((1e8, 10), (2e8, 10), (4e8, 10), (4e8, 20), (8e8, 10)):
        total = 100 * length
        last = length // 2 if (n, length) == (4e8, 20) else length
        for c in range(1, last + 1):
            s = 100 * c
            plan = str(total) if column == "total_steps" else f"{s / total:.3f}"
            lr = 0.5 * (1 + math.cos(math.pi * s / total))
            rows.append(
                f"r{n:g}-{length},{n / 1e6:g}M,{s},{s * 2e6:g},{plan},{lr:.6f},{3.5 - n / 1e9 - s / 4e4:.4f}"
            )
    path = write(tmp_path / "wandb.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, constants={"dataset": "web"})
    assert sorted(runs.frame["N"].to_list()) == [1e8, 2e8, 4e8, 8e8]
    assert "left out 1 run stopped before 90% of its planned length" in notes(runs)


def test_a_nan_cell_between_finite_checkpoints_is_said_at_its_step_not_from_it(tmp_path: Path) -> None:
    # one NaN at step 300 of a run logged to step 1000 read "from step 300", as if the run had diverged there (h18)
    rows = ["run,dataset,N,D,_step,eval/val/loss"]
    for n in SIZES:
        for c in range(1, 11):
            loss = "nan" if n == 8e8 and c == 3 else f"{3.5 - n / 1e9 - c / 20:.4f}"
            rows.append(f"r{n:g},web,{n:g},{2 * n * c:g},{100 * c},{loss}")
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")], wide=True, loss_columns="eval/*")
    assert "run r8e+08 at step 300 (eval/val/loss)" in notes(runs)
    assert "from step" not in notes(runs)
    assert runs.frame.filter(pl.col("N") == 8e8).height == 1  # its finished checkpoint is kept


@pytest.mark.parametrize("column", ["total_steps", "frac_done"])
def test_a_wide_per_step_export_leaves_out_the_accuracies_of_its_runs_stopped_early(
    tmp_path: Path, column: str
) -> None:
    # the stopped run's accuracy, at half its length, was kept and met the finished run of its size at the same D:
    # a mid-schedule accuracy paired with a finished run's loss (h18)
    rows = [f"run_name,model_size,_step,tokens_seen,{column},eval/web_val/loss,eval/quiz_acc"]
    for n, length in ((1e8, 10), (2e8, 10), (4e8, 10), (4e8, 20), (8e8, 10)):
        total = 100 * length
        last = length // 2 if (n, length) == (4e8, 20) else length
        for c in range(1, last + 1):
            s = 100 * c
            plan = str(total) if column == "total_steps" else f"{s / total:.3f}"
            acc = (
                "" if (n, c) == (1e8, 10) else f"{0.3 + n / 4e9 + s / 1e5:.4f}"
            )  # last logged at 90 %: kept there
            rows.append(
                f"r{n:g}-{length},{n / 1e6:g}M,{s},{s * 2e6:g},{plan},{3.5 - n / 1e9 - s / 4e4:.4f},{acc}"
            )
    path = write(tmp_path / "wandb.csv", "\n".join(rows) + "\n")
    runs = read_runs([path], wide=True, constants={"dataset": "web"}, accuracy_columns="eval/*_acc")
    assert runs.accuracy is not None
    kept = runs.accuracy.sort("N")
    assert kept.get_column("run_id").to_list() == ["r1e+08-10", "r2e+08-10", "r4e+08-10", "r8e+08-10"]
    assert kept.get_column("D").to_list() == [1.8e9, 2e9, 2e9, 2e9]


@pytest.mark.parametrize("wide", [False, True])
def test_a_learning_rate_schedule_is_no_setup_telling_runs_apart(tmp_path: Path, wide: bool) -> None:
    # a per-step log with its lr and no planned length: the run stopped mid-schedule meets the finished run of its
    # size at one D; it was refused as "runs that differ in lr" (hint: --where lr=0.0), where the warning of an
    # undecayed run names it and keeps it (h18)
    head = "run,dataset,N,_step,D,lr," + ("eval/web_val/loss" if wide else "eval,loss")
    rows = [head]
    for n, length in ((1e8, 10), (2e8, 10), (4e8, 10), (4e8, 20), (8e8, 10)):
        last = length // 2 if (n, length) == (4e8, 20) else length
        for c in range(1, last + 1):
            lr = 0.5 * (1 + math.cos(math.pi * c / length))
            loss = f"{3.5 - n / 1e9 - c / 40:.4f}"
            rows.append(
                f"r{n:g}-{length},web,{n:g},{100 * c},{c * 2e8:g},{lr:.6f},"
                + (loss if wide else f"web_val,{loss}")
            )
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")], wide=wide)
    assert runs.frame.height == 5
    assert "warning: 1 run ends before its learning rate decayed" in notes(runs)


@pytest.mark.parametrize("policy", ["all", "step=500"])
def test_a_learning_rate_schedule_tells_no_runs_apart_at_every_checkpoint_either(
    tmp_path: Path, policy: str
) -> None:
    # runs of one size to 10 and 20 checkpoints (their cosine schedules apart) meet at the D of each early
    # checkpoint: with --checkpoints all (or step=K) the log was refused as "runs that differ in lr" with the hint
    # `--where lr=0.5` (a W&B export's train/lr beside its loss; h50); as the final checkpoints (h18), the schedule
    # is no setup, and the runs, told apart by their ids, are kept as separate points
    rows = ["run,dataset,N,_step,D,train/lr,eval/web_val/loss"]
    for n, length in ((1e8, 10), (2e8, 10), (4e8, 10), (4e8, 20), (8e8, 10)):
        for c in range(1, length + 1):
            lr = 0.5 * (1 + math.cos(math.pi * c / length))
            rows.append(
                f"r{n:g}-{length},web,{n:g},{100 * c},{c * 2e8:g},{lr:.6f},{3.5 - n / 1e9 - c / 40:.4f}"
            )
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")], wide=True, checkpoints=policy)
    at = runs.frame.filter((pl.col("N") == 4e8) & (pl.col("D") == 1e9))
    assert sorted(at.get_column("run_id").to_list()) == ["r4e+08-10", "r4e+08-20"]
    assert runs.frame.height == (60 if policy == "all" else 5)


def test_a_wide_logs_checkpoint_line_counts_values_as_the_ingest_line_does(tmp_path: Path) -> None:
    # a W&B export of 100 rows × 3 loss columns said "dropped 228 of 300 rows" beside "kept 72 of 300 values" (h50)
    rows = ["run,dataset,N,_step,D,eval/a/loss,eval/b/loss"]
    for n in (1e8, 2e8, 4e8):
        rows += [
            f"r{n:g},web,{n:g},{100 * c},{c * 2e8:g},{3.5 - c / 40:.4f},{3.6 - c / 40:.4f}"
            for c in (1, 2, 3, 4)
        ]
    runs = read_runs([write(tmp_path / "log.csv", "\n".join(rows) + "\n")], wide=True)
    assert (
        "kept each run's final checkpoint, dropped 18 of 24 values"
        in runs.provenance[0]["checkpoints"]["describe"]
    )
    long = ["run,dataset,N,_step,D,eval,loss"] + [
        f"{r.split(',', 1)[0]},{','.join(r.split(',')[1:5])},a,{r.split(',')[5]}" for r in rows[1:]
    ]
    read = read_runs([write(tmp_path / "long.csv", "\n".join(long) + "\n")])
    assert "dropped 9 of 12 rows" in read.provenance[0]["checkpoints"]["describe"]
    assert "counted" not in runs.provenance[0]["checkpoints"]  # (the JSON as before)


def test_a_long_logs_checkpoint_line_counts_a_loss_and_an_accuracy_as_two_values(tmp_path: Path) -> None:
    # a long per-step log of 24 rows (3 runs × 4 steps × 2 evals), each with a loss and an accuracy, said "dropped
    # 36 of 48 rows": its values counted as rows (h71's M2), beside the ingest line's "kept 12 of 48 values"
    rows = ["run,dataset,step,tokens,N,eval,loss,acc"]
    for r, n in enumerate((1e8, 2e8, 4e8)):
        rows += [
            f"r{r},web,{100 * s},{s * 5 * n:g},{n:g},{ev},{4 - s / 10 + k / 10:.3f},{0.3 + s / 20:.3f}"
            for s in (1, 2, 3, 4)
            for k, ev in enumerate(("web", "code"))
        ]
    runs = read_runs([write(tmp_path / "long.csv", "\n".join(rows) + "\n")], accuracy_columns="acc")
    assert "dropped 36 of 48 values;" in runs.provenance[0]["checkpoints"]["describe"]
    assert runs.provenance[0]["rows_read"] == 48
    assert runs.frame.height == 6


# ---- a long export of (run, metric, value) rows ---------------------------------------------------------------


def metric_value_rows(dataset: bool) -> str:
    """One row per run and metric, each metric an eval's name (``web_val_loss``) or a throughput."""
    rows = ["run,dataset,N,D,metric,value" if dataset else "run,N,D,metric,value"]
    for ds, base in (("web", 3.2), ("code", 1.4)):
        for k, n in enumerate((1e8, 2e8, 4e8)):
            head = f"{ds}-{n / 1e6:g}m,{ds}" if dataset else f"{ds}-{n / 1e6:g}m"
            rows += [
                f"{head},{n:g},{20 * n:g},{ds}_val_loss,{base - k / 10}",
                f"{head},{n:g},{20 * n:g},val_mix_loss,{3.5 - k / 10}",
                f"{head},{n:g},{20 * n:g},train_tokens_per_sec,{1e5 + k}",
            ]
    return "\n".join(rows) + "\n"


def test_a_metric_column_of_eval_names_is_offered_as_the_eval(tmp_path: Path) -> None:
    # h89: it was offered as the dataset (--column dataset=metric), then "--eval NAME" for one loss per run
    with pytest.raises(InputError, match="missing column 'eval'") as exc:
        read_runs([write(tmp_path / "long.csv", metric_value_rows(dataset=True))])
    assert exc.value.hint == (
        "column 'metric' names what each row measures (web_val_loss, val_mix_loss, train_tokens_per_sec, …), not a "
        "kind of metric (loss, bpb, accuracy): a table of one row per run and eval, its eval in that column: read "
        "it as the eval: --column eval=metric"
    )
    runs = read_runs(
        [write(tmp_path / "long.csv", metric_value_rows(dataset=True))], columns={"eval": "metric"}
    )
    assert runs.own_eval == {"code": "code_val_loss", "web": "web_val_loss"}
    assert runs.frame.filter(runs.frame["eval"] == "web_val_loss")["loss"].to_list() == [3.2, 3.1, 3.0]
    # without a dataset column: the run names' part and a dataset column, never the metric read as the dataset
    with pytest.raises(InputError, match="missing columns 'dataset'") as exc:
        read_runs([write(tmp_path / "bare.csv", metric_value_rows(dataset=False))])
    hint = exc.value.hint or ""
    assert "--column dataset=metric" not in hint
    assert "read it as the eval: --column eval=metric; and a dataset column (or --dataset NAME" in hint
    assert "run names differ in one part between runs at one (N, D): 'web' / 'code'" in hint


def test_a_metric_column_of_metric_kinds_is_no_eval_column(tmp_path: Path) -> None:
    from l2l.io.columns import evals_in_metric

    kinds = pl.DataFrame({"metric": ["loss", "acc,none", "bpb", ""], "value": [3.1, 0.4, 1.2, 3.0]}).lazy()
    assert evals_in_metric(kinds, ["metric", "value"]) is None
    named = pl.DataFrame({"Metric": ["c4_loss", "loss", "hellaswag_acc"]}).lazy()
    assert evals_in_metric(named, ["Metric"]) == ("Metric", ["c4_loss", "loss", "hellaswag_acc"])


def test_a_stage_column_that_splits_runs_into_kinds_is_warned_of_with_the_where_that_fits_one(
    tmp_path: Path,
) -> None:
    """Base runs beside annealed runs continued from them (a ``stage`` column, not used) were fitted into one law
    with nothing said (helper h101); one stage alone, or a stage column naming one kind, says nothing."""
    from l2l import read_runs

    rows = ["dataset,run_id,stage,N,D,eval,loss"]
    for n in (1e8, 2e8, 4e8):
        for k in (10, 20, 40):
            base = 2.0 + 400 / n**0.3 + 900 / (k * n) ** 0.3
            rows.append(f"web,b{n:g}-{k},pretrain,{n:g},{k * n:g},web_val,{base:.5f}")
            rows.append(f"web,a{n:g}-{k},anneal,{n:g},{1.1 * k * n:g},web_val,{0.97 * base:.5f}")
    both = tmp_path / "stages.csv"
    both.write_text("\n".join(rows) + "\n")
    (said,) = [n for n in notes(read_runs([both])).splitlines() if "column 'stage' (not used)" in n]
    assert said.endswith(
        "splits web's runs into anneal (9) and pretrain (9): one law is fitted across these kinds of run; "
        "--where stage=anneal (or stage=pretrain) fits one kind"
    )
    one = tmp_path / "one.csv"
    one.write_text("\n".join(r for r in rows if ",anneal," not in r) + "\n")
    assert "(not used) splits" not in notes(read_runs([one]))
