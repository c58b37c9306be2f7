"""Seeded synthetic run tables from known laws, for tests and demos (public: users can test their pipelines too).

The construction mirrors the paper's setting, so every quantity l2l estimates has a known true value:
- a *base* dataset whose own loss follows a known Eq. 3 law;
- every other dataset's own loss is the base law pushed through a known shifted power law
  (K, κ, E1): exactly the paper's train-to-train relation, and again an Eq. 3 law (the closure property);
- every eval T on a model trained on P is a shifted power law of P's own loss (K_T, κ_T, E_{T|P}) : train-to-test.
Runs sit on an iso-FLOP grid (several model sizes per budget, D = C / 6N), with multiplicative log-normal noise.
``run_id`` names the configuration (``m007``), the same in every dataset, so runs pair by identity or by (N, D).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

import numpy as np

from l2l.base import submodule
from l2l.core.laws import ScalingLaw

# The paper's FineWeb-Edu Eq. 3 law (its Table 2), as the default base.
PAPER_LIKE_LAW = ScalingLaw("l2l", A=5.96e7, B=8.20e8, E=2.00, alpha=0.43, beta=0.48)


@dataclass(frozen=True)
class Shift:
    """A shifted power law  y = K·(x − E0)^κ + E1  (E0 is the source's irreducible loss, known from its law)."""

    K: float
    kappa: float
    E1: float

    def apply(self, x: np.ndarray, e0: float) -> np.ndarray:
        return self.K * np.power(x - e0, self.kappa) + self.E1


def translate_law(law: ScalingLaw, shift: Shift) -> ScalingLaw:
    """The Eq. 3 law implied by pushing ``law`` through ``shift``."""
    return law.translated(shift.K, shift.kappa, shift.E1)


@dataclass(frozen=True)
class SyntheticSpec:
    base: str = "alpha"
    base_law: ScalingLaw = PAPER_LIKE_LAW
    # train-to-train: other dataset -> shift from the base's own loss
    datasets: Mapping[str, Shift] = field(
        default_factory=lambda: {"beta": Shift(0.65, 1.08, 0.90), "gamma": Shift(1.05, 0.95, 2.20)}
    )
    # train-to-test: eval -> shift from the training dataset's own loss (same K, κ for every P, E_{T|P} = E1)
    evals: Mapping[str, Shift] = field(
        default_factory=lambda: {
            "downstream/quiz": Shift(1.3, 0.8, 1.1),
            "downstream/cloze": Shift(0.9, 1.2, 2.4),
        }
    )
    # train-to-test onto another dataset's validation set T: K, κ as given, E_{T|P} = E_T + E1 (training on P
    # never reaches T's own irreducible loss)
    cross: Shift = Shift(1.05, 1.1, 0.3)
    budgets: Sequence[float] = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
    sizes_per_budget: int = 9
    holdout_budget: float | None = 1e21
    holdout_size: float = 3.3e9
    noise: float = 0.004  # sd of log loss
    # Relative deviation of the base dataset's held-out own loss from its law, carried to every other dataset
    # through the train-to-train relations: what translation can use and extrapolation cannot see.
    holdout_offset: float = 0.0
    seed: int = 0


def own_eval_name(dataset: str) -> str:
    return f"{dataset}_val"


def own_laws(spec: SyntheticSpec) -> dict[str, ScalingLaw]:
    """The true own-loss law of every dataset in the spec."""
    laws = {spec.base: spec.base_law}
    for name, shift in spec.datasets.items():
        laws[name] = translate_law(spec.base_law, shift)
    return laws


def synthetic_runs(spec: SyntheticSpec | None = None) -> list[dict[str, object]]:
    """Rows of a long run table (dataset, N, D, C, eval, loss, run_id, split) drawn from ``spec``.

    Returned as plain dicts so this module needs no polars; ``polars.DataFrame(rows)`` makes the table.
    """
    spec = spec or SyntheticSpec()
    rng = np.random.default_rng(spec.seed)
    laws = own_laws(spec)
    configs: list[tuple[float, float, str]] = []
    for c in spec.budgets:
        n_opt, _ = spec.base_law.compute_optimal(c)
        for n in float(n_opt) * np.geomspace(1 / 6, 6, spec.sizes_per_budget):
            configs.append((float(np.round(n, -3)), c, "sweep"))
    if spec.holdout_budget is not None:
        configs.append((spec.holdout_size, spec.holdout_budget, "extrapolation"))
    rows: list[dict[str, object]] = []
    for ds, law in laws.items():
        for i, (n, c, split) in enumerate(configs):
            d = c / (6.0 * n)
            base_own = float(spec.base_law.predict(n, d))
            if split == "extrapolation":
                base_own *= 1.0 + spec.holdout_offset
            # other datasets follow the base through their shift (equal to their own law at offset 0: closure)
            own = (
                base_own
                if ds == spec.base
                else float(spec.datasets[ds].apply(np.asarray(base_own), spec.base_law.E))
            )
            true = {own_eval_name(ds): own}
            for ev, shift in spec.evals.items():
                true[ev] = float(shift.apply(np.asarray(own), law.E))
            for other, other_law in laws.items():
                if other != ds:
                    cross = Shift(spec.cross.K, spec.cross.kappa, other_law.E + spec.cross.E1)
                    true[own_eval_name(other)] = float(cross.apply(np.asarray(own), law.E))
            for ev, value in true.items():
                rows.append(
                    {
                        "dataset": ds,
                        "N": n,
                        "D": d,
                        "C": c,
                        "eval": ev,
                        "loss": float(value * np.exp(spec.noise * rng.standard_normal())),
                        "run_id": f"m{i:03d}",
                        "split": split,
                    }
                )
    return rows


def law_samples(
    law: ScalingLaw,
    *,
    budgets: Sequence[float] = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19),
    sizes_per_budget: int = 9,
    noise: float = 0.004,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(N, D, loss) arrays of one law on an iso-FLOP grid around its own compute-optimal sizes, with log-normal
    noise of sd ``noise`` on log loss."""
    rng = np.random.default_rng(seed)
    ns, ds = [], []
    for c in budgets:
        n_opt, _ = law.compute_optimal(c)
        for n in float(n_opt) * np.geomspace(1 / 6, 6, sizes_per_budget):
            ns.append(n)
            ds.append(c / (6.0 * n))
    n_arr, d_arr = np.array(ns), np.array(ds)
    loss = law.predict(n_arr, d_arr) * np.exp(noise * rng.standard_normal(len(n_arr)))
    return n_arr, d_arr, loss


def write_csv(rows: Sequence[Mapping[str, object]], path: str) -> None:
    """Write synthetic rows as a CSV run table (what ``sample_data/synthetic_runs.csv`` is made with)."""
    import csv

    with Path(path).open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        writer.writeheader()
        for row in rows:
            writer.writerow({k: (repr(v) if isinstance(v, float) else v) for k, v in row.items()})


def main(argv: Sequence[str] | None = None) -> None:
    """``python -m l2l.testing [OUT.csv] [--seed S]``: write the synthetic sample table."""
    import argparse

    parser = argparse.ArgumentParser(
        prog="python -m l2l.testing",
        description="Write a seeded synthetic run table (three datasets from known laws) as CSV; "
        "this is how sample_data/synthetic_runs.csv is made.",
    )
    parser.add_argument(
        "out", nargs="?", default="synthetic_runs.csv", help="CSV file to write (default: %(default)s)"
    )
    parser.add_argument("--seed", type=int, default=0, help="seed of the noise (default: %(default)s)")
    args = parser.parse_args(argv)
    write_csv(synthetic_runs(SyntheticSpec(seed=args.seed)), args.out)


def __getattr__(
    name: str,
) -> ModuleType:  # `l2l.testing.module` after a bare `import l2l` (l2l.base.submodule)
    return submodule(__name__, name)
