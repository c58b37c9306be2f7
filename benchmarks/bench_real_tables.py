"""Every command on every table shape l2l meets: a result, or one line saying why not (issue 16).

Tables: the three public run tables of other papers (../shared/data/public/, or --public DIR) and the synthetic
shapes of ``l2l.testing.shapes`` (each with a known truth). For each table: ``l2l ingest`` with the options a user
would give, then runs, fit-law, translate, predict, evaluate, rank and fit-accuracy where they apply. Each command
is classified:

- ``ok``: exit 0 and an answer (rows in its JSON);
- ``refused``: exit 1 or 2 with one ``Error:`` line (and maybe a ``Hint:``), quoted;
- ``EMPTY``: exit 0 with nothing done (no rows) — a failure;
- ``INTERNAL``: an internal error or a traceback — a failure.

Where the table has a truth (synthetic shapes), ``predict`` at the held-out runs is scored: mean relative error of
the predicted loss against the true one, and how many truths fall inside the printed 90 % intervals.

    python benchmarks/bench_real_tables.py                      # all tables, markdown to stdout
    python benchmarks/bench_real_tables.py --only shared_eval   # one table
    python benchmarks/bench_real_tables.py --out docs/real_tables.md --json benchmarks/results/real_tables.json
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PUBLIC = REPO.parent / "shared" / "data" / "public"


@dataclass
class Table:
    name: str
    source: str
    path: Path
    ingest: list[str]
    commands: list[list[str]]
    #: (dataset, eval, N, D, true loss) of held-out runs, for scoring predict
    truths: list[tuple[str, str, float, float, float]] = field(default_factory=list)


@dataclass
class Outcome:
    table: str
    command: str
    status: str
    detail: str
    seconds: float


def _public_tables(root: Path) -> list[Table]:
    return [
        Table(
            "porian2024_rsld",
            "Porian et al. 2024 (public)",
            root / "porian2024_rsld.csv",
            [],
            [
                ["runs"],
                ["fit-law"],
                ["translate", "--src", "rw"],
                ["predict", "-d", "all", "--N", "1B", "--C", "1e20"],
                ["evaluate", "--holdout-top-compute", "1"],
                ["rank", "-t", "own", "--C", "1e20"],
            ],
        ),
        Table(
            "misfitting_li2025",
            "Li et al. 2025, (Mis)Fitting (public)",
            root / "misfitting_li2025.csv",
            [],
            [
                ["runs"],
                ["fit-law"],
                ["predict", "-d", "all", "--N", "1B", "--D", "20B"],
                ["evaluate", "--holdout-top-compute", "1"],
                ["rank", "-t", "own", "--C", "1e20"],
            ],
        ),
        Table(
            "dclm_li2024",
            "Li et al. 2024, DCLM (public)",
            root / "dclm_li2024.csv",
            [],
            [
                ["runs"],
                ["fit-law"],
                ["translate", "--src", "RW_orig_bge-base_shareGPT_heuristic"],
                ["predict", "-d", "all", "--N", "6.9B", "--D", "138B", "--eval", "open_lm_val"],
                ["evaluate"],
                ["rank", "-t", "open_lm_val", "--N", "1.4B", "--D", "28.8B"],
            ],
        ),
    ]


def _synthetic_tables(tmp: Path) -> list[Table]:
    from l2l.testing.shapes import SHAPES

    out = []
    for name, make in SHAPES.items():
        shape = make()
        path = tmp / f"{name}.csv"
        shape.write(str(path))
        truths = [(h.dataset, h.eval, h.N, h.D, h.value) for h in shape.held_out if h.metric == "loss"]
        split = ["--split", "sweep"] if shape.holdout_split == "heldout" else []
        if name == "per_step_ladder":
            split = ["--split", "ladder"]
        holdout = ["--holdout", f"split={shape.holdout_split}"] if shape.holdout_split else []
        datasets = sorted({str(r["dataset"]) for r in shape.rows})
        evals = sorted({ev for _, ev in shape.laws})
        target = evals[0] if "val_mix" not in evals else "val_mix"
        cmds: list[list[str]] = [["runs"], ["fit-law", *split]]
        if len(datasets) > 1:
            cmds.append(["translate", "--src", datasets[0], *split])
        if truths:
            ds, ev, n, d, _ = truths[0]
            cmds.append(["predict", "-d", ds, "--eval", ev, "--N", repr(n), "--D", repr(d), *split])
        cmds.append(["evaluate", *holdout])
        budget = ["--C", "1e21"]
        cmds.append(["rank", "-t", target, *budget, *split])
        if shape.accuracy:
            cmds.append(["fit-accuracy", *split])
            acc = next(iter(shape.accuracy))
            cmds.append(["evaluate", *holdout, "--accuracy", "all"])
            cmds.append(["predict", "-d", "dolma", "--eval", acc, "--N", "7e9", "--D", "2.8e11", *split])
        out.append(Table(name, shape.description, path, list(shape.ingest_args), cmds, truths))
    return out


def _classify(proc: subprocess.CompletedProcess[str]) -> tuple[str, str]:
    err = proc.stderr.strip().splitlines()
    err = [e for e in err if not e.startswith(("wrote ", "fitting", "bootstrap", "ranking"))]
    if "Traceback" in proc.stderr or "internal error" in proc.stderr:
        line = next((e for e in err if "internal error" in e), err[-1] if err else "")
        return "INTERNAL", line
    if proc.returncode != 0:
        first = next((e for e in err if e.startswith("Error:")), err[0] if err else f"exit {proc.returncode}")
        return "refused", first.removeprefix("Error: ")
    try:
        doc = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return "ok", "(not JSON)"
    docs = doc if isinstance(doc, list) else [doc]
    rows = sum(len(d.get("rows", [])) for d in docs if isinstance(d, dict))
    if rows == 0:
        return "EMPTY", "exit 0 and no rows"
    ranked = [d for d in docs if isinstance(d, dict) and d.get("kind") == "rank"]
    if ranked and all(d.get("leader") is None and not d.get("contenders") for d in ranked):
        return "EMPTY", "exit 0 and no dataset ranked"
    return "ok", f"{rows} rows"


def _score_predict(table: Table, doc: dict[str, object]) -> str:
    """Relative error of the predicted loss at the first truth, and whether the interval holds it."""
    rows = doc.get("rows", []) if isinstance(doc, dict) else []
    if not table.truths or not isinstance(rows, list) or not rows:
        return ""
    _, _, _, _, truth = table.truths[0]
    row = rows[0]
    pred = row.get("loss")
    if not isinstance(pred, (int, float)) or not math.isfinite(pred):
        return ""
    lo, hi = row.get("loss_lo"), row.get("loss_hi")
    inside = isinstance(lo, (int, float)) and isinstance(hi, (int, float)) and lo <= truth <= hi
    return f"; error {100 * (pred - truth) / truth:+.2f} % vs truth, interval {'holds' if inside else 'misses'} it"


def run_table(table: Table, l2l: list[str]) -> list[Outcome]:
    out: list[Outcome] = []
    with tempfile.TemporaryDirectory() as ws:
        env = {**os.environ, "L2L_WORKSPACE": str(Path(ws) / "ws"), "COLUMNS": "120"}

        def call(args: list[str]) -> tuple[subprocess.CompletedProcess[str], float]:
            t0 = time.perf_counter()
            proc = subprocess.run([*l2l, *args], capture_output=True, text=True, env=env, check=False)
            return proc, time.perf_counter() - t0

        proc, secs = call(["ingest", str(table.path), *table.ingest, "--format", "json"])
        status, detail = _classify(proc)
        out.append(Outcome(table.name, " ".join(["ingest", *table.ingest]), status, detail, secs))
        if status != "ok":
            return out
        for args in table.commands:
            proc, secs = call([*args, "--format", "json"])
            status, detail = _classify(proc)
            if status == "ok" and args[0] == "predict":
                detail += _score_predict(table, json.loads(proc.stdout))
            out.append(Outcome(table.name, " ".join(args), status, detail, secs))
    return out


def markdown(outcomes: list[Outcome]) -> str:
    lines = ["| table | command | outcome | detail | s |", "|---|---|---|---|---|"]
    for o in outcomes:
        detail = o.detail.replace("|", "\\|")
        lines.append(f"| {o.table} | `l2l {o.command}` | {o.status} | {detail} | {o.seconds:.1f} |")
    bad = [o for o in outcomes if o.status in ("INTERNAL", "EMPTY")]
    lines.append("")
    lines.append(
        f"{len(outcomes)} commands: {sum(o.status == 'ok' for o in outcomes)} answered, "
        f"{sum(o.status == 'refused' for o in outcomes)} refused with a reason, "
        f"{sum(o.status == 'EMPTY' for o in outcomes)} exited 0 with nothing done, "
        f"{sum(o.status == 'INTERNAL' for o in outcomes)} internal errors."
    )
    if bad:
        lines.append("Failures: " + "; ".join(f"{o.table} `{o.command}`" for o in bad))
    return "\n".join(lines) + "\n"


def main() -> None:
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
        args.out.write_text(text)
    if args.json:
        args.json.write_text(json.dumps([o.__dict__ for o in outcomes], indent=1) + "\n")


if __name__ == "__main__":
    main()
