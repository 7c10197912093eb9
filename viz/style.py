"""Colours, fonts and the small HTML-label helpers every picture shares.

One look across all views: data in dark ink, grad in a warm colour, local
derivatives in blue, highlighted paths bold in distinct colours.
"""
from __future__ import annotations

import html
import math
import unicodedata
from typing import Any

import numpy as np

from autograd import Node, format_number

from .i18n import _

# Arial/Courier New are metric-compatible with the fonts graphviz-pure bundles
# (Arimo/Cousine), and every browser has them or a look-alike.
FONT = "Arial"
MONO = "Courier New"

INK = "#1f2933"          # data, text
GRAD = "#c2410c"         # gradients: warm
LOCAL = "#1d4ed8"        # local derivatives on edges: blue
MUTED = "#64748b"        # borders, secondary text
EDGE = "#94a3b8"
OP_FILL = "#eef2ff"
OP_BORDER = "#818cf8"
VALUE_FILL = "#ffffff"
CONST_FILL = "#f1f5f9"
GROUP_FILL = "#f8fafc"
TARGET_FILL = "#fef9c3"
ROOT_FILL = "#f0fdf4"

# Distinct path colours, none close to GRAD or LOCAL.
PATH_COLORS = ("#7c3aed", "#059669", "#db2777", "#b45309", "#0891b2", "#4d7c0f",
               "#9333ea", "#be123c")
PATH_SHARED = "#4c1d95"  # when there are too many paths for one colour each

GRAPH_ATTR = {"rankdir": "LR", "fontname": FONT, "bgcolor": "white", "nodesep": "0.25",
              "ranksep": "0.35", "pad": "0.2"}
NODE_ATTR = {"fontname": FONT, "fontsize": "11", "color": MUTED, "fontcolor": INK}
EDGE_ATTR = {"fontname": FONT, "fontsize": "10", "color": EDGE, "arrowsize": "0.6"}


# Widths of characters, in em, at least as wide as Arial's and DejaVu Sans's (the
# browser's fallback where Arial is missing, about 10% wider): text measured with
# them fits wherever graphviz (which measures Arial) puts it.
_EM = {**dict.fromkeys(" .,:;'|ilj", 0.34), **dict.fromkeys("!()[]{}frt-·", 0.42),
       **dict.fromkeys("cszkvxy_", 0.6), **dict.fromkeys("mwMW%@…", 1.0)}


def text_width(text: str, size: float, bold: bool = False) -> float:
    """A safe estimate of ``text``'s width in points at font ``size`` (pt): a
    Chinese character is 1 em, Latin ones 0.34 to 1 em; bold 10% wider."""
    em = 0.0
    for ch in text:
        if unicodedata.east_asian_width(ch) in ("W", "F"):
            em += 1.0
        elif ch in _EM:
            em += _EM[ch]
        elif ch.isupper() or ch in "×≤≥+=<>~#&":
            em += 0.84
        else:
            em += 0.64
    return em * size * (1.1 if bold else 1.0)


def esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


MAX_DIGITS = 15  # a float holds 15 to 17 significant digits: more decimals would show noise


def check_digits(digits: Any, who: str) -> int:
    """``digits`` (decimals shown) as an int from 0 to MAX_DIGITS, else a
    clear error naming the function."""
    if isinstance(digits, bool) or not isinstance(digits, (int, np.integer)):
        raise TypeError(_("{who}: digits is the number of decimals shown, a whole number from 0 "
                          "to {most}, got {value}").format(who=who, most=MAX_DIGITS,
                                                           value=repr(digits)))
    if not 0 <= digits <= MAX_DIGITS:
        raise ValueError(_("{who}: digits must be from 0 to {most} (decimals shown), got "
                           "{value}").format(who=who, most=MAX_DIGITS, value=digits))
    return int(digits)


def number(x: Any, digits: int) -> str:
    """A scalar, a Value (a grad after create_graph) or an array, as text."""
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray):
        if x.size == 1:
            return format_number(float(x.reshape(-1)[0]), digits)
        if x.size <= 4:
            return "[" + ", ".join(format_number(float(v), digits) for v in x.reshape(-1)) + "]"
        return f"array{tuple(x.shape)} mean {format_number(float(np.mean(x)), digits)}"
    if x is None:
        return "-"
    return format_number(float(x), digits)


MATRIX_MAX = 4  # rows and columns of a Tensor a picture can write out in full (matrices=True)


def matrix_lines(x: Any, digits: int) -> list[str]:
    """A small array (at most MATRIX_MAX x MATRIX_MAX entries) as the lines
    of a matrix, one per row, its columns aligned: ``[ 0.47  -1.20]``. An
    empty list for anything else (a scalar, a bigger array): ``number()``
    says those."""
    if isinstance(x, Node):
        x = x.data
    if not isinstance(x, np.ndarray) or x.size <= 1 or x.ndim > 2:
        return []
    rows = np.atleast_2d(x)
    if rows.shape[0] > MATRIX_MAX or rows.shape[1] > MATRIX_MAX:
        return []
    cells = [[format_number(float(v), digits) for v in row] for row in rows]
    wide = max(len(c) for row in cells for c in row)
    return ["[" + "  ".join(c.rjust(wide) for c in row) + "]" for row in cells]


def is_scalar(x: Any) -> bool:
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray):
        return x.size == 1
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def scalar(x: Any) -> float:
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray):
        return float(x.reshape(-1)[0])
    return float(x)


def html_label(rows: list[str], **table_attrs: str) -> str:
    """An HTML-like graphviz label: one table, one cell per row."""
    attrs = {"border": "0", "cellspacing": "0", "cellpadding": "1"}
    attrs.update(table_attrs)
    head = " ".join(f'{k}="{v}"' for k, v in attrs.items())
    return f"<<table {head}>{''.join(rows)}</table>>"


def value_rows(label: str, data: Any, grad: Any, digits: int, *,
               show_grad: bool = True, matrices: bool = False) -> list[str]:
    """The rows of a value node: its name, then data (dark) and grad (warm).
    ``matrices``: a small Tensor's data and grad in full, a line per row."""
    rows = []
    if label:
        rows.append(f"<tr><td><b>{esc(label)}</b></td></tr>")
        rows.append("<hr/>")
    shown = [("data", data, INK)] + ([("grad", grad, GRAD)] if show_grad else [])
    for word, x, color in shown:
        lines = matrix_lines(x, digits) if matrices else []
        # a line per matrix row, under the first one indented as far as "data "
        # (non-breaking spaces: graphviz would drop the ones that align the columns)
        lines = [esc(f"{word if k == 0 else ' ' * len(word)} {line}").replace(" ", "&#160;")
                 for k, line in enumerate(lines)]
        for line in lines or [f"{word} {esc(number(x, digits))}"]:
            rows.append(f'<tr><td align="left"><font face="{MONO}" color="{color}">'
                        f"{line}</font></td></tr>")
    return rows


def short_value_rows(label: str, data: Any, grad: Any, digits: int, *,
                     show_grad: bool = True) -> list[str]:
    """Two rows, as the slides write a value: ``w1 = 0.100000``, then its grad."""
    head = f"<b>{esc(label)}</b> = " if label else "data "
    rows = [f'<tr><td align="left">{head}<font face="{MONO}" color="{INK}">'
            f"{esc(number(data, digits))}</font></td></tr>"]
    if show_grad:
        rows.append(f'<tr><td align="left"><font face="{MONO}" color="{GRAD}">'
                    f"grad {esc(number(grad, digits))}</font></td></tr>")
    return rows


def penwidth_for(magnitude: float, largest: float, lo: float = 0.6, hi: float = 5.0) -> float:
    """Edge width growing with |magnitude| (square root keeps small ones visible)."""
    if largest <= 0 or not math.isfinite(magnitude):
        return lo
    return lo + (hi - lo) * math.sqrt(min(abs(magnitude) / largest, 1.0))


def diverging(value: float, largest: float) -> str:
    """Blue for negative, red for positive, grey near zero (weights)."""
    if largest <= 0 or not math.isfinite(value):
        return "#9ca3af"
    t = max(-1.0, min(1.0, value / largest))
    grey = (156, 163, 175)
    end = (220, 38, 38) if t > 0 else (37, 99, 235)
    a = abs(t) ** 0.7
    r, g, b = (round(grey[i] + (end[i] - grey[i]) * a) for i in range(3))
    return f"#{r:02x}{g:02x}{b:02x}"
