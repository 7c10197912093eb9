"""The slides' picture of a network: inputs, neurons in layers, a weight on
every edge (its value and grad), and shared biases as their own nodes.

Works with the scalar ``nn.MLP`` (layers of ``Neuron``s with ``w`` and ``b``)
and the batched ``nn.linear.TensorMLP`` (layers with a weight matrix ``W`` of
shape (inputs, neurons) and a bias vector ``b``), read through their public
attributes only.
"""
from __future__ import annotations

import math
import textwrap
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from autograd import Node, no_grad

from . import style
from .render import Digraph

ACTIVATION_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "step": "step",
                      "identity": "", "softmax": "softmax"}

# Past this many weights, numbers on the edges would pile up: colour and width
# tell the weights instead (the live view always does).
MAX_LABELLED_WEIGHTS = 40


@dataclass
class _Param:
    label: str
    data: float
    grad: float


@dataclass
class _Neuron:
    name: str
    weights: list  # of _Param, one per input of the layer
    bias: Optional[_Param] = None  # its own bias (a shared one lives on the layer)


@dataclass
class _Layer:
    activation: str
    neurons: list = field(default_factory=list)
    shared_bias: Optional[_Param] = None


def _param(node: Node, label: str = "") -> _Param:
    grad = node.grad.data if isinstance(node.grad, Node) else node.grad
    return _Param(label or node.label, float(np.asarray(node.data).reshape(-1)[0]),
                  float(np.asarray(grad).reshape(-1)[0]))


def _neuron_names(n_layers: int, sizes: Sequence[int]) -> list[list[str]]:
    """h1.. (h1_1.. with several hidden layers), o1.. for the output layer."""
    names = []
    for k, size in enumerate(sizes):
        if k == n_layers - 1:
            names.append([f"o{i + 1}" for i in range(size)])
        elif n_layers == 2:
            names.append([f"h{i + 1}" for i in range(size)])
        else:
            names.append([f"h{k + 1}_{i + 1}" for i in range(size)])
    return names


def _read_model(model: Any) -> tuple[list[str], list[_Layer]]:
    """(input names, layers) from an MLP, a Layer, a Neuron or a TensorMLP."""
    if hasattr(model, "layers"):
        layers = list(model.layers)
    elif hasattr(model, "neurons") or hasattr(model, "W"):
        layers = [model]
    elif isinstance(getattr(model, "w", None), (list, tuple)):
        layers = [_OneNeuron(model)]
    else:
        raise TypeError(
            f"draw_network() needs a network (an MLP with .layers of neurons, a Layer, a Neuron "
            f"or a TensorMLP), got {type(model).__name__}; for the computation graph of a "
            "value use viz.draw_graph(loss)"
        )
    if not layers:
        raise ValueError("draw_network(): the model has no layers")
    out: list[_Layer] = []
    if hasattr(layers[0], "W"):  # batched layers: weight matrices (inputs, neurons)
        names = _neuron_names(len(layers), [layer.W.data.shape[1] for layer in layers])
        for k, layer in enumerate(layers):
            W, b = layer.W, getattr(layer, "b", None)
            Wd, Wg = np.asarray(W.data, float), np.asarray(_grad_array(W), float)
            spec = _Layer(layer.activation)
            bias_shared = b is not None and np.asarray(b.data).size == 1
            if bias_shared:
                spec.shared_bias = _param(b)
            for i in range(Wd.shape[1]):
                weights = [_Param(f"{W.label}[{j},{i}]", Wd[j, i], Wg[j, i])
                           for j in range(Wd.shape[0])]
                bias = None
                if b is not None and not bias_shared:
                    bias = _Param(f"{b.label}[{i}]", float(np.asarray(b.data)[i]),
                                  float(np.asarray(_grad_array(b))[i]))
                spec.neurons.append(_Neuron(names[k][i], weights, bias))
            out.append(spec)
        nin = np.asarray(layers[0].W.data).shape[0]
        names = getattr(model, "input_names", None)
        return (list(names) if names else [f"x{j + 1}" for j in range(nin)]), out
    for layer in layers:
        neurons = list(layer.neurons)
        ids = [id(n.b) for n in neurons if getattr(n, "b", None) is not None]
        shared = len(neurons) > 1 and len(ids) == len(neurons) and len(set(ids)) == 1
        spec = _Layer(getattr(layer, "activation", getattr(neurons[0], "activation", "")))
        if shared:
            spec.shared_bias = _param(neurons[0].b)
        for k, n in enumerate(neurons):
            bias = None if shared or getattr(n, "b", None) is None else _param(n.b)
            spec.neurons.append(_Neuron(getattr(n, "name", "") or f"n{k + 1}",
                                        [_param(w) for w in n.w], bias))
        out.append(spec)
    nin = len(out[0].neurons[0].weights)
    names = list(getattr(model, "input_names", None) or [f"x{j + 1}" for j in range(nin)])
    return names, out


class _OneNeuron:
    def __init__(self, neuron: Any) -> None:
        self.neurons = [neuron]
        self.activation = getattr(neuron, "activation", "")


def _grad_array(t: Node) -> Any:
    g = t.grad
    if isinstance(g, Node):
        g = g.data
    if g is None or (np.ndim(g) == 0 and np.ndim(t.data) > 0):
        return np.zeros_like(np.asarray(t.data, float)) + (0.0 if g is None else float(g))
    return g


def _run_alone(model: Any, rows: np.ndarray) -> Optional[list[list[float]]]:
    """Mean outputs of a lone Layer (a list of outputs) or Neuron (one output)."""
    if not callable(model):
        return None
    sums: Optional[np.ndarray] = None
    with no_grad():
        for x in rows.tolist():
            out = model(x)
            values = np.array([v.data for v in out] if isinstance(out, (list, tuple))
                              else [out.data], dtype=float)
            sums = values if sums is None else sums + values
    return [(sums / len(rows)).tolist()] if sums is not None else None


def layer_activations(model: Any, batch: Any) -> Optional[list[list[float]]]:
    """Mean output of every neuron over ``batch`` (one list per layer), computed
    without recording a graph; None if the model cannot be run on it. An MLP,
    a TensorMLP, a lone Layer or a lone Neuron."""
    if batch is None:
        return None
    rows = np.asarray(batch, dtype=float)
    if rows.ndim == 1:
        rows = rows[None, :]
    if not hasattr(model, "forward_layers"):
        if hasattr(model, "neurons") or isinstance(getattr(model, "w", None), (list, tuple)):
            return _run_alone(model, rows)
        return None
    with no_grad():
        if getattr(model, "batched", False):
            outs = model.forward_layers(rows)
            return [np.asarray(layer[0].data, float).reshape(len(rows), -1).mean(axis=0).tolist()
                    for layer in outs]
        sums: Optional[list[np.ndarray]] = None
        for x in rows.tolist():
            per = [np.array([v.data for v in layer]) for layer in model.forward_layers(x)]
            sums = per if sums is None else [a + b for a, b in zip(sums, per)]
    return [(s / len(rows)).tolist() for s in sums] if sums is not None else None


def draw_network(
    model: Any,
    *,
    digits: int = 6,
    x: Any = None,
    grads: Optional[bool] = None,
    weight_colors: Optional[bool] = None,
    title: str = "",
) -> Digraph:
    """The network as the slides draw it: input nodes, then each layer's
    neurons (name and activation), each weight with its value and grad
    (``digits`` decimals) on its edge, next to the neuron it feeds, a shared
    bias as one node feeding its whole layer. ``model``: an MLP, a Layer, a
    Neuron or a TensorMLP.

    ``x``: one sample (or a batch) to run through the model: each neuron then
    shows its output (the batch mean). ``grads``: show the gradients; by
    default only when some are non-zero (before ``backward()`` they are all
    0). ``weight_colors``: colour (red +, blue -) and width (|w|) of the edges
    tell the weights; by default on for networks with more than 40 weights,
    where numbers on every edge could not be read. ``title``: a caption above
    the picture (say which pass the grads come from).
    """
    digits = style.check_digits(digits, "draw_network")
    inputs, layers = _read_model(model)
    activations = layer_activations(model, x) if x is not None else None
    if x is not None and activations is None:
        raise TypeError(f"draw_network(x=...): cannot run a {type(model).__name__} on a sample")
    n_weights = sum(len(n.weights) for layer in layers for n in layer.neurons)
    if weight_colors is None:
        weight_colors = n_weights > MAX_LABELLED_WEIGHTS
    if grads is None:
        grads = any(p.grad != 0.0 for p in _params(layers))
    batch_size = len(x) if x is not None and np.ndim(x) == 2 else 1
    return _network_digraph(inputs, layers, digits=digits, activations=activations,
                            numbers_on_edges=n_weights <= MAX_LABELLED_WEIGHTS,
                            weight_colors=weight_colors, show_grads=grads, title=title,
                            batch_size=batch_size)


def _params(layers: list[_Layer]) -> Iterator[_Param]:
    for layer in layers:
        if layer.shared_bias is not None:
            yield layer.shared_bias
        for n in layer.neurons:
            yield from n.weights
            if n.bias is not None:
                yield n.bias


def _network_digraph(inputs: list[str], layers: list[_Layer], *, digits: int,
                     activations: Optional[list[list[float]]], numbers_on_edges: bool,
                     weight_colors: bool, title: str = "", show_grads: bool = True,
                     batch_size: int = 2) -> Digraph:
    esc = style.esc
    dot = Digraph(name="network", format="svg")
    dot.attr("graph", rankdir="LR", fontname=style.FONT, bgcolor="white", pad="0.2",
             nodesep="0.2" if numbers_on_edges else "0.15",
             ranksep="0.35" if numbers_on_edges else "1.4", splines="true", ordering="out",
             outputorder="edgesfirst")
    dot.attr("node", fontname=style.FONT, fontsize="11", fontcolor=style.INK, color=style.MUTED)
    dot.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.5", color=style.EDGE)

    all_w = [abs(w.data) for layer in layers for n in layer.neurons for w in n.weights]
    largest_w = max(all_w, default=0.0)
    grads = {id(n): math.sqrt(sum(w.grad ** 2 for w in n.weights)
                              + (n.bias.grad ** 2 if n.bias else 0.0))
             for layer in layers for n in layer.neurons}
    largest_g = max(grads.values(), default=0.0) if show_grads else 0.0

    with dot.subgraph(name="rank_inputs") as s:
        s.attr(rank="same")
        for j, name in enumerate(inputs):
            s.node(f"in{j}", label=esc(name), shape="circle", style="filled",
                   fillcolor="#e0f2fe", color="#0284c7", width="0.5", fixedsize="false")
        column = [f"in{j}" for j in range(len(inputs))]
        if layers[0].shared_bias is not None:
            _bias_node(s, "bias0", layers[0].shared_bias, digits, show_grads)
            column.append("bias0")
        _keep_order(s, column)

    previous = [f"in{j}" for j in range(len(inputs))]
    for li, layer in enumerate(layers):
        ids = [f"L{li}_{i}" for i in range(len(layer.neurons))]
        with dot.subgraph(name=f"rank_{li}") as s:
            s.attr(rank="same")
            for i, n in enumerate(layer.neurons):
                act = activations[li][i] if activations and li < len(activations) else None
                s.node(ids[i], label=_neuron_label(n, layer, act, digits, numbers_on_edges,
                                                   show_grads),
                       tooltip=_neuron_tooltip(n, grads[id(n)], digits, show_grads),
                       **_neuron_attrs(layer, act, grads[id(n)], largest_g))
            if li + 1 < len(layers) and layers[li + 1].shared_bias is not None:
                _bias_node(s, f"bias{li + 1}", layers[li + 1].shared_bias, digits, show_grads)
                _keep_order(s, ids + [f"bias{li + 1}"])
            else:
                _keep_order(s, ids)
        # Weight numbers sit in a column of their own between the layers, grouped by
        # the neuron they feed (w1 w2 | w3 w4 | w5 w6), each on its edge: as nodes,
        # graphviz lays them out without overlaps. Edges leave each sender in neuron
        # order: with ordering=out the layers keep h1, h2, h3 top to bottom.
        labels = [[f"W{li}_{j}_{i}" for j in range(len(previous))]
                  for i in range(len(layer.neurons))]
        if numbers_on_edges:
            with dot.subgraph(name=f"rank_w{li}") as s:
                s.attr(rank="same")
                for i, n in enumerate(layer.neurons):
                    for j, w in enumerate(n.weights):
                        # white boxes drawn over the edges: a line passing behind a
                        # label never runs through its text
                        s.node(labels[i][j], label=_weight_label(w, digits, show_grads),
                               shape="box", style="filled", fillcolor="white", color="white",
                               penwidth="0", margin="0.05,0.02", height="0",
                               tooltip=_weight_tooltip(w, digits, show_grads))
                _keep_order(s, [lab for row in labels for lab in row])
        for j, i in ((j, i) for j in range(len(previous)) for i in range(len(layer.neurons))):
            w = layer.neurons[i].weights[j]
            attrs: dict[str, str] = {}
            if weight_colors:
                attrs.update(color=style.diverging(w.data, largest_w),
                             penwidth=f"{style.penwidth_for(w.data, largest_w, 0.4, 4.0):.2f}")
            if numbers_on_edges:
                dot.edge(previous[j], labels[i][j], arrowhead="none", **attrs)
                dot.edge(labels[i][j], ids[i], **attrs)
            else:
                dot.edge(previous[j], ids[i], tooltip=_weight_tooltip(w, digits, show_grads),
                         **attrs)
        if layer.shared_bias is not None:
            for i in range(len(layer.neurons)):
                dot.edge(f"bias{li}", ids[i], style="dashed", color="#d97706")
        previous = ids

    notes = []
    if weight_colors:
        notes.append("edges: red = positive weight, blue = negative, width grows with |w|")
    if activations:
        over = ", mean over the batch" if batch_size > 1 else ""
        notes.append(f"neuron fill: its output (white 0, green up to 1, purple down to -1){over}")
    if largest_g > 0:
        notes.append("thick warm border: a neuron whose weights and bias get a large gradient")
    # under the picture: the caption (bold lines of a readable width), then the notes
    rows = [f'<tr><td align="left"><b>{style.esc(line)}</b></td></tr>'
            for line in textwrap.wrap(title, 100)]
    rows += [f'<tr><td align="left"><font color="{style.MUTED}" point-size="10">{style.esc(t)}'
             "</font></td></tr>" for t in notes]
    if rows:
        dot.attr("graph", labelloc="b", labeljust="l", fontsize="12", label=style.html_label(rows))
    return dot


def _weight_label(w: _Param, digits: int, show_grad: bool) -> str:
    esc, num = style.esc, style.number
    rows = [f'<tr><td><font color="{style.INK}"><b>{esc(w.label)}</b> '
            f"{esc(num(w.data, digits))}</font></td></tr>"]
    if show_grad:
        rows.append(f'<tr><td><font color="{style.GRAD}">grad {esc(num(w.grad, digits))}'
                    "</font></td></tr>")
    return style.html_label(rows, cellpadding="0")


def _weight_tooltip(w: _Param, digits: int, show_grad: bool = True) -> str:
    text = f"{w.label} = {style.number(w.data, digits)}"
    return text + (f", grad {style.number(w.grad, digits)}" if show_grad else "")


def _keep_order(g: Any, column: list[str]) -> None:
    """Invisible flat edges keep a column top to bottom (x1, x2, ..., then the bias)."""
    for a, b in zip(column, column[1:]):
        g.edge(a, b, style="invis")


def _bias_node(g: Any, node_id: str, b: _Param, digits: int, show_grad: bool = True) -> None:
    rows = style.value_rows(b.label, b.data, b.grad, digits, show_grad=show_grad)
    g.node(node_id, label=style.html_label(rows), shape="box", style="rounded,filled",
           fillcolor="#fffbeb", color="#d97706", margin="0.06,0.03")


def _neuron_tooltip(n: _Neuron, grad_norm: float, digits: int, show_grad: bool = True) -> str:
    num = style.number
    parts = [f"{n.name}: |grad of its weights and bias| = {num(grad_norm, digits)}"
             if show_grad else n.name]
    if n.bias is not None:
        parts.append(f"{n.bias.label} = {num(n.bias.data, digits)}"
                     + (f", grad {num(n.bias.grad, digits)}" if show_grad else ""))
    return "; ".join(parts)


def _neuron_label(n: _Neuron, layer: _Layer, act: Optional[float], digits: int,
                  detailed: bool, show_grad: bool = True) -> str:
    esc, num = style.esc, style.number
    symbol = ACTIVATION_SYMBOLS.get(layer.activation, layer.activation)
    rows = [f"<tr><td><b>{esc(n.name)}</b>"
            + (f' <font color="{style.MUTED}">{esc(symbol)}</font>' if symbol else "")
            + "</td></tr>"]
    if n.bias is not None and detailed:
        rows.append(f'<tr><td><font point-size="9" color="{style.INK}">{esc(n.bias.label)} '
                    f"{esc(num(n.bias.data, digits))}</font></td></tr>")
        if show_grad:
            rows.append(f'<tr><td><font point-size="9" color="{style.GRAD}">grad '
                        f"{esc(num(n.bias.grad, digits))}</font></td></tr>")
    if act is not None:
        rows.append(f'<tr><td><font point-size="9" face="{style.MONO}">out '
                    f"{esc(num(act, digits))}</font></td></tr>")
    return style.html_label(rows)


def _neuron_attrs(layer: _Layer, act: Optional[float], grad_norm: float,
                  largest_g: float) -> dict[str, str]:
    attrs = {"shape": "circle", "style": "filled", "fillcolor": "#ffffff",
             "color": "#475569", "margin": "0.02"}
    if act is not None and math.isfinite(act):
        # Fill from white towards green as the output rises to 1, towards purple
        # as it falls to -1 (tanh), clipped there.
        t = min(abs(act), 1.0)
        hue = (34, 197, 94) if act >= 0 else (147, 51, 234)
        r, g, b = (round(255 + (c - 255) * t * 0.8) for c in hue)
        attrs["fillcolor"] = f"#{r:02x}{g:02x}{b:02x}"
    if largest_g > 0:
        attrs["penwidth"] = f"{style.penwidth_for(grad_norm, largest_g, 1.0, 4.0):.2f}"
        attrs["color"] = style.GRAD if grad_norm >= 0.5 * largest_g else "#475569"
    return attrs
