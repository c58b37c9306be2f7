"""Questions with several shapes, asked as one typed request and answered by one call.

The command line parses options into these requests and hands them over; every decision (is this eval a loss or an
accuracy? a translation or a law? a ranking or its backtest?) and every check of how options combine is made here,
in the library's own words (``UsageError`` with ``param`` naming the parameter, so a front end can name its option).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

from l2l.base.errors import SelectionError, UsageError
from l2l.base.schema import Combine, InputLoss, RankMethod
from l2l.core.fit import FitOptions

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.ranking import Ranking
    from l2l.workflows.accuracy import AccuracyPrediction
    from l2l.workflows.accuracy_eval import AccuracyEvaluation
    from l2l.workflows.evaluate import Evaluation
    from l2l.workflows.lawfile import FilePrediction
    from l2l.workflows.predict import LawPrediction
    from l2l.workflows.rank_eval import RankBacktest
    from l2l.workflows.session import Session
    from l2l.workflows.via import ViaPrediction

__all__ = [
    "EvaluateAnswer",
    "EvaluateRequest",
    "PredictAnswer",
    "PredictRequest",
    "RankRequest",
    "answer_evaluate",
    "answer_predict",
    "answer_rank",
    "eval_kind",
    "refuse_accuracy_evals",
]

Progress = Callable[[int, int], None]

# ---------------------------------------------------------------------------------------------------------------
# Loss evals and accuracy evals
# ---------------------------------------------------------------------------------------------------------------


def _accuracy_names(runs: Runs) -> list[str]:
    from l2l.workflows.accuracy import accuracy_evals

    return accuracy_evals(runs) if runs.accuracy is not None else []


def eval_kind(runs: Runs, names: Sequence[str]) -> Literal["loss", "accuracy"]:
    """Whether ``names`` are loss evals or accuracy evals (a name that is no loss eval but names an accuracy eval;
    a name that is both is the accuracy). Refuses a mix, and a name that is neither (SelectionError)."""
    from l2l.base.runs import ALL, OWN, resolve_name

    acc_names = _accuracy_names(runs)
    wanted = [n for n in names if n not in (ALL, OWN)]
    if not acc_names or not wanted:
        return "loss"
    kinds = []
    for name in wanted:
        try:
            runs.resolve_eval(name)
            kinds.append("accuracy" if name in acc_names else "loss")
        except SelectionError:
            resolve_name(name, acc_names, "eval")  # neither a loss nor an accuracy eval: that error
            kinds.append("accuracy")
    if len(set(kinds)) > 1:
        raise UsageError("name either loss evals or accuracy evals, not both", param="evals")
    return "accuracy" if kinds[0] == "accuracy" else "loss"


def refuse_accuracy_evals(runs: Runs, names: Sequence[str] | None) -> None:
    """For a question about losses: an accuracy eval named (no loss eval of that name) is a usage error saying
    where accuracy evals go; a name that is neither is the loss resolver's SelectionError."""
    from l2l.base.runs import ALL, OWN

    acc_names: list[str] | None = None
    for name in [n for n in names or [] if n not in (ALL, OWN)]:
        try:
            runs.resolve_eval(name)
        except SelectionError:
            acc_names = _accuracy_names(runs) if acc_names is None else acc_names
            stem = name.rsplit("/", 1)[-1]
            if any(a == name or a.rsplit("/", 1)[-1].startswith(stem) for a in acc_names):
                raise UsageError(
                    f"{name!r} is an accuracy eval, which has an accuracy law, not a scaling law",
                    hint=f"fit it with `l2l fit-accuracy --eval {name}`",
                    param="evals",
                ) from None
            raise


# ---------------------------------------------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PredictRequest:
    """A prediction: a law at (N, D) or budgets C, a translation from measured source losses (``via``), or an
    accuracy through its task loss (when ``evals`` name accuracy evals)."""

    datasets: tuple[str, ...] = ()
    N: tuple[float, ...] = ()
    D: tuple[float, ...] = ()
    C: tuple[float, ...] = ()
    evals: tuple[str, ...] = ()
    split: str | None = None
    options: FitOptions = field(default_factory=FitOptions)
    bootstrap: int = 0
    seed: int = 0
    level: float = 0.9
    #: translation: the source datasets (``all``: every dataset with a run at ``from_run``'s (N, D))
    via: tuple[str, ...] = ()
    src_loss: float | None = None
    from_run: str | None = None
    target: str | None = None
    combine: Combine = "mean"
    #: accuracy evals: the loss the accuracy law is a function of, and chance levels by eval
    input_loss: InputLoss = "task"
    chance: Mapping[str, float] = field(default_factory=dict)


#: What ``answer_predict`` returns, by the shape of the question.
PredictAnswer: TypeAlias = "list[LawPrediction] | ViaPrediction | list[AccuracyPrediction]"


def _check_via(req: PredictRequest) -> None:
    given = [
        name
        for name, value in (
            ("bootstrap", req.bootstrap),
            ("N", req.N),
            ("D", req.D),
            ("C", req.C),
            ("datasets", req.datasets),
        )
        if value
    ]
    if given:
        raise UsageError(
            f"{given[0]} does not apply to a translation, which starts from a measured loss", param=given[0]
        )
    if len(req.evals) > 1:
        raise UsageError("a translation predicts one eval; name one", param="evals")
    if req.target is None:
        raise UsageError("name the target dataset of the translation", param="tgt")
    if (req.src_loss is None) == (req.from_run is None):
        raise UsageError("give exactly one source: a measured loss or a run", param="src_loss")
    if req.src_loss is not None and (len(req.via) > 1 or req.via[0] == "all"):
        raise UsageError(
            "several sources need a run whose (N, D) each source measured, not one loss", param="src_loss"
        )


def _check_law(req: PredictRequest) -> None:
    if not req.datasets:
        raise UsageError(
            "name the dataset whose law predicts ('all' for every one), or translate from a source",
            param="datasets",
        )
    if not req.N:
        raise UsageError("give the model size N", param="N")


def answer_predict(session: Session, req: PredictRequest) -> PredictAnswer:
    """The prediction ``req`` asks for, from the session's runs and caches."""
    if req.via:
        _check_via(req)
        from l2l.workflows.via import predict_sources

        assert req.target is not None  # checked
        return predict_sources(
            session.runs,
            via=req.via,
            tgt=req.target,
            src_loss=req.src_loss,
            from_run=req.from_run,
            eval_name=req.evals[0] if req.evals else None,
            split=req.split,
            options=req.options,
            cache=session.fits,
            calibrations=session.calibrations,
            combine=req.combine,
            level=req.level,
            seed=req.seed,
        )
    if req.evals and eval_kind(session.with_accuracy(), req.evals) == "accuracy":
        _check_law(req)
        from l2l.workflows.accuracy import predict_accuracy

        return predict_accuracy(
            session.runs,
            evals=req.evals,
            datasets=req.datasets,
            N=req.N,
            D=req.D or None,
            C=req.C or None,
            split=req.split,
            input_loss=req.input_loss,
            chance=req.chance,
            options=req.options,
            cache=session.fits,
            calibrations=session.calibrations,
            bootstrap=req.bootstrap,
            seed=req.seed,
            level=req.level,
        )
    _check_law(req)
    from l2l.workflows.predict import predict

    return predict(
        session.runs,
        N=req.N,
        D=req.D or None,
        C=req.C or None,
        datasets=req.datasets,
        evals=req.evals or None,
        split=req.split,
        options=req.options,
        cache=session.fits,
        calibrations=session.calibrations,
        bootstrap=req.bootstrap,
        seed=req.seed,
        level=req.level,
    )


def predict_from_law_file(path: Path, req: PredictRequest) -> list[FilePrediction]:
    """``req``'s laws at (N, D) from a law file alone (``fit-law --save FILE.json``): no runs are read."""
    from l2l.io.workspace import read_law_file
    from l2l.workflows.lawfile import law_file_from_dict, predict_from_laws

    if req.via:
        raise UsageError("a law file predicts from its laws; a translation needs the runs", param="law")
    if not req.N:
        raise UsageError("give the model size N", param="N")
    laws = law_file_from_dict(read_law_file(path), str(path))
    return predict_from_laws(
        laws,
        N=req.N,
        D=req.D or None,
        C=req.C or None,
        datasets=req.datasets or None,
        evals=req.evals or None,
        level=req.level,
    )


# ---------------------------------------------------------------------------------------------------------------
# rank
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RankRequest:
    """Which dataset for ``targets`` (eval or glob → weight) at a budget (``C``, or ``N`` with ``D``); or, with a
    holdout, the backtest of that ranking against held-out runs."""

    targets: Mapping[str, float]
    C: float | None = None
    N: float | None = None
    D: float | None = None
    datasets: tuple[str, ...] = ()
    split: str | None = None
    method: RankMethod = "recommended"
    level: float = 0.9
    draws: int = 4000
    seed: int = 0
    form: str = "auto"
    holdout_split: str | None = None
    holdout_top_compute: int | None = None

    @property
    def backtest(self) -> bool:
        return self.holdout_split is not None or self.holdout_top_compute is not None


def _check_rank(req: RankRequest) -> None:
    if not req.targets:
        raise UsageError("name at least one target eval (e.g. hellaswag)", param="targets")
    if req.holdout_split is not None and req.holdout_top_compute is not None:
        raise UsageError("hold out either a split or the largest budgets, not both", param="holdout")
    budget = [v for v in (req.C, req.N, req.D) if v is not None]
    if req.backtest:
        if budget:
            raise UsageError("a backtest ranks at the held-out runs' own N and D; give no budget", param="C")
        return
    if req.C is not None and (req.N is not None or req.D is not None):
        raise UsageError(
            "a budget is either a compute C, or a model size N with tokens D, not both", param="C"
        )
    if req.C is None and (req.N is None or req.D is None):
        raise UsageError("give a compute budget C (e.g. 1e21), or a model size N with tokens D", param="C")


def answer_rank(
    session: Session, req: RankRequest, progress: Progress | None = None
) -> Ranking | RankBacktest:
    """The ranking ``req`` asks for (a ``Ranking``), or its backtest (a ``RankBacktest``) when it holds runs out."""
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.rank_eval import rank_backtest

    _check_rank(req)
    runs = session.with_accuracy()
    if req.backtest:
        return rank_backtest(
            runs,
            req.targets,
            holdout_split=req.holdout_split,
            holdout_top_compute=req.holdout_top_compute,
            datasets=req.datasets or None,
            split=req.split,
            form=req.form,
            draws=req.draws,
            seed=req.seed,
            progress=progress,
            cache=session.fits,
            calibrations=session.calibrations,
        )
    return rank_runs(
        runs,
        req.targets,
        C=req.C,
        N=req.N,
        D=req.D,
        datasets=req.datasets or None,
        split=req.split,
        method=req.method,
        form=req.form,
        draws=req.draws,
        seed=req.seed,
        level=req.level,
        cache=session.fits,
        calibrations=session.calibrations,
    )


# ---------------------------------------------------------------------------------------------------------------
# evaluate
# ---------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EvaluateRequest:
    """Table 1 on held-out runs (a split, or the largest budgets), and optionally the accuracy and ranking
    settings on the same held-out runs."""

    holdout_split: str | None = None
    holdout_top_compute: int | None = None
    test: tuple[str, ...] = ()
    downstream: tuple[str, ...] = ()
    options: FitOptions = field(default_factory=FitOptions)
    level: float | None = 0.9
    #: accuracy evals (names, globs or 'all') for the train-to-accuracy setting; empty: not run
    accuracy: tuple[str, ...] = ()
    chance: Mapping[str, float] = field(default_factory=dict)
    #: also the dataset-ranking setting
    ranking: bool = False


@dataclass(frozen=True)
class EvaluateAnswer:
    evaluation: Evaluation
    accuracy: AccuracyEvaluation | None = None
    ranking: RankBacktest | None = None


def evaluation(session: Session, req: EvaluateRequest, progress: Progress | None = None) -> Evaluation:
    """Table 1 alone (what ``plot evaluate`` draws)."""
    from l2l.workflows.evaluate import evaluate

    if req.holdout_split is not None and req.holdout_top_compute is not None:
        raise UsageError("hold out either a split or the largest budgets, not both", param="holdout")
    return evaluate(
        session.runs,
        holdout_split=req.holdout_split,
        holdout_top_compute=req.holdout_top_compute,
        test=req.test or None,
        downstream=req.downstream or None,
        options=req.options,
        workers=session.workers,
        progress=progress,
        cache=session.fits,
        level=req.level,
        calibrations=session.calibrations,
    )


def answer_evaluate(
    session: Session,
    req: EvaluateRequest,
    progress: Progress | None = None,
    ranking_progress: Progress | None = None,
) -> EvaluateAnswer:
    """Table 1, and the accuracy and ranking settings when asked, on the same held-out runs."""
    ev = evaluation(session, req, progress)
    acc = None
    if req.accuracy:
        from l2l.workflows.accuracy_eval import evaluate_accuracy

        acc = evaluate_accuracy(
            session.with_accuracy(),
            holdout_split=req.holdout_split,
            holdout_top_compute=req.holdout_top_compute,
            evals=req.accuracy,
            chance=req.chance,
            options=req.options,
            cache=session.fits,
            calibrations=session.calibrations,
            level=0.9 if req.level is None else req.level,
        )
    rank = None
    if req.ranking:
        from l2l.workflows.rank_eval import evaluate_ranking

        rank = evaluate_ranking(
            session.runs,
            holdout_split=req.holdout_split,
            holdout_top_compute=req.holdout_top_compute,
            test=req.test or None,
            downstream=req.downstream or None,
            form=req.options.form,
            progress=ranking_progress,
            cache=session.fits,
            calibrations=session.calibrations,
        )
    return EvaluateAnswer(ev, acc, rank)
