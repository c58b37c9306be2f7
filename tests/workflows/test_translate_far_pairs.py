"""A pair with a run far from its law is left out of a translation in every command alike: translate's K and κ,
their intervals, predict --via's estimate and evaluate's (probe h44: predict --via and the K/κ intervals had
refitted on every pair, the far one too)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from l2l.core.fit import FitCache
from l2l.io.tables import read_runs
from l2l.testing import synthetic_runs, write_csv
from l2l.workflows.translate import translate
from l2l.workflows.via import predict_via


def test_predict_via_fits_the_pairs_translate_fits_when_a_run_diverged(tmp_path: Path) -> None:
    frame = pl.DataFrame(synthetic_runs())
    sweep = frame.filter((pl.col("dataset") == "alpha") & (pl.col("split") == "sweep"))
    diverged = sweep.sort("C").get_column("run_id")[len(sweep) // 2]
    frame = frame.with_columns(
        pl.when((pl.col("run_id") == diverged) & (pl.col("eval") == "alpha_val"))
        .then(pl.col("loss") * 1.3)
        .otherwise(pl.col("loss"))
        .alias("loss")
    )
    path = tmp_path / "runs.csv"
    write_csv(frame.to_dicts(), str(path))
    runs = read_runs([path])
    cache = FitCache()
    (res,) = translate(runs, src="alpha", tgts=["beta"], split="sweep", cache=cache, level=0.9)
    t = res.usable()
    assert any("far from its law" in w for w in t.warnings)
    via = predict_via(runs, via="alpha", tgt="beta", src_loss=2.3, split="sweep", cache=cache)
    step = via.steps[1]
    assert (step.K, step.kappa, step.E0, step.E1) == pytest.approx((t.K, t.kappa, t.E0, t.E1), rel=1e-12)
    assert via.result.raw == pytest.approx(float(t.predict(2.3)), rel=1e-12)
    assert res.bands is not None
    assert step.K_interval == pytest.approx(res.bands.K, rel=1e-12)
    assert step.kappa_interval == pytest.approx(res.bands.kappa, rel=1e-12)
