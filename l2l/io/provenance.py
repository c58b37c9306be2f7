"""What an ingest did, for its report and the workspace's record: one entry per file read (rows read, kept, merged,
rejected; columns; checkpoints; what was decided), and the refusal of repeats when reading strictly."""

from __future__ import annotations

import math
import shlex
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import polars as pl

from l2l.base import schema
from l2l.base.errors import InputError
from l2l.base.runs import AVERAGE_KEY, FLOPS_COUNT_SLACK, REPEAT_KEY, flops_counts
from l2l.base.text import fmt_si, fmt_sig, loss_and_accuracy_columns, plural, some_of, utc_now
from l2l.core.predictability import spearman_rho
from l2l.io.checkpoints import FINISHED
from l2l.io.columns import repeat_column, unit_hint
from l2l.io.readers import _fmt_lines, _Raw
from l2l.io.selection import APART_SWEEP, SEED_DIVERGED, Edge, Repeats, Spread, seed_odd_limit
from l2l.io.values import synthesised_run_ids

__all__ = [
    "C_COUNT_RHO",
    "C_COUNT_SPREAD",
    "FLOPS_PER_PARAMETER_TOKEN",
    "SHARED_OWN_NOTE",
    "CountMismatch",
    "c_count_mismatch",
    "check_scale",
    "compute_unit_ratio",
    "far_value_notes",
    "file_entries",
    "reject_differing_repeats",
    "reject_diverged_seeds",
    "reject_repeats",
    "repeat_notes",
    "table_notes",
]


#: Repeats nothing tells apart whose losses differ by more than this (relative) are said to differ.
REPEAT_SPREAD = 0.01
#: ... and by more than this they are refused, not averaged: one measurement logged twice differs by rounding or
#: a re-evaluation's noise, not by a tenth (rows of different runs, or a wrong row, do).
REPEAT_REFUSED = 0.10


def _cell(key: Sequence[object]) -> str:
    """``web at N=4.84e+07, D=1.03e+10, eval web_val`` for a (dataset, N, D, eval, split)."""
    split = f", split {key[4]}" if key[4] is not None else ""
    return f"{key[0]} at N={fmt_sig(float(key[1]))}, D={fmt_sig(float(key[2]))}, eval {key[3]}{split}"  # type: ignore[arg-type]


#: Run ids longer than this are shown by the part in which they differ (DCLM's ids run to 150 characters).
_LONG_ID: Final = 30


def _differing_parts(ids: Sequence[str]) -> list[str]:
    """Long ids without the prefix and suffix they share (cut at a separator): ``…lr=0p001-wd=0p1…``."""
    if len(ids) < 2 or max(len(i) for i in ids) <= _LONG_ID:
        return list(ids)

    def shared(texts: Sequence[str]) -> int:
        n = 0
        while all(len(t) > n and t[n] == texts[0][n] for t in texts):
            n += 1
        return n

    head = shared(ids)
    tail = shared([i[::-1] for i in ids])
    seps = "-_/,;: "  # (not = nor .: lr=0p001 keeps its name)
    while head > 0 and ids[0][head - 1] not in seps:
        head -= 1
    while tail > 0 and ids[0][len(ids[0]) - tail] not in seps:
        tail -= 1
    if any(head + tail >= len(i) for i in ids):
        return list(ids)
    return [f"{'…' if head else ''}{i[head : len(i) - tail]}{'…' if tail else ''}" for i in ids]


def _runs_of(gap: Spread, limit: int = 5) -> str:
    """``r10_s0 3.418, r10_s1 7.5, r10_s2 3.406``: each row of the group by its run id (else its seed) and loss."""
    ids = _differing_parts(gap.run_ids)
    named = [
        f"{rid if raw not in ('None', '') else f'seed {seed}'} {v:.4g}"
        for rid, raw, seed, v in zip(ids, gap.run_ids, gap.seeds, gap.losses, strict=True)
    ]
    return ", ".join(named[:limit]) + (f", … ({len(named)} runs)" if len(named) > limit else "")


def repeat_notes(
    rep: Repeats, log: Mapping[str, Any] | None = None, *, every_checkpoint: bool = False
) -> list[str]:
    """What was decided about repeated measurements, one line each. ``log``: the checkpoints of a per-step log
    whose final checkpoints were repeated (``CheckpointReport.to_dict``), to say where its run key holds
    interleaved runs."""
    notes = []
    if rep.seeds:
        gap = rep.seed_gap
        within = ""
        if gap is not None:
            fewest, most = gap.counts
            each = f"{fewest}" if fewest == most else f"{fewest}-{most}"
            within = (
                f", {each} seeds each (seed-to-seed spread {100 * (gap.spread or 0.0):.1f} %; the farthest seed "
                f"{100 * gap.gap:.1f} % from its configuration's others)"
            )
        notes.append(
            f"{plural(rep.seeds, 'measurement')} repeated over seeds (the seed column): averaged{within}"
        )
        if gap is not None and gap.wide:
            far = gap.run_ids[gap.farthest]
            leave = f"--where run_id!={far}" if far not in ("None", "") else "delete its rows"
            notes.append(
                f"warning: {gap.wide} of them hold a seed far from its siblings (more than "
                f"{100 * seed_odd_limit(gap.typical, gap.groups):.1f} %, up to {100 * gap.gap:.1f} %): "
                f"e.g. {_cell(gap.key)}: "
                f"{_runs_of(gap)}; a run that diverged or did not finish? Averaged in, it moves the configuration's "
                f"loss; {leave} leaves it out"
            )
    if rep.same:
        differ = (
            f"; their losses differ by up to {100 * rep.spread:.1f} % (the same run logged twice with different "
            "values? only distinct run ids or a seed column keep them apart)"
            if rep.spread > REPEAT_SPREAD
            else ""
        )
        if log and float(log.get("repeated_apart") or 0.0) > REPEAT_SPREAD:
            key = ", ".join([str(log.get("named_by", "run_id")), *log.get("identity", [])])
            differ = (
                f", their losses up to {100 * rep.spread:.1f} % apart; they are final checkpoints of a per-step "
                f"log whose run key ({key}) holds rows up to {100 * log['repeated_apart']:.0f} % apart at one "
                f"checkpoint (e.g. {log['repeated_at']}): the key may not identify runs (several interleaved?); "
                "--checkpoints all shows them apart, refusing such rows by their lines; a run_id column tells the "
                "runs apart"
            )
        notes.append(
            f"{plural(rep.same, 'measurement')} repeated with nothing telling the rows apart: averaged{differ}"
        )
    if rep.apart:
        names = (
            rep.apart_names
        )  # (the data mix named only in the run names: said, never read out of them; h76)
        notes.append(
            ("warning: " if names else "")
            + f"{plural(rep.apart, 'measurement')} at one (dataset, N, D, eval) come{'s' if rep.apart == 1 else ''} "
            "from runs with different run ids: kept as separate points, not averaged"
            + (f"; {names.said()}" if names else "")
        )
        gap = rep.apart_gap
        # a log kept at every checkpoint puts one run's checkpoint mid-schedule, its learning rate not yet
        # decayed, at the (N, D) where a shorter run ended: that gap was blamed on a learning rate (helper h67)
        cause = (
            "one run's checkpoint before its learning rate decayed beside another run's final checkpoint at the "
            "same (N, D) (--checkpoints all keeps both; --checkpoints final keeps finished runs only), or a "
            "sweep of a setting the table does not name (a learning rate)"
            if every_checkpoint
            else "a sweep of a setting the table does not name (a learning rate)"
        )
        if gap is not None and gap.wide:
            notes.append(
                f"warning: {gap.wide} of them hold runs whose losses differ by more than {100 * APART_SWEEP:.0f} % "
                f"(up to {100 * gap.gap:.1f} %; the median measurement's {100 * gap.typical:.1f} %): e.g. "
                f"{_cell(gap.key)}: {_runs_of(gap)}. Seeds differ by about 1 %: {cause}? Every run is fitted as a "
                "point of one law, the bad settings with the good; keep the best run of each (dataset, N, D) with "
                "--best-of run_id, or give the column that tells them apart (then --best-of COL)"
            )
    if rep.best_of:
        given = " ".join(f"--best-of {c}" for c in rep.best_of)
        which = (
            f"run whose {rep.best_of[0]} gives"
            if len(rep.best_of) == 1
            else f"run whose combination of {' × '.join(rep.best_of)} (their joint grid) gives"
        )
        kept_most = "; ".join(f"{w.column} {w.value} in {w.count} of {w.cells} cells" for w in rep.winners)
        notes.append(
            f"{given}: at each (dataset, N, D) kept the {which} the lowest {_best_by(rep)} ({rep.dropped} rows of "
            "other runs left out" + (f"; kept most often: {kept_most}" if kept_most else "") + ")"
        )
        notes.extend(_edge_note(e) for e in rep.edges if _edge_warned(e))
        if rep.disjoint:
            notes.append(_disjoint_note(rep))
        if rep.best_bias is not None:
            below, spread, fewest, most = rep.best_bias
            notes.append(
                f"warning: the best of {fewest if fewest == most else f'{fewest}-{most}'} noisy seeds lies about "
                f"{100 * below:.1f} % below their mean (seed-to-seed spread {100 * spread:.1f} %): each loss kept "
                "is biased low, and the law with it; averaging the seeds (the default, where they agree) is not"
            )
    return notes


#: The share of a sweep's cells whose kept value sits at one edge of the values tried (the same one) that is warned
#: about: an optimum inside a sweep centred on it lies at an edge in a few cells, and a flat optimum's noise picks
#: either edge (of three values two are edges), where an optimum outside the sweep keeps one edge in most.
EDGE_SHARE: Final = 0.5


def _edge_warned(edge: Edge) -> bool:
    return max(edge.low, edge.high) > EDGE_SHARE * edge.cells


def _edge_note(edge: Edge) -> str:
    """The warning that ``--best-of``'s kept value sits at the edge of its sweep in most cells."""
    side = [
        f"{edge.low} at the smallest value tried, {edge.lowest:g}" if edge.low else "",
        f"{edge.high} at the largest, {edge.highest:g}" if edge.high else "",
    ]
    return (
        f"warning: best {edge.column} at the edge of its range in {edge.at_edge} of {edge.cells} cells "
        f"({'; '.join(s for s in side if s)}): the optimum may lie outside the sweep, the losses kept there above "
        "the best reachable; values past that edge would settle it"
    )


def _disjoint_note(rep: Repeats) -> str:
    """The warning that ``--best-of``'s values fall in groups that never met at one (dataset, N, D) while their runs
    interleave in N (``Repeats.disjoint``): nothing was chosen between them, every group's runs were kept, and one
    law is fitted over setups that differ (probe h3: Porian et al.'s configurations, N counted three ways)."""
    given = " ".join(f"--best-of {c}" for c in rep.best_of)
    shown = "; ".join(s.describe() for s in rep.disjoint[:2])
    more = f"; and {plural(len(rep.disjoint) - 2, 'other dataset')}" if len(rep.disjoint) > 2 else ""
    return (
        f"warning: {given}: its values never meet at one (dataset, N, D) in groups whose runs interleave in N "
        f"({shown}{more}): the runs kept are separate setups fitted into one law, not a choice among the same "
        f"models; keep one with {rep.disjoint[0].where()}"
    )


def _best_by(rep: Repeats) -> str:
    """Which loss ``--best-of`` chose by: the own eval's, else the mean over the evals (``Repeats.by_own``)."""
    own = ", ".join(rep.own_evals[:3]) + (", …" if len(rep.own_evals) > 3 else "")
    if rep.by_own and not rep.by_mean:
        return f"loss on its dataset's own eval ({own})"
    if rep.by_mean and not rep.by_own:
        return "mean log loss over its evals (no own eval measured there)"
    if rep.by_own:
        return (
            f"loss on its dataset's own eval ({own}) at {rep.by_own} points, the mean log loss over its evals at "
            f"{rep.by_mean} without it"
        )
    return "loss"


def file_entries(
    parts: Sequence[tuple[_Raw, Mapping[str, Any], int]], kept: Mapping[int, int], *, wide: bool
) -> list[dict[str, Any]]:
    """The provenance of each file read (``parts``: its reading, what was done, its loss rows before repeats
    were merged; ``kept``: file → loss rows kept)."""
    out: list[dict[str, Any]] = []
    for k, (raw, info, rows) in enumerate(parts):
        entry: dict[str, Any] = {
            "path": raw.path,
            "abspath": None if raw.format == "dataframe" else str(Path(raw.path).resolve()),
            "sha256": raw.sha256,
            "format": raw.format,
            "wide": wide,
            "records": info["records"],
            "rows_read": info["rows_read"],
            "rows_kept": int(kept.get(k, 0)),
            "rows_merged": rows - int(kept.get(k, 0)),
            "rows_rejected": info["rows_rejected"],
            # values left out before any were read as runs, by --where and as --accuracy-metric's other scores
            # (read + left out = the file's values; with both, it counted --where's alone: "kept 336 of 432 values"
            # beside "96 of 720 rows left out" of a 720-row harness table, probe h42; a wide table's --where counted
            # its file rows beside its values read: "kept 630 of 648 values", 18 rows × 3 losses left out, h53)
            "rows_filtered": _where_values(info, wide=wide) + int(info.get("rows_other_scores", 0)),
            "aliases": info["aliases"],
            "columns": info["columns"],
            "ignored_columns": info["ignored_columns"],
            "ingested_at": utc_now(),
        }
        if info.get("constants"):
            entry["constants"] = dict(info["constants"])
        if info.get("rows_other_scores"):
            entry["rows_other_scores"] = int(info["rows_other_scores"])
        if where := _where_values(info, wide=wide):
            entry["rows_where"] = where  # values, as every count here (a wide table: its rows × loss columns)
        if info.get("rows_checkpoints_accuracy"):  # a wide export's accuracy cells of checkpoints not kept
            entry["rows_checkpoints_accuracy"] = int(info["rows_checkpoints_accuracy"])
        if wide:
            entry["loss_columns"] = info["loss_columns"]
            entry["loss_columns_detected"] = info["loss_columns_detected"]
            entry["loss_columns_left_out"] = info["loss_columns_left_out"]
        for key in ("checkpoints", "metrics", "accuracy_rows", "accuracy_columns", "rows_nan"):
            if key in info:
                entry[key] = info[key]
        entry["decisions"] = _decisions(info)
        out.append(entry)
    return out


def _stored_note(info: Mapping[str, Any]) -> list[str]:
    """The columns a table keyed by run id took from the stored runs (``tables._stored_run_columns``)."""
    if not info.get("from_stored"):
        return []
    taken = ", ".join(info["from_stored"])
    return [f"{taken} of each row taken from the stored run of its run id (the table has no such column)"]


def _where_values(info: Mapping[str, Any], *, wide: bool) -> int:
    """The values ``--where`` left out of one file: its rows left out, times the loss columns of a wide table (the
    values its ``rows_read`` counts)."""
    rows = _left_out_by_where(info) if info.get("where") else 0
    if not wide:
        return rows
    return rows * max(len(info.get("loss_columns") or {}), 1) + int(info.get("rows_where_accuracy", 0))


def _left_out_by_where(info: Mapping[str, Any]) -> int:
    """The file's rows ``--where`` left out: rows of the file, not values (a wide table's ``rows_read`` counts one
    row per loss column: probe p77's "-144 of 81 rows left out")."""
    before = int(info.get("rows_before_where", info["rows_read"]))
    return max(before - int(info.get("rows_after_where", info["rows_read"])), 0)


def _where_notes(info: Mapping[str, Any]) -> list[str]:
    """What ``--where`` left out of one file, and the filters it has no column for (another file has: one alone
    is refused)."""
    notes: list[str] = []
    if info.get("where"):
        before = info.get("rows_before_where", info["records"])
        rows = _left_out_by_where(info)
        losses, accs = len(info.get("loss_columns") or {}), len(info.get("accuracy_columns") or {})
        values = (
            f" ({plural(rows * (losses + accs), 'value')}: {loss_and_accuracy_columns(losses, accs)} each)"
            if rows and losses + accs > 1
            else ""
        )
        notes.append(f"--where {' and '.join(info['where'])}: {rows} of {before} rows left out{values}")
    if info.get("where_unmatched"):
        # a filter whose column another file has (one alone is refused): this file's rows were all kept without a
        # word, --where split=extrapolation keeping a file of runs that hold no split (h1)
        unmatched = info["where_unmatched"]
        notes.append(
            f"warning: --where {' and '.join(unmatched)} not applied to this file: it has no "
            f"{'such column' if len(unmatched) == 1 else 'such columns'}, so that filter left none of its rows "
            "out; leave the file out of this ingest (or add the column) if they should not all be kept"
        )
    return notes


def _rose_note(ck: Mapping[str, Any]) -> list[str]:
    """The warning of the runs whose loss rose at their final checkpoint (``CheckpointReport.rose_at_end``)."""
    if not ck.get("rose_at_end"):
        return []
    said = [str(r) for r in ck["rose_by"]]
    n = len(said)
    who = (
        "a run's loss rose at its final checkpoint"
        if n == 1
        else f"{n} runs' losses rose at their final checkpoints"
    )
    more = f"; and {n - 3} more" if n > 3 else ""
    fix = f" {ck['rose_fix']}" if ck.get("rose_fix") else ""
    return [
        f"warning: {who}, kept as {'its' if n == 1 else 'their'} end: {'; '.join(said[:3])}{more}: diverged at "
        f"the end?{fix}"
    ]


def _decisions(info: Mapping[str, Any]) -> list[str]:
    """What was decided about one file, one line each, for the ingest report."""
    notes: list[str] = list(info.get("read_notes", []))
    notes += [
        f"{canon} {value!r} in every row (--{canon}: the table has no {canon} column)"
        for canon, value in (info.get("constants") or {}).items()
    ]
    notes += _where_notes(info)
    if info.get("checkpoints_unused"):
        notes.append(
            f"warning: --checkpoints {info['checkpoints_unused']} not applied to this file: it is not a per-step "
            "log (one checkpoint per run), so each run's one row was kept"
        )
    ck = info.get("checkpoints") or {}
    if ck.get("stopped_early"):
        n = int(ck["stopped_early"])
        runs, their = ("runs", "their") if n > 1 else ("run", "its")
        notes.append(
            f"warning: left out {n} {runs} stopped before {FINISHED:.0%} of {their} planned length "
            f"({ck['stopped_by']}; e.g. {ck['stopped_example']} at {float(ck['stopped_at']):.2g}): a checkpoint "
            "before the learning rate has decayed is no finished run, its loss lies above a finished run's "
            "(--checkpoints all keeps every checkpoint)"
        )
    if ck.get("undecayed"):
        names = [str(r) for r in ck["undecayed"]]
        n = len(names)
        fix = f": {ck['undecayed_fix']} keeps the decayed ends only" if ck.get("undecayed_fix") else ""
        notes.append(
            f"warning: {plural(n, 'run')} {'ends' if n == 1 else 'end'} before {'its' if n == 1 else 'their'} "
            f"learning rate decayed ({ck['undecayed_by']}): {some_of(names)}; a checkpoint before the learning "
            "rate has decayed is no finished run, its loss lies above a finished run's (a WSD log's main run "
            f"before its cooldown?), yet {'it is' if n == 1 else 'they are'} kept as finished runs{fix}"
        )
    notes += _rose_note(ck)
    notes += info.get("metric_notes", [])
    for key, what in (("bpb_evals", "eval"), ("bpb_columns", "column")):
        if info.get(key):  # (named as bits per byte: web_val_bpb is web_val:bpb, eval/c4/bpb c4:bpb)
            pairs = [f"{old}→{new}" for old, new in info[key].items()]
            notes.append(
                f"{what}{'s' if len(pairs) > 1 else ''} named as bits per byte read as a loss in another unit: "
                f"{some_of(pairs)} (NAME:bpb, kept apart from the losses in nats)"
            )
    notes += _stored_note(info)
    metrics = info.get("metrics")
    if metrics and set(metrics) != {"loss"}:
        shown = ", ".join(f"{n} {m}" for m, n in metrics.items())
        named = info.get("metric_column")
        if info.get("accuracy_column"):
            note = f"column {info['accuracy_column']!r} holds the accuracy of each row's eval: {shown} rows"
        elif named:
            note = (
                f"column {named!r} says what each value is (its values name metrics): read as the metric column, "
                f"{shown} rows"
            )
        else:
            note = f"metric column: {shown} rows"
        if "bpb" in metrics:
            note += "; bpb (bits per byte) is a loss in another unit, kept as the eval NAME:bpb beside NAME"
        if "accuracy" in metrics:
            note += "; accuracies are kept apart from the losses"
        notes.append(note)
    if info.get("nan_note"):  # a wide table's NaN loss cells, skipped as blank ones are
        notes.append(str(info["nan_note"]))
    notes.extend(info.get("accuracy_notes", []))  # (a wide export's columns left out of its accuracies)
    return notes


def reject_differing_repeats(
    frame: pl.DataFrame, rep: Repeats, raws: Sequence[_Raw], loss: Sequence[Mapping[str, str]]
) -> None:
    """Refuse repeats nothing tells apart whose losses differ by more than ``REPEAT_REFUSED``: averaging them
    (a loss and an accuracy under one metric, two runs without ids) gives a value no run had. ``loss``: each
    file's loss column per eval (a long table's under ``""``)."""
    if rep.widest is None or rep.spread <= REPEAT_REFUSED:
        return
    key = pl.lit(True)
    for c, v in zip(REPEAT_KEY, rep.widest, strict=True):
        key = key & pl.col(c).eq_missing(pl.lit(v))
    group = frame.filter(key).sort(["_file", "_row"], nulls_last=True)
    first = group.row(0, named=True)
    raw = raws[int(first["_file"])]
    rows = [r for f, r in group.select("_file", "_row").iter_rows() if f == first["_file"] and r is not None]
    lines = [raw.line_of(int(r)) for r in rows]
    unit = "line" if all(n is not None for n in lines) else "row"
    nums = [n if n is not None else int(r) + 1 for n, r in zip(lines, rows, strict=True)]
    where = f"{unit}{'s' if len(nums) > 1 else ''} {_fmt_lines(nums)}" if nums else ""
    files = group.get_column("_file").unique().to_list()
    if len(files) > 1:  # repeats across files: each one's place (it named the first file's line alone, twice)
        where = ", ".join(_place(raws[int(f)], r) for f, r in group.select("_file", "_row").iter_rows())
    values = ", ".join(f"{v:.4g}" for v in group.get_column("loss").to_list()[:4])
    split = f", split {first['split']!r}" if first["split"] is not None else ""
    raise raw.error(
        f"repeated measurement with different values: dataset {first['dataset']!r}, N={fmt_sig(first['N'])}, "
        f"D={fmt_sig(first['D'])}, eval {first['eval']!r}{split} appears {group.height} times"
        f"{f' ({where})' if where else ''} with values {values}, {100 * rep.spread:.0f} % apart: not averaged "
        f"(repeats of one measurement differ by less than {100 * REPEAT_REFUSED:.0f} %)",
        row=None if not rows else int(rows[-1]),
        column=(lambda m: m.get(str(first["eval"]), m.get("", "loss")))(loss[int(first["_file"])]),
        hint="rows of different runs need what tells them apart (a run_id, a seed column, or a column of "
        "theirs: then --best-of COL keeps the best, --where COL=VALUE one); delete a wrong row; --strict "
        "refuses every repeat",
    )


def _place(raw: _Raw, row: int | None) -> str:
    """Where a row is, for a message naming several files: ``PATH line N`` (``row N`` where lines are unknown)."""
    if row is None:
        return raw.path
    line = raw.line_of(int(row))
    return f"{raw.path} line {line}" if line is not None else f"{raw.path} row {int(row) + 1}"


def reject_diverged_seeds(rep: Repeats, raws: Sequence[_Raw], loss: Sequence[Mapping[str, str]]) -> None:
    """Refuse seeds of one configuration one of which diverged (``Spread.diverged``): more than ``SEED_DIVERGED``
    from the median of the others and far past the table's own seed-to-seed spread. A diverged (or unfinished)
    run averaged in gives a loss no seed had (a probe's 3.418, 7.5 and 3.406 were averaged to 4.77, and the mean
    was labelled with a healthy seed's run id). ``loss``: each file's loss column per eval (a long table's under
    ``""``)."""
    gap = rep.seed_gap
    if gap is None or not gap.diverged:
        return
    k = gap.farthest
    raw = raws[gap.files[k]]
    row = gap.rows[k]
    line = None if row is None else raw.line_of(row)
    others = [v for j, v in enumerate(gap.losses) if j != k]
    seed_of = gap.seeds[k]
    far = gap.run_ids[k]
    named = far not in ("None", "")
    leave = (
        f"--where run_id!={far}"
        if named
        else f"delete {'line ' + str(line) if line is not None else 'its row'}"
    )
    if len(others) == 1:  # a pair: the higher is as far from the lower as the lower from the higher
        side = "above" if gap.losses[k] > others[0] else "below"
        apart = (
            f"{100 * gap.gap:.0f} % {side} the configuration's other seed ({others[0]:.4g}): a diverged run? With "
            "two seeds there is no telling which one diverged."
        )
    else:
        apart = (
            f"{100 * gap.gap:.0f} % from the median of the configuration's other {len(others)} seeds "
            f"({', '.join(f'{v:.4g}' for v in others[:4])}): a diverged run?"
        )
    spread = 100 * (gap.spread or 0.0)
    if not gap.measured:
        agree = f"within {100 * SEED_DIVERGED:.0f} %; too few seeds elsewhere in the table to measure their spread"
    elif round(100 * gap.limit) > round(
        100 * SEED_DIVERGED
    ):  # "within 10 %, more than 10 %" said nothing (p69)
        agree = (
            f"here within {100 * gap.limit:.0f} %, more than {100 * SEED_DIVERGED:.0f} % as the table's "
            f"seed-to-seed spread is {spread:.1f} %"
        )
    else:
        agree = f"within {100 * SEED_DIVERGED:.0f} %; the table's seed-to-seed spread is {spread:.1f} %"
    raise raw.error(
        f"seed {seed_of}{f' (run {far})' if named else ''} of {_cell(gap.key)} has loss {gap.losses[k]:.4g}, "
        f"{apart} Seeds are averaged where they agree ({agree})",
        row=row,
        column=loss[gap.files[k]].get(str(gap.key[3]), loss[gap.files[k]].get("", "loss")),
        hint=f"leave the diverged run out ({leave}), or keep the best seed of each (dataset, N, D) with --best-of "
        "seed",
    )


def reject_repeats(repeated: pl.DataFrame, raws: Sequence[_Raw]) -> None:
    first = repeated.sort(["_file", "_row"]).row(0, named=True)
    key_expr = pl.lit(True)
    for c in REPEAT_KEY:
        key_expr = key_expr & (pl.col(c).eq_missing(pl.lit(first[c])))
    group = repeated.filter(key_expr).sort(["_file", "_row"])
    by_file: dict[int, list[int]] = {}
    for f, r in group.select("_file", "_row").iter_rows():
        by_file.setdefault(f, []).append(r)
    places = []
    for f, rows in by_file.items():
        raw = raws[f]
        scanned = raw.line_of(0) is not None
        nums = [int(raw.line_of(r) or 0) for r in rows] if scanned else [r + 1 for r in rows]
        unit = "line" if scanned else "row"
        where = f"{unit}{'s' if len(nums) > 1 else ''} {_fmt_lines(nums)}"
        places.append(f"{raw.path} {where}" if len(by_file) > 1 else where)
    seeds = group.get_column("seed")
    seed_note = f" (seeds {', '.join(str(s) for s in seeds.to_list())})" if seeds.is_not_null().all() else ""
    split = f", split {first['split']!r}" if first["split"] is not None else ""
    second_file, second_row = group.select("_file", "_row").row(1)
    raw = raws[second_file]
    n_groups = repeated.select(REPEAT_KEY).unique().height
    others = (
        f"; {n_groups - 1} more repeated measurement{'s' if n_groups > 2 else ''}" if n_groups > 1 else ""
    )
    raise raw.error(
        f"repeated measurement: dataset {first['dataset']!r}, N={fmt_sig(first['N'])}, "
        f"D={fmt_sig(first['D'])}, eval {first['eval']!r}{split} appears {group.height} times, "
        f"at {', '.join(places)}{seed_note}{others}",
        row=second_row,
        hint="unless reading strictly, repeats are averaged",
        param="strict",
    )


#: Below these a column reads like a count in millions (or billions) rather than parameters or tokens: the
#: smallest language models of a scaling sweep have millions of parameters and train on millions of tokens.
SMALLEST_N = 1e5
SMALLEST_D = 1e6


#: Below this median of tokens per parameter (D/N) a table is refused: every language model of a scaling sweep
#: sees more tokens than it has parameters, so N and D are in units apart (params_M beside tokens_B: 60 and 1.2
#: for 60M parameters on 1.2B tokens, which made N* = 21.7T and D* = 7.68M later, with nothing said again).
LEAST_TOKENS_PER_PARAMETER = 0.1


def check_scale(frame: pl.DataFrame, raws: Sequence[_Raw], columns: Sequence[Mapping[str, str]]) -> None:
    """Refuse a table whose runs see far fewer tokens than they have parameters (the median D/N below
    ``LEAST_TOKENS_PER_PARAMETER``): N or D counted in millions or billions (``columns``: each file's canonical
    → input column, to name them)."""
    if frame.height == 0:
        return
    ratio = float((frame.get_column("D") / frame.get_column("N")).median())  # type: ignore[arg-type]
    if not ratio < LEAST_TOKENS_PER_PARAMETER:
        _check_dataset_scale(frame, raws, columns, ratio)
        return
    k = int(frame.get_column("_file")[0]) if "_file" in frame.columns else 0
    cols = columns[k] if k < len(columns) else {}
    n_col, d_col = cols.get("N", "N"), cols.get("D", "D")
    named = unit_hint(d_col, "D") or unit_hint(
        n_col, "N"
    )  # ('tokens (B)' said its unit: a probe got no word of it)
    raise InputError(
        f"the median run sees {ratio:.3g} tokens per parameter (D/N; N up to "
        f"{float(frame.get_column('N').max()):.4g}, D up to {float(frame.get_column('D').max()):.4g}): "  # type: ignore[arg-type]
        f"N ({n_col!r}) and D ({d_col!r}) are not counted in the same units (millions of parameters beside "
        "billions of tokens?)",
        path=raws[k].path if k < len(raws) else None,
        column=d_col if named is None or unit_hint(d_col, "D") else n_col,
        hint=named
        or "give N in parameters and D in tokens, as numbers (6e7, 1.2e9) or with their unit (60M, 1.2B): "
        "laws, N* and D* take them as written",
    )


def _per_dataset_ratio(frame: pl.DataFrame) -> pl.DataFrame:
    """Each dataset's median tokens per parameter (D/N, column ``ratio``) and the file of its first row (``_file``,
    0 where the frame has none), largest datasets first; empty without a dataset column or with one dataset."""
    if "dataset" not in frame.columns:
        return pl.DataFrame()
    file = pl.col("_file").first() if "_file" in frame.columns else pl.lit(0)
    per = frame.group_by("dataset", maintain_order=True).agg(
        (pl.col("D") / pl.col("N")).median().alias("ratio"),
        pl.col("N").max().alias("N_max"),
        pl.col("D").max().alias("D_max"),
        file.alias("_file"),
    )
    return per if per.height > 1 else pl.DataFrame()


def _check_dataset_scale(
    frame: pl.DataFrame, raws: Sequence[_Raw], columns: Sequence[Mapping[str, str]], whole: float
) -> None:
    """``check_scale`` for each dataset of a table whose median passes: one dataset's D in billions (or N in
    millions) beside the others' counts kept the table's median in range, and ranked that dataset first at
    P(best) 1.00 with N* = 84.4T (probe h23: two groups' exports concatenated into one table, or two files ingested
    together)."""
    per = _per_dataset_ratio(frame)
    if per.is_empty():
        return
    # (above a million tokens per parameter, 100x past the most over-trained small model, the dataset's N is in
    # thousands or millions: warned of alone it was still ranked first at P(best) 1.00 with N* = 2.33M)
    low = per.filter(
        (pl.col("ratio") < LEAST_TOKENS_PER_PARAMETER) | (pl.col("ratio") > IMPLAUSIBLE_TOKENS_PER_PARAMETER)
    )
    if low.is_empty():
        return
    ds, r, n_max, d_max, k = low.row(0)
    k = int(k)
    cols = columns[k] if k < len(columns) else {}
    n_col, d_col = cols.get("N", "N"), cols.get("D", "D")
    others = some_of([str(d) for d in low.get_column("dataset").to_list()[1:]], 3)
    raise InputError(
        f"dataset {ds!r}: its median run sees {r:.3g} tokens per parameter (D/N; N up to {n_max:.4g}, D up to "
        f"{d_max:.4g}), the table's {whole:.3g}: its N ({n_col!r}) and D ({d_col!r}) are not counted in the same "
        + (
            "units (millions of parameters beside billions of tokens?)"
            if r < LEAST_TOKENS_PER_PARAMETER
            else "units (N in thousands or millions of parameters?)"
        )
        + (f"; so are {others}'s" if others else ""),
        path=raws[k].path if k < len(raws) else None,
        column=d_col if r < LEAST_TOKENS_PER_PARAMETER else n_col,
        hint="give N in parameters and D in tokens for every dataset, as numbers (6e7, 1.2e9) or with their unit "
        "(60M, 1.2B): laws, N* and D* take them as written",
    )


#: C/(N·D) may differ between rows by this factor (total against non-embedding parameters: 7-11 FLOPs per
#: parameter-token); beyond it the C values are in different units (FLOPs beside PF-days: 8.64e19).
COMPUTE_UNITS_SPREAD = 1000.0


def check_compute_units(frame: pl.DataFrame, path: str | None) -> None:
    """Refuse a table whose C values are in different units (C/(N·D) apart by more than ``COMPUTE_UNITS_SPREAD``):
    a C column in PF-days for some datasets and FLOPs (or a blank C, taken as 6·N·D) for others put N* at 1e20
    parameters and ranked the datasets by their units, with only a note."""
    if frame.height == 0:
        return
    k = frame.get_column("C") / (frame.get_column("N") * frame.get_column("D"))
    lo, hi = int(k.arg_min() or 0), int(k.arg_max() or 0)
    k_lo, k_hi = float(k[lo]), float(k[hi])
    if not (k_lo > 0 and k_hi / k_lo > COMPUTE_UNITS_SPREAD):
        return

    def where(i: int) -> str:
        r = frame.row(i, named=True)
        return f"dataset {r['dataset']!r}, N={fmt_sig(r['N'])}, D={fmt_sig(r['D'])}"

    raise InputError(
        f"the compute C is in different units across runs: C/(N·D) is {k_lo:.3g} for {where(lo)} and "
        f"{k_hi:.3g} for {where(hi)} (a blank C, or a file without one, is taken as 6·N·D)",
        path=path,
        column="C",
        hint="give C in FLOPs in every row (or in one unit throughout), or leave it out: l2l then uses 6·N·D",
    )


#: The FLOPs per parameter and token a C column in FLOPs can hold (C/(N·D), the median run): 6 for a forward and
#: backward pass, 8 with activation recomputation, more with long contexts on small models or an isoFLOP budget
#: rounded up (Porian et al.'s budgets: 5.8-9.9); a factor of 6 either way is far beyond any of these. A median
#: outside is a C in other units (1e18 FLOPs: 6e-18; PF-days: 6.9e-20; GFLOPs: 6e-9) or no compute at all.
FLOPS_PER_PARAMETER_TOKEN = (1.0, 100.0)


def compute_unit_ratio(frame: pl.DataFrame) -> float | None:
    """The median C/(N·D) of a table whose C column cannot be in FLOPs (outside ``FLOPS_PER_PARAMETER_TOKEN``),
    else None: a C in units of 1e18 FLOPs was taken as C = 6e-18·N·D, and ``optimal --C 1e22`` put N* at 2e18
    parameters, with a note alone."""
    if frame.height == 0:
        return None
    k = (frame.get_column("C") / (frame.get_column("N") * frame.get_column("D"))).drop_nans()
    if k.len() == 0:
        return None
    mid = float(k.median())  # type: ignore[arg-type]
    lo, hi = FLOPS_PER_PARAMETER_TOKEN
    return mid if not lo <= mid <= hi else None


#: A C column whose C/(N·D) spreads over one dataset's model sizes by more than this factor (the largest of their
#: medians over the smallest) ...
C_COUNT_SPREAD: Final = 1.25
#: ... and follows N monotonically (Spearman's |ρ| over the dataset's distinct N at least this) was computed with
#: another parameter count than N: the (Mis)Fitting log's C = 6·N·D with embeddings, read with N = N_no_emb, gives
#: C/(N·D) from 28.5 (12M) down to 7.08 (1B), and its median, 13.9, was taken as the table's FLOPs count (probe h3).
#: An isoFLOP grid's nominal budgets jitter about 6 without following N.
C_COUNT_RHO: Final = 0.8
#: ... judged over this many model sizes at least (of two, C/(N·D) always follows N one way or the other).
C_COUNT_SIZES: Final = 3


@dataclass(frozen=True)
class CountMismatch:
    """A C column computed with another parameter count than N (``c_count_mismatch``): in ``dataset`` (the widest
    of ``datasets`` such), the median C/(N·D) of its smallest model (N ``n_small``) and of its largest, over
    ``sizes`` model sizes, and Spearman's ``rho`` of C/(N·D) against N; ``k_median``: the table's median C/(N·D)
    (the constant it would have set); ``follows``: a column of the table whose count C matches instead (C/(X·D) one
    constant, ``k_follows``), if any."""

    dataset: str
    datasets: int
    sizes: int
    n_small: float
    k_small: float
    n_large: float
    k_large: float
    rho: float
    k_median: float
    follows: str | None = None
    k_follows: float = 0.0


def _per_size(frame: pl.DataFrame, n: pl.Expr) -> pl.DataFrame:
    """Each (dataset, model size)'s median C/(n·D) (``_k``), by dataset and N; rows without a finite positive one
    left out."""
    k = pl.col("C") / (n * pl.col("D"))
    return (
        frame.select("dataset", "N", k.alias("_k"))
        .filter(pl.col("_k").is_finite() & (pl.col("_k") > 0))
        .group_by("dataset", "N")
        .agg(pl.col("_k").median())
        .sort("dataset", "N")
    )


def c_count_mismatch(frame: pl.DataFrame, extra_prefix: str = "") -> CountMismatch | None:
    """Where, inside a dataset of ``frame`` (canonical columns, a C column given), C/(N·D) spreads over the model
    sizes by more than ``C_COUNT_SPREAD`` and follows N monotonically (``C_COUNT_RHO``): the C column was computed
    with another parameter count than N, and no constant turns N and D into its budgets (``CountMismatch``; the
    column of ``extra_prefix`` whose count C follows, if one does); rows whose C is 6·N·D are left out. None
    elsewhere."""
    if frame.height == 0:
        return None
    # (a blank C is taken as 6·N·D, and a C that is 6·N·D matches N: neither tells of another count; a table of
    # blanks and one C given at a tiny model read as a trend)
    whole, frame = frame, frame.filter((pl.col("C") / (6.0 * pl.col("N") * pl.col("D")) - 1.0).abs() > 1e-9)
    per = _per_size(frame, pl.col("N"))
    found: list[tuple[float, CountMismatch]] = []
    for (ds,), sub in per.group_by("dataset"):
        if sub.height < C_COUNT_SIZES:
            continue
        sub = sub.sort("N")
        ns, ks = sub.get_column("N").to_list(), sub.get_column("_k").to_list()
        spread = max(ks) / min(ks)
        rho = spearman_rho(ns, ks)
        if spread > C_COUNT_SPREAD and abs(rho) >= C_COUNT_RHO:
            found.append((spread, CountMismatch(str(ds), 0, len(ns), ns[0], ks[0], ns[-1], ks[-1], rho, 0.0)))
    if not found:
        return None
    found.sort(key=lambda x: (-x[0], x[1].dataset))
    worst = found[0][1]
    bad = frame.filter(pl.col("dataset").is_in([m.dataset for _, m in found]))
    follows: str | None = None
    k_follows = 0.0
    for col in (c for c in frame.columns if extra_prefix and c.startswith(extra_prefix)):
        other = pl.col(col).cast(pl.String).str.strip_chars().cast(pl.Float64, strict=False)
        if bool(bad.select((other.is_null() | (other <= 0)).any()).item()):
            continue
        per_other = _per_size(bad, other).get_column("_k")
        if per_other.len() and float(per_other.max()) <= float(per_other.min()) * FLOPS_COUNT_SLACK:  # type: ignore[arg-type]
            follows, k_follows = col[len(extra_prefix) :], float(per_other.median())  # type: ignore[arg-type]
            break
    return CountMismatch(
        worst.dataset,
        len(found),
        worst.sizes,
        worst.n_small,
        worst.k_small,
        worst.n_large,
        worst.k_large,
        worst.rho,
        float(whole.select((pl.col("C") / (pl.col("N") * pl.col("D"))).median()).item()),
        follows,
        k_follows,
    )


#: Above this median of tokens per parameter (D/N) one dataset of a table whose median passes is refused: its N is
#: counted in thousands or millions beside the others' parameters (two groups' exports in one table).
IMPLAUSIBLE_TOKENS_PER_PARAMETER = 1e6

#: Above this median of tokens per parameter (D/N) a table is warned about: N counted in thousands (125000 for
#: 125M parameters) passed every check and put N* 1000× low. Real sweeps' medians lie at 8-20 (the paper's runs,
#: DCLM, Porian et al., Li et al.); the most over-trained small models (135M on 2T tokens) reach about 15,000.
MOST_TOKENS_PER_PARAMETER = 5000.0


def _scale_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where N or D is too small to be counted in parameters or tokens (a column in millions: N = 124
    for 124M parameters made N* = 1.03M and 1.6e8 tokens per parameter, with nothing said), or where the median
    run sees more tokens per parameter than a scaling sweep does (N in thousands)."""
    out = []
    ratio = float((frame.get_column("D") / frame.get_column("N")).median())  # type: ignore[arg-type]
    if ratio > MOST_TOKENS_PER_PARAMETER:
        out.append(
            f"warning: the median run sees {ratio:.3g} tokens per parameter (D/N; N up to "
            f"{float(frame.get_column('N').max()):.4g}): scaling sweeps see 8-200. Is N counted in thousands? "  # type: ignore[arg-type]
            "Give N in parameters (125M, 1.3B): laws, N* and D* take N as written"
        )
    else:  # one dataset's N in millions beside the others' counts (probe h23: it was ranked first, N* = 2.33M)
        per = _per_dataset_ratio(frame)
        for ds, r, n_max, _, _ in (
            [] if per.is_empty() else per.filter(pl.col("ratio") > MOST_TOKENS_PER_PARAMETER).rows()
        ):
            out.append(
                f"warning: dataset {ds!r}: its median run sees {r:.3g} tokens per parameter (D/N; N up to "
                f"{n_max:.4g}), the table's {ratio:.3g}: scaling sweeps see 8-200. Is its N counted in thousands or "
                "millions? Give N in parameters (125M, 1.3B): laws, N* and D* take N as written"
            )
    for col, least, unit in (("N", SMALLEST_N, "parameters"), ("D", SMALLEST_D, "tokens")):
        top = float(frame.get_column(col).max())  # type: ignore[arg-type]
        if top < least:
            out.append(
                f"warning: the largest {col} is {top:.4g}: {unit} of a language model come in millions or more. "
                f"Is the column counted in millions or billions? Give the values with their unit (124M, 1.3B) "
                f"or in {unit}: laws, N* and D* take {col} as written"
            )
    return out


#: A run's N (or D) lying more than this many decades beyond every other run's is asked about: a unit slip (80B for
#: 80M) passed every check, and only a law's "far runs" said anything. Neighbouring sizes of real sweeps lie within
#: 0.7 decades (the paper's runs 0.28, Porian et al. 0.5, (Mis)Fitting 0.35, DCLM's four cells 0.68, per run's N
#: and final D); a slip of 1000× lands 2 decades or more beyond the rest unless the sweep spans more than one.
FAR_DECADES: Final = 2.0
#: ... where at most this many runs lie out there, beside at least ``FAR_OTHERS`` runs: a few runs set apart, not
#: a second sweep at another scale.
FAR_RUNS: Final = 2
FAR_OTHERS: Final = 4


def _far_side(units: pl.DataFrame, col: str) -> tuple[pl.DataFrame, float, float] | None:
    """The runs (``units``: one row per run, its ``col``) whose value lies more than ``FAR_DECADES`` beyond every
    other run's, above or below, with the nearest other value and the gap in decades; None where none does."""
    values = sorted(set(units.get_column(col).to_list()))
    if units.height < FAR_RUNS + FAR_OTHERS or len(values) < 3:
        return None
    found: tuple[pl.DataFrame, float, float] | None = None
    for k in range(1, FAR_RUNS + 1):  # the k largest (smallest) values set apart from the rest
        for far, edge, near in (
            (values[-k:], values[-k], values[-k - 1]),
            (values[:k], values[k - 1], values[k]),
        ):
            gap = abs(math.log10(edge / near))  # (from the far group's value nearest the rest)
            rows = units.filter(pl.col(col).is_in(far))
            if gap > FAR_DECADES and rows.height <= FAR_RUNS and (found is None or gap > found[2]):
                found = rows, near, gap
    return found


def far_value_notes(frame: pl.DataFrame, raws: Sequence[_Raw]) -> list[str]:
    """A warning per column (N, D) where a run or two lie far beyond every other run on a log scale
    (``FAR_DECADES``): one run's N 1000× off (a unit slip: 80B for 80M) was fitted as the law's largest model,
    with nothing said at ingest (h1). ``frame``: the rows read (``_file`` and ``_row`` name their lines); a run is
    its (dataset, run_id), with its N and its final D."""
    if frame.height == 0 or "_file" not in frame.columns:
        return []
    out: list[str] = []
    ids = ["dataset", "run_id"]
    for col, units in (
        ("N", frame.group_by([*ids, "N"]).agg(pl.col("_file").first(), pl.col("_row").first())),
        (
            "D",
            frame.sort(["D", "_file", "_row"], descending=[False, True, True])
            .group_by(ids)
            .agg(pl.col("D", "_file", "_row").last()),
        ),
    ):
        found = _far_side(units.sort([*ids, col]), col)
        if found is None:
            continue
        rows, near, gap = found
        above = float(rows.get_column(col)[0]) > near
        named = []
        for ds, rid, value, k, row in rows.select(*ids, col, "_file", "_row").iter_rows():
            raw = raws[int(k)]
            place = _place(raw, row) if len(raws) > 1 else raw.where(int(row)) if row is not None else ""
            named.append(
                f"{col} = {fmt_si(value)} of run {rid!r} (dataset {ds!r}{', ' if place else ''}{place})"
            )
        rest = units.filter(~pl.col(col).is_in(rows.get_column(col).implode()))
        lo, hi = float(rest.get_column(col).min()), float(rest.get_column(col).max())  # type: ignore[arg-type]
        keep = f"{col}<{fmt_si(near * 10)}" if above else f"{col}>{fmt_si(near / 10)}"
        out.append(
            f"warning: {' and '.join(named)} {'lie' if len(named) > 1 else 'lies'} {gap:.1f} decades "
            f"{'above' if above else 'below'} every other run's (the other {rest.height} runs: "
            f"{col} {fmt_si(lo)}–{fmt_si(hi)}): a typo, or a value in another unit? Laws, N* and D* take {col} as "
            f"written: correct it, or leave {'them' if len(named) > 1 else 'it'} out (--where '{keep}')"
        )
    return out


def _perplexity_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where losses run past what a cross-entropy in nats can be: a perplexity (35 for a loss of 3.56)
    taken for a loss fits a law to the wrong curve, its E a perplexity too, and nothing else says so."""
    top = frame.filter(pl.col("loss") > schema.LARGEST_NATS)
    if top.height == 0:
        return []
    ds, ev, loss = top.sort("loss", descending=True).select("dataset", "eval", "loss").row(0)
    return [
        f"warning: losses up to {loss:.4g} ({ds}, {ev}; {top.height} values above {schema.LARGEST_NATS:g}): a "
        "cross-entropy in nats stays below ln(vocabulary size), about 11–12. Are these perplexities? A law of "
        "perplexity is not a law of loss: give log(perplexity), or the loss itself"
    ]


#: A model size's longest run lying this far above its next shorter one on the dataset's own eval is a loss that rises
#: with D (finished runs of one size fall with D): a WSD log's main runs, kept at their last checkpoint at constant
#: learning rate, lay 1.6-1.8 % above the cooldown ends at half their D (probe p60), where two runs' 0.5 % noise
#: rarely makes 1.2 %; said where it holds at RISING_SIZES sizes or more and at half of those with two token counts.
RISING: Final = 0.012
RISING_SIZES: Final = 2


def _rising_notes(frame: pl.DataFrame, own: Mapping[str, str]) -> list[str]:
    """A warning per dataset whose own loss rises with D at fixed N (``RISING``): runs taken as finished that are
    not (a checkpoint before the learning rate decayed), or data repeated for many epochs; a law takes the loss to
    fall with D, and such runs bend it (N* 7-38 % high on the probe's WSD log)."""
    rows = frame.filter(pl.col("eval") == pl.col("dataset").replace_strict(own, default=None))
    if rows.height == 0:
        return []
    per = (
        rows.group_by("dataset", "N", "D")
        .agg(pl.col("loss").mean())
        .sort("dataset", "N", "D")
        .with_columns(
            pl.col("D").shift(1).over("dataset", "N").alias("_d0"),
            pl.col("loss").shift(1).over("dataset", "N").alias("_l0"),
            pl.col("D").max().over("dataset", "N").alias("_top"),
        )
        .filter((pl.col("D") == pl.col("_top")) & pl.col("_l0").is_not_null())
    )
    out: list[str] = []
    for (ds,), sizes in per.group_by("dataset", maintain_order=True):
        up = sizes.filter(pl.col("loss") > pl.col("_l0") * (1 + RISING))
        if up.height < max(RISING_SIZES, (sizes.height + 1) // 2):
            continue
        n, d, loss, d0, l0 = up.select("N", "D", "loss", "_d0", "_l0").row(0)
        out.append(
            f"warning: {ds}: at a fixed model size the own loss ({own[str(ds)]}) rises with D at {up.height} of "
            f"{sizes.height} sizes, its longest run above the next shorter one (e.g. N = {fmt_si(n)}: {loss:.4g} at "
            f"D = {fmt_si(d)} above {l0:.4g} at {fmt_si(d0)}): runs not finished (a checkpoint before the learning "
            "rate decayed), or data repeated for many epochs? A law takes the loss to fall with D (l2l fit-law "
            "--residuals shows them)"
        )
    return out


#: A dataset's losses may differ from the median of the OTHER datasets' at the same models (N, D), taken on each eval
#: they share and then the median over those evals, by this factor before ingest asks whether they are in another
#: unit. A unit changes every eval of the dataset alike; what a dataset learns does not: StarCoder-trained models
#: are 0.46× the others on code and worse on web text. One eval at a time the paper's runs reach 0.46× and 2.17×
#: (any third of them; 0.49× and 2.10× all together) and DCLM's 0.48× and 2.00×, so a band on each eval fired on
#: subsets of the paper's own runs (p57). Over the evals a dataset shares, the real tables stay within 0.84×–1.19×
#: (the paper's runs and their thirds, DCLM's 42 sets over 58 evals, the synthetic sample). Bits per byte are nats
#: per token over ln 2 × bytes per token (3.5–4.8): 0.30–0.41× nats, 2.4× apart or more (2.0× for a dataset 1.19×
#: the others to begin with); a probe's books in bits per byte sat at 0.43×. A dataset that shares ONE eval has
#: only that eval to go by, where learning its data far better reaches 0.53× (the tests' code beside web): 2.0
#: leaves both. Bits per token (1/ln 2 = 1.44× nats) lie too close to how far datasets differ to be told apart.
UNIT_RATIO = 2.0
#: One eval of a dataset among others it shares may lie this far from the other datasets' before it is asked about
#: on its own (one eval's column in bits per byte: 0.30–0.41× nats): 1.25× beyond the farthest a real dataset's
#: eval reaches (0.455× and 2.17×, above).
EVAL_UNIT_RATIO = 2.75


def appended_repeat_notes(stored: pl.DataFrame, added: pl.DataFrame) -> list[str]:
    """A warning where appended rows that repeat stored measurements (averaged in with them) differ from them by
    more than ``REPEAT_SPREAD``: a corrected re-export appended was averaged with the values it corrected, and
    only "averaged in" was said (within one file such rows are warned about already)."""
    if stored.height == 0 or added.height == 0:
        return []
    both = added.select([*AVERAGE_KEY, "loss"]).join(
        stored.select([*AVERAGE_KEY, pl.col("loss").alias("_stored")]), on=AVERAGE_KEY, nulls_equal=True
    )
    if both.height == 0:
        return []
    gap = (pl.col("loss") / pl.col("_stored")).log().abs()
    wide = both.with_columns(gap.alias("_gap")).filter(pl.col("_gap") > REPEAT_SPREAD)
    if wide.height == 0:
        return []
    worst = wide.sort("_gap", descending=True).row(0, named=True)
    return [
        f"warning: appended rows that repeat stored measurements differ from them by up to "
        f"{100 * math.expm1(worst['_gap']):.1f} % ({plural(wide.height, 'row')} by more than "
        f"{100 * REPEAT_SPREAD:.0f} %; e.g. {worst['dataset']!r}, N={fmt_sig(worst['N'])}, "
        f"D={fmt_sig(worst['D'])}, eval {worst['eval']!r}: {worst['_stored']:.4g} stored, {worst['loss']:.4g} "
        "appended), averaged: a corrected table appended to the one it corrects? Ingest it without --append "
        "to replace the stored runs"
    ]


def unit_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where one dataset's losses lie more than ``UNIT_RATIO`` apart from the median of the other
    datasets' at the same models (N, D; at least two others, at three models or more), taken on each eval they
    share and then the median over those evals: bits per byte appended beside nats had a probe's books ranked
    first, P(best) 1.00, with nothing said. The dataset itself is left out of the median it is compared with (with
    three datasets, it was the median's middle value often enough to hide a unit apart). One eval alone is not
    enough: a code-trained dataset's loss on code evals is half the others' in the same unit (p57); one eval is
    asked about alone where it lies farther (``EVAL_UNIT_RATIO``) than any dataset's learning takes it."""
    if frame.height == 0 or "eval" not in frame.columns:
        return []
    per = frame.group_by("dataset", "eval", "N", "D").agg(pl.col("loss").mean())
    per_eval = _unit_ratios(per)
    apart = (pl.col("r") > pl.col("band")) | (pl.col("r") < 1 / pl.col("band"))
    flagged = (
        per_eval.group_by("dataset")
        .agg(pl.col("r").median(), pl.col("models").max(), pl.col("eval").sort())
        .with_columns(pl.lit(UNIT_RATIO).alias("band"))
        .filter(apart)
        .sort("dataset")
    )
    whole = flagged
    if flagged.height > 1:
        # where leaving out one of them alone leaves the others in one unit, it alone is asked about: one dataset of
        # perplexities beside two in nats pulled the median of each one's two others so far that all three were
        # asked about (helper h95); where several would do (bits per byte beside a dataset learning its data far
        # better), all are
        alone = [ds for ds in flagged["dataset"] if not _units_apart(per.filter(pl.col("dataset") != ds))]
        if len(alone) == 1:
            whole = flagged.filter(pl.col("dataset") == alone[0])
    one = (
        per_eval.join(flagged.select("dataset"), on="dataset", how="anti")
        .with_columns(pl.lit(EVAL_UNIT_RATIO).alias("band"), pl.concat_list("eval").alias("eval"))
        .filter(apart)
        .sort("dataset", "eval")
    )
    return [
        f"warning: {ds!r} on {_evals_said(evals)}: its losses are {r:.3g}× the other datasets' at the same "
        f"{models} models (N, D){'' if len(evals) == 1 else ', the median over these evals'}: in another unit "
        "(bits per byte beside nats)? A law fitted across units ranks the units, not the datasets"
        for ds, r, models, evals in [
            *whole.select("dataset", "r", "models", "eval").iter_rows(),
            *one.select("dataset", "r", "models", "eval").iter_rows(),
        ]
    ]


def _units_apart(per: pl.DataFrame) -> bool:
    """Whether some dataset of ``per`` lies ``UNIT_RATIO`` or more from the others (one other is enough here)."""
    r = _unit_ratios(per, others=1).group_by("dataset").agg(pl.col("r").median())["r"]
    return bool(((r > UNIT_RATIO) | (r < 1 / UNIT_RATIO)).any())


def _unit_ratios(per: pl.DataFrame, others: int = 2) -> pl.DataFrame:
    """Per (dataset, eval) of ``per``: the median ratio ``r`` of its losses to the median of the other datasets' at
    the same models (at least ``others`` others) and over how many models (``models``; three or more)."""
    return (
        _median_of_others(per)
        .filter(pl.col("k") >= others)  # a median of at least two others (``unit_notes``)
        .with_columns((pl.col("loss") / pl.col("typical")).alias("r"))
        .group_by("dataset", "eval")
        .agg(pl.col("r").median(), pl.len().alias("models"))
        .filter(pl.col("models") >= 3)
    )


def _median_of_others(per: pl.DataFrame) -> pl.DataFrame:
    """Per row of ``per`` (one loss per dataset, eval, N, D): its loss, the median of the other datasets' losses
    at the same (eval, N, D) (``typical``) and how many they are (``k``); rows alone at their model left out.

    Read off each model's losses sorted once, leaving the row's own out by its rank: the self-join this replaces
    held datasets² rows per model and eval (200 datasets × 11 evals: 11 M rows at ingest, issue 21). The median is
    polars' own arithmetic (the middle value; of an even count lo + (hi − lo)·0.5), so every ratio is the same."""
    model = ["eval", "N", "D"]
    r = pl.int_range(pl.len(), dtype=pl.Int64).over(model)  # the row's rank among its model's losses
    s = (
        per.sort([*model, "loss"])
        .with_columns(r.alias("_r"), (pl.len().over(model).cast(pl.Int64) - 1).alias("k"))
        .filter(pl.col("k") >= 1)  # whole models go: the others stay together, in order
        .with_row_index("_i")
        .with_columns((pl.col("_i").cast(pl.Int64) - pl.col("_r")).alias("_start"))
    )

    def other(j: pl.Expr) -> pl.Expr:
        # the j-th smallest of the others: the j-th of the model's sorted losses, or the next where it is the row's
        return pl.col("loss").gather(pl.col("_start") + j + (j >= pl.col("_r")).cast(pl.Int64))

    lo = other((pl.col("k") - 1) // 2)
    hi = other(pl.col("k") // 2)
    typical = pl.when(pl.col("k") % 2 == 1).then(lo).otherwise(lo + (hi - lo) * 0.5)
    return s.select("dataset", *model, "loss", typical.alias("typical"), "k")


def _evals_said(evals: list[str]) -> str:
    if len(evals) == 1:
        return repr(evals[0])
    return f"{len(evals)} evals ({', '.join(map(repr, evals[:2]))}{', …' if len(evals) > 2 else ''})"


def _spelling_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where dataset or eval names differ only in case, spaces or dashes (web, WEB; c4_val, C4-val):
    one dataset spelled two ways is fitted as two, each with half the runs, and one eval spelled per dataset
    (tables of several groups merged) leaves every comparison on it with one dataset."""
    out = []
    for column, what, effect in (
        ("dataset", "datasets", "They are kept apart, as written"),
        (
            "eval",
            "evals",
            "They are kept apart, as written: comparisons on an eval pair datasets by its exact name",
        ),
    ):
        groups: dict[str, list[str]] = {}
        for name in frame.get_column(column).unique().sort().to_list():
            # NFKC: 'café' composed (NFC) and decomposed (NFD, as macOS writes file names) print alike and were
            # two datasets without a word (h1)
            key = schema.norm_name(" ".join(unicodedata.normalize("NFKC", str(name)).split()))
            groups.setdefault(key, []).append(str(name))
        out += [
            f"warning: {what} {', '.join(repr(n) for n in names)} differ only in case, spaces or dashes"
            + (
                " (or in Unicode form: the same letters composed and decomposed, which print alike)"
                if len({unicodedata.normalize("NFC", n) for n in names}) < len(names)
                else ""
            )
            + f": one {column} spelled {len(names)} ways? {effect}"
            for names in groups.values()
            if len(names) > 1
        ]
    return out


def _reserved_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where a dataset or eval is named as a keyword of the commands (``all``: every dataset or eval;
    ``own``: each dataset's own eval): ``-d all`` selects every dataset, never the one named so (a probe)."""
    from l2l.base.runs import ALL, OWN

    out = []
    for column, words in (("dataset", (ALL,)), ("eval", (ALL, OWN))):
        names = set(frame.get_column(column).unique().to_list())
        meaning = {ALL: f"every {column}", OWN: "each dataset's own eval"}
        article = "an" if column == "eval" else "a"
        out += [
            f"warning: {article} {column} is named {w!r}, which commands read as {meaning[w]}: it cannot be "
            "selected alone by its name; rename it in the table"
            for w in words
            if w in names
        ]
    return out


def _run_id_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where one run id names models of different sizes in a dataset (m0 at 14M and at 58M): ids
    reused across a sweep's budgets. Each size is kept as its own model, and one model's evals are paired on
    its id and (N, D); a table that means one model by each id has an error in it."""
    reused = (
        frame.filter(pl.col("run_id").is_not_null())
        .group_by("dataset", "run_id")
        .agg(pl.col("N").n_unique().alias("sizes"))
        .filter(pl.col("sizes") > 1)
        .sort("dataset", "run_id")
    )
    out = _blank_run_id_notes(frame)
    if reused.height == 0:
        return out
    ds, rid, sizes = reused.row(0)
    more = (
        f" (and {reused.height - 1} more run id{'s' if reused.height > 2 else ''})"
        if reused.height > 1
        else ""
    )
    return [
        *out,
        f"warning: run id {rid!r} names models of {sizes} sizes in dataset {ds!r}{more}: each size is counted "
        "as its own run and its evals are paired by run id and (N, D); give each model its own id if these are "
        "not what the table means",
    ]


def _blank_run_id_notes(frame: pl.DataFrame) -> list[str]:
    """A warning where some rows have no run id beside rows that have one (merged exports, an NDJSON whose later
    records omit the key): each such row is a run of its own, so an eval measured on it pairs with no other eval of
    its model (96 runs for 48 models, and train-to-test found 0 pairs, without a word; probe h1)."""
    # by now a blank id holds the id l2l gives a run of a table without ids
    n = int(synthesised_run_ids(frame).fill_null(False).sum())
    if n == 0 or n == frame.height:
        return []
    return [
        f"warning: {plural(n, 'row')} of {frame.height:,} have no run id beside rows that have one: each is "
        "counted as a run of its own, whose evals are paired with no other eval of its model; fill the ids in "
        "(or leave the run id column out, to pair the evals by (N, D))"
    ]


#: More passes over the data than this in some row: a unique-token count in other units (billions read as tokens
#: gave "up to 3.2e+10 epochs"; probe p65 D6); data-constrained sweeps go to hundreds of epochs.
MOST_EPOCHS: Final = 1e4


def _counts(values: pl.Series) -> pl.Series:
    """A carried column's text as numbers (``0.5B`` too); null where a value is no number."""

    def number(text: object) -> float | None:
        try:
            return schema.parse_quantity(str(text))
        except ValueError:
            return None

    return pl.Series([None if v is None else number(v) for v in values.to_list()], dtype=pl.Float64)


def _plausible_unique(values: pl.Series, d: pl.Series) -> bool:
    """Whether a column a name leaves in doubt (``U``) counts unique tokens: a number in every row, positive, the
    smallest at least the smallest D (a run's data holds at least its first pass)."""
    given = values.drop_nulls()
    if given.len() == 0 or values.null_count() or not bool((given > 0).all()):
        return False
    return float(given.min()) >= float(d.min())  # type: ignore[arg-type]


def _unit_scale(epochs: pl.Series) -> tuple[float, str] | None:
    """(scale, unit) of a unique-token count in other units: the smallest of thousands, millions, billions and
    trillions that brings every row's passes to ``MOST_EPOCHS`` or fewer; None where the count reads as tokens."""
    top = float(epochs.fill_null(1.0).fill_nan(1.0).max())  # type: ignore[arg-type]
    if top <= MOST_EPOCHS:
        return None
    for scale, unit in ((1e3, "thousands"), (1e6, "millions"), (1e9, "billions"), (1e12, "trillions")):
        if top / scale <= MOST_EPOCHS:
            return scale, unit
    return None


def _single_pass_where(
    frame: pl.DataFrame, name: str, unique: pl.Series, repeated: pl.Series, *, scaled: bool
) -> str:
    """A ``--where`` that keeps the single-pass runs: ``D<=BOUND`` where one bound leaves out exactly the repeating
    rows, else ``D<=COLUMN`` (row by row; a column in other units first given in tokens)."""
    d = frame.get_column("D")
    bounds = unique.filter(repeated).unique().drop_nulls()
    if bounds.len() == 1:
        u = float(bounds[0])
        if bool(((d > u * (1 + 1e-9)) == repeated).all()):
            return f"--where 'D<={fmt_si(u)}'"
    return f"--where 'D<={name}'" + (" once the column is in tokens" if scaled else "")


@dataclass(frozen=True)
class PassesColumn:
    """How a column not used reads as passes over the data: its ``name``, ``kind`` (``epochs``: it counts them;
    ``unique``/``maybe_unique``: it counts distinct tokens, D over it the passes), each row's ``epochs``, each row's
    distinct tokens in tokens (``unique``; None for a column of epochs), its ``scale`` (not 1: read in the unit
    its name or its values say) and the words of a count in other units (``unit_note``)."""

    name: str
    kind: str
    epochs: pl.Series
    unique: pl.Series | None
    scale: float = 1.0
    unit_note: str = ""


def passes_columns(frame: pl.DataFrame, extra_prefix: str) -> list[PassesColumn]:
    """Every column not used (``extra_prefix`` + its name) that reads as passes over the data, columns of epochs
    first: ingest's repeated-data warning and the unique tokens carried per dataset (``io.dataset_facts``) read
    them alike. A name that leaves it in doubt (``U``) reads so only where its values are plausible; a count of
    unique tokens whose passes run past ``MOST_EPOCHS`` is read in other units (billions), and ``unit_note`` says
    so."""
    named = {c: repeat_column(c[len(extra_prefix) :]) for c in frame.columns if c.startswith(extra_prefix)}
    found = [c for c, kind in named.items() if kind is not None and kind[0] == "epochs"]
    found += [c for c, kind in named.items() if kind is not None and kind[0] != "epochs"]
    d = frame.get_column("D")
    out: list[PassesColumn] = []
    for col in found:
        name = col[len(extra_prefix) :]
        kind, scale = named[col] or ("", 1.0)
        values = _counts(frame.get_column(col))
        if kind == "epochs":
            out.append(PassesColumn(name, kind, values, None))
            continue
        if kind == "maybe_unique" and not _plausible_unique(values, d):
            continue
        unit_note = ""
        raw = d / values
        if _unit_scale(raw) is None:  # (read as tokens: unique_tokens_B holding 2e9 counts tokens)
            scale = 1.0
        elif scale != 1.0:  # (unique_tokens_B in billions, as its name says)
            values = values * scale
        elif (hint := _unit_scale(raw)) is not None:
            scale, unit = hint
            top_raw = float(raw.fill_null(1.0).fill_nan(1.0).max())  # type: ignore[arg-type]
            lo, hi = float(values.min()), float(values.max())  # type: ignore[arg-type]
            d_lo, d_hi = float(d.min()), float(d.max())  # type: ignore[arg-type]
            u = float(
                values[int(raw.fill_null(0.0).fill_nan(0.0).arg_max() or 0)]
            )  # (the row of most passes)
            unit_note = (
                f"; read as tokens it gives up to {top_raw:.3g} epochs, more than any sweep makes: is it "
                f"counted in {unit} (values {lo:.4g} to {hi:.4g}, D {fmt_si(d_lo)} to {fmt_si(d_hi)})? Read "
                f"so here; give it in tokens ({u:g} as {fmt_si(u * scale)} or {u * scale:.3g})"
            )
            values = values * scale
        out.append(PassesColumn(name, kind, d / values, values, scale, unit_note))
    return out


def repeated_data_notes(frame: pl.DataFrame, extra_prefix: str) -> list[str]:
    """A warning where a column not used (``extra_prefix`` + its name) counts passes over the data, or the
    distinct tokens the data holds (a unique-token count below D: a data-constrained sweep gave no warning where
    its epochs column did), and some run made more than one: l2l takes D as tokens seen, each as good as new,
    which repeated tokens are not. A unique-token count whose passes run past ``MOST_EPOCHS`` is said to be in
    other units (billions), and the runs that repeat are counted in those; the advice is a ``--where`` that works
    (``D<=2B``; it said "D at most unique_tokens", which --where could not do; probe p65 D5, D6)."""
    for read in passes_columns(frame, extra_prefix):
        repeated_rows = (read.epochs > 1.0 + 1e-9).fill_null(False)
        repeated = int(repeated_rows.sum())
        if repeated == 0:
            continue
        if read.unique is None:
            keep = f"--where '{read.name}<=1'"
        else:
            keep = _single_pass_where(frame, read.name, read.unique, repeated_rows, scaled=read.scale != 1.0)
        top = float(read.epochs.fill_null(1.0).fill_nan(1.0).max())  # type: ignore[arg-type]
        return [
            f"warning: column {read.name!r} says {repeated} of {frame.height} rows repeat their data (up to "
            f"{top:.3g} epochs{read.unit_note}): l2l takes D as tokens seen and fits every law as if each "
            "token were new, which repeated tokens are not (Muennighoff et al. 2023): a law fitted over them "
            f"bends; keep the single-pass runs with {keep}"
        ]
    return []


#: How a table's note begins where a shared eval stands in for every dataset's own (``table_notes``): said of the
#: file read alone, so an --append whose workspace holds own evals leaves it unsaid (``ingest_report``).
SHARED_OWN_NOTE: Final = "no dataset has an own eval: "


def table_notes(
    frame: pl.DataFrame,
    own: Mapping[str, str],
    how: Mapping[str, str],
    *,
    given_c: bool,
    c_ignored: float | None = None,
    c_column: bool = False,
    compute_unused: Sequence[str] = (),
    c_mismatch: CountMismatch | None = None,
) -> list[str]:
    """What was decided about the whole table: a shared eval standing in for the own evals, and which C
    (``c_ignored``: the median C/(N·D) of a C column not in FLOPs, replaced by 6·N·D; ``c_mismatch``: a C column
    computed with another parameter count than N, replaced by 6·N·D; ``c_column`` without ``given_c``: a C column
    of blanks or NaN, every C 6·N·D; ``compute_unused``: columns whose name says compute, not read as C)."""
    notes: list[str] = []
    shared = sorted({own[d] for d, h in how.items() if h == "shared"})
    if shared:
        notes.append(
            f"{SHARED_OWN_NOTE}each one's loss on {', '.join(shared)}, the eval every dataset is "
            "measured on, stands in for it (commands say so; comparisons on it between datasets are "
            "test-to-test)"
        )
    if frame.height == 0:
        return notes
    notes += _scale_notes(frame)
    notes += _spelling_notes(frame)
    notes += _reserved_notes(frame)
    notes += _run_id_notes(frame)
    notes += _perplexity_notes(frame)
    notes += _rising_notes(frame, own)
    notes += unit_notes(frame)
    k = (frame.get_column("C") / (frame.get_column("N") * frame.get_column("D"))).drop_nans()
    if c_ignored is not None:
        lo, hi = FLOPS_PER_PARAMETER_TOKEN
        # just below 1: FLOPs of a mixture of experts, whose compute follows the parameters a token uses (probe
        # p59: total parameters as N gave 0.75 = 6 × 1/8 experts, and the warning guessed only other units)
        moe = (
            f", or N counting parameters a token does not use (a mixture of experts' total count: C ≈ 6·N_active·D "
            f"reads {c_ignored:.3g} = 6 × {c_ignored / 6:.3g} of N; --column N=ACTIVE_PARAMS)"
            if 0.05 <= c_ignored < lo
            else ""
        )
        notes.append(
            f"warning: the table's C column is not in FLOPs: C/(N·D) is {c_ignored:.3g} (the median run), where "
            f"FLOPs per parameter and token are about 6 ({lo:g}-{hi:g} with any overhead): C in other units "
            f"(1e18 FLOPs, PF-days){moe}? Not used: C = 6·N·D in FLOPs, the unit of every budget (--C)"
        )
        return notes
    if c_mismatch is not None:
        notes.append(_count_mismatch_note(c_mismatch))
        return notes
    if not given_c:
        # (a C column of blanks or NaN was said to be "the table's C column": every C was derived)
        if (
            compute_unused and not c_column
        ):  # "has no C column" beside a flops_1e18 read as if there were none
            col = compute_unused[0]
            notes.append(
                f"C = 6·N·D (no column is read as C: {some_of([repr(c) for c in compute_unused])} not used; "
                f"--column {shlex.quote(f'C={col}')} reads it, checked against 6·N·D)"
            )
        else:
            notes.append(f"C = 6·N·D (the table {'holds no C value' if c_column else 'has no C column'})")
        return notes
    lo, mid, hi = float(k.min()), float(k.median()), float(k.max())  # type: ignore[arg-type]
    if abs(mid / 6.0 - 1.0) <= 0.01 and abs(lo / 6.0 - 1) <= 0.01 and abs(hi / 6.0 - 1) <= 0.01:
        notes.append("C: the table's C column (C = 6·N·D in every row)")
    elif hi <= lo * 1.01:
        notes.append(
            f"C: the table's C column, C = {mid:.3g}·N·D in every row (not 6: budgets, reach and N* use {mid:.3g})"
        )
    else:
        notes.append(
            f"C: the table's C column, C/(N·D) from {lo:.3g} to {hi:.3g}: budgets, reach and N* use C = "
            f"{mid:.3g}·N·D (the median) where a run is not in the table"
        )
        notes += _flops_count_notes(frame, mid)
    return notes


def _count_mismatch_note(m: CountMismatch) -> str:
    """The warning that the C column was computed with another parameter count than N (``c_mismatch``): its ratio,
    which follows the model size, is not used; 6·N·D is."""
    way = "falling" if m.rho < 0 else "rising"
    more = f" (and in {plural(m.datasets - 1, 'other dataset')})" if m.datasets > 1 else ""
    follows = (
        f" (it follows column {m.follows!r} instead: C = {m.k_follows:.3g}·D × {m.follows!r} throughout)"
        if m.follows is not None
        else ""
    )
    lo, hi = sorted((m.k_small, m.k_large))
    off = max(hi / m.k_median, m.k_median / lo)
    return (
        f"warning: the table's C column does not match N: in {m.dataset}, C/(N·D) runs from {m.k_small:.3g} "
        f"(N = {fmt_si(m.n_small)}) to {m.k_large:.3g} (N = {fmt_si(m.n_large)}), {way} with N over its "
        f"{m.sizes} model sizes (Spearman ρ = {m.rho:.2f}){more}, where a count of FLOPs gives one constant: C "
        f"was computed with another parameter count than N{follows}. Not used: C = 6·N·D in FLOPs for budgets, "
        f"reach and N* (one constant, the median {m.k_median:.3g}, would be off by up to {off:.2g}× at the "
        "smallest or largest model)"
    )


def _flops_count_notes(frame: pl.DataFrame, k: float) -> list[str]:
    """A warning where the datasets count FLOPs per parameter and token differently (their median C/(N·D) more than
    5 % apart): one constant, the table's median, then sets every dataset's budgets and optima, each one's off by
    its own count (probe p59: web's C = 8·N·D beside code's 6·N·D, both read at 7, said in an info line only)."""
    per = flops_counts(frame)
    if len(per) < 2:
        return []
    ks = list(per.values())
    if not ks[-1] > ks[0] * FLOPS_COUNT_SLACK:
        return []
    shown = ", ".join(f"{ds} {v:.3g}" for ds, v in list(per.items())[:4]) + (" …" if len(per) > 4 else "")
    return [
        f"warning: the datasets count FLOPs per parameter and token differently (C/(N·D): {shown}); one constant, "
        f"{k:.3g}, sets every dataset's budgets, N* and D*: rewrite the C column in one count (or leave it out for "
        "C = 6·N·D) to compare them at one budget"
    ]
