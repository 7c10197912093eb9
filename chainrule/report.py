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
import re
import textwrap
from typing import Any, Optional, Sequence, Union

from autograd import format_number
from nn import naming
from nn.i18n import language
from nn.train import CONVENTIONS

from .errors import SolveError
from .i18n import N_, _, ljust, pgettext, rjust, width
from .solver import FigureCheck, Run, Solution
from .spec import Spec

WIDTH = 96
ETA = "η"
ONE_LINE = 100  # an equation that fits on one line is written on one
INDENT = "   "

CONVENTION_TEXT = {
    "sequential": N_("the output layer is updated first, and the hidden gradients are "
                     "back-propagated through the already-updated output weights (as the slides do)"),
    "simultaneous": N_("plain gradient descent: every gradient comes from the weights before "
                       "the update, then all weights change at once"),
}
# What a note says the other convention does: its rule only. (Whose convention it
# is depends on the deck: the BP slides' 2-3-2 example is sequential, the 2-1-1
# exercise simultaneous.)
CONVENTION_RULE = {
    "sequential": N_("the output layer is updated first, and the hidden gradients are "
                     "back-propagated through the already-updated output weights"),
    "simultaneous": N_("every gradient comes from the weights before the update, then all "
                       "weights change at once"),
}
# The conventions as the report names them (the --convention values stay English).
CONVENTION_NAME = {"sequential": N_("sequential"), "simultaneous": N_("simultaneous")}


def convention_name(convention: str) -> str:
    return _(CONVENTION_NAME[convention])


def convention_text(convention: str) -> str:
    return _(CONVENTION_TEXT[convention])

# Presentation only: how each loss term and its derivative are written.
LOSS_TERM = {
    "half_sse": ("1/2 ({t} - {o})^2", "-({t} - {o})"),
    "mse": ("({t} - {o})^2", "-2 ({t} - {o})"),
    "mse_half": ("({t} - {o})^2", "-({t} - {o})"),  # E_total = 1/2 sum: 1/2 * 2 = 1
    "cross_entropy": ("-{t} * log({o})", "-{t} / {o}"),
    "absolute": ("|{t} - {o}|", "-sign({t} - {o})"),
    "hinge": ("max(0, 1 - {t}*{o})", N_("-{t} if 1 - {t}*{o} > 0, else 0")),
}
ACTIVATION_FORWARD = {
    "sigmoid": "1/(1 + e^-{net})",
    "tanh": "tanh({net})",
    "relu": "max(0, {net})",
    # nn's leaky_relu and elu take their default slope 0.01 and alpha 1
    "leaky_relu": "max({net}, 0.01 {net})",
    "elu": "max(0, {net}) + min(0, e^{net} - 1)",
    "softplus": "log(1 + e^{net})",
    "step": "step({net})",
}
ACTIVATION_LOCAL = {
    "sigmoid": ("{out} (1 - {out})", "{outv} * (1 - {outv})"),
    "tanh": ("1 - {out}^2", "1 - {outv}^2"),
    "relu": (N_("1 if {net} > 0, else 0"), None),
    "leaky_relu": (N_("1 if {net} > 0, else 0.01"), None),
    "elu": (N_("1 if {net} > 0, else {out} + 1 (= e^{net})"), None),
    # softplus' derivative is the sigmoid of net, which is 1 - e^-out
    "softplus": ("1 - e^-{out}", "1 - e^-{outv}"),
    "step": (N_("0 (a step is flat on both sides)"), None),
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
        raise SolveError(_("the worked solution would print {value}: a sum or product of its "
                           "figures overflows the floats (largest about 1.8e308); use smaller "
                           "weights, inputs or learning_rate").format(value=x))
    return x


def paren(text: str) -> str:
    """A negative number inside a sum or product gets parentheses."""
    return f"({text})" if text.startswith("-") else text


def signed_sum(values: list[float]) -> str:
    return " + ".join(paren(num(v)) for v in values)


def heading(title: str) -> list[str]:
    return ["", title, "-" * width(title)]


# A run of wide characters breaks anywhere, a run of other characters only at spaces;
# a closing mark never starts a line, an opening mark never ends one (it is glued to what follows it).
_TOKENS = re.compile(r"\s+|[（“「]*[^\s\u2e80-\uffef“]+|[（“「]*[\u2e80-\uffef]")
_CLOSING = set("，。：；、）！？」”")


def _wrap_wide(text: str, columns: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    line = first
    fresh = True  # nothing but the indent on the line yet
    for token in _TOKENS.findall(text):
        if token.isspace():
            if not fresh:
                line += " "
            continue
        if not fresh and width(line) + width(token) > columns and token not in _CLOSING:
            lines.append(line.rstrip())
            line, fresh = rest, True
        line += token
        fresh = False
    lines.append(line.rstrip())
    return lines


def wrap_columns(text: str, columns: int, first: str = "", rest: str = "") -> list[str]:
    """textwrap.wrap for English (byte for byte as before), by columns for Chinese."""
    if width(text) == len(text):
        return textwrap.wrap(text, columns, initial_indent=first, subsequent_indent=rest,
                             break_on_hyphens=False)
    return _wrap_wide(text, columns, first, rest)


def wrap(text: str, indent: str, hang: str = "") -> list[str]:
    return wrap_columns(text, WIDTH, indent, indent + hang) or [indent]


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


def first_differing(sol: Solution) -> Optional[str]:
    """The first parameter whose gradient the two conventions give differently
    (as printed): w1 in bp232; None where they agree (one layer)."""
    seq, sim = sol.runs["sequential"].gradients, sol.runs["simultaneous"].gradients
    return next((p for p in sol.spec.parameter_names() if num(seq[p]) != num(sim[p])), None)


def _why_two_numbers(sol: Solution, checks: list[FigureCheck]) -> list[str]:
    """The report's first lines: why the hidden gradients under the sequential
    convention (the slides') are not plain gradient descent's, with the number
    both ways, and a pointer to the note on a printed figure that matches
    neither (the 2-3-2 slide's 0.011204)."""
    p = first_differing(sol)
    if p is None:
        return []
    name = _grad_name(p)
    seq = num(sol.runs["sequential"].gradients[p])
    sim = num(sol.runs["simultaneous"].gradients[p])
    # a deck whose figures are plain gradient descent (the 2-1-1 exercise) is not "the
    # slides' sequential convention": only the BP slides' 2-3-2 example is
    simultaneous_deck = sol.spec.from_slides and sol.spec.convention == "simultaneous"
    if sol.convention == "sequential":
        text = (_("Why {name} = {seq} here and not {sim}: this run takes the sequential "
                  "convention: the output layer is updated first and the hidden layer's gradients "
                  "go through the updated output weights; plain gradient descent (--convention "
                  "simultaneous), as this deck computes, gives {sim}.") if simultaneous_deck else
                _("Why {name} = {seq} here and not {sim}: this run takes the sequential convention "
                  "(the slides'): the output layer is updated first and the hidden layer's "
                  "gradients go through the updated output weights; plain gradient descent "
                  "(--convention simultaneous) gives {sim}."))
    else:
        text = (_("Why {name} = {sim} here and not {seq}: this run is plain gradient descent "
                  "(simultaneous), as this deck computes; the sequential convention of the BP "
                  "slides' 2-3-2 example updates the output layer first and takes the hidden "
                  "layer's gradients through the updated output weights, giving {seq}.")
                if simultaneous_deck else
                _("Why {name} = {sim} here and not {seq}: this run is plain gradient descent "
                  "(simultaneous); the slides' sequential convention updates the output layer "
                  "first and takes the hidden layer's gradients through the updated output "
                  "weights, giving {seq}."))
    text = text.format(name=name, seq=seq, sim=sim)
    _notes, refs = _numbered_notes(checks)
    for c, ref in zip(checks, refs):
        if c.figure.quantity == name and not any(c.matches.values()):
            said = (_("The slide prints {figure}, which matches neither: an erratum (see the "
                      "slide check, note {ref}).") if c.from_slides else
                    _("The spec gives {figure}, which matches neither (see the figure check, "
                      "note {ref})."))
            # Chinese sentences follow one another without a space
            text += ("" if language() == "zh" else " ") + said.format(
                figure=c.figure.slide, ref=ref.split()[0] if ref else "")
            break
    return wrap_columns(text, WIDTH) + [""]


def _header(sol: Solution, checks: Optional[list[FigureCheck]] = None) -> list[str]:
    spec = sol.spec
    spec_title, spec_source = spec.text("title"), spec.text("source")
    title = (_("chainrule bp: {name}, {title}").format(name=spec.name, title=spec_title) if spec_title
             else _("chainrule bp: {name}").format(name=spec.name))
    lines = [title, "=" * width(title)]
    if spec_source:
        lines.append(_("from {source}").format(source=spec_source))
    lines.append("")
    lines += _why_two_numbers(sol, checks or [])
    parts = [" ".join(spec.input_names)]
    for layer in spec.layers:
        parts.append(f"{' '.join(layer.neurons)} ({layer.activation})")
    rows = [(_("network"), "  ->  ".join(parts))]
    rows.append((_("inputs"), ", ".join(f"{n} = {given(v)}" for n, v in zip(spec.input_names, spec.inputs))))
    rows.append((_("targets"), ", ".join(f"{naming.target(n)} = {given(v)}"
                                         for n, v in zip(spec.outputs, spec.targets))))
    # k: any output
    term = LOSS_TERM[spec.loss][0].format(t=naming.target("k"), o=naming.out("k"))
    scale = {"mse_half": "1/2 "}.get(spec.loss, "")
    e_k = naming.error_of("k")
    lines_loss = _("{loss}: {total} = {scale}sum over outputs k of {e_k}, {e_k} = {term}").format(
        loss=spec.loss, total=naming.TOTAL_ERROR, scale=scale, e_k=e_k, term=term)
    rows.append((pgettext("report header", "loss"), lines_loss))
    rows.append((_("learning rate"), f"{ETA} = {given(spec.learning_rate)}"))
    # "as the slides do" is the BP slides' 2-3-2 example, not a deck that computes simultaneously
    deck_differs = spec.from_slides and spec.convention != sol.convention == "sequential"
    rows.append((_("convention"), _("{convention}: {explanation}").format(
        convention=convention_name(sol.convention),
        explanation=_(CONVENTION_RULE["sequential"]) if deck_differs else
        convention_text(sol.convention))))
    frozen = _frozen(spec)
    if frozen:
        rows.append((_("not trained"), _("{names} (train_bias = false)").format(names=", ".join(frozen))))
    rows.append((pgettext("report header", "numbers"),
                 _("shown with {decimals} decimals but computed unrounded, so a sum or "
                                 "product redone from the shown numbers can differ in the last "
                                 "digit").format(decimals=6)))
    key_width = max(width(k) for k, _v in rows)
    for k, v in rows:
        wrapped = wrap_columns(v, WIDTH - key_width - 3)
        lines.append(f"{ljust(k, key_width)}   {wrapped[0]}")
        lines += [" " * (key_width + 3) + rest for rest in wrapped[1:]]
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
    lines = heading("1. " + _("Forward pass"))
    for block in forward_blocks(sol):
        lines += block.lines()
    return lines + _loss_block(sol.spec, sol.run).lines()


def forward_blocks(sol: Solution) -> list[Block]:
    """The forward pass, layer by layer: each net and out with its formula and
    numbers (the report's section 1 and the classroom animation's first steps)."""
    spec, run = sol.spec, sol.run
    blocks = []
    for l, layer in enumerate(spec.layers):
        srcs = _sources(spec, l)
        kind = _("output layer {names}") if l == len(spec.layers) - 1 else _("hidden layer {names}")
        block = Block().text(INDENT + kind.format(names=" ".join(layer.neurons)))
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
        blocks.append(block)
    return blocks


def _activation_line(run: Run, layer: Any, n: str, block: Block) -> None:
    """out = activation(net) for neuron n, with the numbers."""
    out, net = naming.out(n), naming.net(n)
    value = num(run.nodes[out].data)
    netv = num(run.nodes[net].data)
    if layer.activation == "identity":
        block.eq(out, _("{net} (identity)").format(net=net), value)
    elif layer.activation == "softmax":
        denom = " + ".join(f"e^{naming.net(m)}" for m in layer.neurons)
        denom_v = " + ".join(f"e^{paren(num(run.nodes[naming.net(m)].data))}" for m in layer.neurons)
        block.eq(out, f"e^{net} / ({denom})", f"e^{paren(netv)} / ({denom_v})", value)
    else:
        form = ACTIVATION_FORWARD[layer.activation]
        shown = paren(netv) if "e^" in form or "0.01 {net}" in form else netv
        block.eq(out, form.format(net=net), form.format(net=shown), value)


def loss_block(sol: Solution) -> Block:
    """Each output's error term, then E_total."""
    return _loss_block(sol.spec, sol.run)


def _loss_block(spec: Spec, run: Run) -> Block:
    """Each output's error term, then E_total."""
    block = Block().text(INDENT + _("error"))
    sym = LOSS_TERM[spec.loss][0]
    total_name = naming.TOTAL_ERROR
    terms = [n for n in spec.outputs if naming.error_of(n) in run.nodes]
    for n in terms:
        t = spec.targets[spec.outputs.index(n)]
        block.eq(naming.error_of(n), sym.format(t=naming.target(n), o=naming.out(n)),
                 sym.format(t=given(t), o=num(run.nodes[naming.out(n)].data)),
                 num(run.nodes[naming.error_of(n)].data))
    if len(terms) == 1 and run.nodes[naming.error_of(terms[0])] is run.nodes[total_name]:
        block.items[-1] = (f"{total_name} = {naming.error_of(terms[0])}", block.items[-1][1])
        return block
    total = " + ".join(naming.error_of(n) for n in terms) or "0"
    values = " + ".join(paren(num(run.nodes[naming.error_of(n)].data)) for n in terms) or "0"
    if spec.loss == "mse_half":
        total, values = f"1/2 ({total})", f"1/2 ({values})"
    block.eq(total_name, total, values, num(run.nodes[total_name].data))
    return block


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
    rhs = [_(sym).format(out=out, net=net) if numeric is None else sym.format(out=out, net=net)]
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
        dsym = _(LOSS_TERM[spec.loss][1]) if spec.loss == "hinge" else LOSS_TERM[spec.loss][1]
        block.eq(_grad_name(out), dsym.format(t=naming.target(n), o=out),
                 dsym.format(t=given(spec.targets[k]), o=num(run.nodes[out].data)), num(d))
    else:
        block.eq(_grad_name(out), _("0 ({total} does not use {out})").format(
            total=naming.TOTAL_ERROR, out=out))


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
            block.text(INDENT + "  " + _("{bias} is shared by {names}: one path through each "
                                         "(each {derivative} = 1), summed").format(
                bias=b, names=", ".join(users), derivative=naming.derivative("net", b)))
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
        lines = [INDENT + _("output layer {names}").format(names=" ".join(layer.neurons))]
        if layer.activation == "softmax" and spec.loss == "cross_entropy":
            # ok: any output
            lines += wrap(_("(softmax with cross-entropy: every {gradient} comes out as {out} - {target})")
                          .format(gradient=_grad_name(naming.net("ok")), out=naming.out("ok"),
                                  target=naming.target("ok")), INDENT + "  ")
        return lines
    nxt = spec.layers[l + 1]
    neurons = " ".join(layer.neurons)
    if len(nxt.neurons) == 1:
        lines = [INDENT + _("hidden layer {names}: one path, through {next}").format(
            names=neurons, next=nxt.neurons[0])]
    else:
        if len(nxt.neurons) <= 4:
            feeds = _("{first} and {last}").format(first=", ".join(nxt.neurons[:-1]), last=nxt.neurons[-1])
        else:
            feeds = _("every neuron of the next layer")
        lines = [INDENT + _("hidden layer {names}: each out feeds {feeds}, so its gradient is a sum "
                            "over paths").format(names=neurons, feeds=feeds)]
    if sol.convention == "sequential":
        lines += wrap(_("(sequential: the layer above is already updated, so each {derivative} below "
                        "is an updated weight, marked +)").format(
            derivative=naming.derivative("net", "out")), INDENT + "  ")
    return lines


def _backward(sol: Solution) -> list[str]:
    lines = heading("2. " + _("Backward pass: the chain rule, factor by factor (values from the "
                              "engine's trace)"))
    for l, block in backward_blocks(sol):
        lines.append("")
        lines += _layer_heading(sol, l)
        lines += block.lines()
    return lines


def backward_blocks(sol: Solution) -> list[tuple[int, Block]]:
    """The backward pass, layer by layer from the output (layer index, its
    equations): the report's section 2 and the classroom animation's steps."""
    spec = sol.spec
    blocks = []
    for l in reversed(range(len(spec.layers))):
        block = Block()
        for k in range(len(spec.layers[l].neurons)):
            block.blank()
            _error_signal(sol, l, k, block)
            _weight_lines(sol, l, k, block)
        _bias_lines(sol, l, block)
        blocks.append((l, block))
    return blocks


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
    widths = [max(width(r[i]) for r in [header] + rows) for i in range(len(header))]
    if groups:  # a group title wider than its columns widens the first one
        for title, a, b in groups:
            span = sum(widths[a:b + 1]) + 2 * (b - a)
            if width(title) > span:
                widths[a] += width(title) - span

    def fmt(row: list[str]) -> str:
        cells = [ljust(c, w) if al == "l" else rjust(c, w) for c, w, al in zip(row, widths, align)]
        return (indent + "  ".join(cells)).rstrip()

    lines = []
    if groups:
        starts = [sum(widths[:i]) + 2 * i for i in range(len(widths))]
        line = ""
        for title, a, b in groups:
            span = starts[b] + widths[b] - starts[a]
            line = ljust(line, starts[a]) + _center(title, span).rstrip() if width(title) < span else \
                ljust(line, starts[a]) + title
        lines.append((indent + line).rstrip())
    rule = indent + "  ".join(("-" * w) if h else " " * w for h, w in zip(header, widths))
    return lines + [fmt(header), rule.rstrip()] + [fmt(r) for r in rows]


def _center(text: str, columns: int) -> str:
    """str.center by columns (the same spaces as str.center for ASCII)."""
    pad = columns - width(text)
    left = pad // 2 + (pad & columns & 1)
    return " " * left + text + " " * (pad - left)


def _updates(sol: Solution) -> list[str]:
    spec, run, other = sol.spec, sol.run, sol.other
    # p: any parameter
    lines = heading("3. " + _("Updates: {rule}").format(
        rule=f"{naming.updated('p')} = p - {ETA} * {_grad_name('p')}, {ETA} = {given(spec.learning_rate)}"))
    frozen = set(_frozen(spec))
    if sol.convention == "sequential":
        lines += wrap(_("sequential: the output layer first, then each layer below it, with gradients "
                        "taken through the layers already updated"), INDENT)
    lines += wrap(_("({convention} alongside; = where it gives the same)").format(
        convention=convention_name(other.convention)), INDENT)
    lines.append("")
    rows = []
    for p in _param_order(spec, sol.convention):
        g, new = run.gradients[p], run.updated[p]
        og, onew = other.gradients[p], other.updated[p]
        rows.append([p, num(run.initial[p]), num(g), num(new),
                     "=" if num(og) == num(g) else num(og),
                     "=" if num(onew) == num(new) else num(onew),
                     _("not trained") if p in frozen else ""])
    header = [_("param"), "p", _grad_name("p"), naming.updated("p"), _grad_name("p"), naming.updated("p"), ""]
    groups = [(convention_name(sol.convention), 2, 3), (convention_name(other.convention), 4, 5)]
    lines += _table(header, rows, "lrrrrrl", groups=groups)
    return lines


# --- 4. after K updates ----------------------------------------------------------------------

def _history(sol: Solution) -> list[str]:
    spec = sol.spec
    if not sol.after:
        return []
    lines = heading("4. " + _("After K updates: the forward pass with the weights after K updates"))
    cols = [naming.out(n) for n in spec.outputs] + [naming.TOTAL_ERROR]
    header = [_("updates")] + cols + cols
    rows = []
    for k in sol.after:
        a = sol.run.snapshots[k].values
        b = sol.other.snapshots[k].values
        rows.append([str(k)] + [num(a[c]) for c in cols] + [num(b[c]) for c in cols])
    n = len(cols)
    groups = [(convention_name(sol.convention), 1, n), (convention_name(sol.other.convention), n + 1, 2 * n)]
    lines += _table(header, rows, "r" * len(header), groups=groups)
    lines.append("")
    lines.append(INDENT + _("weights after K updates ({convention})").format(
        convention=convention_name(sol.convention)))
    params = _param_order(spec, "simultaneous")
    rows = [[p] + [num(sol.run.snapshots[k].values[p]) for k in sol.after] for p in params]
    lines += _table([_("param")] + [f"K = {k}" for k in sol.after], rows, "l" + "r" * len(sol.after))
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
    if check.match:
        if check.matches[other]:
            return ""
        # the other column's ✗ needs its reason too
        text = (_("The slide follows the {convention} convention here, as this run does; the {other} "
                  "convention ({explanation}) gives a different value.") if check.from_slides else
                _("This figure follows the {convention} convention here, as this run does; the {other} "
                  "convention ({explanation}) gives a different value."))
        return text.format(convention=convention_name(conv), other=convention_name(other),
                           explanation=_(CONVENTION_RULE[other]))
    if check.matches[other]:
        text = (_("The slide follows the {convention} convention here ({explanation}); run with "
                  "--convention {flag} to follow it.") if check.from_slides else
                _("This figure follows the {convention} convention here ({explanation}); run with "
                  "--convention {flag} to follow it."))
        return text.format(convention=convention_name(other), explanation=_(CONVENTION_RULE[other]),
                           flag=other)
    if not check.figure.note:
        return _("Matches neither convention.")
    return ""


def spec_note(check: FigureCheck) -> str:
    """The spec's note in the report's language (its English one where it has no other)."""
    return check.note_zh if language() == "zh" and check.note_zh else check.note


def full_note(check: FigureCheck) -> str:
    return " ".join(t for t in (spec_note(check), auto_note(check)) if t)


def _numbered_notes(checks: list[FigureCheck]) -> tuple[list[str], list[str]]:
    """The figure check's notes, each once, and each figure's references to
    them ("[3] [4]"): the spec's note and the engine's, numbered apart."""
    notes: list[str] = []
    refs = []
    for c in checks:
        mine = []
        for text in (spec_note(c), auto_note(c)):
            if text:
                if text not in notes:
                    notes.append(text)
                mine.append(f"[{notes.index(text) + 1}]")
        refs.append(" ".join(mine))
    return notes, refs


def _slide_check(sol: Solution, checks: list[FigureCheck]) -> list[str]:
    """The figure check: a "slide check" for figures printed on slides (the
    presets), a check of the spec's figures for those its author worked out."""
    if not checks:
        return []
    spec = sol.spec
    number = 5 if sol.after else 4  # 4. (after K updates) is there only when asked for
    if spec.from_slides:
        lines = heading(f"{number}. " + _("Slide check: every printed figure against the engine"))
        lines += wrap(_("✓ = the engine's value is within one unit of the slide's last printed "
                        "digit, ✗ = it is not. Both conventions side by side; the notes explain "
                        "every mismatch and every oddity of the slides."), INDENT)
        given_as = _("slide")
    else:
        title = (_("Check of the spec's figures: every figure from {source} against the engine")
                 .format(source=spec.figures_from) if spec.figures_from else
                 _("Check of the spec's figures: every figure the spec gives against the engine"))
        lines = heading(f"{number}. {title}")
        lines += wrap(_("✓ = the engine's value is within one unit of the figure's last written "
                        "digit, ✗ = it is not. Both conventions side by side; the notes explain "
                        "the mismatches."), INDENT)
        given_as = _("given")
    lines.append("")
    order = [sol.convention, sol.other.convention]
    notes, all_refs = _numbered_notes(checks)
    rows = []
    for c, ref in zip(checks, all_refs):
        d = _digits(c.figure.slide)
        cells = [c.figure.label(), c.figure.slide]
        for conv in order:
            cells += [format_number(c.values[conv], d), "✓" if c.matches[conv] else "✗"]
        rows.append(cells + [ref])
    header = [_("figure"), given_as, _("engine"), "", _("engine"), "", _("note")]
    groups = [(_("{convention} (this run)").format(convention=convention_name(order[0])), 2, 3),
              (convention_name(order[1]), 4, 5)]
    lines += _table(header, rows, "lrrlrll", groups=groups)
    lines.append("")
    total = len(checks)
    for conv in order:
        misses = [(c.figure.label(), rows[i][-1]) for i, c in enumerate(checks) if not c.matches[conv]]
        summary = INDENT + _("{convention}: {matched} of {total} figures match").format(
            convention=convention_name(conv), matched=total - len(misses), total=total)
        if misses and len(misses) <= 6:
            summary += _("; not: {figures}").format(
                figures=", ".join(f"{f} {r}".rstrip() for f, r in misses))
        lines += wrap(summary.strip(), INDENT, "  ")
    if notes:
        lines.append("")
        lines.append(INDENT + _("notes"))
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
    "header": _header,
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
        raise ValueError(_("render_text: unknown section {value} (choose from {options})").format(
            value=repr(unknown[0]), options=", ".join(SECTIONS)))
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
