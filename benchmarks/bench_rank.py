"""Benchmark of ``l2l.core.ranking``: does ranking datasets by their laws beat ranking them by their largest sweep runs?

Parts (each prints a table; ``--part`` picks some):
  backtests heldout, then sweep:
  heldout   fit on split=sweep of the paper's runs, truth: the six held-out 3.3B runs at 1e21 (all at the same
            N, D, used as the budget); pairwise decision accuracy over the 25 loss targets (6 own validation sets,
            19 downstream losses) × 15 dataset pairs, for the single-scale baseline and every method.
  sweep     the same within the sweep: the top sweep budget (4.84e19) held out, fitted on the rest; truth: every
            (N, D) of the held-out budget that all six datasets ran, on each target.
  calib     P(best) calibration on seeded synthetic tables from known laws (l2l.testing): stated P(best) binned
            against how often that dataset is the true best.
  timing    one target on the paper's table, fit and rank, from scratch.
  holdout   (issue 17) the product's own ``rank --holdout`` (``l2l.workflows.rank_eval.rank_backtest``, --form
            auto, 4,000 joint draws): pairs right per method and the recommended leader's P(best) against how
            often it was right, per bucket, on the paper's held-out runs, within its sweep (top budget held out),
            and on the public Porian et al. table (top budget held out).
  stability (issue 17) P(best) of one ranking over five seeds: how far it moves.

    OMP_NUM_THREADS=1 python benchmarks/bench_rank.py --part backtests timing
    OMP_NUM_THREADS=1 python benchmarks/bench_rank.py --part calib --cases 200 --backtest
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import math
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import polars as pl

from l2l.core.laws import ScalingLaw
from l2l.core.rank_model import (
    Budget,
    Candidate,
    RankModel,
    fit_rank_model,
    learn_draw_error,
    single_scale_ranking,
)
from l2l.core.ranking import RankSettings, point_predictions, rank, rank_datasets
from l2l.core.sweep import Sweep
from l2l.testing import PAPER_LIKE_LAW, Shift, law_samples, translate_law

DATA = Path(__file__).resolve().parent.parent / "sample_data" / "brandfonbrener2024_runs.csv"
OWN = {
    "fineweb-100b": "fineweb_100b_val",
    "fineweb-edu-100b": "fineweb_edu_100b_val",
    "proof-pile-2": "proof_pile_2_val",
    "slimpajama-chunk1": "slimpajama_val",
    "smollm-corpus": "smollm_val",
    "starcoder": "starcoder_val",
}
REC_ERR = "recommended + sweep error"
NEAR_TIE = 0.005  # held-out losses within 0.5 % of each other (relative to their mean) count as near-ties

VARIANTS: dict[str, dict[str, object]] = {
    # the recommended method as shipped, and the design alternatives it was chosen from (within-sweep backtest)
    "recommended": {},
    "anchored, no shrink": {"shrink": False},
    "anchored, trust bounds": {"distrust_bounds": False},
    "anchored on independent": {"anchor_source": "independent"},
    "anchored, no shrink, trust bounds": {"shrink": False, "distrust_bounds": False},
}


def candidates(frame: pl.DataFrame) -> list[Candidate]:
    out = []
    for ds, own in OWN.items():
        runs = {}
        for (ev,), g in frame.filter(pl.col("dataset") == ds).group_by("eval"):
            runs[str(ev)] = Sweep.of(g["N"], g["D"], g["C"], g["loss"])
        out.append(Candidate(ds, own, runs))
    return out


def targets(frame: pl.DataFrame) -> list[str]:
    evals = sorted(frame["eval"].unique().to_list())
    return list(OWN.values()) + [e for e in evals if e.startswith("downstream/") and e.endswith("_ce_loss")]


def pairwise(pred: Mapping[str, float], truth: Mapping[str, float]) -> tuple[int, int, int, int]:
    """(right, total, near-ties, right among near-ties) over dataset pairs present in both: rank --holdout's count."""
    from l2l.workflows.rank_eval import _pairwise

    return _pairwise(pred, truth, NEAR_TIE)


def method_points(model: RankModel, target: str, budget: Budget) -> dict[str, dict[str, float]]:
    out = {m: point_predictions(model, target, budget, m) for m in ("independent", "translation")}
    for name, kw in VARIANTS.items():
        out[name] = point_predictions(dataclasses.replace(model, **kw), target, budget, "recommended")  # type: ignore[arg-type]
    return out


def accuracy_table(title: str, rows: dict[str, list[tuple[int, int, int, int]]]) -> None:
    print(f"\n{title}")
    print(f"| method | pairs right | accuracy | excluding near-ties (< {NEAR_TIE:.1%}) | near-ties right |")
    print("|---|---|---|---|---|")
    for name, res in rows.items():
        r, t, nt, ntr = (sum(x[k] for x in res) for k in range(4))
        far = (r - ntr) / max(t - nt, 1)
        print(f"| {name} | {r}/{t} | {r / max(t, 1):.1%} | {far:.1%} ({r - ntr}/{t - nt}) | {ntr}/{nt} |")


def _common_points(held: pl.DataFrame) -> list[tuple[float, float, dict[str, float]]]:
    """(N, D, truth per dataset) for every (N, D) of the held-out runs that all six datasets ran."""
    common = None
    for ds in OWN:
        ns = set(held.filter(pl.col("dataset") == ds)["N"].to_list())
        common = ns if common is None else common & ns
    out = []
    for n in sorted(common or ()):
        hn = held.filter(pl.col("N") == n)
        out.append(
            (
                float(n),
                float(hn["D"][0]),
                {str(r["dataset"]): float(r["loss"]) for r in hn.iter_rows(named=True)},
            )
        )
    return out


def _shorten(frame: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    top = float(frame["C"].to_numpy().max())
    return frame.filter(pl.col("C") < top * (1 - 1e-9)), frame.filter(pl.col("C") >= top * (1 - 1e-9))


def part_backtests(df: pl.DataFrame, draws: int) -> None:
    """Held-out (sweep → 3.3B runs) and within-sweep (sweep minus its top budget → that budget) backtests.

    The "+ sweep error" variant feeds the recommended method the extrapolation error measured by
    ``learn_draw_error`` one level down (the sweep's own top budget held out; for the within-sweep backtest,
    the next budget down), so it is chosen without looking at the held-out runs."""
    sweep = df.filter(pl.col("split") == "sweep")
    m1, top1 = _shorten(sweep)
    m2, _ = _shorten(m1)
    levels = [
        (
            "held-out: fit on split=sweep, truth = the six 3.3B runs at 1e21",
            sweep,
            df.filter(pl.col("split") == "extrapolation"),
            0,
        ),
        (
            f"within-sweep: fit on C < {float(sweep['C'].to_numpy().max()):.3g}, truth = common (N, D) at that C",
            m1,
            top1,
            1,
        ),
    ]
    frames = [sweep, m1, m2]
    cands = [candidates(f) for f in frames]
    caches: list[dict] = [{}, {}, {}]  # type: ignore[type-arg]
    for title, _frame, held, lvl in levels:
        rows: dict[str, list[tuple[int, int, int, int]]] = {}
        per_target: list[str] = []
        t0 = time.perf_counter()
        for t in targets(df):
            model = fit_rank_model(cands[lvl], t, draws=draws, seed=0, fits=caches[lvl])
            em = learn_draw_error(cands[lvl], t, draws=draws, seed=0, fits=caches[lvl + 1])
            base = single_scale_ranking(cands[lvl], t)
            points = _common_points(held.filter(pl.col("eval") == t))
            right = dict.fromkeys(
                ("single-scale baseline", "independent", "translation", "recommended", REC_ERR), 0
            )
            for n, d, truth in points:
                budget = Budget(N=n, D=d)
                reach = math.log10(budget.compute / model.sweep_top_compute)
                preds = {"single-scale baseline": base, **method_points(model, t, budget)}
                preds[REC_ERR] = point_predictions(model, t, budget, "recommended", em(reach))
                for name, p in preds.items():
                    res = pairwise(p, truth)
                    rows.setdefault(name, []).append(res)
                    if name in right:
                        right[name] += res[0]
            per_target.append(
                f"| {t} | {em.specific_sd:.4f} | " + " | ".join(str(v) for v in right.values()) + " |"
            )
        print(
            f"\n{len(points)} (N, D) point(s) per target, {len(targets(df))} targets, {draws} draws, "
            f"{time.perf_counter() - t0:.0f} s",
            flush=True,
        )
        accuracy_table(title, rows)
        print(
            f"\n| target | specific sd | baseline | independent | translation | recommended | {REC_ERR} |"
            "  (pairs right)\n|---|---|---|---|---|---|---|"
        )
        print("\n".join(per_target), flush=True)


def synthetic_case(
    rng: np.random.Generator, seed: int, k: int = 3
) -> tuple[list[Candidate], dict[str, float]]:
    """k datasets whose own laws are translations of a paper-like law, each with a target eval T that is a
    shifted power law of its own loss; returns the candidates and each one's true T loss at its N*(1e21)."""
    cands = []
    truth = {}
    for j in range(k):
        own_shift = Shift(
            float(rng.uniform(0.85, 1.15)), float(rng.uniform(0.93, 1.07)), float(rng.uniform(1.8, 2.2))
        )
        own_law: ScalingLaw = translate_law(PAPER_LIKE_LAW, own_shift)
        t_shift = Shift(
            float(rng.uniform(0.9, 1.1)), float(rng.uniform(0.9, 1.1)), float(rng.uniform(1.9, 2.3))
        )
        n, d, own = law_samples(
            own_law,
            noise=0.004,
            seed=seed * 100 + j,
            budgets=(2e17, 6e17, 2e18, 6e18, 2e19, 5e19),
            sizes_per_budget=7,
        )
        true_t = t_shift.apply(own_law.predict(n, d), own_law.E)
        obs_t = true_t * np.exp(0.004 * rng.standard_normal(len(n)))
        c = 6.0 * n * d
        name = f"d{j}"
        cands.append(
            Candidate(
                name,
                "own",
                {"own": Sweep.of(n, d, c, own), "T": Sweep.of(n, d, c, obs_t)},
            )
        )
        ns, ds = own_law.compute_optimal(1e21)
        truth[name] = float(t_shift.apply(own_law.predict(ns, ds), own_law.E))
    return cands, truth


def part_calib(cases: int, draws: int, backtest: bool) -> None:
    bins = np.array([0.0, 0.1, 0.3, 0.5, 0.7, 0.9, 1.0 + 1e-9])
    stats: dict[str, list[tuple[float, bool]]] = {}
    leader_right: dict[str, int] = {}
    t0 = time.perf_counter()
    for case in range(cases):
        rng = np.random.default_rng([20261129, case])
        cands, truth = synthetic_case(rng, case)
        best = min(truth, key=lambda kk: truth[kk])
        model = fit_rank_model(cands, "T", draws=draws, seed=case)
        for m in ("independent", "translation", "recommended", REC_ERR):
            if m == REC_ERR:
                if not backtest:
                    continue
                em = learn_draw_error(cands, "T", draws=draws, seed=case)
                r = rank(model, Budget(C=1e21), draw_error=em, flip_range=(1e21, 1.0001e21))
            else:
                r = rank(model, Budget(C=1e21), method=m, flip_range=(1e21, 1.0001e21))  # type: ignore[arg-type]
            for row in r.targets[0].rows:
                stats.setdefault(m, []).append((row.p_best, row.dataset == best))
            leader_right[m] = leader_right.get(m, 0) + (r.leader == best)
    print(
        f"\nP(best) calibration: {cases} synthetic cases × 3 datasets, {draws} draws, {time.perf_counter() - t0:.0f} s"
    )
    print("| method | stated P(best) bin | n | mean stated | frequency best | leader right | Brier |")
    print("|---|---|---|---|---|---|---|")
    for m, st in stats.items():
        p = np.array([s[0] for s in st])
        y = np.array([s[1] for s in st], dtype=float)
        brier = float(np.mean((p - y) ** 2))
        for lo, hi in itertools.pairwise(bins):
            sel = (p >= lo) & (p < hi)
            if sel.sum() == 0:
                continue
            print(
                f"| {m} | [{lo:.1f}, {min(hi, 1):.1f}] | {int(sel.sum())} | {p[sel].mean():.3f} | {y[sel].mean():.3f} "
                f"| {leader_right[m]}/{cases} | {brier:.4f} |"
            )


def part_timing(df: pl.DataFrame, draws: int) -> None:
    """One target (HellaSwag's loss) at C = 1e21 on the paper's sweep, from scratch: without and with the
    within-sweep error backtest; then the answer itself."""
    cands = candidates(df.filter(pl.col("split") == "sweep"))
    target = "downstream/hellaswag_test_ce_loss"
    r = None
    for rep in range(2):
        t0 = time.perf_counter()
        model = fit_rank_model(cands, target, draws=draws, seed=rep)
        t1 = time.perf_counter()
        rank(model, Budget(C=1e21))
        t2 = time.perf_counter()
        r = rank_datasets(cands, target, Budget(C=1e21), RankSettings(draws=draws, seed=rep))
        t3 = time.perf_counter()
        print(
            f"timing (run {rep + 1}, {draws} draws): fit {t1 - t0:.2f} s + rank with flip scan {t2 - t1:.2f} s; "
            f"rank_datasets with error backtest {t3 - t2:.2f} s",
            flush=True,
        )
    assert r is not None
    print(
        f"\nwhich dataset for HellaSwag at 1e21? leader {r.leader}, tie {r.tie}, contenders {list(r.contenders)}"
    )
    t = r.targets[0]
    print(f"flips within 1e20..1e22: {[f.to_dict() for f in t.flips]}; error model {t.draw_error.to_dict()}")
    print(
        "| rank | dataset | N* | D* | independent | translation | recommended | 90 % interval | P(best) | trust |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in t.rows:
        print(
            f"| {row.rank} | {row.dataset} | {row.N:.3g} | {row.D:.3g} | {row.independent:.4f} | {row.translation:.4f} "
            f"| {row.recommended:.4f} | [{row.lo:.4f}, {row.hi:.4f}] | {row.p_best:.2f} | {row.trust:.2f} |"
        )


def _pbest_lines(bt: object) -> list[str]:
    lines = ["| stated P(best) | leaders | mean stated | right |", "|---|---|---|---|"]
    for b in bt.calibration:  # type: ignore[attr-defined]
        if b.n:
            lines.append(f"| {b.lo:.2f}–{b.hi:.2f} | {b.n} | {b.stated:.2f} | {b.realised:.2f} |")
    return lines


def part_holdout(public: str) -> None:
    """rank --holdout as shipped, on the paper's table (held-out runs; within the sweep) and Porian et al.'s."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.io.tables import read_runs
    from l2l.workflows.rank_eval import rank_backtest

    paper = read_runs([DATA])
    cases = [
        ("paper: sweep → the 3.3B runs", paper, ["own", "downstream/*"], {"holdout_split": "extrapolation"}),
        (
            "paper: within the sweep, top budget held out",
            paper,
            ["own", "downstream/*"],
            {"split": "sweep", "holdout_top_compute": 1},
        ),
        (
            "Porian et al.: top budget held out",
            read_runs([public + "/porian2024_rsld.csv"]),
            ["own"],
            {"holdout_top_compute": 1},
        ),
    ]
    for label, runs, targets, how in cases:
        t0 = time.process_time()
        bt = rank_backtest(runs, targets, cache=FitCache(), calibrations=CalibrationCache(), **how)  # type: ignore[arg-type]
        print(f"\n## {label} ({time.process_time() - t0:.0f} s CPU)\n")
        print("| method | pairs right | accuracy |\n|---|---|---|")
        for m in bt.methods:
            print(f"| {m.method} | {m.right}/{m.pairs} | {100 * (m.accuracy or 0):.1f} % |")
        print(
            f"\nlaws used for {len(bt.laws_used)} of {sum(1 for t in bt.targets if t.points)} targets: "
            f"{', '.join(bt.laws_used) or 'none'}\n"
        )
        print("\n".join(_pbest_lines(bt)))


def part_stability() -> None:
    """P(best) of the paper's HellaSwag ranking at 1e21 over five seeds (4,000 joint draws each)."""
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.io.tables import read_runs
    from l2l.workflows.rank import rank_runs

    runs = read_runs([DATA])
    fits, cals = FitCache(), CalibrationCache()
    rows = []
    for seed in range(5):
        t0 = time.process_time()
        r = rank_runs(
            runs, ["hellaswag_test_ce"], C=1e21, split="sweep", seed=seed, cache=fits, calibrations=cals
        )
        rows.append({x.dataset: x.p_best for x in r.targets[0].rows})
        print(
            f"seed {seed} ({time.process_time() - t0:.1f} s CPU): "
            + ", ".join(f"{k} {v:.3f}" for k, v in rows[-1].items())
        )
    spread = max(max(r[k] for r in rows) - min(r[k] for r in rows) for k in rows[0])
    print(f"largest spread of a P(best) over the seeds: {spread:.3f}")


def main(argv: Sequence[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--part", nargs="+", default=["backtests", "calib", "timing"])
    ap.add_argument("--draws", type=int, default=50)
    ap.add_argument("--cases", type=int, default=200)
    ap.add_argument(
        "--backtest", action="store_true", help="calib: also the recommended method + sweep error"
    )
    ap.add_argument("--public", default="/work/shared/data/public", help="directory of the public tables")
    args = ap.parse_args(argv)
    df = pl.read_csv(DATA)
    for part in args.part:
        if part == "backtests":
            part_backtests(df, args.draws)
        elif part == "calib":
            part_calib(args.cases, args.draws, args.backtest)
        elif part == "timing":
            part_timing(df, args.draws)
        elif part == "holdout":
            part_holdout(args.public)
        elif part == "stability":
            part_stability()
        else:
            raise SystemExit(f"unknown part {part}")


if __name__ == "__main__":
    main()
