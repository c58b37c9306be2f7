"""Every command on every table shape l2l meets: a right answer, or one line saying why not and what to do (issue 16).

Tables: the three public run tables of other papers (../shared/data/public/, or --public DIR) and the synthetic
shapes of ``l2l.testing.shapes`` (each with a known truth). For each table, the commands a user would type, in
order: ``l2l ingest`` as they would first try it (refused, where the table needs a decision, with the fix named),
then with that fix, then runs, fit-law, translate, predict, evaluate, rank, fit-accuracy where they apply. Each
command is classified:

- ``ok``: exit 0 and an answer (rows in its JSON); where the table has a truth, the answer is scored against it
  (``WRONG`` when it misses by more than the tolerance);
- ``refused``: exit 1 or 2 with one ``Error:`` line, its ``Hint:`` naming the fix (``REFUSED-NO-FIX`` without);
- ``EMPTY``: exit 0 with nothing done (no rows, nothing ranked, no law) — a failure;
- ``INTERNAL``: an internal error or a traceback — a failure.

Predictions are scored at the held-out runs: the relative error of the estimate against the true (noise-free)
value and whether the printed 90 % interval holds it; accuracy laws by the fitted midpoint x0 against the truth.

    python benchmarks/bench_real_tables.py                      # all tables, markdown to stdout
    python benchmarks/bench_real_tables.py --only shared_eval   # one table
    python benchmarks/bench_real_tables.py --out docs/real_tables.md --json benchmarks/results/real_tables.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
#: ../shared/data/public beside the checkout (or beside the directory of worktrees it lives in)
PUBLIC = next(
    (p / "shared" / "data" / "public" for p in REPO.parents if (p / "shared" / "data" / "public").is_dir()),
    REPO.parent / "shared" / "data" / "public",
)
FAILURES = ("INTERNAL", "EMPTY", "REFUSED-NO-FIX", "WRONG", "UNEXPECTED")
#: Relative error of a predicted loss against the truth beyond which an answer is WRONG (synthetic noise is
#: 0.4-0.5 %, the held-out runs lie 10-20x beyond the fitted budgets).
LOSS_TOLERANCE = 0.03
#: Error of a fitted accuracy law's midpoint x0 (in loss units) beyond which it is WRONG.
X0_TOLERANCE = 0.05

Check = Callable[[list[dict[str, Any]]], tuple[bool, str]]


@dataclass
class Step:
    args: list[str]
    #: "ok" or "refused": what the table calls for (a refusal that is the right answer is expected)
    expect: str = "ok"
    check: Check | None = None


@dataclass
class Table:
    name: str
    source: str
    steps: list[Step]


@dataclass
class Outcome:
    table: str
    command: str
    status: str
    detail: str
    seconds: float
    hint: str = ""


# ---------------------------------------------------------------------------------------------------------------
# Scoring against a truth
# ---------------------------------------------------------------------------------------------------------------


def _loss_check(truths: dict[tuple[str, str, float, float], float], key: str = "loss") -> Check:
    """Score predicted losses (rows with dataset, eval, N, D and key/key_lo/key_hi) against truths."""

    def check(docs: list[dict[str, Any]]) -> tuple[bool, str]:
        errs, inside = [], 0
        for doc in docs:
            for row in doc.get("rows", []):
                k = (str(row.get("dataset")), str(row.get("eval")), float(row["N"]), float(row["D"]))
                truth = next((v for t, v in truths.items() if t[:2] == k[:2] and _close(t[2:], k[2:])), None)
                pred = row.get(key)
                if truth is None or not isinstance(pred, (int, float)):
                    continue
                errs.append((pred - truth) / truth)
                lo, hi = row.get(f"{key}_lo"), row.get(f"{key}_hi")
                inside += isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo <= truth <= hi
        if not errs:
            return False, "no prediction matched a truth"
        worst = max(errs, key=abs)
        mean = sum(abs(e) for e in errs) / len(errs)
        return (
            abs(worst) <= LOSS_TOLERANCE,
            f"{len(errs)} vs truth: mean |error| {100 * mean:.2f} %, worst {100 * worst:+.2f} %, "
            f"{inside}/{len(errs)} inside the 90 % interval",
        )

    return check


def _close(a: tuple[float, float], b: tuple[float, float]) -> bool:
    return all(abs(x - y) <= 1e-6 * max(abs(x), abs(y)) for x, y in zip(a, b, strict=True))


def _x0_check(truth: dict[str, float]) -> Check:
    def check(docs: list[dict[str, Any]]) -> tuple[bool, str]:
        errs = []
        for doc in docs:
            for row in doc.get("rows", []):
                laws = row.get("laws") or {}
                law = laws.get("*") or next(iter(laws.values()), None)
                if row.get("eval") in truth and law and "x0" in law:
                    errs.append(law["x0"] - truth[row["eval"]])
        if not errs:
            return False, "no accuracy law matched a truth"
        worst = max(errs, key=abs)
        return abs(worst) <= X0_TOLERANCE, f"{len(errs)} laws vs truth: worst x0 error {worst:+.3f}"

    return check


def _law_check(truths: dict[tuple[str, str], Any], at: tuple[float, float]) -> Check:
    """Fitted laws (rows with dataset, eval, A, B, E, alpha, beta) against true laws, at the point ``at``."""
    from l2l.core.laws import ScalingLaw

    def check(docs: list[dict[str, Any]]) -> tuple[bool, str]:
        errs = []
        for doc in docs:
            for row in doc.get("rows", []):
                true = truths.get((str(row.get("dataset")), str(row.get("eval"))))
                if true is None or row.get("E") is None:
                    continue
                form = row.get("form") or doc.get("form") or true.form  # (--form auto: each law's own form)
                law = ScalingLaw(
                    form, A=row["A"], B=row["B"], E=row["E"], alpha=row["alpha"], beta=row["beta"]
                )
                t = float(true.predict(*at))
                errs.append((float(law.predict(*at)) - t) / t)
        if not errs:
            return False, "no law matched a truth"
        worst = max(errs, key=abs)
        return (
            abs(worst) <= LOSS_TOLERANCE,
            f"{len(errs)} laws vs truth at N={at[0]:.3g}, D={at[1]:.3g}: worst {100 * worst:+.2f} %",
        )

    return check


# ---------------------------------------------------------------------------------------------------------------
# The tables and what a user would type
# ---------------------------------------------------------------------------------------------------------------


def _public_tables(root: Path) -> list[Table]:
    porian, misfit, dclm = (
        str(root / f) for f in ("porian2024_rsld.csv", "misfitting_li2025.csv", "dclm_li2024.csv")
    )
    config = "config=base|warmup=short|decay=kaplan|params=standard"
    return [
        Table(
            "porian2024_rsld",
            "Porian et al. 2024 (public)",
            [
                Step(["ingest", porian], "refused"),
                Step(["ingest", porian, "--where", config]),
                Step(["runs"]),
                Step(["fit-law"]),
                Step(["translate", "--src", "rw"]),
                Step(["predict", "-d", "all", "--N", "1B", "--C", "1e20"]),
                Step(["evaluate", "--holdout-top-compute", "1"]),
                Step(["rank", "-t", "own", "--C", "1e20"], "refused"),
                Step(["optimal", "--C", "1e20"]),
                Step(["--where", config, "fit-law", porian]),
            ],
        ),
        Table(
            "misfitting_li2025",
            "Li et al. 2025, (Mis)Fitting (public)",
            [
                Step(["ingest", misfit], "refused"),
                Step(["ingest", misfit, "--best-of", "peak_lr"]),
                Step(["runs"]),
                Step(["fit-law"]),
                Step(["predict", "-d", "all", "--N", "1B", "--D", "20B"]),
                Step(["evaluate", "--holdout-top-compute", "1"], "refused"),
                Step(["rank", "-t", "own", "--C", "1e20"], "refused"),
                Step(["optimal", "--C", "1e20"]),
            ],
        ),
        Table(
            "dclm_li2024",
            "Li et al. 2024, DCLM (public)",
            [
                Step(["ingest", dclm], "refused"),
                Step(["ingest", dclm, "--best-of", "run_id"]),
                Step(["runs"]),
                Step(["fit-law"], "refused"),
                Step(["translate", "--src", "RW_orig_bge-base_shareGPT_heuristic"], "refused"),
                Step(
                    ["predict", "-d", "all", "--N", "6.9B", "--D", "138B", "--eval", "open_lm_val"], "refused"
                ),
                Step(["evaluate"], "refused"),
                # (no repeats, no law: the measured order at the model, no interval, no P(best); probe h80)
                Step(["rank", "-t", "open_lm_val", "--N", "1.4B", "--D", "28.8B"]),
            ],
        ),
    ]


def _synthetic_tables(tmp: Path) -> list[Table]:
    from l2l.testing.shapes import SHAPES

    out = []
    for name, make in SHAPES.items():
        shape = make()
        path = str(tmp / f"{name}.csv")
        shape.write(path)
        # (a W&B export's columns eval/web_val/loss are read as the evals web_val, code_val, books_val: the common
        # affixes go, never the val marker)
        laws = dict(shape.laws)
        losses = {(h.dataset, h.eval, h.N, h.D): h.value for h in shape.held_out if h.metric == "loss"}
        accs = {(h.dataset, h.eval, h.N, h.D): h.value for h in shape.held_out if h.metric == "accuracy"}
        held = sorted({(h.N, h.D) for h in shape.held_out})
        nd = [x for n, d in held for x in ("--N", repr(n), "--D", repr(d))]
        ingest = ["ingest", path, *shape.ingest_args]
        steps: list[Step]
        if name == "shared_eval":
            steps = [
                Step(ingest),
                Step(["fit-law", "--split", "sweep"], check=_law_check(laws, held[0])),
                Step(["translate", "--src", "books", "--split", "sweep"]),
                Step(
                    ["predict", "-d", "all", "--eval", "val_mix", *nd, "--split", "sweep"],
                    check=_loss_check(losses),
                ),
                Step(["evaluate", "--holdout", "split=heldout"]),
                Step(["evaluate", "--holdout", "split=heldout", "--ranking"]),
                Step(["rank", "-t", "val_mix", "--C", "1e21", "--split", "sweep"]),
                Step(["rank", "-t", "own", "--holdout", "split=heldout"]),
            ]
        elif name == "single_dataset":
            steps = [
                Step(ingest),
                Step(["fit-law", "--eval", "all", "--split", "sweep"], check=_law_check(laws, held[0])),
                Step(
                    ["predict", "-d", "c4", "--eval", "all", *nd, "--split", "sweep"],
                    check=_loss_check(losses),
                ),
                Step(["evaluate", "--holdout", "split=heldout"], "refused"),
                Step(["rank", "-t", "c4_val", "--C", "1e21", "--split", "sweep"], "refused"),
            ]
        elif name == "per_step_ladder":
            acc_x0 = {t: s.x0 for t, s in shape.accuracy.items()}
            steps = [
                Step(ingest),
                Step(["runs"]),
                Step(["fit-law", "--eval", "all", "--split", "ladder"], check=_law_check(laws, held[0])),
                Step(["predict", "-d", "dolma", *nd, "--split", "ladder"], check=_loss_check(losses)),
                Step(["predict", "-d", "dolma", "--eval", "hellaswag", *nd, "--split", "ladder"], "refused"),
                Step(
                    [
                        "predict",
                        "-d",
                        "dolma",
                        "--eval",
                        "hellaswag",
                        "--metric",
                        "loss",
                        *nd,
                        "--split",
                        "ladder",
                    ],
                    check=_loss_check(losses),
                ),
                Step(["predict", "-d", "dolma", "--eval", "hellaswag:bpb", *nd, "--split", "ladder"]),
                Step(
                    ["predict", "-d", "dolma", "--eval", "hellaswag:accuracy", *nd, "--split", "ladder"],
                    check=_loss_check(accs, "accuracy"),
                ),
                Step(["fit-accuracy", "--split", "ladder"], check=_x0_check(acc_x0)),
                Step(["fit-accuracy", "--split", "ladder", "--checkpoints", "all"], check=_x0_check(acc_x0)),
                Step(["evaluate", "--holdout", "split=target", "--accuracy", "all"]),
                Step(["rank", "-t", "hellaswag", "--C", "1e22", "--split", "ladder"], "refused"),
            ]
        elif name == "train_named":
            steps = [
                Step(ingest),
                Step(["fit-law", "--split", "sweep"], check=_law_check(laws, held[0])),
                Step(["translate", "--src", "books", "--split", "sweep"]),
                Step(
                    ["predict", "-d", "all", "--eval", "val_mix", *nd, "--split", "sweep"],
                    check=_loss_check(losses),
                ),
                Step(["evaluate", "--holdout", "split=heldout"]),
                Step(["rank", "-t", "val_mix", "--C", "1e21", "--split", "sweep"]),
                Step(["rank", "-t", "own", "--C", "1e21", "--split", "sweep"], "refused"),
            ]
        elif name == "configs":
            base = {k: v for k, v in shape.laws.items() if k[0].endswith("|base")}
            truth = {(k[0].split("|")[0], k[1]): v for k, v in base.items()}
            steps = [
                Step(ingest, "refused"),
                Step([*ingest, "--where", "config=base"]),
                Step(["fit-law"], check=_law_check(truth, (3.0e9, 5.0e10))),
                Step(["translate", "--src", "owt2"]),
                Step(["evaluate"]),
                Step(["rank", "-t", "owt2_val", "--C", "1e21"], "refused"),
            ]
        elif name == "no_run_id_log":
            steps = [
                Step(ingest, "refused"),
                Step([*ingest, "--best-of", "peak_lr"]),
                Step(["fit-law"], check=_law_check(shape.laws, (1.0e9, 2.0e10))),
                Step(["evaluate"], "refused"),
            ]
        elif name == "wide_export":
            steps = [
                Step(ingest),
                Step(["runs"]),
                # the default --form auto must find Eq. 1 (the truth) by itself
                Step(["fit-law", "--split", "sweep", "--eval", "all"], check=_law_check(laws, held[0])),
                Step(["translate", "--src", "books", "--split", "sweep"]),
                Step(
                    [
                        "predict",
                        "-d",
                        "all",
                        "--eval",
                        "all",
                        *nd[:4],
                        "--split",
                        "sweep",
                    ],
                    check=_loss_check(losses),
                ),
                Step(["evaluate", "--holdout", "split=heldout"]),
                Step(["rank", "-t", "books", "--C", "1e21", "--split", "sweep"]),
            ]
        else:
            steps = [Step(ingest), Step(["runs"]), Step(["fit-law"])]
        out.append(Table(name, shape.description, steps))
    return out


# ---------------------------------------------------------------------------------------------------------------
# Running and judging
# ---------------------------------------------------------------------------------------------------------------


def _lines(stderr: str) -> list[str]:
    skip = ("wrote ", "fitting", "bootstrap", "ranking", "waiting for")
    return [e for e in stderr.strip().splitlines() if e.strip() and not e.startswith(skip)]


def _classify(proc: subprocess.CompletedProcess[str]) -> tuple[str, str, str, list[dict[str, Any]]]:
    """(status, detail, hint, JSON documents) of one finished command."""
    err = _lines(proc.stderr)
    if "Traceback" in proc.stderr or "internal error" in proc.stderr:
        line = next((e for e in err if "internal error" in e), err[-1] if err else "")
        return "INTERNAL", line, "", []
    if proc.returncode != 0:
        line = next((e for e in err if e.startswith("Error:")), None)
        # one line: the error, then its fix after ". Hint: " (or " Hint: " after a message's own stop)
        said_line, _, hint = (line or "").partition(" Hint: ")
        first: str | None = (said_line.removesuffix(".") if hint else said_line) if line is not None else None
        if first is None:  # a table printed, then exit 1: every row failed (say the first row's reason)
            docs = _docs(proc.stdout)
            rows = [r for d in docs for r in d.get("rows", [])]
            reason = next(
                (str(r.get("reason") or r.get("error")) for r in rows if r.get("reason") or r.get("error")),
                "",
            )
            return (
                "refused",
                f"every row failed: {reason}" if reason else f"exit {proc.returncode}",
                hint,
                docs,
            )
        # the table by its name, as the commands below name it (its folder is this machine's, or a temporary one)
        said = re.sub(
            r"/[^\s:,]*/([^/\s:,]+\.(?:csv|tsv|parquet|ndjson)\b)", r"\1", first.removeprefix("Error: ")
        )
        return "refused", said, hint, []
    docs = _docs(proc.stdout)
    if not docs:
        return "ok", "(not JSON)", "", []
    rows = sum(len(v) for d in docs for k, v in d.items() if k != "notes" and _table(v))
    if rows == 0:
        return "EMPTY", "exit 0 and no rows", "", docs
    ranked = [d for d in docs if d.get("kind") == "rank"]
    if ranked and all(d.get("leader") is None and not d.get("contenders") for d in ranked):
        return "EMPTY", "exit 0 and no dataset ranked", "", docs
    laws = [d for d in docs if d.get("kind") == "fit-law"]
    if laws and not any(r.get("status") == "ok" for d in laws for r in d.get("rows", [])):
        return "EMPTY", "exit 0 and no law fitted", "", docs
    return "ok", f"{rows} rows", "", docs


def _table(value: object) -> bool:
    """A list of rows (a report's ``rows`` or a second table in the same document)."""
    return isinstance(value, list) and bool(value) and all(isinstance(r, dict) for r in value)


def _docs(stdout: str) -> list[dict[str, Any]]:
    try:
        doc = json.loads(stdout)
    except json.JSONDecodeError:
        return []
    return [d for d in (doc if isinstance(doc, list) else [doc]) if isinstance(d, dict)]


def _judge(step: Step, status: str, detail: str, hint: str, docs: list[dict[str, Any]]) -> tuple[str, str]:
    if status == "refused" and not hint:
        status = "REFUSED-NO-FIX"
    if status in ("ok", "refused") and status != step.expect:
        return "UNEXPECTED", f"expected {step.expect}: {detail}"
    if status == "ok" and step.check is not None:
        good, said = step.check(docs)
        return ("ok" if good else "WRONG"), f"{detail}; {said}"
    return status, detail


def run_table(table: Table, l2l: list[str]) -> list[Outcome]:
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory() as ws:
        env = {**os.environ, "L2L_WORKSPACE": str(Path(ws) / "ws"), "COLUMNS": "120"}
        for step in table.steps:
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*l2l, *step.args, "--format", "json"], capture_output=True, text=True, env=env, check=False
            )
            secs = time.perf_counter() - t0
            status, detail, hint, docs = _classify(proc)
            status, detail = _judge(step, status, detail, hint, docs)
            shown = " ".join(a if "/" not in a else Path(a).name for a in step.args)
            out.append(Outcome(table.name, shown, status, detail, secs, hint))
    return out


HEADER = """# Every command on real tables

`python benchmarks/bench_real_tables.py --out docs/real_tables.md --json benchmarks/results/real_tables.json`
runs, on the three public run tables of other papers (`../shared/data/public/`: Porian et al. 2024, the (Mis)Fitting
per-checkpoint log of Li et al. 2025, DCLM) and on the synthetic shapes of `l2l.testing.shapes` (each generated
from known laws), the commands a user would type, in order: `l2l ingest` as first tried (refused where the table
needs a decision, with the fix named), then with that fix, then the other commands. An answer on a synthetic
shape is scored against its truth (predicted losses and accuracies at the held-out runs, fitted laws at the
held-out point, accuracy-law midpoints); a refusal must name its fix (its `Hint:`). The judge fails on an
internal error, an exit 0 with nothing done (no rows, nothing ranked, no law), a refusal without a fix, an answer
off its truth by more than 3 % (loss) or 0.05 (accuracy-law midpoint), or an outcome other than the one the table
calls for. Seconds are wall clock on a shared 2-core machine.

"""


def markdown(outcomes: list[Outcome]) -> str:
    lines = [
        "| table | command | outcome | detail (and the fix a refusal names) | s |",
        "|---|---|---|---|---|",
    ]
    for o in outcomes:
        detail = o.detail + (f" — fix: {o.hint}" if o.hint else "")
        detail = detail.replace("|", "\\|")
        if len(detail) > 400:
            detail = detail[:397] + "…"
        cmd = o.command.replace("|", "\\|")
        lines.append(f"| {o.table} | `l2l {cmd}` | {o.status} | {detail} | {o.seconds:.1f} |")
    bad = [o for o in outcomes if o.status in FAILURES]
    lines.append("")
    lines.append(
        f"{len(outcomes)} commands: {sum(o.status == 'ok' for o in outcomes)} answered (scored against the truth "
        f"where there is one), {sum(o.status == 'refused' for o in outcomes)} refused with the fix named, "
        + ", ".join(f"{sum(o.status == f for o in outcomes)} {f}" for f in FAILURES)
        + "."
    )
    if bad:
        lines.append("Failures: " + "; ".join(f"{o.table} `{o.command}` ({o.status})" for o in bad))
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--public", type=Path, default=PUBLIC, help="directory of the public tables")
    parser.add_argument("--only", action="append", help="run only these tables (repeatable)")
    parser.add_argument("--out", type=Path, help="write the markdown table here")
    parser.add_argument("--json", type=Path, help="write the outcomes as JSON here")
    args = parser.parse_args()
    l2l = [sys.executable, "-m", "l2l"]
    with tempfile.TemporaryDirectory() as tmp:
        tables = [*_public_tables(args.public), *_synthetic_tables(Path(tmp))]
        if args.only:
            tables = [t for t in tables if t.name in args.only]
        outcomes: list[Outcome] = []
        for t in tables:
            print(f"{t.name} ...", file=sys.stderr, flush=True)
            outcomes += run_table(t, l2l)
    text = markdown(outcomes)
    sys.stdout.write(text)
    if args.out:
        args.out.write_text(HEADER + text)
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1) + "\n")
    return 1 if any(o.status in FAILURES for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
