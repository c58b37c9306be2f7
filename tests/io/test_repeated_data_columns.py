"""The repeated-data warning (a unique-token or epochs column) under the names tables give it, in other units,
and with advice that --where can follow (probe p65 D2 names, D5, D6)."""

from __future__ import annotations

from pathlib import Path

import pytest

from l2l.base.errors import InputError, UsageError
from l2l.io.selection import parse_where
from l2l.io.tables import read_runs
from tests.conftest import write

SIZES = (5e7, 1e8, 2e8, 4e8)


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def dc_table(column: str, unique: str = "2e9", fresh: str = "D") -> str:
    """dc: 2e9 unique tokens, D = 5·N to 80·N (its 4e8 model's 3.2e10 tokens: 16 epochs); fresh: every token new
    (its column: D, or ``fresh`` as written)."""
    rows = [f"dataset,N,D,eval,loss,{column}"]
    for ds, e in (("dc", 2.0), ("fresh", 2.05)):
        for n in SIZES:
            for k in (5, 20, 80):
                d = k * n
                u = unique if ds == "dc" else (f"{d:g}" if fresh == "D" else fresh)
                rows.append(f"{ds},{n:g},{d:g},{ds}_val,{e + 400 / n**0.3 + 800 / d**0.35:.5f},{u}")
    return "\n".join(rows) + "\n"


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("U", ("maybe_unique", 1.0)),
        ("UniqueTokens", ("unique", 1.0)),
        ("uniq_tokens", ("unique", 1.0)),
        ("tokens_unique", ("unique", 1.0)),
        ("unique_tokens_B", ("unique", 1e9)),
        ("unique tokens (M)", ("unique", 1e6)),
        ("train/epoch", ("epochs", 1.0)),
        ("passes", ("epochs", 1.0)),
        ("update", None),
        ("tokens", None),
    ],
)
def test_common_names_of_unique_tokens_and_epochs_are_recognised(name: str, kind: object) -> None:
    from l2l.io.columns import repeat_column  # (here: each test fails alone where it is missing)

    assert repeat_column(name) == kind


@pytest.mark.parametrize("column", ["U", "UniqueTokens", "uniq_tokens", "unique_tokens_B"])
def test_a_unique_token_column_under_a_common_name_gets_the_repeated_data_warning(
    tmp_path: Path, column: str
) -> None:
    """They were listed as columns not used, with no warning: the fit was silently as-if-fresh."""
    runs = read_runs([write(tmp_path / "dc.csv", dc_table(column))])
    assert f"warning: column {column!r} says " in notes(runs)
    assert "(up to 16 epochs)" in notes(runs)
    assert f"keep the single-pass runs with --where 'D<={column}'" in notes(runs)
    assert "once the column is in tokens" not in notes(
        runs
    )  # (unique_tokens_B holding tokens: read as tokens)


def test_a_unique_token_column_named_in_billions_is_read_in_billions(tmp_path: Path) -> None:
    runs = read_runs([write(tmp_path / "dc.csv", dc_table("unique_tokens_B", unique="2", fresh="1000"))])
    assert "column 'unique_tokens_B' says " in notes(runs)
    assert "(up to 16 epochs)" in notes(runs)  # 2 read as 2B by the name's B


def test_a_bare_u_that_cannot_count_unique_tokens_gives_no_warning(tmp_path: Path) -> None:
    """A bare U may be anything: below the smallest D (a utilisation 0.4) it is no count of unique tokens."""
    runs = read_runs([write(tmp_path / "u.csv", dc_table("U", unique="0.4", fresh="0.5"))])
    assert "repeat their data" not in notes(runs)


def test_a_unique_token_count_in_billions_gets_a_unit_hint_and_is_read_in_billions(tmp_path: Path) -> None:
    """unique_tokens = 2 for 2B said "up to 3.2e+10 epochs"."""
    table = dc_table("unique_tokens", unique="2", fresh="1000")
    said = notes(read_runs([write(tmp_path / "b.csv", table)]))
    assert "(up to 16 epochs; read as tokens it gives up to 1.6e+10 epochs" in said
    assert "give it in tokens (2 as 2B or 2e+09)" in said
    assert "is it counted in billions (values 2 to 1000" in said
    assert "3.2e+10" not in said


def test_the_repeated_data_advice_is_a_where_that_keeps_exactly_the_single_pass_runs(tmp_path: Path) -> None:
    path = write(tmp_path / "dc.csv", dc_table("unique_tokens"))
    said = notes(read_runs([path]))
    assert "keep the single-pass runs with --where 'D<=unique_tokens'" in said
    kept = read_runs([path], where=parse_where(["D<=unique_tokens"]))
    assert int(kept.frame.filter(kept.frame["dataset"] == "fresh").height) == 12  # every fresh run
    assert float(kept.frame.filter(kept.frame["dataset"] == "dc")["D"].max()) <= 2e9  # type: ignore[arg-type]
    assert "repeat their data" not in notes(kept)
    one = write(
        tmp_path / "one.csv",
        "".join(ln + "\n" for ln in dc_table("unique_tokens").splitlines() if "fresh" not in ln),
    )
    assert "keep the single-pass runs with --where 'D<=2B'" in notes(read_runs([one]))


def test_the_epochs_advice_keeps_fractional_passes(tmp_path: Path) -> None:
    rows = ["dataset,N,D,eval,loss,train/epoch"]
    for n in SIZES:
        for k, ep in ((5, 0.25), (20, 1.0), (80, 4.0)):
            rows.append(f"dc,{n:g},{k * n:g},dc_val,{2 + 400 / n**0.3 + 800 / (k * n) ** 0.35:.5f},{ep}")
    path = write(tmp_path / "ep.csv", "\n".join(rows) + "\n")
    assert "keep the single-pass runs with --where 'train/epoch<=1'" in notes(read_runs([path]))
    assert read_runs([path], where=parse_where(["train/epoch<=1"])).frame.height == 8


# ---- --where compares numbers ----------------------------------------------------------------------------


def test_where_compares_numbers_with_units_and_ranges(tmp_path: Path) -> None:
    """'D<=2e9' was split at its '=': "no column 'D<' to filter on"."""
    path = write(tmp_path / "dc.csv", dc_table("unique_tokens"))
    frame = read_runs([path], where=parse_where(["D<=2e9"])).frame
    assert float(frame["D"].max()) <= 2e9  # type: ignore[arg-type]
    assert read_runs([path], where=parse_where(["D<=2B"])).frame.height == frame.height
    assert (
        read_runs([path], where=parse_where(["D<2e9"])).frame.height < frame.height
    )  # (2e9 itself left out)
    both = read_runs([path], where=parse_where(["N>=1e8", "N<4e8"])).frame
    assert sorted(set(both["N"].to_list())) == [1e8, 2e8]
    assert read_runs([path], where=parse_where(["N>2e8"])).frame["N"].unique().to_list() == [4e8]


def test_a_where_comparison_on_text_or_with_no_number_is_a_usage_error(tmp_path: Path) -> None:
    path = write(tmp_path / "dc.csv", dc_table("unique_tokens"))
    with pytest.raises(
        UsageError, match=r"column 'dataset' of .*dc\.csv holds no numbers, and <= compares numbers"
    ):
        read_runs([path], where=parse_where(["dataset<=3"]))
    with pytest.raises(UsageError, match="'foo' is neither a number nor a column of"):
        read_runs([path], where=parse_where(["D<=foo"]))
    with pytest.raises(UsageError, match=r"expected COL=VALUE, COL!=VALUE, COL<X, COL<=X, COL>X or COL>=X"):
        parse_where(["D<="])
    with pytest.raises(UsageError, match="write the comparison as D<=2e9"):
        parse_where(["D=<2e9"])
    with pytest.raises(InputError, match="no column 'Dx'") as exc:
        read_runs([path], where=parse_where(["Dx<=3"]))
    assert exc.value.hint is not None
    assert "COL<=X" in exc.value.hint
