"""Numbers and words as people read them: one formatter for every table, message and figure label; and
``visible``, which shows the control characters a name may hold instead of letting a terminal act on them."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "fmt_fixed",
    "fmt_interval",
    "fmt_pct",
    "fmt_sci",
    "fmt_si",
    "fmt_sig",
    "grouped_reasons",
    "interval_decimals",
    "plural",
    "quoted",
    "some_of",
    "utc_now",
    "visible",
]

#: Characters a terminal or a text viewer acts on instead of showing: C0 controls (ESC starts terminal escapes,
#: CR and BS overwrite), DEL, C1 controls (CSI, OSC), the invisible format characters (zero-width, bidi overrides
#: that reorder text, BOM, tags), line/paragraph separators, and lone surrogates.
_UNSEEN = re.compile(
    "[\x00-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891\u08e2\u180e"
    "\u200b-\u200f\u202a-\u202e\u2028\u2029\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\U000e0001\U000e0020-\U000e007f]"
)


_SHORT = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(m: re.Match[str]) -> str:
    c = m.group()
    if c in _SHORT:
        return _SHORT[c]
    n = ord(c)
    return f"\\x{n:02x}" if n < 0x100 else f"\\u{n:04x}" if n < 0x10000 else f"\\U{n:08x}"


def visible(text: str) -> str:
    """``text`` with every control or invisible format character written as its escape (ESC → ``\\x1b``,
    newline → ``\\n``, U+202E → ``\\u202e``): safe to print to a terminal, always one line. Other text,
    backslashes included, is unchanged, so the escapes are for reading, not a reversible encoding (JSON output
    is the lossless one)."""
    return _UNSEEN.sub(_escape, text) if _UNSEEN.search(text) else text


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
    """``n word``, the word in its plural unless n is 1 (a consonant + y takes -ies: accuracies)."""
    if n == 1:
        return f"{n:,} {word}"
    if word.endswith("y") and word[-2:-1] not in ("a", "e", "i", "o", "u"):
        return f"{n:,} {word[:-1]}ies"
    return f"{n:,} {word}s"


def loss_and_accuracy_columns(losses: int, accuracies: int) -> str:
    """``3 loss and 2 accuracy columns`` (``1 loss column``): what a wide file's values are read from, as
    ingest's count line and its --where note both say it."""
    kinds = f"{losses} loss" + (f" and {accuracies} accuracy" if accuracies else "")
    return f"{kinds} column{'s' if losses + accuracies != 1 else ''}"


#: The placeholder of an option's dataset value in advice said to several datasets at once.
ANY_DATASET = "DATASET"


def for_any_dataset(note: str, dataset: str) -> str:
    """A dataset's note with its name as an option's value made the placeholder (``--own-eval c4=EVAL`` →
    ``--own-eval DATASET=EVAL``), so that the same advice to several datasets is said once: four datasets without
    an own eval took 16 lines at 80 columns (probe h52)."""
    return note.replace(f" {dataset}=", f" {ANY_DATASET}=")


def quoted(value: object, most: int = 80) -> str:
    """``value`` as an error message quotes it (its repr), cut to about ``most`` characters with the full length
    said: a cell that swallowed the rest of a file behind an unterminated quote was echoed whole, a 66 KB "one-line"
    error (probe p63), and a 400-digit number a 400-character one."""
    text = repr(value)
    if len(text) <= most:
        return text
    return f"{text[: most - 1]}… ({len(str(value)):,} characters)"


def some_of(names: Sequence[str], most: int = 4) -> str:
    """``names`` joined with commas, all of them up to ``most``, else the first ``most`` − 1 and the rest counted
    (``a, b, c and 7 more``): the lists notes name."""
    if len(names) <= most:
        return ", ".join(names)
    return f"{', '.join(names[: most - 1])} and {len(names) - most + 1} more"


def counted(names: Sequence[str], noun: str) -> str:
    """The names a note shared by several is about: the one name, else the first three and the count ("rec0, rec1,
    rec2 … (10 datasets)")."""
    if len(names) == 1:
        return names[0]
    return f"{', '.join(names[:3])}{' …' if len(names) > 3 else ''} ({plural(len(names), noun)})"


def grouped_reasons(failed: Mapping[str, str], shown: int | None = 3) -> str:
    """Why each name (a dataset) failed, the names whose reasons differ only by their own name said once ("rec0,
    rec1, rec2 … (10 datasets): …"), at most ``shown`` reasons (None: all): a DataDecide-shaped table's refusal
    repeated one reason for each of 10 recipes in one 3,000-character line (probe p59), and evaluate one backtest
    note per cutoff and dataset, 30 lines of one reason on 15 datasets (p60)."""
    groups: dict[str, list[str]] = {}
    for name, why in failed.items():
        groups.setdefault(why.replace(name, "\0"), []).append(name)
    parts = []
    for names in groups.values():
        parts.append(f"{counted(names, 'dataset')}: {failed[names[0]]}")
    if shown is None or len(parts) <= shown:
        return "; ".join(parts)
    return "; ".join(parts[:shown]) + f"; and {plural(len(parts) - shown, 'other reason')}"


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


def fmt_si(x: Any) -> str:
    """Counts the way people write them, to 3 significant digits: 20M, 1.74B, 3.3B, 1.4T (N, D)."""
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return fmt_sig(x)
    r = float(f"{x:.3g}")  # rounded first: 999.7e9 is 1T, not 1e+03B
    if abs(r) >= 1e15:  # a count beyond 999T in powers of ten (a law's absurd optimum printed 8,083,488T)
        return fmt_sci(x)
    for div, suffix in ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(r) >= div:
            return f"{r / div:.3g}{suffix}"
    return f"{x:.3g}"


def fmt_sci(x: Any, digits: int = 3, *, trim: bool = True) -> str:
    """Compact scientific notation to ``digits`` significant digits, trailing zeros dropped unless ``trim`` is
    False (a table column: 8.90e8 beside 6.79e7): 1e21, 9.9e20, 4.84e19."""
    if not isinstance(x, (int, float)) or isinstance(x, bool) or not math.isfinite(x):
        return fmt_sig(x)
    if x == 0:
        return "0"
    mant, _, exp = f"{x:.{max(digits, 1) - 1}e}".partition("e")
    if trim and "." in mant:
        mant = mant.rstrip("0").rstrip(".")
    return f"{mant}e{int(exp)}"


def interval_decimals(lo: float, hi: float, *, least: int = 1, most: int = 4) -> int:
    """Decimals that show an interval's width to two significant digits (0.10 wide: 2 decimals; 0.038 wide: 3),
    between ``least`` and ``most``."""
    width = abs(hi - lo)
    if not math.isfinite(width) or width == 0:
        return most
    return max(least, min(most, 1 - math.floor(math.log10(width))))


def fmt_interval(estimate: Any, lo: Any, hi: Any, *, decimals: int | None = None) -> str:
    """An estimate and its interval as a paper writes them: ``2.13 [2.08, 2.18]``; the decimals show the width
    to two significant digits (``interval_decimals``) unless given. Without an interval: the estimate to 4
    significant digits; without an estimate: "–"."""
    if not isinstance(estimate, (int, float)) or not math.isfinite(estimate):
        return "–"
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in (lo, hi)):
        return f"{estimate:.4g}" if decimals is None else f"{estimate:.{decimals}f}"
    d = interval_decimals(lo, hi) if decimals is None else decimals
    return f"{estimate:.{d}f} [{lo:.{d}f}, {hi:.{d}f}]"


def utc_now() -> str:
    """The current UTC time to the second, ISO 8601 with a Z (``2025-01-31T12:00:00Z``): every timestamp l2l writes."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
