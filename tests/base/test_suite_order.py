"""The suite's own schedule (``LONGEST_FIRST`` in tests/conftest.py): pytest-xdist hands the modules to its two
workers in that order, so a name that no longer matches a module silently sends a long module to the end of the
run, where it leaves one core idle."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import LONGEST_FIRST

TESTS = Path(__file__).resolve().parent.parent


def _module(name: str) -> Path:
    (path,) = TESTS.rglob(name)  # one module of that name: the order is keyed by the file's name alone
    return path


def _uses_the_warm_workspace(path: Path) -> bool:
    return (
        re.search(r"\b(ingested|synthetic_workspace)\b", re.sub(r'"""[\s\S]*?"""', "", path.read_text()))
        is not None
    )


def test_every_module_named_in_the_order_is_one_module_of_the_suite_and_named_once() -> None:
    assert len(set(LONGEST_FIRST)) == len(LONGEST_FIRST)
    for name in LONGEST_FIRST:
        assert _module(name).is_file(), name


def test_the_first_module_builds_the_warm_workspace_while_the_second_needs_none_of_it() -> None:
    """The second worker's first module would otherwise wait on the workspace's lock while the first builds it."""
    first, second = (_module(name) for name in LONGEST_FIRST[:2])
    assert _uses_the_warm_workspace(first)
    assert not _uses_the_warm_workspace(second)
