"""Solving a spec with the engine: the network built from the spec, run under
both update conventions (the first forward and backward pass in full, with the
backward trace; the first update; snapshots after K updates), and the spec's
printed figures checked against it.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any, Iterator, Optional

from autograd import BackwardStep, Node, derivatives, topological_order
from nn import naming
from nn.layers import MLP, Layer
from nn.losses import get_loss
from nn.optim import SGD
from nn.train import CONVENTIONS, update

from .errors import ArgumentError, SolveError, SpecError, show
from .i18n import _, ngettext
from .quantities import MAX_UPDATES, PLACEHOLDER, parse_quantity
from .spec import Spec, SlideFigure

# Updates cost time in proportion to the weights they change: parameters x
# updates is capped so a big network with a big `after` cannot run for hours
# (bp232's 14 weights can still take 100,000 updates).
MAX_PARAMETER_UPDATES = 2_000_000


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


def named_nodes(spec: Spec, loss: Node, outputs: list[Node]) -> dict[str, Node]:
    """The named nodes of one forward pass (net_h1, out_h1, E_o1, E_total,
    the weights, the inputs) by name."""
    nodes: dict[str, Node] = {}
    # Outputs too: one the loss ignores (a zero cross-entropy target) still has a value.
    for root in (loss, *outputs):
        for n in topological_order(root):
            if n.label:
                nodes.setdefault(n.label, n)
    # An identity activation makes out_X the net node itself.
    for layer in spec.layers:
        for name in layer.neurons:
            nodes.setdefault(naming.out(name), nodes[naming.net(name)])
    # A loss of a single term is that term: E_total is then also E_<output>.
    terms = [n for n in nodes if naming.output_of(n)]
    if not terms:
        under = {id(n) for n in topological_order(loss)}
        used = [n for n in spec.outputs if id(nodes[naming.out(n)]) in under]
        if len(used) == 1:
            nodes[naming.error_of(used[0])] = loss
    return nodes


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
        _check_convention(convention, "Run")
        _check_counts(snapshots, "Run", "snapshots")
        self.spec = spec
        self.convention = convention
        self.model = build_model(spec)
        self.params = {p.label: p for p in self.model.parameters()}
        self.initial = {n: self.params[n].data for n in spec.parameter_names()}
        self.steps: list[BackwardStep] = []
        self.snapshots: dict[int, Snapshot] = {}
        self._edges: Optional[dict[Node, list[tuple[Node, float]]]] = None
        self._sweeps: dict[str, dict[Node, float]] = {}
        self._under_loss: Optional[set[int]] = None
        wanted = set(snapshots) | {0, 1}
        self._run(max(1, updates, *wanted), wanted)

    def _run(self, updates: int, wanted: set[int]) -> None:
        """Forward passes and updates: the first pass kept in full (graph, trace,
        gradients, the first update), a snapshot after each count in ``wanted``."""
        optimizer = SGD(self.model.parameters(), lr=self.spec.learning_rate)
        k = 0
        try:
            for k in range(updates + 1):
                loss, layer_outputs = self._forward(k)
                if k in wanted:
                    self.snapshots[k] = Snapshot(k, self._named_values(loss, layer_outputs[-1]))
                if k == 0:
                    self.loss = loss
                    self.nodes = self._named_nodes(loss, layer_outputs[-1])
                if k == updates:
                    break
                optimizer.zero_grad()
                update(self.model, loss, optimizer, convention=self.convention, layer_outputs=layer_outputs,
                       on_step=self.steps.append if k == 0 else None)
                if k == 0:
                    self._keep_first_update()
        except ArithmeticError as e:  # the engine refuses results past the largest float
            raise SolveError(self._when(k, _("the numbers overflow: {error}; {remedy}").format(
                error=e, remedy=self._remedy(k)))) from None

    def _forward(self, k: int) -> tuple[Node, list[list[Node]]]:
        """The forward pass after ``k`` updates: the loss and each layer's outputs."""
        layer_outputs = self.model.forward_layers(self.spec.inputs)
        if self.spec.loss == "cross_entropy":
            self._check_probabilities(layer_outputs[-1], k)
        loss = get_loss(self.spec.loss)(layer_outputs[-1], self.spec.targets)
        # every value of the pass, the weights included: an overflow anywhere (a net
        # value a sigmoid flattens back to 1, an update gone to inf) is refused
        graph = topological_order([loss, *layer_outputs[-1]])
        if not all(math.isfinite(n.data) for n in graph):
            raise SolveError(self._overflow(graph, loss, k))
        return loss, layer_outputs

    def _keep_first_update(self) -> None:
        """The first backward pass's gradients (every one the report shows must
        be a number) and the parameters after the first update."""
        order = self.spec.parameter_names()
        self.gradients = {n: float(self.params[n].grad) for n in order}
        # every gradient the report shows: the weights' and the named nodes'
        grads = {**self.gradients, **{n: float(v.grad) for n, v in self.nodes.items()}}
        bad = next((n for n, g in grads.items() if not math.isfinite(g)), None)
        if bad is not None:
            raise SolveError(_("the backward pass overflows the floats (largest about 1.8e308): "
                               "{name} = {value}; use smaller weights or inputs").format(
                name=naming.derivative(naming.TOTAL_ERROR, bad), value=grads[bad]))
        self.updated = {n: self.params[n].data for n in order}
        self.local_grads = {id(n): n.grad for n in self.nodes.values()}

    # --- numbers that cannot be solved -------------------------------------------------
    def _when(self, k: int, problem: str) -> str:
        """``problem``, said after how many updates it happens (none: as it is)."""
        if k == 0:
            return problem
        return ngettext("after {count} update ({convention}), {problem}",
                        "after {count} updates ({convention}), {problem}", k).format(
            count=k, convention=_(self.convention), problem=problem)

    def _remedy(self, k: int) -> str:
        return (_("use smaller weights or inputs") if k == 0 else
                _("the updates diverge: use a smaller learning_rate (now {rate})").format(
                    rate=f"{self.spec.learning_rate:g}"))

    def _check_probabilities(self, outputs: list[Node], k: int) -> None:
        """Cross-entropy takes log(out): name an output that rounds to 0 (a
        sigmoid of a net below about -745, a softmax far below the others)."""
        for name, o in zip(self.spec.outputs, outputs):
            if not o.data > 0:
                net = next(n for n in topological_order(o) if n.label == naming.net(name))
                raise SolveError(self._when(k, _(
                    "cross_entropy takes log({out}), but {out} = {value}: the {function} of "
                    "{net} = {net_value} rounds to 0 in floating point, and log(0) = -infinity; "
                    "{remedy}").format(out=naming.out(name), value=f"{o.data:g}",
                                       function=self.spec.layers[-1].activation, net=net.label,
                                       net_value=f"{net.data:g}", remedy=self._remedy(k))))

    def _overflow(self, graph: list[Node], loss: Node, k: int) -> str:
        """Name the first named value of the pass (children before parents)
        that is not a number: a weight the updates sent past the floats, or a
        value of the forward pass."""
        first = next((n for n in graph if n.label and not math.isfinite(n.data)), None)
        if first is None:  # pragma: no cover - every op's result feeds a named node
            return self._when(k, _("the forward pass overflows the floats; {remedy}").format(
                remedy=self._remedy(k)))
        where = f"{first.label} = {first.data}"
        if first is not loss and not math.isfinite(loss.data):
            where = _("{value}, and so {loss} = {loss_value}").format(
                value=where, loss=naming.TOTAL_ERROR, loss_value=loss.data)
        what = (_("the updates overflow the floats (largest about 1.8e308): {where}; {remedy}")
                if first.label in self.params else
                _("the forward pass overflows the floats (largest about 1.8e308): {where}; {remedy}"))
        return self._when(k, what.format(where=where, remedy=self._remedy(k)))

    def _named_nodes(self, loss: Node, outputs: list[Node]) -> dict[str, Node]:
        return named_nodes(self.spec, loss, outputs)

    def _named_values(self, loss: Node, outputs: list[Node]) -> dict[str, float]:
        values = {n: v.data for n, v in self._named_nodes(loss, outputs).items()}
        values.update({n: p.data for n, p in self.params.items()})
        return values

    # --- reading the trace ---------------------------------------------------------------
    @property
    def forward(self) -> dict[str, float]:
        """The first forward pass, in the order it is computed: net and out of
        every neuron layer by layer, then the errors."""
        names = [name for layer in self.spec.layers for n in layer.neurons
                 for name in (naming.net(n), naming.out(n))]
        names += [naming.error_of(n) for n in self.spec.outputs] + [naming.TOTAL_ERROR]
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

    @contextlib.contextmanager
    def first_pass(self) -> Iterator[dict[Node, list[tuple[Node, float]]]]:
        """The first pass as the report describes it, on the graph and the model
        while the block runs: the weights at their initial values, every node's
        ``.grad`` the first backward pass's (under the sequential convention the
        hidden layer's through the updated output weights), as the engine's sum
        rule gives them from the trace's own local derivatives. Yields those
        local derivatives (node -> [(operand, d node / d operand)]) for the
        pictures' edges; restores data and grads afterwards (the run goes on
        from its later updates)."""
        order = topological_order([self.loss, *self.model.parameters()])
        saved = [(n, n.data, n.grad) for n in order]
        grads = derivatives(self.loss, local=self.edges())
        try:
            for n in order:
                n.grad = grads.get(n, 0.0)
            for name, value in self.initial.items():
                self.params[name].data = value
            yield self.edges()
        finally:
            for n, data, grad in saved:
                n.data, n.grad = data, grad

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
        return _finite(sweep.get(bottom, 0.0), naming.derivative(a, b))

    def value(self, text: str) -> float:
        q = parse_quantity(text, set(self.nodes) | set(self.params))
        if q.kind == "value":
            v = self.initial[q.a] if q.a in self.params else self.nodes[q.a].data
        elif q.kind == "derivative":
            v = self.derivative(q.a, q.b)
        elif q.kind == "updated":
            v = self.updated[q.a] if q.a in self.params else self.nodes[q.a].data
        elif q.kind == "change":
            v = _finite(self.updated[q.a] - self.initial[q.a], naming.change(q.a))
        else:
            snap = self.snapshots.get(q.k)
            if snap is None:
                raise KeyError(_("no snapshot after {count} updates (solve with "
                                 "snapshots=({count},))").format(count=q.k))
            v = snap.values[q.a]
        return q.sign * v


def _check_convention(convention: Any, function: str) -> None:
    if convention not in CONVENTIONS:
        raise ArgumentError(function, "convention", _("unknown value {value} (choose from "
                                                      "{options})").format(
            value=show(convention), options=", ".join(CONVENTIONS)))


def _check_counts(counts: Any, function: str, argument: str) -> None:
    """Update counts: whole numbers 0..MAX_UPDATES."""
    if not (isinstance(counts, (list, tuple)) and all(isinstance(k, int) and not isinstance(k, bool)
                                                     and 0 <= k <= MAX_UPDATES for k in counts)):
        raise ArgumentError(function, argument, _("expected a list of update counts 0..{most}, got "
                                                  "{value}").format(most=MAX_UPDATES,
                                                                    value=show(counts)))


def _finite(value: float, name: str) -> float:
    """A figure the report derives from the engine's (a product of path
    factors, a change) that can overflow where the engine's did not."""
    if not math.isfinite(value):
        raise SolveError(_("{name} = {value}: past the floats (largest about 1.8e308); use smaller "
                           "weights, inputs or learning_rate").format(name=name, value=value))
    return value


def needed_updates(spec: Spec, after: Optional[list[int]] = None) -> tuple[int, ...]:
    """Every update count the report and the figure check need."""
    counts = set(spec.after if after is None else after)
    labels = spec.labels()
    for fig in spec.slide_check:
        for text in [fig.quantity, *(q for q, _digits in PLACEHOLDER.findall(fig.note))]:
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
    _check_convention(convention, "solve")
    if after is not None:
        _check_counts(after, "solve", "after")
    after_list = sorted(set(spec.after if after is None else after))
    counts = needed_updates(spec, after_list)
    top = max(counts, default=1)
    n_params = len(spec.parameter_names())
    if n_params * top > MAX_PARAMETER_UPDATES:
        most = MAX_PARAMETER_UPDATES // n_params
        problem = _("{count} updates of {params} weights and biases are {total} weight updates, "
                    "more than the {limit} chainrule bp does (at most {most} updates of this "
                    "network); ask for fewer, or train a network this size with "
                    "nn.train.fit").format(count=f"{top:,}", params=f"{n_params:,}",
                                           total=f"{top * n_params:,}",
                                           limit=f"{MAX_PARAMETER_UPDATES:,}", most=f"{most:,}")
        # the limit is the spec's `after`, or the count the caller asked for
        raise SpecError("after", problem) if after is None else ArgumentError("solve", "after", problem)
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
    note_zh: str = ""                  # its Chinese note, filled in the same way

    @property
    def engine(self) -> float:
        return self.values[self.convention]

    @property
    def match(self) -> bool:
        return self.matches[self.convention]


def _fill(note: str, run: Run) -> str:
    from autograd import format_number
    return PLACEHOLDER.sub(
        lambda m: format_number(run.value(m.group(1)), int(m.group(2) or 6)), note)


def check_figures(solution: Solution) -> list[FigureCheck]:
    results = []
    for fig in solution.spec.slide_check:
        values = {c: r.value(fig.quantity) for c, r in solution.runs.items()}
        # A hair of slack for the binary representation of the printed decimal.
        matches = {c: abs(v - fig.value) <= fig.tolerance * (1 + 1e-9) for c, v in values.items()}
        results.append(FigureCheck(fig, values, matches, solution.convention,
                                   _fill(fig.note, solution.run), solution.spec.from_slides,
                                   _fill(fig.note_zh, solution.run)))
    return results
