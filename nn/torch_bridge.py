"""chainrule networks in PyTorch and back: ``to_torch``, ``from_torch``.

torch is optional (``pip install "chainrule[torch]"``) and imported only when one
of these functions is called; without it each raises one ModuleNotFoundError
saying how to install it.

>>> from nn import MLP, to_torch, from_torch
>>> model = MLP(2, [3, 2], seed=0)
>>> twin = to_torch(model)            # torch.nn.Sequential, float64, the same function
>>> back = from_torch(twin)           # the same parameters, bit for bit, the same names

The module ``to_torch`` builds
------------------------------
A ``torch.nn.Sequential`` in float64 with two entries per layer: the layer's
linear map, then its activation (``Sigmoid``, ``Tanh``, ``ReLU``,
``LeakyReLU(0.01)``, ``ELU(1)``, ``Softplus()``, ``Softmax(dim=-1)``,
``Identity``, or :class:`nn.torch_modules.Step`). Layer l (from 0) is entry
``2l``, its activation ``2l+1``; a model with ``dropout=p`` has a third entry
after each hidden layer, ``torch.nn.Dropout(p)``, so layer l is entry ``3l``
(the masks are drawn by each library's own generator: the same in evaluation
mode, different draws in training mode). The module gets the model's
training/evaluation mode. torch's ``Softplus()`` turns linear above 20, where
log(1 + e^x) differs from x by less than 1e-10 relative. A layer with one bias shared
by its neurons (the slides' b1) becomes :class:`nn.torch_modules.SharedBiasLinear`,
whose bias is a 0-d tensor, so that it is trained as one number; otherwise
``torch.nn.Linear``. Frozen parameters get ``requires_grad=False`` (torch freezes
whole tensors: a layer whose weights are partly frozen is refused).

The name map (``torch_names(model)`` lists it for a model)
------------------------------------------------------------
torch's Linear stores its weight as (out, in): row i is the receiving neuron,
as chainrule's scalar layers and the slides' matrices write it; the batched
``TensorMLP`` stores W as (in, out) (the matrix-BP deck's x W), so torch holds its transpose.

=============================================  =====================  =========================
chainrule                                      torch state_dict key   note
=============================================  =====================  =========================
``MLP``: weight into neuron i from input j      ``2l.weight[i, j]``    (out, in)
of layer l (the slides' w1..w12)
``MLP``: the bias shared by layer l (b1, b2)    ``2l.bias``            a 0-d tensor
``MLP``: neuron i's own bias (b_h1)             ``2l.bias[i]``
``TensorMLP``: ``W{l+1}`` (``layers.l.W``)      ``2l.weight``          = W.T
``TensorMLP``: ``b{l+1}`` (``layers.l.b``)      ``2l.bias``            0-d if shared
=============================================  =====================  =========================

(With dropout, read ``3l`` for ``2l``.) The 2-3-2 example:
``0.weight = [[w1, w2], [w3, w4], [w5, w6]]``, ``0.bias = b1``;
its output weights are numbered source-major on the slides (w7 and w8 leave h1),
so ``2.weight = [[w7, w9, w11], [w8, w10, w12]]``, ``2.bias = b2``.

``to_torch`` also leaves the chainrule names on the module
(``module.chainrule_names``); ``from_torch`` gives them back when the layers still
fit them, else it names as ``nn.MLP`` does (w1, w2, ... layer by layer).

Optimizers: ``to_torch(model, optimizer)``
------------------------------------------
returns ``(module, torch_optimizer)``: the same hyper-parameters and the same
state, so training goes on where it stopped (5 steps here then 5 in torch = 10
steps here, to 1e-10; tests/test_torch_bridge.py).

============  ========================  ==========================================
chainrule     torch.optim               state (chainrule -> torch)
============  ========================  ==========================================
``SGD``       ``SGD`` (dampening 0)     momentum -> momentum_buffer
``AdaGrad``   ``Adagrad``               sum -> sum, step -> step
``RMSProp``   ``RMSprop`` (uncentred)   square_avg, momentum -> momentum_buffer, step
``Adam``      ``Adam`` (no amsgrad)     m -> exp_avg, v -> exp_avg_sq, step
============  ========================  ==========================================

Where the conventions differ (chainrule follows torch in each, so every one of
them carries over exactly):

- momentum: torch's form b = mu*b + g, p -= lr*b (b = g at the first step), not
  the textbook's v = mu*v - lr*g, p += v. The two agree while lr is constant;
  change lr mid-way and torch's form changes the step of the past gradients too.
- RMSProp adds eps outside the square root, g / (sqrt(avg) + eps), as torch
  does; many texts (and TensorFlow 1's RMSPropOptimizer) put it inside,
  g / sqrt(avg + eps).
- torch keeps one step count per tensor, chainrule one per parameter: the
  parameters of a layer must have taken the same number of steps.
- losses: ``torch_loss(name)`` is chainrule's loss in torch. torch's own
  ``MSELoss()`` is the mean over every entry: with N samples of k outputs it is
  2/(N k) times the slides' half sum ``half_sse`` (``MSELoss(reduction="sum") / 2``
  is the half sum), and 1/k times chainrule's ``mse``. ``to_torch`` keeps a
  softmax output inside the module; ``CrossEntropyLoss`` wants the logits, which
  ``module[:-1](x)`` gives.
"""
from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType
from typing import Any, Callable, Optional, Union

import numpy as np

from autograd import Node

from . import naming
from .i18n import N_, _
from .layers import MLP, Layer
from .linear import Linear, TensorMLP
from .module import freeze, is_frozen
from .optim import SGD, AdaGrad, Adam, Optimizer, RMSProp

INSTALL_HINT = N_('PyTorch is not installed: pip install "chainrule[torch]"')


def require_torch() -> ModuleType:
    """torch, or one ModuleNotFoundError saying how to install it."""
    try:
        import torch
    except ImportError:
        raise ModuleNotFoundError(_(INSTALL_HINT)) from None
    return torch


# --- the names a round trip keeps ---------------------------------------------------------

@dataclass(frozen=True)
class LayerNames:
    """One layer's chainrule names, in torch's orientation (rows = receiving neuron)."""

    neurons: tuple[str, ...]
    weights: tuple[tuple[str, ...], ...]
    bias: Union[str, tuple[str, ...], None]  # shared: its name; own: one each; None: no bias


@dataclass(frozen=True)
class ChainruleNames:
    """What ``to_torch`` leaves on the module as ``chainrule_names``."""

    kind: str  # "MLP" or "TensorMLP"
    input_names: tuple[str, ...]
    layers: tuple[LayerNames, ...]


@dataclass(frozen=True)
class _Slot:
    """Where one chainrule parameter lives in torch: a scalar Value fills one
    entry (``index``), a Tensor the whole array (transposed for a weight matrix)."""

    node: Node
    key: str
    index: Optional[tuple[int, ...]] = None
    transpose: bool = False

    def where(self) -> str:
        if self.index:
            return f"{self.key}[{', '.join(map(str, self.index))}]"
        return f"{self.key}.T" if self.transpose else self.key


@dataclass
class _LayerPlan:
    position: int  # the entry of the Sequential holding the layer's linear map
    nin: int
    nout: int
    activation: str
    bias: Optional[str]  # "shared", "own" or None
    slots: list[_Slot]
    names: LayerNames

    def slots_of(self, key: str) -> list[_Slot]:
        return [s for s in self.slots if s.key == key]


def _scalar_bias(l: int, position: int, layer: Layer) -> tuple[Optional[str], list[_Slot], Any]:
    """How a scalar layer's neurons have their biases: shared, own or none."""
    biases = [n.b for n in layer.neurons]
    key = f"{position}.bias"
    if all(b is None for b in biases):
        return None, [], None
    if any(b is None for b in biases):
        raise ValueError(_("to_torch: in layer {layer}, neurons {names} have no bias while the others "
                           "have one; torch's Linear gives every neuron a bias or none").format(
            layer=l, names=", ".join(n.name for n in layer.neurons if n.b is None)))
    if all(b is biases[0] for b in biases) and (len(biases) > 1 or getattr(layer, "b", None) is biases[0]):
        return "shared", [_Slot(biases[0], key, ())], biases[0].label
    return "own", [_Slot(b, key, (i,)) for i, b in enumerate(biases)], tuple(b.label for b in biases)


def _scalar_plan(l: int, position: int, layer: Layer) -> _LayerPlan:
    neurons = layer.neurons
    key = f"{position}.weight"
    slots = [_Slot(w, key, (i, j)) for i, n in enumerate(neurons) for j, w in enumerate(n.w)]
    bias, bias_slots, bias_names = _scalar_bias(l, position, layer)
    names = LayerNames(tuple(n.name for n in neurons),
                       tuple(tuple(w.label for w in n.w) for n in neurons), bias_names)
    return _LayerPlan(position, len(neurons[0].w), len(neurons), layer.activation, bias,
                      slots + bias_slots, names)


def _tensor_plan(l: int, position: int, count: int, layer: Linear) -> _LayerPlan:
    slots = [_Slot(layer.W, f"{position}.weight", transpose=True)]
    b = getattr(layer, "b", None)
    bias = None
    if b is not None:
        bias = "shared" if np.ndim(b.data) == 0 else "own"
        slots.append(_Slot(b, f"{position}.bias"))
    names = LayerNames(tuple(naming.neuron_names(l, count, layer.nout)), (), None)
    return _LayerPlan(position, layer.nin, layer.nout, layer.activation, bias, slots, names)


def _dropout_of(model: Any) -> float:
    """The p of the model's dropout after each hidden layer (0: none)."""
    dropout = getattr(model, "dropout", None)
    return float(dropout.p) if dropout is not None else 0.0


def _plans(model: Any) -> tuple[str, list[_LayerPlan]]:
    if not isinstance(model, (MLP, TensorMLP)):
        raise TypeError(_("to_torch takes an nn.MLP or an nn.TensorMLP, got {kind}").format(
            kind=type(model).__name__))
    stride = 3 if _dropout_of(model) else 2  # linear map, activation function (, dropout)
    if isinstance(model, MLP):
        return "MLP", [_scalar_plan(l, stride * l, layer) for l, layer in enumerate(model.layers)]
    count = len(model.layers)
    return "TensorMLP", [_tensor_plan(l, stride * l, count, layer) for l, layer in enumerate(model.layers)]


def torch_names(model: Union[MLP, TensorMLP]) -> dict[str, str]:
    """Each parameter's chainrule name and where torch keeps it:
    ``{"w1": "0.weight[0, 0]", "b1": "0.bias", ...}`` (``"W1": "0.weight.T"`` for a TensorMLP),
    in the order of ``model.parameters()``. Parameters are named by their labels (the
    slides' names), or by their dotted names (``layers.0.neurons.0.w.0``) when two
    share a label (layers built one by one, each numbering its own w1, w2, ...)."""
    _kind, plans = _plans(model)
    where = {id(s.node): s.where() for plan in plans for s in plan.slots}
    named = list(model.named_parameters())
    labels = [p.label for _name, p in named]
    by_label = all(labels) and len(set(labels)) == len(labels)
    return {(p.label if by_label else name): where[id(p)] for name, p in named}


# --- chainrule -> torch -------------------------------------------------------------------

def _gather(slots: list[_Slot], shape: tuple[int, ...], value: Callable[[_Slot], Any]) -> np.ndarray:
    """The torch array of one key, filled from its chainrule parameters."""
    out = np.zeros(shape, dtype=np.float64)
    for s in slots:
        v = np.asarray(value(s), dtype=np.float64)
        if s.index is None:
            out = (v.T if s.transpose else v).copy()
        else:
            out[s.index] = v
    return out


def _activation_module(torch: ModuleType, name: str) -> Any:
    from .torch_modules import Step
    modules = {"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
               "leaky_relu": lambda: torch.nn.LeakyReLU(0.01), "elu": lambda: torch.nn.ELU(alpha=1.0),
               "softplus": torch.nn.Softplus, "step": Step, "identity": torch.nn.Identity,
               "softmax": lambda: torch.nn.Softmax(dim=-1)}
    if name not in modules:
        raise ValueError(_("to_torch: no torch module for the activation function {name}").format(name=name))
    return modules[name]()


def _frozen_flag(slots: list[_Slot]) -> bool:
    """Whether one torch tensor is frozen: all of its chainrule parameters or none."""
    flags = {is_frozen(s.node) for s in slots}
    if len(flags) > 1:
        frozen = ", ".join(s.node.label for s in slots if is_frozen(s.node))
        raise ValueError(_("to_torch: {frozen} frozen but not the rest of {key}; torch freezes a whole "
                           "tensor (requires_grad), so freeze all of it or none").format(
            frozen=frozen, key=slots[0].key))
    return flags.pop()


def _linear_module(torch: ModuleType, plan: _LayerPlan) -> Any:
    from .torch_modules import SharedBiasLinear
    if plan.bias == "shared":
        linear = SharedBiasLinear(plan.nin, plan.nout, dtype=torch.float64)
    else:
        linear = torch.nn.Linear(plan.nin, plan.nout, bias=plan.bias is not None, dtype=torch.float64)
    with torch.no_grad():
        for name, tensor in linear.named_parameters():
            slots = plan.slots_of(f"{plan.position}.{name}")
            tensor.copy_(torch.from_numpy(_gather(slots, tuple(tensor.shape), lambda s: s.node.data)))
            tensor.requires_grad_(not _frozen_flag(slots))
    return linear


def to_torch(model: Union[MLP, TensorMLP], optimizer: Optional[Optimizer] = None) -> Any:
    """The same network as a float64 ``torch.nn.Sequential`` (see the module's
    name map); with ``optimizer``, ``(module, torch_optimizer)`` with the same
    hyper-parameters and state."""
    torch = require_torch()
    kind, plans = _plans(model)
    p = _dropout_of(model)
    entries = []
    for l, plan in enumerate(plans):
        entries += [_linear_module(torch, plan), _activation_module(torch, plan.activation)]
        if p and l < len(plans) - 1:
            entries.append(torch.nn.Dropout(p))
    module = torch.nn.Sequential(*entries)
    module.train(model.training)
    module.chainrule_names = ChainruleNames(kind, tuple(model.input_names),
                                            tuple(plan.names for plan in plans))
    if optimizer is None:
        return module
    return module, _torch_optimizer(torch, module, plans, optimizer)


# chainrule optimizer -> (torch.optim class name, its hyper-parameters, chainrule state key ->
# torch's, whether torch keeps a step count)
_OPTIMIZERS: dict[type, tuple[str, Callable[[Any], dict[str, Any]], dict[str, str], bool]] = {
    SGD: ("SGD", lambda o: dict(lr=o.lr, momentum=o.momentum, weight_decay=o.weight_decay),
          {"momentum": "momentum_buffer"}, False),
    AdaGrad: ("Adagrad", lambda o: dict(lr=o.lr, lr_decay=o.lr_decay, eps=o.eps, weight_decay=o.weight_decay,
                                        initial_accumulator_value=o.initial_accumulator_value),
              {"sum": "sum"}, True),
    RMSProp: ("RMSprop", lambda o: dict(lr=o.lr, alpha=o.alpha, eps=o.eps, weight_decay=o.weight_decay,
                                        momentum=o.momentum),
              {"square_avg": "square_avg", "momentum": "momentum_buffer"}, True),
    Adam: ("Adam", lambda o: dict(lr=o.lr, betas=o.betas, eps=o.eps, weight_decay=o.weight_decay),
           {"m": "exp_avg", "v": "exp_avg_sq"}, True),
}


def _optimizer_params(plans: list[_LayerPlan], optimizer: Optimizer) -> list[str]:
    """The torch keys the optimizer updates, in its order; each whole."""
    slot_of = {id(s.node): s for plan in plans for s in plan.slots}
    keys: list[str] = []
    for p in optimizer.params:
        s = slot_of.get(id(p))
        if s is None:
            raise ValueError(_("to_torch: the optimizer updates {name}, which is not a parameter of the "
                               "model").format(name=p.label or type(p).__name__))
        if s.key not in keys:
            keys.append(s.key)
    mine = {id(p) for p in optimizer.params}
    for plan in plans:
        for s in plan.slots:
            if s.key in keys and id(s.node) not in mine:
                raise ValueError(_("to_torch: the optimizer updates part of {key} but not {name}; a torch "
                                   "optimizer updates whole tensors").format(key=s.key, name=s.node.label))
    return keys


def _state_of(torch: ModuleType, slots: list[_Slot], optimizer: Optimizer, names: dict[str, str],
              with_step: bool, shape: tuple[int, ...]) -> Optional[dict[str, Any]]:
    """torch's state of one tensor from its parameters' chainrule state (None: no step yet)."""
    states = [optimizer.state.get(id(s.node)) for s in slots]
    steps = {None if st is None else st["step"] for st in states}
    if steps == {None}:
        return None
    if len(steps) > 1:
        raise ValueError(_("to_torch: the parameters of {key} have taken different numbers of optimizer "
                           "steps ({steps}); torch keeps one count per tensor").format(
            key=slots[0].key, steps=", ".join(sorted(str(s) for s in steps))))
    state: dict[str, Any] = {}
    if with_step:
        state["step"] = torch.tensor(float(steps.pop()), dtype=torch.float32)
    for ours, theirs in names.items():
        if ours in states[0]:
            array = _gather(slots, shape, lambda s: optimizer.state[id(s.node)][ours])
            state[theirs] = torch.from_numpy(array)
    return state


def _torch_optimizer(torch: ModuleType, module: Any, plans: list[_LayerPlan], optimizer: Optimizer) -> Any:
    kind = next((k for k in _OPTIMIZERS if type(optimizer) is k), None)
    if kind is None:
        raise TypeError(_("to_torch: no torch optimizer for {kind} (SGD, AdaGrad, RMSProp and Adam "
                          "have one)").format(kind=type(optimizer).__name__))
    cls_name, hyper, names, with_step = _OPTIMIZERS[kind]
    tensors = dict(module.named_parameters())
    keys = _optimizer_params(plans, optimizer)
    theirs = getattr(torch.optim, cls_name)([tensors[k] for k in keys], **hyper(optimizer))
    slots = {k: [s for plan in plans for s in plan.slots_of(k)] for k in keys}
    for k in keys:
        state = _state_of(torch, slots[k], optimizer, names, with_step, tuple(tensors[k].shape))
        if state is not None:
            theirs.state[tensors[k]] = state
    return theirs


# --- torch -> chainrule -------------------------------------------------------------------

@dataclass
class _Read:
    key: str
    linear: Any
    activation: Optional[str] = None
    dropout: float = 0.0
    dropout_key: str = ""


def _activation_names(torch: ModuleType) -> dict[type, str]:
    from .torch_modules import Step
    return {torch.nn.Sigmoid: "sigmoid", torch.nn.Tanh: "tanh", torch.nn.ReLU: "relu",
            torch.nn.LeakyReLU: "leaky_relu", torch.nn.ELU: "elu", torch.nn.Softplus: "softplus", Step: "step",
            torch.nn.Identity: "identity", torch.nn.Softmax: "softmax"}


def _cannot_take(key: str, entry: Any, why: str) -> ValueError:
    return ValueError(_("from_torch: cannot take layer {key} ({kind}): {why}").format(
        key=key, kind=type(entry).__name__, why=why))


def _activation_problem(torch: ModuleType, entry: Any) -> Optional[str]:
    """Why an activation module is not the function chainrule's activation of that name is."""
    if type(entry) is torch.nn.Softmax and entry.dim not in (-1, 1):
        return _("chainrule's softmax runs over a sample's outputs (dim=-1), not dim={dim}").format(dim=entry.dim)
    if type(entry) is torch.nn.LeakyReLU and entry.negative_slope != 0.01:
        return _("chainrule's leaky_relu has the slope 0.01, not {slope}").format(slope=entry.negative_slope)
    if type(entry) is torch.nn.ELU and entry.alpha != 1.0:
        return _("chainrule's elu has alpha = 1, not {alpha}").format(alpha=entry.alpha)
    if type(entry) is torch.nn.Softplus and (entry.beta != 1 or entry.threshold < 20):
        return _("chainrule's softplus is log(1 + e^x): beta = 1 and a threshold of at least 20, "
                 "not beta = {beta}, threshold = {threshold}").format(beta=entry.beta, threshold=entry.threshold)
    return None


def _read_entry(torch: ModuleType, read: list[_Read], key: str, entry: Any) -> None:
    """One entry of the Sequential into ``read``, or the error naming it."""
    from .torch_modules import SharedBiasLinear
    activations = _activation_names(torch)
    if isinstance(entry, (torch.nn.Linear, SharedBiasLinear)):
        if read and entry.in_features != read[-1].linear.out_features:
            raise _cannot_take(key, entry, _("it takes {n} inputs but the layer before gives {m}").format(
                n=entry.in_features, m=read[-1].linear.out_features))
        read.append(_Read(key, entry))
    elif type(entry) in activations:
        if not read or read[-1].activation is not None:
            raise _cannot_take(key, entry, _("an activation function must follow a Linear layer"))
        problem = _activation_problem(torch, entry)
        if problem:
            raise _cannot_take(key, entry, problem)
        read[-1].activation = activations[type(entry)]
    elif type(entry) is torch.nn.Dropout:
        if not read or read[-1].dropout_key:
            raise _cannot_take(key, entry, _("a Dropout must follow a layer's activation function"))
        read[-1].activation = read[-1].activation or "identity"
        read[-1].dropout, read[-1].dropout_key = float(entry.p), key
    else:
        raise _cannot_take(key, entry, _("chainrule's networks are Linear layers, each followed by an "
                                         "activation function (Sigmoid, Tanh, ReLU, LeakyReLU, ELU, Softplus, "
                                         "Softmax(dim=-1), Identity) and, after a hidden layer, Dropout"))


def _check_dropout(read: list[_Read]) -> float:
    """chainrule's networks drop out after every hidden layer with one p, or nowhere."""
    hidden = read[:-1]
    if read[-1].dropout_key:
        raise ValueError(_("from_torch: cannot take layer {key} (Dropout): chainrule drops out after the "
                           "hidden layers only, not after the output layer").format(key=read[-1].dropout_key))
    ps = {r.dropout for r in hidden}
    if len(ps) > 1:
        odd = next(r for r in hidden if r.dropout != hidden[0].dropout)
        raise ValueError(_("from_torch: the layer at {key} has dropout p = {p}, the first hidden layer "
                           "p = {first}; chainrule puts one Dropout(p) after every hidden layer").format(
            key=odd.key, p=odd.dropout, first=hidden[0].dropout))
    return ps.pop() if ps else 0.0


def _read_sequential(torch: ModuleType, module: Any) -> tuple[list[_Read], float]:
    """The Sequential's Linear layers, each with its activation, and the dropout p
    after the hidden layers; an error names the first entry chainrule cannot take."""
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(_("from_torch takes a torch.nn.Sequential of Linear layers and activation functions, "
                          "got {kind}").format(kind=type(module).__name__))
    read: list[_Read] = []
    for key, entry in module.named_children():
        _read_entry(torch, read, key, entry)
    if not read:
        raise ValueError(_("from_torch: the Sequential has no Linear layer"))
    return read, _check_dropout(read)


def _array(tensor: Any) -> np.ndarray:
    return tensor.detach().cpu().double().numpy().copy()


def _recorded(module: Any, read: list[_Read]) -> Optional[ChainruleNames]:
    """The names to_torch left on the module, if the layers still fit them."""
    names = getattr(module, "chainrule_names", None)
    if not isinstance(names, ChainruleNames) or len(names.layers) != len(read) \
            or len(names.input_names) != read[0].linear.in_features:
        return None
    for r, layer in zip(read, names.layers):
        if len(layer.neurons) != r.linear.out_features:
            return None
        if names.kind == "MLP" and (
                len(layer.weights) != r.linear.out_features
                or any(len(row) != r.linear.in_features for row in layer.weights)
                or _bias_kind(r.linear) != _bias_kind_of_names(layer.bias)):
            return None
    return names


def _bias_kind(linear: Any) -> Optional[str]:
    if linear.bias is None:
        return None
    return "shared" if linear.bias.dim() == 0 else "own"


def _bias_kind_of_names(bias: Union[str, tuple[str, ...], None]) -> Optional[str]:
    return None if bias is None else "shared" if isinstance(bias, str) else "own"


def _scalar_layer(l: int, count: int, r: _Read, names: Optional[LayerNames], before: int) -> Layer:
    """Layer ``l`` of ``count`` as a scalar layer; ``before``: the weights of the layers before it
    (the default names go on counting: w7 after w1..w6)."""
    W = _array(r.linear.weight)
    nout, nin = W.shape
    b = None if r.linear.bias is None else _array(r.linear.bias)
    bias: Any = None if b is None else float(b) if b.ndim == 0 else b.tolist()
    if names is None:
        names = LayerNames(tuple(naming.neuron_names(l, count, nout)),
                           tuple(map(tuple, naming.weight_names(nin, nout, before=before))),
                           naming.shared_bias(l))
        bias_names: Any = names.bias
    else:
        bias_names = names.bias if isinstance(names.bias, str) or names.bias is None else list(names.bias)
    layer = Layer(nin, nout, r.activation, weights=W.tolist(), bias=bias,
                  neuron_names=list(names.neurons), weight_names=[list(row) for row in names.weights],
                  bias_names=bias_names)
    if not r.linear.weight.requires_grad:
        freeze(*[w for n in layer.neurons for w in n.w])
    if r.linear.bias is not None and not r.linear.bias.requires_grad:
        freeze(*layer.biases())
    return layer


def _tensor_layer(l: int, r: _Read) -> Linear:
    bias = False if r.linear.bias is None else _array(r.linear.bias)
    layer = Linear(r.linear.in_features, r.linear.out_features, r.activation,
                   weights=_array(r.linear.weight).T, bias=bias, index=l + 1)
    if not r.linear.weight.requires_grad:
        freeze(layer.W)
    if r.linear.bias is not None and not r.linear.bias.requires_grad:
        freeze(layer.b)
    return layer


def from_torch(module: Any, batched: Optional[bool] = None) -> Union[MLP, TensorMLP]:
    """The chainrule network of a ``torch.nn.Sequential`` of Linear layers
    (``SharedBiasLinear`` too), each followed by an activation function (Sigmoid,
    Tanh, ReLU, LeakyReLU(0.01), ELU(1), Softplus(), Step, Softmax(dim=-1),
    Identity; none: identity) and, after every hidden layer or none, one
    Dropout(p). ``batched=True`` gives a ``TensorMLP``, False a scalar ``MLP``;
    None: what ``to_torch`` was given, else an ``MLP``. Parameters with
    ``requires_grad=False`` come back frozen; the training/evaluation mode is the module's."""
    from .regularization import Dropout
    torch = require_torch()
    read, p = _read_sequential(torch, module)
    for r in read:
        r.activation = r.activation or "identity"
    names = _recorded(module, read)
    if batched is None:
        batched = names is not None and names.kind == "TensorMLP"
    inputs = list(names.input_names) if names is not None else None
    if batched:
        model: Union[MLP, TensorMLP] = TensorMLP.from_layers([_tensor_layer(l, r) for l, r in enumerate(read)],
                                                              input_names=inputs)
    else:
        layer_names = names.layers if names is not None and names.kind == "MLP" else [None] * len(read)
        before = np.cumsum([0] + [r.linear.in_features * r.linear.out_features for r in read])
        layers = [_scalar_layer(l, len(read), r, layer_names[l], int(before[l])) for l, r in enumerate(read)]
        model = MLP.from_layers(layers, input_names=inputs)
    if p:
        model.dropout = Dropout(p)
    model.train(module.training)
    return model


# --- chainrule's losses in torch ----------------------------------------------------------

LOSS_NAMES = ("half_sse", "mse", "mse_half", "cross_entropy", "absolute", "hinge")  # = nn.losses.LOSSES

def loss_terms(name: str, outputs: Any, targets: Any) -> tuple[Any, float]:
    """(the per-output terms, the scale) of chainrule's loss ``name`` in torch:
    the loss is scale * terms.sum(); a term is the slides' E_o1 for one sample.
    ``outputs``: one sample (k,) or a batch (N, k); ``targets`` the same shape
    (class indices (N,) for cross_entropy too)."""
    torch = require_torch()
    o = outputs
    t = torch.as_tensor(targets)
    if name == "cross_entropy" and t.dim() == o.dim() - 1 and not t.is_floating_point():
        t = torch.nn.functional.one_hot(t.long(), o.shape[-1])
    t = t.to(o.dtype)
    n = o.shape[0] if o.dim() == 2 else 1
    rules = {
        "half_sse": (lambda: 0.5 * (t - o) ** 2, 1.0),
        "mse": (lambda: (t - o) ** 2, 1.0 / n),
        "mse_half": (lambda: (t - o) ** 2, 0.5 / n),
        "cross_entropy": (lambda: -t * torch.log(o), 1.0 / n),
        "absolute": (lambda: (t - o).abs(), 1.0 / n),
        "hinge": (lambda: torch.relu(1.0 - t * o), 1.0 / n),
    }
    if name not in rules:
        raise ValueError(_("no torch form of the loss {name} (choose from {names})").format(
            name=repr(name), names=", ".join(LOSS_NAMES)))
    term, scale = rules[name]
    return term(), scale


def torch_loss(name: str) -> Callable[[Any, Any], Any]:
    """chainrule's loss ``name`` (see nn.losses) as a torch function of
    (outputs, targets), the same formula and reduction."""
    require_torch()
    if name not in LOSS_NAMES:
        raise ValueError(_("no torch form of the loss {name} (choose from {names})").format(
            name=repr(name), names=", ".join(LOSS_NAMES)))

    def loss(outputs: Any, targets: Any) -> Any:
        terms, scale = loss_terms(name, outputs, targets)
        return terms.sum() * scale
    return loss
