"""The compact view's graph: the named values only, as the slides write a
network (``w1, l1 -> net_h1 -> out_h1 -> ... -> E_total``), the unnamed steps
between them folded in. Each edge carries d(named result)/d(named operand):
the engine's chain rule through the folded steps (:func:`autograd.edges_below`),
never re-derived here.
"""
from __future__ import annotations

from typing import Any, Mapping, NamedTuple, Optional, Sequence

from autograd import Node, Value, derivatives, edges_below, topological_order

from .topology import Graph, name_of
from .i18n import _


# The local derivatives a recorded pass used: node -> [(operand, d node / d operand)]
Locals = Mapping[Node, Sequence[tuple[Node, Any]]]


def given_locals(node: Node, local: Locals) -> tuple:
    """``node``'s local derivative for each operand position, from ``local``
    (an operand used twice, as in a + a, takes its entries in order; one the
    pass did not use, a constant's, is 0)."""
    entries = list(local.get(node, ()))
    out = []
    for c in node.children:
        k = next((j for j, (child, _f) in enumerate(entries) if child is c), None)
        out.append(0.0 if k is None else entries.pop(k)[1])
    return tuple(out)


def kept(graph: Graph) -> list[bool]:
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


def is_value_graph(graph: Graph) -> bool:
    """Scalar Values only: every folded derivative is then a plain number."""
    return all(isinstance(n, Value) for n in graph.order)


def has_folds(graph: Graph) -> bool:
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


class CompactEdge(NamedTuple):
    child: int      # position of the operand in the compact graph
    factor: float   # d parent / d child through the folded nodes
    paths: int      # folded paths summed into it (1 for a single chain)
    folded: int     # unnamed operations crossed


class CompactGraph:
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

    def __init__(self, graph: Graph, keep: Optional[list[bool]] = None,
                 local: Optional[Locals] = None) -> None:
        self.graph = graph
        self.local = local  # a recorded pass's local derivatives, else the op rules
        keep = keep if keep is not None else kept(graph)
        self.full = [i for i, kept in enumerate(keep) if kept]
        self.position = {i: k for k, i in enumerate(self.full)}
        self.nodes = [graph.order[i] for i in self.full]
        self.root = graph.root
        self.through = set(self.nodes)
        self.edges = [self._fold(n) for n in self.nodes]
        self._keys = {(k, e.child): key for k, edges in enumerate(self.edges)
                      for key, e in enumerate(edges)}

    def _fold(self, node: Node) -> list[CompactEdge]:
        """d node / d each kept node it is computed from, through the unnamed
        steps folded into it, in reading order (w1, l1, w2, l2, b1 for net_h1):
        the engine's chain rule through the folded region (autograd.edges_below)."""
        if not node.children:
            return []
        kept = self.through
        folded = sum(1 for x in topological_order(node, kept) if x.children and x not in kept)
        index = self.graph.index
        edges = edges_below(node, kept)
        if self.local is not None:  # the same chain rule, through the recorded factors
            d = derivatives(node, stop_at=kept, local=self.local)
            edges = [e._replace(factor=d.get(e.child, 0.0)) for e in edges]
        return [CompactEdge(self.position[index[id(e.child)]], e.factor, e.paths, folded)
                for e in edges]

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
            raise ValueError(_(
                "{who}: {node} is an unnamed intermediate result, folded into the named node it "
                "feeds in the compact view; name it (v.named('...')) or pass compact=False to "
                "draw every operation").format(who=what, node=name_of(node)))
        return k

