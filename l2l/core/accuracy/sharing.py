"""Pooled, shifted or separate: whether datasets share one accuracy curve, tested by the backtest and overruled
where one curve misses datasets systematically."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from l2l.base.errors import FitError
from l2l.base.schema import Pooling
from l2l.core.accuracy.backtest import _backtest_errors, _backtest_masks, _only_groups
from l2l.core.accuracy.ceiling import _ceiling_for_offsets, _CeilingChoice, _choose_ceiling
from l2l.core.accuracy.curves import _bic, _fit_design
from l2l.core.accuracy.law import SharingTest, dataset_offsets
from l2l.core.accuracy.settings import (
    BACKTEST_FRACTION,
    CEILING_OFFSETS_P,
    MIN_GROUP_RUNS,
    SHARING_BIC_MARGIN,
    SHARING_MARGIN,
    SHARING_UNINFORMATIVE,
    CurveSpec,
    Design,
    Labels,
    Points,
)
from l2l.core.predictability import MIN_SIGNAL_SD, Predictability


def _choose_design(
    spec: CurveSpec,
    pts: Points,
    grouped: bool,
    pooling: Pooling,
    sharing_test: Literal["backtest", "bic"],
    auto_ceiling: bool,
    pred: Predictability,
    per_group: Mapping[str, Predictability],
    check: bool,
) -> tuple[Design, SharingTest | None, _CeilingChoice | None, list[str]]:
    """The design: the one asked for, or under ``pooling="auto"`` the sharing test's (``_sharing_test``), one
    shape shifted by dataset where one curve misses datasets systematically, and one curve for every dataset where
    one per dataset would leave half of them without a prediction. With it the sharing test, the pooled curve's
    ceiling choice (for ``fit_accuracy`` to reuse, where the design is pooled) and the warnings it gives. ``spec``
    is the law's curves, its ceiling the one to fit with first (1 under ``auto_ceiling``; None: fitted)."""
    f, labels = spec.form, pts.labels
    if not grouped or len(labels) == 1 or pooling == "pooled":
        return "pooled", None, None, []
    if pooling in ("separate", "shifted"):
        return ("separate" if pooling == "separate" else "shifted"), None, None, []
    if sharing_test not in ("backtest", "bic"):
        raise FitError(f"unknown sharing test {sharing_test!r}; expected backtest or bic")
    pooled_choice: _CeilingChoice | None = None
    test_cap = spec.ceiling
    if auto_ceiling and f == "sigmoid":
        # both designs backtested with the ceiling the pooled curve's backtest chooses: at 1, a task that
        # levels off inside the sweep misses by ~9 points in either design, and the test compared noise
        pooled_choice = _choose_ceiling(pts, "pooled", spec.chance, spec.floor_mode, pred.noise_sd)
        test_cap = pooled_choice.cap
    sharing = _sharing_test(spec.at_ceiling(test_cap), pts, sharing_test)
    if test_cap is None:
        sharing = dataclasses.replace(
            sharing,
            reason=f"{sharing.reason} (both with a fitted ceiling, as the pooled curve's backtest chose)",
        )
    # the backtest scores the top of each dataset's runs; one curve that misses every run of some datasets by
    # more than their noise ranks the datasets by their losses alone (``DATASET_OFFSET_P``): one shape shifted
    # by dataset then, unless one curve per dataset beats it by the margin. Where it does not miss them, the
    # shift is not taken on the backtest alone (it moved a probe's one-curve tables and the paper's OpenBookQA,
    # whose held-out chain went from 2.09 to 2.32 points)
    _, fitted_p = _fit_design(spec.at_ceiling(test_cap), pts, "pooled")
    off = dataset_offsets(pts.y - fitted_p, pts.g, labels, pred.noise_sd)
    if off is not None and off.beyond(CEILING_OFFSETS_P) and pooled_choice is not None and test_cap == 1.0:
        # one curve with its ceiling at 1 misses the datasets that climb closest to a lower ceiling, the same
        # way: where a fitted ceiling meets every dataset, the ceiling is the cause, not the datasets
        # (``_ceiling_for_offsets``), and both designs are tested again with it
        lower = _ceiling_for_offsets(pts, spec.chance, spec.floor_mode, pred.noise_sd, off, pooled_choice)
        if lower is not None:
            how = " systematically" if off.systematic else ""
            pooled_choice, test_cap, off = lower, None, lower.offsets
            sharing = _sharing_test(spec.at_ceiling(None), pts, sharing_test)
            sharing = dataclasses.replace(
                sharing,
                reason=f"{sharing.reason} (both with a fitted ceiling: at 1, one curve missed datasets"
                f"{how}, as a ceiling below 100 % does)",
            )
    if off is not None and off.systematic:
        mh, ms = sharing.backtest_mae_shifted, sharing.backtest_mae_separate
        # (where no backtest compared them, the shift: the least change that meets the runs)
        beaten = f != "sigmoid" or (mh is not None and ms is not None and _beats(ms, mh))
        instead: Design = "separate" if beaten else "shifted"
        if instead != sharing.chosen:
            but = (
                "but one curve misses datasets systematically"
                if sharing.chosen == "pooled"
                else "one curve misses datasets systematically, and one curve per dataset does not beat one "
                "shape shifted by dataset by the margin"
            )
            sharing = dataclasses.replace(
                sharing,
                chosen=instead,
                reason=f"{sharing.reason}; {but}: {off.words}: {_verdict(instead)}",
            )
    # one curve per dataset predicts only the datasets whose own runs show the trend alone; where that leaves
    # half or more without a prediction, the test compared curves fitted to noise (a probe: 3 of 4 datasets
    # of 12 runs each then unpredicted, one true curve; on the paper's runs 1 of 6 at most, StarCoder's MMLU)
    # (judged by each dataset's own trend in either design: a shape shared by datasets at chance is the
    # pooled curve's; mmlu-like tables with one true curve otherwise went shifted and left two datasets out)
    alone = [lab for lab, p in per_group.items() if p.predictable]
    if sharing.chosen != "pooled" and check and per_group and 2 * len(alone) <= len(per_group):
        which = f"only {', '.join(alone)}" if alone else "none"
        each = "midpoint" if sharing.chosen == "shifted" else "curve"
        sharing = dataclasses.replace(
            sharing,
            chosen="pooled",
            reason=f"{sharing.reason}; but one {each} per dataset would predict {which} of {len(per_group)} "
            "datasets (the others' own runs show no trend alone): one curve for every dataset",
        )
    if sharing.chosen != "pooled":
        return sharing.chosen, sharing, None, []
    return (
        "pooled",
        sharing,
        pooled_choice,
        [
            f"{k}: predicted by the pooled curve, not tested against a curve of its own: {why}"
            for k, why in sharing.untested.items()
        ],
    )


def _too_few_for_own(g: Labels, labels: Sequence[str]) -> dict[str, str]:
    """The datasets with too few runs for a curve of their own (``MIN_GROUP_RUNS``), each with why; all of them
    too few is an error."""
    counts = np.bincount(g, minlength=len(labels))
    left_out = {
        lab: f"{int(counts[k])} runs, too few for a curve of its own (a per-dataset accuracy law needs at "
        f"least {MIN_GROUP_RUNS})"
        for k, lab in enumerate(labels)
        if counts[k] < MIN_GROUP_RUNS
    }
    if len(left_out) == len(labels):
        raise FitError(
            f"no dataset has the {MIN_GROUP_RUNS} runs a per-dataset accuracy law needs ("
            + ", ".join(f"{lab}: {int(counts[k])}" for k, lab in enumerate(labels))
            + ")",
            hint="fit one curve for every dataset (pooling: pooled)",
        )
    return left_out


def _predicts_alone(p: Predictability, design: Design) -> bool:
    """Whether a dataset's own runs carry its part of a per-dataset design: a curve of its own needs their own
    trend (``separate``); a midpoint of its own on the shape every dataset shares (``shifted``) needs them only to
    rise above chance by the noise (a probe's recipe of 8 runs, ρ −0.88 at p 0.004, was refused a prediction)."""
    if design == "shifted":
        return p.predictable or p.signal >= MIN_SIGNAL_SD * p.noise_sd
    return p.predictable


def _sharing_test(spec: CurveSpec, pts: Points, method: Literal["backtest", "bic"]) -> SharingTest:
    """Pooled against separate, on the datasets with the runs for a curve of their own in the test (every run for
    ``bic``; the lower half of each dataset's runs the backtest fits on): the others are left out of the test
    (``untested``). With fewer than two datasets left, nothing is tested: pooled (the default on a tie)."""
    g, labels = pts.g, pts.labels
    counts = np.bincount(g, minlength=len(labels))
    if method == "bic":
        n_fit = counts
    else:
        train, _ = _backtest_masks(pts.x, g, len(labels), pts.order)
        n_fit = np.bincount(g[train], minlength=len(labels))
    untested = {
        lab: (
            f"{int(counts[k])} runs; a curve of its own needs at least {MIN_GROUP_RUNS}"
            if method == "bic"
            else f"{int(counts[k])} runs, {int(n_fit[k])} in the lower half the backtest fits on; a curve of "
            f"its own needs at least {MIN_GROUP_RUNS} there"
        )
        for k, lab in enumerate(labels)
        if n_fit[k] < MIN_GROUP_RUNS
    }
    names = ", ".join(untested)
    if not untested:
        return _test_sharing(spec, pts, method)
    tested = [k for k, lab in enumerate(labels) if lab not in untested]
    if len(tested) < 2:
        cp, _ = _fit_design(spec, pts, "pooled")
        have = f"only {labels[tested[0]]} has" if tested else "none has"
        reason = (
            f"not tested: comparing one curve per dataset with one for every dataset takes two datasets with the "
            f"runs for a curve of their own, and {have} them ({names}: too few runs); one curve for every "
            "dataset, assumed"
        )
        bic_p = _bic(cp[0].rss, len(pts.y), cp[0].n_free)
        return SharingTest("pooled", reason, method, cp[0].rss, None, bic_p, None, None, None, 0, untested)
    keep, g_tested = _only_groups(g, tested)
    sub = _test_sharing(spec, pts.take(keep, g_tested, [labels[k] for k in tested]), method)
    tail = f"; {names} left out of the test (too few runs)" + (
        f": the pooled curve is assumed for {'it' if len(untested) == 1 else 'them'}"
        if sub.chosen == "pooled"
        else ""
    )
    return dataclasses.replace(sub, reason=sub.reason + tail, untested=untested)


def _test_sharing(spec: CurveSpec, pts: Points, method: Literal["backtest", "bic"]) -> SharingTest:
    """The sharing test on datasets that each have the runs for a curve of their own in it."""
    form, n = spec.form, len(pts.y)
    cp, _ = _fit_design(spec, pts, "pooled")
    cs, _ = _fit_design(spec, pts, "separate")
    rss_p, rss_s = cp[0].rss, sum(c.rss for c in cs)
    bic_p = _bic(rss_p, n, cp[0].n_free)
    bic_s = _bic(rss_s, n, sum(c.n_free for c in cs))
    if method == "bic":
        chosen: Design = _bic_choice(bic_p, bic_s, 0.0)
        reason = f"BIC {bic_p:.1f} pooled against {bic_s:.1f} separate: {_verdict(chosen)}"
        return SharingTest(chosen, reason, "bic", rss_p, rss_s, bic_p, bic_s, None, None, 0)
    train, test = _backtest_masks(pts.x, pts.g, len(pts.labels), pts.order)
    designs: list[Design] = ["pooled", "shifted", "separate"] if form == "sigmoid" else ["pooled", "separate"]
    mae = {d: float(np.mean(np.abs(_backtest_errors(spec, pts, d, train, test)))) for d in designs}
    mp, ms, mh = mae["pooled"], mae["separate"], mae.get("shifted")
    # informative where one of the two designs it compares holds: the shifted one within 10 points alone made a
    # test of separate against pooled that both miss by more than 10 "informative" (``SHARING_UNINFORMATIVE``)
    informative = min(mp, ms) <= SHARING_UNINFORMATIVE
    if informative:
        # one curve per dataset where it beats one curve for every dataset by the margin; one shape shifted by
        # dataset is scored beside them (``fit_accuracy`` takes it where one curve misses datasets systematically)
        chosen = "separate" if _beats(ms, mp) else "pooled"
        said = ", ".join(
            f"{100 * mae[d]:.2f}{' points' if i == 0 else ''} {d}" for i, d in enumerate(designs)
        )
        why = (
            f"backtest (fit on the lower half of each dataset's runs, test on its top "
            f"{int(100 * BACKTEST_FRACTION)} %): mean absolute error {said}"
            + (
                f" (one curve per dataset must win by {100 * SHARING_MARGIN:.0f} %)"
                if chosen == "pooled" and ms < mp
                else ""
            )
        )
    else:
        chosen = _bic_choice(bic_p, bic_s, SHARING_BIC_MARGIN)
        why = (
            f"backtest (fit on the lower half of each dataset's runs) uninformative: both designs miss by more than "
            f"{100 * SHARING_UNINFORMATIVE:.0f} points ({100 * mp:.2f} pooled, {100 * ms:.2f} separate: the lower "
            f"half does not show the rise{_shifted_aside(mh)}); BIC on every run {bic_p:.1f} pooled against "
            f"{bic_s:.1f} separate"
            + (
                f" (one curve per dataset must lower it by more than {SHARING_BIC_MARGIN:.0f})"
                if chosen == "pooled" and bic_s < bic_p
                else ""
            )
        )
    return SharingTest(
        chosen,
        f"{why}{'; ' if informative else ': '}{_verdict(chosen)}",
        "backtest" if informative else "bic",
        rss_p,
        rss_s,
        bic_p,
        bic_s,
        mp,
        ms,
        int(test.sum()),
        backtest_mae_shifted=mh,
    )


def _shifted_aside(mh: float | None) -> str:
    """Where one shape shifted by dataset held the backtest that both compared designs missed, the words that say
    so (it is not one of them: only the offsets override takes it)."""
    if mh is None or mh > SHARING_UNINFORMATIVE:
        return ""
    return f"; {100 * mh:.2f} shifted, not one of the two compared"


def _bic_choice(bic_p: float, bic_s: float, margin: float) -> Design:
    """Pooled, unless one curve per dataset lowers the BIC by more than ``margin``."""
    return "separate" if bic_s < bic_p - margin else "pooled"


def _beats(a: float, b: float) -> bool:
    """Whether backtest error ``a`` beats ``b`` by the margin a design with more curves needs
    (``SHARING_MARGIN`` of ``b``, and 0.1 points)."""
    return a <= b - max(1e-3, SHARING_MARGIN * b)


def _verdict(chosen: str) -> str:
    return {
        "pooled": "one curve for every dataset",
        "shifted": "one shape for every dataset, shifted by dataset",
    }.get(chosen, "the datasets' curves differ")
