"""Checks of arguments that every layer shares, in the library's own words (``UsageError`` with the parameter).

One place per kind of argument: an interval level (``check_level``), names (``as_names``, ``check_name``),
numbers (``as_numbers``), a choice among fixed values (``check_choice``) and a count (``check_count``); the run
table every workflow takes is checked by ``l2l.base.runs.check_runs``. A library entry point calls these before
any arithmetic, so a bad argument is refused in l2l's words, never numpy's or Python's.
"""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Sequence
from typing import TypeVar

import numpy as np
from numpy.typing import NDArray

from l2l.base.errors import ChoiceError, UsageError
from l2l.base.schema import LARGEST_QUANTITY, SMALLEST_COUNT

__all__ = [
    "as_names",
    "as_numbers",
    "check_bootstrap",
    "check_choice",
    "check_count",
    "check_level",
    "check_name",
    "is_real",
    "real_array",
]

_C = TypeVar("_C", bound=str)


def is_real(value: object) -> bool:
    """Whether ``value`` is one real number (a bool, a complex number or text is not)."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def check_weight(target: str, weight: object) -> float:
    """A target's weight as a float when it is a finite number ≥ 0, else a UsageError about ``targets`` (a text
    weight raised Python's TypeError from the sums of weights; p70)."""
    number = isinstance(weight, numbers.Real) and not isinstance(weight, bool)
    w = float(weight) if number else float("nan")  # type: ignore[arg-type]
    if not (w == w and abs(w) != float("inf") and w >= 0):
        raise UsageError(
            f"the weight of target {target} must be finite and ≥ 0, got {weight!r}", param="targets"
        )
    return w


def check_level(level: float, param: str = "level") -> float:
    """``level`` when it is an interval level, strictly between 0 and 1; else a UsageError about ``param``."""
    if not is_real(level):  # "0.9" and None raised Python's "'<' not supported"
        raise UsageError(f"an interval level must be a number between 0 and 1, got {level!r}", param=param)
    if not 0.0 < level < 1.0:  # NaN fails here too
        raise UsageError(f"an interval level must lie strictly between 0 and 1, got {level}", param=param)
    if 0.5 + level / 2 >= 1.0:
        # the normal quantile of an interval this close to 1 is at the rounded 1.0, infinite: it failed as an
        # internal error (0.9999999999999999; p63)
        raise UsageError(
            f"an interval level this close to 1 ({level!r}) has no finite interval; give at most 0.999999",
            param=param,
        )
    return level


def check_choice(value: object, choices: Sequence[_C], what: str, param: str) -> _C:
    """``value`` when it is one of ``choices``; else a ChoiceError naming them (``what``: "resampling unit")."""
    for c in choices:
        if isinstance(value, str) and value == c:
            return c
    raise ChoiceError(f"unknown {what} {value!r}; expected one of {', '.join(choices)}", param=param)


def check_count(value: object, param: str, *, least: int = 0, what: str | None = None) -> int:
    """``value`` when it is a whole number (an int, not a bool or text) of at least ``least``; else a UsageError
    about ``param`` (``what``: the words for it, default the parameter's name)."""
    name = what or param
    if not isinstance(value, (int, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise UsageError(f"{name} must be a whole number, got {value!r}", param=param)
    if value < least:
        raise UsageError(f"{name} must be at least {least}, got {value}", param=param)
    return int(value)


def check_bootstrap(draws: object, param: str = "bootstrap") -> int:
    """A number of bootstrap draws: 0 (none) or at least 2, one draw being no spread; else a UsageError about
    ``param`` (``--bootstrap 1`` on the command line; the library's ``bootstrap=-1`` gave a failed law per eval)."""
    n = check_count(draws, param, what="the number of bootstrap draws")
    if n == 1:
        raise UsageError("a bootstrap needs at least 2 draws (0: none)", param=param)
    return n


def check_name(name: object, what: str, param: str | None = None) -> str:
    """``name`` when it is text; else a UsageError (a dataset named 5 raised "'int' object has no attribute
    'lower'")."""
    if not isinstance(name, str):
        raise UsageError(f"a {what} name must be text, got {type(name).__name__} {name!r}", param=param)
    return name


def as_names(
    names: Sequence[str] | str | None, what: str = "name", param: str | None = None, *, empty_ok: bool = True
) -> list[str] | None:
    """Names as a list: one bare name is one name (the library's ``evals="downstream/quiz"`` was read letter by
    letter: "eval 'd' is ambiguous"); None stays None (every one, or the default). Each must be text; an empty
    list names nothing, a UsageError unless ``empty_ok`` (None, not [], asks for the default)."""
    if names is None:
        return None
    if isinstance(names, str):
        return [names]
    if not isinstance(names, Iterable):
        raise UsageError(
            f"{what}s must be a list of names, got {type(names).__name__} {names!r}", param=param
        )
    out = [check_name(n, what, param) for n in names]
    if not out and not empty_ok:
        raise UsageError(f"an empty list names no {what} (None, the default, means every one)", param=param)
    return out


def real_array(values: object, name: str) -> NDArray[np.float64]:
    """``values`` (a number or an array of any shape) as floats, shape kept; a UsageError naming ``name`` when
    they are not real numbers: text ("3.3B", or "1e21", which numpy would have read), a bool (N=True was read as
    N = 1), a complex number (its imaginary part was dropped), None."""
    bad = UsageError(f"{name} must be numbers (1e9, not '1B': the command line parses those)", param=name)
    try:
        raw = np.asarray(values)
    except (TypeError, ValueError):
        raise bad from None
    if raw.dtype == object:
        if not all(is_real(v) for v in raw.ravel()):
            raise bad
    elif raw.dtype.kind not in "iuf":
        raise bad
    try:
        return raw.astype(np.float64)
    except (TypeError, ValueError):
        raise bad from None


def as_numbers(
    values: object,
    name: str,
    *,
    positive: bool = True,
    largest: float | None = LARGEST_QUANTITY,
    smallest: float | None = SMALLEST_COUNT,
    empty_ok: bool = False,
) -> NDArray[np.float64]:
    """``values`` (one number or several) as a 1-d float array; a UsageError naming ``name`` when they are not
    real numbers (text such as "3.3B" or "1e21": the command line parses those; a bool; a complex number), when
    there are none (unless ``empty_ok``), when one is not finite and > 0 (``positive``), or when one is above
    ``largest`` (the command line's limit, 1e30: a law at N = 1e40 is arithmetic, not a prediction) or below
    ``smallest`` (its other one, a count of 1: N = 1e-200 underflowed C = 6·N·D to 0, a ZeroDivisionError)."""
    raw = real_array(values, name)
    if raw.ndim > 1:
        # a (1, 1) array was flattened without a word (p70), and a (2, 3) grid came back as six rows in an order
        # the caller had to guess: one value or a flat list is what every entry point answers row by row
        raise UsageError(
            f"{name} must be one number or a flat list of numbers, got an array of shape {raw.shape}",
            param=name,
        )
    arr = raw.ravel()
    if not len(arr) and not empty_ok:
        raise UsageError(f"{name} is empty: give at least one value", param=name)
    if positive and not np.all(np.isfinite(arr) & (arr > 0)):
        raise UsageError(f"{name} must be positive numbers", param=name)
    if smallest is not None and np.any(arr < smallest):
        raise UsageError(
            f"{name} must be a finite count ≥ {smallest:g}, got {float(arr.min()):g}", param=name
        )
    if largest is not None and np.any(arr > largest):
        raise UsageError(f"{name} must be at most {largest:g}, got {float(arr.max()):g}", param=name)
    return arr
