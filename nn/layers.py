"""Neurons, layers and multi-layer perceptrons on scalar ``Value``s.

Every node a forward pass creates carries the slides' name: a neuron called
``h1`` computes ``net_h1 = w1*l1 + w2*l2 + b1`` and ``out_h1 = f(net_h1)``, so
reports, traces and pictures read like the worked solution.

Weights are given (or initialised) as rows = receiving neuron, columns =
sending neuron, as in ``W1 = [[w1, w2], [w3, w4], [w5, w6]]``.

Random initialisation (``init=``, the same for ``nn.linear``):

============  ==================================================  ===========
``init``      weights of a layer with n_in inputs, n_out neurons  biases
============  ==================================================  ===========
``uniform``   uniform in +-1/sqrt(n_in) (the default)             the same
``normal``    normal, standard deviation 1/sqrt(n_in)             0
``xavier``    normal, standard deviation sqrt(2/(n_in + n_out))   0
``he``        normal, standard deviation sqrt(2/n_in)             0
============  ==================================================  ===========

``weight_scale`` multiplies the weights' spread (not the biases'): with
``init="normal"`` the weights have standard deviation weight_scale/sqrt(n_in).
Xavier (Glorot) keeps the size of the signal through tanh and sigmoid layers,
He through ReLU layers, whose half switched off would otherwise halve it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import accumulate
from typing import Callable, Optional, Sequence, Union

import numpy as np

from autograd import Node, Value

from . import naming
from .module import Module, freeze, using_mode
from .views import LayerView, NetworkView, as_batch, grads, per_sample, values

Number = Union[int, float]

# Elementwise activations: one line each, built from the engine's primitive ops.
ELEMENTWISE: dict[str, Callable[[Value], Value]] = {
    "sigmoid": lambda v: v.sigmoid(),
    "tanh": lambda v: v.tanh(),
    "relu": lambda v: v.relu(),
    "leaky_relu": lambda v: v.leaky_relu(),  # slope 0.01 below 0
    "elu": lambda v: v.elu(),  # alpha 1
    "softplus": lambda v: v.softplus(),
    "step": lambda v: v.step(),
    "identity": lambda v: v,
}
# softmax couples all neurons of a layer, so the Layer applies it, not the Neuron.
ACTIVATIONS: tuple[str, ...] = (*ELEMENTWISE, "softmax")


INITS: tuple[str, ...] = ("uniform", "normal", "xavier", "he")


def check_init(init: str, weight_scale: float = 1.0, where: str = "init") -> str:
    if not isinstance(init, str) or init not in INITS:
        raise ValueError(f"{where}: unknown initialisation {init!r} "
                         f"(choose from {', '.join(INITS)})")
    number = isinstance(weight_scale, (int, float, np.integer, np.floating))
    if isinstance(weight_scale, bool) or not number or not np.isfinite(weight_scale) \
            or weight_scale < 0:
        raise ValueError(f"{where}: weight_scale must be a number >= 0, got {weight_scale!r}")
    return init


def check_size(n: object, what: str, where: str) -> int:
    """A count of inputs or neurons: an int >= 1 (not a bool, not 2.0)."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)):
        raise TypeError(f"{where}: {what} must be a positive int, got {type(n).__name__} {n!r}")
    if n < 1:
        raise ValueError(f"{where}: {what} must be a positive int, got {n!r}")
    return int(n)


def make_rng(rng: Optional[np.random.Generator], seed: object, where: str) -> np.random.Generator:
    """The generator random weights are drawn from: ``rng`` if given, else one
    seeded by ``seed`` (None = fresh entropy, else an int >= 0)."""
    if rng is not None:
        if not isinstance(rng, np.random.Generator):
            raise TypeError(f"{where}: rng must be a numpy Generator "
                            f"(np.random.default_rng(seed)), got {type(rng).__name__}")
        return rng
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))
                             or seed < 0):
        raise ValueError(f"{where}: seed must be None or an int >= 0, got {seed!r}")
    return np.random.default_rng(seed)


@dataclass(frozen=True)
class PlannedLayer:
    """One layer as an MLP constructor (scalar ``MLP``, batched ``TensorMLP``) plans it."""

    index: int  # position, from 0
    nin: int
    nout: int
    activation: str
    weights_before: int  # how many weights the earlier layers have (w numbering goes on)


def layer_plan(nin: int, nouts: Sequence[int], activation: Union[str, Sequence[str]],
               output_activation: Optional[str], init: str, weight_scale: float,
               where: str) -> list[PlannedLayer]:
    """The layers of an MLP constructor's network, its arguments checked: sizes
    ``nin -> nouts[0] -> nouts[1] ...``, one activation per layer (``activation``
    for all, or one each; ``output_activation`` overrides the last)."""
    nin = check_size(nin, "nin (the number of inputs)", where)
    if isinstance(nouts, (str, bytes)) or not isinstance(nouts, (Sequence, np.ndarray)):
        raise TypeError(f"{where}: nouts must be a list of layer sizes (e.g. [3, 2]), "
                        f"got {type(nouts).__name__} {nouts!r}")
    nouts = list(nouts)
    if not nouts:
        raise ValueError(f"{where} needs at least one layer size in nouts")
    nouts = [check_size(n, f"layer size nouts[{i}]", where) for i, n in enumerate(nouts)]
    check_init(init, weight_scale, where)
    if not isinstance(activation, (str, Sequence)):
        raise TypeError(f"{where}: activation must be a name or a list of names, "
                        f"got {type(activation).__name__}")
    acts = [activation] * len(nouts) if isinstance(activation, str) else list(activation)
    if len(acts) != len(nouts):
        raise ValueError(f"{where}: {len(acts)} activations for {len(nouts)} layers")
    if output_activation is not None:
        acts[-1] = output_activation
    sizes = [nin, *nouts]
    before = [0, *accumulate(a * b for a, b in zip(sizes, sizes[1:]))]
    return [PlannedLayer(l, sizes[l], sizes[l + 1], acts[l], before[l]) for l in range(len(nouts))]


def check_input_names(names: object, nin: int, where: str) -> list[str]:
    """The names of a network's ``nin`` inputs: ``names`` checked, or x1, x2, ..."""
    if names is None:
        return naming.input_names(nin)
    if isinstance(names, str) or not isinstance(names, (Sequence, np.ndarray)) \
            or not all(isinstance(n, str) for n in names):
        raise TypeError(f"{where}: input_names must be a list of {nin} strings, got {names!r}")
    if len(names) != nin:
        raise ValueError(f"{where}: {len(names)} input names for {nin} inputs")
    return [str(n) for n in names]


def init_weights(rng: np.random.Generator, shape: Union[int, tuple], nin: int, nout: int,
                 init: str = "uniform", weight_scale: float = 1.0) -> np.ndarray:
    """Random weights of ``shape`` for a layer with ``nin`` inputs and ``nout``
    neurons, by the rule ``init`` (see the module's table)."""
    if init == "uniform":
        bound = weight_scale / np.sqrt(nin)
        return rng.uniform(-bound, bound, shape)
    std = {"normal": 1.0 / np.sqrt(nin), "xavier": np.sqrt(2.0 / (nin + nout)),
           "he": np.sqrt(2.0 / nin)}[init]
    return rng.normal(0.0, weight_scale * std, shape)


def init_biases(rng: np.random.Generator, shape: Union[int, tuple], nin: int,
                init: str = "uniform") -> np.ndarray:
    """Random biases for ``init="uniform"`` (+-1/sqrt(nin)), zeros otherwise
    (drawing nothing, so the weights do not depend on whether there are biases)."""
    if init == "uniform":
        bound = 1.0 / np.sqrt(nin)
        return rng.uniform(-bound, bound, shape)
    return np.zeros(shape)


def check_activation(name: str, where: str = "activation") -> str:
    if not isinstance(name, str) or name not in ACTIVATIONS:
        raise ValueError(
            f"{where}: unknown activation {name!r} (choose from {', '.join(ACTIVATIONS)})"
        )
    return name


def softmax(nets: Sequence[Value]) -> list[Value]:
    """softmax(net)_k = e^net_k / sum_j e^net_j, from exp, add and pow.
    Subtracting the largest net first (a constant) keeps exp from overflowing
    and changes neither the result nor the gradient."""
    top = max(n.data for n in nets)
    exps = [(n + (-top)).exp() for n in nets]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    inverse = total ** -1
    return [e * inverse for e in exps]


def _number(x: object, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float, np.integer, np.floating)):
        raise TypeError(f"{what} must be a number, got {type(x).__name__} {x!r}")
    if not np.isfinite(x):  # nan/inf would spread silently through every later value
        raise ValueError(f"{what} must be a finite number, got {x!r}")
    return float(x)


def _names(names: object, n: int, what: str, unit: str, where: str) -> list[str]:
    """``n`` labels (a list of strings), checked: "2 weight names for 3 inputs"."""
    if isinstance(names, str) or not isinstance(names, Sequence) \
            or not all(isinstance(x, str) for x in names):
        raise TypeError(f"{where}: {what} must be a list of {n} strings, got {names!r}")
    if len(names) != n:
        raise ValueError(f"{where}: {len(names)} {what} for {n} {unit}")
    return list(names)


def _rows(x: object, what: str, where: str) -> list:
    """A list given as a list, tuple or numpy array (not a lone number or a string)."""
    if isinstance(x, np.ndarray):
        return x.tolist()
    if isinstance(x, (str, bytes)) or not isinstance(x, Sequence):
        raise TypeError(f"{where}: {what} must be a list, got {type(x).__name__} {x!r}")
    return list(x)


def _as_inputs(x: object, n: int, names: Sequence[str], who: str) -> list[Value]:
    """One sample as labelled Values (numbers are wrapped; Values pass through)."""
    if isinstance(x, np.ndarray):
        x = x.tolist()
    if isinstance(x, (int, float, Value)) and n == 1:
        x = [x]
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{who} expects a list of {n} inputs, got {type(x).__name__}")
    if len(x) != n:
        raise ValueError(f"{who} expects {n} inputs, got {len(x)}")
    out = []
    for i, xi in enumerate(x):
        if isinstance(xi, Node):
            out.append(xi)
        else:
            out.append(Value(_number(xi, f"{who} input {i}"), names[i]))
    return out


def _weight_values(weights: object, names: Optional[Sequence[str]], nin: int,
                   where: str) -> list[Value]:
    """One neuron's ``nin`` weights as Values, named ``names`` (default w1, w2, ...)."""
    weights = _rows(weights, "weights", where)
    if len(weights) != nin:
        raise ValueError(f"{where}: {len(weights)} weights for {nin} inputs")
    names = (_names(names, nin, "weight names", "inputs", where) if names is not None
             else naming.weight_names(nin, 1)[0])
    return [Value(_number(wj, f"weight {j} of {where}"), names[j]) for j, wj in enumerate(weights)]


def _neuron_bias(bias: object, name: str, where: str, rng: np.random.Generator, nin: int,
                 init: str) -> Optional[Value]:
    """A Neuron's ``bias`` argument as its bias Value: a Value is used as it is
    (a bias shared with other neurons), True draws a random one by ``init``, a
    number sets it, False or None means none."""
    if isinstance(bias, Value):
        return bias
    if bias is True:
        return Value(float(init_biases(rng, (), nin, init)), name)
    if bias is False or bias is None:
        return None
    return Value(_number(bias, f"bias of {where}"), name)


def bias_plan(bias: object, nin: int, nout: int, init: str, rng: np.random.Generator,
              shared_name: str = "b") -> tuple[Optional[Value], list]:
    """A Layer's ``bias`` argument as a plan: ``(shared, own)``.

    ``shared`` is the one bias Value every neuron of the layer adds, or None;
    ``own`` is each neuron's ``Neuron(bias=...)``: that shared Value, True (the
    neuron draws a random bias), a number, or None (no bias).

    =========================  ===========================  ==================================
    ``bias``                   biases                       their values
    =========================  ===========================  ==================================
    ``True`` (the default)     one per neuron               random by ``init``, each drawn
                                                            right after its neuron's weights
    ``"shared"``               one for the layer            random by ``init``, drawn before
                                                            the weights
    a number                   one for the layer            that number (the slides' b1=0.35)
    a list of ``nout`` numbers one per neuron               those numbers (a tuple or a numpy
                                                            array too)
    ``False`` or ``None``      none
    =========================  ===========================  ==================================

    A shared bias is named ``shared_name`` (the slides' ``b1``). ``nn.Linear``
    takes the same forms for a batched layer.
    """
    if isinstance(bias, np.ndarray):
        bias = bias.tolist()
    if bias is True:
        return None, [True] * nout
    if bias is False or bias is None:
        return None, [None] * nout
    if isinstance(bias, (list, tuple)):
        if len(bias) != nout:
            raise ValueError(f"layer: {len(bias)} biases for {nout} neurons")
        return None, [_number(b, f"layer: bias {i}") for i, b in enumerate(bias)]
    if isinstance(bias, str):
        if bias != "shared":
            raise ValueError(f"layer: bias={bias!r}; use True, False, 'shared', a number or a list")
        shared = Value(float(init_biases(rng, (), nin, init)), shared_name)
    else:
        shared = Value(_number(bias, "layer: bias"), shared_name)
    return shared, [shared] * nout


def _weight_rows(weights: object, nout: int) -> list:
    rows = _rows(weights, "weights", "layer")
    if len(rows) != nout:
        raise ValueError(f"layer: weights have {len(rows)} rows for {nout} neurons "
                         "(rows = receiving neuron)")
    return rows


def _weight_name_rows(weight_names: object, nin: int, nout: int) -> list[list[str]]:
    """A layer's weight names, one row of ``nin`` per neuron (default w1, w2, ...)."""
    if weight_names is None:
        return naming.weight_names(nin, nout)
    rows = _rows(weight_names, "weight_names", "layer")
    if len(rows) != nout:
        raise ValueError(f"layer: weight_names have {len(rows)} rows for {nout} neurons "
                         f"(one row of {nin} names per neuron)")
    return [_names(row, nin, f"weight names in row {i}", "inputs", "layer")
            for i, row in enumerate(rows)]


def _layer_bias_names(bias_names: object, neurons: Sequence[str]) -> tuple[str, list[str]]:
    """(the name of a shared bias, the names of per-neuron biases) from a Layer's
    ``bias_names``: a string names the shared bias (per-neuron ones stay
    ``b_<neuron>``), a list names each neuron's, None keeps ``b`` and ``b_<neuron>``."""
    own = [naming.own_bias(n) for n in neurons]
    if bias_names is None:
        return "b", own
    if isinstance(bias_names, str):
        return bias_names, own
    return "b", _names(bias_names, len(neurons), "bias names", "neurons", "layer")


class Neuron(Module):
    """out = f(w . x + b): ``w`` a list of weight Values, ``b`` a bias Value (or
    None). ``bias``: True (random), a number, a Value (one bias shared among
    neurons: each adds the same Value), or False/None (no bias). Weights and a
    bias not given are drawn by ``init`` and ``weight_scale`` (see the module's
    table), from ``rng`` or ``seed``."""

    def __init__(
        self,
        nin: int,
        activation: str = "sigmoid",
        *,
        weights: Optional[Sequence[Number]] = None,
        bias: Union[bool, Number, Value, None] = True,
        name: str = "",
        weight_names: Optional[Sequence[str]] = None,
        bias_name: str = "",
        init: str = "uniform",
        weight_scale: float = 1.0,
        rng: Optional[np.random.Generator] = None,
        seed: Optional[int] = None,
    ) -> None:
        if activation == "softmax":
            raise ValueError("a single Neuron cannot use softmax (it couples a whole layer); "
                             "use Layer(..., activation='softmax')")
        self.activation = check_activation(activation)
        if not isinstance(name, str):
            raise TypeError(f"Neuron: name must be a string, got {name!r}")
        where = f"neuron {name}" if name else "neuron"
        nin = check_size(nin, "nin (the number of inputs)", where)
        check_init(init, weight_scale, where)
        self.name = name
        rng = make_rng(rng, seed, where)
        if weights is None:  # a lone neuron: a layer of one (n_out = 1)
            weights = init_weights(rng, nin, nin, 1, init, weight_scale).tolist()
        self.w = _weight_values(weights, weight_names, nin, where)
        self.b = _neuron_bias(bias, bias_name or "b", where, rng, nin, init)

    def _inputs(self, x: object) -> list[Value]:
        where = f"neuron {self.name}" if self.name else "neuron"
        return _as_inputs(x, len(self.w), naming.input_names(len(self.w)), where)

    def net(self, x: Sequence[Value]) -> Value:
        """net = w1*x1 + w2*x2 + ... + b, labelled net_<name>. ``x``: one input
        per weight (Values, or numbers wrapped as leaves x1, x2, ...)."""
        return self._net(self._inputs(x))

    def _net(self, x: Sequence[Value]) -> Value:
        # x already checked (one Value per weight)
        total = self.w[0] * x[0]
        for wj, xj in zip(self.w[1:], x[1:]):
            total = total + wj * xj
        if self.b is not None:
            total = total + self.b
        if self.name:
            total.label = naming.net(self.name)
        return total

    def __call__(self, x: Sequence[Value]) -> Value:
        return self._forward(self._inputs(x))

    def _forward(self, x: Sequence[Value]) -> Value:
        net = self._net(x)
        out = ELEMENTWISE[self.activation](net)
        if self.name and out is not net:  # identity: out is net itself
            out.label = naming.out(self.name)
        return out

    # --- what pictures read (nn.views) ---------------------------------------------
    def describe(self) -> NetworkView:
        """The neuron as a one-layer network of one neuron (inputs x1, x2, ...)."""
        return NetworkView(tuple(naming.input_names(len(self.w))), (self._layer_view(),))

    def _layer_view(self) -> LayerView:
        b = self.b
        return LayerView((self.name or naming.unnamed_neurons(1)[0],), self.activation,
                         values(self.w)[None, :], grads(self.w)[None, :],
                         (tuple(w.label for w in self.w),),
                         None if b is None else values([b]), None if b is None else grads([b]),
                         () if b is None else (b.label,))

    def activations(self, batch: object) -> list[np.ndarray]:
        """The neuron's output for each sample of ``batch``: [(samples, 1)]."""
        rows = as_batch(batch, len(self.w), "Neuron")
        return per_sample(lambda x: [[self(x)]], rows)

    def extra_repr(self) -> str:
        ws = ", ".join(f"{w.label}={w.data:g}" for w in self.w)
        b = f", {self.b.label}={self.b.data:g}" if self.b is not None else ""
        return f"{self.name or 'neuron'}: {self.activation}, {ws}{b}"


class Layer(Module):
    """``nout`` neurons fully connected to ``nin`` inputs.

    ``weights``: nested list, rows = receiving neuron, columns = sending neuron.
    ``bias``: True (one random bias per neuron), ``"shared"`` (one random bias for
    the layer), a number (one bias of that value shared by the layer, as the
    slides do), a list of numbers (one per neuron), or False/None (no bias);
    the table in :func:`bias_plan` says when each is drawn. ``bias_names``: one
    string names a shared bias, a list each neuron's (default ``b_<neuron>``).
    ``train_bias=False`` freezes the biases.
    ``init``, ``weight_scale``: how random weights and biases are drawn (see the
    module's table); ``seed`` (or ``rng``) makes them repeatable.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "sigmoid",
        *,
        weights: Optional[Sequence[Sequence[Number]]] = None,
        bias: Union[bool, str, Number, Sequence[Number], None] = True,
        neuron_names: Optional[Sequence[str]] = None,
        weight_names: Optional[Sequence[Sequence[str]]] = None,
        bias_names: Union[str, Sequence[str], None] = None,
        train_bias: bool = True,
        init: str = "uniform",
        weight_scale: float = 1.0,
        rng: Optional[np.random.Generator] = None,
        seed: Optional[int] = None,
    ) -> None:
        self.activation = check_activation(activation)
        nin = check_size(nin, "nin (the number of inputs)", "layer")
        nout = check_size(nout, "nout (the number of neurons)", "layer")
        check_init(init, weight_scale, "layer")
        rng = make_rng(rng, seed, "layer")
        names = (_names(neuron_names, nout, "neuron names", "neurons", "layer")
                 if neuron_names is not None else naming.unnamed_neurons(nout))
        if weights is not None:
            weights = _weight_rows(weights, nout)
        weight_names = _weight_name_rows(weight_names, nin, nout)
        shared_name, own_names = _layer_bias_names(bias_names, names)
        shared, own = bias_plan(bias, nin, nout, init, rng, shared_name)
        if shared is not None:
            # the layer's own parameter, set before the neurons so that
            # named_parameters() lists it under the layer (once)
            self.b = shared
        neuron_act = "identity" if activation == "softmax" else activation
        self.neurons = []
        for i in range(nout):
            # Random weights are drawn here, where the layer's fan-out (Xavier) is
            # known; neuron by neuron, each then drawing its own random bias.
            w_i = (init_weights(rng, nin, nin, nout, init, weight_scale).tolist()
                   if weights is None else weights[i])
            self.neurons.append(Neuron(nin, neuron_act, weights=w_i, bias=own[i], name=names[i],
                                       weight_names=weight_names[i], bias_name=own_names[i],
                                       init=init, rng=rng))
        if not train_bias:
            freeze(*self.biases())

    @property
    def size(self) -> int:
        return len(self.neurons)

    def biases(self) -> list[Value]:
        seen: dict[int, Value] = {}
        for n in self.neurons:
            if n.b is not None:
                seen.setdefault(id(n.b), n.b)
        return list(seen.values())

    def weights(self) -> list[list[Value]]:
        return [n.w for n in self.neurons]

    # --- what pictures read (nn.views) ---------------------------------------------
    def describe(self) -> NetworkView:
        """The layer as a one-layer network (inputs x1, x2, ...)."""
        return NetworkView(tuple(naming.input_names(len(self.neurons[0].w))),
                           (self._layer_view(),))

    def _layer_view(self) -> LayerView:
        neurons = self.neurons
        names = tuple(n.name or naming.unnamed_neurons(len(neurons))[k]
                      for k, n in enumerate(neurons))
        rows = [n.w for n in neurons]
        weights = (np.array([values(r) for r in rows]), np.array([grads(r) for r in rows]),
                   tuple(tuple(w.label for w in r) for r in rows))
        bs = [n.b for n in neurons]
        if all(b is None for b in bs):
            return LayerView(names, self.activation, *weights)
        if any(b is None for b in bs):
            raise ValueError(f"layer: neurons {', '.join(n for n, b in zip(names, bs) if b is None)} "
                             "have no bias while the others have one; give every neuron a bias "
                             "or none")
        if len(bs) > 1 and all(b is bs[0] for b in bs):  # the slides' one bias per layer
            return LayerView(names, self.activation, *weights, values(bs[:1]).reshape(()),
                             grads(bs[:1]).reshape(()), (bs[0].label,))
        return LayerView(names, self.activation, *weights, values(bs), grads(bs),
                         tuple(b.label for b in bs))

    def activations(self, batch: object) -> list[np.ndarray]:
        """The layer's outputs for each sample of ``batch``: [(samples, neurons)]."""
        rows = as_batch(batch, len(self.neurons[0].w), "Layer")
        return per_sample(lambda x: [self(x)], rows)

    def __call__(self, x: Sequence[Value]) -> list[Value]:
        nin = len(self.neurons[0].w)
        x = _as_inputs(x, nin, naming.input_names(nin), "layer")
        if self.activation != "softmax":
            return [n._forward(x) for n in self.neurons]
        outs = softmax([n._net(x) for n in self.neurons])
        for n, o in zip(self.neurons, outs):
            if n.name:
                o.label = naming.out(n.name)
        return outs

    def extra_repr(self) -> str:
        nin = len(self.neurons[0].w)
        shared = ", shared bias" if getattr(self, "b", None) is not None else ""
        return f"{nin} -> {self.size}, {self.activation}{shared}"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(2, [3, 2])`` is the slides' 2-3-2 network.

    ``activation`` applies to every layer (a list gives one per layer);
    ``output_activation`` overrides the last layer (e.g. ``"softmax"``).
    Default names: inputs x1.., hidden neurons h1.. (h1_1.. with several hidden
    layers), outputs o1..; weights w1, w2, ... layer by layer, row by row.
    ``init`` (``"uniform"``, ``"normal"``, ``"xavier"``, ``"he"``) and
    ``weight_scale`` choose the random initialisation (table in ``nn.layers``);
    ``seed`` makes it repeatable. ``dropout=p``: an ``nn.Dropout(p)`` after
    every hidden layer, active in training mode only.
    """

    # nn.Dropout after each hidden layer (MLP(..., dropout=p)), or none
    dropout: Optional[Module] = None

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: Union[str, Sequence[str]] = "sigmoid",
        *,
        output_activation: Optional[str] = None,
        bias: Union[bool, str] = True,
        init: str = "uniform",
        weight_scale: float = 1.0,
        seed: Optional[int] = None,
        input_names: Optional[Sequence[str]] = None,
        dropout: float = 0.0,
    ) -> None:
        from .regularization import Dropout, check_probability  # it builds on this module

        plan = layer_plan(nin, nouts, activation, output_activation, init, weight_scale, "MLP")
        rng = make_rng(None, seed, "MLP")
        layers = [Layer(p.nin, p.nout, p.activation, bias=bias,
                        neuron_names=naming.neuron_names(p.index, len(plan), p.nout),
                        weight_names=naming.weight_names(p.nin, p.nout, before=p.weights_before),
                        bias_names=naming.shared_bias(p.index), init=init,
                        weight_scale=weight_scale, rng=rng)
                  for p in plan]
        self._setup(layers, input_names, plan[0].nin)
        if check_probability(dropout, "MLP: dropout") > 0.0:
            # after every hidden layer, in training mode (as TensorMLP's)
            self.dropout = Dropout(dropout, rng=np.random.default_rng(
                None if seed is None else (seed, 1)))

    @classmethod
    def from_layers(cls, layers: Sequence[Layer], input_names: Optional[Sequence[str]] = None) -> "MLP":
        """A network of explicitly built layers (each layer's fan-in must match)."""
        layers = list(layers)
        if not layers:
            raise ValueError("MLP.from_layers needs at least one layer")
        nin = len(layers[0].neurons[0].w)
        for l, (prev, layer) in enumerate(zip(layers, layers[1:]), start=1):
            fan_in = len(layer.neurons[0].w)
            if fan_in != prev.size:
                raise ValueError(f"layer {l} takes {fan_in} inputs but layer {l - 1} has {prev.size} neurons")
        model = cls.__new__(cls)
        model._setup(layers, input_names, nin)
        return model

    def _setup(self, layers: list[Layer], input_names: Optional[Sequence[str]], nin: int) -> None:
        self.layers = layers
        self._nin = nin
        self._input_names = check_input_names(input_names, nin, "MLP")

    @property
    def nin(self) -> int:
        return self._nin

    @property
    def input_names(self) -> list[str]:
        return list(self._input_names)

    def forward_layers(self, x: object) -> list[list[Value]]:
        """The outputs of every layer for one sample, first layer first (the
        boundaries a layer-by-layer backward stops at)."""
        h = _as_inputs(x, self._nin, self._input_names, "MLP")
        outs = []
        last = len(self.layers) - 1
        for k, layer in enumerate(self.layers):
            h = layer(h)
            outs.append(h)
            if self.dropout is not None and k < last:
                h = self.dropout(h)  # the next layer reads the dropped outputs
        return outs

    def __call__(self, x: object) -> list[Value]:
        """The output layer's Values for one sample (always a list)."""
        return self.forward_layers(x)[-1]

    # --- what pictures read (nn.views) ---------------------------------------------
    def describe(self) -> NetworkView:
        """Input names and every layer, as the slides draw the network."""
        return NetworkView(tuple(self._input_names),
                           tuple(layer._layer_view() for layer in self.layers))

    def activations(self, batch: object) -> list[np.ndarray]:
        """Every layer's outputs for each sample of ``batch`` (one sample per
        row), without recording a graph: one (samples, neurons) array per layer
        (in evaluation mode: no dropout)."""
        with using_mode(self, False):
            return per_sample(self.forward_layers, as_batch(batch, self._nin, "MLP"))

    def extra_repr(self) -> str:
        sizes = [self._nin] + [layer.size for layer in self.layers]
        return "-".join(map(str, sizes))
