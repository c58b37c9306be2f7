"""Which (source, target) pairs the translation backtests score."""

from __future__ import annotations

from collections import Counter

from l2l.core.backtest import MAX_TRANSLATION_SOURCES, _partners


def test_every_ordered_pair_of_a_few_datasets_is_backtested_in_table_order() -> None:
    names = ["web", "books", "code"]
    notes: list[str] = []
    assert _partners(names, notes) == [
        ("web", "books"), ("web", "code"), ("books", "web"), ("books", "code"), ("code", "web"), ("code", "books")
    ]  # fmt: skip
    assert notes == []


def test_many_datasets_each_take_a_bounded_number_of_sources_and_say_so() -> None:
    """200 datasets were 39,800 translations at each cutoff, and fit-law printed nothing for five minutes (probe
    h55); each target now takes the next MAX_TRANSLATION_SOURCES in name order, each dataset as often a source."""
    names = [f"d{i:03d}" for i in range(200)][::-1]
    notes: list[str] = []
    pairs = _partners(names, notes)
    k = MAX_TRANSLATION_SOURCES
    assert len(pairs) == 200 * k == len(set(pairs))
    assert all(a != b for a, b in pairs)
    assert set(Counter(a for a, _ in pairs).values()) == {k}
    assert set(Counter(b for _, b in pairs).values()) == {k}
    assert [a for a, b in pairs if b == "d199"] == [f"d{i:03d}" for i in range(k)]
    assert notes == [
        f"translations backtested from {k} sources of each of the 200 datasets (the next {k} in name order), not "
        "from all 199: the pairs grow with the square of the datasets"
    ]
