"""A task evaluated on some datasets only: the pooled curve of the others is what predicts a dataset with no
accuracy of its own (probe h68)."""

from __future__ import annotations

import csv
import math
from pathlib import Path

import numpy as np

from l2l.io.tables import read_runs
from l2l.workflows.accuracy import predict_accuracy

LAWS = {"web": (5.0e7, 7.0e8, 1.85, 0.42, 0.47), "code": (3.0e7, 5.0e8, 0.95, 0.38, 0.42)}
LAWS["books"] = (6.0e7, 8.0e8, 2.05, 0.43, 0.48)


def _table(path: Path) -> Path:
    rng = np.random.default_rng(68)
    rows = []
    for ds, (a, b, e, al, be) in LAWS.items():
        for n in (20e6, 40e6, 80e6, 160e6, 320e6, 640e6):
            for tpp in (5, 10, 20, 40):
                loss = e + (a / n) ** al + (b / (tpp * n)) ** be
                x = 0.9 * (loss - e) + 0.3
                key = [ds, int(n), int(tpp * n)]
                rows.append([*key, f"{ds}_val", "loss", loss * math.exp(0.005 * rng.standard_normal())])
                rows.append([*key, "sciq", "loss", x * math.exp(0.005 * rng.standard_normal())])
                if ds != "code":  # sciq was never evaluated on code's models
                    acc = 0.25 + 0.75 / (1 + math.exp((x - 1.2) / 0.08)) + 0.006 * rng.standard_normal()
                    rows.append([*key, "sciq", "accuracy", min(1.0, max(0.0, acc))])
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["dataset", "N", "D", "eval", "metric", "value"])
        w.writerows(rows)
    return path


def test_a_dataset_without_accuracies_gets_the_pooled_curve_as_a_lower_bound(tmp_path: Path) -> None:
    """code has sciq losses but no sciq accuracy: the curve of books and web was applied to it and its interval
    called calibrated, though no run of code tested that curve
    (its own curve may sit anywhere); 160M × 3.2B. Now it is a lower bound and the chain names the datasets assumed."""
    runs = read_runs([_table(tmp_path / "t.csv")])
    preds = predict_accuracy(runs, evals=["sciq"], datasets=["books", "code", "web"], N=[160e6], D=[3.2e9])
    by = {p.dataset: p for p in preds}
    assert by["code"].accuracy is not None
    assert by["code"].pooled
    assert by["code"].lower_bound_only is True
    assert by["code"].calibrated is False
    assert "code has no accuracy of this eval: the curve of books, web is assumed" in " ".join(
        by["code"].steps()
    )
    assert "never tested on code's runs" in by["code"].to_dict()["interval"]
    # the measured datasets carry no such caveat
    assert not by["web"].unmeasured
    assert not by["books"].unmeasured
    assert "has no accuracy" not in " ".join([*by["web"].steps(), *by["books"].steps()])
    assert 0.30 < by["books"].accuracy < 0.40
    assert 0.38 < by["web"].accuracy < 0.47
