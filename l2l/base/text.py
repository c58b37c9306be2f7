"""Numbers and words as people read them: one formatter for every table, message and figure label."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

__all__ = ["fmt_fixed", "fmt_pct", "fmt_sig", "plural", "utc_now"]


def fmt_sig(x: Any, digits: int = 3) -> str:
    """A number to ``digits`` significant figures, switching to exponent form for very large or small values."""
    if x is None:
        return "–"
    if isinstance(x, bool):
        return "yes" if x else "no"
    if isinstance(x, int):
        return f"{x:,}"
    if isinstance(x, float):
        if not math.isfinite(x):
            return "–"
        if x == 0:
            return "0"
        if abs(x) >= 1e5 or abs(x) < 1e-3:
            return f"{x:.{digits - 1}e}"
        return f"{x:#.{digits}g}".rstrip(".")
    return str(x)


def plural(n: int, word: str) -> str:
    return f"{n:,} {word}" if n == 1 else f"{n:,} {word}s"


def fmt_fixed(decimals: int) -> Callable[[Any], str]:
    def f(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        return f"{x:.{decimals}f}"

    return f


def fmt_pct(decimals: int = 2) -> Callable[[Any], str]:
    def f(x: Any) -> str:
        if x is None or (isinstance(x, float) and not math.isfinite(x)):
            return "–"
        return f"{100 * x:.{decimals}f}%"

    return f


def utc_now() -> str:
    """The current UTC time to the second, ISO 8601 with a Z (``2025-01-31T12:00:00Z``): every timestamp l2l writes."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
