"""Tables keyed by run id alone (an evaluation harness's ``run_id, eval, metric, value``), appended to runs stored
with those ids: each row's dataset, N and D (those it lacks) taken from the stored run of its id, and the rows
the stored runs cannot place (an unknown id, a per-step log's checkpoints) refused at their line."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError
from l2l.io.readers import _Raw, _read_raw

__all__ = ["stored_run_columns"]


def stored_run_columns(
    raw: _Raw, stored_runs: Callable[[], pl.DataFrame] | None, mapping: Mapping[str, str]
) -> _Raw:
    """``raw`` with each row's dataset, N and D (those the table lacks; and split) taken from the stored run of its
    run id, where the table has a run id column and lacks one of them (an evaluation harness's ``run_id, eval,
    metric, value``, appended to losses stored with those run ids, was refused as "missing columns 'dataset' … 'N'
    … 'D'" with no word of the run ids; p68). InputError naming the line of a run id no stored run has, or of one
    whose value differs between its stored rows (a per-step log's D: the table must say each row's)."""
    if stored_runs is None or raw.constants:
        return raw
    canon = {schema.canonical_name(c): c for c in raw.columns} | {
        c: s for c, s in mapping.items() if s in raw.columns
    }
    run_col = canon.get("run_id")
    lacking = [c for c in ("dataset", "N", "D") if c not in canon]
    if run_col is None or not lacking:
        return raw
    stored = stored_runs()
    if stored.is_empty():
        return raw
    if raw.scan is not None:  # (tables keyed by run id are small: read whole, their lines known)
        if raw.verify is not None:
            raw.verify.result()
        raw = _read_raw(Path(raw.path))
    ids = raw.frame.get_column(run_col).cast(pl.String)
    # by run id, and by dataset too where the table names it (one id, m000, reused in every dataset: p74)
    keys = ["run_id"] if "dataset" in lacking else ["run_id", "dataset"]
    rest = [c for c in ("dataset", "N", "D", "split") if c not in keys]
    lookup = stored.group_by(keys, maintain_order=True).agg(
        pl.when(pl.col(c).n_unique() == 1).then(pl.col(c).first()).alias(c) for c in rest
    )
    table = pl.DataFrame({"run_id": ids})
    if "dataset" not in lacking:
        table = table.with_columns(raw.frame.get_column(canon["dataset"]).cast(pl.String).alias("dataset"))
    joined = table.join(lookup, on=keys, how="left", maintain_order="left", nulls_equal=False)
    wanted = lookup.select(pl.struct(keys)).to_series().implode()
    known = joined.select(pl.struct(keys).is_in(wanted)).to_series()
    unknown = ~known & ids.is_not_null()
    vague = known & joined.select(pl.any_horizontal(pl.col(c).is_null() for c in lacking)).to_series()
    for bad in (unknown, vague & ids.is_not_null()):
        if not bool(bad.any()):
            continue
        i = int(bad.arg_true()[0])
        n = int(ids.filter(bad).n_unique())
        many = [c for c in lacking if joined.get_column(c)[i] is None]
        near = _near_id(str(ids[i]), stored.get_column("run_id")) if bad is unknown else None
        why, fix = (
            ("is not a stored run", "give dataset, N and D columns")
            if bad is unknown
            else (
                f"names stored runs of more than one {' or '.join(many)}"
                + (" (a per-step log's checkpoints)" if many == ["D"] else ""),
                f"give a {' and a '.join(many)} column",
            )
        )
        raise InputError(
            f"run id {ids[i]!r} {why} ({n} run id{'s' if n > 1 else ''} of this table), so the row has no "
            f"{', '.join(many or lacking)}",
            path=raw.path,
            line=raw.lines[i] if raw.lines is not None else None,
            column=run_col,
            hint=(
                f"the stored run {near!r} differs only in case or spaces: run ids are matched exactly; write "
                "them as stored"
                if near is not None
                else f"append it to the workspace that holds those runs' losses, or {fix}"
                if bad is unknown
                else fix
            ),
        )
    _check_checkpoints(raw, canon, run_col, ids, joined, lacking, stored)
    taken = [*lacking, *(["split"] if "split" not in canon else [])]
    added = joined.select(pl.col(c).alias(c) for c in taken)
    return replace(raw, frame=raw.frame.with_columns(added.get_columns()), from_stored=tuple(lacking))


def _near_id(run_id: str, stored: pl.Series) -> str | None:
    """The one stored run id equal to ``run_id`` but for case and surrounding spaces (p73), or None."""
    key = run_id.strip().casefold()
    hits = {s for s in stored.to_list() if isinstance(s, str) and s.strip().casefold() == key}
    return hits.pop() if len(hits) == 1 else None


def _check_checkpoints(
    raw: _Raw,
    canon: Mapping[str | None, str],
    run_col: str,
    ids: pl.Series,
    joined: pl.DataFrame,
    lacking: Sequence[str],
    stored: pl.DataFrame,
) -> None:
    """Refuse a table keyed by run id whose rows are checkpoints the stored runs do not tell apart (probe p73: a
    per-step accuracy log appended to final checkpoints was averaged, 10 rows a run, into each run's final (N, D),
    up to 7.8 points off its last checkpoint; given its tokens, other runs' mid-training checkpoints were joined to
    runs of the same (N, D) as their seeds). Without tokens: one row per run id and eval (and metric). With them:
    each row at its stored run's tokens, or at one of its stored checkpoints' (p74: a checkpoint's tokens 1.37× off
    was stored silently on a workspace of every checkpoint)."""
    keys = [
        run_col,
        *(c for c in (canon.get("dataset"), canon.get("eval"), _metric_column(raw)) if c is not None),
    ]
    if "D" in lacking:
        seen = raw.frame.select(keys).is_duplicated()
        if bool(seen.any()):
            i = int(seen.arg_true()[0])
            raise InputError(
                f"run id {ids[i]!r} has several rows of one eval and the table gives no tokens, so each would be "
                "taken at its stored run's final (N, D)",
                path=raw.path,
                line=raw.lines[i] if raw.lines is not None else None,
                column=run_col,
                hint="a per-step log's checkpoints: give each row's tokens (a D or tokens column), or keep each "
                "run's last row",
            )
        return
    d_col = canon.get("D")
    if d_col is None:
        return
    given = raw.frame.get_column(d_col).cast(pl.Float64, strict=False)
    at = joined.get_column("D").cast(pl.Float64, strict=False)
    off = ((given / at - 1).abs() > 0.01).fill_null(False)
    # an id of several checkpoints (no single stored D): the row's tokens must be one of them
    steps: dict[str, list[float]] = {}
    for rid, d in stored.select("run_id", pl.col("D").cast(pl.Float64, strict=False)).iter_rows():
        steps.setdefault(rid, []).append(d)
    loose = [
        at[i] is None
        and given[i] is not None
        and ids[i] in steps
        and not any(abs(given[i] / d - 1) <= 0.01 for d in steps[ids[i]] if d)
        for i in range(len(ids))
    ]
    off = off | pl.Series(loose, dtype=pl.Boolean)
    stored_d = at
    if bool(off.any()):
        i = int(off.arg_true()[0])
        n = int(off.sum())
        raise InputError(
            f"run id {ids[i]!r} at {given[i]:.4g} tokens: the workspace holds that run "
            + (f"at {stored_d[i]:.4g} tokens only" if stored_d[i] is not None else "at no such checkpoint")
            + f" ({n} row{'s' if n > 1 else ''} of this table at tokens no stored run of their id has)",
            path=raw.path,
            line=raw.lines[i] if raw.lines is not None else None,
            column=d_col,
            hint=(
                "a per-step log's checkpoints: ingest the losses with --checkpoints all, or keep each run's last row"
                if stored_d[i] is not None
                else "the losses have no checkpoint at those tokens: check the tokens column against the losses'"
            ),
        )


def _metric_column(raw: _Raw) -> str | None:
    """The column that says what each value is (``metric``), if the table has one by that name."""
    return next((c for c in raw.columns if schema.norm_name(c) == "metric"), None)
