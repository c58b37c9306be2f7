"""``evaluate``'s answer kept in the workspace: a warm ``l2l evaluate`` reads its Table 1 instead of making it again.

The answer is keyed by a sha256 of exactly what it was computed from: the runs (``Runs.digest``: the table and the
own evals), every option of the question (held-out runs, test and downstream evals, fit options, level, pairing
tolerance), and what computed it (``caches.code_digest``: l2l's source and its numeric libraries' versions, and
``FORMAT`` here). A changed run, option or line of code is another key: a stale answer is never served. The answer
is encoded exactly (floats by repr, so the output of a served answer is the computed one's byte for byte), each
interval shared by several predictions once.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import fields
from typing import TYPE_CHECKING, Any, overload

from l2l.core.predictive import PredictiveInterval
from l2l.io.caches import plain_scalar
from l2l.workflows.evaluate import Evaluation, HeldOutPrediction, SettingSummary, Skip
from l2l.workflows.translate import LossToLoss

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.fit import FitOptions

__all__ = [
    "EVALUATION_ANSWER",
    "FORMAT",
    "KeptPredictions",
    "decode_evaluation",
    "encode_evaluation",
    "evaluation_key",
]

EVALUATION_ANSWER = "evaluation"
#: the encoding below (a new one is a new key, never a misread old file)
FORMAT = 1


def evaluation_key(
    runs: Runs,
    *,
    holdout_split: str | None,
    holdout_top_compute: int | None,
    test: Sequence[str],
    downstream: Sequence[str],
    options: FitOptions,
    level: float | None,
    rtol: float,
) -> str:
    """The key of the evaluation of ``runs`` with these options (``evaluate``'s arguments but the workers and
    caches, which change how fast it is made, not what it is)."""
    from l2l.io.caches import code_digest

    what = {
        "answer": EVALUATION_ANSWER,
        "format": FORMAT,
        "code": code_digest(),
        "runs": runs.digest,
        "holdout_split": holdout_split,
        "holdout_top_compute": holdout_top_compute,
        "test": list(test),
        "downstream": list(downstream),
        "options": {f.name: getattr(options, f.name) for f in fields(options)},
        "level": level,
        "rtol": rtol,
    }
    text = json.dumps(what, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def encode_evaluation(ev: Evaluation) -> bytes:
    """``ev`` as the bytes ``decode_evaluation`` rebuilds it from exactly: a line of everything but the
    predictions, then a line of the predictions and their intervals."""
    intervals: list[list[object]] = []
    index: dict[int, int] = {}

    def interval(pi: PredictiveInterval | None) -> int | None:
        if pi is None:
            return None
        at = index.get(id(pi))
        if at is None:
            at = index[id(pi)] = len(intervals)
            intervals.append(
                [
                    pi.estimate,
                    pi.lo,
                    pi.hi,
                    pi.level,
                    pi.distance,
                    pi.method,
                    pi.lower_bound_only,
                    pi.raw,
                    pi.sd_param,
                    list(pi.notes),
                ]
            )
        return at

    predictions = [
        [
            p.setting,
            p.src,
            p.tgt,
            p.eval,
            p.N,
            p.D,
            p.actual,
            p.independent,
            p.loss_to_loss,
            p.source_loss,
            list(p.notes),
            [[s.method, s.reason, s.detail] for s in p.skips],
            p.combined,
            interval(p.interval_independent),
            interval(p.interval_loss_to_loss),
            interval(p.interval_combined),
        ]
        for p in ev.predictions
    ]
    head = {
        "format": FORMAT,
        "holdout": ev.holdout,
        "n_heldout_runs": ev.n_heldout_runs,
        "test_evals": list(ev.test_evals),
        "downstream_evals": list(ev.downstream_evals),
        "notes": list(ev.notes),
        "summary": [{f.name: getattr(s, f.name) for f in fields(s)} for s in ev.summary],
        "translations": [{f.name: getattr(t, f.name) for f in fields(t)} for t in ev.translations],
        "n_predictions": len(predictions),
    }
    rows = {"intervals": intervals, "predictions": predictions}
    # NaN and ±inf as JSON's common extension (this file is l2l's own: Python reads them back exactly)
    return b"\n".join(
        json.dumps(part, separators=(",", ":"), allow_nan=True, default=plain_scalar).encode()
        for part in (head, rows)
    )


def _translation(kept: dict[str, Any]) -> LossToLoss:
    lo, hi = kept["x_range"]
    return LossToLoss(**{**kept, "x_range": (lo, hi), "warnings": tuple(kept["warnings"])})


def _predictions(rows: bytes) -> tuple[HeldOutPrediction, ...]:
    doc: Any = json.loads(rows)
    ivs = [
        PredictiveInterval(e, lo, hi, lv, dist, m, low, raw, sd, tuple(notes))
        for e, lo, hi, lv, dist, m, low, raw, sd, notes in doc["intervals"]
    ]
    return tuple(
        HeldOutPrediction(
            setting,
            src,
            tgt,
            ev,
            n,
            d,
            actual,
            ind,
            l2l,
            x0,
            tuple(notes),
            tuple(Skip(m, r, why) for m, r, why in skips),
            comb,
            None if i is None else ivs[i],
            None if j is None else ivs[j],
            None if k is None else ivs[k],
        )
        for setting, src, tgt, ev, n, d, actual, ind, l2l, x0, notes, skips, comb, i, j, k in doc[
            "predictions"
        ]
    )


class KeptPredictions(Sequence[HeldOutPrediction]):
    """The predictions of a kept evaluation, decoded on first use: a warm ``l2l evaluate`` prints the summary and
    never builds its thousands of predictions (``--detail`` and the figure do, once)."""

    __slots__ = ("_made", "_n", "_rows")

    def __init__(self, rows: bytes, n: int) -> None:
        self._rows: bytes | None = rows
        self._n = n
        self._made: tuple[HeldOutPrediction, ...] | None = None

    def _all(self) -> tuple[HeldOutPrediction, ...]:
        if self._made is None:
            assert self._rows is not None
            self._made, self._rows = _predictions(self._rows), None
            if len(self._made) != self._n:
                raise ValueError(f"a kept evaluation holds {len(self._made)} predictions, not {self._n}")
        return self._made

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, i: int) -> HeldOutPrediction: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[HeldOutPrediction, ...]: ...
    def __getitem__(self, i: int | slice) -> HeldOutPrediction | tuple[HeldOutPrediction, ...]:
        return self._all()[i]

    def __iter__(self) -> Iterator[HeldOutPrediction]:
        return iter(self._all())

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and self._all() == tuple(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"KeptPredictions({self._n} predictions)"


def decode_evaluation(body: bytes) -> Evaluation | None:
    """The evaluation ``encode_evaluation`` made ``body`` from (its predictions decoded on first use); None when
    ``body`` is not one."""
    first, _, rows = body.partition(b"\n")
    try:
        head: Any = json.loads(first)
        if head["format"] != FORMAT:
            return None
        return Evaluation(
            predictions=KeptPredictions(rows, int(head["n_predictions"])),
            summary=tuple(SettingSummary(**s) for s in head["summary"]),
            n_heldout_runs=head["n_heldout_runs"],
            holdout=head["holdout"],
            test_evals=tuple(head["test_evals"]),
            downstream_evals=tuple(head["downstream_evals"]),
            notes=tuple(head["notes"]),
            translations=tuple(_translation(t) for t in head["translations"]),
        )
    except (KeyError, TypeError, ValueError, RecursionError):
        return None
