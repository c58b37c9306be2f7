"""Questions with several shapes, asked as one typed request and answered by one call.

The command line parses options into these requests and hands them over; every decision (is this eval a loss or an
accuracy? a translation or a law? a ranking or its backtest?) and every check of how options combine is made here,
in the library's own words (``UsageError`` with ``param`` naming the parameter, so a front end can name its option).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Literal, TypeAlias

from l2l.base.errors import L2LError, SelectionError, UsageError
from l2l.base.schema import Combine, InputLoss, Pooling, RankMethod, is_glob
from l2l.base.text import fmt_sci, for_any_dataset, plural
from l2l.core.fit import FitOptions
from l2l.workflows.targets import (
    accuracy_names,
    metric_of,
    names_accuracy,
    rank_targets,
)

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.ranking import Ranking
    from l2l.workflows.accuracy import AccuracyPrediction
    from l2l.workflows.accuracy_eval import AccuracyEvaluation
    from l2l.workflows.evaluate import Evaluation
    from l2l.workflows.lawbook import Progress
    from l2l.workflows.lawfile import FilePrediction
    from l2l.workflows.predict import LawPrediction, LinePrediction
    from l2l.workflows.rank_eval import RankBacktest
    from l2l.workflows.results import Results
    from l2l.workflows.session import Session
    from l2l.workflows.via import ViaPrediction

__all__ = [
    "EvaluateAnswer",
    "EvaluateRequest",
    "PredictAnswer",
    "PredictRequest",
    "RankRequest",
    "accuracy_runs",
    "answer_evaluate",
    "answer_predict",
    "answer_rank",
    "eval_kind",
    "eval_names",
    "refuse_accuracy_evals",
]


# ---------------------------------------------------------------------------------------------------------------
# Loss evals and accuracy evals
# ---------------------------------------------------------------------------------------------------------------


def eval_kind(runs: Runs, names: Sequence[str], metric: str | None = None) -> Literal["loss", "accuracy"]:
    """Whether ``names`` are loss evals or accuracy evals. An eval is a name and a metric: ``metric`` (or a name
    spelled ``NAME:METRIC``) says which; else a name that is no loss eval but names an accuracy eval is the
    accuracy, and a name that is exactly both (a task's loss and its accuracy under one name) is refused with
    the two choices (``targets.names_accuracy``, as ``rank`` reads its targets). Refuses a mix, and a name that is
    neither (SelectionError)."""
    from l2l.base.runs import ALL, OWN

    acc_names = accuracy_names(runs)
    wanted = [n for n in names if n not in (ALL, OWN)]
    if not wanted:  # all (or own) with --metric accuracy: every accuracy eval
        return "accuracy" if metric == "accuracy" and ALL in names else "loss"
    globs = [n for n in wanted if _is_glob(runs, n) and metric_of(n, metric)[1] is None]
    # a glob is of the losses it matches, else of the accuracies (none: the loss resolver says so)
    kinds = ["accuracy" if not _globbed(runs.evals, g) and _globbed(acc_names, g) else "loss" for g in globs]
    for name in [n for n in wanted if n not in globs]:
        _, m = metric_of(name, metric)
        if m is not None:
            kinds.append("accuracy" if m == "accuracy" else "loss")
            continue
        if not acc_names:
            kinds.append("loss")
            continue
        kinds.append("accuracy" if names_accuracy(runs, name, acc_names) else "loss")
    if len(set(kinds)) > 1:
        raise UsageError("name either loss evals or accuracy evals, not both", param="evals")
    return "accuracy" if kinds[0] == "accuracy" else "loss"


def _is_glob(runs: Runs, name: str) -> bool:
    """Whether ``name`` is a glob of evals (``downstream/*``), not an eval's own name."""
    return name not in runs.evals and is_glob(name)


def _globbed(names: Sequence[str], pattern: str) -> list[str]:
    from l2l.base.runs import select_evals

    return select_evals(names, [pattern], required=False)


def eval_names(runs: Runs, names: Sequence[str], metric: str | None = None) -> tuple[str, ...]:
    """``names`` as the names the question's resolver takes: a loss spelled ``NAME:loss`` or asked with
    ``metric`` becomes its stored eval (``hellaswag``, ``hellaswag:bpb``); an accuracy loses its ``:accuracy``."""
    from l2l.base.runs import ALL, OWN, resolve_name

    out = []
    for name in names:
        if name in (ALL, OWN):
            out.append(name)
            continue
        base, m = metric_of(name, metric)
        if m == "accuracy" and is_glob(base) and base not in accuracy_names(runs):
            out.append(base)  # a glob: the accuracy resolver matches it against the accuracy evals
        elif m == "accuracy":
            out.append(resolve_name(base, accuracy_names(runs), "accuracy eval"))
        elif m is not None:
            out.append(runs.resolve_eval(f"{base}:{m}"))
        else:
            out.append(name)
    return tuple(out)


def names_an_accuracy(runs: Runs, targets: Iterable[str], metric: str | None) -> bool:
    """Whether a target names an accuracy eval (spelled ``NAME:accuracy``, asked with ``--metric accuracy``, or a
    name only an accuracy eval has), told before anything is fitted; globs are told by the ranking itself."""
    from l2l.base.errors import L2LError
    from l2l.base.runs import OWN

    for t in targets:
        if t == OWN or t.startswith("!") or is_glob(t):
            continue
        try:
            if eval_kind(runs, [t], metric) == "accuracy":
                return True
        except L2LError:
            continue  # (a name that is neither, or both unspelled: the ranking says so in its own words)
    return False


def accuracy_runs(session: Session, checkpoints: str = "final", *, form: str = "sigmoid") -> Runs:
    """The runs an accuracy law is fitted on: each run's final checkpoint (``final``, as the laws), or every
    checkpoint of a per-step log (``all``: the loss→accuracy relation holds at every checkpoint, so a ladder of
    few runs gives many points; the scaling laws stay on final checkpoints)."""
    choice = checkpoints.strip().lower()
    if choice == "final":
        return session.with_accuracy()
    if choice != "all":
        raise UsageError(f"unknown checkpoint choice {checkpoints!r} (final or all)", param="checkpoints")
    if form == "power":
        raise UsageError(
            "the power law's E0 comes from the scaling law, fitted on final checkpoints: fit it on final ones",
            param="checkpoints",
        )
    return session.with_accuracy().at_every_checkpoint()


def refuse_accuracy_evals(runs: Runs, names: Sequence[str] | None) -> None:
    """For a question about losses: an accuracy eval named (no loss eval of that name) is a usage error saying
    where accuracy evals go; a name that is neither is the loss resolver's SelectionError."""
    from l2l.base.runs import ALL, OWN

    acc_names: list[str] | None = None
    for name in [n for n in names or [] if n not in (ALL, OWN) and not _is_glob(runs, n)]:
        try:
            runs.resolve_eval(name)
        except SelectionError:
            acc_names = accuracy_names(runs) if acc_names is None else acc_names
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
    #: translation: relative tolerance of pairing runs on (N, D) (sizes counted apart: another tokenizer)
    rtol: float = 1e-6
    #: accuracy evals: the loss the accuracy law is a function of, and chance levels by eval
    input_loss: InputLoss = "task"
    chance: Mapping[str, float] = field(default_factory=dict)
    #: accuracy evals: the law's ceiling (1.0, None: fitted, "auto": as its backtest favours)
    ceiling: float | Literal["auto"] | None = "auto"
    #: accuracy evals: one law for every dataset, one per dataset, or as the sharing backtest says
    pooling: Pooling = "auto"
    #: the metric of the evals named (loss, bpb or accuracy); None: each name says (see ``eval_kind``)
    metric: str | None = None


#: What ``answer_predict`` returns, by the shape of the question.
PredictAnswer: TypeAlias = "list[LawPrediction | LinePrediction] | ViaPrediction | list[AccuracyPrediction]"


def _check_via(req: PredictRequest) -> None:
    # a source loss with the target model's N and D: the model is known, no compute need be inferred (probe p77:
    # `--N 1.18e10 --D 3e11` was refused, then C inferred 1.87e22 for a true 2.12e22)
    model = req.src_loss is not None and len(req.N) == 1 and len(req.D) == 1 and not req.C
    if len(req.evals) > 1 or "all" in req.evals:
        # (only the first was translated, the others dropped without a word: h32)
        raise UsageError(
            "--via translates to one eval at a time: name it (-e EVAL), or run it once per eval",
            param="evals",
        )
    given = [
        name
        for name, value in (
            ("bootstrap", req.bootstrap),
            ("N", not model and req.N),
            ("D", not model and req.D),
            ("C", req.C),
            ("datasets", req.datasets),
        )
        if value
    ]
    if given and given[0] in ("N", "D") and req.src_loss is not None:
        raise UsageError(
            "--via with --src-loss takes one target model: one --N and one --D together",
            param=given[0],
        )
    if given:
        raise UsageError(
            f"{given[0]} does not apply to a translation, which starts from a measured loss",
            hint="leave it out (--via maps --src-loss or --from-run; --src-loss takes the target model's --N and "
            "--D), or leave out --via to predict from the law",
            param=given[0],
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
            "name the dataset whose law predicts: -d DATASET, or -d all for every dataset (or --via SOURCE to "
            "translate a measured loss)",
            param="datasets",
        )
    if not req.N:
        # (a budget alone: the loss at C's best split is what optimal answers; a probe's user found no way there)
        raise UsageError(
            "give the model size N"
            + (
                f"; the loss at the compute-optimal model of a budget: l2l optimal --C {fmt_sci(req.C[0])}"
                if req.C
                else ""
            ),
            param="N",
        )


def answer_predict(session: Session, req: PredictRequest) -> PredictAnswer:
    """The prediction ``req`` asks for, from the session's runs and caches."""
    if req.metric is not None and not req.evals:
        raise UsageError("--metric says how the evals named are measured: name the evals", param="evals")
    if req.via:  # (before the evals are resolved: `-e all` read as "unknown eval 'all'" there)
        _check_via(req)
    kind = eval_kind(session.with_accuracy(), req.evals, req.metric) if req.evals else "loss"
    evals = eval_names(session.runs, req.evals, req.metric)
    if not req.via and not req.datasets and len(session.runs.datasets) == 1:  # the one there is: no -d needed
        req = replace(req, datasets=tuple(session.runs.datasets))
    if req.via:
        if kind == "accuracy":
            # a translation carries losses: the accuracy was dropped without a word, its task loss answered
            raise UsageError(
                "--via predicts a loss through translation, not an accuracy: ask the task's loss (--eval "
                "NAME:loss), or predict the accuracy from the target's law (-d DATASET --N N --D D --eval "
                "NAME:accuracy)",
                param="via",
            )
        from l2l.workflows.via import predict_sources

        assert req.target is not None  # checked
        return predict_sources(
            session.runs,
            via=req.via,
            tgt=req.target,
            src_loss=req.src_loss,
            from_run=req.from_run,
            model=(req.N[0], req.D[0]) if req.src_loss is not None and req.N and req.D else None,
            eval_name=evals[0] if evals else None,
            split=req.split,
            options=req.options,
            cache=session.fits,
            calibrations=session.calibrations,
            combine=req.combine,
            level=req.level,
            seed=req.seed,
            rtol=req.rtol,
        )
    if req.rtol != 1e-6:
        raise UsageError("--rtol pairs the runs of a translation: it applies with --via", param="rtol")
    if kind == "accuracy":
        _check_law(req)
        from l2l.workflows.accuracy import predict_accuracy

        return predict_accuracy(
            session.runs,
            evals=evals,
            datasets=req.datasets,
            N=req.N,
            D=req.D or None,
            C=req.C or None,
            split=req.split,
            input_loss=req.input_loss,
            chance=req.chance,
            ceiling=req.ceiling,
            pooling=req.pooling,
            options=req.options,
            cache=session.fits,
            calibrations=session.calibrations,
            bootstrap=req.bootstrap,
            seed=req.seed,
            level=req.level,
            accuracy_cache=session.accuracy_laws,
        )
    _check_law(req)
    from l2l.workflows.predict import predict

    return predict(
        session.runs,
        N=req.N,
        D=req.D or None,
        C=req.C or None,
        datasets=req.datasets,
        evals=evals or None,
        split=req.split,
        options=req.options,
        cache=session.fits,
        calibrations=session.calibrations,
        bootstrap=req.bootstrap,
        seed=req.seed,
        level=req.level,
    )


def predict_from_law_file(path: Path, req: PredictRequest) -> Results[FilePrediction]:
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
    #: the metric of the targets named (loss, bpb or accuracy); None: each name says (see ``rank_targets``)
    metric: str | None = None
    #: chance levels of accuracy evals by name (an accuracy target's law floor)
    chance: Mapping[str, float] = field(default_factory=dict)
    #: an accuracy target's law ceiling (1.0, None: fitted, "auto": as its backtest favours)
    ceiling: float | Literal["auto"] | None = "auto"
    #: an accuracy target's law: one for every dataset, one per dataset, or as the sharing backtest says
    pooling: Pooling = "auto"

    @property
    def backtest(self) -> bool:
        return self.holdout_split is not None or self.holdout_top_compute is not None


def _check_rank(req: RankRequest) -> None:
    if not req.targets:
        # (it said "e.g. hellaswag" on tables without one, probe h57: `-t own` ranks on any table with own evals)
        raise UsageError(
            "name at least one target eval: -t EVAL (l2l runs --evals lists them), or -t own for each dataset's "
            "own loss",
            param="targets",
        )
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


def _refuse_accuracy_backtest(runs: Runs, targets: Mapping[str, float]) -> None:
    """``rank --holdout`` scores rankings by a loss: an accuracy target is refused naming its task loss (it was
    "unknown eval", listing the losses)."""
    from l2l.base.runs import resolve_name
    from l2l.workflows.accuracy import accuracy_evals, task_loss_eval

    acc = accuracy_evals(runs)
    for target in targets:
        name = target.removesuffix(":accuracy")
        # spelled an accuracy (``hellaswag:accuracy``, ``--metric accuracy``), a name that is also a loss eval is
        # the accuracy (it was "unknown eval 'hellaswag:accuracy'", exit 1, the list naming hellaswag)
        spelled = name != target
        if (name in runs.evals and not spelled) or not acc or is_glob(name) or name.startswith("!"):
            continue
        try:
            found = resolve_name(name, acc, "accuracy eval")
        except SelectionError:
            continue
        task = task_loss_eval(runs, found)
        # a name both an accuracy and a loss is said with its spelling (-t hellaswag alone is refused as both)
        shared = found in runs.evals
        raise UsageError(
            f"rank --holdout backtests rankings by a loss: {found}{':accuracy' if shared else ''} is an accuracy",
            hint=f"backtest its task loss (-t {task}{':loss' if task in acc else ''}); an accuracy ranking goes "
            "through it"
            if task
            else "backtest a loss eval (l2l runs --evals lists them)",
            param="targets",
        )


def answer_rank(
    session: Session, req: RankRequest, progress: Progress | None = None
) -> Ranking | RankBacktest:
    """The ranking ``req`` asks for (a ``Ranking``), or its backtest (a ``RankBacktest``) when it holds runs out."""
    from l2l.workflows.rank import rank_runs
    from l2l.workflows.rank_eval import rank_backtest

    _check_rank(req)
    runs = session.with_accuracy()
    if len(runs.datasets) < 2:
        raise SelectionError(
            f"rank compares datasets: these runs have one ({', '.join(runs.datasets)})",
            hint="ingest the runs of another dataset beside it (l2l ingest FILE --append)",
        )
    targets = rank_targets(runs, req.targets, req.metric, req.datasets)
    if req.backtest:
        _refuse_accuracy_backtest(runs, targets)
        return rank_backtest(
            runs,
            targets,
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
    from l2l.workflows.rank_store import RANKING_ANSWER, decode_ranking, encode_ranking, ranking_key

    # the ranking an earlier command kept for exactly these runs and this request (a warm `rank` redid its 4,000
    # joint draws and its scan of budgets: 3.5x `l2l runs` on the paper's table, issue 21)
    key = ranking_key(runs, asdict(req))
    kept = session.answer(RANKING_ANSWER, key)
    served = None if kept is None else decode_ranking(kept)

    def make(r: RankRequest) -> Ranking:
        return rank_runs(
            runs,
            r.targets,  # resolved there as here (resolved twice, `-t arc_easy:loss` became a bare name, then refused
            # as both a loss and an accuracy)
            C=r.C,
            N=r.N,
            D=r.D,
            datasets=r.datasets or None,
            split=r.split,
            method=r.method,
            form=r.form,
            draws=r.draws,
            seed=r.seed,
            level=r.level,
            cache=session.fits,
            calibrations=session.calibrations,
            accuracy_cache=session.accuracy_laws,
            chance=r.chance,
            metric=r.metric,
            ceiling=r.ceiling,
            pooling=r.pooling,
        )

    def baseline_ranks() -> bool:
        """Whether the request by ``--method baseline`` ranks some dataset: the refusal's hint names it only then,
        never leading to another refusal (asked only on that path)."""
        try:
            made = make(replace(req, method="baseline"))
        except L2LError:
            return False
        return any(r.rank is not None for t in made.targets for r in t.rows)

    if served is not None:
        return _ranked(served, final_of_a_log=runs.final_of_a_log, baseline_ranks=baseline_ranks)
    made = make(req)
    body = encode_ranking(made) if session.workspace is not None else None
    if body is not None:
        session.keep_answer(RANKING_ANSWER, key, body)
    return _ranked(made, final_of_a_log=runs.final_of_a_log, baseline_ranks=baseline_ranks)


def _ranked(
    ranking: Ranking, *, final_of_a_log: bool = False, baseline_ranks: Callable[[], bool] = lambda: True
) -> Ranking:
    """``ranking`` when some dataset was ranked for some target; else the reason, refused (never an answer that
    ranks nothing), in the words of the question: a budget, or a model (``--N``, ``--D``). ``final_of_a_log``: the
    runs are a per-step log read at its final checkpoints, whose other checkpoints give laws. ``baseline_ranks``:
    whether the same request by ``--method baseline`` ranks some dataset (asked only before naming it in a hint: a
    mixture sweep's hint named it at a budget, where it refused too; probe h80)."""
    rows = [r for t in ranking.targets for r in t.rows]
    if any(r.rank is not None for r in rows):
        return ranking
    from l2l.workflows.lawbook import FINAL_OF_A_LOG_FIX, MEASURED_LOSSES_INSTEAD

    # the most frequent reason first: the first candidate's may be the exception; its first clause (the method's
    # own), counted apart from the dataset it names (DCLM: one reason that named each of 42 sets read as "one and
    # 41 other reasons")
    first = {r.dataset: r.reason.split("; ")[0] for r in rows if r.reason}
    example: dict[str, tuple[str, str]] = {}
    for dataset, clause in first.items():
        example.setdefault(clause.replace(dataset, "\0"), (dataset, clause))
    counts = Counter(clause.replace(dataset, "\0") for dataset, clause in first.items())
    reasons = [example[key][1] for key, _ in counts.most_common()]
    shown = reasons[0] if reasons else "no candidate has a prediction"
    top = counts.most_common(1)[0][1] if counts else 0
    if top > 1:  # (the advice to each, --own-eval DATASET=EVAL, not to the first alone)
        dataset, clause = example[counts.most_common(1)[0][0]]
        shown = f"{for_any_dataset(clause, dataset)} ({top} datasets)"
    more = f" (and {plural(len(reasons) - 1, 'other reason')})" if len(reasons) > 1 else ""
    from l2l.workflows.rank import NO_OWN_EVAL

    if NO_OWN_EVAL in shown:
        # (at a model already, "or rank at a model: --N and --D" pointed at the options given, probe h52: there
        # only a translation needs the own eval; each dataset's own law of the target does not)
        hint = "ingest again with --own-eval all=EVAL (an eval every dataset is measured on), or " + (
            "rank at a model: --N and --D"
            if ranking.budget.C is not None
            else "rank by each dataset's own law of the target: --method independent"
        )
    elif shown.startswith("no compute-optimal model"):
        from l2l.workflows.rank import ON_THE_LINE

        hint = ON_THE_LINE
    elif "cannot be said" in shown:
        # DCLM ingested with --best-of run_id: one run per set and model, no law: nothing tells a run's noise
        hint = (
            "a run's noise is learned from repeats of a model (seeds in a seed column of one file, or runs of their "
            "own: each seed its own run id; not one --best-of) or from a law; without either, "
            + (
                "rank at a model every dataset ran (--N, --D): their measured losses there are ranked as measured"
                if ranking.budget.C is not None
                else "compare the measured losses yourself (l2l runs --evals lists them)"
            )
        )
    else:
        hint = (
            # (a model asked for: "ranking at a budget needs each dataset's laws" answered a question not asked)
            "ranking at a model needs each dataset's runs of it (their noise told by repeats or a law) or its laws "
            if ranking.budget.C is None
            else "ranking at a budget needs each dataset's laws "
        ) + f"(enough runs at several sizes); {MEASURED_LOSSES_INSTEAD}"
        if ranking.method != "baseline" and baseline_ranks():
            # (a DataDecide-shaped table, one token ratio, too few sizes for any law: the baseline ranks it, and
            # the hint never named it: probe h20)
            hint += "; --method baseline ranks by the loss each dataset measured at its largest budget"
    if final_of_a_log:
        # the log's other checkpoints give each dataset laws, and so a ranking (a Pythia-shaped log read at its
        # final checkpoints was told to compare the measured losses itself: probe h48)
        hint = f"{FINAL_OF_A_LOG_FIX}; or {hint}"
    raise SelectionError(f"no dataset could be ranked: {shown}{more}", hint=hint)


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
    #: l2l's accuracy law's ceiling (1.0, None: fitted, "auto": as its backtest favours), as predict's
    ceiling: float | Literal["auto"] | None = "auto"
    #: also the dataset-ranking setting
    ranking: bool = False
    #: relative tolerance of pairing runs on (N, D) across datasets (sizes counted apart: another tokenizer)
    rtol: float = 1e-6


@dataclass(frozen=True)
class EvaluateAnswer:
    evaluation: Evaluation
    accuracy: AccuracyEvaluation | None = None
    ranking: RankBacktest | None = None


def evaluation(session: Session, req: EvaluateRequest, progress: Progress | None = None) -> Evaluation:
    """Table 1 alone (what ``plot evaluate`` draws): the one an earlier command kept in the workspace for exactly
    these runs and options when there is one (``evaluate_store``), else made (and kept)."""
    from l2l.workflows.evaluate import evaluate
    from l2l.workflows.evaluate_store import (
        EVALUATION_ANSWER,
        decode_evaluation,
        encode_evaluation,
        evaluation_key,
    )

    if req.holdout_split is not None and req.holdout_top_compute is not None:
        raise UsageError("hold out either a split or the largest budgets, not both", param="holdout")
    key = evaluation_key(
        session.runs,
        holdout_split=req.holdout_split,
        holdout_top_compute=req.holdout_top_compute,
        test=req.test,
        downstream=req.downstream,
        options=req.options,
        level=req.level,
        rtol=req.rtol,
    )
    kept = session.answer(EVALUATION_ANSWER, key)
    served = None if kept is None else decode_evaluation(kept)
    if served is not None:
        return served
    made = evaluate(
        session.runs,
        holdout_split=req.holdout_split,
        holdout_top_compute=req.holdout_top_compute,
        test=req.test or None,
        downstream=req.downstream or None,
        options=req.options,
        rtol=req.rtol,
        workers=session.workers,
        progress=progress,
        cache=session.fits,
        level=req.level,
        calibrations=session.calibrations,
    )
    if session.workspace is not None:
        session.keep_answer(EVALUATION_ANSWER, key, encode_evaluation(made))
    return made


def answer_evaluate(
    session: Session,
    req: EvaluateRequest,
    progress: Progress | None = None,
    ranking_progress: Progress | None = None,
) -> EvaluateAnswer:
    """Table 1, and the accuracy and ranking settings when asked, on the same held-out runs. With accuracy evals
    asked, a table Table 1 does not apply to (one dataset) gets the accuracy part alone."""
    try:
        ev = evaluation(session, req, progress)
    except SelectionError as exc:
        from l2l.workflows.evaluate import empty_evaluation

        # with accuracies asked, a Table 1 that cannot be made (one dataset; no test evals; no law below the
        # held-out budget: a DataDecide-shaped sweep of one size per budget refused the whole command, though the
        # loss → accuracy step and the baseline need no scaling law) leaves the accuracy part standing
        if not req.accuracy:
            from l2l.workflows.evaluate_tables import ONE_DATASET, one_dataset_hint

            if exc.message.startswith(
                ONE_DATASET
            ):  # the hint names what the table allows: its accuracies too
                raise SelectionError(exc.message, hint=one_dataset_hint(session.with_accuracy())) from None
            raise
        ev = empty_evaluation(f"no Table 1: {exc.message}")
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
            accuracy_cache=session.accuracy_laws,
            ceiling=req.ceiling,
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
        # one table's notes said once: the hold-out's ("held out whole: …") is in Table 1's already
        rank = replace(rank, notes=tuple(n for n in rank.notes if n not in ev.notes))
    return EvaluateAnswer(ev, acc, rank)
