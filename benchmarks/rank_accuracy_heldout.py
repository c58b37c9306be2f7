"""How sure `l2l rank -t ACC` is at the held-out 3.3B runs: for each of the 11 accuracy evals l2l predicts on the
paper's runs, `l2l rank -t TASK --N 3.3B --D 50B --split sweep -f json` in a workspace holding the paper's runs and
accuracies, each row's interval against the held-out run's measured accuracy.

    l2l -w WS ingest sample_data/brandfonbrener2024_runs.csv sample_data/brandfonbrener2024_accuracy.csv
    python benchmarks/rank_accuracy_heldout.py WS
"""

from __future__ import annotations

import csv
import json
import statistics
import subprocess
import sys
from pathlib import Path

TASKS = (
    "arc_challenge_test_len_norm",
    "arc_easy_test_acc",
    "hellaswag_test_len_norm",
    "imbue_codegen_len_norm",
    "imbue_gsm8k_len_norm",
    "mmlu_humanities_test_len_norm",
    "mmlu_other_test_len_norm",
    "mmlu_social_sciences_test_len_norm",
    "openbook_qa_test_len_norm",
    "piqa_test_len_norm",
    "sciq_test_acc",
)
ACCURACIES = Path(__file__).resolve().parent.parent / "sample_data" / "brandfonbrener2024_accuracy.csv"


def main(workspace: str) -> None:
    with ACCURACIES.open() as f:
        truth = {
            (r["dataset"], r["eval"]): float(r["value"]) for r in csv.DictReader(f) if r["split"] != "sweep"
        }
    inside, errors, misses = 0, [], []
    for task in TASKS:
        name = f"downstream/{task}"
        cmd = [sys.executable, "-m", "l2l", "-w", workspace, "rank", "-t", name, "--N", "3.3B", "--D", "50B"]
        out = subprocess.run(
            [*cmd, "--split", "sweep", "-f", "json"], capture_output=True, text=True, check=False
        )
        if out.returncode != 0:
            print(f"{task}: refused: {out.stderr.strip()[-300:]}")
            continue
        for row in json.loads(out.stdout)["rows"]:
            measured = truth.get((row["dataset"], name))
            if row.get("value") is None or row.get("lo") is None or measured is None:
                continue
            errors.append(100 * abs(row["value"] - measured))
            if row["lo"] <= measured <= row["hi"]:
                inside += 1
            else:
                misses.append(
                    f"{task} {row['dataset']}: measured {100 * measured:.1f}, predicted {100 * row['value']:.1f} "
                    f"[{100 * row['lo']:.1f}, {100 * row['hi']:.1f}]"
                )
    print(f"inside {inside}/{len(errors)}; median error {statistics.median(errors):.2f} points")
    for miss in misses:
        print("miss:", miss)


if __name__ == "__main__":
    main(sys.argv[1])
