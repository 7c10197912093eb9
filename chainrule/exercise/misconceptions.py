"""The catalogue of misconceptions: the mistakes students make in a
backpropagation exercise, each a deliberately broken solver.

A misconception changes one local rule or one step of the right solution
(:class:`chainrule.exercise.workings.Rules`) and is worked through the same
engine graph as the right one, on the spec's numbers or on the student's own
earlier figures (:func:`misconceived_figures`). The codes are stable (they are
in the checker's JSON and the Moodle feedback):

==================== ==========================================================
target_sign          dE/dout written as target - out (the chain rule's minus lost)
sigmoid_derivative   the activation's derivative taken from net, not out (net(1 - net))
half_factor          the 1/2 of E dropped: E and dE/dout twice too large
missing_path         one path of the multi-path sum (through one output) left out
sequential_update    the hidden gradients through the updated output weights
                     (under the sequential convention: through the old ones)
update_sign          p + eta * grad
learning_rate        eta left out, or applied twice
bias_omitted         net without the bias
transposed_weights   w_ij read as w_ji (a layer's numbering read the other way)
==================== ==========================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Optional, Sequence

from autograd import format_number
from nn import naming
from nn.train import CONVENTIONS

from ..errors import ArgumentError, show
from ..i18n import N_, _
from ..spec import Spec
from .workings import HALF_LOSSES, Frame, Key, Rules, neuron_of_figure, read_quantity, work

Variants = Callable[[Spec, Rules], list[Rules]]


@dataclass(frozen=True)
class Misconception:
    """One mistake: its stable ``code``, its one-sentence ``message`` (English,
    with {fields}; :meth:`explain` gives it in the language of the moment,
    numbers filled in) and ``variants``: the broken rules it stands for on a
    spec (none where it changes nothing: no 1/2 in the loss, one output)."""

    code: str
    summary: str  # the mistake in a line (English; ``explanation`` in the language of the moment)
    message: str
    variants: Variants
    # other forms of the sentence: "sequential" (an exercise of the sequential
    # convention), or the form a figure's fields name ("tanh")
    forms: Mapping[str, str] = field(default_factory=dict)

    @property
    def explanation(self) -> str:
        """The mistake in one line, in the language of the moment."""
        return _(self.summary)

    def rules(self, spec: Spec, convention: str) -> list[Rules]:
        return self.variants(spec, Rules(convention))

    def explain(self, frame: Frame, figures: Mapping[Key, float], key: Key, quantity: str,
                value: float, convention: str = "simultaneous", given: Optional[str] = None,
                written: Optional[Mapping[Key, str]] = None, sign: float = 1.0) -> str:
        """A teacher's one-sentence correction of the figure ``quantity`` (``key``,
        ``sign``): what the student wrote (``given``), the right step on their own
        numbers (``figures``: the right workings from them; ``written``: the figures
        as they wrote them, quoted so), and the result ``value``, said once: a
        figure that is the step itself ends with the step."""
        numbers = _Numbers(figures, written or {})
        fields = FIELDS[self.code](frame, numbers, key)
        form = fields.pop("form", "") or convention
        step = fields.pop("step_key", None)
        message = self.forms.get(form, self.message)
        so = "" if step == key and sign == 1 else _(", so {quantity} = {value}").format(
            quantity=quantity, value=_num(value))
        return _(message).format(quantity=quantity, given=given or _num(value), so=so, **fields)


def _num(x: float) -> str:
    return format_number(x, 6)


class _Numbers:
    """The figures a sentence quotes: the student's own as written where they
    wrote them (0.5982, not 0.598200), else as worked (6 decimals)."""

    def __init__(self, figures: Mapping[Key, float], written: Mapping[Key, str]) -> None:
        self.figures, self.written = figures, written

    def __getitem__(self, key: Key) -> float:
        return self.figures[key]

    def get(self, key: Key, default: float) -> float:
        return self.figures.get(key, default)

    def show(self, key: Key, value: Optional[float] = None) -> str:
        """``key`` as the student wrote it, else ``value`` (default: as worked)."""
        if key in self.written:
            return self.written[key]
        return _num(self.figures[key] if value is None else value)


# --- the broken rules of each misconception --------------------------------------------

def _other_convention(spec: Spec, r: Rules) -> list[Rules]:
    if len(spec.layers) < 2:
        return []
    return [replace(r, convention=next(c for c in CONVENTIONS if c != r.convention))]


def _missing_path(spec: Spec, r: Rules) -> list[Rules]:
    if len(spec.layers) < 2 or len(spec.outputs) < 2:
        return []
    # the last output's path dropped first: students most often keep o1's only
    return [replace(r, dropped_path=k) for k in reversed(range(len(spec.outputs)))]


def _learning_rate(spec: Spec, r: Rules) -> list[Rules]:
    return [] if spec.learning_rate == 1 else [replace(r, eta_power=0), replace(r, eta_power=2)]


def _bias(spec: Spec, r: Rules) -> list[Rules]:
    has = any(la.bias is not None and la.bias != 0 and la.bias != [0.0] * len(la.neurons)
              for la in spec.layers)
    return [replace(r, bias=False)] if has else []


def _transposed(spec: Spec, r: Rules) -> list[Rules]:
    from .workings import transposed_spec
    return [replace(r, transposed=True)] if transposed_spec(spec) is not None else []


# --- what each sentence names: the neuron or weight the figure is about ------------------

def _target_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    o = _output(frame, key)
    t = frame.spec.targets[frame.spec.outputs.index(o)]
    out = naming.out(o)
    step = ("grad", out)
    return {"out": out, "target": naming.target(o), "t": f"{t:g}", "o": fig.show(("value", out)),
            "step": fig.show(step, -(t - fig[("value", out)])), "step_key": step}


def _half_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    fields = _target_fields(frame, fig, key)
    if key[0] == "value" and (key[1] == naming.TOTAL_ERROR or naming.output_of(key[1])
                              and key[1].startswith("E_")):
        fields["form"] = "loss"  # E itself: twice the right value, no step of the chain rule
    return fields


def _output(frame: Frame, key: Key) -> str:
    n = neuron_of_figure(frame, key)
    return n if n in frame.spec.outputs else frame.spec.outputs[0]


def _derivative_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    n = neuron_of_figure(frame, key)
    out, net = naming.out(n), naming.net(n)
    o = fig[("value", out)]
    layer = next(la for la in frame.spec.layers if n in la.neurons)
    step = ("local", out, net)
    return {"out": out, "net": net, "o": fig.show(("value", out)),
            "step": fig.show(step, fig.get(step, o * (1 - o))), "form": layer.activation,
            "step_key": step}


def _path_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    n = neuron_of_figure(frame, key)
    if n in frame.spec.outputs:
        n = frame.spec.layers[-2].neurons[0]
    out = naming.out(n)
    paths = " + ".join(naming.derivative(naming.error_of(o), out) for o in frame.spec.outputs)
    step = ("grad", out)
    return {"out": out, "paths": paths, "step": fig.show(step, fig.get(step, 0.0)), "step_key": step}


def _sequential_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    n = neuron_of_figure(frame, key)
    if n in frame.spec.outputs:
        n = frame.spec.layers[-2].neurons[0]
    w = next(w for w, (to, src) in frame.joins.items() if src == n)
    return {"w": w, "wv": f"{frame.initial[w]:g}", "wp": fig.show(("updated", w))}


def _param(frame: Frame, key: Key) -> str:
    """The parameter whose update the sentence shows: the figure's own (w5+, Δw5);
    for any other figure, a weight leaving its neuron (under the sequential
    convention dE_total/dw1 goes through w7+, whose update went wrong)."""
    if key[0] in ("updated", "change") and key[1] in frame.initial:
        return key[1]
    n = neuron_of_figure(frame, key)
    leaving = [w for w, (_to, src) in frame.joins.items() if src == n]
    return min(leaving, key=naming.reading_order) if leaving else next(iter(frame.initial))


def _update_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    p = _param(frame, key)
    return {"p": p, "pv": f"{frame.initial[p]:g}", "eta": f"{frame.spec.learning_rate:g}",
            "g": fig.show(("grad", p)), "change": fig.show(("change", p)),
            "step": fig.show(("updated", p)), "step_key": ("updated", p)}


def _sign_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    fields = _update_fields(frame, fig, key)
    if key[0] == "change":  # Δw asked: the step is Δw itself
        fields.update(form="change", step_key=key)
    return fields


def _rate_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    fields = _update_fields(frame, fig, key)
    fields["step_key"] = ("change", fields["p"])
    return fields


def _bias_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    n = neuron_of_figure(frame, key)
    for layer in frame.spec.layers:
        if n in layer.neurons and layer.bias is not None:
            b = layer.bias_of(layer.neurons.index(n))
            break
    else:
        layer = next(la for la in frame.spec.layers if la.bias is not None)
        n, b = layer.neurons[0], layer.bias_of(0)
    step = ("value", naming.net(n))
    return {"net": naming.net(n), "b": b, "bv": f"{frame.initial[b]:g}", "step": fig.show(step),
            "step_key": step}


def _transposed_fields(frame: Frame, fig: _Numbers, key: Key) -> dict[str, Any]:
    n = neuron_of_figure(frame, key)
    ws = [w for w, (to, _src) in frame.joins.items() if to == n] or list(frame.joins)
    w = sorted(ws, key=naming.reading_order)[-1]
    to, src = frame.joins[w]
    return {"w": w, "src": src, "dst": to}


FIELDS: dict[str, Callable[[Frame, _Numbers, Key], dict[str, Any]]] = {
    "target_sign": _target_fields, "sigmoid_derivative": _derivative_fields,
    "half_factor": _half_fields, "missing_path": _path_fields,
    "sequential_update": _sequential_fields, "update_sign": _sign_fields,
    "learning_rate": _rate_fields, "bias_omitted": _bias_fields,
    "transposed_weights": _transposed_fields,
}

# Each sentence a teacher's correction: what the student wrote, the right step on their
# own numbers, the result ({so}: ", so <figure> = <value>", left out where the figure is
# the step itself, its value said once).
MISCONCEPTIONS: dict[str, Misconception] = {m.code: m for m in (
    Misconception("target_sign", N_("dE/dout written as target - out: the chain rule's minus sign lost"), N_(
        "You wrote {quantity} = {given}, taking dE_total/d{out} as {target} - {out}; the chain "
        "rule keeps the minus sign: dE_total/d{out} = -({target} - {out}) = -({t} - {o}) = "
        "{step}{so}."),
        lambda s, r: [replace(r, error_sign=-1.0)] if s.loss in HALF_LOSSES else []),
    Misconception("sigmoid_derivative", N_(
        "the derivative of the activation out taken from net, not from out: net(1 - net) for "
        "out(1 - out)"), N_(
        "You wrote {quantity} = {given}, taking the sigmoid's derivative at {net}; it is taken "
        "at its output: d{out}/d{net} = {out}(1 - {out}) = {o} × (1 - {o}) = {step}{so}."),
        lambda s, r: [replace(r, derivative_from_net=True)] if any(
            la.activation in ("sigmoid", "tanh") for la in s.layers) else [], {"tanh": N_(
            "You wrote {quantity} = {given}, taking the tanh's derivative at {net}; it is taken "
            "at its output: d{out}/d{net} = 1 - {out}² = 1 - {o}² = {step}{so}.")}),
    Misconception("half_factor", N_("the 1/2 of E dropped: E and dE/dout twice too large"), N_(
        "You wrote {quantity} = {given}, dropping the ½ of E = ½(target - out)², which cancels "
        "the 2 of the square: dE_total/d{out} = -({target} - {out}) = -({t} - {o}) = {step}{so}."),
        lambda s, r: [replace(r, error_scale=2.0)] if s.loss in HALF_LOSSES else [], {"loss": N_(
            "You wrote {quantity} = {given}, twice the right value: the loss keeps its ½, "
            "E = ½(target - out)²{so}.")}),
    Misconception("missing_path", N_("one path of the multi-path sum (through one output) left out"), N_(
        "You wrote {quantity} = {given}, leaving out a path; {out} reaches E_total through every "
        "output, and every path counts: dE_total/d{out} = {paths} = {step}{so}."), _missing_path),
    Misconception("sequential_update", N_(
        "the hidden gradients through the other convention's weights: the updated ones instead "
        "of the old, or the reverse"), N_(
        "You wrote {quantity} = {given}, through the updated weight {w}+ = {wp}; this exercise "
        "updates every weight at once: the hidden gradients go through the old weights ({w} = "
        "{wv}){so}."),
        _other_convention, {"sequential": N_(
            "You wrote {quantity} = {given}, through the old weight {w} = {wv}; this exercise "
            "updates the output layer first: the hidden gradients go through the updated weights "
            "({w}+ = {wp}){so}.")}),
    Misconception("update_sign", N_("the update written p + η·grad: a step up the gradient"), N_(
        "You wrote {quantity} = {given}, a step up the gradient; gradient descent steps against "
        "it: {p}+ = {p} - η·dE_total/d{p} = {pv} - {eta} × ({g}) = {step}{so}."),
        lambda s, r: [replace(r, update_sign=-1.0)], {"change": N_(
            "You wrote {quantity} = {given}, a step up the gradient; gradient descent steps "
            "against it: Δ{p} = -η·dE_total/d{p} = -{eta} × ({g}) = {change}{so}.")}),
    Misconception("learning_rate", N_("the learning rate η left out of the update, or applied twice"), N_(
        "You wrote {quantity} = {given}, with η left out or applied twice; the update takes it "
        "once: Δ{p} = -η·dE_total/d{p} = -{eta} × ({g}) = {change}{so}."),
        _learning_rate),
    Misconception("bias_omitted", N_("the weighted sum net without the bias"), N_(
        "You wrote {quantity} = {given}, leaving out the bias; the weighted sum includes it "
        "({b} = {bv}): {net} = Σ w·out + {b} = {step}{so}."), _bias),
    Misconception("transposed_weights", N_("w_ij read as w_ji: a layer's weights read the other way round"), N_(
        "You wrote {quantity} = {given}, reading the weights the wrong way round: {w} joins "
        "{src} to {dst}{so}."), _transposed),
)}


def check_code(code: str, function: str = "misconceived_figures") -> Misconception:
    if code not in MISCONCEPTIONS:
        raise ArgumentError(function, "code", _("unknown misconception {value} (choose from "
                                                "{options})").format(
            value=show(code), options=", ".join(MISCONCEPTIONS)))
    return MISCONCEPTIONS[code]


def misconceived_figures(spec: Spec, code: str, quantities: Sequence[str],
                         given: Optional[Mapping[str, float]] = None,
                         convention: Optional[str] = None) -> dict[str, float]:
    """The figures a student holding misconception ``code`` computes for
    ``quantities`` (as in slide_check: net_h1, dE_total/dw5, w5+, ...), from
    the spec's numbers, or from the student's own earlier figures ``given``
    (quantity -> value). Figures the misconception does not change are left
    out (all of them where it does not apply to this spec). ``convention``:
    the exercise's (default the spec's). For a misconception with several
    forms (eta left out or twice), the first."""
    m = check_code(code)
    convention = convention or spec.convention
    frame = Frame(spec)
    keys = [read_quantity(q, frame) for q in quantities]
    mine = {}
    for q, x in (given or {}).items():
        k, sign = read_quantity(q, frame, "given")
        mine[k] = sign * float(x)
    variants = m.rules(spec, convention)
    if not variants:
        return {}
    wanted = [k for k, _sign in keys]
    right = work(frame, Rules(convention), mine, wanted)
    broken = work(frame, variants[0], mine, wanted)
    out = {}
    for q, (k, sign) in zip(quantities, keys):
        if k in broken and k in right and not _same(broken[k], right[k]):
            out[q] = sign * broken[k]
    return out


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))
