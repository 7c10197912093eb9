"""The paths of the chain rule from a root down to a node, as the pictures
list them: the engine finds them and multiplies their local derivatives
(:class:`autograd.Paths`); here each path is cut at its named nodes, as the
slides write it (dE_total/dout_o1 * dout_o1/dnet_o1 * ...).
"""
from __future__ import annotations

import math
from typing import Any, NamedTuple

from autograd import Node, Paths

from . import style
from .topology import Graph, name_of
from .i18n import _


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
        numbers = " * ".join(style.number(v, digits) for _u, _lo, v in segs)
        return f"{symbols} = {numbers} = {style.number(self.product, digits)}"


def engine_paths(graph: Any, target: int) -> Paths:
    """The engine's paths from the root down to node ``target`` of ``graph``:
    through every node (a :class:`viz.topology.Graph`, the full view) or through
    the kept ones (a :class:`viz.folding.Folded`, where unnamed steps are folded)."""
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
    graph = Graph(root)
    paths = engine_paths(graph, graph.find(node, "gradient_paths(node)"))
    if paths.count > max_paths:
        raise ValueError(
            _("there are {count} paths from {root} down to {node}, more than "
              "max_paths={max_paths}: too many to list (their sum is still {node}.grad). Pick a "
              "node nearer the root, or raise max_paths.").format(
                count=f"{paths.count:,}", root=name_of(root), node=name_of(node),
                max_paths=f"{max_paths:,}")
        )
    return [GradientPath(p.nodes, p.factors, p.product) for p in paths]
