"""The command line: parse options, make one library call, render. ``shell`` holds the app and the one place
errors become a line and an exit code; each other module holds one group of commands and registers them on the
app when imported (``l2l --help`` lists them in ``shell.COMMAND_ORDER``)."""

from l2l.cli import accuracy, data, figures, laws, ranking, translation  # noqa: F401 - registers the commands
from l2l.cli.shell import app, main

__all__ = ["app", "main"]
