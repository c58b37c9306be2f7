"""Coverage of l2l.core.calibrate's predictive intervals: synthetic sweeps with a known truth, and the paper's runs.

    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py synthetic --seeds 25 --truth l2l
    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py synthetic --seeds 25 --truth chinchilla
    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py paper
    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py heldout --table paper      # the product's own path
    OMP_NUM_THREADS=1 python benchmarks/bench_calibration.py heldout --table eq1 --seeds 10 --form l2l

Each run prints a summary table and writes it (with every interval, as CSV) to benchmarks/results/calibration_*.
``heldout`` (issue 17) scores what ``l2l predict`` prints, through the library's own path (``predict_point``: the
law of each group's form, ``--form auto`` by default, corrected where its backtests showed that helps, with its
calibrated interval): every held-out run of every eval, fitted on the remaining runs. Tables: ``paper`` (split
sweep → extrapolation), ``porian`` (the public Porian et al. table, its largest budget held out), ``misfitting``
(the public (Mis)Fitting log, its largest 1, 2, ..., 6 budgets held out in turn), ``eq3`` (the
synthetic table of ``l2l.testing``, Eq. 3 truth, seeds), ``eq1`` (the same shape from Eq. 1 laws), ``wide`` (the
W&B-style export of ``l2l.testing.shapes``, Eq. 1 truth, four budgets), ``ladder`` (its per-step ladder: one
data mix, task losses and bits-per-byte, two large targets), ``shared`` (its shared-eval table: three datasets on
one validation mix), ``imbalanced`` (a dataset of 200 runs at irregular budgets beside one of 20).
Intervals are 90 % unless --level says otherwise. Methods compared, per kind of prediction:
- ``bootstrap``: the bootstrap alone (parameter uncertainty: what ``predict --bootstrap`` gives today);
- ``backtest``: the backtest-learned error model alone (bias-corrected estimate, conformal spread);
- ``backtest+bootstrap``: both, half-widths added in quadrature.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from l2l.core.backtest import BacktestOptions
from l2l.core.calibrate import Calibration, calibrate
from l2l.core.fit import LawFit, bootstrap_law, fit_law
from l2l.core.intervals import e_draws, prediction_sd
from l2l.core.laws import ScalingLaw
from l2l.core.loss_to_loss import TranslationInputs, shifted_power_draws
from l2l.core.predictive import (
    COMBINE_METHODS,
    Placement,
    PredictiveInterval,
    aspect_of,
    bootstrap_interval,
    combine_values,
    distance_of,
    span_of,
)
from l2l.core.sweep import Sweep, pair_configs
from l2l.testing import PAPER_LIKE_LAW, Shift

RESULTS = Path(__file__).parent / "results"
#: Porian et al.'s configurations with parameters counted the standard way and 12 budgets (each its own table)
PORIAN_CONFIGS = (
    "base|warmup=short|decay=chinchilla|params=standard",
    "tuned|warmup=short|decay=const|params=standard",
    "base|warmup=long|decay=kaplan|params=standard",
    "base|warmup=short|decay=kaplan|params=standard",
)
HOFFMANN = ScalingLaw("chinchilla", A=406.4, B=410.7, E=1.69, alpha=0.34, beta=0.28)
SHIFTS = {"beta": Shift(0.65, 1.08, 0.90), "gamma": Shift(1.05, 0.95, 2.20)}
BUDGETS = (2e17, 6e17, 2e18, 6e18, 2e19, 5e19)
OWN = {
    "fineweb-100b": "fineweb_100b_val",
    "fineweb-edu-100b": "fineweb_edu_100b_val",
    "proof-pile-2": "proof_pile_2_val",
    "slimpajama-chunk1": "slimpajama_val",
    "smollm-corpus": "smollm_val",
    "starcoder": "starcoder_val",
}


# ---------------------------------------------------------------------------------------------------------------
# Data
# ---------------------------------------------------------------------------------------------------------------


def synthetic_table(
    base: ScalingLaw, seed: int, noise: float = 0.004, target_C: float = 1e21
) -> tuple[dict[str, Sweep], dict[str, Sweep], dict[str, np.ndarray]]:
    """Sweeps of three datasets (base and two exact shifts of it) on an iso-FLOP grid, held-out runs at
    ``target_C`` and ``target_C / 5`` at 1/2, 1 and 2 × the base's N*, and the noise-free truth of every held-out
    run."""
    rng = np.random.default_rng(seed)
    ns, cs = [], []
    for c in BUDGETS:
        n_opt = float(base.compute_optimal(c)[0])
        for n in n_opt * np.geomspace(1 / 6, 6, 9):
            ns.append(n)
            cs.append(c)
    hn_l, hc_l = [], []
    for tc in (target_C / 5, target_C):
        n_opt_t = float(base.compute_optimal(tc)[0])
        hn_l += [n_opt_t / 2, n_opt_t, 2 * n_opt_t]
        hc_l += [tc] * 3
    hn, hc = np.array(hn_l), np.array(hc_l)
    sw_n, sw_c = np.array(ns), np.array(cs)

    def losses(n: np.ndarray, c: np.ndarray) -> dict[str, np.ndarray]:
        x = base.predict(n, c / (6 * n))
        out = {"alpha": x}
        for name, sh in SHIFTS.items():
            out[name] = sh.apply(x, base.E)
        return out

    sweeps, held, truth = {}, {}, {}
    t_sw, t_ho = losses(sw_n, sw_c), losses(hn, hc)
    for name in t_sw:
        y = t_sw[name] * np.exp(noise * rng.standard_normal(len(sw_n)))
        yh = t_ho[name] * np.exp(noise * rng.standard_normal(len(hn)))
        sweeps[name] = Sweep.of(sw_n, sw_c / (6 * sw_n), sw_c, y)
        held[name] = Sweep.of(hn, hc / (6 * hn), hc, yh)
        truth[name] = t_ho[name]
    return sweeps, held, truth


def paper_table(path: str) -> tuple[dict[str, Sweep], dict[str, Sweep]]:
    import polars as pl

    df = pl.read_csv(path)
    out: tuple[dict[str, Sweep], dict[str, Sweep]] = ({}, {})
    for k, split in enumerate(("sweep", "extrapolation")):
        for ds, ev in OWN.items():
            s = df.filter((pl.col("dataset") == ds) & (pl.col("eval") == ev) & (pl.col("split") == split))
            out[k][ds] = Sweep.of(*(s[c].to_numpy().astype(np.float64) for c in ("N", "D", "C", "loss")))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Intervals of every held-out value
# ---------------------------------------------------------------------------------------------------------------


def _row(
    kind: str, method: str, tgt: str, src: str, actual: float, truth: float | None, pi: PredictiveInterval
):
    return {
        "kind": kind,
        "method": method,
        "dataset": tgt,
        "source": src,
        "actual": actual,
        "truth": truth,
        "estimate": pi.estimate,
        "raw": pi.raw,
        "lo": pi.lo,
        "hi": pi.hi,
        "covered": pi.covers(actual),
        "covered_truth": None if truth is None else pi.covers(truth),
        "half_width": pi.half_width,
        "abs_error": abs(pi.estimate / actual - 1),
        "raw_abs_error": abs(pi.raw / actual - 1),
        "lower_bound_only": pi.lower_bound_only,
        "distance": pi.distance,
    }


def _direct_rows(
    sweeps: Mapping[str, Sweep],
    held: Mapping[str, Sweep],
    cal: Calibration,
    fits: Mapping[str, LawFit],
    truth: Mapping[str, np.ndarray] | None,
    level: float,
) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for ds, h in held.items():
        sw, fit = sweeps[ds], fits[ds]
        span = span_of(sw.max_C, float(sw.C.min()))
        for k in range(len(h.N)):
            n, d, c, y = float(h.N[k]), float(h.D[k]), float(h.C[k]), float(h.loss[k])
            tr = None if truth is None else float(truth[ds][k])
            pred = float(fit.predict(n, d))
            dist = distance_of(c, sw.max_C)
            sd = prediction_sd(fit, n, d)
            asp = float(aspect_of(fit, np.array([n]), np.array([d]))[0])
            rows.append(_row("direct", "bootstrap", ds, "", y, tr, bootstrap_interval(pred, dist, sd, level)))
            if cal.direct is None:
                continue
            for method, sd_used in (("backtest", 0.0), ("backtest+bootstrap", sd)):
                pi = cal.direct.interval(pred, Placement(dist, span, asp, ds), level, sd_used)
                rows.append(_row("direct", method, ds, "", y, tr, pi))
    return rows


Single = tuple[float, float, float, float]  # prediction, in-sample resid sd, distance, aspect


def _translation_rows(
    a: str,
    b: str,
    sweeps: Mapping[str, Sweep],
    held: Mapping[str, Sweep],
    cal: Calibration,
    fits: Mapping[str, LawFit],
    truth: Mapping[str, np.ndarray] | None,
    level: float,
    draws: int,
    seed: int,
    singles: dict[tuple[str, int], list[Single]],
) -> list[dict[str, object]]:
    """Translations a → b of the measured held-out source losses (and the singles kept for combining)."""
    ii, jj = pair_configs(sweeps[a].N, sweeps[a].D, sweeps[b].N, sweeps[b].D)
    hi_, hj = pair_configs(held[a].N, held[a].D, held[b].N, held[b].D)
    if len(hi_) == 0:
        return []
    pairs = TranslationInputs.of(
        sweeps[a].loss[ii],
        sweeps[b].loss[jj],
        fits[a].law.E,
        fits[b].law.E,
        e_draws(fits[a]),
        e_draws(fits[b]),
    )
    best, dr = shifted_power_draws(pairs, draws=draws, seed=seed)
    sw = sweeps[b]
    span = span_of(sw.max_C, float(sw.C.min()))
    rows: list[dict[str, object]] = []
    for i, j in zip(hi_, hj, strict=True):
        x, y = float(held[a].loss[i]), float(held[b].loss[j])
        if x <= best.E0:
            continue
        tr = None if truth is None else float(truth[b][j])
        pred = float(best.predict(x))
        ok = dr[:, 2] < x
        sd = float(np.std(np.log(dr[ok, 0] * np.power(x - dr[ok, 2], dr[ok, 1]) + dr[ok, 3]), ddof=1))
        dist = distance_of(float(held[b].C[j]), sw.max_C)
        asp = float(aspect_of(fits[b], held[b].N[j : j + 1], held[b].D[j : j + 1])[0])
        rows.append(_row("translation", "bootstrap", b, a, y, tr, bootstrap_interval(pred, dist, sd, level)))
        if cal.translation is not None:
            for method, sd_used in (("backtest", 0.0), ("backtest+bootstrap", sd)):
                pi = cal.translation.interval(pred, Placement(dist, span, asp, f"{a}→{b}"), level, sd_used)
                rows.append(_row("translation", method, b, a, y, tr, pi))
        singles.setdefault((b, int(j)), []).append((pred, best.resid_sd, dist, asp))
    return rows


def intervals(
    sweeps: Mapping[str, Sweep],
    held: Mapping[str, Sweep],
    cal: Calibration,
    fits: Mapping[str, LawFit],
    truth: Mapping[str, np.ndarray] | None = None,
    level: float = 0.9,
    draws: int = 200,
    seed: int = 0,
) -> list[dict[str, object]]:
    rows = _direct_rows(sweeps, held, cal, fits, truth, level)
    singles: dict[tuple[str, int], list[Single]] = {}
    for a in sweeps:
        for b in sweeps:
            if a != b:
                rows += _translation_rows(a, b, sweeps, held, cal, fits, truth, level, draws, seed, singles)
    for (b, j), items in singles.items():
        if len(items) < 2:
            continue
        y = float(held[b].loss[j])
        tr = None if truth is None else float(truth[b][j])
        span = span_of(sweeps[b].max_C, float(sweeps[b].C.min()))
        vals = np.array([it[0] for it in items])
        sds = np.array([it[1] for it in items])
        dist, asp = items[0][2], items[0][3]
        for meth in COMBINE_METHODS:
            model = cal.combined.get(meth)
            if model is not None:
                pi = model.interval(combine_values(vals, meth, sds), Placement(dist, span, asp, b), level)
                rows.append(_row(f"combined:{meth}", "backtest", b, "all", y, tr, pi))
    return rows


def summarise(rows: Sequence[Mapping[str, object]], by_distance: bool = False) -> list[dict[str, object]]:
    def key(r: Mapping[str, object]) -> tuple[str, str]:
        kind = str(r["kind"]) + (f" @ {math.exp(float(r['distance'])):.0f}×" if by_distance else "")  # type: ignore[arg-type]
        return kind, str(r["method"])

    keys = sorted({key(r) for r in rows})
    out = []
    for kind, method in keys:
        sel = [r for r in rows if key(r) == (kind, method)]
        cov = np.array([bool(r["covered"]) for r in sel])
        cov_t = [bool(r["covered_truth"]) for r in sel if r["covered_truth"] is not None]
        hw = np.array([float(r["half_width"]) for r in sel])  # type: ignore[arg-type]
        ae = np.array([float(r["abs_error"]) for r in sel])  # type: ignore[arg-type]
        rae = np.array([float(r["raw_abs_error"]) for r in sel])  # type: ignore[arg-type]
        out.append(
            {
                "kind": kind,
                "method": method,
                "n": len(sel),
                "coverage": float(cov.mean()),
                "covered": int(cov.sum()),
                "coverage_truth": float(np.mean(cov_t)) if cov_t else None,
                "median_half_width": float(np.median(hw)),
                "median_abs_error": float(np.median(ae)),
                "halfwidth_over_abs_error": float(np.median(hw) / max(np.median(ae), 1e-12)),
                "mean_abs_error": float(np.mean(ae)),
                "mean_raw_abs_error": float(np.mean(rae)),
            }
        )
    return out


def table(summary: Sequence[Mapping[str, object]]) -> str:
    lines = [
        "| kind | method | n | coverage | coverage of noise-free truth | median half-width | median abs error | "
        "ratio | mean abs error (raw → estimate) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for s in summary:
        ct = s["coverage_truth"]
        lines.append(
            f"| {s['kind']} | {s['method']} | {s['n']} | {s['covered']}/{s['n']} = {100 * float(s['coverage']):.1f} % "  # type: ignore[arg-type]
            f"| {'–' if ct is None else f'{100 * float(ct):.1f} %'} | {100 * float(s['median_half_width']):.2f} % "  # type: ignore[arg-type]
            f"| {100 * float(s['median_abs_error']):.2f} % | {float(s['halfwidth_over_abs_error']):.1f}× "  # type: ignore[arg-type]
            f"| {100 * float(s['mean_raw_abs_error']):.2f} % → {100 * float(s['mean_abs_error']):.2f} % |"  # type: ignore[arg-type]
        )
    return "\n".join(lines)


def fit_all(sweeps: Mapping[str, Sweep], form: str, draws: int, seed: int) -> dict[str, LawFit]:
    out = {}
    for ds, s in sweeps.items():
        f = fit_law(s.N, s.D, s.loss, form=form)
        out[ds] = bootstrap_law(f, s.N, s.D, s.loss, draws=draws, groups=s.N, seed=seed, unit="N")
    return out


def write(
    name: str,
    rows: Sequence[Mapping[str, object]],
    summary: Sequence[Mapping[str, object]],
    meta: dict[str, object],
) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"calibration_{name}.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    text = f"# {' '.join(sys.argv)}\n# {json.dumps(meta)}\n\n{table(summary)}\n"
    if len({round(float(r["distance"]), 3) for r in rows}) > 1:  # type: ignore[arg-type]
        text += (
            f"\nBy distance (compute ratio to the largest fitted budget):\n\n{table(summarise(rows, True))}\n"
        )
    (RESULTS / f"calibration_{name}.md").write_text(text)
    print(text)


def run_synthetic(args: argparse.Namespace) -> None:
    base = PAPER_LIKE_LAW if args.truth == "l2l" else HOFFMANN
    rows: list[dict[str, object]] = []
    t_cal, t0 = [], time.perf_counter()
    models = []
    for seed in range(args.seeds):
        sweeps, held, truth = synthetic_table(base, seed, noise=args.noise)
        t = time.perf_counter()
        cal = calibrate(sweeps, BacktestOptions(form=args.form))
        t_cal.append(time.perf_counter() - t)
        fits = fit_all(sweeps, args.form, args.draws, seed)
        for r in intervals(sweeps, held, cal, fits, truth, level=args.level, draws=args.draws, seed=seed):
            r["seed"] = seed
            rows.append(r)
        if cal.direct is not None:
            models.append(cal.direct.to_dict())
        print(f"seed {seed}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    summary = summarise(rows)
    meta = {
        "truth": args.truth,
        "fitted_form": args.form,
        "seeds": args.seeds,
        "noise": args.noise,
        "level": args.level,
        "calibrate_s_median": float(np.median(t_cal)),
        "direct_bias_slope_median": float(np.median([m["bias_slope"] for m in models])) if models else None,
        "seconds": time.perf_counter() - t0,
    }
    write(f"synthetic_{args.truth}", rows, summary, meta)


def run_paper(args: argparse.Namespace) -> None:
    sweeps, held = paper_table(args.runs)
    t = time.perf_counter()
    cal = calibrate(sweeps, BacktestOptions(form=args.form))
    t_cal = time.perf_counter() - t
    t = time.perf_counter()
    fits = fit_all(sweeps, args.form, args.draws, 0)
    t_fit = time.perf_counter() - t
    rows = intervals(sweeps, held, cal, fits, None, level=args.level, draws=args.draws)
    summary = summarise(rows)
    # single source vs the mean of sources, raw (no bias correction), on the held-out runs
    single = [
        float(r["raw_abs_error"]) for r in rows if r["kind"] == "translation" and r["method"] == "bootstrap"
    ]  # type: ignore[arg-type]
    comb = {
        m: float(np.mean([float(r["raw_abs_error"]) for r in rows if r["kind"] == f"combined:{m}"]))  # type: ignore[arg-type]
        for m in COMBINE_METHODS
    }
    bt = cal.backtest
    bt_single = float(np.mean([abs(math.expm1(-e.log_error)) for e in bt.translation]))
    bt_comb = {m: float(np.mean([abs(math.expm1(-e.log_error)) for e in v])) for m, v in bt.combined.items()}
    by_cut: dict[str, dict[str, float]] = {}
    for name, errs in (("single", bt.translation), *bt.combined.items()):
        by_cut[name] = {
            f"{c:.3g}": float(np.mean([abs(math.expm1(-e.log_error)) for e in errs if e.cutoff == c]))
            for c in bt.cutoffs
        }
    meta = {
        "level": args.level,
        "form": args.form,
        "calibrate_s": t_cal,
        "fit_and_bootstrap_6_laws_s": t_fit,
        "error_models": cal.to_dict(),
        "heldout_mean_rel_error_single_source": float(np.mean(single)),
        "heldout_mean_rel_error_combined": comb,
        "backtest_mean_rel_error_single_source": bt_single,
        "backtest_mean_rel_error_combined": bt_comb,
        "backtest_mean_rel_error_by_cutoff": by_cut,
    }
    write("paper", rows, summary, meta)


def run_timing(args: argparse.Namespace) -> None:
    """What a calibrated ``predict`` costs on the paper's sweep: the six own-loss fits, the backtests (full grid
    of starts, or warm-started from the full fits), one bootstrap, one interval. Side by side in one process."""
    from l2l.core.intervals import direct_interval

    sweeps, held = paper_table(args.runs)
    out: dict[str, float] = {}
    for rep_ in range(args.repeats):
        t = time.perf_counter()
        fits = {k: fit_law(s.N, s.D, s.loss, form=args.form) for k, s in sweeps.items()}
        t_fit = time.perf_counter() - t
        t = time.perf_counter()
        cal_grid = calibrate(sweeps, BacktestOptions(form=args.form))
        t_grid = time.perf_counter() - t
        t = time.perf_counter()
        cal_warm = calibrate(
            sweeps, BacktestOptions(form=args.form, warm_starts={k: f.law.theta for k, f in fits.items()})
        )
        t_warm = time.perf_counter() - t
        t = time.perf_counter()
        ds = "fineweb-edu-100b"
        s = sweeps[ds]
        boot = bootstrap_law(fits[ds], s.N, s.D, s.loss, draws=args.draws, groups=s.N, seed=0, unit="N")
        h = held[ds]
        pi = direct_interval(boot, float(h.N[0]), float(h.D[0]), float(h.C[0]), s, cal_warm.direct)
        t_one = time.perf_counter() - t
        assert cal_grid.direct is not None
        assert cal_warm.direct is not None
        row = {
            "six_fits_s": t_fit,
            "calibrate_grid_s": t_grid,
            "calibrate_warm_s": t_warm,
            "bootstrap_and_interval_s": t_one,
            "direct_bias_slope_grid": cal_grid.direct.bias_slope,
            "direct_bias_slope_warm": cal_warm.direct.bias_slope,
            "interval_lo": pi.lo,
            "interval_hi": pi.hi,
        }
        print(rep_, json.dumps(row))
        for k, v in row.items():
            out[k] = min(out.get(k, math.inf), v) if k.endswith("_s") else v
    RESULTS.mkdir(parents=True, exist_ok=True)
    text = f"# {' '.join(sys.argv)}\n# best of {args.repeats} (noisy: 2 shared cores)\n{json.dumps(out, indent=1)}\n"
    (RESULTS / "calibration_timing.txt").write_text(text)
    print(text)


# ---------------------------------------------------------------------------------------------------------------
# heldout: the product's own path, on run tables
# ---------------------------------------------------------------------------------------------------------------


def _eq1_runs(seed: int, noise: float) -> list[dict[str, object]]:
    """The synthetic table's shape (three datasets, six budgets of nine sizes, a 3.3B run at 1e21 held out), each
    dataset's own loss and two task losses from Eq. 1 laws."""
    rng = np.random.default_rng(seed)
    laws = {
        "alpha": HOFFMANN,
        "beta": ScalingLaw("chinchilla", A=360.0, B=450.0, E=1.45, alpha=0.35, beta=0.29),
        "gamma": ScalingLaw("chinchilla", A=450.0, B=380.0, E=1.95, alpha=0.33, beta=0.27),
    }
    rows: list[dict[str, object]] = []
    configs = [
        (n, c) for c in BUDGETS for n in float(HOFFMANN.compute_optimal(c)[0]) * np.geomspace(1 / 6, 6, 9)
    ]
    configs.append((3.3e9, 1e21))
    for ds, law in laws.items():
        for i, (n, c) in enumerate(configs):
            d = c / (6 * n)
            split = "extrapolation" if c == 1e21 else "sweep"
            for ev, shift in ((f"{ds}_val", 0.0), ("downstream/quiz", 0.4), ("downstream/cloze", 0.9)):
                y = float(law.predict(n, d)) + shift
                rows.append(
                    {
                        "dataset": ds,
                        "N": float(n),
                        "D": float(d),
                        "C": float(c),
                        "eval": ev,
                        "run_id": f"m{i:03d}",
                        "split": split,
                        "loss": y * math.exp(noise * rng.standard_normal()),
                    }
                )
    return rows


def _heldout_tables(args: argparse.Namespace) -> list[tuple[str, object, str | None, int | None]]:
    """(label, Runs, holdout split, holdout top budgets) of the tables asked for."""
    import tempfile

    from l2l.io.tables import read_runs
    from l2l.testing import SyntheticSpec, synthetic_runs, write_csv

    out: list[tuple[str, object, str | None, int | None]] = []
    tmp = Path(tempfile.mkdtemp())
    if args.table == "paper":
        out.append(("paper", read_runs([args.runs]), "extrapolation", None))
    elif args.table == "porian":
        from l2l.io.selection import Where

        # one table per training configuration (the same (dataset, N, D) under several configs are different runs)
        for cfg in PORIAN_CONFIGS:
            runs = read_runs([args.public + "/porian2024_rsld.csv"], where=(Where("config", cfg),))
            out.append((f"porian {cfg}", runs, None, 1))
    elif args.table == "misfitting":
        # the (Mis)Fitting per-checkpoint log (one dataset, c4): each run's final checkpoint, the best peak
        # learning rate of each (N, D) (`l2l ingest FILE --best-of peak_lr`); its largest budget holds one run,
        # so the largest 1, 2, ..., 6 budgets are held out in turn (six backtests, 21 predictions, overlapping)
        runs = read_runs([args.public + "/misfitting_li2025.csv"], best_of="peak_lr")
        out += [(f"misfitting top {k}", runs, None, k) for k in range(1, 7)]
    tables = ("eq3", "eq1", "far", "wide", "ladder", "shared", "imbalanced", "small")
    for seed in range(args.seeds if args.table in tables else 0):
        path = tmp / f"{args.table}{seed}.csv"
        if args.table == "eq3":
            write_csv(synthetic_runs(SyntheticSpec(seed=seed, noise=args.noise)), str(path))
            out.append((f"eq3 seed {seed}", read_runs([path]), "extrapolation", None))
        elif args.table == "far":
            # a short sweep (five budgets, six sizes each: two backtest cutoffs) predicted 50x beyond its largest
            # budget, further than any backtest reaches
            spec = SyntheticSpec(
                seed=seed,
                noise=args.noise,
                budgets=(1e17, 3e17, 1e18, 3e18, 1e19),
                sizes_per_budget=6,
                holdout_budget=5e20,
                holdout_size=2e9,
            )
            write_csv(synthetic_runs(spec), str(path))
            out.append((f"far seed {seed}", read_runs([path]), "extrapolation", None))
        elif args.table == "eq1":
            write_csv(_eq1_runs(seed, args.noise), str(path))
            out.append((f"eq1 seed {seed}", read_runs([path]), "extrapolation", None))
        elif args.table in ("ladder", "shared", "imbalanced", "small"):
            from l2l.testing.shapes import imbalanced, per_step_ladder, shared_eval, small_ladders

            make = {
                "ladder": per_step_ladder,
                "shared": shared_eval,
                "imbalanced": imbalanced,
                "small": small_ladders,
            }[args.table]
            shape = make(seed)
            shape.write(str(path))
            out.append((f"{args.table} seed {seed}", read_runs([path]), shape.holdout_split, None))
        else:
            from l2l.testing.shapes import wide_export

            wide_export(seed).write(str(path))
            runs = read_runs([path], wide=True, columns={"run_id": "Name", "split": "Tags"})
            out.append((f"wide seed {seed}", runs, "heldout", None))
    return out


#: held-out (table, dataset/eval) that ``predict`` refuses (a poor law beyond its sweep: ``refuse_beyond``)
REFUSED: list[str] = []


def _heldout_rows(
    label: str, runs: object, split: str | None, top: int | None, args: argparse.Namespace
) -> list[dict[str, object]]:
    """Every held-out run of every eval, predicted as ``l2l predict`` predicts it from the remaining runs."""
    from l2l.base.errors import FitError, SelectionError
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache, FitOptions
    from l2l.workflows.evaluate import plan_holdout
    from l2l.workflows.lawbook import LawBook
    from l2l.workflows.predict import predict_point

    plan = plan_holdout(runs, holdout_split=split, holdout_top_compute=top)  # type: ignore[arg-type]
    book = LawBook(
        plan.train,
        FitOptions(form=args.form),
        saved=FitCache(),
        own_eval=plan.own_eval,
        calibrations=CalibrationCache(),
        flops_per_param_token=runs.flops_per_param_token,  # type: ignore[attr-defined]
    )
    rows: list[dict[str, object]] = []
    for ds, ev, n, d, y in plan.hidden.select("dataset", "eval", "N", "D", "loss").iter_rows():
        if not book.sweeps.has(ds, ev):
            continue
        try:
            p = predict_point(book, ds, ev, float(n), float(d), level=args.level)
        except (FitError, SelectionError) as exc:
            if "beyond the sweep's largest budget: the law is poor" in exc.message:
                REFUSED.append(f"{label} {ds}/{ev}")  # refused, as predict refuses it: counted in the summary
            continue
        pi = p.interval
        rows.append(
            {
                "table": label,
                "dataset": ds,
                "eval": ev,
                "kind": "own" if plan.own_eval.get(ds) == ev else "other",
                "form": p.fit.form,
                "N": n,
                "D": d,
                "actual": y,
                "estimate": pi.estimate,
                "raw": pi.raw,
                "lo": pi.lo,
                "hi": pi.hi,
                "covered": pi.lo <= y <= pi.hi,
                "half_width": pi.half_width,
                "abs_error": abs(pi.estimate / y - 1),
                "raw_abs_error": abs(pi.raw / y - 1),
                "lower_bound_only": pi.lower_bound_only,
                "flagged": p.flag is not None,
                "C_ratio": p.ratios[0],
                "N_ratio": p.ratios[1],
            }
        )
    return rows


def run_heldout(args: argparse.Namespace) -> None:
    rows: list[dict[str, object]] = []
    t0 = time.perf_counter()
    for label, runs, split, top in _heldout_tables(args):
        rows += _heldout_rows(label, runs, split, top, args)
        print(f"{label}: {time.perf_counter() - t0:.0f} s", file=sys.stderr)
    lines = [
        "| evals | n | coverage | median half-width | median abs error | half-width / error | mean abs error "
        "(law → estimate) | lower bounds | forms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    parts = {
        "own": lambda r: r["kind"] == "own",
        "other": lambda r: r["kind"] == "other",
        "other, calibrated": lambda r: r["kind"] == "other" and not r["lower_bound_only"],
        "other, lower bound (poor law or no backtest)": lambda r: (
            r["kind"] == "other" and r["lower_bound_only"]
        ),
        "all": lambda _r: True,
        "all, calibrated": lambda r: not r["lower_bound_only"],
    }
    for kind, keep in parts.items():
        sel = [r for r in rows if keep(r)]
        if not sel:
            continue
        cov = np.mean([bool(r["covered"]) for r in sel])
        hw = float(np.median([float(r["half_width"]) for r in sel]))  # type: ignore[arg-type]
        ae = float(np.median([float(r["abs_error"]) for r in sel]))  # type: ignore[arg-type]
        forms = {f: sum(1 for r in sel if r["form"] == f) for f in sorted({str(r["form"]) for r in sel})}
        lines.append(
            f"| {kind} | {len(sel)} | {sum(bool(r['covered']) for r in sel)}/{len(sel)} = {100 * cov:.1f} % | "
            f"{100 * hw:.2f} % | {100 * ae:.2f} % | {hw / max(ae, 1e-12):.1f}× | "
            f"{100 * np.mean([float(r['raw_abs_error']) for r in sel]):.2f} % → "  # type: ignore[arg-type]
            f"{100 * np.mean([float(r['abs_error']) for r in sel]):.2f} % | "  # type: ignore[arg-type]
            f"{sum(bool(r['lower_bound_only']) for r in sel)} | {forms} |"
        )
    name = f"heldout_{args.table}_{args.form}"
    RESULTS.mkdir(parents=True, exist_ok=True)
    with (RESULTS / f"calibration_{name}.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0].keys()), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    if REFUSED:
        lines.append(
            f"\nrefused beyond the sweep (poor laws, no prediction, not in the rows above): {len(REFUSED)} held-out "
            "values"
        )
    text = f"# {' '.join(sys.argv)}\n# {time.perf_counter() - t0:.0f} s\n\n" + "\n".join(lines) + "\n"
    (RESULTS / f"calibration_{name}.md").write_text(text)
    print(text)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=("synthetic", "paper", "timing", "heldout"))
    ap.add_argument(
        "--table",
        choices=(
            "paper",
            "porian",
            "misfitting",
            "eq3",
            "eq1",
            "far",
            "wide",
            "ladder",
            "shared",
            "imbalanced",
            "small",
        ),
        default="paper",
    )
    here = Path(__file__).resolve().parent.parent
    public = [
        p / "shared/data/public" for p in (here.parent, here.parent.parent)
    ]  # beside the checkout or a worktree
    ap.add_argument("--public", default=str(next((p for p in public if p.exists()), public[0])))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seeds", type=int, default=25)
    ap.add_argument("--truth", choices=("l2l", "chinchilla"), default="l2l")
    ap.add_argument("--form", default="l2l")
    ap.add_argument("--noise", type=float, default=0.004)
    ap.add_argument("--level", type=float, default=0.9)
    ap.add_argument("--draws", type=int, default=200)
    ap.add_argument("--runs", default="sample_data/brandfonbrener2024_runs.csv")
    args = ap.parse_args()
    {"synthetic": run_synthetic, "paper": run_paper, "timing": run_timing, "heldout": run_heldout}[args.what](
        args
    )


if __name__ == "__main__":
    main()
