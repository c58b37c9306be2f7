"""Benchmark: downstream accuracy from a loss (issue 12), on the paper's 535 runs.

Run by hand (not a test):

    OMP_NUM_THREADS=1 python benchmarks/bench_accuracy.py                       # held out: the six 3.3B runs
    OMP_NUM_THREADS=1 python benchmarks/bench_accuracy.py --protocol backtest   # within the sweep (design choice)

Protocols:
- ``heldout``: fit on split=sweep; truth = the six 3.3B runs at 1e21 FLOPs (split=extrapolation).
- ``backtest``: sweep only; fit on the budgets at most a tenth of the largest (C ≤ 4.6e18); truth = the ~11 runs
  per dataset at the largest sweep budget (4.84e19), a 10× extrapolation like the held-out runs' 20×. Used to
  choose between designs without looking at the 3.3B runs.

For every accuracy eval (matched to its task loss by the task stem, ``hellaswag_test_len_norm`` ↔
``hellaswag_test_ce_loss``) and every held-out run, each method predicts the accuracy; the table gives the mean
absolute error in accuracy points over the seven OLMo tasks, over the 19 per-task evals, and over all 21 (the two
suite averages predicted as the mean of their tasks' predictions, or fitted directly for own-loss methods).
Each loss-based method runs from the MEASURED input loss of the held-out run (the loss → accuracy step alone) and
from a PREDICTED one (the whole chain: the input loss's Eq. 3 law, ``l2l.core.fit.fit_law``, fitted on the dataset's
training runs and extrapolated to the held-out (N, D)).

Methods:
- baseline: the accuracy of the training run at the largest budget with the lowest own loss (per dataset);
- power-own: the paper's Appendix B, 1 − acc = K·(L − E0)^κ + E1 on the model's own loss, per dataset, E0 from
  the own law, E1 free;
- sigmoid variants of the task loss (see DESIGNS): pooled or per dataset, floor fitted or fixed at chance, ceiling
  fitted or fixed at 1; and of the own loss.
- each loss-based method also runs from a TRANSLATED input loss (the paper's chain from the other datasets'
  measured held-out runs: train-train onto the dataset's own loss, averaged over sources, then train-test onto the
  task loss; see ``translated_losses``).
Coverage: the recommended design's 90 % bootstrap predictive interval (--draws, seeded), with errors drawn from the
in-sample residuals or (default) from the within-run backtest, from the measured loss, from the predicted loss
with the loss law's own bootstrap (resampling runs) propagated, and from the translated loss.
Wall time on the shared 2-core machine (noisy): heldout ~3 min, backtest ~8 min with --draws 100.
Data: --data DIR (default /work/shared/data; sample_data/ holds the same two files).
"""

from __future__ import annotations

import argparse
import json
import pickle
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import polars as pl

from l2l.core.accuracy import AccuracyFit, fit_accuracy
from l2l.core.fit import bootstrap_law, fit_law

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/data")
RESULTS = ROOT / "benchmarks" / "results"
OWN_EVAL = {
    "fineweb-100b": "fineweb_100b_val",
    "fineweb-edu-100b": "fineweb_edu_100b_val",
    "proof-pile-2": "proof_pile_2_val",
    "slimpajama-chunk1": "slimpajama_val",
    "smollm-corpus": "smollm_val",
    "starcoder": "starcoder_val",
}
OLMO7 = ("arc_challenge", "arc_easy", "hellaswag", "openbook_qa", "piqa", "sciq", "winogrande")
SUITES = {
    "olmo_suite": [f"{t}_test" for t in OLMO7],
    "mmlu_suite": [f"mmlu_{s}_test" for s in ("humanities", "other", "social_sciences", "stem")],
}
# The data README's table: 4-way tasks 0.25, 2-way 0.5, the imbue tasks vary (no chance level given).
CHANCE_2WAY = ("boolq", "piqa", "winogrande")


def chance_of(stem: str) -> float | None:
    if stem.startswith("imbue"):
        return None
    return 0.5 if stem.startswith(CHANCE_2WAY) else 0.25


def stem_of(name: str) -> str:
    name = name.removeprefix("downstream/")
    for suffix in ("_ce_loss", "_len_norm", "_acc"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@dataclass(frozen=True)
class Design:
    """One way to predict accuracy from a loss."""

    name: str
    x: str  # "task" (the task's own CE loss) or "own" (the model's own loss)
    form: str
    kwargs: dict[str, object]


DESIGNS: tuple[Design, ...] = (
    Design("power-own (paper)", "own", "power", {"pooling": "separate"}),
    Design("sig-task pooled, floor fit, ceil fit", "task", "sigmoid", {"pooling": "pooled", "ceiling": None}),
    Design(
        "sig-task pooled, floor chance, ceil fit",
        "task",
        "sigmoid",
        {"pooling": "pooled", "floor": "chance", "ceiling": None},
    ),
    Design("sig-task pooled, floor fit, ceil 1", "task", "sigmoid", {"pooling": "pooled", "ceiling": 1.0}),
    Design(
        "sig-task pooled, floor chance, ceil 1",
        "task",
        "sigmoid",
        {"pooling": "pooled", "floor": "chance", "ceiling": 1.0},
    ),
    Design(
        "sig-task separate, floor fit, ceil 1", "task", "sigmoid", {"pooling": "separate", "ceiling": 1.0}
    ),
    Design("sig-task auto, floor fit, ceil 1", "task", "sigmoid", {"pooling": "auto", "ceiling": 1.0}),
    Design("sig-own separate, floor fit, ceil 1", "own", "sigmoid", {"pooling": "separate", "ceiling": 1.0}),
)
RECOMMENDED = "sig-task auto, floor fit, ceil 1"


def load(data: Path) -> pl.DataFrame:
    """One row per (run, accuracy eval): accuracy, the task's own CE loss (null for the suites), the own loss."""
    runs = pl.read_csv(data / "brandfonbrener2024_runs.csv")
    acc = pl.read_csv(data / "brandfonbrener2024_accuracy.csv")
    stem = pl.col("eval").map_elements(stem_of, return_dtype=pl.Utf8).alias("stem")
    runs = runs.with_columns(stem)
    own = runs.filter(pl.col("eval") == pl.col("dataset").replace(OWN_EVAL)).select(
        "run_id", pl.col("loss").alias("own")
    )
    task = runs.filter(pl.col("eval").str.ends_with("_ce_loss")).select(
        "run_id", "stem", pl.col("loss").alias("task_loss")
    )
    return (
        acc.with_columns(stem)
        .join(own, on="run_id", how="left")
        .join(task, on=["run_id", "stem"], how="left")
        .rename({"value": "acc"})
    )


def split(table: pl.DataFrame, protocol: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    sweep = table.filter(pl.col("split") == "sweep")
    if protocol == "heldout":
        return sweep, table.filter(pl.col("split") == "extrapolation")
    top = float(np.max(sweep["C"].to_numpy()))
    return sweep.filter(pl.col("C") <= top / 10), sweep.filter(pl.col("C") == top)


def predicted_losses(
    runs: pl.DataFrame, train_ids: set[str], test: pl.DataFrame, draws: int
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], float], dict[tuple[str, str], np.ndarray]]:
    """(run_id, stem or 'own') → predicted loss; (dataset, stem or 'own') → E of its law; bootstrap draws."""
    pred: dict[tuple[str, str], float] = {}
    e_own: dict[tuple[str, str], float] = {}
    boot: dict[tuple[str, str], np.ndarray] = {}
    tests = test.select("run_id", "dataset", "N", "D").unique()
    for ds in sorted(OWN_EVAL):
        mine = runs.filter((pl.col("dataset") == ds) & pl.col("run_id").is_in(list(train_ids)))
        t = tests.filter(pl.col("dataset") == ds)
        for ev in [OWN_EVAL[ds], *sorted({e for e in runs["eval"].unique() if e.endswith("_ce_loss")})]:
            key = "own" if ev == OWN_EVAL[ds] else stem_of(ev)
            s = mine.filter(pl.col("eval") == ev)
            n, d, y = s["N"].to_numpy(), s["D"].to_numpy(), s["loss"].to_numpy()
            f = fit_law(n, d, y, dataset=ds, eval=ev)
            e_own[(ds, key)] = f.law.E
            if draws:
                f = bootstrap_law(f, n, d, y, draws=draws, seed=0)
            for rid, _, nn, dd in t.iter_rows():
                pred[(rid, key)] = float(f.predict(nn, dd))
                if draws and f.bootstrap is not None:
                    from l2l.core.laws import log_loss

                    boot[(rid, key)] = np.exp(log_loss("l2l", f.bootstrap, np.log([nn]), np.log([dd])))[:, 0]
    return pred, e_own, boot


def translated_losses(
    train: pl.DataFrame, test: pl.DataFrame, E: dict[tuple[str, str], float]
) -> dict[tuple[str, str], float]:
    """The paper's chain, from the other datasets' MEASURED held-out runs: (run_id, stem or 'own') → loss.

    For a held-out run of P1 and each other dataset P0 with a held-out run at the same (N, C): P0's measured own
    loss → P1's own loss (train-train, fitted on the training runs paired on (N, C), E0 and E1 from the own laws);
    the five translated own losses are averaged; then P1's own → task loss (train-test on P1's training runs, E1
    from the task loss's law).
    """
    from l2l.base.errors import FitError
    from l2l.workflows.translate import fit_loss_to_loss

    runs_tr = train.select("run_id", "dataset", "N", "C", "own").unique()
    runs_te = test.select("run_id", "dataset", "N", "C", "own").unique()
    out: dict[tuple[str, str], float] = {}
    for rid, p1, n, c, _ in runs_te.iter_rows():
        xs = []
        for _, p0, _, _, own0 in runs_te.filter(
            (pl.col("dataset") != p1) & (pl.col("N") == n) & (pl.col("C") == c)
        ).iter_rows():
            pairs = runs_tr.filter(pl.col("dataset") == p0).join(
                runs_tr.filter(pl.col("dataset") == p1), on=["N", "C"], suffix="_1"
            )
            try:
                tt = fit_loss_to_loss(pairs["own"], pairs["own_1"], E0=E[(p0, "own")], E1=E[(p1, "own")])
                xs.append(float(tt.predict(own0)))
            except FitError:
                continue
        if not xs:
            continue
        out[(rid, "own")] = float(np.mean(xs))
        mine = train.filter((pl.col("dataset") == p1) & pl.col("task_loss").is_not_null())
        for (stem,), g in mine.group_by("stem"):
            try:
                tr = fit_loss_to_loss(g["own"], g["task_loss"], E0=E[(p1, "own")], E1=E[(p1, str(stem))])
                out[(rid, str(stem))] = float(tr.predict(out[(rid, "own")]))
            except FitError:
                continue
    return out


def baseline(train: pl.DataFrame, test: pl.DataFrame) -> dict[tuple[str, str], float]:
    """Accuracy of the run at the largest training budget with the lowest own loss, per (dataset, eval)."""
    out: dict[tuple[str, str], float] = {}
    for (ds, ev), g in train.group_by("dataset", "eval"):
        top = g.filter(pl.col("C") == g["C"].max()).sort("own")
        for rid in test.filter((pl.col("dataset") == ds) & (pl.col("eval") == ev))["run_id"]:
            out[(rid, str(ev))] = float(top["acc"][0])
    return out


def fit_design(
    design: Design, g: pl.DataFrame, stem: str, e_own: dict[tuple[str, str], float]
) -> AccuracyFit:
    x = g["task_loss" if design.x == "task" else "own"].to_numpy()
    kwargs = dict(design.kwargs)
    if design.form == "power":
        kwargs["E0"] = {ds: e for (ds, key), e in e_own.items() if key == "own"}
    if kwargs.get("floor") == "chance" and chance_of(stem) is None:
        kwargs.pop("floor")  # no chance level known (the imbue tasks): the floor is fitted
    if kwargs.get("pooling") == "auto":
        kwargs["order"] = g["C"].to_numpy()
    return fit_accuracy(
        x,
        g["acc"].to_numpy(),
        chance=chance_of(stem),
        form=design.form,
        groups=g["dataset"].to_numpy(),
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def main() -> int:  # noqa: C901 (a benchmark driver: one linear pass, read top to bottom)
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default=str(DATA), help="directory holding the two CSV files")
    ap.add_argument("--protocol", choices=["heldout", "backtest"], default="heldout")
    ap.add_argument("--draws", type=int, default=100, help="bootstrap draws for the intervals (0: none)")
    ap.add_argument("--level", type=float, default=0.9)
    ap.add_argument(
        "--cache", default=None, help="pickle file caching the loss-law predictions (scratch use)"
    )
    ap.add_argument(
        "--out", default=None, help="basename under benchmarks/results (default accuracy_<protocol>)"
    )
    args = ap.parse_args()
    t0 = time.perf_counter()
    table = load(Path(args.data))
    runs = pl.read_csv(Path(args.data) / "brandfonbrener2024_runs.csv")
    train, test = split(table, args.protocol)
    cache = Path(args.cache) if args.cache else None
    if cache is not None and cache.exists():
        pred_loss, e_own, loss_boot = pickle.loads(cache.read_bytes())
    else:
        pred_loss, e_own, loss_boot = predicted_losses(runs, set(train["run_id"]), test, args.draws)
        if cache is not None:
            cache.write_bytes(pickle.dumps((pred_loss, e_own, loss_boot)))
    base = baseline(train, test)

    # predictions[method][(run_id, eval)] = (from measured, from predicted)
    rows: list[dict[str, object]] = []
    per_eval: dict[str, dict[str, float]] = {}
    unpredictable: dict[str, str] = {}
    kinds = ("measured, fit residuals", "measured", "predicted", "translated")
    cover: dict[str, list[bool]] = {k: [] for k in kinds}
    widths: dict[str, list[float]] = {k: [] for k in kinds}
    stems = sorted(s for s in table["stem"].unique() if s not in SUITES)
    preds: dict[str, dict[tuple[str, str], tuple[float, float, float]]] = {d.name: {} for d in DESIGNS}
    trans_loss = translated_losses(train, test, e_own)
    truth: dict[tuple[str, str], float] = {}
    for r in test.iter_rows(named=True):
        truth[(r["run_id"], r["stem"])] = r["acc"]
    for stem in [*stems, *SUITES]:
        g = train.filter(pl.col("stem") == stem)
        te = test.filter(pl.col("stem") == stem)
        for design in DESIGNS:
            if design.x == "task" and stem in SUITES:
                continue  # the suites have no task loss: averaged from their tasks below
            fit = fit_design(design, g, stem, e_own)
            for r in te.iter_rows(named=True):
                rid, ds = r["run_id"], r["dataset"]
                xm = r["task_loss"] if design.x == "task" else r["own"]
                key = (rid, stem if design.x == "task" else "own")
                xt = trans_loss.get(key, pred_loss[key])  # the predicted loss where no translation exists
                preds[design.name][(rid, stem)] = (
                    float(fit.predict(xm, ds)),
                    float(fit.predict(pred_loss[key], ds)),
                    float(fit.predict(xt, ds)),
                )
            if design.name == RECOMMENDED:
                chk = fit_accuracy(
                    g["task_loss"].to_numpy(), g["acc"].to_numpy(), chance=chance_of(stem), check=True
                )
                if chk.status == "unpredictable":
                    unpredictable[stem] = chk.reason
                if args.draws:
                    bfit = fit_accuracy(
                        g["task_loss"].to_numpy(),
                        g["acc"].to_numpy(),
                        chance=chance_of(stem),
                        groups=g["dataset"].to_numpy(),
                        pooling="pooled" if fit.pooled else "separate",
                        ceiling=1.0,
                        order=g["C"].to_numpy(),
                        check=False,
                        bootstrap=args.draws,
                        seed=0,
                    )
                    for r in te.iter_rows(named=True):
                        rid, ds = r["run_id"], r["dataset"]
                        xp = pred_loss[(rid, stem)]
                        cases: list[tuple[str, float, np.ndarray | None, Literal["backtest", "fit"]]] = [
                            ("measured, fit residuals", r["task_loss"], None, "fit"),
                            ("measured", r["task_loss"], None, "backtest"),
                            ("predicted", xp, loss_boot.get((rid, stem)), "backtest"),
                            ("translated", trans_loss.get((rid, stem), xp), None, "backtest"),
                        ]
                        for kind, x, xd, noise in cases:
                            iv = bfit.predict_interval(x, ds, args.level, x_draws=xd, noise=noise)
                            assert iv is not None
                            lo, hi = float(iv[0]), float(iv[1])
                            cover[kind].append(lo <= r["acc"] <= hi)
                            widths[kind].append(100 * (hi - lo))
                rows.append(
                    {"eval": stem, "pooled": fit.pooled, "sharing": fit.sharing and fit.sharing.reason}
                )
    # suites from their tasks, for the task-loss designs
    for design in DESIGNS:
        if design.x != "task":
            continue
        for suite, members in SUITES.items():
            for rid in test.filter(pl.col("stem") == suite)["run_id"]:
                vals = np.array([preds[design.name][(rid, m)] for m in members])
                preds[design.name][(rid, suite)] = (
                    float(vals[:, 0].mean()),
                    float(vals[:, 1].mean()),
                    float(vals[:, 2].mean()),
                )
    all_stems = [*stems, *SUITES]
    olmo = [f"{t}_test" for t in OLMO7]

    def mae(pick: Callable[[tuple[str, str]], float], sel: list[str], drop: set[str] | None = None) -> float:
        errs = [
            abs(pick(k) - v) for k, v in truth.items() if k[1] in sel and (drop is None or k[1] not in drop)
        ]
        return 100 * float(np.mean(errs))

    base_by_stem = {(rid, stem_of(ev)): v for (rid, ev), v in base.items()}
    methods: dict[str, dict[str, Callable[[tuple[str, str]], float]]] = {
        "baseline (largest sweep run)": {"-": lambda k: base_by_stem[k]}
    }
    for design in DESIGNS:
        p = preds[design.name]
        methods[design.name] = {
            "measured": lambda k, p=p: p[k][0],  # type: ignore[misc]
            "predicted": lambda k, p=p: p[k][1],  # type: ignore[misc]
            "translated": lambda k, p=p: p[k][2],  # type: ignore[misc]
        }
    lines = [
        f"protocol: {args.protocol}; train runs {train['run_id'].n_unique()}, test runs {test['run_id'].n_unique()}",
        "mean absolute error in accuracy points: 7 OLMo tasks | 19 per-task evals | all 21 (suites included)",
        f"{'method':42s} {'input loss':10s} {'OLMo 7':>7s} {'19 tasks':>9s} {'all 21':>7s}",
    ]
    summary: dict[str, dict[str, list[float]]] = {}
    for name, picks in methods.items():
        for kind, pick in picks.items():
            three = [mae(pick, olmo), mae(pick, stems), mae(pick, all_stems)]
            summary.setdefault(name, {})[kind] = three
            lines.append(f"{name:42s} {kind:10s} {three[0]:7.2f} {three[1]:9.2f} {three[2]:7.2f}")
    # recommended, with the unpredictable tasks refused (scored over the predictable ones) or replaced by baseline
    rp = preds[RECOMMENDED]
    pred_olmo = [s for s in olmo if s not in unpredictable]
    pred_all = [s for s in stems if s not in unpredictable]
    lines.append("")
    lines.append(
        f"recommended: {RECOMMENDED}; unpredictable (labelled, not predicted): {', '.join(unpredictable)}"
    )
    for kind, i in (("measured", 0), ("predicted", 1), ("translated", 2)):
        a = mae(lambda k, i=i: rp[k][i], pred_olmo)  # type: ignore[misc]
        b = mae(lambda k, i=i: rp[k][i], pred_all)  # type: ignore[misc]
        c = mae(lambda k, i=i: base_by_stem[k] if k[1] in unpredictable else rp[k][i], olmo)  # type: ignore[misc]
        d = mae(lambda k, i=i: base_by_stem[k] if k[1] in unpredictable else rp[k][i], stems)  # type: ignore[misc]
        lines.append(
            f"  from {kind} loss: predictable tasks only {a:.2f} ({len(pred_olmo)} of 7 OLMo) | {b:.2f} "
            f"({len(pred_all)} of 19); unpredictable ones given the baseline: {c:.2f} (7) | {d:.2f} (19)"
        )
        summary.setdefault("recommended, unpredictable refused", {})[kind] = [a, b]
        summary.setdefault("recommended, unpredictable -> baseline", {})[kind] = [c, d]
    lines.append(
        "  baseline over the same predictable tasks: "
        f"{mae(lambda k: base_by_stem[k], pred_olmo):.2f} | "
        f"{mae(lambda k: base_by_stem[k], pred_all):.2f}"
    )
    if args.draws:
        lines.append(
            f"  {int(100 * args.level)} % predictive intervals ({args.draws} bootstrap draws, seed 0; errors drawn "
            "from the within-sweep backtest unless said), 19 tasks:"
        )
        for kind in kinds:
            lines.append(
                f"    from {kind} loss: coverage {100 * np.mean(cover[kind]):.0f} % of {len(cover[kind])}, "
                f"median width {np.median(widths[kind]):.1f} points"
            )
    lines.append("")
    lines.append("per eval (recommended design, from measured | predicted | translated loss; baseline):")
    for stem in all_stems:
        errs = [
            (abs(rp[k][0] - v), abs(rp[k][1] - v), abs(rp[k][2] - v), abs(base_by_stem[k] - v))
            for k, v in truth.items()
            if k[1] == stem
        ]
        e = 100 * np.mean(np.array(errs), axis=0)
        tag = " (unpredictable)" if stem in unpredictable else ""
        per_eval[stem] = dict(
            zip(("measured", "predicted", "translated", "baseline"), map(float, e), strict=True)
        )
        lines.append(f"  {stem:38s} {e[0]:6.2f} {e[1]:6.2f} {e[2]:6.2f} {e[3]:6.2f}{tag}")
    lines.append("sharing test of the recommended design per eval:")
    lines.extend(f"  {r['eval']}: {'pooled' if r['pooled'] else 'separate'} — {r['sharing']}" for r in rows)
    lines.append(f"wall time {time.perf_counter() - t0:.0f} s (2 shared cores; noisy)")
    text = "\n".join(lines)
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    base_name = args.out or f"accuracy_{args.protocol}"
    (RESULTS / f"{base_name}.txt").write_text(text + "\n")
    payload = {
        "protocol": args.protocol,
        "summary_mae_points": summary,
        "per_eval_recommended": per_eval,
        "unpredictable": unpredictable,
        "coverage": {k: float(np.mean(v)) if v else None for k, v in cover.items()},
        "level": args.level,
        "draws": args.draws,
    }
    (RESULTS / f"{base_name}.json").write_text(json.dumps(payload, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
