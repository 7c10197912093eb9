"""Highlighting the chain rule's paths from the root down to a node: a colour
per path (a shared one past eight), and the legend listing each path's
factors and product, their sum, and the node's grad to compare.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, NamedTuple

from autograd import Paths

from . import style
from .paths import GradientPath, engine_paths
from .topology import name_of
from .i18n import _

LEGEND_PATHS = 12  # paths listed one by one in a highlight legend
_INDENT = "&#160;" * 6  # the numbers of a path under its symbols


class Highlight(NamedTuple):
    """What a highlight changes in a picture, by node index (or edge key)."""

    nodes: dict        # node index -> attributes of its box
    edges: dict        # (parent index, edge key) -> colours
    result_colors: dict  # node index -> colours of its op's result edge (full view)
    legend: list       # HTML rows
    target: int


NOTHING = Highlight({}, {}, {}, [], -1)  # no node highlighted


def highlight(graph: Any, target: int, digits: int) -> Highlight:
    """Colours for every path from the root down to ``target`` (one per path
    while there are few, a shared one past that) and the legend listing them."""
    paths = engine_paths(graph, target)
    listed = list(itertools.islice(paths, LEGEND_PATHS))
    per_path = paths.count <= len(style.PATH_COLORS)
    edge_colors: dict[tuple[int, Any], list[str]] = {}
    touched: dict[int, set] = {}
    if per_path:  # one colour per path; a shared edge gets parallel lines
        for k, path in enumerate(listed):
            color = style.PATH_COLORS[k]
            for parent, position, child in zip(path.nodes, path.positions, path.nodes[1:]):
                a, key, b = graph.locate(parent, position, child)
                edge_colors.setdefault((a, key), []).append(color)
                for i in (a, b):
                    touched.setdefault(i, set()).add(color)
    else:
        for parent, position, child in paths.edges():
            a, key, b = graph.locate(parent, position, child)
            edge_colors[(a, key)] = [style.PATH_SHARED]
            for i in (a, b):
                touched.setdefault(i, set()).add(style.PATH_SHARED)
    node_style: dict[int, dict] = {}
    result_colors: dict[int, list[str]] = {}
    for i, colors in touched.items():
        color = next(iter(colors)) if len(colors) == 1 else style.PATH_SHARED
        node_style[i] = {"color": color, "penwidth": "2.2"}
        result_colors[i] = [c for c in style.PATH_COLORS + (style.PATH_SHARED,) if c in colors]
    node_style[target] = {"color": node_style.get(target, {}).get("color", style.PATH_SHARED),
                          "penwidth": "3", "fillcolor": style.TARGET_FILL}
    legend = _path_legend(graph, target, paths, listed, per_path, digits)
    return Highlight(node_style, edge_colors, result_colors, legend, target)


def _path_legend(graph: Any, target: int, paths: Paths, listed: list, per_path: bool,
                 digits: int) -> list[str]:
    """The legend's rows: what is summed, each listed path, their sum, the grad."""
    root_name, node_name = name_of(graph.nodes[-1]), name_of(graph.nodes[target])
    n = paths.count
    if n == 0:
        title = _("{node} does not affect {root}: no path, ∂{root}/∂{node} = 0")
    elif n == 1:
        title = _("∂{root}/∂{node}: one path from {root} down to {node}")
    else:
        title = _("∂{root}/∂{node}: {count} paths from {root} down to {node}; their products "
                  "add up (the multi-path sum rule)")
    title = title.format(root=root_name, node=node_name, count=n)
    rows = [f'<tr><td align="left"><b>{style.esc(title)}</b></td></tr>']
    products = []
    for k, found in enumerate(listed):
        path = GradientPath(found.nodes, found.factors, found.product)
        products.append(path.product)
        rows.append(_path_rows(k, path, style.PATH_COLORS[k] if per_path else style.PATH_SHARED,
                               digits))
    if n > len(listed):
        more = _("… and {count} more paths").format(count=f"{n - len(listed):,}")
        rows.append(f'<tr><td align="left">{_INDENT}{style.esc(more)}</td></tr>')
    total = style.scalar(paths.derivative()) if n else 0.0  # their sum, in one sweep
    if n > 1:
        shown = " + ".join(style.number(p, digits) for p in products)
        if n > len(listed):
            shown += " + …"
        sum_word = _("sum")
        rows.append(f'<tr><td align="left">{_INDENT}<b>{style.esc(sum_word)}</b> '
                    f'<font face="{style.MONO}">= '
                    f"{style.esc(shown)} <b>= {style.esc(style.number(total, digits))}</b>"
                    "</font></td></tr>")
    return rows + _grad_check(graph.nodes[target], root_name, node_name, total, digits)


def _path_rows(k: int, path: GradientPath, color: str, digits: int) -> str:
    """Path k: its factors by name, under them by number, then their product."""
    esc, num = style.esc, style.number
    segs = path.segments()
    symbols = " × ".join(f"∂{name_of(u)}/∂{name_of(lo)}" for u, lo, _ in segs)
    numbers = " × ".join(num(v, digits) for _u, _lo, v in segs)
    name = _("path {number}:").format(number=k + 1)
    return (
        f'<tr><td align="left"><font color="{color}">■</font> '
        f'{esc(name)} {esc(symbols)}</td></tr>'
        f'<tr><td align="left">{_INDENT}<font face="{style.MONO}">= {esc(numbers)}</font>'
        "</td></tr>"
        # its own line: graphviz-pure over-estimates the width of ×, which would
        # leave a gap before a product written after the factors
        f'<tr><td align="left">{_INDENT}<font face="{style.MONO}" color="{color}"><b>= '
        f"{esc(num(path.product, digits))}</b></font></td></tr>"
    )


def _grad_check(node: Any, root_name: str, node_name: str, total: float, digits: int
                ) -> list[str]:
    """A row comparing the paths' sum with the node's grad (if it is a number)."""
    grad = node.grad
    if grad is None or not style.is_scalar(grad):
        return []
    g, num = style.scalar(grad), style.number
    if math.isclose(g, total, rel_tol=1e-9, abs_tol=1e-12):
        check = _("{node}.grad = {grad}, as backward() computed")
    elif g == 0.0:
        check = _("{node}.grad is 0: call {root}.backward() to fill it")
    else:
        check = _("{node}.grad = {grad} differs: was backward() run from {root} with zeroed "
                  "grads?")
    check = check.format(node=node_name, root=root_name, grad=num(g, digits))
    return [f'<tr><td align="left">{_INDENT}<font color="{style.GRAD}">'
            f"{style.esc(check)}</font></td></tr>"]
