"""Which rows of a run table are one measurement: row filters (``--where``), repeats and what they are.

- ``parse_where(["config=base"])``: filters ``COL=VALUE`` (a glob with ``*``; a number equal as a number) and
  ``COL!=VALUE`` (``COL!=``: the cell is not empty); several values of one column are alternatives, filters on
  different columns all apply.
  ``where_expr`` makes the polars expression for one file's columns.
- ``resolve_repeats``: rows at the same (dataset, N, D, eval, split) are one measurement repeated only when the
  table says so. Rows whose ``seed`` differs are seeds (averaged, counted); rows nothing tells apart are repeats
  (averaged, counted); rows of runs that differ only in their run id (a ladder's 1x and 2x runs crossing one D)
  stay separate points; rows that differ in another column of the table (a configuration, a learning rate, a
  sweep) are different setups, never averaged nor mixed in one law: refused with the fix (``--where
  COL=VALUE``), or, with ``best_of``, the best run of each (dataset, N, D) kept (a hyper-parameter sweep's
  envelope; over several columns, the best of their joint grid), and where the value kept sits at the edge of the
  values tried (``Edge``), or where the values never meet at one (dataset, N, D) at all (``Setups``: separate
  setups, not a sweep, whose runs --best-of would fit into one law).
"""

from __future__ import annotations

import math
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fnmatch import translate
from statistics import median
from typing import Final

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError, UsageError
from l2l.base.runs import REPEAT_KEY
from l2l.base.text import fmt_si, fmt_sig, plural
from l2l.io.columns import TOKENIZER_COLUMNS

__all__ = [
    "APART_SWEEP",
    "EDGE_VALUES",
    "EXTRA",
    "SEED_DIVERGED",
    "SEED_DIVERGED_SPREADS",
    "Edge",
    "Repeats",
    "SetupGroup",
    "Setups",
    "Spread",
    "Where",
    "disjoint_setups",
    "follow_best",
    "parse_where",
    "resolve_repeats",
    "where_expr",
]

#: Prefix of the columns a reader carries beside the canonical ones (the table's other columns, as text).
EXTRA: Final = "@"


#: The comparisons ``--where`` takes, longest first (``<=`` before ``<``): equality (a glob, or a number equal as a
#: number) and its negation, and the numeric ones (a value with a unit as N and D take it: ``D<=2B``).
WHERE_OPS: Final[tuple[str, ...]] = ("!=", "<=", ">=", "=", "<", ">")
#: The numeric comparisons among ``WHERE_OPS``.
ORDER_OPS: Final[frozenset[str]] = frozenset({"<", "<=", ">", ">="})
WHERE_FORMS: Final = "COL=VALUE, COL!=VALUE, COL<X, COL<=X, COL>X or COL>=X"


@dataclass(frozen=True)
class Where:
    """One row filter: ``column`` (as in the file, or a canonical name) equal (or not) to ``value``, or (``op``
    one of ``ORDER_OPS``) compared with the number ``value``."""

    column: str
    value: str
    negate: bool = False
    op: str = ""

    def __str__(self) -> str:
        return f"{self.column}{self.op or ('!=' if self.negate else '=')}{self.value}"


def parse_where(items: Sequence[str]) -> tuple[Where, ...]:
    """``COL=VALUE`` / ``COL!=VALUE`` items (the first ``=`` splits: values may hold ``=``), and ``COL<X``,
    ``COL<=X``, ``COL>X``, ``COL>=X`` with X a number (a unit allowed: ``2B``); UsageError for a malformed one.
    ``D<=2e9`` was split at its ``=`` into the column ``D<`` ("no column 'D<'"; probe p65 D5)."""
    out: list[Where] = []
    for item in items:
        at = [(i, op) for op in WHERE_OPS if (i := item.find(op)) > 0]
        if not at:
            raise UsageError(f"expected {WHERE_FORMS}, got {item!r}", param="where")
        i, op = min(at, key=lambda x: (x[0], -len(x[1])))  # (the first operator; <= over <)
        col, value = item[:i].strip(), item[i + len(op) :].strip()
        # an empty value is an empty cell (a blank or a missing-number marker): 'loss!=' leaves out the rows of a
        # long export whose loss was never logged, which a wide table's blanks are left out by themselves
        if not col or (not value and op in ORDER_OPS):
            raise UsageError(f"expected {WHERE_FORMS}, got {item!r}", param="where")
        if op == "=" and value[:1] in ("<", ">") and _number(value[1:].strip()) is not None:  # (D=<2e9)
            raise UsageError(
                f"--where {item}: write the comparison as {col}{value[0]}={value[1:].strip()}",
                hint=f"--where takes {WHERE_FORMS}",
                param="where",
            )
        if op in ORDER_OPS:  # (X a number, or another column: D<=unique_tokens; checked on each file)
            out.append(Where(col, value, op=op))
        else:
            out.append(Where(col, value, op == "!="))
    return tuple(out)


def _source(spec: Where, columns: Sequence[str], mapping: Mapping[str, str]) -> str | None:
    if spec.column in columns:
        return spec.column
    norm = schema.norm_name(spec.column)
    hits = [c for c in columns if schema.norm_name(c) == norm]
    if len(hits) == 1:
        return hits[0]
    canon = schema.canonical_name(spec.column) or (spec.column if spec.column in mapping else None)
    return mapping.get(canon) if canon is not None else None


def _matches(col: str, value: str) -> pl.Expr:
    c = pl.col(col)
    text = c.cast(pl.String).str.strip_chars()
    if not value:  # an empty cell, as a number's reader takes one: blank, a marker such as NA, or NaN
        empty = text.str.to_uppercase().is_in([*schema.MISSING_MARKERS, "NAN"])
        return (text.is_null() | (text == "") | empty).fill_null(True)
    hit = text == value
    if schema.is_glob(value):
        # a value equal to the pattern wins over the glob: 'mix[1]' is the dataset of that name where the table
        # has one (the glob read [1] as a class: mix1 only), a glob where it has none
        # anchored at both ends, as a glob matches the whole value ('a*' kept every name holding an 'a')
        glob = text.str.contains("^" + translate(value).replace(r"\Z", "$"))
        hit = pl.when(hit.fill_null(False).any()).then(hit).otherwise(glob)
    try:
        # a size as the table's cells and --N accept it: 'params!=2.8B' left out none of the 2.8e9 runs
        number = schema.parse_quantity(value)
    except ValueError:
        number = math.nan
    if math.isfinite(number):
        hit = hit | (c.cast(pl.Float64, strict=False) == number)
    return hit.fill_null(False)


#: A cell as a number, with a unit as N and D take one (``2B``, ``350M``): capture number and suffix.
_CELL_NUMBER: Final = r"^([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)\s*([A-Za-z]?)$"


def cell_number(col: str) -> pl.Expr:
    """A column's cells as numbers (``2e9``, ``2B``, ``350m``), null where a cell is none."""
    text = pl.col(col).cast(pl.String).str.strip_chars()
    parts = text.str.extract_groups(_CELL_NUMBER)
    scale = (
        parts.struct.field("2")
        .str.to_lowercase()
        .replace_strict({"": 1.0, **{k: float(v) for k, v in schema.UNITS.items()}}, default=None)
    )
    return parts.struct.field("1").cast(pl.Float64, strict=False) * scale


def _number(value: str) -> float | None:
    try:
        x = schema.parse_quantity(value)
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def _compare(col: str, spec: Where, columns: Sequence[str], mapping: Mapping[str, str]) -> pl.Expr:
    """``col OP X``: X a number (a unit allowed), else the column X names (compared row by row)."""
    x = _number(spec.value)
    other = _source(Where(spec.value, ""), columns, mapping) if x is None else None
    right = pl.lit(x) if x is not None else cell_number(other) if other is not None else pl.lit(None)
    c = cell_number(col)
    hit = {"<": c < right, "<=": c <= right, ">": c > right, ">=": c >= right}[spec.op]
    return hit.fill_null(False)


def check_comparisons(
    specs: Sequence[Where], frame: pl.LazyFrame, mapping: Mapping[str, str], path: str
) -> None:
    """A numeric comparison (``--where D<=2e9``, ``D<=unique_tokens``) of a column of this file: a usage error
    where the column holds no number, or X is neither a number nor a column of the file."""
    columns = frame.collect_schema().names()
    for spec in specs:
        src = _source(spec, columns, mapping) if spec.op in ORDER_OPS else None
        if src is None:
            continue
        other = None
        if _number(spec.value) is None:
            other = _source(Where(spec.value, ""), columns, mapping)
            if other is None:
                raise UsageError(
                    f"--where {spec}: {spec.value!r} is neither a number nor a column of {path}",
                    hint=f"{spec.op} compares column {src!r} with a number (2e9, 2B) or another column",
                    param="where",
                )
        for c in (src, other):
            if c is None:
                continue
            n = (
                frame.select(cell_number(c).is_not_null().sum(), pl.col(c).is_not_null().sum())
                .collect()
                .row(0)
            )
            if n[1] and not n[0]:
                raise UsageError(
                    f"--where {spec}: column {c!r} of {path} holds no numbers, and {spec.op} compares numbers",
                    hint=f"keep rows by a value instead: --where {c}=VALUE",
                    param="where",
                )


def where_expr(
    specs: Sequence[Where], columns: Sequence[str], mapping: Mapping[str, str]
) -> tuple[pl.Expr | None, tuple[Where, ...]]:
    """The filter of ``specs`` on a file with ``columns`` (``mapping``: canonical name → its column), and the
    specs that matched no column of it. None when no spec applies."""
    by_col: dict[str, list[Where]] = {}
    unmatched: list[Where] = []
    for spec in specs:
        src = _source(spec, columns, mapping)
        if src is None:
            unmatched.append(spec)
        else:
            by_col.setdefault(src, []).append(spec)
    expr: pl.Expr | None = None
    for src, group in by_col.items():
        wanted = [_matches(src, s.value) for s in group if not s.negate and s.op not in ORDER_OPS]
        banned = [_matches(src, s.value) for s in group if s.negate]
        part = pl.any_horizontal(wanted) if wanted else pl.lit(True)
        for b in banned:
            part = part & ~b
        for s in group:  # (comparisons all apply: D>=1e9 and D<=4e9 is a range)
            if s.op in ORDER_OPS:
                part = part & _compare(src, s, columns, mapping)
        expr = part if expr is None else expr & part
    return expr, tuple(unmatched)


def check_where_matched(specs: Sequence[Where], matched: set[Where], columns: Sequence[str]) -> None:
    """Every filter must name a column of some file (InputError naming the columns there are)."""
    for spec in specs:
        if spec not in matched:
            raise InputError(
                f"--where {spec}: no column {spec.column!r} to filter on (columns: {', '.join(columns)})",
                hint=f"--where takes {WHERE_FORMS}",
                param="where",
            )


# ---------------------------------------------------------------------------------------------------------------
# Repeats: seeds, indistinguishable repeats, different runs
# ---------------------------------------------------------------------------------------------------------------


def _shown(col: str) -> str:
    return col[len(EXTRA) :] if col.startswith(EXTRA) else col


def _differing(repeated: pl.DataFrame, columns: Sequence[str]) -> dict[str, tuple[int, int]]:
    """Per column: (repeat groups whose runs it tells apart, its distinct values there). A column tells runs apart
    where it takes several values among the rows of one seed (without a seed column: among the group's rows), or
    where one of its values holds several seeds (seeds numbered across a sweep: 0-2 at one learning rate, 3-5 at
    the next); a value of its own per seed (a run's name, its wall time) does not. Seeds of several learning
    rates were averaged over the learning rates: the check looked only at groups without seeds."""
    out: dict[str, tuple[int, int]] = {}
    for col in columns:
        within_seed = (
            repeated.group_by([*REPEAT_KEY, "seed"])
            .agg(pl.col(col).n_unique().alias("k"))
            .group_by(REPEAT_KEY)
            .agg((pl.col("k").max() > 1).alias("apart"))
        )
        across_seeds = (
            repeated.group_by([*REPEAT_KEY, col])
            .agg(pl.col("seed").n_unique().alias("s"))
            .group_by(REPEAT_KEY)
            .agg(((pl.len() > 1) & (pl.col("s").max() > 1)).alias("apart"))
        )
        per = pl.concat([within_seed, across_seeds]).group_by(REPEAT_KEY).agg(pl.col("apart").any())
        groups = int(per["apart"].sum())
        if groups:
            out[col] = (groups, int(repeated.get_column(col).n_unique()))
    return out


def _best_of(
    frame: pl.DataFrame, cols: Sequence[str], own: Mapping[str, str]
) -> tuple[pl.DataFrame, int, int, tuple[Edge, ...], tuple[Setups, ...], tuple[Winner, ...]]:
    """Per (dataset, N, D, split): the rows of the combination of values of ``cols`` (one column, or the joint grid
    of several: learning rate × batch size) with the lowest loss on the dataset's own eval (``own``: dataset →
    eval) where a run there measured it, else the lowest mean log loss over its evals (a run that is best on the
    tasks may be worse on the loss that scales). Also the cells with a choice decided each way (by the own eval,
    by the mean), where each numeric column's kept value sits at the edge of the values tried (``Edge``), and the
    values that never competed at one (dataset, N, D) while their runs interleave in N (``disjoint_setups``), and
    each column's value kept most often (``Winner``)."""
    cell = ["dataset", "N", "D", "split"]
    table = pl.DataFrame(
        {"dataset": list(own), "_own": list(own.values())}, schema={"dataset": pl.String, "_own": pl.String}
    )
    scored = frame.select(*cell, *cols, "eval", "loss").join(table, on="dataset", how="left")
    score = (
        scored.group_by([*cell, *cols])
        .agg(
            pl.col("loss").log().mean().alias("_mean"),
            pl.col("loss").filter(pl.col("eval") == pl.col("_own")).log().mean().alias("_by_own"),
        )
        .with_columns(
            pl.col("_by_own").is_not_null().any().over(cell).alias("_own_known"),
            pl.len().over(cell).alias("_choices"),
        )
        .with_columns(
            pl.when(pl.col("_own_known")).then(pl.col("_by_own")).otherwise(pl.col("_mean")).alias("_score")
        )
    )
    # ties (two learning rates with the same loss) go to the smaller value: the group_by above hands its rows out
    # in no fixed order, and the (Mis)Fitting log's tied cells kept another run (another run id, the same loss,
    # another workspace digest: every cache missed) from one ingest to the next
    best = score.sort(["_score", *cols], nulls_last=True).group_by(cell, maintain_order=True).first()
    chosen = best.filter(pl.col("_choices") > 1)
    by_own = int(chosen.get_column("_own_known").sum())
    kept = frame.join(best.select(*cell, *cols), on=[*cell, *cols], how="semi", nulls_equal=True)
    edges = tuple(e for c in cols if (e := _edge(score, best, c, cell)) is not None)
    winners = tuple(w for c in cols if (w := _winner(chosen, c)) is not None)
    return kept, by_own, chosen.height - by_own, edges, disjoint_setups(score, cols), winners


@dataclass(frozen=True)
class Winner:
    """``--best-of``'s value of ``column`` kept most often: ``value``, in ``count`` of the ``cells`` (dataset, N, D)
    that had a choice (ingest said that the best run was kept, not which: a user's ``--best-of seq_len`` kept 4096
    everywhere without a word of it, helper h102)."""

    column: str
    value: str
    count: int
    cells: int


def _winner(chosen: pl.DataFrame, col: str) -> Winner | None:
    """The ``Winner`` of ``col`` among the cells that had a choice (``chosen``); None where no value won twice (run
    ids: every cell its own)."""
    if chosen.height == 0:
        return None
    top = (
        chosen.select(pl.col(col).cast(pl.String))
        .group_by(col)
        .len()
        .sort(["len", col], descending=[True, False], nulls_last=True)
        .row(0)
    )
    return None if top[1] < 2 else Winner(_shown(col), str(top[0]), int(top[1]), chosen.height)


@dataclass(frozen=True)
class SetupGroup:
    """Values of ``--best-of``'s columns (their combinations, over several columns) joined by the (dataset, N, D)
    cells they share, directly or through another value (a connected component), in one dataset: the values
    (``values``, sorted; each a tuple, one entry per column), the runs ((N, D) cells) they hold, their smallest and
    largest N, and the value of the most runs (``top``)."""

    values: tuple[tuple[str, ...], ...]
    runs: int
    n_lo: float
    n_hi: float
    top: tuple[str, ...]


@dataclass(frozen=True)
class Setups:
    """A dataset whose ``--best-of`` values fall in several ``SetupGroup``s that never share a (dataset, N, D) and
    whose runs interleave in N: separate setups (Porian et al.'s configurations counting N three ways), not a
    choice among the same models. ``columns``: the columns (as the table names them)."""

    dataset: str
    columns: tuple[str, ...]
    groups: tuple[SetupGroup, ...]

    def describe(self, values: int = 2, groups: int = 4) -> str:
        """``rw: 3 groups: base|…, tuned|… (4 values; 134 runs, N 5.17M-902M); …``."""

        def value(v: tuple[str, ...]) -> str:
            if len(v) == 1:
                return v[0] or "(blank)"
            return " × ".join(f"{c}={x or '(blank)'}" for c, x in zip(self.columns, v, strict=True))

        parts = []
        for g in self.groups[:groups]:
            shown = ", ".join(value(v) for v in g.values[:values])
            more = f", … ({len(g.values)} values; " if len(g.values) > values else " ("
            parts.append(f"{shown}{more}{plural(g.runs, 'run')}, N {fmt_si(g.n_lo)}-{fmt_si(g.n_hi)})")
        rest = f"; and {len(self.groups) - groups} more" if len(self.groups) > groups else ""
        return f"{self.dataset}: {len(self.groups)} groups: {'; '.join(parts)}{rest}"

    def where(self) -> str:
        """The filter that keeps one setup: the value with the most runs of the largest group."""
        return " ".join(
            "--where " + shlex.quote(f"{c}={v}")
            for c, v in zip(self.columns, self.groups[0].top, strict=True)
        )


#: A value label's separator between the columns of a joint grid (no table's value holds it).
_JOINT: Final = "\x1f"


def _components(cells: Sequence[Sequence[str]]) -> list[list[str]]:
    """The connected components of the values of ``cells`` (each the values one cell holds): two values are joined
    where they share a cell, directly or through others."""
    parent: dict[str, str] = {}

    def find(v: str) -> str:
        while (up := parent.setdefault(v, v)) != v:
            parent[v] = parent.setdefault(up, up)  # (halving the path)
            v = up
        return v

    for values in cells:
        root = find(values[0])
        for v in values[1:]:
            parent[find(v)] = root
    members: dict[str, list[str]] = {}
    for v in parent:
        members.setdefault(find(v), []).append(v)
    return list(members.values())


def disjoint_setups(frame: pl.DataFrame, cols: Sequence[str]) -> tuple[Setups, ...]:
    """Per dataset of ``frame`` (dataset, N, D and ``cols``), the groups of ``cols``' values (their combinations)
    that never share a (dataset, N, D) cell, where the runs of two groups interleave in N (their N ranges overlap):
    separate setups, which --best-of would keep side by side and fit into one law without ever having chosen
    between them (probe h3: Porian et al.'s configurations count N three ways, 16 values of N each and none in
    common, and the law mixed them). Groups split by model size (small models tuned with one value, large ones with
    another: ranges that at most touch) are an envelope, and one run's value alone (one N) interleaves with none:
    neither is returned."""
    if not cols or frame.height == 0:
        return ()
    label = pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in cols], separator=_JOINT)
    cells = frame.select("dataset", "N", "D", label.alias("_v")).unique()
    shown = tuple(_shown(c) for c in cols)
    out: list[Setups] = []
    for (ds,), sub in sorted(cells.group_by("dataset"), key=lambda x: str(x[0][0])):
        members = _components(sub.group_by("N", "D").agg("_v").get_column("_v").to_list())
        if len(members) < 2:
            continue
        # (one pass over the cells, not a filter per group: DCLM's run ids are a group each)
        group_of = {v: k for k, vs in enumerate(members) for v in vs}
        tagged = sub.with_columns(pl.col("_v").replace_strict(group_of, return_dtype=pl.Int64).alias("_g"))
        stats = tagged.group_by("_g").agg(
            pl.struct("N", "D").n_unique().alias("runs"),
            pl.col("N").min().alias("lo"),
            pl.col("N").max().alias("hi"),
        )
        tops = (
            tagged.group_by("_g", "_v")
            .len()
            .sort(["_g", "len", "_v"], descending=[False, True, False])
            .group_by("_g", maintain_order=True)
            .first()
        )
        top_of = dict(zip(tops.get_column("_g").to_list(), tops.get_column("_v").to_list(), strict=True))
        found = [
            SetupGroup(
                tuple(tuple(v.split(_JOINT)) for v in sorted(members[g])),
                int(runs),
                float(lo),
                float(hi),
                tuple(str(top_of[g]).split(_JOINT)),
            )
            for g, runs, lo, hi in stats.iter_rows()
        ]
        mixed = [
            g for g in found if any(h is not g and min(g.n_hi, h.n_hi) > max(g.n_lo, h.n_lo) for h in found)
        ]
        if len(mixed) > 1:
            mixed.sort(key=lambda g: (-g.runs, g.values))
            out.append(Setups(str(ds), shown, tuple(mixed)))
    return tuple(out)


#: A column's kept value is judged at the edge of its sweep only in cells that tried this many of its values at
#: least: of two values (batch sizes 256 and 512) one is always kept, and always at an edge.
EDGE_VALUES: Final = 3


@dataclass(frozen=True)
class Edge:
    """Where ``--best-of``'s kept value of a numeric ``column`` is the smallest (``low``) or the largest (``high``)
    of the values tried at its (dataset, N, D), among ``cells`` cells that tried ``EDGE_VALUES`` values at least:
    there the sweep never bracketed the optimum, and the loss kept is above the best one reachable."""

    column: str
    cells: int
    low: int
    high: int
    lowest: float  # the smallest and largest values tried in those cells
    highest: float

    @property
    def at_edge(self) -> int:
        return self.low + self.high


def _edge(score: pl.DataFrame, best: pl.DataFrame, col: str, cell: Sequence[str]) -> Edge | None:
    """The ``Edge`` of ``col`` (None for a column not all numbers, or without a cell of ``EDGE_VALUES`` values)."""
    value = pl.col(col).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
    if bool(score.select((value.is_null() & pl.col(col).is_not_null()).any()).item()):
        return None  # names (a configuration), not a grid
    tried = (
        score.group_by(cell)
        .agg(
            value.min().alias("_lo"),
            value.max().alias("_hi"),
            value.drop_nulls().n_unique().alias("_k"),
        )
        .filter(pl.col("_k") >= EDGE_VALUES)
    )
    if tried.height == 0:
        return None
    at = tried.join(best.select(*cell, value.alias("_kept")), on=list(cell), how="left", nulls_equal=True)
    return Edge(
        _shown(col),
        at.height,
        int((at["_kept"] == at["_lo"]).sum()),
        int((at["_kept"] == at["_hi"]).sum()),
        float(at["_lo"].min()),  # type: ignore[arg-type]
        float(at["_hi"].max()),  # type: ignore[arg-type]
    )


def _column_of(frame: pl.DataFrame, name: str) -> str | None:
    for c in (name, f"{EXTRA}{name}"):
        if c in frame.columns:
            return c
    norm = schema.norm_name(name)
    hits = [c for c in frame.columns if c.startswith(EXTRA) and schema.norm_name(c[1:]) == norm]
    return hits[0] if len(hits) == 1 else None


@dataclass(frozen=True)
class Spread:
    """The rows of one (dataset, N, D, eval, split) whose losses differ the most among repeats of one kind: seeds
    (``gap``: how far the farthest lies from the median of the others, relative) or runs told apart only by their
    run ids (``gap``: max/min − 1); ``typical``: the median gap over every group of that kind."""

    key: tuple[object, ...]
    gap: float
    typical: float
    groups: int  # groups of that kind
    wide: int  # groups whose gap is past the kind's warning
    run_ids: tuple[str, ...]
    seeds: tuple[str, ...]
    losses: tuple[float, ...]
    files: tuple[int, ...]
    rows: tuple[int | None, ...]
    farthest: int  # the index of the row farthest from the others
    # of seeds: one seed's robust SD about its configuration's centre over the table (``seed_spread``), the groups
    # whose farthest seed diverged, the relative gap past which this group's would have (inf: within 10 %), and
    # the fewest and most seeds of a configuration
    spread: float | None = None
    diverged: int = 0
    limit: float = math.inf
    measured: bool = False  # whether the limit came from the table's spread (else 10 % alone: too few seeds)
    counts: tuple[int, int] = (0, 0)


#: A seed farther than this (relative) from the median of its configuration's others may be a diverged run: a
#: probe's 7.5 beside seeds at 3.418 and 3.406 was averaged to 4.77. A floor: a clean table's seeds lie within 1 %.
SEED_DIVERGED: Final = 0.10
#: ... and it is one, refused, only where it lies farther than this many times the table's own seed-to-seed spread
#: (``seed_spread`` of the other configurations' seeds, P pairs of them; widened by 1 + 1/√P, the spread of few
#: pairs being uncertain; scaled for the configuration's count of seeds, ``_apart_scale``): two seeds with 4 %
#: noise differ by more than 10 % in one configuration of 11 (a probe's table of 12 was refused one run at a time).
#: Measured on simulated tables (3-100 configurations of 2-3 seeds, 2-8 % noise): where no run diverged, at most
#: 1.3 % of them are refused at 4 % noise (3.7 % at 8 %; 4 configurations of 2 seeds), under 0.1 % from 30
#: configurations (the fixed 10 % refused 30-100 % at 4 %); one seed 2× its siblings is refused in 78-100 % of
#: tables at 4 % noise, 99-100 % at 1-2 %, one 30 % above them in 96-100 % at 1 % noise.
SEED_DIVERGED_SPREADS: Final = 5.0
#: The table's spread is trusted to judge a seed from this many pairs of seeds besides it (fewer: 10 % alone).
SEED_SPREAD_PAIRS: Final = 3
#: ... and a seed farther than this, and more than ``SEED_ODD_TIMES`` the configurations' median gap, is warned
#: about with its values: real seeds of one configuration lie within about 1 % (a probe's 0.5 % noise: 0.3-1.2 %).
SEED_ODD: Final = 0.03
SEED_ODD_TIMES: Final = 5.0


#: ... the share of clean tables (seeds differing by noise alone) that may be warned about at all, however many
#: configurations they repeat: a fixed multiple of the median gap is passed by noise alone 7.5e-4 of the time (two
#: normal seeds), so a per-step log kept whole, 1,200 seed pairs, was warned of 3 "diverged" seeds 3.9-4.7 % apart
#: at 0.4 % noise (probe h34)
SEED_ODD_FAMILY: Final = 0.05


def seed_odd_limit(typical: float, groups: int) -> float:
    """The relative gap past which a seed is warned about: ``SEED_ODD``, and ``SEED_ODD_TIMES`` the
    configurations' median gap ``typical``, or more over many ``groups`` (the two-seed gap's normal quantile at
    ``SEED_ODD_FAMILY`` over all of them, in units of its median: from about 70 configurations on). One rule for
    the count and for the words that state it."""
    from statistics import NormalDist

    family = NormalDist().inv_cdf(1.0 - SEED_ODD_FAMILY / (2.0 * max(groups, 1))) / NormalDist().inv_cdf(0.75)
    return max(SEED_ODD, max(SEED_ODD_TIMES, family) * typical)


#: Runs of one (dataset, N, D, eval) told apart only by their run ids whose losses differ by more than this are no
#: seeds: a sweep of a setting the table does not name (a probe's learning rates without their column: up to 12 %,
#: fitted as 5 points each, the optimum's loss 2.40 against the best learning rate's 2.323).
APART_SWEEP: Final = 0.05


#: The median of |Z1 − Z2| for two standard normals: a pair of seeds' median log gap over this is one seed's SD.
_PAIR_MEDIAN: Final = math.sqrt(2.0) * 0.6744897501960817


def _log_gaps(losses: Sequence[float], skip: int | None = None) -> list[float]:
    """|log a − log b| over every pair of ``losses`` (one configuration's seeds), the one at ``skip`` left out."""
    logs = [math.log(v) for j, v in enumerate(losses) if j != skip and v > 0 and math.isfinite(v)]
    return [abs(a - b) for i, a in enumerate(logs) for b in logs[i + 1 :]]


def seed_spread(pairs: Sequence[float]) -> float | None:
    """One seed's robust SD about its configuration's centre (of log losses: relative), from the log gaps of
    pairs of seeds of one configuration (``_log_gaps``), pooled over the configurations: their median, scaled
    (a diverged run moves a median by one pair). None without a pair."""
    return float(median(pairs)) / _PAIR_MEDIAN if pairs else None


def _apart_scale(others: int) -> float:
    """The SD of a seed's log gap from the median of ``others`` seeds of its configuration, in seeds' SDs: the
    seed's own noise and the median's (a mean's of one or two; about π/(2m) of a normal sample's median of m)."""
    return math.sqrt(1.0 + (1.0 / others if others <= 2 else math.pi / (2.0 * others)))


def expected_best(n: int) -> float:
    """The expected minimum of ``n`` standard normals, negated (0.56 for two, 0.85 for three, 1.54 for ten):
    how far below their mean the best of ``n`` noisy seeds lies, in seeds' SDs."""
    if n < 2:
        return 0.0
    step, total = 0.01, 0.0
    for i in range(-800, 801):  # ∫ x · n φ(x) Φ(x)^(n−1) dx over ±8
        x = i * step
        phi = math.exp(-x * x / 2.0) / math.sqrt(2.0 * math.pi)
        total += x * n * phi * (0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))) ** (n - 1)
    return total * step


def _gaps(rows: pl.DataFrame, *, seeds: bool) -> Spread | None:
    """The repeat group of ``rows`` (several rows each) with the widest gap (``Spread``); None without one. Of
    seeds, the widest among those that diverged (``SEED_DIVERGED`` and ``SEED_DIVERGED_SPREADS``), if any."""
    groups = (
        rows.with_columns(pl.col("seed").cast(pl.String), pl.col("run_id").cast(pl.String))
        .group_by(REPEAT_KEY)
        .agg("loss", "run_id", "seed", "_file", "_row")
    )
    gaps: list[float] = []
    far: list[int] = []
    all_losses = groups.get_column("loss").to_list()
    for losses in all_losses:
        if seeds:  # each value against the median of the others
            dev = [
                abs(v / float(median([w for j, w in enumerate(losses) if j != i])) - 1.0)
                for i, v in enumerate(losses)
            ]
            k = max(range(len(dev)), key=dev.__getitem__)
            gaps.append(dev[k])
            far.append(k)
        else:
            gaps.append(max(losses) / min(losses) - 1.0)
            far.append(max(range(len(losses)), key=losses.__getitem__))
    if not gaps:
        return None
    pairs = [_log_gaps(v) for v in all_losses] if seeds else []
    spread = seed_spread([g for p in pairs for g in p]) if seeds else None
    limits = [math.inf] * len(gaps)  # each group's relative gap past which its farthest seed diverged
    measured = [False] * len(gaps)
    if seeds:
        for i, losses in enumerate(all_losses):
            if gaps[i] <= SEED_DIVERGED:
                continue
            # the spread of every other seed pair of the table: the seed judged, diverged, must not widen it
            elsewhere = [g for j, p in enumerate(pairs) if j != i for g in p] + _log_gaps(losses, skip=far[i])
            own = seed_spread(elsewhere) if len(elsewhere) >= SEED_SPREAD_PAIRS else None
            times = SEED_DIVERGED_SPREADS * (1.0 + 1.0 / math.sqrt(len(elsewhere)))
            limits[i] = (
                SEED_DIVERGED
                if own is None
                else max(SEED_DIVERGED, math.expm1(times * own * _apart_scale(len(losses) - 1)))
            )
            measured[i] = own is not None
    diverged = [g > lim for g, lim in zip(gaps, limits, strict=True)]
    if seeds and any(diverged):
        diverged = _off_on_most_evals(groups, diverged, gaps, limits, far)
    groups = groups.with_columns(
        pl.Series("_gap", gaps, dtype=pl.Float64),
        pl.Series("_far", far),
        pl.Series("_div", diverged, dtype=pl.Boolean),
        pl.Series("_lim", limits, dtype=pl.Float64),
        pl.Series("_measured", measured, dtype=pl.Boolean),
    )
    typical = float(median(gaps))
    widest = groups.sort(
        ["_div", "_gap", "dataset", "eval", "N", "D"], descending=[True, True, False, False, False, False]
    ).row(0, named=True)
    limit = seed_odd_limit(typical, groups.height) if seeds else APART_SWEEP
    counts = [len(v) for v in all_losses]
    return Spread(
        tuple(widest[c] for c in REPEAT_KEY),
        float(widest["_gap"]),
        typical,
        groups.height,
        sum(g > limit for g in gaps),
        tuple(str(v) for v in widest["run_id"]),
        tuple(str(v) for v in widest["seed"]),
        tuple(float(v) for v in widest["loss"]),
        tuple(int(v) for v in widest["_file"]),
        tuple(None if v is None else int(v) for v in widest["_row"]),
        int(widest["_far"]),
        spread=spread,
        diverged=sum(diverged),
        limit=float(widest["_lim"]),
        measured=bool(widest["_measured"]),
        counts=(min(counts), max(counts)),
    )


#: A seed past its configuration's limit on one eval is still refused, whatever its other evals say, from this
#: many times that limit: no amplification of a seed's noise by a task loss goes that far.
SEED_DIVERGED_ALONE: Final = 2.0


def _off_on_most_evals(
    groups: pl.DataFrame, diverged: list[bool], gaps: list[float], limits: list[float], far: list[int]
) -> list[bool]:
    """``diverged`` kept only where the seed is past that limit on most of its configuration's evals, or past
    ``SEED_DIVERGED_ALONE`` times it on this one. A diverged run is off on everything it is measured on; a task
    loss amplifies a seed's noise (d log L_task / d log L ≈ 2-3 near its floor): probe h40's DataDecide-shaped log
    read at every checkpoint was refused three times, one healthy seed at a time, each 11-12 % off on one task
    loss and 4 % on its own eval (the limit pooled over every eval, 11 %); such a seed is warned about and
    averaged in, as any seed far from its siblings."""
    cell_cols = [c for c in REPEAT_KEY if c != "eval"]
    cells = groups.select(cell_cols).rows()
    seeds_of = groups.get_column("seed").to_list()
    losses_of = groups.get_column("loss").to_list()
    by_cell: dict[tuple[object, ...], list[int]] = {}
    for i, cell in enumerate(cells):
        by_cell.setdefault(cell, []).append(i)
    kept = list(diverged)
    for i, flagged in enumerate(diverged):
        if not flagged or gaps[i] > SEED_DIVERGED_ALONE * limits[i]:
            continue
        seed = seeds_of[i][far[i]]
        off = measured = 0
        for j in by_cell[cells[i]]:
            if seed not in seeds_of[j]:
                continue
            k = seeds_of[j].index(seed)
            rest = [w for m, w in enumerate(losses_of[j]) if m != k]
            if not rest:
                continue
            measured += 1
            off += abs(losses_of[j][k] / float(median(rest)) - 1.0) > limits[i]
        kept[i] = 2 * off > measured
    return kept


@dataclass(frozen=True)
class Repeats:
    """What ``resolve_repeats`` did: rows kept (repeats still to average), and what it says about them."""

    frame: pl.DataFrame
    seeds: int = 0  # repeat groups told apart by a seed column (averaged)
    same: int = 0  # repeat groups nothing tells apart (averaged)
    best_of: tuple[str, ...] = ()  # the columns --best-of named (as given)
    columns: tuple[str, ...] = ()  # the frame's columns they named
    dropped: int = 0  # rows left out by best_of
    apart: int = 0  # repeat groups of runs that differ only in their run id (kept as separate points)
    # the largest relative spread (max/min − 1) of the loss within a group averaged as "same"
    spread: float = 0.0
    # (dataset, N, D) cells where best_of chose by the dataset's own eval, and by the mean over its evals
    by_own: int = 0
    by_mean: int = 0
    own_evals: tuple[str, ...] = ()  # the own evals best_of chose by
    # the (dataset, N, D, eval, split) of the "same" group whose losses differ the most (spread), if any
    widest: tuple[object, ...] | None = None
    # the group of seeds whose farthest seed lies farthest from the others, and the group of runs told apart only
    # by their run ids whose losses differ the most
    seed_gap: Spread | None = None
    apart_gap: Spread | None = None
    # where each numeric best_of column's kept value sits at the edge of the values tried
    edges: tuple[Edge, ...] = ()
    # each best_of column's value kept most often (``Winner``)
    winners: tuple[Winner, ...] = ()
    # datasets whose best_of values never met at one (dataset, N, D) while their runs interleave in N (separate
    # setups kept side by side, ``disjoint_setups``)
    disjoint: tuple[Setups, ...] = ()
    # best_of over seeds (``seed_best``): how far below their mean the best of the seeds lies (relative), one
    # seed's spread (``seed_spread``), and the fewest and most seeds it chose among
    best_bias: tuple[float, float, int, int] | None = None
    # runs told apart only by their run ids whose names differ in one part at one (N, D) (``names_apart``): the data
    # mix named only in the run names?
    apart_names: NamesApart | None = None


#: A name part that differs between two runs' names as a seed, a replica or a setting's number does (``s1``, ``seed2``,
#: ``lr3e``, ``4``): no data set's name (``names_apart``).
_NUMBERED_PART: Final = re.compile(
    r"^(s|seed|rep|replica|r|run|v|lr|wd|bs|step|ep|epoch)?[\d.e+]+$", re.IGNORECASE
)
#: The separators that split a run's name into parts (``olmo-150M-dolma17-5xC``: olmo, 150M, dolma17, 5xC).
_NAME_SEPARATORS: Final = re.compile(r"([-_/.:|= ]+)")


@dataclass(frozen=True)
class NamesApart:
    """Runs at one (N, D) whose names differ in one part (``olmo-150M-dolma17-5xC``, ``olmo-150M-dclm-5xC``): the
    parts they differ in (first seen first), and one pair of such names."""

    parts: tuple[str, ...]
    example: tuple[str, str]

    def said(self) -> str:
        """``run names differ in one part between runs at one (N, D): 'dolma17' / 'dclm' (e.g. …)``."""
        shown = " / ".join(repr(p) for p in self.parts[:4]) + (" / …" if len(self.parts) > 4 else "")
        return (
            f"run names differ in one part between runs at one (N, D): {shown} (e.g. {self.example[0]}, "
            f"{self.example[1]}): the data each run trained on? add a dataset column (l2l reads none out of a name)"
        )


def names_apart(groups: Sequence[Sequence[str]]) -> NamesApart | None:
    """Where some group of run names (the runs at one (N, D)) holds two names split alike into the same parts but
    one, a part that is no seed or number (``_NUMBERED_PART``): those parts and a pair. None where none does. A
    W&B export names its data mix only inside the run name: its runs were refused for want of a dataset column, or
    read under one ``--dataset`` as runs that differ, and nothing said what told them apart (h76)."""
    parts: dict[str, None] = {}
    example: tuple[str, str] | None = None
    for names in groups:
        split = [_NAME_SEPARATORS.split(n) for n in dict.fromkeys(names)][:50]
        for i, a in enumerate(split):
            for b in split[i + 1 :]:
                if len(a) != len(b):
                    continue
                diff = [k for k, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
                if len(diff) != 1 or diff[0] % 2 or any(_NUMBERED_PART.match(p[diff[0]]) for p in (a, b)):
                    continue  # (odd positions are separators)
                parts.update({a[diff[0]]: None, b[diff[0]]: None})
                example = example or ("".join(a), "".join(b))
    return None if example is None else NamesApart(tuple(parts), example)


def resolve_repeats(
    frame: pl.DataFrame,
    *,
    best_of: str | Sequence[str] | None = None,
    own_eval: Mapping[str, str] | None = None,
) -> Repeats:
    """Decide what the repeats of ``frame`` are (see the module docstring); raises InputError for different
    runs at one (dataset, N, D, eval, split) that ``best_of`` does not choose between. ``best_of`` (a column, or
    several: the best over their joint grid) chooses by each dataset's own eval (``own_eval``, dataset → eval:
    given, detected or shared), else by the mean over the evals."""
    wanted = tuple(dict.fromkeys((best_of,) if isinstance(best_of, str) else (best_of or ())))
    # the column named first, repeats or none: a misspelt --best-of on a table without repeats exited 0 without a
    # word, where --column and --where name their missing column (p76)
    cols = tuple(_best_of_column(frame, name) for name in wanted)
    counts = frame.select(pl.len().over(REPEAT_KEY).alias("_c")).to_series()
    if not bool((counts > 1).any()):
        return Repeats(frame)
    chose = Repeats(frame)  # what best_of chose, and how (nothing without it)
    if cols:
        own = dict(own_eval or {})
        kept, by_own, by_mean, edges, disjoint, winners = _best_of(frame, cols, own)
        chose = Repeats(
            kept,
            best_bias=seed_best(frame, cols[0]) if len(cols) == 1 else None,
            best_of=wanted,
            columns=cols,
            dropped=frame.height - kept.height,
            by_own=by_own,
            by_mean=by_mean,
            own_evals=tuple(sorted(set(own.values()))),
            edges=edges,
            disjoint=disjoint,
            winners=winners,
        )
        frame = kept
        counts = frame.select(pl.len().over(REPEAT_KEY).alias("_c")).to_series()
    repeated = frame.filter(counts > 1)
    if repeated.height == 0:
        return chose
    extras = [c for c in frame.columns if c.startswith(EXTRA)]
    groups = repeated.group_by(REPEAT_KEY).agg(
        (pl.col("seed").n_unique() > 1).alias("_seeded"),
        (pl.col("run_id").n_unique() > 1).alias("_ids"),
    )
    # runs that differ in a column of the table (a learning rate) are no seeds of one run, seed column or not
    differ = _differing(repeated, extras)
    if differ:
        raise _different_runs(repeated, {**differ, **_differing(repeated, ["run_id"])}, wanted, frame)
    seeded_rows = repeated.join(groups.filter(pl.col("_seeded")), on=REPEAT_KEY, how="semi", nulls_equal=True)
    if seeded_rows.height:
        _refuse_runs_per_seed(seeded_rows)
    n_seeded = int(groups["_seeded"].sum())
    n_apart = int((~groups["_seeded"] & groups["_ids"]).sum())
    if n_seeded:  # seeds are one run repeated: one id for the group, so that they are averaged
        seeded = groups.filter(pl.col("_seeded")).select(REPEAT_KEY).with_columns(pl.lit(True).alias("_s"))
        frame = (
            frame.join(seeded, on=REPEAT_KEY, how="left", nulls_equal=True, maintain_order="left")
            .with_columns(
                pl.when(pl.col("_s"))
                .then(pl.col("run_id").first().over(REPEAT_KEY))
                .otherwise(pl.col("run_id"))
                .alias("run_id")
            )
            .drop("_s")
        )
    seed_gap = (
        _gaps(
            repeated.join(groups.filter(pl.col("_seeded")), on=REPEAT_KEY, how="semi", nulls_equal=True),
            seeds=True,
        )
        if n_seeded
        else None
    )
    apart_gap = (
        _gaps(
            repeated.join(
                groups.filter(~pl.col("_seeded") & pl.col("_ids")),
                on=REPEAT_KEY,
                how="semi",
                nulls_equal=True,
            ),
            seeds=False,
        )
        if n_apart
        else None
    )
    apart_names = None
    if n_apart:
        ids = (
            repeated.join(
                groups.filter(~pl.col("_seeded") & pl.col("_ids")),
                on=REPEAT_KEY,
                how="semi",
                nulls_equal=True,
            )
            .group_by(REPEAT_KEY, maintain_order=True)
            .agg(pl.col("run_id").unique(maintain_order=True))
            .get_column("run_id")
        )
        apart_names = names_apart(list(dict.fromkeys(tuple(g) for g in ids.to_list()))[:1000])
    same = groups.filter(~pl.col("_seeded") & ~pl.col("_ids")).select(REPEAT_KEY)
    spread_of = (pl.col("loss").max() / pl.col("loss").min() - 1.0).alias("_spread")
    # one seed exported twice within a group of seeds is a repeat of one measurement too (8 % apart was averaged
    # in as a third seed, nothing said)
    seed_twice = (
        repeated.join(groups.filter(pl.col("_seeded")), on=REPEAT_KEY, how="semi", nulls_equal=True)
        .group_by([*REPEAT_KEY, "seed"])
        .agg(pl.len().alias("_n"), spread_of)
        .filter(pl.col("_n") > 1)
        .select([*REPEAT_KEY, "_spread"])
    )
    spreads = pl.concat(
        [
            repeated.join(same, on=REPEAT_KEY, how="semi", nulls_equal=True)
            .group_by(REPEAT_KEY)
            .agg(spread_of),
            seed_twice,
        ],
        how="vertical_relaxed",
    ).sort(["_spread", *REPEAT_KEY], descending=[True, *([False] * len(REPEAT_KEY))])
    spread = spreads.get_column("_spread").max()
    widest = spreads.select(REPEAT_KEY).row(0) if spreads.height else None
    return replace(
        chose,
        frame=frame,
        seeds=n_seeded,
        same=groups.height - n_seeded - n_apart,
        apart=n_apart,
        spread=float(spread) if isinstance(spread, (int, float)) else 0.0,
        widest=widest,
        seed_gap=seed_gap,
        apart_gap=apart_gap,
        apart_names=apart_names,
    )


#: Names of a column whose values are seeds of one run (normalized: ``random_seed``, ``data_seed``, ``replica``).
_SEED_NAMES: Final = re.compile(
    r"(^|_)(seeds?|replicas?|replicates?|reps?|repeats?|trials?)(_?\d*|_id|_idx)$"
)


def seed_best(frame: pl.DataFrame, col: str) -> tuple[float, float, int, int] | None:
    """Where ``--best-of`` over ``col`` chooses among seeds of one run (a column named like a seed or replica; the
    run id where each run is a seed of its own): how far below the seeds' mean the best of them lies on average
    (relative: ``expected_best`` seeds' SDs), one seed's spread (``seed_spread``), the fewest and most seeds of a
    measurement. None elsewhere (a learning rate: the runs differ by more than noise) or without repeats."""
    if col == "run_id":
        if "seed" not in frame.columns or frame.get_column("seed").is_null().all():
            return None
        each = frame.group_by(REPEAT_KEY).agg(
            pl.col("run_id").n_unique().alias("r"), pl.col("seed").n_unique()
        )
        if not bool((each["r"] == each["seed"]).all()):  # runs that are not one seed each
            return None
    elif col != "seed" and not _SEED_NAMES.search(schema.norm_name(_shown(col))):
        return None
    groups = [
        v for v in frame.group_by(REPEAT_KEY).agg(pl.col("loss")).get_column("loss").to_list() if len(v) > 1
    ]
    spread = seed_spread([g for v in groups for g in _log_gaps(v)])
    if spread is None:
        return None
    below = sum(-math.expm1(-expected_best(len(v)) * spread) for v in groups) / len(groups)
    return below, spread, min(len(v) for v in groups), max(len(v) for v in groups)


def _best_of_column(frame: pl.DataFrame, best_of: str) -> str:
    """The frame's column ``--best-of`` names; InputError for none, or for one that says what each value is."""
    col = _column_of(frame, best_of)
    if col is None:
        shown = ", ".join(_shown(c) for c in frame.columns if c.startswith(EXTRA) or c == "run_id")
        raise InputError(
            f"--best-of {best_of}: no column {best_of!r} (columns that may tell runs apart: {shown or 'none'})",
            param="best_of",
        )
    if schema.norm_name(_shown(col)) in TOKENIZER_COLUMNS:
        raise InputError(
            f"--best-of {best_of}: column {best_of!r} names the models' tokenizers, not which run is better: the "
            "lowest loss per token is the tokenizer of fewest bytes per token, whatever the model",
            hint=_tokenizer_hint(_shown(col), frame),
            param="best_of",
        )
    if schema.names_metric_kinds(frame.get_column(col).unique().to_list()):
        raise InputError(
            f"--best-of {best_of}: column {best_of!r} says what each value is ("
            f"{', '.join(sorted(str(v) for v in frame.get_column(col).drop_nulls().unique()))}), not which run "
            "is better: choosing by it would keep accuracies as losses",
            hint=_kind_hint(best_of, frame.get_column(col)),
            param="where",
        )
    return col


def _tokenizer_hint(shown: str, frame: pl.DataFrame) -> str:
    """The fix for runs told apart by their tokenizer (a ``TOKENIZER_COLUMNS`` column): the tokenizers are what the
    table compares, each a dataset of its own (ranked per byte: a loss per token ranks the tokenizers' bytes per
    token), or one of them kept. ``--best-of`` is no fix: it kept, at every (dataset, N, D), the tokenizer of
    fewest bytes per token (helper h101: three tokenizers of one dataset, the per-byte best never kept)."""
    values = sorted(str(v) for v in frame.get_column(f"{EXTRA}{shown}").drop_nulls().unique().to_list())
    one = f"{shown}={shlex.quote(values[0])}" if values else f"{shown}=VALUE"
    apart = (
        f"--column dataset={shown} makes each tokenizer's runs a dataset of their own"
        if frame.get_column("dataset").n_unique() == 1
        else f"give each dataset and {shown} a dataset name of its own (web-{values[0] if values else 'gpt2'})"
    )
    return (
        f"{apart} (then compare them per byte: rank -t EVAL:bpb), or keep one with --where {one}; --best-of "
        f"{shown} is no fix: it keeps the lowest loss per token, the tokenizer of fewest bytes per token"
    )


def _kind_hint(shown: str, values: pl.Series) -> str:
    """The fix for a column that says what each value is (loss, acc) beside a metric column: keep its losses."""
    loss = next(
        (str(v) for v in values.drop_nulls().unique().sort() if schema.metric_kind(str(v)) == "loss"), "loss"
    )
    return f"keep the losses with --where {shown}={loss}"


def _different_runs(
    apart: pl.DataFrame,
    differ: Mapping[str, tuple[int, int]],
    given: Sequence[str] = (),
    table: pl.DataFrame | None = None,
) -> InputError:
    """The refusal of runs that differ in a column (``differ``) at one measurement, ``given``: the columns
    ``--best-of`` already chose by. Its hint names every column of the grid, those given too, so that it never
    points from one column to the other and back (a learning rate × batch size sweep did); it offers no --best-of
    where the columns' values fall, on the whole ``table``, in groups that never meet at one (dataset, N, D) while
    their runs interleave in N (``disjoint_setups``: Porian et al.'s configurations, probe h3)."""
    # a column of the table (a configuration, a learning rate) says more than a run id that only differs
    col = max(differ, key=lambda c: (c != "run_id", differ[c][0], differ[c][1]))
    if col != "run_id" and schema.names_metric_kinds(apart.get_column(col).unique().to_list()):
        n = apart.group_by(REPEAT_KEY).agg(pl.col(col).n_unique().alias("k")).filter(pl.col("k") > 1).height
        return InputError(
            f"{n} measurement{'s' if n > 1 else ''} (dataset, N, D, eval) have rows that differ in {_shown(col)}, "
            f"a column that says what each value is ("
            f"{', '.join(sorted(str(v) for v in apart.get_column(col).drop_nulls().unique()))}): losses and "
            "accuracies are never averaged nor chosen between",
            hint=_kind_hint(_shown(col), apart.get_column(col)),
            param="where",
        )
    groups = apart.group_by(REPEAT_KEY).agg(pl.col(col).n_unique().alias("k")).filter(pl.col("k") > 1)
    first = groups.sort(["dataset", "eval", "N", "D"]).row(0, named=True)
    tokenizer = schema.norm_name(_shown(col)) in TOKENIZER_COLUMNS
    key = pl.lit(True)
    for c in REPEAT_KEY:
        key = key & pl.col(c).eq_missing(pl.lit(first[c]))
    values = sorted({str(v) for v in apart.filter(key).get_column(col).to_list()})
    shown_values = ", ".join(values[:4]) + (f", … ({len(values)} values)" if len(values) > 4 else "")
    # the columns swept together (a learning rate × a batch size), this one first: each still tells runs apart
    # once the others are fixed ((Mis)Fitting's sweep names a learning rate's runs: --best-of peak_lr is enough),
    # and a value of each recurs across (dataset, N, D) cells, which a run's own name or id never does
    axes = [col]
    for c in sorted(differ, key=lambda c: (-differ[c][0], differ[c][1], c)):
        if c not in (col, "run_id") and _recurs(apart, c) and _apart_within(apart, c, axes):
            axes.append(c)
    # the example names the setting with the most rows (the first by name kept one dataset of Porian et al.'s
    # table) (ties go to the setting the table gives first: value_counts orders them anyhow, and the hint could
    # change from one run to the next)
    counts = (
        apart.select(pl.col(c).cast(pl.String) for c in axes)
        .drop_nulls()
        .group_by(axes, maintain_order=True)
        .len()
        .sort("len", descending=True, maintain_order=True)
    )
    setting = counts.row(0)[:-1] if counts.height else ("VALUE",) * len(axes)
    # quoted for the shell where a value needs it (Porian's 'base|warmup=long|…' pasted bare was a pipe: p64)
    example = " --where ".join(shlex.quote(f"{_shown(c)}={v}") for c, v in zip(axes, setting, strict=True))
    example += "".join(f" --best-of {g}" for g in given)
    best = " ".join(f"--best-of {c}" for c in dict.fromkeys([*given, *map(_shown, axes)]))
    joint = " (the lowest loss over every combination of their values)" if len(given) + len(axes) > 1 else ""
    others = [_shown(c) for c in differ if c != col]
    also = f" (and in {', '.join(others)})" if others else ""
    n = groups.height
    seeds = (
        f"the seeds of the {_shown(col)} kept are averaged"
        if apart.get_column("seed").drop_nulls().n_unique() > 1
        else "repeats that are seeds need a seed column (--column seed=COL)"
    )
    split = disjoint_setups(apart if table is None else table, axes)
    if tokenizer:
        hint = f"{_tokenizer_hint(_shown(col), apart)}; {seeds}"
    elif split:
        more = f" (and in {plural(len(split) - 1, 'other dataset')})" if len(split) > 1 else ""
        hint = (
            f"keep one with --where {example}; {best} is no fix: its values never meet at one (dataset, N, D) in "
            f"groups whose runs interleave in N ({split[0].describe(values=1)}){more}, separate setups it would fit "
            f"into one law; {seeds}"
        )
    elif len(axes) == 1 and not given and (sizes := _size_names(apart, col)) is not None:
        hint = f"keep the best run of each (dataset, N, D) with --best-of {_shown(col)} ({sizes}); {seeds}"
    else:
        hint = f"keep one with --where {example}, or the best run of each (dataset, N, D) with {best}{joint}; {seeds}"
    return InputError(
        f"{n} measurement{'s' if n > 1 else ''} (dataset, N, D, eval) come from several runs that differ in "
        f"{_shown(col)}{also}: e.g. {first['dataset']} at N={fmt_sig(first['N'])}, D={fmt_sig(first['D'])}, "
        f"eval {first['eval']}: {_shown(col)} = {shown_values}. Different runs are not averaged",
        hint=hint,
    )


def _apart_within(apart: pl.DataFrame, col: str, fixed: Sequence[str]) -> bool:
    """Whether ``col`` takes several values among the rows of one measurement that agree in ``fixed``."""
    k = apart.group_by([*REPEAT_KEY, *fixed]).agg(pl.col(col).n_unique().alias("k")).get_column("k").max()
    return bool(k > 1)  # type: ignore[operator]


def _recurs(apart: pl.DataFrame, col: str) -> bool:
    """Whether a value of ``col`` recurs in several (dataset, N, D) cells of ``apart`` (or it holds one cell)."""
    cell = pl.struct("dataset", "N", "D")
    if apart.select(cell.n_unique()).item() < 2:
        return True
    return bool(apart.group_by(col).agg(cell.n_unique().alias("k")).get_column("k").max() > 1)  # type: ignore[operator]


def _size_names(apart: pl.DataFrame, col: str) -> str | None:
    """Why --where is no fix for a column whose every value is of one model size (DCLM's model: open_lm_1b,
    open_lm_1b_swiglutorch, open_lm_7b...): it would keep one size of the sweep (the hint named the 6.9B runs'
    value, dropping the 0.41B and 1.4B cells); where a size has several values (two architectures of one size,
    not one model size each), how to keep one of each. None for a column of other values."""
    per_value = apart.group_by(col).agg(pl.col("N").n_unique().alias("sizes"))
    if per_value.height < 2 or not bool((per_value.get_column("sizes") == 1).all()):
        return None
    why = f"each value of {_shown(col)} is of one model size: --where {_shown(col)}=VALUE would keep that size alone"
    shared = (
        apart.group_by("N")
        .agg(pl.col(col).cast(pl.String).drop_nulls().unique().sort().alias("v"))
        .filter(pl.col("v").list.len() > 1)
        .sort("N")
    )
    if shared.height == 0:
        return why
    first = shared.row(0, named=True)
    # every value but the first of each such size, so that the filter leaves one per size (at most four named)
    out = [v for vs in shared.get_column("v").to_list() for v in vs[1:]]
    leave = " ".join(f"--where {_shown(col)}!={v}" for v in out[:4]) + (" …" if len(out) > 4 else "")
    return (
        f"{why}; where a size has several ({', '.join(first['v'][:3])} at N={fmt_sig(first['N'])}: variants of "
        f"one size), {leave} keeps one of each"
    )


def _refuse_runs_per_seed(seeded: pl.DataFrame) -> None:
    """Refuse measurements repeated over seeds where one seed has several runs (run ids): runs of settings the
    table does not name (a learning rate in the run's name only), whose seeds were averaged over the settings as
    seeds of one run; a seed given twice without run ids is one measurement repeated (checked as repeats are)."""
    per_seed = (
        seeded.group_by([*REPEAT_KEY, "seed"])
        .agg(pl.col("run_id").drop_nulls().unique().sort().alias("ids"))
        .filter(pl.col("ids").list.len() > 1)
    )
    if per_seed.height == 0:
        return
    first = per_seed.sort(["dataset", "eval", "N", "D", "seed"]).row(0, named=True)
    ids = [str(v) for v in first["ids"]]
    shown = ", ".join(ids[:4]) + (f", … ({len(ids)} runs)" if len(ids) > 4 else "")
    n = per_seed.select(REPEAT_KEY).unique().height
    raise InputError(
        f"{n} measurement{'s' if n > 1 else ''} (dataset, N, D, eval) repeated over seeds have several runs of "
        f"one seed: e.g. {first['dataset']} at N={fmt_sig(first['N'])}, D={fmt_sig(first['D'])}, eval "
        f"{first['eval']}: seed {first['seed']} in runs {shown}. Seeds of one run are averaged; runs of "
        "different settings are not",
        hint="give the column that tells the runs apart (a learning rate, a configuration): then --best-of COL keeps "
        "the best setting, its seeds averaged, and --where COL=VALUE one",
    )


def strip_extras(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop([c for c in frame.columns if c.startswith(EXTRA)])


def follow_best(acc: pl.DataFrame, losses: pl.DataFrame, cols: Sequence[str]) -> pl.DataFrame:
    """Accuracy rows of the runs ``best_of`` kept (the same values of its columns at each (dataset, N, D)); the
    columns the accuracy rows lack are not compared."""
    on = [c for c in cols if c in acc.columns]
    if not on:
        return acc
    cell = ["dataset", "N", "D", "split"]
    kept = losses.select(*cell, *on).unique()
    return acc.join(kept, on=[*cell, *on], how="semi", nulls_equal=True)
