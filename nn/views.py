"""What a network looks like from outside: the plain records that pictures
(``viz``) read, and the interface a model implements to be drawn.

A model viz can draw is :class:`Describable`: it has two methods.

- ``describe()`` returns a :class:`NetworkView`: the input names, then per
  layer a :class:`LayerView`: its neurons' names, activation, weights as an
  array with one row per receiving neuron (the slides' ``W1 = [[w1, w2], [w3,
  w4], [w5, w6]]``), their grads and labels, and the biases: one shared by the
  layer, one per neuron, or none.
- ``activations(batch)`` runs a batch (one sample per row) without recording a
  graph and returns every layer's outputs, one (samples, neurons) array each
  (in evaluation mode: a model with dropout shows the network itself).

``nn``'s ``MLP``, ``Layer``, ``Neuron``, ``TensorMLP`` and ``Linear`` implement
it; so can any model of your own. The records are snapshots (numpy arrays and
strings): reading them never touches the model.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, NamedTuple, Optional, Protocol, Sequence, runtime_checkable

import numpy as np

from autograd import Node, no_grad


class Param(NamedTuple):
    """One number of a model as a picture shows it."""

    label: str
    value: float
    grad: float


@dataclass(frozen=True, eq=False)  # eq=False: numpy arrays have no single truth value
class LayerView:
    """One layer as the slides draw it.

    ``weights[i, j]``: the weight from input ``j`` (a neuron of the layer
    before) into neuron ``i``; ``weight_grads`` the same shape, ``weight_labels``
    one row of names per neuron. ``biases``: a 0-d array (one bias shared by the
    layer), one per neuron (shape ``(neurons,)``), or None; ``bias_labels``: one
    name, one per neuron, or none to match.
    """

    neurons: tuple[str, ...]
    activation: str
    weights: np.ndarray
    weight_grads: np.ndarray
    weight_labels: tuple[tuple[str, ...], ...]
    biases: Optional[np.ndarray] = None
    bias_grads: Optional[np.ndarray] = None
    bias_labels: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # a model of one's own may build these: a mismatch is named here, not
        # found later as an IndexError inside a picture
        rows = (len(self.neurons), self.weights.shape[1] if self.weights.ndim == 2 else -1)
        where = f"LayerView({', '.join(self.neurons[:3])}{'...' if len(self.neurons) > 3 else ''})"
        if self.weights.shape != rows or self.weight_grads.shape != rows:
            raise ValueError(f"{where}: weights {self.weights.shape} and weight_grads "
                             f"{self.weight_grads.shape} must be (neurons, inputs) = {rows}")
        if [len(r) for r in self.weight_labels] != [rows[1]] * rows[0]:
            raise ValueError(f"{where}: weight_labels must be {rows[0]} rows of {rows[1]} names")
        if self.biases is None:
            if self.bias_grads is not None or self.bias_labels:
                raise ValueError(f"{where}: bias grads or labels given without biases")
            return
        count = 1 if self.biases.ndim == 0 else len(self.neurons)
        if self.biases.shape not in ((), (len(self.neurons),)) or self.bias_grads is None \
                or self.bias_grads.shape != self.biases.shape or len(self.bias_labels) != count:
            raise ValueError(f"{where}: biases must be one number (shared) or one per neuron, "
                             f"with grads of the same shape and {count} label(s)")

    @property
    def nin(self) -> int:
        return self.weights.shape[1]

    @property
    def size(self) -> int:
        return len(self.neurons)

    def weight(self, i: int, j: int) -> Param:
        """The weight from input ``j`` into neuron ``i``."""
        return Param(self.weight_labels[i][j], float(self.weights[i, j]),
                     float(self.weight_grads[i, j]))

    @property
    def shared_bias(self) -> Optional[Param]:
        """The one bias every neuron of the layer adds, or None."""
        if self.biases is None or self.biases.ndim:
            return None
        return Param(self.bias_labels[0], float(self.biases), float(self.bias_grads))

    def bias(self, i: int) -> Optional[Param]:
        """Neuron ``i``'s own bias (None if the layer shares one, or has none)."""
        if self.biases is None or not self.biases.ndim:
            return None
        return Param(self.bias_labels[i], float(self.biases[i]), float(self.bias_grads[i]))


@dataclass(frozen=True, eq=False)
class NetworkView:
    """A network's inputs (their names) and its layers, first layer first."""

    inputs: tuple[str, ...]
    layers: tuple[LayerView, ...]

    def __post_init__(self) -> None:
        if not self.layers:
            raise ValueError("NetworkView: a network needs at least one layer")
        senders = len(self.inputs)
        for k, layer in enumerate(self.layers):
            if layer.nin != senders:
                raise ValueError(f"NetworkView: layer {k} takes {layer.nin} inputs but "
                                 f"{'there are' if k == 0 else 'the layer before has'} {senders}")
            senders = layer.size


@runtime_checkable
class Describable(Protocol):
    """A model that pictures can read: see the module's docstring."""

    def describe(self) -> NetworkView: ...

    def activations(self, batch: Any) -> list[np.ndarray]: ...


# --- helpers for the models that implement it ----------------------------------------------

def values(nodes: Sequence[Node]) -> np.ndarray:
    """The data of scalar nodes as a float array."""
    return np.array([float(n.data) for n in nodes], dtype=float)


def grads(nodes: Sequence[Node]) -> np.ndarray:
    """The grads of nodes, as one float array of their data's shape each, joined
    (a grad still None reads as 0; one made by create_graph=True is a node: its data)."""
    return np.array([grad_array(n) for n in nodes], dtype=float)


def grad_array(p: Node) -> np.ndarray:
    """``p.grad`` as a float array of ``p.data``'s shape."""
    g = p.grad.data if isinstance(p.grad, Node) else p.grad
    shape = np.shape(p.data)
    if g is None:
        return np.zeros(shape)
    return np.broadcast_to(np.asarray(g, dtype=float), shape).copy()


def as_batch(batch: Any, nin: int, who: str) -> np.ndarray:
    """``batch`` as a (samples, nin) float array; one sample (a flat list) is a batch of one."""
    try:
        rows = np.asarray(batch, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{who}.activations(batch): the batch must be numbers, one sample of "
                        f"{nin} per row, got {type(batch).__name__}") from None
    if rows.ndim == 1:
        rows = rows[None, :]
    if rows.ndim != 2 or rows.shape[1] != nin or not len(rows):
        raise ValueError(f"{who}.activations(batch): expected samples of {nin} inputs, "
                         f"shape (n, {nin}) with n >= 1, got shape {np.shape(batch)}")
    return rows


def per_sample(forward: Callable[[list], Sequence[Sequence[Node]]], rows: np.ndarray
               ) -> list[np.ndarray]:
    """Every layer's outputs for each row of ``rows`` through a scalar model's
    ``forward`` (one sample -> a list of layers, each a list of Values), as
    one (samples, neurons) array per layer; no graph is recorded."""
    with no_grad():
        outs = [forward(x) for x in rows.tolist()]
    return [np.array([[float(v.data) for v in sample[k]] for sample in outs])
            for k in range(len(outs[0]))]
