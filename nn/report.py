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

from .exercise import FigureCheck, Run, Solution, SolveError, Spec
from .train import CONVENTIONS

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
        if layer.bias is not None and not layer.train_bias:
            names += [layer.bias_names] if isinstance(layer.bias_names, str) else list(layer.bias_names)
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
    rows.append(("targets", ", ".join(f"target_{n} = {given(v)}" for n, v in zip(spec.outputs, spec.targets))))
    term = LOSS_TERM[spec.loss][0].format(t="target_k", o="out_k")
    scale = {"mse_half": "1/2 "}.get(spec.loss, "")
    lines_loss = f"{spec.loss}: E_total = {scale}sum over outputs k of E_k, E_k = {term}"
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
    return spec.input_names if l == 0 else [f"out_{n}" for n in spec.layers[l - 1].neurons]


def _source_value(spec: Spec, run: Run, l: int, j: int) -> str:
    """The value feeding weight column j of layer l: an input as given, or a computed out."""
    if l == 0:
        return given(spec.inputs[j])
    return num(run.nodes[f"out_{spec.layers[l - 1].neurons[j]}"].data)


def _bias_name(layer: Any, i: int) -> str:
    if layer.bias is None:
        return ""
    return layer.bias_names if isinstance(layer.bias_names, str) else layer.bias_names[i]


def _layer_biases(layer: Any) -> list[str]:
    if layer.bias is None:
        return []
    return [layer.bias_names] if isinstance(layer.bias_names, str) else list(layer.bias_names)


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
            bias = _bias_name(layer, i)
            if bias:
                names.append(f"{bias}*1")
                numbers.append(f"{paren(given(run.initial[bias]))}*1")
            block.eq(f"net_{n}", " + ".join(names), " + ".join(numbers), num(run.nodes[f"net_{n}"].data))
        for n in layer.neurons:
            out, net = f"out_{n}", f"net_{n}"
            value = num(run.nodes[out].data)
            netv = num(run.nodes[net].data)
            if layer.activation == "identity":
                block.eq(out, f"{net} (identity)", value)
            elif layer.activation == "softmax":
                denom = " + ".join(f"e^net_{m}" for m in layer.neurons)
                denom_v = " + ".join(f"e^{paren(num(run.nodes['net_' + m].data))}" for m in layer.neurons)
                block.eq(out, f"e^{net} / ({denom})", f"e^{paren(netv)} / ({denom_v})", value)
            else:
                form = ACTIVATION_FORWARD[layer.activation]
                shown = paren(netv) if "e^" in form else netv
                block.eq(out, form.format(net=net), form.format(net=shown), value)
        lines += block.lines()
    # the loss
    block = Block().text(f"{INDENT}error")
    sym, _ = LOSS_TERM[spec.loss]
    terms = [n for n in spec.outputs if f"E_{n}" in run.nodes]
    for n in terms:
        t = spec.targets[spec.outputs.index(n)]
        block.eq(f"E_{n}", sym.format(t=f"target_{n}", o=f"out_{n}"),
                 sym.format(t=given(t), o=num(run.nodes[f"out_{n}"].data)),
                 num(run.nodes[f"E_{n}"].data))
    if len(terms) == 1 and run.nodes[f"E_{terms[0]}"] is run.nodes["E_total"]:
        block.items[-1] = (f"E_total = E_{terms[0]}", block.items[-1][1])
        return lines + block.lines()
    total = " + ".join(f"E_{n}" for n in terms) or "0"
    values = " + ".join(paren(num(run.nodes[f"E_{n}"].data)) for n in terms) or "0"
    if spec.loss == "mse_half":
        total, values = f"1/2 ({total})", f"1/2 ({values})"
    block.eq("E_total", total, values, num(run.nodes["E_total"].data))
    return lines + block.lines()


# --- 2. backward ---------------------------------------------------------------------------

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
        if f"E_{n}" not in run.nodes or abs(run.derivative("E_total", f"E_{n}") - 1.0) > 1e-12:
            return False
    return True


def _weight_tag(run: Run, w: str, local: float) -> str:
    """'w7+' when the backward pass used the updated weight, else 'w7'."""
    if abs(local - run.updated[w]) < 1e-15 and abs(run.updated[w] - run.initial[w]) > 1e-15:
        return f"{w}+"
    return w


def _error_signal(sol: Solution, l: int, k: int, block: Block) -> None:
    """For neuron k of layer l: dE_total/dout (a sum over paths for a hidden
    neuron), dout/dnet and dE_total/dnet."""
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    n = layer.neurons[k]
    out, net = f"out_{n}", f"net_{n}"
    if l == len(spec.layers) - 1:
        d = run.derivative("E_total", out)
        if f"E_{n}" in run.nodes:
            _, dsym = LOSS_TERM[spec.loss]
            block.eq(f"dE_total/d{out}", dsym.format(t=f"target_{n}", o=out),
                     dsym.format(t=given(spec.targets[k]), o=num(run.nodes[out].data)), num(d))
        else:
            block.eq(f"dE_total/d{out}", f"0 (E_total does not use {out})")
    else:
        nxt = spec.layers[l + 1]
        slide_form = _slide_terms(spec, run, l)
        terms, symbols, numbers = [], [], []
        for m_idx, m in enumerate(nxt.neurons):
            net_m = f"net_{m}"
            w = nxt.weight_names[m_idx][k]
            local = run.derivative(net_m, out)
            tag = _weight_tag(run, w, local)
            if slide_form:
                e, out_m = f"E_{m}", f"out_{m}"
                f1, f2 = run.derivative(e, out_m), run.derivative(out_m, net_m)
                lhs = f"d{e}/d{out}"
                block.eq(lhs, f"d{e}/d{out_m} * d{out_m}/d{net_m} * d{net_m}/d{out}",
                         f"{paren(num(f1))} * {paren(num(f2))} * {paren(num(local))} ({tag})",
                         num(f1 * f2 * local))
                terms.append(f1 * f2 * local)
                symbols.append(lhs)
            else:
                f1 = run.derivative("E_total", net_m)
                symbols.append(f"dE_total/d{net_m} * d{net_m}/d{out}")
                numbers.append(f"{paren(num(f1))} * {paren(num(local))} ({tag})")
                terms.append(f1 * local)
        if len(terms) > 1 or numbers:
            rhs = [" + ".join(symbols)] + ([" + ".join(numbers)] if numbers else [])
            if len(terms) > 1:
                rhs.append(signed_sum(terms))
            block.eq(f"dE_total/d{out}", *rhs, num(run.grad(out)))
        else:
            block.eq(f"dE_total/d{out}", symbols[0], num(run.grad(out)))
    if layer.activation == "softmax":
        _softmax_net(sol, n, block)
        return
    local = run.derivative(out, net)
    sym, numeric = ACTIVATION_LOCAL[layer.activation]
    rhs = [sym.format(out=out, net=net)]
    if numeric:
        rhs.append(numeric.format(outv=paren(num(run.nodes[out].data))))
    block.eq(f"d{out}/d{net}", *rhs, num(local))
    block.eq(f"dE_total/d{net}", f"dE_total/d{out} * d{out}/d{net}",
             f"{paren(num(run.grad(out)))} * {paren(num(local))}", num(run.grad(net)))


def _softmax_net(sol: Solution, n: str, block: Block) -> None:
    """dE_total/dnet for a softmax output: a sum over every output the loss uses."""
    spec, run = sol.spec, sol.run
    net = f"net_{n}"
    syms, nums = [], []
    under = run.used_by_loss()
    for m in spec.outputs:
        out_m = f"out_{m}"
        if id(run.nodes[out_m]) not in under:
            continue
        syms.append(f"dE_total/d{out_m} * d{out_m}/d{net}")
        nums.append(f"{paren(num(run.grad(out_m)))} * {paren(num(run.derivative(out_m, net)))}")
    if not syms:
        block.eq(f"dE_total/d{net}", num(run.grad(net)))
        return
    rhs = [" + ".join(syms), " + ".join(nums)]
    block.eq(f"dE_total/d{net}", *rhs, num(run.grad(net)))
    if spec.loss == "cross_entropy":
        k = spec.outputs.index(n)
        t = spec.targets[k]
        out = num(run.nodes[f"out_{n}"].data)
        block.eq(" " * len(f"dE_total/d{net}"), f"out_{n} - target_{n}",
                 f"{out} - {paren(given(t))}", num(run.nodes[f"out_{n}"].data - t))


def _weight_lines(sol: Solution, l: int, k: int, block: Block) -> None:
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    last = l == len(spec.layers) - 1
    n = layer.neurons[k]
    net, out = f"net_{n}", f"out_{n}"
    srcs = _sources(spec, l)
    slide_form = not last and _slide_terms(spec, run, l)
    # The factors above dnet/dw are the neuron's, the same for each of its weights.
    if layer.activation == "softmax":
        upper, upper_v = f"dE_total/d{net}", paren(num(run.grad(net)))
    elif slide_form:
        nxt = spec.layers[l + 1]
        parts = [f"dE_{m}/d{out}" for m in nxt.neurons]
        values = [run.derivative(f"E_{m}", out) for m in nxt.neurons]
        if len(parts) > 1:
            first, first_v = f"({' + '.join(parts)})", f"({signed_sum(values)})"
        else:
            first, first_v = parts[0], paren(num(values[0]))
        upper = f"{first} * d{out}/d{net}"
        upper_v = f"{first_v} * {paren(num(run.derivative(out, net)))}"
    else:
        upper = f"dE_total/d{out} * d{out}/d{net}"
        upper_v = f"{paren(num(run.grad(out)))} * {paren(num(run.derivative(out, net)))}"
    for j, w in enumerate(layer.weight_names[k]):
        src = _source_value(spec, run, l, j)
        block.eq(f"d{net}/d{w}", srcs[j], src)
        block.eq(f"dE_total/d{w}", f"{upper} * d{net}/d{w}", f"{upper_v} * {paren(src)}",
                 num(run.gradients[w]))


def _bias_lines(sol: Solution, l: int, block: Block) -> None:
    spec, run = sol.spec, sol.run
    layer = spec.layers[l]
    for b in _layer_biases(layer):
        users = [n for i, n in enumerate(layer.neurons) if _bias_name(layer, i) == b]
        block.blank()
        if len(users) > 1:
            block.text(f"{INDENT}  {b} is shared by {', '.join(users)}: one path through each "
                       f"(each dnet/d{b} = 1), summed")
        if len(users) > 1:
            sym = " + ".join(f"dE_total/dnet_{n}" for n in users)
            block.eq(f"dE_total/d{b}", sym, signed_sum([run.grad(f"net_{n}") for n in users]),
                     num(run.gradients[b]))
        else:
            net = f"net_{users[0]}"
            block.eq(f"dE_total/d{b}", f"dE_total/d{net} * d{net}/d{b}",
                     f"{paren(num(run.grad(net)))} * 1", num(run.gradients[b]))


def _backward(sol: Solution) -> list[str]:
    spec = sol.spec
    lines = heading("2. Backward pass: the chain rule, factor by factor (values from the engine's trace)")
    L = len(spec.layers)
    for l in reversed(range(L)):
        layer = spec.layers[l]
        lines.append("")
        if l == L - 1:
            lines.append(f"{INDENT}output layer {' '.join(layer.neurons)}")
            if layer.activation == "softmax" and spec.loss == "cross_entropy":
                lines += wrap("(softmax with cross-entropy: every dE_total/dnet_ok comes out as "
                              "out_ok - target_ok)", INDENT + "  ")
        else:
            nxt = spec.layers[l + 1]
            if len(nxt.neurons) == 1:
                lines.append(f"{INDENT}hidden layer {' '.join(layer.neurons)}: one path, "
                             f"through {nxt.neurons[0]}")
            else:
                feeds = (", ".join(nxt.neurons[:-1]) + " and " + nxt.neurons[-1]
                         if len(nxt.neurons) <= 4 else "every neuron of the next layer")
                lines.append(f"{INDENT}hidden layer {' '.join(layer.neurons)}: each out feeds {feeds}, "
                             "so its gradient is a sum over paths")
            if sol.convention == "sequential":
                lines += wrap("(sequential: the layer above is already updated, so each dnet/dout "
                              "below is an updated weight, marked +)", INDENT + "  ")
        block = Block()
        for k in range(len(layer.neurons)):
            block.blank()
            _error_signal(sol, l, k, block)
            _weight_lines(sol, l, k, block)
        _bias_lines(sol, l, block)
        lines += block.lines()
    return lines


# --- 3. updates ----------------------------------------------------------------------------

def _param_order(spec: Spec, convention: str) -> list[str]:
    from .exercise import _natural
    groups = []
    for layer in spec.layers:
        weights = sorted((w for row in layer.weight_names for w in row), key=_natural)
        groups.append(weights + _layer_biases(layer))
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
    lines = heading(f"3. Updates: p+ = p - {ETA} * dE_total/dp, {ETA} = {given(spec.learning_rate)}")
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
    header = ["param", "p", "dE_total/dp", "p+", "dE_total/dp", "p+", ""]
    groups = [(sol.convention, 2, 3), (other.convention, 4, 5)]
    lines += _table(header, rows, "lrrrrrl", groups=groups)
    return lines


# --- 4. after K updates ----------------------------------------------------------------------

def _history(sol: Solution) -> list[str]:
    spec = sol.spec
    if not sol.after:
        return []
    lines = heading("4. After K updates: the forward pass with the weights after K updates")
    cols = [f"out_{n}" for n in spec.outputs] + ["E_total"]
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
                    "outputs": {f"out_{n}": v[f"out_{n}"] for n in spec.outputs},
                    "E_total": v["E_total"],
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
