"""The graph core shared by Value and Tensor: nodes, modes, topological order
and the backward pass (the chain rule with the multi-path sum rule).

Every graph walk here is iterative, so a chain of a million nodes never meets
Python's recursion limit.
"""
from __future__ import annotations

import contextlib
import math
import warnings
from typing import Any, Callable, Iterator, NamedTuple, Optional, Sequence

import numpy as np


class Node:
    """A node of the computation graph.

    ``data``: the value; ``grad``: d(root)/d(this node) after backward;
    ``children``: the operands this node was computed from (empty for a leaf);
    ``op``: the :class:`autograd.ops.Op` that produced it (None for a leaf);
    ``label``: an optional name shown by every report and picture.
    """

    __slots__ = ("data", "grad", "children", "op", "_label", "_frozen")

    # Graph walks keep nodes in sets and dicts: identity semantics, always.
    # Subclasses must not redefine these (elementwise comparisons get other names).
    __hash__ = object.__hash__
    __eq__ = object.__eq__

    @property
    def label(self) -> str:
        try:
            return self._label
        except AttributeError:  # unlabelled nodes never pay for the slot
            return ""

    @label.setter
    def label(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError(f"label must be a str, got {type(value).__name__}: {value!r}")
        self._label = value

    @property
    def frozen(self) -> bool:
        """True for a parameter that training leaves unchanged (``nn.freeze``).

        Not ``requires_grad=False``: that makes a constant, which backward sends no
        gradient and a module does not count as a parameter (nor saves). A frozen
        parameter stays a variable: backward fills its grad (reports show it) and
        passes gradients on through the ops that use it, as for any parameter; the
        engine never reads this flag, optimizers do. It lives on the node, so
        copy.deepcopy and pickle keep it."""
        try:
            return self._frozen
        except AttributeError:  # never set: not frozen
            return False

    @frozen.setter
    def frozen(self, value: bool) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"frozen must be True or False, got {type(value).__name__}: "
                            f"{value!r}")
        self._frozen = value

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters: nodes with no operands."""
        return not self.children

    @property
    def is_constant(self) -> bool:
        """True for a number lifted into the graph (the 2 in ``x * 2``), a node
        made with ``requires_grad=False``, or a result computed under no_grad."""
        return self.op is not None and self.op.name == "const"

    def __bool__(self) -> bool:
        raise TypeError(
            f"the truth value of a {type(self).__name__} is ambiguous: compare its data "
            f"(e.g. `if x.data > 0:`), not the graph node ({self._describe()})"
        )

    # --- numpy: a node is not an array ----------------------------------------------
    # numpy would compute on the numbers and silently leave the graph, so every numpy
    # entry point refuses a node with one message saying what to write instead:
    # __array__ (np.asarray and whatever converts), __array_function__ (np.sum,
    # np.reshape, np.dot, ...) and __array_ufunc__ (np.exp, np.maximum, ...).
    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        raise TypeError(_not_an_array(self))

    def __array_function__(self, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
        if func in _SHAPE_QUERIES:  # np.shape(t) and co. read no numbers: answer them
            return func(*[a.data if isinstance(a, Node) else a for a in args], **kwargs)
        raise TypeError(_not_an_array(self, func))

    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        # An operator with an array or numpy scalar on the left (x @ W, 2.0 * t) reaches
        # here as the ufunc (np.matmul(x, W)): run it as Python would, with the
        # node's own (reflected) operator method.
        if method == "__call__" and not kwargs and len(inputs) == 2:
            a, b = inputs
            name = _OPERATOR_UFUNCS.get(ufunc)
            if name is not None:
                result = NotImplemented
                if isinstance(a, Node):
                    result = getattr(type(a), f"__{name}__", _not_implemented)(a, b)
                reflected = getattr(type(b), f"__r{name}__", None)
                if result is NotImplemented and isinstance(b, Node) and reflected:
                    result = reflected(b, a)
                if result is not NotImplemented:
                    return result
            elif ufunc is np.equal or ufunc is np.not_equal:  # identity, as Node.__eq__
                return (a is b) == (ufunc is np.equal)
        raise TypeError(_not_an_array(self, ufunc, method, into="out" in kwargs))

    def named(self, label: str) -> "Node":
        """Set the label and return the node itself, for use inside expressions."""
        self.label = label
        return self

    # --- backward ------------------------------------------------------------------
    def backward(
        self,
        gradient: Any = None,
        *,
        create_graph: bool = False,
        on_step: Optional["Observer"] = None,
        accumulate: bool = False,
    ) -> None:
        """Fill ``.grad`` of every node under this one with d(self)/d(node).

        ``gradient``: the seed d(root)/d(self); 1 by default, which needs a
        one-number root (a loss). ``create_graph``: record the backward pass so
        grads can be differentiated again. ``on_step``: called with a
        :class:`BackwardStep` for every edge. ``accumulate``: add to grads left
        by an earlier pass without a warning.

        Local derivatives read the operands' current ``.data`` when each edge is
        processed: change a parameter's data between forward and backward and
        the pass goes through the new value (the slides' sequential update
        convention is built on this). Otherwise, leave data alone until backward
        has run.
        """
        seed = self._seed(gradient)
        order = topological_order(self)
        prepare_backward(order, accumulate)
        if create_graph or on_step is not None or MODE.anomaly:
            _run_backward(self, self._constant(seed) if create_graph else seed, order=order,
                          create_graph=create_graph, on_step=on_step)
        else:
            self._fast_backward(seed, order)

    def _seed(self, gradient: Any) -> Any:
        raise NotImplementedError

    def _fast_backward(self, seed: Any, order: list) -> None:
        _run_backward(self, seed, order=order)

    def _holds_grad(self) -> bool:
        return _nonzero(self.grad)

    # --- composite ops, built from the primitives add, mul and pow -----------------
    # Subclasses provide the primitives and two hooks: _operand (lift a number
    # into a constant of their kind, NotImplemented for a foreign node) and
    # _constant. A constant operand is folded (x - 2 is x + (-2): no extra node).
    def __neg__(self) -> "Node":
        return self * -1.0

    def __sub__(self, other: Any) -> "Node":
        other = self._operand(other, "-")
        if other is NotImplemented:
            return other
        if other.is_constant:
            return self + self._constant(-other.data)
        return self + (-other)

    def __rsub__(self, other: Any) -> "Node":
        other = self._operand(other, "-")
        if other is NotImplemented:
            return other
        return other + (-self)

    def __truediv__(self, other: Any) -> "Node":
        other = self._operand(other, "/")
        if other is NotImplemented:
            return other
        _check_divisor(self, other)
        if other.is_constant:
            return self * self._constant(1.0 / other.data)
        return self * other ** -1.0

    def __rtruediv__(self, other: Any) -> "Node":
        other = self._operand(other, "/")
        if other is NotImplemented:
            return other
        _check_divisor(other, self)
        return other * self ** -1.0

    def _operand(self, x: Any, symbol: str) -> Any:
        raise NotImplementedError

    @staticmethod
    def _constant(data: Any) -> "Node":
        raise NotImplementedError

    # Subclasses: reduce a gradient contribution to this node's own shape.
    def _fit_grad(self, contribution: Any) -> Any:
        return contribution

    def _zero_like(self) -> Any:
        return 0.0

    def _describe(self) -> str:
        raise NotImplementedError


# --- the numpy refusal (see Node.__array__) ----------------------------------------------

_SHAPE_QUERIES = {np.shape, np.ndim, np.size}
# ufunc -> the operator method it stands for (np.add -> __add__ / __radd__)
_OPERATOR_UFUNCS = {np.add: "add", np.subtract: "sub", np.multiply: "mul",
                    np.true_divide: "truediv", np.power: "pow", np.matmul: "matmul"}
# numpy names whose graph counterpart is spelt differently: (advice, the method it needs)
_INSTEAD = {
    "add": ("the operator +", "__add__"), "subtract": ("the operator -", "__sub__"),
    "multiply": ("the operator *", "__mul__"), "divide": ("the operator /", "__truediv__"),
    "true_divide": ("the operator /", "__truediv__"), "power": ("the operator **", "__pow__"),
    "matmul": ("the operator @", "__matmul__"), "dot": ("the operator @", "__matmul__"),
    "negative": ("-x", "__neg__"), "square": ("x ** 2", "__pow__"),
    "sqrt": ("x ** 0.5", "__pow__"), "reciprocal": ("1 / x", "__rtruediv__"),
    "maximum": ("x.relu() for max(x, 0)", "relu"),
}
_NOT_MATHS = {"backward", "named", "item", "numpy", "detach"}


def _not_implemented(*args: Any) -> Any:
    return NotImplemented


def _not_an_array(node: Node, func: Any = None, method: str = "__call__",
                  into: bool = False) -> str:
    """The refusal's message: which numpy function got which node, and what to
    write instead (the node's own method or operator, or .data). ``into``: numpy
    was asked to write the result into an array (``out=``, as ``x += t`` does)."""
    cls = type(node)
    kind = cls.__name__
    maths = sorted(n for n in dir(cls) if not n.startswith("_") and n not in _NOT_MATHS
                   and callable(getattr(cls, n)))
    name, head = "", ""
    if func is not None:
        name = getattr(func, "__name__", str(func))
        module = (getattr(func, "__module__", None) or "numpy").replace("numpy", "np", 1)
        called = f"{module}.{name}" + ("" if method == "__call__" else f".{method}")
        head = f"{called}() got {node._describe()}: "
    instead, needs = _INSTEAD.get(name, (None, None))
    if into:
        advice = ("A numpy array cannot hold a node: write x = x + t (a new node), not "
                  "x += t or out=")
    elif method == "__call__" and instead and hasattr(cls, needs):
        advice = f"Use {instead} instead"
    elif method == "__call__" and name in maths:
        advice = f"Use the {kind}'s own method .{name}() instead"
    else:
        ops_ = "+ - * / **" + (" @" if hasattr(cls, "__matmul__") else "")
        advice = f"Use the {kind}'s operators ({ops_}) and methods (.{', .'.join(maths)})"
    return (f"{head}a {kind} is a graph node, not an array: numpy functions cannot record "
            f"it. {advice}, or its .data for the plain numbers (outside the graph: no "
            "gradient flows through them)")


def _check_divisor(numerator: Node, divisor: Node) -> None:
    d = divisor.data
    if d.__class__ is float:
        if d != 0.0:
            return
    elif np.all(d):
        return
    raise ZeroDivisionError(
        f"/: division by zero ({numerator._describe()} / {divisor._describe()})"
    )


# --- modes -------------------------------------------------------------------------

class _Mode:
    """Global switches. ``fast`` is True when nothing special is on, so every op
    pays a single check for all of them."""

    __slots__ = ("grad_enabled", "anomaly", "fast")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.anomaly = False
        self.fast = True

    def refresh(self) -> None:
        self.fast = self.grad_enabled and not self.anomaly


MODE = _Mode()


@contextlib.contextmanager
def set_grad_enabled(enabled: bool) -> Iterator[None]:
    """Within this block, record the graph (True) or not (False)."""
    previous = MODE.grad_enabled
    MODE.grad_enabled = enabled
    MODE.refresh()
    try:
        yield
    finally:
        MODE.grad_enabled = previous
        MODE.refresh()


def no_grad() -> contextlib.AbstractContextManager:
    """Within this block operations record no graph (results are leaves):
    for evaluation and for parameter updates."""
    return set_grad_enabled(False)


def enable_grad() -> contextlib.AbstractContextManager:
    """Within this block operations record the graph (inside ``no_grad`` too)."""
    return set_grad_enabled(True)


def is_grad_enabled() -> bool:
    return MODE.grad_enabled


class AnomalyError(FloatingPointError):
    """A NaN or infinity appeared while anomaly detection was on."""


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, a NaN or inf produced by any forward op or any backward
    step raises :class:`AnomalyError` naming the op and its inputs."""
    previous = MODE.anomaly
    MODE.anomaly = True
    MODE.refresh()
    try:
        yield
    finally:
        MODE.anomaly = previous
        MODE.refresh()


def _all_finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray):
        return bool(np.isfinite(x).all())
    return math.isfinite(x)


def check_forward(op: Any, operands: Sequence[Node], data: Any) -> None:
    """Anomaly mode's forward check (called by the node classes)."""
    if not _all_finite(data):
        ins = ", ".join(o._describe() for o in operands)
        raise AnomalyError(f"anomaly in forward: {op.name}({ins}) produced {data!r}")


def record_result(out: Node, op: Any, operands: tuple) -> Node:
    """Attach a freshly computed result to the graph, honouring the modes: the
    anomaly check, and under no_grad a constant instead of a recorded op.
    (The node classes' fast paths skip this when no mode is on.)"""
    if MODE.anomaly:
        check_forward(op, operands, out.data)
    if MODE.grad_enabled:
        out.children = operands
        out.op = op
    else:  # under no_grad a result is plain data: a constant, not a variable
        from .ops import CONSTANT  # ops imports this module, so import here

        out.children = ()
        out.op = CONSTANT
    return out


# --- graph walks ---------------------------------------------------------------------

def topological_order(
    root: "Node | Sequence[Node]", stop_at: Optional[set] = None
) -> list[Node]:
    """Every node under ``root`` (one node or several), each after all of its
    children (operands); the roots come last. ``stop_at``: ids of nodes that are
    included but not descended into (a root is always descended into).
    Iterative depth-first post-order: a million-node chain is fine."""
    roots = [root] if isinstance(root, Node) else list(root)
    root_ids = {id(r) for r in roots} if stop_at is not None else set()
    order: list[Node] = []
    visited: set[Node] = set()  # nodes hash by identity (see Node.__hash__)
    stack: list = roots[::-1]
    push, pop, add, emit = stack.append, stack.pop, visited.add, order.append
    finished = _FINISHED
    while stack:
        node = pop()
        if node is finished:
            # Everything pushed above the marker (the children) is done: emit the
            # node that sits just below it.
            emit(pop())
            continue
        if node in visited:
            continue
        add(node)
        push(node)
        push(finished)
        if stop_at is not None and id(node) in stop_at and id(node) not in root_ids:
            continue
        for child in node.children:
            if child not in visited:
                push(child)
    return order


_FINISHED = object()


def zero_grad(root: Node) -> None:
    """Set the grad of every node under ``root`` (root included) to zero."""
    for node in topological_order(root):
        node.grad = node._zero_like()


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


class GradientAccumulationWarning(UserWarning):
    """backward() found gradients left over from an earlier backward pass."""


Observer = Callable[[BackwardStep], None]


def prepare_backward(order: list[Node], accumulate: bool) -> None:
    """Before a backward pass: clear the grads of computed nodes (they are
    recomputed, so a second pass never compounds them) and warn if leaves still
    hold gradients from an earlier pass, unless ``accumulate`` says the user
    means to sum them (as for gradient accumulation over several losses)."""
    stale: list[Node] = []
    for node in order:
        if node.op is None:
            if node.grad is None:  # p.grad = None is a common way to clear one
                node.grad = node._zero_like()
            elif not accumulate and node._holds_grad():
                stale.append(node)
        else:
            node.grad = node._zero_like()
    if stale:
        names = ", ".join(repr(n.label) for n in stale if n.label)
        if len(names) > 100:
            names = names[:100] + "..."
        warnings.warn(
            f"backward(): {len(stale)} leaf node(s) under the root already hold a non-zero "
            f"grad{' (' + names + ')' if names else ''} from an earlier backward(); this pass "
            "adds to them, so gradients compound. Call zero_grad(root) (or model.zero_grad()) "
            "first, or pass accumulate=True if you mean to sum gradients. Input data reused "
            "across passes should not collect gradients: create it with requires_grad=False.",
            GradientAccumulationWarning,
            stacklevel=3,
        )


def _nonzero(g: Any) -> bool:
    if isinstance(g, float):
        return g != 0.0
    if isinstance(g, Node):
        g = g.data
    if isinstance(g, np.ndarray):
        return bool(np.any(g))
    return g is not None and g != 0


def _times(local: Any, upstream: Any) -> Any:
    if local is None:
        return None
    if local.__class__ is float and local == 1.0:  # skip a useless mul node
        return upstream
    return local * upstream


def _run_backward_floats(order: list[Node]) -> None:
    """The fast path of backward for scalar graphs with float data: the same
    rules as :func:`_run_backward`, without observer, side dict or recording."""
    node = None
    try:
        for node in reversed(order):
            op = node.op
            if op is None:
                continue
            upstream = node.grad
            if upstream == 0.0:
                continue
            children = node.children
            if not children:  # a constant
                continue
            if len(children) == 2:
                a, b = children
                local_a, local_b = op.local(node.data, a.data, b.data)
                a.grad += local_a * upstream
                b.grad += local_b * upstream
            else:
                a = children[0]
                a.grad += op.local(node.data, a.data)[0] * upstream
    except (ArithmeticError, ValueError) as error:
        raise _backward_error(node, error) from None


def _backward_error(node: Any, error: Exception) -> ArithmeticError:
    ins = ", ".join(c._describe() for c in node.children)
    return ArithmeticError(
        f"backward: the local derivative of {node.op.name}({ins}) is undefined here ({error})"
    )


def _run_backward(
    root: Node,
    seed: Any,
    *,
    order: Optional[list[Node]] = None,
    create_graph: bool = False,
    on_step: Optional[Observer] = None,
    into: Optional[dict] = None,
    stop_at: Optional[set] = None,
) -> None:
    """The general backward loop: the chain rule edge by edge in reverse
    topological order, summing contributions that reach a node along several
    paths (the multi-path sum rule).

    Gradients accumulate into ``.grad``, or into the dict ``into`` (keyed by
    id(node)) when given. With ``create_graph`` the local derivatives are
    computed on nodes, so the gradients are nodes too and can be differentiated
    again. ``stop_at``: ids of nodes not to propagate through (their grad is
    still filled).
    """
    if order is None:
        order = topological_order(root)
    anomaly = MODE.anomaly
    if into is not None:
        grads = into
        grads[id(root)] = seed

        def get(n: Node) -> Any:
            return grads.get(id(n))

        def put(n: Node, g: Any) -> None:
            grads[id(n)] = g
    else:
        root.grad = seed

        def get(n: Node) -> Any:
            return n.grad

        def put(n: Node, g: Any) -> None:
            n.grad = g

    recording = enable_grad() if create_graph else no_grad()
    with recording:
        for node in reversed(order):
            op = node.op
            if op is None or not node.children:  # a leaf or a constant
                continue
            if stop_at is not None and id(node) in stop_at and node is not root:
                continue
            upstream = get(node)
            if upstream is None:
                continue
            if not _nonzero(upstream) and on_step is None and not create_graph:
                continue
            children = node.children
            if create_graph:
                out, operands = node, children
            else:
                out, operands = node.data, tuple(c.data for c in children)
            try:
                if op.vjp is not None:
                    locals_ = (None,) * len(children)
                    products = op.vjp(upstream, out, getattr(node, "arg", None), *operands)
                else:
                    locals_ = op.local(out, *operands)
                    products = tuple(_times(l, upstream) for l in locals_)
            except (ArithmeticError, ValueError) as error:
                if isinstance(error, AnomalyError):
                    raise
                raise _backward_error(node, error) from None
            for i, child in enumerate(children):
                if i in op.constant_operands or products[i] is None or child.is_constant:
                    continue
                product = child._fit_grad(products[i])
                if anomaly and not _all_finite(product):
                    ins = ", ".join(c._describe() for c in children)
                    raise AnomalyError(
                        f"anomaly in backward: gradient {product!r} flowing from "
                        f"{op.name}({ins}) into operand {i} ({child._describe()})"
                    )
                if on_step is not None:
                    on_step(BackwardStep(node, child, locals_[i], upstream, product))
                previous = get(child)
                if previous is None or (not isinstance(previous, Node) and not _nonzero(previous)):
                    if isinstance(product, np.ndarray) and (product is upstream
                                                            or product.base is not None):
                        product = product.copy()  # each node owns its gradient array
                    put(child, product)
                else:
                    put(child, previous + product)


def _run_backward_from(
    seeds: Sequence[tuple[Node, Any]],
    *,
    on_step: Optional[Observer] = None,
    into: Optional[dict] = None,
    stop_at: Optional[set] = None,
) -> None:
    """Run (or continue) a backward pass from several nodes at once, each seeded
    with a given d(root)/d(node), walking only the part of the graph above the
    ``stop_at`` nodes (which receive their grad but pass nothing on).

    This lets backward run in stages, layer by layer: stop at a layer's inputs,
    change some parameters, then continue from those inputs. Local derivatives
    read operands' ``.data`` when the edge is processed, so a stage run after an
    update propagates through the updated values. Seeds are expected not to lie
    under one another. Gradients go to ``.grad`` or to the dict ``into``."""
    if not seeds:
        return
    order = topological_order([node for node, _ in seeds], stop_at)
    for node, g in seeds[1:]:
        if into is not None:
            into[id(node)] = g
        else:
            node.grad = g
    first, g0 = seeds[0]
    _run_backward(first, g0, order=order, on_step=on_step, into=into, stop_at=stop_at)
