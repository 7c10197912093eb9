"""Value: a scalar node of the computation graph."""
from __future__ import annotations

import html
import numbers
from typing import Any, Optional, Union

import numpy as np

from . import ops
from .format import format_number
from .i18n import _
from .backward import GradientAccumulationWarning  # noqa: F401  (re-exported for users)
from .backward import _fast_floats
from .node import MODE, Node, record_result

Number = Union[int, float]
Operand = Union["Value", int, float]

_new = object.__new__


def _subject(what: str, operand: bool) -> str:
    # translated only when an error is raised: lifting a number is on every op's path
    return _("{op}: operand").format(op=what) if operand else what


def _as_float(data: Any, what: str, operand: bool = False) -> float:
    """Validate a number for Value; every bad input gets a message naming it
    (``what``; ``operand``: an operand of the op ``what``)."""
    if data.__class__ is float:
        return data
    if isinstance(data, Value):
        raise TypeError(
            _("{what} got a Value ({value}); use it directly, or Value(v.data) for an "
              "unconnected copy").format(what=_subject(what, operand), value=data.brief())
        )
    if isinstance(data, np.ndarray):
        if data.ndim == 0:
            data = data.item()
        else:
            raise TypeError(
                _("{what} holds one number, got a numpy array of shape {shape}; use "
                  "autograd.Tensor for arrays").format(what=_subject(what, operand), shape=data.shape)
            )
    if isinstance(data, Node):
        raise TypeError(_("{what} holds one number, got a {kind}").format(
            what=_subject(what, operand), kind=type(data).__name__))
    if data is None:
        raise TypeError(_("{what} needs a number, got None").format(what=_subject(what, operand)))
    if isinstance(data, (numbers.Real, np.bool_)) and not isinstance(data, np.timedelta64):
        try:
            return float(data)
        except OverflowError:
            raise OverflowError(
                _("{what}: the integer {digits}... is too large for a float (the largest "
                  "is about 1.8e308)").format(what=_subject(what, operand), digits=str(data)[:20])
            ) from None
    if isinstance(data, (complex, np.complexfloating)):
        raise TypeError(_("{what} needs a real number, got the complex number {number}").format(
            what=_subject(what, operand), number=repr(data)))
    raise TypeError(_("{what} needs a number (int or float), got {kind} {given}").format(
        what=_subject(what, operand), kind=type(data).__name__, given=repr(data)))


class Value(Node):
    """A scalar in the computation graph: ``data`` (float), ``grad`` (float, or a
    Value after ``backward(create_graph=True)``), ``label``, and the ``op`` and
    ``children`` (operands) that produced it.

    >>> a = Value(2.0, label="a"); b = Value(-3.0, label="b")
    >>> c = a * b + a.tanh(); c.backward(); round(a.grad, 6)
    -2.929349
    """

    __slots__ = ()

    def __init__(self, data: Number, label: str = "", *, requires_grad: bool = True) -> None:
        self.data = _as_float(data, "Value()")
        self.grad = 0.0
        self.children = ()
        # requires_grad=False: a constant (input data), never a variable or parameter
        self.op = None if requires_grad else ops.CONSTANT
        if label:
            self.label = label

    # --- creation of results ------------------------------------------------------
    @staticmethod
    def _lift(x: Any, op_name: str) -> "Value":
        """A number operand becomes a constant leaf (or a clear error)."""
        if isinstance(x, Value):
            return x
        if isinstance(x, np.ndarray) and x.ndim:
            raise TypeError(
                _("{op}: cannot combine a Value with a numpy array of shape {shape}; use "
                  "autograd.Tensor for arrays").format(op=op_name, shape=x.shape)
            )
        if not isinstance(x, (numbers.Real, np.bool_, np.ndarray, complex, np.complexfloating)):
            raise TypeError(
                _("{op}: operands must be Values or numbers, got {kind} {given}").format(
                    op=op_name, kind=type(x).__name__, given=repr(x))
            )
        return _node(_as_float(x, op_name, operand=True), (), ops.CONSTANT)

    def _operand(self, x: Any, symbol: str) -> "Value":
        if x.__class__ is Value:
            return x
        if isinstance(x, Node):
            return NotImplemented  # a Tensor: its reflected method explains the mix-up
        return Value._lift(x, symbol)

    @staticmethod
    def _constant(data: float) -> "Value":
        return _node(float(data), (), ops.CONSTANT)

    def _apply(self, op: ops.Op, operands: tuple, arg: Any = None) -> "Value":
        """Apply ``op`` (an entry of autograd.ops) to Value operands."""
        if MODE.fast and len(operands) == 1:  # the common case: x.tanh(), no mode on
            try:
                data = op.forward(operands[0].data)
            except (ValueError, ZeroDivisionError, OverflowError) as e:
                raise _domain_error(op, operands, e) from None
            if data.__class__ is float:
                return _node(data, operands, op)
        return _make(op, operands)

    def brief(self) -> str:
        name = f"{self.label}=" if self.label else ""
        return f"{name}{self.data!r}"

    def zero_gradient(self) -> float:
        return 0.0

    # --- backward (Node.backward drives it) -----------------------------------------------
    def _seed(self, gradient: Optional[float]) -> float:
        return 1.0 if gradient is None else _as_float(gradient, "backward(gradient=...)")

    def _fast_backward(self, seed: float, order: list, stale: list) -> None:
        _fast_floats(self, seed, order, stale)

    # --- conversions ------------------------------------------------------------------
    def item(self) -> float:
        return self.data

    def __float__(self) -> float:
        return float(self.data)

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        grad = self.grad
        grad_text = (f"Value({format_number(grad.data)})" if isinstance(grad, Value)
                     else format_number(grad))
        return f"Value({label}data={format_number(self.data)}, grad={grad_text})"

    def _repr_html_(self) -> str:
        grad = self.grad.data if isinstance(self.grad, Value) else self.grad
        op = f"<span style='color:#888'>= {html.escape(self.op.symbol)}(…)</span>" if self.op else ""
        label = html.escape(self.label) if self.label else "Value"
        return (
            "<div style='display:inline-block;border:1px solid #bbb;border-radius:6px;"
            "padding:4px 10px;font-family:monospace;line-height:1.5'>"
            f"<b>{label}</b> {op}<br>data&nbsp;= {format_number(self.data)}<br>"
            f"<span style='color:#b5442a'>grad&nbsp;= {format_number(grad)}</span></div>"
        )


def _node(data: float, children: tuple, op: Optional[ops.Op]) -> Value:
    """A new Value from checked parts: the one place nodes are put together
    (Value() itself validates what users give it)."""
    out = _new(Value)
    out.data = data
    out.grad = 0.0
    out.children = children
    out.op = op
    return out


def _domain_error(op: ops.Op, operands: tuple, error: Exception) -> ArithmeticError:
    return op.domain_error(operands, overflow=isinstance(error, OverflowError),
                           otherwise=str(error))


def _make(op: ops.Op, operands: tuple) -> Value:
    """Apply ``op`` to Value operands, honouring the modes (no_grad, anomaly)."""
    try:
        data = op.forward(*(o.data for o in operands))
    except (ValueError, ZeroDivisionError, OverflowError) as e:
        raise _domain_error(op, operands, e) from None
    if type(data) is complex:  # (-8) ** (1/3) gives a complex number in Python
        raise _domain_error(op, operands, ValueError())
    return record_result(_node(float(data), (), None), op, operands)


def _binary(op: ops.Op, reflected: bool = False):
    forward = op.forward
    lift = Value._lift

    def method(self: Value, other: Operand) -> Value:
        if other.__class__ is not Value:
            if isinstance(other, Node):
                return NotImplemented  # a Tensor: let it handle the mix
            other = lift(other, op.symbol)
        a, b = (other, self) if reflected else (self, other)
        if MODE.fast:
            try:
                data = forward(a.data, b.data)
            except (ValueError, ZeroDivisionError, OverflowError) as e:
                raise _domain_error(op, (a, b), e) from None
            if data.__class__ is float:  # the common case: no mode on, a float out
                return _node(data, (a, b), op)
        return _make(op, (a, b))

    return method


def _pow(self: Value, exponent: Operand) -> Value:
    if isinstance(exponent, Value) and not exponent.is_constant:
        return _make(ops.POW, (self, exponent))
    if isinstance(exponent, Node) and not isinstance(exponent, Value):
        return NotImplemented
    n = Value._lift(exponent, "**")
    if MODE.fast and self.data > 0.0:  # the common case, with no domain to check
        try:
            data = self.data ** n.data
        except OverflowError as e:
            raise _domain_error(ops.POW_CONST, (self, n), e) from None
        return _node(data, (self, n), ops.POW_CONST)
    return _make(ops.POW_CONST, (self, n))


def _rpow(self: Value, base: Operand) -> Value:
    if isinstance(base, Node):
        return NotImplemented
    return _make(ops.POW, (Value._lift(base, "**"), self))


Value.__add__ = _binary(ops.ADD)
Value.__radd__ = _binary(ops.ADD, reflected=True)
Value.__mul__ = _binary(ops.MUL)
Value.__rmul__ = _binary(ops.MUL, reflected=True)
Value.__pow__ = _pow
Value.__rpow__ = _rpow
# The functions of one operand (x.tanh(), ...) are Node's, for Value and Tensor alike.
