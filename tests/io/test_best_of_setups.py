"""``--best-of`` over values that never meet at one (dataset, N, D): separate setups, not a sweep (probe h3: Porian
et al.'s configurations count N three ways, their N values disjoint, and ``--best-of config`` kept them all in one
law, nothing said). Said where the groups' runs interleave in N; an envelope (small models tuned with one value,
large ones with another) stays silent; the refusal offers no ``--best-of`` for such a column."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest

from l2l.base.errors import InputError
from l2l.io.selection import disjoint_setups
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


def notes(runs: object) -> str:
    return "\n".join(line for p in runs.provenance for line in p.get("decisions", []))  # type: ignore[attr-defined]


def loss(n: float, d: float, shift: float = 0.0) -> float:
    return 2.0 + shift + 400 / n**0.34 + 1800 / d**0.28


def table(cells: Sequence[tuple[float, float, str]]) -> str:
    rows = ["dataset,N,D,eval,loss,config"]
    rows += [f"web,{n:g},{d:g},web_val,{loss(n, d, 0.01 * len(cfg)):.5f},{cfg}" for n, d, cfg in cells]
    return "\n".join(rows) + "\n"


#: Two conventions of counting N (Porian's params=standard and params=kaplan): each holds two configurations that
#: meet at every cell of its own, and the conventions' N values are disjoint but interleave.
STANDARD = (5e7, 1e8, 2e8, 4e8)
KAPLAN = (4e7, 8e7, 1.6e8, 3.2e8)
INTERLEAVED = [
    (n, r * n, cfg)
    for ns, cfgs in ((STANDARD, ("base|std", "tuned|std")), (KAPLAN, ("base|kap", "tuned|kap")))
    for n in ns
    for r in (10, 20)
    for cfg in cfgs
]


def test_values_that_never_meet_and_interleave_in_n_are_warned_of(tmp_path: Path) -> None:
    path = write(tmp_path / "two_counts.csv", table(INTERLEAVED))
    runs = read_runs([path], best_of="config")
    assert runs.frame.height == 16  # every cell kept: nothing was chosen between the conventions
    said = notes(runs)
    assert (
        "warning: --best-of config: its values never meet at one (dataset, N, D) in groups whose runs" in said
    )
    assert (
        "web: 2 groups: base|kap, tuned|kap (8 runs, N 40M-320M); base|std, tuned|std (8 runs, N 50M-400M)"
        in (said)
    )
    assert "the runs kept are separate setups fitted into one law, not a choice among the same models" in said
    assert "keep one with --where 'config=base|kap'" in said
    # without --best-of the refusal offers the filter, and says why --best-of is no fix here
    with pytest.raises(InputError, match="differ in config") as exc:
        read_runs([path])
    hint = exc.value.hint or ""
    assert hint.startswith("keep one with --where 'config=")
    assert "or the best run of each (dataset, N, D) with --best-of config" not in hint
    assert "--best-of config is no fix: its values never meet at one (dataset, N, D)" in hint


def test_an_envelope_of_values_by_model_size_is_not_warned_of(tmp_path: Path) -> None:
    """Small models swept over two learning rates, large ones over two others: two groups that never meet, split
    by model size, not interleaved: the sweep's envelope, said as before."""
    cells = [
        (n, r * n, lr)
        for ns, lrs in (((5e7, 1e8), ("2e-3", "4e-3")), ((2e8, 4e8), ("5e-4", "1e-3")))
        for n in ns
        for r in (10, 20)
        for lr in lrs
    ]
    path = write(tmp_path / "envelope.csv", table(cells))
    runs = read_runs([path], best_of="config")
    assert runs.frame.height == 8
    said = notes(runs)
    assert "--best-of config: at each (dataset, N, D) kept the run whose config gives the lowest loss" in said
    assert "never meet" not in said
    with pytest.raises(InputError) as exc:
        read_runs([path])
    assert "or the best run of each (dataset, N, D) with --best-of config" in (exc.value.hint or "")


def test_groups_of_one_model_size_each_never_interleave(tmp_path: Path) -> None:
    """Runs repeated at one cell each (DCLM's run ids): each group holds one N, and nothing is said."""
    cells = [(n, 20 * n, f"r{n:g}{k}") for n in STANDARD for k in "ab"]
    path = write(tmp_path / "ids.csv", table(cells))
    runs = read_runs([path], best_of="config")
    assert runs.frame.height == 4
    assert "never meet" not in notes(runs)


def test_the_components_and_their_n_ranges() -> None:
    import polars as pl

    frame = pl.DataFrame(
        [{"dataset": "web", "N": n, "D": d, "config": c} for n, d, c in INTERLEAVED]
        + [{"dataset": "code", "N": n, "D": 20 * n, "config": "base|std"} for n in STANDARD]
    )
    (found,) = disjoint_setups(frame, ["config"])  # code has one value: one group
    assert found.dataset == "web"
    assert [(g.values, g.runs, g.n_lo, g.n_hi) for g in found.groups] == [
        ((("base|kap",), ("tuned|kap",)), 8, 4e7, 3.2e8),
        ((("base|std",), ("tuned|std",)), 8, 5e7, 4e8),
    ]


@pytest.mark.skipif(PUBLIC is None, reason="../shared/data/public/ is not beside this checkout")
def test_porian_best_of_config_says_its_three_counts_of_n_are_separate_setups() -> None:
    assert PUBLIC is not None
    path = PUBLIC / "porian2024_rsld.csv"
    with pytest.raises(InputError, match="differ in config") as exc:
        read_runs([path])
    hint = exc.value.hint or ""
    assert "keep one with --where 'config=base|warmup=long|decay=kaplan|params=standard'" in hint
    assert "or the best run of each (dataset, N, D) with --best-of config" not in hint
    assert "--best-of config is no fix" in hint
    runs = read_runs([path], best_of="config")
    said = notes(runs)
    assert "warning: --best-of config: its values never meet at one (dataset, N, D)" in said
    # rw: params=standard, params=attention and params=kaplan, each its own group; owt2: standard and kaplan
    assert "rw: 3 groups: " in said
    assert "(4 values; 134 runs, N 5.17M-902M)" in said
    assert "owt2: 2 groups: " in said
    assert "keep one with --where 'config=base|warmup=long|decay=kaplan|params=standard'" in said
    # one configuration: nothing to say
    one = read_runs([path], where=["config=base|warmup=short|decay=kaplan|params=standard"])
    assert "never meet" not in notes(one)
