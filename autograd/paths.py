"""The paths of the chain rule from one node down to another, with the local
derivative at each step and their product.

d top / d bottom is the sum, over every path from top down to bottom, of the
product of the local derivatives along it (the multi-path sum rule). The
backward pass (:mod:`autograd.backward`) adds the products up without listing
the paths; this module lists them, for worked solutions and pictures:

    >>> from autograd import Value, paths
    >>> a = Value(1.0, "a"); b = (a + a).named("b"); c = (b + b).named("c")
    >>> p = paths(c, a); p.count, [path.product for path in p]
    (4, [1.0, 1.0, 1.0, 1.0])

A graph can hold exponentially many paths (twenty ``x = x + x`` make 2**20),
so ``count`` is counted without listing them and the paths come one at a time.

``through``: the paths written with chosen nodes only, as the slides write
dE_total/dw1 with their named quantities (net_h1, out_h1, ...) although each
is several ops. The nodes between two chosen ones are folded: that step's
factor is the derivative of the one with respect to the other through them,
summed over the folded paths (:func:`edges_below`).
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Iterator, NamedTuple, Optional

from .backward import carries_gradient, count_paths, sweep
from .i18n import _
from .node import Node, as_set, topological_order


def local_derivatives(node: Node) -> Optional[tuple]:
    """d node / d operand for each operand, from the op's own local rule at the
    operands' current data (None for a leaf, and for an op whose derivative is
    a Jacobian, such as matmul)."""
    op = node.op
    if not node.children or op.local is None:
        return None
    return op.local(node.data, *(c.data for c in node.children))


class Edge(NamedTuple):
    """One step of the chain rule down from a node: d node / d ``child`` =
    ``factor``. ``position``: the child's operand position (None for a step
    through folded nodes); ``paths``: how many paths of the graph the factor
    sums (1 for an operand)."""

    child: Node
    factor: Any
    position: Optional[int]
    paths: int


def edges_below(node: Node, through: Optional[Iterable[Node]] = None) -> list[Edge]:
    """The steps of the chain rule down from ``node``: one per operand that
    carries gradient, with the op's local derivative (``through`` None); or,
    with ``through`` (nodes), one per node of ``through`` reached from ``node``
    through nodes outside it, with the derivative through those, summed over
    the paths between (d net_h1 / d w1 through the products and partial sums of
    a weighted sum). First operand first."""
    if through is None:
        return [Edge(c, _factor(node, local_derivatives(node), i), i, 1)
                for i, c in _operands(node)]
    kept = as_set(through)
    reached = _reached(node, kept)
    if not reached:
        return []
    d = sweep(node, node.zero_gradient() + 1.0, stop_at=kept)
    n = count_paths(node, stop_at=kept)
    return [Edge(c, d.get(c, c.zero_gradient()), None, n[c]) for c in reached]


def _operands(node: Node) -> list[tuple[int, Node]]:
    """(position, operand) for each operand that gradient flows into."""
    return [(i, c) for i, c in enumerate(node.children) if carries_gradient(node, i)]


def _factor(node: Node, locals_: Optional[tuple], position: int) -> Any:
    if locals_ is None:
        raise ValueError(
            _("gradient paths need scalar local derivatives, but op {op} ({node}) has a Jacobian "
              "(vector-Jacobian product) instead").format(op=repr(node.op.function), node=node.brief())
        )
    return locals_[position]


def _reached(node: Node, through: set) -> list[Node]:
    """The nodes of ``through`` reached from ``node`` through nodes outside it,
    in depth-first order, first operand first (w1, l1, w2, l2, b1 for net_h1).
    An explicit stack, no recursion."""
    found: dict[Node, None] = {}  # an ordered set
    seen: set[Node] = set()
    stack = [c for _, c in reversed(_operands(node))]
    while stack:
        x = stack.pop()
        if x in through:
            found.setdefault(x)
        elif x.children and x not in seen:
            seen.add(x)
            stack.extend(c for _, c in reversed(_operands(x)))
    return list(found)


class Path(NamedTuple):
    """One path of the chain rule from the top down to the bottom node.

    ``nodes``: top first, bottom last; each an operand of the one before (or,
    with ``through``, reached from it through folded nodes). ``factors``: d
    nodes[k] / d nodes[k+1] along it. ``product``: their product, this path's
    share of d top / d bottom. ``positions``: the operand position of each
    step (None for a folded step).
    """

    nodes: tuple
    factors: tuple
    product: Any
    positions: tuple


class Paths:
    """The paths of the chain rule from ``top`` down to ``bottom`` (``through``:
    see the module docstring). ``count``: how many (counted, not listed);
    iterating gives them one :class:`Path` at a time, depth first, first operand
    first; :meth:`derivative` is their sum, d top / d bottom, from one backward
    sweep. Factors are the ops' local derivatives at the current data."""

    def __init__(self, top: Node, bottom: Node,
                 through: Optional[Iterable[Node]] = None) -> None:
        for what, node in (("top", top), ("bottom", bottom)):
            if not isinstance(node, Node):
                raise TypeError(_("paths(): {what} must be a Value or Tensor, got {kind}").format(
                    what=what, kind=type(node).__name__))
        self.top, self.bottom = top, bottom
        self.through = None if through is None else set(through) | {top, bottom}
        # Which nodes lead down to bottom and by how many paths: one sweep up
        # from bottom, operands first. links[node]: its steps that lead there.
        self._links: dict[Node, list[tuple[Node, Optional[int]]]] = {}
        count: dict[Node, int] = {bottom: 1}
        for node in topological_order(top):
            if node is bottom or (self.through is not None and node not in self.through):
                continue
            if self.through is None:
                steps = [(c, i) for i, c in _operands(node)]
            else:
                steps = [(c, None) for c in _reached(node, self.through)]
            on = [(c, i) for c, i in steps if c in count]
            if on:
                self._links[node] = on
                count[node] = sum(count[c] for c, _ in on)
        self.count: int = count.get(top, 0)
        self._factors: dict[Node, Any] = {}

    def _factor(self, node: Node, child: Node, position: Optional[int]) -> Any:
        cached = self._factors.get(node)
        if self.through is None:
            if cached is None:
                cached = self._factors[node] = local_derivatives(node)
            return _factor(node, cached, position)
        if cached is None:
            cached = self._factors[node] = {e.child: e.factor
                                            for e in edges_below(node, self.through)}
        return cached[child]

    def __len__(self) -> int:
        return self.count

    def __iter__(self) -> Iterator[Path]:
        if not self.count:
            return
        bottom = self.bottom
        if self.top is bottom:
            yield Path((bottom,), (), 1.0, ())
            return
        # Depth first with an explicit stack of the steps left at each level, the
        # current path grown and shrunk in place: a 10^5-step path costs 10^5.
        nodes, factors, positions = [self.top], [], []
        todo = [iter(self._links[self.top])]
        while todo:
            step = next(todo[-1], None)
            if step is None:  # this node's steps are done: back up one
                todo.pop()
                if factors:
                    nodes.pop(), factors.pop(), positions.pop()
                continue
            child, position = step
            factors.append(self._factor(nodes[-1], child, position))
            nodes.append(child)
            positions.append(position)
            if child is bottom:
                yield Path(tuple(nodes), tuple(factors), math.prod(factors), tuple(positions))
                nodes.pop(), factors.pop(), positions.pop()
            else:
                todo.append(iter(self._links[child]))

    def edges(self) -> Iterator[tuple[Node, Optional[int], Node]]:
        """(parent, position, child) for every step on some path."""
        for node, links in self._links.items():
            for child, position in links:
                yield node, position, child

    def derivative(self) -> Any:
        """d top / d bottom, the sum of every path's product, from one backward
        sweep (a top with several entries: of their sum)."""
        one = self.top.zero_gradient() + 1.0
        if self.top is self.bottom:
            return one
        d = sweep(self.top, one).get(self.bottom)
        return self.bottom.zero_gradient() if d is None else d


def paths(top: Node, bottom: Node, through: Optional[Iterable[Node]] = None) -> Paths:
    """The paths of the chain rule from ``top`` down to ``bottom``: see :class:`Paths`."""
    return Paths(top, bottom, through)

