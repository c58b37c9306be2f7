"""The one error hierarchy of l2l.

Library code raises these; only ``cli.py`` turns them into a message and an exit code. Each error formats its own
message, and may carry a hint (a second line telling the user what to do about it).
"""

from __future__ import annotations


class L2LError(Exception):
    """Base of every error l2l raises on purpose. ``exit_code`` is what the CLI exits with."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, param: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        #: the library parameter the error is about (``D``, ``own_eval``, ...), for a front end to name its option
        self.param = param

    def __str__(self) -> str:
        return self.message


class InputError(L2LError):
    """A table cannot be read or fails a check. Names the file, and the line and column when there is one."""

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: str | None = None,
        hint: str | None = None,
        param: str | None = None,
    ) -> None:
        where = []
        if path is not None:
            where.append(str(path))
        if line is not None:
            where.append(f"line {line}")
        if column is not None:
            where.append(f"column {column!r}")
        full = f"{', '.join(where)}: {message}" if where else message
        super().__init__(full, hint=hint, param=param)
        self.path = path
        self.line = line
        self.column = column


class RecordError(InputError, ValueError):
    """A stored record (a law's ``to_record``) handed back to be rebuilt is not what l2l writes: a field missing or
    of the wrong shape. A ValueError too, so that a reader of l2l's own caches treats it as any unreadable entry."""


class WorkspaceError(L2LError):
    """The workspace is missing, unreadable or inconsistent."""


class OutputError(L2LError):
    """A file the user asked for (a figure, a law file) cannot be written where they said: exit 1, like any
    failure that is not a misuse of the options (the destination was well formed; the file system said no)."""


class SelectionError(L2LError):
    """A dataset, eval or run named by the user does not exist, or a prefix is ambiguous."""


class AmbiguousNameError(SelectionError):
    """A name (or prefix) that stands for several datasets or evals: told apart from an unknown one, which a
    caller may look up elsewhere (a loss eval's name among the accuracy evals), while an ambiguous one it may not."""


class FitError(L2LError):
    """The data cannot identify the requested law or translation (too few points, one distinct N, ...)."""


class TooFewRunsError(FitError):
    """Fewer runs (or distinct models) than a law has parameters: more runs are the fix, said where it is caught."""


class RefusedBeyondSweepError(FitError):
    """A law its own sweep contradicts (a poor law whose runs do not fall with tokens, or whose backtests miss by
    far), asked for a value beyond the sweep's largest budget: refused, told apart so that a caller that only needs
    to know (``rank``'s rows) says so rather than reading the message."""


class UsageError(L2LError):
    """Options that contradict each other or cannot be satisfied; the CLI exits 2 like any usage error."""

    exit_code = 2


class LengthMismatchError(UsageError, ValueError):
    """Arrays handed to the library that should pair up point by point (N, D and loss; losses and accuracies) but
    have different lengths: the caller's mistake, not the data's, so a usage error (it was a FitError in the law
    and translation entry points and an InputError in the accuracy ones: h54). Also a ValueError, as numpy's is."""


class ChoiceError(UsageError, ValueError):
    """A value outside a fixed set of choices (an unknown law form, ...). Also a ValueError, which is what such a
    value was before it had its own class: code that catches ValueError keeps working."""
