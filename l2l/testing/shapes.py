"""Seeded synthetic tables in the shapes real run tables come in, each with its known truth.

The paper's table is one shape among many. These are the others l2l meets (named by the issues that found them),
generated from known laws so that every answer l2l gives on them can be checked against a truth:

- ``shared_eval``: three pre-training sets evaluated on one common validation mix and nothing else (no own eval);
- ``single_dataset``: one pre-training set, its own eval and many task losses;
- ``per_step_ladder``: a per-checkpoint log of 30 runs (5 sizes × 6 token multiples, checkpoints every 10 % and
  one at step 0) with task losses, bits-per-byte and accuracies under one task name, and two large target runs;
- ``train_named``: every dataset's own eval is named ``train`` (training losses: not comparable across datasets),
  plus one shared validation eval;
- ``configs``: several training configurations at the same (dataset, N, D) told apart only by a ``config`` column;
- ``no_run_id_log``: a per-checkpoint log without run ids, runs told apart by ``model``, ``peak_lr`` and ``sweep``;
- ``crossing_task``: three datasets whose task losses keep one order through the sweep and cross beyond it (the
  order at 1e22 the reverse of the sweep's);
- ``wide_export``: a W&B-style export (one row per run, one column per eval) of three datasets whose losses follow
  Chinchilla's law (Eq. 1), with held-out runs tagged in a column;
- ``diverged_top``: a grid of sizes × tokens per parameter whose largest budget is one run, that run diverged (10 %
  above its law, short of fit-law's far-run distance);
- ``fixed_d_csv``: two datasets whose every run lies at one token count (a fixed-D sweep), written as a CSV;
  ``fixed_d_accuracy_csv``: the same sweeps with a task loss and its accuracy (a data ablation with accuracies).

Every generator returns a ``Shape``: its rows (plain dicts, no polars), the options a user would pass to
``l2l ingest``, the true law of each (dataset, eval) that has one, and the true (noise-free) values of the
held-out runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from l2l.core.laws import ScalingLaw
from l2l.testing import PAPER_LIKE_LAW, Shift, write_csv

__all__ = [
    "SHAPES",
    "HeldOut",
    "Shape",
    "SigmoidTruth",
    "configs",
    "crossing_task",
    "diverged_top",
    "fixed_d_accuracy_csv",
    "fixed_d_csv",
    "imbalanced",
    "no_run_id_log",
    "per_step_ladder",
    "shared_eval",
    "single_dataset",
    "small_ladders",
    "train_named",
    "val_named",
    "wide_export",
]


@dataclass(frozen=True)
class SigmoidTruth:
    """accuracy = chance + (1 − chance)·σ(−(x − x0)/s) of the task loss x."""

    chance: float
    x0: float
    s: float

    def accuracy(self, x: float) -> float:
        return self.chance + (1.0 - self.chance) / (1.0 + math.exp((x - self.x0) / self.s))


@dataclass(frozen=True)
class HeldOut:
    """A held-out run's true (noise-free) value of one eval: what a prediction is judged against."""

    dataset: str
    eval: str
    metric: str
    N: float
    D: float
    value: float


@dataclass(frozen=True)
class Shape:
    name: str
    description: str
    rows: list[dict[str, object]]
    #: options a user would give ``l2l ingest`` for this table (beyond the file)
    ingest_args: tuple[str, ...] = ()
    #: the true law of (dataset, eval) where one exists (losses only)
    laws: Mapping[tuple[str, str], ScalingLaw] = field(default_factory=dict)
    #: the true accuracy law of each accuracy eval (from its task loss)
    accuracy: Mapping[str, SigmoidTruth] = field(default_factory=dict)
    held_out: tuple[HeldOut, ...] = ()
    #: the split value of the held-out runs (None: none held out)
    holdout_split: str | None = None

    def write(self, path: str) -> None:
        """Write the rows as a CSV file."""
        write_csv(self.rows, path)


def _noisy(rng: np.random.Generator, value: float, sd: float) -> float:
    return float(value * math.exp(sd * rng.standard_normal()))


@dataclass(frozen=True)
class _LossPoint:
    """One run of a generated table: its dataset, size, tokens, split and (optionally) run id."""

    dataset: str
    N: float
    D: float
    split: str
    run_id: str | None = None


def _measure(
    point: _LossPoint,
    laws: Mapping[tuple[str, str], ScalingLaw],
    evals: Sequence[str],
    rng: np.random.Generator,
    noise: float,
    rows: list[dict[str, object]],
    held: list[HeldOut],
    held_split: str,
) -> None:
    """The run's loss on each of ``evals`` from its true law with noise, appended to ``rows``; its true values to
    ``held`` when it is in the held-out split."""
    for ev in evals:
        value = float(laws[(point.dataset, ev)].predict(point.N, point.D))
        row: dict[str, object] = {
            "dataset": point.dataset,
            "N": point.N,
            "D": point.D,
            "eval": ev,
            "loss": _noisy(rng, value, noise),
        }
        if point.run_id is not None:
            row["run_id"] = point.run_id
        rows.append({**row, "split": point.split})
        if point.split == held_split:
            held.append(HeldOut(point.dataset, ev, "loss", point.N, point.D, value))


def _iso_grid(
    law: ScalingLaw, budgets: Sequence[float], sizes: int, spread: float = 6.0
) -> list[tuple[float, float]]:
    """(N, D) on iso-FLOP curves around ``law``'s compute-optimal sizes, N rounded to thousands."""
    out = []
    for c in budgets:
        n_opt, _ = law.compute_optimal(c)
        for n in float(n_opt) * np.geomspace(1 / spread, spread, sizes):
            n = float(np.round(n, -3))
            out.append((n, c / (6.0 * n)))
    return out


BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
THREE = {
    "web": Shift(1.0, 1.0, PAPER_LIKE_LAW.E),
    "code": Shift(0.65, 1.08, 0.90),
    "books": Shift(1.05, 0.95, 2.20),
}


def _own_laws(shifts: Mapping[str, Shift], base: ScalingLaw = PAPER_LIKE_LAW) -> dict[str, ScalingLaw]:
    return {ds: base.translated(s.K, s.kappa, s.E1) for ds, s in shifts.items()}


# ---------------------------------------------------------------------------------------------------------------
# Shapes of loss tables
# ---------------------------------------------------------------------------------------------------------------


def shared_eval(seed: int = 0, noise: float = 0.004) -> Shape:
    """Three pre-training sets, one common validation mix (``val_mix``), no own eval; a 3.3B run of each at 1e21
    held out (``split`` = ``heldout``). Each dataset's ``val_mix`` loss is a shifted power law of its own loss, so
    its law is Eq. 3 again (closure): the truth of every law fitted here."""
    rng = np.random.default_rng(seed)
    own = _own_laws(THREE)
    to_mix = {"web": Shift(1.05, 1.1, 0.35), "code": Shift(1.2, 0.9, 0.55), "books": Shift(0.95, 1.05, 0.45)}
    laws = {(ds, "val_mix"): own[ds].translated(s.K, s.kappa, s.E1 + 1.6) for ds, s in to_mix.items()}
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    grid = _iso_grid(PAPER_LIKE_LAW, BUDGETS, 7)
    for ds in THREE:
        law = laws[(ds, "val_mix")]
        for n, d in [*grid, (3.3e9, 1e21 / (6 * 3.3e9))]:
            split = "heldout" if n == 3.3e9 else "sweep"
            value = float(law.predict(n, d))
            rows.append(
                {
                    "dataset": ds,
                    "N": n,
                    "D": d,
                    "eval": "val_mix",
                    "loss": _noisy(rng, value, noise),
                    "split": split,
                }
            )
            if split == "heldout":
                held.append(HeldOut(ds, "val_mix", "loss", n, d, value))
    return Shape(
        "shared_eval",
        "3 datasets on one shared eval, no own eval (isoFLOP comparison)",
        rows,
        laws=laws,
        held_out=tuple(held),
        holdout_split="heldout",
    )


def imbalanced(seed: int = 0, noise: float = 0.004) -> Shape:
    """A well-studied dataset beside a new one: ``web`` with 200 runs at irregular sizes and token counts (20
    sizes of 20M-320M parameters × 10 token multiples of 5-40 per parameter: every run its own budget) and
    ``books`` with 20 (5 sizes × 4 multiples), each with its own eval and ``c4_val`` (a shifted power law of its
    own loss: Eq. 3 again); two 600M runs of each (18B and 36B tokens, 2.6x and 5.3x the largest budget) held out
    (``split`` = ``extrapolation``). A probe's shape: the five backtest cutoffs fell within 1.8x of the largest of
    147 budgets, and books' 90 % intervals held 21 of 32 truths."""
    rng = np.random.default_rng(seed)
    own = _own_laws({"web": THREE["web"], "books": THREE["books"]})
    to_c4 = {"web": Shift(1.02, 1.05, 0.35), "books": Shift(0.97, 1.02, 0.40)}
    laws: dict[tuple[str, str], ScalingLaw] = {}
    for ds, law in own.items():
        laws[(ds, f"{ds}_val")] = law
        laws[(ds, "c4_val")] = law.translated(to_c4[ds].K, to_c4[ds].kappa, to_c4[ds].E1 + 1.0)
    dense = [(float(n), float(n * m)) for n in np.geomspace(2e7, 3.2e8, 20) for m in np.geomspace(5, 40, 10)]
    grid = [(n, n * m) for n in (2e7, 4e7, 8e7, 1.6e8, 3.2e8) for m in (5.0, 10.0, 20.0, 40.0)]
    targets = [(6e8, 1.8e10), (6e8, 3.6e10)]
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    for ds, sweep in (("web", dense), ("books", grid)):
        for j, (n, d) in enumerate([*sweep, *targets]):
            split = "extrapolation" if j >= len(sweep) else "sweep"
            point = _LossPoint(ds, n, d, split, f"{ds}{j:03d}")
            _measure(point, laws, (f"{ds}_val", "c4_val"), rng, noise, rows, held, "extrapolation")
    return Shape(
        "imbalanced",
        "a dataset of 200 runs at irregular budgets beside one of 20",
        rows,
        laws=laws,
        held_out=tuple(held),
        holdout_split="extrapolation",
    )


#: ``crossing_task``'s own laws (Eq. 1) and task relations (task = 0.6 + K·(L − E)^κ): beta leads the task loss
#: through the sweep (1e17-3e19) and lies last at 1e22, gamma (the lowest E, the steepest κ) first there.
_CROSS_OWN = {
    "alpha": ScalingLaw("chinchilla", A=400.0, B=1200.0, E=1.9, alpha=0.34, beta=0.30),
    "beta": ScalingLaw("chinchilla", A=300.0, B=900.0, E=1.5, alpha=0.32, beta=0.29),
    "gamma": ScalingLaw("chinchilla", A=500.0, B=1500.0, E=0.9, alpha=0.36, beta=0.31),
}
_CROSS_TASK = {"alpha": Shift(1.6, 1.2, 0.6), "beta": Shift(1.5, 1.1, 0.6), "gamma": Shift(1.8, 1.25, 0.6)}


def crossing_task_truth(dataset: str, N: float, D: float) -> float:
    """``crossing_task``'s true (noise-free) ``downstream/task`` loss of ``dataset`` at (N, D)."""
    law, s = _CROSS_OWN[dataset], _CROSS_TASK[dataset]
    return float(s.E1 + s.K * (float(law.predict(N, D)) - law.E) ** s.kappa)


def crossing_task(
    seed: int = 0, noise: float = 0.005, budgets: Sequence[float] = (1e17, 1e18, 1e19, 3e19)
) -> Shape:
    """Three datasets (alpha, beta, gamma), 5 runs per isoFLOP budget (the same sizes for all, N* ×/÷ 5 of alpha's
    law), each measured on its own eval and on ``downstream/task``, a shifted power law of its own loss (the
    paper's relation). The task losses keep one order through the sweep and cross beyond it: beta best at 3e19,
    worst at 1e22 (gamma 1.40 < alpha 1.46 < beta 1.50). A probe's shape (p62 D3): the sweep's backtest tied, the
    sweep's order was kept, and "the winner is the same for every C from 1e21 to 1e23" printed while the laws
    alone changed winner in that range."""
    rng = np.random.default_rng(seed)
    ref = _CROSS_OWN["alpha"]
    rows: list[dict[str, object]] = []
    for c in budgets:
        n_opt, _ = ref.compute_optimal(c)
        for n in float(n_opt) * np.geomspace(1 / 5, 5, 5):
            n = float(f"{n:.3g}")
            d = c / (6.0 * n)
            for ds, law in _CROSS_OWN.items():
                run = f"{ds}-{n:.3g}-{d:.3g}"
                for ev, value in (
                    (f"{ds}_val", float(law.predict(n, d))),
                    ("downstream/task", crossing_task_truth(ds, n, d)),
                ):
                    rows.append(
                        {
                            "dataset": ds,
                            "N": n,
                            "D": d,
                            "eval": ev,
                            "loss": _noisy(rng, value, noise),
                            "run_id": run,
                        }
                    )
    laws = {(ds, f"{ds}_val"): law for ds, law in _CROSS_OWN.items()}
    return Shape(
        "crossing_task", "3 datasets whose task-loss order crosses beyond the sweep", rows, laws=laws
    )


def small_ladders(seed: int = 0, noise: float = 0.005, datasets: int = 15) -> Shape:
    """A mixture study of small ladders (probe p60): ``datasets`` pre-training sets, each with its own Eq. 3 law
    (E 1.6-2.3, α 0.28-0.38, β 0.27-0.33, A and B scattered 30 %), 12 runs (50M, 150M, 300M, 600M × 5, 20 and 80
    tokens per parameter) on its own eval and on ``c4_val`` (a shifted power law of it: Eq. 3 again); 1.2B, 1.7B
    and 2.4B runs at 20 tokens per parameter held out (2×, 2.8× and 4× the largest fitted N, where the backtests
    reach 2×)."""
    rng = np.random.default_rng(seed)
    draw = np.random.default_rng(1000 + seed)
    laws: dict[tuple[str, str], ScalingLaw] = {}
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    fitted = [(n, n * t, "sweep") for n in (50e6, 150e6, 300e6, 600e6) for t in (5.0, 20.0, 80.0)]
    far = [(n, 20.0 * n, "heldout") for n in (1.2e9, 1.7e9, 2.4e9)]
    for i in range(datasets):
        ds = f"mix{i:02d}"
        own = ScalingLaw(
            "l2l",
            A=float(5e7 * np.exp(draw.normal(0, 0.3))),
            B=float(6e8 * np.exp(draw.normal(0, 0.3))),
            E=float(draw.uniform(1.6, 2.3)),
            alpha=float(draw.uniform(0.28, 0.38)),
            beta=float(draw.uniform(0.27, 0.33)),
        )
        laws[(ds, f"{ds}_val")] = own
        laws[(ds, "c4_val")] = own.translated(
            float(draw.uniform(0.9, 1.2)), float(draw.uniform(0.9, 1.1)), 2.3
        )
        for n, d, split in [*fitted, *far]:
            _measure(
                _LossPoint(ds, n, d, split), laws, (f"{ds}_val", "c4_val"), rng, noise, rows, held, "heldout"
            )
    return Shape(
        "small_ladders",
        f"{datasets} datasets × 12 runs (4 sizes × 3 token ratios), held out at 2-4× the largest N",
        rows,
        laws=laws,
        held_out=tuple(held),
        holdout_split="heldout",
    )


def single_dataset(seed: int = 0, noise: float = 0.004, tasks: int = 8) -> Shape:
    """One pre-training set (``c4``) with its own eval ``c4_val`` and ``tasks`` task losses (each a shifted power
    law of the own loss: Eq. 3 again); the 3.3B run at 1e21 held out."""
    rng = np.random.default_rng(seed)
    law = PAPER_LIKE_LAW
    evals: dict[str, ScalingLaw] = {"c4_val": law}
    for i in range(tasks):
        shift = Shift(0.8 + 0.1 * i, 0.85 + 0.05 * i, 0.6 + 0.15 * i)
        evals[f"task/t{i}"] = law.translated(shift.K, shift.kappa, shift.E1)
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    for j, (n, d) in enumerate([*_iso_grid(law, BUDGETS, 7), (3.3e9, 1e21 / (6 * 3.3e9))]):
        split = "heldout" if n == 3.3e9 else "sweep"
        for ev, ev_law in evals.items():
            value = float(ev_law.predict(n, d))
            rows.append(
                {
                    "dataset": "c4",
                    "N": n,
                    "D": d,
                    "eval": ev,
                    "loss": _noisy(rng, value, noise),
                    "run_id": f"r{j:02d}",
                    "split": split,
                }
            )
            if split == "heldout":
                held.append(HeldOut("c4", ev, "loss", n, d, value))
    return Shape(
        "single_dataset",
        "1 dataset, own eval and 8 task losses",
        rows,
        laws={("c4", ev): lw for ev, lw in evals.items()},
        held_out=tuple(held),
        holdout_split="heldout",
    )


def train_named(seed: int = 0, noise: float = 0.004) -> Shape:
    """Three datasets whose own evals are all named ``train`` (each one's training loss on its own data: not
    comparable across datasets) and one shared validation eval ``val_mix``."""
    base = shared_eval(seed, noise)
    rng = np.random.default_rng(seed + 1)
    own = _own_laws(THREE)
    rows = list(base.rows)
    for r in base.rows:
        ds = str(r["dataset"])
        value = float(own[ds].predict(float(r["N"]), float(r["D"])))  # type: ignore[arg-type]
        rows.append({**r, "eval": "train", "loss": _noisy(rng, value, noise)})
    laws = {**base.laws, **{(ds, "train"): own[ds] for ds in THREE}}
    return Shape(
        "train_named",
        "3 datasets, own evals all named 'train', one shared eval",
        rows,
        laws=laws,
        held_out=base.held_out,
        holdout_split="heldout",
    )


def val_named(seed: int = 0, noise: float = 0.004, acc_noise: float = 0.006) -> Shape:
    """Three datasets whose own evals are all named ``val`` (each dataset's validation split of its own data:
    one name, three sets; ingested with ``--own-eval all=val``), one task loss ``hellaswag`` (metric ``loss``)
    and its accuracy (metric ``accuracy``) under the task's one name; a 3.3B run of each at 1e21 held out."""
    rng = np.random.default_rng(seed)
    own = _own_laws(THREE)
    shift, _ = LADDER_TASKS["hellaswag"]
    # mid-curve at the held-out runs (task loss 1.45–1.66), not saturated
    sigmoid = SigmoidTruth(0.25, 1.70, 0.25)
    task = {ds: law.translated(shift.K, shift.kappa, shift.E1) for ds, law in own.items()}
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    grid = _iso_grid(PAPER_LIKE_LAW, BUDGETS, 7)
    for ds in THREE:
        for j, (n, d) in enumerate([*grid, (3.3e9, 1e21 / (6 * 3.3e9))]):
            split = "heldout" if n == 3.3e9 else "sweep"
            common = {"dataset": ds, "run_id": f"{ds}-{j:02d}", "N": n, "D": d, "split": split}
            own_value, task_value = float(own[ds].predict(n, d)), float(task[ds].predict(n, d))
            acc = float(np.clip(sigmoid.accuracy(task_value) + acc_noise * rng.standard_normal(), 0.0, 1.0))
            rows.append({**common, "eval": "val", "metric": "loss", "value": _noisy(rng, own_value, noise)})
            rows.append(
                {**common, "eval": "hellaswag", "metric": "loss", "value": _noisy(rng, task_value, noise)}
            )
            rows.append({**common, "eval": "hellaswag", "metric": "accuracy", "value": acc})
            if split == "heldout":
                held.append(HeldOut(ds, "val", "loss", n, d, own_value))
                held.append(HeldOut(ds, "hellaswag", "loss", n, d, task_value))
                held.append(HeldOut(ds, "hellaswag", "accuracy", n, d, sigmoid.accuracy(task_value)))
    return Shape(
        "val_named",
        "3 datasets, own evals all named 'val' (one name, three sets), a task loss and its accuracy",
        rows,
        ingest_args=("--own-eval", "all=val"),
        laws={**{(ds, "val"): own[ds] for ds in THREE}, **{(ds, "hellaswag"): task[ds] for ds in THREE}},
        accuracy={"hellaswag": sigmoid},
        held_out=tuple(held),
        holdout_split="heldout",
    )


def configs(seed: int = 0, noise: float = 0.004) -> Shape:
    """Two datasets, three training configurations (``config``) at the same (dataset, N, D): different runs with
    different losses (the configurations shift E by up to 4 %), the shape of Porian et al.'s table."""
    rng = np.random.default_rng(seed)
    own = _own_laws({"rw": THREE["web"], "owt2": THREE["books"]})
    cfg = {"base": 1.0, "tuned": 0.975, "long_warmup": 1.04}
    rows: list[dict[str, object]] = []
    laws = {}
    for ds, law in own.items():
        for name, scale in cfg.items():
            lw = ScalingLaw(law.form, A=law.A, B=law.B, E=law.E * scale, alpha=law.alpha, beta=law.beta)
            laws[(f"{ds}|{name}", f"{ds}_val")] = lw
            for n, d in _iso_grid(PAPER_LIKE_LAW, BUDGETS[:5], 7):
                value = float(lw.predict(n, d))
                rows.append(
                    {
                        "dataset": ds,
                        "N": n,
                        "D": d,
                        "eval": f"{ds}_val",
                        "loss": _noisy(rng, value, noise),
                        "C": 6 * n * d,
                        "config": name,
                    }
                )
    return Shape("configs", "2 datasets × 3 configs at the same (N, D), no run id", rows, laws=laws)


# ---------------------------------------------------------------------------------------------------------------
# Per-checkpoint logs
# ---------------------------------------------------------------------------------------------------------------

#: A checkpoint before the end of its run's schedule sits above the law (the learning rate has not decayed): by
#: this fraction of the loss at 0 % done, falling to 0 at the end of the run.
SCHEDULE_GAP = 0.03


def _checkpoint_loss(law: ScalingLaw, n: float, d_seen: float, d_final: float) -> float:
    done = d_seen / d_final
    return float(law.predict(n, d_seen)) * (1.0 + SCHEDULE_GAP * (1.0 - done) ** 2)


LADDER_SIZES = (150e6, 300e6, 530e6, 750e6, 1.0e9)
LADDER_MULTIPLES = (0.5, 1.0, 2.0, 4.0, 5.0, 10.0)  # × 20 tokens per parameter
LADDER_TARGETS = ((7.0e9, 2.0), (13.0e9, 2.0))
LADDER_TASKS: dict[str, tuple[Shift, SigmoidTruth]] = {
    # task CE loss = K·(own − E)^κ + E_T ; accuracy = sigmoid of the task loss with a chance floor
    "hellaswag": (Shift(1.6, 0.9, 1.20), SigmoidTruth(0.25, 2.05, 0.12)),
    "arc_easy": (Shift(1.9, 1.0, 0.90), SigmoidTruth(0.25, 1.95, 0.18)),
    "piqa": (Shift(1.3, 0.8, 0.55), SigmoidTruth(0.5, 1.25, 0.10)),
    "winogrande": (Shift(1.1, 1.2, 0.60), SigmoidTruth(0.5, 1.00, 0.10)),
    "csqa": (Shift(2.1, 0.9, 1.10), SigmoidTruth(0.2, 2.40, 0.20)),
}
BYTES_PER_TOKEN = 4.2


def per_step_ladder(seed: int = 0, noise: float = 0.004, acc_noise: float = 0.008) -> Shape:
    """A per-checkpoint log of one data mix (``dolma``): 30 runs (5 sizes × 6 token multiples of 20 tokens per
    parameter), a checkpoint every 10 % of each run and one at step 0 (D = 0), and two large target runs (7B and
    13B at 40 tokens per parameter, split ``target``, final checkpoint only). Each row is (run, step, eval,
    metric, value): the own loss ``dolma_val`` (metric loss), and per task its CE loss (metric ``loss``), its
    bits-per-byte (metric ``bpb``) and its accuracy (metric ``accuracy``) under the task's one name.

    Truth: final checkpoints follow the laws exactly (plus noise); earlier checkpoints sit above them by
    ``SCHEDULE_GAP`` × (1 − done)², as a run whose learning rate has not decayed does. The 1×, 2×, … runs of one
    size pass through the same D at different steps: different runs, never seeds of one."""
    rng = np.random.default_rng(seed)
    own = PAPER_LIKE_LAW
    task_laws = {t: own.translated(s.K, s.kappa, s.E1) for t, (s, _) in LADDER_TASKS.items()}
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    batch_tokens = 2.0**21  # 2M tokens a step

    def add(run: str, n: float, d_seen: float, d_final: float, step: int, split: str) -> None:
        if d_seen == 0:  # step 0: an untrained model, at the uniform-prediction loss and chance accuracy
            own_loss, task_loss = math.log(50_280), dict.fromkeys(LADDER_TASKS, math.log(50_280))
        else:
            own_loss = _checkpoint_loss(own, n, d_seen, d_final)
            task_loss = {t: _checkpoint_loss(task_laws[t], n, d_seen, d_final) for t in LADDER_TASKS}
        common = {"run_id": run, "dataset": "dolma", "N": n, "D": d_seen, "step": step, "split": split}
        rows.append({**common, "eval": "dolma_val", "metric": "loss", "value": _noisy(rng, own_loss, noise)})
        for t, (_, acc) in LADDER_TASKS.items():
            x = _noisy(rng, task_loss[t], noise)
            a = acc.chance if d_seen == 0 else acc.accuracy(task_loss[t])
            a = float(np.clip(a + acc_noise * rng.standard_normal(), 0.0, 1.0))
            rows.append({**common, "eval": t, "metric": "loss", "value": x})
            rows.append({**common, "eval": t, "metric": "bpb", "value": x / math.log(2) / BYTES_PER_TOKEN})
            rows.append({**common, "eval": t, "metric": "accuracy", "value": a})
        if split == "target" and d_seen == d_final:
            held.append(HeldOut("dolma", "dolma_val", "loss", n, d_final, float(own.predict(n, d_final))))
            for t, (_, acc) in LADDER_TASKS.items():
                true_x = float(task_laws[t].predict(n, d_final))
                held.append(HeldOut("dolma", t, "loss", n, d_final, true_x))
                held.append(HeldOut("dolma", t, "accuracy", n, d_final, acc.accuracy(true_x)))

    for n in LADDER_SIZES:
        for mult in LADDER_MULTIPLES:
            d_final = 20.0 * n * mult
            steps = round(d_final / batch_tokens)
            run = f"{n / 1e6:.0f}M-{mult:g}xC"
            add(run, n, 0.0, d_final, 0, "ladder")
            for k in range(1, 11):
                step = round(steps * k / 10)
                add(run, n, step * batch_tokens if k < 10 else d_final, d_final, step, "ladder")
    for n, mult in LADDER_TARGETS:
        d_final = 20.0 * n * mult
        add(f"{n / 1e9:.0f}B-{mult:g}xC", n, d_final, d_final, round(d_final / batch_tokens), "target")
    laws = {("dolma", "dolma_val"): own, **{("dolma", t): lw for t, lw in task_laws.items()}}
    return Shape(
        "per_step_ladder",
        "per-checkpoint ladder, 30 runs, losses + bpb + accuracies under one task name, 2 targets",
        rows,
        laws=laws,
        accuracy={t: acc for t, (_, acc) in LADDER_TASKS.items()},
        held_out=tuple(held),
        holdout_split="target",
    )


def no_run_id_log(seed: int = 0, noise: float = 0.004) -> Shape:
    """A per-checkpoint log of one dataset (``c4``) without run ids: 4 sizes × 3 peak learning rates × 2 sweeps,
    20 checkpoints each; runs told apart by ``model``, ``peak_lr`` and ``sweep`` together (the (Mis)Fitting
    shape). The best learning rate follows the law; the others sit 1.5 % and 4 % above it."""
    rng = np.random.default_rng(seed)
    law = PAPER_LIKE_LAW
    lr_cost = {3e-3: 1.0, 1e-3: 1.015, 1e-2: 1.04}
    rows: list[dict[str, object]] = []
    for sweep in ("sweep_a", "sweep_b"):
        for n in (20e6, 60e6, 150e6, 400e6):
            d_final = 20.0 * n * (2.0 if sweep == "sweep_b" else 1.0)
            for lr, cost in lr_cost.items():
                for k in range(1, 21):
                    d = d_final * k / 20
                    value = _checkpoint_loss(law, n, d, d_final) * cost
                    rows.append(
                        {
                            "dataset": "c4",
                            "N": n,
                            "D": d,
                            "eval": "c4_val",
                            "loss": _noisy(rng, value, noise),
                            "model": f"m{n / 1e6:.0f}m",
                            "total_steps": 1000,
                            "frac_done": k / 20,
                            "peak_lr": lr,
                            "sweep": sweep,
                        }
                    )
    return Shape(
        "no_run_id_log",
        "per-checkpoint log without run ids (model × peak_lr × sweep)",
        rows,
        laws={("c4", "c4_val"): law},
    )


# ---------------------------------------------------------------------------------------------------------------
# A W&B-style wide export from Chinchilla's law (Eq. 1)
# ---------------------------------------------------------------------------------------------------------------

#: Hoffmann et al.'s fitted Eq. 1 law (Epoch's refit), and two variants: other pre-training sets.
CHINCHILLA = ScalingLaw("chinchilla", A=482.01, B=2085.43, E=1.8172, alpha=0.3478, beta=0.3658)
WIDE_LAWS = {
    "web": CHINCHILLA,
    "code": ScalingLaw("chinchilla", A=420.0, B=1650.0, E=1.55, alpha=0.36, beta=0.37),
    "books": ScalingLaw("chinchilla", A=510.0, B=2400.0, E=2.05, alpha=0.34, beta=0.355),
}


def wide_export(seed: int = 0, noise: float = 0.005) -> Shape:
    """One row per run, one column per eval (``eval/<set>_val/loss``: every model on every set's validation
    loss), columns named as W&B exports name them (``Name``, ``params``, ``tokens``, ``Tags``); each dataset's
    losses follow an Eq. 1 law (on the other sets' evals: the same law with E raised by 0.25). Three runs per
    dataset at 3e20 tagged ``heldout``."""
    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    held: list[HeldOut] = []
    laws: dict[tuple[str, str], ScalingLaw] = {}
    for ds, law in WIDE_LAWS.items():
        for other in WIDE_LAWS:
            e = law.E + (0.0 if other == ds else 0.25)
            laws[(ds, f"{other}_val")] = ScalingLaw(
                "chinchilla", A=law.A, B=law.B, E=e, alpha=law.alpha, beta=law.beta
            )
    grid = _iso_grid(CHINCHILLA, (1e18, 3e18, 1e19, 3e19), 6, spread=4.0)
    held_grid = [(n, 3e20 / (6 * n)) for n in (3.0e9, 4.5e9, 6.5e9)]
    for ds in WIDE_LAWS:
        for j, (n, d) in enumerate([*grid, *held_grid]):
            tag = "heldout" if (n, d) in held_grid else "sweep"
            row: dict[str, object] = {
                "Name": f"{ds}-{j:02d}",
                "dataset": ds,
                "params": n,
                "tokens": d,
                "Tags": tag,
            }
            for other in WIDE_LAWS:
                value = float(laws[(ds, f"{other}_val")].predict(n, d))
                row[f"eval/{other}_val/loss"] = _noisy(rng, value, noise)
                if tag == "heldout":
                    held.append(HeldOut(ds, f"{other}_val", "loss", n, d, value))
            rows.append(row)
    return Shape(
        "wide_export",
        "W&B-style wide export, 3 datasets, Eq. 1 truth",
        rows,
        ingest_args=("--wide", "--column", "run_id=Name", "--column", "split=Tags"),
        laws=laws,
        held_out=tuple(held),
        holdout_split="heldout",
    )


#: ``diverged_top``'s grid: six sizes, each at five token counts (tokens per parameter), and its two targets beyond
DIVERGED_SIZES = (20e6, 50e6, 100e6, 200e6, 400e6, 800e6)
DIVERGED_TOKENS_PER_PARAM = (5.0, 10.0, 20.0, 40.0, 80.0)
DIVERGED_TARGETS = ((1.6e9, 3.2e10), (4e9, 8e10))


def diverged_top(seed: int = 0, noise: float = 0.004, factor: float = 1.10) -> Shape:
    """Two datasets (``web``, ``code``: the paper-like law and a shift of it) on a grid of ``DIVERGED_SIZES`` ×
    ``DIVERGED_TOKENS_PER_PARAM``, whose largest budget is one run: ``web``'s (800M × 64B) diverged, its loss ×
    ``factor`` (10 %: short of fit-law's far-run distance). Held out (not in the rows): the true own losses at
    ``DIVERGED_TARGETS``, 2× and 5× the largest size."""
    rng = np.random.default_rng(seed)
    laws = {(ds, f"{ds}_val"): law for ds, law in _own_laws({k: THREE[k] for k in ("web", "code")}).items()}
    rows: list[dict[str, object]] = []
    top = (float(DIVERGED_SIZES[-1]), DIVERGED_SIZES[-1] * DIVERGED_TOKENS_PER_PARAM[-1])
    for (ds, ev), law in laws.items():
        for n in DIVERGED_SIZES:
            for tpp in DIVERGED_TOKENS_PER_PARAM:
                value = _noisy(rng, float(law.predict(n, n * tpp)), noise)
                if ds == "web" and (n, n * tpp) == top:
                    value *= factor
                rows.append({"dataset": ds, "N": n, "D": n * tpp, "eval": ev, "loss": value})
    held = tuple(
        HeldOut(ds, ev, "loss", n, d, float(law.predict(n, d)))
        for (ds, ev), law in laws.items()
        for n, d in DIVERGED_TARGETS
    )
    return Shape(
        "diverged_top",
        "a grid whose largest budget is one run, diverged 10 %",
        rows,
        laws=laws,
        held_out=held,
    )


SHAPES = {
    "shared_eval": shared_eval,
    "single_dataset": single_dataset,
    "per_step_ladder": per_step_ladder,
    "train_named": train_named,
    "configs": configs,
    "no_run_id_log": no_run_id_log,
    "wide_export": wide_export,
}


#: ``fixed_d_csv``'s sweep: six sizes, every run at one token count, and each dataset's E.
FIXED_D_SIZES = (20e6, 40e6, 80e6, 160e6, 320e6, 640e6)
FIXED_D_TOKENS = 1e10
FIXED_D_E = {"web": 1.8, "code": 1.2}


def fixed_d_truth(dataset: str, N: float) -> float:
    """The noise-free loss of ``fixed_d_csv``'s ``dataset`` at size ``N`` and its one D: Eq. 3 with A 4.8e8, B 2e9,
    α = β = 0.3, which at one D bends as N grows (no pure power law in N)."""
    return FIXED_D_E[dataset] + float((4.8e8 / N + 2e9 / FIXED_D_TOKENS) ** 0.3)


def fixed_d_csv(path: Path, *, seed: int = 0, noise: float = 0.004, eval_name: str = "{dataset}_val") -> Path:
    """A CSV of two fixed-D sweeps (web, code: ``FIXED_D_SIZES`` all at ``FIXED_D_TOKENS``), each loss
    ``fixed_d_truth`` times (1 + a normal draw of sd ``noise``), the eval named by ``eval_name`` (``{dataset}`` is
    the dataset's name: ``own`` names one eval for both). Returns ``path``."""
    rng = np.random.default_rng(seed)
    lines = ["dataset,N,D,eval,loss"]
    for name in FIXED_D_E:
        for n in FIXED_D_SIZES:
            loss = fixed_d_truth(name, n) * (1 + rng.normal(0.0, noise))
            lines.append(f"{name},{n:.0f},{FIXED_D_TOKENS:.0f},{eval_name.format(dataset=name)},{loss:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path


#: ``fixed_d_accuracy_csv``'s task: loss = K·(own − E)^κ + E_T (E_T per dataset: code is worse at it), accuracy a
#: sigmoid of that loss with a chance floor, mid-curve at 2×–4× the largest size (web 49 → 74 points, code 35 → 52)
FIXED_D_TASK = Shift(1.6, 0.9, 0.0)
FIXED_D_TASK_E = {"web": 1.2, "code": 1.5}
FIXED_D_ACCURACY = SigmoidTruth(0.25, 2.6, 0.25)


def fixed_d_task_truth(dataset: str, N: float) -> float:
    """The noise-free task loss of ``fixed_d_accuracy_csv``'s ``dataset`` at size ``N`` and its one D."""
    own = fixed_d_truth(dataset, N) - FIXED_D_E[dataset]
    return float(FIXED_D_TASK.K * own**FIXED_D_TASK.kappa + FIXED_D_TASK_E[dataset])


def fixed_d_accuracy_csv(
    path: Path,
    *,
    seed: int = 0,
    noise: float = 0.004,
    acc_noise: float = 0.006,
    accuracy: SigmoidTruth = FIXED_D_ACCURACY,
) -> Path:
    """A CSV of ``fixed_d_csv``'s two fixed-D sweeps, each run with its own loss (eval ``{dataset}_val``), a task
    loss ``hellaswag`` (``fixed_d_task_truth``, metric ``loss``) and its accuracy (``accuracy`` of the true task
    loss plus a normal draw of sd ``acc_noise``, metric ``accuracy``); losses times (1 + a normal draw of sd
    ``noise``). Returns ``path``."""
    rng = np.random.default_rng(seed)
    lines = ["dataset,run_id,N,D,eval,metric,value"]
    for name in FIXED_D_E:
        for i, n in enumerate(FIXED_D_SIZES):
            own = fixed_d_truth(name, n) * (1 + rng.normal(0.0, noise))
            task_true = fixed_d_task_truth(name, n)
            task = task_true * (1 + rng.normal(0.0, noise))
            acc = float(np.clip(accuracy.accuracy(task_true) + rng.normal(0.0, acc_noise), 0.0, 1.0))
            run = f"{name},{name}-{i:02d},{n:.0f},{FIXED_D_TOKENS:.0f}"
            lines += [f"{run},{name}_val,loss,{own:.6f}", f"{run},hellaswag,loss,{task:.6f}"]
            lines.append(f"{run},hellaswag,accuracy,{acc:.6f}")
    path.write_text("\n".join(lines) + "\n")
    return path
