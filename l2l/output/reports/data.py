"""Reports of what goes into the workspace and what is in it: ``ingest`` and ``runs``.

Quiet by default: ``ingest`` prints one row per file and a few lines of counts (what was read, what was decided,
what was left out), ``verbose`` every decision; ``runs`` one row per dataset (runs per split, evals, N/D/C
ranges), ``evals`` every (dataset, eval)."""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from l2l.base.runs import named_after
from l2l.base.schema import looks_like_training_loss, looks_like_validation
from l2l.base.text import fmt_sig, loss_and_accuracy_columns, plural, some_of
from l2l.io.columns import column_verdict
from l2l.io.provenance import SHARED_OWN_NOTE
from l2l.output.report import Column, Report
from l2l.output.reports.common import chance_text, sci, si

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.io.accuracy_store import AccuracyJoin
    from l2l.io.workspace import Workspace
    from l2l.workflows.inventory import Inventory

__all__ = ["accuracy_runs_report", "ingest_report", "inventory_report", "runs_report"]


def _range(lo: float, hi: float, fmt: Any) -> str:
    a, b = fmt(lo), fmt(hi)
    return a if a == b else f"{a}–{b}"


def _mark(x: Any) -> str:
    return "own" if x else ""


def _join(x: Any) -> str:
    return ", ".join(x) if isinstance(x, list) else fmt_sig(x)


def _task_evals(runs: Runs) -> set[str]:
    """The evals with accuracies and their tasks' losses (``task_loss_eval``: ``eval/hellaswag`` beside an accuracy
    ``hellaswag``): a loss of one of them is a task's loss."""
    from l2l.workflows.accuracy import task_loss_eval

    if runs.accuracy is None:
        return set()
    accuracies = set(runs.accuracy.get_column("eval").unique().to_list())
    return accuracies | {t for a in accuracies if (t := task_loss_eval(runs, a)) is not None}


def _no_own_notes(runs: Runs) -> list[str]:
    missing = [ds for ds in runs.datasets if ds not in runs.own_eval]
    if not missing:
        return []
    measured = [set(runs.evals_of(ds)) for ds in missing] if len(missing) > 1 else []
    shared = [ev for ev in runs.evals if measured and all(ev in m for m in measured)]
    # (a DataDecide-shaped table, every recipe on one validation eval: the fix for all of them at once is all=EVAL,
    # which the note did not name, probe h40); validation-looking evals first, a task's loss (an accuracy of its
    # name beside it) last
    tasks = _task_evals(runs)
    shared.sort(key=lambda ev: (not looks_like_validation(ev), ev in tasks))
    every = (
        f", or --own-eval all=EVAL for an eval each of them is measured on ({some_of(shared)})"
        if shared
        else ""
    )
    # each measured on one eval of its own under a generic name (a wide export's loss/val, val/loss, eval_loss, one
    # per dataset): those are the options to give (the note named none of them: probe h50)
    alone = {ds: evs[0] for ds in missing if len(evs := runs.evals_of(ds)) == 1}
    if not shared and alone:
        given = [f"--own-eval {shlex.quote(f'{ds}={ev}')}" for ds, ev in alone.items()]
        more = f" … ({len(given)} datasets)" if len(given) > 4 else ""
        every = f"; measured on one eval alone: {' '.join(given[:4])}{more}"
    return [f"no own eval for {', '.join(missing)} (pass --own-eval DATASET=EVAL to l2l ingest{every})"]


def _holds(runs: Runs) -> str:
    """What a run table holds, in one phrase."""
    text = (
        f"{plural(runs.n_runs, 'run')}, {plural(len(runs.datasets), 'dataset')}, "
        f"{plural(len(runs.evals), 'loss eval')} ({plural(runs.frame.height, 'row')})"
    )
    if runs.accuracy is not None:
        n_acc = runs.accuracy.get_column("eval").n_unique()
        text += f", {plural(n_acc, 'accuracy eval')} ({plural(runs.accuracy.height, 'row')})"
    return text


# ---------------------------------------------------------------------------------------------------------------
# runs
# ---------------------------------------------------------------------------------------------------------------


#: The eval groups (own, ``prefix/*``, single evals) ``runs`` lists by name; beyond, it counts them.
_MOST_EVAL_GROUPS = 12


def inventory_report(inv: Inventory, runs: Runs, *, evals: bool = False) -> Report:
    """runs: one row per dataset with its runs in each split, its evals and the N, D, C ranges."""
    rows: list[dict[str, Any]] = []
    for d in inv.datasets:
        r = d.to_dict()
        r.update({f"split:{s}": d.by_split.get(s, 0) for s in inv.splits})
        r["N_range"] = _range(d.N_min, d.N_max, si)
        r["D_range"] = _range(d.D_min, d.D_max, si)
        r["C_range"] = _range(d.C_min, d.C_max, sci)
        rows.append(r)
    cols = [
        Column("dataset", justify="left"),
        Column("runs", drop=0),
        *(Column(f"split:{s}", s, drop=1) for s in inv.splits if len(inv.splits) > 1),
        Column("evals", "loss evals", drop=2),
        Column("accuracy_evals", "accuracy evals", drop=2, table=inv.accuracy_rows > 0),
        Column("N_range", "N", justify="right", drop=1),
        Column("D_range", "D", justify="right", drop=1),
        Column("C_range", "C", justify="right", drop=2),
        Column("own_eval", "own eval", justify="left", drop=3),
    ]
    groups = [
        f"{len(g.evals)} own"
        if g.name == "own"
        else f"{g.name} ({len(g.evals)})"
        if len(g.evals) > 1
        else g.evals[0]
        for g in inv.eval_groups
    ]
    if len(groups) <= _MOST_EVAL_GROUPS:
        notes = [f"loss evals: {', '.join(groups)}"]
    else:  # (a 2,000-column export listed every name, 250 lines, where ingest says "2,000 loss columns"; h1)
        where = "listed below" if evals else "l2l runs --evals lists them"
        notes = [
            f"loss evals: {len(inv.evals):,} ({', '.join(groups[:3])} and {len(groups) - 3:,} more; {where})"
        ]
    if inv.accuracy_evals:
        notes.append(
            f"accuracy evals: {len(inv.accuracy_evals)} ({plural(inv.accuracy_rows, 'row')}), kept apart from the "
            "losses"
        )
    if len(inv.splits) == 1:
        notes.append(f"split: {inv.splits[0]} (every run)")
    notes += _no_own_notes(runs)
    if not evals and len(groups) <= _MOST_EVAL_GROUPS:
        notes.append("every (dataset, eval) with its runs and ranges: l2l runs --evals")
    return Report(
        "runs-datasets",
        cols,
        rows,
        title=f"{_holds(runs)}",
        notes=notes,
        show_in=frozenset({"table"}),
        summary=f"{plural(len(rows), 'dataset')} × {plural(len(inv.splits), 'split')}: "
        + ", ".join(
            f"{s} {plural(sum(d.by_split.get(s, 0) for d in inv.datasets), 'run')}" for s in inv.splits
        ),
    )


def runs_report(runs: Runs, inv: Inventory | None = None, *, evals: bool = True) -> Report:
    """runs --evals (and JSON/CSV always): one row per (dataset, eval): run count, N / D / C ranges, splits, and
    which eval is the dataset's own."""
    rows = []
    for r in runs.summary():
        r["own"] = runs.own_eval.get(r["dataset"]) == r["eval"]
        r["runs"] = int(r["runs"])
        r["averaged"] = int(r["averaged"])
        # readable ranges for the table (the numbers themselves are in the *_min / *_max columns)
        r["N_range"] = _range(r["N_min"], r["N_max"], si)
        r["D_range"] = _range(r["D_min"], r["D_max"], si)
        r["C_range"] = _range(r["C_min"], r["C_max"], sci)
        rows.append(r)
    rows.sort(key=lambda r: (r["dataset"], not r["own"], r["eval"]))
    same_splits = len({tuple(r["splits"]) for r in rows}) <= 1
    columns = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("own", fmt=_mark, justify="left", drop=3),
        Column("runs", drop=0),
        Column("averaged", header="avg'd", table=any(r["averaged"] for r in rows)),
        Column("N_range", header="N", justify="right", drop=1),
        Column("D_range", header="D", justify="right", drop=1),
        Column("C_range", header="C", justify="right", drop=2),
        Column("splits", fmt=_join, justify="left", table=not same_splits, drop=2),
        *(Column(f"{v}_{m}", table=False) for v in ("N", "D", "C", "loss") for m in ("min", "max")),
    ]
    notes = _no_own_notes(runs)
    if runs.splits and same_splits:
        notes.append(f"splits (every dataset and eval): {', '.join(runs.splits)}")
    meta: dict[str, Any] = {
        "rows_total": runs.frame.height,
        "runs_total": runs.n_runs,
        "datasets": runs.datasets,
        "evals": runs.evals,
        "splits": runs.splits,
        "own_eval": runs.own_eval,
        "digest": runs.digest,
    }
    if inv is not None:
        meta["by_dataset"] = [d.to_dict() for d in inv.datasets]
    return Report(
        "runs",
        columns,
        rows,
        title=f"Every (dataset, eval): {_holds(runs)}",
        notes=notes,
        meta=meta,
        show_in=frozenset({"json", "csv", "table"} if evals else {"json", "csv"}),
    )


def accuracy_runs_report(runs: Runs, *, table: bool = True) -> Report | None:
    """The accuracy evals, listed apart from the losses (None without any): in JSON and CSV always, in a table
    when asked (``runs --evals``, ``ingest --verbose``)."""
    if runs.accuracy is None:  # (before the import: the accuracy workflow loads the whole fitting core)
        return None
    from l2l.workflows.accuracy import accuracy_summary

    summary = accuracy_summary(runs)
    if not summary:
        return None
    cols = [
        Column("dataset", justify="left"),
        Column("eval", justify="left"),
        Column("runs", drop=0),
        Column("acc_range", "accuracy", justify="right", drop=1),
        Column("chance_text", "chance", justify="left", drop=2),
        Column("task_loss", "matched task loss", justify="left", drop=3),
        Column("splits", fmt=_join, justify="left", table=False),
        Column("task_loss_alike", fmt=_join, justify="left", table=False),
        *(Column(k, table=False) for k in ("accuracy_min", "accuracy_max", "chance", "chance_source")),
    ]
    out = []
    notes = []
    with_losses = set(runs.datasets)
    for r in summary:
        r = dict(r)
        r["acc_range"] = f"{r['accuracy_min']:.3f}–{r['accuracy_max']:.3f}"
        r["chance_text"] = chance_text(r["chance"], r["chance_source"], none="–")
        alike = r.get("task_loss_alike") or []
        r["task_loss"] = r["task_loss"] or (
            f"– ({', '.join(alike[:3])} match alike: ingest one under the task's name)"
            if alike
            else f"– (none: {r['dataset']} has no losses)"
            if r["dataset"] not in with_losses
            else f"– (none: {r['dataset']} has no task loss)"
            if r.get("task_loss_missing")
            else "– (none: relate it to the own loss)"
        )
        if r.get("unmatched") and r["dataset"] in with_losses:
            notes.append(
                f"{r['dataset']}, {r['eval']}: {plural(r['unmatched'], 'accuracy row')} at no loss run's "
                "(dataset, N, D, split): never fitted"
            )
        out.append(r)
    n_evals = len({r["eval"] for r in out})
    return Report(
        "runs-accuracy",
        cols,
        out,
        title=f"Accuracy evals ({plural(n_evals, 'eval')}; kept apart from the losses, never fitted as one)",
        notes=notes,
        show_in=frozenset({"json", "csv", "table"} if table else {"json", "csv"}),
    )


# ---------------------------------------------------------------------------------------------------------------
# ingest
# ---------------------------------------------------------------------------------------------------------------

_INPUT_KEYS = ("columns", "checkpoints", "loss_columns", "loss_columns_left_out", "accuracy_columns")


def _left_out(p: Mapping[str, Any]) -> list[tuple[int, str]]:
    """The values of one file read and left out, by what left them out: --where, --accuracy-metric's other scores,
    the checkpoints not kept, --best-of; any rest (said, never hidden) makes read = kept + merged + rejected + these."""
    other = int(p.get("rows_other_scores") or 0)
    where = int(p.get("rows_where", int(p.get("rows_filtered", 0)) - other))
    ck = p.get("checkpoints") or {}
    policy = str(ck.get("policy", "final"))
    checkpoints = int(ck.get("checkpoints_dropped") or 0) + int(p.get("rows_checkpoints_accuracy") or 0)
    best_of = int(p.get("rows_left_out") or 0)
    parts = [
        (where, "left out by --where"),
        (other, "left out as other scores (--accuracy-metric)"),
        (checkpoints, f"left out as checkpoints not kept (--checkpoints {policy})"),
        # (the rows of a long table's evals named as perplexities or scores are dropped after reading too)
        (
            best_of,
            "left out as runs not best (--best-of)" if _said_best_of(p) else "left out (see the warnings)",
        ),
    ]
    rest = (
        _read(p)
        - int(p["rows_kept"])
        - int(p["rows_merged"])
        - int(p["rows_rejected"])
        - sum(n for n, _ in parts)
    )
    return [(n, w) for n, w in parts if n] + ([(rest, "left out otherwise")] if rest else [])


def _said_best_of(p: Mapping[str, Any]) -> bool:
    return any(str(d).startswith("--best-of") for d in p.get("decisions", []))


def _read(p: Mapping[str, Any]) -> int:
    """A file's values read: those read as runs and those left out before (--where, other scores)."""
    return int(p["rows_read"]) + int(p.get("rows_filtered", 0))


def _count_note(p: Mapping[str, Any]) -> list[str]:
    """What a file's counts count, where values left it for several reasons, or a wide table's --where counted its
    rows: every value of the file is read, then kept, merged, rejected or left out (the harness's report counted 432,
    720 and 288 rows as its bases, probe h42; a wide per-step table's "kept 425 of 428 values" beside "2 of 144 rows
    left out" and 1 rejected, of 144 rows × 3 losses, h48)."""
    left = _left_out(p)
    other = int(p.get("rows_other_scores") or 0)
    said = [p["rows_merged"], p["rows_rejected"], *(n for n, _ in left)]
    wide_where = bool(p.get("wide") and p.get("rows_where"))
    if not (other and not p.get("wide")) and not wide_where and (not left or sum(1 for n in said if n) < 2):
        return []  # (one count beside the kept: its own note says it in the same base)
    base = ""
    losses, accs = len(p.get("loss_columns") or {}), len(p.get("accuracy_columns") or {})
    if p.get("wide") and losses and _read(p) == int(p["records"]) * (losses + accs):
        base = f" ({plural(int(p['records']), 'row')} × {loss_and_accuracy_columns(losses, accs)})"
    parts = [f"{p['rows_kept']:,} kept"]
    parts += [
        f"{int(p[k]):,} {w}" for k, w in (("rows_merged", "merged"), ("rows_rejected", "rejected")) if p[k]
    ]
    parts += [f"{n:,} {w}" for n, w in left]
    return [f"{p['path']}: of its {_read(p):,} values read{base}: {', '.join(parts)}"]


def _column_notes(p: Mapping[str, Any], verbose: bool) -> list[str]:
    """One file's column choices: explicit mapping, checkpoints kept, wide columns taken and left out."""
    notes: list[str] = _count_note(p)
    path = p["path"]
    cols = p.get("columns", {})
    explicit = cols.get("explicit", [])
    if explicit:
        shown = ", ".join(f"{c}={cols['columns'][c]}" for c in explicit if c in cols.get("columns", {}))
        notes.append(f"{path}: column mapping: {shown}")
    ck = p.get("checkpoints")
    if ck is not None and "describe" in ck:
        notes.append(f"{path}: {ck['describe']}")
        if ck.get("evals_before_final"):
            notes.append(
                f"{path}: {plural(int(ck['evals_before_final']), '(run, eval) pair')} last measured before the "
                "run's final checkpoint: kept at that last measurement"
            )
        if ck.get("runs_without_step"):
            notes.append(
                f"{path}: {plural(int(ck['runs_without_step']), 'run')} with no checkpoint there left out"
            )
    if "loss_columns" in p:
        how = "detected" if p["loss_columns_detected"] else "matched"
        taken = p["loss_columns"]
        if verbose or len(taken) <= 4:
            shown = ", ".join(c if c == e else f"{c}→{e}" for c, e in taken.items())
            notes.append(f"{path}: loss columns {how}: {shown}")
        else:
            notes.append(f"{path}: {plural(len(taken), 'loss column')} {how} (--verbose lists them)")
    # a wide export's blank loss cells, and a long table's beside its accuracy column (NaN cells: their own warning)
    if empty := p["rows_rejected"] - int(p.get("rows_nan") or 0):
        notes.append(f"{path}: {plural(empty, 'empty loss cell')} skipped")
    notes.extend(f"{path}: {line}" for line in p.get("decisions", []))  # (l2l.io.tables: what was decided)
    ignored = p.get("ignored_columns") or []
    if ignored:
        reasons = {**cols.get("extras", {}), **p.get("loss_columns_left_out", {})}
        plain = "not a column l2l uses"
        if verbose or len(ignored) <= 3:
            shown = ", ".join(c if reasons.get(c, plain) == plain else f"{c} ({reasons[c]})" for c in ignored)
            notes.append(f"{path}: columns not used: {shown}")
        elif len(ignored) <= 12:
            notes.append(f"{path}: columns not used: {', '.join(ignored)} (--verbose says why)")
        else:
            notes.append(f"{path}: {plural(len(ignored), 'column')} not used (--verbose says which and why)")
        scores = [c for c in ignored if "a score" in (column_verdict(c)[1] or "")]
        if scores and "accuracy_columns" not in p:  # a wide export's accuracies are read only when asked for
            keep = (
                "to keep accuracies, name them with --accuracy-columns GLOB"
                if p.get("wide") or p.get("metrics") or len(scores) > 1
                else f"to keep it as the accuracy of each row's eval: --accuracy-columns '{scores[0]}'"
            )
            notes.append(
                f"{path}: {plural(len(scores), 'column')} named like an accuracy ({', '.join(scores[:3])}"
                f"{', …' if len(scores) > 3 else ''}): {keep}"
            )
    return notes


def _own_notes(stored: Runs, added: Runs, verbose: bool) -> list[str]:
    """How each own eval was decided: every one with ``verbose``, else counts by how and what needs a look (an
    eval named 'train' taken as the own loss, ties, datasets without one)."""
    notes: list[str] = []
    by_how: dict[str, list[str]] = {}
    for ds in stored.datasets:
        if ds in stored.own_eval:
            by_how.setdefault(stored.own_eval_how.get(ds, "detected"), []).append(ds)
    one_by_one = verbose or len(stored.own_eval) <= 3
    if one_by_one:
        notes += [
            f"own eval: {ds} → {stored.own_eval[ds]} ({how})"
            for how, dss in by_how.items()
            for ds in dss
            if how != "train"
        ]
    else:
        words = {
            "detected": "detected from their names",
            "explicit": "given (--own-eval)",
            "workspace": "kept",
            "only": "the only eval of the only dataset",
        }
        parts = [f"{len(dss)} {words.get(how, how)}" for how, dss in by_how.items() if how != "train"]
        if parts:
            first = next(ds for how, dss in by_how.items() for ds in dss if how != "train")
            notes.append(
                f"own evals: {', '.join(parts)} (e.g. {first} → {stored.own_eval[first]}; --verbose lists all)"
            )
    tasks = _task_evals(stored) if by_how.get("train") else set()
    for ds in by_how.get("train", []):  # say so: a training loss is no validation loss
        rest = [e for e in stored.evals_of(ds) if e != stored.own_eval[ds]]
        # the validation eval named after the dataset (eval/web_val for web), else any named like a validation set
        named = named_after(ds, rest)
        others = [named] if named else [e for e in rest if looks_like_validation(e)]
        alt = f"; for a validation loss: --own-eval {ds}={others[0]}" if others else ""
        # else its other losses that are no task's (no accuracy of their name): an OLMo-ladder export's
        # eval/c4_en named no validation set, and the note named nothing to use (probe h40)
        held = [e for e in rest if e not in tasks and not looks_like_training_loss(e)]
        if not others and held:
            alt = f"; for a held-out loss, if it is one: --own-eval {ds}={held[0]}" + (
                f" (its other losses: {some_of(held)})" if len(held) > 1 else ""
            )
        notes.append(
            f"own eval: {ds} → {stored.own_eval[ds]} (train): the eval named {stored.own_eval[ds]!r}, a training "
            f"loss, taken as the dataset's own loss{alt}"
        )
    for p in added.provenance:
        for ds, tie in p.get("own_eval_ambiguous", {}).items():
            if ds not in stored.own_eval:
                notes.append(f"own eval of {ds} is ambiguous between {', '.join(tie)}")
    return notes + _one_own_for_several(stored) + _no_own_notes(stored)


def _one_own_for_several(stored: Runs) -> list[str]:
    """A note for an eval detected as the own eval of several datasets by their names (Pythia's pile_val of pile
    and of pile-dedup): their pairs are on one eval. A probe read "train-to-train" for them with nothing to say
    so. Beyond four datasets, the first three and the count (200 datasets named 35 lines at 80 columns: h95)."""
    owners: dict[str, list[str]] = {}
    for ds, ev in stored.own_eval.items():
        # detected only: one name given for all (a training loss each logged on its own data) is each one's own
        if stored.own_eval_how.get(ds, "detected") == "detected":
            owners.setdefault(ev, []).append(ds)
    return [
        f"own eval: {ev} is the own eval of {some_of(sorted(dss))}: their train-to-train translations compare "
        f"losses on this one eval (test-to-test in the paper's terms); --own-eval DATASET=EVAL chooses another"
        for ev, dss in sorted(owners.items())
        if len(dss) > 1
    ]


def _replaced_notes(stored: Runs, replaced: tuple[int, Sequence[str], Sequence[str]] | None) -> list[str]:
    """What an ingest without --append replaced, where that was more than it stores again (a probe's two ingests
    racing: one file's runs vanished without a word)."""
    if replaced is None:
        return []
    n_runs, datasets, evals = replaced
    gone = sorted(set(datasets) - set(stored.datasets))
    head = f"replaced the workspace's {plural(n_runs, 'run')} ({plural(len(datasets), 'dataset')})"
    tail = "(--append adds to what is stored)"
    if gone:
        shown = ", ".join(gone[:4]) + (", …" if len(gone) > 4 else "")
        return [f"{head}; no longer stored: {shown} {tail}"]
    # the same datasets stored again, with fewer runs or evals: two ingests of one sweep's halves racing (probe h23)
    # kept the last file's 9 runs of the 99 stored, and a file without the shared eval dropped it, without a word
    fewer = [f"{n_runs - stored.n_runs:,} fewer runs"] if n_runs > stored.n_runs else []
    lost = sorted(set(evals) - set(stored.evals))
    if lost:
        fewer.append("eval" + ("s" if len(lost) > 1 else "") + " no longer stored: " + ", ".join(lost[:4]))
        fewer[-1] += ", …" if len(lost) > 4 else ""
    if not fewer:
        return []
    return [f"{head} by {plural(stored.n_runs, 'run')}: {'; '.join(fewer)} {tail}"]


def _merge_notes(stored: Runs, added: Runs) -> tuple[list[str], int]:
    notes: list[str] = []
    merged = 0
    if stored is not added and len(stored.provenance) > len(added.provenance):
        earlier = {p["sha256"] for p in stored.provenance[: len(stored.provenance) - len(added.provenance)]}
        merged = stored.merged_rows(added)
        # the same file read again counts its rows twice only where they repeat stored ones: read with another
        # --where (a table's evals in percent ingested apart, as --accuracy-percent's warning says) it repeats none
        # (h71: "its rows now count twice" where no row was)
        if merged or stored.merged_accuracy_rows(added):
            notes += [
                f"{p['path']} was already in the workspace (same content): its rows now count twice"
                for p in added.provenance
                if p["sha256"] in earlier
            ]
        # what only the stored and the added tables together show (``_merge``: a file's losses in another unit)
        seen = {n for p in added.provenance for n in p.get("decisions", [])}
        notes += [n for n in stored.provenance[-1].get("decisions", []) if n not in seen]
        if merged:
            notes.append(f"{plural(merged, 'row')} repeated stored measurements and were averaged in")
    return notes, merged


def _aliases(aliases: dict[str, str], value: str = "loss") -> str:
    """A file's column aliases as read (``value→loss``), the value column named for what it held."""
    return ", ".join(f"{a}→{value if c == 'loss' else c}" for a, c in aliases.items())


def _file_rows(added: Runs) -> list[dict[str, Any]]:
    """One row per file, what it held: losses, accuracies (its metric column says), or both."""
    rows = []
    for p in added.provenance:
        row = {
            "file": p["path"],
            "format": p["format"],
            "what": "losses",
            "read": _read(p),  # every value of the file, --where's too
            "kept": p["rows_kept"],
            "left_out": sum(n for n, _ in _left_out(p)),  # (read = kept + merged + rejected + left out)
            "merged": p["rows_merged"],
            "rejected": p["rows_rejected"],
            "aliases": _aliases(p["aliases"]),
            "sha256": p["sha256"],
        }
        acc = int(p.get("accuracy_rows") or 0)
        # the value column is read as "loss" and its metric column makes a row an accuracy: said as such
        if acc and set(p.get("metrics") or {}) == {"accuracy"}:
            rows.append({**row, "what": "accuracies", "aliases": _aliases(p["aliases"], "accuracy")})
        elif acc:  # rows read are not counted by metric before checkpoints are chosen: one row, both kinds
            rows.append(
                {**row, "what": "losses, accuracies", "aliases": _aliases(p["aliases"], "loss/accuracy")}
            )
        else:
            rows.append(row)
    return rows


def ingest_report(
    stored: Runs,
    *,
    added: Runs,
    workspace: Workspace,
    verbose: bool = False,
    replaced: tuple[int, Sequence[str], Sequence[str]] | None = None,
    accuracy_join: AccuracyJoin | None = None,
    reused: Sequence[str] = (),
) -> Report:
    """What an ingest read (per file: rows read, kept, merged, rejected), what it decided (own evals, columns,
    checkpoints) and left out, what it replaced (``replaced``: the runs and datasets stored before, without
    --append), how the accuracies stored joined the losses (``accuracy_join``: rows moved onto a run within rounding,
    rows matching none), the options an --append took from the workspace (``reused``), and what is stored now:
    counts, or every line with ``verbose``."""
    rows = _file_rows(added)
    notes = _replaced_notes(stored, replaced) + _own_notes(stored, added, verbose)
    notes += [f"read with {opt}, as the workspace's runs were (stored for --append)" for opt in reused]
    # a file appended to a workspace: its "no dataset has an own eval: E stands in" (of the file read alone) is
    # said only where the workspace's own evals are the file's (h71: said of arc_easy on an --append of its rows,
    # the workspace's own evals 'train')
    stands_in = all(stored.own_eval.get(ds) == ev for ds, ev in added.own_eval.items())
    for p in added.provenance:
        if not stands_in:
            p = {**p, "decisions": [n for n in p.get("decisions", []) if not n.startswith(SHARED_OWN_NOTE)]}
        notes.extend(_column_notes(p, verbose))
    merge_notes, merged_with_stored = _merge_notes(stored, added)
    notes += merge_notes
    if accuracy_join is not None:
        notes += accuracy_join.notes()
    if stored.accuracy is not None and not verbose:
        notes.append("accuracy evals are kept apart from the losses; l2l runs --evals lists them")
    columns = [
        Column("file", justify="left"),
        Column("format", justify="left", drop=4),
        Column("read", drop=1),
        Column("kept", drop=0),
        Column("merged", drop=2),
        Column("rejected", drop=1),
        Column("left_out", "left out", drop=2, table=any(r["left_out"] for r in rows)),
        Column("aliases", justify="left", drop=5, table=any(r["aliases"] for r in rows)),
        Column("sha256", table=False),
        Column("what", justify="left", drop=3),
    ]
    own_meta = {
        ds: {"eval": stored.own_eval[ds], "how": stored.own_eval_how.get(ds, "detected")}
        for ds in stored.datasets
        if ds in stored.own_eval
    }
    meta = {
        "workspace": str(workspace.root),
        "own_eval": own_meta,
        "merged_with_stored": merged_with_stored,
        # per file: which column is which, what a per-step log kept, which wide columns were left out and why
        "inputs": [{"file": p["path"], **{k: p[k] for k in _INPUT_KEYS if k in p}} for p in added.provenance],
        "stored": {
            "rows": stored.frame.height,
            "runs": stored.n_runs,
            "datasets": stored.datasets,
            "evals": stored.evals,
            "digest": stored.digest,
        },
    }
    if accuracy_join is not None and (accuracy_join.joined or accuracy_join.unmatched):
        meta["accuracy_join"] = {
            "rows": accuracy_join.rows,
            "joined_within_rounding": accuracy_join.joined,
            "largest_gap": accuracy_join.gap,
            "unmatched": accuracy_join.unmatched,
            "unmatched_example": accuracy_join.example,
        }
    # values, not rows: a wide export's cells and a long table's losses and accuracies beside them are counted
    # (a 96-line table with an accuracy column said "kept 144 of 144 rows"; probe p58)
    kept = sum(int(r["kept"]) for r in rows)
    read = sum(int(r["read"]) for r in rows)
    return Report(
        "ingest",
        columns,
        rows,
        title=f"Ingested {plural(len(added.provenance), 'file')}: kept {kept:,} of {read:,} values",
        notes=notes,
        meta=meta,
        summary=f"workspace {workspace.root} now holds {_holds(stored)}",
        table_order=("file", "what"),
    )
