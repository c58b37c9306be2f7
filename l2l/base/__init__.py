"""The base layer: the vocabulary every layer shares (schema, errors, the run table, number formats).

Imports nothing of l2l above it.
"""

from __future__ import annotations

from importlib import import_module
from types import ModuleType


def submodule(package: str, name: str) -> ModuleType:
    """``package.name`` imported on first attribute access, so that after a bare ``import l2l`` the README's
    ``l2l.core.fit.default_workers()`` and ``l2l.workflows.rank.rank_runs`` work (they raised AttributeError: a
    package does not import its modules); start-up stays lazy."""
    if name.startswith("__"):
        raise AttributeError(f"module {package!r} has no attribute {name!r}")
    try:
        return import_module(f"{package}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{package}.{name}":
            raise
        raise AttributeError(f"module {package!r} has no attribute {name!r}") from None


def __getattr__(name: str) -> ModuleType:
    return submodule(__name__, name)
