"""Writing a figure: a size that suits its panels and legend (``figure_size``), atomically, PNGs with a palette
(``save_figure``)."""

from __future__ import annotations

import io
import math
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from l2l.base.errors import OutputError, UsageError
from l2l.output.plots.common import (
    FIGURE_FORMATS,
    GRID_PANEL_HEIGHT,
    GRID_PANEL_WIDTH,
    MANY_PANELS,
    PANEL_HEIGHT,
    PANEL_WIDTH,
    SMALL_PANEL_HEIGHT,
    SMALL_PANEL_WIDTH,
    TITLE_HEIGHT,
    legend_width,
    ncol,
    use_agg,
)

if TYPE_CHECKING:
    from plotnine import ggplot


# ---------------------------------------------------------------------------------------------------------------
# Saving
# ---------------------------------------------------------------------------------------------------------------


def _panel_count(fig: ggplot) -> int:
    """How many facets the figure will have: distinct values of its facet variables in the plot's own data
    (each figure puts its panels there, see ``panels_frame``)."""
    names = list(getattr(fig.facet, "vars", ()) or ())
    df: Any = fig.data
    if not names or df is None or callable(df) or not all(n in getattr(df, "columns", ()) for n in names):
        return 1
    return max(1, len(df[names].drop_duplicates()))


def figure_size(fig: ggplot) -> tuple[float, float]:
    """A width and height in inches that suit the figure: 4 in per facet column (up to 3 columns), 3.2 in per
    row; small multiples (more than 9 facets) 2.7 × 2.3 in each, 5 to a row; a facet grid 3.6 × 2.1 in per (row,
    column) level; plus room for the legend (none when nothing is mapped to a legend), title and caption; and at
    least as wide as the title and the caption's longest line need."""
    own = _own_size(fig)
    if own is not None:
        return max(own[0], _text_width(fig)), own[1]
    width, height = _panels_size(fig)
    return max(width, _text_width(fig)), height + _caption_height(fig)


def _own_size(fig: ggplot) -> tuple[float, float] | None:
    """The size a figure gives itself (``theme(figure_size=…)``: the accuracy figure sizes its panels and its
    legend so), or None where its theme keeps plotnine's default. Overridden, the accuracy figure of 8 tasks was
    drawn 18 in wide for 4 panels designed 3.4 in each (probe h3)."""
    from l2l.output.plots.common import plotnine

    getp = getattr(getattr(fig, "theme", None), "getp", None)
    if getp is None:
        return None
    try:
        size = getp("figure_size")
    except (KeyError, AttributeError):
        return None
    default = tuple(plotnine().options.figure_size)
    if not isinstance(size, (tuple, list)) or len(size) != 2 or tuple(size) == default:
        return None
    return float(size[0]), float(size[1])


# Inches per character of the title (12 pt bold) and the caption (8 pt) in matplotlib's DejaVu Sans, on average
# over mixed text, and the margin around them.
TITLE_CHAR_WIDTH = 0.105
CAPTION_CHAR_WIDTH = 0.062
TEXT_MARGIN = 0.4


def _text_width(fig: ggplot) -> float:
    """The width the title and the caption's longest line need: a narrow figure (one panel, Porian's long
    held-out setting in the title) cut both off at its edges."""
    labels: Any = fig.labels
    title = str(getattr(labels, "title", None) or "")
    caption = str(getattr(labels, "caption", None) or "")
    longest = max((len(line) for line in caption.splitlines()), default=0)
    return max(len(title) * TITLE_CHAR_WIDTH, longest * CAPTION_CHAR_WIDTH) + TEXT_MARGIN


#: The caption's lines that ``TITLE_HEIGHT`` leaves room for, and the inches each further line takes (8 pt).
CAPTION_LINES = 3
CAPTION_LINE_HEIGHT = 0.15


def _caption_height(fig: ggplot) -> float:
    """The height the caption's lines beyond ``CAPTION_LINES`` need (a long caption was drawn over the axis
    title)."""
    caption = str(getattr(fig.labels, "caption", None) or "")
    return max(0, len(caption.splitlines()) - CAPTION_LINES) * CAPTION_LINE_HEIGHT


#: A discrete axis drawn vertically (``coord_flip``: the rank figure's datasets): inches per line of a category's
#: label (axis text, 8 pt) and between two categories. 42 datasets at the fixed 3.2 in panel sat 10 px apart, their
#: names drawn over each other (p57).
ROW_LINE_HEIGHT = 0.14
ROW_GAP = 0.08


def _rows_height(fig: ggplot) -> float:
    """The panel height a vertical discrete axis needs: every category a row as tall as the most lines of a label
    (its categories are the labels, ``\n`` between lines); 0 for any other figure."""
    if type(getattr(fig, "coordinates", None)).__name__ != "coord_flip":
        return 0.0
    column = (getattr(fig, "mapping", None) or {}).get("x")
    df: Any = fig.data
    if not isinstance(column, str) or df is None or callable(df) or column not in getattr(df, "columns", ()):
        return 0.0
    values = df[column]
    categories = list(values.cat.categories) if hasattr(values, "cat") else list(dict.fromkeys(values))
    if not categories:
        return 0.0
    lines = max(str(c).count("\n") + 1 for c in categories)
    return len(categories) * (lines * ROW_LINE_HEIGHT + ROW_GAP)


def _panels_size(fig: ggplot) -> tuple[float, float]:
    rows, cols = _grid_shape(fig)
    legend = _legend_width(fig) if _has_legend(fig) else 0.3
    if rows * cols > 0:  # a grid: rows of long strips, kept compact
        return GRID_PANEL_WIDTH * cols + legend, GRID_PANEL_HEIGHT * rows + TITLE_HEIGHT
    n = _panel_count(fig)
    n_cols = ncol(n)
    given = getattr(fig.facet, "_ncol", None)
    if isinstance(given, int) and given > 0:
        n_cols = min(given, n)
    nrow = math.ceil(n / n_cols)
    if n > MANY_PANELS:
        panel_width, panel_height = SMALL_PANEL_WIDTH, SMALL_PANEL_HEIGHT
    else:  # a lone panel gets a little more room
        panel_width, panel_height = PANEL_WIDTH * (1.3 if n == 1 else 1.0), PANEL_HEIGHT
    panel_height = max(panel_height, _rows_height(fig))
    return panel_width * n_cols + legend, panel_height * nrow + TITLE_HEIGHT


def _grid_shape(fig: ggplot) -> tuple[int, int]:
    """(rows, columns) of a ``facet_grid`` from the levels in the plot's own data; (0, 0) for any other facet."""
    if type(fig.facet).__name__ != "facet_grid":
        return 0, 0
    df: Any = fig.data
    rows_vars = list(getattr(fig.facet, "rows", ()) or ())
    cols_vars = list(getattr(fig.facet, "cols", ()) or ())
    if df is None or callable(df):
        return 0, 0

    def levels(names: list[str]) -> int:
        if not names or not all(v in df.columns for v in names):
            return 1
        return max(1, len(df[names].drop_duplicates()))

    return levels(rows_vars), levels(cols_vars)


LEGEND_AESTHETICS = frozenset({"color", "colour", "fill", "shape", "size", "alpha", "linetype"})


def _has_legend(fig: ggplot) -> bool:
    """Whether any aesthetic that makes a legend is mapped, in the plot or in a layer that shows its legend,
    and the theme does not hide legends."""
    themeables = getattr(getattr(fig, "theme", None), "themeables", None) or {}
    position = themeables.get("legend_position") if hasattr(themeables, "get") else None
    if getattr(position, "properties", {}).get("value") == "none":
        return False
    if LEGEND_AESTHETICS & set(getattr(fig, "mapping", {}) or {}):
        return True
    for layer in fig.layers:
        if layer.show_legend is False:
            continue
        if LEGEND_AESTHETICS & set(getattr(layer, "mapping", {}) or {}):
            return True
    return False


def _legend_width(fig: ggplot) -> float:
    """Inches for the legend: the default, or more when a discrete scale lists long labels (≈ 0.07 in a
    character at the legend's 8 pt)."""
    labels: list[str] = []
    for scale in getattr(fig, "scales", ()):
        shown = getattr(
            scale, "labels", None
        )  # the labels drawn, where given (wrapped names), else the breaks
        if not (isinstance(shown, (list, tuple)) and shown and all(isinstance(b, str) for b in shown)):
            shown = getattr(scale, "breaks", None)
        if isinstance(shown, (list, tuple)) and all(isinstance(b, str) for b in shown):
            labels += shown
    return legend_width(labels)


def save_figure(
    fig: ggplot,
    path: Path | str,
    *,
    width: float | None = None,
    height: float | None = None,
    dpi: int = 150,
    palette: bool = True,
) -> Path:
    """Write ``fig`` to ``path`` (.png, .svg or .pdf, from the extension) atomically: it is drawn into a temporary
    file beside ``path`` and renamed onto it, so a failed save leaves no file. Creates the parent directory.
    Width and height (inches) default to ``figure_size(fig)``. A PNG is stored with an adaptive palette of 256
    colours (``palette``; figures of flat bands, points and text look the same and take 3–6 times less space).
    Returns the path written (``save_figure_noting`` also says what could not be drawn)."""
    return save_figure_noting(fig, path, width=width, height=height, dpi=dpi, palette=palette).path


@dataclass(frozen=True)
class SavedFigure:
    """A figure written: its path, and the characters of its text that no installed font could draw (matplotlib
    drew them as empty boxes), in the order first met."""

    path: Path
    missing_glyphs: tuple[str, ...] = ()

    def notes(self) -> list[str]:
        """A line for the user when some text could not be drawn, else none."""
        if not self.missing_glyphs:
            return []
        shown = "".join(self.missing_glyphs[:12]) + ("…" if len(self.missing_glyphs) > 12 else "")
        return [
            f"note: {self.path.name}: no installed font draws {shown!r} (drawn as empty boxes); install a font "
            "that does (e.g. Noto Sans CJK for Chinese, Japanese or Korean names) and figures use it"
        ]


#: Families that draw scripts DejaVu Sans lacks, tried in this order after it where installed (matplotlib falls
#: back glyph by glyph along the list).
FALLBACK_FONTS = (
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans CJK KR",
    "Noto Sans CJK TC",
    "Source Han Sans",
    "Source Han Sans SC",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Droid Sans Fallback",
    "PingFang SC",
    "Hiragino Sans",
    "Microsoft YaHei",
    "SimHei",
    "Malgun Gothic",
    "Arial Unicode MS",
    "Noto Sans",
)

_GLYPH_MISSING = re.compile(r"Glyph (\d+) \(.*\) missing from font")


def _sans_serif_with_fallbacks() -> list[str]:
    """matplotlib's sans-serif list with the installed fallback families after DejaVu Sans."""
    import matplotlib
    from matplotlib import font_manager

    installed = {f.name for f in font_manager.fontManager.ttflist}
    extra = [name for name in FALLBACK_FONTS if name in installed]
    base = list(matplotlib.rcParams["font.sans-serif"])
    return [*base[:1], *extra, *(b for b in base[1:] if b not in extra)]


def _missing_char(message: str) -> str | None:
    """The character a matplotlib 'Glyph N (...) missing from font(s) ...' warning is about, else None."""
    found = _GLYPH_MISSING.match(message)
    try:
        return chr(int(found.group(1))) if found else None
    except (OverflowError, ValueError):
        return None


def save_figure_noting(
    fig: ggplot,
    path: Path | str,
    *,
    width: float | None = None,
    height: float | None = None,
    dpi: int = 150,
    palette: bool = True,
) -> SavedFigure:
    """``save_figure``, saying which characters no installed font could draw (a dataset named in Chinese on a
    machine with only DejaVu Sans: matplotlib draws empty boxes and warns, and plotnine's callers never saw it)."""
    path = Path(path)
    fmt = FIGURE_FORMATS.get(path.suffix.lower())
    if fmt is None:
        shown = path.suffix or "no extension"
        raise UsageError(
            f"cannot write a figure to {path.name!r} ({shown}); supported extensions: "
            f"{', '.join(FIGURE_FORMATS)}",
            hint="name the file e.g. figure.png, figure.svg or figure.pdf",
        )
    if (width is None) != (height is None):
        raise UsageError("give both the width and the height of the figure, or neither")
    if width is None or height is None:
        width, height = figure_size(fig)
    if not (width > 0 and height > 0 and dpi > 0):
        raise UsageError("figure width, height and dpi must be positive")
    use_agg()
    import matplotlib
    import matplotlib.pyplot as plt

    from l2l.io.atomic import atomic_write

    buf = io.BytesIO()
    before = set(plt.get_fignums())
    missing: dict[str, None] = {}
    try:
        # names are text, never TeX: a dataset called 'bad $\frac{$ x' crashed every figure, and '$x_1$' was drawn
        # as a subscript (only this drawing is affected, not the user's matplotlib settings)
        fonts: Any = {"text.parse_math": False, "font.sans-serif": _sans_serif_with_fallbacks()}
        with matplotlib.rc_context(fonts), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", UserWarning)
            fig.save(
                buf,
                format=fmt,
                width=width,
                height=height,
                units="in",
                dpi=dpi,
                limitsize=False,
                verbose=False,
            )
        for w in caught:
            char = _missing_char(str(w.message))
            if char is not None:
                missing[char] = None
            else:  # not ours to judge: passed on as it came
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    finally:
        for num in set(plt.get_fignums()) - before:  # plotnine leaves its figure open in pyplot
            plt.close(num)
    content = _palette_png(buf.getvalue()) if fmt == "png" and palette else buf.getvalue()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, content)
    except OSError as exc:
        raise OutputError(f"cannot write the figure {path}: {exc.strerror or exc}") from None
    return SavedFigure(path, tuple(missing))


def _palette_png(png: bytes) -> bytes:
    """A PNG re-stored with an adaptive 256-colour palette (octree, no dithering) and optimised compression."""
    from PIL import Image

    with Image.open(io.BytesIO(png)) as img:
        dpi = img.info.get("dpi")
        quantized = img.convert("RGB").quantize(
            colors=256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE
        )
    out = io.BytesIO()
    quantized.save(out, format="png", optimize=True, **({"dpi": dpi} if dpi else {}))
    return out.getvalue()
