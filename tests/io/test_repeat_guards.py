"""Ingest's guards against values that read as losses and mean something else: accuracies in percent stored as
losses, a diverged seed averaged in with its siblings, a sweep of a setting the table does not name."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest

from l2l.base.errors import InputError
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs
from tests.conftest import write

REPO = Path(__file__).resolve().parents[2]
PUBLIC = next(
    (
        p / "shared" / "data" / "public"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/public").is_dir()
    ),
    None,
)
SIZES = (1e8, 2e8, 4e8, 8e8)


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


# ---- an accuracy in percent stored as a loss --------------------------------------------------------------


def percent_long(*, metric: bool = False, perplexity: bool = False) -> str:
    """Two datasets, four sizes: an own loss (falling with compute) and HellaSwag accuracies in percent (30-62,
    rising) under the eval 'hellaswag'; ``metric``: the fix (a metric column, the accuracies divided by 100);
    ``perplexity``: a perplexity stored as the loss instead (exp of the own loss: 10-40, falling)."""
    rows = ["dataset,N,D,eval,loss" + (",metric" if metric else "")]
    for ds, shift in (("web", 0.0), ("code", 0.2)):
        for i, n in enumerate(SIZES):
            own = 3.7 - shift - i / 5
            pct = 30 + 10 * i + (2 if ds == "code" else 0)
            task = f"{pct / 100:.3f},accuracy" if metric else f"{pct:.1f}"
            rows.append(f"{ds},{n:g},{20 * n:g},{ds}_val,{own:.3f}" + ("," if metric else ""))
            if perplexity:
                rows.append(f"{ds},{n:g},{20 * n:g},wiki,{math.exp(own):.2f}")
            else:
                rows.append(f"{ds},{n:g},{20 * n:g},hellaswag,{task}")
    return "\n".join(rows) + "\n"


def test_an_accuracy_in_percent_stored_as_a_loss_is_refused_with_the_evidence_and_the_fix(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "pct.csv", percent_long())
    with pytest.raises(InputError) as exc:
        read_runs([path])  # it read with a perplexity warning, and rank ranked the worst dataset first
    assert exc.value.message == (
        f"{path}, column 'eval': eval 'hellaswag': values 30–62, rising with compute (rank correlation 1.00 with C "
        "within each dataset): an accuracy in percent read as a loss?"
    )
    assert exc.value.hint is not None
    assert "their values divided by 100 (accuracies are fractions: 0.25 for 25 %)" in exc.value.hint
    assert exc.value.hint.endswith("--where 'eval!=hellaswag'")
    fixed = read_runs([write(tmp_path / "m.csv", percent_long(metric=True))])
    assert fixed.accuracy is not None
    assert fixed.accuracy.height == 8
    assert sorted(set(fixed.frame["eval"].to_list())) == ["code_val", "web_val"]


def test_a_perplexity_stored_as_a_loss_falls_with_compute_and_keeps_its_warning(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "ppl.csv", percent_long(perplexity=True))])
    wiki = runs.frame.filter(runs.frame["eval"] == "wiki")["loss"].to_list()
    assert min(wiki) == pytest.approx(18.17, abs=0.01)
    assert max(wiki) == pytest.approx(40.45, abs=0.01)
    assert "Are these perplexities?" in notes(runs)
    assert "accuracy" not in notes(runs)
    rising = "\n".join(f"web,{n:g},{20 * n:g},val,{3 + i / 10}" for i, n in enumerate(SIZES))
    grows = read_runs([write(tmp_path / "r.csv", f"dataset,N,D,eval,loss\n{rising}\n")])
    assert grows.frame["loss"].to_list() == pytest.approx(
        [3.0, 3.1, 3.2, 3.3]
    )  # below 13: a loss, rising or not


def test_a_wide_column_of_percent_accuracies_is_refused_with_the_division_in_the_hint(tmp_path: Path) -> None:
    rows = ["run_id,dataset,N,D,web_val,hellaswag"]
    rows += [
        f"r{i},web,{n:g},{20 * n:g},{3.2 - i / 10:.3f},{21.5 + 2.3 * i:.1f}" for i, n in enumerate(SIZES)
    ]
    # (below 30: a detected loss column's range; a hard task's accuracies in percent)
    path = write(tmp_path / "w.csv", "\n".join(rows) + "\n")
    named = read_runs([path], wide=True, loss_columns="*")  # named as losses: warned about, not refused
    assert "an accuracy in percent? It is fitted as a loss" in notes(named)
    with pytest.raises(InputError) as exc:
        read_runs([path], wide=True)
    assert exc.value.message.endswith("an accuracy in percent detected as a loss column?")
    assert exc.value.hint is not None
    assert "--accuracy-columns 'hellaswag' (divided by 100 first" in exc.value.hint


def _real_tables() -> list[Any]:
    cases: list[Any] = [
        pytest.param(p, {"wide": p.name.startswith(("wide", "wandb"))}, id=p.name)
        for p in [
            REPO / "sample_data" / "brandfonbrener2024_runs.csv",
            REPO / "sample_data" / "synthetic_runs.csv",
            *sorted((REPO / "tests" / "data" / "good").glob("*.csv")),
            *sorted((REPO / "tests" / "data" / "real").glob("*.csv")),
        ]
    ]
    if PUBLIC is not None:  # with the options the README names for each
        cases += [
            pytest.param(
                PUBLIC / "porian2024_rsld.csv",
                {"where": parse_where(["config=base|warmup=short|decay=chinchilla|params=standard"])},
                id="porian",
            ),
            pytest.param(PUBLIC / "misfitting_li2025.csv", {"best_of": "peak_lr"}, id="misfitting"),
            pytest.param(PUBLIC / "dclm_li2024.csv", {"best_of": "model"}, id="dclm"),
        ]
    return cases


@pytest.mark.parametrize(("path", "options"), _real_tables())
def test_no_real_table_is_refused_as_accuracies_or_diverged_seeds(
    path: Path, options: dict[str, Any]
) -> None:
    runs = read_runs([path], **options)
    assert runs.frame.height > 0
    assert "accuracy in percent" not in notes(runs)
