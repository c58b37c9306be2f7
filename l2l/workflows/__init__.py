"""The workflow layer: the method over a run table. Laws out of a table, translation, prediction, evaluation
(Table 1), ranking datasets, downstream accuracy. Pure: no printing, no exits.

Imports ``l2l.io``, ``l2l.core`` and ``l2l.base``.
"""

from __future__ import annotations

from types import ModuleType

from l2l.base import submodule


def __getattr__(
    name: str,
) -> ModuleType:  # `l2l.workflows.module` after a bare `import l2l` (l2l.base.submodule)
    return submodule(__name__, name)
