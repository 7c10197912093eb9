"""The worked solution of a hand exercise, as text that reads like the slides
and as JSON with stable keys.

Every number comes from the engine: forward values from the graph, chain-rule
factors from the backward trace (the ``on_step`` observer), gradients from
``.grad``, updates from the optimizer. The formulas around them are only
presentation; ``tests/test_bp*.py`` check that the factors multiply and add up
to the engine's gradients.
"""
from __future__ import annotations

import math
import textwrap
from typing import Any, Optional, Sequence, Union

from autograd import format_number
from nn import naming
from nn.train import CONVENTIONS

from .errors import SolveError
from .solver import FigureCheck, Run, Solution
from .spec import Spec

WIDTH = 96
ETA = "η"
ONE_LINE = 100  # an equation that fits on one line is written on one
INDENT = "   "

CONVENTION_TEXT = {
    "sequential": "the output layer is updated first, and the hidden gradients are "
                  "back-propagated through the already-updated output weights (as the slides do)",
    "simultaneous": "plain gradient descent: every gradient comes from the weights before "
                    "the update, then all weights change at once",
}

# Presentation only: how each loss term and its derivative are written.
LOSS_TERM = {
    "half_sse": ("1/2 ({t} - {o})^2", "-({t} - {o})"),
    "mse": ("({t} - {o})^2", "-2 ({t} - {o})"),
    "mse_half": ("({t} - {o})^2", "-({t} - {o})"),  # E_total = 1/2 sum: 1/2 * 2 = 1
    "cross_entropy": ("-{t} * log({o})", "-{t} / {o}"),
    "absolute": ("|{t} - {o}|", "-sign({t} - {o})"),
    "hinge": ("max(0, 1 - {t}*{o})", "-{t} if 1 - {t}*{o} > 0, else 0"),
}
ACTIVATION_FORWARD = {
    "sigmoid": "1/(1 + e^-{net})",
    "tanh": "tanh({net})",
    "relu": "max(0, {net})",
    "step": "step({net})",
}
ACTIVATION_LOCAL = {
    "sigmoid": ("{out} (1 - {out})", "{outv} * (1 - {outv})"),
    "tanh": ("1 - {out}^2", "1 - {outv}^2"),
    "relu": ("1 if {net} > 0, else 0", None),
    "step": ("0 (a step is flat on both sides)", None),
    "identity": ("1", None),
}


# --- number formats ------------------------------------------------------------------------

def num(x: float) -> str:
    """A computed value: six decimals, as the slides print."""
    return format_number(_finite(x))


def given(x: float) -> str:
    """A value the user wrote (input, target, initial weight): as short as it is."""
    if _finite(x) == 0 or 1e-4 <= abs(x) < 1e9:
        text = f"{x:.10f}".rstrip("0").rstrip(".")
        return text if text not in ("", "-0") else "0"
    return format_number(x)


def _finite(x: float) -> float:
    """The last guard: the solver refuses every overflow it can name, so only a
    sum or product the report forms itself can get here."""
    if not math.isfinite(x):
        raise SolveError(f"the worked solution would print {x}: a sum or product of its figures "
                         "overflows the floats (largest about 1.8e308); use smaller weights, inputs "
                         "or learning_rate")
    return x


def paren(text: str) -> str:
    """A negative number inside a sum or product gets parentheses."""
    return f"({text})" if text.startswith("-") else text


def signed_sum(values: list[float]) -> str:
    return " + ".join(paren(num(v)) for v in values)


def heading(title: str) -> list[str]:
    return ["", title, "-" * len(title)]


def wrap(text: str, indent: str, hang: str = "") -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=indent, subsequent_indent=indent + hang,
                         break_on_hyphens=False) or [indent]


def equation(lhs: str, *rhs: str, indent: str = INDENT + "  ") -> list[str]:
    """lhs = rhs[0]
           = rhs[1] ...  (continuation lines aligned under the first '=')."""
    one = f"{indent}{lhs} = " + " = ".join(rhs)
    if len(one) <= ONE_LINE:
        return [one]
    pad = indent + " " * len(lhs)
    rest = list(rhs[1:])
    # the numbers and their result belong together on one line when they fit
    if len(rest) >= 2 and len(f"{pad} = {rest[-2]} = {rest[-1]}") <= ONE_LINE:
        rest[-2:] = [f"{rest[-2]} = {rest[-1]}"]
    return [f"{indent}{lhs} = {rhs[0]}"] + [f"{pad} = {r}" for r in rest]


class Block:
    """Lines of equations whose first '=' is aligned within each group (groups
    are separated by blank or text lines)."""

    def __init__(self, indent: str = INDENT + "  ") -> None:
        self.indent = indent
        self.items: list[Any] = []

    def eq(self, lhs: str, *rhs: str) -> "Block":
        self.items.append((lhs, rhs))
        return self

    def text(self, line: str) -> "Block":
        self.items.append(line)
        return self

    def blank(self) -> "Block":
        return self.text("")

    def lines(self) -> list[str]:
        out: list[str] = []
        group: list[tuple[str, tuple]] = []

        def flush() -> None:
            width = max((len(lhs) for lhs, _ in group), default=0)
            for lhs, rhs in group:
                out.extend(equation(lhs.ljust(width), *rhs, indent=self.indent))
            group.clear()

        for item in self.items:
            if isinstance(item, tuple):
                group.append(item)
            else:
                flush()
                out.append(item)
        flush()
        return out


# --- the network at a glance ---------------------------------------------------------------

def _frozen(spec: Spec) -> list[str]:
    names = []
    for layer in spec.layers:
        if not layer.train_bias:
            names += layer.bias_list()
    return names


def _header(sol: Solution) -> list[str]:
    spec = sol.spec
    title = f"chainrule bp: {spec.name}" + (f", {spec.title}" if spec.title else "")
    lines = [title, "=" * len(title)]
    if spec.source:
        lines.append(f"from {spec.source}")
    lines.append("")
    parts = [" ".join(spec.input_names)]
    for layer in spec.layers:
        parts.append(f"{' '.join(layer.neurons)} ({layer.activation})")
    rows = [("network", "  ->  ".join(parts))]
    rows.append(("inputs", ", ".join(f"{n} = {given(v)}" for n, v in zip(spec.input_names, spec.inputs))))
    rows.append(("targets", ", ".join(f"{naming.target(n)} = {given(v)}"
                                      for n, v in zip(spec.outputs, spec.targets))))
    # k: any output
    term = LOSS_TERM[spec.loss][0].format(t=naming.target("k"), o=naming.out("k"))
    scale = {"mse_half": "1/2 "}.get(spec.loss, "")
    e_k = naming.error_of("k")
    lines_loss = f"{spec.loss}: {naming.TOTAL_ERROR} = {scale}sum over outputs k of {e_k}, {e_k} = {term}"
    rows.append(("loss", lines_loss))
    rows.append(("learning rate", f"{ETA} = {given(spec.learning_rate)}"))
    rows.append(("convention", f"{sol.convention}: {CONVENTION_TEXT[sol.convention]}"))
    frozen = _frozen(spec)
    if frozen:
        rows.append(("not trained", f"{', '.join(frozen)} (train_bias = false)"))
    rows.append(("numbers", "shown with 6 decimals but computed unrounded, so a sum or product "
                            "redone from the shown numbers can differ in the last digit"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        wrapped = textwrap.wrap(v, WIDTH - width - 3, break_on_hyphens=False)
        lines.append(f"{k:<{width}}   {wrapped[0]}")
        lines += [" " * (width + 3) + rest for rest in wrapped[1:]]
    return lines


# --- 1. forward ----------------------------------------------------------------------------

def _sources(spec: Spec, l: int) -> list[str]:
    """What feeds layer l: the inputs, or the outs of the layer below."""
    return spec.input_names if l == 0 else [naming.out(n) for n in spec.layers[l - 1].neurons]


def _source_value(spec: Spec, run: Run, l: int, j: int) -> str:
    """The value feeding weight column j of layer l: an input as given, or a computed out."""
    if l == 0:
        return given(spec.inputs[j])
    return num(run.nodes[naming.out(spec.layers[l - 1].neurons[j])].data)


def _forward(sol: Solution) -> list[str]:
    spec, run = sol.spec, sol.run
    lines = heading("1. Forward pass")
    for l, layer in enumerate(spec.layers):
        srcs = _sources(spec, l)
        kind = "output layer" if l == len(spec.layers) - 1 else "hidden layer"
        block = Block().text(f"{INDENT}{kind} {' '.join(layer.neurons)}")
        for i, n in enumerate(layer.neurons):
            names = [f"{w}*{src}" for w, src in zip(layer.weight_names[i], srcs)]
            numbers = [f"{paren(given(run.initial[w]))}*{paren(_source_value(spec, run, l, j))}"
                       for j, w in enumerate(layer.weight_names[i])]
            bias = layer.bias_of(i)
            if bias:
                names.append(f"{bias}*1")
                numbers.append(f"{paren(given(run.initial[bias]))}*1")
            net = naming.net(n)
            block.eq(net, " + ".join(names), " + ".join(numbers), num(run.nodes[net].data))
        for n in layer.neurons:
            _activation_line(run, layer, n, block)
        lines += block.lines()
    return lines + _loss_lines(spec, run)


def _activation_line(run: Run, layer: Any, n: str, block: Block) -> None:
    """out = activation(net) for neuron n, with the numbers."""
    out, net = naming.out(n), naming.net(n)
    value = num(run.nodes[out].data)
    netv = num(run.nodes[net].data)
    if layer.activation == "identity":
        block.eq(out, f"{net} (identity)", value)
    elif layer.activation == "softmax":
        denom = " + ".join(f"e^{naming.net(m)}" for m in layer.neurons)
        denom_v = " + ".join(f"e^{paren(num(run.nodes[naming.net(m)].data))}" for m in layer.neurons)
        block.eq(out, f"e^{net} / ({denom})", f"e^{paren(netv)} / ({denom_v})", value)
    else:
        form = ACTIVATION_FORWARD[layer.activation]
        shown = paren(netv) if "e^" in form else netv
        block.eq(out, form.format(net=net), form.format(net=shown), value)


def _loss_lines(spec: Spec, run: Run) -> list[str]:
    """Each output's error term, then E_total."""
    block = Block().text(f"{INDENT}error")
    sym, _ = LOSS_TERM[spec.loss]
    total_name = naming.TOTAL_ERROR
    terms = [n for n in spec.outputs if naming.error_of(n) in run.nodes]
    for n in terms:
        t = spec.targets[spec.outputs.index(n)]
        block.eq(naming.error_of(n), sym.format(t=naming.target(n), o=naming.out(n)),
                 sym.format(t=given(t), o=num(run.nodes[naming.out(n)].data)),
                 num(run.nodes[naming.error_of(n)].data))
    if len(terms) == 1 and run.nodes[naming.error_of(terms[0])] is run.nodes[total_name]:
        block.items[-1] = (f"{total_name} = {naming.error_of(terms[0])}", block.items[-1][1])
        return block.lines()
    total = " + ".join(naming.error_of(n) for n in terms) or "0"
    values = " + ".join(paren(num(run.nodes[naming.error_of(n)].data)) for n in terms) or "0"
    if spec.loss == "mse_half":
        total, values = f"1/2 ({total})", f"1/2 ({values})"
    block.eq(total_name, total, values, num(run.nodes[total_name].data))
    return block.lines()


# --- 2. backward ---------------------------------------------------------------------------

def _grad_name(name: str) -> str:
    """The gradient of E_total with respect to ``name``: dE_total/dw7."""
    return naming.derivative(naming.TOTAL_ERROR, name)


def _slide_terms(spec: Spec, run: Run, l: int) -> bool:
    """Whether layer l's multi-path terms can be written as the slides do,
    dE_ok/dout_hj (next layer = an elementwise output layer whose per-output
    errors E_ok add up to E_total)."""
    if l + 1 != len(spec.layers) - 1:
        return False
    out = spec.layers[-1]
    if out.activation == "softmax":
        return False
    for n in out.neurons:
        e = naming.error_of(n)
        if e not in run.nodes or abs(run.derivative(naming.TOTAL_ERROR, e) - 1.0) > 1e-12:
            return False
    return True


def _weight_tag(run: Run, w: str, local: float) -> str:
    """'w7+' when the backward pass used the updated weight, else 'w7'."""
    if abs(local - run.updated[w]) < 1e-15 and abs(run.updated[w] - run.initial[w]) > 1e-15:
        return naming.updated(w)
    return w


def _error_signal(sol: Solution, l: int, k: int, block: Block) -> None:
    """For neuron k of layer l: dE_total/dout (a sum over paths for a hidden
    neuron), dout/dnet and dE_total/dnet."""
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    n = layer.neurons[k]
    if l == len(spec.layers) - 1:
        _output_error(spec, run, k, block)
    else:
        _hidden_error(sol, l, k, block)
    if layer.activation == "softmax":
        _softmax_net(sol, n, block)
        return
    out, net = naming.out(n), naming.net(n)
    local = run.derivative(out, net)
    sym, numeric = ACTIVATION_LOCAL[layer.activation]
    rhs = [sym.format(out=out, net=net)]
    if numeric:
        rhs.append(numeric.format(outv=paren(num(run.nodes[out].data))))
    block.eq(naming.derivative(out, net), *rhs, num(local))
    block.eq(_grad_name(net), naming.chain(naming.TOTAL_ERROR, out, net),
             f"{paren(num(run.grad(out)))} * {paren(num(local))}", num(run.grad(net)))


def _output_error(spec: Spec, run: Run, k: int, block: Block) -> None:
    """dE_total/dout of output k: the loss's derivative."""
    n = spec.outputs[k]
    out = naming.out(n)
    d = run.derivative(naming.TOTAL_ERROR, out)
    if naming.error_of(n) in run.nodes:
        _, dsym = LOSS_TERM[spec.loss]
        block.eq(_grad_name(out), dsym.format(t=naming.target(n), o=out),
                 dsym.format(t=given(spec.targets[k]), o=num(run.nodes[out].data)), num(d))
    else:
        block.eq(_grad_name(out), f"0 ({naming.TOTAL_ERROR} does not use {out})")


def _hidden_error(sol: Solution, l: int, k: int, block: Block) -> None:
    """dE_total/dout of hidden neuron k of layer l: a sum over the paths
    through each neuron of the next layer (the slides' dE_o1/dout_h1 terms
    where they apply)."""
    spec, run = sol.spec, sol.run
    out = naming.out(spec.layers[l].neurons[k])
    nxt = spec.layers[l + 1]
    slide_form = _slide_terms(spec, run, l)
    terms, symbols, numbers = [], [], []
    for m_idx, m in enumerate(nxt.neurons):
        net_m = naming.net(m)
        local = run.derivative(net_m, out)
        tag = _weight_tag(run, nxt.weight_names[m_idx][k], local)
        if slide_form:
            e, out_m = naming.error_of(m), naming.out(m)
            f1, f2 = run.derivative(e, out_m), run.derivative(out_m, net_m)
            lhs = naming.derivative(e, out)
            block.eq(lhs, naming.chain(e, out_m, net_m, out),
                     f"{paren(num(f1))} * {paren(num(f2))} * {paren(num(local))} ({tag})",
                     num(f1 * f2 * local))
            terms.append(f1 * f2 * local)
            symbols.append(lhs)
        else:
            f1 = run.derivative(naming.TOTAL_ERROR, net_m)
            symbols.append(naming.chain(naming.TOTAL_ERROR, net_m, out))
            numbers.append(f"{paren(num(f1))} * {paren(num(local))} ({tag})")
            terms.append(f1 * local)
    if len(terms) > 1 or numbers:
        rhs = [" + ".join(symbols)] + ([" + ".join(numbers)] if numbers else [])
        if len(terms) > 1:
            rhs.append(signed_sum(terms))
        block.eq(_grad_name(out), *rhs, num(run.grad(out)))
    else:
        block.eq(_grad_name(out), symbols[0], num(run.grad(out)))


def _softmax_net(sol: Solution, n: str, block: Block) -> None:
    """dE_total/dnet for a softmax output: a sum over every output the loss uses."""
    spec, run = sol.spec, sol.run
    net = naming.net(n)
    syms, nums = [], []
    under = run.used_by_loss()
    for m in spec.outputs:
        out_m = naming.out(m)
        if id(run.nodes[out_m]) not in under:
            continue
        syms.append(naming.chain(naming.TOTAL_ERROR, out_m, net))
        nums.append(f"{paren(num(run.grad(out_m)))} * {paren(num(run.derivative(out_m, net)))}")
    if not syms:
        block.eq(_grad_name(net), num(run.grad(net)))
        return
    rhs = [" + ".join(syms), " + ".join(nums)]
    block.eq(_grad_name(net), *rhs, num(run.grad(net)))
    if spec.loss == "cross_entropy":
        k = spec.outputs.index(n)
        t = spec.targets[k]
        out = num(run.nodes[naming.out(n)].data)
        block.eq(" " * len(_grad_name(net)), f"{naming.out(n)} - {naming.target(n)}",
                 f"{out} - {paren(given(t))}", num(run.nodes[naming.out(n)].data - t))


def _weight_lines(sol: Solution, l: int, k: int, block: Block) -> None:
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    last = l == len(spec.layers) - 1
    n = layer.neurons[k]
    net, out = naming.net(n), naming.out(n)
    srcs = _sources(spec, l)
    slide_form = not last and _slide_terms(spec, run, l)
    # The factors above dnet/dw are the neuron's, the same for each of its weights.
    if layer.activation == "softmax":
        upper, upper_v = _grad_name(net), paren(num(run.grad(net)))
    elif slide_form:
        nxt = spec.layers[l + 1]
        parts = [naming.derivative(naming.error_of(m), out) for m in nxt.neurons]
        values = [run.derivative(naming.error_of(m), out) for m in nxt.neurons]
        if len(parts) > 1:
            first, first_v = f"({' + '.join(parts)})", f"({signed_sum(values)})"
        else:
            first, first_v = parts[0], paren(num(values[0]))
        upper = f"{first} * {naming.derivative(out, net)}"
        upper_v = f"{first_v} * {paren(num(run.derivative(out, net)))}"
    else:
        upper = naming.chain(naming.TOTAL_ERROR, out, net)
        upper_v = f"{paren(num(run.grad(out)))} * {paren(num(run.derivative(out, net)))}"
    for j, w in enumerate(layer.weight_names[k]):
        src = _source_value(spec, run, l, j)
        block.eq(naming.derivative(net, w), srcs[j], src)
        block.eq(_grad_name(w), f"{upper} * {naming.derivative(net, w)}", f"{upper_v} * {paren(src)}",
                 num(run.gradients[w]))


def _bias_lines(sol: Solution, l: int, block: Block) -> None:
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    for b in layer.bias_list():
        users = [n for i, n in enumerate(layer.neurons) if layer.bias_of(i) == b]
        block.blank()
        if len(users) > 1:
            # "net": the net of each of them
            block.text(f"{INDENT}  {b} is shared by {', '.join(users)}: one path through each "
                       f"(each {naming.derivative('net', b)} = 1), summed")
            sym = " + ".join(_grad_name(naming.net(n)) for n in users)
            block.eq(_grad_name(b), sym, signed_sum([run.grad(naming.net(n)) for n in users]),
                     num(run.gradients[b]))
        else:
            net = naming.net(users[0])
            block.eq(_grad_name(b), naming.chain(naming.TOTAL_ERROR, net, b),
                     f"{paren(num(run.grad(net)))} * 1", num(run.gradients[b]))


def _layer_heading(sol: Solution, l: int) -> list[str]:
    """What layer l is, and how its gradients come about."""
    spec = sol.spec
    layer = spec.layers[l]
    if l == len(spec.layers) - 1:
        lines = [f"{INDENT}output layer {' '.join(layer.neurons)}"]
        if layer.activation == "softmax" and spec.loss == "cross_entropy":
            # ok: any output
            lines += wrap(f"(softmax with cross-entropy: every {_grad_name(naming.net('ok'))} comes out as "
                          f"{naming.out('ok')} - {naming.target('ok')})", INDENT + "  ")
        return lines
    nxt = spec.layers[l + 1]
    if len(nxt.neurons) == 1:
        lines = [f"{INDENT}hidden layer {' '.join(layer.neurons)}: one path, through {nxt.neurons[0]}"]
    else:
        feeds = (", ".join(nxt.neurons[:-1]) + " and " + nxt.neurons[-1]
                 if len(nxt.neurons) <= 4 else "every neuron of the next layer")
        lines = [f"{INDENT}hidden layer {' '.join(layer.neurons)}: each out feeds {feeds}, "
                 "so its gradient is a sum over paths"]
    if sol.convention == "sequential":
        lines += wrap(f"(sequential: the layer above is already updated, so each "
                      f"{naming.derivative('net', 'out')} below is an updated weight, marked +)",
                      INDENT + "  ")
    return lines


def _backward(sol: Solution) -> list[str]:
    spec = sol.spec
    lines = heading("2. Backward pass: the chain rule, factor by factor (values from the engine's trace)")
    for l in reversed(range(len(spec.layers))):
        lines.append("")
        lines += _layer_heading(sol, l)
        block = Block()
        for k in range(len(spec.layers[l].neurons)):
            block.blank()
            _error_signal(sol, l, k, block)
            _weight_lines(sol, l, k, block)
        _bias_lines(sol, l, block)
        lines += block.lines()
    return lines


# --- 3. updates ----------------------------------------------------------------------------

def _param_order(spec: Spec, convention: str) -> list[str]:
    """Layer by layer (the output layer first under the sequential convention):
    the weights in reading order, then the biases."""
    groups = [sorted(layer.weight_list(), key=naming.reading_order) + layer.bias_list()
              for layer in spec.layers]
    if convention == "sequential":
        groups.reverse()
    return [p for g in groups for p in g]


def _table(header: list[str], rows: list[list[str]], align: str, indent: str = INDENT,
           groups: Optional[list[tuple[str, int, int]]] = None) -> list[str]:
    """Aligned columns ('l'/'r' per column) under a header and a rule; ``groups``
    = (title, first column, last column) spans written above the header."""
    widths = [max(len(r[i]) for r in [header] + rows) for i in range(len(header))]
    if groups:  # a group title wider than its columns widens the first one
        for title, a, b in groups:
            span = sum(widths[a:b + 1]) + 2 * (b - a)
            if len(title) > span:
                widths[a] += len(title) - span

    def fmt(row: list[str]) -> str:
        cells = [c.ljust(w) if al == "l" else c.rjust(w) for c, w, al in zip(row, widths, align)]
        return (indent + "  ".join(cells)).rstrip()

    lines = []
    if groups:
        starts = [sum(widths[:i]) + 2 * i for i in range(len(widths))]
        line = ""
        for title, a, b in groups:
            span = starts[b] + widths[b] - starts[a]
            line = line.ljust(starts[a]) + title.center(span).rstrip() if len(title) < span else \
                line.ljust(starts[a]) + title
        lines.append((indent + line).rstrip())
    rule = indent + "  ".join(("-" * w) if h else " " * w for h, w in zip(header, widths))
    return lines + [fmt(header), rule.rstrip()] + [fmt(r) for r in rows]


def _updates(sol: Solution) -> list[str]:
    spec, run, other = sol.spec, sol.run, sol.other
    # p: any parameter
    lines = heading(f"3. Updates: {naming.updated('p')} = p - {ETA} * {_grad_name('p')}, "
                    f"{ETA} = {given(spec.learning_rate)}")
    frozen = set(_frozen(spec))
    if sol.convention == "sequential":
        lines += wrap("sequential: the output layer first, then each layer below it, with gradients "
                      "taken through the layers already updated", INDENT)
    lines += wrap(f"({other.convention} alongside; = where it gives the same)", INDENT)
    lines.append("")
    rows = []
    for p in _param_order(spec, sol.convention):
        g, new = run.gradients[p], run.updated[p]
        og, onew = other.gradients[p], other.updated[p]
        rows.append([p, num(run.initial[p]), num(g), num(new),
                     "=" if num(og) == num(g) else num(og),
                     "=" if num(onew) == num(new) else num(onew),
                     "not trained" if p in frozen else ""])
    header = ["param", "p", _grad_name("p"), naming.updated("p"), _grad_name("p"), naming.updated("p"), ""]
    groups = [(sol.convention, 2, 3), (other.convention, 4, 5)]
    lines += _table(header, rows, "lrrrrrl", groups=groups)
    return lines


# --- 4. after K updates ----------------------------------------------------------------------

def _history(sol: Solution) -> list[str]:
    spec = sol.spec
    if not sol.after:
        return []
    lines = heading("4. After K updates: the forward pass with the weights after K updates")
    cols = [naming.out(n) for n in spec.outputs] + [naming.TOTAL_ERROR]
    header = ["updates"] + cols + cols
    rows = []
    for k in sol.after:
        a = sol.run.snapshots[k].values
        b = sol.other.snapshots[k].values
        rows.append([str(k)] + [num(a[c]) for c in cols] + [num(b[c]) for c in cols])
    n = len(cols)
    groups = [(sol.convention, 1, n), (sol.other.convention, n + 1, 2 * n)]
    lines += _table(header, rows, "r" * len(header), groups=groups)
    lines.append("")
    lines.append(f"{INDENT}weights after K updates ({sol.convention})")
    params = _param_order(spec, "simultaneous")
    rows = [[p] + [num(sol.run.snapshots[k].values[p]) for k in sol.after] for p in params]
    lines += _table(["param"] + [f"K = {k}" for k in sol.after], rows, "l" + "r" * len(sol.after))
    return lines


# --- 5. slide check ---------------------------------------------------------------------------

def _digits(fig_slide: str) -> int:
    """Decimals to show an engine value with: one more than printed (at least 6)."""
    text = fig_slide.split("e")[0]
    decimals = len(text.split(".")[1]) if "." in text else 0
    return max(6, decimals + 1)


def auto_note(check: FigureCheck) -> str:
    """The engine's own explanation of a mismatch (added to the spec's note)."""
    conv = check.convention
    other = next(c for c in CONVENTIONS if c != conv)
    who = "The slide follows" if check.from_slides else "This figure follows"
    if check.match:
        if check.matches[other]:
            return ""
        # the other column's ✗ needs its reason too
        return (f"{who} the {conv} convention here, as this run does; the {other} convention "
                f"({CONVENTION_TEXT[other]}) gives a different value.")
    if check.matches[other]:
        return (f"{who} the {other} convention here ({CONVENTION_TEXT[other]}); "
                f"run with --convention {other} to follow it.")
    if not check.figure.note:
        return "Matches neither convention."
    return ""


def full_note(check: FigureCheck) -> str:
    return " ".join(t for t in (check.note, auto_note(check)) if t)


def _slide_check(sol: Solution, checks: list[FigureCheck]) -> list[str]:
    """The figure check: a "slide check" for figures printed on slides (the
    presets), a check of the spec's figures for those its author worked out."""
    if not checks:
        return []
    spec = sol.spec
    number = 5 if sol.after else 4  # 4. (after K updates) is there only when asked for
    if spec.from_slides:
        lines = heading(f"{number}. Slide check: every printed figure against the engine")
        lines += wrap("✓ = the engine's value is within one unit of the slide's last printed "
                      "digit, ✗ = it is not. Both conventions side by side; the notes explain "
                      "every mismatch and every oddity of the slides.", INDENT)
        given_as = "slide"
    else:
        source = f"from {spec.figures_from}" if spec.figures_from else "the spec gives"
        lines = heading(f"{number}. Check of the spec's figures: every figure {source} against "
                        "the engine")
        lines += wrap("✓ = the engine's value is within one unit of the figure's last written "
                      "digit, ✗ = it is not. Both conventions side by side; the notes explain "
                      "the mismatches.", INDENT)
        given_as = "given"
    lines.append("")
    order = [sol.convention, sol.other.convention]
    notes: list[str] = []
    rows = []
    for c in checks:
        refs = []
        for text in (c.note, auto_note(c)):  # the spec's note and the engine's, numbered apart
            if text:
                if text not in notes:
                    notes.append(text)
                refs.append(f"[{notes.index(text) + 1}]")
        ref = " ".join(refs)
        d = _digits(c.figure.slide)
        cells = [c.figure.figure, c.figure.slide]
        for conv in order:
            cells += [format_number(c.values[conv], d), "✓" if c.matches[conv] else "✗"]
        rows.append(cells + [ref])
    header = ["figure", given_as, "engine", "", "engine", "", "note"]
    groups = [(f"{order[0]} (this run)", 2, 3), (order[1], 4, 5)]
    lines += _table(header, rows, "lrrlrll", groups=groups)
    lines.append("")
    total = len(checks)
    for conv in order:
        misses = [(c.figure.figure, rows[i][-1]) for i, c in enumerate(checks) if not c.matches[conv]]
        summary = f"{INDENT}{conv}: {total - len(misses)} of {total} figures match"
        if misses and len(misses) <= 6:
            summary += "; not: " + ", ".join(f"{f} {r}".rstrip() for f, r in misses)
        lines += wrap(summary.strip(), INDENT, "  ")
    if notes:
        lines.append("")
        lines.append(f"{INDENT}notes")
        for i, text in enumerate(notes, 1):
            tag = f"[{i}] "
            body = wrap(text, INDENT + " " * len(tag))
            lines.append(INDENT + tag + body[0].strip())
            lines += body[1:]
    return lines


# --- the whole report --------------------------------------------------------------------------

ASCII = {"✓": "ok", "✗": "x", "η": "eta", "σ": "sigmoid"}


# The report's parts, in order: the network at a glance, then the numbered sections.
SECTIONS = {
    "header": lambda sol, checks: _header(sol),
    "forward": lambda sol, checks: _forward(sol),
    "backward": lambda sol, checks: _backward(sol),
    "updates": lambda sol, checks: _updates(sol),
    "after": lambda sol, checks: _history(sol),
    "check": _slide_check,
}


def render_text(sol: Solution, checks: Optional[list[FigureCheck]] = None,
                unicode: bool = True, sections: Union[str, Sequence[str]] = tuple(SECTIONS)) -> str:
    """The worked solution as text. ``sections``: which parts, among
    ``header`` (the network at a glance), ``forward`` (1.), ``backward`` (2.),
    ``updates`` (3.), ``after`` (4., values after K updates) and ``check``
    (5., the figure check); always in that order, numbered as in the whole
    report. ``unicode=False`` spells ✓ ✗ η σ in ASCII (for terminals that
    cannot print them)."""
    checks = checks or []
    wanted = (sections,) if isinstance(sections, str) else tuple(sections)
    unknown = [s for s in wanted if s not in SECTIONS]
    if unknown:
        raise ValueError(f"render_text: unknown section {unknown[0]!r} (choose from "
                         f"{', '.join(SECTIONS)})")
    lines = [line for name, part in SECTIONS.items() if name in wanted
             for line in part(sol, checks)]
    while lines and not lines[0]:  # a section's heading starts with a blank line
        lines.pop(0)
    text = "\n".join(lines) + "\n"
    if not unicode:
        for symbol, word in ASCII.items():
            text = text.replace(symbol, word)
    return text


def _history_json(run: Run, spec: Spec, after: list[int]) -> list[dict[str, Any]]:
    out = []
    params = spec.parameter_names()
    for k in after:
        v = run.snapshots[k].values
        out.append({"updates": k,
                    "outputs": {naming.out(n): v[naming.out(n)] for n in spec.outputs},
                    naming.TOTAL_ERROR: v[naming.TOTAL_ERROR],
                    "weights": {p: v[p] for p in params}})
    return out


def render_json(sol: Solution, checks: Optional[list[FigureCheck]] = None) -> dict[str, Any]:
    """The report's content with stable keys: forward, gradients, updated,
    history, slide_check (plus name, convention and the other convention's
    gradients, updates and history)."""
    spec, run, other = sol.spec, sol.run, sol.other
    return {
        "name": spec.name,
        "convention": sol.convention,
        "forward": run.forward,
        "gradients": dict(run.gradients),
        "updated": dict(run.updated),
        "history": _history_json(run, spec, sol.after),
        "slide_check": [
            {"figure": c.figure.figure, "slide": c.figure.value, "engine": c.engine,
             "match": c.match, "note": full_note(c), "quantity": c.figure.quantity,
             "tolerance": c.figure.tolerance,
             "conventions": {conv: {"engine": c.values[conv], "match": c.matches[conv]}
                             for conv in CONVENTIONS}}
            for c in (checks or [])
        ],
        "other_convention": {
            "convention": other.convention,
            "gradients": dict(other.gradients),
            "updated": dict(other.updated),
            "history": _history_json(other, spec, sol.after),
        },
    }
