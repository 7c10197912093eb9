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

Grouping (``group=``) collapses big graphs instead: see :mod:`viz.grouping`.

One job per module: :mod:`viz.topology` reads the graph, :mod:`viz.paths`
lists the chain rule's paths, :mod:`viz.grouping` names the groups,
:mod:`viz.folding` folds the unnamed steps of the compact view,
:mod:`viz.highlight` colours the paths to a node and :mod:`viz.boxes` draws
the boxes; this module puts the pictures together.
"""
from __future__ import annotations

import math
from collections import Counter
from typing import Optional

from autograd import Node, local_derivatives
from nn.naming import reading_order

from . import style
from .boxes import legend, new_digraph, op_node, value_box, value_node
from .folding import CompactGraph, Locals, given_locals, has_folds, is_value_graph, kept
from .grouping import GroupRule, assign_groups, group_names
from .highlight import NOTHING, highlight as highlight_paths
from .paths import GradientPath, gradient_paths
from .render import Digraph
from .topology import Graph, is_constant_edge, name_of
from .i18n import _, ngettext

# Names other modules and notebooks import from here.
__all__ = ["GradientPath", "GraphTooLargeError", "GroupRule", "assign_groups", "draw_graph",
           "gradient_paths", "local_derivatives", "name_of"]


class GraphTooLargeError(ValueError):
    """The graph has more nodes than can be laid out and read; the message
    explains how to collapse it."""


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
    local: Optional[Locals] = None,
    matrices: bool = False,
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
    function node -> group name or None (see :mod:`viz.grouping` for how
    unnamed nodes join groups). ``max_nodes``: past this many boxes the call
    raises :class:`GraphTooLargeError` explaining how to collapse instead of
    hanging. ``title``: a caption written under the picture, above the legend
    (say what the grads are: which pass, before or after which update).
    ``local``: the local derivatives a recorded pass used, node -> [(operand,
    d node / d operand)] (``Run.edges()``-style, from its ``BackwardStep`` s),
    for the edges instead of each op's rule at the current data: a pass in
    stages (the slides' sequential convention) took some after an update. Render
    with ``viz.save(g, "graph.png")``, ``g.render()`` or by showing ``g`` in
    Jupyter. ``matrices=True``: a Tensor of at most 4 x 4 entries shows every
    entry of its data and grad, a line per row, instead of its shape and mean
    (the full view; the matrices the rules of matrix back-propagation are about).
    """
    digits = style.check_digits(digits, "draw_graph")
    graph = Graph(root)
    if group is not None:
        if highlight is not None:
            raise ValueError(_("highlight= needs the full graph; leave group=None to highlight "
                               "paths"))
        if compact:
            raise ValueError(_("group= and compact=True are two ways to shrink the graph; pass one "
                               "of them"))
        return _draw_grouped(graph, group, digits, max_nodes, title)
    if highlight is not None and local is not None:
        raise ValueError(_("highlight= lists the paths with the op rules' factors at the current "
                           "data; with local= (a recorded pass's factors) leave highlight=None"))
    keep = kept(graph) if _is_compact(graph, compact, highlight) else None
    _check_size(graph, keep, max_nodes)
    if keep is not None:
        return _draw_compact(CompactGraph(graph, keep, local), digits,
                             True if edge_labels is None else edge_labels, highlight, title)
    return _draw_full(graph, digits, bool(edge_labels), highlight, title, local, matrices)


def _is_compact(graph: Graph, compact: Optional[bool], highlight: Optional[Node]) -> bool:
    """``compact`` checked, or by default: a graph of Values with named results
    and unnamed steps to fold, unless the highlighted node is one of those steps."""
    if compact is None:
        target = graph.index.get(id(highlight)) if highlight is not None else None
        return (is_value_graph(graph) and has_folds(graph)
                and (target is None or bool(graph.order[target].label)
                     or not graph.order[target].children))
    if compact and not is_value_graph(graph):
        raise ValueError(_("compact=True folds graphs of scalar Values; a graph of Tensors keeps "
                           "its ops (their derivatives are Jacobians): use group='layer' to shrink "
                           "it"))
    return compact


def _check_size(graph: Graph, keep: Optional[list[bool]], max_nodes: int) -> None:
    n_nodes = len(graph.order)
    boxes = sum(keep) if keep is not None else n_nodes
    if boxes <= max_nodes:
        return
    if keep is not None:
        size = _("draw_graph: the graph under {root} has {count} nodes, and even the compact "
                 "view (unnamed steps folded) needs {boxes} boxes, more than max_nodes={max_nodes};")
    else:
        size = _("draw_graph: the graph under {root} has {count} nodes, more than "
                 "max_nodes={max_nodes};")
    raise GraphTooLargeError(
        size.format(root=name_of(graph.root), count=f"{n_nodes:,}", boxes=f"{boxes:,}",
                    max_nodes=f"{max_nodes:,}") + " " +
        _("one box per node would take minutes to lay out and "
          "could not be read. Collapse it: draw_graph(root, group='neuron') (one box per neuron), "
          "group='layer' (one per layer), group='label', or group=a function node -> group "
          "name (unnamed nodes join the group they feed). Or draw a smaller piece (one "
          "sample's loss), or raise max_nodes.")
    )


# --- the full view: every operation ---------------------------------------------------------

def _draw_full(graph: Graph, digits: int, edge_labels: bool,
               highlight: Optional[Node], title: str = "",
               local: Optional[Locals] = None, matrices: bool = False) -> Digraph:
    dot = new_digraph(graph.root)
    marked = (highlight_paths(graph, graph.find(highlight, "highlight"), digits)
              if highlight is not None else NOTHING)
    for i, n in enumerate(graph.order):
        value_node(dot, graph, i, digits, marked.nodes.get(i), matrices=matrices)
        if not n.children:
            continue
        op_attrs = None
        if i in marked.result_colors:  # on a highlighted path
            op_attrs = {"color": marked.nodes[i]["color"], "penwidth": "2"}
        op_node(dot, i, n.op.symbol, op_attrs)
        result_attrs = {"id": f"r{i}"}
        if i in marked.result_colors and i != marked.target:
            result_attrs.update(color=":".join(marked.result_colors[i]), penwidth="2.2")
        dot.edge(f"o{i}", f"v{i}", **result_attrs)
        _operand_edges(dot, graph, i, marked.edges, digits, edge_labels, local)
    notes = []
    if edge_labels:
        notes.append(_("blue numbers on edges: the local derivative ∂(result)/∂(operand) of "
                       "each op"))
    legend(dot, marked.legend, notes, title)
    return dot


def _operand_edges(dot: Digraph, graph: Graph, i: int, colored: dict, digits: int,
                   edge_labels: bool, local: Optional[Locals] = None) -> None:
    """The edges from node ``i``'s operands into its op, each with the op's
    local derivative (or the one ``local`` gives); dashed for a constant, where
    no gradient flows."""
    n = graph.order[i]
    locals_ = None
    if edge_labels:
        locals_ = local_derivatives(n) if local is None else given_locals(n, local)
    for pos, c in enumerate(n.children):
        ci = graph.index[id(c)]
        attrs = {"id": f"e{i}_{pos}"}
        if is_constant_edge(n, pos) or graph.is_constant(ci):
            attrs.update(style="dashed", color="#cbd5e1")
        else:
            colors = colored.get((i, pos))
            if colors:
                attrs.update(color=":".join(colors), penwidth="2.2")
            if locals_ is not None:
                attrs.update(label=f" {style.number(locals_[pos], digits)} ",
                             fontcolor=style.LOCAL)
        dot.edge(f"v{ci}", f"o{i}", **attrs)


# --- the compact view: the named values --------------------------------------------------------

def _draw_compact(c: CompactGraph, digits: int, edge_labels: bool,
                  highlight: Optional[Node], title: str = "") -> Digraph:
    # tighter than the full view: it is meant to fit a laptop screen at full size
    dot = new_digraph(c.root, graph={"nodesep": "0.12", "ranksep": "0.12"},
                      node={"fontsize": "10"}, edge={"fontsize": "9"})
    marked = (highlight_paths(c, c.find(highlight, "highlight"), digits)
              if highlight is not None else NOTHING)
    last = len(c.nodes) - 1
    reading = c.reading_order()
    for k in reading:
        value_box(dot, f"v{c.full[k]}", c.nodes[k], digits, k == last, marked.nodes.get(k),
                  short=True)
    # One column per distance from the root (E_total; E_o*; out_o*; net_o*; out_h* with
    # w7..w12; ...), each kept in reading order by invisible edges: h1 above h2 above h3.
    for column in c.columns(reading):
        if len(column) > 1:
            with dot.subgraph() as s:
                s.attr(rank="same")
                for a, b in zip(column, column[1:]):
                    s.edge(f"v{c.full[a]}", f"v{c.full[b]}", style="invis")
    for k in reading:
        _folded_edges(dot, c, k, marked.edges, digits, edge_labels)
    notes = []
    if edge_labels:
        notes.append(_("blue numbers on edges: ∂(the box an arrow enters)/∂(the box it leaves)"))
    notes.append(_("unnamed steps (products, partial sums, ×(−1), constants) are folded into the "
                   "named box they feed;"))
    notes.append(_("the chain rule through them gives each edge's number (compact=False draws "
                   "every operation)"))
    legend(dot, marked.legend, notes, title)
    return dot


def _folded_edges(dot: Digraph, c: CompactGraph, k: int, colored: dict, digits: int,
                  edge_labels: bool) -> None:
    """The edges into kept node ``k``, each with the derivative through the folded steps."""
    n, num = c.nodes[k], style.number
    for key, e in enumerate(c.edges[k]):
        child = c.nodes[e.child]
        how = (f"∂{name_of(n)}/∂{name_of(child)} = {num(e.factor, digits)}, "
               + (ngettext("through {count} unnamed step", "through {count} unnamed steps",
                           e.folded).format(count=e.folded) if e.folded else
                  _("the local derivative of {op}").format(op=n.op.symbol)))
        attrs = {"id": f"k{c.full[k]}_{c.full[e.child]}", "tooltip": how}
        colors = colored.get((k, key))
        if colors:
            attrs.update(color=":".join(colors), penwidth="2.2")
        if edge_labels:
            attrs.update(label=num(e.factor, digits), fontcolor=style.LOCAL)
        dot.edge(f"v{c.full[e.child]}", f"v{c.full[k]}", **attrs)


# --- the grouped view: a box per group ---------------------------------------------------------

def _draw_grouped(graph: Graph, group: GroupRule, digits: int, max_nodes: int,
                  title: str = "") -> Digraph:
    groups = group_names(graph, group)
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
        raise GraphTooLargeError(_(
            "draw_graph: even grouped, the graph under {root} needs {boxes} boxes ({groups} "
            "groups and {alone} nodes left on their own), more than max_nodes={max_nodes}. Label "
            "the nodes left alone, or pass a group function that names more of them, or raise "
            "max_nodes.").format(root=name_of(graph.root), boxes=f"{boxes:,}",
                                 groups=f"{len(members):,}", alone=f"{len(alone):,}",
                                 max_nodes=f"{max_nodes:,}"))
    dot = new_digraph(graph.root)
    gid = {g: f"g{k}" for k, g in enumerate(members)}
    for g, idx in members.items():
        is_root = groups[len(graph.order) - 1] == g
        dot.node(gid[g], label=_group_label(graph, g, idx, groups, digits), shape="box",
                 style="rounded,filled", color=style.MUTED, margin="0.12,0.06", id=gid[g],
                 fillcolor=style.ROOT_FILL if is_root else style.GROUP_FILL,
                 penwidth="2" if is_root else "1")
    for i in alone:
        value_node(graph=graph, dot=dot, i=i, digits=digits)
        if graph.order[i].children:
            op_node(dot, i, graph.order[i].op.symbol)
            dot.edge(f"o{i}", f"v{i}")
    _group_links(dot, graph, groups, gid)
    legend(dot, [], [], title)
    return dot


def _group_links(dot: Digraph, graph: Graph, groups: list, gid: dict) -> None:
    """One edge per pair of boxes an operand joins, its width (and, while there
    are few, a count) telling how many."""
    def unit(i: int) -> str:
        g = groups[i]
        return gid[g] if g is not None else f"v{i}"

    links: Counter = Counter()
    for i, n in enumerate(graph.order):
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


def _weights_first(label: str) -> tuple:
    """The slides' reading order (w2 before w10), weights before biases."""
    return (label.startswith("b"),) + reading_order(label)


def _group_label(graph: Graph, name: str, idx: list[int], groups: list, digits: int) -> str:
    """A group's box: its name, size, ops, leaves and (if it has one output) that value."""
    order = graph.order
    ops = Counter(order[i].op.symbol for i in idx if order[i].children)
    leaves = [order[i] for i in idx if not order[i].children and not graph.is_constant(i)]
    rows = [f"<tr><td><b>{style.esc(name)}</b></td></tr>",
            f'<tr><td><font color="{style.MUTED}">'
            f'{style.esc(_("{count} nodes").format(count=f"{len(idx):,}"))}</font></td></tr>']
    if ops:
        text = "  ".join(f"{c}× {s}" for s, c in ops.most_common(4))
        rows.append(f'<tr><td><font color="{style.MUTED}">{style.esc(text)}</font></td></tr>')
    if leaves:
        named = sorted({leaf.label for leaf in leaves if leaf.label}, key=_weights_first)
        if named == [name]:  # the x1 of every sample: the title says it all
            text = _("{count} leaves").format(count=f"{len(leaves):,}")
        elif named and len(named) <= 4 and len(named) == len(leaves):
            text = ", ".join(named)
        elif named:
            text = _("{count} leaves: {first} … {last}").format(
                count=f"{len(leaves):,}", first=named[0], last=named[-1])
        else:
            text = _("{count} leaves").format(count=f"{len(leaves):,}")
        rows.append(f'<tr><td><font color="{style.MUTED}">{style.esc(text)}</font></td></tr>')
    # a group with one output (e.g. one sample's neuron) shows that value
    root = len(order) - 1
    outputs = []
    for i in idx:
        if i == root or any(groups[p] != name for p, _ in graph.users[i]):
            outputs.append(i)
            if len(outputs) > 1:
                break
    if len(outputs) == 1:
        n = order[outputs[0]]
        rows.append("<hr/>")
        rows.extend(style.value_rows("" if n.label == name else n.label, n.data, n.grad, digits))
    return style.html_label(rows)
