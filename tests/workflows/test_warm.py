"""Warm commands (issue 21): what a command computes is kept, keyed by exactly what it was computed from, and a
second call fits nothing; a changed run or option gets a fresh answer, never a stale one."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.io.caches import decode, encode, saved_accuracy_laws
from l2l.io.workspace import Workspace

REPO = Path(__file__).resolve().parents[2]
ACC = "downstream/arc_easy_test_acc"


@pytest.fixture(scope="module")
def paper_acc() -> Any:
    from l2l.io.tables import read_runs

    sample = REPO / "sample_data"
    return read_runs([sample / "brandfonbrener2024_runs.csv", sample / "brandfonbrener2024_accuracy.csv"])


@pytest.fixture
def count_accuracy_fits(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many accuracy laws are fitted (``fit_accuracy`` calls) from here on."""
    import l2l.workflows.accuracy as acc

    return _counted(monkeypatch, acc, "fit_accuracy")


def test_an_accuracy_law_is_fitted_once_and_served_exactly(
    paper_acc: Any, count_accuracy_fits: list[int]
) -> None:
    from l2l.workflows.accuracy import fit_accuracy_laws

    cache: dict[str, Any] = {}
    (first,) = fit_accuracy_laws(paper_acc, [ACC], split="sweep", accuracy_cache=cache)
    assert len(count_accuracy_fits) == 1
    assert len(cache) == 1
    (again,) = fit_accuracy_laws(paper_acc, [ACC], split="sweep", accuracy_cache=cache)
    assert len(count_accuracy_fits) == 1  # nothing fitted
    # through the workspace's encoding and back: the same law, bit for bit
    (key,) = cache
    cache[key] = decode(encode(cache[key]))
    (served,) = fit_accuracy_laws(paper_acc, [ACC], split="sweep", accuracy_cache=cache)
    assert len(count_accuracy_fits) == 1
    assert served.fit is not None
    assert first.fit is not None
    assert again.fit is first.fit
    assert served.to_dict() == first.to_dict()
    for name in ("residuals", "backtest_residuals", "backtest_logit", "fit_logit"):
        a, b = getattr(first.fit, name), getattr(served.fit, name)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(a, b)


def test_a_changed_option_or_run_fits_afresh(paper_acc: Any, count_accuracy_fits: list[int]) -> None:
    from dataclasses import replace

    from l2l.workflows.accuracy import fit_accuracy_laws

    cache: dict[str, Any] = {}
    (base,) = fit_accuracy_laws(paper_acc, [ACC], split="sweep", accuracy_cache=cache)
    (fixed,) = fit_accuracy_laws(paper_acc, [ACC], split="sweep", floor="chance", accuracy_cache=cache)
    assert len(count_accuracy_fits) == 2
    assert len(cache) == 2
    assert fixed.fit is not None
    assert base.fit is not None
    assert fixed.fit.floor_mode == "chance"
    assert base.fit.floor_mode == "fit"
    # one accuracy changed by 0.01: a new law, which the old one is not
    acc = paper_acc.accuracy
    first = acc.filter((pl.col("eval") == ACC) & (pl.col("split") == "sweep")).row(0, named=True)
    bumped = acc.with_columns(
        pl.when((pl.col("eval") == ACC) & (pl.col("run_id") == first["run_id"]) & (pl.col("N") == first["N"]))
        .then(pl.col("accuracy") + 0.01)
        .otherwise(pl.col("accuracy"))
        .alias("accuracy")
    )
    (changed,) = fit_accuracy_laws(
        replace(paper_acc, accuracy=bumped), [ACC], split="sweep", accuracy_cache=cache
    )
    assert len(count_accuracy_fits) == 3
    assert len(cache) == 3
    assert changed.fit is not None
    assert changed.fit is not base.fit


def test_encoding_is_exact_and_refuses_what_it_does_not_know() -> None:
    from l2l.core.predictability import Predictability

    value = {
        "a": (1.0, float("nan"), -float("inf")),
        "b": np.array([[0.1, np.nan], [1e-300, 3.0]]),
        "n": None,
    }
    back = decode(encode(value))
    assert back["a"][0] == 1.0
    assert np.isnan(back["a"][1])
    assert back["a"][2] == -np.inf
    np.testing.assert_array_equal(back["b"], value["b"])
    pred = Predictability(True, "ok", 0.123456789012345, 0.25, 0.01, 0.9, float("nan"))
    again = decode(encode(pred))
    assert again.signal == pred.signal
    assert np.isnan(again.trend_p)
    from l2l.core.accuracy import dataset_offsets

    off = dataset_offsets(
        np.array([0.015] * 6 + [-0.015] * 6), np.array([0] * 6 + [1] * 6), ["a", "b"], 0.005
    )
    assert decode(encode(off)) == off  # a pooled law's offsets by dataset are kept with it
    with pytest.raises(TypeError):
        encode(Workspace)  # a class, not a value
    with pytest.raises(KeyError):
        decode({"dataclass": "Workspace", "fields": {}})


def test_fit_accuracy_warm_fits_nothing_and_says_the_same(
    run: Any, ws_path: Path, count_accuracy_fits: list[int]
) -> None:
    sample = REPO / "sample_data"
    res = run("ingest", sample / "brandfonbrener2024_runs.csv", sample / "brandfonbrener2024_accuracy.csv")
    assert res.exit_code == 0, res.output
    args = ("fit-accuracy", "--eval", ACC, "--eval", "downstream/boolq_test_acc", "--split", "sweep")
    cold = run(*args, "--format", "json")
    assert cold.exit_code == 0, cold.output
    n_cold = len(count_accuracy_fits)
    assert n_cold == 2
    assert len(saved_accuracy_laws(Workspace(ws_path))) == 2
    warm = run(*args, "--format", "json")
    assert len(count_accuracy_fits) == n_cold
    assert warm.stdout == cold.stdout


def test_bootstrap_draws_of_different_sizes_are_each_kept(synthetic_runs: Any) -> None:
    import l2l.workflows.lawbook as lb
    from l2l.core.fit import FitCache

    cache = FitCache()
    calls: list[int] = []
    real = lb.bootstrap_law  # type: ignore[attr-defined]

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(kwargs["draws"])
        return real(*args, **kwargs)

    ds = synthetic_runs.datasets[0]
    ev = synthetic_runs.own(ds)
    mp = pytest.MonkeyPatch()
    mp.setattr(lb, "bootstrap_law", counted)
    try:
        drawn: dict[int, Any] = {}
        for draws in (20, 30, 20, 30):  # as translate (200) and rank (100) alternate on one workspace
            book = lb.law_book(synthetic_runs, None, None, cache)
            fit = lb.with_bootstrap(book, book.get(ds, ev), draws, 0)
            assert fit.bootstrap is not None
            assert fit.bootstrap.shape[0] == draws
            drawn.setdefault(draws, fit.bootstrap)
            assert_allclose(fit.bootstrap, drawn[draws], rtol=0)
    finally:
        mp.undo()
    assert calls == [20, 30]


def test_a_session_keeps_a_fit_given_draws(ingested: Any, ws_path: Path) -> None:
    """A fit given draws replaces one already saved (no new key of its own kind): the session saves it too."""
    from l2l.io.caches import saved_fits
    from l2l.workflows.lawbook import bootstrap_key, law_book, with_bootstrap
    from l2l.workflows.session import open_session

    assert ingested("fit-law").exit_code == 0  # every law fitted and saved, without draws
    with open_session() as s:
        book = law_book(s.runs, None, None, s.fits)
        ds = s.runs.datasets[0]
        fit = book.get(ds, s.runs.own(ds))
        assert fit.bootstrap is None
        with_bootstrap(book, fit, 12, 3)
        key = book.key(ds, s.runs.own(ds))
    saved = saved_fits(Workspace(ws_path))
    boot = saved[key].bootstrap
    assert boot is not None
    assert boot.shape[0] == 12
    assert bootstrap_key(key, 12, 3, "run") in saved


def test_a_session_saves_a_replaced_entry(ingested: Any, ws_path: Path) -> None:
    from dataclasses import replace

    from l2l.io.caches import saved_fits
    from l2l.workflows.session import open_session

    assert ingested("fit-law").exit_code == 0
    with open_session() as s:
        key, fit = next(iter(s.fits.items()))
        s.fits[key] = replace(fit, warnings=("replaced",))
    assert saved_fits(Workspace(ws_path))[key].warnings == ("replaced",)


def test_pairs_from_sides_are_the_pairs_from_the_frame(paper_runs: Any) -> None:
    from l2l.workflows.pairing import PairSpec, Sides, pair_runs, same_model_pairs

    sides = Sides(paper_runs.frame)
    a, b = paper_runs.datasets[:2]
    spec = PairSpec(a, paper_runs.own(a), b, paper_runs.own(b))
    assert pair_runs(sides, spec).equals(pair_runs(paper_runs.frame, spec))
    ev = paper_runs.own(b)
    assert same_model_pairs(sides, a, paper_runs.own(a), ev).equals(
        same_model_pairs(paper_runs.frame, a, paper_runs.own(a), ev)
    )
    assert sides.get("no such dataset", ev).height == 0


def test_held_out_rows_from_sides_are_the_rows_of_the_frame_join(paper_runs: Any) -> None:
    """``Sides.nd_rows`` (evaluate's held-out pairs, from arrays) is ``pair_runs``'s (N, D, x, run_y), in order."""
    from l2l.base.errors import SelectionError
    from l2l.workflows.pairing import PairSpec, Sides, pair_runs

    sides = Sides(paper_runs.frame)
    a, b = paper_runs.datasets[:2]
    spec = PairSpec(a, paper_runs.own(a), b, paper_runs.own(b))
    want = [(r["N"], r["D"], r["x"], r["run_y"]) for r in pair_runs(sides, spec).iter_rows(named=True)]
    assert sides.nd_rows(spec) == want
    with pytest.raises(SelectionError, match="no runs of dataset"):
        sides.nd_rows(PairSpec(a, "no such eval", b, paper_runs.own(b)))


def _counted(monkeypatch: pytest.MonkeyPatch, module: Any, name: str) -> list[int]:
    """How many times ``module.name`` is called from here on (one entry per call)."""
    made: list[int] = []
    real = getattr(module, name)

    def counted(*args: Any, **kwargs: Any) -> Any:
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counted)
    return made


def _count_evaluations(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many evaluations are made (not served from the workspace) from here on."""
    import l2l.workflows.evaluate as ev

    return _counted(monkeypatch, ev, "evaluate")


def _as_cli() -> Any:
    """What `l2l evaluate` asks by default (its --form is auto)."""
    from l2l.core.fit import FitOptions
    from l2l.workflows.requests import EvaluateRequest

    return EvaluateRequest(options=FitOptions(form="auto"))


def _same(a: Any, b: Any) -> bool:
    import json

    return json.dumps(a.to_dict()) == json.dumps(b.to_dict())  # (NaN is not equal to itself in a dict)


def test_a_kept_evaluation_is_never_served_for_changed_runs_options_or_code(
    ingested: Any, ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """evaluate's answer is kept under a hash of the runs, every option and the code: the same question is served
    (an answer equal to the one made), a changed held-out loss (no fit or calibration changes with it), option or
    line of code is answered afresh."""
    from dataclasses import replace

    import l2l.io.caches as caches
    from l2l.base.runs import Runs
    from l2l.workflows.requests import evaluation
    from l2l.workflows.session import Session, open_session

    made = _count_evaluations(monkeypatch)
    with open_session() as s:
        kept = evaluation(s, _as_cli())  # the shared workspace ran `evaluate`: served
    assert made == []
    runs = s.runs
    first = kept.predictions[0]
    hit = (
        (pl.col("dataset") == first.tgt)
        & (pl.col("eval") == first.eval)
        & (pl.col("N") == first.N)
        & (pl.col("D") == first.D)
        & (pl.col("split") == "extrapolation")
    )
    assert runs.frame.filter(hit).height == 1
    bumped = runs.frame.with_columns(pl.when(hit).then(pl.col("loss") * 1.01).otherwise(pl.col("loss")))
    changed = Runs(bumped, runs.own_eval, runs.provenance, runs.own_eval_how)
    answers = []
    for _ in range(2):  # made and kept, then served
        with Session(changed, Workspace(ws_path)) as s2:
            answers.append(evaluation(s2, _as_cli()))
        assert made == [1]
    fresh, served = answers
    assert_allclose(fresh.predictions[0].actual, first.actual * 1.01, rtol=1e-12)
    assert fresh.predictions[0].source_loss == first.source_loss
    assert _same(served, fresh)
    with open_session() as s3:
        other = evaluation(s3, replace(_as_cli(), level=0.8))
    assert made == [1, 1]
    assert other.summary[0].level == 0.8
    monkeypatch.setattr(caches, "code_digest", lambda: "0" * 64)  # as an edited l2l of the same version
    with open_session() as s4:
        recomputed = evaluation(s4, _as_cli())
    assert made == [1, 1, 1]
    assert _same(recomputed, kept)


def test_a_damaged_kept_evaluation_is_made_again_with_a_note(
    ingested: Any, ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from l2l.workflows.requests import evaluation
    from l2l.workflows.session import open_session

    (path,) = (ws_path / "artifacts").glob("evaluation-*.answer")
    data = bytearray(path.read_bytes())
    data[-10] ^= 1  # one bit of one number
    path.write_bytes(bytes(data))
    made = _count_evaluations(monkeypatch)
    with open_session() as s:
        evaluation(s, _as_cli())
    assert made == [1]
    assert s.workspace is not None
    assert s.workspace.notes == [
        f"the cache artifacts/{path.name} does not match its checksum (damaged or edited): "
        "it is ignored and will be rebuilt"
    ]
    with open_session() as s:
        evaluation(s, _as_cli())
    assert made == [1]  # rebuilt, and served


def test_commands_in_a_copy_of_the_warm_workspace_say_what_they_say_cold(
    run: Any, ingested: Any, synthetic_csv: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tests' shared warm workspace (tests/conftest.py) changes no answer: evaluate, predict and translate print
    the same JSON in a fresh workspace, fitted from scratch."""
    commands = (
        ("evaluate", "--detail"),
        ("predict", "-d", "all", "--N", "1e9", "--D", "2e10", "--split", "sweep"),
        ("translate", "--src", "alpha", "--tgt", "all", "--split", "sweep"),
    )
    made = _count_evaluations(monkeypatch)
    warm = [ingested(*c, "-f", "json").stdout for c in commands]
    assert made == []  # evaluate's answer was kept by the workspace's `evaluate` (--detail only prints more)
    monkeypatch.setenv("L2L_WORKSPACE", str(tmp_path / "cold"))
    assert run("ingest", synthetic_csv).exit_code == 0
    cold = [run(*c, "-f", "json").stdout for c in commands]
    assert made == [1]
    assert cold == warm


def test_a_translation_of_one_loss_is_its_translation_of_an_array_bit_for_bit() -> None:
    from l2l.workflows.translate import fit_loss_to_loss

    rng = np.random.default_rng(1)
    x = np.sort(rng.uniform(2.2, 4.0, 40))
    y = 0.9 * (x - 1.7) ** 1.13 + 1.2 + rng.normal(0, 0.003, 40)
    t = fit_loss_to_loss(x, y, E0=1.7, E1=1.2)
    probe = rng.uniform(1.75, 5.0, 2000)
    one = np.array([float(t.predict(float(v))) for v in probe])
    np.testing.assert_array_equal(one, t.predict(probe))


def test_pair_columns_from_sides_are_the_pairs_columns(paper_runs: Any) -> None:
    from l2l.base.errors import SelectionError
    from l2l.workflows.pairing import PairSpec, Sides
    from l2l.workflows.translate import pairs_for

    sides = Sides(paper_runs.frame)
    a, b = paper_runs.datasets[:2]
    test_eval = next(e for e in paper_runs.evals if e not in paper_runs.own_eval.values())
    for spec in (
        PairSpec(a, paper_runs.own(a), b, paper_runs.own(b)),
        PairSpec(a, paper_runs.own(a), a, test_eval),
        PairSpec(b, test_eval, a, test_eval),
    ):
        pairs = pairs_for(paper_runs.frame, spec)
        x, y, n, d = sides.xy(spec)
        np.testing.assert_array_equal(x, pairs["x"].to_numpy())
        np.testing.assert_array_equal(y, pairs["y"].to_numpy())
        np.testing.assert_array_equal(n, pairs["N"].to_numpy())
        np.testing.assert_array_equal(d, pairs["D"].to_numpy())
    with pytest.raises(SelectionError, match="no runs of dataset"):
        sides.xy(PairSpec(a, "no such eval", b, paper_runs.own(b)))


def test_rank_keeps_its_accuracy_law(paper_acc: Any, count_accuracy_fits: list[int]) -> None:
    from l2l.workflows.rank import _accuracy_law

    cache: dict[str, Any] = {}
    task, fit = _accuracy_law(paper_acc, "downstream/hellaswag_test_len_norm", "sweep", cache)
    again = _accuracy_law(paper_acc, "downstream/hellaswag_test_len_norm", "sweep", cache)
    assert len(count_accuracy_fits) == 1
    assert again == (task, fit)


@pytest.mark.parametrize("damage", ["[1, 2]", "\x00\xff", "unknown-class"])
def test_a_damaged_accuracy_cache_reads_as_empty_with_a_note(good: Path, ws_path: Path, damage: str) -> None:

    from l2l.io.caches import ACCURACY_LAWS_VERSION, _sealed, save_accuracy_laws
    from l2l.io.tables import read_runs

    ws = Workspace(ws_path)
    ws.save(read_runs([good / "long.csv"]))
    (ws_path / "artifacts").mkdir()
    path = ws_path / "artifacts" / "accuracy_laws.json"
    if damage == "unknown-class":  # sound and sealed, but naming a class no record may build
        bad = {"k": {"dataclass": "Workspace", "fields": {"root": "/"}}}
        damage = _sealed("accuracy_laws", ACCURACY_LAWS_VERSION, bad).decode()
    path.write_text(damage, encoding="utf-8", errors="surrogateescape")
    assert saved_accuracy_laws(ws) == {}
    assert len(ws.notes) == 1
    assert "accuracy_laws.json" in ws.notes[0]
    assert save_accuracy_laws(ws, {}) in (0, 1)  # a damaged file is replaced (or kept, unread), not an error


def test_a_bootstrap_interval_does_not_depend_on_the_command_run_before(run: Any, ws_path: Path) -> None:
    """Where no backtest applies (a W&B export of four budgets) predict's interval is the bootstrap's: the same
    whether rank (which asks the same law for 100 draws) ran before it or not."""
    from l2l.testing.shapes import wide_export

    shape = wide_export(seed=2)
    shape.write("wide.csv")
    assert run("ingest", "wide.csv", *shape.ingest_args).exit_code == 0
    n, d = 3e9, 3e20 / (6 * 3e9)  # a held-out run's configuration
    ask = ("predict", "-d", "books", "--N", repr(n), "--D", repr(d), "--split", "sweep", "--format", "json")
    first = run(*ask)
    assert first.exit_code == 0, first.output
    ranked = run("rank", "-t", "books", "--C", "1e21", "--split", "sweep", "--draws", "100")
    assert ranked.exit_code == 0, ranked.output
    again = run(*ask)
    assert again.stdout == first.stdout
    # and evaluate, asked the same question of its held-out run, gives the same interval (it gave the law's
    # residual spread alone: 2-7x narrower on a probe's tables, 18 of 27 held-out runs inside here against 25)
    (p,) = json.loads(first.stdout)["rows"]
    evaluated = run("evaluate", "--holdout", "split=heldout", "--detail", "--format", "json")
    assert evaluated.exit_code == 0, evaluated.output
    held = [
        h
        for h in json.loads(evaluated.stdout)["predictions"]
        if (h["tgt"], h["eval"], h["N"], h["D"]) == ("books", p["eval"], n, d)
    ]
    assert held
    for h in held:
        assert (h["independent"], h["independent_lo"], h["independent_hi"]) == (
            p["loss"],
            p["loss_lo"],
            p["loss_hi"],
        )
        assert h["independent_lower_bound"] is True


def test_groups_calibrated_in_two_processes_are_the_groups_calibrated_in_one(
    synthetic_runs: Any, synthetic_workspace: Path
) -> None:
    """calibrate_groups in worker processes gives every group's calibration exactly as in-process (the same
    inputs, the same backtests): the form chosen and the error models' records alike. In-process: the groups the
    shared synthetic workspace calibrated (its commands ran in the test process, L2L_WORKERS=1: tests/conftest.py),
    read back from its cache; in two processes: calibrated afresh, from no saved fit or calibration."""
    from l2l.core.fit import FitOptions
    from l2l.io.caches import saved_calibrations, saved_fits
    from l2l.workflows.lawbook import law_book

    options = FitOptions(form="auto")
    ws = Workspace(synthetic_workspace)
    in_process = saved_calibrations(ws)
    one = law_book(synthetic_runs, options, "sweep", saved_fits(ws), in_process)
    two = law_book(synthetic_runs, options, "sweep", workers=2)
    groups = list(
        dict.fromkeys(one.group_of(ds, ev) for ds in synthetic_runs.datasets for ev in synthetic_runs.evals)
    )
    assert len(groups) >= 2
    kept = len(in_process)
    one.calibrate_groups(groups, workers=1)
    assert len(in_process) == kept  # every group was calibrated in-process already: nothing computed here
    two.calibrate_groups(groups, workers=2)
    for g in groups:
        assert two.calibration(g).to_record() == one.calibration(g).to_record()


def test_bootstrap_draws_made_in_two_processes_are_the_draws_made_in_one(synthetic_runs: Any) -> None:
    """``with_bootstraps`` (evaluate's draws of the laws no backtest calibrates) gives each law exactly the draws
    ``with_bootstrap`` makes in-process, whichever way they were made."""
    from l2l.core.fit import FitOptions
    from l2l.workflows.lawbook import law_book, with_bootstrap, with_bootstraps

    options = FitOptions(form="l2l")
    keys = [("alpha", "alpha_val"), ("beta", "beta_val"), ("alpha", "downstream/quiz")]
    one = law_book(synthetic_runs, options, "sweep")
    alone = [with_bootstrap(one, one.get(ds, ev), 16, 3) for ds, ev in keys]
    two = law_book(synthetic_runs, options, "sweep")
    together = with_bootstraps(two, [two.get(ds, ev) for ds, ev in keys], 16, 3, workers=2)
    for a, b in zip(alone, together, strict=True):
        assert a.bootstrap is not None
        assert b.bootstrap is not None
        assert np.array_equal(a.bootstrap, b.bootstrap)
        assert (b.bootstrap_seed, b.bootstrap_unit) == (3, "run")


def test_evaluate_draws_its_carried_laws_in_the_worker_processes_with_the_intervals_of_one(
    synthetic_runs: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The bootstraps behind evaluate's carried train-to-test and downstream intervals (``predict --via``'s, half a
    cold evaluate's CPU) are made at once, each dataset's laws as one stack, in the worker processes: none one by
    one in the command's own process, and every interval as made in one process."""
    import l2l.workflows.lawbook as lawbook
    from l2l.core.fit import FitOptions
    from l2l.workflows.evaluate import evaluate

    options = FitOptions(form="l2l")
    one = evaluate(synthetic_runs, options=options, workers=1)
    alone: list[str] = []
    real = vars(lawbook)["bootstrap_law"]

    def counted(fit: Any, *args: Any, **kwargs: Any) -> Any:
        alone.append(fit.eval)
        return real(fit, *args, **kwargs)

    monkeypatch.setattr(lawbook, "bootstrap_law", counted)
    two = evaluate(synthetic_runs, options=options, workers=2)
    assert alone == []
    carried = [
        p for p in one.predictions if p.setting != "train-to-train" and p.interval_loss_to_loss is not None
    ]
    assert len(carried) > 10
    assert json.dumps(two.to_dict(), sort_keys=True) == json.dumps(one.to_dict(), sort_keys=True)


def _count_rankings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many rankings are made (``rank_runs`` calls) from here on."""
    import l2l.workflows.rank as rank

    return _counted(monkeypatch, rank, "rank_runs")


def test_rank_keeps_its_answer_and_serves_it_for_exactly_the_same_question(
    ingested: Any, ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A warm `rank` reads the ranking it kept (issue 21: it redid its joint draws and its scan of budgets, 3.5x
    `l2l runs`) and prints it byte for byte as made; another option, another run or another line of code is
    ranked afresh."""
    import l2l.io.caches as caches

    made = _count_rankings(monkeypatch)
    ask = ("rank", "-t", "own", "--C", "1e21", "--split", "sweep", "--draws", "400")
    outputs = []
    for fmt in ("json", "json", "table"):
        result = ingested(*ask, "--format", fmt)
        assert result.exit_code == 0, result.output
        outputs.append(result.stdout)
    assert made == [1]  # made once, then served (the format is not part of the question)
    assert outputs[1] == outputs[0]
    assert len(list((ws_path / "artifacts").glob("ranking-*.answer"))) == 1
    fresh = Path("fresh")
    monkeypatch.setenv("L2L_WORKSPACE", str(fresh))  # the same question of a cold workspace: the same table
    shutil.copytree(ws_path, fresh)
    for answer in (fresh / "artifacts").glob("ranking-*.answer"):
        answer.unlink()
    assert ingested(*ask).stdout == outputs[2]
    assert made == [1, 1]
    monkeypatch.setenv("L2L_WORKSPACE", str(ws_path))
    assert ingested(*ask[:-1], "401").exit_code == 0  # another number of draws
    assert made == [1, 1, 1]
    monkeypatch.setattr(caches, "code_digest", lambda: "0" * 64)  # as an edited l2l of the same version
    assert ingested(*ask, "--format", "json").stdout == outputs[0]
    assert made == [1, 1, 1, 1]


def test_a_kept_ranking_is_never_served_for_changed_runs(
    ingested: Any, ws_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dataclasses import asdict, replace

    from l2l.base.runs import Runs
    from l2l.workflows.rank_store import decode_ranking, encode_ranking, ranking_key
    from l2l.workflows.requests import RankRequest, answer_rank
    from l2l.workflows.session import open_session

    made = _count_rankings(monkeypatch)
    req = RankRequest(targets={"own": 1.0}, C=1e21, split="sweep", draws=200)
    with open_session() as s:
        first = answer_rank(s, req)
    runs = s.runs
    top = pl.col("N") == pl.col("N").max()
    bumped = runs.frame.with_columns(pl.when(top).then(pl.col("loss") * 1.01).otherwise(pl.col("loss")))
    changed = Runs(bumped, runs.own_eval, runs.provenance, runs.own_eval_how)
    assert ranking_key(changed, asdict(req)) != ranking_key(runs, asdict(req))
    if runs.accuracy is not None:  # an accuracy changed is another question too
        other = runs.accuracy.with_columns(pl.col(runs.accuracy.columns[-1]).shift(1))
        assert ranking_key(replace(runs, accuracy=other), asdict(req)) != ranking_key(runs, asdict(req))
    with open_session() as s:
        served = answer_rank(s, req)
    assert made == [1]
    assert json.dumps(served.to_dict()) == json.dumps(first.to_dict())  # (NaN is not equal to itself)
    body = encode_ranking(first)  # type: ignore[arg-type]
    assert body is not None
    assert decode_ranking(body) == first
    # nothing but a ranking's own classes is ever built from a kept file
    assert decode_ranking(json.dumps({"format": 1, "ranking": {"\u00a7": "Path", "x": 1}}).encode()) is None
    assert decode_ranking(b"[1, 2]") is None
    assert decode_ranking(body.replace(b'"format":1', b'"format":2')) is None
