"""The package version: one place, read by the build (pyproject) and by everything that stamps an output."""

__version__ = "0.1.0"
