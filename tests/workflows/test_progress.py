"""What a long command shows while it works: one stage at a time, each with its own label and count, never going
back and never full while work of the stage goes on."""

from __future__ import annotations

from typing import Any

from l2l.core.fit import FitOptions
from l2l.workflows.lawbook import fit_laws


def test_fit_progress_counts_each_stage_once_and_never_goes_back(synthetic_runs: Any) -> None:
    """A cold `fit-law` under --form auto counted Eq. 3's fits, then Eq. 1's from 0 again under the same label
    (84/168 → 18/168), then sat at 168/168 through the backtests, half the run (p57 #7)."""
    calls: list[tuple[int, int, str | None]] = []

    def record(done: int, total: int, stage: str | None = None, /) -> None:
        calls.append((done, total, stage))

    out = fit_laws(
        synthetic_runs, evals="all", split="sweep", options=FitOptions(form="auto"), progress=record
    )
    laws = len(out.keys)
    stages = [stage for _, _, stage in calls if stage is not None]
    assert stages == [
        f"fitting {laws} laws, 2 forms each",
        f"backtesting {len(synthetic_runs.evals) + 1} groups",
    ]
    for stage in stages:  # each stage counts from 0 to its total, never back
        i = next(i for i, c in enumerate(calls) if c[2] == stage)
        part = [calls[i]]
        for c in calls[i + 1 :]:
            if c[2] is not None:
                break
            part.append(c)
        done = [d for d, _, _ in part]
        assert done[0] == 0
        assert done == sorted(done)
        assert done[-1] == part[0][1]
        assert {t for _, t, _ in part} == {part[0][1]}
    assert calls[: 1 + 2 * laws][-1][:2] == (2 * laws, 2 * laws)  # both forms' fits on the one bar
