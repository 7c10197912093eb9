"""The boxes, circles and captions every picture of a computation graph is
made of (the full, compact and grouped views of :mod:`viz.graph`, the
stepper of :mod:`viz.animate`), in the shared look of :mod:`viz.style`.
"""
from __future__ import annotations

import re
import textwrap
from typing import Any, Optional

from autograd import Node

from . import style
from .render import Digraph
from .topology import Graph, name_of

CAPTION_WIDTH = 100  # characters per line of a title under the picture


def new_digraph(root: Node, graph: Optional[dict] = None, node: Optional[dict] = None,
                edge: Optional[dict] = None) -> Digraph:
    """An empty picture in the shared look, named after ``root`` (render()'s
    default file name: graph_E_total.gv -> .svg)."""
    dot = Digraph(name=re.sub(r"\W+", "_", f"graph_{name_of(root)}").strip("_"), format="svg")
    dot.attr("graph", **{**style.GRAPH_ATTR, **(graph or {})})
    dot.attr("node", **{**style.NODE_ATTR, **(node or {})})
    dot.attr("edge", **{**style.EDGE_ATTR, **(edge or {})})
    return dot


def _constant_text(x: Any, matrices: bool = False) -> str:
    """A constant's label: its number, or (``matrices``) a small matrix a line per row."""
    lines = style.matrix_lines(x, 3) if matrices else []
    if lines:
        return style.html_label([f'<tr><td align="left"><font face="{style.MONO}">'
                                 f'{style.esc(line).replace(" ", "&#160;")}</font></td></tr>'
                                 for line in lines])
    return f"{style.scalar(x):g}" if style.is_scalar(x) else style.number(x, 3)


def value_box(dot: Digraph, node_id: str, n: Node, digits: int, is_root: bool,
              extra: Optional[dict] = None, short: bool = False, matrices: bool = False) -> None:
    """A value's box: its label, data and grad (``short``: ``w1 = 0.1`` and grad;
    ``matrices``: a small Tensor's entries in full)."""
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": style.VALUE_FILL,
             "margin": "0.08,0.04", "id": node_id}
    if is_root:
        attrs["fillcolor"] = style.ROOT_FILL
    if extra:
        attrs.update(extra)
    if short:
        attrs["margin"] = "0.05,0.03"
    rows = (style.short_value_rows(n.label, n.data, n.grad, digits) if short else
            style.value_rows(n.label, n.data, n.grad, digits, matrices=matrices))
    dot.node(node_id, label=style.html_label(rows), **attrs)


def value_node(dot: Digraph, graph: Graph, i: int, digits: int,
               extra: Optional[dict] = None, matrices: bool = False) -> None:
    """Node ``i``'s box, or a small grey one with its number for a constant."""
    n = graph.order[i]
    if graph.is_constant(i):
        dot.node(f"v{i}", label=_constant_text(n.data, matrices), id=f"v{i}", shape="box",
                 style="rounded,filled", fillcolor=style.CONST_FILL, color=style.EDGE,
                 fontcolor=style.MUTED, fontsize="10", margin="0.05,0.02", height="0.25",
                 width="0.3")
        return
    value_box(dot, f"v{i}", n, digits, i == len(graph.order) - 1, extra, matrices=matrices)


def op_node(dot: Digraph, i: int, symbol: str, extra: Optional[dict] = None) -> None:
    """The circle of node ``i``'s operation (its symbol: +, *, σ, ...)."""
    attrs = {"shape": "circle" if len(symbol) <= 2 else "ellipse", "style": "filled",
             "fillcolor": style.OP_FILL, "color": style.OP_BORDER, "fontsize": "12",
             "margin": "0.02,0.01", "width": "0.3", "height": "0.3", "id": f"o{i}"}
    if extra:
        attrs.update(extra)
    dot.node(f"o{i}", label=symbol, **attrs)


def legend(dot: Digraph, rows: list[str], notes: list[str], title: str = "") -> None:
    """The graph's label, under the picture: the caption (bold), the paths'
    legend, then notes on how to read it."""
    head = [f'<tr><td align="left"><b>{style.esc(line)}</b></td></tr>'
            for line in textwrap.wrap(title, CAPTION_WIDTH)]
    rows = head + rows + [f'<tr><td align="left"><font color="{style.LOCAL}">'
                          f"{style.esc(t)}</font></td></tr>" for t in notes]
    if rows:
        dot.attr("graph", labelloc="b", labeljust="l", fontsize="12",
                 label=style.html_label(rows, cellpadding="2"))

