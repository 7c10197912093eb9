"""The answer key of a variant: each asked figure with its value (the engine's,
under the spec's convention) and the formula it comes from, as the slides write
it: ``out_h1 = σ(net_h1)``, ``dE_total/dw5 = dE_total/dout_o1 · dout_o1/dnet_o1 ·
dnet_o1/dw5``, ``w5+ = w5 − η · dE_total/dw5``. CSV and JSON (its keys English
and stable; the formulas' words in the language of the moment).
"""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, Optional

from nn import naming

from ..i18n import _
from ..quantities import parse_quantity
from ..report import ACTIVATION_LOCAL, LOSS_TERM
from ..spec import Spec
from .generate import Exercise

DOT = " · "
SIGMA = "σ"
ACTIVATION_FORMULA = {"sigmoid": SIGMA + "({net})", "tanh": "tanh({net})", "relu": "max(0, {net})",
                      "step": "step({net})", "identity": "{net}"}


@dataclass
class KeyRow:
    quantity: str
    value: float
    printed: str
    formula: str


def key_rows(ex: Exercise) -> list[KeyRow]:
    """One row per asked figure, in the order asked."""
    return [KeyRow(q, ex.values[q], ex.printed(q), formula(ex.spec, q)) for q in ex.asked]


def key_csv(ex: Exercise) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["quantity", "value", "printed", "formula"])
    for row in key_rows(ex):
        writer.writerow([row.quantity, repr(row.value), row.printed, row.formula])
    return out.getvalue()


def key_json(ex: Exercise) -> dict[str, Any]:
    spec = ex.spec
    return {"exercise": spec.name, "seed": ex.seed, "convention": spec.convention,
            "learning_rate": spec.learning_rate, "rules": ex.rules,
            "figures": [{"quantity": r.quantity, "value": r.value, "printed": r.printed,
                         "formula": r.formula} for r in key_rows(ex)]}


# --- where each figure comes from ---------------------------------------------------------

@dataclass
class _Where:
    """A neuron's place: layer index, its index in the layer."""

    layer: int
    index: int


def _find(spec: Spec, neuron: str) -> Optional[_Where]:
    for l, layer in enumerate(spec.layers):
        if neuron in layer.neurons:
            return _Where(l, layer.neurons.index(neuron))
    return None


def _sources(spec: Spec, l: int) -> list[str]:
    """What feeds layer l: the inputs, or the outputs of the layer below."""
    return list(spec.input_names) if l == 0 else [naming.out(n) for n in spec.layers[l - 1].neurons]


def _owner(spec: Spec, parameter: str) -> Optional[tuple[int, list[int], int]]:
    """(layer, the neurons it feeds, sender index or -1 for a bias) of a weight or bias."""
    for l, layer in enumerate(spec.layers):
        for i, row in enumerate(layer.weight_names):
            if parameter in row:
                return l, [i], row.index(parameter)
        users = [i for i in range(len(layer.neurons)) if layer.bias_of(i) == parameter]
        if users:
            return l, users, -1
    return None


def formula(spec: Spec, quantity: str) -> str:
    """``quantity = where it comes from``, in the language of the moment."""
    q = parse_quantity(quantity, spec.labels())
    if q.kind == "value":
        rhs = value_formula(spec, q.a)
    elif q.kind == "derivative":
        rhs = _derivative_formula(spec, q.a, q.b)
    elif q.kind in ("updated", "change"):
        rhs = _update_formula(spec, q.a, q.kind)
    else:
        rhs = _("{name} in the forward pass after {count} updates (each update: w+ = w − η · "
                "dE_total/dw)").format(name=q.a, count=q.k)
    if q.sign < 0:
        rhs = f"−({rhs})"
    return f"{quantity.strip()} = {rhs}"


def value_formula(spec: Spec, name: str) -> str:
    neuron = naming.neuron_of(name)
    where = _find(spec, neuron) if neuron else None
    if where and name == naming.net(neuron):
        layer = spec.layers[where.layer]
        terms = [f"{w}{DOT}{s}" for w, s in zip(layer.weight_names[where.index], _sources(spec, where.layer))]
        bias = layer.bias_of(where.index)
        return " + ".join(terms + ([bias] if bias else []))
    if where:
        layer = spec.layers[where.layer]
        if layer.activation == "softmax":
            return "e^{net} / ({all})".format(net=naming.net(neuron), all=" + ".join(
                f"e^{naming.net(n)}" for n in layer.neurons))
        return ACTIVATION_FORMULA[layer.activation].format(net=naming.net(neuron))
    output = naming.output_of(name)
    if output:
        return LOSS_TERM[spec.loss][0].format(t=naming.target(output), o=naming.out(output))
    if name == naming.TOTAL_ERROR:
        total = " + ".join(naming.error_of(o) for o in error_outputs(spec))
        return f"1/2 ({total})" if spec.loss == "mse_half" else total
    return _("{name} (given)").format(name=name)


def error_outputs(spec: Spec) -> list[str]:
    """The outputs with an error term: cross-entropy's zero targets add none."""
    if spec.loss == "cross_entropy":
        return [o for o, t in zip(spec.outputs, spec.targets) if t != 0]
    return list(spec.outputs)


def _chain(*names: str) -> str:
    return DOT.join(naming.derivative(a, b) for a, b in zip(names, names[1:]))


def _derivative_formula(spec: Spec, a: str, b: str) -> str:
    """The slides' forms where they apply, else the chain rule in words."""
    total = naming.TOTAL_ERROR
    na, nb = naming.neuron_of(a), naming.neuron_of(b)
    wa, wb = (_find(spec, na) if na else None), (_find(spec, nb) if nb else None)
    last = len(spec.layers) - 1
    elementwise = spec.layers[-1].activation != "softmax"
    sequential = spec.convention == "sequential"
    late = _(" (sequential convention: through the updated weights of the layers above)")
    if a == total and wb and b == naming.out(nb) and wb.layer == last and elementwise:
        o = naming.out(nb)
        return _loss_derivative(spec, nb, o)
    if wa and wb and na == nb and a == naming.out(na) and b == naming.net(na):
        act = spec.layers[wa.layer].activation
        if act in ACTIVATION_LOCAL:
            sym, numeric = ACTIVATION_LOCAL[act]
            text = sym.format(out=a, net=b) if numeric else _(sym).format(out=a, net=b)
            return text.replace(" (1 - ", DOT + "(1 - ")
    if wa and a == naming.net(na):
        local = _net_local(spec, wa, b)
        if local is not None:
            return local
    if a == total and wb:
        return _total_to_neuron(spec, wb, b) + (late if sequential and wb.layer < last else "")
    owner = _owner(spec, b)
    if a == total and owner:
        return _total_to_parameter(spec, owner, b) + (late if sequential and owner[0] < last else "")
    if naming.output_of(a) and wb and b == naming.out(nb) and wb.layer == last - 1:
        o = naming.output_of(a)
        return _chain(a, naming.out(o), naming.net(o), b)
    if a == total and naming.output_of(b):
        return "1"
    return _("the chain rule: the product of the local derivatives along each path from {top} "
             "down to {bottom}, summed over every path").format(top=a, bottom=b)


def _loss_derivative(spec: Spec, neuron: str, out: str) -> str:
    term = LOSS_TERM[spec.loss][1]
    target = naming.target(neuron)
    return (_(term) if spec.loss == "hinge" else term).format(t=target, o=out)


def _net_local(spec: Spec, where: _Where, b: str) -> Optional[str]:
    """dnet/dw (the sender), dnet/db (1), dnet/dout of a sender (its weight)."""
    layer = spec.layers[where.layer]
    sources = _sources(spec, where.layer)
    row = layer.weight_names[where.index]
    if b in row:
        return sources[row.index(b)]
    if b and b == layer.bias_of(where.index):
        return "1"
    if b in sources:
        w = row[sources.index(b)]
        if spec.convention == "sequential" and where.layer == len(spec.layers) - 1:
            return _("{weight} (sequential convention: the updated weight)").format(
                weight=naming.updated(w))
        return w
    return None


def _total_to_neuron(spec: Spec, where: _Where, b: str) -> str:
    """dE_total/dnet (out's chain) or dE_total/dout of a hidden neuron (a sum over the layer above)."""
    total = naming.TOTAL_ERROR
    neuron = spec.layers[where.layer].neurons[where.index]
    out, net = naming.out(neuron), naming.net(neuron)
    if b == net:
        if spec.layers[where.layer].activation == "softmax":
            return " + ".join(_chain(total, naming.out(m), net) for m in spec.outputs)
        return _chain(total, out, net)
    above = spec.layers[where.layer + 1].neurons
    return " + ".join(_chain(total, naming.net(m), out) for m in above)


def _total_to_parameter(spec: Spec, owner: tuple[int, list[int], int], p: str) -> str:
    """dE_total/dw: down the neuron's chain to its weight; a shared bias: summed over its neurons."""
    l, users, _sender = owner
    layer = spec.layers[l]
    terms = []
    for i in users:
        n = layer.neurons[i]
        if layer.activation == "softmax":
            terms.append(_chain(naming.TOTAL_ERROR, naming.net(n), p))
        else:
            terms.append(_chain(naming.TOTAL_ERROR, naming.out(n), naming.net(n), p))
    return " + ".join(terms)


def _update_formula(spec: Spec, p: str, kind: str) -> str:
    owner = _owner(spec, p)
    trained = owner is None or spec.layers[owner[0]].train_bias or owner[2] >= 0
    if not trained:
        return (_("{parameter} (not trained: train_bias = false)").format(parameter=p) if kind == "updated"
                else "0")
    grad = naming.derivative(naming.TOTAL_ERROR, p)
    eta = _("η = {rate}").format(rate=f"{spec.learning_rate:g}")
    if kind == "updated":
        return f"{p} − η{DOT}{grad} ({eta})"
    return f"−η{DOT}{grad} ({eta})"
