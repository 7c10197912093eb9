"""Batched layers on Tensors: the matrix form of the network (the matrix-BP deck).

A batch X has one sample per row (N x M). Layer l computes

    h_l = Z_{l-1} W_l + b_l        Z_l = f_l(h_l)        (Z_0 = X)

with W_l of shape (inputs, outputs) and the bias row b_l added to every row of
the batch (the seed's b~: b^T repeated N times). The engine's gradients are then
exactly the seed's matrix rules: dJ/dW_l = Z_{l-1}^T dJ/dh_l,
dJ/dZ_{l-1} = dJ/dh_l W_l^T, dJ/db_l = the column sums of dJ/dh_l. (The seed's
summary slide writes z_L^T for a hidden layer's dJ/dw_L: an erratum for Z_{L-1}^T,
checked in notebook 11.)

These modules plug into the same losses, optimizers and ``fit`` loop as the
scalar ``nn.MLP``; ``batched = True`` tells ``fit`` to hand them a whole batch.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np

from autograd import Tensor, no_grad

from .layers import (ELEMENTWISE, check_activation, check_init, check_input_names, check_size,
                     init_biases, init_weights, layer_plan, make_rng)
from . import naming
from .i18n import _
from .module import Module, freeze, using_mode
from .regularization import Dropout, check_probability
from .views import LayerView, NetworkView, as_batch, grad_array

BiasSpec = Union[bool, str, float, Sequence[float], np.ndarray, None]


def _activate(name: str, h: Tensor) -> Tensor:
    # softmax couples the outputs of a sample: it runs along each row
    return h.softmax(-1) if name == "softmax" else ELEMENTWISE[name](h)


class Linear(Module):
    """``nout`` neurons fully connected to ``nin`` inputs, for a whole batch:
    ``out = f(x @ W + b)``.

    ``weights``: an (nin, nout) array (rows = sending input, columns =
    receiving neuron, as in the matrix-BP deck); if omitted, drawn by ``init`` and
    ``weight_scale`` as for ``nn.MLP`` (default: uniform in +-1/sqrt(nin)).
    ``bias``: True (one random bias per neuron), ``"shared"`` (one random bias
    for the layer), a number (one bias of that value shared by the layer, as the
    2-3-2 slides do), an array of nout numbers, or False/None (no bias).
    ``index`` numbers the layer in labels: W{index}, b{index}, h{index}, Z{index}.
    """

    batched = True

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "identity",
        *,
        weights: Optional[Any] = None,
        bias: BiasSpec = True,
        train_bias: bool = True,
        index: Union[int, str] = "",
        init: str = "uniform",
        weight_scale: float = 1.0,
        rng: Optional[np.random.Generator] = None,
        seed: Optional[int] = None,
    ) -> None:
        nin = check_size(nin, "nin", "Linear")
        nout = check_size(nout, "nout", "Linear")
        self.activation = check_activation(activation)
        check_init(init, weight_scale, "Linear")
        self._index = str(index)
        rng = make_rng(rng, seed, "Linear")
        if weights is None:
            weights = init_weights(rng, (nin, nout), nin, nout, init, weight_scale)
        self.W = Tensor(_finite(weights, "weights"), label=naming.weight_matrix(self._index))
        if self.W.shape != (nin, nout):
            raise ValueError(_("Linear({nin} -> {nout}): weights of shape {shape}; expected "
                               "({nin}, {nout}) (rows = inputs, columns = neurons)").format(
                nin=nin, nout=nout, shape=self.W.shape))
        b = _bias(bias, nin, nout, init, rng)
        if b is not None:
            self.b = Tensor(b, label=naming.bias_vector(self._index))
            if not train_bias:
                freeze(self.b)

    @property
    def nin(self) -> int:
        return self.W.shape[0]

    @property
    def nout(self) -> int:
        return self.W.shape[1]

    def net(self, x: Any) -> Tensor:
        """h = x W + b (before the activation), labelled h{index}."""
        if not isinstance(x, Tensor):
            x = np.asarray(x, dtype=np.float64)
        if not x.shape or x.shape[-1] != self.nin:
            raise ValueError(_("Linear({nin} -> {nout}): input of shape {shape}; expected one row "
                               "of {nin} features per sample, shape (N, {nin})").format(
                nin=self.nin, nout=self.nout, shape=x.shape))
        h = x @ self.W
        b = getattr(self, "b", None)
        if b is not None:
            h = h + b
        h.label = f"h{self._index}"
        return h

    def __call__(self, x: Any) -> Tensor:
        h = self.net(x)
        z = _activate(self.activation, h)
        if z is not h:
            z.label = f"Z{self._index}"
        return z

    # --- what pictures read (nn.views) ---------------------------------------------
    def describe(self) -> NetworkView:
        """The layer as a one-layer network: inputs x1, x2, ..., neurons o1, o2, ..."""
        return NetworkView(tuple(naming.input_names(self.nin)),
                           (self._layer_view(naming.neuron_names(0, 1, self.nout)),))

    def _layer_view(self, neurons: Sequence[str]) -> LayerView:
        """W (inputs, neurons) turned to the slides' rows = receiving neuron; the
        weight from input j into neuron i keeps its matrix name W1[j,i]."""
        W, b = self.W, getattr(self, "b", None)
        labels = tuple(tuple(f"{W.label}[{j},{i}]" for j in range(self.nin))
                       for i in range(self.nout))
        weights = (np.asarray(W.data, float).T.copy(), grad_array(W).T.copy(), labels)
        if b is None:
            return LayerView(tuple(neurons), self.activation, *weights)
        data, grad = np.asarray(b.data, float), grad_array(b)
        if data.size == 1:  # one bias shared by the layer
            return LayerView(tuple(neurons), self.activation, *weights, data.reshape(()),
                             grad.reshape(()), (b.label,))
        return LayerView(tuple(neurons), self.activation, *weights, data, grad,
                         tuple(f"{b.label}[{i}]" for i in range(self.nout)))

    def activations(self, batch: Any) -> list[np.ndarray]:
        """The layer's outputs for ``batch`` (one sample per row), without
        recording a graph: [(samples, neurons)]."""
        rows = as_batch(batch, self.nin, "Linear")
        with no_grad():
            return [np.asarray(self(rows).data, float).reshape(len(rows), -1)]

    def extra_repr(self) -> str:
        b = getattr(self, "b", None)
        bias = "" if b is not None and b.shape else (", shared bias" if b is not None
                                                     else ", no bias")
        return f"{self.nin} -> {self.nout}, {self.activation}{bias}"


def _finite(x: Any, what: str) -> np.ndarray:
    """``x`` as a float64 array of finite numbers, or a clear error."""
    if isinstance(x, Tensor):
        x = x.data
    try:
        a = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(_("Linear: {what} must be numbers (an array), got {value}").format(
            what=what, value=repr(x))) from None
    if not np.all(np.isfinite(a)):
        where = tuple(int(i) for i in np.argwhere(~np.isfinite(a))[0])
        at = f"{what}[{', '.join(map(str, where))}]" if where else what
        raise ValueError(_("Linear: {what} must be finite numbers; {at} is {value}").format(
            what=what, at=at, value=float(a[where])))
    return a


def _bias(bias: BiasSpec, nin: int, nout: int, init: str, rng: np.random.Generator
          ) -> Optional[np.ndarray]:
    if bias is None or bias is False:
        return None
    if bias is True:
        return init_biases(rng, nout, nin, init)
    if isinstance(bias, str):
        if bias != "shared":
            raise ValueError(_("Linear: bias={value}; use True, False, 'shared', a number or an "
                               "array of one bias per neuron").format(value=repr(bias)))
        return np.asarray(init_biases(rng, (), nin, init))
    b = _finite(bias, "bias")
    if b.shape not in ((), (nout,)):
        raise ValueError(_("Linear: bias of shape {shape}; expected a number (shared) or {count} "
                           "numbers (one per neuron)").format(shape=b.shape, count=nout))
    return b


class TensorMLP(Module):
    """A multi-layer perceptron on Tensors, one batch per call:
    ``TensorMLP(4, [6, 3], "sigmoid", output_activation="softmax")`` is seed
    004's iris network. Same arguments as the scalar ``nn.MLP`` (``init``,
    ``weight_scale``, ``seed``, ``input_names``); weights are W1, W2, ... of
    shape (inputs, outputs), biases b1, b2, ... ``input_names`` (default x1, x2,
    ...) name the input columns in pictures of the network. ``dropout=p``: an
    ``nn.Dropout(p)`` after every hidden layer, active in training mode only
    (``fit`` trains in it, ``evaluate``, ``activations`` and ``model.eval()``
    switch it off).
    """

    batched = True
    # nn.Dropout after each hidden layer (TensorMLP(..., dropout=p)), or none
    dropout: Optional[Dropout] = None

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Union[str, Sequence[str]] = "sigmoid",
        *,
        output_activation: Optional[str] = None,
        bias: BiasSpec = True,
        init: str = "uniform",
        weight_scale: float = 1.0,
        seed: Optional[int] = None,
        input_names: Optional[Sequence[str]] = None,
        dropout: float = 0.0,
    ) -> None:
        plan = layer_plan(nin, nouts, activation, output_activation, init, weight_scale,
                          "TensorMLP")
        rng = make_rng(None, seed, "TensorMLP")
        self.layers = [Linear(p.nin, p.nout, p.activation, bias=bias, index=p.index + 1,
                              init=init, weight_scale=weight_scale, rng=rng)
                       for p in plan]
        self._input_names = check_input_names(input_names, plan[0].nin, "TensorMLP")
        if check_probability(dropout, "TensorMLP: dropout") > 0.0:
            # after every hidden layer, in training mode; its own stream of random
            # numbers, so the weights are those of the same seed without dropout
            self.dropout = Dropout(dropout, rng=np.random.default_rng(
                None if seed is None else (seed, 1)))

    @classmethod
    def from_layers(cls, layers: Sequence[Linear],
                    input_names: Optional[Sequence[str]] = None) -> "TensorMLP":
        """A network of explicitly built Linear layers (fan-ins must match)."""
        layers = list(layers)
        if not layers:
            raise ValueError(_("TensorMLP.from_layers needs at least one layer"))
        for k, (prev, layer) in enumerate(zip(layers, layers[1:]), start=1):
            if layer.nin != prev.nout:
                raise ValueError(_("layer {index} takes {count} inputs but layer {before} has "
                                   "{neurons} neurons").format(index=k, count=layer.nin,
                                                               before=k - 1, neurons=prev.nout))
        model = cls.__new__(cls)
        model.layers = layers
        model._input_names = check_input_names(input_names, layers[0].nin, "TensorMLP")
        return model

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def input_names(self) -> list[str]:
        """The names of the input columns (x1, x2, ... unless given)."""
        return list(self._input_names)

    def forward_layers(self, x: Any) -> list[list[Tensor]]:
        """Every layer's output for the batch, first layer first (a hidden
        layer's before dropout, if the model has it)."""
        outs = []
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            x = layer(x)
            outs.append([x])
            if self.dropout is not None and k < last:
                x = self.dropout(x)
        return outs

    def __call__(self, x: Any) -> Tensor:
        """The output layer's activations, one row per sample."""
        if self.dropout is not None:
            return self.forward_layers(x)[-1][0]
        for layer in self.layers:
            x = layer(x)
        return x

    # --- what pictures read (nn.views) ---------------------------------------------
    def describe(self) -> NetworkView:
        """Input names and every layer, neurons named as the slides do (h1.., o1..)."""
        count = len(self.layers)
        return NetworkView(tuple(self._input_names), tuple(
            layer._layer_view(naming.neuron_names(k, count, layer.nout))
            for k, layer in enumerate(self.layers)))

    def activations(self, batch: Any) -> list[np.ndarray]:
        """Every layer's outputs for ``batch`` (one sample per row), without
        recording a graph: one (samples, neurons) array per layer."""
        rows = as_batch(batch, self.nin, "TensorMLP")
        with no_grad(), using_mode(self, False):  # the network's own outputs: no dropout
            return [np.asarray(out[0].data, float).reshape(len(rows), -1)
                    for out in self.forward_layers(rows)]

    def extra_repr(self) -> str:
        return "-".join(str(n) for n in [self.nin] + [layer.nout for layer in self.layers])

