"""A student's workings: every figure of an exercise's first forward pass,
backward pass and update, computed through the engine's graph of the spec's
network, from the spec's numbers or from the student's own earlier figures
where the student wrote them (error carried forward), under a set of
:class:`Rules`: the right ones, or a misconception's (one local rule or one
step changed, :mod:`chainrule.exercise.misconceptions`).

How the figures are computed, all with the engine:

* forward: each op of the graph recomputed by its own forward rule
  (``op.forward``), a named node (net_h1, out_h1, E_o1, ...) taking the
  student's value where given;
* backward: the named nodes' local factors (d net_o1 / d out_h1 = w7, ...)
  from :func:`autograd.edges_below` at the data of the moment, a student's
  own factor where given, then :func:`autograd.backward_from` stage by stage
  down the named nodes, each stage seeded with the student's dE_total/dX
  where given (as the sequential convention runs in stages);
* update: Δw = -η·dE_total/dw, w+ = w + Δw; under the sequential convention
  the hidden gradients go through the updated weights (their data set to w+
  before the stage below, as :func:`nn.train.sequential_backward` does);
* values after K updates: a :class:`chainrule.solver.Run` of the spec.

A figure is a key: ("value", name), ("grad", name) for dE_total/dname,
("local", a, b) for da/db with b a named operand of a, ("derivative", a, b)
for any other da/db, ("updated", p), ("change", p), ("after", name, K).
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from autograd import (Node, backward_from, derivatives, edges_below, local_derivatives,
                      topological_order)
from nn import naming
from nn.losses import get_loss

from ..errors import SpecError
from ..i18n import _
from ..quantities import Quantity, parse_quantity
from ..solver import Run, build_model, named_nodes
from ..spec import LayerSpec, Spec

Key = tuple
# losses written with a 1/2 that the derivative's 2 cancels
HALF_LOSSES = ("half_sse", "mse_half")


@dataclass(frozen=True)
class Rules:
    """How the figures are worked: the right rules by default; each field
    that differs is one misconception's broken rule or step."""

    convention: str = "simultaneous"
    error_sign: float = 1.0          # -1: dE/dout taken as target - out
    error_scale: float = 1.0         # 2: E without its 1/2 (E and dE/dout doubled)
    derivative_from_net: bool = False  # the activation's derivative read at net, not out
    dropped_path: Optional[int] = None  # the output whose path to the hidden layer is left out
    update_sign: float = 1.0         # -1: p + eta * grad
    eta_power: int = 1               # 0: eta left out, 2: eta applied twice
    bias: bool = True                # False: net without the bias
    transposed: bool = False         # w_ij read as w_ji


def figure_key(q: Quantity, frame: "Frame", where: str = "quantity") -> Key:
    """The key of a parsed quantity (its sign apart); ``where``: the key an
    error names."""
    if q.kind == "derivative":
        if q.a == naming.TOTAL_ERROR:
            return ("grad", q.b)
        top, bottom = frame.nodes[q.a], frame.nodes[q.b]
        if bottom in frame.children.get(top, ()):
            return ("local", q.a, q.b)
        return ("derivative", q.a, q.b)
    if q.kind in ("updated", "change") and q.a not in frame.initial:
        raise SpecError(where, _("only weights and biases are updated: {name} has no {quantity}").format(
            name=q.a, quantity=naming.updated(q.a) if q.kind == "updated" else naming.change(q.a)))
    if q.kind == "after":
        return ("after", q.a, q.k)
    return (q.kind, q.a)


def read_quantity(text: str, frame: "Frame", key: str = "quantity") -> tuple[Key, float]:
    """(key, sign) of a quantity as written (``-dE_total/dw7``)."""
    q = parse_quantity(text, frame.labels, key)
    return figure_key(q, frame, key), q.sign


class Frame:
    """The graph of one spec's first forward pass, built once and re-run with
    other numbers: the named nodes, their named operands and levels."""

    def __init__(self, spec: Spec) -> None:
        self.spec = spec
        model = build_model(spec)
        outputs = model.forward_layers(spec.inputs)
        self.loss = get_loss(spec.loss)(outputs[-1], spec.targets)
        self.nodes = named_nodes(spec, self.loss, outputs[-1])
        self.labels = spec.labels()
        self.order = topological_order([self.loss, *outputs[-1]])
        self.leaf_data = {n: n.data for n in self.order if not n.children}
        self.names_of: dict[Node, list[str]] = {}
        for name, node in self.nodes.items():
            self.names_of.setdefault(node, []).append(name)
        self.named = set(self.names_of)
        self.initial = {p: self.nodes[p].data for p in spec.parameter_names() if p in self.nodes}
        self.trained = {p: True for p in self.initial}
        for layer in spec.layers:
            for b in layer.bias_list():
                self.trained[b] = layer.train_bias
        self.biases = {self.nodes[b] for layer in spec.layers for b in layer.bias_list() if b in self.nodes}
        self.params = {self.nodes[p]: p for p in self.initial}
        # weight -> (receiving neuron, sending neuron or input); bias -> its neurons
        self.joins: dict[str, tuple[str, str]] = {}
        senders = spec.input_names
        for layer in spec.layers:
            for i, row in enumerate(layer.weight_names):
                for j, w in enumerate(row):
                    self.joins[w] = (layer.neurons[i], senders[j])
            senders = layer.neurons
        self._structure()
        self._runs: dict[tuple, Run] = {}
        self.counts: set[int] = set()
        self._transposed: Optional[Frame] = None

    def _structure(self) -> None:
        """The named operands of each named node, the stages (levels below
        E_total), and which nodes the broken rules touch."""
        top = self.nodes[naming.TOTAL_ERROR]
        self.children: dict[Node, list[Node]] = {}
        self.direct: dict[Node, bool] = {}
        level = {top: 0}
        for node in reversed(self.order):  # parents before their operands
            if node not in self.named or not node.children or node not in level:
                continue
            kids = [e.child for e in edges_below(node, self.named)]
            self.children[node] = kids
            # each named operand an operand of the op itself, once (out_h1 = σ(net_h1))
            self.direct[node] = (node.op.local is not None and len(set(node.children)) == len(
                node.children) and all(c in node.children for c in kids))
            for c in kids:
                level[c] = max(level.get(c, 0), level[node] + 1)
        self.levels: list[list[Node]] = [[] for _ in range(max(level.values()) + 1)]
        for node in self.order:
            if node in level:
                self.levels[level[node]].append(node)
        outputs = self.spec.outputs
        # each output's error term (E_total itself for a single output)
        self.errors = {self.nodes[naming.error_of(o)]: self.nodes[naming.out(o)] for o in outputs
                       if naming.error_of(o) in self.nodes}
        self.activations = {}  # out node -> net node, where out is one op of net
        for layer in self.spec.layers:
            for n in layer.neurons:
                out, net = self.nodes[naming.out(n)], self.nodes[naming.net(n)]
                if out is not net and list(out.children) == [net] and out.op.local is not None:
                    self.activations[out] = net
        self.output_nets = [self.nodes[naming.net(o)] for o in outputs]

    def transposed(self) -> Optional["Frame"]:
        """The frame of the spec with every weight read the other way round
        (None when no layer reads differently)."""
        if self._transposed is None:
            spec = transposed_spec(self.spec)
            self._transposed = Frame(spec) if spec is not None else self
        return None if self._transposed is self else self._transposed

    def run(self, rules: Rules, counts: Iterable[int]) -> Optional[Run]:
        """The engine's run of the spec as ``rules`` train it, for values after
        K updates (None for a broken rule no spec can say)."""
        spec = self.spec
        if rules.error_sign != 1 or rules.update_sign != 1 or rules.derivative_from_net \
                or rules.dropped_path is not None:
            return None
        lr = spec.learning_rate ** rules.eta_power * rules.error_scale
        layers = spec.layers if rules.bias else [
            dataclasses.replace(la, bias=None, bias_names=None) for la in spec.layers]
        # every count this frame was asked for: a run of K updates is the costly part
        self.counts |= set(counts)
        key = (rules.convention, lr, rules.bias)
        run = self._runs.get(key)
        if run is None or not self.counts <= set(run.snapshots):
            changed = dataclasses.replace(spec, learning_rate=lr, layers=layers, slide_check=[])
            counts = tuple(sorted(self.counts))
            run = self._runs[key] = Run(changed, rules.convention, max(counts, default=1), counts)
        return run


def transposed_spec(spec: Spec) -> Optional[Spec]:
    """``spec`` as a student reads it who takes w_ij for w_ji: each layer's
    weights, in the order of their names, laid out the other way (target-major
    numbering read as source-major and back; a square layer with names in no
    such order, transposed). None when that changes nothing."""
    layers = [_transposed_layer(la) for la in spec.layers]
    if all(a is b for a, b in zip(layers, spec.layers)):
        return None
    return dataclasses.replace(spec, layers=layers, slide_check=[])


def _transposed_layer(layer: LayerSpec) -> LayerSpec:
    names, weights = layer.weight_names, layer.weights
    rows, cols = len(names), len(names[0])
    if rows == 1 or cols == 1:
        return layer
    by_row = [(i, j) for i in range(rows) for j in range(cols)]
    by_col = [(i, j) for j in range(cols) for i in range(rows)]
    ordered = sorted(by_row, key=lambda ij: naming.reading_order(names[ij[0]][ij[1]]))
    if ordered == by_row:
        other = by_col
    elif ordered == by_col:
        other = by_row
    elif rows == cols:
        ordered, other = by_row, [(j, i) for i, j in by_row]
    else:
        return layer
    new_w = [[0.0] * cols for _ in range(rows)]
    new_n = [[""] * cols for _ in range(rows)]
    for (i, j), (k, m) in zip(ordered, other):
        new_w[k][m], new_n[k][m] = weights[i][j], names[i][j]
    return dataclasses.replace(layer, weights=new_w, weight_names=new_n)


# --- working the figures ------------------------------------------------------------------

def work(frame: Frame, rules: Rules, given: Mapping[Key, float],
         wanted: Iterable[Key] = ()) -> dict[Key, float]:
    """Every figure of the first pass and update (and those of ``wanted`` that
    are other derivatives or values after K updates), worked by ``rules``
    from the spec's numbers and the student's ``given`` figures."""
    if rules.transposed:
        other = frame.transposed()
        if other is None:
            return {}
        frame = other
    figures: dict[Key, float] = {}
    _forward(frame, rules, given, figures)
    table = _backward(frame, rules, given, figures)
    wanted = list(wanted)
    for key in wanted:
        if key[0] == "derivative":
            top, bottom = frame.nodes[key[1]], frame.nodes[key[2]]
            figures[key] = 1.0 if top is bottom else float(
                derivatives(top, local=table).get(bottom, 0.0))
    after = [k for k in wanted if k[0] == "after"]
    if after:
        run = frame.run(rules, [k[2] for k in after])
        if run is not None:
            for key in after:
                figures[key] = run.snapshots[key[2]].values[key[1]]
    return figures


def _forward(frame: Frame, rules: Rules, given: Mapping[Key, float], figures: dict) -> None:
    """The forward pass by each op's own rule, the student's values put in."""
    for node in frame.order:
        if node.children:
            try:
                node.data = float(node.op.forward(*(c.data for c in node.children)))
            except (ArithmeticError, ValueError):  # a student's number past an op's domain
                node.data = math.nan
            if node in frame.errors:
                node.data *= rules.error_scale
        else:
            node.data = frame.leaf_data[node]
        for name in frame.names_of.get(node, ()):
            figures[("value", name)] = node.data
            mine = given.get(("value", name))
            if mine is not None:
                node.data = mine
        if not rules.bias and node in frame.biases:
            node.data = 0.0


def _backward(frame: Frame, rules: Rules, given: Mapping[Key, float], figures: dict) -> dict:
    """dE_total/dX for every named X, stage by stage down the levels, each
    stage seeded with the student's figures; the updates on the way. Returns
    the local factors used (node -> [(operand, factor)])."""
    top = frame.nodes[naming.TOTAL_ERROR]
    grads: dict[Node, Any] = {top: 1.0}
    for name in frame.nodes:  # 0 where E_total does not depend on it (a zero cross-entropy target)
        figures[("grad", name)] = 0.0
    for p, value in frame.initial.items():
        figures[("change", p)], figures[("updated", p)] = 0.0, value
    table: dict[Node, list[tuple[Node, float]]] = {}
    for level in frame.levels:
        seeds = []
        for node in level:
            if node in frame.params:
                continue  # its gradient was read with its update
            grads[node] = _seeded(frame, node, grads.get(node, 0.0), "grad", given, figures)
            if node in frame.children:
                seeds.append(node)
        if not seeds:
            continue
        factors = {n: _factors(frame, rules, n, given, figures) for n in seeds}
        to_params = {n: [(c, f) for c, f in fs if c in frame.params] for n, fs in factors.items()}
        if any(to_params.values()):
            backward_from([(n, grads[n]) for n in seeds], into=grads, local=to_params,
                          stop_at=frame.named)
        for p in {c for fs in to_params.values() for c, _f in fs}:
            _update(frame, rules, p, grads.get(p, 0.0), given, figures)
        if rules.convention == "sequential":  # the hidden gradients through w+ (not the inputs')
            again = {n: dict(_factors(frame, rules, n, given, figures)) for n in seeds}
            factors = {n: [(c, again[n][c] if c.children else f) for c, f in fs if c in again[n]]
                       for n, fs in factors.items()}
        rest = {n: [(c, f) for c, f in fs if c not in frame.params] for n, fs in factors.items()}
        if any(rest.values()):
            backward_from([(n, grads[n]) for n in seeds], into=grads, local=rest, stop_at=frame.named)
        for n in seeds:
            table[n] = to_params[n] + rest[n]
    return table


def _seeded(frame: Frame, node: Node, computed: float, kind: str, given: Mapping[Key, float],
            figures: dict) -> float:
    """A figure of ``node`` as worked, recorded; the student's own if given."""
    value = computed
    for name in frame.names_of.get(node, ()):
        figures[(kind, name)] = float(computed)
        value = given.get((kind, name), value)
    return value


def _local_factors(frame: Frame, node: Node) -> list[tuple[Node, float]]:
    """d node / d each named operand at the data of the moment: the op's own
    local rule where the operands are the node's own (out_h1 = σ(net_h1)), else
    one sweep through the ops between (net_h1 = w1·l1 + w2·l2 + b1)."""
    kids = frame.children[node]
    if frame.direct[node]:
        locals_ = local_derivatives(node)
        return [(c, float(locals_[node.children.index(c)])) for c in kids]
    d = derivatives(node, stop_at=frame.named)
    return [(c, float(d.get(c, 0.0))) for c in kids]


def _factors(frame: Frame, rules: Rules, node: Node, given: Mapping[Key, float],
             figures: dict) -> list[tuple[Node, float]]:
    """d node / d operand for each named operand, at the data of the moment,
    by ``rules``; the student's own factor where given."""
    out = []
    dropped = (rules.dropped_path is not None and rules.dropped_path < len(frame.output_nets)
               and frame.output_nets[rules.dropped_path] is node)
    for child, factor in _local_factors(frame, node):
        if dropped and child not in frame.params:
            continue  # this output's path to the layer below is left out
        if node in frame.errors and child is frame.errors[node]:
            factor *= rules.error_sign * rules.error_scale
        if rules.derivative_from_net and frame.activations.get(node) is child:
            factor = float(node.op.local(child.data, child.data)[0])
        for a in frame.names_of[node]:
            for b in frame.names_of[child]:
                figures[("local", a, b)] = factor
                factor = given.get(("local", a, b), factor)
        out.append((child, factor))
    return out


def _update(frame: Frame, rules: Rules, p: Node, grad: float, given: Mapping[Key, float],
            figures: dict) -> None:
    """dE_total/dp (the student's if given), Δp and p+ (each the student's if
    given); under the sequential convention p's data becomes p+."""
    name = frame.params[p]
    grad = _seeded(frame, p, grad, "grad", given, figures)
    eta = frame.spec.learning_rate ** rules.eta_power
    change = -rules.update_sign * eta * grad if frame.trained[name] else 0.0
    figures[("change", name)] = change
    change = given.get(("change", name), change)
    updated = frame.initial[name] + change
    figures[("updated", name)] = updated
    updated = given.get(("updated", name), updated)
    if rules.convention == "sequential":
        p.data = updated


def neuron_of_figure(frame: Frame, key: Key) -> str:
    """The neuron a figure is about: net_h1, out_h1, E_o1 and dE_total/dw1
    (w1 feeds h1) name theirs; any other figure, the first output."""
    for name in key[1:]:
        if not isinstance(name, str):
            continue
        neuron = naming.neuron_of(name) or naming.output_of(name)
        if neuron is None and name in frame.joins:
            neuron = frame.joins[name][0]
        if neuron is not None:
            return neuron
    return frame.spec.outputs[0]
