"""The worksheet a student works by hand: the network drawn (viz's network
picture, inline SVG), the given numbers, the activation, loss, learning rate and
update convention stated, and a blank for every asked figure, grouped as the
work goes (forward pass, backward pass, weight update, after K updates).
HTML styled for print (A4, the answer blanks on a page of their own) and
Markdown; every word in the language of the moment.
"""
from __future__ import annotations

import functools
import html
import re
from typing import Optional

from nn import naming
from nn.i18n import language

from ..i18n import N_, _
from ..quantities import parse_quantity
from ..report import convention_text
from ..solver import build_model
from ..spec import Spec, spec_from_text
from .generate import Exercise, Student, spec_to_toml
from .key import ACTIVATION_FORMULA, error_outputs, value_formula

ACTIVATION_DEFINITION = {"sigmoid": "σ(x) = 1 / (1 + e^(−x))", "tanh": "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x))",
                         "relu": "relu(x) = max(0, x)", "step": N_("step(x) = 1 if x > 0, else 0"),
                         "identity": "f(x) = x", "softmax": "softmax: out_k = e^net_k / Σ_j e^net_j"}
STAGES = ("forward", "backward", "update", "after")


def stage_of(spec: Spec, quantity: str) -> str:
    """Where a figure belongs on the sheet: forward, backward, update or after."""
    kind = parse_quantity(quantity, spec.labels()).kind
    return {"value": "forward", "derivative": "backward", "updated": "update", "change": "update"}.get(
        kind, "after")


def stage_title(stage: str, ex: Exercise) -> str:
    counts = sorted({parse_quantity(q, ex.spec.labels()).k for q in ex.asked
                     if stage_of(ex.spec, q) == "after"})
    return {"forward": _("Forward pass"), "backward": _("Backward pass (chain rule)"),
            "update": _("Weight update"),
            "after": _("After {counts} updates").format(counts=", ".join(map(str, counts)))}[stage]


def by_stage(ex: Exercise) -> list[tuple[str, list[str]]]:
    """The asked figures grouped by stage, in the order the work goes."""
    groups = {s: [q for q in ex.asked if stage_of(ex.spec, q) == s] for s in STAGES}
    return [(s, qs) for s, qs in groups.items() if qs]


def network_svg(spec: Spec) -> str:
    """The network as the slides draw it, names and given weights only (no
    activation, no gradient: those are the student's to find), as inline SVG."""
    return _network_svg(spec_to_toml(spec))


@functools.lru_cache(maxsize=8)
def _network_svg(spec_text: str) -> str:
    """Drawn once per variant (the worksheet and the quiz show the same picture)."""
    import viz
    from viz.render import pipe

    model = build_model(spec_from_text(spec_text))
    svg = pipe(viz.draw_network(model, digits=2, grads=False), "svg").decode("utf-8")
    svg = svg[svg.index("<svg"):]  # inline: no XML prolog, no DOCTYPE
    # a bias box reads "b1 / = 0.44" on paper (the picture's "data" is the engine's word)
    svg = re.sub(r">data (?=[&\d.-])", ">= ", svg)
    return re.sub(r'<svg width="[^"]*" height="[^"]*"', '<svg', svg, count=1)


# --- the given numbers, shared by both formats ----------------------------------------------

def _number(x: float) -> str:
    return f"{x:g}"


def given_lines(spec: Spec) -> list[tuple[str, str]]:
    """(what, the numbers) of everything given: inputs, targets, each layer's weights and biases."""
    rows = [(_("inputs"), ", ".join(f"{n} = {_number(x)}" for n, x in zip(spec.input_names, spec.inputs))),
            (_("targets"), ", ".join(f"{naming.target(o)} = {_number(t)}"
                                     for o, t in zip(spec.outputs, spec.targets)))]
    for l, layer in enumerate(spec.layers):
        kind = (_("output layer {names}") if l == len(spec.layers) - 1
                else _("hidden layer {names}")).format(names=" ".join(layer.neurons))
        weights = "; ".join(", ".join(f"{w} = {_number(v)}" for w, v in zip(names, row))
                            for names, row in zip(layer.weight_names, layer.weights))
        rows.append((kind, weights))
        if isinstance(layer.bias, list):
            rows.append(("", ", ".join(f"{b} = {_number(v)}" for b, v in zip(layer.bias_names, layer.bias))))
        elif layer.bias is not None:
            rows.append(("", _("{bias} = {value} (one bias shared by {names})").format(
                bias=layer.bias_names, value=_number(layer.bias), names=", ".join(layer.neurons))))
    return rows


def setting_lines(spec: Spec) -> list[tuple[str, str]]:
    acts = sorted({layer.activation for layer in spec.layers}, key=list(ACTIVATION_DEFINITION).index)
    error_terms = [f"{naming.error_of(o)} = {value_formula(spec, naming.error_of(o))}"
                   for o in error_outputs(spec)]
    trained = all(layer.train_bias for layer in spec.layers if layer.bias is not None)
    lines = [(_("activation function"), "; ".join(_(ACTIVATION_DEFINITION[a]) for a in acts)),
             (_("loss function"), f"{naming.TOTAL_ERROR} = {value_formula(spec, naming.TOTAL_ERROR)}"
              + "".join(", " + term for term in error_terms)),
             (_("learning rate η"), _number(spec.learning_rate)),
             (_("update convention"), convention_text(spec.convention))]
    if any(layer.bias is not None for layer in spec.layers):
        lines.append((_("biases"), _("updated like the weights") if trained else _("not updated")))
    return lines


def _label(word: str) -> str:
    """"Name: " (a Chinese label takes a full-width colon: "姓名：")."""
    return _("{label}: ").format(label=word)


def _title(ex: Exercise) -> str:
    return ex.spec.text("title") or _("Backpropagation by hand")


def _instructions() -> str:
    return _("Work out each figure by hand with the chain rule and write it with 6 decimals, as "
             "the slides do. You may round a result (keep at least 4 significant digits) and go on "
             "with the rounded number: the marking follows your own numbers.")


# --- HTML -------------------------------------------------------------------------------------

CSS = """
@page { size: A4; margin: 14mm 14mm 16mm 14mm; }
* { box-sizing: border-box; }
body { font-family: __SANS__; font-size: 10.5pt; color: #111;
       line-height: 1.4; margin: 0 auto; max-width: 182mm; padding: 8mm 0; }
h1 { font-size: 17pt; margin: 0 0 2mm; }
h2 { font-size: 12.5pt; margin: 5mm 0 2mm; border-bottom: 1px solid #bbb; }
code, .q { font-family: __MONO__; font-size: 10pt; }
.student { display: flex; gap: 10mm; margin: 3mm 0; }
.student span { flex: 1; border-bottom: 1px solid #333; padding-bottom: 1mm; min-height: 7mm; }
figure.network { margin: 2mm 0; text-align: center; break-inside: avoid; }
figure.network svg { max-width: 100%; max-height: 95mm; height: auto; }
figcaption { font-size: 9pt; color: #444; }
table { border-collapse: collapse; width: 100%; break-inside: avoid; }
th, td { border: 1px solid #999; padding: 1.2mm 2mm; text-align: left; vertical-align: top; }
th { background: #f1f5f9; width: 32%; font-weight: 600; }
table.answers td.q { width: 38%; }
table.answers td.blank { height: 9mm; }
table.answers tr { break-inside: avoid; }
.answers-page { break-before: page; }
.stage { break-inside: avoid-page; }
.note { font-size: 9.5pt; color: #333; }
footer { margin-top: 6mm; font-size: 8.5pt; color: #666; }
@media print { body { padding: 0; max-width: none; } a { color: inherit; } }
@media screen { .answers-page { border-top: 2px dashed #bbb; margin-top: 8mm; padding-top: 4mm; } }
"""


def _words() -> dict[str, str]:
    """The worksheet's headings in the language of the moment."""
    return {"network": _("The network"), "given": _("Given"), "settings": _("Settings"),
            "answers": _("Your answers"), "figure": _("figure"), "answer": _("your answer"),
            "name": _("Name"), "id": _("Student ID"), "numbers": _("numbers")}


def worksheet_html(ex: Exercise, student: Optional[Student] = None) -> str:
    """The worksheet as one self-contained HTML page (print it: A4)."""
    e = html.escape
    spec = ex.spec
    w = {k: e(v) for k, v in _words().items()}
    w["name"], w["id"] = e(_label(_("Name"))), e(_label(_("Student ID")))
    sid, name = e(student.id if student else ""), e(student.name if student else "")
    parts = [f'<!DOCTYPE html>\n<html lang="{"zh-CN" if language() == "zh" else "en"}">',
             '<head><meta charset="utf-8">', f"<title>{e(_title(ex))} · {e(ex.seed)}</title>",
             "<style>__CSS__</style></head>", "<body>", f"<h1>{e(_title(ex))}</h1>",
             f'<div class="student"><span>{w["name"]}{name}</span><span>{w["id"]}{sid}</span></div>',
             f'<p class="note">{e(_instructions())}</p>', f"<h2>{w['network']}</h2>",
             f'<figure class="network">{network_svg(spec)}<figcaption>{e(_caption(spec))}</figcaption></figure>',
             f"<h2>{w['given']}</h2>", _html_table(given_lines(spec)),
             f"<h2>{w['settings']}</h2>", _html_table(setting_lines(spec)),
             '<section class="answers-page">', f"<h1>{w['answers']}</h1>",
             f'<div class="student"><span>{w["name"]}{name}</span><span>{w["id"]}{sid}</span></div>']
    for stage, qs in by_stage(ex):
        rows = "".join(f'<tr><td class="q">{e(q)}</td><td class="blank"></td></tr>' for q in qs)
        parts.append(f'<div class="stage"><h2>{e(stage_title(stage, ex))}</h2><table class="answers">'
                     f'<tr><th>{w["figure"]}</th><th>{w["answer"]}</th></tr>{rows}</table></div>')
    parts += ["</section>", f"<footer>{e(_footer(ex))}</footer>", "</body></html>"]
    page = "\n".join(parts) + "\n"
    return page.replace("__CSS__", _css(page), 1)


def _css(page: str) -> str:
    """The print styles; with Chinese text, its glyphs travel with the page (viz.fonts:
    the machine's Chinese font where it has one, else the packaged one cut down to the
    page's characters), so that it prints the same on any machine."""
    from viz import fonts, style
    face = fonts.embedded_cjk_css(page)
    css = (CSS.replace("__SANS__", fonts.css_families(style.FONT, embedded=bool(face)))
           .replace("__MONO__", fonts.css_families(style.MONO, embedded=bool(face))))
    return face + css


def _caption(spec: Spec) -> str:
    return _("The network: inputs on the left, each weight on its edge, the biases in boxes.")


def _footer(ex: Exercise) -> str:
    return _("exercise {name}, variant {seed}; made by chainrule exercise new").format(
        name=ex.spec.name, seed=ex.seed)


def _html_table(rows: list[tuple[str, str]]) -> str:
    e = html.escape
    return "<table>" + "".join(f"<tr><th>{e(a)}</th><td>{e(b)}</td></tr>" for a, b in rows) + "</table>"


# --- Markdown ---------------------------------------------------------------------------------

def _md_cell(text: str) -> str:
    return text.replace("|", "\\|")


def worksheet_markdown(ex: Exercise, student: Optional[Student] = None) -> str:
    spec = ex.spec
    w = _words()
    blank = "____________"
    lines = [f"# {_title(ex)}", "", f"{_label(w['name'])}{student.name if student else blank}  ",
             f"{_label(w['id'])}{student.id if student else blank}", "", _instructions(), "",
             f"## {w['network']}", "", _structure_text(spec), "", f"## {w['given']}", "",
             f"| | {w['numbers']} |", "|---|---|"]
    lines += [f"| {_md_cell(a)} | {_md_cell(b)} |" for a, b in given_lines(spec)]
    lines += ["", f"## {w['settings']}", "", "| | |", "|---|---|"]
    lines += [f"| {_md_cell(a)} | {_md_cell(b)} |" for a, b in setting_lines(spec)]
    lines += ["", f"## {w['answers']}"]
    for stage, qs in by_stage(ex):
        lines += ["", f"### {stage_title(stage, ex)}", "", f"| {w['figure']} | {w['answer']} |", "|---|---|"]
        lines += [f"| `{q}` | |" for q in qs]
    return "\n".join(lines + ["", f"*{_footer(ex)}*", ""])


def _structure_text(spec: Spec) -> str:
    """The network in words: what feeds what (the picture is in the HTML worksheet)."""
    columns = [" ".join(spec.input_names)] + [" ".join(layer.neurons) for layer in spec.layers]
    acts = ", ".join(ACTIVATION_FORMULA.get(layer.activation, layer.activation).format(net="net")
                     if layer.activation != "softmax" else "softmax" for layer in spec.layers)
    return _("{columns} (fully connected; activation functions by layer: {functions}; the picture "
             "is in worksheet.html)").format(columns=" → ".join(columns), functions=acts)
