"""Benchmark: the workspace under concurrent appends and kill -9 (issue 18's numbers), through the real command line.

Run by hand (not a test; about 5 minutes on a shared 2-core machine):

    python benchmarks/bench_store.py                          # 50 rounds × 4 appenders, 100 random kills
    python benchmarks/bench_store.py --rounds 5 --kills 10    # quicker

**Concurrency**: each round ingests a base table into a fresh workspace, then starts 4 ``l2l ingest --append``
processes at once, each with a table of its own (losses and accuracies of a dataset no other has). Counted: appends
lost (rows missing afterwards), rows present more than once, processes that exited non-zero, workspaces that
``Workspace.load`` or ``l2l runs`` cannot read, and the waiting lines the appenders printed.

**Kills**: one workspace (a base table of 20,000 loss and 2,000 accuracy rows); each time an append is started and
sent SIGKILL at a random moment within the time a whole append takes (measured first), then the workspace must be
the old one or the new one (rows, digest and accuracies), ``l2l runs`` must work, and the next writer must leave
no temporary file and at most two generations. Counted: kills that left the old workspace, the new one, or a broken
one.

Writes to ``--out`` (default /tmp/l2l_bench_store, never the repository) and prints a JSON summary.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

import polars as pl

from l2l.io.accuracy_store import attach_accuracy
from l2l.io.workspace import Workspace


def table(path: Path, dataset: str, k: int, rows: int, acc_rows: int) -> Path:
    """Losses (``rows``) and accuracies (``acc_rows``) of ``dataset``, at N values no other ``k`` has."""
    n = [(k * 1_000_000 + i + 1) * 1e3 for i in range(rows)]
    losses = pl.DataFrame(
        {"dataset": dataset, "N": n, "D": [x * 20 for x in n], "eval": "val", "loss": 3.0, "metric": "loss"}
    )
    acc = losses.head(acc_rows).with_columns(pl.lit("quiz").alias("eval"), pl.lit(0.4).alias("loss"))
    pl.concat([losses, acc.with_columns(pl.lit("accuracy").alias("metric"))]).write_csv(path)
    return path


def cli(*args: str | Path, ws: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "L2L_WORKSPACE": str(ws)}
    return subprocess.run(
        [sys.executable, "-m", "l2l", *map(str, args)], capture_output=True, text=True, env=env
    )


def sound(ws: Path) -> tuple[bool, str]:
    """The workspace loads (with its accuracies) and ``l2l runs`` works."""
    try:
        attach_accuracy(Workspace(ws).load(), Workspace(ws))
    except Exception as exc:  # noqa: BLE001 - any failure is the finding
        return False, f"load: {exc}"
    runs = cli("runs", ws=ws)
    return runs.returncode == 0, runs.stderr.strip()


def concurrency(out: Path, rounds: int, writers: int) -> dict[str, object]:
    lost = duplicated = failed = broken = waits = 0
    t0 = time.perf_counter()
    for r in range(rounds):
        ws = out / f"round{r}"
        shutil.rmtree(ws, ignore_errors=True)
        assert cli("ingest", table(out / "base.csv", "base", 0, 20, 5), ws=ws).returncode == 0
        parts = [table(out / f"w{k}.csv", f"ds{k}", k + 1, 20, 5) for k in range(writers)]
        env = {**os.environ, "L2L_WORKSPACE": str(ws)}
        procs = [
            subprocess.Popen(
                [sys.executable, "-m", "l2l", "ingest", "--append", str(p)],
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.PIPE,
                text=True,
            )
            for p in parts
        ]
        for p in procs:
            _, err = p.communicate()
            failed += p.returncode != 0
            waits += err.count("waiting for workspace")
        ok, _ = sound(ws)
        if not ok:
            broken += 1
            continue
        stored = attach_accuracy(Workspace(ws).load(), Workspace(ws))
        want = {"base", *(f"ds{k}" for k in range(writers))}
        keys = stored.frame.select("dataset", "N", "D", "eval")
        lost += len(want - set(stored.datasets))
        duplicated += keys.height - keys.unique().height
        acc = stored.accuracy
        lost += len(want - set(acc.get_column("dataset").to_list())) if acc is not None else len(want)
        print(
            f"round {r + 1}/{rounds}: {stored.frame.height} rows, {len(stored.datasets)} datasets",
            file=sys.stderr,
        )
    return {
        "rounds": rounds,
        "writers": writers,
        "appends": rounds * writers,
        "lost_appends": lost,
        "duplicated_rows": duplicated,
        "failed_processes": failed,
        "broken_workspaces": broken,
        "waiting_lines": waits,
        "seconds": round(time.perf_counter() - t0, 1),
    }


def kills(out: Path, count: int, seed: int) -> dict[str, object]:
    rng = random.Random(seed)
    ws = out / "killed"
    shutil.rmtree(ws, ignore_errors=True)
    assert cli("ingest", table(out / "kbase.csv", "base", 0, 20_000, 2_000), ws=ws).returncode == 0
    durations = []
    for k in range(3):  # how long a whole append takes here
        t0 = time.perf_counter()
        assert (
            cli(
                "ingest", "--append", table(out / f"warm{k}.csv", f"warm{k}", 900 + k, 2_000, 200), ws=ws
            ).returncode
            == 0
        )
        durations.append(time.perf_counter() - t0)
    whole = statistics.median(durations)
    outcome = {"old": 0, "new": 0, "broken": 0}
    problems: list[str] = []
    env = {**os.environ, "L2L_WORKSPACE": str(ws)}
    t0 = time.perf_counter()
    for k in range(count):
        before = Workspace(ws).load()
        before_acc = attach_accuracy(before, Workspace(ws)).accuracy
        extra = table(out / "extra.csv", f"x{k}", k + 1, 2_000, 200)
        proc = subprocess.Popen(
            [sys.executable, "-m", "l2l", "ingest", "--append", str(extra)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0, whole))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        ok, why = sound(ws)
        now = Workspace(ws).load() if ok else None
        if now is None:
            outcome["broken"] += 1
            problems.append(why)
        elif now.digest == before.digest:
            acc = attach_accuracy(now, Workspace(ws)).accuracy
            same_acc = acc is not None and before_acc is not None and acc.equals(before_acc)
            outcome["old" if same_acc else "broken"] += 1
        elif now.frame.height == before.frame.height + 2_000 and f"x{k}" in now.datasets:
            acc = attach_accuracy(now, Workspace(ws)).accuracy
            grown = acc is not None and f"x{k}" in acc.get_column("dataset").to_list()
            outcome["new" if grown else "broken"] += 1
        else:
            outcome["broken"] += 1
            problems.append(f"kill {k}: {now.frame.height} rows")
    after = cli("ingest", "--append", table(out / "last.csv", "last", 999, 10, 2), ws=ws)
    leftovers = [p.name for p in ws.rglob("*") if p.name.endswith(".tmp")]
    return {
        "kills": count,
        "append_seconds": round(whole, 2),
        **outcome,
        "problems": problems[:5],
        "next_append_exit": after.returncode,
        "temp_files_left": len(leftovers),
        "generations_left": len(list(ws.glob("gen-*"))),
        "seconds": round(time.perf_counter() - t0, 1),
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=50)
    ap.add_argument("--writers", type=int, default=4)
    ap.add_argument("--kills", type=int, default=100)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=Path("/tmp/l2l_bench_store"))
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    summary = {
        "concurrency": concurrency(args.out, args.rounds, args.writers),
        "kills": kills(args.out, args.kills, args.seed),
    }
    print(json.dumps(summary, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
