"""A per-step log with a per-step metric beside its losses (``grad_norm``: a column l2l does not use, changing at
every step of a run): the one-pass route keeps what the exact route keeps, and tells from the order of its rows,
without a second pass over the file, that no run repeats a step (issue 21, helper h104: a second pass that counted
every run's distinct steps cost 884 MB and 7.0 s of CPU on a 10^7-row log, against 393 MB and 3.6 s without it)."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from numpy.testing import assert_allclose

from l2l.io.checkpoints import final_checkpoints_fast
from l2l.io.tables import read_runs

SIZES = (1e8, 2e8, 4e8, 8e8)
EVALS = ("web_val", "c4")
STEPS = 10


def _law(n: float, d: float, j: int) -> float:
    return round(2.0 + 400 / n**0.34 + 900 / d**0.28 + 0.1 * j, 5)


def _rows(shape: str) -> list[dict[str, object]]:
    """The log's rows, run by run and eval by eval, each run's steps rising (``runs``), or the same rows step by
    step (``steps``: each run's rows interleaved with the other runs' and evals'), or each run's steps falling
    (``falling``); ``constant``: the metric per-step in two run ids and one value along each of the other two;
    ``relogged``: run r1 resumed from step 5 after logging step 6, its steps 5 and 6 logged twice (another loss and
    gradient norm); ``cooldown``: a cooldown branch off each main run logged under its id, at steps 7 and 8;
    ``sweep``: each id names a model over two runs told apart by their ``peak_lr`` (every step to 10, a higher loss;
    every other step to 20), D the tokens seen (2N a step)."""
    if shape == "sweep":
        return [
            {"run_id": f"r{i}", "dataset": "web", "N": n, "D": 2 * n * k * every, "step": k * every,
             "grad_norm": 1 / k + every / 1e3, "peak_lr": lr, "eval": ev,
             "loss": _law(n, 2 * n * k * every, j) + 0.02 * (every == 1)}
            for i, n in enumerate(SIZES)
            for lr, every in ((1e-3, 1), (3e-3, 2))
            for j, ev in enumerate(EVALS)
            for k in range(1, STEPS + 1)
        ]  # fmt: skip
    rows = []
    for i, n in enumerate(SIZES):
        d_final = 20 * n
        steps = list(range(1, STEPS + 1))
        if shape == "relogged" and i == 1:
            steps = [*range(1, 7), *range(5, STEPS + 1)]
        for j, ev in enumerate(EVALS):
            seen = set()
            for k in steps:
                again = k in seen
                seen.add(k)
                grad = 0.5 if shape == "constant" and i >= 2 else round(1.0 / k + 0.01 * i + 0.002 * again, 5)
                loss = _law(n, d_final * k / STEPS, j) + 0.003 * again
                rows.append(
                    {"run_id": f"r{i}", "dataset": "web", "N": n, "D": d_final, "step": k, "grad_norm": grad,
                     "eval": ev, "loss": loss}
                )  # fmt: skip
            if shape == "cooldown":
                rows += [
                    {"run_id": f"r{i}", "dataset": "web", "N": n, "D": d_final, "step": k, "grad_norm": 0.3,
                     "eval": ev, "loss": _law(n, d_final * k / STEPS, j) - 0.05}
                    for k in (7, 8)
                ]  # fmt: skip
    if shape == "steps":
        rows.sort(key=lambda r: (r["step"], r["run_id"], r["eval"]))
    if shape == "falling":
        rows.sort(key=lambda r: (r["run_id"], r["eval"], -int(str(r["step"]))))
    return rows


SHAPES = ("runs", "steps", "falling", "constant", "relogged", "cooldown", "sweep")


def _read(tmp_path: Path, shape: str, encoding: str) -> tuple[list[tuple[object, ...]], str]:
    frame = pl.DataFrame(_rows(shape))
    path = tmp_path / encoding / f"log.{'parquet' if encoding == 'parquet' else 'csv'}"
    path.parent.mkdir()
    if encoding == "plain":
        frame.write_csv(path)
    elif encoding == "quoted":  # (the careful reader and the exact route, not the one pass)
        frame.write_csv(path, quote_style="non_numeric")
    else:
        frame.write_parquet(path)
    runs = read_runs([path])
    cols = ["run_id", "N", "D", "eval", "loss"]
    said = "\n".join(line for p in runs.provenance for line in p.get("decisions", []))
    ck = {k: v for k, v in runs.provenance[0]["checkpoints"].items() if k != "describe"}
    return runs.frame.select(cols).sort(cols).rows(), f"{said.replace(str(path), 'FILE')}\n{ck}"


@pytest.mark.parametrize("shape", SHAPES)
def test_a_log_with_a_per_step_metric_keeps_the_same_runs_plain_quoted_or_from_parquet(
    tmp_path: Path, shape: str
) -> None:
    """Each run's final checkpoint on both routes, the report the same: whether the metric is per-step in every run
    or constant in some, the rows in run order or interleaved, a step logged twice, a cooldown under the main id."""
    plain = _read(tmp_path, shape, "plain")
    assert _read(tmp_path, shape, "quoted") == plain
    assert _read(tmp_path, shape, "parquet") == plain
    kept, _ = plain
    if shape == "sweep":  # each id's two runs, by peak_lr: the one to step 10 and the one to step 20
        ids = [
            (f"r{i}|peak_lr={lr}", n, d, ev)
            for i, n in enumerate(SIZES)
            for lr, d in (("0.001", 20 * n), ("0.003", 40 * n))
            for ev in sorted(EVALS)
        ]
        assert [row[:4] for row in kept] == ids
        losses = [_law(n, d, EVALS.index(ev)) + 0.02 * (d == 20 * n) for _, n, d, ev in ids]
        assert_allclose([loss for *_, loss in kept], losses, rtol=1e-12)
        return
    assert [(r, ev) for r, _, _, ev, _ in kept] == [(f"r{i}", ev) for i in range(4) for ev in sorted(EVALS)]
    # the main run's final checkpoint (step 10, the re-logged run's too); a cooldown branch under its id is no end
    want = [_law(n, 20 * n, j) for n in SIZES for j in (1, 0)]  # (c4 sorts before web_val)
    assert_allclose([loss for *_, loss in kept], want, rtol=1e-12)


@pytest.mark.parametrize(
    ("shape", "ok", "counted"),
    [
        ("runs", True, False),  # one block of rising steps per run and eval: no second pass
        ("constant", True, False),
        ("steps", True, True),  # interleaved: the second pass counts the steps, none repeated
        ("falling", True, True),
        ("relogged", False, True),  # steps 5 and 6 twice: the exact route
        ("cooldown", False, True),
        ("sweep", False, True),  # two runs under each id: the exact route tells them apart by peak_lr
    ],
)
def test_the_one_pass_counts_steps_again_only_where_the_rows_order_cannot_tell(
    tmp_path: Path, shape: str, ok: bool, counted: bool
) -> None:
    path = tmp_path / "log.csv"
    pl.DataFrame(_rows(shape)).write_csv(path)
    lf = pl.scan_csv(path).with_columns(pl.col("step").cast(pl.Float64))
    found = final_checkpoints_fast(
        lf,
        step="step",
        group=["dataset", "run_id", "eval"],
        values=["N", "D", "loss", "grad_norm", *(["peak_lr"] if shape == "sweep" else [])],
        bad=pl.lit(False),
    )
    assert (found.ok, found.steps_counted) == (ok, counted)
    if ok:
        assert found.report is not None
        assert (found.report.runs, found.report.rows_in, found.report.rows_kept) == (4, 80, 8)
