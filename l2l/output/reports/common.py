"""What the report builders share: interval columns (``2.13 [2.08, 2.18]``), level words, ratios, the
columns naming a law (dataset, eval), and notes about how far a prediction reaches."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeGuard

from l2l.base.text import fmt_interval, fmt_sci, fmt_si, fmt_sig, interval_decimals
from l2l.output.report import Column, Row

__all__ = [
    "GREEK",
    "eval_column",
    "finite",
    "interval_column",
    "interval_notes",
    "pct",
    "pct_level",
    "ratio_columns",
    "reach_of_compute",
    "sci",
    "si",
    "spread",
    "times",
]

GREEK = {"alpha": "α", "beta": "β", "kappa": "κ"}

si = fmt_si
sci = fmt_sci


def finite(x: object) -> TypeGuard[float]:
    """A number that is not NaN or infinite (a bool is no number)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)


def pct(level: float | None) -> str:
    """0.9 → "90%"."""
    return "interval" if level is None else f"{100 * level:g}%"


def pct_level(rows: Sequence[Row], key: str = "level") -> str:
    """ "90%" from the rows' interval level (one level), else "interval"."""
    levels = {float(r[key]) for r in rows if r.get(key) is not None}
    return pct(next(iter(levels))) if len(levels) == 1 else "interval"


def sci_column(x: object) -> str:
    """A column of numbers in scientific notation, every one to 3 significant digits (8.90e8 beside 6.79e7)."""
    return sci(x, 3, trim=False)


def with_interval(
    estimate: float, lo: float | None, hi: float | None, level: str, *, lower_bound: bool = False
) -> str:
    """An estimate and its interval in words: ``2.13 [2.08, 2.18] (90% interval)``."""
    if not (finite(lo) and finite(hi)):
        return f"{estimate:.4g}"
    tail = ", a lower bound on the uncertainty" if lower_bound else ""
    return f"{fmt_interval(estimate, lo, hi)} ({level} interval{tail})"


def times(x: object) -> str:
    """A ratio to the largest fitted value: 20.5×, 0.031×."""
    if not finite(x):
        return fmt_sig(x)
    return f"{sci(x)}×" if abs(x) >= 1000 else f"{x:.3g}×"


def backtested_words(share: float | None, any_lower: bool) -> str:
    """Whether a method's intervals were backtested: yes, no (lower bounds), or partly (poor laws' are lower
    bounds: one of 162 made the whole row read "no")."""
    if not any_lower:
        return "yes"
    if share is None or share >= 1.0:
        return "no (lower bound)"
    return f"partly ({100 * share:.0f} % lower bounds)"


def ratio_columns() -> list[Column]:
    """C×, N×, D×: how far each prediction lies beyond the fitted runs, as every prediction's table shows it (a
    loss's, the law file's, an accuracy's: its table had none of them; p63)."""
    return [
        Column("C_ratio", "C×", fmt=times, drop=2),
        Column("N_ratio", "N×", fmt=times, drop=4),
        Column("D_ratio", "D×", fmt=times, drop=4),
    ]


def reach_of_compute(rows: Sequence[Row]) -> str:
    """The summary's words for how far the rows' compute lies beyond the fitted: ``20.5× the largest fitted
    compute`` (a spread over several rows)."""
    return f"{spread([r['C_ratio'] for r in rows], times)} the largest fitted compute"


def interval_column(
    key: str,
    header: str,
    rows: Sequence[Row],
    *,
    lo: str | None = None,
    hi: str | None = None,
    scale: float = 1.0,
    drop: int = 0,
    fmt: Callable[[float], str] | None = None,
) -> Column:
    """A people's column of ``key`` with its interval (``key_lo``, ``key_hi`` unless named): ``2.13 [2.08,
    2.18]``, every row at the decimals that show the narrowest interval's width to two significant digits (one
    more where two rows' estimates would print alike). ``scale`` multiplies every number (100: accuracy
    points); ``fmt`` formats each number instead (N*: 4.08B). Never left out unless ``drop`` says so."""
    lo_key, hi_key = lo or f"{key}_lo", hi or f"{key}_hi"

    def number(r: Row, k: str) -> float | None:
        v = r.get(k)
        return float(v) * scale if finite(v) else None

    def bounds(r: Row) -> tuple[float, float] | None:
        a, b = number(r, lo_key), number(r, hi_key)
        return None if a is None or b is None else (a, b)

    widths = [interval_decimals(*b) for r in rows if (b := bounds(r)) is not None]
    decimals = max(widths) if widths else None
    # ... and one more where rows whose estimates differ would print alike (rank's first two read "2.7 [2.2, 3.4]"
    # each, for 2.7049 and 2.7344: the difference the ranking is about; a probe); never more (estimates 0.0001
    # points apart on a plateau print alike: a tie)
    ests = sorted({e for r in rows if (e := number(r, key)) is not None})
    if decimals is None and ests and fmt is None:
        # no row has an interval (rank's measured losses): one number of decimals for every row, .4g's for the
        # largest, so that 3.060 does not print as 3.06 beside 3.007, nor two values the ranking tells apart alike
        # (2.9188 and 2.9191 both read 2.919 in a mixture sweep's measured order: helper h101)
        top = max(abs(e) for e in ests)
        decimals = min(4, max(0, 3 - math.floor(math.log10(top)))) if top > 0 and math.isfinite(top) else 4
        if decimals < 4 and len({f"{e:.{decimals}f}" for e in ests}) < len(ests):
            decimals += 1
        return Column(
            f"{key}__interval",
            header,
            cell=lambda r: "–" if (e := number(r, key)) is None else f"{e:.{decimals}f}",
            drop=drop,
        )
    if decimals is not None and decimals < 4 and len({f"{e:.{decimals}f}" for e in ests}) < len(ests):
        decimals += 1

    def cell(r: Row) -> str:
        est, b = number(r, key), bounds(r)
        if est is None:
            return "–"
        if fmt is not None:
            return fmt(est) + ("" if b is None else f" [{fmt(b[0])}, {fmt(b[1])}]")
        if b is None or decimals is None:
            return f"{est:.4g}"
        return fmt_interval(est, b[0], b[1], decimals=decimals)

    return Column(f"{key}__interval", header, cell=cell, drop=drop)


def eval_column(rows: Sequence[Row], own: Mapping[str, str] | None) -> Column:
    """The eval column of a table of laws: a name like any other, but when every row is its dataset's own loss it
    leaves a narrow table early (the title says "own loss")."""
    all_own = (
        bool(rows) and own is not None and all(own.get(str(r.get("dataset"))) == r.get("eval") for r in rows)
    )
    return Column("eval", justify="left", drop=3 if all_own else 0)


def all_own(rows: Sequence[Row], own: Mapping[str, str] | None) -> bool:
    return (
        bool(rows) and own is not None and all(own.get(str(r.get("dataset"))) == r.get("eval") for r in rows)
    )


def spread(values: Sequence[float], fmt: Callable[[float], str]) -> str:
    """ "1.2–3.4" (or the one value) of finite ``values``."""
    xs = sorted(v for v in values if finite(v))
    if not xs:
        return "–"
    a, b = fmt(xs[0]), fmt(xs[-1])
    return a if a == b else f"{a}–{b}"


def reach(r: Row) -> str:
    """How far a prediction lies beyond the fitted runs, in words."""
    parts = [
        f"{r[k]:.3g}× in {w}"
        for k, w in (("C_ratio", "compute"), ("N_ratio", "N"), ("D_ratio", "D"))
        if finite(r.get(k))
    ]
    far = finite(r.get("C_ratio")) and float(r["C_ratio"]) > UNITS_SUSPECT
    # a probe's N and D in billions (0.1, 20): its sweep's compute was 12 "FLOPs", and 1e20 1e19x beyond it
    units = " (so far that the table's N and D may be in other units: millions, billions)" if far else ""
    return "target / largest fitted: " + ", ".join(parts) + units


#: A compute this many times the largest fitted lies beyond any sweep's use: more likely the table's units.
UNITS_SUSPECT = 1e6


#: A note that only says how far a prediction reaches (``range_words``): the C×, N×, D× columns say it.
_BARE_REACH = re.compile(r"^(?:(?:compute|N|D) is [0-9.e+]+× the largest fitted(?:, |$))+$")


def said_once(lines: Iterable[tuple[str, str, str, str]]) -> list[str]:
    """Note lines (head, name, place, words) as ``{head}{names} {place}: {words}``, the lines at one place saying
    the same words said once with their names joined (in first-seen order): the three datasets of a sample at one
    target printed the same three-line warning three times."""
    said: dict[tuple[str, str, str], list[str]] = {}
    for head, name, at, body in lines:
        names = said.setdefault((head, at, body), [])
        if name not in names:
            names.append(name)
    return [f"{head}{', '.join(names)} {at}: {body}" for (head, at, body), names in said.items()]


def interval_notes(rows: Sequence[Row], name: Callable[[Row], str], where: Callable[[Row], str]) -> list[str]:
    """Per row with something to say: its interval's notes, as a warning when it reaches beyond the backtests'
    evidence or is a lower bound (how far every row reaches is in the C×, N×, D× columns); rows at one place
    (``where``) saying the same words said once, their names (``name``) joined (``said_once``)."""
    lines = []
    for r in rows:
        # the bare reach ("N is 7.21× the largest fitted") is in the columns; a note that only mentions the largest
        # fitted N (that nothing calibrates the law's extrapolation there: a lower bound) was dropped with it, and a
        # loss 3.8 % above a smaller budget's read as calibrated at 80 columns (p70)
        words = [n for n in r.get("notes", []) if not _BARE_REACH.match(n)]
        warn = bool(r.get("beyond_evidence") or r.get("lower_bound_only"))
        if not words and not warn:
            continue
        body = reach(r) + ("; " + "; ".join(words) if words else "")
        lines.append(("warning: " if warn else "", name(r), where(r), body))
    return said_once(lines)


def chance_text(chance: float | None, source: str, *, none: str = "fitted") -> str:
    """A chance level for a table cell: ``0.25 (known task)``; ``none`` where there is no level, "fitted (name
    contradicted)" where the name's level was set aside (the reason is a note)."""
    from l2l.workflows.accuracy import CHANCE_CONTRADICTED, CHANCE_DISAGREES

    if chance is None:
        return f"fitted ({CHANCE_CONTRADICTED})" if source.startswith(CHANCE_CONTRADICTED) else none
    return f"{chance:.2f} ({CHANCE_DISAGREES if source.startswith(CHANCE_DISAGREES) else source})"
