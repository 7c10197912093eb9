"""Optimizers: SGD (with momentum), AdaGrad, RMSProp and Adam.

Each follows torch.optim's update rule exactly (tests check them step for step
in float64). They work on scalar Values (float data) and Tensors (array data)
alike: every update builds a new number/array (``p.data = p.data - lr * g``),
never writing in place into an array someone else may hold.

Frozen parameters (``nn.freeze``) and parameters without a gradient are skipped.
``step(only=...)`` updates a subset: the layer-by-layer (sequential) convention
updates the output layer before the hidden layers' gradients are final.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Optional, Union

import numpy as np

from autograd import Node

from .i18n import _
from .module import Module, is_frozen, parameters_of


def _sqrt(x: Any) -> Any:
    return math.sqrt(x) if isinstance(x, float) else np.sqrt(x)


def _grad_of(p: Node) -> Any:
    g = p.grad
    if isinstance(g, Node):  # after backward(create_graph=True)
        g = g.data
    return g


def _same_kind(p: Node, new: Any) -> Any:
    # Keep scalar Values on Python floats (the engine's fast path wants floats).
    return float(new) if isinstance(p.data, float) else new


def _hyper(who: str, name: str, value: Any, low: float = 0.0, high: float = math.inf,
           below_high: bool = False, why: str = "") -> float:
    """A hyper-parameter checked against its range (torch's checks, and betas < 1):
    ``low <= value <= high`` (``< high`` with ``below_high``)."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(_("{who}: {name} must be a number, got {kind} {value}").format(
            who=who, name=name, kind=type(value).__name__, value=repr(value)))
    given, value = value, float(value)
    upper_ok = value < high if below_high else value <= high
    if not (math.isfinite(value) and value >= low and upper_ok):
        bound = f"in [{low:g}, {high:g}{')' if below_high else ']'}" if math.isfinite(high) \
            else f">= {low:g}"
        raise ValueError(_("{who}: {name} must be {bound}, got {value}{why}").format(
            who=who, name=name, bound=bound, value=repr(given), why=why))
    return value


class Optimizer:
    """Base class: holds the parameters, their per-parameter state and ``lr``."""

    def __init__(self, params: Union[Module, Iterable[Node]], lr: float) -> None:
        self.params = parameters_of(params)
        if not self.params:
            raise ValueError(_("{optimizer}: got no parameters to optimize").format(
                optimizer=type(self).__name__))
        number = isinstance(lr, (int, float, np.integer, np.floating)) and not isinstance(lr, bool)
        if not (number and math.isfinite(lr) and lr > 0):
            raise ValueError(_("{optimizer}: lr must be a positive number, got {value}").format(
                optimizer=type(self).__name__, value=repr(lr)))
        self.lr = float(lr)
        self.state: dict[int, dict[str, Any]] = {}

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = p.zero_gradient()

    def step(self, only: Optional[Iterable[Node]] = None) -> None:
        """Update every trainable parameter (or only those in ``only``)."""
        chosen = None if only is None else {id(p) for p in only}
        for p in self.params:
            if chosen is not None and id(p) not in chosen:
                continue
            if is_frozen(p):
                continue
            g = _grad_of(p)
            if g is None:
                continue
            state = self.state.setdefault(id(p), {"step": 0})
            state["step"] += 1
            p.data = _same_kind(p, self._update(p.data, g, state))

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        opts = ", ".join(f"{k}={v!r}" for k, v in vars(self).items()
                         if k not in ("params", "state"))
        return f"{type(self).__name__}({opts})"


class SGD(Optimizer):
    """p -= lr * g, or with momentum mu: b = mu*b + g (b = g at the first step),
    p -= lr * b (torch's form). ``weight_decay`` adds wd * p to g."""

    def __init__(self, params: Union[Module, Iterable[Node]], lr: float = 0.1,
                 momentum: float = 0.0, weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _hyper("SGD", "momentum", momentum, 0.0, 1.0, below_high=True,
                               why=_(" (0 = plain gradient descent; >= 1 never forgets a gradient)"))
        self.weight_decay = _hyper("SGD", "weight_decay", weight_decay)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * x
        if self.momentum:
            b = state.get("momentum")
            b = g if b is None else self.momentum * b + g
            state["momentum"] = b
            g = b
        return x - self.lr * g


class AdaGrad(Optimizer):
    """sum += g^2; p -= lr_t * g / (sqrt(sum) + eps), lr_t = lr / (1 + (t-1) lr_decay)."""

    def __init__(self, params: Union[Module, Iterable[Node]], lr: float = 0.01,
                 lr_decay: float = 0.0, eps: float = 1e-10, weight_decay: float = 0.0,
                 initial_accumulator_value: float = 0.0) -> None:
        super().__init__(params, lr)
        self.lr_decay = _hyper("AdaGrad", "lr_decay", lr_decay)
        self.eps = _hyper("AdaGrad", "eps", eps)
        self.weight_decay = _hyper("AdaGrad", "weight_decay", weight_decay)
        self.initial_accumulator_value = _hyper("AdaGrad", "initial_accumulator_value",
                                                initial_accumulator_value)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * x
        total = state.get("sum", self.initial_accumulator_value) + g * g
        state["sum"] = total
        lr = self.lr / (1.0 + (state["step"] - 1) * self.lr_decay)
        return x - lr * g / (_sqrt(total) + self.eps)


class RMSProp(Optimizer):
    """avg = alpha*avg + (1-alpha) g^2; p -= lr * g / (sqrt(avg) + eps)
    (optionally with momentum, as torch.optim.RMSprop)."""

    def __init__(self, params: Union[Module, Iterable[Node]], lr: float = 0.01,
                 alpha: float = 0.99, eps: float = 1e-8, weight_decay: float = 0.0,
                 momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.alpha = _hyper("RMSProp", "alpha", alpha, 0.0, 1.0,
                            why=_(" (the weight kept of the running average of g^2)"))
        self.eps = _hyper("RMSProp", "eps", eps)
        self.weight_decay = _hyper("RMSProp", "weight_decay", weight_decay)
        self.momentum = _hyper("RMSProp", "momentum", momentum, 0.0, 1.0, below_high=True)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        if self.weight_decay:
            g = g + self.weight_decay * x
        avg = self.alpha * state.get("square_avg", 0.0) + (1.0 - self.alpha) * g * g
        state["square_avg"] = avg
        direction = g / (_sqrt(avg) + self.eps)
        if self.momentum:
            buf = self.momentum * state.get("momentum", 0.0) + direction
            state["momentum"] = buf
            direction = buf
        return x - self.lr * direction


class Adam(Optimizer):
    """m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2;
    p -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps) (torch's arrangement)."""

    def __init__(self, params: Union[Module, Iterable[Node]], lr: float = 0.001,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr)
        if isinstance(betas, (str, bytes)) or not isinstance(betas, (tuple, list)) \
                or len(betas) != 2:
            raise TypeError(_("Adam: betas must be a pair (beta1, beta2), got {value}").format(
                value=repr(betas)))
        self.betas = (_hyper("Adam", "betas[0]", betas[0], 0.0, 1.0, below_high=True),
                      _hyper("Adam", "betas[1]", betas[1], 0.0, 1.0, below_high=True))
        self.eps = _hyper("Adam", "eps", eps)
        self.weight_decay = _hyper("Adam", "weight_decay", weight_decay)

    def _update(self, x: Any, g: Any, state: dict[str, Any]) -> Any:
        b1, b2 = self.betas
        if self.weight_decay:
            g = g + self.weight_decay * x
        m = b1 * state.get("m", 0.0) + (1.0 - b1) * g
        v = b2 * state.get("v", 0.0) + (1.0 - b2) * g * g
        state["m"], state["v"] = m, v
        t = state["step"]
        step_size = self.lr / (1.0 - b1 ** t)
        denom = _sqrt(v) / math.sqrt(1.0 - b2 ** t) + self.eps
        return x - step_size * m / denom


OPTIMIZERS = {"sgd": SGD, "adagrad": AdaGrad, "rmsprop": RMSProp, "adam": Adam}
