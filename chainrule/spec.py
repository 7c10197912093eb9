"""The spec format: a hand exercise as a small TOML file describing a fully
connected network, read and validated here (files, text, the built-in presets).
:mod:`chainrule.solver` solves it with the engine under both update conventions,
with every figure a worked solution shows (forward values, chain-rule factors
from the engine's backward trace, updates, values after K updates) and a check
of printed figures.

The spec format, a UTF-8 TOML file (``chainrule bp --preset bp232 --print-spec`` prints one)::

    name = "bp232"
    inputs = [5, 10]
    targets = [0.01, 0.99]
    input_names = ["l1", "l2"]
    activation = "sigmoid"        # sigmoid tanh relu leaky_relu elu softplus step identity softmax
    loss = "half_sse"             # half_sse mse mse_half cross_entropy absolute hinge
    learning_rate = 0.5
    convention = "sequential"     # or "simultaneous" (the default)
    after = [9, 100]              # also report values after K updates
    figures_from = "slides"       # optional: where the slide_check figures come from;
                                  # "slides" (the presets) titles the check a slide check
    title = "..."                 # optional, as source; title_zh, source_zh: the same in
                                  # the Chinese report

    [[layers]]
    neurons = ["h1", "h2", "h3"]
    weights = [[0.1, 0.15], [0.2, 0.25], [0.3, 0.35]]   # rows = receiving neuron
    weight_names = [["w1", "w2"], ["w3", "w4"], ["w5", "w6"]]
    bias = 0.35                   # a number = one bias shared by the layer,
    bias_names = "b1"             # a list = one per neuron, absent = no bias
    train_bias = false

    [[slide_check]]               # optional: figures to check (from slides or by hand)
    figure = "w1+"
    slide = "0.094534"
    quantity = "w1+"
    note = "..."
    note_zh = "..."               # optional: the Chinese report's note, the same {quantities}
                                  # in the same order (figure_zh: its Chinese label)

Quantities (in ``slide_check``, and in ``{...}`` or ``{...:digits}``, at most 17 digits, inside
notes): a node's name
(``out_h1``: its value in the first forward pass), ``dA/dB`` (the derivative of A
with respect to B, summed over every path, from the backward trace),
``w1+`` (after the first update), ``Δw1`` (the change), ``name@K`` (after K
updates), and a leading ``-`` for the negative.
"""
from __future__ import annotations

import codecs
import math
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

from nn import naming
from nn.i18n import language
from nn.layers import ACTIVATIONS
from nn.losses import LOSSES
from nn.train import CONVENTIONS

from .errors import ArgumentError, SpecError, clip, show
from .i18n import N_, _
from .quantities import MAX_UPDATES, PLACEHOLDER, parse_quantity

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

# A worked solution writes out the chain rule for every weight (about four lines
# each): past this many weights and biases it cannot be read, only scrolled.
MAX_PARAMETERS = 5_000
PRESETS = ("bp232", "exercise211")
# The largest network a report shows (5,000 weights, with names and notes) is well under 1 MB.
MAX_SPEC_BYTES = 10_000_000
# {quantity:digits} in a note: decimals past a float's ~17 significant digits are noise
MAX_NOTE_DIGITS = 17
# Cross-entropy takes the log of the outputs: they must be probabilities.
PROBABILITY_OUTPUTS = ("softmax", "sigmoid")


# --- the spec -----------------------------------------------------------------------------

@dataclass
class LayerSpec:
    neurons: list[str]
    weights: list[list[float]]
    weight_names: list[list[str]]
    bias: Union[None, float, list[float]]
    bias_names: Union[None, str, list[str]]
    train_bias: bool
    activation: str

    def weight_list(self) -> list[str]:
        """The weights' names row by row (a row is the receiving neuron)."""
        return [w for row in self.weight_names for w in row]

    def bias_list(self) -> list[str]:
        """The biases' names: none, the one the layer shares, or one per neuron."""
        if self.bias is None:
            return []
        return [self.bias_names] if isinstance(self.bias_names, str) else list(self.bias_names)

    def bias_of(self, i: int) -> str:
        """The name of neuron i's bias ("" without one)."""
        if self.bias is None:
            return ""
        return self.bias_names if isinstance(self.bias_names, str) else self.bias_names[i]


@dataclass
class SlideFigure:
    figure: str
    slide: str
    quantity: str
    note: str = ""
    figure_zh: str = ""  # the Chinese report's label and note (the English ones where empty)
    note_zh: str = ""

    def label(self) -> str:
        """The figure's label in the language of the moment."""
        return self.figure_zh if language() == "zh" and self.figure_zh else self.figure

    @property
    def value(self) -> float:
        return float(self.slide)

    @property
    def tolerance(self) -> float:
        """One unit in the last printed digit (inf past the floats: parse_spec refuses those)."""
        # Decimal reads the place of the last digit of any float literal ("1.5e3" -> 2)
        place = Decimal(self.slide.strip()).as_tuple().exponent
        return float(f"1e{place}") if isinstance(place, int) else math.nan


@dataclass
class Spec:
    name: str
    inputs: list[float]
    targets: list[float]
    input_names: list[str]
    activation: str
    loss: str
    learning_rate: float
    convention: str
    layers: list[LayerSpec]
    after: list[int] = field(default_factory=list)
    title: str = ""
    source: str = ""
    title_zh: str = ""  # the Chinese report's title and source (the English ones where empty)
    source_zh: str = ""
    figures_from: str = ""  # where the slide_check figures come from ("slides" for the presets)
    slide_check: list[SlideFigure] = field(default_factory=list)

    def text(self, key: str) -> str:
        """``title`` or ``source`` in the language of the moment."""
        chinese = getattr(self, f"{key}_zh")
        return chinese if language() == "zh" and chinese else getattr(self, key)

    @property
    def outputs(self) -> list[str]:
        return self.layers[-1].neurons

    @property
    def from_slides(self) -> bool:
        """The slide_check figures are printed on slides (the presets say
        ``figures_from = "slides"``), not worked out by the spec's author."""
        return self.figures_from.lower() == "slides"

    def labels(self) -> set[str]:
        """Every name a node of this network's graph carries."""
        names = set(self.input_names) | {naming.TOTAL_ERROR}
        for layer in self.layers:
            for n in layer.neurons:
                names |= {naming.net(n), naming.out(n)}
            names |= set(layer.weight_list())
            names |= set(layer.bias_list())
        names |= {naming.error_of(n) for n in self.outputs}
        return names

    def parameter_names(self) -> list[str]:
        """Layer by layer: the weights in reading order (w1, w2, ..., w10), then the biases."""
        names: list[str] = []
        for layer in self.layers:
            names += sorted(layer.weight_list(), key=naming.reading_order)
            names += sorted(layer.bias_list(), key=naming.reading_order)
        return names


TOP_KEYS = ("name", "title", "title_zh", "source", "source_zh", "figures_from",
            "inputs", "targets", "input_names", "activation", "loss",
            "learning_rate", "convention", "after", "layers", "slide_check")
LAYER_KEYS = ("neurons", "weights", "weight_names", "bias", "bias_names", "train_bias",
              "activation")
CHECK_KEYS = ("figure", "figure_zh", "slide", "quantity", "note", "note_zh")


def _is_number(x: Any) -> bool:
    """A TOML integer or float, not a boolean (finite or not: see _float)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _float(x: Any, key: str, what: str = "") -> float:
    """Every number of a spec is read here: a float, or a SpecError naming
    ``key`` (TOML integers have no size limit, floats stop at about 1.8e308).
    ``what``: the number expected, translated ("a number" by default)."""
    what = what or _("a number")
    if not _is_number(x):
        raise SpecError(key, _("expected {what}, got {value}").format(what=what, value=show(x)))
    try:
        value = float(x)
    except OverflowError:
        raise SpecError(key, _("{value} is too large for a float (the largest is about "
                               "1.8e308)").format(value=show(x))) from None
    if not math.isfinite(value):
        raise SpecError(key, _("expected {what}, got {value}").format(what=what, value=show(x)))
    return value


def _numbers(x: Any, key: str, length: Optional[int] = None, what: str = "") -> list[float]:
    """A list of numbers (``length`` of them if given); ``what``: their name, translated."""
    what = what or _("numbers")
    if not isinstance(x, list) or not x:
        raise SpecError(key, _("expected a non-empty list of {what}, got {value}").format(
            what=what, value=show(x)))
    values = [_float(v, f"{key}[{i}]") for i, v in enumerate(x)]
    if length is not None and len(x) != length:
        raise SpecError(key, _("expected {count} {what}, got {got}").format(
            count=length, what=what, got=len(x)))
    return values


def _names(x: Any, key: str, length: int) -> list[str]:
    if not isinstance(x, list):
        raise SpecError(key, _("expected a list of {count} names, got {value}").format(
            count=length, value=show(x)))
    if len(x) != length:
        raise SpecError(key, _("expected {count} names, got {got}").format(count=length, got=len(x)))
    for i, v in enumerate(x):
        _check_name(v, f"{key}[{i}]")
    return list(x)


def _check_name(v: Any, key: str) -> str:
    if not isinstance(v, str) or not v.isidentifier():
        raise SpecError(key, _("a name must be a word of letters, digits and _ (like w1 or h1), "
                               "got {value}").format(value=show(v)))
    return v


def _choice(x: Any, key: str, options: tuple[str, ...]) -> str:
    if x not in options:
        raise SpecError(key, _("unknown value {value} (choose from {options})").format(
            value=show(x), options=", ".join(options)))
    return x


def _figures_from(x: Any) -> str:
    if not isinstance(x, str):
        raise SpecError("figures_from", _("expected a string such as \"slides\" or \"my notes\", "
                                          "got {value}").format(value=show(x)))
    return _text(x, "figures_from").strip()


# What no report line, console or picture can show: control characters (a note
# may break lines and tab), lone surrogates, and U+FFFE/U+FFFF (XML, and so
# Graphviz's labels, refuses them).
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNSHOWABLE_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_KINDS = {"Cc": N_("a control character"), "Cs": N_("a lone surrogate"), "Cn": N_("a noncharacter")}


def _text(x: Any, key: str, lines: bool = False) -> str:
    """Every free text of a spec (name, title, notes, ...) is read here: a
    string that a report, a console and a picture can all show."""
    if not isinstance(x, str):
        raise SpecError(key, _("expected a string, got {value}").format(value=show(x)))
    bad = (_UNSHOWABLE_IN_LINES if lines else _UNSHOWABLE).search(x)
    if bad:
        c = bad.group()
        raise SpecError(key, _("has {code}, {kind}, at character {at}: a report, a console or a "
                               "picture cannot show it (write plain text)").format(
            code=f"U+{ord(c):04X}", kind=_(_KINDS[unicodedata.category(c)]), at=bad.start() + 1))
    return x


def _check_loss(loss: str, output_activation: str, last: int, targets: list[float]) -> None:
    """What a loss needs of the output layer and the targets."""
    if loss == "cross_entropy":
        if output_activation not in PROBABILITY_OUTPUTS:
            raise SpecError(f"layers[{last}].activation",
                            _("cross_entropy takes log(out) of each output, so the outputs must be "
                              "probabilities: use a softmax or sigmoid output layer, not "
                              "{name}").format(name=repr(output_activation)))
        for i, t in enumerate(targets):
            if not 0 <= t <= 1:
                raise SpecError(f"targets[{i}]", _("cross_entropy targets are probabilities "
                                                   "(0 to 1), got {value}").format(value=f"{t:g}"))
    if loss == "hinge":
        for i, t in enumerate(targets):
            if t not in (-1.0, 1.0):
                raise SpecError(f"targets[{i}]", _("hinge targets are -1 or +1, got {value}").format(
                    value=f"{t:g}"))


def _check_size(inputs: list[float], layers: list[LayerSpec]) -> None:
    n = 0
    nin = len(inputs)
    for layer in layers:
        n += nin * len(layer.neurons) + len(set(layer.bias_list()))
        nin = len(layer.neurons)
    if n > MAX_PARAMETERS:
        shape = "-".join(str(k) for k in [len(inputs)] + [len(la.neurons) for la in layers])
        # measured: about 4 lines per weight and 8 per neuron (50-50-1: 10,751; 2-1666-1: 35,140)
        lines = 4 * n + 8 * sum(len(la.neurons) for la in layers)
        lines = round(lines, 2 - len(str(lines)))
        raise SpecError("layers", _("the {shape} network has {count} weights and biases, more than "
                                    "the {most} a worked solution can show: it writes out the chain "
                                    "rule for each (about {lines} lines here), which nobody can read; "
                                    "train a network that size with nn.MLP and nn.train.fit").format(
            shape=shape, count=f"{n:,}", most=f"{MAX_PARAMETERS:,}", lines=f"{lines:,}"))


def parse_spec(data: dict[str, Any]) -> Spec:
    """Validate a spec (a dict, as read from TOML); a SpecError names the bad key.
    The keys are checked in the order a reader meets them, so that the first
    problem of a spec is the one reported."""
    _check_top_keys(data)
    name = _text(data.get("name", "exercise"), "name")
    inputs = _numbers(data["inputs"], "inputs")
    input_names = (_names(data["input_names"], "input_names", len(inputs)) if "input_names" in data
                   else naming.input_names(len(inputs)))
    activation = _choice(data.get("activation", "sigmoid"), "activation", ACTIVATIONS)
    loss = _choice(data.get("loss", "half_sse"), "loss", tuple(LOSSES))
    lr = _float(data["learning_rate"], "learning_rate", _("a positive number"))
    if lr <= 0:
        raise SpecError("learning_rate", _("expected {what}, got {value}").format(
            what=_("a positive number"), value=show(data["learning_rate"])))
    convention = _choice(data.get("convention", "simultaneous"), "convention", CONVENTIONS)
    after = _after(data.get("after", []))
    layers = _layers(data["layers"], len(inputs), activation)
    targets = _numbers(data["targets"], "targets", len(layers[-1].neurons),
                       _("targets (one per output neuron)"))
    _check_loss(loss, layers[-1].activation, len(layers) - 1, targets)
    _check_size(inputs, layers)
    _check_unique_names(input_names, layers)
    spec = Spec(name=name, inputs=inputs, targets=targets, input_names=input_names,
                activation=activation, loss=loss, learning_rate=lr, convention=convention,
                layers=layers, after=sorted(set(after)),
                title=_text(data.get("title", ""), "title"),
                source=_text(data.get("source", ""), "source"),
                title_zh=_text(data.get("title_zh", ""), "title_zh"),
                source_zh=_text(data.get("source_zh", ""), "source_zh"),
                figures_from=_figures_from(data.get("figures_from", "")))
    spec.slide_check = _slide_checks(data.get("slide_check", []), spec.labels())
    return spec


def _check_top_keys(data: dict[str, Any]) -> None:
    for key in data:
        if key not in TOP_KEYS:
            raise SpecError(key, _("unknown key (known keys: {keys})").format(keys=", ".join(TOP_KEYS)))
    for key in ("inputs", "targets", "learning_rate", "layers"):
        if key not in data:
            raise SpecError(key, _("missing"))


def _after(after: Any) -> list[int]:
    if not isinstance(after, list) or any(isinstance(k, bool) or not isinstance(k, int)
                                          or not 0 <= k <= MAX_UPDATES for k in after):
        raise SpecError("after", _("expected a list of update counts 0..{most}, got {value}").format(
            most=MAX_UPDATES, value=show(after)))
    return after


# --- layers ---

def _layers(raw_layers: Any, nin: int, activation: str) -> list[LayerSpec]:
    """The [[layers]] tables, each read with the sizes of the layer below it
    (``nin``: the number of inputs for the first) and the weights numbered on."""
    if not isinstance(raw_layers, list) or not raw_layers or not all(isinstance(t, dict) for t in raw_layers):
        raise SpecError("layers", _("expected one or more [[layers]] tables"))
    layers: list[LayerSpec] = []
    w_count = 0
    for l, table in enumerate(raw_layers):
        layer = _layer(table, l, len(raw_layers), nin, w_count, activation)
        layers.append(layer)
        nin, w_count = len(layer.neurons), w_count + nin * len(layer.neurons)
    if layers[-1].activation == "softmax" and len(layers[-1].neurons) < 2:
        raise SpecError(f"layers[{len(layers) - 1}].activation",
                        _("softmax needs at least 2 output neurons"))
    return layers


def _layer(table: dict[str, Any], l: int, count: int, nin: int, before: int, activation: str) -> LayerSpec:
    """Layer ``l`` of ``count``, fed by ``nin`` senders, after ``before`` weights."""
    key = f"layers[{l}]"
    for k in table:
        if k not in LAYER_KEYS:
            raise SpecError(f"{key}.{k}", _("unknown key (known layer keys: {keys})").format(
                keys=", ".join(LAYER_KEYS)))
    weights = _weights(table, key, "inputs" if l == 0 else f"layers[{l - 1}] neurons", nin)
    nout = len(weights)
    neurons = (_names(table["neurons"], f"{key}.neurons", nout) if "neurons" in table
               else naming.neuron_names(l, count, nout))
    if "weight_names" in table:
        wn = table["weight_names"]
        if not isinstance(wn, list) or len(wn) != nout:
            raise SpecError(f"{key}.weight_names", _("expected {count} rows (the shape of weights), "
                                                    "got {value}").format(count=nout, value=show(wn)))
        weight_names = [_names(r, f"{key}.weight_names[{i}]", nin) for i, r in enumerate(wn)]
    else:
        weight_names = naming.weight_names(nin, nout, before=before)
    bias, bias_names = _bias(table, key, l, neurons)
    train_bias = table.get("train_bias", True)
    if not isinstance(train_bias, bool):
        raise SpecError(f"{key}.train_bias", _("expected true or false, got {value}").format(
            value=show(train_bias)))
    act = _choice(table.get("activation", activation), f"{key}.activation", ACTIVATIONS)
    if act == "softmax" and l != count - 1:
        raise SpecError(f"{key}.activation", _("softmax is for the output layer only"))
    return LayerSpec(neurons, weights, weight_names, bias, bias_names, train_bias, act)


def _weights(table: dict[str, Any], key: str, sender: str, nin: int) -> list[list[float]]:
    """The weight rows: one per receiving neuron, one number per sender."""
    if "weights" not in table:
        raise SpecError(f"{key}.weights", _("missing (rows = receiving neuron, columns = sending "
                                            "neuron)"))
    rows = table["weights"]
    if not isinstance(rows, list) or not rows:
        raise SpecError(f"{key}.weights", _("expected a list of rows, got {value}").format(
            value=show(rows)))
    weights = []
    for i, row in enumerate(rows):
        if not isinstance(row, list):
            raise SpecError(f"{key}.weights[{i}]", _("expected a row (a list of {count} numbers, one "
                                                    "per sending neuron), got {value}").format(
                count=nin, value=show(row)))
        if len(row) != nin:
            raise SpecError(f"{key}.weights[{i}]", _("has {got} numbers but there are {count} "
                                                    "{senders} (columns = sending neuron)").format(
                got=len(row), count=nin, senders=sender))
        weights.append(_numbers(row, f"{key}.weights[{i}]"))
    return weights


def _bias(table: dict[str, Any], key: str, l: int, neurons: list[str]
          ) -> tuple[Union[None, float, list[float]], Union[None, str, list[str]]]:
    """The layer's bias and its name(s): none, one number the layer shares,
    or a list with one per neuron."""
    if "bias" not in table:
        if "bias_names" in table:
            raise SpecError(f"{key}.bias_names", _("given but the layer has no bias"))
        return None, None
    b = table["bias"]
    if isinstance(b, list):
        bias = _numbers(b, f"{key}.bias", len(neurons), _("biases (one per neuron)"))
        names = (_names(table["bias_names"], f"{key}.bias_names", len(neurons))
                 if "bias_names" in table else [naming.own_bias(n) for n in neurons])
        return bias, names
    if not _is_number(b):
        raise SpecError(f"{key}.bias", _("expected a number (one bias shared by the layer) or a "
                                         "list with one number per neuron, got {value}").format(
            value=show(b)))
    shared = _float(b, f"{key}.bias")
    name = table.get("bias_names", naming.shared_bias(l))
    if not isinstance(name, str):
        raise SpecError(f"{key}.bias_names", _("one shared bias takes one name (a string), "
                                              "got {value}").format(value=show(name)))
    return shared, _check_name(name, f"{key}.bias_names")


def _check_unique_names(input_names: list[str], layers: list[LayerSpec]) -> None:
    """Every name must be unique across the network, including generated ones
    (net_h1, out_h1, E_o1, E_total)."""
    seen: dict[str, str] = {}

    def claim(n: str, where: str) -> None:
        if n in seen:
            raise SpecError(where, _("the name {name} is already used by {owner}").format(
                name=repr(n), owner=seen[n]))
        seen[n] = where

    claim(naming.TOTAL_ERROR, "the total error")
    for i, n in enumerate(input_names):
        claim(n, f"input_names[{i}]")
    for l, layer in enumerate(layers):
        for i, n in enumerate(layer.neurons):
            claim(n, f"layers[{l}].neurons[{i}]")
            claim(naming.net(n), f"{naming.net(n)} (of neuron {n})")
            claim(naming.out(n), f"{naming.out(n)} (of neuron {n})")
        for i, row in enumerate(layer.weight_names):
            for j, w in enumerate(row):
                claim(w, f"layers[{l}].weight_names[{i}][{j}]")
        if isinstance(layer.bias_names, str):
            claim(layer.bias_names, f"layers[{l}].bias_names")
        elif layer.bias_names is not None:
            for i, b in enumerate(layer.bias_names):
                claim(b, f"layers[{l}].bias_names[{i}]")
    for n in layers[-1].neurons:
        claim(naming.error_of(n), f"{naming.error_of(n)} (the error of output {n})")


# --- slide_check ---

def _slide_checks(checks: Any, labels: set[str]) -> list[SlideFigure]:
    """The [[slide_check]] tables; each quantity must name something in ``labels``."""
    if not isinstance(checks, list) or not all(isinstance(t, dict) for t in checks):
        raise SpecError("slide_check", _("expected [[slide_check]] tables"))
    return [_slide_check(table, f"slide_check[{i}]", labels) for i, table in enumerate(checks)]


def _slide_check(table: dict[str, Any], key: str, labels: set[str]) -> SlideFigure:
    for k in table:
        if k not in CHECK_KEYS:
            raise SpecError(f"{key}.{k}", _("unknown key (known: {keys})").format(
                keys=", ".join(CHECK_KEYS)))
    for k in ("slide", "quantity"):
        if k not in table:
            raise SpecError(f"{key}.{k}", _("missing"))
    slide = table["slide"]
    if _is_number(slide):
        slide = repr(_float(slide, f"{key}.slide"))
    if not isinstance(slide, str):
        raise SpecError(f"{key}.slide", _("expected the printed figure as a string, got {value}").format(
            value=show(slide)))
    _slide_figure(slide, f"{key}.slide")
    quantity = table["quantity"]
    parse_quantity(quantity, labels, f"{key}.quantity")
    note = _note(table, "note", key, labels)
    note_zh = _note(table, "note_zh", key, labels)
    if note_zh and PLACEHOLDER.findall(note_zh) != PLACEHOLDER.findall(note):
        # both languages print the same numbers, in the same order
        raise SpecError(f"{key}.note_zh", _("expected the same {{quantity}} placeholders as note, in "
                                            "the same order: note has {note}, note_zh has "
                                            "{note_zh}").format(note=_placeholders(note),
                                                                note_zh=_placeholders(note_zh)))
    figure = _text(table.get("figure", quantity), f"{key}.figure")
    figure_zh = _text(table.get("figure_zh", ""), f"{key}.figure_zh")
    return SlideFigure(figure, slide.strip(), quantity, note, figure_zh, note_zh)


def _placeholders(note: str) -> str:
    found = PLACEHOLDER.findall(note)
    return ", ".join("{" + clip(q) + (f":{clip(d, 12)}" if d else "") + "}" for q, d in found) or _("none")


def _note(table: dict[str, Any], k: str, key: str, labels: set[str]) -> str:
    """A note (``note`` or ``note_zh``): its {quantity:digits} placeholders name nodes of the graph."""
    note = _text(table.get(k, ""), f"{key}.{k}", lines=True)
    for q, digits in PLACEHOLDER.findall(note):
        parse_quantity(q, labels, f"{key}.{k} {{{clip(q)}}}")
        if digits and (len(digits) > 2 or int(digits) > MAX_NOTE_DIGITS):
            raise SpecError(f"{key}.{k} {{{clip(q)}:{clip(digits, 12)}}}",
                            _("at most {most} decimals (a float carries about 17 significant "
                              "digits)").format(most=MAX_NOTE_DIGITS))
    return note


def _slide_figure(text: str, key: str) -> None:
    """A printed figure: a number whose value and last digit's place are floats."""
    figure = SlideFigure("", text.strip(), "")
    try:
        figure.value
    except ValueError:
        raise SpecError(key, _("{value} is not a number").format(value=show(text))) from None
    try:
        exact = Decimal(figure.slide)
    except InvalidOperation:  # an exponent of more digits than a Decimal takes
        raise SpecError(key, _("{value}: the exponent is far past a float's (about 1e-308 to "
                               "1.8e308)").format(value=show(text))) from None
    if not exact.is_finite():
        raise SpecError(key, _("{value} is not a printed figure (write one such as \"0.094534\")").format(
            value=show(text)))
    if not (math.isfinite(figure.value) and math.isfinite(figure.tolerance)):
        raise SpecError(key, _("{value} is too large for a float (the largest is about 1.8e308)").format(
            value=show(text)))


def load_spec(path: Union[str, Path]) -> Spec:
    """Read and validate a TOML spec file (SpecError on any problem; the
    problems of the file as a whole name the file)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise SpecError("", _("cannot read {path}: {reason}").format(
            path=path, reason=_os_reason(e))) from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError("", _("{path}: over {size} MB, too large for a spec (is it the right "
                              "file?)").format(path=path, size=MAX_SPEC_BYTES // 1_000_000))
    try:
        return spec_from_text(_utf8_text(data))
    except SpecError as e:
        if e.key:  # a key's problem: the caller names the file
            raise
        raise SpecError("", _("{path}: {problem}").format(path=path, problem=e.problem)) from None


def _os_reason(e: Exception) -> str:
    """Why a file cannot be read, in the language of the run where the
    common reasons are known (the system's words otherwise)."""
    reason = getattr(e, "strerror", None) or str(e)
    return _(reason) if reason in _OS_REASONS else reason


# The system's words (POSIX strerror) for the common reasons, translated by the catalog.
_OS_REASONS = (N_("No such file or directory"), N_("Is a directory"), N_("Permission denied"),
               N_("File name too long"))


def _utf8_text(data: bytes) -> str:
    """A spec file's text: TOML is UTF-8; what else it is, said in words."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                          (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise SpecError("", _("the file is {encoding} text, and a spec must be UTF-8 (save it "
                                  "again with the encoding UTF-8)").format(encoding=encoding))
    if b"\0" in data:
        raise SpecError("", _("the file has NUL bytes, so it is not a text file in UTF-8 (a binary "
                              "file, or UTF-16 text?); a spec is a TOML text file saved as UTF-8"))
    try:
        return data.decode("utf-8-sig")  # a UTF-8 BOM (as Windows Notepad writes) is harmless
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError("", _("not UTF-8 text: the byte {byte} at line {line}, column {column} "
                              "is not UTF-8 (saved in another encoding, such as GBK or "
                              "Latin-1?); save the spec again with the encoding UTF-8").format(
            byte=f"0x{data[e.start]:02x}", line=line, column=column)) from None


def spec_from_text(text: str) -> Spec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError("", _("not valid TOML: {error}").format(error=e)) from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise SpecError("", _("arrays or inline tables nested too deep to read (a spec nests at "
                              "most two levels, weights = [[0.1, 0.2], [0.3, 0.4]])")) from None
    except ValueError:  # an integer past Python's limit on the digits it converts
        digits = re.search(r"\d[\d_]{999,}", text)
        problem = _("a number of thousands of digits, too large for a float (the largest is about "
                    "1.8e308)")
        if digits:
            problem = _("line {line}: {problem}").format(
                line=text.count(chr(10), 0, digits.start()) + 1, problem=problem)
        raise SpecError("", problem) from None
    return parse_spec(data)


def preset_text(name: str) -> str:
    """The built-in spec ``name`` (one of PRESETS) as its TOML text."""
    _check_preset(name, "preset_text")
    return resources.files("chainrule").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")


def preset(name: str) -> Spec:
    """The built-in spec ``name`` (one of PRESETS), read (its texts in both
    languages: title/title_zh, source/source_zh, as any spec may carry them)."""
    _check_preset(name, "preset")
    return spec_from_text(preset_text(name))


def _check_preset(name: Any, function: str) -> None:
    if name not in PRESETS:
        raise ArgumentError(function, "name", _("unknown preset {value} (choose from {options})").format(
            value=show(name), options=", ".join(PRESETS)))
