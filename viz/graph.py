"""The computation graph as a picture: a value node per Value (label, data,
grad), an op node per operation, the local derivative on each edge, and the
paths of the chain rule highlighted with their products.

Everything is read through the public graph API (``data``, ``grad``,
``label``, ``op``, ``children``, :func:`autograd.topological_order`); local
derivatives come from the op table's own rule (``op.local``), never re-derived
here.

Grouping (``group=``) collapses big graphs, working from the nodes' labels
and the graph's structure only:

1. Each node gets a group name from the ``group`` rule: ``"neuron"`` puts
   ``net_h1``/``out_h1`` (the nn package's names) in neuron ``h1`` and any
   other labelled operation (``E_o1``, ``E_total``) in a group of its label;
   ``"layer"`` does the same, then merges neurons into layers by name (h1, h2,
   h3 -> ``h*``; h2_1 ... h2_16 -> ``h2_*``; o1, o2 -> ``o*``); ``"label"``
   makes every labelled operation a group; a mapping {label prefix: name} or a
   function node -> name (or None) gives your own.
2. Leaves whose label other leaves carry too are per-sample data (the ``x1``
   of every sample of a batch): they gather by label.
3. A node still without a name joins the group of the node(s) it feeds when
   they all agree: the products and partial sums inside a neuron join that
   neuron's ``net_h1``, a weight joins the neuron it feeds. (With ``"layer"``
   this is decided at the neuron level, so an input feeding several neurons of
   one layer stays apart.)
4. What is left: labelled nodes gather by label (a shared bias ``b1``),
   unlabelled leaves feeding several groups gather as "inputs", the rest are
   drawn one by one. A group of a single node is drawn as that node.
"""
from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from typing import Any, Callable, Iterator, Mapping, NamedTuple, Optional, Union

from autograd import topological_order
from autograd.node import Node

from . import style
from .render import Digraph

GroupRule = Union[str, Mapping[str, str], Callable[[Node], Optional[str]]]

LEGEND_PATHS = 12  # paths listed one by one in a highlight legend


class GraphTooLargeError(ValueError):
    """The graph has more nodes than can be laid out and read; the message
    explains how to collapse it."""


# --- reading the graph ---------------------------------------------------------------

def local_derivatives(node: Node) -> Optional[tuple]:
    """d node / d operand for each operand, from the op's own ``local`` rule
    (``None`` for a leaf or an op whose derivative is a Jacobian, e.g. matmul)."""
    op = node.op
    if not node.children or op.local is None:
        return None
    return op.local(node.data, *(c.data for c in node.children))


def _is_constant_edge(parent: Node, position: int) -> bool:
    return position in parent.op.constant_operands


class _Graph:
    """The graph under ``root`` in topological order, with each node's users."""

    def __init__(self, root: Node) -> None:
        if not isinstance(root, Node):
            raise TypeError(
                f"expected a Value (or Tensor) as the root of the graph, got "
                f"{type(root).__name__}: {root!r}"
            )
        self.root = root
        self.order = topological_order(root)
        self.index = {id(n): i for i, n in enumerate(self.order)}
        # users[i]: (parent index, operand position) for every use of node i
        self.users: list[list[tuple[int, int]]] = [[] for _ in self.order]
        for i, n in enumerate(self.order):
            for pos, c in enumerate(n.children):
                self.users[self.index[id(c)]].append((i, pos))
        self._locals: dict[int, Optional[tuple]] = {}

    def local(self, i: int) -> Optional[tuple]:
        if i not in self._locals:
            self._locals[i] = local_derivatives(self.order[i])
        return self._locals[i]

    def is_constant(self, i: int) -> bool:
        """A number lifted into the graph (the 2 in ``x * 2``), or a leaf used
        only where no gradient flows (the exponent of x**2)."""
        n = self.order[i]
        if getattr(n, "is_constant", False):
            return True
        uses = self.users[i]
        return (not n.children and bool(uses)
                and all(_is_constant_edge(self.order[p], pos) for p, pos in uses))

    def find(self, node: Node, what: str) -> int:
        if not isinstance(node, Node):
            raise TypeError(f"{what} must be a node of the graph, got {type(node).__name__}")
        i = self.index.get(id(node))
        if i is None:
            raise ValueError(
                f"{what}: {name_of(node)} is not in the graph under {name_of(self.root)} "
                "(the root does not depend on it)"
            )
        return i


def name_of(node: Node) -> str:
    """How a node is called in legends: its label, else its op, else its data."""
    if node.label:
        return node.label
    if node.children:
        return f"({node.op.symbol})"
    return style.number(node.data, 6).rstrip("0").rstrip(".") if style.is_scalar(node.data) \
        else "(leaf)"


# --- the chain rule's paths ----------------------------------------------------------------

class GradientPath(NamedTuple):
    """One path of the chain rule from the root down to a node.

    ``nodes``: root first, the node last; each is an operand of the one before.
    ``factors``: the local derivatives d nodes[k] / d nodes[k+1] along it.
    ``product``: their product, this path's share of the node's grad.
    """

    nodes: tuple
    factors: tuple
    product: float

    def segments(self) -> list[tuple[Node, Node, float]]:
        """The path cut at its labelled nodes, as the slides write it:
        (upper, lower, d upper / d lower) with the factors in between multiplied
        (dE_total/dout_o1 * dout_o1/dnet_o1 * ...). A path with no labelled node
        inside is cut at every node."""
        last = len(self.nodes) - 1
        cuts = [k for k in range(1, last) if self.nodes[k].label]
        if not cuts:
            cuts = list(range(1, last))
        cuts = [0] + cuts + [last] if last > 0 else [0]
        out = []
        for a, b in zip(cuts, cuts[1:]):
            out.append((self.nodes[a], self.nodes[b], math.prod(self.factors[a:b])))
        return out

    def describe(self, digits: int = 6) -> str:
        """``dE/dout * dout/dw = 0.5 * 2 = 1`` in plain text."""
        segs = self.segments()
        if not segs:
            return f"d{name_of(self.nodes[0])}/d{name_of(self.nodes[0])} = 1"
        symbols = " * ".join(f"d{name_of(u)}/d{name_of(lo)}" for u, lo, _ in segs)
        numbers = " * ".join(style.number(v, digits) for _, _, v in segs)
        return f"{symbols} = {numbers} = {style.number(self.product, digits)}"


class _Paths:
    """The part of the graph between root and a target: which nodes lie on a
    path to it, how many paths there are, and the paths themselves."""

    def __init__(self, graph: _Graph, target: int) -> None:
        self.graph = graph
        self.target = target
        order = graph.order
        on = [False] * len(order)
        count = [0] * len(order)
        on[target] = True
        count[target] = 1
        # children come first in topological order, so one forward sweep suffices
        for i in range(target + 1, len(order)):
            n = order[i]
            if not n.children:
                continue
            total = 0
            for pos, c in enumerate(n.children):
                if _is_constant_edge(n, pos):
                    continue
                ci = graph.index[id(c)]
                if on[ci]:
                    total += count[ci]
            if total:
                on[i] = True
                count[i] = total
        self.on = on
        self.count = count[-1]  # paths from the root

    def edges(self) -> Iterator[tuple[int, int, int]]:
        """(parent, operand position, child) for every edge on some path."""
        g = self.graph
        for i in range(self.target + 1, len(g.order)):
            if not self.on[i]:
                continue
            n = g.order[i]
            for pos, c in enumerate(n.children):
                ci = g.index[id(c)]
                if self.on[ci] and not _is_constant_edge(n, pos):
                    yield i, pos, ci

    def __iter__(self) -> Iterator[tuple[list[int], list[int], tuple]]:
        """Paths as (node indices, operand positions, factors), depth first,
        first operand first; an explicit stack, no recursion."""
        g = self.graph
        root = len(g.order) - 1
        if not self.on[root]:
            return
        stack: list[tuple[int, tuple, tuple, tuple]] = [(root, (root,), (), ())]
        while stack:
            i, nodes, positions, factors = stack.pop()
            if i == self.target:
                yield list(nodes), list(positions), factors
                continue
            n = g.order[i]
            locals_ = g.local(i)
            if locals_ is None:
                raise ValueError(
                    f"gradient paths need scalar local derivatives, but op {n.op.name!r} "
                    f"({name_of(n)}) has a Jacobian (vector-Jacobian product) instead"
                )
            branches = []
            for pos, c in enumerate(n.children):
                ci = g.index[id(c)]
                if self.on[ci] and not _is_constant_edge(n, pos):
                    branches.append((ci, nodes + (ci,), positions + (pos,),
                                     factors + (locals_[pos],)))
            stack.extend(reversed(branches))


def gradient_paths(root: Node, node: Node, *, max_paths: int = 10_000) -> list[GradientPath]:
    """Every path of the chain rule from ``root`` down to ``node``: the nodes
    along it, the local derivative at each step and their product. The products
    sum to d root / d node, which is ``node.grad`` after ``root.backward()``:
    the multi-path sum rule.

    >>> from autograd import Value
    >>> a = Value(1.0, "a"); b = (a + a).named("b"); c = (b + b).named("c")
    >>> [p.product for p in gradient_paths(c, a)]
    [1.0, 1.0, 1.0, 1.0]
    """
    graph = _Graph(root)
    target = graph.find(node, "gradient_paths(node)")
    paths = _Paths(graph, target)
    if paths.count > max_paths:
        raise ValueError(
            f"there are {paths.count:,} paths from {name_of(root)} down to {name_of(node)}, "
            f"more than max_paths={max_paths:,}: too many to list (their sum is still "
            f"{name_of(node)}.grad). Pick a node nearer the root, or raise max_paths."
        )
    out = []
    for idx, _, factors in paths:
        product = math.prod(factors) if factors else 1.0
        out.append(GradientPath(tuple(graph.order[i] for i in idx), tuple(factors), product))
    return out


# --- grouping --------------------------------------------------------------------------------

_NEURON_LABEL = re.compile(r"^(?:net|out)_(.+)$")


def _neuron_of(label: str) -> Optional[str]:
    """The neuron a node belongs to, from the nn package's names:
    net_h1 / out_h1 -> h1 (and net_h2_5 -> h2_5); None for other labels."""
    m = _NEURON_LABEL.match(label)
    return m.group(1) if m else None


def _layer_of(neuron: str) -> str:
    """The layer of a neuron name: h2_5 -> h2_*, h3 -> h*, o1 -> o*."""
    if "_" in neuron:
        return neuron.rsplit("_", 1)[0] + "_*"
    return (neuron.rstrip("0123456789") or neuron) + "*"


def _by_label(node: Node) -> Optional[str]:
    return (node.label or None) if node.children else None


def _by_neuron(node: Node) -> Optional[str]:
    if not (node.label and node.children):
        return None
    return _neuron_of(node.label) or node.label


def _by_layer(node: Node) -> Optional[str]:
    # Only a marker: "layer" groups by neuron first, then merges the neurons of a
    # layer (see _assign_rule), so an input feeding several neurons stays apart.
    return _by_neuron(node)


STRATEGIES: dict[str, Callable[[Node], Optional[str]]] = {
    "label": _by_label,
    "neuron": _by_neuron,
    "layer": _by_layer,
}


def _group_rule(group: GroupRule) -> Callable[[Node], Optional[str]]:
    if isinstance(group, str):
        try:
            return STRATEGIES[group]
        except KeyError:
            raise ValueError(
                f"group={group!r}: unknown grouping; use one of {sorted(STRATEGIES)}, a mapping "
                "{label prefix: group name}, or a function node -> group name (or None)"
            ) from None
    if isinstance(group, Mapping):
        prefixes = sorted(group.items(), key=lambda kv: -len(kv[0]))

        def by_prefix(node: Node) -> Optional[str]:
            label = node.label
            if label:
                for prefix, name in prefixes:
                    if label.startswith(prefix):
                        return name
            return None
        return by_prefix
    if callable(group):
        return group
    raise TypeError(f"group must be a str, a mapping or a function, got {type(group).__name__}")


def assign_groups(root: Node, group: GroupRule) -> dict[int, Optional[str]]:
    """Group name of every node under ``root`` (keyed by ``id(node)``), by the
    rules in this module's docstring; ``None`` means drawn on its own."""
    graph = _Graph(root)
    return {id(graph.order[i]): g for i, g in enumerate(_assign_rule(graph, group))}


def _assign_rule(graph: _Graph, group: GroupRule) -> list[Optional[str]]:
    rule = _group_rule(group)
    groups = _assign(graph, rule)
    if rule is _by_layer:  # neurons first, then each neuron into its layer
        layer_of = {g: _layer_of(g) for g in set(groups) if g is not None}
        neurons = {_neuron_of(n.label) for n in graph.order if n.children and n.label}
        groups = [layer_of[g] if g in neurons else g for g in groups]
    return groups


def _assign(graph: _Graph, rule: Callable[[Node], Optional[str]]) -> list[Optional[str]]:
    order = graph.order
    labels = [n.label for n in order]
    leaf = [not n.children for n in order]
    if rule in (_by_neuron, _by_layer):  # the built-in rule, on the labels read once
        groups: list[Optional[str]] = [
            None if (is_leaf or not label) else (_neuron_of(label) or label)
            for label, is_leaf in zip(labels, leaf)]
    else:
        groups = [None if g is None else str(g) for g in map(rule, order)]
    # Leaves carrying the same label as other leaves are per-sample data (the x1
    # of every sample): they gather by label rather than join the first layer.
    leaf_labels = Counter(label for label, is_leaf in zip(labels, leaf) if is_leaf and label)
    for i, label in enumerate(labels):
        if groups[i] is None and leaf[i] and label and leaf_labels[label] > 1:
            groups[i] = label
    users = graph.users
    for i in range(len(order) - 1, -1, -1):  # users before the nodes they use
        if groups[i] is not None:
            continue
        seen = {groups[p] for p, _ in users[i]}
        if len(seen) == 1:
            groups[i] = seen.pop()  # may be None: then it stays alone
    for i, label in enumerate(labels):
        if groups[i] is None:
            if label:
                groups[i] = label
            elif leaf[i] and len(users[i]) > 1:
                groups[i] = "inputs"
    return groups


# --- drawing -----------------------------------------------------------------------------------

def _new_digraph(root: Node) -> Digraph:
    # the name is render()'s default file name: graph_E_total.gv -> .svg
    dot = Digraph(name=re.sub(r"\W+", "_", f"graph_{name_of(root)}").strip("_"), format="svg")
    dot.attr("graph", **style.GRAPH_ATTR)
    dot.attr("node", **style.NODE_ATTR)
    dot.attr("edge", **style.EDGE_ATTR)
    return dot


def _constant_text(x: Any) -> str:
    return f"{style.scalar(x):g}" if style.is_scalar(x) else style.number(x, 3)


def _value_node(dot: Digraph, graph: _Graph, i: int, digits: int,
                extra: Optional[dict] = None) -> None:
    n = graph.order[i]
    if graph.is_constant(i):
        dot.node(f"v{i}", label=_constant_text(n.data), id=f"v{i}", shape="box",
                 style="rounded,filled", fillcolor=style.CONST_FILL, color=style.EDGE,
                 fontcolor=style.MUTED, fontsize="10", margin="0.05,0.02", height="0.25",
                 width="0.3")
        return
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": style.VALUE_FILL,
             "margin": "0.08,0.04", "id": f"v{i}"}
    if i == len(graph.order) - 1:
        attrs["fillcolor"] = style.ROOT_FILL
    if extra:
        attrs.update(extra)
    dot.node(f"v{i}", label=style.html_label(style.value_rows(n.label, n.data, n.grad, digits)),
             **attrs)


def _op_node(dot: Digraph, i: int, symbol: str, extra: Optional[dict] = None) -> None:
    attrs = {"shape": "circle" if len(symbol) <= 2 else "ellipse", "style": "filled",
             "fillcolor": style.OP_FILL, "color": style.OP_BORDER, "fontsize": "12",
             "margin": "0.02,0.01", "width": "0.3", "height": "0.3", "id": f"o{i}"}
    if extra:
        attrs.update(extra)
    dot.node(f"o{i}", label=symbol, **attrs)


def draw_graph(
    root: Node,
    *,
    digits: int = 6,
    edge_labels: bool = False,
    highlight: Optional[Node] = None,
    group: Optional[GroupRule] = None,
    max_nodes: int = 2000,
) -> Digraph:
    """The computation graph under ``root`` as a ``graphviz.Digraph`` (left to
    right): a box per value (label, data, grad with ``digits`` decimals) and a
    circle per operation.

    ``edge_labels``: write on each edge the local derivative d(result)/d(operand).
    ``highlight=node``: colour every path from ``root`` down to ``node`` and list
    each path's product of local derivatives and their sum (== node.grad).
    ``group``: collapse the graph into groups: ``"neuron"``, ``"layer"``,
    ``"label"``, a mapping {label prefix: group name}, or a function
    node -> group name or None (see the module docstring for how unnamed
    nodes join groups). ``max_nodes``: past this many boxes the call raises
    :class:`GraphTooLargeError` explaining how to collapse instead of hanging.
    Render with ``viz.save(g, "graph.png")``, ``g.render()`` or by showing ``g``
    in Jupyter.
    """
    graph = _Graph(root)
    if group is not None:
        if highlight is not None:
            raise ValueError("highlight= needs the full graph; leave group=None to highlight paths")
        return _draw_grouped(graph, group, digits, max_nodes)
    n_nodes = len(graph.order)
    if n_nodes > max_nodes:
        raise GraphTooLargeError(
            f"draw_graph: the graph under {name_of(root)} has {n_nodes:,} nodes, more than "
            f"max_nodes={max_nodes:,}; one box per node would take minutes to lay out and could "
            "not be read. Collapse it: draw_graph(root, group='neuron') (one box per neuron), "
            "group='layer' (one per layer), group='label', or group=a function node -> group "
            "name (unnamed nodes join the group they feed). Or draw a smaller piece (one "
            "sample's loss), or raise max_nodes."
        )
    return _draw_full(graph, digits, edge_labels, highlight)


def _draw_full(graph: _Graph, digits: int, edge_labels: bool,
               highlight: Optional[Node]) -> Digraph:
    dot = _new_digraph(graph.root)
    order = graph.order
    node_style: dict[int, dict] = {}
    op_style: dict[int, dict] = {}
    edge_colors: dict[tuple[int, int], list[str]] = {}  # (op node, operand) -> colours
    out_colors: dict[int, list[str]] = {}
    legend_rows: list[str] = []
    target = -1

    if highlight is not None:
        target = graph.find(highlight, "highlight")
        paths = _Paths(graph, target)
        listed = list(itertools.islice(paths, LEGEND_PATHS))
        per_path = paths.count <= len(style.PATH_COLORS)
        if per_path:  # one colour per path; a shared edge gets parallel lines
            for k, (idx, positions, _) in enumerate(listed):
                for a, pos in zip(idx, positions):
                    edge_colors.setdefault((a, pos), []).append(style.PATH_COLORS[k])
        else:
            for a, pos, _ in paths.edges():
                edge_colors[(a, pos)] = [style.PATH_SHARED]
        seen: dict[int, set] = {}
        for (a, pos), colors in edge_colors.items():
            child = graph.index[id(order[a].children[pos])]
            for i in (a, child):
                seen.setdefault(i, set()).update(colors)
        for i, colors in seen.items():
            color = next(iter(colors)) if len(colors) == 1 else style.PATH_SHARED
            node_style[i] = {"color": color, "penwidth": "2.2"}
            op_style[i] = {"color": color, "penwidth": "2"}
            out_colors[i] = [c for c in style.PATH_COLORS + (style.PATH_SHARED,) if c in colors]
        node_style[target] = {"color": node_style.get(target, {}).get("color", style.PATH_SHARED),
                              "penwidth": "3", "fillcolor": style.TARGET_FILL}
        legend_rows = _path_legend(graph, target, paths, listed, per_path, digits)

    for i, n in enumerate(order):
        _value_node(dot, graph, i, digits, node_style.get(i))
        if not n.children:
            continue
        _op_node(dot, i, n.op.symbol, op_style.get(i))
        result_attrs = {"id": f"r{i}"}
        if i in out_colors and i != target:
            result_attrs.update(color=":".join(out_colors[i]), penwidth="2.2")
        dot.edge(f"o{i}", f"v{i}", **result_attrs)
        locals_ = graph.local(i) if edge_labels else None
        for pos, c in enumerate(n.children):
            ci = graph.index[id(c)]
            attrs = {"id": f"e{i}_{pos}"}
            if _is_constant_edge(n, pos) or graph.is_constant(ci):
                attrs.update(style="dashed", color="#cbd5e1")
            else:
                colors = edge_colors.get((i, pos))
                if colors:
                    attrs.update(color=":".join(colors), penwidth="2.2")
                if locals_ is not None:
                    attrs.update(label=f" {style.number(locals_[pos], digits)} ",
                                 fontcolor=style.LOCAL)
            dot.edge(f"v{ci}", f"o{i}", **attrs)

    notes = []
    if edge_labels:
        notes.append(f'<tr><td align="left" colspan="3"><font color="{style.LOCAL}">blue numbers '
                     "on edges: the local derivative ∂(result)/∂(operand) of each op"
                     "</font></td></tr>")
    if legend_rows or notes:
        dot.attr("graph", labelloc="b", labeljust="l", fontsize="12",
                 label=style.html_label(legend_rows + notes, cellpadding="2"))
    return dot


def _path_legend(graph: _Graph, target: int, paths: _Paths, listed: list, per_path: bool,
                 digits: int) -> list[str]:
    order = graph.order
    root_name, node_name = name_of(graph.root), name_of(order[target])
    esc, num = style.esc, style.number
    n = paths.count
    title = (f"∂{root_name}/∂{node_name}: {n} paths from {root_name} down to {node_name}; "
             "their products add up (the multi-path sum rule)" if n != 1 else
             f"∂{root_name}/∂{node_name}: one path from {root_name} down to {node_name}")
    if n == 0:
        title = f"{node_name} does not affect {root_name}: no path, ∂{root_name}/∂{node_name} = 0"
    rows = [f'<tr><td align="left" colspan="3"><b>{esc(title)}</b></td></tr>']
    products = []
    for k, (idx, _, factors) in enumerate(listed):
        path = GradientPath(tuple(order[i] for i in idx), tuple(factors),
                            math.prod(factors) if factors else 1.0)
        products.append(path.product)
        color = style.PATH_COLORS[k] if per_path else style.PATH_SHARED
        segs = path.segments()
        symbols = " × ".join(f"∂{name_of(u)}/∂{name_of(lo)}" for u, lo, _ in segs)
        numbers = " × ".join(num(v, digits) for _, _, v in segs)
        rows.append(
            f'<tr><td><font color="{color}" point-size="14">■</font></td>'
            f'<td align="left">path {k + 1}: {esc(symbols)}</td><td></td></tr>'
            f'<tr><td></td><td align="left"><font face="{style.MONO}">= {esc(numbers)}</font></td>'
            f'<td align="left"><font face="{style.MONO}" color="{color}"><b>= '
            f"{esc(num(path.product, digits))}</b></font></td></tr>"
        )
    if n > len(listed):
        rows.append(f'<tr><td></td><td align="left" colspan="2">… and {n - len(listed):,} more '
                    "paths</td></tr>")
    total = _sum_over_paths(graph, paths)
    if n > 1:
        shown = " + ".join(num(p, digits) for p in products)
        if n > len(listed):
            shown += " + …"
        rows.append(f'<tr><td></td><td align="left"><b>sum</b> <font face="{style.MONO}">= '
                    f"{esc(shown)}</font></td><td align=\"left\"><font face=\"{style.MONO}\">"
                    f"<b>= {esc(num(total, digits))}</b></font></td></tr>")
    grad = order[target].grad
    if grad is not None and style.is_scalar(grad):
        g = style.scalar(grad)
        if math.isclose(g, total, rel_tol=1e-9, abs_tol=1e-12):
            check = f"{node_name}.grad = {num(g, digits)}, as backward() computed"
        elif g == 0.0:
            check = f"{node_name}.grad is 0: call {root_name}.backward() to fill it"
        else:
            check = (f"{node_name}.grad = {num(g, digits)} differs: was backward() run from "
                     f"{root_name} with zeroed grads?")
        rows.append(f'<tr><td></td><td align="left" colspan="2"><font color="{style.GRAD}">'
                    f"{esc(check)}</font></td></tr>")
    return rows


def _sum_over_paths(graph: _Graph, paths: _Paths) -> float:
    """Sum of all path products without listing them: the same sweep as the
    backward pass, restricted to the nodes on a path."""
    if paths.count == 0:
        return 0.0
    below = {paths.target: 1.0}  # d node / d target, for nodes on a path
    for i in range(paths.target + 1, len(graph.order)):
        if not paths.on[i]:
            continue
        n = graph.order[i]
        locals_ = graph.local(i)
        total = 0.0
        for pos, c in enumerate(n.children):
            ci = graph.index[id(c)]
            if paths.on[ci] and not _is_constant_edge(n, pos):
                total += style.scalar(locals_[pos]) * below[ci]
        below[i] = total
    return below[len(graph.order) - 1]


def _draw_grouped(graph: _Graph, group: GroupRule, digits: int, max_nodes: int) -> Digraph:
    order = graph.order
    groups = _assign_rule(graph, group)
    members: dict[str, list[int]] = {}
    for i, g in enumerate(groups):
        if g is not None:
            members.setdefault(g, []).append(i)
    for g, idx in list(members.items()):
        if len(idx) == 1:  # a group of one is just that node
            groups[idx[0]] = None
            del members[g]
    alone = [i for i, g in enumerate(groups) if g is None]
    boxes = len(members) + len(alone)
    if boxes > max_nodes:
        raise GraphTooLargeError(
            f"draw_graph: even grouped, the graph under {name_of(graph.root)} needs {boxes:,} "
            f"boxes ({len(members):,} groups and {len(alone):,} nodes left on their own), more "
            f"than max_nodes={max_nodes:,}. Label the nodes left alone, or pass a group "
            "function that names more of them, or raise max_nodes."
        )
    dot = _new_digraph(graph.root)
    gid = {g: f"g{k}" for k, g in enumerate(members)}

    for g, idx in members.items():
        is_root = groups[len(order) - 1] == g
        dot.node(gid[g], label=_group_label(graph, g, idx, groups, digits), shape="box",
                 style="rounded,filled", color=style.MUTED, margin="0.12,0.06", id=gid[g],
                 fillcolor=style.ROOT_FILL if is_root else style.GROUP_FILL,
                 penwidth="2" if is_root else "1")
    for i in alone:
        _value_node(graph=graph, dot=dot, i=i, digits=digits)
        n = order[i]
        if n.children:
            _op_node(dot, i, n.op.symbol)
            dot.edge(f"o{i}", f"v{i}")

    def unit(i: int) -> str:
        g = groups[i]
        return gid[g] if g is not None else f"v{i}"

    links: Counter = Counter()
    for i, n in enumerate(order):
        head = gid[groups[i]] if groups[i] is not None else f"o{i}"
        for c in n.children:
            tail = unit(graph.index[id(c)])
            if groups[i] is not None and tail == head:
                continue
            links[(tail, head)] += 1
    # Counts on the links help while there are few; past that, edge labels would
    # each take a slot in the layout and stretch the picture, so width alone tells.
    few = len(links) <= 30
    if not few:  # a dense mesh (layer to layer): thin, translucent, spread apart
        dot.attr("graph", ranksep="1.2")
        dot.attr("edge", color=style.EDGE + "90", penwidth="0.7")
    for (tail, head), count in links.items():
        attrs = {}
        if count > 1 and few:
            attrs.update(label=f"×{count:,}", fontcolor=style.MUTED,
                         penwidth=f"{1 + 0.6 * math.log10(count):.2f}")
        dot.edge(tail, head, **attrs)
    return dot


def _natural(label: str) -> tuple:
    """w2 before w10; weights before biases."""
    parts = re.split(r"(\d+)", label)
    return (label.startswith("b"),) + tuple(int(p) if p.isdigit() else p for p in parts)


def _group_label(graph: _Graph, name: str, idx: list[int], groups: list, digits: int) -> str:
    order = graph.order
    ops = Counter(order[i].op.symbol for i in idx if order[i].children)
    leaves = [order[i] for i in idx if not order[i].children and not graph.is_constant(i)]
    esc = style.esc
    rows = [f"<tr><td><b>{esc(name)}</b></td></tr>",
            f'<tr><td><font color="{style.MUTED}">{len(idx):,} nodes</font></td></tr>']
    if ops:
        text = "  ".join(f"{c}× {s}" for s, c in ops.most_common(4))
        rows.append(f'<tr><td><font color="{style.MUTED}">{esc(text)}</font></td></tr>')
    if leaves:
        named = sorted({leaf.label for leaf in leaves if leaf.label}, key=_natural)
        if named == [name]:  # the x1 of every sample: the title says it all
            text = f"{len(leaves):,} leaves"
        elif named and len(named) <= 4 and len(named) == len(leaves):
            text = ", ".join(named)
        elif named:
            text = f"{len(leaves):,} leaves: {named[0]} … {named[-1]}"
        else:
            text = f"{len(leaves):,} leaves"
        rows.append(f'<tr><td><font color="{style.MUTED}">{esc(text)}</font></td></tr>')
    # a group with one output (e.g. one sample's neuron) shows that value
    root = len(order) - 1
    users = graph.users
    outputs = []
    for i in idx:
        if i == root or any(groups[p] != name for p, _ in users[i]):
            outputs.append(i)
            if len(outputs) > 1:
                break
    if len(outputs) == 1:
        n = order[outputs[0]]
        rows.append("<hr/>")
        rows.extend(style.value_rows("" if n.label == name else n.label, n.data, n.grad, digits))
    return style.html_label(rows)
