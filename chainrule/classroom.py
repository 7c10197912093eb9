"""The classroom animation of a worked solution (``chainrule bp --animate``):
the report's own equations, one named quantity a step, in the slides' order,
on the compact graph (:class:`viz.classroom.ClassroomStepper`).

The steps are read from the report's blocks (``report.forward_blocks``,
``loss_block``, ``backward_blocks``), so every equation and number on the page
is the one the report prints: each net and out, the errors; then layer by
layer from the output the gradients (each dE_total/dX lighting box X, each
local derivative dA/dB the edge between them, each hidden out's paths
arriving one by one until the sum rule completes it), and the updates: under
the sequential convention each layer's right after its gradients (the layer
below then goes through the updated weights, as the picture's edges show),
under the simultaneous one all at the end.
"""
from __future__ import annotations

import dataclasses
from typing import Any, Optional

from autograd import Node
from nn import naming
from nn.i18n import pick

from .i18n import _
from .report import (ETA, Block, backward_blocks, convention_name, equation, first_differing,
                     forward_blocks, given, loss_block, num, paren, signed_sum, _frozen, _grad_name,
                     _layer_heading, _param_order)
from .solver import Run, Solution


def _lines(lhs: str, rhs: tuple) -> list[str]:
    """The equation as the report writes it, without its indent."""
    return [line.rstrip() for line in equation(lhs.strip(), *rhs, indent="")]


def _node(run: Run, name: str) -> Optional[Node]:
    """The box of ``name`` in the picture, if E_total depends on it (an output a
    zero cross-entropy target leaves out has a value but no box)."""
    node = run.params.get(name)
    node = node if node is not None else run.nodes.get(name)
    return node if node is not None and id(node) in run.used_by_loss() else None


def _equations(block: Block) -> list[tuple[str, Any]]:
    """The block's items: ("eq", (lhs, rhs)) or ("text", line), blanks left out."""
    out: list[tuple[str, Any]] = []
    for item in block.items:
        if isinstance(item, tuple):
            out.append(("eq", item))
        elif item.strip():
            out.append(("text", item.strip()))
    return out


def _forward_steps(sol: Solution) -> list[Any]:
    from viz import ClassroomStep
    run, steps, note = sol.run, [], ""
    for block in [*forward_blocks(sol), loss_block(sol)]:
        for kind, item in _equations(block):
            if kind == "text":
                note = item
                continue
            lhs, rhs = item
            name = lhs.split(" = ")[0].strip()  # "E_total = E_o1": a loss of one term
            node = _node(run, name)
            steps.append(ClassroomStep("forward", _lines(lhs, rhs), node,
                                       "data" if node is not None else "", rhs[-1], note=note))
            note = ""
    return steps


def _is_sum(rhs: tuple) -> bool:
    """dE_total/dout_h1 = dE_o1/dout_h1 + dE_o2/dout_h1 (a sum over paths), not a
    weight's product (dE_o1/dout_h1 + ...) * dout_h1/dnet_h1 * dnet_h1/dw1."""
    return len(rhs) >= 3 and " + " in rhs[0] and not rhs[0].startswith("(")


class _Backward:
    """The steps of one layer's equations: gradients, local derivatives and the
    paths of the sum rule arriving one by one."""

    def __init__(self, run: Run) -> None:
        self.run = run
        self.steps: list[Any] = []
        self.partial: dict[str, list[float]] = {}  # a hidden out: its paths' shares so far

    def add(self, lhs: str, rhs: tuple, note: str) -> None:
        from viz import ClassroomStep
        run, lines = self.run, _lines(lhs, rhs)
        if not lhs.strip():  # a continuation line of the equation before (softmax)
            last = self.steps[-1]
            self.steps[-1] = dataclasses.replace(last, lines=[*last.lines, *lines])
            return
        top, bottom = naming.derivative_of(lhs.strip()) or (None, None)
        node = _node(run, bottom) if bottom else None
        if top == naming.TOTAL_ERROR and node is not None:
            self._gradient(lhs, rhs, lines, bottom, node, note)
        elif top and naming.output_of(top) and node is not None and bottom in run.nodes:
            # dE_o1/dout_h1: the path through o1 arrives at out_h1
            shares = self.partial.setdefault(bottom, [])
            shares.append(run.derivative(top, bottom))
            upper = _node(run, naming.net(naming.output_of(top)))
            at = (f"{_grad_name(bottom)} = {signed_sum(shares)} = {num(sum(shares))} …"
                  if len(shares) > 1 else "")
            self.steps.append(ClassroomStep("backward", lines, node, "partial", num(sum(shares)),
                                            edges=[(upper, node)] if upper is not None else [],
                                            at_node=at, note=note))
        else:  # a local derivative dA/dB: the edge from B up to A
            a = _node(run, top) if top else None
            edges = [(a, node)] if a is not None and node is not None else []
            self.steps.append(ClassroomStep("backward", lines, None, "", "", edges=edges,
                                            note=note))

    def _gradient(self, lhs: str, rhs: tuple, lines: list[str], name: str, node: Node,
                  note: str) -> None:
        from viz import ClassroomStep
        at = f"{lhs.strip()} = {rhs[-2]} = {rhs[-1]}" if _is_sum(rhs) else ""
        shares = self.partial.pop(name, None)
        if shares and self.steps and self.steps[-1].node is node:
            # the last path has just arrived: it completes the gradient there (with the sum
            # rule where there are several)
            last = self.steps[-1]
            self.steps[-1] = ClassroomStep("backward", [*last.lines, *lines], node, "grad",
                                           rhs[-1], edges=last.edges, at_node=at, note=last.note)
            return
        self.steps.append(ClassroomStep("backward", lines, node, "grad", rhs[-1], at_node=at,
                                        note=note))


def _update_steps(sol: Solution, names: list[str]) -> list[Any]:
    from viz import ClassroomStep
    run, spec = sol.run, sol.spec
    frozen = set(_frozen(spec))
    steps = []
    for p in names:
        if p in frozen:
            continue
        lhs = naming.updated(p)
        rhs = (f"{p} - {ETA} * {_grad_name(p)}",
               f"{given(run.initial[p])} - {given(spec.learning_rate)} * {paren(num(run.gradients[p]))}",
               num(run.updated[p]))
        steps.append(ClassroomStep("update", _lines(lhs, rhs), run.params[p], "update",
                                   num(run.updated[p]), label=lhs))
    return steps


def classroom_steps(sol: Solution) -> list[Any]:
    """The classroom animation's steps for ``sol``'s convention, in the report's order."""
    spec = sol.spec
    steps = _forward_steps(sol)
    order = _param_order(spec, sol.convention)
    for l, block in backward_blocks(sol):
        layer = _Backward(sol.run)
        note = " ".join(line.strip() for line in _layer_heading(sol, l))
        for kind, item in _equations(block):
            if kind == "text":
                note = (note + " " + item).strip()
                continue
            layer.add(*item, note)
            note = ""
        steps += layer.steps
        if sol.convention == "sequential":
            # this layer is updated before the gradients go on to the layer below
            names = set(spec.layers[l].weight_list()) | set(spec.layers[l].bias_list())
            steps += _update_steps(sol, [p for p in order if p in names])
    if sol.convention != "sequential":
        steps += _update_steps(sol, order)
    return steps


def title(sol: Solution) -> str:
    """The classroom page's heading: which network, which convention."""
    return _("{name}: the worked solution step by step ({convention} convention)").format(
        name=sol.spec.name, convention=convention_name(sol.convention))


def stepper(sol: Solution, **options: Any) -> Any:
    """The classroom animation of ``sol`` (a :class:`viz.ClassroomStepper`: shown
    inline in Jupyter, or ``.save("a.html")``), drawn from the first pass as the
    report works it; ``options``: the stepper's own (digits, max_nodes)."""
    from viz import ClassroomStepper
    with sol.run.first_pass() as local:
        return ClassroomStepper(sol.run.loss, classroom_steps(sol), local=local,
                                seeds=seeds(sol.run), notes=[caption(sol)], title=title(sol),
                                **options)


def seeds(run: Run) -> list[Node]:
    """The boxes whose gradient is known as the backward pass starts: E_total
    (1) and the error terms it adds up."""
    names = [naming.TOTAL_ERROR] + [naming.error_of(o) for o in run.spec.outputs]
    return [run.nodes[n] for n in names if n in run.nodes]


def updated_weights(spec: Any) -> list[tuple[str, list[str]]]:
    """The weights the lower layers' gradients go through under the sequential
    convention, one range per layer above the first, with the neurons they feed:
    [("w7+..w12+", ["o1", "o2"])] for the 2-3-2 network."""
    ranges = []
    for layer in spec.layers[1:]:
        names = sorted(layer.weight_list(), key=naming.reading_order)
        if names:
            ranges.append((naming.updated(names[0]) + (
                f"..{naming.updated(names[-1])}" if len(names) > 1 else ""), list(layer.neurons)))
    return ranges


def _ranges(spec: Any) -> str:
    """'w5+..w10+ into h2_1, h2_2; w11+..w16+ into o1, o2': each layer's updated weights."""
    return "; ".join(_("{range} into {names}").format(range=w, names=", ".join(n))
                     for w, n in updated_weights(spec))


def _updated_example(spec: Any) -> str:
    """The output layer's first weight, renamed as after its update (w7+)."""
    weights = sorted(spec.layers[-1].weight_list(), key=naming.reading_order)
    return naming.updated(weights[0] if weights else spec.parameter_names()[0])


def caption(sol: Solution) -> str:
    """What every picture of the run shows, in one sentence: which convention,
    and (sequential) that the lower layers' edges use the updated weights of the
    layers above them (listed layer by layer, so none is claimed that is not)."""
    spec, run = sol.spec, sol.run
    p = first_differing(sol)
    shown = p or spec.parameter_names()[0]
    value = num(run.gradients[shown])
    if sol.convention == "sequential" and p is not None and len(spec.layers) > 2:
        return _("{name}, sequential convention, as in the report: the gradients layer by layer "
                 "from the output, each layer's back-propagated through the updated weights of "
                 "the layers above it ({weights}), so grad {parameter} = {value} (plain gradient descent: "
                 "{plain}). A weight's box shows it before any update; in the step-by-step "
                 "animation it becomes {example} once that update is done."
                 ).format(name=spec.name, weights=_ranges(spec), parameter=shown,
                          value=value, plain=num(sol.other.gradients[shown]),
                          example=_updated_example(spec))
    if sol.convention == "sequential" and p is not None:
        return _("{name}, sequential convention, as in the report: the output layer's gradients, "
                 "then the hidden layer's back-propagated through the updated output weights "
                 "{weights}, so grad {parameter} = {value} (plain gradient descent: {plain}). A "
                 "weight's box shows it before any update; in the step-by-step animation it "
                 "becomes {example} once that update is done."
                 ).format(name=spec.name, weights=updated_weights(spec)[0][0], parameter=shown,
                          value=value, plain=num(sol.other.gradients[shown]),
                          example=_updated_example(spec))
    return _("{name}, {convention} convention, as in the report: one backward pass through the "
             "weights before any update (plain gradient descent): grad {parameter} = {value}."
             ).format(name=spec.name, convention=convention_name(sol.convention), parameter=shown, value=value)


def legend(sol: Solution) -> str:
    """What w7+ means on a picture of the run, and which edges carry it: the
    every-operation page has no renamed boxes to say it."""
    spec = sol.spec
    weights = sorted(spec.layers[-1].weight_list(), key=naming.reading_order)
    example = weights[0] if weights else spec.parameter_names()[0]
    meaning = _("{new} is {p} after its update: {p} - η * {grad}.").format(
        new=naming.updated(example), p=example, grad=_grad_name(example))
    meaning += pick(" ", "")  # Chinese sentences follow one another with no space
    if sol.convention == "sequential" and len(spec.layers) == 1:
        return meaning.rstrip()  # one layer: no edge below an updated layer
    if sol.convention == "sequential":
        return meaning + _(
            "Sequential convention: the edges below each updated layer carry its updated "
            "weights ({ranges}), so their numbers are not the ones the boxes hold (the weights "
            "before any update).").format(ranges=_ranges(spec))
    return meaning + _(
        "Simultaneous convention: every edge carries a weight before its update ({p}, "
        "not {new}); all the weights are updated after the backward pass.").format(
            p=example, new=naming.updated(example))
