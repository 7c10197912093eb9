"""The op table: the one place where each primitive's forward rule and local
derivative(s) live, side by side. Value, Tensor, the backward pass
(autograd/backward.py), the paths and the pictures all read the rules here.

Adding an op
============
An op is one :class:`Op` entry in this file, plus one line that gives it to
users. Its derivative comes in one of two forms, depending on what kind of op
it is.

1. Elementwise ops (each entry of the result depends on the same entry of
   each operand: add, mul, tanh, ...) give ``local(out, *operands)``: a tuple
   with d out / d operand for each operand, one factor per entry. ``out`` is
   the op's own result, often the cheapest way to write it (tanh: 1 - out*out).
   The backward pass multiplies each factor by the upstream gradient itself
   (product = local * upstream). Write the rule with arithmetic that works on
   floats, numpy arrays and graph nodes alike (``+ - * / **`` and the helpers
   :func:`exp`, :func:`log`, :func:`data_of` below): plain ``backward()`` feeds
   it floats (Value) or arrays (Tensor); ``create_graph=True`` feeds it the
   nodes themselves, so the same rule also gives second derivatives.
   ``forward(*operand_data)`` computes the result for floats (``math.*``);
   ``forward_array`` for numpy arrays where the float rule cannot serve.

   Worked example, softplus(a) = log(1 + e^a). Its derivative is the sigmoid,
   e^a / (1 + e^a), which with the result at hand is e^(a - out); the forward
   rule is written so that e^a cannot overflow::

       SOFTPLUS = Op("softplus", "softplus",
                     lambda a: max(a, 0.0) + math.log1p(math.exp(-abs(a))),
                     lambda out, a: (exp(a - out),),
                     forward_array=lambda a: np.logaddexp(0.0, a))

   Then add it to ``UNARY_FUNCTIONS``: Value and Tensor get ``x.softplus()``.
   (A two-operand op gets an operator line instead, as ``__mul__`` in
   autograd/value.py and autograd/tensor.py.) tests/test_ops_recipe.py runs
   this very example, and checks that the table's own SOFTPLUS is this entry.

   A function with a fixed number (the slope of leaky_relu) takes it as a
   second operand that the op holds constant (``constant_operands=(1,)``, as
   the exponent of x ** 2) and names it with a default in ``parameter``;
   listed in ``UNARY_FUNCTIONS`` it becomes ``x.leaky_relu(slope=0.01)``.

2. Structural tensor ops, whose derivative is a matrix rather than one factor
   per entry (matmul, sum, reshape, softmax, ...), give a vector-Jacobian
   product ``vjp(upstream, out, arg, *operands, needs=None)``: the gradient
   each operand receives, computed directly from the upstream gradient (the
   backward pass then has no ``local`` factor to show: BackwardStep.local is
   None). ``arg`` is the op's fixed parameter (axes, a shape, an index);
   ``needs`` (a bool per operand, None = all) lets the rule skip gradients no
   one wants (return None for those). Their forward is
   ``forward(arg, *operand_data)``. Worked example, in this file::

       TRANSPOSE = Op("transpose", "ᵀ", lambda axes, a: a.transpose(axes),
                      vjp=lambda g, out, axes, a, needs=None:
                      (g.transpose(tuple(np.argsort(axes))),))

   (the gradient goes back through the inverse permutation), given to users
   by a Tensor method: ``self._apply(ops.TRANSPOSE, (self,), axes)``. Write
   the rule with what ndarray and Tensor share (``@ .T .sum .reshape
   .transpose * -``), so it serves create_graph too.

Also: ``domain`` for an op that can leave it (log of a negative number): the
error message's reason, and Tensor runs such an op with numpy's floating-point
errors raised. ``constant_operands``: positions the op holds fixed (the
exponent of x ** 2), which receive no gradient. ``name`` is unique (a method
name for the functions of one operand); messages write the op as
``function`` when that differs (x ** 2 and x ** y are both written pow(...)).
Every op of ``SCALAR_OPS`` must be exercised by tests/test_value.py's CASES
(against finite differences and torch): a test fails until it is.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .i18n import N_, _

from .node import Node


@dataclass(frozen=True, eq=False)
class Op:
    """One primitive operation (see "Adding an op" above).

    ``name``: unique; ``symbol``: how pictures draw it (+, *, σ);
    ``forward(*operand_data)`` (elementwise) or ``forward(arg, *operand_data)``
    (structural); ``local(out, *operands)``: d out / d operand_i, one factor per
    entry, or ``vjp(upstream, out, arg, *operands, needs=None)``: the gradient
    of each operand directly.
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
    # Where the op is defined, said when an input leaves it; such ops are checked.
    domain: str = ""
    # The function messages name (default: ``name``; pow_const is written pow).
    function: str = ""
    # A function of one operand with a fixed number: (its name, its default). The
    # number rides along as a constant second operand (see "Adding an op").
    parameter: tuple = ()

    def __post_init__(self) -> None:
        if not self.function:
            object.__setattr__(self, "function", self.name)

    def __repr__(self) -> str:
        return f"Op({self.name!r})"

    def call(self, operands: Sequence[Node]) -> str:
        """This op applied to ``operands`` as messages write it: pow(x=0.0, 0.5)."""
        return f"{self.function}({', '.join(o.brief() for o in operands)})"

    def domain_error(self, operands: Sequence[Node], *, overflow: bool = False,
                     otherwise: str = N_("the result is undefined"), where: str = ""
                     ) -> ArithmeticError:
        """The error for inputs outside the op's domain (or, ``overflow``, for a
        result past the largest float), naming the op and its operands; ``where``:
        the first offending entry of a tensor."""
        if overflow:
            reason = _("{op} overflowed: the result is larger than the largest float").format(
                op=self.function)
        else:  # the table's reasons are N_() marked: translated here, when raised
            reason = self.domain or otherwise
            reason = _(reason) if reason else reason  # _("") would be the catalog's header
        return ArithmeticError(_("{call}: {reason}{where}").format(
            call=self.call(operands), reason=reason, where=where))


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
    # e = exp(-|x|) cannot overflow: 1 / (1 + e) for x >= 0, e / (1 + e) below.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0, e) / (1.0 + e)


def _power_derivative(a: Any, n: Any) -> Any:
    """d/da a**n = n a**(n-1), with its limits at a = 0 (as torch): 0 for n = 0
    or n > 1, 1 for n = 1, and an infinity for 0 < n < 1 or n < 0 (where plain
    Python would raise)."""
    base, power = data_of(a), data_of(n)
    if isinstance(base, np.ndarray) or isinstance(power, np.ndarray):
        if isinstance(a, Node) or isinstance(n, Node):
            if not np.any((base == 0) & (power < 1)):
                return n * a ** (n - 1)
        with np.errstate(divide="ignore", invalid="ignore"):
            d = power * np.asarray(base, dtype=np.float64) ** (power - 1.0)
        return np.where(power == 0, 0.0, d)
    if power == 0:
        return 0.0
    if base == 0.0 and power < 1.0:
        return math.copysign(math.inf, power)
    return n * a ** (n - 1)


def _log_base_times(out: Any, a: Any) -> Any:
    """d/db a**b = a**b ln a, entry by entry: it exists for a > 0; at a = 0 it
    is taken as 0 (as torch), and for a < 0 it is NaN (anomaly mode reports it)."""
    base = data_of(a)
    if isinstance(base, np.ndarray):
        if np.all(base > 0):
            return out * log(a)
        positive = (base > 0).astype(np.float64)
        nan_where_negative = np.where(base < 0, np.nan, 0.0)
    else:
        if base > 0:
            return out * log(a)
        return 0.0 if base == 0 else math.nan
    # log of 1 where the base is not positive: those entries get 0 (+ NaN below 0)
    return out * log(a * positive + (1.0 - positive)) + nan_where_negative


def _pow_value(out: Any, a: Any, b: Any) -> tuple:
    return (_power_derivative(a, b), _log_base_times(out, a))


def _pow_const(out: Any, a: Any, n: Any) -> tuple:
    return (_power_derivative(a, data_of(n)), 0.0)


# A number lifted into the graph (the 2 in x * 2): a leaf that is not a variable,
# so it takes no part in gradient bookkeeping (node.is_constant: node.op is CONSTANT).
CONSTANT = Op("const", "const", lambda: None)

# --- the table -----------------------------------------------------------------

_POWER_DOMAIN = N_("this power is undefined (0 to a negative power, or a negative base with a "
                   "fractional exponent)")

# operator.add is a + b (and quicker to call than a lambda saying so)
ADD = Op("add", "+", operator.add, lambda out, a, b: (1.0, 1.0))
MUL = Op("mul", "*", operator.mul, lambda out, a, b: (b, a))
# x ** y with y a graph value: d/dy = x**y * ln x, defined for x > 0.
POW = Op("pow", "**", lambda a, b: a ** b, _pow_value, domain=_POWER_DOMAIN)
# x ** n with n a plain number: n is a constant, only d/dx is defined.
POW_CONST = Op("pow_const", "**", lambda a, n: a ** n, _pow_const, constant_operands=(1,),
               domain=_POWER_DOMAIN, function="pow")
EXP = Op("exp", "exp", math.exp, lambda out, a: (out,), forward_array=np.exp,
         domain=N_("exp overflowed: the result is larger than the largest float"))
LOG = Op("log", "log", math.log, lambda out, a: (1.0 / a,), forward_array=np.log,
         domain=N_("log is defined for positive numbers only"))
TANH = Op("tanh", "tanh", math.tanh, lambda out, a: (1.0 - out * out,), forward_array=np.tanh)
SIGMOID = Op("sigmoid", "σ", _sigmoid, lambda out, a: (out * (1.0 - out),),
             forward_array=_sigmoid_array)
# relu' = 1 for x > 0, 0 at 0 and below (as torch). The iris deck's slide says 0 for
# x > 0 too: an erratum (notebook 11 checks it).
RELU = Op("relu", "relu", lambda a: a if a > 0.0 else 0.0, lambda out, a: (positive_mask(a),),
          forward_array=lambda a: np.maximum(a, 0.0))
# The perceptron's threshold: 1 if x >= 0 else 0, derivative 0 everywhere (as the
# slides' XOR table uses it; the jump at 0 is ignored).
STEP = Op("step", "step", lambda a: 1.0 if a >= 0.0 else 0.0, lambda out, a: (0.0,),
          forward_array=lambda a: (a >= 0.0).astype(np.float64))

# softplus(a) = log(1 + e^a), a smooth relu; its derivative is the sigmoid, e^(a - out).
SOFTPLUS = Op("softplus", "softplus",
              lambda a: max(a, 0.0) + math.log1p(math.exp(-abs(a))),
              lambda out, a: (exp(a - out),),
              forward_array=lambda a: np.logaddexp(0.0, a))


def _leaky_relu_local(out: Any, a: Any, slope: Any) -> tuple:
    # 1 for a > 0, the slope elsewhere (at 0 too, as torch): a constant, so the
    # second derivative is 0.
    mask = positive_mask(a)
    return (mask + data_of(slope) * (1.0 - mask), 0.0)


def _elu_local(out: Any, a: Any, alpha: Any) -> tuple:
    # 1 for a > 0, alpha e^a elsewhere (alpha at 0, as torch). e^a is taken of
    # a * below (0 unless a < 0), so no unused branch overflows, and written as
    # an op on a, so create_graph differentiates it again: alpha e^a for a < 0,
    # 0 for a >= 0 (at the kink of the derivative, 0 as torch).
    above = positive_mask(a)
    below = positive_mask(-data_of(a))
    return (above + (1.0 - above) * data_of(alpha) * exp(a * below), 0.0)


def _elu_array(a: np.ndarray, alpha: Any) -> np.ndarray:
    return np.where(a > 0.0, a, alpha * np.expm1(np.minimum(a, 0.0)))


# leaky_relu(a) = a for a > 0, slope * a otherwise: a relu whose negative side
# still passes a gradient (the slope, 0.01 by default, as torch).
LEAKY_RELU = Op("leaky_relu", "leaky relu", lambda a, slope: a if a > 0.0 else slope * a,
                _leaky_relu_local, constant_operands=(1,), parameter=("slope", 0.01),
                forward_array=lambda a, slope: np.where(a > 0.0, a, slope * a))
# elu(a) = a for a > 0, alpha (e^a - 1) otherwise: smooth at 0 for alpha = 1.
ELU = Op("elu", "elu", lambda a, alpha: a if a > 0.0 else alpha * math.expm1(a),
         _elu_local, constant_operands=(1,), parameter=("alpha", 1.0), forward_array=_elu_array)

SCALAR_OPS: tuple[Op, ...] = (ADD, MUL, POW, POW_CONST, EXP, LOG, TANH, SIGMOID, RELU, STEP,
                              SOFTPLUS, LEAKY_RELU, ELU)
# Elementwise functions of one operand: Value and Tensor get a method of each
# name (x.tanh(), x.leaky_relu(slope=0.01)), so a new one added here needs no
# other change.
UNARY_FUNCTIONS: tuple[Op, ...] = (EXP, LOG, TANH, SIGMOID, RELU, STEP, SOFTPLUS, LEAKY_RELU,
                                   ELU)


# --- tensor ops -------------------------------------------------------------------
# Elementwise Tensor ops reuse the entries above (their local rules work on arrays).
# The structural ops below have no elementwise local derivative: their rule is a
# vector-Jacobian product, vjp(upstream, out, arg, *operands, needs=None) -> one
# gradient per operand, with ``arg`` the op's fixed parameter (axes, shape, index,
# targets) and ``needs`` (a bool per operand, None = all) letting the backward pass
# skip gradients nobody wants (the input batch of x @ W). Each rule is written with
# what ndarray and Tensor share (@, .T, .sum, .reshape, .transpose, *, -), so it
# runs on arrays in a plain backward and on Tensors under create_graph=True.

def _wants(needs: Optional[tuple], i: int) -> bool:
    return needs is None or needs[i]


def _swap_last(x: Any) -> Any:
    """x with its last two axes swapped (the matrix transpose of a batch)."""
    n = len(x.shape)
    if n == 2:
        return x.T
    return x.transpose(tuple(range(n - 2)) + (n - 1, n - 2))


def broadcast_to(x: Any, shape: tuple) -> Any:
    """x repeated to ``shape`` (a new array, or a recorded op on a Tensor)."""
    if isinstance(x, Node):
        return x._apply(BROADCAST, (x,), tuple(shape))
    return np.array(np.broadcast_to(x, shape))


def scatter_add(x: Any, index: Any, shape: tuple) -> Any:
    """Zeros of ``shape`` with x added at ``index`` (the transpose of indexing)."""
    if isinstance(x, Node):
        return x._apply(SCATTER_ADD, (x,), (index, tuple(shape)))
    return _scatter_add(x, index, shape)


def _scatter_add(x: np.ndarray, index: Any, shape: tuple) -> np.ndarray:
    out = np.zeros(shape)
    np.add.at(out, index, x)  # add.at, not +=: a repeated index must add up
    return out


def softmax_array(x: np.ndarray, axis: int = -1) -> np.ndarray:
    # Shifting by the max leaves softmax unchanged and keeps exp from overflowing.
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax_array(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=axis, keepdims=True))


def softmax_parts(x: np.ndarray, axis: int = -1) -> tuple[np.ndarray, np.ndarray]:
    """softmax(x) and log softmax(x) from one exp: the same numbers as
    :func:`softmax_array` and the log-softmax op, for half the work."""
    shifted = x - x.max(axis=axis, keepdims=True)
    e = np.exp(shifted)
    total = e.sum(axis=axis, keepdims=True)
    return e / total, shifted - np.log(total)


def _softmax(x: Any, axis: int) -> Any:
    return x.softmax(axis) if isinstance(x, Node) else softmax_array(x, axis)


def _matmul_vjp(g: Any, out: Any, arg: Any, a: Any, b: Any, needs: Optional[tuple] = None
                ) -> tuple:
    # out = a @ b: d/da = g @ b^T, d/db = a^T @ g (seed 003: dJ/dZ = dJ/dout W^T,
    # dJ/dW = Z^T dJ/dout). A 1-D operand is a row (a) or a column (b) vector made
    # 2-D for the products; batch axes are summed back by the operand's _fit_grad.
    a_shape, b_shape = a.shape, b.shape
    if len(a_shape) == 1 and len(b_shape) == 1:  # inner product
        return (g * b if _wants(needs, 0) else None, g * a if _wants(needs, 1) else None)
    if len(a_shape) == 1:
        g2 = g.reshape(g.shape[:-1] + (1, g.shape[-1]))
        grad_a = (g2 @ _swap_last(b)).reshape(g.shape[:-1] + a_shape) if _wants(needs, 0) \
            else None
        grad_b = a.reshape((a_shape[0], 1)) @ g2 if _wants(needs, 1) else None
        return grad_a, grad_b
    if len(b_shape) == 1:
        g2 = g.reshape(g.shape + (1,))
        grad_a = g2 @ b.reshape((1, b_shape[0])) if _wants(needs, 0) else None
        grad_b = (_swap_last(a) @ g2).reshape(a_shape[:-2] + b_shape) if _wants(needs, 1) \
            else None
        return grad_a, grad_b
    return (g @ _swap_last(b) if _wants(needs, 0) else None,
            _swap_last(a) @ g if _wants(needs, 1) else None)


def _keepdims_shape(shape: tuple, axes: Optional[tuple]) -> tuple:
    if axes is None:
        return (1,) * len(shape)
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def _sum_vjp(g: Any, out: Any, arg: tuple, a: Any, needs: Optional[tuple] = None) -> tuple:
    # Every summed entry moves the sum one for one: the upstream gradient is
    # copied back along the summed axes.
    axes, _ = arg
    return (broadcast_to(g.reshape(_keepdims_shape(a.shape, axes)), a.shape),)


def _count(shape: tuple, axes: Optional[tuple]) -> int:
    return math.prod([shape[i] for i in axes] if axes is not None else shape)


def _mean_vjp(g: Any, out: Any, arg: tuple, a: Any, needs: Optional[tuple] = None) -> tuple:
    axes, _ = arg
    g = g * (1.0 / _count(a.shape, axes))
    return (broadcast_to(g.reshape(_keepdims_shape(a.shape, axes)), a.shape),)


def _class_index(targets: np.ndarray) -> tuple:
    # (rows..., class) index picking each sample's target class
    if targets.ndim == 1:
        return (np.arange(len(targets)), targets)
    return tuple(np.indices(targets.shape, sparse=True)) + (targets,)


def _cross_entropy_forward(arg: tuple, logits: np.ndarray) -> np.ndarray:
    # J = mean over samples of -sum_j y_j log S_j, with log S from the stable
    # log-softmax: never log(0), never exp overflow.
    targets, known_s, log_s = arg
    if targets.dtype.kind in "iu":  # class indices: -log S_k
        index = _class_index(targets)
        if log_s is None and known_s is not None:
            picked = known_s[index]
            if picked.min() > 1e-300:  # log S_k of the softmax at hand is exact enough
                return -np.log(picked).mean()
        if log_s is None:
            log_s = _log_softmax_array(logits, -1)
        return -log_s[index].mean()
    if log_s is None:
        log_s = _log_softmax_array(logits, -1)
    return -(targets * log_s).sum(axis=-1).mean()


def _cross_entropy_vjp(g: Any, out: Any, arg: tuple, logits: Any,
                       needs: Optional[tuple] = None) -> tuple:
    # Seed 003: dJ/dy = S - S~ for each sample (S~ the one-hot target), divided by
    # the number of samples because J is their mean. For soft targets (rows of
    # probabilities) the same rule reads S * sum(y) - y.
    targets, known_s, _ = arg
    if known_s is not None and not isinstance(logits, Node):
        s = known_s  # the softmax of the forward pass: the same numbers, not recomputed
    else:
        s = _softmax(logits, -1)
    n = _count(logits.shape[:-1], None)
    if targets.dtype.kind not in "iu":
        diff = s * targets.sum(axis=-1, keepdims=True) - targets
    elif isinstance(s, Node):
        onehot = np.zeros(logits.shape)
        onehot[_class_index(targets)] = 1.0
        diff = s - onehot
    else:
        diff = s.copy()  # S - S~: subtract 1 at each sample's class
        diff[_class_index(targets)] -= 1.0
        diff *= g * (1.0 / n)
        return (diff,)
    return (diff * (g * (1.0 / n)),)


MATMUL = Op("matmul", "@", lambda arg, a, b: a @ b, vjp=_matmul_vjp)
# arg: (axes as a tuple of non-negative ints or None for all, keepdims)
SUM = Op("sum", "Σ", lambda arg, a: a.sum(axis=arg[0], keepdims=arg[1]), vjp=_sum_vjp)
MEAN = Op("mean", "mean", lambda arg, a: a.mean(axis=arg[0], keepdims=arg[1]), vjp=_mean_vjp)
# arg: the new shape
RESHAPE = Op("reshape", "reshape", lambda shape, a: a.reshape(shape),
             vjp=lambda g, out, shape, a, needs=None: (g.reshape(a.shape),))
# arg: the permutation of axes; the gradient goes back through the inverse one
TRANSPOSE = Op("transpose", "ᵀ", lambda axes, a: a.transpose(axes),
               vjp=lambda g, out, axes, a, needs=None: (g.transpose(tuple(np.argsort(axes))),))
# arg: the target shape; the operand's _fit_grad sums the repeats back
BROADCAST = Op("broadcast", "broadcast", lambda shape, a: np.array(np.broadcast_to(a, shape)),
               vjp=lambda g, out, shape, a, needs=None: (g,))
# arg: the index (ints, slices, integer arrays): picked entries get the upstream
# gradient, every other entry zero; an entry picked twice gets both.
INDEX = Op("index", "[]", lambda index, a: a[index],
           vjp=lambda g, out, index, a, needs=None: (scatter_add(g, index, a.shape),))
# arg: (index, shape): the transpose of INDEX, needed for its second derivative.
SCATTER_ADD = Op("scatter_add", "scatter", lambda arg, a: _scatter_add(a, *arg),
                 vjp=lambda g, out, arg, a, needs=None: (g[arg[0]],))
# arg: the axis. dS_i/dy_j = S_i (δ_ij - S_j), so the vjp is S * (g - sum(g * S)).
SOFTMAX = Op("softmax", "softmax", lambda axis, a: softmax_array(a, axis),
             vjp=lambda g, out, axis, a, needs=None:
             (out * (g - (g * out).sum(axis=axis, keepdims=True)),))
# arg: the axis. log S_i = y_i - log sum_j e^{y_j}: the vjp is g - S * sum(g).
LOG_SOFTMAX = Op("log_softmax", "log softmax", lambda axis, a: _log_softmax_array(a, axis),
                 vjp=lambda g, out, axis, a, needs=None:
                 (g - exp(out) * g.sum(axis=axis, keepdims=True),))
# arg: (targets, S, log S): class indices or rows of probabilities, and the softmax
# and log-softmax of the logits if already at hand (else None: computed here);
# operand: the logits. Softmax and cross-entropy fused: stable, and the gradient
# is seed 003's S - S~.
CROSS_ENTROPY = Op("cross_entropy", "CE", _cross_entropy_forward, vjp=_cross_entropy_vjp)

TENSOR_OPS: tuple[Op, ...] = (MATMUL, SUM, MEAN, RESHAPE, TRANSPOSE, BROADCAST, INDEX,
                              SCATTER_ADD, SOFTMAX, LOG_SOFTMAX, CROSS_ENTROPY)
