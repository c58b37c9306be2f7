"""Legends and axis titles say what is drawn, at a width that leaves the panels their room (probe h60): a
96-character dataset name was one legend line wider than the panel beside it, and the budgets view of the ranking
named dashed lines ("dashed: the winner changes") that were not drawn."""

from __future__ import annotations

import dataclasses
from typing import Any

import polars as pl
import pytest

from l2l.base.runs import Runs
from l2l.workflows.translate import TranslationResult, translate

LONG = "a-very-long-dataset-name-with-many-parts/fineweb_edu_dedup_filtered_v2.1-extra-long-suffix"


@pytest.fixture(scope="module")
def runs(synthetic_runs: Runs) -> Runs:
    """The synthetic sample, read once for the session (``tests/conftest.py``)."""
    return synthetic_runs


@pytest.fixture(scope="module")
def results(runs: Runs) -> list[TranslationResult]:
    return translate(runs, src="alpha", tgts=["beta", "gamma"], kind="train-train", split="sweep", workers=1)


def _colour_scale(fig: Any) -> Any:
    (scale,) = [s for s in fig.scales if type(s).__name__ == "scale_color_manual"]
    return scale


def test_a_long_target_name_wraps_in_the_legend_and_the_legend_is_as_wide_as_its_longest_line(
    results: list[TranslationResult],
) -> None:
    from l2l.output.plots import figure_size, translate_figure
    from l2l.output.plots.common import LEGEND_LABEL_WIDTH

    long = [dataclasses.replace(results[0], spec=dataclasses.replace(results[0].spec, tgt=LONG)), results[1]]
    fig = translate_figure(long, fit_split="sweep")
    scale = _colour_scale(fig)
    assert list(scale.breaks) == [LONG, "gamma"] or list(scale.breaks) == ["gamma", LONG]
    (wrapped,) = [label for label in scale.labels if "\n" in label]
    lines = wrapped.split("\n")
    assert lines == [
        "a-very-long-dataset-name-with-",
        "many-parts/fineweb_edu_dedup_",
        "filtered_v2.1-extra-long-suffix",
    ]
    assert all(len(line) <= LEGEND_LABEL_WIDTH for line in lines)
    # one panel (4 × 1.3 = 5.2 in) and a legend of 31-character lines (0.8 + 0.07 × 31 = 2.97 in): 8.17 in, where
    # the one 91-character line took 0.8 + 0.07 × 91 = 7.17 in, wider than the panel
    assert figure_size(fig)[0] == pytest.approx(5.2 + 0.8 + 0.07 * 31)


def test_the_budgets_view_names_dashes_only_where_the_winner_changes(runs: Runs) -> None:
    from l2l.output.plots import rank_budget_figure, rank_budget_figure_data
    from l2l.workflows.rank import rank_runs

    ranking = rank_runs(runs, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    data = rank_budget_figure_data(ranking)
    assert data.flips.empty  # one winner across the two decades
    assert rank_budget_figure(ranking).labels.x == "compute C (FLOPs); dotted: the budget"
    (t,) = ranking.targets
    assert t.curve


def test_a_long_dataset_name_wraps_in_the_budgets_legend(runs: Runs) -> None:
    from l2l.output.plots import rank_budget_figure
    from l2l.workflows.rank import rank_runs

    frame = runs.frame.with_columns(pl.col("dataset").replace({"alpha": LONG}))
    own = {LONG if name == "alpha" else name: ev for name, ev in runs.own_eval.items()}
    renamed = dataclasses.replace(runs, frame=frame, own_eval=own, own_eval_how={})
    ranking = rank_runs(renamed, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    labels = list(_colour_scale(rank_budget_figure(ranking)).labels)
    assert (
        "a-very-long-dataset-name-with-\nmany-parts/fineweb_edu_dedup_\nfiltered_v2.1-extra-long-suffix"
        in labels
    )
    assert {"beta", "gamma"} <= set(labels)


def test_the_budgets_view_wraps_a_caption_that_names_a_long_winner(runs: Runs) -> None:
    """h60: the caption naming the winner by a long name ran on one line and made the figure 12 in wide; it is
    wrapped as the ranking figure's is (``CAPTION_CHARS``)."""
    from l2l.output.plots import rank_budget_figure
    from l2l.output.plots.rank import CAPTION_CHARS
    from l2l.workflows.rank import rank_runs

    long = "the-winner-" + "-".join(f"part{i}" for i in range(30))
    frame = runs.frame.with_columns(pl.col("dataset").replace({"beta": long}))
    own = {long if name == "beta" else name: ev for name, ev in runs.own_eval.items()}
    renamed = dataclasses.replace(runs, frame=frame, own_eval=own, own_eval_how={})
    ranking = rank_runs(renamed, ["downstream/quiz"], C=1e21, split="sweep", draws=100)
    caption = str(rank_budget_figure(ranking).labels.caption)
    assert "the-winner-" in caption
    assert max(len(line) for line in caption.splitlines()) <= CAPTION_CHARS


def test_a_law_on_a_bound_of_its_box_says_so_in_its_panel_title(runs: Runs) -> None:
    """A law fitted to noise ended with B and β on the edges of their box (fit-law: "bound:B,β; poor law"); the
    law figure drew its flat bands and its N* on the box's edge under a title like any other's."""
    from l2l.output.plots import law_figure_data
    from l2l.output.plots.common import fit_titles
    from l2l.workflows.lawbook import fit_laws

    fits = [r for r in fit_laws(runs, split="sweep", workers=1).results if not isinstance(r, Exception)]
    assert [f.at_bounds for f in fits] == [(), (), ()]
    flagged = [dataclasses.replace(fits[0], at_bounds=("B", "beta")), *fits[1:]]
    assert fit_titles(flagged, runs.own_eval) == ["alpha (bound: B, β)", "beta", "gamma"]
    panels = law_figure_data(runs, flagged, split="sweep").panels
    assert panels[0].startswith("alpha (bound: B, β)\n")


def test_the_law_figure_labels_no_compute_tick_on_the_edge_of_its_panels(runs: Runs) -> None:
    """Runs up to 5e19 put the grid's right edge at 20 × 5e19 = 1e21 exactly, and its tick label, centred on the
    edge of a panel drawn without padding, ran into the next panel's first one ("1e211e16", Porian et al.)."""
    from l2l.output.plots import law_figure, law_figure_data
    from l2l.output.plots.laws import inner_log_ticks
    from l2l.workflows.lawbook import fit_laws

    sweep = dataclasses.replace(runs, frame=runs.frame.filter(pl.col("C") < 1e21))
    fits = [r for r in fit_laws(sweep, split="sweep", workers=1).results if not isinstance(r, Exception)]
    lo, hi = law_figure_data(sweep, fits, split="sweep").c_range
    assert (lo, hi) == pytest.approx((2e17 / 1.5, 1e21))
    (x,) = [s for s in law_figure(sweep, fits, split="sweep").scales if "x" in s.aesthetics]
    assert list(x.breaks) == pytest.approx([1e18, 1e19, 1e20])
    assert inner_log_ticks(8.33e15, 1e21) == pytest.approx([1e17, 1e18, 1e19, 1e20])  # Porian et al.'s grid
    assert inner_log_ticks(2e17 / 1.5, 1.5e21) == pytest.approx(
        [1e18, 1e19, 1e20, 1e21]
    )  # the paper's: as it was
