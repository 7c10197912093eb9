"""The computation graph under a root as the pictures read it: its nodes in
topological order, each node's users, which nodes are constants, and what
each node is called. Read through the public graph API only (``data``,
``grad``, ``label``, ``op``, ``children``, :func:`autograd.topological_order`).
"""
from __future__ import annotations

from autograd import Node, topological_order

from . import style
from .i18n import _


def is_constant_edge(parent: Node, position: int) -> bool:
    """No gradient flows to operand ``position`` of ``parent`` (the exponent of x**2)."""
    return position in parent.op.constant_operands


class Graph:
    """The graph under ``root`` in topological order (root last), with each node's users."""

    def __init__(self, root: Node) -> None:
        if not isinstance(root, Node):
            raise TypeError(_("expected a Value (or Tensor) as the root of the graph, got "
                              "{kind}: {value}").format(kind=type(root).__name__,
                                                        value=repr(root)))
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
                and all(is_constant_edge(self.order[p], pos) for p, pos in uses))

    def find(self, node: Node, what: str) -> int:
        """The index of ``node``, or an error naming ``what`` it was given as."""
        if not isinstance(node, Node):
            raise TypeError(_("{what} must be a node of the graph, got {kind}").format(
                what=what, kind=type(node).__name__))
        i = self.index.get(id(node))
        if i is None:
            raise ValueError(_("{what}: {node} is not in the graph under {root} (the root does "
                               "not depend on it)").format(what=what, node=name_of(node),
                                                           root=name_of(self.root)))
        return i


def name_of(node: Node) -> str:
    """How a node is called in legends: its label, else its op, else its data."""
    if node.label:
        return node.label
    if node.children:
        return f"({node.op.symbol})"
    return style.number(node.data, 6).rstrip("0").rstrip(".") if style.is_scalar(node.data) \
        else "(leaf)"
