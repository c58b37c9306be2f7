"""What each command does, as plain functions over a ``Runs`` table: the CLI parses options, calls one of these and
renders what comes back. Nothing here prints or exits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from l2l.errors import FitError, SelectionError, UsageError
from l2l.fit import FitOptions, LawBook, LawFit, bootstrap_law, default_workers
from l2l.laws import ScalingLaw

if TYPE_CHECKING:
    import polars as pl

    from l2l.io import Runs, Workspace

Progress = Callable[[int, int], None]
FITS_ARTIFACT = "fits"
FITS_VERSION = 2  # records keyed by fit.data_key


# ---------------------------------------------------------------------------------------------------------------
# Selecting runs
# ---------------------------------------------------------------------------------------------------------------


def runs_in_split(runs: Runs, split: str | None) -> pl.DataFrame:
    """The canonical frame restricted to one split (all runs when ``split`` is None)."""
    return runs.frame if split is None else runs.select(split=split)


def flops_per_param_token(runs: Runs) -> float:
    """k in C = k·N·D: 6 (the usual estimate) unless the table's own C column says otherwise.

    The median of C/(N·D) over the runs; values within 1 % of 6 are taken as 6 (C given to a few digits).
    """
    f = runs.frame
    k = float(np.median(f["C"].to_numpy() / (f["N"].to_numpy() * f["D"].to_numpy())))
    return 6.0 if abs(k / 6.0 - 1.0) <= 0.01 else k


def resolve_datasets(runs: Runs, names: Sequence[str] | None) -> list[str]:
    """Datasets named (exact or unique prefix; 'all' for every one); all datasets when none are named."""
    if not names or any(n == "all" for n in names):
        return list(runs.datasets)
    return list(dict.fromkeys(runs.resolve_dataset(n) for n in names))


def resolve_eval_keys(
    runs: Runs, frame: pl.DataFrame, datasets: Sequence[str], evals: Sequence[str] | None
) -> list[tuple[str, str]]:
    """(dataset, eval) pairs to fit. ``evals``: empty or 'own' = each dataset's own loss; 'all' = every eval measured
    on that dataset; other names (exact or unique prefix) as given, skipped for datasets that never measured them."""
    import polars as pl

    wanted = list(evals or ["own"])
    keys: list[tuple[str, str]] = []
    for ds in datasets:
        measured = set(frame.filter(pl.col("dataset") == ds)["eval"].unique().to_list())
        for ev in wanted:
            if ev == "own":
                keys.append((ds, runs.own(ds)))
            elif ev == "all":
                keys.extend((ds, e) for e in sorted(measured))
            else:
                name = runs.resolve_eval(ev)
                if name in measured:
                    keys.append((ds, name))
    keys = list(dict.fromkeys(keys))
    if not keys:
        raise SelectionError(f"none of the evals {', '.join(wanted)} was measured on {', '.join(datasets)}")
    return keys


# ---------------------------------------------------------------------------------------------------------------
# Laws: fitted on demand, saved in and reused from the workspace
# ---------------------------------------------------------------------------------------------------------------


def saved_fits(workspace: Workspace | None) -> dict[str, LawFit]:
    """Fits saved in the workspace (``fit-law --save``), keyed by what they were fitted on (``fit.data_key``)."""
    if workspace is None or not workspace.exists():
        return {}
    art = workspace.read_artifact(FITS_ARTIFACT) or {}
    if art.get("version") != FITS_VERSION:
        return {}
    return {key: LawFit.from_record(rec) for key, rec in art.get("fits", {}).items()}


def law_book(
    runs: Runs, options: FitOptions, split: str | None, workspace: Workspace | None = None
) -> LawBook:
    """A LawBook over the runs of ``split``, reusing any fit saved in the workspace for exactly the same data."""
    return LawBook(runs_in_split(runs, split), options, saved=saved_fits(workspace))


def save_fits(workspace: Workspace, book: LawBook) -> int:
    """Add every fit of ``book`` to the workspace's saved fits; returns how many are saved now."""
    art = workspace.read_artifact(FITS_ARTIFACT) or {}
    fits = art.get("fits", {}) if art.get("version") == FITS_VERSION else {}
    fits.update(book.records())
    workspace.write_artifact(FITS_ARTIFACT, {"version": FITS_VERSION, "fits": fits})
    return len(fits)


@dataclass(frozen=True)
class FitOutcome:
    """Fits of one fit-law call: results in key order (a FitError where a law could not be fitted)."""

    keys: list[tuple[str, str]]
    results: list[LawFit | FitError]
    reused: int
    seconds: float


def fit_laws(
    runs: Runs,
    *,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    workspace: Workspace | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: str = "run",
    workers: int | None = None,
    progress: Progress | None = None,
    bootstrap_progress: Progress | None = None,
) -> tuple[FitOutcome, LawBook]:
    options = options or FitOptions()
    book = law_book(runs, options, split, workspace)
    keys = resolve_eval_keys(runs, book.frame, resolve_datasets(runs, datasets), evals)
    results = book.fit_many(
        keys, workers=default_workers() if workers is None else workers, progress=progress
    )
    reused = sum(1 for k in keys if k in book.reused)
    if bootstrap:
        results = [
            with_bootstrap(book, r, bootstrap, seed, resample, _offset(bootstrap_progress, i, len(results)))
            if isinstance(r, LawFit)
            else r
            for i, r in enumerate(results)
        ]
    return FitOutcome(keys, results, reused, book.seconds), book


def with_bootstrap(
    book: LawBook,
    fit: LawFit,
    draws: int,
    seed: int,
    resample: str = "run",
    progress: Progress | None = None,
) -> LawFit:
    """``fit`` with ``draws`` bootstrap refits (reusing them when it already has these draws), kept in ``book``."""
    if not draws or (
        fit.bootstrap is not None
        and fit.bootstrap.shape[0] == draws
        and fit.bootstrap_seed == seed
        and fit.bootstrap_unit == resample
    ):
        return fit
    n, d, y = book.data(fit.dataset, fit.eval)
    fit = bootstrap_law(
        fit,
        n,
        d,
        y,
        draws=draws,
        seed=seed,
        groups=None if resample == "run" else n,
        unit=resample,
        progress=progress,
    )
    book.replace(fit)
    return fit


def _offset(progress: Progress | None, i: int, n: int) -> Progress | None:
    """A per-fit progress callback mapped onto one bar covering all n fits."""
    if progress is None:
        return None
    p = progress

    def cb(done: int, total: int) -> None:
        p(i * total + done, n * total)

    return cb


# ---------------------------------------------------------------------------------------------------------------
# Predictions from one law
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class LawPrediction:
    dataset: str
    eval: str
    N: float
    D: float
    C: float
    loss: float
    interval: tuple[float, float] | None
    fit: LawFit

    def to_dict(self) -> dict[str, Any]:
        d = {
            "dataset": self.dataset,
            "eval": self.eval,
            "form": self.fit.form,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "loss": self.loss,
        }
        d["loss_lo"], d["loss_hi"] = self.interval if self.interval else (None, None)
        d["warnings"] = list(self.fit.warnings)
        return d


def _single_law(runs: Runs, dataset: str, eval: str | None, book: LawBook) -> LawFit:
    ds = runs.resolve_dataset(dataset)
    ev = runs.own(ds) if eval in (None, "own") else runs.resolve_eval(eval)
    return book.get(ds, ev)


def predict_law(
    runs: Runs,
    *,
    dataset: str,
    N: Sequence[float],
    D: Sequence[float] | None = None,
    C: Sequence[float] | None = None,
    eval: str | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    workspace: Workspace | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> tuple[list[LawPrediction], LawBook]:
    """The fitted law's loss at each (N, D) (D from C = 6ND when only C is given), with a bootstrap interval."""
    k = flops_per_param_token(runs)
    n_arr, d_arr = _grid(N, D, C, k)
    book = law_book(runs, options or FitOptions(), split, workspace)
    fit = _single_law(runs, dataset, eval, book)
    fit = with_bootstrap(book, fit, bootstrap, seed)
    pred = fit.predict(n_arr, d_arr)
    iv = fit.predict_interval(n_arr, d_arr)
    out = []
    for i in range(len(n_arr)):
        out.append(
            LawPrediction(
                fit.dataset,
                fit.eval,
                float(n_arr[i]),
                float(d_arr[i]),
                k * float(n_arr[i] * d_arr[i]),
                float(pred[i]),
                None if iv is None else (float(iv[0][i]), float(iv[1][i])),
                fit,
            )
        )
    return out, book


def _grid(
    N: Sequence[float], D: Sequence[float] | None, C: Sequence[float] | None, k: float = 6.0
) -> tuple[np.ndarray, np.ndarray]:
    n = np.asarray(N, dtype=np.float64)
    if (D is None) == (C is None):
        raise UsageError("give exactly one of --D and --C with --N")
    if D is not None:
        d = np.asarray(D, dtype=np.float64)
    else:
        assert C is not None
        d = np.asarray(C, dtype=np.float64) / (k * n) if len(C) == len(N) or len(C) == 1 else np.array([])
    if len(d) == 1 and len(n) > 1:
        d = np.repeat(d, len(n))
    if len(n) == 1 and len(d) > 1:
        n = np.repeat(n, len(d))
    if len(n) != len(d):
        raise UsageError(f"--N has {len(n)} values but --D/--C has {len(d)}; give one or the same number")
    for name, arr in (("N", n), ("D", d)):
        if not np.all(np.isfinite(arr) & (arr > 0)):
            raise UsageError(f"{name} must be positive numbers")
    return n, d


@dataclass(frozen=True)
class Allocation:
    dataset: str
    eval: str
    C: float
    N_opt: float
    D_opt: float
    loss: float
    interval_N: tuple[float, float] | None
    interval_loss: tuple[float, float] | None
    fit: LawFit
    k: float = 6.0  # C = k·N·D

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "dataset": self.dataset,
            "eval": self.eval,
            "flops_per_param_token": self.k,
            "form": self.fit.form,
            "C": self.C,
            "N_opt": self.N_opt,
            "D_opt": self.D_opt,
            "tokens_per_param": self.D_opt / self.N_opt,
            "loss": self.loss,
            "a": self.fit.law.a_opt,
        }
        d["N_opt_lo"], d["N_opt_hi"] = self.interval_N if self.interval_N else (None, None)
        d["loss_lo"], d["loss_hi"] = self.interval_loss if self.interval_loss else (None, None)
        d["warnings"] = list(self.fit.warnings)
        return d


def optimal_allocation(
    runs: Runs,
    *,
    C: Sequence[float],
    datasets: Sequence[str] | None = None,
    eval: str | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    workspace: Workspace | None = None,
    bootstrap: int = 0,
    seed: int = 0,
) -> tuple[list[Allocation], LawBook]:
    """Compute-optimal N*, D* (C = k·N·D, k = 6 unless the table's C says otherwise) and the loss there, per
    dataset and budget, in closed form."""
    c_arr = np.asarray(C, dtype=np.float64)
    if not np.all(np.isfinite(c_arr) & (c_arr > 0)):
        raise UsageError("--C must be positive numbers")
    k = flops_per_param_token(runs)
    book = law_book(runs, options or FitOptions(), split, workspace)
    out: list[Allocation] = []
    for ds in resolve_datasets(runs, datasets):
        fit = _single_law(runs, ds, eval, book)
        fit = with_bootstrap(book, fit, bootstrap, seed)
        n_opt, d_opt = fit.law.compute_optimal(c_arr, k)
        loss = fit.predict(n_opt, d_opt)
        iv_n = iv_l = None
        if fit.bootstrap is not None:
            laws = [ScalingLaw.from_theta(fit.form, t) for t in fit.bootstrap]
            ns = np.array([lw.compute_optimal(c_arr, k)[0] for lw in laws])  # (B, budgets)
            ls = np.array([lw.predict(n, c_arr / (k * n)) for lw, n in zip(laws, ns, strict=True)])
            iv_n = np.percentile(ns, [2.5, 97.5], axis=0)
            iv_l = np.percentile(ls, [2.5, 97.5], axis=0)
        for i, c in enumerate(c_arr):
            out.append(
                Allocation(
                    fit.dataset,
                    fit.eval,
                    float(c),
                    float(n_opt[i]),
                    float(d_opt[i]),
                    float(loss[i]),
                    None if iv_n is None else (float(iv_n[0][i]), float(iv_n[1][i])),
                    None if iv_l is None else (float(iv_l[0][i]), float(iv_l[1][i])),
                    fit,
                    k,
                )
            )
    return out, book


# ---------------------------------------------------------------------------------------------------------------
# Translation (issue 4)
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class TranslationResult:
    """One loss-to-loss fit with what it was made from and what it implies.

    ``pairs`` are the (x, y) pairs it was fitted on (plus held-out pairs marked by ``split_x`` when the run table
    has them); ``x_law``/``y_law`` are the independent fits that gave E0 and E1; ``implied`` is the x law pushed
    through the translation (Eq. 3 closure), to set beside ``y_law``; N* of both at budget ``C``.
    """

    spec_kind: str
    src: str
    tgt: str
    x_eval: str
    eval: str
    translation: Any  # LossToLoss | None
    error: str | None
    pairs: pl.DataFrame | None
    x_law: LawFit | None
    y_law: LawFit | None
    implied: ScalingLaw | None
    C: float
    n_opt_implied: float | None
    n_opt_independent: float | None

    def to_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "src": self.src,
            "tgt": self.tgt,
            "x_eval": self.x_eval,
            "eval": self.eval,
            "kind": self.spec_kind,
        }
        if self.translation is not None:
            d.update(self.translation.to_dict())
        else:
            d.update({"K": None, "kappa": None, "E0": None, "E1": None, "n_pairs": 0, "error": self.error})
        d["implied_law"] = None if self.implied is None else self.implied.to_dict()
        d["independent_law"] = None if self.y_law is None else self.y_law.law.to_dict()
        d["C"] = self.C
        d["N_opt_implied"] = self.n_opt_implied
        d["N_opt_independent"] = self.n_opt_independent
        return d


def translate(
    runs: Runs,
    *,
    src: str,
    tgts: Sequence[str] | None = None,
    kind: str = "train-train",
    evals: Sequence[str] | None = None,
    join: str = "nd",
    rtol: float = 1e-6,
    free_e1: bool = False,
    split: str | None = None,
    options: FitOptions | None = None,
    workspace: Workspace | None = None,
    C: float | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> tuple[list[TranslationResult], LawBook]:
    """Fit the translations from ``src`` to each target (train-train), eval (train-test) or both (test-test)."""
    from l2l.pairing import PairSpec, pair_runs, same_model_pairs

    if kind not in ("train-train", "train-test", "test-test"):
        raise UsageError(f"unknown kind {kind!r}; expected train-train, train-test or test-test")
    if join not in ("nd", "run"):
        raise UsageError(f"unknown join {join!r}; expected nd or run")
    options = options or FitOptions()
    book = law_book(runs, options, split, workspace)
    src_ds = runs.resolve_dataset(src)
    tgt_list = resolve_datasets(runs, tgts)
    budget = float(C) if C is not None else float(runs.frame["C"].cast(float).max() or 0.0)  # type: ignore[arg-type]

    # (src dataset, x eval, tgt dataset, y eval, E0 law key, E1 law key)
    specs: list[tuple[PairSpec, tuple[str, str], tuple[str, str]]] = []
    if kind == "train-train":
        if evals:
            raise UsageError("train-train translates own losses; --eval applies to train-test and test-test")
        for tgt in tgt_list:
            s = PairSpec(src_ds, runs.own(src_ds), tgt, runs.own(tgt))
            specs.append((s, (src_ds, s.x_eval), (tgt, s.y_eval)))
    elif kind == "train-test":
        if tgts and any(t != "all" and runs.resolve_dataset(t) != src_ds for t in tgts):
            raise UsageError(
                "train-test compares one model's own loss with its other evals: drop --tgt, use --eval"
            )
        for ev in _eval_names(runs, book.frame, src_ds, evals):
            s = PairSpec(src_ds, runs.own(src_ds), src_ds, ev)
            specs.append((s, (src_ds, s.x_eval), (src_ds, ev)))
    else:
        if not evals:
            raise UsageError("test-test needs the eval both models are compared on: --eval T (or all)")
        for tgt in tgt_list:
            for ev in _eval_names(runs, book.frame, src_ds, evals):
                s = PairSpec(src_ds, ev, tgt, ev)
                specs.append((s, (src_ds, ev), (tgt, ev)))
    needed = list(dict.fromkeys([k for _, a, b in specs for k in (a, b)]))
    book.fit_many(needed, workers=default_workers() if workers is None else workers, progress=progress)

    results: list[TranslationResult] = []
    for s, key0, key1 in specs:
        x_law, y_law = book.try_get(*key0), book.try_get(*key1)
        pairs = None
        try:
            if isinstance(x_law, FitError):
                raise x_law
            if isinstance(y_law, FitError):
                raise y_law
            if kind == "train-test":
                pairs = same_model_pairs(runs.frame, s.src, s.x_eval, s.y_eval)
            else:
                pairs = pair_runs(runs.frame, s, join=join, rtol=rtol)  # type: ignore[arg-type]
            results.append(_fit_translation(kind, s, pairs, x_law, y_law, split, free_e1, budget))
        except (FitError, SelectionError) as exc:
            reason = f"{exc} ({exc.hint})" if exc.hint else str(exc)
            results.append(
                TranslationResult(
                    kind,
                    s.src,
                    s.tgt,
                    s.x_eval,
                    s.y_eval,
                    None,
                    reason,
                    pairs,
                    x_law if isinstance(x_law, LawFit) else None,
                    y_law if isinstance(y_law, LawFit) else None,
                    None,
                    budget,
                    None,
                    None,
                )
            )
    return results, book


def _eval_names(runs: Runs, frame: pl.DataFrame, dataset: str, evals: Sequence[str] | None) -> list[str]:
    """Evals for train-test/test-test: named ones, 'all' measured on ``dataset``, or by default every dataset's own
    eval (the paper's test sets)."""
    import polars as pl

    measured = sorted(set(frame.filter(pl.col("dataset") == dataset)["eval"].unique().to_list()))
    if not evals:
        own = [runs.own(d) for d in runs.datasets if d in runs.own_eval]
        return [e for e in own if e in measured]
    out: list[str] = []
    for ev in evals:
        if ev == "all":
            out.extend(measured)
        elif ev == "own":
            out.extend(runs.own(d) for d in runs.datasets)
        else:
            out.append(runs.resolve_eval(ev))
    return list(dict.fromkeys(out))


def _fit_translation(
    kind: str,
    s: Any,
    pairs: pl.DataFrame,
    x_law: LawFit,
    y_law: LawFit,
    split: str | None,
    free_e1: bool,
    budget: float,
) -> TranslationResult:
    import polars as pl

    from l2l.translate import Kind, fit_loss_to_loss

    used = (
        pairs if split is None else pairs.filter((pl.col("split_x") == split) & (pl.col("split_y") == split))
    )
    t = fit_loss_to_loss(
        used["x"].to_numpy(),
        used["y"].to_numpy(),
        E0=x_law.law.E,
        E1=y_law.law.E,
        free_e1=free_e1,
        src=s.src,
        tgt=s.tgt,
        x_eval=s.x_eval,
        eval=s.y_eval,
        kind=cast("Kind", kind),
    )
    implied = n_imp = n_ind = None
    if x_law.form != "chinchilla":
        implied = t.translate_law(x_law.law)
        n_imp = float(implied.compute_optimal(budget)[0])
    n_ind = float(y_law.law.compute_optimal(budget)[0])
    return TranslationResult(
        kind, s.src, s.tgt, s.x_eval, s.y_eval, t, None, pairs, x_law, y_law, implied, budget, n_imp, n_ind
    )


@dataclass(frozen=True)
class ChainPrediction:
    """A prediction through translations, step by step, with the measured value where the table has it."""

    steps: list[Any]  # list[translate.ChainStep]
    actual: float | None
    N: float | None
    D: float | None

    def to_dicts(self) -> list[dict[str, Any]]:
        rows = [s.to_dict() for s in self.steps]
        for r in rows:
            r["N"], r["D"] = self.N, self.D
        if rows:
            rows[-1]["actual"] = self.actual
        return rows


def predict_via(
    runs: Runs,
    *,
    via: str,
    tgt: str,
    src_loss: float | None = None,
    from_run: str | None = None,
    eval: str | None = None,
    split: str | None = None,
    join: str = "nd",
    options: FitOptions | None = None,
    workspace: Workspace | None = None,
) -> tuple[ChainPrediction, LawBook]:
    """A big src model's measured own loss → the tgt model's own loss (train-train) → its loss on ``eval``
    (composed with tgt's train-test translation)."""
    import polars as pl

    from l2l.translate import ChainStep, compose

    if (src_loss is None) == (from_run is None):
        raise UsageError("give exactly one of --src-loss and --from-run")
    src = runs.resolve_dataset(via)
    tgt_ds = runs.resolve_dataset(tgt)
    own_src, own_tgt = runs.own(src), runs.own(tgt_ds)
    n = d = None
    if from_run is not None:
        row = runs.frame.filter(
            (pl.col("dataset") == src) & (pl.col("run_id") == from_run) & (pl.col("eval") == own_src)
        )
        if row.height == 0:
            raise SelectionError(f"no run {from_run!r} of {src} with an {own_src} loss")
        src_loss = float(row["loss"][0])
        n, d = float(row["N"][0]), float(row["D"][0])
    assert src_loss is not None
    if not (src_loss > 0 and np.isfinite(src_loss)):
        raise UsageError(f"--src-loss must be a positive loss, got {src_loss}")
    results, book = translate(
        runs,
        src=src,
        tgts=[tgt_ds],
        kind="train-train",
        join=join,
        split=split,
        options=options,
        workspace=workspace,
        workers=1,
    )
    chain = [_usable(results[0])]
    target_eval = own_tgt
    if eval not in (None, "own"):
        target_eval = runs.resolve_eval(eval)
        if target_eval != own_tgt:
            te, _ = translate(
                runs,
                src=tgt_ds,
                kind="train-test",
                evals=[target_eval],
                split=split,
                options=options,
                workspace=workspace,
                workers=1,
            )
            chain.append(_usable(te[0]))
    start = ChainStep(f"measured: {src}:{own_src}", src, own_src, float(src_loss), None, False)
    steps = compose(start, chain)
    actual = None
    if n is not None and d is not None:
        match = runs.frame.filter((pl.col("dataset") == tgt_ds) & (pl.col("eval") == target_eval))
        close = match.filter(((pl.col("N") / n - 1).abs() <= 1e-6) & ((pl.col("D") / d - 1).abs() <= 1e-6))
        if close.height:
            actual = float(close["loss"][0])
    return ChainPrediction(steps, actual, n, d), book


def _usable(result: TranslationResult) -> Any:
    if result.translation is None:
        raise FitError(
            f"cannot translate {result.src}:{result.x_eval} → {result.tgt}:{result.eval}: {result.error}"
        )
    return result.translation


def select_evals(evals: Sequence[str], patterns: Sequence[str], *, required: bool = True) -> list[str]:
    """Evals matching any glob of ``patterns`` and no ``!glob`` among them (gitignore-like), in table order."""
    import fnmatch

    include = [p for p in patterns if not p.startswith("!")] or ["*"]
    exclude = [p[1:] for p in patterns if p.startswith("!")]
    out = [
        e
        for e in evals
        if any(fnmatch.fnmatchcase(e, p) for p in include)
        and not any(fnmatch.fnmatchcase(e, p) for p in exclude)
    ]
    if required and not out:
        raise SelectionError(f"no eval matches {' '.join(patterns)}")
    return out


def evaluate_runs(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    options: FitOptions | None = None,
    rtol: float = 1e-6,
    workers: int | None = None,
    progress: Progress | None = None,
    workspace: Workspace | None = None,
) -> Any:
    """Table 1 on these runs. Held out: runs of split ``holdout_split``, or at the ``holdout_top_compute``
    largest compute budgets; by default the split 'extrapolation' when present, else the largest budget.
    Test evals: glob patterns (default: every dataset's own eval); downstream: patterns (default 'downstream/*')."""

    import polars as pl

    from l2l.evaluate import evaluate

    frame = runs.frame
    if holdout_split is not None and holdout_top_compute is not None:
        raise UsageError("choose one of --holdout and --holdout-top-compute")
    if holdout_split is None and holdout_top_compute is None:
        if "extrapolation" in runs.splits:
            holdout_split = "extrapolation"
        else:
            holdout_top_compute = 1
    if holdout_split is not None:
        mask = frame["split"] == runs.check_split(holdout_split)
        label = f"split = {holdout_split}"
    else:
        assert holdout_top_compute is not None
        if holdout_top_compute < 1:
            raise UsageError("--holdout-top-compute must be at least 1")
        budgets = np.unique(np.round(np.log10(frame["C"].to_numpy()), 6))
        if len(budgets) <= holdout_top_compute:
            raise SelectionError(
                f"only {len(budgets)} compute budgets: holding out {holdout_top_compute} leaves "
                "nothing to fit"
            )
        cut = budgets[-holdout_top_compute]
        mask = pl.Series(np.round(np.log10(frame["C"].to_numpy()), 6) >= cut)
        label = f"top {holdout_top_compute} compute budget(s), C ≥ {10**cut:.3g}"
    evals = runs.evals
    own = [runs.own_eval[d] for d in runs.datasets if d in runs.own_eval]

    test_evals = select_evals(evals, test) if test else own
    down_evals = select_evals(evals, downstream or ["downstream/*"], required=bool(downstream))
    return evaluate(
        frame,
        runs.own_eval,
        mask,
        holdout_label=label,
        test_evals=test_evals,
        downstream_evals=down_evals,
        options=options,
        rtol=rtol,
        workers=default_workers() if workers is None else workers,
        progress=progress,
        saved=saved_fits(workspace),
    )
