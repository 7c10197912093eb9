"""The iris deck's two remedies for overfitting (解决过拟合问题方法):
dropout, and a regularization term added to the loss.

Dropout (inverted, as torch): in training mode each entry is kept with
probability 1 - p and the kept ones are scaled by 1/(1 - p), so every entry's
expected value is unchanged; in evaluation mode (``model.eval()``) nothing is
dropped and nothing scaled. The mask is a constant in the graph: a dropped
entry passes no gradient back, a kept one passes 1/(1 - p) times it.

L2 weight decay, in the deck's form, is a term added to the loss:
``E + λ/2 ||w||²`` (:func:`l2_penalty`). Its gradient is ``dE/dw + λ w``,
which is exactly what the optimizers' ``weight_decay=λ`` option adds to each
gradient (torch's form): the two give the same updates.
"""
from __future__ import annotations

import math
from typing import Any, Iterable, Optional, Sequence, Union

import numpy as np

from autograd import Node, Tensor, Value

from .i18n import _
from .layers import make_rng
from .module import Module, parameters_of


def check_probability(p: Any, who: str) -> float:
    """A dropout probability: a number with 0 <= p < 1 (p = 1 would drop everything)."""
    if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)) \
            or not math.isfinite(p) or not 0.0 <= p < 1.0:
        raise ValueError(_("{who}: p (the probability of dropping an entry) must be a number "
                           "with 0 <= p < 1, got {value}").format(who=who, value=repr(p)))
    return float(p)


class Dropout(Module):
    """Inverted dropout with probability ``p``: in training mode each entry is
    zeroed with probability p and the others are multiplied by 1/(1 - p); in
    evaluation mode it returns its input unchanged.

    Takes a Tensor (or a numpy array) of any shape, or a list of Values (a
    scalar layer's outputs). ``seed`` (or ``rng``) makes the masks
    reproducible; ``last_mask`` is the most recent one (1 = kept).

    >>> drop = Dropout(0.5, seed=0)
    >>> drop(Tensor(np.ones(6))).data.tolist()
    [2.0, 0.0, 0.0, 0.0, 2.0, 2.0]
    >>> drop.eval()(Tensor(np.ones(3))).data.tolist()
    [1.0, 1.0, 1.0]
    """

    def __init__(self, p: float = 0.5, *, seed: Optional[int] = None,
                 rng: Optional[np.random.Generator] = None) -> None:
        self.p = check_probability(p, "Dropout")
        self._rng = make_rng(rng, seed, "Dropout")
        self.last_mask: Optional[np.ndarray] = None

    def __call__(self, x: Any) -> Any:
        if not self.training or self.p == 0.0:
            return x
        if isinstance(x, (list, tuple)):
            return self._drop_values(x)
        if isinstance(x, Value):
            return self._drop_values([x])[0]
        shape = np.shape(x.data if isinstance(x, Node) else x)
        keep = self._rng.random(shape) >= self.p
        self.last_mask = keep.astype(np.float64)
        # one constant factor per entry: 0 (dropped) or 1/(1 - p) (kept)
        return x * (self.last_mask * (1.0 / (1.0 - self.p)))

    def _drop_values(self, xs: Sequence[Any]) -> list:
        keep = self._rng.random(len(xs)) >= self.p
        self.last_mask = keep.astype(np.float64)
        scale = 1.0 / (1.0 - self.p)
        return [x * (scale if k else 0.0) for x, k in zip(xs, keep)]

    def extra_repr(self) -> str:
        return f"p={self.p:g}"


def l2_penalty(params: Union[Module, Iterable[Node]], lam: float) -> Node:
    """λ/2 times the sum of the squares of ``params`` (a module's parameters,
    or a list such as ``[layer.W for layer in model.layers]`` for the weights
    only): add it to the loss. Its gradient with respect to each parameter w
    is λ w, so ``loss + l2_penalty(model, λ)`` trains as the optimizer option
    ``weight_decay=λ`` on the plain loss."""
    if isinstance(lam, bool) or not isinstance(lam, (int, float, np.integer, np.floating)) \
            or not math.isfinite(lam) or lam < 0:
        raise ValueError(_("l2_penalty(): lam (λ) must be a number >= 0, got {value}").format(
            value=repr(lam)))
    nodes = parameters_of(params)
    if not nodes:
        raise ValueError(_("l2_penalty(): got no parameters"))
    total: Any = None
    for p in nodes:
        square = (p * p).sum() if isinstance(p, Tensor) else p * p
        total = square if total is None else total + square
    return total * (0.5 * float(lam))
