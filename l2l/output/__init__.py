"""The output layer: the render engine (tables, JSON, CSV), per-command reports, figures.

Only this layer (and the command line) imports rich; only this layer imports plotnine.
"""

from __future__ import annotations

from types import ModuleType

from l2l.base import submodule


def __getattr__(
    name: str,
) -> ModuleType:  # `l2l.output.module` after a bare `import l2l` (l2l.base.submodule)
    return submodule(__name__, name)
