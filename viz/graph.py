"""The computation graph as a picture, in two views, with the paths of the
chain rule highlighted with their products:

- full (``compact=False``): a value node per Value (label, data, grad), an op
  node per operation, each edge labelled with its op's local derivative;
- compact (the default for graphs with named intermediate values): only the
  named values (and unnamed variables), as the slides write a network
  (``w1, l1 -> net_h1 -> out_h1 -> ... -> E_total``); the unnamed steps
  between them are folded in, and each edge carries d(named result)/d(named
  operand): the local derivatives of the folded ops multiplied along each
  folded path and summed over them.

Everything is read through the public graph API (``data``, ``grad``,
``label``, ``op``, ``children``, :func:`autograd.topological_order`); the
numbers come from the engine: local derivatives from the op table's own rule
(:func:`autograd.local_derivatives`), folded derivatives, paths and their sums
from :mod:`autograd.paths` and :mod:`autograd.backward`, never re-derived here.

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
import textwrap
from collections import Counter
from typing import Any, Callable, Mapping, NamedTuple, Optional, Union

from autograd import (
    Node,
    Paths,
    Value,
    edges_below,
    local_derivatives,
    topological_order,
)

from . import style
from .render import Digraph

GroupRule = Union[str, Mapping[str, str], Callable[[Node], Optional[str]]]

LEGEND_PATHS = 12  # paths listed one by one in a highlight legend
CAPTION_WIDTH = 100  # characters per line of a title under the picture
_INDENT = "&#160;" * 6  # the numbers of a path under its symbols


class GraphTooLargeError(ValueError):
    """The graph has more nodes than can be laid out and read; the message
    explains how to collapse it."""


# --- reading the graph ---------------------------------------------------------------

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

    @property
    def nodes(self) -> list:
        return self.order

    def locate(self, parent: Node, position: int, child: Node) -> tuple[int, int, int]:
        """An edge of an engine path as (parent index, operand position, child index)."""
        return self.index[id(parent)], position, self.index[id(child)]

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


def _paths(graph: Any, target: int) -> Paths:
    """The engine's paths from the root down to node ``target`` of ``graph``:
    through every node (the full view) or through the kept ones (the compact
    view, where unnamed steps are folded)."""
    return Paths(graph.root, graph.nodes[target], getattr(graph, "through", None))


def gradient_paths(root: Node, node: Node, *, max_paths: int = 10_000) -> list[GradientPath]:
    """Every path of the chain rule from ``root`` down to ``node``: the nodes
    along it, the local derivative at each step and their product. The products
    sum to d root / d node, which is ``node.grad`` after ``root.backward()``:
    the multi-path sum rule. (The engine's :func:`autograd.paths`, with each
    path cut at its named nodes by :meth:`GradientPath.segments`.)

    >>> from autograd import Value
    >>> a = Value(1.0, "a"); b = (a + a).named("b"); c = (b + b).named("c")
    >>> [p.product for p in gradient_paths(c, a)]
    [1.0, 1.0, 1.0, 1.0]
    """
    graph = _Graph(root)
    paths = _paths(graph, graph.find(node, "gradient_paths(node)"))
    if paths.count > max_paths:
        raise ValueError(
            f"there are {paths.count:,} paths from {name_of(root)} down to {name_of(node)}, "
            f"more than max_paths={max_paths:,}: too many to list (their sum is still "
            f"{name_of(node)}.grad). Pick a node nearer the root, or raise max_paths."
        )
    return [GradientPath(p.nodes, p.factors, p.product) for p in paths]


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


# --- the compact view ----------------------------------------------------------------------------

def _kept(graph: _Graph) -> list[bool]:
    """Which nodes the compact view draws: the root, every named node and every
    unnamed leaf that is a variable; constants and unnamed results are folded."""
    last = len(graph.order) - 1
    keep = []
    for i, n in enumerate(graph.order):
        if i == last:
            keep.append(True)
        elif graph.is_constant(i):
            keep.append(False)
        else:
            keep.append(bool(n.label) or not n.children)
    return keep


def _is_value_graph(graph: _Graph) -> bool:
    """Scalar Values only: every folded derivative is then a plain number."""
    return all(isinstance(n, Value) for n in graph.order)


def _has_folds(graph: _Graph) -> bool:
    """Named intermediate results to keep and unnamed ones to fold into them."""
    last = len(graph.order) - 1
    named = unnamed = False
    for i, n in enumerate(graph.order):
        if not n.children or i == last:
            continue
        if n.label:
            named = True
        elif not graph.is_constant(i):
            unnamed = True
        if named and unnamed:
            return True
    return False


class _CompactEdge(NamedTuple):
    child: int      # position of the operand in the compact graph
    factor: float   # d parent / d child through the folded nodes
    paths: int      # folded paths summed into it (1 for a single chain)
    folded: int     # unnamed operations crossed


class _Compact:
    """The graph with its unnamed intermediate nodes folded into the named node
    they feed (the products and partial sums of a weighted sum into ``net_h1``,
    the ``* -1``, ``+ target``, ``** 2`` and ``* 0.5`` of a squared error into
    ``E_o1``). An edge joins each kept node to every named node computed from
    it, labelled with the derivative of the one with respect to the other: the
    chain rule through the folded nodes, the ops' own local derivatives
    multiplied along each folded path and summed over them. Constants drop out.

    ``nodes``: the kept nodes in topological order (root last); ``through``:
    the same as a set, for the engine's folded paths (:class:`autograd.Paths`);
    ``edges[k]``: node k's edges. ``full[k]`` is node k's index in the full
    graph: its picture id stays ``v<full index>``.
    """

    def __init__(self, graph: _Graph, keep: Optional[list[bool]] = None) -> None:
        self.graph = graph
        keep = keep if keep is not None else _kept(graph)
        self.full = [i for i, kept in enumerate(keep) if kept]
        self.position = {i: k for k, i in enumerate(self.full)}
        self.nodes = [graph.order[i] for i in self.full]
        self.root = graph.root
        self.through = set(self.nodes)
        self.edges = [self._fold(n) for n in self.nodes]
        self._keys = {(k, e.child): key for k, edges in enumerate(self.edges)
                      for key, e in enumerate(edges)}

    def _fold(self, node: Node) -> list[_CompactEdge]:
        """d node / d each kept node it is computed from, through the unnamed
        steps folded into it, in reading order (w1, l1, w2, l2, b1 for net_h1):
        the engine's chain rule through the folded region (autograd.edges_below)."""
        if not node.children:
            return []
        kept = self.through
        folded = sum(1 for x in topological_order(node, kept) if x.children and x not in kept)
        index = self.graph.index
        return [_CompactEdge(self.position[index[id(e.child)]], e.factor, e.paths, folded)
                for e in edges_below(node, kept)]

    def locate(self, parent: Node, position: Any, child: Node) -> tuple[int, int, int]:
        """An edge of an engine path (through the kept nodes) as (parent
        position, edge key, child position) in this graph."""
        index = self.graph.index
        k, c = self.position[index[id(parent)]], self.position[index[id(child)]]
        return k, self._keys[(k, c)], c

    def columns(self, reading: list[int]) -> list[list[int]]:
        """The nodes by their longest distance from the root, each column in
        reading order."""
        depth = [0] * len(self.nodes)
        for k in range(len(self.nodes) - 1, -1, -1):  # parents before their operands
            for e in self.edges[k]:
                depth[e.child] = max(depth[e.child], depth[k] + 1)
        columns: dict[int, list[int]] = {}
        for k in reading:
            columns.setdefault(depth[k], []).append(k)
        return [columns[d] for d in sorted(columns)]

    def reading_order(self) -> list[int]:
        """Root first, then depth first along operands in order (E_total, E_o1,
        out_o1, net_o1, w7, out_h1, ...): emitted in this order, graphviz keeps
        the first operand above the second, h1 above h2."""
        seen = [False] * len(self.nodes)
        out = []
        stack = [len(self.nodes) - 1]
        while stack:
            k = stack.pop()
            if seen[k]:
                continue
            seen[k] = True
            out.append(k)
            stack.extend(e.child for e in reversed(self.edges[k]) if not seen[e.child])
        return out

    def find(self, node: Node, what: str) -> int:
        i = self.graph.find(node, what)
        k = self.position.get(i)
        if k is None:
            raise ValueError(
                f"{what}: {name_of(node)} is an unnamed intermediate result, folded into the "
                "named node it feeds in the compact view; name it (v.named('...')) or pass "
                "compact=False to draw every operation"
            )
        return k


# --- drawing -----------------------------------------------------------------------------------

def _new_digraph(root: Node, graph: Optional[dict] = None, node: Optional[dict] = None,
                 edge: Optional[dict] = None) -> Digraph:
    # the name is render()'s default file name: graph_E_total.gv -> .svg
    dot = Digraph(name=re.sub(r"\W+", "_", f"graph_{name_of(root)}").strip("_"), format="svg")
    dot.attr("graph", **{**style.GRAPH_ATTR, **(graph or {})})
    dot.attr("node", **{**style.NODE_ATTR, **(node or {})})
    dot.attr("edge", **{**style.EDGE_ATTR, **(edge or {})})
    return dot


def _constant_text(x: Any) -> str:
    return f"{style.scalar(x):g}" if style.is_scalar(x) else style.number(x, 3)


def _value_box(dot: Digraph, node_id: str, n: Node, digits: int, is_root: bool,
               extra: Optional[dict] = None, short: bool = False) -> None:
    attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": style.VALUE_FILL,
             "margin": "0.08,0.04", "id": node_id}
    if is_root:
        attrs["fillcolor"] = style.ROOT_FILL
    if extra:
        attrs.update(extra)
    if short:
        attrs["margin"] = "0.05,0.03"
    rows = (style.short_value_rows if short else style.value_rows)(n.label, n.data, n.grad, digits)
    dot.node(node_id, label=style.html_label(rows), **attrs)


def _value_node(dot: Digraph, graph: _Graph, i: int, digits: int,
                extra: Optional[dict] = None) -> None:
    n = graph.order[i]
    if graph.is_constant(i):
        dot.node(f"v{i}", label=_constant_text(n.data), id=f"v{i}", shape="box",
                 style="rounded,filled", fillcolor=style.CONST_FILL, color=style.EDGE,
                 fontcolor=style.MUTED, fontsize="10", margin="0.05,0.02", height="0.25",
                 width="0.3")
        return
    _value_box(dot, f"v{i}", n, digits, i == len(graph.order) - 1, extra)


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
    edge_labels: Optional[bool] = None,
    highlight: Optional[Node] = None,
    group: Optional[GroupRule] = None,
    compact: Optional[bool] = None,
    max_nodes: int = 2000,
    title: str = "",
) -> Digraph:
    """The computation graph under ``root`` as a ``graphviz.Digraph`` (left to
    right): a box per value (label, data, grad with ``digits`` decimals).

    ``compact``: fold the unnamed intermediate results (the products and partial
    sums of a weighted sum, the ``* -1`` of a subtraction, the ``* 0.5`` of a
    squared error) into the named node they feed, so the picture reads like the
    slides: ``w1, l1 -> net_h1 -> out_h1 -> ... -> E_total``, each edge labelled
    with d(named result)/d(named operand), the chain rule through the folded
    steps. ``compact=False`` draws every operation as a circle, each edge with
    its op's own local derivative. The default (None) is compact for graphs of
    ``Value``s that have named intermediate results and unnamed ones to fold.

    ``edge_labels``: write the derivatives on the edges (default: in the
    compact view only). ``highlight=node``: colour every path from ``root``
    down to ``node`` and list each path's product of derivatives and their sum
    (== node.grad). ``group``: collapse the graph into groups: ``"neuron"``,
    ``"layer"``, ``"label"``, a mapping {label prefix: group name}, or a
    function node -> group name or None (see the module docstring for how
    unnamed nodes join groups). ``max_nodes``: past this many boxes the call
    raises :class:`GraphTooLargeError` explaining how to collapse instead of
    hanging. ``title``: a caption written under the picture, above the legend
    (say what the grads are: which pass, before or after which update). Render
    with ``viz.save(g, "graph.png")``, ``g.render()`` or by showing ``g`` in
    Jupyter.
    """
    digits = style.check_digits(digits, "draw_graph")
    graph = _Graph(root)
    if group is not None:
        if highlight is not None:
            raise ValueError("highlight= needs the full graph; leave group=None to highlight paths")
        if compact:
            raise ValueError("group= and compact=True are two ways to shrink the graph; "
                             "pass one of them")
        return _draw_grouped(graph, group, digits, max_nodes, title)
    if compact is None:
        target = graph.index.get(id(highlight)) if highlight is not None else None
        compact = (_is_value_graph(graph) and _has_folds(graph)
                   and (target is None or bool(graph.order[target].label)
                        or not graph.order[target].children))
    elif compact and not _is_value_graph(graph):
        raise ValueError("compact=True folds graphs of scalar Values; a graph of Tensors keeps its "
                         "ops (their derivatives are Jacobians): use group='layer' to shrink it")
    keep = _kept(graph) if compact else None
    n_nodes = len(graph.order)
    boxes = sum(keep) if keep is not None else n_nodes
    if boxes > max_nodes:
        kept = (f", and even the compact view (unnamed steps folded) needs {boxes:,} boxes"
                if keep is not None else "")
        raise GraphTooLargeError(
            f"draw_graph: the graph under {name_of(root)} has {n_nodes:,} nodes{kept}, more than "
            f"max_nodes={max_nodes:,}; one box per node would take minutes to lay out and could "
            "not be read. Collapse it: draw_graph(root, group='neuron') (one box per neuron), "
            "group='layer' (one per layer), group='label', or group=a function node -> group "
            "name (unnamed nodes join the group they feed). Or draw a smaller piece (one "
            "sample's loss), or raise max_nodes."
        )
    if keep is not None:
        return _draw_compact(_Compact(graph, keep), digits,
                             True if edge_labels is None else edge_labels, highlight, title)
    return _draw_full(graph, digits, bool(edge_labels), highlight, title)


class _Highlight(NamedTuple):
    nodes: dict        # node index -> attributes of its box
    edges: dict        # (parent index, edge key) -> colours
    result_colors: dict  # node index -> colours of its op's result edge (full view)
    legend: list       # HTML rows
    target: int


def _highlight(graph: Any, target: int, digits: int) -> _Highlight:
    """Colours for every path from the root down to ``target`` (one per path
    while there are few, a shared one past that) and the legend listing them."""
    paths = _paths(graph, target)
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
    return _Highlight(node_style, edge_colors, result_colors, legend, target)


def _draw_full(graph: _Graph, digits: int, edge_labels: bool,
               highlight: Optional[Node], title: str = "") -> Digraph:
    dot = _new_digraph(graph.root)
    order = graph.order
    marked = (_highlight(graph, graph.find(highlight, "highlight"), digits)
              if highlight is not None else _Highlight({}, {}, {}, [], -1))

    for i, n in enumerate(order):
        _value_node(dot, graph, i, digits, marked.nodes.get(i))
        if not n.children:
            continue
        op_attrs = None
        if i in marked.result_colors:  # on a highlighted path
            op_attrs = {"color": marked.nodes[i]["color"], "penwidth": "2"}
        _op_node(dot, i, n.op.symbol, op_attrs)
        result_attrs = {"id": f"r{i}"}
        if i in marked.result_colors and i != marked.target:
            result_attrs.update(color=":".join(marked.result_colors[i]), penwidth="2.2")
        dot.edge(f"o{i}", f"v{i}", **result_attrs)
        locals_ = local_derivatives(n) if edge_labels else None
        for pos, c in enumerate(n.children):
            ci = graph.index[id(c)]
            attrs = {"id": f"e{i}_{pos}"}
            if _is_constant_edge(n, pos) or graph.is_constant(ci):
                attrs.update(style="dashed", color="#cbd5e1")
            else:
                colors = marked.edges.get((i, pos))
                if colors:
                    attrs.update(color=":".join(colors), penwidth="2.2")
                if locals_ is not None:
                    attrs.update(label=f" {style.number(locals_[pos], digits)} ",
                                 fontcolor=style.LOCAL)
            dot.edge(f"v{ci}", f"o{i}", **attrs)

    notes = []
    if edge_labels:
        notes.append("blue numbers on edges: the local derivative ∂(result)/∂(operand) of each op")
    _legend(dot, marked.legend, notes, title)
    return dot


def _draw_compact(c: _Compact, digits: int, edge_labels: bool,
                  highlight: Optional[Node], title: str = "") -> Digraph:
    # tighter than the full view: it is meant to fit a laptop screen at full size
    dot = _new_digraph(c.root, graph={"nodesep": "0.12", "ranksep": "0.12"},
                       node={"fontsize": "10"}, edge={"fontsize": "9"})
    marked = (_highlight(c, c.find(highlight, "highlight"), digits)
              if highlight is not None else _Highlight({}, {}, {}, [], -1))
    last = len(c.nodes) - 1
    reading = c.reading_order()
    for k in reading:
        _value_box(dot, f"v{c.full[k]}", c.nodes[k], digits, k == last, marked.nodes.get(k),
                   short=True)
    # One column per distance from the root (E_total; E_o*; out_o*; net_o*; out_h* with
    # w7..w12; ...), each kept in reading order by invisible edges: h1 above h2 above h3.
    for column in c.columns(reading):
        if len(column) > 1:
            with dot.subgraph() as s:
                s.attr(rank="same")
                for a, b in zip(column, column[1:]):
                    s.edge(f"v{c.full[a]}", f"v{c.full[b]}", style="invis")
    num = style.number
    for k in reading:
        n = c.nodes[k]
        for key, e in enumerate(c.edges[k]):
            child = c.nodes[e.child]
            how = (f"∂{name_of(n)}/∂{name_of(child)} = {num(e.factor, digits)}"
                   + (f", through {e.folded} unnamed step{'s' if e.folded > 1 else ''}"
                      if e.folded else f", the local derivative of {n.op.symbol}"))
            attrs = {"id": f"k{c.full[k]}_{c.full[e.child]}", "tooltip": how}
            colors = marked.edges.get((k, key))
            if colors:
                attrs.update(color=":".join(colors), penwidth="2.2")
            if edge_labels:
                attrs.update(label=num(e.factor, digits), fontcolor=style.LOCAL)
            dot.edge(f"v{c.full[e.child]}", f"v{c.full[k]}", **attrs)
    notes = []
    if edge_labels:
        notes.append("blue numbers on edges: ∂(the box an arrow enters)/∂(the box it leaves)")
    notes.append("unnamed steps (products, partial sums, ×(−1), constants) are folded into the "
                 "named box they feed;")
    notes.append("the chain rule through them gives each edge's number (compact=False draws "
                 "every operation)")
    _legend(dot, marked.legend, notes, title)
    return dot


def _legend(dot: Digraph, rows: list[str], notes: list[str], title: str = "") -> None:
    """The graph's label, under the picture: the caption (bold), the paths'
    legend, then notes on how to read it."""
    head = [f'<tr><td align="left"><b>{style.esc(line)}</b></td></tr>'
            for line in textwrap.wrap(title, CAPTION_WIDTH)]
    rows = head + rows + [f'<tr><td align="left"><font color="{style.LOCAL}">'
                          f"{style.esc(t)}</font></td></tr>" for t in notes]
    if rows:
        dot.attr("graph", labelloc="b", labeljust="l", fontsize="12",
                 label=style.html_label(rows, cellpadding="2"))


def _path_legend(graph: Any, target: int, paths: Paths, listed: list, per_path: bool,
                 digits: int) -> list[str]:
    order = graph.nodes
    root_name, node_name = name_of(order[-1]), name_of(order[target])
    esc, num = style.esc, style.number
    n = paths.count
    title = (f"∂{root_name}/∂{node_name}: {n} paths from {root_name} down to {node_name}; "
             "their products add up (the multi-path sum rule)" if n != 1 else
             f"∂{root_name}/∂{node_name}: one path from {root_name} down to {node_name}")
    if n == 0:
        title = f"{node_name} does not affect {root_name}: no path, ∂{root_name}/∂{node_name} = 0"
    rows = [f'<tr><td align="left"><b>{esc(title)}</b></td></tr>']
    products = []
    for k, found in enumerate(listed):
        path = GradientPath(found.nodes, found.factors, found.product)
        products.append(path.product)
        color = style.PATH_COLORS[k] if per_path else style.PATH_SHARED
        segs = path.segments()
        symbols = " × ".join(f"∂{name_of(u)}/∂{name_of(lo)}" for u, lo, _ in segs)
        numbers = " × ".join(num(v, digits) for _, _, v in segs)
        rows.append(
            f'<tr><td align="left"><font color="{color}">■</font> path {k + 1}: '
            f"{esc(symbols)}</td></tr>"
            f'<tr><td align="left">{_INDENT}<font face="{style.MONO}">= {esc(numbers)}</font>'
            "</td></tr>"
            # its own line: graphviz-pure over-estimates the width of ×, which would
            # leave a gap before a product written after the factors
            f'<tr><td align="left">{_INDENT}<font face="{style.MONO}" color="{color}"><b>= '
            f"{esc(num(path.product, digits))}</b></font></td></tr>"
        )
    if n > len(listed):
        rows.append(f'<tr><td align="left">{_INDENT}… and {n - len(listed):,} more '
                    "paths</td></tr>")
    total = style.scalar(paths.derivative()) if n else 0.0  # their sum, in one sweep
    if n > 1:
        shown = " + ".join(num(p, digits) for p in products)
        if n > len(listed):
            shown += " + …"
        rows.append(f'<tr><td align="left">{_INDENT}<b>sum</b> <font face="{style.MONO}">= '
                    f"{esc(shown)} <b>= {esc(num(total, digits))}</b></font></td></tr>")
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
        rows.append(f'<tr><td align="left">{_INDENT}<font color="{style.GRAD}">'
                    f"{esc(check)}</font></td></tr>")
    return rows


def _draw_grouped(graph: _Graph, group: GroupRule, digits: int, max_nodes: int,
                  title: str = "") -> Digraph:
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
    _legend(dot, [], [], title)
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
