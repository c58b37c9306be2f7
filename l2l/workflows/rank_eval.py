"""How good are the rankings? ``rank --holdout`` and ``evaluate --ranking``: rank from the remaining runs, score
against the held-out ones.

``rank_backtest`` hides held-out runs (a split, or the largest budgets), ranks the datasets from the rest for every
target at each held-out (N, D) that two or more datasets ran, and counts the dataset pairs each method orders as
the held-out runs measured (near-ties counted apart): the single-scale baseline, the laws (independent,
translation) and the recommended ranking, which lets the laws move a dataset off the order the sweep measured only
where its own backtest inside the remaining runs (their largest budget held out) showed them beating that order.
It also checks the recommended ranking's P(best): per bucket of the leader's stated P(best), how often the leader
was the held-out runs' best (``PBestBucket``). Pure: nothing here prints or reads files.
"""

from __future__ import annotations

import dataclasses
import itertools
import shlex
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from l2l.base.checks import check_count
from l2l.base.errors import RefusedBeyondSweepError, SelectionError, UsageError
from l2l.base.schema import MIN_RANK_DRAWS
from l2l.base.text import grouped_reasons
from l2l.core.calibrate import CalibrationCache
from l2l.core.fit import FitCache
from l2l.core.rank_model import Budget, DrawError, DrawErrorHook, RankModel
from l2l.core.ranking import DEFAULT_JOINT, Method, Ranking, RankSettings
from l2l.core.sweep import config_groups
from l2l.workflows.rank import (
    NEAR_TIE,
    OWN,
    _learned,
    _measured_order,
    _rank_model,
    _Store,
    candidates_from_frame,
    ranked_as_printed,
    resolve_targets,
    shared_own_evals,
)
from l2l.workflows.targets import tokenizer_note

if TYPE_CHECKING:
    import polars as pl

    from l2l.base.runs import Runs
    from l2l.workflows.lawbook import LawBook

__all__ = [
    "BACKTEST_METHODS",
    "PBEST_EDGES",
    "MethodAccuracy",
    "PBestBucket",
    "RankBacktest",
    "TargetAccuracy",
    "evaluate_ranking",
    "rank_backtest",
]

#: The methods a backtest scores, the single-scale baseline first.
BACKTEST_METHODS: tuple[Method, ...] = ("baseline", "independent", "translation", "recommended")
#: Edges of the buckets of the leader's stated P(best) in the calibration check.
PBEST_EDGES: tuple[float, ...] = (0.0, 0.4, 0.6, 0.8, 0.95, 1.0)


@dataclass(frozen=True)
class MethodAccuracy:
    """Pairwise decision accuracy of one method over every target and held-out (N, D): of ``pairs`` dataset
    pairs, ``right`` were ordered as the held-out runs measured; ``near_ties`` pairs were measured within
    ``NEAR_TIE`` of each other (``near_ties_right`` of them ordered right)."""

    method: Method
    right: int
    pairs: int
    near_ties: int
    near_ties_right: int

    @property
    def accuracy(self) -> float | None:
        return self.right / self.pairs if self.pairs else None

    @property
    def accuracy_clear(self) -> float | None:
        """Accuracy over the pairs that are not near-ties."""
        n = self.pairs - self.near_ties
        return (self.right - self.near_ties_right) / n if n else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "right": self.right,
            "pairs": self.pairs,
            "accuracy": self.accuracy,
            "near_ties": self.near_ties,
            "near_ties_right": self.near_ties_right,
            "accuracy_clear": self.accuracy_clear,
        }


@dataclass(frozen=True)
class TargetAccuracy:
    """One target: held-out (N, D) points compared, pairs, and pairs right per method. ``pairs`` and ``near_ties``
    are the recommended method's; ``method_pairs`` holds each method's (pairs, near-ties): the baseline values only
    the datasets whose runs reach the largest budget, so its pairs can be fewer (a probe's per-target table gave
    every method the baseline's 6 pairs beside 12 right)."""

    target: str
    points: int
    pairs: int
    near_ties: int
    right: Mapping[str, int]
    notes: tuple[str, ...] = ()
    method_pairs: Mapping[str, tuple[int, int]] = dataclasses.field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "target": self.target,
            "points": self.points,
            "pairs": self.pairs,
            "near_ties": self.near_ties,
            **{f"right_{m}": int(v) for m, v in self.right.items()},
            **{f"pairs_{m}": int(p) for m, (p, _) in self.method_pairs.items()},
            **{f"near_ties_{m}": int(t) for m, (_, t) in self.method_pairs.items()},
            "notes": list(self.notes),
        }


@dataclass(frozen=True)
class PBestBucket:
    """Leaders whose stated P(best) fell in [``lo``, ``hi``): how many, their mean stated P(best), and the share
    that were the held-out runs' best."""

    lo: float
    hi: float
    n: int
    stated: float | None
    realised: float | None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class RankBacktest:
    """Rankings made without the held-out runs, scored against them (see ``rank_backtest``)."""

    holdout: str
    datasets: tuple[str, ...]
    methods: tuple[MethodAccuracy, ...]
    targets: tuple[TargetAccuracy, ...]
    near_tie: float
    draws: int
    notes: tuple[str, ...] = ()
    #: the recommended ranking's P(best) of its leader, bucketed, against how often the leader was right
    calibration: tuple[PBestBucket, ...] = ()
    #: targets whose recommended ranking used the laws (its own backtest found them better than the baseline)
    laws_used: tuple[str, ...] = ()

    def to_polars(self) -> pl.DataFrame:
        """One row per method: pairs of datasets ordered right, accuracy, near-ties."""
        from l2l.workflows.results import rows_frame

        return rows_frame(m.to_dict() for m in self.methods)

    def best(self) -> MethodAccuracy | None:
        scored = [m for m in self.methods if m.accuracy is not None]
        return max(scored, key=lambda m: (m.right, m.method == "baseline")) if scored else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "holdout": self.holdout,
            "datasets": list(self.datasets),
            "near_tie": float(self.near_tie),
            "draws": int(self.draws),
            "methods": [m.to_dict() for m in self.methods],
            "targets": [t.to_dict() for t in self.targets],
            "notes": list(self.notes),
            "pbest_calibration": [b.to_dict() for b in self.calibration],
            "laws_used": list(self.laws_used),
        }


def _pairwise(
    pred: Mapping[str, float], truth: Mapping[str, float], near_tie: float
) -> tuple[int, int, int, int]:
    """(right, pairs, near-ties, near-ties right) over the dataset pairs both rank."""
    right = total = ties = tie_right = 0
    for a, b in itertools.combinations(sorted(set(pred) & set(truth)), 2):
        ok = (pred[a] - pred[b]) * (truth[a] - truth[b]) > 0
        near = abs(truth[a] - truth[b]) < near_tie * 0.5 * (truth[a] + truth[b])
        right += ok
        total += 1
        ties += near
        tie_right += ok and near
    return right, total, ties, tie_right


#: Held-out runs of different datasets whose N and D each agree within this are one configuration, ranked at the
#: first's (N, D): a 1 % difference in N (sizes written apart, an embedding counted differently) left a probe's
#: `rank --holdout` with nothing to score (it paired within 1e-6); 2 % in N moves a loss by about 0.3 %, below the
#: 0.5 % near-tie.
HELD_OUT_RTOL = 0.02


def _held_points(
    hidden: pl.DataFrame, target: str, names: Sequence[str]
) -> list[tuple[float, float, dict[str, float]]]:
    """(N, D, measured loss per dataset) at every held-out configuration of ``target`` (``config_groups`` within
    ``HELD_OUT_RTOL``) that at least two datasets ran (repeats averaged), ordered by N, then D."""
    import polars as pl

    sub = hidden.filter((pl.col("eval") == target) & pl.col("dataset").is_in(list(names)))
    if sub.height == 0:
        return []
    cfg = config_groups(sub["N"].to_numpy(), sub["D"].to_numpy(), rtol=HELD_OUT_RTOL)
    g = (
        sub.with_columns(pl.Series("_cfg", cfg))
        .group_by(["_cfg", "dataset"])
        .agg(pl.col("loss").mean(), pl.col("N").first(), pl.col("D").first())
    )
    out: list[tuple[float, float, dict[str, float]]] = []
    for _, pts in g.sort(["N", "D", "dataset"]).group_by("_cfg", maintain_order=True):
        if pts.height >= 2:
            truth = dict(zip(pts["dataset"].to_list(), pts["loss"].to_list(), strict=True))
            out.append((float(pts["N"][0]), float(pts["D"][0]), {str(k): float(v) for k, v in truth.items()}))
    return out


def _at(hook: DrawErrorHook, reach: float) -> DrawError:
    return hook if isinstance(hook, DrawError) else hook(reach)


def _score_target(
    model: RankModel,
    book: LawBook,
    own_eval: Mapping[str, str],
    target: str,
    points: Sequence[tuple[float, float, dict[str, float]]],
    learned: DrawErrorHook,
    k: float,
    near_tie: float,
    level: float,
    measured: Callable[[Budget, Method, Ranking], Ranking | None] | None = None,
) -> tuple[dict[Method, list[int]], list[tuple[float, bool]], list[str], dict[str, str]]:
    """Per backtest method: (right, pairs, near-ties, near-ties right) over the held-out ``points`` of one target,
    each ranked at its own (N, D) as ``rank`` prints it (``ranked_as_printed``: where every law is refused, the
    recommended ranking is the baseline's, and the laws alone are refused and score no pair); the recommended
    method with the ``learned`` extrapolation error and verdict. Also (the recommended leader's stated P(best),
    whether it was the held-out best) at each point, what differed from the method's own laws (notes), and why
    the recommended ranking left each held-out dataset it did not rank unranked (its reason, by dataset).
    ``measured``: ``rank``'s ranking by measured losses where no law and no noise vouch for any dataset
    (``_measured_order``), scored as ``rank`` prints it (a mixture sweep of one size, its larger validation runs
    held out, was refused "nothing to score" where ``rank`` printed that order: helper h101)."""
    out: dict[Method, list[int]] = {m: [0, 0, 0, 0] for m in BACKTEST_METHODS}
    events: list[tuple[float, bool]] = []
    refused: dict[str, int] = {}
    unranked: dict[str, str] = {}
    for n, d, truth in points:
        budget = Budget(N=n, D=d, flops_per_param_token=k)
        for m in BACKTEST_METHODS:
            try:
                res = ranked_as_printed(
                    model, book, own_eval, budget, {target: learned}, method=m, level=level
                )
            except RefusedBeyondSweepError:
                # rank refuses the laws alone here: it prints nothing, and nothing is scored
                refused[m] = refused.get(m, 0) + 1
                continue
            if measured is not None and (alt := measured(budget, m, res)) is not None:
                res = alt
            tr = res.targets[0]
            if tr.refused is not None:
                refused[m] = refused.get(m, 0) + 1
            ranked = {r.dataset: r for r in tr.rows if r.rank is not None}
            # the printed order (rank 1 first), which an unresolved ranking's values need not follow
            order = {x: float(r.rank) for x, r in ranked.items() if r.rank is not None}
            counts = _pairwise(order, truth, near_tie)
            out[m] = [a + b for a, b in zip(out[m], counts, strict=True)]
            if m != "recommended":
                continue
            for r in tr.rows:
                if r.dataset in truth and r.rank is None:
                    # (the recommended method's clause and the laws' first: all three repeat one fit's refusal)
                    unranked.setdefault(r.dataset, "; ".join((r.reason or "not ranked").split("; ")[:2]))
            mine = {x: r for x, r in ranked.items() if x in truth}
            if tr.leader is None or tr.leader not in mine or len(mine) < 2:
                continue
            stated = mine[tr.leader].p_best
            if stated is not None:  # a ranked row always has one
                events.append((stated, tr.leader == min(mine, key=lambda x: truth[x])))
    notes = [
        f"{m}: every dataset's law is refused at {c} of {len(points)} held-out models (a poor law beyond its sweep), "
        + (
            "ranked by the baseline there, as rank does"
            if m == "recommended"
            else "not scored there (rank refuses it)"
        )
        for m, c in refused.items()
    ]
    return out, events, notes, unranked


def _measured_hook(
    runs: Runs, names: Sequence[str], target: str, settings: RankSettings, book: LawBook
) -> Callable[[Budget, Method, Ranking], Ranking | None]:
    """``rank``'s order by measured losses at a budget (``_measured_order``) by a method, for ``_score_target``."""

    def measured(at: Budget, m: Method, res: Ranking) -> Ranking | None:
        by = dataclasses.replace(settings, method=m)
        return _measured_order(runs, names, {target: 1.0}, at, by, book, res)

    return measured


def pbest_buckets(
    events: Sequence[tuple[float, bool]], edges: Sequence[float] = PBEST_EDGES
) -> tuple[PBestBucket, ...]:
    """Stated P(best) against realised, per bucket of ``edges`` (the last bucket holds 1)."""
    out = []
    for i, (lo, hi) in enumerate(itertools.pairwise(edges)):
        last = i == len(edges) - 2
        mine = [(p, ok) for p, ok in events if lo <= p < hi or (last and p == hi)]
        out.append(
            PBestBucket(
                lo,
                hi,
                len(mine),
                sum(p for p, _ in mine) / len(mine) if mine else None,
                sum(ok for _, ok in mine) / len(mine) if mine else None,
            )
        )
    return tuple(out)


def rank_backtest(
    runs: Runs,
    targets: Sequence[str] | Mapping[str, float],
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    datasets: Sequence[str] | None = None,
    split: str | None = None,
    form: str = "auto",
    draws: int = DEFAULT_JOINT,
    seed: int = 0,
    near_tie: float = NEAR_TIE,
    level: float = 0.9,
    progress: Callable[[int, int], None] | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
) -> RankBacktest:
    """Hold out runs (``holdout_split``, or the ``holdout_top_compute`` largest budgets; by default the split
    'extrapolation' when present, else the largest budget), rank the datasets from the rest for each target at each
    held-out (N, D) that two or more datasets ran, and count the dataset pairs each method orders as measured.

    ``split`` first restricts the table (``split="sweep"`` with the top budget held out is the within-sweep
    backtest). The recommended method is given the extrapolation error and the laws-or-baseline verdict its own
    backtest inside the remaining runs learns (as ``rank_runs`` does); the baseline ranks by the mean measured
    loss at each dataset's largest remaining budget. Laws are fitted once and kept in ``cache``."""
    from l2l.workflows.evaluate import plan_holdout

    if not (0 <= near_tie < 1):
        raise UsageError(f"the near-tie tolerance must lie in [0, 1), got {near_tie}")
    check_count(draws, "draws", least=MIN_RANK_DRAWS, what="the number of joint draws")
    base = runs if split is None else dataclasses.replace(runs, frame=runs.in_split(split))
    # (no test evals: the targets are the rank's; a table whose own evals share one name was refused with
    # evaluate's "no test evals to compare by default", p77's per-step logs)
    plan = plan_holdout(
        base, holdout_split=holdout_split, holdout_top_compute=holdout_top_compute, tests_needed=False
    )
    names = base.resolve_datasets(datasets)
    evals = sorted(plan.train.get_column("eval").unique().to_list())
    owns, alone = shared_own_evals(plan.train, runs.own_eval, names)
    weights = resolve_targets(evals, targets, owns)
    k = base.flops_per_param_token
    # the seeds' scatter averaging kept aside at ingest, as ``rank_runs`` passes it: without it a table whose seeds
    # were averaged had no noise for its single-scale baseline and scored 0 of 0 pairs (probe h20)
    scatter = {t: runs.seed_scatter(t) for t in weights}
    cands = candidates_from_frame(
        plan.train, runs.own_eval, names, list(weights), k, scatter, per_step=runs.every_checkpoint
    )
    settings = RankSettings("recommended", form, draws, seed, level)
    store = _Store(cache, calibrations)
    totals = {m: [0, 0, 0, 0] for m in BACKTEST_METHODS}
    per_target: list[TargetAccuracy] = []
    notes: list[str] = [*plan.notes, *([alone] if alone and OWN in targets else [])]
    events: list[tuple[float, bool]] = []
    used: list[str] = []
    unranked: dict[str, str] = {}
    for i, t in enumerate(weights):
        if progress is not None:
            progress(i, len(weights))
        points = _held_points(plan.hidden, t, names)
        if not points:
            per_target.append(
                TargetAccuracy(t, 0, 0, 0, dict.fromkeys(BACKTEST_METHODS, 0), ("no held-out runs",))
            )
            continue
        model, book = _rank_model(base, plan.train, cands, {t: 1.0}, settings, store)
        learned = _learned(base, plan.train, cands, t, settings, store, book)
        verdict = _at(learned, 0.0)
        if verdict.use_laws:
            used.append(t)
        measured = _measured_hook(base, names, t, settings, book)
        scored, seen, said, left = _score_target(
            model, book, runs.own_eval, t, points, learned, k, near_tie, level, measured
        )
        if not any(c[1] for c in scored.values()):
            # every method ranked fewer than two of the held-out datasets: a table of 0 of 0 pairs, said only as
            # "laws not used", where rank itself at that model refuses with the reason (DCLM with its top budget
            # held out, helper h90)
            said = [*said, f"no pair of held-out datasets ranked: {grouped_reasons(left, 2)}"]
            unranked.update({f"{x} ({t})" if len(weights) > 1 else x: why for x, why in left.items()})
        events += seen
        for m, counts in scored.items():
            totals[m] = [a + b for a, b in zip(totals[m], counts, strict=True)]
        right: dict[str, int] = {m: c[0] for m, c in scored.items()}
        pairs, ties = scored["recommended"][1], scored["recommended"][2]
        each: dict[str, tuple[int, int]] = {m: (c[1], c[2]) for m, c in scored.items()}
        per_target.append(TargetAccuracy(t, len(points), pairs, ties, right, (verdict.why, *said), each))
    if progress is not None:
        progress(len(weights), len(weights))
    if not any(t.points for t in per_target):
        raise _nothing_scored(plan.hidden, list(weights), runs.frame)
    if not any(c[1] for c in totals.values()):
        raise SelectionError(
            f"no method ranked two held-out datasets from the remaining runs ({plan.label}): nothing to score: "
            + grouped_reasons(unranked, 2),
            hint="each held-out dataset needs a law of the target (runs at several sizes) or runs at the largest "
            "remaining budget; hold out other runs (--holdout COL=VALUE), or order the held-out runs as measured: "
            "l2l rank -t TARGET --N N --D D",
        )
    methods = tuple(MethodAccuracy(m, *totals[m]) for m in BACKTEST_METHODS)
    units = tokenizer_note(
        runs,
        [(a, t, b, t) for t in weights for a in names for b in names if a < b],
        "these pairs order",
        " (a ranking l2l rank refuses)",
    )
    if units is not None:
        notes.append(units)
    notes.append(
        f"recommended used the laws for {len(used)} of {sum(1 for t in per_target if t.points)} targets (where "
        "its own backtest inside the remaining runs found them better than the single-scale baseline)"
    )
    return RankBacktest(
        plan.label,
        tuple(names),
        methods,
        tuple(per_target),
        near_tie,
        draws,
        tuple(notes),
        pbest_buckets(events),
        tuple(used),
    )


def _nothing_scored(
    hidden: pl.DataFrame, targets: Sequence[str], whole: pl.DataFrame | None = None
) -> SelectionError:
    """Why a backtest scored no pair: no target measured on two or more datasets' held-out models, or no held-out
    configuration that two or more datasets share; where no run of the ``whole`` table shares one either (grids
    apart), no hold-out can give one (the hint named --holdout-top-compute, refused the same way: h95)."""
    import polars as pl

    shared = hidden.filter(pl.col("eval").is_in(targets)).group_by("eval").agg(pl.col("dataset").n_unique())
    if (
        shared.filter(pl.col("dataset") >= 2).height == 0
    ):  # the cause is the evals, not the held-out configurations
        return SelectionError(
            f"no target ({', '.join(targets)}) is measured on two or more datasets' held-out models: a "
            "ranking compares datasets on one eval",
            hint="rank on an eval the datasets share (rank -t EVAL --holdout …, evaluate --ranking --test "
            "EVAL); l2l runs --evals lists them",
        )
    what = "no held-out runs of two or more datasets at the same (N, D) (within 2 %) on any target: nothing to score"
    if whole is not None and not any(
        _held_points(whole, t, sorted(set(whole.get_column("dataset").to_list()))) for t in targets
    ):
        return SelectionError(
            what,
            hint="no two datasets' runs share an (N, D) anywhere in the table, held out or not, and the backtest "
            "compares datasets' measured losses at one model: rank them at a budget instead (l2l rank -t "
            f"{shlex.quote(targets[0]) if len(targets) == 1 else 'EVAL'} --C BUDGET)",
        )
    return SelectionError(
        what,
        hint="hold out the same configurations in every dataset (e.g. the top compute budget)",
        param="holdout_top_compute",
    )


# The ranking setting of ``l2l evaluate --ranking``: the same held-out runs and evals as Table 1.
def evaluate_ranking(
    runs: Runs,
    *,
    holdout_split: str | None = None,
    holdout_top_compute: int | None = None,
    test: Sequence[str] | None = None,
    downstream: Sequence[str] | None = None,
    form: str = "auto",
    draws: int = DEFAULT_JOINT,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
    cache: FitCache | None = None,
    calibrations: CalibrationCache | None = None,
) -> RankBacktest:
    """The dataset-ranking setting on the same held-out runs and evals as ``evaluate``: for every test and
    downstream eval, the datasets ranked from the remaining runs against the measured held-out ones, as pairwise
    decision accuracy of each method and the single-scale baseline (``rank_backtest``)."""
    from l2l.workflows.evaluate import plan_holdout

    plan = plan_holdout(
        runs,
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        test=test,
        downstream=downstream,
    )
    targets = [*plan.test_evals, *plan.downstream_evals]
    return rank_backtest(
        runs,
        targets or [OWN],  # (no test evals: the datasets' own evals are the one eval they share)
        holdout_split=holdout_split,
        holdout_top_compute=holdout_top_compute,
        form=form,
        draws=draws,
        seed=seed,
        progress=progress,
        cache=cache,
        calibrations=calibrations,
    )
