"""The op table: the one place where each primitive's forward rule and local
derivative(s) live, side by side.

A local derivative is written with arithmetic that works on floats, numpy arrays
and graph nodes alike (tanh: ``1 - out*out``), so the same rule serves the fast
float backward pass and ``create_graph=True``, where it is fed nodes and so is
itself recorded for higher-order derivatives.

Rules receive the op's result ``out`` first, then the operands. Operands that
are constants (numbers lifted into leaf nodes) are read with :func:`data_of`,
so their rules never record a graph through them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .node import Node


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive operation.

    ``forward(*operand_data)`` computes the result's data.
    ``local(out, *operands)`` returns d out / d operand_i for every operand: an
    elementwise factor (a float for scalars, an array for tensors). Structural
    tensor ops (matmul, sum, reshape, ...) instead give ``vjp(upstream, out,
    arg, *operands)``, returning the gradient for each operand directly, and
    ``forward(arg, *operand_data)``.
    """

    name: str
    symbol: str
    forward: Callable[..., Any]
    local: Optional[Callable[..., tuple]] = None
    vjp: Optional[Callable[..., tuple]] = None
    # Operands at these positions are constants by construction (the exponent of
    # x**2): no gradient flows to them.
    constant_operands: tuple = ()
    # Forward rule for numpy arrays where the float rule (math.*) cannot serve.
    forward_array: Optional[Callable[..., Any]] = None

    def __repr__(self) -> str:
        return f"Op({self.name!r})"


# --- helpers that let one rule serve floats, arrays and nodes -----------------

def data_of(x: Any) -> Any:
    """The raw number/array behind ``x`` (``x`` itself if it is not a node)."""
    return x.data if isinstance(x, Node) else x


def exp(x: Any) -> Any:
    if isinstance(x, Node):
        return x.exp()
    if isinstance(x, np.ndarray):
        return np.exp(x)
    return math.exp(x)


def log(x: Any) -> Any:
    if isinstance(x, Node):
        return x.log()
    if isinstance(x, np.ndarray):
        return np.log(x)
    return math.log(x)


def positive_mask(x: Any) -> Any:
    """1 where x > 0 else 0, as a constant: the local derivative of relu."""
    d = data_of(x)
    if isinstance(d, np.ndarray):
        return (d > 0).astype(d.dtype)
    return 1.0 if d > 0 else 0.0


# --- forward rules for floats ---------------------------------------------------

def _sigmoid(x: float) -> float:
    # Two branches keep exp from overflowing for large |x|.
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


def _pow_value(out: Any, a: Any, b: Any) -> tuple:
    # d/db = x**y ln x exists only for x > 0; elsewhere it is NaN, as in torch
    # (anomaly mode reports it).
    base = data_of(a)
    positive = base > 0 if not isinstance(base, np.ndarray) else np.all(base > 0)
    return (b * a ** (b - 1), out * log(a) if positive else out * float("nan"))


def _pow_const(out: Any, a: Any, n: Any) -> tuple:
    n = data_of(n)
    if a.__class__ is float and a == 0.0 and n < 1.0:
        # d/dx x**n at 0 for n < 1 is infinite (Python raises instead; torch gives inf)
        return (math.copysign(math.inf, n) if n != 0.0 else 0.0, 0.0)
    return (n * a ** (n - 1), 0.0)


# A number lifted into the graph (the 2 in x * 2): a leaf that is not a variable,
# so it takes no part in gradient bookkeeping.
CONSTANT = Op("const", "const", lambda: None)

# --- the table -----------------------------------------------------------------

ADD = Op("add", "+", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0))
MUL = Op("mul", "*", lambda a, b: a * b, lambda out, a, b: (b, a))
# x ** y with y a graph value: d/dy = x**y * ln x, defined for x > 0.
POW = Op("pow", "**", lambda a, b: a ** b, _pow_value)
# x ** n with n a plain number: n is a constant, only d/dx is defined.
POW_CONST = Op("pow", "**", lambda a, n: a ** n, _pow_const, constant_operands=(1,))
EXP = Op("exp", "exp", math.exp, lambda out, a: (out,), forward_array=np.exp)
LOG = Op("log", "log", math.log, lambda out, a: (1.0 / a,), forward_array=np.log)
TANH = Op("tanh", "tanh", math.tanh, lambda out, a: (1.0 - out * out,), forward_array=np.tanh)
SIGMOID = Op("sigmoid", "σ", _sigmoid, lambda out, a: (out * (1.0 - out),),
             forward_array=_sigmoid_array)
RELU = Op("relu", "relu", lambda a: a if a > 0.0 else 0.0, lambda out, a: (positive_mask(a),),
          forward_array=lambda a: np.maximum(a, 0.0))
# The perceptron's threshold: 1 if x >= 0 else 0, derivative 0 everywhere (as the
# slides' XOR table uses it; the jump at 0 is ignored).
STEP = Op("step", "step", lambda a: 1.0 if a >= 0.0 else 0.0, lambda out, a: (0.0,),
          forward_array=lambda a: (a >= 0.0).astype(np.float64))

SCALAR_OPS: tuple[Op, ...] = (ADD, MUL, POW, POW_CONST, EXP, LOG, TANH, SIGMOID, RELU, STEP)
