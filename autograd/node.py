"""The graph core shared by Value and Tensor: nodes, modes (no_grad, anomaly
detection) and the topological order. The backward pass itself, the chain rule,
is in :mod:`autograd.backward`.

Every graph walk here is iterative, so a chain of a million nodes never meets
Python's recursion limit.
"""
from __future__ import annotations

import contextlib
import math
from typing import TYPE_CHECKING, Any, Iterable, Iterator, Optional, Sequence

import numpy as np

from .i18n import N_, _

if TYPE_CHECKING:
    from .backward import Observer


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
            raise TypeError(_("label must be a str, got {kind}: {given}").format(
                kind=type(value).__name__, given=repr(value)))
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
            raise TypeError(_("frozen must be True or False, got {kind}: {given}").format(
                kind=type(value).__name__, given=repr(value)))
        self._frozen = value

    @property
    def is_leaf(self) -> bool:
        """True for inputs and parameters: nodes with no operands."""
        return not self.children

    @property
    def is_constant(self) -> bool:
        """True for a number lifted into the graph (the 2 in ``x * 2``), a node
        made with ``requires_grad=False``, or a result computed under no_grad."""
        return self.op is CONSTANT

    def __bool__(self) -> bool:
        raise TypeError(
            _("the truth value of a {kind} is ambiguous: compare its data (e.g. `if x.data > "
              "0:`), not the graph node ({node})").format(kind=type(self).__name__, node=self.brief())
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
        """Fill ``.grad`` of every node under this one with d(self)/d(node)
        (the chain rule: :mod:`autograd.backward`).

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
        _backward.backward(self, gradient, create_graph=create_graph, on_step=on_step,
                           accumulate=accumulate)

    def _seed(self, gradient: Any) -> Any:
        raise NotImplementedError

    def _fast_backward(self, seed: Any, order: list, stale: list) -> None:
        """The FAST PATH of plain backward() (autograd.backward) for this kind of node."""
        raise NotImplementedError

    def _holds_grad(self) -> bool:
        return nonzero(self.grad)

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

    def _apply(self, op: Any, operands: tuple, arg: Any = None) -> "Node":
        """Apply ``op`` (an entry of autograd.ops) to operands of this kind."""
        raise NotImplementedError

    @staticmethod
    def _constant(data: Any) -> "Node":
        raise NotImplementedError

    # Subclasses: reduce a gradient contribution to this node's own shape.
    def _fit_grad(self, contribution: Any) -> Any:
        return contribution

    def zero_gradient(self) -> Any:
        """A zero gradient for this node: 0.0 for a Value, zeros of its shape for a Tensor."""
        return 0.0

    def brief(self) -> str:
        """The node as error messages quote an operand: ``w7=0.4``, ``W1=Tensor of shape (2, 3)``."""
        raise NotImplementedError


# --- the numpy refusal (see Node.__array__) ----------------------------------------------

_SHAPE_QUERIES = {np.shape, np.ndim, np.size}
# ufunc -> the operator method it stands for (np.add -> __add__ / __radd__)
_OPERATOR_UFUNCS = {np.add: "add", np.subtract: "sub", np.multiply: "mul",
                    np.true_divide: "truediv", np.power: "pow", np.matmul: "matmul"}
# numpy names whose graph counterpart is spelt differently: (advice, the method it needs)
_INSTEAD = {
    "add": (N_("the operator +"), "__add__"), "subtract": (N_("the operator -"), "__sub__"),
    "multiply": (N_("the operator *"), "__mul__"), "divide": (N_("the operator /"), "__truediv__"),
    "true_divide": (N_("the operator /"), "__truediv__"), "power": (N_("the operator **"), "__pow__"),
    "matmul": (N_("the operator @"), "__matmul__"), "dot": (N_("the operator @"), "__matmul__"),
    "negative": ("-x", "__neg__"), "square": ("x ** 2", "__pow__"),
    "sqrt": ("x ** 0.5", "__pow__"), "reciprocal": ("1 / x", "__rtruediv__"),
    "maximum": (N_("x.relu() for max(x, 0)"), "relu"),
}
_NOT_MATHS = {"backward", "named", "item", "numpy", "detach", "brief", "zero_gradient"}


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
        head = _("{call}() got {node}: ").format(call=called, node=node.brief())
    instead, needs = _INSTEAD.get(name, (None, None))
    if into:
        advice = _("A numpy array cannot hold a node: write x = x + t (a new node), not x += t or "
                   "out=")
    elif method == "__call__" and instead and hasattr(cls, needs):
        advice = _("Use {instead} instead").format(instead=_(instead))
    elif method == "__call__" and name in maths:
        advice = _("Use the {kind}'s own method .{name}() instead").format(kind=kind, name=name)
    else:
        ops_ = "+ - * / **" + (" @" if hasattr(cls, "__matmul__") else "")
        advice = _("Use the {kind}'s operators ({operators}) and methods ({methods})").format(
            kind=kind, operators=ops_, methods="." + ", .".join(maths))
    return head + _("a {kind} is a graph node, not an array: numpy functions cannot record it. "
                    "{advice}, or its .data for the plain numbers (outside the graph: no gradient "
                    "flows through them)").format(kind=kind, advice=advice)


def _check_divisor(numerator: Node, divisor: Node) -> None:
    d = divisor.data
    if d.__class__ is float:
        if d != 0.0:
            return
    elif np.all(d):
        return
    raise ZeroDivisionError(
        _("/: division by zero ({numerator} / {divisor})").format(
            numerator=numerator.brief(), divisor=divisor.brief())
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


def all_finite(x: Any) -> bool:
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray):
        return bool(np.isfinite(x).all())
    return math.isfinite(x)


def check_forward(op: Any, operands: Sequence[Node], data: Any) -> None:
    """Anomaly mode's forward check (called by the node classes)."""
    if not all_finite(data):
        raise AnomalyError(_("anomaly in forward: {call} produced {data}").format(
            call=op.call(operands), data=repr(data)))


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
        out.children = ()
        out.op = CONSTANT
    return out


# --- graph walks ---------------------------------------------------------------------

def topological_order(
    root: "Node | Sequence[Node]", stop_at: Optional[Iterable[Node]] = None
) -> list[Node]:
    """Every node under ``root`` (one node or several), each after all of its
    children (operands); the roots come last. ``stop_at``: nodes that are
    included but not descended into (a root is always descended into).
    Iterative depth-first post-order: a million-node chain is fine."""
    roots = [root] if isinstance(root, Node) else list(root)
    stop = as_set(stop_at) if stop_at else None
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
        if stop is not None and node in stop and node not in roots:
            continue
        for child in node.children:
            if child not in visited:
                push(child)
    return order


_FINISHED = object()


def zero_grad(root: Node) -> None:
    """Set the grad of every node under ``root`` (root included) to zero."""
    for node in topological_order(root):
        node.grad = node.zero_gradient()


def as_set(nodes: Iterable[Node]) -> "set[Node] | frozenset[Node]":
    """``nodes`` as a set (itself if it is one already: big sets are not copied)."""
    return nodes if isinstance(nodes, (set, frozenset)) else set(nodes)


def nonzero(g: Any) -> bool:
    """Whether a gradient (a float, an array, a node or None) holds anything."""
    if isinstance(g, float):
        return g != 0.0
    if isinstance(g, Node):
        g = g.data
    if isinstance(g, np.ndarray):
        return bool(np.any(g))
    return g is not None and g != 0


# At the end: these modules import the names above (ops: Node; backward: the
# walks and modes), and Node's methods need them back.
from . import backward as _backward  # noqa: E402
from .ops import CONSTANT, UNARY_FUNCTIONS, Op  # noqa: E402


def _function_of_one(op: Op) -> Any:
    if op.parameter:
        return _function_with_parameter(op)

    def method(self: Node) -> Node:
        return self._apply(op, (self,))

    method.__name__ = op.name
    method.__doc__ = (f"{op.name} of this value (of every entry of a Tensor): a primitive "
                      "op, see autograd.ops.")
    return method


def _function_with_parameter(op: Op) -> Any:
    """x.leaky_relu(slope=0.01): the op's fixed number, checked, becomes its
    constant second operand."""
    name, default = op.parameter

    def method(self: Node, *args: Any, **kwargs: Any) -> Node:
        if len(args) + len(kwargs) > 1 or (kwargs and name not in kwargs):
            given = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
            raise TypeError(_("{op}() takes one number, {name} (default {default}); got "
                              "({given})").format(op=op.name, name=name, default=default, given=given))
        value = args[0] if args else kwargs.get(name, default)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer,
                                                                         np.floating)) \
                or not math.isfinite(value):
            raise TypeError(_("{op}(): {name} must be a finite number, got {kind} {given}").format(
                op=op.name, name=name, kind=type(value).__name__, given=repr(value)))
        return self._apply(op, (self, self._constant(float(value))))

    method.__name__ = op.name
    method.__doc__ = (f"{op.name}({name}={default}) of this value (of every entry of a "
                      f"Tensor): a primitive op, see autograd.ops. {name} is a fixed number, "
                      "not a variable: it receives no gradient.")
    return method


# x.exp(), x.tanh(), ...: one method per function of the op table, for Value and
# Tensor alike (each applies the op in its own way: Node._apply).
for _op in UNARY_FUNCTIONS:
    setattr(Node, _op.name, _function_of_one(_op))
