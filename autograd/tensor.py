"""Tensor: a numpy-array node of the computation graph (float64).

The same graph machinery as Value (topological order, backward with the sum
rule, no_grad, anomaly mode, the on_step observer, grad(), create_graph) and,
where the maths is the same, the same op table: ``a * b`` on Tensors is the
``mul`` entry of :mod:`autograd.ops`, its local rule ``(b, a)`` simply fed
arrays. Structural ops (matmul, sum, reshape, indexing, softmax, ...) have
vector-Jacobian rules in the same table. What is Tensor-specific lives here:
broadcasting (a gradient is summed back to its operand's shape), validation
with clear messages, and a lean backward pass for plain ``backward()`` calls.
"""
from __future__ import annotations

import functools
import html
import numbers
from typing import Any, Optional, Sequence, Union

import numpy as np

from . import ops
from .format import format_number
from .i18n import _
from .backward import _fast_arrays
from .node import MODE, Node, record_result

_new = object.__new__
_FLOAT64 = np.dtype(np.float64)
ArrayLike = Union["Tensor", np.ndarray, Sequence, float, int]


class ShapeError(ValueError):
    """Operand shapes that an op cannot combine (names the op and both shapes)."""


@functools.lru_cache(maxsize=512)
def _zeros(shape: tuple) -> np.ndarray:
    # One read-only zero array per shape serves as the grad of every tensor that
    # has none yet: no allocation per node, and ``g is _zeros(shape)`` tells a
    # fresh grad without scanning it.
    z = np.zeros(shape)
    z.flags.writeable = False
    return z


def _is_zero(g: Any) -> bool:
    if g.__class__ is np.ndarray:
        return g is _zeros(g.shape) or not g.any()
    if isinstance(g, Node):
        return False
    return not np.any(g)


def _as_array(data: Any, what: str, copy: bool = True, operand: bool = False) -> np.ndarray:
    """Validate and convert user data to a float64 array (a copy unless
    ``copy=False``); bad input gets a message naming what is wrong (``what``;
    ``operand``: an operand of the op ``what``)."""
    from .value import Value, _subject

    if isinstance(data, Tensor):
        raise TypeError(_("{what} got a Tensor ({tensor}); use it directly, or Tensor(t.data) for an "
                          "unconnected copy").format(what=_subject(what, operand), tensor=data.brief()))
    if isinstance(data, Value):
        raise TypeError(_("{what} got a Value ({value}); a Tensor holds an array of numbers: use "
                          "Tensor(v.data) for a constant copy, or keep the computation in "
                          "Values").format(what=_subject(what, operand), value=data.brief()))
    if data is None:
        raise TypeError(_("{what} needs numbers (a number, a list of numbers or a numpy array), "
                          "got None").format(what=_subject(what, operand)))
    if isinstance(data, (str, bytes)):
        raise TypeError(_("{what} needs numbers, got the string {text}").format(
            what=_subject(what, operand), text=repr(data)))
    try:
        array = np.asarray(data)
    except ValueError:  # numpy's words for a ragged nested list are long
        raise ValueError(_("{what}: the nested lists have different lengths (a ragged array), so "
                           "they do not form a grid of numbers").format(what=_subject(what, operand))) from None
    kind = array.dtype.kind
    if kind == "O":
        bad = [x for x in array.flat if not isinstance(x, numbers.Real)]
        if not bad:  # Python objects that are all real numbers
            return array.astype(np.float64)
        if isinstance(bad[0], Node):
            raise TypeError(_("{what} got a list holding {kind} objects; a Tensor holds plain "
                              "numbers (use .data of each)").format(
                                  what=_subject(what, operand), kind=type(bad[0]).__name__))
        raise TypeError(_("{what} needs numbers, got entries of type {kind} ({entry})").format(
            what=_subject(what, operand), kind=type(bad[0]).__name__, entry=repr(bad[0])))
    if kind in "USV":
        raise TypeError(_("{what} needs numbers, got text entries (dtype {dtype})").format(
            what=_subject(what, operand), dtype=array.dtype))
    if kind == "c":
        raise TypeError(_("{what} needs real numbers, got complex ones").format(what=_subject(what, operand)))
    if kind not in "biuf":
        raise TypeError(_("{what} needs numbers, got an array of dtype {dtype}").format(
            what=_subject(what, operand), dtype=array.dtype))
    # Tensor() copies, so later edits of the caller's array stay out of the graph.
    return array.astype(np.float64, copy=copy)


class Tensor(Node):
    """An array in the computation graph: ``data`` (float64 ndarray), ``grad``
    (an array of the same shape; a Tensor after ``backward(create_graph=True)``),
    ``label``, and the ``op`` and ``children`` (operands) that produced it.

    A grad that is still zero (before backward, after zero_grad) is a shared
    read-only array: replace it (``t.grad = ...``) rather than write into it.

    ``requires_grad=False`` makes a constant, like the numbers and arrays lifted
    into a graph (the input batch ``x`` in ``x @ W``): backward() sends it no
    gradient.

    >>> W = Tensor([[1.0, 2.0], [3.0, 4.0]], label="W")
    >>> x = np.array([[1.0, -1.0]])
    >>> (x @ W).sum().backward(); W.grad.tolist()
    [[1.0, 1.0], [-1.0, -1.0]]
    """

    __slots__ = ("arg",)  # the structural op's parameter (axes, shape, index, targets)

    def __init__(self, data: ArrayLike, label: str = "", *, requires_grad: bool = True
                 ) -> None:
        self.data = _as_array(data, "Tensor()")
        self.grad = _zeros(self.data.shape)
        self.children = ()
        self.op = None if requires_grad else ops.CONSTANT
        if label:
            self.label = label

    # --- shape ------------------------------------------------------------------------
    @property
    def shape(self) -> tuple:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def size(self) -> int:
        return self.data.size

    def __len__(self) -> int:
        if not self.data.ndim:
            raise TypeError(_("len() of a 0-d Tensor (a single number)"))
        return len(self.data)

    def item(self) -> float:
        if self.data.size != 1:
            raise ValueError(_("item(): the tensor has shape {shape} ({size} entries); only a "
                               "one-element tensor converts to a number").format(
                                   shape=self.shape, size=self.size))
        return float(self.data.reshape(()))

    def __float__(self) -> float:
        return self.item()

    def numpy(self) -> np.ndarray:
        """A copy of the data (unconnected to the graph)."""
        return self.data.copy()

    def detach(self) -> "Tensor":
        """The same numbers as a new constant, cut from the graph."""
        return _constant(self.data)

    # --- building results -------------------------------------------------------------
    def _apply(self, op: ops.Op, operands: tuple, arg: Any = None) -> "Tensor":
        """Apply ``op`` (an entry of autograd.ops) to Tensor operands; ``arg``:
        a structural op's parameter (axes, shape, index, ...)."""
        if op.vjp is None:
            return _elementwise(op, operands)
        try:
            data = op.forward(arg, *(o.data for o in operands))
        except (ValueError, IndexError, TypeError) as error:
            raise _op_error(op, operands, error, arg) from None
        out = _result(op, data, operands)
        out.arg = arg
        return out

    def _fit_grad(self, contribution: Any) -> Any:
        """Sum a broadcast gradient back to this tensor's shape: an entry used
        by several output entries collects the gradient of each."""
        shape = self.data.shape
        g_shape = contribution.shape
        if g_shape == shape:
            return contribution
        extra = len(g_shape) - len(shape)
        if extra > 0 and g_shape[extra:] == shape:  # a bias added to every row
            return contribution.sum(axis=0 if extra == 1 else tuple(range(extra)))
        if extra < 0:
            raise ShapeError(_("backward: a gradient of shape {shape} cannot belong to {tensor}").format(
                shape=g_shape, tensor=self.brief()))
        axes = tuple(range(extra)) + tuple(
            extra + i for i, n in enumerate(shape) if n == 1 and g_shape[extra + i] != 1)
        if axes:
            contribution = contribution.sum(axis=axes, keepdims=True)
        return contribution.reshape(shape)

    def zero_gradient(self) -> np.ndarray:
        # A zero grad is the shared read-only zero array of its shape: nothing
        # allocated, and known to be zero without a scan. backward() gives every
        # leaf a writable array of its own.
        return _zeros(self.data.shape)

    def _operand(self, x: Any, symbol: str) -> "Tensor":
        return _lift(x, symbol)

    @staticmethod
    def _constant(data: Any) -> "Tensor":
        return _constant(np.asarray(data, dtype=np.float64))

    def brief(self) -> str:
        name = f"{self.label}=" if self.label else ""
        if self.data.size <= 4:
            return f"{name}Tensor({self.data.tolist()!r})"
        return f"{name}Tensor of shape {self.shape}"

    # --- backward (Node.backward drives it) -----------------------------------------------
    def _holds_grad(self) -> bool:
        return not _is_zero(self.grad)  # the shared zero array is known fresh unscanned

    def _fast_backward(self, seed: np.ndarray, order: list, stale: list) -> None:
        _fast_arrays(self, seed, order, stale)

    def _seed(self, gradient: Optional[ArrayLike]) -> np.ndarray:
        shape = self.data.shape
        if gradient is None:
            if self.data.size != 1:
                raise ValueError(
                    _("backward(): {tensor} has {size} entries. A gradient is the derivative "
                      "of ONE number (a loss) with respect to everything under it, so "
                      "backward() without arguments needs a one-element tensor. Reduce it first "
                      "(.sum() or .mean()), or pass gradient= an array of shape {shape}: the "
                      "weights of each entry (a vector-Jacobian product).").format(
                          tensor=self.brief(), size=self.data.size, shape=shape)
                )
            return np.ones(shape)
        seed = _as_array(gradient.data if isinstance(gradient, Tensor) else gradient,
                         "backward(gradient=...)")
        if seed.shape != shape:
            raise ShapeError(_("backward(gradient=...): the gradient has shape {given}, the tensor "
                               "{shape}; they must match").format(given=seed.shape, shape=shape))
        return seed

    # --- operators and functions ------------------------------------------------------
    def sum(self, axis: Union[None, int, Sequence[int]] = None, keepdims: bool = False
            ) -> "Tensor":
        """Sum over ``axis`` (an int, a tuple of ints, or None for every entry)."""
        return self._apply(ops.SUM, (self,), (_axes(axis, self, "sum"), keepdims))

    def mean(self, axis: Union[None, int, Sequence[int]] = None, keepdims: bool = False
             ) -> "Tensor":
        """Mean over ``axis`` (an int, a tuple of ints, or None for every entry)."""
        axes = _axes(axis, self, "mean")
        counted = self.size if axes is None else int(np.prod([self.shape[a] for a in axes]))
        if counted == 0:
            raise ValueError(_("mean: no entries to average over in {tensor}").format(tensor=self.brief()))
        return self._apply(ops.MEAN, (self,), (axes, keepdims))

    def reshape(self, *shape: Union[int, Sequence[int]]) -> "Tensor":
        """The same entries in a new shape (one size may be -1: inferred)."""
        if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
            shape = tuple(shape[0])
        if not shape or not all(isinstance(n, numbers.Integral) for n in shape):
            raise TypeError(_("reshape: the new shape must be ints, got {shape}").format(shape=repr(shape)))
        try:
            new_shape = np.empty(self.shape, dtype=np.bool_).reshape(shape).shape
        except (ValueError, TypeError):
            raise ShapeError(_("reshape: cannot reshape {tensor} ({size} entries) into shape "
                               "{shape}").format(tensor=self.brief(), size=self.size,
                                                 shape=tuple(shape))) from None
        return self._apply(ops.RESHAPE, (self,), new_shape)

    def transpose(self, *axes: Union[int, Sequence[int]]) -> "Tensor":
        """Axes permuted (reversed when none are given, as numpy's .T)."""
        if len(axes) == 1 and not isinstance(axes[0], numbers.Integral):
            axes = tuple(axes[0])
        n = self.data.ndim
        if not axes:
            axes = tuple(range(n - 1, -1, -1))
        valid = all(isinstance(a, numbers.Integral) and -n <= a < n for a in axes)
        if not valid or sorted(a % n for a in axes) != list(range(n)):
            raise ShapeError(_("transpose: axes {axes} are not a permutation of the {n} axes of "
                               "{tensor}").format(axes=tuple(axes), n=n, tensor=self.brief()))
        return self._apply(ops.TRANSPOSE, (self,), tuple(a % n for a in axes))

    @property
    def T(self) -> "Tensor":
        """The transpose (axes reversed; rows and columns swapped for a matrix)."""
        return self.transpose()

    def broadcast_to(self, shape: Sequence[int]) -> "Tensor":
        """This tensor repeated to ``shape`` (numpy broadcasting rules)."""
        return self._apply(ops.BROADCAST, (self,), tuple(shape))

    def __getitem__(self, index: Any) -> "Tensor":
        """Entries picked by ints, slices or integer arrays, as in numpy:
        ``probs[np.arange(n), labels]`` picks each row's class probability."""
        if isinstance(index, Node):
            raise TypeError(_("index a Tensor with ints, slices or integer arrays, not with a {kind} "
                              "(use its .data if it holds indices)").format(kind=type(index).__name__))
        if isinstance(index, list):
            index = np.asarray(index)
        return self._apply(ops.INDEX, (self,), index)

    def softmax(self, axis: int = -1) -> "Tensor":
        """exp(y_k) / sum_i exp(y_i) along ``axis``: each slice becomes probabilities."""
        return self._apply(ops.SOFTMAX, (self,), _axis(axis, self, "softmax"))

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """log(softmax) computed stably (no log of 0)."""
        return self._apply(ops.LOG_SOFTMAX, (self,), _axis(axis, self, "log_softmax"))

    def cross_entropy(self, targets: Any, *, softmax: Optional["Tensor"] = None) -> "Tensor":
        """Mean softmax cross-entropy of these logits (raw scores, one row per
        sample): -log S_k for class indices k, or -sum_j y_j log S_j for rows of
        target probabilities (one-hot rows). Softmax and log are fused, so the
        gradient is exactly seed 003's (S - S~) / n. ``softmax``: this tensor's
        softmax if already computed (a model's output), reused in backward."""
        targets = _targets(targets, self)
        if softmax is None:  # S and log S from one exp; backward reuses S
            known, log_known = ops.softmax_parts(self.data)
        else:
            if (softmax.op is not ops.SOFTMAX or softmax.children[0] is not self
                    or softmax.arg != self.data.ndim - 1):
                raise ValueError(_("cross_entropy(softmax=...) must be this tensor's softmax"))
            known, log_known = softmax.data, None
        return self._apply(ops.CROSS_ENTROPY, (self,), (targets, known, log_known))

    def __repr__(self) -> str:
        label = f"{self.label!r}, " if self.label else ""
        grad = self.grad
        grad = np.asarray(grad.data if isinstance(grad, Tensor) else grad)
        if not self.data.ndim:  # one number: one line, as Value prints
            return (f"Tensor({label}data={format_number(self.data)}, "
                    f"grad={format_number(grad)})")
        return (f"Tensor({label}shape={self.shape},\n  data={_fmt(self.data, 7)},\n"
                f"  grad={_fmt(grad, 7)})")

    def _repr_html_(self) -> str:
        grad = self.grad.data if isinstance(self.grad, Tensor) else np.asarray(self.grad)
        label = html.escape(self.label) if self.label else "Tensor"
        op = (f" <span style='color:#888'>= {html.escape(self.op.symbol)}(…)</span>"
              if self.children else "")
        return (
            "<div style='display:inline-block;border:1px solid #bbb;border-radius:6px;"
            "padding:4px 10px;font-family:monospace;line-height:1.4'>"
            f"<b>{label}</b>{op} <span style='color:#888'>shape {self.shape}</span>"
            "<div style='display:flex;gap:16px;align-items:flex-start'>"
            f"<div>data{_html_table(self.data, '#222')}</div>"
            f"<div style='color:#b5442a'>grad{_html_table(grad, '#b5442a')}</div>"
            "</div></div>"
        )


# --- construction helpers ------------------------------------------------------------

def _constant(data: np.ndarray) -> Tensor:
    t = _new(Tensor)
    t.data = data
    t.grad = _zeros(data.shape)
    t.children = ()
    t.op = ops.CONSTANT
    return t


def _lift(x: Any, op: "ops.Op | str") -> Tensor:
    """An operand that is not a Tensor becomes a constant (or a clear error).
    ``op``: the op (or, for a composite, its symbol) named in error messages."""
    if isinstance(x, Tensor):
        return x
    if x.__class__ is np.ndarray and x.dtype is _FLOAT64:  # the input batch of x @ W
        return _constant(x)
    what = op if isinstance(op, str) else f"{op.function} ({op.symbol})"
    if isinstance(x, Node):
        raise TypeError(
            _("{op}: cannot combine a Tensor with a {kind} ({node}). Value builds scalar "
              "graphs, Tensor array graphs; use Tensor(v.data) for a constant, or build the "
              "whole computation from Tensors").format(op=what, kind=type(x).__name__, node=x.brief())
        )
    if x.__class__ is float or x.__class__ is int:
        return _constant(np.asarray(float(x)))
    return _constant(_as_array(x, what, copy=False, operand=True))


def _result(op: ops.Op, data: Any, operands: tuple) -> Tensor:
    if data.__class__ is not np.ndarray:  # numpy hands back scalars for 0-d results
        data = np.asarray(data, dtype=np.float64)
    out = _new(Tensor)
    out.data = data
    out.grad = _zeros(data.shape)
    if MODE.fast:
        out.children = operands
        out.op = op
        return out
    return record_result(out, op, operands)


def _axes(axis: Any, t: Tensor, op_name: str) -> Optional[tuple]:
    if axis is None:
        return None
    if isinstance(axis, numbers.Integral):
        axes: tuple = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        raise TypeError(_("{op}: axis must be an int, a tuple of ints or None, got {axis}").format(
            op=op_name, axis=repr(axis)))
    n = t.data.ndim
    for a in axes:
        if not isinstance(a, numbers.Integral):
            raise TypeError(_("{op}: axis must be an int, a tuple of ints or None, got {axis}").format(
                op=op_name, axis=repr(axis)))
        if not -n <= a < n:
            raise ShapeError(_("{op}: axis {axis} is out of range for {tensor} ({n} axes: 0..{last})").format(
                op=op_name, axis=repr(a), tensor=t.brief(), n=n, last=n - 1))
    normal = tuple(sorted(int(a) % n for a in axes))
    if len(set(normal)) != len(normal):
        raise ShapeError(_("{op}: axis {axis} repeats an axis").format(op=op_name, axis=repr(axis)))
    return normal


def _axis(axis: Any, t: Tensor, op_name: str) -> int:
    if not isinstance(axis, numbers.Integral):
        raise TypeError(_("{op}: axis must be one int, got {axis}").format(op=op_name, axis=repr(axis)))
    return _axes(axis, t, op_name)[0]


def _targets(targets: Any, logits: Tensor) -> np.ndarray:
    if isinstance(targets, Tensor):
        targets = targets.data
    if isinstance(targets, Node):
        raise TypeError(_("cross_entropy: targets must be class indices or target probabilities, not "
                          "a {kind}").format(kind=type(targets).__name__))
    t = np.asarray(targets)
    shape = logits.shape
    if not shape:
        raise ShapeError(_("cross_entropy: the logits need a class axis, got a 0-d tensor"))
    if t.dtype.kind in "iu" or (t.dtype.kind == "f" and t.shape == shape[:-1]
                                 and np.all(t == np.round(t))):
        t = t.astype(np.int64, copy=False)
        if t.shape != shape[:-1]:
            raise ShapeError(_("cross_entropy: logits of shape {shape} need one class index per sample, "
                               "shape {wanted}; got targets of shape {given}").format(
                                   shape=shape, wanted=shape[:-1], given=t.shape))
        if t.size and (t.min() < 0 or t.max() >= shape[-1]):
            raise ValueError(_("cross_entropy: class indices must lie in 0..{last} (the logits have "
                               "{classes} classes); got {low}..{high}").format(
                                   last=shape[-1] - 1, classes=shape[-1], low=t.min(), high=t.max()))
        return t
    t = _as_array(t, "cross_entropy targets")
    if t.shape != shape:
        raise ShapeError(_("cross_entropy: target probabilities must have the logits' shape {shape}; "
                           "got {given}").format(shape=shape, given=t.shape))
    return t


# --- errors --------------------------------------------------------------------------

def _op_error(op: ops.Op, operands: tuple, error: Exception, arg: Any = None) -> Exception:
    shapes = _(" and ").join(str(o.shape) for o in operands)
    what = ", ".join(o.brief() for o in operands)
    name = f"{op.function} ({op.symbol})"
    if op is ops.MATMUL:
        a, b = operands
        inner_a = a.shape[-1] if a.ndim else None
        inner_b = (b.shape[-2] if b.ndim > 1 else b.shape[0]) if b.ndim else None
        if not a.ndim or not b.ndim:
            return ShapeError(_("{op}: shapes {shapes}: matmul needs arrays with at least one "
                                "axis, not single numbers (use * for those)").format(op=name, shapes=shapes))
        if inner_a != inner_b:
            rule = (_("{op}: shapes {shapes} do not fit: the first operand's last axis ({a}) must "
                      "equal the second's second-to-last axis ({b})") if b.ndim > 1 else
                    _("{op}: shapes {shapes} do not fit: the first operand's last axis ({a}) must "
                      "equal the second's only axis ({b})"))
            return ShapeError(rule.format(op=name, shapes=shapes, a=inner_a, b=inner_b))
        return ShapeError(_("{op}: shapes {shapes}: the batch axes do not broadcast").format(
            op=name, shapes=shapes))
    if isinstance(error, IndexError):
        return IndexError(_("{op}: index {index} does not fit {tensor}: {error}").format(
            op=name, index=repr(arg), tensor=what, error=error))
    if op is ops.BROADCAST:
        return ShapeError(_("broadcast: cannot repeat shape {shapes} to shape {shape}: numpy "
                            "broadcasting matches axes from the right, each pair equal or the "
                            "tensor's 1").format(shapes=shapes, shape=arg))
    if op in (ops.ADD, ops.MUL, ops.POW, ops.POW_CONST):
        return ShapeError(_("{op}: shapes {shapes} do not broadcast: numpy broadcasting matches "
                            "axes from the right, each pair equal or one of them 1").format(
                                op=name, shapes=shapes))
    return ShapeError(_("{op}: cannot apply to {tensor} with {arg}: {error}").format(
        op=name, tensor=what, arg=repr(arg), error=error))


def _domain_error(op: ops.Op, operands: tuple) -> ArithmeticError:
    """The op's domain error, pointing at the first entry that left it."""
    overflow, where = False, ""
    forward = op.forward_array or op.forward
    with np.errstate(all="ignore"):
        result = np.asarray(forward(*(o.data for o in operands)))
    bad = ~np.isfinite(result)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        values = [np.broadcast_to(o.data, bad.shape)[index] for o in operands]
        overflow = bool(np.isinf(result[index]) and all(v != 0 for v in values))
        ins = ", ".join(format_number(v) for v in values)
        where = _("; first at entry {index}: {call}").format(
            index=list(index), call=f"{op.function}({ins})")
    return op.domain_error(operands, overflow=overflow, where=where)


# --- elementwise operators: the op table's entries, fed arrays -----------------------

def _elementwise(op: ops.Op, operands: tuple) -> Tensor:
    forward = op.forward_array or op.forward
    try:
        if op.domain:  # it can leave its domain: numpy's warnings become clear errors
            with np.errstate(divide="raise", invalid="raise", over="raise"):
                data = forward(*[o.data for o in operands])
        else:
            data = forward(*[o.data for o in operands])
    except FloatingPointError:
        raise _domain_error(op, operands) from None
    except ValueError as error:
        raise _op_error(op, operands, error) from None
    return _result(op, data, operands)


def _binary(op: ops.Op, reflected: bool = False):
    def method(self: Tensor, other: Any) -> Tensor:
        if other.__class__ is not Tensor:
            other = _lift(other, op)
        return _elementwise(op, (other, self) if reflected else (self, other))

    return method


def _matmul(self: Tensor, other: Any) -> Tensor:
    if other.__class__ is not Tensor:
        other = _lift(other, ops.MATMUL)
    return self._apply(ops.MATMUL, (self, other))


def _rmatmul(self: Tensor, other: Any) -> Tensor:
    return self._apply(ops.MATMUL, (_lift(other, ops.MATMUL), self))


_pow_value = _binary(ops.POW)       # x ** y, y a variable: both get gradients
_pow_const = _binary(ops.POW_CONST)  # x ** n, n a constant


def _pow(self: Tensor, exponent: Any) -> Tensor:
    if isinstance(exponent, Tensor) and not exponent.is_constant:
        return _pow_value(self, exponent)
    return _pow_const(self, _lift(exponent, ops.POW_CONST))


def _rpow(self: Tensor, base: Any) -> Tensor:
    return _pow_value(_lift(base, ops.POW), self)


Tensor.__add__ = _binary(ops.ADD)
Tensor.__radd__ = _binary(ops.ADD, reflected=True)
Tensor.__mul__ = _binary(ops.MUL)
Tensor.__rmul__ = _binary(ops.MUL, reflected=True)
Tensor.__matmul__ = _matmul
Tensor.__rmatmul__ = _rmatmul
Tensor.__pow__ = _pow
Tensor.__rpow__ = _rpow
# The functions of one operand (x.tanh(), ...) are Node's, for Value and Tensor alike.


# --- display -------------------------------------------------------------------------

def _fmt(a: np.ndarray, indent: int) -> str:
    """numpy's layout with the project's number format, columns aligned."""
    sample = a.ravel()
    if sample.size > 200:  # only the corners are shown; width from those and the extremes
        sample = np.concatenate([sample[:100], sample[-100:], [sample.min(), sample.max()]])
    width = max((len(format_number(x)) for x in sample), default=0)
    return np.array2string(
        a, separator=", ", max_line_width=88, prefix=" " * indent,
        formatter={"float_kind": lambda x: format_number(x).rjust(width)},
        threshold=60, edgeitems=3)


def _html_table(a: np.ndarray, color: str, limit: int = 6) -> str:
    if a.ndim > 2:
        return f"<pre style='margin:0'>{html.escape(_fmt(a, 0))}</pre>"
    rows = np.atleast_2d(a)
    r, c = rows.shape
    show_r = list(range(min(r, limit))) + ([None] if r > limit else [])
    show_c = list(range(min(c, limit))) + ([None] if c > limit else [])
    cells = []
    for i in show_r:
        tds = "".join(
            "<td>…</td>" if i is None or j is None
            else f"<td style='text-align:right;padding:0 4px'>{format_number(rows[i, j])}</td>"
            for j in show_c)
        cells.append(f"<tr>{tds}</tr>")
    return (f"<table style='border-collapse:collapse;color:{color};font-size:90%'>"
            f"{''.join(cells)}</table>")
