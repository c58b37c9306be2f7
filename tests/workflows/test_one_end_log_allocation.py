"""A per-step log kept whole (``--checkpoints all``) whose runs all end at one token count (a Pythia-shaped suite:
every size to one D): its law's D term comes from checkpoints before each run's learning rate decayed, so
``optimal``, ``rank --C`` and ``predict --via`` without a model refuse its compute-optimal split (N* 4.13B for a
true ~157B, only flagged, in probe h80), naming the way forward; a log whose runs end at several token counts
keeps its allocation."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import FitError
from l2l.io.tables import read_runs
from l2l.workflows.predict import optimal
from l2l.workflows.rank import rank_runs
from l2l.workflows.via import predict_via

SIZES = (70e6, 160e6, 410e6, 1.0e9, 1.4e9, 2.8e9)


def _loss(n: float, d: float, end: float, e: float) -> float:
    # Eq. 3-like truth, and a checkpoint before the decay above it (as a run whose learning rate has not decayed)
    return (e + (4.0e8 / n + 2.0e9 / d) ** 0.3) * (1.0 + 0.05 * (1.0 - d / end) ** 2)


def _log(path: Path, ends: tuple[float, ...], datasets: dict[str, float]) -> Path:
    lines = ["run_id,dataset,N,D,step,eval,loss"]
    for ds, e in datasets.items():
        for n in SIZES:
            for end in ends:
                for k in range(1, 11):
                    d = end * k / 10
                    loss = _loss(n, d, end, e)
                    run = f"{ds}-{n:.0f}-{end:.0f},{ds},{n:.0f},{d:.0f},{k}"
                    lines += [f"{run},{ds}_val,{loss:.6f}", f"{run},val,{loss * 1.02:.6f}"]
    path.write_text("\n".join(lines) + "\n")
    return path


def test_a_log_whose_runs_all_end_at_one_d_has_no_compute_optimal_model(tmp_path: Path) -> None:
    runs = read_runs(
        [_log(tmp_path / "suite.csv", (300e9,), {"pile": 1.7, "dedup": 1.69})], checkpoints="all"
    )
    assert runs.one_end("pile", "pile_val") == pytest.approx(300e9, rel=1e-12)
    with pytest.raises(
        FitError, match=r"no compute-optimal model: every run ends at D = 300B .*--checkpoints all"
    ):
        optimal(runs, C=[1e24], datasets=["pile"])
    with pytest.raises(FitError, match="no dataset could be ranked at a budget") as refused:
        rank_runs(runs, "val", C=1e24)
    assert refused.value.hint == "rank at a model: --N and --D"
    # nor is a translated model placed by that split where no run fixes its (N, D): it answered "the interval
    # assumes a compute-optimal model"; at a model it still answers
    with pytest.raises(
        FitError, match=r"^pile: no compute-optimal model to place the target model by"
    ) as placed:
        predict_via(runs, via="pile", tgt="dedup", src_loss=1.9)
    assert placed.value.hint == "name the target model: --N and --D"
    assert predict_via(runs, via="pile", tgt="dedup", src_loss=1.9, model=(2.8e9, 300e9)).predict() > 0


def test_a_log_whose_runs_end_at_several_d_keeps_its_allocation(tmp_path: Path) -> None:
    ladder = (20e9, 60e9, 180e9)
    runs = read_runs([_log(tmp_path / "ladder.csv", ladder, {"web": 1.7})], checkpoints="all")
    assert runs.one_end("web", "web_val") is None
    finals = read_runs([_log(tmp_path / "final.csv", (300e9,), {"web": 1.7})])  # final checkpoints
    assert finals.one_end("web", "web_val") is None
