"""The runs one question is asked of, and the caches that serve it.

A ``Session`` is what every command of the CLI opens: the runs (a table given directly, else the workspace's), the
fits and calibrations saved in the workspace (caches keyed by exactly what they were computed from, so a stale one
is never served), and, on a clean close, the new ones kept for the next command. A cache that cannot be written
only costs time on the next run, never the answer.

Library users can do the same: ``with open_session(workspace=None, table=None) as s: l2l.predict(s.runs, ...,
cache=s.fits)``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING

from l2l.base.errors import L2LError, UsageError

if TYPE_CHECKING:
    from l2l.base.runs import Runs
    from l2l.core.accuracy import AccuracyFit
    from l2l.core.calibrate import CalibrationCache
    from l2l.core.fit import FitCache
    from l2l.io.workspace import Workspace

__all__ = ["Session", "open_session"]


@dataclass
class Session:
    """The runs of one command and its caches. ``workspace`` is None when the runs are a table given directly
    (its fits are not the workspace's, so nothing is kept). The caches are read on first use, so a command that
    fits nothing reads none."""

    runs: Runs
    workspace: Workspace | None
    #: processes worth using for many fits (the CLI uses ``default_workers()``; library calls 1)
    workers: int = 1
    _fits: FitCache | None = field(default=None, repr=False)
    _calibrations: CalibrationCache | None = field(default=None, repr=False)
    #: what each cache held when read (or last kept): key → id of the entry, so a replaced entry (a fit given
    #: bootstrap draws) is kept too, not only new keys
    _loaded: tuple[dict[str, int], dict[str, int]] = field(default=({}, {}), repr=False)
    _accuracy_laws: dict[str, AccuracyFit] | None = field(default=None, repr=False)
    _loaded_laws: dict[str, int] = field(default_factory=dict, repr=False)
    #: whole answers made by this command, (kind, key) → the workflow's bytes, kept with the caches
    _answers: dict[tuple[str, str], bytes] = field(default_factory=dict, repr=False)
    _checkpoints_read: bool = field(default=False, repr=False)

    @property
    def fits(self) -> FitCache:
        """Fits keyed by what they were fitted on: the workspace's saved ones, and every fit made since."""
        if self._fits is None:
            from l2l.core.fit import FitCache
            from l2l.io.workspace import saved_fits

            self._fits = FitCache() if self.workspace is None else saved_fits(self.workspace)
            self._loaded = (_ids(self._fits), self._loaded[1])
        return self._fits

    @property
    def calibrations(self) -> CalibrationCache:
        """Calibrations (error models learned by backtests) keyed by their data, as ``fits``."""
        if self._calibrations is None:
            from l2l.core.calibrate import CalibrationCache
            from l2l.io.workspace import saved_calibrations

            self._calibrations = (
                CalibrationCache() if self.workspace is None else saved_calibrations(self.workspace)
            )
            self._loaded = (self._loaded[0], _ids(self._calibrations))
        return self._calibrations

    @property
    def accuracy_laws(self) -> dict[str, AccuracyFit]:
        """Accuracy laws keyed by what they were fitted from (``accuracy.accuracy_key``), as ``fits``."""
        if self._accuracy_laws is None:
            from l2l.io.caches import saved_accuracy_laws

            self._accuracy_laws = saved_accuracy_laws(self.workspace)
            self._loaded_laws = _ids(self._accuracy_laws)
        return self._accuracy_laws

    def answer(self, kind: str, key: str) -> bytes | None:
        """The answer of ``kind`` an earlier command kept under ``key`` (a hash of exactly what it was computed
        from, made by the workflow: ``evaluate_store``), as the bytes the workflow encoded; None when there is
        none (or the runs are a table given directly)."""
        if self.workspace is None:
            return None
        from l2l.io.caches import saved_answer

        return saved_answer(self.workspace, kind, key)

    def keep_answer(self, kind: str, key: str, body: bytes) -> None:
        """Keep ``body`` as the answer of ``kind`` under ``key`` when the command ends well (``keep``)."""
        if self.workspace is not None:
            self._answers[(kind, key)] = body

    def with_accuracy(self) -> Runs:
        """The runs with their accuracy rows (stored beside the workspace's losses, or the table's own) and, for a
        per-step log with accuracies, its every-checkpoint rows (``Runs.checkpoints``): an accuracy logged less
        often than its loss pairs through them with the loss logged at its own checkpoint."""
        if self.workspace is None:
            return self.runs
        if self.runs.accuracy is None:
            self.runs = self.workspace.attach_accuracy(self.runs)
        if not self._checkpoints_read:
            self._checkpoints_read = True
            self.runs = self.workspace.attach_checkpoints(self.runs)
        return self.runs

    def check_keep(self) -> None:
        """Refuse, before any work, a command asked to keep its fits (``fit-law --save``) where they cannot be
        written: the runs of a table given directly, or a workspace that is not writable (WorkspaceError)."""
        if self.workspace is None:
            raise UsageError("the fits of a table given directly are not kept in a workspace", param="save")
        self.workspace.check_writable("the fits")

    def keep_fits(self) -> int:
        """Store the fits and calibrations now, as the user asked (``fit-law --save``): unlike ``keep``, which
        only spares the next command time, a failure is an error (WorkspaceError). Returns how many fits the
        workspace keeps in all."""
        if self.workspace is None:
            raise UsageError("the fits of a table given directly are not kept in a workspace", param="save")
        from l2l.io.workspace import save_calibrations, save_fits

        kept = save_fits(self.workspace, self.fits)
        if self._calibrations is not None and _ids(self._calibrations) != self._loaded[1]:
            save_calibrations(self.workspace, self._calibrations)
        self._loaded = (_ids(self.fits), _ids(self._calibrations) if self._calibrations is not None else {})
        return kept

    def keep(self) -> None:
        """Store the fits, calibrations and accuracy laws made (or given draws) since they were read in the
        workspace, and the answers made (quietly: a cache that cannot be written only costs the next command
        time)."""
        if self.workspace is None or not self.workspace.exists():
            return
        from l2l.io.workspace import save_calibrations, save_fits

        fits_before, cals_before = self._loaded
        if self._fits is not None and _ids(self._fits) != fits_before:
            with suppress(L2LError, OSError):
                save_fits(self.workspace, self._fits)
        if self._calibrations is not None and _ids(self._calibrations) != cals_before:
            with suppress(L2LError, OSError):
                save_calibrations(self.workspace, self._calibrations)
        if self._accuracy_laws is not None and _ids(self._accuracy_laws) != self._loaded_laws:
            from l2l.io.caches import save_accuracy_laws

            with suppress(L2LError, OSError):
                save_accuracy_laws(self.workspace, self._accuracy_laws)
            self._loaded_laws = _ids(self._accuracy_laws)
        if self._answers:
            from l2l.io.caches import save_answer

            for (kind, key), body in self._answers.items():
                with suppress(L2LError, OSError):
                    save_answer(self.workspace, kind, key, body)
            self._answers = {}
        self._loaded = (
            _ids(self._fits) if self._fits is not None else {},
            _ids(self._calibrations) if self._calibrations is not None else {},
        )

    def __enter__(self) -> Session:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if kind is None:
            self.keep()


def _ids(cache: Mapping[str, object]) -> dict[str, int]:
    return {k: id(v) for k, v in cache.items()}


def open_session(
    workspace: Path | str | None = None,
    table: Path | None = None,
    *,
    accuracy: bool = False,
    workers: int = 1,
    where: Sequence[str] = (),
) -> Session:
    """The runs of ``table`` (read now; ``where``: its rows that pass these filters, ``COL=VALUE``) or of the
    workspace (``workspace``, else ``$L2L_WORKSPACE``, else ``./.l2l``), with the workspace's saved fits and
    calibrations when they are the workspace's runs."""
    from l2l.io.selection import parse_where
    from l2l.io.workspace import Workspace, load_runs

    ws = Workspace.locate(workspace)
    filters = parse_where(where)
    # (accuracies are read by the commands that use them: ``Session.with_accuracy``)
    runs = load_runs(table, ws, accuracy=False, **({"where": filters} if filters else {}))
    session = Session(runs, None if table is not None else ws, workers)
    if accuracy:
        session.with_accuracy()
    return session
