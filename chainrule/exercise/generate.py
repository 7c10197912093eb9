"""Per-student variants of an exercise, with numbers a person can work with.

A variant comes from a *template* (a TOML file: the network's shape, activation,
loss, convention, learning rate, which figures to ask) or from a *spec* (the
teacher's own network: a variant keeps its shape, names and settings and draws
new numbers). :func:`variant` draws the numbers from a seed (an integer, or a
student's id: hashed with SHA-256, so the same id gives the same variant on any
machine and in any run) and draws again until the rules hold:

- every given number (input, weight, bias, target) has at most 2 decimals;
- every sigmoid output lies in [0.05, 0.95] (a tanh output in [-0.95, 0.95]):
  no saturated neuron;
- every asked gradient (and change of a weight) shows at least 3 significant
  digits at the printed precision, 6 decimals (|value| >= 0.0001);
- no two asked figures are equal at 6 decimals, unless the formulas make them
  equal (dnet_o1/dw7 = out_h1 is the same number by definition).

A template::

    name = "bp-2-3-2"
    title = "Backpropagation by hand"      # title_zh: the Chinese worksheet's
    shape = [2, 3, 2]                      # inputs, then each layer's neurons
    activation = "sigmoid"                 # output_activation: the output layer's, if other
    loss = "half_sse"
    convention = "simultaneous"            # or "sequential" (the slides')
    learning_rate = 0.5
    ask = ["forward", "gradients", "updates", "dE_total/dout_o1"]
    after = [10]                           # optional: also ask out_o1@10 and the like
    bias = "shared"                        # shared (one per layer, as the slides) | per_neuron | none
    train_bias = false                     # the slides never update the biases
    decimals = 2                           # 1 or 2
    input_range = [-1, 1]                  # weight_range, bias_range, target_range likewise

``ask`` takes quantities (as in a spec's slide_check: ``out_h1``,
``dE_total/dw7``, ``w7+``, ``Δw7``, ``out_o1@10``) and groups: ``forward``
(every net and out, E_total), ``deltas`` (dE_total/dnet of every neuron),
``gradients`` (dE_total/d of every trained weight and bias), ``updates``
(every trained parameter after the update).

Names follow the slides (:mod:`nn.naming`); a 2-3-2 network takes the BP
slides' names (inputs l1, l2; w1..w12 numbered as the slides print them), a
2-1-1 network the BP handout's.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import itertools
import json
import math
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, Sequence, Union

from autograd import format_number
from nn import naming
from nn.layers import ACTIVATIONS
from nn.losses import LOSSES
from nn.train import CONVENTIONS

from ..errors import SpecError, show
from ..i18n import N_, _
from ..quantities import MAX_UPDATES, parse_quantity
from ..solver import Run
from ..spec import LayerSpec, SlideFigure, Spec, parse_spec, preset

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

PRINTED_DECIMALS = 6          # the key and the worksheets print figures as the slides: 6 decimals
MIN_SHOWN = 1e-4              # 0.000123 at 6 decimals: 3 significant digits, the fewest a mark reads
SIGMOID_RANGE = (0.05, 0.95)
TANH_LIMIT = 0.95
MAX_TRIES = 400               # draws before giving up on a template whose rules cannot all hold
MAX_WIDTH = 8                 # neurons (or inputs) in a column a hand exercise can draw and work
MAX_LAYERS = 4
GROUPS = ("forward", "deltas", "gradients", "updates")
DEFAULT_ASK = ("forward", "gradients", "updates")
BIAS_KINDS = ("shared", "per_neuron", "none")
TEMPLATE_KEYS = ("name", "title", "title_zh", "shape", "activation", "output_activation", "loss",
                 "convention", "learning_rate", "ask", "after", "bias", "train_bias", "decimals",
                 "input_range", "weight_range", "bias_range", "target_range")
# The slides' own names for the networks they work by hand (shape -> preset).
SLIDE_NAMES = {(2, 3, 2): "bp232", (2, 1, 1): "exercise211"}
# The rules, as the output states them (each checked on every variant).
RULES = {
    "decimals": N_("every given number (input, weight, bias, target) has at most {decimals} decimals"),
    "sigmoid_range": N_("every sigmoid output lies between 0.05 and 0.95 (no saturated neuron)"),
    "tanh_range": N_("every tanh output lies between -0.95 and 0.95 (no saturated neuron)"),
    "not_vanishing": N_("every asked gradient and change shows at least 3 significant digits at "
                        "6 decimals (|value| ≥ 0.0001)"),
    "distinct": N_("no two asked figures are equal at 6 decimals (unless the formulas make them "
                   "equal, as {example})"),
}


def same_by_formula(spec: Spec) -> str:
    """The example the "distinct" rule gives, from the exercise's own network: the
    output layer's first weight, whose local derivative is what it carries
    (dnet_o1/dw7 = out_h1 in the slides' 2-3-2, dnet_o1/dw5 = out_h1 in a 2-2-1)."""
    layer = spec.layers[-1]
    w = layer.weight_names[0][0]
    senders = spec.layers[-2].neurons if len(spec.layers) > 1 else spec.input_names
    src = senders[0]
    return f"{naming.derivative(naming.net(layer.neurons[0]), w)} = " + (
        naming.out(src) if len(spec.layers) > 1 else src)


def rule_text(code: str, spec: Spec, decimals: int) -> str:
    """A rule as the output states it, in the language of the moment."""
    return _(RULES[code]).format(decimals=decimals, example=same_by_formula(spec))


# --- templates ----------------------------------------------------------------------------

@dataclass
class Template:
    """An exercise's design: everything but the numbers (see the module's docstring)."""

    name: str
    shape: list[int]
    activation: str = "sigmoid"
    output_activation: str = ""
    loss: str = "half_sse"
    convention: str = "simultaneous"
    learning_rate: float = 0.5
    ask: list[str] = field(default_factory=lambda: list(DEFAULT_ASK))
    after: list[int] = field(default_factory=list)
    bias: str = "shared"
    train_bias: bool = False
    decimals: int = 2
    input_range: tuple[float, float] = (-1.0, 1.0)
    weight_range: tuple[float, float] = (-1.0, 1.0)
    bias_range: tuple[float, float] = (-0.5, 0.5)
    target_range: Optional[tuple[float, float]] = None
    title: str = ""
    title_zh: str = ""

    @classmethod
    def from_file(cls, path: Union[str, Path]) -> "Template":
        """A template file read and checked (:func:`load_template`)."""
        return load_template(path)


def load_template(path: Union[str, Path]) -> Template:
    """Read a template file; any problem is a SpecError naming the file and the key."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, ValueError) as e:  # UnicodeDecodeError is a ValueError
        raise SpecError(str(path), _("cannot read the template: {reason}").format(
            reason=getattr(e, "strerror", None) or e)) from None
    try:
        return template_from_text(text)
    except SpecError as e:
        raise SpecError(f"{path}: {e.key}" if e.key else str(path), e.problem) from None


def template_from_text(text: str) -> Template:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise SpecError("", _("not valid TOML: {error}").format(error=e)) from None
    return template_from_dict(data)


def template_from_dict(data: dict[str, Any]) -> Template:
    """Validate a template (a dict, as read from TOML); a SpecError names the bad key."""
    for key in data:
        if key not in TEMPLATE_KEYS:
            raise SpecError(key, _("unknown key (known template keys: {keys})").format(
                keys=", ".join(TEMPLATE_KEYS)))
    if "shape" not in data:
        raise SpecError("shape", _("missing (the inputs, then each layer's neurons: [2, 3, 2])"))
    t = Template(name=_string(data.get("name", "exercise"), "name"), shape=_shape(data["shape"]))
    t.title, t.title_zh = _string(data.get("title", ""), "title"), _string(data.get("title_zh", ""), "title_zh")
    t.activation = _one_of(data.get("activation", t.activation), "activation", ACTIVATIONS)
    t.output_activation = _one_of(data.get("output_activation", t.activation), "output_activation",
                                  ACTIVATIONS)
    t.loss = _one_of(data.get("loss", t.loss), "loss", tuple(LOSSES))
    t.convention = _one_of(data.get("convention", t.convention), "convention", CONVENTIONS)
    t.learning_rate = _positive(data.get("learning_rate", t.learning_rate), "learning_rate")
    t.ask = _ask(data.get("ask", t.ask))
    t.after = _counts(data.get("after", []), "after")
    t.bias = _one_of(data.get("bias", t.bias), "bias", BIAS_KINDS)
    t.train_bias = data.get("train_bias", t.train_bias)
    if not isinstance(t.train_bias, bool):
        raise SpecError("train_bias", _("expected true or false, got {value}").format(value=show(t.train_bias)))
    t.decimals = data.get("decimals", t.decimals)
    if t.decimals not in (1, 2) or isinstance(t.decimals, bool):
        raise SpecError("decimals", _("expected 1 or 2 (numbers a person can work with), got "
                                      "{value}").format(value=show(t.decimals)))
    for key in ("input_range", "weight_range", "bias_range", "target_range"):
        if key in data:
            setattr(t, key, _range(data[key], key))
    _check_design(t)
    return t


def _check_design(t: Template) -> None:
    """What the loss and the activations need of each other, named by the template's keys."""
    if t.activation == "softmax" and len(t.shape) > 2:
        raise SpecError("activation", _("softmax is for the output layer only: write "
                                        "output_activation = \"softmax\""))
    if t.output_activation == "softmax" and t.shape[-1] < 2:
        raise SpecError("output_activation", _("softmax needs at least 2 output neurons; the shape "
                                               "{shape} has {count}").format(shape=show(t.shape),
                                                                              count=t.shape[-1]))
    if t.loss == "cross_entropy" and t.output_activation not in ("softmax", "sigmoid"):
        raise SpecError("loss", _("cross_entropy takes log(out) of each output, so the outputs must be "
                                  "probabilities: output_activation = \"softmax\" or \"sigmoid\", not "
                                  "{name}").format(name=show(t.output_activation)))
    if t.loss == "cross_entropy" and t.target_range and not 0 <= t.target_range[0] < t.target_range[1] <= 1:
        raise SpecError("target_range", _("cross_entropy targets are probabilities (0 to 1), got "
                                          "{value}").format(value=show(list(t.target_range))))


def _string(x: Any, key: str) -> str:
    if not isinstance(x, str):
        raise SpecError(key, _("expected a string, got {value}").format(value=show(x)))
    return x


def _one_of(x: Any, key: str, options: Sequence[str]) -> str:
    if x not in options:
        raise SpecError(key, _("unknown value {value} (choose from {options})").format(
            value=show(x), options=", ".join(options)))
    return x


def _number(x: Any, key: str) -> float:
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise SpecError(key, _("expected a number, got {value}").format(value=show(x)))
    return float(x)


def _positive(x: Any, key: str) -> float:
    value = _number(x, key)
    if value <= 0:
        raise SpecError(key, _("expected {what}, got {value}").format(what=_("a positive number"),
                                                                        value=show(x)))
    return value


def _shape(x: Any) -> list[int]:
    ok = (isinstance(x, list) and len(x) >= 2
          and all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in x))
    if not ok:
        raise SpecError("shape", _("expected the inputs and then each layer's neurons, whole numbers "
                                   "from 1, such as [2, 3, 2] or [2, 2, 1], got {value}").format(
            value=show(x)))
    if len(x) - 1 > MAX_LAYERS or max(x) > MAX_WIDTH:
        raise SpecError("shape", _("{value} is too big to work by hand: at most {layers} layers of "
                                   "at most {width} neurons (and {width} inputs)").format(
            value=show(x), layers=MAX_LAYERS, width=MAX_WIDTH))
    return list(x)


def _ask(x: Any) -> list[str]:
    if not isinstance(x, (list, tuple)) or not x or not all(isinstance(q, str) and q.strip() for q in x):
        raise SpecError("ask", _("expected a list of quantities or groups ({groups}), got "
                                 "{value}").format(groups=", ".join(GROUPS), value=show(x)))
    return [q.strip() for q in x]


def _counts(x: Any, key: str) -> list[int]:
    if not isinstance(x, list) or any(isinstance(k, bool) or not isinstance(k, int)
                                      or not 0 <= k <= MAX_UPDATES for k in x):
        raise SpecError(key, _("expected a list of update counts 0..{most}, got {value}").format(
            most=MAX_UPDATES, value=show(x)))
    return sorted(set(x))


def _range(x: Any, key: str) -> tuple[float, float]:
    if not (isinstance(x, list) and len(x) == 2):
        raise SpecError(key, _("expected [lowest, highest], got {value}").format(value=show(x)))
    lo, hi = _number(x[0], f"{key}[0]"), _number(x[1], f"{key}[1]")
    if not lo < hi:
        raise SpecError(key, _("expected [lowest, highest] with lowest < highest, got {value}").format(
            value=show(x)))
    return lo, hi


# --- the skeleton: a network without its numbers ----------------------------------------------

@dataclass
class _Layer:
    neurons: list[str]
    weight_names: list[list[str]]
    bias: str                    # shared | per_neuron | none
    bias_names: Union[None, str, list[str]]
    train_bias: bool
    activation: str


@dataclass
class _Skeleton:
    name: str
    input_names: list[str]
    layers: list[_Layer]
    loss: str
    learning_rate: float
    convention: str
    after: list[int]
    ask: list[str]
    decimals: int
    ranges: dict[str, tuple[float, float]]
    texts: dict[str, str]


def _skeleton_of_template(t: Template) -> _Skeleton:
    names = preset(SLIDE_NAMES[tuple(t.shape)]) if tuple(t.shape) in SLIDE_NAMES else None
    layers = []
    before = 0
    count = len(t.shape) - 1
    for l, (nin, nout) in enumerate(zip(t.shape, t.shape[1:])):
        neurons = names.layers[l].neurons if names else naming.neuron_names(l, count, nout)
        weights = (names.layers[l].weight_names if names
                   else naming.weight_names(nin, nout, before=before))
        bias_names = (None if t.bias == "none" else naming.shared_bias(l) if t.bias == "shared"
                      else [naming.own_bias(n) for n in neurons])
        activation = t.output_activation if l == count - 1 else t.activation
        layers.append(_Layer(list(neurons), [list(r) for r in weights], t.bias, bias_names,
                             t.train_bias, activation))
        before += nin * nout
    inputs = list(names.input_names) if names else naming.input_names(t.shape[0])
    ranges = {"inputs": t.input_range, "weights": t.weight_range, "biases": t.bias_range}
    if t.target_range:
        ranges["targets"] = t.target_range
    # `after`: the outputs and E_total after K updates are asked too
    ask = list(t.ask) + [f"{q}@{k}" for k in t.after
                         for q in [naming.out(o) for o in layers[-1].neurons] + [naming.TOTAL_ERROR]]
    return _Skeleton(t.name, inputs, layers, t.loss, t.learning_rate, t.convention, list(t.after),
                     ask, t.decimals, ranges, {"title": t.title, "title_zh": t.title_zh})


def _skeleton_of_spec(spec: Spec) -> _Skeleton:
    layers = []
    for ls in spec.layers:
        kind = "none" if ls.bias is None else "per_neuron" if isinstance(ls.bias, list) else "shared"
        names = ls.bias_names if not isinstance(ls.bias_names, list) else list(ls.bias_names)
        layers.append(_Layer(list(ls.neurons), [list(r) for r in ls.weight_names], kind, names,
                             ls.train_bias, ls.activation))
    texts = {k: getattr(spec, k) for k in ("title", "title_zh", "source", "source_zh")}
    t = Template("", [1, 1])  # the default ranges
    return _Skeleton(spec.name, list(spec.input_names), layers, spec.loss, spec.learning_rate,
                     spec.convention, list(spec.after), list(DEFAULT_ASK), 2,
                     {"inputs": t.input_range, "weights": t.weight_range, "biases": t.bias_range},
                     texts)


# --- drawing the numbers ------------------------------------------------------------------------

def _draw(rng: random.Random, lo: float, hi: float, decimals: int, smallest: float = 0.05) -> float:
    """A number of ``decimals`` decimals in [lo, hi], never closer to 0 than ``smallest``
    (a 0 or a 0.01 weight makes a dull exercise) unless the range holds nothing else."""
    scale = 10 ** decimals
    low, high = math.ceil(lo * scale - 1e-9), math.floor(hi * scale + 1e-9)
    for _try in range(100):
        k = rng.randint(low, high)
        if abs(k) >= smallest * scale or low == high:
            return k / scale
    return k / scale


def _draw_targets(rng: random.Random, skel: _Skeleton) -> list[float]:
    outputs = skel.layers[-1]
    size, act = len(outputs.neurons), outputs.activation
    if skel.loss == "hinge":
        return [float(rng.choice((-1, 1))) for _i in range(size)]
    if act == "softmax":
        hot = rng.randrange(size)
        return [1.0 if i == hot else 0.0 for i in range(size)]
    lo, hi = skel.ranges.get("targets") or {"tanh": (-0.9, 0.9), "relu": (0.05, 1.0),
                                            "identity": (-1.0, 1.0), "step": (0.0, 1.0)
                                            }.get(act, (0.01, 0.99))
    return [_draw(rng, lo, hi, skel.decimals, smallest=0.0) for _i in range(size)]


def _spec_data(skel: _Skeleton, rng: random.Random, name: str) -> dict[str, Any]:
    """A spec (as TOML would give it) of the skeleton with numbers drawn from ``rng``."""
    d = skel.decimals
    inputs = [_draw(rng, *skel.ranges["inputs"], d) for _n in skel.input_names]
    layers = []
    for layer in skel.layers:
        table: dict[str, Any] = {
            "neurons": layer.neurons, "weight_names": layer.weight_names,
            "weights": [[_draw(rng, *skel.ranges["weights"], d) for _w in row] for row in layer.weight_names],
            "train_bias": layer.train_bias, "activation": layer.activation}
        if layer.bias == "shared":
            table["bias"], table["bias_names"] = _draw(rng, *skel.ranges["biases"], d), layer.bias_names
        elif layer.bias == "per_neuron":
            table["bias"] = [_draw(rng, *skel.ranges["biases"], d) for _n in layer.neurons]
            table["bias_names"] = layer.bias_names
        layers.append(table)
    data: dict[str, Any] = {
        "name": name, "inputs": inputs, "input_names": skel.input_names,
        "targets": _draw_targets(rng, skel), "activation": skel.layers[0].activation, "loss": skel.loss,
        "learning_rate": skel.learning_rate, "convention": skel.convention, "after": skel.after,
        "layers": layers}
    data.update({k: v for k, v in skel.texts.items() if v})
    return data


# --- what is asked -------------------------------------------------------------------------------

def _trained(spec: Spec) -> list[str]:
    """The parameters an update changes: every weight, the biases where train_bias."""
    names: list[str] = []
    for layer in spec.layers:
        names += sorted(layer.weight_list(), key=naming.reading_order)
        if layer.train_bias:
            names += sorted(layer.bias_list(), key=naming.reading_order)
    return names


def _group(spec: Spec, group: str) -> list[str]:
    neurons = [(n, layer.activation) for layer in spec.layers for n in layer.neurons]
    if group == "forward":
        qs = []
        for n, act in neurons:
            qs += [naming.net(n)] + ([naming.out(n)] if act != "identity" else [])
        return qs + [naming.TOTAL_ERROR]
    if group == "deltas":
        return [naming.derivative(naming.TOTAL_ERROR, naming.net(n)) for n, _act in neurons]
    if group == "gradients":
        return [naming.derivative(naming.TOTAL_ERROR, p) for p in _trained(spec)]
    return [naming.updated(p) for p in _trained(spec)]


def asked_quantities(spec: Spec, ask: Sequence[str]) -> list[str]:
    """The quantities ``ask`` names (groups expanded), each once, checked against the network."""
    labels = spec.labels()
    asked: list[str] = []
    for i, item in enumerate(ask):
        for q in (_group(spec, item) if item in GROUPS else [item]):
            parse_quantity(q, labels, f"ask[{i}]")
            if q not in asked:
                asked.append(q)
    return asked


def _update_counts(asked: Sequence[str], spec: Spec) -> list[int]:
    labels = spec.labels()
    return sorted({q.k for q in (parse_quantity(a, labels) for a in asked) if q.kind == "after"})


# --- the rules -----------------------------------------------------------------------------------

@dataclass
class _Figures:
    """One draw solved: the asked figures and every neuron's output."""

    values: dict[str, float]
    outputs: dict[str, tuple[str, float]]   # out_X -> (activation, value)


def _solve(spec: Spec, asked: Sequence[str]) -> _Figures:
    # only the counts asked for: a spec's own `after` (bp232's 1001) stays for its report
    counts = tuple(_update_counts(asked, spec))
    run = Run(spec, spec.convention, max((1, *counts)), counts)
    values = {q: run.value(q) for q in asked}
    outputs = {naming.out(n): (layer.activation, run.nodes[naming.out(n)].data)
               for layer in spec.layers for n in layer.neurons}
    return _Figures(values, outputs)


def printed(value: float) -> str:
    """A figure as the key and the worksheets print it: 6 decimals (as the slides)."""
    return format_number(value, PRINTED_DECIMALS)


@dataclass
class _Structure:
    """What the formulas fix whatever the numbers: pairs of asked figures that are
    the same number (dnet_o1/dw7 and out_h1) and figures that are always 0 or
    never move (b1+ when the biases are not trained)."""

    same: set[frozenset[str]]
    fixed: set[str]


def _structure(skel: _Skeleton, asked: Sequence[str], spec: Spec) -> _Structure:
    """Found on two draws of unrounded numbers (what holds on both holds by the formulas).
    A relu is drawn as the identity it is where alive: a dead relu's zeros belong to its
    numbers (the rules draw again), and a live one's out equals its net by the formula."""
    draws = []
    layers = [_Layer(**{**la.__dict__, "activation": "identity" if la.activation == "relu" else la.activation})
              for la in skel.layers]
    for seed in (1, 2):
        rng = random.Random(seed)
        wide = _Skeleton(**{**skel.__dict__, "decimals": 9, "layers": layers})
        generic = parse_spec(_spec_data(wide, rng, "structure"))
        draws.append((_solve(generic, asked).values, _parameter_values(generic)))
    # equal, or equal but for the sign (the absolute loss's ±1), on both draws
    same = {frozenset((a, b)) for a, b in itertools.combinations(asked, 2)
            if all(math.isclose(abs(d[a]), abs(d[b]), rel_tol=1e-9, abs_tol=1e-12) for d, _p in draws)}
    return _Structure(same, {q for q in asked if all(_moved(q, spec, d, p) < 1e-12 for d, p in draws)})


def _moved(q: str, spec: Spec, values: dict[str, float], initial: dict[str, float]) -> float:
    """How far a gradient or change is from 0 (an update: its change); inf for other figures.
    (A softmax layer's shared bias has a gradient of 0 by the formulas: softmax ignores a
    shift of all its nets.)"""
    kind = parse_quantity(q, spec.labels())
    if kind.kind in ("derivative", "change"):
        return abs(values[q])
    if kind.kind == "updated" and kind.a in initial:
        return abs(values[q] - initial[kind.a])
    return math.inf


def _parameter_values(spec: Spec) -> dict[str, float]:
    values: dict[str, float] = {}
    for layer in spec.layers:
        for names, row in zip(layer.weight_names, layer.weights):
            values.update(zip(names, row))
        if isinstance(layer.bias, list):
            values.update(zip(layer.bias_names, layer.bias))
        elif layer.bias is not None:
            values[layer.bias_names] = layer.bias
    return values


def _given_numbers(spec: Spec) -> list[float]:
    return list(spec.inputs) + list(spec.targets) + list(_parameter_values(spec).values())


def decimals_of(x: float) -> int:
    """The decimals of a float as its shortest repr writes it (0.15 -> 2, 5.0 -> 0)."""
    text = repr(float(x))
    if "e" in text:
        mantissa, exponent = text.split("e")
        return max(0, len(mantissa.split(".")[1].rstrip("0")) if "." in mantissa else 0) - int(exponent)
    return len(text.split(".")[1].rstrip("0"))


def applicable_rules(spec: Spec) -> list[str]:
    """The rule codes that apply to this network (in RULES' order)."""
    acts = {layer.activation for layer in spec.layers}
    return [code for code in RULES if (code != "sigmoid_range" or "sigmoid" in acts)
            and (code != "tanh_range" or "tanh" in acts)]


def broken_rule(spec: Spec, figures: _Figures, asked: Sequence[str], structure: _Structure,
                decimals: int = 2, same: Optional[set[frozenset[str]]] = None) -> Optional[str]:
    """The first rule this draw breaks (a code of RULES), None when all hold. ``same``
    (a set): where to add the pairs this draw's own choices make equal by the formulas."""
    if any(decimals_of(x) > decimals for x in _given_numbers(spec)):
        return "decimals"
    for act, value in figures.outputs.values():
        if act == "sigmoid" and not SIGMOID_RANGE[0] <= value <= SIGMOID_RANGE[1]:
            return "sigmoid_range"
        if act == "tanh" and not abs(value) <= TANH_LIMIT:
            return "tanh_range"
    initial = _parameter_values(spec)
    if any(q not in structure.fixed and _moved(q, spec, figures.values, initial) < MIN_SHOWN for q in asked):
        return "not_vanishing"
    shown: dict[str, str] = {}
    for q in asked:
        text = printed(figures.values[q])
        other = shown.get(text)
        if other is not None and frozenset((q, other)) not in structure.same:
            if not _equal_by_formula(spec, asked, q, other):
                return "distinct"
            if same is not None:
                same.add(frozenset((q, other)))
        shown.setdefault(text, q)
    return None


def _equal_by_formula(spec: Spec, asked: Sequence[str], a: str, b: str) -> bool:
    """Whether ``a`` and ``b`` stay equal (or opposite) when every input, weight and bias
    moves a little and the targets stay: equal by the formulas given this draw's targets
    (a one-hot target's 0 makes dE_total/dnet_o2 = out_o2 - 0 = out_o2)."""
    rng = random.Random(0)

    def nudge(x: float) -> float:
        return x * (1 + rng.uniform(-0.1, 0.1)) + rng.uniform(-0.01, 0.01)

    layers = [dataclasses.replace(
        layer, weights=[[nudge(w) for w in row] for row in layer.weights],
        bias=None if layer.bias is None else [nudge(b) for b in layer.bias] if isinstance(layer.bias, list)
        else nudge(layer.bias)) for layer in spec.layers]
    nudged = dataclasses.replace(spec, inputs=[nudge(x) for x in spec.inputs], layers=layers)
    values = _solve(nudged, [a, b]).values
    return math.isclose(abs(values[a]), abs(values[b]), rel_tol=1e-9, abs_tol=1e-12)


# --- variants ------------------------------------------------------------------------------------

@dataclass
class Exercise:
    """One variant: its spec (the numbers), the quantities asked, the seed it came
    from, the asked figures' values (the engine's, under the spec's convention)
    and the rules it keeps (``rules``: in the language of the moment)."""

    spec: Spec
    asked: list[str]
    seed: str
    values: dict[str, float]
    rule_codes: list[str]
    tries: int
    decimals: int = 2
    same: list[tuple[str, str]] = field(default_factory=list)   # equal by the formulas

    @property
    def rules(self) -> list[str]:
        return [rule_text(code, self.spec, self.decimals) for code in self.rule_codes]

    def printed(self, quantity: str) -> str:
        return printed(self.values[quantity])


def seed_number(source_name: str, seed: Union[int, str]) -> int:
    """The random generator's seed for ``seed`` (an integer or a student's id) of the
    exercise ``source_name``: SHA-256, the same on every machine and in every run
    (Python's own hash() of a string changes from run to run). Two exercises give
    the same student different numbers."""
    digest = hashlib.sha256(f"chainrule-exercise\x1f{source_name}\x1f{seed}".encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big")


def _check_seed(seed: Any) -> str:
    if isinstance(seed, bool) or not isinstance(seed, (int, str)) or not str(seed).strip():
        raise SpecError("seed", _("expected a whole number or a student's id, got {value}").format(
            value=show(seed)))
    return str(seed).strip()


def variant(source: Union[Template, Spec], seed: Union[int, str],
            ask: Optional[Sequence[str]] = None, max_tries: int = MAX_TRIES) -> Exercise:
    """The variant of ``source`` for ``seed`` (an integer, or a student's id): the same
    seed gives the same exercise. ``ask``: the figures to ask (quantities or groups),
    by default the template's (for a spec: forward, gradients, updates).
    A SpecError when no draw in ``max_tries`` keeps every rule (it names the rule)."""
    seed_text = _check_seed(seed)
    if isinstance(source, Template):
        skel = _skeleton_of_template(source)
    elif isinstance(source, Spec):
        skel = _skeleton_of_spec(source)
    else:
        raise SpecError("source", _("expected a Template or a Spec, got {value}").format(value=show(source)))
    if ask is not None:
        skel.ask = _ask(list(ask))
    rng = random.Random(seed_number(skel.name, seed_text))
    name = f"{skel.name}-{seed_text}"
    spec = parse_spec(_spec_data(skel, rng, name))
    asked = asked_quantities(spec, skel.ask)
    counts = sorted(set(skel.after) | set(_update_counts(asked, spec)))
    skel.after = counts
    structure = _structure(skel, asked, spec)
    broken: dict[str, int] = {}
    for tries in range(1, max_tries + 1):
        spec = parse_spec(_spec_data(skel, rng, name))
        figures = _solve(spec, asked)
        found = set(structure.same)
        rule = broken_rule(spec, figures, asked, structure, skel.decimals, found)
        if rule is None:
            same = sorted(tuple(sorted(p)) for p in found)
            return Exercise(spec, asked, seed_text, figures.values, applicable_rules(spec), tries,
                            skel.decimals, same)
        broken[rule] = broken.get(rule, 0) + 1
    worst = max(broken, key=broken.get)
    raise SpecError("ask" if worst in ("not_vanishing", "distinct") else "", _(
        "no numbers found in {tries} draws that keep every rule; the rule broken most often "
        "({count} times): {rule}. Widen the ranges, ask fewer figures or change the network").format(
        tries=max_tries, count=broken[worst], rule=rule_text(worst, spec, skel.decimals)))


# --- the spec as TOML ----------------------------------------------------------------------------

def _toml_string(text: str) -> str:
    """A TOML basic string (JSON's escapes are TOML's; DEL too must be escaped)."""
    return json.dumps(text, ensure_ascii=False).replace("\x7f", "\\u007f")


def _toml_value(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, str):
        return _toml_string(x)
    if isinstance(x, int):
        return str(x)
    if isinstance(x, float):
        return repr(x)
    return "[" + ", ".join(_toml_value(v) for v in x) + "]"


def spec_to_toml(spec: Spec) -> str:
    """The spec as a TOML file that :func:`chainrule.spec.load_spec` (``chainrule bp``,
    ``chainrule exercise check``) reads back as the same Spec."""
    lines = []
    top = [("name", spec.name), ("title", spec.title), ("title_zh", spec.title_zh),
           ("source", spec.source), ("source_zh", spec.source_zh), ("figures_from", spec.figures_from),
           ("inputs", spec.inputs), ("input_names", spec.input_names), ("targets", spec.targets),
           ("activation", spec.activation), ("loss", spec.loss), ("learning_rate", spec.learning_rate),
           ("convention", spec.convention), ("after", spec.after)]
    for key, value in top:
        if value not in ("", []):
            lines.append(f"{key} = {_toml_value(value)}")
    for layer in spec.layers:
        lines += ["", "[[layers]]"] + _layer_lines(layer)
    for fig in spec.slide_check:
        lines += ["", "[[slide_check]]"] + _check_lines(fig)
    return "\n".join(lines) + "\n"


def _layer_lines(layer: LayerSpec) -> list[str]:
    lines = [f"neurons = {_toml_value(layer.neurons)}", f"weights = {_toml_value(layer.weights)}",
             f"weight_names = {_toml_value(layer.weight_names)}"]
    if layer.bias is not None:
        lines += [f"bias = {_toml_value(layer.bias)}", f"bias_names = {_toml_value(layer.bias_names)}"]
    return lines + [f"train_bias = {_toml_value(layer.train_bias)}",
                    f"activation = {_toml_value(layer.activation)}"]


def _check_lines(fig: SlideFigure) -> list[str]:
    pairs = [("figure", fig.figure), ("figure_zh", fig.figure_zh), ("slide", fig.slide),
             ("quantity", fig.quantity), ("note", fig.note), ("note_zh", fig.note_zh)]
    return [f"{k} = {_toml_value(v)}" for k, v in pairs if v != "" or k in ("slide", "quantity")]


# --- rosters --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""


# An id names the student's folder: letters (any script), digits, _ - . (not leading).
_ID = re.compile(r"^\w[\w.-]{0,63}$")


def read_roster(path: Union[str, Path]) -> list[Student]:
    """A roster CSV: a column ``id`` (required: unique, usable as a folder name),
    ``name`` optional. Bad input: a SpecError naming the file, the line and the id."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except (OSError, ValueError) as e:
        raise SpecError(str(path), _("cannot read the roster: {reason}").format(
            reason=getattr(e, "strerror", None) or e)) from None
    return roster_from_text(text, str(path))


def roster_from_text(text: str, where: str = "roster") -> list[Student]:
    try:
        rows = list(csv.reader(io.StringIO(text)))
    except csv.Error as e:
        raise SpecError(where, _("not a CSV file: {error}").format(error=e)) from None
    if not rows:
        raise SpecError(where, _("empty: a roster needs a header line with the column id"))
    header = [h.strip().lower() for h in rows[0]]
    if "id" not in header:
        raise SpecError(where, _("no column id in the header line {header} (a roster has a column "
                                 "id and optionally name)").format(header=show(rows[0])))
    i, n = header.index("id"), header.index("name") if "name" in header else None
    students: list[Student] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        sid = row[i].strip() if i < len(row) else ""
        if not _ID.match(sid):
            raise SpecError(f"{where}: line {line}", _("the id {value} cannot name a folder (letters, "
                                                       "digits, _ - and ., at most 64)").format(
                value=show(sid)))
        if sid in seen:
            raise SpecError(f"{where}: line {line}", _("the id {value} is already on line {first}: "
                                                       "each student needs an id of their own").format(
                value=show(sid), first=seen[sid]))
        seen[sid] = line
        students.append(Student(sid, row[n].strip() if n is not None and n < len(row) else ""))
    if not students:
        raise SpecError(where, _("no students: the roster has a header line but no ids"))
    return students
