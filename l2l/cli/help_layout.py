"""The options panels of `--help` in two columns, so that nothing is cut at 80 columns.

Typer lays an option out in five columns (long name, short name, `--no-` name, its short form, type) beside its
help; at 80 columns that left the help 18–23 characters wide and cut names such as `--keep-unpredictable` and
`--holdout-top-compute` to `--keep-unpredic…`. Here each option is one cell of names and type, one per line, and
the help takes the rest of the width. Typer's panel builder is private: `install()` swaps ours in only where
typer has the helpers it uses, and any surprise at render time falls back to typer's own layout.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

# The names column never takes more than this share of the panel; a longer type folds onto the next line.
_NAMES_SHARE = 0.36


def _names_cell(param: Any, ctx: Any, rich_utils: Any, width: int) -> Text:
    """`-t, --target` then `--no-target` then the type, each on its own line."""
    if param.param_type_name == "argument":
        names = [str(getattr(param, "display_name_raw", None) or param.name or "")]
    else:
        shorts = [o for o in param.opts if not o.startswith("--")]
        longs = [o for o in param.opts if o.startswith("--")]
        names = [", ".join(shorts + longs)]
        names += [o for o in param.secondary_opts if o.startswith("--")]
    cell = Text(no_wrap=False, overflow="fold")
    if param.required:
        cell.append(rich_utils.REQUIRED_SHORT_STRING, style=rich_utils.STYLE_REQUIRED_SHORT)
        cell.append(" ")
    for i, name in enumerate(names):
        if i:
            cell.append("\n")
        highlight = rich_utils.negative_highlighter if i else rich_utils.highlighter
        cell.append_text(highlight(Text(name)))
    type_text = param.display_type_rich(ctx=ctx)
    range_text = param._get_number_range_help_str()
    if type_text or range_text:
        shown = Text(style=rich_utils.STYLE_TYPES)
        # typer names a bounded int `<int range>` and then prints the range itself: `<int>` says it once
        plain_type = (type_text or "").replace(" range>", ">")
        shown.append(_break_choices(plain_type, width))
        if range_text:
            shown.append(rich_utils.RANGE_STRING.format(range_text))
        cell.append("\n" if (len(names[-1]) + 1 + len(shown)) > width else " ")
        cell.append_text(rich_utils.types_highlighter(shown))
    return cell


def _break_choices(type_text: str, width: int) -> str:
    """`<recommended|independent|translation|baseline>` broken after a `|`, not inside a choice."""
    lines = [""]
    for piece in type_text.split("|"):
        piece_and_bar = piece if piece.endswith(">") else piece + "|"
        if lines[-1] and len(lines[-1]) + len(piece_and_bar) > width:
            lines.append("")
        lines[-1] += piece_and_bar
    return "\n".join(lines).removesuffix("|") if type_text else ""


def _two_column_panel(rich_utils: Any) -> Callable[..., None]:
    def print_options_panel(
        *,
        name: str,
        params: Sequence[Any],  # typer's own click's parameters (typer vendors click: no import of it here)
        ctx: Any,
        markup_mode: Any,
        console: Console,
    ) -> None:
        if not params:
            return
        table = Table(show_header=False, expand=True, box=None, pad_edge=False, padding=(0, 1))
        width = max(20, int(console.width * _NAMES_SHARE))
        table.add_column("names", no_wrap=False, max_width=width)
        table.add_column("help", ratio=1)
        for param in params:
            help_text = rich_utils._get_parameter_help(param=param, ctx=ctx, markup_mode=markup_mode)
            table.add_row(_names_cell(param, ctx, rich_utils, width), help_text)
        console.print(
            Panel(
                table,
                border_style=rich_utils.STYLE_OPTIONS_PANEL_BORDER,
                title=name,
                title_align=rich_utils.ALIGN_OPTIONS_PANEL,
            )
        )

    return print_options_panel


def install() -> None:
    """Use the two-column options panel when `--help` is rendered (typer imports rich_utils only then)."""
    try:
        from typer import rich_utils
    except ImportError:  # typer without rich: click's plain help, which never cuts names
        return
    needed = ("_print_options_panel", "_get_parameter_help", "highlighter", "negative_highlighter")
    if not all(hasattr(rich_utils, attr) for attr in needed):
        return
    if getattr(rich_utils._print_options_panel, "l2l_layout", False):  # help shown twice in one process
        return
    typers_own = rich_utils._print_options_panel
    ours = _two_column_panel(rich_utils)

    def print_options_panel(**kwargs: Any) -> None:
        try:
            ours(**kwargs)
        except (AttributeError, TypeError):  # a typer whose private helpers changed: its own layout
            typers_own(**kwargs)

    print_options_panel.l2l_layout = True  # type: ignore[attr-defined]
    rich_utils._print_options_panel = print_options_panel
