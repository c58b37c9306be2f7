"""Checks of arguments that every layer shares, in the library's own words (``UsageError`` with the parameter)."""

from __future__ import annotations

from collections.abc import Sequence

from l2l.base.errors import UsageError

__all__ = ["as_names", "check_level"]


def check_level(level: float, param: str = "level") -> float:
    """``level`` when it is an interval level, strictly between 0 and 1; else a UsageError about ``param``."""
    if not 0.0 < level < 1.0:  # NaN fails here too
        raise UsageError(f"an interval level must lie strictly between 0 and 1, got {level}", param=param)
    return level


def as_names(names: Sequence[str] | str | None) -> list[str] | None:
    """Names as a list: one bare name is one name (the library's ``evals="downstream/quiz"`` was read letter by
    letter: "eval 'd' is ambiguous"); None stays None."""
    if names is None:
        return None
    return [names] if isinstance(names, str) else list(names)
