"""The core layer: the numerics. Laws, the search engine, fits, calibration, ranking and accuracy maths.

Arrays in, frozen results out; never reads a file, never prints. Imports only ``l2l.base``.
"""

from __future__ import annotations

from types import ModuleType

from l2l.base import submodule


def __getattr__(name: str) -> ModuleType:  # `l2l.core.module` after a bare `import l2l` (l2l.base.submodule)
    return submodule(__name__, name)
