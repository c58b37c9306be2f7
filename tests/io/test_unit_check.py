"""Ingest asks whether a dataset's losses are in another unit (bits per byte beside nats) where they lie far from
the other datasets' on a shared eval at the same models, and stays silent on the real tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from l2l.io.provenance import unit_notes

REPO = Path(__file__).resolve().parents[2]
PUBLIC = REPO.parent / "shared" / "data" / "public"  # ../shared beside the checkout; absent in a clean clone


def _nats(n: float, d: float, scale: float) -> float:
    return scale * (1.8 + 400 / n**0.34 + 410 / d**0.28)


def _shared_eval_table(books_scale: float) -> pl.DataFrame:
    """Web, code and books measured on one eval `val` at the same 12 models; books' losses times ``books_scale``."""
    rows = []
    for n in (2e7, 5e7, 1e8, 2e8):
        for tpp in (10, 20, 40):
            d = n * tpp
            for ds, scale in (("web", 1.0), ("code", 0.52), ("books", 0.95 * books_scale)):
                rows.append({"dataset": ds, "N": n, "D": d, "eval": "val", "loss": _nats(n, d, scale)})
    return pl.DataFrame(rows)


def test_bits_per_byte_beside_nats_on_one_eval_is_warned_about() -> None:
    # a probe's books in bits per byte (nats / (ln 2 × 4.2 bytes per token)), web and code in nats: books sat
    # 2.3× below the others' median, inside the old 2.4× band, and `rank -t val` ranked it first
    notes = unit_notes(_shared_eval_table(1 / (math.log(2) * 4.2)))
    assert any(n.startswith("warning: 'books' on 'val'") and "another unit" in n for n in notes)


def test_one_dataset_of_perplexities_beside_two_in_nats_is_the_only_one_asked_about() -> None:
    """Helper h95: the median of each one's two others holds the perplexities, so web and code were asked about
    too (0.27× and 0.31× "in another unit?") beside books."""
    table = _shared_eval_table(1.0)
    table = table.with_columns(
        pl.when(pl.col("dataset") == "books")
        .then(pl.col("loss").exp())
        .otherwise(pl.col("loss"))
        .alias("loss")
    )
    (note,) = unit_notes(table)
    assert note.startswith("warning: 'books' on 'val': its losses are ")


def test_datasets_in_one_unit_are_not_warned_about_even_when_one_learns_its_data_far_better() -> None:
    assert unit_notes(_shared_eval_table(1.0)) == []


@pytest.mark.parametrize("third", [0, 1, 2])
def test_a_dataset_far_better_on_its_own_domain_is_not_asked_about_its_unit(third: int) -> None:
    """Any third of the paper's runs was warned about: StarCoder's models at 0.46× the others on starcoder_val,
    web-trained ones at 2.16× on proof_pile_2_val, all in nats (p57 #6). A unit changes every eval alike."""
    frame = _canonical(REPO / "sample_data" / "brandfonbrener2024_runs.csv")
    models = frame.select("dataset", "N", "D").unique().sort("dataset", "N", "D").with_row_index("i")
    part = frame.join(models.filter(pl.col("i") % 3 == third), on=["dataset", "N", "D"])
    assert unit_notes(part) == []


@pytest.mark.parametrize("dataset", ["starcoder", "fineweb-edu-100b", "proof-pile-2"])
def test_bits_per_byte_on_every_eval_a_dataset_shares_are_asked_about(dataset: str) -> None:
    frame = _canonical(REPO / "sample_data" / "brandfonbrener2024_runs.csv")
    bpb = frame.with_columns(
        pl.when(pl.col("dataset") == dataset)
        .then(pl.col("loss") / (math.log(2) * 4.2))
        .otherwise(pl.col("loss"))
        .alias("loss")
    )
    (note,) = unit_notes(bpb)
    assert note.startswith(f"warning: {dataset!r} on 28 evals (")
    assert "the median over these evals: in another unit (bits per byte beside nats)?" in note


def _canonical(path: Path) -> pl.DataFrame:
    frame = pl.read_csv(path, infer_schema_length=None)
    return frame.select(
        "dataset",
        pl.col("N").cast(pl.Float64),
        pl.col("D").cast(pl.Float64),
        "eval",
        pl.col("loss").cast(pl.Float64),
    ).drop_nulls()


@pytest.mark.parametrize(
    "path",
    [
        REPO / "sample_data" / "brandfonbrener2024_runs.csv",  # web-trained models on code evals: 2.10×
        REPO / "sample_data" / "synthetic_runs.csv",
        *sorted((REPO / "tests" / "data").rglob("*.csv")),
        *sorted(PUBLIC.glob("*.csv")),  # DCLM's 42 sets: 0.48× and 2.00×
    ],
    ids=lambda p: p.name,
)
def test_the_real_tables_pass_the_unit_check(path: Path) -> None:
    try:
        frame = _canonical(path)
    except (pl.exceptions.PolarsError, pl.exceptions.ColumnNotFoundError):
        pytest.skip("not a long table")
    assert unit_notes(frame) == []


def _self_join_median(per: pl.DataFrame) -> pl.DataFrame:
    """The check's former reading of the other datasets' median: a self-join on (eval, N, D) (datasets² rows)."""
    return (
        per.join(per, on=["eval", "N", "D"], suffix="_o")
        .filter(pl.col("dataset") != pl.col("dataset_o"))
        .group_by("dataset", "eval", "N", "D")
        .agg(
            pl.col("loss").first(),
            pl.col("loss_o").median().alias("typical"),
            pl.len().cast(pl.Int64).alias("k"),
        )
    )


def test_the_median_of_the_other_datasets_is_read_without_a_self_join_and_is_bit_for_bit_the_same() -> None:
    # 1 to 11 datasets per model, odd and even counts of others, ties and rounded losses, models measured by one
    # dataset alone (left out, as the join left them): every loss, median and count equal to the join's, bit for
    # bit (issue 21: the join held 11 M rows for 200 datasets × 11 evals, 2.1 GB at ingest; now 0.28 GB)
    from l2l.io.provenance import _median_of_others

    rng = np.random.default_rng(21)
    compared = 0
    for _ in range(200):
        rows = [
            (f"d{k}", ev, n, 10 * n, float(np.round(rng.lognormal(1.0, 0.3), int(rng.integers(1, 17)))))
            for k in range(int(rng.integers(1, 12)))
            for ev in ("a", "b")
            for n in (1.0, 2.0, 3.0)
            if rng.random() < 0.8
        ]
        if not rows:
            continue
        per = pl.DataFrame(rows, schema=["dataset", "eval", "N", "D", "loss"], orient="row")
        want = _self_join_median(per).sort("dataset", "eval", "N")
        got = _median_of_others(per).sort("dataset", "eval", "N")
        assert got.columns == want.columns
        assert got.equals(want)
        compared += got.height
    assert compared > 5000
    # and the rows it makes are the table's own, not datasets² per model: 4 datasets at one model, 4 rows
    per = pl.DataFrame(
        {
            "dataset": ["w", "x", "y", "z"],
            "eval": ["v"] * 4,
            "N": [1.0] * 4,
            "D": [9.0] * 4,
            "loss": [3.0, 1.0, 4.0, 2.0],
        }
    )
    got = _median_of_others(per).sort("dataset")
    assert got["typical"].to_list() == [2.0, 3.0, 2.0, 3.0]
    assert got["k"].to_list() == [3, 3, 3, 3]
