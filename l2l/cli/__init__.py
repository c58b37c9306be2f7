"""The command line: parse options, make one library call, render. The one place errors become a line and an
exit code."""

from l2l.cli.commands import app, main

__all__ = ["app", "main"]
