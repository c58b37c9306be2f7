"""The io layer: reading run tables (readers, columns, checkpoints, checks, limits), the workspace store and its caches,
atomic writes and the writers' lock.

Imports ``l2l.core`` and ``l2l.base`` only.
"""

from __future__ import annotations

from types import ModuleType

from l2l.base import submodule


def __getattr__(name: str) -> ModuleType:  # `l2l.io.module` after a bare `import l2l` (l2l.base.submodule)
    return submodule(__name__, name)
