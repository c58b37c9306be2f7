"""Many laws out of one run table: the LawBook (laws of (dataset, eval) pairs fitted on demand, reusing a
FitCache), ``fit_laws``, bootstrap draws kept with their fits, and every run's residual from its law."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, MutableMapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from l2l.base.errors import FitError
from l2l.base.schema import Resample
from l2l.core.fit import FitCache, FitOptions, LawFit, bootstrap_law, data_key, relative_residual, run_fits
from l2l.core.laws import Array

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs

__all__ = [
    "FitOutcome",
    "LawBook",
    "Progress",
    "Residual",
    "fit_laws",
    "law_book",
    "residuals",
    "with_bootstrap",
]


@dataclass
class LawBook:
    """The laws of (dataset, eval) pairs out of one run table, fitted on demand and remembered.

    ``frame`` is a canonical run table (columns dataset, N, D, eval, loss). ``saved`` maps ``data_key`` to fits
    made earlier (a ``FitCache``); a law whose data and options match one of them is not fitted again, and every
    new fit is added to it.
    """

    frame: pl.DataFrame
    options: FitOptions = field(default_factory=FitOptions)
    saved: MutableMapping[str, LawFit] = field(default_factory=FitCache)
    _cache: dict[tuple[str, str], LawFit | FitError] = field(default_factory=dict, init=False, repr=False)
    _keys: dict[tuple[str, str], str] = field(default_factory=dict, init=False, repr=False)
    reused: set[tuple[str, str]] = field(default_factory=set, init=False, repr=False)
    seconds: float = field(default=0.0, init=False)

    def data(self, dataset: str, eval: str) -> tuple[Array, Array, Array]:
        """The (N, D, loss) arrays a law is fitted on."""
        import polars as pl

        sub = self.frame.filter((pl.col("dataset") == dataset) & (pl.col("eval") == eval))
        return (
            sub["N"].to_numpy().astype(np.float64),
            sub["D"].to_numpy().astype(np.float64),
            sub["loss"].to_numpy().astype(np.float64),
        )

    def key(self, dataset: str, eval: str) -> str:
        if (dataset, eval) not in self._keys:
            self._keys[(dataset, eval)] = data_key(self.options, dataset, eval, *self.data(dataset, eval))
        return self._keys[(dataset, eval)]

    def get(self, dataset: str, eval: str) -> LawFit:
        """The law of ``eval`` for models trained on ``dataset``; raises FitError if it cannot be fitted."""
        out = self.try_get(dataset, eval)
        if isinstance(out, FitError):
            raise out
        return out

    def try_get(self, dataset: str, eval: str) -> LawFit | FitError:
        return self.fit_many([(dataset, eval)])[0]

    def fit_many(
        self,
        keys: Iterable[tuple[str, str]],
        *,
        workers: int = 1,
        progress: Callable[[int, int], None] | None = None,
    ) -> list[LawFit | FitError]:
        """Fit every key not yet known (in ``workers`` processes when > 1); returns results in key order."""
        keys = list(dict.fromkeys(keys))
        todo = []
        for k in keys:
            if k in self._cache:
                continue
            saved = self.saved.get(self.key(*k))
            if saved is not None:
                self._cache[k] = saved
                self.reused.add(k)
            else:
                todo.append(k)
        tasks = [(*self.data(ds, ev), self.options, ds, ev) for ds, ev in todo]
        t0 = time.perf_counter()
        for done, (key, res) in enumerate(zip(todo, run_fits(tasks, workers), strict=True), start=1):
            self._cache[key] = _with_fix(res)
            if isinstance(res, LawFit):
                self.saved[self.key(*key)] = res
            if progress is not None:
                progress(done, len(todo))
        self.seconds += time.perf_counter() - t0
        return [self._cache[k] for k in keys]

    def replace(self, fit: LawFit) -> None:
        """Put an updated fit (e.g. with bootstrap draws) in place of the one for its (dataset, eval)."""
        key = (fit.dataset, fit.eval)
        self._cache[key] = fit
        self.saved[self.key(*key)] = fit
        self.reused.discard(key)

    def fits(self) -> dict[tuple[str, str], LawFit]:
        return {k: v for k, v in self._cache.items() if isinstance(v, LawFit)}

    def records(self) -> dict[str, dict[str, Any]]:
        """Every fit of this book as a saveable record, keyed by ``data_key``."""
        return {self.key(*k): fit.to_record() for k, fit in self.fits().items()}


Progress = Callable[[int, int], None]

#: What a law short of runs needs, said where the fit says it is short.
FEW_RUNS_FIX = (
    "a law needs more runs than it has parameters, at 3 model sizes and 3 token counts or more; a table of "
    "datasets measured at a few sizes compares them by those measured losses"
)


def _with_fix(res: LawFit | FitError) -> LawFit | FitError:
    """A fit that failed for too few runs, with the fix named (the fit says what is short, not what to do)."""
    if isinstance(res, FitError) and res.hint is None and "runs cannot fit" in res.message:
        return FitError(res.message, hint=FEW_RUNS_FIX, param=res.param)
    return res


def no_laws(outcome: FitOutcome) -> FitError:
    """The refusal of a ``fit_laws`` call in which no law could be fitted: the first reason, and its fix."""
    failed = [r for r in outcome.results if isinstance(r, FitError)]
    first = failed[0] if failed else FitError("no law to fit")
    return FitError(
        f"no law could be fitted ({len(failed)} of {len(outcome.results)} failed): {first.message}",
        hint=first.hint or "see each law's reason (--format json)",
        param=first.param,
    )


def law_book(
    runs: Runs, options: FitOptions | None = None, split: str | None = None, cache: FitCache | None = None
) -> LawBook:
    """A LawBook over the runs of ``split`` (all runs when None), reusing and filling ``cache``."""
    return LawBook(
        runs.in_split(split), options or FitOptions(), saved=FitCache() if cache is None else cache
    )


@dataclass(frozen=True)
class FitOutcome:
    """Fits of one ``fit_laws`` call: results in key order (a FitError where a law could not be fitted)."""

    keys: list[tuple[str, str]]
    results: list[LawFit | FitError]
    reused: int
    seconds: float

    @property
    def fits(self) -> list[LawFit]:
        return [r for r in self.results if isinstance(r, LawFit)]

    def to_polars(self) -> pl.DataFrame:
        """One row per (dataset, eval): the law's parameters and fit statistics (the paper's Tables 2 and 3), or
        ``status`` failed and the ``error``."""
        from l2l.workflows.results import rows_frame

        return rows_frame(
            {k: v for k, v in r.to_dict().items() if k != "bootstrap"}
            if isinstance(r, LawFit)
            else {"dataset": ds, "eval": ev, "status": "failed", "error": str(r)}
            for (ds, ev), r in zip(self.keys, self.results, strict=True)
        )


def fit_laws(
    runs: Runs,
    *,
    datasets: Sequence[str] | None = None,
    evals: Sequence[str] | None = None,
    split: str | None = None,
    options: FitOptions | None = None,
    cache: FitCache | None = None,
    bootstrap: int = 0,
    seed: int = 0,
    resample: Resample = "run",
    workers: int = 1,
    progress: Progress | None = None,
    bootstrap_progress: Progress | None = None,
) -> FitOutcome:
    """The laws of the named datasets' evals (``evals``: ``own`` (default), ``all`` or names; see
    ``Runs.eval_keys``), fitted on the runs of ``split``, with ``bootstrap`` draws each when asked."""
    book = law_book(runs, options, split, cache)
    keys = runs.eval_keys(runs.resolve_datasets(datasets), evals, frame=book.frame)
    results = book.fit_many(keys, workers=workers, progress=progress)
    reused = sum(1 for k in keys if k in book.reused)
    if bootstrap:
        results = [
            with_bootstrap(book, r, bootstrap, seed, resample, _offset(bootstrap_progress, i, len(results)))
            if isinstance(r, LawFit)
            else r
            for i, r in enumerate(results)
        ]
    return FitOutcome(keys, results, reused, book.seconds)


def with_bootstrap(
    book: LawBook,
    fit: LawFit,
    draws: int,
    seed: int,
    resample: Resample = "run",
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


@dataclass(frozen=True)
class Residual:
    """One run's measured loss beside its law's prediction. ``fitted``: the run was among those the law was
    fitted on (in the fit's split); the others are what the law extrapolates to."""

    dataset: str
    eval: str
    N: float
    D: float
    C: float
    loss: float
    predicted: float
    run_id: str | None
    split: str | None
    fitted: bool

    @property
    def residual(self) -> float:
        """(loss − predicted) / loss: above 0 the run did worse than its law."""
        return float(relative_residual(self.loss, self.predicted))

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "eval": self.eval,
            "run_id": self.run_id,
            "split": self.split,
            "N": self.N,
            "D": self.D,
            "C": self.C,
            "loss": self.loss,
            "predicted": self.predicted,
            "residual": self.residual,
            "log_residual": math.log(self.loss / self.predicted),
            "fitted": self.fitted,
        }


def residuals(runs: Runs, fits: Sequence[LawFit], split: str | None = None) -> list[Residual]:
    """Every run of each fit's (dataset, eval) with the law's prediction, sorted by N then D; runs outside
    ``split`` (the split the laws were fitted on) come too, marked ``fitted=False``."""
    import polars as pl

    out: list[Residual] = []
    for fit in fits:
        mine = (pl.col("dataset") == fit.dataset) & (pl.col("eval") == fit.eval)
        sub = runs.frame.filter(mine).sort(["N", "D"])
        pred = fit.predict(sub["N"].to_numpy(), sub["D"].to_numpy())
        for r, p in zip(sub.iter_rows(named=True), pred, strict=True):
            out.append(
                Residual(
                    fit.dataset,
                    fit.eval,
                    float(r["N"]),
                    float(r["D"]),
                    float(r["C"]),
                    float(r["loss"]),
                    float(p),
                    r["run_id"],
                    r["split"],
                    split is None or r["split"] == split,
                )
            )
    return out
