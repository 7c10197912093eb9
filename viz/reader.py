"""How viz reads a model: through the interface nn declares (:mod:`nn.views`),
here and nowhere else. A model is drawn if it has ``describe()`` (its
layers, weights and biases as plain records) and ``activations(batch)``
(every layer's outputs on a batch); anything else gets one TypeError that
names its type and what it lacks."""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from nn.views import Describable, NetworkView

from .i18n import _


def is_network(model: Any) -> bool:
    """Whether ``model`` can be drawn as a network (it implements nn.views.Describable)."""
    return isinstance(model, Describable)


def _check(model: Any, who: str) -> None:
    if not is_network(model):
        raise TypeError(_(
            "{who} needs a network model, got {kind}: it must have describe() (returning an "
            "nn.views.NetworkView) and activations(batch), as nn's MLP, Layer, Neuron, TensorMLP "
            "and Linear do; for the computation graph of a value use viz.draw_graph(loss)").format(
                who=who, kind=type(model).__name__))


def describe(model: Any, who: str) -> NetworkView:
    """The model's :class:`nn.views.NetworkView`."""
    _check(model, who)
    view = model.describe()
    if not isinstance(view, NetworkView):
        raise TypeError(_("{who}: {model}.describe() returned {kind}, not an "
                          "nn.views.NetworkView").format(who=who, model=type(model).__name__,
                                                         kind=type(view).__name__))
    return view


def activations(model: Any, batch: Any, who: str, limit: Optional[int] = None
                ) -> list[np.ndarray]:
    """Every layer's outputs on ``batch`` (its first ``limit`` samples), one
    (samples, neurons) array per layer, computed without recording a graph."""
    _check(model, who)
    if limit is not None:
        try:
            batch = np.asarray(batch, dtype=float)
        except (TypeError, ValueError):
            pass  # the model's activations() names what is wrong with it
        else:
            batch = batch[:limit] if batch.ndim == 2 else batch
    return [np.asarray(a, dtype=float) for a in model.activations(batch)]
