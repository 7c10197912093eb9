"""The backward pass: the chain rule, written once.

After a forward pass the graph holds every value. Backward fills in
d root / d node for every node under the root with one loop
(:func:`_chain_rule`, line for line):

    grads = {root: seed}                      # d root / d root = 1
    for node in reversed(topological order):  # each node after every node using it,
        upstream = grads[node]                #   so d root / d node is complete here
        for each operand `child` of node:
            local = d node / d child          # the op's local rule (autograd.ops)
            product = local * upstream        # the chain rule
            grads[child] += product           # the multi-path sum rule

An operand reached along several paths (``x`` in ``x * x + x``) collects one
product per path, and their sum is its gradient. Ops whose derivative is a
matrix rather than one factor per entry (matmul, sum, softmax) hand back the
products directly (a vector-Jacobian product, ``op.vjp``); ``local`` is then
None.

``on_step``: an observer that sees every edge as a :class:`BackwardStep`
(parent, child, local, upstream, product): the numbers the slides write,
dE/dw7 = 0.88109 * 0.097049 * 0.912934. ``create_graph=True`` feeds the local
rules the nodes instead of their data, so each product is itself a recorded op
and the gradients can be differentiated again, by the same rules.

Entry points: ``node.backward()`` (:func:`backward`, grads into ``.grad``);
:func:`derivatives` and :func:`derivative` (d top / d node, ``.grad``
untouched); :func:`backward_from` (a pass started from chosen nodes with given
seeds, stopping at chosen nodes: the slides' sequential convention, layer by
layer); :func:`count_paths` (the same loop with every local derivative 1).

Two FAST PATHS serve plain ``backward()`` calls, where nothing watches and
nothing is recorded: :func:`_fast_floats` (Value) and :func:`_fast_arrays`
(Tensor), at the end of this module. They apply the same rules with less
bookkeeping; tests/test_backward.py holds them against the general loop.
"""
from __future__ import annotations

import warnings
from typing import Any, Callable, Iterable, Mapping, NamedTuple, Optional, Sequence, Union

import numpy as np

from .i18n import _

from .node import (
    MODE,
    AnomalyError,
    Node,
    all_finite,
    as_set,
    enable_grad,
    no_grad,
    nonzero,
    topological_order,
)


class BackwardStep(NamedTuple):
    """One edge of the backward pass, as the observer hook sees it.

    ``parent`` is the node computed by the op, ``child`` the operand receiving
    gradient. ``local`` = d parent / d child (None for ops whose local derivative
    is a Jacobian, such as matmul), ``upstream`` = d root / d parent, and
    ``product`` = the contribution added to child's grad (local * upstream).
    """

    parent: Node
    child: Node
    local: Any
    upstream: Any
    product: Any


Observer = Callable[[BackwardStep], None]
# Where the loop reads a node's edges: (node, upstream) -> [(child, local, product)]
Edges = Callable[[Node, Any], Iterable[tuple]]
Seeds = Union[Mapping[Node, Any], Sequence[tuple[Node, Any]]]


# --- the chain rule ---------------------------------------------------------------------

def _chain_rule(grads: dict, order: list[Node], edges: Edges, *,
                on_step: Optional[Observer] = None, stop_at: Iterable[Node] = (),
                seeds: Iterable[Node] = ()) -> dict:
    """The loop of the module docstring. ``grads`` holds the seeds (d root /
    d seed) and collects every gradient, keyed by node; ``order`` is a
    topological order (operands first); ``edges(node, upstream)`` gives the
    edges below a node as (child, local, product). Nodes in ``stop_at``
    receive their gradient but pass nothing on (unless they are seeds)."""
    stop_at, seeds = as_set(stop_at), as_set(seeds)
    # Nothing to see or record: a node whose gradient is 0 adds 0 everywhere below.
    skip_zeros = on_step is None
    for node in reversed(order):
        upstream = grads.get(node)
        if upstream is None or not node.children:
            continue  # not reached, or a leaf
        if node in stop_at and node not in seeds:
            continue  # a stop: it keeps its gradient, passes nothing on
        if skip_zeros and not isinstance(upstream, Node) and not nonzero(upstream):
            continue
        for child, local, product in edges(node, upstream):
            if on_step is not None:
                on_step(BackwardStep(node, child, local, upstream, product))
            previous = grads.get(child)
            if previous is None:
                if isinstance(product, np.ndarray) and (product is upstream
                                                        or product.base is not None):
                    product = product.copy()  # each node owns its gradient array
                grads[child] = product
            else:
                grads[child] = previous + product
    return grads


def carries_gradient(node: Node, position: int) -> bool:
    """Whether gradient flows from ``node`` into its operand at ``position``:
    not into a constant (the 2 in ``x * 2``), nor into an operand the op holds
    fixed (the exponent of ``x ** 2``)."""
    return position not in node.op.constant_operands and not node.children[position].is_constant


def _times(local: Any, upstream: Any) -> Any:
    if local.__class__ is float and local == 1.0:  # skip a useless mul node
        return upstream
    return local * upstream


def _op_rule_edges(create_graph: bool) -> Edges:
    """Edges from the op table: each op's local rule (or vjp) at this node."""
    anomaly = MODE.anomaly

    def edges(node: Node, upstream: Any) -> Iterable[tuple]:
        op, children = node.op, node.children
        if create_graph:  # the rules fed nodes: every product is a recorded op
            out, operands = node, children
        else:
            out, operands = node.data, [c.data for c in children]
        try:
            if op.vjp is None:  # elementwise: one local factor per operand
                locals_ = op.local(out, *operands)
                products = [_times(local, upstream) for local in locals_]
            else:  # a Jacobian: its rule gives the products directly
                locals_ = (None,) * len(children)
                products = op.vjp(upstream, out, getattr(node, "arg", None), *operands)
        except (ArithmeticError, ValueError) as error:
            if isinstance(error, AnomalyError):
                raise
            raise backward_error(node, error) from None
        for i, child in enumerate(children):
            if products[i] is None or not carries_gradient(node, i):
                continue
            product = child._fit_grad(products[i])  # a broadcast operand: sum back
            if anomaly and not all_finite(product):
                raise AnomalyError(
                    _("anomaly in backward: gradient {gradient} flowing from {call} into operand "
                      "{i} ({node})").format(gradient=repr(product), call=op.call(children), i=i,
                                             node=child.brief())
                )
            yield child, locals_[i], product

    return edges


def _given_edges(local: Mapping[Node, Sequence[tuple[Node, Any]]]) -> Edges:
    """Edges from given local derivatives: node -> [(operand, d node/d operand)]."""
    def edges(node: Node, upstream: Any) -> Iterable[tuple]:
        return [(child, factor, _times(factor, upstream)) for child, factor in local.get(node, ())]
    return edges


def _unit_edges(node: Node, upstream: Any) -> Iterable[tuple]:
    # every local derivative 1: the "gradient" then counts paths
    return [(child, 1, upstream) for i, child in enumerate(node.children)
            if carries_gradient(node, i)]


def backward_error(node: Node, error: Exception) -> ArithmeticError:
    return ArithmeticError(
        _("backward: the local derivative of {call} is undefined here ({error})").format(
            call=node.op.call(node.children), error=error)
    )


# --- entry points -----------------------------------------------------------------------

class GradientAccumulationWarning(UserWarning):
    """backward() found gradients left over from an earlier backward pass."""


def backward(root: Node, gradient: Any = None, *, create_graph: bool = False,
             on_step: Optional[Observer] = None, accumulate: bool = False) -> None:
    """``root.backward(...)``: see :meth:`autograd.Node.backward`."""
    seed = root._seed(gradient)
    order = topological_order(root)
    stale = prepare_backward(order, accumulate)
    if not (create_graph or on_step is not None or MODE.anomaly):
        root._fast_backward(seed, order, stale)  # FAST PATH: nothing watches, nothing recorded
        return
    grads = {leaf: leaf.grad for leaf in stale}  # an earlier pass's grads, added to
    grads[root] = root._constant(seed) if create_graph else seed
    with enable_grad() if create_graph else no_grad():
        _chain_rule(grads, order, _op_rule_edges(create_graph), on_step=on_step)
    for node, g in grads.items():
        node.grad = g


def prepare_backward(order: list[Node], accumulate: bool) -> list[Node]:
    """Before a backward pass: clear the grads of computed nodes (they are
    recomputed, so a second pass never compounds them) and warn if leaves still
    hold gradients from an earlier pass, unless ``accumulate`` says the user
    means to sum them (as for gradient accumulation over several losses).
    Returns those leaves: the pass adds to their grads."""
    stale: list[Node] = []
    for node in order:
        if node.op is None:
            if node.grad is None:  # p.grad = None is a common way to clear one
                node.grad = node.zero_gradient()
            elif node._holds_grad():
                stale.append(node)
        else:
            node.grad = node.zero_gradient()
    if stale and not accumulate:
        names = ", ".join(repr(n.label) for n in stale if n.label)
        if len(names) > 100:
            names = names[:100] + "..."
        warnings.warn(
            (_("backward(): {count} leaf node(s) under the root already hold a non-zero grad "
               "({names}) from an earlier backward()") if names else
             _("backward(): {count} leaf node(s) under the root already hold a non-zero grad from "
               "an earlier backward()")).format(count=len(stale), names=names)
            + _("; this pass adds to them, so gradients compound. Call zero_grad(root) (or "
                "model.zero_grad()) first, or pass accumulate=True if you mean to sum gradients. "
                "Input data reused across passes should not collect gradients: create it with "
                "requires_grad=False."),
            GradientAccumulationWarning,
            stacklevel=4,
        )
    return stale


def backward_from(seeds: Seeds, *, stop_at: Iterable[Node] = (), into: Optional[dict] = None,
                  on_step: Optional[Observer] = None,
                  local: Optional[Mapping[Node, Sequence[tuple[Node, Any]]]] = None
                  ) -> Optional[dict]:
    """Run (or continue) a backward pass from several nodes at once, each seeded
    with a given d(root)/d(node), through the part of the graph above the
    ``stop_at`` nodes (they receive their gradient but pass nothing on).

    This lets backward run in stages, layer by layer (the slides' sequential
    convention, :func:`nn.train.sequential_backward`): stop at a layer's inputs,
    update its parameters, then continue from those inputs. Local derivatives
    read the operands' ``.data`` when each edge is processed, so a stage run
    after an update goes through the updated values. Seeds should not lie under
    one another.

    Gradients are added to ``.grad`` (a seed's grad is set to its seed), or,
    with ``into`` (a dict), collected there keyed by node and ``into`` returned;
    ``.grad`` is then untouched. ``local``: the local derivatives to use
    instead of the ops' rules, as for :func:`derivatives` (a marker's pass
    through a student's own factors, stage by stage).
    """
    pairs = list(seeds.items()) if isinstance(seeds, Mapping) else list(seeds)
    if not pairs:
        return into
    roots = [node for node, _ in pairs]
    stop = as_set(stop_at)
    order = topological_order(roots, stop)
    if into is not None:
        grads = into
    else:  # continue from what .grad holds, as a pass in stages must
        grads = {node: node.grad for node in order if nonzero(node.grad)}
    grads.update(pairs)
    with no_grad():
        edges = _op_rule_edges(False) if local is None else _given_edges(local)
        _chain_rule(grads, order, edges, on_step=on_step, stop_at=stop, seeds=roots)
    if into is not None:
        return into
    for node, g in grads.items():
        node.grad = g
    return None


def _one(top: Node, what: str) -> Any:
    """d top / d top: 1, for a top holding one number."""
    data = top.data
    if isinstance(data, np.ndarray):
        if data.size != 1:
            raise ValueError(
                _("{what}: {top} has {size} entries; a derivative d top / d node is taken of ONE "
                  "number. Reduce it first (.sum() or .mean())").format(
                      what=what, top=top.brief(), size=data.size)
            )
        return np.ones_like(data)
    return 1.0


def derivatives(top: Node, *, stop_at: Iterable[Node] = (), create_graph: bool = False,
                local: Optional[Mapping[Node, Sequence[tuple[Node, Any]]]] = None
                ) -> dict[Node, Any]:
    """d top / d node for every node under ``top`` that a nonzero gradient
    reaches, summed over all paths (top itself: 1), as a dict keyed by node.
    Nothing's ``.grad`` is touched. One sweep answers every question about the
    same top: ask it once and read many derivatives from the dict.

    ``stop_at``: nodes that receive their derivative but pass nothing on, so
    the answer for each is the derivative through the part of the graph above
    them only. ``create_graph``: the derivatives are graph nodes that can be
    differentiated again. ``local``: the local derivatives to use instead of
    each op's rule at the operands' current data, as node -> [(operand,
    d node / d operand), ...]: for instance the factors a recorded pass used
    (its :class:`BackwardStep` s), when the data has changed since.
    """
    return sweep(top, _one(top, "derivatives()"), stop_at=stop_at, create_graph=create_graph,
                 local=local)


def sweep(top: Node, seed: Any, *, stop_at: Iterable[Node] = (), create_graph: bool = False,
          local: Optional[Mapping[Node, Sequence[tuple[Node, Any]]]] = None) -> dict[Node, Any]:
    """:func:`derivatives` from a given seed d root / d top (for a top with
    several entries, the weight of each: a vector-Jacobian product)."""
    grads = {top: top._constant(seed) if create_graph else seed}
    stop = as_set(stop_at)
    order = topological_order(top, stop)
    edges = _op_rule_edges(create_graph) if local is None else _given_edges(local)
    with enable_grad() if create_graph else no_grad():
        return _chain_rule(grads, order, edges, stop_at=stop, seeds=(top,))


def derivative(top: Node, bottom: Node) -> Any:
    """d top / d bottom: the sum over every path from ``top`` down to
    ``bottom`` of the product of the local derivatives along it. 0 when top
    does not depend on bottom. Nothing's ``.grad`` is touched."""
    if not isinstance(bottom, Node):
        raise TypeError(_("derivative(): bottom must be a Value or Tensor, got {kind}").format(
            kind=type(bottom).__name__))
    d = derivatives(top).get(bottom)
    return bottom.zero_gradient() if d is None else d


def count_paths(top: Node, *, stop_at: Iterable[Node] = ()) -> dict[Node, int]:
    """How many paths of the chain rule lead from ``top`` down to each node
    under it: the backward loop with every local derivative set to 1 (so
    ``x + x`` twenty times over gives 2**20 paths, counted, not listed)."""
    stop = as_set(stop_at)
    return _chain_rule({top: 1}, topological_order(top, stop), _unit_edges, stop_at=stop,
                       seeds=(top,))


# --- FAST PATHS: the same rules, for plain backward() calls -------------------------------

def _fast_floats(root: Node, seed: float, order: list[Node], stale: list[Node]) -> None:
    """FAST PATH for Values (float data): the loop of :func:`_chain_rule`
    unrolled for one or two operands, accumulating straight into ``.grad``
    (which prepare_backward zeroed). No observer, no recording, no checks; a
    constant operand collects a harmless gradient nobody reads."""
    root.grad = seed
    node = None
    try:
        for node in reversed(order):
            upstream = node.grad
            if upstream == 0.0:
                continue
            children = node.children
            if not children:  # a leaf or a constant
                continue
            if len(children) == 2:
                a, b = children
                local_a, local_b = node.op.local(node.data, a.data, b.data)
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                a = children[0]
                a.grad += node.op.local(node.data, a.data)[0] * upstream
    except (ArithmeticError, ValueError) as error:
        raise backward_error(node, error) from None


def _fast_arrays(root: Node, seed: np.ndarray, order: list[Node], stale: list[Node]) -> None:
    """FAST PATH for Tensors: the loop of :func:`_chain_rule` into a dict, then
    every grad handed out at once (added to those of the ``stale`` leaves); and
    no gradient computed for what no variable lies under (the input batch of
    ``x @ W``, constants)."""
    live = set()  # nodes with a variable (a leaf that is not a constant) under them
    add = live.add
    for node in order:
        children = node.children
        if children:
            for child in children:
                if child in live:
                    add(node)
                    break
        elif node.op is None:
            add(node)
    if root not in live:
        raise RuntimeError(
            _("backward(): {root} depends on no variable, only on constants (numbers, numpy "
              "arrays, requires_grad=False tensors), so there is nothing to differentiate").format(
                  root=root.brief()))
    grads = {root: seed}
    get = grads.get
    node = None
    try:
        for node in reversed(order):
            children = node.children
            if not children:
                continue
            upstream = get(node)
            if upstream is None:
                continue
            op = node.op
            if op.vjp is not None:
                if len(children) == 1:  # its one operand is live, or node would not be
                    products = op.vjp(upstream, node.data, node.arg, children[0].data)
                else:
                    products = op.vjp(upstream, node.data, node.arg,
                                      *[c.data for c in children],
                                      needs=tuple([c in live for c in children]))
                locals_ = None
            else:
                locals_ = op.local(node.data, *[c.data for c in children])
            skip = op.constant_operands
            for i, child in enumerate(children):
                if child not in live or i in skip:
                    continue
                if locals_ is None:
                    product = products[i]
                else:  # elementwise: local derivative times upstream
                    local = locals_[i]
                    product = upstream if local.__class__ is float and local == 1.0 \
                        else local * upstream
                product = child._fit_grad(product)
                previous = get(child)
                grads[child] = product if previous is None else previous + product
    except (ArithmeticError, ValueError) as error:
        raise backward_error(node, error) from None
    handed_out = set()  # a leaf's grad must be its own array, never shared or read-only
    stale_set = set(stale)
    for node, g in grads.items():
        if g.__class__ is not np.ndarray:
            g = np.asarray(g, dtype=np.float64)
        if node.children:
            node.grad = g
            continue
        if stale and node in stale_set:
            g = node.grad + g
        elif id(g) in handed_out or not g.flags.writeable:
            g = g.copy()
        handed_out.add(id(g))
        node.grad = g
