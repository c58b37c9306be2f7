"""Per-dataset facts a table states beside its losses, carried past ingest and used (probe p65 D1, D2).

D1: datasets whose models use different tokenizers. A loss per token is in another unit for each (bytes per token
differ), so ``rank`` on it ranked the tokenizers: the worst dataset first at P(best) 1.00, the ``tokenizer`` column
and the per-byte twin ignored. Now the tokenizers are kept and a ranking on a per-token loss across them is refused,
naming the per-byte eval.

D2: a data-constrained dataset (``unique_tokens``). Its D* at 10x the sweep was 39 passes over its unique tokens,
predicted as if fresh: the truth lay outside the interval and the winner was the other dataset. Now every prediction,
optimum and ranking whose D repeats the data more than the runs its law was fitted on says so, a lower bound.
"""

from __future__ import annotations

import csv
import json
import math
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest

from l2l.base.errors import UsageError
from l2l.io.tables import read_runs
from l2l.io.workspace import Workspace
from l2l.workflows.predict import optimal, predict
from l2l.workflows.rank import rank_runs
from l2l.workflows.targets import bytes_per_token, tokenizer_refusal
from l2l.workflows.via import predict_via

SIZES = (2e7, 5e7, 1e8, 2e8, 4e8, 8e8)

# ---- D1: three tokenizers; per byte web < books < code, per token the reverse ---------------------------------
TOKENIZED = {
    "web": {"tok": "gpt2", "bpt": 4.2, "vocab": 50257, "E": 2.1, "Kb": 0.33, "Eb": 0.75},
    "books": {"tok": "llama", "bpt": 3.8, "vocab": 32000, "E": 2.0, "Kb": 0.36, "Eb": 0.80},
    "code": {"tok": "starcoder", "bpt": 3.0, "vocab": 49152, "E": 1.2, "Kb": 0.45, "Eb": 0.95},
}


def _own(E: float, N: float, D: float) -> float:
    return E + ((1.7e8 / N) ** (0.30 / 0.35) + 3.2e9 / D) ** 0.35


def _tokenizer_table(path: Path, *, same_tokenizer: bool = False, bpt: float | None = None) -> Path:
    rng = np.random.default_rng(1)
    rows = []
    for ds, p in TOKENIZED.items():
        for N in SIZES:
            for r in (10, 20, 40, 80):
                D = N * r
                own = _own(float(p["E"]), N, D)  # type: ignore[arg-type]
                bpb = float(p["Kb"]) * (own - float(p["E"])) + float(p["Eb"])  # type: ignore[arg-type]
                base = {
                    "dataset": ds,
                    "N": N,
                    "D": D,
                    "tokenizer": "gpt2" if same_tokenizer else p["tok"],
                    "vocab_size": 50257 if same_tokenizer else p["vocab"],
                }

                def noisy(v: float) -> float:
                    return round(v * math.exp(rng.normal(0, 0.004)), 5)

                rows.append({**base, "eval": f"{ds}_val", "metric": "loss", "loss": noisy(own)})
                rows.append(
                    {
                        **base,
                        "eval": "c4_val",
                        "metric": "loss",
                        "loss": noisy(bpb * math.log(2) * float(bpt or p["bpt"])),  # type: ignore[arg-type]
                    }  # type: ignore[arg-type]
                )
                rows.append({**base, "eval": "c4_val", "metric": "bpb", "loss": noisy(bpb)})
    return _write(path, rows)


# ---- D2: hq holds 3B unique tokens (its runs repeat them up to 27 times); web is fresh ---------------------------
U_HQ = 3e9


def _effective(D: float) -> float:
    """Muennighoff et al.'s effective data of D tokens over U_HQ unique ones (R* = 15.4)."""
    extra = max(D / U_HQ - 1.0, 0.0)
    return min(D, U_HQ) + U_HQ * 15.4 * (1.0 - math.exp(-extra / 15.4))


def _repeated_table(
    path: Path, column: str = "unique_tokens", unit: float = 1.0, *, fresh_as_d: bool = False
) -> Path:
    rng = np.random.default_rng(1)
    rows = []
    for ds, E in (("hq", 1.95), ("web", 2.0)):
        for N in SIZES:
            for r in (10, 20, 40, 100):
                D = N * r
                loss = _own(E, N, _effective(D) if ds == "hq" else D)
                unique = U_HQ if ds == "hq" else D if fresh_as_d else 1e12
                extra = {column: unique / unit} if column != "epochs" else {column: max(D / unique, 1.0)}
                for ev, off in ((f"{ds}_val", 0.0), ("c4_val", 0.1)):
                    value = round((loss + off) * math.exp(rng.normal(0, 0.004)), 5)
                    rows.append({"dataset": ds, "N": N, "D": D, "eval": ev, "loss": value, **extra})
    return _write(path, rows)


def _write(path: Path, rows: list[dict[str, object]]) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    return path


# ---- D1 ------------------------------------------------------------------------------------------------------------


def test_ingest_keeps_each_datasets_tokenizer_and_warns_that_they_differ(tmp_path: Path) -> None:
    runs = read_runs([_tokenizer_table(tmp_path / "t.csv")])
    assert runs.tokenizers == {
        "books": "tokenizer=llama, vocab_size=32000",
        "code": "tokenizer=starcoder, vocab_size=49152",
        "web": "tokenizer=gpt2, vocab_size=50257",
    }
    decisions = [n for p in runs.provenance for n in p.get("decisions", [])]
    warned = [n for n in decisions if "different tokenizers" in n]
    assert len(warned) == 1
    assert "c4_val:bpb" in warned[0]
    # the columns are used now: no longer listed as columns not used
    assert not {"tokenizer", "vocab_size"} & set(runs.provenance[0]["ignored_columns"])


def test_rank_refuses_a_per_token_loss_across_tokenizers_and_names_the_per_byte_twin(tmp_path: Path) -> None:
    runs = read_runs([_tokenizer_table(tmp_path / "t.csv")])
    with pytest.raises(UsageError) as info:
        rank_runs(runs, ["c4_val"], N=3.2e9, D=6.4e10, split=None, draws=200)
    assert "different tokenizers" in info.value.message
    assert info.value.hint is not None
    assert "-t c4_val:bpb" in info.value.hint
    # the per-byte eval is comparable: ranked, the truth's order (web < books < code per byte)
    res = rank_runs(runs, ["c4_val:bpb"], N=3.2e9, D=6.4e10, draws=200)
    order = sorted((r.rank, r.dataset) for r in res.targets[0].rows if r.rank is not None)
    assert [ds for _, ds in order] == ["web", "books", "code"]


def test_datasets_of_one_tokenizer_or_a_table_naming_none_are_ranked_on_per_token_losses(
    tmp_path: Path,
) -> None:
    same = read_runs([_tokenizer_table(tmp_path / "same.csv", same_tokenizer=True)])
    assert tokenizer_refusal(same, same.datasets, ["c4_val"]) is None
    assert not [n for p in same.provenance for n in p.get("decisions", []) if "different tokenizers" in n]
    differ = read_runs([_tokenizer_table(tmp_path / "differ.csv")])
    assert tokenizer_refusal(differ, differ.datasets, ["c4_val"]) is not None
    assert tokenizer_refusal(differ, differ.datasets, ["c4_val:bpb"]) is None
    assert tokenizer_refusal(differ, ["web"], ["c4_val"]) is None
    # a table naming none is ranked where its per-byte twin gives every dataset one bytes per token (one tokenizer)
    one = read_runs([_tokenizer_table(tmp_path / "one.csv", bpt=4.2)])
    assert tokenizer_refusal(replace(one, tokenizers={}), one.datasets, ["c4_val"]) is None


def test_a_table_naming_no_tokenizer_is_refused_where_its_per_byte_twin_tells_bytes_per_token_apart(
    tmp_path: Path,
) -> None:
    """Three tokenizers given as three datasets (no tokenizer column): per-token c4_val ranked the tokenizer of
    fewest bytes per token first at P(best) 1.00 (helper h101); c4_val over c4_val:bpb of the same runs tells the
    bytes per token of each (3.0, 3.8, 4.2), so the ranking is refused as a named tokenizer's is."""
    differ = read_runs([_tokenizer_table(tmp_path / "differ.csv")])
    bare = replace(differ, tokenizers={})
    np.testing.assert_allclose(
        [bytes_per_token(bare, bare.datasets, "c4_val")[d] for d in ("code", "books", "web")],
        [3.0, 3.8, 4.2],
        rtol=0.01,
    )
    assert bytes_per_token(bare, bare.datasets, "c4_val:bpb") == {}
    refused = tokenizer_refusal(bare, bare.datasets, ["c4_val"])
    assert refused is not None
    assert "code 3.00 bytes per token" in refused.message
    assert "told by c4_val over c4_val:bpb" in refused.message
    assert refused.hint == "rank its per-byte twin: -t c4_val:bpb"
    assert tokenizer_refusal(bare, ["web", "books"], ["c4_val:bpb"]) is None


def test_a_per_token_ranking_beside_a_dataset_of_unknown_tokenizer_says_so(tmp_path: Path) -> None:
    """A workspace appended from two tables: web names gpt2, books none. `rank -t c4_val -d books -d web` ranked
    them on per-token losses with nothing said (probe p66); the ranking now warns, and a per-byte target does not."""
    differ = read_runs([_tokenizer_table(tmp_path / "differ.csv")])
    mixed = replace(differ, tokenizers={"web": differ.tokenizers["web"]})
    ranked = rank_runs(mixed, ["c4_val"], N=3.2e9, D=6.4e10, datasets=["books", "web"], draws=100)
    said = [w for w in ranked.warnings if "is not known" in w]
    assert said == [
        "c4_val: a loss per token, and the tokenizer of books is not known (of web gpt2): per-token losses compare "
        "only between models of one tokenizer; a per-byte eval (NAME:bpb) compares any"
    ]
    per_byte = rank_runs(mixed, ["c4_val:bpb"], N=3.2e9, D=6.4e10, datasets=["books", "web"], draws=100)
    assert not [w for w in per_byte.warnings if "is not known" in w]


# ---- the workspace --------------------------------------------------------------------------------------------------


def test_the_workspace_keeps_the_facts_and_reads_a_workspace_written_without_them(tmp_path: Path) -> None:
    runs = read_runs([_tokenizer_table(tmp_path / "t.csv")])
    runs = replace(runs, unique_tokens={"web": 5e10})
    ws = Workspace(tmp_path / "ws")
    ws.save(runs)
    back = ws.load()
    assert back.tokenizers == runs.tokenizers
    assert back.unique_tokens == {"web": 5e10}
    # a workspace an l2l before these facts wrote: no such keys in its config (and its digest without them)
    old = Workspace(tmp_path / "old")
    old.save(replace(runs, tokenizers={}, unique_tokens={}))
    config = old.config_path
    doc = json.loads(config.read_text())
    del doc["tokenizers"], doc["unique_tokens"]
    data = (json.dumps(doc, indent=2) + "\n").encode()
    config.write_bytes(data)
    pointer = json.loads(old.pointer_path.read_text())
    import hashlib

    pointer["files"]["config.json"] = hashlib.sha256(data).hexdigest()
    old.pointer_path.write_text(json.dumps(pointer, indent=2) + "\n")
    read = old.load()
    assert read.tokenizers == {}
    assert read.unique_tokens == {}
    assert read.digest == doc["digest"]


def test_the_tokenizer_warning_is_for_tables_with_losses_per_token() -> None:
    """A table whose every loss is per byte was warned that "a loss per token is in another unit" (probe p66)."""
    from l2l.io.dataset_facts import tokenizer_notes

    toks = {"books": "tokenizer=llama", "web": "tokenizer=gpt2"}
    assert tokenizer_notes(toks, ["books_val:bpb", "web_val:bpb"]) == []
    (warned,) = tokenizer_notes(toks, ["books_val:bpb", "c4_val", "web_val:bpb"])
    assert "rank the per-byte evals (books_val:bpb, web_val:bpb)" in warned
    assert tokenizer_notes({"books": "tokenizer=gpt2", "web": "tokenizer=gpt2"}, ["c4_val"]) == []


def test_appending_a_datasets_runs_under_another_tokenizer_is_refused(tmp_path: Path, run: Any) -> None:
    """web's runs appended under llama, web stored under gpt2: the repeats were averaged across the two models and
    the stored tokenizer silently replaced, after which a per-token ranking was allowed (probe p66 NEW-D)."""
    table = _tokenizer_table(tmp_path / "t.csv")
    assert run("ingest", table).exit_code == 0
    other = tmp_path / "other.csv"
    other.write_text(table.read_text().replace(",gpt2,", ",llama,"))
    ws = tmp_path / "ws"
    before = sorted(p.name for p in ws.iterdir())
    res = run("ingest", "--append", other)
    assert res.exit_code == 1
    (line,) = res.stderr.splitlines()
    assert "dataset 'web': the runs appended use tokenizer=llama" in line
    assert "Hint: give the appended runs a dataset name of their own" in line
    assert sorted(p.name for p in ws.iterdir()) == before


# ---- D2 ------------------------------------------------------------------------------------------------------------


def test_ingest_carries_the_unique_tokens_of_each_dataset(tmp_path: Path) -> None:
    runs = read_runs([_repeated_table(tmp_path / "u.csv")])
    assert runs.unique_tokens == {"hq": U_HQ, "web": 1e12}
    assert "unique_tokens" not in runs.provenance[0]["ignored_columns"]
    # an epochs column gives them as D over the passes (the largest: a run that saw its data once)
    epochs = read_runs([_repeated_table(tmp_path / "e.csv", "epochs")])
    assert epochs.unique_tokens["hq"] == pytest.approx(U_HQ)
    # a fresh dataset's epochs = 1 in every row bounds nothing: its largest D is no count of its unique tokens
    assert "web" not in epochs.unique_tokens
    # read as ingest's repeated-data warning reads the column: its names (camel case) and its units (a count in
    # billions, by its name or by its values), so that the warning and the flags never disagree
    for column, unit in (("UniqueTokens", 1.0), ("unique_tokens_B", 1e9), ("unique_tokens", 1e9)):
        read = read_runs([_repeated_table(tmp_path / f"{column}{unit:g}.csv", column, unit)])
        assert read.unique_tokens == pytest.approx({"hq": U_HQ, "web": 1e12}), (column, unit)
    # each fresh run's own D as its unique tokens (Muennighoff-style tables) says nothing of the data's size: its
    # largest D was taken for it, and every prediction past it flagged as repeating (probe p66)
    fresh = read_runs([_repeated_table(tmp_path / "fresh_d.csv", fresh_as_d=True)])
    assert fresh.unique_tokens == {"hq": U_HQ}


def test_a_prediction_past_the_passes_its_runs_made_is_a_lower_bound_saying_why(tmp_path: Path) -> None:
    runs = read_runs([_repeated_table(tmp_path / "u.csv")])
    res = predict(runs, N=[1.4e10, 1e9], D=[1.17e11, 3e10], datasets=["hq", "web"])
    rows = {(r.dataset, r.D): r.to_dict() for r in res}
    far = rows[("hq", 1.17e11)]  # 39 passes; the sweep's runs made up to 26.7
    assert far["lower_bound_only"]
    assert not far["calibrated"]
    assert far["beyond_evidence"]
    assert any(
        "D = 39 passes over the unique tokens; the law assumes fresh data" in w for w in far["warnings"]
    )
    assert far["repetition"]["passes"] == pytest.approx(39.0)
    assert far["repetition"]["beyond_evidence"]
    near = rows[("hq", 3e10)]  # 10 passes: within the passes of its runs, said in a note, not beyond
    assert near["repetition"]["beyond_evidence"] is False
    assert any("within the passes of the runs" in n for n in near["notes"])
    assert "repetition" not in rows[("web", 1.17e11)]  # fresh data: nothing said


def test_a_translation_into_data_repeated_past_the_targets_runs_is_a_lower_bound_too(tmp_path: Path) -> None:
    """`predict --via` into a dataset whose D repeats its data more than its runs did printed a calibrated
    interval beside its own law's lower bound (probe p66): the translation says so too."""
    path = _repeated_table(tmp_path / "u.csv")
    lines = path.read_text().splitlines()
    kept = [
        lines[0],
        *(x for x in lines[1:] if not (x.startswith("hq,") and float(x.split(",")[2]) > 3.3e10)),
    ]
    path.write_text("\n".join(kept) + "\n")
    runs = read_runs([path])  # hq's runs now make up to 10.7 passes; web's largest run trains on 8e10 tokens
    top = runs.frame.filter((pl.col("dataset") == "web") & (pl.col("D") == 8e10)).get_column("run_id")[0]
    got = predict_via(runs, via="web", tgt="hq", from_run=str(top))
    assert got.result.lower_bound_only
    assert any("D = 26.7 passes over the unique tokens" in n for n in got.result.notes)
    hq = runs.frame.filter(pl.col("dataset") == "hq").sort("D").get_column("run_id")[-1]
    # into fresh data from hq's largest run (10.7 passes, as many as its runs made): a note of the source, as predict
    # notes it there, and no lower bound
    fresh = predict_via(runs, via="hq", tgt="web", from_run=str(hq))
    said = [n for n in fresh.result.notes if "passes over the unique tokens" in n]
    assert said
    assert all("within the passes of the runs" in n and "hq holds 3B unique tokens" in n for n in said)
    assert not any("beyond the evidence" in n for n in fresh.result.notes)


def _hq_up_to(path: Path, d_max: float, n_below: float = math.inf) -> Path:
    """``_repeated_table`` without hq's runs past ``d_max`` tokens smaller than ``n_below``: hq's sweep makes fewer
    passes over its 3B unique tokens than its largest runs."""
    lines = _repeated_table(path).read_text().splitlines()
    kept = [
        lines[0],
        *(
            x
            for x in lines[1:]
            if not (
                x.startswith("hq,") and float(x.split(",")[2]) > d_max and float(x.split(",")[1]) < n_below
            )
        ),
    ]
    path.write_text("\n".join(kept) + "\n")
    return path


def test_a_translation_from_a_source_repeated_past_its_runs_is_a_lower_bound_saying_why(
    tmp_path: Path,
) -> None:
    """`predict --via` from a source whose D repeats its data more than its own runs did read backtested (a
    data-constrained table: web at 8 passes past a sweep of 4 onto code, helper h96): the source's own law says
    its loss there is above the law's, and the translation, fitted on pairs within those passes, says so too,
    through the train-to-test step."""
    runs = read_runs([_hq_up_to(tmp_path / "u.csv", 3.3e10)])  # hq's runs make up to 10.7 passes
    x = _own(1.95, 8e8, _effective(8e10))  # hq's loss at 8e10 tokens: 26.7 passes
    for eval_name in (None, "c4_val"):
        got = predict_via(runs, via="hq", tgt="web", src_loss=x, model=(8e8, 8e10), eval_name=eval_name)
        assert got.result.lower_bound_only, eval_name
        assert not got.result.backtested
        why = [n for n in got.result.notes if "D = 26.7 passes over the unique tokens" in n]
        assert len(why) == 1, eval_name
        assert why[0].startswith("beyond the evidence: ")
        assert "hq holds 3B unique tokens, its runs made up to 10.7 passes" in why[0]
        assert all(st.interval is None or st.interval.lower_bound_only for st in got.steps)
    # the same source loss at 10 passes (3e10 tokens), within its runs': no lower bound for repetition
    within = predict_via(runs, via="hq", tgt="web", src_loss=x, model=(8e8, 3e10))
    assert not any("beyond the evidence: D" in n for n in within.result.notes)
    assert any("D = 10 passes over the unique tokens" in n for n in within.result.notes)


def test_evaluates_translation_from_a_source_repeated_past_its_runs_is_a_lower_bound(tmp_path: Path) -> None:
    """evaluate's loss-to-loss column from a held-out source run that repeats its data more than the source's
    fitting runs did read calibrated onto a fresh target (helper h96): a lower bound now, its row saying why, as
    ``predict --via`` says it; the independent prediction of the fresh target is unchanged."""
    from l2l.workflows.evaluate import evaluate

    ev = evaluate(
        read_runs([_hq_up_to(tmp_path / "u.csv", 3.3e10, n_below=8e8)]),
        holdout_top_compute=1,
        test=["c4_val"],
    )
    from_hq = [p for p in ev.predictions if p.src == "hq" and p.tgt == "web"]
    assert {p.eval for p in from_hq} == {"web_val", "c4_val"}
    for p in from_hq:
        pi = p.interval_loss_to_loss
        assert pi is not None
        assert pi.lower_bound_only, p.eval
        why = [n for n in p.notes if "D = 26.7 passes over the unique tokens" in n]
        assert len(why) == 1, p.eval
        assert "hq holds 3B unique tokens, its runs made up to 10.7 passes" in why[0]
        assert p.interval_independent is not None
        assert not any("passes over the unique tokens" in n for n in p.interval_independent.notes)


def test_evaluates_translation_into_data_repeated_past_the_targets_runs_is_a_lower_bound(
    tmp_path: Path,
) -> None:
    """evaluate's loss-to-loss column into a held-out run that repeats its data more than the target's fitting runs
    did read calibrated, beside the target's own law's lower bound (probe p66)."""
    from l2l.workflows.evaluate import evaluate

    path = _repeated_table(tmp_path / "u.csv")
    lines = path.read_text().splitlines()
    kept = [
        lines[0],
        *(
            x
            for x in lines[1:]
            if not (x.startswith("hq,") and float(x.split(",")[2]) > 3.3e10 and float(x.split(",")[1]) < 8e8)
        ),
    ]
    path.write_text("\n".join(kept) + "\n")
    ev = evaluate(read_runs([path]), holdout_top_compute=1)
    into_hq = [p.interval_loss_to_loss for p in ev.predictions if p.tgt == "hq" and p.eval == "hq_val"]
    assert into_hq
    for pi in into_hq:
        assert pi is not None
        assert pi.lower_bound_only
        assert any("D = 26.7 passes over the unique tokens" in n for n in pi.notes)


def test_optimal_says_that_d_star_exceeds_the_unique_tokens(tmp_path: Path) -> None:
    runs = read_runs([_repeated_table(tmp_path / "u.csv")])
    [alloc] = optimal(runs, C=[1e22], datasets=["hq"])
    d = alloc.to_dict()
    assert d["D_opt"] > 26.7 * U_HQ
    assert d["D_opt_beyond_unique_tokens"]
    assert d["repetition"]["beyond_evidence"]
    assert d["notes"][0].startswith(f"D* = {d['D_opt'] / 1e9:.3g}B exceeds hq's 3B unique tokens")
    assert d["lower_bound_only"]
    assert not d["calibrated"]


def test_rank_at_a_budget_flags_the_repeating_dataset_and_the_scan_of_winners(tmp_path: Path) -> None:
    runs = read_runs([_repeated_table(tmp_path / "u.csv")])
    res = rank_runs(runs, ["c4_val"], C=1e22, draws=200)
    t = res.targets[0]
    hq = next(r for r in t.rows if r.dataset == "hq")
    assert hq.repetition is not None
    assert hq.repetition.beyond
    assert any(
        w.startswith("c4_val: hq's D* = ") and "exceeds its 3B unique tokens" in w for w in res.warnings
    )
    # the scan of winners over C (1e21 to 1e23) is unchecked from where hq's D* passes its runs' passes
    assert t.fresh_until is not None
    assert t.fresh_until[1] == "hq"
    assert 1e21 <= t.fresh_until[0] < 1e22
    assert t.to_dict()["scan_repeats_data_from"]["dataset"] == "hq"
    web = next(r for r in t.rows if r.dataset == "web")
    assert web.repetition is None
    assert "repetition" not in web.to_dict()


def test_translations_across_tokenizers_say_their_values_do_not_compare_the_datasets(tmp_path: Path) -> None:
    from l2l.workflows.translate import translate

    runs = read_runs([_tokenizer_table(tmp_path / "t.csv")])
    res = translate(runs, src="web", kind="test-test", evals=["c4_val"])
    said = [n for n in res.notes if "different tokenizers" in n]
    assert len(said) == 1
    assert "c4_val:bpb" in said[0]
    per_byte = translate(runs, src="web", kind="test-test", evals=["c4_val:bpb"])
    assert not [n for n in per_byte.notes if "different tokenizers" in n]
    # one dataset's own loss against its other evals: one tokenizer, nothing said
    within = translate(runs, src="web", kind="train-test", evals=["c4_val"])
    assert not [n for n in within.notes if "different tokenizers" in n]


def test_a_wide_export_carries_its_tokenizer_column(tmp_path: Path) -> None:
    rows = []
    for ds, p in TOKENIZED.items():
        for N in SIZES:
            for r in (10, 20, 40):
                own = _own(float(p["E"]), N, N * r)
                rows.append(
                    {
                        "dataset": ds,
                        "params": N,
                        "tokens": N * r,
                        "tokenizer": p["tok"],
                        f"eval/{ds}_val/loss": own,
                    }
                )
    names = sorted({k for r in rows for k in r}, key=lambda k: (k.startswith("eval/"), k))
    path = tmp_path / "wide.csv"
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=names)
        w.writeheader()
        w.writerows(rows)
    runs = read_runs([path], wide=True)
    assert runs.tokenizers == {
        "books": "tokenizer=llama",
        "code": "tokenizer=starcoder",
        "web": "tokenizer=gpt2",
    }
