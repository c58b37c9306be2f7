"""Pairing and loss-to-loss translation: recovery of known K, κ, E1; pairing rules; the translated law."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.base.errors import FitError, SelectionError
from l2l.testing import PAPER_LIKE_LAW, Shift, SyntheticSpec, own_laws
from l2l.workflows.pairing import PairSpec, pair_runs, same_model_pairs
from l2l.workflows.translate import fit_loss_to_loss, translate
from l2l.workflows.via import predict_sources, predict_via
from tests.conftest import runs_from_spec


def _shift_data(shift: Shift, e0: float, noise: float, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    x = np.linspace(2.3, 4.5, 60)
    y = shift.apply(x, e0) * np.exp(noise * rng.standard_normal(60))
    return x, y


def test_exact_relation_gives_back_k_and_kappa() -> None:
    x, y = _shift_data(Shift(0.63, 1.11, 0.89), 2.0, noise=0.0)
    t = fit_loss_to_loss(x, y, E0=2.0, E1=0.89)
    assert_allclose([t.K, t.kappa], [0.63, 1.11], rtol=1e-12)
    assert t.n_pairs == 60
    assert t.n_excluded == 0
    assert_allclose(t.r2, 1.0, atol=1e-12)


def test_noisy_relation_recovers_k_and_kappa_within_two_percent() -> None:
    x, y = _shift_data(Shift(1.37, 1.44, 4.12), 2.0, noise=0.003, seed=1)
    t = fit_loss_to_loss(x, y, E0=2.0, E1=4.12)
    assert_allclose([t.K, t.kappa], [1.37, 1.44], rtol=0.02)
    assert_allclose(t.resid_sd, 0.003, rtol=0.3)


def test_free_e1_finds_the_shift() -> None:
    x, y = _shift_data(Shift(0.9, 1.2, 2.4), 2.0, noise=0.0)
    t = fit_loss_to_loss(x, y, E0=2.0, E1=0.0, free_e1=True)
    assert t.free_e1
    assert_allclose([t.E1, t.K, t.kappa], [2.4, 0.9, 1.2], rtol=1e-4)


def test_points_below_the_shift_are_counted_not_hidden() -> None:
    x, y = _shift_data(Shift(1.0, 1.0, 1.0), 2.0, noise=0.0)
    x = np.concatenate([x, [1.9, 1.95]])
    y = np.concatenate([y, [1.8, 1.9]])
    t = fit_loss_to_loss(x, y, E0=2.0, E1=1.0)
    assert t.n_excluded == 2
    assert t.n_pairs == 60
    assert "2 of 62 pairs have x ≤ E0" in t.warnings[0]


def test_too_few_usable_pairs_is_an_error() -> None:
    with pytest.raises(FitError, match="2 usable pairs"):
        fit_loss_to_loss([2.5, 3.0, 1.0], [1.5, 2.0, 0.5], E0=2.0, E1=1.0)


def test_prediction_below_e0_is_refused() -> None:
    t = fit_loss_to_loss(*_shift_data(Shift(1.0, 1.0, 1.0), 2.0, 0.0), E0=2.0, E1=1.0)
    assert_allclose(t.predict(3.0), 2.0, rtol=1e-12)
    with pytest.raises(FitError, match="at or below the source's irreducible loss"):
        t.predict(1.99)


def test_translated_law_matches_the_pushed_law() -> None:
    t = fit_loss_to_loss(
        *_shift_data(Shift(0.63, 1.11, 0.89), PAPER_LIKE_LAW.E, 0.0), E0=PAPER_LIKE_LAW.E, E1=0.89
    )
    implied = t.translate_law(PAPER_LIKE_LAW)
    n, d = np.geomspace(2e7, 3e9, 9), np.geomspace(4e8, 5e10, 9)
    assert_allclose(implied.predict(n, d), t.predict(PAPER_LIKE_LAW.predict(n, d)), rtol=1e-10)


# -- pairing --------------------------------------------------------------------------------------------------


def test_pairing_by_nd_and_by_run_identity_agree_on_the_synthetic_sample(synthetic_runs: Any) -> None:
    spec = PairSpec("alpha", "alpha_val", "beta", "beta_val")
    by_nd = pair_runs(synthetic_runs.frame, spec, join="nd")
    by_run = pair_runs(synthetic_runs.frame, spec, join="run")
    assert by_nd.height == 55
    assert by_nd.select("N", "D", "x", "y").equals(by_run.select("N", "D", "x", "y"))


def test_pairing_on_the_paper_runs(paper_runs: Any) -> None:
    spec = PairSpec("fineweb-edu-100b", "fineweb_edu_100b_val", "starcoder", "starcoder_val")
    pairs = pair_runs(paper_runs.frame, spec)
    assert pairs.height == 81  # 80 sweep configurations in common + the held-out 3.3B run
    assert_allclose(pairs["N"].to_numpy(), pairs["N"].to_numpy())
    with pytest.raises(SelectionError, match="no run_id is shared by fineweb-edu-100b and starcoder"):
        pair_runs(paper_runs.frame, spec, join="run")


def test_pairing_tolerates_rounding_within_rtol() -> None:
    base = pl.DataFrame(
        {
            "dataset": ["a", "b"],
            "N": [1e8, 1e8 * (1 + 3e-7)],
            "D": [2e9, 2e9],
            "C": [1.2e18] * 2,
            "eval": ["a_val", "b_val"],
            "loss": [3.0, 2.5],
            "run_id": ["r1", "r2"],
            "split": [None, None],
        },
        schema_overrides={"split": pl.String},
    )
    frame = pl.concat([base, base.with_columns(pl.col("N") * 2, pl.col("run_id") + "x")])
    assert pair_runs(frame, PairSpec("a", "a_val", "b", "b_val")).height == 2
    with pytest.raises(SelectionError, match="relative tolerance 1e-08"):
        pair_runs(frame, PairSpec("a", "a_val", "b", "b_val"), rtol=1e-8)


def test_same_model_pairs_join_each_run_with_itself(synthetic_runs: Any) -> None:
    pairs = same_model_pairs(synthetic_runs.frame, "beta", "beta_val", "downstream/quiz")
    assert pairs.height == 55
    assert (pairs["run_x"] == pairs["run_y"]).all()


def test_one_models_evals_pair_at_the_same_checkpoint_not_across_its_steps() -> None:
    """A per-step table kept whole (``--checkpoints all``) names every checkpoint by its run's id: pairing a run's
    own loss with its task loss by id alone paired every step with every other (3,002 pairs, R² 0.63, on the
    ladder shape); each checkpoint pairs with itself."""
    from l2l.workflows.pairing import Sides

    steps = [1e9, 2e9, 4e9]
    rows = [
        {
            "dataset": "a",
            "eval": ev,
            "N": n,
            "D": d,
            "C": 6 * n * d,
            "loss": base + (1 if ev == "task" else 0),
            "run_id": f"m{n:g}",
            "split": None,
        }
        for n in (1e8, 2e8)
        for d, base in zip(steps, (3.0, 2.8, 2.6), strict=True)
        for ev in ("a_val", "task")
    ]
    frame = pl.DataFrame(rows, schema_overrides={"split": pl.String})
    pairs = same_model_pairs(frame, "a", "a_val", "task")
    assert pairs.height == 6
    assert (pairs["y"] - pairs["x"] == 1.0).all()
    x, y, _, _ = Sides(frame).xy(PairSpec("a", "a_val", "a", "task"))
    assert len(x) == 6
    assert np.all(y - x == 1.0)


# -- through the API, on data from known relations --------------------------------------------------------------


@pytest.fixture(scope="module")
def known(tmp_path_factory: pytest.TempPathFactory) -> tuple[SyntheticSpec, Any]:
    spec = SyntheticSpec(noise=0.002, seed=3)
    return spec, runs_from_spec(tmp_path_factory.mktemp("known"), spec)


def test_train_train_recovers_the_generating_shift(known: tuple[SyntheticSpec, Any]) -> None:
    spec, runs = known
    results = translate(runs, src="alpha", tgts=["beta", "gamma"], split="sweep", workers=1)
    for res in results:
        true = spec.datasets[res.tgt]
        t = res.translation
        assert t is not None
        assert_allclose(t.kappa, true.kappa, rtol=0.05)
        assert_allclose(t.K, true.K, rtol=0.08)
        assert_allclose(t.E1, true.E1, rtol=0.03)
        # the implied law and the target's own fit agree on N* (the paper's observation)
        assert_allclose(res.n_opt_implied, res.n_opt_independent, rtol=0.15)
    assert_allclose(results[0].implied.alpha, own_laws(spec)["beta"].alpha, rtol=0.05)


def test_an_optimum_far_off_the_targets_runs_is_shown_as_a_dash(
    known: tuple[SyntheticSpec, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The implied and independent N* beside a translation go through ``optimum_off_sweep`` as ``optimal`` does
    (a flat term put a probe's N* at 8.1e18 parameters): where it refuses, no N* (a dash), not the law's artefact."""
    import l2l.workflows.translate as tr

    _, runs = known
    monkeypatch.setattr(tr, "optimum_off_sweep", lambda *_: "off the sweep")
    (res,) = translate(runs, src="alpha", tgts=["beta"], split="sweep", workers=1)
    assert res.translation is not None
    assert res.n_opt_implied is None
    assert res.n_opt_independent is None


def test_train_test_recovers_the_eval_shift(known: tuple[SyntheticSpec, Any]) -> None:
    _, runs = known
    results = translate(
        runs, src="beta", kind="train-test", evals=["downstream/quiz"], split="sweep", workers=1
    )
    t = results[0].translation
    assert t is not None
    assert (t.src, t.tgt, t.eval, t.kind) == ("beta", "beta", "downstream/quiz", "train-test")
    assert_allclose([t.kappa, t.K, t.E1], [0.8, 1.3, 1.1], rtol=0.06)


def test_predict_via_composes_train_train_and_train_test(known: tuple[SyntheticSpec, Any]) -> None:
    _, runs = known
    pred = predict_via(runs, via="alpha", tgt="beta", from_run="m054", eval_name="quiz", split="sweep")
    assert [s.eval for s in pred.steps] == ["alpha_val", "beta_val", "downstream/quiz"]
    assert pred.actual is not None
    assert_allclose(pred.steps[-1].value, pred.actual, rtol=0.01)
    assert pred.steps[1].extrapolated


def test_predict_via_gives_the_interval_predict_sources_gives(known: tuple[SyntheticSpec, Any]) -> None:
    """``predict_via`` was a chain of its own that gave the point only, no interval, level or distance, while
    ``l2l predict --via`` and ``predict_sources`` print one (p63): now it is ``predict_sources`` of one source."""
    _, runs = known
    pred = predict_via(runs, via="alpha", tgt="beta", src_loss=2.5, split="sweep", level=0.8)
    same = predict_sources(runs, via=["alpha"], tgt="beta", src_loss=2.5, split="sweep", level=0.8)
    assert pred.to_dict() == same.to_dict()
    assert pred.result.lo < pred.predict() < pred.result.hi
    assert pred.result.level == 0.8


def test_predict_via_refuses_a_run_id_that_names_several_configurations(
    known: tuple[SyntheticSpec, Any],
) -> None:
    """An id reused for runs of several D (or a run's checkpoints kept whole) named no one run: ``--from-run``
    took whichever row came first."""
    from dataclasses import replace

    _, runs = known
    ids = sorted(set(runs.frame.filter(pl.col("split") == "sweep")["run_id"]))[:3]
    frame = runs.frame.with_columns(
        pl.when(pl.col("run_id").is_in(ids)).then(pl.lit("size")).otherwise(pl.col("run_id")).alias("run_id")
    )
    reused = replace(runs, frame=frame)
    with pytest.raises(SelectionError, match=r"run id 'size' names \d+ configurations") as exc:
        predict_via(reused, via="alpha", tgt="beta", from_run="size", split="sweep")
    assert "--src-loss" in (exc.value.hint or "")


def test_a_translation_that_cannot_be_fitted_names_its_pair_once(known: tuple[SyntheticSpec, Any]) -> None:
    """``Error: cannot translate web:web_val → code:code_val: web:web_val → code:code_val: only 0 pairs``: the
    fit's own message already named the pair (a probe's datasets on different size grids)."""
    from dataclasses import replace

    _, runs = known
    sweep = (pl.col("dataset") == "beta") & (pl.col("split") == "sweep")  # the held-out runs still pair
    moved = runs.frame.with_columns(pl.when(sweep).then(pl.col("N") * 1.07).otherwise(pl.col("N")).alias("N"))
    with pytest.raises(FitError) as exc:
        predict_via(replace(runs, frame=moved), via="alpha", tgt="beta", src_loss=2.5, split="sweep")
    # (why the sweeps do not pair, not "only 0 pairs": the held-out runs pair, outside the split; probe p68)
    assert exc.value.message.startswith(
        "cannot translate alpha:alpha_val → beta:beta_val: no run of alpha has the same (N, D) as a run of beta "
        "among the runs of split sweep (relative tolerance 1e-06); their nearest configurations differ by 7 % "
        "(--rtol 0.084 pairs them, if they are the same models counted differently)"
    )
    assert exc.value.message.count("alpha:alpha_val → beta:beta_val") == 1


def test_translate_needs_matching_kind_and_options(known: tuple[SyntheticSpec, Any], tmp_path: Path) -> None:
    _, runs = known
    from l2l.base.errors import UsageError

    with pytest.raises(UsageError, match="test-test needs the eval"):
        translate(runs, src="alpha", tgts=["beta"], kind="test-test")
    with pytest.raises(UsageError, match="train-train translates own losses"):
        translate(runs, src="alpha", evals=["downstream/quiz"])


def test_a_train_train_translation_from_the_only_dataset_is_refused_with_the_kind_that_applies(
    tmp_path: Path,
) -> None:
    from l2l.base.errors import SelectionError
    from l2l.io.tables import read_runs
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv
    from l2l.workflows.translate import translate

    rows = [r for r in synthetic_runs(SyntheticSpec(seed=1)) if r["dataset"] == "alpha"]
    path = tmp_path / "one.csv"
    write_csv(rows, str(path))
    with pytest.raises(SelectionError, match="alpha is the only one in these runs") as err:
        translate(read_runs([path]), src="alpha")
    assert err.value.hint is not None
    assert "--kind train-test" in err.value.hint


def test_via_all_leaves_out_a_source_it_cannot_translate_and_says_why(run: Any, tmp_path: Path) -> None:
    """gamma's sweep shares no (N, D) with beta (its sizes moved by 1 %): one such source used to stop the whole
    `--via all` prediction; now the others are combined and the note names the one left out."""
    frame = pl.read_csv(Path(__file__).parents[2] / "sample_data" / "synthetic_runs.csv")
    moved = (pl.col("dataset") == "gamma") & (pl.col("split") == "sweep")
    frame = frame.with_columns(pl.when(moved).then(pl.col("N") * 1.01).otherwise(pl.col("N")).alias("N"))
    table = tmp_path / "gamma_apart.csv"
    frame.write_csv(table)
    held = frame.filter(pl.col("split") != "sweep")["run_id"][0]
    result = run("predict", table, "--via", "all", "--from-run", held, "--target", "beta", "--split", "sweep")
    assert result.exit_code == 0, result.output
    assert "gamma left out: cannot translate" in result.stdout
    assert "no run of gamma has the same (N, D) as a run of beta among the runs of split sweep" in " ".join(
        result.stdout.split()
    )
    assert "alpha → beta" in result.stdout


@pytest.fixture(scope="module")
def small_runs(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return runs_from_spec(tmp_path_factory.mktemp("small"), SyntheticSpec(noise=0.0))


@pytest.mark.parametrize("x", [50.0, 13.5])
def test_a_source_loss_far_above_every_source_run_is_refused_with_the_largest(
    small_runs: Any, x: float
) -> None:
    from l2l.base.errors import UsageError
    from l2l.workflows.via import predict_sources

    top = float(
        small_runs.frame.filter((pl.col("dataset") == "alpha") & (pl.col("eval") == "alpha_val"))[
            "loss"
        ].max()
    )
    with pytest.raises(UsageError) as err:
        predict_sources(small_runs, via=["alpha"], tgt="beta", src_loss=x)
    assert str(err.value).startswith(
        f"the source loss {x:g} lies far above every alpha run's alpha_val loss (largest {top:.4g}, and above 13 nats)"
    )


def test_a_source_loss_twice_the_largest_source_loss_is_refused_and_below_it_is_not(small_runs: Any) -> None:
    from l2l.base.errors import UsageError
    from l2l.workflows.via import predict_sources

    top = float(
        small_runs.frame.filter((pl.col("dataset") == "alpha") & (pl.col("eval") == "alpha_val"))[
            "loss"
        ].max()
    )
    with pytest.raises(
        UsageError, match=r"lies far above every alpha run's alpha_val loss \(largest [0-9.]+\)"
    ):
        predict_sources(small_runs, via=["alpha"], tgt="beta", src_loss=2.05 * top)
    assert predict_sources(small_runs, via=["alpha"], tgt="beta", src_loss=1.2 * top).result.estimate > 0


def test_translating_a_dataset_onto_itself_is_refused_as_predict_via_refuses_it(small_runs: Any) -> None:
    from l2l.base.errors import UsageError

    with pytest.raises(UsageError, match="alpha is the source; a target must be another dataset"):
        translate(small_runs, src="alpha", tgts=["alpha"])
    beside = translate(small_runs, src="alpha", tgts=["beta", "alpha"])  # a figure's diagonal panel
    assert [r.tgt for r in beside] == ["beta", "alpha"]
    assert [r.tgt for r in translate(small_runs, src="alpha", tgts=["all"])] == ["beta", "gamma"]


def test_an_ambiguous_run_for_several_sources_hints_at_a_run_not_a_source_loss(small_runs: Any) -> None:
    from l2l.workflows.translate import find_run

    frame = small_runs.frame.with_columns(
        pl.when(pl.col("run_id").is_in(["m000", "m001"]))
        .then(pl.lit("dup"))
        .otherwise(pl.col("run_id"))
        .alias("run_id")
    )
    with pytest.raises(SelectionError) as one:
        find_run(_with_frame(small_runs, frame), "dup", "alpha")
    assert one.value.hint == "give the source loss itself with --src-loss"
    with pytest.raises(SelectionError) as several:
        find_run(_with_frame(small_runs, frame), "dup", None, several=True)
    assert several.value.hint is not None
    assert several.value.hint.startswith("name a run id of one configuration")
    assert "--src-loss works with one --via SOURCE" in several.value.hint


def test_a_run_of_a_log_kept_whole_is_its_final_checkpoint_and_said(tmp_path: Path) -> None:
    """Probe h48: with --checkpoints all, a Pythia-shaped run id names its 9 checkpoints, and --from-run was
    refused whatever id was given ("name a run id of one configuration"): the run is its final checkpoint."""
    from l2l.io.tables import read_runs
    from l2l.workflows.translate import find_run, run_checkpoint_note

    lines = ["run_id,dataset,N,step,tokens_seen,eval,loss"]
    for n in (7e7, 4e8):
        for step in (1, 2, 3):
            lines.append(f"r{n:g},web,{n:g},{step},{step * 1e10:g},web_val,{3 - step / 10 - n / 1e9}")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines) + "\n")
    kept = read_runs([path], checkpoints="all")
    assert find_run(kept, "r4e+08", "web", several=True) == (4e8, 3e10)
    assert run_checkpoint_note(kept, "r4e+08", 3e10) == (
        "run r4e+08: its final checkpoint (D = 3e+10, the last of its 3 token counts; the runs keep every "
        "checkpoint, --checkpoints all)"
    )
    final = read_runs([path])
    assert find_run(final, "r4e+08", "web") == (4e8, 3e10)
    assert run_checkpoint_note(final, "r4e+08", 3e10) is None


def _with_frame(runs: Any, frame: pl.DataFrame) -> Any:
    from dataclasses import replace

    return replace(runs, frame=frame)


def test_a_translation_onto_a_model_far_beyond_the_targets_sizes_is_a_lower_bound(
    run: Any, tmp_path: Path
) -> None:
    """gamma ran only up to 242M; alpha's 3.3B run translated onto gamma is 14× beyond any size gamma's law was
    fitted on, further than any backtest reached in N. Placed by compute alone, ``predict --via`` called its
    interval backtested (a probe's mixture tables: 31 of 40 such intervals held the truth, 12 of 20 for targets of
    3 sizes) where ``predict -d`` and ``evaluate`` said lower bound; the table's step column said so too."""
    from l2l.testing import synthetic_runs

    frame = pl.DataFrame(synthetic_runs(SyntheticSpec(seed=0)))
    small = (pl.col("dataset") != "gamma") | ((pl.col("N") <= 2.5e8) & (pl.col("split") == "sweep"))
    table = tmp_path / "runs.csv"
    frame.filter(small).write_csv(table)
    assert run("ingest", table).exit_code == 0
    ask = ("predict", "--via", "alpha", "--from-run", "m054", "--target", "gamma", "--split", "sweep")
    res = run(*ask, "--format", "json")
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["result"]["lower_bound_only"]
    assert any("further in model size than any backtest" in n for n in doc["result"]["notes"])
    table_out = run(*ask).output
    assert "lower bound" in table_out
    assert (
        "backtested" not in table_out.split("\n")[3]
    )  # the step's row reads "lower bound", not "backtested"


def test_a_translation_whose_pairs_all_sit_at_one_model_size_says_so(
    known: tuple[SyntheticSpec, Any],
) -> None:
    """Two grids sharing one size (a probe's mixtures: 3 pairs, all at 20M) gave κ and a backtested-looking
    carry of a larger model's loss with no word."""
    from l2l.workflows.lawbook import law_book
    from l2l.workflows.translate import translation_of

    _, runs = known
    book = law_book(runs, split="sweep")
    x_law, y_law = book.get("alpha", "alpha_val"), book.get("beta", "beta_val")
    sa, sb = book.sweeps.get("alpha", "alpha_val"), book.sweeps.get("beta", "beta_val")
    # the widest set of runs within 1.45× of one size (the synthetic grid has each size once)
    low = max(sa.N, key=lambda v: int(np.sum((v <= sa.N) & (v * 1.45 > sa.N))))
    one = (low <= sa.N) & (low * 1.45 > sa.N)
    assert one.sum() >= 3
    n, d = sa.N[one], sa.D[one]
    y = np.array([sb.loss[(a == sb.N) & (b == sb.D)][0] for a, b in zip(n, d, strict=True)])
    t = translation_of(sa.loss[one], y, x_law, y_law, kind="train-train", at=(n, d))
    assert any("all sit at one model size" in w for w in t.warnings)
    spread = translation_of(
        sa.loss[:6], sb.loss[:6], x_law, y_law, kind="train-train", at=(sa.N[:6], sa.D[:6])
    )
    assert not any("one model size" in w for w in spread.warnings)


def test_a_pair_left_out_for_a_far_run_is_counted_as_excluded(tmp_path: Path) -> None:
    """A pair whose target run lies far from its law (diverged) is left out of the fit and said so; the excluded
    count said 0 beside that note (probe p58)."""
    from l2l.io.tables import read_runs
    from l2l.testing import synthetic_runs, write_csv

    rows = synthetic_runs(SyntheticSpec(noise=0.002, seed=3))
    hit = next(r for r in rows if r["dataset"] == "beta" and r["split"] == "sweep" and float(r["N"]) > 1e8)
    hit["loss"] = float(hit["loss"]) * 1.5  # diverged
    path = tmp_path / "runs.csv"
    write_csv(rows, str(path))
    (res,) = translate(read_runs([path]), src="alpha", tgts=["beta"], split="sweep", workers=1)
    assert res.translation is not None
    assert any("1 pair with a run far from its law" in w for w in res.translation.warnings)
    assert res.translation.n_excluded == 1


def _poor_target_csv(path: Path) -> Path:
    """Probe p62's shape: alpha on an uneven iso-FLOP design (53 runs), beta with 6 runs (3 sizes at each of two
    budgets, sized as alpha's), own losses Eq. 1 with beta's true E 1.5; 0.5 % noise."""
    from l2l.core.laws import ScalingLaw
    from l2l.testing import write_csv

    laws = {
        "alpha": ScalingLaw("chinchilla", A=400.0, B=1200.0, E=1.9, alpha=0.34, beta=0.30),
        "beta": ScalingLaw("chinchilla", A=300.0, B=900.0, E=1.5, alpha=0.32, beta=0.29),
    }
    design = {
        "alpha": {1e17: 12, 3e17: 12, 1e18: 12, 3e18: 8, 1e19: 5, 3e19: 3, 1e20: 1},
        "beta": {1e18: 3, 1e19: 3},
    }
    rng = np.random.default_rng(0)
    rows: list[dict[str, object]] = []
    for ds, budgets in design.items():
        for c, k in budgets.items():
            n0, _ = laws["alpha"].compute_optimal(c)
            sizes = [n0] if k == 1 else list(n0 * np.exp(np.linspace(-np.log(5), np.log(5), k)))
            for n in sizes:
                n = float(f"{n:.3g}")
                d = c / (6 * n)
                loss = float(laws[ds].predict(n, d)) * math.exp(0.005 * rng.standard_normal())
                rows.append({"dataset": ds, "N": n, "D": d, "eval": f"{ds}_val", "loss": loss, "C": c})
    write_csv(rows, str(path))
    return path


def test_a_translation_onto_a_poor_law_says_so_and_its_interval_never_goes_below_e1(tmp_path: Path) -> None:
    """Probe p62: fit-law flagged beta (6 runs) poor, yet translate onto it printed no word (JSON warnings []), and
    predict --via gave 2.5 [0.6, 10.7], the lower end below the translation's own E1 (1.93): L1 = K·(L0 − E0)^κ +
    E1 is never below E1. The translation now carries the law's flag, and the via interval is not calibrated and
    cut at E1, saying so."""
    from l2l.io.tables import read_runs
    from l2l.workflows.via import predict_sources

    runs = read_runs([_poor_target_csv(tmp_path / "poor.csv")])
    (res,) = translate(runs, src="alpha", tgts=["beta"])
    assert res.translation is not None
    said = " ".join(res.translation.warnings)
    assert "comes from the law of beta_val on beta, a poor law: only 6 distinct models" in said
    assert "poor law" in " ".join(res.to_dict()["warnings"])
    got = predict_sources(runs, via=["alpha"], tgt="beta", src_loss=2.788)
    step = got.steps[-1]
    assert step.interval is not None
    assert step.E1 is not None
    assert step.interval.lo >= step.E1
    assert got.result.lo >= step.E1
    assert got.result.lower_bound_only
    notes = " ".join(got.result.notes)
    assert "not calibrated: the law is poor (beta:beta_val" in notes
    assert "lay below E1" in notes


# ---------------------------------------------------------------------------------------------------------------
# Grids that do not pair (probe p68: tests/data/probe/grids_share_N_not_D.csv)
# ---------------------------------------------------------------------------------------------------------------

_GRIDS = Path(__file__).parents[1] / "data" / "probe" / "grids_share_N_not_D.csv"
_SHARE_N = (
    "the grids share N but not D (tokens per parameter 5/10/20/40 vs 7/14/28/56): no run of one is a run of the "
    "other; translation needs runs of the same (N, D)"
)


@pytest.fixture(scope="module")
def grids() -> Any:
    from l2l.io.tables import read_runs

    return read_runs([_GRIDS])


def test_grids_that_share_n_but_not_d_are_offered_no_tolerance() -> None:
    """web at 5/10/20/40 tokens per parameter, code at 7/14/28/56 on the same N: different models, which no
    tolerance should pair; evaluate offered "--rtol 0.36 pairs them", which paired nothing."""
    from l2l.workflows.pairing import unpaired_reason

    n = np.array([2e7, 4e7, 8e7, 1.6e8])
    web = (np.repeat(n, 4), np.repeat(n, 4) * np.tile([5, 10, 20, 40], 4))
    code = (np.repeat(n, 4), np.repeat(n, 4) * np.tile([7, 14, 28, 56], 4))
    assert unpaired_reason(web, code) == _SHARE_N
    assert unpaired_reason(web, code, rtol=0.36) == _SHARE_N
    frame = pl.DataFrame(
        {
            "dataset": ["web"] * 16 + ["code"] * 16,
            "eval": ["v"] * 32,
            "N": [*web[0], *code[0]],
            "D": [*web[1], *code[1]],
            "C": 0.0,
            "loss": 3.0,
            "run_id": [f"r{i}" for i in range(32)],
            "split": "sweep",
        }
    )
    with pytest.raises(SelectionError) as exc:
        pair_runs(frame, PairSpec("web", "v", "code", "v"), rtol=0.36)
    assert exc.value.message.endswith(_SHARE_N)
    assert "--rtol" not in exc.value.message
    assert exc.value.hint is not None
    assert "--rtol" not in exc.value.hint  # its own law, or a dataset on its grid (p69: no hint at all)
    assert exc.value.hint.startswith("predict code from its own law")


def test_the_tolerance_offered_for_sizes_apart_pairs_them() -> None:
    """Sizes 1.4× apart: the tolerance offered was 1.2 × (1 − 1/1.4) = 0.34, which --rtol (applied as
    |log N − log N'| ≤ log(1 + rtol), on N and D alike) does not reach: the offer must pair what it names."""
    from l2l.core.sweep import pair_configs
    from l2l.workflows.pairing import unpaired_reason

    n = np.array([2e7, 4e7, 8e7, 1.6e8, 3.2e8])
    why = unpaired_reason((n, 20 * n), (1.4 * n, 20 * n))
    assert why.startswith("their nearest configurations differ by 40 % (--rtol ")
    tol = float(why.split("--rtol ")[1].split()[0])
    assert why.endswith(f"(--rtol {tol:g} pairs them, if they are the same models counted differently)")
    assert len(pair_configs(n, 20 * n, 1.4 * n, 20 * n, tol)[0]) == len(n)


def test_translate_predict_via_and_evaluate_explain_grids_that_share_n_alike(grids: Any) -> None:
    """The three said three things: evaluate a tolerance that paired nothing, translate and predict --via "only 0
    pairs" (the held-out runs pair; the sweeps do not). Now one explanation, whatever --rtol."""
    from l2l.workflows.evaluate import evaluate

    (res,) = translate(grids, src="web", tgts=["code"], split="sweep", rtol=0.36)
    assert res.translation is None
    assert res.error is not None
    assert "no run of web has the same (N, D) as a run of code among the runs of split sweep" in res.error
    assert _SHARE_N in res.error
    with pytest.raises(FitError) as exc:
        predict_sources(grids, via=["web"], tgt="code", from_run="web-H14", split="sweep", rtol=0.36)
    assert _SHARE_N in str(exc.value)
    ev = evaluate(grids, rtol=0.36)
    (why,) = [n for n in ev.notes if "could not be made" in n]
    assert _SHARE_N in why
    assert "pairs them" not in why


def test_evaluate_keeps_the_independent_column_where_no_translation_can_be_fitted(grids: Any) -> None:
    """web's and code's held-out runs share (N, D), their sweeps none: Table 1 printed every cell "–" although
    the independent extrapolations were made."""
    from l2l.workflows.evaluate import evaluate

    ev = evaluate(grids)
    assert [s.setting for s in ev.summary] == ["train-to-train", "train-to-test", "train-to-downstream"]
    for s in ev.summary:
        assert s.n_predictions > 0
        assert s.mean_error_independent is not None
        assert s.mean_error_independent < 0.05
        assert s.mean_error_loss_to_loss is None


def test_pairs_made_within_a_tolerance_say_how_far_apart_their_models_are(grids: Any) -> None:
    """books' models are 1.1× web's: --rtol 0.11 paired them with no word (κ 0.82 against a true 0.97)."""
    (res,) = translate(grids, src="web", tgts=["books"], split="sweep", rtol=0.11)
    said = (
        "24 pairs, N up to 10 % and D up to 10 % apart (--rtol 0.11): the relation mixes model sizes, unless "
        "they are the same models counted differently"
    )
    assert res.translation is not None
    assert said in res.translation.warnings
    assert said in res.to_dict()["warnings"]


def test_a_prediction_through_tolerance_pairs_says_the_backtests_pair_exactly(grids: Any) -> None:
    """predict --via web --target books --rtol 0.11: a lower bound whose reason was "too few compute budgets to
    backtest extrapolation" of a sweep of 24 budgets; the reason is that backtests pair runs exactly."""
    pred = predict_sources(grids, via=["web"], tgt="books", from_run="web-H14", split="sweep", rtol=0.11)
    assert pred.result.lower_bound_only
    notes = " ".join(n for s in pred.steps if s.interval is not None for n in s.interval.notes)
    assert (
        "web→books pairs runs only within the pairing tolerance (N up to 10 % and D up to 10 % apart, --rtol 0.11) "
        "and the backtests pair runs exactly" in notes
    )
    assert "too few compute budgets" not in notes
