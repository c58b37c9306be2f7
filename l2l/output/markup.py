"""Reports as Markdown (for notes, issues, READMEs) and as LaTeX with booktabs rules (for papers).

Both show what a terminal shows, with every column (no width to fit): the title, the table with the same numbers
(intervals as ``2.13 [2.08, 2.18]``), the summary and the notes. Names are escaped for the format (a ``|`` or a
``*`` in Markdown, ``_ & % $ #`` in LaTeX), after their control characters are shown as escapes.
"""

from __future__ import annotations

import re

from l2l.base.text import visible
from l2l.output.report import Column, Report, shown

__all__ = ["latex_number", "latex_text", "markdown_text", "to_latex", "to_markdown"]

# ---------------------------------------------------------------------------------------------------------------
# Markdown (GitHub-flavoured pipe tables)
# ---------------------------------------------------------------------------------------------------------------

#: Characters Markdown would read: emphasis, code, HTML and autolinks, table pipes, escapes, GitHub's math (``$``)
#: and strikethrough (``~``); and the ``](`` of an inline link (an interval's brackets, ``2.13 [2.08, 2.18]``, are
#: left as they are).
_MD_SPECIAL = re.compile(r"([\\`*|<>$~]|\](?=\())")
#: An underscore that could open or close emphasis: at the edge of a word.
_MD_EDGE_UNDERSCORE = re.compile(r"(?<![0-9A-Za-z])_|_(?![0-9A-Za-z])")


def markdown_text(text: str) -> str:
    """``text`` as Markdown shows it literally (``a|b`` → ``a\\|b``; ``*`` escaped; ``fineweb_edu`` untouched)."""
    text = _MD_SPECIAL.sub(r"\\\1", visible(text))
    return _MD_EDGE_UNDERSCORE.sub(r"\\_", text)


#: What opens a block when a line starts with it and a space: a heading (``#``), a list item (``-``, ``+``, ``1.``,
#: ``1)``); and indentation (a code block), which is dropped.
_MD_BLOCK_START = re.compile(r"(?:#{1,6}|[+-])(?=\s|$)|\d{1,9}(?=[.)](?:\s|$))")


def _markdown_line(text: str) -> str:
    """A summary or note as one Markdown paragraph: ``markdown_text``, and a start that would open a block escaped
    (a dataset ``# web`` made its summary a heading; ``1. web`` a numbered list)."""
    out = markdown_text(text).lstrip()
    m = _MD_BLOCK_START.match(out)
    if m is None:
        return out
    return "\\" + out if m.group()[0] in "#+-" else f"{m.group()}\\{out[m.end() :]}"


def _md_align(col: Column) -> str:
    return {"left": ":---", "right": "---:", "center": ":---:"}[col.justify]


def to_markdown(rep: Report) -> str:
    """A report as a Markdown block: **title**, a pipe table, the summary, the notes as a list."""
    cols = rep.table_columns()
    out: list[str] = []
    if rep.title:
        out += [f"**{markdown_text(rep.title)}**", ""]
    out.append("| " + " | ".join(markdown_text(c.title) for c in cols) + " |")
    out.append("|" + "|".join(_md_align(c) for c in cols) + "|")
    for r in rep.rows:
        out.append("| " + " | ".join(markdown_text(shown(c, r)) for c in cols) + " |")
    if rep.summary:
        out += ["", _markdown_line(rep.summary)]
    if rep.notes:
        out += ["", *(f"- {_markdown_line(n)}" for n in rep.notes)]
    return "\n".join(out) + "\n"


# ---------------------------------------------------------------------------------------------------------------
# LaTeX (booktabs)
# ---------------------------------------------------------------------------------------------------------------

_TEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}
_GREEK = (
    "α:alpha β:beta γ:gamma δ:delta ε:varepsilon ζ:zeta η:eta θ:theta ι:iota κ:kappa λ:lambda μ:mu ν:nu ξ:xi π:pi "
    "ρ:rho σ:sigma τ:tau υ:upsilon φ:varphi χ:chi ψ:psi ω:omega Γ:Gamma Δ:Delta Θ:Theta Λ:Lambda Ξ:Xi Π:Pi Σ:Sigma "
    "Υ:Upsilon Φ:Phi Ψ:Psi Ω:Omega"
)
#: Symbols of the tables (the paper's notation, units, arrows) as LaTeX writes them, so any engine compiles them.
_TEX_SYMBOLS = {
    # the Greek letters LaTeX has a command for (a name's λ or ρ stopped pdflatex: "Unicode character not set up")
    **{c: f"$\\{name}$" for c, name in (pair.split(":") for pair in _GREEK.split())},
    "×": r"$\times$",
    "·": r"$\cdot$",
    "−": r"$-$",
    "–": "--",
    "—": "---",
    "→": r"$\to$",
    "≈": r"$\approx$",
    "≤": r"$\le$",
    "≥": r"$\ge$",
    "±": r"$\pm$",
    "²": r"$^2$",
    "…": r"\ldots{}",
    "’": "'",
    "★": r"$\star$",
    "∞": r"$\infty$",
    "≠": r"$\ne$",
    "∈": r"$\in$",
    "√": r"$\surd$",
    "∝": r"$\propto$",
    "↔": r"$\leftrightarrow$",
    "|": r"\textbar{}",  # in the default OT1 encoding a bare | prints as an em-dash
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
#: The first character of a ligature TeX's fonts would make of two characters of a name (``--`` an en dash,
#: two backquotes or quotes curly double quotes, ``!``` and ``?``` inverted marks): ``{}`` is put after it, so that
#: ``c4--en`` prints as typed (pdflatex printed ``c4–en``).
_LIGATURE = r"-(?=-)|`(?=`)|'(?=')|[!?](?=`)|,(?=,)"
_TEX = re.compile("|".join([_LIGATURE, *(re.escape(k) for k in (*_TEX_SPECIAL, *_TEX_SYMBOLS))]))


def _tex(m: re.Match[str]) -> str:
    c = m.group()
    return _TEX_SPECIAL.get(c) or _TEX_SYMBOLS.get(c) or c + "{}"


def latex_text(text: str) -> str:
    """``text`` as LaTeX typesets it literally: specials escaped (``fineweb_edu`` → ``fineweb\\_edu``, ``90%`` →
    ``90\\%``), the tables' Greek letters and symbols in math mode, no ligature made of a name (``c4-{}-en``)."""
    out = _TEX.sub(_tex, visible(text))
    # a cell that opens with [ is read by \\ and \midrule before it as their optional argument: "[bold]" stopped
    # pdflatex with "Missing number"; one that opens with * is read by \\ as its star (a row "*code" printed "code")
    return "{}" + out if out.startswith(("[", "*")) else out


_SCI = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)e(-?)\+?0*(\d+)(?![\w.])")


def latex_number(text: str) -> str:
    """A number cell as a paper writes it: ``5.95e7`` → ``$5.95\\times10^{7}$`` (LaTeX-escaped text in, out)."""
    return _SCI.sub(lambda m: f"${m.group(1)}\\times10^{{{m.group(2)}{m.group(3)}}}$", text)


def _latex_cell(col: Column, text: str) -> str:
    cell = latex_text(text)
    return latex_number(cell) if col.justify == "right" else cell


#: A table of more rows than this is written as a ``longtable`` (``\usepackage{longtable}``), which breaks across
#: pages: as one float, the rows past the page were silently not typeset (``evaluate --detail``'s 750 rows: "Float
#: too large for page by 8493pt", probe h61). About a page of rows at the body's size.
LONGTABLE_ROWS = 40


def to_latex(rep: Report) -> str:
    """A report as a LaTeX ``table`` with a booktabs ``tabular`` (needs ``\\usepackage{booktabs}``), or beyond
    ``LONGTABLE_ROWS`` rows a booktabs ``longtable`` whose header repeats on every page (``\\usepackage{longtable}``
    too): the title as the caption, the summary and notes as comments under it (they say what the numbers are;
    cite them in the text)."""
    cols = rep.table_columns()
    spec = "".join({"left": "l", "right": "r", "center": "c"}[c.justify] for c in cols)
    header = "    " + " & ".join(latex_text(c.title) for c in cols) + r" \\"
    rows = ["    " + " & ".join(_latex_cell(c, shown(c, r)) for c in cols) + r" \\" for r in rep.rows]
    out = [f"% l2l: {latex_text(rep.kind)}"]
    if len(rep.rows) > LONGTABLE_ROWS:
        out.append(
            f"% {len(rep.rows)} rows: a longtable, which breaks across pages (\\usepackage{{longtable}})"
        )
        out.append(rf"\begin{{longtable}}{{{spec}}}")
        if rep.title:
            out.append(rf"  \caption{{{latex_text(rep.title)}}} \\")
        out += [r"    \toprule", header, r"    \midrule", r"  \endfirsthead"]
        out += [
            r"    \toprule",
            header,
            r"    \midrule",
            r"  \endhead",
            r"    \bottomrule",
            r"  \endlastfoot",
        ]
        out += [*rows, r"\end{longtable}"]
    else:
        out += [r"\begin{table}[htbp]", r"  \centering"]
        if rep.title:
            out.append(rf"  \caption{{{latex_text(rep.title)}}}")
        out += [rf"  \begin{{tabular}}{{{spec}}}", r"    \toprule", header, r"    \midrule"]
        out += [*rows, r"    \bottomrule", r"  \end{tabular}", r"\end{table}"]
    if rep.summary:
        out.append(f"% {_comment(rep.summary)}")
    out += [f"% {_comment(n)}" for n in rep.notes]
    return "\n".join(out) + "\n"


def _comment(text: str) -> str:
    """Text for a LaTeX comment: one line, as typed (a comment is not typeset)."""
    return visible(text)
