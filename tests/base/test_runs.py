"""One name resolver for every command (issue 9): exact, then unique prefix (never a substring), ``all`` as a
keyword everywhere, every repeat honoured, and an unknown or ambiguous name listing the candidates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from l2l.base.errors import SelectionError, UsageError
from l2l.base.runs import Runs, resolve_name, resolve_names
from l2l.io.tables import read_runs

DATASETS = ["fineweb", "fineweb-edu", "starcoder", "smollm"]
EVALS = ["arc_challenge", "arc_easy", "downstream/hellaswag_test_ce_loss", "fineweb_val", "starcoder_val"]


def test_an_exact_name_wins_over_a_longer_one_it_prefixes() -> None:
    assert resolve_name("fineweb", DATASETS, "dataset") == "fineweb"
    assert resolve_name("FineWeb-Edu", DATASETS, "dataset") == "fineweb-edu"


def test_a_name_in_another_unicode_form_resolves() -> None:
    """A decomposed "données" (macOS file names, some terminals) was "unknown dataset 'données'; did you mean
    'données'?" (a probe)."""
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "données")
    assert decomposed != "données"
    assert resolve_name(decomposed, ["web", "données"], "dataset") == "données"
    assert resolve_name("données", ["web", decomposed], "dataset") == decomposed


def test_names_holding_a_comma_are_quoted_where_they_are_listed() -> None:
    """Probe p60: "unknown dataset 'web,web-edu' (datasets: web, web, v2, web-edu)": three datasets or four?"""
    names = ["web", "web, v2", "web-edu"]
    with pytest.raises(SelectionError) as unknown:
        resolve_name("web,web-edu", names, "dataset")
    assert unknown.value.message == "unknown dataset 'web,web-edu' (datasets: 'web', 'web, v2', 'web-edu')"
    with pytest.raises(SelectionError) as ambiguous:
        resolve_name("we", names, "dataset")
    assert ambiguous.value.message == "dataset 'we' is ambiguous: it could be 'web', 'web, v2', 'web-edu'"
    with pytest.raises(SelectionError, match=r"\(datasets: fineweb, fineweb-edu, starcoder, smollm\)"):
        resolve_name("c4", DATASETS, "dataset")  # no comma in any name: listed plainly


def test_a_unique_prefix_resolves() -> None:
    assert resolve_name("star", DATASETS, "dataset") == "starcoder"
    assert resolve_name("hellaswag", EVALS, "eval") == "downstream/hellaswag_test_ce_loss"  # last path part


def test_a_prefix_that_ends_inside_a_number_never_matches() -> None:
    """p68: `-d 0.2` answered for the mixture 0.25 without a word."""
    mixtures = ["0.1", "0.25", "mix=0.5", "llama-70b"]
    with pytest.raises(SelectionError, match=r"unknown dataset '0.2'; did you mean '0.25'\?"):
        resolve_name("0.2", mixtures, "dataset")
    with pytest.raises(SelectionError, match="unknown dataset 'llama-7'"):
        resolve_name("llama-7", mixtures, "dataset")
    assert (
        resolve_name("llama-70", mixtures, "dataset") == "llama-70b"
    )  # the number ends where the prefix does
    assert resolve_name("mix", mixtures, "dataset") == "mix=0.5"


def test_a_substring_never_matches() -> None:
    with pytest.raises(SelectionError, match="unknown dataset 'coder'") as info:
        resolve_name("coder", DATASETS, "dataset")
    assert "starcoder" in info.value.message  # the candidates are listed
    with pytest.raises(SelectionError, match="unknown eval 'all'"):
        resolve_name("all", ["arc_challenge"], "eval")  # 'all' is a keyword, never a match for arc_challenge


def test_a_typo_gets_the_name_it_missed_and_a_long_list_is_cut() -> None:
    with pytest.raises(SelectionError, match="unknown dataset 'starcodr'; did you mean 'starcoder'\\?"):
        resolve_name("starcodr", DATASETS, "dataset")
    many = [f"set{i:02d}" for i in range(40)]
    with pytest.raises(SelectionError) as info:
        resolve_name("zeta", many, "dataset")
    assert "did you mean" not in info.value.message
    assert info.value.message.endswith("set11, … (40 in all; l2l runs --evals lists them))")


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("c4_val", "'c4'"),
        ("eval/c4_val/loss", "'c4'"),
        ("val_web", "'web'"),
        ("C4-Validation", "'c4'"),
        ("c4_val_bpb", "'c4:bpb'"),
        ("c4_val:bpb", "'c4:bpb'"),
    ],
)
def test_a_name_with_a_loss_or_validation_affix_is_told_the_stored_name(name: str, meant: str) -> None:
    """A wide export's names lose their shared ``_val/loss`` on ingest; the logger's name (``c4_val``) was an
    unknown eval with no did-you-mean (probe p66 NEW-G b). Still refused: a suggestion, never a silent match."""
    evals = ["books", "c4", "c4:bpb", "code", "web"]
    with pytest.raises(SelectionError) as info:
        resolve_name(name, evals, "eval")
    assert (
        info.value.message
        == f"unknown eval {name!r}; did you mean {meant}? (evals: books, c4, c4:bpb, code, web)"
    )
    assert info.value.hint == "name one of the evals listed, or the beginning of one"


def test_a_stored_name_with_the_affix_is_found_from_the_bare_one_and_alike_names_are_all_offered() -> None:
    with pytest.raises(SelectionError, match="unknown eval 'c4/loss'; did you mean 'c4_val'\\?"):
        resolve_name("c4/loss", ["c4_val", "web_val"], "eval")
    with pytest.raises(SelectionError, match="unknown dataset 'web_val'; did you mean 'web'\\?"):
        resolve_name("web_val", ["books", "web"], "dataset")
    with pytest.raises(SelectionError, match="did you mean 'c4' or 'c4_val'\\?"):
        resolve_name("c4_valid", ["c4", "c4_val"], "eval")
    with pytest.raises(SelectionError) as info:  # nothing near: the list and the fix, no guess
        resolve_name("nosuch", ["dc", "fresh"], "dataset")
    assert info.value.message == "unknown dataset 'nosuch' (datasets: dc, fresh)"
    assert info.value.hint == "name one of the datasets listed, or the beginning of one"


def test_an_ambiguous_prefix_lists_the_candidates() -> None:
    with pytest.raises(
        SelectionError, match="'arc' is ambiguous: it could be arc_challenge, arc_easy"
    ) as info:
        resolve_name("arc", EVALS, "eval")
    assert info.value.hint == "name more of it, up to one eval listed"  # p69: no hint


@pytest.mark.parametrize("name", ["", "  "])
def test_an_empty_name_is_a_usage_error_not_an_ambiguous_prefix_of_every_name(name: str) -> None:
    # '' prefixes every name: `-d ''` said "dataset '' is ambiguous: it could be …" and exited 1
    with pytest.raises(UsageError, match=r"^an empty dataset name names no dataset$") as info:
        resolve_name(name, DATASETS, "dataset")
    assert info.value.exit_code == 2
    assert info.value.hint == "name one of the datasets: fineweb, fineweb-edu, starcoder, smollm"


def test_all_is_a_keyword_and_every_repeat_is_honoured() -> None:
    assert resolve_names(["all"], DATASETS, "dataset") == DATASETS
    assert resolve_names(None, DATASETS, "dataset") == DATASETS
    assert resolve_names(["star", "smol", "starcoder"], DATASETS, "dataset") == ["starcoder", "smollm"]


@pytest.fixture(scope="module")
def arc_runs(tmp_path_factory: pytest.TempPathFactory) -> Runs:
    """Two datasets with an eval named arc_challenge: the table where 'all' used to match it as a substring."""
    rows = ["dataset,N,D,eval,loss"]
    for ds, base in (("starcoder", 3.0), ("coder-mix", 3.2)):
        for i, (n, d) in enumerate([(1e7, 1e9), (2e7, 2e9), (4e7, 4e9), (8e7, 8e9), (1.6e8, 1.6e10)]):
            rows.append(f"{ds},{n},{d},train,{base - 0.1 * i}")
            rows.append(f"{ds},{n},{d},arc_challenge,{base + 1 - 0.1 * i}")
    path = tmp_path_factory.mktemp("arc") / "runs.csv"
    path.write_text("\n".join(rows) + "\n")
    return read_runs([path])


def test_eval_keys_take_all_as_every_eval_of_each_dataset(arc_runs: Runs) -> None:
    keys = arc_runs.eval_keys(arc_runs.resolve_datasets(["star"]), ["all"])
    assert keys == [("starcoder", "arc_challenge"), ("starcoder", "train")]
    assert arc_runs.resolve_datasets(["coder"]) == ["coder-mix"]  # a prefix of coder-mix, not starcoder


def test_predict_honours_every_repeated_dataset_and_eval(run: Any, synthetic_csv: Path) -> None:
    result = run(
        "predict", synthetic_csv, "-d", "alpha", "-d", "beta", "-e", "own", "-e", "quiz", "--N", "1e9", "--D", "2e10",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [(r["dataset"], r["eval"]) for r in rows] == [
        ("alpha", "alpha_val"),
        ("alpha", "downstream/quiz"),
        ("beta", "beta_val"),
        ("beta", "downstream/quiz"),
    ]


def test_optimal_takes_all_as_a_keyword(ingested: Any) -> None:
    # the sample ingested, its laws kept (tests/conftest.py): the same rows as `optimal SAMPLE ...`, not refitted
    result = ingested("optimal", "-d", "gamma", "--eval", "all", "--C", "1e21", "--format", "json")
    assert result.exit_code == 0, result.stderr
    rows = json.loads(result.stdout)["rows"]
    assert [r["eval"] for r in rows] == [
        "alpha_val",
        "beta_val",
        "downstream/cloze",
        "downstream/quiz",
        "gamma_val",
    ]


# ----------------------------------------------------------------------------------------------------
# Runs: selections and digest


def test_resolve_exact_prefix_ambiguous_unknown(paper_csv: Path) -> None:
    runs = read_runs([paper_csv])
    assert runs.resolve_dataset("fineweb-100b") == "fineweb-100b"
    assert runs.resolve_dataset("Star") == "starcoder"
    with pytest.raises(SelectionError, match="ambiguous: it could be fineweb-100b, fineweb-edu-100b"):
        runs.resolve_dataset("fineweb")
    with pytest.raises(SelectionError, match=r"unknown dataset 'c4' \(datasets: fineweb-100b,"):
        runs.resolve_dataset("c4")
    assert runs.resolve_eval("c4") == "c4_val"
    assert runs.own("smollm") == "smollm_val"


def test_select_filters(good: Path) -> None:
    runs = read_runs([good / "long.csv"])
    assert runs.select(dataset="web", eval_name="code").height == 3
    assert runs.select(dataset="web", split="holdout").height == 2
    with pytest.raises(SelectionError, match="unknown split 'x'") as info:
        runs.select(split="x")
    assert (info.value.hint or "").startswith("name one of the splits listed")  # p69: no hint


def test_digest_depends_on_rows_and_own_eval(good: Path) -> None:
    a = read_runs([good / "long.csv"])
    assert a.digest == read_runs([good / "long.csv"]).digest
    assert a.digest != read_runs([good / "long.csv"], own_eval={"web": "code_val"}).digest
    assert a.digest != read_runs([good / "repeats.csv"]).digest


def test_runs_numbered_alike_in_two_datasets_are_different_runs(run: Any, tmp_path: Path) -> None:
    """Two sweeps that both number their runs m0, m1, ... (a run trains on one dataset): 2 x 3 runs, not 3."""
    lines = ["dataset,N,D,eval,loss,run_id"]
    for ds, base in (("web", 3.0), ("code", 2.0)):
        for i, n in enumerate((1e8, 2e8, 4e8)):
            row = f"{ds},{n:g},{20 * n:g}"
            lines += [f"{row},{ds}_val,{base - 0.1 * i},m{i}", f"{row},c4,{base + 0.5},m{i}"]
    table = tmp_path / "alike.csv"
    table.write_text("\n".join(lines) + "\n")
    assert read_runs([table]).n_runs == 6
    assert run("ingest", table).exit_code == 0
    doc = json.loads(run("runs", "--format", "json").stdout)
    assert doc["runs_total"] == 6


def test_one_law_that_cannot_be_fitted_does_not_stop_predict_or_optimal_for_the_others(
    tmp_path: Path,
) -> None:
    from l2l.base.errors import FitError
    from l2l.io.tables import read_runs
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv
    from l2l.workflows.predict import optimal, predict

    rows = synthetic_runs(SyntheticSpec(seed=2))
    few = [r for r in rows if r["dataset"] == "beta"][:4]  # beta keeps 4 runs of its own eval: no law
    keep = [r for r in rows if r["dataset"] != "beta"] + few
    path = tmp_path / "runs.csv"
    write_csv(keep, str(path))
    runs = read_runs([path])
    preds = predict(runs, N=[1e9], D=[2e10], datasets=["all"], split="sweep")
    assert {p.dataset for p in preds} == {"alpha", "gamma"}
    assert len(preds.skipped) == 1
    assert preds.skipped[0].startswith("not predicted: beta/")
    allocs = optimal(runs, C=[1e21], datasets=["all"], split="sweep")
    assert {a.dataset for a in allocs} == {"alpha", "gamma"}
    assert allocs.skipped == preds.skipped
    with pytest.raises(FitError):  # asked for alone, it is the error
        predict(runs, N=[1e9], D=[2e10], datasets=["beta"], split="sweep")


def test_an_id_reused_across_token_counts_names_one_run_per_count(tmp_path: Path) -> None:
    """Ids that name a model size (m20 at 1x, 2x and 4x tokens, final checkpoints): `l2l runs` said 3 runs of 9;
    the checkpoints of one run (``--checkpoints all``) still count as that one run."""
    rows = ["run_id,dataset,N,D,eval,loss"]
    for n in (2e7, 5e7, 1e8):
        rows += [f"m{int(n / 1e6)},web,{n:g},{20 * n * m:g},web,{3.5 - m / 10 - n / 1e9}" for m in (1, 2, 4)]
    path = tmp_path / "reuse.csv"
    path.write_text("\n".join(rows) + "\n")
    runs = read_runs([path])
    assert runs.n_runs == 9
    assert runs.summary()[0]["runs"] == 9
    every = read_runs(
        [Path(__file__).parents[1] / "data" / "real" / "per_step_tokens_seen.csv"], checkpoints="all"
    )
    assert every.n_runs == 54  # 810 rows: 54 runs' checkpoints on 2 evals


@pytest.mark.parametrize(
    ("asked", "hint"),
    [
        ("lambada_acc", "-e lambada:accuracy"),
        ("PIQA_Acc", "-e piqa:accuracy"),
        ("eval/piqa/acc", "-e piqa:accuracy"),
        ("downstream/arc_easy/accuracy", "-e arc_easy:accuracy"),
    ],
)
def test_an_accuracy_asked_for_by_its_column_name_is_told_the_name_it_is_stored_under(
    asked: str, hint: str
) -> None:
    """A wide export's ``lambada_acc`` is stored as the accuracy eval ``lambada``: asking for the column's name was
    "unknown accuracy eval 'lambada_acc'" with the generic hint (h80)."""
    from l2l.base.runs import resolve_name, stored_accuracy_hint

    with pytest.raises(SelectionError) as exc:
        resolve_name(asked, ["lambada", "piqa", "arc_easy"], "accuracy eval")
    assert exc.value.hint == f"an accuracy column is stored under its task's name: {hint}"
    assert stored_accuracy_hint("piqa_loss", ["piqa"]) is None  # a loss is no accuracy column
    assert stored_accuracy_hint("foo_acc", ["piqa"]) is None  # no such task
