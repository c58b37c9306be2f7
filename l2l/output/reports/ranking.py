"""Reports of ``rank`` (which dataset to train on: per target the datasets ranked, each method's prediction, a
combined ranking, the verdict in words) and of its backtest (``rank --holdout``, ``evaluate --ranking``)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from l2l.base.text import ANY_DATASET, fmt_fixed, fmt_pct, for_any_dataset, plural, some_of
from l2l.output.report import Column, Report, Row
from l2l.output.reports.common import interval_column, sci, si

__all__ = ["rank_backtest_report", "ranking_report"]


if TYPE_CHECKING:
    from l2l.core.ranking import CombinedRow, DatasetPrediction, LawsScan, Ranking, TargetRanking
    from l2l.workflows.rank_eval import RankBacktest


def _rel_interval(row: Row) -> str:
    lo, hi = row.get("lo"), row.get("hi")
    return "–" if lo is None or hi is None else f"{100 * lo:+.1f}…{100 * hi:+.1f}%"


def _signed_pct(x: Any) -> str:
    return "–" if x is None else f"{100 * x:+.2f}%"


def _budget_words(ranking: Ranking) -> str:
    b = ranking.budget
    if b.C is not None:
        return f"C = {sci(b.C)}"
    return f"N = {si(b.N)}, D = {si(b.D)}"


def _likeliest_else(rows: Sequence[DatasetPrediction | CombinedRow], leader: str) -> str:
    """ ", most often best in the draws: X (P(best) p)" where that is not the point leader (past a crossover the laws
    see, the sweep's order kept a leader that its own P(best) put below another: probe p62 D3), else ""."""
    stated = [(r.p_best, r.dataset) for r in rows if r.p_best is not None]
    if not stated:
        return ""
    p, name = max(stated)
    own = next((q for q, d in stated if d == leader), None)
    if name == leader or own is None or p <= own:
        return ""
    return f"; most often best in the draws: {name}, P(best) {p:.2f}"


def _verdict(ranking: Ranking | TargetRanking, what: str, level: float) -> str:
    if ranking.leader is None:
        return f"{what}: no dataset could be ranked"
    from l2l.core.ranking import Ranking, TargetRanking

    rows = ranking.rows if isinstance(ranking, TargetRanking) else ranking.combined
    # a dataset that could not be ranked may be the best: "no other is a contender" holds among the ranked only
    # (a probe's true winner had 4 runs, too few for a law, and the headline read as if it had lost); a TIE's
    # headline names them too (p72)
    unranked = [r.dataset for r in rows if getattr(r, "status", "ok") == "failed"]
    among = " among the ranked" if unranked else ""
    left = f"; not ranked: {', '.join(unranked)}" if unranked else ""
    one = ranking if isinstance(ranking, TargetRanking) else None
    if one is None and isinstance(ranking, Ranking) and len(ranking.targets) == 1:
        one = ranking.targets[0]
    # which order a ranking that draws nothing used, and why; or why its order is unchecked (an accuracy through
    # untested per-dataset curves, whose draws' TIE or P(best) 1.00 are the curves' guesses)
    if one is not None and (said_why := one.verdict or one.unchecked_why) is not None:
        return f"{what}: {said_why}{left}"
    if ranking.tie and one is not None and one.unresolved is not None:
        return f"{what}: {_unresolved_words(one)}{left}"
    if ranking.tie:
        return (
            f"{what}: a TIE — the top choices are indistinguishable at this uncertainty: "
            f"{', '.join(ranking.contenders)} (leader {ranking.leader} by the point prediction"
            f"{_likeliest_else(rows, ranking.leader)}){left}"
        )
    pb = next((r.p_best for r in rows if r.dataset == ranking.leader), None)
    said = "" if pb is None else f", P(best) {pb:.2f}"
    if (poor := _poor_leader(ranking)) is not None:
        # a leader whose law is poor is not "beyond contention", whatever its draws say: they carry no error of a
        # law that did not settle (a probe's 4th-best dataset read P(best) 0.74, "no other dataset is a contender")
        return (
            f"{what}: {ranking.leader} leads{said}, but {poor}: its lead is not vouched for (its row's notes say "
            f"which law){among}{left}"
        )
    if ranking.below_sweep:
        # below every run the laws extrapolate down, where no backtest checks them (``rank --C 1e12`` on a sweep
        # from 2e17 had stated P(best) 1.00 beside losses of 18-49 nats), so no P(best) is stated
        where = "the budget lies below every run of the sweep, where no backtest checks the laws' order"
        if pb is not None:  # (``core.ranking.rank`` called alone states the draws')
            return f"{what}: {ranking.leader} leads{said}, but {where}{among}{left}"
        return (
            f"{what}: {ranking.leader} leads by the point prediction; {where}, so it is unchecked and no P(best) "
            f"is stated{among}{left}"
        )
    if ranking.unchecked:
        # no extrapolation error could be learned: the fits' own draws stated 0.92-1.00 and "no other dataset is
        # a contender" for wrong leaders (a one-line sweep's laws, 6 points for 5 parameters; two datasets whose
        # laws cross beyond the sweep, h59), so no P(best) is stated (``core.ranking.rank``)
        if pb is not None:  # (``core.ranking.rank`` called alone states the fits' own)
            return (
                f"{what}: {ranking.leader} leads{said}, counting only the fits' own uncertainty: no extrapolation "
                f"error could be learned, so the order beyond the sweep is unchecked{among}{left}"
            )
        return (
            f"{what}: {ranking.leader} leads by the point prediction; no extrapolation error could be learned, so "
            f"the order beyond the sweep is unchecked and no P(best) is stated{among}{left}"
        )
    # (the same rule as core.ranking's contenders: no other wins ≥ 20 % of the draws or, against the candidates'
    # mean in each draw, reaches the leader's value inside its interval; P(best) may still be below the level)
    reach = _printed_reach(ranking)
    if pb is not None and pb < level:
        # P(best) 0.82 beside "no contender at the 90% level" read as a contradiction (the others share the 18 %):
        # the rule is said instead
        from l2l.core.ranking import CONTENDER_P

        return (
            f"{what}: {ranking.leader}{said} (no other dataset alone is a contender{among}: none beats it in "
            f"{CONTENDER_P:.0%} of the draws or, measured against the datasets' mean in each draw, reaches its "
            f"value inside its {level:.0%} interval{reach}{left})"
        )
    return (
        f"{what}: {ranking.leader}{said} (no other dataset is a contender at the {level:.0%} level{among}{reach}"
        f"{left})"
    )


def _unresolved_words(t: TargetRanking) -> str:
    """The verdict where nothing chose between the laws and the sweep's order (``TargetRanking.unresolved``): both
    leaders, where the laws' changes, and that the values printed are the laws' while the rows keep the sweep's
    order (h20: "a TIE … (leader early by the point prediction)" beside a value that was neither's)."""
    assert t.unresolved is not None
    laws, sweep = t.unresolved
    flip = None if t.laws is None else next((f for f in reversed(t.laws.flips) if f.after == laws), None)
    since = "" if flip is None else f" from C ≈ {sci(flip.C)}"
    return (
        f"UNRESOLVED — the laws put {laws} first{since}; the sweep's measured order puts {sweep} first; no "
        "backtest inside the sweep could be made to choose between them (a TIE: both are contenders). The rows "
        "keep the sweep's order; 'predicted' is each dataset's own law's value and interval (predict's)"
    )


def _poor_leader(ranking: Ranking | TargetRanking) -> str | None:
    """Words where the leader's value (for any target) rests on a law its notes call poor, else None: its law's own
    value (the independent or translation method), or a recommended value that used it (trust above 0; at trust 0
    it is the sweep's measured order, which no law moves)."""
    from l2l.core.ranking import TargetRanking

    targets = (ranking,) if isinstance(ranking, TargetRanking) else ranking.targets
    for t in targets:
        for r in t.rows:
            if r.dataset != ranking.leader or (t.method == "recommended" and not r.trust):
                continue
            if any("poor law: " in n or " is poor (" in n for n in r.notes):
                return "a law behind its value is poor"
    return None


def _printed_reach(ranking: Ranking | TargetRanking) -> str:
    """Words on the other datasets whose printed interval holds the leader's value, or "": a probe's headline said
    none "reaches its value inside its 90% interval" beside the printed intervals of two that did (8 of 20
    accuracy rankings, 2 of 20 loss rankings). The test compares each dataset with the datasets' mean in each
    draw; a printed interval is its value's uncertainty on its own (for an accuracy, the law's error too, which
    moves every dataset alike)."""
    from l2l.core.ranking import TargetRanking

    if isinstance(ranking, TargetRanking) or len(ranking.targets) == 1:
        one = ranking if isinstance(ranking, TargetRanking) else ranking.targets[0]
        shown = [(r.dataset, r.value, r.lo, r.hi) for r in one.rows if r.status == "ok"]
        higher = one.metric == "accuracy"
    else:  # the combined ranking: relative log losses, lower is better
        shown = [(r.dataset, r.score, r.lo, r.hi) for r in ranking.combined if r.status == "ok"]
        higher = False
    lead = next((v for name, v, _, _ in shown if name == ranking.leader), None)
    if lead is None:
        return ""
    names = [
        name
        for name, _, lo, hi in shown
        if name != ranking.leader
        and lo is not None
        and hi is not None
        and (hi >= lead if higher else lo <= lead)
    ]
    if not names:
        return ""
    several = len(names) > 1
    return (
        f"; the printed interval{'s' if several else ''} of {some_of(names)} reach{'' if several else 'es'} its "
        "value: each value's uncertainty on its own, not its difference from the others"
    )


def _flip_words(t: TargetRanking, budget_c: float | None) -> list[str]:
    if budget_c is None:
        return []
    lo, hi = sci(budget_c / 10.0), sci(budget_c * 10.0)
    # whose winner: a note beside it may say that the laws alone (another method) put another dataset first
    whose = f"the {t.method} ranking's winner" + (" by accuracy" if t.metric == "accuracy" else "")
    if t.laws is not None:
        return [_laws_flip_words(t, t.laws, budget_c, whose) + _fresh_words(t)]
    if not t.flips:
        return [f"{t.target}: {whose} is the same for every C from {lo} to {hi}{_fresh_words(t)}"]
    words = [f"{t.target}: {whose} changes from {f.before} to {f.after} at C ≈ {sci(f.C)}" for f in t.flips]
    # by the point predictions: where the budget's top choices are a tie, a change of winner is one of points (p67:
    # "the winner changes from web to code at C ≈ 1.24e20" beside a TIE at 1e21, code truly 8-12 % worse); where
    # untested curves make the order (``unchecked_why``), so do they the change (h91's table: "changes from web to
    # books at C ≈ 5.61e19", web truly ahead at every budget)
    tied = " (by the point predictions; at this budget the top choices are a tie)" if t.tie else ""
    untested = (
        " (by the point predictions of accuracy curves no backtest tested: unchecked)"
        if t.unchecked_why is not None
        else ""
    )
    return [*words[:-1], words[-1] + tied + untested + _fresh_words(t)]


def _fresh_words(t: TargetRanking) -> str:
    """Where the scan reaches a D* that repeats a dataset's unique tokens beyond its runs (``fresh_until``): the
    winners from there on are unchecked."""
    if t.fresh_until is None:
        return ""
    c, ds = t.fresh_until
    return (
        f", but from C ≈ {sci(c)} on {ds}'s D* repeats its unique tokens more often than its runs did, which its law "
        "takes as new data: the winner there is unchecked"
    )


def _laws_flip_words(t: TargetRanking, laws: LawsScan, budget_c: float, whose: str) -> str:
    """The ranking's winners over the scanned budgets beside the laws' alone, where the two put different datasets
    first: a kept order's "winner is the same for every C" read as if nothing crossed there, while the laws alone
    changed winner in that range (a probe: right in 6 of 6 seeds), and why the ranking does not follow them."""
    c_lo, c_hi = budget_c / 10.0, budget_c * 10.0
    lo, hi = sci(c_lo), sci(c_hi)
    ranked = (
        f"{whose} is {laws.ranked_first} for every C from {lo} to {hi}"
        if not t.flips
        else f"{whose} changes "
        + ", ".join(f"from {f.before} to {f.after} at C ≈ {sci(f.C)}" for f in t.flips)
        + (" (by the point predictions; at this budget the top choices are a tie)" if t.tie else "")
    )
    # the laws' winner at the range's low end (since the change that made it, where that lies beyond the sweep),
    # then each change inside the range
    came = [f.C for f in laws.flips if c_lo >= f.C]
    steps = [(laws.winner_at(c_lo), came[-1] if came else None)]
    steps += [(f.after, f.C) for f in laws.flips if c_lo < f.C <= c_hi]
    (name, since), rest = steps[0], steps[1:]
    if not rest:
        when = f"from C ≈ {sci(since)} on" if since is not None else f"for every C from {lo} to {hi}"
        alone = f"the laws alone put {name} first {when}"
    else:
        head = f"from C ≈ {sci(since)}" if since is not None else f"at C = {lo}"
        later = [f"{n} from C ≈ {sci(c)}" for n, c in rest if c is not None]
        alone = f"the laws alone put {name} first {head}, " + (
            later[0] if len(later) == 1 else f"{', '.join(later[:-1])} and {later[-1]}"
        )
    return f"{t.target}: {ranked}, but {alone}{_why_not_laws(t)}"


def _why_not_laws(t: TargetRanking) -> str:
    """Why the ranking does not follow the laws alone, from its method and error model ("" where nothing short
    says it)."""
    if t.method == "baseline":
        return "; the baseline is the order measured at each dataset's largest budget"
    if t.method != "recommended":
        return ""
    err = t.draw_error
    if err.use_laws:
        return (
            "; the recommended ranking adds the laws' change to each dataset's measured loss at its largest budget "
            "(the dataset-specific part weighted by trust), not the laws' own values"
        )
    if err.backtested and err.backtest_tied:
        return (
            "; the sweep's backtests could not tell the laws from the sweep's order (tied), so the sweep's order "
            "is kept"
        )
    if err.backtested:
        return "; the sweep's backtests ordered fewer pairs right by the laws, so the sweep's order is kept"
    return "; no backtest inside the sweep could check the laws, so the sweep's order is kept"


def _ranked_by(t: TargetRanking) -> str:
    """What a target's table is ranked by, for its title."""
    if t.metric == "accuracy":
        return f"ranked by predicted accuracy (higher is better) via the {t.method} prediction of {t.via}"
    if t.measured_at is not None:
        return f"ranked by the loss measured at N = {si(t.measured_at[0])}, D = {si(t.measured_at[1])}"
    return f"ranked by the {t.method} prediction"


def _value_header(t: TargetRanking, level: float) -> str:
    """The header of a target's value column: a prediction and its interval, or a loss measured (no interval:
    nothing tells the runs' noise, ``TargetRanking.measured_at``)."""
    if t.measured_at is not None:
        return f"measured {t.metric}"
    return f"predicted {'accuracy (pts) ' if t.metric == 'accuracy' else ''}[{level:.0%}]"


def _target_table(t: TargetRanking, ranking: Ranking, label: str, split: str | None) -> Report:
    fixed = ranking.budget.C is None
    rows = [{**r.to_dict(), "target": t.target} for r in t.rows]
    cols = [
        Column("rank", "#", drop=0),
        Column("dataset", justify="left"),
        interval_column(  # accuracy in points, as predict and evaluate show it (JSON keeps the fraction)
            "value",
            _value_header(t, ranking.level),
            rows,
            lo="lo",
            hi="hi",
            scale=100.0 if t.metric == "accuracy" else 1.0,
        ),
        Column("p_best", "P(best)", fmt=fmt_fixed(2), drop=0),
        *_size_columns(t, fixed),
    ]
    # first: the values below are no law's prediction (it sits beside the verdict, not after the tables)
    notes: list[str] = ([t.refused] if t.refused else []) + _lawless_notes(t)
    # the same note of several datasets is said once, naming them (or counting them)
    unranked: dict[str, list[str]] = {}
    said: dict[str, list[str]] = {}
    ranked = [p for p in t.rows if p.status == "ok"]
    for p in t.rows:
        lawless = tuple(f"{m}:" for m in p.lawless)  # (said once for every dataset, above)
        if p.status == "failed":
            reason = p.reason or ""
            if p.lawless:
                from l2l.core.ranking import failure_reason

                reason = failure_reason(p.notes, t.method, p.lawless)
            unranked.setdefault(for_any_dataset(reason, p.dataset), []).append(p.dataset)
        for n in p.notes if p.status == "ok" else ():
            if not n.startswith(lawless):
                said.setdefault(for_any_dataset(n, p.dataset), []).append(p.dataset)
    notes.extend(
        f"{_whose(who, len(t.rows) - len(ranked), 'unranked')}: not ranked: {_for_these(n, who)}"
        for n, who in unranked.items()
    )
    notes.extend(f"{_whose(who, len(ranked), 'ranked')}: {_for_these(n, who)}" for n, who in said.items())
    all_measured = bool(ranked) and all(p.measured_runs for p in ranked)  # the model asked for, run by each
    word = "accuracy" if t.metric == "accuracy" else "loss"
    if _at_top(t) and t.measured_at is not None:
        notes.append(
            f"N run, D run: the model whose measured {word} is each dataset's value, not a prediction here"
        )
    elif _at_top(t):
        notes.append(
            f"N run, D run: the sizes of the runs whose measured {word} is the baseline's value (each dataset's "
            f"largest budget){'' if fixed else ', not the compute-optimal N*, D* at this budget'}"
        )
    elif not fixed and ranked:
        # a point, where `optimal` prints its interval: on a probe's 50 datasets one N* read 11.1B for a true 4.06B
        # (optimal: [2.54B, 36.4B]), with nothing to say how loose it was (p68)
        notes.append(
            f"N*, D*: each dataset's compute-optimal model by its own-loss law, the point (l2l optimal --C "
            f"{sci(ranking.budget.C)} gives their intervals)"
        )
    if t.method == "baseline" and not all_measured and t.measured_at is None:
        # (of an accuracy it said "loss", and its intervals, read as predictions at 1B, held 8 of 672 truths)
        notes.append(
            f"baseline: 'predicted' is the {word} measured at each dataset's largest budget, not a prediction at "
            f"this budget, and its interval says how sure that order is, not where the {word} will be here; only "
            "the order counts"
        )
    # (an unresolved ranking's values are each dataset's own law's: its verdict says so)
    if t.method == "recommended" and ranked and t.unresolved is None and all(p.trust == 0 for p in ranked):
        # an order-keeping anchor, off each dataset's own loss by half the datasets' difference in change (a
        # two-dataset probe: 3-4 % off both truths, inside none of the intervals)
        notes.append(
            "recommended with trust 0 (no dataset-specific change used): 'predicted' is each dataset's measured "
            "loss at its largest budget (taken to its compute-optimal size there by its own law, where its runs "
            "there span that size) moved by the change shared by every dataset; it keeps the sweep's order and is "
            "not the dataset's own predicted loss (the independent column is)"
        )
    # (else the warning says what they hold; a baseline's intervals are no predictions: its note says so)
    if ranked and not all_measured and t.draw_error.shared_sd > 0 and t.method != "baseline":
        notes.append(
            "the intervals include the extrapolation error shared by every dataset (it moves them alike); "
            "P(best) counts only what can reorder them"
        )
    fitted = f", fitted on split {split}" if split else ""
    how = _ranked_by(t)
    return Report(
        "rank-target",
        cols,
        rows,
        title=f"{t.target} at {label}: {how}{fitted}",
        notes=notes,
        show_in=frozenset({"table"}),
    )


#: More datasets than this sharing a note are counted, not named (DCLM's 39 names took 40 lines at 80 columns).
NAMED_AT_MOST = 4


def _for_these(note: str, who: list[str]) -> str:
    """A note made by ``for_any_dataset`` as said of ``who``: its dataset's own name back where one dataset alone has
    it."""
    return note.replace(f" {ANY_DATASET}=", f" {who[0]}=") if len(who) == 1 else note


def _whose(who: list[str], of: int, which: str) -> str:
    """The datasets a note is about (of ``of`` ``which`` datasets): named when few, else counted."""
    if len(who) <= NAMED_AT_MOST:
        return ", ".join(who)
    return f"all {of} {which} datasets" if len(who) == of else f"{len(who)} of the {of} {which} ({who[0]}, …)"


def _lawless_notes(t: TargetRanking) -> list[str]:
    """One note for the datasets whose laws are short of runs (a method of each has no law to predict with): the
    same two notes per dataset, each naming it, took 400 of DCLM's 483 lines at 80 columns (p57)."""
    by_methods: dict[tuple[str, ...], list[str]] = {}
    example: dict[tuple[str, ...], str] = {}
    for p in t.rows:
        if p.lawless:
            by_methods.setdefault(p.lawless, []).append(p.dataset)
            first = next((n for n in p.notes if n.startswith(f"{p.lawless[0]}:")), "")
            example.setdefault(p.lawless, first.split(": ", 1)[-1])
    out = []
    for methods, who in by_methods.items():
        shown = (
            ", ".join(who)
            if len(who) <= NAMED_AT_MOST
            else f"all {len(who)} datasets"
            if len(who) == len(t.rows)
            else f"{len(who)} of {len(t.rows)} datasets"
        )
        out.append(
            f"{' and '.join(methods)}: no law on {t.target} for {shown}: too few runs for one (e.g. "
            f"{example[methods]})"
        )
    return out


def _at_top(t: TargetRanking) -> bool:
    """Whether some of the target's values were measured at a dataset's largest budget, not at the asked model:
    the baseline's (where no dataset ran the model asked for)."""
    return (t.method == "baseline" or t.measured_at is not None) and any(
        r.status == "ok" and not r.measured_runs for r in t.rows
    )


def _size_columns(t: TargetRanking, fixed: bool) -> list[Column]:
    """N and D: of the model each value is for (N*, D*: the compute-optimal model at a budget C). A baseline ranks
    values measured at each dataset's largest budget: its columns show the sizes of those runs ("N run"), never
    an N*, D* the value was not measured at (8.97B beside a value measured at 1.3B)."""
    if not _at_top(t):
        return [
            Column("N", "N" if fixed else "N*", fmt=si, drop=2),
            Column("D", "D" if fixed else "D*", fmt=si, drop=2),
        ]

    def size(key: str) -> Callable[[Row], str]:
        def cell(row: Row) -> str:
            if row.get("measured_runs"):  # the model asked for, measured there
                return si(row.get(key))
            lo, hi = row.get(f"top_{key}_lo"), row.get(f"top_{key}_hi")
            if row.get("status") != "ok" or lo is None or hi is None:
                return "–"
            return si(lo) if si(lo) == si(hi) else f"{si(lo)}–{si(hi)}"

        return cell

    return [Column("N", "N run", cell=size("N"), drop=2), Column("D", "D run", cell=size("D"), drop=2)]


def _methods_table(t: TargetRanking) -> Report:
    rows = [r.to_dict() for r in t.rows]
    cols = [
        Column("dataset", justify="left"),
        Column("measured_top", "top runs", fmt=fmt_fixed(4), drop=2),
        Column("independent", fmt=fmt_fixed(4)),
        Column("translation", fmt=fmt_fixed(4)),
        Column("recommended", fmt=fmt_fixed(4)),
        Column("trust", fmt=fmt_fixed(2), drop=3),
    ]
    return Report(
        "rank-methods",
        cols,
        rows,
        title=f"Predicted {t.target} by each method",
        notes=[
            "top runs: measured at the dataset's largest budget (the single-scale baseline); independent: the "
            "target's own law; translation: the own-loss law through its train-to-test relation; recommended: "
            "the top runs (taken along their budget to its optimum where they span it) plus the laws' change to "
            "the budget, the dataset-specific part weighted by trust."
        ],
        show_in=frozenset({"table"}),
    )


def _combined_table(ranking: Ranking) -> Report:
    rows = [r.to_dict() for r in ranking.combined]
    for r in rows:
        r["interval"] = _rel_interval(r)
    weights = ", ".join(f"{t.target} {t.weight:g}" for t in ranking.targets)
    cols = [
        # the rank, the score and P(best) stay as the targets' tables keep theirs: at 80 columns DCLM's long names
        # left the dataset column alone, the ranking without its order or values (probe h52); names wrap
        Column("rank", "#", drop=0),
        Column("dataset", justify="left"),
        Column("score", "vs mean", fmt=_signed_pct, drop=0),
        Column("interval", f"{ranking.level:.0%} interval", fmt=str, data=False),
        Column("p_best", "P(best)", fmt=fmt_fixed(2), drop=0),
    ]
    notes = [
        "vs mean: the weighted mean over targets of the predicted loss relative to the mean candidate "
        f"(−1 % = 1 % lower loss); weights: {weights}"
    ]
    notes += [f"{r.dataset}: not ranked: {r.reason}" for r in ranking.combined if r.status == "failed"]
    return Report(
        "rank-combined",
        cols,
        rows,
        title=f"Combined ranking over {plural(len(ranking.targets), 'target')}",
        notes=notes,
        show_in=frozenset({"table", "json"}),
        json_key="combined",
    )


#: The ``metric`` of a combined row in CSV: its value is the weighted mean over targets of the log loss relative to
#: the mean candidate (``CombinedRow.score``), not a loss.
COMBINED_METRIC = "log_loss_vs_mean"


def _combined_csv_row(r: CombinedRow) -> dict[str, object]:
    """A combined-ranking row in the per-target rows' columns (``target`` = ``combined``)."""
    d = r.to_dict()
    return {
        "target": "combined",
        **{k: d[k] for k in ("rank", "dataset", "status", "reason", "lo", "hi", "p_best")},
        "metric": COMBINED_METRIC,
        "value": d["score"],
    }


def ranking_report(ranking: Ranking, *, split: str | None = None) -> list[Report]:
    """rank: per target the datasets ranked (N*, D*, predicted target loss, interval, P(best)) and each method's
    prediction, a combined ranking for several targets, and the verdict (leader or tie, flips) in words.

    JSON: one document, the rows of every target (with a ``target`` column), ``combined`` and the verdict in the
    top-level keys; CSV: the rows of every target as one table."""
    label = _budget_words(ranking)
    several = len(ranking.targets) > 1
    verdict = [
        _verdict(ranking, f"Best dataset at {label}" + (" (combined)" if several else ""), ranking.level)
    ]
    if several:
        verdict += [
            _verdict(t, f"  {t.target}", ranking.level) for t in ranking.targets
        ]  # JSON and CSV notes
    flips = [w for t in ranking.targets for w in _flip_words(t, ranking.budget.C)]
    refused = [t.refused for t in ranking.targets if t.refused]  # (the table says it beside each verdict)
    warnings = list(ranking.warnings)
    # an accuracy target's value, lo and hi are accuracies, its methods' columns the task loss they chain through
    # (a probe's CSV read 0.61 beside 2.02 in one row with nothing to say which was which)
    rows = [
        {
            **r.to_dict(),
            "target": t.target,
            "weight": t.weight,
            "metric": t.metric,
            "loss_eval": t.via or t.target,
        }
        for t in ranking.targets
        for r in t.rows
    ]
    data_cols = [
        Column(k, justify="left" if k in ("target", "dataset", "status", "reason", "metric", "loss_eval") else "right")
        for k in (
            "target", "weight", "rank", "dataset", "status", "reason", "N", "D", "top_N_lo", "top_N_hi", "top_D_lo",
            "top_D_hi", "metric", "value", "lo", "hi",
            "p_best", "loss_eval", "independent", "translation", "recommended", "measured_top", "trust", "notes",
        )
    ]  # fmt: skip
    meta = {
        "budget": ranking.budget.to_dict(),
        "method": ranking.method,
        "level": ranking.level,
        "draws": ranking.draws,
        "split": split,
        "leader": ranking.leader,
        "tie": ranking.tie,
        "contenders": list(ranking.contenders),
        "flips": [{"target": t.target, **f.to_dict()} for t in ranking.targets for f in t.flips],
        # where the laws alone put another dataset first somewhere in the scanned budgets (the notes say it)
        "laws_alone": {t.target: t.laws.to_dict() for t in ranking.targets if t.laws is not None},
        "error_models": {t.target: t.draw_error.to_dict() for t in ranking.targets},
        # where nothing chose between the laws and the sweep's order: each one's leader (the headline says both)
        "unresolved": {
            t.target: {"laws": t.unresolved[0], "sweep": t.unresolved[1]}
            for t in ranking.targets
            if t.unresolved is not None
        },
        "curves": {t.target: [c.to_dict() for c in t.curve] for t in ranking.targets},
        "warnings": refused + warnings,
    }
    main = Report(
        "rank",
        data_cols,
        rows,
        title="Datasets ranked",
        notes=verdict + refused + flips + warnings,
        meta=meta,
        show_in=frozenset({"json"}),
    )
    # CSV is one table: with several targets the combined ranking (the answer) is its rows under target
    # 'combined' (a probe's CSV held the per-target rows only; the table and JSON had the combined ranking)
    combined_rows = [_combined_csv_row(r) for r in ranking.combined] if several else []
    reports = [main, replace(main, rows=rows + combined_rows, show_in=frozenset({"csv"}))]
    for t in ranking.targets:
        what = f"Best dataset for {t.target} at {label}" if several else f"Best dataset at {label}"
        reports.append(
            replace(_target_table(t, ranking, label, split), summary=_verdict(t, what, ranking.level))
        )
        # (without a law's prediction anywhere the table holds the names and the values the ranking shows)
        if (
            not several
            and t.metric == "loss"
            and t.refused is None  # (its columns would be the refused laws' values)
            and t.verdict
            is None  # (a fixed-D sweep's: its laws' values are the table's, the baseline a warning)
            and any(r.independent is not None or r.translation is not None for r in t.rows)
        ):
            reports.append(_methods_table(t))
    combined = replace(_combined_table(ranking), summary=verdict[0])
    reports.append(combined if several else replace(combined, show_in=frozenset({"json"})))
    last = max(i for i, r in enumerate(reports) if "table" in r.show_in)
    reports[last] = replace(reports[last], notes=[*reports[last].notes, *flips, *warnings])
    return reports


def _backtest_verdict(bt: RankBacktest) -> list[str]:
    """Whether a method beats the single-scale baseline on the held-out pairs, in words."""
    best = bt.best()
    base = next((m for m in bt.methods if m.method == "baseline"), None)
    verdict: list[str] = []
    if best is not None and base is not None and base.accuracy is not None:
        others = [m for m in bt.methods if m.method != "baseline" and m.accuracy is not None]
        top = max(others, key=lambda m: (m.right, m.method == "recommended")) if others else None
        if top is not None and top.accuracy is not None and top.pairs != base.pairs:
            # the baseline scores only the pairs of datasets it can value (one whose runs stop early cannot be):
            # "4 more pairs of 6" compared counts of different pair sets (a probe: 10/10 against 6/6)
            word = (
                "beats"
                if top.accuracy > base.accuracy
                else "is level with"
                if top.accuracy == base.accuracy
                else "does not beat"
            )
            verdict.append(
                f"{top.method} {word} the single-scale baseline on its own pairs: {top.right}/{top.pairs} "
                f"({top.accuracy:.1%}) vs {base.right}/{base.pairs} ({base.accuracy:.1%}); the baseline scores "
                "only the pairs of datasets it can value."
            )
        elif top is None or top.right < base.right:
            verdict.append(
                f"No method beats the single-scale baseline here: baseline {base.accuracy:.1%}"
                + (
                    f", best method ({top.method}) {top.accuracy:.1%}."
                    if top and top.accuracy is not None
                    else "."
                )
            )
        elif (top.right - base.right) < 0.005 * base.pairs:
            verdict.append(
                f"{top.method} and the single-scale baseline are level: {top.accuracy:.1%} vs "
                f"{base.accuracy:.1%} ({plural(top.right - base.right, 'more pair')} of {base.pairs})."
            )
        else:
            verdict.append(
                f"{top.method} beats the single-scale baseline: {top.accuracy:.1%} vs {base.accuracy:.1%}"
                f" ({plural(top.right - base.right, 'more pair')} of {base.pairs})."
            )
    return verdict


def rank_backtest_report(bt: RankBacktest, *, part: bool = False) -> list[Report]:
    """rank --holdout / evaluate --ranking: pairwise decision accuracy of each method and the single-scale
    baseline against the measured held-out runs, near-ties apart; then the pairs right per target.

    ``part``: as a part of another command's output (``evaluate``): in JSON under ``ranking`` and
    ``ranking_targets``, and left out of CSV (one table)."""
    labels = {
        "baseline": "single-scale baseline",
        "independent": "independent",
        "translation": "translation",
        "recommended": "recommended",
    }
    rows = [{**m.to_dict(), "label": labels.get(m.method, m.method)} for m in bt.methods]
    for r in rows:
        r["near"] = f"{r['near_ties_right']}/{r['near_ties']}"
        r["pairs_right"] = f"{r['right']}/{r['pairs']}"
    cols = [
        Column("label", "method", justify="left", data=False),
        Column("method", table=False),
        Column("pairs_right", "pairs right", fmt=str, data=False),
        Column("right", table=False),
        Column("pairs", table=False),
        Column("accuracy", fmt=fmt_pct(1), drop=0),
        Column("accuracy_clear", "without near-ties", fmt=fmt_pct(1), drop=0),
        Column("near", "near-ties right", fmt=str, data=False, drop=2),
        Column("near_ties", table=False),
        Column("near_ties_right", table=False),
    ]
    verdict = _backtest_verdict(bt)
    scored = [t for t in bt.targets if t.points]
    notes = [
        f"held out: {bt.holdout}; ranked from the rest at each held-out (N, D) run by two or more datasets; "
        f"{plural(len(scored), 'target')}, {plural(len(bt.datasets), 'dataset')}, {bt.draws} draws",
        f"near-tie: held-out losses within {bt.near_tie:.1%} of each other (counted, and left out in "
        "'without near-ties')",
        "single-scale baseline: rank by the mean measured loss at each dataset's largest remaining budget",
        *bt.notes,
    ]
    trows = [t.to_dict() for t in bt.targets]
    for r in trows:
        # a method that scored other pairs than the recommended one (the baseline values only the datasets whose
        # runs reach the largest budget) shows its right of its own pairs
        for m in labels:
            own = r.get(f"pairs_{m}", r["pairs"])
            r[f"shown_{m}"] = str(r[f"right_{m}"]) if own == r["pairs"] else f"{r[f'right_{m}']}/{own}"
    tcols = [
        Column("target", justify="left"),
        Column("points", table=False),
        Column("pairs", drop=3),
        Column("near_ties", "near-ties", drop=3),
        *(
            Column(
                f"shown_{m}",
                labels[m].split()[-1] if m != "baseline" else "baseline",
                fmt=str,
                data=False,
                drop=0,
            )
            for m in labels
        ),
        *(Column(f"right_{m}", table=False) for m in labels),
        *(Column(f"pairs_{m}", table=False) for m in labels),
        *(Column(f"near_ties_{m}", table=False) for m in labels),
        Column("notes", table=False),
    ]
    reports = [
        Report(
            "rank-backtest",
            cols,
            rows,
            title="Dataset ranking backtest: pairs of datasets ordered as the held-out runs measured",
            notes=notes,
            meta={
                "holdout": bt.holdout,
                "datasets": list(bt.datasets),
                "near_tie": bt.near_tie,
                "draws": bt.draws,
            },
            summary=" ".join(verdict) or None,
        ),
        Report(
            "rank-backtest-targets",
            tcols,
            trows,
            title="Pairs right per target",
            notes=[
                "pairs and near-ties: the recommended method's; a method that scored other pairs shows "
                "right/its own pairs (the baseline values only the datasets whose runs reach the largest budget)"
            ]
            if any(r[f"shown_{m}"] != str(r[f"right_{m}"]) for r in trows for m in labels)
            else [],
            show_in=frozenset({"table", "json"}),
            json_key="targets",
        ),
    ]
    buckets = [b.to_dict() for b in bt.calibration if b.n]
    if buckets and not part:
        for b in buckets:
            b["bucket"] = f"{b['lo']:.2f}–{b['hi']:.2f}"
        reports.append(
            Report(
                "rank-backtest-pbest",
                [
                    Column("bucket", "stated P(best)", justify="left"),
                    Column("n", "leaders"),
                    Column("stated", "mean stated", fmt=fmt_fixed(2)),
                    Column("realised", "right", fmt=fmt_fixed(2)),
                    Column("lo", table=False),
                    Column("hi", table=False),
                ],
                buckets,
                title="P(best) of the recommended ranking's leader against how often it was right",
                show_in=frozenset({"table", "json"}),
                json_key="pbest_calibration",
            )
        )
    if part:
        return [
            replace(r, show_in=frozenset({"table", "json"}), json_key=key, meta={})
            for r, key in zip(reports, ("ranking", "ranking_targets"), strict=True)
        ]
    return reports
