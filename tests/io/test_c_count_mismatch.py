"""A C column computed with another parameter count than N (probe h3: the (Mis)Fitting log's C = 6·N·D with
embeddings, read with ``--column N=N_no_emb``, gave C/(N·D) from 7.08 to 28.5, falling with the model size, and
its median, 13.9, was taken as the table's FLOPs count, said in a note): warned of, and C = 6·N·D used instead,
as for a C column not in FLOPs. An isoFLOP grid's nominal budgets (C/(N·D) jittering about 6, not following N)
are the table's C as before."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import polars as pl
import pytest

from l2l.io.provenance import c_count_mismatch
from l2l.io.tables import read_runs
from tests.conftest import write

PUBLIC = next(
    (
        p / "shared" / "data" / "public"
        for p in Path(__file__).resolve().parents
        if (p / "shared/data/public").is_dir()
    ),
    None,
)
public = pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")

#: Embedding parameters of every model (a vocabulary × width that grows slower than the model): the share of
#: N they make falls with the model size, so C/(N_no_emb·D) does.
SIZES = (2e7, 5e7, 1e8, 2e8, 5e7 * 8, 1e9)


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def embeddings_table() -> str:
    rows = ["dataset,N,N_no_emb,D,C,eval,loss"]
    for n in SIZES:
        emb = 1.5e7 * (n / 2e7) ** 0.3
        for r in (10, 20, 40):
            d = r * n
            loss = 2.0 + 400 / n**0.34 + 1800 / d**0.28
            rows.append(f"web,{n:g},{n - emb:g},{d:g},{6 * n * d:g},web_val,{loss:.5f}")
    return "\n".join(rows) + "\n"


def test_a_c_column_counted_with_another_n_is_warned_of_and_6nd_used(tmp_path: Path) -> None:
    path = write(tmp_path / "emb.csv", embeddings_table())
    runs = read_runs([path], columns={"N": "N_no_emb"})
    said = notes(runs)
    assert "warning: the table's C column does not match N: in web, C/(N·D) runs from " in said
    assert "falling with N over its 6 model sizes (Spearman ρ = -1.00)" in said
    assert "it follows column 'N' instead: C = 6·D × 'N' throughout" in said
    assert "Not used: C = 6·N·D in FLOPs for budgets, reach and N*" in said
    assert "C: the table's C column" not in said  # (the median was taken as the table's constant)
    frame = runs.frame
    assert frame["C"].to_list() == pytest.approx((6 * frame["N"] * frame["D"]).to_list(), rel=1e-12)
    # read with N as it is: C matches, and the hint that offers N_no_emb says what it does to C
    plain = notes(read_runs([path]))
    assert "C: the table's C column (C = 6·N·D in every row)" in plain
    assert (
        "(--column N=N_no_emb fits the laws on it; the table's C column was computed with column 'N': with "
        "N=N_no_emb, C/(N·D) follows the model size, and l2l takes C = 6·N·D instead)"
    ) in plain
    assert "does not match N" not in plain


def test_an_isoflop_grids_nominal_budgets_are_the_tables_c(tmp_path: Path) -> None:
    """Budgets rounded to a grid: C/(N·D) from about 5 to 7.5, with no trend in N: kept, its median said."""
    rng = np.random.default_rng(3)
    rows = ["dataset,N,D,C,eval,loss"]
    for c in (1e18, 3e18, 1e19, 3e19):
        for n in np.geomspace(2e7, 1e9, 6) * (c / 1e18) ** 0.1:
            d = c / (6 * n) * float(rng.uniform(0.8, 1.2))
            rows.append(f"web,{n:.4g},{d:.4g},{c:g},web_val,{2 + 400 / n**0.34 + 1800 / d**0.28:.5f}")
    path = write(tmp_path / "iso.csv", "\n".join(rows) + "\n")
    runs = read_runs([path])
    said = notes(runs)
    assert "does not match N" not in said
    assert "C: the table's C column, C/(N·D) from " in said
    assert runs.frame["C"].n_unique() == 4  # the nominal budgets, as given


def test_too_few_sizes_or_too_little_spread_say_nothing() -> None:
    def frame(ks: list[float]) -> pl.DataFrame:
        ns = [1e8 * 2**i for i in range(len(ks))]
        return pl.DataFrame({"dataset": "web", "N": ns, "D": [20 * n for n in ns]}).with_columns(
            (pl.Series(ks) * pl.col("N") * pl.col("D")).alias("C")
        )

    assert c_count_mismatch(frame([12.0, 6.0])) is None  # two sizes: always monotone
    assert c_count_mismatch(frame([7.0, 6.5, 6.2, 6.0])) is None  # 1.17×: within an overhead's reach
    assert c_count_mismatch(frame([6.0, 9.0, 6.5, 8.5])) is None  # 1.5×, no trend in N
    # C = 6·N·D (a blank C is filled so) tells nothing: one C given at the smallest model is no trend
    assert c_count_mismatch(frame([4.4, 6.0, 6.0, 6.0])) is None
    found = c_count_mismatch(frame([12.0, 9.0, 7.0, 6.5]))
    assert found is not None
    got = (found.dataset, found.sizes, found.k_small, found.k_large, found.rho)
    assert got == ("web", 4, 12.0, 6.5, -1.0)


@public
def test_misfitting_with_n_without_embeddings_uses_6nd() -> None:
    assert PUBLIC is not None
    path = PUBLIC / "misfitting_li2025.csv"
    runs = read_runs([path], best_of="peak_lr", columns={"N": "N_no_emb"})
    said = notes(runs)
    assert (
        "warning: the table's C column does not match N: in c4, C/(N·D) runs from 28.5 (N = 12M) to 7.08"
        in said
    )
    assert "over its 11 model sizes" in said
    assert "it follows column 'N' instead" in said
    assert "the median 13.9, would be off by up to 2.1×" in said
    frame = runs.frame
    assert frame["C"].to_list() == pytest.approx((6 * frame["N"] * frame["D"]).to_list(), rel=1e-12)
    plain = notes(read_runs([path], best_of="peak_lr"))
    assert "the table's C column was computed with column 'N': with N=N_no_emb" in plain
    assert "C: the table's C column (C = 6·N·D in every row)" in plain


@public
def test_porian_keeps_its_c_column() -> None:
    assert PUBLIC is not None
    runs = read_runs(
        [PUBLIC / "porian2024_rsld.csv"], where=["config=base|warmup=short|decay=kaplan|params=standard"]
    )
    said = notes(runs)
    assert "does not match N" not in said
    assert "C: the table's C column" in said
