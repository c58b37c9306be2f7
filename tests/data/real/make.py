"""Regenerate the realistic tables of tests/data/real/ (each shows one silent wrong answer of issue 9).

    python tests/data/real/make.py          # writes next to this file

All tables come from known laws (``l2l.testing.PAPER_LIKE_LAW`` for the ``alpha`` dataset's own loss, a shifted
power law for the ``quiz`` eval), on the iso-FLOP grid ``l2l.testing`` uses, with seeded log-normal noise:

- ``per_step_final_d.csv``: a per-step log, 10 checkpoints per run, D = each run's final token count. A checkpoint
  at fraction f of training has the law's loss at f·D, raised by an un-annealed-schedule penalty 6 %·(1 − f);
  the final checkpoint is on the law. ``quiz`` is measured every other checkpoint, and for every fifth run not at
  the last one.
- ``per_step_tokens_seen.csv``: the same runs with D = tokens seen so far, a ``global_step`` column, ``tokens``.
- ``wandb_wide.csv``: a W&B-style export, one row per run (final checkpoint), eval/*/loss columns next to Runtime,
  lr, _step, _runtime, train/grad_norm, eval/quiz/acc, throughput, perplexity, depth, mystery.
- ``run_id_and_model.csv``: a long table with both ``run_id`` and ``model`` (the architecture name).
- ``real_names.csv``: a long table whose columns are ``dataset_name``, ``non_embedding_params``, ``tokens_seen``,
  ``eval``, ``loss``.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from l2l.testing import PAPER_LIKE_LAW, Shift

HERE = Path(__file__).resolve().parent
LAW = PAPER_LIKE_LAW
QUIZ = Shift(1.3, 0.8, 1.1)
BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
SIZES = 9
CHECKPOINTS = 10
PENALTY = 0.06  # relative loss excess of a checkpoint at the start of training over a run annealed there
NOISE = 0.002
BATCH_TOKENS = 2**20


def grid() -> list[tuple[float, float]]:
    """(N, D) of every run: ``SIZES`` sizes around the law's compute-optimal N per budget."""
    out = []
    for c in BUDGETS:
        n_opt, _ = LAW.compute_optimal(c)
        for n in float(n_opt) * np.geomspace(1 / 6, 6, SIZES):
            n = float(np.round(n, -3))
            out.append((n, float(f"{c / (6.0 * n):.6g}")))
    return out


def own_loss(n: float, d_seen: float, frac: float) -> float:
    return float(LAW.predict(n, d_seen)) * (1.0 + PENALTY * (1.0 - frac))


def quiz_loss(own: float) -> float:
    return float(QUIZ.apply(np.asarray(own), LAW.E))


def g(x: float) -> str:
    return f"{x:.6g}"


def write(name: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    with (HERE / name).open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


@dataclass(frozen=True)
class Row:
    run_id: str
    dataset: str
    N: float
    D: float
    seen: float
    step: int
    eval: str
    loss: float


def per_step(rng: np.random.Generator) -> list[Row]:
    """One row per (run, checkpoint, eval)."""
    out: list[Row] = []
    for i, (n, d) in enumerate(grid()):
        total_steps = math.ceil(d / BATCH_TOKENS)
        for k in range(1, CHECKPOINTS + 1):
            frac = k / CHECKPOINTS
            step = round(total_steps * frac)
            seen = float(g(step * BATCH_TOKENS if k < CHECKPOINTS else d))
            own = own_loss(n, seen, frac) * math.exp(NOISE * rng.standard_normal())
            base = (f"r{i:03d}", "alpha", n, d, seen, step)
            out.append(Row(*base, "alpha_val", own))
            quiz_at = (k % 2 == 1) if i % 5 == 0 else (k % 2 == 0)
            if quiz_at:
                q = quiz_loss(own) * math.exp(NOISE * rng.standard_normal())
                out.append(Row(*base, "quiz", q))
    return out


def main() -> None:
    rng = np.random.default_rng(9)
    rows = per_step(rng)
    write(
        "per_step_final_d.csv",
        ["run_id", "dataset", "N", "D", "step", "eval", "loss"],
        [[r.run_id, r.dataset, g(r.N), g(r.D), r.step, r.eval, g(r.loss)] for r in rows],
    )
    write(
        "per_step_tokens_seen.csv",
        ["run_id", "dataset", "N", "tokens", "global_step", "eval", "loss"],
        [[r.run_id, r.dataset, g(r.N), g(r.seen), r.step, r.eval, g(r.loss)] for r in rows],
    )

    # W&B-style wide export: one row per run, its final checkpoint
    header = [
        "Name", "dataset", "params", "tokens", "Runtime", "lr", "_step", "_runtime",
        "eval/alpha_val/loss", "eval/quiz/loss", "eval/quiz/acc", "train/grad_norm", "throughput",
        "perplexity", "depth", "mystery",
    ]  # fmt: skip
    wide: list[list[object]] = []
    for i, (n, d) in enumerate(grid()):
        own = own_loss(n, d, 1.0) * math.exp(NOISE * rng.standard_normal())
        quiz = quiz_loss(own) * math.exp(NOISE * rng.standard_normal())
        steps = math.ceil(d / BATCH_TOKENS)
        runtime = d / 4e5 * (1 + 0.1 * rng.random())
        depth = round(4 * math.log2(n / 1e6)) + 8
        wide.append(
            [
                f"sweep-{i:03d}", "alpha", g(n), g(d), g(runtime), g(3e-3 * (1e8 / n) ** 0.3), steps,
                g(runtime * 1.01), g(own), g(quiz), g(1 / (1 + math.exp(quiz - 2.5))), g(0.2 + 0.3 * rng.random()),
                g(d / runtime), g(math.exp(own)), depth, "1.5",
            ]
        )  # fmt: skip
    write("wandb_wide.csv", header, wide)

    last: dict[str, int] = {}
    for r in rows:
        last[r.run_id] = max(last.get(r.run_id, 0), r.step)
    base = [r for r in rows if r.step == last[r.run_id]]
    model = {r.run_id: f"gpt-{r.N / 1e6:.0f}m" for r in base}
    write(
        "run_id_and_model.csv",
        ["run_id", "model", "dataset", "N", "D", "eval", "loss"],
        [[r.run_id, model[r.run_id], r.dataset, g(r.N), g(r.D), r.eval, g(r.loss)] for r in base],
    )
    write(
        "real_names.csv",
        ["dataset_name", "non_embedding_params", "tokens_seen", "eval", "loss"],
        [[r.dataset, g(r.N), g(r.D), r.eval, g(r.loss)] for r in base],
    )


def _check(tables: Mapping[str, int]) -> None:  # pragma: no cover
    for name, limit in tables.items():
        assert (HERE / name).stat().st_size < limit, name


if __name__ == "__main__":
    main()
    _check({p.name: 200_000 for p in HERE.glob("*.csv")})
