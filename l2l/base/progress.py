"""The progress callback every long computation of l2l takes, and a front end implements (a bar, or nothing)."""

from __future__ import annotations

from typing import Protocol

__all__ = ["Progress"]


class Progress(Protocol):
    """``done`` of ``total`` units of the current stage. ``stage`` names a stage of its own (``fitting 168 laws,
    2 forms each``, ``backtesting 28 groups``), counted from 0 again with its own label; None continues the one
    before (or the caller's only one). Any callable of ``(done, total, stage=None)`` is one."""

    def __call__(self, done: int, total: int, stage: str | None = None, /) -> None: ...
