"""Gradients as functions: grad() (as torch.autograd.grad) and gradcheck()."""
from __future__ import annotations

import inspect
import unicodedata
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .format import format_number
from .i18n import _
from .backward import derivatives
from . import ops
from .node import Node, no_grad


def grad(
    output: Node,
    inputs: Node | Sequence[Node],
    create_graph: bool = False,
) -> tuple:
    """d output / d input for each of ``inputs``, as ``torch.autograd.grad``:
    nothing's ``.grad`` is touched. An input that ``output`` does not depend on
    gets a zero gradient. With ``create_graph`` the results are graph nodes that
    can be differentiated again (higher-order derivatives)."""
    if not isinstance(output, Node):
        raise TypeError(_("grad(): output must be a Value or Tensor, got {kind}").format(
            kind=type(output).__name__))
    single = isinstance(inputs, Node)
    targets = [inputs] if single else list(inputs)
    for i, t in enumerate(targets):
        if not isinstance(t, Node):
            raise TypeError(_("grad(): inputs[{i}] must be a Value or Tensor, got {kind}").format(
                i=i, kind=type(t).__name__))
    data = output.data
    if isinstance(data, np.ndarray) and data.size != 1:
        raise ValueError(
            _("grad(): output has shape {shape}; gradients are defined for a scalar "
              "(one-element) output. Reduce it first, e.g. output.sum()").format(shape=data.shape)
        )
    grads = derivatives(output, create_graph=create_graph)
    results = []
    for t in targets:
        g = grads.get(t)
        if g is None:  # output does not depend on t
            g = t.zero_gradient()
            if create_graph:
                g = type(t)(g)
        results.append(g)
    return tuple(results)


@dataclass
class GradcheckResult:
    """Backward gradients against central finite differences, entry by entry."""

    analytic: list[float]
    numeric: list[float]
    names: list[str]
    atol: float
    rtol: float
    errors: list[float] = field(init=False)

    def __post_init__(self) -> None:
        self.errors = [abs(a - n) for a, n in zip(self.analytic, self.numeric)]

    @property
    def worst(self) -> int:
        return int(np.argmax(self.errors)) if self.errors else -1

    @property
    def max_error(self) -> float:
        return max(self.errors, default=0.0)

    @property
    def ok(self) -> bool:
        return all(e <= self.atol + self.rtol * abs(n) for e, n in zip(self.errors, self.numeric))

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        # the headings' widths as the eye sees them: a Chinese character takes two columns
        heads = [_right(_("input"), 10), _right(_("backward"), 14), _right(_("finite diff"), 14),
                 _right(_("|error|"), 10)]
        lines = [" ".join(heads)]
        for name, a, n, e in zip(self.names, self.analytic, self.numeric, self.errors):
            lines.append(f"{name:>10} {format_number(a):>14} {format_number(n):>14} {e:10.2e}")
        if self.errors:
            verdict = (_("OK: worst |error| {error} at {name}") if self.ok
                       else _("MISMATCH: worst |error| {error} at {name}"))
            lines.append(verdict.format(error=f"{self.max_error:.2e}", name=self.names[self.worst]))
        return "\n".join(lines)


def _right(text: str, width: int) -> str:
    """``text`` right-aligned in ``width`` terminal columns (wide characters count two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return " " * max(0, width - columns) + text


def _checked_input(x: Any, name: str) -> Any:
    if isinstance(x, np.ndarray):
        return np.array(x, dtype=np.float64)
    if isinstance(x, (list, tuple)):
        raise TypeError(_("gradcheck(): input {name} is a {kind}; give a number, or a numpy array "
                          "(np.array(...)) for a Tensor input").format(name=name, kind=type(x).__name__))
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(_("gradcheck(): input {name} must be a number or a numpy array, got {kind} "
                          "{given}").format(name=name, kind=type(x).__name__, given=repr(x))) from None


def _parameter_names(f: Callable, count: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):  # builtins and some callables have no signature
        params = []
    positional = [p.name for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) >= count:
        return positional[:count]
    return [f"x{i}" for i in range(count)]


def _leaf(x: Any) -> Node:
    if isinstance(x, np.ndarray):
        from .tensor import Tensor  # Tensor arrives with the tensor engine
        return Tensor(x.astype(np.float64))
    from .value import Value
    return Value(x)


def gradcheck(
    f: Callable[..., Node],
    inputs: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    verbose: bool = False,
    names: Optional[Sequence[str]] = None,
) -> GradcheckResult:
    """Compare backward gradients of ``f(*inputs)`` (a scalar) with central
    finite differences (f(x+eps) - f(x-eps)) / 2eps, per input entry. ``inputs``
    are numbers (or numpy arrays, for Tensor functions). Returns the comparison;
    truthy when every entry agrees within atol + rtol*|numeric|. Entries are
    named by ``names``, else by f's parameter names (x0, x1, ... for *args)."""
    names = list(names) if names is not None else _parameter_names(f, len(inputs))
    if len(names) != len(inputs):
        raise ValueError(_("gradcheck(): {names} names for {inputs} inputs").format(
            names=len(names), inputs=len(inputs)))
    raw = [_checked_input(x, names[i]) for i, x in enumerate(inputs)]
    leaves = [_leaf(x) for x in raw]
    out = f(*leaves)
    if not isinstance(out, Node):
        raise TypeError(_("gradcheck(): f must return a Value or Tensor, got {kind}").format(
            kind=type(out).__name__))
    grads = grad(out, leaves)

    def evaluate(values: list) -> float:
        with no_grad():
            result = f(*[_leaf(v) for v in values])
        return float(np.sum(result.data))

    analytic: list[float] = []
    numeric: list[float] = []
    labels: list[str] = []
    for i, x in enumerate(raw):
        if isinstance(x, np.ndarray):
            g = np.asarray(grads[i], dtype=np.float64)
            for idx in np.ndindex(x.shape):
                plus = [v.copy() if isinstance(v, np.ndarray) else v for v in raw]
                minus = [v.copy() if isinstance(v, np.ndarray) else v for v in raw]
                plus[i][idx] += eps
                minus[i][idx] -= eps
                numeric.append((evaluate(plus) - evaluate(minus)) / (2 * eps))
                analytic.append(float(g[idx]))
                labels.append(f"{names[i]}{list(idx)}")
        else:
            plus, minus = list(raw), list(raw)
            plus[i] = x + eps
            minus[i] = x - eps
            numeric.append((evaluate(plus) - evaluate(minus)) / (2 * eps))
            analytic.append(float(grads[i]))
            labels.append(names[i])
    result = GradcheckResult(analytic, numeric, labels, atol, rtol)
    if verbose:
        print(result)
    return result


# --- a student's local derivative, marked by the engine ------------------------------

# Why a point could not be marked (LocalDerivativeMark.problem): the codes are data,
# so that the notebooks and the course application say them in the reader's language.
PROBLEMS = ("raised", "returned_none", "count", "not_a_number")


@dataclass(frozen=True)
class LocalDerivativeMark:
    """One partial derivative of an op at one point: the student's value
    (``given``, None when ``problem`` says why there is none), the op table's,
    and the central finite difference of the op's forward rule (``numeric``);
    ``ok`` when the engine's backward pass, run with the student's rule, agrees
    with the finite difference (gradcheck's tolerance)."""

    point: tuple[float, ...]
    operand: int
    given: Optional[float]
    table: float
    numeric: float
    ok: bool
    problem: Optional[str] = None
    detail: str = ""


@dataclass
class LocalDerivativeCheck:
    """:func:`check_local_derivative`'s answer: one mark per point and operand."""

    op: str
    operands: int
    marks: list[LocalDerivativeMark]

    @property
    def ok(self) -> bool:
        return all(m.ok for m in self.marks)

    def __bool__(self) -> bool:
        return self.ok

    @property
    def failures(self) -> list[LocalDerivativeMark]:
        return [m for m in self.marks if not m.ok]


def _table_op(op: Any) -> ops.Op:
    if isinstance(op, ops.Op):
        found = op
    else:
        by_name = {o.name: o for o in ops.SCALAR_OPS}
        if not isinstance(op, str) or op not in by_name:
            choices = sorted(o.name for o in ops.SCALAR_OPS if not o.constant_operands)
            raise ValueError(_("check_local_derivative(): unknown op {op}; the op table's scalar ops "
                               "are {choices}").format(op=repr(op), choices=", ".join(choices)))
        found = by_name[op]
    if found.local is None or found.constant_operands or found is ops.CONSTANT:
        raise ValueError(_("check_local_derivative(): {op} has no local derivative per operand to "
                           "write by hand (use pow rather than pow_const)").format(op=found.name))
    return found


def _points(points: Sequence[Any], count: Optional[int]) -> list[tuple[float, ...]]:
    """The points as tuples of floats, all of ``count`` numbers (None: of one length)."""
    if isinstance(points, (str, bytes)) or not isinstance(points, Sequence) or not points:
        raise ValueError(_("check_local_derivative(): points must be a non-empty list of numbers "
                           "(one operand) or of tuples of numbers (one per operand)"))
    found = []
    for p in points:
        p = tuple(p) if isinstance(p, (tuple, list)) else (p,)
        try:
            found.append(tuple(float(x) for x in p))
        except (TypeError, ValueError):
            raise TypeError(_("check_local_derivative(): the point {point} is not numbers").format(
                point=repr(p))) from None
        count = len(p) if count is None else count
        if len(p) != count:
            raise ValueError(_("check_local_derivative(): the point {point} has {given} number(s); "
                               "the op takes {count} operand(s)").format(
                                   point=repr(p), given=len(p), count=count))
    return found


def _student_partials(fn: Callable, point: tuple[float, ...], count: int
                      ) -> tuple[Optional[tuple[float, ...]], Optional[str], str]:
    """The student's partial derivatives at ``point`` (or None, the problem, its detail)."""
    try:
        answer = fn(*point)
    except Exception as error:  # the student's code: its failure is marked, not raised
        return None, "raised", f"{type(error).__name__}: {error}"
    if answer is None:
        return None, "returned_none", ""
    values = tuple(answer) if isinstance(answer, (tuple, list)) else (answer,)
    if len(values) != count:
        return None, "count", repr(answer)
    try:
        return tuple(float(v) for v in values), None, ""
    except (TypeError, ValueError):
        return None, "not_a_number", repr(answer)


def _mark_point(op: ops.Op, trial: ops.Op, fn: Callable, point: tuple[float, ...],
                tolerance: tuple[float, float, float]) -> list[LocalDerivativeMark]:
    eps, atol, rtol = tolerance
    names = [f"x{i}" for i in range(len(point))]
    # The table's own rule through the engine: its value and the finite differences.
    reference = gradcheck(lambda *xs: xs[0]._apply(op, xs), point, eps, atol, rtol, names=names)
    given, problem, detail = _student_partials(fn, point, len(point))
    if given is None:
        return [LocalDerivativeMark(point, i, None, reference.analytic[i], reference.numeric[i],
                                    False, problem, detail) for i in range(len(point))]
    # The student's rule through the same engine: what backward() computes with it.
    result = gradcheck(lambda *xs: xs[0]._apply(trial, xs), point, eps, atol, rtol, names=names)
    return [LocalDerivativeMark(point, i, result.analytic[i], reference.analytic[i],
                                result.numeric[i], result.errors[i] <= atol + rtol
                                * abs(result.numeric[i])) for i in range(len(point))]


def check_local_derivative(
    op: ops.Op | str,
    fn: Callable[..., Any],
    points: Sequence[Any],
    eps: float = 1e-6,
    atol: float = 1e-6,
    rtol: float = 1e-5,
) -> LocalDerivativeCheck:
    """Mark a hand-written local derivative of one op (an :class:`Op`, or the name
    of one in the table: ``"sigmoid"``, ``"mul"``...). ``fn`` takes the operands
    as numbers and returns d out / d operand: one number for an op of one
    operand, a tuple (d/da, d/db) for two. ``points``: numbers, or tuples of one
    number per operand. At each point the op is rebuilt with ``fn`` as its local
    rule and :func:`gradcheck` compares the engine's backward pass through it with
    central finite differences of the op's forward rule; the table's own value
    comes beside them. A point where ``fn`` raises or returns no usable number is
    marked wrong with the reason (``problem``, one of :data:`PROBLEMS`). Returns
    data, no text: the course says it in the reader's language."""
    op = _table_op(op)
    if not callable(fn):
        raise TypeError(_("check_local_derivative(): fn must be a function, got {kind}").format(
            kind=type(fn).__name__))
    count = 1 if op in ops.UNARY_FUNCTIONS else 2 if op in ops.SCALAR_OPS else None
    found = _points(points, count)
    count = len(found[0])

    def rule(out: Any, *operands: Any) -> tuple:
        # only reached where _student_partials gave numbers at this very point
        return _student_partials(fn, tuple(float(o) for o in operands), count)[0]

    trial = replace(op, local=rule)
    marks = [m for point in found for m in _mark_point(op, trial, fn, point, (eps, atol, rtol))]
    return LocalDerivativeCheck(op.name, count, marks)
