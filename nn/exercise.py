"""Hand exercises: a small TOML spec of a fully connected network, solved by
the engine under both update conventions, with every figure a worked solution
shows (forward values, chain-rule factors from the engine's backward trace,
updates, values after K updates) and a check of printed figures.

The spec format, a UTF-8 TOML file (``chainrule bp --preset bp232 --print-spec`` prints one)::

    name = "bp232"
    inputs = [5, 10]
    targets = [0.01, 0.99]
    input_names = ["l1", "l2"]
    activation = "sigmoid"        # sigmoid tanh relu step identity softmax
    loss = "half_sse"             # half_sse mse mse_half cross_entropy absolute hinge
    learning_rate = 0.5
    convention = "sequential"     # or "simultaneous" (the default)
    after = [9, 100]              # also report values after K updates
    figures_from = "slides"       # optional: where the slide_check figures come from;
                                  # "slides" (the presets) titles the check a slide check

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
import reprlib
import sys
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from importlib import resources
from pathlib import Path
from typing import Any, Optional, Union

from autograd import BackwardStep, Node, derivatives, topological_order

from .layers import ACTIVATIONS, MLP, Layer
from .losses import LOSSES, get_loss
from .optim import SGD
from .train import CONVENTIONS, update

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

MAX_UPDATES = 100_000
# A worked solution writes out the chain rule for every weight (about four lines
# each): past this many weights and biases it cannot be read, only scrolled.
MAX_PARAMETERS = 5_000
# Updates cost time in proportion to the weights they change: parameters x
# updates is capped so a big network with a big `after` cannot run for hours
# (bp232's 14 weights can still take 100,000 updates).
MAX_PARAMETER_UPDATES = 2_000_000
PRESETS = ("bp232", "exercise211")
# The largest network a report shows (5,000 weights, with names and notes) is well under 1 MB.
MAX_SPEC_BYTES = 10_000_000
# {quantity:digits} in a note: decimals past a float's ~17 significant digits are noise
MAX_NOTE_DIGITS = 17
# Cross-entropy takes the log of the outputs: they must be probabilities.
PROBABILITY_OUTPUTS = ("softmax", "sigmoid")


class SpecError(ValueError):
    """An invalid spec: ``key`` names where, the message says what is wrong."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"{key}: {problem}" if key else problem)


class SolveError(SpecError):
    """A valid spec whose numbers cannot be solved: the forward pass overflows
    to inf or nan, or cross-entropy meets an output that rounds to 0."""

    def __init__(self, problem: str) -> None:
        super().__init__("", problem)


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


@dataclass
class SlideFigure:
    figure: str
    slide: str
    quantity: str
    note: str = ""

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
    figures_from: str = ""  # where the slide_check figures come from ("slides" for the presets)
    slide_check: list[SlideFigure] = field(default_factory=list)

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
        names = set(self.input_names) | {"E_total"}
        for layer in self.layers:
            for n in layer.neurons:
                names |= {f"net_{n}", f"out_{n}"}
            names |= {w for row in layer.weight_names for w in row}
            names |= _bias_name_set(layer)
        names |= {f"E_{n}" for n in self.outputs}
        return names

    def parameter_names(self) -> list[str]:
        """Layer by layer: the weights in natural order (w1, w2, ..., w10), then the biases."""
        names: list[str] = []
        for layer in self.layers:
            names += sorted((w for row in layer.weight_names for w in row), key=_natural)
            names += sorted(_bias_name_set(layer), key=_natural)
        return names


def _bias_name_set(layer: LayerSpec) -> set[str]:
    if layer.bias is None:
        return set()
    return {layer.bias_names} if isinstance(layer.bias_names, str) else set(layer.bias_names)


def _natural(s: str) -> tuple:
    return tuple(int(t) if t.isdigit() else t for t in re.split(r"(\d+)", s))


TOP_KEYS = ("name", "title", "source", "figures_from", "inputs", "targets", "input_names", "activation", "loss",
            "learning_rate", "convention", "after", "layers", "slide_check")
LAYER_KEYS = ("neurons", "weights", "weight_names", "bias", "bias_names", "train_bias",
              "activation")
CHECK_KEYS = ("figure", "slide", "quantity", "note")


def _is_number(x: Any) -> bool:
    """A TOML integer or float, not a boolean (finite or not: see _float)."""
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _float(x: Any, key: str, what: str = "a number") -> float:
    """Every number of a spec is read here: a float, or a SpecError naming
    ``key`` (TOML integers have no size limit, floats stop at about 1.8e308)."""
    if not _is_number(x):
        raise SpecError(key, f"expected {what}, got {_show(x)}")
    try:
        value = float(x)
    except OverflowError:
        raise SpecError(key, f"{_show(x)} is too large for a float (the largest is about "
                             "1.8e308)") from None
    if not math.isfinite(value):
        raise SpecError(key, f"expected {what}, got {_show(x)}")
    return value


def _numbers(x: Any, key: str, length: Optional[int] = None, what: str = "numbers") -> list[float]:
    if not isinstance(x, list) or not x:
        raise SpecError(key, f"expected a non-empty list of {what}, got {_show(x)}")
    values = [_float(v, f"{key}[{i}]") for i, v in enumerate(x)]
    if length is not None and len(x) != length:
        raise SpecError(key, f"expected {length} {what}, got {len(x)}")
    return values


def _names(x: Any, key: str, length: int) -> list[str]:
    if not isinstance(x, list):
        raise SpecError(key, f"expected a list of {length} names, got {_show(x)}")
    if len(x) != length:
        raise SpecError(key, f"expected {length} names, got {len(x)}")
    for i, v in enumerate(x):
        _check_name(v, f"{key}[{i}]")
    return list(x)


def _check_name(v: Any, key: str) -> str:
    if not isinstance(v, str) or not v.isidentifier():
        raise SpecError(key, f"a name must be a word of letters, digits and _ (like w1 or h1), "
                             f"got {_show(v)}")
    return v


class _ShortRepr(reprlib.Repr):
    """A value as an error message quotes it: short, whatever its size or
    nesting (a list nested thousands deep, an integer of thousands of digits)."""

    def __init__(self) -> None:
        super().__init__()
        self.maxlevel, self.maxlist, self.maxstring, self.maxother = 3, 6, 60, 40

    def repr_int(self, x: int, level: int) -> str:
        if abs(x) < 10 ** 30:
            return repr(x)
        # repr() itself refuses past 4300 digits; log10 takes any int
        return f"an integer of {math.floor(math.log10(abs(x))) + 1:,} digits"


def _show(x: Any) -> str:
    if isinstance(x, bool):
        return f"{str(x).lower()} (a boolean)"
    if isinstance(x, dict):
        return "a table"
    return _clip(_ShortRepr().repr(x))


def _clip(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[:width - 3] + "..."


def _choice(x: Any, key: str, options: tuple[str, ...]) -> str:
    if x not in options:
        raise SpecError(key, f"unknown value {_show(x)} (choose from {', '.join(options)})")
    return x


def _figures_from(x: Any) -> str:
    if not isinstance(x, str):
        raise SpecError("figures_from", f"expected a string such as \"slides\" or \"my notes\", "
                                        f"got {_show(x)}")
    return _text(x, "figures_from").strip()


# What no report line, console or picture can show: control characters (a note
# may break lines and tab), lone surrogates, and U+FFFE/U+FFFF (XML, and so
# Graphviz's labels, refuses them).
_UNSHOWABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_UNSHOWABLE_IN_LINES = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_KINDS = {"Cc": "a control character", "Cs": "a lone surrogate", "Cn": "a noncharacter"}


def _text(x: Any, key: str, lines: bool = False) -> str:
    """Every free text of a spec (name, title, notes, ...) is read here: a
    string that a report, a console and a picture can all show."""
    if not isinstance(x, str):
        raise SpecError(key, f"expected a string, got {_show(x)}")
    bad = (_UNSHOWABLE_IN_LINES if lines else _UNSHOWABLE).search(x)
    if bad:
        c = bad.group()
        raise SpecError(key, f"has U+{ord(c):04X}, {_KINDS[unicodedata.category(c)]}, at "
                             f"character {bad.start() + 1}: a report, a console or a picture "
                             "cannot show it (write plain text)")
    return x


def _check_loss(loss: str, output_activation: str, last: int, targets: list[float]) -> None:
    """What a loss needs of the output layer and the targets."""
    if loss == "cross_entropy":
        if output_activation not in PROBABILITY_OUTPUTS:
            raise SpecError(f"layers[{last}].activation",
                            f"cross_entropy takes log(out) of each output, so the outputs must be "
                            f"probabilities: use a softmax or sigmoid output layer, not "
                            f"{output_activation!r}")
        for i, t in enumerate(targets):
            if not 0 <= t <= 1:
                raise SpecError(f"targets[{i}]", f"cross_entropy targets are probabilities "
                                                 f"(0 to 1), got {t:g}")
    if loss == "hinge":
        for i, t in enumerate(targets):
            if t not in (-1.0, 1.0):
                raise SpecError(f"targets[{i}]", f"hinge targets are -1 or +1, got {t:g}")


def _check_size(inputs: list[float], layers: list[LayerSpec]) -> None:
    n = 0
    nin = len(inputs)
    for layer in layers:
        n += nin * len(layer.neurons) + len(_bias_name_set(layer))
        nin = len(layer.neurons)
    if n > MAX_PARAMETERS:
        shape = "-".join(str(k) for k in [len(inputs)] + [len(la.neurons) for la in layers])
        # measured: about 4 lines per weight and 8 per neuron (50-50-1: 10,751; 2-1666-1: 35,140)
        lines = 4 * n + 8 * sum(len(la.neurons) for la in layers)
        lines = round(lines, 2 - len(str(lines)))
        raise SpecError("layers", f"the {shape} network has {n:,} weights and biases, more than the "
                                  f"{MAX_PARAMETERS:,} a worked solution can show: it writes out the "
                                  f"chain rule for each (about {lines:,} lines here), which nobody "
                                  "can read; train a network that size with nn.MLP and nn.train.fit")


def parse_spec(data: dict[str, Any]) -> Spec:
    """Validate a spec (a dict, as read from TOML); a SpecError names the bad key."""
    for key in data:
        if key not in TOP_KEYS:
            raise SpecError(key, f"unknown key (known keys: {', '.join(TOP_KEYS)})")
    for key in ("inputs", "targets", "learning_rate", "layers"):
        if key not in data:
            raise SpecError(key, "missing")
    name = _text(data.get("name", "exercise"), "name")
    inputs = _numbers(data["inputs"], "inputs")
    input_names = (_names(data["input_names"], "input_names", len(inputs)) if "input_names" in data
                   else [f"x{i + 1}" for i in range(len(inputs))])
    activation = _choice(data.get("activation", "sigmoid"), "activation", ACTIVATIONS)
    loss = _choice(data.get("loss", "half_sse"), "loss", tuple(LOSSES))
    lr = _float(data["learning_rate"], "learning_rate", "a positive number")
    if lr <= 0:
        raise SpecError("learning_rate", f"expected a positive number, got {_show(data['learning_rate'])}")
    convention = _choice(data.get("convention", "simultaneous"), "convention", CONVENTIONS)
    after = data.get("after", [])
    if not isinstance(after, list) or any(isinstance(k, bool) or not isinstance(k, int)
                                          or not 0 <= k <= MAX_UPDATES for k in after):
        raise SpecError("after", f"expected a list of update counts 0..{MAX_UPDATES}, got {_show(after)}")

    raw_layers = data["layers"]
    if not isinstance(raw_layers, list) or not raw_layers or not all(isinstance(t, dict) for t in raw_layers):
        raise SpecError("layers", "expected one or more [[layers]] tables")
    layers: list[LayerSpec] = []
    nin = len(inputs)
    w_count = 0
    for l, table in enumerate(raw_layers):
        key = f"layers[{l}]"
        last = l == len(raw_layers) - 1
        for k in table:
            if k not in LAYER_KEYS:
                raise SpecError(f"{key}.{k}", f"unknown key (known layer keys: {', '.join(LAYER_KEYS)})")
        if "weights" not in table:
            raise SpecError(f"{key}.weights", "missing (rows = receiving neuron, columns = sending neuron)")
        rows = table["weights"]
        if not isinstance(rows, list) or not rows:
            raise SpecError(f"{key}.weights", f"expected a list of rows, got {_show(rows)}")
        sender = "inputs" if l == 0 else f"layers[{l - 1}] neurons"
        weights = []
        for i, row in enumerate(rows):
            if not isinstance(row, list):
                raise SpecError(f"{key}.weights[{i}]", f"expected a row (a list of {nin} numbers, one "
                                                      f"per sending neuron), got {_show(row)}")
            if len(row) != nin:
                raise SpecError(f"{key}.weights[{i}]", f"has {len(row)} numbers but there are {nin} "
                                                      f"{sender} (columns = sending neuron)")
            weights.append(_numbers(row, f"{key}.weights[{i}]"))
        nout = len(weights)
        default_prefix = "o" if last else ("h" if len(raw_layers) == 2 else f"h{l + 1}_")
        neurons = (_names(table["neurons"], f"{key}.neurons", nout) if "neurons" in table
                   else [f"{default_prefix}{i + 1}" for i in range(nout)])
        if "weight_names" in table:
            wn = table["weight_names"]
            if not isinstance(wn, list) or len(wn) != nout:
                raise SpecError(f"{key}.weight_names", f"expected {nout} rows (the shape of weights), "
                                                      f"got {_show(wn)}")
            weight_names = [_names(r, f"{key}.weight_names[{i}]", nin) for i, r in enumerate(wn)]
        else:
            weight_names = [[f"w{w_count + i * nin + j + 1}" for j in range(nin)] for i in range(nout)]
        w_count += nin * nout
        bias: Union[None, float, list[float]] = None
        bias_names: Union[None, str, list[str]] = None
        if "bias" in table:
            b = table["bias"]
            if isinstance(b, list):
                bias = _numbers(b, f"{key}.bias", nout, "biases (one per neuron)")
                bias_names = (_names(table["bias_names"], f"{key}.bias_names", nout)
                              if "bias_names" in table else [f"b_{n}" for n in neurons])
            elif _is_number(b):
                bias = _float(b, f"{key}.bias")
                bias_names = table.get("bias_names", f"b{l + 1}")
                if not isinstance(bias_names, str):
                    raise SpecError(f"{key}.bias_names", "one shared bias takes one name (a string), "
                                                        f"got {_show(bias_names)}")
                _check_name(bias_names, f"{key}.bias_names")
            else:
                raise SpecError(f"{key}.bias", "expected a number (one bias shared by the layer) or a "
                                               f"list with one number per neuron, got {_show(b)}")
        elif "bias_names" in table:
            raise SpecError(f"{key}.bias_names", "given but the layer has no bias")
        train_bias = table.get("train_bias", True)
        if not isinstance(train_bias, bool):
            raise SpecError(f"{key}.train_bias", f"expected true or false, got {_show(train_bias)}")
        act = _choice(table.get("activation", activation), f"{key}.activation", ACTIVATIONS)
        if act == "softmax" and not last:
            raise SpecError(f"{key}.activation", "softmax is for the output layer only")
        layers.append(LayerSpec(neurons, weights, weight_names, bias, bias_names, train_bias, act))
        nin = nout
    if layers[-1].activation == "softmax" and len(layers[-1].neurons) < 2:
        raise SpecError(f"layers[{len(layers) - 1}].activation", "softmax needs at least 2 output neurons")
    targets = _numbers(data["targets"], "targets", len(layers[-1].neurons),
                       "targets (one per output neuron)")
    _check_loss(loss, layers[-1].activation, len(raw_layers) - 1, targets)
    _check_size(inputs, layers)

    # Every name must be unique across the network, including generated ones.
    seen: dict[str, str] = {}

    def claim(n: str, where: str) -> None:
        if n in seen:
            raise SpecError(where, f"the name {n!r} is already used by {seen[n]}")
        seen[n] = where

    claim("E_total", "the total error")
    for i, n in enumerate(input_names):
        claim(n, f"input_names[{i}]")
    for l, layer in enumerate(layers):
        for i, n in enumerate(layer.neurons):
            claim(n, f"layers[{l}].neurons[{i}]")
            claim(f"net_{n}", f"net_{n} (of neuron {n})")
            claim(f"out_{n}", f"out_{n} (of neuron {n})")
        for i, row in enumerate(layer.weight_names):
            for j, w in enumerate(row):
                claim(w, f"layers[{l}].weight_names[{i}][{j}]")
        if isinstance(layer.bias_names, str):
            claim(layer.bias_names, f"layers[{l}].bias_names")
        elif layer.bias_names is not None:
            for i, b in enumerate(layer.bias_names):
                claim(b, f"layers[{l}].bias_names[{i}]")
    for n in layers[-1].neurons:
        claim(f"E_{n}", f"E_{n} (the error of output {n})")

    spec = Spec(name=name, inputs=inputs, targets=targets, input_names=input_names,
                activation=activation, loss=loss, learning_rate=lr, convention=convention,
                layers=layers, after=sorted(set(after)),
                title=_text(data.get("title", ""), "title"),
                source=_text(data.get("source", ""), "source"),
                figures_from=_figures_from(data.get("figures_from", "")))
    checks = data.get("slide_check", [])
    if not isinstance(checks, list) or not all(isinstance(t, dict) for t in checks):
        raise SpecError("slide_check", "expected [[slide_check]] tables")
    labels = spec.labels()
    for i, table in enumerate(checks):
        key = f"slide_check[{i}]"
        for k in table:
            if k not in CHECK_KEYS:
                raise SpecError(f"{key}.{k}", f"unknown key (known: {', '.join(CHECK_KEYS)})")
        for k in ("slide", "quantity"):
            if k not in table:
                raise SpecError(f"{key}.{k}", "missing")
        slide = table["slide"]
        if _is_number(slide):
            slide = repr(_float(slide, f"{key}.slide"))
        if not isinstance(slide, str):
            raise SpecError(f"{key}.slide", f"expected the printed figure as a string, got {_show(slide)}")
        _slide_figure(slide, f"{key}.slide")
        quantity = table["quantity"]
        parse_quantity(quantity, labels, f"{key}.quantity")
        note = _text(table.get("note", ""), f"{key}.note", lines=True)
        for q, digits in _PLACEHOLDER.findall(note):
            parse_quantity(q, labels, f"{key}.note {{{_clip(q)}}}")
            if digits and (len(digits) > 2 or int(digits) > MAX_NOTE_DIGITS):
                raise SpecError(f"{key}.note {{{_clip(q)}:{_clip(digits, 12)}}}", f"at most "
                                f"{MAX_NOTE_DIGITS} decimals (a float carries about 17 "
                                "significant digits)")
        figure = _text(table.get("figure", quantity), f"{key}.figure")
        spec.slide_check.append(SlideFigure(figure, slide.strip(),
                                            quantity, note))
    return spec


def _slide_figure(text: str, key: str) -> None:
    """A printed figure: a number whose value and last digit's place are floats."""
    figure = SlideFigure("", text.strip(), "")
    try:
        figure.value
    except ValueError:
        raise SpecError(key, f"{_show(text)} is not a number") from None
    try:
        exact = Decimal(figure.slide)
    except InvalidOperation:  # an exponent of more digits than a Decimal takes
        raise SpecError(key, f"{_show(text)}: the exponent is far past a float's (about 1e-308 "
                             "to 1.8e308)") from None
    if not exact.is_finite():
        raise SpecError(key, f"{_show(text)} is not a printed figure (write one such as \"0.094534\")")
    if not (math.isfinite(figure.value) and math.isfinite(figure.tolerance)):
        raise SpecError(key, f"{_show(text)} is too large for a float (the largest is about 1.8e308)")


def load_spec(path: Union[str, Path]) -> Spec:
    """Read and validate a TOML spec file (SpecError on any problem; the
    problems of the file as a whole name the file)."""
    path = Path(path)
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_SPEC_BYTES + 1)
    except (OSError, ValueError) as e:  # ValueError: a NUL in the name
        raise SpecError("", f"cannot read {path}: {getattr(e, 'strerror', None) or e}") from None
    if len(data) > MAX_SPEC_BYTES:
        raise SpecError("", f"{path}: over {MAX_SPEC_BYTES // 1_000_000} MB, too large for a spec "
                            "(is it the right file?)")
    try:
        return spec_from_text(_utf8_text(data))
    except SpecError as e:
        if e.key:  # a key's problem: the caller names the file
            raise
        raise SpecError("", f"{path}: {e.problem}") from None


def _utf8_text(data: bytes) -> str:
    """A spec file's text: TOML is UTF-8; what else it is, said in words."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
                          (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16")):
        if data.startswith(bom):
            raise SpecError("", f"the file is {encoding} text, and a spec must be UTF-8 (save it "
                                "again with the encoding UTF-8)")
    if b"\0" in data:
        raise SpecError("", "the file has NUL bytes, so it is not a text file in UTF-8 (a binary "
                            "file, or UTF-16 text?); a spec is a TOML text file saved as UTF-8")
    try:
        return data.decode("utf-8-sig")  # a UTF-8 BOM (as Windows Notepad writes) is harmless
    except UnicodeDecodeError as e:
        line = data.count(b"\n", 0, e.start) + 1
        column = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        raise SpecError("", f"not UTF-8 text: the byte 0x{data[e.start]:02x} at line {line}, "
                            f"column {column} is not UTF-8 (saved in another encoding, such as "
                            "GBK or Latin-1?); save the spec again with the encoding UTF-8"
                        ) from None


def spec_from_text(text: str) -> Spec:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError("", f"not valid TOML: {e}") from None
    except RecursionError:  # the parser recurses once per level of nesting
        raise SpecError("", "arrays or inline tables nested too deep to read (a spec nests at "
                            "most two levels, weights = [[0.1, 0.2], [0.3, 0.4]])") from None
    except ValueError:  # an integer past Python's limit on the digits it converts
        digits = re.search(r"\d[\d_]{999,}", text)
        where = f"line {text.count(chr(10), 0, digits.start()) + 1}: " if digits else ""
        raise SpecError("", f"{where}a number of thousands of digits, too large for a float (the "
                            "largest is about 1.8e308)") from None
    return parse_spec(data)


def preset_text(name: str) -> str:
    if name not in PRESETS:
        raise SpecError("--preset", f"unknown preset {name!r} (choose from {', '.join(PRESETS)})")
    return resources.files("nn").joinpath("presets", f"{name}.toml").read_text(encoding="utf-8")


def preset(name: str) -> Spec:
    return spec_from_text(preset_text(name))


# --- quantities --------------------------------------------------------------------------

@dataclass(frozen=True)
class Quantity:
    """A parsed quantity: kind is 'value', 'derivative', 'updated', 'change' or 'after'."""

    kind: str
    a: str
    b: str = ""
    k: int = 0
    sign: float = 1.0


# {quantity} or {quantity:digits} inside a note
_PLACEHOLDER = re.compile(r"\{([^{}:]*)(?::(\d+))?\}")
_DERIVATIVE = re.compile(r"^d(\w+)/d(\w+)$")
_AFTER = re.compile(r"^(\w+)@(\d+)$")


def parse_quantity(text: Any, labels: set[str], key: str = "quantity") -> Quantity:
    if not isinstance(text, str) or not text.strip():
        raise SpecError(key, f"expected a quantity such as out_h1, dE_total/dw7, w1+ or w1@1001, "
                             f"got {_show(text)}")
    q = text.strip().replace(" ", "")
    sign = 1.0
    if q.startswith("-"):
        sign, q = -1.0, q[1:]

    def known(n: str) -> str:
        if n not in labels:
            raise SpecError(key, f"{_show(text)} names {_show(n)}, which is not in this network "
                                 f"(names: {', '.join(sorted(labels, key=_natural))})")
        return n

    m = _DERIVATIVE.match(q)
    if m:
        return Quantity("derivative", known(m.group(1)), known(m.group(2)), sign=sign)
    m = _AFTER.match(q)
    if m:
        count = m.group(2)
        if len(count) > len(str(MAX_UPDATES)) or int(count) > MAX_UPDATES:
            raise SpecError(key, f"{_show(text)}: at most {MAX_UPDATES} updates")
        return Quantity("after", known(m.group(1)), k=int(count), sign=sign)
    if q.endswith("+"):
        return Quantity("updated", known(q[:-1]), sign=sign)
    if q.startswith("Δ"):
        return Quantity("change", known(q[1:]), sign=sign)
    if q.isidentifier():
        return Quantity("value", known(q), sign=sign)
    raise SpecError(key, f"cannot read {_show(text)} (write out_h1, dE_total/dw7, w1+, Δw1 or out_o1@100)")


# --- solving -------------------------------------------------------------------------------

def build_model(spec: Spec) -> MLP:
    layers = []
    nin = len(spec.inputs)
    for ls in spec.layers:
        if ls.bias is None:
            bias: Any = False
        else:
            bias = ls.bias
        layers.append(Layer(nin, len(ls.neurons), ls.activation, weights=ls.weights, bias=bias,
                            neuron_names=ls.neurons, weight_names=ls.weight_names,
                            bias_names=ls.bias_names, train_bias=ls.train_bias))
        nin = len(ls.neurons)
    return MLP.from_layers(layers, input_names=spec.input_names)


@dataclass
class Snapshot:
    """The forward pass after ``updates`` updates: every named node's value."""

    updates: int
    values: dict[str, float]


class Run:
    """The spec solved under one convention: the first forward and backward pass
    in full (graph and trace), the first update, and snapshots after K updates."""

    def __init__(self, spec: Spec, convention: str, updates: int = 1,
                 snapshots: tuple[int, ...] = ()) -> None:
        self.spec = spec
        self.convention = convention
        self.model = build_model(spec)
        self.params = {p.label: p for p in self.model.parameters()}
        loss_fn = get_loss(spec.loss)
        optimizer = SGD(self.model.parameters(), lr=spec.learning_rate)
        self.initial = {n: self.params[n].data for n in spec.parameter_names()}
        self.steps: list[BackwardStep] = []
        self.snapshots: dict[int, Snapshot] = {}
        wanted = set(snapshots) | {0, 1}
        updates = max(1, updates, *wanted)
        k = 0
        try:
            for k in range(updates + 1):
                layer_outputs = self.model.forward_layers(spec.inputs)
                if spec.loss == "cross_entropy":
                    self._check_probabilities(layer_outputs[-1], k)
                loss = loss_fn(layer_outputs[-1], spec.targets)
                # every value of the pass, the weights included: an overflow anywhere (a net
                # value a sigmoid flattens back to 1, an update gone to inf) is refused
                graph = topological_order([loss, *layer_outputs[-1]])
                if not all(math.isfinite(n.data) for n in graph):
                    raise SolveError(self._overflow(graph, loss, k))
                if k in wanted:
                    self.snapshots[k] = Snapshot(k, self._named_values(loss, layer_outputs[-1]))
                if k == 0:
                    self.loss = loss
                    self.nodes = self._named_nodes(loss, layer_outputs[-1])
                if k == updates:
                    break
                optimizer.zero_grad()
                update(self.model, loss, optimizer, convention=convention, layer_outputs=layer_outputs,
                       on_step=self.steps.append if k == 0 else None)
                if k == 0:
                    order = spec.parameter_names()
                    self.gradients = {n: float(self.params[n].grad) for n in order}
                    # every gradient the report shows: the weights' and the named nodes'
                    grads = {**self.gradients, **{n: float(v.grad) for n, v in self.nodes.items()}}
                    bad = next((n for n, g in grads.items() if not math.isfinite(g)), None)
                    if bad is not None:
                        raise SolveError(f"the backward pass overflows the floats (largest about "
                                         f"1.8e308): dE_total/d{bad} = {grads[bad]}; "
                                         "use smaller weights or inputs")
                    self.updated = {n: self.params[n].data for n in order}
                    self.local_grads = {id(n): n.grad for n in self.nodes.values()}
        except ArithmeticError as e:  # the engine refuses results past the largest float
            raise SolveError(f"{self._when(k)}the numbers overflow: {e}; {self._remedy(k)}"
                             ) from None
        self._edges: Optional[dict[Node, list[tuple[Node, float]]]] = None
        self._sweeps: dict[str, dict[Node, float]] = {}
        self._under_loss: Optional[set[int]] = None

    # --- numbers that cannot be solved -------------------------------------------------
    def _when(self, k: int) -> str:
        return "" if k == 0 else f"after {k} update{'s' if k > 1 else ''} ({self.convention}), "

    def _remedy(self, k: int) -> str:
        return ("use smaller weights or inputs" if k == 0 else
                f"the updates diverge: use a smaller learning_rate (now {self.spec.learning_rate:g})")

    def _check_probabilities(self, outputs: list[Node], k: int) -> None:
        """Cross-entropy takes log(out): name an output that rounds to 0 (a
        sigmoid of a net below about -745, a softmax far below the others)."""
        for name, o in zip(self.spec.outputs, outputs):
            if not o.data > 0:
                net = next(n for n in topological_order(o) if n.label == f"net_{name}")
                raise SolveError(
                    f"{self._when(k)}cross_entropy takes log(out_{name}), but out_{name} = "
                    f"{o.data:g}: the {self.spec.layers[-1].activation} of net_{name} = {net.data:g} "
                    f"rounds to 0 in floating point, and log(0) = -infinity; {self._remedy(k)}")

    def _overflow(self, graph: list[Node], loss: Node, k: int) -> str:
        """Name the first named value of the pass (children before parents)
        that is not a number: a weight the updates sent past the floats, or a
        value of the forward pass."""
        first = next((n for n in graph if n.label and not math.isfinite(n.data)), None)
        if first is None:  # pragma: no cover - every op's result feeds a named node
            return f"{self._when(k)}the forward pass overflows the floats; {self._remedy(k)}"
        where = f"{first.label} = {first.data}"
        if first is not loss and not math.isfinite(loss.data):
            where += f", and so E_total = {loss.data}"
        what = "the updates overflow" if first.label in self.params else "the forward pass overflows"
        return f"{self._when(k)}{what} the floats (largest about 1.8e308): {where}; {self._remedy(k)}"

    def _named_nodes(self, loss: Node, outputs: list[Node]) -> dict[str, Node]:
        nodes: dict[str, Node] = {}
        # Outputs too: one the loss ignores (a zero cross-entropy target) still has a value.
        for root in (loss, *outputs):
            for n in topological_order(root):
                if n.label:
                    nodes.setdefault(n.label, n)
        # An identity activation makes out_X the net node itself.
        for layer in self.spec.layers:
            for name in layer.neurons:
                nodes.setdefault(f"out_{name}", nodes[f"net_{name}"])
        # A loss of a single term is that term: E_total is then also E_<output>.
        terms = [n for n in nodes if n.startswith("E_") and n != "E_total"]
        if not terms:
            under = {id(n) for n in topological_order(loss)}
            used = [n for n in self.spec.outputs if id(nodes[f"out_{n}"]) in under]
            if len(used) == 1:
                nodes[f"E_{used[0]}"] = loss
        return nodes

    def _named_values(self, loss: Node, outputs: list[Node]) -> dict[str, float]:
        values = {n: v.data for n, v in self._named_nodes(loss, outputs).items()}
        values.update({n: p.data for n, p in self.params.items()})
        return values

    # --- reading the trace ---------------------------------------------------------------
    @property
    def forward(self) -> dict[str, float]:
        """The first forward pass, in the order it is computed: net and out of
        every neuron layer by layer, then the errors."""
        names = [f"{kind}_{n}" for layer in self.spec.layers for n in layer.neurons
                 for kind in ("net", "out")]
        names += [f"E_{n}" for n in self.spec.outputs] + ["E_total"]
        return {n: self.nodes[n].data for n in names if n in self.nodes}

    def used_by_loss(self) -> set[int]:
        """ids of the nodes E_total depends on."""
        if self._under_loss is None:
            self._under_loss = {id(n) for n in topological_order(self.loss)}
        return self._under_loss

    def grad(self, name: str) -> float:
        """dE_total/d(name), as the engine's backward left it."""
        return float(self.local_grads[id(self.nodes[name])])

    def edges(self) -> dict[Node, list[tuple[Node, float]]]:
        """The local derivatives the first backward pass used: node -> [(operand,
        d node / d operand)] (under the sequential convention some were taken
        after an update, so they are read from the trace, not recomputed)."""
        if self._edges is None:
            edges: dict[Node, list[tuple[Node, float]]] = {}
            for s in self.steps:
                edges.setdefault(s.parent, []).append((s.child, float(s.local)))
            self._edges = edges
        return self._edges

    def derivative(self, a: str, b: str) -> float:
        """d a / d b: the sum over every path from a down to b of the product of
        the local derivatives the backward pass used (the multi-path sum rule)."""
        top, bottom = self.nodes[a], self.nodes[b]
        if top is bottom:
            return 1.0
        # One sweep per top, kept: a report asks about the same top again and
        # again, and a sweep per question made a 50-50-1 report take seconds.
        sweep = self._sweeps.get(a)
        if sweep is None:
            sweep = self._sweeps[a] = derivatives(top, local=self.edges())
        return _finite(sweep.get(bottom, 0.0), f"d{a}/d{b}")

    def value(self, text: str) -> float:
        q = parse_quantity(text, set(self.nodes) | set(self.params))
        if q.kind == "value":
            v = self.initial[q.a] if q.a in self.params else self.nodes[q.a].data
        elif q.kind == "derivative":
            v = self.derivative(q.a, q.b)
        elif q.kind == "updated":
            v = self.updated[q.a] if q.a in self.params else self.nodes[q.a].data
        elif q.kind == "change":
            v = _finite(self.updated[q.a] - self.initial[q.a], f"Δ{q.a}")
        else:
            snap = self.snapshots.get(q.k)
            if snap is None:
                raise KeyError(f"no snapshot after {q.k} updates (solve with snapshots=({q.k},))")
            v = snap.values[q.a]
        return q.sign * v


def _finite(value: float, name: str) -> float:
    """A figure the report derives from the engine's (a product of path
    factors, a change) that can overflow where the engine's did not."""
    if not math.isfinite(value):
        raise SolveError(f"{name} = {value}: past the floats (largest about 1.8e308); use smaller "
                         "weights, inputs or learning_rate")
    return value


def needed_updates(spec: Spec, after: Optional[list[int]] = None) -> tuple[int, ...]:
    """Every update count the report and the figure check need."""
    counts = set(spec.after if after is None else after)
    labels = spec.labels()
    for fig in spec.slide_check:
        for text in [fig.quantity, *(q for q, _ in _PLACEHOLDER.findall(fig.note))]:
            q = parse_quantity(text, labels)
            if q.kind == "after":
                counts.add(q.k)
    return tuple(sorted(counts))


@dataclass
class Solution:
    """A spec solved under both conventions; ``run`` is the spec's own."""

    spec: Spec
    convention: str
    after: list[int]
    runs: dict[str, Run]

    @property
    def run(self) -> Run:
        return self.runs[self.convention]

    @property
    def other(self) -> Run:
        return self.runs[next(c for c in CONVENTIONS if c != self.convention)]


def solve(spec: Spec, convention: Optional[str] = None, after: Optional[list[int]] = None) -> Solution:
    """Solve ``spec`` under both conventions (``convention`` picks the main one,
    default the spec's), with snapshots after each count in ``after`` (default
    the spec's) and every count the figure check needs."""
    convention = convention or spec.convention
    if convention not in CONVENTIONS:
        raise SpecError("--convention", f"unknown value {convention!r} (choose from {', '.join(CONVENTIONS)})")
    after_list = sorted(set(spec.after if after is None else after))
    counts = needed_updates(spec, after_list)
    top = max(counts, default=1)
    n_params = len(spec.parameter_names())
    if n_params * top > MAX_PARAMETER_UPDATES:
        most = MAX_PARAMETER_UPDATES // n_params
        raise SpecError("after" if after is None else "--after",
                        f"{top:,} updates of {n_params:,} weights and biases are {top * n_params:,} "
                        f"weight updates, more than the {MAX_PARAMETER_UPDATES:,} chainrule bp "
                        f"does (at most {most:,} updates of this network); ask for fewer, or "
                        "train a network this size with nn.train.fit")
    runs = {c: Run(spec, c, top, counts) for c in CONVENTIONS}
    return Solution(spec, convention, after_list, runs)


# --- checking printed figures ---------------------------------------------------------------

@dataclass
class FigureCheck:
    figure: SlideFigure
    values: dict[str, float]          # convention -> engine value
    matches: dict[str, bool]          # convention -> within tolerance
    convention: str
    note: str                          # the spec's note with {quantities} filled in
    from_slides: bool = False          # printed on slides (else the spec's own figures)

    @property
    def engine(self) -> float:
        return self.values[self.convention]

    @property
    def match(self) -> bool:
        return self.matches[self.convention]


def _fill(note: str, run: Run) -> str:
    from autograd import format_number
    return _PLACEHOLDER.sub(
        lambda m: format_number(run.value(m.group(1)), int(m.group(2) or 6)), note)


def check_figures(solution: Solution) -> list[FigureCheck]:
    results = []
    for fig in solution.spec.slide_check:
        values = {c: r.value(fig.quantity) for c, r in solution.runs.items()}
        # A hair of slack for the binary representation of the printed decimal.
        matches = {c: abs(v - fig.value) <= fig.tolerance * (1 + 1e-9) for c, v in values.items()}
        results.append(FigureCheck(fig, values, matches, solution.convention,
                                   _fill(fig.note, solution.run), solution.spec.from_slides))
    return results

