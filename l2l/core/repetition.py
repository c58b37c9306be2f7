"""Repeated data: a prediction at a D beyond the distinct tokens a dataset holds.

Every law of l2l takes D as tokens seen, each as good as new. A dataset with U unique tokens gives D > U only by
repeating them, and repeated tokens are worth less (Muennighoff et al. 2023: the effective data grows ever more
slowly with each pass). A law fitted on fresh runs, or on runs that made a few passes, says nothing of more passes
than its runs made: a prediction there is beyond the evidence, its interval a lower bound, and an optimum D* beyond U
is no optimum of the data there is (a probe: D* = 39 passes over 3B unique tokens, its loss 2.6 % above the
prediction and outside its interval; the ranking's winner the wrong one). No data-constrained law is fitted: l2l says
where the fresh-data law is asked past its runs' passes, and how far.

Pure: numbers in, frozen results out.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any, Final

from l2l.base.text import fmt_si
from l2l.core.predictive import PredictiveInterval

__all__ = [
    "PASSES_WORDS",
    "PASS_TOLERANCE",
    "Repetition",
    "is_repetition_note",
    "repeated_interval",
    "repetition_at",
]

#: Passes within this share of one (or of the most the fitted runs made) are those passes: a D given to a few
#: digits, or a unique-token count rounded, is no repetition.
PASS_TOLERANCE: Final = 0.02

#: The words every note of a repetition carries (``Repetition.reason``): how a command finds them among the others.
PASSES_WORDS: Final = "passes over the unique tokens"


@dataclass(frozen=True)
class Repetition:
    """How often a prediction at ``D`` repeats ``dataset``'s ``unique_tokens``, beside the most passes its law's
    runs made (``swept_passes``; at most 1: they saw fresh data only)."""

    dataset: str
    D: float
    unique_tokens: float
    swept_passes: float

    @property
    def passes(self) -> float:
        """D over the unique tokens: the passes a run at D makes over its dataset."""
        return self.D / self.unique_tokens

    @property
    def beyond(self) -> bool:
        """Whether the prediction repeats the data more than any run its law was fitted on did (any repetition,
        where those runs saw fresh data only): beyond the evidence."""
        return self.passes > max(1.0, self.swept_passes) * (1.0 + PASS_TOLERANCE)

    @property
    def reason(self) -> str:
        """``D = 39 passes over the unique tokens; the law assumes fresh data``, and what its runs made."""
        swept = (
            "its runs saw each token once"
            if self.swept_passes <= 1.0 + PASS_TOLERANCE
            else f"its runs made up to {self.swept_passes:.3g} passes"
        )
        return (
            f"D = {self.passes:.3g} {PASSES_WORDS}; the law assumes fresh data "
            f"({self.dataset} holds {fmt_si(self.unique_tokens)} unique tokens, {swept})"
        )

    def note(self) -> str:
        """The words an interval carries: beyond the evidence (a lower bound), or within the passes the runs made."""
        if self.beyond:
            return (
                f"beyond the evidence: {self.reason}: repeated tokens are worth less than new ones, so the loss "
                "there is above the law's and the interval is a lower bound (not calibrated)"
            )
        return f"{self.reason}: within the passes of the runs the law was fitted on, each counted as new data"

    def optimum_note(self) -> str:
        """What an optimum D* beyond the unique tokens is: a fresh-data law's, not the optimum of the data there is."""
        return (
            f"D* = {fmt_si(self.D)} exceeds {self.dataset}'s {fmt_si(self.unique_tokens)} unique tokens "
            f"({self.passes:.3g} passes): the optimum of a law that takes every token as new; repeated tokens are "
            "worth less, so it is no optimum of the data there is, and its loss lies above the one predicted"
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "dataset": self.dataset,
            "D": float(self.D),
            "unique_tokens": float(self.unique_tokens),
            "passes": float(self.passes),
            "swept_passes": float(self.swept_passes),
            "beyond_evidence": self.beyond,
        }


def repetition_at(
    dataset: str, D: float, unique_tokens: float | None, fitted_D: Sequence[float]
) -> Repetition | None:
    """The repetition of a prediction of ``dataset`` at ``D``, whose law was fitted on runs of ``fitted_D`` tokens;
    None where the dataset's unique tokens are unknown or ``D`` does not repeat them."""
    if unique_tokens is None or not unique_tokens > 0 or not D > 0:
        return None
    if D / unique_tokens <= 1.0 + PASS_TOLERANCE:
        return None
    swept = max((float(d) for d in fitted_D), default=0.0) / unique_tokens
    return Repetition(dataset, float(D), float(unique_tokens), swept)


def is_repetition_note(note: str) -> bool:
    """Whether one note of an interval is a repetition's (``Repetition.note``)."""
    return PASSES_WORDS in note


def repeated_interval(pi: PredictiveInterval, rep: Repetition | None) -> PredictiveInterval:
    """``pi`` with what repeating the data says of it: beyond the runs' passes, a lower bound (not calibrated);
    within them, a note. Unchanged without repetition."""
    if rep is None:
        return pi
    note = rep.note()
    if note in pi.notes:
        return pi
    if not rep.beyond:
        return replace(pi, notes=(*pi.notes, note))
    return replace(pi, lower_bound_only=True, notes=(*pi.notes, note))
