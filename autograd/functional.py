"""Gradients as functions: grad() (as torch.autograd.grad) and gradcheck()."""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .format import format_number
from .backward import derivatives
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
        raise TypeError(f"grad(): output must be a Value or Tensor, got {type(output).__name__}")
    single = isinstance(inputs, Node)
    targets = [inputs] if single else list(inputs)
    for i, t in enumerate(targets):
        if not isinstance(t, Node):
            raise TypeError(f"grad(): inputs[{i}] must be a Value or Tensor, got {type(t).__name__}")
    data = output.data
    if isinstance(data, np.ndarray) and data.size != 1:
        raise ValueError(
            f"grad(): output has shape {data.shape}; gradients are defined for a "
            "scalar (one-element) output. Reduce it first, e.g. output.sum()"
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
        lines = [f"{'input':>10} {'backward':>14} {'finite diff':>14} {'|error|':>10}"]
        for name, a, n, e in zip(self.names, self.analytic, self.numeric, self.errors):
            lines.append(f"{name:>10} {format_number(a):>14} {format_number(n):>14} {e:10.2e}")
        verdict = "OK" if self.ok else "MISMATCH"
        if self.errors:
            lines.append(f"{verdict}: worst |error| {self.max_error:.2e} at {self.names[self.worst]}")
        return "\n".join(lines)


def _checked_input(x: Any, name: str) -> Any:
    if isinstance(x, np.ndarray):
        return np.array(x, dtype=np.float64)
    if isinstance(x, (list, tuple)):
        raise TypeError(f"gradcheck(): input {name} is a {type(x).__name__}; give a number, "
                        "or a numpy array (np.array(...)) for a Tensor input")
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"gradcheck(): input {name} must be a number or a numpy array, "
                        f"got {type(x).__name__} {x!r}") from None


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
        raise ValueError(f"gradcheck(): {len(names)} names for {len(inputs)} inputs")
    raw = [_checked_input(x, names[i]) for i, x in enumerate(inputs)]
    leaves = [_leaf(x) for x in raw]
    out = f(*leaves)
    if not isinstance(out, Node):
        raise TypeError(f"gradcheck(): f must return a Value or Tensor, got {type(out).__name__}")
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
