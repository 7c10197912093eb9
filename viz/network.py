"""The slides' picture of a network: inputs, neurons in layers, a weight on
every edge (its value and grad), and the biases: shared ones as nodes of their
own (b1, b2) when every layer shares one, else each in its neuron (all or none:
a picture never mixes the two).

One drawing, in two sizes: the full one (names, activations, numbers) and a
compact one for networks with tall columns (38 inputs), nodes sized so that
every column fits a given height, edge colour and width telling the weights,
the numbers in tooltips; the live view (:mod:`viz.live`) shows either.

The model is read through nn's interface (:mod:`nn.views`, by
:mod:`viz.reader`): ``describe()`` gives the names, weights (rows = receiving
neuron) and biases, ``activations(batch)`` the outputs shown in the neurons.
"""
from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

import numpy as np

from nn.views import LayerView, NetworkView, Param

from . import reader, style
from .render import Digraph
from .i18n import _

ACTIVATION_SYMBOLS = {"sigmoid": "σ", "tanh": "tanh", "relu": "relu", "leaky_relu": "leaky relu",
                      "elu": "elu", "softplus": "softplus", "step": "step", "identity": "",
                      "softmax": "softmax"}

# Past this many weights, numbers on the edges would pile up: colour and width
# tell the weights instead (the live view always does).
MAX_LABELLED_WEIGHTS = 40
# More nodes than this in one column (inputs or a layer): the compact picture fits
# better (draw_network(compact=None), the live view).
COMPACT_COLUMN = 10
COLUMN_HEIGHT = 400.0  # points (1/72 in) the tallest column of a compact picture takes
# A neuron's gradient is "large" (the warm border) when it stands out from the
# picture's other neurons: this many times their mean, and at least half the largest.
LARGE_GRADIENT = 1.25
# The smallest name a compact neuron shows (pt); a column whose names cannot all be
# this large inside their circles names its first and last neuron only, or none.
MIN_LABEL_PT = 5.0


@dataclass(frozen=True)
class Look:
    """How a network picture is drawn.

    ``numbers``: each weight's value (and grad) on its edge; ``colors``: edge
    colour and width from the weight; ``grads``: show gradients;
    ``activations``: each neuron's mean output, one list per layer (or None);
    ``batch_size``: how many samples those are the mean of. ``compact``:
    nodes sized so that every column fits ``column_height`` points, the
    numbers only in tooltips (and colours on).
    """

    digits: int = 6
    numbers: bool = True
    colors: bool = False
    grads: bool = True
    activations: Optional[list[list[float]]] = None
    batch_size: int = 1
    title: str = ""
    compact: bool = False
    column_height: float = COLUMN_HEIGHT


def layer_activations(model: Any, batch: Any) -> Optional[list[list[float]]]:
    """Mean output of every neuron over ``batch`` (one list per layer; one
    sample counts as a batch of one), computed without recording a graph;
    None for no batch. An MLP, a TensorMLP, a lone Layer or a lone Neuron."""
    if batch is None:
        return None
    return [a.mean(axis=0).tolist() for a in reader.activations(model, batch, "layer_activations()")]


def draw_network(
    model: Any,
    *,
    digits: int = 6,
    x: Any = None,
    grads: Optional[bool] = None,
    weight_colors: Optional[bool] = None,
    title: str = "",
    compact: Optional[bool] = False,
) -> Digraph:
    """The network as the slides draw it: input nodes, then each layer's
    neurons (name and activation), each weight with its value and grad
    (``digits`` decimals) on its edge, next to the neuron it feeds, a shared
    bias as one node feeding its whole layer (if no layer has one bias per
    neuron: else every bias is shown in its neuron, draws_bias_nodes). ``model``: an MLP, a Layer, a
    Neuron or a TensorMLP (any model with nn.views' ``describe()`` and
    ``activations()``).

    ``x``: one sample (or a batch) to run through the model: each neuron then
    shows its output (the batch mean). ``grads``: show the gradients; by
    default only when some are non-zero (before ``backward()`` they are all
    0). ``weight_colors``: colour (red +, blue -) and width (|w|) of the edges
    tell the weights; by default on for networks with more than 40 weights,
    where numbers on every edge could not be read. ``title``: a caption above
    the picture (say which pass the grads come from). ``compact``: small nodes
    sized so that every column fits about 530 pixels (38 inputs still read),
    the numbers in tooltips, neurons named by column_names' rule; None:
    compact if a column has more than 10 nodes.
    """
    digits = style.check_digits(digits, "draw_network")
    view = reader.describe(model, "draw_network()")
    n_weights = sum(layer.weights.size for layer in view.layers)
    compact = is_tall(view) if compact is None else bool(compact)
    look = Look(
        digits=digits,
        numbers=n_weights <= MAX_LABELLED_WEIGHTS and not compact,
        colors=(n_weights > MAX_LABELLED_WEIGHTS or compact) if weight_colors is None
        else weight_colors,
        grads=any(p.grad != 0.0 for p in _params(view)) if grads is None else grads,
        activations=layer_activations(model, x),
        batch_size=len(x) if x is not None and np.ndim(x) == 2 else 1,
        title=title,
        compact=compact,
    )
    return network_digraph(view, look)


def is_tall(view: NetworkView) -> bool:
    """A column (the inputs or a layer) of more than COMPACT_COLUMN nodes."""
    return max([len(view.inputs)] + [layer.size for layer in view.layers]) > COMPACT_COLUMN


def _params(view: NetworkView) -> Iterator[Param]:
    for layer in view.layers:
        if layer.shared_bias is not None:
            yield layer.shared_bias
        for i in range(layer.size):
            yield from (layer.weight(i, j) for j in range(layer.nin))
            if layer.bias(i) is not None:
                yield layer.bias(i)


class _Scale:
    """What colours and widths are measured against: the largest |weight| and,
    per neuron, the size of its parameters' gradient."""

    def __init__(self, view: NetworkView, look: Look) -> None:
        self.largest_w = max(float(np.abs(layer.weights).max()) for layer in view.layers)
        self.bias_nodes = draws_bias_nodes(view)
        self.grad_norms = [[_grad_norm(layer, i, self.bias_nodes) for i in range(layer.size)]
                           for layer in view.layers]
        self.largest_g = (max(max(norms) for norms in self.grad_norms) if look.grads else 0.0)
        # measured against every neuron of the picture, not layer by layer
        flags = iter(large_gradients([g for norms in self.grad_norms for g in norms]))
        self.large = [[next(flags) and self.largest_g > 0 for _g in norms]
                      for norms in self.grad_norms]
        n_weights = sum(layer.weights.size for layer in view.layers)
        self.widest = 4.0 if not look.compact else 3.0 if n_weights <= 200 else 1.8
        self.thinnest = 0.3 if look.compact else 0.4
        # compact: each column spread over column_height points (at most 16% of
        # it between two nodes), a node 85% of the space it gets, at most 22 pt
        sizes = [len(view.inputs)] + [layer.size for layer in view.layers]
        self.gaps = [min(look.column_height / n, 0.16 * look.column_height) for n in sizes]
        self.diameters = [min(0.85 * gap, 22.0) for gap in self.gaps]
        # compact: which neurons of each layer show their name, and at what size
        self.names = [column_names(layer.neurons, d,
                                   max(self.border(li, i) for i in range(layer.size)))
                      for li, (layer, d) in enumerate(zip(view.layers, self.diameters[1:]))]

    def border(self, li: int, i: int) -> float:
        """The width (pt) of neuron ``i`` of layer ``li``'s border, as _neuron_attrs
        draws it: 1, up to 4 for a large gradient."""
        if self.largest_g <= 0:
            return 1.0
        return round(style.penwidth_for(self.grad_norms[li][i], self.largest_g, 1.0, 4.0), 2)


def large_gradients(norms: Sequence[float]) -> list[bool]:
    """Which of the neurons' gradient sizes ``norms`` are large: at least
    LARGE_GRADIENT times their mean and at least half the largest. A gradient is
    large only next to smaller ones: when all are about the same size (or there
    is one neuron), none is; in a network whose first layers get almost nothing
    (vanishing gradients), the last layers' are."""
    finite = [g for g in norms if math.isfinite(g)]
    if not finite or max(finite) <= 0:
        return [False] * len(norms)
    threshold = max(LARGE_GRADIENT * sum(finite) / len(finite), 0.5 * max(finite))
    return [math.isfinite(g) and g >= threshold for g in norms]


def draws_bias_nodes(view: NetworkView) -> bool:
    """Biases as nodes of their own (the slides' b1, b2) only if no layer has
    one per neuron: then every bias is a node. Otherwise none is, and each
    neuron shows its bias (a one-neuron layer's single bias is its neuron's)."""
    return not any(layer.biases is not None and layer.biases.ndim for layer in view.layers)


def own_bias(layer: LayerView, i: int, bias_nodes: bool) -> Optional[Param]:
    """The bias neuron ``i`` shows itself: its own, or its layer's when that is no node."""
    return layer.bias(i) or (None if bias_nodes else layer.shared_bias)


def name_size(name: str, diameter: float, border: float = 1.0) -> float:
    """The largest font size (pt, at most 11) at which ``name`` lies inside a
    circle of ``diameter`` pt, inside its ``border`` (drawn across the circle's
    edge: half of it inside): the text's box (its width estimated by
    style.text_width, 0.8 em tall) within the circle."""
    r = diameter / 2 - border / 2
    half_width = style.text_width(name, 1.0) / 2
    return max(min(11.0, r / math.hypot(half_width, 0.4)), 0.0)


def column_names(names: tuple[str, ...], diameter: float, border: float = 1.0
                 ) -> tuple[float, tuple[int, ...]]:
    """The compact picture's rule for naming a layer's neurons: all of them, at
    one size, if each fits its circle at MIN_LABEL_PT or more; else the first
    and the last; else none. Returns (font size, indices named)."""
    for chosen in (tuple(range(len(names))), tuple(sorted({0, len(names) - 1}))):
        size = min(name_size(names[i], diameter, border) for i in chosen)
        if size >= MIN_LABEL_PT:
            return size, chosen
    return 0.0, ()


def _grad_norm(layer: LayerView, i: int, bias_nodes: bool) -> float:
    """|grad| of neuron ``i``'s weights and the bias it shows (own_bias) together."""
    own = own_bias(layer, i, bias_nodes)
    return math.sqrt(float(np.sum(layer.weight_grads[i] ** 2)) + (own.grad ** 2 if own else 0.0))


def network_digraph(view: NetworkView, look: Look) -> Digraph:
    """The picture of ``view`` drawn as ``look`` says (draw_network's and the live view's)."""
    dot = Digraph(name="network", format="svg")
    nodesep = "0.2" if look.numbers else "0.15"
    dot.attr("graph", rankdir="LR", fontname=style.FONT, bgcolor="white",
             pad="0.05" if look.compact else "0.2", nodesep="0.015" if look.compact else nodesep,
             ranksep="0.35" if look.numbers else "1.4",
             splines="line" if look.compact else "true", ordering="out",
             outputorder="edgesfirst")
    dot.attr("node", fontname=style.FONT, fontsize="11", fontcolor=style.INK, color=style.MUTED)
    dot.attr("edge", fontname=style.FONT, fontsize="9", arrowsize="0.5", color=style.EDGE,
             **({"arrowhead": "none"} if look.compact else {}))
    scale = _Scale(view, look)
    previous = _input_column(dot, view, look, scale)
    for li, layer in enumerate(view.layers):
        ids = _neuron_column(dot, view, li, look, scale)
        _weight_edges(dot, layer, li, previous, ids, look, scale)
        if layer.shared_bias is not None and scale.bias_nodes:
            for node in ids:
                dot.edge(f"bias{li}", node, style="dashed", color="#d97706")
        previous = ids
    _caption(dot, view, look, scale)
    return dot


def _input_column(dot: Digraph, view: NetworkView, look: Look, scale: _Scale) -> list[str]:
    """The inputs, top to bottom, and under them the first layer's shared bias."""
    ids = [f"in{j}" for j in range(len(view.inputs))]
    attrs = {"shape": "circle", "style": "filled", "fillcolor": "#e0f2fe", "color": "#0284c7",
             "width": "0.5", "fixedsize": "false"}
    with dot.subgraph(name="rank_inputs") as s:
        s.attr(rank="same")
        for node, name in zip(ids, view.inputs):
            extra = _compact_input(name, scale.gaps[0]) if look.compact else {}
            s.node(node, label=style.esc(name), **{**attrs, **extra})
        column = list(ids)
        if view.layers[0].shared_bias is not None and scale.bias_nodes:
            _bias_node(s, "bias0", view.layers[0].shared_bias, look)
            column.append("bias0")
        _keep_order(s, column)
    return ids


def _neuron_column(dot: Digraph, view: NetworkView, li: int, look: Look, scale: _Scale
                   ) -> list[str]:
    """Layer ``li``'s neurons, and under them the next layer's shared bias."""
    layer = view.layers[li]
    ids = [f"L{li}_{i}" for i in range(layer.size)]
    acts = look.activations[li] if look.activations and li < len(look.activations) else None
    with dot.subgraph(name=f"rank_{li}") as s:
        s.attr(rank="same")
        for i, node in enumerate(ids):
            act = acts[i] if acts is not None else None
            norm = scale.grad_norms[li][i]
            attrs = _neuron_attrs(act, norm, scale.largest_g, scale.large[li][i])
            if look.compact:
                s.node(node, **_compact_neuron(layer, i, act, look, scale, li), **attrs)
            else:
                s.node(node, label=_neuron_label(layer, i, act, look, scale.bias_nodes),
                       tooltip=_neuron_tooltip(layer, i, norm, look, scale.bias_nodes), **attrs)
        column = list(ids)
        following = view.layers[li + 1] if li + 1 < len(view.layers) else None
        if following is not None and following.shared_bias is not None and scale.bias_nodes:
            _bias_node(s, f"bias{li + 1}", following.shared_bias, look)
            column.append(f"bias{li + 1}")
        _keep_order(s, column)
    return ids


def _weight_edges(dot: Digraph, layer: LayerView, li: int, senders: list[str],
                  receivers: list[str], look: Look, scale: _Scale) -> None:
    """An edge per weight. With numbers, each weight's label is a node of its own in
    a column between the layers, grouped by the neuron it feeds (w1 w2 | w3 w4 |
    w5 w6): graphviz then lays them out without overlaps, and a white box drawn
    over the edges keeps lines passing behind out of the text. Edges leave each
    sender in neuron order: with ordering=out the layers keep h1, h2, h3 top to bottom."""
    labels = [[f"W{li}_{j}_{i}" for j in range(len(senders))] for i in range(len(receivers))]
    if look.numbers:
        with dot.subgraph(name=f"rank_w{li}") as s:
            s.attr(rank="same")
            for i in range(layer.size):
                for j in range(layer.nin):
                    w = layer.weight(i, j)
                    s.node(labels[i][j], label=_weight_label(w, look), shape="box", style="filled",
                           fillcolor="white", color="white", penwidth="0", margin="0.05,0.02",
                           height="0", tooltip=_weight_tooltip(w, look))
            _keep_order(s, [lab for row in labels for lab in row])
    for j, i in ((j, i) for j in range(len(senders)) for i in range(len(receivers))):
        w = layer.weight(i, j)
        attrs: dict[str, str] = {}
        if look.colors:
            attrs.update(color=style.diverging(w.value, scale.largest_w),
                         penwidth=f"{style.penwidth_for(w.value, scale.largest_w, scale.thinnest, scale.widest):.2f}")
        if look.numbers:
            dot.edge(senders[j], labels[i][j], arrowhead="none", **attrs)
            dot.edge(labels[i][j], receivers[i], **attrs)
        else:
            dot.edge(senders[j], receivers[i], tooltip=_weight_tooltip(w, look), **attrs)


def _caption(dot: Digraph, view: NetworkView, look: Look, scale: _Scale) -> None:
    """Under the picture: the title (bold), then how to read it; in the compact
    picture in lines no wider than the network (or the 420 pt, 560 px, the live
    view gives it), in the full one the title in lines of 100 characters. Each
    line's cell is given its width as style.text_width estimates it: a browser
    drawing it in a wider font than graphviz measured (DejaVu Sans for a missing
    Arial) still has room, and the picture is not cut off at the right."""
    if look.compact:
        width = max(_network_width(view, scale), 400.0)
        titles = wrap_to_width(look.title, 12, width, bold=True)
        notes = [line for note in _compact_notes(view, look, scale)
                 for line in wrap_to_width(note, 10, width)]
    else:
        titles, notes = textwrap.wrap(look.title, 100), _notes(view, look, scale)
    cell = '<tr><td align="left" width="{w}">{text}</td></tr>'
    rows = [cell.format(w=math.ceil(style.text_width(line, 12, bold=True)),
                        text=f"<b>{style.esc(line)}</b>") for line in titles]
    rows += [cell.format(w=math.ceil(style.text_width(line, 10)),
                         text=f'<font color="{style.MUTED}" point-size="10">{style.esc(line)}</font>')
             for line in notes]
    if rows:
        dot.attr("graph", labelloc="b", labeljust="l", fontsize="12", label=style.html_label(rows))


# a Chinese character (or fullwidth punctuation) may end a line; Latin text breaks after spaces
_TOKENS = re.compile(r"[\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]|[^\s\u2e80-\u9fff\u3000-\u303f\uff00-\uffef]+\s*|\s+")


def wrap_to_width(text: str, size: float, width: float, bold: bool = False) -> list[str]:
    """``text`` in lines of at most ``width`` points (style.text_width at ``size``),
    broken at spaces or between Chinese characters; a longer word gets a line of its own."""
    lines, line = [], ""
    for token in _TOKENS.findall(text):
        if line.strip() and style.text_width((line + token).rstrip(), size, bold) > width:
            lines.append(line.rstrip())
            line = token.lstrip()
        else:
            line += token
    return lines + ([line.rstrip()] if line.strip() else [])


def _network_width(view: NetworkView, scale: _Scale) -> float:
    """About how wide graphviz lays the compact picture out (pt), captions aside:
    the input pills, the columns of circles, 1.4 in between columns."""
    inputs = max(style.text_width(name, float(_compact_input(name, scale.gaps[0])["fontsize"]))
                 for name in view.inputs)
    return 100.8 * len(view.layers) + inputs + sum(scale.diameters[1:])


def _notes(view: NetworkView, look: Look, scale: _Scale) -> list[str]:
    # the full picture writes every bias with its name, in its box or neuron, unless
    # the numbers are off: then the neurons' own biases are in their tooltips only
    notes = [] if look.numbers or scale.bias_nodes else _bias_notes(view, look, scale)
    if look.colors:
        notes.append(_("edges: red = positive weight, blue = negative, width grows with |w|"))
    if look.activations:
        notes.append(_("neuron fill: its output (white 0, green up to 1, purple down to -1), mean "
                       "over the batch") if look.batch_size > 1 else
                     _("neuron fill: its output (white 0, green up to 1, purple down to -1)"))
    if any(map(any, scale.large)):
        notes.append(_("border width: the size of the gradient a neuron's weights and bias get; "
                       "warm: a large one (over {times} times the neurons' mean)").format(
            times=LARGE_GRADIENT))
    return notes


def _compact_notes(view: NetworkView, look: Look, scale: _Scale) -> list[str]:
    """Fewer, shorter lines: the compact picture is meant to fit a small height."""
    linear = _("linear")
    columns = [_("{count} inputs").format(count=len(view.inputs))] + [
        f"{layer.size} × {ACTIVATION_SYMBOLS.get(layer.activation, layer.activation) or linear}"
        for layer in view.layers]
    notes = [_("{columns}; hover a neuron or an edge for its numbers").format(
        columns=" · ".join(columns))]
    unnamed = [f"{layer.neurons[0]} … {layer.neurons[-1]}" for layer, (_size, named)
               in zip(view.layers, scale.names) if len(named) < layer.size]
    # the rule of column_names, said where it applies, and where the biases are
    where = _bias_notes(view, look, scale) + ([_("unnamed neurons: {ranges}, top to bottom").format(
        ranges=_(", ").join(unnamed))] if unnamed else [])
    notes += [_("; ").join(where)] if where else []
    if look.colors:
        notes.append(_("edges: red = positive weight, blue = negative, width grows with |w|"))
    parts = []
    if look.activations:
        parts.append(_("fill: mean output on the batch (white 0, green 1, purple -1)")
                     if look.batch_size > 1 else _("fill: output (white 0, green 1, purple -1)"))
    if any(map(any, scale.large)):
        parts.append(_("warm border: large gradient"))
    return notes + ([_("; ").join(parts)] if parts else [])


def _bias_notes(view: NetworkView, look: Look, scale: _Scale) -> list[str]:
    """Where the biases are: every one a box of its own, or every one in its neuron."""
    if all(layer.biases is None for layer in view.layers):
        return []
    if scale.bias_nodes:
        return [_("biases: the boxes {names}").format(
            names=_(", ").join(layer.shared_bias.label for layer in view.layers
                               if layer.shared_bias is not None))]
    return [_("biases: one per neuron, in its tooltip")]


def _weight_label(w: Param, look: Look) -> str:
    """``w1 = 0.5`` as the slides write it (the name apart from the number:
    "w10.5" would misread), and under it the grad."""
    esc, num = style.esc, style.number
    rows = [f'<tr><td><font color="{style.INK}"><b>{esc(w.label)}</b> = '
            f"{esc(num(w.value, look.digits))}</font></td></tr>"]
    if look.grads:
        rows.append(f'<tr><td><font color="{style.GRAD}">grad {esc(num(w.grad, look.digits))}'
                    "</font></td></tr>")
    return style.html_label(rows, cellpadding="0")


def _weight_tooltip(w: Param, look: Look) -> str:
    text = f"{w.label} = {style.number(w.value, look.digits)}"
    return text + (f", grad {style.number(w.grad, look.digits)}" if look.grads else "")


def _keep_order(g: Any, column: list[str]) -> None:
    """Invisible flat edges keep a column top to bottom (x1, x2, ..., then the bias)."""
    for a, b in zip(column, column[1:]):
        g.edge(a, b, style="invis")


def _bias_node(g: Any, node_id: str, b: Param, look: Look) -> None:
    if look.compact:  # its name; the numbers in the tooltip
        g.node(node_id, label=style.esc(b.label), tooltip=_weight_tooltip(b, look), shape="box",
               style="rounded,filled", fillcolor="#fffbeb", color="#d97706", fontsize="9",
               margin="0.03,0", height="0", width="0")
        return
    rows = style.value_rows(b.label, b.value, b.grad, look.digits, show_grad=look.grads)
    g.node(node_id, label=style.html_label(rows), shape="box", style="rounded,filled",
           fillcolor="#fffbeb", color="#d97706", margin="0.06,0.03")


def _neuron_tooltip(layer: LayerView, i: int, grad_norm: float, look: Look,
                    bias_nodes: bool) -> str:
    num, name, own = style.number, layer.neurons[i], own_bias(layer, i, bias_nodes)
    parts = [_("{name}: |grad of its weights and bias| = {norm}").format(
        name=name, norm=num(grad_norm, look.digits)) if look.grads else name]
    if own is not None:
        parts.append(f"{own.label} = {num(own.value, look.digits)}"
                     + (f", grad {num(own.grad, look.digits)}" if look.grads else ""))
    return "; ".join(parts)


def _neuron_label(layer: LayerView, i: int, act: Optional[float], look: Look,
                  bias_nodes: bool) -> str:
    esc, num, digits = style.esc, style.number, look.digits
    symbol = ACTIVATION_SYMBOLS.get(layer.activation, layer.activation)
    rows = [f"<tr><td><b>{esc(layer.neurons[i])}</b>"
            + (f' <font color="{style.MUTED}">{esc(symbol)}</font>' if symbol else "")
            + "</td></tr>"]
    own = own_bias(layer, i, bias_nodes)
    if own is not None and look.numbers:
        rows.append(f'<tr><td><font point-size="9" color="{style.INK}">{esc(own.label)} '
                    f"{esc(num(own.value, digits))}</font></td></tr>")
        if look.grads:
            rows.append(f'<tr><td><font point-size="9" color="{style.GRAD}">grad '
                        f"{esc(num(own.grad, digits))}</font></td></tr>")
    if act is not None:
        rows.append(f'<tr><td><font point-size="9" face="{style.MONO}">out '
                    f"{esc(num(act, digits))}</font></td></tr>")
    return style.html_label(rows)


def _compact_input(name: str, gap: float) -> dict[str, str]:
    """An input of the compact picture: its name in a pill as tall as the space
    each input gets (less nodesep), in the largest font that fits: graphviz
    makes a line of text 1.2 times its font size tall."""
    height = min(max(gap - 1.2, 1.0), 18.0)  # nodesep: 0.015 in = 1.08 pt
    return {"shape": "box", "style": "rounded,filled", "width": "0", "margin": "0.03,0",
            "height": f"{height / 72:.3f}", "penwidth": "0.6",
            "fontsize": f"{max(height / 1.22, 5.0):.1f}"}


def _compact_neuron(layer: LayerView, i: int, act: Optional[float], look: Look,
                    scale: _Scale, li: int) -> dict[str, str]:
    """A neuron of the compact picture: its name inside if its column's rule
    (column_names) names it, its numbers (and its mean output) in the tooltip."""
    tip = _neuron_tooltip(layer, i, scale.grad_norms[li][i], look, scale.bias_nodes)
    if act is not None:
        tip += "; " + _("mean output {value}").format(value=style.number(act, look.digits))
    size, named = scale.names[li]
    diameter = scale.diameters[li + 1]
    # rounded down: the size written is never larger than the one that fits
    return {"label": style.esc(layer.neurons[i]) if i in named else "", "tooltip": tip,
            "fixedsize": "true", "width": f"{diameter / 72:.3f}",
            "fontsize": f"{math.floor(size * 10) / 10:.1f}" if named else "5"}


def _neuron_attrs(act: Optional[float], grad_norm: float, largest_g: float, large: bool
                  ) -> dict[str, str]:
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
        attrs["color"] = style.GRAD if large else "#475569"
    return attrs
